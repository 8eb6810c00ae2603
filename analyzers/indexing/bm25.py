"""BM25 term scores from term counts, in numpy: the ranking graph's lexical views.

The same numbers as ``bm25s.BM25().index(docs)`` with its defaults (Lucene's variant, k1 1.5,
b 0.75, float32 scores, an empty document scored as the one term ``""``), computed from
(document, term, count) triples instead of token lists: the graph holds its documents as counts,
and building them as lists of repeated strings cost more than all the rest of the build. Each
operation is the one bm25s does, in the same float types, so every score is the same float
(``tests/test_bm25.py`` compares both on real corpora).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

K1 = 1.5
B = 0.75


def empty() -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """The index of a corpus without a single term."""
    return {}, np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0)


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Lucene's idf of each document frequency, as bm25s computes it (math.log, then float32)."""
    values, inverse = np.unique(df, return_inverse=True)
    table = np.array([math.log(1 + (n_docs - d + 0.5) / (d + 0.5)) for d in values.tolist()],
                     dtype=np.float32)
    return table[inverse.reshape(-1)]


def _with_empty_docs(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, n_docs: int,
                     terms: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The triples with one ``""`` for each document that has no term (bm25s's placeholder)."""
    hollow = np.flatnonzero(np.bincount(rows, minlength=n_docs) == 0)  # counts are all > 0
    if not len(hollow):
        return rows, cols, counts, terms
    try:
        blank = terms.index("")
    except ValueError:
        terms = [*terms, ""]
        blank = len(terms) - 1
    return (np.concatenate((rows, hollow)), np.concatenate((cols, np.full(len(hollow), blank))),
            np.concatenate((counts, np.ones(len(hollow), np.int64))), terms)


def index(rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray,
          counts: Sequence[int] | np.ndarray, n_docs: int, terms: list[str]
          ) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """(vocabulary, indptr, indices, data): term-major BM25 scores of ``n_docs`` documents where
    document ``rows[i]`` holds term ``terms[cols[i]]`` ``counts[i]`` times (repeats summed, terms
    no document holds left out, terms numbered in string order, ``""`` one past the last when no
    document is empty: bm25s's vocabulary, its keys in string order)."""
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    n = np.asarray(counts, dtype=np.int64)
    keep = n > 0
    r, c, n = r[keep], c[keep], n[keep]
    if not len(r):
        return empty()
    r, c, n, terms = _with_empty_docs(r, c, n, n_docs, terms)
    used = np.flatnonzero(np.bincount(c, minlength=len(terms)))
    order = sorted(range(len(used)), key=[terms[i] for i in used.tolist()].__getitem__)
    number = np.zeros(len(terms), dtype=np.int64)
    number[used[order]] = np.arange(len(used))
    key = number[c] * n_docs + r
    sort = np.argsort(key)
    key, n = key[sort], n[sort]
    if len(key) > 1 and bool(np.any(key[1:] == key[:-1])):  # repeats: summed
        key, inverse = np.unique(key, return_inverse=True)
        n = np.bincount(inverse.reshape(-1), weights=n).astype(np.int64)
    term, doc = key // n_docs, key % n_docs
    lengths = np.bincount(doc, weights=n, minlength=n_docs).astype(np.int64)
    avg = lengths.mean()
    df = np.bincount(term, minlength=len(used))
    tf32 = n.astype(np.float32)
    norm = K1 * ((1 - B) + B * lengths.astype(np.float64) / avg)
    tfc = tf32 / (norm[doc] + tf32)
    data = (_idf(df, n_docs)[term] * tfc).astype(np.float32)
    indptr = np.zeros(len(used) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    # In string order, so the cache stores it without sorting; "" sorts first.
    words = [terms[i] for i in used[order].tolist()]
    vocab = {} if not words or words[0] == "" else {"": len(words)}
    vocab.update(zip(words, range(len(words)), strict=True))
    return vocab, indptr, doc.astype(np.int32), data
