"""Identifier-aware word splitting shared by indexing (BM25 documents) and queries (task text)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from itertools import chain

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")

STOPWORDS = frozenset(
    """a an and are as at be but by for from has have if in into is it its of on or that the
    their then there these this to was were will with not no we you i our use used using
    self cls this none null true false def return import from class function func var let const
    fn pub end else elif new public private static void int str
    when what which where why how should would could can does do did also only so than too very
    just some such any each after before about again been being into onto via""".split()
)


def split_identifier(word: str) -> list[str]:
    """``parseHTTPHeader`` -> ``[parse, http, header]``; ``max_retry_count`` -> 3 words."""
    out: list[str] = []
    for part in word.split("_"):
        if not part:
            continue
        out.extend(p.lower() for p in _CAMEL.findall(part))
    return out


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# identifier -> its words, per keep_stopwords: identifiers recur (indexing splits every file's).
_IDENT_WORDS: tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]] = ({}, {})
_IDENT_WORDS_MAX = 200_000


def is_dunder(ident: str) -> bool:
    """``__getattr__``, ``__init__``: a name the language gives a meaning (Python's special
    methods and module attributes)."""
    return len(ident) > 4 and ident.startswith("__") and ident.endswith("__") \
        and ident[2:-2].strip("_") != ""


def _ident_words(ident: str, keep_stopwords: bool) -> tuple[str, ...]:
    memo = _IDENT_WORDS[keep_stopwords]
    got = memo.get(ident)
    if got is None:
        parts = split_identifier(ident)
        got = tuple(p for p in parts if len(p) > 1 and (keep_stopwords or p not in STOPWORDS))
        if len(parts) > 1:
            got += (ident.lower().strip("_"),)
        elif is_dunder(ident):  # the whole name too: a task's ``__getattr__`` is not getattr()
            got += (ident.lower(),)
        if len(memo) >= _IDENT_WORDS_MAX:
            memo.clear()
        memo[ident] = got
    return got


def words(text: str, *, keep_stopwords: bool = False, exact_dunders: bool = False) -> list[str]:
    """Every identifier in ``text`` split into lower-case words, plus the whole identifier.

    Whole identifiers let an exact name in a task ("fix parse_header") outrank its parts.
    ``exact_dunders`` (a task's words): a dunder (:func:`is_dunder`) is its whole name alone,
    ``__getattr__``, which code's words hold only where it is written (its word ``getattr`` is
    in every ``getattr(...)`` call as well).
    """
    out: list[str] = []
    for ident in _IDENT.findall(text):
        if exact_dunders and is_dunder(ident):
            out.append(ident.lower())
        else:
            out.extend(_ident_words(ident, keep_stopwords))
    return out


# What a task's text may carry besides the task: git trailers (sign-offs, co-authors: names and
# addresses), e-mail addresses, and the scheme and host of links. Their words match files by
# accident: "Co-authored-by: pre-commit-ci[bot] <...>" made `.pre-commit-config.yaml` the best
# match of a pasted commit message, "https://github.com/..." the `.github/` folder.
# (Keys are matched whatever their case, as git does: ``Co-Authored-By:`` too.)
TRAILER = re.compile(r"[ \t]*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?:-by|-id): ", re.IGNORECASE)
# An address's local part may hold ``[bot]``; one never starts inside a path
# (``assets/logo@2x.png`` is a file, ``gin-gonic\\gin@v1.9.0`` a Windows module cache's
# folder), nor has a domain starting with a digit (``icon@2x.svg``).
_EMAIL = re.compile(r"(?<![\w./\\+\[\]-])<?[\w.+\[\]-]+@[A-Za-z][\w-]*(?:\.[\w-]+)+>?")
_URL_HOST = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^/\s)\]>\"']*")


TASK_TEXT_MAX = 100_000  # characters of a task read for its words (a pasted log: its beginning)


def task_text(text: str) -> str:
    """``text`` without trailer lines, e-mail addresses, links' scheme and host (a link's path
    stays: ``.../docs/server/content-types`` names things) and secrets (a token pasted with a log
    is no word to match, nor to quote in a reason), a path through an installed package read from
    the package's root (:data:`_INSTALLED`); its first :data:`TASK_TEXT_MAX` characters."""
    return _task_text(text[:TASK_TEXT_MAX + 1_000])[0]


