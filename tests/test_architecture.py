"""The architecture's invariants, checked on the code itself (ARCHITECTURE.md, "Invariants").

The figures come from ``bench/code_metrics.py`` (the same measure the issue's before/after table
uses), so what the benchmark prints and what this test holds are one computation.
"""

from __future__ import annotations

import ast
import importlib.util
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
    # another grammar, of Markdown text, with its own module).
    assert concepts["seed grammar (PATH:LINE / PATH::SYMBOL)"] == [
        "analyzers/app/seeds.py", "analyzers/instructions/references.py"]
    assert concepts["index fingerprint formula"] == ["analyzers/indexing/store.py"]
    assert concepts['"seeds or task" check'] == ["analyzers/app/errors.py",
                                                 "analyzers/app/requests.py"]
    # Cancelled becomes an answer in one place per edge (and a job's state in the scheduler).
    assert concepts["Cancelled converted at an edge"] == [
        "server/cli/main.py", "server/lsp/dispatch.py", "server/mcp/errors.py",
        "server/scheduler/core.py"]
    assert concepts["importlib in handoff"] == []
