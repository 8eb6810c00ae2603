#!/usr/bin/env python3
"""Benchmark ``ctxsteward check`` (issue 6): target <= 1 s warm on a repository with a few dozen
instruction files.

    python bench/check_bench.py [--files N] [--runs N] [--keep DIR] [--json]

Generates a git repository (in a temporary folder, or DIR with ``--keep``): 30 packages of
Python code, each with a nested CLAUDE.md and AGENTS.md full of paths, links, @imports, symbols
and commands (some stale), plus Cursor, Copilot and Claude rules; a history with renames,
deletions and enough churn to trigger drift. Then measures, in one process and one run:

- the *floor*: reading and parsing every instruction file with markdown-it-py (our parser's own
  work, nothing checked);
- warm in-process: ``check_workspace`` with an up-to-date index and git cache, run again;
- cold in-process: the same with the git cache and every in-memory cache dropped;
- warm CLI: ``ctxsteward check --format json`` as a subprocess (interpreter start, imports,
  incremental index, checks), the figure a pre-commit hook sees.

Every measurement is repeated ``--runs`` times and the best is reported; the ratio is warm over
floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_WARM_SECONDS = 1.0
ENV = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
       "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=root, env=ENV, check=True,
                   capture_output=True)


def write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def module(pkg: int, mod: int, lines: int = 30) -> str:
    body = [f'"""Module {mod} of package {pkg}."""\n\n']
    body.append(f"class Service{pkg}x{mod}:\n    def handle_request_{mod}(self, req):\n"
                "        return req\n\n")
    for i in range(lines):
        body.append(f"def helper_{pkg}_{mod}_{i}(value):\n    return value + {i}\n\n")
    return "".join(body)


def claude_md(pkg: int) -> str:
    return f"""# Package {pkg}

## Layout

