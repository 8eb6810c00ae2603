"""What ``hooks uninstall`` leaves beside a settings file: the folders the install made go (only
those, only when empty, never through a symlink, never outside the home folder or the workspace),
and the install's backup goes when the file is its very text again, else it stays and is named.

The real CLI in a subprocess with a temporary home folder (``HOME``), real files and symlinks.
Each test holds a folder the install made that must go (a removal that does nothing fails it)
and something a person made that must stay (a removal that walks up and prunes every empty folder
above the file, as a reverted attempt did, fails it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

BACKUP = ".ctxsteward-backup"
RECORD = ".ctxsteward-folders"


def _env(home: Path) -> dict[str, str]:
    # COPILOT_HOME, CODEX_HOME blank: the agents' default folders in HOME (the runner's must not
    # leak in).
    return {"HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}


def _world(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    return make_repo(tmp_path / "repo", {"README.md": "# r\n"}), home


def _hooks(verb: str, agent: str, root: Path, home: Path,
           scope: str = "user") -> subprocess.CompletedProcess[str]:
    done = run_cli("hooks", verb, "--agent", agent, "--scope", scope, cwd=root, env=_env(home))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done


def _tree(folder: Path) -> list[str]:
    """Every path under ``folder`` (symlinks listed, not followed), relative, sorted."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            out.append(os.path.relpath(os.path.join(dirpath, name), folder))
    return sorted(out)


# -- folders ---------------------------------------------------------------------------------

def _persons_empty_folder(root: Path, home: Path, agent: str, folder: str) -> None:
    """The person made ``~/FOLDER`` (empty) before the install; install and uninstall ``agent``
    there: the folder stays (a removal pruning every empty folder up to the home would not)."""
    (home / folder).mkdir()
    _hooks("install", agent, root, home)
    _hooks("uninstall", agent, root, home)
    assert (home / folder).is_dir() and not (home / folder).is_symlink()
    assert list((home / folder).iterdir()) == []


