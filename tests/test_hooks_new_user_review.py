"""Defects a new user's review of the agent hooks found (round 28), each checked as that user met
it: a real folder or git repository, the real CLI as a subprocess, the agent's JSON on stdin."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
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


def _installed(root: Path, event: str) -> str:
    """The command the install wrote for Claude Code's ``event`` (local scope)."""
    settings = json.loads((root / ".claude/settings.local.json").read_text("utf-8"))
    return settings["hooks"][event][0]["hooks"][0]["command"]


@pytest.mark.parametrize("option,why", [
    ("--budget 50", "--budget must be 100-20000"),
    ("--limit 0", "--limit >= 1"),
    ("--skip '[unclosed'", "--skip is not a regular expression"),
])
def test_a_refused_run_is_recorded_as_failed_and_status_names_the_option(
        tmp_path: Path, option: str, why: str) -> None:
    """After a run that went well, the installed command edited to an option the hook refuses
    made every run do nothing (said only in hook.log) while ``hooks status`` kept showing the old
    ok run. The refused run is recorded as failed, with why, and status shows it; status also
    checks the installed line's options itself."""
    root = make_repo(tmp_path / "repo", {"a.py": "print(1)\n"})
    env = _env(tmp_path)
    assert run_cli("hooks", "install", "--agent", "claude", cwd=root, env=env).returncode == 0
    start = {"session_id": "z", "cwd": str(root), "hook_event_name": "SessionStart",
             "source": "startup", "transcript_path": ""}

    def run_installed() -> dict:
        done = _hook(root, "SessionStart", start,
                     command=["bash", "-c", _installed(root, "SessionStart")])
        assert done.returncode == 0 and done.stderr == "", done.stderr
        runs = json.loads((root / ".ctxsteward/hooks/runs.json").read_text("utf-8"))
        return runs["claude-code SessionStart"]

    assert run_installed()["ok"] is True
    path = root / ".claude/settings.local.json"
    text = path.read_text("utf-8")
    path.write_text(text.replace('--agent claude-code"', f'--agent claude-code {option}"'),
                    "utf-8")
    assert option in _installed(root, "SessionStart")
    record = run_installed()
    assert record["ok"] is False and why in record["reason"], record
    status = run_cli("hooks", "status", "--agent", "claude", cwd=root, env=env)
    line = next(ln for ln in status.stdout.splitlines() if "SessionStart" in ln)
    assert "(failed," in line and "OPTIONS REFUSED" in line and why in line, status.stdout
    report = json.loads(run_cli("hooks", "status", "--agent", "claude", "--scope", "local",
                                "--json", cwd=root, env=env).stdout)
    hooks = {h["event"]: h for h in report["agents"][0]["scopes"][0]["hooks"]}
    assert why in hooks["UserPromptSubmit"]["options_problem"]  # (not run yet: checked anyway)
    assert hooks["SessionStart"]["last_run"]["ok"] is False


def test_a_read_only_settings_file_is_refused_before_any_diff(tmp_path: Path) -> None:
    """``hooks install`` on a settings file at mode 444 printed the whole ---/+++ diff on stdout,
    then refused on stderr (exit 2): a change it would not make, shown as if made. It refuses
    first now, install and uninstall alike; ``--dry-run`` still shows the diff (it writes
    nothing)."""
    root = make_repo(tmp_path / "repo", {"README.md": "# r\n"})
    env = _env(tmp_path)
    path = root / ".claude/settings.json"
    path.parent.mkdir()
    path.write_text('{"env": {"A": "1"}}\n', "utf-8")
    path.chmod(0o444)
    args = ("--agent", "claude", "--scope", "project")
    done = run_cli("hooks", "install", *args, cwd=root, env=env)
    assert done.returncode == 2, done.stderr
    assert "read-only (permissions r--r--r--, mode 0444)" in done.stderr, done.stderr
    assert done.stdout == "", done.stdout
    assert path.read_text("utf-8") == '{"env": {"A": "1"}}\n'
    dry = run_cli("hooks", "install", *args, "--dry-run", cwd=root, env=env)
    assert dry.returncode == 0 and "+++ b/.claude/settings.json" in dry.stdout, dry.stderr
    path.chmod(0o644)
    assert run_cli("hooks", "install", *args, cwd=root, env=env).returncode == 0
    installed = path.read_text("utf-8")
    path.chmod(0o444)
    done = run_cli("hooks", "uninstall", *args, cwd=root, env=env)
    assert done.returncode == 2, done.stderr
    assert "read-only (permissions r--r--r--, mode 0444)" in done.stderr, done.stderr
    assert done.stdout == "", done.stdout
    assert path.read_text("utf-8") == installed


