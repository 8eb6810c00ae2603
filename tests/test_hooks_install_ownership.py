"""Which hook entries ``hooks uninstall`` takes as ours, and what ``hooks status`` says of them: the
install record (``NAME.ctxsteward-folders``) names the lines the install wrote and the containers
it added, so a line the person wrote before the install stays, a line of ours they edited goes,
the empty lists the install added go with ours (even with no backup to compare), an unreadable
record is refused with a message naming it, and project-scope messages name paths as the
workspace does. A third hostile review; each test failed before its fix.

The real CLI in a subprocess with a temporary home folder (``HOME``) and a real repository.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

BACKUP = ".ctxsteward-backup"
RECORD = ".ctxsteward-folders"


def _world(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    return make_repo(tmp_path / "repo", {"README.md": "# r\n"}), home


def _run(verb: str, agent: str, root: Path, home: Path, scope: str = "user",
         ok: bool = True) -> subprocess.CompletedProcess[str]:
    args = ["hooks", verb, "--agent", agent, "--scope", scope]
    done = run_cli(*args, cwd=root, env={"HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""})
    assert "Traceback" not in done.stderr, done.stderr
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done


def _status(agent: str, root: Path, home: Path, scope: str = "user") -> str:
    return _run("status", agent, root, home, scope).stdout


def _status_json(agent: str, root: Path, home: Path, scope: str = "user") -> dict[str, dict]:
    done = run_cli("hooks", "status", "--agent", agent, "--scope", scope, "--json", cwd=root,
                   env={"HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""})
    assert done.returncode == 0, done.stderr
    (state,) = json.loads(done.stdout)["agents"][0]["scopes"]
    return {h["event"]: h for h in state["hooks"]}


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# -- 5: a line the person wrote before the install is never ours --------------------------------

CLAUDE_OWN = ('{\n  "hooks": {\n    "SessionStart": [\n      {\n        "hooks": [\n'
              '          {\n            "type": "command",\n            "command": '
              '"CTX_DEBUG=1 nice -n 10 ctxsteward hook SessionStart --agent claude-code",\n'
              '            "timeout": 30\n          }\n        ]\n      }\n    ]\n  }\n}\n')
CURSOR_OWN = ('{"version": 1, "hooks": {"sessionStart": [{"command": '
              '"ctxsteward hook sessionStart --agent cursor"}]}}\n')


@pytest.mark.parametrize("agent,rel,text,event", [
    ("claude-code", ".claude/settings.json", CLAUDE_OWN, "SessionStart"),
    ("cursor", ".cursor/hooks.json", CURSOR_OWN, "sessionStart")])
@pytest.mark.parametrize("backup_gone", [False, True])
def test_the_persons_own_ctxsteward_line_stays_in_the_file(
        tmp_path: Path, agent: str, rel: str, text: str, event: str, backup_gone: bool) -> None:
    """Their own line running ``ctxsteward hook`` was in the file before the install: the install
    leaves it as it is (and adds no second one for that event), status calls it theirs, and the
    uninstall leaves it in the live file, byte for byte (it used to survive only in the backup,
    and not at all once the backup was gone)."""
    root, home = _world(tmp_path)
    path = home / rel
    _write(path, text)
    own = json.loads(text)["hooks"][event]
    done = _run("install", agent, root, home)
    assert "your own entry" in done.stdout and "ours not added" in done.stdout, done.stdout
    assert json.loads(path.read_text())["hooks"][event] == own
    hooks = _status_json(agent, root, home)
    assert not hooks[event]["installed"] and "ctxsteward hook" in hooks[event]["yours"]
    assert sum(h["installed"] for h in hooks.values()) == 3
    assert "your own line runs our hook" in _status(agent, root, home)
    if backup_gone:
        path.with_name(path.name + BACKUP).unlink()
    done = _run("uninstall", agent, root, home)
    assert path.read_text() == text, done.stdout  # their line, and nothing of ours
    assert not path.with_name(path.name + BACKUP).exists()  # (it held this same text)
    assert not path.with_name(path.name + RECORD).exists()
    hooks = _status_json(agent, root, home)
    assert not any(h["installed"] for h in hooks.values()) and hooks[event]["yours"]


def test_a_line_the_person_added_after_the_install_beside_ours_stays(tmp_path: Path) -> None:
    """The install wrote ours for sessionStart; the person then wrote their own bare line there
    too: the uninstall takes out exactly the line the install wrote."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _run("install", "cursor", root, home, scope="project")
    doc = json.loads(path.read_text())
    doc["hooks"]["sessionStart"].append({"command": "ctxsteward hook sessionStart --agent cursor"})
    path.write_text(json.dumps(doc, indent=2) + "\n")
    _run("uninstall", "cursor", root, home, scope="project")
    left = json.loads(path.read_text())
    assert left["hooks"] == {"sessionStart": [
        {"command": "ctxsteward hook sessionStart --agent cursor"}]}, left


# -- 3: a line of ours the person edited is still ours ---------------------------------------

