"""The repository graph behind ranking: who references what, who defines it, and the lexical index.

Built from the index on first use after it changes and kept in ``.ctxsteward/graph.bin`` (keyed
by the index generation; format in
:mod:`analyzers.indexing.graphcache`), so a warm query loads prepared
sparse arrays instead of re-reading every file's facts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analyzers import lexical
from analyzers.cancel import NEVER, CancelToken
from analyzers.indexing import filekinds, graphcache, namelinks
from analyzers.indexing.index import Index
from analyzers.indexing.sparse import Csr
from analyzers.indexing.store import state_dir

# 6: name columns per language family (namelinks), no references to built-ins; file kinds.
# 7: stemmed BM25 documents, definition-name words, path words (task words meet names and paths).
# 8: the test and doc masks and the definition-word list, kept with the graph.
GRAPH_VERSION = 9
MAX_TERM_REPEAT = 8  # a term's count in a BM25 document is capped: saturation, smaller model
MIN_NAME_LEN = 2


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
    lexical: LexicalIndex  # BM25 over path words + terms
    tokens: np.ndarray  # tokens per file
    history: LexicalIndex  # BM25 over the subjects of the commits that touched each file
    commit_subjects: LexicalIndex  # BM25 over commit subjects, one document per commit
    commit_files: Csr  # commits x files: what each commit touched (age-decayed, per file share)
    commit_ids: np.ndarray  # the index's id of each commit row (for its subject, in reasons)
    families: list[str]  # the language families, as numbered in ``file_family``
    file_family: np.ndarray  # each file's language family (an index into ``families``)
    file_kinds: np.ndarray  # each file's filekinds code (0: the repository's own code)

    def name_column(self, file_row: int, name: str) -> int | None:
        """The column of ``name`` as the file in row ``file_row`` would use or define it."""
        fam = self.families[int(self.file_family[file_row])]
        return self.name_index.get(namelinks.key(fam, name))
    def_words: LexicalIndex  # BM25 over the words of the names each file defines
    def_terms: Csr  # files x def_words terms: the same BM25 values, file-major
    def_vocab: Sequence[str]  # def_words' terms by number (the bridge names them in reasons)
    test_mask: np.ndarray  # 1 for a test file (filekinds.is_test_file)
    doc_mask: np.ndarray  # 1 for documentation (filekinds.is_doc_file)
    path_words: LexicalIndex  # path words (stemmed): 1.0 in the file name, 0.4 in folders

    def bm25_scores(self, words: list[str]) -> np.ndarray:
        return self.lexical.scores(words, len(self.files))


@dataclass
class LexicalIndex:
    """BM25 term scores, term-major (computed with bm25s at build time; scored with numpy)."""

    vocab: Mapping[str, int]  # a dict, or a graphcache.StrIndex once loaded from the cache
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def scores(self, words: list[str], n_docs: int) -> np.ndarray:
        out = np.zeros(n_docs, dtype=np.float64)
        for w in words:
            t = self.vocab.get(w)
            if t is None:
                continue
            a, b = self.indptr[t], self.indptr[t + 1]
            idx = self.indices[a:b]
            keep = idx < n_docs
            np.add.at(out, idx[keep], self.data[a:b][keep])
        return out

    def matches(self, doc: int, word: str) -> bool:
        t = self.vocab.get(word)
        if t is None:
            return False
        a, b = self.indptr[t], self.indptr[t + 1]
        return bool(np.any(self.indices[a:b] == doc))


def _lexical_problem(lex: LexicalIndex, docs: int) -> str | None:
    """What makes ``lex`` unusable over ``docs`` documents, or None."""
    if not isinstance(lex, LexicalIndex) or not isinstance(lex.vocab, Mapping):
        return "a lexical index of another shape"
    terms = len(lex.indptr) - 1
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
    if not isinstance(g.def_words, LexicalIndex):
        return "def_words not a lexical index"
    why = _vector_problem(g, {"names": n_names, "def_terms": len(g.def_words.indptr) - 1})
    if why:
        return why
    for name, docs in (("lexical", len(g.files)), ("history", len(g.files)),
                       ("def_words", len(g.files)), ("path_words", len(g.files)),
                       ("commit_subjects", len(g.commit_ids))):
        why = _lexical_problem(getattr(g, name), docs)
        if why:
            return f"{name}: {why}"
    if len(g.def_vocab) != len(g.def_words.vocab):
        return "def_vocab not the definition words' vocabulary"
    return None


graphcache.register(LexicalIndex, _lexical_checked)
graphcache.register(RepoGraph, check_graph, derived=("file_index",))


def _generation(index: Index) -> str:
    """The cache key: the index generation and the settings the graph depends on (the history
    views leave out commits over the large-commit limit)."""
    gen = index.store.get_meta("generation") or "0"
    return f"{gen}/limit={index.settings.large_commit_limit}"


def graph_current(index: Index) -> bool:
    """Whether the graph cache is current for the index's generation (its header alone read:
    :func:`load_graph` would not have to build it)."""
    return graphcache.is_current(state_dir(index.root) / "graph.bin", GRAPH_VERSION,
                                 _generation(index))


def load_graph(index: Index, token: CancelToken = NEVER) -> RepoGraph:
    """The graph for the index's current generation, from the cache when it is current."""
    gen = _generation(index)
    path = state_dir(index.root) / "graph.bin"
    try:
        cached = graphcache.read(path, (GRAPH_VERSION, gen))[1]
        if isinstance(cached, RepoGraph):
            return cached
    except (FileNotFoundError, graphcache.GraphStale):
        pass  # not built yet, or for another generation: built now
    except (OSError, graphcache.GraphFileError) as e:
        logging.getLogger("ctxsteward").warning(
            "the ranking graph's cache %s was refused (%s): it is built again", path, e)
    graph = build_graph(index, gen, token)
    try:
        graphcache.dump(path, GRAPH_VERSION, gen, graph)
        (path.parent / "graph.pickle").unlink(missing_ok=True)  # the earlier format's file
    except (OSError, ValueError):
        pass  # a read-only cache folder, or a name the format cannot hold: answer from memory
    return graph


