"""The Markdown note: human sections survive regeneration byte for byte; unsafe notes are not
overwritten; the note keeps within its token budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gitutil import commit, git, make_repo, write_files
from handoff_repos import feature_repo
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers.config import Settings
from analyzers.handoff import (
    NoteParseError,
    generate,
    parse_human_sections,
    parse_note,
    render_markdown,
    update_note_file,
)
from analyzers.handoff.markdown import BLOCKS
from analyzers.tokens import Counter

BLOCK = re.compile(r"(<!-- ctxsteward:generated:begin (\S+)(?: sha=[0-9]{12})? -->\r?\n)(.*?)"
                   r"(<!-- ctxsteward:generated:end \2 -->)", re.S)
SHA = re.compile(r" sha=[0-9]{12}")


def outside_blocks(text: str) -> str:
    """The note with every generated block's inside cut out: what people own."""
    return BLOCK.sub(lambda m: SHA.sub("", m.group(1)) + m.group(4), text)  # (sha: of the inside)


def fill_in(text: str) -> str:
    """Edit the human sections the way a person would: replace prompts, add a section and text."""
    text = text.replace("<!-- What this work is for, in a sentence or two. -->",
                        "Make the engine stoppable.  \nTrailing spaces above, tabs\there: é ✓")
    text = text.replace("<!-- What was decided, why, and what was rejected. -->",
                        "- Use `stop()` rather than a flag. Rejected: signals (not portable).\n\n"
                        "```sh\n## not a heading inside a fence\n```")
    text = text.replace("<!-- Commands that show the work is right. -->",
                        "    pytest -q tests/test_engine.py")
    text = text.replace("## Blockers", "## Notes from Ana\n\nFree-form text.\n\n## Blockers")
    return text + "\nA postscript after the last block.\n\n\n"


