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
import subprocess
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


def test_an_empty_folder_the_person_made_stays(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    (home / ".cursor").mkdir()  # made by the person (or by Cursor), empty
    for agent in ("cursor", "codex"):
        _hooks("install", agent, root, home)
    assert not (home / ".cursor" / f"hooks.json{RECORD}").exists()  # nothing made: no record
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
    assert _tree(home) == [".codex", ".codex/config.toml", f".codex/hooks.json{RECORD}",
                           ".copilot", ".copilot/config.json"]
    (home / ".codex/config.toml").unlink()
    done = _hooks("uninstall", "codex", root, home)
    assert "~/.codex: made by the install, empty: removed" in done.stdout, done.stdout
    assert _tree(home) == [".copilot", ".copilot/config.json"]
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
    assert json.loads(record.read_text()) == {"made": [str(home / ".codex")]}
    record.write_text(json.dumps({"made": [str(outside), str(home), str(home / "empty"),
                                           str(home / ".codex/../empty"), str(tmp_path),
                                           str(home / ".codex"), 7, None]}))
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
