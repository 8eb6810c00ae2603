"""Rank identity: the same queries, the same answers, before and after a refactor.

Replays a fixed, deterministic sample of queries on benchmark repositories at their HEAD and
writes every answer to one JSON file; ``--compare`` tells two such files apart. A refactor of the
ranking or the bundle must compare equal (0 differing queries).

Queries, per repository: the last ``--commits`` non-merge commits reachable from HEAD that touch
at least 2 source files (``relevance.iter_commits`` and ``relevance.is_source``), and per commit,
with seed = its first changed source file (path order) indexed at HEAD:

* ``seeded``: the seed and the commit subject as the task;
* ``seed_only``: the seed alone;
* ``symbol``: ``seed::name`` for the seed's largest definition (when it has one), no task;
* ``task``: the commit subject alone.

Each answer holds the full ranking (path, score rounded to 6 digits, reasons, and the signal
values kept) and ``make_bundle``'s JSON (and rendered document) at budget 8000 and at 0 (rank only).
The index is the repository's own (``<repo>/.ctxsteward/``), brought up to date first; a digest of
its tables goes in the output too, so a comparison can tell a different index from a different
ranking.

    python bench/rank_identity.py [--repos click requests ...] [--commits 8] --out FILE
    python bench/rank_identity.py --compare A.json B.json

To run another checkout's code (an older commit, say), name it with ``--code``:
``python bench/rank_identity.py --code /path/to/checkout --out before.json``. Its modules are
found in either layout (``analyzers/bundles/`` and ``analyzers/indexing/`` since the application
layer, ``analyzers/bundle.py``, ``rank.py`` and ``index.py`` before), an editable install's import
hook is set aside so nothing comes from this checkout, and every module used is checked to come
from the checkout named (the output's ``code`` says which). Give each side its own copy of the
repositories when the index schema differs between them.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
rel: Any = None  # bench/relevance.py of the checkout under test (see load_code)

# The code under test: loaded by load_code() (this checkout's, or --code's).
CODE: dict[str, Any] = {}
LAYOUTS = {  # module role -> (the layout since the application layer, the one before)
    "assemble": ("analyzers.bundles.assemble", "analyzers.bundle"),
    "rank": ("analyzers.bundles.rank", "analyzers.rank"),
    "index": ("analyzers.indexing.index", "analyzers.index"),
    "config": ("analyzers.config", "analyzers.config"),
}

DEFAULT_REPOS = ("click", "requests", "gin", "express", "axum", "starlette")
BUDGETS = (8000, 0)
MIN_SOURCES = 2  # a commit is sampled when it touches at least this many source files
SCAN = 2000  # commits looked at, at most, per repository
# Tables of the index that a ranking reads (hashed in path order into the output's digest).
DIGEST_TABLES = {
    "files": "SELECT path, lang, tokens, lines, size, hash, kind FROM files ORDER BY path",
    "defs": "SELECT path, name, kind, start_line, end_line, name_line, name_col, signature,"
            " parent, tokens FROM defs ORDER BY path, start_line, name_line, name_col, name",
    "resolved_imports": "SELECT src, dst FROM resolved_imports ORDER BY src, dst",
    "commits": "SELECT id, sha, time, nfiles, subject FROM commits ORDER BY id",
    "commit_files": "SELECT commit_id, path FROM commit_files ORDER BY commit_id, path",
}


def _finder_module(finder: object) -> str:
    """The module defining an import finder (one on ``sys.meta_path`` may be a class)."""
    return str(getattr(finder if isinstance(finder, type) else type(finder), "__module__", ""))


def load_code(checkout: Path | None) -> Path:
    """Import the ranking, bundle and index modules of ``checkout`` (default: the code this
    interpreter imports), in whichever layout it has; return the checkout's root."""
    if checkout is not None:
        checkout = checkout.resolve()
        if not (checkout / "analyzers" / "__init__.py").is_file():
            raise SystemExit(f"--code {checkout}: no analyzers/ package there (give a checkout)")
        sys.path.insert(0, str(checkout))
        # An editable install's finder (a class on sys.meta_path) would answer for modules the
        # checkout lacks.
        sys.meta_path[:] = [f for f in sys.meta_path
                            if not _finder_module(f).startswith("__editable__")]
    import analyzers

    root = Path(analyzers.__file__).resolve().parent
    if checkout is not None and root != checkout / "analyzers":
        raise SystemExit(f"analyzers comes from {root}, not from --code {checkout}")
    layout = 0 if (root / "bundles").is_dir() else 1
    global rel
    # The checkout's own sampling (it imports that checkout's modules); the same functions.
    own = root.parent / "bench" / "relevance.py"
    sys.path.insert(0, str(own.parent if own.is_file() else BENCH))
    rel = importlib.import_module("relevance")
    for role, names in LAYOUTS.items():
        module = importlib.import_module(names[layout])
        where = Path(module.__file__ or "").resolve()
        if not where.is_relative_to(root):
            raise SystemExit(f"{names[layout]} comes from {where}, not from {root}: run with "
                             "--code, or from that checkout's own environment")
        CODE[role] = module
    return root.parent


