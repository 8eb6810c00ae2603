"""What an agent actually loads when it works in a folder, and CS009 when that is too much.

Per agent, following each one's documented behaviour:

- Claude Code: ``CLAUDE.md``, ``.claude/CLAUDE.md`` and ``CLAUDE.local.md`` in the root and every
  folder down to this one, with their ``@imports``; ``.claude/rules/*.md`` without ``paths``
  (with ``paths``: when matching files are read); ``CLAUDE.md`` below this folder when the agent
  reads files there.
- Codex: ``AGENTS.md`` from the root down to this folder, at most 32 KiB in all.
- Gemini CLI: ``GEMINI.md`` from the root down to this folder and below it.
- GitHub Copilot: ``.github/copilot-instructions.md``; ``.github/instructions/*.instructions.md``
  whose ``applyTo`` matches files here; with any, ``AGENTS.md`` from the root down (its coding
  agent reads them, the nearest one taking precedence).
- Cursor: ``.cursorrules``; ``.cursor/rules/*.mdc`` with ``alwaysApply: true`` (with ``globs``
  or only a description: when relevant); ``AGENTS.md`` from the root down.
- Windsurf: ``.windsurfrules``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from analyzers.instructions import discover
from analyzers.instructions.checkview import CheckView, normalise
from analyzers.instructions.context import FileContext
from analyzers.instructions.findings import AgentLoad, LoadedFile, LoadedReport
from analyzers.instructions.imports import expand
from analyzers.instructions.markdown import Loc
from analyzers.printable import plural


@dataclass(slots=True)
class _Entry:
    path: str
    reason: str
    conditional: bool = False
    expand_imports: bool = False


def ancestors(folder: str) -> list[str]:
    """``a/b`` -> ``[".", "a", "a/b"]``."""
    folder = normalise(folder)
    if folder == ".":
        return ["."]
    parts = folder.split("/")
    return ["."] + ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _at(folder: str, name: str) -> str:
    return name if folder == "." else f"{folder}/{name}"


def _under(folder: str, path: str) -> bool:
    return folder == "." or path.startswith(folder + "/")


def _files_under(ws: CheckView, folder: str) -> list[str]:
    cache = ws.cache.setdefault("loaded.files_under", {})
    assert isinstance(cache, dict)
    if folder not in cache:
        cache[folder] = [f for f in ws.files() if _under(folder, f)]
    return cache[folder]


def _scoped(ws: CheckView, path: str, key: str, folder: str) -> tuple[bool, bool]:
    """(has scope, scope matches files in ``folder``) for a rule with globs under ``key``."""
    doc = ws.document(path)
    if doc is None or doc.frontmatter is None:
        return False, False
    e = doc.frontmatter.entries.get(key)
    globs = discover.split_globs(e.value) if e is not None else []
    if not globs:
        return False, False
    return True, discover.matches_any(globs, _files_under(ws, folder))


@dataclass(slots=True)
class _Where:
    """Where an agent works: the workspace, the folder, the folders from the root down to it and
    the workspace's instruction files."""

    ws: CheckView
    folder: str
    chain: list[str]
    instr: set[str]

    def reason(self, d: str) -> str:
        """Why a file of folder ``d`` of the chain loads."""
        return "this folder" if d == normalise(self.folder) else "ancestor folder"

    def down_the_chain(self, name: str) -> list[_Entry]:
        """The files called ``name`` from the root down to the folder."""
        return [_Entry(_at(d, name), self.reason(d)) for d in self.chain
                if _at(d, name) in self.instr]


_CLAUDE_NAMES = ("CLAUDE.md", ".claude/CLAUDE.md", "CLAUDE.local.md")


def _plan(ws: CheckView, folder: str, instr: set[str]) -> dict[str, list[_Entry]]:
    """Per agent (those that load anything), the instruction files it loads in ``folder``."""
    where = _Where(ws, folder, ancestors(folder), instr)
    plan = {agent: entries(where) for agent, entries in _AGENT_PLANS}
    return {k: v for k, v in plan.items() if v}


def _claude_code(w: _Where) -> list[_Entry]:
    """Claude Code: its files from the root down, with their imports; then its rules and the
    ``CLAUDE.md`` files below the folder."""
    out = [_Entry(_at(d, name), w.reason(d), expand_imports=True)
           for d in w.chain for name in _CLAUDE_NAMES if _at(d, name) in w.instr]
    for p in sorted(w.instr):
        entry = _claude_rule_or_nested(w, p)
        if entry is not None:
            out.append(entry)
    return out


