"""``ctxsteward hooks install|uninstall|status``, run as the real CLI in real repositories.

Settings files that already hold other tools' hooks, other settings, comments and odd formatting
come back byte for byte after install + uninstall; a second install changes nothing; a stale
executable path is updated where it stands; --dry-run writes nothing; a broken file is refused
and left alone; the backup holds the old text; the installed command line starts our CLI from
another folder with a minimal PATH.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli, snapshot

from analyzers import __version__

BACKUP = ".ctxsteward-backup"

CLAUDE_OTHER = """{
    "permissions": {"allow": ["Bash(npm test)"]},
    "model": "opus",
    "hooks": {
        "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
        "UserPromptSubmit": [
            {"hooks": [{"type": "command", "command": "/usr/local/bin/prompt-guard"}]}
        ]
    }
}
"""

# Cursor's hooks.json with comments, a trailing comma, tabs and CRLF line endings.
CURSOR_ODD = ('{\r\n\t// team hooks: keep this\r\n\t"version": 1,\r\n\t"hooks": {\r\n'
              '\t\t"afterFileEdit": [ { "command": "./hooks/format.sh" } ], /* formatter */\r\n'
              '\t\t"sessionStart": [\r\n\t\t\t{ "command": "./hooks/banner.sh", "timeout": 3 },\r\n'
              '\t\t],\r\n\t},\r\n}\r\n')


# Codex's hooks.json as a person keeps it: a description, a hook of another tool on an event we
# use and one on an event we do not, four-space indent.
CODEX_OTHER = """{
    "description": "Team hooks: keep these.",
    "hooks": {
        "Stop": [
            {"hooks": [{"type": "command", "command": "say done", "timeout": 30}]}
        ],
        "UserPromptSubmit": [
            {
                "hooks": [
                    {
                        "type": "command",
                        "command": "/usr/local/bin/prompt-guard",
                        "statusMessage": "Scanning the prompt for keys"
                    }
                ]
            }
        ]
    }
}
"""


def _home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    # CODEX_HOME blank: unset for Codex (the runner's own must not leak in).
    return {"HOME": str(home), "COPILOT_HOME": str(home / ".copilot"), "CODEX_HOME": ""}


def _repo(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    return make_repo(tmp_path / "repo", {"README.md": "# r\n", **(files or {})})


def _cli(root: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("hooks", *args, cwd=root, env=_home(tmp_path))


@pytest.mark.parametrize("agent,scope,rel,original", [
    ("claude-code", "project", ".claude/settings.json", CLAUDE_OTHER),
    ("claude-code", "local", ".claude/settings.local.json", '{"env": {"A": "1"}}'),
    ("cursor", "project", ".cursor/hooks.json", CURSOR_ODD),
    ("copilot", "project", ".github/hooks/ctxsteward.json", None),
    ("codex", "project", ".codex/hooks.json", CODEX_OTHER),
    ("codex", "project", ".codex/hooks.json", None),
])
def test_install_reinstall_uninstall_gives_the_file_back(tmp_path: Path, agent: str, scope: str,
                                                         rel: str, original: str | None) -> None:
    root = _repo(tmp_path)
    target = root / rel
    if original is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(original.encode())
    r = _cli(root, tmp_path, "install", "--agent", agent, "--scope", scope)
    assert r.returncode == 0, r.stderr
    assert f"+++ b/{rel}" in r.stdout and "hook" in r.stdout  # the diff was printed
    installed = target.read_bytes()
    backup = target.with_name(target.name + BACKUP)
    if original is None:
        assert not backup.exists()
    else:
        assert backup.read_bytes() == original.encode()
        # Everything that was there is still there, byte for byte (a one-line file stays one line).
        lines = original.splitlines() if "\n" in original.strip() else [original[:-1]]
        for line in lines:
            assert line.rstrip(",").encode() in installed
    again = _cli(root, tmp_path, "install", "--agent", agent, "--scope", scope)
    assert again.returncode == 0 and "nothing to change" in again.stdout
    assert "+++" not in again.stdout and target.read_bytes() == installed
    gone = _cli(root, tmp_path, "uninstall", "--agent", agent, "--scope", scope)
    assert gone.returncode == 0, gone.stderr
    if original is None:  # a file the install made (Copilot's: our own) held nothing else
        assert not target.exists()
    else:
        assert target.read_bytes() == original.encode()


def test_ours_among_other_hooks_of_the_same_event(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".claude/settings.json": CLAUDE_OTHER})
    assert _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope",
                "project").returncode == 0
    doc = json.loads((root / ".claude/settings.json").read_text())
    prompt = doc["hooks"]["UserPromptSubmit"]
    assert prompt[0] == {"hooks": [{"type": "command", "command": "/usr/local/bin/prompt-guard"}]}
    assert "hook UserPromptSubmit --agent claude-code" in prompt[1]["hooks"][0]["command"]
    assert list(doc) == ["permissions", "model", "hooks"]
    assert list(doc["hooks"])[:2] == ["Stop", "UserPromptSubmit"]


def test_an_older_executable_path_is_updated_in_place(tmp_path: Path) -> None:
    """An install from another program path (its record names that line): a new install updates
    the line where it stands, and nothing else. A line in that form the file had with no record
    of an install is the person's (or an install's that left no record): left as it is."""
    old = "/old/venv/bin/ctxsteward hook sessionStart --agent cursor"
    text = ('{\n  "version": 1,\n  "hooks": {\n    "sessionStart": [\n'
            f'      {{ "command": "{old}", "timeout": 15 }},\n'
            '      { "command": "./other.sh" }\n    ]\n  }\n}\n')
    root = _repo(tmp_path, {".cursor/hooks.json": text})
    record = root / ".cursor/hooks.json.ctxsteward-folders"
    record.write_text(json.dumps({"made": [], "entries": {"sessionStart": old}}))
    r = _cli(root, tmp_path, "install", "--agent", "cursor")
    assert r.returncode == 0, r.stderr
    assert "updated sessionStart" in r.stdout
    doc = json.loads((root / ".cursor/hooks.json").read_text())
    first, second = doc["hooks"]["sessionStart"]
    assert first["timeout"] == 15 and first["command"] != old  # same place
    assert first["command"].endswith(" hook sessionStart --agent cursor")
    assert second == {"command": "./other.sh"}
    assert f"-      {{ \"command\": \"{old}\"" in r.stdout  # one line changed in the diff
    assert json.loads(record.read_text())["entries"]["sessionStart"] == first["command"]
    root = _repo(tmp_path / "b", {".cursor/hooks.json": text})
    r = _cli(root, tmp_path, "install", "--agent", "cursor")
    assert "sessionStart: a line in the form an install writes was there before" in r.stdout
    assert json.loads((root / ".cursor/hooks.json").read_text())["hooks"]["sessionStart"][0][
        "command"] == old


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".claude/settings.json": CLAUDE_OTHER})
    before = snapshot(root, ignore=(".git",))
    r = _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope", "project",
             "--dry-run")
    assert r.returncode == 0 and "+++ b/.claude/settings.json" in r.stdout
    assert "nothing written" in r.stdout
    assert snapshot(root, ignore=(".git",)) == before


@pytest.mark.parametrize("agent,rel,text,why", [
    ("claude-code", ".claude/settings.json", '{"hooks": {"Stop": [}}', "cannot be read as JSON"),
    ("claude-code", ".claude/settings.json", '{\n  // why\n  "model": "opus"\n}\n',
     "strict JSON"),
    ("cursor", ".cursor/hooks.json", '{"version": 1, "hooks": []}', '"hooks"'),
    ("cursor", ".cursor/hooks.json", '{"hooks": {"sessionStart": {"command": "x"}}}',
     "not a list"),
    ("cursor", ".cursor/hooks.json", '[1, 2]', "not a JSON object"),
    # Codex's reference does not say its hooks.json may hold comments: read as strict JSON.
    ("codex", ".codex/hooks.json", '{\n  // ours\n  "hooks": {}\n}\n', "strict JSON"),
    ("codex", ".codex/hooks.json", '{"hooks": {"SessionStart": {"hooks": []}}}', "not a list"),
])
def test_a_file_we_cannot_read_is_refused_and_left_alone(tmp_path: Path, agent: str, rel: str,
                                                         text: str, why: str) -> None:
    root = _repo(tmp_path, {rel: text})
    before = snapshot(root, ignore=(".git",))
    r = _cli(root, tmp_path, "install", "--agent", agent, "--scope", "project")
    assert r.returncode == 2, r.stdout
    assert why in r.stderr and rel in r.stderr and "Traceback" not in r.stderr
    r = _cli(root, tmp_path, "uninstall", "--agent", agent, "--scope", "project")
    if "JSON" in why:  # unreadable: refused too; readable but odd: nothing of ours to remove
        assert r.returncode == 2 and why in r.stderr
    else:
        assert r.returncode == 0 and "nothing of ours" in r.stdout
    assert snapshot(root, ignore=(".git",)) == before


def test_an_empty_file_is_filled_and_left_empty_by_uninstall(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".cursor/hooks.json": "\n"})
    assert _cli(root, tmp_path, "uninstall", "--agent", "cursor").returncode == 0
    assert (root / ".cursor/hooks.json").read_text() == "\n"
    assert _cli(root, tmp_path, "install", "--agent", "cursor").returncode == 0
    doc = json.loads((root / ".cursor/hooks.json").read_text())
    assert doc["version"] == 1 and len(doc["hooks"]) == 4
    assert (root / ".cursor/hooks.json.ctxsteward-backup").read_text() == "\n"


def test_a_scope_the_agent_does_not_have_is_named(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    for agent, have in (("cursor", "project, user"), ("copilot", "project, user"),
                        ("codex", "project, user")):
        r = _cli(root, tmp_path, "install", "--agent", agent, "--scope", "local")
        assert r.returncode == 2 and f"has no local scope; its scopes are: {have}" in r.stderr
        r = _cli(root, tmp_path, "status", "--agent", agent, "--scope", "local")
        assert r.returncode == 2 and "its scopes are" in r.stderr
    r = _cli(root, tmp_path, "install", "--agent", "windsurf")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_a_symlink_out_of_the_workspace_is_refused(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / ".claude").symlink_to(outside, target_is_directory=True)
    r = _cli(root, tmp_path, "install", "--agent", "claude-code")
    assert r.returncode == 2 and "symlink" in r.stderr
    assert list(outside.iterdir()) == []


def test_user_scope_writes_the_agents_own_file_in_home(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    home = Path(_home(tmp_path)["HOME"])
    before = snapshot(root, ignore=(".git",))
    for agent, rel in (("claude-code", ".claude/settings.json"), ("cursor", ".cursor/hooks.json"),
                       ("copilot", ".copilot/hooks/ctxsteward.json"),
                       ("codex", ".codex/hooks.json")):
        r = _cli(root, tmp_path, "install", "--agent", agent, "--scope", "user")
        assert r.returncode == 0, r.stderr
        assert f"+++ b/~/{rel}" in r.stdout
        assert "--agent " + agent in (home / rel).read_text()
    assert snapshot(root, ignore=(".git",)) == before  # nothing in the workspace


def test_a_user_file_that_is_a_symlink_keeps_its_link(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    home = Path(_home(tmp_path)["HOME"])
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "claude.json").write_text('{"model": "opus"}\n')
    (home / ".claude").mkdir()
    (home / ".claude/settings.json").symlink_to(dotfiles / "claude.json")
    assert _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope",
                "user").returncode == 0
    assert (home / ".claude/settings.json").is_symlink()
    assert "hook SessionEnd" in (dotfiles / "claude.json").read_text()
    assert (dotfiles / ("claude.json" + BACKUP)).read_text() == '{"model": "opus"}\n'


def test_status_says_what_is_installed_where_and_when_it_last_ran(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _cli(root, tmp_path, "install", "--agent", "claude-code").returncode == 0
    runs = root / ".ctxsteward/hooks/runs.json"
    runs.parent.mkdir(parents=True)
    runs.write_text(json.dumps({
        "claude-code UserPromptSubmit": {"at": "2026-12-05T03:04:05Z", "ok": True, "ms": 212},
        "claude-code PreCompact": {"at": "2026-12-04T22:00:00Z", "ok": False, "ms": 1500},
        "cursor sessionStart": "not a record"}))
    r = _cli(root, tmp_path, "status", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    agents = {a["agent"]: a for a in report["agents"]}
    assert set(agents) == {"claude-code", "cursor", "copilot", "codex"}
    scopes = {s["scope"]: s for s in agents["claude-code"]["scopes"]}
    local = scopes["local"]
    assert local["file"] == ".claude/settings.local.json" and local["exists"]
    hooks = {h["event"]: h for h in local["hooks"]}
    assert all(h["installed"] and h["program_exists"] for h in hooks.values())
    assert hooks["UserPromptSubmit"]["last_run"] == {"at": "2026-12-05T03:04:05Z", "ok": True,
                                                     "ms": 212, "reason": None}
    assert hooks["PreCompact"]["last_run"]["ok"] is False
    assert hooks["SessionEnd"]["last_run"] is None
    assert not any(h["installed"] for h in scopes["project"]["hooks"])
    text = _cli(root, tmp_path, "status", "--agent", "claude-code").stdout
    assert "4 of 4 hooks installed" in text and "last ran 2026-12-05T03:04:05Z (ok, 212 ms)" in text
    assert "failed, 1500 ms" in text and "never ran" in text


def test_status_reports_a_missing_program_and_a_broken_file(tmp_path: Path) -> None:
    gone = "/nonexistent/venv/bin/ctxsteward hook beforeSubmitPrompt --agent cursor"
    root = _repo(tmp_path, {
        ".cursor/hooks.json": json.dumps({"version": 1, "hooks": {
            "beforeSubmitPrompt": [{"command": gone}]}}),
        ".claude/settings.json": "{not json"})
    report = json.loads(_cli(root, tmp_path, "status", "--json").stdout)
    agents = {a["agent"]: a for a in report["agents"]}
    cursor = agents["cursor"]["scopes"][0]
    hook = cursor["hooks"][0]
    assert hook["installed"] and hook["program_exists"] is False
    assert hook["program"] == "/nonexistent/venv/bin/ctxsteward"
    claude = {s["scope"]: s for s in agents["claude-code"]["scopes"]}
    assert "cannot be read as JSON" in claude["project"]["problem"]
    text = _cli(root, tmp_path, "status", "--agent", "cursor").stdout
    assert "MISSING PROGRAM /nonexistent/venv/bin/ctxsteward" in text
    # A run recorded for the event was another program's: never "last ran ok" beside it.
    from server.hooks.state import record_run

    record_run(root, "cursor", "beforeSubmitPrompt", True, 12)
    text = _cli(root, tmp_path, "status", "--agent", "cursor").stdout
    line = next(ln for ln in text.splitlines() if "beforeSubmitPrompt" in ln)
    assert "cannot run" in line and "ok" not in line and "MISSING PROGRAM" in line, line



def test_status_reports_a_moved_source_checkout_as_a_missing_program(tmp_path: Path) -> None:
    """The command an install from a source checkout writes (``python -I
    /checkout/server/cli/__main__.py hook ...``), its checkout moved or deleted since: every run
    fails (python: "can't open file", exit 2), and status said all was well."""
    gone = tmp_path / "moved" / "server" / "cli" / "__main__.py"
    command = shlex.join([sys.executable, "-I", str(gone), "hook", "beforeSubmitPrompt",
                          "--agent", "cursor"])
    root = _repo(tmp_path, {".cursor/hooks.json": json.dumps({"version": 1, "hooks": {
        "beforeSubmitPrompt": [{"command": command}]}})})
    ran = subprocess.run(["/bin/sh", "-c", command], cwd=root, input="{}", capture_output=True,
                         text=True, timeout=60, check=False)
    assert ran.returncode == 2 and "can't open file" in ran.stderr, ran.stderr
    hook = json.loads(_cli(root, tmp_path, "status", "--json").stdout)["agents"]
    hook = next(a for a in hook if a["agent"] == "cursor")["scopes"][0]["hooks"][0]
    assert hook["installed"] and hook["program"] == sys.executable
    assert hook["program_exists"] is False and hook["missing"] == str(gone), hook
    text = _cli(root, tmp_path, "status", "--agent", "cursor").stdout
    assert f"MISSING PROGRAM {gone}" in text, text
    # The checkout back where the command says: all is well again.
    gone.parent.mkdir(parents=True)
    gone.write_text("")
    hook = json.loads(_cli(root, tmp_path, "status", "--json").stdout)["agents"]
    hook = next(a for a in hook if a["agent"] == "cursor")["scopes"][0]["hooks"][0]
    assert hook["program_exists"] is True and hook["missing"] is None, hook


def test_a_moved_source_checkout_never_blocks_the_agent(tmp_path: Path) -> None:
    """An install from a source checkout, the checkout moved since: its command was ``python -I
    /checkout/server/cli/__main__.py hook ...``, which exits 2 ("can't open file"), and Claude
    Code reads exit 2 of UserPromptSubmit as blocking: every prompt refused. It now exits 0 with a
    note on stderr; status still says MISSING PROGRAM; install twice changes nothing; an older
    install's line in the old form is updated where it stands, not doubled; uninstall takes
    every line back."""
    import shutil

    source = Path(__file__).resolve().parents[1]
    copy = tmp_path / "checkout"
    for package in ("analyzers", "server"):
        shutil.copytree(source / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    root = _repo(tmp_path)
    before = snapshot(root)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | _home(tmp_path)

    def from_copy(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "server.cli", "hooks", *args, "--agent",
                               "claude-code", "--root", str(root)], cwd=copy, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    assert from_copy("install").returncode == 0
    rel = root / ".claude/settings.local.json"
    installed = rel.read_text()
    command = json.loads(installed)["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"]
    main = copy / "server" / "cli" / "__main__.py"
    assert str(main) in shlex.split(command)
    again = from_copy("install")
    assert "nothing to change" in again.stdout and rel.read_text() == installed, again.stdout
    copy.rename(tmp_path / "moved")
    prompt = {"session_id": "s1", "cwd": str(root), "hook_event_name": "UserPromptSubmit",
              "prompt": "fix the crash in the readme please"}
    ran = subprocess.run(["/bin/sh", "-c", command], cwd=root, input=json.dumps(prompt),
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                         capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 0, (ran.returncode, ran.stderr)
    assert f"ctxsteward hooks install again, its program is missing: {main}" in ran.stderr
    status = _cli(root, tmp_path, "status", "--agent", "claude-code").stdout
    assert f"MISSING PROGRAM {main}" in status and "4 of 4 hooks installed" in status, status
    (tmp_path / "moved").rename(copy)
    # An older install's lines (python -I .../__main__.py hook ...), as its record names them:
    # updated where they stand, one line for each event.
    old = shlex.join([sys.executable, "-I", str(main)])
    new = command.split(" hook ")[0]
    rel.write_text(installed.replace(new, old))
    record = root / ".claude/settings.local.json.ctxsteward-folders"
    record.write_text(record.read_text().replace(json.dumps(new)[1:-1], json.dumps(old)[1:-1]))
    assert "4 of 4 hooks installed" in _cli(root, tmp_path, "status").stdout
    upgraded = from_copy("install")
    assert "updated UserPromptSubmit" in upgraded.stdout, upgraded.stdout
    assert rel.read_text() == installed
    assert from_copy("uninstall").returncode == 0
    assert snapshot(root) == before


def test_the_installed_command_starts_our_cli_from_another_folder(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _cli(root, tmp_path, "install", "--agent", "claude-code").returncode == 0
    doc = json.loads((root / ".claude/settings.local.json").read_text())
    command = doc["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"]
    words = shlex.split(command)
    assert words[-4:] == ["hook", "UserPromptSubmit", "--agent", "claude-code"]
    program = shlex.join(words[:-4])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # As an agent runs it: a shell, its own folder, a PATH without our virtualenv.
    r = subprocess.run(["/bin/sh", "-c", f"{program} --version"], cwd=elsewhere,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"ctxsteward {__version__}"
    if importlib.util.find_spec("server.cli.commands.hook") is None:
        return  # the hook runtime is not on this branch: starting the CLI is what we can check
    # The whole installed command, as Claude Code runs it: its documented input on stdin.
    prompt = {"session_id": "abc123", "transcript_path": str(tmp_path / "t.jsonl"),
              "cwd": str(root), "hook_event_name": "UserPromptSubmit",
              "prompt": "Write a function to calculate the factorial of a number"}
    r = subprocess.run(["/bin/sh", "-c", command], cwd=root, input=json.dumps(prompt),
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                            "CLAUDE_PROJECT_DIR": str(root)},
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("agent", ["claude-code", "codex"])
def test_an_install_from_a_source_folder_runs_that_copy_later(tmp_path: Path, agent: str) -> None:
    """``python -m server.cli hooks install`` from a source folder, in a virtualenv that has our
    dependencies but not ctxsteward itself: the hook it wrote was ``python -I -m server.cli``,
    which the agent, running it from the project later, failed with "No module named 'server'"
    (silently: no map, no note). The hook now names this copy's ``__main__.py``."""
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   capture_output=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv)})["purelib"])
    # The dependencies, and only them: a folder on sys.path runs no .pth (no editable finder).
    (purelib / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = Path(__file__).resolve().parents[1]  # the checkout these tests belong to
    root = _repo(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | _home(tmp_path)
    done = subprocess.run([str(python), "-m", "server.cli", "hooks", "install", "--agent", agent,
                           "--root", str(root)], cwd=source, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    rel = ".claude/settings.local.json" if agent == "claude-code" else ".codex/hooks.json"
    doc = json.loads((root / rel).read_text())
    command = doc["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    words = shlex.split(command)
    assert words[:3] == [str(python), "-I", "-c"]
    assert words[5] == str(source / "server" / "cli" / "__main__.py")
    # As the agent runs it: from the project, a shell, a PATH without the virtualenv.
    start = {"session_id": "s1", "cwd": str(root), "hook_event_name": "SessionStart",
             "source": "startup"}
    r = subprocess.run(["/bin/sh", "-c", command], cwd=root, input=json.dumps(start),
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                            "PYTHONDONTWRITEBYTECODE": "1"},  # (nothing left in the checkout)
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    status = subprocess.run([str(python), "-m", "server.cli", "hooks", "status", "--agent",
                             agent, "--root", str(root)], cwd=source, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert "4 of 4 hooks installed" in status.stdout and "MISSING" not in status.stdout, \
        status.stdout
    # Ours: a second install changes nothing, the uninstall takes every line back.
    again = subprocess.run([str(python), "-m", "server.cli", "hooks", "install", "--agent", agent,
                            "--root", str(root)], cwd=source, env=env, capture_output=True,
                           text=True, timeout=120, check=False)
    assert "nothing to change" in again.stdout + again.stderr, again.stdout + again.stderr
    gone = subprocess.run([str(python), "-m", "server.cli", "hooks", "uninstall", "--agent",
                           agent, "--root", str(root)], cwd=source, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert gone.returncode == 0, gone.stderr
    assert not (root / rel).exists()


def test_without_our_script_the_interpreter_runs_the_module_isolated(tmp_path: Path) -> None:
    from server.hooks import install_agents

    saved = sys.argv[0]
    try:
        sys.argv[0] = "/somewhere/else/pytest"
        prefix = install_agents.executable()
    finally:
        sys.argv[0] = saved
    assert Path(prefix[0]).name.startswith(("ctxsteward", "python"))
    if prefix[-1] == "server.cli":  # the -m fallback must not import a "server" package in cwd
        assert prefix[1] == "-I"
    project = tmp_path / "proj"
    (project / "server" / "cli").mkdir(parents=True)
    for init in ("server/__init__.py", "server/cli/__init__.py"):
        (project / init).write_text("")
    (project / "server/cli/__main__.py").write_text("print('the project, not us')\n")
    fallback = [sys.executable, "-I", "-m", "server.cli", "--version"]
    r = subprocess.run(fallback, cwd=project, env={**os.environ, "PYTHONPATH": str(project)},
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.stdout.strip() == f"ctxsteward {__version__}", r.stdout + r.stderr


@pytest.mark.parametrize("scope", ["project", "local"])
def test_a_repository_scope_outside_any_repository_is_refused(tmp_path: Path, scope: str) -> None:
    env = _home(tmp_path)
    plain = tmp_path / "plain"
    plain.mkdir()
    for where in (plain, Path(env["HOME"])):  # a folder outside git, and the home folder
        done = run_cli("hooks", "install", "--agent", "claude-code", "--scope", scope,
                       cwd=where, env=env)
        assert done.returncode != 0
        assert "--root DIR" in done.stderr and "--scope user" in done.stderr, done.stderr
        assert not (where / ".claude").exists()
    home_repo = make_repo(Path(env["HOME"]), {"dotfile": "x\n"})  # a dotfiles repository
    done = run_cli("hooks", "install", "--agent", "claude-code", cwd=home_repo, env=env)
    assert done.returncode != 0 and "home folder" in done.stderr
    assert not (home_repo / ".claude").exists()


def test_the_backup_and_the_new_file_keep_a_private_files_mode(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    path = root / ".claude/settings.local.json"
    path.parent.mkdir()
    path.write_text('{"env": {"TOKEN_FILE": "x"}}\n', "utf-8")
    path.chmod(0o600)
    (root / ".claude/settings.local.json.ctxsteward-backup").write_text("old\n", "utf-8")
    assert _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope", "local"
                ).returncode == 0
    # the backup already there is never overwritten: this install's goes to the next name
    assert (root / ".claude/settings.local.json.ctxsteward-backup").read_text("utf-8") == "old\n"
    backup = root / ".claude/settings.local.json.ctxsteward-backup.2"
    assert backup.read_text("utf-8") == '{"env": {"TOKEN_FILE": "x"}}\n'
    assert oct(backup.stat().st_mode & 0o777) == oct(0o600)
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


@pytest.mark.parametrize("agent,scope,rel", [
    ("claude-code", "local", ".claude/settings.local.json"),
    ("cursor", "project", ".cursor/hooks.json"),
    ("copilot", "project", ".github/hooks/ctxsteward.json"),
    ("codex", "project", ".codex/hooks.json"),
])
def test_uninstall_leaves_no_file_an_install_made(tmp_path: Path, agent: str, scope: str,
                                                  rel: str) -> None:
    """A settings file the install made goes with the uninstall, and its backup with it (they
    were left behind as ``{}``, ``{"version": 1}`` and stray ``.ctxsteward-backup`` files): the
    work tree is as it was."""
    root = _repo(tmp_path)
    before = snapshot(root)
    assert _cli(root, tmp_path, "install", "--agent", agent, "--scope", scope).returncode == 0
    assert (root / rel).exists()
    gone = _cli(root, tmp_path, "uninstall", "--agent", agent, "--scope", scope)
    assert gone.returncode == 0, gone.stderr
    assert not (root / rel).exists() and not (root / (rel + BACKUP)).exists()
    assert snapshot(root) == before


def test_uninstall_keeps_the_empty_containers_a_person_wrote(tmp_path: Path) -> None:
    """``"hooks": {}`` or an empty event list a person wrote before the install is still there
    after the uninstall (they were deleted as if ours)."""
    for text in ('{"hooks": {}}\n', '{"hooks": {"UserPromptSubmit": []}}\n'):
        root = _repo(tmp_path / text.count("[").__str__(), {".claude/settings.local.json": text})
        for verb in ("install", "uninstall"):
            done = _cli(root, tmp_path, verb, "--agent", "claude-code")
            assert done.returncode == 0, done.stderr
        assert (root / ".claude/settings.local.json").read_text() == text


def test_uninstall_after_an_upgrade_leaves_no_file_the_first_install_made(tmp_path: Path) -> None:
    """Installed where no file was, installed again from another program path (an upgrade: the
    backup then holds our older entries), uninstalled: no file and no backup are left (empty event
    lists and a backup were)."""
    root = _repo(tmp_path)
    before = snapshot(root)
    rel = ".claude/settings.local.json"
    assert _cli(root, tmp_path, "install", "--agent", "claude-code").returncode == 0
    text = (root / rel).read_text()
    doc = json.loads(text)
    exe = doc["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"].split(" hook ")[0]
    (root / rel).write_text(text.replace(exe, "/old/venv/bin/ctxsteward"))
    record = root / (rel + ".ctxsteward-folders")  # (as that older install recorded it)
    record.write_text(record.read_text().replace(exe, "/old/venv/bin/ctxsteward"))
    again = _cli(root, tmp_path, "install", "--agent", "claude-code")
    assert again.returncode == 0 and "updated" in again.stdout, again.stdout
    assert (root / (rel + BACKUP)).exists()
    gone = _cli(root, tmp_path, "uninstall", "--agent", "claude-code")
    assert gone.returncode == 0, gone.stderr
    assert snapshot(root) == before


# -- Codex -----------------------------------------------------------------------------------

def test_codex_ours_among_a_persons_hooks_and_the_notes_install_prints(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".codex/hooks.json": CODEX_OTHER})
    r = _cli(root, tmp_path, "install", "--agent", "codex")  # project: Codex's default scope
    assert r.returncode == 0, r.stderr
    assert "+++ b/.codex/hooks.json" in r.stdout
    # One line on what decides whether Codex runs them: its trust review and its switch.
    note = [ln for ln in r.stdout.splitlines() if "/hooks in Codex" in ln]
    assert len(note) == 1 and "hooks are on: Codex's default" in note[0], r.stdout
    assert "only when Codex trusts the project" in note[0]
    doc = json.loads((root / ".codex/hooks.json").read_text())
    assert list(doc) == ["description", "hooks"]
    assert list(doc["hooks"]) == ["Stop", "UserPromptSubmit", "SessionStart", "PreCompact",
                                  "SessionEnd"]
    prompt = doc["hooks"]["UserPromptSubmit"]
    assert prompt[0]["hooks"][0]["command"] == "/usr/local/bin/prompt-guard"  # theirs first
    ours = prompt[1]["hooks"][0]
    assert ours["command"].endswith(" hook UserPromptSubmit --agent codex")
    assert ours["type"] == "command" and ours["timeout"] == 10
    assert doc["hooks"]["SessionEnd"][0]["hooks"][0]["timeout"] == 3  # Codex's cap
    assert doc["hooks"]["Stop"] == json.loads(CODEX_OTHER)["hooks"]["Stop"]
    assert (root / ".codex/hooks.json.ctxsteward-backup").read_text() == CODEX_OTHER


def test_codex_user_scope_honours_codex_home(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    env = _home(tmp_path)
    codex_home = tmp_path / "codex-home"
    missing = run_cli("hooks", "install", "--agent", "codex", "--scope", "user", cwd=root,
                      env={**env, "CODEX_HOME": str(codex_home)})
    # Codex: "If you set it, the directory must already exist": we do not make it.
    assert missing.returncode == 2 and "CODEX_HOME" in missing.stderr, missing.stderr
    assert not codex_home.exists() and not (Path(env["HOME"]) / ".codex").exists()
    codex_home.mkdir()
    env["CODEX_HOME"] = str(codex_home)
    done = run_cli("hooks", "install", "--agent", "codex", "--scope", "user", cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    assert "hook SessionStart --agent codex" in (codex_home / "hooks.json").read_text()
    assert not (Path(env["HOME"]) / ".codex").exists() and not (root / ".codex").exists()
    report = json.loads(run_cli("hooks", "status", "--agent", "codex", "--json", cwd=root,
                                env=env).stdout)
    user = {s["scope"]: s for s in report["agents"][0]["scopes"]}["user"]
    assert user["file"] == str(codex_home / "hooks.json")
    assert all(h["installed"] for h in user["hooks"])
    # The switch is read from CODEX_HOME's config.toml, and named as that file.
    text = run_cli("hooks", "status", "--agent", "codex", cwd=root, env=env).stdout
    assert f"no [features] hooks in {codex_home / 'config.toml'}" in text, text
    gone = run_cli("hooks", "uninstall", "--agent", "codex", "--scope", "user", cwd=root, env=env)
    assert gone.returncode == 0 and list(codex_home.iterdir()) == []


def test_codex_status_reads_the_hooks_switch_and_never_writes_config_toml(
        tmp_path: Path) -> None:
    user_toml = '# mine\nmodel = "gpt-5.4"\n\n[features]\nhooks = false\n'
    root = _repo(tmp_path)
    env = _home(tmp_path)
    config = Path(env["HOME"]) / ".codex/config.toml"
    config.parent.mkdir()
    config.write_text(user_toml)
    r = _cli(root, tmp_path, "install", "--agent", "codex")
    assert r.returncode == 0, r.stderr
    off = "hooks are OFF: [features] hooks = false in ~/.codex/config.toml"
    assert off in r.stdout, r.stdout
    text = _cli(root, tmp_path, "status", "--agent", "codex").stdout
    assert "4 of 4 hooks installed" in text and f"note: {off}" in text, text
    assert "/hooks in Codex" in text
    report = json.loads(_cli(root, tmp_path, "status", "--agent", "codex", "--json").stdout)
    assert any(n.startswith(off) for n in report["agents"][0]["notes"])
    # A trusted project's own config.toml wins over the user's; the deprecated name is named.
    (root / ".codex/config.toml").write_text("[features]\ncodex_hooks = true\n")
    text = _cli(root, tmp_path, "status", "--agent", "codex").stdout
    assert ("hooks are on: [features] codex_hooks = true in .codex/config.toml (codex_hooks: "
            "a deprecated name of hooks)") in text, text
    (root / ".codex/config.toml").write_text("[features\n")
    text = _cli(root, tmp_path, "status", "--agent", "codex").stdout
    assert "hooks are OFF" in text and ".codex/config.toml: cannot be read as TOML" in text
    assert config.read_text() == user_toml  # read, never written
    assert (root / ".codex/config.toml").read_text() == "[features\n"
    # Without any word on it, hooks are on: Codex's default.
    config.unlink()
    (root / ".codex/config.toml").unlink()
    text = _cli(root, tmp_path, "status", "--agent", "codex").stdout
    assert "note: hooks are on: Codex's default" in text, text
    # Nothing of ours installed: nothing said of Codex's switch or trust.
    assert _cli(root, tmp_path, "uninstall", "--agent", "codex").returncode == 0
    report = json.loads(_cli(root, tmp_path, "status", "--json").stdout)
    assert {a["agent"]: a["notes"] for a in report["agents"]}["codex"] == []


def test_codex_status_reports_a_missing_program_and_partial_installs(tmp_path: Path) -> None:
    gone = "/nonexistent/venv/bin/ctxsteward hook UserPromptSubmit --agent codex"
    root = _repo(tmp_path, {".codex/hooks.json": json.dumps({"hooks": {"UserPromptSubmit": [
        {"hooks": [{"type": "command", "command": gone, "timeout": 10}]}]}})})
    report = json.loads(_cli(root, tmp_path, "status", "--agent", "codex", "--json").stdout)
    project = {s["scope"]: s for s in report["agents"][0]["scopes"]}["project"]
    hooks = {h["event"]: h for h in project["hooks"]}
    assert hooks["UserPromptSubmit"]["installed"] and not hooks["SessionStart"]["installed"]
    assert hooks["UserPromptSubmit"]["program_exists"] is False
    text = _cli(root, tmp_path, "status", "--agent", "codex").stdout
    assert "1 of 4 hooks installed" in text
    assert "MISSING PROGRAM /nonexistent/venv/bin/ctxsteward" in text
    from server.hooks.state import record_run

    record_run(root, "codex", "UserPromptSubmit", True, 12)
    line = next(ln for ln in _cli(root, tmp_path, "status", "--agent", "codex").stdout
                .splitlines() if "UserPromptSubmit" in ln)
    assert "cannot run" in line and "MISSING PROGRAM" in line, line
    # install completes it; with no record of an install, that line is not known to be ours: it
    # stays as it is (no second one added), and is named as the person's from then on.
    r = _cli(root, tmp_path, "install", "--agent", "codex")
    assert r.returncode == 0 and "UserPromptSubmit: a line in the form" in r.stdout, r.stdout
    text = _cli(root, tmp_path, "status", "--agent", "codex").stdout
    assert "3 of 4 hooks installed" in text and "your own line runs our hook" in text


def test_codex_installed_command_runs_as_codex_runs_it(tmp_path: Path) -> None:
    """The command written, run through a shell from the repository with a minimal PATH and
    Codex's documented SessionStart input: exit 0, and JSON (or nothing) on stdout."""
    root = _repo(tmp_path)
    assert _cli(root, tmp_path, "install", "--agent", "codex").returncode == 0
    doc = json.loads((root / ".codex/hooks.json").read_text())
    command = doc["hooks"]["SessionStart"][0]["hooks"][0]["command"]
    payload = {"session_id": "s1", "transcript_path": None, "cwd": str(root),
               "hook_event_name": "SessionStart", "model": "gpt-5.4",
               "permission_mode": "default", "source": "startup"}
    r = subprocess.run(["/bin/sh", "-c", command], cwd=root, input=json.dumps(payload),
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" or "hookSpecificOutput" in json.loads(r.stdout)
    runs = json.loads((root / ".ctxsteward/hooks/runs.json").read_text())
    assert runs["codex SessionStart"]["ok"] is True  # it ran, as codex, in this repository


def test_status_names_a_missing_event_several_scopes_and_how_to_install(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    fresh = _cli(root, tmp_path, "status", "--agent", "claude-code").stdout
    assert "none installed: ctxsteward hooks install --agent claude-code adds them" in fresh
    assert _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope",
                "local").returncode == 0
    second = _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope", "project")
    assert second.returncode == 0, second.stderr
    # Installed in two scopes: Claude Code runs both, the hook twice a prompt.
    warning = ("warning: claude-code's hooks are installed in 2 scopes (local, project): the "
               "agent runs each once per scope")
    assert warning in second.stdout
    # An event deleted by hand from one file is named, not only counted.
    path = root / ".claude/settings.local.json"
    doc = json.loads(path.read_text())
    del doc["hooks"]["PreCompact"]
    path.write_text(json.dumps(doc, indent=2))
    text = _cli(root, tmp_path, "status", "--agent", "claude-code").stdout
    assert warning in text and "none installed" not in text
    assert "3 of 4 hooks installed" in text
    line = next(ln for ln in text.splitlines() if "PreCompact" in ln and "NOT INSTALLED" in ln)
    assert "--scope local" in line, text
    assert sum("NOT INSTALLED" in ln for ln in text.splitlines()) == 1, text


@pytest.mark.parametrize("body,said,comments", [
    ('{"hooks": {"UserPromptSubmit": []\n', "a '}' is missing) at line 2, column 1", False),
    ('{"hooks": {}} // mine\n', "a comment", True),
])
def test_status_says_what_the_parser_said_and_comments_only_for_a_comment(
        tmp_path: Path, body: str, said: str, comments: bool) -> None:
    root = _repo(tmp_path, {".codex/hooks.json": body})
    text = _cli(root, tmp_path, "status", "--agent", "codex").stdout
    line = next(ln for ln in text.splitlines() if ".codex/hooks.json" in ln)
    assert said in line, line
    assert ("no comments" in line) is comments, line


def test_install_names_its_helper_files_and_leaves_gitignore_alone(tmp_path: Path) -> None:
    ignore = "# mine\n*.log\n"
    root = _repo(tmp_path, {".gitignore": ignore, ".claude/settings.json": CLAUDE_OTHER})
    done = _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope", "project")
    assert done.returncode == 0, done.stderr
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("helper files of ours"))
    helpers = sorted(p.name for p in (root / ".claude").iterdir() if "ctxsteward" in p.name)
    assert helpers == ["settings.json.ctxsteward-backup", "settings.json.ctxsteward-folders"]
    for name in helpers:
        assert f".claude/{name}" in line, line
    assert "do not commit them" in line and "`.claude/*.ctxsteward-*`" in line
    assert (root / ".gitignore").read_text() == ignore  # the person's text: never edited


def test_a_project_scope_install_says_its_commands_name_this_machine_s_program(
        tmp_path: Path) -> None:
    """A project file is committed and shared, but its commands name this machine's program by
    its absolute path: a new user's review found ``/work/venv/bin/ctxsteward hook ...`` in
    .claude/settings.json, and nothing said. The per-person file (local scope) says nothing."""
    root = _repo(tmp_path, {"a.py": "x = 1\n"})
    done = _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope", "project")
    assert done.returncode == 0, done.stderr
    written = json.loads((root / ".claude" / "settings.json").read_text())
    command = written["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"]
    program = shlex.split(command)[0]
    assert os.path.isabs(program), command
    line = next(ln for ln in done.stdout.splitlines() if "this machine's program" in ln)
    assert f"({program})" in line and "commit .claude/settings.json only if" in line, line
    assert "--scope local (.claude/settings.local.json" in line and "--scope user" in line, line
    mine = _cli(root, tmp_path, "install", "--agent", "claude-code", "--scope", "local")
    assert mine.returncode == 0, mine.stderr
    assert "this machine's program" not in mine.stdout, mine.stdout
    cursor = _cli(root, tmp_path, "install", "--agent", "cursor", "--scope", "project")
    line = next(ln for ln in cursor.stdout.splitlines() if "this machine's program" in ln)
    assert "--scope local" not in line and "--scope user" in line, line
