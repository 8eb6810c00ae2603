"""Start the real ``ctxsteward mcp`` over stdio with the SDK's own client (``ClientSession`` +
``stdio_client``), for the MCP tests."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

from gitutil import git_env
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import CallToolResult


def server_params(root: Path, *extra: str) -> StdioServerParameters:
    exe = Path(sys.executable).parent / "ctxsteward"
    command, args = (str(exe), []) if exe.exists() else (sys.executable, ["-m", "server.cli"])
    return StdioServerParameters(command=command, args=[*args, "mcp", "--root", str(root), *extra],
                                 env=git_env())


@asynccontextmanager
async def session(root: Path, log: TextIO, *extra: str) -> AsyncIterator[ClientSession]:
    """An initialized client session with a fresh server for ``root``; its stderr goes to
    ``log`` (a real file)."""
    async with stdio_client(server_params(root, *extra), errlog=log) as (read, write), \
            ClientSession(read, write) as s:
        await s.initialize()
        await s.list_tools()  # the client validates structured content against these schemas
        yield s


def text(result: CallToolResult) -> str:
    return "".join(getattr(c, "text", "") for c in result.content)


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return result.structured_content


def structured_json(result: CallToolResult) -> str:
    """The structured content as Claude Code and Codex hand it to a model."""
    return json.dumps(result.structured_content, ensure_ascii=False, separators=(",", ":"))
