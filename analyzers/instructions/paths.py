"""CS001 (a referenced path does not exist) and CS008 (a heading anchor does not exist).

Links resolve against the file's folder (or the root for ``/x``), like GitHub; ``@imports``
against the importing file, like Claude Code; inline code against the file's folder, the root,
or any path ending with it. Inline code is reported only with evidence that it meant a path of
this repository: its first folder exists here, or git history knows the path. Whatever lies
outside the workspace (``../other-repo/x``, ``~/...``) is never read and never reported here.
"""

from __future__ import annotations

import difflib
import posixpath
from dataclasses import dataclass, field
from urllib.parse import quote

from analyzers.instructions.checkview import CheckView, is_outside, normalise
from analyzers.instructions.context import FileContext
from analyzers.instructions.discover import MARKDOWN_SUFFIXES, expands_imports, reader_of
from analyzers.instructions.findings import Severity
from analyzers.instructions.gitinfo import Removal
from analyzers.instructions.markdown import anchors, has_file_extension
from analyzers.instructions.references import PathRef


@dataclass(slots=True)
class Resolved:
    ref: PathRef
    target: str | None  # root-relative path that exists (None when missing or outside)
    candidates: list[str] = field(default_factory=list)  # root-relative tries, in order
    outside: bool = False
    home: bool = False
    absolute: str | None = None  # the outside path, for messages
    link: str | None = None  # an inside path that is a symlink to ``absolute``, outside
    by_suffix: bool = False  # inline code found as the end of a longer path (``target``)


def resolve(ws: CheckView, folder: str, ref: PathRef) -> Resolved:
    p = ref.path
    if ref.kind == "import":
        if p.startswith("~/") or p == "~":
            return Resolved(ref, None, outside=True, home=True, absolute=p)
        if p.startswith("/"):
            try:
                rel = posixpath.relpath(p, ws.root.as_posix())
            except ValueError:
                rel = "../"
            if is_outside(rel):
                return Resolved(ref, None, outside=True, absolute=p)
            cands = [normalise(rel)]
        else:
            cands = [_join(folder, p)]
    elif ref.kind == "link":
        if p.startswith("/"):
            cands = [normalise(p.lstrip("/"))]
        else:
            cands = [_join(folder, p), normalise(p)]
    else:
        cands = [_join(folder, p), normalise(p)]
    cands = list(dict.fromkeys(cands))
    inside = [c for c in cands if not is_outside(c)]
    if not inside:
        return Resolved(ref, None, cands, outside=True, absolute=cands[0])
    for c in inside:
        if ws.exists(c):
            real = ws.outside_target(c)
            if real is not None:  # a symlink out of the workspace: reported, never read
                return Resolved(ref, None, inside, outside=True, absolute=real, link=c)
            return Resolved(ref, c, inside)
    if ref.kind == "code":
        hit = _by_suffix(ws, normalise(p))
        if hit:
            return Resolved(ref, hit, inside, by_suffix=True)
    return Resolved(ref, None, inside)


def _join(folder: str, p: str) -> str:
    return normalise(p if folder in ("", ".") else f"{folder}/{p}")


def _by_suffix(ws: CheckView, p: str) -> str | None:
    if p.startswith("../") or p == ".":
        return None
    p = p.removeprefix("./")
    # The shallowest path ending with it, then the first by name: the same answer every run
    # (the workspace's files are a set).
    for q in sorted(ws.by_name().get(posixpath.basename(p), []),
                    key=lambda q: (q.count("/"), q)):
        if q == p or q.endswith("/" + p):
            return q
    return None


def _anchored(ws: CheckView, folder: str, ref: PathRef) -> bool:
    """Inline code with a '/' whose first folder exists here: it meant this repository. A path
    up from this file's folder (``../src/app.py``) meant it only when the folder it comes down
    into exists here: from the root, where an agent runs its commands, it leaves the workspace
    (``run from ../src``, a sibling checkout ``../shared-lib``), which is never read."""
    if ref.path.startswith("../"):
        parts = ref.path.split("/")
        ups = next((i for i, part in enumerate(parts) if part != ".."), len(parts))
        if ups == len(parts) or not parts[ups]:
            return False
        down = _join(folder, "/".join(parts[:ups + 1]))
        return not is_outside(down) and ws.is_dir(down)
    first = ref.path.removeprefix("./").split("/", 1)[0]
    if "/" not in ref.path or first in ("", "."):
        return ref.path.startswith("./") and "/" in ref.path.removeprefix("./")
    return ws.is_dir(_join(folder, first)) or ws.is_dir(first)


