"""The one place where core positions become LSP positions, and LSP positions core ones.

The core (:mod:`analyzers.positions`) counts lines from 1 and columns in code points. An LSP
client counts lines from 0 and columns in UTF-16 code units, unless it negotiated UTF-8 or
UTF-32 (pygls's ``PositionCodec`` knows which): a character outside the Basic Multilingual Plane
(``😋``) is two UTF-16 units, four UTF-8 ones. Columns are converted on the document's text, as
:func:`split_lines` cuts it (``\\n``, ``\\r\\n`` or ``\\r``: line breaks are no part of a line).

Every editor feature that shows a core range or position (diagnostics and their quick fixes,
document links, hovers, inlay hints, code lenses, handoff edits) calls :func:`to_lsp`,
:func:`lsp_position`, :func:`line_end` or :func:`line_start`; every one that reads a client
position calls :func:`from_lsp` (a range of lines, :func:`line_span`). The open documents, kept
as lines with their line breaks (:mod:`server.lsp.textdoc`), read a change's range with
:func:`from_lsp_kept`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analyzers.positions import Position, Range

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Every character str.splitlines breaks at: the line breaks of lines kept with them (pygls's
# documents are split with ``str.splitlines(keepends=True)``).
KEPT_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def split_lines(text: str) -> list[str]:
    """Lines without their line breaks (LSP lines: ``\\n``, ``\\r\\n`` or ``\\r``)."""
    return _LINE_BREAK.split(text)


def lsp_position(lines: Sequence[str], position: Position,
                 codec: PositionCodec = UTF16) -> types.Position:
    """``position`` (core) in the client's terms; a column past the end of its line is the
    line's end, a line past the document keeps its number with column 0."""
    row = position.line - 1
    text = lines[row] if 0 <= row < len(lines) else ""
    return types.Position(line=max(row, 0),
                          character=codec.client_num_units(text[:max(position.character, 0)]))


def to_lsp(lines: Sequence[str], rng: Range, codec: PositionCodec = UTF16) -> types.Range:
    """``rng`` (core) as an LSP range on the document split into ``lines``."""
    return types.Range(start=lsp_position(lines, rng.start, codec),
                       end=lsp_position(lines, rng.end, codec))


def line_start(line: int) -> types.Range:
    """The empty LSP range at the start of core ``line`` (where a code lens sits)."""
    return to_lsp((), Range.at(Position(line)))


def from_lsp(lines: Sequence[str], position: types.Position,
             codec: PositionCodec = UTF16) -> Position:
    """A client's ``position`` as a core position. A column past the end of its line is the
    line's end, one inside a character (half a surrogate pair) is after it; a line past the
    document is the end of its last line."""
    if not lines:
        return Position(1, 0)
    if position.line >= len(lines):
        return Position(len(lines), len(lines[-1]))
    text = lines[position.line]
    units = 0
    index = 0
    for char in text:
        if units >= position.character:
            break
        units += codec.client_num_units(char)
        index += 1
    return Position(position.line + 1, index)


def line_end(lines: Sequence[str], line: int, codec: PositionCodec = UTF16) -> types.Position:
    """The LSP position at the end of core ``line`` (where an inlay hint after it sits)."""
    row = line - 1
    return lsp_position(lines, Position(line, len(lines[row]) if 0 <= row < len(lines) else 0),
                        codec)


def line_span(rng: types.Range) -> tuple[int, int]:
    """The core lines (first, last) a client's range spans, whatever its columns."""
    return rng.start.line + 1, rng.end.line + 1


class _WithoutBreaks(Sequence[str]):
    """Lines kept with their line breaks seen as LSP lines: without them, and with the empty
    last line of a text that ends in a line break. Only the line asked for is cut (no copy)."""

    def __init__(self, kept: Sequence[str]) -> None:
        self.kept = kept
        self.extra = 1 if kept and kept[-1] and kept[-1][-1] in KEPT_BREAKS else 0

    def __len__(self) -> int:
        return len(self.kept) + self.extra

    def __getitem__(self, i: int) -> str:  # type: ignore[override]  # no slices here
        i = i + len(self) if i < 0 else i
        if i == len(self.kept) and self.extra:
            return ""
        line = self.kept[i]
        cut = 2 if line.endswith("\r\n") else 1 if line and line[-1] in KEPT_BREAKS else 0
        return line[:len(line) - cut]


def from_lsp_kept(kept: Sequence[str], position: types.Position,
                  codec: PositionCodec = UTF16) -> tuple[int, int]:
    """A client's ``position`` in a text kept as lines with their line breaks (non-empty):
    (index of the line, code-point column), never inside a line break (:func:`from_lsp`'s
    rules); past the last line break it is the end of the text."""
    at = from_lsp(_WithoutBreaks(kept), position, codec)
    row = at.line - 1
    if row >= len(kept):
        return len(kept) - 1, len(kept[-1])
    return row, at.character
