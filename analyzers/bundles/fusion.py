"""A learned re-ranking of a task-only query's first candidates (#14).

With no seed, the linear fusion of ``analyzers.bundles.rank`` orders the candidates; a small
gradient-boosted tree ensemble (LightGBM lambdarank, trained by ``bench/fusion_experiment.py``
on the replayed history of the benchmark repositories, judged leave-one-repository-out) then
re-orders the first ``top`` of them from their signals, their linear scores, features of their
paths, and the columns ``Trees.extras`` names (``bundles.chunkmatch``'s, which the ranker
computes from the files). The trees ship as data (``task_fusion.npz`` beside this module:
numpy arrays, no pickles), are loaded on first use and evaluated with numpy: no runtime
dependency beyond the core's.
"""

from __future__ import annotations

import math
import posixpath
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analyzers.bundles.docsections import is_release_history
from analyzers.indexing.filekinds import is_doc_file, is_test_file, path_kind

MODEL_PATH = Path(__file__).with_name("task_fusion.npz")
CANDIDATES = 300  # the candidates a training query kept (bench/relevance.SIGNAL_ROW_CANDIDATES)

CODE_EXT = frozenset({"py", "go", "rs", "ts", "tsx", "js", "jsx", "mjs", "cjs", "java", "kt",
                      "rb", "c", "h", "cc", "cpp", "hpp", "cs", "swift", "svelte", "vue", "php",
                      "scala", "ex", "exs", "sh"})
CONFIG_EXT = frozenset({"json", "toml", "yaml", "yml", "cfg", "ini", "lock", "xml", "mod", "sum"})
# What the model reads per candidate beside the signals (in this order, after them).
PATH_FEATURES = ("is_release", "is_noise", "lin_score", "lin_share", "lin_rank", "lin_logrank",
                 "depth", "ext_class", "has_partner", "partner_above", "partner_share", "n_cands",
                 "n_tests_above", "top_gap", "dir_top10", "dir_share")

Partners = Callable[[list[str]], dict[int, int]]


def ext_class(path: str) -> int:
    """0 code, 1 configuration, 2 prose, 3 anything else."""
    base = path.rpartition("/")[2]
    ext = base.rpartition(".")[2].lower() if "." in base else ""
    if ext in CODE_EXT:
        return 0
    if ext in CONFIG_EXT:
        return 1
    return 2 if is_doc_file(path) else 3


def features(signals: Sequence[str], paths: Sequence[str],
             values: Sequence[Mapping[str, float]], scores: Sequence[float], n_cands: int,
             partners: dict[int, int]) -> np.ndarray:
    """The feature matrix of candidates in linear order: their ``signals`` values, then
    ``PATH_FEATURES`` (``partners``: candidate -> its test/source partner among them)."""
    best = max(scores[0], 1e-9) if scores else 1.0
    top_gap = (best - (scores[1] if len(scores) > 1 else 0.0)) / best
    folders = [posixpath.dirname(p) for p in paths]
    dir_top10: dict[str, int] = {}
    dir_sum: dict[str, float] = {}
    for r, d in enumerate(folders):
        dir_top10[d] = dir_top10.get(d, 0) + (r < 10)
        dir_sum[d] = dir_sum.get(d, 0.0) + scores[r] / best
    out = np.zeros((len(paths), len(signals) + len(PATH_FEATURES)), dtype=np.float64)
    tests_above = 0
    for r, p in enumerate(paths):
        j = partners.get(r)
        out[r] = [*(values[r].get(k, 0.0) for k in signals),
                  -1.0 if is_release_history(p) else 0.0, -1.0 if path_kind(p) else 0.0,
                  scores[r], scores[r] / best, float(r), math.log1p(r), float(p.count("/")),
                  float(ext_class(p)), float(j is not None), float(j is not None and j < r),
                  scores[j] / best if j is not None else 0.0, math.log1p(n_cands),
                  float(tests_above), top_gap, float(dir_top10[folders[r]] - (r < 10)),
                  dir_sum[folders[r]] - scores[r] / best]
        tests_above += is_test_file(p) or is_doc_file(p)
    return out


