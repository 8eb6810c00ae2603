"""The names a file binds to modules that are not the repository's own, by its imports.

A use of such a name (``dumps`` after ``from json import dumps``, ``http.Handler``,
``cobra.Command`` of a third-party Go module, ``render`` imported from ``'react'``) is of that
module's definition, never of the repository's own definition of the same name:
:func:`analyzers.syntax.parse` keeps it a word of the file but no reference. Standard libraries
are known here (Go's standard packages, Python's ``sys.stdlib_module_names``, Rust's ``std``,
``core`` and ``alloc``, Node's built-in modules); third-party modules need the repository's
:class:`Workspace` (its go.mod modules, its package.json dependencies and packages).
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
    ``yaml``, is not known).
    """

    go_modules: tuple[str, ...] = ()
    js_external: frozenset[str] = frozenset()
    python_external: frozenset[str] = frozenset()

    def fingerprint(self) -> str:
        """A digest of the contents: files parsed under another are parsed again."""
        text = "\n".join([*self.go_modules, "", *sorted(self.js_external), "",
                          *sorted(self.python_external)])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


    def to_json(self) -> str:
        return json.dumps([list(self.go_modules), sorted(self.js_external),
                           sorted(self.python_external)])

    @classmethod
    def from_json(cls, text: str) -> Workspace | None:
        """The workspace :meth:`to_json` wrote, or None for anything else."""
        try:
            go, js, py = json.loads(text)
            return cls(tuple(map(str, go)), frozenset(map(str, js)), frozenset(map(str, py)))
        except (ValueError, TypeError):
            return None


NO_WORKSPACE = Workspace()


def _is_manifest(base: str) -> bool:
    return base in ("go.mod", "package.json", "pyproject.toml") \
        or base.startswith("requirements") and _REQUIREMENTS.fullmatch(base) is not None


