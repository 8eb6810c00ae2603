"""Ranking the files an agent needs for a task: signals from the index, fused into one score.

Every signal is kept on the result so the bundle can explain itself:

* ``defines``   the file defines names the seed references (weighted by how specific the name is);
* ``uses``      the file references names the seed defines;
* ``imports``   the seed imports the file / the file imports the seed (resolved imports);
* ``cochange``  the file changed together with the seed (age-decayed confidence);
* ``lexical``   BM25 of the task text against the file's identifiers, path and docs;
* ``test``      the file is the seed's test, or the source the seed tests;
* ``dirty``     the file has uncommitted changes;
* ``recent``    the file changed often lately;
* ``history``   BM25 of the task text against the subjects of the commits that touched the file;
* ``commits``   the past commits whose subjects best match the task vote for the files they
  touched (a task like one done before tends to touch the same files).

A ``path::symbol`` or ``path:line`` seed narrows ``defines``/``uses`` to that definition.
Personalised PageRank over the reference graph (with and without whole-history co-change edges)
was measured as a further signal and left out: seeded recall@10 +0.004, task-only MRR -0.04, and
weights fitted with it did worse on held-out repositories (see bench/README.md).

With no seed, the best lexical matches become weighted pseudo-seeds and the graph and co-change
signals are computed from them, and a learned tree ensemble (``analyzers.bundles.fusion``)
re-orders the first candidates of the linear fusion. Weights are judged by ``bench/relevance.py``,
not by intuition.
"""

from __future__ import annotations

import posixpath
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from analyzers import confine, gitrepo, lexical
from analyzers.bundles import chunkmatch, fusion, mentions
from analyzers.bundles.docsections import is_adr, is_release_history
from analyzers.cancel import NEVER, CancelToken
from analyzers.indexing import filekinds
from analyzers.indexing.filekinds import is_test_file
from analyzers.indexing.graph import RepoGraph, load_graph
from analyzers.indexing.index import Index
from analyzers.secrets import clip_masked, redact, redact_git
from analyzers.syntax import Definition


@dataclass
class RankQuery:
    seeds: list[str] = field(default_factory=list)  # repository-relative file paths
    task: str | None = None
    seed_symbols: dict[str, list[str]] = field(default_factory=dict)  # path -> symbols in focus
    # Set by :func:`rank`: the task's words as it read them (:func:`task_words`), for a caller
    # that reads the task's words too (the bundle's packing), so that they are found once.
    words: list[str] | None = field(default=None, compare=False, repr=False)


@dataclass
class RankedFile:
    path: str
    score: float
    signals: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    names_used: list[str] = field(default_factory=list)  # seed names this file defines / uses
    task_terms: list[str] = field(default_factory=list)
    # What the task points at in this file: a traceback frame's (or ``path:line``'s) lines and
    # function names (``bundles.mentions``); its definitions there come first when it is shown.
    task_lines: list[int] = field(default_factory=list)
    task_symbols: list[str] = field(default_factory=list)
    # Task only: the stretch of its lines (first, last; 1-based, inclusive) that holds the task's
    # words together, when the learned re-ranking found it telling (``chunkmatch.Stretch``) and
    # named it among the reasons; else None.
    focus: tuple[int, int] | None = None


# A design document that names the best-ranked code files (their paths' or definitions' whole
# identifiers among its words) gains this weight times the share of those files it names (set,
# not fitted: bench/README.md, "Design docs").
NAMES_TOP_WEIGHT = 2.0
NAMES_TOP_K = 10  # the best-ranked code files (beside the seeds) a document may name

# With a seed. Fitted by bench/tune_weights.py (coordinate descent) on replayed history of the 25
# benchmark repositories (20 commits each per protocol); its leave-one-repository-out figures are
# in bench/README.md. Judged by bench/relevance.py, not by intuition.
WEIGHTS: dict[str, float] = {
    "defines": 0.25,  # weak alone; kept so its explanations show
    "uses": 0.25,
    "imports": 0.25,
    "cochange": 1.5,
    "lexical": 0.75,
    "test": 2.0,
    "dirty": 0.3,
    "recent": 1.0,
    "cochange_rr": 1.0,
    "lexical_rr": 0.75,
    "graph_rr": 0.0,
    "test_uses": 0.25,  # a test file that exercises the seed's definitions
    "path_sim": 0.0,  # shares path words with the seed (tests/docs named after it)
    "history": 2.0,  # the task matches subjects of commits that touched the file
    "commits": 1.5,  # files of the past commits whose subjects best match the task
    "path_match": 0.5,  # task words in the file's path (its own name weighs most)
    "def_match": 1.0,  # task words in the names the file defines
    "pseudo_seed": 0.0,  # task only: one of the best task matches, standing in for a seed
    "bridge": 0.5,  # names like those of the files the task's past commits touched
    "is_test": 0.0,  # a test file's score is cut by this share (the source to change first)
    "is_doc": 0.0,  # as for tests, for documentation
    "is_noise": 1.0,  # lock, vendored, generated, minified: the share filekinds.FACTOR says
    # Changelogs, release notes, generated API reference: not design documents. With a seed they
    # keep their place: a change's changelog entry is part of the change (offline, 25 repos, a
    # changelog share of 0.4 costs seeded R@10 0.029 and MRR 0.024).
    "is_release": 0.0,
    "names_top": NAMES_TOP_WEIGHT,
}
# With no seed, the task's words carry the query: weights of their own (fitted the same way).
TASK_WEIGHTS: dict[str, float] = {
    "defines": 0.0,
    "uses": 0.75,
    "imports": 0.5,
    "cochange": 0.75,
    "lexical": 3.0,
    "test": 0.0,
    "dirty": 0.3,
    "recent": 1.0,
    "cochange_rr": 0.5,
    "lexical_rr": 0.25,
    "graph_rr": 0.5,
    "test_uses": 0.0,
    "path_sim": 0.0,
    "history": 2.0,
    "commits": 0.25,
    "path_match": 0.5,
    "def_match": 1.0,
    "pseudo_seed": 0.5,
    "bridge": 0.0,
    "is_test": 0.2,
    "is_doc": 0.2,
    "is_noise": 1.0,
    # Task alone: a share of 0.2 (offline, 25 repos: issue-style Acc@5 +0.006, MRR +0.003;
    # task-only R@10 -0.009, where the changelog the commit edited counts as relevant).
    "is_release": 0.2,
    "names_top": NAMES_TOP_WEIGHT,
}
# Signals that only demote (their value is -1 or 0): the score is multiplied by 1 + w * value,
# so w is the share of the score a test (a doc) loses. They never make a file a candidate.
PENALTIES = ("is_test", "is_doc", "is_noise", "is_release")

_TEST_PATTERNS = (
    (re.compile(r"^(?P<d>.*?)(?:tests?/)?test_(?P<n>[^/]+)\.py$"), "{n}.py"),
    (re.compile(r"^(?P<d>.*?)(?P<n>[^/]+)_test\.(?P<e>go|py|rb|rs|exs?)$"), "{n}.{e}"),
    (re.compile(r"^(?P<d>.*?)(?:__tests__/)?(?P<n>[^/]+)\.(?:test|spec)\.(?P<e>[jt]sx?|mjs)$"),
     "{n}.{e}"),
    (re.compile(r"^(?P<d>.*?)(?P<n>[^/]+)Test\.(?P<e>java|kt|cs)$"), "{n}.{e}"),
    (re.compile(r"^(?P<d>.*?)(?P<n>[^/]+)_spec\.rb$"), "{n}.rb"),
)


def _stem(path: str) -> str:
    return path.rpartition("/")[2]  # posixpath.basename, without its per-call overhead


