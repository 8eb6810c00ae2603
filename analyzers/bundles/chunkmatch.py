"""The task's words met in one stretch of a candidate's lines, for the learned re-ranking (#14).

The ``lexical`` signal scores a whole file: a large file whose one function matches the task
is diluted in its length. Here each candidate among the re-ranking's first is cut into windows
of ``CHUNK_LINES`` lines (a step of ``CHUNK_STEP``), every word of them read (identifiers,
comments and strings alike), and BM25 scores the task against every window of every candidate
(the corpus is those windows: a word's rarity is its rarity among the candidates). Per candidate,
four features (``FEATURES``):

* ``chunk_best``   its best window's score over the best window of all;
* ``chunk_rr``     that window's reciprocal rank among all the windows;
* ``chunk_cover``  the share of the task's weight (idf) that window holds;
* ``chunk_many``   log(1 + its windows scoring half the best or more).

Judged leave-one-repository-out by ``bench/fusion_experiment.py --line-chunks`` (bench/README,
session 18). ``match`` gives, besides, each candidate's best window as a ``Stretch`` (its lines,
the task's words it holds): the ranker names the telling ones in its reasons. Pure: texts in,
numbers out; the ranker reads the files.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from analyzers import lexical

CHUNK_LINES = 30
CHUNK_STEP = 15
MAX_CHUNKS = 400  # windows read of one file (its first 6,000 lines)
READ_MAX = 1_000_000  # bytes of a file read
FEATURES = ("chunk_best", "chunk_rr", "chunk_cover", "chunk_many")
K1, B = 1.2, 0.75

# A file's windows are its blocks of ``CHUNK_STEP`` lines taken two by two: block k and k + 1
# make window k. A block is its stems' counts and their sum.
Block = tuple[Counter[str], int]
Bags = list[Block]


def _block(text: str) -> Block:
    bag = lexical.stem_bag(text)
    return bag, sum(bag.values())


def chunk_bags(data: bytes) -> Bags:
    """The blocks of ``data``'s lines (its first ``READ_MAX`` bytes) whose pairs are its windows
    of ``CHUNK_LINES`` lines (no identifier spans lines, so a window's words are its two
    blocks'): windows start every ``CHUNK_STEP`` lines, at most ``MAX_CHUNKS`` of them, and a
    file has one at least."""
    lines = data[:READ_MAX].decode("utf-8", "replace").split("\n")
    windows = len(range(0, max(1, len(lines) - CHUNK_STEP), CHUNK_STEP)[:MAX_CHUNKS])
    return [_block("\n".join(lines[a:a + CHUNK_STEP]))
            for a in range(0, (windows + 1) * CHUNK_STEP, CHUNK_STEP)]


def line_count(data: bytes) -> int:
    """How many lines ``data``'s first ``READ_MAX`` bytes hold (a final newline ends the last
    line, it starts none): where a file's last window is clipped."""
    head = data[:READ_MAX]
    return head.count(b"\n") + (1 if head and not head.endswith(b"\n") else 0)


# A candidate's best window is named (``Stretch.telling``, a reason the ranker gives) when its
# score is among the first ``NAMED_FILES`` candidates' best windows and half the best window's of
# all or more (as ``chunk_many`` counts a strong window): there the four features are high, so
# they plausibly lifted the file, and a bundle names a few stretches, not one per file. And only
# when it holds two of the task's words (stems) or more -- one common word in 30 lines is no
# finding -- or one that no other candidate holds (the file is then the one place that word is
# met, and the stretch says where in it).
NAMED_FILES = 5
NAMED_SHARE = 0.5


@dataclass(frozen=True)
class Stretch:
    """A candidate's best window: its lines (1-based, inclusive, the last clipped to the file's
    last line), the task's words it holds (as the task writes them, in its order), its place
    among the candidates' best windows (0: the best of all), its score over the best window's,
    and (when it holds one task word) whether no other candidate holds that word."""

    first: int
    last: int
    words: tuple[str, ...]
    place: int
    share: float
    stems: int  # the distinct task stems it holds
    only_here: bool

    @property
    def telling(self) -> bool:
        """Worth a reason (the rule above ``NAMED_FILES``)."""
        return (self.place < NAMED_FILES and self.share >= NAMED_SHARE
                and (self.stems >= 2 or self.only_here))


