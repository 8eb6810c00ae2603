"""Claude Code's ``@import`` expansion, and CS006: cycles, imports past the depth limit, imports
outside the workspace.

An entry file is hop 0; its imports are hop 1; Claude Code follows up to ``import_depth`` hops
and silently drops deeper ones. Files outside the workspace (``~/...``, ``../../x``) are never
read: they are reported, and left out of token counts.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from analyzers.instructions.checkview import CheckView
from analyzers.instructions.context import FileContext
from analyzers.instructions.discover import MARKDOWN_SUFFIXES, expands_imports
from analyzers.instructions.markdown import Document, Loc
from analyzers.instructions.references import PathRef
from analyzers.secrets import secret_by_name

MAX_FILES = 200  # a bound on what one expansion reads


@dataclass(slots=True)
class Edge:
    """One import, from a file at ``depth - 1`` to ``target`` at ``depth``."""

    source: str
    loc: Loc
    written: str
    target: str | None  # root-relative; None when outside
    depth: int
    status: str  # ok, missing, outside, secret, cycle, too_deep
    first_hop: Loc  # the import in the entry file this edge is reached through
    via: list[str] = field(default_factory=list)  # entry -> ... -> source
    link: str | None = None  # for "outside": the inside symlink that points out


@dataclass(slots=True)
class Expansion:
    entry: str
    files: list[str]  # loaded files in load order, entry first (each once)
    edges: list[Edge]
    tokens: dict[str, int]  # tokens per loaded file


def _imports_of(doc: Document) -> list[tuple[str, Loc]]:
    out = []
    for imp in doc.imports:
        path = imp.path.partition("#")[0]
        if path:
            out.append((path, Loc(imp.loc.line, imp.loc.col, imp.loc.line,
                                  imp.loc.col + len(path)) if imp.loc.line == imp.loc.end_line
                        else imp.loc))
    return out


def expand(ws: CheckView, entry: str, doc: Document) -> Expansion:
    """Follow ``entry``'s imports breadth-first, the way Claude Code loads them."""
    from analyzers.instructions.paths import resolve

    limit = ws.settings.import_depth
    files = [entry]
    tokens = {entry: ws.tokens(doc.text)}
    edges: list[Edge] = []
    seen = {entry}
    queue: list[tuple[str, Document, int, list[str], Loc | None]] = [(entry, doc, 0, [entry], None)]
    while queue:
        src, sdoc, depth, chain, first = queue.pop(0)
        folder = posixpath.dirname(src) or "."
        for written, loc in _imports_of(sdoc):
            ref = PathRef("import", written, loc)
            r = resolve(ws, folder, ref)
            hop = first or loc
            if r.outside:
                edges.append(Edge(src, loc, written, None, depth + 1, "outside", hop, chain,
                                  r.link))
                continue
            target = r.target or (r.candidates[0] if r.candidates else None)
            if r.target is None or target is None:
                edges.append(Edge(src, loc, written, target, depth + 1, "missing", hop, chain))
                continue
            if target in chain:
                edges.append(Edge(src, loc, written, target, depth + 1, "cycle", hop, chain))
                continue
            if depth + 1 > limit:
                edges.append(Edge(src, loc, written, target, depth + 1, "too_deep", hop, chain))
                continue
            if secret_by_name(target):  # never read, counted or shown to an agent
                edges.append(Edge(src, loc, written, target, depth + 1, "secret", hop, chain))
                continue
            edges.append(Edge(src, loc, written, target, depth + 1, "ok", hop, chain))
            if target in seen or len(files) >= MAX_FILES or ws.is_dir(target):
                continue
            seen.add(target)
            text = ws.read(target)
            if text is None:
                continue
            files.append(target)
            tokens[target] = ws.tokens(text)
            if target.lower().endswith(MARKDOWN_SUFFIXES):
                tdoc = ws.document(target, text)
                if tdoc is not None:
                    queue.append((target, tdoc, depth + 1, [*chain, target], hop))
    return Expansion(entry=entry, files=files, edges=edges, tokens=tokens)


def expansion(ctx: FileContext) -> Expansion:
    """The file with its imports, when its agent expands them (Claude Code's files only)."""
    hit = ctx.__dict__.get("imports.expansion")
    if hit is None:
        if expands_imports(ctx.path):
            hit = expand(ctx.ws, ctx.path, ctx.doc)
        else:
            hit = Expansion(entry=ctx.path, files=[ctx.path], edges=[],
                            tokens={ctx.path: ctx.ws.tokens(ctx.doc.text)})
        ctx.__dict__["imports.expansion"] = hit
    return hit


def check(ctx: FileContext) -> None:
    exp = expansion(ctx)
    limit = ctx.ws.settings.import_depth
    reported_cycles: set[tuple[str, ...]] = set()
    for e in exp.edges:
        direct = e.source == ctx.path
        chain = " → ".join([*e.via, e.target or e.written])
        if e.status == "outside" and e.link is not None:
            if direct:
                ctx.report(e.loc, "CS006",
                           f"@{e.written} is a symlink to a file outside the workspace: it is "
                           "not read, checked or counted here, and Claude Code would load that "
                           "outside file into every session; import a file of the repository "
                           "instead.")
            elif not (e.source != ctx.path and ctx.ws.is_instruction_file(e.source)):
                ctx.report(e.first_hop, "CS006",
                           f"{chain}: {e.source} imports @{e.written}, a symlink to a file "
                           "outside the workspace (not read or counted here); Claude Code would "
                           "load that outside file into every session.")
        elif e.status == "outside":
            if direct:
                where = "in your home folder, outside the workspace" if \
                    e.written.startswith("~") else "outside the workspace"
                ctx.report(e.loc, "CS006",
                           f"@{e.written} is {where}: Claude Code loads it only on machines "
                           "that have it, and it is not checked or counted here.",
                           severity="information")
        elif e.status == "secret":
            if direct:
                why = secret_by_name(e.target or "")
                ctx.report(e.loc, "CS006",
                           f"@{e.written} is a {why}: Claude Code would load it into every "
                           "session; remove the import. It is not read or counted here.")
        elif e.status == "cycle":
            key = tuple(sorted([*e.via, e.target or ""]))
            if key in reported_cycles:
                continue
            reported_cycles.add(key)
            ctx.report(e.first_hop, "CS006",
                       f"import cycle: {chain}. Claude Code loads each file once; remove the "
                       "import that points back.")
        elif e.status == "too_deep":
            ctx.report(e.first_hop, "CS006",
                       f"{chain} is {e.depth} hops deep; Claude Code follows at most {limit}, "
                       f"so {e.target} is not loaded: import it from a shallower file.")
        elif e.status == "missing" and not direct:
            if e.source != ctx.path and ctx.ws.is_instruction_file(e.source):
                continue  # reported in that file
            ctx.report(e.first_hop, "CS001",
                       f"{e.source} imports @{e.written}, which does not exist (line "
                       f"{e.loc.line + 1}); Claude Code skips it silently.")
