"""Generated-block markers a person wrote as text (quoted in a code fence or an HTML comment, or
of a name ``ctxsteward handoff`` does not write) are theirs: regenerating the note never
replaces what is between them, and a block of ours quoted in an example is not taken for the
real one (which is added where new blocks go)."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli
from handoff_repos import unsha

from analyzers.handoff.markdown import BEGIN, END


def _note(root: Path, body: str, blocks: tuple[str, ...] = ("work", "checks")) -> str:
    make_repo(root, {"a.py": "x = 1\n"})
    text = (f"{BEGIN.format('summary')}\nold\n{END.format('summary')}\n\n{body}\n"
            + "".join(f"{BEGIN.format(b)}\nold\n{END.format(b)}\n\n" for b in blocks))
    (root / "HANDOFF.md").write_text(text, "utf-8")
    return text


def _regenerate(root: Path) -> str:
    for _ in range(2):
        done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
        assert done.returncode == 0, done.stderr
    return unsha((root / "HANDOFF.md").read_text("utf-8"))  # (markers of ours: their digests)


def test_markers_quoted_or_of_another_name_are_text(tmp_path: Path) -> None:
    """A Goal quoting a block (``begin example`` ... ``end example``) in a ```` ```markdown ````
    fence lost the line between (an unknown name was filled with nothing), as did a comment
    quoting one and a top-level pair of a name we do not write; a quoted ``work`` block made
    the note unwritable ("appears twice"). All are the person's text, byte for byte."""
    root = tmp_path / "r"
    fenced = (f"```markdown\n{BEGIN.format('example')}\nMY PRECIOUS EXAMPLE TEXT\n"
              f"{END.format('example')}\n```")
    commented = f"<!--\n{BEGIN.format('mine')}\nMY COMMENTED TEXT\n{END.format('mine')}\n-->"
    extra = f"{BEGIN.format('extra')}   \nPERSON TEXT IN EXTRA\n{END.format('extra')}\t"
    work = f"~~~\n{BEGIN.format('work')}\nQUOTED WORK\n{END.format('work')}\n~~~"
    body = (f"## Goal\n\nExample of a block:\n\n{fenced}\n\n{commented}\n\n{extra}\n\n{work}\n\n"
            "## Decisions\n\nD\n")
    _note(root, body)
    after = _regenerate(root)
    assert body in after, after
    assert after.count(BEGIN.format("work")) == 2 and "\nold\n" not in after, after
    done = run_cli("handoff", "--no-bundle", "--no-checks", "--format", "json", cwd=root)
    human = json.loads(done.stdout)["human"]
    assert fenced in human["goal"] and human["decisions"] == "D", human  # (comments in it too)


def test_a_quoted_block_of_ours_is_not_filled_when_the_real_one_is_missing(
        tmp_path: Path) -> None:
    """A note without a real ``checks`` block, quoting one in a fenced example under How to
    verify, had the example overwritten by the tests and bundle; the example stays and the real
    block is added at the end."""
    root = tmp_path / "r"
    example = (f"```markdown\n{BEGIN.format('checks')}\nPERSON-QUOTED-EXAMPLE: tests go here\n"
               f"{END.format('checks')}\n```")
    body = f"## Goal\n\nG\n\n## How to verify\n\nOur layout:\n\n{example}\n\n## Decisions\n\nD\n"
    _note(root, body, blocks=("work",))
    after = _regenerate(root)
    assert body in after, after
    real = after.rindex(BEGIN.format("checks"))
    assert real > after.index(END.format("work")) and "## Tests" in after[real:], after
    assert after.count(BEGIN.format("checks")) == 2, after


def test_a_copy_of_a_block_in_a_fence_never_closed_is_the_person_s(tmp_path: Path) -> None:
    """A verbatim copy of the note's ``checks`` block (its markers and digest too) pasted in a
    ```` ```md ```` fence the person never closed, at the note's end: its markers ended the fence,
    so the copy was a second real block ("appears twice": the note refused) or, the real one
    edited, the one updated. Text in that fence is the person's: left byte for byte; the real
    block is updated, or (edited) kept with a new one after the fence, closed for it, and the
    note stays the same size from then on."""
    root = tmp_path / "r"
    make_repo(root, {"a.py": "x = 1\n"})
    run = ("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md")
    assert run_cli(*run, cwd=root).returncode == 0
    note = root / "HANDOFF.md"
    text = note.read_text("utf-8")
    block = text[text.index(BEGIN.format("checks")[:-4]):]
    tail = f"\n## Scratch\n\nWhat the block looked like:\n\n```md\n{block}"
    note.write_text(text + tail, "utf-8")
    (root / "a.py").write_text("x = 2\n")
    done = run_cli(*run, cwd=root)
    assert done.returncode == 0 and "appears twice" not in done.stderr, done.stderr
    after = note.read_text("utf-8")
    assert after.endswith(tail) and after.count(BEGIN.format("checks")[:-4]) == 2, after
    assert "a.py" in after[:after.index(tail)]  # (the real blocks were updated)
    # The real block edited by the person: kept, and the copy still not taken for it.
    edited = after.replace("## Tests\n", "## Tests\n\nMY OWN LINE\n", 1)
    note.write_text(edited, "utf-8")
    done = run_cli(*run, cwd=root)
    assert "line 66: block 'checks' was left as it is" in done.stderr, done.stderr
    after = note.read_text("utf-8")
    assert after.count("## Tests\n\nMY OWN LINE\n") == 1, after  # (the edited block kept)
    # the copy as it was, then the fence closed, then the new block
    assert after[after.index(tail):].startswith(tail + "```\n\n" + BEGIN.format("checks")[:-4])
    assert after.count(BEGIN.format("checks")[:-4]) == 3, after
    for _ in range(2):
        assert run_cli(*run, cwd=root).returncode == 0
        assert note.read_text("utf-8").count(BEGIN.format("checks")[:-4]) == 3
        assert tail + "```\n" in note.read_text("utf-8")
