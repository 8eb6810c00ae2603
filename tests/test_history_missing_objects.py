"""History of a clone that lacks some blobs: rename detection fails partway through ``git log``.

The index then keeps the commits already read (as if read without rename detection) and reads only
the rest again with ``--no-renames --skip=N``. The result must be exactly what a plain
``git log --no-renames`` gives, with a note saying renames were not followed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gitutil import commit, git, make_repo

from analyzers.indexing.index import Index, build

BODY = "".join(f"line {i} of a reasonably long file\n" for i in range(40))


def _repo_with_a_missing_blob(root: Path) -> Path:
    make_repo(root)
    commit(root, "add", {"old/name.py": BODY, "peer.py": "1\n"})
    (root / "new").mkdir()
    git("mv", "old/name.py", "new/name.py", cwd=root)
    # A rename with an edit: git must read both blobs to pair them.
    commit(root, "move and edit", {"new/name.py": BODY + "edited\n", "peer.py": "2\n"})
    commit(root, "edit after move", {"new/name.py": BODY + "edited\nagain\n"})
    commit(root, "peer and x", {"peer.py": "3\n", "x.py": "1\n"})
    commit(root, "x", {"x.py": "2\n"})
    git("mv", "x.py", "z.py", cwd=root)
    commit(root, "rename x")  # an exact rename: detected without reading any blob
    commit(root, "y", {"y.py": "1\n"})
    blob = git("rev-parse", "HEAD~6:old/name.py", cwd=root)
    (root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return root


def _expected(root: Path) -> dict[str, set[str]]:
    """Commit subject -> paths, straight from ``git log --no-renames``."""
    out: dict[str, set[str]] = {}
    text = git("log", "--no-renames", "--no-merges", "--name-only", "--format=@%s", cwd=root)
    subject = ""
    for line in text.splitlines():
        if line.startswith("@"):
            subject = line[1:]
            out[subject] = set()
        elif line.strip():
            out[subject].add(line.strip())
    return out


def test_history_without_renames_when_blobs_are_missing(tmp_path: Path) -> None:
    root = _repo_with_a_missing_blob(tmp_path / "r")
    # The premise: rename detection really does fail on this repository, after some commits.
    log = git("log", "-M", "--name-status", "--format=@%s", cwd=root, check=False)
    assert "@y" in log and "R100\tx.py\tz.py" in log and "@add" not in log

    report = build(root)
    assert report.history is not None
    assert report.history.commits_read == 7 and report.history.commits_total == 7
    assert any("without rename detection" in w for w in report.warnings)

    db = sqlite3.connect(root / ".ctxsteward" / "index.sqlite")
    got: dict[str, set[str]] = {}
    for subject, path in db.execute(
        "SELECT c.subject, f.path FROM commits c JOIN commit_files f ON f.commit_id=c.id"
    ):
        got.setdefault(subject, set()).add(path)
    db.close()
    assert got == _expected(root)
    assert got["move and edit"] == {"old/name.py", "new/name.py", "peer.py"}
    assert got["rename x"] == {"x.py", "z.py"}
    with Index(root) as index:
        # Renames are not followed: the old name keeps its own two commits.
        assert index.file_history("new/name.py")[0] == 2
        assert index.file_history("old/name.py")[0] == 2
        assert index.file_history("peer.py")[0] == 3
        assert index.file_history("z.py")[0] == 1 and index.file_history("x.py")[0] == 3
