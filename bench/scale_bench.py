#!/usr/bin/env python3
"""The scaling curve (issue 18): a synthetic monorepo at several sizes, indexed cold, then bundled.

    python bench/scale_bench.py [SIZES...] [--commits N] [--workdir DIR] [--keep] [--json]

For each size (files; default 10000 30000 100000) it generates a repository shaped like a large
monorepo: Python packages, a TypeScript front end, Go packages and a Rust crate in equal-ish
shares, files of realistic sizes (log-normal, median ~3 KiB, 300 B to 40 KiB) whose functions
call names imported from other files (mostly nearby: a folder's neighbours), and a git history of
tens of thousands of commits (``--commits``, default ``max(20000, files // 2)``), each touching
one to four files of one folder, written in one stream by ``git fast-import`` (no commit loop).
Then, each as the whole CLI call in a subprocess:

- **cold index**: ``ctxsteward index --json`` with no ``.ctxsteward/``;
- **first bundle**: ``ctxsteward bundle --seed SEED --budget 8000`` right after it (it builds the
  ranking graph);
- **warm bundle**: the same call again, the median of three.

Each call's peak RSS is the largest sum of VmRSS over its whole process tree (the CLI, its forked
children and the index's worker pool), sampled from ``/proc`` every 20 ms (``bench/index_bench``'s
sampler). Between consecutive sizes it prints each step's growth over the file count's growth
(1.0: linear; above: faster than linear), by CPU seconds (user + system of the CLI and every
child it reaped: steadier than wall time on a shared machine, which is shown beside them), and
which step dominates at the largest size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from index_bench import Call, _ctxsteward, run_cli  # noqa: E402

LANGS = (("python", 0.30), ("typescript", 0.30), ("go", 0.20), ("rust", 0.20))
PER_FOLDER = 24
WORDS = """order invoice payment refund customer account address cart checkout product variant
price discount voucher shipping warehouse stock channel tax currency report metric event queue
worker retry timeout cache token session user permission role audit export import schema
migration index search filter page cursor batch stream buffer parse render format validate
config setting plugin webhook notify email message template locale region zone rate limit
quota usage billing plan subscription trial coupon gift card ledger balance transfer""".split()
VERBS = "get set build load save apply compute check find make update create delete sync".split()
COMMENT = {"python": "#", "typescript": "//", "go": "//", "rust": "//"}


@dataclass
class SizeFigures:
    files: int
    commits: int
    bytes: int
    generate_s: float
    cold_index: Call
    first_bundle: Call
    warm_bundle: Call


# -- the synthetic repository ---------------------------------------------------------------------

@dataclass
class _File:
    lang: str
    folder: int
    number: int
    path: str
    names: list[str]  # what it defines and others may import


def _layout(n: int) -> list[_File]:
    """Every file's language, folder, path and exported names (no content yet)."""
    files: list[_File] = []
    for lang, share in LANGS:
        count = round(n * share) if lang != LANGS[-1][0] else n - len(files)
        for k in range(count):
            folder, number = divmod(k, PER_FOLDER)
            path = {"python": f"app{folder}/m{number}.py",
                    "typescript": f"web/src/f{folder}/c{number}.ts",
                    "go": f"go/pkg{folder}/f{number}.go",
                    "rust": f"rust/src/m{folder}/f{number}.rs"}[lang]
            rng = random.Random(f"{lang}{k}")
            names = [f"{rng.choice(VERBS)}_{rng.choice(WORDS)}_{rng.choice(WORDS)}_{k}_{i}"
                     for i in range(rng.randint(3, 10))]
            if lang in ("typescript", "go"):
                names = [_camel(x, upper=lang == "go") for x in names]
            files.append(_File(lang, folder, number, path, names))
    return files


def _camel(name: str, upper: bool) -> str:
    parts = name.split("_")
    head = parts[0].capitalize() if upper else parts[0]
    return head + "".join(p.capitalize() for p in parts[1:])