def test_the_folders_an_install_made_go_with_the_uninstall(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    _hooks("install", "codex", root, home)
    _hooks("install", "copilot", root, home)  # two levels: ~/.copilot/hooks/ctxsteward.json
    assert (home / ".codex/hooks.json").is_file()
    assert (home / ".copilot/hooks/ctxsteward.json").is_file()
    done = _hooks("uninstall", "codex", root, home)
    assert "~/.codex: made by the install, empty: removed" in done.stdout, done.stdout
    _hooks("uninstall", "copilot", root, home)
    assert _tree(home) == []  # the home folder is as it was: empty
    _persons_empty_folder(root, home, "claude-code", ".claude")
    assert _tree(home) == [".claude"]


def test_a_folder_above_the_settings_folder_that_stayed_goes_with_a_later_uninstall(
        tmp_path: Path) -> None:
    """``.github/hooks/`` goes, ``.github/`` stays (it holds a CODEOWNERS now): the record of
    ``.github/`` must survive its ``hooks/`` folder, so the next uninstall removes it once it is
    empty, as the message promises."""
    root, home = _world(tmp_path)
    _hooks("install", "copilot", root, home, scope="project")
    (root / ".github/CODEOWNERS").write_text("* @someone\n")
    done = _hooks("uninstall", "copilot", root, home, scope="project")
    assert ".github/hooks: made by the install, empty: removed" in done.stdout, done.stdout
    assert ".github: made by the install, holds something now" in done.stdout, done.stdout
    (root / ".github/CODEOWNERS").unlink()
    done = _hooks("uninstall", "copilot", root, home, scope="project")
    assert ".github: made by the install, empty: removed" in done.stdout, done.stdout
    assert not os.path.lexists(root / ".github")
    assert (root / "README.md").is_file()


def test_an_empty_folder_the_person_made_stays(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    (home / ".cursor").mkdir()  # made by the person (or by Cursor), empty
    for agent in ("cursor", "codex"):
        _hooks("install", agent, root, home)
    record = json.loads((home / ".cursor" / f"hooks.json{RECORD}").read_text())
    assert record["made"] == [] and "created" in record  # no folder made; the file was
    for agent in ("cursor", "codex"):
        _hooks("uninstall", agent, root, home)
    assert _tree(home) == [".cursor"]  # theirs stays, empty; ~/.codex (ours) went


def test_a_symlinked_settings_file_and_folder_are_left_with_their_targets(
        tmp_path: Path) -> None:
    """~/.claude/settings.json a link to a file not yet made in ~/dotfiles/claude/ (the install
    writes it there), ~/.cursor/hooks.json a link to a person's file, ~/.codex a link to a
    dotfiles folder: after the uninstall every link and every dotfiles folder is still there,
    the person's file byte for byte; only ~/.copilot, which the install made, is gone."""
    root, home = _world(tmp_path)
    dot = home / "dotfiles"
    for sub in ("claude", "codex"):
        (dot / sub).mkdir(parents=True)
    mine = '{\n  "version": 1,\n  "hooks": {"stop": [{"command": "say bye"}]}\n}\n'
    (dot / "cursor.json").write_text(mine)
    (home / ".claude").mkdir()
    (home / ".claude/settings.json").symlink_to(dot / "claude/settings.json")  # dangling
    (home / ".cursor").mkdir()
    (home / ".cursor/hooks.json").symlink_to(dot / "cursor.json")
    (home / ".codex").symlink_to(dot / "codex", target_is_directory=True)
    before = _tree(home)
    agents = ("claude-code", "cursor", "codex", "copilot")
    for agent in agents:
        _hooks("install", agent, root, home)
    assert "hook SessionStart" in (dot / "claude/settings.json").read_text()
    assert "hook SessionStart" in (dot / "codex/hooks.json").read_text()
    for agent in agents:
        _hooks("uninstall", agent, root, home)
    assert _tree(home) == before, _tree(home)
    assert (home / ".claude/settings.json").is_symlink()
    assert (home / ".codex").is_symlink() and (dot / "codex").is_dir()
    assert (dot / "cursor.json").read_text() == mine


def test_a_folder_that_gained_a_file_stays_and_the_uninstall_succeeds(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    _hooks("install", "codex", root, home)
    _hooks("install", "copilot", root, home)
    (home / ".codex/config.toml").write_text('model = "gpt-5.4"\n')  # Codex wrote its config
    (home / ".copilot/config.json").write_text("{}\n")  # beside the hooks folder, not in it
    done = _hooks("uninstall", "codex", root, home)
    assert "holds something now: left as it is" in done.stdout, done.stdout
    done = _hooks("uninstall", "copilot", root, home)
    assert "~/.copilot/hooks: made by the install, empty: removed" in done.stdout, done.stdout
    # ~/.codex stays with its record (the install made it): once empty, a later uninstall
    # removes it
    # ~/.copilot too: its hooks folder went, so its record is kept in ~/.copilot itself
    assert _tree(home) == [".codex", ".codex/config.toml", f".codex/hooks.json{RECORD}",
                           ".copilot", ".copilot/config.json",
                           f".copilot/hooks+ctxsteward.json{RECORD}"]
    (home / ".codex/config.toml").unlink()
    done = _hooks("uninstall", "codex", root, home)
    assert "~/.codex: made by the install, empty: removed" in done.stdout, done.stdout
    assert _tree(home) == [".copilot", ".copilot/config.json",
                           f".copilot/hooks+ctxsteward.json{RECORD}"]
    _persons_empty_folder(root, home, "cursor", ".cursor")


def test_a_record_naming_other_folders_removes_none_of_them(tmp_path: Path) -> None:
    """The record is only a list of candidates: a folder outside the home folder, the home
    folder itself, one off the settings file's path, one spelled with ``..``: all stay."""
    root, home = _world(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (home / "empty").mkdir()
    _hooks("install", "codex", root, home)
    record = home / ".codex" / f"hooks.json{RECORD}"
    kept = json.loads(record.read_text())
    assert (kept["made"], kept["created"]) == ([str(home / ".codex")], "{}\n")
    record.write_text(json.dumps({"made": [str(outside), str(home), str(home / "empty"),
                                           str(home / ".codex/../empty"), str(tmp_path),
                                           str(home / ".codex")],
                                  "created": "{}\n"}))
    _hooks("uninstall", "codex", root, home)
    assert outside.is_dir() and (home / "empty").is_dir() and home.is_dir()
    assert _tree(home) == ["empty"]
    _persons_empty_folder(root, home, "cursor", ".cursor")


def test_a_settings_file_removed_by_hand_still_lets_its_folders_go(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    _hooks("install", "codex", root, home)
    (home / ".codex/hooks.json").unlink()
    done = _hooks("uninstall", "codex", root, home)
    assert "nothing to change" in done.stdout and "~/.codex: made by the install" in done.stdout
    assert _tree(home) == []


def test_project_scope_keeps_an_empty_folder_the_person_made(tmp_path: Path) -> None:
    """In the workspace too, only the folders the install made go: an empty ``.claude/`` made
    before the install stays (it was pruned as if ours); ``.github/hooks/`` the install made
    goes."""
    root, home = _world(tmp_path)
    (root / ".claude").mkdir()
    before = _tree(root)
    _hooks("install", "claude-code", root, home, scope="project")
    _hooks("install", "copilot", root, home, scope="project")
    _hooks("uninstall", "claude-code", root, home, scope="project")
    _hooks("uninstall", "copilot", root, home, scope="project")
    assert (root / ".claude").is_dir() and list((root / ".claude").iterdir()) == []
    assert not (root / ".github").exists()
    assert _tree(root) == before


# -- backups ---------------------------------------------------------------------------------

PERSONS = '{\n    "model": "opus",\n    "env": {"A": "1"}\n}\n'


def _claude_user(tmp_path: Path, text: str = PERSONS) -> tuple[Path, Path, Path]:
    root, home = _world(tmp_path)
    (home / ".claude").mkdir()
    path = home / ".claude/settings.json"
    path.write_text(text)
    return root, home, path


def test_a_clean_uninstall_removes_the_backup_it_made_redundant(tmp_path: Path) -> None:
    root, home, path = _claude_user(tmp_path)
    _hooks("install", "claude-code", root, home)
    backup = path.with_name(path.name + BACKUP)
    assert backup.read_text() == PERSONS
    done = _hooks("uninstall", "claude-code", root, home)
    assert path.read_text() == PERSONS
    assert not backup.exists(), done.stdout
    assert f"backup settings.json{BACKUP} held this same text" in done.stdout, done.stdout
    assert _tree(home) == [".claude", ".claude/settings.json"]


def test_after_the_persons_edits_the_backup_stays_and_is_named(tmp_path: Path) -> None:
    root, home, path = _claude_user(tmp_path)
    _hooks("install", "claude-code", root, home)
    path.write_text(path.read_text().replace('"opus"', '"sonnet"'))  # their edit since
    done = _hooks("uninstall", "claude-code", root, home)
    assert path.read_text() == PERSONS.replace('"opus"', '"sonnet"')
    backup = path.with_name(path.name + BACKUP)
    assert backup.read_text() == PERSONS  # their file from before the install, untouched
    assert f"~/.claude/settings.json{BACKUP}" in done.stdout and "kept" in done.stdout


def test_a_backup_we_did_not_write_is_never_removed(tmp_path: Path) -> None:
    """Replaced by the person after the install (another text), or a symlink to a file of
    theirs (with the same text as the file): both stay as they are."""
    root, home, path = _claude_user(tmp_path)
    backup = path.with_name(path.name + BACKUP)
    _hooks("install", "claude-code", root, home)
    backup.write_text('{"model": "theirs"}\n')
    _hooks("uninstall", "claude-code", root, home)
    assert path.read_text() == PERSONS and backup.read_text() == '{"model": "theirs"}\n'

    _hooks("install", "claude-code", root, home)  # writes its own backup afresh
    saved = home / "saved.json"
    saved.write_text(PERSONS)
    backup.unlink()
    backup.symlink_to(saved)
    _hooks("uninstall", "claude-code", root, home)
    assert path.read_text() == PERSONS
    assert backup.is_symlink() and saved.read_text() == PERSONS


def test_a_blank_file_comes_back_blank_without_a_backup(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    (home / ".cursor").mkdir()
    (home / ".cursor/hooks.json").write_text("\n")
    _hooks("install", "cursor", root, home)
    assert json.loads((home / ".cursor/hooks.json").read_text())["version"] == 1
    _hooks("uninstall", "cursor", root, home)
    assert (home / ".cursor/hooks.json").read_text() == "\n"
    assert _tree(home) == [".cursor", ".cursor/hooks.json"]


@pytest.mark.parametrize("agent,rel", [("claude-code", ".claude/settings.local.json"),
                                       ("codex", ".codex/hooks.json")])
def test_project_install_uninstall_leaves_the_persons_file_and_no_backup(
        tmp_path: Path, agent: str, rel: str) -> None:
    root, home = _world(tmp_path)
    scope = "local" if agent == "claude-code" else "project"
    (root / rel).parent.mkdir()
    (root / rel).write_text(PERSONS)
    _hooks("install", agent, root, home, scope=scope)
    assert (root / (rel + BACKUP)).exists()
    _hooks("uninstall", agent, root, home, scope=scope)
    assert (root / rel).read_text() == PERSONS
    assert sorted(p.name for p in (root / rel).parent.iterdir()) == [Path(rel).name]


# -- what a hostile review found (each failed before its fix) --------------------------------

def _refused(verb: str, agent: str, root: Path, home: Path,
             env: dict[str, str] | None = None) -> str:
    done = run_cli("hooks", verb, "--agent", agent, "--scope", "user", cwd=root,
                   env={**_env(home), **(env or {})})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "nothing was written" in done.stderr
    return done.stderr


def test_a_backup_the_uninstall_kept_survives_a_second_install(tmp_path: Path) -> None:
    """install, an edit (opus -> sonnet), uninstall (the backup holding "opus" is kept and
    named), install again, uninstall again: the "opus" text is still there (the second install
    overwrote it with "sonnet", and the second uninstall deleted it)."""
    root, home, path = _claude_user(tmp_path)
    backup = path.with_name(path.name + BACKUP)
    _hooks("install", "claude-code", root, home)
    path.write_text(path.read_text().replace('"opus"', '"sonnet"'))
    done = _hooks("uninstall", "claude-code", root, home)
    assert backup.read_text() == PERSONS and "kept" in done.stdout
    sonnet = PERSONS.replace('"opus"', '"sonnet"')
    done = _hooks("install", "claude-code", root, home)
    assert backup.read_text() == PERSONS  # untouched
    second = path.with_name(path.name + BACKUP + ".2")
    assert second.read_text() == sonnet and f"backup {second.name} beside it" in done.stdout
    done = _hooks("uninstall", "claude-code", root, home)
    assert path.read_text() == sonnet and not second.exists()  # this install's: redundant
    assert backup.read_text() == PERSONS  # the earlier one: kept, and named
    assert f"earlier installs' backups are kept: ~/.claude/settings.json{BACKUP}" in done.stdout
    _hooks("install", "claude-code", root, home)  # the same text as the latest backup: no .2
    assert sorted(p.name for p in path.parent.iterdir()) == [  # (the record: what it added)
        "settings.json", f"settings.json{BACKUP}", f"settings.json{BACKUP}.2",
        f"settings.json{RECORD}"]
    _hooks("install", "claude-code", root, home)  # again (nothing changes): no .3
    _hooks("uninstall", "claude-code", root, home)
    assert _tree(home) == [".claude", ".claude/settings.json", f".claude/settings.json{BACKUP}"]
    assert backup.read_text() == PERSONS and path.read_text() == sonnet


def test_project_and_local_uninstalled_in_install_order_leave_no_claude_folder(
        tmp_path: Path) -> None:
    """Project then local installed (the project install made .claude/), uninstalled in that
    order: the project uninstall finds .claude/ in use and keeps its record, the local one
    (which made no record: the folder was there) honours it and .claude/ goes."""
    root, home = _world(tmp_path)
    before = _tree(root)
    for scope in ("project", "local"):
        _hooks("install", "claude-code", root, home, scope=scope)
    done = _hooks("uninstall", "claude-code", root, home, scope="project")
    assert "holds something now" in done.stdout, done.stdout
    done = _hooks("uninstall", "claude-code", root, home, scope="local")
    assert ": made by the install, empty: removed" in done.stdout, done.stdout
    assert _tree(root) == before
    # and the other order
    for scope in ("local", "project"):
        _hooks("install", "claude-code", root, home, scope=scope)
    for scope in ("local", "project"):
        _hooks("uninstall", "claude-code", root, home, scope=scope)
    assert _tree(root) == before


def test_a_settings_symlink_whose_folder_is_missing_is_refused(tmp_path: Path) -> None:
    """A dangling link into a dotfiles folder not made yet, one leading out of the home folder,
    a COPILOT_HOME that does not exist: refused, nothing written, no folder made (install made
    ~/dotfiles/claude/, or a folder outside HOME, and uninstall left it)."""
    root, home = _world(tmp_path)
    (home / ".claude").mkdir()
    link = home / ".claude/settings.json"
    link.symlink_to("../dotfiles/claude/settings.json")
    said = _refused("install", "claude-code", root, home)
    assert "~/.claude/settings.json is a symlink to" in said and "does not exist" in said, said
    assert _tree(home) == [".claude", ".claude/settings.json"]
    link.unlink()
    outside = tmp_path / "outside"
    link.symlink_to(outside / "deep/x.json")
    _refused("install", "claude-code", root, home)
    assert not outside.exists() and _tree(home) == [".claude", ".claude/settings.json"]
    said = _refused("install", "copilot", root, home, {"COPILOT_HOME": str(tmp_path / "cp/deep")})
    assert "COPILOT_HOME is" in said and "which is not a folder" in said, said
    assert not (tmp_path / "cp").exists()


def test_uninstalling_a_file_the_install_made_and_the_person_edited_writes_no_backup(
        tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    _hooks("install", "claude-code", root, home)
    path = home / ".claude/settings.json"
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({"model": "opus", **doc}, indent=2) + "\n")  # the person's edit
    _hooks("uninstall", "claude-code", root, home)
    assert json.loads(path.read_text()) == {"model": "opus"}
    # no backup holding our hooks; the record stays (the folder holds their file)
    assert _tree(home) == [".claude", ".claude/settings.json", f".claude/settings.json{RECORD}"]
    path.unlink()  # they delete it: a later uninstall tidies up
    _hooks("uninstall", "claude-code", root, home)
    assert _tree(home) == []


def test_a_changed_backup_is_named_as_such(tmp_path: Path) -> None:
    root, home, path = _claude_user(tmp_path)
    _hooks("install", "claude-code", root, home)
    backup = path.with_name(path.name + BACKUP)
    saved = home / "saved.json"
    saved.write_text("{}\n")
    backup.unlink()
    backup.symlink_to(saved)
    done = _hooks("uninstall", "claude-code", root, home)
    assert "is not a file we wrote" in done.stdout and "your edits" not in done.stdout, done.stdout
    # no backup of ours to compare with: our entries out, everything else left (empty lists too)
    assert backup.is_symlink() and "hook " not in path.read_text()
    assert {k: v for k, v in json.loads(path.read_text()).items() if k != "hooks"} == \
        json.loads(PERSONS)


def test_a_relative_home_still_lets_the_folders_go(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    for verb in ("install", "uninstall"):
        done = run_cli("hooks", verb, "--agent", "codex", "--scope", "user", cwd=home,
                       env={**_env(home), "HOME": "."})
        assert done.returncode == 0, done.stdout + done.stderr
    assert _tree(home) == []


_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
_NEEDS_ROOT = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0
                                 or shutil.which("setpriv") is None,
                                 reason="needs root to run the CLI as nobody (setpriv)")


def _as_nobody(verb: str, home: Path) -> subprocess.CompletedProcess[str]:
    from gitutil import cli_command, git_env

    env = {**git_env(), **_env(home)}
    return subprocess.run([*_NOBODY, *cli_command(), "hooks", verb, "--agent", "copilot",
                           "--scope", "user"], cwd=str(home), env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@contextmanager
def _nobody_home(*reach: str, env: dict[str, str] | None = None) -> Iterator[Path]:
    """A home folder owned by nobody, in a temporary folder nobody can reach (``tmp_path`` may
    be private), removed afterwards. The test is skipped when ``reach`` run as nobody fails: a
    venv or checkout in a private folder (CI's mktemp -d), which nobody cannot run."""
    reached = subprocess.run([*_NOBODY, *reach], env=env, capture_output=True, text=True,
                             cwd="/", timeout=120, check=False)
    if reached.returncode != 0:
        pytest.skip("the CLI is not runnable as nobody here: " + reached.stderr.strip()[:200])
    top = Path(tempfile.mkdtemp(prefix="ctxsteward-nobody-"))
    try:
        top.chmod(0o755)
        home = top / "home"
        home.mkdir()
        os.chown(home, 65534, 65534)
        yield home
    finally:
        shutil.rmtree(top, ignore_errors=True)


@_NEEDS_ROOT
def test_a_folder_the_system_will_not_remove_is_named_and_stays_recorded(
        tmp_path: Path) -> None:
    """~/.copilot made read-only after the install: the uninstall (as an ordinary user) cannot
    remove ~/.copilot/hooks; it says so, naming the folder and the reason (it said the folder
    "holds something now"), and keeps the record, so the uninstall run again after the
    permissions are fixed removes both folders."""
    from gitutil import cli_command

    with _nobody_home(*cli_command(), "--help") as home:
        done = _as_nobody("install", home)
        assert done.returncode == 0, done.stdout + done.stderr
        (home / ".copilot").chmod(0o555)
        done = _as_nobody("uninstall", home)
        assert done.returncode == 2, done.stdout + done.stderr  # not complete: never success
        assert ("could not remove ~/.copilot/hooks: permission denied; remove it by hand or fix "
                "the permissions and run uninstall again") in done.stdout, done.stdout
        assert "holds something" not in done.stdout
        assert _tree(home) == [".copilot", ".copilot/hooks",
                               f".copilot/hooks/ctxsteward.json{RECORD}"]
        (home / ".copilot").chmod(0o755)
        done = _as_nobody("uninstall", home)
        assert "~/.copilot: made by the install, empty: removed" in done.stdout, done.stdout
        assert _tree(home) == []


@_NEEDS_ROOT
def test_a_folder_above_that_the_system_kept_goes_once_the_permissions_are_fixed(
        tmp_path: Path) -> None:
    """The home folder made read-only after the install: ~/.copilot/hooks goes, ~/.copilot
    cannot; its record must outlive ~/.copilot/hooks, so the uninstall run again after the
    permissions are fixed removes it."""
    from gitutil import cli_command

    with _nobody_home(*cli_command(), "--help") as home:
        done = _as_nobody("install", home)
        assert done.returncode == 0, done.stdout + done.stderr
        home.chmod(0o555)
        done = _as_nobody("uninstall", home)
        assert done.returncode == 2, done.stdout + done.stderr  # not complete: never success
        assert "~/.copilot/hooks: made by the install, empty: removed" in done.stdout
        assert "could not remove ~/.copilot: permission denied" in done.stdout, done.stdout
        home.chmod(0o755)
        done = _as_nobody("uninstall", home)
        assert "~/.copilot: made by the install, empty: removed" in done.stdout, done.stdout
        assert _tree(home) == []


# -- a third hostile review: a file is removed only when the install made it --------------------

def _commit(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)
    subprocess.run(["git", "add", rel], cwd=root, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit",
                    "-qm", "theirs"], cwd=root, check=True, capture_output=True)


def test_the_persons_own_copilot_file_comes_back_as_it_was(tmp_path: Path) -> None:
    """Their .github/hooks/ctxsteward.json was there before the install: the uninstall gives it
    back byte for byte (it removed the file and its backup)."""
    root, home = _world(tmp_path)
    rel = ".github/hooks/ctxsteward.json"
    theirs = '{\n    "version": 2,\n    "hooks": {}\n}\n'
    _commit(root, rel, theirs)
    _hooks("install", "copilot", root, home, scope="project")
    assert "hook sessionStart" in (root / rel).read_text()
    done = _hooks("uninstall", "copilot", root, home, scope="project")
    assert (root / rel).read_text() == theirs, done.stdout
    assert "held nothing else" not in done.stdout
    assert sorted(p.name for p in (root / rel).parent.iterdir()) == ["ctxsteward.json"]


@pytest.mark.parametrize("agent,rel,theirs", [
    ("cursor", ".cursor/hooks.json",
     '{\n  // team hooks: ask Ann before editing\n  "version": 1,\n  "hooks": {}\n}\n'),
    ("claude-code", ".claude/settings.json", '{"hooks": {}}\n')])
def test_a_persons_file_of_empty_containers_stays_when_its_backup_is_gone(
        tmp_path: Path, agent: str, rel: str, theirs: str) -> None:
    root, home = _world(tmp_path)
    _commit(root, rel, theirs)
    _hooks("install", agent, root, home, scope="project")
    (root / (rel + BACKUP)).unlink()
    done = _hooks("uninstall", agent, root, home, scope="project")
    assert (root / rel).is_file(), done.stdout
    text = (root / rel).read_text()
    assert "hook " not in text and '"hooks"' in text
    if agent == "cursor":
        assert "// team hooks: ask Ann before editing" in text and '"version": 1' in text
    assert "no readable backup" in done.stdout, done.stdout


def test_a_binary_backup_is_never_taken_as_the_persons_text(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    rel = ".claude/settings.json"
    _commit(root, rel, '{"hooks": {}, "model": "opus"}\n')
    _hooks("install", "claude-code", root, home, scope="project")
    junk = b"\x00\xff\xfe binary junk \x80"
    (root / (rel + BACKUP)).write_bytes(junk)
    _hooks("uninstall", "claude-code", root, home, scope="project")
    left = json.loads((root / rel).read_text())
    assert left["model"] == "opus" and "hooks" in left
    assert (root / (rel + BACKUP)).read_bytes() == junk


@pytest.mark.parametrize("edit", [
    lambda t: t.replace('"version": 1', '"version": 2'),
    lambda t: t.replace("{\n", "{\n  // mine: keep\n", 1)])
def test_a_file_the_install_made_keeps_the_persons_edits(tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    root, home = _world(tmp_path)
    (home / ".cursor").mkdir()
    path = home / ".cursor/hooks.json"
    _hooks("install", "cursor", root, home)
    path.write_text(edit(path.read_text()))
    done = _hooks("uninstall", "cursor", root, home)
    assert path.is_file(), done.stdout
    text = path.read_text()
    assert "hook " not in text
    assert '"version": 2' in text or "// mine: keep" in text
    assert "your edits" in done.stdout and "kept" in done.stdout
    _hooks("uninstall", "cursor", root, home)  # again: nothing of ours, the file stays
    assert path.read_text() == text


def test_a_backup_numbered_past_six_digits_is_never_overwritten(tmp_path: Path) -> None:
    root, home, path = _claude_user(tmp_path)
    path.with_name(path.name + BACKUP).write_text('{"first": 1}\n')
    path.with_name(path.name + BACKUP + ".999999").write_text('{"old": 1}\n')
    done = _hooks("install", "claude-code", root, home)
    big = path.with_name(path.name + BACKUP + ".1000000")
    assert big.read_text() == PERSONS, done.stdout
    path.write_text(path.read_text().replace('"opus"', '"sonnet"'))
    _hooks("uninstall", "claude-code", root, home)
    _hooks("install", "claude-code", root, home)
    assert big.read_text() == PERSONS
    assert path.with_name(path.name + BACKUP + ".1000001").is_file()


@pytest.mark.parametrize("home_value", ["", "/"])
def test_an_empty_or_root_home_is_refused_for_the_user_scope(tmp_path: Path,
                                                             home_value: str) -> None:
    root, home = _world(tmp_path)
    # --dry-run: the code before the fix writes nothing at / while it shows the refusal missing
    done = run_cli("hooks", "install", "--agent", "codex", "--scope", "user", "--dry-run",
                   cwd=root, env={**_env(home), "HOME": home_value})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "HOME is empty or unset" in done.stderr and "Traceback" not in done.stderr


def test_folders_made_under_a_copilot_home_outside_home_go_with_the_uninstall(
        tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    chosen = tmp_path / "copilot-home"
    chosen.mkdir()
    env = {**_env(home), "COPILOT_HOME": str(chosen)}
    for verb in ("install", "uninstall"):
        done = run_cli("hooks", verb, "--agent", "copilot", "--scope", "user", cwd=root, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        if verb == "install":
            assert (chosen / "hooks/ctxsteward.json").is_file()
    assert chosen.is_dir() and _tree(chosen) == [], _tree(chosen)
    done = run_cli("hooks", "install", "--agent", "copilot", "--scope", "user", cwd=tmp_path,
                   env={**env, "COPILOT_HOME": "copilot-home"})
    assert done.returncode == 2 and "relative path" in done.stderr, done.stdout + done.stderr
    assert _tree(chosen) == []


def test_a_second_install_after_the_file_went_is_removed_by_its_uninstall(
        tmp_path: Path) -> None:
    root, home, path = _claude_user(tmp_path, '{"p": 1}\n')
    backup = path.with_name(path.name + BACKUP)
    _hooks("install", "claude-code", root, home)
    path.unlink()
    done = _hooks("uninstall", "claude-code", root, home)
    assert f"~/.claude/settings.json{BACKUP}" in done.stdout, done.stdout
    _hooks("install", "claude-code", root, home)  # makes the file afresh
    done = _hooks("uninstall", "claude-code", root, home)
    assert not path.exists(), (path.read_text(), done.stdout)
    assert "your edits" not in done.stdout
    assert f"~/.claude/settings.json{BACKUP}" in done.stdout, done.stdout
    assert backup.read_text() == '{"p": 1}\n'
    assert _tree(home) == [".claude", f".claude/settings.json{BACKUP}"]


@_NEEDS_ROOT
def test_a_mkdir_failing_halfway_leaves_no_folder_unaccounted_for(tmp_path: Path) -> None:
    """umask 0222 as nobody: ~/.copilot is made read-only, so ~/.copilot/hooks cannot be: the
    install fails and ~/.copilot (made by it, recorded nowhere) must not stay."""
    from gitutil import git_env

    with _nobody_home(sys.executable, "-c", "import server.cli", env=git_env()) as home:
        done = subprocess.run(
            [*_NOBODY, sys.executable, "-c", "import os, runpy; os.umask(0o222); "
             "runpy.run_module('server.cli', run_name='__main__')",
             "hooks", "install", "--agent", "copilot", "--scope", "user"], cwd=str(home),
            env={**git_env(), **_env(home)},
            capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stdout + done.stderr
        assert _tree(home) == [], _tree(home)


# -- a second hostile review (each failed before its fix) -----------------------------------

def test_a_file_the_person_wrote_after_the_install_made_one_is_never_removed(
        tmp_path: Path) -> None:
    """Project scope: the install makes .claude/settings.json (recorded as made); the person
    deletes it and writes their own; a second install backs theirs up; the uninstall gives it
    back and never removes it (nor calls this install's backup an earlier one)."""
    root, home = _world(tmp_path)
    path = root / ".claude/settings.json"
    _hooks("install", "claude-code", root, home, scope="project")
    path.unlink()
    path.write_text("{}\n")
    _hooks("install", "claude-code", root, home, scope="project")
    done = _hooks("uninstall", "claude-code", root, home, scope="project")
    assert path.read_text() == "{}\n", done.stdout
    assert "earlier installs' backups" not in done.stdout, done.stdout
    assert not path.with_name(path.name + BACKUP).exists(), done.stdout  # the same text again
    # (the folder record stays: .claude was the first install's, and holds their file now)
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json", "settings.json"
                                                               + RECORD]


@pytest.mark.parametrize("home_value", ["//", "///"])
def test_a_home_that_resolves_to_the_root_is_refused(tmp_path: Path, home_value: str) -> None:
    root, home = _world(tmp_path)
    done = run_cli("hooks", "install", "--agent", "codex", "--scope", "user", "--dry-run",
                   cwd=root, env={**_env(home), "HOME": home_value})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "HOME is empty or unset" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("home_value", [" ", "fakehome", "nohome/sub"])
def test_a_home_that_is_not_an_existing_folder_is_refused(tmp_path: Path,
                                                          home_value: str) -> None:
    """Blank, relative or absolute, missing: the install would make the home folder itself
    (unrecorded, left after the uninstall)."""
    root, home = _world(tmp_path)
    given = home_value if home_value != "nohome/sub" else str(tmp_path / home_value)
    for agent in ("claude-code", "codex"):
        done = run_cli("hooks", "install", "--agent", agent, "--scope", "user", cwd=root,
                       env={**_env(home), "HOME": given})
        assert done.returncode == 2, done.stdout + done.stderr
        assert "is not an existing folder" in done.stderr and "nothing was written" in \
            done.stderr and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert sorted(p.name for p in root.iterdir()) == sorted([".git", "README.md"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "repo"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to own a file as another user")
def test_root_installing_into_another_users_file_keeps_its_owner(tmp_path: Path) -> None:
    """The atomic write replaces the file: as root, the new file (and the backup) belong to
    the file's owner still, with its mode, through install and uninstall."""
    root, home, path = _claude_user(tmp_path)
    os.chown(path, 65534, 65534)
    path.chmod(0o640)
    _hooks("install", "claude-code", root, home)
    backup = path.with_name(path.name + BACKUP)
    for p in (path, backup):
        st = p.stat()
        assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (65534, 65534, 0o640), p
    path.write_text(path.read_text().replace('"opus"', '"sonnet"'))  # the backup stays
    _hooks("uninstall", "claude-code", root, home)
    st = path.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (65534, 65534, 0o640)


# -- a seventh hostile review: what a run killed while writing left --------------------------

def test_temporary_files_of_a_killed_run_are_removed_by_the_next_run(tmp_path: Path) -> None:
    """A run killed while writing leaves ``.NAME.ctxsteward-XXXXXXXX.tmp`` files (the settings
    file's, its backup's, its record's) beside the file: the next install or uninstall (holding
    the lock, so no run of ours is writing one) removes them and says so; a file of that name
    that is a symlink, or one of another name, stays. A temporary file left in ``.github/hooks/`` no
    longer keeps the folders the install made."""
    root, home = _world(tmp_path)
    claude = root / ".claude"
    claude.mkdir()
    (claude / "settings.json").write_text('{\n  "env": {"A": 1}\n}\n')
    left = [claude / ".settings.json.ctxsteward-k2j3h4g5.tmp",
            claude / ".settings.json.ctxsteward-backup.ctxsteward-ab_12cd3.tmp",
            claude / ".settings.json.ctxsteward-folders.ctxsteward-zz99yy88.tmp"]
    for temp in left:
        temp.write_text('{\n  "env": {"A"')  # cut short
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("keep\n")
    link = claude / ".settings.json.ctxsteward-linklink.tmp"
    link.symlink_to(outside)
    other = claude / ".settings.json.notes.tmp"  # not a name write_atomic makes
    other.write_text("mine\n")
    mine = claude / ".settings.json.mynotes1.tmp"  # a person's, named like mkstemp's (helper-118)
    mine.write_text("mine too\n")
    done = _hooks("install", "claude-code", root, home, scope="project")
    assert "removed what an interrupted run left" in done.stdout, done.stdout
    assert ".claude/.settings.json.ctxsteward-k2j3h4g5.tmp" in done.stdout, done.stdout
    assert not any(os.path.lexists(p) for p in left)
    assert link.is_symlink() and outside.read_text() == "keep\n" and other.is_file()
    assert mine.read_text() == "mine too\n"
    _hooks("install", "copilot", root, home, scope="project")
    stray = root / ".github/hooks/.ctxsteward.json.ctxsteward-abcdefgh.tmp"
    stray.write_text("{")
    done = _hooks("uninstall", "copilot", root, home, scope="project")
    assert not os.path.lexists(root / ".github"), done.stdout
