"""The ranking graph cache file's frame and header: whether the cache is current, told without
loading the graph's code.

A warm query refreshes the index in a forked child while the command loads the ranking code
(``server/cli/background.py``), and the refresh first asks whether the graph cache is current.
Asked through :mod:`analyzers.indexing.graph`, that question imported numpy and the graph's code
in the child as well (about 0.12 s of a saleor bundle's 0.3 s refresh, on the path the command
waits on). The file's layout is described in :mod:`analyzers.indexing.graphcache`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzers.indexing.store import GRAPH_FILE, state_dir

if TYPE_CHECKING:
    from analyzers.indexing.index import Index

# 6: name columns per language family (namelinks), no references to built-ins; file kinds.
# 7: stemmed BM25 documents, definition-name words, path words (task words meet names and paths).
# 8: the test and doc masks and the definition-word list, kept with the graph.
# 10: each file's sources (graphsource), kept so a change re-reads only the files it touched;
#     bump it whenever what graphsource reads from a file changes (rows are reused by hash).
# 11: BM25 kept as counts and document lengths, scored at query time (Bm25Index).
# 13: Ruby's built-ins are the methods every object and class answers (``is_a?``, ``each``).
# 14: ... but not Enumerable's (``find``, ``each``, ``select``): a repository defines its own.
# 15: definition-name words and commit subjects' hold a dunder's whole name (``__getattr__``).
# 16: no links through standard library modules (store schema 15).
# 17: nor through names imported from third-party modules (store schema 16).
# 18: nor through a member of a required package, nor a struct initializer's field key
# (store schema 17).
# 19: nor through unlisted JavaScript packages, Cargo.toml's crates, Rust macros' struct keys, Go
# anonymous structs' keys; nested Go map keys link again (store schema 18).
# 20: nor through a local bound to a package inside a function, nor any name of a Rust use tree
# of an external crate (store schema 19).
# 21: a Go package's constants and variables link their uses (store schema 20).
# 22: a Rust renaming use links the new name's uses to the crate's definition; a Go named map or
# slice type's literal keys link (store schema 21).
GRAPH_VERSION = 22

MAGIC = b"CSGRAPH\x02"
FORMAT = 2
ALIGN = 64
MAX_HEADER = 1 << 26  # bytes of JSON: the tree and offsets, never the tables themselves


class GraphFileError(Exception):
    """Why a cache file cannot be used (damaged, foreign, or of another version)."""


class GraphStale(GraphFileError):
    """A sound file of another format, version or generation: rebuilt without a word."""


def align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def read_header(data: memoryview | bytes) -> tuple[dict[str, Any], int]:
    """The file's header and where it ends; GraphFileError when it is not one of ours."""
    if len(data) < len(MAGIC) + 8 or bytes(data[:len(MAGIC)]) != MAGIC:
        if bytes(data[:len(MAGIC) - 1]) == MAGIC[:-1]:
            raise GraphStale("a graph file of another format")
        raise GraphFileError("not a graph file of this format")
    head_len = int.from_bytes(data[len(MAGIC):len(MAGIC) + 8], "little")
    body = len(MAGIC) + 8 + head_len
    if head_len > MAX_HEADER or body > len(data):
        raise GraphFileError("its header runs past the end of the file")
    try:
        header = json.loads(bytes(data[len(MAGIC) + 8:body]))
    except (ValueError, RecursionError) as e:
        raise GraphFileError("its header is not JSON") from e
    if not isinstance(header, dict):
        raise GraphFileError("its header is not an object")
    return header, body


def header_of(data: bytes) -> dict[str, Any]:
    """The header of a graph file's bytes (GraphFileError when they are not one)."""
    return read_header(data)[0]


def is_current(path: Path, version: int, generation: str) -> bool:
    """Whether ``path`` holds a graph for ``version`` and ``generation`` (its header alone is
    read: a cheap check before a query that would otherwise build the graph)."""
    try:
        with path.open("rb") as f:
            head = f.read(len(MAGIC) + 8)
            if len(head) < len(MAGIC) + 8 or head[:len(MAGIC)] != MAGIC:
                return False
            head_len = int.from_bytes(head[len(MAGIC):], "little")
            if head_len > MAX_HEADER:
                return False
            header, _ = read_header(head + f.read(head_len))
            size = os.fstat(f.fileno()).st_size
    except (OSError, GraphFileError):
        return False
    base = align(len(MAGIC) + 8 + head_len)
    offsets = header.get("buffers")
    return (header.get("format"), header.get("version"), header.get("generation")) == \
        (FORMAT, version, generation) and isinstance(offsets, list) and all(
            isinstance(e, list) and len(e) == 2 and type(e[0]) is int and type(e[1]) is int
            and base + e[0] + e[1] <= size for e in offsets)


def graph_key(index: Index) -> str:
    """The cache key: the index generation and the settings the graph depends on (the history
    views leave out commits over the large-commit limit)."""
    gen = index.store.get_meta("generation") or "0"
    return f"{gen}/limit={index.settings.large_commit_limit}"


def graph_current(index: Index) -> bool:
    """Whether the graph cache is current for the index's generation (its header alone read:
    :func:`analyzers.indexing.graph.load_graph` would not have to build it)."""
    return is_current(state_dir(index.root) / GRAPH_FILE, GRAPH_VERSION, graph_key(index))
