"""CS004: sections whose referenced files changed a lot after the instruction file did."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import commit, make_repo, run_cli
from instructions_util import of, recheck, run, text_at

CLAUDE = """# Project

## API

Handlers live in `src/api.py`; see [routes](src/routes/).

## Utilities

Helpers are in `src/util.py`.
"""


def _lines(n: int, tag: str) -> str:
    return "".join(f"def {tag}_{i}():\n    return {i}\n" for i in range(n))


def test_section_drifts_after_big_changes_to_its_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "CLAUDE.md": CLAUDE, "src/api.py": _lines(5, "a"), "src/util.py": _lines(5, "u"),
        "src/routes/users.py": "x = 1\n",
    })
    commit(root, "grow the api", {"src/api.py": _lines(20, "a")})
    commit(root, "add routes", {"src/routes/orders.py": _lines(6, "o")})
    commit(root, "tweak util", {"src/util.py": _lines(6, "u")})
    report = run(root)
    (d,) = of(report, "CS004")
    assert text_at(CLAUDE, d) == "## API" and d.severity == "information"
    assert "src/api.py +30/-0 in 1 commit" in d.message
    assert "src/routes +12/-0" in d.message and "2 commits" in d.message

    # Much more change: a warning. Then touching the instruction file resets the baseline.
    commit(root, "rewrite the api", {"src/api.py": _lines(150, "b")})
    (d,) = of(run(root), "CS004")
    assert d.severity == "warning"
    # Editing the section (unsaved, or saved but not committed) counts as reviewing it.
    edited = CLAUDE.replace("see [routes]", "the routes are in [routes]")
    assert of(recheck(root, "CLAUDE.md", edited), "CS004") == []
    assert of(recheck(root, "CLAUDE.md", CLAUDE + "\nMore notes.\n"), "CS004") != []
    commit(root, "review CLAUDE.md", {"CLAUDE.md": CLAUDE + "\nReviewed.\n"})
    assert of(run(root), "CS004") == []


def test_threshold_is_a_setting(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"CLAUDE.md": CLAUDE, "src/api.py": "x = 1\n",
                                      "src/util.py": "y = 1\n"})
    commit(root, "small change", {"src/util.py": "y = 2\nz = 3\n"})
    assert of(run(root), "CS004") == []
    (d,) = of(run(root, drift_threshold=3), "CS004")
    assert text_at(CLAUDE, d) == "## Utilities"

    def cli_drift(*extra: str) -> list[str]:
        proc = run_cli("check", "--no-index", "--format", "json", *extra, cwd=root)
        assert proc.returncode in (0, 1), proc.stderr
        return [d["message"] for d in json.loads(proc.stdout)["diagnostics"]
                if d["code"] == "CS004"]

    assert cli_drift() == []
    (msg,) = cli_drift("--drift-threshold", "3")
    assert "src/util.py" in msg
    proc = run_cli("check", "--drift-threshold", "0", cwd=root)
    assert proc.returncode == 2 and "--drift-threshold" in proc.stderr


def test_untracked_instruction_file_has_no_baseline(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"src/api.py": "x = 1\n"})
    commit(root, "grow", {"src/api.py": _lines(100, "a")})
    (root / "CLAUDE.md").write_text(CLAUDE)
    assert of(run(root), "CS004") == []


def test_commits_in_the_same_second_are_ordered_by_history(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r")
    when = 1_750_000_000
    commit(root, "write", {"CLAUDE.md": CLAUDE, "src/api.py": "x = 1\n", "src/util.py": "y\n"},
           when=when)
    commit(root, "grow in the same second", {"src/api.py": _lines(40, "a")}, when=when)
    (d,) = of(run(root), "CS004")
    assert text_at(CLAUDE, d) == "## API" and "+80/-1" in d.message
    # And a change committed together with the instruction file is not "after" it.
    commit(root, "both", {"CLAUDE.md": CLAUDE + "\n", "src/api.py": _lines(90, "b")}, when=when)
    assert of(run(root), "CS004") == []
