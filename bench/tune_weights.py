"""Fit the fusion weights of ``analyzers.bundles.rank`` on replayed history (the relevance
protocols).

Collects, once per sample and protocol (seeded, task-only, issue-style; see ``bench/relevance.py``),
every candidate's normalised signals (the ranking is a weighted sum of them, times the shares the
penalties leave, so any weight vector can be scored offline), then fits the ranker's two weight
sets: ``WEIGHTS`` on the seeded rows (objective: the mean of seeded R@10 and MRR) and
``TASK_WEIGHTS`` on the task-only and issue-style rows (task-only R@10 and MRR, issue-style Acc@5
and MRR); each a mean over repositories of the per-repository means. ``--fit grid``: coordinate
descent; ``--fit listwise``: a softmax fit of the truth's probability first (see ``listwise``),
then the same descent from there. Prints the best weights and their figures next to the current
ones. The judge remains ``bench/relevance.py``: copy the weights into ``analyzers/bundles/rank.py``
only if it agrees.

``--loro`` is the honest check: for each repository, the weights are fitted on every other
repository's rows and scored on the held-out one, printed next to the in-sample figures (weights
fitted on all repositories), the current weights and the same samples' baselines (co-change alone,
BM25 alone, as ``relevance.py`` runs them), so every ratio comes from one run.

    python bench/tune_weights.py --repos click requests gin --samples 20 --rows-cache /tmp/rows
    python bench/tune_weights.py --repos all --rows-cache /tmp/rows --loro --json loro.json

Rows are collected by ``relevance.evaluate_repo(..., signal_rows=True)`` (one worktree per
repository under /tmp, incremental index); ``--rows-cache DIR`` keeps them per repository in
``DIR/<repo>.json`` (``relevance.py --rows-cache DIR`` writes the same files during a benchmark
run), reused while the repository's HEAD and the sample counts are unchanged.

Offline scores are not the benchmark's: a row keeps the top 300 candidates of the all-signals
ranking, and in the task-only and issue-style protocols the pseudo-seeds and their lead are those
of equal weights, not of the weights being scored.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import relevance as rel  # noqa: E402

from analyzers.bundles import rank as rank_mod  # noqa: E402

Row = dict[str, Any]
Weights = dict[str, float]

# The figures per protocol, and those the objective averages.
FIGURES: dict[str, tuple[str, ...]] = {
    "seeded": ("r@10", "mrr"), "task": ("r@10", "mrr"), "issue": ("acc@1", "acc@5", "mrr")}
OBJECTIVE = (("seeded", "r@10"), ("seeded", "mrr"), ("task", "r@10"), ("task", "mrr"),
             ("issue", "acc@5"), ("issue", "mrr"))
BASELINES = ("cochange", "bm25")
GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)  # PENALTY_GRID for penalties


# -- collecting ---------------------------------------------------------------------------------

def collect(repo: Path, samples: int, issue_samples: int | None = None,
            issue_scan: int = rel.ISSUE_SCAN, time_cap: float | None = None) -> rel.RepoResult:
    """One row per (sample, protocol): candidates' signals, the truth and the baselines' metrics."""
    return rel.evaluate_repo(repo, samples=samples, issue_samples=issue_samples,
                             rankers=BASELINES, worktree=Path(f"/tmp/tune-{repo.name}"),
                             issue_scan=issue_scan, time_cap=time_cap, signal_rows=True)


def load_rows(repos: Sequence[Path], rows_cache: Path | None, params: dict[str, Any],
              log: Callable[[str], None] = rel._stderr) -> list[Row]:
    """Every repository's rows: from ``rows_cache/<repo>.json`` when it matches the repository's
    HEAD and ``params``, else collected (and saved there)."""
    rows: list[Row] = []
    for repo in repos:
        repo = repo.resolve()
        head = rel.git(repo, "rev-parse", "HEAD").strip()
        cached = rows_cache / f"{repo.name}.json" if rows_cache else None
        if cached is not None and cached.exists():
            data = json.loads(cached.read_text())
            if data.get("head") == head and data.get("params") == params:
                log(f"{repo.name}: {len(data['rows'])} rows from {cached}")
                rows.extend(data["rows"])
                continue
            log(f"{repo.name}: {cached} is for another HEAD or other sample counts: collecting")
        t0 = time.perf_counter()
        res = collect(repo, params["samples"], params["issue_samples"], params["issue_scan"])
        log(f"{repo.name}: {len(res.rows)} rows in {time.perf_counter() - t0:.0f} s")
        if rows_cache is not None:
            rel.write_rows(rows_cache, res, params)
        rows.extend(res.rows)
    return rows


# -- scoring any weight vector offline ----------------------------------------------------------

class Dataset:
    """Rows as arrays, so that a weight vector is scored with a few numpy operations.

    Ties keep the rows' candidate order (as a stable sort of the candidates would)."""

    def __init__(self, rows: Sequence[Row], keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self.groups: list[tuple[str, str]] = []  # (repo, mode)
        gid: dict[tuple[str, str], int] = {}
        kid = {k: i for i, k in enumerate(self.keys)}
        vals: list[list[float]] = []
        pos: list[int] = []
        cand_row: list[int] = []
        cand_truth: list[bool] = []
        row_group: list[int] = []
        ntruth: list[int] = []
        t_cand: list[int] = []  # per truth file found among the candidates: its candidate index
        t_row: list[int] = []
        seg_idx: list[np.ndarray] = []
        for ri, row in enumerate(rows):
            g = gid.setdefault((row["repo"], row["mode"]), len(gid))
            if g == len(self.groups):
                self.groups.append((row["repo"], row["mode"]))
            row_group.append(g)
            truth = set(row["truth"])
            ntruth.append(len(truth))
            start = len(vals)
            for j, (path, signals) in enumerate(row["cands"]):
                v = [0.0] * len(self.keys)
                for k, x in signals.items():
                    if k in kid:
                        v[kid[k]] = x
                vals.append(v)
                pos.append(j)
                cand_row.append(ri)
                cand_truth.append(path in truth)
                if path in truth:
                    t_cand.append(len(vals) - 1)
                    t_row.append(ri)
                    seg_idx.append(np.arange(start, start + len(row["cands"])))
        self.x = np.array(vals, dtype=np.float64).reshape(len(vals), len(self.keys))
        self.pos = np.array(pos, dtype=np.int64)
        self.row_group = np.array(row_group, dtype=np.int64)
        self.ntruth = np.array(ntruth, dtype=np.float64)
        self.t_cand = np.array(t_cand, dtype=np.int64)
        self.t_row = np.array(t_row, dtype=np.int64)
        lens = np.array([len(s) for s in seg_idx], dtype=np.int64)
        self.seg_idx = np.concatenate(seg_idx) if seg_idx else np.zeros(0, dtype=np.int64)
        self.seg_start = (np.concatenate(([0], np.cumsum(lens)[:-1])) if len(lens)
                          else np.zeros(0, dtype=np.int64))
        self.seg_len = lens
        self.nrows = len(rows)
        self.cand_row = np.array(cand_row, dtype=np.int64)
        self.cand_truth = np.array(cand_truth, dtype=bool)
        self.penalties = [i for i, k in enumerate(self.keys) if k in rank_mod.PENALTIES]
        self.plain = np.array([i for i, k in enumerate(self.keys) if k not in rank_mod.PENALTIES],
                              dtype=np.int64)

    def truth_ranks(self, w: np.ndarray) -> np.ndarray:
        """1-based rank of every truth file found among the candidates."""
        if not len(self.t_cand):
            return np.zeros(0, dtype=np.int64)
        s = self.x[:, self.plain] @ w[self.plain]
        for k in self.penalties:  # as analyzers.bundles.rank applies them: a share of the score
            s = s * (1.0 + w[k] * self.x[:, k])
        st = np.repeat(s[self.t_cand], self.seg_len)
        pt = np.repeat(self.pos[self.t_cand], self.seg_len)
        se = s[self.seg_idx]
        better = (se > st) | ((se == st) & (self.pos[self.seg_idx] < pt))
        return np.add.reduceat(better.astype(np.int64), self.seg_start) + 1

    def row_metrics(self, w: np.ndarray) -> dict[str, np.ndarray]:
        ranks = self.truth_ranks(w)
        n = self.nrows
        found = np.bincount(self.t_row, minlength=n).astype(np.float64)
        best = np.full(n, np.inf)
        np.minimum.at(best, self.t_row, ranks)
        worst = np.zeros(n)
        np.maximum.at(worst, self.t_row, ranks)
        complete = (found == self.ntruth) & (self.ntruth > 0)
        out = {"mrr": np.where(np.isfinite(best), 1.0 / best, 0.0)}
        for k in rel.KS:
            hit = np.bincount(self.t_row, weights=(ranks <= k).astype(np.float64), minlength=n)
            out[f"r@{k}"] = np.divide(hit, self.ntruth, out=np.zeros(n), where=self.ntruth > 0)
        for k in rel.ACC_KS:
            out[f"acc@{k}"] = (complete & (worst <= k)).astype(np.float64)
        return out

    def per_group(self, weights: Weights) -> dict[tuple[str, str], dict[str, float]]:
        """(repo, mode) -> the mean of each metric over that repository's samples."""
        w = np.array([weights.get(k, 0.0) for k in self.keys], dtype=np.float64)
        m = self.row_metrics(w)
        count = np.bincount(self.row_group, minlength=len(self.groups))
        out: dict[tuple[str, str], dict[str, float]] = {}
        sums = {name: np.bincount(self.row_group, weights=v, minlength=len(self.groups))
                for name, v in m.items()}
        for g, key in enumerate(self.groups):
            out[key] = {name: float(sums[name][g] / count[g]) for name in m}
            out[key]["n"] = int(count[g])
        return out


def macro_figures(groups: dict[tuple[str, str], dict[str, float]],
                  repos: Sequence[str] | None = None) -> dict[str, float]:
    """Per mode and figure, the mean over repositories (``repos`` only, when given), and the
    objective (the mean of the ``OBJECTIVE`` figures present)."""
    out: dict[str, float] = {}
    for mode, figs in FIGURES.items():
        chosen = [v for (r, m), v in groups.items() if m == mode and (repos is None or r in repos)]
        if not chosen:
            continue
        for f in figs:
            out[f"{mode}_{f}"] = statistics.fmean(v[f] for v in chosen)
    parts = [out[f"{m}_{f}"] for m, f in OBJECTIVE if f"{m}_{f}" in out]
    out["objective"] = statistics.fmean(parts) if parts else 0.0
    return out


def evaluate(rows: Sequence[Row], weights: Weights) -> dict[str, float]:
    """Macro figures of ``weights`` on ``rows`` (kept for callers of the old interface)."""
    return macro_figures(Dataset(rows, list(weights)).per_group(weights))


def listwise(data: Dataset, start: Weights, steps: int = 300, temperature: float = 0.5,
             l2: float = 1e-3, lr: float = 0.05) -> Weights:
    """A learned fusion: the plain weights that maximise, per query, the softmax probability of
    its truth files among the candidates (ListNet-style, projected Adam, weights >= 0), with the
    penalties kept as ``start`` has them. Queries weigh alike within their repository and
    repositories alike (the benchmark's macro average)."""
    keys = data.keys
    w = np.array([start.get(k, 0.0) for k in keys], dtype=np.float64)
    plain = data.plain
    x = data.x[:, plain]
    factor = np.ones(len(data.x))
    for k in data.penalties:
        factor *= 1.0 + w[k] * data.x[:, k]
    rows = data.cand_row
    has_truth = np.bincount(rows, weights=data.cand_truth.astype(float), minlength=data.nrows) > 0
    group_n = np.bincount(data.row_group, minlength=len(data.groups)).astype(float)
    repos = sorted({r for r, _ in data.groups})
    repo_of = np.array([repos.index(r) for r, _ in data.groups])
    per_repo = np.bincount(repo_of, weights=group_n, minlength=len(repos))
    row_weight = np.where(has_truth, 1.0 / per_repo[repo_of[data.row_group]], 0.0)
    row_weight /= max(row_weight.sum(), 1e-12)
    v = w[plain].copy()
    m1 = np.zeros_like(v)
    m2 = np.zeros_like(v)
    for step in range(1, steps + 1):
        s = (x @ v) * factor / temperature
        mx = np.full(data.nrows, -np.inf)
        np.maximum.at(mx, rows, s)
        e = np.exp(s - mx[rows])
        z_all = np.bincount(rows, weights=e, minlength=data.nrows)
        z_truth = np.bincount(rows, weights=e * data.cand_truth, minlength=data.nrows)
        p_all = e / np.maximum(z_all[rows], 1e-300)
        p_truth = np.where(data.cand_truth, e / np.maximum(z_truth[rows], 1e-300), 0.0)
        # d(-log P(truth))/ds = p_all - p_truth, per candidate; chain through s = x@v*factor/T
        g_s = (p_all - p_truth) * row_weight[rows] * factor / temperature
        grad = x.T @ g_s + l2 * v
        m1 = 0.9 * m1 + 0.1 * grad
        m2 = 0.999 * m2 + 0.001 * grad * grad
        v -= lr * (m1 / (1 - 0.9 ** step)) / (np.sqrt(m2 / (1 - 0.999 ** step)) + 1e-8)
        np.maximum(v, 0.0, out=v)
    out = dict(start)
    for i, k in zip(plain.tolist(), v.tolist(), strict=True):
        out[keys[i]] = round(k, 3)
    return out


PENALTY_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9)  # shares of the score a penalty takes


