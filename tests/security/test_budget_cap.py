"""A bundle budget is capped at one shared limit,
``analyzers.bundles.assemble.MAX_BUDGET`` (issue item 13):
the CLI and ``ctxsteward.suggestBundle`` refuse 10**15 with a message naming the limit, and the
limit itself is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from lsp_client import start, stop, wait_indexed
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from analyzers.app.requests import MAX_BUDGET

FILES = {"app/greet.py": "def greet(name):\n    return f'hello {name}'\n",
         "app/main.py": "from app.greet import greet\n\n\ndef main():\n    greet('x')\n"}


def test_cli_refuses_a_budget_over_the_cap(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", FILES)
    run = run_cli("bundle", "--seed", "app/main.py", "--budget", str(10**15), cwd=root)
    assert run.returncode != 0
    assert f"{MAX_BUDGET:,}" in run.stderr and "too large" in run.stderr, run.stderr
    ok = run_cli("bundle", "--seed", "app/main.py", "--budget", str(MAX_BUDGET), cwd=root)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.asyncio
async def test_lsp_suggest_bundle_refuses_a_budget_over_the_cap(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", FILES)
    client = await start(root)
    try:
        await wait_indexed(client)
        uri = (root / "app" / "main.py").as_uri()
        with pytest.raises(JsonRpcException, match=f"at most {MAX_BUDGET:,}"):
            await client.workspace_execute_command_async(types.ExecuteCommandParams(
                command="ctxsteward.suggestBundle", arguments=[{"uri": uri, "budget": 10**15}]))
        result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="ctxsteward.suggestBundle", arguments=[{"uri": uri, "budget": MAX_BUDGET}]))
        assert result is not None
    finally:
        await stop(client)
