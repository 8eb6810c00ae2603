"""Does a repository's own past help the re-ranking? (#14, "learning from the repository itself").

Per held-out repository, its samples are split by commit time: the older half stands for the
history a repository holds at index time, the newer half is scored. Two task-alone re-rankings
(``bench/fusion_experiment.py``'s LightGBM lambdarank, same features, same linear order) rank
the newer half:

- ``loro``: trained on the other repositories only (what ships);
- ``self xW``: trained on the other repositories plus the held-out repository's older half,
  whose rows weigh ``W`` times a repository's share (``--weights``).

Nothing of a scored commit, or of any later one, is trained on: the older half's commits all
precede the newer half's. Figures are the macro over repositories of the newer halves.

    python bench/self_train_experiment.py --rows ROWS40 --repos-dir /work/benchrepos \
        --weights 1,3 --seeds 7,8,9

Session 17 (rows of the 40-commit collection, 25 repositories): issue-style Acc@5 / MRR on the
newer halves 0.747 / 0.719 (LORO), 0.753 / 0.722 (x1), 0.754 / 0.722 (x3); task-only R@10 0.661,
0.664, 0.670. Under #14's 0.03 rule: not built (bench/README, session 17).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fusion_experiment as fx  # noqa: E402

from analyzers.bundles import rank as rank_mod  # noqa: E402


def commit_times(repos_dir: Path, repo: str, shas: set[str]) -> dict[str, int]:
    out = subprocess.run(["git", "-C", str(repos_dir / repo), "show", "-s", "--format=%H %ct",
                          *sorted(shas)], capture_output=True, text=True, check=True).stdout
    times = {}
    for line in out.splitlines():
        sha, _, t = line.partition(" ")
        times[sha] = int(t)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--repos-dir", type=Path, required=True)
    ap.add_argument("--repos", nargs="*")
    ap.add_argument("--weights", default="1,3")
    ap.add_argument("--seeds", default="7,8,9")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args(argv)

    rows = fx.load(args.rows, args.repos)
    rows = [r for r in rows if r["mode"] in ("task", "issue")]
    current = (dict(rank_mod.WEIGHTS), dict(rank_mod.TASK_WEIGHTS))
    base = [fx.linear_order(r, fx.weights_for(r["mode"], current)) for r in rows]
    m = fx.Matrix(rows, base, args.top, current)
    params = {"n_estimators": 300, "num_leaves": 15, "learning_rate": 0.03,
              "min_child_samples": 100, "lambdarank_truncation_level": 20, "subsample": 0.8,
              "subsample_freq": 1, "colsample_bytree": 0.8}
    seeds = [int(x) for x in args.seeds.split(",")]
    weights = [float(x) for x in args.weights.split(",")]
    cols = ["linear", "loro", *(f"self x{w:g}" for w in weights)]
    ranked: dict[str, list[fx.Ranking]] = {c: [] for c in cols}
    scored: list[int] = []
    for n, held in enumerate(sorted({r["repo"] for r in rows})):
        t0 = time.perf_counter()
        mine = [i for i, r in enumerate(rows) if r["repo"] == held]
        times = commit_times(args.repos_dir, held, {rows[i]["sha"] for i in mine})
        shas = sorted(times, key=lambda s: (times[s], s))
        older = set(shas[:len(shas) // 2])
        newer = [i for i in mine if rows[i]["sha"] not in older]
        own = [i for i in mine if rows[i]["sha"] in older]
        others = [i for i, r in enumerate(rows) if r["repo"] != held]
        scored.extend(newer)
        for i in newer:
            ranked["linear"].append([rows[i]["cands"][j][0] for j in base[i]])
        for col in cols[1:]:
            w = 0.0 if col == "loro" else float(col.split("x")[1])
            tr = others + (own if w else [])
            fx.MODE_WEIGHT_REPO.clear()
            fx.MODE_WEIGHT_REPO[held] = w
            models = [fx.train(m, tr, rows, params | {"random_state": s}) for s in seeds]
            for i in newer:
                scores = sum(model.predict(m.x[i]) for model in models)
                ranked[col].append(fx.rerank(rows[i], base[i], m.keep[i], np.asarray(scores)))
        fx.log(f"  {n + 1} {held}: {len(own)} own rows, {len(newer)} scored, "
               f"{time.perf_counter() - t0:.1f} s")
    fx.MODE_WEIGHT_REPO.clear()
    sub = [rows[i] for i in scored]
    table = {c: fx.macro(sub, ranked[c]) for c in cols}
    fx.print_table(table)
    for c in cols[2:]:
        print(f"{c} against loro: " + ", ".join(
            f"{f} {table[c][f] - table['loro'][f]:+.3f}" for f in fx.FIGS if f in table[c]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
