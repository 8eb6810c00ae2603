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


# -- a fourth hostile review (each test failed before its fix) --------------------------------

def _lines(path: Path) -> dict[str, list[str]]:
    """Every command line in the file, by event."""
    out: dict[str, list[str]] = {}
    for event, items in json.loads(path.read_text()).get("hooks", {}).items():
        for item in items:
            for h in item.get("hooks", [item]):
                out.setdefault(event, []).append(h.get("command") or h.get("bash"))
    return out


def test_every_line_of_ours_edited_is_still_ours(tmp_path: Path) -> None:
    """The person added ``--quiet`` to each of our lines (none is as written any more): each is
    still ours, at its event, so status counts 4 of 4 and the uninstall gives the file back."""
    root, home = _world(tmp_path)
    path = root / ".claude/settings.local.json"
    _write(path, '{"x":1}\n')
    _run("install", "claude-code", root, home, scope="local")
    path.write_text(path.read_text().replace('--agent claude-code"',
                                             '--agent claude-code --quiet"'))
    assert all(c.endswith(" --quiet") for cs in _lines(path).values() for c in cs)
    assert "4 of 4 hooks installed" in _status("claude-code", root, home, "local")
    done = _run("uninstall", "claude-code", root, home, scope="local")
    assert path.read_text() == '{"x":1}\n', done.stdout
    # edited, with a bare line of the person's beside it: the edit is ours, the bare line theirs
    _run("install", "claude-code", root, home, scope="local")
    doc = json.loads(path.read_text())
    group = doc["hooks"]["SessionStart"][0]
    group["hooks"][0]["command"] += " --quiet"
    bare = {"type": "command", "command": "ctxsteward hook SessionStart --agent claude-code"}
    doc["hooks"]["SessionStart"].append({"hooks": [bare]})
    path.write_text(json.dumps(doc))
    done = _run("uninstall", "claude-code", root, home, scope="local")
    assert json.loads(path.read_text()) == {"x": 1, "hooks": {"SessionStart": [{"hooks": [bare]}]}}
    assert "kept SessionStart: your own line" in done.stdout, done.stdout


WRAPPED = ("cd /srv && ctxsteward hook SessionStart --agent codex",
           "bash -c 'ctxsteward hook PreCompact --agent codex'")
CODEX_OWN = {"hooks": {
    "SessionStart": [{"hooks": [{"type": "command", "command": WRAPPED[0]}]}],
    "PreCompact": [{"hooks": [{"type": "command", "command": WRAPPED[1]}]}]}}


def test_a_line_running_our_hook_with_a_redirection_or_a_wrapper_gets_no_duplicate(
        tmp_path: Path) -> None:
    """The person's own wrapped lines (``cd /x && ...``, ``bash -c '...'``) before the install,
    and our line the person gave a redirection after it: the install adds no second line at
    those events (the hook would run twice) and says so; status shows them; the uninstall removes
    only what is certainly ours (the redirected line is kept, and named), and keeps theirs."""
    root, home = _world(tmp_path)
    path = root / ".codex/hooks.json"
    text = json.dumps(CODEX_OWN, indent=2) + "\n"
    _write(path, text)
    done = _run("install", "codex", root, home, scope="project")
    assert done.stdout.count("your own entry runs ctxsteward's hook") == 2, done.stdout
    assert _lines(path)["SessionStart"] == [CODEX_OWN["hooks"]["SessionStart"][0]["hooks"][0][
        "command"]] and len(_lines(path)["PreCompact"]) == 1
    line = _lines(path)["UserPromptSubmit"][0]
    log = tmp_path / "log"
    path.write_text(path.read_text().replace(f'"{line}"', f'"{line} 2>>{log}"'))
    done = _run("install", "codex", root, home, scope="project")
    assert "UserPromptSubmit: our entry was changed since the install" in done.stdout, done.stdout
    assert _lines(path)["UserPromptSubmit"] == [f"{line} 2>>{log}"]
    hooks = _status_json("codex", root, home, "project")
    assert hooks["UserPromptSubmit"]["installed"] and hooks["UserPromptSubmit"]["changed"]
    assert hooks["SessionStart"]["yours"] and hooks["PreCompact"]["yours"]
    done = _run("uninstall", "codex", root, home, scope="project")
    assert "kept UserPromptSubmit (changed since the install" in done.stdout, done.stdout
    assert _lines(path) == {"UserPromptSubmit": [f"{line} 2>>{log}"],
                            "SessionStart": _lines(path)["SessionStart"],
                            "PreCompact": _lines(path)["PreCompact"]}
    left = json.loads(path.read_text())
    del left["hooks"]["UserPromptSubmit"]
    assert left == CODEX_OWN


