"""Whole-CLI latency of ``ctxsteward bundle`` on a warm index, against peers measured in the run.

Picks ``--seeds`` source files spread over the repository (deterministically), runs
``ctxsteward bundle --seed FILE --task TEXT --out /dev/null`` for each, and prints the median and
p90 next to two floors measured the same way: the interpreter starting (``python -c pass``) and
``ctxsteward index`` with nothing changed (the warm-index check every bundle call starts with).
Target (issue 4): median ≤ 500 ms on saleor/saleor.

    python bench/bundle_latency.py /work/benchrepos/saleor --seeds 15
    python bench/bundle_latency.py /work/benchrepos/saleor --seeds 15 --task-only

``--task-only`` asks for each picked file's task alone (``--task "fix the validation of NAME"``,
no seed): the queries the learned fusion re-ranks (``analyzers/bundles/fusion.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from index_bench import compile_code_under_test

TASK = "fix the validation of the input and add a test"


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t0) * 1000


def pick_seeds(repo: Path, n: int) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "ls-files", "*.py", "*.go", "*.ts", "*.js",
                          "*.rs"], capture_output=True, text=True, check=True).stdout.split()
    out = [p for p in out if "test" not in p and "migrations" not in p] or out
    step = max(1, len(out) // max(1, n))
    return out[::step][:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--seeds", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--task-only", action="store_true",
                    help="no seed: a task naming each picked file's stem")
    args = ap.parse_args(argv)
    repo = args.repo.resolve()
    beside = Path(sys.executable).with_name("ctxsteward")
    exe = str(beside) if beside.exists() else (shutil.which("ctxsteward") or "ctxsteward")
    compile_code_under_test()  # (a stale byte-code cache cost ~0.1 s a call: see index_bench)
    seeds = pick_seeds(repo, args.seeds)
    calls = [["--task", f"fix the validation of {Path(s).stem.replace('_', ' ')}"]
             if args.task_only else ["--seed", s, "--task", TASK] for s in seeds]
    timed([exe, "bundle", *calls[0], "--out", os.devnull], repo)  # warm
    python = [timed([sys.executable, "-c", "pass"], repo) for _ in range(5)]
    index = [timed([exe, "index"], repo) for _ in range(5)]
    bundle = [timed([exe, "bundle", *c, "--out", os.devnull], repo) for c in calls]
    med = statistics.median(bundle)
    result = {
        "repo": str(repo), "seeds": len(seeds), "task_only": args.task_only,
        "python_start_ms": round(statistics.median(python), 1),
        "warm_index_ms": round(statistics.median(index), 1),
        "bundle_median_ms": round(med, 1),
        "bundle_p90_ms": round(sorted(bundle)[int(0.9 * (len(bundle) - 1))], 1),
        "bundle_over_python_start": round(med / statistics.median(python), 2),
        "bundle_over_warm_index": round(med / statistics.median(index), 2),
        "target_ms": 500,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k:>26}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
