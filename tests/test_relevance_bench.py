"""The relevance benchmark (bench/relevance.py) on a small real git history with known answers."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from gitutil import commit, git, make_repo, snapshot

from analyzers.config import Settings
from analyzers.index import Index, build

BENCH = Path(__file__).resolve().parent.parent / "bench" / "relevance.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_relevance", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_relevance"] = mod
    spec.loader.exec_module(mod)
    return mod


rb = _load()


def _py(name: str, lines: int = 3) -> str:
    body = "".join(f"    x{i} = {i}\n" for i in range(lines))
    return f"def {name}():\n{body}    return 0\n"


# d.py is large: about 20k tokens, over the 16k budget and under 64k.
BIG_D = "def frobnicate_widget():\n    return 1\n\n" + "".join(
    f"value_{i} = {i} + {i * 7}\n" for i in range(2500))


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("hist") / "benchrepo"
    base = {"a.py": _py("alpha"), "b.py": _py("beta"), "c.py": _py("gamma"), "d.py": BIG_D,
            "m1.py": _py("m_one"), "m2.py": _py("m_two"), "m3.py": _py("m_three"),
            "m4.py": _py("m_four"), "notes.md": "Plain notes.\n"}
    make_repo(root, base)
    commit(root, "alpha and beta 1", {"a.py": _py("alpha", 4), "b.py": _py("beta", 4)})
    commit(root, "alpha and beta 2", {"a.py": _py("alpha", 5), "b.py": _py("beta", 5)})
    # Sample 1: seed a.py (most lines), e.py is new, so the truth is b.py alone.
    s1 = commit(root, "Rework alpha parsing", {
        "a.py": _py("alpha", 15), "b.py": _py("beta", 6), "e.py": _py("epsilon")})
    # Sample 2: seed c.py; truth d.py and notes.md; the message names d.py's function.
    s2 = commit(root, "Frobnicate the widget\n\nIt was not frobnicated enough.", {
        "c.py": _py("gamma", 13), "d.py": BIG_D + "extra = 1\n",
        "notes.md": "Plain notes.\nMore.\n"})
    # Qualifies, but only the seed existed at the parent: skipped.
    s3 = commit(root, "add f and g", {"a.py": _py("alpha", 16), "f.py": _py("f"), "g.py": _py("g")})
    commit(root, "docs only", {"a.py": _py("alpha", 17), "x.md": "x\n", "y.md": "y\n"})  # 1 code
    commit(root, "two files", {"a.py": _py("alpha", 18), "b.py": _py("beta", 18)})  # 2 files
    return {"root": root, "s1": s1, "s2": s2, "s3": s3}


def test_find_samples_applies_the_protocol(history: dict[str, object]) -> None:
    root = history["root"]
    samples = rb.find_samples(root, 50)
    assert [s.sha for s in samples] == [history["s3"], history["s2"], history["s1"]]
    s3, s2, s1 = samples
    assert s1.seed == "a.py" and s1.truth("seeded") == ["b.py"]
    assert s1.truth("task") == ["a.py", "b.py"]  # e.py did not exist at the parent
    assert s2.seed == "c.py" and s2.truth("seeded") == ["d.py", "notes.md"]
    assert s2.message == "Frobnicate the widget\n\nIt was not frobnicated enough."
    assert s3.truth("seeded") == []
    assert [s.sha for s in rb.find_samples(root, 2)] == [history["s3"], history["s2"]]


def test_metric_functions() -> None:
    ranking = ["x", "t1", "y", "z", "w", "t2"]
    assert rb.recall_at(ranking, ["t1", "t2"], 5) == 0.5
    assert rb.recall_at(ranking, ["t1", "t2"], 10) == 1.0
    assert rb.reciprocal_rank(ranking, ["t2", "t1"]) == 0.5
    assert rb.reciprocal_rank(ranking, ["nope"]) == 0.0
    tokens = {"big": 10, "a": 4, "b": 3, "c": 2}
    # First fit: "big" does not fit and is skipped; later smaller files still go in.
    assert rb.pack_whole(["big", "a", "b", "c", "missing"], tokens, 9) == ["a", "b", "c"]
    assert rb.pack_whole(["a", "a", "b"], tokens, 7) == ["a", "b"]


def test_baselines_on_known_history(history: dict[str, object], tmp_path: Path) -> None:
    root = history["root"]
    before = snapshot(root)
    head = git("rev-parse", "HEAD", cwd=root)
    wt = tmp_path / "wt"
    res = rb.evaluate_repo(root, samples=50, rankers=("cochange", "bm25", "aider"), worktree=wt,
                           log=lambda m: None)
    # The benchmark repository is untouched and the worktree is gone.
    assert snapshot(root) == before
    assert git("rev-parse", "HEAD", cwd=root) == head
    assert git("symbolic-ref", "HEAD", cwd=root) == "refs/heads/main"
    assert not wt.exists()
    assert str(wt) not in git("worktree", "list", cwd=root)

    assert res.samples == 2 and res.skipped == {"no truth file existed at the parent": 1}
    assert not res.sample_errors
    co = {s.sha: s for s in res.results["cochange"]["seeded"].samples}
    assert not res.results["cochange"]["seeded"].errors

    # a.py changed with b.py in 3 commits, with the rest once: b.py comes first.
    m1 = co[history["s1"]].metrics
    assert m1 == {"r@5": 1.0, "r@10": 1.0, "r@20": 1.0, "mrr": 1.0, "r16k": 1.0, "r64k": 1.0}

    # c.py changed once, with 8 files: ties in path order a b d m1 m2 m3 m4 notes.md.
    s2 = co[history["s2"]]
    assert s2.ranks == {"d.py": 3, "notes.md": 8}
    assert s2.metrics["r@5"] == 0.5 and s2.metrics["r@10"] == 1.0
    assert s2.metrics["mrr"] == pytest.approx(1 / 3)
    # d.py (~20k tokens) is over 16k but inside 64k.
    assert s2.metrics["r16k"] == 0.5 and s2.metrics["r64k"] == 1.0

    # Task only: BM25 finds d.py (it defines frobnicate_widget) and nothing else.
    bm = {s.sha: s for s in res.results["bm25"]["task"].samples}[history["s2"]]
    assert bm.truth == ["c.py", "d.py", "notes.md"]
    assert bm.ranks == {"c.py": None, "d.py": 1, "notes.md": None}
    assert bm.metrics["mrr"] == 1.0 and bm.metrics["r@5"] == pytest.approx(1 / 3)
    # Co-change in task mode starts from the BM25 top hit, d.py, then its co-changes.
    ct = {s.sha: s for s in res.results["cochange"]["task"].samples}[history["s2"]]
    assert ct.ranks == {"d.py": 1, "c.py": 4, "notes.md": 9}
    assert ct.metrics["r@5"] == pytest.approx(2 / 3) and ct.metrics["r@10"] == 1.0

    # aider's map ranks every indexed file but the seed: each truth file has a rank.
    for mode in rb.MODES:
        ar = res.results["aider"][mode]
        assert not ar.errors and len(ar.samples) == 2
        assert all(r is not None for s in ar.samples for r in s.ranks.values())

    summary = res.summary()["results"]["cochange"]["seeded"]
    assert summary["n"] == 2 and summary["errors"] == 0
    assert summary["mrr"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-4)


def test_a_worktree_in_use_by_another_run_is_left_alone(
        history: dict[str, object], tmp_path: Path) -> None:
    root = history["root"]
    wt = tmp_path / "busy"
    git("worktree", "add", "--detach", str(wt), "HEAD", cwd=root)
    (wt / ".ctxsteward").mkdir()
    (wt / rb.OWNER_FILE).write_text(f"{os.getppid()}\n")  # a live process that is not us
    try:
        res = rb.evaluate_repo(root, samples=2, rankers=("cochange",), worktree=wt,
                               log=lambda m: None)
        assert res.samples == 1 and not res.sample_errors
        assert (wt / rb.OWNER_FILE).read_text() == f"{os.getppid()}\n"
        listed = git("worktree", "list", cwd=root)
        assert str(wt) in listed and f"busy-{os.getpid()}" not in listed
    finally:
        git("worktree", "remove", "--force", str(wt), cwd=root)


def test_cli_writes_json(history: dict[str, object], tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    code = rb.main(["--repos", str(history["root"]), "--samples", "3", "--rankers",
                    "cochange,bm25", "--worktree-dir", str(tmp_path), "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "macro-average over 1 repositories" in text and "cochange  seeded" in text
    data = json.loads(out.read_text())
    assert data["repos"][0]["samples"] == 2
    assert data["macro"]["cochange"]["seeded"]["r@5"] == pytest.approx(0.75)
    assert not (tmp_path / "relbench-benchrepo").exists()


def test_pagerank_is_networkx_power_iteration() -> None:
    # 0 -> 1 (twice: parallel edges add up), 0 -> 2, 1 -> 0, 2 -> 2, 3 dangling (only a target).
    src = np.array([0, 0, 0, 1, 2, 1])
    dst = np.array([1, 1, 2, 0, 2, 3])
    w = np.array([1.0, 2.0, 1.0, 4.0, 0.5, 1.0])
    pers = np.array([1.0, 0.0, 0.0, 3.0])
    x = rb.pagerank(4, src, dst, w, pers, tol=1e-13, max_iter=1000)
    # The fixed point solved directly: x = a (x A + (x . d) p) + (1 - a) p, sum(x) = 1.
    a, n = 0.85, 4
    dense = np.zeros((n, n))
    np.add.at(dense, (src, dst), w)
    dense /= np.where(dense.sum(1) > 0, dense.sum(1), 1)[:, None]
    p = pers / pers.sum()
    d = (dense.sum(1) == 0).astype(float)
    want = np.linalg.solve((np.eye(n) - a * dense - a * np.outer(d, p)).T, (1 - a) * p)
    assert np.allclose(x, want, atol=1e-9) and x.sum() == pytest.approx(1.0)
    with pytest.raises(ZeroDivisionError):
        rb.pagerank(4, src, dst, w, np.zeros(4))


AIDER_FILES = {
    "app/seed.py": "from helpers import parse_header_block\nfrom misc import run\n\n\n"
                   "def main():\n    parse_header_block()\n    run()\n    run()\n    run()\n",
    "helpers.py": "def parse_header_block():\n    return 1\n",
    "misc.py": "def run():\n    return 2\n",
    "other.py": "from misc import run\n\n\ndef loop():\n    run()\n    run()\n",
    "lib/widgets.py": "class Widget:\n    pass\n",
    "pkg/__init__.py": "", "tools/__init__.py": "", "README.md": "A small repository.\n",
}


@pytest.fixture(scope="module")
def aider_map(tmp_path_factory: pytest.TempPathFactory):
    root = make_repo(tmp_path_factory.mktemp("aider") / "repo", AIDER_FILES)
    build(root, Settings())
    with Index(root, Settings()) as index:
        yield rb.AiderMap(index)


def test_aider_map_follows_the_seeds_references(aider_map) -> None:
    seed = ["app/seed.py"]
    everything = set(AIDER_FILES) - set(seed)
    ranking = aider_map.rank("Tidy up", seed)
    assert set(ranking) == everything and len(ranking) == len(everything)
    # The seed references parse_header_block (long snake case, x10) and run (x1), both x50 as a
    # chat file's references: the definer of the long identifier comes first.
    assert ranking[:2] == ["helpers.py", "misc.py"]
    # Then the other definers, then the files outside the graph (no definitions or references).
    assert set(ranking[2:4]) == {"other.py", "lib/widgets.py"}
    assert ranking[4:] == ["README.md", "pkg/__init__.py", "tools/__init__.py"]
    # A task mentioning `run` multiplies its edges by 10: misc.py overtakes helpers.py.
    assert aider_map.rank("Make `run` faster", seed)[:2] == ["misc.py", "helpers.py"]


def test_aider_map_personalizes_mentioned_files(aider_map) -> None:
    seed = ["app/seed.py"]
    # Named by its unique basename: personalized, its self-edge (Widget is never referenced)
    # keeps the rank, and it comes first.
    assert aider_map.rank("Adjust the spacing in widgets.py.", seed)[0] == "lib/widgets.py"
    # Task mode: a path component equal to a word of the task personalizes the file.
    assert aider_map.rank("Fix the lib code")[0] == "lib/widgets.py"
    files = list(AIDER_FILES)
    assert rb.aider_file_mentions("see `lib/widgets.py`, helpers.py! and __init__.py or seed.py",
                                  files, {"app/seed.py"}) == {"lib/widgets.py", "helpers.py"}
    assert rb.aider_ident_filename_matches(rb.aider_ident_mentions("the Helpers, misc"),
                                           files) == {"helpers.py"}
