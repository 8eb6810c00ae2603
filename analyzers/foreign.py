"""The names a file binds to modules that are not the repository's own, by its imports.

A use of such a name (``dumps`` after ``from json import dumps``, ``http.Handler``,
``cobra.Command`` of a third-party Go module, ``render`` imported from ``'react'``) is of that
module's definition, never of the repository's own definition of the same name:
:func:`analyzers.syntax.parse` keeps it a word of the file but no reference. Standard libraries
are known here (Go's standard packages, Python's ``sys.stdlib_module_names``, Rust's ``std``,
``core`` and ``alloc``, Node's built-in modules); third-party modules need the repository's
:class:`Workspace` (its go.mod modules, its package.json dependencies and packages, its
tsconfig aliases, its Cargo.toml and Python dependencies).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node, QueryCursor

from analyzers import languages


@dataclass(frozen=True, slots=True)
class Workspace:
    """What a repository says of its own modules and those it depends on.

    ``go_modules``: the module paths of its go.mod files (an import path under none of them,
    nor standard, is a third party's; with none, no Go import is judged one). ``js_external``:
    the packages its package.json files depend on that are none of its own packages (an import
    of one of them, or of a Node built-in, is no use of the repository's code).
    ``python_external``: the distributions its pyproject.toml and requirements files depend on,
    as import names (``typing-extensions``: ``typing_extensions``), that no folder or module of
    the repository is called (a distribution imported by another name, ``PyYAML`` as
    ``yaml``, is not known). ``js_own``: with a package.json, the bare specifiers that are the
    repository's own (:meth:`js_own_specifier`): any other is a package's, listed or not.
    ``rust_external``: the crates its Cargo.toml files depend on (as code names them,
    ``serde-json``: ``serde_json``) that are none of its own crates nor a path in it.
    """

    go_modules: tuple[str, ...] = ()
    js_external: frozenset[str] = frozenset()
    python_external: frozenset[str] = frozenset()
    js_own: JsOwn | None = None
    rust_external: frozenset[str] = frozenset()

    def fingerprint(self) -> str:
        """A digest of the contents: files parsed under another are parsed again."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> str:
        own = self.js_own
        return json.dumps({
            "go": list(self.go_modules), "js": sorted(self.js_external),
            "py": sorted(self.python_external), "rust": sorted(self.rust_external),
            "js_own": None if own is None else [sorted(own.packages), sorted(own.roots),
                                                sorted(own.aliases)]})

    @classmethod
    def from_json(cls, text: str) -> Workspace | None:
        """The workspace :meth:`to_json` wrote, or None for anything else."""
        try:
            d = json.loads(text)
            own = d["js_own"]
            return cls(tuple(map(str, d["go"])), frozenset(map(str, d["js"])),
                       frozenset(map(str, d["py"])),
                       None if own is None else JsOwn(*(frozenset(map(str, x)) for x in own)),
                       frozenset(map(str, d["rust"])))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def js_own_specifier(self, spec: str, package: str) -> bool:
        """Whether a bare specifier (of ``package``) is the repository's own: always without a
        package.json (nothing is known); else when it names one of its packages, matches a
        tsconfig or jsconfig ``paths`` alias, or starts with a folder or module found where
        such a specifier may resolve (:class:`JsOwn`'s ``roots``), ``@`` before it or not."""
        own = self.js_own
        if own is None or package in own.packages:
            return True
        head = spec.split("/", 1)[0]
        # ``utils/strings`` and, aliased by a bundler or a framework, ``@utils/strings`` or
        # ``@theme/Navbar`` (Docusaurus's swizzled src/theme/Navbar) where such a folder is.
        if head in own.roots or head + "/" in own.roots \
                or head[:1] == "@" and head[1:] + "/" in own.roots and head != "@types":
            return True
        return any(spec.startswith(a[:-1]) if a.endswith("*") else spec == a
                   for a in own.aliases)


@dataclass(frozen=True, slots=True)
class JsOwn:
    """The bare specifiers a JavaScript or TypeScript repository resolves itself:
    ``packages``, the names of its package.json files (workspace packages, the repository's
    own name); ``roots``, the folders (``utils/``) and modules (``utils`` of ``utils.ts``) at
    the root, in ``src/``, in each package.json's folder and its ``src/`` and in each
    tsconfig's ``baseUrl``; ``aliases``, its tsconfig and jsconfig ``paths`` keys
    (``@app/*``)."""

    packages: frozenset[str] = frozenset()
    roots: frozenset[str] = frozenset()
    aliases: frozenset[str] = frozenset()


NO_WORKSPACE = Workspace()


def _manifest_kind(path: str) -> str | None:
    """What manifest ``path`` is (``go``, ``js``, ``tsconfig``, ``python``, ``rust``), or None
    for another file. Cheap tests first: every file of every warm start passes here."""
    base = path[path.rfind("/") + 1:]
    if base.endswith(".json"):
        if base == "package.json" or "config" in base and _TSCONFIG.fullmatch(base):
            return None if "node_modules/" in path else "js" if base == "package.json" \
                else "tsconfig"
        return None
    if base == "go.mod":
        return "go"
    if base == "Cargo.toml":
        return "rust"
    if base == "pyproject.toml" or "requirements" in path and (
            _REQUIREMENTS.fullmatch(base) or _REQUIREMENTS_FOLDER.search(path)
            and base.endswith((".txt", ".in"))):
        return "python"
    return None


def workspace_key(entries: Iterable[tuple[str, int, int]]) -> str:
    """A digest of what :func:`workspace_of` reads, from the walk's (path, size, mtime)
    entries: the manifests' stats and, with a Python or JavaScript manifest, the names of the
    files (Python's folders and modules are its own; so are JavaScript's at the root, in
    ``src/`` or a ``baseUrl``). The same key, the same workspace: a warm start reads no
    manifest."""
    stats: list[tuple[str, int, int]] = []
    paths: list[str] = []  # in the walk's order: another order only costs a reading
    kinds: set[str] = set()
    for path, size, mtime in entries:
        paths.append(path)
        kind = _manifest_kind(path)
        if kind is not None:
            kinds.add(kind)
            stats.append((path, size, mtime))
    stats.sort()
    names = kinds & {"python", "js", "tsconfig"}
    text = repr(stats) + ("\n".join(paths) if names else "")
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]

# Go's standard packages are those whose path starts with one of these.
_GO_STD = frozenset("""
    archive bufio builtin bytes cmp compress container context crypto database debug embed
    encoding errors expvar flag fmt go hash html image index io iter log maps math mime net os
    path plugin reflect regexp runtime slices sort strconv strings structs sync syscall testing
    text time unicode unique unsafe weak C""".split())
# Node's built-in modules (also reached as ``node:<name>``).
_NODE_BUILTINS = frozenset("""
    assert async_hooks buffer child_process cluster console constants crypto dgram
    diagnostics_channel dns domain events fs http http2 https inspector module net os path
    perf_hooks process punycode querystring readline repl stream string_decoder sys timers tls
    trace_events tty url util v8 vm wasi worker_threads zlib""".split())
# (``test``, ``sqlite`` and ``sea`` exist only as ``node:test``...: a bare ``test/helpers`` may
# be the repository's own folder, by a tsconfig ``baseUrl``.)
CAPTURES = {"go": ("i.import",), "python": ("i.import", "i.from_name"), "rust": ("i.use",),
            "javascript": ("i.import",), "typescript": ("i.import",), "tsx": ("i.import",)}
# Rust's standard crates: a path may start with them without a ``use``.
_RUST_STD = (b"std", b"core", b"alloc")
_USE_TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*|::|[{},*]")
_IDENT = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_GO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Foreign:
    """What of a file is reached through modules not the repository's own: the ``names`` its
    imports bind (:func:`names`), and the start bytes of the ``members`` named right on a
    foreign module (``render`` of ``require('react-dom').render(...)``), and the start bytes of
    the ``bindings`` that bind a foreign module inside a function."""

    names: frozenset[bytes] = frozenset()
    members: frozenset[int] = frozenset()
    # The start bytes of the locals bound to a foreign module inside a function (``m`` of
    # ``const m = await import('x')``, of ``import('x').then((m) => ...)``): no local of ours.
    bindings: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.names or self.members)


