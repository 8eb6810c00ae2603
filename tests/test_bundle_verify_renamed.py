"""``bundle --verify`` of an item whose file was renamed since (``git mv``, staged or committed,
or moved outside git): it says where the file went and whether the lines are there, not only
"the file no longer exists" (a new user's hour, session 30). Real repositories, the real CLI."""

from __future__ import annotations

import json
import shutil

from gitutil import commit, git, make_repo, run_cli

LEDGER = "".join(
    f'def ledger_step_{i}(value):\n    """Step {i} of the ledger."""\n'
    + "".join(f"    value = value * {j} + {i}  # accumulate part {j}\n" for j in range(8))
    + "    return value\n\n\n" for i in range(20)
) + "def settle(invoice):\n    return invoice\n"
CLOSE = "from core.ledger import settle\n\n\ndef close(invoice):\n    return settle(invoice)\n"


def _saved(tmp_path):
    root = make_repo(tmp_path / "repo", {"core/__init__.py": "", "core/ledger.py": LEDGER,
                                         "core/close.py": CLOSE})
    made = run_cli("bundle", "--seed", "core/close.py", "--task", "settle the ledger steps",
                   "--budget", "1500", "--save", "seen", cwd=root)
    assert made.returncode == 0, made.stderr
    return root


def _ledger(root) -> tuple[int, dict]:
    proc = run_cli("bundle", "--verify", "seen", "--format", "json", cwd=root)
    items = {i["path"]: i for i in json.loads(proc.stdout)["items"]}
    return proc.returncode, items["core/ledger.py"]


def test_a_git_mv_not_yet_committed_is_said(tmp_path):
    root = _saved(tmp_path)
    git("mv", "core/ledger.py", "core/books.py", cwd=root)
    status, item = _ledger(root)
    assert status == 1  # the path the agent knows is gone
    assert item["status"] == "vanished" and item["path_now"] == "core/books.py"
    assert item["detail"] == ("the file moved to core/books.py: the lines the agent saw are "
                              "there unchanged")
    text = run_cli("bundle", "--verify", "seen", cwd=root).stdout
    assert "vanished  core/ledger.py  (the file moved to core/books.py: the lines the agent " \
        "saw are there unchanged)" in text


def test_a_committed_rename_with_lines_added_above(tmp_path):
    root = _saved(tmp_path)
    git("mv", "core/ledger.py", "core/books.py", cwd=root)
    commit(root, "rename the ledger", {"core/books.py": "# the books\n\n" + LEDGER})
    _, item = _ledger(root)
    assert item["path_now"] == "core/books.py"
    assert item["detail"].startswith("the file moved to core/books.py: the lines the agent saw "
                                     "are there at ")


def test_a_move_outside_git_is_found_by_its_text(tmp_path):
    root = _saved(tmp_path)
    (root / "lib").mkdir()
    shutil.move(root / "core/ledger.py", root / "lib/ledger.py")  # untracked: git sees no rename
    _, item = _ledger(root)
    assert item["path_now"] == "lib/ledger.py", item


def test_a_file_really_gone_stays_plainly_vanished(tmp_path):
    root = _saved(tmp_path)
    (root / "core/ledger.py").unlink()
    _, item = _ledger(root)
    assert item["status"] == "vanished" and item["path_now"] is None
    assert item["detail"] == "the file no longer exists or is unreadable"
