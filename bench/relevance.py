"""Relevance benchmark: replay a repository's own history as ground truth for ranking and packing.

For the most recent non-merge commits touching 3-8 files, at least 2 of them code (a language with a
tree-sitter grammar), we check out the commit's parent in one detached git worktree per repository,
bring its index up to date (incrementally: samples run oldest first) and ask each ranker:

* **seeded** mode: seed = the changed file with the most changed lines (numstat) among those that
  existed at the parent, task = the commit message (subject + body), truth = the other changed files
  that existed at the parent;
* **task** mode: no seed, task = the commit message, truth = every changed file that existed at the
  parent.

Metrics per sample: recall@5/@10/@20, reciprocal rank of the first truth file (MRR), recall within a
16k and a 64k token budget (a truth file counts when any part of it is in the packed bundle), query
time. Rankers:
``ours`` (``analyzers.bundles.rank`` + ``analyzers.bundles.assemble``), ``cochange`` (the seed's git
co-change list; in task mode seeded with the BM25 top hit) and ``bm25`` (task text against path
words + stored terms of every file) and ``aider`` (a re-implementation of aider's repository map
ranking, ``RepoMap.get_ranked_tags`` in aider/repomap.py: personalised PageRank over a
referencer -> definer graph of identifiers; see ``AiderMap``). Baselines pack whole files
best-first (first fit: a file that does not fit is skipped, later smaller ones may still go in); in
seeded mode the seed is packed first by default, as our bundle carries its seed too
(``--seed-budget free`` leaves it out).

The ``aider`` ranker differs from aider itself in what it is fed and what it returns, not in how it
ranks: its definitions and references come from our index (``Index.all_definitions()``,
``Index.all_references()``), not from aider's tags.scm queries. Our definitions come from the same
family of tags queries, but our references are every identifier-like leaf but uses of a
function's own parameters and locals and keyword argument names (aider's Python query takes only
call names, Go's calls and type names), and a file's reference count is its number of
distinct referencing lines, not of occurrences; there is no pygments back-fill (every language we
parse has references). The chat file is the seed; the mentioned files and identifiers are taken
from the task text as aider's ``Coder.get_repo_map`` takes them from the chat message. It ranks
files: aider renders the ranked definitions as a token-budgeted tree (files in path order) with
its "important files" (README, pyproject.toml...) prepended; here the ranking is the order in
which files first appear among the ranked definitions, packed whole like the other baselines.

Usage: ``python bench/relevance.py [--repos PATH...] [--samples N]
[--rankers ours,cochange,bm25,aider] [--json out.json]``. The benchmark repositories' own work
trees and branches are never touched: everything happens in ``/tmp/relbench-<repo>``, removed at
the end.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analyzers.bundles.docsections import is_design_doc
from analyzers.config import Settings
from analyzers.indexing.graph import reference_triples
from analyzers.indexing.index import Index, build
from analyzers.languages import detect, has_grammar
from analyzers.lexical import path_words, words

BENCH_ROOT = Path("/work/benchrepos")
# 25 repositories, 7 languages (Python, Go, TypeScript/JavaScript, Rust, Java, Ruby, C).
DEFAULT_REPO_NAMES = (
    "click", "requests", "typer", "saleor", "starlette", "poetry", "black", "scrapy", "aiohttp",
    "gin", "chi", "cli", "fzf",
    "express", "axios", "svelte", "swr", "trpc",
    "axum", "clap", "bat", "fd",
    "gson", "sinatra", "jq",
)
DEFAULT_REPOS = [str(BENCH_ROOT / n) for n in DEFAULT_REPO_NAMES]
RANKERS = ("ours", "cochange", "bm25", "aider")
MODES = ("seeded", "task", "issue")
KS = (5, 10, 20)
ACC_KS = (1, 5)
BUDGETS = (16_000, 64_000)
METRICS = ("r@5", "r@10", "r@20", "mrr", "acc@1", "acc@5", "r16k", "r64k")
# --docs: samples are commits changing a design document (Markdown, reST, AsciiDoc; not a
# changelog) with code; the truth's documents and code files are also scored apart (a metric
# missing from a sample whose truth has no such file).
DOC_METRICS = ("doc_r@10", "doc_r16k", "code_r@10", "code_r16k")
DOCS_ONLY = False  # set by --docs
MIN_FILES, MAX_FILES, MIN_CODE = 3, 8, 2
ISSUE_MIN, ISSUE_MAX = 1, 3  # issue-style: 1-3 source files (non-test, non-doc), >= 1 code
ISSUE_SCAN = 1500  # issue-style samples come from the most recent ISSUE_SCAN non-merge commits
SIGNAL_ROW_CANDIDATES = 300  # candidates kept per signal row (bench/tune_weights.py)
MAX_BUILD_FAILURES = 5  # consecutive: the index itself is broken, stop this repository

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- git ----------------------------------------------------------------------------------------

def git(repo: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", "-c", "core.quotepath=off", "-C", str(repo), *args],
        capture_output=True, text=True, encoding="utf-8", errors="replace",
    )
    if check and proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {repo}: {proc.stderr.strip()}")
    return proc.stdout


# -- samples ------------------------------------------------------------------------------------

@dataclass
class Sample:
    sha: str
    parent: str
    time: int
    changed: dict[str, int]  # path -> changed lines (added + deleted; binary counts 0)
    added: set[str]  # paths that did not exist at the parent
    message: str = ""
    subject: str = ""  # the message's first line (read with the log, before the message)
    pos: int = 0  # position in the log stream (0 = newest): samples of one run sort by it
    modes: tuple[str, ...] = ("seeded", "task")  # the protocols this commit is a sample of
    tier: int = 2  # issue-style preference: 0 fix words, 1 an "#NNN" reference only, 2 other

    @property
    def existed(self) -> list[str]:
        return sorted(p for p in self.changed if p not in self.added)

    @property
    def seed(self) -> str | None:
        """The changed file with the most changed lines among those that existed at the parent."""
        cands = self.existed
        if not cands:
            return None
        return min(cands, key=lambda p: (-self.changed[p], p))

    def truth(self, mode: str) -> list[str]:
        if mode == "issue":
            return [p for p in self.existed if is_source(p)]
        seed = self.seed
        if mode == "seeded":
            return [p for p in self.existed if p != seed]
        return self.existed

    def task_text(self, mode: str) -> str:
        """What the ranker is told: the subject line alone in the issue-style protocol."""
        if mode == "issue":
            return self.subject or self.message.split("\n", 1)[0]
        return self.message


def is_code(path: str) -> bool:
    return has_grammar(detect(path))


# What counts as a "source" file for the issue-style truth: not a test, not documentation, not
# repository metadata (dot-folders such as .github, dotfiles, lock files) and not an image.
_TEST_DIRS = {"test", "tests", "testing", "spec", "specs", "__tests__", "__mocks__", "testdata",
              "test_data", "test-data", "fixtures", "__snapshots__", "e2e", "test-utils"}
_TEST_BASE = re.compile(
    r"^(test_.*\.py|conftest\.py|.*_tests?\.\w+|.*\.(test|spec|tests)\.\w+|.*Tests?\.\w+"
    r"|.*_spec\.rb|tests?\.\w+)$")
_DOC_DIRS = {"doc", "docs", "docs_src", "documentation", "man", "changelog.d", "changes",
             "newsfragments"}
_DOC_EXT = {".md", ".mdx", ".rst", ".txt", ".adoc", ".markdown", ".rdoc", ".org", ".1"}
_DOC_STEMS = {"README", "CHANGELOG", "CHANGES", "HISTORY", "NEWS", "LICENSE", "LICENCE",
              "AUTHORS", "CONTRIBUTING", "CONTRIBUTORS", "NOTICE", "COPYING", "CODE_OF_CONDUCT",
              "SECURITY", "MAINTAINERS", "RELEASE", "RELEASING", "UPGRADING", "MIGRATION"}
_META_NAMES = {"Cargo.lock", "poetry.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml",
               "go.sum", "Gemfile.lock", "uv.lock", "composer.lock", "bun.lockb"}
_BINARY_EXT = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".pdf", ".woff",
               ".woff2", ".ttf", ".zip", ".gz"}


def is_test(path: str) -> bool:
    parts = path.split("/")
    return bool(_TEST_BASE.match(parts[-1])) or any(d.lower() in _TEST_DIRS for d in parts[:-1])


def is_doc(path: str) -> bool:
    parts = path.split("/")
    base = parts[-1]
    stem, ext = os.path.splitext(base)
    return (ext.lower() in _DOC_EXT or stem.upper() in _DOC_STEMS
            or any(d.lower() in _DOC_DIRS or d.lower().startswith("docs") for d in parts[:-1]))


def is_source(path: str) -> bool:
    """Neither a test, nor documentation, nor metadata (dot-paths, lock files), nor an image."""
    parts = path.split("/")
    if any(p.startswith(".") for p in parts) or parts[-1] in _META_NAMES:
        return False
    if os.path.splitext(parts[-1])[1].lower() in _BINARY_EXT or parts[-1].endswith(".lock"):
        return False
    return not is_test(path) and not is_doc(path)


def qualifies(paths: Iterable[str]) -> bool:
    paths = list(paths)
    if DOCS_ONLY and not any(map(is_design_doc, paths)):
        return False
    return MIN_FILES <= len(paths) <= MAX_FILES and sum(map(is_code, paths)) >= MIN_CODE


def issue_qualifies(s: Sample) -> bool:
    """Issue-style: 1-3 source files that existed at the parent, at least one of them code."""
    truth = s.truth("issue")
    return ISSUE_MIN <= len(truth) <= ISSUE_MAX and any(map(is_code, truth))


_FIX_WORDS = re.compile(
    r"\b(fix(es|ed|ing)?|hotfix\w*|bug(s|fix\w*)?|crash(es|ed|ing)?|errors?|wrong|issues?)\b",
    re.IGNORECASE)
_PR_REF = re.compile(r"#\d+")


def subject_tier(subject: str) -> int:
    """0: a bug-fix word (fix, bug, crash, error, wrong, issue); 1: only an ``#NNN`` reference
    (squash-merged pull requests carry one whatever they are); 2: neither."""
    if _FIX_WORDS.search(subject):
        return 0
    return 1 if _PR_REF.search(subject) else 2


def iter_commits(repo: Path, rev: str = "HEAD") -> Iterator[Sample]:
    """Non-merge commits with exactly one parent reachable from ``rev``, newest first (log order),
    with their changed files; one streamed ``git log --raw --numstat``, stopped when the caller
    stops. ``message`` is left empty (``subject`` is filled).

    A clone may lack a blob (chi, cli and gson under /work/benchrepos each miss one binary): git
    then dies computing that commit's numstat. The commit is finished path by path (a path whose
    line count cannot be read counts 0 lines) and the log resumes from its parent.
    """
    pos = 0
    seen: set[str] = set()
    while rev:
        cmd = ["git", "-c", "core.quotepath=off", "-C", str(repo), "log", "--no-merges",
               "--no-renames", "--format=%x00%H %P %ct%x01%s", "--raw", "--numstat", rev, "--"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8", errors="replace")
        assert proc.stdout is not None and proc.stderr is not None
        cur: Sample | None = None
        counted: set[str] = set()  # paths of ``cur`` with a numstat line
        rev = ""
        try:
            for line in proc.stdout:
                line = line.rstrip("\n")
                if line.startswith("\x00"):
                    if cur is not None and cur.sha not in seen:
                        seen.add(cur.sha)
                        yield cur
                    cur = None
                    counted = set()
                    head, _, subject = line[1:].partition("\x01")
                    fields = head.split()
                    if len(fields) == 3:  # exactly one parent: skip root commits
                        cur = Sample(sha=fields[0], parent=fields[1], time=int(fields[2]),
                                     changed={}, added=set(), subject=subject.strip(), pos=pos)
                    pos += 1
                elif cur is None or not line:
                    continue
                elif line.startswith(":"):
                    meta, _, path = line.partition("\t")
                    cur.changed.setdefault(path, 0)
                    if meta.split()[-1].startswith("A"):
                        cur.added.add(path)
                else:
                    parts = line.split("\t", 2)
                    if len(parts) == 3:
                        a, d, path = parts
                        lines = (int(a) if a.isdigit() else 0) + (int(d) if d.isdigit() else 0)
                        cur.changed[path] = lines
                        counted.add(path)
            proc.wait()
            if proc.returncode != 0 and cur is not None and "unable to read" in proc.stderr.read():
                for path in set(cur.changed) - counted:  # finish it path by path
                    out = git(repo, "diff", "--numstat", "--no-renames", cur.parent, cur.sha,
                              "--", path, check=False).split("\t")
                    if len(out) == 3:
                        cur.changed[path] = sum(int(x) for x in out[:2] if x.isdigit())
                rev = cur.parent
            if cur is not None and cur.sha not in seen:
                seen.add(cur.sha)
                yield cur
        finally:
            proc.kill()
            proc.wait()


def _read_messages(repo: Path, samples: list[Sample]) -> None:
    for s in samples:
        s.message = git(repo, "log", "-1", "--format=%B", s.sha).strip()


def find_samples(repo: Path, n: int, rev: str = "HEAD") -> list[Sample]:
    """The ``n`` most recent commits reachable from ``rev`` that qualify for the seeded and
    task-only protocols (3-8 files, >= 2 code), newest first."""
    out: list[Sample] = []
    if n > 0:
        commits = iter_commits(repo, rev)
        for s in commits:
            if qualifies(s.changed):
                out.append(s)
                if len(out) >= n:
                    break
        commits.close()
    _read_messages(repo, out)
    return out


@dataclass
class IssueSelection:
    samples: list[Sample]  # newest first
    scanned: int = 0  # commits looked at
    qualifying: int = 0  # of them, with 1-3 source files (>= 1 code)
    by_tier: dict[str, int] = field(default_factory=dict)  # among the chosen samples


TIER_NAMES = ("fix_words", "pr_ref_only", "other")


def find_issue_samples(repo: Path, n: int, rev: str = "HEAD",
                       scan: int = ISSUE_SCAN) -> IssueSelection:
    """Issue-style samples: among the most recent ``scan`` commits, those whose truth is 1-3
    source files (>= 1 code file); bug-fix-like subjects first (``subject_tier``), then the
    more recent. Stops early once ``n`` subjects with a fix word are found."""
    found: list[Sample] = []
    scanned = 0
    if n > 0:
        commits = iter_commits(repo, rev)
        for s in commits:
            scanned += 1
            if issue_qualifies(s):
                s.tier = subject_tier(s.subject)
                s.modes = ("issue",)
                found.append(s)
                if sum(1 for f in found if f.tier == 0) >= n:
                    break
            if scanned >= scan:
                break
        commits.close()
    chosen = sorted(found, key=lambda s: (s.tier, s.pos))[:n]
    chosen.sort(key=lambda s: s.pos)
    _read_messages(repo, chosen)
    tiers = Counter(TIER_NAMES[s.tier] for s in chosen)
    return IssueSelection(chosen, scanned, len(found), {t: tiers.get(t, 0) for t in TIER_NAMES})


# -- metrics ------------------------------------------------------------------------------------

def recall_at(ranking: Sequence[str], truth: Iterable[str], k: int) -> float:
    t = set(truth)
    if not t:
        return 0.0
    return len(t & set(ranking[:k])) / len(t)


def reciprocal_rank(ranking: Sequence[str], truth: Iterable[str]) -> float:
    t = set(truth)
    for i, p in enumerate(ranking, 1):
        if p in t:
            return 1.0 / i
    return 0.0


def all_in_top(ranking: Sequence[str], truth: Iterable[str], k: int) -> float:
    """Acc@k: 1.0 when every truth file is among the top ``k``, else 0.0."""
    t = set(truth)
    return float(bool(t) and t <= set(ranking[:k]))


def recall_in(packed: Iterable[str], truth: Iterable[str]) -> float:
    t = set(truth)
    return len(t & set(packed)) / len(t) if t else 0.0


def pack_whole(order: Sequence[str], tokens: dict[str, int], budget: int) -> list[str]:
    """Whole files best-first, first fit: a file that does not fit is skipped, not a stop."""
    left = budget
    out: list[str] = []
    seen: set[str] = set()
    for p in order:
        if p in seen or p not in tokens:
            continue
        seen.add(p)
        cost = tokens[p]
        if cost <= left:
            out.append(p)
            left -= cost
    return out


# -- rankers ------------------------------------------------------------------------------------

class Bm25:
    """BM25 (bm25s) over identifier-split words: path words + the file's stored terms."""

    def __init__(self, index: Index) -> None:
        import bm25s
        from bm25s.tokenization import Tokenized

        self.paths: list[str] = []
        # Token ids built here (bm25s would otherwise re-derive them from ~10^6 strings).
        vocab: dict[str, int] = {}
        ids: list[list[int]] = []
        files = index.files()
        for path, terms in index.all_terms():
            if path not in files:
                continue
            doc = [vocab.setdefault(w, len(vocab)) for w in path_words(path)]
            for w, c in terms.items():
                doc.extend([vocab.setdefault(w, len(vocab))] * int(c))
            if not doc:
                continue
            self.paths.append(path)
            ids.append(doc)
        self.retriever = bm25s.BM25()
        self.vocab: set[str] = set()
        if ids:
            self.retriever.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
            self.vocab = set(vocab)

    def rank(self, task: str, exclude: Iterable[str] = ()) -> list[str]:
        query = [w for w in words(task) if w in self.vocab]
        if not query:
            return []
        scores = self.retriever.get_scores(query)
        skip = set(exclude)
        order = sorted(((-float(s), p) for s, p in zip(scores, self.paths, strict=True)
                        if s > 0 and p not in skip))
        return [p for _, p in order]


