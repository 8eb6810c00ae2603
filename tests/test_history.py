"""Git history: commit counts, co-change, large commits, renames, incremental runs, resets."""

from __future__ import annotations

from pathlib import Path

from gitutil import commit, git, make_repo

from analyzers.config import Settings
from analyzers.indexing import history as hist
from analyzers.indexing.index import Index, build

T0 = 1_600_000_000
DAY = 86_400


def counts(root: Path, *paths: str) -> dict[str, int]:
    with Index(root) as index:
        return {p: index.file_history(p)[0] for p in paths}


def together(root: Path, path: str, settings: Settings | None = None) -> dict[str, int]:
    with Index(root, settings) as index:
        return {c.path: c.together for c in index.co_changes(path)}


def test_commit_counts_last_change_and_co_change(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r")
    commit(root, "a b", {"a.py": "1", "b.py": "1"}, when=T0)
    commit(root, "a b", {"a.py": "2", "b.py": "2"}, when=T0 + DAY)
    commit(root, "a c", {"a.py": "3", "c.py": "1"}, when=T0 + 2 * DAY)
    commit(root, "a b", {"a.py": "4", "b.py": "3"}, when=T0 + 3 * DAY)
    commit(root, "c", {"c.py": "2"}, when=T0 + 4 * DAY)
    report = build(root)
    assert report.history is not None
    assert report.history.commits_read == 5 and report.history.commits_total == 5
    assert report.history.branch == "main" and not report.history.incremental
    with Index(root) as index:
        assert index.file_history("a.py") == (4, T0 + 3 * DAY)
        assert index.file_history("c.py") == (2, T0 + 4 * DAY)
        assert index.file_history("nope.py") == (0, None)
        co = index.co_changes("a.py")
        assert [(c.path, c.together, c.seed_commits) for c in co] == [("b.py", 3, 4),
                                                                      ("c.py", 1, 4)]
        assert co[0].last_time == T0 + 3 * DAY
        assert 0 < co[1].weight < co[0].weight
        assert index.head() == git("rev-parse", "HEAD", cwd=root)


def test_large_commits_are_ignored_for_co_change_only(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r")
    commit(root, "pair", {"a.py": "1", "b.py": "1"})
    bulk = {f"gen/f{i:02}.py": "x" for i in range(34)} | {"a.py": "2", "z.py": "1"}
    commit(root, "reformat everything", bulk)  # 36 files > default limit 30
    build(root)
    assert counts(root, "a.py", "z.py") == {"a.py": 2, "z.py": 1}  # still counted as history
    assert together(root, "a.py") == {"b.py": 1}
    assert "z.py" not in together(root, "a.py")
    wider = Settings(large_commit_limit=40)
    assert together(root, "a.py", wider)["z.py"] == 1
    assert len(together(root, "a.py", wider)) == 36


def test_renames_are_followed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r")
    body = "".join(f"line {i} of a reasonably long file\n" for i in range(40))
    commit(root, "add", {"old/name.py": body, "peer.py": "1"})
    commit(root, "edit", {"old/name.py": body + "more\n", "peer.py": "2"})
    (root / "new").mkdir()
    git("mv", "old/name.py", "new/name.py", cwd=root)
    commit(root, "move")
    commit(root, "edit after move", {"new/name.py": body + "more\nand more\n", "peer.py": "3"})
    build(root)
    assert counts(root, "new/name.py", "old/name.py") == {"new/name.py": 4, "old/name.py": 0}
    assert together(root, "new/name.py") == {"peer.py": 3}
    assert together(root, "peer.py") == {"new/name.py": 3}


def test_rename_chain_and_name_reuse(tmp_path: Path) -> None:
    """a -> b -> c keeps every commit under c; a new file later called a starts fresh."""
    root = make_repo(tmp_path / "r")
    body = "".join(f"def f{i}():\n    return {i}\n" for i in range(30))
    commit(root, "add a", {"a.py": body})
    git("mv", "a.py", "b.py", cwd=root)
    commit(root, "a->b")
    git("mv", "b.py", "c.py", cwd=root)
    commit(root, "b->c")
    commit(root, "new a", {"a.py": "something else entirely\n"})
    build(root)
    assert counts(root, "a.py", "b.py", "c.py") == {"a.py": 1, "b.py": 0, "c.py": 3}


def test_incremental_reads_only_new_commits(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "1", "b.py": "1"}, commits=[
        {"a.py": "2"}, {"a.py": "3", "b.py": "2"},
    ])
    first = build(root).history
    assert first is not None and first.commits_read == 3 and not first.incremental
    same = build(root).history
    assert same is not None and same.commits_read == 0 and same.commits_total == 3
    assert same.incremental
    body = "".join(f"row {i} with enough text to detect a rename\n" for i in range(30))
    commit(root, "add c", {"c.py": body, "a.py": "4"})
    git("mv", "a.py", "moved.py", cwd=root)
    commit(root, "move a")
    nxt = build(root).history
    assert nxt is not None
    assert (nxt.commits_read, nxt.commits_total, nxt.incremental) == (2, 5, True)
    # The rename seen in the new commits re-labels history stored by the earlier run.
    assert counts(root, "moved.py", "a.py", "b.py") == {"moved.py": 5, "a.py": 0, "b.py": 2}
    assert together(root, "moved.py") == {"b.py": 2, "c.py": 1}


def test_reset_to_an_older_commit_rebuilds_history(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "1"}, commits=[
        ("two", {"a.py": "2", "b.py": "1"}), ("three", {"a.py": "3", "b.py": "2"}),
    ])
    build(root)
    assert counts(root, "a.py", "b.py") == {"a.py": 3, "b.py": 2}
    git("reset", "-q", "--hard", "HEAD~2", cwd=root)
    commit(root, "other line", {"c.py": "1", "a.py": "x"})
    report = build(root)
    assert report.history is not None
    assert not report.history.incremental  # the old head is not an ancestor: read everything
    assert (report.history.commits_read, report.history.commits_total) == (2, 2)
    assert counts(root, "a.py", "b.py", "c.py") == {"a.py": 2, "b.py": 0, "c.py": 1}
    assert together(root, "a.py") == {"c.py": 1}


