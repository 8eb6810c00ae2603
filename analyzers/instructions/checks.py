"""Run every check on one instruction file (:func:`check_file`) or a workspace
(:func:`check_workspace`).

Each check is a function of a :class:`FileContext` that appends diagnostics. A check that fails
unexpectedly costs its own findings and a note, never the run. :func:`check_workspace` asks git
its questions for all files at once before checking them one by one, so a run costs a handful of
``git`` calls whatever the number of files and references.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.cancel import NEVER, Cancelled, CancelToken
from analyzers.config import Settings
from analyzers.instructions import (
    commands,
    conflicts,
    drift,
    imports,
    loaded,
    scoping,
    size,
    symbols,
)
from analyzers.instructions import paths as path_checks
from analyzers.instructions.checkview import MAX_READ, CheckView, is_outside, normalise
from analyzers.instructions.context import FileContext, to_range
from analyzers.instructions.discover import MARKDOWN_SUFFIXES, read_by_agents
from analyzers.instructions.findings import CheckReport, Diagnostic
from analyzers.instructions.markdown import Loc

if TYPE_CHECKING:
    from analyzers.indexing.index import Index

CHECKS: list[tuple[str, Callable[[FileContext], None]]] = [
    ("CS001/CS008 paths and anchors", path_checks.check),
    ("CS002 symbols", symbols.check),
    ("CS003 commands", commands.check),
    ("CS004 drift", drift.check),
    ("CS005 size", size.check),
    ("CS006 imports", imports.check),
    ("CS007 scoping", scoping.check),
    ("CS009 loaded files", loaded.check),
    ("CS010 contradictions", conflicts.check),
]


def relative_path(root: Path, path: str | Path) -> str:
    """``path`` (absolute, or relative to the root) as a root-relative '/'-path."""
    p = Path(path)
    if p.is_absolute():
        try:
            return normalise(p.resolve().relative_to(root).as_posix())
        except ValueError:
            try:
                return normalise(p.relative_to(root).as_posix())
            except ValueError as e:
                raise ValueError(f"{path} is outside the workspace {root}") from e
    rel = normalise(p.as_posix())
    if is_outside(rel):
        raise ValueError(f"{path} is outside the workspace {root}")
    return rel


def context(ws: CheckView, path: str, text: str | None = None) -> FileContext | None:
    """A check context for ``path`` (its unsaved ``text`` when given); None when unreadable."""
    if text is not None:
        ws.set_text(path, text)
    doc = ws.document(path, text)
    if doc is None:
        return None
    return FileContext(ws=ws, path=path, doc=doc)


def run_checks(ctx: FileContext, token: CancelToken = NEVER) -> list[Diagnostic]:
    ctx.diagnostics.clear()
    for name, fn in CHECKS:
        token.check()
        try:
            fn(ctx)
        except Cancelled:
            raise
        except Exception as e:  # noqa: BLE001 - one failing check must not cost the others
            note = f"{name} failed on {ctx.path}: {e.__class__.__name__}: {e}"
            if note not in ctx.ws.notes:
                ctx.ws.notes.append(note)
    return _unique_sorted(ctx.diagnostics)


def _unique_sorted(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple] = set()
    out = []
    for d in diags:
        key = (d.path, d.range.start.line, d.range.start.character, d.range.end.line,
               d.range.end.character, d.code, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    out.sort(key=lambda d: (d.path, d.range.start.line, d.range.start.character, d.code))
    return out


def check_file(root: Path | str, path: str | Path, text: str | None = None,
               index: Index | None = None, settings: Settings | None = None, *,
               workspace: CheckView | None = None, token: CancelToken = NEVER) -> list[Diagnostic]:
    """Diagnostics of one instruction file; ``text`` is its (possibly unsaved) content.

    Pass a long-lived ``workspace`` to reuse file lists, parsed documents and git answers
    between calls (the language server does); otherwise one is made for this call.
    """
    ws = workspace or CheckView(root, settings, index, token=token)
    try:
        rel = relative_path(ws.root, path)
    except ValueError:
        return []  # not a file of this workspace: nothing to say about it
    ctx = context(ws, rel, text)
    if ctx is None:
        return []
    prefetch([ctx], token)  # git asked once for the file (one check-ignore for its scripts)
    diags = run_checks(ctx, token)
    ws.finish()
    return diags


def _targets(ws: CheckView, wanted: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """Files to check for the requested paths (files or folders), and problems."""
    instr = ws.instruction_files()
    if wanted is None:
        return ws.checked_by_default(), []
    out: list[str] = []
    problems: list[str] = []
    for w in wanted:
        rel = normalise(w)
        if rel == ".":
            out.extend(ws.checked_by_default())
        elif ws.is_dir(rel):
            # The folder's instruction files, and what agents read there as instructions
            # (`.claude/skills/*/SKILL.md`), as each is checked when named by its path.
            under = [p for p in instr if p.startswith(rel + "/")] + sorted(
                p for p in ws.files() if p.startswith(rel + "/") and read_by_agents(p))
            out.extend(under)
            if not under:
                problems.append(f"{w}: no instruction files in this folder")
        elif ws.exists(rel):
            if rel in instr or rel.lower().endswith(MARKDOWN_SUFFIXES) or \
                    posixpath.basename(rel) in (".cursorrules", ".windsurfrules"):
                out.append(rel)
            else:
                problems.append(f"{w}: not an instruction file (not Markdown); skipped")
        else:
            problems.append(f"{w}: no such file or folder")
    return sorted(dict.fromkeys(out)), problems


def prefetch(contexts: list[FileContext], token: CancelToken = NEVER) -> None:
    """Ask git and the code everything the files' checks will need, in one batch each."""
    if not contexts:
        return
    ws = contexts[0].ws
    wanted_names: set[str] = set()
    for ctx in contexts:
        wanted_names |= symbols.wanted(ctx)
    if wanted_names:
        symbols.known_names(ws, wanted_names)
    token.check()
    git = ws.git
    if git is None:
        return
    missing: list[str] = []
    bare: list[str] = []
    unmade: list[str] = []  # files the ignore rules may make local (one check-ignore for all)
    for ctx in contexts:
        missing.extend(path_checks.history_candidates(ctx))
        unmade.extend(path_checks.ignore_queries(ctx))
        for r in path_checks.bare_names(ctx):
            bare.append(r.ref.path)
            unmade.extend(r.candidates)
        for cmd, word in commands.script_words(ctx):
            tries = commands.script_tries(ctx, cmd, word)
            if not any(ws.exists(t) for t in tries):
                unmade.extend(tries)
    if missing:
        path_checks.removals(ws, missing)
    if bare:
        git.ever_named(bare)
    if unmade:
        git.ignored(unmade)
    token.check()
    wanted: dict[str, set[str]] = {}
    for ctx in contexts:
        groups = drift.section_paths(ctx).values()
        if groups:
            wanted.setdefault(ctx.real_path, set()).update(*groups)
    if wanted:
        git.modified(sorted(wanted))
        git.drift(wanted)