def cochange_ranking(index: Index, seed: str) -> list[str]:
    files = index.files()
    return [c.path for c in index.co_changes(seed) if c.path in files and c.path != seed]


# -- aider's repository map ---------------------------------------------------------------------
# A re-implementation of aider's ranking (aider/repomap.py, RepoMap.get_ranked_tags, and the
# mention extraction of aider/coders/base_coder.py), fed from our index instead of aider's tags.

PAGERANK_ALPHA, PAGERANK_MAX_ITER, PAGERANK_TOL = 0.85, 100, 1e-6  # networkx.pagerank defaults


def pagerank(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray,
             personalization: np.ndarray | None = None, alpha: float = PAGERANK_ALPHA,
             max_iter: int = PAGERANK_MAX_ITER, tol: float = PAGERANK_TOL) -> np.ndarray:
    """``networkx.pagerank`` (its scipy power iteration) over a weighted multigraph edge list.

    Parallel edges add up; the dangling nodes' mass goes to the personalization vector (aider passes
    ``dangling=personalization``; networkx's default is the same vector). Stops when the L1 change
    is below ``n * tol``; networkx raises after ``max_iter`` iterations, here the last iterate is
    returned. Raises ZeroDivisionError when the personalization puts no mass on any node, as
    networkx does.
    """
    if n == 0:
        return np.zeros(0)
    out_w = np.bincount(src, weights=weight, minlength=n)
    linked = out_w != 0
    inv = np.zeros(n)
    inv[linked] = 1.0 / out_w[linked]
    norm = weight * inv[src]
    if personalization is None:
        p = np.full(n, 1.0 / n)
    else:
        total = float(personalization.sum())
        if total == 0:
            raise ZeroDivisionError("personalization has no mass on the graph's nodes")
        p = personalization / total
    dangling = ~linked
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        spread = np.bincount(dst, weights=last[src] * norm, minlength=n)
        x = alpha * (spread + float(last[dangling].sum()) * p) + (1 - alpha) * p
        if float(np.abs(x - last).sum()) < n * tol:
            break
    return x


