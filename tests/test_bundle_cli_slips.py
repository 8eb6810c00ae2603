"""``ctxsteward bundle`` argument slips: each is refused with exit status 2 and one clear line (or,
for duplicates and exact names, simply works). Real ``ctxsteward`` on a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

from analyzers.app.seeds import resolve_seed as parse_seed
from analyzers.fsutil import write_atomic
from analyzers.indexing.index import Index

CORE = (
    "class Context:\n"
    "    def invoke(self, callback):\n        return callback()\n\n\n"
    "class Command:\n"
    "    def invoke(self, ctx):\n        return ctx.invoke(self.run)\n\n"
    "    def run(self):\n        return 1\n\n\n"
    "class Group(Command):\n"
    "    def invoke(self, ctx):\n        return Command.invoke(self, ctx)\n\n\n"
    "def main_entry():\n    return Group().invoke(Context())\n"
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("slips") / "repo", {
        "src/core.py": CORE,
        "src/cli.py": "from core import main_entry\n\n\ndef run_cli():\n    return main_entry()\n",
    })


def refused(repo: Path, *args: str) -> str:
    proc = run_cli("bundle", *args, cwd=repo)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("ctxsteward: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


def test_out_into_a_folder_is_refused(repo: Path) -> None:
    err = refused(repo, "--task", "invoke", "--out", "src")
    assert err == "ctxsteward: --out must be a file: src is a folder\n"
    assert not list((repo / "src").glob(".*.tmp"))


def test_out_below_a_file_names_the_users_path(repo: Path) -> None:
    err = refused(repo, "--task", "invoke", "--out", "src/core.py/bundle.md")
    assert err == "ctxsteward: cannot write src/core.py/bundle.md: Not a directory\n"


def test_write_atomic_errors_name_the_target_not_the_temporary_file(tmp_path: Path) -> None:
    # 250 characters is a legal name, but the temporary file beside it (".NAME.xxxxxxxx.tmp") is
    # not: its creation fails, and the error must be about the file the caller asked for.
    target = tmp_path / ("b" * 250)
    with pytest.raises(OSError) as caught:
        write_atomic(target, "text")
    assert caught.value.filename == str(target)
    assert ".tmp" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_out_with_a_long_name_is_one_clear_line_naming_it(repo: Path) -> None:
    err = refused(repo, "--task", "invoke", "--out", "c" * 250)
    assert err == f"ctxsteward: cannot write {'c' * 250}: File name too long\n"


@pytest.mark.parametrize("option", ["--save", "--verify"])
def test_empty_save_or_verify_name_is_refused(repo: Path, option: str) -> None:
    err = refused(repo, "--task", "invoke", option, "")
    assert f"{option} needs a bundle NAME" in err and "empty" in err
    assert not (repo / ".ctxsteward" / "bundles" / ".json").exists()


@pytest.mark.parametrize(("seed", "message"), [
    ("::invoke", "seed '::invoke': the path is missing (give PATH::SYMBOL)"),
    (":12", "seed ':12': the path is missing (give PATH:LINE)"),
    ("src/core.py::", "the symbol after '::' is missing"),
])
def test_seed_without_a_path_or_symbol_says_so(repo: Path, seed: str, message: str) -> None:
    err = refused(repo, "--seed", seed)
    assert message in err and "is a folder" not in err


def test_ambiguous_symbol_lists_the_qualified_candidates(repo: Path) -> None:
    err = refused(repo, "--seed", "src/core.py::invoke")
    assert "seed 'src/core.py::invoke' is ambiguous" in err
    assert "Context.invoke, Command.invoke, Group.invoke" in err
    assert "give the qualified name, e.g. src/core.py::Context.invoke" in err


@pytest.mark.parametrize(("seed", "symbol"), [
    ("src/core.py::Group.invoke", "Group.invoke"),  # exact qualified name
    ("src/core.py::main_entry", "main_entry"),  # a unique plain name
    ("src/core.py::run", "Command.run"),  # a unique method name
])
def test_exact_or_unique_symbols_keep_working(repo: Path, seed: str, symbol: str) -> None:
    proc = run_cli("bundle", "--seed", seed, "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["seeds"] == [seed]
    with Index(repo) as index:  # the index the command just refreshed
        assert parse_seed(index, seed).symbols == [symbol]


def test_duplicate_seeds_are_listed_once(repo: Path) -> None:
    proc = run_cli("bundle", "--seed", "src/cli.py", "--seed", "./src/cli.py",
                   "--seed", "src/core.py::Group.invoke", "--seed", "src/core.py::Group.invoke",
                   "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["seeds"] == ["src/cli.py", "src/core.py::Group.invoke"]


def test_a_seed_or_pin_an_exclude_glob_matches_is_refused(repo: Path) -> None:
    """A bundle about a file it leaves out contradicts itself: the seed (or pin) an exclude glob
    matches is refused with exit 2, naming the glob, not dropped while reasons still speak of
    "the seed"; a glob that spares the seed works."""
    for args, what in ((["--seed", "src/core.py", "--exclude-glob", "src/core.py"], "seed"),
                       (["--seed", "src/cli.py", "--pin", "src/core.py",
                         "--exclude-glob", "src/*.py"], "seed"),
                       (["--task", "run", "--pin", "src/core.py", "--exclude-glob", "core.py"],
                        "pin")):
        proc = run_cli("bundle", *args, cwd=repo)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert f"ctxsteward: {what} " in proc.stderr and "matches an exclude glob" in proc.stderr
        assert "drop the glob" in proc.stderr and "Traceback" not in proc.stderr
    fine = run_cli("bundle", "--seed", "src/cli.py", "--exclude-glob", "src/core.py",
                   "--format", "json", cwd=repo)
    assert fine.returncode == 0, fine.stderr
    assert "src/core.py" not in {i["path"] for i in json.loads(fine.stdout)["items"]}


def test_an_empty_seed_is_said_to_be_empty_not_too_large(tmp_path: Path) -> None:
    """An empty seed (a bare ``__init__.py``) has nothing to show: the bundle says so under
    excluded, not that it "does not fit the budget of 200,000 tokens"."""
    root = make_repo(tmp_path / "r", {"pkg/__init__.py": "",
                                      "pkg/a.py": "def a():\n    return 1\n"})
    proc = run_cli("bundle", "--seed", "pkg/__init__.py", "--budget", "200000", "--format", "json",
                   cwd=root)
    assert proc.returncode == 0, proc.stderr
    excluded = {e["path"]: e["reason"] for e in json.loads(proc.stdout)["excluded"]}
    assert excluded == {"pkg/__init__.py": "seed is empty: nothing to show"}


def test_a_task_of_common_words_only_gets_a_note(repo: Path) -> None:
    """"the a of" has no word to search by: the bundle is made, with a note saying so on stderr
    (a confident ranking with no word behind it misled); a task with a word gets none."""
    bare = run_cli("bundle", "--task", "the a of", "--budget", "0", cwd=repo)
    assert bare.returncode == 0, bare.stderr
    assert "note: the task has no word to search by" in bare.stderr
    worded = run_cli("bundle", "--task", "invoke the callback", "--budget", "0", cwd=repo)
    assert worded.returncode == 0 and "no word to search by" not in worded.stderr


@pytest.mark.parametrize("option", ["--seed", "--pin"])
def test_a_root_relative_path_given_from_a_subfolder_is_offered_never_guessed(
        repo: Path, option: str) -> None:
    """From src/, `--seed src/core.py` reads src/src/core.py (README: a relative path is read
    from the current folder): refused, naming the root-relative file it may have meant and how
    to give it from here; src/core.py's own name from there still works."""
    args = [option, "src/core.py", *(["--task", "invoke the callback"] if option == "--pin"
                                     else []), "--budget", "2000"]
    proc = run_cli("bundle", *args, cwd=repo / "src")
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    said = proc.stderr
    assert "no such file src/src/core.py" in said
    assert "did you mean src/core.py (relative to the repository root)?" in said
    assert "Give it as core.py from here" in said
    fine = run_cli("bundle", option, "core.py", *args[2:], "--format", "json", cwd=repo / "src")
    assert fine.returncode == 0, fine.stderr
    assert "src/core.py" in [i["path"] for i in json.loads(fine.stdout)["items"]]
    missing = run_cli("bundle", option, "nowhere.py", *args[2:], cwd=repo / "src")
    assert missing.returncode == 2 and "did you mean" not in missing.stderr