def search(rows: Sequence[Row] | Dataset, start: Weights, rounds: int = 4,
           grid: Sequence[float] = GRID, keys: Sequence[str] | None = None) -> Weights:
    """Coordinate descent from ``start`` over ``grid``, maximising the objective on ``rows``
    (the mean of the ``OBJECTIVE`` figures of the protocols the rows hold); over ``keys`` only
    when given (the other weights stay as ``start`` has them)."""
    data = rows if isinstance(rows, Dataset) else Dataset(rows, list(start))

    def objective(w: Weights) -> float:
        return macro_figures(data.per_group(w))["objective"]

    best = dict(start)
    best_score = objective(best)
    for _ in range(rounds):
        improved = False
        for key in list(keys if keys is not None else best):
            for value in (PENALTY_GRID if key in rank_mod.PENALTIES else grid):
                if value == best[key]:
                    continue
                trial = dict(best, **{key: value})
                s = objective(trial)
                if s > best_score + 1e-6:
                    best, best_score, improved = trial, s, True
        if not improved:
            break
    return best


# The ranker has two weight sets: ``WEIGHTS`` with a seed, ``TASK_WEIGHTS`` for a task alone
# (the task-only and issue-style protocols). A ``Pair`` holds both; each is fitted on its rows.
SEEDED_MODES = ("seeded",)
Pair = tuple[Weights, Weights]


