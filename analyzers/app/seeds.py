"""Seeds: the one grammar (``PATH``, ``PATH:LINE``, ``PATH::SYMBOL``), the one resolver, and the
one rule for the innermost definition at a line.

Every edge parses a seed with :func:`parse_seed_spec` (the CLI to rebase its path on the current
folder, MCP to check it), and the bundle resolves it with :func:`resolve_seed`; the editor's
"definition at the cursor" is :func:`innermost_definition`, the same rule a ``PATH:LINE`` seed
uses.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers import gitrepo
from analyzers.app.errors import F, RequestError
from analyzers.app.paths import Secrets, workspace_path
from analyzers.positions import innermost_definition as innermost_definition
from analyzers.printable import plural, printable

if TYPE_CHECKING:
    from analyzers.indexing.index import Index

_LINE = re.compile(r"^(.*):(\d+)$")


@dataclass(frozen=True, slots=True)
class SeedSpec:
    """A seed as typed: its path (as given), and a line or a symbol (never both)."""

    path: str
    line: int | None = None
    symbol: str | None = None

    def with_path(self, path: str) -> SeedSpec:
        return SeedSpec(path, self.line, self.symbol)

    @property
    def suffix(self) -> str:
        """What follows the path: ``::SYMBOL``, ``:LINE`` or ''."""
        if self.symbol is not None:
            return f"::{self.symbol}"
        return f":{self.line}" if self.line is not None else ""

    def __str__(self) -> str:
        return self.path + self.suffix


def split_seed(spec: str) -> SeedSpec:
    """``spec`` split by the grammar, without checking anything (an empty path stays empty)."""
    raw = spec.strip()
    if "::" in raw:
        path, symbol = raw.split("::", 1)
        return SeedSpec(path, None, symbol)
    m = _LINE.match(raw)
    if m:
        return SeedSpec(m.group(1), int(m.group(2)))
    return SeedSpec(raw)


def parse_seed_spec(spec: str) -> SeedSpec:
    """``spec`` split by the grammar; a missing path or symbol is a :class:`RequestError`."""
    parsed = split_seed(spec)
    if not parsed.path.strip():
        form = ("PATH::SYMBOL" if parsed.symbol is not None else
                "PATH:LINE" if parsed.line is not None else "PATH")
        raise RequestError(f"seed {spec!r}: the path is missing (give {form})", field="seed")
    if parsed.symbol is not None and not parsed.symbol.strip():
        raise RequestError(f"seed {spec!r}: the symbol after '::' is missing (give "
                           "PATH::SYMBOL)", field="seed")
    return parsed


@dataclass
class Seed:
    """A resolved seed: a root-relative indexed file and the qualified names in focus."""

    path: str
    symbols: list[str]
    spec: str
    indexed: bool = True
    note: str = ""
    line: int | None = field(default=None)


def resolve_seed(index: Index, spec: str) -> Seed:
    """``spec`` resolved against the index: the file, and the symbols in focus (the named one,
    or the innermost definition at the line)."""
    parsed = parse_seed_spec(spec)
    # The one path rule (secrets are the bundle's to judge: a seed is shown masked or refused).
    rel = workspace_path(index.root, parsed.path, what="seed", secrets=Secrets.NONE)
    files = index.files()
    if rel not in files:
        raise RequestError(_suffix_unread(index, rel, spec) or _not_indexed(index, rel, spec),
                           field="seed")
    defs = index.definitions(rel)
    symbols: list[str] = []
    if parsed.symbol and not defs:
        # (it said "huge.py defines no 'f59999'" of a file whose definitions were never read)
        from analyzers.indexing.filefacts import PARSE_MAX_BYTES  # (the core, when asked)

        if files[rel].size > PARSE_MAX_BYTES:
            raise RequestError(f"seed {spec!r}: {rel} was not parsed ({files[rel].size:,} "
                               f"bytes, over the parse limit of {PARSE_MAX_BYTES:,}), so its "
                               f"definitions are not known: give the file itself ({rel}) with a "
                               "budget that holds it whole, or another seed", field="seed")
    if parsed.symbol:
        symbols = [_named(defs, rel, parsed.symbol, spec)]
    elif parsed.line is not None:
        line = parsed.line
        if not 1 <= line <= max(1, files[rel].lines):
            n = files[rel].lines
            raise RequestError(f"seed {spec!r}: {rel} has {plural(n, 'line')}; give a line from "
                               f"1 to {max(1, n)}, or {rel} alone", field="seed")
        best = innermost_definition(defs, line)
        symbols = [best.qualified] if best is not None else []
    return Seed(rel, symbols, spec, line=parsed.line)


def _suffix_unread(index: Index, rel: str, spec: str) -> str | None:
    """Why ``spec``, whose path ``rel`` is not indexed, is an indexed file followed by what is
    neither ``:LINE`` nor ``::SYMBOL`` (``core.py:abc``, ``core.py:12:3``), or None. It was
    "no such file in the index" of a file that is there."""
    head, sep, tail = rel.partition(":")
    while sep and head not in index.files():
        more, sep, tail = tail.partition(":")
        head = f"{head}:{more}"
    if not sep:
        return None
    n = index.files()[head].lines
    said = split_seed(spec)
    rest = f"{tail}:{said.line}" if said.line is not None else tail
    if said.line is not None and tail.isdigit():
        form = f"one line number, not a line and a column: give {head}:{tail}"
    elif not rest:
        form = f"nothing after the ':'; give {head}:LINE (1 to {max(1, n)}) or {head}::SYMBOL"
    else:
        form = (f"{rest!r} after the ':' is not a line number; give {head}:LINE (a line from 1 "
                f"to {max(1, n)}) or {head}::SYMBOL (two colons) for a definition")
    return f"seed {spec!r}: {form}"


def _not_indexed(index: Index, rel: str, spec: str) -> str:
    """Why the seed file ``rel`` is not in the index, in words."""
    skipped = index.skipped().get(rel)
    if skipped:
        # As a binary or undecodable seed: a bundle around a file it cannot show, ranked from
        # history alone, would look like an answer about the file and not be one.
        hint = f" (a larger {F.max_file_size} indexes it)" if skipped[0] == "too_large" else ""
        return f"seed {spec!r} is not indexed: {skip_words(*skipped)}{hint}"
    said = not_indexed(index.root, rel, f"seed {spec!r}")
    if f"no such file in the index of {index.root}" in said:
        meant = close_file(index, rel)
        if meant:
            said += f"; did you mean {meant}?"
    return said


def close_file(index: Index, rel: str) -> str | None:
    """The indexed file ``rel`` (no such file) most likely means: one of the same name
    elsewhere when it is the only one, else the closest path by spelling; None when none is
    close."""
    import difflib

    files = index.files()
    base = rel.rpartition("/")[2]
    same = [p for p in files if p.rpartition("/")[2] == base]
    if len(same) == 1:
        return same[0]
    if same:
        hits = difflib.get_close_matches(rel, same, n=1, cutoff=0.0)
        return hits[0] if hits else same[0]
    # a slip in the name itself, judged on the names alone (a shared folder is no likeness)
    folder = rel.rpartition("/")[0]
    scored = sorted(((difflib.SequenceMatcher(None, base, p.rpartition("/")[2]).ratio(),
                      p.rpartition("/")[0] == folder, p) for p in files), reverse=True)
    return scored[0][2] if scored and scored[0][0] >= 0.85 else None


def skip_words(reason: str, detail: str) -> str:
    """Why a file was skipped, in words: its reason, and the detail when it says more (a detail
    that begins with the reason is said alone: it said "undecodable (undecodable: not ...)")."""
    words = reason.replace("_", " ")
    if not detail or detail in (reason, words):
        return words
    if detail.startswith((reason, words)):
        return detail
    return f"{words} ({detail})"


_RULE = re.compile(r"(.+?):(\d+):(.*)", re.S)


def not_indexed(root: Path, rel: str, what: str) -> str:
    """Why the file ``rel`` (named ``what``: "seed 'x.go'") is not in the index of ``root``: no
    such file, or one git ignores (the rule that does, and how to include it)."""
    if (root / rel).is_dir():
        return f"{what} is a folder; give a file inside it"
    if not (root / rel).is_file():
        return (f"{what}: no such file in the index of {root}; give the path of one of its "
                "files, relative to that folder")
    out = gitrepo.try_run(root, "check-ignore", "-v", "--no-index", "--", rel, timeout=30)
    rule = out.decode("utf-8", "replace").partition("\t")[0] if out else ""
    # SOURCE:LINE:PATTERN (a source's own path may hold a colon: ``C:\Users\...``)
    source, line, pattern = (m.groups() if (m := _RULE.fullmatch(rule)) else ("", "", ""))
    if source and line.isdigit():
        add = printable(shlex.quote(rel))
        return (f"{what} is ignored by git ({_rule_file(root, source)} line {line}: "
                f"{printable(pattern)}), so not indexed; to include it, track it "
                f"(git add -f {add}) or change that rule")
    return (f"{what} exists but is not indexed (a .gitignore rule outside git, or it is new: "
            "index again)")


def _rule_file(root: Path, source: str) -> str:
    """The file holding an ignore rule, as ``git check-ignore -v`` named it (``source``), in
    words: a file of the repository as it is (``.gitignore``, ``.git/info/exclude``); one
    outside it (the global excludes file: ``core.excludesFile``, ``~/.config/git/ignore``)
    named too, by its path under the home folder as ``~/...``."""
    path = Path(source)
    if not path.is_absolute():
        return printable(source)
    try:
        shown = "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):  # (not under the home folder, or no home folder)
        shown = source
    configured = gitrepo.try_run(root, "config", "--path", "core.excludesFile", timeout=30)
    global_file = configured.decode("utf-8", "replace").strip() if configured else None
    if global_file and Path(global_file) == path:
        return f"the global excludes file {printable(shown)} (git's core.excludesFile),"
    if path.parts[-2:] == ("git", "ignore"):
        return f"the global excludes file {printable(shown)},"
    return f"the git exclude file {printable(shown)},"


def _symbol_hint(defs: list, rel: str, symbol: str) -> str:
    """What to give instead of ``symbol``, which none of ``rel``'s definitions is named: the
    closest names (a slip of the keyboard, a part of the name, another case), else the file's
    top-level definitions, else that it has none."""
    import difflib

    qualified = list(dict.fromkeys(d.qualified for d in defs))
    if not qualified:
        return f"; it defines none: give {rel} alone"
    low = symbol.lower()
    by_lower: dict[str, str] = {}
    for q in qualified:  # a short name means its qualified one (the first that has it)
        by_lower.setdefault(q.lower(), q)
        by_lower.setdefault(q.rpartition(".")[2].lower(), q)
    ratios = sorted(((difflib.SequenceMatcher(None, low, n).ratio(), n) for n in by_lower),
                    reverse=True)
    best = ratios[0][0] if ratios else 0.0
    # the closest spellings only: "Session.requst" means Session.request, not Session.put
    close = [by_lower[n] for r, n in ratios if r >= 0.75 and r >= best - 0.05]
    close += sorted(q for q in qualified if low in q.lower())
    close = list(dict.fromkeys(close))
    if close:
        return f"; did you mean {', '.join(f'{rel}::{q}' for q in close[:3])}?"
    top = list(dict.fromkeys(d.qualified for d in defs if d.parent is None)) or qualified
    return (f"; give one it defines ({', '.join(top[:5])}{', …' if len(top) > 5 else ''}) "
            f"or {rel} alone")


def _named(defs: list, rel: str, symbol: str, spec: str) -> str:
    """The qualified name ``symbol`` means among ``rel``'s definitions; none or several is a
    :class:`RequestError` with the names to choose from."""
    hits = [d for d in defs if d.name == symbol or d.qualified == symbol]
    if not hits:
        raise RequestError(f"seed {spec!r}: {rel} defines no {symbol!r}"
                           f"{_symbol_hint(defs, rel, symbol)}", field="seed")
    exact = [d for d in hits if d.qualified == symbol]
    candidates = list(dict.fromkeys(d.qualified for d in exact or hits))
    if len(candidates) > 1:
        raise RequestError(f"seed {spec!r} is ambiguous: {rel} defines "
                           f"{', '.join(candidates)} — give the qualified name, e.g. "
                           f"{rel}::{candidates[0]}", field="seed")
    return candidates[0]
