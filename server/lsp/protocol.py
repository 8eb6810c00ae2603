"""Every request gets a response, even one whose parameters cannot be read.

pygls deserializes a message inside ``json.loads(body, object_hook=structure_message)``: when the
parameters do not fit the method's types (a line of -1 or 2**31, a position given as a string, a
missing ``textDocument``), ``structure_message`` raises, the read loop logs the exception, and the
request is never answered - the client waits forever. Here a request that fails to structure is
answered with InvalidParams (-32602) carrying its id (InvalidRequest, -32600, for a message that
is no JSON-RPC request at all); a notification that fails is dropped with a log line, as JSON-RPC
wants (nothing may answer a notification).
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import Workspace

from server.lsp.textdoc import StewardWorkspace

log = logging.getLogger(__name__)

INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


class Unreadable:
    """Stands for a request that could not be structured: answered with an error, not run."""

    __slots__ = ("code", "message", "msg_id")

    def __init__(self, msg_id: int | str, code: int, message: str) -> None:
        self.msg_id = msg_id
        self.code = code
        self.message = message


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _why(exc: BaseException) -> str:
    """A short description of a structuring error (cattrs groups name the failing fields)."""
    notes = getattr(exc, "__notes__", None) or []
    parts = [str(exc).splitlines()[0] if str(exc) else type(exc).__name__]
    for sub in getattr(exc, "exceptions", ()) or ():
        sub_notes = getattr(sub, "__notes__", None) or []
        parts.append(f"{sub_notes[0] if sub_notes else ''} {_why(sub)}".strip())
    if notes:
        parts.insert(0, str(notes[0]))
    return "; ".join(p for p in parts if p)[:500]


class StewardProtocol(LanguageServerProtocol):
    """:class:`LanguageServerProtocol` that answers requests it cannot deserialize, and keeps
    open documents as lines (:mod:`.textdoc`: an edit of a huge document costs little)."""

    @property
    def _workspace(self) -> Workspace | None:
        return self.__dict__.get("_steward_workspace")

    @_workspace.setter
    def _workspace(self, value: Workspace | None) -> None:
        if value is not None and type(value) is Workspace:
            value.__class__ = StewardWorkspace  # pygls builds it in its initialize handler
        self.__dict__["_steward_workspace"] = value

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except Exception as exc:  # noqa: BLE001 - pygls raises whatever cattrs raised
            if "method" in data and _valid_id(data.get("id")):
                method = data.get("method")
                log.warning("invalid params for %s (request %r): %s", method, data["id"], exc)
                return Unreadable(data["id"], INVALID_PARAMS,
                                  f"invalid params for {method}: {_why(exc.__cause__ or exc)}")
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Unreadable):
            self._send_response(message.msg_id, error=types.ResponseError(
                code=message.code, message=message.message))
            return
        if isinstance(message, dict):
            # Not a JSON-RPC 2.0 message (no "jsonrpc"): pygls would fail on it and drop it.
            if "method" in message and _valid_id(message.get("id")):
                self._send_response(message["id"], error=types.ResponseError(
                    code=INVALID_REQUEST, message='invalid request: "jsonrpc": "2.0" missing'))
            else:
                log.warning("dropped a message that is no JSON-RPC 2.0: %.200r", message)
            return
        super().handle_message(message)