@pytest.mark.parametrize("theirs", [
    '{\n  "version": 1,\n  "hooks": {\n    "sessionStart": [],\n    "preCompact": [ ]\n  }\n}\n',
    '{\n  "version": 1,\n  "hooks": {  }\n}\n'])
@pytest.mark.parametrize("backups_gone", [True, False])
def test_lists_the_person_wrote_after_removing_ours_are_theirs(
        tmp_path: Path, theirs: str, backups_gone: bool) -> None:
    """The install added the hooks object and the lists; the person took our entries out and
    wrote the object and empty lists of their own; a second install, its backups removed or
    not, an uninstall: their object and lists stay (the first install's record no longer names
    them), the blanks inside them too."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _write(path, '{\n  "version": 1\n}\n')
    _run("install", "cursor", root, home, scope="project")
    path.write_text(theirs)
    _run("install", "cursor", root, home, scope="project")
    for backup in path.parent.glob("*backup*") if backups_gone else []:
        backup.unlink()
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert path.read_text() == theirs, done.stdout  # their "[ ]" too (the record kept its blank)


CLAUDE_FORM = ('{\n  "hooks": {\n    "SessionStart": [\n      {\n        "matcher": '
               '"startup|resume|clear|compact",\n        "hooks": [\n          {\n'
               '            "type": "command",\n            "command": '
               '"/usr/local/bin/ctxsteward hook SessionStart --agent claude-code",\n'
               '            "timeout": 15\n          }\n        ]\n      }\n    ]\n  }\n}\n')


def test_a_line_in_the_install_form_written_before_the_install_is_the_persons(
        tmp_path: Path) -> None:
    """The person wrote a line exactly as an install would (another path) before any install:
    the install neither rewrites it nor adds a second, says so and records it as theirs; the
    uninstall (twice) keeps it, and the file is their text again."""
    root, home = _world(tmp_path)
    path = root / ".claude/settings.local.json"
    _write(path, CLAUDE_FORM)
    done = _run("install", "claude-code", root, home, scope="local")
    assert "updated SessionStart" not in done.stdout, done.stdout
    assert "SessionStart: a line in the form an install writes was there before" in done.stdout
    assert _lines(path)["SessionStart"] == [
        "/usr/local/bin/ctxsteward hook SessionStart --agent claude-code"]
    assert _run("install", "claude-code", root, home, scope="local").stdout.count(
        "was there before") == 1
    for _ in range(2):
        done = _run("uninstall", "claude-code", root, home, scope="local")
        assert path.read_text() == CLAUDE_FORM, done.stdout
        assert "kept SessionStart: your own line runs our hook" in done.stdout, done.stdout
        # the record stays, saying only that this line is theirs: with no record, a line in the
        # install's form would be taken as an older install's
        record = json.loads(path.with_name(path.name + RECORD).read_text())
        assert record == {"made": [], "entries": {}, "theirs": [_lines(path)["SessionStart"][0]]}
    hooks = _status_json("claude-code", root, home, "local")
    assert hooks["SessionStart"]["yours"] and not any(h["installed"] for h in hooks.values())


@pytest.mark.parametrize("replace", ["command", "timeout"])
def test_an_entry_of_ours_the_person_rewrote_is_kept(tmp_path: Path, replace: str) -> None:
    """The person replaced our sessionStart entry with their own (a bare command, timeout 99), or
    only changed our entry's timeout: the uninstall keeps it, saying so, and removes the rest."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _run("install", "cursor", root, home, scope="project")
    doc = json.loads(path.read_text())
    entry = doc["hooks"]["sessionStart"][0]
    if replace == "command":
        entry = {"command": "ctxsteward hook sessionStart --agent cursor", "timeout": 99}
    else:
        entry["timeout"] = 99
    doc["hooks"]["sessionStart"] = [entry]
    path.write_text(json.dumps(doc, indent=2) + "\n")
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert json.loads(path.read_text()) == {"version": 1, "hooks": {"sessionStart": [entry]}}
    said = ("kept sessionStart (changed since the install" if replace == "timeout"
            else "kept sessionStart: your own line")
    assert said in done.stdout, done.stdout


