"""A large handoff note carried into a session: ``ctxsteward hook SessionStart`` as Codex runs it.

Codex gives a hook 15 s (``SessionStart``); a HANDOFF.md of megabytes (a pasted log in a
human section) once took about 11 s to carry. This builds a throw-away repository in /tmp,
writes its note with ``ctxsteward handoff``, grows the Goal section to each ``--sizes`` (MB) of
list lines (``--shape headings``: of ``## Other k`` headings, the shape Markdown parsing is slowest
on), and times the whole hook process (Codex's JSON on stdin) ``--runs`` times per size,
alternating with the interpreter starting (the floor) in the same run. Printed: median wall time
per size, its ratio to the floor, and the characters carried.

``--command out`` times ``ctxsteward handoff --out`` on the grown note instead (the last column:
the characters of the note written); ``--shape nested`` grows a list nested on every line,
``--shape blob`` one line of letters without a space.

Usage: ``python bench/carry_bench.py [--sizes 0.01 1 6] [--runs 3] [--agent codex]
[--shape lines|headings|nested|blob] [--command hook|out]``; another
checkout's code with ``PYTHONPATH=/that/checkout``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SESSION_START = {"session_id": "019d036d-c7fa-72d2-b6fd-78878bfe34e4", "transcript_path": None,
                 "hook_event_name": "SessionStart", "model": "gpt-5.4",
                 "permission_mode": "default", "source": "startup"}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench",
                    *args], cwd=root, check=True, capture_output=True)


def _repo(root: Path) -> None:
    root.mkdir(parents=True)
    _git(root, "init", "-q")
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "initial")
    subprocess.run([sys.executable, "-m", "server.cli", "handoff", "--no-bundle", "--out",
                    "HANDOFF.md"], cwd=root, check=True, capture_output=True)


SHAPES = {"lines": "- step {i}: refactor the parser's module {i} and check parse_header again",
          "headings": "## Other {i}",
          # a list nested on every line (markdown-it's block pass: 6 s for 0.3 MB)
          "nested": "- a\n  - b{i}",
          "blob": ""}  # one line of letters, no space (a pasted blob; tiktoken's slowest)


def _grow(note: Path, base: str, megabytes: float, line: str) -> None:
    lines, size, i = [], 0, 0
    if not line:
        lines.append("x" * int(megabytes * 1e6))
    while size < megabytes * 1e6 and line:
        lines.append(line.format(i=i))
        size += len(lines[-1]) + 1
        i += 1
    head, sep, rest = base.partition("## Goal\n")
    note.write_text(head + sep + "\n" + "\n".join(lines) + "\n" + rest, "utf-8")


def _timed(cmd: list[str], cwd: Path, stdin: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=120, check=False)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.01, 1.0, 6.0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--agent", default="codex")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="lines")
    ap.add_argument("--command", choices=("hook", "out"), default="hook",
                    help="time the SessionStart hook (default), or `ctxsteward handoff --out "
                         "HANDOFF.md --no-bundle --no-checks` on the grown note (rewritten "
                         "before each run)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="carry-bench-"))
    try:
        root = tmp / "repo"
        _repo(root)
        note = root / "HANDOFF.md"
        base = note.read_text("utf-8")
        data = json.dumps({**SESSION_START, "cwd": str(root)})
        hook = [sys.executable, "-m", "server.cli", "hook", "SessionStart", "--agent", args.agent]
        if args.command == "out":
            hook = [sys.executable, "-m", "server.cli", "handoff", "--no-bundle", "--no-checks",
                    "--out", "HANDOFF.md"]
        floor = [sys.executable, "-c", "pass"]
        print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} runs per size, whole process")
        print("| note MB | hook median s | floor median s | ratio | characters carried |")
        print("|---|---|---|---|---|")
        for mb in args.sizes:
            _grow(note, base, mb, SHAPES[args.shape])
            hook_times, floor_times, carried = [], [], 0
            grown = note.read_text("utf-8")
            for _ in range(args.runs):
                note.write_text(grown, "utf-8")
                took, out = _timed(hook, root, data)
                hook_times.append(took)
                if args.command == "out":
                    carried = len(note.read_text("utf-8"))  # (the note written)
                else:
                    context = json.loads(out or "{}").get("hookSpecificOutput", {})
                    carried = len(context.get("additionalContext", ""))
                floor_times.append(_timed(floor, root, "")[0])
            h, f = statistics.median(hook_times), statistics.median(floor_times)
            print(f"| {mb:g} | {h:.2f} | {f:.3f} | {h / f:.0f}× | {carried:,} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
