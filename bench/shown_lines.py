"""Did the bundle show the lines that had to change? (#14: a file's right parts, not only the file)

The relevance benchmark counts a truth file as found when *any* part of it is in the bundle. A
large file is shown by some of its definitions, so the file can be in while the code the fix
changed is not: the agent sees ``Path.convert`` when the task was about ``Choice``. This script
measures the lines.

Samples: the issue-style ones of ``bench/relevance.py`` (the task is the commit's subject line,
the truth its non-test, non-doc source files that existed at the parent). Each is replayed at its
parent commit (a worktree, indexed as it was), and a task-only bundle is made at each budget of
``--budgets``. A truth file's *changed lines* are the parent's lines the fix deleted or rewrote
(``git diff -U0``); a pure insertion counts the line before it and the one after.

Per budget it prints, over the samples' truth files:

* ``in``: the share of truth files with any part in the bundle (as ``relevance.py``'s recall);
* ``lines``: the share of the changed lines the bundle shows (0 for a file not in it): what the
  agent saw of the change;
* ``hit|in``: of the truth files in the bundle, the share showing at least one changed line;
* ``lines|in``: of the truth files in the bundle, the mean share of their changed lines shown;
* ``whole|in``: of those, the share shown whole (a whole file shows every line trivially);
* ``seed`` (with ``--seeded``, where the truth file with the most changed lines is named as the
  seed, as by a user who knows the file but not the function to change): the share of the
  seed's changed lines shown.

It runs whatever ``analyzers`` is first on the path, so two versions of the code are compared by
running it twice, each from its own checkout, on its own worktree directory:

    PYTHONPATH=. python bench/shown_lines.py --repos click gin --samples 12 --json a.json
    PYTHONPATH=/tmp/base python /tmp/base/bench/shown_lines.py ... --worktree-dir /tmp/wt-base
    python bench/shown_lines.py --compare a.json b.json
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import relevance as rel  # noqa: E402

from analyzers.app.requests import BundleRequest  # noqa: E402
from analyzers.bundles.assemble import BundleError, make_bundle  # noqa: E402
from analyzers.indexing.index import Index, build  # noqa: E402

DEFAULT_REPOS = ("click", "requests", "starlette", "gin", "chi", "express", "axum", "fd", "gson",
                 "sinatra")
BUDGETS = (2_000, 4_000, 8_000)
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", re.M)


def changed_lines(repo: Path, parent: str, sha: str, path: str) -> set[int]:
    """The parent's lines of ``path`` the commit deleted or rewrote (an insertion: the lines
    around it)."""
    out: set[int] = set()
    diff = rel.git(repo, "diff", "-U0", "--no-color", "--no-ext-diff", parent, sha, "--", path)
    for m in HUNK.finditer(diff):
        start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
        if count == 0:  # inserted after line ``start``
            out.update(x for x in (start, start + 1) if x >= 1)
        else:
            out.update(range(start, start + count))
    return out


def shown(ranges: list[Any]) -> set[int]:
    return {ln for a, b in ranges for ln in range(int(a), int(b) + 1)}


def evaluate(repo: Path, samples: int, budgets: tuple[int, ...], wt_dir: Path,
             seeded: bool = False) -> list[dict]:
    sel = rel.find_issue_samples(repo, samples)
    todo = sorted(sel.samples, key=lambda s: -s.pos)  # oldest first: the index moves forward
    out: list[dict] = []
    if not todo:
        return out
    wt = wt_dir / f"shownlines-{repo.name}"
    rel.add_worktree(repo, wt, todo[0].parent)
    try:
        for s in todo:
            rel.git(wt, "checkout", "-q", "--detach", "--force", s.parent)
            build(wt)
            truth = s.truth("issue")
            lines = {p: changed_lines(repo, s.parent, s.sha, p) for p in truth}
            rec: dict[str, Any] = {"repo": repo.name, "sha": s.sha[:12], "task": s.subject,
                                   "truth": {p: len(v) for p, v in lines.items()}, "budgets": {}}
            # --seeded: the truth file with the most changed lines named as the seed, as a user
            # who knows the file to change (but not the function) would
            seed = max(sorted(lines), key=lambda p: len(lines[p])) if seeded and lines else None
            if seed is not None:
                rec["seed"] = seed
            with Index(wt) as index:
                for b in budgets:
                    try:
                        made = make_bundle(index, BundleRequest(
                            task=s.subject, budget=b, seeds=[seed] if seed else []))
                    except BundleError as e:
                        rec["budgets"][str(b)] = {"error": str(e)}
                        continue
                    bundle = getattr(made, "bundle", made)
                    files: dict[str, Any] = {}
                    for it in bundle.items:
                        if it.path in lines:
                            got = shown(it.ranges) & lines[it.path]
                            files[it.path] = {"shown": len(got), "granularity": it.granularity,
                                              "symbols": list(it.symbols)[:6]}
                    rec["budgets"][str(b)] = files
            out.append(rec)
    finally:
        rel.remove_worktree(repo, wt)
    return out


def summary(records: list[dict], budgets: list[str]) -> dict[str, dict[str, float]]:
    res: dict[str, dict[str, float]] = {}
    for b in budgets:
        n = inside = hit = whole = 0
        lines_all: list[float] = []
        lines_in: list[float] = []
        for r in records:
            got = r["budgets"].get(b, {})
            if "error" in got:
                continue
            for p, total in r["truth"].items():
                if not total:
                    continue
                n += 1
                f = got.get(p)
                share = (f["shown"] / total) if f else 0.0
                lines_all.append(share)
                if f:
                    inside += 1
                    hit += f["shown"] > 0
                    whole += f["granularity"] == "file"
                    lines_in.append(share)
        seeds = [r["budgets"].get(b, {}).get(r["seed"], {}).get("shown", 0) / r["truth"][r["seed"]]
                 for r in records if r.get("seed") and r["truth"].get(r["seed"])
                 and "error" not in r["budgets"].get(b, {})]
        res[b] = {"files": n, "in": inside / n if n else 0.0,
                  "seed": statistics.fmean(seeds) if seeds else 0.0,
                  "lines": statistics.fmean(lines_all) if lines_all else 0.0,
                  "hit|in": hit / inside if inside else 0.0,
                  "lines|in": statistics.fmean(lines_in) if lines_in else 0.0,
                  "whole|in": whole / inside if inside else 0.0}
    return res


def print_summary(title: str, s: dict[str, dict[str, float]]) -> None:
    print(f"{title}\n  budget   files     in  lines  hit|in  lines|in  whole|in   seed")
    for b, v in s.items():
        print(f"  {int(b):>6} {v['files']:>7} {v['in']:6.3f} {v['lines']:6.3f} {v['hit|in']:7.3f}"
              f" {v['lines|in']:9.3f} {v['whole|in']:9.3f} {v.get('seed', 0.0):6.3f}")


def compare(a_path: Path, b_path: Path) -> int:
    a, b = (json.loads(Path(p).read_text()) for p in (a_path, b_path))
    keys = ({(r["repo"], r["sha"]) for r in a["records"]}
            & {(r["repo"], r["sha"]) for r in b["records"]})
    budgets = [x for x in a["budgets"] if x in b["budgets"]]
    for name, run in (("A " + str(a_path), a), ("B " + str(b_path), b)):
        recs = [r for r in run["records"] if (r["repo"], r["sha"]) in keys]
        print_summary(f"{name} ({len(recs)} samples both runs hold)", summary(recs, budgets))
    repos = sorted({k[0] for k in keys})
    print("\nper repository, 'lines' ('seed' with --seeded) at each budget: A -> B")
    for repo in repos:
        cells = []
        for run in (a, b):
            recs = [r for r in run["records"]
                    if (r["repo"], r["sha"]) in keys and r["repo"] == repo]
            cells.append(summary(recs, budgets))
        key = "seed" if any(r.get("seed") for r in a["records"]) else "lines"
        print(f"  {repo:<10} " + "  ".join(f"{cells[0][x][key]:.3f}->{cells[1][x][key]:.3f}"
                                         for x in budgets))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/shown_lines.py", description=__doc__.split("\n")[0])
    ap.add_argument("--repos", nargs="+", default=list(DEFAULT_REPOS))
    ap.add_argument("--samples", type=int, default=12, help="issue-style commits per repository")
    ap.add_argument("--budgets", default=",".join(map(str, BUDGETS)))
    ap.add_argument("--worktree-dir", type=Path, default=Path("/tmp"))
    ap.add_argument("--json", type=Path, help="write the records here")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"),
                    help="compare two --json outputs on the samples both hold")
    ap.add_argument("--seeded", action="store_true",
                    help="name the truth file with the most changed lines as the seed; 'seed' is "
                         "the share of its changed lines shown")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    budgets = tuple(int(x) for x in args.budgets.split(","))
    records: list[dict] = []
    t0 = time.perf_counter()
    for repo in rel.resolve_repos(args.repos):
        t1 = time.perf_counter()
        got = evaluate(repo, args.samples, budgets, args.worktree_dir, args.seeded)
        records.extend(got)
        print(f"{repo.name}: {len(got)} samples, {time.perf_counter() - t1:.0f} s", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps({"budgets": [str(b) for b in budgets],
                                             "records": records}, indent=1) + "\n")
    print_summary(f"{len(records)} samples, {time.perf_counter() - t0:.0f} s",
                  summary(records, [str(b) for b in budgets]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
