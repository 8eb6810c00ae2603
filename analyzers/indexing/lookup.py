"""Which definitions a name used in a file refers to, best first: through the file's scope and
imports before the name alone (the editor's hover on a reference).

A use is a bare name (``make_response(...)``) or an attribute of a receiver
(``current_app.make_response``, ``self.render``, ``helpers.url_for``, ``Router::new``). The
candidates are every definition of that name; they are put in tiers:

* an attribute of ``self``/``cls``/``this``: the methods of the class around the use first;
* an attribute of a name that is a module the file imports (``helpers.url_for``): that module's
  top-level definitions first, and those of the modules its package file (``__init__``)
  imports them from (``click.echo`` re-exported from ``click/utils.py``); of a class name
  (``Router.new``): that class's members first;
* any other attribute (an object of unknown type): members of classes before top-level
  functions, those of this file and the files it imports first - a module-level function of
  the same name is what an attribute refers to least;
* a bare name: this file's own top-level definitions, then those of the files it imports, of
  its folder, of other files; members of classes last.

A definition nested in a function (a ``def`` inside a ``def``) is never reached by attribute
access: for any dotted reference it comes last. Within a tier: this file first, source files
before tests, then by path and line. A name resolved through the file's scope or imports (or an
attribute through its receiver's module or class) drops the candidates it cannot mean: members
for a bare name, nested functions for an attribute.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from analyzers.indexing.filekinds import is_test_file
from analyzers.indexing.index import Index
from analyzers.syntax import Definition

SELF_NAMES = frozenset({"self", "cls", "this", "Self"})
CLASS_KINDS = frozenset({"class", "struct", "interface", "trait", "enum", "type", "module"})
_PACKAGE_FILES = frozenset({"__init__", "index", "mod", "lib"})  # a folder's own module
_SEP = r"(?:\.|::|\?\.)"  # a.b, A::b, a?.b
_RECEIVER = re.compile(rf"([A-Za-z_$][\w$]*(?:{_SEP}[A-Za-z_$][\w$]*)*)\s*{_SEP}\s*$")

Candidate = tuple[str, Definition]


@dataclass(frozen=True, slots=True)
class Use:
    """A name used at core ``line`` of the file ``path``; ``receiver`` is what comes before its
    ``.``/``::`` (``"self.app"``), None for a bare name."""

    path: str
    name: str
    line: int
    receiver: str | None = None


def receiver_before(text: str, start: int) -> str | None:
    """The receiver written before the name starting at code-point column ``start`` of a line
    (``current_app`` in ``current_app.make_response``), or None for a bare name."""
    m = _RECEIVER.search(text[:start])
    return m.group(1) if m else None


def _module_stem(path: str) -> str:
    """The name a module file is imported as: its file name without extension, or its folder's
    for a package's own file (``pkg/__init__.py``, ``src/index.ts``, ``mod.rs``)."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    if stem in _PACKAGE_FILES:
        return posixpath.basename(posixpath.dirname(path)) or stem
    return stem


def enclosing_class(local: Iterable[Definition], line: int) -> str | None:
    """The class (qualified) around core ``line``: the owner of the innermost method holding it,
    else the innermost class-like definition holding it."""
    around = [d for d in local if d.start_line <= line <= d.end_line]
    around.sort(key=lambda d: (d.start_line, -d.end_line))
    for d in reversed(around):
        if d.parent is not None and d.kind not in CLASS_KINDS:
            return d.parent
        if d.kind in CLASS_KINDS:
            return d.qualified
    return None


def _member_of(d: Definition, owner: str) -> bool:
    return d.parent is not None and (d.parent == owner or d.parent.endswith("." + owner))


def _is_package_file(path: str) -> bool:
    """A folder's own module (``pkg/__init__.py``, ``src/index.ts``, ``mod.rs``)."""
    return posixpath.splitext(posixpath.basename(path))[0] in _PACKAGE_FILES


