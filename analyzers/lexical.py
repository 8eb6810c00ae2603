"""Identifier-aware word splitting shared by indexing (BM25 documents) and queries (task text)."""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")

STOPWORDS = frozenset(
    """a an and are as at be but by for from has have if in into is it its of on or that the
    their then there these this to was were will with not no we you i our use used using
    self cls this none null true false def return import from class function func var let const
    fn pub end else elif new public private static void int str""".split()
)


def split_identifier(word: str) -> list[str]:
    """``parseHTTPHeader`` -> ``[parse, http, header]``; ``max_retry_count`` -> 3 words."""
    out: list[str] = []
    for part in word.split("_"):
        if not part:
            continue
        out.extend(p.lower() for p in _CAMEL.findall(part))
    return out


def words(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Every identifier in ``text`` split into lower-case words, plus the whole identifier.

    Whole identifiers let an exact name in a task ("fix parse_header") outrank its parts.
    """
    out: list[str] = []
    for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text):
        ident = m.group(0)
        parts = split_identifier(ident)
        for p in parts:
            if len(p) > 1 and (keep_stopwords or p not in STOPWORDS):
                out.append(p)
        if len(parts) > 1:
            out.append(ident.lower().strip("_"))
    return out


def bag(text: str) -> Counter[str]:
    return Counter(words(text))


def path_words(path: str) -> list[str]:
    """Words of a repository path: folders and the file stem, identifier-split."""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return words(stem.replace("/", " ").replace("-", "_"))
