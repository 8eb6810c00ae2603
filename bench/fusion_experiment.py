"""A learned nonlinear fusion of the ranker's signals, judged by leave-one-repository-out (#14).

Reads the cached signal rows of ``bench/tune_weights.py`` / ``relevance.py --rows-cache`` (one
JSON file per repository: every candidate's normalised signals per sample and protocol) and
compares, on the same rows and with the same figures as ``tune_weights.py`` (seeded R@10 and MRR,
task-only R@10 and MRR, issue-style Acc@1, Acc@5 and MRR; per repository the mean over its
samples, then the mean over repositories):

- ``current``: the linear weights of ``analyzers/bundles/rank.py`` (``WEIGHTS`` seeded,
  ``TASK_WEIGHTS`` task-only and issue-style), scored as ``tune_weights.py`` scores them;
- ``linear-loro`` (``--linear-loro``): the same weights refitted per held-out repository by
  ``tune_weights.fit_pair`` (coordinate descent) on the other repositories (slow: minutes);
- ``rules``: learnable re-ranking rules on top of the linear order, each with one parameter
  chosen per held-out repository on the other repositories: ``lift`` (the runtime's "a test in
  the first 20 lifts its source right above it"), ``after`` (a test whose source is a candidate
  drops to right after that source), ``cap`` (at most N tests and docs among the first K);
- ``gbm``: a LightGBM lambdarank model re-ranking the linear top ``--top`` candidates, trained
  per held-out repository on the other repositories (one model with a seed, one for a task
  alone: at run time task-only and issue-style queries cannot be told apart, so one model serves
  both and is judged on both).

The model's features are what the ranker has at run time, nothing derived from the truth: the
signals (offline-only ones such as ``name_cover`` are dropped), the penalties, the candidate's
linear score, its share of the query's best score and its linear rank, and features of the path
alone (test, doc, changelog, depth, extension class, whether a test's source / a source's test is
among the candidates and how they rank).

Needs ``lightgbm`` (bench only, not a runtime dependency: ``pip install lightgbm``). The shipped
model (``analyzers/bundles/task_fusion.npz``, read by ``analyzers/bundles/fusion.py`` with numpy)
is the ``--export`` of the configuration measured below, trained on all 25 repositories (since
2026-12-05 on the 40-commit collection, 2,926 rows, ``--rows ROWS40``: more rows gained a little
held out, see ``--train-from`` and bench/README "More training rows"):

    python bench/fusion_experiment.py --rows /tmp/rows-v3                 # rules, both models
    python bench/fusion_experiment.py --rows /tmp/rows-v3 --no-rules --task-only --seeds 7,8,9
    python bench/fusion_experiment.py --rows /tmp/rows-v3 --no-rules --task-only --no-gbm \
        --seeds 7,8,9 --export analyzers/bundles/task_fusion.npz

Results (2026-12-05, /tmp/rows-v3: 25 repositories, 1,442 rows; LORO; ``current`` is in-sample,
the weights having been fitted on all 25): the rules gain nothing (``cap`` with N = 0, K = 5, no
test or doc at all among the first five, reaches issue Acc@5 0.734 and MRR 0.683 in-sample but
costs task-only MRR 0.018). The model, re-ranking the linear top 30 with graded truth (a source
2, a test or doc 1), the sum of three models (random states 7, 8, 9):

    figure          current  model (LORO)
    seeded R@10       0.708  0.708  (seeded queries keep the linear order)
    seeded MRR        0.728  0.728
    task R@10         0.648  0.647
    task MRR          0.706  0.708
    issue Acc@1       0.446  0.472
    issue Acc@5       0.713  0.738
    issue MRR         0.659  0.693

Single models: random state 7: issue Acc@5 / MRR 0.742 / 0.695; 8: 0.733 / 0.687; 9: 0.740 /
0.691; no bagging: 0.728 / 0.687 (task R@10 -0.010). Other configurations: the top 100 with
binary truth (issue Acc@5 +0.007 to +0.012, MRR +0.007 to +0.009; a seeded model beside it: seeded
R@10 -0.009, MRR +0.001); the top 100 with graded truth (0.740 / 0.688, task R@10 -0.002); smaller
trees (7 leaves, 300 per leaf, 200 trees: task R@10 -0.011); trained on issue-style rows only
(issue Acc@5 0.755, MRR 0.688, but task-only R@10 0.479: it learns to drop tests, which that
protocol counts);
issue rows weighted 1.5 or 2 (task-only R@10 -0.014 / -0.020). In-sample, the same features reach
issue Acc@5 0.819 and MRR 0.806: most of what the trees can learn does not carry over to a
repository they have not seen.

``--nested`` holds the whole ranker out (the linear weights refitted without the repository,
then the re-ranking trained on that order; ``--folds-cache`` keeps the refitted weights,
``--markdown`` writes the per-repository table of README and bench/README). 2026-12-05: seeded
R@10 / MRR 0.701 / 0.730, task-only 0.643 / 0.703, issue-style Acc@1 / Acc@5 / MRR 0.432 / 0.740
/ 0.676 held out.

Decision rule (#14): a change counts only if it gains >= 0.03 LORO on issue Acc@5 or MRR without
losing more than 0.01 LORO on any other figure.

``--prefix-words REPOS_DIR`` and ``--signal-ranks`` (session 13): task words that start like a
path's words, and each signal's rank among the kept candidates: +0.005 LORO each; not shipped.

``--path-cover REPOS_DIR`` (2026-12-05): four more features, the task's words each candidate's path
holds and how many of them no candidate above holds (a change named part by part): issue-style
Acc@5 / MRR +0.002 / +0.004 LORO; not shipped (bench/README.md).

Session 16-17: ``--file-size``, ``--churn``, ``--anchor-cochange`` (a fix's companion files),
``--examples``, ``--history-body`` (commit bodies) and ``--task-length``: +0.010 LORO at most on any
figure (the last two together); not
shipped (bench/README.md).

Session 18: ``--def-match``, ``--def-names``, ``--def-links`` and ``--line-chunks`` score the task
against parts of each candidate (its definitions, or windows of 30 lines). ``--line-chunks``
gains on every figure (issue MRR +0.023, Acc@1 +0.026, task R@10 +0.014 LORO) and is shipped
(``analyzers/bundles/chunkmatch.py``; ``--export`` with it writes its four columns' names into
the model, and the runtime computes them); the others are not (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tune_weights as tw  # noqa: E402

from analyzers import lexical  # noqa: E402
from analyzers.bundles import chunkmatch, fusion  # noqa: E402
from analyzers.bundles import rank as rank_mod  # noqa: E402
from analyzers.indexing.filekinds import is_doc_file, is_test_file  # noqa: E402

Row = dict[str, Any]
Ranking = list[str]

# Signals the runtime computes (the rows also hold offline-only experiments: name_cover, ...).
SIGNALS = [k for k in rank_mod.WEIGHTS if k not in ("dirty", "names_top", "is_noise",
                                                    "is_release")]
FIGS = [f"{m}_{f}" for m, fs in tw.FIGURES.items() for f in fs]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- rows ---------------------------------------------------------------------------------------

def load(rows_dir: Path, repos: Sequence[str] | None) -> list[Row]:
    """Every repository's rows from ``rows_dir/<repo>.json``, their test signals as today's
    :func:`filekinds.is_test_file` gives them (:func:`retest`)."""
    rows: list[Row] = []
    for f in sorted(rows_dir.glob("*.json")):
        data = json.loads(f.read_text())
        if "rows" not in data or (repos and f.stem not in repos):
            continue
        rows.extend(data["rows"])
    for row in rows:
        retest(row)
    return rows


def retest(row: Row) -> None:
    """``is_test`` and ``test_uses`` of a row's candidates as the runtime now computes them
    (rows collected before ``test/`` and ``spec/`` folders were tests held their files as
    sources). ``test_uses`` is ``uses`` of the tests scaled to a best of 1 among the candidates
    (the runtime scales over every file: the same where the best test is a candidate)."""
    cands = row["cands"]
    tests = [i for i, (p, _) in enumerate(cands) if is_test_file(p)]
    if all(cands[i][1].get("is_test") for i in tests) and \
            sum(1 for _, s in cands if s.get("is_test")) == len(tests):
        return  # as collected
    top = max((cands[i][1].get("uses", 0.0) for i in tests), default=0.0)
    for _, s in cands:
        s.pop("is_test", None)
        s.pop("test_uses", None)
    for i in tests:
        s = cands[i][1]
        s["is_test"] = -1.0
        if top > 0 and s.get("uses"):
            s["test_uses"] = round(s["uses"] / top, 4)


def linear_score(signals: dict[str, float], w: dict[str, float]) -> float:
    """The runtime's fusion: a weighted sum of the plain signals times the penalties' shares."""
    s = sum(w.get(k, 0.0) * v for k, v in signals.items()
            if k in SIGNALS and k not in rank_mod.PENALTIES)
    for k in rank_mod.PENALTIES:
        s *= 1.0 + w.get(k, 0.0) * signals.get(k, 0.0)
    return s


def linear_order(row: Row, w: dict[str, float]) -> list[int]:
    """Candidate indices best first (ties keep the row's order, as a stable sort does)."""
    scores = [linear_score(s, w) for _, s in row["cands"]]
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def weights_for(mode: str, pair: tw.Pair) -> dict[str, float]:
    return pair[0] if mode in tw.SEEDED_MODES else pair[1]


# -- metrics (as tune_weights.Dataset.row_metrics) ----------------------------------------------

def row_metrics(ranking: Ranking, truth: Sequence[str]) -> dict[str, float]:
    """MRR, R@k and Acc@k of one ranking."""
    pos = {p: i + 1 for i, p in enumerate(ranking)}
    ranks = [pos[t] for t in truth if t in pos]
    out = {"mrr": 1.0 / min(ranks) if ranks else 0.0}
    for k in (5, 10, 20):
        out[f"r@{k}"] = sum(r <= k for r in ranks) / len(truth) if truth else 0.0
    complete = bool(truth) and len(ranks) == len(set(truth))
    for k in (1, 5):
        out[f"acc@{k}"] = float(complete and max(ranks) <= k)
    return out


def macro(rows: Sequence[Row], rankings: Sequence[Ranking]) -> dict[str, float]:
    """Per mode and figure: the mean over repositories of the per-repository means."""
    groups: dict[tuple[str, str], list[dict[str, float]]] = {}
    for row, ranking in zip(rows, rankings, strict=True):
        groups.setdefault((row["repo"], row["mode"]), []).append(
            row_metrics(ranking, row["truth"]))
    means = {key: {f: statistics.fmean(m[f] for m in ms) for f in ms[0]}
             for key, ms in groups.items()}
    return tw.macro_figures(means)


def per_repo(rows: Sequence[Row], rankings: Sequence[Ranking]) -> dict[str, dict[str, float]]:
    """repo -> its figures (``mode_figure``)."""
    out: dict[str, dict[str, float]] = {}
    for repo in sorted({r["repo"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["repo"] == repo]
        out[repo] = macro([rows[i] for i in idx], [rankings[i] for i in idx])
    return out


# -- path features ------------------------------------------------------------------------------

_partners = rank_mod.candidate_partners
FEATURES = [*SIGNALS, *fusion.PATH_FEATURES]


def row_features(row: Row, order: list[int], top: int, w: dict[str, float]
                 ) -> tuple[np.ndarray, list[int]]:
    """The feature matrix of the linear top ``top`` candidates of ``row`` (in the linear order of
    weights ``w``) and their candidate indices."""
    cands = row["cands"]
    keep = order[:top]
    paths = [cands[i][0] for i in keep]
    scores = [linear_score(cands[i][1], w) for i in keep]
    feats = fusion.features(SIGNALS, paths, [cands[i][1] for i in keep], scores,
                            min(len(cands), fusion.CANDIDATES), _partners(paths))
    for extra in EXTRA:
        feats = np.hstack([feats, extra.features(row, keep)])
    return feats, keep


COVER_FEATURES = ("path_cover", "path_novel", "path_redundant", "stem_named")


def task_terms(task: str) -> tuple[set[str], set[str]]:
    """What :func:`path_cover` reads of a task: its words' stems, and its compound identifiers
    (``appCreate``, ``from_prefixed_env``: two words or more) run together in lower case."""
    compounds = set()
    for tok in lexical._IDENT.findall(lexical.task_text(task)):
        parts = lexical.split_identifier(tok)
        if len(parts) >= 2:
            compounds.add("".join(parts))
    return set(lexical.stems(lexical.task_words(task))), compounds


def path_cover(paths: Sequence[str], terms: tuple[set[str], set[str]]) -> np.ndarray:
    """Per candidate (given best first): the share of the task's words its path holds (each
    word weighted by how rare it is among these paths), the share no candidate above it holds,
    whether all it holds is held above (a change spread over files is often named part by part:
    "fix appCreate/appUpdate crash"), and whether its file name is one of the task's compound
    identifiers (``app_create.py``)."""
    stems, compounds = terms
    held = [stems & set(lexical.stems(lexical.path_words(p))) for p in paths]
    df: dict[str, int] = {}
    for h in held:
        for w in h:
            df[w] = df.get(w, 0) + 1
    weight = {w: math.log(1.0 + len(held) / (1.0 + d)) for w, d in df.items()}
    total = sum(weight.values()) or 1.0
    out = np.zeros((len(held), len(COVER_FEATURES)), dtype=np.float64)
    above: set[str] = set()
    for r, (p, h) in enumerate(zip(paths, held, strict=True)):
        name = p.rpartition("/")[2]
        stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
        out[r] = (sum(weight[w] for w in h) / total, sum(weight[w] for w in h - above) / total,
                  float(bool(h) and h <= above),
                  float("".join(lexical.split_identifier(stem)) in compounds))
        above |= h
    return out


class PathCover:
    """An experiment (``--path-cover REPOS_DIR``): which of the task's words each candidate's
    path holds, weighted by how rare the word is among the query's candidates' paths, and how
    much of that no candidate above it holds (a change spread over files: each file named by a
    part of the task). Read back from the clones as :class:`NamedLift` reads the task."""

    def __init__(self, repos_dir: Path) -> None:
        self.git = NamedLift(repos_dir)
        self.tasks: dict[tuple[str, str, str], tuple[set[str], set[str]]] = {}

    def task_terms(self, row: Row) -> tuple[set[str], set[str]]:
        key = (row["repo"], row["sha"], row["mode"])
        got = self.tasks.get(key)
        if got is None:
            got = self.tasks[key] = task_terms(self.git.task(row))
        return got

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        return path_cover([row["cands"][i][0] for i in keep], self.task_terms(row))


class PrefixWords:
    """An experiment (``--prefix-words REPOS_DIR``): the task's words (five letters or more) that
    share their first five letters with a word of the candidate's file name (how many), or of its
    path (each weighted by how rare it is among the query's candidates), without sharing its stem:
    "resolution" and ``resolver.py``. Not shipped (bench/README, session 13)."""

    def __init__(self, repos_dir: Path) -> None:
        self.git = NamedLift(repos_dir)
        self.tasks: dict[tuple[str, str, str], set[str]] = {}

    def task_words(self, row: Row) -> set[str]:
        key = (row["repo"], row["sha"], row["mode"])
        got = self.tasks.get(key)
        if got is None:
            got = self.tasks[key] = {w for w in lexical.task_words(self.git.task(row))
                                     if len(w) >= 5 and w.isalpha()}
        return got

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        words = self.task_words(row)
        paths = [row["cands"][i][0] for i in keep]

        def alike(names: set[str]) -> set[str]:
            stems = {lexical.stem(x) for x in names}
            return {w for w in words if lexical.stem(w) not in stems
                    and any(len(x) >= 5 and x[:5] == w[:5] for x in names)}

        hits = []
        for p in paths:
            name = p.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            hits.append((alike(set(lexical.path_words(name))), alike(set(lexical.path_words(p)))))
        df: dict[str, int] = {}
        for _, in_path in hits:
            for w in in_path:
                df[w] = df.get(w, 0) + 1
        out = np.zeros((len(paths), 3), dtype=np.float64)
        for r, (in_name, in_path) in enumerate(hits):
            out[r] = (len(in_name), sum(math.log(1 + len(paths) / (1 + df[w])) for w in in_path),
                      float(bool(in_name)))
        return out


class SignalRanks:
    """An experiment (``--signal-ranks``): each signal's rank among the query's kept candidates
    (0 best, 1 last or absent), scale-free features. Not shipped (bench/README, session 13)."""

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        vals = np.array([[row["cands"][i][1].get(k, 0.0) for k in SIGNALS] for i in keep])
        out = np.ones_like(vals)
        for j in range(vals.shape[1]):
            order = np.argsort(-vals[:, j], kind="stable")
            ranks = np.empty(len(keep))
            ranks[order] = np.arange(len(keep))
            out[:, j] = np.where(vals[:, j] > 0, ranks / max(1, len(keep) - 1), 1.0)
        return out


class CorpusVocab:
    """An experiment (``--corpus-vocab TABLE_DIR``): how strongly the task's words are linked to
    the candidate's path words by the corpus-wide table of ``bench/vocab_table.py`` (commit
    subjects of *other* repositories against the paths their commits changed), built without the
    row's repository. Three features: the links' sum per task word, its share of the query's
    best, and the share of the task's words with a link."""

    def __init__(self, tables: Path, repos_dir: Path) -> None:
        import vocab_table

        self.vt = vocab_table
        self.dir = tables
        self.git = NamedLift(repos_dir)
        self.tables: dict[str, Any] = {}
        self.tasks: dict[tuple[str, str, str], set[str]] = {}

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        table = self.tables.get(row["repo"])
        if table is None:
            table = self.tables[row["repo"]] = self.vt.Table(self.dir, without=row["repo"])
        key = (row["repo"], row["sha"], row["mode"])
        words = self.tasks.get(key)
        if words is None:
            words = self.tasks[key] = self.vt.subject_stems(self.git.task(row))
        out = np.zeros((len(keep), 3), dtype=np.float64)
        n = max(1, len(words))
        for r, i in enumerate(keep):
            total, hit = table.link(words, self.vt.path_stems(row["cands"][i][0]))
            out[r, 0], out[r, 2] = total / n, hit / n
        best = out[:, 0].max() if len(keep) else 0.0
        if best > 0:
            out[:, 1] = out[:, 0] / best
        return out


def count_features(vals: np.ndarray) -> np.ndarray:
    """Three features of a count per kept candidate (bytes, commits): its log, its share of the
    most among them, and its rank among them (0 the most)."""
    out = np.zeros((len(vals), 3), dtype=np.float64)
    if not len(vals):
        return out
    out[:, 0] = np.log1p(vals)
    out[:, 1] = vals / max(vals.max(), 1.0)
    order = np.argsort(-vals, kind="stable")
    ranks = np.empty(len(vals))
    ranks[order] = np.arange(len(vals))
    out[:, 2] = ranks / max(1, len(vals) - 1)
    return out


class FileSize:
    """An experiment (``--file-size REPOS_DIR``): each candidate's size at the sample's parent
    commit (``git ls-tree -l``), as log bytes, its share of the largest among the kept
    candidates, and its size rank among them. Defect studies find size the strongest single
    predictor of which file a fix changes; BM25 normalises length away."""

    def __init__(self, repos_dir: Path) -> None:
        self.dir = repos_dir
        self.sizes: dict[tuple[str, str], dict[str, int]] = {}

    def _sizes(self, row: Row) -> dict[str, int]:
        import subprocess

        key = (row["repo"], row["sha"])
        got = self.sizes.get(key)
        if got is None:
            out = subprocess.run(["git", "-C", str(self.dir / row["repo"]), "ls-tree", "-r", "-l",
                                  row["sha"] + "^"], capture_output=True, text=True,
                                 check=False).stdout
            got = {}
            for line in out.splitlines():
                meta, _, path = line.partition("\t")
                size = meta.split()[-1] if meta else "-"
                got[path] = int(size) if size.isdigit() else 0
            self.sizes[key] = got
        return got

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        sizes = self._sizes(row)
        vals = np.array([float(sizes.get(row["cands"][i][0], 0)) for i in keep])
        return count_features(vals)


def touch_log(clone: Path, limit: int | None = None) -> tuple[dict[str, int], dict[str, list[int]]]:
    """One ``git log`` of ``clone`` (oldest first, no merges): each commit's position, and per
    file the positions of the commits that touched it (of at most ``limit`` files, if given)."""
    import subprocess

    out = subprocess.run(["git", "-C", str(clone), "log", "--topo-order", "--reverse",
                          "--no-merges", "--format=%x01%H", "--name-only", "--no-renames",
                          "HEAD"], capture_output=True, text=True, check=False).stdout
    position: dict[str, int] = {}
    touches: dict[str, list[int]] = {}
    for n, chunk in enumerate(out.split("\x01")[1:]):
        sha, _, names = chunk.partition("\n")
        position[sha.strip()] = n
        files = [x for x in names.split("\n") if x]
        if limit is not None and len(files) > limit:
            continue
        for name in files:
            touches.setdefault(name, []).append(n)
    return position, touches


class Churn:
    """An experiment (``--churn REPOS_DIR``): how many commits touched each candidate before the
    sample (the history the index holds at run time): log count, its share of the most among the
    first 30, and its rank among them. Manifests and contributor lists change with everything, so
    the task's words meet their commit subjects by chance (a ``package.json`` held 92 of the
    held-out issue-style rankings' first five places where it was no truth file, 7 where it
    was). Not shipped (bench/README, session 16)."""

    LIMIT: int | None = None  # commits of more files are left out

    def __init__(self, repos_dir: Path) -> None:
        self.dir = repos_dir
        self.repos: dict[str, tuple[dict[str, int], dict[str, list[int]]]] = {}

    def _repo(self, repo: str) -> tuple[dict[str, int], dict[str, list[int]]]:
        got = self.repos.get(repo)
        if got is None:
            got = self.repos[repo] = touch_log(self.dir / repo, self.LIMIT)
        return got

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        import bisect

        position, touches = self._repo(row["repo"])
        at = position.get(row["sha"], len(position))
        vals = np.array([float(bisect.bisect_left(touches.get(row["cands"][i][0], []), at))
                         for i in keep])
        return count_features(vals)


class AnchorCochange(Churn):
    """An experiment (``--anchor-cochange REPOS_DIR``): how often each candidate changed together
    with the linear order's first candidates (the anchors) before the sample, in commits of at
    most 30 files (the index's ``large_commit_limit``): a fix's second file is often the first
    one's companion (``parser.y`` and ``parser.c``, a ``.pyx`` and its ``.py``). Four features:
    P(candidate | first), P(first | candidate), the most P(candidate | anchor) over the first
    three, and its sum over the first five weighted by 1 / (anchor's rank + 1)."""

    LIMIT: int | None = 30

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        import bisect

        position, touches = self._repo(row["repo"])
        at = position.get(row["sha"], len(position))
        sets = []
        for i in keep:
            t = touches.get(row["cands"][i][0], [])
            sets.append(set(t[:bisect.bisect_left(t, at)]))
        out = np.zeros((len(keep), 4), dtype=np.float64)
        for r, mine in enumerate(sets):
            if not mine:
                continue
            anchors = [a for a in range(min(6, len(keep))) if a != r][:5]
            conds = []
            for a in anchors:
                both = len(mine & sets[a])
                conds.append((both / max(1, len(sets[a])), both / len(mine)))
            if not conds:
                continue
            out[r, 0], out[r, 1] = conds[0]
            out[r, 2] = max(c[0] for c in conds[:3])
            out[r, 3] = sum(c[0] / (a + 1) for c, a in zip(conds, anchors, strict=True))
        return out


class Examples:
    """An experiment (``--examples``): whether the candidate lies under an examples folder
    (``examples/``, ``_examples/``, ``example/``, ``docs_src/``, ``samples/``, ``demo/``,
    ``sandbox/``), and how many such candidates rank above it. Examples share the library's words
    and names but are seldom what a fix changes (151 of the 170 example files in the held-out
    issue-style first fives were no truth)."""

    DIRS = frozenset({"examples", "example", "_examples", "docs_src", "samples", "sample",
                      "demo", "demos", "sandbox"})

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        out = np.zeros((len(keep), 2), dtype=np.float64)
        above = 0
        for r, i in enumerate(keep):
            folders = row["cands"][i][0].split("/")[:-1]
            ex = any(f.lower() in self.DIRS for f in folders)
            out[r] = (float(ex), float(above))
            above += ex
        return out


class HistoryBody:
    """An experiment (``--history-body REPOS_DIR``): the task's words met in the whole messages
    (subject and body) of the commits that touched each candidate before the sample, where the
    ``history`` signal reads their subjects only. Four features: the share of the task's weight
    (idf over the repository's commits) that the candidate's past messages hold together; the
    best single past message's share; the same two over the bodies alone."""

    def __init__(self, repos_dir: Path) -> None:
        self.dir = repos_dir
        self.git = NamedLift(repos_dir)
        self.repos: dict[str, Any] = {}

    def _repo(self, repo: str) -> Any:
        import subprocess

        got = self.repos.get(repo)
        if got is None:
            out = subprocess.run(["git", "-C", str(self.dir / repo), "log", "--topo-order",
                                  "--reverse", "--no-merges", "--format=%x01%H%x02%B%x03",
                                  "--name-only", "--no-renames", "HEAD"], capture_output=True,
                                 text=True, check=False, errors="replace").stdout
            position: dict[str, int] = {}
            touches: dict[str, list[int]] = {}
            subj: list[frozenset[str]] = []
            body: list[frozenset[str]] = []
            df: dict[str, int] = {}
            for n, chunk in enumerate(out.split("\x01")[1:]):
                head, _, names = chunk.partition("\x03")
                sha, _, msg = head.partition("\x02")
                position[sha.strip()] = n
                first, _, rest = msg.strip().partition("\n")
                a = frozenset(lexical.stems(lexical.task_words(first)))
                b = frozenset(lexical.stems(lexical.task_words(rest[:4000])))
                subj.append(a)
                body.append(b)
                for w in a | b:
                    df[w] = df.get(w, 0) + 1
                for name in names.split("\n"):
                    if name.strip():
                        touches.setdefault(name.strip(), []).append(n)
            got = self.repos[repo] = (position, touches, subj, body, df, len(subj))
        return got

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        import bisect

        position, touches, subj, body, df, total = self._repo(row["repo"])
        at = position.get(row["sha"], len(position))
        task = set(lexical.stems(lexical.task_words(self.git.task(row))))
        idf = {w: math.log(1 + total / (1 + df.get(w, 0))) for w in task}
        whole = sum(idf.values()) or 1.0
        out = np.zeros((len(keep), 4), dtype=np.float64)
        for r, i in enumerate(keep):
            t = touches.get(row["cands"][i][0], [])
            past = t[:bisect.bisect_left(t, at)][-300:]
            seen_all: set[str] = set()
            seen_body: set[str] = set()
            best_all = best_body = 0.0
            for n in past:
                hit_b = task & body[n]
                hit = (task & subj[n]) | hit_b
                seen_all |= hit
                seen_body |= hit_b
                best_all = max(best_all, sum(idf[w] for w in hit))
                best_body = max(best_body, sum(idf[w] for w in hit_b))
            out[r] = (sum(idf[w] for w in seen_all) / whole, best_all / whole,
                      sum(idf[w] for w in seen_body) / whole, best_body / whole)
        return out


class TaskLength:
    """An experiment (``--task-length REPOS_DIR``): the task's length (log of its words, and
    whether it is one line), the same for every candidate of a query: a one-line bug report and
    a long description may want different orders (tests after the source, or beside it)."""

    def __init__(self, repos_dir: Path) -> None:
        self.git = NamedLift(repos_dir)

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        task = self.git.task(row).strip()
        words = len(lexical.task_words(task))
        out = np.zeros((len(keep), 2), dtype=np.float64)
        out[:, 0] = math.log1p(words)
        out[:, 1] = float("\n" not in task)
        return out


class DefMatch:
    """An experiment (``--def-match REPOS_DIR``): BM25 of the task against each *definition* of
    the kept candidates (its lines' words, comments and strings included; the corpus is every
    definition of the row's kept candidates), where the ``lexical`` signal scores whole files. A
    large file's one matching function is diluted in its file's length; its own document is not.
    Four features: the candidate's best definition's score over the row's best, its rank among
    all the row's definitions (reciprocal), the share of the task's idf weight that definition
    holds, and how many of the file's definitions score half the row's best (log). Files are read
    at the sample's parent commit."""

    WHAT = "lines"  # "lines": every word of a definition's lines; "names": identifiers only

    def __init__(self, repos_dir: Path) -> None:
        self.dir = repos_dir
        self.git = NamedLift(repos_dir)
        self.procs: dict[str, Any] = {}
        self.docs: dict[str, list[Any]] = {}  # blob -> [Counter of stems per definition]

    def _cat(self, repo: str, spec: str) -> tuple[str, bytes] | None:
        import subprocess

        proc = self.procs.get(repo)
        if proc is None:
            proc = self.procs[repo] = subprocess.Popen(
                ["git", "-C", str(self.dir / repo), "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        proc.stdin.write(spec.encode() + b"\n")
        proc.stdin.flush()
        head = proc.stdout.readline().split()
        if len(head) < 3 or head[1] != b"blob":
            return None
        data = proc.stdout.read(int(head[2]))
        proc.stdout.read(1)
        return head[0].decode(), data

    def _parts(self, repo: str, sha: str, path: str,
               make: Callable[[str, bytes], list[Any]]) -> list[Any]:
        """``make(path, data)`` of the file at the sample's parent, once per blob."""
        got = self._cat(repo, f"{sha}^:{path}")
        if got is None:
            return []
        blob, data = got
        docs = self.docs.get(blob)
        if docs is None:
            docs = self.docs[blob] = make(path, data)
        return docs

    def _definitions(self, repo: str, sha: str, path: str) -> list[Any]:
        return self._parts(repo, sha, path, self._definition_docs)

    def _definition_docs(self, path: str, data: bytes) -> list[Any]:
        from collections import Counter

        from analyzers import languages, syntax

        docs = []
        lang = languages.detect(path, data[:200])
        if len(data) < 1_000_000 and languages.has_grammar(lang):
            facts = syntax.parse(data, lang)
            lines = data.decode("utf-8", "replace").split("\n")
            names_at: dict[int, list[str]] = {}
            if self.WHAT == "names":
                for table in (facts.references, facts.shadowed):
                    for name, at in table.items():
                        for n in at:
                            names_at.setdefault(n, []).append(name)
            for d in facts.definitions:
                if self.WHAT == "names":
                    text = " ".join(" ".join(names_at.get(n, ()))
                                    for n in range(d.start_line, d.end_line + 1))
                    text += " " + d.name
                else:
                    text = "\n".join(lines[d.start_line - 1:d.end_line])
                docs.append(Counter(lexical.stems(lexical.words(text))))
        return docs

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        if row["mode"] not in ("task", "issue"):
            return np.zeros((len(keep), 4), dtype=np.float64)
        task = lexical.stems(lexical.task_words(self.git.task(row)))
        docs = [self._definitions(row["repo"], row["sha"], row["cands"][i][0]) for i in keep]
        return document_features(task, docs)


def document_features(task: Sequence[str], docs: Sequence[Sequence[Any]]) -> np.ndarray:
    """:class:`DefMatch`'s four features (as ``chunkmatch.FEATURES`` over windows) over each
    candidate's documents (Counters of stems): BM25 over all of them, per candidate its best."""
    out = np.zeros((len(docs), 4), dtype=np.float64)
    owner = [r for r, ds in enumerate(docs) for _ in ds]
    flat = [d for ds in docs for d in ds]
    n = len(flat)
    words = set(task)
    if not n or not words:
        return out
    lengths = np.array([sum(d.values()) for d in flat], dtype=np.float64)
    avg = max(lengths.mean(), 1.0)
    scores = np.zeros(n)
    idf: dict[str, float] = {}
    for w in words:
        df = sum(1 for d in flat if w in d)
        if df:
            idf[w] = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = np.array([d.get(w, 0) for d in flat], dtype=np.float64)
            scores += idf[w] * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * lengths / avg))
    best = scores.max()
    if best <= 0:
        return out
    whole = sum(idf.values())
    rank = np.empty(n)
    rank[np.argsort(-scores, kind="stable")] = np.arange(n)
    for j in range(n):
        r = owner[j]
        if scores[j] / best > out[r, 0]:
            out[r, :3] = (scores[j] / best, 1.0 / (1.0 + rank[j]),
                          sum(v for w, v in idf.items() if w in flat[j]) / whole)
        out[r, 3] += scores[j] >= 0.5 * best
    out[:, 3] = np.log1p(out[:, 3])
    return out


class DefLinks(DefMatch):
    """``--def-links REPOS_DIR``: :class:`DefMatch`'s four features and three more, a fix's
    companion by reference: the anchors are the best-matching definitions of the three
    candidates whose definitions match the task best; a candidate gains (1) for the names an
    anchor's lines reference that it defines, (2) for referencing an anchor's name, each weighted
    by the anchor's score over the best and by the name's rarity (1 / the kept candidates that
    define it); (3) the most of (1) and (2) over anchors."""

    def __init__(self, repos_dir: Path) -> None:
        super().__init__(repos_dir)
        self.facts: dict[str, Any] = {}  # blob -> (defs [(name, start, end)], refs by name)

    def _facts_of(self, repo: str, sha: str, path: str) -> Any:
        got = self._cat(repo, f"{sha}^:{path}")
        if got is None:
            return [], {}
        blob, data = got
        facts = self.facts.get(blob)
        if facts is None:
            from analyzers import languages, syntax

            lang = languages.detect(path, data[:200])
            facts = ([], {})
            if len(data) < 1_000_000 and languages.has_grammar(lang):
                f = syntax.parse(data, lang)
                facts = ([(d.name, d.start_line, d.end_line) for d in f.definitions],
                         f.references)
            self.facts[blob] = facts
        return facts

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        base = super().features(row, keep)
        out = np.zeros((len(keep), 3), dtype=np.float64)
        if row["mode"] not in ("task", "issue") or not base[:, 0].any():
            return np.hstack([base, out])
        facts = [self._facts_of(row["repo"], row["sha"], row["cands"][i][0]) for i in keep]
        definers: dict[str, set[int]] = {}
        for r, (defs, _) in enumerate(facts):
            for name, _, _ in defs:
                definers.setdefault(name, set()).add(r)
        anchors = [int(a) for a in np.argsort(-base[:, 0], kind="stable")[:3] if base[a, 0] > 0]
        for a in anchors:
            defs, refs = facts[a]
            if not defs:
                continue
            best = self._best_def(row, keep[a], defs)
            if best is None:
                continue
            name, start, end = best
            used = {n for n, at in refs.items() if any(start <= x <= end for x in at)}
            share = base[a, 0]
            for r, (cdefs, crefs) in enumerate(facts):
                if r == a:
                    continue
                mine = {n for n, _, _ in cdefs}
                f1 = sum(1.0 / len(definers[n]) for n in used & mine) * share
                f2 = share / len(definers.get(name, {a})) if name in crefs else 0.0
                out[r, 0] += f1
                out[r, 1] += f2
                out[r, 2] = max(out[r, 2], f1 + f2)
        return np.hstack([base, np.log1p(out)])

    def _best_def(self, row: Row, i: int, defs: list[Any]) -> Any:
        """The definition of candidate ``i`` whose words best hold the task's (by count of the
        task's stems; ties: the shortest)."""
        docs = self._definitions(row["repo"], row["sha"], row["cands"][i][0])
        if len(docs) != len(defs):
            return None
        task = set(lexical.stems(lexical.task_words(self.git.task(row))))
        scored = [(sum(1 for w in task if w in d), -(e - s), k)
                  for k, (d, (_, s, e)) in enumerate(zip(docs, defs, strict=True))]
        top = max(scored)
        return defs[top[2]] if top[0] > 0 else None


class LineChunks(DefMatch):
    """``--line-chunks REPOS_DIR`` (shipped in session 18, ``analyzers.bundles.chunkmatch``):
    :class:`DefMatch`'s features over windows of 30 lines (a step of 15) of every candidate,
    definitions or not (docs, configuration and top-level code included), as the runtime
    computes them."""

    def _definitions(self, repo: str, sha: str, path: str) -> list[Any]:
        return self._parts(repo, sha, path, lambda _, data: chunkmatch.chunk_bags(data))

    def features(self, row: Row, keep: list[int]) -> np.ndarray:
        if row["mode"] not in ("task", "issue"):
            return np.zeros((len(keep), len(chunkmatch.FEATURES)), dtype=np.float64)
        task = lexical.stems(lexical.task_words(self.git.task(row)))
        return chunkmatch.features(task, [self._definitions(row["repo"], row["sha"],
                                                            row["cands"][i][0]) for i in keep])


class DefNames(DefMatch):
    """``--def-names REPOS_DIR``: :class:`DefMatch` over the identifiers of each definition's
    lines only (no comment or string words)."""

    WHAT = "names"


Extra = (PathCover | PrefixWords | SignalRanks | CorpusVocab | FileSize | Churn | AnchorCochange
         | Examples | HistoryBody | TaskLength | DefMatch | DefLinks | LineChunks)
EXTRA: list[Extra] = []
# Experiments reading the clones (REPOS_DIR): flag -> (its features' maker, what they are).
CLONE_EXPERIMENTS: dict[str, tuple[Callable[[Path], Extra], str]] = {
    "--path-cover": (PathCover, "four more features: the task words each candidate's path holds"),
    "--prefix-words": (PrefixWords, "three more features: task words that start like the "
                       "candidate's path words"),
    "--file-size": (FileSize, "three more features: the candidate's size at the parent commit"),
    "--churn": (Churn, "three more features: how many commits touched the candidate before the "
                "sample"),
    "--anchor-cochange": (AnchorCochange, "four more features: how often the candidate changed "
                          "with the linear order's first candidates before the sample"),
    "--task-length": (TaskLength, "two more features: the task's length in words, and whether "
                      "it is one line"),
    "--def-match": (DefMatch, "four more features: BM25 of the task against each definition of "
                    "the candidates (its lines' words), the candidate's best"),
    "--def-links": (DefLinks, "seven more features: --def-match's four, and links by reference "
                    "to the best-matching definitions"),
    "--line-chunks": (LineChunks, "four more features: as --def-match over 30-line windows"),
    "--def-names": (DefNames, "four more features: as --def-match over identifiers only"),
    "--history-body": (HistoryBody, "four more features: the task's words in the whole messages "
                       "of the commits that touched the candidate"),
}


# -- re-ranking rules ---------------------------------------------------------------------------

def rule_lift(paths: Ranking, k: int) -> Ranking:
    """A test among the first ``k`` lifts its source (a candidate below it) to right above it."""
    out = list(paths)
    partners = _partners(out)
    lifted: set[str] = set()
    for test in [p for p in paths[:k] if is_test_file(p)]:
        t = out.index(test)
        j = partners.get(paths.index(test))
        if j is None:
            continue
        src = paths[j]
        s = out.index(src)
        if s > t and src not in lifted:
            out.pop(s)
            out.insert(t, src)
            lifted.add(src)
    return out


def rule_after(paths: Ranking, k: int) -> Ranking:
    """A test among the first ``k`` whose source is a candidate below it drops to right after
    that source."""
    out = list(paths)
    partners = _partners(paths)
    for test in [p for p in paths[:k] if is_test_file(p)]:
        j = partners.get(paths.index(test))
        if j is None:
            continue
        t, s = out.index(test), out.index(paths[j])
        if s > t:
            out.pop(t)
            out.insert(out.index(paths[j]) + 1, test)
    return out


def rule_cap(paths: Ranking, n: int, k: int = 10) -> Ranking:
    """At most ``n`` tests and docs among the first ``k``: the others move to right after k."""
    head: list[str] = []
    moved: list[str] = []
    kinds = 0
    for p in paths[:k]:
        if is_test_file(p) or is_doc_file(p):
            kinds += 1
            if kinds > n:
                moved.append(p)
                continue
        head.append(p)
    rest = paths[k:]
    fill = k - len(head)
    return head + rest[:fill] + moved + rest[fill:]


RULES: dict[str, tuple[Callable[[Ranking, int], Ranking], tuple[int, ...]]] = {
    "lift": (rule_lift, (-1, 5, 10, 20, 50)),
    "after": (rule_after, (-1, 5, 10, 20, 50)),
    "cap": (rule_cap, (-1, 0, 1, 2, 3, 4)),
}


def rule_loro(rows: Sequence[Row], base: Sequence[Ranking], name: str,
              objective: Callable[[dict[str, float]], float]) -> tuple[list[Ranking], dict]:
    """A rule applied to task-only/issue-style rankings with its parameter chosen per held-out
    repository (the best ``objective`` on the other repositories' rows; -1: the rule is off)."""
    fn, grid = RULES[name]
    task = [i for i, r in enumerate(rows) if r["mode"] not in tw.SEEDED_MODES]
    variants = {v: [fn(base[i], v) if v >= 0 else base[i] for i in task] for v in grid}
    task_rows = [rows[i] for i in task]
    chosen: dict[str, int] = {}
    out = list(base)
    for held in sorted({r["repo"] for r in rows}):
        train = [n for n, r in enumerate(task_rows) if r["repo"] != held]
        best = max(grid, key=lambda v: (objective(macro([task_rows[n] for n in train],
                                                        [variants[v][n] for n in train])), -v))
        chosen[held] = best
        for n, i in enumerate(task):
            if rows[i]["repo"] == held:
                out[i] = variants[best][n]
    return out, chosen


def task_objective(m: dict[str, float]) -> float:
    """The task-only half of ``tune_weights``' objective."""
    parts = [m[f"{mo}_{f}"] for mo, f in tw.OBJECTIVE if mo != "seeded" and f"{mo}_{f}" in m]
    return statistics.fmean(parts)


# -- the learned ranker -------------------------------------------------------------------------

LABELS = {"source": 2, "test": 1}  # a truth file's grade: the source to change, then its tests


def _label(path: str, truth: set[str]) -> float:
    """0 for a file outside the truth, else its grade (tests and docs below sources)."""
    if path not in truth:
        return 0.0
    return float(LABELS["test"] if is_test_file(path) or is_doc_file(path) else LABELS["source"])


class Matrix:
    """Every row's features over its linear top candidates, for training and scoring."""

    def __init__(self, rows: Sequence[Row], base: Sequence[list[int]], top: int,
                 pair: tw.Pair) -> None:
        self.x: list[np.ndarray] = []
        self.keep: list[list[int]] = []
        self.y: list[np.ndarray] = []
        for row, order in zip(rows, base, strict=True):
            x, keep = row_features(row, order, top, weights_for(row["mode"], pair))
            truth = set(row["truth"])
            self.x.append(x)
            self.keep.append(keep)
            self.y.append(np.array([_label(row["cands"][i][0], truth) for i in keep]))


MODE_WEIGHT = {"issue": 1.0}  # how much an issue-style query weighs against a task-only one
# A repository's rows weigh this many times a repository's share (bench/self_train_experiment.py).
MODE_WEIGHT_REPO: dict[str, float] = {}


def train(m: Matrix, idx: Sequence[int], rows: Sequence[Row], params: dict[str, Any]) -> Any:
    """A LightGBM lambdarank model on rows ``idx`` (queries with a truth among the kept
    candidates only; each repository weighs alike, as in the macro average)."""
    import lightgbm as lgb

    use = [i for i in idx if m.y[i].sum() > 0 and len(m.y[i]) > 1]
    per_repo: dict[str, int] = {}
    for i in use:
        per_repo[rows[i]["repo"]] = per_repo.get(rows[i]["repo"], 0) + 1
    x = np.concatenate([m.x[i] for i in use])
    y = np.concatenate([m.y[i] for i in use])
    groups = [len(m.y[i]) for i in use]
    w = np.concatenate([np.full(len(m.y[i]), 50.0 / per_repo[rows[i]["repo"]]
                                * MODE_WEIGHT.get(rows[i]["mode"], 1.0)
                                * MODE_WEIGHT_REPO.get(rows[i]["repo"], 1.0)) for i in use])
    model = lgb.LGBMRanker(objective="lambdarank", n_jobs=1, verbose=-1, **params)
    model.fit(x, y, group=groups, sample_weight=w)
    return model


def rerank(row: Row, order: list[int], keep: list[int], scores: np.ndarray) -> Ranking:
    """The kept candidates in the model's order (ties: linear order), then the rest linearly."""
    head = [keep[i] for i in sorted(range(len(keep)), key=lambda i: (-scores[i], i))]
    return [row["cands"][i][0] for i in head + order[len(keep):]]


def gbm_loro(rows: Sequence[Row], base: Sequence[list[int]], top: int, pair: tw.Pair,
             params: dict[str, Any], task_modes: tuple[str, ...] = ("task", "issue"),
             seeded: bool = True, in_sample: bool = False, seeds: Sequence[int] = (7,)
             ) -> list[Ranking]:
    """Rankings of every row by models trained without the row's repository (``in_sample``:
    with it, an upper bound): one model for seeded rows (unless not ``seeded``: linear order),
    one for task-only and issue-style rows (trained on ``task_modes``); each the sum of the
    models trained with the random ``seeds``."""
    m = Matrix(rows, base, top, pair)
    out: list[Ranking] = [[r["cands"][i][0] for i in o] for r, o in zip(rows, base, strict=True)]
    repos = sorted({r["repo"] for r in rows})
    for n, held in enumerate(repos):
        t0 = time.perf_counter()
        for modes in (tw.SEEDED_MODES, task_modes) if seeded else (task_modes,):
            tr = [i for i, r in enumerate(rows)
                  if (in_sample or r["repo"] != held) and r["mode"] in modes]
            scored = tw.SEEDED_MODES if modes == tw.SEEDED_MODES else ("task", "issue")
            te = [i for i, r in enumerate(rows) if r["repo"] == held and r["mode"] in scored]
            if not te or not tr:
                continue
            models = [train(m, tr, rows, params | {"random_state": seed}) for seed in seeds]
            for i in te:
                if len(m.keep[i]):
                    scores = sum(model.predict(m.x[i]) for model in models)
                    out[i] = rerank(rows[i], base[i], m.keep[i], np.asarray(scores))
        log(f"  fold {n + 1}/{len(repos)} {held}: {time.perf_counter() - t0:.1f} s")
    return out


def linear_folds(rows: Sequence[Row], current: tw.Pair, cache: Path | None,
                 reuse: bool = False) -> dict[str, tw.Pair]:
    """Per held-out repository, the linear weights ``tune_weights.fit_pair`` fits on the other
    repositories (kept in ``cache``, a JSON file, and read back while the rows are the same; with
    ``reuse``, read back whatever rows they were fitted on: each fold's weights were still fitted
    without its repository, on an earlier collection of the other repositories' rows)."""
    key = f"{len(rows)}:{sorted({r['repo'] for r in rows})}:{sorted(current[0].items())}"
    if cache is not None and cache.is_file():
        data = json.loads(cache.read_text())
        if data.get("key") == key or (reuse and set(data["folds"]) >= {r["repo"] for r in rows}):
            if data.get("key") != key:
                log(f"linear weights per held-out repository from {cache} (fitted on other rows)")
            return {repo: (w[0], w[1]) for repo, w in data["folds"].items()
                    if any(r["repo"] == repo for r in rows)}
    t0 = time.perf_counter()
    folds = tw.loro(rows, lambda rs: tw.fit_pair(rs, current))
    log(f"linear weights per held-out repository in {time.perf_counter() - t0:.0f} s")
    if cache is not None:
        cache.write_text(json.dumps({"key": key, "folds": folds}))
    return folds


def gbm_nested(rows: Sequence[Row], folds: dict[str, tw.Pair], top: int,
               params: dict[str, Any], task_modes: tuple[str, ...], seeds: Sequence[int],
               trainable: Callable[[Row], bool] = lambda row: True) -> list[Ranking]:
    """The whole ranker held out: for each repository, the linear order of the weights fitted
    without it (``folds``), then, for a task alone, the re-ranking trained without it on the
    other repositories' rows ordered by those same weights."""
    out: list[Ranking] = [[] for _ in rows]
    for n, held in enumerate(sorted(folds)):
        t0 = time.perf_counter()
        pair = folds[held]
        base = [linear_order(r, weights_for(r["mode"], pair)) for r in rows]
        te = [i for i, r in enumerate(rows) if r["repo"] == held]
        for i in te:
            out[i] = [rows[i]["cands"][j][0] for j in base[i]]
        tr = [i for i, r in enumerate(rows)
              if r["repo"] != held and r["mode"] in task_modes and trainable(r)]
        use = sorted(set(tr) | {i for i in te if rows[i]["mode"] not in tw.SEEDED_MODES})
        m = Matrix([rows[i] for i in use], [base[i] for i in use], top, pair)
        at = {i: k for k, i in enumerate(use)}
        picked = [rows[i] for i in use]
        models = [train(m, [at[i] for i in tr], picked, params | {"random_state": seed})
                  for seed in seeds]
        for i in te:
            k = at.get(i)
            if k is not None and len(m.keep[k]):
                scores = sum(model.predict(m.x[k]) for model in models)
                out[i] = rerank(rows[i], base[i], m.keep[k], np.asarray(scores))
        log(f"  nested fold {n + 1}/{len(folds)} {held}: {time.perf_counter() - t0:.1f} s")
    return out


class NamedLift:
    """The runtime's last step, which the rows do not model: the files a task names
    (``bundles.mentions``) first. Each row's task is read back from its repository's clone under
    ``repos_dir`` (the subject for issue-style rows, the whole message otherwise), the named
    files from the tree of the commit's parent, as the benchmark indexed it."""

    def __init__(self, repos_dir: Path) -> None:
        self.dir = repos_dir
        self.cache: dict[tuple[str, str], Any] = {}

    def _git(self, repo: str, *args: str) -> str:
        import subprocess

        return subprocess.run(["git", "-C", str(self.dir / repo), *args], capture_output=True,
                              text=True, check=False).stdout

    def task(self, row: Row) -> str:
        """The row's task: its commit's subject (issue-style) or whole message."""
        key = (row["repo"], row["sha"])
        msg = self.cache.get(key)
        if msg is None:
            msg = self.cache[key] = self._git(row["repo"], "log", "-1", "--format=%B", row["sha"])
        return msg.split("\n", 1)[0] if row["mode"] == "issue" else msg

    def named(self, row: Row) -> list[str]:
        from analyzers.bundles import mentions

        key = (row["repo"], row["sha"])
        task = self.task(row)
        if not mentions.mentions(task):
            return []
        tree = self.cache.get(key + ("tree",))
        if tree is None:
            files = [f for f in self._git(row["repo"], "ls-tree", "-r", "--name-only",
                                          row["sha"] + "^").split("\n") if f]
            tree = self.cache[key + ("tree",)] = (files, *mentions.name_tables(files))
        files, by_name, by_stem = tree
        return [files[n.file_index] for n in mentions.named_files(task, files, by_name, by_stem)]

    def apply(self, rows: Sequence[Row], rankings: Sequence[Ranking]) -> list[Ranking]:
        out: list[Ranking] = []
        for row, paths in zip(rows, rankings, strict=True):
            named = self.named(row)
            if row["mode"] in tw.SEEDED_MODES:  # the seed is never ranked
                named = [p for p in named if p in paths]
            if not named:
                out.append(list(paths))
                continue
            at = {p: i for i, p in enumerate(paths)}
            first = sorted(named, key=lambda p: at.get(p, len(paths)))
            out.append(first + [p for p in paths if p not in set(named)])
        return out


TABLE = (("seeded", "r@10"), ("seeded", "mrr"), ("task", "r@10"), ("task", "mrr"),
         ("issue", "acc@1"), ("issue", "acc@5"), ("issue", "mrr"))


def markdown(rows: Sequence[Row], held: Sequence[Ranking], in_sample: Sequence[Ranking]) -> str:
    """Per repository and figure: held out / in-sample / co-change / BM25, and the macro row."""
    ours = {"held": per_repo(rows, held), "in": per_repo(rows, in_sample)}
    base = {b: tw.baseline_groups(rows, b) for b in tw.BASELINES}
    head = "| repository | " + " | ".join(f"{m} {f}" for m, f in TABLE) + " |"
    lines = [head, "|---" * (len(TABLE) + 1) + "|"]
    sums: dict[tuple[str, str, str], list[float]] = {}
    for repo in sorted(ours["held"]):
        cells = []
        for mode, f in TABLE:
            vals = [ours["held"][repo].get(f"{mode}_{f}"), ours["in"][repo].get(f"{mode}_{f}"),
                    *(base[b].get((repo, mode), {}).get(f) for b in tw.BASELINES)]
            for col, v in zip(("held", "in", *tw.BASELINES), vals, strict=True):
                if v is not None:
                    sums.setdefault((mode, f, col), []).append(v)
            cells.append(" / ".join("" if v is None else f"{v:.2f}".lstrip("0") for v in vals))
        lines.append(f"| {Path(repo).name} | " + " | ".join(cells) + " |")
    lines.append("| **macro** | " + " | ".join(
        " / ".join(f"{statistics.fmean(sums[(m, f, c)]):.3f}".lstrip("0")
                   for c in ("held", "in", *tw.BASELINES) if (m, f, c) in sums)
        for m, f in TABLE) + " |")
    return "\n".join(lines) + "\n"


def export(rows: Sequence[Row], base: Sequence[list[int]], top: int, pair: tw.Pair,
           params: dict[str, Any], task_modes: tuple[str, ...], seeds: Sequence[int],
           out: Path) -> None:
    """The task-alone model trained on every repository's rows (one per random seed, their trees
    summed), written as flat trees."""
    m = Matrix(rows, base, top, pair)
    idx = [i for i, r in enumerate(rows) if r["mode"] in task_modes]
    models = [train(m, idx, rows, params | {"random_state": seed}) for seed in seeds]
    dump = {"tree_info": [t for model in models for t in model.booster_.dump_model()["tree_info"]]}
    extras = list(chunkmatch.FEATURES) if any(isinstance(e, LineChunks) for e in EXTRA) else []
    if len(extras) != m.x[0].shape[1] - len(SIGNALS) - len(fusion.PATH_FEATURES):
        raise SystemExit("--export: only --line-chunks' features can be shipped (the runtime "
                         "computes no other experiment's)")
    data = fusion.flatten_lightgbm(dump, SIGNALS, top, extras)
    trees = fusion.Trees.from_json(data)
    for i in range(0, len(rows), 25):  # the numpy evaluation agrees with LightGBM's
        if len(m.x[i]):
            want = sum(model.predict(m.x[i]) for model in models)
            assert np.allclose(trees.predict(m.x[i]), want, atol=1e-5), rows[i]["sha"]
    trees.save(out)
    assert np.array_equal(fusion.Trees.load(out).predict(m.x[0]), trees.predict(m.x[0]))
    log(f"wrote {out}: {len(data['roots'])} trees, {out.stat().st_size} bytes")


# -- reporting ----------------------------------------------------------------------------------

def print_table(columns: dict[str, dict[str, float]]) -> None:
    names = list(columns)
    print(f"{'figure':<14}" + "".join(f"{n:>15}" for n in names))
    for f in FIGS:
        print(f"{f:<14}" + "".join(f"{columns[n].get(f, float('nan')):>15.3f}" for n in names))


def verdict(new: dict[str, float], ref: dict[str, float]) -> str:
    """The #14 decision rule, ``new`` against ``ref``."""
    gain = max(new["issue_acc@5"] - ref["issue_acc@5"], new["issue_mrr"] - ref["issue_mrr"])
    worst = min(new[f] - ref[f] for f in FIGS)
    ok = gain >= 0.03 and worst >= -0.01
    return (f"issue gain {gain:+.3f}, worst other change {worst:+.3f}: "
            + ("GAINS" if ok else "no gain by the rule"))


def dump_rankings(path: Path, rows: list[Row], ranked: list[Ranking]) -> None:
    """Each row's ranking (first 30) beside its truth, for reading the misses."""
    path.write_text(json.dumps([
        {"repo": r["repo"], "sha": r["sha"], "mode": r["mode"], "truth": r["truth"],
         "ranked": ranking[:30]} for r, ranking in zip(rows, ranked, strict=True)]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=Path, default=Path("/tmp/rows-v3"), help="rows cache folder")
    ap.add_argument("--repos", nargs="*", help="only these repositories (default: all)")
    ap.add_argument("--top", type=int, default=30, help="the model re-ranks the linear top N")
    ap.add_argument("--trees", type=int, default=300)
    ap.add_argument("--leaves", type=int, default=15)
    ap.add_argument("--lr", type=float, default=0.03)
    ap.add_argument("--min-child", type=int, default=100)
    ap.add_argument("--seeds", default="7", help="random states (comma-separated): the model is "
                    "the sum of one trained with each")
    ap.add_argument("--bagging", type=float, default=0.8,
                    help="the share of rows and of features each tree sees (1: no sampling)")
    ap.add_argument("--train-modes", default="task,issue",
                    help="the rows the task-alone model learns from (comma-separated modes)")
    ap.add_argument("--test-label", type=int, default=LABELS["test"],
                    help="a test or doc truth file's grade (a source's is 2)")
    ap.add_argument("--issue-weight", type=float, default=1.0,
                    help="an issue-style query's weight against a task-only one in training")
    ap.add_argument("--linear-loro", action="store_true",
                    help="also refit the linear weights per held-out repository (slow)")
    ap.add_argument("--no-gbm", action="store_true", help="rules only")
    ap.add_argument("--no-rules", action="store_true", help="the model only")
    ap.add_argument("--task-only", action="store_true",
                    help="no seeded model (seeded rows keep the linear order)")
    ap.add_argument("--in-sample", action="store_true",
                    help="also train on the held-out repository: an upper bound, not LORO")
    ap.add_argument("--nested", action="store_true",
                    help="the whole ranker held out: linear weights refitted without the "
                         "repository, then the re-ranking on that order (slow the first time)")
    ap.add_argument("--folds-cache", type=Path,
                    help="with --nested: keep the per-repository linear weights in this JSON")
    ap.add_argument("--reuse-folds", action="store_true",
                    help="with --folds-cache: use its weights even if fitted on other rows (an "
                         "earlier collection; each fold still fitted without its repository)")
    ap.add_argument("--named", type=Path, metavar="REPOS_DIR",
                    help="with --nested: apply the runtime's 'files the task names first' to the "
                         "held-out and in-sample rankings (tasks and trees read from the clones "
                         "here, e.g. /work/benchrepos)")
    ap.add_argument("--markdown", type=Path, metavar="FILE",
                    help="with --nested: write the per-repository table (held out / in-sample "
                         "/ co-change / BM25) here")
    ap.add_argument("--train-from", type=Path, metavar="DIR",
                    help="with --nested: train the re-ranking only on the samples (repository, "
                         "protocol, commit) that DIR's rows hold, e.g. an earlier, smaller "
                         "collection; every row is still scored (more training data, same test)")
    ap.add_argument("--signal-ranks", action="store_true",
                    help="each signal's rank among the kept candidates as features (an "
                         "experiment, not shipped)")
    ap.add_argument("--corpus-vocab", type=Path, metavar="TABLE_DIR",
                    help="three more features: the task's links to the candidate's path words in "
                         "bench/vocab_table.py's counts (needs --named for the tasks; an "
                         "experiment)")
    ap.add_argument("--examples", action="store_true",
                    help="two more features: the candidate is under an examples folder, and how "
                         "many such rank above it (an experiment)")
    for flag, (_, text) in CLONE_EXPERIMENTS.items():
        ap.add_argument(flag, type=Path, metavar="REPOS_DIR", help=text + " (an experiment)")
    ap.add_argument("--dump", type=Path, metavar="JSON",
                    help="write each row's held-out ranking (first 30) beside its truth, for "
                         "reading the misses (with --nested: the whole ranker held out)")
    ap.add_argument("--json", dest="json_out", type=Path, help="write every column's figures")
    ap.add_argument("--export", type=Path, metavar="NPZ",
                    help="train the task-alone model on every repository and write its trees "
                         "(analyzers/bundles/task_fusion.npz is read at run time) here")
    args = ap.parse_args(argv)

    LABELS["test"] = args.test_label
    MODE_WEIGHT["issue"] = args.issue_weight
    EXTRA[:] = [make(getattr(args, flag[2:].replace("-", "_")))
                for flag, (make, _) in CLONE_EXPERIMENTS.items()
                if getattr(args, flag[2:].replace("-", "_"))]
    EXTRA.extend([*([SignalRanks()] if args.signal_ranks else []),
                  *([CorpusVocab(args.corpus_vocab, args.named)] if args.corpus_vocab else []),
                  *([Examples()] if args.examples else [])])
    rows = load(args.rows, args.repos)
    log(f"{len(rows)} rows from {len({r['repo'] for r in rows})} repositories")
    current = (dict(rank_mod.WEIGHTS), dict(rank_mod.TASK_WEIGHTS))
    base = [linear_order(r, weights_for(r["mode"], current)) for r in rows]
    paths = [[r["cands"][i][0] for i in o] for r, o in zip(rows, base, strict=True)]
    columns: dict[str, dict[str, float]] = {"current": macro(rows, paths)}
    check = tw.macro_figures(tw.PairData(rows, list(rank_mod.WEIGHTS)).per_group(current))
    log("current, as tune_weights scores it: "
        + ", ".join(f"{f} {check[f]:.3f}" for f in FIGS))
    repos_fig = {"current": per_repo(rows, paths)}
    if args.linear_loro:
        t0 = time.perf_counter()
        folds = tw.loro(rows, lambda rs: tw.fit_pair(rs, current))
        lin = [[r["cands"][i][0] for i in linear_order(r, weights_for(r["mode"], folds[r["repo"]]))]
               for r in rows]
        columns["linear-loro"] = macro(rows, lin)
        repos_fig["linear-loro"] = per_repo(rows, lin)
        log(f"linear LORO in {time.perf_counter() - t0:.0f} s")
    for name in () if args.no_rules else RULES:
        ranked, chosen = rule_loro(rows, paths, name, task_objective)
        columns[f"rule-{name}"] = macro(rows, ranked)
        log(f"rule {name}: parameter per held-out repository {sorted(set(chosen.values()))}")
    params = {"n_estimators": args.trees, "num_leaves": args.leaves,
              "learning_rate": args.lr, "min_child_samples": args.min_child,
              "lambdarank_truncation_level": 20, "subsample": args.bagging,
              "subsample_freq": 1, "colsample_bytree": args.bagging, "random_state": 7}
    if not args.no_gbm:
        t0 = time.perf_counter()
        ranked = gbm_loro(rows, base, args.top, current, params,
                          tuple(args.train_modes.split(",")), not args.task_only, args.in_sample,
                          [int(x) for x in args.seeds.split(",")])
        col = "gbm-in-sample" if args.in_sample else "gbm-loro"
        if args.dump:
            dump_rankings(args.dump, rows, ranked)
        columns[col] = macro(rows, ranked)
        repos_fig[col] = per_repo(rows, ranked)
        log(f"gbm LORO in {time.perf_counter() - t0:.0f} s")
    if args.nested:
        seeds = [int(x) for x in args.seeds.split(",")]
        modes = tuple(args.train_modes.split(","))
        folds = linear_folds(rows, current, args.folds_cache, args.reuse_folds)
        t0 = time.perf_counter()
        allowed = {(r["repo"], r["mode"], r["sha"]) for r in load(args.train_from, None)} \
            if args.train_from else None

        def trainable(row: Row) -> bool:
            return allowed is None or (row["repo"], row["mode"], row["sha"]) in allowed

        if args.train_from:
            log(f"training on the {sum(map(trainable, rows))} rows {args.train_from} holds too")
        held = gbm_nested(rows, folds, args.top, params, modes, seeds, trainable)
        lift = NamedLift(args.named) if args.named else None
        if lift is not None:
            columns["nested-loro, no lift"] = macro(rows, held)
            held = lift.apply(rows, held)
        columns["nested-loro"] = macro(rows, held)
        if args.dump:  # the whole ranker's held-out rankings (the model's, with --no-gbm)
            dump_rankings(args.dump, rows, held)
        repos_fig["nested-loro"] = per_repo(rows, held)
        log(f"nested LORO in {time.perf_counter() - t0:.0f} s")
        inside = gbm_loro(rows, base, args.top, current, params, modes, False, True, seeds)
        if lift is not None:
            inside = lift.apply(rows, inside)
        columns["in-sample"] = macro(rows, inside)
        if args.markdown:
            args.markdown.write_text(markdown(rows, held, inside))
    print_table(columns)
    ref = columns.get("linear-loro", columns["current"])
    for name, fig in columns.items():
        if name not in ("current", "linear-loro", "in-sample", "nested-loro, no lift"):
            print(f"{name}: {verdict(fig, ref)}")
    if args.export:
        export(rows, base, args.top, current, params, tuple(args.train_modes.split(",")),
               [int(x) for x in args.seeds.split(",")], args.export)
    if args.json_out:
        args.json_out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                             "macro": columns, "per_repo": repos_fig},
                                            indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
