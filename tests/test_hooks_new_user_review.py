"""Defects a new user's review of the agent hooks found (round 28), each checked as that user met
it: a real folder or git repository, the real CLI as a subprocess, the agent's JSON on stdin."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gitutil import cli_command, git_env, make_repo, run_cli


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}


def _hook(root: Path, event: str, data: dict, *args: str, command: list[str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    """Run the hook as Claude Code does: in the project, ``CLAUDE_PROJECT_DIR`` set, its JSON on
    stdin (``command``: the installed command's words, else ours)."""
    env = {**git_env(), "CLAUDE_PROJECT_DIR": str(root)}
    words = command or [*cli_command(), "hook", event, "--agent", "claude-code", *args]
    return subprocess.run(words, cwd=root, env=env, input=json.dumps(data), capture_output=True,
                          text=True, timeout=180, check=False)


def test_install_refuses_a_folder_outside_any_repository_even_named_with_root(
        tmp_path: Path) -> None:
    """``hooks install --agent claude --root .`` in a plain folder wrote hooks that, outside any
    git repository, do nothing at all (no log, no run recorded: ``status`` said "never ran"
    forever). It refuses now, saying why and what to do, and ``status`` says the hooks do nothing
    there."""
    plain = tmp_path / "nogit"
    plain.mkdir()
    (plain / "a.py").write_text("print(1)\n", "utf-8")
    env = _env(tmp_path)
    done = run_cli("hooks", "install", "--agent", "claude", "--root", ".", cwd=plain, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "not in a git repository" in done.stderr and "git init" in done.stderr, done.stderr
    assert done.stdout == ""  # (no diff of a change refused)
    assert sorted(p.name for p in plain.iterdir()) == ["a.py"]
    status = run_cli("hooks", "status", "--agent", "claude", "--root", ".", cwd=plain, env=env)
    assert status.returncode == 0, status.stderr
    assert "not in a git repository: hooks run here do nothing" in status.stdout, status.stdout
    report = json.loads(run_cli("hooks", "status", "--agent", "claude", "--root", ".", "--json",
                                cwd=plain, env=env).stdout)
    assert "not in a git repository" in report["workspace_problem"]
    # in a repository: installed, and status says nothing of the kind
    make_repo(plain, {"a.py": "print(1)\n"})
    done = run_cli("hooks", "install", "--agent", "claude", "--root", ".", cwd=plain, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(run_cli("hooks", "status", "--agent", "claude", "--root", ".", "--json",
                                cwd=plain, env=env).stdout)
    assert report["workspace_problem"] is None
