"""Packing ranked files into a token budget, best first, at the right granularity.

A file goes in whole when it is small or central; otherwise only its relevant definitions (linked
to the seed or matching the task) with their line ranges; otherwise a skeleton (signatures only).
While an item is packed, room is held for the least showing of the next ones (up to :data:`COVER`
items), so the best-ranked files get in before any takes more of the budget, and a larger budget
seldom trades the files ranked next for more of the first ones (#14, defect 4; the least showings
are estimates and the hold is capped, so it still can: bench/README, "Packing across budgets").
A seed larger than :data:`SEED_SHARE` of the room is *focused*: the definitions that matter to the
task in full, the signatures of the rest, and then more definitions in full up to its share (see
:func:`seed_goal`), so the files related to it still get in (see :func:`focused`).
The best file, when none of its showings fits, is *outlined* (see :func:`outline_ranges`): shown
by some of its signatures rather than left out; one with no definitions is *excerpted* (see
:func:`excerpt_ranges`): the lines holding the task's words, else its top.
Every item is measured as rendered, and the finished document is measured again, so the bundle's
own token count never exceeds the budget.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from math import fsum

from analyzers import lexical
from analyzers.bundles.docsections import heading_lines, is_design_doc, is_release_history
from analyzers.bundles.render import Piece, render_piece, select_lines, short_reason
from analyzers.syntax import Definition

SMALL_FILE = 1_200  # tokens: a file this small goes in whole when it fits
CENTRAL_SHARE = 0.35  # a central file may take this share of what is left
# A file with no definitions (no part to show: a manifest, a config, a text) goes in whole when
# it takes at most this share of what is left (else a file of 1,201 tokens never went in, at
# any budget, unless central).
PARTLESS_SHARE = 0.1
SYMBOLS_SHARE = 0.45
# A seed whole past this share of the room is focused, and takes at most this share: the rest is
# for the files ranked for it (bench/relevance.py, seeded R16k; see bench/README.md).
SEED_SHARE = 0.5
FOCUS_RELEVANT_SHARE = 0.6  # of a focused seed's share: its relevant definitions, in full, first
FOCUS_TRIES = 3  # renderings of a focused seed measured at most
SEED_LINKED = 10  # a seed's definitions linked to this many of the best-ranked files matter
# Room is held for the first COVER items of a bundle (seeds and pins aside): while an item is
# packed, the cheapest showing of each of the next ones (while they take at most COVER_SHARE of
# what is left) is kept out of its room, so that the best-ranked files are in, at least in
# part, before any takes more.
COVER = 20
COVER_SHARE = 0.5
COVER_SCAN = 3  # candidates looked at per slot held (some have no showing that could fit)
# The best file whose least showing fits no room is *outlined* rather than left out: the
# signatures of its relevant definitions (with the classes around them), then its top-level
# ones, as many as fit the room left for it, at least OUTLINE_SHARE of what is left.
OUTLINE_SHARE = 0.3
OUTLINE_MAX = 40  # signatures an outline shows at most
# A best file with no part to show (a changelog, a manifest, a workflow) is *excerpted* in that
# room instead: its first lines, the lines holding the task's words (rarest first) with
# EXCERPT_CONTEXT lines around each, else (no line holds one) its top: a changelog's newest entries.
EXCERPT_HEAD = 3
EXCERPT_CONTEXT = 1
EXCERPT_MAX = 12  # line ranges an excerpt shows at most (each is named in its heading)
EXCERPT_COMMON = 0.05  # a task word held by more than this share of the lines matches none
# Words (stems) of a task about a changelog that say what to do with it, not which entry: none
# matches a changelog's line ("update CHANGES.md for the release": its top, or the version named).
CHANGELOG_WORDS = frozenset(lexical.stems(
    "update add entry note notes changelog change changes release released version bump new "
    "next prepare unreleased md rst txt".split()))
# A document (Markdown, reStructuredText, AsciiDoc: its headings are its definitions) whose
# relevant sections do not fit is excerpted, not shown by its headings alone, when some of its
# lines hold the task's words, within SYMBOLS_SHARE of what is left; about this much of it is
# its heading, fences and range labels.
EXCERPT_FRAME = 60


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
    # the ranker's telling stretch of lines (first, last) for the task (``RankedFile.focus``)
    stretch: tuple[int, int] | None = None
    # lines and function names the task points at (a traceback's frames): their definitions
    # come before every other linked one
    task_lines: list[int] = field(default_factory=list)
    task_symbols: list[str] = field(default_factory=list)
    task_versions: list[str] = field(default_factory=list)  # "8.5.0" of the task: its lines first
    seed: bool = False  # a seed: focused when large (see focused)
    # The parts of the file its reasons name: (reason, the words of it naming the part, the
    # part's lines). A showing of the file that leaves them out says so (:func:`shown_reasons`).
    named_parts: list[tuple[str, str, tuple[int, int]]] = field(default_factory=list)
    relevant: list[Definition] | None = field(default=None, repr=False)  # (a cache)
    # of the relevant ones, those holding the task's words (set with ``relevant``)
    worded: list[Definition] | None = field(default=None, repr=False)
    matched: list[int] | None = field(default=None, repr=False)  # (a cache: _task_word_lines)
    held: dict[int, set[str]] | None = field(default=None, repr=False)  # (a cache: _held_words)
    blocks: list[Definition] | None = field(default=None, repr=False)  # (a cache: _blocks)
    scores: dict[int, float] | None = field(default=None, repr=False)  # (a cache: _line_scores)
    around: dict[int, list[Definition]] | None = field(  # (a cache: _heads_around)
        default=None, repr=False)
    sigs: dict[tuple[int, int, int], tuple[int, int]] = field(  # (a cache: _signature)
        default_factory=dict, repr=False)
    least: dict[tuple[str, ...], float | None] = field(  # (a cache: least_tokens)
        default_factory=dict, repr=False)
    kept: dict[int, bool] = field(  # (a cache: _told_or_called, by a definition's id)
        default_factory=dict, repr=False)


@dataclass
class Packed:
    candidate: Candidate
    piece: Piece
    tokens: int  # its largest rendering: what it takes of the budget
    symbols: list[str]
    by_format: dict[str, int]  # its tokens in each rendering
    reasons: list[str] = field(default_factory=list)  # as shown (:func:`shown_reasons`)


@dataclass
class Option:
    """One way to show a candidate: its granularity, line ranges and the definitions named."""

    granularity: str
    ranges: list[tuple[int, int]]
    symbols: list[str]
    limit: float | None = None  # at most this many tokens (else: what is left of the budget)
    full: list[tuple[int, int]] = field(default_factory=list)  # focused: shown in full
    estimate: float | None = None  # its tokens, estimated (else: by its share of the lines)
    measured: int | None = None  # its tokens as rendered, once packing measured it
    # A try resized by the next (its ``measured`` read): measured in every rendering even when the
    # first is already over the room (otherwise a showing over it in one is not measured further).
    resized: bool = False


def link_seed(c: Candidate, task_words: Sequence[str], linked: Iterable[Sequence[str]],
              references: dict[str, list[int]]) -> None:
    """Make ``c`` a seed whose relevant definitions are those the task (its words:
    ``task_words``) names, those defining names the best-ranked files share with it
    (``linked``: each file's names, best first) and those referring to such names
    (``references``: the seed's name -> lines)."""
    c.seed = True
    c.task_words = list(dict.fromkeys(task_words))
    names = dict.fromkeys(n for file_names in itertools.islice(linked, SEED_LINKED)
                          for n in file_names)
    c.names = list(names)
    c.ref_lines = sorted({ln for n in names for ln in references.get(n, [])})


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _innermost_by_line(defs: list[Definition], lines: list[int]) -> dict[int, int]:
    """For each of ``lines`` inside some definition, the index of the answer of
    :func:`analyzers.positions.innermost_definition` (the one rule: the shortest span, the later
    start on a tie): one pass over the definitions, not one per line."""
    wanted = sorted(set(lines))
    best: dict[int, tuple[int, int, int]] = {}  # line -> (span, -start, index)
    for i, d in enumerate(defs):
        key = (d.end_line - d.start_line, -d.start_line)
        for line in wanted[bisect_left(wanted, d.start_line):bisect_right(wanted, d.end_line)]:
            held = best.get(line)
            if held is None or key < held[:2]:
                best[line] = (*key, i)
    return {line: held[2] for line, held in best.items()}


def _focus_definitions(c: Candidate) -> list[Definition]:
    """The definitions in focus, in file order but the largest of a name first: overloads
    (Python's ``@overload`` stubs, TypeScript's signatures) share the name of the one with the
    body, which is what was asked for (click's ``prompt``: its two stubs took a 2,500-token
    seed's room and its body was left out)."""
    wanted = set(c.focus)
    hits = [d for d in c.definitions if d.name in wanted or d.qualified in wanted]
    place: dict[str, int] = {}
    for i, d in enumerate(hits):
        place.setdefault(d.qualified, i)
    return sorted(hits, key=lambda d: (place[d.qualified], d.start_line - d.end_line))


def relevant_definitions(c: Candidate) -> list[Definition]:
    """Definitions of ``c`` that matter for this bundle, most relevant first (worked out once
    per candidate: packing asks again for the same one)."""
    if c.relevant is None:
        c.relevant = _focus_definitions(c) if c.focus else _linked_definitions(c)
    return c.relevant


TASK_POINTED = 100.0  # a definition the task points at outranks any linked one
TASK_WORD = 4.0  # a task word only one definition's name holds; shared by n: 4 / n
# A task word met in a definition's own lines (those in no definition inside it: a method's
# words are the method's, not its class's), only one definition holding it; shared by n: 4 / n.
# Words more than EXCERPT_COMMON of the file's lines hold tell no definition apart.
BODY_WORD = 4.0


def _linked_definitions(c: Candidate) -> list[Definition]:
    """Definitions named by the task, sharing names with the seed or the best-ranked files, or
    referring to those names: most relevant first, none inside another chosen.

    The task's words come first: a definition whose name or own lines hold them comes before
    one only linked to the other files by names (a file of parameter types asked about
    ``Choice`` shows ``Choice``, not the ``Path.convert`` referring to names the best files
    use); links order the rest and break ties. A seed's too: chi's ``tree.go`` named as the
    seed of "405 Allow header has duplicate methods" showed ``routes`` and ``InsertRoute``
    (linked to the best files) in full and ``findRoute``, the one function holding
    ``methodsAllowed``, by its signature (``bench/shown_lines.py --seeded``)."""
    words = _task_word_scores(c)  # the task's words in its name and own lines
    links: dict[int, float] = {}  # names shared with the seed or best files; lines referring
    names = set(c.names)
    for i, d in enumerate(c.definitions):
        if d.name in names:
            links[i] = 3.0
    if c.ref_lines:
        inner = _innermost_by_line(c.definitions, c.ref_lines)
        for line in c.ref_lines:
            at = inner.get(line)
            if at is not None:
                links[at] = links.get(at, 0.0) + 1.0
    if c.task_symbols or c.task_lines:  # what the task points at, before all the rest
        pointed = set(c.task_symbols)
        for i, d in enumerate(c.definitions):
            if d.name in pointed:
                words[i] = words.get(i, 0.0) + TASK_POINTED
        for at in _innermost_by_line(c.definitions, c.task_lines).values():
            words[at] = words.get(at, 0.0) + TASK_POINTED / 2
    scored = set(words) | set(links)
    order = sorted(scored, key=lambda i: (-words.get(i, 0.0), -links.get(i, 0.0),
                                          c.definitions[i].start_line))
    c.worded = [c.definitions[i] for i in order if words.get(i, 0.0) > 0]
    chosen: list[Definition] = []
    for i in order:
        d = c.definitions[i]
        # Skip a definition already inside a chosen one (a task's file keeps them: a class too
        # large to show is shown by its head and the members that hold the task's words).
        if c.seed and any(o.start_line <= d.start_line and d.end_line <= o.end_line
                          for o in chosen):
            continue
        chosen.append(d)
    return chosen


def _task_word_scores(c: Candidate) -> dict[int, float]:
    """Definition index -> how much of the task its name and its own lines say.

    The task's words in a definition's name or its class's (ZshComplete.format_completion for
    "zsh completion breaks"), each worth more the fewer definitions of the file hold it: a word
    every method says ("completion") tells them apart less than one only two say ("zsh"); then
    the same over the words of its own lines (:func:`_body_words`). A task verb ("fix", "add")
    meets a name only as written (:func:`lexical.name_meets`)."""
    task = set(lexical.stems(c.task_words))
    if not task:
        return {}
    words: dict[int, float] = {}
    written = set(c.task_words)
    held = [lexical.name_meets(written, task, lexical.words(d.qualified.replace(".", " ")))
            for d in c.definitions]
    df = Counter(w for ws in held for w in ws)
    for i, ws in enumerate(held):
        if ws:
            words[i] = fsum(TASK_WORD / df[w] for w in ws)  # (a set: in any order, one sum)
    if not is_design_doc(c.path):  # (a document's sections: by their names)
        # (a task verb's, "fix", not at all: ``def test_fixes_649`` is one of its own lines)
        body = _body_words(c)
        body_df = Counter(w for ws in body.values() for w in ws)
        for i, ws in body.items():
            words[i] = words.get(i, 0.0) + fsum(BODY_WORD / body_df[w] for w in ws)
    return words


def _body_words(c: Candidate) -> dict[int, set[str]]:
    """Definition index -> the task's words (stems) its own lines hold (:func:`_held_words`): a
    line counts for the innermost definition holding it (:func:`_innermost_by_line`); words more
    than :data:`EXCERPT_COMMON` of the lines hold are left out."""
    held = _held_words(c)
    if not held:
        return {}
    lines_df = Counter(w for ws in held.values() for w in ws)
    common = max(EXCERPT_MAX, EXCERPT_COMMON * len(c.lines))
    out: dict[int, set[str]] = {}
    for ln, at in _innermost_by_line(c.definitions, list(held)).items():
        ws = {w for w in held[ln] if lines_df[w] <= common}
        if ws:
            out.setdefault(at, set()).update(ws)
    return out


def _held_words(c: Candidate) -> dict[int, set[str]]:
    """Line -> the task's words (stems) it holds, for the lines holding any (worked out once per
    candidate), a task verb's ("fix", "add") not among them: ``def test_fixes_649`` is not about
    "fix the session cookie", nor is every ``address`` line about "add a field". Only the lines
    holding the first letters of a task word are stemmed (a stem keeps its word's first four
    letters), found by one search over the whole text."""
    if c.held is not None:
        return c.held
    task = set(lexical.stems(c.task_words)).difference(lexical.verb_stems())
    held: dict[int, set[str]] = {}
    heads = sorted({w[:4] for w in task if w}, key=len, reverse=True)
    if heads and c.lines:
        lines = c.lines
        text = "".join(lines).lower()
        starts = list(itertools.accumulate((len(x) for x in lines), initial=0))
        if len(text) != starts[-1]:  # a letter whose small form is longer ("İ"): line by line
            lines = [ln.lower() for ln in lines]
            text = "".join(lines)
            starts = list(itertools.accumulate((len(x) for x in lines), initial=0))
        rule = re.compile("|".join(map(re.escape, heads)))
        at = rule.search(text)
        while at is not None:  # one search a line holding a head: the next begins a line on
            n = bisect_right(starts, at.start())  # (1-based: starts[0] is line 1's)
            ws = lexical.stem_set(c.lines[n - 1]) & task
            if ws:
                held[n] = ws
            at = rule.search(text, starts[n])
    c.held = held
    return held


def skeleton_ranges(c: Candidate) -> list[tuple[int, int]]:
    ranges = []
    for d in c.definitions:
        if d.kind in ("constant",) and d.parent:
            continue
        ranges.append(_signature(c, d))
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


def _signature(c: Candidate, d: Definition) -> tuple[int, int]:
    """``d``'s signature in ``c``: its first and last lines (:func:`_signature_start`,
    :func:`_signature_end`), worked out once per definition."""
    key = (d.start_line, d.name_line, d.end_line)
    got = c.sigs.get(key)
    if got is None:
        got = c.sigs[key] = (_signature_start(c.lines, d), _signature_end(c.lines, d))
    return got


SIGNATURE_LINES = 6  # lines a signature runs over at most past its name, its brackets unclosed
SIGNATURE_OPEN_LINES = 14  # ... and while a bracket of its parameters is open


def _signature_end(lines: list[str], d: Definition) -> int:
    """The last line of ``d``'s signature: up to the line opening its body (a few lines at most),
    where its parameters' brackets are closed: a TypeScript parameter typed by an object literal
    (``opts: {`` then its fields, then ``): Request {``) does not end it."""
    first = max(d.start_line, d.name_line)
    loose = None  # the first line ending like a signature, brackets or not (within the first 6)
    depth = 0
    for n in range(first, min(d.end_line, first + SIGNATURE_OPEN_LINES, len(lines)) + 1):
        text = lines[n - 1].rstrip()
        depth += sum(text.count(ch) for ch in "([") - sum(text.count(ch) for ch in ")]")
        ends = text.endswith((":", "{", "=>", ";", "}")) or n == d.end_line
        if ends and depth <= 0:
            return n
        if ends and loose is None and n <= first + SIGNATURE_LINES:
            loose = n
        if depth <= 0 and n >= first + SIGNATURE_LINES:
            break
    return loose if loose is not None else first


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
    ahead = _Ahead(candidates, lambda c: least_tokens(c, formats, count))
    cover = COVER if limit is None else min(COVER, limit)
    for c in ahead:
        if limit is not None and len(out) >= limit:
            break
        if remaining <= 0:
            break
        index = len(out) + 1
        held = 0.0 if c.forced else ahead.held(cover - index, COVER_SHARE * remaining)
        # A file whose least showing does not fit beside the next ones' is passed by, as one
        # too large for the budget (taking their room would trade several files for one, and
        # more budget would then hold fewer files); only the best file may take their room.
        best = not any(not p.candidate.forced for p in out)
        for room_for in ((remaining - held, remaining) if held and best else (remaining - held,)):
            item = _first_fit(c, room_for, top_score, formats, count, index, best)
            if item is not None:
                break
        else:
            item = None
            if best and not c.forced:  # no showing fits: its outline (or excerpt), in the room
                # left for it
                item = _outline_fit(c, max(remaining - held, OUTLINE_SHARE * remaining),
                                    remaining, formats, count, index)
            elif c.forced and not c.definitions:  # a seed or pin with no part: its excerpt
                item = _outline_fit(c, SEED_SHARE * remaining, remaining, formats, count, index)
        if item is not None:
            out.append(item)
            remaining -= item.tokens
    return out


def _first_fit(c: Candidate, remaining: float, top_score: float, formats: Sequence[str],
               count: Callable[[str], int], index: int, best: bool = False) -> Packed | None:
    """``c`` in its preferred showing that fits ``remaining``, or None (``best``: the best file
    offered, no other in yet)."""
    return _fit(c, _options(c, remaining, top_score, best, count), remaining, formats, count,
                index)


def _fit(c: Candidate, options: Iterable[Option], remaining: float, formats: Sequence[str],
         count: Callable[[str], int], index: int) -> Packed | None:
    """The first of ``options`` whose rendering fits ``remaining`` (each measured in every
    format), or None."""
    for opt in options:
        room = remaining if opt.limit is None else min(remaining, opt.limit)
        estimate = _estimate(c, opt.ranges) if opt.estimate is None else opt.estimate
        if not opt.ranges or estimate > room * 1.15 + 50:
            continue
        reasons = shown_reasons(c, opt.ranges)
        piece = Piece(c.path, opt.granularity, opt.ranges, select_lines(c.lines, opt.ranges),
                      c.tier, short_reason(reasons), opt.full)
        by_format: dict[str, int] = {}
        for fmt in formats:
            by_format[fmt] = count(render_piece(fmt, piece, index))
            if by_format[fmt] > room and not opt.resized:
                break  # over in one rendering: the others' counts change nothing
        tokens = max(by_format.values())
        opt.measured = tokens
        if tokens <= room:
            return Packed(c, piece, tokens, opt.symbols, by_format, reasons)
    return None


def shown_reasons(c: Candidate, ranges: Sequence[tuple[int, int]]) -> list[str]:
    """``c``'s reasons for a showing of its lines ``ranges``: one naming a part of it
    (``c.named_parts``: a stretch of lines, a document's section) that is not all shown says
    so after the words naming it ("lines 40–52 (not shown) hold ...", "section “Retries”
    (partly shown)")."""
    out = list(c.reasons)
    for reason, name, (a, b) in c.named_parts:
        if reason not in out or name not in reason:
            continue
        shown = sum(max(0, min(b, y) - max(a, x) + 1) for x, y in _merge(list(ranges)))
        if shown < b - a + 1:
            mark = "partly shown" if shown else "not shown"
            out[out.index(reason)] = reason.replace(name, f"{name} ({mark})", 1)
    return out


class _Ahead:
    """The candidates, one at a time, with a look at the next ones (made only when looked at)."""

    def __init__(self, candidates: Iterable[Candidate],
                 least: Callable[[Candidate], float | None]) -> None:
        self._it = iter(candidates)
        self._measure = least
        self._next: deque[Candidate] = deque()
        self._least: dict[int, float | None] = {}

    def __iter__(self) -> Iterator[Candidate]:
        while True:
            if self._next:
                yield self._next.popleft()
                continue
            c = next(self._it, None)
            if c is None:
                return
            yield c

    def held(self, slots: int, cap: float) -> float:
        """The room to hold for the next ``slots`` candidates: their cheapest showings, first
        fit in order within ``cap`` (a candidate that cannot be shown, or whose least does not
        fit what is left of ``cap``, holds none)."""
        total, found = 0.0, 0
        for i in range(max(0, slots) * COVER_SCAN):
            if found >= slots:
                break
            while len(self._next) <= i:
                c = next(self._it, None)
                if c is None:
                    return total
                self._next.append(c)
            c = self._next[i]
            if c.forced:
                continue
            if id(c) not in self._least:
                self._least[id(c)] = self._measure(c)
            least = self._least[id(c)]
            if least is None or total + least > cap:
                continue  # as the packer would pass it by, and take the next
            total += least
            found += 1
        return total


def least_tokens(c: Candidate, formats: Sequence[str], count: Callable[[str], int]
                 ) -> float | None:
    """About the tokens of ``c``'s cheapest showing (of those :func:`_options` offers: whole
    when small, its most relevant definition, its skeleton), or None when it has no part to show
    and is too large to show whole (worked out once per renderings: a candidate offered again,
    to a bundle of the same request at another budget, keeps it)."""
    key = tuple(formats)
    if key not in c.least:
        c.least[key] = _least_tokens(c, formats, count)
    return c.least[key]


def _least_tokens(c: Candidate, formats: Sequence[str], count: Callable[[str], int]
                  ) -> float | None:
    options = []
    if c.tokens <= SMALL_FILE:
        options.append(("file", [(1, len(c.lines))] if c.lines else []))
    defs = relevant_definitions(c)
    if defs:
        options.append(("symbols", [(defs[0].start_line, defs[0].end_line)]))
    options.append(("skeleton", skeleton_ranges(c)))
    options = [(g, r) for g, r in options if r]
    if not options:
        return None
    granularity, ranges = min(options, key=lambda o: _estimate(c, o[1]))
    # its lines estimated (as packing does before measuring), its heading and fences counted
    frame = Piece(c.path, granularity, ranges, "", c.tier, short_reason(c.reasons))
    return _estimate(c, ranges) + max(count(render_piece(fmt, frame, 99)) for fmt in formats)


def outline_ranges(c: Candidate, room: float
                   ) -> tuple[list[tuple[int, int]], list[str], float]:
    """Signatures of ``c`` that fit about ``room`` tokens (estimated), their names and their
    estimate: its relevant definitions first, each after the definitions around it (a method's
    class), then its top-level definitions in file order."""
    ranges: list[tuple[int, int]] = []
    symbols: list[str] = []
    used = 0.0
    for d in signature_order(c, members=False):
        span = _signature(c, d)
        cost = _estimate(c, [span]) + 3  # and the gap marker before it
        if used + cost > room:
            continue
        ranges.append(span)
        symbols.append(d.qualified)
        used += cost
        if len(symbols) >= OUTLINE_MAX:
            break
    return _merge(ranges), symbols, used


def signature_order(c: Candidate, *, members: bool = True) -> list[Definition]:
    """``c``'s definitions in the order their signatures are worth showing: the relevant ones,
    each after the definitions around it (a method's class), then the top-level ones in file
    order, then (with ``members``) the rest in file order; no member constants, none twice."""
    by_name = {d.qualified: d for d in c.definitions}
    order: list[Definition] = []
    for d in relevant_definitions(c):
        chain: list[Definition] = []
        cur: Definition | None = d
        while cur is not None and len(chain) < 8:
            chain.append(cur)
            cur = by_name.get(cur.parent) if cur.parent else None
        order.extend(reversed(chain))
    order.extend(sorted(c.definitions, key=lambda d: (d.parent is not None, d.start_line))
                 if members else (d for d in c.definitions if not d.parent))
    seen: set[int] = set()
    out = []
    for d in order:
        if id(d) not in seen and not (d.kind == "constant" and d.parent):
            seen.add(id(d))
            out.append(d)
    return out


def excerpt_ranges(c: Candidate, room: float, count: Callable[[str], int] | None = None
                   ) -> tuple[list[tuple[int, int]], list[str], float]:
    """Lines of ``c`` that fit about ``room`` tokens, for a file with no definitions: the lines
    holding the task's words (those holding the words fewest lines hold first), each with
    :data:`EXCERPT_CONTEXT` lines around it (or alone, when those do not fit; passed by when
    even it does not, for at most :data:`EXCERPT_MAX` lines) and the heading above it (a
    changelog's version), its first :data:`EXCERPT_HEAD` lines after the first of them; when
    no line holds one, its top, as far as fits (a changelog's newest entries). A line inside a
    top-level anonymous function (:func:`_blocks`: an IIFE) is shown only with the function's
    first line, so that no excerpt of it lacks its opening. The lines are
    counted by ``count`` (else estimated by the file's tokens per character: a line of CJK or
    emoji holds many more). No symbols; their tokens (a gap marker and range label each)."""
    n = len(c.lines)
    excerpt = _Excerpt(c, room, count)
    matched = _task_word_lines(c)
    heads = heading_lines(c.path, c.lines)
    opening = _openings(c)
    passed = 0
    for k, ln in enumerate(matched):
        # a line of a top-level anonymous function comes with the line opening it
        fits = excerpt.take(opening.get(ln, ln), opening.get(ln, ln)) and (
            excerpt.take(max(1, ln - EXCERPT_CONTEXT), min(n, ln + EXCERPT_CONTEXT))
            or excerpt.take(ln, ln))
        if k == 0:  # its first lines, after the line that matters most
            excerpt.take(1, min(n, EXCERPT_HEAD))
        if not fits:  # (a long line: the next ones may fit)
            passed += 1
            if passed >= EXCERPT_MAX:
                break
            continue
        above = bisect_right(heads, ln) - 1
        if above >= 0:
            excerpt.take(heads[above], heads[above])
    if heads:
        _grow_sections(excerpt, matched, heads)
    if not matched:
        for ln in range(1, n + 1):
            if not excerpt.take(ln, ln):
                break
    return _bridge(_runs(excerpt.shown.shown, n), c.lines), [], excerpt.shown.tokens


def _openings(c: Candidate) -> dict[int, int]:
    """Line -> the first line of the top-level anonymous function (:func:`_blocks`) it is in,
    for the lines after that first one (a file with no definitions: its blocks are its only
    parts)."""
    return {ln: b.start_line for b in _blocks(c) for ln in range(b.start_line + 1,
                                                                  b.end_line + 1)}


def _grow_sections(excerpt: _Excerpt, matched: list[int], heads: list[int]) -> None:
    """With room to spare, more of the sections of the lines shown (a document's, a
    changelog's): around each, a line above and one below in turn, within its section (its
    heading to the next), as far as fits."""
    n = len(excerpt.shown.lines)
    flags = excerpt.shown.shown
    done: set[int] = set()
    for ln in matched:
        at = bisect_right(heads, ln) - 1
        if not flags[ln] or at in done:
            continue
        done.add(at)
        start = heads[at] if at >= 0 else 1
        end = heads[at + 1] - 1 if at + 1 < len(heads) else n
        up, down = ln - 1, ln + 1
        while up >= start or down <= end:
            grown = False
            if up >= start:
                grown = excerpt.take(up, up)
                up = up - 1 if grown else start - 1
            if down <= end:
                took = excerpt.take(down, down)
                down = down + 1 if took else end + 1
                grown = grown or took
            if not grown:
                return  # (no room left)


class _Excerpt:
    """The lines chosen so far for an excerpt, within about ``room`` tokens and
    :data:`EXCERPT_MAX` ranges (counted by ``count``, else estimated)."""

    def __init__(self, c: Candidate, room: float,
                 count: Callable[[str], int] | None = None) -> None:
        self.shown, self.room, self.ranges, self.count = _Shown(c), room, 0, count

    def cost(self, a: int, b: int) -> float:
        """The tokens showing lines ``a``-``b`` adds (a gap marker included)."""
        if self.count is None:
            return self.shown.cost(a, b)
        flags, lines = self.shown.shown, self.shown.lines
        new = "".join(lines[i - 1] for i in range(a, b + 1) if not flags[i])
        return self.count(new) + 2 if new else 0.0

    def take(self, a: int, b: int) -> bool:
        """Shows lines ``a``-``b`` if they fit (or are shown already)."""
        flags = self.shown.shown
        if a > b:
            return False
        cost = self.cost(a, b)
        if not cost:
            return True
        joins = any(flags[a - 1:b + 2])  # next to lines shown: no gap marker, no new range
        cost += -2 if joins else 3  # (a gap marker counted in cost; its range in the heading)
        if self.shown.tokens + cost > self.room or (not joins and self.ranges >= EXCERPT_MAX):
            return False
        self.shown.add(a, b, cost)
        self.ranges += not joins
        return True


def _task_word_lines(c: Candidate) -> list[int]:
    """The lines of ``c`` the task points at, those naming a version it names, then those
    holding its words (stems compared), those holding the words fewest lines hold first, then by
    line; when none holds one, the lines of the ranker's stretch (``c.stretch``: a reason names
    them). A word more than :data:`EXCERPT_COMMON` of the lines hold (a changelog's "fix")
    tells none apart: the lines holding only such words are not among them. (Worked out once
    per candidate: an excerpt is tried more than once.)"""
    if c.matched is None:
        c.matched = _word_lines(c)
    return c.matched


def _word_lines(c: Candidate) -> list[int]:
    task = set(lexical.stems(c.task_words))
    if is_release_history(c.path):  # "update CHANGES.md for the release": no entry's words
        task -= CHANGELOG_WORDS
    held = {i: lexical.stem_set(line) & task  # (set(stems(words(line))), memoised)
            for i, line in enumerate(c.lines, 1)} if task else {}
    df: dict[str, int] = {}
    for ws in held.values():
        for w in ws:
            df[w] = df.get(w, 0) + 1
    common = max(EXCERPT_MAX, EXCERPT_COMMON * len(c.lines))
    score = {i: fsum(1.0 / df[w] for w in ws) for i, ws in held.items()
             if any(df[w] <= common for w in ws)}
    pointed = [ln for ln in c.task_lines if 0 < ln <= len(c.lines)]
    words = sorted((i for i in score if i > EXCERPT_HEAD), key=lambda i: (-score[i], i))
    if not words and c.stretch and not is_release_history(c.path):
        # no line holds the words the index matched it by, but a reason names the ranker's
        # stretch (its words: a comment's, which the index does not match)
        words = [ln for ln in range(c.stretch[0], c.stretch[1] + 1) if EXCERPT_HEAD < ln
                 <= len(c.lines)]
    return list(dict.fromkeys(pointed + _version_lines(c) + words))  # (its first lines: shown
    # anyway)


def _version_lines(c: Candidate) -> list[int]:
    """The lines of ``c`` naming a version the task names: under each heading naming one (a
    changelog's "## Version 8.5.0"), the heading and then its section's lines, in order; then
    the other lines naming one."""
    if not c.task_versions:
        return []
    named = re.compile(r"(?<![\w.])v?(?:" + "|".join(map(re.escape, c.task_versions))
                       + r")(?!\w|\.\d)")
    lines = [i for i, line in enumerate(c.lines, 1) if named.search(line)]
    heads = heading_lines(c.path, c.lines)
    out: list[int] = []
    for ln in lines:
        at = bisect_left(heads, ln)
        if at < len(heads) and heads[at] == ln:  # a heading: its section
            end = heads[at + 1] if at + 1 < len(heads) else len(c.lines) + 1
            out.extend(range(ln, end))
    return out + lines


def _excerpted(c: Candidate) -> bool:
    """``c`` is shown by an excerpt rather than signatures: it has no definitions, or it is a
    document (its definitions are its headings) some lines of which hold the task's words."""
    return not c.definitions or (is_design_doc(c.path) and bool(_task_word_lines(c)))


def _outline_fit(c: Candidate, room: float, remaining: float, formats: Sequence[str],
                 count: Callable[[str], int], index: int) -> Packed | None:
    """``c``'s outline in ``room`` (the room left for it), else in all that is left: the best
    file, outlined in a few signatures (excerpted, when it has no definitions), comes before any
    file ranked after it."""
    granularity = "excerpt" if _excerpted(c) else "skeleton"
    frame = Piece(c.path, granularity, [(len(c.lines), len(c.lines))], "", c.tier,
                  short_reason(c.reasons))
    # its heading and fences (a range label of the file's last line: as long as any)
    overhead = max(count(render_piece(fmt, frame, index)) for fmt in formats) + 2
    for space in dict.fromkeys((room, remaining)):
        item = _fit(c, _outline_options(c, space, overhead, granularity, count), space,
                    formats, count, index)
        if item is not None:
            return item
    return None


def _outline_options(c: Candidate, room: float, overhead: float, granularity: str = "skeleton",
                     count: Callable[[str], int] | None = None) -> Iterator[Option]:
    """``c``'s outline (or excerpt) within ``room``; measured over it, tried again with fewer
    lines, in proportion (the estimate of a few lines can be far off)."""
    target = room - overhead
    for _ in range(FOCUS_TRIES):
        if target <= 0:
            return
        ranges, symbols, used = outline_ranges(c, target) if granularity == "skeleton" else \
            excerpt_ranges(c, target, count)
        if not ranges:
            return
        opt = Option(granularity, ranges, symbols, estimate=used, resized=True)
        yield opt
        if opt.measured is None:
            return
        target = 0.95 * used * (room - overhead) / max(1.0, opt.measured - overhead)


def _estimate(c: Candidate, ranges: list[tuple[int, int]]) -> float:
    """A cheap token estimate for ``ranges`` (exact counting happens only for plausible fits)."""
    n = max(1, len(c.lines))
    covered = sum(b - a + 1 for a, b in ranges)
    return c.tokens * covered / n


def seed_is_large(c: Candidate, remaining: float) -> bool:
    """A seed too large to go in whole: more than :data:`SEED_SHARE` of the room, and with
    definitions to choose from (without them it goes in whole when it fits, as before)."""
    return c.seed and bool(c.definitions) and c.tokens > max(SMALL_FILE, SEED_SHARE * remaining)


def seed_goal(c: Candidate, remaining: float) -> float:
    """The tokens a large seed is focused into: :data:`SEED_SHARE` of the room scaled down by how
    far the seed outgrows it (a seed twice the share gets half of it), but never less than its
    compact form (the focused and relevant definitions, every signature; a focused symbol too
    large to show in full, in part, within :data:`FOCUS_RELEVANT_SHARE` of the share) while that
    fits the share.

    It grows with the budget, reaching the whole seed where the seed fits the share, while the room
    left for the other files never shrinks as the budget grows (for a share up to one half): more
    budget never gives a worse bundle, and a seed far larger than the budget stays compact.
    """
    share = SEED_SHARE * remaining
    scaled = share * min(1.0, share / max(1, c.tokens))
    compact = focused(c, scaled, fill=False, signatures=share,
                      part=FOCUS_RELEVANT_SHARE * share).estimate or 0.0
    return max(scaled, min(compact, share))


def _options(c: Candidate, remaining: float, top_score: float, best: bool = False,
             count: Callable[[str], int] | None = None) -> Iterator[Option]:
    """The ways to show ``c``, preferred first; made one at a time, as packing tries them (the
    first that fits ends the search, so later ones are often never needed). ``best``: the best
    file offered, which goes in whole when it has no part to show and fits."""
    n = len(c.lines)
    whole = [(1, n)] if n else []
    central = c.forced or c.score >= 0.6 * top_score
    large_seed = seed_is_large(c, remaining)
    if large_seed:  # its focused symbol first, the task's definitions, signatures of the rest
        goal = cap = seed_goal(c, remaining)
        for _ in range(FOCUS_TRIES):  # a try over the goal: again, smaller by the excess
            opt = focused(c, cap)
            opt.limit, opt.resized = goal, True
            yield opt
            if opt.measured is None:
                break
            cap -= opt.measured - goal + 0.02 * goal
    if c.focus:  # the focused symbol alone (a large seed's: when no focused try fitted)
        defs = relevant_definitions(c)
        yield Option("symbols", _merge([(d.start_line, d.end_line) for d in defs]),
                     [d.qualified for d in defs])
    if not large_seed and (c.tokens <= SMALL_FILE or (
            central and c.tokens <= CENTRAL_SHARE * remaining) or (
            c.forced and c.tokens <= remaining) or (
            not c.definitions and c.tokens <= (remaining if best else
                                               PARTLESS_SHARE * remaining))):
        yield Option("file", whole, [])
    defs = relevant_definitions(c) if not c.focus else []
    block = _best_block(c, defs) if not c.seed and not c.focus else None
    if block is not None and block[1]:  # it says more of the task than any definition
        yield from _block_options(c, block[0], remaining, count)
    if defs:
        yield from _symbol_options(c, defs, remaining, count)
    if block is not None and not block[1]:
        yield from _block_options(c, block[0], remaining, count)
    yield from _outlines(c, remaining, count, best)


def _symbol_options(c: Candidate, defs: list[Definition], remaining: float,
                    count: Callable[[str], int] | None) -> Iterator[Option]:
    """``c`` shown by its relevant definitions ``defs``: those that fit, the first alone, the
    first (a long function) excerpted."""
    cap = SYMBOLS_SHARE * remaining
    if not c.seed and not is_design_doc(c.path):  # (a document's sections: by their words)
        defs = _told_or_called(c, defs)
    ranges, chosen, named = _chosen_symbols(c, defs, cap)
    yield Option("symbols", _merge(ranges), [d.qualified for d in named])
    if len(chosen) > 1:
        first = min(chosen, key=lambda d: defs.index(d))
        yield Option("symbols", [(first.start_line, first.end_line)], [first.qualified])
    if not c.seed and defs[0].tokens > cap and not _has_members(c, defs[0]):
        yield from _definition_excerpts(c, defs[0], cap, count)


def _told_or_called(c: Candidate, defs: list[Definition]) -> list[Definition]:
    """Of a task file's relevant definitions ``defs``, those holding the task's words and those
    they name (a helper they call, a class they make); all of them when none holds a word.

    A definition linked only by a name it shares with the best-ranked files is no part of the
    task when the file's definitions about the task do not use it: click's ``termui.py`` for
    "Land the progress bar on its final position" showed ``progressbar`` and, in full beside it,
    ``echo_via_pager``, ``get_pager_file``, ``edit`` and ``raw_terminal`` (linked to the pager
    code of ``_termui_impl.py``, the best match): 120 lines about something else."""
    worded = c.worded or []
    if not worded or len(worded) == len(defs):
        return defs
    kept = c.kept  # (asked again for each way of showing the file: each answer kept)
    if not kept:
        kept.update((id(w), True) for w in worded)
    texts: dict[int, str] | None = None
    for d in defs:
        if id(d) not in kept:
            if texts is None:
                texts = {id(w): "".join(c.lines[w.start_line - 1:w.end_line]) for w in worded}
            kept[id(d)] = any(_names(c, w, d, texts[id(w)]) for w in worded)
    return [d for d in defs if kept[id(d)]]


def _names(c: Candidate, w: Definition, d: Definition, text: str) -> bool:
    """Whether ``w``'s lines (``text``) name ``d`` (``d``'s own lines, when inside ``w``, left
    out)."""
    if not d.name or d.name not in text:
        return False
    if w.start_line <= d.start_line and d.end_line <= w.end_line:
        lines = c.lines[w.start_line - 1:w.end_line]
        text = "".join(lines[:d.start_line - w.start_line] + lines[d.end_line - w.start_line + 1:])
    return _holds_name(text, d.name)


def _holds_name(text: str, name: str) -> bool:
    r"""Whether ``text`` holds ``name`` as a whole name (``(?<![\w$])NAME(?![\w$])``, with no
    expression compiled for each name: a task file's definitions asked ~800 names a call)."""
    n, at = len(name), text.find(name)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + n] if at + n < len(text) else " "
        if not (before.isalnum() or before in "_$" or after.isalnum() or after in "_$"):
            return True
        at = text.find(name, at + 1)
    return False


# A top-level anonymous function (``export default (async (config) => {``, an IIFE, a
# module-level callback): its first line opens a function, at the start of a line in no
# definition, and its body runs over the indented lines after it, to the line closing it.
_ANON_OPENS = re.compile(r"=>|\bfunction\b|\bfunc\s*\(")
_CLOSES = ("}", ")", "]")


def _blocks(c: Candidate) -> list[Definition]:
    """The top-level anonymous functions of ``c`` (:data:`_ANON_OPENS`) in no definition, each as
    a nameless definition of its lines (worked out once per candidate)."""
    if c.blocks is not None:
        return c.blocks
    spans = sorted((d.start_line, d.end_line) for d in c.definitions)
    lines, n, out = c.lines, len(c.lines), []
    i = 1
    while i <= n:
        first = lines[i - 1]
        opens = first[:1] not in ("", " ", "\t", "\n", "\r") and \
            first.rstrip().endswith(("{", "(", "[", "=>")) and _ANON_OPENS.search(first)
        end = i
        while opens and end < n and (not lines[end].strip() or lines[end][:1] in " \t"):
            end += 1
        if opens and end < n and lines[end].lstrip().startswith(_CLOSES):
            end += 1  # the line closing it
        if end - i >= EXCERPT_MAX and not any(a <= end and i <= b and not (i < a and b <= end)
                                              for a, b in spans):
            out.append(Definition(name="", kind="block", start_line=i, end_line=end,
                                  name_line=i, name_col=0, signature=first.rstrip()))
        i = end + 1
    c.blocks = out
    return out


def _line_scores(c: Candidate) -> dict[int, float]:
    """Line -> how much of the task it says: the task's words (stems) it holds, each worth more
    the fewer lines hold it; words more than :data:`EXCERPT_COMMON` of the lines hold count
    for nothing, and a line holding only those is left out. Worked out once per candidate."""
    if c.scores is not None:
        return c.scores
    held = _held_words(c)
    lines_df = Counter(w for ws in held.values() for w in ws)
    common = max(EXCERPT_MAX, EXCERPT_COMMON * len(c.lines))  # (such a word tells no line apart)
    weight = {w: 1.0 / n for w, n in lines_df.items() if n <= common}
    scores: dict[int, float] = {}
    for ln, ws in held.items():
        said = [weight[w] for w in ws if w in weight]
        if said:
            scores[ln] = fsum(said)
    c.scores = scores
    return scores


def _task_lines_after(c: Candidate, after: int, last: int) -> list[int]:
    """``c``'s lines after line ``after`` up to ``last`` (a definition's body, past its
    signature) that hold the task's words, those saying the most of it first
    (:func:`_line_scores`), in file order on a tie: what an excerpt, a part of a definition
    beside others, and a focused symbol shown in part each show after a signature."""
    scores = _line_scores(c)
    return sorted((ln for ln in scores if after < ln <= last), key=lambda ln: (-scores[ln], ln))


def _best_block(c: Candidate, defs: list[Definition]) -> tuple[Definition, bool] | None:
    """The top-level anonymous function (:func:`_blocks`) whose own lines (in no definition
    inside it: those are shown by name) say the most of the task (:func:`_line_scores`), and
    whether they say more than any of ``defs`` (the relevant definitions) does; None
    when no such line holds a task word."""
    if not c.definitions or not c.task_words or not _blocks(c):
        return None
    scores = _line_scores(c)
    named = _innermost_by_line(c.definitions, list(scores))

    def said(d: Definition, own: bool = False) -> float:
        return sum(v for ln, v in scores.items() if d.start_line <= ln <= d.end_line
                   and not (own and ln in named))

    best = max(_blocks(c), key=lambda d: (said(d, True), -d.start_line))
    if not said(best, True):
        return None
    return best, not defs or said(best, True) > max(said(d) for d in defs)


def _block_options(c: Candidate, d: Definition, remaining: float,
                   count: Callable[[str], int] | None) -> Iterator[Option]:
    """A top-level anonymous function ``d`` (:func:`_blocks`) shown as a named one would be: in
    full when it fits :data:`SYMBOLS_SHARE` of what is left, else by its first line and its
    lines holding the task's words (:func:`_definition_excerpts`). An excerpt either way: it
    has no name."""
    cap = SYMBOLS_SHARE * remaining
    if _estimate(c, [(d.start_line, d.end_line)]) <= cap:
        yield Option("excerpt", [(d.start_line, d.end_line)], [])
    else:
        yield from _definition_excerpts(c, d, cap, count, named=False)


def _definition_excerpts(c: Candidate, d: Definition, cap: float,
                         count: Callable[[str], int] | None, *, named: bool = True
                         ) -> Iterator[Option]:
    """A task's most relevant definition too large for ``cap`` (a long function): the heads of
    the definitions around it, its signature and its lines holding the task's words (those
    holding the words fewest lines hold first: :func:`_line_scores`), each with a line around
    it, as an excerpt of it; measured, and tried again with fewer lines, in proportion. None
    when no line of its body holds one. ``named``: the excerpt names ``d`` among its symbols
    (not an anonymous function's)."""
    sig = _signature(c, d)
    inside = _task_lines_after(c, sig[1], d.end_line)
    if not inside:  # its signature alone says no more than an outline
        return
    target = cap - EXCERPT_FRAME
    for _ in range(FOCUS_TRIES):
        if target <= 0:
            return
        excerpt = _Excerpt(c, target, count)
        if not all([excerpt.take(a, b) for a, b in [*_heads_around(c, d), sig]]):
            return  # (its signature first, or not this way: a line alone tells too little)
        for ln in inside:
            _ = excerpt.take(max(d.start_line, ln - EXCERPT_CONTEXT),
                             min(d.end_line, ln + EXCERPT_CONTEXT)) or excerpt.take(ln, ln)
        used = excerpt.shown.tokens
        opt = Option("excerpt", _bridge(_runs(excerpt.shown.shown, len(c.lines)), c.lines),
                     [d.qualified] if named else [], limit=cap, estimate=used, resized=True)
        yield opt
        if opt.measured is None or not used:
            return
        target = 0.95 * used * (cap - EXCERPT_FRAME) / max(1.0, opt.measured - EXCERPT_FRAME)


def _chosen_symbols(c: Candidate, defs: list[Definition], cap: float
                    ) -> tuple[list[tuple[int, int]], list[Definition], list[Definition]]:
    """The relevant definitions shown within about ``cap`` tokens (the first always), in file
    order, their lines, and every definition shown in full or in part (to name). A definition
    inside one chosen is shown with it. In a file ranked for a task (not a seed), a member comes
    with the heads (signatures) of the definitions around it, a most relevant definition larger
    than ``cap`` that has members is shown by its head, its members that matter (each a
    definition of ``defs``) after it, and a later one too large for what is left by its
    signature and its lines holding the task's words (:func:`_task_part`), when they fit."""
    chosen: list[Definition] = []
    parts: list[Definition] = []  # shown by their head, or their head and task lines
    heads: dict[tuple[int, int], float] = {}
    used = 0.0
    for d in defs:
        if any(o.start_line <= d.start_line and d.end_line <= o.end_line for o in chosen):
            continue
        around = {} if c.seed else {span: _estimate(c, [span]) for span in _heads_around(c, d)
                                    if span not in heads}
        cost = d.tokens + sum(around.values())
        if used + cost > cap:
            if not chosen and not heads and not c.seed and _has_members(c, d):
                span = _signature(c, d)
                heads[span] = _estimate(c, [span])
                heads.update(around)
                used += sum(around.values()) + heads[span]
                parts.append(d)
                continue
            if chosen or heads:
                # A task's definition too large for what is left: its signature and its lines
                # holding the task's words, when they fit (poetry's ``AddCommand.handle``, whose
                # extras lines a one-line fix about extras changes, beside its small helpers).
                part = {} if c.seed else {s: _estimate(c, [s]) for s in _task_part(c, d)
                                          if s not in heads}
                extra = sum(part.values()) + sum(around.values())
                if part and used + extra <= cap:
                    heads.update(around)
                    heads.update(part)
                    used += extra
                    parts.append(d)
                continue
        chosen.append(d)
        heads.update(around)
        used += cost
    chosen.sort(key=lambda d: d.start_line)
    named = sorted(chosen + parts, key=lambda d: d.start_line)
    return list(heads) + [(d.start_line, d.end_line) for d in chosen], chosen, named


PART_LINES = 4  # a definition shown in part beside others: its lines holding most of the task


def _task_part(c: Candidate, d: Definition) -> list[tuple[int, int]]:
    """``d``'s signature and its :data:`PART_LINES` lines saying the most of the task (those
    holding the words fewest lines hold: :func:`_line_scores`), each with a line either side; none
    when no line of its body holds a task word."""
    sig = _signature(c, d)
    inside = _task_lines_after(c, sig[1], d.end_line)[:PART_LINES]
    if not inside:
        return []
    return _merge([sig, *((max(sig[1] + 1, ln - EXCERPT_CONTEXT),
                           min(d.end_line, ln + EXCERPT_CONTEXT)) for ln in inside)])


def _heads_around(c: Candidate, d: Definition) -> list[tuple[int, int]]:
    """The signatures of the definitions ``d`` is inside (a method's class), in the order of
    ``c.definitions``."""
    if c.around is None:
        c.around = _enclosing(c.definitions)
    outer = c.around.get(id(d))
    if outer is None:  # not one of c's definitions (a top-level anonymous function)
        outer = [o for o in c.definitions
                 if o is not d and o.start_line < d.start_line and d.end_line <= o.end_line]
    return [_signature(c, o) for o in outer]


def _enclosing(defs: list[Definition]) -> dict[int, list[Definition]]:
    """id of each of ``defs`` -> the definitions of ``defs`` it is inside (starting on an
    earlier line, ending on its last line or later), in the order of ``defs``: one sweep in
    order of start with the definitions still open, not a pass over all of them for each
    (a file of ~900 definitions took ~800,000 comparisons for a bundle)."""
    out: dict[int, list[Definition]] = {}
    if any(d.end_line < d.start_line for d in defs):  # (malformed: the sweep's order fails)
        for d in defs:
            out[id(d)] = [o for o in defs if o is not d and o.start_line < d.start_line
                          and d.end_line <= o.end_line]
        return out
    order = sorted(range(len(defs)), key=lambda i: (defs[i].start_line, -defs[i].end_line))
    open_: list[int] = []
    for i in order:
        d = defs[i]
        open_ = [j for j in open_ if defs[j].end_line >= d.start_line]  # (the rest end before)
        out[id(d)] = [defs[j] for j in sorted(open_) if defs[j].start_line < d.start_line
                      and d.end_line <= defs[j].end_line]
        open_.append(i)
    return out


def _has_members(c: Candidate, d: Definition) -> bool:
    return any(m is not d and d.start_line <= m.start_line and m.end_line <= d.end_line
               for m in c.definitions)


def _outlines(c: Candidate, remaining: float, count: Callable[[str], int] | None,
              best: bool = False) -> Iterator[Option]:
    """``c``'s least showings: a document's lines holding the task's words (see
    :func:`_excerpted`), its skeleton; a file with no part to show (a changelog), too large to
    go in whole, by its lines holding the task's words (else its top) within
    :data:`PARTLESS_SHARE` of the room (the best file's, and a seed's, are excerpted when nothing
    else fits: :func:`pack`). click's ``CHANGES.rst``, ranked third for a fix whose commit added
    its entry there, was left out at every budget up to 60,000 tokens while 21 files ranked
    after it went in."""
    if c.definitions and _excerpted(c):
        ranges, _, used = excerpt_ranges(c, SYMBOLS_SHARE * remaining - EXCERPT_FRAME, count)
        yield Option("excerpt", ranges, [], limit=SYMBOLS_SHARE * remaining, estimate=used)
    elif not c.definitions and not c.forced and not best and c.lines:
        room = PARTLESS_SHARE * remaining
        for opt in _outline_options(c, room, EXCERPT_FRAME, "excerpt", count):
            opt.limit = room  # (measured over it: tried again with fewer lines)
            yield opt
    sk = skeleton_ranges(c)
    if sk:
        yield Option("skeleton", sk, [d.qualified for d in c.definitions
                                      if d.kind not in ("constant",)][:50])


class _Shown:
    """The lines chosen so far for a focused seed, with their estimated tokens."""

    def __init__(self, c: Candidate) -> None:
        chars = sum(len(line) for line in c.lines) or 1
        self.per_char = c.tokens / chars
        self.lines = c.lines
        self.shown = [False] * (len(c.lines) + 2)
        self.tokens = 0.0

    def cost(self, a: int, b: int) -> float:
        """Estimated tokens that showing lines ``a``-``b`` adds (a gap marker included)."""
        new = sum(len(self.lines[i - 1]) for i in range(a, b + 1) if not self.shown[i])
        if not new:
            return 0.0
        return new * self.per_char + 2

    def add(self, a: int, b: int, cost: float) -> None:
        for i in range(a, b + 1):
            self.shown[i] = True
        self.tokens += cost

    def covered(self, a: int, b: int) -> bool:
        return all(self.shown[a:b + 1])


def focused(c: Candidate, cap: float, *, fill: bool = True,
            signatures: float | None = None, part: float | None = None) -> Option:
    """A large seed within about ``cap`` tokens: the focused symbol and the definitions that
    matter to the task in full (at most :data:`FOCUS_RELEVANT_SHARE` of ``cap``), the signatures
    of every other definition (top-level ones first), then more definitions in full while the cap
    allows (those the full ones call first; not without ``fill``). ``signatures``: the cap for
    the signatures, if not ``cap``; ``part``: the cap for a focused symbol too large to show
    in full, shown in part, if not :data:`FOCUS_RELEVANT_SHARE` of ``cap``.
    """
    shown = _Shown(c)
    shown.tokens = 30 + len(c.path) / 2  # its heading
    full = _InFull(c, shown)
    full.take_wanted(cap, part)
    _add_signatures(c, shown, cap if signatures is None else signatures)
    if fill:
        full.take_called_first(cap)
    return full.option(cap)


POINTED_CONTEXT = 8  # lines shown either side of a seed's line in no definition
DOCSTRING_KEPT = 4  # a docstring of more lines, first in a body shown in part: first line only


def _docstring_end(lines: Sequence[str], start: int, last: int) -> int:
    """The last line of a Python docstring opening at line ``start`` (1-based; within
    ``last``), or ``start - 1`` when none opens there."""
    head = lines[start - 1].lstrip() if 0 < start <= len(lines) else ""
    m = re.match(r"[rRuUbB]{0,2}(\"\"\"|\'\'\')", head)
    if m is None:
        return start - 1
    quote = m.group(1)
    if head.count(quote) >= 2:  # (opens and closes on its line)
        return start
    for n in range(start + 1, last + 1):
        if quote in lines[n - 1]:
            return n
    return start - 1


class _InFull:
    """The definitions of a focused seed shown in full, taken while a cap allows."""

    def __init__(self, c: Candidate, shown: _Shown) -> None:
        self.c, self.shown = c, shown
        self.full: list[Definition] = []
        self.part: list[Definition] = []  # focused symbols too large, shown in part

    def span(self, d: Definition) -> tuple[int, int]:
        """``d``'s lines, within the file."""
        return max(1, d.start_line), min(len(self.c.lines), d.end_line)

    def take(self, d: Definition, limit: float) -> bool:
        """Shows ``d`` in full if it is not yet and the tokens stay within ``limit``."""
        a, b = self.span(d)
        if a > b or self.shown.covered(a, b):
            return False
        cost = self.shown.cost(a, b) + 4  # its range named in the heading
        if self.shown.tokens + cost > limit:
            return False
        self.shown.add(a, b, cost)
        self.full.append(d)
        return True

    def take_lines(self, a: int, b: int, limit: float) -> bool:
        """Shows lines ``a``-``b`` (within the file) if not yet and the tokens stay within
        ``limit``."""
        a, b = max(1, a), min(len(self.c.lines), b)
        if a > b or self.shown.covered(a, b):
            return False
        cost = self.shown.cost(a, b) + 4
        if self.shown.tokens + cost > limit:
            return False
        self.shown.add(a, b, cost)
        return True

    def take_wanted(self, cap: float, part: float | None = None) -> None:
        """0. a ``PATH:LINE`` seed's line in no definition (a top-level anonymous function's
        body: its first line too), with :data:`POINTED_CONTEXT` lines either side; 1. the
        focused symbol (else its members); 2. the definitions linked to the task and files
        (within :data:`FOCUS_RELEVANT_SHARE` of ``cap``)."""
        defs = self.c.definitions
        for ln in self.c.task_lines if self.c.seed else []:
            if not 0 < ln <= len(self.c.lines) or any(
                    d.start_line <= ln <= d.end_line for d in defs):
                continue
            block = next((b for b in _blocks(self.c) if b.start_line <= ln <= b.end_line), None)
            if block is not None:
                self.take_lines(block.start_line, block.start_line, cap)
            _ = any(self.take_lines(ln - k, ln + k, cap) for k in (POINTED_CONTEXT, 2, 0))
        named: set[str] = set()
        for d in _focus_definitions(self.c) if self.c.focus else []:
            if d.qualified in named:
                continue  # an overload's stub: its signature is shown with the others'
            named.add(d.qualified)
            if not self.take(d, cap):
                for m in defs:
                    if m is not d and d.start_line <= m.start_line and m.end_line <= d.end_line:
                        self.take(m, FOCUS_RELEVANT_SHARE * cap)
                self.take_part(d, FOCUS_RELEVANT_SHARE * cap if part is None else part)
        for i, d in enumerate(_linked_definitions(self.c)):
            if not self.take(d, FOCUS_RELEVANT_SHARE * cap) and i == 0 and self.c.task_words \
                    and _task_lines_after(self.c, _signature(self.c, d)[1], d.end_line):
                # the most relevant, too large: its signature and lines holding the task's
                # words (chi's findRoute, for a 405 fix, at 4,000 tokens), more of it later
                self.take_part(d, FOCUS_RELEVANT_SHARE * cap, grow=False)

    def take_part(self, d: Definition, limit: float, *, grow: bool = True) -> None:
        """A focused symbol too large to show in full (``--seed printer.rs::print_line``, a
        function of 300 lines): its signature, its lines holding the task's words (with a line
        either side), its last line, then its body from the top while the tokens stay within
        ``limit``. It is what was asked for: a neighbour of the same name
        (``SimplePrinter.print_line``) must not stand in for it."""
        lines = self.c.lines
        a, b = self.span(d)
        sig_end = min(b, _signature_end(lines, d))
        self.take_lines(_signature_start(lines, d), sig_end, limit)
        for ln in self.c.task_lines if self.c.seed else []:  # a PATH:LINE seed's line in it
            if sig_end < ln <= b:  # (``termui.py:260`` showed prompt's docstring, not line 260)
                _ = any(self.take_lines(ln - k, min(b, ln + k), limit)
                        for k in (POINTED_CONTEXT, 2, 0))
        for ln in _task_lines_after(self.c, sig_end, b) if self.c.task_words else []:
            _ = self.take_lines(ln - EXCERPT_CONTEXT, min(b, ln + EXCERPT_CONTEXT), limit) \
                or self.take_lines(ln, ln, limit)
        self.take_lines(b, b, limit)
        if grow:
            self.grow(d, limit)
        if d not in self.part:
            self.part.append(d)

    def grow(self, d: Definition, limit: float) -> None:
        """More of ``d``'s body shown: from the first line after its signature not yet shown, as
        many lines as the tokens allow within ``limit``."""
        shown = self.shown
        a, b = self.span(d)
        start = next((n for n in range(min(b, _signature_end(self.c.lines, d)) + 1, b + 1)
                      if not shown.shown[n]), None)
        if start is None:
            return
        doc_end = _docstring_end(self.c.lines, start, b)
        if doc_end - start >= DOCSTRING_KEPT:  # a long docstring: its first line, then the code
            # (click's prompt at 2,500 tokens: 40 lines of :param: text and none of its body);
            # the rest of it comes when the body is all shown (the next grow starts there)
            self.take_lines(start, start, limit)
            start = next((n for n in range(doc_end + 1, b + 1) if not shown.shown[n]), None)
            if start is None:
                return
        lo, hi = start - 1, b  # the last line that fits: lo (start - 1 when none does)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if shown.tokens + shown.cost(start, mid) <= limit:
                lo = mid
            else:
                hi = mid - 1
        if lo >= start:
            shown.add(start, lo, shown.cost(start, lo))

    def take_called_first(self, cap: float) -> None:
        """4. more up to ``cap``: the focused symbols shown in part, more of them; then in full
        the definitions the full ones use first, then in file order."""
        for d in self.part:
            self.grow(d, cap)
        inside = [(d.start_line, d.end_line) for d in self.full]
        called = {name for name, lines in _lines_by_name(self.c).items()
                  if any(a <= ln <= b for ln in lines for a, b in inside)}
        for d in sorted(self.c.definitions, key=lambda d: (d.name not in called, d.start_line)):
            self.take(d, cap)

    def option(self, cap: float) -> Option:
        """The focused Option: the lines shown, those in full, and the outermost full
        definitions by name."""
        lines = self.c.lines
        ranges = _bridge(_runs(self.shown.shown, len(lines)), lines)
        full_ranges = _bridge(_merge([self.span(d) for d in self.full]), lines)
        named = sorted({id(d): d for d in [*self.part, *self.full]}.values(),
                       key=lambda d: d.start_line)
        top = [d for d in named if not any(o is not d and o.start_line <= d.start_line and
                                           d.end_line <= o.end_line for o in named)]
        return Option("focused", ranges, [d.qualified for d in top], limit=cap, full=full_ranges,
                      estimate=self.shown.tokens)


def _add_signatures(c: Candidate, shown: _Shown, cap: float) -> None:
    """3. signatures within ``cap``: the relevant definitions' (after their classes') first,
    then top-level definitions, then members (not member constants), in file order."""
    for d in signature_order(c):
        a, b = _signature(c, d)
        cost = shown.cost(a, b)
        if cost and shown.tokens + cost <= cap:
            shown.add(a, b, cost)


def _lines_by_name(c: Candidate) -> dict[str, list[int]]:
    """Lines of ``c`` naming each of its own definitions (a word match: cheap, approximate)."""
    names = {d.name for d in c.definitions}
    out: dict[str, list[int]] = {}
    for i, line in enumerate(c.lines, 1):
        for word in _IDENT.findall(line):
            if word in names:
                out.setdefault(word, []).append(i)
    return out


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _runs(flags: list[bool], n: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = None
    for i in range(1, n + 2):
        on = i <= n and flags[i]
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def _bridge(ranges: list[tuple[int, int]], lines: list[str]) -> list[tuple[int, int]]:
    """``ranges`` (sorted, apart) with those only blank lines apart joined: a gap marker would
    stand for nothing."""
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        if out and all(not lines[i - 1].strip() for i in range(out[-1][1] + 1, a)):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out