def aider_ident_mentions(text: str) -> set[str]:
    """``Coder.get_ident_mentions``: the text split on non-word characters."""
    return set(re.split(r"\W+", text))


def aider_file_mentions(text: str, files: Iterable[str], chat: Iterable[str]) -> set[str]:
    """``Coder.get_file_mentions``: files not in the chat named in the text by their repository
    path, or by a basename that is unique and not a plain word (it has one of ``. _ - /``) and is
    not the basename of a chat file."""
    words = {w.rstrip(",.!;:?") for w in text.split()}
    words = {w.strip("\"'`*_") for w in words}
    normalized = {w.replace("\\", "/") for w in words}
    chat_set = set(chat)
    in_chat = {os.path.basename(p) for p in chat_set}
    out: set[str] = set()
    by_base: dict[str, list[str]] = {}
    for path in files:
        if path in chat_set:
            continue
        if path.replace("\\", "/") in normalized:
            out.add(path)
        base = os.path.basename(path)
        if any(c in base for c in "/\\._-"):
            by_base.setdefault(base, []).append(path)
    for base, paths in by_base.items():
        if base not in in_chat and len(paths) == 1 and base in words:
            out.add(paths[0])
    return out


def aider_ident_filename_matches(idents: Iterable[str], files: Iterable[str]) -> set[str]:
    """``Coder.get_ident_filename_matches``: files whose stem (lowercased, >= 5 characters) equals a
    mentioned identifier."""
    by_stem: dict[str, set[str]] = {}
    for path in files:
        stem = Path(path).stem.lower()
        if len(stem) >= 5:
            by_stem.setdefault(stem, set()).add(path)
    out: set[str] = set()
    for ident in idents:
        if len(ident) >= 5:
            out |= by_stem.get(ident.lower(), set())
    return out


def aider_ident_mul(ident: str, definers: int) -> float:
    """The query-independent part of an identifier's edge multiplier in ``get_ranked_tags``."""
    mul = 1.0
    is_snake = "_" in ident and any(c.isalpha() for c in ident)
    is_kebab = "-" in ident and any(c.isalpha() for c in ident)
    is_camel = any(c.isupper() for c in ident) and any(c.islower() for c in ident)
    if (is_snake or is_kebab or is_camel) and len(ident) >= 8:
        mul *= 10
    if ident.startswith("_"):
        mul *= 0.1
    if definers > 5:
        mul *= 0.1
    return mul


