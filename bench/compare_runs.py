"""Ours in two ``relevance.py --details`` runs, on the samples both ran: a change's before/after.

Each run's per-sample metrics of the ``ours`` ranker are matched by commit, per repository and
protocol, and the means over the shared samples printed side by side (``before>after(n)``), then
the macro over repositories. Time caps thin samples by speed, so two runs of one command need not
hold the same samples; only those in both count.

    python bench/relevance.py --repos typer black --rankers ours --details --json before.json
    # (the change)
    python bench/relevance.py --repos typer black --rankers ours --details --json after.json
    python bench/compare_runs.py before.json after.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

FIGURES = {"seeded": ["r@10", "mrr", "r16k"], "task": ["r@10", "mrr", "r16k"],
           "issue": ["acc@1", "acc@5", "mrr"]}


def by_sha(run: dict, repo: str, mode: str) -> dict[str, dict[str, float]]:
    """Commit -> metrics of ``ours`` for one repository and protocol of a run."""
    return {s["sha"]: s["metrics"] for s in run["details"][repo]["ours"].get(mode, [])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    a, b = (json.loads(p.read_text()) for p in (args.before, args.after))
    if "details" not in a or "details" not in b:
        ap.error("both runs need --details (per-sample metrics)")
    macro: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    print(f"{'repository':12}" + "".join(f"{m[:5] + ' ' + f:>18}" for m, fs in FIGURES.items()
                                        for f in fs))
    for repo in sorted(set(a["details"]) & set(b["details"])):
        cells = []
        for mode, figures in FIGURES.items():
            x, y = by_sha(a, repo, mode), by_sha(b, repo, mode)
            shared = sorted(set(x) & set(y))
            for f in figures:
                if not shared:
                    cells.append(f"{'-':>18}")
                    continue
                before = statistics.mean(x[s][f] for s in shared)
                after = statistics.mean(y[s][f] for s in shared)
                pair = macro.setdefault((mode, f), ([], []))
                pair[0].append(before)
                pair[1].append(after)
                cells.append(f"{before:.3f}>{after:.3f}({len(shared)})".rjust(18))
        print(f"{Path(repo).name[:12]:12}" + "".join(cells))
    print(f"{'macro':12}" + "".join(
        f"{statistics.mean(v[0]):.3f}>{statistics.mean(v[1]):.3f}".rjust(18)
        if (v := macro.get((m, f))) else " " * 18 for m, fs in FIGURES.items() for f in fs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
