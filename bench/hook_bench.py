"""The agent hook's benchmark: its latency as an agent sees it, and the value of its context map.

**Latency** (``--latency-repo``, default saleor): the whole ``ctxsteward hook UserPromptSubmit
--agent claude-code`` process, as Claude Code runs it (Claude Code's JSON on stdin, stdin closed,
``CLAUDE_PROJECT_DIR`` set), on a shared clone of the repository in ``/tmp`` with its index
warm, over ``--prompts`` realistic prompts (the repository's latest commit subjects), each in a
session of its own (a full map every time). Each run starts once no background index runs (the
hook refreshes the index in the background at most once a minute), so the figure is the hook's
own. Printed: p50/p95 wall time, the CPU time of the process (its children included), the
machine's load, and two peers measured alternately in the same run: the interpreter starting
and a warm ``ctxsteward bundle --task SUBJECT --budget 1500`` (which also refreshes the index).
The cold case: the same process with no index at all (it must answer nothing within 1 s and start
one background index, which this benchmark then stops).

**Value** (``--repos``, default click, gin, axios, sinatra): the map's recall at its 1,500-token
default on the history protocol (task = the commit message, truth = the files it changed) and the
issue-style one (task = the subject alone, truth = the source files it changed) of
``bench/relevance.py``, with the same sample selection (imported from it), against BM25 top-k at
the same token cost: BM25's best paths listed one a line, k as large as the listing still costs
no more tokens than the map did. Recall = truth files named / truth files. Since a map of many
files makes recall easy, a rank-aware figure too: R@5, the truth files among the map's first 5
entries against BM25's first 5 paths.

**Edit then prompt** (in the latency run): 8 rounds of appending a line to a source file, a
prompt at once, then the background refresh (the index, then its ranking graph) run to its end
and a prompt again: p50/p95 of both prompts and how many were answered. A prompt never builds
the ranking graph from nothing: when it is one index behind it brings it up to date within 1.5 s,
else it answers one line saying there is no map this time.

Usage: ``python bench/hook_bench.py [--latency-repo PATH] [--prompts 30] [--repos click gin ...]
[--samples 8] [--no-latency] [--no-value] [--json out.json]``. Benchmark repositories are never
modified: the latency runs on a ``git clone --shared`` in /tmp, the value protocol on detached
worktrees in /tmp (``relevance.add_worktree``), removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import relevance  # noqa: E402 - the benchmark's sample selection and helpers, reused

from analyzers.config import Settings  # noqa: E402

DEFAULT_LATENCY_REPO = relevance.BENCH_ROOT / "saleor"
DEFAULT_VALUE_REPOS = ("click", "gin", "axios", "sinatra")
MAP_BUDGET = 1_500
TOP = 5  # the rank-aware figure: truth files among the first TOP entries
STATE_FILES = ("index.sqlite", "graph.bin", "secrets.json")


def _say(msg: str) -> None:
    """Progress on stderr."""
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def _hook_command() -> list[str]:
    """The installed ``ctxsteward`` beside this interpreter, else ``-m server.cli``."""
    script = Path(sys.executable).with_name("ctxsteward")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


def _percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- latency ------------------------------------------------------------------------------------

def _clone(repo: Path, dest: Path) -> None:
    """A shared clone of ``repo`` at ``dest`` (``repo`` untouched), with its index copied over
    when it has one, then brought up to date."""
    if dest.exists():
        shutil.rmtree(dest)
    relevance.git(repo, "clone", "-q", "--shared", str(repo), str(dest))
    src = repo / ".ctxsteward"
    if src.is_dir():
        (dest / ".ctxsteward").mkdir(exist_ok=True)
        (dest / ".ctxsteward/.gitignore").write_text("*\n")
        for name in STATE_FILES:
            if (src / name).is_file():
                shutil.copy2(src / name, dest / ".ctxsteward" / name)
    t0 = time.perf_counter()
    _background_index(dest)  # as the hooks leave it: the index, then its ranking graph
    _say(f"latency: {dest} indexed in {time.perf_counter() - t0:.1f} s")


def _background_index(root: Path) -> float:
    """Run the hooks' background index (index, then ranking graph) of ``root`` to its end, as
    ``indexer.start`` launches it; its wall seconds."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "server.hooks.indexer", str(root)], cwd=root,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _background_running(root: Path) -> bool:
    """Whether the hook's background index of ``root`` runs now."""
    from server.hooks.indexer import running

    folder = root / ".ctxsteward/hooks"
    return folder.is_dir() and running(folder)


