"""CS003: commands naming scripts, targets, recipes, modules, tests, binaries that are gone."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import commit, make_repo, run_cli
from instructions_util import apply_fix, of, recheck, run, text_at

PACKAGE = json.dumps({"name": "app", "scripts": {"build": "tsc", "test": "vitest",
                                                 "lint": "eslint ."}})
MAKEFILE = "VAR := 1\n.PHONY: test docs\n\ntest:\n\tpytest\n\ndocs: build\n\tmkdocs build\n"
JUSTFILE = ("default:\n    just --list\n\n# Serve it\nserve port='8000' url='http://x':\n"
            "    python -m http.server\n")
PYPROJECT = """[project]
name = "app"
dependencies = ["httpx>=0.27", "Django>=5"]

[project.scripts]
app-cli = "app.cli:main"

[dependency-groups]
dev = ["pytest>=8", "ruff"]
"""
CARGO = ('[package]\nname = "tool"\nversion = "0.1.0"\n\n'
         '[[bin]]\nname = "server"\npath = "src/server.rs"\n')


def _repo(tmp_path: Path, claude: str, extra: dict[str, str] | None = None) -> Path:
    files = {
        "package.json": PACKAGE, "Makefile": MAKEFILE, "justfile": JUSTFILE,
        "pyproject.toml": PYPROJECT, "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n", "src/server.rs": "fn main() {}\n",
        "app/__init__.py": "", "app/cli.py": "def main():\n    pass\n",
        "tests/test_api.py": "def test_get():\n    pass\n\nclass TestPost:\n"
                            "    def test_create(self):\n        pass\n",
        "cmd/server/main.go": "package main\nfunc main() {}\n", "go.mod": "module x\n",
        "web/package.json": json.dumps({"scripts": {"dev": "vite"}}),
        "CLAUDE.md": claude,
    }
    files.update(extra or {})
    return make_repo(tmp_path / "r", files)


def test_valid_commands_pass(tmp_path: Path) -> None:
    claude = """# Commands

- Build: `npm run build`, `npm test`, `pnpm lint`, `yarn build`, `npm run build -- --watch`
- `cd web && npm run dev`, `pnpm --filter web dev`, `npm run dev` (defined in web/)
- `make test docs`, `make -j4 test`, `just serve 9000`, `just`
- `uv run app-cli --help`, `uv run pytest -q`, `uv run ruff check`, `poetry run django-admin`
- `python -m app.cli`, `python -m pytest tests/test_api.py::TestPost::test_create`,
  `python -m http.server`, `pytest tests/test_api.py::test_get[1-2]`
- `cargo run --bin server`, `cargo run --bin=tool`, `go run ./cmd/server`, `go test ./...`

```bash
$ make test
cd web
npm run dev
cd ..
npm run lint 2>&1 | tee out.log
VAR=1 make docs > /dev/null
npm run "$SCRIPT"
```

```text
npm run not-a-command-in-a-text-block
```

