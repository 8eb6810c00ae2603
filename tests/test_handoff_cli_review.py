"""``ctxsteward handoff`` on what a new user meets: a secret file among the changes, a note made
read-only, a JSON note edited by hand, the hook installer's helper files, a test run that times
out. The real command on real repositories."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest
from gitutil import commit, git, make_repo, run_cli, write_files
from handoff_repos import feature_repo

# A GitHub token (made up), built so that this file does not hold it whole.
TOKEN = "ghp_" + "Zq7Ab3Xk9LmN2pQr5StUv8WxYz1234567890"
UTILS = "".join(f"def helper_{i}(value):\n    return value + {i}\n\n\n" for i in range(8))
CORE = "from pkg.utils import helper_1\n\n\ndef main():\n    return helper_1(2)\n"


def _secret_branch(root: Path) -> Path:
    """A branch adding a file that holds only a secret, and editing another."""
    make_repo(root, {"pkg/__init__.py": "", "pkg/utils.py": UTILS, "pkg/core.py": CORE})
    git("checkout", "-q", "-b", "feature", cwd=root)
    commit(root, "wip", {"pkg/_cfg.py": f'API_TOKEN = "{TOKEN}"\n',
                         "pkg/utils.py": UTILS + "def helper_new(value):\n    return value\n"})
    return root


def test_a_secret_file_among_the_changes_is_no_seed_and_the_bundle_is_made(
        tmp_path: Path) -> None:
    root = _secret_branch(tmp_path / "r")
    proc = run_cli("handoff", "--no-checks", cwd=root)
    assert proc.returncode == 0, proc.stderr
    bundle = proc.stdout.split("## Suggested context bundle", 1)[1]
    assert "bundle: unavailable" not in bundle, bundle
    assert "- seeds: `pkg/utils.py`" in bundle
    assert "_cfg.py" not in bundle and TOKEN not in proc.stdout


def test_no_seed_left_says_so_in_words(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"pkg/__init__.py": "", "pkg/utils.py": UTILS})
    git("checkout", "-q", "-b", "feature", cwd=root)
    commit(root, "wip", {"pkg/_cfg.py": f'API_TOKEN = "{TOKEN}"\n'})
    proc = run_cli("handoff", "--no-checks", cwd=root)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("- bundle: unavailable"))
    assert "Error" not in line and "no changed file to seed it" in line, line


def _frozen(path: Path) -> tuple[str, int]:
    return path.read_text("utf-8"), stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("fmt,name,mode,said", [
    ("markdown", "HANDOFF.md", 0o444, "r--r--r--, mode 0444"),
    ("json", "notes.json", 0o444, "r--r--r--, mode 0444"),
    # also readable to its group: was "mode 440", now in ls -l's letters too
    ("markdown", "HANDOFF.md", 0o440, "r--r-----, mode 0440"),
])
def test_a_note_made_read_only_is_refused_not_replaced(tmp_path: Path, fmt: str, name: str,
                                                        mode: int, said: str) -> None:
    repo = feature_repo(tmp_path / "r")
    args = ("handoff", "--no-bundle", "--no-checks", "--format", fmt, "--out", name)
    assert run_cli(*args, cwd=repo.root).returncode == 0
    note = repo.root / name
    note.chmod(mode)
    before = _frozen(note)
    write_files(repo.root, {"app/new.py": "def brand_new():\n    pass\n"})
    proc = run_cli(*args, cwd=repo.root)
    assert proc.returncode != 0
    assert f"{name} is read-only (permissions {said}): make it writable" in proc.stderr, \
        proc.stderr
    assert "Traceback" not in proc.stderr
    assert _frozen(note) == before


def test_a_json_note_keeps_its_human_fields(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    args = ("handoff", "--no-bundle", "--no-checks", "--format", "json", "--out", "notes.json")
    assert run_cli(*args, cwd=repo.root).returncode == 0
    note = repo.root / "notes.json"
    data = json.loads(note.read_text("utf-8"))
    data["human"]["status"] = "Engine.stop works; the CLI does not call it yet."
    note.write_text(json.dumps(data), "utf-8")
    write_files(repo.root, {"app/new.py": "def brand_new():\n    pass\n"})
    proc = run_cli(*args, cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    again = json.loads(note.read_text("utf-8"))
    assert again["human"]["status"] == "Engine.stop works; the CLI does not call it yet."
    assert any(c["path"] == "app/new.py" for c in again["uncommitted_changes"])
    # Human fields that are not text: refused, said, the file left as it was.
    data["human"]["status"] = ["not", "text"]
    note.write_text(json.dumps(data), "utf-8")
    bad = run_cli(*args, cwd=repo.root)
    assert bad.returncode == 2 and "human fields (status) must be text" in bad.stderr, bad.stderr
    assert json.loads(note.read_text("utf-8"))["human"]["status"] == ["not", "text"]


def test_the_hook_installer_s_helper_files_are_not_work(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    machine = str(tmp_path / "somewhere" / "on" / "this" / "machine")
    write_files(repo.root, {
        ".claude/settings.local.json": "{}\n",
        ".claude/settings.local.json.ctxsteward-backup": "{}\n",
        ".claude/settings.local.json.ctxsteward-backup.2": "{}\n",
        ".claude/settings.local.json.ctxsteward-folders": json.dumps({"made": [machine]}),
    })
    proc = run_cli("handoff", "--no-bundle", "--no-checks", "--format", "json", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    note = json.loads(proc.stdout)
    paths = [c["path"] for c in note["uncommitted_changes"]]
    assert ".claude/settings.local.json" in paths  # the person's settings are their work
    assert not [p for p in paths if "ctxsteward-" in p], paths
    assert note["uncommitted_totals"]["files"] == len(paths)
    assert machine not in proc.stdout


def test_a_test_run_that_times_out_is_said_to_have_timed_out(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    cmd = f"{sys.executable} -c 'import time; time.sleep(60)'"
    proc = run_cli("handoff", "--no-bundle", "--no-checks", "--test-cmd", cmd,
                   "--test-timeout", "1", cwd=root)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith(f"- `{cmd}`"))
    assert "**failed** (timed out after 1 s)" in line and "not run" not in line, line
