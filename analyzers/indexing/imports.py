"""Resolving import statements to repository files, where the language makes that possible.

Python (absolute and relative), JavaScript/TypeScript relative specifiers, Go packages of modules
declared in the repository's ``go.mod`` files, Rust ``mod`` items and ``crate::`` paths, and paths
spelled out in C/C++ ``#include "..."``, Java imports, Ruby/PHP requires and Bash ``source``.
Imports of third-party code resolve to nothing, which is the right answer for a repository index.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from analyzers.syntax import ImportRef

JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".d.ts", ".vue",
           ".svelte")


class Resolver:
    """Holds the repository's file set and the lookup tables built from it."""

    def __init__(self, root: Path, files: Iterable[str]) -> None:
        self.root = root
        self.files = set(files)
        self._py_modules: dict[str, list[str]] = defaultdict(list)
        self._dirs: dict[str, list[str]] = defaultdict(list)
        self._names: dict[str, list[str]] = defaultdict(list)
        for f in self.files:
            self._dirs[posixpath.dirname(f)].append(f)
            self._names[posixpath.basename(f)].append(f)
            if f.endswith((".py", ".pyi")):
                mod = f.rsplit(".", 1)[0]
                if mod.endswith("/__init__"):
                    mod = mod[: -len("/__init__")]
                parts = mod.split("/")
                for i in range(len(parts)):
                    self._py_modules[".".join(parts[i:])].append(f)
        self._go_modules = self._read_go_modules()

    def _read_go_modules(self) -> list[tuple[str, str]]:
        out = []
        for f in self.files:
            if f == "go.mod" or f.endswith("/go.mod"):
                try:
                    text = (self.root / f).read_text("utf-8", "replace")
                except OSError:
                    continue
                m = re.search(r"^module\s+(\S+)", text, re.M)
                if m:
                    out.append((m.group(1).strip('"'), posixpath.dirname(f)))
        return sorted(out, key=lambda x: -len(x[0]))

    def resolve(self, src: str, lang: str | None, imports: list[ImportRef]) -> list[str]:
        out: set[str] = set()
        if lang == "python":
            out |= self._python(src, imports)
        elif lang in ("javascript", "typescript", "tsx"):
            for imp in imports:
                out |= self._js(src, imp.text)
        elif lang == "go":
            for imp in imports:
                out |= self._go(imp.text.strip('"`'))
        elif lang == "rust":
            for imp in imports:
                out |= self._rust(src, imp)
        else:
            for imp in imports:
                out |= self._spelled_out(src, lang, imp)
        out.discard(src)
        return sorted(out)

    # -- Paths spelled out: C/C++ includes, Java imports, Ruby/PHP requires, Bash source -----
    def _near(self, cands: list[str], near: str) -> set[str]:
        if not cands:
            return set()
        return {max(cands, key=lambda c: (len(posixpath.commonprefix([c, near])), -len(c), c))}

    def _suffix(self, rel: str, near: str) -> set[str]:
        """The repository file whose path ends with ``rel`` (the closest to ``near``)."""
        rel = rel.lstrip("/")
        cands = [f for f in self._names.get(posixpath.basename(rel), [])
                 if f == rel or f.endswith("/" + rel)]
        return self._near(cands, near)

    def _relative(self, src: str, spec: str) -> str | None:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(src), spec))
        return path if path in self.files else None

    def _spelled_out(self, src: str, lang: str | None, imp: ImportRef) -> set[str]:
        """The files an import that spells out a path names, by the rule of its language and
        kind (``_SPELLED_RULES``); none for a variable (``$``) or an unknown pair."""
        text = imp.text.strip().strip("'\"")
        rule = _SPELLED_RULES.get((lang, imp.kind))
        if not text or "$" in text or rule is None:
            return set()
        return rule(self, src, text)

    def _c_include(self, src: str, text: str) -> set[str]:
        """``#include "x.h"``: beside the including file, else the closest path ending so."""
        hit = self._relative(src, text)
        return {hit} if hit else self._suffix(text, src)

    def _java_package(self, src: str, text: str) -> set[str]:
        """``package a.b``: the Java files of every folder ending with ``a/b``."""
        d = "/".join(text.split("."))
        return {f for dd, fs in self._dirs.items() if dd == d or dd.endswith("/" + d)
                for f in fs if f.endswith(".java")}

    def _java_import(self, src: str, text: str) -> set[str]:
        """``import a.b.C`` or ``a.b.C.member`` (static import): the longest prefix that is a
        file."""
        parts = text.split(".")
        for n in range(len(parts), 1, -1):
            found = self._suffix("/".join(parts[:n]) + ".java", src)
            if found:
                return found
        return set()

    def _ruby_require_relative(self, src: str, text: str) -> set[str]:
        """``require_relative "x"``: ``x.rb`` beside the requiring file."""
        hit = self._relative(src, text if text.endswith(".rb") else text + ".rb")
        return {hit} if hit else set()

    def _ruby_require(self, src: str, text: str) -> set[str]:
        """``require "x"``: ``x.rb`` or ``lib/x.rb`` at the top, else the closest ``lib/x.rb``."""
        name = text if text.endswith(".rb") else text + ".rb"
        for cand in (name, f"lib/{name}"):
            if cand in self.files:
                return {cand}
        return self._suffix(f"lib/{name}", src)

    def _php_require(self, src: str, text: str) -> set[str]:
        """``require "x.php"``: beside the requiring file, else from the top."""
        hit = self._relative(src, text.lstrip("/")) or (text if text in self.files else None)
        return {hit} if hit else set()

    def _php_use(self, src: str, text: str) -> set[str]:
        """PSR-4 ``use App\\Models\\User``: the closest ``*/Models/User.php`` (dropping leading
        namespace parts, at least two kept)."""
        parts = [p for p in text.split("\\") if p]
        for k in range(len(parts)):
            if k and len(parts) - k < 2:
                break
            found = self._suffix("/".join(parts[k:]) + ".php", src)
            if found:
                return found
        return set()

    def _bash_source(self, src: str, text: str) -> set[str]:
        """``source x.sh``: beside the sourcing file, else from the top."""
        hit = self._relative(src, text) or (text if text in self.files else None)
        return {hit} if hit else set()

    # -- Python ------------------------------------------------------------------------------
    def _py_lookup(self, dotted: str, near: str) -> list[str]:
        cands = self._py_modules.get(dotted)
        if not cands:
            return []
        if len(cands) == 1:
            return cands
        # Prefer the exact module path, then the candidate sharing the longest prefix with src.
        exact = [c for c in cands if c.rsplit(".", 1)[0].removesuffix("/__init__")
                 == dotted.replace(".", "/")]
        if exact:
            return exact[:1]
        return [max(cands, key=lambda c: (len(posixpath.commonprefix([c, near])), -len(c)))]

    def _py_relative(self, src: str, module: str) -> str:
        dots = len(module) - len(module.lstrip("."))
        base = posixpath.dirname(src)
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        rest = module[dots:]
        path = posixpath.join(base, rest.replace(".", "/")) if rest else base
        return path

    def _py_path(self, path: str) -> list[str]:
        for cand in (path + ".py", path + ".pyi", path + "/__init__.py"):
            if cand in self.files:
                return [cand]
        return []

    def _python(self, src: str, imports: list[ImportRef]) -> set[str]:
        out: set[str] = set()
        groups: list[tuple[ImportRef, list[ImportRef]]] = []  # from-statement, its names
        for imp in imports:
            if imp.kind == "import":
                out.update(self._py_lookup(imp.text, src))
            elif imp.kind == "from":
                groups.append((imp, []))
            elif imp.kind == "from_name" and groups and imp.line >= groups[-1][0].line:
                groups[-1][1].append(imp)
        for frm, names in groups:
            relative = frm.text.startswith(".")
            base = self._py_relative(src, frm.text) if relative else ""
            # ``from pkg import mod`` depends on pkg/mod.py; the package itself (its
            # ``__init__``) only when a name is not a submodule, or for ``import *``.
            module_needed = not names
            for n in names:
                if relative:
                    hits = self._py_path(posixpath.join(base, n.text.replace(".", "/")))
                else:
                    hits = self._py_lookup(f"{frm.text}.{n.text}", src)
                out.update(hits)
                module_needed = module_needed or not hits
            if module_needed:
                out.update(self._py_path(base) if relative else self._py_lookup(frm.text, src))
        return out

    # -- JavaScript / TypeScript ------------------------------------------------------------
    def _js(self, src: str, spec: str) -> set[str]:
        if not spec.startswith("."):
            return set()
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src), spec))
        if target in self.files:
            return {target}
        stem = target
        for ext in (".js", ".jsx", ".mjs", ".cjs"):
            if target.endswith(ext):  # ESM-style "./x.js" written for "./x.ts"
                stem = target[: -len(ext)]
                break
        for ext in JS_EXTS:
            if stem + ext in self.files:
                return {stem + ext}
        for ext in JS_EXTS:
            if f"{target}/index{ext}" in self.files:
                return {f"{target}/index{ext}"}
        return set()

    # -- Go ----------------------------------------------------------------------------------
    def _go(self, spec: str) -> set[str]:
        for module, directory in self._go_modules:
            if spec == module or spec.startswith(module + "/"):
                rel = spec[len(module):].lstrip("/")
                d = posixpath.normpath(posixpath.join(directory, rel)) if rel else directory
                d = "" if d == "." else d
                return {f for f in self._dirs.get(d, []) if f.endswith(".go")
                        and not f.endswith("_test.go")}
        return set()

    # -- Rust --------------------------------------------------------------------------------
    def _rust(self, src: str, imp: ImportRef) -> set[str]:
        d = posixpath.dirname(src)
        base = posixpath.basename(src)
        if imp.kind == "mod":
            here = d if base in ("mod.rs", "lib.rs", "main.rs") else posixpath.join(
                d, base[:-3])
            for cand in (f"{here}/{imp.text}.rs", f"{here}/{imp.text}/mod.rs"):
                cand = cand.lstrip("/")
                if cand in self.files:
                    return {cand}
            return set()
        text = re.sub(r"\s+", "", imp.text)
        if not text.startswith(("crate::", "super::", "self::")):
            return set()
        parts = re.split(r"::", text.split("{", 1)[0].rstrip(":"))
        if parts[0] == "crate":
            root = self._crate_root(src)
        elif parts[0] == "super":
            root = posixpath.dirname(d) if base == "mod.rs" else d
        else:
            root = d if base in ("mod.rs", "lib.rs", "main.rs") else posixpath.join(d, base[:-3])
        segs = [p for p in parts[1:] if p and p != "*"]
        for n in range(len(segs), 0, -1):
            stem = posixpath.join(root, *segs[:n]) if root else posixpath.join(*segs[:n])
            for cand in (f"{stem}.rs", f"{stem}/mod.rs"):
                if cand in self.files:
                    return {cand}
        return set()

    def _crate_root(self, src: str) -> str:
        d = posixpath.dirname(src)
        while True:
            for name in ("lib.rs", "main.rs"):
                if posixpath.join(d, name).lstrip("/") in self.files:
                    return d
            if not d:
                return ""
            d = posixpath.dirname(d)


# (language, import kind) -> the Resolver method for imports that spell a path out.
_SPELLED_RULES: dict[tuple[str | None, str], Callable[[Resolver, str, str], set[str]]] = {
    ("c", "include"): Resolver._c_include,
    ("cpp", "include"): Resolver._c_include,
    ("java", "package"): Resolver._java_package,
    ("java", "import"): Resolver._java_import,
    ("ruby", "require"): Resolver._ruby_require,
    ("ruby", "require_relative"): Resolver._ruby_require_relative,
    ("php", "require"): Resolver._php_require,
    ("php", "use"): Resolver._php_use,
    ("bash", "source"): Resolver._bash_source,
}