def test_a_refusal_in_the_project_scope_names_paths_in_the_workspace(tmp_path: Path) -> None:
    root, home = _world(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / ".claude").symlink_to(outside)
    done = _run("install", "claude-code", root, home, scope="local", ok=False)
    assert "refused to write .claude/settings.local.json: .claude is a symlink" in done.stderr
    assert str(root) not in done.stderr, done.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("junk", [
    {"made": [1, 2]}, {"made": [], "extra": 1}, {"made": ["relative/folder"]},
    {"made": [], "theirs": "x"}, {"made": [], "entries": {"SessionStart": 3}},
    {"made": [], "containers": [None]}, {"made": [""]}])
def test_a_record_of_the_wrong_types_is_refused(tmp_path: Path, junk: dict[str, object]) -> None:
    root, home = _world(tmp_path)
    _run("install", "codex", root, home)
    record = home / f".codex/hooks.json{RECORD}"
    record.write_text(json.dumps(junk))
    text = (home / ".codex/hooks.json").read_text()
    for verb in ("uninstall", "install"):
        done = _run(verb, "codex", root, home, ok=False)
        assert "not in the shape an install writes" in done.stderr, done.stderr
    assert (home / ".codex/hooks.json").read_text() == text
    assert json.loads(record.read_text()) == junk