def _through_packages(index: Index, modules: set[str], defining: set[str]) -> set[str]:
    """``modules`` and the modules their package files re-export ``defining``'s name from: the
    files of ``defining`` (those defining it at top level) a package file imports, followed
    through imported package files a few levels down."""
    out = set(modules)
    todo = [m for m in modules if _is_package_file(m)]
    for _ in range(3):
        found = [dst for m in todo for dst in index.imports_of(m)
                 if dst not in out and (dst in defining or _is_package_file(dst))]
        out.update(dst for dst in found if dst in defining)
        todo = [dst for dst in found if _is_package_file(dst)]
    return out


def _nested(index: Index | None, use: Use, local: list[Definition],
            cands: list[Candidate]) -> set[tuple[str, int]]:
    """``(path, start line)`` of the candidates defined inside a function rather than at top
    level or in a class: their parent is a definition that is not class-like."""
    out: set[tuple[str, int]] = set()
    for path in {p for p, d in cands if d.parent is not None}:
        defs = local if path == use.path else (index.definitions(path) if index else [])
        functions = {d.qualified for d in defs if d.kind not in CLASS_KINDS}
        out.update((path, d.start_line) for p, d in cands
                   if p == path and d.parent is not None and d.parent in functions)
    return out


def _attribute_tier(use: Use, path: str, d: Definition, near: set[str], modules: set[str],
                    owner: str | None) -> int:
    if owner is not None and _member_of(d, owner):
        return 0
    if path in modules and d.parent is None:
        return 0
    member = d.parent is not None
    close = path == use.path or path in near
    if member:
        return 1 if close else 2
    return 3 if close else 4


def _bare_tier(use: Use, path: str, d: Definition, near: set[str]) -> int:
    if d.parent is not None:
        return 4
    if path == use.path:
        return 0
    if path in near:
        return 1
    return 2 if posixpath.dirname(path) == posixpath.dirname(use.path) else 3


def resolve(index: Index | None, use: Use, local: list[Definition]) -> list[Candidate]:
    """Every definition named ``use.name`` (this file's from ``local``, its current
    definitions; the others from the index), best first (see the module's doc)."""
    cands: list[Candidate] = [(use.path, d) for d in local if d.name == use.name]
    near: set[str] = set()
    if index is not None:
        cands += [(p, d) for p, d in index.definitions_named(use.name) if p != use.path]
        near = set(index.imports_of(use.path))
    unreachable = 4  # tiers a resolved name cannot mean (see below)
    if use.receiver is None:
        def tier(c: Candidate) -> int:
            return _bare_tier(use, c[0], c[1], near)
    else:
        last = re.split(_SEP, use.receiver)[-1]
        modules = {p for p in near if _module_stem(p) == last}
        if index is not None and modules:
            modules = _through_packages(index, modules, {p for p, d in cands if d.parent is None})
        if use.receiver in SELF_NAMES:
            owner = enclosing_class(local, use.line)
        elif any(d.kind in CLASS_KINDS and d.name == last for d in local) or (
                index is not None and any(d.kind in CLASS_KINDS
                                          for _, d in index.definitions_named(last))):
            owner = last
        else:
            owner = None

        nested = _nested(index, use, local, cands)

        def tier(c: Candidate) -> int:
            if (c[0], c[1].start_line) in nested:
                return 5
            return _attribute_tier(use, c[0], c[1], near, modules, owner)
        unreachable = 5

    tiers = {(c[0], c[1].start_line): tier(c) for c in cands}
    ordered = sorted(cands, key=lambda c: (tiers[c[0], c[1].start_line], c[0] != use.path,
                                           c[0] != use.path and is_test_file(c[0]),
                                           c[0], c[1].start_line))
    if ordered and tiers[ordered[0][0], ordered[0][1].start_line] <= (1 if use.receiver is None
                                                                       else 0):
        # Resolved through this file's scope or imports (or the receiver's module or class):
        # a method for a bare name, a function nested in another for an attribute, cannot be
        # what it means; they were listed last, as noise.
        ordered = [c for c in ordered if tiers[c[0], c[1].start_line] < unreachable]
    return ordered