def lines_named(first: int, last: int) -> str:
    """How a reason names a stretch of lines (:class:`Stretch`): "lines 12–18" (a bundle that
    does not show them all says so after these words)."""
    return f"lines {first}\u2013{last}"


def narrowed(st: Stretch, data: bytes) -> Stretch:
    """``st`` cut to its lines from the first to the last that hold one of the words it names
    (stems compared, as the window was scored): the reason and the editor's focus then point at
    the code that says them, not at the window's first line (often a blank line or the end of the
    definition above). The features are not touched: they are the whole window's."""
    stems = {lexical.stem(w) for w in st.words}
    lines = data[:READ_MAX].split(b"\n", st.last)[st.first - 1:st.last]
    hits = [n for n, ln in enumerate(lines, st.first)
            if stems.intersection(lexical.stem_set(ln.decode("utf-8", "replace")))]
    if not hits:
        return st
    return dataclasses.replace(st, first=hits[0], last=hits[-1])


@dataclass
class Match:
    """``features``' columns and, per candidate, its best window (``None``: no window of it holds
    a word of the task)."""

    features: np.ndarray
    stretches: list[Stretch | None]


def features(task: Sequence[str], bags: Sequence[Bags],
             check: Callable[[], None] | None = None) -> np.ndarray:
    """``FEATURES`` per candidate (``bags``: each candidate's blocks, ``chunk_bags``; an empty
    list for a file not read) for the stemmed task words ``task``. ``check`` is called now and
    then (a cancel token's): a pasted task may hold thousands of words."""
    return _features(_score(task, bags, check), len(bags))


def match(words: Sequence[str], bags: Sequence[Bags], texts: Sequence[bytes],
          check: Callable[[], None] | None = None) -> Match:
    """``features`` for the task's words as written (``words``: ``lexical.task_words``; stemmed
    here) and each candidate's best window (``texts``: the data each candidate's ``bags`` were
    made of, its lines counted when its best window is its last one, which may pass its end).
    """
    distinct = {w: lexical.stem(w) for w in dict.fromkeys(words)}
    scored = _score(lexical.stems(list(words)), bags, check)
    return Match(_features(scored, len(bags)), _stretches(scored, bags, texts, distinct))


@dataclass
class _Scored:
    """Every window's score and what made it (``_score``)."""

    scores: np.ndarray  # per window
    left: np.ndarray  # its first block among all blocks
    owner: np.ndarray  # its candidate
    cover: np.ndarray  # the task's weight (idf) it holds
    whole: float  # the task's weight met at all
    order: np.ndarray  # the windows, best first (ties: in the candidates' order)
    wanted: set[str]
    found: dict[str, list[tuple[int, int]]]  # task stem -> (block, count): stems met only


