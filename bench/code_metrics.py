"""Code-structure figures for the application-layer refactor (issue 15), for any checkout.

    python bench/code_metrics.py                 # this checkout
    python bench/code_metrics.py --root DIR      # another one (e.g. a worktree of an old commit)
    python bench/code_metrics.py --json

Prints, for ``analyzers/`` and ``server/``: functions over 120 lines (a function's lines include
its nested functions), functions above cyclomatic complexity 30 (radon, when installed), modules
running SQL outside the index/store modules, modules invoking git, and the modules where each
once-duplicated concept lives (the seed grammar, the "seeds or task" check, conversion of
``Cancelled``, the index fingerprint formula, importlib in ``handoff/``).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

MAX_LINES = 120
MAX_COMPLEXITY = 30
STORE_MODULES = ("analyzers/indexing/store.py", "analyzers/indexing/index.py",
                 "analyzers/store.py", "analyzers/index.py")
SQL_CALLS = {"execute", "executemany", "executescript"}

# Where a concept is spelled out: a regular expression over the source text of a module.
CONCEPTS = {
    "seed grammar (PATH:LINE / PATH::SYMBOL)": re.compile(
        r"""\(\\d\+\)\$|partition\(["']::["']\)|split\(["']::["'], 1\)"""),
    '"seeds or task" check': re.compile(
        r'at least one (seed|--seed|\{F\.seed\})|give seeds \(files|give a file \(\\"uri'),
    "Cancelled converted at an edge": re.compile(
        r"except \(?[^)\n]*\bCancelled\b|isinstance\([^)\n]*\bCancelled\b"
        r"|suppress\([^)\n]*\bCancelled\b"),
    "index fingerprint formula": re.compile(r"encoding\}\|\{[a-z_.]*max_file_size"),
    "importlib in handoff": re.compile(r"importlib\.import_module|inspect\.signature"),
}


def modules(root: Path) -> list[Path]:
    """The Python modules of the core and the edges."""
    return sorted(p for d in ("analyzers", "server") for p in (root / d).rglob("*.py"))


def long_functions(tree: ast.AST, rel: str) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function longer than MAX_LINES."""
    out = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                    size = (child.end_lineno or child.lineno) - start + 1
                    if size > MAX_LINES:
                        out.append((f"{rel}:{name}", size))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def sql_calls(tree: ast.AST) -> int:
    """Uses of a DB-API execute method (``x.execute(...)``, or ``x.execute`` kept to call later)
    and ``sqlite3.connect`` in the module."""
    return sum(1 for n in ast.walk(tree)
               if isinstance(n, ast.Attribute) and (
                   n.attr in SQL_CALLS or (n.attr == "connect" and isinstance(n.value, ast.Name)
                                           and n.value.id == "sqlite3")))


PROGRAM_CALLS = {"run", "Popen", "call", "check_call", "check_output", "getoutput", "system",
                 "create_subprocess_exec", "create_subprocess_shell", "spawnlp", "execvp"}


def _called(call: ast.Call) -> str:
    """The called function's own name (``subprocess.run`` -> ``run``)."""
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def git_calls(tree: ast.AST, text: str) -> set[str]:
    """How the module invokes git: gitpython, a ``git`` subprocess, or ``repo.git.*``."""
    ways = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in n.names]
            if (isinstance(n, ast.ImportFrom) and n.module in ("git", "git.exc")) or "git" in names:
                ways.add("gitpython")
        if isinstance(n, (ast.List, ast.Tuple)) and n.elts and \
                isinstance(n.elts[0], ast.Constant) and n.elts[0].value == "git" and \
                "subprocess" in text:
            ways.add("subprocess")  # an argv starting with "git" in a module running programs
        if isinstance(n, ast.Call) and _called(n) in PROGRAM_CALLS and n.args and \
                isinstance(n.args[0], ast.Constant) and isinstance(n.args[0].value, str) and \
                re.match(r"git(\s|$)", n.args[0].value):
            ways.add("program")  # create_subprocess_exec("git", ...), run("git log", shell=True)
    if re.search(r"\.git\.(execute|rev_parse|log|show|ls_files|diff|status)\(", text):
        ways.add("repo.git")
    return ways


def complexity(paths: list[Path], root: Path) -> list[tuple[str, int]] | None:
    """(function, complexity) above MAX_COMPLEXITY, by radon; None when radon is missing."""
    try:
        from radon.complexity import cc_visit
    except ImportError:
        return None
    out = []
    for p in paths:
        for block in cc_visit(p.read_text("utf-8")):
            if block.complexity > MAX_COMPLEXITY:
                name = getattr(block, "fullname", block.name)
                out.append((f"{p.relative_to(root).as_posix()}:{name}", block.complexity))
    return sorted(out, key=lambda x: -x[1])


def measure(root: Path) -> dict[str, Any]:
    """Every figure for the checkout at ``root``."""
    paths = modules(root)
    long_fns: list[tuple[str, int]] = []
    sql: dict[str, int] = {}
    git: dict[str, list[str]] = {}
    concepts: dict[str, list[str]] = {k: [] for k in CONCEPTS}
    for p in paths:
        rel = p.relative_to(root).as_posix()
        text = p.read_text("utf-8")
        tree = ast.parse(text)
        long_fns += long_functions(tree, rel)
        n = sql_calls(tree)
        if n and rel not in STORE_MODULES and "/scheduler/" not in rel:
            sql[rel] = n
        ways = git_calls(tree, text)
        if ways:
            git[rel] = sorted(ways)
        for name, pattern in CONCEPTS.items():
            if name == "importlib in handoff" and "/handoff/" not in rel:
                continue
            if name.endswith("at an edge") and not rel.startswith("server/"):
                continue
            if pattern.search(text):
                concepts[name].append(rel)
    return {
        "modules": len(paths),
        "long_functions": sorted(long_fns, key=lambda x: -x[1]),
        "complex_functions": complexity(paths, root),
        "sql_outside_store": sql,
        "git_modules": git,
        "concepts": concepts,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[1]),
                    help="the checkout to measure (default: this one)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    m = measure(Path(args.root).resolve())
    if args.json:
        print(json.dumps(m, indent=2))
        return 0
    print(f"{m['modules']} modules in analyzers/ and server/")
    fns = m["long_functions"]
    print(f"\nfunctions over {MAX_LINES} lines: {len(fns)}")
    for name, size in fns:
        print(f"  {size:>4}  {name}")
    cc = m["complex_functions"]
    if cc is None:
        print(f"\nfunctions above complexity {MAX_COMPLEXITY}: radon is not installed")
    else:
        print(f"\nfunctions above complexity {MAX_COMPLEXITY} (radon): {len(cc)}")
        for name, value in cc:
            print(f"  {value:>4}  {name}")
    for title, key in (("modules running SQL outside the index/store", "sql_outside_store"),
                       ("modules invoking git", "git_modules")):
        rows = m[key]
        print(f"\n{title}: {len(rows)}")
        for rel, v in rows.items():
            print(f"  {rel}  {v}")
    print("\nwhere each concept is spelled out:")
    for name, places in m["concepts"].items():
        print(f"  {name}: {len(places)}  {', '.join(places)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