def workspace_key(entries: Iterable[tuple[str, int, int]]) -> str:
    """A digest of what :func:`workspace_of` reads, from the walk's (path, size, mtime)
    entries: the manifests' stats and, with a Python manifest, the names of the Python files
    and their folders. The same key, the same workspace: a warm start reads no manifest."""
    stats: list[tuple[str, int, int]] = []
    py_paths: list[str] = []  # in the walk's order: another order only costs a reading
    for path, size, mtime in entries:
        if path.endswith((".py", ".pyi")):
            py_paths.append(path)
        elif _is_manifest(path[path.rfind("/") + 1:]):
            stats.append((path, size, mtime))
    stats.sort()
    python = any(not p.endswith(("go.mod", "package.json")) for p, _, _ in stats)
    text = repr(stats) + ("\n".join(py_paths) if python else "")
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
    foreign module (``render`` of ``require('react-dom').render(...)``)."""

    names: frozenset[bytes] = frozenset()
    members: frozenset[int] = frozenset()

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
    if lang == "rust":
        out.update(_RUST_STD)
        for node in nodes:
            out.update(_rust_std_bindings(node.text or b""))
    elif lang == "go":
        for node in nodes:
            out.update(_go_bindings(node, workspace))
    elif lang == "python":
        for node in nodes:
            out.update(_python_bindings(node, workspace))
    else:
        for node in nodes:
            out.update(_js_bindings(node, workspace, members))
    return Foreign(frozenset(out), frozenset(members))


def _rust_std_bindings(text: bytes) -> list[bytes]:
    """The names a Rust ``use`` of the standard crates binds (``std::{fmt, io::{self, Read}}``:
    ``fmt``, ``io``, ``Read``; ``std::io::Result as IoResult``: ``IoResult``); none for another
    crate's or the crate's own."""
    tokens = _USE_TOKEN.findall(text)
    if tokens[:1] == [b"::"]:
        tokens = tokens[1:]
    if not tokens or tokens[0] not in _RUST_STD:
        return []
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
    """Whether a JavaScript module specifier names a Node built-in or a package the workspace
    depends on that is none of its own."""
    if spec.startswith("node:"):
        return True
    package = js_package(spec)
    return package is not None and (package in _NODE_BUILTINS
                                    or package in workspace.js_external)


def _js_bindings(fragment: Node, workspace: Workspace, members: set[int]) -> list[bytes]:
    """The names an ``import ... from 'pkg'``, ``import x = require('pkg')`` or ``const ... =
    require('pkg')`` of a foreign module binds: the default, the namespace, each named import
    (its alias when it has one), the destructured names of a ``require``, the name given to a
    member of one (``var resolve = require('node:path').resolve``). The start bytes of the
    members named on a ``require`` (``require('lodash').debounce``) go to ``members``."""
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
    return _js_require_bindings(holder.parent, members) if holder.type == "arguments" else []


def _js_require_bindings(value: Node | None, members: set[int]) -> list[bytes]:
    """The names a ``require(...)`` call of a foreign module (``value``) binds, and the start
    bytes of the members named on it, added to ``members`` (see :func:`_js_bindings`)."""
    if value is None:
        return []
    while value.parent is not None and value.parent.type == "member_expression":
        prop = value.parent.child_by_field_name("property")
        if prop is None or prop.type != "property_identifier":
            break
        members.add(prop.start_byte)
        value = value.parent
    declarator = value.parent
    if declarator is None or declarator.type != "variable_declarator":
        return []
    name = declarator.child_by_field_name("name")
    if name is None:
        return []
    # ``const { debounce: wait } = require('lodash')``: ``debounce`` is the module's member.
    members.update(k.start_byte for p in name.named_children if p.type == "pair_pattern"
                   for k in (p.child_by_field_name("key"),) if k is not None)
    if name.type == "identifier":
        return [name.text or b""]
    return [n.text or b"" for n in name.named_children
            if n.type == "shorthand_property_identifier_pattern"] + [
        v.text or b"" for p in name.named_children if p.type == "pair_pattern"
        for v in (p.child_by_field_name("value"),) if v is not None and v.type == "identifier"]


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
_MANIFEST_MAX = 1 << 20  # a go.mod or package.json larger than this is read for nothing


def workspace_of(root: Path, files: Iterable[str]) -> Workspace:
    """The :class:`Workspace` of the repository at ``root`` whose (indexed) ``files`` these
    are: the ``module`` line of each go.mod, the name and the dependencies of each
    package.json (outside node_modules). A manifest that cannot be read counts for nothing."""
    modules: set[str] = set()
    own: set[str] = set()
    deps: set[str] = set()
    py_deps: set[str] = set()
    py_dirs: set[str] = set()  # the folders of Python files, and their modules' names:
    py_local: set[str] = set()  # what an import of the repository's own may start with
    for f in files:
        slash = f.rfind("/")
        base = f[slash + 1:]
        if base.endswith((".py", ".pyi")):
            py_dirs.add(f[:slash])
            py_local.add(base[:base.rfind(".")].lower())
            continue
        fixture = not _FIXTURES.isdisjoint(f.split("/")[:-1])
        if _REQUIREMENTS.fullmatch(base) or base == "pyproject.toml":
            if not fixture:  # a test's sample project depends on "foo": no dependency of ours
                py_deps.update(_python_requirements(root / f, base))
            continue
        if base not in ("go.mod", "package.json") or "node_modules/" in f:
            continue
        try:
            path = root / f
            if path.stat().st_size > _MANIFEST_MAX:
                continue
            text = path.read_text("utf-8", "replace")
        except OSError:
            continue
        if base == "go.mod":
            m = re.search(r"^module\s+(\S+)", text, re.M)
            if m:
                modules.add(m.group(1).strip('"'))
            continue
        try:
            manifest = json.loads(text)
        except ValueError:
            continue
        if not isinstance(manifest, dict):
            continue
        if isinstance(manifest.get("name"), str):
            own.add(manifest["name"])
        for key in () if fixture else _DEPENDENCY_FIELDS:
            listed = manifest.get(key)
            if isinstance(listed, dict):
                deps.update(k for k in listed if isinstance(k, str))
    if py_deps:
        py_local.update(p.lower() for d in py_dirs for p in d.split("/"))
    return Workspace(tuple(sorted(modules, key=lambda m: (-len(m), m))),
                     frozenset(deps - own), frozenset(py_deps - py_local))


# Folders of tests' sample projects: their manifests' dependencies are not the repository's.
_FIXTURES = frozenset({"test", "tests", "testdata", "fixtures", "__fixtures__", "__tests__",
                       "testing"})
_REQUIREMENTS = re.compile(r"requirements[\w.-]*\.(?:txt|in)")
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
