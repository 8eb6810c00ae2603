"""What ``hooks status`` says of lines running our hook, read as ``hooks uninstall`` reads them
(a seventh hostile review; each test failed before its fix): the program of a line of ours the
person edited with a variable before it, the person's own line beside ours.

The real CLI in a subprocess with a temporary home folder (``HOME``) and a real repository.
"""

from __future__ import annotations

import json
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
