"""A repository's own git configuration names programs; reading the repository runs none of them.

A folder received with its ``.git`` (an archive, a shared disk) carries a ``.git/config`` its
sender wrote: an fsmonitor hook, clean/smudge filter drivers (run by ``git status`` and ``git
diff`` on work-tree files), an external diff and textconv driver, a signature verifier. Each here
is a real script that leaves a mark file when it runs. The controls show each would run under a
plain ``git`` in that folder; then every command, and the MCP server, reads the repository and no
mark appears. A filter driver from the user's own (global) configuration still runs."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TextIO

import pytest
from gitutil import commit, git, git_env, make_repo, run_cli
from mcp_client import session, text

from analyzers import gitrepo

MARKS = ("fsmonitor", "clean", "smudge", "process", "extdiff", "textconv", "gpg")


def _script(path: Path, mark: Path, body: str = "cat") -> str:
    path.write_text(f"#!/bin/sh\ntouch '{mark}'\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """(repository, marks folder): a repository whose ``.git/config`` names a program for each
    of :data:`MARKS`, with a file changed since its last commit (so ``status`` and ``diff`` have
    work-tree files to compare)."""
    repo, marks, bin_ = tmp_path / "repo", tmp_path / "marks", tmp_path / "bin"
    marks.mkdir()
    bin_.mkdir()
    make_repo(repo, {
        ".gitattributes": "*.py filter=evil diff=evil\n*.txt filter=proc diff=conv\n",
        "app/core.py": "def total(items):\n    return sum(items)\n",
        "app/cli.py": "from app.core import total\n\n\ndef main():\n    print(total([1, 2]))\n",
        "notes.txt": "release notes\n",
    })
    ship = "from app.core import total\n\n\ndef ship(items):\n    return total(items) + 5\n"
    commit(repo, "add shipping", {"app/ship.py": ship})
    settings = {
        "core.fsmonitor": _script(bin_ / "fsmonitor", marks / "fsmonitor", "exit 1"),
        "filter.evil.clean": _script(bin_ / "clean", marks / "clean"),
        "filter.evil.smudge": _script(bin_ / "smudge", marks / "smudge"),
        "filter.evil.required": "true",
        "filter.proc.process": _script(bin_ / "process", marks / "process", "exit 1"),
        "diff.evil.command": _script(bin_ / "extdiff", marks / "extdiff", "exit 0"),
        "diff.conv.textconv": _script(bin_ / "textconv", marks / "textconv", 'cat "$1"'),
        "gpg.program": _script(bin_ / "gpg", marks / "gpg", "exit 1"),
        "log.showSignature": "true",
    }
    for key, value in settings.items():
        git("config", key, value, cwd=repo)
    # The last commit signed (a signature git will ask gpg.program to verify)
    tree = git("write-tree", cwd=repo)
    parent = git("rev-parse", "HEAD", cwd=repo)
    raw = (f"tree {tree}\nparent {parent}\nauthor A <a@x.io> 1700000000 +0000\n"
           f"committer A <a@x.io> 1700000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n"
           f" iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsign the shipping fee\n")
    (tmp_path / "commit.txt").write_text(raw)
    signed = git("hash-object", "-t", "commit", "-w", str(tmp_path / "commit.txt"), cwd=repo)
    git("update-ref", "HEAD", signed, cwd=repo)
    (repo / "app" / "core.py").write_text("def total(items):\n    return sum(items) + 0\n")
    (repo / "notes.txt").write_text("release notes, edited\n")
    for p in marks.iterdir():  # made by the setup's own git runs
        p.unlink()
    return repo, marks


def _marks(marks: Path) -> list[str]:
    return sorted(p.name for p in marks.iterdir())


def _clear(marks: Path) -> None:
    for p in marks.iterdir():
        p.unlink()


def test_plain_git_runs_what_the_repository_names(hostile: tuple[Path, Path]) -> None:
    """The control: the fixture is hostile. Without our options git runs its programs."""
    repo, marks = hostile
    env = git_env()
    import subprocess

    def plain(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, check=False)

    os.utime(repo / "app" / "cli.py")  # a stat change: status compares content (clean filter)
    plain("status", "--porcelain")
    plain("diff")
    plain("log", "-1")
    plain("diff", "--", "app/core.py")  # one driver each: the process filter's failure ends git
    plain("-c", "filter.proc.process=", "diff", "--", "notes.txt")
    seen = _marks(marks)
    for mark in MARKS:
        if mark == "smudge":  # a checkout's: nothing of ours checks out
            continue
        assert mark in seen, (mark, seen)


def test_no_command_runs_a_program_the_repository_names(hostile: tuple[Path, Path]) -> None:
    repo, marks = hostile
    runs = [
        ("index", "--json"),
        ("bundle", "--seed", "app/core.py", "--task", "sign the shipping fee", "--format", "json"),
        ("bundle", "--task", "shipping fee total", "--format", "markdown"),
        ("budget", "--json"),
        ("check", "--format", "json"),
        ("handoff", "--format", "json"),
        ("handoff", "--out", "HANDOFF.md"),
    ]
    for args in runs:
        os.utime(repo / "app" / "cli.py")  # racily clean again: git would compare its content
        done = run_cli(*args, cwd=repo)
        assert done.returncode == 0, (args, done.stderr)
        assert _marks(marks) == [], (args, _marks(marks))
    note = (repo / "HANDOFF.md").read_text()
    assert "app/core.py" in note and "notes.txt" in note  # the changed files were still seen


async def test_the_mcp_server_runs_none_either(hostile: tuple[Path, Path], log: TextIO) -> None:
    repo, marks = hostile
    async with session(repo, log) as s:
        for tool, args in (("suggest_bundle", {"task": "sign the shipping fee"}),
                           ("token_budget", {}), ("handoff", {})):
            os.utime(repo / "app" / "cli.py")
            result = await s.call_tool(tool, args)
            assert not result.is_error, (tool, text(result))
    assert _marks(marks) == []


def test_only_the_repositorys_own_drivers_are_switched_off(hostile: tuple[Path, Path],
                                                           tmp_path: Path) -> None:
    """A driver from the user's global configuration runs; git-lfs's standard ones are kept
    whoever set them; the repository's own are off (and no longer required)."""
    repo, marks = hostile
    own = tmp_path / "global.gitconfig"
    mine = _script(tmp_path / "bin" / "mine", marks / "mine")
    own.write_text(f"[filter \"mine\"]\n\tclean = {mine}\n")
    git("config", "filter.lfs.clean", "git-lfs clean -- %f", cwd=repo)
    git("config", "filter.lfs.process", "git-lfs filter-process", cwd=repo)
    env = {**git_env(), "GIT_CONFIG_GLOBAL": str(own)}
    saved = os.environ.copy()
    os.environ.update(env)
    try:
        args = gitrepo.filter_overrides(repo)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    pairs = dict(args)
    assert pairs["filter.evil.clean"] == "" and pairs["filter.evil.required"] == "false"
    assert pairs["filter.proc.process"] == ""
    assert not any(k.startswith(("filter.mine.", "filter.lfs.")) for k in pairs), pairs
    # The user's own driver does run in a command that filters: a file of the same size
    # rewritten, whose content git compares through the driver
    with (repo / ".gitattributes").open("a") as f:
        f.write("*.md filter=mine\n")
    (repo / "README.md").write_text("# shop\n")
    off = ("-c", "filter.proc.process=", "-c", "filter.evil.clean=", "-c",
           "filter.evil.required=false", "-c", "core.fsmonitor=false")
    git(*off, "add", "README.md", ".gitattributes", cwd=repo)
    git(*off, "commit", "-qm", "readme", cwd=repo)
    _clear(marks)
    (repo / "README.md").write_text("# shoq\n")
    done = run_cli("handoff", "--format", "json", cwd=repo, env={"GIT_CONFIG_GLOBAL": str(own)})
    assert done.returncode == 0, done.stderr
    assert "README.md" in json.dumps(json.loads(done.stdout))
    seen = _marks(marks)
    assert "mine" in seen and not set(seen) & set(MARKS), seen