def test_concurrent_installs_keep_the_record_of_the_folder_they_made(tmp_path: Path) -> None:
    """Eight installs at once into a workspace with no .codex/: one makes the folder, and the
    record still names it afterwards (each run reads and writes the file and its record under a
    lock in the workspace, gone when done); the uninstall then removes the folder."""
    from gitutil import cli_command, git_env

    root, home = _world(tmp_path)
    env = {**git_env(), "HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}
    env.pop("COLUMNS", None)
    for _ in range(2):
        runs = [subprocess.Popen([*cli_command(), "hooks", "install", "--agent", "codex"],
                                 cwd=root, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(8)]
        for run in runs:
            out, err = run.communicate(timeout=300)
            assert run.returncode == 0 and "Traceback" not in err, out + err
        record = json.loads((root / f".codex/hooks.json{RECORD}").read_text())
        assert record["made"] == [str(root / ".codex")], record
        assert not (root / ".ctxsteward-hooks.lock").exists()
        assert len(_lines(root / ".codex/hooks.json")["SessionStart"]) == 1
        _run("uninstall", "codex", root, home, scope="project")
        assert not (root / ".codex").exists()


def test_a_symlinked_user_file_names_where_its_backup_really_is(tmp_path: Path) -> None:
    """~/.claude/settings.json is a link into ~/dotfiles/: the backup is written beside the file
    the link leads to, and the message names it there (it said "beside it")."""
    root, home = _world(tmp_path)
    (home / "dotfiles").mkdir()
    (home / "dotfiles/claude.json").write_text('{"model": "opus"}\n')
    (home / ".claude").mkdir()
    (home / ".claude/settings.json").symlink_to(home / "dotfiles/claude.json")
    done = _run("install", "claude-code", root, home)
    assert (f"backup ~/dotfiles/claude.json{BACKUP} (beside the file the link leads to)"
            in done.stdout), done.stdout
    assert (home / f"dotfiles/claude.json{BACKUP}").is_file()
    assert not (home / f".claude/settings.json{BACKUP}").exists()
    done = _run("uninstall", "claude-code", root, home)
    assert f"~/dotfiles/claude.json{BACKUP} (beside the file the link leads to)" in done.stdout
    assert (home / "dotfiles/claude.json").read_text() == '{"model": "opus"}\n'


def test_a_line_that_only_mentions_our_hook_does_not_stop_the_install(tmp_path: Path) -> None:
    """``echo 'ctxsteward hook ...'`` runs no hook: the install adds ours beside it (only the
    command given to a shell with ``-c`` is looked into), and the uninstall leaves it."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    mention = "echo 'ctxsteward hook sessionStart --agent cursor'"
    text = json.dumps({"version": 1, "hooks": {"sessionStart": [{"command": mention}]}}) + "\n"
    _write(path, text)
    done = _run("install", "cursor", root, home, scope="project")
    assert "added sessionStart" in done.stdout, done.stdout
    assert len(_lines(path)["sessionStart"]) == 2
    _run("uninstall", "cursor", root, home, scope="project")
    assert path.read_text() == text


def test_with_no_record_a_line_the_first_backup_holds_is_the_persons(tmp_path: Path) -> None:
    """An install from before records kept entries (simulated: the record removed) over a file
    whose SessionStart line was already in exactly the install's form: with no record, lines in
    that form count as that install's, but this one is in the oldest backup (the file before the
    first install): the uninstall keeps it, and the file is its backup's text again."""
    root, home = _world(tmp_path)
    path = home / ".claude/settings.json"
    _write(path, '{"x": 1}\n')
    _run("install", "claude-code", root, home)
    line = _lines(path)["SessionStart"][0]
    doc = json.loads(path.read_text())
    theirs = {"x": 1, "hooks": {"SessionStart": doc["hooks"]["SessionStart"]}}
    text = json.dumps(theirs, indent=2) + "\n"
    _run("uninstall", "claude-code", root, home)
    path.write_text(text)  # their line, in our form, before the (older) install below
    _run("install", "claude-code", root, home)
    path.with_name(path.name + RECORD).unlink()
    assert _lines(path)["SessionStart"] == [line]
    done = _run("uninstall", "claude-code", root, home)
    assert path.read_text() == text, done.stdout
    assert "kept SessionStart: your own line runs our hook" in done.stdout
    assert not path.with_name(path.name + BACKUP).exists()


# -- a fourth hostile review ---------------------------------------------------------------------


def _claude_group(event: str, command: str) -> dict[str, object]:
    from server.hooks.install_agents import SPECS

    ev = next(e for e in SPECS["claude-code"].events if e.name == event)
    return SPECS["claude-code"].entry(ev, command)


def test_an_install_that_changes_nothing_records_the_persons_lines(tmp_path: Path) -> None:
    """Every event already runs our hook by the person's own lines, one in exactly the form an
    install writes: the install changes nothing, says the line is theirs ("uninstall leaves
    it"), and records it so: the uninstall keeps all four (it removed the exact-form one)."""
    from server.hooks.install_agents import SPECS

    root, home = _world(tmp_path)
    events = [e.name for e in SPECS["claude-code"].events]
    hooks = {ev: [_claude_group(ev, f"/usr/local/bin/ctxsteward hook {ev} --agent claude-code"
                                if ev == "SessionStart" else
                                f"cd /x && ctxsteward hook {ev} --agent claude-code")]
             for ev in events}
    path = root / ".claude/settings.json"
    text = json.dumps({"hooks": hooks}, indent=2) + "\n"
    _write(path, text)
    done = _run("install", "claude-code", root, home, scope="project")
    assert "nothing to change" in done.stdout, done.stdout
    done = _run("uninstall", "claude-code", root, home, scope="project")
    assert "removed" not in done.stdout, done.stdout
    assert path.read_text() == text


def test_a_committed_cursor_file_in_the_install_form_keeps_all_four(tmp_path: Path) -> None:
    """A teammate's committed .cursor/hooks.json runs our hook for every event from
    /opt/ctx/bin/ctxsteward, in exactly the install's form: install, then uninstall, leave
    every line (the uninstall removed all four)."""
    from server.hooks.install_agents import SPECS

    root, home = _world(tmp_path)
    spec = SPECS["cursor"]
    hooks = {e.name: [spec.entry(e, f"/opt/ctx/bin/ctxsteward hook {e.name} --agent cursor")]
             for e in spec.events}
    path = root / ".cursor/hooks.json"
    text = json.dumps({"version": 1, "hooks": hooks}, indent=2) + "\n"
    _write(path, text)
    _run("install", "cursor", root, home, scope="project")
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert "removed" not in done.stdout, done.stdout
    assert path.read_text() == text


def _comment_in(path: Path, after: str, comment: str) -> str:
    text = path.read_text()
    assert after in text
    text = text.replace(after, after + "\n" + comment, 1)
    path.write_text(text)
    return text


def test_a_comment_in_a_list_the_install_made_keeps_the_list_and_file(tmp_path: Path) -> None:
    """Cursor reads JSONC: a comment the person wrote inside the preCompact list the install
    made keeps that list (with the comment) and so the file (it removed both)."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _run("install", "cursor", root, home, scope="project")
    _comment_in(path, '"preCompact": [', "      // NOTE: team policy")
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert "removed" in done.stdout and path.is_file(), done.stdout
    assert "// NOTE: team policy" in path.read_text()
    assert "ctxsteward hook" not in path.read_text()


def test_a_comment_in_a_list_keeps_the_backup_too(tmp_path: Path) -> None:
    """The file was there before: the uninstall leaves the comment in the list the install
    made, and the backup (the file is not its text)."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _write(path, json.dumps({"version": 1, "hooks": {"stop": [{"command": "echo bye"}]}},
                            indent=2) + "\n")
    _run("install", "cursor", root, home, scope="project")
    _comment_in(path, '"preCompact": [', "      // NOTE: team policy")
    _run("uninstall", "cursor", root, home, scope="project")
    assert "// NOTE: team policy" in path.read_text()
    assert path.with_name(path.name + BACKUP).is_file()


