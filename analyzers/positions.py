"""Positions in the analysis core: one convention, stated here once.

- **Lines are 1-based**: the first line of a file is line 1, as git, compilers, editors' status
  bars and our own CLI output count them (definitions' ``start_line``/``name_line``, reference
  lines, bundle ranges, masked lines, handoff notes' ``line``).
- **Columns, where a position has one, count Unicode code points** from the start of the line,
  0-based: ``line_text[start.character:end.character]`` is a one-line range's text (a Python
  ``str`` index). A range's end is exclusive.
- A line ends with ``\\n``; ``\\r\\n`` is one line break, and its ``\\r`` is no part of the
  line's text.

Other conventions are spoken only at the edges, each converted in one place:

- tree-sitter's 0-based rows and UTF-8 byte columns: :mod:`analyzers.syntax`, where a definition
  is made;
- LSP's 0-based lines and UTF-16 code units (or the encoding the client negotiated):
  :mod:`server.lsp.positions` (``to_lsp`` / ``from_lsp``), for every editor feature;
- SARIF's 1-based columns: :mod:`analyzers.instructions.sarif`.

One exception, kept because it is published: :mod:`analyzers.instructions` reports LSP-shaped
ranges (0-based lines, code-point columns: ``findings.Position``/``findings.Range`` and
``markdown.Loc``), as ``ctxsteward check --format json``, the editor's ``checkInstructions``
result, MCP's ``check_instructions`` and the package's Python API have always carried them.
``findings.Range.core()`` turns one into a core :class:`Range`; nothing else adds or subtracts
the line offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar


class Spanned(Protocol):
    """Anything with a 1-based inclusive line span (a definition)."""

    @property
    def start_line(self) -> int: ...
    @property
    def end_line(self) -> int: ...


S = TypeVar("S", bound=Spanned)


def innermost_definition(definitions: Iterable[S], line: int) -> S | None:
    """The one rule for the definition at 1-based ``line``: the one nested deepest, i.e. the
    shortest span holding the line, the later start on a tie (the first listed on a full tie).
    A ``PATH:LINE`` seed, the editor's cursor and the packer's referencing lines all use it."""
    inner = [d for d in definitions if d.start_line <= line <= d.end_line]
    return min(inner, key=lambda d: (d.end_line - d.start_line, -d.start_line)) if inner else None


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A place in a text: 1-based ``line``, 0-based code-point ``character`` in that line."""

    line: int
    character: int = 0


@dataclass(frozen=True, slots=True)
class Range:
    """From ``start`` to ``end`` (exclusive)."""

    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, character: int, end_line: int, end_character: int) -> Range:
        """The range from (``line``, ``character``) to (``end_line``, ``end_character``)."""
        return cls(Position(line, character), Position(end_line, end_character))

    @classmethod
    def at(cls, position: Position) -> Range:
        """The empty range at ``position``."""
        return cls(position, position)
