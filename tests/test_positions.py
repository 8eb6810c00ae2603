"""One coordinate convention in the core (1-based lines, code-point columns) and its one
conversion to and from the LSP's (0-based lines, UTF-16 code units unless negotiated)."""

from __future__ import annotations

import random

import pytest
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analyzers.instructions.findings import Range as InstructionRange
from analyzers.positions import Position, Range
from analyzers.syntax import parse
from server.lsp.documents import definition_at
from server.lsp.positions import (
    from_lsp,
    from_lsp_kept,
    line_end,
    line_span,
    line_start,
    lsp_position,
    split_lines,
    to_lsp,
)
from server.lsp.textdoc import LineDocument

SOURCE = "/* ü 😋 */ function build() {}\nclass Ünïcode { método() {} }\n"


def test_definition_columns_count_code_points() -> None:
    lines = SOURCE.split("\n")
    defs = parse(SOURCE.encode(), "javascript").definitions
    got = {d.name: (d.name_line, lines[d.name_line - 1][d.name_col:d.name_col + len(d.name)])
           for d in defs}
    assert got == {"build": (1, "build"), "Ünïcode": (2, "Ünïcode"), "método": (2, "método")}
    build = next(d for d in defs if d.name == "build")
    assert build.name_col == 19  # tree-sitter says 23: UTF-8 bytes
    # The editor's hover finds the name where it is (0-based line, code-point column).
    assert definition_at(defs, lines, 0, 20) is build
    assert definition_at(defs, lines, 0, 12) is None


# -- the LSP edge ---------------------------------------------------------------------------------

UTF8 = PositionCodec(types.PositionEncodingKind.Utf8)
UTF32 = PositionCodec(types.PositionEncodingKind.Utf32)


def _lsp(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line=line, character=start),
                       end=types.Position(line=line, character=end))


def test_to_lsp_counts_utf16_units_and_astral_characters_twice() -> None:
    lines = split_lines("a😋b")
    emoji = Range.of(1, 1, 1, 2)
    assert to_lsp(lines, emoji) == _lsp(0, 1, 3)  # a surrogate pair: two UTF-16 units
    assert to_lsp(lines, Range.of(1, 2, 1, 3)) == _lsp(0, 3, 4)
    assert to_lsp(lines, emoji, UTF8) == _lsp(0, 1, 5)  # negotiated UTF-8: four bytes
    assert to_lsp(lines, emoji, UTF32) == _lsp(0, 1, 2)


def test_crlf_is_a_line_break_not_a_character() -> None:
    lines = split_lines("x\r\ny😋z\r\nlast")
    assert lines == ["x", "y😋z", "last"]
    assert to_lsp(lines, Range.of(2, 2, 2, 3)) == _lsp(1, 3, 4)  # "z"
    assert from_lsp(lines, types.Position(line=1, character=3)) == Position(2, 2)
    assert to_lsp(split_lines("a\rb"), Range.of(2, 0, 2, 1)) == _lsp(1, 0, 1)


def test_positions_past_the_end() -> None:
    lines = split_lines("ab\ncd")
    assert lsp_position(lines, Position(1, 99)) == types.Position(line=0, character=2)
    assert lsp_position(lines, Position(7, 3)) == types.Position(line=6, character=0)
    assert from_lsp(lines, types.Position(line=0, character=99)) == Position(1, 2)
    assert from_lsp(lines, types.Position(line=9, character=1)) == Position(2, 2)
    assert from_lsp([], types.Position(line=3, character=3)) == Position(1, 0)
    assert line_start(4) == _lsp(3, 0, 0)


def test_from_lsp_inside_a_surrogate_pair_is_after_the_character() -> None:
    lines = ["😋x"]
    assert from_lsp(lines, types.Position(line=0, character=1)) == Position(1, 1)
    assert from_lsp(lines, types.Position(line=0, character=2)) == Position(1, 1)
    assert from_lsp(lines, types.Position(line=0, character=3)) == Position(1, 2)


