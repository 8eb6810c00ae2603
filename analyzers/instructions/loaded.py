"""What an agent actually loads when it works in a folder, and CS009 when that is too much.

Per agent, following each one's documented behaviour:

- Claude Code: ``CLAUDE.md``, ``.claude/CLAUDE.md`` and ``CLAUDE.local.md`` in the root and every
  folder down to this one, with their ``@imports``; ``.claude/rules/*.md`` without ``paths``
  (with ``paths``: when matching files are read); ``CLAUDE.md`` below this folder when the agent
  reads files there.
- Codex: ``AGENTS.md`` from the root down to this folder, at most 32 KiB in all.
- Gemini CLI: ``GEMINI.md`` from the root down to this folder and below it.
- GitHub Copilot: ``.github/copilot-instructions.md``; ``.github/instructions/*.instructions.md``
  whose ``applyTo`` matches files here.
- Cursor: ``.cursorrules``; ``.cursor/rules/*.mdc`` with ``alwaysApply: true`` (with ``globs``
  or only a description: when relevant); ``AGENTS.md`` from the root down.
- Windsurf: ``.windsurfrules``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from analyzers.instructions import discover
from analyzers.instructions.context import FileContext
from analyzers.instructions.findings import AgentLoad, LoadedFile, LoadedReport
from analyzers.instructions.imports import expand
from analyzers.instructions.markdown import Loc
from analyzers.instructions.workspace import Workspace, normalise


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


def _files_under(ws: Workspace, folder: str) -> list[str]:
    cache = ws.cache.setdefault("loaded.files_under", {})
    assert isinstance(cache, dict)
    if folder not in cache:
        cache[folder] = [f for f in ws.files() if _under(folder, f)]
    return cache[folder]


def _scoped(ws: Workspace, path: str, key: str, folder: str) -> tuple[bool, bool]:
    """(has scope, scope matches files in ``folder``) for a rule with globs under ``key``."""
    doc = ws.document(path)
    if doc is None or doc.frontmatter is None:
        return False, False
    e = doc.frontmatter.entries.get(key)
    globs = discover.split_globs(e.value) if e is not None else []
    if not globs:
        return False, False
    return True, discover.matches_any(globs, _files_under(ws, folder))


def _plan(ws: Workspace, folder: str, instr: set[str]) -> dict[str, list[_Entry]]:
    chain = ancestors(folder)
    plan: dict[str, list[_Entry]] = {}

    def reason(d: str) -> str:
        return "this folder" if d == normalise(folder) else "ancestor folder"

    claude: list[_Entry] = []
    for d in chain:
        for name in ("CLAUDE.md", ".claude/CLAUDE.md", "CLAUDE.local.md"):
            p = _at(d, name)
            if p in instr:
                claude.append(_Entry(p, reason(d), expand_imports=True))
    for p in sorted(instr):
        kind = discover.kind_of(p)
        if kind == discover.CLAUDE_RULE and p.startswith(".claude/"):
            has, hit = _scoped(ws, p, "paths", folder)
            if not has:
                claude.append(_Entry(p, "rule without paths", expand_imports=True))
            elif hit:
                claude.append(_Entry(p, "rule whose paths match files here", True, True))
        elif kind == discover.CLAUDE and posixpath.basename(p) == "CLAUDE.md" \
                and _under(folder, p) and posixpath.dirname(p) not in chain \
                and not p.startswith(".claude/"):
            claude.append(_Entry(p, f"nested: read when the agent works in "
                                    f"{posixpath.dirname(p)}/", True, True))
    plan["Claude Code"] = claude

    agents_chain = [_Entry(_at(d, "AGENTS.md"), reason(d)) for d in chain
                    if _at(d, "AGENTS.md") in instr]
    plan["Codex"] = list(agents_chain)

    gemini = [_Entry(_at(d, "GEMINI.md"), reason(d)) for d in chain if _at(d, "GEMINI.md") in instr]
    gemini.extend(_Entry(p, "below this folder") for p in sorted(instr)
                  if posixpath.basename(p) == "GEMINI.md" and _under(folder, p)
                  and posixpath.dirname(p) not in chain)
    plan["Gemini CLI"] = gemini

    copilot: list[_Entry] = []
    for p in sorted(instr):
        kind = discover.kind_of(p)
        if kind == discover.COPILOT:
            copilot.append(_Entry(p, "repository instructions"))
        elif kind == discover.COPILOT_SCOPED:
            has, hit = _scoped(ws, p, "applyTo", folder)
            if hit:
                copilot.append(_Entry(p, "applyTo matches files here", True))
    plan["GitHub Copilot"] = copilot

    cursor: list[_Entry] = []
    for p in sorted(instr):
        kind = discover.kind_of(p)
        if kind == discover.CURSOR_LEGACY and posixpath.dirname(p) in ("", "."):
            cursor.append(_Entry(p, "legacy .cursorrules"))
        elif kind == discover.CURSOR_RULE:
            base = p.split(".cursor/rules/")[0].rstrip("/") or "."
            if base not in chain:
                continue
            doc = ws.document(p)
            entries = doc.frontmatter.entries if doc and doc.frontmatter else {}
            always = entries.get("alwaysApply")
            if always is not None and always.value is True:
                cursor.append(_Entry(p, "alwaysApply rule"))
                continue
            has, hit = _scoped(ws, p, "globs", folder)
            if hit:
                cursor.append(_Entry(p, "globs match files here", True))
            elif not has and "description" in entries:
                cursor.append(_Entry(p, "the agent picks it by its description", True))
    if cursor:
        cursor.extend(agents_chain)
    plan["Cursor"] = cursor
    plan["Windsurf"] = [_Entry(p, "workspace rules") for p in sorted(instr)
                        if discover.kind_of(p) == discover.WINDSURF]
    return {k: v for k, v in plan.items() if v}


def loaded_for(ws: Workspace, folder: str) -> LoadedReport:
    """What each agent loads when working in ``folder`` (root-relative; '.' is the root)."""
    folder = normalise(folder)
    cache = ws.memo("loaded.for")
    key = (folder, ws.overlay_key())
    if key not in cache:
        cache[key] = _loaded_for(ws, folder)
    return cache[key]  # shared: callers must not modify it


def _loaded_for(ws: Workspace, folder: str) -> LoadedReport:
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
                       f"In {where}, {agent.agent} loads {len(always)} files, "
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
