"""The ranking graph's cache file: a format that holds data only, checked whole before use.

The file is read on every warm query and, in an index snapshot, comes from another machine, so
loading it must be fast and must never run code: no pickle. Layout: ``MAGIC``, the header's length
(8 bytes, little-endian), the header (JSON: format, version, generation, each buffer's offset and
length, and the graph as a tree of tagged values), then the buffers, each 64-byte aligned
(offsets count from the first aligned byte after the header). Arrays come back as views of the
mapped file, without a copy; the largest string tables (BM25 vocabularies, the names and their
index; tens of thousands of strings) as one string plus offsets (:class:`StrIndex`,
:class:`StrList`): a look-up bisects them, instead of every load building a dict of every string.

A value is one of a closed set of kinds (JSON scalars, numeric arrays of a few dtypes, string
lists, string-to-int tables, sparse matrices, and the dataclasses :func:`register`-ed with their
check). Each is checked as it is read: dtypes, shapes, byte lengths, UTF-8, sparse index bounds,
permutations, then the registered class's own check (the graph's shapes across fields). A file that
does not add up is "no cache" (:func:`read` says why), never raised and never trusted: the caller
rebuilds.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import mmap
import operator
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# The file's frame and header (read without this module by a warm query's index refresh).
from analyzers.indexing.graphstamp import (  # noqa: F401 - is_current, header_of: used by callers
    ALIGN,
    FORMAT,
    MAGIC,
    MAX_HEADER,
    GraphFileError,
    GraphStale,
    header_of,
    is_current,
)
from analyzers.indexing.graphstamp import align as _align
from analyzers.indexing.graphstamp import read_header as _header
from analyzers.indexing.sparse import Csr

PACK_MIN_KEYS = 16_384  # smaller tables load as fast as a dict or list: built as one
_FULL_AFTER = 512  # distinct look-ups after which a StrIndex builds the plain dict after all
_DTYPES = frozenset({"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f4", "<f8"})


def _items(blob: str, starts: np.ndarray) -> Iterator[str]:
    """The strings of a packed table in order: split at NULs, or sliced at their offsets when a
    string holds a NUL itself (a file's table is only trusted to have ordered offsets)."""
    items = blob.split("\0")
    if len(items) == len(starts) and not items[-1]:
        return iter(items[:-1])
    bounds = starts.tolist()
    return (blob[a:b - 1] for a, b in zip(bounds, bounds[1:], strict=False))


def _joined(items: list[str]) -> tuple[str, np.ndarray] | None:
    """Strings as one NUL-terminated blob and their start offsets; None when one is not a str or
    holds a NUL itself."""
    if not set(map(type, items)) <= {str}:
        return None
    blob = "\0".join(items) + "\0" if items else ""
    if blob.count("\0") != len(items):
        return None
    starts = np.zeros(len(items) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)) + 1, out=starts[1:])
    return blob, starts


