"""The CLI slips found while trying it as a new user (issue 15), each through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("slips") / "repo", {
        "src/flask/app.py": "def create_app():\n    return App()\n\n\nclass App:\n    pass\n",
        "src/flask/ctx.py": "class AppContext:\n    def push(self):\n        pass\n",
        "src/flask/json/provider.py": "def dumps(obj):\n    return str(obj)\n",
        "docs/index.md": "# Flask\n",
    })


def lines(out: str) -> list[str]:
    """The entries of a text budget, without the total line: path, indent kept."""
    return [line.split("%  ", 1)[1] for line in out.splitlines()[1:]]


# -- budget PATH... ------------------------------------------------------------------------------

def test_budget_lists_the_files_asked_for_whatever_the_depth(repo: Path) -> None:
    for depth in ([], ["--depth", "1"], ["--depth", "2"]):
        done = run_cli("budget", "src/flask/app.py", "src/flask/ctx.py", *depth, cwd=repo)
        assert done.returncode == 0, done.stderr
        assert lines(done.stdout) == ["src/flask/app.py", "src/flask/ctx.py"], done.stdout


def test_budget_depth_counts_below_each_folder_asked_for(repo: Path) -> None:
    done = run_cli("budget", "flask", "--depth", "2", cwd=repo / "src")  # from a subfolder
    assert done.returncode == 0, done.stderr
    entries = lines(done.stdout)
    assert entries[0] == "src/flask/"
    assert set(entries[1:]) == {"  src/flask/app.py", "  src/flask/ctx.py", "  src/flask/json/"}
    one = run_cli("budget", "flask", "--depth", "1", cwd=repo / "src")
    assert lines(one.stdout) == ["src/flask/"]


def test_budget_without_paths_still_counts_from_the_top(repo: Path) -> None:
    done = run_cli("budget", "--depth", "1", cwd=repo)
    assert lines(done.stdout) == ["src/", "docs/"]


def test_budget_json_is_unchanged_by_the_paths_view(repo: Path) -> None:
    report = json.loads(run_cli("budget", "src/flask/app.py", "--json", cwd=repo).stdout)
    assert [n["path"] for n in report["tree"]] == ["src/"]  # the tree from the root, as before


@pytest.mark.parametrize(("args", "message"), [
    (["--depth", "0"], "ctxsteward: --depth must be at least 1"),
    (["--top", "0"], "ctxsteward: --top must be at least 1"),
    (["../.."], "ctxsteward: refused: path '../..' is outside the workspace"),
    ([".git/config"], "ctxsteward: refused: path '.git/config' is inside .git/"),
])
def test_budget_refuses_bad_input_before_indexing(tmp_path: Path, args: list[str],
                                                  message: str) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    done = run_cli("budget", *args, cwd=root)
    assert done.returncode == 2 and done.stderr.startswith(message), done.stderr
    assert not (root / ".ctxsteward").exists()


def test_budget_on_an_empty_repository_finds_nothing_and_says_so(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "empty")  # no commit, no file
    done = run_cli("budget", cwd=root)
    assert done.returncode == 1, (done.stdout, done.stderr)  # README: 1 when nothing is found
    assert "warning: no indexed files in" in done.stderr
    as_json = run_cli("budget", "--json", cwd=root)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["tree"] == []
    missing = run_cli("budget", "nothing.py", cwd=root)
    assert missing.returncode == 1
    assert "warning: nothing.py is not an indexed file or folder" in missing.stderr


# -- --root everywhere ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["index", "budget", "bundle", "check", "handoff", "mcp"])
def test_every_workspace_command_takes_root(repo: Path, command: str) -> None:
    done = run_cli(command, "--help", cwd=repo)
    assert done.returncode == 0 and "--root DIR" in done.stdout, done.stdout


def test_index_takes_root_as_an_option_or_positionally(repo: Path, tmp_path: Path) -> None:
    by_option = run_cli("index", "--root", str(repo), "--json", cwd=tmp_path)
    by_position = run_cli("index", str(repo), "--json", cwd=tmp_path)
    for done in (by_option, by_position):
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["root"] == str(repo.resolve())
    both = run_cli("index", str(repo), "--root", str(tmp_path), cwd=tmp_path)
    assert both.returncode == 2 and "give the folder once: ROOT" in both.stderr
    assert "or --root" in both.stderr
    missing = run_cli("index", "--root", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


# -- --help --------------------------------------------------------------------------------------

def help_of(*command: str) -> str:
    done = run_cli(*command, "--help", cwd=Path.cwd())
    assert done.returncode == 0, done.stderr
    return " ".join(done.stdout.split())  # argparse wraps lines: compare the words


def test_help_describes_index_and_budget_and_shows_defaults() -> None:
    assert "Bring the index in .ctxsteward/ up to date" in help_of("index")
    budget = help_of("budget")
    assert "PATH files or folders to count, relative to the current folder" in budget
    assert "each is listed, whatever --depth says" in budget
    assert "(default 2)" in budget and "(default 15)" in budget
    assert "Exit status 1 when nothing is found" in budget


@pytest.mark.parametrize("command", ["index", "budget", "bundle", "check", "handoff", "mcp"])
def test_profile_lists_its_choices(command: str) -> None:
    assert "model profile, one of: claude, generic, gpt-4" in help_of(command)


def test_bundle_help_tells_exclude_from_exclude_glob() -> None:
    text = help_of("bundle")
    assert ("--exclude-glob GLOB leave files matching this gitignore-style glob out of this "
            "bundle") in text
    assert "the index keeps them" in text
    assert "--exclude GLOB the same as --exclude-glob here" in text
    assert "it keeps files out of this bundle only, and the shared index keeps them" in text
    assert "--exclude GLOB leave files matching this gitignore-style glob out of the index" \
        in help_of("index")


def test_schema_without_a_name_lists_the_names(tmp_path: Path) -> None:
    done = run_cli("schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = done.stdout.split()
    assert {"bundle", "budget", "check", "handoff", "index", "verify"} <= set(names)
    assert names == sorted(names)


# -- errors worded for the command line, in one place ------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["bundle", "--task", "x", "--budget", "-1"],
     "ctxsteward: --budget must be 0 (rank only) or a positive number of tokens\n"),
    (["bundle", "--seed", "::x"],
     "ctxsteward: seed '::x': the path is missing (give PATH::SYMBOL)\n"),
    (["bundle", "--verify", "a/b"], "ctxsteward: --verify NAME 'a/b': a bundle name uses letters"),
    (["handoff", "--base=-x"], "ctxsteward: refused: --base '-x' is not a git ref (no blanks or "
     "control characters, no '-' first, at most 200 characters); use a branch, tag or commit "
     "that exists (`git branch -a` lists the branches, `git tag` the tags, `git log` the "
     "commits)\n"),
    (["handoff", "--budget", "50"], "ctxsteward: --budget must be at least 100 tokens\n"),
    (["check", "--drift-threshold", "0"],
     "ctxsteward: --drift-threshold must be a positive number of changed lines\n"),
])
def test_request_errors_name_the_options(tmp_path: Path, args: list[str], message: str) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    done = run_cli(*args, cwd=root)
    assert done.returncode == 2 and done.stderr.startswith(message), done.stderr
    assert not (root / ".ctxsteward").exists(), "indexed before refusing the request"


def test_a_seed_is_taken_from_the_current_folder(repo: Path) -> None:
    done = run_cli("bundle", "--seed", "app.py::App", "--format", "json",
                   cwd=repo / "src" / "flask")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["seeds"] == ["src/flask/app.py::App"]
