"""``ctxsteward handoff``: a structured handoff note from git state, code and tests.

Markdown goes to stdout unless ``--out FILE``; with ``--out`` the file is updated in place, keeping
the human sections byte for byte (a note whose generated blocks cannot be parsed is left alone and
the new note goes beside it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from analyzers.app.requests import DEFAULT_HANDOFF_BUDGET, MIN_HANDOFF_BUDGET, HandoffRequest
from server.cli.main import (
    UserError,
    add_root_option,
    add_settings_options,
    dump,
    emit,
    out_path,
    settings_from,
    whole_number_of,
    workspace_from,
)
from server.cli.progress import say_waiting

if TYPE_CHECKING:
    from analyzers.handoff.note import HandoffNote, HumanSections


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "handoff", help="write a structured handoff note for the next session",
        description="A handoff note: commits, changed files and definitions since the base, "
                    "TODOs added, tests, instruction files and a suggested context bundle, plus "
                    "human sections (goal, status, decisions, ...) kept as written.",
    )
    p.add_argument("--base", metavar="REF",
                   help="compare with this ref (default: the upstream's merge-base, else the "
                        "default branch, else the root commit)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--out", metavar="FILE",
                   help="write (or update) this file instead of printing; human sections are kept "
                        "(a JSON note's human fields too)")
    p.add_argument("--test-cmd", metavar="CMD",
                   help="run this shell command at the root and record the outcome")
    p.add_argument("--test-timeout", type=float, metavar="SECONDS",
                   help="stop the test command after this long")
    add_root_option(p)
    p.add_argument("--budget", type=whole_number_of("tokens", "2000"), default=None,
                   metavar="TOKENS",
                   help=f"token budget of the note (default {DEFAULT_HANDOFF_BUDGET}, at least "
                        f"{MIN_HANDOFF_BUDGET}): long lists are "
                        "shortened, then the least useful generated parts left out; text people "
                        "wrote is always kept")
    p.add_argument("--no-bundle", action="store_true",
                   help="skip the suggested context bundle (no index build)")
    p.add_argument("--no-checks", action="store_true",
                   help="list the instruction files that apply without checking them")
    add_settings_options(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from analyzers.handoff.note import HandoffNote

    return {"handoff": HandoffNote}


def _json_human(path: Path) -> HumanSections | None:
    """The human fields of the JSON note at ``path``, kept when it is written again (None: no
    such file). Refuses to replace a file that is not a JSON note written by us (it may hold
    human text), or one whose human fields are not text."""
    from pydantic import ValidationError

    from analyzers.handoff.note import HumanSections

    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"{path} exists and is not a JSON handoff note; not overwriting it "
                        "(choose another --out, or use --format markdown)") from e
    if not isinstance(data, dict) or data.get("kind") != "ctxsteward.handoff":
        raise UserError(f"{path} exists and is not a JSON handoff note; not overwriting it")
    try:
        return HumanSections.model_validate(data.get("human") or {})
    except ValidationError as e:
        fields = ", ".join(sorted({str(err["loc"][0]) for err in e.errors() if err["loc"]}))
        raise UserError(f"{path}: its human fields ({fields or 'human'}) must be text; fix "
                        "them (they are kept when the note is written again)") from e


def run(args: argparse.Namespace) -> int:
    ws = workspace_from(args, settings_from(args))
    request = HandoffRequest(
        base=args.base, budget=DEFAULT_HANDOFF_BUDGET if args.budget is None else args.budget,
        test_cmd=args.test_cmd, test_timeout=args.test_timeout, bundle=not args.no_bundle,
        checks=not args.no_checks)
    request.check()  # before any work
    out, where, human = _output(ws.root, args)
    kept = args.format == "markdown" and not _stream(out)  # (a note there is read and kept)
    note = ws.handoff(request, note_path=out if kept else None,
                      exclude_paths=[out] if out is not None else [], waiting=say_waiting)
    if human is not None:  # a JSON note's human fields, as its reader edited them
        note = note.model_copy(update={"human": human})
    _say_fit(note)
    return _write(ws.root, note, args.format, out, where)


def _output(root: Path, args: argparse.Namespace
            ) -> tuple[Path | None, str, HumanSections | None]:
    """Where ``--out`` writes (None: stdout), a note for the message, and the human fields of
    the JSON note there (kept); refused before any work when it cannot be written, or would
    replace a file that is not ours."""
    out, where = out_path(root, args.out) if args.out else (None, "")
    if _stream(out):  # /dev/stdout, a pipe: written to, never read (reading one would wait)
        return out, where, None
    human = _json_human(out) if out is not None and args.format == "json" else None
    if out is not None and out.is_dir():
        raise UserError(f"--out {args.out} is a folder; give a file name")
    if out is not None:
        from analyzers.handoff.notefile import refuse_read_only

        refuse_read_only(root, out)  # a note made read-only is kept as it is
    return out, where, human


def _stream(out: Path | None) -> bool:
    """Whether ``out`` is there and no regular file (``/dev/stdout``, ``/dev/null``, a named
    pipe): the note is written to it as it is, with no note there to read and keep."""
    import stat

    try:
        return out is not None and not stat.S_ISREG(out.stat().st_mode) and not out.is_dir()
    except OSError:
        return False


def _say_fit(note: HandoffNote) -> None:
    """On stderr: a note over its budget, or the parts left out to fit it."""
    from analyzers.handoff.markdown import OMITTED_LABELS

    if note.token_count > note.token_budget:
        why = note.problems[-1] if note.problems else f"over the budget of {note.token_budget:,}"
        sys.stderr.write(f"warning: the note takes {note.token_count:,} tokens, {why}\n")
    elif note.omitted:
        labels = [OMITTED_LABELS[n] for n in note.omitted if n in OMITTED_LABELS]
        if labels:
            sys.stderr.write(f"note: left out to fit the budget of {note.token_budget:,} tokens: "
                             f"{', '.join(labels)}\n")


def _write(root: Path, note: HandoffNote, fmt: str, out: Path | None, where: str) -> int:
    """The note printed, or written to ``out`` (Markdown: updated in place, human sections
    kept); exit status 1 when it had to go beside an unreadable note, or left a generated block
    as it was (a person's text: see :func:`analyzers.handoff.markdown.kept_blocks`)."""
    from analyzers.handoff import DEFAULT_NOTE, render_markdown, update_note_file
    from analyzers.handoff.generate import read_existing, shown_note, shown_text

    if fmt == "json":
        emit(dump(shown_note(note)), str(out) if out else None, root)
        if out:
            sys.stderr.write(f"wrote {out}{where}\n")
        return 0
    if out is None:
        existing, problems = read_existing(root / DEFAULT_NOTE, root)
        emit(shown_text(render_markdown(note, None if problems else existing)))
        return 0
    if _stream(out):
        emit(shown_text(render_markdown(note, None)), str(out), root)
        sys.stderr.write(f"wrote {out}{where}\n")
        return 0
    result = update_note_file(root, out, note)
    sys.stderr.write(f"{result.message}{where}\n")
    return 1 if result.wrote_beside or result.kept_blocks else 0
