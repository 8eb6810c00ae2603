"""CS010: contradictions between files that apply together; CLAUDE.md not importing AGENTS.md."""

from __future__ import annotations

from pathlib import Path

from gitutil import make_repo
from instructions_util import apply_fix, of, recheck, run, text_at

SECTION = ("## Database\n\nAll queries go through the repository layer in the data package. "
           "Never open raw connections from request handlers; use the pooled session factory "
           "and close sessions in a finally block. Migrations are generated with the migration "
           "tool and reviewed by a second person before they are merged into main.\n")


def test_claude_beside_agents_gets_an_import_fix(tmp_path: Path) -> None:
    claude = "# Claude notes\n\nBe brief.\n"
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude, "AGENTS.md": "# Agents\n\nBe kind.\n"})
    (d,) = of(run(root), "CS010")
    assert d.severity == "information" and "does not import it" in d.message
    assert d.fix is not None and d.fix.replacement == "@AGENTS.md\n\n"
    fixed = apply_fix(claude, d)
    assert fixed.startswith("@AGENTS.md\n\n# Claude notes")
    assert of(recheck(root, "CLAUDE.md", fixed), "CS010") == []


def test_an_import_of_an_outside_symlink_is_no_missing_import(tmp_path: Path) -> None:
    """sinatra: CLAUDE.md imports @AGENTS.md (line 5), a symlink to a file outside the
    repository; CS006 flags that import, and CS010 said CLAUDE.md "does not import it"."""
    outside = tmp_path / "outside.md"
    outside.write_text("# Elsewhere\n")
    root = make_repo(tmp_path / "r", {"CLAUDE.md": "# Claude notes\n\nBe brief.\n\n@AGENTS.md\n"})
    (root / "AGENTS.md").symlink_to(outside)
    report = run(root)
    assert [d.range.start.line for d in of(report, "CS006", "CLAUDE.md")] == [4], report.diagnostics
    assert of(report, "CS010") == [], of(report, "CS010")


def test_nested_claude_imports_with_a_relative_path(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"svc/CLAUDE.md": "Svc.\n", "svc/AGENTS.md": "Agents.\n",
                                      "lib/CLAUDE.md": "@AGENTS.md\n", "lib/AGENTS.md": "A.\n"})
    found = of(run(root), "CS010")
    assert [(d.path, d.fix.replacement if d.fix else None) for d in found] == [
        ("svc/CLAUDE.md", "@AGENTS.md\n\n")]


def test_commands_and_settings_that_disagree(tmp_path: Path) -> None:
    agents = ("# Agents\n\n- Run the tests with `npm test`.\n- Lint with `npm run lint`.\n"
              "- Requires Node 20 and Python 3.12.\n- Indent with 2 spaces.\n")
    claude = ("@AGENTS.md\n")
    sub = ("# Service\n\n- Run the tests with `pytest -q`.\n- Lint with `npm run lint -- --fix`.\n"
           "- Requires Node 18 and Python 3.12.1.\n- Indent with 4 spaces.\n")
    root = make_repo(tmp_path / "r", {"AGENTS.md": agents, "CLAUDE.md": claude,
                                      "svc/AGENTS.md": sub})
    found = of(run(root), "CS010", "svc/AGENTS.md")
    texts = [text_at(sub, d) for d in found]
    assert texts == ["pytest -q", "Node 18", "indent with 4 spaces".capitalize()]
    assert "`npm test`" in found[0].message and "AGENTS.md" in found[0].message
    assert "version of node" in found[1].message and "says 20" in found[1].message
    assert all(d.severity == "information" for d in found)
    # Agreeing statements (lint with extra flags, Python 3.12 vs 3.12.1) are not reported.
    assert not [d for d in found if "lint" in d.message or "python" in d.message]


def test_near_duplicate_section_that_drifted(tmp_path: Path) -> None:
    drifted = SECTION.replace("a second person", "the team lead").replace("finally block",
                                                                          "context manager")
    root = make_repo(tmp_path / "r", {
        "AGENTS.md": "# Agents\n\n" + SECTION, "api/AGENTS.md": "# API\n\n" + drifted,
        "web/AGENTS.md": "# Web\n\n" + SECTION,  # identical copy: not a drift
    })
    report = run(root)
    (d,) = of(report, "CS010", "api/AGENTS.md")
    assert "nearly duplicates \"database\" in AGENTS.md" in d.message and d.range.start.line == 2
    assert of(report, "CS010", "web/AGENTS.md") == []