def sample_commits(repo: Path, n: int, indexed: set[str]) -> list[rel.Sample]:
    """The last ``n`` non-merge commits touching >= ``MIN_SOURCES`` source files, one of them
    indexed at HEAD (the seed), newest first."""
    out: list[rel.Sample] = []
    commits = rel.iter_commits(repo)
    for scanned, s in enumerate(commits, 1):
        sources = [p for p in s.changed if rel.is_source(p)]
        if len(sources) >= MIN_SOURCES and any(p in indexed for p in sources):
            out.append(s)
        if len(out) >= n or scanned >= SCAN:
            break
    commits.close()
    return out


def queries(index: Any, samples: list[rel.Sample]) -> Iterator[dict[str, Any]]:
    """The queries of each sampled commit (see the module's doc), in a fixed order."""
    indexed = index.files()
    for s in samples:
        seed = min(p for p in s.changed if rel.is_source(p) and p in indexed)
        subject = s.subject
        yield {"sha": s.sha, "kind": "seeded", "seeds": [seed], "task": subject}
        yield {"sha": s.sha, "kind": "seed_only", "seeds": [seed], "task": None}
        defs = index.definitions(seed)
        if defs:  # the largest definition (the first of those as large)
            big = max(defs, key=lambda d: (d.tokens, -d.start_line))
            yield {"sha": s.sha, "kind": "symbol", "seeds": [f"{seed}::{big.qualified}"],
                   "task": None}
        yield {"sha": s.sha, "kind": "task", "seeds": [], "task": subject}


def ranking(index: Any, q: dict[str, Any]) -> list[dict[str, Any]]:
    """``rank``'s whole answer for a query, as JSON values (path::symbol seeds as the bundle
    parses them)."""
    seeds: list[str] = []
    focus: dict[str, list[str]] = {}
    for spec in q["seeds"]:
        path, _, symbol = spec.partition("::")
        seeds.append(path)
        if symbol:
            focus.setdefault(path, []).append(symbol)
    rank = CODE["rank"]
    ranked = rank.rank(index, rank.RankQuery(seeds=seeds, task=q["task"], seed_symbols=focus))
    return [{"path": r.path, "score": round(r.score, 6), "reasons": r.reasons,
             "signals": r.signals, "names_used": r.names_used, "task_terms": r.task_terms}
            for r in ranked]


def bundle(index: Any, q: dict[str, Any], budget: int) -> dict[str, Any]:
    """``make_bundle``'s JSON and rendered document for a query at ``budget``."""
    assemble = CODE["assemble"]
    try:
        made = assemble.make_bundle(index, assemble.BundleRequest(
            seeds=q["seeds"], task=q["task"], budget=budget))
    except assemble.BundleError as e:
        return {"error": str(e)}
    return {"json": made.bundle.model_dump(mode="json"), "rendered": made.rendered}


def index_digest(index: Any) -> dict[str, Any]:
    """A hash of each table a ranking reads, and the index's HEAD."""
    out: dict[str, Any] = {"head": index.head()}
    for table, sql in DIGEST_TABLES.items():
        h = hashlib.sha256()
        for row in index.conn.execute(sql):
            h.update(repr(row).encode())
        out[table] = h.hexdigest()
    return out


