"""Three faster paths of packing checked against their plain definitions on generated inputs: the
innermost definition around each referencing line, a file's lines split at newlines only, and
the task's words each line holds."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzers import lexical
from analyzers.bundles.assemble import _read_lines
from analyzers.bundles.pack import Candidate, _enclosing, _held_words, _innermost_by_line
from analyzers.positions import innermost_definition
from analyzers.syntax import Definition


@st.composite
def definitions(draw: st.DrawFn) -> list[Definition]:
    out = []
    for i in range(draw(st.integers(0, 12))):
        start = draw(st.integers(1, 40))
        end = draw(st.integers(start - 2, start + 30))  # a few malformed (end < start) too
        out.append(Definition(name=f"f{i}", kind="function", start_line=start, end_line=end,
                              name_line=start, name_col=0, signature="", parent=None, tokens=1))
    return out


@settings(max_examples=300, deadline=None)
@given(definitions(), st.lists(st.integers(0, 75), max_size=30))
def test_innermost_by_line_is_innermost_for_every_line(defs: list[Definition],
                                                       lines: list[int]) -> None:
    got = _innermost_by_line(defs, lines)
    for line in lines:
        want = innermost_definition(defs, line)
        if want is None:
            assert line not in got
        else:
            assert defs[got[line]] is want


@settings(max_examples=300, deadline=None)
@given(definitions())
def test_enclosing_is_every_definition_around_each(defs: list[Definition]) -> None:
    """The sweep finds, for each definition, exactly the ones it is inside, in their order."""
    got = _enclosing(defs)
    for d in defs:
        want = [o for o in defs if o is not d and o.start_line < d.start_line
                and d.end_line <= o.end_line]
        assert got[id(d)] == want


LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")  # the definition: split at "\n" only


PIECES = ["a", "é", " ", "\n", "\r", "\r\n", "\x0c", "\x0b", "\u2028", "\u0085", "\x1c", "\t"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_read_lines_splits_at_newlines_only(tmp_path_factory: pytest.TempPathFactory,
                                            text: str) -> None:
    folder = tmp_path_factory.mktemp("lines")
    (folder / "f.txt").write_bytes(text.encode("utf-8"))
    expected = LINES.findall(text.replace("\r\n", "\n"))
    assert _read_lines(folder, "f.txt") == expected
    assert "".join(expected) == text.replace("\r\n", "\n")


WORDS = ["payment", "Payments", "PAYMENT_ID", "checkoutComplete", "pay", "İ", "ǅ", "x", " ", "_",
         "9", "paymen", "complete", "\n", "\r\n", "é", "fixes"]
TASK_WORDS = lexical.words("fix: checkout complete fails when payment is pending")
TASK = set(lexical.stems(TASK_WORDS)).difference(lexical.verb_stems())  # ("fix": a verb)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=60).map("".join))
@example("İİİİİİİİİİ\npayment\nx\n")  # the head is on line 2, 10 characters later lowered
@example("İİİİİİİİİİİİİİİİİİİİ\npayment\nx\ncomplete\n")
def test_held_words_are_each_line_s_task_words(text: str) -> None:
    """A line holding a task word's first letters is read for its words; letters whose small
    form is longer ("İ" lowers to two characters) must not shift the lines they are found on."""
    lines = LINES.findall(text)
    c = Candidate(path="f.py", score=1.0, reasons=[], tokens=1, lines=lines, definitions=[],
                  tier="related", task_words=TASK_WORDS)
    heads = {w[:4] for w in TASK}
    want = {}
    for n, line in enumerate(lines, 1):
        found = set(lexical.stem_bag(line)) & TASK
        if found and any(h in line.lower() for h in heads):
            want[n] = found
    assert "fix" not in TASK and _held_words(c) == want
