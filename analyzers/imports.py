"""Resolving import statements to repository files, where the language makes that possible.

Python (absolute and relative), JavaScript/TypeScript relative specifiers, Go packages of modules
declared in the repository's ``go.mod`` files, and Rust ``mod`` items and ``crate::`` paths.
Imports of third-party code resolve to nothing, which is the right answer for a repository index.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .syntax import ImportRef

JS_EXTS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".d.ts", ".vue",
           ".svelte")


class Resolver:
    """Holds the repository's file set and the lookup tables built from it."""

    def __init__(self, root: Path, files: Iterable[str]) -> None:
        self.root = root
        self.files = set(files)
        self._py_modules: dict[str, list[str]] = defaultdict(list)
        self._dirs: dict[str, list[str]] = defaultdict(list)
        for f in self.files:
            self._dirs[posixpath.dirname(f)].append(f)
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
        out.discard(src)
        return sorted(out)

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
        current_from: str | None = None
        current_line = -1
        for imp in imports:
            if imp.kind == "import":
                out.update(self._py_lookup(imp.text, src))
            elif imp.kind == "from":
                current_from, current_line = imp.text, imp.line
                if imp.text.startswith("."):
                    out.update(self._py_path(self._py_relative(src, imp.text)))
                else:
                    out.update(self._py_lookup(imp.text, src))
            elif imp.kind == "from_name" and current_from is not None and imp.line >= current_line:
                if current_from.startswith("."):
                    base = self._py_relative(src, current_from)
                    out.update(self._py_path(posixpath.join(base, imp.text.replace(".", "/"))))
                else:
                    out.update(self._py_lookup(f"{current_from}.{imp.text}", src))
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
