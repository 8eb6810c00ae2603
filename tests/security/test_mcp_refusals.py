"""The MCP server refuses what it refused before its checks moved off the event loop, with the
same words (but a symlink leading out, which says so now): seeds and paths that are
secret-bearing, outside the workspace (by ``..``, by an absolute path, through a symlink),
inside ``.git`` or ``.ctxsteward``, a symlink loop, a NUL byte; unknown seeds, lines and
symbols; bad bundle names; bad git refs. The real server over stdio, with the SDK's client, on a
real git repository.

Where the words changed, they changed on purpose, to the application layer's one wording: a seed
without a path names the form to give (it said "seed is empty"), a bundle never saved no longer
names the CLI's ``--save NAME``, and a call with neither seeds nor a task gets the one validity
check's words (it said "give seeds (files at hand) or a task, or both"), and a bad git ref says
what a ref may hold and what to do (the ref quoted masked, cut, without control characters).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

import pytest
from gitutil import make_folder, make_repo, snapshot
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from mcp_client import session, text

SECRET = "AKIA" + "Q3EGUCH4ZJ7KRXW2"  # an AWS access key id form, assembled at run time

# A bad base's words (analyzers.app.requests.BASE_HINT), pinned here.
BASE_HINT = ("use a branch, tag or commit that exists (`git branch -a` lists the branches, "
             "`git tag` the tags, `git log` the commits)")
NOT_A_REF = " (no blanks or control characters, no '-' first, at most 200 characters); "
# (tool, arguments, the error's whole text); {tmp} is the test's folder, {root} the workspace.
REFUSALS = [
    ("suggest_bundle", {"seeds": [".env"]},
     "refused: seed '.env' is excluded: secret-bearing file name (.env)"
     " (it may hold secrets: its content is never shown)"),
    ("suggest_bundle", {"seeds": ["app/keys.py"]},
     "refused: seed 'app/keys.py' is excluded: secret material as a whole: 1 of 1 "
     "non-blank line holds a secret (AWS Access Key) (it may hold secrets: its content is "
     "never shown)"),
    ("suggest_bundle", {"seeds": ["app/keys.py:1"]},
     "refused: seed 'app/keys.py' is excluded: secret material as a whole: 1 of 1 "
     "non-blank line holds a secret (AWS Access Key) (it may hold secrets: its content is "
     "never shown)"),
    ("suggest_bundle", {"seeds": ["../elsewhere/notes.txt"]},
     "refused: seed '../elsewhere/notes.txt' is outside the workspace {root}"),
    ("suggest_bundle", {"seeds": ["{tmp}/elsewhere/notes.txt::x"]},
     "refused: seed '{tmp}/elsewhere/notes.txt' is outside the workspace {root}"),
    ("suggest_bundle", {"seeds": ["linkout/notes.txt"]},
     "refused: seed 'linkout/notes.txt' leads through linkout, a symbolic link pointing outside "
     "the workspace {root}: it is not read; give a file inside the workspace"),
    ("suggest_bundle", {"seeds": ["loop1"]}, "seed 'loop1': a symlink that never resolves"),
    ("suggest_bundle", {"seeds": [".git/config"]},
     "refused: seed '.git/config' is inside .git/, not the workspace's files"),
    ("suggest_bundle", {"seeds": [".ctxsteward"]},
     "refused: seed '.ctxsteward' is inside .ctxsteward/, not the workspace's files"),
    ("suggest_bundle", {"seeds": ["a\0b"]}, "seed 'a\\x00b' contains a NUL byte"),
    ("suggest_bundle", {"seeds": ["app/main.py::"]},
     "seed 'app/main.py::': the symbol after '::' is missing (give PATH::SYMBOL)"),
    ("suggest_bundle", {"seeds": ["app/missing.py"]},
     "seed 'app/missing.py': no such file in the index of {root}; give the path of one of its "
     "files, relative to that folder"),
    ("suggest_bundle", {"seeds": ["app"]}, "seed 'app' is a folder; give a file inside it"),
    ("suggest_bundle", {"seeds": ["app/main.py:99"]},
     "seed 'app/main.py:99': app/main.py has 2 lines; give a line from 1 to 2, or app/main.py "
     "alone"),
    ("suggest_bundle", {"seeds": ["app/main.py::nope"]},
     "seed 'app/main.py::nope': app/main.py defines no 'nope'; give one it defines (main) or "
     "app/main.py alone"),
    ("suggest_bundle", {}, "give at least one seed (in seeds) or a task"),
    ("suggest_bundle", {"task": "  "}, "the task is empty (or only blanks): say what the agent "
     "is asked to do in words, or give a seed (in seeds)"),
    ("verify_bundle", {"name": "never-saved"},
     "no saved bundle named 'never-saved' (none saved yet: use suggest_bundle's save "
     "argument)"),
    ("token_budget", {"paths": [".env"]},
     "refused: path '.env' is excluded: secret-bearing file name (.env)"
     " (it may hold secrets: its content is never shown)"),
    ("token_budget", {"paths": ["app/keys.py"]},
     "refused: path 'app/keys.py' is excluded: AWS Access Key detected on line 1"
     " (it may hold secrets: its content is never shown)"),
    ("token_budget", {"paths": ["app/auth.py"]},
     "refused: path 'app/auth.py' is excluded: AWS Access Key detected on line 1"
     " (it may hold secrets: its content is never shown)"),
    ("token_budget", {"paths": ["../elsewhere"]},
     "refused: path '../elsewhere' is outside the workspace {root}"),
    ("token_budget", {"paths": ["linkout"]},
     "refused: path 'linkout' is a symbolic link pointing outside the workspace {root}: it is "
     "not read; give a file inside the workspace"),
    ("token_budget", {"paths": ["loop1"]}, "path 'loop1': a symlink that never resolves"),
    ("token_budget", {"paths": [".git/config"]},
     "refused: path '.git/config' is inside .git/, not the workspace's files"),
    ("token_budget", {"paths": [""]}, "path is empty"),
    ("check_instructions", {"paths": ["/etc"]},
     "refused: path '/etc' is outside the workspace {root}"),
    ("check_instructions", {"paths": [".env"]},
     "refused: path '.env' is excluded: secret-bearing file name (.env)"
     " (it may hold secrets: its content is never shown)"),
    ("handoff", {"base": "--output=/tmp/x"}, "refused: base '--output=/tmp/x' is not a git ref"
     f"{NOT_A_REF}{BASE_HINT}"),
    ("handoff", {"base": "no-such-branch"},
     f"base 'no-such-branch' does not name a commit in this repository; {BASE_HINT}"),
]

# A seed without a path: the one seed grammar's words, naming the form to give.
NO_PATH = [("", "seed '': the path is missing (give PATH)"),
           ("::main", "seed '::main': the path is missing (give PATH::SYMBOL)"),
           (":3", "seed ':3': the path is missing (give PATH:LINE)")]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {
        "app/main.py": "def main():\n    return 1\n",
        "app/keys.py": f"AWS_ACCESS_KEY_ID = '{SECRET}'\n",
        "app/auth.py": f"AWS_ACCESS_KEY_ID = '{SECRET}'\n\ndef login():\n    return 1\n",
        ".env": f"AWS_KEY={SECRET}\n", "CLAUDE.md": "# Rules\n"})
    make_folder(tmp_path / "elsewhere", {"notes.txt": "not yours\n"})
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.symlink(tmp_path / "elsewhere", root / "linkout")
    return root


def _filled(value: object, tmp: Path, root: Path) -> object:
    """``value`` with {tmp} and {root} filled in (in strings, and strings in lists)."""
    if isinstance(value, list):
        return [_filled(v, tmp, root) for v in value]
    if isinstance(value, str):
        return value.replace("{tmp}", str(tmp)).replace("{root}", str(root))
    return value


async def test_refusals_are_worded_as_before(repo: Path, tmp_path: Path, log: TextIO) -> None:
    async with session(repo, log) as s:
        await s.call_tool("suggest_bundle", {"seeds": ["app/main.py"]})  # the index is warm
        before = snapshot(repo)
        for tool, args, expected in REFUSALS:
            args = {k: _filled(v, tmp_path, repo) for k, v in args.items()}
            result = await s.call_tool(tool, args)
            assert result.is_error, (tool, args, text(result))
            assert text(result) == (f"{tool}: "
                                    f"{_filled(expected, tmp_path, repo)}"), (tool, args)
            assert SECRET not in text(result)
        for seed, expected in NO_PATH:
            result = await s.call_tool("suggest_bundle", {"seeds": [seed]})
            assert result.is_error and text(result) == \
                f"suggest_bundle: {expected}", (seed, text(result))
        with pytest.raises(MCPError) as err:
            await s.read_resource("ctxsteward://bundles/never-saved")
        assert err.value.error.code == INVALID_PARAMS
        assert err.value.error.message == ("no saved bundle named 'never-saved' (none saved "
                                           "yet: use suggest_bundle's save argument)")
        assert snapshot(repo) == before  # nothing written: no bundle, no note
    log.seek(0)
    assert "Traceback" not in log.read()