def test_files_that_never_apply_together_are_not_compared(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "a/AGENTS.md": "- Run the tests with `npm test`.\n",
        "b/AGENTS.md": "- Run the tests with `pytest`.\n",
    })
    assert of(run(root), "CS010") == []


def _command_conflicts(root: Path) -> list[tuple[str, str]]:
    return [(d.path, d.message) for d in of(run(root), "CS010") if d.message.startswith("for ")]


def test_files_no_one_agent_reads_together_are_not_compared(tmp_path: Path) -> None:
    """CLAUDE.md imports docs/contributing.md; AGENTS.md is Codex's (and Copilot's, Cursor's):
    no agent reads AGENTS.md with docs/contributing.md, so their test commands do not conflict.
    Once CLAUDE.md imports AGENTS.md too, Claude Code reads both and they do."""
    contributing = "# Contributing\n\n- Run the tests with `tox`.\n"
    agents = "# Agents\n\n- Run the tests with `pytest -q`.\n"
    root = make_repo(tmp_path / "r", {"CLAUDE.md": "@docs/contributing.md\n",
                                      "docs/contributing.md": contributing,
                                      "AGENTS.md": agents})
    assert _command_conflicts(root) == []
    both = make_repo(tmp_path / "both", {"CLAUDE.md": "@docs/contributing.md\n@AGENTS.md\n",
                                         "docs/contributing.md": contributing,
                                         "AGENTS.md": agents})
    found = _command_conflicts(both)
    assert [p for p, _ in found] == ["AGENTS.md"], found
    assert "this file says `pytest -q` but docs/contributing.md (which Claude Code also " \
           "reads) says `tox`" in found[0][1], found


def test_a_variant_run_is_not_the_test_command(tmp_path: Path) -> None:
    """`tox r -e stress`, `pytest -m slow`, `npm run test:e2e` run a variant of the tests: they
    do not contradict a file's plain `pytest -q` even when one agent reads both files; a plain
    `tox` does."""
    agents = "# Agents\n\n- Run the tests with `pytest -q`.\n"
    for n, variant in enumerate(("tox r -e stress", "tox -e integration", "pytest -m slow",
                                 "python -m pytest -k cache", "npm run test:e2e", "make bench")):
        root = make_repo(tmp_path / f"v{n}", {
            "CLAUDE.md": "@docs/contributing.md\n@AGENTS.md\n", "AGENTS.md": agents,
            "docs/contributing.md": f"# Contributing\n\n- Run the stress tests: `{variant}`.\n"})
        assert _command_conflicts(root) == [], variant
    # the original report: CLAUDE.md imports docs/contributing.md, AGENTS.md says `pytest -q`
    root = make_repo(tmp_path / "report", {
        "CLAUDE.md": "@docs/contributing.md\n", "AGENTS.md": agents,
        "docs/contributing.md": "# Contributing\n\n- Run the stress tests: `tox r -e stress`.\n"})
    assert _command_conflicts(root) == []
    # `npm run lint` lints: the purpose's own word is no variant of it
    root = make_repo(tmp_path / "lint", {
        "CLAUDE.md": "@docs/contributing.md\n@AGENTS.md\n",
        "AGENTS.md": "- Lint with `npm run lint`.\n",
        "docs/contributing.md": "- Lint with `ruff check`.\n"})
    assert [p for p, _ in _command_conflicts(root)] == ["AGENTS.md"]


def test_a_command_the_prose_rejects_is_not_the_file_s_command(tmp_path: Path) -> None:
    """``Use `pytest -q` rather than `python -m unittest` for tests``: the rejected command was
    read as one of this file's test commands, so a file recommending ``python -m unittest``
    "agreed" with it (no finding), and a later mention put the rejected one first."""
    agents = "# Agents\n\n- Run the tests with `python -m unittest`.\n"
    sub = "# Service\n\n- For tests, use `pytest -q` rather than `python -m unittest`.\n"
    root = make_repo(tmp_path / "r", {"AGENTS.md": agents, "CLAUDE.md": "@AGENTS.md\n",
                                      "svc/AGENTS.md": sub})
    (d,) = of(run(root), "CS010", "svc/AGENTS.md")
    assert text_at(sub, d) == "pytest -q"
    assert "`python -m unittest`" in d.message