NOTHING_FOREIGN = Foreign()


def names(lang: str, caps: dict[str, list[Node]], root: Node, combined: bool,
          workspace: Workspace) -> Foreign:
    """The names a file binds to modules not the repository's own by its imports: Go's package
    names (an alias, else the path's last element: ``net/http`` binds ``http``), Python's
    ``import x`` (``x``, or the alias) and ``from x import y`` (``y``) of a standard module
    ``x``, Rust's ``use std::...``, JavaScript's and TypeScript's imported names of a
    dependency or built-in module (``import fs = require('fs')``; ``const join =
    require('path').join``: ``join``, and the member itself)."""
    if combined:
        nodes = [n for cap in CAPTURES[lang] for n in caps.get(cap, ())]
    else:  # the tags and imports were matched apart: the import nodes once more
        query = languages.import_query(lang)
        found = QueryCursor(query).captures(root) if query is not None else {}
        nodes = [n for cap in CAPTURES[lang] for n in found.get(cap[2:], ())]
    out: set[bytes] = set()
    members: set[int] = set()
    bindings: set[int] = set()
    if lang == "rust":
        crates = frozenset((*_RUST_STD, *(c.encode("utf-8") for c in workspace.rust_external)))
        out.update(crates)
        for node in nodes:
            out.update(_rust_std_bindings(node, crates, members))
    elif lang == "go":
        for node in nodes:
            out.update(_go_bindings(node, workspace))
    elif lang == "python":
        for node in nodes:
            out.update(_python_bindings(node, workspace))
    else:
        for node in nodes:
            out.update(_js_bindings(node, workspace, members, bindings))
    return Foreign(frozenset(out), frozenset(members), frozenset(bindings))


