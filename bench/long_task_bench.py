"""Whole-CLI time of ``ctxsteward bundle`` on long and hostile tasks, against a one-line task.

An agent or a person pastes what they have: a CI log of megabytes, a one-line JSON payload, a
base64 blob. Each such task is written to a file and asked for with ``--task-file`` on a warm
index; the script prints each call's median time and its ratio to the one-line task's, measured
in the same run. A pattern tried at every position of a long word (quadratic) shows as a ratio
in the tens or hundreds; reading the task once keeps every ratio near 1 to 3.

    python bench/long_task_bench.py /work/benchrepos/click --repeat 3
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from index_bench import compile_code_under_test

SHORT = "the option parser fails on nested groups"


def tasks(repo: Path) -> dict[str, str]:
    """Name -> task text. The log's paths are the repository's own (so that files are named)."""
    files = subprocess.run(["git", "-C", str(repo), "ls-files", "*.py", "*.go", "*.ts", "*.rs"],
                           capture_output=True, text=True, check=True).stdout.split()[:50]
    files = files or ["x.py"]
    rng = random.Random(7)
    words = [w for f in files for w in Path(f).stem.split("_")] or ["word"]

    def log(size: int) -> str:
        lines, n, i = [SHORT], len(SHORT), 0
        while n < size:
            ln = (f"2026-12-05T10:{i % 60:02d}:00 INFO {' '.join(rng.choices(words, k=8))} "
                  f'File "{files[i % len(files)]}", line {i % 900}, in f_{i % 50}')
            lines.append(ln)
            n, i = n + len(ln) + 1, i + 1
        return "\n".join(lines)

    payload = [{"path": files[i % len(files)], "line": i, "msg": f"w{rng.randint(0, 9999)}"}
               for i in range(3000)]
    return {
        "one line (the floor)": SHORT,
        "log 700 KB": log(700_000),
        "log 7 MB": log(7_000_000),
        "one-line JSON 160 KB": SHORT + "\n" + json.dumps(payload, separators=(",", ":")),
        "word 'a.'*50k": SHORT + "\n" + "a." * 50_000,
        "word 'a/'*50k": SHORT + "\n" + "a/" * 50_000,
        "word 'x.y'*33k after 'at '": SHORT + "\nat " + "x.y" * 33_000,
        "word 'a:'*50k.": SHORT + "\n" + "a:" * 50_000 + ".",
        "word 'ab+'*33k": SHORT + "\n" + "ab+" * 33_000,
        # what the secret detectors read: a keyword or token prefix over and over
        "'password'*12.5k": SHORT + "\n" + "password" * 12_500,
        "'curl -d '+'a.'*49k": SHORT + "\ncurl -d " + "a." * 49_000,
        "'sk-'*33k": SHORT + "\n" + "sk-" * 33_000,
        "'eyJhbGciOi.'*9k": SHORT + "\n" + "eyJhbGciOi." * 9_000,
        "'https://a:b@'*8k": SHORT + "\n" + "https://a:b@" * 8_000,
        # lines of eleven tokens of a kind only detect-secrets reads: each line read again for
        # each value, detect-secrets' indirect-reference filter run on each (ours is linear)
        "100 KB of lines of 11 GitLab tokens": SHORT + "\n" + (
            " ".join(f"glpat-{i:02d}aQ3xZ9kL2mN7pR4tV8" for i in range(11)) + "\n") * 337,
        "'a/'*49k + a file": SHORT + "\n" + "a/" * 49_000 + files[0],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    repo = args.repo.resolve()
    beside = Path(sys.executable).with_name("ctxsteward")
    exe = str(beside) if beside.exists() else (shutil.which("ctxsteward") or "ctxsteward")
    compile_code_under_test()
    subprocess.run([exe, "index"], cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in tasks(repo).items():
            path = Path(tmp) / "task.txt"
            path.write_text(text, encoding="utf-8")
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run([exe, "bundle", "--task-file", str(path), "--format", "json",
                                "--out", str(Path(tmp) / "out.json")], cwd=repo, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times.append(time.perf_counter() - t0)
            rows.append({"task": name, "chars": len(text), "median_s": statistics.median(times)})
    floor = rows[0]["median_s"]
    for r in rows:
        r["ratio"] = r["median_s"] / floor
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'task':34} {'characters':>11} {'median s':>9} {'× one line':>11}")
        for r in rows:
            print(f"{r['task']:34} {r['chars']:>11,} {r['median_s']:>9.2f} {r['ratio']:>10.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
