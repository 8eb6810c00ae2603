"""Language detection (extension, then shebang) and the tree-sitter grammars behind each language.

Grammars come from the official per-language wheels; each is loaded lazily, once per process.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tree_sitter import Language, Parser, Query


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    module: str
    function: str = "language"
    tag_sources: tuple[str, ...] = ()  # packages whose queries/tags.scm we load, in order
    extra_query: str | None = None  # our own analyzers/queries/<file>.scm
    identifiers: tuple[str, ...] = ("identifier",)
    locals_query: tuple[str, ...] = ()  # our queries/locals-*.scm: names bound in functions


SPECS: dict[str, LanguageSpec] = {
    "python": LanguageSpec(
        "python", "tree_sitter_python", tag_sources=("tree_sitter_python",),
        extra_query="python.scm", identifiers=("identifier",),
        locals_query=("locals-python.scm",),
    ),
    "javascript": LanguageSpec(
        "javascript", "tree_sitter_javascript", tag_sources=("tree_sitter_javascript",),
        identifiers=("identifier", "property_identifier", "shorthand_property_identifier"),
        locals_query=("locals-ecmascript.scm", "locals-javascript.scm"),
    ),
    "typescript": LanguageSpec(
        "typescript", "tree_sitter_typescript", "language_typescript",
        tag_sources=("tree_sitter_typescript",), extra_query="typescript.scm",
        identifiers=("identifier", "property_identifier", "type_identifier",
                     "shorthand_property_identifier"),
        locals_query=("locals-ecmascript.scm", "locals-typescript.scm"),
    ),
    "tsx": LanguageSpec(
        "tsx", "tree_sitter_typescript", "language_tsx",
        tag_sources=("tree_sitter_typescript",), extra_query="typescript.scm",
        identifiers=("identifier", "property_identifier", "type_identifier",
                     "shorthand_property_identifier"),
        locals_query=("locals-ecmascript.scm", "locals-typescript.scm"),
    ),
    "go": LanguageSpec(
        "go", "tree_sitter_go", tag_sources=("tree_sitter_go",), extra_query="go.scm",
        identifiers=("identifier", "type_identifier", "field_identifier"),
        locals_query=("locals-go.scm",),
    ),
    "rust": LanguageSpec(
        "rust", "tree_sitter_rust", tag_sources=("tree_sitter_rust",), extra_query="rust.scm",
        identifiers=("identifier", "type_identifier", "field_identifier"),
        locals_query=("locals-rust.scm",),
    ),
    "java": LanguageSpec(
        "java", "tree_sitter_java", tag_sources=("tree_sitter_java",), extra_query="java.scm",
        identifiers=("identifier", "type_identifier"),
        locals_query=("locals-java.scm",),
    ),
    "c": LanguageSpec(
        "c", "tree_sitter_c", tag_sources=("tree_sitter_c",), extra_query="c.scm",
        identifiers=("identifier", "type_identifier", "field_identifier"),
        locals_query=("locals-c.scm",),
    ),
    "cpp": LanguageSpec(
        "cpp", "tree_sitter_cpp", tag_sources=("tree_sitter_cpp",), extra_query="cpp.scm",
        identifiers=("identifier", "type_identifier", "field_identifier",
                     "namespace_identifier"),
        locals_query=("locals-c.scm",),
    ),
    "csharp": LanguageSpec(
        "csharp", "tree_sitter_c_sharp", tag_sources=("tree_sitter_c_sharp",),
        extra_query="csharp.scm", identifiers=("identifier",),
    ),
    "ruby": LanguageSpec(
        "ruby", "tree_sitter_ruby", tag_sources=("tree_sitter_ruby",),
        identifiers=("identifier", "constant"),
    ),
    "php": LanguageSpec(
        "php", "tree_sitter_php", "language_php", tag_sources=("tree_sitter_php",),
        identifiers=("name",),
    ),
    "bash": LanguageSpec(
        "bash", "tree_sitter_bash", extra_query="bash.scm",
        identifiers=("command_name", "variable_name"),
    ),
}

EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".cs": "csharp", ".rb": "ruby", ".rake": "ruby", ".php": "php",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash",
    # Languages we index for tokens and history only.
    ".md": "markdown", ".mdx": "markdown", ".rst": "rst", ".txt": "text",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".ini": "ini",
    ".cfg": "ini", ".html": "html", ".htm": "html", ".css": "css", ".scss": "css",
    ".sql": "sql", ".graphql": "graphql", ".proto": "protobuf", ".kt": "kotlin",
    ".swift": "swift", ".scala": "scala", ".lua": "lua", ".vue": "vue", ".svelte": "svelte",
    ".mdc": "markdown", ".xml": "xml", ".dockerfile": "dockerfile",
}

FILENAMES: dict[str, str] = {
    "Makefile": "make", "makefile": "make", "GNUmakefile": "make", "Dockerfile": "dockerfile",
    "Rakefile": "ruby", "Gemfile": "ruby", "Justfile": "just", "justfile": "just",
    ".cursorrules": "markdown", ".windsurfrules": "markdown",
}

_SHEBANG = re.compile(rb"^#!\s*(?:/usr/bin/env\s+(?:-\S+\s+)*)?(?:\S*/)?([A-Za-z0-9_.+-]+)")
_INTERPRETERS = {
    "python": "python", "python3": "python", "python2": "python", "node": "javascript",
    "nodejs": "javascript", "deno": "typescript", "bash": "bash", "sh": "bash", "zsh": "bash",
    "dash": "bash", "ksh": "bash", "ruby": "ruby", "php": "php",
}


def detect(path: str, head: bytes = b"") -> str | None:
    """The language of ``path`` by file name, extension, then the shebang in ``head``."""
    name = path.rsplit("/", 1)[-1]
    if name in FILENAMES:
        return FILENAMES[name]
    dot = name.rfind(".")
    if dot > 0 or (dot == 0 and name.count(".") > 1):
        lang = EXTENSIONS.get(name[dot:].lower())
        if lang:
            return lang
    if head.startswith(b"#!"):
        m = _SHEBANG.match(head.split(b"\n", 1)[0])
        if m:
            interp = m.group(1).decode("ascii", "replace")
            interp = re.sub(r"[0-9.]+$", "", interp) or interp
            return _INTERPRETERS.get(interp) or _INTERPRETERS.get(m.group(1).decode())
    return None


def has_grammar(lang: str | None) -> bool:
    return lang in SPECS


@cache
def language(lang: str) -> Language:
    spec = SPECS[lang]
    module = importlib.import_module(spec.module)
    return Language(getattr(module, spec.function)())


@cache
def parser(lang: str) -> Parser:
    return Parser(language(lang))


def _read_package_query(package: str) -> str:
    try:
        return (resources.files(package) / "queries" / "tags.scm").read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        pass
    # Some wheels (tree-sitter-c-sharp) install their queries beside the package under the
    # distribution's name; find them through the distribution's file list.
    dist = package.replace("_", "-")
    from importlib import metadata  # costs more than a warm query's other imports: only here

    try:
        for f in metadata.files(dist) or []:
            if str(f).endswith("queries/tags.scm"):
                return f.read_text("utf-8")
    except (metadata.PackageNotFoundError, OSError):
        pass
    return ""


def _read_own_query(name: str) -> str:
    return (resources.files("analyzers") / "queries" / name).read_text("utf-8")


@cache
def _tags_source(lang: str) -> str:
    spec = SPECS[lang]
    parts = [_read_package_query(p) for p in spec.tag_sources]
    if spec.extra_query:
        parts.append(_read_own_query(spec.extra_query))
    return "\n".join(p for p in parts if p.strip())


@cache
def tags_query(lang: str) -> Query | None:
    """The tags query for ``lang``: the grammar's own ``tags.scm`` plus ours, if any."""
    source = _tags_source(lang)
    if not source:
        return None
    return Query(language(lang), source)


