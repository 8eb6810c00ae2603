"""Every MCP tool refuses bad input in one form, through the real server over stdio (the SDK's
own client): a tool result with ``isError: true`` whose text is ``TOOL: what is wrong, what to
do``, never a protocol error and never the SDK's ``Error executing tool TOOL: `` (which only the
refusals found inside the tools had, the argument checks' not)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gitutil import make_repo
from mcp.shared.exceptions import MCPError
from mcp_client import session, text

from server.mcp.tools import TOOLS

FILES = {"a.py": "def alpha():\n    return 1\n\n\ndef beta():\n    return 2\n",
         "b.py": "from a import alpha\n\nprint(alpha())\n",
         ".env": "TOKEN=abc123secret\n"}

# (tool, arguments, what the text must hold after "TOOL: ")
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("suggest_bundle", {}, "give at least one seed (in seeds) or a task"),
    ("suggest_bundle", {"task": "   "}, "the task is empty (or only blanks): say what the agent "
     "is asked to do in words, or give a seed (in seeds)"),
    ("suggest_bundle", {"seeds": ["nope.py"]},
     "; give the path of one of its files, relative to that folder"),
    ("suggest_bundle", {"seeds": ["../etc/passwd"]}, "is outside the workspace"),
    ("suggest_bundle", {"seeds": [".env"]}, "it may hold secrets"),
    ("suggest_bundle", {"seeds": ["a.py:99"]}, "a.py has 6 lines; give a line from 1 to 6"),
    ("suggest_bundle", {"seeds": ["a.py::gamma"]},
     "a.py defines no 'gamma'; give one it defines (alpha, beta) or a.py alone"),
    ("suggest_bundle", {"task": "x", "budget": 5}, "bad argument: budget must be at least"),
    ("suggest_bundle", {"task": "x", "save": "../x"}, "bad argument: save must be a bundle name"),
    ("suggest_bundle", {"task": "x", "bogus": 1}, "unknown argument 'bogus'; it takes"),
    ("verify_bundle", {"name": "never"}, "no saved bundle named 'never'"),
    ("verify_bundle", {}, "bad argument: name is required: pass it"),
    ("find_context", {"query": ""}, "bad argument: query is empty (got ''): pass a text"),
    ("find_context", {"query": "   "}, "the task is empty: say what you are looking for"),
    ("find_context", {"query": "x", "limit": 0}, "bad argument: limit must be at least 1"),
    ("token_budget", {"paths": ["nope.py"]}, "no such file or folder in the workspace"),
    ("token_budget", {"paths": [".git"]}, "is inside .git/"),
    ("check_instructions", {"paths": ["nope.md"]},
     "no such file or folder in the workspace: 'nope.md'; nothing was checked (check the "
     "paths, or leave them out for every instruction file)"),
    ("check_instructions", {"paths": ["../x"]}, "is outside the workspace"),
    ("handoff", {"base": "no-such-ref"}, "does not name a commit in this repository"),
    ("handoff", {"base": "--evil"}, "is not a git ref"),
    ("handoff", {"write": "yes"}, "bad argument: write must be true or false"),
]


def test_every_tool_is_refused_here() -> None:
    assert {t.fn.__name__ for t in TOOLS} == {tool for tool, _, _ in REFUSALS}


async def test_every_refusal_is_a_tool_error_in_one_form(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    with (tmp_path / "server.log").open("w+") as log:
        async with session(repo, log) as s:
            for tool, arguments, said in REFUSALS:
                result = await s.call_tool(tool, arguments)  # a protocol error would raise
                got = text(result)
                assert result.is_error, (tool, arguments, got)
                assert got.startswith(f"{tool}: "), (tool, arguments, got)
                assert said in got, (tool, arguments, got)
                assert "Error executing tool" not in got
                assert "should have" not in got and "Input should" not in got, got
            unknown = await s.call_tool("suggest_bundles", {"task": "x"})
            assert unknown.is_error
            assert text(unknown) == (
                "unknown tool 'suggest_bundles': the tools are check_instructions, find_context, "
                "handoff, suggest_bundle, token_budget, verify_bundle (tools/list describes "
                "them)")
            # Resources and prompts have no error result: theirs stay protocol errors.
            with pytest.raises(MCPError, match="no saved bundle named 'never'"):
                await s.read_resource("ctxsteward://bundles/never")
            with pytest.raises(MCPError, match="needs the argument task"):
                await s.get_prompt("start-task", {})
        log.seek(0)
        assert "Traceback" not in log.read()