def installed_packages(text: str) -> dict[str, str]:
    """The words of :func:`task_text` that were paths through an installed package, as they
    stand there (``tree.go:232``) -> the package: ``go:github.com/gin-gonic/gin``,
    ``npm:@acme/widget``, ``cargo:clap_builder`` ('' for ``site-packages``: the path keeps its
    package's folder)."""
    return dict(_task_text(text[:TASK_TEXT_MAX + 1_000])[1])


@lru_cache(maxsize=4)  # asked of the same task by the ranker, the packer and the name scan
def _task_text(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    from analyzers.secrets import redact_head

    text = redact_head(text, TASK_TEXT_MAX, blank=True)
    kept = "\n".join(ln for ln in text.splitlines() if not TRAILER.match(ln))
    return _package_relative(_URL_HOST.sub(" ", _EMAIL.sub(" ", kept)))


# Where an installed copy of a package lies, up to its root: a Python environment's
# ``site-packages/`` (``dist-packages/``, a ``.tox`` or ``.venv`` one), ``node_modules/<pkg>/``
# (``@scope/pkg``; the last of a pnpm path), Go's module cache ``<module>@v1.9.0/`` (or any
# ``@vX.Y.Z/`` folder), Cargo's ``registry/src/<index>/<crate>-1.2.3/``. A path through one is
# read from the package's root: ``/home/me/go/pkg/mod/github.com/gin-gonic/gin@v1.9.0/tree.go:232``
# is ``tree.go:232``, the file of the workspace it is a copy of, and "home", "go", "pkg", "mod",
# "github", "gin" and the version are no words of the task.
_INSTALLED = re.compile(
    r"(?<![\w.-])(?:site|dist)-packages[/\\]"
    r"|(?<![\w.-])node_modules[/\\](?P<npm>(?:@[\w.-]+[/\\])?[\w.-]+)[/\\]"
    r"|@v\d+\.\d+\.\d+[\w.+-]*[/\\]"
    r"|(?<![\w.-])\.cargo[/\\]registry[/\\]src[/\\][^/\\\s]+[/\\](?P<crate>[\w-]+?)-\d+\.\d+\.\d+"
    r"[\w.+-]*[/\\]")
_MARKS = ("-packages", "node_modules", "@v", ".cargo")  # one is in each of those paths
_WORD_RUN = re.compile(r"[^\s\"'`(<\[=,]+")  # a word that may be such a path
WORD_RUN = _WORD_RUN  # the words :func:`task_words`'s ``drop`` is keyed by
_GO_CACHE = re.compile(r"(?:^|[/\\])pkg[/\\]mod[/\\]")
_GO_UPPER = re.compile(r"!([a-z])")  # the module cache writes "A" as "!a"


def _package_relative(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``text`` with each path through an installed package (:data:`_INSTALLED`) read from the
    package's root, and those words -> their package (:func:`installed_packages`)."""
    if not any(mark in text for mark in _MARKS):
        return text, ()
    found: dict[str, str] = {}

    def relative(m: re.Match[str]) -> str:
        word = m.group()
        if not any(mark in word for mark in _MARKS):
            return word
        last = max(_INSTALLED.finditer(word), key=lambda f: f.end(), default=None)
        if last is None:
            return word
        rel = _normpath(word[last.end():])
        found.setdefault(rel, _package(word, last))
        return rel

    return _WORD_RUN.sub(relative, text), tuple(found.items())


_DOTS = re.compile(r"(?:^|[/\\])\.\.?(?:[/\\]|$)")  # a ``.`` or ``..`` part of a path


def _normpath(path: str) -> str:
    """``path`` (read from a package's root) with its ``.`` and ``..`` parts resolved, its
    separators kept: ``internal/../tree.go:232`` is ``tree.go:232`` (none leads above the
    root)."""
    if not _DOTS.search(path):
        return path
    sep = "\\" if "\\" in path and "/" not in path else "/"
    out: list[str] = []
    for part in re.split(r"[/\\]", path):
        if part == "..":
            if out:
                out.pop()
        elif part and part != ".":
            out.append(part)
    return sep.join(out)


def _package(word: str, m: re.Match[str]) -> str:
    """The package a path's installed prefix ``m`` (of ``word``) names (see
    :func:`installed_packages`)."""
    if m.group("npm"):
        return "npm:" + m.group("npm").replace("\\", "/")
    if m.group("crate"):
        return "cargo:" + m.group("crate")
    if m.group().startswith("@"):  # Go: the module path, from the cache's root on
        head = word[:m.start()].replace("\\", "/")
        cache = max(_GO_CACHE.finditer(head), key=lambda f: f.end(), default=None)
        module = head[cache.end():] if cache else head.lstrip("/")
        return "go:" + _GO_UPPER.sub(lambda u: u.group(1).upper(), module)
    return ""


# A Python traceback's own words ("Traceback (most recent call last):", a frame's ``File "...",
# line 12, in``, the lines joining chained exceptions) are no words of a task: a pasted traceback
# made ``tests/test_requests.py`` "match 'call', 'last', 'file', 'line'". Its paths, functions and
# the error's message stay.
_TRACE_WORDS = re.compile(
    r"Traceback \(most recent call last\):?"
    r"|During handling of the above exception, another exception occurred:?"
    r"|The above exception was the direct cause of the following exception:?"
    r'|(?<![\w.])File (?=")|(?<=")(?:, line \d+)(?:, in(?= ))?|<module>')


def task_words(text: str, drop: Mapping[str, str] | None = None) -> list[str]:
    """The words of a task (:func:`words` of :func:`task_text`, a traceback's own words left
    out: :data:`_TRACE_WORDS`); ``drop``: words of :func:`task_text` (as :data:`WORD_RUN` finds
    them) -> what of each stays a word of the task ('' for nothing: a dependency's path, which
    names no file of the workspace; the part of an absolute path inside the workspace:
    ``bundles.mentions.foreign_paths``)."""
    kept = task_text(text)
    if drop:
        kept = _WORD_RUN.sub(lambda m: f" {drop[m.group()]} " if m.group() in drop else m.group(),
                             kept)
    return words(_TRACE_WORDS.sub(" ", kept), exact_dunders=True)


def as_written(text: str, wanted: set[str] | frozenset[str]) -> list[str]:
    """The identifiers of task ``text`` (:func:`task_text`) whose :func:`words` meet ``wanted``,
    as the task writes them, in its order, each once whatever its case: "URLs", not "ur", "ls",
    "urls"; "ProgressBar", not "progressbar"."""
    out: dict[str, str] = {}
    for ident in _IDENT.findall(task_text(text)):
        if ident.lower() not in out and wanted.intersection(_ident_words(ident, False)):
            out[ident.lower()] = ident
    return list(out.values())


# A version (digits with dots: "8.5.0", "v2.1"), not part of a longer number or word.
_VERSION = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+)+)(?!\w|\.\d)")


