"""``--large-commit-limit N`` on ``index`` and ``bundle``: validated, reported by ``index``, and it
changes which commits count for co-change. Real git repositories, the real ``ctxsteward``
command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jsonschema
import pytest
from gitutil import commit, make_repo, run_cli

from analyzers.config import Settings
from server.cli.commands import _history_options

SEED = "def charge(amount):\n    return amount * 2\n"
PEER = "def refund(amount):\n    return -amount\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """``app/seed.py`` changes with ``app/peer.py`` in three small commits, and with eight
    ``bulk/`` files in three 9-file commits (a reformat, say)."""
    root = make_repo(tmp_path / "repo", {"app/seed.py": SEED, "app/peer.py": PEER,
                                         "README.md": "# r\n"})
    commit(root, "refund rounding", {"app/seed.py": SEED + "# 1\n", "app/peer.py": PEER + "# 1\n"})
    commit(root, "refund again", {"app/seed.py": SEED + "# 2\n", "app/peer.py": PEER + "# 2\n"})
    for round_ in range(3):
        files = {f"bulk/mod{i}.py": f"def mod{i}():\n    return {round_}\n" for i in range(8)}
        commit(root, f"reformat {round_}", {**files, "app/seed.py": SEED + f"# r{round_}\n"})
    return root


def cochanged(root: Path, *limit: str) -> dict[str, list[str]]:
    proc = run_cli("bundle", "--seed", "app/seed.py", "--budget", "0", "--format", "json",
                   *limit, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return {i["path"]: [r for r in i["reasons"] if r.startswith("changed together")]
            for i in json.loads(proc.stdout)["items"]}


def test_large_commit_limit_on_index(repo: Path) -> None:
    schema = json.loads(run_cli("schema", "index", cwd=repo).stdout)
    default = json.loads(run_cli("index", "--json", cwd=repo).stdout)
    jsonschema.validate(default, schema)
    assert (default["large_commit_limit"], default["large_commits"]) == (30, 0)
    assert "ignored for co-change" not in run_cli("index", cwd=repo).stdout

    tight = json.loads(run_cli("index", "--json", "--large-commit-limit", "8", cwd=repo).stdout)
    jsonschema.validate(tight, schema)
    assert (tight["large_commit_limit"], tight["large_commits"]) == (8, 3)  # the 9-file commits
    assert tight["history"]["commits_total"] == 6  # still history
    text = run_cli("index", "--large-commit-limit", "8", cwd=repo).stdout
    assert "(0 read this run; 3 touching more than 8 files ignored for co-change)" in text
    assert run_cli("index", "--large-commit-limit", "9", "--json",
                   cwd=repo).stdout.count('"large_commits": 0') == 1


def test_large_commit_limit_on_bundle_changes_co_change(repo: Path) -> None:
    wide = cochanged(repo)
    # The first commit added both files: 3 of the seed's 6 commits hold the peer.
    with_seed = "changed together with `app/seed.py` in"
    assert wide["app/peer.py"] == [f"{with_seed} 3 of its last 6 commits"]
    assert wide["bulk/mod0.py"] == [f"{with_seed} 3 of its last 6 commits"]

    tight = cochanged(repo, "--large-commit-limit", "8")
    assert tight["app/peer.py"] == [f"{with_seed} 3 of its last 3 commits"]
    assert all(not reasons for path, reasons in tight.items() if path.startswith("bulk/"))

    # The flag applies to that call only: the next one is back to the default.
    assert cochanged(repo) == wide


def test_a_limit_does_not_stick_to_the_next_call_through_the_graph_cache(repo: Path) -> None:
    def ranking(*limit: str) -> list[tuple[str, list[str]]]:
        proc = run_cli("bundle", "--task", "reformat", "--budget", "0", "--format", "json",
                       *limit, cwd=repo)
        assert proc.returncode == 0, proc.stderr
        return [(i["path"], i["reasons"]) for i in json.loads(proc.stdout)["items"]]

    default = ranking()
    assert any("past commit like this task" in r for _, reasons in default for r in reasons)
    for cache in (repo / ".ctxsteward").glob("graph.*"):
        cache.unlink()  # the next call builds the graph under the tight limit
    tight = ranking("--large-commit-limit", "8")
    assert tight != default
    assert ranking() == default


@pytest.mark.parametrize("command", [("index",), ("bundle", "--task", "refund")])
@pytest.mark.parametrize(("value", "message"), [
    ("0", "must be at least 1 file, got 0"),
    ("-4", "must be at least 1 file, got -4"),
    ("lots", "expected a whole number of files (at least 1), got 'lots'"),
    ("2.5", "expected a whole number of files (at least 1), got '2.5'"),
])
def test_bad_limits_are_clear_errors(repo: Path, command: tuple[str, ...], value: str,
                                     message: str) -> None:
    before = sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts)
    proc = run_cli(*command, "--large-commit-limit", value, cwd=repo)
    assert proc.returncode == 2
    assert f"error: argument --large-commit-limit: {message}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.relative_to(repo) for p in repo.rglob("*") if ".git" not in p.parts) == before


def test_help_default_matches_the_settings() -> None:
    assert Settings().large_commit_limit == _history_options.DEFAULT
    settings = _history_options.with_large_commit_limit(
        Settings(profile="claude"), argparse.Namespace(large_commit_limit=12))
    assert (settings.large_commit_limit, settings.profile) == (12, "claude")

