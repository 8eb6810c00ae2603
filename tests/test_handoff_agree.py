"""The two readers of a note (markdown-it, and line by line for a long note or one markdown-it
is slow on) find the same sections and generated blocks in it: a fence opened in a list item
ends where the item ends, an HTML block such as ``<div>`` ends at a blank line, a heading
indented in a list item is a heading for both, a setext heading for neither. And a temporary
file a killed write left beside the note is removed, never listed in it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from test_handoff_slips import _outside_blocks

from analyzers.handoff import headings, markdown
from analyzers.handoff.markdown import BEGIN, END


def _block(name: str, body: str = "old") -> str:
    return f"{BEGIN.format(name)}\n{body}\n{END.format(name)}\n"


def _read(text: str, line_by_line: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[object, ...]:
    """The human sections, other sections, blocks and problems one reader finds."""
    markdown._parse_note.cache_clear()
    with monkeypatch.context() as patch:
        if line_by_line:
            patch.setattr(headings, "PARSE_MAX_CHARS", -1)
        parsed = markdown._parse_note(text)
    markdown._parse_note.cache_clear()
    return (parsed.human.model_dump(), parsed.other_sections,
            [(b.name, b.content_start, b.content_end) for b in parsed.blocks], parsed.problems)


SHAPES = {
    # the fence opened in the item ends with it: the work block after it is ours, and the
    # fence under Appendix is the person's (line by line it closed that one, and the work
    # block was read as quoted text)
    "fence in a list item": ("## Goal\n\n- step one\n\n  ```sh\n  make\n\n" + _block("work")
                             + "\n## Appendix\n\n```\nexample\n```\n\n" + _block("checks")),
    "fence in an ordered item, closed in it": ("## Goal\n\n1. step\n   ```\n   x\n   ```\n"
                                               "## Appendix\n\na\n"),
    "fence in a list item, run on": ("## Goal\n\n- step\n\n  ```\n  x\n\n## Notes\n\nnotes\n\n"
                                     "  ```\n\nafter\n"),
    "div": "## Goal\n\ng\n<div>\n## Notes\n</div>\n\n## Appendix\n\na\n",
    "details": "## Goal\n\ng\n\n<details>\n## Log\nlog text\n</details>\n\nafter\n",
    "custom tag alone": "## Goal\n\ng\n\n<my-tag>\n## Notes\n\n## Appendix\n\na\n",
    "custom tag in a paragraph": "## Goal\n\ng\n<my-tag>\n## Notes\n\nn\n",
    "heading in a list item": "## Goal\n\n- item\n  # Sub\n  more\n\nafter\n",
    "section in a list item": "## Goal\n\n- a\n\n  ## Decisions\n\n  d\n",
    # the comment left open is closed by our marker's "-->": the marker ends it, for both
    "comment left open before our block": "## Goal\n\n<!-- c\ntext\n",
    "setext, recognised": "## Goal\n\ng\n\nDecisions\n---------\n\nsetext dec\n",
    "setext, other": "## Goal\n\ng\n\nMy notes\n========\n\nmore goal\n",
}


@pytest.mark.parametrize("body", SHAPES.values(), ids=SHAPES.keys())
def test_both_readers_agree(body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _block("summary") + "\n" + body + ("" if "checks" in body else "\n" + _block("work"))
    assert _read(text, True, monkeypatch) == _read(text, False, monkeypatch)


def test_a_fence_in_a_list_item_ends_with_the_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """The work block after an item's unclosed fence is ours, read by either reader."""
    text = _block("summary") + "\n" + SHAPES["fence in a list item"]
    for line_by_line in (False, True):
        human, other, blocks, problems = _read(text, line_by_line, monkeypatch)
        assert [b[0] for b in blocks] == ["summary", "work", "checks"], line_by_line
        assert human["goal"] == "- step one\n\n  ```sh\n  make"  # type: ignore[index]
        assert other == ["Appendix"] and problems == []


