"""Two routing ideas for #14, judged offline on the rows of ``bench/tune_weights.py`` (not shipped).

``pairs``: issue-style Acc@5 counts a sample only when *all* its truth files are in the top 5,
and on the rows it is 0.815 for one-file truths but 0.343 for two files and 0.207 for three.
Do the other files of a change show up as files that changed together with the first candidates?
Each task-only and issue-style row's linear top 30 gets pairwise co-change features, counted from
one ``git log --topo-order --no-renames --name-only`` of the repository over the commits older
than the sample (commits of at most 30 files, as the index counts them): how often the candidate
changed (log), its changes shared with the linear first candidate (over the first's and over its
own changes), and its strongest link to any other of the first five (confidence, count, and the
sum of min(1, together / 5)). The learned re-ranking of ``bench/fusion_experiment.py`` is then
trained leave-one-repository-out with and without them, in the same run.

``self-tune``: per-repository self-supervision at its smallest. On seeded rows, the co-change
weights (``cochange``, ``cochange_rr``) are multiplied by a factor chosen per repository on its
*other* samples (leave one sample out; a factor other than 1 must beat 1 by ``--margin`` MRR), and
scored on the held-out sample. It asks whether a repository's own history can tell how much to
trust co-change there, which is where the fitted weights fall below co-change alone.

    python bench/routing_ideas.py pairs --rows /tmp/rows-v3 --out /tmp/rows-pairs
    python bench/routing_ideas.py self-tune --rows /tmp/rows-v3 --margin 0.02
    python bench/routing_ideas.py misses --dump DUMP   # fusion_experiment.py --nested --dump DUMP

``misses`` (session 28) reads the whole ranker's held-out rankings (``fusion_experiment.py
--nested ... --dump``): issue-style Acc@5 by the number of truth files, what holds the first five
places of the misses, and the figures after rules moving tests, docs or changelogs behind the
first five (task-alone rows only; figures over the dump's first 30 places).

Results (2026-12-05, /tmp/rows-v3, 25 repositories; one random state, 7):

    pairs           task R@10 / MRR   issue Acc@1 / Acc@5 / MRR
    without         0.644 / 0.712     0.472 / 0.742 / 0.695
    all six         0.648 / 0.715     0.454 / 0.733 / 0.683
    changes only    0.644 / 0.713     0.462 / 0.733 / 0.687
    with the first  0.644 / 0.698     0.456 / 0.740 / 0.684
    first five      0.649 / 0.717     0.462 / 0.735 / 0.687

No gain: the second file of a fix is not, in general, one that changed with the first candidate.

    self-tune       seeded MRR (macro)   below co-change alone
    fixed           0.728                black, bat, fd, fzf, typer
    margin 0        0.727
    margin 0.02     0.740                black, fd, fzf, axios (typer 0.516 -> 0.644)
    margin 0.05     0.738
    per-repo best   0.763 (in-sample: the factor chosen on the scored samples themselves)

A gain of 0.012 from 15 training samples a repository, and one repository (axios) newly below
co-change: too noisy at this size. At run time the training pairs would be the repository's own
commits, hundreds of them, but replaying a commit needs every history signal (co-change, commit
subjects, votes) cut at that commit, which the index does not offer; not built.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fusion_experiment as fx  # noqa: E402
import tune_weights as tw  # noqa: E402

from analyzers.bundles import rank as rank_mod  # noqa: E402

Row = dict[str, Any]
PAIR_FEATURES = ["cc_n", "cc_top1", "cc_top1c", "cc_max5", "cc_sum5", "cc_tog5"]
TOP = 30
LARGE_COMMIT = 30
FACTORS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0)


def file_commits(repo: Path) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """(commit -> position, newest first; file -> positions of the commits of at most
    ``LARGE_COMMIT`` files that changed it), from one streamed ``git log``."""
    out = subprocess.run(["git", "-C", str(repo), "log", "--topo-order", "--no-renames",
                          "--name-only", "--format=@@%H", "HEAD"],
                         capture_output=True, text=True, check=True).stdout
    pos: dict[str, int] = {}
    by_file: dict[str, list[int]] = {}
    for i, block in enumerate(out.split("@@")[1:]):
        sha, *files = [line for line in block.split("\n") if line]
        pos[sha] = i
        if len(files) <= LARGE_COMMIT:
            for f in files:
                by_file.setdefault(f, []).append(i)
    return pos, {f: np.array(v) for f, v in by_file.items()}


def add_pair_features(row: Row, pos: dict[str, int], by_file: dict[str, np.ndarray]) -> bool:
    """Write ``PAIR_FEATURES`` into the signals of the row's linear top ``TOP`` candidates."""
    start = pos.get(row["sha"])
    if start is None:
        return False
    order = fx.linear_order(row, rank_mod.TASK_WEIGHTS)[:TOP]
    paths = [row["cands"][i][0] for i in order]
    hist = [set(by_file[p][by_file[p] > start].tolist()) if p in by_file else set()
            for p in paths]
    n = [len(h) for h in hist]
    for r, ci in enumerate(order):
        s = row["cands"][ci][1]
        first = len(hist[r] & hist[0]) if r else 0
        links = [(len(hist[r] & hist[j]), j) for j in range(min(5, len(paths))) if j != r]
        links = [(t, j) for t, j in links if t]
        s.update(cc_n=math.log1p(n[r]),
                 cc_top1=first / max(1, n[0]), cc_top1c=first / max(1, n[r]),
                 cc_max5=max((t / max(1, min(n[r], n[j])) for t, j in links), default=0.0),
                 cc_sum5=sum(min(1.0, t / 5.0) for t, _ in links),
                 cc_tog5=math.log1p(max((t for t, _ in links), default=0)))
    return True