class PairData:
    """The rows split by which weight set ranks them."""

    def __init__(self, rows: Sequence[Row], keys: Sequence[str]) -> None:
        self.seeded = Dataset([r for r in rows if r["mode"] in SEEDED_MODES], keys)
        self.task = Dataset([r for r in rows if r["mode"] not in SEEDED_MODES], keys)

    def per_group(self, pair: Pair) -> dict[tuple[str, str], dict[str, float]]:
        return self.seeded.per_group(pair[0]) | self.task.per_group(pair[1])


FIT = "grid"  # or "listwise": the learned fusion, then the grid search from its weights


def fit_one(rows: Sequence[Row], start: Weights, rounds: int) -> Weights:
    data = Dataset(rows, list(start))
    if FIT == "listwise":
        start = listwise(data, start)
    return search(data, start, rounds)


def fit_pair(rows: Sequence[Row], start: Pair, rounds: int = 4) -> Pair:
    return (fit_one([r for r in rows if r["mode"] in SEEDED_MODES], start[0], rounds),
            fit_one([r for r in rows if r["mode"] not in SEEDED_MODES], start[1], rounds))


def loro(rows: Sequence[Row], fit: Callable[[list[Row]], Any]) -> dict[str, Any]:
    """Leave one repository out: for each repository, the weights ``fit`` finds on the rows of
    every other repository (never on its own)."""
    repos = sorted({r["repo"] for r in rows})
    return {held: fit([r for r in rows if r["repo"] != held]) for held in repos}