def test_partner_names(path: str) -> set[str]:
    """File names that pair with ``path`` as test <-> source (either direction)."""
    base = _stem(path)
    out: set[str] = set()
    for pattern, fmt in _TEST_PATTERNS:
        m = pattern.match(base)
        if m:
            out.add(fmt.format(**m.groupdict()))
    name, dot, ext = base.rpartition(".")
    if dot:
        out |= {f"test_{base}", f"{name}_test.{ext}", f"{name}.test.{ext}", f"{name}.spec.{ext}",
                f"{name}Test.{ext}", f"{name}_spec.{ext}"}
    out.discard(base)
    return out



def dirty_files(root: str) -> set[str]:
    """Files with uncommitted changes (empty outside git)."""
    out = gitrepo.try_run(root, "status", "--porcelain", "-z", "--untracked-files=no", timeout=30)
    if out is None:
        return set()
    entries = out.decode("utf-8", "surrogateescape").split("\0")
    result: set[str] = set()
    skip = False
    for e in entries:
        if skip:
            skip = False
            continue
        if len(e) > 3:
            result.add(e[3:])
            if e[0] in "RC":
                skip = True
    return result


def recent_activity(index: Index, half_life_days: float = 60.0, commits: int = 300
                    ) -> dict[str, float]:
    """How actively each file changed lately: age-decayed count over the last ``commits``."""
    rows = index.recent_changes(commits)
    if not rows:
        return {}
    newest = max(t for _, t in rows)
    out: dict[str, float] = {}
    for path, t in rows:
        out[path] = out.get(path, 0.0) + 0.5 ** ((newest - t) / (half_life_days * 86400.0))
    return out


def _reciprocal_rank(v: np.ndarray, k: float = 3.0) -> np.ndarray:
    """``(k+1)/(k+rank)`` for entries with a positive score (1.0 for the best), else 0."""
    out = np.zeros_like(v)
    positive = np.flatnonzero(v > 0)
    if positive.size:
        desc = np.sort(-v[positive])
        # ties share the best rank: 1 + how many score strictly higher
        ranks = 1 + np.searchsorted(desc, -v[positive], side="left")
        out[positive] = (k + 1.0) / (k + ranks)
    return out


def _normalise(v: np.ndarray) -> np.ndarray:
    m = float(v.max()) if v.size else 0.0
    return v / m if m > 0 else v


def rank(index: Index, query: RankQuery, token: CancelToken = NEVER,
         graph: RepoGraph | None = None, explain: int = 100,
         evidence: dict[str, Any] | None = None) -> list[RankedFile]:
    """Every candidate file for ``query``, best first (seeds excluded): each signal computed
    (``SIGNAL_STEPS``), fused into one score (``_fuse``), the first ``explain`` explained.

    ``evidence``: a dict kept by the caller for this query (its seeds, task and symbols) over
    one index: the signals and the order are worked out once in it, and a ranking asked again
    with another ``explain`` (a larger budget's larger pool) only explains (nothing after the
    order changes them)."""
    if evidence and "order" in evidence:
        q, ev, total, order = evidence["order"]
        q = replace(q, query=query, token=token)
        query.words = q.raw_words
    else:
        dirty = _DirtyFiles(index.root)  # git status runs while the graph loads
        g = graph or load_graph(index, token)
        if len(g.files) == 0:
            return []
        q = _Query.of(index, g, query, token, dirty)
        ev = _Evidence(signals={k: np.zeros(q.n, dtype=np.float64) for k in WEIGHTS})
        for step in SIGNAL_STEPS:
            step(q, ev)
        total, order = _fuse(q, ev)
        if _names_top_signal(q, ev, order):
            total, order = _fuse(q, ev)  # again, with the documents that name the best files
        if not query.seeds:
            total, order = _learned_order(q, ev, total, order)
        if evidence is not None:
            evidence["order"] = (q, ev, total, order)
    g = q.g
    results = _ranked_files(g, ev.signals, total, order, explain)
    lifted = {} if query.seeds else _sources_before_tests(g, results)
    named = _named_first(q, ev, results)
    _explain_all(q, ev, results[:explain], lifted, named)
    return results


class _DirtyFiles:
    """The files with uncommitted changes under a root, read by ``git status`` in a thread
    started at once."""

    def __init__(self, root: Path) -> None:
        self._result: list[set[str]] = []
        self._thread = threading.Thread(
            target=lambda: self._result.append(dirty_files(str(root))), daemon=True)
        self._thread.start()

    def get(self) -> set[str] | None:
        """The files, once git has answered (``None`` if it could not run at all)."""
        self._thread.join()
        return self._result[0] if self._result else None


@dataclass
class _Query:
    """One query as the signal steps read it."""

    index: Index
    g: RepoGraph
    query: RankQuery
    seeds: list[str]  # the query's seeds that the graph holds
    weights: dict[str, float]  # WEIGHTS with a seed, else TASK_WEIGHTS
    raw_words: list[str]  # the task's words as written
    task_words: list[str]  # ... stemmed, as the graph's BM25 documents are
    token: CancelToken
    dirty: _DirtyFiles

    @classmethod
    def of(cls, index: Index, g: RepoGraph, query: RankQuery, token: CancelToken,
           dirty: _DirtyFiles) -> _Query:
        """The query's seeds, weights and task words against graph ``g``."""
        raw_words = query.words = task_words(index, g, query.task or "")
        return cls(index, g, query, [s for s in query.seeds if s in g.file_index],
                   WEIGHTS if query.seeds else TASK_WEIGHTS, raw_words,
                   lexical.stems(raw_words), token, dirty)

    @property
    def n(self) -> int:
        """How many files the graph ranks."""
        return len(self.g.files)


@dataclass
class _Evidence:
    """Every signal's values over the files (one array per signal, in ``WEIGHTS`` order) and
    how they came about, for the explanations."""

    signals: dict[str, np.ndarray]
    similar: list[tuple[int, float]] = field(default_factory=list)  # (commit row, score)
    # Every commit row's match of its subject with the task (for the ``history`` reasons).
    commit_scores: np.ndarray | None = None
    # Seeds, or (task only) the best task matches as weighted pseudo-seeds: (file row, weight).
    weighted_seeds: list[tuple[int, float]] = field(default_factory=list)
    bridge_terms: dict[int, float] = field(default_factory=dict)  # def_words term -> weight
    bridge_from: set[int] = field(default_factory=set)  # files the bridge took its words from
    views: dict[int, SeedView] = field(default_factory=dict)  # per (pseudo-)seed row
    cochange_detail: dict[int, tuple[int, int]] = field(default_factory=dict)  # row -> counts
    names_top: dict[int, list[int]] = field(default_factory=dict)  # document -> code files named
    # Task only: the candidates whose best stretch of lines the learned re-ranking read is worth
    # naming (``chunkmatch.Stretch.telling``): file row -> that stretch.
    stretches: dict[int, chunkmatch.Stretch] = field(default_factory=dict)


# -- signals: each step sets the signals its name says, in the order they depend on each other

def _task_text_signals(q: _Query, ev: _Evidence) -> None:
    """``lexical``, ``path_match``, ``def_match``: the task's words in each file's terms, path
    and defined names."""
    s, g, words = ev.signals, q.g, q.task_words
    lexical_raw = g.bm25_scores(words) if words else np.zeros(q.n)
    s["lexical"] = _normalise(np.asarray(lexical_raw, dtype=np.float64))
    if words:
        distinct = list(dict.fromkeys(words))
        s["path_match"] = _normalise(g.path_words.scores(distinct, q.n))
        s["def_match"] = _normalise(g.def_words.scores(words, q.n))