def _rust_std_bindings(node: Node, crates: frozenset[bytes], members: set[int]) -> list[bytes]:
    """The names a Rust ``use`` (``node``, its argument) of the standard or the dependencies'
    ``crates`` binds (``std::{fmt, io::{self, Read}}``: ``fmt``, ``io``, ``Read``;
    ``std::io::Result as IoResult``: ``IoResult``; ``serde::Serialize``: ``Serialize``); none
    for the crate's own. The start bytes of every name in such a ``use`` go to ``members``: the
    crate's, whether bound or not (``Deserialize`` of ``serde::{Deserialize as De}``,
    ``Serializer`` of ``serde::{ser::Serializer}``)."""
    found = list(_USE_TOKEN.finditer(node.text or b""))
    tokens = [m.group(0) for m in found]
    if tokens[:1] == [b"::"]:
        tokens, found = tokens[1:], found[1:]
    if not tokens or tokens[0] not in crates:
        return []
    members.update(node.start_byte + m.start() for m in found if m.group(0)[0] in _IDENT)
    out: list[bytes] = []
    stack: list[bytes | None] = []  # the segment before each open brace
    last: bytes | None = None
    it = iter(tokens)
    for tok in it:
        if tok == b"{":
            stack.append(last)
            last = None
        elif tok in (b",", b"}"):
            if last is not None:
                out.append(last)
            last = None
            if tok == b"}" and stack:
                stack.pop()
        elif tok == b"as":
            last = next(it, None)
        elif tok == b"self":
            last = stack[-1] if stack else None
        elif tok == b"*":
            last = None
        elif tok != b"::":
            last = tok
    if last is not None:
        out.append(last)
    return [n for n in out if n != b"_"]