def _score(task: Sequence[str], bags: Sequence[Bags],
           check: Callable[[], None] | None) -> _Scored | None:
    """BM25 of the stemmed ``task`` against every window of ``bags`` (``None``: no window, or
    no task word)."""
    wanted = set(task)
    blocks = [blk for b in bags for blk in b]
    starts = np.cumsum([0] + [len(b) for b in bags])
    # Window k of file r is its blocks k and k + 1: the first one's index among all blocks.
    left = np.array([starts[r] + k for r, b in enumerate(bags) for k in range(len(b) - 1)],
                    dtype=np.int64)
    owner = np.array([r for r, b in enumerate(bags) for _ in range(len(b) - 1)], dtype=np.int64)
    n = len(left)
    if not n or not wanted:
        return None
    found: dict[str, list[tuple[int, int]]] = {}  # task word -> (block, count): words met only
    for g, (counts, _) in enumerate(blocks):
        for w in counts.keys() & wanted:
            found.setdefault(w, []).append((g, counts[w]))
    totals = np.array([t for _, t in blocks], dtype=np.float64)
    lengths = totals[left] + totals[left + 1]
    avg = max(float(lengths.mean()), 1.0)
    norm = K1 * (1 - B + B * lengths / avg)
    scores = np.zeros(n)
    cover = np.zeros(n)
    whole = 0.0
    # Block g is the first block of window first[g] and the second of window second[g] (-1: none).
    first = np.full(len(blocks) + 1, -1, dtype=np.int64)
    second = np.full(len(blocks) + 1, -1, dtype=np.int64)
    first[left] = np.arange(n)
    second[left + 1] = np.arange(n)
    for k, w in enumerate(sorted(found)):
        if check is not None and k % 64 == 0:
            check()
        at = np.array([g for g, _ in found[w]], dtype=np.int64)
        count = np.array([c for _, c in found[w]], dtype=np.float64)
        wins = np.concatenate([first[at], second[at]])
        adds = np.concatenate([count, count])
        keep = wins >= 0
        idx, inverse = np.unique(wins[keep], return_inverse=True)
        tf = np.bincount(inverse, weights=adds[keep], minlength=len(idx))
        df = len(idx)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        scores[idx] += idf * tf * (K1 + 1) / (tf + norm[idx])
        cover[idx] += idf
        whole += idf
    scores = np.round(scores, 9)  # equal windows tie the same way in every process
    return _Scored(scores, left, owner, cover, whole, np.argsort(-scores, kind="stable"),
                   wanted, found)


def _features(s: _Scored | None, candidates: int) -> np.ndarray:
    out = np.zeros((candidates, len(FEATURES)), dtype=np.float64)
    if s is None:
        return out
    scores, owner = s.scores, s.owner
    best = float(scores.max())
    if best <= 0:
        return out
    order = s.order
    rank = np.empty(len(scores))
    rank[order] = np.arange(len(scores))
    for j in order[:np.count_nonzero(scores > 0)][::-1]:  # a file's best window written last
        out[owner[j], :3] = (scores[j] / best, 1.0 / (1.0 + rank[j]), s.cover[j] / s.whole)
    np.add.at(out[:, 3], owner[scores >= 0.5 * best], 1.0)
    out[:, 3] = np.log1p(out[:, 3])
    return out


def _stretches(s: _Scored | None, bags: Sequence[Bags], texts: Sequence[bytes],
               distinct: dict[str, str]) -> list[Stretch | None]:
    """Each candidate's best window (the first of its windows in the order ``_features`` ranks
    them: the one its features describe) as a ``Stretch``."""
    out: list[Stretch | None] = [None] * len(bags)
    if s is None or float(s.scores.max()) <= 0:
        return out
    best = float(s.scores.max())
    order = s.order[:np.count_nonzero(s.scores > 0)]
    _, at = np.unique(s.owner[order], return_index=True)  # each candidate's first window there
    starts = np.cumsum([0] + [len(b) for b in bags]).tolist()
    blocks = [blk for b in bags for blk in b]
    for place, i in enumerate(sorted(at.tolist())):
        j = int(order[i])
        r, g = int(s.owner[j]), int(s.left[j])
        held = (blocks[g][0].keys() & s.wanted) | (blocks[g + 1][0].keys() & s.wanted)
        # A stem met in this candidate's blocks only (a stem's blocks are listed in order).
        only = len(held) == 1 and all(starts[r] <= s.found[w][0][0] and
                                      s.found[w][-1][0] < starts[r + 1] for w in held)
        start = (g - starts[r]) * CHUNK_STEP
        last = start + CHUNK_LINES
        if g + 2 == starts[r + 1]:  # its last window: the file may end before (only there)
            last = max(start + 1, min(last, line_count(texts[r])))
        out[r] = Stretch(start + 1, last,
                         tuple(w for w, st in distinct.items() if st in held), place,
                         float(s.scores[j]) / best, len(held), only)
    return out
