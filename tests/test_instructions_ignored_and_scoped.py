"""``ctxsteward check``: a file a build left on disk (ignored) is not missing (CS001); a nested or
glob-scoped instruction file is judged within its scope (CS010).

Real git repositories built here, checked by the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli


def _findings(root: Path) -> list[dict[str, object]]:
    proc = run_cli("check", "--format", "json", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["diagnostics"]


def _codes(root: Path, code: str) -> list[tuple[str, str]]:
    return [(str(d["path"]), str(d["message"])) for d in _findings(root) if d["code"] == code]


NOTES_MD = """\
# Notes

- The build writes `dist/`, with the bundle `app.css` in `dist/assets/`.
- Coverage: open `index.html` from the coverage report.
- The schema is described in `schema_v2.sql`.
"""


def test_a_bare_name_of_an_ignored_file_on_disk_is_not_missing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        ".gitignore": "dist/\ncoverage\n", "CLAUDE.md": NOTES_MD, "src/main.js": "x\n"})
    for rel in ("dist/assets/app.css", "coverage/lcov-report/index.html"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("built\n")
    found = _codes(root, "CS001")
    # dist/assets/app.css and coverage/lcov-report/index.html exist, ignored: not missing;
    # schema_v2.sql exists nowhere (and no ignore rule matches it): still reported.
    assert [m.split(" ", 1)[0] for _, m in found] == ["schema_v2.sql"], found


STALE_MD = """\
# Layout

- The command line is in `cli.py`, helpers in `utils.py`, settings in `configuration.py`.
"""


def test_an_environment_or_dependency_folder_hides_no_stale_name(tmp_path: Path) -> None:
    # A virtualenv (any name: its pyvenv.cfg says so), node_modules and a cache are ignored and
    # on disk, full of third parties' files named like the ones the notes mean: a name found
    # only there is still missing from the repository.
    root = make_repo(tmp_path / "r", {
        ".gitignore": ".venv/\npy311/\nnode_modules/\n.tox/\n", "CLAUDE.md": STALE_MD,
        "src/cli.py": "x\n"})
    for rel in (".venv/lib/python3.11/site-packages/pkg/utils.py", "py311/pyvenv.cfg",
                "py311/lib/configuration.py", "node_modules/pkg/utils.py",
                ".tox/py/lib/configuration.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")
    found = sorted(m.split(" ", 1)[0] for _, m in _codes(root, "CS001"))
    assert found == ["configuration.py", "utils.py"], found


ROOT_AGENTS = """\
# Agents

- Run the tests with `pytest -q`.
- Use 4-space indentation.
"""
WEB_AGENTS = """\
# Web

- Run the tests with `npm test`.
- Use 2-space indentation.
"""
GENERAL_MDC = """\
---
alwaysApply: true
---

- Use 4-space indentation.
"""
WEB_MDC = """\
---
description: the web package
globs: packages/web/**/*.ts
alwaysApply: false
---

- Use 2-space indentation.
"""
WEB_TS_MDC = """\
---
description: the web package's TypeScript
globs: packages/web/**/*.ts
alwaysApply: false
---