def versions(text: str) -> list[str]:
    """The versions ``text`` names ("8.5.0" of "the 8.5.0 release", "v2.1"), in order, once
    each: :func:`words` holds no digits alone."""
    return list(dict.fromkeys(_VERSION.findall(text)))


def bag(text: str) -> Counter[str]:
    return Counter(words(text))


# identifier -> the stems of its words (stopwords dropped), for :func:`stem_bag`.
_IDENT_STEMS: dict[str, tuple[str, ...]] = {}


def stem_bag(text: str) -> Counter[str]:
    """``Counter(stems(words(text)))``, each distinct identifier split and stemmed once (per
    process: the re-ranking's windows of 30 candidate files repeat most of their identifiers);
    the counting itself runs in C (``Counter`` over the chained stems)."""
    idents = _IDENT.findall(text)
    memo = _stemmed(set(idents))
    return Counter(chain.from_iterable(map(memo.__getitem__, idents)))


def stem_set(text: str) -> set[str]:
    """``set(stem_bag(text))`` without counting: the stems a line holds, for the lines a
    packer or a window reads for a task's words (building a ``Counter`` a line was most of the
    cost of ordering a large file's definitions by them)."""
    idents = set(_IDENT.findall(text))
    memo = _stemmed(idents)
    return set(chain.from_iterable(map(memo.__getitem__, idents)))


