"""Files a task names: by a path, or by a file name few files share.

A task that says which file it is about ("in `server/lsp/hover.py`", a traceback's
``File "/home/me/.venv/lib/python3.12/site-packages/click/types.py", line 1023``, "the
`cache.ts` subscriber") has said the most precise thing a task can say. A path names the
repository file it ends like, however it begins (an absolute path, a virtualenv's
``site-packages``, a ``./`` or ``a/`` prefix): the longest trailing part of it that ends a
repository path decides, and it must hold the file's folder too (``/home/me/app/cli.py`` does
not name ``examples/cli.py``). A path through an installed copy of a package (Go's module cache,
``site-packages``, ``node_modules/<pkg>/``, Cargo's registry) is read from the package's root
(``lexical.task_text`` cuts the prefix): ``.../gin@v1.9.0/tree.go:232`` names ``tree.go``. Given
the workspace's root, a package that is the workspace's own (a ``package.json``'s name, a
``Cargo.toml``'s package, a ``go.mod``'s module) is read from that manifest's folder, and an npm
package or crate that is not names nothing: a dependency's ``node_modules/left-pad/main.js`` is
no file of the app (any other Go module is read from its root still: a fork, a renamed module).
A bare file name with its extension names the files of that name when there are at most
:data:`MAX_SHARED` of them (``__init__.py`` or ``index.ts`` name none). A path
without an extension (``commands/parse``, a module path) needs two parts or more that end at most
two files' paths, extension left out: ``try/finally`` or ``help/completion`` name nothing unless a
file is called that.

A traceback frame or a ``path:line`` says more: which line, and often which function. Each named
file keeps the lines and function names the task gives for it (Python's ``File "...", line 12,
in parse``, JavaScript's ``at parse (src/x.js:12:5)``, Java's ``at a.b.C.parse(C.java:12)``, and
``path:12`` anywhere), so that a bundle can show those definitions of a large file.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from analyzers import confine, lexical
from analyzers.languages import EXTENSIONS

MAX_SHARED = 3  # a bare file name names at most this many files
MAX_PARTS = 32  # a path's trailing parts read (a deeper one is no repository's)
MAX_NAMED = 12  # files one task may name (a long traceback: its first frames in the repository)
# The part of a task read for paths: a pasted log of megabytes names its files in its beginning
# as well, and reading all of it would cost seconds. (What ``lexical.task_text`` keeps: the
# ranker's words and the name scan read the same head, its secrets found once.)
MAX_TEXT = lexical.TASK_TEXT_MAX

_SPLIT = re.compile(r"[\s\"'`(){}<>,;|=*]+")  # not brackets: ``pages/[id].tsx`` is a path
# What ends a path-like word and is no part of it: ``:12:5``, ``#L40``, ``@v2``, and trailing
# punctuation. Each is matched on the reversed word (a ``$`` pattern is tried at every position:
# quadratic on a long word).
_TRAILING_REVERSED = (re.compile(r"[\w:#@]*[:#@]"), re.compile(r"[.:!?\]]+"))
_SCHEME = re.compile(r"[A-Za-z][\w+.-]+://")  # a link (a drive letter, ``C:\\``, is no scheme)
_SLASHES = re.compile(r"/{2,}")
_FILE = re.compile(r"^[\w@+\[\]-][\w.@+\[\]-]*\.[A-Za-z][A-Za-z0-9_]{0,9}$")


class Named(NamedTuple):
    """A file the task names: its index among the files, the words that name it, and the lines
    and function names the task gives for it (a traceback's frames)."""

    file_index: int
    words: str
    lines: tuple[int, ...] = ()
    symbols: tuple[str, ...] = ()


_FRAMES = (
    re.compile(r'File "(?P<path>[^"\n]{1,4096})", line (?P<line>\d+)(?:, in (?P<func>[\w.<>]+))?'),
    re.compile(r"\bat (?P<func>[\w.$<>]+)\((?P<path>[\w.$-]+\.\w+):(?P<line>\d+)\)"),
    re.compile(r"\bat (?:(?P<func>[\w.$<>\[\]]+) \()?(?P<path>[^\s()]{1,4096}?):(?P<line>\d+)"
               r"(?::\d+)?\)?"),
)
# ``path:12`` or ``path#L12`` anywhere. Read from the ``:12`` back: a pattern starting with the
# path would be tried at every position of a long word with no line after it (quadratic).
_LINE_AT = re.compile(r"(?::|#L)(\d+)")
_PATH_RUN = re.compile(r"[\w.@+~\\/\[\]-]*")  # matched on the reversed line, from the ``:``
_PATH_BEFORE_LINE = re.compile(r"[\w.@+~\\/\[\]-]*[\w-]\.[A-Za-z]\w{0,9}")
MAX_LINES = 20  # lines kept per file (a log repeating one frame thousands of times)


def _normal(raw: str) -> str:
    """A path-like word as :func:`mentions` keeps it ('' when it is no path). What follows
    ``::`` goes (a pytest node id's test and its ``[params]``, a Rust item's path)."""
    tok = _SLASHES.sub("/", raw.replace("\\", "/").split("::", 1)[0]).lstrip("[")
    for _ in range(3):
        tok = _without_trailing(tok)
    while tok.startswith("./"):
        tok = tok[2:]
    return tok.strip("/")


def _without_trailing(tok: str) -> str:
    """``tok`` without its trailing ``:12:5`` / ``#L40`` / ``@v2`` run (from its first ``:``, ``#``
    or ``@`` on), or else without its trailing punctuation; the earlier of the two cuts."""
    reversed_tok = tok[::-1]
    cut = max((m.end() for pattern in _TRAILING_REVERSED
               for m in [pattern.match(reversed_tok)] if m), default=0)
    return tok[:len(tok) - cut]


class _Frame(NamedTuple):
    """A ``path:line`` found in a line, as a frame pattern's match gives it."""

    path: str
    line: str

    def group(self, name: str) -> str:
        return self.path if name == "path" else self.line

    def groupdict(self) -> dict[str, str]:
        return {"path": self.path, "line": self.line}


def _path_lines(line: str) -> list[_Frame]:
    """The ``path:12`` and ``path#L12`` of ``line``, left to right, never overlapping: the path
    is the run of path characters just before the ``:`` (one of them ``.`` with a letter after,
    no more than 10 characters before the end)."""
    out: list[_Frame] = []
    pos = 0
    reversed_line = ""
    for m in _LINE_AT.finditer(line):
        start = m.start()
        if start <= pos:
            continue
        reversed_line = reversed_line or line[::-1]
        run = _PATH_RUN.match(reversed_line, len(line) - start, len(line) - pos)
        at = start - (run.end() - run.start()) if run else start
        if at < start and _PATH_BEFORE_LINE.fullmatch(line, at, start):
            out.append(_Frame(line[at:start], m.group(1)))
            pos = m.end()
    return out


def places(text: str) -> dict[str, tuple[list[int], list[str]]]:
    """Path-like word (as :func:`mentions` gives it) -> the lines and function names the text
    gives with it: traceback frames and ``path:line``."""
    return {k: (list(v[0]), list(v[1])) for k, v in _scan(text).places.items()}


def path_like(text: str) -> bool:
    """Whether ``text`` holds a path-like word or a traceback frame (a cheap test before the
    name tables are built)."""
    return bool(_scan(text).words)


class _Scan(NamedTuple):
    """What :func:`_scan` read of a text (not to be changed: cached)."""

    words: list[str]  # the path-like words in the order they first appear (frames first)
    places: dict[str, tuple[list[int], list[str]]]  # :func:`places`
    windows: frozenset[str]  # the words written with a ``\\`` (Windows: any case names a file)


@lru_cache(maxsize=4)  # asked of one task by the test above and by :func:`named_files`
def _scan(text: str) -> _Scan:
    """The path-like words of ``text`` in the order they first appear (a line's frame before
    its other words), :func:`places`, and which were written the Windows way."""
    order: dict[str, None] = {}
    out: dict[str, tuple[list[int], list[str]]] = {}
    windows: set[str] = set()
    for line in lexical.task_text(text).splitlines():
        _frames(line, out, order, windows)
        order.update(dict.fromkeys(_path_words(line, windows)))
    return _Scan(list(order), out, frozenset(windows))


def _frames(line: str, out: dict[str, tuple[list[int], list[str]]], order: dict[str, None],
            windows: set[str]) -> None:
    """Adds the frames of ``line`` (or its ``path:line`` words) to ``out`` and ``order`` (and
    to ``windows``, those written with a ``\\``)."""
    found = next((m for pattern in _FRAMES for m in [pattern.search(line)] if m), None)
    for m in [found] if found else _path_lines(line):
        tok = _normal(m.group("path"))
        if "\\" in m.group("path"):
            windows.add(tok)
        java = isinstance(m, re.Match) and m.re is _FRAMES[1]
        if java and "/" not in tok:  # Java: the package is the folder
            package = m.group("func").split(".")[:-2]
            tok = "/".join([*package, tok]) if package else tok
        if not tok:
            continue
        order.setdefault(tok)
        lines, funcs = out.setdefault(tok, ([], []))
        at = int(m.group("line"))
        if len(lines) < MAX_LINES and at not in lines:
            lines.append(at)
        func = (m.groupdict().get("func") or "").rpartition(".")[2]
        if func and func.isidentifier() and func not in funcs and len(funcs) < MAX_LINES:
            funcs.append(func)


def _path_words(text: str, windows: set[str] | None = None) -> list[str]:
    """The path-like words of ``text`` as they come (see :func:`mentions`); those written with
    a ``\\`` are also added to ``windows``."""
    out = []
    for raw in _SPLIT.split(text):
        if _SCHEME.match(raw):
            continue
        tok = _normal(raw)
        if tok and ("/" in tok or _FILE.match(tok)) and any(c.isalpha() for c in tok):
            out.append(tok)
            if windows is not None and "\\" in raw:
                windows.add(tok)
    return out


def mentions(text: str) -> list[str]:
    """The path-like words of ``text`` (without git trailers, e-mail addresses and links' hosts),
    in order, each once: words with a ``/`` (or ``\\``), and file names with an extension.
    Line and column suffixes (``types.py:1023:5``) and trailing punctuation are dropped."""
    return list(dict.fromkeys(_path_words(lexical.task_text(text))))


def _stem(name: str) -> str:
    """A file name without its extension (a dot file's name is all stem: ``.env``)."""
    return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name


def _without_ext(path: str) -> str:
    head, _, name = path.rpartition("/")
    return f"{head}/{_stem(name)}" if head else _stem(name)


def name_tables(files: Sequence[str]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """What :func:`named_files` looks files up by: file name -> the indices of the files of that
    name, and the same by the name without its extension."""
    by_name: dict[str, list[int]] = {}
    by_stem: dict[str, list[int]] = {}
    for i, path in enumerate(files):
        name = path.rpartition("/")[2]
        by_name.setdefault(name, []).append(i)
        by_stem.setdefault(_stem(name), []).append(i)
    return by_name, by_stem


def _ends(path: str, suffix: str) -> bool:
    return path == suffix or path.endswith("/" + suffix)


_DRIVE = re.compile(r"[A-Za-z]:/")  # a Windows path (its ``\\`` made ``/``): names any case


def _folded(table: Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
    """A name table keyed in lower case."""
    out: dict[str, list[int]] = {}
    for name, rows in table.items():
        out.setdefault(name.lower(), []).extend(rows)
    return out


def _case(path: str, fold: bool) -> str:
    return path.lower() if fold else path


def named_files(text: str, files: Sequence[str], by_name: Mapping[str, Sequence[int]],
                by_stem: Mapping[str, Sequence[int]], root: Path | None = None) -> list[Named]:
    """The files ``text`` names (their index into ``files``, the words that name them, the lines
    and function names given with them), in the order of the text, each once, at most
    :data:`MAX_NAMED`. ``by_name`` and ``by_stem``: :func:`name_tables` of ``files``. ``root``:
    the workspace's, to tell its own packages from its dependencies (:func:`own_packages`)."""
    out: dict[int, Named] = {}
    tokens, at, windows = _scan(text)
    # A frame's path as quoted (``File "C:\\Program Files\\app\\x.py"``): whole, its spaces kept.
    framed: list[str] = []  # the frames' paths that named a file
    lookup = _Lookup(files, by_name, by_stem)
    installed = _installed(text)
    own = own_packages(root, files) if root is not None and any(installed.values()) else None
    for tok in tokens:
        path, exact = _rooted(tok, installed, own)
        if path is None:
            continue  # a dependency's file, not the workspace's
        # (its last MAX_PARTS parts: no file lies deeper, and each suffix is tried)
        parts = [p for p in path.split("/")[-MAX_PARTS:] if p and p not in (".", "..")]
        if not parts or (tok not in at and any(f.endswith("/" + tok) for f in framed)):
            continue  # a piece of a frame's path (Java's ``Gson.java``, a path's spaces)
        k, hits = lookup.exact(path, len(parts)) if exact else (0, [])
        if not hits:
            k, hits = lookup.hits(path, parts, tok in windows)
        if not hits:
            continue
        lines, funcs = at.get(tok, ([], []))
        if tok in at:
            framed.append(tok)
        for i in sorted(hits, key=lambda i: files[i]):
            held = out.get(i)
            if held is None:
                out[i] = Named(i, posixpath.join(*parts[-k:]), tuple(lines), tuple(funcs))
            elif lines or funcs:  # named again (another frame of the same file)
                out[i] = held._replace(
                    lines=tuple(dict.fromkeys((*held.lines, *lines))),
                    symbols=tuple(dict.fromkeys((*held.symbols, *funcs))))
        if len(out) >= MAX_NAMED:
            break
    return list(out.values())[:MAX_NAMED]


def foreign_paths(text: str, files: Sequence[str], by_name: Mapping[str, Sequence[int]],
                  by_stem: Mapping[str, Sequence[int]], root: Path | None = None
                  ) -> dict[str, str]:
    """The words of ``lexical.task_text(text)`` (as ``lexical.WORD_RUN`` finds them) whose
    pieces are no words of the task, or not all of them -> what of each stays a word of it
    ('' for nothing): ``lexical.task_words``'s ``drop``. ``by_name``, ``by_stem``, ``root``:
    as for :func:`named_files`.

    - A dependency's path, naming no file of ``files``: one through an installed package
      (:func:`lexical.installed_packages`: ``.../other/dep@v1.2.0/src/lib/util.go:12``,
      ``site-packages/otherpkg/lib/x.py``), or through a ``vendor/`` folder the workspace does not
      hold (``vendor/github.com/other/dep/util.go``): nothing of it (not ``src``, ``lib``,
      ``util``, ``other``, ``dep``).
    - An absolute path (``/home/jane/proj/src/app.py``, ``C:\\Users\\jane\\...``): only its part
      inside the workspace, the trailing parts that name a file of ``files`` (``src/app.py``); or,
      naming none, all but its home folder. A home folder's name may hold a space
      (``/Users/Jane Doe/proj/...``, two words): the word after it loses that name too. So may
      any folder above the workspace (``/Users/jane/Google Drive/proj/src/app.py``): the words
      such a path runs over lend nothing when it ends in a workspace file (but ``src/app.py``)
      or a dependency's path (:func:`_spaced_path`)."""
    lookup = _Lookup(files, by_name, by_stem)
    owned: list[dict[str, str] | None] = []

    def own() -> dict[str, str] | None:  # read once, when first needed
        if not owned:
            owned.append(own_packages(root, files) if root is not None else None)
        return owned[0]

    out = dict.fromkeys(_dependency_paths(text, lookup, own), "")
    if _OUTSIDE_HINT.search(lexical.task_text(text)):
        for word, kept in _outside_parts(lexical.task_text(text), lookup, own,
                                         set(lexical.installed_packages(text))):
            out.setdefault(word, kept)
    return out


def _dependency_paths(text: str, lookup: _Lookup, own: Callable[[], dict[str, str] | None]
                      ) -> list[str]:
    """The words of ``lexical.task_text(text)`` that are paths through an installed package
    naming no file of the workspace (see :func:`foreign_paths`)."""
    installed = lexical.installed_packages(text)
    out = []
    for word, package in installed.items():
        tok = next((_normal(w) for w in _SPLIT.split(word) if w), "")
        owners = own() if package.startswith(("npm:", "cargo:", "go:")) else None
        path, exact = _rooted(tok, {tok: package}, owners) if tok else (None, False)
        parts = [p for p in (path or "").split("/")[-MAX_PARTS:] if p and p not in (".", "..")]
        if not parts:
            out.append(word)
            continue
        hits = lookup.exact(path or "", len(parts))[1] if exact else []
        if not hits and not lookup.hits(path or "", parts, "\\" in word)[1]:
            out.append(word)
    return out


# A task word that may be an absolute path or a ``vendor/`` one (a cheap test first).
_OUTSIDE_HINT = re.compile(r"(?:^|[\s\"'`(<\[=,])(?:[/~]|[A-Za-z]:[/\\])|vendor[/\\]")
_ABSOLUTE = re.compile(r"(?:/|~[/\\]|[A-Za-z]:[/\\])(?![/\\])")
# A home folder: the part of an absolute path that is nobody's task (``/home/jane``).
_HOME = re.compile(r"(?:~|/root|/home/[^/\\]*|/Users/[^/\\]*|[A-Za-z]:[/\\]+(?i:users|documents "
                   r"and settings)[/\\]+[^/\\]*)(?=[/\\]|$)")
_SEP = re.compile(r"[/\\]")


def _outside_parts(kept: str, lookup: _Lookup, own: Callable[[], dict[str, str] | None],
                   installed: Collection[str] = ()
                   ) -> list[tuple[str, str]]:
    """(word, what of it stays a word of the task) for the ``vendor/`` and absolute paths of
    ``kept`` (a task's :func:`lexical.task_text`) as :func:`foreign_paths` tells them.
    ``installed``: the words of ``kept`` that were cut from paths through an installed package
    (:func:`lexical.installed_packages`)."""
    out: list[tuple[str, str]] = []
    runs = list(lexical.WORD_RUN.finditer(kept[:MAX_TEXT]))
    skip = 0
    for k, m in enumerate(runs):
        word = m.group()
        if k < skip:
            continue
        if _vendored_elsewhere(word, lookup, own):
            out.append((word, ""))
            continue
        if not _ABSOLUTE.match(word) or _web_route(kept, runs, k, lookup):
            continue  # (``GET /users/profile``: a web route, whatever follows it)
        spaced = _spaced_path(kept, runs, k, lookup, own, installed)
        if spaced:
            out += spaced
            skip = k + len(spaced)
            continue
        home = _HOME.match(word)
        if home and home.end() == len(word):
            if k + 1 < len(runs) and kept[m.end():runs[k + 1].start()] == " " \
                    and _SEP.search(runs[k + 1].group()):
                # ``/Users/Jane Doe/proj/...``: the next word goes on with the home's name
                after = runs[k + 1].group()
                rest = after[_SEP.search(after).end():]  # type: ignore[union-attr]
                out += [(word, ""), (after, _inside(rest, lookup, None))]
                skip = k + 2
            continue  # (alone: a web route, ``/home/feed``, as likely as a folder)
        inside = _inside(word, lookup, home)
        if inside != word:
            out.append((word, inside))
    return out


MAX_SPACED = 5  # words one absolute path's folder names with spaces may run over
# The word before a web route (``GET /users/profile``), as HTTP requests and logs write it (any
# case), and the blanks between them (more than one where a link's host was cut:
# ``GET https://example.com/users/profile``).
_HTTP_METHOD = re.compile(r"(?i:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)")
_BLANKS = re.compile(r"[ \t]+")
_LINE_SUFFIX = re.compile(r":\d+(?::\d+)?[.,:;!?)\]]*$")  # ``app.py:2``, ``Makefile:12:5``


def _web_route(kept: str, runs: Sequence[re.Match[str]], k: int, lookup: _Lookup) -> bool:
    """Whether absolute word ``runs[k]`` is a web route: it comes after an HTTP method word
    (``GET /users/profile``), and is no file's path: no drive letter nor ``~``
    (``POST C:\\Users\\jane\\proj\\src\\app.py``), no file name nor ``:LINE`` at its end
    (``GET /home/jane/proj/src/app.py:2``), naming no workspace file by its end."""
    if not k or not _HTTP_METHOD.fullmatch(runs[k - 1].group()) \
            or not _BLANKS.fullmatch(kept, runs[k - 1].end(), runs[k].start()):
        return False
    word = runs[k].group()
    if word.startswith("~") or (word[1:2] == ":" and word[:1].isalpha()) \
            or _LINE_SUFFIX.search(word):
        return False
    tok, parts = _path_parts(word)
    if parts and _FILE.match(parts[-1]):
        return False
    return not (parts and lookup.hits(tok, parts, "\\" in word)[1])


def _spaced_path(kept: str, runs: Sequence[re.Match[str]], k: int, lookup: _Lookup,
                 own: Callable[[], dict[str, str] | None], installed: Collection[str]
                 ) -> list[tuple[str, str]]:
    """The absolute path starting with word ``runs[k]`` whose folder names hold spaces
    (``/Users/jane/Google Drive/proj/src/app.py``, ``D:\\work\\Jane Doe\\...``), as
    (word, what stays) pairs: the path's part outside the workspace lends nothing. Recognised
    when the words it runs over (one space apart) end in a part naming a workspace file (what
    stays: that part, ``src/app.py``), a ``vendor/`` path the workspace does not hold, or a
    path through an installed package (nothing stays). [] when none is found, or when a word
    it would run over is a stop word (prose between a web route and a path)."""
    first = runs[k].group()
    # A whole path already (``/home/me/x.py``: the words after it are the task's), unless a
    # folder's name with a dot goes on after one space (``/Users/jane/proj.v2 final/src/app.py``)
    # or more (``proj.v2 final draft/``): a dot that ends no known file's name (``.v2``) may.
    last = _without_trailing(_SEP.split(first)[-1])
    filelike = _FILE.match(last or "-") and last[last.rfind("."):].lower() in EXTENSIONS
    for n in range(k + 1, min(len(runs), k + 1 + (1 if filelike else MAX_SPACED))):
        if kept[runs[n - 1].end():runs[n].start()] != " " \
                or _SEP.split(runs[n].group())[0] in lexical.STOPWORDS:
            return []  # (prose: ``GET /users/profile and src/app.py``)
        before = [(r.group(), "") for r in runs[k:n]]
        after = runs[n].group()
        if after in installed:  # ``/home/jane doe/go/pkg/mod/...``, cut to ``z.go:10``
            return before
        sep = _SEP.search(after)
        if sep is None:
            continue
        rest = after[sep.end():]  # (the word's first part is a folder's name's end)
        if not rest:
            continue
        if _names_whole(after, lookup):
            return []  # a path of its own (``GET /users/profile crashes src/app.py``)
        if _vendored_elsewhere(rest, lookup, own):
            return [*before, (after, "")]
        tok, parts = _path_parts(rest)
        hit, files = lookup.hits(tok, parts, "\\" in after) if parts else (0, [])
        if files:
            return [*before, (after, "/".join(parts[-hit:]))]
    return []


def _inside(word: str, lookup: _Lookup, home: re.Match[str] | None) -> str:
    """What of path ``word`` lies in the workspace: its trailing parts naming a file there, or
    (naming none) ``word`` without its home folder (``home``) when it ends in a file name."""
    tok, parts = _path_parts(word)
    k, hits = lookup.hits(tok, parts, "\\" in word) if parts else (0, [])
    if hits:
        return "/".join(parts[-k:])
    # a file's path (not a web route's, ``/home/feed/latest``) without its home folder
    return word[home.end():] if home and parts and _FILE.match(parts[-1]) else word


def _names_whole(word: str, lookup: _Lookup) -> bool:
    """Whether path ``word`` names a workspace file by all its parts (``src/app.py``)."""
    tok, parts = _path_parts(word)
    k, hits = lookup.hits(tok, parts, "\\" in word) if parts else (0, [])
    return bool(hits) and k >= len(parts)


def _path_parts(word: str) -> tuple[str, list[str]]:
    """Path-like ``word`` as a path (``/`` separated, ``..`` resolved: ``lib/../lib/x.go`` is
    ``lib/x.go``) and its trailing parts."""
    tok = next((_normal(w) for w in _SPLIT.split(word) if w), "")
    if "/.." in tok:
        tok = posixpath.normpath(tok)
    return tok, [p for p in tok.split("/")[-MAX_PARTS:] if p and p not in (".", "..")]


def _vendored_elsewhere(word: str, lookup: _Lookup,
                        own: Callable[[], dict[str, str] | None]) -> bool:
    """Whether ``word`` is a path through a ``vendor/`` folder to a file the workspace does not
    hold there (a dependency's copy: ``vendor/github.com/other/dep/util.go``). A path into one
    of the workspace's own Go modules names that module's file."""
    if "vendor" not in word:
        return False
    tok, parts = _path_parts(word)
    at = max((i for i, p in enumerate(parts[:-1]) if p == "vendor"), default=None)
    if at is None or len(parts) - at < 3:  # (a dependency's folder and more: not prose's
        return False  # "vendor/supplier")
    k, hits = lookup.hits(tok, parts, "\\" in word)
    if hits and k >= len(parts) - at:  # the workspace holds the vendored file
        return False
    inner = "/".join(parts[at + 1:])
    for package, folder in (own() or {}).items():
        module = package[3:] + "/" if package.startswith("go:") else None
        if module and inner.startswith(module):
            path = posixpath.join(folder, inner[len(module):])
            if lookup.exact(path, 1)[1]:
                return False
    return True


def task_words(text: str, files: Sequence[str],
               tables: Callable[[], tuple[Mapping[str, Sequence[int]],
                                          Mapping[str, Sequence[int]]]],
               root: Path | None = None) -> list[str]:
    """The words of task ``text`` (``lexical.task_words``) without the pieces of a dependency's
    path, nor of an absolute path's part outside the workspace (:func:`foreign_paths`), and a
    path naming a workspace file lends only that file's name without its extension
    (:func:`_file_stems`). ``tables``: gives :func:`name_tables` of ``files`` (asked only when
    the task holds such a path)."""
    foreign = bool(lexical.installed_packages(text)) \
        or _OUTSIDE_HINT.search(lexical.task_text(text)) is not None
    if not foreign and not path_like(text):
        return lexical.task_words(text)
    by_name, by_stem = tables()
    drop = foreign_paths(text, files, by_name, by_stem, root) if foreign else {}
    return lexical.task_words(text, _file_stems(lexical.task_text(text), drop,
                                                _Lookup(files, by_name, by_stem)))


def _file_stems(kept: str, drop: dict[str, str], lookup: _Lookup) -> dict[str, str]:
    """``drop`` (``lexical.task_words``'s) with each word of ``kept`` (what of it stays, after
    ``drop``) holding a path that names a workspace file made that file's name without its
    extension: "fix the crash in src/click/core.py" says the file (ranked first by
    :func:`named_files`), and ``src``, ``click`` and ``py`` are no words of the task (they
    matched every file under ``src/click``, and every past commit moving files to ``src``).
    The name stays a word unless more than :data:`MAX_SHARED` files share it (``__init__``,
    ``index``). A path naming no file (a folder, a file since removed) stays as written."""
    out = dict(drop)
    for word in dict.fromkeys(m.group() for m in lexical.WORD_RUN.finditer(kept[:MAX_TEXT])):
        source = drop.get(word, word)
        if source and any(c in source for c in "./\\"):
            named = _as_file_stems(source, lookup)
            if named != source:
                out[word] = named
    return out


def _as_file_stems(word: str, lookup: _Lookup) -> str:
    """``word`` with each path of it that names a workspace file (:func:`_path_words`) made
    that file's name without its extension ('' when more than :data:`MAX_SHARED` files have
    that name), after the folders before the part naming it (``draft/src/app.py``: ``draft``
    and ``app``; prose's "final draft/src/app.py"). Only a path written with the file's
    extension: a module's path (sinatra's "refer to rack/protection directly", a require of
    ``lib/rack/protection.rb``) keeps its words, ``rack`` among them (its truth,
    ``rack-protection/lib/rack-protection.rb``, fell from rank 4 to 6 without it)."""
    for tok in _path_words(word):
        path = posixpath.normpath(tok) if "/.." in tok else tok
        parts = [p for p in path.split("/")[-MAX_PARTS:] if p and p not in (".", "..")]
        if not parts or "." not in parts[-1].strip("."):  # a module's path ("rack/protection"
            continue  # of a require): its folders are the module's words, not a file's place
        k, hits = lookup.hits(path, parts, "\\" in word)
        if not hits:
            continue
        stem = _stem(parts[-1])
        if len(lookup.tables[False].get(stem, ())) > MAX_SHARED:
            stem = ""
        named = " ".join([*parts[:-k], stem])
        word = word.replace(tok, f" {named} ", 1) if tok in word else named
    return word


def _installed(text: str) -> dict[str, str]:
    """:func:`lexical.installed_packages` keyed by the path-like words :func:`_scan` gives."""
    out: dict[str, str] = {}
    for word, package in lexical.installed_packages(text).items():
        tok = next((_normal(w) for w in _SPLIT.split(word) if w), "")
        if tok:
            out.setdefault(tok, package)
    return out


def _rooted(tok: str, installed: Mapping[str, str], own: Mapping[str, str] | None
            ) -> tuple[str | None, bool]:
    """The path ``tok`` names in the workspace and whether it is the file's whole path: a path
    read from one of the workspace's own packages lies in that package's folder; one from a
    dependency names nothing (None). A Go module other than the workspace's ``go.mod`` ones
    (a fork, a renamed module), a ``site-packages`` path, or no ``own``: as written."""
    package = installed.get(tok)
    if not package or own is None:
        return tok, False
    folder = own.get(package)
    if folder is None:
        return (tok, False) if package.startswith("go:") else (None, False)
    return (posixpath.join(folder, tok) if folder else tok), True


MAX_MANIFESTS = 200  # manifests read for the workspace's own packages
MANIFEST_MAX = 65_536  # bytes of one read


def _go_module(text: str) -> str | None:
    m = re.search(r"^module\s+\"?([^\s\"]+)", text, re.M)
    return "go:" + m.group(1) if m else None


def _npm_name(text: str) -> str | None:
    try:
        name = json.loads(text).get("name")
    except (ValueError, AttributeError):
        return None
    return "npm:" + name if isinstance(name, str) and name else None


def _crate_name(text: str) -> str | None:
    m = re.search(r'^\[package\][^\[]*?^name\s*=\s*"([^"]+)"', text, re.M | re.S)
    return "cargo:" + m.group(1) if m else None


_MANIFESTS: dict[str, Callable[[str], str | None]] = {
    "go.mod": _go_module, "package.json": _npm_name, "Cargo.toml": _crate_name}


def own_packages(root: Path, files: Sequence[str]) -> dict[str, str]:
    """The workspace's own packages, as :func:`lexical.installed_packages` calls them
    (``go:<module>``, ``npm:<name>``, ``cargo:<crate>``) -> the folder of their manifest ('' for
    the root): read from the ``go.mod``, ``package.json`` and ``Cargo.toml`` files (the first
    :data:`MAX_MANIFESTS`; the shallowest of a name wins)."""
    out: dict[str, str] = {}
    manifests = sorted((p for p in files if p.rpartition("/")[2] in _MANIFESTS),
                       key=lambda p: (p.count("/"), p))
    for path in manifests[:MAX_MANIFESTS]:
        data = confine.read_bytes_inside(root, path, MANIFEST_MAX)
        package = _MANIFESTS[path.rpartition("/")[2]](data.decode("utf-8", "replace")) \
            if data else None
        if package:
            out.setdefault(package, posixpath.dirname(path))
    return out


class _Lookup:
    """The files a path-like word names, by the name tables (and, for a Windows path, the same
    tables in lower case, built when first asked)."""

    def __init__(self, files: Sequence[str], by_name: Mapping[str, Sequence[int]],
                 by_stem: Mapping[str, Sequence[int]]) -> None:
        self.files, self.tables = files, {True: by_name, False: by_stem}
        self.folded: dict[bool, dict[str, list[int]]] = {}
        self.paths: dict[str, int] | None = None  # path -> index, built when first asked

    def exact(self, path: str, k: int) -> tuple[int, list[int]]:
        """The file whose whole path is ``path`` (of ``k`` parts), if there is one."""
        if self.paths is None:
            self.paths = {p: i for i, p in enumerate(self.files)}
        i = self.paths.get(path)
        return (k, [i]) if i is not None else (0, [])

    def hits(self, tok: str, parts: list[str], windows: bool = False) -> tuple[int, list[int]]:
        """How many trailing parts of ``tok`` (split into ``parts``) name files, and which: the
        longest suffix that ends any file of that name decides. None when a path's folder does
        not match (``/home/me/app/cli.py`` is no ``examples/cli.py``) or when a bare file name
        is shared by more than a few files. ``windows``: written with a ``\\`` (as a path
        with a drive letter, it names its file whatever the case)."""
        has_ext = _FILE.match(parts[-1]) is not None
        table = self.tables[has_ext]
        fold = windows or _DRIVE.match(tok) is not None  # Windows: any case names the file
        pool = () if fold else table.get(parts[-1], ())
        keys = [p.lower() for p in parts] if fold else parts
        if fold:
            pool = self.folded.setdefault(has_ext, _folded(table)).get(keys[-1], ())
        for k in range(len(parts), 0, -1) if pool else ():
            suffix = "/".join(keys[-k:])
            hits = [i for i in pool if _ends(_case(self.files[i] if has_ext else
                                                   _without_ext(self.files[i]), fold), suffix)]
            if hits:
                enough = (k >= 2 or (has_ext and len(parts) == 1)) \
                    and len(hits) <= (MAX_SHARED if has_ext else 2)
                return (k, hits) if enough else (0, [])
        return 0, []
