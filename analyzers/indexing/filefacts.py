"""Reading one file into the facts the index stores: content hash, language, tokens, syntax.

Runs in worker processes during a cold index, so everything here is plain, picklable data.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from analyzers import languages, lexical, syntax
from analyzers.foreign import NO_WORKSPACE, Workspace
from analyzers.indexing import filekinds
from analyzers.secrets import secret_by_name
from analyzers.tokens import encoding

BINARY_SNIFF = 8192
# Images written as text (XML): skipped like binary images, never read as source.
MARKUP_IMAGES = (".svg",)
IMAGE_DETAIL = "an SVG image: markup, not source an agent reads"
# Bounds on the work one file may cost (a 20 MB minified bundle once took minutes and gigabytes):
# past them a file's tokens are still counted, its syntax is not read (or only in part), and
# the record says why.
PARSE_MAX_BYTES = 2 * 1_048_576  # larger files are not parsed with tree-sitter
LONG_LINE = 20_000  # bytes: a line this long means minified or generated code, not parsed
MAX_DEFINITIONS = 5_000
MAX_REFERENCE_NAMES = 20_000
MAX_TERMS = 20_000
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CPP_HEADER = re.compile(
    r"^\s*(?:class\s+\w+\s*[:{]|namespace\s+\w+|template\s*<|(?:public|private|protected)\s*:)"
    r"|\w::\w", re.M)


@dataclass(slots=True)
class FileRecord:
    path: str
    size: int
    mtime_ns: int
    hash: str = ""
    lang: str | None = None
    tokens: int = 0  # raw tokens in the encoding (profile factor is applied when shown)
    lines: int = 0
    has_errors: bool = False
    definitions: list[syntax.Definition] = field(default_factory=list)
    references: dict[str, list[int]] = field(default_factory=dict)
    imports: list[syntax.ImportRef] = field(default_factory=list)
    terms: dict[str, int] = field(default_factory=dict)
    skip_reason: str | None = None
    skip_detail: str = ""
    note: str = ""  # indexed, but bounded: why its syntax was not (fully) read
    kind: str | None = None  # minified or generated, by its content (filekinds.content_kind)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def decode(data: bytes) -> tuple[str | None, str]:
    """``(text, "")`` for UTF-8 text, else ``(None, why)``."""
    if b"\0" in data[:BINARY_SNIFF]:
        return None, "binary"
    try:
        return data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"), ""
    except UnicodeDecodeError as e:
        return None, f"undecodable: not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})"


def read_file(root: str, path: str, encoding_name: str, max_size: int,
              workspace: Workspace = NO_WORKSPACE) -> FileRecord:
    """Read, classify and analyse ``root/path``; a problem becomes ``skip_reason``, never raises.

    One descriptor serves the stat and the read, opened without following a symlink and without
    blocking, so a file swapped for a link, a pipe or something huge after the walk is skipped
    with a reason instead of read (or waited on forever).
    """
    full = os.path.join(root, path)
    try:
        fd = os.open(full, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except FileNotFoundError:
        return FileRecord(path, 0, 0, skip_reason="vanished", skip_detail="deleted while indexing")
    except OSError as e:
        if e.errno == errno.ELOOP:
            return FileRecord(path, 0, 0, skip_reason="symlink",
                              skip_detail="replaced by a symlink while indexing")
        return FileRecord(path, 0, 0, skip_reason="unreadable", skip_detail=str(e))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return FileRecord(path, 0, st.st_mtime_ns, skip_reason="not_a_file",
                              skip_detail="not a regular file (a pipe, socket or device)")
        if st.st_size > max_size:
            return FileRecord(path, st.st_size, st.st_mtime_ns, skip_reason="too_large",
                              skip_detail=f"{st.st_size:,} bytes > limit {max_size:,}")
        chunks = []
        left = max_size + 1  # never read more than the limit, even from a growing file
        # Ask for the file's size and a byte more (one read, usually): os.read allocates what it
        # is asked for, and a fixed 4 MiB per call cost more than the reading itself.
        step = max(st.st_size + 1, 1 << 16)
        while left > 0:
            chunk = os.read(fd, min(left, step))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as e:
        return FileRecord(path, 0, 0, skip_reason="unreadable", skip_detail=str(e))
    finally:
        os.close(fd)
    if len(data) > max_size:
        return FileRecord(path, len(data), st.st_mtime_ns, skip_reason="too_large",
                          skip_detail=f"grew past the limit of {max_size:,} bytes while indexing")
    rec = FileRecord(path, len(data), st.st_mtime_ns, hash=content_hash(data))
    if path.lower().endswith(MARKUP_IMAGES):
        # An image written as markup is skipped as a PNG is: no agent reads a drawing's path data
        # (requests' logo SVG is 560,000 tokens), and counted it swamps every budget.
        rec.skip_reason = "image"
        rec.skip_detail = IMAGE_DETAIL
        return rec
    text, why = decode(data)
    if text is None:
        rec.skip_reason = "binary" if why == "binary" else "undecodable"
        rec.skip_detail = why
        return rec
    analyse(rec, text, data, encoding_name, workspace)
    return rec


def analyse(rec: FileRecord, text: str, data: bytes, encoding_name: str,
            workspace: Workspace = NO_WORKSPACE) -> None:
    """Fills ``rec``'s language, kind, token and line counts, and (in a language with a
    grammar) its definitions, references, imports and words; ``workspace`` tells the
    repository's own modules from others' (:mod:`analyzers.foreign`)."""
    rec.lang = languages.detect(rec.path, data[:256])
    if rec.lang == "c" and rec.path.endswith(".h") and _CPP_HEADER.search(text):
        rec.lang = "cpp"  # ``.h`` is shared by C and C++: C++ syntax decides
    enc = encoding(encoding_name)
    # encode_ordinary's tokens (no special token allowed or refused: the docs' equivalence), as a
    # numpy array: faster, and the token ends of _definition_tokens come without a Python loop.
    toks = enc.encode_to_numpy(text, allowed_special=set(), disallowed_special=())
    rec.tokens = len(toks)
    rec.lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    rec.kind = filekinds.content_kind(rec.path, text)
    if secret_by_name(rec.path):
        # Counted, never read for words or names: nothing derived from a secret-bearing file's
        # content enters the index, its ranking graph or a snapshot of them.
        return
    bound = parse_bound(data) if languages.has_grammar(rec.lang) else ""
    if bound:
        rec.note = bound
    if languages.has_grammar(rec.lang) and not bound:
        source = text.encode("utf-8") if data.startswith(b"\xef\xbb\xbf") else data
        facts = syntax.parse(source, rec.lang, workspace=workspace)
        capped = []
        if len(facts.definitions) > MAX_DEFINITIONS:
            capped.append(f"{len(facts.definitions):,} definitions (kept {MAX_DEFINITIONS:,})")
            facts.definitions = facts.definitions[:MAX_DEFINITIONS]
        if len(facts.references) > MAX_REFERENCE_NAMES:
            capped.append(f"{len(facts.references):,} referenced names "
                          f"(kept {MAX_REFERENCE_NAMES:,})")
            facts.references = dict(list(facts.references.items())[:MAX_REFERENCE_NAMES])
            facts.shadowed = {}
        if capped:
            rec.note = "syntax capped: " + ", ".join(capped)
        rec.definitions = facts.definitions
        rec.references = facts.references
        rec.imports = facts.imports
        rec.has_errors = facts.has_errors
        if rec.definitions:
            _definition_tokens(rec.definitions, source,
                               token_length_array(encoding_name)[toks])
        terms: dict[str, int] = {}
        get = terms.get
        # Words count every line a name appears on, uses of parameters and locals included
        # (``facts.shadowed``: not references to a definition, but words of the file).
        shadowed = facts.shadowed
        for name, lines in rec.references.items():
            extra = shadowed.get(name)
            n = len(lines) if extra is None else len(set(lines).union(extra))
            for w in _words(name):
                terms[w] = get(w, 0) + n
        for name, lines in shadowed.items():
            if name in rec.references:
                continue
            n = len(lines)
            for w in _words(name):
                terms[w] = get(w, 0) + n
        for d in rec.definitions:
            for w in _words(d.name):
                terms[w] = get(w, 0) + 2
        rec.terms = terms
    else:
        # A file too large to parse gives the words of its beginning only.
        counts = lexical.bag(text[:PARSE_MAX_BYTES] if bound else text)
        rec.terms = dict(counts.most_common(MAX_TERMS)) if len(counts) > MAX_TERMS \
            else dict(counts)


def parse_bound(data: bytes) -> str:
    """Why ``data`` is not to be parsed (too large, minified or generated), or ""."""
    if len(data) > PARSE_MAX_BYTES:
        return (f"not parsed: {len(data):,} bytes > the parse limit of {PARSE_MAX_BYTES:,} "
                "(tokens counted)")
    if len(data) > LONG_LINE:
        longest = max(map(len, data.split(b"\n")))
        if longest > LONG_LINE:
            return (f"not parsed: a {longest:,}-byte line (minified or generated code; "
                    "tokens counted)")
    return ""


@cache
def token_byte_lengths(encoding_name: str) -> list[int]:
    """Byte length of every token id of the encoding (0 for ids it does not use).

    Summing these over an encoding gives each token's end offset without decoding the tokens.
    """
    enc = encoding(encoding_name)
    out = [0] * enc.n_vocab
    ranks = getattr(enc, "_mergeable_ranks", None)
    specials = getattr(enc, "_special_tokens", None)
    if isinstance(ranks, dict) and isinstance(specials, dict):
        # The tables decode_single_token_bytes reads, without 100k calls into it.
        for piece, i in ranks.items():
            out[i] = len(piece)
        for name, i in specials.items():
            out[i] = len(name.encode("utf-8"))
        return out
    for i in range(enc.n_vocab):
        try:
            out[i] = len(enc.decode_single_token_bytes(i))
        except KeyError:
            pass
    return out


@cache
def token_length_array(encoding_name: str) -> Any:  # numpy.ndarray (numpy is imported lazily)
    """:func:`token_byte_lengths` as a numpy array, to gather the lengths of a file's tokens."""
    import numpy as np

    return np.asarray(token_byte_lengths(encoding_name), dtype=np.int64)