def _file_kind_signals(q: _Query, ev: _Evidence) -> None:
    """``is_test``, ``is_doc``, ``is_noise``: the penalties' -1 (or a share of it) per file."""
    ev.signals["is_test"] = -_test_mask(q.g)
    # An ADR is ranked as code is: it records why the code is as it is.
    ev.signals["is_doc"] = -_doc_mask(q.g) * (1.0 - _path_mask(q.g, "adr", is_adr))
    ev.signals["is_release"] = -_path_mask(q.g, "release", is_release_history)
    # lock, vendored, generated and minified files (#14): the share filekinds takes off
    ev.signals["is_noise"] = filekinds.demotion(q.g) - 1.0


def _task_history_signals(q: _Query, ev: _Evidence) -> None:
    """``history`` and ``commits``: what the history says about the task's words (the files of
    past commits like it)."""
    if q.task_words and q.weights.get("history"):
        ev.signals["history"] = _normalise(q.g.history.scores(q.task_words, q.n))
    if q.task_words and q.weights.get("commits"):
        votes, ev.similar, ev.commit_scores = _similar_commits(q.g, q.task_words)
        ev.signals["commits"] = _normalise(votes)


def _starting_points(q: _Query, ev: _Evidence) -> None:
    """The weighted seeds and ``bridge``: the seeds, or (task only) the best task matches as
    weighted pseudo-seeds, the files the text and the history agree on. Bench, task mode, 7
    repos x 30 (lexical alone -> this): MRR 0.593 -> 0.696, recall@5 0.439 -> 0.481, recall@10
    0.622 -> 0.624."""
    ev.weighted_seeds = [(q.g.file_index[s], 1.0) for s in q.seeds]
    if q.task_words:
        best_matches = _best_task_matches(q, ev.signals)
        if q.weights.get("bridge"):
            bridge_scores, ev.bridge_terms = _bridge(q.g, best_matches, q.task_words)
            ev.bridge_from = {fi for fi, _ in best_matches}
            ev.signals["bridge"] = _normalise(bridge_scores)
        if not ev.weighted_seeds:
            ev.weighted_seeds = best_matches[:3]
    q.token.check()


def _best_task_matches(q: _Query, signals: dict[str, np.ndarray]) -> list[tuple[int, float]]:
    """The first ``BRIDGE_FILES`` files by the task's text and history signals (noise demoted),
    with their normalised match."""
    match = _normalise(sum((q.weights[k] * signals[k]
                            for k in ("lexical", "history", "commits", "path_match",
                                      "def_match")), np.zeros(q.n))
                       * (1.0 + q.weights["is_noise"] * signals["is_noise"]))
    top = np.argsort(-match, kind="stable")[:BRIDGE_FILES]
    return [(int(i), float(match[i])) for i in top if match[i] > 0]


def _seed_signals(q: _Query, ev: _Evidence) -> None:
    """``defines``, ``uses``, ``imports``, ``cochange``, ``test``: each (pseudo-)seed's links,
    weighted by the seed's weight (not yet normalised)."""
    g, s = q.g, ev.signals
    for si, w in ev.weighted_seeds:
        view = ev.views[si] = _seed_view(q, si)
        _add_defines(g, view, w, s["defines"])
        _add_uses(g, view, w, s["uses"])
        s["imports"][g.imports.row(si)[0]] += w * 1.0  # imports, both directions
        s["imports"][g.imported_by.row(si)[0]] += w * 0.5
        _add_cochange(q.index, g, g.files[si], w, s["cochange"], ev.cochange_detail)
        _add_test_partners(g, g.files[si], w, s["test"])
        q.token.check()
    for path in q.query.seeds:
        if path not in g.file_index:  # a seed too large to index still has a history
            _add_cochange(q.index, g, path, 1.0, s["cochange"], ev.cochange_detail)


def _seed_view(q: _Query, si: int) -> SeedView:
    """What seed row ``si`` references and defines, narrowed to the definitions in focus for a
    ``path::symbol`` or ``path:line`` seed."""
    g = q.g
    ref_idx, ref_cnt = g.refs.row(si)  # names the seed references
    own = g.defs.row_set(si)
    focus = _focus(q.index, g, g.files[si], q.query.seed_symbols.get(g.files[si], []))
    if focus is None:
        return SeedView(ref_idx, ref_cnt, own, own, g.defs.row(si)[0])
    ref_idx, ref_cnt, def_focus = focus  # what that definition uses and is
    return SeedView(ref_idx, ref_cnt, own, set(def_focus.tolist()), def_focus)


def _add_defines(g: RepoGraph, view: SeedView, w: float, out: np.ndarray) -> None:
    """Adds to ``out`` the files defining names the seed uses (not names the seed defines
    itself), by how often it uses them and how specific they are."""
    ref_idx, ref_cnt = view.ref_idx, view.ref_cnt
    if len(ref_idx):
        mask = np.array([c not in view.own for c in ref_idx.tolist()])
        vec = np.zeros(len(g.names), dtype=np.float64)
        vec[ref_idx] = np.where(mask, np.log1p(ref_cnt) * g.name_idf[ref_idx], 0.0)
        out += w * g.defs.matvec(vec)


def _add_uses(g: RepoGraph, view: SeedView, w: float, out: np.ndarray) -> None:
    """Adds to ``out`` the files referencing names the seed defines (or its focus does)."""
    def_idx = view.offered
    if len(def_idx):
        def_vec = np.zeros(len(g.names), dtype=np.float64)
        def_vec[def_idx] = g.name_idf[def_idx]
        out += w * g.refs.matvec(def_vec, np.log1p)


def _add_test_partners(g: RepoGraph, path: str, w: float, out: np.ndarray) -> None:
    """Raises ``out`` for the files that pair with ``path`` as test <-> source by name, the
    more the nearer their folders."""
    partners = test_partner_names(path)
    if partners:
        base_dir = posixpath.dirname(path)
        for name in partners:
            for fi in _files_named(g, name):
                other = posixpath.dirname(g.files[fi])
                near = min(_dir_distance(base_dir, other), _mirror_distance(base_dir, other))
                out[fi] = max(out[fi], w / (1.0 + near))


def _normalised_link_signals(q: _Query, ev: _Evidence) -> None:
    """``defines``, ``uses``, ``imports``, ``cochange`` scaled to a best of 1."""
    for key in ("defines", "uses", "imports", "cochange"):
        ev.signals[key] = _normalise(ev.signals[key])


def _recent_signal(q: _Query, ev: _Evidence) -> None:
    """``recent``: how actively each file changed lately."""
    recent = ev.signals["recent"]
    for path, activity in recent_activity(q.index).items():
        row = q.g.file_index.get(path)
        if row is not None:
            recent[row] = activity
    ev.signals["recent"] = _normalise(recent)


def _test_uses_signal(q: _Query, ev: _Evidence) -> None:
    """``test_uses``: ``uses`` of the test files alone."""
    ev.signals["test_uses"] = _normalise(ev.signals["uses"] * _test_mask(q.g))


def _path_sim_signal(q: _Query, ev: _Evidence) -> None:
    """``path_sim``: the best Jaccard similarity of a file's path words with a seed's."""
    if not (ev.weighted_seeds and q.weights.get("path_sim")):
        return
    seed_words = [set(lexical.path_words(q.g.files[si])) for si, _ in ev.weighted_seeds]
    sim = ev.signals["path_sim"]
    for fi, path in enumerate(q.g.files):
        words = set(lexical.path_words(path))
        if words:
            sim[fi] = max(len(words & sw) / len(words | sw) for sw in seed_words if sw) \
                if any(seed_words) else 0.0


