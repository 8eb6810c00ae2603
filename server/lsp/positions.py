"""The one place where core positions become LSP positions, and LSP positions core ones.

The core (:mod:`analyzers.positions`) counts lines from 1 and columns in code points. An LSP
client counts lines from 0 and columns in UTF-16 code units, unless it negotiated UTF-8 or
UTF-32 (pygls's ``PositionCodec`` knows which): a character outside the Basic Multilingual Plane
(``😋``) is two UTF-16 units, four UTF-8 ones. Columns are converted on the document's text, as
:func:`split_lines` cuts it (``\\n``, ``\\r\\n`` or ``\\r``: line breaks are no part of a line).

Every editor feature that shows a core range or position (diagnostics and their quick fixes,
document links, hovers, inlay hints, code lenses, handoff edits) calls :func:`to_lsp`,
:func:`lsp_position` or :func:`line_start`; every one that reads a client position calls
:func:`from_lsp`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analyzers.positions import Position, Range

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
