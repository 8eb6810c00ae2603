"""Which files are agent instruction files, and what kind each is.

Patterns come from ``Settings.instruction_files``: a pattern without ``/`` matches a file name at
any depth (``CLAUDE.md``, ``AGENTS.md``); a pattern with ``/`` is relative to the root
(``.github/instructions/*.instructions.md``) unless it starts with ``**/``. ``*`` stays inside one
folder, ``**`` crosses folders. A plain ``.md`` in ``.cursor/rules/`` is picked up as well, so the
checker can say that Cursor ignores it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache

# Files read as Markdown (paths and ``@imports`` in them are links).
MARKDOWN_SUFFIXES = (".md", ".mdc", ".markdown", ".mdx")


def is_markdown(path: str) -> bool:
    """Whether ``path`` (or a URI) names a Markdown file."""
    return path.lower().endswith(MARKDOWN_SUFFIXES)


# Kinds decide which checks and which loading rules apply.
CLAUDE = "claude"  # CLAUDE.md, CLAUDE.local.md, .claude/CLAUDE.md
CLAUDE_RULE = "claude-rule"  # .claude/rules/*.md (paths: frontmatter)
AGENTS = "agents"  # AGENTS.md (Codex, and others)
GEMINI = "gemini"
COPILOT = "copilot"  # .github/copilot-instructions.md
COPILOT_SCOPED = "copilot-scoped"  # .github/instructions/*.instructions.md (applyTo)
CURSOR_LEGACY = "cursorrules"
CURSOR_RULE = "cursor-rule"  # .cursor/rules/*.mdc
CURSOR_MISPLACED = "cursor-misplaced"  # .cursor/rules/*.md: Cursor ignores it
WINDSURF = "windsurf"
OTHER = "other"


def kind_of(path: str) -> str:
    """The kind of an instruction file, from its path (root-relative, '/'-separated)."""
    name = posixpath.basename(path)
    parts = path.split("/")
    if "rules" in parts and len(parts) >= 3:
        i = len(parts) - 1 - parts[::-1].index("rules")
        if i >= 1 and parts[i - 1] == ".cursor":
            return CURSOR_RULE if name.endswith(".mdc") else CURSOR_MISPLACED
        if i >= 1 and parts[i - 1] == ".claude" and name.endswith(".md"):
            return CLAUDE_RULE
    if name in ("CLAUDE.md", "CLAUDE.local.md"):
        return CLAUDE
    if name in ("AGENTS.md", "AGENTS.override.md"):
        return AGENTS
    if name == "GEMINI.md":
        return GEMINI
    if path.endswith(".github/copilot-instructions.md"):
        return COPILOT
    if name.endswith(".instructions.md") and "/instructions/" in f"/{path}":
        return COPILOT_SCOPED
    if name == ".cursorrules":
        return CURSOR_LEGACY
    if name == ".windsurfrules":
        return WINDSURF
    return OTHER


# Folders whose Markdown an agent reads as instructions (skills, subagents, commands, rules).
AGENT_FOLDERS = (".claude/", ".cursor/", ".github/instructions/", ".windsurf/", ".agents/")


def read_by_agents(path: str) -> bool:
    """Whether an agent reads ``path`` (root-relative) as instructions though it is no
    instruction file by name: a skill (``SKILL.md``) or Markdown in an agent's folder
    (``.claude/agents/reviewer.md``, ``.claude/commands/x.md``)."""
    return posixpath.basename(path) == "SKILL.md" or (
        path.startswith(AGENT_FOLDERS) and is_markdown(path))


def is_skill(path: str) -> bool:
    """A skill's instructions: ``SKILL.md`` in a folder of a ``skills`` folder, wherever an
    agent keeps them (``.claude/skills/review/SKILL.md`` for Claude Code, ``.agents/skills/``
    for Codex, ``.github/skills/`` for Copilot, a plugin's ``skills/``). Checked by default with
    the instruction files; loaded only when the agent picks the skill."""
    parts = path.split("/")
    return parts[-1] == "SKILL.md" and "skills" in parts[:-2]


def expands_imports(path: str) -> bool:
    """Whether the agent reading this file expands ``@path`` imports: only Claude Code does
    (CLAUDE.md, CLAUDE.local.md and everything under ``.claude/``); elsewhere ``@x`` is text."""
    return kind_of(path) in (CLAUDE, CLAUDE_RULE) or path.startswith(".claude/") or \
        "/.claude/" in path


def reader_of(path: str) -> str:
    """Who reads this instruction file, for messages."""
    return {AGENTS: "Codex and other AGENTS.md readers", GEMINI: "Gemini CLI",
            COPILOT: "GitHub Copilot", COPILOT_SCOPED: "GitHub Copilot",
            CURSOR_LEGACY: "Cursor", CURSOR_RULE: "Cursor", CURSOR_MISPLACED: "Cursor",
            WINDSURF: "Windsurf"}.get(kind_of(path), "the agent reading it")


def glob_to_regex(pattern: str) -> str:
    """A glob as a regular expression over '/'-separated paths (``**`` crosses folders)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                j = i + 2
                if j < n and pattern[j] == "/":
                    out.append("(?:.*/)?")
                    i = j + 1
                else:
                    out.append(".*")
                    i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def expand_braces(pattern: str, limit: int = 64) -> list[str]:
    """``src/*.{ts,tsx}`` -> ``[src/*.ts, src/*.tsx]`` (nested braces too, at most ``limit``)."""
    m = re.search(r"\{([^{}]*)\}", pattern)
    if m is None or "," not in m.group(1):
        return [pattern]
    out: list[str] = []
    for alt in m.group(1).split(","):
        out.extend(expand_braces(pattern[:m.start()] + alt + pattern[m.end():], limit))
        if len(out) >= limit:
            break
    return out[:limit]


@lru_cache(maxsize=512)
def compile_globs(patterns: tuple[str, ...],
                  anchored_names: bool = False) -> re.Pattern[str] | None:
    """One regex for ``patterns``; a pattern without '/' matches a name at any depth.

    ``anchored_names`` keeps such patterns at the root instead (not used for user globs).
    A pattern also matches every path below a folder it names (``src/api`` matches
    ``src/api/x.ts``).
    """
    parts = []
    for raw in patterns:
        for p in expand_braces(raw.strip()):
            p = p.strip().removeprefix("./")
            if not p or p.startswith("!") or p.startswith("#"):
                continue
            p = p.removesuffix("/")
            if p.startswith("/"):
                p = p[1:]
            elif "/" not in p and not anchored_names and not p.startswith("**"):
                p = "**/" + p
            parts.append(glob_to_regex(p) + "(?:/.*)?")
    if not parts:
        return None
    return re.compile("(?:" + "|".join(parts) + r")\Z")


def matches_any(patterns: Iterable[str], paths: Iterable[str]) -> bool:
    rx = compile_globs(tuple(patterns))
    if rx is None:
        return False
    return any(rx.match(p) for p in paths)


def is_instruction_file(path: str, patterns: Iterable[str]) -> bool:
    rx = compile_globs(tuple(patterns))
    if rx is not None and rx.match(path):
        return True
    return kind_of(path) == CURSOR_MISPLACED


def discover(files: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """The instruction files among ``files`` (root-relative paths), sorted."""
    pats = tuple(patterns)
    return sorted(p for p in files if is_instruction_file(p, pats))


def split_globs(value: object) -> list[str]:
    """Frontmatter globs: a comma-separated string or a list of strings."""
    if isinstance(value, str):
        items = value.split(",") if "{" not in value else _split_outside_braces(value)
        return [s.strip().strip("'\"") for s in items if s.strip()]
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            out.extend(split_globs(v) if isinstance(v, str) else [])
        return out
    return []


def _split_outside_braces(value: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in value:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out
