#!/usr/bin/env python3
"""Benchmark the repository index against its targets (issue 3).

    python bench/index_bench.py REPO_PATH [REPO_PATH ...] [--runs N] [--json]

Measures, in one invocation and on one machine, so every figure is a ratio against a peer measured
in the same run:

- files and bytes indexed (from the cache the cold run wrote);
- the *floor*: this one process reading every indexed file, parsing it with tree-sitter
  (``analyzers.languages.parser(lang).parse(data)``, for languages with a grammar) and counting its
  tokens with tiktoken ``cl100k_base`` (offline data), nothing else. Loading the grammars and the
  encoding happens before the clock starts;
- cold index: ``REPO/.ctxsteward`` deleted, the whole CLI call ``ctxsteward index REPO`` timed as
  a subprocess (interpreter start, imports, walk, parse pool, git history, SQLite, report);
- warm index: the same call again with nothing changed;
- one changed file: a comment line appended to one source file, the whole CLI call timed, then
  the file restored byte for byte (and its mtime) and the index brought back up to date;
- peak RSS of the cold CLI call: the largest single process (``wait4`` rusage of the CLI and its
  pool workers) and, sampled from ``/proc`` every 20 ms, the largest sum over the process tree;
- the first bundle after the cold index (``ctxsteward bundle --seed FILE --task TASK --budget
  8000``, FILE the changed file below): the whole CLI call, with its tree RSS;
- one changed file, then a bundle: the same comment appended, the same bundle call right after
  (the bundle brings the index and the ranking graph up to date itself), then restored.

Several repositories are measured one after the other, each with its own table.

With ``--runs N`` every measurement is repeated N times and the best (lowest) is reported; the
ratios are taken between bests. Targets: cold <= 1.0x floor, warm <= 5% of cold, one changed file
<= 1 s, peak RSS <= 500 MB.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STATE_DIR = ".ctxsteward"
COMMENT = {  # line-comment syntax for the file we touch
    "python": "#", "ruby": "#", "bash": "#",
    "javascript": "//", "typescript": "//", "tsx": "//", "go": "//", "rust": "//",
    "java": "//", "c": "//", "cpp": "//", "csharp": "//", "php": "//",
}
TARGETS = {
    "cold_over_floor": 1.0,
    "warm_over_cold": 0.05,
    "changed_seconds": 1.0,
    "peak_rss_mb": 500.0,
    "first_bundle_seconds": 1.5,
    "changed_bundle_seconds": 1.0,
}
TASK = "fix the error message when the input is invalid"


@dataclass
class Call:
    seconds: float
    cpu_seconds: float  # user + system time of the CLI and the children it waited for
    max_rss_mb: float  # largest single process (wait4 rusage: the CLI and its children)
    tree_rss_mb: float  # largest sampled sum of RSS over the CLI's process tree
    files_parsed: int | None
    returncode: int


@dataclass
class RunFigures:
    floor: float
    floor_cpu: float
    cold: Call
    warm: Call
    changed: Call
    changed_file: str
    first_bundle: Call
    changed_bundle: Call


@dataclass
class Result:
    repo: str
    files: int
    bytes: int
    parsed_files: int  # files with a grammar (parsed by tree-sitter in the floor)
    runs: list[RunFigures] = field(default_factory=list)


# -- the CLI as a subprocess --------------------------------------------------------------------

def _ctxsteward() -> list[str]:
    here = Path(sys.executable).parent / "ctxsteward"
    if here.exists():
        return [str(here)]
    found = shutil.which("ctxsteward")
    if found:
        return [found]
    return [sys.executable, "-m", "server.cli"]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_kb(pid: int) -> int:
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_kb(p)
        stack.extend(_children(p))
    return total


def run_cli(cmd: list[str]) -> Call:
    """Time one whole CLI call; its peak RSS from wait4 and from sampling /proc."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ctxsteward-bench-{os.getpid()}.out"
    peak_tree = 0
    with out_path.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not stop.wait(0.02):
                peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = out_path.read_text("utf-8", "replace")
    out_path.unlink()
    parsed = None
    try:
        parsed = json.loads(text).get("files_parsed")
    except ValueError:
        pass
    # ru_maxrss is in KiB on Linux.
    return Call(seconds=seconds, cpu_seconds=usage.ru_utime + usage.ru_stime,
                max_rss_mb=usage.ru_maxrss / 1024, tree_rss_mb=peak_tree / 1024,
                files_parsed=parsed, returncode=proc.returncode)


