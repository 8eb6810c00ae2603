"""Arguments of ``workspace/executeCommand`` commands, checked on the message loop (no I/O), and the
error a command answers with when its input cannot be used.

A command's argument is one JSON object (``{"uri": ..., "position": {"line", "character"}}``);
anything else gets a :class:`CommandError` whose message says what was expected. The server turns
it into a JSON-RPC error (code -32803, RequestFailed) so the editor shows the message
(:mod:`server.lsp.dispatch`), as it does the core's :class:`~analyzers.app.errors.RequestError`,
whose request fields it words as these arguments (:data:`LSP_WORDS`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed
INVALID_PARAMS = -32602
MAX_UINTEGER = 2**31 - 1  # LSP's uinteger (lsprotocol refuses more)
# Why a job stops when the client cancelled its request ($/cancelRequest): such a request is
# answered RequestCancelled, never "retrigger" (the client would ask again and cancel again).
BY_CLIENT = "request cancelled by the client"


# How the request fields of the core's messages (:class:`analyzers.app.errors.RequestError`) read
# in the editor: the arguments the commands take.
LSP_WORDS: dict[str, str] = {
    "seed": 'file ("uri", with a "position" for a definition)',
    "task": 'task ("task")', "budget": 'budget ("budget")', "rank_only": '"budget": 0 ranks only',
    "limit": '"limit"', "pin": 'pinned file ("pin": true)', "exclude": "removed file",
    "save": 'bundle name ("name")', "name": 'bundle name ("name")',
    "verify": 'saved bundle name ("name")',
    "base": 'base ref ("base")', "paths": '"paths"', "root": "workspace folder",
    "format": 'format ("format")',
    # A setting, as the VS Code extension names it (server/lsp/settings.VSCODE_NAMES).
    "max_file_size": "ctxsteward.maxFileSize setting",
}


class CommandError(Exception):
    """Input a command cannot use, or a state it cannot work in; the message says what to do."""


class InvalidArgument(CommandError):
    """An argument of the wrong shape or out of range: answered with InvalidParams."""


class Answered(JsonRpcException):
    """An error answer made by the dispatch wrapper (:func:`server.lsp.dispatch.answer_error`):
    its cause is already dealt with there (bad input and cancellation need no traceback; an
    unexpected failure is logged there with its one), so pygls's log of it is one line."""


def to_jsonrpc(e: CommandError) -> Answered:
    """The error answer for the bad input ``e`` (InvalidParams for an argument's shape)."""
    code = INVALID_PARAMS if isinstance(e, InvalidArgument) else REQUEST_FAILED
    return Answered(str(e), code=code)


def plain(value: Any) -> Any:
    """pygls may hand nested objects over as named tuples: make them dicts again."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def first_object(command: str, args: tuple[Any, ...], *, required: bool = False
                 ) -> dict[str, Any]:
    """The command's one argument object (``{}`` when absent and not ``required``)."""
    if not args or args[0] is None:
        if required:
            raise CommandError(f"{command} takes one argument, a JSON object such as "
                               '{"uri": "file:///path/to/file"}')
        return {}
    first = plain(args[0])
    if not isinstance(first, dict):
        raise CommandError(f"{command}: the argument must be a JSON object, got "
                           f"{type(first).__name__}")
    return first


def opt_str(command: str, obj: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` present in ``obj`` (camelCase and snake_case spellings)."""
    for k in keys:
        if k in obj and obj[k] is not None:
            v = obj[k]
            if not isinstance(v, str):
                raise CommandError(f"{command}: {k!r} must be a string, got {type(v).__name__}")
            return v
    return None


def opt_int(command: str, obj: dict[str, Any], key: str, *, minimum: int = 0,
            maximum: int | None = None) -> int | None:
    if key not in obj or obj[key] is None:
        return None
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise CommandError(f"{command}: {key!r} must be a whole number ≥ {minimum}, got {v!r}")
    if maximum is not None and v > maximum:
        raise CommandError(f"{command}: {key!r} must be at most {maximum:,}, got {v:,}")
    return v


def opt_bool(command: str, obj: dict[str, Any], key: str) -> bool:
    """``obj[key]``, a JSON boolean (absent or null: false). Anything else is refused, a string
    ``"true"`` too, rather than silently read as false: the message says what to write."""
    v = obj.get(key)
    if v is None or isinstance(v, bool):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        written = v.strip().lower()
        raise CommandError(f'{command}: "{key}" is the string {json.dumps(v)}, not a boolean: '
                           f'write "{key}": {written} (without quotes)')
    shown = json.dumps(v, default=str)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    raise CommandError(f'{command}: "{key}" must be true or false, got {shown}: write "{key}": '
                       "true, or leave it out")


def opt_position(command: str, obj: dict[str, Any]) -> types.Position | None:
    raw = obj.get("position")
    if raw is None:
        return None
    if isinstance(raw, dict):
        line, character = raw.get("line"), raw.get("character")
        if all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
               for v in (line, character)):
            if max(int(line), int(character)) > MAX_UINTEGER:  # type: ignore[arg-type]
                raise InvalidArgument(
                    f"{command}: 'position' is out of range: line and character are at most "
                    f"{MAX_UINTEGER:,} (LSP uinteger), got {raw!r}")
            return types.Position(line=line, character=character)  # type: ignore[arg-type]
    raise InvalidArgument(f"{command}: 'position' must be {{\"line\": N, \"character\": N}} "
                       f"(0-based), got {raw!r}")


def uri_arg(command: str, obj: dict[str, Any], *, required: bool) -> str | None:
    uri = opt_str(command, obj, "uri")
    if uri is None and required:
        raise CommandError(f'{command}: give the file as {{"uri": "file:///..."}}')
    if uri is not None and not uri.startswith("file:"):
        raise CommandError(f"{command}: {uri} is not a file: URI")
    return uri


@dataclass(frozen=True, slots=True)
class Located:
    """A file (or folder) of the workspace and, optionally, a position in it (client units)."""

    uri: str
    position: types.Position | None = None


def located(command: str, args: tuple[Any, ...]) -> tuple[Located, dict[str, Any]]:
    """``{"uri", "position"?}`` (a bare URI string is accepted too) and the whole object."""
    if args and isinstance(args[0], str):
        obj: dict[str, Any] = {"uri": args[0]}
    else:
        obj = first_object(command, args, required=True)
    uri = uri_arg(command, obj, required=True)
    assert uri is not None
    return Located(uri, opt_position(command, obj)), obj