def test_checkout_of_another_branch_and_back(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"base.py": "1"})
    git("checkout", "-q", "-b", "feature", cwd=root)
    commit(root, "feature work", {"feat.py": "1", "base.py": "2"})
    commit(root, "more feature", {"feat.py": "2"})
    git("checkout", "-q", "main", cwd=root)
    commit(root, "main work", {"main.py": "1"})
    build(root)
    assert counts(root, "feat.py", "main.py", "base.py") == {"feat.py": 0, "main.py": 1,
                                                             "base.py": 1}
    git("checkout", "-q", "feature", cwd=root)
    report = build(root)
    assert report.history is not None and report.history.branch == "feature"
    assert report.history.commits_total == 3
    assert counts(root, "feat.py", "main.py", "base.py") == {"feat.py": 2, "main.py": 0,
                                                             "base.py": 2}
    # Back on main after a fast-forward merge of feature: incremental again.
    git("checkout", "-q", "main", cwd=root)
    build(root)
    git("merge", "-q", "--no-edit", "feature", cwd=root)
    report = build(root)
    assert report.history is not None
    # main + feature, without the merge commit itself
    assert report.history.commits_total == 4
    assert report.history.incremental and report.history.commits_read == 2
    assert counts(root, "feat.py", "main.py", "base.py") == {"feat.py": 2, "main.py": 1,
                                                             "base.py": 2}


def test_stream_log_parses_names_subjects_and_statuses(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r")
    commit(root, "add: ümlaut & spaces", {"dir one/file ü.py": "x\n", "gone.txt": "y\n"})
    commit(root, "empty commit")
    commit(root, "delete and modify", {"gone.txt": None, "dir one/file ü.py": "z\n"})
    repo = hist.open_repo(root)
    commits = list(hist.stream_log(repo, "HEAD"))
    assert [c.subject for c in commits] == ["delete and modify", "empty commit",
                                            "add: ümlaut & spaces"]
    assert sorted((ch.status, ch.path) for ch in commits[0].changes) == [
        ("D", "gone.txt"), ("M", "dir one/file ü.py"),
    ]
    assert commits[1].changes == []
    assert sorted((ch.status, ch.path) for ch in commits[2].changes) == [
        ("A", "dir one/file ü.py"), ("A", "gone.txt"),
    ]
    assert all(len(c.sha) == 40 for c in commits)
    assert commits[0].time > commits[2].time


def test_stream_log_reports_a_bad_range(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a": "1"})
    repo = hist.open_repo(root)
    try:
        list(hist.stream_log(repo, "no-such-revision"))
    except hist.HistoryError as e:
        assert "no-such-revision" in str(e)
    else:
        raise AssertionError("a bad revision must raise HistoryError")