def index_call(repo: Path) -> Call:
    call = run_cli([*_ctxsteward(), "index", str(repo), "--json"])
    if call.returncode != 0:
        raise SystemExit(f"ctxsteward index {repo} failed with exit status {call.returncode}")
    return call


# -- the floor ----------------------------------------------------------------------------------

def indexed_files(repo: Path) -> list[tuple[str, str | None, int]]:
    db = repo / STATE_DIR / "index.sqlite"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT path, lang, size FROM files ORDER BY path"))
    finally:
        conn.close()


def floor(repo: Path, files: list[tuple[str, str | None, int]]) -> tuple[float, float]:
    """One process: read, tree-sitter parse and cl100k-count every indexed file.

    Returns (wall seconds, CPU seconds)."""
    from analyzers import languages
    from analyzers.tokens import encoding

    enc = encoding("cl100k_base")
    grammar = {lang for _, lang, _ in files if languages.has_grammar(lang)}
    parsers = {lang: languages.parser(lang) for lang in grammar}
    t0, c0 = time.perf_counter(), time.process_time()
    for path, lang, _ in files:
        try:
            data = (repo / path).read_bytes()
        except OSError:
            continue
        text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
        enc.encode_ordinary(text)
        if lang in parsers:
            parsers[lang].parse(data)
    return time.perf_counter() - t0, time.process_time() - c0


# -- one changed file ---------------------------------------------------------------------------