def baseline_groups(rows: Sequence[Row], ranker: str) -> dict[tuple[str, str], dict[str, float]]:
    """(repo, mode) -> a baseline's mean metrics on the same samples (from the rows' ``base``)."""
    acc: dict[tuple[str, str], list[dict[str, float]]] = {}
    for row in rows:
        m = row.get("base", {}).get(ranker)
        if m is not None:
            acc.setdefault((row["repo"], row["mode"]), []).append(m)
    return {key: {f: statistics.fmean(x[f] for x in ms) for f in ms[0]} | {"n": len(ms)}
            for key, ms in acc.items()}


# -- reporting ----------------------------------------------------------------------------------

def loro_report(rows: Sequence[Row], current: Pair, fit_all: Pair,
                per_fold: dict[str, Pair]) -> dict[str, Any]:
    """Per repository and mode: current, in-sample, LORO and the baselines' figures."""
    data = PairData(rows, list(current[0]))
    columns: dict[str, dict[tuple[str, str], dict[str, float]]] = {
        "current": data.per_group(current), "in_sample": data.per_group(fit_all)}
    held: dict[tuple[str, str], dict[str, float]] = {}
    for repo, w in per_fold.items():
        for key, v in data.per_group(w).items():
            if key[0] == repo:
                held[key] = v
    columns["loro"] = held
    for b in BASELINES:
        columns[b] = baseline_groups(rows, b)
    repos = sorted({r["repo"] for r in rows})
    per_repo: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for repo in repos:
        for mode in FIGURES:
            key = (repo, mode)
            if key not in columns["current"]:
                continue
            per_repo.setdefault(repo, {})[mode] = {
                col: {f: round(vals[key][f], 4) for f in (*FIGURES[mode], "n")}
                for col, vals in columns.items() if key in vals}
    macro = {col: {k: round(v, 4) for k, v in macro_figures(vals).items()}
             for col, vals in columns.items()}
    flags = []
    for repo, modes in per_repo.items():
        for mode, cols in modes.items():
            for ours in ("current", "loro"):
                for b in BASELINES:
                    if b in cols and ours in cols and cols[ours]["mrr"] < cols[b]["mrr"]:
                        flags.append({"repo": repo, "mode": mode, "ours": ours, "baseline": b,
                                      "ours_mrr": cols[ours]["mrr"],
                                      "baseline_mrr": cols[b]["mrr"]})
    return {"weights": {"current": current, "in_sample": fit_all, "loro": per_fold},
            "per_repo": per_repo, "macro": macro, "flags": flags}