TOKEN = "ghp_" + "Zq7Ab3Xk9LmN2pQr5StUv8WxYz1234567890"
CLICK = {
    "src/click/_cfg.py": f'API_TOKEN = "{TOKEN}"\n',
    "src/click/client.py": (
        "class Client:\n    \"\"\"The API client.\"\"\"\n\n    def __init__(self, token):\n"
        "        self.token = token\n\n    def configure(self, base_url):\n"
        "        self.base_url = base_url\n"),
    "src/click/app.py": ("from click.client import Client\n\n\ndef make_client(token):\n"
                         "    return Client(token)\n"),
    "README.md": "# click\n",
}


def _map(root: Path, session: str, prompt: str) -> str:
    data = {"session_id": session, "cwd": str(root), "hook_event_name": "UserPromptSubmit",
            "prompt": prompt}
    done = _hook(root, "UserPromptSubmit", data)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"]


def test_the_map_leaves_out_files_bundles_exclude_as_secret_material(tmp_path: Path) -> None:
    """A file holding only an API token ranked first in the prompt's map
    (``src/click/_cfg.py — API_TOKEN (L1)``) while ``bundle --seed`` refuses it as secret
    material as a whole. The map leaves out what bundles leave out whole, also a file that became
    secret material since the index read it."""
    from test_hooks import background_index, wait_for_background_index

    root = make_repo(tmp_path / "click", CLICK)
    assert run_cli("index", cwd=root).returncode == 0
    background_index(root)  # the index and its ranking graph, as the hooks keep them
    refused = run_cli("bundle", "--seed", "src/click/_cfg.py", cwd=root)
    assert refused.returncode != 0 and "secret material as a whole" in refused.stderr
    text = _map(root, "s1", "where is the API token configured for the client")
    assert "src/click/client.py" in text and "src/click/app.py" in text, text
    assert "_cfg.py" not in text and TOKEN not in text, text
    assert (root / ".ctxsteward/secrets.json").is_file()  # the scans kept for the next map
    # a file that became secret material after the index read it (the index not refreshed)
    wait_for_background_index(root)
    (root / "src/click/app.py").write_text(f'CLIENT_TOKEN = "{TOKEN}"\n', "utf-8")
    text = _map(root, "s2", "where is the API token configured for the client")
    assert "src/click/client.py" in text, text
    assert "app.py" not in text and "_cfg.py" not in text, text
    wait_for_background_index(root)


def test_a_refused_run_is_recorded_under_the_agent_and_event_named(tmp_path: Path) -> None:
    """The refused run's record goes under the agent and event its command line names (flags
    before the event, ``--agent=NAME``), and none is made for an agent that is not ours (said on
    stderr instead)."""
    root = make_repo(tmp_path / "repo", {"a.py": "print(1)\n"})
    data = {"session_id": "z", "cwd": str(root)}
    runs = root / ".ctxsteward/hooks/runs.json"
    done = _hook(root, "", data, command=[*cli_command(), "hook", "SessionStart", "--agent",
                                          "emacs", "--budget", "5"])
    assert done.returncode == 0 and "unknown agent 'emacs'" in done.stderr
    assert not runs.exists()
    for words in (["--budget", "5", "sessionStart", "--agent", "cursor"],
                  ["--limit=0", "SessionStart", "--agent=codex"]):
        done = _hook(root, "", data, command=[*cli_command(), "hook", *words])
        assert done.returncode == 0, done.stderr
    recorded = json.loads(runs.read_text("utf-8"))
    assert set(recorded) == {"cursor sessionStart", "codex SessionStart"}, recorded
    assert "--budget must be 100-20000" in recorded["cursor sessionStart"]["reason"]
    assert "--limit >= 1" in recorded["codex SessionStart"]["reason"]
    assert not any(r["ok"] for r in recorded.values())


