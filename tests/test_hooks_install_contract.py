"""The settings shapes ``hooks install`` relies on, pinned by each agent's documented examples.

Each fixture is an agent's own example configuration (the doc's address above it). The tests
check that (1) what we write has the documented shape, field for field, (2) installing into the
documented example keeps its entries as they were and adds ours, and (3) our entries are found
again by the same reading the agent does (event -> list -> handler -> command).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.hooks import install
from server.hooks.install_agents import SPECS, command_line, program_of, recognise

PREFIX = ["/opt/ctx steward/bin/ctxsteward"]  # a space: the command line must quote it

# https://docs.claude.com/en/docs/claude-code/hooks ("Configuration" / "Structure", and its
# project-script and UserPromptSubmit examples): matcher groups of command handlers; "timeout" in
# seconds; the matcher omitted for events that have none.
CLAUDE_DOC = """{
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Write",
        "hooks": [
          {
            "type": "command",
            "command": "\\"$CLAUDE_PROJECT_DIR\\"/.claude/hooks/check-style.sh",
            "timeout": 30
          }
        ]
      }
    ],
    "UserPromptSubmit": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/path/to/prompt-validator.py"
          }
        ]
      }
    ]
  }
}
"""

# https://cursor.com/docs/agent/hooks ("Configuration"): version 1, event -> list of
# {"command": ...} (its afterFileEdit example); a second entry with the per-script "timeout"
# option (seconds) that the same page lists.
CURSOR_DOC = """{
  "version": 1,
  "hooks": {
    "afterFileEdit": [{ "command": "./hooks/format.sh" }],
    "beforeShellExecution": [{ "command": "./hooks/audit.sh", "timeout": 30 }]
  }
}
"""

# https://docs.github.com/en/copilot/reference/hooks-reference ("Command hooks"): version 1,
# event -> list of {"type": "command", "bash"/"powershell", "cwd", "env", "timeoutSec"}.
COPILOT_DOC = """{
  "version": 1,
  "hooks": {
    "preToolUse": [
      {
        "type": "command",
        "bash": "your-bash-command",
        "powershell": "your-powershell-command",
        "cwd": "optional/working/directory",
        "env": { "VAR": "value" },
        "timeoutSec": 30
      }
    ]
  }
}
"""

# https://developers.openai.com/codex/hooks ("Config shape", the page's example as it stands;
# $TOP stands for its "$(git rev-parse --show-toplevel)", for the lines' length): an optional
# top-level description; event -> matcher groups -> handlers {"type": "command", "command",
# "timeout" (seconds), "statusMessage", "additionalContextLimit"}; the matcher omitted where an
# event has none.
CODEX_DOC = r"""{
  "description": "Optional lifecycle hooks for this workspace.",
  "hooks": {
    "SessionStart": [
      {
        "matcher": "startup|resume",
        "hooks": [
          {
            "type": "command",
            "command": "python3 ~/.codex/hooks/session_start.py",
            "statusMessage": "Loading session notes",
            "additionalContextLimit": 5000
          }
        ]
      }
    ],
    "SessionEnd": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "python3 ~/.codex/hooks/session_end.py",
            "timeout": 3
          }
        ]
      }
    ],
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "/usr/bin/python3 \"$TOP/.codex/hooks/pre_tool_use_policy.py\"",
            "statusMessage": "Checking Bash command"
          }
        ]
      }
    ],
    "PermissionRequest": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "/usr/bin/python3 \"$TOP/.codex/hooks/permission_request.py\"",
            "statusMessage": "Checking approval request"
          }
        ]
      }
    ],
    "PostToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "/usr/bin/python3 \"$TOP/.codex/hooks/post_tool_use_review.py\"",
            "statusMessage": "Reviewing Bash output"
          }
        ]
      }
    ],
    "UserPromptSubmit": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/usr/bin/python3 \"$TOP/.codex/hooks/user_prompt_submit_data_flywheel.py\""
          }
        ]
      }
    ],
    "Stop": [
      {
        "hooks": [
          {
            "type": "command",
            "command": "/usr/bin/python3 \"$TOP/.codex/hooks/stop_continue.py\"",
            "timeout": 30
          }
        ]
      }
    ]
  }
}
""".replace("$TOP", "$(git rev-parse --show-toplevel)")

DOCS = {"claude-code": CLAUDE_DOC, "cursor": CURSOR_DOC, "copilot": COPILOT_DOC,
        "codex": CODEX_DOC}
NESTED = ("claude-code", "codex")  # event -> matcher groups -> handlers

# The events the runtime answers, as each agent spells them (the contract with `ctxsteward hook`).
EVENTS = {
    "claude-code": ["UserPromptSubmit", "SessionStart", "PreCompact", "SessionEnd"],
    "cursor": ["beforeSubmitPrompt", "sessionStart", "preCompact", "sessionEnd"],
    "copilot": ["sessionStart", "userPromptSubmitted", "preCompact", "sessionEnd"],
    "codex": ["UserPromptSubmit", "SessionStart", "PreCompact", "SessionEnd"],
}


def _install(agent: str, text: str) -> str:
    spec = SPECS[agent]
    return install.install_text(spec, text, "settings",
                                lambda event: command_line(PREFIX, event, agent))[0]


@pytest.mark.parametrize("agent", list(DOCS))
def test_the_documented_example_keeps_its_entries_and_gains_ours(agent: str) -> None:
    doc = json.loads(DOCS[agent])
    after = json.loads(_install(agent, DOCS[agent]))
    for event, entries in doc["hooks"].items():
        if event not in EVENTS[agent]:
            assert after["hooks"][event] == entries
        else:  # the documented entry first, ours after it
            assert after["hooks"][event][:len(entries)] == entries
    assert {k: v for k, v in after.items() if k != "hooks"} == {
        k: v for k, v in doc.items() if k != "hooks"}
    assert set(EVENTS[agent]) <= set(after["hooks"])


def _handlers(agent: str, document: dict, event: str) -> list[dict]:
    """The handlers the agent runs for ``event``, read the way its reference describes."""
    entries = document["hooks"][event]
    if agent in NESTED:
        return [h for group in entries for h in group["hooks"]]
    return entries


@pytest.mark.parametrize("agent", list(DOCS))
def test_our_entries_have_the_documented_shape(agent: str) -> None:
    after = json.loads(_install(agent, DOCS[agent]))
    for event in EVENTS[agent]:
        ours = [h for h in _handlers(agent, after, event)
                if recognise(h.get("command") or h.get("bash") or "") == (event, agent)]
        assert len(ours) == 1, event
        h = ours[0]
        if agent == "claude-code":
            assert set(h) == {"type", "command", "timeout"}
            assert h["type"] == "command" and isinstance(h["timeout"], int)
            command = h["command"]
        elif agent == "codex":
            assert set(h) == {"type", "command", "timeout"} and h["type"] == "command"
            # "timeout is in seconds"; "SessionEnd ... support[s] up to 3 seconds".
            assert isinstance(h["timeout"], int)
            assert (1 <= h["timeout"] <= 3) if event == "SessionEnd" else \
                (5 <= h["timeout"] <= 120), h
            command = h["command"]
        elif agent == "cursor":
            assert set(h) == {"command", "timeout"} and isinstance(h["timeout"], int)
            # Seconds (the reference's "Execution timeout in seconds"), not milliseconds: a
            # prompt hook waits seconds at most, a refresh of the note a minute.
            assert 5 <= h["timeout"] <= 120, h
            command = h["command"]
        else:
            assert set(h) == {"type", "bash", "timeoutSec"} and h["type"] == "command"
            command = h["bash"]
        # The runtime's contract: <executable> hook <EVENT> --agent <AGENT>, quoted for a shell.
        assert command == f"'{PREFIX[0]}' hook {event} --agent {agent}"
    if agent in ("cursor", "copilot"):
        assert after["version"] == 1
    else:  # Codex's hooks.json has "description" and "hooks" at its top, no "version"
        assert "version" not in after


@pytest.mark.parametrize("agent", NESTED)
def test_session_start_covers_every_source_and_others_need_no_matcher(agent: str) -> None:
    after = json.loads(_install(agent, "{}"))
    # SessionStart's matcher is tested against "source": startup, resume, clear or compact
    # (both agents' references); Codex's PreCompact matcher filters manual|auto and SessionEnd's
    # its reason: none matches every occurrence.
    (group,) = after["hooks"]["SessionStart"]
    assert set(group["matcher"].split("|")) == {"startup", "resume", "clear", "compact"}
    for event in ("UserPromptSubmit", "PreCompact", "SessionEnd"):
        assert "matcher" not in after["hooks"][event][0]


def test_a_new_file_starts_as_the_agent_documents_it(tmp_path: Path) -> None:
    for agent in DOCS:
        plan = install.plan_install(agent, "project", tmp_path, PREFIX)
        assert plan.before is None and plan.after is not None
        document = json.loads(plan.after)
        if agent in ("cursor", "copilot"):
            assert document["version"] == 1  # Cursor and Copilot: "version": 1
        else:
            assert set(document) == {"hooks"}  # Claude Code; Codex: "description" and "hooks"
        assert set(document["hooks"]) == set(EVENTS[agent])
    assert SPECS["copilot"].scope_file("project", tmp_path) == (
        tmp_path / ".github/hooks/ctxsteward.json")  # one of the .github/hooks/*.json it loads
    assert SPECS["codex"].scope_file("project", tmp_path) == tmp_path / ".codex/hooks.json"


def test_what_is_ours_is_told_by_the_command_line() -> None:
    assert recognise("/x/bin/ctxsteward hook SessionEnd --agent cursor") == ("SessionEnd", "cursor")
    assert recognise("'/x y/ctxsteward' hook PreCompact --agent codex") == ("PreCompact", "codex")
    assert recognise("'/a b/python' -I -m server.cli hook SessionStart --agent claude-code") == (
        "SessionStart", "claude-code")
    # A copy run from its source folder, by the path of its __main__.py (isolated).
    source = "'/a b/python' -I '/src/ctx/server/cli/__main__.py' hook SessionEnd --agent codex"
    assert recognise(source) == ("SessionEnd", "codex")
    assert program_of(source) == "/a b/python"
    assert recognise("python -I /src/ctx/server/cli/__main__.py hook SessionEnd --agent codex") \
        is None  # not an absolute interpreter
    assert recognise("/usr/bin/other-tool hook SessionEnd --agent cursor") is None
    assert recognise("ctxsteward hook SessionEnd --agent cursor && rm -rf x") is None
    assert recognise(42) is None