def _reciprocal_rank_signals(q: _Query, ev: _Evidence) -> None:
    """``cochange_rr``, ``lexical_rr``, ``graph_rr``: ranks rather than values."""
    s = ev.signals
    s["cochange_rr"] = _reciprocal_rank(s["cochange"])
    s["lexical_rr"] = _reciprocal_rank(s["lexical"])
    s["graph_rr"] = _reciprocal_rank(s["defines"] + s["uses"] + s["imports"])


def _dirty_signal(q: _Query, ev: _Evidence) -> None:
    """``dirty``: 1 for files with uncommitted changes (when there is a seed or a task)."""
    dirty = q.dirty.get()
    for p in dirty if dirty and (ev.weighted_seeds or q.task_words) else set():
        row = q.g.file_index.get(p)
        if row is not None:
            ev.signals["dirty"][row] = 1.0


def _pseudo_seed_signal(q: _Query, ev: _Evidence) -> None:
    """``pseudo_seed``: task only, the best matches stand in for the seed and lead their
    neighbours (else a file merely committed or linked with the best match outranks it). Bench,
    task mode, 4 repos: MRR 0.546 -> 0.620, recall@5 0.347 -> 0.416, within 16k 0.563 -> 0.624."""
    if not q.seeds:
        for si, w in ev.weighted_seeds:
            ev.signals["pseudo_seed"][si] = w


SIGNAL_STEPS: tuple[Callable[[_Query, _Evidence], None], ...] = (
    _task_text_signals,
    _file_kind_signals,
    _task_history_signals,
    _starting_points,  # reads the three above
    _seed_signals,
    _normalised_link_signals,
    _recent_signal,
    _test_uses_signal,  # reads uses
    _path_sim_signal,
    _reciprocal_rank_signals,  # reads cochange, lexical and the links
    _dirty_signal,
    _pseudo_seed_signal,
)


def _names_top_signal(q: _Query, ev: _Evidence, order: list[int]) -> bool:
    """``names_top``: for each design document, the share of the first ranking's best code
    files (and the seeds) it names; whether any document names one."""
    g = q.g
    if not q.weights.get("names_top") or not np.any(g.doc_mask):
        return False
    code = (np.asarray(g.doc_mask) == 0) & (np.asarray(g.test_mask) == 0) & \
        (np.asarray(g.file_kinds) == 0)
    top = [g.file_index[s] for s in q.seeds]
    top += [fi for fi in order if code[fi] and fi not in top][:NAMES_TOP_K]
    named = ev.names_top
    for fi in top:
        for doc in _docs_naming(g, fi):
            named.setdefault(doc, []).append(fi)
    signal = ev.signals["names_top"]
    for doc, files in named.items():
        signal[doc] = len(files) / len(top)
    return bool(named)


def _docs_naming(g: RepoGraph, fi: int) -> set[int]:
    """The design documents (not changelogs) whose words hold a whole identifier of file
    ``fi``: its stem (``bundle_view``) or a name it defines (``recent_decisions``,
    ``parseHeader``); names of one word are too common in prose to count."""
    path = g.files[fi]
    stem = path.rpartition("/")[2].partition(".")[0]
    names = [stem] + [g.names[c] for c in g.defs.row(fi)[0].tolist()]
    vocab, lex = g.lexical.vocab, g.lexical
    # Design documents only: a changelog names every file it ever changed.
    docs = np.asarray(g.doc_mask, dtype=np.float64) * \
        (1.0 - _path_mask(g, "release", is_release_history))
    out: set[int] = set()
    for name in names:
        if len(lexical.split_identifier(name)) < 2:
            continue
        term = vocab.get(lexical.stem(name.lower().strip("_")))
        if term is None:
            continue
        rows = lex.indices[lex.indptr[term]:lex.indptr[term + 1]]
        out.update(int(r) for r in rows if docs[r] and r != fi)
    return out


# -- fusion ---------------------------------------------------------------------------------------

def _fuse(q: _Query, ev: _Evidence) -> tuple[np.ndarray, list[int]]:
    """Each file's score (the weighted sum of its signals, cut by the penalties' shares) and the
    candidates best first: files with any evidence, the seeds left out."""
    weights, signals = q.weights, ev.signals
    total = np.zeros(q.n, dtype=np.float64)
    for key, weight in weights.items():
        if key not in PENALTIES:
            total += weight * signals[key]
    evidence = total.copy()  # what makes a file a candidate at all
    for key in PENALTIES:  # a demotion is a share of the score: the order of tests among
        if weights.get(key):  # themselves stays, whatever the scale of the scores
            total *= 1.0 + weights[key] * signals[key]
    seed_set = {si for si, _ in ev.weighted_seeds if q.g.files[si] in q.seeds}
    best = np.argsort(-total, kind="stable")
    return total, [i for i in best[evidence[best] > 0].tolist() if i not in seed_set]


def _learned_order(q: _Query, ev: _Evidence, total: np.ndarray, order: list[int]
                   ) -> tuple[np.ndarray, list[int]]:
    """A task alone: the first candidates in the learned fusion's order (``bundles.fusion``),
    their scores given out again best first so that the scores keep the order."""
    trees = fusion.model()
    if trees is None or len(order) < 2:
        return total, order
    head = order[:trees.top]
    paths = [q.g.files[i] for i in head]
    values = [{k: float(ev.signals[k][i]) for k in trees.signals} for i in head]
    scores = total[head].tolist()
    new = fusion.rerank(paths, values, scores, min(len(order), fusion.CANDIDATES),
                        candidate_partners, trees, lambda ps: _chunk_features(q, ev, ps))
    total = total.copy()
    total[[head[i] for i in new]] = sorted(scores, reverse=True)
    return total, [head[i] for i in new] + order[len(head):]


def _chunk_features(q: _Query, ev: _Evidence, paths: list[str]) -> np.ndarray:
    """``bundles.chunkmatch``'s features of the candidates ``paths``, their files read from the
    workspace (confined to it; a file not read has no windows); the stretches worth naming kept
    in ``ev.stretches``."""
    bags: list[chunkmatch.Bags] = []
    texts: list[bytes] = []
    for p in paths:
        q.token.check()
        data = confine.read_bytes_inside(q.index.root, p, chunkmatch.READ_MAX)
        bags.append(chunkmatch.chunk_bags(data) if data is not None else [])
        texts.append(data or b"")
    got = chunkmatch.match(q.raw_words, bags, texts, q.token.check)
    ev.stretches = {q.g.file_index[p]: chunkmatch.narrowed(st, text)
                    for p, st, text in zip(paths, got.stretches, texts, strict=True)
                    if st is not None and st.telling}
    return got.features


def candidate_partners(paths: list[str]) -> dict[int, int]:
    """Candidate index -> the index of its test <-> source partner among ``paths`` (the
    nearest by folder, as ``_source_of`` picks it)."""
    by_name: dict[str, list[int]] = {}
    for i, p in enumerate(paths):
        by_name.setdefault(_stem(p), []).append(i)
    out: dict[int, int] = {}
    for i, p in enumerate(paths):
        test = is_test_file(p)
        here = posixpath.dirname(p)
        best: tuple[int, int] | None = None
        for name in test_partner_names(p):
            for j in by_name.get(name, ()):
                if j == i or is_test_file(paths[j]) == test:
                    continue
                d = _mirror_distance(here, posixpath.dirname(paths[j]))
                if best is None or (d, j) < best:
                    best = (d, j)
        if best is not None:
            out[i] = best[1]
    return out