def _imports(f: _File, peers: list[_File], rng: random.Random) -> list[_File]:
    """Two to five files of the same language, mostly from the same or a nearby folder."""
    out = []
    for _ in range(rng.randint(2, 5)):
        if rng.random() < 0.7:
            base = f.folder * PER_FOLDER
            j = min(len(peers) - 1, base + rng.randrange(PER_FOLDER))
        else:
            j = rng.randrange(len(peers))
        if peers[j] is not f and peers[j] not in out:
            out.append(peers[j])
    return out


def _body(rng: random.Random, called: list[str], lang: str, target: int) -> list[str]:
    """Statements (in ``lang``) calling ``called``, about ``target`` bytes."""
    lines: list[str] = []
    size = 0
    c = COMMENT[lang]
    while size < target:
        w = rng.sample(WORDS, 3)
        if rng.random() < 0.25:
            line = f"{c} {' '.join(rng.sample(WORDS, 6))} when the {w[0]} is {w[1]}"
        elif lang == "python":
            line = f"{w[0]}_{w[1]} = {rng.choice(called)}({w[2]}, {rng.randint(1, 99)})"
        elif lang == "typescript":
            line = f"const {w[0]}{w[1].capitalize()} = {rng.choice(called)}({w[2]}, " \
                   f"{rng.randint(1, 99)});"
        elif lang == "go":
            line = f"{w[0]}{w[1].capitalize()} := {rng.choice(called)}({w[2]}, " \
                   f"{rng.randint(1, 99)})"
        else:
            line = f"let {w[0]}_{w[1]} = {rng.choice(called)}({w[2]}, {rng.randint(1, 99)});"
        lines.append(line)
        size += len(line) + 8
    return lines


# Each language's function: the lines before the body, the body's indent, the lines after it.
_FUNCTION = {
    "python": (["", "", "def {name}(value, count):", '    """{Doc}."""'], "    ",
               ["    return {call}(value, count)"]),
    "typescript": (["", "/** {doc} */",
                    "export function {name}(value: number, count: number): number {{"], "  ",
                   ["  return {call}(value, count);", "}}"]),
    "go": (["", "// {name} {doc}.", "func {name}(value int, count int) int {{"], "\t",
           ["\treturn {call}(value, count)", "}}"]),
    "rust": (["", "/// {doc}.", "pub fn {name}(value: i64, count: i64) -> i64 {{"], "    ",
             ["    {call}(value, count)", "}}"]),
}


