#!/usr/bin/env python3
"""Benchmark the language server's latency while its cold index runs (issue 5).

    python bench/lsp_bench.py REPO_PATH [--file REL_PATH] [--seconds N] [--json]

Drives the real ``ctxsteward serve`` over stdio with a real LSP client (pytest-lsp's, built on
pygls), the way an editor does:

1. **cold**: a git worktree of ``REPO_PATH`` at HEAD is made under /tmp (the repository itself is
   left alone) with no ``.ctxsteward`` cache; the server starts and begins its background index. At
   once the client opens a large source file (``--file``, default: the Python file closest to
   2,000 lines) and, until the index build is done (or ``--seconds``), loops: a hover on a random
   identifier of the file, inlay hints for the whole file, and every fifth round an edit (a comment
   line appended, a new document version) followed by inlay hints, which then need the buffer
   re-analysed from its text. Every latency is measured at the client: request sent -> response.
2. **warm**: the server is restarted on the same worktree (cache warm). Measured: process start ->
   ``initialize`` answered, ``initialize`` sent -> first hover answered, then the same loop again.

Targets: hover p95 <= 50 ms and inlay hints (2,000-line file) p95 <= 150 ms during background
indexing; initialize -> first hover <= 2 s warm. The worktree is removed at the end (``--keep``
keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

TARGETS = {"hover_p95_ms": 50.0, "inlay_p95_ms": 150.0, "init_to_first_hover_s": 2.0}
IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{2,}\b")


def server_command() -> list[str]:
    exe = Path(sys.executable).parent / "ctxsteward"
    return [str(exe), "serve"] if exe.exists() else [sys.executable, "-m", "server.cli", "serve"]


def pick_file(root: Path, target_lines: int = 2000) -> str:
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=root, capture_output=True,
                           text=True, check=True).stdout.split()
    best, best_gap = "", 10**9
    for f in files:
        try:
            n = (root / f).read_bytes().count(b"\n")
        except OSError:
            continue
        if "/tests/" in f or f.startswith("tests/"):
            continue
        if abs(n - target_lines) < best_gap:
            best, best_gap = f, abs(n - target_lines)
    return best


def percentiles(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"n": 0}
    s = sorted(samples)

    def q(p: float) -> float:
        return s[min(len(s) - 1, max(0, round(p * (len(s) - 1))))]

    return {"n": len(s), "p50_ms": round(q(0.5), 1), "p95_ms": round(q(0.95), 1),
            "max_ms": round(s[-1], 1), "mean_ms": round(statistics.fmean(s), 1)}


async def start(root: Path) -> tuple[LanguageClient, float, float]:
    """Client + (seconds from spawn to initialize answered, seconds of initialize itself)."""
    t0 = time.perf_counter()
    client = await ClientServerConfig(server_command=server_command()).start()
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            inlay_hint=types.InlayHintClientCapabilities(),
            code_lens=types.CodeLensClientCapabilities()),
        window=types.WindowClientCapabilities(work_done_progress=True))
    t1 = time.perf_counter()
    await client.initialize_session(types.InitializeParams(
        capabilities=caps, root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
    t2 = time.perf_counter()
    return client, t2 - t0, t1


async def stop(client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), 30)
    finally:
        await client.stop()


def plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def index_finished(client: LanguageClient) -> bool:
    """Whether the server's indexing progress stream has ended (window/workDoneProgress)."""
    for reports in list(client.progress_reports.values()):
        if reports and isinstance(reports[0], types.WorkDoneProgressBegin) and \
                "indexing" in reports[0].title and \
                isinstance(reports[-1], types.WorkDoneProgressEnd):
            return True
    return False


async def last_index_job(client: LanguageClient) -> dict[str, Any] | None:
    report = plain(await client.protocol.send_request_async("ctxsteward/jobs", {"finished": 0}))
    jobs = [j for j in report["jobs"] if j["kind"] == "index"]
    return jobs[0] if jobs else None


