"""Facts about one document (definitions, tokens) from the index, or from an unsaved buffer.

An open buffer whose text differs from what the index holds is analysed from its text (tree-sitter
and tiktoken, the same code the index uses), never answered from the stale index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from analyzers.cancel import CancelToken
from analyzers.confine import read_bytes_inside
from analyzers.indexing.filefacts import FileRecord, analyse, content_hash, decode
from analyzers.indexing.index import Index
from analyzers.syntax import Definition


@dataclass(frozen=True, slots=True)
class DocFacts:
    """What the features need about a file. ``tokens`` are raw encoding tokens (unscaled)."""

    path: str  # relative to the workspace root (absolute when outside it)
    lang: str | None
    tokens: int
    lines: int
    definitions: list[Definition] = field(default_factory=list)
    source: str = "index"  # "index" (cache matches the text), "buffer" (analysed), "disk"
    version: int | None = None
    generation: int = 0  # the index generation the facts were read at


def facts_from_text(index: Index | None, path: str, text: str, encoding_name: str,
                    version: int | None, generation: int, token: CancelToken) -> DocFacts:
    """Facts for ``text`` (the buffer of ``path``): the index's when it holds this exact content."""
    data = text.encode("utf-8", "surrogatepass")
    if index is not None:
        row = index.file(path)
        if row is not None and row.hash == content_hash(data):
            return DocFacts(path=path, lang=row.lang, tokens=row.tokens, lines=row.lines,
                            definitions=index.definitions(path), source="index",
                            version=version, generation=generation)
    token.check()
    rec = FileRecord(path, len(data), 0)
    analyse(rec, text, data, encoding_name)
    return DocFacts(path=path, lang=rec.lang, tokens=rec.tokens, lines=rec.lines,
                    definitions=rec.definitions, source="buffer", version=version,
                    generation=generation)


def facts_from_index_or_disk(index: Index | None, root: Path | None, path: str,
                             encoding_name: str, max_size: int, generation: int,
                             token: CancelToken) -> tuple[DocFacts | None, str | None]:
    """Facts for a file that is not open: the index row, else read from disk (facts, problem)."""
    if index is not None:
        row = index.file(path)
        if row is not None:
            return DocFacts(path=path, lang=row.lang, tokens=row.tokens, lines=row.lines,
                            definitions=index.definitions(path), source="index",
                            generation=generation), None
    if root is None:
        return None, f"{path} is outside the workspace"
    data = read_bytes_inside(root, path, limit=max_size + 1)
    if data is None:
        return None, f"{path} cannot be read (missing, not a regular file, or outside the " \
                     "workspace)"
    if len(data) > max_size:
        return None, f"{path} is larger than the size limit ({max_size:,} bytes)"
    text, why = decode(data)
    if text is None:
        return None, f"{path} is not text ({why})"
    facts = facts_from_text(None, path, text, encoding_name, None, generation, token)
    return DocFacts(path=facts.path, lang=facts.lang, tokens=facts.tokens, lines=facts.lines,
                    definitions=facts.definitions, source="disk", generation=generation), None


# -- positions ----------------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def word_at(line: str, col: int) -> tuple[str, int, int] | None:
    """The identifier on ``line`` under code-point column ``col`` (or ending there)."""
    ending_here = None
    for m in _IDENT.finditer(line):
        if m.start() <= col < m.end():
            return m.group(), m.start(), m.end()
        if m.end() == col:
            ending_here = (m.group(), m.start(), m.end())
        if m.start() > col:
            break
    return ending_here


def definition_at(defs: list[Definition], lines: list[str], line: int, col: int
                  ) -> Definition | None:
    """The definition whose name covers (0-based ``line``, code-point ``col``)."""
    if not 0 <= line < len(lines):
        return None
    text = lines[line]
    for d in defs:
        if d.name_line - 1 != line:
            continue
        start = min(d.name_col, len(text))
        if start <= col <= start + len(d.name):
            return d
    return None