Code lives in `pkg{pkg}/mod0.py`, `pkg{pkg}/mod1.py` and [the helpers](mod2.py); the old
entry point `pkg{pkg}/legacy.py` moved. Tests: `tests/test_pkg{pkg}.py`.
See [conventions](../docs/conventions.md#naming) and [setup](../docs/conventions.md#setp).

@../docs/shared.md

## Services

Requests go through `Service{pkg}x0.handle_request_0()` and `Service{pkg}x1.handle_request_1()`;
utilities: `helper_{pkg}_0_1()`, `helper_{pkg}_1_2()`, `helper_{pkg}_2_99()`.

## Commands

- Test: `pytest tests/test_pkg{pkg}.py::test_pkg{pkg}_ok`
- Build: `npm run build`, lint with `make lint`
- Run: `python -m pkg{pkg}.mod0`

```bash
make test
npm run dev{pkg % 3}
uv run app-cli --help
```
"""


def agents_md(pkg: int) -> str:
    return f"""# Agents: package {pkg}

- Run the tests with `pytest -q tests/test_pkg{pkg}.py`.
- Python 3.12, indent with 4 spaces, line length 100.
- Main module: [mod0](mod0.py), services in `pkg{pkg}/mod1.py`.

## Database

All queries go through the repository layer in the data package. Never open raw connections
from request handlers; use the pooled session factory and close sessions in a finally block.
Migrations are generated with the migration tool and reviewed before they are merged.
"""


def generate(root: Path, packages: int) -> int:
    git(root, "init", "-q", "-b", "main")
    write(root, "package.json", json.dumps({"scripts": {"build": "tsc", "dev0": "vite",
                                                        "dev1": "vite", "lint": "eslint ."}}))
    write(root, "Makefile", "test:\n\tpytest\n\nlint:\n\truff check\n")
    write(root, "pyproject.toml", '[project]\nname = "app"\n\n[project.scripts]\n'
                                  'app-cli = "pkg0.mod0:main"\n')
    write(root, "docs/conventions.md", "# Conventions\n\n## Naming\n\n## Setup\n")
    write(root, "docs/shared.md", "Shared rules for every package.\n" * 20)
    write(root, "CLAUDE.md", "# Repository\n\n@AGENTS.md\n\nSee `docs/` and `pkg0/`.\n")
    write(root, "AGENTS.md", "# Agents\n\n- Run the tests with `pytest -q`.\n- Python 3.12.\n")
    write(root, ".github/copilot-instructions.md", "Use `make test`.\n")
    write(root, ".github/instructions/py.instructions.md", '---\napplyTo: "**/*.py"\n---\nPy.\n')
    write(root, ".github/instructions/rb.instructions.md", '---\napplyTo: "**/*.rb"\n---\nRb.\n')
    write(root, ".cursor/rules/base.mdc", '---\nalwaysApply: "true"\n---\nBe brief.\n')
    write(root, ".cursor/rules/go.mdc", "---\nglobs: **/*.go\n---\nGo.\n")
    write(root, ".claude/rules/api.md", "---\npaths: pkg1/**\n---\nAPI rules.\n")
    for p in range(packages):
        for m in range(4):
            write(root, f"pkg{p}/mod{m}.py", module(p, m))
        write(root, f"pkg{p}/__init__.py", "")
        write(root, f"pkg{p}/legacy.py", "OLD = 1\n")
        write(root, f"tests/test_pkg{p}.py", f"def test_pkg{p}_ok():\n    pass\n")
        write(root, f"pkg{p}/CLAUDE.md", claude_md(p))
        write(root, f"pkg{p}/AGENTS.md", agents_md(p))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    for p in range(packages):  # renames, deletions and churn after the instructions were written
        git(root, "mv", f"pkg{p}/legacy.py", f"pkg{p}/entry.py")
        write(root, f"pkg{p}/mod0.py", module(p, 0, lines=60))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "rename legacy entry points, grow mod0")
    return sum(1 for _ in root.rglob("*.md")) + sum(1 for _ in root.rglob("*.mdc"))


def best(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=30, help="packages (2 instruction files each)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="generate into this folder and keep it")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from analyzers.config import Settings
    from analyzers.indexing.index import Index, build
    from analyzers.instructions import CheckView, check_workspace
    from analyzers.instructions.markdown import parse, parser
    from analyzers.tokens import encoding

    tmp = None
    if args.keep:
        root = Path(args.keep).resolve()
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
    else:
        tmp = tempfile.mkdtemp(prefix="ctxsteward-check-bench-")
        root = Path(tmp) / "repo"
        root.mkdir()
    try:
        generate(root, args.files)
        settings = Settings()
        build(root, settings)
        encoding(settings.encoding)
        parser()
        ws0 = CheckView(root, settings)
        instr = ws0.instruction_files()
        texts = [(root / p).read_text() for p in instr]

        def floor() -> None:
            for p in instr:
                parse((root / p).read_text())

        with Index(root, settings) as index:
            report = check_workspace(root, None, settings, index=index)  # fills the git cache

            def warm() -> None:
                with Index(root, settings) as ix:
                    check_workspace(root, None, settings, index=ix)

            def cold() -> None:
                cache = root / ".ctxsteward" / "instructions-git.json"
                if cache.exists():
                    cache.unlink()
                with Index(root, settings) as ix:
                    check_workspace(root, None, settings, index=ix)

            floor_s = best(floor, args.runs)
            warm_s = best(warm, args.runs)
            cold_s = best(cold, args.runs)
        cli = [str(Path(sys.executable).with_name("ctxsteward")), "check", "--format", "json"]
        if not Path(cli[0]).exists():
            cli = [sys.executable, "-m", "server.cli", "check", "--format", "json"]
        subprocess.run(cli, cwd=root, capture_output=True, check=False)
        cli_s = best(lambda: subprocess.run(cli, cwd=root, capture_output=True, check=False),
                     args.runs)
        by_code: dict[str, int] = {}
        for d in report.diagnostics:
            by_code[d.code] = by_code.get(d.code, 0) + 1
        result = {
            "instruction_files": len(instr), "bytes": sum(len(t) for t in texts),
            "diagnostics": len(report.diagnostics), "by_code": dict(sorted(by_code.items())),
            "floor_parse_seconds": round(floor_s, 4), "warm_seconds": round(warm_s, 4),
            "cold_git_seconds": round(cold_s, 4), "cli_warm_seconds": round(cli_s, 4),
            "warm_over_floor": round(warm_s / floor_s, 1) if floor_s else None,
            "target_warm_seconds": TARGET_WARM_SECONDS, "meets_target": warm_s <= 1.0,
        }
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print(f"{result['instruction_files']} instruction files, {result['bytes']:,} bytes, "
                  f"{result['diagnostics']} diagnostics {result['by_code']}")
            print(f"  floor (markdown-it parse only) {floor_s:8.3f} s")
            print(f"  check, warm (in process)       {warm_s:8.3f} s  "
                  f"{result['warm_over_floor']}x floor  target <= {TARGET_WARM_SECONDS:.1f} s "
                  f"{'OK' if result['meets_target'] else 'MISSED'}")
            print(f"  check, git cache dropped       {cold_s:8.3f} s")
            print(f"  ctxsteward check (CLI, warm)   {cli_s:8.3f} s  (process start, imports, "
                  "index refresh included)")
        return 0
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
