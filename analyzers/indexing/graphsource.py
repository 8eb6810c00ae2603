"""The ranking graph's inputs, file by file: what it reads from the index, kept in the graph.

Building the graph means reading every file's terms, definitions and references from the index,
splitting and stemming words, and only then the numpy work. The first part is kept in the graph as
sparse rows over one string table (:class:`Sources`), so after a change the graph re-reads only
the files whose content hash differs (or that are new) and takes every other row from the graph it
had: the rest of the build is a function of these rows, so the result is the graph a fresh build
makes (``tests/test_graph_incremental.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analyzers import lexical
from analyzers.cancel import NEVER, CancelToken
from analyzers.indexing import namelinks
from analyzers.indexing.graphcache import StrList
from analyzers.indexing.index import Index
from analyzers.indexing.sparse import Csr

MAX_TERM_REPEAT = 8  # a term's count in a BM25 document is capped: saturation, smaller model
PATH_REPEAT = 3  # each word of a file's path counts three times in its BM25 document
MIN_NAME_LEN = 2
# Definitions indexed (outlines, look-ups) but neither linked by name nor lending their words to
# the ranking graph: (family, kind). Go's package constants and variables (``KindA Kind =
# iota``, ``var ErrX = ...``) made ranking worse on gin, chi, cli and fzf: issue-style MRR
# 0.809 -> 0.776 with them, 0.797 when linked without their words.
UNRANKED = frozenset({("go", "constant")})


@dataclass
class Sources:
    """Per file (graph rows), what the graph is built from; columns number ``strings``."""

    key: str  # the tool, index schema and settings the rows were read with
    strings: Sequence[str]  # every stem and name the matrices below number
    hashes: Sequence[str]  # each file's content hash when its row was read
    lex: Csr  # BM25 document: stemmed path words (x3) and terms (capped), counted
    defs: Csr  # the names it defines (MIN_NAME_LEN and longer), in order, one per definition
    def_words: Csr  # the stemmed words of those names, counted
    refs: Csr  # lines referencing each name, the family's built-ins left out


class Numbering(dict[str, int]):
    """Strings numbered in the order first met (``numbering[s]`` numbers a new one)."""

    def __missing__(self, key: str) -> int:
        """A string met for the first time: the next number."""
        n = self[key] = len(self)
        return n


def numbers(numbering: Numbering, items: Iterable[str]) -> np.ndarray:
    """The numbers of ``items`` (new ones numbered), as an int64 array."""
    return np.fromiter(map(numbering.__getitem__, items), dtype=np.int64)


def numbered_lists(numbering: Numbering, lists: Sequence[Sequence[str]]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Lists of strings as (sizes, numbers of all their items in order), numbered at once."""
    sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    return sizes, numbers(numbering, (w for items in lists for w in items))


class Rows:
    """COO triples collected for one matrix."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """Entries (rows[i], cols[i]) of value vals[i], after those added before."""
        self.rows.append(rows)
        self.cols.append(cols)
        self.vals.append(vals)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every entry added, as (rows, columns, values)."""
        if not self.rows:
            z = np.zeros(0, np.int64)
            return z, z, z
        return (np.concatenate(self.rows), np.concatenate(self.cols),
                np.concatenate(self.vals))

    def summed(self, shape: tuple[int, int]) -> Csr:
        """The matrix, repeats summed."""
        return Csr.from_coo(*self.arrays(), shape)

    def ordered(self, shape: tuple[int, int]) -> Csr:
        """The matrix with each row's entries in the order added (repeats kept)."""
        r, c, v = self.arrays()
        order = np.argsort(r, kind="stable")
        counts = np.bincount(r, minlength=shape[0]) if len(r) else np.zeros(shape[0], np.int64)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return Csr(shape, indptr, c[order].astype(np.int32), v[order].astype(np.float32))


def _lexical(index: Index, paths: list[str] | None, row_of: Mapping[str, int],
             numbering: Numbering, out: Rows) -> None:
    """Each file's BM25 document as counts: its path words, then its stored terms."""
    stem = lexical.stem
    keys: list[str] = []
    counts: list[int] = []
    sizes: list[int] = []
    rows: list[int] = []
    for path, terms in index.terms_of(paths):
        row = row_of.get(path)
        if row is None:
            continue
        keys.extend(terms)
        counts.extend(terms.values())
        rows.append(row)
        sizes.append(len(terms))
    terms_numbered = Numbering()
    tids = numbers(terms_numbered, keys)
    stem_ids = numbers(numbering, (stem(t) for t in terms_numbered))
    out.add(np.repeat(np.asarray(rows, np.int64), sizes), stem_ids[tids] if len(tids) else tids,
            np.minimum(np.asarray(counts, np.int64), MAX_TERM_REPEAT))
    path_rows = np.fromiter(row_of.values(), dtype=np.int64, count=len(row_of))
    sizes_p, ids = numbered_lists(numbering, [[stem(w) for w in lexical.path_words(p)]
                                              for p in row_of])
    out.add(np.repeat(path_rows, sizes_p), ids, np.full(len(ids), PATH_REPEAT, dtype=np.int64))


