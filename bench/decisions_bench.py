"""Does a bundle's recent decisions section hold the earlier commit a later one refers to?

For each benchmark repository (cloned with ``--shared`` into a scratch folder, indexed there),
replay the commits whose message refers back: "Revert "SUBJECT"", "follow-up", "again", an
abbreviated sha, or a pull request id (``#123``) that an earlier commit's subject carries. For each
such commit C whose earlier commit E can be identified, ask :func:`recent_decisions` about the
code files C changed, as of just before C (``as_of``: later commits are ignored), and count how
often E is among the decisions. The core files are C's own files (an oracle for the bundle's core
files): this measures the section's choice of commits, not the ranking.

It also makes a bundle (task: C's subject, default budget) for a few of them and prints the share
of the budget the decisions section took (on the index at HEAD).

    python bench/decisions_bench.py --repos /work/benchrepos/click /work/benchrepos/requests
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analyzers import gitrepo  # noqa: E402
from analyzers.app.requests import BundleRequest  # noqa: E402
from analyzers.bundles.assemble import make_bundle  # noqa: E402
from analyzers.bundles.decisions import recent_decisions  # noqa: E402
from analyzers.bundles.render import decisions_note  # noqa: E402
from analyzers.config import Settings  # noqa: E402
from analyzers.indexing.filekinds import is_doc_file, is_test_file  # noqa: E402
from analyzers.indexing.index import Index, build  # noqa: E402
from analyzers.tokens import Counter  # noqa: E402

REFERS = re.compile(r"\brevert|\bfollow[- ]?up\b|\bagain\b|\b[0-9a-f]{7,40}\b|#\d+", re.I)
REVERT = re.compile(r'^Revert "(.+)"', re.I)
SHA = re.compile(r"\b([0-9a-f]{7,40})\b")
PR = re.compile(r"#(\d+)")


def _earlier(message: str, subject: str, older: list[tuple[str, int, str]]) -> str | None:
    """The sha of the earlier commit the message refers to (``older``: (sha, time, subject),
    newest first), or None when it names none that can be found."""
    m = REVERT.match(subject)
    if m:
        return next((sha for sha, _, s in older if s == m.group(1)), None)
    for prefix in SHA.findall(message):
        found = next((sha for sha, _, _ in older if sha.startswith(prefix)), None)
        if found:
            return found
    own = set(PR.findall(subject))  # a squash merge names its own PR: not a reference
    for number in PR.findall(message):
        if number in own:
            continue
        pattern = re.compile(rf"#{number}\b")
        found = next((sha for sha, _, s in older if pattern.search(s)), None)
        if found:
            return found
    return None


def _commits(index: Index) -> list[tuple[str, int, str, list[str]]]:
    """(sha, time, subject, files) of every indexed commit, newest first."""
    rows = index.conn.execute(
        "SELECT c.sha, c.time, c.subject, f.path FROM commits c JOIN commit_files f"
        " ON f.commit_id=c.id ORDER BY c.id DESC").fetchall()
    out: dict[str, tuple[str, int, str, list[str]]] = {}
    for sha, when, subject, path in rows:
        out.setdefault(sha, (sha, int(when), subject or "", []))[3].append(path)
    return list(out.values())


def run_repo(repo: Path, scratch: Path, samples: int, shares: int) -> dict[str, float]:
    """The figures of one repository."""
    work = scratch / repo.name
    if not work.exists():
        subprocess.run(["git", "clone", "-q", "--shared", str(repo), str(work)], check=True)
    settings = Settings()
    t0 = time.monotonic()
    build(work, settings)
    built = time.monotonic() - t0
    hits = tried = referring = in_window = shared = 0
    share_figures: list[float] = []
    with Index(work, settings) as index:
        commits = _commits(index)
        candidates = [(i, c) for i, c in enumerate(commits) if REFERS.search(c[2])]
        messages = gitrepo.commit_messages(work, [c[0] for _, c in candidates[:400]])
        for i, (sha, when, subject, files) in candidates[:400]:
            referring += 1
            older = [(s, t, sub) for s, t, sub, _ in commits[i + 1:]]
            target = _earlier(messages.get(sha, subject), subject, older)
            code = [f for f in files if not is_doc_file(f) and not is_test_file(f)]
            if target is None or not code:
                continue
            tried += 1
            earlier = next(c for c in commits if c[0] == target)
            in_window += earlier[1] >= when - 1 - settings.decisions_days * 86_400
            shared += bool(set(earlier[3]) & set(code))
            found = recent_decisions(index, code, settings, as_of=when - 1)
            hits += any(d.sha == target for d in found)
            if tried >= samples:
                break
        counter = Counter(settings.encoding, settings.model_profile())
        for _, (_sha, _when, subject, _files) in candidates[:shares]:
            result = make_bundle(index, BundleRequest(task=subject, budget=16_000))
            used = max(counter.count(decisions_note(f, result.decisions))
                       for f in ("markdown", "xml"))
            share_figures.append(used / 16_000)
    return {"referring": referring, "tried": tried, "hits": hits, "build_s": built,
            "in_window": in_window, "shared": shared,
            "share_mean": sum(share_figures) / len(share_figures) if share_figures else 0.0,
            "share_max": max(share_figures, default=0.0), "bundles": len(share_figures)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", nargs="+", type=Path, required=True)
    ap.add_argument("--samples", type=int, default=40,
                    help="referring commits with an identified earlier commit, per repository")
    ap.add_argument("--shares", type=int, default=5,
                    help="bundles made per repository to measure the section's budget share")
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/decisions-bench"))
    args = ap.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    total_hits = total_tried = 0
    # scored: earlier commit identified; window: it is within decisions_days before the later
    # one; shared: it changed one of the later one's code files; held: it is in the section.
    print(f"{'repo':<12} {'referring':>9} {'scored':>6} {'window':>6} {'shared':>6} {'held':>5} "
          f"{'rate':>6} {'share mean':>10} {'share max':>9}")
    for repo in args.repos:
        r = run_repo(repo, args.scratch, args.samples, args.shares)
        total_hits += int(r["hits"])
        total_tried += int(r["tried"])
        rate = r["hits"] / r["tried"] if r["tried"] else 0.0
        print(f"{repo.name:<12} {int(r['referring']):>9} {int(r['tried']):>6} "
              f"{int(r['in_window']):>6} {int(r['shared']):>6} {int(r['hits']):>5} "
              f"{rate:>6.2f} {r['share_mean']:>10.3f} {r['share_max']:>9.3f}", flush=True)
    if total_tried:
        print(f"all: {total_hits}/{total_tried} = {total_hits / total_tried:.2f} of the earlier "
              "commits referred to were in the decisions section")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
