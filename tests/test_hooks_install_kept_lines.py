"""Lines running our hook that ``hooks uninstall`` keeps, and what ``hooks status`` says of them
(a seventh hostile review; each test failed before its fix): the program of a line of ours the
person edited with a variable before it, read as the uninstall reads it; the person's own line
beside ours; a line of ours moved or copied to another event (named, never doubled); an entry of
ours kept for a comment inside, whose record keeps the file and folders the install made theirs
to remove once the comment is gone.

The real CLI in a subprocess with a temporary home folder (``HOME``) and a real repository.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from gitutil import make_repo, run_cli

ENV_KEYS = {"COPILOT_HOME": "", "CODEX_HOME": ""}


def _world(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    home.mkdir()
    return make_repo(tmp_path / "repo", {"README.md": "# r\n"}), home


def _run(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = run_cli("hooks", *args, cwd=root, env={"HOME": str(home), **ENV_KEYS})
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _status_json(root: Path, home: Path, agent: str, scope: str) -> dict[str, dict]:
    done = _run(root, home, "status", "--agent", agent, "--scope", scope, "--json")
    (state,) = json.loads(done.stdout)["agents"][0]["scopes"]
    return {h["event"]: h for h in state["hooks"]}


def test_a_variable_before_our_line_is_not_taken_as_its_program(tmp_path: Path) -> None:
    """``FOO=1 <ours>`` is a simple edit of ours (the uninstall removes it): status names the
    program it runs, ctxsteward, not ``FOO=1``, and finds it."""
    root, home = _world(tmp_path)
    _run(root, home, "install", "--agent", "claude-code", "--scope", "user")
    path = home / ".claude/settings.json"
    text = path.read_text()
    line = json.loads(text)["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    program = line.split()[0]
    path.write_text(text.replace(json.dumps(line), json.dumps("FOO=1 nice " + line)))
    hooks = _status_json(root, home, "claude-code", "user")
    assert hooks["SessionStart"]["installed"] and not hooks["SessionStart"]["changed"]
    assert hooks["SessionStart"]["program"] == program
    assert hooks["SessionStart"]["program_exists"] is True
    text_report = _run(root, home, "status", "--agent", "claude-code", "--scope", "user").stdout
    assert "MISSING PROGRAM" not in text_report and "FOO=1" not in text_report, text_report
    assert f"runs {program}" in text_report
    _run(root, home, "uninstall", "--agent", "claude-code", "--scope", "user")
    assert not path.exists()  # it was ours: the uninstall took it out with the rest


def test_the_persons_own_line_beside_ours_is_named_in_the_text(tmp_path: Path) -> None:
    """The person added their own ``ctxsteward hook sessionStart`` beside ours: the JSON said
    ``yours``, the text said nothing (the hook runs twice)."""
    root, home = _world(tmp_path)
    _run(root, home, "install", "--agent", "cursor", "--scope", "project")
    path = root / ".cursor/hooks.json"
    doc = json.loads(path.read_text())
    mine = "ctxsteward hook sessionStart --agent cursor --mine"
    doc["hooks"]["sessionStart"].append({"command": mine})
    path.write_text(json.dumps(doc, indent=2) + "\n")
    hooks = _status_json(root, home, "cursor", "project")
    assert hooks["sessionStart"]["installed"] and hooks["sessionStart"]["yours"] == mine
    text = _run(root, home, "status", "--agent", "cursor", "--scope", "project").stdout
    line = next((ln for ln in text.splitlines() if mine in ln), None)
    assert line is not None and "sessionStart" in line and "your own line" in line, text


# -- a line of ours moved or copied to another event ------------------------------------------

def _claude(tmp_path: Path) -> tuple[Path, Path, Path, dict]:
    root, home = _world(tmp_path)
    path = home / ".claude/settings.json"
    path.parent.mkdir()
    path.write_text('{"model": "opus"}\n')  # the person's file: it stays
    _run(root, home, "install", "--agent", "claude-code", "--scope", "user")
    return root, home, path, json.loads(path.read_text())


def _lines(doc: dict) -> list[str]:
    return [h["command"] for groups in doc.get("hooks", {}).values() for g in groups
            for h in g["hooks"]]


def test_our_line_moved_to_another_event_is_named_and_not_added_twice(tmp_path: Path) -> None:
    """Our SessionEnd line moved into the PreCompact group: status names it, a second install
    adds no second SessionEnd line (it runs, under PreCompact), the uninstall keeps it and says
    so; moved back, the next uninstall removes it."""
    root, home, path, doc = _claude(tmp_path)
    group = json.loads(json.dumps(doc["hooks"]["SessionEnd"][0]))
    line = group["hooks"][0]["command"]
    doc["hooks"]["PreCompact"][0]["hooks"].append(doc["hooks"].pop("SessionEnd")[0]["hooks"][0])
    path.write_text(json.dumps(doc, indent=2) + "\n")
    hooks = _status_json(root, home, "claude-code", "user")
    assert hooks["SessionEnd"]["moved_to"] == ["PreCompact"] and hooks["PreCompact"]["installed"]
    text = _run(root, home, "status", "--agent", "claude-code", "--scope", "user").stdout
    assert "our line for it is under PreCompact" in text, text
    done = _run(root, home, "install", "--agent", "claude-code", "--scope", "user")
    assert "SessionEnd: our line for SessionEnd is under PreCompact" in done.stdout, done.stdout
    assert _lines(json.loads(path.read_text())).count(line) == 1
    done = _run(root, home, "uninstall", "--agent", "claude-code", "--scope", "user")
    assert "kept our line for SessionEnd is under PreCompact" in done.stdout, done.stdout
    left = json.loads(path.read_text())
    assert _lines(left) == [line] and left["model"] == "opus"
    left["hooks"].pop("PreCompact")
    left["hooks"]["SessionEnd"] = [group]  # moved back, as the install wrote it
    path.write_text(json.dumps(left, indent=2) + "\n")
    _run(root, home, "uninstall", "--agent", "claude-code", "--scope", "user")
    assert _lines(json.loads(path.read_text())) == []


def test_our_line_copied_to_another_event_is_named_by_the_uninstall(tmp_path: Path) -> None:
    """Our SessionStart line copied into the UserPromptSubmit group: ours at SessionStart goes,
    the copy stays and is named (it was kept silently)."""
    root, home, path, doc = _claude(tmp_path)
    line = doc["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    doc["hooks"]["UserPromptSubmit"][0]["hooks"].append(
        dict(doc["hooks"]["SessionStart"][0]["hooks"][0]))
    path.write_text(json.dumps(doc, indent=2) + "\n")
    hooks = _status_json(root, home, "claude-code", "user")
    assert hooks["SessionStart"]["installed"]
    assert hooks["SessionStart"]["moved_to"] == ["UserPromptSubmit"]
    done = _run(root, home, "install", "--agent", "claude-code", "--scope", "user")
    assert _lines(json.loads(path.read_text())).count(line) == 2  # nothing added
    done = _run(root, home, "uninstall", "--agent", "claude-code", "--scope", "user")
    assert "kept our line for SessionStart is under UserPromptSubmit" in done.stdout, done.stdout
    assert _lines(json.loads(path.read_text())) == [line]


# -- an entry of ours kept for a comment inside -----------------------------------------------

def test_a_file_the_install_made_goes_once_the_comment_in_our_entry_is_gone(
        tmp_path: Path) -> None:
    """Cursor: a comment inside our sessionStart entry keeps it at the uninstall; the record
    kept naming it and that the install made the file, so once the comment is gone the next
    uninstall removes the entry, hooks.json and .cursor/ (they stayed: the record was dropped)."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _run(root, home, "install", "--agent", "cursor", "--scope", "project")
    text = path.read_text()
    at = text.index('"command"', text.index('"sessionStart"'))
    comment = "// why: ask Ann\n        "
    path.write_text(text[:at] + comment + text[at:])
    done = _run(root, home, "uninstall", "--agent", "cursor", "--scope", "project")
    assert "kept sessionStart (a comment is inside our entry" in done.stdout, done.stdout
    assert "hook sessionStart" in path.read_text() and "hook preCompact" not in path.read_text()
    path.write_text(path.read_text().replace(comment, ""))
    done = _run(root, home, "uninstall", "--agent", "cursor", "--scope", "project")
    assert not os.path.lexists(root / ".cursor"), done.stdout
    assert (root / "README.md").is_file()
