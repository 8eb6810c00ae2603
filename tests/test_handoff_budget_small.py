"""Handoff notes under budgets far below the default: generated parts are given up lowest
priority first until the note fits; text people wrote is never shortened or left out, and when
it alone (or the note's skeleton) is over the budget the note says so. Real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from gitutil import run_cli
from handoff_repos import feature_repo

from analyzers.config import Settings
from analyzers.handoff import HandoffNote, generate, parse_note, render_markdown
from analyzers.handoff.fitting import DROP_ORDER
from analyzers.handoff.markdown import BEGIN
from analyzers.tokens import Counter

COUNTER = Counter("cl100k_base", Settings().model_profile())
ORDER = [part for part, _ in DROP_ORDER]
GOAL_PROMPT = "<!-- What this work is for, in a sentence or two. -->"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return feature_repo(tmp_path_factory.mktemp("h") / "r").root


def outside_blocks(text: str) -> str:
    """The note's text outside its generated blocks (markers included): what people own."""
    parsed = parse_note(text)
    assert parsed.ok, parsed.problems
    kept, pos = [], 0
    for b in parsed.blocks:
        kept.append(text[pos:b.marker[0]] + BEGIN.format(b.name))  # (its sha: of the inside)
        kept.append(text[b.marker[1]:b.content_start])
        pos = b.content_end
    return "".join(kept) + text[pos:]


def note_at(root: Path, budget: int) -> tuple[HandoffNote, str]:
    note = generate(root, budget=budget, bundle=False)
    return note, render_markdown(note)


def test_small_budgets_fit_by_giving_up_the_least_useful_parts_first(root: Path) -> None:
    full, full_text = note_at(root, 2000)
    assert full.omitted == [] and COUNTER.count(full_text) == full.token_count <= 2000
    assert full.token_count > 600  # the defaults would overshoot every budget below

    previous: list[str] = []
    for budget in (600, 450, 350, 300, 260):
        note, text = note_at(root, budget)
        assert COUNTER.count(text) == note.token_count <= budget, budget
        assert not [p for p in note.problems if "budget" in p]
        # Parts go in priority order, and a smaller budget gives up at least as much.
        assert note.omitted == sorted(note.omitted, key=ORDER.index)
        assert set(previous) <= set(note.omitted) | {"intro", "prompts", "details"}
        previous = note.omitted
        # The summary's verdict lines always stay.
        assert "- **Work**: 2 commits; 3 files changed in commits" in text
        assert f"**Note size**: {note.token_count:,} of {budget:,} tokens" in text
        assert parse_note(text).ok
        left_out = [p for p in note.omitted if p not in ("intro", "prompts", "details")]
        if left_out:
            assert "- **Left out to fit the budget**: " in text
    # At the smallest of them the lowest-priority sections are gone, the most useful is kept
    # when it fits.
    note, text = note_at(root, 350)
    assert {"intro", "prompts", "instructions", "tests"} <= set(note.omitted)
    assert "## Instruction files" not in text and "## Tests" not in text
    assert "committed_changes" not in note.omitted
    assert "- `app/core.py` modified +6 −6" in text
    assert GOAL_PROMPT not in text and "## Goal\n" in text  # the heading stays for people


def test_a_note_given_up_to_fit_comes_back_whole_with_room(root: Path, tmp_path: Path) -> None:
    small, small_text = note_at(root, 300)
    assert "touched_definitions" in small.omitted
    again = render_markdown(generate(root, budget=2000, bundle=False), small_text)
    assert outside_blocks(again) == outside_blocks(small_text)  # people's part, byte for byte
    assert "## Touched definitions (7)" in again and "## Suggested context bundle" in again


def test_human_text_over_the_budget_is_kept_and_reported(tmp_path: Path) -> None:
    root = feature_repo(tmp_path / "r").root
    note_file = root / "HANDOFF.md"
    proc = run_cli("handoff", "--no-bundle", "--out", "HANDOFF.md", cwd=root)
    assert proc.returncode == 0, proc.stderr
    goal = "\n".join(f"{i}. Ship the engine rework with stop() wired into the CLI, the docs "
                     f"renamed and the legacy module gone; step {i} of the plan."
                     for i in range(12))
    note_file.write_text(note_file.read_text("utf-8").replace(GOAL_PROMPT, goal), "utf-8")
    mine = outside_blocks(note_file.read_text("utf-8"))
    assert COUNTER.count(mine) > 400

    proc = run_cli("handoff", "--no-bundle", "--out", "HANDOFF.md", "--budget", "400", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = note_file.read_text("utf-8")
    assert outside_blocks(text) == mine  # not a byte of it changed
    assert goal in text
    assert "warning: the note takes " in proc.stderr
    assert "over the budget of 400 tokens: the text people wrote takes " in proc.stderr
    assert "tokens by itself and is kept as written" in proc.stderr
    proc = run_cli("handoff", "--no-bundle", "--format", "json", "--budget", "400", cwd=root)
    note = HandoffNote.model_validate_json(proc.stdout)  # the human text read from HANDOFF.md
    assert note.token_count > 400
    assert any("the text people wrote takes" in p for p in note.problems)
    # Everything generated that could go went.
    assert {"bundle", "instructions", "tests", "todos", "touched_definitions", "commits",
            "uncommitted_changes", "committed_changes"} <= set(note.omitted)


def test_human_text_under_the_budget_leaves_room_for_generated_parts(root: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "NOTE.md"
    proc = run_cli("handoff", "--no-bundle", "--out", str(out), cwd=root)
    assert proc.returncode == 0, proc.stderr
    goal = "Ship the engine rework: stop() wired into the CLI, docs renamed, legacy gone."
    out.write_text(out.read_text("utf-8").replace(GOAL_PROMPT, goal), "utf-8")
    mine = outside_blocks(out.read_text("utf-8"))
    proc = run_cli("handoff", "--no-bundle", "--out", str(out), "--budget", "450", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text("utf-8")
    assert outside_blocks(text) == mine
    assert COUNTER.count(text) <= 450
    assert "note: left out to fit the budget of 450 tokens: " in proc.stderr
    assert "warning" not in proc.stderr


def test_a_budget_below_the_skeleton_says_so(root: Path) -> None:
    proc = run_cli("handoff", "--no-bundle", "--budget", "100", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "over the budget of 100 tokens: the note cannot be shorter than about " in proc.stderr
    assert "raise the budget" in proc.stdout  # the note carries the problem too
    assert parse_note(proc.stdout).ok
    assert "<!-- ctxsteward:generated:begin checks sha=" in proc.stdout


def test_json_reports_what_was_left_out(root: Path) -> None:
    schema = json.loads(run_cli("schema", "handoff", cwd=root).stdout)
    proc = run_cli("handoff", "--no-bundle", "--format", "json", "--budget", "300", cwd=root)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    jsonschema.validate(data, schema)
    assert data["token_count"] <= 300 and data["token_budget"] == 300
    assert data["omitted"][:2] == ["intro", "prompts"]
    assert "omitted" in schema["properties"]
