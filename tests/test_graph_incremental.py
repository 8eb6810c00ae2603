"""The ranking graph after a change: built from the graph it had (only the files whose content
changed are read again) it is the graph a fresh build makes, field by field, and ranks the same.
Real git repositories, real index, real ranking; edits, new files, deletions, renames, commits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from gitutil import commit, git, make_repo, quote_module, run_cli, write_files

from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing import bm25
from analyzers.indexing.graph import (
    RepoGraph,
    _changed_rows,
    _lexical_updated,
    build_graph,
    graph_current,
    load_graph,
)
from analyzers.indexing.index import Index, build
from analyzers.indexing.sparse import Csr

_DERIVED = [f.name for f in dataclasses.fields(RepoGraph) if f.name not in ("sources",)]


def _py(i: int, extra: str = "") -> str:
    return quote_module(i, 6, extra)


def _ts(i: int, extra: str = "") -> str:
    return (f"import {{ renderInvoice{(i + 1) % 3} }} from './invoice{(i + 1) % 3}';\n\n"
            f"export function renderInvoice{i}(total: number): string {{\n"
            f"  return renderInvoice{(i + 1) % 3}(total) + 'invoice {i} parsing';\n}}\n{extra}")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    files: dict[str, str | bytes | None] = {"pkg/__init__.py": "", "README.md": "# Quotes\n"}
    files.update({f"pkg/mod{i}.py": _py(i) for i in range(6)})
    files.update({f"web/invoice{i}.ts": _ts(i) for i in range(3)})
    files["pkg/empty.py"] = ""
    for i in range(8):  # filler files, so one change is a small share of the repository
        files[f"lib/util{i}.py"] = f"def util_{i}(value):\n    return value * {i}  # scale\n"
    root = make_repo(tmp_path / "repo", files)
    commit(root, "retry the shipping quote", {"pkg/mod1.py": _py(1, "# retry\n")})
    commit(root, "parse invoices faster", {"web/invoice2.ts": _ts(2, "// faster\n")})
    build(root)
    return root


def _same(a: object, b: object, where: str) -> None:
    """Equal the way ranking reads them: arrays by dtype and value, tables by content and order."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype, where
        assert np.array_equal(a, b), where
    elif isinstance(a, Csr):
        assert isinstance(b, Csr) and tuple(a.shape) == tuple(b.shape), where
        for part in ("indptr", "indices", "data"):
            _same(getattr(a, part), getattr(b, part), f"{where}.{part}")
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert dict(b.items()) == a and list(b) == list(a), where  # type: ignore[attr-defined]
    elif isinstance(a, list):
        assert list(b) == a, where  # type: ignore[call-overload]
    else:
        assert a == b, where


_QUERIES = [RankQuery(seeds=["pkg/mod1.py"], task="retry the quote timeout"),
            RankQuery(task="shipping quote retry"), RankQuery(task="invoice parsing speed"),
            RankQuery(seeds=["web/invoice0.ts"])]


def _ranked(index: Index, graph: RepoGraph) -> list[list[tuple[object, ...]]]:
    return [[(r.path, r.score, r.reasons, r.names_used, r.task_terms)
             for r in rank(index, q, graph=graph)] for q in _QUERIES]


def _check_after(root: Path) -> tuple[RepoGraph, RepoGraph]:
    """Refresh the index, then the graph from its cache, and compare it with a fresh build."""
    build(root)
    with Index(root) as index:
        updated = load_graph(index)
        fresh = build_graph(index, updated.generation)
        for name in _DERIVED:
            if name != "file_index":
                _same(getattr(fresh, name), getattr(updated, name), name)
        assert _ranked(index, updated) == _ranked(index, fresh)
    return updated, fresh


def test_a_graph_updated_after_changes_is_the_fresh_graph(repo: Path) -> None:
    with Index(repo) as index:
        first = load_graph(index)
    assert "helper_5" in first.names
    # An uncommitted edit: a new definition, a new reference, new words.
    write_files(repo, {"pkg/mod2.py": _py(2, "\n\ndef refund_policy(x):\n"
                                             "    return helper_4(x, 1)  # refund window\n")})
    updated, fresh = _check_after(repo)
    assert "refund_policy" in updated.names
    # A new file that defines a name another file already uses, and a deleted file whose name
    # only it defined: its rows go, while the strings it brought stay in the updated sources
    # (evidence the other rows were taken from the earlier graph, not read again).
    write_files(repo, {"lib/quota.py": "def price_0(x):\n    return x\n",
                       "lib/util7.py": None})
    updated, fresh = _check_after(repo)
    assert "util_7" not in updated.names
    assert "util_7" in list(updated.sources.strings)
    assert "util_7" not in list(fresh.sources.strings)
    # A rename and a commit (new history: the history views are built again).
    git("mv", "web/invoice1.ts", "web/billing.ts", cwd=repo)
    commit(repo, "move the invoice renderer to billing", {"web/billing.ts": _ts(1, "// moved\n")})
    updated, _ = _check_after(repo)
    assert "web/billing.ts" in updated.files and "web/invoice1.ts" not in updated.files
    # A file emptied, and one restored.
    write_files(repo, {"pkg/mod3.py": "", "lib/util7.py": "def util_7(v):\n    return v\n"})
    _check_after(repo)


