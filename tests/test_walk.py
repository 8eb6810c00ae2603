"""The workspace walk: git's file set, .gitignore outside git, excludes, skips with reasons."""

from __future__ import annotations

import os
from pathlib import Path

from gitutil import commit, git, make_folder, make_repo

from analyzers.indexing.walk import walk


def listed(root: Path, **kw: object) -> set[str]:
    return {e.path for e in walk(root, **kw).entries}


def skips(root: Path, **kw: object) -> dict[str, tuple[str, str]]:
    return {s.path: (s.reason, s.detail) for s in walk(root, **kw).skipped}


def test_git_tracked_plus_untracked_not_ignored(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "src/app.py": "x = 1\n",
        ".gitignore": "*.log\nbuild/\n",
        "docs/readme.md": "# hi\n",
    })
    (root / "src" / "new.py").write_text("y = 2\n")  # untracked, not ignored
    (root / "debug.log").write_text("noise\n")  # ignored
    (root / "build").mkdir()
    (root / "build" / "out.py").write_text("z = 3\n")  # ignored folder
    (root / "docs" / "readme.md").unlink()  # tracked but deleted in the work tree
    # A force-added file matching .gitignore is tracked, so it belongs to the workspace.
    (root / "keep.log").write_text("tracked anyway\n")
    git("add", "-f", "keep.log", cwd=root)
    result = walk(root)
    assert result.in_git
    assert {e.path for e in result.entries} == {".gitignore", "src/app.py", "src/new.py",
                                                "keep.log"}
    assert result.skipped == []  # a file deleted from the work tree is simply not there
    entry = next(e for e in result.entries if e.path == "src/app.py")
    assert entry.size == 6 and entry.mtime_ns == (root / "src/app.py").stat().st_mtime_ns


def test_git_subfolder_lists_only_that_folder(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a/x.py": "", "a/b/y.py": "", "c/z.py": ""})
    result = walk(root / "a")
    assert {e.path for e in result.entries} == {"x.py", "b/y.py"}
    assert any("inside the git work tree" in n for n in result.notes)


def test_plain_folder_honours_gitignore_including_nested(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "plain", {
        ".gitignore": "*.log\n/dist\nnode_modules/\n",
        "app.py": "",
        "trace.log": "",
        "dist/bundle.js": "",
        "lib/dist/keep.js": "",  # /dist is anchored to the root
        "node_modules/pkg/index.js": "",
        "sub/.gitignore": "secret.txt\n!important.log\n",
        "sub/secret.txt": "",
        "sub/important.log": "",  # re-included by the nested .gitignore
        "sub/other.log": "",
        "sub/code.py": "",
        "secret.txt": "",  # the nested rule applies only below sub/
    })
    result = walk(root)
    assert not result.in_git
    assert {e.path for e in result.entries} == {
        ".gitignore", "app.py", "lib/dist/keep.js", "sub/.gitignore", "sub/important.log",
        "sub/code.py", "secret.txt",
    }


def test_plain_folder_skips_vcs_and_state_folders(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "plain", {
        "a.py": "", ".ctxsteward/index.sqlite": "x", ".hg/store": "", ".svn/entries": "",
    })
    assert listed(root) == {"a.py"}


def test_exclude_globs(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "src/a.py": "", "src/gen/b_pb2.py": "", "vendor/lib.js": "", "tests/t.py": "",
    })
    result = walk(root, exclude=["vendor/", "*_pb2.py"])
    assert {e.path for e in result.entries} == {"src/a.py", "tests/t.py"}
    assert {s.path: s.reason for s in result.skipped} == {
        "src/gen/b_pb2.py": "excluded", "vendor/lib.js": "excluded",
    }
    # The same globs apply outside git.
    plain = make_folder(tmp_path / "p", {"src/a.py": "", "vendor/lib.js": ""})
    assert listed(plain, exclude=["vendor/"]) == {"src/a.py"}


def test_too_large_by_size_limit(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"small.py": "x = 1\n", "big.json": "1" * 5000})
    result = walk(root, max_file_size=4096)
    assert {e.path for e in result.entries} == {"small.py"}
    (skip,) = result.skipped
    assert (skip.path, skip.reason) == ("big.json", "too_large")
    assert skip.detail == "5,000 bytes > limit 4,096"


def test_symlinks_in_git(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("x = 1\n")
    root = make_repo(tmp_path / "r", {"real.py": "x = 1\n", "pkg/mod.py": ""})
    os.symlink("real.py", root / "alias.py")
    os.symlink(str(outside / "secret.py"), root / "escape.py")
    os.symlink(str(outside), root / "escape_dir")
    os.symlink("pkg", root / "pkg_link")
    os.symlink("missing.py", root / "dangling.py")
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")
    commit(root, "links")
    result = walk(root)
    assert {e.path for e in result.entries} == {"real.py", "pkg/mod.py"}
    got = {s.path: s.reason for s in result.skipped}
    assert got == {
        "alias.py": "symlink", "pkg_link": "symlink", "escape.py": "symlink_outside_root",
        "escape_dir": "symlink_outside_root", "dangling.py": "broken_symlink",
        "loop_a": "symlink_loop", "loop_b": "symlink_loop",
    }
    details = {s.path: s.detail for s in result.skipped}
    assert details["alias.py"] == "link to real.py, indexed there"
    assert str(outside) in details["escape_dir"]
    assert details["loop_a"] == "symlink loop: loop_a -> loop_b never resolves"
    assert details["dangling.py"] == "symlink to a missing target: dangling.py -> missing.py"


def test_symlinks_outside_git_are_recorded_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "lib.py").write_text("x = 1\n")
    root = make_folder(tmp_path / "plain", {"a.py": ""})
    os.symlink(str(outside), root / "ext")  # a folder link leaving the root
    os.symlink("self", root / "self")  # a loop
    os.symlink(".", root / "here")  # a folder link back into the root
    result = walk(root)
    assert {e.path for e in result.entries} == {"a.py"}
    assert {s.path: s.reason for s in result.skipped} == {
        "ext": "symlink_outside_root", "self": "symlink_loop", "here": "symlink",
    }


def test_paths_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    files = {"my docs/read me.md": "# hi\n", "données/café.py": "x = 1\n", "日本/名前.ts": ""}
    root = make_repo(tmp_path / "repo with space", files)
    (root / "ünïcode untracked.py").write_text("")
    assert listed(root) == set(files) | {"ünïcode untracked.py"}
    plain = make_folder(tmp_path / "plain ü", files)
    assert listed(plain) == set(files)


def test_non_utf8_file_name_is_skipped_with_a_reason(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"ok.py": ""})
    bad = os.fsencode(str(root)) + b"/bad\xff.py"
    with open(bad, "wb") as f:
        f.write(b"x = 1\n")
    result = walk(root)
    assert {e.path for e in result.entries} == {"ok.py"}
    (skip,) = result.skipped
    assert skip.reason == "undecodable_name" and skip.path == "bad\ufffd.py"
    skip.path.encode("utf-8")  # safe to store and print


def test_empty_repository_lists_untracked_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r")  # git init, no commit
    (root / "a.py").write_text("")
    result = walk(root)
    assert result.in_git and {e.path for e in result.entries} == {"a.py"}
