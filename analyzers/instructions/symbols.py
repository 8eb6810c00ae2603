"""CS002: a symbol named in inline code (``UserService``, ``create_user()``, ``Store.open``) that
appears nowhere in the code.

A name counts as present when the index defines it or when any non-Markdown file of the
workspace contains it as a word (one ``git grep`` for all unknown names of the run), so names
from libraries the code uses are never reported. For a dotted name the first part must be ours
(defined here, or a module file) before its last part is checked.
"""

from __future__ import annotations

import difflib
import subprocess

from .context import FileContext
from .references import SymbolRef
from .workspace import Workspace

COMMON_APIS = frozenset("""
    setTimeout setInterval clearTimeout clearInterval requestAnimationFrame addEventListener
    removeEventListener querySelector querySelectorAll getElementById preventDefault
    stopPropagation useState useEffect useMemo useCallback useRef useContext useReducer
    dangerouslySetInnerHTML innerHTML isinstance getattr setattr hasattr __init__ __name__
    __main__ __all__ dataclass
""".split())


def _defined(ws: Workspace, names: set[str]) -> set[str]:
    if ws.index is None or not names:
        return set()
    out: set[str] = set()
    items = sorted(names)
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in ws.index.conn.execute(
            f"SELECT DISTINCT name FROM defs WHERE name IN ({marks})", chunk))
    return out


def _grep(ws: Workspace, names: set[str]) -> set[str] | None:
    """Names found as whole words in the workspace's non-Markdown files; None without git."""
    if not names:
        return set()
    args = ["git", "-C", str(ws.root), "grep", "-I", "-o", "-h", "-w", "-F", "--untracked",
            "--no-color"]
    for n in sorted(names):
        args.extend(["-e", n])
    args.extend(["--", ".", ":(exclude)*.md", ":(exclude)*.mdc", ":(exclude)*.markdown",
                 ":(exclude).cursorrules", ":(exclude).windsurfrules", ":(exclude).ctxsteward"])
    try:
        proc = subprocess.run(args, capture_output=True, timeout=120, check=False)
        if proc.returncode not in (0, 1):  # not a git work tree: search the folder itself
            plain = [a for a in args if a != "--untracked"]
            plain[4:4] = ["--no-index", "--exclude-standard"]
            proc = subprocess.run(plain, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode not in (0, 1):
        return None
    found = set(proc.stdout.decode("utf-8", "replace").split("\n"))
    return names & found


def known_names(ws: Workspace, names: set[str]) -> set[str]:
    """The subset of ``names`` present in the code (cached per workspace)."""
    cache = ws.cache.setdefault("symbols.known", {})
    assert isinstance(cache, dict)
    todo = {n for n in names if n not in cache}
    if todo:
        defined = _defined(ws, todo)
        rest = todo - defined
        found = _grep(ws, rest)
        if found is None:
            if ws.index is None:
                found = set(rest)  # no way to know: treat as present, never guess
                note = "symbols not checked: no git and no index"
                if note not in ws.notes:
                    ws.notes.append(note)
            else:
                found = _referenced(ws, rest)
        for n in todo:
            cache[n] = n in defined or n in found
    return {n for n in names if cache.get(n)}


def _referenced(ws: Workspace, names: set[str]) -> set[str]:
    assert ws.index is not None
    out: set[str] = set()
    for _, refs in ws.index.all_references():
        out.update(names.intersection(refs))
    return out


def _is_module(ws: Workspace, name: str) -> bool:
    by_name = ws.by_name()
    return name in by_name or f"{name}.py" in by_name


def _candidates(sym: SymbolRef) -> list[tuple[str, int]]:
    """(name, part index) pairs that decide the symbol."""
    names = [p[0] for p in sym.parts]
    if len(names) == 1:
        return [(names[0], 0)]
    return [(names[0], 0), (names[-1], len(names) - 1)]


def wanted(ctx: FileContext) -> set[str]:
    out: set[str] = set()
    for sym in ctx.refs.symbols:
        out.update(n for n, _ in _candidates(sym) if n not in COMMON_APIS)
    return out


def check(ctx: FileContext) -> None:
    ws = ctx.ws
    syms = ctx.refs.symbols
    if not syms:
        return
    known = known_names(ws, wanted(ctx))
    for sym in syms:
        names = [p[0] for p in sym.parts]
        first = names[0]
        if len(names) == 1:
            if first in COMMON_APIS or first in known:
                continue
            _report(ctx, sym, 0)
            continue
        ours = first in known and (_defined(ws, {first}) or _is_module(ws, first))
        if ours:
            last = names[-1]
            if last not in known and last not in COMMON_APIS:
                _report(ctx, sym, len(names) - 1)
        elif first not in known and first[:1].isupper() and first not in COMMON_APIS:
            _report(ctx, sym, 0)


def _report(ctx: FileContext, sym: SymbolRef, index: int) -> None:
    name, loc = sym.parts[index]
    close = _close_name(ctx.ws, name)
    if close:
        ctx.report(loc, "CS002",
                   f"{name} appears nowhere in the code (no definition or use); did you mean "
                   f"{close}?", fix=close, fix_title=f"Replace with {close}")
    else:
        ctx.report(loc, "CS002",
                   f"{name} appears nowhere in the code (no definition or use): update or "
                   "remove the reference if it was renamed or deleted.")


def _close_name(ws: Workspace, name: str) -> str | None:
    if ws.index is None:
        return None
    names = ws.cache.get("symbols.all")
    if names is None:
        names = sorted({r[0] for r in ws.index.conn.execute("SELECT DISTINCT name FROM defs")})
        ws.cache["symbols.all"] = names
    assert isinstance(names, list)
    pool = [n for n in names if abs(len(n) - len(name)) <= 4]
    hits = difflib.get_close_matches(name, pool, n=1, cutoff=0.75)
    return hits[0] if hits else None
