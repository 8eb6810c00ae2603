"""CS002: a symbol named in inline code (``UserService``, ``create_user()``, ``Store.open``) that
appears nowhere in the code.

A name counts as present when the index defines it or when any non-Markdown file of the
workspace contains it as a word (one ``git grep`` for all unknown names of the run), so names
from libraries the code uses are never reported. For a dotted name the first part must be ours
(defined here, or a module file) before its last part is checked.
"""

from __future__ import annotations

import bisect
import difflib

from analyzers import gitrepo
from analyzers.instructions.checkview import CheckView
from analyzers.instructions.context import FileContext
from analyzers.instructions.references import SymbolRef, hedged_at
from analyzers.instructions.stdnames import is_standard
from analyzers.lexical import split_identifier

COMMON_APIS = frozenset("""
    setTimeout setInterval clearTimeout clearInterval requestAnimationFrame addEventListener
    removeEventListener querySelector querySelectorAll getElementById preventDefault
    stopPropagation useState useEffect useMemo useCallback useRef useContext useReducer
    dangerouslySetInnerHTML innerHTML isinstance getattr setattr hasattr __init__ __name__
    __main__ __all__ dataclass
""".split())


def _defined(ws: CheckView, names: set[str]) -> set[str]:
    if ws.index is None or not names:
        return set()
    return ws.index.defined_names(sorted(names))


GREP_OUTPUT_CAP = 32 << 20  # bytes of matches read before giving up on the rest


def _grep_args(names: set[str], first_line_only: bool, in_git: bool) -> list[str]:
    """``git grep`` arguments: whole-word matches of ``names`` outside Markdown files."""
    args = ["grep", "-I", "-o", "-h", "-w", "-F", "--no-color"]
    args.extend(["--untracked"] if in_git else ["--no-index", "--exclude-standard"])
    if first_line_only:
        args.extend(["-m", "1"])
    for n in sorted(names):
        args.extend(["-e", n])
    args.extend(["--", ".", ":(exclude)*.md", ":(exclude)*.mdc", ":(exclude)*.markdown",
                 ":(exclude).cursorrules", ":(exclude).windsurfrules", ":(exclude).ctxsteward"])
    return args


def _grep_pass(ws: CheckView, names: set[str], first_line_only: bool
               ) -> tuple[set[str], bool] | None:
    """(names found, whether the search finished); None when git cannot search here.

    Reads the matches as they stream and stops as soon as every name is found."""
    for in_git in (True, False):
        try:
            proc = gitrepo.stream(ws.root, *_grep_args(names, first_line_only, in_git))
        except gitrepo.GitError:
            return None
        found: set[str] = set()
        read = 0
        complete = True
        stopped = False
        with proc:
            for raw in proc.stdout:
                read += len(raw)
                word = raw.decode("utf-8", "replace").strip()
                if word in names:
                    found.add(word)
                    if len(found) == len(names):
                        stopped = True
                        break
                if read > GREP_OUTPUT_CAP:
                    complete = False
                    stopped = True
                    break
                ws.token.check()
            code, _ = proc.close() if stopped else proc.finish()
        if len(found) == len(names) or code in (0, 1) or not complete:
            return found, complete
        if in_git is False:
            return None
    return None


def _grep(ws: CheckView, names: set[str]) -> set[str] | None:
    """Names found as whole words in the workspace's non-Markdown files; None without git.

    The first pass reads one matching line per file (``-m 1``), which finds common names at
    once without reading their every use; the names it misses get a full second pass. A search
    cut short counts the names it did not reach as present: we never report on a guess."""
    if not names:
        return set()
    first = _grep_pass(ws, names, True)
    if first is None:
        return None
    found, complete = first
    rest = names - found
    if rest and complete:
        second = _grep_pass(ws, rest, False)
        if second is None:
            return None
        more, complete = second
        found |= more
        rest -= more
    if rest and not complete:
        found |= rest
    return found


def known_names(ws: CheckView, names: set[str]) -> set[str]:
    """The subset of ``names`` present in the code (cached per workspace)."""
    cache = ws.cache.setdefault("symbols.known", {})
    assert isinstance(cache, dict)
    todo = {n for n in names if n not in cache}
    if todo:
        defined = _defined(ws, todo)
        rest = todo - defined
        if rest and ws.index is not None:
            defined |= _referenced(ws, rest)
            rest -= defined
        found = _grep(ws, rest)
        if found is None:
            found = set(rest)  # no way to know: treat as present, never guess
            note = "symbols checked against the index only: git grep is unavailable"
            if ws.index is None:
                note = "symbols not checked: no git and no index"
            if note not in ws.notes:
                ws.notes.append(note)
        for n in todo:
            cache[n] = n in defined or n in found
    return {n for n in names if cache.get(n)}


def _referenced(ws: CheckView, names: set[str]) -> set[str]:
    """Names some indexed file uses (one pass over the index, kept for the workspace)."""
    assert ws.index is not None
    cached = ws.cache.get("symbols.referenced")
    if not isinstance(cached, set):
        every: set[str] = set()
        for i, (_, refs) in enumerate(ws.index.all_references()):
            every.update(refs)
            if i % 256 == 0:
                ws.token.check()
        ws.cache["symbols.referenced"] = cached = every
    return names & cached


def _is_module(ws: CheckView, name: str) -> bool:
    by_name = ws.by_name()
    return name in by_name or f"{name}.py" in by_name


def _candidates(sym: SymbolRef) -> list[tuple[str, int]]:
    """(name, part index) pairs that decide the symbol."""
    names = [p[0] for p in sym.parts]
    if len(names) == 1:
        return [(names[0], 0)]
    return [(names[0], 0), (names[-1], len(names) - 1)]


