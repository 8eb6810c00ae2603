"""The ranking graph's cache file, shaped for a fast warm load.

A pickle spends its load time building Python objects, not reading bytes. So the graph is pickled
with protocol 5 and its numpy arrays *out of band*: their bytes follow the pickle stream and come
back as views of the file, without a copy. The largest string tables (BM25 vocabularies, the names
and their index; tens of thousands of strings) are stored as one string plus offset arrays
(:class:`StrIndex`, :class:`StrList`): a look-up bisects them, instead of every load rebuilding a
dict or list of every string.

Layout: ``MAGIC``, the header's length (8 bytes, little-endian), the header (``marshal``: format,
version, generation, the pickle's length, each buffer's offset and length), the pickle, then the
buffers, each 64-byte aligned (offsets count from the first aligned byte after the pickle). Anything
that does not add up is reported as "no cache" (``None``), never raised: the caller rebuilds.
"""

from __future__ import annotations

import copy
import dataclasses
import marshal
import mmap
import os
import pickle
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"CSGRAPH\x01"
FORMAT = 1
ALIGN = 64
PACK_MIN_KEYS = 16_384  # smaller dicts load as fast as pickled dicts: left alone
_FULL_AFTER = 512  # distinct look-ups after which a StrIndex builds the plain dict after all
_LOAD_ERRORS = (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
                IndexError, KeyError, ImportError, OverflowError, MemoryError)


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
        if not all(type(k) is str and "\0" not in k for k in keys):
            return None
        if not all(type(v) is int and -(1 << 63) <= v < (1 << 63) for v in values):
            return None
        lengths = np.fromiter((len(k) + 1 for k in keys), dtype=np.int64, count=len(keys))
        starts = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        order = np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)
        blob = "".join(k + "\0" for k in keys)
        return cls(blob, starts, np.array(values, dtype=np.int64), order)

    def __reduce__(self) -> tuple[Any, ...]:
        return (StrIndex, (self._blob, self._starts, self._values, self._order))

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
        return iter(self._blob.split("\0")[:-1])

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
        if not all(type(x) is str and "\0" not in x for x in items):
            return None
        starts = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum(np.fromiter((len(x) + 1 for x in items), dtype=np.int64, count=len(items)),
                  out=starts[1:])
        return cls("".join(x + "\0" for x in items), starts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (StrList, (self._blob, self._starts))

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
        return iter(self._blob.split("\0")[:-1])

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


def _align(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def dump(path: Path, version: int, generation: str, graph: Any) -> None:
    """Write ``graph`` (a dataclass) to ``path`` atomically. OSError when it cannot be written."""
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(_packed(graph), protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]  # contiguous: numpy gives out-of-band only such arrays
    offsets: list[tuple[int, int]] = []
    at = 0
    for raw in raws:
        offsets.append((at, raw.nbytes))
        at = _align(at + raw.nbytes)
    header = marshal.dumps((FORMAT, version, generation, len(stream), offsets))
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(MAGIC)
            f.write(len(header).to_bytes(8, "little"))
            f.write(header)
            f.write(stream)
            pos = len(MAGIC) + 8 + len(header) + len(stream)
            base = _align(pos)
            for (offset, _), raw in zip(offsets, raws, strict=True):
                f.write(b"\0" * (base + offset - pos))
                f.write(raw)
                pos = base + offset + raw.nbytes
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def is_current(path: Path, version: int, generation: str) -> bool:
    """Whether ``path`` holds a graph for ``version`` and ``generation`` (its header alone is
    read: a cheap check before a query that would otherwise build the graph)."""
    try:
        with path.open("rb") as f:
            head = f.read(len(MAGIC) + 8)
            if len(head) < len(MAGIC) + 8 or head[:len(MAGIC)] != MAGIC:
                return False
            head_len = int.from_bytes(head[len(MAGIC):], "little")
            if head_len > 1 << 24:
                return False
            fmt, cached_version, cached_gen, stream_len, offsets = marshal.loads(
                f.read(head_len))
            size = os.fstat(f.fileno()).st_size
    except (OSError, *_LOAD_ERRORS):
        return False
    body = len(MAGIC) + 8 + head_len
    ends = [_align(body + stream_len) + o + n for o, n in offsets] if offsets else []
    return (fmt, cached_version, cached_gen) == (FORMAT, version, generation) and \
        body + stream_len <= size and all(e <= size for e in ends)


def load(path: Path, version: int, generation: str) -> Any | None:
    """The graph stored at ``path`` for ``version`` and ``generation``; None when the file is
    missing, of another version or generation, or damaged."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < len(MAGIC) + 8:
                return None
            data: mmap.mmap | bytearray
            if os.name == "posix":
                # Copy-on-write: arrays viewing it are writable, as unpickled copies are, and
                # only the pages a query touches are read. (Windows could not replace a mapped
                # file when the graph is rebuilt: it reads the file instead.)
                data = mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY)
            else:
                data = bytearray(size)
                if f.readinto(data) != size:
                    return None
    except (OSError, ValueError):
        return None
    view = memoryview(data)
    if view[:len(MAGIC)] != MAGIC:
        return None
    head_len = int.from_bytes(view[len(MAGIC):len(MAGIC) + 8], "little")
    body = len(MAGIC) + 8 + head_len
    if body > size:
        return None
    try:
        header = marshal.loads(view[len(MAGIC) + 8:body])
        fmt, cached_version, cached_gen, stream_len, offsets = header
        if (fmt, cached_version, cached_gen) != (FORMAT, version, generation):
            return None
        base = _align(body + stream_len)
        if body + stream_len > size or any(o < 0 or n < 0 or base + o + n > size
                                           for o, n in offsets):
            return None
        return pickle.loads(view[body:body + stream_len],
                            buffers=[view[base + o:base + o + n] for o, n in offsets])
    except _LOAD_ERRORS:
        return None
