"""The one path-safety rule (analyzers.app.paths.workspace_path) on a real repository: a symlink
out of it, a secret-bearing file, a file with one secret in it, git's own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitutil import make_repo

from analyzers.app.errors import PathRefused
from analyzers.app.paths import Secrets, workspace_path
from analyzers.app.workspace import Workspace
from server.cli.main import CLI_WORDS

KEY = "AKIA" + "Q3EGUCH4ZJ7KRXW2"  # an AWS access key id form


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("paths")
    outside = base / "outside"
    outside.mkdir()
    (outside / "notes.txt").write_text("not the workspace's\n")
    root = make_repo(base / "repo", {
        "src/app.py": "def main():\n    return 1\n",
        "src/settings.py": f"DEBUG = True\nNAME = 'app'\nAWS_ACCESS_KEY_ID = '{KEY}'\n"
                           "TIMEOUT = 30\nRETRIES = 3\n",  # one secret among other lines
        "deploy/creds.py": f"AWS_ACCESS_KEY_ID = '{KEY}'\n",  # secret material as a whole
        ".env": "TOKEN=abc\n",  # secret-bearing by name
    })
    os.symlink(outside, root / "out")  # a link to a folder outside the workspace
    os.symlink(outside / "notes.txt", root / "src" / "notes.txt")
    return root


@pytest.mark.parametrize(("raw", "rel"), [
    ("src/app.py", "src/app.py"),
    ("./src/../src/app.py", "src/app.py"),
    ("src", "src"),
    (".", "."),
    ("src/missing.py", "src/missing.py"),  # not refused: whether it exists is the query's say
])
def test_paths_inside_are_made_root_relative(repo: Path, raw: str, rel: str) -> None:
    assert workspace_path(repo, raw) == rel
    assert workspace_path(repo, str(repo / raw)) == rel  # absolute, the same


def test_a_path_is_taken_from_the_base_folder(repo: Path) -> None:
    assert workspace_path(repo, "app.py", base=repo / "src") == "src/app.py"
    assert workspace_path(repo, "../.env", base=repo / "src", secrets=Secrets.NONE) == ".env"


@pytest.mark.parametrize("raw", ["../outside/notes.txt", "/etc/passwd"])
def test_paths_outside_are_refused(repo: Path, raw: str) -> None:
    with pytest.raises(PathRefused, match="is outside the workspace") as err:
        workspace_path(repo, raw, what="path", secrets=Secrets.NONE)
    assert str(err.value) == f"refused: path {raw!r} is outside the workspace {repo.resolve()}"
    assert err.value.field == "path"


@pytest.mark.parametrize(("raw", "said"), [
    ("out", "is a symbolic link"), ("src/notes.txt", "is a symbolic link"),
    ("out/notes.txt", "leads through out, a symbolic link")])
def test_a_symlink_pointing_outside_is_refused_as_such(repo: Path, raw: str, said: str) -> None:
    """Written inside, a symbolic link on the way points outside: the refusal says so and that
    it is not read (it said "is outside the workspace" of a path in the workspace)."""
    with pytest.raises(PathRefused) as err:
        workspace_path(repo, raw, what="seed", secrets=Secrets.NONE)
    assert str(err.value) == (f"refused: seed {raw!r} {said} pointing outside the workspace "
                              f"{repo.resolve()}: it is not read; give a file inside the "
                              "workspace")
    assert err.value.field == "seed"


@pytest.mark.parametrize(("raw", "top"), [(".git/config", ".git"), (".git", ".git"),
                                          (".ctxsteward/index.db", ".ctxsteward")])
def test_git_and_our_own_folders_are_refused(repo: Path, raw: str, top: str) -> None:
    with pytest.raises(PathRefused, match=f"is inside {top}/, not the workspace's files"):
        workspace_path(repo, raw, secrets=Secrets.NONE)


@pytest.mark.parametrize(("raw", "refused_under"), [
    (".env", {Secrets.ANY, Secrets.WHOLE, Secrets.NAME}),  # by name: always
    ("deploy/creds.py", {Secrets.ANY, Secrets.WHOLE}),  # secret material as a whole
    ("src/settings.py", {Secrets.ANY}),  # one secret: a seed may show it masked
    ("src/app.py", set()),
])
def test_secrets_refuse_what_the_rule_says(repo: Path, raw: str,
                                           refused_under: set[Secrets]) -> None:
    for rule in Secrets:
        if rule in refused_under:
            with pytest.raises(PathRefused, match="may hold secrets") as err:
                workspace_path(repo, raw, what="seed", secrets=rule)
            assert KEY not in str(err.value)
            assert str(err.value).startswith(f"refused: seed {raw!r} is excluded: ")
        else:
            assert workspace_path(repo, raw, secrets=rule) == raw


@pytest.mark.parametrize(("raw", "message"), [("", "path is empty"), ("  ", "path is empty"),
                                              ("a\0b", "contains a NUL byte")])
def test_empty_and_nul_paths_are_refused(repo: Path, raw: str, message: str) -> None:
    with pytest.raises(PathRefused, match=message):
        workspace_path(repo, raw)


def test_the_workspace_checks_a_seed_path_and_keeps_its_line_or_symbol(repo: Path) -> None:
    ws = Workspace(repo)
    assert ws.seed("app.py:2", base=repo / "src") == "src/app.py:2"
    assert ws.seed("src/settings.py::NAME") == "src/settings.py::NAME"  # masked, not refused
    with pytest.raises(PathRefused) as err:
        ws.seed("deploy/creds.py:1")
    assert err.value.worded(CLI_WORDS).startswith("refused: seed 'deploy/creds.py' is excluded")
