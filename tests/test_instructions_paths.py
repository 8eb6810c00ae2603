"""CS001 (missing paths, with renames and deletions from real git history) and CS008 (anchors)."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import commit, make_repo
from instructions_util import apply_fix, of, recheck, run, text_at


def test_renamed_file_gets_a_fix_that_applies_cleanly(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "src/old_name.py": "def f():\n    return 1\n",
        "CLAUDE.md": "# Notes\n\nThe entry is `src/old_name.py`; see [it](src/old_name.py).\n",
    })
    sha = commit(root, "move the module", {"src/old_name.py": None,
                                           "src/new_name.py": "def f():\n    return 1\n"})
    report = run(root)
    found = of(report, "CS001")
    assert len(found) == 2
    text = (root / "CLAUDE.md").read_text()
    for d in found:
        assert text_at(text, d) == "src/old_name.py"
        assert "renamed to src/new_name.py" in d.message and sha[:7] in d.message
        assert d.fix is not None and d.fix.replacement == "src/new_name.py"
    fixed = apply_fix(text, found[1])
    fixed = apply_fix(fixed, found[0])
    assert fixed.count("src/new_name.py") == 2
    assert not of(recheck(root, "CLAUDE.md", fixed), "CS001")


def test_rename_in_a_nested_file_is_written_relative_to_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "pkg/docs/usage.md": "# Usage\n",
        "pkg/AGENTS.md": "Read [usage](docs/usage.md) and @docs/usage.md first.\n",
    })
    commit(root, "rename docs", {"pkg/docs/usage.md": None, "pkg/guide/usage.md": "# Usage\n"})
    found = of(run(root), "CS001", "pkg/AGENTS.md")
    assert [d.fix.replacement for d in found if d.fix] == ["guide/usage.md", "guide/usage.md"]


def test_rename_chain_leads_to_the_current_name(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n" * 20,
                                      "CLAUDE.md": "Config lives in `lib/a.py`.\n"})
    commit(root, "into lib", {"a.py": None, "lib/a.py": "x = 1\n" * 20})
    commit(root, "rename again", {"lib/a.py": None, "lib/b.py": "x = 1\n" * 20})
    text = (root / "CLAUDE.md").read_text()
    # The reference names lib/a.py, which existed only in between.
    (found,) = of(run(root), "CS001")
    assert found.fix is not None and found.fix.replacement == "lib/b.py"
    assert text_at(text, found) == "lib/a.py"


def test_deleted_file_names_the_commit(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"scripts/seed.sh": "echo seed\n",
                                      "CLAUDE.md": "Run `scripts/seed.sh` to seed the db.\n"})
    sha = commit(root, "drop the seed script", {"scripts/seed.sh": None,
                                                "scripts/other.sh": "echo\n"})
    (d,) = of(run(root), "CS001")
    assert "deleted in " + sha[:7] in d.message and "drop the seed script" in d.message
    assert d.fix is None and d.severity == "warning"


def test_missing_link_and_import_are_errors_with_exact_ranges(tmp_path: Path) -> None:
    text = "# Rules\n\nSee [the guide](docs/guide.md).\n\n- Style: @docs/style.md.\n"
    root = make_repo(tmp_path / "r", {"CLAUDE.md": text, "src/x.py": "x = 1\n"})
    found = of(run(root), "CS001")
    assert [(text_at(text, d), d.severity) for d in found] == [
        ("docs/guide.md", "error"), ("docs/style.md", "error")]
    assert "skips a missing import silently" in found[1].message
    assert (found[1].range.start.line, found[1].range.start.character) == (4, 10)


def test_no_false_positives(tmp_path: Path) -> None:
    text = """# Valid references