def pairs(args: argparse.Namespace) -> int:
    """Rows with pairwise co-change features, then the re-ranking LORO with and without them."""
    args.out.mkdir(parents=True, exist_ok=True)
    for f in sorted(args.rows.glob("*.json")):
        data = json.loads(f.read_text())
        if "rows" not in data:
            continue
        pos, by_file = file_commits(args.repos / Path(data["repo"]).name)
        done = sum(add_pair_features(r, pos, by_file) for r in data["rows"]
                   if r["mode"] != "seeded")
        (args.out / f.name).write_text(json.dumps(data))
        fx.log(f"{f.stem}: {len(pos)} commits, {done} rows")
    rows = fx.load(args.out, None)
    current = (dict(rank_mod.WEIGHTS), dict(rank_mod.TASK_WEIGHTS))
    base = [fx.linear_order(r, fx.weights_for(r["mode"], current)) for r in rows]
    params = {"n_estimators": 300, "num_leaves": 15, "learning_rate": 0.03,
              "min_child_samples": 100, "lambdarank_truncation_level": 20, "subsample": 0.8,
              "subsample_freq": 1, "colsample_bytree": 0.8, "random_state": 7}
    plain = list(fx.SIGNALS)
    columns = {}
    for name, extra in (("without", []), ("with pairs", PAIR_FEATURES)):
        fx.SIGNALS[:] = plain + extra
        ranked = fx.gbm_loro(rows, base, TOP, current, params, ("task", "issue"), False)
        columns[name] = fx.macro(rows, ranked)
    fx.SIGNALS[:] = plain
    fx.print_table(columns)
    return 0


def self_tune(args: argparse.Namespace) -> int:
    """Per repository, the co-change factor chosen on its other seeded samples."""
    keys = ("cochange", "cochange_rr")
    totals: dict[str, list[float]] = {"fixed": [], "chosen": [], "best": [], "cochange": []}
    for f in sorted(args.rows.glob("*.json")):
        rows = [r for r in json.loads(f.read_text()).get("rows", []) if r["mode"] == "seeded"]
        if len(rows) < 4:
            continue
        data = tw.Dataset(rows, sorted({k for r in rows for _, s in r["cands"] for k in s}))
        mrr = {}
        for factor in FACTORS:
            w = dict(rank_mod.WEIGHTS) | {k: rank_mod.WEIGHTS[k] * factor for k in keys}
            mrr[factor] = data.row_metrics(np.array([w.get(k, 0.0) for k in data.keys]))["mrr"]
        chosen = np.zeros(len(rows))
        for i in range(len(rows)):
            others = np.arange(len(rows)) != i
            pick = max(FACTORS, key=lambda x: (mrr[x][others].mean() - args.margin * (x != 1.0),
                                               -abs(x - 1.0)))
            chosen[i] = mrr[pick][i]
        co = float(np.mean([r["base"]["cochange"]["mrr"] for r in rows]))
        figs = {"fixed": float(mrr[1.0].mean()), "chosen": float(chosen.mean()),
                "best": max(float(v.mean()) for v in mrr.values()), "cochange": co}
        for k, v in figs.items():
            totals[k].append(v)
        below = " below co-change" if figs["chosen"] < co else ""
        print(f"{f.stem:10s} " + " ".join(f"{k} {v:.3f}" for k, v in figs.items()) + below)
    print("macro      " + " ".join(f"{k} {np.mean(v):.3f}" for k, v in totals.items()))
    return 0


