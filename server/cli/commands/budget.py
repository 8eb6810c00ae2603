"""``ctxsteward budget [PATH...] [--json]``: a token tree, largest first, like ``du``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pydantic import BaseModel

from analyzers.app.requests import BudgetRequest
from analyzers.config import Settings
from analyzers.results import BudgetNode, BudgetReport
from server.cli.main import (
    add_root_option,
    add_settings_options,
    dump,
    emit,
    settings_from,
    whole_number_of,
    workspace_from,
    workspace_paths,
)
from server.cli.progress import progress_bar, say_waiting

DEPTH, TOP = BudgetRequest.depth, BudgetRequest.top


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "budget", help="token tree of files and folders, largest first",
        description="Token counts of the indexed files and folders, with their share of the "
        "context window, largest first, like du. Without PATH: the whole workspace, from its "
        "top-level entries down. With PATH: each file or folder asked for, and the levels below "
        "it. Exit status 1 when nothing is found (a PATH not indexed, or a workspace without "
        "indexed files).")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files or folders to count, relative to the current folder (default: "
                        "the whole workspace); each is listed, whatever --depth says")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_root_option(p)
    p.add_argument("--depth", type=whole_number_of("levels", "2"), default=DEPTH, metavar="N",
                   help="levels shown in text output, the top-level entries or each PATH "
                        "being the first (default %(default)s)")
    p.add_argument("--top", type=whole_number_of("entries", "15"), default=TOP, metavar="N",
                   help="entries shown per folder in text output (default %(default)s)")
    add_settings_options(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    return {"budget": BudgetReport}


def run(args: argparse.Namespace) -> int:
    from analyzers.app.paths import Secrets
    from analyzers.printable import printable

    ws = workspace_from(args, settings_from(args))
    # Paths are only counted, never shown: a secret-bearing one is counted like any other.
    request = BudgetRequest(workspace_paths(ws, args.paths, Secrets.NONE),
                            depth=args.depth, top=args.top)
    request.check()  # before any indexing
    with progress_bar("indexing", enabled=None if not args.json else False) as bar:
        warnings = ws.refresh(progress=bar, waiting=say_waiting)  # a read-only checkout: as it is
    for warning in warnings:
        sys.stderr.write(f"warning: {printable(warning)}\n")
    with ws.snapshot() as snapshot:
        report = snapshot.budget(request)
        skips = snapshot.index.skipped() if report.missing else {}
    for m in report.missing:
        sub = (ws.root / m / ".git").exists()  # (a submodule: a repository of its own)
        why = skips.get(m)
        sys.stderr.write(f"warning: {printable(m)} is " + (
            f"a git submodule, a repository of its own: run ctxsteward there (--root "
            f"{printable(m)})" if sub else
            f"not counted: the index skips it ({printable(why[0])}"
            f"{': ' + printable(why[1]) if why[1] else ''})" if why else
            "not an indexed file or folder") + "\n")
    if not report.tree and not report.missing:
        sys.stderr.write(f"warning: no indexed files in {printable(report.root)}\n")
    status = 1 if not report.tree else 0  # nothing found (README: exit status)
    if args.json:
        emit(dump(report))
        return status
    _print_tree(report, request, ws.settings, sys.stdout.write)
    return status


def asked_nodes(report: BudgetReport, paths: list[str]) -> list[BudgetNode]:
    """The report's nodes for the paths asked for, in the order asked (the top-level entries
    when none, or the root, is asked for); paths not indexed are left out."""
    if not paths or "." in paths:
        return report.tree
    from analyzers.tokentree import nodes_by_path

    nodes = nodes_by_path(report.tree)
    found = (nodes.get(p.rstrip("/")) for p in dict.fromkeys(paths))
    return [n for n in found if n is not None]


def _print_tree(report: BudgetReport, request: BudgetRequest, settings: Settings,
                w: Callable[[str], object]) -> None:
    """The tree as text: a total line, then ``depth`` levels from each path asked for (the rows
    cut, "…N more", as one figure scaled once, as every other)."""
    from analyzers.printable import printable
    from analyzers.tokentree import scaled_sum

    window = report.context_window
    w(f"{report.total_tokens:>12,} tokens  {report.total_tokens / window:6.1%}"
      f" of {window:,}  ({report.encoding})  {report.root}\n")

    def show(nodes: list[BudgetNode], depth: int) -> None:
        for n in nodes[: request.top]:
            w(f"{n.tokens:>12,}  {n.share:6.1%}  {'  ' * depth}{printable(n.path)}\n")
            if n.kind == "dir" and depth + 1 < request.depth:
                show(n.children, depth + 1)
        if len(nodes) > request.top:
            rest = scaled_sum(nodes[request.top:], settings)
            w(f"{rest:>12,}  {rest / window:6.1%}  {'  ' * depth}…{len(nodes) - request.top} "
              "more\n")

    show(asked_nodes(report, request.paths), 0)
    if report.skipped:
        n = sum(report.skipped.values())
        reasons = ", ".join(f"{r} {c:,}" for r, c in report.skipped.items())
        why = "; an SVG is an image, not source an agent reads" if "image" in report.skipped \
            else ""
        w(f"  not counted: {n:,} file{'s' if n != 1 else ''} the index skips ({reasons}{why}); "
          "ctxsteward index lists them\n")
