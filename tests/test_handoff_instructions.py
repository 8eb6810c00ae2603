"""Instruction files that apply to the touched paths, with the checker's open diagnostics."""

from __future__ import annotations

from pathlib import Path

from gitutil import write_files
from handoff_repos import feature_repo

from analyzers.handoff import generate, render_markdown


def test_ancestor_instruction_files_apply(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    write_files(repo.root, {"docs/AGENTS.md": "# Docs rules\n"})  # docs/ was touched too
    note = generate(repo.root, bundle=False, checks=False)
    applies = {f.path: f.applies_to for f in note.instructions.files}
    # Touched: app/core.py, app/util.py, app/extra.py, docs/new_name.md, docs/old_name.md,
    # legacy.py and the new docs/AGENTS.md itself.
    assert applies == {"CLAUDE.md": 7, "app/AGENTS.md": 3, "docs/AGENTS.md": 3}
    assert not note.instructions.checked
    assert "not requested" in note.instructions.note


def test_open_diagnostics_are_included(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    agents = "# App rules\n\nSee [the old docs](../docs/old_name.md).\n"
    write_files(repo.root, {"app/AGENTS.md": agents})
    note = generate(repo.root, bundle=False)
    assert note.instructions.checked, note.instructions.note
    by_path = {f.path: f for f in note.instructions.files}
    diags = by_path["app/AGENTS.md"].diagnostics
    assert any(d.line == 3 and "old_name.md" in d.message for d in diags), diags
    assert by_path["app/AGENTS.md"].diagnostics_total == len(diags)
    text = render_markdown(note)
    assert "`app/AGENTS.md` (applies to 4 touched paths; " in text  # itself too
    assert "  - L3 " in text


def test_no_instruction_files(tmp_path: Path) -> None:
    from gitutil import make_repo

    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    write_files(root, {"a.py": "x = 2\n"})
    note = generate(root, bundle=False)
    assert note.instructions.files == []
    assert "- none apply" in render_markdown(note)


def test_many_diagnostics_are_shortened_to_fit(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    missing = "".join(f"- See [part {i}](docs/missing_{i}.md) for details.\n" for i in range(12))
    write_files(repo.root, {"CLAUDE.md": "# Rules\n\n" + missing})
    full = generate(repo.root, bundle=False, budget=20_000)
    [claude] = [f for f in full.instructions.files if f.path == "CLAUDE.md"]
    assert claude.diagnostics_total >= 12 and len(claude.diagnostics) == 10  # capped per file
    small = generate(repo.root, bundle=False, budget=900)
    [claude] = [f for f in small.instructions.files if f.path == "CLAUDE.md"]
    assert small.token_count <= 900
    assert 1 <= len(claude.diagnostics) < 10
    hidden = claude.diagnostics_total - len(claude.diagnostics)
    assert f"…and {hidden} more diagnostics" in render_markdown(small)


def test_symlinked_instruction_file_is_listed_once(tmp_path: Path) -> None:
    from gitutil import make_repo

    root = make_repo(tmp_path / "r", {"AGENTS.md": "# Rules\n", "a.py": "x = 1\n"})
    (root / "CLAUDE.md").symlink_to("AGENTS.md")
    write_files(root, {"a.py": "x = 2\n"})
    note = generate(root, bundle=False, checks=False)
    assert [(f.path, f.aliases) for f in note.instructions.files] == [("AGENTS.md", ["CLAUDE.md"])]
    assert "`AGENTS.md`, also as `CLAUDE.md`" in render_markdown(note)