def run_repo(repo: Path, n: int) -> dict[str, Any]:
    """Build ``repo``'s index and answer every query of its sample."""
    settings = CODE["config"].Settings()
    t0 = time.perf_counter()
    CODE["index"].build(repo, settings)
    built = time.perf_counter() - t0
    answers = []
    with CODE["index"].Index(repo, settings) as index:
        samples = sample_commits(repo, n, set(index.files()))
        for q in queries(index, samples):
            answers.append({**q, "ranking": ranking(index, q),
                            "bundles": {str(b): bundle(index, q, b) for b in BUDGETS}})
        digest = index_digest(index)
    rel._stderr(f"{repo.name}: {len(answers)} queries from {len(samples)} commits "
                f"(index {built:.1f} s, all {time.perf_counter() - t0:.1f} s)")
    return {"repo": str(repo), "index": digest, "queries": answers}


def _first_difference(a: Any, b: Any, where: str = "") -> str | None:
    """Where two JSON values first differ, and how (``None`` when equal)."""
    if type(a) is not type(b):
        return f"{where}: {_short(a)} != {_short(b)}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}.{k}: only in {'A' if k in a else 'B'}"
            d = _first_difference(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            d = _first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return None if len(a) == len(b) else f"{where}: {len(a)} items != {len(b)}"
    return None if a == b else f"{where}: {_short(a)} != {_short(b)}"


def _short(v: Any, n: int = 120) -> str:
    s = json.dumps(v)
    return s if len(s) <= n else s[:n] + "…"


def compare(a_path: Path, b_path: Path, shown: int = 10) -> int:
    """Print how many queries differ between two outputs and the first differences; 1 if any."""
    a, b = (json.loads(Path(p).read_text()) for p in (a_path, b_path))
    # By repository name: each side may have answered on its own copy.
    a_repos = {Path(r["repo"]).name: r for r in a["repos"]}
    b_repos = {Path(r["repo"]).name: r for r in b["repos"]}
    lines: list[str] = []
    total = differ = 0
    for name in sorted(set(a_repos) | set(b_repos)):
        if name not in a_repos or name not in b_repos:
            lines.append(f"{name}: only in {'A' if name in a_repos else 'B'}")
            differ += 1
            continue
        ra, rb = a_repos[name], b_repos[name]
        if ra["index"] != rb["index"]:
            lines.append(f"{name}: the index differs "
                         f"{_first_difference(ra['index'], rb['index'], 'index')}")
        qa, qb = ra["queries"], rb["queries"]
        if len(qa) != len(qb):
            lines.append(f"{name}: {len(qa)} queries != {len(qb)}")
        for x, y in zip(qa, qb, strict=False):
            total += 1
            d = _first_difference(x, y)
            if d:
                differ += 1
                lines.append(f"{name} {x['sha'][:10]} {x['kind']}: {d}")
        differ += abs(len(qa) - len(qb))
        total += abs(len(qa) - len(qb))
    print(f"{differ} of {total} queries differ")
    for line in lines[:shown]:
        print("  " + line)
    if len(lines) > shown:
        print(f"  ... and {len(lines) - shown} more")
    return 1 if differ or any("index differs" in x for x in lines) else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", nargs="+", default=list(DEFAULT_REPOS),
                    help="paths or names under /work/benchrepos")
    ap.add_argument("--commits", type=int, default=8, help="commits sampled per repository")
    ap.add_argument("--out", type=Path, help="write the answers here (JSON)")
    ap.add_argument("--code", type=Path, metavar="CHECKOUT",
                    help="answer with the code of this checkout (default: this one's)")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"),
                    help="compare two outputs; exit 1 if any query differs")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(*args.compare)
    code = load_code(args.code)
    if not args.out:
        ap.error("--out FILE (or --compare A B) is required")
    repos = [run_repo(p.resolve(), args.commits) for p in rel.resolve_repos(args.repos)]
    out = {"code": str(code),
           "commits": args.commits, "budgets": list(BUDGETS), "repos": repos}
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False))
    rel._stderr(f"wrote {sum(len(r['queries']) for r in repos)} queries to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
