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
session 18). Pure: texts in, numbers out; the ranker reads the files.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

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


def features(task: Sequence[str], bags: Sequence[Bags],
             check: Callable[[], None] | None = None) -> np.ndarray:
    """``FEATURES`` per candidate (``bags``: each candidate's blocks, ``chunk_bags``; an empty
    list for a file not read) for the stemmed task words ``task``. ``check`` is called now and
    then (a cancel token's): a pasted task may hold thousands of words."""
    out = np.zeros((len(bags), len(FEATURES)), dtype=np.float64)
    wanted = set(task)
    blocks = [blk for b in bags for blk in b]
    starts = np.cumsum([0] + [len(b) for b in bags])
    # Window k of file r is its blocks k and k + 1: the first one's index among all blocks.
    left = np.array([starts[r] + k for r, b in enumerate(bags) for k in range(len(b) - 1)],
                    dtype=np.int64)
    owner = np.array([r for r, b in enumerate(bags) for _ in range(len(b) - 1)], dtype=np.int64)
    n = len(left)
    if not n or not wanted:
        return out
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
    best = float(scores.max())
    if best <= 0:
        return out
    order = np.argsort(-scores, kind="stable")
    rank = np.empty(n)
    rank[order] = np.arange(n)
    for j in order[:np.count_nonzero(scores > 0)][::-1]:  # a file's best window written last
        out[owner[j], :3] = (scores[j] / best, 1.0 / (1.0 + rank[j]), cover[j] / whole)
    np.add.at(out[:, 3], owner[scores >= 0.5 * best], 1.0)
    out[:, 3] = np.log1p(out[:, 3])
    return out