```console
$ npm test
npm run echo-of-the-output
make no-such-target-in-output
```
"""
    report = run(_repo(tmp_path, claude))
    assert of(report, "CS003") == [], [d.message for d in of(report, "CS003")]


def test_npm_script_typo_gets_a_fix(tmp_path: Path) -> None:
    claude = "Build with `npm run biuld` before committing.\n"
    root = _repo(tmp_path, claude)
    (d,) = of(run(root), "CS003")
    assert text_at(claude, d) == "biuld" and d.severity == "error"
    assert "package.json" in d.message and d.fix is not None and d.fix.replacement == "build"
    assert of(recheck(root, "CLAUDE.md", apply_fix(claude, d)), "CS003") == []


def test_removed_script_in_every_package_manager(tmp_path: Path) -> None:
    claude = ("`npm run deploy`, `pnpm deploy:prod`, `yarn release`, `npm run-script dist`, "
              "`bun run serve`\n\n```sh\ncd web\nnpm run build\n```\n")
    found = of(run(_repo(tmp_path, claude)), "CS003")
    assert [text_at(claude, d) for d in found] == [
        "deploy", "deploy:prod", "release", "dist", "serve", "build"]
    assert "web/package.json" in found[-1].message  # `cd web` scoped the lookup


def test_make_target_and_just_recipe(tmp_path: Path) -> None:
    claude = "Run `make lint` and `make -C . tset`, then `just serv`.\n"
    found = of(run(_repo(tmp_path, claude)), "CS003")
    assert [text_at(claude, d) for d in found] == ["lint", "tset", "serv"]
    assert found[1].fix is not None and found[1].fix.replacement == "test"
    assert found[2].fix is not None and found[2].fix.replacement == "serve"


def test_makefile_with_include_is_never_guessed(tmp_path: Path) -> None:
    root = _repo(tmp_path, "Run `make anything`.\n",
                 {"Makefile": "include common.mk\n\ntest:\n\tpytest\n"})
    assert of(run(root), "CS003") == []


def test_console_script_and_python_module(tmp_path: Path) -> None:
    claude = "Use `uv run app-tool` or `poetry run app_cli`; debug with `python -m app.shell`.\n"
    found = of(run(_repo(tmp_path, claude)), "CS003")
    assert [text_at(claude, d) for d in found] == ["app-tool", "app_cli", "app.shell"]
    assert found[0].fix is not None and found[0].fix.replacement == "app-cli"


def test_renamed_module_gets_the_new_dotted_name(tmp_path: Path) -> None:
    claude = "Seed data with `python -m app.seed`.\n"
    root = _repo(tmp_path, claude, {"app/seed.py": "print('seed')\n"})
    sha = commit(root, "move seeding", {"app/seed.py": None,
                                        "app/data/seed.py": "print('seed')\n",
                                        "app/data/__init__.py": ""})
    (d,) = of(run(root), "CS003")
    assert d.fix is not None and d.fix.replacement == "app.data.seed"
    assert sha[:7] in d.message
    assert of(recheck(root, "CLAUDE.md", apply_fix(claude, d)), "CS003") == []


def test_pytest_node_ids(tmp_path: Path) -> None:
    claude = ("`pytest tests/test_api.py::test_gett`, `pytest tests/test_api.py::TestPost::test_"
              "update`, `tests/test_gone.py::test_x`, `pytest tests/nowhere/`\n")
    found = of(run(_repo(tmp_path, claude)), "CS003")
    assert [text_at(claude, d) for d in found] == [
        "test_gett", "test_update", "tests/test_gone.py", "tests/nowhere/"]
    assert found[0].fix is not None and found[0].fix.replacement == "test_get"


def test_cargo_and_go(tmp_path: Path) -> None:
    claude = "`cargo run --bin worker`, `cargo run --example demo`, `go run ./cmd/api`\n"
    root = _repo(tmp_path, claude, {"examples/hello.rs": "fn main() {}\n"})
    found = of(run(root), "CS003")
    assert [text_at(claude, d) for d in found] == ["worker", "demo", "./cmd/api"]
    assert "server" in found[0].message and "tool" in found[0].message


def test_renamed_go_package_gets_a_fix(tmp_path: Path) -> None:
    claude = "Start it with `go run ./cmd/server`.\n"
    root = _repo(tmp_path, claude)
    commit(root, "rename server to api", {"cmd/server/main.go": None,
                                          "cmd/api/main.go": "package main\nfunc main() {}\n"})
    (d,) = of(run(root), "CS003")
    assert d.fix is not None and d.fix.replacement == "./cmd/api"


def test_a_command_whose_build_file_is_missing_says_so(tmp_path: Path) -> None:
    """No package.json, Makefile, justfile or Cargo.toml: ``make lint`` and the like passed
    unseen (or, with an unrelated Makefile in a folder, got a target guessed from it). Each
    is reported once, saying the build file is missing, with no fix."""
    claude = ("Run `make lint`, `npm run build`, `npm install`, `npm test`, `yarn add left-pad`,\n"
              "`pnpm lint`, `just fmt`, `cargo build`, `cargo +nightly clippy`, `bun install`.\n")
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude, "main.c": "int main(){}\n"})
    found = of(run(root), "CS003")
    assert [text_at(claude, d) for d in found] == [
        "make lint", "npm run build", "npm install", "npm test", "yarn add", "pnpm lint",
        "just fmt", "cargo build", "cargo +nightly clippy", "bun install"]
    assert all(d.fix is None for d in found)
    assert "'make lint' needs a Makefile and the repository has none" in found[0].message
    assert "needs a package.json" in found[1].message and "justfile" in found[6].message
    assert "Cargo.toml" in found[7].message


def test_a_makefile_elsewhere_lends_no_target(tmp_path: Path) -> None:
    claude = "Run `make lint`; docs: `make html`.\n"
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude,
                                      "docs/Makefile": "html:\n\tsphinx-build\ninit:\n\ttrue\n"})
    (d,) = of(run(root), "CS003")
    assert text_at(claude, d) == "make lint" and d.fix is None
    assert "there is none in the root (docs/Makefile does not define lint)" in d.message


def test_commands_that_need_no_build_file_pass(tmp_path: Path) -> None:
    claude = ("`npm install -g tool`, `npm create vite`, `yarn dlx x`, `pnpm dlx x`,\n"
              "`cargo install ripgrep`, `cargo new app`, `bun test`, `uv run w`,\n"
              "`./configure && make check`, `make -C build install`, `npm --version`\n")
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude, "configure": "#!/bin/sh\n"})
    assert of(run(root), "CS003") == []


def test_a_target_one_edit_away_from_another_word_gets_no_fix(tmp_path: Path) -> None:
    """``make lint`` with a Makefile defining only ``init``: "did you mean 'init'?" with a quick
    fix that would run another thing. A typo (``tset``) still gets its fix."""
    claude = "Run `make lint`, then `make tset`.\n"
    root = make_repo(tmp_path / "r", {"CLAUDE.md": claude,
                                      "Makefile": "init:\n\ttrue\ntest:\n\ttrue\n"})
    lint, tset = of(run(root), "CS003")
    assert text_at(claude, lint) == "lint" and lint.fix is None
    assert "did you mean" not in lint.message
    assert tset.fix is not None and tset.fix.replacement == "test"


def test_a_missing_module_s_hint_names_the_real_package_before_a_loose_folder(
        tmp_path: Path) -> None:
    """``python -m pkg.cli`` with the package in ``src/pkg/`` and a loose folder of examples
    ``docs/pkg/`` (no ``__init__.py``) as deep: the hint said "(no docs/pkg/cli.py)", the
    folder sorted first by name. The real package wins the tie, run as the CLI."""
    from gitutil import run_cli

    root = make_repo(tmp_path / "r", {
        "src/pkg/__init__.py": "", "src/pkg/main.py": "x = 1\n", "docs/pkg/example.py": "y = 1\n",
        "AGENTS.md": "# Agents\n\nRun the tool with `python -m pkg.cli --help`.\n"})
    done = run_cli("check", cwd=root)
    assert "module pkg.cli does not exist (no src/pkg/cli.py)" in done.stdout, done.stdout
    # a package with __init__.py, not under src/, against a loose folder: the package
    root = make_repo(tmp_path / "r2", {
        "lib/pkg/__init__.py": "", "aaa/pkg/example.py": "y = 1\n",
        "AGENTS.md": "Run `python -m pkg.cli`.\n"})
    (d,) = of(run(root), "CS003")
    assert "(no lib/pkg/cli.py)" in d.message, d.message


def test_a_missing_module_s_hint_names_the_package_not_a_folder_of_its_name(
        tmp_path: Path) -> None:
    """typer: ``python -m typer.nonexistent`` said "(no typer/.agents/skills/typer/
    nonexistent.py)": a skill's folder named like the package, holding no Python, was taken for
    it (and sorted first)."""
    claude = "Run `python -m app.nonexistent`; `python -m docs` is no module of ours.\n"
    root = _repo(tmp_path, claude, {
        "app/.agents/skills/app/SKILL.md": "# app skill\n",
        "guide/docs/index.md": "# docs\n"})
    (d,) = of(run(root), "CS003")
    assert text_at(claude, d) == "app.nonexistent"
    assert "(no app/nonexistent.py)" in d.message, d.message


def test_a_message_naming_many_build_files_lists_three_and_counts_the_rest(
        tmp_path: Path) -> None:
    """Ten packages with their own ``[project.scripts]``: ``uv run nope`` named all ten
    pyproject.toml files in one message. Three are named and the rest counted, in the text,
    JSON and SARIF reports alike."""
    files = {f"pkg{i}/pyproject.toml": f'[project]\nname = "p{i}"\n\n[project.scripts]\n'
                                       f'p{i}-cli = "p{i}:main"\n' for i in range(10)}
    files["AGENTS.md"] = "Run `uv run nope` to start.\n"
    root = make_repo(tmp_path / "r", files)
    text = run_cli("check", cwd=root).stdout
    data = json.loads(run_cli("check", "--format", "json", cwd=root).stdout)
    sarif = json.loads(run_cli("check", "--format", "sarif", cwd=root).stdout)
    (message,) = [d["message"] for d in data["diagnostics"] if d["code"] == "CS003"]
    assert "pkg0/pyproject.toml, pkg1/pyproject.toml, pkg2/pyproject.toml and 7 more" in message
    assert "pkg3/pyproject.toml" not in message
    assert message in text
    assert [r["message"]["text"] for r in sarif["runs"][0]["results"]
            if r["ruleId"] == "CS003"] == [message]


def test_the_build_files_a_message_names_come_in_natural_order(tmp_path: Path) -> None:
    """pkg1 to pkg12 each with ``[project.scripts]``: the message named pkg1, pkg10 and pkg11
    (sorted as text) and counted pkg2 among "the rest". A reader counts: pkg1, pkg2, pkg3."""
    files = {f"pkg{i}/pyproject.toml": f'[project]\nname = "p{i}"\n\n[project.scripts]\n'
                                       f'p{i}-cli = "p{i}:main"\n' for i in range(1, 13)}
    files["AGENTS.md"] = "Run `uv run nope` to start.\n"
    root = make_repo(tmp_path / "r", files)
    data = json.loads(run_cli("check", "--format", "json", cwd=root).stdout)
    (message,) = [d["message"] for d in data["diagnostics"] if d["code"] == "CS003"]
    assert "pkg1/pyproject.toml, pkg2/pyproject.toml, pkg3/pyproject.toml and 9 more" in message
    assert "p1-cli, p2-cli, p3-cli" in message, message


def test_a_command_the_prose_gives_up_is_not_checked(tmp_path: Path) -> None:
    """"We no longer use `npm test`" with no package.json: CS003 said 'npm test' needs one,
    though the prose rejects it. "stopped using", "used to run", a "Deprecated:" label, "never
    run" and "avoid" reject it as well; a command the prose then recommends, or one that a
    tool "is used to run", is still checked."""
    agents = ("We no longer use `npm test`.\n"
              "We stopped using `npm run lint`.\n"
              "We used to run `make check`.\n"
              "Deprecated: `yarn build`.\n"
              "Never run `npm run e2e`.\n"
              "Avoid `make deploy`.\n"
              "We no longer use `make docs`; run `make html` instead.\n"
              "Stop the server with `make stop`.\n")
    root = make_repo(tmp_path / "r", {"AGENTS.md": agents, "app.py": "print(1)\n"})
    report = run(root)
    assert [text_at(agents, d) for d in of(report, "CS003")] == ["make html", "make stop"]


def test_a_script_run_by_its_path_or_its_interpreter_is_checked(tmp_path: Path) -> None:
    """"Run `./scripts/fmt.sh`" and "Run `bash scripts/fmt.sh`" passed though no such file
    existed, while `python tools/gen.py` was reported. A script run directly, or by bash, sh,
    zsh, node, ruby or `deno run`, is checked like python's; code (`bash -c`), a package
    (`deno run npm:x`), a build's output (`node dist/server.js`) and an ignored file are not."""
    agents = ("Run `./scripts/fmt.sh`.\n"
              "Run `bash scripts/fmt.sh`, then `sh scripts/lint.sh --fix`.\n"
              "Run `zsh scripts/setup.zsh`, `node tools/gen.js` and `ruby script/seed.rb`.\n"
              "Run `deno run --allow-net tools/serve.ts` or `deno run npm:cowsay`.\n"
              "Run `./scripts/rel.sh` after `./scripts/lint.sh`.\n"
              "Start with `node dist/server.js`; `bash -c 'echo hi'` and `node --version`.\n"
              "Run `./local/hook.sh` and `node -r dotenv/config tools/real.js`.\n"
              "```sh\ncd scripts && ./fmt2.sh\n```\n")
    root = make_repo(tmp_path / "r", {
        "AGENTS.md": agents, "scripts/lint.sh": "echo\n", "scripts/rel.sh": "echo\n",
        "tools/real.js": "1\n", ".gitignore": "local/\n"})
    sha = commit(root, "rename the release script",
                 {"scripts/rel.sh": None, "scripts/make_release.sh": "echo\n"})
    report = run(root)
    found = of(report, "CS003")
    assert [text_at(agents, d) for d in found] == [
        "./scripts/fmt.sh", "scripts/fmt.sh", "scripts/setup.zsh", "tools/gen.js",
        "script/seed.rb", "tools/serve.ts", "./scripts/rel.sh", "./fmt2.sh"]
    assert "script ./scripts/fmt.sh does not exist" in found[0].message
    assert f"renamed to scripts/make_release.sh in {sha[:7]}" in found[6].message
    assert found[6].fix is not None and found[6].fix.replacement == "./scripts/make_release.sh"
    assert not of(report, "CS001")


def test_a_command_the_prose_rejects_is_not_checked_the_recommended_one_is(
        tmp_path: Path) -> None:
    """"Use `X` rather than `Y`", "Instead of `Y`, run `X`", "Don't run `Y`": only X is a
    command the agent is told to run. Y was reported as stale, and after "Instead of `Y`,"
    the recommended X was taken as hedged too (by the symbol check's reading of the clause)."""
    claude = ("Use `npm run lnt` rather than `npm run check`.\n"
              "Instead of `python -m app.old_cli`, run `python -m app.runner`.\n"
              "Don't run `npm run deploy`; use `npm run biuld` to build.\n"
              "Never call `old_helper()`: instead of `old_helper()`, call `new_helper()`.\n")
    root = _repo(tmp_path, claude)
    report = run(root)
    assert [text_at(claude, d) for d in of(report, "CS003")] == ["lnt", "app.runner", "biuld"]
    assert [text_at(claude, d) for d in of(report, "CS002")] == ["new_helper"]