def _comment_inside_our_entry(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Cursor installed in a new repository (project scope), then a comment the person wrote
    inside our sessionStart entry: the repository, the home folder and .cursor/hooks.json."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _run("install", "cursor", root, home, scope="project")
    text = path.read_text()
    at = text.index('"command"', text.index('"sessionStart"'))
    path.write_text(text[:at] + "// why: ask Ann\n        " + text[at:])
    return root, home, path


def test_a_comment_inside_our_entry_keeps_it(tmp_path: Path) -> None:
    """A comment the person wrote inside our entry: the entry stays with it, and is named."""
    root, home, path = _comment_inside_our_entry(tmp_path)
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert "kept sessionStart (a comment is inside our entry" in done.stdout, done.stdout
    assert "// why: ask Ann" in path.read_text()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new, 1))


def test_a_second_install_records_our_line_as_written_not_as_edited(tmp_path: Path) -> None:
    """Codex: ``--quiet`` added to our PreCompact line, UserPromptSubmit removed by hand, install
    again (it adds UserPromptSubmit back), ``--quiet`` taken out: the line is ours still (the
    record had the edited line, so the line as written became "your own")."""
    root, home = _world(tmp_path)
    path = root / ".codex/hooks.json"
    _run("install", "codex", root, home, scope="project")
    line = _lines(path)["PreCompact"][0]
    _edit(path, line, line + " --quiet")
    doc = json.loads(path.read_text())
    del doc["hooks"]["UserPromptSubmit"]
    path.write_text(json.dumps(doc, indent=2) + "\n")
    _run("install", "codex", root, home, scope="project")
    _edit(path, line + " --quiet", line)
    assert "your own line" not in _status("codex", root, home, "project")
    _run("uninstall", "codex", root, home, scope="project")
    assert not path.exists()


