"""The ranking graph's cache file (``.ctxsteward/graph.bin``): a loaded graph is the built one, the
packed string tables behave as the dicts and lists they replace, and a damaged, stale or foreign
file is rebuilt, never trusted. Real repositories, real index, real ranking."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from gitutil import commit, make_repo, quote_module

from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing import graphcache
from analyzers.indexing.graph import GRAPH_VERSION, RepoGraph, build_graph, load_graph
from analyzers.indexing.graphcache import StrIndex, StrList
from analyzers.indexing.index import Index, build
from analyzers.indexing.namelinks import key as name_key
from analyzers.indexing.sparse import Csr


def _module(i: int) -> str:
    return quote_module(i, 8)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {"pkg/__init__.py": "",
                                         **{f"pkg/mod{i}.py": _module(i) for i in range(8)}})
    commit(root, "retry the shipping quote", {"pkg/mod1.py": _module(1) + "# retry\n",
                                              "pkg/mod2.py": _module(2) + "# retry\n"})
    commit(root, "timeout for quotes", {"pkg/mod1.py": _module(1) + "# timeout\n",
                                        "pkg/mod3.py": _module(3) + "# timeout\n"})
    build(root)
    return root


def _same(a: object, b: object) -> None:
    """Field by field, the way ranking reads them (arrays by value, tables by content)."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
        assert b.flags.writeable  # as an unpickled copy's
    elif isinstance(a, Csr):
        assert isinstance(b, Csr) and a.shape == b.shape
        for part in ("indptr", "indices", "data"):
            _same(getattr(a, part), getattr(b, part))
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, dict):
        assert dict(b.items()) == a and list(b) == list(a)  # type: ignore[attr-defined]
    elif isinstance(a, list):
        assert list(b) == a  # type: ignore[call-overload]
    else:
        assert a == b


