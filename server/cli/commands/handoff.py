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

from pydantic import BaseModel

from server.cli.main import (
    UserError,
    add_settings_options,
    dump,
    emit,
    out_path,
    root_from,
    settings_from,
)


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
                   help="write (or update) this file instead of printing; human sections are kept")
    p.add_argument("--test-cmd", metavar="CMD",
                   help="run this shell command at the root and record the outcome")
    p.add_argument("--test-timeout", type=float, metavar="SECONDS",
                   help="stop the test command after this long")
    p.add_argument("--root", help="repository folder (default: the git work tree here)")
    p.add_argument("--budget", type=int, default=None, metavar="TOKENS",
                   help="token budget of the note (default 2000, at least 100): long lists are "
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


def _check_json_target(path: Path) -> None:
    """Refuse to replace a file that is not a JSON note written by us (it may hold human text)."""
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"{path} exists and is not a JSON handoff note; not overwriting it "
                        "(choose another --out, or use --format markdown)") from e
    if not isinstance(data, dict) or data.get("kind") != "ctxsteward.handoff":
        raise UserError(f"{path} exists and is not a JSON handoff note; not overwriting it")


def run(args: argparse.Namespace) -> int:
    from analyzers.app.errors import CLI_WORDS
    from analyzers.handoff import (
        DEFAULT_NOTE,
        HandoffError,
        generate,
        render_markdown,
        update_note_file,
    )
    from analyzers.handoff.fitting import DEFAULT_BUDGET
    from analyzers.handoff.generate import read_existing
    from analyzers.handoff.markdown import OMITTED_LABELS

    settings = settings_from(args)
    root = root_from(args.root)
    budget = DEFAULT_BUDGET if args.budget is None else args.budget
    if budget < 100:
        raise UserError("--budget must be at least 100 tokens")
    out, where = out_path(root, args.out) if args.out else (None, "")
    markdown_out = out if args.format == "markdown" else None
    if out is not None and args.format == "json":
        _check_json_target(out)
    if out is not None and out.is_dir():
        raise UserError(f"--out {args.out} is a folder; give a file name")
    try:
        note = generate(root, args.base, settings, args.test_cmd, note_path=markdown_out,
                        budget=budget, bundle=not args.no_bundle, checks=not args.no_checks,
                        test_timeout=args.test_timeout,
                        exclude_paths=[out] if out is not None else [])
    except HandoffError as e:
        raise UserError(e.worded(CLI_WORDS)) from e
    if note.token_count > note.token_budget:
        why = note.problems[-1] if note.problems else f"over the budget of {note.token_budget:,}"
        sys.stderr.write(f"warning: the note takes {note.token_count:,} tokens, {why}\n")
    elif note.omitted:
        labels = [OMITTED_LABELS[n] for n in note.omitted if n in OMITTED_LABELS]
        if labels:
            sys.stderr.write(f"note: left out to fit the budget of {note.token_budget:,} tokens: "
                             f"{', '.join(labels)}\n")

    if args.format == "json":
        emit(dump(note), str(out) if out else None, root)
        if out:
            sys.stderr.write(f"wrote {out}{where}\n")
        return 0
    if out is None:
        existing, problems = read_existing(root / DEFAULT_NOTE, root)
        emit(render_markdown(note, None if problems else existing))
        return 0
    result = update_note_file(root, out, note)
    sys.stderr.write(f"{result.message}{where}\n")
    return 1 if result.wrote_beside else 0
