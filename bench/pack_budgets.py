"""Packing across budgets: does a larger budget ever hold fewer of the best-ranked files?

#14, defect 4: "more budget can give a worse bundle". The packer gives each item a share of what
is left, best first, so at a larger budget the first items grow (into whole files, or more of
their definitions) and can push out files ranked after them. Since session 15 room is held for
the least showing of the next items (``analyzers.bundles.pack.COVER``); this script measures
both ways in one run: ``before`` is the same code with ``COVER = 0`` (no room held, the packer as
it was), ``now`` the shipped constants.

Queries, per repository (its own index at HEAD, ``<repo>/.ctxsteward/``, brought up to date
first): the last ``--commits`` non-merge commits touching at least 2 source files, each asked as
a task alone (the subject) and seeded (its first changed source file, with the subject).
Each query is packed at every budget of ``--budgets``; per variant it prints

* ``lost``: files in the bundle at one budget and not at the next larger one, per query, and
  ``of first 20`` those among the ranking's first 20 (budget 0; further down a bundle's tail is
  filled with what fits, and what fits changes with the budget);
* ``queries losing``: the share of queries losing any of their first 20;
* ``top10 @16k``: the share of the ranking's first ten (budget 0) the 16k bundle holds;
* ``items @16k`` and ``first3 tokens @16k``: how many items, and the tokens of the first three
  (what holding room costs the best-ranked files).

    python bench/pack_budgets.py [--repos click gin express ...] [--commits 6]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import relevance as rel  # noqa: E402

from analyzers.app.requests import BundleRequest  # noqa: E402
from analyzers.bundles import pack  # noqa: E402
from analyzers.bundles.assemble import BundleError, make_bundle  # noqa: E402
from analyzers.config import Settings  # noqa: E402
from analyzers.indexing.index import Index, build  # noqa: E402

DEFAULT_REPOS = ("click", "requests", "gin", "express", "axum", "starlette", "fd", "gson")
FIRST = 20  # the ranking's first files, whose losses count
BUDGETS = (2_000, 4_000, 8_000, 12_000, 16_000, 24_000, 32_000, 48_000, 64_000)


def queries(repo: Path, commits: int) -> list[tuple[list[str], str]]:
    """(seeds, task) pairs: each sampled commit as a task alone and seeded."""
    out: list[tuple[list[str], str]] = []
    for n, c in enumerate(rel.iter_commits(repo)):
        if n >= 400:
            break
        sources = sorted(p for p in c.changed if rel.is_source(p) and (repo / p).is_file())
        if len(sources) < 2 or not c.subject.strip():
            continue
        out.append(([], c.subject))
        out.append(([sources[0]], c.subject))
        if len(out) >= 2 * commits:
            break
    return out


def measure(index: Index, seeds: list[str], task: str, budgets: tuple[int, ...]
            ) -> dict[str, Any] | None:
    held: dict[int, list[tuple[str, int]]] = {}
    for b in budgets:
        try:
            r = make_bundle(index, BundleRequest(seeds=seeds, task=task, budget=b))
        except BundleError:
            held[b] = []
            continue
        held[b] = [(i.path, i.tokens) for i in r.bundle.items]
    try:
        ranked = [i.path for i in make_bundle(index, BundleRequest(
            seeds=seeds, task=task, budget=0, limit=60)).bundle.items if i.path not in seeds]
    except BundleError:
        return None
    lost = lost_top = 0
    top20 = set(ranked[:FIRST])
    for small, large in zip(budgets, budgets[1:], strict=False):
        gone = {p for p, _ in held[small]} - {p for p, _ in held[large]}
        lost += len(gone)
        lost_top += len(gone & top20)
    at16 = held.get(16_000, [])
    paths16 = {p for p, _ in at16}
    top = ranked[:10]
    return {"lost": lost, "lost_top": lost_top,
            "top10": sum(p in paths16 for p in top) / max(1, len(top)),
            "items": len(at16),
            "first3": sum([t for p, t in at16 if p not in seeds][:3])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repos", nargs="+", default=list(DEFAULT_REPOS))
    ap.add_argument("--repos-dir", default="/work/benchrepos")
    ap.add_argument("--commits", type=int, default=6)
    args = ap.parse_args()
    shipped = pack.COVER
    variants = {"before": 0, "now": shipped}
    rows: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    for name in args.repos:
        repo = Path(name) if "/" in name else Path(args.repos_dir) / name
        settings = Settings()
        build(repo, settings)
        qs = queries(repo, args.commits)
        with Index(repo, settings) as index:
            for seeds, task in qs:
                for v, cover in variants.items():
                    pack.COVER = cover
                    m = measure(index, seeds, task, BUDGETS)
                    if m is not None:
                        rows[v].append(m)
        pack.COVER = shipped
        print(f"{repo.name}: {len(qs)} queries", file=sys.stderr)
    print(f"{'variant':8} {'queries':>7} {'lost':>6} {'of first 20':>11} {'queries losing':>15} "
          f"{'top10 @16k':>11} "
          f"{'items @16k':>11} {'first3 tokens @16k':>19}")
    for v, rs in rows.items():
        if not rs:
            continue
        print(f"{v:8} {len(rs):7d} {statistics.mean(r['lost'] for r in rs):6.2f} "
              f"{statistics.mean(r['lost_top'] for r in rs):11.2f} "
              f"{sum(r['lost_top'] > 0 for r in rs) / len(rs):15.2f} "
              f"{statistics.mean(r['top10'] for r in rs):11.3f} "
              f"{statistics.mean(r['items'] for r in rs):11.1f} "
              f"{statistics.median(r['first3'] for r in rs):19.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