@pytest.mark.parametrize("pack_from", [graphcache.PACK_MIN_KEYS, 1])
def test_a_loaded_graph_is_the_built_graph(repo: Path, tmp_path: Path, pack_from: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # pack_from=1 packs every string table, as the real threshold does on large repositories.
    monkeypatch.setattr(graphcache, "PACK_MIN_KEYS", pack_from)
    path = tmp_path / "graph.bin"
    with Index(repo) as index:
        built = build_graph(index, "7")
        graphcache.dump(path, GRAPH_VERSION, "7", built)
        loaded = graphcache.load(path, GRAPH_VERSION, "7")
        assert isinstance(loaded, RepoGraph)
        if pack_from == 1:
            assert isinstance(loaded.name_index, StrIndex) and isinstance(loaded.names, StrList)
            assert isinstance(loaded.lexical.vocab, StrIndex)
        _same(built, loaded)
        for query in (RankQuery(seeds=["pkg/mod1.py"], task="retry the quote timeout"),
                      RankQuery(task="shipping quote retry"),
                      RankQuery(seeds=["pkg/mod3.py"], seed_symbols={"pkg/mod3.py": ["Quote3"]})):
            want = rank(index, query, graph=built)
            got = rank(index, query, graph=loaded)
            assert want, query
            assert [(r.path, r.score, r.reasons, r.names_used, r.task_terms) for r in got] == \
                [(r.path, r.score, r.reasons, r.names_used, r.task_terms) for r in want]


def test_load_graph_writes_the_cache_and_reads_it_back(repo: Path) -> None:
    cache = repo / ".ctxsteward" / "graph.bin"
    (repo / ".ctxsteward" / "graph.pickle").write_bytes(b"the earlier format")
    with Index(repo) as index:
        first = load_graph(index)
        assert cache.exists() and not (repo / ".ctxsteward" / "graph.pickle").exists()
        stamp = cache.stat().st_mtime_ns
        again = load_graph(index)
        assert cache.stat().st_mtime_ns == stamp  # read, not rebuilt
        _same(first, again)


def test_a_changed_index_rebuilds_the_graph(repo: Path) -> None:
    with Index(repo) as index:
        assert name_key("python", "brand_new_helper") not in load_graph(index).name_index
    commit(repo, "add a helper", {"pkg/extra.py": "def brand_new_helper():\n    return 1\n"})
    build(repo)
    with Index(repo) as index:
        graph = load_graph(index)
        assert name_key("python", "brand_new_helper") in graph.name_index
        assert "pkg/extra.py" in graph.file_index


def test_a_graph_with_bm25s_placeholder_term_reads_back(tmp_path: Path) -> None:
    # bm25s may number an empty term one past its rows (here in the definition words): a sound
    # graph, which the checks must accept.
    root = make_repo(tmp_path / "small", {
        "src/core.py": "class Context:\n    def invoke(self, callback):\n        return 1\n\n\n"
                       "def main_entry():\n    return Context().invoke(None)\n",
        "src/cli.py": "from core import main_entry\n\n\ndef run_cli():\n    return main_entry()\n"})
    build(root)
    with Index(root) as index:
        built = load_graph(index)
    assert built.def_words.vocab.get("") == len(built.def_words.indptr) - 1
    header, loaded = graphcache.read(root / ".ctxsteward" / "graph.bin")
    _same(built, loaded)


def _damaged(data: bytes) -> list[bytes]:
    head = len(graphcache.MAGIC) + 8
    header_len = int.from_bytes(data[len(graphcache.MAGIC):head], "little")
    return [
        b"",
        data[:5],
        data[:head],
        data[:head + header_len // 2],  # inside the header
        data[:head + header_len + 40],  # inside the buffers
        data[:-1],  # the last buffer cut short
        b"XXXXXXXX" + data[8:],  # another file type
        data[:8] + (10 ** 9).to_bytes(8, "little") + data[16:],  # a header longer than the file
        data[:head] + b"\xff" * header_len + data[head + header_len:],  # garbage header
        data[:head + header_len - 64] + b"\x00" * 64 + data[head + header_len:],  # bad JSON
        bytes(len(data)),
    ]


def test_a_damaged_cache_is_rebuilt_not_trusted(repo: Path) -> None:
    cache = repo / ".ctxsteward" / "graph.bin"
    with Index(repo) as index:
        good = load_graph(index)
        data = cache.read_bytes()
        gen = good.generation
        for i, bad in enumerate(_damaged(data)):
            cache.write_bytes(bad)
            assert graphcache.load(cache, GRAPH_VERSION, gen) is None, i
            rebuilt = load_graph(index)
            _same(good, rebuilt)
            assert graphcache.load(cache, GRAPH_VERSION, gen) is not None, i  # written anew


def _rewritten(data: bytes, edit) -> bytes:  # noqa: ANN001 - edit(header dict) changes it in place
    """The file ``data`` with its JSON header edited and its buffers kept, realigned."""
    import json

    head = len(graphcache.MAGIC) + 8
    header_len = int.from_bytes(data[len(graphcache.MAGIC):head], "little")
    header = json.loads(data[head:head + header_len])
    buffers = data[graphcache._align(head + header_len):]  # noqa: SLF001
    edit(header)
    raw = json.dumps(header).encode()
    out = graphcache.MAGIC + len(raw).to_bytes(8, "little") + raw
    return out + b"\0" * (graphcache._align(len(out)) - len(out)) + buffers  # noqa: SLF001


def _set(path: list, value: object):  # noqa: ANN202
    def edit(header: dict) -> None:
        node = header["graph"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def test_a_file_that_does_not_add_up_is_refused_with_its_reason(repo: Path) -> None:
    cache = repo / ".ctxsteward" / "graph.bin"
    with Index(repo) as index:
        good = load_graph(index)
    data = cache.read_bytes()
    header_of = graphcache.read(cache)[0]["graph"]["fields"]
    refs_cols = header_of["refs"]["shape"][1]
    cases = {
        # a matrix narrower than the columns it names: an index out of bounds
        "column out of bounds": _set(["fields", "refs", "shape"], [len(good.files), 0]),
        # the same matrix, consistent in itself, but not files x names
        "refs not a": _set(["fields", "refs", "shape"], [len(good.files), refs_cols + 5]),
        "unknown class": _set(["cls"], "Popen"),
        "of type": _set(["fields", "tokens", "dtype"], "|O"),
        "other fields": lambda h: h["graph"]["fields"].pop("tokens"),
        "names a buffer": _set(["fields", "tokens", "b"], 10_000),
        "a string table": _set(["fields", "files", "n"], len(good.files) + 1),
        "an array of shape": _set(["fields", "imports", "indptr", "shape"], [0]),
        "row pointers": _set(["fields", "imports", "shape"], [len(good.files) + 1] * 2),
        "not a scalar": _set(["fields", "generation"], {"t": "json", "v": [1, 2]}),
    }
    for why, edit in cases.items():
        cache.write_bytes(_rewritten(data, edit))
        with pytest.raises(graphcache.GraphFileError) as refused:
            graphcache.read(cache)
        assert why in str(refused.value), (why, refused.value)
        assert graphcache.load(cache, GRAPH_VERSION, good.generation) is None
        with Index(repo) as index:
            _same(good, load_graph(index))  # rebuilt
    cache.write_bytes(_rewritten(data, lambda h: None))
    assert isinstance(graphcache.read(cache)[1], RepoGraph)  # the rewriting itself is sound


def test_another_version_or_generation_is_not_used(repo: Path, tmp_path: Path) -> None:
    path = tmp_path / "graph.bin"
    with Index(repo) as index:
        graph = build_graph(index, "3")
    graphcache.dump(path, GRAPH_VERSION, "3", graph)
    assert graphcache.load(path, GRAPH_VERSION, "3") is not None
    assert graphcache.load(path, GRAPH_VERSION, "4") is None
    assert graphcache.load(path, GRAPH_VERSION + 1, "3") is None
    assert graphcache.load(tmp_path / "missing.bin", GRAPH_VERSION, "3") is None


def test_a_cache_that_cannot_be_written_still_answers(repo: Path) -> None:
    state = repo / ".ctxsteward"
    (state / "graph.bin").unlink(missing_ok=True)
    (state / "graph.bin").mkdir()  # in the way, for root too (a read-only folder is not)
    with Index(repo) as index:
        graph = load_graph(index)
    assert "pkg/mod1.py" in graph.file_index
    assert (state / "graph.bin").is_dir()
    assert not [p.name for p in state.iterdir() if p.name.endswith(".tmp")]  # nothing left over


WORDS = ["order", "total", "", "Zürich", "naïve", "日本語", "a b", "retry", "z" * 300, "Order",
         "order_total", "ORDER", "-", "0", "tab\there"]


def test_str_index_answers_as_the_dict_it_packs() -> None:
    table = {w: (i * 7919) % 1000 - 500 for i, w in enumerate(WORDS)}  # any ints, any order
    packed = StrIndex.pack(table)
    assert packed is not None
    assert len(packed) == len(table) and list(packed) == list(table)
    assert dict(packed.items()) == table and packed == table and list(packed.values()) == \
        list(table.values())
    for w, v in table.items():
        assert packed[w] == v and packed.get(w) == v and w in packed
    for missing in ("orders", "Zurich", "ordeR", "zz", " ", "\0"):
        assert missing not in packed and packed.get(missing) is None
        assert packed.get(missing, -1) == -1
        with pytest.raises(KeyError):
            packed[missing]
    assert packed.get(3) is None and 3 not in packed  # type: ignore[comparison-overlap]


def test_str_index_many_lookups_stay_right() -> None:
    table = {f"name_{i:05d}": i for i in range(3 * graphcache._FULL_AFTER)}  # noqa: SLF001
    packed = StrIndex.pack(table)
    assert packed is not None
    for key in reversed(table):  # past the point where it builds the plain dict
        assert packed[key] == table[key]
    assert packed.get("name_99999") is None and "name_" not in packed


def test_tables_that_cannot_be_packed_exactly_are_left_alone() -> None:
    assert StrIndex.pack({"a\0b": 1}) is None
    assert StrIndex.pack({"a": True}) is None
    assert StrIndex.pack({"a": 1.0}) is None  # type: ignore[dict-item]
    assert StrIndex.pack({"a": 1 << 70}) is None
    assert StrList.pack(["a", "b\0"]) is None


def test_str_list_answers_as_the_list_it_packs() -> None:
    packed = StrList.pack(WORDS)
    assert packed is not None
    assert len(packed) == len(WORDS) and list(packed) == WORDS and packed == WORDS
    assert [packed[i] for i in range(len(WORDS))] == WORDS
    assert packed[-1] == WORDS[-1] and packed[2:5] == WORDS[2:5]
    assert packed[np.int64(3)] == WORDS[3]
    with pytest.raises(IndexError):
        packed[len(WORDS)]
    with pytest.raises(IndexError):
        packed[-len(WORDS) - 1]
