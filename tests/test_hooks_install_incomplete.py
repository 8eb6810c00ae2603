"""An uninstall that could not undo everything never reports success: what it could not remove
(a folder the install made, our record beside the file, the install's backup) is named with what
to do, and it exits 2, as every other ``hooks`` refusal does. Run again once the permissions are
fixed, it removes what is left and exits 0.

The real CLI in a subprocess, a real git repository and home folder, folders made read-only with
``chmod`` as a person would. Permission bits do not stop root: as root the CLI runs without the
capabilities that bypass them (``setpriv --bounding-set``), as an ordinary user it runs as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from gitutil import cli_command, git_env, make_repo

RECORD = ".ctxsteward-folders"
BACKUP = ".ctxsteward-backup"
_NO_BYPASS = ["setpriv", "--bounding-set",
              "-dac_override,-dac_read_search,-fowner,-linux_immutable"]


def _prefix() -> list[str]:
    """What runs a command so that permission bits stop it (see the module doc)."""
    return [] if os.geteuid() != 0 else _NO_BYPASS


@pytest.fixture(scope="module")
def bound(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The prefix, once checked that a read-only folder stops a command run with it."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("root without setpriv: permission bits would not stop the CLI")
    folder = tmp_path_factory.mktemp("probe") / "frozen"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        made = subprocess.run([*_prefix(), "sh", "-c", f"touch '{folder}/x'"],
                              capture_output=True, timeout=60, check=False)
    finally:
        folder.chmod(0o755)
    if made.returncode == 0:
        pytest.skip("a read-only folder does not stop a command here")
    return _prefix()


def _world(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    return make_repo(tmp_path / "repo", {"README.md": "# r\n"}), home


def _hooks(bound: list[str], verb: str, agent: str, scope: str, root: Path,
           home: Path) -> subprocess.CompletedProcess[str]:
    env = {**git_env(), "HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}
    env.pop("COLUMNS", None)
    done = subprocess.run([*bound, *cli_command(), "hooks", verb, "--agent", agent, "--scope",
                           scope], cwd=str(root), env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def _tree(folder: Path) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, n), folder)
                  for d, dirs, files in os.walk(folder) for n in dirs + files
                  if ".git" not in os.path.relpath(os.path.join(d, n), folder).split(os.sep))


@pytest.fixture
def read_only() -> Iterator[list[Path]]:
    """Folders a test makes read-only (``chmod 555``), made writable again at its end (so
    ``tmp_path`` can be cleaned up whatever failed)."""
    frozen: list[Path] = []
    yield frozen
    for folder in frozen:
        if folder.is_dir():
            folder.chmod(0o755)


def _freeze(read_only: list[Path], folder: Path) -> None:
    folder.chmod(0o555)
    read_only.append(folder)


@pytest.mark.parametrize("agent,scope,made", [
    ("copilot", "project", ".github"),
    ("claude-code", "project", ".claude"),
    ("claude-code", "local", ".claude"),
    ("cursor", "project", ".cursor"),
    ("codex", "project", ".codex"),
    ("copilot", "user", "~/.copilot"),
    ("codex", "user", "~/.codex")])
def test_a_folder_the_install_made_that_cannot_go_fails_the_uninstall(
        tmp_path: Path, bound: list[str], read_only: list[Path], agent: str, scope: str,
        made: str) -> None:
    """The folder holding the one the install made (the repository's root, the home folder)
    made read-only after the install: the uninstall removes our entries and the file, names
    the folder it could not remove with the reason and what to do, and exits 2 (it exited 0);
    run again once the folder is writable, it removes the rest and exits 0."""
    root, home = _world(tmp_path)
    done = _hooks(bound, "install", agent, scope, root, home)
    assert done.returncode == 0, done.stdout + done.stderr
    top = home if made.startswith("~/") else root
    folder = top / made.removeprefix("~/")
    assert folder.is_dir()
    _freeze(read_only, top)
    done = _hooks(bound, "uninstall", agent, scope, root, home)
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"could not remove {made}: permission denied; remove it by hand or fix the "
            "permissions and run uninstall again") in done.stdout, done.stdout
    assert "the uninstall is not complete" in done.stderr, done.stderr
    assert "hook " not in "".join(p.read_text() for p in folder.rglob("*.json")
                                  if p.is_file() and not p.name.endswith(RECORD))
    assert folder.is_dir()  # left, and recorded: the next uninstall finds it
    assert any(p.name.endswith(RECORD) for p in folder.rglob("*"))
    top.chmod(0o755)
    done = _hooks(bound, "uninstall", agent, scope, root, home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{made}: made by the install, empty: removed" in done.stdout, done.stdout
    assert _tree(root) == ["README.md"] and _tree(home) == []


def test_a_record_that_cannot_be_removed_is_named_and_fails_the_uninstall(
        tmp_path: Path, bound: list[str], read_only: list[Path]) -> None:
    """The person removed .github/hooks/ctxsteward.json by hand and made .github/hooks read-only:
    our record in it cannot go, nor can the folder. The uninstall named the folder as one that
    "holds something now" and exited 0; it names the record and exits 2."""
    root, home = _world(tmp_path)
    done = _hooks(bound, "install", "copilot", "project", root, home)
    assert done.returncode == 0, done.stdout + done.stderr
    (root / ".github/hooks/ctxsteward.json").unlink()
    _freeze(read_only, root / ".github/hooks")
    done = _hooks(bound, "uninstall", "copilot", "project", root, home)
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"could not remove .github/hooks/ctxsteward.json{RECORD} (our record of the folders "
            "the install made): permission denied; it stays, and so does .github/hooks: fix the "
            "permissions and run uninstall again, or remove them by hand") in done.stdout
    assert "holds something now" not in done.stdout, done.stdout
    assert "the uninstall is not complete" in done.stderr, done.stderr
    (root / ".github/hooks").chmod(0o755)
    done = _hooks(bound, "uninstall", "copilot", "project", root, home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _tree(root) == ["README.md"]


def test_a_redundant_backup_that_cannot_be_removed_is_named_and_fails_the_uninstall(
        tmp_path: Path, bound: list[str]) -> None:
    """The install's backup of the person's .claude/settings.json made immutable (``chattr
    +i``: not even root removes it): the uninstall gives the file its text back, cannot remove the
    backup, and said "your edits since the install are kept" (there were none) and exited 0; it
    names the backup, the reason and what to do, and exits 2."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr here")
    root, home = _world(tmp_path)
    theirs = '{\n  "model": "opus"\n}\n'
    (root / ".claude").mkdir()
    (root / ".claude/settings.json").write_text(theirs)
    done = _hooks(bound, "install", "claude-code", "project", root, home)
    assert done.returncode == 0, done.stdout + done.stderr
    backup = root / f".claude/settings.json{BACKUP}"
    if subprocess.run(["chattr", "+i", str(backup)], capture_output=True,
                      check=False).returncode != 0:
        pytest.skip("chattr +i is refused here (not root, or the file system)")
    try:
        done = _hooks(bound, "uninstall", "claude-code", "project", root, home)
    finally:
        subprocess.run(["chattr", "-i", str(backup)], capture_output=True, check=False)
    assert (root / ".claude/settings.json").read_text() == theirs
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"could not remove .claude/settings.json{BACKUP} (the install's backup, the same "
            "text as the file now): operation not permitted; remove it by hand") in done.stdout
    assert "your edits" not in done.stdout and "earlier installs" not in done.stdout, done.stdout
    done = _hooks(bound, "uninstall", "claude-code", "project", root, home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not backup.exists(), done.stdout
