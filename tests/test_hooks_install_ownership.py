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
