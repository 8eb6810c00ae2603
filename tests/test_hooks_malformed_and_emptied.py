"""``hooks status`` reports a hook entry edited by hand into a shape the agent cannot run (it
said "NOT INSTALLED (removed since the install?)"), and ``hooks uninstall`` of a settings file
emptied by hand leaves no record of ours behind (a new user's hour, session 30)."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli


def _cli(root: Path, tmp_path: Path, *args: str):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return run_cli("hooks", *args, cwd=root,
                   env={"HOME": str(home), "COPILOT_HOME": str(home / ".copilot"),
                        "CODEX_HOME": ""})


def test_status_reports_malformed_entries(tmp_path):
    root = make_repo(tmp_path / "repo", {"README.md": "# r\n"})
    assert _cli(root, tmp_path, "install", "--agent", "claude-code").returncode == 0
    settings = root / ".claude" / "settings.local.json"
    doc = json.loads(settings.read_text())
    start = doc["hooks"]["SessionStart"][0]
    start["hooks"] = start["hooks"][0]  # an object where a list belongs
    del doc["hooks"]["PreCompact"][0]["hooks"][0]["command"]
    doc["hooks"]["SessionEnd"] = "ctxsteward hook SessionEnd"
    # a prompt handler has no command line, and is no problem
    doc["hooks"]["UserPromptSubmit"].append({"hooks": [{"type": "prompt", "prompt": "Be brief"}]})
    settings.write_text(json.dumps(doc, indent=2))

    proc = _cli(root, tmp_path, "status", "--agent", "claude-code")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    fix = ("claude-code cannot run it (and may refuse the whole file); fix it in "
           ".claude/settings.local.json by hand")
    assert f"MALFORMED hooks.SessionStart[0].hooks: an object, not a list: {fix}" in out
    assert (f'MALFORMED hooks.PreCompact[0].hooks[0]: no "command" (a command handler with no '
            f"command line): {fix}") in out
    assert f"MALFORMED hooks.SessionEnd: a string, not a list: {fix}" in out
    assert "UserPromptSubmit[1]" not in out
    assert "NOT INSTALLED as the agent reads it: its entry is malformed (above)" in out
    assert "removed since the install?" not in out

    report = json.loads(_cli(root, tmp_path, "status", "--agent", "claude-code",
                             "--json").stdout)
    local = next(s for s in report["agents"][0]["scopes"] if s["scope"] == "local")
    assert len(local["malformed"]) == 3


def test_a_well_formed_install_reports_nothing_malformed(tmp_path):
    root = make_repo(tmp_path / "repo", {"README.md": "# r\n"})
    for agent in ("claude-code", "cursor", "copilot", "codex"):
        assert _cli(root, tmp_path, "install", "--agent", agent).returncode == 0
    proc = _cli(root, tmp_path, "status")
    assert proc.returncode == 0 and "MALFORMED" not in proc.stdout, proc.stdout


def test_uninstall_of_an_emptied_file_leaves_no_record(tmp_path):
    root = make_repo(tmp_path / "repo", {"README.md": "# r\n"})
    assert _cli(root, tmp_path, "install", "--agent", "claude-code").returncode == 0
    folder = root / ".claude"
    (folder / "settings.local.json").write_text("")  # emptied by hand
    proc = _cli(root, tmp_path, "uninstall", "--agent", "claude-code")
    assert proc.returncode == 0, proc.stderr
    assert ("nothing installed: an empty file the install made (it goes, with our record "
            "beside it)") in proc.stdout
    assert not folder.exists(), sorted(p.name for p in folder.iterdir())


def test_uninstall_of_an_emptied_file_of_the_person_s_keeps_it(tmp_path):
    root = make_repo(tmp_path / "repo", {"README.md": "# r\n",
                                         ".claude/settings.local.json": '{"permissions": {}}\n'})
    assert _cli(root, tmp_path, "install", "--agent", "claude-code").returncode == 0
    settings = root / ".claude" / "settings.local.json"
    settings.write_text("")
    proc = _cli(root, tmp_path, "uninstall", "--agent", "claude-code")
    assert proc.returncode == 0, proc.stderr
    assert "nothing installed: an empty file (our record of the install beside it goes)" \
        in proc.stdout
    left = sorted(p.name for p in settings.parent.iterdir())
    # the person's (empty) file, and the backup of their text before the install, named
    assert left == ["settings.local.json", "settings.local.json.ctxsteward-backup"], left
    assert "settings.local.json.ctxsteward-backup" in proc.stdout
