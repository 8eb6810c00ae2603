"""A generated block is replaced only when it still holds what ``ctxsteward handoff`` wrote: its
begin marker records a digest of its content (``sha=``), checked before the content is replaced.
So no reading mistake (a person's example of a block, in a code fence, that the line reader of a
note over 250,000 characters takes for the real one) and no edit a person made inside a block
loses their text; a note written before digests were recorded is still updated."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import commit, make_repo, run_cli

from analyzers.handoff import headings
from analyzers.handoff.markdown import BEGIN, END, digest, parse_note

GOAL_PROMPT = "<!-- What this work is for, in a sentence or two. -->"
KEPT = "was left as it is"


def _made(root: Path) -> str:
    """A repository with a note written by ``ctxsteward handoff``; the note's text."""
    make_repo(root, {"a.py": "x = 1\n"})
    done = _run(root)
    assert done.returncode == 0, done.stderr
    return (root / "HANDOFF.md").read_text("utf-8")


def _run(root: Path, *more: str):  # noqa: ANN202
    return run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", *more,
                   cwd=root)


def _block(text: str, name: str) -> tuple[int, int]:
    """Where block ``name`` is in ``text``: its begin marker's line to after its end marker's."""
    start = text.index(f"<!-- ctxsteward:generated:begin {name}")
    end = text.index(END.format(name), start) + len(END.format(name)) + 1
    return start, end


def _digests_hold(text: str) -> None:
    """Every block of ``text`` is named once, and its begin marker has its content's digest."""
    parsed = parse_note(text)
    assert parsed.ok, parsed.problems
    assert sorted(b.name for b in parsed.blocks) == ["checks", "summary", "work"]
    for b in parsed.blocks:
        assert b.sha == digest(text[b.content_start:b.content_end]), b


def test_a_persons_example_read_as_the_block_in_a_long_note_keeps_every_byte(
        tmp_path: Path) -> None:
    """The shape a hostile review found: an item holding a thematic break, a tag alone on its
    line and a fence (an HTML block's text to Markdown, a fence's opener to the line reader),
    then the real work block and, in a fence after it, the person's example of a block. Over
    250,000 characters the line reader took the example for the work block and replaced it."""
    root = tmp_path / "r"
    text = _made(root)
    example = (f"```\n{BEGIN.format('work')}\nMY EXAMPLE: what the work block holds\n"
               f"{END.format('work')}\n```\n")
    log = "".join(f"log line {i:07d} " + "p" * 80 + "\n" for i in range(3000))
    start, end = _block(text, "work")
    text = (text[:start] + "## Log\n\n" + log + "\n- ***\n<my-tag>\n```\n\n" + text[start:end]
            + "\n" + example + "\n" + text[end:])
    assert len(text) > headings.PARSE_MAX_CHARS  # (read line by line)
    (root / "HANDOFF.md").write_text(text, "utf-8")
    commit(root, "more", {"b.py": "y = 2\n"})

    done = _run(root)
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert after.count(example) == 1, after[-3000:]
    # (the example kept, a new work block at the end: the note still gets its generated part)
    assert log in after and after.count("<!-- ctxsteward:generated:begin work") == 3
    assert after.rindex("<!-- ctxsteward:generated:begin work") > after.index(example)
    assert done.returncode == 1 and f"block 'work' {KEPT}" in done.stderr, done.stderr
    assert "delete" not in done.stderr, done.stderr  # (never: it is the person's example)
    shown = run_cli("handoff", "--no-bundle", "--no-checks", "--format", "json", cwd=root)
    assert not any(KEPT in p for p in json.loads(shown.stdout)["problems"]), shown.stdout
    again = _run(root)  # the new block is ours, the example the person's text: nothing to say
    assert again.returncode == 0 and KEPT not in again.stderr, again.stderr
    final = (root / "HANDOFF.md").read_text("utf-8")
    assert final.count(example) == 1 and final.count("<!-- ctxsteward:generated:begin work") == 3


def test_a_note_is_updated_in_place_and_records_what_it_wrote(tmp_path: Path) -> None:
    root = tmp_path / "r"
    first = _made(root)
    _digests_hold(first)
    goal = "Ship the cache.  \nTabs\there."
    (root / "HANDOFF.md").write_text(first.replace(GOAL_PROMPT, goal), "utf-8")
    commit(root, "add the cache", {"cache.py": "def load():\n    return 1\n"})
    done = _run(root)
    assert done.returncode == 0 and KEPT not in done.stderr, done.stderr
    second = (root / "HANDOFF.md").read_text("utf-8")
    _digests_hold(second)
    start, end = _block(second, "work")
    assert "`cache.py`" in second[start:end] and goal in second
    assert second[start:end] != first[slice(*_block(first, "work"))]  # replaced in place
    assert _run(root).returncode == 0
    third = (root / "HANDOFF.md").read_text("utf-8")
    _digests_hold(third)
    assert third[slice(*_block(third, "work"))] == second[start:end]  # nothing changed: same


def test_a_note_without_digests_is_updated_and_gets_them(tmp_path: Path) -> None:
    """A note written before digests were recorded: every block is replaced, as before."""
    root = tmp_path / "r"
    make_repo(root, {"a.py": "x = 1\n"})
    old = "".join(f"{BEGIN.format(n)}\nold {n}\n{END.format(n)}\n\n## Goal\n\nG {n}.\n\n"
                  for n in ("summary", "work", "checks"))
    (root / "HANDOFF.md").write_text(old, "utf-8")
    done = _run(root)
    assert done.returncode == 0 and KEPT not in done.stderr, done.stderr
    after = (root / "HANDOFF.md").read_text("utf-8")
    _digests_hold(after)
    assert "old " not in after and all(f"## Goal\n\nG {n}.\n" in after
                                       for n in ("summary", "work", "checks"))