@pytest.mark.parametrize("edit", [" --quiet", " --quiet --agent-note x"])
def test_a_line_of_ours_the_person_edited_is_still_ours(tmp_path: Path, edit: str) -> None:
    """They added a flag to our SessionStart line: status still counts it, a second install keeps
    their edit (and adds no second line), the uninstall takes it out."""
    root, home = _world(tmp_path)
    path = home / ".claude/settings.json"
    _write(path, '{"model": "opus"}\n')
    _run("install", "claude-code", root, home)
    text = path.read_text()
    line = json.loads(text)["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    path.write_text(text.replace(line, line + edit))
    hooks = _status_json("claude-code", root, home)
    assert hooks["SessionStart"]["installed"] and hooks["SessionStart"]["command"] == line + edit
    assert "4 of 4 hooks installed" in _status("claude-code", root, home)
    done = _run("install", "claude-code", root, home)
    assert "SessionStart already installed (as you edited it)" in done.stdout, done.stdout
    assert len(json.loads(path.read_text())["hooks"]["SessionStart"]) == 1
    done = _run("uninstall", "claude-code", root, home)
    assert json.loads(path.read_text()) == {"model": "opus"}, done.stdout
    assert "0 of 4 hooks installed" in _status("claude-code", root, home)


# -- 1: the containers the install added go, with no backup too -------------------------------

def test_the_lists_the_install_added_go_without_a_backup(tmp_path: Path) -> None:
    """The person's file had a "hooks" object with their own empty PreToolUse list and a
    comment; the install added our event lists; the backup is gone: the uninstall removes the
    lists it added (they are empty), and keeps the person's empty list, object and comment."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    theirs = '{\n  // ask Ann\n  "version": 1,\n  "hooks": {\n    "preToolUse": []\n  }\n}\n'
    _write(path, theirs)
    _run("install", "cursor", root, home, scope="project")
    path.with_name(path.name + BACKUP).unlink()
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert path.read_text() == theirs, done.stdout
    assert "no readable backup" in done.stdout
    assert "0 of 4 hooks installed" in _status("cursor", root, home, "project")


def test_a_hooks_object_the_install_added_goes_without_a_backup(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    path = home / ".claude/settings.json"
    theirs = '{\n  "model": "opus",\n  "env": {}\n}\n'
    _write(path, theirs)
    _run("install", "claude-code", root, home)
    path.with_name(path.name + BACKUP).unlink()
    done = _run("uninstall", "claude-code", root, home)
    assert path.read_text() == theirs, done.stdout


# -- 2: an unreadable record is refused, naming it --------------------------------------------

@pytest.mark.parametrize("junk", ['{"made": [], "created": ', "x" * (70 << 10),
                                  '{"made": [], "entries": ["not", "a", "map"]}'])
def test_an_unreadable_record_is_refused_with_a_message(tmp_path: Path, junk: str) -> None:
    """The record beside a file the install made is cut short, oversized or not in our shape:
    uninstall and install refuse (exit 2) naming it and what to do, and write nothing: the file,
    its folder and the record stay byte for byte. Moved aside, the uninstall removes our lines
    and keeps the file."""
    root, home = _world(tmp_path)
    _run("install", "codex", root, home)
    path = home / ".codex/hooks.json"
    record = path.with_name(path.name + RECORD)
    record.write_text(junk)
    text = path.read_text()
    for verb in ("uninstall", "install"):
        done = _run(verb, "codex", root, home, ok=False)
        assert done.returncode == 2
        assert f"~/.codex/hooks.json{RECORD}" in done.stderr and "cannot be read" in done.stderr
        assert "move it aside" in done.stderr, done.stderr
        assert path.read_text() == text and record.read_text() == junk
    assert "cannot be read" in _status("codex", root, home)
    record.rename(tmp_path / "aside")
    _run("uninstall", "codex", root, home)
    assert path.is_file() and "hook " not in path.read_text()


# -- 4: project-scope messages name paths relative to the workspace --------------------------

def test_project_scope_messages_name_paths_in_the_workspace(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    _run("install", "copilot", root, home, scope="project")
    path = root / ".claude/settings.json"
    _write(path, '{"model": "x"}\n')
    _run("install", "claude-code", root, home, scope="project")
    path.write_text(path.read_text().replace('"x"', '"y"'))
    done = _run("uninstall", "claude-code", root, home, scope="project")
    assert f"backup is kept: .claude/settings.json{BACKUP} " in done.stdout, done.stdout
    done = _run("uninstall", "copilot", root, home, scope="project")
    assert ".github/hooks: made by the install, empty: removed" in done.stdout.splitlines()
    assert str(root) not in done.stdout + done.stderr, done.stdout
    _run("install", "claude-code", root, home, scope="project")
    done = _run("uninstall", "claude-code", root, home, scope="project")
    assert f"earlier installs' backups are kept: .claude/settings.json{BACKUP}" in done.stdout
    assert str(root) not in done.stdout, done.stdout


def test_a_file_replaced_by_hand_keeps_the_persons_line(tmp_path: Path) -> None:
    """The install made ~/.cursor/hooks.json; the person deleted it and wrote their own, with a
    bare line running our hook at an event the record names: none of the recorded lines is in
    the file, so nothing in it is ours: the uninstall leaves it byte for byte."""
    root, home = _world(tmp_path)
    _run("install", "cursor", root, home)
    path = home / ".cursor/hooks.json"
    path.unlink()
    path.write_text(CURSOR_OWN)
    assert _status_json("cursor", root, home)["sessionStart"]["yours"]
    done = _run("uninstall", "cursor", root, home)
    assert path.read_text() == CURSOR_OWN, done.stdout
