"""Agents' hook settings files and the helper files ``hooks install`` leaves beside them.

Neither is the person's work: the context map never lists them (:func:`agent_state`) and the
handoff note leaves the helper files out of its changed files (:data:`HELPER_PATHSPECS`). The
helper files are the backups an install makes (``NAME.ctxsteward-backup``, then ``.2``, ``.3``,
...) and its records of the folders it made (``NAME.ctxsteward-folders``, which may name this
machine's absolute paths).
"""

from __future__ import annotations

from pathlib import PurePosixPath

BACKUP_SUFFIX = ".ctxsteward-backup"
FOLDERS_SUFFIX = ".ctxsteward-folders"

# Agents' hook settings files, their backups and folder records (PurePath.match patterns).
AGENT_STATE = (".claude/settings*.json*", ".cursor/hooks.json*", ".github/hooks/*.json*",
               ".codex/hooks.json*")

# The installer's helper files as git pathspecs to leave out (glob magic: ``**/`` matches at
# the top too; anything named with our suffixes is ours, wherever a record had to go).
HELPER_PATHSPECS = (f":(top,exclude,glob)**/*{BACKUP_SUFFIX}",
                    f":(top,exclude,glob)**/*{BACKUP_SUFFIX}.*",
                    f":(top,exclude,glob)**/*{FOLDERS_SUFFIX}")


def agent_state(path: str) -> bool:
    """Whether ``path`` is an agent's hook settings file (``.claude/settings*.json``,
    ``.cursor/hooks.json``, ``.github/hooks/*.json``, ``.codex/hooks.json``, their backups and
    folder records) or our own state (``.ctxsteward/``): never worth a map's line."""
    p = PurePosixPath(path)
    return p.parts[:1] == (".ctxsteward",) or ".ctxsteward" in p.parts[:-1] or any(
        p.match(pattern) for pattern in AGENT_STATE)