def _moved_back(ranking: list[str], behind: Any, first: int) -> list[str]:
    """``ranking`` with its first ``first`` files not ``behind`` before everything else."""
    front = [p for p in ranking if not behind(p)][:first]
    return front + [p for p in ranking if p not in front]


def misses(args: argparse.Namespace) -> int:
    import statistics
    from collections import Counter, defaultdict

    import fusion_experiment as fx

    from analyzers.bundles.docsections import is_release_history
    from analyzers.indexing.filekinds import is_doc_file, is_test_file

    rows = [r for r in json.loads(args.dump.read_text()) if r["mode"] in ("task", "issue")]
    by_size: dict[int, list[bool]] = defaultdict(list)
    places: Counter[str] = Counter()
    for r in rows:
        if r["mode"] != "issue":
            continue
        truth, top = set(r["truth"]), r["ranked"][:5]
        hit = truth <= set(top)
        by_size[min(len(truth), 3)].append(hit)
        for p in () if hit else top:
            folders = {t.rpartition("/")[0] for t in truth}
            places["truth" if p in truth else "test" if is_test_file(p) else "doc"
                   if is_doc_file(p) else "truth's folder" if p.rpartition("/")[0] in folders
                   else "other source"] += 1
    for n, hits in sorted(by_size.items()):
        print(f"issue-style, {n}{'+' if n == 3 else ''} truth file(s): {len(hits)} samples, "
              f"Acc@5 {sum(hits) / len(hits):.3f} (pooled)")
    print("first five places of the misses:", dict(places.most_common()))

    def figures(rankings: list[list[str]]) -> str:
        groups: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
        for r, ranking in zip(rows, rankings, strict=True):
            groups[(r["repo"], r["mode"])].append(fx.row_metrics(ranking, r["truth"]))
        out = []
        for mode, figs in (("task", ("r@10", "mrr")), ("issue", ("acc@1", "acc@5", "mrr"))):
            per = [{f: statistics.fmean(m[f] for m in ms) for f in figs}
                   for (_, md), ms in groups.items() if md == mode]
            out.append(f"{mode} " + " / ".join(f"{statistics.fmean(x[f] for x in per):.3f}"
                                              for f in figs))
        return "   ".join(out)

    rules = {"none": lambda p: False, "changelogs": is_release_history, "docs": is_doc_file,
             "tests": is_test_file, "tests and docs": lambda p: is_test_file(p) or is_doc_file(p)}
    for name, behind in rules.items():
        print(f"{name + ' behind the first five':34s} "
              + figures([_moved_back(r["ranked"], behind, 5) for r in rows]))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="idea", required=True)
    p = sub.add_parser("pairs", help="pairwise co-change features for the learned re-ranking")
    p.add_argument("--rows", type=Path, default=Path("/tmp/rows-v3"))
    p.add_argument("--repos", type=Path, default=Path("/work/benchrepos"),
                   help="the folder of the benchmark clones")
    p.add_argument("--out", type=Path, required=True, help="where the extended rows go")
    s = sub.add_parser("self-tune", help="a per-repository co-change factor (seeded)")
    s.add_argument("--rows", type=Path, default=Path("/tmp/rows-v3"))
    s.add_argument("--margin", type=float, default=0.02)
    m = sub.add_parser("misses", help="where held-out issue-style Acc@5 is lost")
    m.add_argument("--dump", type=Path, required=True,
                   help="fusion_experiment.py --nested --dump's file")
    args = ap.parse_args(argv)
    return {"pairs": pairs, "self-tune": self_tune, "misses": misses}[args.idea](args)


if __name__ == "__main__":
    sys.exit(main())
