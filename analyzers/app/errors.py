"""One error type for bad requests, whose messages name the request's fields, not an edge's flags.

A core message refers to a field with :data:`F` (``f"give at least one {F.seed} or a {F.task}"``).
``str(error)`` words the fields plainly ("seed", "task"); each edge words them its own way with
:meth:`RequestError.worded` and its own table (the CLI's ``CLI_WORDS`` in :mod:`server.cli.main`
says ``--seed PATH``, MCP's ``seed (in seeds)``, the LSP's ``file ("uri")``). No core message
names a command-line option.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# A field reference inside a message: private-use characters around the field's name, which no
# path, symbol or task text a message quotes is expected to hold.
_OPEN, _CLOSE = "\ue000", "\ue001"
_REF = re.compile(f"{_OPEN}([a-z_]+){_CLOSE}")
_ALONE = re.compile(f" \\({_OPEN}([a-z_]+){_CLOSE}\\)")  # a field reference alone in parentheses

FIELDS = ("seed", "task", "budget", "limit", "pin", "exclude", "save", "verify", "base",
          "paths", "name", "root", "format", "rank_only", "depth", "top", "drift_threshold",
          "import_depth", "test_timeout", "out", "decisions_share", "max_file_size")

# How the fields read where no edge words them (str(error), logs, the core's own tests).
PLAIN_WORDS: dict[str, str] = {
    "seed": "seed", "task": "task", "budget": "budget", "limit": "limit", "pin": "pinned file",
    "exclude": "exclude glob", "save": "save name", "verify": "saved bundle name",
    "base": "base ref", "paths": "paths", "name": "bundle name", "root": "workspace root",
    "format": "format", "rank_only": "0 ranks only", "depth": "depth", "top": "entries shown",
    "drift_threshold": "drift threshold", "import_depth": "import depth",
    "test_timeout": "test timeout", "out": "output file",
    "decisions_share": "decisions share", "max_file_size": "max file size",
}



class _Fields:
    """``F.seed`` is the reference to the field ``seed`` inside a message."""

    def __getattr__(self, name: str) -> str:
        if name not in PLAIN_WORDS:
            raise AttributeError(f"no request field {name!r}")
        return f"{_OPEN}{name}{_CLOSE}"


F = _Fields()


def word(message: str, words: Mapping[str, str] | None = None) -> str:
    """``message`` with each field reference replaced by ``words[field]`` (plain words for a
    field the table lacks)."""
    table = PLAIN_WORDS if words is None else {**PLAIN_WORDS, **words}
    # A field an edge words as nothing takes its parentheses with it: "(0 ranks only)" is gone
    # where a budget of 0 is not allowed.
    def said(m: re.Match[str]) -> str:
        return table.get(m.group(1), m.group(1))

    message = _ALONE.sub(lambda m: f" ({said(m)})" if said(m) else "", message)
    return _REF.sub(said, message)


class RequestError(ValueError):
    """Bad input to a request: what is wrong and what to do. ``field`` names the request field at
    fault when one is (``"seed"``, ``"budget"``...)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def worded(self, words: Mapping[str, str] | None = None) -> str:
        """The message in an edge's words for the fields (see the module doc)."""
        return word(self.message, words)

    def __str__(self) -> str:
        return word(self.message)


class PathRefused(RequestError):
    """A path a request names that will not be touched: outside the workspace, inside ``.git`` or
    ``.ctxsteward``, or secret-bearing."""