class StrIndex(Mapping[str, int]):
    """A read-only ``dict[str, int]`` kept as one string of keys: cheap to load, searched lazily.

    Keys keep their insertion order (iteration, ``keys()``, ``items()`` as the dict's); look-ups
    bisect a sorted permutation and remember their answers.
    """

    __slots__ = ("_blob", "_starts", "_values", "_order", "_memo", "_full", "_mv")

    def __init__(self, blob: str, starts: np.ndarray, values: np.ndarray,
                 order: np.ndarray) -> None:
        self._blob = blob  # the keys in insertion order, each followed by "\0"
        self._starts = starts  # int64[n + 1]: key i is blob[starts[i]:starts[i + 1] - 1]
        self._values = values  # int64[n]
        self._order = order  # int64[n]: key numbers in sorted key order
        self._memo: dict[str, int | None] = {}
        self._full: dict[str, int] | None = None
        self._mv: tuple[memoryview, memoryview, memoryview] | None = None

    @classmethod
    def pack(cls, d: dict[str, int]) -> StrIndex | None:
        """``d`` as a StrIndex, or None when it cannot be one exactly (keys with NUL, non-ints)."""
        keys = list(d)
        values = list(d.values())
        packed = _joined(keys)
        if packed is None or not set(map(type, values)) <= {int}:
            return None
        try:
            numbers = np.array(values, dtype=np.int64)
        except OverflowError:
            return None
        if all(map(operator.lt, keys, keys[1:])):  # already in order (the BM25 vocabularies)
            order = np.arange(len(keys), dtype=np.int64)
        else:
            order = np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)
        return cls(packed[0], packed[1], numbers, order)

    def _views(self) -> tuple[memoryview, memoryview, memoryview]:
        # memoryview items index as plain ints, several times faster than numpy scalars.
        if self._mv is None:
            self._mv = (np.ascontiguousarray(self._starts, dtype=np.int64).data,
                        np.ascontiguousarray(self._values, dtype=np.int64).data,
                        np.ascontiguousarray(self._order, dtype=np.int64).data)
        return self._mv

    def _key(self, i: int, starts: memoryview) -> str:
        return self._blob[starts[i]:starts[i + 1] - 1]

    def _find(self, key: str) -> int | None:
        if self._full is not None:
            return self._full.get(key)
        if key in self._memo:
            return self._memo[key]
        starts, values, order = self._views()
        blob = self._blob
        lo, hi = 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            i = order[mid]
            if blob[starts[i]:starts[i + 1] - 1] < key:
                lo = mid + 1
            else:
                hi = mid
        found = None
        if lo < len(order) and self._key(order[lo], starts) == key:
            found = values[order[lo]]
        self._memo[key] = found
        if len(self._memo) > _FULL_AFTER:
            self._full = dict(zip(self, values.tolist(), strict=True))
        return found

    def get(self, key: object, default: Any = None) -> Any:
        if type(key) is not str:
            return default
        found = self._find(key)
        return default if found is None else found

    def __getitem__(self, key: str) -> int:
        found = self._find(key) if type(key) is str else None
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return type(key) is str and self._find(key) is not None

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[str]:
        return _items(self._blob, self._starts)

    def __repr__(self) -> str:
        return f"StrIndex({len(self)} keys)"


