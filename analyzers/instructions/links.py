"""Editor helpers over one instruction file: document links, hover, code lens and inlay data.

All take the file's (possibly unsaved) text and return plain models; positions are 0-based.
"""

from __future__ import annotations

from analyzers.instructions.checks import context, relative_path
from analyzers.instructions.checkview import CheckView
from analyzers.instructions.context import FileContext, to_range
from analyzers.instructions.discover import MARKDOWN_SUFFIXES
from analyzers.instructions.findings import DocumentLink, FileSummary, HoverInfo, LoadedReport
from analyzers.instructions.imports import expand
from analyzers.instructions.loaded import loaded_for
from analyzers.instructions.markdown import Loc, anchors
from analyzers.instructions.paths import Resolved, resolved_refs
from analyzers.instructions.paths import resolve as resolve_path
from analyzers.instructions.references import PathRef
from analyzers.instructions.size import summary
from analyzers.printable import plural
from analyzers.secrets import secret_by_name


def _resolved(ws: CheckView, path: str, text: str | None
              ) -> tuple[FileContext | None, list[Resolved]]:
    rel = relative_path(ws.root, path)
    ctx = context(ws, rel, text)
    if ctx is None:
        return None, []
    return ctx, resolved_refs(ctx)


def document_links(ws: CheckView, path: str, text: str | None = None) -> list[DocumentLink]:
    """Every link, ``@import`` and path-like inline code that resolves to a file or folder
    (with the anchor's heading line when it has one)."""
    ctx, resolved = _resolved(ws, path, text)
    out = []
    if ctx is not None:
        own = anchors(ctx.doc)
        for ref in ctx.refs.paths:
            if ref.kind == "link" and not ref.path and ref.anchor:
                out.append(DocumentLink(range=to_range(ref.loc), target=ctx.path, kind="link",
                                        exists=True, anchor=ref.anchor,
                                        line=own.get(ref.anchor)))
    for r in resolved:
        if r.target is None:
            continue
        line = None
        if r.ref.anchor and r.target.lower().endswith(MARKDOWN_SUFFIXES):
            doc = ws.document(r.target)
            if doc is not None:
                line = anchors(doc).get(r.ref.anchor)
        out.append(DocumentLink(range=to_range(r.ref.loc), target=r.target, kind=r.ref.kind,
                                exists=True, anchor=r.ref.anchor, line=line))
    out.sort(key=lambda d: (d.range.start.line, d.range.start.character))
    return out


def path_at(ws: CheckView, path: str, line: int, character: int, text: str | None = None,
            written: str | None = None) -> Resolved | None:
    """The path reference under (0-based ``line``, ``character``) of the Markdown file ``path``,
    resolved as the document links and the CS001 check resolve it (:func:`paths.resolve`: next
    to the file, at the root, inline code by the end of an indexed path). ``written``: a path
    an editor found there that the file's references do not hold (a bare path in prose),
    resolved the same way, as inline code."""
    ctx, resolved = _resolved(ws, path, text)
    for r in resolved:
        loc = r.ref.loc
        inside = (loc.line, loc.col) <= (line, character) <= (loc.end_line, loc.end_col)
        at_sign = r.ref.kind == "import" and (line, character) == (loc.line, loc.col - 1)
        if inside or at_sign:
            return r
    if ctx is None or not written:
        return None
    return resolve_path(ws, ctx.folder, PathRef("code", written, Loc(line, character, line,
                                                                      character)))


def hover(ws: CheckView, path: str, line: int, character: int,
          text: str | None = None) -> HoverInfo | None:
    """What the reference under the cursor points at: exists?, tokens (with imports)."""
    r = path_at(ws, path, line, character, text)
    if r is not None:
        loc = r.ref.loc
        shown = r.target or (r.absolute if r.outside else (r.candidates[0] if r.candidates
                                                            else r.ref.path))
        if r.outside and r.link is not None:
            return HoverInfo(range=to_range(loc), target=r.link, kind=r.ref.kind, exists=False,
                             markdown=f"`{r.link}` is a symlink to a file outside the workspace: "
                                      "not read, not counted.")
        if r.outside:
            return HoverInfo(range=to_range(loc), target=shown or r.ref.path, kind=r.ref.kind,
                             exists=False, markdown=f"`{shown}` is outside the workspace: not "
                                                    "read, not counted.")
        if r.target is None:
            return HoverInfo(range=to_range(loc), target=shown or "", kind=r.ref.kind,
                             exists=False, markdown=f"`{shown}` does not exist.")
        if ws.is_dir(r.target):
            n = sum(1 for f in ws.files() if f.startswith(r.target + "/"))
            return HoverInfo(range=to_range(loc), target=r.target, kind=r.ref.kind, exists=True,
                             is_dir=True, markdown=f"`{r.target}/`: folder, {plural(n, 'file')}")
        why = secret_by_name(r.target)
        if why:
            return HoverInfo(range=to_range(loc), target=r.target, kind=r.ref.kind, exists=True,
                             markdown=f"`{r.target}`: {why}; not read, not counted.")
        content = ws.read(r.target)
        tokens = ws.tokens(content) if content is not None else None
        md = f"`{r.target}`: {tokens:,} tokens" if tokens is not None else f"`{r.target}`"
        if r.ref.kind == "import" and content is not None and \
                r.target.lower().endswith(MARKDOWN_SUFFIXES):
            doc = ws.document(r.target, content)
            if doc is not None:
                exp = expand(ws, r.target, doc)
                if len(exp.files) > 1:
                    tokens = sum(exp.tokens.values())
                    md += f", {tokens:,} with its {plural(len(exp.files) - 1, 'import')}"
        return HoverInfo(range=to_range(loc), target=r.target, kind=r.ref.kind, exists=True,
                         tokens=tokens, markdown=md)
    return None


def file_summary(ws: CheckView, path: str, text: str | None = None) -> FileSummary | None:
    """Code lens (total tokens, with imports) and inlay hints (tokens per section)."""
    rel = relative_path(ws.root, path)
    ctx = context(ws, rel, text)
    return summary(ctx) if ctx is not None else None


def loaded_markdown(report: LoadedReport) -> str:
    """``loaded_for`` as hover text."""
    where = "the root" if report.folder == "." else f"`{report.folder}/`"
    lines = [f"**What agents load in {where}** (budget {report.budget:,} tokens)"]
    for a in report.agents:
        flag = " ⚠ over budget" if a.over_budget else ""
        cap = f" ⚠ over the {a.truncated_at:,}-byte cap" if a.truncated_at else ""
        lines.append(f"\n**{a.agent}**: {a.total_tokens:,} tokens{flag}{cap}")
        for f in a.files:
            cond = " (when relevant)" if f.conditional else ""
            lines.append(f"- `{f.path}` {f.tokens:,} tokens: {f.reason}{cond}")
    return "\n".join(lines)


__all__ = ["document_links", "file_summary", "hover", "loaded_for", "loaded_markdown"]
