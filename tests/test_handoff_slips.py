"""A person's slip in their handoff note (a code fence or comment never closed, lists nested past
the parser's limit, megabytes pasted in) never moves their sections: each is still read as the
section it is under, by the real ``ctxsteward handoff`` and the session-start hook, and the note
keeps every byte they wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from handoff_repos import unsha
from test_hooks import load_fixture, run_hook

from analyzers.handoff.markdown import SECTIONS

PROMPTS = {key: f"<!-- {prompt} -->" for key, _, _, prompt in SECTIONS}


def _noted(root: Path, goal: str, decisions: str = "Use SQLite.") -> str:
    """A repository with a note whose Goal is ``goal``, Decisions ``decisions``, Next steps one
    line and a section of the person's own (``## Notes``), the other sections empty, their
    prompts deleted; the note as written."""
    make_repo(root, {"a.py": "x = 1\n"})
    made = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
    assert made.returncode == 0, made.stderr
    text = (root / "HANDOFF.md").read_text("utf-8")
    written = {"goal": goal, "decisions": f"{decisions}\n\n## Notes\n\nMine, not carried.",
               "next_steps": "1. Write the migration."}
    for key, prompt in PROMPTS.items():
        text = text.replace(prompt, written.get(key, ""))
    (root / "HANDOFF.md").write_text(text, "utf-8")
    return text


def _human(root: Path) -> dict[str, str]:
    done = run_cli("handoff", "--no-bundle", "--no-checks", "--format", "json", cwd=root)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["human"]


def _outside_blocks(text: str) -> str:
    """The note without what is inside its generated blocks (what people wrote, and the
    markers, without their digests)."""
    out, inside = [], False
    for line in unsha(text).splitlines(keepends=True):
        if "ctxsteward:generated:end" in line:
            inside = False
        if not inside:
            out.append(line)
        if "ctxsteward:generated:begin" in line:
            inside = True
    return "".join(out)


UNCLOSED = {
    "backticks": "Ship it.\n\n```sh\nmake test\n# run it twice\n## not a section\n",
    "tildes": "Ship it.\n\n~~~\nmake test\n```\n# run it twice\n",
    "indented": "Ship it.\n\n   ````python\nmake_test()\n   ```\n# run it twice\n",
    "comment": "Ship it.\n\n<!-- a draft\n# run it twice\n",
    # (closed by the quote and the list item they are in: the markers after them are ours)
    "in a quote or list": "Ship it.\n\n> ```\n> make test\n\n- item\n  ```\n  code\n",
    "nested lists": "Ship it.\n\n" + "".join(f"{'  ' * i}- level {i}\n" for i in range(25))
                    + "# run it twice\n",
}


@pytest.mark.parametrize("goal", UNCLOSED.values(), ids=UNCLOSED.keys())
def test_a_block_never_closed_ends_at_the_next_section(tmp_path: Path, goal: str) -> None:
    """A fence (```, ~~~, indented) or HTML comment opened in the Goal and never closed, or lists
    nested past markdown-it's limit, made every later section part of the Goal: the JSON had an
    empty Decisions and the Goal holding ``## Decisions`` and the rest; the hook carried them
    as the Goal. The unclosed block now ends at the next section heading the note format knows
    (what is before it, ``# run it twice`` too, stays the Goal's); the note keeps every byte."""
    root = tmp_path / "r"
    written = _noted(root, goal)
    for _ in range(2):
        done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
        assert done.returncode == 0, done.stderr
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert _outside_blocks(after) == _outside_blocks(written)
    human = _human(root)
    assert human["goal"] == goal.strip(), human
    assert human["decisions"] == "Use SQLite." and human["status"] == "", human
    assert human["next_steps"] == "1. Write the migration.", human
    context = json.loads(run_hook(root, "claude-code", "SessionStart",
                                  load_fixture("claude-code", "SessionStart", root)).stdout)
    carried = context["hookSpecificOutput"]["additionalContext"]
    assert "## Decisions\n\nUse SQLite." in carried, carried
    assert "## Next steps\n\n1. Write the migration." in carried, carried
    assert "Mine, not carried." not in carried and "## Status" not in carried, carried


def test_a_section_heading_ends_a_fence_or_comment_it_is_in(tmp_path: Path) -> None:
    """A heading of a section the note format knows ends the fence, comment or ``<pre>`` it is
    in, even one that a later line closes: Markdown pairs a forgotten opener with the opener of
    a later block (```` ```sh ```` in How to verify, a ``<!-- later -->``), and the sections
    between were read as code (JSON: only the Goal; the hook carried them as the Goal). The
    note keeps every byte."""
    verify = "```sh\npytest -q\n```"
    for n, (opener, later) in enumerate([("```sh", f"## How to verify\n\n{verify}\n"),
                                         ("<!-- draft", "A note. <!-- later -->\n"),
                                         ("<pre>", "<pre>x</pre>\n")]):
        root = tmp_path / f"r{n}"  # (the hook's background indexer may still write in the last)
        goal = f"Ship it.\n\n{opener}\nmake test"
        written = _noted(root, goal)
        text = written.replace("1. Write the migration.", f"1. Write the migration.\n\n{later}")
        (root / "HANDOFF.md").write_text(text, "utf-8")
        done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
        assert done.returncode == 0, done.stderr
        assert _outside_blocks((root / "HANDOFF.md").read_text("utf-8")) == _outside_blocks(text)
        human = _human(root)
        assert human["goal"] == goal and human["decisions"] == "Use SQLite.", human
        assert human["next_steps"].startswith("1. Write the migration."), human
        if opener == "```sh":
            assert human["how_to_verify"] == verify, human
        context = json.loads(run_hook(root, "claude-code", "SessionStart",
                                      load_fixture("claude-code", "SessionStart", root)).stdout)
        carried = context["hookSpecificOutput"]["additionalContext"]
        assert "## Decisions\n\nUse SQLite." in carried, carried
        assert "## Next steps\n\n1. Write the migration." in carried, carried


def test_two_slips_in_two_sections(tmp_path: Path) -> None:
    """A fence left open in the Goal and another in Decisions (Markdown closes the first with the
    second, and the second runs on): each ends at the next section heading."""
    root = tmp_path / "r"
    goal, decisions = "Ship it.\n\n```\nmake test", "Use SQLite.\n\n   ```\nsqlite3 db"
    _noted(root, goal, decisions)
    human = _human(root)
    assert human["goal"] == goal, human
    # (a heading of the person's own stays in the open fence: only the sections we read end it)
    assert human["decisions"] == f"{decisions}\n\n## Notes\n\nMine, not carried.", human
    assert human["next_steps"] == "1. Write the migration.", human


def test_a_note_over_a_megabyte_is_carried_whole(tmp_path: Path) -> None:
    """A note over 1 MB (a log pasted into its Goal) was carried as its summary only, with a line
    saying its sections were not read. It is now read line by line (Markdown-parsing it took
    seconds of the hook's time): every section is carried, the log from its head; a heading of
    the person's own in a fence that closes is text there too, and a section after an unclosed
    fence is read."""
    root = tmp_path / "r"
    log = "\n".join(f"- step {i}: rebuilt the cache" for i in range(40_000))
    goal = f"Ship it.\n\n```\n## Mine\n```\n\n{log}\n\n~~~\nthe tail, never closed"
    written = _noted(root, goal)
    assert len(written) > 1_000_000
    done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
    assert done.returncode == 0, done.stderr
    assert _outside_blocks((root / "HANDOFF.md").read_text("utf-8")) == _outside_blocks(written)
    human = _human(root)
    assert human["goal"] == goal and human["decisions"] == "Use SQLite.", human["decisions"]
    context = json.loads(run_hook(root, "claude-code", "SessionStart",
                                  load_fixture("claude-code", "SessionStart", root)).stdout)
    carried = context["hookSpecificOutput"]["additionalContext"]
    assert "## Goal\n\nShip it." in carried and "- step 0: rebuilt the cache" in carried, carried
    assert "## Decisions\n\nUse SQLite." in carried, carried
    assert "## Next steps\n\n1. Write the migration." in carried, carried
    assert "were not read" not in carried and "more lines in HANDOFF.md" in carried, carried


def test_html_blocks_read_line_by_line_over_a_megabyte(tmp_path: Path) -> None:
    """Read line by line (a note over 1 MB), a ``<pre>`` block was not seen (a heading in it
    ended the Goal) and ``<!-->``, a whole comment, hid the lines up to a later ``-->``: both
    are read as Markdown reads them, as in a smaller note."""
    root = tmp_path / "r"
    pad = "".join(f"- step {i}: rebuilt the cache\n" for i in range(40_000))
    goal = "Ship it.\n\n<pre>\n## Mine\nKEEP\n</pre>\n\n<!-->\n\n## Notes\n\nMINE\n\n<!-- c -->"
    written = _noted(root, goal)
    text = written.replace("Mine, not carried.", "Mine, not carried.\n\n" + pad)
    assert len(text) > 1_000_000
    (root / "HANDOFF.md").write_text(text, "utf-8")
    context = json.loads(run_hook(root, "claude-code", "SessionStart",
                                  load_fixture("claude-code", "SessionStart", root)).stdout)
    carried = context["hookSpecificOutput"]["additionalContext"]
    shown = "## Goal\n\nShip it.\n\n<pre>\n## Mine\nKEEP\n</pre>\n\n<!-->\n\n## Decisions"
    assert shown in carried, carried
    assert "MINE" not in carried and "## Decisions\n\nUse SQLite." in carried, carried


def test_a_byte_order_mark_is_kept_and_read_past(tmp_path: Path) -> None:
    """A UTF-8 byte order mark (an editor's) before the first marker made the note unreadable
    (exit 1, written beside); before ``## Goal`` it lost the Goal. It is read past, and written
    back as it was."""
    for first in ("marker", "goal"):
        root = tmp_path / first
        written = _noted(root, "Ship it.")
        if first == "goal":
            start = written.index("## Goal")
            end = written.index("## Status")
            written = written[start:end] + written[:start] + written[end:]
        (root / "HANDOFF.md").write_text("\ufeff" + written, "utf-8")
        done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
        assert done.returncode == 0, done.stderr
        after = (root / "HANDOFF.md").read_bytes()
        assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\xef\xbb\xbf") == 1, after[:80]
        assert _outside_blocks(after.decode("utf-8")) == _outside_blocks("\ufeff" + written)
        human = _human(root)
        assert human["goal"] == "Ship it." and human["decisions"] == "Use SQLite.", human


def test_a_forgotten_close_over_a_megabyte_ends_at_the_next_section(tmp_path: Path) -> None:
    """Read line by line (a note over 1 MB), a ```` ```sh ```` left open in the Goal, closed by
    Markdown's reading at How to verify's block, ends at ``## Decisions`` too."""
    root = tmp_path / "r"
    pad = "".join(f"- step {i}: rebuilt the cache\n" for i in range(40_000))
    written = _noted(root, f"Ship it.\n\n{pad}\n```sh\nmake test")
    text = written.replace("1. Write the migration.",
                           "1. Write the migration.\n\n## How to verify\n\n```sh\npytest -q\n```")
    assert len(text) > 1_000_000
    (root / "HANDOFF.md").write_text(text, "utf-8")
    context = json.loads(run_hook(root, "claude-code", "SessionStart",
                                  load_fixture("claude-code", "SessionStart", root)).stdout)
    carried = context["hookSpecificOutput"]["additionalContext"]
    assert "## Decisions\n\nUse SQLite." in carried, carried
    assert "## Next steps\n\n1. Write the migration." in carried, carried
    assert "## How to verify\n\n```sh\npytest -q\n```" in carried, carried
