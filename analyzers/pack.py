"""Packing ranked files into a token budget, best first, at the right granularity.

A file goes in whole when it is small or central; otherwise only its relevant definitions (linked
to the seed or matching the task) with their line ranges; otherwise a skeleton (signatures only).
Every item is measured as rendered, and the finished document is measured again, so the bundle's
own token count never exceeds the budget.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from . import lexical
from .render import Piece, render_piece, select_lines, short_reason
from .syntax import Definition

SMALL_FILE = 1_200  # tokens: a file this small goes in whole when it fits
CENTRAL_SHARE = 0.35  # a central file may take this share of what is left
SYMBOLS_SHARE = 0.45


@dataclass
class Candidate:
    path: str
    score: float
    reasons: list[str]
    tokens: int  # whole file, scaled
    lines: list[str]  # file content, keepends
    definitions: list[Definition]
    tier: str
    forced: bool = False  # seeds and pins: always try to include
    names: list[str] = field(default_factory=list)  # names linking it to the seed
    ref_lines: list[int] = field(default_factory=list)  # lines referencing seed names
    task_words: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)  # symbols asked for explicitly


@dataclass
class Packed:
    candidate: Candidate
    piece: Piece
    tokens: int  # its largest rendering: what it takes of the budget
    symbols: list[str]
    by_format: dict[str, int]  # its tokens in each rendering


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _innermost(defs: list[Definition], line: int) -> Definition | None:
    best = None
    for d in defs:
        if d.start_line <= line <= d.end_line and (
            best is None or d.end_line - d.start_line < best.end_line - best.start_line
        ):
            best = d
    return best


def _innermost_by_line(defs: list[Definition], lines: list[int]) -> dict[int, int]:
    """For each of ``lines`` inside some definition, the index of :func:`_innermost`'s answer
    (the shortest span; the first such on a tie): one pass over the definitions, not one per line.
    """
    wanted = sorted(set(lines))
    best: dict[int, tuple[int, int]] = {}  # line -> (span, index)
    for i, d in enumerate(defs):
        span = d.end_line - d.start_line
        for line in wanted[bisect_left(wanted, d.start_line):bisect_right(wanted, d.end_line)]:
            held = best.get(line)
            if held is None or span < held[0]:
                best[line] = (span, i)
    return {line: i for line, (_, i) in best.items()}


def relevant_definitions(c: Candidate) -> list[Definition]:
    """Definitions of ``c`` that matter for this bundle, most relevant first."""
    if c.focus:
        wanted = set(c.focus)
        return [d for d in c.definitions if d.name in wanted or d.qualified in wanted]
    scored: dict[int, float] = {}
    names = set(c.names)
    task = set(c.task_words)
    for i, d in enumerate(c.definitions):
        s = 0.0
        if d.name in names:
            s += 3.0
        if task:
            s += 1.0 * len(task.intersection(lexical.words(d.name)))
        if s:
            scored[i] = s
    if c.ref_lines:
        inner = _innermost_by_line(c.definitions, c.ref_lines)
        for line in c.ref_lines:
            at = inner.get(line)
            if at is not None:
                scored[at] = scored.get(at, 0.0) + 1.0
    order = sorted(scored, key=lambda i: (-scored[i], c.definitions[i].start_line))
    chosen: list[Definition] = []
    for i in order:
        d = c.definitions[i]
        # Skip a definition already inside a chosen one.
        if any(o.start_line <= d.start_line and d.end_line <= o.end_line for o in chosen):
            continue
        chosen.append(d)
    return chosen


def skeleton_ranges(c: Candidate) -> list[tuple[int, int]]:
    ranges = []
    for d in c.definitions:
        if d.kind in ("constant",) and d.parent:
            continue
        ranges.append((_signature_start(c.lines, d), _signature_end(c.lines, d)))
    return _merge(ranges)


_COMMENT_STARTS = ("//", "/*", "*", "--", "<!--")


def _signature_start(lines: list[str], d: Definition) -> int:
    """The first line of ``d``'s signature: its decorators, attributes and annotations, not the
    doc comment its range starts with (a skeleton shows signatures, compactly)."""
    for n in range(d.start_line, min(d.name_line, len(lines) + 1)):
        text = lines[n - 1].lstrip()
        if not text or text.startswith(_COMMENT_STARTS) or \
                (text.startswith("#") and not text.startswith("#[")):
            continue
        return n
    return max(d.start_line, min(d.name_line, len(lines)))


def _signature_end(lines: list[str], d: Definition) -> int:
    """The last line of ``d``'s signature: up to the line opening its body (a few lines at most)."""
    last = min(d.end_line, max(d.start_line, d.name_line) + 6, len(lines))
    for n in range(max(d.start_line, d.name_line), last + 1):
        text = lines[n - 1].rstrip()
        if text.endswith((":", "{", "=>", ";", "}")) or n == d.end_line:
            return n
    return max(d.start_line, d.name_line)