def _is_hedged(ctx: FileContext, sym: SymbolRef) -> bool:
    first, last = sym.parts[0][1], sym.parts[-1][1]
    if first.line >= len(ctx.doc.lines):
        return False
    return hedged_at(ctx.doc, first.line, max(0, first.col - 1), last.end_col + 1)


def _standard(ctx: FileContext, sym: SymbolRef) -> bool:
    return is_standard(ctx.ws, [p[0] for p in sym.parts])


def wanted(ctx: FileContext) -> set[str]:
    out: set[str] = set()
    for sym in ctx.refs.symbols:
        if _is_hedged(ctx, sym) or _standard(ctx, sym):
            continue
        out.update(n for n, _ in _candidates(sym) if _checked(n))
    return out


def _checked(name: str) -> bool:
    """Names worth checking: not a well-known API, not one or two letters (``F``, ``qs``), not
    an example's name (:func:`placeholder_name`)."""
    return name not in COMMON_APIS and len(name) >= 3 and not placeholder_name(name)


# Words that make an identifier an example's: one of these (Go's ``BenchmarkXxx``), or two of
# the metasyntactic ones (``fooBar``, ``foo_baz``); a name of "my"/"your" and one word
# (``MyComponent``, ``my_helper``). A real name that looks like one (``FooService``,
# ``MyAppConfig``, ``my_config_loader``, deleted from the code) is still checked (verifier: all
# three were silenced).
_EXAMPLE_WORDS = frozenset({"xxx", "placeholder"})
_METASYNTACTIC = frozenset({"foo", "bar", "baz", "qux", "quux"})
_MY = frozenset({"my", "your"})


def placeholder_name(name: str) -> bool:
    """An identifier written as an example: Go's ``TestXxx``/``BenchmarkXxx``, ``fooBar``,
    ``MyComponent``, ``my_function`` (not ``MySQLDriver``, ``BarChart``, ``FooService``)."""
    words = split_identifier(name)
    return any(w in _EXAMPLE_WORDS for w in words) \
        or sum(w in _METASYNTACTIC for w in words) >= 2 \
        or (len(words) == 2 and words[0] in _MY and name[:2] != "MY")


def check(ctx: FileContext) -> None:
    ws = ctx.ws
    syms = [s for s in ctx.refs.symbols if not _is_hedged(ctx, s) and not _standard(ctx, s)]
    if not syms:
        return
    known = known_names(ws, wanted(ctx))
    for sym in syms:
        names = [p[0] for p in sym.parts]
        first = names[0]
        if len(names) == 1:
            if not _checked(first) or first in known:
                continue
            _report(ctx, sym, 0)
            continue
        ours = first in known and (_defined(ws, {first}) or _is_module(ws, first))
        if ours:
            last = names[-1]
            if _checked(last) and last not in known:
                _report(ctx, sym, len(names) - 1, owner=names[-2])
        elif _checked(first) and first not in known and first[:1].isupper():
            _report(ctx, sym, 0)


def _report(ctx: FileContext, sym: SymbolRef, index: int, owner: str | None = None) -> None:
    name, loc = sym.parts[index]
    close = _member(ctx.ws, owner, name) if owner else None
    close = close or _close_name(ctx.ws, name)
    if close:
        ctx.report(loc, "CS002",
                   f"{name} appears nowhere in the code (no definition or use); did you mean "
                   f"{close}?", fix=close, fix_title=f"Replace with {close}")
    else:
        ctx.report(loc, "CS002",
                   f"{name} appears nowhere in the code (no definition or use): update or "
                   "remove the reference if it was renamed or deleted.")


def _member(ws: CheckView, owner: str, name: str) -> str | None:
    """The closest member of class ``owner`` (``Index.defs_named`` -> ``definitions_named``)."""
    if ws.index is None:
        return None
    members = sorted(ws.index.member_names(owner))
    hits = difflib.get_close_matches(name, members, n=1, cutoff=0.6)
    return hits[0] if hits else None


MAX_POOL = 200
NEIGHBOURS = 60


def _close_name(ws: CheckView, name: str) -> str | None:
    memo = ws.cache.setdefault("symbols.close", {})
    assert isinstance(memo, dict)
    if name not in memo:
        memo[name] = _closest(ws, name)
    return memo[name]


def _closest(ws: CheckView, name: str) -> str | None:
    """The defined name closest to ``name`` among its neighbours in sorted order (the names
    sharing its longest prefix) and the names sharing a rare word with it (``load_settings``
    -> ``read_settings``)."""
    if ws.index is None:
        return None
    cached = ws.cache.get("symbols.by_word")
    if not isinstance(cached, dict):
        index: dict[str, set[str]] = {}
        everything: set[str] = set()
        for n in ws.index.all_definition_names():
            everything.add(n)
            for w in set(split_identifier(n)):
                if len(w) >= 3:
                    index.setdefault(w, set()).add(n)
        ws.cache["symbols.sorted"] = sorted(everything)
        ws.cache["symbols.by_word"] = cached = index
    by_word: dict[str, set[str]] = cached
    ordered = ws.cache["symbols.sorted"]
    assert isinstance(ordered, list)
    i = bisect.bisect_left(ordered, name)
    pool = set(ordered[max(0, i - NEIGHBOURS):i + NEIGHBOURS])
    for w in set(split_identifier(name)):
        names = by_word.get(w, set())
        if len(w) >= 3 and len(names) <= MAX_POOL:
            pool |= names
    hits = difflib.get_close_matches(name, sorted(pool), n=1, cutoff=0.75)
    return hits[0] if hits else None
