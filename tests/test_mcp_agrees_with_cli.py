"""The MCP tools say what the command line says, on the same repository: the check's counts
and their wording, a bad number's refusal in the arguments' form, a missing path as an error.
The real server over stdio (the SDK's client) and the real command as a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from mcp_client import session, text

CLAUDE = """# Rules

Run `make test` before pushing, and `npm run lint`.
See `app/nothere.py` and `app/gone.py`.
Use `pytest -q tests/test_gone.py`.
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "app/__init__.py": "", "app/util.py": "def parse(text):\n    return int(text)\n",
        "CLAUDE.md": CLAUDE})


@pytest.fixture
def log(tmp_path: Path):  # noqa: ANN201 - a text file
    with (tmp_path / "server.log").open("w+") as f:
        yield f


async def test_check_instructions_counts_as_the_command_line_does(repo: Path,
                                                                   log: object) -> None:
    cli = run_cli("check", cwd=repo)
    summary = cli.stdout.strip().splitlines()[-1]
    assert summary == "3 errors, 2 warnings in 1 instruction file", cli.stdout
    async with session(repo, log) as s:  # type: ignore[arg-type]
        checked = await s.call_tool("check_instructions", {})
    assert not checked.is_error
    assert text(checked).splitlines()[0] == summary + ".", text(checked)


async def test_a_bad_number_is_refused_in_the_arguments_form(repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        share = await s.call_tool("suggest_bundle", {"task": "parse", "decisions_share": 5})
        budget = await s.call_tool("suggest_bundle", {"task": "parse", "budget": 0})
    assert share.is_error and budget.is_error
    assert text(budget).startswith("suggest_bundle: bad argument: budget must be at least 500 "
                                   "(got 0)"), text(budget)
    assert text(share) == (
        "suggest_bundle: bad argument: decisions_share must be between 0 (no decisions section) "
        "and 0.5 of the budget (got 5): pass a number in range, or leave it out for the "
        "default"), text(share)


async def test_token_budget_of_a_missing_path_is_an_error_as_in_the_cli(repo: Path,
                                                                       log: object) -> None:
    cli = run_cli("budget", "app/nosuch", cwd=repo)
    assert cli.returncode == 1
    async with session(repo, log) as s:  # type: ignore[arg-type]
        missing = await s.call_tool("token_budget", {"paths": ["app/nosuch"]})
        some = await s.call_tool("token_budget", {"paths": ["app/nosuch", "app/util.py"]})
    assert missing.is_error, text(missing)
    assert "no such file or folder in the workspace: 'app/nosuch'" in text(missing)
    # One path found: counted, the missing one named in a note (the CLI exits 0 then too).
    assert not some.is_error and "not indexed" in text(some)
    assert run_cli("budget", "app/nosuch", "app/util.py", cwd=repo).returncode == 0


async def test_handoff_write_refuses_a_note_made_read_only(repo: Path, log: object) -> None:
    assert run_cli("handoff", "--no-bundle", "--out", "HANDOFF.md", cwd=repo).returncode == 0
    note = repo / "HANDOFF.md"
    note.chmod(0o444)
    before = note.read_text("utf-8")
    (repo / "app" / "more.py").write_text("def more():\n    return 2\n", "utf-8")
    async with session(repo, log) as s:  # type: ignore[arg-type]
        wrote = await s.call_tool("handoff", {"write": True})
    assert wrote.is_error, text(wrote)
    assert "HANDOFF.md is read-only (permissions r--r--r--, mode 0444)" in text(wrote), text(wrote)
    assert note.read_text("utf-8") == before