_WORDS: dict[str, list[str]] = {}
_WORDS_MAX = 200_000


def _words(name: str) -> list[str]:
    """``lexical.words(name)``, remembered: the same identifiers recur across a repository."""
    w = _WORDS.get(name)
    if w is None:
        if len(_WORDS) >= _WORDS_MAX:
            _WORDS.clear()
        w = _WORDS[name] = lexical.words(name)
    return w


def _definition_tokens(defs: list[syntax.Definition], source: bytes, lengths: Any) -> None:
    """Tokens per definition, from the byte length of each token of the whole file (a numpy
    array): the tokens ending after the definition's first line starts and by its last line's
    end."""
    import numpy as np

    ends = np.cumsum(lengths)
    newlines = np.flatnonzero(np.frombuffer(source, dtype=np.uint8) == 10)
    line_starts = np.concatenate(([0], newlines + 1, [len(source) + 1]))
    last = len(line_starts) - 1
    starts = line_starts[np.minimum([d.start_line - 1 for d in defs], last)]
    stops = line_starts[np.minimum([d.end_line for d in defs], last)]
    # searchsorted(side="right") on the non-decreasing ends is bisect_right.
    before = np.searchsorted(ends, starts, side="right").tolist()
    upto = np.searchsorted(ends, stops, side="right").tolist()
    for d, a, b in zip(defs, before, upto, strict=True):
        d.tokens = max(1, b - a)
