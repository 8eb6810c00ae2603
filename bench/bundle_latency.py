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

``--subjects SKIP`` asks for commit subjects instead (``--seeds`` of them, after the latest SKIP),
each a task alone: files shown for the first time, so their secret scans are in the time.

``--against CHECKOUT --against-repo COPY`` times two versions of the code instead, each query run
by both in turn: this checkout's on ``repo``, the other checkout's (``git worktree add /tmp/base
REF``) on its own copy of the repository (an index written by one version may be rebuilt by the
other). Both run as ``python -S -m server.cli`` with the checkout and this interpreter's
site-packages on ``PYTHONPATH`` (an editable install's import hook would otherwise pick this
checkout for both). Printed: each side's wall median and p90, and the median CPU time of its
process tree (``RUSAGE_CHILDREN``), steadier than wall time on a loaded machine, and their ratios.

    git worktree add /tmp/base 01a2230 && git clone -q saleor /tmp/saleor-base
    python bench/bundle_latency.py /tmp/saleor-new --against /tmp/base \
        --against-repo /tmp/saleor-base
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import site
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


def timed_cpu(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (the process tree's, as reaped) milliseconds of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    wall = (time.perf_counter() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    return wall, cpu


def code_of(checkout: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment that run ``checkout``'s CLI, whatever is installed."""
    for package in ("analyzers", "server"):
        compileall.compile_dir(str(checkout / package), quiet=1)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(checkout), *site.getsitepackages()]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return [sys.executable, "-S", "-m", "server.cli"], env


def paired(repo: Path, other: Path, other_repo: Path, calls: list[list[str]]) -> dict[str, object]:
    """Each call run by this checkout's code on ``repo`` and by ``other``'s on ``other_repo``."""
    here = Path(__file__).resolve().parents[1]
    sides = {"this": (repo, *code_of(here)), "other": (other_repo, *code_of(other))}
    for where, cmd, env in sides.values():  # warm both, each on its own index
        subprocess.run([*cmd, "index"], cwd=where, env=env, capture_output=True, check=True)
    got: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for c in calls:
        for name, (where, cmd, env) in sides.items():
            got[name].append(timed_cpu([*cmd, "bundle", *c, "--out", os.devnull], where, env))
    out: dict[str, object] = {"queries": len(calls)}
    medians: dict[str, tuple[float, float]] = {}
    for name, runs in got.items():
        walls = sorted(w for w, _ in runs)
        medians[name] = (statistics.median(walls), statistics.median(c for _, c in runs))
        out[f"{name}_wall_median_ms"] = round(medians[name][0], 1)
        out[f"{name}_wall_p90_ms"] = round(walls[int(0.9 * (len(walls) - 1))], 1)
        out[f"{name}_cpu_median_ms"] = round(medians[name][1], 1)
    out["wall_this_over_other"] = round(medians["this"][0] / medians["other"][0], 3)
    out["cpu_this_over_other"] = round(medians["this"][1] / medians["other"][1], 3)
    return out


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
    ap.add_argument("--subjects", type=int, default=None, metavar="SKIP",
                    help="no seed: the task is a commit subject, --seeds N of them after the "
                         "latest SKIP (non-merge) commits (a one-line fix's description, as in "
                         "the issue-style protocol); a subject's files are shown, and so "
                         "scanned for secrets, for the first time")
    ap.add_argument("--against", type=Path, metavar="CHECKOUT",
                    help="another checkout of the code, timed in turn with this one")
    ap.add_argument("--against-repo", type=Path, metavar="COPY",
                    help="the copy of the repository the other checkout runs on")
    args = ap.parse_args(argv)
    if (args.against is None) != (args.against_repo is None):
        ap.error("--against and --against-repo go together")
    repo = args.repo.resolve()
    beside = Path(sys.executable).with_name("ctxsteward")
    exe = str(beside) if beside.exists() else (shutil.which("ctxsteward") or "ctxsteward")
    compile_code_under_test()  # (a stale byte-code cache cost ~0.1 s a call: see index_bench)
    seeds = pick_seeds(repo, args.seeds)
    calls = [["--task", f"fix the validation of {Path(s).stem.replace('_', ' ')}"]
             if args.task_only else ["--seed", s, "--task", TASK] for s in seeds]
    if args.subjects is not None:
        seeds = subprocess.run(
            ["git", "-C", str(repo), "log", "--no-merges", "--format=%s", "-n", str(args.seeds),
             "--skip", str(args.subjects)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        calls = [["--task", s] for s in seeds]
    if args.against is not None:
        result: dict[str, object] = {"repo": str(repo), "task_only": args.task_only,
                                     "subjects": args.subjects is not None,
                                     **paired(repo, args.against.resolve(),
                                              args.against_repo.resolve(), calls)}
        print(json.dumps(result, indent=2) if args.json else
              "\n".join(f"{k:>26}: {v}" for k, v in result.items()))
        return 0
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