class AiderMap:
    """aider's repository-map ranking (``RepoMap.get_ranked_tags``) over our index.

    Graph: one node per file with definitions or references; for every identifier defined in some
    file and referenced in some file, an edge referencer -> definer per (referencer, definer) pair
    with weight ``mul * sqrt(refs)``, where ``mul`` is x10 when the task mentions the identifier,
    x10 for snake/kebab/camel identifiers of >= 8 characters, x0.1 for a leading ``_``, x0.1 when
    more than 5 files define it, x50 when the referencer is a chat file (our seed). Like aider, the
    ``sqrt`` is applied again for each further definer of the same identifier (aider reassigns
    ``num_refs`` inside its loop over definers; we take definers in path order, aider in set
    order). Definitions nobody references get a self-edge of weight 0.1. Personalised PageRank: the
    seed, files the task mentions (full path, unique basename, stem equal to a mentioned identifier)
    and files with a path component equal to a mentioned word; no personalization at all when none
    applies. Each node's rank is spread over its out-edges to (definer, identifier) pairs; files are
    ranked by the first appearance of their pairs (rank descending, ties by path then identifier
    descending, as aider sorts), then the other graph nodes by rank, then files outside the graph
    (aider: set order; here path order). The seed never appears in the ranking.

    Edges are built once per index (the query only changes weights), so a seeded and a task-mode
    query of the same sample share the build.
    """

    def __init__(self, index: Index) -> None:
        self.files = sorted(index.files())
        fid = {p: i for i, p in enumerate(self.files)}
        nfiles = len(self.files)
        definers: dict[str, set[int]] = {}
        for path, d in index.all_definitions():
            i = fid.get(path)
            if i is not None:
                definers.setdefault(d.name, set()).add(i)
        self.names = sorted(definers)
        nid = {n: k for k, n in enumerate(self.names)}
        nnames = len(self.names)
        # (identifier, definer) pairs grouped by identifier, definers in path order
        pair_name: list[int] = []
        pair_file: list[int] = []
        for k, name in enumerate(self.names):
            for f in sorted(definers[name]):
                pair_name.append(k)
                pair_file.append(f)
        self.pair_name = np.array(pair_name, dtype=np.int64)
        self.pair_file = np.array(pair_file, dtype=np.int64)
        count = np.bincount(self.pair_name, minlength=nnames).astype(np.int64)
        start = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
        # (identifier, referencer, number of referencing lines)
        ref_src, ref_name, ref_n = reference_triples(index, fid, nid)
        if not ref_name:  # aider: "if not references: references = defines"
            ref_name, ref_src, ref_n = pair_name, pair_file, [1] * len(pair_name)
        rn = np.array(ref_name, dtype=np.int64)
        rs = np.array(ref_src, dtype=np.int64)
        rc = np.array(ref_n, dtype=np.float64)
        mul = np.array([aider_ident_mul(n, int(c)) for n, c in zip(self.names, count,
                                                                     strict=True)])
        # One edge per (reference pair, definer of that identifier); j = the definer's position.
        per = count[rn]
        total = int(per.sum())
        which = np.repeat(np.arange(len(rn)), per)
        j = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
        ref_pair = start[rn[which]] + j
        ref_w = mul[rn[which]] * rc[which] ** (0.5 ** (j + 1))
        # Self-edges of weight 0.1 for every definition of an identifier nobody references.
        referenced = np.zeros(nnames, dtype=bool)
        referenced[rn] = True
        lonely = np.flatnonzero(~referenced[self.pair_name])
        self.e_src = np.concatenate((rs[which], self.pair_file[lonely]))
        self.e_dst = np.concatenate((self.pair_file[ref_pair], self.pair_file[lonely]))
        self.e_pair = np.concatenate((ref_pair, lonely))
        self.e_name = self.pair_name[self.e_pair]
        self.e_w = np.concatenate((ref_w, np.full(len(lonely), 0.1)))
        self.e_ref = np.concatenate((np.ones(total, dtype=bool), np.zeros(len(lonely), dtype=bool)))
        # Graph nodes, numbered compactly.
        self.nodes = np.unique(np.concatenate((self.e_src, self.e_dst)))
        self.node_of = np.full(nfiles, -1, dtype=np.int64)
        self.node_of[self.nodes] = np.arange(len(self.nodes))
        self.n_src = self.node_of[self.e_src]
        self.n_dst = self.node_of[self.e_dst]
        # Tie order of (file, identifier) pairs: aider sorts (rank, (file, ident)) descending.
        by_path = sorted(range(len(pair_name)),
                         key=lambda q: (self.files[pair_file[q]], self.names[pair_name[q]]))
        self.pair_pos = np.empty(len(pair_name), dtype=np.int64)
        self.pair_pos[by_path] = np.arange(len(pair_name))
        self.components: list[set[str]] = []
        for path in self.files:
            p = Path(path)
            self.components.append(set(p.parts) | {p.name, os.path.splitext(p.name)[0]})
        self.name_id = nid
        self.fid = fid

    def rank(self, task: str, seeds: Sequence[str] = ()) -> list[str]:
        nfiles = len(self.files)
        if not nfiles:
            return []
        chat = {s for s in seeds if s in self.fid}
        idents = aider_ident_mentions(task)
        mentioned = (aider_file_mentions(task, self.files, chat)
                     | aider_ident_filename_matches(idents, self.files))
        personalize = 100 / nfiles
        pers = np.zeros(nfiles)
        for i, path in enumerate(self.files):
            cur = personalize if path in chat else 0.0
            if path in mentioned:
                cur = max(cur, personalize)
            if self.components[i] & idents:
                cur += personalize
            pers[i] = cur
        chat_ids = np.array(sorted(self.fid[s] for s in chat), dtype=np.int64)
        is_chat = np.zeros(nfiles, dtype=bool)
        is_chat[chat_ids] = True
        ment = np.zeros(len(self.names), dtype=bool)
        for ident in idents:
            k = self.name_id.get(ident)
            if k is not None:
                ment[k] = True
        w = self.e_w.copy()
        w[self.e_ref & ment[self.e_name]] *= 10
        w[self.e_ref & is_chat[self.e_src]] *= 50
        n = len(self.nodes)
        ranked = np.zeros(n)
        if n:
            try:
                ranked = pagerank(n, self.n_src, self.n_dst, w,
                                  pers[self.nodes] if pers.any() else None)
            except ZeroDivisionError:  # aider: retry without personalization (issue #1536)
                ranked = pagerank(n, self.n_src, self.n_dst, w)
        # Spread each node's rank over its out-edges, onto (definer, identifier) pairs.
        out_w = np.bincount(self.n_src, weights=w, minlength=n)
        contrib = ranked[self.n_src] * w / out_w[self.n_src]
        pair_rank = np.bincount(self.e_pair, weights=contrib, minlength=len(self.pair_file))
        order = np.lexsort((-self.pair_pos, -pair_rank))
        ordered_files = self.pair_file[order]
        ordered_files = ordered_files[~is_chat[ordered_files]]
        _, first = np.unique(ordered_files, return_index=True)
        out = [self.files[i] for i in ordered_files[np.sort(first)]]
        seen = set(out) | chat
        # Then the graph's nodes by rank (descending, ties by path descending)...
        for _, path in sorted(((float(ranked[k]), self.files[f])
                               for k, f in enumerate(self.nodes)), reverse=True):
            if path not in seen:
                seen.add(path)
                out.append(path)
        # ... then every other file (aider appends them in set order).
        out.extend(p for p in self.files if p not in seen)
        return out


@dataclass
class Outcome:
    ranking: list[str]
    packed: dict[int, list[str]]  # budget -> paths with any part in the bundle
    ms: float  # ranking time
    bundle_ms: float | None = None


def _load_ours() -> tuple[Any, str | None]:
    try:
        rank_mod = importlib.import_module("analyzers.bundles.rank")
        bundle_mod = importlib.import_module("analyzers.bundles.assemble")

        _ = (rank_mod.rank, rank_mod.RankQuery,  # fail here, not per sample
             bundle_mod.make_bundle, bundle_mod.BundleRequest)
    except Exception as e:  # noqa: BLE001 - reported, then the ranker is left out
        return None, f"{type(e).__name__}: {e}"
    return (rank_mod, bundle_mod), None


