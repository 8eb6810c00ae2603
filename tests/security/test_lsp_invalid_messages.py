"""Every request gets a response, even one pygls cannot deserialize (issue item 10).

Raw JSON-RPC over stdio to the real ``ctxsteward serve`` (no LSP client library in between, so
the messages can be as broken as a buggy or hostile client makes them): a hover at line -1, at
2**31 and 2**63, with a string position, without ``textDocument``; an inlay-hint request and a
code lens request with broken parameters; a request without ``"jsonrpc"``. Each is answered
with an error carrying the same id (InvalidParams, -32602, for broken parameters), and the
server still answers a valid hover afterwards. Timeouts are generous and assert nothing about
speed: they only turn a hang into a failure.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from gitutil import make_repo
from lsp_client import server_command

TIMEOUT = 60.0
GREET = "def greet(name):\n    return f'hello {name}'\n\n\ndef main():\n    greet('x')\n"


class Raw:
    """A language server process spoken to in framed JSON-RPC, one reader thread."""

    def __init__(self, root: Path, stderr: Any = subprocess.DEVNULL) -> None:
        self.proc = subprocess.Popen(server_command(), cwd=root, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=stderr)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, out: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            self.messages.put(json.loads(out.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def response(self, msg_id: Any) -> dict[str, Any]:
        """The response to ``msg_id``; requests from the server are answered with null."""
        while True:
            try:
                msg = self.messages.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no response to request {msg_id!r}") from None
            if "method" in msg and "id" in msg:  # a request of the server's: say null
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                continue
            if "method" not in msg and msg.get("id") == msg_id:
                return msg

    def request(self, msg_id: Any, method: str, params: Any) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.response(msg_id)

    def close(self) -> None:
        try:
            self.request("bye", "shutdown", None)
            self.send({"jsonrpc": "2.0", "method": "exit"})
            self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Raw, str]]:
    root = make_repo(tmp_path_factory.mktemp("raw") / "repo", {"app/greet.py": GREET})
    raw = Raw(root)
    init = raw.request(1, "initialize", {"processId": None, "rootUri": root.as_uri(),
                                         "capabilities": {}})
    assert "result" in init, init
    raw.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    uri = (root / "app" / "greet.py").as_uri()
    raw.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": GREET}}})
    yield raw, uri
    raw.close()


def hover_params(uri: str, line: Any, character: Any = 0) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


BROKEN: dict[str, tuple[str, Any]] = {
    "line -1": ("textDocument/hover", "LINE_MINUS_1"),
    "line 2**31": ("textDocument/hover", "LINE_2_31"),
    "line 2**63": ("textDocument/hover", "LINE_2_63"),
    "character -5": ("textDocument/hover", "CHAR_MINUS_5"),
    "string position": ("textDocument/hover", "STRING_POSITION"),
    "missing textDocument": ("textDocument/hover", {"position": {"line": 0, "character": 0}}),
    "params null": ("textDocument/hover", None),
    "inlay range end -1": ("textDocument/inlayHint", "INLAY"),
    "code lens without textDocument": ("textDocument/codeLens", {}),
    "definition-less method, bad params": ("textDocument/codeAction", {"textDocument": 3}),
}


def params_for(uri: str, spec: Any) -> Any:
    return {
        "LINE_MINUS_1": hover_params(uri, -1),
        "LINE_2_31": hover_params(uri, 2**31),
        "LINE_2_63": hover_params(uri, 2**63),
        "CHAR_MINUS_5": hover_params(uri, 0, -5),
        "STRING_POSITION": {"textDocument": {"uri": uri}, "position": "0:0"},
        "INLAY": {"textDocument": {"uri": uri}, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": -1, "character": 0}}},
    }.get(spec, spec) if isinstance(spec, str) else spec


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_request_with_invalid_params_gets_an_error_with_its_id(
        server: tuple[Raw, str], case: str) -> None:
    raw, uri = server
    method, spec = BROKEN[case]
    msg_id = f"broken-{case}"
    answer = raw.request(msg_id, method, params_for(uri, spec))
    assert answer["id"] == msg_id
    assert answer["error"]["code"] == -32602, answer
    assert method in answer["error"]["message"]


def test_integer_ids_are_kept(server: tuple[Raw, str]) -> None:
    raw, uri = server
    answer = raw.request(2**40, "textDocument/hover", hover_params(uri, -1))
    assert answer["id"] == 2**40 and answer["error"]["code"] == -32602


def test_a_request_without_jsonrpc_version_gets_invalid_request(
        server: tuple[Raw, str]) -> None:
    raw, uri = server
    raw.send({"id": 77, "method": "textDocument/hover", "params": hover_params(uri, 0)})
    answer = raw.response(77)
    assert answer["error"]["code"] == -32600, answer


def test_the_server_still_answers_after_broken_requests(server: tuple[Raw, str]) -> None:
    raw, uri = server
    for i in range(3):
        raw.request(f"again-{i}", "textDocument/hover", hover_params(uri, 2**31))
    answer = raw.request(500, "textDocument/hover", hover_params(uri, 0, 5))
    assert "error" not in answer, answer
    assert answer["result"] is not None and "greet" in answer["result"]["contents"]["value"]
    # A valid position past the end of the document is answered too (null).
    past = raw.request(501, "textDocument/hover", hover_params(uri, 2**31 - 1, 2**31 - 1))
    assert "error" not in past and past["result"] is None, past


def test_bad_commands_are_logged_one_line_each_without_a_traceback(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Bad input is no server fault: the server's stderr gets one warning line per refused
    command (what was answered), no traceback (those are for unexpected failures)."""
    base = tmp_path_factory.mktemp("raw-log")
    root = make_repo(base / "repo", {"app/greet.py": GREET})
    log = base / "stderr.txt"
    bad = [("ctxsteward.previewHandoff", {"base": "-evil"}, "'-evil' is not a git ref"),
           ("ctxsteward.suggestBundle", {"budget": -3}, "'budget' must be a whole number"),
           ("ctxsteward.generateHandoff", {"path": "../x.md"}, "is outside the workspace"),
           ("ctxsteward.checkInstructions", {"paths": ["../etc"]}, "is outside the workspace"),
           ("ctxsteward.suggestBundle", {}, "give at least one file")]
    with log.open("wb") as err:
        raw = Raw(root, stderr=err)
        try:
            assert "result" in raw.request(1, "initialize", {
                "processId": None, "rootUri": root.as_uri(), "capabilities": {}})
            raw.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
            for i, (command, args, why) in enumerate(bad):
                answer = raw.request(10 + i, "workspace/executeCommand",
                                     {"command": command, "arguments": [args]})
                assert answer["error"]["code"] == -32803 and why in answer["error"]["message"]
        finally:
            raw.close()
    text = log.read_text()
    assert "Traceback" not in text, text
    for i, (_, _, why) in enumerate(bad):
        lines = [ln for ln in text.splitlines() if f"request {10 + i} refused: " in ln]
        assert len(lines) == 1 and why in lines[0] and lines[0].startswith("WARNING"), text
