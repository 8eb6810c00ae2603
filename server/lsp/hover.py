"""Hover: token costs of a definition and its file, where it is defined, what changes with it;
on a path or an ``@import`` in Markdown, whether it exists and what it costs."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.app.errors import RequestError
from analyzers.app.paths import Secrets
from analyzers.confine import read_bytes_inside
from analyzers.indexing.filefacts import decode
from analyzers.indexing.index import Index
from analyzers.indexing.lookup import Use, receiver_before, resolve
from analyzers.positions import Position, Range
from analyzers.printable import plural
from analyzers.results import BundleItem
from analyzers.syntax import Definition
from server.lsp.documents import DocFacts, definition_at, word_at
from server.lsp.positions import split_lines
from server.lsp.state import Buffer, ServerState
from server.scheduler import JobContext

if TYPE_CHECKING:
    from analyzers.instructions.paths import Resolved

MAX_CANDIDATES = 3
# The Markdown path reference at (0-based line, code-point column), with a path found there
# that the file's references do not hold, resolved as links and diagnostics resolve it.
PathAt = Callable[[int, int, str | None], "Resolved | None"]
CO_CHANGE_PARTNERS = 3


@dataclass(frozen=True, slots=True)
class HoverAnswer:
    """A hover's Markdown, shown over the word or path from ``start`` to ``end`` (code-point
    columns) on core ``line``."""

    markdown: str
    line: int
    start: int
    end: int

    @property
    def range(self) -> Range:
        """What the hover is about, as a core range."""
        return Range.of(self.line, self.start, self.line, self.end)


def _pct(share: float) -> str:
    return f"{share:.2%}" if 0 < share < 0.001 else f"{share:.1%}"


def share_of_file(part: int, whole: int) -> str:
    """``part``'s share of ``whole`` in whole percent; "<1%" for a small, non-empty one (a
    39-token function read "0%" of its 31,583-token file)."""
    share = part / whole
    return "<1%" if 0 < share < 0.005 else f"{share:.0%}"


def _tokens(state: ServerState, raw: int) -> str:
    n = state.scaled(raw)
    return f"{n:,} tokens"


def hover(state: ServerState, ctx: JobContext, buf: Buffer | None, uri: str, text: str,
          at: Position, *, stale_ok: bool = False,
          bundled: Mapping[str, BundleItem] | None = None,
          path_at: PathAt | None = None) -> HoverAnswer | None:
    """The hover at ``at`` (core) of ``text``, the document ``uri`` (``stale_ok``: from the
    facts of an earlier version of the buffer, during an edit burst; ``bundled``: the current
    bundle's items by path, whose figures the hover relates to the file's; ``path_at``: the
    Markdown path reference at a place, as document links and diagnostics resolve it)."""
    facts, _ = state.facts_for(buf, uri, ctx, stale_ok=stale_ok)
    if facts is None:
        return None
    lines = split_lines(text)
    line, col, row = at.line, at.character, at.line - 1
    if not 0 <= row < len(lines):
        return None
    if facts.lang == "markdown" or facts.path.lower().endswith((".md", ".mdc")):
        return _markdown_path_hover(state, facts, lines[row], line, col, path_at)
    ctx.check()
    here = definition_at(facts.definitions, lines, row, col)
    index = state.index()
    if here is not None:
        w = word_at(lines[row], col)
        start, end = (w[1], w[2]) if w else (col, col)
        md = _describe(state, index, [(facts.path, here)], facts, defined_here=True,
                       bundled=bundled)
        return HoverAnswer(md, line, start, end)
    w = word_at(lines[row], col)
    if w is None:
        return None
    word, start, end = w
    candidates = _candidates(index, facts, word, receiver_before(lines[row], start), line, ctx)
    if not candidates:
        return None
    return HoverAnswer(_describe(state, index, candidates, facts, defined_here=False,
                                 bundled=bundled), line, start, end)


def _candidates(index: Index | None, facts: DocFacts, word: str, receiver: str | None,
                line: int, ctx: JobContext) -> list[tuple[str, Definition]]:
    """Definitions ``word`` (written after ``receiver``, if any, on core ``line``) may refer
    to, best first: through this file's scope and imports, then by name
    (:func:`analyzers.indexing.lookup.resolve`; this file's from its current text)."""
    ctx.check()
    return resolve(index, Use(facts.path, word, line, receiver), facts.definitions)


def bundle_note(state: ServerState, item: BundleItem, file_tokens: int | None) -> str:
    """How the current bundle's item of a file relates to the file's own figure: the bundle
    counts each item as rendered, its heading and code fence included."""
    n = item.tokens
    if item.granularity == "file" and file_tokens is not None:
        whole = state.scaled(file_tokens)
        extra = n - whole
        if extra >= 0:
            return (f"In the context bundle: **{n:,} tokens**, the whole file's {whole:,}"
                    f" + {extra:,} for its heading and code fence")
        return f"In the context bundle: **{n:,} tokens** as rendered (values masked)"
    shown = {"symbols": "its relevant definitions", "skeleton": "a skeleton (signatures only)",
             "focused": "focused (the definition whole, signatures of the rest)",
             "excerpt": "an excerpt (the lines holding the task's words)"}
    return (f"In the context bundle: **{n:,} tokens** as "
            f"{shown.get(item.granularity, item.granularity)}, heading and code fence included")


def _describe(state: ServerState, index: Index | None, cands: list[tuple[str, Definition]],
              facts: DocFacts, *, defined_here: bool,
              bundled: Mapping[str, BundleItem] | None = None) -> str:
    out: list[str] = []
    window = state.window_label()
    file_tokens: dict[str, int | None] = {facts.path: facts.tokens}
    for path, d in cands[:MAX_CANDIDATES]:
        if path not in file_tokens:
            row = index.file(path) if index is not None else None
            file_tokens[path] = row.tokens if row else None
        dt = state.scaled(d.tokens)
        head = f"**`{d.qualified}`** · {d.kind} · **{dt:,} tokens** " \
               f"({_pct(state.share(dt))} of {window})"
        where = f"`{path}:{d.start_line}`" + (f"–{d.end_line}" if d.end_line > d.start_line
                                             else "")
        ft = file_tokens[path]
        file_part = ""
        if ft is not None:
            fs = state.scaled(ft)
            part = f" ({share_of_file(d.tokens, ft)} of it)" if ft else ""
            file_part = f" · file {fs:,} tokens{part}, {_pct(state.share(fs))} of {window}"
        label = "Defined here" if defined_here and path == facts.path else "Defined in"
        out.append(f"{head}  \n{label} {where}{file_part}")
    if len(cands) > MAX_CANDIDATES:
        out.append(f"…and {plural(len(cands) - MAX_CANDIDATES, 'more definition')} with this "
                   "name")
    partners_of = cands[0][0]
    item = (bundled or {}).get(partners_of)
    if item is not None:
        out.append(bundle_note(state, item, file_tokens.get(partners_of)))
    if index is not None:
        out.extend(_changes_with(index, partners_of))
    if facts.source == "buffer":
        out.append("_counted from the editor's text (unsaved, or not in the index)_")
    return "\n\n".join(out)


def _changes_with(index: Index, path: str) -> list[str]:
    """The files most often changed in the same commits as ``path``, most first, with what the
    count means."""
    files = index.files()  # a partner since deleted (CHANGES.rst moved to CHANGES.md) is none
    partners = sorted((c for c in index.co_changes(path) if c.path in files),
                      key=lambda c: (-c.together, -c.weight, c.path))
    if not partners:
        return []
    listed = ", ".join(f"`{c.path}` ({c.together})" for c in partners[:CO_CHANGE_PARTNERS])
    of = partners[0].seed_commits
    return [f"Changes with: {listed} — commits that changed both, of {of:,} that changed "
            f"`{path}`"]


# -- Markdown paths -----------------------------------------------------------------------------

_PATTERNS = [
    re.compile(r"(?<![\w@/`])@((?:~|\.{1,2})?/?[\w.\-~/]*[\w\-/])"),  # @import (CLAUDE.md)
    re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"),  # [text](target)
    re.compile(r"`([^`\s]+)`"),  # `path/in/code`
    re.compile(r"(?<![\w/.\-@])((?:\.{1,2}/|~/|/)?[\w\-]+(?:/[\w.\-]+)+/?)"),  # bare a/b/c.py
    re.compile(r"(?<![\w/.\-@])([\w\-]+\.(?:md|mdc|py|ts|tsx|js|jsx|json|toml|ya?ml|txt|rs|go|"
               r"java|rb|php|sh|cfg|ini|lock))\b"),  # bare file.ext
]


def _path_under_cursor(line: str, col: int) -> tuple[str, int, int, bool] | None:
    for i, pat in enumerate(_PATTERNS):
        for m in pat.finditer(line):
            s, e = m.span(1)
            if s <= col <= e:
                target = m.group(1)
                if i == 2 and "/" not in target and not re.search(r"\.\w{1,8}$", target):
                    continue
                return target, s, e, i == 0
    return None


def _markdown_path_hover(state: ServerState, facts: DocFacts, text: str, line: int, col: int,
                         path_at: PathAt | None) -> HoverAnswer | None:
    """The hover on a path in Markdown: the reference under the cursor resolved by
    ``path_at`` (the one resolution of document links and the CS001 check: next to the file, at
    the root, inline code by the end of a workspace path), counted only when the path-safety
    rule lets it be read."""
    hit = _path_under_cursor(text, col)
    written = hit[0] if hit is not None else None
    if written is not None and (re.match(r"^[a-zA-Z][\w+.-]*:", written)
                                or written.startswith("#")):
        return None  # a URL or an anchor
    found = path_at(line - 1, col, written and written.split("#", 1)[0]) \
        if path_at is not None else None
    if found is not None:
        loc = found.ref.loc
        target, is_import = found.ref.path, found.ref.kind == "import"
        start, end = (loc.col, loc.end_col) if loc.line == loc.end_line == line - 1 and \
            loc.end_col > loc.col else (hit[1], hit[2]) if hit is not None else (col, col)
    elif hit is not None:
        target, start, end, is_import = hit
    else:
        return None
    target = target.split("#", 1)[0]
    if not target:
        return None
    shown = ("@" if is_import else "") + target
    located = _resolve(state, facts.path, target)
    if found is not None and not isinstance(located, RequestError):
        located = None if found.target is None else _resolve(state, facts.path,
                                                             "/" + found.target)
    window = state.window_label()
    if isinstance(located, RequestError):
        return HoverAnswer(f"`{shown}` · **not read or counted**: {located}", line, start, end)
    if located is None:
        where = "next to this file" if is_import else \
            "next to this file and at the workspace root" if found is None or \
            found.ref.kind == "link" else \
            "next to this file, at the workspace root and as the end of a workspace path"
        return HoverAnswer(f"`{shown}` · **does not exist** (looked {where})", line, start, end)
    full, rel = located
    index = state.index()
    name = f"`{rel}`"
    if full.is_dir():
        files, raw = _folder_totals(index, rel)
        n = state.scaled(raw)
        body = f"{name} · folder · {plural(files, 'indexed file')} · **{n:,} tokens** " \
               f"({_pct(state.share(n))} of {window})"
        return HoverAnswer(body, line, start, end)
    raw_tokens, note = _file_tokens(state, index, rel)
    if raw_tokens is None:
        return HoverAnswer(f"{name} · exists · {note}", line, start, end)
    n = state.scaled(raw_tokens)
    verb = "imported: adds" if is_import else "exists ·"
    body = f"{name} · {verb} **{n:,} tokens** ({_pct(state.share(n))} of {window})"
    if note:
        body += f"  \n_{note}_"
    return HoverAnswer(body, line, start, end)


def _resolve(state: ServerState, md_path: str, target: str
             ) -> tuple[Path, str] | RequestError | None:
    """Where ``target`` (written in the Markdown file ``md_path``) is, looked for next to that
    file, then at the workspace root: (real path, workspace-relative path) of the first that
    exists and that the application's path-safety rule lets the hover count (inside the
    workspace, not in ``.git`` or our cache, not a secret-bearing name); else the refusal of a
    candidate that was refused (never looked at), or None when no candidate exists."""
    ws = state.workspace()
    if ws is None:
        return RequestError("no workspace folder is open")
    root = ws.root
    if target.startswith("/"):  # absolute, or written from the workspace root
        candidates = [(target, root), (target.lstrip("/"), root)]
    else:
        candidates = [(target, (root / md_path).parent), (target, root)]
    refused: RequestError | None = None
    for raw, base in candidates:
        try:
            rel = ws.path(raw, base=base, secrets=Secrets.NAME)
        except RequestError as e:
            refused = refused or e
            continue
        full = root / rel if rel != "." else root
        if full.exists():
            return full, rel
    return refused


def _folder_totals(index: Index | None, rel: str) -> tuple[int, int]:
    """(indexed files, raw tokens) under the folder ``rel``."""
    return index.totals_under(rel) if index is not None else (0, 0)


def _file_tokens(state: ServerState, index: Index | None, rel: str) -> tuple[int | None, str]:
    if index is not None:
        row = index.file(rel)
        if row is not None:
            return row.tokens, ""
    root = state.root
    limit = state.settings.max_file_size
    data = read_bytes_inside(root, rel, limit=limit + 1) if root is not None else None
    if data is None:
        return None, "unreadable"
    if len(data) > limit:
        return None, f"too large to count (over {limit:,} bytes)"
    text, why = decode(data)
    if text is None:
        return None, f"not text ({why})"
    return state.counter.raw(text), "not in the index; counted from disk"
