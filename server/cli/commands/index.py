"""``ctxsteward index [ROOT | --root DIR] [--json] [--export FILE | --import FILE]``: bring the
index up to date and summarise it; or pack it into a snapshot file, or install one."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from pydantic import BaseModel

from analyzers.app.errors import F, RequestError
from server.cli.commands._history_options import add_large_commit_limit, with_large_commit_limit
from server.cli.main import (
    add_root_option,
    add_settings_options,
    dump,
    emit,
    given_root,
    settings_from,
)
from server.cli.progress import progress_bar, say_waiting

if TYPE_CHECKING:
    from analyzers.app.workspace import Workspace
    from analyzers.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "index", help="index a repository (incremental)",
        description="Bring the index in .ctxsteward/ up to date (only what changed is read "
        "again: files, definitions, references, imports, token counts and git history) and "
        "summarise it. Every other command does this first; run it to see the figures, or "
        "ahead of time.")
    p.add_argument("root_arg", nargs="?", metavar="ROOT",
                   help="folder to index, as --root (default: the git work tree around the "
                        "current folder)")
    add_root_option(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    io = p.add_mutually_exclusive_group()
    io.add_argument("--export", metavar="FILE",
                    help="then write a snapshot of the index (this commit's files and history) "
                         "to FILE, for other clones to --import")
    io.add_argument("--import", dest="import_", metavar="FILE",
                    help="install the snapshot FILE (checked: same repository, a commit this "
                         "clone has, untampered), then bring it up to date with this checkout")
    add_settings_options(p)
    add_large_commit_limit(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from analyzers.results import IndexReport, SnapshotManifest, SnapshotReport

    return {"index": IndexReport, "index-snapshot": SnapshotReport,
            "snapshot-manifest": SnapshotManifest}


def run(args: argparse.Namespace) -> int:
    from analyzers.app.seeds import skip_words
    from analyzers.app.workspace import Workspace
    from analyzers.printable import plural, printable

    # Without ROOT: the git work tree around the current folder (as ``budget`` does), so running
    # it from a subfolder does not start a second, history-less index there.
    if args.root_arg and args.root and args.root_arg != args.root:
        raise RequestError(f"give the folder once: ROOT {args.root_arg} or {F.root} "
                           f"{args.root}", field="root")
    given, option = (args.root_arg, "ROOT") if args.root_arg else (args.root, "--root")
    ws = Workspace(given_root(given, option), with_large_commit_limit(settings_from(args), args))
    settings = ws.settings
    for option, value in (("--export", args.export), ("--import", args.import_)):
        if value is not None and not value.strip():  # e.g. --import "$SNAP" with SNAP unset
            raise RequestError(f"{option} needs a FILE, and an empty path was given: name the "
                               "snapshot file", field=option.lstrip("-"))
    if args.export and os.path.basename(args.export) in ("", ".", ".."):  # "dir/", "dir/."
        raise RequestError(f"--export {args.export} names a folder: give the snapshot file's "
                           "name", field="export")
    if args.export or args.import_:
        return _snapshot(ws, args)
    with progress_bar("indexing", enabled=None if not args.json else False) as bar:
        report = ws.build(progress=bar, waiting=say_waiting)
    for warning in report.warnings:
        sys.stderr.write(f"warning: {printable(warning)}\n")
    if args.json:
        emit(dump(report))
        return 0
    w = sys.stdout.write
    w(f"Indexed {report.root}{'' if report.in_git else ' (not a git repository)'}\n")
    removed = f", {report.files_removed:,} removed" if report.files_removed else ""
    w(f"  files      {report.files:>10,}  ({report.files_parsed:,} parsed this run{removed})\n")
    w(f"  definitions{report.definitions:>10,}\n")
    w(f"  tokens     {report.tokens:>10,}  ({_tokens_label(report.tokens, settings)})\n")
    if report.history:
        h = report.history
        shallow = ", shallow clone" if h.shallow else ""
        large = (f"; {report.large_commits:,} touching more than {report.large_commit_limit:,} "
                 "files ignored for co-change" if report.large_commits else "")
        w(f"  commits    {h.commits_total:>10,}  ({h.commits_read:,} read this run{shallow}"
          f"{large})\n")
    w(f"  seconds    {report.seconds:>10.2f}\n")
    if report.languages:
        w("\n  language        files   definitions        tokens\n")
        for lang in report.languages:
            w(f"  {lang.language:<12}{lang.files:>9,}{lang.definitions:>14,}{lang.tokens:>14,}\n")
    if report.skipped:
        reasons = ", ".join(f"{k} {v:,}" for k, v in report.skipped_by_reason.items())
        w(f"\n  skipped {plural(len(report.skipped), 'file')}: {reasons}\n")
        for s in report.skipped[:10]:
            w(f"    {printable(s.path)}: {printable(skip_words(s.reason, s.detail))}\n")
        if len(report.skipped) > 10:
            w(f"    …and {len(report.skipped) - 10:,} more (--json lists them all)\n")
    return 0


def _tokens_label(raw: int, settings: Settings) -> str:
    """Which encoding and profile the count is in: always both, with the profile's scaled count
    when its factor is not 1 (the figures here are the encoding's own)."""
    from analyzers.tokens import Counter

    profile = settings.model_profile()
    counter = Counter(settings.encoding, profile)
    if profile.factor == 1.0:
        return f"{settings.encoding}, profile {profile.name}"
    return (f"{settings.encoding}, profile {profile.name}: ×{profile.factor:g} ≈ "
            f"{counter.scale(raw):,}")


def _snapshot(ws: Workspace, args: argparse.Namespace) -> int:
    """``--export FILE`` / ``--import FILE``; a refusal is one message (and JSON with --json)."""
    import json
    from pathlib import Path

    from analyzers.printable import plural, printable
    from analyzers.results import SnapshotReport

    try:
        with progress_bar("indexing", enabled=None if not args.json else False) as bar:
            if args.export:
                report, result = ws.export_index(Path(args.export), progress=bar,
                                                  waiting=say_waiting)
            else:
                result, report = ws.import_index(Path(args.import_), progress=bar,
                                                  waiting=say_waiting)
    except RequestError as e:
        if args.json:
            action = "export" if args.export else "import"
            emit(json.dumps({"ok": False, "action": action, "error": str(e)}, indent=2))
        raise
    for warning in report.warnings:
        sys.stderr.write(f"warning: {printable(warning)}\n")
    if args.json:
        emit(dump(SnapshotReport(action="export" if args.export else "import",
                                 snapshot=result, index=report)))
        return 0
    w = sys.stdout.write
    if args.export:
        left = (f"; {result.dropped:,} left out (local changes or untracked), so without the "
                "ranking graph" if result.dropped else ", with the ranking graph"
                if result.graph else "")
        w(f"Exported the index of {result.head[:12]} to {printable(result.path)}: "
          f"{plural(result.files, 'file')}, {result.bytes:,} bytes{left}\n")
    else:
        graph = " and its ranking graph" if result.graph else ""
        w(f"Imported {printable(result.path)}{graph} (commit {result.head[:12]}, "
          f"{plural(result.files, 'file')}, {result.stale:,} differing here); then "
          f"{plural(report.files_parsed, 'file')} parsed in {report.seconds:.2f} s\n")
    return 0
