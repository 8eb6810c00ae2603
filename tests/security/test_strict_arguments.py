"""Bad arguments are refused, not coerced or ignored, and echoed only in part."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import pytest
from gitutil import make_repo, run_cli, snapshot
from mcp_client import session, text


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/core.py": "def handle(request):\n    return request.upper()\n",
    })


async def test_mcp_arguments_are_strict(repo: Path, log: TextIO) -> None:
    async with session(repo, log) as s:
        listed = await s.list_tools()
        assert all(t.input_schema.get("additionalProperties") is False for t in listed.tools)
        before = snapshot(repo)
        coerced = await s.call_tool("handoff", {"write": "yes"})
        assert coerced.is_error and "write" in text(coerced), text(coerced)
        assert snapshot(repo) == before  # no HANDOFF.md written on a "yes"
        unknown = await s.call_tool("find_context", {"query": "handle", "limti": 5})
        assert unknown.is_error and "unknown argument 'limti'" in text(unknown), text(unknown)
        as_text = await s.call_tool("find_context", {"query": "handle", "limit": "5"})
        assert as_text.is_error and "limit" in text(as_text), text(as_text)
        fine = await s.call_tool("find_context", {"query": "handle requests", "limit": 5})
        assert not fine.is_error, text(fine)

        long_name = "x" * 4000 + "/"
        bad = await s.call_tool("suggest_bundle", {"seeds": ["app/core.py"], "save": long_name})
        assert bad.is_error and "4,001 characters" in text(bad), text(bad)
        assert len(text(bad)) < 400


def test_cli_shortens_a_long_bad_bundle_name(repo: Path) -> None:
    done = run_cli("bundle", "--seed", "app/core.py", "--save", "y" * 5000 + "!", cwd=repo)
    assert done.returncode == 2
    assert "5,001 characters" in done.stderr and len(done.stderr) < 400, done.stderr
