"""The repository graph behind ranking: who references what, who defines it, and the lexical index.

Built from the index on first use after it changes and kept in ``.ctxsteward/graph.bin`` (keyed
by the index generation; format in
:mod:`analyzers.indexing.graphcache`), so a warm query loads prepared
sparse arrays instead of re-reading every file's facts.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analyzers import lexical
from analyzers.cancel import NEVER, CancelToken
from analyzers.indexing import bm25, filekinds, graphcache, graphsource, namelinks
from analyzers.indexing.graphstamp import (  # noqa: F401 - graph_current: used by callers
    GRAPH_VERSION,
    graph_current,
    graph_key,
)
from analyzers.indexing.index import Index
from analyzers.indexing.sparse import Csr
from analyzers.indexing.store import GRAPH_FILE, state_dir

# GRAPH_VERSION, which a change to what the graph holds must bump, is in graphstamp: a warm
# query reads it, and the cache file's header, without importing this module.


@dataclass
class RepoGraph:
    generation: str
    files: list[str]
    file_index: dict[str, int]
    names: Sequence[str]  # a list, or a graphcache.StrList once loaded from the cache
    # namelinks.key(family, name) -> column: a name is one column per language family, so a
    # link never crosses families (a dict, or a graphcache.StrIndex once loaded from the cache)
    name_index: Mapping[str, int]
    refs: Csr  # files x names: reference counts (names defined in the repo only)
    defs: Csr  # files x names: 1 where the file defines the name
    name_idf: np.ndarray  # specificity of each name: rarer definitions weigh more
    imports: Csr  # files x files: 1 where row imports column
    imported_by: Csr  # the transpose of ``imports``
    lexical: Bm25Index  # BM25 over path words + terms
    tokens: np.ndarray  # tokens per file
    history: Bm25Index  # BM25 over the subjects of the commits that touched each file
    commit_subjects: Bm25Index  # BM25 over commit subjects, one document per commit
    commit_files: Csr  # commits x files: what each commit touched (age-decayed, per file share)
    commit_ids: np.ndarray  # the index's id of each commit row (for its subject, in reasons)
    families: list[str]  # the language families, as numbered in ``file_family``
    file_family: np.ndarray  # each file's language family (an index into ``families``)
    file_kinds: np.ndarray  # each file's filekinds code (0: the repository's own code)

    def name_column(self, file_row: int, name: str) -> int | None:
        """The column of ``name`` as the file in row ``file_row`` would use or define it."""
        fam = self.families[int(self.file_family[file_row])]
        return self.name_index.get(namelinks.key(fam, name))
    def_words: Bm25Index  # BM25 over the words of the names each file defines
    def_terms: Csr  # files x def_words terms: the same BM25 values, file-major
    def_vocab: Sequence[str]  # def_words' terms by number (the bridge names them in reasons)
    test_mask: np.ndarray  # 1 for a test file (filekinds.is_test_file)
    doc_mask: np.ndarray  # 1 for documentation (filekinds.is_doc_file)
    path_words: LexicalIndex  # path words (stemmed): 1.0 in the file name, 0.4 in folders
    sources: graphsource.Sources  # what each file's rows were built from (a change re-reads them)
    history_key: str  # the history the history views were built from (Index.history_key)

    def bm25_scores(self, words: list[str]) -> np.ndarray:
        return self.lexical.scores(words, len(self.files))


class _Postings(ABC):
    """What the term-major lexical tables share: a term's postings, summed scores, a match."""

    vocab: Mapping[str, int]  # a dict, or a graphcache.StrIndex once loaded from the cache
    indptr: np.ndarray
    indices: np.ndarray  # documents, by term

    @abstractmethod
    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding term number ``term`` and its score in each."""

    def scores(self, words: list[str], n_docs: int) -> np.ndarray:
        """Each document's summed score for ``words`` (a word once per time it is given)."""
        out = np.zeros(n_docs, dtype=np.float64)
        n_terms = len(self.indptr) - 1
        for w in words:
            t = self.vocab.get(w)
            if t is None or t >= n_terms:
                continue
            idx, val = self.postings(t)
            keep = idx < n_docs
            np.add.at(out, idx[keep], val[keep])
        return out


