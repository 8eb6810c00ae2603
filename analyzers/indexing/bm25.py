"""BM25 from term counts, in numpy: the ranking graph's lexical views.

The same numbers as ``bm25s.BM25().index(docs)`` with its defaults (Lucene's variant, k1 1.5,
b 0.75, float32 scores, an empty document scored as the one term ``""``), computed from
(document, term, count) triples instead of token lists: the graph holds its documents as counts,
and building them as lists of repeated strings cost more than all the rest of the build. Each
operation is the one bm25s does, in the same float types, so every score is the same float
(``tests/test_graph_incremental.py`` compares both on real corpora).

The index keeps the counts and each document's length, not the scores: a score depends on the
average document length, which any change to any document moves, so scores are computed when a
query asks for a term's postings (:func:`term_values`), and a changed document only replaces its
own postings (:func:`updated`) instead of every score being computed again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

K1 = 1.5
B = 0.75


Arrays = tuple[Mapping[str, int], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def empty(n_docs: int) -> Arrays:
    """The index of a corpus without a single term."""
    return {}, np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32), \
        np.zeros(n_docs, np.int64)


def norm(lengths: np.ndarray) -> np.ndarray:
    """Each document's length normalisation, ``k1 * (1 - b + b * length / average)``."""
    avg = lengths.mean() if len(lengths) else 1.0
    # Every document empty: no posting reads a norm; 1.0 keeps them finite (0 / 0 warned).
    avg = avg or 1.0
    return K1 * ((1 - B) + B * lengths.astype(np.float64) / avg)


def term_values(df: int, n_docs: int, docs: np.ndarray, counts: np.ndarray,
                norms: np.ndarray) -> np.ndarray:
    """The float32 scores of one term's postings (``docs`` holding it ``counts`` times, ``df``
    of them) among ``n_docs`` documents of normalisation ``norms``: bm25s's arithmetic."""
    idf = np.float32(math.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
    tf32 = counts.astype(np.float32)
    tfc = tf32 / (norms[docs] + tf32)
    return (np.float64(idf) * tfc).astype(np.float32)


def values(indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray,
           lengths: np.ndarray) -> np.ndarray:
    """The scores of every posting at once (term-major, as ``indices``)."""
    df = np.diff(indptr)
    term = np.repeat(np.arange(len(df)), df)
    tf32 = counts.astype(np.float32)
    tfc = tf32 / (norm(lengths)[indices] + tf32)
    return (_idf(df, len(lengths))[term] * tfc).astype(np.float32)


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
          ) -> Arrays:
    """(vocabulary, indptr, indices, counts, lengths): term-major BM25 counts of ``n_docs``
    documents and the documents' lengths (:func:`values` scores them), where
    document ``rows[i]`` holds term ``terms[cols[i]]`` ``counts[i]`` times (repeats summed, terms
    no document holds left out, terms numbered in string order, ``""`` one past the last when no
    document is empty: bm25s's vocabulary, its keys in string order)."""
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    n = np.asarray(counts, dtype=np.int64)
    keep = n > 0
    r, c, n = r[keep], c[keep], n[keep]
    if not len(r):
        return empty(n_docs)
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
    df = np.bincount(term, minlength=len(used))
    indptr = np.zeros(len(used) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    # In string order, so the cache stores it without sorting; "" sorts first.
    words = [terms[i] for i in used[order].tolist()]
    vocab = {} if not words or words[0] == "" else {"": len(words)}
    vocab.update(zip(words, range(len(words)), strict=True))
    return vocab, indptr, doc.astype(np.int32), n.astype(np.int32), lengths


def updated(old: Arrays, changed: np.ndarray, rows: np.ndarray, cols: np.ndarray,
            counts: np.ndarray, terms: list[str]) -> Arrays | None:
    """``old`` with the documents ``changed`` (sorted rows) holding now the triples given
    (``rows`` among ``changed``, ``terms[cols[i]]`` ``counts[i]`` times): the arrays
    :func:`index` would build from every document. None when the vocabulary would change (a
    term new or gone, a document empty before or after): then it is built whole."""
    vocab, indptr, indices, old_counts, lengths = old
    n_docs = len(lengths)
    keep = counts > 0
    rows, cols, counts = rows[keep], cols[keep], counts[keep].astype(np.int64)
    blank = vocab.get("")
    n_terms = len(indptr) - 1
    if blank is not None and blank < n_terms and bool(np.isin(
            indices[indptr[blank]:indptr[blank + 1]], changed).any()):
        return None  # a document that was empty (bm25s's placeholder)
    if len(np.unique(rows)) != len(changed):
        return None  # a document empty now
    distinct, where = np.unique(cols, return_inverse=True)
    number = [vocab.get(terms[c], -1) for c in distinct.tolist()]
    if not number or min(number) < 0 or (blank is not None and blank in number):
        return None  # a new term
    new_key = np.asarray(number, dtype=np.int64)[where.reshape(-1)] * n_docs + rows
    new_key, inverse = np.unique(new_key, return_inverse=True)
    new_n = np.bincount(inverse.reshape(-1), weights=counts).astype(np.int64)
    term = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(indptr))
    stays = np.ones(n_docs, dtype=bool)
    stays[changed] = False
    stays = stays[indices]
    kept_key = term[stays] * n_docs + indices[stays]
    at = np.searchsorted(kept_key, new_key)
    key = np.insert(kept_key, at, new_key)
    n = np.insert(old_counts[stays].astype(np.int64), at, new_n)
    df = np.bincount(key // n_docs, minlength=n_terms)
    if n_terms and not bool(df.all()):
        return None  # a term no document holds any more
    new_lengths = lengths.copy()
    new_lengths[changed] = np.bincount(new_key % n_docs, weights=new_n,
                                       minlength=n_docs).astype(np.int64)[changed]
    new_indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=new_indptr[1:])
    return vocab, new_indptr, (key % n_docs).astype(np.int32), n.astype(np.int32), new_lengths
