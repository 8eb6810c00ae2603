"""The relevance benchmark (bench/relevance.py) on a small real git history with known answers."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gitutil import commit, git, make_repo, snapshot

from analyzers.config import Settings
from analyzers.indexing.index import Index, build

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
    res = rb.evaluate_repo(root, samples=50, issue_samples=0,
                           rankers=("cochange", "bm25", "aider"), worktree=wt, log=lambda m: None)
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
    assert m1 == {"r@5": 1.0, "r@10": 1.0, "r@20": 1.0, "mrr": 1.0, "acc@1": 1.0, "acc@5": 1.0,
                  "r16k": 1.0, "r64k": 1.0}

    # c.py changed once, with 8 files: ties in path order a b d m1 m2 m3 m4 notes.md.
    s2 = co[history["s2"]]
    assert s2.ranks == {"d.py": 3, "notes.md": 8}
    assert s2.metrics["r@5"] == 0.5 and s2.metrics["r@10"] == 1.0
    assert s2.metrics["mrr"] == pytest.approx(1 / 3)
    # Acc@k: every truth file in the top k (d.py is 3rd, notes.md 8th).
    assert s2.metrics["acc@1"] == 0.0 and s2.metrics["acc@5"] == 0.0
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
    for mode in ("seeded", "task"):
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


# -- issue-style protocol -----------------------------------------------------------------------

def test_source_files_are_neither_tests_nor_docs() -> None:
    for path in ("src/click/core.py", "gin.go", "lib/sinatra/base.rb", "src/jv.c", "src/main.rs",
                 "packages/svelte/src/index.js", "gson/src/main/java/com/google/gson/Gson.java",
                 "pyproject.toml", "package.json", "examples/basic/main.go"):
        assert rb.is_source(path), path
    for path in ("tests/test_core.py", "gin_test.go", "spec/base_spec.rb", "tests/cli.rs",
                 "src/index.test.ts", "src/__tests__/x.js", "conftest.py",
                 "gson/src/test/java/com/google/gson/GsonTest.java", "testdata/out.txt",
                 "README.md", "CHANGES.rst", "docs/conf.py", "docs_src/tutorial/app.py",
                 "LICENSE", ".github/workflows/ci.yml", ".gitignore", "Cargo.lock",
                 "poetry.lock", "logo.png"):
        assert not rb.is_source(path), path
    assert rb.subject_tier("Fix crash when the list is empty") == 0
    assert rb.subject_tier("fix(router): wrong param") == 0
    assert rb.subject_tier("Handle empty input (#123)") == 1
    assert rb.subject_tier("Add a prefix option") == 2  # "prefix" is not "fix"


@pytest.fixture(scope="module")
def issue_history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("issue") / "issuerepo"
    make_repo(root, {"core.py": "def parse_options():\n    return 1\n",
                     "util.py": _py("helper"), "other.py": _py("other"), "four.py": _py("four"),
                     "tests/test_core.py": "def test_parse():\n    pass\n",
                     "docs/guide.md": "Guide.\n", "README.md": "Readme.\n", "data.bin": b"\0" * 64})
    # Tier 0, truth core.py alone: the test, the doc and the new file are not truth.
    fix = commit(root, "Fix crash in parse_options on empty input\n\nLong body, never shown.", {
        "core.py": "def parse_options():\n    return 2\n",
        "tests/test_core.py": "def test_parse():\n    assert True\n",
        "docs/guide.md": "Guide, fixed.\n", "new.py": _py("new")})
    # Four source files: not an issue-style sample.
    commit(root, "Fix wrong helpers everywhere", {
        "core.py": "def parse_options():\n    return 3\n", "util.py": _py("helper", 4),
        "other.py": _py("other", 4), "four.py": _py("four", 4)})
    # No source file (documentation only): not a sample.
    commit(root, "Fix typo in the guide", {"docs/guide.md": "Guide, again.\n"})
    # Tier 1 (a pull-request number only), two source files.
    pr = commit(root, "Tidy helper and other (#42)", {"util.py": _py("helper", 6),
                                                       "other.py": _py("other", 6)})
    # Tier 2, the most recent.
    tidy = commit(root, "Tidy util", {"util.py": _py("helper", 8), "README.md": "Readme 2.\n"})
    # The binary's blob goes missing from the object store: git log --numstat dies there.
    gone = commit(root, "Drop the data file and fix other", {"data.bin": None,
                                                             "other.py": _py("other", 9)})
    return {"root": root, "fix": fix, "pr": pr, "tidy": tidy, "gone": gone}


def test_issue_samples_prefer_bug_fix_subjects(issue_history: dict[str, object]) -> None:
    root = issue_history["root"]
    sel = rb.find_issue_samples(root, 50)
    shas = [s.sha for s in sel.samples]  # newest first
    assert shas == [issue_history[k] for k in ("gone", "tidy", "pr", "fix")]
    by = {s.sha: s for s in sel.samples}
    fix = by[issue_history["fix"]]
    assert fix.truth("issue") == ["core.py"] and fix.tier == 0
    assert fix.task_text("issue") == "Fix crash in parse_options on empty input"
    assert fix.task_text("task").endswith("never shown.")
    assert by[issue_history["pr"]].truth("issue") == ["other.py", "util.py"]
    assert by[issue_history["pr"]].tier == 1 and by[issue_history["tidy"]].tier == 2
    assert sel.by_tier == {"fix_words": 2, "pr_ref_only": 1, "other": 1}
    # Two wanted: the fix-word subjects win over the more recent others.
    two = rb.find_issue_samples(root, 2)
    assert [s.sha for s in two.samples] == [issue_history["gone"], issue_history["fix"]]
    assert two.by_tier == {"fix_words": 2, "pr_ref_only": 0, "other": 0}
    # Only the most recent `scan` commits are looked at.
    assert [s.sha for s in rb.find_issue_samples(root, 50, scan=2).samples] == [
        issue_history["gone"], issue_history["tidy"]]


def test_a_missing_blob_does_not_end_the_log(issue_history: dict[str, object],
                                             tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git("clone", "-q", "--no-local", str(issue_history["root"]), str(clone), cwd=tmp_path)
    git("repack", "-a", "-d", "-q", cwd=clone)
    blob = git("rev-parse", f"{issue_history['gone']}^:data.bin", cwd=clone)
    # Unpack everything but the binary's blob, then drop the pack: that blob alone is missing.
    packs = list((clone / ".git/objects/pack").glob("*.pack"))
    for pack in packs:
        shutil.move(pack, tmp_path / pack.name)
        pack.with_suffix(".idx").unlink()
    for pack in packs:
        with open(tmp_path / pack.name, "rb") as f:
            subprocess.run(["git", "unpack-objects", "-q"], stdin=f, cwd=clone, check=True)
    loose = clone / ".git/objects" / blob[:2] / blob[2:]
    loose.unlink()
    plain = subprocess.run(["git", "log", "--numstat", "--format=%H"], cwd=clone,
                           capture_output=True, text=True, check=False)
    assert plain.returncode != 0 and "unable to read" in plain.stderr
    commits = list(rb.iter_commits(clone))
    assert [c.sha for c in commits][:2] == [issue_history["gone"], issue_history["tidy"]]
    assert len(commits) == len(git("rev-list", "HEAD", cwd=clone).split()) - 1  # no root
    gone = commits[0]
    assert gone.changed == {"data.bin": 0, "other.py": 3}


def test_issue_mode_scores_acc_at_k(issue_history: dict[str, object], tmp_path: Path) -> None:
    root = issue_history["root"]
    res = rb.evaluate_repo(root, samples=0, issue_samples=50, rankers=("bm25", "cochange"),
                           worktree=tmp_path / "wt", log=lambda m: None, signal_rows=True)
    assert res.samples == 0 and res.issue_samples == 4 and res.commits == 4
    assert res.issue_selection["fix_words"] == 2
    bm = {s.sha: s for s in res.results["bm25"]["issue"].samples}
    fix = bm[issue_history["fix"]]
    # The subject names parse_options, defined in core.py only: first, so Acc@1 = 1.
    assert fix.task == "Fix crash in parse_options on empty input"
    assert fix.truth == ["core.py"] and fix.ranks == {"core.py": 1}
    assert fix.metrics["acc@1"] == 1.0 and fix.metrics["acc@5"] == 1.0
    assert fix.metrics["mrr"] == 1.0
    assert not res.results["bm25"]["seeded"].samples
    summary = res.summary()
    assert summary["results"]["bm25"]["issue"]["n"] == 4
    # Signal rows: one per (sample, mode), the baselines' metrics on the same sample attached.
    assert len(res.rows) == 4 and {r["mode"] for r in res.rows} == {"issue"}
    row = next(r for r in res.rows if r["sha"] == issue_history["fix"])
    assert row["truth"] == ["core.py"] and row["base"]["bm25"]["acc@1"] == 1.0
    assert set(row["base"]) == {"bm25", "cochange"}
    assert all(isinstance(sig, dict) for _, sig in row["cands"])


def test_acc_at_k() -> None:
    ranking = ["a", "b", "c", "d", "e", "f"]
    assert rb.all_in_top(ranking, ["a"], 1) == 1.0
    assert rb.all_in_top(ranking, ["a", "b"], 1) == 0.0
    assert rb.all_in_top(ranking, ["a", "e"], 5) == 1.0
    assert rb.all_in_top(ranking, ["a", "f"], 5) == 0.0
    assert rb.all_in_top(ranking, ["a", "zz"], 5) == 0.0
    assert rb.all_in_top(ranking, [], 5) == 0.0


def test_time_cap_counts_what_was_not_run(history: dict[str, object], tmp_path: Path) -> None:
    res = rb.evaluate_repo(history["root"], samples=50, issue_samples=0, rankers=("cochange",),
                           worktree=tmp_path / "wt", log=lambda m: None, time_cap=0.0)
    assert res.commits == 0 and res.not_run == {"seeded": 2}
    assert not (tmp_path / "wt").exists()


def test_thinning_keeps_both_kinds_evenly() -> None:
    def mk(i: int, modes: tuple[str, ...]) -> object:
        return rb.Sample(sha=str(i), parent="p", time=i, changed={}, added=set(), modes=modes)

    left = [mk(i, ("issue",)) for i in range(6)] + [mk(i, ("seeded", "task")) for i in range(6, 10)]
    kept = rb.thin(left, 5)
    assert [x.sha for x in kept] == ["0", "2", "4", "6", "8"]  # 3 of 6 issue, 2 of 4 seeded
    assert [x.sha for x in rb.thin(left[:6] + left[9:], 2)] == ["0", "9"]  # one of each at least
    assert rb.thin(left, 0) == [] and rb.thin(left, 99) == left


# -- weight fitting: offline scoring and leave-one-repository-out --------------------------------

def _load_tune():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_tune", BENCH.parent / "tune_weights.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


tw = _load_tune()


def _rows(seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for repo in ("r1", "r2", "r3"):
        for mode in ("seeded", "task", "issue"):
            for j in range(4):
                cands = [(f"f{i}", {k: float(x) for k, x in zip(
                    ("lexical", "cochange", "uses"), rng.integers(0, 3, 3), strict=True) if x})
                    for i in range(12)]
                truth = [f"f{i}" for i in rng.choice(14, size=1 + j % 3, replace=False)]
                rows.append({"repo": repo, "mode": mode, "truth": truth, "cands": cands,
                             "base": {"cochange": {"r@10": 0.5, "mrr": 0.5, "acc@1": 0.0,
                                                   "acc@5": 1.0},
                                      "bm25": {"r@10": 0.2, "mrr": 0.9, "acc@1": 1.0,
                                               "acc@5": 1.0}}})
    return rows


def test_offline_scores_match_a_plain_sort() -> None:
    rows = _rows()
    weights = {"lexical": 1.5, "cochange": 1.0, "uses": 0.25}
    got = tw.Dataset(rows, list(weights)).per_group(weights)
    for (repo, mode), m in got.items():
        mine = [r for r in rows if r["repo"] == repo and r["mode"] == mode]
        want: dict[str, list[float]] = {"r@10": [], "mrr": [], "acc@1": [], "acc@5": []}
        for r in mine:  # the reference: a stable sort of the candidates by weighted sum
            order = [p for p, _ in sorted(r["cands"], key=lambda c: -sum(
                weights.get(k, 0.0) * v for k, v in c[1].items()))]
            want["r@10"].append(rb.recall_at(order, r["truth"], 10))
            want["mrr"].append(rb.reciprocal_rank(order, r["truth"]))
            want["acc@1"].append(rb.all_in_top(order, r["truth"], 1))
            want["acc@5"].append(rb.all_in_top(order, r["truth"], 5))
        for k, v in want.items():
            assert m[k] == pytest.approx(sum(v) / len(v)), (repo, mode, k)
        assert m["n"] == len(mine)


def test_loro_never_fits_on_the_held_out_repository() -> None:
    rows = _rows(1)
    seen: dict[str, set[str]] = {}

    start = {"lexical": 1.0, "cochange": 1.0, "uses": 1.0}
    current = (start, dict(start))  # with a seed, and for a task alone

    def fit(train: list[dict]) -> tuple[dict[str, float], dict[str, float]]:
        repos = {r["repo"] for r in train}
        held = ({"r1", "r2", "r3"} - repos).pop()
        seen[held] = repos
        return tw.fit_pair(train, current, rounds=1)

    folds = tw.loro(rows, fit)
    assert set(folds) == {"r1", "r2", "r3"}
    assert seen == {"r1": {"r2", "r3"}, "r2": {"r1", "r3"}, "r3": {"r1", "r2"}}
    # The held-out figures are those of the fold's weights on the held-out rows alone: the
    # seeded set for seeded rows, the task set for the others.
    fit_all = tw.fit_pair(rows, current, rounds=1)
    rep = tw.loro_report(rows, current, fit_all, folds)
    for repo, pair in folds.items():
        for mode, w in (("seeded", pair[0]), ("issue", pair[1])):
            mine = [r for r in rows if r["repo"] == repo and r["mode"] == mode]
            alone = tw.Dataset(mine, list(w)).per_group(w)
            assert rep["per_repo"][repo][mode]["loro"]["mrr"] == pytest.approx(
                alone[(repo, mode)]["mrr"], abs=1e-4)
    assert rep["per_repo"]["r1"]["issue"]["bm25"]["mrr"] == 0.9
    assert set(rep["macro"]) == {"current", "in_sample", "loro", "cochange", "bm25"}
    # bm25's MRR (0.9 everywhere) is above ours here and there: flagged.
    assert any(f["baseline"] == "bm25" and f["ours"] == "loro" for f in rep["flags"])
    # The table README quotes: a row per repository, LORO first, then the macro row.
    table = tw.markdown_table(rep).splitlines()
    assert [line.split(" | ")[0] for line in table[2:]] == ["| r1", "| r2", "| r3", "| **macro**"]
    loro_mrr = rep["per_repo"]["r1"]["issue"]["loro"]["mrr"]
    assert table[2].split(" | ")[6].startswith(f"{loro_mrr:.2f}".lstrip("0") + " / ")


def test_rows_cache_is_reused(issue_history: dict[str, object], tmp_path: Path) -> None:
    root = Path(issue_history["root"])
    params = {"samples": 0, "issue_samples": 2, "issue_scan": 100}
    logs: list[str] = []
    rows = tw.load_rows([root], tmp_path / "rows", params, log=logs.append)
    assert (tmp_path / "rows" / "issuerepo.json").exists() and len(rows) == 2
    again = tw.load_rows([root], tmp_path / "rows", params, log=logs.append)
    assert again == json.loads(json.dumps(rows)) and "rows from" in logs[-1]