def _content(f: _File, by_lang: dict[str, list[_File]]) -> str:
    """The file's text: its imports, then its definitions, each calling imported and own names."""
    rng = random.Random(f.path)
    size = int(min(40_000, max(300, rng.lognormvariate(math.log(3000), 0.8))))
    deps = _imports(f, by_lang[f.lang], rng)
    called = [n for d in deps for n in d.names[:3]] + f.names
    per_def = max(60, size // len(f.names))
    out: list[str] = []
    if f.lang == "python":
        out += [f"from app{d.folder}.m{d.number} import {', '.join(d.names[:3])}" for d in deps]
    elif f.lang == "typescript":
        out += [f"import {{ {', '.join(d.names[:3])} }} from \"../f{d.folder}/c{d.number}\";"
                for d in deps]
    elif f.lang == "go":
        out += [f"package pkg{f.folder}", "", "import ("]
        out += [f'\tpkg{d.folder} "example.com/mono/go/pkg{d.folder}"' for d in deps
                if d.folder != f.folder]
        out += [")"]
        called = [n if d.folder == f.folder else f"pkg{d.folder}.{n}"
                  for d in deps for n in d.names[:3]] + f.names
    else:
        out += [f"use crate::m{d.folder}::f{d.number}::{{{', '.join(d.names[:3])}}};"
                for d in deps]
    head, indent, tail = _FUNCTION[f.lang]
    for name in f.names:
        doc = " ".join(rng.sample(WORDS, 8))
        out += [x.format(name=name, doc=doc, Doc=doc.capitalize()) for x in head]
        out += [indent + x for x in _body(rng, called, f.lang, per_def)]
        call = rng.choice(called)
        out += [x.format(call=call) for x in tail]
    return "\n".join(out) + "\n"


def _scaffold(files: list[_File]) -> dict[str, str]:
    """The files that make the languages' imports resolve: packages, modules, manifests."""
    out = {"go.mod": "module example.com/mono\n\ngo 1.22\n",
           "web/package.json": '{"name": "web", "private": true}\n',
           "rust/Cargo.toml": '[package]\nname = "mono"\nversion = "0.1.0"\nedition = "2021"\n',
           "README.md": "# Synthetic monorepo\n\nGenerated by bench/scale_bench.py.\n"}
    rust_mods: dict[int, list[int]] = {}
    for f in files:
        if f.lang == "python":
            out.setdefault(f"app{f.folder}/__init__.py", "")
        elif f.lang == "rust":
            rust_mods.setdefault(f.folder, []).append(f.number)
    for folder, numbers in rust_mods.items():
        out[f"rust/src/m{folder}/mod.rs"] = "".join(f"pub mod f{k};\n" for k in numbers)
    out["rust/src/lib.rs"] = "".join(f"pub mod m{k};\n" for k in sorted(rust_mods))
    return out


def _blob(out, text: str) -> None:  # noqa: ANN001 - fast-import's stdin
    data = text.encode()
    out.write(b"data %d\n" % len(data))
    out.write(data)
    out.write(b"\n")


def generate(root: Path, n: int, commits: int) -> tuple[int, int]:
    """Writes the repository of ``n`` files and ``commits`` commits at ``root``; (files, bytes)."""
    files = _layout(n)
    by_lang: dict[str, list[_File]] = {}
    for f in files:
        by_lang.setdefault(f.lang, []).append(f)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=root,
                            stdin=subprocess.PIPE)
    out = proc.stdin
    assert out is not None
    when = 1_546_300_800  # 2019-01-01
    texts = {f.path: _content(f, by_lang) for f in files}
    texts.update(_scaffold(files))
    total = sum(len(t.encode()) for t in texts.values())
    _commit(out, when, "initial import of the monorepo", texts)
    rng = random.Random(n)
    folders: dict[tuple[str, int], list[_File]] = {}
    for f in files:
        folders.setdefault((f.lang, f.folder), []).append(f)
    areas = list(folders.values())
    hot = areas[:max(1, len(areas) // 5)]  # a fifth of the folders see most of the changes
    for c in range(1, commits):
        area = rng.choice(hot) if rng.random() < 0.6 else rng.choice(areas)
        touched = rng.sample(area, min(len(area), rng.randint(1, 4)))
        changes = {}
        for f in touched:
            texts[f.path] += f"{COMMENT[f.lang]} rev {c}: {' '.join(rng.sample(WORDS, 4))}\n"
            changes[f.path] = texts[f.path]
        subject = f"{rng.choice(VERBS)} {rng.choice(WORDS)} {rng.choice(WORDS)} in " \
                  f"{touched[0].path.rsplit('/', 1)[0]}"
        _commit(out, when + c * 3600, subject, changes)
    out.write(b"done\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    # As after a clone: git's own index is refreshed (stat data settled) before anything runs.
    subprocess.run(["git", "status", "--porcelain"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL)
    return len(texts), total


def _commit(out, when: int, subject: str, changes: dict[str, str]) -> None:  # noqa: ANN001
    out.write(b"commit refs/heads/main\n")
    out.write(b"author Dev <dev@example.com> %d +0000\n" % when)
    out.write(b"committer Dev <dev@example.com> %d +0000\n" % when)
    _blob(out, subject)
    for path, text in changes.items():
        out.write(f"M 100644 inline {path}\n".encode())
        _blob(out, text)


# -- measuring ------------------------------------------------------------------------------------

def _call(args: list[str], cwd: Path) -> Call:
    """One whole CLI call in ``cwd``, with its time and process-tree RSS; fails loudly."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        call = run_cli([*_ctxsteward(), *args])
    finally:
        os.chdir(here)
    if call.returncode != 0:
        raise SystemExit(f"ctxsteward {' '.join(args)} failed in {cwd} ({call.returncode})")
    return call


def measure(root: Path, n: int, commits: int) -> SizeFigures:
    """Generates the repository of ``n`` files, then times the cold index and both bundles."""
    t0 = time.perf_counter()
    files, size = generate(root, n, commits)
    generated = time.perf_counter() - t0
    seed = f"app0/m{PER_FOLDER // 2}.py"
    bundle = ["bundle", "--seed", seed, "--budget", "8000", "--format", "json"]
    cold = _call(["index", str(root), "--json"], root)
    first = _call(bundle, root)
    warm = sorted((_call(bundle, root) for _ in range(3)), key=lambda c: c.seconds)[1]
    return SizeFigures(files=files, commits=commits, bytes=size, generate_s=round(generated, 1),
                       cold_index=cold, first_bundle=first, warm_bundle=warm)


STEPS = ("cold_index", "first_bundle", "warm_bundle")


def report(rows: list[SizeFigures]) -> str:
    """The table, the growth ratios between sizes and the dominant step, as Markdown."""
    lines = ["| files | commits | MB | cold index s (CPU s) | peak RSS MB (tree) | first bundle s "
             "(CPU s) | its RSS MB | warm bundle s (CPU s) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        c, f, w = r.cold_index, r.first_bundle, r.warm_bundle
        lines.append(
            f"| {r.files:,} | {r.commits:,} | {r.bytes / 1e6:.0f} | {c.seconds:.1f} "
            f"({c.cpu_seconds:.1f}) | {c.tree_rss_mb:.0f} | {f.seconds:.2f} ({f.cpu_seconds:.2f}) "
            f"| {f.tree_rss_mb:.0f} | {w.seconds:.2f} ({w.cpu_seconds:.2f}) |")
    if len(rows) > 1:
        lines += ["", "Growth over the file count's growth (1.0 = linear, above = faster), by CPU "
                  "seconds (wall seconds in brackets: they move with the machine's load):", "",
                  "| sizes | cold index | index RSS | first bundle | warm bundle |",
                  "|---|---|---|---|---|"]
        for a, b in zip(rows, rows[1:], strict=False):
            grow = b.files / a.files
            cells = [f"{getattr(b, s).cpu_seconds / getattr(a, s).cpu_seconds / grow:.2f} "
                     f"({getattr(b, s).seconds / getattr(a, s).seconds / grow:.2f})" for s in STEPS]
            rss = b.cold_index.tree_rss_mb / a.cold_index.tree_rss_mb / grow
            lines.append(f"| {a.files:,} → {b.files:,} | {cells[0]} | {rss:.2f} | {cells[1]} | "
                         f"{cells[2]} |")
    last = rows[-1]
    top = max(STEPS, key=lambda s: getattr(last, s).cpu_seconds)
    total = sum(getattr(last, s).cpu_seconds for s in STEPS)
    lines += ["", f"At {last.files:,} files the {top.replace('_', ' ')} dominates: "
              f"{getattr(last, top).cpu_seconds:.1f} of {total:.1f} CPU seconds over the three "
              "steps."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generates, measures and prints each size."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10_000, 30_000, 100_000])
    ap.add_argument("--commits", type=int, default=None,
                    help="commits per repository (default: max(20000, files // 2))")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the generated repositories")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows: list[SizeFigures] = []
    work = Path(tempfile.mkdtemp(prefix="scalebench-", dir=args.workdir))
    try:
        for n in sorted(args.sizes):
            commits = args.commits or max(20_000, n // 2)
            row = measure(work / f"mono-{n}", n, commits)
            rows.append(row)
            if not args.json:  # as each size finishes: a long run can be read as it goes
                print(f"{n:,} files: generated in {row.generate_s:.0f} s", flush=True)
                print(report(rows), flush=True)
            if not args.keep:
                shutil.rmtree(work / f"mono-{n}", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
