"""Verifier findings on the language server: out-of-range positions, symlink loops, SIGINT, and
tokens in symbol names (real ``ctxsteward serve`` over stdio, real repositories built here)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from gitutil import make_repo
from lsp_client import plain, server_command, start, stop, wait_indexed
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SOURCE = f"def {TOKEN}():\n    return 1\n\n\ndef plain_name():\n    return {TOKEN}()\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    r = make_repo(tmp_path_factory.mktemp("regress") / "repo", {
        "app/tok.py": SOURCE, "app/other.py": "def beta():\n    return 2\n"})
    os.symlink("loop2", r / "loop1")
    os.symlink("loop1", r / "loop2")
    return r


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    c = await start(repo, options={"inlayHintMinTokens": 0})  # hints on these small functions
    await wait_indexed(c)
    yield c
    await stop(c)


async def command(client: LanguageClient, name: str, arg: object) -> object:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=name, arguments=[arg]))


@pytest.mark.parametrize("name", ["ctxsteward.suggestBundle", "ctxsteward.addToBundle"])
async def test_out_of_range_position_is_invalid_params(client: LanguageClient, repo: Path,
                                                        name: str) -> None:
    uri = (repo / "app" / "other.py").as_uri()
    for pos in ({"line": 2**31, "character": 0}, {"line": 0, "character": 2**40}):
        with pytest.raises(JsonRpcException) as e:
            await command(client, name, {"uri": uri, "position": pos})
        assert e.value.code == -32602, e.value
        assert "out of range" in str(e.value) and "Traceback" not in str(e.value)


@pytest.mark.parametrize("name", ["ctxsteward.previewHandoff", "ctxsteward.generateHandoff"])
async def test_symlink_loop_path_is_a_clear_error(client: LanguageClient, name: str) -> None:
    with pytest.raises(JsonRpcException) as e:
        await command(client, name, {"path": "loop1"})
    assert e.value.code != -32603, e.value
    assert "never resolves" in str(e.value) and "Traceback" not in str(e.value)


async def test_token_in_a_symbol_name_is_redacted(client: LanguageClient, repo: Path) -> None:
    uri = (repo / "app" / "tok.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=SOURCE)))
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=0, character=8)))
    assert h is not None and "redacted" in json.dumps(plain(h.contents), default=str)
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=9, character=0))))
    shown = repr(plain(h)) + repr(plain(hints))
    assert hints and TOKEN not in shown
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=8),
                          end=types.Position(line=0, character=8)),
        context=types.CodeActionContext(diagnostics=[])))
    assert TOKEN not in repr(plain(actions))


async def test_sigint_ends_the_server(repo: Path) -> None:
    proc = subprocess.Popen(server_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=repo)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "capabilities": {}, "rootUri": repo.as_uri(), "processId": None}}).encode()
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()
    assert b"Content-Length" in proc.stdout.readline()  # it answers: the loop runs
    proc.send_signal(signal.SIGINT)
    try:
        rc = proc.wait(timeout=30)  # a bound for a hang, not a speed assertion
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc is not None
    assert sys.platform != "linux" or not Path(f"/proc/{proc.pid}").exists()
