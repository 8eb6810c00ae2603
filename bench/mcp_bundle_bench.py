"""suggest_bundle through a real stdio MCP client: each call's time and how many times it packed.

Starts ``python -m server.cli mcp --root REPO`` (this checkout's code, or each ``--code``
checkout's in turn, on ``PYTHONPATH``), waits for the index with one untimed call, then asks
each query at each budget in each format, ``--rounds`` times, and prints per budget the calls'
wall time (median, min-max) and the packs per call (the server's ``suggest_bundle: N packs``
log line). With two ``--code`` checkouts it also says whether their answers are byte-identical
(each call's text block and structured content).

    git worktree add /tmp/main-code main
    python bench/mcp_bundle_bench.py /tmp/click --code /tmp/main-code --code .
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

QUERIES = [
    {"seeds": ["src/click/decorators.py::option"],
     "task": "add a deprecated= argument to option()"},
    {"task": "show the default value in the help text of an option"},
]
PACKS = re.compile(r"suggest_bundle: (\d+) packs")


async def run(code: Path, repo: Path, budgets: list[int], formats: list[str],
              queries: list[dict[str, Any]], rounds: int
              ) -> tuple[list[tuple[int, float, int]], dict[tuple[Any, ...], str]]:
    """(budget, seconds, packs) per call, and each call's answer (text and structured JSON)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "server.cli", "mcp", "--root", str(repo)], env=env)
    times: list[tuple[int, float, int]] = []
    answers: dict[tuple[Any, ...], str] = {}
    with tempfile.TemporaryFile("w+") as log:
        async with stdio_client(params, errlog=log) as (read, write), \
                ClientSession(read, write) as s:
            await s.initialize()
            await s.list_tools()
            await s.call_tool("suggest_bundle", {**queries[0], "budget": 1000})  # the index
            await asyncio.sleep(3)  # (the index job's refresh after the first call, if any)
            seen = 0
            for n in range(rounds):
                for q, query in enumerate(queries):
                    for budget in budgets:
                        for fmt in formats:
                            start = time.perf_counter()
                            r = await s.call_tool("suggest_bundle",
                                                  {**query, "budget": budget, "format": fmt})
                            took = time.perf_counter() - start
                            log.flush()
                            log.seek(0)
                            found = PACKS.findall(log.read())
                            packs = int(found[-1]) if len(found) > seen else -1
                            seen = len(found)
                            times.append((budget, took, packs))
                            text = "".join(getattr(c, "text", "") for c in r.content)
                            answers[n, q, budget, fmt] = text + "\n" + json.dumps(
                                r.structured_content, ensure_ascii=False, sort_keys=True)
    return times, answers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--code", type=Path, action="append",
                    help="a checkout whose code serves (repeatable; default: this one)")
    ap.add_argument("--budgets", default="1000,4000,16000")
    ap.add_argument("--formats", default="markdown,xml,json")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--queries", help="a JSON list of suggest_bundle arguments (seeds, task) "
                    "instead of the click queries")
    args = ap.parse_args()
    codes = args.code or [Path(__file__).resolve().parent.parent]
    budgets = [int(b) for b in args.budgets.split(",")]
    formats = args.formats.split(",")
    queries = json.loads(args.queries) if args.queries else QUERIES
    results = {}
    for code in codes:
        times, answers = asyncio.run(run(code.resolve(), args.repo.resolve(), budgets, formats,
                                         queries, args.rounds))
        results[code] = answers
        print(f"{code}:")
        for budget in budgets:
            secs = [t for b, t, _ in times if b == budget]
            packs = [p for b, _, p in times if b == budget]
            print(f"  budget {budget:>6,}: {statistics.median(secs):.2f} s median "
                  f"({min(secs):.2f}-{max(secs):.2f}), packs per call {min(packs)}-{max(packs)} "
                  f"(mean {statistics.mean(packs):.2f}) over {len(secs)} calls")
    if len(codes) > 1:
        first, *rest = codes
        for other in rest:
            differ = [k for k in results[first] if results[first][k] != results[other].get(k)]
            print(f"{first} vs {other}: {len(results[first]) - len(differ)} of "
                  f"{len(results[first])} answers byte-identical"
                  + (f"; differ: {differ[:6]}" if differ else ""))


if __name__ == "__main__":
    main()