@dataclass(frozen=True)
class Trees:
    """A tree ensemble as flat arrays: node ``i`` splits on ``feature[i]`` at ``threshold[i]``
    (``<=`` goes to ``left[i]``, else ``right[i]``), or is a leaf (``feature[i] < 0``) worth
    ``value[i]``; ``roots`` are the trees' first nodes."""

    signals: tuple[str, ...]
    top: int
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int
    # Features after PATH_FEATURES that the caller computes (``rerank``'s ``extra``): the names of
    # ``bundles.chunkmatch.FEATURES`` when the model was trained with them.
    extras: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping) -> Trees:
        """From ``to_json``'s form."""
        return cls(tuple(data["signals"]), int(data["top"]),
                   np.asarray(data["feature"], dtype=np.int64),
                   np.asarray(data["threshold"], dtype=np.float64),
                   np.asarray(data["left"], dtype=np.int64),
                   np.asarray(data["right"], dtype=np.int64),
                   np.asarray(data["value"], dtype=np.float64),
                   np.asarray(data["roots"], dtype=np.int64), int(data["depth"]),
                   tuple(data.get("extras", ())))

    @classmethod
    def load(cls, path: Path) -> Trees:
        """From a file ``save`` wrote."""
        with np.load(path, allow_pickle=False) as z:
            ints = {k: np.asarray(z[k], dtype=np.int64) for k in ("feature", "left", "right",
                                                                  "roots")}
            extras = tuple(str(k) for k in z["extras"]) if "extras" in z.files else ()
            return cls(tuple(str(k) for k in z["signals"]), int(z["top"]), ints["feature"],
                       z["threshold"], ints["left"], ints["right"], z["value"], ints["roots"],
                       int(z["depth"]), extras)

    def save(self, path: Path) -> None:
        """As compressed numpy arrays (``load`` reads them)."""
        with path.open("wb") as f:
            np.savez_compressed(
                f, signals=np.array(self.signals), top=self.top,
                feature=self.feature.astype(np.int16), threshold=self.threshold,
                left=self.left.astype(np.int32), right=self.right.astype(np.int32),
                value=self.value, roots=self.roots.astype(np.int32), depth=self.depth,
                extras=np.array(self.extras, dtype=str))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The ensemble's score per row of ``x``."""
        if not len(x):
            return np.zeros(0)
        node = np.repeat(self.roots[:, None], len(x), axis=1)
        cols = np.arange(len(x))[None, :]
        for _ in range(self.depth):
            f = self.feature[node]
            inner = f >= 0
            go_left = x[cols, np.maximum(f, 0)] <= self.threshold[node]
            node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
        return self.value[node].sum(axis=0)


def flatten_lightgbm(dump: Mapping, signals: Sequence[str], top: int,
                     extras: Sequence[str] = ()) -> dict:
    """A LightGBM ``dump_model()`` as ``Trees.from_json`` reads it (numerical ``<=`` splits; the
    features never miss, so missing-value routing is not kept)."""
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    depth = 0

    def add(node: Mapping, level: int) -> int:
        nonlocal depth
        i = len(feature)
        feature.append(-1)
        threshold.append(0.0)
        left.append(i)
        right.append(i)
        value.append(float(node.get("leaf_value", 0.0)))
        if "split_feature" in node:
            if node.get("decision_type", "<=") != "<=":
                raise ValueError(f"unsupported split {node.get('decision_type')}")
            feature[i] = int(node["split_feature"])
            threshold[i] = float(node["threshold"])
            left[i] = add(node["left_child"], level + 1)
            right[i] = add(node["right_child"], level + 1)
        depth = max(depth, level)
        return i

    for tree in dump["tree_info"]:
        roots.append(add(tree["tree_structure"], 0))
    return {"signals": list(signals), "top": top, "feature": feature,
            "threshold": threshold, "left": left, "right": right,
            "value": [round(v, 9) for v in value], "roots": roots, "depth": depth,
            "extras": list(extras)}


_LOCK = threading.Lock()
_MODEL: list[Trees | None] = []


def model() -> Trees | None:
    """The shipped ensemble, read once (``None`` if the data file is missing)."""
    with _LOCK:
        if not _MODEL:
            try:
                _MODEL.append(Trees.load(MODEL_PATH))
            except FileNotFoundError:
                _MODEL.append(None)
        return _MODEL[0]


Extra = Callable[[list[str]], np.ndarray]


def rerank(paths: list[str], values: Sequence[Mapping[str, float]],
           scores: Sequence[float], n_cands: int, partners: Partners,
           trees: Trees | None = None, extra: Extra | None = None) -> list[int]:
    """The first ``trees.top`` candidates (given best first by the linear fusion) in the
    model's order, as indices into them (ties keep the linear order). ``extra`` gives the
    columns of ``trees.extras`` for the candidates' paths (zeros without it)."""
    trees = trees or model()
    if trees is None or len(paths) < 2:
        return list(range(len(paths)))
    k = min(trees.top, len(paths))
    x = features(trees.signals, paths[:k], values[:k], scores[:k], n_cands,
                 partners(paths[:k]))
    if trees.extras:
        more = extra(paths[:k]) if extra is not None else np.zeros((k, len(trees.extras)))
        x = np.hstack([x, more])
    s = trees.predict(x)
    return sorted(range(k), key=lambda i: (-s[i], i)) + list(range(k, len(paths)))
