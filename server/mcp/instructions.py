"""Instruction files (CLAUDE.md, AGENTS.md...) an agent loads for paths of the workspace.

Inside the workspace this is :func:`analyzers.instructions.loaded_for` (each agent's documented
loading rules, ``@imports`` expanded); above it, the plain-named files in the workspace's parent
folders, which Claude Code also reads (from the folder it starts in up to the file system root).
Only files loaded unconditionally count; scoped rules load when matching files are read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from analyzers.cancel import NEVER, CancelToken
from analyzers.config import Settings
from analyzers.indexing.index import Index

ABOVE_ROOT = {"CLAUDE.md": "Claude Code", "CLAUDE.local.md": "Claude Code",
              ".claude/CLAUDE.md": "Claude Code", "AGENTS.md": "agents reading parent folders",
              "GEMINI.md": "Gemini CLI"}


@dataclass
class Load:
    path: str  # root-relative, or absolute above the root
    full: Path
    tokens: int
    agents: list[str] = field(default_factory=list)


def above_root(root: Path, settings: Settings) -> list[tuple[Path, str]]:
    """Instruction files in the folders above ``root`` (outermost first), with who loads them."""
    wanted = [n for n in ABOVE_ROOT if n in settings.instruction_files]
    out: list[tuple[Path, str]] = []
    for folder in reversed(root.parents):
        for name in wanted:
            p = folder / name
            if p.is_file() and not p.is_symlink():
                out.append((p, ABOVE_ROOT[name]))
    return out


def loads(root: Path, settings: Settings, paths: Iterable[str], index: Index | None = None,
          token: CancelToken = NEVER) -> list[Load]:
    """Instruction files loaded for each root-relative path (file or folder), outermost first."""
    from analyzers.instructions import CheckView, loaded_for
    from analyzers.tokens import Counter

    counter = Counter(settings.encoding, settings.model_profile())
    out: dict[str, Load] = {}
    for full, who in above_root(root, settings):
        try:
            text = full.read_text("utf-8", "replace")
        except OSError:
            continue
        out[str(full)] = Load(str(full), full, counter.count(text), [who])
    iws = CheckView(root, settings, index, token=token, persist_git=False)
    folders = []
    for rel in paths:
        folder = rel if rel == "." or (root / rel).is_dir() else (posixpath.dirname(rel) or ".")
        if folder not in folders:
            folders.append(folder)
    for folder in folders:
        token.check()
        for agent in loaded_for(iws, folder).agents:
            for f in agent.files:
                if f.conditional:
                    continue
                load = out.setdefault(f.path, Load(f.path, root / f.path, f.tokens))
                if agent.agent not in load.agents:
                    load.agents.append(agent.agent)
    return list(out.values())
