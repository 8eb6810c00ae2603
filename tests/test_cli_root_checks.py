"""``--root`` / ``ROOT`` must name a folder: a file (or a device) is refused with exit status 2 and
one clear line, and nothing is written beside it. Each command runs the real ``ctxsteward``."""

from __future__ import annotations

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