def test_changed_postings_alone_give_the_fresh_lexical_index(repo: Path) -> None:
    # An edit with words the repository already has: the lexical index is updated in place
    # (only the edited file's postings replaced, scores left to the query) and equals a fresh
    # build; a new word or an emptied file makes it build whole (None here).
    with Index(repo) as index:
        before = load_graph(index)
    more = "\n\nvalue = helper_3(1) + helper_3(2) + helper_4(3)\n"  # words it had, more often
    write_files(repo, {"pkg/mod2.py": _py(2, more)})
    build(repo)
    with Index(repo) as index:
        fresh = build_graph(index, "fresh")
    strings = list(fresh.sources.strings)
    changed = _changed_rows(before, fresh.sources)
    assert changed is not None and changed.tolist() == [fresh.file_index["pkg/mod2.py"]]
    updated = _lexical_updated(before, fresh.sources, strings, changed)
    assert updated is not None
    assert not np.array_equal(updated.lengths, before.lexical.lengths)
    _same(fresh.lexical, updated, "lexical")
    assert np.array_equal(updated.scores(["retri", "quot"], len(fresh.files)),
                          fresh.lexical.scores(["retri", "quot"], len(fresh.files)))
    for extra in ("\n\nzanzibar_total = 1\n", None):
        write_files(repo, {"pkg/mod2.py": _py(2, extra) if extra else ""})
        build(repo)
        with Index(repo) as index:
            fresh = build_graph(index, "fresh")
        changed = _changed_rows(before, fresh.sources)
        assert changed is not None
        assert _lexical_updated(before, fresh.sources, list(fresh.sources.strings),
                                changed) is None
    _check_after(repo)
    # A file edited into generated code: its kind is classified again (the others kept).
    write_files(repo, {"lib/util3.py": "# @generated by a tool\n"
                                       "def util_3(value):\n    return value * 3\n"})
    updated, _ = _check_after(repo)
    assert updated.file_kinds[updated.file_index["lib/util3.py"]] != 0


def test_most_files_changed_reads_every_file(repo: Path) -> None:
    with Index(repo) as index:
        load_graph(index)
    write_files(repo, {f"pkg/mod{i}.py": _py(i, f"# rewritten {i}\n") for i in range(6)}
                | {f"lib/util{i}.py": None for i in range(8)})
    updated, fresh = _check_after(repo)
    assert list(updated.sources.strings) == list(fresh.sources.strings)


def test_bm25_from_counts_scores_as_bm25s(repo: Path) -> None:
    # The graph's BM25 (numpy, from counts) against bm25s on the same documents, float for float,
    # including an empty document (bm25s's placeholder term).
    import bm25s

    with Index(repo) as index:
        graph = load_graph(index)
    src = graph.sources
    strings = list(src.strings)
    m = src.lex
    docs = []
    for row in range(m.shape[0]):
        cols, counts = m.row(row)
        docs.append([strings[c] for c, n in zip(cols.tolist(), counts.tolist(), strict=True)
                     for _ in range(int(n))])
    docs.append([])
    model = bm25s.BM25()
    model.index([d or [""] for d in docs], show_progress=False)
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    vocab, indptr, indices, counts, lengths = bm25.index(rows, m.indices,
                                                         m.data.astype(np.int64), len(docs),
                                                         strings)
    data = bm25.values(indptr, indices, counts, lengths)
    # Scored one term at a time, as a query does: the same floats.
    norms = bm25.norm(lengths)
    for t in range(len(indptr) - 1):
        a, b = indptr[t], indptr[t + 1]
        assert np.array_equal(bm25.term_values(int(b - a), len(docs), indices[a:b],
                                               counts[a:b], norms), data[a:b])
    theirs = model.scores
    assert set(vocab) == set(model.vocab_dict)
    assert indices.dtype == theirs["indices"].dtype and data.dtype == theirs["data"].dtype
    for word, t in vocab.items():
        u = model.vocab_dict[word]
        if t >= len(indptr) - 1:
            assert u >= len(theirs["indptr"]) - 1
            continue
        a, b = indptr[t], indptr[t + 1]
        c, d = theirs["indptr"][u], theirs["indptr"][u + 1]
        assert np.array_equal(indices[a:b], theirs["indices"][c:d]), word
        assert np.array_equal(data[a:b], theirs["data"][c:d]), word


def test_a_cold_index_builds_the_graph_and_a_small_change_updates_the_cached_one(
        tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {f"pkg/mod{i}.py": _py(i) for i in range(6)}
    files["pkg/__init__.py"] = ""
    root = make_repo(tmp_path / "repo", files)
    assert run_cli("index", cwd=root).returncode == 0
    cache = root / ".ctxsteward" / "graph.bin"
    with Index(root) as index:
        assert graph_current(index)  # built with the cold index: the first bundle only reads it
    stamp = cache.stat().st_mtime_ns
    write_files(root, {"pkg/mod2.py": _py(2, "\n\ndef refund_policy(x):\n    return x\n")})
    assert run_cli("index", cwd=root).returncode == 0
    # One file of seven: the cached graph is brought up to date with the index (its changed
    # rows only), so whatever comes next (an agent's prompt hook too) finds it current.
    assert cache.stat().st_mtime_ns != stamp
    with Index(root) as index:
        assert graph_current(index)
    stamp = cache.stat().st_mtime_ns
    assert run_cli("index", cwd=root).returncode == 0  # nothing changed: the graph is left
    assert cache.stat().st_mtime_ns == stamp
    cache.unlink()  # none cached: an index that read few files leaves it to the first query
    write_files(root, {"pkg/mod3.py": _py(3, "\n\ndef refund_window(x):\n    return x\n")})
    assert run_cli("index", cwd=root).returncode == 0
    assert not cache.exists()
    found = run_cli("bundle", "--task", "refund policy", "--budget", "0", cwd=root)
    assert found.returncode == 0, found.stderr
    assert "pkg/mod2.py" in found.stdout
    with Index(root) as index:
        assert graph_current(index)
        assert "refund_policy" in load_graph(index).names
