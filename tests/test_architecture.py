"""The architecture's invariants, checked on the code itself (ARCHITECTURE.md, "Invariants").

The figures come from ``bench/code_metrics.py`` (the same measure the issue's before/after table
uses), so what the benchmark prints and what this test holds are one computation.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_PACKAGES = ("server", "pygls", "lsprotocol", "mcp", "anyio")


def _metrics():  # noqa: ANN202 - the benchmark module, loaded from its file
    spec = importlib.util.spec_from_file_location("code_metrics", ROOT / "bench/code_metrics.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def figures() -> dict:
    return _metrics().measure(ROOT)


def test_the_core_imports_no_edge_and_no_protocol() -> None:
    offenders = []
    for path in sorted((ROOT / "analyzers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.split(".")[0] in PROTOCOL_PACKAGES]
    assert offenders == []


def test_no_function_is_over_120_lines(figures: dict) -> None:
    assert figures["long_functions"] == []


def test_no_function_is_above_complexity_30(figures: dict) -> None:
    pytest.importorskip("radon", reason="radon measures complexity (pip install radon)")
    assert figures["complex_functions"] == []


def test_sql_runs_only_in_the_index_and_store(figures: dict) -> None:
    assert figures["sql_outside_store"] == {}


def test_git_runs_only_through_gitrepo(figures: dict) -> None:
    assert list(figures["git_modules"]) == ["analyzers/gitrepo.py"]


def test_each_concept_lives_in_one_place(figures: dict) -> None:
    concepts = figures["concepts"]
    # The seed grammar: the app's seeds module (instruction files' `path:line` references are
    # another grammar, of Markdown text, with its own module; so are the files a task's free text
    # names, tracebacks and pytest node ids included, in bundles/mentions.py).
    assert concepts["seed grammar (PATH:LINE / PATH::SYMBOL)"] == [
        "analyzers/app/seeds.py", "analyzers/bundles/mentions.py",
        "analyzers/instructions/references.py"]
    assert concepts["index fingerprint formula"] == ["analyzers/indexing/store.py"]
    assert concepts['"seeds or task" check'] == ["analyzers/app/errors.py",
                                                 "analyzers/app/requests.py"]
    # Cancelled becomes an answer in one place per edge (and a job's state in the scheduler).
    assert concepts["Cancelled converted at an edge"] == [
        "server/cli/main.py", "server/hooks/run.py", "server/lsp/dispatch.py",
        "server/mcp/errors.py", "server/scheduler/core.py"]
    assert concepts["importlib in handoff"] == []


def _module_imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, at module level?) for every absolute import in ``path``."""
    tree = ast.parse(path.read_text("utf-8"))
    top = set(map(id, tree.body))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        else:
            continue
        out += [(m, id(node) in top) for m in mods]
    return out


def test_the_core_never_prints() -> None:
    offenders = []
    for path in sorted((ROOT / "analyzers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            f = node.func if isinstance(node, ast.Call) else None
            writes = (isinstance(f, ast.Attribute) and f.attr == "write"
                      and isinstance(f.value, ast.Attribute)
                      and f.value.attr in ("stdout", "stderr"))
            if (isinstance(f, ast.Name) and f.id in ("print", "input")) or writes:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_data_flows_one_way_through_the_application_layer() -> None:
    """Edges -> app.workspace -> the core's façades. The app's vocabulary (errors, requests,
    seeds, paths) is plain types the core's façades accept: it imports no analysis package at
    module level, and nothing in the core imports the workspace."""
    vocabulary = ["errors", "requests", "seeds", "paths"]
    analysis = ("analyzers.indexing", "analyzers.bundles", "analyzers.instructions",
                "analyzers.handoff")
    bad = [f"app/{name}.py imports {m}" for name in vocabulary
           for m, top in _module_imports(ROOT / "analyzers/app" / f"{name}.py")
           if top and m.startswith(analysis)]
    for path in sorted((ROOT / "analyzers").rglob("*.py")):
        if path.parent.name == "app":
            continue
        bad += [f"{path.relative_to(ROOT)} imports {m}" for m, _ in _module_imports(path)
                if m in ("analyzers.app", "analyzers.app.workspace")]
        # ... nor by name at run time (imports are absolute: ruff's TID252 bans relative ones).
        text = path.read_text("utf-8")
        bad += [f"{path.relative_to(ROOT)} loads analyzers.app by name"
                for _ in re.finditer(r"import_module\(\s*[\"']analyzers\.app\b", text)]
    assert bad == []


def test_the_language_servers_start_imports_neither_the_instruction_checks_nor_the_ranker() -> None:
    """A code file's first hover waits for the server's imports: the instruction checks
    (markdown-it, their pydantic models) and the ranker (numpy) come at first use, not at start."""
    probe = ("import sys, server.lsp.server; "
             "print(' '.join(sorted(m for m in sys.modules if m in {"
             "'analyzers.instructions.checks', 'analyzers.instructions.markdown', "
             "'markdown_it', 'analyzers.bundles.rank', 'numpy', "
             "'server.lsp.instruction_editor'})))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert out == []
