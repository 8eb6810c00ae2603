"""Fit the fusion weights of ``analyzers.rank`` on replayed history (the relevance protocol).

Collects, once per sample, every candidate's normalised signals (the ranking is a weighted sum of
them, so any weight vector can be scored offline), then searches the weights by coordinate descent
to maximise the mean of recall@10 and MRR over repositories and modes. Prints the best weights and
their figures next to the current ones. The judge remains ``bench/relevance.py``: copy the weights
into ``analyzers/rank.py`` only if it agrees.

    python bench/tune_weights.py --repos /work/benchrepos/{click,requests,gin} --samples 40
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import relevance as rel  # noqa: E402

from analyzers import rank as rank_mod  # noqa: E402
from analyzers.index import Index, build  # noqa: E402
from analyzers.rank import RankQuery, rank  # noqa: E402

Row = dict[str, Any]


def collect(repo: Path, samples: int) -> list[Row]:
    """One row per (sample, mode): candidates' signals and the truth."""
    saved = dict(rank_mod.WEIGHTS)
    rank_mod.WEIGHTS.update({k: 1.0 for k in saved})  # every signal present, unweighted
    rows: list[Row] = []
    wt = Path(f"/tmp/tune-{repo.name}")
    found = [s for s in rel.find_samples(repo, samples) if s.truth("seeded")]
    found.reverse()
    try:
        rel.add_worktree(repo, wt, found[0].parent)
        for s in found:
            rel.git(wt, "checkout", "-q", "--detach", "--force", s.parent)
            build(wt)
            with Index(wt) as index:
                for mode in rel.MODES:
                    seeds = [s.seed] if mode == "seeded" and s.seed else []
                    ranked = rank(index, RankQuery(seeds=seeds, task=s.message), explain=0)
                    rows.append({
                        "repo": repo.name, "mode": mode, "truth": s.truth(mode),
                        "cands": [(r.path, r.signals) for r in ranked[:300]],
                    })
    finally:
        rel.remove_worktree(repo, wt)
        rank_mod.WEIGHTS.clear()
        rank_mod.WEIGHTS.update(saved)
    return rows


def evaluate(rows: list[Row], weights: dict[str, float]) -> dict[str, float]:
    per: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in rows:
        scored = sorted(row["cands"], key=lambda c: -sum(weights.get(k, 0.0) * v
                                                          for k, v in c[1].items()))
        order = [p for p, _ in scored]
        per.setdefault((row["repo"], row["mode"]), []).append(
            (rel.recall_at(order, row["truth"], 10), rel.reciprocal_rank(order, row["truth"])))
    out: dict[str, float] = {}
    for mode in rel.MODES:
        groups = [v for (r, m), v in per.items() if m == mode]
        if not groups:
            continue
        out[f"{mode}_r10"] = statistics.mean(statistics.mean(x[0] for x in g) for g in groups)
        out[f"{mode}_mrr"] = statistics.mean(statistics.mean(x[1] for x in g) for g in groups)
    out["objective"] = statistics.mean(out.values())
    return out


def search(rows: list[Row], start: dict[str, float], rounds: int = 4) -> dict[str, float]:
    best = dict(start)
    best_score = evaluate(rows, best)["objective"]
    grid = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
    for _ in range(rounds):
        improved = False
        for key in list(best):
            for value in grid:
                trial = dict(best, **{key: value})
                s = evaluate(rows, trial)["objective"]
                if s > best_score + 1e-6:
                    best, best_score, improved = trial, s, True
        if not improved:
            break
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", nargs="+", type=Path, required=True)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--cache", type=Path, help="reuse/save collected rows (JSON)")
    args = ap.parse_args(argv)
    if args.cache and args.cache.exists():
        rows = json.loads(args.cache.read_text())
    else:
        rows = []
        for repo in args.repos:
            print(f"collecting {repo.name}…", file=sys.stderr)
            rows.extend(collect(repo.resolve(), args.samples))
        if args.cache:
            args.cache.write_text(json.dumps(rows))
    current = dict(rank_mod.WEIGHTS)
    print("current:", json.dumps(current), json.dumps(
        {k: round(v, 3) for k, v in evaluate(rows, current).items()}))
    best = search(rows, current)
    print("best:   ", json.dumps(best), json.dumps(
        {k: round(v, 3) for k, v in evaluate(rows, best).items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