def build_graph(index: Index, generation: str, token: CancelToken = NEVER) -> RepoGraph:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # its DEBUG lines reach servers' logs

    infos = index.files()
    files = list(infos)
    file_index = {p: i for i, p in enumerate(files)}
    family_of = [namelinks.family(infos[p].lang) for p in files]
    families = sorted(set(family_of))
    family_number = {f: i for i, f in enumerate(families)}
    file_family = np.array([family_number[f] for f in family_of], dtype=np.int16)

    name_index: dict[str, int] = {}
    names: list[str] = []
    d_rows: list[int] = []
    d_cols: list[int] = []
    definers: dict[int, set[int]] = {}
    stem = lexical.stem
    def_docs: list[list[str]] = [[] for _ in files]  # the words of the names each file defines
    for path, d in index.all_definitions():
        fi = file_index.get(path)
        if fi is None or len(d.name) < MIN_NAME_LEN:
            continue
        def_docs[fi].extend(stem(w) for w in lexical.words(d.name))
        column = namelinks.key(family_of[fi], d.name)
        ni = name_index.get(column)
        if ni is None:
            ni = name_index[column] = len(names)
            names.append(d.name)
        d_rows.append(fi)
        d_cols.append(ni)
        definers.setdefault(ni, set()).add(fi)
    token.check()
    n_files, n_names = len(files), len(name_index)
    # Duplicates (overloads) collapse to one definition.
    defs = Csr.from_coo(d_rows, d_cols, None, (n_files, n_names), binary=True)

    r_rows, r_cols, r_vals = reference_triples(index, file_index, name_index, family_of)
    token.check()
    refs_m = Csr.from_coo(r_rows, r_cols, r_vals, (n_files, n_names))
    idf = np.zeros(n_names, dtype=np.float32)
    for ni, fs in definers.items():
        idf[ni] = math.log(1.0 + n_files / len(fs)) / (1.0 + math.log(len(fs)))

    i_rows: list[int] = []
    i_cols: list[int] = []
    for src, dst in index.import_edges():
        if src in file_index and dst in file_index:
            i_rows.append(file_index[src])
            i_cols.append(file_index[dst])
    imports = Csr.from_coo(i_rows, i_cols, None, (n_files, n_files), binary=True)

    corpus: list[list[str]] = [[] for _ in files]
    for path, terms in index.all_terms():
        doc_row = file_index.get(path)
        if doc_row is None:
            continue
        doc = corpus[doc_row]
        for w in lexical.path_words(path):
            doc.extend([stem(w)] * 3)
        for term, n in terms.items():
            doc.extend([stem(term)] * min(n, MAX_TERM_REPEAT))
    token.check()
    lex = _lexical_index(bm25s, corpus)
    def_words = _lexical_index(bm25s, def_docs)
    n_terms = len(def_words.indptr) - 1
    def_terms = Csr((n_terms, n_files), def_words.indptr.astype(np.int64),
                    def_words.indices.astype(np.int32),
                    def_words.data.astype(np.float32)).transpose()
    paths = _path_table(files)
    tokens = np.array([infos[p].tokens for p in files], dtype=np.int64)
    token.check()
    history, commit_subjects, commit_files, commit_ids = _history_views(index, file_index, bm25s)
    kinds = filekinds.codes(index.root, files, index.file_kinds())
    return RepoGraph(
        generation=generation, files=files, file_index=file_index,
        names=names, name_index=name_index, refs=refs_m, defs=defs, name_idf=idf,
        imports=imports, imported_by=imports.transpose(), lexical=lex, tokens=tokens,
        history=history, commit_subjects=commit_subjects,
        commit_files=commit_files, commit_ids=commit_ids,
        families=families, file_family=file_family, file_kinds=kinds,
        def_words=def_words, path_words=paths, def_terms=def_terms,
        def_vocab=_by_number(def_words.vocab),
        test_mask=np.array([filekinds.is_test_file(p) for p in files], dtype=np.uint8),
        doc_mask=np.array([filekinds.is_doc_file(p) for p in files], dtype=np.uint8),
    )


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
    for fi, path in enumerate(files):
        folder, _, name = path.rpartition("/")
        for w in lexical.path_words(folder):
            postings.setdefault(stem(w), {}).setdefault(fi, FOLDER_WORD)
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