async def timed(coro: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = await coro
    return (time.perf_counter() - t) * 1000.0, result


async def drive(client: LanguageClient, root: Path, rel: str, *, seconds: float,
                until_indexed: bool, seed: int = 1) -> dict[str, Any]:
    path = root / rel
    text = path.read_text()
    lines = text.splitlines()
    idents = [(i, m.start() + 1, m.group()) for i, line in enumerate(lines)
              for m in IDENT.finditer(line)]
    defined = set(re.findall(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", text, re.M))
    # Half the hovers land on names this file defines (definitions and their uses), half on any
    # identifier (locals, imports, keywords: often nothing to show, still a full request).
    on_defined = [x for x in idents if x[2] in defined] or idents
    rng = random.Random(seed)
    uri = path.as_uri()
    version = 1
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version,
                                             text=text)))
    doc = types.TextDocumentIdentifier(uri=uri)
    whole = types.Range(start=types.Position(line=0, character=0),
                        end=types.Position(line=len(lines) + 50, character=0))
    hover_ms: list[float] = []
    inlay_ms: list[float] = []
    edit_ms: list[float] = []
    answered = 0
    hints = 0
    end = time.monotonic() + seconds
    rounds = 0
    during = 0
    while time.monotonic() < end:
        rounds += 1
        line, col, _ = rng.choice(on_defined if rounds % 2 else idents)
        ms, h = await timed(client.text_document_hover_async(types.HoverParams(
            text_document=doc, position=types.Position(line=line, character=col))))
        hover_ms.append(ms)
        answered += h is not None
        ms, ih = await timed(client.text_document_inlay_hint_async(
            types.InlayHintParams(text_document=doc, range=whole)))
        inlay_ms.append(ms)
        hints = len(ih or [])
        if rounds % 5 == 0:
            version += 1
            text = text + f"# edit {version}\n"
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
            ms, _ = await timed(client.text_document_inlay_hint_async(
                types.InlayHintParams(text_document=doc, range=whole)))
            edit_ms.append(ms)
        await asyncio.sleep(0.02)  # a person does not hover continuously
        if until_indexed:
            if index_finished(client):
                break
            during = rounds
    return {"rounds": rounds, "rounds_while_indexing": during,
            "hover": percentiles(hover_ms), "hover_answered": answered,
            "inlay": percentiles(inlay_ms), "inlay_hints_per_request": hints,
            "inlay_after_edit": percentiles(edit_ms)}


async def wait_index(client: LanguageClient, timeout: float = 1800.0) -> dict[str, Any] | None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and not index_finished(client):
        await asyncio.sleep(0.5)
    return await last_index_job(client)


async def first_hover(client: LanguageClient, root: Path, rel: str) -> tuple[float, bool]:
    """Open the file and hover on its first definition name: seconds until the answer."""
    path = root / rel
    text = path.read_text()
    m = re.search(r"^(?:async\s+)?(?:def|class)\s+(\w+)", text, re.M)
    line = text[: m.start()].count("\n") if m else 0
    col = (m.start(1) - m.start()) if m else 0
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=text)))
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=col + 1)))
    return time.perf_counter(), h is not None