def test_a_changed_line_of_ours_is_ours_again_once_changed_back(tmp_path: Path) -> None:
    """Cursor: sessionStart's timeout changed 15 -> 30: the uninstall keeps it (changed since
    the install), but never records it as the person's: set back to 15, the next uninstall
    removes it (it kept it as "your own line"), and with it the file and folder the install made
    (the record kept saying so while a line of ours stayed)."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _run("install", "cursor", root, home, scope="project")
    _edit(path, '"timeout": 15', '"timeout": 30')
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert "kept sessionStart (changed since the install" in done.stdout, done.stdout
    _edit(path, '"timeout": 30', '"timeout": 15')
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert "removed sessionStart" in done.stdout, done.stdout
    assert not path.parent.exists(), done.stdout


def test_a_read_only_workspace_with_a_writable_agent_folder_installs(tmp_path: Path) -> None:
    """The workspace root is read-only (a read-only mount), .cursor/ is writable: install and
    uninstall work (the lock could not be made in the root and blocked both); the lock goes in
    .cursor/, gone after."""
    import shlex
    import shutil

    from gitutil import cli_command, git_env

    root, home = _world(tmp_path)
    (root / ".cursor").mkdir()
    r, c = shlex.quote(str(root)), shlex.quote(str(root / ".cursor"))
    mounts = (f"mount --bind {r} {r} && mount -o remount,ro,bind {r} && mount --bind {c} {c} && "
              f"mount -o remount,rw,bind {c}")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"{mounts} && ! touch {r}/x"],
                           capture_output=True, check=False) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("no read-only bind mount here (unshare -m)")
    env = {**git_env(), "HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}
    env.pop("COLUMNS", None)
    for verb, said in (("install", "added sessionStart"), ("uninstall", "removed sessionStart")):
        cli = shlex.join([*cli_command(), "hooks", verb, "--agent", "cursor", "--scope",
                          "project"])
        done = subprocess.run(["unshare", "-m", "sh", "-c", f"{mounts} && exec {cli}"], cwd=root,
                              env=env, capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == 0 and said in done.stdout, done.stdout + done.stderr
    assert not (root / ".cursor/.ctxsteward-hooks.lock").exists()
    assert not (root / ".ctxsteward-hooks.lock").exists()


def test_a_killed_runs_lock_is_taken_over_at_once_and_a_live_ones_kept(tmp_path: Path) -> None:
    """A lock left by a process that is gone (``kill -9``) is taken over at once, not after a
    minute; one whose process lives is waited for, said once on stderr, however old."""
    import os
    import time

    from gitutil import cli_command, git_env

    root, home = _world(tmp_path)
    lock = root / ".ctxsteward-hooks.lock"
    gone = subprocess.Popen(["true"])
    gone.wait()
    lock.write_text(f"{gone.pid} abc\n")
    started = time.monotonic()
    _run("install", "cursor", root, home, scope="project")
    assert time.monotonic() - started < 30
    assert not lock.exists()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        lock.write_text(f"{sleeper.pid} abc\n")
        os.utime(lock, (time.time() - 3600, time.time() - 3600))
        env = {**git_env(), "HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}
        run = subprocess.Popen([*cli_command(), "hooks", "uninstall", "--agent", "cursor",
                                "--scope", "project"], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(5)
        assert run.poll() is None  # waiting: the lock's process lives
        lock.unlink()
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, out + err
        assert err.count("waiting for another ctxsteward hooks run (lock") == 1, err
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.parametrize("line", [
    "ctxsteward hook SessionStart",
    "ctxsteward hook --agent claude-code SessionStart",
    "ctxsteward hook SessionStart --agent claude-code --agent claude-code",
])
def test_a_persons_line_read_as_the_hook_reads_it_gets_no_duplicate(tmp_path: Path,
                                                                      line: str) -> None:
    """The person's own line runs our SessionStart hook however its arguments are written (no
    --agent: claude-code by default; flags before the event; --agent twice): the install adds no
    second one, and the uninstall leaves theirs."""
    root, home = _world(tmp_path)
    path = home / ".claude/settings.json"
    _write(path, json.dumps({"hooks": {"SessionStart": [_claude_group("SessionStart", line)]}},
                            indent=2) + "\n")
    done = _run("install", "claude-code", root, home)
    assert _lines(path)["SessionStart"] == [line], done.stdout
    _run("uninstall", "claude-code", root, home)
    assert _lines(path)["SessionStart"] == [line]


def _read_only_run(root: Path, writable: Path, home: Path, *args: str
                   ) -> subprocess.CompletedProcess[str] | None:
    """The CLI with ``root`` mounted read-only but ``writable`` (a folder below it) writable,
    in a mount namespace of its own; None when this machine cannot do that (``unshare -m``)."""
    import shlex
    import shutil

    from gitutil import cli_command, git_env

    r, c = shlex.quote(str(root)), shlex.quote(str(writable))
    mounts = (f"mount --bind {r} {r} && mount -o remount,ro,bind {r} && mount --bind {c} {c} && "
              f"mount -o remount,rw,bind {c}")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"{mounts} && ! touch {r}/x"],
                           capture_output=True, check=False) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        return None
    env = {**git_env(), "HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}
    env.pop("COLUMNS", None)
    cli = shlex.join([*cli_command(), *args])
    return subprocess.run(["unshare", "-m", "sh", "-c", f"{mounts} && exec {cli}"], cwd=root,
                          env=env, capture_output=True, text=True, check=False, timeout=120)


def test_a_lock_in_a_read_only_workspace_never_keeps_a_folder_the_install_made(
        tmp_path: Path) -> None:
    """The workspace root is read-only, .github/ (the person's) writable: the install makes
    .github/hooks/ for Copilot's file. The lock goes in .github/ for both runs (the install took
    none: .github/hooks/ was not there yet; the uninstall put it in .github/hooks/, which then
    was not empty and stayed): install then uninstall leaves .github/ as it was, empty."""
    root, home = _world(tmp_path)
    (root / ".github").mkdir()
    for verb in ("install", "uninstall"):
        done = _read_only_run(root, root / ".github", home, "hooks", verb, "--agent", "copilot")
        if done is None:
            pytest.skip("no read-only bind mount here (unshare -m)")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "no lock" not in done.stderr, done.stderr
    assert list((root / ".github").iterdir()) == []



def test_status_says_our_entry_with_a_comment_of_yours_is_kept(tmp_path: Path) -> None:
    """A comment the person wrote inside our sessionStart entry: status says uninstall leaves
    it (as the uninstall does: it keeps that entry, named), not plainly ours; the other events
    are plainly ours."""
    root, home, path = _comment_inside_our_entry(tmp_path)
    shown = _status("cursor", root, home, "project")
    line = next(x for x in shown.splitlines() if x.strip().startswith("sessionStart"))
    assert "a comment of yours is inside our entry: uninstall leaves it" in line, shown
    assert shown.count("a comment of yours") == 1, shown
    state = _status_json("cursor", root, home, "project")
    assert state["sessionStart"]["commented"] and state["sessionStart"]["installed"]
    assert not state["preCompact"]["commented"]
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert "kept sessionStart (a comment is inside our entry" in done.stdout, done.stdout


@pytest.mark.parametrize("kind", ["dangling symlink", "folder"])
def test_a_lock_path_holding_something_not_ours_is_refused_at_once(tmp_path: Path,
                                                                   kind: str) -> None:
    """Where the lock goes there is a dangling symlink (the run spun for ever: reading it said
    "gone", yet making the lock said "exists") or a folder (waited 90 seconds): refused at once,
    exit 2, naming it, nothing written, the thing left as it is."""
    from gitutil import run_cli

    root, home = _world(tmp_path)
    lock = root / ".ctxsteward-hooks.lock"
    if kind == "folder":
        lock.mkdir()
    else:
        lock.symlink_to(tmp_path / "nowhere")
    done = run_cli("hooks", "install", "--agent", "cursor", cwd=root, timeout=60,
                   env={"HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""})
    assert done.returncode == 2, done.stdout + done.stderr
    assert ".ctxsteward-hooks.lock is not a lock of ours" in done.stderr, done.stderr
    assert not (root / ".cursor").exists()
    assert lock.is_dir() if kind == "folder" else lock.is_symlink()


@pytest.mark.parametrize("verb", ["install", "uninstall"])
def test_a_read_only_settings_file_is_refused(tmp_path: Path, verb: str) -> None:
    """A settings file no one may write (mode 444: the person froze it) is refused, exit 2,
    naming it, even for root (who could replace it): nothing written beside it either."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _write(path, '{"version": 1, "hooks": {"stop": [{"command": "echo bye"}]}}\n')
    if verb == "uninstall":
        _run("install", "cursor", root, home, scope="project")
    before = {p.name: p.read_bytes() for p in path.parent.iterdir()}
    path.chmod(0o444)
    done = _run(verb, "cursor", root, home, scope="project", ok=False)
    assert done.returncode == 2, done.stderr
    assert ".cursor/hooks.json is read-only (permissions r--r--r--, mode 0444)" in done.stderr, \
        done.stderr
    assert {p.name: p.read_bytes() for p in path.parent.iterdir()} == before


