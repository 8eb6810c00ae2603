"""The agent's hook input: its JSON on stdin, read bounded, as the few fields we rely on.

Field names per agent (see ``events.py`` for the references): Claude Code and the VS Code
format use snake_case (``session_id``, ``transcript_path``, ``cwd``, ``prompt``, ``source``),
Cursor adds ``conversation_id`` and ``workspace_roots``, Copilot's camelCase format has
``sessionId``, ``transcriptPath``, ``cwd``, ``prompt``, ``source``. Codex sends snake_case like
Claude Code: ``session_id``, ``transcript_path`` (a string or ``null``), ``cwd``,
``hook_event_name``, ``model``, and per event ``prompt`` and ``turn_id`` (UserPromptSubmit),
``source`` (SessionStart: startup, resume, clear, compact), ``trigger`` (PreCompact: manual,
auto), ``reason`` (SessionEnd: other); its hooks run in the session's ``cwd``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

MAX_INPUT = 4 * 1024 * 1024  # bytes of stdin read, at most


@dataclass
class HookInput:
    """The fields of an agent's hook input the hook uses (empty when absent)."""

    session_id: str = ""
    prompt: str = ""
    cwd: str = ""
    transcript_path: str = ""
    source: str = ""  # session start: startup, resume, clear, compact (Claude Code, Codex), new
    workspace_roots: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, data: Any) -> HookInput:
        """The fields of a decoded JSON object (anything else gives an empty input)."""
        if not isinstance(data, dict):
            return cls()

        def text(*names: str) -> str:
            """The first of ``names`` holding a string."""
            for n in names:
                v = data.get(n)
                if isinstance(v, str):
                    return v
            return ""

        roots = data.get("workspace_roots")
        return cls(
            session_id=text("session_id", "sessionId", "conversation_id"),
            prompt=text("prompt"),
            cwd=text("cwd"),
            transcript_path=text("transcript_path", "transcriptPath"),
            source=text("source"),
            workspace_roots=[r for r in roots if isinstance(r, str)] if isinstance(roots, list)
            else [])


def read_input(stream: IO[bytes]) -> tuple[HookInput, str]:
    """The input on ``stream`` and why it could not be read ("" when it could). A terminal is
    not read (a person ran the command: agents pipe their JSON)."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return HookInput(), "no input (stdin is a terminal)"
    data = stream.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        return HookInput(), f"input over {MAX_INPUT:,} bytes"
    if not data.strip():
        return HookInput(), "no input"
    try:
        return HookInput.parse(json.loads(data.decode("utf-8", "replace"))), ""
    except ValueError as e:
        return HookInput(), f"input is not JSON ({e.__class__.__name__})"


def start_folder(agent: str, hook: HookInput, env: Mapping[str, str] | None = None) -> Path:
    """Where the workspace is looked for: ``CLAUDE_PROJECT_DIR`` (Claude Code), the input's
    ``cwd``, Cursor's first ``workspace_roots``, else the process's folder."""
    env = os.environ if env is None else env
    candidates: list[str] = []
    if agent == "claude-code":
        candidates.append(env.get("CLAUDE_PROJECT_DIR", ""))
    candidates += [hook.cwd, *hook.workspace_roots[:1]]
    for c in candidates:
        if c and os.path.isabs(c):
            return Path(c)
    return Path.cwd()