- Use 3-space indentation.
"""


def _scoped_repo(tmp_path: Path, manifest: bool) -> Path:
    files = {
        "AGENTS.md": ROOT_AGENTS, "packages/web/AGENTS.md": WEB_AGENTS,
        "packages/web/src/app.ts": "x\n",
        "src/app.py": "x\n", ".cursor/rules/general.mdc": GENERAL_MDC,
        ".cursor/rules/web.mdc": WEB_MDC, ".cursor/rules/web-ts.mdc": WEB_TS_MDC}
    if manifest:
        files["packages/web/package.json"] = "{}\n"
    return make_repo(tmp_path / "r", files)


def test_scoped_files_are_judged_within_their_scope(tmp_path: Path) -> None:
    found = _codes(_scoped_repo(tmp_path, manifest=False), "CS010")
    # The repository-wide files are not judged against the narrower ones (they override them
    # for their own files): no finding on AGENTS.md or general.mdc.
    assert not [p for p, _ in found if p in ("AGENTS.md", ".cursor/rules/general.mdc")], found
    # The glob-scoped rule is judged where its files are (packages/web/src), against what
    # applies there too: the repository's files, the package's AGENTS.md, the rule of the
    # same globs that says 3.
    web = sorted(m.split(" but ", 1)[1].split(" (", 1)[0]
                 for p, m in found if p == ".cursor/rules/web.mdc")
    assert web == [".cursor/rules/general.mdc", ".cursor/rules/web-ts.mdc", "AGENTS.md"], found
    # The nested AGENTS.md (a plain folder of the same project), against the root's, not
    # against the rules narrower than it.
    nested = {m.split(" but ", 1)[1].split(" (", 1)[0]
              for p, m in found if p == "packages/web/AGENTS.md"}
    assert nested == {"AGENTS.md", ".cursor/rules/general.mdc"}, found


def test_a_project_of_its_own_overrides_the_root(tmp_path: Path) -> None:
    # packages/web holds its own package.json: its AGENTS.md's `npm test` and 2-space
    # indentation are that project's (the nearer file wins), not contradictions of the root's
    # `pytest -q` and 4 spaces; two rules of the same globs that disagree still are.
    found = _codes(_scoped_repo(tmp_path, manifest=True), "CS010")
    assert not [p for p, _ in found if p == "packages/web/AGENTS.md"], found
    web = sorted(m.split(" but ", 1)[1].split(" (", 1)[0]
                 for p, m in found if p == ".cursor/rules/web.mdc")
    assert web == [".cursor/rules/web-ts.mdc"], found


BOTH_MDC = """\
---
description: the app and the web client
globs: app/**/*.ts, web/**/*.js
alwaysApply: false
---

- Use 4-space indentation.
"""
APP_MDC = """\
---
description: the app
globs:
  - app/**/*.ts
---

- Use 3-space indentation.
"""
COPILOT_BOTH = """\
---
applyTo: "web/**/*.js,app/**/*.ts"
---

- Use 4-space indentation.
"""


def test_a_rule_of_several_globs_is_judged_where_each_glob_s_files_are(tmp_path: Path) -> None:
    # both.mdc applies to app/ (its first glob's files) and to web/ (its second's): in web/,
    # Cursor reads web/AGENTS.md with it (2 spaces against its 4), and in app/ the rule of the
    # glob app/**/*.ts, written as a list (3 spaces). Judged only where its first file lies
    # (app/), the contradiction in web/ went unreported, and app.mdc, whose one glob is one of
    # both.mdc's, was compared with nothing. The Copilot rule of the same two globs (applyTo,
    # one quoted string) agrees with both.mdc, but GitHub Copilot's coding agent reads
    # web/AGENTS.md too (the nearest AGENTS.md to the files it works on), which says 2 spaces:
    # reported in web/, as for both.mdc (it was never compared with an AGENTS.md).
    root = make_repo(tmp_path / "r", {
        "app/main.ts": "x\n", "web/client.js": "x\n", "web/AGENTS.md": WEB_AGENTS,
        ".cursor/rules/both.mdc": BOTH_MDC, ".cursor/rules/app.mdc": APP_MDC,
        ".github/instructions/both.instructions.md": COPILOT_BOTH})
    found = _codes(root, "CS010")
    said = sorted((p, m.split(" but ", 1)[1].split(" (", 1)[0]) for p, m in found)
    assert said == [(".cursor/rules/app.mdc", ".cursor/rules/both.mdc"),
                    (".cursor/rules/both.mdc", ".cursor/rules/app.mdc"),
                    (".cursor/rules/both.mdc", "web/AGENTS.md"),
                    (".github/instructions/both.instructions.md", "web/AGENTS.md")], found
    # web/AGENTS.md applies to all of web/, not only to the rule's files: it is judged against
    # the broader files alone, as before (none here), never against the narrower rule.
    assert not [p for p, _ in found if p == "web/AGENTS.md"], found


LIB_AGENTS = "# Lib\n\n## Testing\n\nRun the tests with `yarn jest`.\n"
COPILOT_LIB = """\
---
applyTo: "lib/**"
---