async def test_a_work_tree_set_elsewhere_is_never_the_workspace(tmp_path: Path,
                                                                log: TextIO) -> None:
    """``core.worktree`` in the repository's configuration pointing at another folder made that
    folder the workspace: its files indexed and embedded, ``.ctxsteward`` written there."""
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "private.py").write_text("API_ROUTES = ['private outside']\n")
    repo = make_repo(tmp_path / "repo", {"app/core.py": "def total(items):\n    return 1\n"})
    git("config", "core.worktree", str(outside), cwd=repo)
    before = sorted(p.name for p in outside.iterdir())
    done = run_cli("bundle", "--task", "private outside routes", "--format", "json", cwd=repo)
    assert done.returncode == 0, done.stderr
    paths = [i["path"] for i in json.loads(done.stdout)["items"]]
    assert paths == ["app/core.py"], paths
    assert "core.worktree" in done.stderr and str(outside) in done.stderr
    index = json.loads(run_cli("index", "--json", cwd=repo).stdout)
    assert index["root"] == str(repo.resolve()) and index["in_git"] is False
    refused = run_cli("handoff", cwd=repo)
    assert refused.returncode == 2 and "core.worktree" in refused.stderr, refused.stderr
    async with session(repo, log) as s:
        result = await s.call_tool("suggest_bundle", {"task": "private outside routes"})
        assert not result.is_error, text(result)
        assert "private.py" not in text(result)
    assert sorted(p.name for p in outside.iterdir()) == before  # no .ctxsteward there
    assert (repo / ".ctxsteward").is_dir()