def _claude_rule_or_nested(w: _Where, p: str) -> _Entry | None:
    """``p`` as a ``.claude/rules`` file (without paths, or with paths matching files here) or a
    ``CLAUDE.md`` below the folder (read when the agent works there); else ``None``."""
    kind = discover.kind_of(p)
    if kind == discover.CLAUDE_RULE and p.startswith(".claude/"):
        has, hit = _scoped(w.ws, p, "paths", w.folder)
        if not has:
            return _Entry(p, "rule without paths", expand_imports=True)
        return _Entry(p, "rule whose paths match files here", True, True) if hit else None
    if kind == discover.CLAUDE and posixpath.basename(p) == "CLAUDE.md" \
            and _under(w.folder, p) and posixpath.dirname(p) not in w.chain \
            and not p.startswith(".claude/"):
        return _Entry(p, f"nested: read when the agent works in {posixpath.dirname(p)}/",
                      True, True)
    return None


def _codex(w: _Where) -> list[_Entry]:
    """Codex: ``AGENTS.md`` from the root down."""
    return w.down_the_chain("AGENTS.md")


def _gemini(w: _Where) -> list[_Entry]:
    """Gemini CLI: ``GEMINI.md`` from the root down, then below the folder."""
    return w.down_the_chain("GEMINI.md") + [
        _Entry(p, "below this folder") for p in sorted(w.instr)
        if posixpath.basename(p) == "GEMINI.md" and _under(w.folder, p)
        and posixpath.dirname(p) not in w.chain]


def _copilot(w: _Where) -> list[_Entry]:
    """GitHub Copilot: the repository instructions, and scoped ones whose applyTo matches; with
    any, ``AGENTS.md`` from the root down too (its coding agent and CLI read them, the nearest
    to the files at hand taking precedence: docs.github.com, "Adding repository custom
    instructions", agent instructions)."""
    out: list[_Entry] = []
    for p in sorted(w.instr):
        kind = discover.kind_of(p)
        if kind == discover.COPILOT:
            out.append(_Entry(p, "repository instructions"))
        elif kind == discover.COPILOT_SCOPED and _scoped(w.ws, p, "applyTo", w.folder)[1]:
            out.append(_Entry(p, "applyTo matches files here", True))
    if out:
        out.extend(w.down_the_chain("AGENTS.md"))
    return out


def _cursor(w: _Where) -> list[_Entry]:
    """Cursor: legacy ``.cursorrules`` and the rules that apply here; with any, ``AGENTS.md``
    from the root down too."""
    out: list[_Entry] = []
    for p in sorted(w.instr):
        kind = discover.kind_of(p)
        if kind == discover.CURSOR_LEGACY and posixpath.dirname(p) in ("", "."):
            out.append(_Entry(p, "legacy .cursorrules"))
        elif kind == discover.CURSOR_RULE:
            entry = _cursor_rule(w, p)
            if entry is not None:
                out.append(entry)
    if out:
        out.extend(w.down_the_chain("AGENTS.md"))
    return out


def _cursor_rule(w: _Where, p: str) -> _Entry | None:
    """A ``.cursor/rules`` file of a folder of the chain: always applied, matched by its globs,
    or picked by its description; else ``None``."""
    base = p.split(".cursor/rules/")[0].rstrip("/") or "."
    if base not in w.chain:
        return None
    doc = w.ws.document(p)
    entries = doc.frontmatter.entries if doc and doc.frontmatter else {}
    always = entries.get("alwaysApply")
    if always is not None and always.value is True:
        return _Entry(p, "alwaysApply rule")
    has, hit = _scoped(w.ws, p, "globs", w.folder)
    if hit:
        return _Entry(p, "globs match files here", True)
    if not has and "description" in entries:
        return _Entry(p, "the agent picks it by its description", True)
    return None


def _windsurf(w: _Where) -> list[_Entry]:
    """Windsurf: the workspace rules."""
    return [_Entry(p, "workspace rules") for p in sorted(w.instr)
            if discover.kind_of(p) == discover.WINDSURF]


