"""The SQLite cache under .ctxsteward/: warm runs, one-file edits, corruption, git cleanliness."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from gitutil import commit, git, make_folder, make_repo, snapshot

from analyzers.indexing.index import Index, build

FILES = {f"src/mod{i}.py": f"def func{i}(a):\n    return a + {i}\n" for i in range(12)}
FILES["README.md"] = "# Project\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", FILES)


def db(root: Path) -> Path:
    return root / ".ctxsteward" / "index.sqlite"


def test_warm_run_reparses_nothing(repo: Path) -> None:
    cold = build(repo)
    assert cold.files_parsed == len(FILES)
    calls: list[str] = []
    warm = build(repo, progress=lambda done, total, msg: calls.append(msg))
    assert warm.files_parsed == 0 and warm.files_removed == 0
    assert calls == []  # not one file was read
    assert (warm.files, warm.definitions, warm.tokens) == (cold.files, cold.definitions,
                                                           cold.tokens)
    assert warm.history is not None and warm.history.commits_read == 0


def test_editing_one_file_reparses_only_that_one(repo: Path) -> None:
    build(repo)
    (repo / "src/mod3.py").write_text("def renamed(a):\n    return a\n\n\ndef extra():\n    pass\n")
    report = build(repo)
    assert report.files_parsed == 1
    with Index(repo) as index:
        assert [d.name for d in index.definitions("src/mod3.py")] == ["renamed", "extra"]
        assert [d.name for d in index.definitions("src/mod4.py")] == ["func4"]
        assert index.definitions_named("func3") == []


def test_touched_but_unchanged_file_is_not_reparsed(repo: Path) -> None:
    build(repo)
    path = repo / "src/mod1.py"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    calls: list[str] = []
    report = build(repo, progress=lambda done, total, msg: calls.append(msg))
    assert report.files_parsed == 0  # read and hashed, but the content hash matched
    assert calls == ["src/mod1.py"]
    assert build(repo, progress=lambda *a: calls.append("again")).files_parsed == 0
    assert calls == ["src/mod1.py"]  # the new mtime was recorded


def test_deleted_and_added_files(repo: Path) -> None:
    build(repo)
    (repo / "src/mod0.py").unlink()
    (repo / "src/new.py").write_text("class New:\n    pass\n")
    report = build(repo)
    assert (report.files_parsed, report.files_removed, report.files) == (1, 1, len(FILES))
    with Index(repo) as index:
        assert "src/mod0.py" not in index.files() and "src/new.py" in index.files()
        assert index.definitions("src/mod0.py") == []


def test_state_folder_ignores_itself_and_git_stays_clean(repo: Path) -> None:
    assert git("status", "--porcelain", cwd=repo) == ""
    build(repo)
    state = repo / ".ctxsteward"
    assert (state / ".gitignore").read_text() == "*\n"
    assert db(repo).is_file()
    assert git("status", "--porcelain", "--ignored=no", cwd=repo) == ""
    assert git("status", "--porcelain", "--untracked-files=all", cwd=repo) == ""
    commit(repo, "more", {"src/extra.py": "x = 1\n"})
    build(repo)
    assert git("status", "--porcelain", "--untracked-files=all", cwd=repo) == ""


def test_only_the_state_folder_is_written(repo: Path, tmp_path: Path) -> None:
    before = snapshot(repo)
    parent_before = sorted(os.listdir(tmp_path))
    build(repo)
    build(repo)
    with Index(repo) as index:
        index.files()
    assert snapshot(repo) == before
    assert sorted(os.listdir(tmp_path)) == parent_before
    # (the state folder holds the index, and the lock a build holds while it writes)
    assert set(os.listdir(repo / ".ctxsteward")) >= {".gitignore", "index.sqlite"}


def test_state_folder_is_not_indexed_outside_git(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "plain", {"a.py": "x = 1\n"})
    build(root)
    report = build(root)
    assert report.files == 1 and report.files_parsed == 0
    assert report.skipped == []


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "header_only", "zeroed_pages"],
)
def test_corrupt_cache_is_detected_and_rebuilt(repo: Path, damage: str) -> None:
    first = build(repo)
    path = db(repo)
    data = path.read_bytes()
    assert data.startswith(b"SQLite format 3\x00") and len(data) > 8192
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    if damage == "garbage":
        path.write_bytes(os.urandom(5000))
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif damage == "header_only":
        path.write_bytes(data[:100])
    else:  # a valid header, every page after the first overwritten
        path.write_bytes(data[:4096] + b"\xff" * (len(data) - 4096))
    report = build(repo)
    assert any("corrupt" in w and "rebuilding" in w and str(path) in w
               for w in report.warnings), report.warnings
    assert report.files_parsed == len(FILES)
    assert (report.files, report.definitions, report.tokens) == (first.files, first.definitions,
                                                                 first.tokens)
    assert report.history is not None and report.history.commits_total == 1
    # The rebuilt cache is sound, and the next run is warm with no warning.
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = build(repo)
    assert again.files_parsed == 0 and not any("corrupt" in w for w in again.warnings)


def test_cache_deleted_between_runs_is_rebuilt_quietly(repo: Path) -> None:
    build(repo)
    db(repo).unlink()
    report = build(repo)
    assert report.files_parsed == len(FILES) and report.warnings == []


def test_cache_from_another_schema_version_is_replaced(repo: Path) -> None:
    build(repo)
    with sqlite3.connect(db(repo)) as conn:
        conn.execute("UPDATE meta SET value='-1' WHERE key='schema_version'")
    report = build(repo)
    assert report.files_parsed == len(FILES)
    assert report.files == len(FILES)


def test_damage_found_midway_is_rebuilt_not_a_crash(tmp_path: Path) -> None:
    """A damaged page the opening checks do not touch surfaces during the run: same outcome."""
    files = {f"src/m{i}.py": "".join(f"def f{i}_{j}(a):\n    return a\n" for j in range(30))
             for i in range(8)}
    root = make_repo(tmp_path / "r", files)
    first = build(root)
    path = db(root)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    data = path.read_bytes()
    pages = len(data) // 4096
    outcomes = set()
    for page in range(2, pages):  # every single-page corruption after the schema page
        damaged = data[: page * 4096] + b"\xff" * 4096 + data[(page + 1) * 4096:]
        path.write_bytes(damaged)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        report = build(root)  # must not raise
        rebuilt = any("corrupt" in w for w in report.warnings)
        outcomes.add(rebuilt)
        if rebuilt:
            assert report.files_parsed == first.files
            assert report.definitions == first.definitions
        path.write_bytes(data)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    assert True in outcomes


def test_locked_cache_is_waited_for_never_deleted(repo: Path, tmp_path: Path) -> None:
    from analyzers.indexing.store import is_corruption

    build(repo)
    holder = sqlite3.connect(db(repo), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('probe', 'held')")
    other = sqlite3.connect(db(repo), timeout=0.05)
    with pytest.raises(sqlite3.OperationalError) as busy:
        other.execute("INSERT OR REPLACE INTO meta VALUES ('probe', 'other')")
    assert not is_corruption(busy.value)  # "database is locked" must never discard the cache
    other.close()
    holder.execute("COMMIT")
    holder.close()
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(db(repo).read_bytes()[:3000])
    with pytest.raises(sqlite3.DatabaseError) as corrupt:
        sqlite3.connect(damaged).execute("SELECT count(*) FROM files").fetchone()
    assert is_corruption(corrupt.value)
    damaged.unlink()
    # The held row was committed by the other writer and is still there: nothing was rebuilt.
    report = build(repo)
    assert report.files_parsed == 0 and report.warnings == []
    with sqlite3.connect(db(repo)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='probe'").fetchone() == ("held",)
