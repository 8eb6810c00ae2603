"""CS005 (size with imports), CS006 (imports) and CS009 (what an agent loads for a folder)."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli
from instructions_util import of, run, text_at

from analyzers.config import Settings
from analyzers.instructions import CheckView, file_summary, loaded_for


def _words(n: int, word: str = "alpha") -> str:
    return " ".join(f"{word}{i}" for i in range(n)) + "\n"


def test_oversized_file_counts_its_imports_and_names_the_largest_parts(tmp_path: Path) -> None:
    claude = f"# Intro\n\n{_words(50)}\n## Testing\n\n{_words(400, 'beta')}\n@docs/style.md\n"
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude,
                                      "docs/style.md": "# Style\n\n" + _words(700, "gamma")})
    assert of(run(root), "CS005") == []  # default budget 5,000
    (d,) = of(run(root, instruction_budget=1000), "CS005")
    assert d.range.start.line == 0 and d.severity == "warning"
    assert "with 1 import " in d.message
    largest = d.message.split("Largest: ")[1]
    assert largest.index("@docs/style.md") < largest.index('"Testing"') < largest.index('"Intro"')

    summary = file_summary(CheckView(root), "CLAUDE.md")
    assert summary is not None and summary.imports == ["docs/style.md"]
    assert summary.tokens_with_imports > summary.tokens > 0
    assert [s.title for s in summary.sections] == ["Intro", "Testing"]
    assert summary.sections[1].tokens > summary.sections[0].tokens
    assert summary.sections[1].range.start.line == 4


def test_a_readme_named_to_check_is_not_said_to_be_loaded_into_every_session(
        tmp_path: Path) -> None:
    """chi: ``check README.md`` said "README.md is 6,543 tokens, over the budget of 5,000
    loaded into every session"; no agent loads a README by itself."""
    root = make_repo(tmp_path / "r", {"README.md": "# Chi\n\n" + _words(2500),
                                      "CLAUDE.md": "# Rules\n\n" + _words(2500, "beta")})
    report = run_cli("check", "README.md", "CLAUDE.md", "--format", "json",
                     "--root", str(root), cwd=root)
    found = {d["path"]: d["message"] for d in json.loads(report.stdout)["diagnostics"]
             if d["code"] == "CS005"}
    assert set(found) == {"README.md", "CLAUDE.md"}, report.stdout
    assert "every session" not in found["README.md"], found
    assert "agents read it on demand" in found["README.md"], found
    assert "loaded into every session" in found["CLAUDE.md"], found


def test_import_cycle_depth_and_outside(tmp_path: Path) -> None:
    claude = "# Root\n\n@a.md\n@~/.claude/personal.md\n@../outside.md\n"
    files = {"CLAUDE.md": claude, "a.md": "@b.md\n", "b.md": "@a.md\n@c.md\n",
             "c.md": "@d.md\n", "d.md": "@e.md\n", "e.md": "@f.md\n", "f.md": "@g.md\n",
             "g.md": "deep\n"}
    root = make_repo(tmp_path / "r", files)
    found = of(run(root), "CS006")
    by_kind = {("cycle" if "cycle" in d.message else "deep" if "hops deep" in d.message
                else "outside"): d for d in found}
    assert set(by_kind) == {"cycle", "deep", "outside"}
    assert "CLAUDE.md → a.md → b.md → a.md" in by_kind["cycle"].message
    assert text_at(claude, by_kind["cycle"]) == "a.md"  # reported at the first hop
    deep = by_kind["deep"].message
    assert "→ e.md → f.md is 6 hops deep" in deep and "f.md is not loaded" in deep
    assert "at most 5" in deep
    outside = [d for d in found if "outside" in d.message]
    assert [text_at(claude, d) for d in outside] == ["~/.claude/personal.md", "../outside.md"]
    assert all(d.severity == "information" for d in outside)
    # A deeper limit loads f.md and g.md: no depth finding.
    assert [d for d in of(run(root, import_depth=6), "CS006") if "hops deep" in d.message]
    assert not [d for d in of(run(root, import_depth=7), "CS006") if "hops deep" in d.message]
    for depth, deep_found in (("5", True), ("7", False)):
        proc = run_cli("check", "--no-index", "--format", "json", "--import-depth", depth,
                       cwd=root)
        msgs = [d["message"] for d in json.loads(proc.stdout)["diagnostics"]]
        assert any("hops deep" in m for m in msgs) is deep_found