def _definitions(index: Index, paths: list[str] | None, row_of: Mapping[str, int],
                 family_of: Mapping[str, str], numbering: Numbering, defs: Rows,
                 def_words: Rows) -> None:
    """The names each file defines, in order, and their stemmed words (but those of
    :data:`UNRANKED` kinds)."""
    rows: list[int] = []
    names: list[str] = []
    for path, name, kind in index.definition_names(paths):
        row = row_of.get(path)
        if row is None or len(name) < MIN_NAME_LEN or (family_of[path], kind) in UNRANKED:
            continue
        rows.append(row)
        names.append(name)
    r = np.asarray(rows, dtype=np.int64)
    defs.add(r, numbers(numbering, names), np.ones(len(r), np.int64))
    stem = lexical.stem
    distinct = Numbering()
    which = numbers(distinct, names)
    sizes, ids = numbered_lists(numbering, [[stem(w) for w in lexical.words(n)] for n in distinct])
    words = Csr((len(sizes), len(numbering)), np.concatenate(([0], np.cumsum(sizes))), ids,
                np.ones(len(ids), dtype=np.float32))
    gather(words, which, r, def_words)


def _references(index: Index, paths: list[str] | None, row_of: Mapping[str, int],
                family_of: Mapping[str, str], numbering: Numbering, out: Rows) -> None:
    """The lines referencing each name, per file, its family's built-ins left out."""
    rows: list[int] = []
    sizes: list[int] = []
    keys: list[str] = []
    counts: list[int] = []
    none: frozenset[str] = frozenset()
    for path, refs in index.references_of(paths):
        row = row_of.get(path)
        if row is None:
            continue
        skip = namelinks.BUILTINS.get(family_of[path], none)
        if skip and not skip.isdisjoint(refs):
            refs = {k: v for k, v in refs.items() if k not in skip}
        rows.append(row)
        sizes.append(len(refs))
        keys.extend(refs)
        counts.extend(map(len, refs.values()))
    out.add(np.repeat(np.asarray(rows, np.int64), sizes), numbers(numbering, keys),
            np.asarray(counts, np.int64))


def read_sources(index: Index, paths: list[str], family_of: Mapping[str, str],
                 numbering: Numbering, hashes: Sequence[str], *, every: bool, key: str,
                 token: CancelToken = NEVER) -> Sources:
    """The rows of ``paths`` (in that order), read from the index; ``every``: ``paths`` are all
    its files (read in whole-table scans). ``numbering`` numbers the strings (new ones added)."""
    row_of = {p: i for i, p in enumerate(paths)}
    asked = None if every else paths
    lex, defs, def_words, refs = Rows(), Rows(), Rows(), Rows()
    _lexical(index, asked, row_of, numbering, lex)
    token.check()
    _definitions(index, asked, row_of, family_of, numbering, defs, def_words)
    _references(index, asked, row_of, family_of, numbering, refs)
    token.check()
    shape = (len(paths), len(numbering))
    return Sources(key=key, strings=list(numbering), hashes=list(hashes), lex=lex.summed(shape),
                   defs=defs.ordered(shape), def_words=def_words.summed(shape),
                   refs=refs.summed(shape))


def gather(m: Csr, rows: np.ndarray, to: np.ndarray, out: Rows) -> None:
    """Rows ``rows`` of ``m`` added to ``out`` as rows ``to``, entries in their order."""
    starts = m.indptr[rows].astype(np.int64)
    sizes = (m.indptr[rows + 1] - m.indptr[rows]).astype(np.int64)
    total = int(sizes.sum())
    ends = np.cumsum(sizes)
    at = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - sizes), sizes)
    out.add(np.repeat(to, sizes), m.indices[at].astype(np.int64), m.data[at])


def spliced(old: Sources, old_rows: np.ndarray, fresh: Sources, fresh_rows: np.ndarray,
            n_files: int) -> Sources:
    """Sources of ``n_files`` files: row ``i`` is ``old``'s row ``old_rows[i]`` when that is not
    -1, else ``fresh``'s row ``fresh_rows[i]`` (both numbering strings as ``fresh.strings``,
    which extends ``old.strings``)."""
    take_old = np.flatnonzero(old_rows >= 0)
    take_new = np.flatnonzero(fresh_rows >= 0)
    shape = (n_files, len(fresh.strings))
    hashes = [fresh.hashes[j] if j >= 0 else old.hashes[i]
              for i, j in zip(old_rows.tolist(), fresh_rows.tolist(), strict=True)]
    out: dict[str, Csr] = {}
    for name in ("lex", "defs", "def_words", "refs"):
        rows = Rows()
        gather(getattr(old, name), old_rows[take_old], take_old, rows)
        gather(getattr(fresh, name), fresh_rows[take_new], take_new, rows)
        out[name] = rows.ordered(shape)
    strings = fresh.strings
    if isinstance(old.strings, StrList):  # as loaded: only the new strings are packed
        extended = old.strings.extended(list(strings)[len(old.strings):]) \
            if len(strings) > len(old.strings) else old.strings
        strings = extended if extended is not None else strings
    return Sources(key=fresh.key, strings=strings, hashes=hashes, **out)