def test_a_setting_the_prose_rejects_is_not_the_file_s_setting(tmp_path: Path) -> None:
    """``Use `pnpm` instead of using `npm` `` was read as two package managers, so a nested
    file saying ``Always use `npm` `` agreed with it."""
    agents = "# Agents\n\n- Use `pnpm` instead of using `npm`.\n"
    sub = "# Web\n\n- Always use `npm`.\n"
    root = make_repo(tmp_path / "r", {"AGENTS.md": agents, "CLAUDE.md": "@AGENTS.md\n",
                                      "web/AGENTS.md": sub})
    (d,) = of(run(root), "CS010", "web/AGENTS.md")
    assert "JavaScript package manager" in d.message and "says pnpm" in d.message


def test_commands_and_settings_across_a_soft_wrap(tmp_path: Path) -> None:
    """A Markdown paragraph wrapped over lines renders as one: "Before you push, run the
    tests\\nwith `pytest -q`" gives the test command, "For tests, run `tox -e\\npy312`" too (a
    code span split by the wrap), "We target Python\\n3.12" a version. Each was read one
    physical line at a time, so none of them was compared with AGENTS.md's (no CS010)."""
    agents = ("# Agents\n\nTo run the test suite, use\n`npm test` from the root.\n\n"
              "The project targets Python 3.11.\n")
    sub = ("# API\n\nBefore you push, run the tests\nwith `pytest -q` in this folder.\n\n"
           "We target Python\n3.12 here.\n")
    split = "# Web\n\nFor tests, run `pytest -x\n--ff` here. Format with `black .` too.\n"
    root = make_repo(tmp_path / "r", {"AGENTS.md": agents, "package.json": "{}\n",
                                      "api/AGENTS.md": sub, "web/AGENTS.md": split})
    report = run(root)
    found = of(report, "CS010", "api/AGENTS.md")
    assert [text_at(sub, d) for d in found] == ["pytest -q", "Python\n3.12"], found
    assert "`npm test`" in found[0].message
    assert "this file says 3.12 but AGENTS.md" in found[1].message and "says 3.11" in \
        found[1].message
    (d,) = of(report, "CS010", "web/AGENTS.md")
    assert text_at(split, d) == "pytest -x\n--ff" and "for test," in d.message
    # the same paragraphs on one line each were (and are) reported alike
    one_line = make_repo(tmp_path / "one", {
        "AGENTS.md": agents.replace("use\n", "use "), "package.json": "{}\n",
        "api/AGENTS.md": sub.replace("tests\n", "tests ").replace("Python\n", "Python ")})
    assert len(of(run(one_line), "CS010", "api/AGENTS.md")) == 2


def test_a_script_of_a_group_is_a_variant(tmp_path: Path) -> None:
    """axios-style Cursor rules: core.mdc "run them with `npm run test:mocha`" and general.mdc
    "Run the whole test suite with `npm test`": test:mocha is one of the test scripts (npm's
    name:part grouping), not another test command (CS010 on main). Two plain commands that
    differ still conflict."""
    general = "---\nalwaysApply: true\n---\n\n- Run the whole test suite with `npm test`.\n"
    for n, variant in enumerate(("npm run test:mocha", "pnpm test:unit", "yarn run test:karma")):
        core = f"---\nalwaysApply: true\n---\n\n- Unit tests: run them with `{variant}`.\n"
        root = make_repo(tmp_path / f"v{n}", {".cursor/rules/general.mdc": general,
                                              ".cursor/rules/core.mdc": core})
        assert _command_conflicts(root) == [], variant
    root = make_repo(tmp_path / "plain", {
        ".cursor/rules/general.mdc": general,
        ".cursor/rules/core.mdc": "---\nalwaysApply: true\n---\n\n- Tests: `pytest -q`.\n"})
    assert len(_command_conflicts(root)) == 2


def test_a_hedged_command_in_a_long_paragraph(tmp_path: Path) -> None:
    """The sentence a command is read in keeps "e.g." (a sentence's end for no one): "Any
    runner works, e.g. `pytest -q`" is an example, not the file's test command, here as on
    one line; the test command of a later sentence of the paragraph is still read."""
    agents = "# Agents\n\n- Run the tests with `npm test`.\n"
    sub = ("# Svc\n\nAny test runner works here, e.g. `pytest -q` or\n`nose2`. Lint with "
           "`ruff check`.\n\nFor the tests, run `tox`.\n")
    root = make_repo(tmp_path / "r", {"AGENTS.md": agents, "svc/AGENTS.md": sub})
    found = [text_at(sub, d) for d in of(run(root), "CS010", "svc/AGENTS.md")]
    assert found == ["tox"], found