def _go_foreign(path: str, workspace: Workspace) -> bool:
    """Whether a Go import path is a standard package's, or (the workspace's modules known) a
    third party's: under none of the workspace's go.mod modules."""
    if path.split("/", 1)[0] in _GO_STD:
        return True
    mods = workspace.go_modules
    return bool(mods) and not any(path == m or path.startswith(m + "/") for m in mods)


def _go_bindings(path_node: Node, workspace: Workspace) -> list[bytes]:
    """The names a Go ``import_spec`` of a standard or third-party package may bind (an alias,
    else the package's name: the path's last element, a major version ``/v2`` or ``.v3`` and a
    ``go-`` or ``-go`` left out, ``github.com/mattn/go-isatty``: ``isatty``); none for the
    workspace's own package, a ``.`` or ``_`` import."""
    path = (path_node.text or b"").strip(b'"`').decode("utf-8", "replace")
    if not _go_foreign(path, workspace):
        return []
    spec = path_node.parent
    alias = spec.child_by_field_name("name") if spec is not None else None
    if alias is not None:
        return [alias.text] if alias.type == "package_identifier" and alias.text else []
    parts = path.split("/")
    last = parts[-1]
    if len(parts) > 1 and last[:1] == "v" and last[1:].isdigit():  # math/rand/v2
        last = parts[-2]
    last = re.sub(r"\.v\d+$", "", last)  # gopkg.in/yaml.v3
    cands = {last, last.removeprefix("go-"), last.removesuffix("-go"), last.removesuffix(".go"),
             last.replace("-", "_"), last.rsplit("-", 1)[-1], last.rsplit(".", 1)[0]}
    return [c.encode("utf-8") for c in cands if _GO_NAME.fullmatch(c)]


def _python_bindings(node: Node, workspace: Workspace) -> list[bytes]:
    """The names a Python import of a standard or third-party module binds (``import
    os.path``: ``os``; ``import json as j``: ``j``; ``from collections import abc``: ``abc``;
    ``from json import dumps as d``: ``d``, and ``dumps``, the module's name in the
    statement)."""
    parent = node.parent
    if parent is None:
        return []
    alias = parent.child_by_field_name("alias") if parent.type == "aliased_import" else None
    statement = parent.parent if alias is not None else parent
    if statement is None:
        return []
    dotted = node.text or b""
    from_module = statement.type == "import_from_statement"
    if from_module:
        module = statement.child_by_field_name("module_name")
        if module is None or module.type != "dotted_name":
            return []  # relative: the repository's own
        dotted = module.text or b""
    top = dotted.split(b".", 1)[0].decode("utf-8", "replace")
    if top not in sys.stdlib_module_names and top.lower() not in workspace.python_external:
        return []
    name = node.text or b""
    own = name if from_module else name.split(b".", 1)[0]
    return [own, alias.text] if alias is not None and alias.text else [own]


def js_package(spec: str) -> str | None:
    """The package a bare JavaScript module specifier names (``react-dom/client``:
    ``react-dom``, ``@scope/pkg/x``: ``@scope/pkg``), or None for a relative, absolute or
    aliased one (``./x``, ``/x``, ``@/x``, ``~/x``, ``#x``)."""
    if not spec or spec[0] in "./~#" or spec.startswith("@/"):
        return None
    parts = spec.split("/")
    if spec.startswith("@"):
        return "/".join(parts[:2]) if len(parts) > 1 and parts[1] else None
    return parts[0]


def _js_foreign(spec: str, workspace: Workspace) -> bool:
    """Whether a JavaScript module specifier names a Node built-in, a package the workspace
    depends on that is none of its own, or (a package.json known) any bare specifier the
    workspace does not resolve itself (:meth:`Workspace.js_own_specifier`)."""
    if spec.startswith("node:"):
        return True
    package = js_package(spec)
    if package is None:
        return False
    if package in _NODE_BUILTINS or package in workspace.js_external:
        return True
    # Unlisted (a transitive one, a global, a forgotten entry): a package still, unless the
    # repository resolves it itself.
    return not workspace.js_own_specifier(spec, package)


