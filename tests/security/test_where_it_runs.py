"""Where the tool may run: never in git's own folder or a bare repository (their files are git's
internals, and the cache must not be written among them), and in a plain folder holding
virtualenvs, ``node_modules`` and other repositories, only the folder's own files, saying what was
left out. The CLI, the MCP server and the language server refuse the same way."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import lsp_client
import pytest
from gitutil import cli_command, git, git_env, make_folder, make_repo, run_cli

GIT_INTERNALS = "git's own folder, not a work tree"
BARE = "a bare git repository"


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    make_repo(tmp_path / "work", {"app.py": "def main():\n    return 1\n"})
    git("clone", "-q", "--bare", str(tmp_path / "work"), str(tmp_path / "bare.git"), cwd=tmp_path)
    return tmp_path


def _no_cache_written(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.rglob(".ctxsteward")), f"a cache was written in {folder}"


@pytest.mark.parametrize("where", [".git", ".git/objects", ".git/refs/heads"])
@pytest.mark.parametrize("command", [["index"], ["bundle", "--task", "main"], ["check"],
                                     ["budget"]])
def test_inside_dot_git_every_command_refuses(repos: Path, where: str,
                                              command: list[str]) -> None:
    out = run_cli(*command, cwd=repos / "work" / where)
    assert out.returncode == 2, out
    assert GIT_INTERNALS in out.stderr and f"work tree {repos / 'work'}" in out.stderr, out.stderr
    _no_cache_written(repos / "work" / ".git")


@pytest.mark.parametrize("where", ["bare.git", "bare.git/refs"])
def test_in_a_bare_repository_index_refuses(repos: Path, where: str) -> None:
    out = run_cli("index", cwd=repos / where)
    assert out.returncode == 2 and BARE in out.stderr, out
    _no_cache_written(repos / "bare.git")


@pytest.mark.parametrize("args", [["index", "{root}"], ["check", "--root", "{root}"],
                                  ["bundle", "--task", "x", "--root", "{root}"],
                                  ["mcp", "--root", "{root}"]])
@pytest.mark.parametrize("target", ["work/.git", "bare.git"])
def test_named_roots_inside_git_internals_are_refused(repos: Path, args: list[str],
                                                      target: str) -> None:
    root = repos / target
    out = run_cli(*[a.format(root=root) for a in args], cwd=repos, timeout=60)
    assert out.returncode == 2, out
    assert (GIT_INTERNALS if target.endswith(".git") and "/" in target else BARE) in out.stderr
    _no_cache_written(repos / "work" / ".git", repos / "bare.git")


def test_mcp_server_refuses_to_start_inside_dot_git(repos: Path) -> None:
    env = git_env()
    proc = subprocess.run([*cli_command(), "mcp"], cwd=repos / "work" / ".git", env=env,
                          input="", capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and GIT_INTERNALS in proc.stderr, proc
    _no_cache_written(repos / "work" / ".git")


@pytest.mark.parametrize("target", ["work/.git", "bare.git"])
async def test_language_server_refuses_the_same_way(repos: Path, target: str) -> None:
    root = repos / target
    client = await lsp_client.start(root)
    try:
        await lsp_client.wait_for(lambda: client.messages, what="a message about the folder")
        texts = [m.message for m in client.messages]
        expected = GIT_INTERNALS if target == "work/.git" else BARE
        assert any(expected in t and "working without an index" in t for t in texts), texts
        report = await lsp_client.jobs(client)
        assert not [j for j in report["jobs"] if j["kind"] == "index"], report
    finally:
        await lsp_client.stop(client)
    _no_cache_written(repos / "work" / ".git", repos / "bare.git")


def test_a_plain_parent_folder_skips_virtualenvs_node_modules_and_nested_repos(
        tmp_path: Path) -> None:
    parent = make_folder(tmp_path / "projects", {
        "notes.py": "def note():\n    return 'mine'\n",
        "tools/build.py": "def build():\n    return 2\n",
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        ".venv/lib/python3.11/site-packages/big.py": "def vendored():\n    pass\n",
        "env2/pyvenv.cfg": "home = /usr/bin\n",
        "env2/bin/activate": "# shell\n",
        "web/node_modules/left-pad/index.js": "module.exports = 1\n",
        "web/app.js": "function app() { return 1 }\n",
    })
    make_repo(parent / "service", {"svc.py": "def serve():\n    return 3\n"})
    out = run_cli("index", "--json", cwd=parent)
    assert out.returncode == 0, out
    report = json.loads(out.stdout)
    assert report["files"] == 3, report  # notes.py, tools/build.py, web/app.js
    note = next(w for w in report["warnings"] if w.startswith("skipped 4 folders"))
    for shown in (".venv/ (a virtualenv)", "env2/ (a virtualenv)",
                  "web/node_modules/ (node_modules)", "service/ (a nested git repository)"):
        assert shown in note, note
    listed = run_cli("budget", "--json", cwd=parent)
    paths = json.dumps(json.loads(listed.stdout)["tree"])
    assert "notes.py" in paths and "build.py" in paths and "app.js" in paths
    assert "vendored" not in paths and "big.py" not in paths and "svc.py" not in paths
    assert "left-pad" not in paths and "activate" not in paths


def test_conda_environments_and_old_virtualenvs_are_skipped(tmp_path: Path) -> None:
    parent = make_folder(tmp_path / "projects", {
        "notes.py": "def note():\n    return 'mine'\n",
        "conda/conda-meta/history": "==> 2024 <==\n",
        "conda/lib/python3.11/site-packages/np.py": "def vendored():\n    pass\n",
        "oldenv/bin/activate": "# shell\n",
        "oldenv/lib/python3.8/site-packages/six.py": "def vendored2():\n    pass\n",
    })
    out = run_cli("index", "--json", cwd=parent)
    assert out.returncode == 0, out
    report = json.loads(out.stdout)
    assert report["files"] == 1, report
    note = next(w for w in report["warnings"] if w.startswith("skipped 2 folders"))
    assert "conda/ (a conda environment)" in note and "oldenv/ (a virtualenv)" in note, note


def test_a_separate_git_dir_is_named_as_such(tmp_path: Path) -> None:
    git("init", "-q", f"--separate-git-dir={tmp_path / 'sep.git'}", str(tmp_path / "work"),
        cwd=tmp_path)
    for where in (tmp_path / "sep.git", tmp_path / "sep.git" / "refs"):
        out = run_cli("index", cwd=where)
        assert out.returncode == 2, out
        assert "a separate git directory" in out.stderr and BARE not in out.stderr, out.stderr
        _no_cache_written(tmp_path / "sep.git")
