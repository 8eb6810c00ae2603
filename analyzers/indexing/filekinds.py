"""Files that are not the repository's own code: lock files, vendored, generated and minified files.

Ranking demotes them (:func:`demotion`): a ``Cargo.lock``, a vendored ``prism.js`` or a generated
parser matches a task's words as well as the code does, but an agent rarely needs them. The rules
follow GitHub linguist's conventions (the data below is taken from linguist's
``lib/linguist/vendor.yml`` and ``lib/linguist/generated.rb``, MIT licence, as pattern lists):

* by path (:func:`path_kind`): dependency folders and bundled libraries (vendored), lock files,
  generated-by-name files (protobuf outputs, ``__generated__/``, source maps, ``.min.js``);
* by content (:func:`content_kind`, at index time, stored with the file): minified JS/CSS (an
  average line longer than 110 characters), a generator's header in the first lines (``// Code
  generated ... DO NOT EDIT.``, ``@generated``, protoc, Thrift, Cython...), a source-map
  reference at the end of JS/CSS;
* ``.gitattributes`` (:class:`Attributes`, every ``.gitattributes`` in the repository, as git
  reads them): ``linguist-generated`` / ``linguist-vendored`` mark more files, and
  ``-linguist-generated`` / ``-linguist-vendored`` (or ``=false``) clear what the rules found.

A library doing this exists (``enry-python``, bindings to go-enry), but it took 1.1 s to classify
20,000 paths through its FFI (50 µs a call), ships an 18 MB shared library and calls itself
temporary bindings; these compiled patterns classify 20,000 paths in a few tens of milliseconds.

Left out of linguist's vendor list on purpose, as first-party code too often lives there:
``tools/``, ``cache/``, ``env/``, ``external/``, ``.d.ts`` files, test fixtures, ``debian/``,
``configure`` and generic script names (``react.js``, ``effects.js``, ``controls.js``,
``prototype*.js``); and what is not code (``.gitignore``, ``Jenkinsfile``, ``Vagrantfile``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from analyzers.bundles.rank import RankedFile
    from analyzers.indexing.graph import RepoGraph

# Kinds, as stored and shown. "vendored" and "minified" are linguist-vendored; "lock" and
# "generated" are linguist-generated (``-linguist-...`` in .gitattributes clears them).
LOCK = "lock"
VENDORED = "vendored"
GENERATED = "generated"
MINIFIED = "minified"
KINDS = (LOCK, VENDORED, GENERATED, MINIFIED)
_ATTRIBUTE = {LOCK: "linguist-generated", GENERATED: "linguist-generated",
              VENDORED: "linguist-vendored", MINIFIED: "linguist-vendored"}

# How much of its score such a file keeps: enough to show when nothing else matches, never ahead
# of code that matches as well. Not fitted: the benchmark repositories hold few such files, and
# bench/relevance.py (click, gin, express, axum, svelte; 2026-12-04) gave the same macro figures
# with it as without (seeded MRR 0.708 -> 0.710, task R@10 0.627 -> 0.632, issue unchanged).
FACTOR: dict[str, float] = {LOCK: 0.25, VENDORED: 0.25, GENERATED: 0.25, MINIFIED: 0.25}

# -- by path --------------------------------------------------------------------------------------

_LOCK_NAMES = (
    # linguist generated.rb
    "Cargo.lock", "composer.lock", "Gopkg.lock", "glide.lock", "poetry.lock", "pdm.lock",
    "esy.lock", "npm-shrinkwrap.json", "package-lock.json", "Pipfile.lock", ".terraform.lock.hcl",
    # the same kind of file from other package managers
    "yarn.lock", "pnpm-lock.yaml", "Gemfile.lock", "go.sum", "go.work.sum", "uv.lock", "bun.lock",
    "bun.lockb", "flake.lock", "mix.lock", "pubspec.lock", "Podfile.lock", "packages.lock.json",
    "deno.lock", "gradle.lockfile", "Package.resolved", "conan.lock", "Manifest.toml",
)

# Folders whose files are vendored (any depth, and at the top only), as vendor.yml's
# "(^|/)name/" and "^name/" rules; a file below decides by its folders first.
_VENDOR_DIRS = frozenset({
    "node_modules", "bower_components", "third_party", "third-party", "thirdparty", "3rdparty",
    "3rd_party", "3rd-party", "vendor", "vendors", "Vendor", "Vendors", "VENDOR", "extern",
    "dist", "Godeps", "Pods", "ace-builds", "MathJax", "extjs", "bootstrap-datepicker",
    "tiny_mce", "CodeMirror", "codemirror",
})
_TOP_VENDOR_DIRS = frozenset({"deps", "Dependencies", "dependencies", "Carthage"})
_GENERATED_DIRS = frozenset({".idea", "__generated__"})
_DOC_DIRS = frozenset({"doc", "docs"})
_DOC_VENDORED = frozenset({  # Sphinx: docs?/_?(build|themes?|templates?|static)/
    f"{u}{w}" for u in ("", "_") for w in ("build", "theme", "themes", "template", "templates",
                                             "static")})
_STYLE_EXT = r"(?:css|less|scss|styl)"

# File names (the whole base name), by kind: vendor.yml and generated.rb, written for a match on
# the base name (its folders are looked at above).
_NAME_RULES: dict[str, tuple[str, ...]] = {
    LOCK: (r".*\.esy\.lock",),
    MINIFIED: (r".*[.-]min\.(?:js|mjs|css)",),
    GENERATED: (
        r".*\.(?:designer|feature)\.(?:cs|vb)", r".+\.zep\.(?:c|h|php)",
        r".*_tlb\.pas", r".*\.(?:js|css|mjs)\.map",
        # protobuf and gRPC outputs' conventional names (their headers say so too)
        r".*_pb2(?:_grpc)?\.pyi?", r".*\.pb\.(?:go|cc|h)", r".*\.pb\.gw\.go",
    ),
    VENDORED: (
        r"jquery[^.]*\.js", r"jquery-\d\.\d+(?:\.\d+)?\.js",
        r"jquery-ui(?:-\d\.\d+(?:\.\d+)?)?(?:\.\w+)?\.(?:js|css)",
        r"jquery\.(?:ui|effects|fileupload|fancybox|fn\.gantt).*\.(?:js|css)",
        r"jquery[^.]*\.(?:validate(?:\.unobtrusive)?|unobtrusive-ajax)\.js",
        rf"(?:custom\.)?bootstrap[^.]*\.(?:js|{_STYLE_EXT})",
        rf"(?:font-awesome|foundation|normalize|animate)\.{_STYLE_EXT}", r"foundation(?:\..*)?\.js",
        rf"\S*import\.{_STYLE_EXT}", r"mootools[^.]*\d+\.\d+.\d+[^.]*\.js",
        r"(?:dojo|MochiKit|ckeditor|html5shiv|Chart|shCore|shLegacy)\.js",
        r"(?:yahoo-|yui|shBrush|tiny_mce|cordova)[^.]*\.js", r"cordova-\d\.\d(?:\.\d)?\.js",
        r"fontello.*\.css", r"angular[^.]*\.js", r"d3(?:\.v\d+)?[^.]*\.js",
        r"modernizr(?:-\d\.\d+(?:\.\d+)?|\.custom\.\d+)\.js",
        r"knockout-(?:\d+\.){3}(?:debug\.)?js",
        r".*-vsdoc\.js", r".*\.intellisense\.js",
        r"[Mm]icrosoft(?:[Mm]vc)?(?:[Aa]jax|[Vv]alidation)(?:\.debug)?\.js",
        r"leaflet\.draw-src\.js", r"leaflet\.draw\.css", r"leaflet\.spin\.js",
        r"Control\.FullScreen\.(?:css|js)", r"wicket-leaflet\.js", r"fuelux\.js",
        r"Leaflet\.Coordinates-\d+\.\d+\.\d+\.src\.js", r"slick\.\w+.js",
        r"octicons\.css", r"sprockets-octicons\.scss", r"gradlew(?:\.bat)?",
        r"config\.guess", r"config\.sub", r"aclocal\.m4", r"libtool\.m4", r"ltoptions\.m4",
        r"ltsugar\.m4", r"ltversion\.m4", r"lt~obsolete\.m4", r"cpplint\.py",
        # not in linguist: the syntax highlighter named in issue #14, bundled the same way
        r"prism(?:[.-].*)?\.(?:js|css)",
    ),
}
_LOCK_SET = frozenset(_LOCK_NAMES)
# One alternation per kind, tried in this order: the first kind matched is the answer.
# The endings a name must have for its kind's rules to be tried at all (most names have none).
_NAME_ENDS: dict[str, tuple[str, ...]] = {
    LOCK: (".lock",),
    MINIFIED: (".js", ".mjs", ".css"),
    GENERATED: (".cs", ".vb", ".c", ".h", ".php", ".pas", ".map", ".py", ".pyi", ".go", ".cc"),
    VENDORED: (".js", ".css", ".less", ".scss", ".styl", ".m4", ".guess", ".sub", ".py", ".bat",
               "gradlew"),
}
_BY_NAME = [(kind, _NAME_ENDS[kind],
             re.compile("|".join(f"(?:{rx})" for rx in _NAME_RULES[kind])).fullmatch)
            for kind in (LOCK, MINIFIED, GENERATED, VENDORED)]
_DIR_CACHE: dict[str, str | None] = {}


def _folder_kind(folder: str) -> str | None:
    """The kind every file below ``folder`` (a repository-relative path) has, or None."""
    kind = _DIR_CACHE.get(folder, "")
    if kind != "":
        return kind
    parts = folder.split("/")
    kind = None
    if parts[0] in _TOP_VENDOR_DIRS:
        kind = VENDORED
    for i, part in enumerate(parts):
        if part in _GENERATED_DIRS:
            kind = GENERATED
            break
        if part in _VENDOR_DIRS or part.lower() == "vendor" or (
                part in _DOC_DIRS and i + 1 < len(parts) and parts[i + 1] in _DOC_VENDORED) or (
                part == "gradle" and parts[i + 1:i + 2] == ["wrapper"]):
            kind = VENDORED
            break
    if len(_DIR_CACHE) > 100_000:
        _DIR_CACHE.clear()
    _DIR_CACHE[folder] = kind
    return kind


def path_kind(path: str) -> str | None:
    """The kind of a repository-relative POSIX path by its name alone, or None."""
    folder, _, base = path.rpartition("/")
    if base in _LOCK_SET:
        return LOCK
    for kind, ends, match in _BY_NAME:
        if base.endswith(ends) and match(base):
            return kind
    if base.startswith(".pnp."):
        return GENERATED
    if folder:
        by_folder = _folder_kind(folder)
        if by_folder is not None:
            return by_folder
        if base.endswith((".css", ".less", ".scss", ".styl")) and (
                "/Bourbon/" in f"/{folder}/" or "/bourbon/" in f"/{folder}/"):
            return VENDORED
    return None


# -- by content (index time) ----------------------------------------------------------------------

_MINIFIABLE = (".js", ".mjs", ".cjs", ".css")
MINIFIED_AVERAGE_LINE = 110  # linguist: average line length over 110 characters
_HEAD_LINES = 40  # Go's convention: the marker may follow a licence header
# A generator's mark in a comment near the top (generated.rb's checks, and Go's convention).
_GENERATED_HEAD = re.compile(
    r"^[ \t]*(?://+|#+|/\*+|\*|--|<!--|;+|%+)[^\n]*?(?:"
    r"Code generated .*DO NOT EDIT"  # Go's convention (golang.org/s/generatedcode), and others
    r"|@generated\b"  # Facebook's convention; Cargo.lock, Relay, Flow, many code generators
    r"|Generated by the protocol buffer compiler\.\s+DO NOT EDIT"
    r"|Generated by the gRPC"
    r"|GENERATED CODE -- DO NOT EDIT"
    r"|Autogenerated by Thrift Compiler"
    r"|Generated by Cython"
    r"|DO NOT EDIT THIS FILE - it is machine generated"
    r"|(?:parser )?generated by jison"
    r"|Generated by PEG\.js"
    r"|This file is automatically generated by Racc"
    r"|The following code was generated by JFlex"
    r"|This is a generated file\. Not intended for manual editing"
    r"|Generated by Haxe"
    r"|This file is generated by jOOQ"
    r"|generated code\W{2,3}do not modify"
    r")", re.IGNORECASE | re.MULTILINE)
_SOURCE_MAP = re.compile(r"^/[*/][#@] source(?:Mapping)?URL|sourceURL=", re.MULTILINE)
_SOURCE_MAP_JSON = re.compile(r'^\{"version":\d+,')


def content_kind(path: str, text: str) -> str | None:
    """The kind a file's text shows (minified, generated), or None. Cheap: it looks at the line
    count, the first lines and the last two."""
    if not text:
        return None
    lower = path.lower()
    if lower.endswith(_MINIFIABLE):
        lines = text.count("\n") + 1
        if (len(text) - lines + 1) / lines > MINIFIED_AVERAGE_LINE:
            return MINIFIED
        if _SOURCE_MAP.search("\n".join(text[-4096:].split("\n")[-2:])):
            return GENERATED
    elif lower.endswith(".map") and _SOURCE_MAP_JSON.match(text):
        return GENERATED
    head = text[:8192]
    cut = -1
    for _ in range(_HEAD_LINES):
        cut = head.find("\n", cut + 1)
        if cut < 0:
            break
    if _GENERATED_HEAD.search(head if cut < 0 else head[:cut]):
        return GENERATED
    return None


# -- .gitattributes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Rule:
    base: str  # the folder of its .gitattributes, "" or ending in "/"
    regex: re.Pattern[str]
    everything_below: bool  # the pattern ends in "**": matching a folder matches its files
    # (attribute, True: set, False: unset, None: unspecified)
    values: tuple[tuple[str, bool | None], ...]


_LINGUIST = ("linguist-generated", "linguist-vendored")


def _parse_attribute(token: str) -> tuple[str, bool | None] | None:
    if token.startswith(("-", "!")):
        name, value = token[1:], (False if token[0] == "-" else None)
    elif "=" in token:
        name, _, raw = token.partition("=")
        value = raw.lower() not in ("false", "0", "no", "off")
    else:
        name, value = token, True
    return (name, value) if name in _LINGUIST else None


class Attributes:
    """The ``linguist-generated`` and ``linguist-vendored`` attributes of the repository's
    ``.gitattributes`` files, as git applies them: patterns relative to their file's folder,
    deeper files and later lines winning, ``dir/`` patterns matching no file (``dir/**`` does)."""

    def __init__(self, rules: list[_Rule]) -> None:
        self.rules = rules

    @classmethod
    def parse(cls, files: Mapping[str, str]) -> Attributes:
        """From ``{path of a .gitattributes: its text}``."""
        import pathspec

        rules: list[_Rule] = []
        # Shallow files first: a deeper file's lines come later and win.
        for path in sorted(files, key=lambda p: (p.count("/"), p)):
            base = path.rpartition("/")[0]
            base = f"{base}/" if base else ""
            for line in files[path].splitlines():
                line = line.strip()
                if not line or line.startswith(("#", "[attr]")):
                    continue
                pattern, *tokens = line.split()
                values = tuple(v for v in map(_parse_attribute, tokens) if v is not None)
                if not values or pattern.startswith("!"):  # negative patterns are forbidden
                    continue
                if pattern.startswith('"') and pattern.endswith('"') and len(pattern) > 1:
                    pattern = pattern[1:-1]
                try:
                    compiled = pathspec.GitIgnoreSpec.from_lines([pattern]).patterns
                except (ValueError, TypeError):
                    continue
                regex = getattr(compiled[0], "regex", None) if compiled else None
                if regex is None:
                    continue
                rules.append(_Rule(base, regex, pattern.endswith("**"), values))
        return cls(rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def of(self, path: str) -> dict[str, bool | None]:
        """The linguist attributes git would give ``path`` (absent: not mentioned)."""
        out: dict[str, bool | None] = {}
        for rule in self.rules:
            if rule.base and not path.startswith(rule.base):
                continue
            rel = path[len(rule.base):]
            m = rule.regex.match(rel)
            if m is None:
                continue
            # A pattern matching a folder the file is in does not match the file (git
            # attributes, unlike ignores), unless it says "everything below" (``dir/**``).
            if not rule.everything_below and (
                    m.end() != len(rel) or m.groupdict().get("ps_d") is not None):
                continue
            for name, value in rule.values:
                if value is None:
                    out.pop(name, None)
                else:
                    out[name] = value
        return out


def read_attributes(root: Path | str, paths: Iterable[str]) -> Attributes:
    """The :class:`Attributes` of the ``.gitattributes`` among ``paths`` (indexed files), read
    only when their real location is inside the workspace."""
    from analyzers.confine import read_bytes_inside

    texts: dict[str, str] = {}
    for p in paths:
        if p == ".gitattributes" or p.endswith("/.gitattributes"):
            data = read_bytes_inside(root, p, 1 << 20)
            if data is not None:
                texts[p] = data.decode("utf-8", "replace")
    return Attributes.parse(texts)


# -- the verdict ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str
    by_attribute: bool  # marked in .gitattributes (else found by linguist's rules)

    @property
    def reason(self) -> str:
        if self.by_attribute:
            return f"{self.kind} ({_ATTRIBUTE[self.kind]} in .gitattributes; demoted)"
        noun = "lock file" if self.kind == LOCK else f"{self.kind} file"
        return f"{noun} (demoted)"


def classify(path: str, stored: str | None, attributes: Attributes | None = None
             ) -> Verdict | None:
    """What ``path`` is: its kind by name, else by content (``stored`` at index time), with the
    repository's ``.gitattributes`` overriding both; None for the repository's own code."""
    kind = path_kind(path) or stored
    attrs = attributes.of(path) if attributes else {}
    if attrs.get("linguist-generated"):
        return Verdict(kind if kind in (LOCK, GENERATED) else GENERATED, True)
    if attrs.get("linguist-vendored"):
        return Verdict(kind if kind in (VENDORED, MINIFIED) else VENDORED, True)
    if kind is None or attrs.get(_ATTRIBUTE[kind]) is False:
        return None
    return Verdict(kind, False)


# -- in the ranking graph -------------------------------------------------------------------------

_CODES = {kind: i + 1 for i, kind in enumerate(KINDS)}
_BY_ATTRIBUTE = 8  # added to a kind's code when .gitattributes marked the file


def codes(root: Path | str, files: list[str], stored: Mapping[str, str],
          before: np.ndarray | None = None, rows: Sequence[int] = ()) -> np.ndarray:
    """Each file's verdict as a small integer (0: the repository's own code), for the graph.
    With ``before`` (the codes of the same files before some changed), only ``rows`` are
    classified again, unless one of them is a ``.gitattributes`` (then every file is)."""
    import numpy as np

    attributes = read_attributes(root, files)
    again: Iterable[int] = range(len(files))
    if before is not None and not any(files[r].rpartition("/")[2] == ".gitattributes"
                                      for r in rows):
        out = before.astype(np.int8, copy=True)
        again = rows
    else:
        out = np.zeros(len(files), dtype=np.int8)
    for row in again:
        path = files[row]
        v = classify(path, stored.get(path), attributes)
        if v is not None:
            out[row] = _CODES[v.kind] + (_BY_ATTRIBUTE if v.by_attribute else 0)
    return out


def verdict(code: int) -> Verdict | None:
    if not code:
        return None
    return Verdict(KINDS[(code & (_BY_ATTRIBUTE - 1)) - 1], bool(code & _BY_ATTRIBUTE))


def demotion(g: RepoGraph) -> np.ndarray:
    """Per file of the graph, the factor its ranking score is multiplied by (1.0 for code)."""
    import numpy as np

    table = np.ones(2 * _BY_ATTRIBUTE, dtype=np.float64)
    for kind, code in _CODES.items():
        table[code] = table[code + _BY_ATTRIBUTE] = FACTOR[kind]
    return table[np.asarray(g.file_kinds, dtype=np.int64)]


def add_reasons(g: RepoGraph, results: Iterable[RankedFile]) -> None:
    """Say why a demoted file ranks lower: "lock file (demoted)", "vendored
    (linguist-vendored in .gitattributes; demoted)"."""
    kinds = g.file_kinds
    for rf in results:
        v = verdict(int(kinds[g.file_index[rf.path]]))
        if v is not None:
            rf.reasons.append(v.reason)


# -- tests and prose (ranking demotes them for a task alone) ------------------------------------

_TEST_NAME = re.compile(
    r"^(test_.*\.py|.*_test\.\w+|.*\.(test|spec)\.\w+|.*Test\.\w+|.*_spec\.rb)$")

_PROSE_EXT = frozenset({"md", "mdx", "rst", "txt", "adoc", "markdown", "rdoc", "org"})
_PROSE_DIRS = frozenset({"doc", "docs", "documentation", "site", "website", "man"})


def is_doc_file(path: str) -> bool:
    """Prose: Markdown, reStructuredText and the like, or anything under a docs folder."""
    folder, _, base = path.rpartition("/")
    if base.rpartition(".")[2].lower() in _PROSE_EXT and "." in base:
        return True
    return any(part.lower() in _PROSE_DIRS for part in folder.split("/")) if folder else False


# Folders whose files are tests: ``test/`` too (express's ``test/res.location.js``, Ruby,
# Maven's ``src/test/``), and RSpec's ``spec/``.
TEST_DIRS = ("/tests/", "/test/", "/__tests__/", "/spec/")


def is_test_file(path: str) -> bool:
    """A test: named as one (``test_x.py``, ``x_test.go``, ``x.spec.ts``, ``XTest.java``...) or
    under a folder of :data:`TEST_DIRS`."""
    base = path.rpartition("/")[2]
    inside = f"/{path}"
    return bool(_TEST_NAME.match(base)) or any(d in inside for d in TEST_DIRS)