@dataclass
class Bm25Index(_Postings):
    """BM25 term counts, term-major, and each document's length: scored when a query names a
    term (:mod:`analyzers.indexing.bm25`, the scores of bm25s), so that a changed document
    changes only its own postings, not every score through the average length."""

    vocab: Mapping[str, int]
    indptr: np.ndarray
    indices: np.ndarray
    counts: np.ndarray  # how many times each document holds the term
    lengths: np.ndarray  # each document's length (its placeholder counted for an empty one)

    def _norms(self) -> np.ndarray:
        """The documents' length normalisation, computed once per loaded index."""
        got = self.__dict__.get("_norm")
        if got is None:
            got = self.__dict__["_norm"] = bm25.norm(self.lengths)
        return got

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding term number ``term`` and its BM25 score in each."""
        a, b = int(self.indptr[term]), int(self.indptr[term + 1])
        docs = self.indices[a:b]
        return docs, bm25.term_values(b - a, len(self.lengths), docs, self.counts[a:b],
                                      self._norms())

    def values(self) -> np.ndarray:
        """The score of every posting (term-major, as ``indices``)."""
        return bm25.values(self.indptr, self.indices, self.counts, self.lengths)


@dataclass
class LexicalIndex(_Postings):
    """Term scores, term-major (the path words' table), scored with numpy."""

    vocab: Mapping[str, int]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding term number ``term`` and its stored score in each."""
        a, b = self.indptr[term], self.indptr[term + 1]
        return self.indices[a:b], self.data[a:b]


def _lexical_problem(lex: LexicalIndex | Bm25Index, docs: int) -> str | None:
    """What makes ``lex`` unusable over ``docs`` documents, or None."""
    if not isinstance(lex, LexicalIndex | Bm25Index) or not isinstance(lex.vocab, Mapping):
        return "a lexical index of another shape"
    terms = len(lex.indptr) - 1
    if isinstance(lex, Bm25Index):
        why = graphcache.csr_problem((terms, docs), lex.indptr, lex.indices, lex.counts)
        lengths = lex.lengths
        if not why and (not isinstance(lengths, np.ndarray) or lengths.shape != (docs,)
                        or lengths.dtype.kind not in "iu" or lex.counts.dtype.kind not in "iu"
                        or (len(lex.counts) and int(lex.counts.min()) <= 0)
                        or (docs and int(lengths.min()) < 0)):
            why = f"counts or lengths that are not those of {docs} documents"
    else:
        why = graphcache.csr_problem((terms, docs), lex.indptr, lex.indices, lex.data)
    if why:
        return why
    numbers = graphcache.values_of(lex.vocab)
    # bm25s numbers its placeholder for an empty document one past the last row of postings.
    extra = int(lex.vocab.get("") == terms)
    if len(numbers) != terms + extra or (len(numbers) and (
            int(numbers.min()) < 0 or int(numbers.max()) >= terms + extra
            or int(np.bincount(numbers).max()) > 1)):
        return f"a vocabulary that does not number its {terms} terms"
    return None


def _lexical_checked(lex: LexicalIndex) -> str | None:
    """A lexical index read alone: sound over as many documents as its postings name."""
    return _lexical_problem(lex, int(lex.indices.max()) + 1 if len(lex.indices) else 0)


def _bm25_checked(lex: Bm25Index) -> str | None:
    """A BM25 index read alone: sound over the documents it has lengths for."""
    if not isinstance(lex.lengths, np.ndarray):
        return "no document lengths"
    return _lexical_problem(lex, len(lex.lengths))


def _vector_problem(g: RepoGraph, sizes: dict[str, int]) -> str | None:
    """Which of the graph's per-row arrays has the wrong length or kind, or None."""
    n, commits = len(g.files), len(g.commit_ids)
    want = {"name_idf": (len(g.names), "f"), "tokens": (n, "iu"), "commit_ids": (commits, "iu"),
            "file_family": (n, "iu"), "file_kinds": (n, "iu"), "test_mask": (n, "iub"),
            "doc_mask": (n, "iub")}
    for name, (length, kinds) in want.items():
        a = getattr(g, name)
        if not isinstance(a, np.ndarray) or a.shape != (length,) or a.dtype.kind not in kinds:
            return f"{name} not {length} numbers"
    families = g.file_family
    if n and (int(families.min()) < 0 or int(families.max()) >= len(g.families)):
        return "a file of an unknown language family"
    for name, shape in (("refs", (n, sizes["names"])), ("defs", (n, sizes["names"])),
                        ("imports", (n, n)), ("imported_by", (n, n)),
                        ("commit_files", (commits, n)), ("def_terms", (n, sizes["def_terms"]))):
        m = getattr(g, name)
        if not isinstance(m, Csr) or tuple(m.shape) != shape:
            return f"{name} not a {shape[0]} x {shape[1]} matrix"
    return None


def check_graph(g: RepoGraph) -> str | None:
    """What is wrong with a graph read from a file (the shapes its fields must share, every
    index in bounds), or None; fills in ``file_index``, which files leave out."""
    if not isinstance(g.generation, str):
        return "no generation"
    for name in ("files", "names", "families", "def_vocab"):
        if not isinstance(getattr(g, name), list | graphcache.StrList):
            return f"{name} not a list of strings"
    if not isinstance(g.name_index, Mapping):
        return "no name table"
    g.file_index = dict(zip(g.files, range(len(g.files)), strict=True))
    if len(g.file_index) != len(g.files):
        return "a file listed twice"
    n_names = len(g.names)
    columns = graphcache.values_of(g.name_index)
    if len(columns) != n_names or (n_names and (int(columns.min()) < 0
                                                or int(columns.max()) >= n_names)):
        return "a name table that does not number its names"
    if not isinstance(g.def_words, Bm25Index):
        return "def_words not a lexical index"
    why = _vector_problem(g, {"names": n_names, "def_terms": len(g.def_words.indptr) - 1})
    if why:
        return why
    for name, docs in (("lexical", len(g.files)), ("history", len(g.files)),
                       ("def_words", len(g.files)), ("path_words", len(g.files)),
                       ("commit_subjects", len(g.commit_ids))):
        lex = getattr(g, name)
        why = _lexical_problem(lex, docs)
        if not why and not isinstance(lex, LexicalIndex if name == "path_words" else Bm25Index):
            why = "a lexical index of another kind"
        if why:
            return f"{name}: {why}"
    if len(g.def_vocab) != len(g.def_words.vocab):
        return "def_vocab not the definition words' vocabulary"
    if not isinstance(g.history_key, str):
        return "no history key"
    if not isinstance(g.sources, graphsource.Sources) or len(g.sources.hashes) != len(g.files) \
            or not isinstance(g.sources.key, str):
        return "sources not one row per file"
    return None


def _sources_problem(src: graphsource.Sources) -> str | None:
    """What is wrong with a graph's sources read from a file, or None."""
    for name in ("strings", "hashes"):
        if not isinstance(getattr(src, name), list | graphcache.StrList):
            return f"{name} not a list of strings"
    shape = (len(src.hashes), len(src.strings))
    for name in ("lex", "defs", "def_words", "refs"):
        m = getattr(src, name)
        if not isinstance(m, Csr) or tuple(m.shape) != shape:
            return f"{name} not a {shape[0]} x {shape[1]} matrix"
    return None


graphcache.register(LexicalIndex, _lexical_checked)
graphcache.register(Bm25Index, _bm25_checked)
graphcache.register(graphsource.Sources, _sources_problem)
graphcache.register(RepoGraph, check_graph, derived=("file_index",))


def load_graph(index: Index, token: CancelToken = NEVER) -> RepoGraph:
    """The graph for the index's current generation, from the cache when it is current."""
    gen = graph_key(index)
    path = state_dir(index.root) / GRAPH_FILE
    previous = None
    try:
        header, cached = graphcache.read(path, (GRAPH_VERSION, None))
        if isinstance(cached, RepoGraph):
            if header.get("generation") == gen:
                return cached
            previous = cached  # of an earlier state: what did not change is taken from it
    except (FileNotFoundError, graphcache.GraphStale):
        pass  # not built yet, or of another format: built now
    except (OSError, graphcache.GraphFileError) as e:
        logging.getLogger("ctxsteward").warning(
            "the ranking graph's cache %s was refused (%s): it is built again", path, e)
    graph = build_graph(index, gen, token, previous)
    try:
        graphcache.dump(path, GRAPH_VERSION, gen, graph)
        (path.parent / "graph.pickle").unlink(missing_ok=True)  # the earlier format's file
    except (OSError, ValueError):
        pass  # a read-only cache folder, or a name the format cannot hold: answer from memory
    return graph


def build_graph(index: Index, generation: str, token: CancelToken = NEVER,
                previous: RepoGraph | None = None) -> RepoGraph:
    """The graph of the index as it is now; with ``previous`` (a graph of an earlier state of the
    same index), only the files whose content changed are read again and what did not change
    is taken from it: the same graph either way."""
    infos = index.files()
    files = list(infos)
    family_of = {p: namelinks.family(infos[p].lang) for p in files}
    families = sorted(set(family_of.values()))
    family_number = {f: i for i, f in enumerate(families)}
    file_family = np.array([family_number[family_of[p]] for p in files], dtype=np.int16)
    src = _sources(index, files, family_of, [infos[p].hash or "" for p in files], previous,
                   token)
    same_files = previous is not None and list(previous.files) == files
    n_files = len(files)
    strings = list(src.strings)
    names, name_index, defs, refs_m, idf = _name_links(src, strings, file_family, families)
    token.check()
    i_rows: list[int] = []
    i_cols: list[int] = []
    file_index = {p: i for i, p in enumerate(files)}
    for a, b in index.import_edges():
        if a in file_index and b in file_index:
            i_rows.append(file_index[a])
            i_cols.append(file_index[b])
    imports = Csr.from_coo(i_rows, i_cols, None, (n_files, n_files), binary=True)
    changed = _changed_rows(previous, src) if same_files else None
    lex = (_lexical_updated(previous, src, strings, changed)
           if previous is not None and changed is not None else None) \
        or _lexical_index(*_coo(src.lex), n_files, strings)
    def_words = _lexical_index(*_coo(src.def_words), n_files, strings)
    n_terms = len(def_words.indptr) - 1
    def_terms = Csr((n_terms, n_files), def_words.indptr.astype(np.int64),
                    def_words.indices.astype(np.int32), def_words.values()).transpose()
    token.check()
    history_key = index.history_key()
    if same_files and previous is not None and previous.history_key == history_key:
        views = (previous.history, previous.commit_subjects, previous.commit_files,
                 previous.commit_ids)
    else:
        views = _history_views(index, file_index)
    if same_files and previous is not None:
        paths, test_mask, doc_mask = previous.path_words, previous.test_mask, previous.doc_mask
    else:
        paths = _path_table(files)
        test_mask = np.array([filekinds.is_test_file(p) for p in files], dtype=np.uint8)
        doc_mask = np.array([filekinds.is_doc_file(p) for p in files], dtype=np.uint8)
    return RepoGraph(
        generation=generation, files=files, file_index=file_index,
        names=names, name_index=name_index, refs=refs_m, defs=defs, name_idf=idf,
        imports=imports, imported_by=imports.transpose(), lexical=lex,
        tokens=np.array([infos[p].tokens for p in files], dtype=np.int64),
        history=views[0], commit_subjects=views[1], commit_files=views[2], commit_ids=views[3],
        families=families, file_family=file_family,
        file_kinds=filekinds.codes(
            index.root, files, index.file_kinds(),
            *((previous.file_kinds, changed.tolist()) if previous is not None
              and changed is not None else ())),
        def_words=def_words, path_words=paths, def_terms=def_terms,
        def_vocab=_by_number(def_words.vocab), test_mask=test_mask, doc_mask=doc_mask,
        sources=src, history_key=history_key,
    )


REREAD_SHARE = 0.25  # past this share of changed files, every file is read again


def _sources(index: Index, files: list[str], family_of: dict[str, str], hashes: list[str],
             previous: RepoGraph | None, token: CancelToken) -> graphsource.Sources:
    """Each file's rows: read from the index for files new or changed since ``previous``, taken
    from ``previous`` for the others (all read when there is none or most changed)."""
    key = _sources_key(index)
    old = previous.sources if previous is not None else None
    if old is not None and old.key == key:
        numbering = graphsource.Numbering(zip(old.strings, range(len(old.strings)), strict=True))
        old_index = previous.file_index if previous is not None else {}
        old_hashes = old.hashes
        old_rows = np.array([old_index.get(p, -1) for p in files], dtype=np.int64)
        for i, (row, h) in enumerate(zip(old_rows.tolist(), hashes, strict=True)):
            if row >= 0 and (not h or old_hashes[row] != h):  # no hash: read again
                old_rows[i] = -1
        changed = np.flatnonzero(old_rows < 0)
        if len(numbering) == len(old.strings) and len(changed) <= REREAD_SHARE * len(files):
            fresh = graphsource.read_sources(
                index, [files[i] for i in changed.tolist()], family_of, numbering,
                [hashes[i] for i in changed.tolist()], every=False, token=token, key=key)
            fresh_rows = np.full(len(files), -1, dtype=np.int64)
            fresh_rows[changed] = np.arange(len(changed))
            return graphsource.spliced(old, old_rows, fresh, fresh_rows, len(files))
    return graphsource.read_sources(index, files, family_of, graphsource.Numbering(), hashes,
                                    every=True, token=token, key=key)


def _sources_key(index: Index) -> str:
    """What a file's rows depend on beside its content: the tool, the index's schema and the
    settings it read files with (another of any of them reads every file again)."""
    from analyzers import __version__

    get = index.store.get_meta
    return f"{__version__}/{get('schema_version')}/{get('fingerprint')}"


def _coo(m: Csr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A matrix's (row, column, value) triples."""
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    return rows, m.indices.astype(np.int64), m.data.astype(np.int64)


def _name_links(src: graphsource.Sources, strings: list[str], file_family: np.ndarray,
                families: list[str]) -> tuple[list[str], dict[str, int], Csr, Csr, np.ndarray]:
    """Name columns (one per family and name, numbered in the order the files define them), the
    files x names definition and reference matrices, and each name's specificity."""
    n_files, n_strings = len(file_family), max(1, len(strings))
    fam = file_family.astype(np.int64)
    d_rows, d_ids, _ = _coo(src.defs)
    keys = fam[d_rows] * n_strings + d_ids
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first)
    column = np.empty(len(uniq), dtype=np.int64)
    column[order] = np.arange(len(uniq))
    in_order = uniq[order]
    names = [strings[i] for i in (in_order % n_strings).tolist()]
    name_index = {namelinks.key(families[f], name): i for i, (f, name) in
                  enumerate(zip((in_order // n_strings).tolist(), names, strict=True))}
    n_names = len(names)
    # Duplicates (overloads) collapse to one definition.
    defs = Csr.from_coo(d_rows, column[inverse.reshape(-1)], None, (n_files, n_names),
                        binary=True)
    r_rows, r_ids, r_vals = _coo(src.refs)
    r_keys = fam[r_rows] * n_strings + r_ids
    at = np.minimum(np.searchsorted(uniq, r_keys), max(0, len(uniq) - 1))
    hit = uniq[at] == r_keys if len(uniq) else np.zeros(len(r_keys), dtype=bool)
    refs = Csr.from_coo(r_rows[hit], column[at[hit]], r_vals[hit], (n_files, n_names))
    definers = np.bincount(defs.indices, minlength=n_names)
    values, where = np.unique(definers, return_inverse=True)
    table = np.array([math.log(1.0 + n_files / k) / (1.0 + math.log(k)) if k else 0.0
                      for k in values.tolist()], dtype=np.float32)
    idf = table[where.reshape(-1)] if n_names else np.zeros(0, dtype=np.float32)
    return names, name_index, defs, refs, idf


def _by_number(vocab: Mapping[str, int]) -> list[str]:
    out = [""] * len(vocab)
    for word, number in vocab.items():
        out[number] = word
    return out


FOLDER_WORD = 0.4  # a path word in a folder name, against 1.0 in the file's own name


def _path_table(files: list[str]) -> LexicalIndex:
    """Word -> the files whose path holds it, valued by how specific the word is among paths
    (``log(1 + N / df)``) times 1.0 in the file name, ``FOLDER_WORD`` in a folder name only."""
    stem = lexical.stem
    postings: dict[str, dict[int, float]] = {}
    folders: dict[str, list[str]] = {}
    for fi, path in enumerate(files):
        folder, _, name = path.rpartition("/")
        in_folder = folders.get(folder)
        if in_folder is None:
            in_folder = folders[folder] = [stem(w) for w in lexical.path_words(folder)]
        for w in in_folder:
            postings.setdefault(w, {}).setdefault(fi, FOLDER_WORD)
        for w in lexical.path_words(name):
            postings.setdefault(stem(w), {})[fi] = 1.0
    vocab: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    n = max(1, len(files))
    for w, docs in postings.items():
        vocab[w] = len(vocab)
        idf = math.log(1.0 + n / len(docs))
        for fi, v in sorted(docs.items()):
            indices.append(fi)
            data.append(v * idf)
        indptr.append(len(indices))
    return LexicalIndex(vocab, np.asarray(indptr, dtype=np.int64),
                        np.asarray(indices, dtype=np.int32), np.asarray(data, dtype=np.float64))


def reference_triples(index: Index, file_index: dict[str, int], name_index: Mapping[str, int],
                      family_of: list[str] | None = None
                      ) -> tuple[list[int], list[int], list[int]]:
    """(file row, name column, referencing lines) for every reference to a known name in a known
    file: the coordinates of the file x name reference matrix. With ``family_of`` (each file
    row's language family), names are looked up in their file's family (``name_index`` keyed by
    :func:`namelinks.key`) and references to the family's built-ins are left out."""
    rows: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    none: frozenset[str] = frozenset()
    for path, refs in index.all_references():
        row = file_index.get(path)
        if row is None:
            continue
        fam = None if family_of is None else family_of[row]
        skip = none if fam is None else namelinks.BUILTINS.get(fam, none)
        for name, lines in refs.items():
            if name in skip:
                continue
            col = name_index.get(name if fam is None else namelinks.key(fam, name))
            if col is not None:
                rows.append(row)
                cols.append(col)
                counts.append(len(lines))
    return rows, cols, counts


def _lexical_index(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, n_docs: int,
                   terms: list[str]) -> Bm25Index:
    """BM25 over ``n_docs`` documents given as (document, term number, count) triples."""
    return Bm25Index(*bm25.index(rows, cols, counts, n_docs, terms))


def _changed_rows(previous: RepoGraph | None, src: graphsource.Sources) -> np.ndarray | None:
    """The rows of the files whose content changed since ``previous`` (a graph of the same
    files, read with the same settings), or None when there is no such graph."""
    if previous is None or previous.sources.key != src.key \
            or len(previous.sources.hashes) != len(src.hashes):
        return None
    return np.flatnonzero([not h or h != o for h, o in
                           zip(src.hashes, previous.sources.hashes, strict=True)])


def _lexical_updated(previous: RepoGraph, src: graphsource.Sources, strings: list[str],
                     changed: np.ndarray) -> Bm25Index | None:
    """The lexical index of ``previous`` (of the same files) with the postings of the files
    ``changed`` replaced; None when it must be built whole (see bm25.updated)."""
    old = previous.lexical
    if not isinstance(old, Bm25Index) or len(old.lengths) != len(src.hashes):
        return None
    if not len(changed):
        return old
    m = src.lex
    starts, ends = m.indptr[changed], m.indptr[changed + 1]
    sizes = ends - starts
    at = np.repeat(starts - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes) \
        + np.arange(int(sizes.sum()))
    arrays = bm25.updated((old.vocab, old.indptr, old.indices, old.counts, old.lengths),
                          changed, np.repeat(changed, sizes), m.indices[at].astype(np.int64),
                          m.data[at].astype(np.int64), strings)
    return None if arrays is None else Bm25Index(*arrays)


def _history_views(index: Index, file_index: dict[str, int]
                   ) -> tuple[Bm25Index, Bm25Index, Csr, np.ndarray]:
    """What the history says about a task's words: BM25 over each file's commit subjects and
    over the commits themselves, the files of each commit (a vote shared among them, decayed by
    age) and the commits' ids in the index. Large commits are left out, as for co-change."""
    n = len(file_index)
    ids: list[int] = []
    times: list[int] = []
    subjects: list[str] = []
    pair_commit: list[int] = []
    pair_file: list[int] = []
    last = None
    for cid, t, subject, path in index.commit_file_rows():  # by commit id
        if cid != last:
            last = cid
            ids.append(cid)
            times.append(t)
            subjects.append(subject or "")
        fi = file_index.get(path)
        if fi is not None:
            pair_commit.append(len(ids) - 1)
            pair_file.append(fi)
    numbering = graphsource.Numbering()
    stem = lexical.stem
    sizes, s_cols = graphsource.numbered_lists(
        numbering, [[stem(w) for w in lexical.words(s)] for s in subjects])
    terms = list(numbering)
    s_rows = np.repeat(np.arange(len(subjects), dtype=np.int64), sizes)
    per_commit = graphsource.Rows()
    per_commit.add(s_rows, s_cols, np.ones(len(s_rows), np.int64))
    subject_counts = per_commit.summed((len(subjects), max(1, len(terms))))
    pc = np.asarray(pair_commit, dtype=np.int64)
    pf = np.asarray(pair_file, dtype=np.int64)
    per_file = graphsource.Rows()
    graphsource.gather(subject_counts, pc, pf, per_file)
    f_rows, f_cols, f_vals = per_file.arrays()
    newest = max(times, default=0)
    files_in = np.bincount(pc, minlength=len(ids)).tolist()
    share = np.array([0.5 ** (max(0, newest - t) / (365 * 86400.0)) / math.sqrt(k) if k else 0.0
                      for t, k in zip(times, files_in, strict=True)], dtype=np.float64)
    commit_files = Csr.from_coo(pc, pf, share[pc], (len(ids), n))
    return (_lexical_index(f_rows, f_cols, f_vals.astype(np.int64), n, terms),
            _lexical_index(*_coo(subject_counts), len(ids), terms),
            commit_files, np.asarray(ids, dtype=np.int64))