# Folders whose files agents load as rules (a link of the folder itself is reported).
def _whole_file(path: str, code: str, message: str) -> Diagnostic:
    """A warning about the whole of ``path`` (at its start), not read or not checkable."""
    return Diagnostic(path=path, range=to_range(Loc(0, 0, 0, 0)), code=code, severity="warning",
                      message=message)


RULE_FOLDERS = (".cursor/rules", ".claude/rules", ".github/instructions", ".windsurf/rules",
                ".claude/skills", ".agents/skills", ".github/skills")  # (and skills' folders)


def check_workspace(root: Path | str, paths: Iterable[str] | None = None,
                    settings: Settings | None = None, *, index: Index | None = None,
                    workspace: CheckView | None = None,
                    token: CancelToken = NEVER) -> CheckReport:
    """Check every instruction file of the workspace (or those under ``paths``: files or
    folders, root-relative)."""
    ws = workspace or CheckView(root, settings, index, token=token)
    targets, problems = _targets(ws, paths)
    contexts = []
    link_out: list[Diagnostic] = []
    oversized = 0  # files too large to read, reported as such
    for p in targets:
        token.check()
        real = ws.real_path(p)
        if real != p and real in targets:
            problems.append(f"{p}: a symlink to {real}, checked there")
            continue
        outside = ws.outside_target(p)
        if outside is not None:  # reported, never read: an agent would load the outside file
            link_out.append(_whole_file(
                p, "CS006", f"{p} is a symlink to a file outside the workspace: it is not read "
                "or checked here, and agents that load it read that outside file into every "
                "session; make it a file of the repository"))
            continue
        ctx = context(ws, p)
        size = ws.too_large(p) if ctx is None else None
        if size is not None:  # an agent loading it loads megabytes: said, not read
            link_out.append(_whole_file(
                p, "CS005", f"{p} is {size / 1e6:.1f} MB, too large to check here (over "
                f"{MAX_READ / 1e6:g} MB) and far over every agent's budget for instructions "
                "loaded into every session: move detail into files the agent reads on demand "
                "(linked, not @imported), or cut it"))
            oversized += 1
            continue
        if ctx is None:
            problems.append(f"{p}: could not be read")
            continue
        contexts.append(ctx)
    # A rules folder that is a link out: its rules would load from outside the workspace.
    for folder in sorted(f for f in ws.files() if f.endswith(RULE_FOLDERS)):
        if (paths is None or any(folder == w or folder.startswith(w.rstrip("/") + "/")
                                 or w in (".", "") for w in paths)) \
                and ws.outside_target(folder) is not None:
            link_out.append(_whole_file(
                folder, "CS006", f"{folder}/ is a symlink to a folder outside the workspace: its "
                f"{'skills' if folder.endswith('skills') else 'rules'} are not read or checked "
                "here, and agents would load them from outside; make it a folder of the "
                "repository"))
    prefetch(contexts, token)
    diagnostics: list[Diagnostic] = link_out
    for ctx in contexts:
        diagnostics.extend(run_checks(ctx, token))
    ws.finish()
    return CheckReport(files_checked=len(contexts) + oversized, diagnostics=diagnostics,
                       notes=[*problems, *ws.notes])