@pytest.mark.parametrize("codec", [None, UTF8, UTF32], ids=["utf-16", "utf-8", "utf-32"])
def test_every_position_goes_there_and_back(codec: PositionCodec | None) -> None:
    text = "ascii\né ü ñ\n😋🎉 mixed 中文 x\r\n\n\U0001F600"
    lines = split_lines(text)
    for row, line in enumerate(lines, start=1):
        for col in range(len(line) + 1):
            p = Position(row, col)
            there = lsp_position(lines, p) if codec is None else lsp_position(lines, p, codec)
            back = from_lsp(lines, there) if codec is None else from_lsp(lines, there, codec)
            assert back == p, (p, there)


def test_instruction_ranges_are_lsp_shaped_and_core_adds_the_line() -> None:
    r = InstructionRange.of(0, 3, 2, 5)
    assert r.core() == Range.of(1, 3, 3, 5)
    assert to_lsp(["abcdef", "", "ü😋xyzw"], r.core()) == types.Range(
        start=types.Position(line=0, character=3), end=types.Position(line=2, character=6))


def test_line_end_and_line_span() -> None:
    lines = split_lines("a😋\nxy")
    assert line_end(lines, 1) == types.Position(line=0, character=3)  # after the pair
    assert line_end(lines, 1, UTF8) == types.Position(line=0, character=5)
    assert line_end(lines, 2) == types.Position(line=1, character=2)
    assert line_end(lines, 5) == types.Position(line=4, character=0)  # past the document
    assert line_span(_lsp(3, 9, 0)) == (4, 4)
    assert line_span(types.Range(start=types.Position(line=0, character=5),
                                 end=types.Position(line=7, character=0))) == (1, 8)


def test_from_lsp_kept_never_lands_inside_a_line_break() -> None:
    kept = "ab😋\r\ncd\n".splitlines(True)

    def at(line: int, character: int) -> tuple[int, int]:
        return from_lsp_kept(kept, types.Position(line=line, character=character))

    assert at(0, 4) == (0, 3)  # after the surrogate pair
    assert at(0, 3) == (0, 3)  # inside it: after it
    assert at(0, 99) == (0, 3)  # past the line's end: before its "\r\n"
    assert at(1, 2) == (1, 2)
    assert at(2, 0) == (1, 3)  # the empty line after the last break: the end of the text
    assert at(9, 9) == (1, 3)
    assert from_lsp_kept(["ab"], types.Position(line=1, character=0)) == (0, 2)
    assert from_lsp_kept(["é\r", "x"], types.Position(line=0, character=5), UTF8) == (0, 1)


def _offset(text: str, pos: types.Position) -> int:
    """An editor's reading of a UTF-16 LSP position in ``text``: a code-point offset, clamped to
    the end of its line; past the last line, the end of the text (written without the code
    under test)."""
    starts = [0]
    i = 0
    while i < len(text):
        if text[i] == "\r" and text[i + 1:i + 2] == "\n":
            i += 2
        elif text[i] in "\r\n":
            i += 1
        else:
            i += 1
            continue
        starts.append(i)
    if pos.line >= len(starts):
        return len(text)
    start = starts[pos.line]
    end = len(text) if pos.line + 1 == len(starts) else starts[pos.line + 1]
    line = text[start:end].rstrip("\r\n")
    units = 0
    for k, ch in enumerate(line):
        if units >= pos.character:
            return start + k
        units += 2 if ord(ch) > 0xFFFF else 1
    return start + len(line)


def test_incremental_changes_edit_where_the_editor_does() -> None:
    rng = random.Random(15)
    pieces = ["a", "é", "😋", " ", "\n", "\r\n", "\r", "xyz", ""]
    text = "def f():\r\n    return '😋'\n\nclass Ü:\n    pass"
    doc = LineDocument("file:///t.py", source=text, version=0)
    for _ in range(400):
        a = types.Position(line=rng.randrange(8), character=rng.randrange(12))
        b = types.Position(line=rng.randrange(8), character=rng.randrange(12))
        start, end = sorted((a, b), key=lambda p: _offset(text, p))
        new = "".join(rng.choice(pieces) for _ in range(rng.randrange(3)))
        doc.apply_change(types.TextDocumentContentChangePartial(
            range=types.Range(start=start, end=end), text=new))
        text = text[:_offset(text, start)] + new + text[_offset(text, end):]
        assert doc.source == text
        assert doc.length == len(text)
        assert "".join(doc.lines) == text