def _lexical_index(bm25s, docs: list[list[str]]) -> LexicalIndex:  # noqa: ANN001
    if not any(docs):
        return LexicalIndex({}, np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0))
    bm25 = bm25s.BM25()
    bm25.index([doc or [""] for doc in docs], show_progress=False)
    sc = bm25.scores
    return LexicalIndex(dict(bm25.vocab_dict), np.asarray(sc["indptr"]),
                        np.asarray(sc["indices"]), np.asarray(sc["data"]))


def _history_views(index: Index, file_index: dict[str, int], bm25s  # noqa: ANN001
                   ) -> tuple[LexicalIndex, LexicalIndex, Csr, np.ndarray]:
    """What the history says about a task's words: BM25 over each file's commit subjects and
    over the commits themselves, the files of each commit (a vote shared among them, decayed by
    age) and the commits' ids in the index. Large commits are left out, as for co-change."""
    n = len(file_index)
    rows = index.commit_file_rows()
    commits: dict[int, tuple[int, str, list[int]]] = {}
    for cid, t, subject, path in rows:
        fi = file_index.get(path)
        entry = commits.setdefault(cid, (t, subject or "", []))
        if fi is not None:
            entry[2].append(fi)
    docs: list[list[str]] = [[] for _ in range(n)]
    subjects: list[list[str]] = []
    cf_rows: list[int] = []
    cf_cols: list[int] = []
    cf_vals: list[float] = []
    newest = max((t for t, _, _ in commits.values()), default=0)
    ids: list[int] = []
    for cid, (t, subject, fis) in commits.items():
        ids.append(cid)
        decay = 0.5 ** (max(0, newest - t) / (365 * 86400.0))
        words = lexical.stems(lexical.words(subject))
        for fi in fis:
            docs[fi].extend(words)
            cf_rows.append(len(subjects))
            cf_cols.append(fi)
            cf_vals.append(decay / math.sqrt(len(fis)))
        subjects.append(words)
    commit_files = Csr.from_coo(cf_rows, cf_cols, cf_vals, (len(subjects), n))
    return (_lexical_index(bm25s, docs), _lexical_index(bm25s, subjects),
            commit_files, np.asarray(ids, dtype=np.int64))