def _compiles(lg: Language, source: str) -> bool:
    try:
        Query(lg, source)
    except Exception:  # noqa: BLE001 - a node kind absent from this grammar version
        return False
    return True


@cache
def _identifier_patterns(lang: str) -> str:
    lg = language(lang)
    return "\n".join(f"({k}) @ref" for k in SPECS[lang].identifiers
                     if _compiles(lg, f"({k}) @ref"))


@cache
def identifier_query(lang: str) -> Query:
    """A query capturing every identifier-like leaf, for references."""
    return Query(language(lang), _identifier_patterns(lang))


@cache
def references_query(lang: str) -> Query:
    """:func:`identifier_query` and, where we have one, the language's locals query, in one query
    (one walk of the tree): captures ``ref`` plus ``scope``, ``param``, ``local``, ``global``,
    ``pytest`` and ``keyword`` (described in ``queries/locals-python.scm``), read by
    :func:`syntax.parse`."""
    names = SPECS[lang].locals_query
    if not names:
        return identifier_query(lang)
    try:
        return Query(language(lang), "\n".join(
            [_identifier_patterns(lang), *(_read_own_query(n) for n in names)]))
    except Exception:  # noqa: BLE001 - a node kind absent from this grammar version: no scopes
        return identifier_query(lang)


