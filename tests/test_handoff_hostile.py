"""Notes of shapes Markdown parsing is slow on (lists nested on every line, setext headings,
reference definitions over several lines, ...) and headings quoted in a block quote or list item:
both readers of a note (markdown-it, and line by line) give the same sections, and a carry
keeps every byte a person wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from test_handoff_slips import _noted, _outside_blocks

from analyzers.handoff import headings
from analyzers.handoff.markdown import BEGIN, END, parse_note

NOTE = (f"{BEGIN.format('summary')}\nold\n{END.format('summary')}\n\n## Goal\n\n{{goal}}\n\n"
        f"## Decisions\n\nUse SQLite.\n\n{BEGIN.format('work')}\nold\n{END.format('work')}\n")
QUOTED = "Ship it.\n\n> ## Decisions\n> theirs, quoted\n\n- ## Next steps\n- quoted too"
# a log of megabytes after the quote: read line by line
PAD = "".join(f"- step {i}: rebuilt the cache\n" for i in range(40_000))


@pytest.mark.parametrize("pad", ["", PAD], ids=["markdown-it", "line by line"])
def test_a_heading_in_a_quote_or_list_item_is_quoted_text(pad: str) -> None:
    """``> ## Decisions`` in the Goal was a Decisions section when markdown-it read the note
    (under 1 MB) and quoted text of the Goal when it was read line by line: it is the person's
    quoted text either way (a heading in a list item too)."""
    goal = QUOTED + ("\n\n" + pad if pad else "")
    parsed = parse_note(NOTE.format(goal=goal))
    assert parsed.ok, parsed.problems
    assert parsed.human.goal == goal.strip()
    assert parsed.human.decisions == "Use SQLite."
    assert parsed.human.next_steps == "" and parsed.other_sections == []


# Shapes each of which makes markdown-it try its block rules hundreds of thousands of times
# (6 s for 0.3 MB of the first at load 4); each well under a megabyte here. The first two have
# fewer lines than MAX_BLOCK_STEPS (their tries are counted), the others more.
HOSTILE = {
    "nested list lines": "- a\n" + "  - b\n" * 5_000,
    "nested lists and quotes": "".join(("> " * (i % 30)) + ("- " * (i % 7)) + "x\n"
                                       for i in range(6_000)),
    "setext headings": "x\n===\n" * 30_000,
    "quoted lines": "> x\n>\n" * 30_000,
    "ordered items": "".join(f"{i}. x\n" for i in range(25_000)),
    "multi-line references": "".join(f"[r{i}]:\n<http://x/{i}>\n'ti\ntle'\n" for i in
                                     range(6_000)),
    "unclosed brackets": "".join(f"[r{i}\n" for i in range(30_000)),
}


@pytest.mark.parametrize("goal", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_note_markdown_is_slow_on_is_read_line_by_line(goal: str) -> None:
    """Under :data:`headings.PARSE_MAX_CHARS`, a note on which markdown-it's block pass would
    try its rules more than :data:`headings.MAX_BLOCK_STEPS` times (or of more lines than that)
    is read line by line from its start: a setext heading before the slow part (``Notes``
    underlined: text to both readers) stays in the Goal, and the sections after it are
    read."""
    head = "Ship it.\n\nNotes\n-----\n\n"
    text = NOTE.format(goal=head + goal)
    assert len(text) < headings.PARSE_MAX_CHARS
    parsed = parse_note(text)
    assert parsed.ok, parsed.problems
    assert parsed.human.goal == (head + goal).strip()
    assert parsed.human.decisions == "Use SQLite." and parsed.other_sections == []
    # the same head, in a note markdown-it reads: Notes is the Goal's text there too
    small = parse_note(NOTE.format(goal=head + "A line."))
    assert small.human.goal == (head + "A line.").strip() and small.other_sections == []


@pytest.mark.parametrize("name", ["nested list lines", "multi-line references"])
def test_a_hostile_note_keeps_every_byte_when_carried(tmp_path: Path, name: str) -> None:
    """``ctxsteward handoff --out`` on a note of a hostile shape keeps every byte outside the
    generated blocks, and reads its sections."""
    root = tmp_path / "r"
    goal = "Ship it.\n\n> ## Decisions\n> quoted\n\n" + HOSTILE[name]
    written = _noted(root, goal)
    done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
    assert done.returncode == 0, done.stderr
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert _outside_blocks(after) == _outside_blocks(written)
    assert "**Problem**: over the budget" in after  # (the person's text alone is over it)


def test_a_blob_on_one_line_is_kept_and_counted_exactly(tmp_path: Path) -> None:
    """A note whose Goal is one line of 300,000 letters with no space (a pasted blob: counted in
    parts, see :func:`analyzers.tokens.raw_count`) keeps it, and states its exact size."""
    from analyzers.tokens import encoding

    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    blob = "x" * 150_000 + "Q" * 150_000
    (root / "HANDOFF.md").write_text(NOTE.format(goal=blob), "utf-8")
    done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
    assert done.returncode == 0, done.stderr
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert f"## Goal\n\n{blob}\n\n## Decisions\n\nUse SQLite.\n\n" in after
    stated = after.split("**Note size**: ", 1)[1].split(" of ", 1)[0]
    assert int(stated.replace(",", "")) == len(encoding("cl100k_base").encode_ordinary(after))