class StrList(Sequence[str]):
    """A read-only ``list[str]`` kept as one string: item ``i`` is sliced out when asked for."""

    __slots__ = ("_blob", "_starts", "_mv")

    def __init__(self, blob: str, starts: np.ndarray) -> None:
        self._blob = blob  # the items, each followed by "\0"
        self._starts = starts  # int64[n + 1]
        self._mv: memoryview | None = None

    @classmethod
    def pack(cls, items: list[str]) -> StrList | None:
        """``items`` as a StrList, or None when one is not a string or holds a NUL."""
        packed = _joined(items)
        return None if packed is None else cls(*packed)

    def extended(self, items: list[str]) -> StrList | None:
        """This list with ``items`` after it (None when one cannot be held), without repacking."""
        packed = _joined(items)
        if packed is None:
            return None
        blob, starts = packed
        ends = starts[1:] + len(self._blob)
        return StrList(self._blob + blob, np.concatenate((self._starts, ends)))

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return list(self)[i]
        n = len(self)
        i = i.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("StrList index out of range")
        if self._mv is None:
            self._mv = np.ascontiguousarray(self._starts, dtype=np.int64).data
        return self._blob[self._mv[i]:self._mv[i + 1] - 1]

    def __iter__(self) -> Iterator[str]:
        return _items(self._blob, self._starts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StrList | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as a list's

    def __repr__(self) -> str:
        return f"StrList({len(self)} items)"


def _packed(obj: Any) -> Any:
    """A shallow copy of ``obj`` (a dataclass) whose big string tables are StrIndexes, one level
    into nested dataclasses too; ``obj`` itself is left as it is."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if type(value) in (dict, list) and len(value) >= PACK_MIN_KEYS:
            packed = StrIndex.pack(value) if type(value) is dict else StrList.pack(value)
            if packed is not None:
                changes[f.name] = packed
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            inner = _packed(value)
            if inner is not value:
                changes[f.name] = inner
    if not changes:
        return obj
    out = copy.copy(obj)
    for name, value in changes.items():
        object.__setattr__(out, name, value)
    return out


# -- the classes a file may name -------------------------------------------------------------------

_CLASSES: dict[str, tuple[type, Callable[[Any], str | None], frozenset[str]]] = {}


def register(cls: type, check: Callable[[Any], str | None] = lambda _: None,
             derived: tuple[str, ...] = ()) -> None:
    """Lets files hold the dataclass ``cls``; ``check`` says what is wrong with a loaded one
    (None when nothing is) after filling in its ``derived`` fields, which files leave out (read
    as None). No other class is ever made from a file."""
    _CLASSES[cls.__name__] = (cls, check, frozenset(derived))


def values_of(table: Mapping[str, int]) -> np.ndarray:
    """A string-to-int table's values, as an int64 array (the stored one for a StrIndex)."""
    if isinstance(table, StrIndex):
        return np.asarray(table._values)  # noqa: SLF001
    return np.fromiter(table.values(), dtype=np.int64, count=len(table))


def csr_problem(shape: tuple[int, int], indptr: np.ndarray, indices: np.ndarray,
                data: np.ndarray) -> str | None:
    """What makes these compressed-sparse-row arrays unusable as a ``shape`` matrix (row
    pointers not running from 0 to the entries, a column out of bounds...), or None."""
    rows, cols = shape
    if indptr.ndim != 1 or indptr.dtype.kind not in "iu" or len(indptr) != rows + 1:
        return f"row pointers of {indptr.shape} for {rows} rows"
    if indices.ndim != 1 or indices.dtype.kind not in "iu" or data.ndim != 1 \
            or data.dtype.kind not in "fiu" or len(indices) != len(data):
        return "column and value arrays that do not pair up"
    if int(indptr[0]) != 0 or int(indptr[-1]) != len(indices) or \
            (rows and bool(np.any(indptr[1:] < indptr[:-1]))):
        return "row pointers out of order"
    if len(indices) and (int(indices.min()) < 0 or int(indices.max()) >= cols):
        return f"a column out of bounds (0..{cols})"
    if data.dtype.kind == "f" and not bool(np.isfinite(data).all()):
        return "a value that is not finite"
    return None


# -- writing ---------------------------------------------------------------------------------------

class _Writer:
    """Turns a graph into the JSON tree and the buffers it names."""

    def __init__(self) -> None:
        self.buffers: list[memoryview] = []

    def put(self, data: bytes | np.ndarray) -> int:
        raw: Any = np.ascontiguousarray(data) if isinstance(data, np.ndarray) else data
        self.buffers.append(memoryview(raw).cast("B"))
        return len(self.buffers) - 1

    def array(self, a: np.ndarray) -> dict[str, Any]:
        a = np.ascontiguousarray(a)
        if a.dtype.str not in _DTYPES:
            a = a.astype(a.dtype.newbyteorder("<"))
        return {"t": "nd", "b": self.put(a), "dtype": a.dtype.str, "shape": list(a.shape)}

    def strings(self, items: Sequence[str]) -> dict[str, Any]:
        if isinstance(items, StrList):
            out = {"t": "strs", "b": self.put(items._blob.encode("utf-8")),  # noqa: SLF001
                   "n": len(items), "starts": self.array(items._starts)}  # noqa: SLF001
            return out
        if any("\0" in x for x in items):
            raise ValueError("a string with NUL cannot be stored")
        return {"t": "strs", "b": self.put("".join(x + "\0" for x in items).encode("utf-8")),
                "n": len(items)}

    def table(self, d: Mapping[str, int]) -> dict[str, Any]:
        if isinstance(d, StrIndex):
            return {"t": "table", "b": self.put(d._blob.encode("utf-8")),  # noqa: SLF001
                    "n": len(d), "starts": self.array(d._starts),  # noqa: SLF001
                    "values": self.array(np.asarray(d._values, dtype=np.int64)),  # noqa: SLF001
                    "order": self.array(np.asarray(d._order, dtype=np.int64))}  # noqa: SLF001
        keys = list(d)
        if any(type(k) is not str or "\0" in k for k in keys):
            raise ValueError("a table key that cannot be stored")
        return {"t": "table", "b": self.put("".join(k + "\0" for k in keys).encode("utf-8")),
                "n": len(d), "values": self.array(np.array(list(d.values()), dtype=np.int64))}

    def value(self, v: Any) -> Any:
        if v is None or type(v) in (bool, int, float, str):
            return {"t": "json", "v": v}
        if isinstance(v, np.ndarray):
            return self.array(v)
        if isinstance(v, Csr):
            return {"t": "csr", "shape": list(v.shape), "indptr": self.array(v.indptr),
                    "indices": self.array(v.indices), "data": self.array(v.data)}
        if isinstance(v, StrList) or (isinstance(v, list) and all(type(x) is str for x in v)):
            return self.strings(v)
        if isinstance(v, StrIndex) or (isinstance(v, dict) and all(type(x) is int
                                                                    for x in v.values())):
            return self.table(v)
        name = type(v).__name__
        cls, _, derived = _CLASSES.get(name, (None, None, frozenset()))
        if dataclasses.is_dataclass(v) and cls is type(v):
            return {"t": "obj", "cls": name, "fields": {
                f.name: self.value(None if f.name in derived else getattr(v, f.name))
                for f in dataclasses.fields(v)}}
        raise ValueError(f"a {name} cannot be stored in the graph file")


def dump(path: Path, version: int, generation: str, graph: Any) -> None:
    """Write ``graph`` (a registered dataclass) to ``path`` atomically. OSError when it cannot be
    written; ValueError when it holds a value the format does not store."""
    writer = _Writer()
    tree = writer.value(_packed(graph))
    offsets: list[tuple[int, int]] = []
    at = 0
    for raw in writer.buffers:
        offsets.append((at, raw.nbytes))
        at = _align(at + raw.nbytes)
    header = json.dumps({"format": FORMAT, "version": version, "generation": generation,
                         "buffers": offsets, "graph": tree}, separators=(",", ":")).encode()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(MAGIC)
            f.write(len(header).to_bytes(8, "little"))
            f.write(header)
            pos = len(MAGIC) + 8 + len(header)
            base = _align(pos)
            for (offset, _), raw in zip(offsets, writer.buffers, strict=True):
                f.write(b"\0" * (base + offset - pos))
                f.write(raw)
                pos = base + offset + raw.nbytes
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- reading ---------------------------------------------------------------------------------------

def _bad(why: str) -> GraphFileError:
    return GraphFileError(why)


def _int(v: Any, what: str) -> int:
    if type(v) is not int or v < 0:
        raise _bad(f"{what} is not a count")
    return v


class _Reader:
    """Rebuilds the graph from the JSON tree, checking each value as it goes."""

    def __init__(self, buffers: list[memoryview]) -> None:
        self.buffers = buffers

    def buffer(self, node: dict[str, Any]) -> memoryview:
        b = node.get("b")
        if type(b) is not int or not 0 <= b < len(self.buffers):
            raise _bad("a value names a buffer that is not there")
        return self.buffers[b]

    def array(self, node: Any) -> np.ndarray:
        if not isinstance(node, dict) or node.get("t") != "nd":
            raise _bad("an array was expected")
        dtype, shape = node.get("dtype"), node.get("shape")
        if dtype not in _DTYPES:
            raise _bad(f"an array of type {dtype!r}")
        if not isinstance(shape, list) or len(shape) > 2:
            raise _bad("an array without a shape")
        dims = [_int(d, "an array dimension") for d in shape]
        dt = np.dtype(dtype)
        buf = self.buffer(node)
        if int(np.prod(dims, dtype=np.int64)) * dt.itemsize != buf.nbytes:
            raise _bad(f"an array of shape {dims} in {buf.nbytes} bytes")
        return np.frombuffer(buf, dtype=dt).reshape(dims)

    def _blob(self, node: dict[str, Any]) -> tuple[str, list[str] | np.ndarray]:
        """The NUL-terminated strings of a node: one string, and either the strings split out or,
        for a packed table, their start offsets (string ``i`` is ``blob[starts[i]:starts[i+1]-1]``
        whatever it holds, so only the offsets' order and bounds matter)."""
        n = _int(node.get("n"), "a string count")
        try:
            blob = str(self.buffer(node), "utf-8")
        except UnicodeDecodeError as e:
            raise _bad("strings that are not UTF-8") from e
        if "starts" not in node:
            items = blob.split("\0")
            if len(items) != n + 1 or items[-1]:
                raise _bad(f"a string table that does not hold its {n} strings")
            items.pop()
            return blob, items
        starts = self.array(node["starts"])
        if starts.dtype != np.int64 or starts.shape != (n + 1,) or int(starts[0]) != 0 \
                or int(starts[-1]) != len(blob) or bool(np.any(starts[1:] <= starts[:-1])):
            raise _bad("string offsets out of order")
        return blob, starts

    def strings(self, node: dict[str, Any]) -> Sequence[str]:
        blob, split = self._blob(node)
        return split if isinstance(split, list) else StrList(blob, split)

    def table(self, node: dict[str, Any]) -> Mapping[str, int]:
        blob, starts = self._blob(node)
        n = node["n"]
        values = self.array(node.get("values"))
        if values.dtype != np.int64 or values.shape != (n,):
            raise _bad("a table's values do not match its keys")
        if isinstance(starts, list):
            table = dict(zip(starts, values.tolist(), strict=True))
            if len(table) != n:
                raise _bad("a table with a key twice")
            return table
        order = self.array(node.get("order", {}))
        if order.dtype != np.int64 or order.shape != (n,) or (n and (
                int(order.min()) < 0 or int(order.max()) >= n
                or not bool(np.all(np.bincount(order, minlength=n) == 1)))):
            raise _bad("a table's order is not a permutation of its keys")
        return StrIndex(blob, starts, values, order)

    def csr(self, node: dict[str, Any]) -> Csr:
        shape = node.get("shape")
        if not isinstance(shape, list) or len(shape) != 2:
            raise _bad("a matrix without a shape")
        rows, cols = _int(shape[0], "a row count"), _int(shape[1], "a column count")
        parts = [self.array(node.get(k)) for k in ("indptr", "indices", "data")]
        why = csr_problem((rows, cols), *parts)
        if why:
            raise _bad(f"a sparse matrix with {why}")
        return Csr((rows, cols), *parts)

    def obj(self, node: dict[str, Any]) -> Any:
        name = node.get("cls")
        fields = node.get("fields")
        if not isinstance(name, str) or name not in _CLASSES or not isinstance(fields, dict):
            raise _bad(f"an object of unknown class {name!r}")
        cls, check, derived = _CLASSES[name]
        if set(fields) != {f.name for f in dataclasses.fields(cls)}:
            raise _bad(f"a {cls.__name__} with other fields than this version's")
        out = cls(**{k: None if k in derived else self.value(v) for k, v in fields.items()})
        why = check(out)
        if why:
            raise _bad(f"a {cls.__name__} with {why}")
        return out

    def value(self, node: Any) -> Any:
        kind = node.get("t") if isinstance(node, dict) else None
        if kind == "json":
            v = node.get("v")
            if v is not None and type(v) not in (bool, int, float, str):
                raise _bad("a value that is not a scalar")
            return v
        reader = {"nd": self.array, "csr": self.csr, "strs": self.strings, "table": self.table,
                  "obj": self.obj}.get(kind)  # type: ignore[arg-type]
        if reader is None:
            raise _bad(f"a value of unknown kind {kind!r}")
        return reader(node)


def _map(path: Path) -> memoryview:
    """The file's bytes: mapped copy-on-write on POSIX (arrays viewing it are writable, as built
    ones are, and only the pages a query touches are read); read whole elsewhere (Windows could
    not replace a mapped file when the graph is rebuilt)."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            return memoryview(b"")
        if os.name == "posix":
            return memoryview(mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY))
        data = bytearray(size)
        if f.readinto(data) != size:
            raise OSError("the file changed while it was read")
        return memoryview(data)


def read(path: Path, want: tuple[int, str | None] | None = None) -> tuple[dict[str, Any], Any]:
    """The header and the checked object stored at ``path`` (when ``want`` is given, only for
    that version and generation, or of any generation when it is None). OSError when it cannot
    be read, GraphFileError (saying why) when it is not a sound graph file or not the one
    wanted."""
    view = _map(path)
    header, body = _header(view)
    if header.get("format") != FORMAT:
        raise GraphStale(f"format {header.get('format')!r}, not {FORMAT}")
    if want is not None and (header.get("version") != want[0] or (
            want[1] is not None and header.get("generation") != want[1])):
        raise GraphStale(f"version and generation {header.get('version')!r}, "
                   f"{header.get('generation')!r}, not {want[0]}, {want[1]!r}")
    offsets = header.get("buffers")
    if not isinstance(offsets, list):
        raise _bad("its header lists no buffers")
    base = _align(body)
    buffers: list[memoryview] = []
    for entry in offsets:
        if not isinstance(entry, list) or len(entry) != 2:
            raise _bad("a buffer without offset and length")
        offset, n = _int(entry[0], "a buffer offset"), _int(entry[1], "a buffer length")
        if base + offset + n > len(view):
            raise _bad("a buffer runs past the end of the file")
        buffers.append(view[base + offset:base + offset + n])
    try:
        return header, _Reader(buffers).value(header.get("graph"))
    except (ValueError, TypeError, RecursionError, MemoryError) as e:
        raise _bad(f"a value that cannot be read ({type(e).__name__}: {e})") from e


def load(path: Path, version: int, generation: str) -> Any | None:
    """The graph stored at ``path`` for ``version`` and ``generation``; None when the file is
    missing, of another version or generation, or damaged (:func:`read` says why)."""
    try:
        return read(path, (version, generation))[1]
    except (OSError, GraphFileError):
        return None