class Runner:
    """Runs every requested ranker on one sample, sharing one Index and one BM25 model."""

    def __init__(self, index: Index, rankers: Sequence[str], ours: Any,
                 charge_seed: bool = True) -> None:
        self.index = index
        self.rankers = rankers
        self.ours = ours
        self.charge_seed = charge_seed
        self.tokens = {p: f.tokens for p, f in index.files().items()}
        self._bm25: Bm25 | None = None
        self.bm25_build_ms = 0.0
        self._aider: AiderMap | None = None
        self.aider_build_ms = 0.0

    def bm25(self) -> Bm25:
        if self._bm25 is None:
            t0 = time.perf_counter()
            self._bm25 = Bm25(self.index)
            self.bm25_build_ms = (time.perf_counter() - t0) * 1000
        return self._bm25

    def aider(self) -> AiderMap:
        if self._aider is None:
            t0 = time.perf_counter()
            self._aider = AiderMap(self.index)
            self.aider_build_ms = (time.perf_counter() - t0) * 1000
        return self._aider

    def _pack(self, order: list[str], seeds: Sequence[str] = ()) -> dict[int, list[str]]:
        first = list(seeds) if self.charge_seed else []
        return {b: pack_whole(first + order, self.tokens, b) for b in BUDGETS}

    def run(self, ranker: str, mode: str, seed: str | None, task: str) -> Outcome:
        seeds = [seed] if mode == "seeded" and seed else []
        if ranker == "bm25":
            model = self.bm25()
            t0 = time.perf_counter()
            ranking = model.rank(task, exclude=seeds)
            ms = (time.perf_counter() - t0) * 1000 + self.bm25_build_ms
            return Outcome(ranking, self._pack(ranking, seeds), ms)
        if ranker == "cochange":
            if mode == "seeded":
                assert seed is not None
                t0 = time.perf_counter()
                ranking = cochange_ranking(self.index, seed)
                ms = (time.perf_counter() - t0) * 1000
                return Outcome(ranking, self._pack(ranking, seeds), ms)
            # Task mode: co-change has no seed of its own; seed it with the BM25 top hit.
            model = self.bm25()
            t0 = time.perf_counter()
            hits = model.rank(task)
            ranking = [hits[0], *cochange_ranking(self.index, hits[0])] if hits else []
            ms = (time.perf_counter() - t0) * 1000 + self.bm25_build_ms
            return Outcome(ranking, self._pack(ranking), ms)
        if ranker == "aider":
            amap = self.aider()
            t0 = time.perf_counter()
            ranking = amap.rank(task, seeds)
            ms = (time.perf_counter() - t0) * 1000 + self.aider_build_ms
            return Outcome(ranking, self._pack(ranking, seeds), ms)
        if ranker == "ours":
            rank_mod, bundle_mod = self.ours
            t0 = time.perf_counter()
            ranked = rank_mod.rank(self.index, rank_mod.RankQuery(seeds=seeds, task=task))
            ms = (time.perf_counter() - t0) * 1000
            ranking = [r.path for r in ranked if r.path not in seeds]
            packed: dict[int, list[str]] = {}
            bundle_ms = None
            for b in BUDGETS:
                t1 = time.perf_counter()
                made = bundle_mod.make_bundle(
                    self.index, bundle_mod.BundleRequest(seeds=seeds, task=task, budget=b))
                if b == BUDGETS[0]:
                    bundle_ms = (time.perf_counter() - t1) * 1000
                bundle = getattr(made, "bundle", made)  # BundleResult.bundle, or a Bundle
                packed[b] = [it.path for it in bundle.items]
            return Outcome(ranking, packed, ms, bundle_ms)
        raise ValueError(f"unknown ranker {ranker!r}")


# -- evaluation ---------------------------------------------------------------------------------