def _js_bindings(fragment: Node, workspace: Workspace, members: set[int],
                 bindings: set[int]) -> list[bytes]:
    """The names an ``import ... from 'pkg'``, ``import x = require('pkg')``, ``const ... =
    require('pkg')`` or ``await import('pkg')`` of a foreign module binds: the default, the
    namespace, each named import (its alias when it has one), the destructured names of a
    ``require``, the name given to a member of one (``var resolve =
    require('node:path').resolve``), the parameter of ``import('pkg').then((m) => ...)``. The
    start bytes of the members named on a ``require`` (``require('lodash').debounce``) go to
    ``members``, those of the names a ``require`` or an ``import()`` binds to ``bindings``."""
    if not _js_foreign((fragment.text or b"").decode("utf-8", "replace"), workspace):
        return []
    string = fragment.parent
    holder = string.parent if string is not None else None
    if holder is None:
        return []
    if holder.type == "import_statement":
        out: list[bytes] = []
        for clause in holder.named_children:
            if clause.type == "import_clause":
                _js_clause_names(clause, out)
        return out
    if holder.type == "import_require_clause":  # TypeScript's ``import fs = require('fs')``
        return [c.text for c in holder.named_children if c.type == "identifier" and c.text]
    if holder.type != "arguments" or holder.parent is None:
        return []
    value = _js_module_value(holder.parent, members)
    target = _js_then_parameter(value)
    if target is None:
        declarator = value.parent
        if declarator is None or declarator.type != "variable_declarator":
            return []
        target = declarator.child_by_field_name("name")
    found = _js_pattern_names(target, members) if target is not None else []
    bindings.update(n.start_byte for n in found)
    return [n.text for n in found if n.text]


def _js_pattern_names(name: Node, members: set[int]) -> list[Node]:
    """The identifiers a binding target (``m``, ``{ debounce, throttle: wait }``) binds; the
    start bytes of the module's members it names (``throttle``) go to ``members``."""
    if name.type == "required_parameter":  # TypeScript's ``(m: Mod) => ...``
        pattern = name.child_by_field_name("pattern")
        if pattern is None:
            return []
        name = pattern
    if name.type == "identifier":
        return [name]
    if name.type != "object_pattern":
        return []
    # ``const { debounce: wait } = require('lodash')``: ``debounce`` is the module's member.
    members.update(k.start_byte for p in name.named_children if p.type == "pair_pattern"
                   for k in (p.child_by_field_name("key"),) if k is not None)
    return [n for n in name.named_children if n.type == "shorthand_property_identifier_pattern"
            ] + [v for p in name.named_children if p.type == "pair_pattern"
                 for v in (p.child_by_field_name("value"),) if v is not None
                 and v.type == "identifier"]


def _js_then_parameter(value: Node) -> Node | None:
    """The first parameter of the function given to ``.then`` of a dynamic import (``value``,
    ``import('x')``): ``m`` of ``import('x').then((m) => m.load())``, or None."""
    outer = value.parent
    if value.type != "call_expression" or outer is None or outer.type != "member_expression":
        return None
    prop = outer.child_by_field_name("property")
    call = outer.parent
    if prop is None or prop.text != b"then" or call is None or call.type != "call_expression":
        return None
    args = call.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_children else None
    if first is None or first.type not in ("arrow_function", "function_expression", "function"):
        return None
    param = first.child_by_field_name("parameter")  # ``m => ...``
    if param is not None:
        return param
    params = first.child_by_field_name("parameters")
    return params.named_children[0] if params is not None and params.named_children else None


