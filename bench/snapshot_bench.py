#!/usr/bin/env python3
"""Time to the first bundle in a fresh clone: with an imported index snapshot vs a cold index
(issue 18, "Index snapshot for teams").

    python bench/snapshot_bench.py REPO_PATH [--seed PATH] [--workdir DIR] [--json]

In one run: ``REPO`` is cloned (``git clone --shared``, never modified) into a fresh folder, and
the whole CLI calls are timed as subprocesses:

- cold: ``ctxsteward index`` then ``ctxsteward bundle --seed SEED`` in a fresh clone;
- export: ``ctxsteward index --export FILE`` in that (now indexed) clone;
- snapshot: in a second fresh clone, ``ctxsteward index --import FILE`` then the same bundle
  (whether the import installed the ranking graph, and whether the bundle had to build it, are
  printed beside the times).

Target: import + first bundle <= 3 s (the cold figure is the comparison, measured in the same run).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _ctxsteward() -> list[str]:
    """The CLI next to this interpreter (a venv), else the one on PATH."""
    here = Path(sys.executable).parent / "ctxsteward"
    if here.exists():
        return [str(here)]
    found = shutil.which("ctxsteward")
    if found is None:
        raise SystemExit("ctxsteward is not installed")
    return [found]


def timed(args: list[str], cwd: Path) -> tuple[float, str]:
    """Runs ``ctxsteward ARGS`` in ``cwd``; (seconds, stdout); fails loudly on an error."""
    start = time.perf_counter()
    proc = subprocess.run([*_ctxsteward(), *args], cwd=cwd, capture_output=True, text=True,
                          check=False)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"ctxsteward {' '.join(args)} failed: {proc.stderr.strip()}")
    return took, proc.stdout


def clone(repo: Path, dest: Path) -> Path:
    """A fresh ``git clone --shared`` of ``repo`` (its objects borrowed, nothing copied)."""
    subprocess.run(["git", "clone", "-q", "--shared", str(repo), str(dest)], check=True)
    return dest


def main(argv: list[str] | None = None) -> int:
    """Measures and prints both paths to the first bundle."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--seed", default=None, help="seed file of the bundle (default: the largest "
                                                 "Python or TypeScript file of the first listed)")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="snapbench-", dir=args.workdir))
    try:
        cold = clone(args.repo.resolve(), work / "cold")
        seed = args.seed or _pick_seed(cold)
        bundle = ["bundle", "--seed", seed, "--budget", "8000", "--format", "json"]
        cold_index, out = timed(["index", "--json"], cold)
        files = json.loads(out)["files"]
        cold_bundle, _ = timed(bundle, cold)
        snap = work / "index.snapshot"
        export_s, _ = timed(["index", "--export", str(snap)], cold)
        warm = clone(args.repo.resolve(), work / "snap")
        import_s, out = timed(["index", "--import", str(snap), "--json"], warm)
        parsed = json.loads(out)["index"]["files_parsed"]
        graph_shipped = bool(json.loads(out)["snapshot"].get("graph"))
        graph = warm / ".ctxsteward" / "graph.bin"
        stamp = graph.stat().st_mtime_ns if graph.exists() else None
        snap_bundle, _ = timed(bundle, warm)
        graph_built = stamp is None or graph.stat().st_mtime_ns != stamp
    finally:
        size = (work / "index.snapshot").stat().st_size if (work / "index.snapshot").exists() \
            else 0
        shutil.rmtree(work, ignore_errors=True)
    figures = {
        "repo": str(args.repo), "files": files, "seed": seed, "snapshot_bytes": size,
        "cold_index_s": round(cold_index, 2), "cold_first_bundle_s": round(cold_bundle, 2),
        "cold_total_s": round(cold_index + cold_bundle, 2), "export_s": round(export_s, 2),
        "import_s": round(import_s, 2), "import_files_parsed": parsed,
        "graph_installed": graph_shipped, "first_bundle_built_graph": graph_built,
        "snapshot_first_bundle_s": round(snap_bundle, 2),
        "snapshot_total_s": round(import_s + snap_bundle, 2),
        "ratio": round((import_s + snap_bundle) / (cold_index + cold_bundle), 3),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{figures['repo']}: {files:,} files, seed {seed}, snapshot {size:,} bytes")
    print(f"  cold index {cold_index:6.2f} s + first bundle {cold_bundle:5.2f} s = "
          f"{figures['cold_total_s']:6.2f} s")
    print(f"  import     {import_s:6.2f} s + first bundle {snap_bundle:5.2f} s = "
          f"{figures['snapshot_total_s']:6.2f} s  ({parsed} files parsed on import; target "
          f"<= 3 s)   ratio {figures['ratio']:.3f}")
    print(f"  export     {export_s:6.2f} s; ranking graph installed on import: {graph_shipped}, "
          f"built by the first bundle: {graph_built}")
    return 0


def _pick_seed(root: Path) -> str:
    """The largest tracked Python or TypeScript file (a seed with neighbours to rank)."""
    out = subprocess.run(["git", "ls-files", "*.py", "*.ts"], cwd=root, capture_output=True,
                         text=True, check=True).stdout.split()
    return max(out, key=lambda p: (root / p).stat().st_size)


if __name__ == "__main__":
    raise SystemExit(main())
