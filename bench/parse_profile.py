#!/usr/bin/env python3
"""Where the cold index's per-file time goes, against the floor, in one process.

    python bench/parse_profile.py REPO_PATH [--top N]

``REPO`` must be indexed (its ``.ctxsteward/index.sqlite`` lists the files). In one process, CPU
seconds: the floor (``bench/index_bench.floor``: read, tree-sitter parse, tiktoken count every
indexed file), then the work the index's pool does per file (``filefacts.read_file`` and
``store.record_rows``), then ``syntax.parse`` alone; then, with ``--top N``, the per-file work
again under cProfile, its N most expensive functions by own time (cProfile inflates the Python
parts). The index on 2 cores reaches "cold <= 1.0x floor" only when the per-file work is at most
2.0x the floor's CPU, before history and SQLite.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index_bench import floor, indexed_files  # noqa: E402


def per_file_work(repo: Path, paths: list[str]) -> float:
    """CPU seconds of the pool's work on every file, in this process."""
    from analyzers.indexing.filefacts import read_file
    from analyzers.indexing.store import record_rows

    start = time.process_time()
    for p in paths:
        record_rows(read_file(str(repo), p, "cl100k_base", 1 << 20))
    return time.process_time() - start


def syntax_only(repo: Path, files: list[tuple[str, str | None, int]]) -> float:
    """CPU seconds of ``syntax.parse`` on every file with a grammar."""
    from analyzers import languages, syntax

    start = time.process_time()
    for path, lang, _ in files:
        if languages.has_grammar(lang):
            syntax.parse((repo / path).read_bytes(), lang)
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    """Prints the three figures and, with --top, the profile."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--top", type=int, default=0, help="profile and list this many functions")
    args = ap.parse_args(argv)
    repo = args.repo.resolve()
    files = indexed_files(repo)
    paths = [p for p, _, _ in files]
    per_file_work(repo, paths[:50])  # grammars, queries and the encoding load before the clock
    _, floor_cpu = floor(repo, files)
    work = per_file_work(repo, paths)
    syn = syntax_only(repo, files)
    print(f"{repo.name}: {len(files):,} files; CPU s: floor {floor_cpu:.2f}, per-file work "
          f"{work:.2f} ({work / floor_cpu:.2f}x), syntax.parse {syn:.2f}")
    if args.top:
        prof = cProfile.Profile()
        prof.enable()
        per_file_work(repo, paths)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
