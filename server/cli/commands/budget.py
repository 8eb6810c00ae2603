"""``ctxsteward budget [PATH...] [--json]``: a token tree, largest first, like ``du``."""

from __future__ import annotations

import argparse
import sys

from pydantic import BaseModel

from analyzers.results import BudgetNode
from server.cli.main import (
    add_settings_options,
    dump,
    emit,
    relative_paths,
    root_from,
    settings_from,
)
from server.cli.progress import progress_bar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("budget", help="token tree of files and folders, largest first")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--root", help="repository folder (default: the git work tree here)")
    p.add_argument("--depth", type=int, default=2, help="folder levels to show (text output)")
    p.add_argument("--top", type=int, default=15, help="entries per folder (text output)")
    add_settings_options(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from analyzers.results import BudgetReport

    return {"budget": BudgetReport}


def run(args: argparse.Namespace) -> int:
    from analyzers.indexing.index import Index, refresh
    from analyzers.printable import printable
    from analyzers.tokentree import budget

    settings = settings_from(args)
    root = root_from(args.root)
    wanted = relative_paths(root, args.paths)
    with progress_bar("indexing", enabled=None if not args.json else False) as bar:
        warnings = refresh(root, settings, progress=bar)  # a read-only checkout: as it is
    for warning in warnings:
        sys.stderr.write(f"warning: {printable(warning)}\n")
    with Index(root, settings) as index:
        report = budget(root, index.files(), settings, wanted)
    for m in report.missing:
        sys.stderr.write(f"warning: {printable(m)} is not an indexed file or folder\n")
    status = 1 if report.missing and not report.tree else 0
    if args.json:
        emit(dump(report))
        return status
    w = sys.stdout.write
    window = report.context_window
    w(f"{report.total_tokens:>12,} tokens  {report.total_tokens / window:6.1%}"
      f" of {window:,}  ({report.encoding})  {report.root}\n")

    def show(nodes: list[BudgetNode], depth: int) -> None:
        for n in nodes[: args.top]:
            w(f"{n.tokens:>12,}  {n.share:6.1%}  {'  ' * depth}{printable(n.path)}\n")
            if n.kind == "dir" and depth + 1 < args.depth:
                show(n.children, depth + 1)
        if len(nodes) > args.top:
            rest = sum(n.tokens for n in nodes[args.top:])
            w(f"{rest:>12,}  {rest / window:6.1%}  {'  ' * depth}…{len(nodes) - args.top} more\n")

    show(report.tree, 0)
    return status
