"""Bad input from issue 3: none crashes, each gives a clear message, nothing outside .ctxsteward/
is written. Each case runs the real index on a real repository (or folder) built here."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from gitutil import commit, git, make_folder, make_repo, run_cli, snapshot

from analyzers.config import Settings
from analyzers.indexing.filefacts import read_file
from analyzers.indexing.index import Index, build
from analyzers.results import IndexReport

OK_PY = "def ok():\n    return 1\n"


def skipped(report: IndexReport) -> dict[str, tuple[str, str]]:
    return {s.path: (s.reason, s.detail) for s in report.skipped}


def build_clean(root: Path, **kw: object) -> IndexReport:
    """build() twice (cold, then warm), asserting nothing outside .ctxsteward/ changed."""
    before = snapshot(root)
    report = build(root, **kw)
    again = build(root, **kw)
    assert again.files == report.files and again.files_parsed == 0
    assert snapshot(root) == before
    return report


def test_non_git_folder(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "plain", {"a.py": OK_PY})
    report = build_clean(root)
    assert not report.in_git and report.history is None and report.files == 1
    assert any("is not a git repository: no history, co-change or renames" in w
               for w in report.warnings)


def test_empty_repository(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "empty")  # git init, no commits
    report = build_clean(root)
    assert report.in_git and report.files == 0
    assert report.history is not None
    assert (report.history.head, report.history.commits_total) == (None, 0)
    assert "the repository has no commits yet: no history to read" in report.warnings
    # Untracked files of an empty repository are still indexed, and a first commit is read.
    (root / "a.py").write_text(OK_PY)
    assert build(root).files == 1
    commit(root, "first")
    report = build(root)
    assert report.history is not None and report.history.commits_total == 1


def test_shallow_clone(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin", {"a.py": OK_PY}, commits=[
        {"a.py": OK_PY + "# two\n"}, {"b.py": OK_PY}, {"a.py": OK_PY + "# four\n"},
    ])
    clone = tmp_path / "clone"
    git("clone", "-q", "--depth", "1", f"file://{origin}", str(clone), cwd=tmp_path)
    assert (clone / ".git" / "shallow").exists()
    report = build_clean(clone)
    assert report.history is not None and report.history.shallow
    assert report.history.commits_total == 1
    assert any(w.startswith("shallow clone: history is truncated") for w in report.warnings)
    with Index(clone) as index:
        assert index.file_history("a.py")[0] == 1
    # Deepened but still shallow: the boundary moved, so the longer history is read.
    git("fetch", "-q", "--deepen", "1", cwd=clone)
    report = build(clone)
    assert report.history is not None and report.history.shallow
    assert report.history.commits_total == 2
    # Deepened fully, the same HEAD has a longer history: it is read again, in full.
    git("fetch", "-q", "--unshallow", cwd=clone)
    report = build(clone)
    assert report.history is not None and not report.history.shallow
    assert (report.history.commits_read, report.history.commits_total) == (4, 4)
    assert not any(w.startswith("shallow clone") for w in report.warnings)
    with Index(clone) as index:
        assert index.file_history("a.py")[0] == 3


def test_detached_head(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": OK_PY}, commits=[{"b.py": OK_PY}, {"c.py": OK_PY}])
    first = git("rev-parse", "HEAD~1", cwd=root)
    git("checkout", "-q", "--detach", "HEAD~1", cwd=root)
    report = build_clean(root)
    assert report.history is not None
    assert report.history.branch is None and report.history.head == first
    # Normal in CI and a bisect, and nothing read changes: no warning (a new user saw one on
    # every command); the report still says it (no branch).
    assert not any("detached" in w for w in report.warnings), report.warnings
    assert report.history.commits_total == 2 and report.files == 2
    for args in (("index",), ("bundle", "--task", "check a", "--budget", "0"),
                 ("budget", "a.py")):
        proc = run_cli(*args, cwd=root)
        assert proc.returncode == 0, proc.stderr
        assert "detached HEAD" not in proc.stderr + proc.stdout, (args, proc.stderr)
    git("checkout", "-q", "main", cwd=root)
    report = build(root)
    assert report.history is not None and report.history.branch == "main"
    assert report.history.incremental and report.history.commits_read == 1


def test_file_vanished_before_reading() -> None:
    rec = read_file("/nonexistent-root-for-tests", "gone.py", "cl100k_base", 1 << 20)
    assert (rec.skip_reason, rec.skip_detail) == ("vanished", "deleted while indexing")


def test_file_deleted_and_rewritten_while_indexing(tmp_path: Path) -> None:
    names = [f"f{i:03}.py" for i in range(150)]
    root = make_repo(tmp_path / "r", {n: f"def f{i}():\n    return {i}\n"
                                      for i, n in enumerate(names)})
    acted: list[str] = []

    def meddle(done: int, total: int, message: str) -> None:
        # Progress comes after each batch (files are read in path order): change files on both
        # sides of the reading front, once.
        if not acted and done < total:
            gone, rewritten = names[done + 3], names[done + 4]
            (root / gone).unlink()  # not read yet: vanishes
            (root / rewritten).write_text("def rewritten():\n    pass\n")  # not read yet
            (root / names[1]).write_text("def changed_after_read():\n    pass\n")  # read
            acted.extend([gone, rewritten])

    report = build(root, Settings(workers=1), progress=meddle)
    assert len(acted) == 2, "progress must be reported before the last file is read"
    gone, rewritten = acted
    assert skipped(report) == {gone: ("vanished", "deleted while indexing")}
    with Index(root) as index:
        assert [d.name for d in index.definitions(rewritten)] == ["rewritten"]
        assert [d.name for d in index.definitions(names[1])] == ["f1"]  # as it was when read
    # The next run settles everything: the deletion and the late rewrite.
    report = build(root)
    assert report.skipped == [] and report.files == len(names) - 1
    assert report.files_parsed == 1
    with Index(root) as index:
        assert [d.name for d in index.definitions(names[1])] == ["changed_after_read"]


def test_file_replaced_by_a_symlink_or_pipe_before_reading(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "plain", {"a.py": OK_PY})
    outside = tmp_path / "secret.py"
    outside.write_text("SECRET = 1\n")
    os.symlink(outside, root / "link.py")
    os.mkfifo(root / "pipe.py")
    rec = read_file(str(root), "link.py", "cl100k_base", 1 << 20)
    assert rec.skip_reason == "symlink" and rec.definitions == []
    rec = read_file(str(root), "pipe.py", "cl100k_base", 1 << 20)  # must not block
    assert rec.skip_reason == "not_a_file"
    report = build_clean(root)
    assert skipped(report)["pipe.py"][0] == "not_a_file"
    assert skipped(report)["link.py"][0] == "symlink_outside_root"


def test_binary_file_with_a_source_extension(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "ok.py": OK_PY,
        "fake.py": b"def x():\n    pass\n\x00\x00\x01\x02" + bytes(range(256)),
        "utf16.py": "x = 1\n".encode("utf-16"),  # NUL bytes: not text we can parse
    })
    report = build_clean(root)
    assert skipped(report) == {"fake.py": ("binary", "binary"), "utf16.py": ("binary", "binary")}
    assert report.files == 1 and report.skipped_by_reason == {"binary": 2}
    with Index(root) as index:
        assert index.definitions_named("x") == []


def test_large_minified_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"app.js": "export const a = 1;\n"})
    big = root / "dist" / "bundle.min.js"
    big.parent.mkdir()
    chunk = b"var a=function(b){return b+1};" * 1024
    with big.open("wb") as f:
        for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
            f.write(chunk)
    size = big.stat().st_size
    assert size >= 50 * 1024 * 1024
    totals: list[int] = []
    report = build_clean(root, progress=lambda done, total, msg: totals.append(total))
    assert skipped(report) == {
        "dist/bundle.min.js": ("too_large", f"{size:,} bytes > limit 1,048,576"),
    }
    assert set(totals) == {1}  # only app.js was read: the big file never was
    # A minified file under the limit is indexed and its tokens counted, but its one very long
    # line is not parsed (the work per file is bounded), and the report says why.
    (root / "dist" / "small.min.js").write_bytes(chunk * 2)
    report = build(root)
    with Index(root) as index:
        info = index.files()["dist/small.min.js"]
        assert info.lines == 1 and info.tokens > 10_000
        assert index.definitions("dist/small.min.js") == []
    note = f"dist/small.min.js: not parsed: a {len(chunk) * 2:,}-byte line (minified"
    assert any(w.startswith(note) for w in report.warnings), report.warnings


def test_invalid_utf8(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "latin1.py": "# café\nx = 1\n".encode("latin-1"),
        "bom.py": b"\xef\xbb\xbfdef with_bom():\n    pass\n",
        "ok.py": OK_PY,
    })
    report = build_clean(root)
    assert skipped(report) == {
        "latin1.py": ("undecodable", "undecodable: not UTF-8 (byte 0xe9 at offset 5)"),
    }
    with Index(root) as index:
        (d,) = index.definitions("bom.py")
        assert (d.name, d.start_line, d.name_col) == ("with_bom", 1, 4)


def test_non_utf8_file_name_and_commit_message(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"ok.py": OK_PY})
    bad = os.fsencode(str(root)) + b"/caf\xe9.py"
    with open(bad, "wb") as f:
        f.write(b"x = 1\n")
    git("add", "-A", cwd=root)
    msg = tmp_path / "msg"
    msg.write_bytes(b"r\xe9sum\xe9 in latin-1\n")
    git("commit", "-q", "-F", str(msg), cwd=root)
    report = build_clean(root)
    assert skipped(report) == {
        "caf\ufffd.py": ("undecodable_name", "the file name is not valid UTF-8"),
    }
    assert report.history is not None and report.history.commits_total == 2
    report.model_dump_json()  # the report is printable JSON


def test_symlink_loop_and_link_leaving_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("def leaked():\n    pass\n")
    root = make_repo(tmp_path / "r", {"ok.py": OK_PY})
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.symlink(outside / "secret.py", root / "escape.py")
    os.symlink(outside, root / "escape_dir")
    commit(root, "links")
    (root / "untracked_loop").symlink_to("untracked_loop")
    report = build_clean(root)
    got = skipped(report)
    assert {p: r for p, (r, _) in got.items()} == {
        "loop1": "symlink_loop", "loop2": "symlink_loop", "untracked_loop": "symlink_loop",
        "escape.py": "symlink_outside_root", "escape_dir": "symlink_outside_root",
    }
    assert got["escape.py"][1] == f"points to {outside / 'secret.py'}"
    with Index(root) as index:
        assert index.definitions_named("leaked") == []
        assert sorted(index.files()) == ["ok.py"]


def test_paths_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    files = {
        "my package/my module.py": "from my_other import thing\n\ndef spaced():\n    pass\n",
        "données/café.py": "def crème():\n    pass\n",
        "日本語/ファイル.ts": 'import { x } from "./その他";\nexport function 関数() {}\n',
        "日本語/その他.ts": "export const x = 1;\n",
    }
    root = make_repo(tmp_path / "dir with space ü", files)
    report = build_clean(root)
    assert report.files == 4 and report.skipped == []
    with Index(root) as index:
        assert [d.name for d in index.definitions("données/café.py")] == ["crème"]
        assert [d.name for d in index.definitions("日本語/ファイル.ts")] == ["関数"]
        assert index.imports_of("日本語/ファイル.ts") == ["日本語/その他.ts"]
        assert index.file_history("my package/my module.py")[0] == 1


def test_corrupt_cache_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": OK_PY})
    build(root)
    path = root / ".ctxsteward" / "index.sqlite"
    path.write_bytes(b"this is not a database at all\n" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    before = snapshot(root)
    report = build(root)
    assert report.warnings == [
        f"the cache {path} was corrupt (not a SQLite database); rebuilding it"
    ]
    assert report.files == 1 and report.files_parsed == 1
    assert snapshot(root) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone() == (1,)


def test_nested_repository_and_special_entries(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": OK_PY})
    make_repo(root / "vendor" / "nested", {"inner.py": OK_PY})  # an untracked nested repo
    os.mkfifo(root / "fifo")
    report = build_clean(root)
    assert report.files == 1
    assert "vendor/nested/inner.py" not in {s.path for s in report.skipped}


@pytest.mark.parametrize("content", [b"", b"\n", b"   ", b"\xef\xbb\xbf"])
def test_empty_and_blank_files(tmp_path: Path, content: bytes) -> None:
    root = make_repo(tmp_path / "r", {"blank.py": content, "empty.md": b""})
    report = build_clean(root)
    assert report.files == 2 and report.skipped == []