def test_a_work_tree_set_to_its_own_folder_is_still_git(tmp_path: Path) -> None:
    """The control: ``core.worktree`` naming the folder itself (as a submodule's does) keeps git."""
    repo = make_repo(tmp_path / "repo", {"app/core.py": "def total(items):\n    return 1\n"},
                     [("fix the total", {"app/core.py": "def total(items):\n    return 2\n"})])
    git("config", "core.worktree", str(repo), cwd=repo)
    index = json.loads(run_cli("index", "--json", cwd=repo).stdout)
    assert index["in_git"] is True, index
    assert run_cli("handoff", cwd=repo).returncode == 0


def _mark_hook(path: Path, mark: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _script(path, mark, "exit 0")


def test_git_s_own_hooks_do_not_run(tmp_path: Path) -> None:
    """``git status`` refreshing a stat-dirty index ran ``post-index-change`` from the default
    hooks folder (no configuration needed), on every bundle, handoff and agent prompt."""
    marks = tmp_path / "marks"
    marks.mkdir()
    repo = make_repo(tmp_path / "repo", {"a.py": "def f():\n    return 1\n", "README.md": "# x\n"})
    _mark_hook(repo / ".git" / "hooks" / "post-index-change", marks / "hook")
    import subprocess

    os.utime(repo / "a.py", (1, 1))
    subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], env=git_env(),
                   capture_output=True, check=False)
    assert _marks(marks) == ["hook"]  # the control: plain git runs it
    _clear(marks)
    for args in (("bundle", "--seed", "a.py", "--format", "json"), ("handoff", "--format", "json"),
                 ("bundle", "--task", "the helper f", "--format", "json")):
        os.utime(repo / "a.py", (2, 2))
        done = run_cli(*args, cwd=repo)
        assert done.returncode == 0, done.stderr
        assert _marks(marks) == [], args


def test_a_submodule_s_own_drivers_and_hooks_do_not_run(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    inner = make_repo(tmp_path / "inner", {".gitattributes": "*.txt filter=s\n",
                                            "s.txt": "x\n", "lib.py": "def g():\n    pass\n"})
    outer = make_repo(tmp_path / "outer", {"a.py": "def f():\n    return 1\n"})
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub", cwd=outer)
    commit(outer, "add the submodule")
    sub = outer / "sub"
    git("config", "filter.s.clean", _script(tmp_path / "sclean", marks / "sub-clean"), cwd=sub)
    git("config", "filter.s.required", "true", cwd=sub)
    _mark_hook(outer / ".git" / "modules" / "sub" / "hooks" / "post-index-change",
               marks / "sub-hook")
    (sub / "lib.py").write_text("def g():\n    return 2\n")
    for args in (("bundle", "--seed", "a.py", "--format", "json"), ("handoff", "--format", "json"),
                 ("handoff", "--no-bundle")):
        os.utime(sub / "s.txt")
        done = run_cli(*args, cwd=outer)
        assert done.returncode == 0, (args, done.stderr)
        assert _marks(marks) == [], (args, _marks(marks))


def test_a_driver_whose_name_holds_an_equals_sign_is_switched_off(tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    repo = make_repo(tmp_path / "repo", {".gitattributes": "*.q filter=a=b\n", "f.q": "hi\n",
                                         "a.py": "def f():\n    return 1\n"})
    git("config", "filter.a=b.clean", _script(tmp_path / "eq", marks / "eq"), cwd=repo)
    assert dict(gitrepo.filter_overrides(repo))["filter.a=b.clean"] == ""
    for args in (("bundle", "--seed", "a.py", "--format", "json"), ("handoff", "--format", "json")):
        os.utime(repo / "f.q", (3, 3))
        done = run_cli(*args, cwd=repo)
        assert done.returncode == 0, (args, done.stderr)
        assert _marks(marks) == [], args
