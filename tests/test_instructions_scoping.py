"""CS007: rule scoping that never fires, and malformed rule frontmatter."""

from __future__ import annotations

from pathlib import Path

from gitutil import commit, make_repo
from instructions_util import apply_fix, of, recheck, run, text_at

CODE = {"src/app/main.ts": "export const x = 1\n", "src/app/view.tsx": "export {}\n",
        "api/handler.py": "def h():\n    pass\n"}


def test_cursor_globs_that_match_nothing(tmp_path: Path) -> None:
    dead = ("---\ndescription: Go style\nglobs: **/*.go, cmd/**\nalwaysApply: false\n---\n"
            "Use gofmt.\n")
    live = "---\ndescription: TS\nglobs: src/**/*.{ts,tsx}, *.py\n---\nUse strict mode.\n"
    partly = "---\nglobs: src/**/*.ts, legacy/**\n---\nNotes.\n"
    # A YAML list: Cursor's line reader sees no globs at all (project-codeguard#121)
    listed = "---\nglobs:\n  - src/**/*.ts\n  - legacy/**\n---\nNotes.\n"
    root = make_repo(tmp_path / "r", {**CODE, ".cursor/rules/go.mdc": dead,
                                      ".cursor/rules/ts.mdc": live,
                                      ".cursor/rules/mixed.mdc": partly,
                                      ".cursor/rules/listed.mdc": listed})
    report = run(root)
    found = of(report, "CS007")
    assert [(d.path, d.severity) for d in found] == [
        (".cursor/rules/go.mdc", "warning"), (".cursor/rules/listed.mdc", "warning"),
        (".cursor/rules/mixed.mdc", "information")]
    assert text_at(dead, found[0]) == "**/*.go, cmd/**"
    assert "never applies" in found[0].message
    assert found[1].message == (
        "globs is a YAML list, which Cursor's rule reader does not read (it sees no globs), so "
        "Cursor never applies this rule by its files: write them on the globs line, "
        "comma-separated: globs: src/**/*.ts,legacy/**")
    assert "legacy/**" in found[2].message and "src/**/*.ts" not in found[2].message

    # Adding a matching file makes the rule fire: nothing to report.
    commit(root, "add go", {"cmd/tool/main.go": "package main\n"})
    assert of(run(root), "CS007", ".cursor/rules/go.mdc") == []


def test_quoted_cursor_globs_match_nothing_in_cursor(tmp_path: Path) -> None:
    """Cursor takes the rest of the globs line as written, quotes and all (Cursor 3.17,
    project-codeguard#121): a quoted glob matches no file there. The fix removes the quotes."""
    text = '---\ndescription: TS\nglobs: "src/**/*.ts, *.py"\n---\nUse strict mode.\n'
    root = make_repo(tmp_path / "r", {**CODE, ".cursor/rules/ts.mdc": text})
    (d,) = of(run(root), "CS007")
    assert d.severity == "warning" and text_at(text, d) == '"src/**/*.ts, *.py"'
    assert "Cursor keeps the quotes as part of the pattern" in d.message
    assert d.fix is not None and d.fix.replacement == "src/**/*.ts,*.py"
    fixed = apply_fix(text, d)
    assert "globs: src/**/*.ts,*.py\n" in fixed
    assert of(recheck(root, ".cursor/rules/ts.mdc", fixed), "CS007") == []


def test_always_apply_as_a_string_gets_a_fix(tmp_path: Path) -> None:
    text = '---\ndescription: base\nalwaysApply: "true"\n---\nBe brief.\n'
    root = make_repo(tmp_path / "r", {**CODE, ".cursor/rules/base.mdc": text})
    (d,) = of(run(root), "CS007")
    assert text_at(text, d) == '"true"' and d.fix is not None and d.fix.replacement == "true"
    fixed = apply_fix(text, d)
    assert "alwaysApply: true\n" in fixed
    assert of(recheck(root, ".cursor/rules/base.mdc", fixed), "CS007") == []


def test_rule_that_can_never_apply_and_missing_frontmatter(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        **CODE, ".cursor/rules/silent.mdc": "---\nalwaysApply: false\n---\nRules.\n",
        ".cursor/rules/bare.mdc": "Just text.\n",
        ".cursor/rules/plain.md": "# Not read by Cursor\n",
        ".cursor/rules/broken.mdc": "---\ndescription x\nglobs: src/**\n---\nText.\n",
    })
    found = {d.path: d for d in of(run(root), "CS007")}
    assert "never applies it by itself" in found[".cursor/rules/silent.mdc"].message
    assert found[".cursor/rules/bare.mdc"].severity == "information"
    assert "rename it to plain.mdc" in found[".cursor/rules/plain.md"].message
    assert "malformed frontmatter" in found[".cursor/rules/broken.mdc"].message
    assert found[".cursor/rules/broken.mdc"].range.start.line == 1


def test_claude_rules_paths_and_copilot_apply_to(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        **CODE,
        ".claude/rules/api.md": "---\npaths:\n  - \"api/**/*.py\"\n---\nAPI rules.\n",
        ".claude/rules/web.md": "---\npaths: web/**/*.vue\n---\nWeb rules.\n",
        ".claude/rules/general.md": "General rules.\n",
        ".github/instructions/ts.instructions.md": "---\napplyTo: \"**/*.ts\"\n---\nTS.\n",
        ".github/instructions/rb.instructions.md":
            "---\napplyTo: \"**/*.rb,Gemfile\"\n---\nRuby.\n",
        ".github/instructions/none.instructions.md": "No frontmatter.\n",
    })
    found = {d.path: d for d in of(run(root), "CS007")}
    assert set(found) == {".claude/rules/web.md", ".github/instructions/rb.instructions.md",
                          ".github/instructions/none.instructions.md"}
    assert "Claude Code never applies" in found[".claude/rules/web.md"].message
    assert "Copilot never applies" in found[".github/instructions/rb.instructions.md"].message
    assert found[".github/instructions/none.instructions.md"].severity == "information"


def test_always_apply_as_a_string_still_has_its_globs_checked(tmp_path: Path) -> None:
    """A string alwaysApply is not true to Cursor, so the rule's globs decide: a glob matching no
    file is reported beside the string (only the string was)."""
    text = '---\ndescription: x\nglobs: "*.nomatch"\nalwaysApply: "true"\n---\nUse black.\n'
    root = make_repo(tmp_path / "r", {**CODE, ".cursor/rules/base.mdc": text})
    messages = [d.message for d in of(run(root), "CS007", ".cursor/rules/base.mdc")]
    assert any("not a boolean" in m for m in messages), messages
    assert any("*.nomatch" in m for m in messages), messages