@dataclass
class SampleResult:
    sha: str
    seed: str | None
    truth: list[str]
    ranks: dict[str, int | None]  # truth file -> 1-based rank in the ranking, None when absent
    metrics: dict[str, float]
    ms: float
    bundle_ms: float | None = None
    task: str | None = None  # issue-style: the subject line the rankers were given
    # the ranks (in the ranking; 0: not ranked) of the files each budget's bundle holds
    packed: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class RankerResult:
    samples: list[SampleResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": len(self.samples), "errors": len(self.errors)}
        for m in METRICS + (DOC_METRICS if DOCS_ONLY else ()):
            vals = [s.metrics[m] for s in self.samples if m in s.metrics]
            out[m] = round(statistics.fmean(vals), 4) if vals else None
            if m in DOC_METRICS:
                out[f"n_{m.split('_')[0]}"] = len(vals)
        times = [s.ms for s in self.samples]
        out["median_ms"] = round(statistics.median(times), 1) if times else None
        bms = [s.bundle_ms for s in self.samples if s.bundle_ms is not None]
        out["median_bundle_ms"] = round(statistics.median(bms), 1) if bms else None
        return out


@dataclass
class RepoResult:
    repo: str
    head: str
    samples: int = 0  # seeded/task samples evaluated
    issue_samples: int = 0  # issue-style samples evaluated
    commits: int = 0  # commits checked out and indexed (a commit may be both kinds of sample)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    sample_errors: list[str] = field(default_factory=list)  # checkout/index failures
    first_index_s: float = 0.0
    median_index_ms: float | None = None
    results: dict[str, dict[str, RankerResult]] = field(default_factory=dict)
    issue_selection: dict[str, int] = field(default_factory=dict)
    not_run: dict[str, int] = field(default_factory=dict)  # seeded/issue samples the cap cut
    languages: dict[str, dict[str, int]] = field(default_factory=dict)  # last index: lang -> counts
    rows: list[dict[str, Any]] = field(default_factory=list)  # signal rows (tune_weights)

    def summary(self) -> dict[str, Any]:
        return {
            "repo": self.repo, "head": self.head, "samples": self.samples,
            "issue_samples": self.issue_samples, "commits": self.commits,
            "issue_selection": self.issue_selection, "not_run_time_cap": self.not_run,
            "languages": self.languages,
            "skipped": self.skipped, "sample_errors": len(self.sample_errors),
            "first_index_s": round(self.first_index_s, 2), "median_index_ms": self.median_index_ms,
            "results": {r: {m: res.summary() for m, res in modes.items()}
                        for r, modes in self.results.items()},
        }


def score(ranking: list[str], packed: dict[int, list[str]], truth: list[str]) -> dict[str, float]:
    m = {f"r@{k}": recall_at(ranking, truth, k) for k in KS}
    m["mrr"] = reciprocal_rank(ranking, truth)
    for k in ACC_KS:
        m[f"acc@{k}"] = all_in_top(ranking, truth, k)
    for b in BUDGETS:
        m[f"r{b // 1000}k"] = recall_in(packed.get(b, []), truth)
    if DOCS_ONLY:
        docs = [p for p in truth if is_design_doc(p)]
        code = [p for p in truth if is_code(p)]
        for name, part in (("doc", docs), ("code", code)):
            if part:
                m[f"{name}_r@10"] = recall_at(ranking, part, 10)
                m[f"{name}_r16k"] = recall_in(packed.get(16_000, []), part)
    return m


def _worktrees(repo: Path) -> set[str]:
    out = git(repo, "worktree", "list", "--porcelain", check=False)
    return {str(Path(line[9:]).resolve()) for line in out.splitlines()
            if line.startswith("worktree ")}


def remove_worktree(repo: Path, wt: Path) -> None:
    if str(wt.resolve()) in _worktrees(repo):
        git(repo, "worktree", "remove", "--force", str(wt), check=False)
    git(repo, "worktree", "prune", check=False)


class WorktreeBusy(RuntimeError):
    """The worktree path belongs to another benchmark process that is still running."""


OWNER_FILE = ".ctxsteward/relbench.pid"  # inside the state folder: never walked or indexed


def _live_owner(wt: Path) -> int | None:
    try:
        pid = int((wt / OWNER_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def add_worktree(repo: Path, wt: Path, rev: str) -> None:
    """A detached worktree of ``repo`` at ``wt`` owned by this process; stale ones are replaced."""
    if wt.exists():
        if str(wt.resolve()) not in _worktrees(repo):
            raise RuntimeError(f"{wt} exists and is not a worktree of {repo}: remove it first")
        owner = _live_owner(wt)
        if owner is not None:
            raise WorktreeBusy(f"{wt} is in use by benchmark process {owner}")
        remove_worktree(repo, wt)
        if wt.exists():
            shutil.rmtree(wt)
    git(repo, "worktree", "prune", check=False)
    git(repo, "worktree", "add", "--detach", "--force", str(wt), rev)
    state = wt / ".ctxsteward"
    state.mkdir(exist_ok=True)
    if not (state / ".gitignore").exists():
        (state / ".gitignore").write_text("*\n")
    (wt / OWNER_FILE).write_text(f"{os.getpid()}\n")


THIN_AFTER = 2  # commits timed before the time cap thins the rest


def _spread(items: list[Sample], n: int) -> list[Sample]:
    """``n`` of ``items``, evenly spaced (the first always, when ``n`` > 0)."""
    if n >= len(items):
        return list(items)
    return [items[round(j * len(items) / n)] for j in range(n)] if n > 0 else []


def thin(left: list[Sample], fit: int) -> list[Sample]:
    """``fit`` of the commits ``left``, the seeded/task samples and the issue-style-only ones
    sharing the slots in proportion to their numbers (at least one each when ``fit`` >= 2), each
    kind evenly spread over its own commits; in ``left``'s order."""
    seeded = [x for x in left if "seeded" in x.modes]
    issue = [x for x in left if "seeded" not in x.modes]
    if fit >= len(left):
        return list(left)
    n_seeded = round(fit * len(seeded) / len(left))
    if fit >= 2 and seeded and issue:
        n_seeded = min(max(n_seeded, 1), fit - 1)
    kept = {id(x) for x in _spread(seeded, n_seeded) + _spread(issue, fit - n_seeded)}
    return [x for x in left if id(x) in kept]


def _count_not_run(result: RepoResult, dropped: Iterable[Sample]) -> None:
    for x in dropped:
        for m in x.modes:
            if m == "task":
                continue  # a seeded sample is a task-only sample too
            result.not_run[m] = result.not_run.get(m, 0) + 1


def signal_row(index: Index, repo: str, sha: str, mode: str, seeds: list[str], task: str,
               truth: list[str], top: int = SIGNAL_ROW_CANDIDATES) -> dict[str, Any]:
    """Every candidate's signals for one query, every weight set to 1 so each signal is computed
    (``bench/tune_weights.py`` scores any weight vector on them offline). The top ``top``
    candidates in that all-ones order are kept."""
    from analyzers.bundles import rank as rank_mod

    tables = (rank_mod.WEIGHTS, rank_mod.TASK_WEIGHTS)
    saved = [dict(t) for t in tables]
    for t in tables:  # penalties stay 0: the kept candidates are those of the evidence
        t.update({k: 0.0 if k in rank_mod.PENALTIES else 1.0 for k in t})
    try:
        ranked = rank_mod.rank(index, rank_mod.RankQuery(seeds=seeds, task=task), explain=0)
    finally:
        for t, old in zip(tables, saved, strict=True):
            t.clear()
            t.update(old)
    return {"repo": repo, "sha": sha, "mode": mode, "truth": truth,
            "cands": [(r.path, r.signals) for r in ranked[:top] if r.path not in seeds]}


def evaluate_repo(
    repo: Path,
    *,
    samples: int = 50,
    issue_samples: int | None = None,
    rankers: Sequence[str] = RANKERS,
    worktree: Path | None = None,
    settings: Settings | None = None,
    log: Log = _stderr,
    ours: Any = None,
    charge_seed: bool = True,
    time_cap: float | None = None,
    issue_scan: int = ISSUE_SCAN,
    signal_rows: bool = False,
) -> RepoResult:
    """Run the benchmark on one repository; the worktree is removed before returning.

    ``samples`` commits for the seeded and task-only protocols, ``issue_samples`` (default: as
    many) for the issue-style one; a commit that is both is checked out once. ``time_cap``
    (seconds) stops starting new samples once exceeded (the ones left are counted). With
    ``signal_rows`` the result also carries ``signal_row`` rows for every (sample, mode), with the
    baseline rankers' metrics on the same sample under ``base``.
    """
    repo = Path(repo).resolve()
    settings = settings or Settings()
    name = repo.name
    started = time.perf_counter()
    wt = Path(worktree) if worktree else Path(f"/tmp/relbench-{name}")
    if "ours" in rankers and ours is None:
        ours, why = _load_ours()
        if ours is None:
            raise RuntimeError(f"ranker 'ours' unavailable: {why}")
    head = git(repo, "rev-parse", "HEAD").strip()
    result = RepoResult(repo=str(repo), head=head)
    result.results = {r: {m: RankerResult() for m in MODES} for r in rankers}
    found = find_samples(repo, samples, head)
    skipped: Counter[str] = Counter()
    by_sha: dict[str, Sample] = {}
    for s in found:
        if not s.truth("seeded"):
            skipped["no truth file existed at the parent"] += 1
        else:
            by_sha[s.sha] = s
    issue = find_issue_samples(repo, samples if issue_samples is None else issue_samples, head,
                               issue_scan)
    for s in issue.samples:
        if s.sha in by_sha:
            by_sha[s.sha].modes = (*by_sha[s.sha].modes, "issue")
            by_sha[s.sha].tier = s.tier
        else:
            by_sha[s.sha] = s
    result.skipped = dict(skipped)
    result.issue_selection = {"samples": len(issue.samples), "scanned": issue.scanned,
                              "qualifying": issue.qualifying, **issue.by_tier}
    todo = sorted(by_sha.values(), key=lambda s: -s.pos)  # oldest first: the index moves forward
    log(f"{name}: {len(found)} qualifying commits, {len(found) - sum(skipped.values())} "
        f"evaluated; issue-style {len(issue.samples)} ({issue.by_tier.get('fix_words', 0)} with "
        f"fix words) of {issue.qualifying} qualifying in {issue.scanned} commits")
    if not todo:
        return result
    index_ms: list[float] = []
    failures = 0  # consecutive samples whose index could not be built
    try:
        try:
            add_worktree(repo, wt, todo[0].parent)
        except WorktreeBusy as e:
            wt = wt.with_name(f"{wt.name}-{os.getpid()}")
            log(f"{name}: {e}; using {wt}")
            add_worktree(repo, wt, todo[0].parent)
        commit_s: list[float] = []  # seconds per commit after the cold one
        thinned = False
        i = 0
        while i < len(todo):
            s = todo[i]
            i += 1
            if failures >= MAX_BUILD_FAILURES:
                result.sample_errors.append(
                    f"gave up after {failures} consecutive index failures; "
                    f"{len(todo) - i + 1} samples not run")
                log(f"{name}: {result.sample_errors[-1]}")
                break
            elapsed = time.perf_counter() - started
            if time_cap is not None and not thinned and len(commit_s) >= THIN_AFTER:
                # Keep what fits in the cap, spread evenly over the rest (not just the oldest).
                thinned = True
                fit = max(0, int((time_cap - elapsed) / statistics.median(commit_s)))
                left = todo[i - 1:]
                if fit < len(left):
                    kept = {id(x) for x in thin(left, fit)}
                    dropped = [x for x in left if id(x) not in kept]
                    todo = todo[:i - 1] + [x for x in left if id(x) in kept]
                    _count_not_run(result, dropped)
                    log(f"{name}: ~{statistics.median(commit_s):.1f} s a commit: {len(dropped)} "
                        f"of the {len(left)} commits left dropped (evenly) to fit the time cap")
                    if i > len(todo):
                        break
                    s = todo[i - 1]
            if time_cap is not None and elapsed > time_cap:
                left = todo[i - 1:]
                _count_not_run(result, left)
                log(f"{name}: time cap {time_cap:.0f} s reached; {len(left)} commits not run")
                break
            t_commit = time.perf_counter()
            try:
                git(wt, "checkout", "-q", "--detach", "--force", s.parent)
                t0 = time.perf_counter()
                report = build(wt, settings)
                took = time.perf_counter() - t0
                if result.commits == 0:  # the first (cold) build
                    result.first_index_s = took
                else:
                    index_ms.append(took * 1000)
                result.languages = {lc.language: {"files": lc.files, "definitions": lc.definitions}
                                    for lc in report.languages}
            except Exception as e:  # noqa: BLE001 - counted, the run goes on
                failures += 1
                result.sample_errors.append(f"{s.sha[:10]}: {type(e).__name__}: {e}")
                continue
            failures = 0
            result.commits += 1
            if "seeded" in s.modes:
                result.samples += 1
            if "issue" in s.modes:
                result.issue_samples += 1
            with Index(wt, settings) as index:
                runner = Runner(index, rankers, ours, charge_seed)
                seed = s.seed
                for mode in MODES:
                    if mode not in s.modes:
                        continue
                    truth = s.truth(mode)
                    task = s.task_text(mode)
                    base: dict[str, dict[str, float]] = {}
                    for r in rankers:
                        try:
                            o = runner.run(r, mode, seed, task)
                        except Exception as e:  # noqa: BLE001 - counted, the run goes on
                            tb = traceback.format_exc(limit=-2).strip().splitlines()
                            result.results[r][mode].errors.append(
                                f"{s.sha[:10]}: {type(e).__name__}: {e} [{tb[-3:] if tb else ''}]")
                            continue
                        pos = {p: n for n, p in enumerate(o.ranking, 1)}
                        metrics = score(o.ranking, o.packed, truth)
                        base[r] = metrics
                        result.results[r][mode].samples.append(SampleResult(
                            sha=s.sha, seed=seed if mode == "seeded" else None, truth=truth,
                            ranks={t: pos.get(t) for t in truth}, metrics=metrics,
                            ms=round(o.ms, 2), task=task if mode == "issue" else None,
                            bundle_ms=None if o.bundle_ms is None else round(o.bundle_ms, 2),
                            packed={b: [pos.get(p, 0) for p in paths]
                                    for b, paths in o.packed.items()}))
                    if signal_rows:
                        try:
                            row = signal_row(index, name, s.sha, mode,
                                             [seed] if mode == "seeded" and seed else [], task,
                                             truth)
                        except Exception as e:  # noqa: BLE001 - counted, the run goes on
                            result.sample_errors.append(
                                f"{s.sha[:10]} signal row: {type(e).__name__}: {e}")
                        else:
                            row["base"] = base
                            result.rows.append(row)
            if result.commits > 1:
                commit_s.append(time.perf_counter() - t_commit)
            if i % 10 == 0 or i == len(todo):
                log(f"{name}: {i}/{len(todo)} commits, {time.perf_counter() - started:.0f} s")
    finally:
        remove_worktree(repo, wt)
    result.median_index_ms = round(statistics.median(index_ms), 1) if index_ms else None
    return result


# -- reporting ----------------------------------------------------------------------------------

def _fmt(v: Any, width: int, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a".rjust(width)
    if isinstance(v, float):
        return f"{v:.{digits}f}".rjust(width)
    return str(v).rjust(width)


COLUMNS = {"r@5": "R@5", "r@10": "R@10", "r@20": "R@20", "mrr": "MRR", "acc@1": "Acc@1",
           "acc@5": "Acc@5", "r16k": "R16k", "r64k": "R64k"}
HEADER = (f"{'ranker':<9} {'mode':<7} {'n':>4} " + " ".join(f"{c:>6}" for c in COLUMNS.values())
          + f" {'rank ms':>8} {'16k ms':>8} {'err':>4}")


def table(rows: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = [HEADER]
    for mode in MODES:
        for ranker, modes in rows.items():
            s = modes.get(mode)
            if s is None or not s["n"]:
                continue
            lines.append(
                f"{ranker:<9} {mode:<7} {_fmt(s['n'], 4)} "
                + " ".join(_fmt(s.get(m), 6) for m in METRICS)
                + f" {_fmt(s['median_ms'], 8, 1)} {_fmt(s.get('median_bundle_ms'), 8, 1)}"
                + f" {_fmt(s['errors'], 4)}")
    return "\n".join(lines)


def macro(repos: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Mean over repositories of each repository's mean (repositories with samples only)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rep in repos:
        for ranker, modes in rep["results"].items():
            for mode, s in modes.items():
                acc = out.setdefault(ranker, {}).setdefault(mode, {"_rows": []})
                acc["_rows"].append(s)
    for modes in out.values():
        for mode, acc in modes.items():
            rows = [r for r in acc.pop("_rows") if r["n"]]
            acc["repos"] = len(rows)
            acc["n"] = sum(r["n"] for r in rows)
            acc["errors"] = sum(r["errors"] for r in rows)
            for m in METRICS + DOC_METRICS:  # the doc/code split only where --docs measured it
                vals = [r[m] for r in rows if r.get(m) is not None]
                if vals or m in METRICS:
                    acc[m] = round(statistics.fmean(vals), 4) if vals else None
            for key in ("median_ms", "median_bundle_ms"):
                times = [r[key] for r in rows if r.get(key) is not None]
                acc[key] = round(statistics.median(times), 1) if times else None
            modes[mode] = acc
    return out


def below_baselines(repos: list[dict[str, Any]], baselines: Sequence[str] = ("cochange", "bm25"),
                    metric: str = "mrr") -> list[dict[str, Any]]:
    """(repository, mode) pairs where ``ours`` is below a baseline on ``metric``."""
    out = []
    for rep in repos:
        res = rep["results"]
        if "ours" not in res:
            continue
        for mode in MODES:
            ours = res["ours"].get(mode, {})
            if not ours.get("n") or ours.get(metric) is None:
                continue
            for b in baselines:
                other = res.get(b, {}).get(mode, {})
                if other.get("n") and other.get(metric) is not None \
                        and ours[metric] < other[metric]:
                    out.append({"repo": Path(rep["repo"]).name, "mode": mode, "baseline": b,
                                "ours": ours[metric], b: other[metric]})
    return out


def resolve_repos(names: Sequence[str], root: Path = BENCH_ROOT) -> list[Path]:
    """``all`` = every git repository under ``root``; a bare name is looked up under ``root``."""
    if list(names) == ["all"]:
        return sorted(p for p in root.iterdir() if (p / ".git").exists())
    out = []
    for n in names:
        p = Path(n)
        if not p.exists() and "/" not in n and (root / n).exists():
            p = root / n
        out.append(p)
    return out


def write_rows(rows_dir: Path, res: RepoResult, params: dict[str, Any]) -> Path:
    """Signal rows of one repository, for ``bench/tune_weights.py --rows-cache``."""
    rows_dir.mkdir(parents=True, exist_ok=True)
    path = rows_dir / f"{Path(res.repo).name}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"repo": res.repo, "head": res.head, "params": params,
                               "rows": res.rows}))
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="bench/relevance.py",
        description="Replay repositories' history as ground truth for context ranking.")
    ap.add_argument("--repos", nargs="+", default=DEFAULT_REPOS, metavar="PATH",
                    help=f"repositories (default: the {len(DEFAULT_REPOS)} under {BENCH_ROOT}); "
                         f"a bare name is looked up there; 'all' = every git repository there")
    ap.add_argument("--samples", type=int, default=20,
                    help="seeded/task-only commits per repository (default 20)")
    ap.add_argument("--issue-samples", type=int, default=None, metavar="N",
                    help="issue-style commits per repository (default: as --samples; 0: none)")
    ap.add_argument("--issue-scan", type=int, default=ISSUE_SCAN, metavar="N",
                    help=f"issue-style samples come from the N most recent commits "
                         f"(default {ISSUE_SCAN})")
    ap.add_argument("--time-cap", type=float, default=None, metavar="SECONDS",
                    help="per repository: start no new sample after this long (default: none)")
    ap.add_argument("--time-cap-for", default="", metavar="REPO=SECONDS,...",
                    help="per-repository caps overriding --time-cap, e.g. saleor=420,svelte=420")
    ap.add_argument("--rankers", default=",".join(RANKERS),
                    help="comma-separated subset of: " + ", ".join(RANKERS))
    ap.add_argument("--json", dest="json_out", metavar="FILE",
                    help="write all results here (rewritten after every repository)")
    ap.add_argument("--rows-cache", type=Path, metavar="DIR",
                    help="also collect every candidate's signals per sample into DIR/<repo>.json "
                         "(bench/tune_weights.py --rows-cache DIR reads them: no second indexing)")
    ap.add_argument("--worktree-dir", default="/tmp", metavar="DIR",
                    help="where the temporary worktree DIR/relbench-<repo> goes (default /tmp)")
    ap.add_argument("--seed-budget", choices=("charge", "free"), default="charge",
                    help="baselines, seeded mode: pack the seed first (charge, default) or "
                         "give the whole budget to the other files (free)")
    ap.add_argument("--docs", action="store_true",
                    help="only commits that change a design document (Markdown, reST, AsciiDoc; "
                         "not a changelog) with code, and score the documents and the code apart")
    ap.add_argument("--details", action="store_true",
                    help="include every sample (truth, ranks, metrics) in --json output")
    args = ap.parse_args(argv)
    global DOCS_ONLY
    DOCS_ONLY = args.docs
    if argv is None:  # run as a program: SIGTERM unwinds, so worktrees are removed
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    rankers = [r.strip() for r in args.rankers.split(",") if r.strip()]
    bad = [r for r in rankers if r not in RANKERS]
    if bad or not rankers:
        ap.error(f"unknown ranker(s) {', '.join(bad) or '(none)'};"
                 f" choose from {', '.join(RANKERS)}")
    if args.samples < 0 or (args.issue_samples or 0) < 0 or \
            args.samples + (args.samples if args.issue_samples is None else args.issue_samples) < 1:
        ap.error("--samples/--issue-samples: at least one sample")
    try:
        caps = {k.strip(): float(v) for k, _, v in (
            item.partition("=") for item in args.time_cap_for.split(",") if item.strip())}
    except ValueError:
        ap.error("--time-cap-for: REPO=SECONDS,...")
    ours = None
    if "ours" in rankers:
        ours, why = _load_ours()
        if ours is None:
            _stderr(f"warning: ranker 'ours' left out ({why})")
            rankers.remove("ours")
            if not rankers:
                return 2
    repos = resolve_repos(args.repos)
    missing = [str(p) for p in repos if not (p / ".git").exists()]
    if missing:
        ap.error(f"not git repositories: {', '.join(missing)}")
    summaries: list[dict[str, Any]] = []
    details: dict[str, Any] = {}
    failed: dict[str, str] = {}
    started = time.perf_counter()
    protocol = {
        "commits": f"non-merge, {MIN_FILES}-{MAX_FILES} files, >= {MIN_CODE} code files",
        "issue_commits": f"non-merge, {ISSUE_MIN}-{ISSUE_MAX} non-test non-doc source files that "
                         f"existed at the parent (>= 1 code), bug-fix-like subjects first, "
                         f"among the {args.issue_scan} most recent; task = subject line",
        "samples_per_repo": args.samples,
        "issue_samples_per_repo": args.samples if args.issue_samples is None
        else args.issue_samples,
        "time_cap_s": args.time_cap, "time_cap_for": caps, "budgets": list(BUDGETS), "ks": list(KS),
        "acc_ks": list(ACC_KS),
        "cochange_task_mode": "seeded with the BM25 top hit (ranked first)",
        "baseline_packing": "whole files best-first, first fit"
        + ("; seed packed first when seeded" if args.seed_budget == "charge"
           else "; seed not charged to the budget"),
    }

    def dump() -> None:
        if not args.json_out:
            return
        out = {"protocol": protocol, "rankers": rankers,
               "seconds": round(time.perf_counter() - started, 1), "repos": summaries,
               "failed": failed, "macro": macro(summaries),
               "ours_below_baseline_mrr": below_baselines(summaries)}
        if args.details:
            out["details"] = details
        Path(args.json_out).write_text(json.dumps(out, indent=1) + "\n")

    for repo in repos:
        t0 = time.perf_counter()
        wt = Path(args.worktree_dir) / f"relbench-{repo.resolve().name}"
        try:
            res = evaluate_repo(repo, samples=args.samples, issue_samples=args.issue_samples,
                                rankers=rankers, ours=ours, worktree=wt,
                                charge_seed=args.seed_budget == "charge",
                                time_cap=caps.get(repo.resolve().name, args.time_cap),
                                issue_scan=args.issue_scan,
                                signal_rows=args.rows_cache is not None)
        except Exception as e:  # noqa: BLE001 - one broken repository does not stop the run
            _stderr(f"{repo}: failed: {type(e).__name__}: {e}")
            failed[repo.name] = f"{type(e).__name__}: {e}"
            continue
        summ = res.summary()
        summ["seconds"] = round(time.perf_counter() - t0, 1)
        summaries.append(summ)
        if args.rows_cache is not None:
            write_rows(args.rows_cache, res, {"samples": args.samples,
                                              "issue_samples": args.issue_samples,
                                              "issue_scan": args.issue_scan})
        if args.details:
            details[res.repo] = {r: {m: [asdict(s) for s in rr.samples] for m, rr in mm.items()}
                                 for r, mm in res.results.items()}
            details[res.repo]["errors"] = {
                r: {m: rr.errors for m, rr in mm.items()} for r, mm in res.results.items()}
        skipped = sum(res.skipped.values())
        sel = res.issue_selection
        langs = ", ".join(f"{k} {v['files']}/{v['definitions']}"
                          for k, v in res.languages.items() if v["definitions"])
        print(f"\n== {repo.name} @ {res.head[:10]}: {res.samples} samples"
              f" ({skipped} skipped, {len(res.sample_errors)} failed to index),"
              f" {res.issue_samples} issue-style (of {sel.get('samples', 0)} chosen:"
              f" {sel.get('fix_words', 0)} fix words, {sel.get('pr_ref_only', 0)} #NNN only,"
              f" {sel.get('other', 0)} other),"
              f" first index {res.first_index_s:.1f} s, then median {res.median_index_ms} ms;"
              f" {summ['seconds']} s ==")
        if res.not_run:
            print(f"time cap: not run {res.not_run}")
        print(f"indexed (files/definitions): {langs}")
        print(table(summ["results"]))
        for modes in res.results.values():
            for rr in modes.values():
                for err in rr.errors[:3]:
                    _stderr(f"  error: {err}")
        for err in res.sample_errors[:3]:
            _stderr(f"  sample error: {err}")
        dump()
    agg = macro(summaries)
    print(f"\n== macro-average over {len(summaries)} repositories"
          f" ({time.perf_counter() - started:.0f} s) ==")
    print(table(agg))
    if DOCS_ONLY:  # design documents and code scored apart (issue 19)
        print("\n" + " " * 15 + "".join(f"{m:>12}" for m in DOC_METRICS))
        for ranker, modes in agg.items():
            for mode, acc in modes.items():
                cells = "".join(f"{acc[m]:>12.3f}" if acc.get(m) is not None else f"{'-':>12}"
                                for m in DOC_METRICS)
                print(f"{ranker:<7}{mode:<8}{cells}")
    print("(cochange in task and issue modes is seeded with the BM25 top hit; bm25 times include "
          "building its index; baselines pack whole files first-fit, seed "
          + ("packed first)" if args.seed_budget == "charge" else "not charged)"))
    flags = below_baselines(summaries)
    if flags:
        print("\nours below a baseline on MRR:")
        for f in flags:
            print(f"  {f['repo']:<10} {f['mode']:<7} ours {f['ours']:.3f} < "
                  f"{f['baseline']} {f[f['baseline']]:.3f}")
    if failed:
        print(f"\nfailed repositories: {', '.join(failed)}")
    dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())
