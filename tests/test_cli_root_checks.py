"""``--root`` / ``ROOT`` must name a folder: a file (or a device) is refused with exit status 2 and
one clear line, and nothing is written beside it. Each command runs the real ``ctxsteward``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli


@pytest.mark.parametrize("command", [
    ["bundle", "--task", "x", "--root"],
    ["budget", "--root"],
    ["check", "--root"],
    ["handoff", "--root"],
    ["mcp", "--root"],
    ["index"],
])
def test_a_file_as_root_is_refused(tmp_path: Path, command: list[str]) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "def a():\n    return 1\n"})
    target = repo / "a.py"
    proc = run_cli(*command, str(target), cwd=tmp_path)
    option = "ROOT" if command == ["index"] else "--root"
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr == f"ctxsteward: {option} must be a folder: {target} is a file\n"
    assert proc.stdout == ""
    assert not (repo / ".ctxsteward").exists()  # the file's folder was not used instead


def test_a_device_as_root_is_refused(tmp_path: Path) -> None:
    proc = run_cli("bundle", "--task", "x", "--root", "/dev/null", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "ctxsteward: --root must be a folder: /dev/null is not a folder\n"


def test_a_folder_inside_the_repository_still_means_its_work_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"pkg/a.py": "def alpha_beta():\n    return 1\n"})
    proc = run_cli("bundle", "--task", "alpha beta", "--format", "json",
                   "--root", str(repo / "pkg"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '"path": "pkg/a.py"' in proc.stdout
    assert (repo / ".ctxsteward").is_dir() and not (repo / "pkg" / ".ctxsteward").exists()


def test_relative_paths_with_root_from_outside_it_are_read_from_the_root(tmp_path: Path) -> None:
    """From a folder outside the workspace, ``--root DIR`` makes a relative seed, pin, budget
    PATH or check PATH a path of the workspace (it was read from the current folder and refused
    as "outside the workspace"); from inside the workspace, a path stays relative to where one
    stands."""
    repo = make_repo(tmp_path / "repo", {
        "src/app.py": "from src.util import helper\n\n\ndef run():\n    return helper()\n",
        "src/util.py": "def helper():\n    return 1\n",
        "AGENTS.md": "# Agents\n\nRun `pytest` before committing.\n",
    })
    away = tmp_path / "elsewhere"
    away.mkdir()
    root = str(repo)
    bundle = run_cli("bundle", "--root", root, "--seed", "src/app.py", "--pin", "src/util.py",
                     "--format", "json", cwd=away)
    assert bundle.returncode == 0, bundle.stderr
    assert "src/util.py" in {i["path"] for i in json.loads(bundle.stdout)["items"]}
    budget = run_cli("budget", "--root", root, "src/app.py", "--json", cwd=away)
    assert budget.returncode == 0, budget.stderr
    check = run_cli("check", "--root", root, "AGENTS.md", cwd=away)
    assert check.returncode in (0, 1), check.stderr
    assert "does not exist" not in check.stderr
    inside = run_cli("bundle", "--root", root, "--seed", "app.py", "--budget", "0",
                     cwd=repo / "src")
    assert inside.returncode == 0, inside.stderr
    missing = run_cli("bundle", "--root", root, "--seed", "nope.py", cwd=away)
    assert missing.returncode == 2 and "nope.py" in missing.stderr