def add_worktree(repo: Path, work: Path) -> None:
    """A worktree of ``repo`` at HEAD in ``work``. A partial clone that lacks some blobs (e.g. a
    snapshot without its files of 4 MiB and over) gets the files whose blobs it has."""
    add = ["git", "worktree", "add", "--detach", "-q"]
    if subprocess.run([*add, str(work), "HEAD"], cwd=repo, capture_output=True).returncode == 0:
        return
    subprocess.run(["git", "worktree", "prune"], cwd=repo, check=True)
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run([*add, "--no-checkout", str(work), "HEAD"], cwd=repo, check=True)
    listing = subprocess.run(["git", "-c", "core.quotePath=false", "ls-tree", "-r", "-z",
                              "--format=%(objectname) %(path)",
                              "HEAD"], cwd=work, capture_output=True, check=True).stdout
    entries = [e.split(b" ", 1) for e in listing.split(b"\0") if e]
    check = subprocess.run(["git", "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                           cwd=work, input=b"".join(o + b"\n" for o, _ in entries),
                           capture_output=True, check=True).stdout.splitlines()
    present = [path for (_, path), line in zip(entries, check, strict=True)
               if not line.endswith(b"missing")]
    subprocess.run(["git", "checkout", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul"],
                   cwd=work, input=b"\0".join(present), check=True, capture_output=True)
    print(f"partial clone: checked out {len(present):,} of {len(entries):,} files (the rest "
          "have no blob here)", file=sys.stderr)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    repo = Path(args.repo).resolve()
    rel = args.file or pick_file(repo)
    work = Path(tempfile.mkdtemp(prefix="ctxsteward-lsp-bench-")) / repo.name
    add_worktree(repo, work)
    out: dict[str, Any] = {"repo": str(repo), "worktree": str(work), "file": rel,
                           "file_lines": (work / rel).read_text().count("\n"),
                           "cores": os.cpu_count(), "targets": TARGETS}
    try:
        # -- cold: background indexing ---------------------------------------------------------
        client, spawn_to_init, init_sent = await start(work)
        out["cold_spawn_to_initialize_s"] = round(spawn_to_init, 3)
        answered_at, ok = await first_hover(client, work, rel)  # while the index is cold
        out["cold_initialize_to_first_hover_s"] = round(answered_at - init_sent, 3)
        out["cold_first_hover_answered"] = ok
        t = time.perf_counter()
        out["cold"] = await drive(client, work, rel, seconds=args.seconds, until_indexed=True)
        out["cold"]["seconds_sampled"] = round(time.perf_counter() - t, 1)
        job = await wait_index(client)
        out["cold_index_job"] = job
        await stop(client)
        # -- warm --------------------------------------------------------------------------------
        client, spawn_to_init, init_sent = await start(work)
        answered_at, ok = await first_hover(client, work, rel)
        out["warm_spawn_to_initialize_s"] = round(spawn_to_init, 3)
        out["warm_initialize_to_first_hover_s"] = round(answered_at - init_sent, 3)
        out["warm_first_hover_answered"] = ok
        await wait_index(client)
        out["warm"] = await drive(client, work, rel, seconds=min(args.seconds, 20.0),
                                  until_indexed=False, seed=2)
        await stop(client)
    finally:
        if not args.keep:
            subprocess.run(["git", "worktree", "remove", "--force", str(work)], cwd=repo,
                           check=False, capture_output=True)
            shutil.rmtree(work.parent, ignore_errors=True)
    cold = out["cold"]
    out["verdict"] = {
        "hover_p95_ms": [cold["hover"].get("p95_ms"), TARGETS["hover_p95_ms"]],
        "inlay_p95_ms": [cold["inlay"].get("p95_ms"), TARGETS["inlay_p95_ms"]],
        "inlay_after_edit_p95_ms": [cold["inlay_after_edit"].get("p95_ms"),
                                    TARGETS["inlay_p95_ms"]],
        "init_to_first_hover_s": [max(out["warm_initialize_to_first_hover_s"],
                                      out["cold_initialize_to_first_hover_s"]),
                                  TARGETS["init_to_first_hover_s"]],
    }
    return out


def show(out: dict[str, Any]) -> None:
    w = sys.stdout.write
    w(f"repo {out['repo']} · file {out['file']} ({out['file_lines']:,} lines) · "
      f"{out['cores']} cores\n")
    job = out.get("cold_index_job") or {}
    if job:
        w(f"cold index: {job.get('state')} in {job.get('run_ms', 0) / 1000:.1f} s\n")
    for phase in ("cold", "warm"):
        r = out[phase]
        during = ", during background indexing" if phase == "cold" else ""
        w(f"\n{phase} ({r['rounds']} rounds{during})\n")
        for name in ("hover", "inlay", "inlay_after_edit"):
            p = r[name]
            if p.get("n"):
                w(f"  {name:<17} n={p['n']:<5} p50 {p['p50_ms']:>7.1f} ms   "
                  f"p95 {p['p95_ms']:>7.1f} ms   max {p['max_ms']:>7.1f} ms\n")
        w(f"  hovers answered {r['hover_answered']}/{r['hover']['n']}, "
          f"{r['inlay_hints_per_request']} inlay hints per request\n")
    w(f"\nspawn -> initialize: cold {out['cold_spawn_to_initialize_s']:.2f} s, "
      f"warm {out['warm_spawn_to_initialize_s']:.2f} s\n")
    w(f"initialize -> first hover: cold (no index yet) "
      f"{out['cold_initialize_to_first_hover_s']:.2f} s, "
      f"warm {out['warm_initialize_to_first_hover_s']:.2f} s\n\n")
    for k, (got, target) in out["verdict"].items():
        ok = got is not None and got <= target
        w(f"  {k:<26} {got!s:>8} vs target <= {target:<6} {'PASS' if ok else 'MISS'}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo")
    ap.add_argument("--file", help="file to hover in (relative to the repository)")
    ap.add_argument("--seconds", type=float, default=120.0,
                    help="longest sampling time during the cold index")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the worktree")
    args = ap.parse_args()
    out = asyncio.run(run(args))
    if args.json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        show(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
