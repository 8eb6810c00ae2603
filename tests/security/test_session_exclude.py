"""An MCP session's --exclude keeps files out of every answer of that session (bundles, search,
token budgets), and a verify of a bundle never saved writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from gitutil import make_folder, make_repo, run_cli
from mcp_client import data, session, text


async def test_mcp_exclude_applies_to_every_answer(tmp_path: Path, log: TextIO) -> None:
    repo = make_repo(tmp_path / "repo", {
        "app/invoice.py": "def invoice_total(items):\n    return sum(items)\n",
        "vendor/invoice_lib.py": "def invoice_total_vendor(items):\n    return sum(items)\n",
    })
    async with session(repo, log, "--exclude", "vendor/") as s:
        budget = await s.call_tool("token_budget", {})
        assert not budget.is_error, text(budget)
        assert "vendor" not in text(budget) and "app/" in text(budget)
        found = await s.call_tool("find_context", {"query": "invoice total"})
        assert "vendor/" not in text(found) and "app/invoice.py" in text(found)
        prompt = await s.get_prompt("start-task", {"task": "fix the invoice total"})
        assert "vendor/invoice_lib.py" not in prompt.messages[0].content.text  # type: ignore
        bundle = data(await s.call_tool("suggest_bundle", {"task": "invoice total"}))
        assert all(not i["path"].startswith("vendor/") for i in bundle["items"])


def test_verifying_a_bundle_never_saved_writes_nothing(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "plain", {"a.py": "def a():\n    return 1\n"})
    done = run_cli("bundle", "--verify", "never-saved", cwd=folder)
    assert done.returncode == 2 and "no saved bundle named 'never-saved'" in done.stderr
    assert not (folder / ".ctxsteward").exists()