IMPORT_QUERIES: dict[str, str] = {
    "python": """
        (import_statement name: (dotted_name) @import)
        (import_statement name: (aliased_import name: (dotted_name) @import))
        (import_from_statement module_name: (_) @from)
        (import_from_statement module_name: (_) name: (dotted_name) @from_name)
        (import_from_statement module_name: (_)
            name: (aliased_import name: (dotted_name) @from_name))
    """,
    "javascript": """
        (import_statement source: (string (string_fragment) @import))
        (export_statement source: (string (string_fragment) @import))
        (call_expression function: (identifier) @_f
            arguments: (arguments . (string (string_fragment) @import))
            (#eq? @_f "require"))
        (call_expression function: (import)
            arguments: (arguments . (string (string_fragment) @import)))
    """,
    "typescript": """
        (import_statement source: (string (string_fragment) @import))
        (import_require_clause source: (string (string_fragment) @import))
        (export_statement source: (string (string_fragment) @import))
        (call_expression function: (identifier) @_f
            arguments: (arguments . (string (string_fragment) @import))
            (#eq? @_f "require"))
        (call_expression function: (import)
            arguments: (arguments . (string (string_fragment) @import)))
    """,
    "go": """(import_spec path: (interpreted_string_literal) @import)""",
    "rust": """
        (mod_item name: (identifier) @mod !body)
        (use_declaration argument: (_) @use)
    """,
}
IMPORT_QUERIES["tsx"] = IMPORT_QUERIES["typescript"]
# Import statements of the other languages: recorded, and resolved where a path is spelled out.
IMPORT_QUERIES.update({
    "java": """
        (import_declaration [(identifier) (scoped_identifier)] @import .)
        (import_declaration [(identifier) (scoped_identifier)] @package (asterisk))
    """,
    "c": """
        (preproc_include path: (string_literal (string_content) @include))
        (preproc_include path: (system_lib_string) @system_include)
    """,
    "csharp": """(using_directive [(identifier) (qualified_name)] @using .)""",
    "ruby": """
        (call method: (identifier) @_m
            arguments: (argument_list . (string . (string_content) @require .))
            (#any-of? @_m "require" "load"))
        (call method: (identifier) @_m
            arguments: (argument_list . (string . (string_content) @require_relative .))
            (#eq? @_m "require_relative"))
    """,
    "php": """
        (namespace_use_declaration (namespace_use_clause [(name) (qualified_name)] @use))
    """ + "".join(
        f"""
        ({kind} [(string (string_content) @require) (encapsed_string (string_content) @require)
                 (parenthesized_expression [(string (string_content) @require)
                                            (encapsed_string (string_content) @require)])
                 (binary_expression right: [(string (string_content) @require)
                                            (encapsed_string (string_content) @require)])])"""
        for kind in ("require_expression", "require_once_expression", "include_expression",
                     "include_once_expression")
    ),
    "bash": """
        (command name: (command_name) @_c . argument: [(word) (raw_string) (string)] @source
            (#any-of? @_c "source" "."))
    """,
})
IMPORT_QUERIES["cpp"] = IMPORT_QUERIES["c"]


@cache
def import_query(lang: str) -> Query | None:
    source = IMPORT_QUERIES.get(lang)
    if not source:
        return None
    return Query(language(lang), source)


