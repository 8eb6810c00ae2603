"""``ctxsteward bundle``: a ranked, explained context bundle packed to a token budget."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.printable import printable
from server.cli import background, token_service
from server.cli.commands._history_options import add_large_commit_limit, with_large_commit_limit
from server.cli.main import (
    UserError,
    add_settings_options,
    dump,
    emit,
    out_path,
    root_from,
    settings_from,
)
from server.cli.progress import progress_bar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from analyzers.config import Settings
    from analyzers.results import VerifyReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bundle", help="suggest the context an agent needs for a task, packed to a budget",
        description="Rank the files and definitions an agent needs for the seed file(s) and/or "
        "task, pack them into the token budget and render them. A seed is PATH, PATH:LINE or "
        "PATH::SYMBOL.",
    )
    p.add_argument("--seed", action="append", default=[], metavar="PATH",
                   help="file at hand (repeatable): PATH, PATH:LINE or PATH::SYMBOL")
    task = p.add_mutually_exclusive_group()
    task.add_argument("--task", help="what the agent is asked to do")
    task.add_argument("--task-file", help="read the task text from this file")
    p.add_argument("--budget", type=int, default=None,
                   help="token budget (default 16000; 0 = rank only, no packing: JSON metadata "
                        "whatever --format says)")
    p.add_argument("--limit", type=int,
                   help="at most this many items (with --budget 0: default 50)")
    p.add_argument("--pin", action="append", default=[], metavar="PATH",
                   help="always include this file")
    p.add_argument("--exclude-glob", action="append", default=[], metavar="GLOB",
                   help="never include files matching this gitignore-style glob")
    p.add_argument("--format", choices=("json", "markdown", "xml"), default="markdown")
    p.add_argument("--out", help="write the output to this file (atomically)")
    p.add_argument("--root", help="repository folder (default: the git work tree here)")
    p.add_argument("--save", metavar="NAME", help="store it under .ctxsteward/bundles/NAME.json")
    p.add_argument("--verify", metavar="NAME",
                   help="report which items of a saved bundle are unchanged, moved (same lines, "
                        "other line numbers), changed or vanished since (exit 1 if any changed "
                        "or vanished)")
    add_settings_options(p)
    add_large_commit_limit(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from analyzers.results import Bundle, VerifyReport

    return {"bundle": Bundle, "verify": VerifyReport}


def _check_arguments(args: argparse.Namespace) -> None:
    """Slips the parser lets through, refused before any work starts."""
    for option, value in (("--save", args.save), ("--verify", args.verify)):
        if value is not None and not value.strip():
            raise UserError(f"{option} needs a bundle NAME (letters, digits, '.', '_' or '-'); "
                            "got an empty one")
        if value is not None:  # before any indexing: a bad name is refused at once
            from analyzers.bundles.assemble import BundleError, check_name

            try:
                check_name(value)
            except BundleError as e:
                raise UserError(f"{option}: {e}") from e
    if args.out is not None:
        if not args.out.strip():
            raise UserError("--out needs a file name; got an empty one")
        if Path(args.out).is_dir():
            raise UserError(f"--out must be a file: {args.out} is a folder")


def run(args: argparse.Namespace) -> int:
    _check_arguments(args)
    settings = with_large_commit_limit(settings_from(args), args)
    if settings.exclude:
        # A query's --exclude keeps files out of this bundle only: the shared index (which
        # every later command reads) is walked, and kept, without it.
        args.exclude_glob = [*args.exclude_glob, *settings.exclude]
        settings = settings.model_copy(update={"exclude": []})
    if args.verify:  # counts no tokens
        return _run(args, settings)
    # From here on the tokenizer loads in a child process, and the counts go there: loading it is
    # the largest single step of a warm call, and it depends on nothing else.
    with token_service.counting_elsewhere(settings.encoding):
        return _run(args, settings)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from analyzers.indexing.index import refresh

    root = root_from(args.root)
    if args.out:
        out_path(root, args.out)  # refused before any work: a symlink, or out of the workspace
    if args.verify:  # a bundle never saved: said before anything is indexed (or written)
        from analyzers.app.errors import CLI_WORDS
        from analyzers.bundles.assemble import BundleError, load_saved

        try:
            load_saved(root, args.verify)
        except BundleError as e:
            raise UserError(e.worded(CLI_WORDS)) from e
    task = args.task
    if args.task_file:
        try:
            task = Path(args.task_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read --task-file {args.task_file}: {e}") from e
    if not args.verify and not args.seed and not (task and task.strip()):
        raise UserError("give at least one --seed PATH or a --task TEXT (or --verify NAME)")
    budget = settings.default_budget if args.budget is None else args.budget

    def refreshed() -> list[str]:
        with progress_bar("indexing", enabled=None if args.format == "markdown" else False) as bar:
            return refresh(root, settings, progress=bar)

    # The index is brought up to date in a child process while this one loads the ranking code:
    # the two are independent until the query starts.
    with background.start(refreshed) as pending:
        from analyzers.app.errors import CLI_WORDS
        from analyzers.app.requests import BundleRequest
        from analyzers.bundles.assemble import (
            BundleError,
            make_bundle,
            save_bundle,
            verify_bundle,
        )
        from analyzers.indexing.index import Index

        warnings = pending.result()
    for w in warnings:
        sys.stderr.write(f"warning: {printable(w)}\n")
    with Index(root, settings) as index:
        try:
            if args.verify:
                vr = verify_bundle(index, args.verify)
                if args.format == "json":
                    emit(dump(vr), args.out, root)
                else:
                    emit(_verify_text(vr), args.out, root)
                return 1 if vr.changed or vr.vanished else 0
            cwd_seeds = list(dict.fromkeys(_from_cwd(root, s) for s in args.seed))
            result = make_bundle(index, BundleRequest(
                seeds=cwd_seeds, task=task, budget=budget, limit=args.limit,
                pins=[_from_cwd(root, p) for p in args.pin], exclude=args.exclude_glob,
                format=args.format,
            ))
            if args.save:
                saved = save_bundle(index, args.save, result)
                sys.stderr.write(f"saved as {saved}\n")
        except BundleError as e:
            raise UserError(e.worded(CLI_WORDS)) from e
    if args.format == "json" or budget == 0:
        emit(dump(result.bundle), args.out, root)
    else:
        emit(result.rendered, args.out, root)
        # The rendered document has no place for them (the JSON has "excluded" and "redacted"):
        # say it aside. (A redacted value shows its own marker in the document too.)
        sys.stderr.write(_excluded_text(result.excluded()))
        sys.stderr.write(_redacted_text(result.redacted()))
    if args.out:
        items, total, of = result.counts()  # a Markdown or XML bundle never makes its model
        sys.stderr.write(f"wrote {items} items, {total:,} of {of:,} tokens to {args.out}"
                         f"{out_path(root, args.out)[1]}\n")
    return 0


EXCLUDED_SHOWN = 5


def _excluded_text(excluded: list[tuple[str, str]]) -> str:
    """One line per file kept out of the bundle, or a count and the first few when many."""
    if len(excluded) <= EXCLUDED_SHOWN:
        return "".join(f"excluded {printable(path)}: {printable(reason)}\n"
                       for path, reason in excluded)
    lines = [f"excluded {len(excluded)} files (--format json lists them all), first "
             f"{EXCLUDED_SHOWN - 1}:\n"]
    lines += [f"  {printable(path)}: {printable(reason)}\n"
              for path, reason in excluded[:EXCLUDED_SHOWN - 1]]
    return "".join(lines)


def _redacted_text(redacted: list[tuple[str, list[int], list[str]]]) -> str:
    """One line per item shown with secret values masked: where, and what kind."""
    from analyzers.bundles.render import lines_label

    return "".join(f"redacted {printable(path)}: {', '.join(kinds)} masked on "
                   f"{lines_label(lines)}\n" for path, lines, kinds in redacted)


def _verify_text(vr: VerifyReport) -> str:
    """The verify report for people: counts, then one line per item (moved items with where
    their lines are now)."""
    from analyzers.bundles.render import ranges_label

    heads = ""
    if vr.head_then and vr.head_now and vr.head_then != vr.head_now:
        heads = f" (HEAD then {vr.head_then[:10]}, now {vr.head_now[:10]})"
    lines = [f"Bundle {vr.name!r} saved {vr.created_at}{heads}: {vr.unchanged} unchanged, "
             f"{vr.moved} moved, {vr.changed} changed, {vr.vanished} vanished"]
    for i in vr.items:
        where, detail = "", f"  ({i.detail})" if i.detail else ""
        if i.status == "moved":  # the detail says the same in words
            where, detail = f"  lines {ranges_label(i.ranges)} -> {ranges_label(i.ranges_now)}", ""
        elif i.ranges and i.status != "vanished":
            where = f"  lines {ranges_label(i.ranges)}"
        lines.append(f"  {i.status:<9} {i.path}{where}{detail}")
    return "\n".join(lines)


def _from_cwd(root: Path, spec: str) -> str:
    """Seeds are given relative to the current folder; the core wants them from the root."""
    path, sep, rest = spec.partition("::")
    if not sep:
        head, colon, line = spec.rpartition(":")
        if colon and line.isdigit():
            path, sep, rest = head, ":", line
    if not path.strip():
        return spec  # the core says the path is missing
    full = (Path.cwd() / path).resolve() if not Path(path).is_absolute() else Path(path)
    try:
        rel = full.relative_to(root).as_posix()
    except ValueError:
        rel = path  # let the core report it as outside the workspace
    return f"{rel}{sep}{rest}" if sep else rel
