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
from typing import TYPE_CHECKING

from pydantic import BaseModel

from analyzers.app.requests import CheckRequest
from analyzers.app.workspace import Workspace
from analyzers.printable import printable
from server.cli.main import (
    UserError,
    add_root_option,
    add_settings_options,
    dump,
    emit,
    given_root,
    out_path,
    path_base,
    settings_from,
    whole_number_of,
    workspace_paths,
)
from server.cli.progress import progress_bar, say_waiting

if TYPE_CHECKING:
    from analyzers.app.workspace import Snapshot
    from analyzers.instructions.findings import CheckReport


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
    add_root_option(p)
    p.add_argument("--out", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--budget", type=whole_number_of("tokens", "5000"),
                   help="token budget per file and per folder (default 5000)")
    p.add_argument("--drift-threshold", type=whole_number_of("lines", "40"), metavar="N",
                   help="changed lines in a section's files, since the instruction file last "
                        "changed, from which the section drifts (CS004; default 40)")
    p.add_argument("--import-depth", type=whole_number_of("hops", "5"), metavar="N",
                   help="@import hops Claude Code follows (CS006; default 5)")
    p.add_argument("--no-index", action="store_true",
                   help="do not build or use the index (no symbol suggestions)")
    add_settings_options(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from analyzers.instructions.findings import CheckReport

    return {"check": CheckReport}


def run(args: argparse.Namespace) -> int:
    ws, request = _request(args)
    snapshot = None if args.no_index else _indexed(ws, args.format)
    try:
        report = ws.check(request, snapshot=snapshot)
    finally:
        if snapshot is not None:
            snapshot.close()
    status = 1 if any(d.severity == "error" for d in report.diagnostics) else 0
    _print_report(ws.root, report, args, ws.settings.instruction_files)
    return status


def _request(args: argparse.Namespace) -> tuple[Workspace, CheckRequest]:
    """The workspace and the check asked for, refused before any work when it cannot run."""
    request = CheckRequest(budget=args.budget, drift_threshold=args.drift_threshold,
                           import_depth=args.import_depth, use_index=not args.no_index)
    request.check()
    # The workspace is --root or the repository around the current folder, never one found from
    # a PATH argument: a link out of the workspace (or a path typed outside it) is refused below,
    # not taken as another workspace to index.
    root = given_root(args.root)
    ws = Workspace(root, settings_from(args))
    base = path_base(ws.root)
    for p in args.paths:
        if not os.path.lexists(base / p):
            raise UserError(f"{(base / p).resolve()} does not exist")
    if args.out:
        out_path(root, args.out)  # refused before any work: a symlink, or out of the workspace
    if args.paths:
        from analyzers.app.paths import Secrets

        # Instruction files are read and quoted by their own checks (which mask secrets).
        request.paths = workspace_paths(ws, args.paths, Secrets.NONE)
    return ws, request


def _indexed(ws: Workspace, fmt: str) -> Snapshot | None:
    """The index brought up to date, for symbol suggestions; None when it cannot be (the
    checks then run without it)."""
    try:
        with progress_bar("indexing", enabled=None if fmt == "text" else False) as bar:
            for w in ws.refresh(progress=bar, waiting=say_waiting):
                if w.startswith("cannot write the index"):  # a read-only checkout
                    sys.stderr.write(f"note: {w}\n")
        return ws.snapshot()
    except (OSError, ValueError) as e:
        sys.stderr.write(f"note: index unavailable ({e}); checking without it\n")
        return None


def _print_report(root: Path, report: CheckReport, args: argparse.Namespace,
                  patterns: list[str]) -> None:
    """The report in the format asked for, to stdout or ``--out``; notes to stderr (with no
    instruction file found, the text names the ``patterns`` looked for)."""
    from analyzers.instructions.findings import CODES, severity_counts

    if args.format == "json":
        emit(dump(report), args.out, root)
        return
    if args.format == "sarif":
        from analyzers.instructions.sarif import to_sarif

        emit(json.dumps(to_sarif(report, root), indent=2), args.out, root)
        return
    lines = []
    for d in report.diagnostics:
        fix = f" [fix: {d.fix.replacement.strip()}]" if d.fix else ""
        start = d.range.core().start  # path:line:column, both from 1 as compilers print them
        lines.append(printable(f"{d.path}:{start.line}:{start.character + 1}"
                               f": {d.severity} {d.code} ({CODES[d.code].name}) {d.message}{fix}"))
    summary = severity_counts(d.severity for d in report.diagnostics)
    files = f"{report.files_checked} instruction file{'s' * (report.files_checked != 1)}"
    lines.append(f"{summary} in {files}")
    if not report.files_checked and not args.paths:
        lines.append(f"(looked for: {', '.join(patterns)}; a name without a / at any "
                     "depth, the others from the root; and skills, */skills/*/SKILL.md)")
    emit("\n".join(lines), args.out, root)
    sys.stdout.flush()
    for n in report.notes:
        sys.stderr.write(f"note: {printable(n)}\n")