Links: [site](https://example.com/src/x.py), <https://example.com/a.md>, [mail](mailto:a@b.c),
[top](#valid-references), [code](src/app.py#L10), [dir](src/).
Paths: `src/app.py`, `app.py`, `src/app.py:12`, `lib/app.py` (suffix of src/lib/app.py),
`./src/`, globs `src/**/*.py` and `*.md`, other repos `other-repo/src/main.py`,
`../sibling/README.md`, MIME `text/html`, `origin/main`, version `3.11.2`, `~/.config/x.md`,
`$HOME/bin`, `--flag`, `@scope/pkg`, `e.g.`, email a@b.com, decorator @pytest.fixture,
mention @alice, team @acme/backend-team, `http://localhost:8000/api/x.json`.

```python
open("src/missing.py")  # `src/missing.py` and @docs/missing.md in a fence
```

    indented code: `src/missing.py` @docs/missing.md

<!-- html: [x](docs/missing.md) @docs/missing.md -->
"""
    root = make_repo(tmp_path / "r", {
        "CLAUDE.md": text, "src/app.py": "x = 1\n", "src/lib/app.py": "y = 2\n",
    })
    report = run(root)
    assert of(report, "CS001") == [] and of(report, "CS008") == [], report.diagnostics
    # The references were seen (and resolved), not skipped wholesale.
    from analyzers.instructions import CheckView, document_links

    targets = {link.target for link in document_links(CheckView(root), "CLAUDE.md")}
    assert {"src/app.py", "src/lib/app.py", "src", "CLAUDE.md"} <= targets


def test_inline_code_path_needs_evidence(tmp_path: Path) -> None:
    # src/ exists, so `src/gone.py` meant this repository; `vendor/x.py` did not.
    root = make_repo(tmp_path / "r", {"src/a.py": "a = 1\n",
                                      "CLAUDE.md": "Edit `src/gone.py`, not `vendor/x.py`.\n"})
    (d,) = of(run(root), "CS001")
    assert "src/gone.py does not exist" in d.message


def test_anchor_of_a_renamed_heading(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "docs/dev.md": "# Dev\n\n## Running tests\n\n## Release\n",
        "AGENTS.md": "See [tests](docs/dev.md#running-test) and [release](docs/dev.md#release)"
                     " and [here](#nowhere).\n\n# Top\n",
    })
    found = of(run(root), "CS008")
    assert len(found) == 2
    text = (root / "AGENTS.md").read_text()
    first = found[0]
    assert text_at(text, first) == "running-test" and first.fix is not None
    assert first.fix.replacement == "running-tests"
    after = of(recheck(root, "AGENTS.md", apply_fix(text, first)), "CS008")
    assert [d.message for d in after if "running" in d.message] == []
    assert len(after) == 1
    assert "#nowhere" in found[1].message and "this file" in found[1].message


def test_unsaved_buffer_is_checked_not_the_disk(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"README.md": "# R\n", "CLAUDE.md": "See [r](README.md).\n"})
    assert of(run(root), "CS001") == []
    diags = recheck(root, "CLAUDE.md", "See [r](READ_ME.md).\n")
    assert [d.code for d in diags] == ["CS001"]


def test_plain_folder_without_git(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "docs").mkdir(parents=True)
    (root / "CLAUDE.md").write_text("See [a](docs/a.md) and [b](docs/b.md).\n")
    (root / "docs/a.md").write_text("# A\n")
    report = run(root)
    assert [d.message.split()[0] for d in of(report, "CS001")] == ["docs/b.md"]
    assert any("not a git repository" in n for n in report.notes)


def test_missing_at_path_outside_claude_files_is_not_called_an_import(tmp_path: Path) -> None:
    files = {"CLAUDE.md": "Style: @missing.md\n", ".claude/rules/a.md": "See @gone.md\n",
             ".cursorrules": "Style: @missing.md\n", ".windsurfrules": "Style: @missing.md\n",
             ".github/copilot-instructions.md": "Style: @missing.md\n",
             "AGENTS.md": "Style: @missing.md and @~/elsewhere.md\n", "src/x.py": "x = 1\n"}
    root = make_repo(tmp_path / "r", files)
    report = run(root)
    claude = {d.path: d.message for d in of(report, "CS001")
              if d.path in ("CLAUDE.md", ".claude/rules/a.md")}
    assert len(claude) == 2
    assert all("Claude Code skips a missing import silently" in m for m in claude.values())
    readers = {"AGENTS.md": "Codex", ".cursorrules": "Cursor", ".windsurfrules": "Windsurf",
               ".github/copilot-instructions.md": "GitHub Copilot"}
    for path, reader in readers.items():
        (d,) = of(report, "CS001", path)
        assert text_at(files[path], d) == "missing.md"
        assert "Claude Code skips" not in d.message and "plain text" in d.message
        assert reader in d.message
    # AGENTS.md's @paths are not followed, so no Claude Code import findings for it either.
    assert not of(report, "CS006", "AGENTS.md")


def test_a_path_up_out_of_the_workspace_is_not_called_missing(tmp_path: Path) -> None:
    """``../src`` in a nested instruction file, when its folder has no ``src`` beside it: from
    the root, where the agent runs commands, it leaves the workspace (a sibling checkout, or
    prose written from elsewhere): never read, and not reported as stale. A path up whose
    folder exists here, or that git history knows, still is."""
    text = ("Run the tests from `../src` (see `../src/app.py`); the protocol is in "
            "`../shared-lib/proto.md`. Helpers: `../lib/gone.py`, `../tools/seed.sh`.\n")
    root = make_repo(tmp_path / "r", {"src/app.py": "x = 1\n", "pkg/lib/a.py": "a = 1\n",
                                      "pkg/tools/seed.sh": "echo\n", "pkg/web/AGENTS.md": text,
                                      "AGENTS.md": "Code lives in `../src` beside this repo.\n"})
    # The folder went with it: only the history says ../tools/seed.sh was of this repository.
    commit(root, "drop the seed script", {"pkg/tools/seed.sh": None})
    found = of(run(root), "CS001")
    assert [(d.message.split(" ")[0], text_at(text, d)) for d in found] == [
        ("../lib/gone.py", "../lib/gone.py"), ("../tools/seed.sh", "../tools/seed.sh")], found
    assert "deleted in" in found[1].message


def test_a_bare_file_name_no_file_ever_had_is_reported(tmp_path: Path) -> None:
    """``see `settings_dev.py``` (no folder): no file of the tree has that name and no commit
    ever added one, so the agent is sent looking for nothing; it was never reported (inline code
    needed a folder that exists). Names the repository has anywhere, had once, ignores (a file
    made locally), or that the prose makes (to create, an example, a library) stay quiet."""
    claude = ("# Settings\n\n"
              "See `settings_dev.py` for development settings and `setings.py` for the rest.\n"
              "The app reads `settings.py`; `old_conf.py` held the old ones.\n"
              "Copy `settings.py` to `settings_local.py`. Create `my_module.py` for new code.\n"
              "Tests write `report.xml`. In the `node.js` build, `java.sql` is optional.\n"
              "Never import `legacy_conf.py`. If the file is `test_foo.py`, name tests alike.\n"
              "Contents of `hello.py`:\n\n```python\nprint('hi')\n```\n")
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude, "app/settings.py": "x = 1\n",
                                      "app/old_conf.py": "y = 1\n",
                                      ".gitignore": "settings_local.py\n",
                                      "README.md": "Put it in `ghost.py`.\n"})
    commit(root, "drop the old settings", {"app/old_conf.py": None})
    found = of(run(root), "CS001")
    assert [(d.path, text_at(claude, d)) for d in found] == [
        ("CLAUDE.md", "settings_dev.py"), ("CLAUDE.md", "setings.py")]
    assert all(d.severity == "warning" for d in found)
    assert "no commit ever added a file of that name" in found[0].message
    assert found[1].fix is not None and found[1].fix.replacement == "settings.py"
    assert of(recheck(root, "CLAUDE.md", apply_fix(claude, found[1])), "CS001") == [found[0]]
    # What git's whole history said of each name is kept with HEAD (a full-history log a
    # check, 0.8 s on saleor, ran on every check and every MCP check call): read from there.
    cache = root / ".ctxsteward" / "instructions-git.json"
    data = json.loads(cache.read_text("utf-8"))
    assert data["named"]["settings_dev.py"] is False and data["named"]["old_conf.py"] is True
    data["named"]["settings_dev.py"] = True  # as if a commit had added one
    cache.write_text(json.dumps(data), "utf-8")
    assert [text_at(claude, d) for d in of(run(root), "CS001")] == ["setings.py"]


def test_a_file_the_sentence_makes_need_not_exist(tmp_path: Path) -> None:
    """"Copy `app/settings.py` to `app/settings_dev.py`" reported the destination as missing
    (the same sentence with bare names was quiet), and "Name the file `conftest_local.py` if
    you need one" reported the name: what a copy, move, rename, create, "save as", "write to"
    or "name the file" makes is a file to be made. A path merely mentioned is still checked."""
    claude = ("# Setup\n\n"
              "Copy `app/settings.py` to `app/settings_dev.py`.\n"
              "Rename `app/settings.py` to `app/settings_old.py` when migrating.\n"
              "Save the output as `app/report.json`; write the log to `app/run.log`.\n"
              "Create `app/local_hooks.py` for your hooks.\n"
              "Name the file `conftest_local.py` if you need one.\n"
              "Call it `fixtures_extra.py`. A file named `pytest_local.ini` works too.\n"
              "Put machine settings in `overrides_mine.py` if you need them.\n"
              "Move fast and refer to `app/gone.py`.\n")
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude, "app/settings.py": "x = 1\n"})
    found = of(run(root), "CS001")
    assert [text_at(claude, d) for d in found] == ["app/gone.py"]


def test_an_example_s_name_and_a_folder_a_command_makes_are_no_missing_paths(
        tmp_path: Path) -> None:
    """"run `npx create-foo ./my-app`, then `cd ./my-app` and `npm run dev`": ./my-app is
    made by the command (CS003 called it a missing script, then `npm run dev` in it a script
    package.json lacks); `./my-app/src/index.ts` is in it; `./my-project/README.md` and
    `./foo/bar.txt` are examples' names; `./out/reports/junit.xml` is under a folder the
    fenced `mkdir -p` makes. All were reported. A real stale path (`./docs/guide.md`,
    `./scripts/setup.sh`) still is, and so is `src/my_helpers.py`, an example's name in form
    that git history knows was deleted."""
    agents = (
        "# Agents\n\n"
        "To try the generator, run `npx create-foo ./my-app`, then `cd ./my-app` and\n"
        "`npm run dev`. Edit `./my-app/src/index.ts` to see it reload.\n\n"
        "Each package has a README (see `./my-project/README.md`); put scratch output in\n"
        "`./foo/bar.txt`.\n\n"
        "```bash\nmkdir -p out/reports\nnpm test -- --reporter junit\n```\n\n"
        "The report is `./out/reports/junit.xml`.\n\n"
        "Read `./docs/guide.md` first, then run `./scripts/setup.sh`. Helpers are in\n"
        "`src/my_helpers.py`.\n")
    root = make_repo(tmp_path / "r", {
        "src/app.js": "x\n", "src/my_helpers.py": "x = 1\n", "AGENTS.md": agents,
        "package.json": json.dumps({"scripts": {"test": "jest"}}) + "\n"})
    commit(root, "drop the helpers", {"src/my_helpers.py": None})
    report = run(root)
    found = [(d.code, text_at(agents, d)) for d in report.diagnostics
             if d.code in ("CS001", "CS003")]
    assert found == [("CS001", "./docs/guide.md"), ("CS003", "./scripts/setup.sh"),
                     ("CS001", "src/my_helpers.py")], report.diagnostics
    # a `cd` into a folder of the repository carries to the sentence's next command, which
    # is still checked there
    web = "# Agents\n\nRun `cd web` and `npm run dev`.\n"
    root2 = make_repo(tmp_path / "r2", {
        "AGENTS.md": web, "web/package.json": json.dumps({"scripts": {"test": "jest"}}) + "\n"})
    (d,) = of(run(root2), "CS003")
    assert text_at(web, d) == "dev" and "web/package.json" in d.message, d


def test_a_path_the_ignore_rules_make_local_is_no_missing_path(tmp_path: Path) -> None:
    """click's CLAUDE.md style: "open `docs/_build/dirhtml/index.html`" after the docs build,
    with `docs/_build/` in .gitignore: a build's output, never in the tree, was CS001. A path
    under a tracked folder that an ignore rule also matches (`lib/` tracked, `lib/` ignored) is
    still checked, as is a missing file of docs/."""
    agents = ("# Agents\n\nBuild the docs and open `docs/_build/dirhtml/index.html` (the output\n"
              "is in `docs/_build/`). Helpers: `lib/b.py`. Guide: `docs/guide.md`.\n")
    root = make_repo(tmp_path / "r", {"docs/index.md": "# Docs\n", "lib/a.py": "x = 1\n"})
    commit(root, "instructions", {".gitignore": "docs/_build/\nlib/\n", "AGENTS.md": agents})
    found = [text_at(agents, d) for d in of(run(root), "CS001")]
    assert found == ["lib/b.py", "docs/guide.md"], found
