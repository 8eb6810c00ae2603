"""A corpus-wide vocabulary table from public histories (#14, "a vocabulary bridge from history").

Links the words of commit subjects to the path words of the source files those commits changed,
across repositories, so that a task's words ("crash", "timeout", "windows", "encoding") reach
files whose paths never say them. Per repository (``build``): one ``git log`` of its non-merge
commits, each giving the stems of its subject (``lexical.task_words``) and of the paths of the
source files it changed (tests, docs and noise left out; at most ``MAX_FILES`` files a commit,
larger commits are refactors). A pair (subject stem, path stem) counts once a commit. The counts
are kept per repository so that a table can be made without any one of them (``Table(..,
without=REPO)``): the held-out repository's own history never enters the figures it is judged by.

The association is pointwise mutual information over per-repository probabilities (each
repository weighs the same, whatever its number of commits), kept only for pairs seen in at
least ``MIN_REPOS`` repositories (generic links, not one repository's names) and clipped at 0.

    python bench/vocab_table.py build --repos /work/benchrepos --out /tmp/vocab
    python bench/fusion_experiment.py --rows ROWS --no-rules --task-only --seeds 7,8,9 \\
        --corpus-vocab /tmp/vocab --named /work/benchrepos   # features of the re-ranking, LORO

An experiment: not shipped (bench/README.md, "A corpus-wide vocabulary table").
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzers import lexical  # noqa: E402
from analyzers.indexing.filekinds import is_doc_file, is_test_file, path_kind  # noqa: E402

MAX_FILES = 10  # a commit changing more source files than this is left out (a refactor)
MIN_REPOS = 3  # a pair must be seen in this many repositories
MIN_LEN = 3


def subject_stems(subject: str) -> set[str]:
    return {lexical.stem(w) for w in lexical.task_words(subject)
            if len(w) >= MIN_LEN and w.isalpha()}


def path_stems(path: str) -> set[str]:
    return {lexical.stem(w) for w in lexical.path_words(path) if len(w) >= MIN_LEN and w.isalpha()}


def is_source(path: str) -> bool:
    return not (is_test_file(path) or is_doc_file(path) or path_kind(path))


def build_repo(repo: Path) -> dict[str, object]:
    # check=False: a clone missing an object (saleor's) gives what git read before it
    out = subprocess.run(["git", "-C", str(repo), "log", "--no-merges", "--format=%x00%s",
                          "--name-only", "HEAD"], capture_output=True, text=True,
                         errors="replace", check=False).stdout
    n = 0
    cw: Counter[str] = Counter()
    cp: Counter[str] = Counter()
    cwp: Counter[str] = Counter()
    for chunk in out.split("\x00")[1:]:
        subject, _, files = chunk.partition("\n")
        srcs = [f for f in files.split("\n") if f and is_source(f)]
        if not srcs or len(srcs) > MAX_FILES:
            continue
        ws = subject_stems(subject)
        if not ws:
            continue
        ps = set().union(*(path_stems(f) for f in srcs))
        n += 1
        cw.update(ws)
        cp.update(ps)
        cwp.update(f"{w}\t{p}" for w in ws for p in ps)
    return {"n": n, "w": cw, "p": cp, "wp": cwp}


class Table:
    """PMI of (subject stem, path stem) over every repository's counts but ``without``'s."""

    def __init__(self, folder: Path, without: str | None = None) -> None:
        self.repos = [json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))
                      if f.stem != without]
        k = len(self.repos)
        self.pw: dict[str, float] = {}
        self.pp: dict[str, float] = {}
        self.pwp: dict[tuple[str, str], float] = {}
        seen: Counter[tuple[str, str]] = Counter()
        for r in self.repos:
            n = r["n"] or 1
            for w, c in r["w"].items():
                self.pw[w] = self.pw.get(w, 0.0) + c / n / k
            for p, c in r["p"].items():
                self.pp[p] = self.pp.get(p, 0.0) + c / n / k
            for key, c in r["wp"].items():
                w, _, p = key.partition("\t")
                pair = (w, p)
                seen[pair] += 1
                self.pwp[pair] = self.pwp.get(pair, 0.0) + c / n / k
        self.pmi: dict[tuple[str, str], float] = {}
        for pair, pr in self.pwp.items():
            if seen[pair] >= MIN_REPOS and pair[0] != pair[1]:
                v = math.log(pr / (self.pw[pair[0]] * self.pp[pair[1]]))
                if v > 0:
                    self.pmi[pair] = v
        self.by_word: dict[str, dict[str, float]] = {}
        for (w, p), v in self.pmi.items():
            self.by_word.setdefault(w, {})[p] = v

    def link(self, task_stems: set[str], path: set[str]) -> tuple[float, int]:
        """The sum over the task's stems of their best link to a stem of ``path`` (itself left
        out: ``path_match`` counts that), and how many stems have one."""
        total, hit = 0.0, 0
        for w in task_stems:
            row = self.by_word.get(w)
            if not row:
                continue
            best = max((row.get(p, 0.0) for p in path if p != w), default=0.0)
            if best > 0:
                total += best
                hit += 1
        return total, hit


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="count the pairs of every clone under --repos")
    b.add_argument("--repos", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("show", help="a word's strongest links")
    s.add_argument("--table", type=Path, required=True)
    s.add_argument("words", nargs="+")
    args = ap.parse_args(argv)
    if args.cmd == "build":
        args.out.mkdir(parents=True, exist_ok=True)
        for repo in sorted(p for p in args.repos.iterdir() if (p / ".git").exists()):
            got = build_repo(repo)
            (args.out / f"{repo.name}.json").write_text(json.dumps(got))
            print(f"{repo.name}: {got['n']} commits, {len(got['wp'])} pairs")  # type: ignore
        return 0
    t = Table(args.table)
    print(f"{len(t.pmi)} links")
    for w in args.words:
        st = lexical.stem(w)
        row = sorted(t.by_word.get(st, {}).items(), key=lambda kv: -kv[1])[:15]
        print(w, "->", ", ".join(f"{p} {v:.2f}" for p, v in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
