"""The files an agent session touched lately, from its transcript (Claude Code's JSONL).

Each line of the transcript is a JSON object; an assistant message's ``content`` holds
``tool_use`` parts whose ``input`` names a file (``file_path`` for Read, Edit, Write, MultiEdit;
``notebook_path`` for NotebookEdit; ``path`` for Grep and Glob, a folder then, ignored). Only the
last :data:`TAIL_BYTES` are read; only a regular ``.jsonl`` file in the agent's own folder
(``~/.claude``, ``$CLAUDE_CONFIG_DIR``) or in the workspace is read; only files inside the
workspace are returned, checked by the one path rule (:func:`analyzers.app.paths.workspace_path`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TAIL_BYTES = 512 * 1024
RECENT = 8  # files returned, the most recent first
FILE_KEYS = ("file_path", "notebook_path")


def _allowed(transcript: Path, root: Path, env: dict[str, str]) -> bool:
    """Whether ``transcript`` may be read: a regular ``.jsonl`` file, not a symlink, in the
    agent's own folder or in the workspace."""
    if transcript.suffix != ".jsonl" or not transcript.is_absolute():
        return False
    try:
        if transcript.is_symlink() or not transcript.is_file():
            return False
        real = transcript.resolve()
    except (OSError, RuntimeError):
        return False
    homes = [root]
    if env.get("CLAUDE_CONFIG_DIR"):
        homes.append(Path(env["CLAUDE_CONFIG_DIR"]))
    homes.append(Path.home() / ".claude")
    for home in homes:
        try:
            real.relative_to(home.resolve())
            return True
        except (ValueError, OSError, RuntimeError):
            continue
    return False


def _tail_lines(path: Path) -> list[str]:
    """The last :data:`TAIL_BYTES` of ``path`` as whole lines."""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - TAIL_BYTES))
        data = f.read(TAIL_BYTES)
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[1:] if size > TAIL_BYTES else lines


def _tool_files(entry: Any) -> Iterator[str]:
    """The file paths named by the tool uses of one transcript entry."""
    message = entry.get("message") if isinstance(entry, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return
    for part in content:
        if isinstance(part, dict) and part.get("type") == "tool_use":
            args = part.get("input")
            if isinstance(args, dict):
                for key in FILE_KEYS:
                    if isinstance(args.get(key), str):
                        yield args[key]


def recent_files(transcript: str, root: Path, env: dict[str, str] | None = None) -> list[str]:
    """The workspace files (root-relative) the session's latest tool uses named, the most
    recent first, at most :data:`RECENT`; none when the transcript may not be read."""
    env = dict(os.environ) if env is None else env
    if not transcript or not _allowed(Path(transcript), root, env):
        return []
    from analyzers.app.errors import RequestError
    from analyzers.app.paths import Secrets, workspace_path

    try:
        lines = _tail_lines(Path(transcript))
    except OSError:
        return []
    named: list[str] = []
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        named.extend(reversed(list(_tool_files(entry))))
    out: list[str] = []
    for raw in named:
        if len(out) >= RECENT:
            break
        try:
            rel = workspace_path(root, raw, what="seed", base=root, secrets=Secrets.NONE)
        except (RequestError, OSError, ValueError):
            continue
        if rel not in out:
            out.append(rel)
    return out