def _ranked_files(g: RepoGraph, signals: dict[str, np.ndarray], total: np.ndarray,
                  order: list[int], explain: int) -> list[RankedFile]:
    """A RankedFile per candidate, in ``order``; the first ``max(explain, SIGNALS_KEPT)`` keep
    their signal values (the rest keep their scores only)."""
    # Per file, as Python floats (indexing numpy arrays one value at a time costs more).
    keys = list(signals)
    kept = order[:max(explain, SIGNALS_KEPT)]
    columns = np.stack([signals[k] for k in keys])[:, kept].T.tolist() if kept else []
    scores = total[order].tolist() if order else []
    results: list[RankedFile] = []
    for at, (fi, score) in enumerate(zip(order, scores, strict=True)):
        kept_signals = {k: round(x, 4) for k, x in zip(keys, columns[at], strict=True) if x} \
            if at < len(columns) else {}
        results.append(RankedFile(path=g.files[fi], score=round(score, 4), signals=kept_signals))
    return results


# -- explanation ----------------------------------------------------------------------------------

def _explain_all(q: _Query, ev: _Evidence, shown: list[RankedFile], lifted: dict[str, str],
                 in_task: dict[str, str]) -> None:
    """The reasons of the files a caller will plausibly show, secrets masked in them."""
    g, seeded = q.g, bool(q.query.seeds)
    matched = _matched_terms(g, [g.file_index[rf.path] for rf in shown
                                 if rf.signals.get("lexical")], q.raw_words)
    for rf in shown:
        pointed = _pointed_definition(q.index, rf) if rf.task_lines or rf.task_symbols else None
        stretch = None if pointed else ev.stretches.get(g.file_index[rf.path])
        written = None if stretch is None else \
            lexical.as_written(q.query.task or "", set(stretch.words)) or list(stretch.words)
        _explain(g, rf, ev.views, matched.get(g.file_index[rf.path], []), ev.cochange_detail,
                 q.query.seeds if seeded else [], stretch, written)
        if pointed:  # a traceback's frame: its definition is the file's focus, not a stretch
            _explain_pointed(rf, pointed)
        if rf.path in lifted:
            rf.reasons.insert(0, f"the source `{lifted[rf.path]}` tests (sources first)")
        if rf.path in in_task:
            rf.reasons.insert(0, f"the task names it (`{in_task[rf.path]}`)")
        if rf.signals.get("bridge", 0) >= BRIDGE_REASON and ev.bridge_terms \
                and g.file_index[rf.path] not in ev.bridge_from:
            _explain_bridge(g, rf, ev.bridge_terms)
        named = ev.names_top.get(g.file_index[rf.path])
        if named:
            rf.reasons.append("names " + ", ".join(f"`{g.files[fi]}`" for fi in named[:3]) +
                              (f" and {len(named) - 3} more" if len(named) > 3 else "") +
                              " (their paths or definitions)")
    if ev.commit_scores is not None:
        _explain_history(q.index, g, shown, ev.similar, ev.commit_scores)
    filekinds.add_reasons(g, shown)
    for rf in shown:
        if q.weights.get("is_release") and is_release_history(rf.path):  # as noise is said
            rf.reasons.append("changelog or generated reference, not a design doc (demoted)")
        if not rf.reasons:  # every ranked file says why: its strongest signal, at least
            _explain_strongest(q.weights, rf, seeds_named(q.query.seeds) if seeded
                               else "the best task matches")
        if not rf.reasons:  # (a file no signal found: ranked last, to fill a large budget)
            rf.reasons.append(NO_LINK_REASON)
    for rf in shown:  # names and commit subjects shown to agents: secrets masked
        rf.reasons = [redact(r) for r in (rf.reasons if seeded else _task_first(rf.reasons))]


def _explain_pointed(rf: RankedFile, pointed: Definition) -> None:
    """``pointed`` (what a traceback frame points at) as ``rf``'s focus, said in a reason."""
    rf.focus = (pointed.start_line, pointed.end_line)
    where = ", ".join(f"line {ln}" for ln in rf.task_lines[:3]
                      if pointed.start_line <= ln <= pointed.end_line)
    rf.reasons.append(f"{chunkmatch.lines_named(*rf.focus)} hold `{pointed.qualified}`"
                      f"{f' ({where})' if where else ''}, which the task points at")


# A definition of a type (a class, a module) is too wide to be the focus a line points at, unless
# it is short (a record, a small enum) or a named frame's function is not found in it.
_WIDE_KINDS = frozenset({"class", "interface", "module", "type", "struct", "enum", "trait",
                         "impl", "namespace", "object"})
_WIDE_LINES = 60


def _pointed_definition(index: Index, rf: RankedFile) -> Definition | None:
    """The definition of ``rf`` a task's traceback frame (or ``path:line``) points at: the one
    it names holding its line, else the one it names nearest the line (a trace of another
    version: its line numbers moved), else the innermost holding the line (not a whole class)."""
    defs = index.definitions(rf.path)
    names = set(rf.task_symbols)
    named = [d for d in defs if d.name in names or d.qualified in names]

    def holding(ds: list[Definition]) -> list[Definition]:
        return sorted((d for d in ds for ln in rf.task_lines if d.start_line <= ln <= d.end_line),
                      key=lambda d: d.end_line - d.start_line)

    for d in holding(named):
        return d
    if named:
        return min(named, key=lambda d: min((abs(d.start_line - ln) for ln in rf.task_lines),
                                            default=0))
    for d in holding(defs):
        if d.kind not in _WIDE_KINDS or d.end_line - d.start_line < _WIDE_LINES:
            return d
    return None


# For a task alone, the reasons that say what of the task a file holds come first (its first
# reason heads its part of a bundle): "defines `_pct`, used in the best task matches" told less
# of why the LSP hover's own file led "the LSP hover shows wrong token counts" than "matches
# 'lsp', 'hover', 'token' from the task" after it. A seed's links stay first: they are its why.
_TASK_REASONS = ("the task names it", "the source `", "matches ", "lines ",
                 "changed in a past commit like this task", "defines names with ")


def _task_first(reasons: list[str]) -> list[str]:
    """``reasons`` with the task's own (:data:`_TASK_REASONS`, in that order) first, the rest
    after them as they were."""
    rank = {r: next((i for i, head in enumerate(_TASK_REASONS) if r.startswith(head)),
                    len(_TASK_REASONS)) for r in reasons}
    return sorted(reasons, key=rank.__getitem__)