def pick_source_file(repo: Path, files: list[tuple[str, str | None, int]]) -> tuple[str, str]:
    """A median-sized file of the repository's most common language that has a grammar."""
    counts: dict[str, int] = {}
    for _, lang, _ in files:
        if lang in COMMENT:
            counts[lang] = counts.get(lang, 0) + 1
    if not counts:
        raise SystemExit(f"{repo} has no source file in a language with a grammar")
    lang = max(counts, key=lambda k: (counts[k], k))
    candidates = sorted((size, path) for path, lg, size in files if lg == lang)
    return candidates[len(candidates) // 2][1], lang


def bundle_call(repo: Path, seed: str) -> Call:
    """The whole CLI call of a seeded bundle with a task, at budget 8000."""
    call = run_cli([*_ctxsteward(), "bundle", "--root", str(repo), "--seed", str(repo / seed),
                    "--task", TASK,
                    "--budget", "8000", "--format", "json"])
    if call.returncode != 0:
        raise SystemExit(f"ctxsteward bundle in {repo} failed with exit status {call.returncode}")
    return call


def changed_call(repo: Path, rel: str, lang: str, then: Callable[[], Call]) -> Call:
    """``then()`` timed with a comment line appended to ``rel``; the file restored after (and the
    index brought back in step with it, untimed)."""
    path = repo / rel
    original = path.read_bytes()
    st = path.stat()
    sep = b"" if original.endswith(b"\n") or not original else b"\n"
    try:
        path.write_bytes(original + sep + f"{COMMENT[lang]} ctxsteward bench {time.time()}\n"
                         .encode())
        return then()
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        index_call(repo)  # back in step with the restored file (untimed)


# -- the run ------------------------------------------------------------------------------------

def one_run(repo: Path) -> tuple[RunFigures, list[tuple[str, str | None, int]]]:
    shutil.rmtree(repo / STATE_DIR, ignore_errors=True)
    cold = index_call(repo)
    files = indexed_files(repo)
    rel, lang = pick_source_file(repo, files)
    first_bundle = bundle_call(repo, rel)
    warm = index_call(repo)
    changed = changed_call(repo, rel, lang, lambda: index_call(repo))
    changed_bundle = changed_call(repo, rel, lang, lambda: bundle_call(repo, rel))
    fl, fl_cpu = floor(repo, files)
    figures = RunFigures(floor=fl, floor_cpu=fl_cpu, cold=cold, warm=warm, changed=changed,
                         changed_file=rel, first_bundle=first_bundle,
                         changed_bundle=changed_bundle)
    return figures, files


def summarise(result: Result) -> dict:
    runs = result.runs
    fl = min(r.floor for r in runs)
    cold = min(r.cold.seconds for r in runs)
    warm = min(r.warm.seconds for r in runs)
    changed = min(r.changed.seconds for r in runs)
    rss = max(r.cold.max_rss_mb for r in runs)
    tree = max(r.cold.tree_rss_mb for r in runs)
    figures = {
        "floor_seconds": fl,
        "cold_seconds": cold,
        "cold_over_floor": cold / fl if fl else float("inf"),
        "warm_seconds": warm,
        "warm_over_cold": warm / cold if cold else float("inf"),
        "changed_seconds": changed,
        "peak_rss_mb": rss,
        "peak_tree_rss_mb": tree,
        # CPU time (all processes) says how much work each call does, whatever the load.
        "floor_cpu_seconds": min(r.floor_cpu for r in runs),
        "cold_cpu_seconds": min(r.cold.cpu_seconds for r in runs),
        "warm_cpu_seconds": min(r.warm.cpu_seconds for r in runs),
        "changed_cpu_seconds": min(r.changed.cpu_seconds for r in runs),
        "first_bundle_seconds": min(r.first_bundle.seconds for r in runs),
        "first_bundle_cpu_seconds": min(r.first_bundle.cpu_seconds for r in runs),
        "first_bundle_tree_rss_mb": max(r.first_bundle.tree_rss_mb for r in runs),
        "changed_bundle_seconds": min(r.changed_bundle.seconds for r in runs),
        "changed_bundle_cpu_seconds": min(r.changed_bundle.cpu_seconds for r in runs),
        "changed_bundle_tree_rss_mb": max(r.changed_bundle.tree_rss_mb for r in runs),
        "load_average": os.getloadavg(),
    }
    checks = {
        "cold_over_floor": figures["cold_over_floor"] <= TARGETS["cold_over_floor"],
        "warm_over_cold": figures["warm_over_cold"] <= TARGETS["warm_over_cold"],
        "changed_seconds": changed <= TARGETS["changed_seconds"],
        "peak_rss_mb": rss <= TARGETS["peak_rss_mb"],
        "first_bundle_seconds":
            figures["first_bundle_seconds"] <= TARGETS["first_bundle_seconds"],
        "changed_bundle_seconds":
            figures["changed_bundle_seconds"] <= TARGETS["changed_bundle_seconds"],
    }
    return {"figures": figures, "targets": TARGETS, "meets": checks}


def render(result: Result, summary: dict) -> str:
    f, ok = summary["figures"], summary["meets"]
    n = len(result.runs)
    mark = {True: "ok  ", False: "MISS"}
    lines = [
        f"repository   {result.repo}",
        f"indexed      {result.files:,} files, {result.bytes:,} bytes "
        f"({result.parsed_files:,} with a grammar); runs {n} (best of {n} shown)",
        f"cpus         {os.cpu_count()}   ctxsteward: {' '.join(_ctxsteward())}",
        "",
        f"{'measure':<22}{'value':>12}{'ratio':>12}{'target':>16}   ",
        f"{'floor (1 process)':<22}{f['floor_seconds']:>11.2f}s{'1.00x':>12}{'':>16}",
        f"{'cold index (CLI)':<22}{f['cold_seconds']:>11.2f}s"
        f"{f['cold_over_floor']:>11.2f}x{'<= 1.00x floor':>16}   {mark[ok['cold_over_floor']]}",
        f"{'warm, no change (CLI)':<22}{f['warm_seconds']:>11.2f}s"
        f"{f['warm_over_cold']:>11.1%} {'<= 5% of cold':>16}   {mark[ok['warm_over_cold']]}",
        f"{'one file changed (CLI)':<22}{f['changed_seconds']:>11.2f}s{'':>12}"
        f"{'<= 1.00 s':>16}   {mark[ok['changed_seconds']]}",
        f"{'peak RSS, cold':<22}{f['peak_rss_mb']:>10.0f}MB{'':>12}{'<= 500 MB':>16}   "
        f"{mark[ok['peak_rss_mb']]}",
        f"{'  (sum over workers)':<22}{f['peak_tree_rss_mb']:>10.0f}MB",
        f"{'first bundle (CLI)':<22}{f['first_bundle_seconds']:>11.2f}s{'':>12}"
        f"{'<= 1.50 s':>16}   {mark[ok['first_bundle_seconds']]}",
        f"{'changed, bundle (CLI)':<22}{f['changed_bundle_seconds']:>11.2f}s{'':>12}"
        f"{'<= 1.00 s':>16}   {mark[ok['changed_bundle_seconds']]}",
        f"{'  bundles tree RSS':<22}{f['first_bundle_tree_rss_mb']:>10.0f}MB / "
        f"{f['changed_bundle_tree_rss_mb']:.0f} MB (first / changed)",
        "",
        f"CPU seconds (all processes): floor {f['floor_cpu_seconds']:.2f}, "
        f"cold {f['cold_cpu_seconds']:.2f} "
        f"({f['cold_cpu_seconds'] / f['floor_cpu_seconds']:.2f}x), "
        f"warm {f['warm_cpu_seconds']:.2f}, changed {f['changed_cpu_seconds']:.2f}, "
        f"first bundle {f['first_bundle_cpu_seconds']:.2f}, "
        f"changed then bundle {f['changed_bundle_cpu_seconds']:.2f}",
        "load average at the end: " + " ".join(f"{x:.2f}" for x in f["load_average"]),
    ]
    if n > 1:
        lines.append("")
        lines.append("per run (s): floor / cold / warm / changed / first bundle / changed "
                     "bundle")
        for i, r in enumerate(result.runs, 1):
            lines.append(f"  {i}: {r.floor:.2f} / {r.cold.seconds:.2f} / {r.warm.seconds:.2f} / "
                         f"{r.changed.seconds:.2f} / {r.first_bundle.seconds:.2f} / "
                         f"{r.changed_bundle.seconds:.2f}   files parsed (cold/warm/changed): "
                         f"{r.cold.files_parsed}/{r.warm.files_parsed}/{r.changed.files_parsed}")
    lines.append(f"changed file: {result.runs[0].changed_file}")
    return "\n".join(lines)


def compile_code_under_test() -> None:
    """Byte-compile the tool's packages, as installing it does: with ``PYTHONDONTWRITEBYTECODE``
    set (as on the benchmark machine) a source checkout would otherwise compile every changed
    module from source on every timed call (~0.1-0.4 CPU s each)."""
    for package in ("analyzers", "server"):
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repos", nargs="+", metavar="REPO",
                    help="repository to index (its .ctxsteward cache is deleted)")
    ap.add_argument("--runs", type=int, default=1, help="repeat everything N times, keep the best")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    repos = [Path(r).resolve() for r in args.repos]
    for repo in repos:
        if not repo.is_dir():
            ap.error(f"{repo} is not a folder")
    compile_code_under_test()
    met = True
    reports = []
    for repo in repos:
        result, summary = measure(repo, args.runs)
        met = met and all(summary["meets"].values())
        if args.json:
            reports.append({**asdict(result), **summary})
        else:
            print(render(result, summary), end="\n\n", flush=True)
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    return 0 if met else 1


def measure(repo: Path, runs: int) -> tuple[Result, dict]:
    """Every figure for ``repo``, best of ``runs``."""
    result: Result | None = None
    for _ in range(runs):
        figures, files = one_run(repo)
        if result is None:
            result = Result(repo=str(repo), files=len(files), bytes=sum(s for *_, s in files),
                            parsed_files=sum(1 for _, lang, _ in files if lang in COMMENT))
        result.runs.append(figures)
    assert result is not None
    return result, summarise(result)


if __name__ == "__main__":
    sys.exit(main())