def _mention(ws: CheckView, folder: str, ref: PathRef) -> bool:
    """``@acme/backend``: no file extension and no such folder, so a team mention rather than
    an import (Claude Code tries it and silently finds nothing, which is what was meant)."""
    return not has_file_extension(ref.path) and not ref.path.startswith(("./", "../")) and \
        not _anchored(ws, folder, ref)


def resolved_refs(ctx: FileContext) -> list[Resolved]:
    key = "paths.resolved"
    hit = ctx.__dict__.get(key)
    if hit is None:
        hit = [resolve(ctx.ws, ctx.folder, r) for r in ctx.refs.paths if r.path]
        ctx.__dict__[key] = hit
    return hit


def _unsure(r: Resolved) -> bool:
    """A reference whose history decides: missing, or found only as the end of a longer path
    (``user_guide.md`` matching ``site/content/user_guide.md`` after the root's file moved)."""
    return (r.target is None or r.by_suffix) and not r.outside


def history_candidates(ctx: FileContext) -> list[str]:
    """Missing paths whose git history we want (batched across files by the caller)."""
    out: list[str] = []
    for r in resolved_refs(ctx):
        if _unsure(r):
            out.extend(r.candidates)
    return out


def removals(ws: CheckView, paths: list[str]) -> dict[str, Removal]:
    git = ws.git
    if git is None or not paths:
        return {}
    return git.removals(sorted(set(paths)), ws.exists)


def check(ctx: FileContext) -> None:
    resolved = resolved_refs(ctx)
    unsure = [r for r in resolved if _unsure(r)]
    gone = removals(ctx.ws, [c for r in unsure for c in r.candidates]) if unsure else {}
    for r in unsure:
        ref = r.ref
        removal = next((gone[c] for c in r.candidates if c in gone), None)
        if r.target is not None and removal is None:
            continue  # found as the end of a path that never moved: what was meant
        if ref.kind == "code" and removal is None and not _anchored(ctx.ws, ctx.folder, ref):
            continue
        if ref.kind == "import" and removal is None and _mention(ctx.ws, ctx.folder, ref):
            continue
        _report_missing(ctx, r, removal)
    _check_anchors(ctx, resolved)


def _report_missing(ctx: FileContext, r: Resolved, removal: Removal | None) -> None:
    ref = r.ref
    shown = f"@{ref.path}" if ref.kind == "import" else ref.path
    severity: Severity = "warning" if ref.kind == "code" else "error"
    if removal is not None and removal.new_path:
        new_text = _rewrite(ref, r.candidates, removal.path, removal.new_path, ctx.folder)
        ctx.report(ref.loc, "CS001",
                   f"{shown} was renamed to {removal.new_path} in {removal.commit.describe()}: "
                   f"update the reference.", severity=severity, fix=new_text,
                   fix_title=f"Replace with {new_text}")
        return
    if removal is not None:
        ctx.report(ref.loc, "CS001",
                   f"{shown} was deleted in {removal.commit.describe()}: remove the reference "
                   "or point it at what replaced it.", severity=severity)
        return
    close = close_path(ctx.ws, r.candidates, ref.path)
    if close is not None:
        new_text = _rewrite(ref, r.candidates, close[0], close[1], ctx.folder)
        ctx.report(ref.loc, "CS001", f"{shown} does not exist; did you mean {close[1]}?",
                   severity=severity, fix=new_text, fix_title=f"Replace with {new_text}")
        return
    if ref.kind == "import" and expands_imports(ctx.path):
        msg = (f"{shown} does not exist, and Claude Code skips a missing import silently: fix "
               "the path (relative to this file) or remove the import.")
    elif ref.kind == "import":
        msg = (f"{shown} does not exist: fix the path (relative to this file) or remove it. "
               f"Only Claude Code expands @imports; to {reader_of(ctx.path)} @paths in this "
               "file are plain text.")
    elif ref.kind == "link":
        msg = f"{ref.path} does not exist: fix the link or remove it."
    else:
        msg = f"{ref.path} does not exist in this repository: update or remove the reference."
    ctx.report(ref.loc, "CS001", msg, severity=severity)