def _stemmed(idents: set[str]) -> dict[str, tuple[str, ...]]:
    """The identifier -> stems memo, holding each of ``idents``."""
    memo = _IDENT_STEMS
    new = idents.difference(memo)
    if new:
        if len(memo) + len(new) >= _IDENT_WORDS_MAX:
            memo.clear()
            new = idents
        for ident in new:
            memo[ident] = tuple(stem(w) for w in _ident_words(ident, False))
    return memo


def path_words(path: str) -> list[str]:
    """Words of a repository path: folders and the file stem, identifier-split."""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return words(stem.replace("/", " ").replace("-", "_"))


# Stems (Snowball English, via PyStemmer) for matching task words to code and history words:
# "counts" meets ``count``, "buffers" meets ``buffer``. Whole identifiers (with "_") and short
# words stay as they are.
_STEMS: dict[str, str] = {}
_STEMMER = None


def stem(word: str) -> str:
    got = _STEMS.get(word)
    if got is None:
        global _STEMMER
        if len(word) <= 3 or not word.isalpha():
            got = word
        else:
            if _STEMMER is None:
                import Stemmer

                _STEMMER = Stemmer.Stemmer("english")
            got = _STEMMER.stemWord(word)
        if len(_STEMS) >= _IDENT_WORDS_MAX:
            _STEMS.clear()
        _STEMS[word] = got
    return got


def stems(ws: list[str]) -> list[str]:
    return [stem(w) for w in ws]


# Words a task says what kind of change it asks for with ("fix the ...", "add support for ..."),
# not where: by their stems they met ``test_fixes_1329`` (the stems of "fix" and "fixes" are
# one) and ``SupportsRead`` whatever the task was about (:func:`name_meets`).
TASK_VERBS = frozenset("""fix fixes fixed fixing add adds added adding update updates updated
    updating handle handles handled handling support supports supported supporting remove
    removes removed removing change changes changed changing allow allows allowed allowing
    improve improves improved improving implement implements implemented implementing ensure
    ensures ensured ensuring""".split())
_VERB_STEMS: list[frozenset[str]] = []


def verb_stems() -> frozenset[str]:
    """The stems of :data:`TASK_VERBS`."""
    if not _VERB_STEMS:
        _VERB_STEMS.append(frozenset(stem(w) for w in TASK_VERBS))
    return _VERB_STEMS[0]


def name_meets(task_words: set[str], task_stems: set[str], name_words: list[str]) -> set[str]:
    """The stems of ``name_words`` (a definition name's :func:`words`) that a task holds
    (``task_words``, and their stems ``task_stems``): a :data:`TASK_VERBS` word's only when the
    name writes it as the task does ("add" meets ``add_option``, "fix" no ``test_fixes_649``,
    "support" no ``SupportsRead``)."""
    verbs = verb_stems()
    return {st for w in name_words for st in (stem(w),)
            if st in task_stems and (st not in verbs or w in task_words)}
