"""``ctxsteward check [PATH...] [--format text|json|sarif]``: stale and oversized agent
instructions (codes CS001-CS010, see docs/checks.md).

Exit status 1 when any error-severity diagnostic is found, 0 otherwise (2 on bad input).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pydantic import BaseModel

from analyzers.printable import printable
from server.cli.main import (
    UserError,
    add_settings_options,
    checked_root,
    dump,
    emit,
    find_root,
    out_path,
    relative_paths,
    settings_from,
)
from server.cli.progress import progress_bar


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="check agent instruction files (CLAUDE.md, AGENTS.md, rules ...)",
        description="Check agent instruction files for stale paths, symbols and commands, "
                    "drift, size, imports, scoping and contradictions. Exit status 1 when an "
                    "error is found.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="instruction files or folders (default: all in the workspace)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="output format (default text)")
    p.add_argument("--root", help="repository folder (default: the git work tree here)")
    p.add_argument("--out", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--budget", type=int, help="token budget per file and per folder "
                                              "(default 5000)")
    p.add_argument("--drift-threshold", type=int, metavar="N",
                   help="changed lines in a section's files, since the instruction file last "
                        "changed, from which the section drifts (CS004; default 40)")
    p.add_argument("--import-depth", type=int, metavar="N",
                   help="@import hops Claude Code follows (CS006; default 5)")
    p.add_argument("--no-index", action="store_true",
                   help="do not build or use the index (no symbol suggestions)")
    add_settings_options(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from analyzers.instructions.findings import CheckReport

    return {"check": CheckReport}


def run(args: argparse.Namespace) -> int:
    from analyzers.instructions import check_workspace
    from analyzers.instructions.findings import CODES

    settings = settings_from(args)
    if args.budget is not None:
        if args.budget < 1:
            raise UserError("--budget must be a positive number of tokens")
        settings = settings.model_copy(update={"instruction_budget": args.budget})
    if args.drift_threshold is not None:
        if args.drift_threshold < 1:
            raise UserError("--drift-threshold must be a positive number of changed lines")
        settings = settings.model_copy(update={"drift_threshold": args.drift_threshold})
    if args.import_depth is not None:
        if args.import_depth < 0:
            raise UserError("--import-depth must be 0 or more")
        settings = settings.model_copy(update={"import_depth": args.import_depth})
    # The workspace is --root or the repository around the current folder, never one found from
    # a PATH argument: a link out of the workspace (or a path typed outside it) is refused below,
    # not taken as another workspace to index.
    root = find_root(Path.cwd()) if not args.root else checked_root(args.root)
    for p in args.paths:
        if not os.path.lexists(p):
            raise UserError(f"{Path(p).resolve()} does not exist")
    if args.out:
        out_path(root, args.out)  # refused before any work: a symlink, or out of the workspace
    wanted = relative_paths(root, args.paths) if args.paths else None

    index = None
    if not args.no_index:
        from analyzers.indexing.index import Index, refresh

        try:
            with progress_bar("indexing", enabled=None if args.format == "text" else False) as bar:
                for w in refresh(root, settings, progress=bar):
                    if w.startswith("cannot write the index"):  # a read-only checkout
                        sys.stderr.write(f"note: {w}\n")
            index = Index(root, settings)
        except (OSError, ValueError) as e:
            sys.stderr.write(f"note: index unavailable ({e}); checking without it\n")
    try:
        report = check_workspace(root, wanted, settings, index=index)
    finally:
        if index is not None:
            index.close()

    status = 1 if any(d.severity == "error" for d in report.diagnostics) else 0
    if args.format == "json":
        emit(dump(report), args.out, root)
        return status
    if args.format == "sarif":
        from analyzers.instructions.sarif import to_sarif

        emit(json.dumps(to_sarif(report, root), indent=2), args.out, root)
        return status

    lines = []
    for d in report.diagnostics:
        fix = f" [fix: {d.fix.replacement.strip()}]" if d.fix else ""
        start = d.range.core().start  # path:line:column, both from 1 as compilers print them
        lines.append(printable(f"{d.path}:{start.line}:{start.character + 1}"
                               f": {d.severity} {d.code} ({CODES[d.code].name}) {d.message}{fix}"))
    counts = {s: sum(1 for d in report.diagnostics if d.severity == s)
              for s in ("error", "warning", "information", "hint")}
    summary = ", ".join(f"{n} {s}{'s' if n != 1 and s != 'information' else ''}"
                        for s, n in counts.items() if n) or "no problems"
    files = f"{report.files_checked} instruction file{'s' * (report.files_checked != 1)}"
    lines.append(f"{summary} in {files}")
    emit("\n".join(lines), args.out, root)
    sys.stdout.flush()
    for n in report.notes:
        sys.stderr.write(f"note: {printable(n)}\n")
    return status