def _js_module_value(value: Node, members: set[int]) -> Node:
    """The outermost expression reached from a ``require(...)`` call (``value``) that is still
    the module's: ``require('lodash').debounce``, ``require('lodash')['debounce']``,
    ``require('debug')('app')``, ``await import('x')``; the start bytes of the members named
    on the way go to ``members``."""
    while value.parent is not None:
        outer = value.parent
        if outer.type == "member_expression":
            prop = outer.child_by_field_name("property")
            if prop is None or prop.type != "property_identifier":
                break
            members.add(prop.start_byte)
            if prop.text == b"then":
                break  # ``import('x').then(...)``: a promise's (:func:`_js_then_parameter`)
        elif outer.type in ("subscript_expression", "call_expression"):
            held = outer.child_by_field_name("object" if outer.type == "subscript_expression"
                                             else "function")
            if held is None or held.start_byte != value.start_byte \
                    or held.end_byte != value.end_byte:
                break
        elif outer.type not in ("await_expression", "parenthesized_expression"):
            break
        value = outer
    return value


def _js_clause_names(clause: Node, out: list[bytes]) -> None:
    """The local names an ``import_clause`` binds, added to ``out``."""
    for child in clause.named_children:
        if child.type == "identifier":  # the default import
            out.append(child.text or b"")
        elif child.type == "namespace_import":
            out.extend(c.text or b"" for c in child.named_children if c.type == "identifier")
        elif child.type == "named_imports":
            for spec in child.named_children:
                if spec.type != "import_specifier":
                    continue
                # The local name, and the module's (``useState as use``: both no use of ours).
                out.extend(n.text for n in (spec.child_by_field_name("name"),
                                            spec.child_by_field_name("alias"))
                           if n is not None and n.text)


def chain_head(source: bytes, start: int, raw: bytes) -> tuple[bytes, int] | None:
    """The first name of the chain of names the identifier ``raw`` at byte ``start`` ends, and
    where it starts: ``raw`` itself when it follows no ``.`` or ``::`` (``dumps``), else the
    chain's first name (``http`` of ``http.Handler``, ``os`` of ``os.path.join``, ``io`` of
    Rust's ``io::Error``). None for a member of a value (``f().x``, ``a[0].x``). Read from the
    bytes: a chain is identifiers and dots (or ``::``) only."""
    before = source[start - 1:start] if start else b""
    if before == b":":
        if source[start - 2:start] != b"::":
            return None
        sep = b"::"
    elif before == b".":
        sep = b"."
    else:
        return raw, start
    n = len(sep)
    j = start - n  # the separator
    while True:
        k = j
        while k > 0 and source[k - 1] in _IDENT:
            k -= 1
        if k == j:
            return None  # ``f().x``, ``a[0].x``: a value's member
        if k >= n and source[k - n:k] == sep:  # another: go on to the chain's first name
            j = k - n
            continue
        return source[k:j], k


_DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "peerDependencies",
                      "optionalDependencies")
_MANIFEST_MAX = 1 << 20  # a manifest larger than this is read for nothing


