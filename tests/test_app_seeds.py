"""The one seed grammar, resolver and innermost-definition rule (analyzers.app.seeds), on real
inputs: real tree-sitter definitions and a real index of a real git repository."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

from analyzers.app.errors import RequestError
from analyzers.app.seeds import (
    SeedSpec,
    innermost_definition,
    parse_seed_spec,
    resolve_seed,
    split_seed,
)
from analyzers.indexing.index import Index, build
from analyzers.syntax import parse

NESTED = (
    "class Outer:\n"                  # 1
    "    def method(self):\n"         # 2
    "        x = 1\n"                 # 3
    "        def helper():\n"         # 4
    "            return x\n"          # 5
    "        return helper\n"         # 6
    "\n"                              # 7
    "    def other(self):\n"          # 8
    "        return 2\n"              # 9
    "\n"                              # 10
    "\n"                              # 11
    "def top():\n"                    # 12
    "    return Outer()\n"            # 13
)


@pytest.mark.parametrize(("spec", "parsed"), [
    ("a.py", SeedSpec("a.py")),
    ("a.py:12", SeedSpec("a.py", line=12)),
    ("a.py::X.y", SeedSpec("a.py", symbol="X.y")),
    ("C:\\x", SeedSpec("C:\\x")),  # a drive letter is a path, not a line
    ("a:b.py", SeedSpec("a:b.py")),  # a colon inside a file name is the path's
    ("src/a.py:007", SeedSpec("src/a.py", line=7)),
    ("dir:3/a.py:4", SeedSpec("dir:3/a.py", line=4)),  # only the last ':LINE' is a line
    ("a.py::X::y", SeedSpec("a.py", symbol="X::y")),  # the first '::' splits
    ("  a.py:2  ", SeedSpec("a.py", line=2)),  # surrounding blanks are not the path's
])
def test_the_grammar_splits_path_line_and_symbol(spec: str, parsed: SeedSpec) -> None:
    assert parse_seed_spec(spec) == parsed
    assert split_seed(spec) == parsed


@pytest.mark.parametrize("spec", ["a.py", "a.py:12", "a.py::X.y", "a:b.py"])
def test_a_spec_prints_back_as_typed(spec: str) -> None:
    assert str(parse_seed_spec(spec)) == spec
    parsed = parse_seed_spec(spec)
    assert str(parsed.with_path("src/" + parsed.path)) == "src/" + spec


@pytest.mark.parametrize(("spec", "message"), [
    ("::x", "seed '::x': the path is missing (give PATH::SYMBOL)"),
    (":12", "seed ':12': the path is missing (give PATH:LINE)"),
    ("a.py::", "seed 'a.py::': the symbol after '::' is missing (give PATH::SYMBOL)"),
    ("a.py::  ", "the symbol after '::' is missing"),
    ("", "the path is missing (give PATH)"),
])
def test_a_spec_missing_its_path_or_symbol_is_refused(spec: str, message: str) -> None:
    with pytest.raises(RequestError) as err:
        parse_seed_spec(spec)
    assert message in str(err.value) and err.value.field == "seed"
    assert split_seed(spec).path.strip() == "" or split_seed(spec).symbol is not None


def test_the_innermost_definition_is_the_deepest_holding_the_line() -> None:
    defs = parse(NESTED.encode(), "python").definitions
    by_line = {line: innermost_definition(defs, line) for line in range(1, 15)}
    named = {line: d.qualified if d else None for line, d in by_line.items()}
    assert named[1] == "Outer"
    assert named[3] == "Outer.method"
    assert named[4] == named[5] == "Outer.method.helper"  # the function nested in the method
    assert named[6] == "Outer.method"
    assert named[7] == "Outer"  # a blank line between methods belongs to the class
    assert named[9] == "Outer.other"
    assert named[11] is None  # outside every definition
    assert named[13] == "top"
    assert named[14] is None


def test_on_equal_spans_the_later_start_wins() -> None:
    src = "def a(): return 1\ndef b(): return 2\n"  # one line each: no tie on a line
    defs = parse(src.encode(), "python").definitions
    assert innermost_definition(defs, 2).qualified == "b"
    # Two definitions with the same span (a decorator's line range, say): the later one wins.
    twin = [d for d in defs if d.name == "a"] * 2
    assert innermost_definition(twin, 1) is twin[1]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    root = make_repo(tmp_path_factory.mktemp("seeds") / "repo", {
        "pkg/nested.py": NESTED,
        "pkg/twice.py": "class A:\n    def run(self):\n        pass\n\n\nclass B:\n"
                        "    def run(self):\n        pass\n",
        "docs/readme.md": "# hello\n",
    })
    build(root)
    idx = Index(root)
    yield idx
    idx.close()


@pytest.mark.parametrize(("spec", "path", "symbols"), [
    ("pkg/nested.py", "pkg/nested.py", []),
    ("pkg/nested.py:5", "pkg/nested.py", ["Outer.method.helper"]),
    ("pkg/nested.py:11", "pkg/nested.py", []),
    ("pkg/nested.py::helper", "pkg/nested.py", ["Outer.method.helper"]),
    ("pkg/nested.py::Outer.other", "pkg/nested.py", ["Outer.other"]),
    ("pkg/twice.py::A.run", "pkg/twice.py", ["A.run"]),
])
def test_resolve_finds_the_file_and_the_symbols_in_focus(index: Index, spec: str, path: str,
                                                         symbols: list[str]) -> None:
    seed = resolve_seed(index, spec)
    assert (seed.path, seed.symbols, seed.spec) == (path, symbols, spec)


@pytest.mark.parametrize(("spec", "message"), [
    ("pkg/nested.py:99", "seed 'pkg/nested.py:99': pkg/nested.py has 13 lines; give a line "
                         "from 1 to 13, or pkg/nested.py alone"),
    ("pkg/nested.py::nothing", "pkg/nested.py defines no 'nothing'"),
    ("pkg/nested.py::Other", "defines no 'Other'; did you mean pkg/nested.py::Outer.other?"),
    ("pkg/twice.py::run", "is ambiguous: pkg/twice.py defines A.run, B.run"),
    ("pkg", "seed 'pkg' is a folder; give a file inside it"),
    ("pkg/none.py", "no such file in the index"),
    ("../outside.py", "outside the workspace"),
])
def test_resolve_says_why_a_seed_cannot_be_used(index: Index, spec: str, message: str) -> None:
    with pytest.raises(RequestError, match=message.replace("?", r"\?")) as err:
        resolve_seed(index, spec)
    assert err.value.field == "seed"


@pytest.mark.parametrize(("spec", "message"), [
    ("pkg/nested.py:abc", "seed 'pkg/nested.py:abc': 'abc' after the ':' is not a line number; "
     "give pkg/nested.py:LINE (a line from 1 to 13) or pkg/nested.py::SYMBOL (two colons) for a "
     "definition"),
    ("pkg/nested.py:Outer", "'Outer' after the ':' is not a line number"),
    ("pkg/nested.py:2:5", "seed 'pkg/nested.py:2:5': one line number, not a line and a column: "
     "give pkg/nested.py:2"),
    ("pkg/nested.py:", "seed 'pkg/nested.py:': nothing after the ':'; give pkg/nested.py:LINE "
     "(1 to 13) or pkg/nested.py::SYMBOL"),
])
def test_a_seed_whose_suffix_does_not_parse_names_the_file_and_the_forms(
        index: Index, spec: str, message: str) -> None:
    """A file that is indexed, then a suffix that is neither ``:LINE`` nor ``::SYMBOL``: it said
    "no such file in the index" of a file that is there."""
    with pytest.raises(RequestError) as err:
        resolve_seed(index, spec)
    assert message in err.value.message and "no such file" not in err.value.message
    assert err.value.field == "seed"


def test_cli_seed_and_pin_slips_say_what_to_do(tmp_path: Path) -> None:
    """Through the CLI: a pinned folder said "no such file in the index"; an undecodable seed
    said "undecodable (undecodable: not UTF-8 ...)"; a seed that is a symlink leading out of
    the workspace said "is outside the workspace" of a path inside it."""
    outside = tmp_path / "elsewhere.py"
    outside.write_text("def far():\n    return 1\n")
    root = make_repo(tmp_path / "repo", {"src/app.py": "def main():\n    return 1\n",
                                         "src/latin.py": b"name = 'caf\xe9'\n"})
    (root / "near.py").symlink_to(outside)
    said = {}
    for args in (["--pin", "src"], ["--seed", "src/latin.py"], ["--seed", "near.py"],
                 ["--seed", "src/app.py:main"]):
        proc = run_cli("bundle", "--task", "main", *args, "--budget", "2000", cwd=root)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        said[args[1]] = proc.stderr.strip()
    assert said["src"] == "ctxsteward: pin 'src' is a folder; give a file inside it"
    assert said["src/latin.py"] == ("ctxsteward: seed 'src/latin.py' is not indexed: undecodable: "
                                    "not UTF-8 (byte 0xe9 at offset 11)")
    assert said["near.py"] == (f"ctxsteward: refused: seed 'near.py' is a symbolic link pointing "
                               f"outside the workspace {root.resolve()}: it is not read; give a "
                               "file inside the workspace")
    assert said["src/app.py:main"].startswith(
        "ctxsteward: seed 'src/app.py:main': 'main' after the ':' is not a line number; give "
        "src/app.py:LINE (a line from 1 to 2) or src/app.py::SYMBOL")


def test_an_absolute_seed_inside_the_workspace_is_made_relative(index: Index) -> None:
    seed = resolve_seed(index, f"{Path(index.root) / 'pkg' / 'nested.py'}:2")
    assert (seed.path, seed.symbols) == ("pkg/nested.py", ["Outer.method"])


def test_a_git_ignored_seed_or_pin_says_it_is_ignored_and_how_to_include_it(
        tmp_path: Path) -> None:
    """A new user's hour: ``--seed ignored.go``, a file on disk that .gitignore leaves out, said
    "no such file in the index"."""
    root = make_repo(tmp_path / "repo", {
        ".gitignore": "# build output\nignored.go\nbuild/\n", "a.go": "package a\n",
        "ignored.go": "package a\n\nfunc Hidden() {}\n", "build/gen.go": "package build\n"})
    build(root)
    with Index(root) as index, pytest.raises(RequestError) as err:
        resolve_seed(index, "ignored.go")
    assert "ignored by git (.gitignore line 2: ignored.go)" in err.value.message
    assert "git add -f ignored.go" in err.value.message
    assert "no such file" not in err.value.message
    proc = run_cli("bundle", "--seed", "build/gen.go", "--budget", "0", cwd=root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "ignored by git (.gitignore line 3: build/)" in proc.stderr, proc.stderr
    proc = run_cli("bundle", "--seed", "a.go", "--pin", "ignored.go", "--budget", "0", cwd=root)
    assert proc.returncode == 2 and "pin 'ignored.go' is ignored by git" in proc.stderr, \
        proc.stderr
    proc = run_cli("bundle", "--seed", "missing.go", "--budget", "0", cwd=root)
    assert proc.returncode == 2 and "no such file" in proc.stderr, proc.stderr


def test_a_seed_the_global_excludes_file_ignores_names_that_file(tmp_path: Path) -> None:
    """A seed ignored by a rule of the global excludes file (``~/.config/git/ignore``, or the
    file ``core.excludesFile`` names) said "a git exclude file outside it": which one, the
    person could not tell. It is named now (under the home folder as ``~/...``)."""
    root = make_repo(tmp_path / "repo", {"a.go": "package a\n"})
    (root / "notes.go").write_text("package a\n\nfunc Notes() {}\n")  # (untracked)
    home = tmp_path / "home"
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".config" / "git" / "ignore").write_text("# mine\nnotes.go\n")
    config = tmp_path / "gitconfig"
    config.write_text("")
    env = {"HOME": str(home), "XDG_CONFIG_HOME": "", "GIT_CONFIG_GLOBAL": str(config)}
    proc = run_cli("bundle", "--seed", "notes.go", "--budget", "0", cwd=root, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert ("ignored by git (the global excludes file ~/.config/git/ignore, line 2: notes.go)"
            in proc.stderr), proc.stderr
    (home / "my rules").write_text("*.go\n!a.go\n")
    config.write_text("[core]\n\texcludesFile = ~/my rules\n")
    proc = run_cli("bundle", "--seed", "notes.go", "--budget", "0", cwd=root, env=env)
    assert ("ignored by git (the global excludes file ~/my rules (git's core.excludesFile), "
            "line 1: *.go)" in proc.stderr), proc.stderr
    assert "git add -f notes.go" in proc.stderr