@pytest.mark.parametrize("option,why", [
    ("--budget abc", "argument --budget: invalid int value: 'abc'"),
    ("--budget 1e3", "argument --budget: invalid int value: '1e3'"),
    ("--timeout soon", "argument --timeout: invalid float value: 'soon'"),
    ("--budget", "argument --budget: expected one argument"),
])
def test_our_line_with_a_value_that_does_not_parse_is_still_ours(
        tmp_path: Path, option: str, why: str) -> None:
    """The installed UserPromptSubmit line edited to ``--budget abc`` (a value no int) was no
    longer taken as running our hook at all: status said NOT INSTALLED and to install again,
    which added a second line beside it, and uninstall left it running (refused) on every
    prompt while status said none installed. It is ours, edited: status shows it installed with
    OPTIONS REFUSED, install adds nothing, uninstall removes it."""
    root = make_repo(tmp_path / "repo", {"a.py": "print(1)\n"})
    env = _env(tmp_path)
    assert run_cli("hooks", "install", "--agent", "claude-code", cwd=root, env=env
                   ).returncode == 0
    path = root / ".claude/settings.local.json"
    text = path.read_text("utf-8")
    edited = text.replace('hook UserPromptSubmit --agent claude-code"',
                          f'hook UserPromptSubmit --agent claude-code {option}"')
    assert edited != text
    path.write_text(edited, "utf-8")
    prompt = {"session_id": "z", "cwd": str(root), "hook_event_name": "UserPromptSubmit",
              "prompt": "where is the main function printed", "transcript_path": ""}
    done = _hook(root, "UserPromptSubmit", prompt,
                 command=["bash", "-c", _installed(root, "UserPromptSubmit")])
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
    runs = json.loads((root / ".ctxsteward/hooks/runs.json").read_text("utf-8"))
    assert runs["claude-code UserPromptSubmit"]["ok"] is False
    assert why in runs["claude-code UserPromptSubmit"]["reason"]

    status = run_cli("hooks", "status", "--agent", "claude-code", cwd=root, env=env)
    assert status.returncode == 0, status.stderr
    assert "NOT INSTALLED" not in status.stdout and "4 of 4 hooks installed" in status.stdout
    line = next(ln for ln in status.stdout.splitlines() if "UserPromptSubmit" in ln)
    assert f"OPTIONS REFUSED ({why})" in line and "(failed," in line, status.stdout
    report = json.loads(run_cli("hooks", "status", "--agent", "claude-code", "--scope", "local",
                                "--json", cwd=root, env=env).stdout)
    hook = next(h for h in report["agents"][0]["scopes"][0]["hooks"]
                if h["event"] == "UserPromptSubmit")
    assert hook["installed"] is True and hook["options_problem"] == why, hook

    # install again, as status used to advise: no second line beside the refused one
    again = run_cli("hooks", "install", "--agent", "claude-code", cwd=root, env=env)
    assert again.returncode == 0, again.stderr
    assert path.read_text("utf-8") == edited, again.stdout
    assert "UserPromptSubmit already installed (as you edited it)" in again.stdout + again.stderr

    gone = run_cli("hooks", "uninstall", "--agent", "claude-code", cwd=root, env=env)
    assert gone.returncode == 0, gone.stderr
    assert "removed UserPromptSubmit" in gone.stdout + gone.stderr
    assert not path.exists() or "hook UserPromptSubmit" not in path.read_text("utf-8")
    status = run_cli("hooks", "status", "--agent", "claude-code", "--scope", "local",
                     cwd=root, env=env)
    assert "UserPromptSubmit" not in status.stdout, status.stdout


def test_your_own_line_with_a_value_that_does_not_parse_runs_our_hook(tmp_path: Path) -> None:
    """A line of the person's own, ``ctxsteward hook UserPromptSubmit --budget abc``, runs our
    hook (each run refused, recorded failed), but was not seen as running it: install added a
    second line beside it. Install now leaves it alone and adds none, and status shows it as
    the person's with OPTIONS REFUSED."""
    root = make_repo(tmp_path / "repo", {"a.py": "print(1)\n"})
    env = _env(tmp_path)
    path = root / ".claude/settings.local.json"
    path.parent.mkdir()
    theirs = "ctxsteward hook UserPromptSubmit --budget abc"
    path.write_text(json.dumps({"hooks": {"UserPromptSubmit": [
        {"hooks": [{"type": "command", "command": theirs}]}]}}), "utf-8")
    done = run_cli("hooks", "install", "--agent", "claude-code", cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    entries = json.loads(path.read_text("utf-8"))["hooks"]["UserPromptSubmit"]
    assert [h["command"] for e in entries for h in e["hooks"]] == [theirs]
    status = run_cli("hooks", "status", "--agent", "claude-code", cwd=root, env=env)
    line = next(ln for ln in status.stdout.splitlines() if "UserPromptSubmit" in ln)
    assert "your own line runs our hook" in line, status.stdout
    assert "OPTIONS REFUSED (argument --budget: invalid int value: 'abc')" in line, line
    report = json.loads(run_cli("hooks", "status", "--agent", "claude-code", "--scope", "local",
                                "--json", cwd=root, env=env).stdout)
    hook = next(h for h in report["agents"][0]["scopes"][0]["hooks"]
                if h["event"] == "UserPromptSubmit")
    assert hook["installed"] is False and hook["yours"] == theirs
    assert hook["yours_options_problem"] == "argument --budget: invalid int value: 'abc'"
