"""Refusals through a real LSP client (pytest-lsp against ``ctxsteward serve`` on a git repository
built here): a command the server refuses (bad arguments, a file that does not exist, a file not
in the bundle) answers with a clear message and is logged as one warning line, never as an error
with a traceback; removing what the bundle does not hold is told to the user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gitutil import make_repo
from lsp_client import server_command, start, stop, wait_for, wait_indexed
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from server.lsp.args import plain

MAIN = '''from app.util import helper


def main():
    return helper(2)
'''
UTIL = '''def helper(x):
    return x * 2


def unused():
    return 0
'''
OTHER = '''def far_away():
    """Nothing links here."""
    return "far"
'''


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    return plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=name, arguments=list(args))))


async def refused(client: LanguageClient, name: str, *args: Any) -> JsonRpcException:
    with pytest.raises(JsonRpcException) as caught:
        await command(client, name, *args)
    return caught.value


async def test_refusals_are_one_warning_line_and_removing_what_is_not_held_is_told(
        tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/main.py": MAIN,
                                         "app/util.py": UTIL, "far/other.py": OTHER,
                                         ".gitignore": "scratch.py\n"})
    (repo / "scratch.py").write_text(OTHER)  # on disk, never in a bundle: ignored
    log = tmp_path / "server.log"
    client = await start(repo, command=[*server_command(), "--log-file", str(log),
                                        "--log-level", "INFO"])
    try:
        await wait_indexed(client)
        main, other = (repo / "app/main.py").as_uri(), (repo / "scratch.py").as_uri()
        missing = (repo / "app/gone.py").as_uri()
        # Bad arguments and unknown files are refused with what to do.
        shape = await refused(client, "ctxsteward.addToBundle", 5)
        assert shape.message == ("ctxsteward.addToBundle: the argument must be a JSON object, "
                                 "got int")
        budget = await refused(client, "ctxsteward.suggestBundle", {"uri": main, "budget": -1})
        assert "'budget' must be a whole number ≥ 0, got -1" in budget.message
        outside = await refused(client, "ctxsteward.addToBundle", {"uri": "file:///etc/passwd"})
        assert "is outside the workspace" in outside.message

        bundle = await command(client, "ctxsteward.suggestBundle", {"uri": main, "budget": 2000})
        held = [i["path"] for i in bundle["items"]]
        assert "app/util.py" in held and "scratch.py" not in held
        # Adding a file that does not exist used to answer the bundle unchanged, silently.
        gone = await refused(client, "ctxsteward.addToBundle", {"uri": missing})
        assert gone.code == -32803
        assert gone.message == "app/gone.py does not exist: there is nothing to add"
        gone = await refused(client, "ctxsteward.removeFromBundle", {"uri": missing})
        assert gone.message == "app/gone.py does not exist: there is nothing to remove"

        # Removing a file the bundle does not hold: the bundle, and a message saying so.
        after = await command(client, "ctxsteward.removeFromBundle", {"uri": other})
        assert [i["path"] for i in after["items"]] == held
        told = await wait_for(lambda: [m for m in client.messages
                                       if "scratch.py" in m.message], 20, "the message")
        assert told[0].type == types.MessageType.Info
        assert told[0].message == ("Context Steward: scratch.py is not in the current bundle: "
                                   "nothing was removed (it is kept out of later suggestions)")
        removed = await command(client, "ctxsteward.removeFromBundle", {"uri": main.replace(
            "main.py", "util.py")})
        assert "app/util.py" not in [i["path"] for i in removed["items"]]
        assert not [m for m in client.messages if "app/util.py" in m.message]  # it was held
        await command(client, "ctxsteward.removeFromBundle",
                      {"uri": (repo / "app/util.py").as_uri()})
        again = await wait_for(lambda: [m for m in client.messages
                                        if "app/util.py" in m.message], 20, "the message")
        assert again[0].message == ("Context Steward: app/util.py is not in the current bundle: "
                                    "it was removed already")
    finally:
        await stop(client)

    text = log.read_text()
    assert "Traceback" not in text
    assert " ERROR " not in text and "ERROR:" not in text, text
    # One warning line per refusal, naming what was refused.
    warned = [line for line in text.splitlines() if "refused" in line and "Sending" not in line]
    assert len(warned) == 5, warned
    assert all("WARNING" in line and "refused: refused" not in line for line in warned), warned
    assert any("app/gone.py does not exist: there is nothing to add" in line for line in warned)
    # No refusal reached the client's log as an error either.
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]