CLOSE_PATH = 0.85  # how alike a written path and an existing one must be to be suggested


def close_path(ws: CheckView, candidates: list[str], written: str) -> tuple[str, str] | None:
    """A workspace path that a missing one was probably meant to be (``src/app/helper.py`` ->
    ``src/app/helpers.py``): files whose name is close to the written one's, compared as whole
    paths with each root-relative try, or with the end of the path for inline code written
    without its leading folders; (the try it replaces, the path), or None when none is close."""
    base = posixpath.basename(written.rstrip("/"))
    if not base or not candidates:
        return None
    names = ws.by_name()
    near = difflib.get_close_matches(
        base, [n for n in names if abs(len(n) - len(base)) <= 3], n=5, cutoff=CLOSE_PATH)
    best: tuple[float, str, str] | None = None
    for name in near:
        for path in names[name]:
            for tried in candidates:
                # Compared with the try, or with as much of the path's end as was written.
                end = "/".join(path.split("/")[-len(tried.split("/")):])
                score = max(difflib.SequenceMatcher(None, tried, path).ratio(),
                            difflib.SequenceMatcher(None, tried, end).ratio())
                if score >= CLOSE_PATH and (best is None or score > best[0]):
                    best = (score, tried, path)
    return None if best is None else (best[1], best[2])


def _rewrite(ref: PathRef, candidates: list[str], old: str, new: str, folder: str) -> str:
    """The new path ``new`` (root-relative, replacing the try ``old``) written the way the
    reference was written."""
    relative_to_file = candidates and old == candidates[0] and folder not in ("", ".")
    if ref.kind == "import" or relative_to_file:
        text = posixpath.relpath(new, folder if folder not in ("", ".") else ".")
        if ref.path.startswith("./") and not text.startswith("../"):
            text = "./" + text
    elif ref.path.startswith("/"):
        text = "/" + new
    else:
        text = new
    if ref.path.endswith("/") and not text.endswith("/"):
        text += "/"
    if ref.kind == "link":
        text = quote(text, safe="/._-~()+@!$&'*,;=:")
    elif ref.kind == "import":
        text = text.replace(" ", "\\ ")
    return text


def _check_anchors(ctx: FileContext, resolved: list[Resolved]) -> None:
    targets: list[tuple[PathRef, str]] = [
        (r.ref, r.target) for r in resolved
        if r.target and r.ref.anchor and r.ref.kind in ("link", "import")]
    targets.extend((ref, ctx.path) for ref in ctx.refs.paths
                   if ref.kind == "link" and not ref.path and ref.anchor)
    for ref, target in targets:
        if not target.lower().endswith(MARKDOWN_SUFFIXES) or ctx.ws.is_dir(target):
            continue
        doc = ctx.doc if target == ctx.path else ctx.ws.document(target)
        if doc is None:
            continue
        known = anchors(doc)
        anchor = ref.anchor or ""
        if anchor in known or anchor.lower() in {k.lower() for k in known}:
            continue
        if anchor.startswith("L") and anchor[1:].split("-")[0].isdigit():
            continue  # a line anchor
        close = difflib.get_close_matches(anchor.lower(), list(known), n=1, cutoff=0.6)
        where = "this file" if target == ctx.path else target
        loc = ref.anchor_loc or ref.loc
        if close:
            ctx.report(loc, "CS008", f"#{anchor} is not a heading of {where}; did you mean "
                                     f"#{close[0]}?", fix=close[0] if ref.anchor_loc else None,
                       fix_title=f"Link to #{close[0]}")
        else:
            ctx.report(loc, "CS008", f"#{anchor} is not a heading of {where}: link to an existing "
                                     "heading or drop the anchor.")