def test_missing_nested_import_is_reported_at_the_first_hop(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"CLAUDE.md": "@docs/rules.md\n",
                                      "docs/rules.md": "Rules.\n@gone.md\n"})
    (d,) = of(run(root), "CS001")
    assert "docs/rules.md imports @gone.md" in d.message and d.range.start.line == 0


def test_what_each_agent_loads_in_a_folder(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "CLAUDE.md": "Root rules. @docs/shared.md\n", "docs/shared.md": "Shared.\n",
        "AGENTS.md": "Agents root.\n", "pkg/AGENTS.md": "Agents pkg.\n",
        "pkg/CLAUDE.md": "Pkg rules.\n", "pkg/sub/CLAUDE.md": "Sub rules.\n",
        "other/CLAUDE.md": "Other.\n", "pkg/sub/x.py": "x = 1\n",
        ".cursor/rules/always.mdc": "---\nalwaysApply: true\n---\nAlways.\n",
        ".cursor/rules/py.mdc": "---\nglobs: **/*.py\n---\nPython.\n",
        ".github/copilot-instructions.md": "Copilot.\n",
    })
    report = loaded_for(CheckView(root), "pkg")
    agents = {a.agent: a for a in report.agents}
    claude = [(f.path, f.reason, f.conditional) for f in agents["Claude Code"].files]
    assert claude == [
        ("CLAUDE.md", "ancestor folder", False),
        ("docs/shared.md", "imported by CLAUDE.md", False),
        ("pkg/CLAUDE.md", "this folder", False),
        ("pkg/sub/CLAUDE.md", "nested: read when the agent works in pkg/sub/", True),
    ]
    assert [f.path for f in agents["Codex"].files] == ["AGENTS.md", "pkg/AGENTS.md"]
    cursor = {f.path: f.conditional for f in agents["Cursor"].files}
    assert cursor == {".cursor/rules/always.mdc": False, ".cursor/rules/py.mdc": True,
                      "AGENTS.md": False, "pkg/AGENTS.md": False}
    # Copilot's coding agent reads AGENTS.md files too, the nearest one first.
    assert [f.path for f in agents["GitHub Copilot"].files] == [
        ".github/copilot-instructions.md", "AGENTS.md", "pkg/AGENTS.md"]
    total = sum(f.tokens for f in agents["Claude Code"].files if not f.conditional)
    assert agents["Claude Code"].total_tokens == total and not agents["Claude Code"].over_budget


def test_folder_over_budget_and_codex_byte_cap(tmp_path: Path) -> None:
    big = "# Notes\n\n" + "".join(f"- rule number {i} says something useful\n" for i in range(600))
    root = make_repo(tmp_path / "r", {"AGENTS.md": big, "svc/AGENTS.md": big,
                                      "CLAUDE.md": "@AGENTS.md\n", "svc/CLAUDE.md": "@AGENTS.md\n"})
    found = of(run(root, instruction_budget=8_000), "CS009")
    by_path = {}
    for d in found:
        by_path.setdefault(d.path, []).append(d)
    # Codex: root AGENTS.md fits in 32 KiB, root + svc does not; svc/AGENTS.md is cut.
    cut = [d for d in by_path["svc/AGENTS.md"] if "bytes" in d.message]
    assert len(cut) == 1 and "is dropped" in cut[0].message
    assert cut[0].range.start.line > 0
    over = [d for d in by_path["svc/CLAUDE.md"] if "over the budget" in d.message]
    assert len(over) == 1 and "Claude Code loads 4 files" in over[0].message
    assert "AGENTS.md" not in by_path or not [d for d in by_path["AGENTS.md"]
                                              if "over the budget" in d.message]
    assert Settings().agents_max_bytes == 32_768
