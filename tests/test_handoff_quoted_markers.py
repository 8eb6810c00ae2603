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
