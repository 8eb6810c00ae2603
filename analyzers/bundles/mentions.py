"""Files a task names: by a path, or by a file name few files share.

A task that says which file it is about ("in `server/lsp/hover.py`", a traceback's
``File "/home/me/.venv/lib/python3.12/site-packages/click/types.py", line 1023``, "the
`cache.ts` subscriber") has said the most precise thing a task can say. A path names the
repository file it ends like, however it begins (an absolute path, a virtualenv's
``site-packages``, a ``./`` or ``a/`` prefix): the longest trailing part of it that ends a
repository path decides, and it must hold the file's folder too (``/home/me/app/cli.py`` does
not name ``examples/cli.py``). A bare file name with its extension names the files of that name when
there are at most :data:`MAX_SHARED` of them (``__init__.py`` or ``index.ts`` name none). A path
without an extension (``commands/parse``, a module path) needs two parts or more that end at most
two files' paths, extension left out: ``try/finally`` or ``help/completion`` name nothing unless a
file is called that.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence

from analyzers import lexical

MAX_SHARED = 3  # a bare file name names at most this many files
MAX_NAMED = 12  # files one task may name (a long traceback: its first frames in the repository)

_SPLIT = re.compile(r"[\s\"'`()\[\]{}<>,;|=*]+")
_TRAILING = re.compile(r"(?:[:#@]\w*)+$|[.:!?]+$")
_SCHEME = re.compile(r"[A-Za-z][\w+.-]+://")  # a link (a drive letter, ``C:\\``, is no scheme)
_SLASHES = re.compile(r"/{2,}")
_FILE = re.compile(r"^[\w@+-][\w.@+-]*\.[A-Za-z][A-Za-z0-9_]{0,9}$")


def mentions(text: str) -> list[str]:
    """The path-like words of ``text`` (without git trailers, e-mail addresses and links' hosts),
    in order, each once: words with a ``/`` (or ``\\``), and file names with an extension.
    Line and column suffixes (``types.py:1023:5``) and trailing punctuation are dropped."""
    out: dict[str, None] = {}
    for raw in _SPLIT.split(lexical.task_text(text)):
        if _SCHEME.match(raw):
            continue
        tok = _SLASHES.sub("/", raw.replace("\\", "/"))
        for _ in range(3):
            tok = _TRAILING.sub("", tok)
        while tok.startswith("./"):
            tok = tok[2:]
        tok = tok.strip("/")
        if tok and ("/" in tok or _FILE.match(tok)) and any(c.isalpha() for c in tok):
            out.setdefault(tok)
    return list(out)


def _without_ext(path: str) -> str:
    head, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return f"{head}/{stem}" if head else stem


def _ends(path: str, suffix: str) -> bool:
    return path == suffix or path.endswith("/" + suffix)


def named_files(text: str, files: Sequence[str], by_name: Mapping[str, Sequence[int]],
                by_stem: Mapping[str, Sequence[int]]) -> list[tuple[int, str]]:
    """The files ``text`` names, as (index into ``files``, the words that name it), in the order
    of the text, each once, at most :data:`MAX_NAMED`. ``by_name``: file name -> indices of the
    files of that name; ``by_stem``: the same by the name without its extension."""
    out: dict[int, str] = {}
    for tok in mentions(text):
        parts = [p for p in tok.split("/") if p and p not in (".", "..")]
        if not parts:
            continue
        has_ext = _FILE.match(parts[-1]) is not None
        pool = by_name.get(parts[-1], ()) if has_ext else by_stem.get(parts[-1], ())
        if not pool:
            continue
        for k in range(len(parts), 0, -1):
            suffix = "/".join(parts[-k:])
            hits = [i for i in pool if _ends(files[i] if has_ext else _without_ext(files[i]),
                                             suffix)]
            if hits:
                break
        else:
            continue
        # A path names a file only through its folder too: ``/home/me/app/cli.py`` is no
        # ``examples/cli.py``; a bare file name is enough when few files share it.
        enough = (k >= 2 or (has_ext and len(parts) == 1)) \
            and len(hits) <= (MAX_SHARED if has_ext else 2)
        if not enough:
            continue
        for i in sorted(hits, key=lambda i: files[i]):
            out.setdefault(i, posixpath.join(*parts[-k:]))
        if len(out) >= MAX_NAMED:
            break
    return list(out.items())[:MAX_NAMED]