# Each agent and how its files are found, in the order reports list them.
_AGENT_PLANS: tuple[tuple[str, Callable[[_Where], list[_Entry]]], ...] = (
    ("Claude Code", _claude_code),
    ("Codex", _codex),
    ("Gemini CLI", _gemini),
    ("GitHub Copilot", _copilot),
    ("Cursor", _cursor),
    ("Windsurf", _windsurf),
)


def loaded_for(ws: CheckView, folder: str) -> LoadedReport:
    """What each agent loads when working in ``folder`` (root-relative; '.' is the root)."""
    folder = normalise(folder)
    cache = ws.memo("loaded.for")
    key = (folder, ws.overlay_key())
    if key not in cache:
        cache[key] = _loaded_for(ws, folder)
    return cache[key]  # shared: callers must not modify it


def _loaded_for(ws: CheckView, folder: str) -> LoadedReport:
    instr = set(ws.instruction_files())
    budget = ws.settings.instruction_budget
    agents: list[AgentLoad] = []
    for agent, entries in _plan(ws, folder, instr).items():
        files: list[LoadedFile] = []
        seen: set[str] = set()
        for e in entries:
            if e.path in seen:
                continue
            text = ws.read(e.path)
            if text is None:
                continue
            seen.add(e.path)
            files.append(LoadedFile(path=e.path, tokens=ws.tokens(text),
                                    bytes=len(text.encode("utf-8")), reason=e.reason,
                                    conditional=e.conditional))
            if e.expand_imports:
                doc = ws.document(e.path, text)
                if doc is None:
                    continue
                exp = expand(ws, e.path, doc)
                for f in exp.files[1:]:
                    if f in seen:
                        continue
                    seen.add(f)
                    t = ws.read(f) or ""
                    files.append(LoadedFile(path=f, tokens=exp.tokens.get(f, 0),
                                            bytes=len(t.encode("utf-8")),
                                            reason=f"imported by {e.path}",
                                            conditional=e.conditional))
        always = [f for f in files if not f.conditional]
        total = sum(f.tokens for f in always)
        total_bytes = sum(f.bytes for f in always)
        cap = ws.settings.agents_max_bytes if agent == "Codex" else None
        agents.append(AgentLoad(
            agent=agent, files=files, total_tokens=total, total_bytes=total_bytes,
            over_budget=total > budget,
            truncated_at=cap if cap is not None and total_bytes > cap else None))
    return LoadedReport(folder=folder, budget=budget, agents=agents)


def check(ctx: FileContext) -> None:
    if ctx.kind not in (discover.CLAUDE, discover.AGENTS, discover.GEMINI):
        return
    report = loaded_for(ctx.ws, ctx.folder)
    budget = report.budget
    for agent in report.agents:
        always = [f for f in agent.files if not f.conditional]
        entries = [f for f in always if not f.reason.startswith("imported by")]
        if not entries or ctx.ws.real_path(entries[-1].path) != ctx.real_path:
            continue
        if agent.truncated_at is not None:
            _truncation(ctx, agent.agent, always, agent.truncated_at, agent.total_bytes)
        if agent.over_budget and len(entries) > 1:  # one file and its imports: CS005
            listing = ", ".join(f"{f.path} {f.tokens:,}" for f in
                                sorted(always, key=lambda f: -f.tokens)[:4])
            where = "the root" if ctx.folder == "." else f"{ctx.folder}/"
            ctx.report(ctx.first_line(), "CS009",
                       f"In {where}, {agent.agent} loads {plural(len(always), 'file')}, "
                       f"{agent.total_tokens:,} tokens, over the budget of {budget:,}: "
                       f"{listing}. Trim or scope the largest.")


def _truncation(ctx: FileContext, agent: str, files: list[LoadedFile], cap: int,
                total: int) -> None:
    before = 0
    for f in files:
        if f.path == ctx.path:
            break
        before += f.bytes
    loc = ctx.first_line()
    if before < cap:
        data = ctx.doc.text.encode("utf-8")
        cut = len(data[: cap - before].decode("utf-8", "ignore"))
        line, col = ctx.doc.position(cut)
        last = len(ctx.doc.lines) - 1
        loc = Loc(line, col, last, len(ctx.doc.lines[last]))
        detail = f"everything from line {line + 1} on is dropped"
    else:
        detail = "this file is dropped entirely"
    ctx.report(loc, "CS009",
               f"{agent} reads at most {cap:,} bytes of AGENTS.md files and here they total "
               f"{total:,}: {detail}. Shorten them or move detail into linked files.")
