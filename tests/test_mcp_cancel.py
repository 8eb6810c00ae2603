"""Long MCP calls: progress while the first index builds, cancellation, and a client that goes away
mid-call. The real server over stdio with the SDK's client, on a repository large enough that
indexing and ranking take a while (about 1,500 files)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import anyio
import pytest
from gitutil import commit, make_repo
from mcp_client import data, server_params, session, text


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files: dict[str, str] = {}
    for i in range(1500):
        body = "".join(f"def func_{i}_{j}(x):\n    return helper_{(i + j) % 500}(x) + {j}\n\n\n"
                       for j in range(8))
        files[f"pkg{i % 30}/mod{i}.py"] = (
            f"from pkg{(i + 1) % 30}.mod{(i + 1) % 1500} import func_{(i + 1) % 1500}_0\n\n\n"
            + body + f"def helper_{i % 500}(x):\n    return x * {i}\n")
    root = make_repo(tmp_path_factory.mktemp("big") / "repo", dict(files))
    commit(root, "touch two modules", {"pkg1/mod1.py": files["pkg1/mod1.py"] + "\n",
                                       "pkg2/mod2.py": files["pkg2/mod2.py"] + "\n"})
    return root


def _cold(root: Path) -> None:
    shutil.rmtree(root / ".ctxsteward", ignore_errors=True)


async def _call_until(s, name: str, args: dict, prefix: str) -> tuple[list[str], bool]:  # noqa: ANN001
    """Start a call, cancel it once a progress message starting with ``prefix`` arrives; return
    the messages seen and whether the call was cancelled (rather than answered)."""
    seen = anyio.Event()
    messages: list[str] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")
        if (message or "").startswith(prefix):
            seen.set()

    answered = False
    async with anyio.create_task_group() as tg:
        async def call() -> None:
            nonlocal answered
            await s.call_tool(name, args, progress_callback=progress)
            answered = True

        tg.start_soon(call)
        await seen.wait()
        tg.cancel_scope.cancel()
    return messages, not answered


async def test_the_first_index_reports_progress_and_a_cancelled_wait_leaves_it_running(
        big: Path, tmp_path: Path) -> None:
    _cold(big)
    with (tmp_path / "server.log").open("w+") as log:
        async with session(big, log) as s:
            messages, cancelled = await _call_until(
                s, "suggest_bundle", {"seeds": ["pkg1/mod1.py"]}, "indexing")
            assert cancelled and messages[0].startswith("indexing: ")
            # The index build goes on; the next call waits for it and answers.
            answer = data(await s.call_tool("token_budget", {"paths": ["pkg1"]}))
            assert answer["paths"][0]["files"] == 50
        log.seek(0)
        server_log = log.read()
    assert "a call waiting for the first index was cancelled; indexing goes on" in server_log
    assert "job 1 (index) done" in server_log
    assert "server stopped" in server_log


async def test_cancelling_a_call_cancels_its_job(big: Path, tmp_path: Path) -> None:
    (big / ".ctxsteward" / "graph.bin").unlink(missing_ok=True)  # make ranking slow again
    with (tmp_path / "server.log").open("w+") as log:
        async with session(big, log) as s:
            data(await s.call_tool("token_budget", {}))  # the index is up to date
            messages, cancelled = await _call_until(
                s, "suggest_bundle", {"seeds": ["pkg1/mod1.py"]}, "suggest_bundle: started")
            assert cancelled
            after = await s.call_tool("find_context", {"query": "helper for module seven"})
            assert not after.is_error, text(after)
        log.seek(0)
        server_log = log.read()
    assert "(mcp:suggest_bundle) cancelled after" in server_log
    assert "the MCP client cancelled the call" in server_log
    assert "(mcp:find_context) done" in server_log
    assert "server stopped" in server_log


async def test_a_client_that_goes_away_mid_call_stops_the_work_and_the_server(
        big: Path, tmp_path: Path) -> None:
    (big / ".ctxsteward" / "graph.bin").unlink(missing_ok=True)
    outcome: list[str] = []
    with (tmp_path / "server.log").open("w+") as log:
        async with anyio.create_task_group() as outer, session(big, log) as s:
            started = anyio.Event()

            async def progress(done: float, total: float | None, message: str | None) -> None:
                if (message or "").startswith("suggest_bundle: started"):
                    started.set()

            async def call() -> None:
                try:
                    await s.call_tool("suggest_bundle", {"seeds": ["pkg2/mod2.py"]},
                                      progress_callback=progress)
                    outcome.append("answered")
                except Exception as e:  # noqa: BLE001 - the connection is gone
                    outcome.append(type(e).__name__)

            outer.start_soon(call)  # outlives the session: no cancel request is sent
            await started.wait()
            # Leaving the session closed the server's stdin with the call still in flight.
        log.seek(0)
        server_log = log.read()
    assert outcome == ["MCPError"]
    assert "(mcp:suggest_bundle) cancelled after" in server_log
    assert "server stopped" in server_log  # it shut down by itself, not killed


def test_a_killed_client_mid_index_leaves_the_server_exiting_quietly(
        big: Path, tmp_path: Path) -> None:
    # A client killed with SIGKILL closes its ends of the pipes without a word: the server's
    # stdin ends and its next write to stdout fails. That is what this client does, in raw
    # JSON-RPC, while a call waits for the first index.
    _cold(big)
    params = server_params(big)
    with (tmp_path / "server.log").open("w+") as log:
        proc = subprocess.Popen([params.command, *params.args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=log, env=params.env)
        assert proc.stdin is not None and proc.stdout is not None

        def send(message: dict) -> None:
            assert proc.stdin is not None
            proc.stdin.write((json.dumps(message) + "\n").encode())
            proc.stdin.flush()

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "killed", "version": "0"}}})
        assert json.loads(proc.stdout.readline())["id"] == 1
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "suggest_bundle", "arguments": {"task": "helper functions"},
            "_meta": {"progressToken": "p"}}})
        first = json.loads(proc.stdout.readline())
        assert first["method"] == "notifications/progress"
        assert first["params"]["message"].startswith("indexing")
        proc.stdin.close()
        proc.stdout.close()  # the client is gone
        status = proc.wait(timeout=60)
        log.seek(0)
        server_log = log.read()
    assert status == 0, server_log
    # "the client went away" is logged when a write was in flight as the pipe closed; when the
    # index's cancellation came first, stdin's end alone stops the server: quiet either way.
    assert "server stopped" in server_log
    assert "Traceback" not in server_log and "BrokenPipeError" not in server_log
