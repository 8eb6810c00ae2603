"""Language builtins and standard-library names that instruction files mention without the
code defining them: Python's ``builtins`` (``len()``, ``open()``), JavaScript/TypeScript globals
(``Array``, ``JSON.parse``, ``Array.prototype.map``) and qualified names that resolve in a few
well-known Python standard modules (``Path.read_text``, ``os.path.join``).

Only names of the languages present in the workspace are skipped, and a qualified name only
when every part resolves, so a genuinely unknown project symbol is still reported.
"""

from __future__ import annotations

import builtins
import importlib
from functools import lru_cache

from analyzers.instructions.checkview import CheckView

PYTHON_SUFFIXES = (".py", ".pyi")
JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte")

PYTHON_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))

JS_GLOBALS = frozenset("""
    Array Object Promise JSON console Math Map Set WeakMap WeakSet WeakRef String Number Boolean
    Symbol BigInt Date RegExp Error TypeError RangeError SyntaxError ReferenceError Reflect Proxy
    Intl ArrayBuffer DataView Uint8Array Int32Array Float64Array TextEncoder TextDecoder
    globalThis window document navigator localStorage sessionStorage process require module
    exports fetch structuredClone queueMicrotask parseInt parseFloat isNaN isFinite
    encodeURIComponent decodeURIComponent Buffer URL URLSearchParams AbortController Headers
    Request Response FormData Blob File Event EventTarget CustomEvent HTMLElement Node
""".split())

# Standard modules whose names are imported to resolve qualified names (never a module named
# by the user's text: some standard modules act on import).
_PY_MODULES = ("os", "os.path", "sys", "pathlib", "json", "re", "subprocess", "shutil",
               "collections", "itertools", "functools", "typing", "dataclasses", "enum",
               "datetime", "time", "logging", "asyncio", "threading", "io", "tempfile", "uuid",
               "hashlib", "contextlib", "abc", "argparse", "math", "random", "string",
               "textwrap", "urllib.parse", "http", "sqlite3", "csv", "decimal", "fractions",
               "operator", "copy", "pickle", "base64", "unittest", "inspect", "traceback",
               "warnings", "weakref", "glob", "fnmatch", "zipfile", "tarfile", "gzip", "socket",
               "signal", "platform", "statistics", "secrets", "heapq", "bisect", "queue")


@lru_cache(maxsize=1)
def _python_roots() -> dict[str, object]:
    """Module names and the public names they export (``Path``, ``defaultdict``...)."""
    roots: dict[str, object] = {}
    for name in _PY_MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        roots.setdefault(name.split(".")[0], importlib.import_module(name.split(".")[0]))
        for attr in getattr(mod, "__all__", None) or dir(mod):
            if attr.startswith("_") or not attr[:1].isupper():
                continue
            value = getattr(mod, attr, None)
            if isinstance(value, type):
                roots.setdefault(attr, value)
    for n in PYTHON_BUILTINS:
        roots.setdefault(n, getattr(builtins, n))
    return roots


def languages(ws: CheckView) -> frozenset[str]:
    """``python`` and/or ``js`` when the workspace has such files (cached per workspace)."""
    hit = ws.cache.get("stdnames.languages")
    if not isinstance(hit, frozenset):
        found = set()
        for f in ws.files():
            low = f.lower()
            if low.endswith(PYTHON_SUFFIXES):
                found.add("python")
            elif low.endswith(JS_SUFFIXES):
                found.add("js")
            if len(found) == 2:
                break
        ws.cache["stdnames.languages"] = hit = frozenset(found)
    return hit


def _resolves(names: list[str]) -> bool:
    obj = _python_roots().get(names[0])
    if obj is None:
        return False
    for n in names[1:]:
        try:
            obj = getattr(obj, n)
        except Exception:  # noqa: BLE001 - any failure means "does not resolve"
            return False
    return True


def is_standard(ws: CheckView, names: list[str]) -> bool:
    """Is ``names`` (``["Path", "read_text"]``, ``["len"]``) a builtin or standard-library name
    of a language used here? ``X.prototype.y`` is JavaScript's own notation, always skipped."""
    if len(names) > 1 and "prototype" in names[1:]:
        return True
    langs = languages(ws)
    if "js" in langs and names[0] in JS_GLOBALS:
        return True
    if "python" in langs:
        if len(names) == 1:
            return names[0] in PYTHON_BUILTINS
        return _resolves(names)
    return False