def test_setext_and_html_blocks_are_text_of_the_section(monkeypatch: pytest.MonkeyPatch) -> None:
    """A setext heading is not a section (the line reader cannot see one), and a heading in
    ``<div>`` ... blank line is the block's text: by both readers."""
    for name in ("setext, recognised", "div"):
        text = _block("summary") + "\n" + SHAPES[name] + "\n" + _block("work")
        for line_by_line in (False, True):
            human = _read(text, line_by_line, monkeypatch)[0]
            assert human["decisions"] == ""  # type: ignore[index]
            assert ("Decisions\n---------\n\nsetext dec" if name.startswith("setext")
                    else "<div>\n## Notes\n</div>") in human["goal"]  # type: ignore[index]


@pytest.mark.parametrize("pad", [0, 300_000], ids=["markdown-it", "line by line"])
def test_carrying_a_fence_in_a_list_item_keeps_one_work_block(tmp_path: Path, pad: int) -> None:
    """``handoff --out`` replaces the work block after an item's unclosed fence, short note or
    long, keeps every byte the person wrote, and can carry the note again."""
    root = tmp_path / "r"
    make_repo(root, {"a.py": "x = 1\n"})
    log = "".join(f"p{i:07d} " + "p" * 90 + "\n" for i in range(pad // 100))
    text = (_block("summary") + "\n## Goal\n\n- step one\n\n  ```sh\n  make\n\n" + _block("work")
            + "\n## Appendix\n\n```\nexample\n```\n\n" + _block("checks") + "\n" + log)
    (root / "HANDOFF.md").write_text(text, "utf-8")
    for _ in range(2):
        done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
        assert done.returncode == 0, done.stderr
        new = (root / "HANDOFF.md").read_text("utf-8")
        assert new.count(BEGIN.format("work")) == 1
        assert _block("work") not in new  # replaced, not kept as quoted text
        assert _outside_blocks(new) == _outside_blocks(text)


def test_a_stale_temporary_file_is_removed_and_not_listed(tmp_path: Path) -> None:
    """A write killed before it renamed its temporary file left ``.HANDOFF.md.<random>.tmp``:
    the next run does not list it as work and removes it (a fresh one, a symlink, and a file
    of another name are left alone)."""
    root = tmp_path / "r"
    make_repo(root, {"a.py": "x = 1\n"})
    stale = root / ".HANDOFF.md.ctxsteward-k3x_9qa2.tmp"
    stale.write_text("half a note", "utf-8")
    old = time.time() - 600
    os.utime(stale, (old, old))
    fresh = root / ".HANDOFF.md.ctxsteward-abcdefgh.tmp"
    fresh.write_text("a write under way", "utf-8")
    link = root / ".HANDOFF.md.ctxsteward-zzzzzzzz.tmp"
    link.symlink_to(root / "a.py")
    os.utime(link, (old, old), follow_symlinks=False)
    other = root / ".notes.md.ctxsteward-k3x_9qa2.tmp"
    other.write_text("someone else's", "utf-8")
    os.utime(other, (old, old))
    # a person's own file named like mkstemp's (helper-119 saw ``.HANDOFF.md.backup01.tmp`` go)
    mine = root / ".HANDOFF.md.backup01.tmp"
    mine.write_text("my backup", "utf-8")
    os.utime(mine, (old, old))
    done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
    assert done.returncode == 0, done.stderr
    assert not stale.exists()
    assert fresh.exists() and link.is_symlink() and other.exists()
    assert mine.read_text("utf-8") == "my backup"
    assert (root / "a.py").read_text("utf-8") == "x = 1\n"
    note = (root / "HANDOFF.md").read_text("utf-8")
    assert ".ctxsteward-" not in note  # our temporary files are no work to list
    assert ".HANDOFF.md.backup01.tmp" in note  # the person's file is