_CAPTURE = re.compile(r"@([A-Za-z_][\w.\-]*)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


@dataclass(frozen=True)
class FactsQuery:
    """The tags, imports and references queries of a language as one query (one walk of the
    tree, read with ``captures``). Tags pattern ``i``'s captures are renamed ``t<i>.<name>`` so
    that its definitions and their names can be paired again; import captures are ``i.<kind>``;
    the references query's keep their names (``ref``, ``scope``, ``param``...)."""

    query: Query
    tag_patterns: tuple[int, ...]  # the enabled tags patterns (those with a definition)
    definitions: dict[int, tuple[str, ...]]  # pattern -> its renamed ``definition.*`` captures
    import_kinds: dict[str, str]  # renamed import capture -> import kind (no ``_`` helpers)


def _renamed(source: str, query: Query, first: int, last: int, prefix: str) -> list[str]:
    """The text of patterns ``first``..``last - 1`` of ``query`` (made from ``source``), each
    capture ``@x`` renamed ``@<prefix>.x`` (``prefix`` may hold ``{i}``, the pattern's index)."""
    raw = source.encode("utf-8")
    out = []
    for i in range(first, last):
        text = raw[query.start_byte_for_pattern(i):query.end_byte_for_pattern(i)].decode("utf-8")
        if any("@" in lit for lit in _STRING.findall(text)):
            raise ValueError("a string holds '@'")  # not renamed safely: no combined query
        out.append(_CAPTURE.sub(f"@{prefix.format(i=i)}.\\1", text))
    return out


@cache
def facts_query(lang: str) -> FactsQuery | None:
    """:func:`tags_and_imports_query` and :func:`references_query` in one query (one walk of the
    tree costs less than two), or None when they cannot be combined (then they run apart)."""
    tags, imports = _tags_source(lang), IMPORT_QUERIES.get(lang, "")
    names = SPECS[lang].locals_query
    refs = "\n".join([_identifier_patterns(lang), *(_read_own_query(n) for n in names)])
    try:
        lg = language(lang)
        if not refs.strip() or (names and not _compiles(lg, refs)):
            return None
        parts: list[str] = []
        tag_count = 0
        if tags.strip():
            tq = Query(lg, tags)
            tag_count = tq.pattern_count
            parts += _renamed(tags, tq, 0, tag_count, "t{i}")
        if imports.strip():
            iq = Query(lg, imports)
            parts += _renamed(imports, iq, 0, iq.pattern_count, "i")
        query = Query(lg, "\n".join([*parts, refs]))
    except Exception:  # noqa: BLE001 - a node kind absent from this grammar version
        return None
    enabled: list[int] = []
    definitions: dict[int, tuple[str, ...]] = {}
    import_kinds: dict[str, str] = {}
    for i in range(query.capture_count):
        name = query.capture_name(i)
        if name.startswith("i.") and not name.startswith("i._"):
            import_kinds[name] = name[2:]
    for i in range(tag_count):
        own = tuple(sorted({m.group(0)[1:] for m in _CAPTURE.finditer(parts[i])}))
        defs = tuple(c for c in own if c.startswith(f"t{i}.definition."))
        if not defs:
            query.disable_pattern(i)  # tags.scm's references: not read
            continue
        enabled.append(i)
        definitions[i] = defs
    return FactsQuery(query, tuple(enabled), definitions, import_kinds)


@cache
def tags_and_imports_query(lang: str) -> tuple[Query | None, int]:
    """The tags patterns followed by the import patterns in one query, and the index of the
    first import pattern: matching both in one walk of the tree costs about what one does."""
    tags, imports = _tags_source(lang), IMPORT_QUERIES.get(lang, "")
    if not tags.strip() and not imports.strip():
        return None, 0
    first_import = Query(language(lang), tags).pattern_count if tags.strip() else 0
    source = f"{tags}\n{imports}"
    query = Query(language(lang), source)
    # tags.scm also tags references (every call, every type use): we read definitions only, so
    # patterns without a @definition capture are switched off rather than matched and dropped.
    raw = source.encode("utf-8")
    for i in range(first_import):
        pattern = raw[query.start_byte_for_pattern(i):query.end_byte_for_pattern(i)]
        if b"@definition." not in pattern:
            query.disable_pattern(i)
    return query, first_import