def _focus(index: Index, g: RepoGraph, path: str, symbols: list[str]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """For a seed narrowed to definitions: the names referenced inside them (with counts) and
    the names they define (themselves and what is nested in them); ``None`` for a whole file."""
    if not symbols:
        return None
    wanted = set(symbols)
    defs = index.definitions(path)
    spans = [(d.start_line, d.end_line) for d in defs if d.qualified in wanted or d.name in wanted]
    if not spans:
        return None
    inside = [d.name for d in defs if any(a <= d.start_line and d.end_line <= b for a, b in spans)]
    row = g.file_index[path]
    counts: dict[int, int] = {}
    for name, lines in index.references(path).items():
        col = g.name_column(row, name)  # (references to built-ins have none)
        if col is None:
            continue
        n = sum(1 for ln in lines if any(a <= ln <= b for a, b in spans))
        if n:
            counts[col] = n
    ref_idx = np.array(sorted(counts), dtype=np.int32)
    ref_cnt = np.array([counts[c] for c in ref_idx.tolist()], dtype=np.float32)
    def_idx = np.array(sorted({c for c in (g.name_column(row, n) for n in inside)
                               if c is not None}), dtype=np.int32)
    return ref_idx, ref_cnt, def_idx


BRIDGE_FILES = 5  # the best task matches whose names the bridge borrows
BRIDGE_TERMS = 20


def _bridge(g: RepoGraph, matches: list[tuple[int, float]], task_words: list[str]
            ) -> tuple[np.ndarray, dict[int, float]]:
    """A vocabulary bridge: the words of the names defined in the files the task and its past
    commits point to (weighted by BM25 there) become a second query over every file's names, so
    a task reaches code that never says its words."""
    m = g.def_terms
    if not matches or not m.shape[1]:
        return np.zeros(len(g.files)), {}
    acc = np.zeros(m.shape[1], dtype=np.float64)
    for fi, w in matches:
        idx, val = m.row(fi)
        acc[idx] += w * val
    for word in task_words:  # the task's own words are the lexical signals' part
        t = g.def_words.vocab.get(word)
        if t is not None:
            acc[t] = 0.0
    if np.count_nonzero(acc) > BRIDGE_TERMS:
        acc[acc < np.partition(acc, -BRIDGE_TERMS)[-BRIDGE_TERMS]] = 0.0
    kept = np.flatnonzero(acc)
    return m.matvec(acc), dict(zip(kept.tolist(), acc[kept].tolist(), strict=True))


SIGNALS_KEPT = 400  # files past this rank (and past ``explain``) keep no signal values

SOURCES_FIRST = 20  # task alone: a test among the first N lifts its source right above it


def _sources_before_tests(g: RepoGraph, results: list[RankedFile]) -> dict[str, str]:
    """For a task alone, the source a test exercises comes first and the test right after: a
    test among the first ``SOURCES_FIRST`` whose source file ranks below it lifts that source to
    just above it (re-sorting ``results``). Returns lifted source -> its test."""
    where = {rf.path: i for i, rf in enumerate(results)}
    lifted: dict[str, str] = {}
    for rf in results[:SOURCES_FIRST]:
        if not is_test_file(rf.path):
            continue
        source = _source_of(g, rf.path, where) or _source_used(g, rf.path, results)
        if source is None or source in lifted:
            continue
        src = results[where[source]]
        if src.score < rf.score:
            src.score = round(rf.score + 1e-4, 4)
            lifted[source] = rf.path
    if lifted:
        results.sort(key=lambda r: -r.score)
    return lifted


def _named_first(q: _Query, ev: _Evidence, results: list[RankedFile]) -> dict[str, str]:
    """The files the task names (:mod:`bundles.mentions`: by path, a traceback's included, or by
    a file name few files share) come first, in the order they ranked (one with no other
    evidence after those with some), seeds left out. Re-sorts ``results``; returns each named
    path -> the words that name it."""
    if not q.query.task or not mentions.path_like(q.query.task):
        return {}  # (the name tables cost a pass over the files: only for a task naming one)
    g = q.g
    seeds = set(q.query.seeds)
    found = [n for n in mentions.named_files(q.query.task, g.files, *_name_tables(g),
                                             q.index.root)
             if g.files[n.file_index] not in seeds]
    if not found:
        return {}
    where = {rf.path: k for k, rf in enumerate(results)}
    keys = list(ev.signals)
    for n in found:
        if g.files[n.file_index] not in where:
            fi = n.file_index
            where[g.files[fi]] = len(results)
            results.append(RankedFile(path=g.files[fi], score=0.0, signals={
                k: round(float(ev.signals[k][fi]), 4) for k in keys if ev.signals[k][fi]}))
    named = sorted(found, key=lambda n: where[g.files[n.file_index]])
    top = max((rf.score for rf in results), default=0.0)
    for k, n in enumerate(named):
        rf = results[where[g.files[n.file_index]]]
        rf.score = round(top + 1.0 + 1e-3 * (len(named) - k), 4)
        rf.task_lines, rf.task_symbols = list(n.lines), list(n.symbols)
    results.sort(key=lambda r: -r.score)
    return {g.files[n.file_index]: n.words for n in named}


def task_words(index: Index, g: RepoGraph, task: str) -> list[str]:
    """The task's words (``lexical.task_words``), without the pieces of a dependency's path
    (one through an installed package naming no file of ``g``: :func:`mentions.foreign_paths`)."""
    return mentions.task_words(task, g.files, lambda: _name_tables(g), index.root)


def _name_tables(g: RepoGraph) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """File name -> the files of that name, and the same by name without its extension."""
    tables = getattr(g, "_name_tables", None)
    if tables is None:
        tables = g._name_tables = mentions.name_tables(g.files)  # type: ignore[attr-defined]
    return tables


def _source_of(g: RepoGraph, test: str, ranked: dict[str, int]) -> str | None:
    """The ranked source file a test pairs with by name, the nearest by folder."""
    best: tuple[int, str] | None = None
    here = posixpath.dirname(test)
    for name in test_partner_names(test):
        for fi in _files_named(g, name):
            path = g.files[fi]
            if path not in ranked or is_test_file(path):
                continue
            d = _mirror_distance(here, posixpath.dirname(path))
            if best is None or (d, path) < best:
                best = (d, path)
    return best[1] if best else None


SOURCE_USED_NAMES = 2  # a test's source by use: it defines at least this many names the test uses


def _source_used(g: RepoGraph, test: str, results: list[RankedFile]) -> str | None:
    """The source a test exercises when no file pairs with it by name (express's
    ``test/res.location.js`` tests ``lib/response.js``): of the sources among the first
    ``SOURCES_FIRST`` ranked, the one defining the most of the names the test uses (each weighed
    by how rare its definition is and how often the test uses it), sharing at least
    :data:`SOURCE_USED_NAMES` of them."""
    ti = g.file_index.get(test)
    if ti is None:
        return None
    ref_idx, ref_cnt = g.refs.row(ti)
    if not len(ref_idx):
        return None
    used = dict(zip(ref_idx.tolist(), (np.log1p(ref_cnt) * g.name_idf[ref_idx]).tolist(),
                    strict=True))
    best: tuple[float, str] | None = None
    for rf in results[:SOURCES_FIRST]:
        fi = g.file_index.get(rf.path)
        if fi is None or g.test_mask[fi] or g.doc_mask[fi] or g.file_kinds[fi]:
            continue
        shared = [used[n] for n in g.defs.row(fi)[0].tolist() if n in used]
        if len(shared) >= SOURCE_USED_NAMES and (best is None or sum(shared) > best[0]):
            best = (sum(shared), rf.path)
    return best[1] if best else None


BRIDGE_REASON = 0.3  # the bridge signal from which it is named in the reasons


def _explain_bridge(g: RepoGraph, rf: RankedFile, terms: dict[int, float]) -> None:
    words = g.def_vocab
    idx, val = g.def_terms.row(g.file_index[rf.path])
    # Ties go by the word, not by its column (the vocabulary's order differs between builds).
    shared = sorted(((terms[t] * v, t) for t, v in zip(idx.tolist(), val.tolist(), strict=True)
                     if t in terms), key=lambda x: (-x[0], words[x[1]]))
    if shared:
        # As the file's names spell them ("range", not the stem "rang").
        spelled: dict[str, str] = {}
        for col in g.defs.row(g.file_index[rf.path])[0].tolist():
            for w in lexical.words(g.names[col]):
                spelled.setdefault(lexical.stem(w), w)
        shown = ", ".join(f"'{spelled.get(words[t], words[t])}'" for _, t in shared[:3])
        rf.reasons.append(f"defines names with {shown}, like the files the task and its past "
                          "commits point to")


def _similar_commits(g: RepoGraph, task_words: list[str], top: int = 30
                     ) -> tuple[np.ndarray, list[tuple[int, float]], np.ndarray]:
    """Votes for files from the past commits whose subjects match the task best (each commit's
    vote is shared among its files and decayed by its age), those commits, best first, and
    every commit's match."""
    m = g.commit_files
    scores = g.commit_subjects.scores(task_words, m.shape[0])
    best = np.argsort(-scores, kind="stable")[:top]
    best = best[scores[best] > 0]
    weights = np.zeros(m.shape[0], dtype=np.float64)
    weights[best] = scores[best]
    votes = np.bincount(m.indices, weights=m.data * weights[m._row_ids()], minlength=m.shape[1])
    return votes, [(int(c), float(scores[c])) for c in best], scores


def _decayed_total(c) -> float:  # noqa: ANN001 - CoChange
    return float(c.seed_commits)


def _add_cochange(index: Index, g: RepoGraph, path: str, w: float, out: np.ndarray,
                  detail: dict[int, tuple[int, int]]) -> None:
    for c in index.co_changes(path):
        ci = g.file_index.get(c.path)
        if ci is None:
            continue
        conf = c.weight / max(1.0, _decayed_total(c))
        out[ci] += w * (0.7 * conf + 0.3 * min(1.0, c.together / 5.0))
        if ci not in detail or detail[ci][0] < c.together:
            detail[ci] = (c.together, c.seed_commits)


def _doc_mask(g: RepoGraph) -> np.ndarray:
    return np.asarray(g.doc_mask, dtype=np.float64)


def _path_mask(g: RepoGraph, name: str, test: Callable[[str], bool]) -> np.ndarray:
    """1.0 for the files whose path passes ``test`` (kept on the graph under ``name``)."""
    masks = getattr(g, "_path_masks", None)
    if masks is None:
        masks = g._path_masks = {}  # type: ignore[attr-defined]
    if name not in masks:
        masks[name] = np.fromiter((1.0 if test(p) else 0.0 for p in g.files), np.float64,
                                  len(g.files))
    return masks[name]


def _test_mask(g: RepoGraph) -> np.ndarray:
    return np.asarray(g.test_mask, dtype=np.float64)


def _files_named(g: RepoGraph, name: str) -> list[int]:
    cache = getattr(g, "_by_basename", None)
    if cache is None:
        cache = {}
        for i, p in enumerate(g.files):
            cache.setdefault(p.rpartition("/")[2], []).append(i)
        g._by_basename = cache  # type: ignore[attr-defined]
    return list(cache.get(name, []))


def _dir_distance(a: str, b: str) -> int:
    pa, pb = a.split("/") if a else [], b.split("/") if b else []
    common = 0
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        common += 1
    return (len(pa) - common) + (len(pb) - common)


_TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs", "src", "lib"})


def _test_neutral(d: str) -> list[str]:
    """Folder names with their test markers taken off: ``tests/test_cli/test_help`` ->
    ``[cli, help]``, so a mirrored test tree lines up with the source tree."""
    out: list[str] = []
    for part in d.split("/") if d else []:
        if part in _TEST_DIRS:
            continue
        for affix in ("test_", "tests_"):
            part = part.removeprefix(affix)
        for affix in ("_tests", "_test"):
            part = part.removesuffix(affix)
        out.append(part)
    return out


def _mirror_distance(a: str, b: str) -> int:
    """Folders apart when both trees are read from the deepest folder up, test markers ignored:
    ``pkg/cli/help`` and ``tests/test_cli/test_help`` are 1 apart (``pkg``), not 5."""
    pa, pb = _test_neutral(a), _test_neutral(b)
    common = 0
    for x, y in zip(reversed(pa), reversed(pb), strict=False):
        if x != y:
            break
        common += 1
    return (len(pa) - common) + (len(pb) - common)


def _explain(g: RepoGraph, rf: RankedFile, views: dict[int, SeedView], matched: list[str],
             cochange_detail: dict[int, tuple[int, int]], seeds: list[str],
             stretch: chunkmatch.Stretch | None = None,
             stretch_words: list[str] | None = None) -> None:
    """The reasons ``rf`` ranked, in a fixed order: the names it shares with the (pseudo-)seeds,
    its links to them (``seeds``: the seeds' paths, named in the reasons; none for a task alone),
    the task's words it holds (``matched``) and the stretch of its lines that holds them together
    (``stretch``, read by the learned re-ranking), its recent activity."""
    fi, seeded = g.file_index[rf.path], bool(seeds)
    what = seeds_named(seeds) if seeded else "the best task matches"
    _explain_names(g, rf, views, fi, seeded)
    _explain_links(g, rf, list(views), fi, what, cochange_detail, seeded)
    if rf.signals.get("lexical") and matched:
        rf.task_terms = matched
        rf.reasons.append("matches " + ", ".join(f"'{t}'" for t in matched[:4])
                          + " from the task")
    if stretch is not None:
        rf.focus = (stretch.first, stretch.last)
        rf.reasons.append(f"{chunkmatch.lines_named(stretch.first, stretch.last)} hold "
                          + ", ".join(f"'{t}'" for t in (stretch_words or stretch.words)[:4])
                          + " from the task")
    _explain_activity(rf)


def seeds_named(seeds: list[str]) -> str:
    """The seed files ``seeds`` as a reason names them, by their root-relative paths (the
    reasons are redacted as a whole after): "`src/app/cli.py`", "`a.py` and `b.py`", "`a.py` and
    2 other seeds"; "the seed" for none."""
    paths = list(dict.fromkeys(seeds))
    if not paths:
        return "the seed"
    if len(paths) <= 2:
        return " and ".join(f"`{p}`" for p in paths)
    return f"`{paths[0]}` and {len(paths) - 1} other seeds"


def _explain_names(g: RepoGraph, rf: RankedFile, views: dict[int, SeedView], fi: int,
                   seeded: bool) -> None:
    """The names file row ``fi`` defines that the seeds use, and uses that they define (the
    seeds named that hold the names shown, most of them first)."""
    for signal, seed_uses in (("defines", True), ("uses", False)):
        if not (rf.signals.get(signal) and views):
            continue
        names, by_seed = _shared_names(g, views, fi, seed_uses=seed_uses)
        if not names:
            continue
        rf.names_used.extend(n for n, _ in names)
        top = {n for n, _ in names[:3]}
        rows = sorted((si for si, held in by_seed.items() if held & top),
                      key=lambda si: (-len(by_seed[si] & top), g.files[si]))
        what = seeds_named([g.files[si] for si in rows]) if seeded else \
            "the best task matches"
        if seed_uses:
            shown = ", ".join(f"`{n}`" + (f" ({c}×)" if c > 1 else "") for n, c in names[:3])
            rf.reasons.append(f"defines {shown}, used in {what}")
        else:
            shown = ", ".join(f"`{n}`" for n, _ in names[:3])
            rf.reasons.append(f"uses {shown}, defined in {what}")


def _explain_links(g: RepoGraph, rf: RankedFile, seed_rows: list[int], fi: int, what: str,
                   cochange_detail: dict[int, tuple[int, int]], seeded: bool) -> None:
    """File row ``fi``'s imports of or by the seeds, its changes with them, its test pairing."""
    if rf.signals.get("imports"):
        by = [si for si in seed_rows if g.imports.has(si, fi)]
        linked = by or [si for si in seed_rows if g.imports.has(fi, si)]
        named = seeds_named([g.files[si] for si in linked]) if seeded and linked else what
        rf.reasons.append(f"imported by {named}" if by else f"imports {named}")
    if fi in cochange_detail:
        together, total = cochange_detail[fi]
        # (task only: the match is not named, it may be a file the bundle must not mention)
        with_what = what if seeded else "one of the best task matches"
        rf.reasons.append(
            f"changed together with {with_what} in {together} of its last {total} commits"
            if total != 1 else f"changed together with {with_what} in its last commit")
    if rf.signals.get("test"):
        rf.reasons.append(f"test for {what}" if is_test_file(rf.path) else f"source {what} tests")


def _explain_activity(rf: RankedFile) -> None:
    """Uncommitted changes, and recent activity (said when it alone ranked the file)."""
    s = rf.signals
    if s.get("dirty"):
        rf.reasons.append("has uncommitted changes")
    if s.get("recent", 0) >= 0.5:
        rf.reasons.append("one of the most actively changed files lately")
    elif s.get("recent") and not rf.reasons:  # recency alone ranked it: say so
        rf.reasons.append("changed recently")


# The ``history`` signal (a file's past commit subjects hold the task's words) from which the
# best-matching of those commits is named in its reasons (as ``commits`` is from 0.05).
HISTORY_REASON = 0.2


def _explain_history(index: Index, g: RepoGraph, results: list[RankedFile],
                     similar: list[tuple[int, float]], scores: np.ndarray) -> None:
    """Name the best-matching past commit that touched each file the commits or history signal
    lifted: one of the commits most like the task (``similar``), else the best of its own
    commits whose subject shares words with the task (``scores``, every commit's match)."""
    wanted = [rf for rf in results if rf.signals.get("commits", 0) >= 0.05
              or rf.signals.get("history", 0) >= HISTORY_REASON]
    if not wanted:
        return
    m = g.commit_files
    touched: dict[int, list[int]] = {}  # file row -> similar commit rows touching it, best first
    for row, _ in similar:
        for fi in m.row(row)[0].tolist():
            touched.setdefault(fi, []).append(row)
    for rf in wanted:
        fi = g.file_index[rf.path]
        if fi not in touched:  # none of the most similar: its own commits that match at all
            own = m._row_ids()[m.indices == fi]  # rows in order: the distinct ones (not
            own = own[np.r_[True, own[1:] != own[:-1]]]  # np.unique: it imports numpy.ma)
            own = own[scores[own] > 0]
            touched[fi] = own[np.argsort(-scores[own], kind="stable")].tolist()
    ids = {int(g.commit_ids[rows[0]]) for rows in touched.values() if rows}
    if not ids:
        return
    subjects = index.commit_subjects(sorted(ids))
    for rf in wanted:
        rows = touched.get(g.file_index[rf.path], [])
        if not rows:
            continue
        subject = clip_masked(" ".join(redact_git(subjects.get(int(g.commit_ids[rows[0]]))
                                                  or "").split()), 60)
        more = f" and {len(rows) - 1} more like it" if len(rows) > 1 else ""
        rf.reasons.append(f"changed in a past commit like this task: '{subject}'{more}")


# What each signal says of a file, for one that no other reason explains (its strongest
# weighted signal is named; a file ranks only with some evidence).
# (``{what}``: the seeds by their paths, or the best task matches: :func:`seeds_named`)
_SIGNAL_REASONS = {
    "defines": "defines names used in {what}",
    "uses": "uses names defined in {what}",
    "imports": "imports or is imported by {what}",
    "cochange": "changed together with {what}",
    "lexical": "its words match the task's",
    "test": "pairs with {what} as test and source",
    "dirty": "has uncommitted changes",
    "recent": "changed recently",
    "test_uses": "a test that uses the definitions of {what}",
    "path_sim": "its path shares words with {what}",
    "history": "the subjects of the past commits that touched it match the task",
    "commits": "touched by past commits like this task",
    "path_match": "its path holds the task's words",
    "def_match": "the names it defines hold the task's words",
    "pseudo_seed": "one of the best task matches",
    "bridge": "defines names like those of the files the task's past commits touched",
    "names_top": "a design document naming the best-ranked files",
}


NO_LINK_REASON = "nothing found links it to the seeds or the task (ranked last)"


def _explain_strongest(weights: dict[str, float], rf: RankedFile, what: str) -> None:
    """The reason of the signal that weighs most in ``rf``'s score (if any kept its value),
    naming ``what`` it links the file to."""
    weighed = [(weights.get(k, 0.0) * v, k) for k, v in rf.signals.items()
               if k in _SIGNAL_REASONS and v > 0]
    if weighed:
        rf.reasons.append(_SIGNAL_REASONS[max(weighed)[1]].replace("{what}", what))


@dataclass
class SeedView:
    """What a seed references (with counts) and defines; narrowed to the definition in focus for
    ``path::symbol`` and ``path:line`` seeds, so explanations match what ranked."""

    ref_idx: np.ndarray
    ref_cnt: np.ndarray
    own: set[int]  # every name the seed file defines (never credited to another file)
    defines: set[int]  # the names it offers to others (the focus's, or the file's)
    offered: np.ndarray  # the same, as the columns the uses signal reads


def _shared_names(g: RepoGraph, views: dict[int, SeedView], fi: int, seed_uses: bool
                  ) -> tuple[list[tuple[str, int]], dict[int, set[str]]]:
    """The names file row ``fi`` shares with the seeds (it defines those they use, or uses those
    they define) with their counts, most telling first; and each seed row's share of them."""
    out: dict[int, int] = {}  # name column -> count
    by_seed: dict[int, set[str]] = {}
    for si, view in views.items():
        if si == fi:  # a best task match is not credited with its own names
            continue
        held: set[int] = set()
        if seed_uses:  # names seed references that fi defines
            file_defs = g.defs.row_set(fi)
            for ni, cnt in zip(view.ref_idx.tolist(), view.ref_cnt.tolist(), strict=True):
                if ni in file_defs and ni not in view.own:
                    out[ni] = out.get(ni, 0) + int(cnt)
                    held.add(ni)
        else:  # names seed defines that fi references
            ref_idx, ref_cnt = g.refs.row(fi)
            seed_defs = view.defines
            for ni, cnt in zip(ref_idx.tolist(), ref_cnt.tolist(), strict=True):
                if ni in seed_defs:
                    out[ni] = out.get(ni, 0) + int(cnt)
                    held.add(ni)
        if held:
            by_seed[si] = {g.names[ni] for ni in held}
    ranked = sorted(out.items(), key=lambda kv: (-kv[1] * float(g.name_idf[kv[0]]),
                                                 g.names[kv[0]]))
    return [(g.names[ni], cnt) for ni, cnt in ranked], by_seed


def _matched_terms(g: RepoGraph, rows: list[int], task_words: list[str]) -> dict[int, list[str]]:
    """File row -> the task's words (as written, each once, in the task's order) that the file's
    path, names or terms hold (stems compared), for the files ``rows``. One pass over each
    word's postings: a pasted log has thousands of distinct words."""
    if not rows or not task_words:
        return {}
    holds: dict[int, set[str]] = {fi: set() for fi in sorted(set(rows))}
    # (a mask, not np.isin: its np.unique imports numpy.ma, 27 ms of a warm query)
    wanted = np.zeros(len(g.files), dtype=bool)
    wanted[list(holds)] = True
    distinct = {w: lexical.stem(w) for w in dict.fromkeys(task_words)}
    lex = g.lexical
    for st in set(distinct.values()):
        t = lex.vocab.get(st)
        if t is not None and t < len(lex.indptr) - 1:
            docs = lex.indices[lex.indptr[t]:lex.indptr[t + 1]]
            for fi in docs[wanted[docs]].tolist():
                holds[int(fi)].add(st)
    out: dict[int, list[str]] = {}
    for fi, stems in holds.items():
        stems |= set(lexical.stems(lexical.path_words(g.files[fi])))
        out[fi] = [w for w, st in distinct.items() if st in stems]
    return out
