"""Names as people see them: control characters escaped.

A file name may hold any byte but ``/`` and NUL. Printed raw, an ESC or OSC sequence in a name
drives the reader's terminal, a newline forges a line of the report or a Markdown heading, and a
bidirectional override reorders what is read. Every human-facing output (CLI text, Markdown and
XML bundles, handoff notes, MCP text) shows a path through :func:`printable`; JSON keeps the exact
name (its encoder escapes control characters itself).
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the line/paragraph separators and the bidirectional controls.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``)."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


_UNPRINTABLE_IN_LINES = re.compile(  # a CR ending a line (CRLF) is kept too
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e"
    "\u2066-\u2069]|\r(?!\n)")


def printable_lines(text: str) -> str:
    """A document for a terminal: lines and tabs kept, every other control character escaped
    (file content shown to a person must not drive their terminal; agents get it exact)."""
    return _UNPRINTABLE_IN_LINES.sub(_escape, text) if _UNPRINTABLE_IN_LINES.search(text) \
        else text


def plural(n: int, noun: str, nouns: str = "") -> str:
    """``n`` and ``noun``, plural unless one (``1 item``, ``3 items``, ``1,200 files``);
    ``nouns``: an irregular plural."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"