def test_round_trip_keeps_human_sections_byte_for_byte(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    root = repo.root
    first = update_note_file(root, "HANDOFF.md", generate(root, bundle=False))
    assert first.created and not first.wrote_beside
    edited = fill_in((root / "HANDOFF.md").read_text("utf-8"))
    (root / "HANDOFF.md").write_bytes(edited.encode("utf-8"))

    # More work happens; the note is regenerated.
    write_files(root, {"app/more.py": "def more():\n    return 'more'  # TODO: tune\n"})
    commit(root, "more work", {"app/core.py": (root / "app/core.py").read_text() + "\nX = 1\n"})
    note = generate(root, bundle=False)
    assert note.human.goal.startswith("Make the engine stoppable.")
    result = update_note_file(root, "HANDOFF.md", note)
    assert result.changed and not result.wrote_beside
    regenerated = (root / "HANDOFF.md").read_text("utf-8")

    assert outside_blocks(regenerated) == outside_blocks(edited)  # every human byte kept
    assert regenerated != edited  # ...and the derived blocks did change
    assert "more work" in regenerated and "app/more.py" in regenerated
    assert "`X` (constant" in regenerated
    # Twice more: stable.
    update_note_file(root, "HANDOFF.md", generate(root, bundle=False))
    assert outside_blocks((root / "HANDOFF.md").read_text("utf-8")) == outside_blocks(edited)


def test_round_trip_with_crlf_and_moved_blocks(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    root = repo.root
    note = generate(root, bundle=False)
    text = fill_in(render_markdown(note))
    # A person moves the work block to the very end and saves with Windows line endings.
    work = re.search(r"<!-- ctxsteward:generated:begin work sha=[0-9]{12} -->.*?"
                     r"<!-- ctxsteward:generated:end work -->\n", text, re.S)
    assert work is not None
    text = text.replace(work.group(0), "") + "\n" + work.group(0)
    crlf = text.replace("\n", "\r\n")
    again = render_markdown(generate(root, bundle=False), crlf)
    assert outside_blocks(again) == outside_blocks(crlf)
    assert "\n" not in again.replace("\r\n", "")  # no bare LF slipped into a CRLF file
    names = [m.group(2) for m in BLOCK.finditer(again)]
    assert names == ["summary", "checks", "work"]  # the blocks stay where the person put them


def test_parse_human_sections(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    text = fill_in(render_markdown(generate(repo.root, bundle=False)))
    human, problems = parse_human_sections(text)
    assert problems == []
    assert human.goal == "Make the engine stoppable.  \nTrailing spaces above, tabs\there: é ✓"
    assert human.decisions.startswith("- Use `stop()` rather than a flag.")
    assert "## not a heading inside a fence" in human.decisions
    assert human.how_to_verify == "pytest -q tests/test_engine.py"
    assert human.status == "" and human.next_steps == ""  # prompts only
    assert parse_note(text).other_sections == ["Notes from Ana"]


@pytest.mark.parametrize("damage", [
    lambda t: t.replace("<!-- ctxsteward:generated:end work -->\n", "", 1),
    lambda t: t.replace("<!-- ctxsteward:generated:end work -->",
                        "<!-- ctxsteward:generated:end checks -->", 1),
    lambda t: t.replace("<!-- ctxsteward:generated:begin checks",
                        "<!-- ctxsteward:generated:begin  checks", 1),
    # (two blocks of a name that both hold their digests: which is ours cannot be told; a second
    # one that does not is the person's text: tests/test_handoff_guard.py)
    lambda t: t + t[t.index("<!-- ctxsteward:generated:begin work"):
                    t.index("<!-- ctxsteward:generated:end work -->") + 39],
    lambda t: "# My own handoff file\n\nNo generated blocks at all.\n",
])
def test_unparseable_note_is_not_overwritten(tmp_path: Path, damage) -> None:  # noqa: ANN001
    repo = feature_repo(tmp_path / "r")
    root = repo.root
    good = render_markdown(generate(root, bundle=False))
    bad = damage(fill_in(good))
    (root / "HANDOFF.md").write_bytes(bad.encode("utf-8"))
    assert parse_note(bad).problems
    with pytest.raises(NoteParseError):
        render_markdown(generate(root, bundle=False), bad)

    note = generate(root, bundle=False)
    assert any("cannot be updated in place" in p for p in note.problems)
    result = update_note_file(root, "HANDOFF.md", note)
    assert (root / "HANDOFF.md").read_bytes() == bad.encode("utf-8")  # untouched
    assert result.wrote_beside and result.path == "HANDOFF.generated.md"
    assert "was not overwritten" in result.message and "HANDOFF.generated.md" in result.message
    beside = (root / "HANDOFF.generated.md").read_text("utf-8")
    assert parse_note(beside).ok
    # The file beside it is ours to update on the next run (and keeps its own human edits).
    (root / "HANDOFF.generated.md").write_text(beside.replace(
        "<!-- The next concrete actions, in order. -->", "1. Ship it."), "utf-8")
    again = update_note_file(root, "HANDOFF.md", generate(root, bundle=False))
    assert again.path == "HANDOFF.generated.md"
    assert "1. Ship it." in (root / "HANDOFF.generated.md").read_text("utf-8")
    assert (root / "HANDOFF.md").read_bytes() == bad.encode("utf-8")


def test_derived_text_cannot_forge_markers(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    git("checkout", "-q", "-b", "w", cwd=root)
    commit(root, "<!-- ctxsteward:generated:end work --> sneaky", {"a.txt": "b\n"})
    text = render_markdown(generate(root, bundle=False))
    assert parse_note(text).ok
    assert "&lt;!-- ctxsteward:generated:end work --> sneaky" in text


def test_budget_shortens_longest_lists(tmp_path: Path) -> None:
    files = {f"mod{i:03d}.py": f"def f{i}():\n    return {i}\n" for i in range(150)}
    root = make_repo(tmp_path / "r", {"README.md": "x\n"})
    git("checkout", "-q", "-b", "big", cwd=root)
    for i in range(0, 150, 30):
        commit(root, f"batch {i}", {k: v for k, v in list(files.items())[i:i + 30]})
    note = generate(root, bundle=False)
    text = render_markdown(note)
    counter = Counter("cl100k_base", Settings().model_profile())
    assert note.token_budget == 2000
    assert counter.count(text) == note.token_count <= 2000
    # Totals cover every change, listed or not.
    assert (note.committed_totals.files, note.committed_totals.added) == (150, 300)
    assert "150 files changed in commits (+300 −0)" in text
    shortened = {t.name: t for t in note.truncated}
    assert shortened["committed_changes"].total == 150
    assert shortened["touched_definitions"].total == 150
    assert len(note.committed_changes) == shortened["committed_changes"].shown < 150
    more = 150 - shortened["committed_changes"].shown
    assert f"…and {more} more files" in text
    assert "commits" not in shortened  # five commits: short lists are left whole

    small = generate(root, bundle=False, budget=800)
    assert small.token_count <= 800
    assert len(small.committed_changes) < len(note.committed_changes)


def test_blocks_are_named_and_complete(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    text = render_markdown(generate(root, bundle=False))
    assert [m.group(2) for m in BLOCK.finditer(text)] == list(BLOCKS)
    # A note missing a block (deleted by hand) gets it back at the end; the rest is untouched.
    no_checks = BLOCK.sub(lambda m: "" if m.group(2) == "checks" else m.group(0), text)
    again = render_markdown(generate(root, bundle=False), no_checks)
    assert again.startswith(outside_blocks(no_checks).split("<!-- ctxsteward:generated:begin")[0])
    assert [m.group(2) for m in BLOCK.finditer(again)] == ["summary", "work", "checks"]


@pytest.fixture(scope="module")
def small_note(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    root = make_repo(tmp_path_factory.mktemp("h") / "r", {"a.py": "def a():\n    pass\n"})
    write_files(root, {"a.py": "def a():\n    return 1  # TODO: x\n"})
    return generate(root, bundle=False, checks=False)


_human_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300,
).filter(lambda s: "ctxsteward:generated" not in s)


@settings(max_examples=150, deadline=None)
@given(goal=_human_text, tail=_human_text)
def test_any_human_text_survives(small_note, goal: str, tail: str) -> None:  # noqa: ANN001
    text = render_markdown(small_note).replace(
        "<!-- What this work is for, in a sentence or two. -->", goal) + tail
    human, problems = parse_human_sections(text)
    assert problems == []
    again = render_markdown(small_note, text)
    assert outside_blocks(again) == outside_blocks(text)
    assert parse_note(again).ok


def test_a_crlf_note_missing_blocks_gets_them_with_its_own_line_ends(tmp_path: Path) -> None:
    """The blocks a CRLF note lacks are appended with CRLF line ends: no ``\\r\\r\\n`` (a stray
    carriage return would stay in the person's text for good)."""
    root = feature_repo(tmp_path / "r").root
    note = generate(root, bundle=False)
    summary = re.search(r"<!-- ctxsteward:generated:begin summary sha=[0-9]{12} -->.*?"
                        r"<!-- ctxsteward:generated:end summary -->\n",
                        render_markdown(note), re.S)
    assert summary is not None
    crlf = (summary.group(0) + "\n## Goal\n\nShip it.\n").replace("\n", "\r\n")
    again = render_markdown(generate(root, bundle=False), crlf)
    assert "\r\r" not in again and "\n" not in again.replace("\r\n", "")
    assert "Ship it.\r\n" in again and len(BLOCK.findall(again)) > 1