def _wait_background(root: Path, limit: float = 300.0) -> None:
    """Wait (at most ``limit`` seconds) until no background index runs."""
    end = time.monotonic() + limit
    while _background_running(root) and time.monotonic() < end:
        time.sleep(0.1)


def _stop_background(root: Path) -> None:
    """Stop the background index the hook started (by its process id, its session with it)."""
    status = root / ".ctxsteward/hooks/index.json"
    end = time.monotonic() + 5
    pid = None
    while time.monotonic() < end and pid is None:
        try:
            pid = json.loads(status.read_text()).get("pid")
        except (OSError, ValueError):
            time.sleep(0.05)
    if isinstance(pid, int):
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    _wait_background(root, 30)


def _one_run(root: Path, prompt: str, session: str) -> tuple[float, float, str]:
    """One hook process: its wall seconds, CPU seconds and stdout."""
    data = json.dumps({"session_id": session, "transcript_path": "", "cwd": str(root),
                       "permission_mode": "default", "hook_event_name": "UserPromptSubmit",
                       "prompt": prompt}).encode()
    env = dict(os.environ, CLAUDE_PROJECT_DIR=str(root))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([*_hook_command(), "hook", "UserPromptSubmit", "--agent",
                           "claude-code"], cwd=root, env=env, input=data, capture_output=True,
                          check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout.decode()


def _has_map(out: str) -> bool:
    """Whether a hook's answer holds a map (not the line saying there is none this time)."""
    return bool(out) and "no map of the relevant files" not in out


def _peer_runs(root: Path, subject: str) -> tuple[float, float]:
    """The same run's floors: the interpreter starting, and a warm ``ctxsteward bundle`` of the
    subject at the map's budget (wall seconds)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=False)
    floor = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([*_hook_command(), "bundle", "--task", subject, "--budget", str(MAP_BUDGET)],
                   cwd=root, capture_output=True, check=False)
    return floor, time.perf_counter() - t0


EDIT_ROUNDS = 8


def _edit_then_prompt(root: Path, subjects: list[str]) -> dict[str, Any]:
    """Per round: append a line to a source file, prompt at once (the index and graph are the
    ones before the edit), then let the background refresh run (index, then graph) and prompt
    again. Wall p50/p95 of both prompts, how many answered, and the refresh's p50."""
    target = _edit_target(root)
    now, after, refresh = [], [], []
    answered_now = answered_after = 0
    for i, subject in enumerate(subjects):
        _wait_background(root)
        with target.open("a", encoding="utf-8") as f:
            f.write(f"\n# edited by the hook benchmark, round {i}\n")
        wall, _, out = _one_run(root, subject, f"edit-now-{i}")
        now.append(wall * 1000)
        answered_now += _has_map(out)
        _wait_background(root)
        refresh.append(_background_index(root) * 1000)
        wall, _, out = _one_run(root, subject, f"edit-after-{i}")
        after.append(wall * 1000)
        answered_after += _has_map(out)
    return {
        "edit_rounds": len(now),
        "edit_now_p50_ms": round(statistics.median(now)),
        "edit_now_p95_ms": round(_percentile(now, 0.95)), "edit_now_answered": answered_now,
        "edit_after_p50_ms": round(statistics.median(after)),
        "edit_after_p95_ms": round(_percentile(after, 0.95)),
        "edit_after_answered": answered_after,
        "edit_refresh_p50_ms": round(statistics.median(refresh)),
    }


def _edit_target(root: Path) -> Path:
    """A tracked Python (else any) source file of ``root`` to append a line to."""
    files = relevance.git(root, "ls-files").splitlines()
    py = [f for f in files if f.endswith(".py") and "/tests/" not in f]
    return root / (py or files)[len(py or files) // 2]


def latency(repo: Path, prompts: int) -> dict[str, Any]:
    """Warm p50/p95 over ``prompts`` commit subjects, and the cold case, on a clone of
    ``repo``."""
    dest = Path(f"/tmp/hookbench-{repo.name}")
    _clone(repo, dest)
    subjects = [s for s in relevance.git(repo, "log", "--no-merges", f"-n{prompts}",
                                         "--format=%s").splitlines() if s.strip()]
    try:
        _one_run(dest, "warm up the caches: checkout voucher", "warmup")
        walls, cpus, sizes, floors, bundles = [], [], [], [], []
        for i, subject in enumerate(subjects):
            _wait_background(dest)
            wall, cpu, out = _one_run(dest, subject, f"bench-{i}")
            walls.append(wall)
            cpus.append(cpu)
            sizes.append(len(out))
            floor, bundle = _peer_runs(dest, subject)  # alternating: the same load for both
            floors.append(floor * 1000)
            bundles.append(bundle * 1000)
        edits = _edit_then_prompt(dest, subjects[:EDIT_ROUNDS])
        cold_walls = []
        for _ in range(3):
            _wait_background(dest)
            shutil.rmtree(dest / ".ctxsteward")
            wall, _, out = _one_run(dest, subjects[0], "cold")
            assert out == "", "a cold hook printed something"
            cold_walls.append(wall)
            _stop_background(dest)
    finally:
        _wait_background(dest, 30)
        shutil.rmtree(dest, ignore_errors=True)
    ms = [w * 1000 for w in walls]
    return {
        "repo": repo.name, "prompts": len(walls), "answered": sum(1 for s in sizes if s),
        "warm_p50_ms": round(statistics.median(ms)), "warm_p95_ms": round(_percentile(ms, 0.95)),
        "warm_max_ms": round(max(ms)),
        "cpu_p50_ms": round(statistics.median(cpus) * 1000),
        "cpu_p95_ms": round(_percentile([c * 1000 for c in cpus], 0.95)),
        "cold_ms": [round(w * 1000) for w in cold_walls],
        "python_p50_ms": round(statistics.median(floors)),
        "bundle_p50_ms": round(statistics.median(bundles)),
        "bundle_p95_ms": round(_percentile(bundles, 0.95)),
        **edits,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


# -- value --------------------------------------------------------------------------------------

def _listing_at(paths: list[str], tokens: int, count: Any) -> list[str]:
    """The longest prefix of ``paths`` whose listing (one path a line) costs at most
    ``tokens``."""
    out: list[str] = []
    for p in paths:
        if count("".join(f"- {q}\n" for q in [*out, p])) > tokens:
            break
        out.append(p)
    return out


def _samples(repo: Path, n: int) -> list[relevance.Sample]:
    """The history (task) and issue-style samples of ``relevance.py``, oldest first."""
    head = relevance.git(repo, "rev-parse", "HEAD").strip()
    by_sha: dict[str, relevance.Sample] = {}
    for s in relevance.find_samples(repo, n, head):
        if s.truth("task"):
            s.modes = ("task",)
            by_sha[s.sha] = s
    for s in relevance.find_issue_samples(repo, n, head).samples:
        if s.sha in by_sha:
            by_sha[s.sha].modes = (*by_sha[s.sha].modes, "issue")
        else:
            by_sha[s.sha] = s
    return sorted(by_sha.values(), key=lambda s: -s.pos)


def value_repo(repo: Path, n: int, settings: Settings) -> dict[str, Any]:
    """Map vs BM25 recall on ``repo``'s samples."""
    from analyzers.app.requests import MapRequest
    from analyzers.bundles.contextmap import make_map
    from analyzers.indexing.index import Index, build
    from analyzers.tokens import Counter

    counter = Counter(settings.encoding, settings.model_profile())
    rows: dict[str, list[dict[str, Any]]] = {"task": [], "issue": []}
    todo = _samples(repo, n)
    wt = Path(f"/tmp/hookbench-value-{repo.name}")
    if not todo:
        return {"repo": repo.name, "rows": rows}
    relevance.add_worktree(repo, wt, todo[0].parent)
    try:
        for s in todo:
            relevance.git(wt, "checkout", "-q", "--detach", "--force", s.parent)
            build(wt, settings)
            with Index(wt, settings) as index:
                bm25 = relevance.Bm25(index)
                for mode in s.modes:
                    task, truth = s.task_text(mode), s.truth(mode)
                    made = make_map(index, MapRequest(task=task, budget=MAP_BUDGET))
                    ranked = bm25.rank(task)
                    listed = _listing_at(ranked, made.tokens, counter.count)
                    rows[mode].append({
                        "sha": s.sha[:10], "truth": len(truth), "map_tokens": made.tokens,
                        "map_files": len(made.paths), "bm25_k": len(listed),
                        "map": relevance.recall_in(made.paths, truth),
                        "bm25": relevance.recall_in(listed, truth),
                        "map5": relevance.recall_in(made.paths[:TOP], truth),
                        "bm25_5": relevance.recall_in(ranked[:TOP], truth)})
    finally:
        relevance.remove_worktree(repo, wt)
    return {"repo": repo.name, "rows": rows}


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    """The mean of ``key`` over ``rows``."""
    return round(statistics.fmean(r[key] for r in rows), 3) if rows else float("nan")


def value_table(results: list[dict[str, Any]]) -> str:
    """Recall of the map and of BM25 at equal tokens, per repository and protocol."""
    lines = [f"{'repository':<12} {'protocol':<9} {'n':>3} {'map tok':>8} {'files':>6} "
             f"{'bm25 k':>7} {'map R':>7} {'bm25 R':>7} {'map R@5':>8} {'bm25 R@5':>9}"]
    pooled: dict[str, list[dict[str, Any]]] = {"task": [], "issue": []}
    for res in results:
        for mode, rows in res["rows"].items():
            pooled[mode] += rows
            if rows:
                lines.append(_row(res["repo"], mode, rows))
    for mode, rows in pooled.items():
        if rows:
            lines.append(_row("all", mode, rows))
    return "\n".join(lines)


def _row(name: str, mode: str, rows: list[dict[str, Any]]) -> str:
    """One line of the value table."""
    label = "history" if mode == "task" else "issue"
    return (f"{name:<12} {label:<9} {len(rows):>3} {_mean(rows, 'map_tokens'):>8.0f} "
            f"{_mean(rows, 'map_files'):>6.1f} {_mean(rows, 'bm25_k'):>7.1f} "
            f"{_mean(rows, 'map'):>7.3f} {_mean(rows, 'bm25'):>7.3f} "
            f"{_mean(rows, 'map5'):>8.3f} {_mean(rows, 'bm25_5'):>9.3f}")


def main(argv: list[str] | None = None) -> int:
    """Run the parts asked for and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latency-repo", default=str(DEFAULT_LATENCY_REPO))
    ap.add_argument("--prompts", type=int, default=30)
    ap.add_argument("--repos", nargs="+", default=list(DEFAULT_VALUE_REPOS))
    ap.add_argument("--samples", type=int, default=8,
                    help="samples per protocol and repository (default 8)")
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument("--no-value", action="store_true")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    if not args.no_latency:
        lat = out["latency"] = latency(Path(args.latency_repo), args.prompts)
        print(f"latency on {lat['repo']}: warm p50 {lat['warm_p50_ms']} ms, p95 "
              f"{lat['warm_p95_ms']} ms, max {lat['warm_max_ms']} ms over {lat['prompts']} "
              f"prompts ({lat['answered']} answered); CPU p50 {lat['cpu_p50_ms']} ms, p95 "
              f"{lat['cpu_p95_ms']} ms; cold (no index) {lat['cold_ms']} ms; load average "
              f"{lat['load_average']} on {lat['cpus']} CPUs")
        print(f"  same run: python starting p50 {lat['python_p50_ms']} ms; warm `ctxsteward "
              f"bundle --budget {MAP_BUDGET}` p50 {lat['bundle_p50_ms']} ms, p95 "
              f"{lat['bundle_p95_ms']} ms (hook/bundle p50 "
              f"{lat['warm_p50_ms'] / lat['bundle_p50_ms']:.2f})")
        print(f"  edit then prompt ({lat['edit_rounds']} rounds): at once p50 "
              f"{lat['edit_now_p50_ms']} ms, p95 {lat['edit_now_p95_ms']} ms "
              f"({lat['edit_now_answered']} answered); after the background refresh p50 "
              f"{lat['edit_after_p50_ms']} ms, p95 {lat['edit_after_p95_ms']} ms "
              f"({lat['edit_after_answered']} answered); the refresh (index + graph) p50 "
              f"{lat['edit_refresh_p50_ms']} ms")
    if not args.no_value:
        settings = Settings()
        results = []
        for repo in relevance.resolve_repos(args.repos):
            t0 = time.perf_counter()
            results.append(value_repo(repo.resolve(), args.samples, settings))
            _say(f"value: {repo.name} in {time.perf_counter() - t0:.0f} s")
        out["value"] = results
        print(f"context map ({MAP_BUDGET:,}-token default) vs BM25 paths at the same tokens; "
              f"R = recall (truth files named); R@{TOP} = truth files among the first {TOP} "
              f"entries (map) or paths (BM25)")
        print(value_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