def test_a_persons_edit_inside_a_block_is_kept_and_said(tmp_path: Path) -> None:
    root = tmp_path / "r"
    text = _made(root)
    start, end = _block(text, "work")
    mine = "- Ana: a.py's change is temporary; revert it before merging.\n"
    cut = text.index(END.format("work"), start)
    edited = text[:cut] + mine + text[cut:]
    (root / "HANDOFF.md").write_text(edited, "utf-8")
    commit(root, "more", {"b.py": "y = 2\n"})

    done = _run(root)
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert done.returncode == 1, done.stderr
    assert f"block 'work' {KEPT}: its text changed since ctxsteward wrote it" in done.stderr
    assert after[slice(*_block(after, "work"))] == edited[start:end + len(mine)]  # as it was
    summary = next(b for b in parse_note(after).blocks if b.name == "summary")
    assert after[slice(*_block(after, "summary"))] != edited[slice(*_block(edited, "summary"))]
    assert summary.sha == digest(after[summary.content_start:summary.content_end])  # updated
    # (the message's line is the kept block's line in the note as written, not as read)
    line = after[:after.index(edited[start:end + len(mine)])].count("\n") + 1
    assert f"line {line}: block 'work' {KEPT}" in done.stderr, (line, done.stderr)
    assert line != edited[:start].count("\n") + 1  # (the summary above it grew)
    assert "delete" not in done.stderr, done.stderr
    # A new work block at the end of the note holds what the edited one no longer can.
    fresh = after[after.rindex("<!-- ctxsteward:generated:begin work"):]
    assert after.count("<!-- ctxsteward:generated:begin work") == 2 and "`b.py`" in fresh
    assert parse_note(after).ok

    # The next run updates the new block and leaves the edited one: it is the person's text.
    commit(root, "more again", {"c.py": "z = 3\n"})
    done = _run(root)
    final = (root / "HANDOFF.md").read_text("utf-8")
    assert done.returncode == 0 and KEPT not in done.stderr, done.stderr
    assert final.index(edited[start:end + len(mine)]) > 0
    assert "`c.py`" in final[final.rindex("<!-- ctxsteward:generated:begin work"):]


def test_line_ends_and_spaces_an_editor_changes_are_not_an_edit(tmp_path: Path) -> None:
    """A note saved with CRLF line ends and trailing spaces stripped is still updated."""
    root = tmp_path / "r"
    text = _made(root)
    _digests_hold(text)
    crlf = "\r\n".join(line.rstrip() for line in text.split("\n"))
    (root / "HANDOFF.md").write_bytes(crlf.encode("utf-8"))
    commit(root, "more", {"b.py": "y = 2\n"})
    done = _run(root)
    assert done.returncode == 0 and KEPT not in done.stderr, done.stderr
    after = (root / "HANDOFF.md").read_bytes().decode("utf-8")
    assert "`b.py`" in after[slice(*_block(after, "work"))]
    assert "\n" not in after.replace("\r\n", "")
    _digests_hold(after)


def test_an_edited_copy_in_an_unclosed_fence_is_kept_and_the_note_gets_a_new_block(
        tmp_path: Path) -> None:
    """The real work block deleted, an edited copy of it (``sha=`` included) in a fence that
    never closes: the copy is the person's example, kept byte for byte; a new work block at the
    end of the note holds the generated part; nothing asks the person to delete anything."""
    root = tmp_path / "r"
    text = _made(root)
    start, end = _block(text, "work")
    copy = text[start:end].replace("## Files changed", "## Files changed (as I saw them)")
    example = "## Notes\n\nThe work block as it was:\n\n```md\n" + copy
    (root / "HANDOFF.md").write_text(text[:start] + text[end:] + "\n" + example, "utf-8")
    commit(root, "more", {"b.py": "y = 2\n"})

    done = _run(root)
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert done.returncode == 1 and f"block 'work' {KEPT}" in done.stderr, done.stderr
    assert "delete" not in done.stderr, done.stderr
    assert after.count(example) == 1
    fresh = after.rindex("<!-- ctxsteward:generated:begin work")
    assert fresh > after.index(example) and "`b.py`" in after[fresh:]
    line = after[:after.index(copy)].count("\n") + 1
    assert f"line {line}: block 'work'" in done.stderr, (line, done.stderr)

    commit(root, "again", {"c.py": "z = 3\n"})
    again = _run(root)
    final = (root / "HANDOFF.md").read_text("utf-8")
    assert again.returncode == 0 and KEPT not in again.stderr, again.stderr
    assert final.count(example) == 1 and "`c.py`" in final[final.rindex(
        "<!-- ctxsteward:generated:begin work"):]


def test_a_kept_summary_is_not_what_the_next_session_is_handed(tmp_path: Path) -> None:
    """A summary block the person edited is kept, and a new one written at the end of the note:
    the note carried to the next session (``note_context``) shows the new one, ours."""
    from analyzers.config import Settings
    from analyzers.handoff.carry import note_context
    from analyzers.tokens import Counter

    root = tmp_path / "r"
    text = _made(root)
    cut = text.index(END.format("summary"))
    (root / "HANDOFF.md").write_text(text[:cut] + "- MY OWN LINE\n" + text[cut:], "utf-8")
    commit(root, "more", {"b.py": "y = 2\n"})
    assert _run(root).returncode == 1
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert after.count("<!-- ctxsteward:generated:begin summary") == 2 and "MY OWN LINE" in after
    carried, problems = note_context(
        root, None, Counter(Settings().encoding, Settings().model_profile()), 4000, 100_000)
    assert problems == [] and "# Handoff: main" in carried and "MY OWN LINE" not in carried