def _read_manifest(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MANIFEST_MAX:
            return None
        return path.read_text("utf-8", "replace")
    except OSError:
        return None


@dataclass
class _Read:
    """What :func:`workspace_of` gathers, manifest by manifest."""

    modules: set[str]
    js_names: set[str]
    js_deps: set[str]
    js_manifest: bool = False
    aliases: set[str] | None = None
    base_dirs: set[str] | None = None
    rust_names: set[str] | None = None
    rust_deps: set[str] | None = None


def workspace_of(root: Path, files: Iterable[str]) -> Workspace:
    """The :class:`Workspace` of the repository at ``root`` whose (indexed) ``files`` these
    are: the ``module`` line of each go.mod, the name and the dependencies of each
    package.json (outside node_modules), the ``paths`` and ``baseUrl`` of each tsconfig or
    jsconfig, the packages and dependencies of each Cargo.toml, the Python dependencies of
    pyproject.toml and requirements files. A manifest that cannot be read counts for
    nothing."""
    read = _Read(set(), set(), set(), aliases=set(), base_dirs={"", "src"}, rust_names=set(),
                 rust_deps=set())
    py_deps: set[str] = set()
    py_dirs: set[str] = set()  # the folders of Python files, and their modules' names:
    py_local: set[str] = set()  # what an import of the repository's own may start with
    paths: list[str] = []
    for f in files:
        paths.append(f)
        slash = f.rfind("/")
        base = f[slash + 1:]
        if base.endswith((".py", ".pyi")):
            py_dirs.add(f[:slash])
            py_local.add(base[:base.rfind(".")].lower())
            continue
        kind = _manifest_kind(f)
        if kind is None:
            continue
        # A test's sample project depends on "foo": no dependency of ours.
        fixture = not _FIXTURES.isdisjoint(f.split("/")[:-1])
        if kind == "python":
            if not fixture:
                py_deps.update(_python_requirements(root / f, base))
            continue
        text = _read_manifest(root / f)
        if text is not None:
            _read_one(kind, f, text, fixture, read)
    if py_deps:
        py_local.update(p.lower() for d in py_dirs for p in d.split("/"))
    assert read.rust_deps is not None and read.rust_names is not None
    return Workspace(tuple(sorted(read.modules, key=lambda m: (-len(m), m))),
                     frozenset(read.js_deps - read.js_names), frozenset(py_deps - py_local),
                     _js_own(read, paths) if read.js_manifest else None,
                     frozenset(read.rust_deps - read.rust_names))


def _read_one(kind: str, path: str, text: str, fixture: bool, read: _Read) -> None:
    """What one go.mod, package.json, tsconfig or Cargo.toml (``kind``) says, into ``read``."""
    if kind == "go":
        m = re.search(r"^module\s+(\S+)", text, re.M)
        if m:
            read.modules.add(m.group(1).strip('"'))
    elif kind == "rust":
        assert read.rust_names is not None and read.rust_deps is not None
        _cargo(text, fixture, read.rust_names, read.rust_deps)
    elif kind == "tsconfig":
        _tsconfig(path, text, read)
    else:
        try:
            manifest = json.loads(text)
        except (ValueError, RecursionError):
            return
        if not isinstance(manifest, dict):
            return
        read.js_manifest = True
        folder = path.rpartition("/")[0]  # a package's folders and modules, and its src/'s
        assert read.base_dirs is not None
        read.base_dirs.update((folder, f"{folder}/src" if folder else "src"))
        if isinstance(manifest.get("name"), str):
            read.js_names.add(manifest["name"])
        for key in () if fixture else _DEPENDENCY_FIELDS:
            listed = manifest.get(key)
            if isinstance(listed, dict):
                read.js_deps.update(k for k in listed if isinstance(k, str))


# A string (kept), or a comment: an unclosed one ends the text (no scan again from each ``/*``).
_JSONC = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?(?:\*/|\Z)', re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _tsconfig(path: str, text: str, read: _Read) -> None:
    """A tsconfig's or jsconfig's ``compilerOptions.paths`` keys and ``baseUrl`` folder (from the
    repository's root), into ``read``; it may hold comments and trailing commas."""
    text = _TRAILING_COMMA.sub(r"\1", _JSONC.sub(lambda m: m.group(1) or "", text))
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return
    options = doc.get("compilerOptions") if isinstance(doc, dict) else None
    if not isinstance(options, dict):
        return
    assert read.aliases is not None and read.base_dirs is not None
    aliases = options.get("paths")
    if isinstance(aliases, dict):
        read.aliases.update(k for k in aliases if isinstance(k, str) and k not in ("*", ""))
    base_url = options.get("baseUrl")
    if isinstance(base_url, str):
        parts: list[str] = []
        for part in (path.rpartition("/")[0] + "/" + base_url).split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        read.base_dirs.add("/".join(parts))


def _js_own(read: _Read, paths: list[str]) -> JsOwn:
    """The bare specifiers the repository resolves itself (:class:`JsOwn`)."""
    assert read.base_dirs is not None and read.aliases is not None
    bases = read.base_dirs
    roots: set[str] = set()
    for p in paths:
        if "node_modules/" in p:
            continue
        parts = p.split("/")
        prefix = ""
        for i, part in enumerate(parts):
            if prefix in bases:
                roots.add(part + "/" if i < len(parts) - 1 else part.split(".", 1)[0])
            prefix = f"{prefix}/{part}" if prefix else part
    roots.discard("")
    roots.discard("/")
    return JsOwn(frozenset(read.js_names), frozenset(roots), frozenset(read.aliases))


_CARGO_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


def _cargo(text: str, fixture: bool, names: set[str], deps: set[str]) -> None:
    """A Cargo.toml's crates, as code names them (``-`` as ``_``): its ``[package]`` and
    ``[lib]`` names and its path dependencies into ``names``, the others it depends on
    (``[dependencies]``, dev-, build-, per target, ``[workspace.dependencies]``) into
    ``deps``."""
    import tomllib

    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return
    for key in ("package", "lib"):
        table = doc.get(key)
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            names.add(table["name"].replace("-", "_"))
    tables = [doc.get(t) for t in _CARGO_TABLES]
    workspace = doc.get("workspace")
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies"))
    targets = doc.get("target")
    if isinstance(targets, dict):
        tables.extend(t.get(k) for t in targets.values() if isinstance(t, dict)
                      for k in _CARGO_TABLES)
    for table in tables:
        if not isinstance(table, dict):
            continue
        for name, spec in table.items():
            crate = name.replace("-", "_")
            if isinstance(spec, dict) and "path" in spec:
                names.add(crate)  # the repository's own crate
            elif not fixture:
                deps.add(crate)


# Folders of tests' sample projects: their manifests' dependencies are not the repository's.
_FIXTURES = frozenset({"test", "tests", "testdata", "fixtures", "__fixtures__", "__tests__",
                       "testing"})
# requirements.txt, requirements-dev.txt, dev-requirements.in; any in a requirements/ folder.
_REQUIREMENTS = re.compile(r"(?:[\w.-]*[-_.])?requirements[\w.-]*\.(?:txt|in)")
_REQUIREMENTS_FOLDER = re.compile(r"(?:^|/)requirements/")
_TSCONFIG = re.compile(r"[jt]sconfig(?:\.[\w.-]+)?\.json")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _import_name(requirement: str) -> str | None:
    """The import name a requirement's distribution most likely has (``typing-extensions>=4``:
    ``typing_extensions``), or None (an option line, a URL, a path)."""
    m = _REQUIREMENT_NAME.match(requirement)
    if m is None or requirement.lstrip().startswith(("-", ".", "/")) or "://" in requirement:
        return None
    return re.sub(r"[-.]+", "_", m.group(1)).lower()


def _python_requirements(path: Path, base: str) -> set[str]:
    """The import names of the distributions a requirements file or a pyproject.toml
    (``[project]`` dependencies and optional ones, ``[dependency-groups]``, Poetry's) lists."""
    try:
        if path.stat().st_size > _MANIFEST_MAX:
            return set()
        text = path.read_text("utf-8", "replace")
    except OSError:
        return set()
    if base != "pyproject.toml":
        lines = (ln.split("#", 1)[0] for ln in text.splitlines())
        return {n for ln in lines for n in (_import_name(ln),) if n}
    import tomllib

    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return set()
    reqs: list[object] = []
    project = doc.get("project")
    if isinstance(project, dict):
        reqs.extend(_listed(project.get("dependencies")))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for group in optional.values():
                reqs.extend(_listed(group))
    groups = doc.get("dependency-groups")
    if isinstance(groups, dict):
        for group in groups.values():
            reqs.extend(_listed(group))
    tool = doc.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        poetry_groups = poetry.get("group")
        if isinstance(poetry_groups, dict):
            tables.extend(g.get("dependencies") for g in poetry_groups.values()
                          if isinstance(g, dict))
        reqs.extend(k for t in tables if isinstance(t, dict) for k in t if k != "python")
    return {n for r in reqs if isinstance(r, str) for n in (_import_name(r),) if n}


def _listed(value: object) -> list[object]:
    return value if isinstance(value, list) else []