def test_a_file_that_cannot_be_replaced_leaves_no_backup_nor_record(tmp_path: Path) -> None:
    """The settings file is mounted on its own (a file mounted into a container): the install
    fails at the last step (the rename over it: busy) and says why, exit 2, and takes back
    the backup and the record it had written beside it (they stayed, naming an install that did
    not happen, and no uninstall removed them)."""
    import shlex
    import shutil

    from gitutil import cli_command, git_env

    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    _write(path, '{"version": 1}\n')
    f = shlex.quote(str(path))
    mounts = f"mount --bind {f} {f}"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"{mounts} && touch {f}.new && "
                            f"! mv {f}.new {f}"],
                           capture_output=True, check=False) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("no file bind mount here (unshare -m)")
    (path.parent / "hooks.json.new").unlink()
    env = {**git_env(), "HOME": str(home), "COPILOT_HOME": "", "CODEX_HOME": ""}
    env.pop("COLUMNS", None)
    cli = shlex.join([*cli_command(), "hooks", "install", "--agent", "cursor"])
    done = subprocess.run(["unshare", "-m", "sh", "-c", f"{mounts} && exec {cli}"], cwd=root,
                          env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "it is mounted on its own" in done.stderr, done.stderr
    assert sorted(p.name for p in path.parent.iterdir()) == ["hooks.json"]
    assert path.read_text() == '{"version": 1}\n'


def test_ours_taken_out_by_hand_leaves_no_backup_nor_record_at_uninstall(tmp_path: Path) -> None:
    """The person took our entries out by hand, giving the file back its text before the install
    byte for byte (or an install was killed between its backup and the file): the uninstall has
    nothing to take out, and removes the backup (the file's very text) and the record (naming
    nothing in the file); they stayed for ever. Only the file, as it was, remains."""
    root, home = _world(tmp_path)
    path = root / ".cursor/hooks.json"
    text = '{"version": 1, "hooks": {"stop": [{"command": "echo bye"}]}}\n'
    _write(path, text)
    _run("install", "cursor", root, home, scope="project")
    path.write_text(path.with_name(path.name + BACKUP).read_text())
    done = _run("uninstall", "cursor", root, home, scope="project")
    assert "held this same text" in done.stdout, done.stdout
    assert sorted(p.name for p in path.parent.iterdir()) == ["hooks.json"]
    assert path.read_text() == text


def test_status_names_a_file_it_cannot_read_once(tmp_path: Path) -> None:
    """Claude Code reads strict JSON: a comment in its file is named by status on the file's
    line, without the file's name said twice (".claude/settings.json: .claude/settings.json
    cannot be read ...")."""
    root, home = _world(tmp_path)
    _write(home / ".claude/settings.json", '{\n  // mine\n  "model": "x"\n}\n')
    shown = _status("claude-code", root, home)
    line = next(x for x in shown.splitlines() if "settings.json" in x)
    assert "cannot be read as JSON: a comment" in line and line.count("settings.json") == 1, line