COLS = ("current", "in_sample", "loro", "cochange", "bm25")
SHORT = {"current": "cur", "in_sample": "in", "loro": "LORO", "cochange": "co", "bm25": "bm25"}


def print_report(rep: dict[str, Any]) -> None:
    for mode, figs in FIGURES.items():
        print(f"\n== {mode}: " + ", ".join(figs) + " — " + " / ".join(SHORT[c] for c in COLS)
              + " ==")
        head = f"{'repo':<10} {'n':>3} " + " | ".join(
            " ".join(f"{(f if i == 0 else ''):>6}" for i, _ in enumerate(COLS)) for f in figs)
        print(head)
        for repo, modes in rep["per_repo"].items():
            cols = modes.get(mode)
            if not cols:
                continue
            n = cols["current"]["n"]
            print(f"{repo:<10} {n:>3} " + " | ".join(
                " ".join(rel._fmt(cols.get(c, {}).get(f), 6) for c in COLS) for f in figs))
        print(f"{'macro':<10} {'':>3} " + " | ".join(
            " ".join(rel._fmt(rep["macro"].get(c, {}).get(f"{mode}_{f}"), 6) for c in COLS)
            for f in figs))
    print("\nobjective (mean of " + ", ".join(f"{m} {f}" for m, f in OBJECTIVE) + "): "
          + ", ".join(f"{SHORT[c]} {rep['macro'][c].get('objective', 0):.4f}"
                      for c in ("current", "in_sample", "loro")))
    if rep["flags"]:
        print("\nours below a baseline on MRR (offline):")
        for f in rep["flags"]:
            print(f"  {f['repo']:<10} {f['mode']:<7} {f['ours']:<8} {f['ours_mrr']:.3f} < "
                  f"{f['baseline']} {f['baseline_mrr']:.3f}")