def pack(
    candidates: Iterable[Candidate],
    *,
    budget: int,
    formats: Sequence[str],
    overhead: int,
    count: Callable[[str], int],
    limit: int | None,
    top_score: float = 1.0,
) -> list[Packed]:
    """Fill ``budget`` (minus the document's ``overhead``) with the best renderable items.

    An item costs its largest rendering among ``formats``, so every rendering holds the same
    items: Markdown and XML differ in how they show a bundle, never in what it holds.
    ``candidates`` may be lazy: it is consumed only until the budget or ``limit`` is reached.
    """
    remaining = budget - overhead
    out: list[Packed] = []
    top_score = top_score or 1.0
    for c in candidates:
        if limit is not None and len(out) >= limit:
            break
        if remaining <= 0:
            break
        index = len(out) + 1
        options = _options(c, remaining, top_score)
        for gran, ranges, symbols in options:
            if not ranges or _estimate(c, ranges) > remaining * 1.15 + 50:
                continue
            piece = Piece(c.path, gran, ranges, select_lines(c.lines, ranges), c.tier,
                          short_reason(c.reasons))
            by_format = {fmt: count(render_piece(fmt, piece, index)) for fmt in formats}
            tokens = max(by_format.values())
            if tokens <= remaining:
                out.append(Packed(c, piece, tokens, symbols, by_format))
                remaining -= tokens
                break
    return out


def _estimate(c: Candidate, ranges: list[tuple[int, int]]) -> float:
    """A cheap token estimate for ``ranges`` (exact counting happens only for plausible fits)."""
    n = max(1, len(c.lines))
    covered = sum(b - a + 1 for a, b in ranges)
    return c.tokens * covered / n


def _options(c: Candidate, remaining: int, top_score: float
             ) -> Iterator[tuple[str, list[tuple[int, int]], list[str]]]:
    """The ways to show ``c``, preferred first; made one at a time, as packing tries them (the
    first that fits ends the search, so later ones are often never needed)."""
    n = len(c.lines)
    whole = [(1, n)] if n else []
    central = c.forced or c.score >= 0.6 * top_score
    if c.focus:
        defs = relevant_definitions(c)
        yield ("symbols", _merge([(d.start_line, d.end_line) for d in defs]),
               [d.qualified for d in defs])
    if c.tokens <= SMALL_FILE or (central and c.tokens <= CENTRAL_SHARE * remaining) or (
        c.forced and c.tokens <= remaining
    ):
        yield ("file", whole, [])
    defs = relevant_definitions(c) if not c.focus else []
    if defs:
        cap = SYMBOLS_SHARE * remaining
        chosen: list[Definition] = []
        used = 0
        for d in defs:
            if used + d.tokens > cap and chosen:
                continue
            chosen.append(d)
            used += d.tokens
        chosen.sort(key=lambda d: d.start_line)
        yield ("symbols", _merge([(d.start_line, d.end_line) for d in chosen]),
               [d.qualified for d in chosen])
        if len(chosen) > 1:
            first = min(chosen, key=lambda d: defs.index(d))
            yield ("symbols", [(first.start_line, first.end_line)], [first.qualified])
    sk = skeleton_ranges(c)
    if sk:
        yield ("skeleton", sk, [d.qualified for d in c.definitions
                                if d.kind not in ("constant",)][:50])