@pytest.mark.parametrize("suffix", [":2", "::main_entry"])
def test_a_subfolder_seeds_hint_keeps_its_line_or_symbol(repo: Path, suffix: str) -> None:
    """`--seed src/core.py:2` (or `::main_entry`) from src/: the readings offered keep the
    line or symbol, so either can be pasted back as it is and works."""
    proc = run_cli("bundle", "--seed", f"src/core.py{suffix}", "--budget", "2000", cwd=repo / "src")
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    said = proc.stderr
    assert f"seed 'src/core.py{suffix}': no such file src/src/core.py" in said
    assert f"did you mean src/core.py{suffix} (relative to the repository root)?" in said
    assert f"Give it as core.py{suffix} from here" in said
    offered = said.split("Give it as ", 1)[1].split(" from here", 1)[0]
    fine = run_cli("bundle", "--seed", offered, "--budget", "2000", "--format", "json",
                   cwd=repo / "src")
    assert fine.returncode == 0, fine.stderr
    assert json.loads(fine.stdout)["items"][0]["path"] == "src/core.py"


def test_a_task_no_file_matches_says_so(tmp_path: Path) -> None:
    """bat, ``--task "zzqx frobnicate wibble"``: 21 recently changed files, exit 0, no word said."""
    root = make_repo(tmp_path / "repo", {
        "app/config.py": "def parse_config(path):\n    return open(path).read()\n",
        "app/main.py": "from app.config import parse_config\n\n\ndef main():\n"
                       "    return parse_config('a.toml')\n"})
    proc = run_cli("bundle", "--task", "zzqx frobnicate wibble", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["items"] and len(data["notes"]) == 1 and "no word of the task" in data["notes"][0]
    assert "note: no word of the task" in proc.stderr
    proc = run_cli("bundle", "--task", "parse the config file", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["notes"] == [] and "note:" not in proc.stderr
