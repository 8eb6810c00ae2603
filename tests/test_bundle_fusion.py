"""The learned fusion (``analyzers.bundles.fusion``): a task alone's first candidates follow the
shipped tree ensemble, deterministically; a seeded query keeps the linear order. On a real git
repository built here (the shop of ``test_bundle_rank``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_bundle_rank import build_shop

from analyzers import lexical
from analyzers.bundles import chunkmatch, fusion
from analyzers.bundles import rank as rank_mod
from analyzers.bundles.rank import RankedFile, RankQuery, rank
from analyzers.indexing.index import Index

TASK = "checkout discount rounding for the order total"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shop(tmp_path_factory.mktemp("fusion") / "repo")


def ranked(root: Path, **query: object) -> list[RankedFile]:
    with Index(root) as index:
        return rank(index, RankQuery(**query))  # type: ignore[arg-type]


def linear(root: Path, monkeypatch: pytest.MonkeyPatch, **query: object) -> list[RankedFile]:
    """The ranking with no model file: the linear fusion alone."""
    with monkeypatch.context() as m:
        m.setattr(fusion, "_MODEL", [None])
        return ranked(root, **query)


def test_the_shipped_model_is_small_and_reads_the_rankers_own_signals() -> None:
    assert fusion.MODEL_PATH.stat().st_size < 1_000_000
    assert fusion.MODEL_PATH.read_bytes()[:2] == b"PK"  # numpy arrays only: no pickle
    trees = fusion.model()
    assert trees is not None and len(trees.roots) > 0 and trees.top >= 10
    assert set(trees.signals) <= set(rank_mod.WEIGHTS)
    assert trees.feature.max() < len(trees.signals) + len(fusion.PATH_FEATURES) + len(
        trees.extras)


def test_a_task_alone_takes_the_shipped_models_order(shop: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    base = linear(shop, monkeypatch, task=TASK)
    learned = ranked(shop, task=TASK)
    trees = fusion.model()
    assert trees is not None
    k = min(trees.top, len(base))
    assert sorted(r.path for r in learned[:k]) == sorted(r.path for r in base[:k])
    assert [r.path for r in learned[k:]] == [r.path for r in base[k:]]
    scores = [r.score for r in learned]
    assert scores == sorted(scores, reverse=True)
    # The head is the model's order of the linear head, read from the same features.
    paths = [r.path for r in base[:k]]
    x = fusion.features(trees.signals, paths, [r.signals for r in base[:k]],
                        [r.score for r in base[:k]], len(base),
                        rank_mod.candidate_partners(paths))
    if trees.extras:  # the task's words in a stretch of each file's lines (bundles.chunkmatch)
        x = np.hstack([x, chunkmatch.features(
            lexical.stems(lexical.task_words(TASK)),
            [chunkmatch.chunk_bags((shop / p).read_bytes()) for p in paths])])
    s = trees.predict(x)
    want = [paths[i] for i in sorted(range(k), key=lambda i: (-s[i], i))]
    assert [r.path for r in learned[:k]] == want


def test_the_model_decides_the_head(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-split ensemble that sends the linear first to the back of a head of three."""
    base = linear(shop, monkeypatch, task=TASK)
    signals = list(fusion.model().signals)  # type: ignore[union-attr]
    lin_rank = len(signals) + fusion.PATH_FEATURES.index("lin_rank")
    last_first = fusion.Trees.from_json({
        "signals": signals, "top": 3, "feature": [lin_rank, -1, -1], "threshold": [0.5, 0, 0],
        "left": [1, 1, 2], "right": [2, 1, 2], "value": [0.0, 0.0, 1.0], "roots": [0],
        "depth": 1})
    with monkeypatch.context() as m:
        m.setattr(fusion, "_MODEL", [last_first])
        learned = ranked(shop, task=TASK)
    assert len(base) > 4
    assert [r.path for r in learned[:4]] == [r.path for r in (*base[1:3], base[0], base[3])]
    assert [r.path for r in learned[4:]] == [r.path for r in base[4:]]


def test_a_seeded_query_keeps_the_linear_order(shop: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    query = {"seeds": ["shop/checkout.py"], "task": TASK}
    assert [(r.path, r.score) for r in ranked(shop, **query)] == \
        [(r.path, r.score) for r in linear(shop, monkeypatch, **query)]


RANK_SCRIPT = """
import json, sys
from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index
with Index(sys.argv[1]) as index:
    print(json.dumps([(r.path, r.score) for r in rank(index, RankQuery(task=sys.argv[2]))]))
"""


def test_the_learned_order_is_the_same_in_every_process(shop: Path) -> None:
    runs = [subprocess.run([sys.executable, "-c", RANK_SCRIPT, str(shop), TASK], check=True,
                           capture_output=True, text=True, timeout=120).stdout
            for _ in range(2)]
    assert runs[0] == runs[1]
    here = [[r.path, r.score] for r in ranked(shop, task=TASK)]
    assert json.loads(runs[0]) == here and len(here) > 4


def test_numpy_trees_follow_the_splits() -> None:
    trees = fusion.Trees.from_json({
        "signals": ["a"], "top": 2, "feature": [0, -1, 0, -1, -1],
        "threshold": [0.5, 0, 2.0, 0, 0], "left": [1, 1, 3, 3, 4], "right": [2, 1, 4, 3, 4],
        "value": [0, 1.0, 0, 2.0, 3.0], "roots": [0], "depth": 2})
    assert trees.predict(np.array([[0.0], [0.5], [1.0], [2.0], [5.0]])).tolist() == \
        [1.0, 1.0, 2.0, 2.0, 3.0]