## Testing

Run the tests with `npm test`.
"""


def test_a_copilot_rule_is_judged_against_the_agents_md_copilot_reads_there(
        tmp_path: Path) -> None:
    # GitHub Copilot's coding agent reads AGENTS.md files, the nearest one to the files it works
    # on first (docs.github.com, "Adding repository custom instructions"): its rule for lib/**
    # that says `npm test` where lib/AGENTS.md says `yarn jest` was never reported.
    root = make_repo(tmp_path / "r", {
        "lib/x.tsx": "x\n", "lib/AGENTS.md": LIB_AGENTS,
        ".github/instructions/lib.instructions.md": COPILOT_LIB})
    found = _codes(root, "CS010")
    assert found == [(".github/instructions/lib.instructions.md",
                      "for test, this file says `npm test` but lib/AGENTS.md (which GitHub "
                      "Copilot also reads) says `yarn jest`: make them agree.")], found


def _brace_rule(globs: str) -> str:
    return f"---\ndescription: the app and the web client\nglobs: {globs}\n---\n\n" \
        "- Use 4-space indentation.\n"


def test_a_brace_glob_is_judged_where_each_alternative_s_files_are(tmp_path: Path) -> None:
    # {app,web}/**/*.{ts,js} is app/**/*.ts ... and web/**/*.js: judged only in app/ (where
    # its first file lies), the rule was never compared with web/AGENTS.md (2 spaces against
    # its 4), quoted or not. Unquoted, it is not YAML (a plain value cannot start with '{'):
    # Cursor reads it as written, and so does the check, but it says the frontmatter is
    # malformed for a YAML reader (it said nothing).
    for globs, malformed in (("{app,web}/**/*.{ts,js}", True),
                             ('"{app,web}/**/*.{ts,js}"', False), ("*.ts, web/**", False)):
        root = make_repo(tmp_path / f"r{len(globs)}", {
            "app/main.ts": "x\n", "web/client.js": "x\n", "web/AGENTS.md": WEB_AGENTS,
            ".cursor/rules/both.mdc": _brace_rule(globs)})
        found = _findings(root)
        said = [(d["code"], str(d["message"])) for d in found if d["code"] in ("CS007", "CS010")]
        assert ("CS010", "indentation: this file says 4 but web/AGENTS.md (which Cursor also "
                "reads) says 2: make them agree.") in said, (globs, said)
        bad = [m for c, m in said if c == "CS007"]
        if malformed:  # quoting would stop Cursor matching it: the alternatives listed
            assert bad == ["malformed frontmatter: globs {app,web}/**/*.{ts,js} is not valid "
                           "YAML (a plain value cannot start with '{'), and quoting it would "
                           "stop Cursor matching it (its reader keeps the quotes): list the "
                           "alternatives instead, globs: app/**/*.ts,app/**/*.js,web/**/*.ts,"
                           "web/**/*.js."], said
        elif globs.startswith('"'):  # Cursor keeps the quotes: the pattern matches nothing
            assert len(bad) == 1 and "Cursor keeps the quotes" in bad[0], said
        else:  # Cursor's own unquoted *.ts
            assert bad == [], (globs, said)


def test_an_unquoted_copilot_applyto_is_reported_as_malformed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "app/main.py": "x = 1\n",
        ".github/instructions/py.instructions.md": "---\napplyTo: **/*.py\n---\n\n- Be kind.\n"})
    bad = [d for d in _findings(root) if d["code"] == "CS007"]
    assert [(d["message"], d["fix"]["replacement"]) for d in bad] == [
        ("malformed frontmatter: applyTo **/*.py is not valid YAML (a plain value cannot start "
         "with '*'): Copilot reads it as written, but a YAML reader rejects the whole "
         "frontmatter; quote it.", '"**/*.py"')], bad
