"""The one module that runs git: what every run is protected from, on real repositories.

A repository's own configuration may name programs (an external diff, a textconv driver); reading
the repository must never run them. A revision that looks like an option is refused before git
sees it. git never reads the caller's stdin (a server's protocol channel). Blobs come from one
``git cat-file`` that stays in step whatever it is asked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from gitutil import commit, git, make_repo, write_files

from analyzers import gitrepo
from analyzers.gitrepo import GitError, NotARepository, Repo
from analyzers.handoff import HandoffError, generate
from analyzers.handoff.gitstate import diff_raw, resolve_base
from analyzers.handoff.todos import added_todos
from analyzers.indexing import history as hist


def _spy(tmp_path: Path) -> tuple[Path, Path]:
    """A program that leaves a mark when run (and prints its argument's file, like cat)."""
    mark = tmp_path / "ran"
    script = tmp_path / "spy.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> "{mark}"\ncat "$1" 2>/dev/null\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, mark


def _repo_with_diff_programs(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose configuration names an external diff and a textconv driver, with
    uncommitted changes to files they would apply to."""
    spy, mark = _spy(tmp_path)
    root = make_repo(tmp_path / "r", {"notes.txt": "one\n", "a.py": "x = 1\n",
                                      ".gitattributes": "*.txt diff=spy\n*.py diff=spy\n"})
    git("config", "diff.external", str(spy), cwd=root)
    git("config", "diff.spy.textconv", str(spy), cwd=root)
    git("config", "diff.spy.command", str(spy), cwd=root)
    write_files(root, {"notes.txt": "one\nTODO two\n", "a.py": "x = 2  # TODO\n"})
    # The premise: plain git runs the programs on this repository.
    git("diff", cwd=root)
    assert mark.exists()
    mark.unlink()
    return root, mark


def test_diffs_never_run_programs_from_the_repository_configuration(tmp_path: Path) -> None:
    root, mark = _repo_with_diff_programs(tmp_path)
    repo = Repo.open(root)
    head = repo.head()
    assert head is not None
    raws, counts = diff_raw(repo, head, None, [])
    assert {r.path for r in raws} == {"notes.txt", "a.py"} and counts["a.py"] == (1, 1)
    todos = added_todos(repo, root, head, [], [])
    assert [(t.path, t.line) for t in todos] == [("a.py", 1), ("notes.txt", 2)]
    note = generate(root, bundle=False, checks=False)
    assert {c.path for c in note.uncommitted_changes} == {"notes.txt", "a.py"}
    assert not mark.exists(), mark.read_text()


def test_a_revision_that_looks_like_an_option_is_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "1\n"})
    commit(root, "two", {"a.py": "2\n"})
    out = tmp_path / "written"
    for rev in ("--output=" + str(out), "-p", "--exec=touch " + str(out)):
        with pytest.raises(GitError):
            gitrepo.revision(rev)
    repo = hist.open_repo(root)
    with pytest.raises(hist.HistoryError):
        list(hist.stream_log(repo, f"--output={out}"))
    assert not hist.is_ancestor(repo, f"--output={out}", "HEAD")
    head = repo.head()
    with pytest.raises(HandoffError, match="does not name a commit"):
        resolve_base(repo, head, "main", f"--output={out}")
    with pytest.raises(HandoffError, match="does not name a commit"):
        generate(root, f"--output={out}", bundle=False, checks=False)
    assert not out.exists()
    assert gitrepo.revision("HEAD~1..HEAD") == "HEAD~1..HEAD"
    assert hist.is_ancestor(repo, "HEAD~1", "HEAD")


def test_git_never_reads_the_callers_stdin(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a": "1"})
    read_fd, write_fd = os.pipe()
    saved = os.dup(0)
    try:
        os.write(write_fd, b"what a protocol channel holds\n")
        os.close(write_fd)
        os.dup2(read_fd, 0)
        blob = gitrepo.run(root, "hash-object", "--stdin").decode().strip()
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(read_fd)
    assert blob == git("hash-object", "/dev/null", cwd=root)  # it read nothing: /dev/null


def test_paths_come_back_unquoted(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"dir one/ü ñ.py": "1\n", "plain.py": "2\n"})
    assert gitrepo.ls_files(root) == ["dir one/ü ñ.py", "plain.py"]


def test_repository_facts(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"src/a.py": "1\n"})
    repo = Repo.open(root)
    assert repo.head() == git("rev-parse", "HEAD", cwd=root)
    assert repo.branch() == "main"
    git("checkout", "-q", "-b", "feature/deep/name", cwd=root)
    assert repo.branch() == "feature/deep/name"
    git("checkout", "-q", "--detach", cwd=root)
    assert repo.branch() is None and repo.head_ref() is None
    assert repo.git_dir == (root / ".git").resolve()
    assert gitrepo.toplevel(root / "src") == root.resolve()
    with pytest.raises(NotARepository):
        Repo.open(root / "src")
    with pytest.raises(NotARepository):
        Repo.open(tmp_path)
    empty = make_repo(tmp_path / "empty")
    fresh = Repo.open(empty)
    assert fresh.head() is None and fresh.branch() == "main"
    git("config", "remote.origin.url", "https://example.com/r.git", cwd=root)
    assert repo.config("remote.origin.url") == "https://example.com/r.git"
    assert repo.config("remote.nothere.url") is None


def test_one_cat_file_reads_every_blob_and_stays_in_step(tmp_path: Path) -> None:
    big = "x" * 5000 + "\n"
    root = make_repo(tmp_path / "r", {"small.txt": "small\n", "big.txt": big,
                                      "bin.dat": b"\x00\x01\xff\n"})
    shas = {p: git("rev-parse", f"HEAD:{p}", cwd=root) for p in ("small.txt", "big.txt",
                                                                  "bin.dat")}
    with Repo.open(root).blobs() as blobs:
        assert blobs.read(shas["small.txt"], 100) == b"small\n"
        assert blobs.read(shas["big.txt"], 100) is None  # too large: skipped, still in step
        assert blobs.read(shas["bin.dat"], 100) == b"\x00\x01\xff\n"
        with pytest.raises(ValueError):
            blobs.read("0" * 40, 100)  # not in the repository
        with pytest.raises(ValueError):
            blobs.read("HEAD\nsmall", 100)  # not an object name: never sent to git
        assert blobs.read(shas["big.txt"], 10_000) == big.encode()


def test_a_stream_stopped_early_ends_git(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a": "1"})
    for i in range(30):
        commit(root, f"c{i}", {"a": str(i)})
    with gitrepo.stream(root, "log", "--format=%H") as proc:
        first = proc.stdout.readline()
    assert len(first.strip()) == 40
    code, _ = proc.close()
    assert code is not None  # reaped
    with gitrepo.stream(root, "log", "--format=%H") as proc:
        lines = b"".join(proc.chunks()).splitlines()
        assert proc.finish()[0] == 0
    assert len(lines) == 31
    with pytest.raises(GitError, match="git log failed"):
        gitrepo.run(root, "log", "no-such-revision")
