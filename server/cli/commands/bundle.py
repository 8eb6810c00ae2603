"""``ctxsteward bundle``: a ranked, explained context bundle packed to a token budget."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.printable import plural, printable
from server.cli import background, token_service
from server.cli.commands._history_options import add_large_commit_limit, with_large_commit_limit
from server.cli.main import (
    UserError,
    add_root_option,
    add_settings_options,
    dump,
    emit,
    number,
    out_path,
    path_base,
    settings_from,
    whole_number_of,
    workspace_from,
)
from server.cli.progress import progress_bar, say_waiting

if TYPE_CHECKING:
    from pydantic import BaseModel

    from analyzers.app.requests import BundleRequest
    from analyzers.app.workspace import Snapshot, Workspace
    from analyzers.bundles.assemble import BundleResult
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
    task.add_argument("--task-file", metavar="PATH",
                      help="read the task text from this file ('-': standard input); UTF-8, "
                           "UTF-16 or UTF-32 with a byte order mark, another byte replaced")
    p.add_argument("--budget", type=whole_number_of("tokens", "8000 (0 ranks only)"),
                   default=None,
                   help="token budget (default 16000; 0 = rank only: the ranked files, their "
                        "sizes and reasons, no content)")
    p.add_argument("--limit", type=whole_number_of("items", "20"),
                   help="at most this many items (with --budget 0: default 50)")
    p.add_argument("--pin", action="append", default=[], metavar="PATH",
                   help="always include this file")
    p.add_argument("--exclude-glob", action="append", default=[], metavar="GLOB",
                   help="leave files matching this gitignore-style glob out of this bundle "
                        "(repeatable; listed under excluded); the index keeps them")
    p.add_argument("--format", choices=("json", "markdown", "xml"), default="markdown")
    p.add_argument("--decisions-share", type=number, default=None, metavar="SHARE",
                   help="share of the budget for the recent decisions section: the last 30 "
                        "days' commits that changed the core files and the handoff note's "
                        "decisions (default 0.1, at most 0.5; 0 turns it off)")
    p.add_argument("--out", help="write the output to this file (atomically)")
    add_root_option(p)
    p.add_argument("--save", metavar="NAME", help="store it under .ctxsteward/bundles/NAME.json")
    p.add_argument("--verify", metavar="NAME",
                   help="report which items of a saved bundle are unchanged, moved (same lines, "
                        "other line numbers), changed or vanished since (exit 1 if any changed "
                        "or vanished)")
    add_settings_options(p, exclude_help="the same as --exclude-glob here: it keeps files out "
                         "of this bundle only, and the shared index keeps them (for index, budget "
                         "and the other commands, --exclude leaves files out of the index)")
    add_large_commit_limit(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from analyzers.results import Bundle, VerifyReport

    return {"bundle": Bundle, "verify": VerifyReport}


def _check_arguments(args: argparse.Namespace) -> None:
    """Slips the parser lets through, refused before any work starts."""
    from analyzers.app.requests import check_bundle_name

    for option, field in (("--save", "save"), ("--verify", "verify")):
        value = getattr(args, field)
        if value is not None and not value.strip():
            raise UserError(f"{option} needs a bundle NAME (letters, digits, '.', '_' or '-'); "
                            "got an empty one")
        if value is not None:  # before any indexing: a bad name is refused at once
            check_bundle_name(value, field)
    if args.verify is not None:  # checks a saved bundle: the options of a new one mean nothing
        given = [option for option, value in (
            ("--seed", args.seed), ("--pin", args.pin), ("--task", args.task),
            ("--task-file", args.task_file), ("--budget", args.budget), ("--limit", args.limit),
            ("--save", args.save), ("--decisions-share", args.decisions_share),
            ("--exclude-glob", args.exclude_glob)) if value not in (None, [], "")]
        if given:
            drop = "it" if len(given) == 1 else "them"
            raise UserError(f"--verify {args.verify} checks a saved bundle as it was made; it "
                            f"takes no {', '.join(given)}: drop {drop} (or make a new bundle "
                            "without --verify)")
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
    ws = workspace_from(args, settings)
    if args.out:
        out_path(ws.root, args.out)  # refused before any work: read-only, a symlink...
    request = _request(ws, args)
    if request is not None and request.task is not None and not request.seeds \
            and not request.pins:
        from analyzers import lexical

        if not lexical.task_words(request.task):
            sys.stderr.write("note: the task has no word to search by (only common words): "
                             "the ranking follows the repository's structure and history alone; "
                             "name what to change, or give a --seed\n")

    def refreshed() -> list[str]:
        with progress_bar("indexing", enabled=None if args.format == "markdown" else False) as bar:
            return ws.refresh(progress=bar, waiting=say_waiting)

    # The index is brought up to date in a child process while this one loads the ranking code:
    # the two are independent until the query starts. The CLI chooses when; the workspace says
    # how. The indexing code is loaded first, here: the child inherits it and starts at once.
    import analyzers.indexing.index  # noqa: F401

    with background.start(refreshed) as pending:
        import analyzers.bundles.assemble  # noqa: F401 - loaded while the index refreshes

        warnings = pending.result()
    # One query's objects, freed as the process ends: no cycle collection passes over them
    # while the graph loads and the files are ranked and packed (5-10% of a warm bundle).
    gc.disable()
    for w in warnings:
        sys.stderr.write(f"warning: {printable(w)}\n")
    with ws.snapshot() as snapshot:
        if request is None:
            vr = snapshot.verify(args.verify)
            emit(dump(vr) if args.format == "json" else _verify_text(vr), args.out, ws.root)
            return 1 if vr.changed or vr.vanished else 0
        result = snapshot.bundle(request)
        unsaved = _save(snapshot, args.save, result) if args.save else ""
    _print_bundle(ws.root, result, request, args)
    if unsaved:  # (said after the bundle, which is not lost with it)
        sys.stderr.write(f"ctxsteward: {unsaved}\n")
        return 1
    return 0


def _save(snapshot: Snapshot, name: str, result: BundleResult) -> str:
    """Store ``result`` as ``name`` (saying so, and when it replaces a bundle saved under that
    name before); what went wrong, or "" when it was saved."""
    from analyzers.bundles.assemble import bundles_dir

    before = bundles_dir(snapshot.workspace.root) / f"{name}.json"
    replaced = before.is_file()
    try:
        saved = snapshot.save(name, result)
    except OSError as e:
        return (f"could not save the bundle as {name!r}: {e.strerror or e} "
                f"({e.filename or before}); the bundle itself was written. Make .ctxsteward "
                "writable, or drop --save")
    sys.stderr.write(f"saved as {saved}" + (" (replacing the bundle saved under that name "
                                            "before)" if replaced else "") + "\n")
    return ""


def _request(ws: Workspace, args: argparse.Namespace) -> BundleRequest | None:
    """The bundle asked for (None for ``--verify``), checked before any work: seeds and pins
    from the current folder, the task read, the output path allowed."""
    from analyzers.app.errors import F, RequestError
    from analyzers.app.paths import Secrets
    from analyzers.app.requests import BundleRequest

    if args.out:
        out_path(ws.root, args.out)  # refused before any work: a symlink, or out of the workspace
    if args.verify:  # a bundle never saved: said before anything is indexed (or written)
        from analyzers.bundles.assemble import load_saved

        load_saved(ws.root, args.verify)
        return None
    task = _task_argument(args.task)
    if task is not None and not task.strip() and args.seed:
        sys.stderr.write("note: --task is empty (or only blanks): the bundle is ranked from "
                         "the seeds alone\n")
    if args.task_file:
        task = _read_task_file(args.task_file)
        if not task.strip() and not args.seed:  # (with a seed: a bundle of the seeds alone)
            raise UserError(_empty_task_file(args.task_file))
    cwd = path_base(ws.root)  # (the current folder, or the root when that is outside it)
    # A secret-bearing seed is refused by the bundle itself, from its cached scan: scanning here
    # would hold up the index refresh a warm query starts next.
    request = BundleRequest(
        seeds=list(dict.fromkeys(ws.seed(s, base=cwd, secrets=Secrets.NONE) for s in args.seed)),
        task=task,
        budget=ws.settings.default_budget if args.budget is None else args.budget,
        limit=args.limit, exclude=args.exclude_glob, format=args.format,
        decisions_share=args.decisions_share,
        # A pinned file holding secrets is listed under excluded, never refused.
        pins=[ws.path(p, what="pin", base=cwd, secrets=Secrets.NONE) for p in args.pin])
    try:
        request.check()
    except RequestError as e:
        if e.field != "seed":
            raise
        # The command line has one more way to use the command: checking a saved bundle.
        raise RequestError(f"{e.message} (or {F.verify})", field=e.field) from e
    _refuse_excluded_subjects(request, args.exclude_glob)
    return request


# A byte order mark and the encoding it announces (UTF-32's first: UTF-16 LE's is its prefix).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _read_task_file(name: str) -> str:
    """The text of ``--task-file NAME`` (``-``: standard input): a task is free text, so a log
    in UTF-16 (PowerShell's ``>``) or with a stray Latin-1 byte is read too, the bytes UTF-8
    cannot read replaced (said on stderr); a binary file is refused."""
    what = "standard input" if name == "-" else name
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as e:
        raise UserError(f"cannot read --task-file {what}: {e.strerror or e}") from e
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        raise UserError(f"cannot read --task-file {what}: it holds NUL bytes (binary, or UTF-16 "
                        "without a byte order mark); save it as UTF-8")
    encoding = encoding or "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        text = data.decode(encoding, errors="replace")
        sys.stderr.write(f"note: --task-file {printable(what)}: bytes that are not "
                         f"{encoding.removesuffix('-sig').upper()} (the first at byte {e.start})"
                         " read as \N{REPLACEMENT CHARACTER}\n")
        return text


def _task_argument(task: str | None) -> str | None:
    """``--task TEXT`` as given: bytes of the command line that are not UTF-8 (Python keeps them
    as lone surrogates, which no output can hold) read as U+FFFD, said on stderr, as
    ``--task-file`` reads them."""
    if task is None:
        return None
    try:
        task.encode("utf-8")
        return task
    except UnicodeEncodeError as e:
        fixed = "".join("\N{REPLACEMENT CHARACTER}" if "\ud800" <= ch <= "\udfff" else ch
                        for ch in task)
        sys.stderr.write(f"note: --task: bytes that are not UTF-8 (the first at character "
                         f"{e.start}) read as \N{REPLACEMENT CHARACTER}\n")
        return fixed


def _empty_task_file(name: str) -> str:
    """What to say of a ``--task-file`` with nothing but blanks in it, and what to do."""
    if name == "-":
        return ("--task-file -: standard input was empty (or only blanks): pipe the task in, "
                "give it with --task TEXT, or give a --seed PATH")
    return (f"--task-file {name} is empty (or only blanks): write the task in it, give it with "
            "--task TEXT, or give a --seed PATH")


def _refuse_excluded_subjects(request: BundleRequest, globs: list[str]) -> None:
    """A seed or pin an ``--exclude-glob`` (or ``--exclude``) matches: a bundle about a file it
    leaves out, refused rather than dropped while its reasons still speak of "the seed". (The
    editor's "remove from bundle" excludes a seed on purpose: only the command line refuses.)"""
    if not globs:
        return
    import pathspec

    from analyzers.app.seeds import parse_seed_spec

    spec = pathspec.GitIgnoreSpec.from_lines(globs)
    for what, paths in (("seed", [parse_seed_spec(s).path for s in request.seeds]),
                        ("pin", request.pins)):
        hit = next((p for p in paths if spec.match_file(p)), None)
        if hit is not None:
            raise UserError(f"{what} {hit!r} matches an exclude glob ({', '.join(globs)}): "
                            f"drop the glob or the {what}")


def _print_bundle(root: Path, result: BundleResult, request: BundleRequest,
                  args: argparse.Namespace) -> None:
    """The bundle to stdout or ``--out``; what it left out or masked to stderr."""
    if args.format == "json":
        emit(dump(result.bundle), args.out, root)
    else:
        emit(result.rendered, args.out, root)
        # The rendered document has no place for them (the JSON has "excluded" and "redacted"):
        # say it aside. (A redacted value shows its own marker in the document too.)
        sys.stderr.write(_excluded_text(result.excluded()))
        sys.stderr.write(_redacted_text(result.redacted()))
    for note in result.notes:  # (also the JSON's "notes")
        sys.stderr.write(f"note: {printable(note)}\n")
    if args.out:
        items, total, of = result.counts()  # a Markdown or XML bundle never makes its model
        size = (f"{plural(items, 'ranked file')} (--budget 0: the ranking, nothing packed)"
                if of == 0 else f"{plural(items, 'item')}, {total:,} of {of:,} tokens")
        path, where = out_path(root, args.out)
        sys.stderr.write(f"wrote {size} to {args.out}{where or _read_back(root, path)}\n")


def _read_back(root: Path, path: Path) -> str:
    """A note for a bundle written inside the workspace where the index will read it (not
    ignored by git): a copy of code, ranked and packed by later bundles (review: ``--out
    context.md`` came back 18th, "matches 'make', 'choice'...")."""
    from analyzers import gitrepo

    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else ""
    if not rel or gitrepo.try_run(root, "check-ignore", "-q", "--no-index", "--", rel,
                                  timeout=10) is not None:
        return ""  # (ignored: exit 0; not, or no git: None)
    return (" (inside the workspace: later bundles will index and rank it as one of the "
            "project's files; write it outside, or add it to .gitignore)")


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
    from analyzers.bundles.render import ranges_label, verify_heading

    lines = [verify_heading(vr)]
    for i in vr.items:
        where, detail = "", f"  ({i.detail})" if i.detail else ""
        if i.status == "moved":  # the detail says the same in words
            where, detail = f"  lines {ranges_label(i.ranges)} -> {ranges_label(i.ranges_now)}", ""
        elif i.ranges and i.status != "vanished":
            where = f"  lines {ranges_label(i.ranges)}"
        lines.append(f"  {i.status:<9} {printable(i.path)}{where}{printable(detail)}")
    return "\n".join(lines)
