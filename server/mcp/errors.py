"""How the MCP edge words failures: the one place a failure becomes what the client sees.

Every tool, resource and prompt runs through :meth:`~server.mcp.session.McpSession.call`, which
hands any failure to :func:`protocol_error`: a :class:`~analyzers.app.errors.RequestError` (bad
input: a refused path, an unknown seed, a bad bundle name...) is worded with :data:`MCP_WORDS`, a
stopped job says it was stopped, a failed job or an answer that cannot fit says why, and anything
unexpected is logged with its traceback and answered as ``KIND failed: TYPE: message``. The
endpoint decides only the protocol's form: a tool error (``isError: true``), a resource error or a
JSON-RPC error.

Argument *shapes* (types, ranges, unknown names) are refused before any of this, by the SDK's
validation (worded in :func:`server.mcp.server._argument_errors`) and the tools' own checks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from mcp.server.mcpserver.exceptions import (
    MCPServerError,
    ResourceError,
    ResourceNotFoundError,
    ToolError,
)
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS

from analyzers.app.errors import RequestError
from analyzers.cancel import Cancelled

log = logging.getLogger("ctxsteward.mcp")

# The request fields as the MCP tools name them (see analyzers.app.errors).
MCP_WORDS: dict[str, str] = {
    "seed": "seed (in seeds)", "task": "task", "budget": "budget", "limit": "limit",
    "pin": "pinned file", "exclude": "the server's --exclude globs",
    "save": "suggest_bundle's save argument", "verify": "verify_bundle's name", "base": "base",
    "paths": "paths", "name": "bundle name", "root": "the server's --root", "format": "format",
    "rank_only": "", "decisions_share": "decisions_share",
    "max_file_size": "the server's --max-file-size",
}

# An endpoint's protocol form for a failure: (the message for the client, the failure).
ErrorForm = Callable[[str, Exception], Exception]


class JobFailed(Exception):
    """A job ended without a result: the first index could not be built, say."""


class AnswerTooLarge(ValueError):
    """Even the smallest answer exceeds the budget (a huge task text, say)."""


def tool_error(message: str, e: Exception) -> Exception:
    """A tool's failure: an ``isError`` result the calling model reads."""
    return ToolError(message)


def prompt_error(message: str, e: Exception) -> Exception:
    """A prompt's failure: a JSON-RPC error, invalid params unless the failure was unexpected."""
    return MCPError(code=INVALID_PARAMS if expected(e) else INTERNAL_ERROR, message=message)


def resource_error(message: str, e: Exception) -> Exception:
    """A resource's failure (``-32603``)."""
    return ResourceError(message)


def missing_resource_error(message: str, e: Exception) -> Exception:
    """A resource named by bad input (a bundle never saved) is not found (``-32602``)."""
    return ResourceNotFoundError(message) if isinstance(e, RequestError) else ResourceError(message)


def expected(e: Exception) -> bool:
    """Whether ``e`` is a failure the edge anticipates (else a bug, logged with its traceback)."""
    from analyzers.handoff.markdown import NoteParseError

    return isinstance(e, (RequestError, Cancelled, JobFailed, AnswerTooLarge, NoteParseError))


def failure_text(kind: str, e: Exception) -> str:
    """What the client is told about ``e``, raised while answering ``kind``."""
    if isinstance(e, RequestError):
        return e.worded(MCP_WORDS)
    if isinstance(e, Cancelled):
        return f"{kind} was stopped: {e}"
    if expected(e):
        return str(e)
    log.error("%s failed", kind, exc_info=e)
    return f"{kind} failed: {type(e).__name__}: {e}"


def protocol_error(kind: str, e: Exception, form: ErrorForm = tool_error) -> Exception:
    """``e`` as the endpoint's protocol error (one already in protocol form is kept)."""
    if isinstance(e, (MCPServerError, MCPError)):
        return e
    return form(failure_text(kind, e), e)