def markdown_table(rep: dict[str, Any]) -> str:
    """The per-repository table README and bench/README quote: LORO first, in-sample and the
    baselines beside it (``LORO / in-sample / co-change / BM25``)."""
    cols = ("loro", "in_sample", "cochange", "bm25")
    figs = (("seeded", "r@10"), ("seeded", "mrr"), ("task", "mrr"), ("issue", "acc@1"),
            ("issue", "acc@5"), ("issue", "mrr"))
    head = ["repository", *(f"{m} {f}" for m, f in figs)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cell(values: dict[str, dict[str, float]] | None, f: str) -> str:
        if not values:
            return ""
        return " / ".join(f"{values[c][f]:.2f}".lstrip("0") if c in values else "–" for c in cols)

    for repo, modes in rep["per_repo"].items():
        lines.append("| " + " | ".join(
            [repo, *(cell(modes.get(m), f) for m, f in figs)]) + " |")
    macro = rep["macro"]
    lines.append("| **macro** | " + " | ".join(
        " / ".join(f"{macro[c][f'{m}_{f}']:.3f}".lstrip("0") for c in cols) for m, f in figs)
        + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", nargs="+", default=rel.DEFAULT_REPOS,
                    help="repositories (default: the relevance benchmark's); a bare name is "
                         f"looked up under {rel.BENCH_ROOT}; 'all' = every git repository there")
    ap.add_argument("--samples", type=int, default=20)
    ap.add_argument("--issue-samples", type=int, default=None)
    ap.add_argument("--issue-scan", type=int, default=rel.ISSUE_SCAN)
    ap.add_argument("--cache", type=Path, help="reuse/save all collected rows in one JSON file")
    ap.add_argument("--rows-cache", type=Path, metavar="DIR",
                    help="reuse/save collected rows per repository: DIR/<repo>.json")
    ap.add_argument("--loro", action="store_true",
                    help="leave one repository out: fit on the others, score the held-out one")
    ap.add_argument("--rounds", type=int, default=4, help="coordinate-descent rounds")
    ap.add_argument("--json", dest="json_out", type=Path, help="write the report here")
    ap.add_argument("--markdown", type=Path, help="with --loro: write the per-repository table "
                    "(LORO / in-sample / co-change / BM25) here, as README quotes it")
    ap.add_argument("--fit", choices=("grid", "listwise"), default="grid",
                    help="grid: coordinate descent on the figures; listwise: a softmax fit of "
                         "the truth's probability first, then the grid search from there")
    args = ap.parse_args(argv)
    global FIT
    FIT = args.fit
    started = time.perf_counter()
    if args.cache and args.cache.exists():
        rows = json.loads(args.cache.read_text())
    else:
        params = {"samples": args.samples, "issue_samples": args.issue_samples,
                  "issue_scan": args.issue_scan}
        rows = load_rows(rel.resolve_repos(args.repos), args.rows_cache, params)
        if args.cache:
            args.cache.write_text(json.dumps(rows))
    current: Pair = (dict(rank_mod.WEIGHTS), dict(rank_mod.TASK_WEIGHTS))
    data = PairData(rows, list(current[0]))
    t0 = time.perf_counter()
    best = fit_pair(rows, current, args.rounds)
    print(f"fitted on all {len({r['repo'] for r in rows})} repositories, {len(rows)} rows, "
          f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print("current:", json.dumps(current), json.dumps(
        {k: round(v, 3) for k, v in macro_figures(data.per_group(current)).items()}))
    print("best:   ", json.dumps(best), json.dumps(
        {k: round(v, 3) for k, v in macro_figures(data.per_group(best)).items()}))
    if not args.loro:
        return 0
    folds = loro(rows, lambda train: fit_pair(train, current, args.rounds))
    rep = loro_report(rows, current, best, folds)
    print_report(rep)
    rep["seconds"] = round(time.perf_counter() - started, 1)
    print(f"\n({rep['seconds']:.0f} s; figures are offline scores of the collected rows)")
    if args.json_out:
        args.json_out.write_text(json.dumps(rep, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown_table(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
