"""Writing the note file: update in place when safe, otherwise write beside it and say so.

:func:`plan_note_file` computes what would be written (the language server applies it as a
workspace edit); :func:`update_note_file` writes it atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analyzers.app.errors import RequestError
from analyzers.confine import OutsideWorkspace, check_write
from analyzers.fsutil import read_only_refusal, write_atomic
from analyzers.handoff.generate import beside_candidates, note_file, read_existing
from analyzers.handoff.markdown import kept_blocks, render_markdown
from analyzers.handoff.note import HandoffNote, WriteResult
from analyzers.printable import plural


class NoteReadOnly(RequestError):
    """The note file may not be written (its owner made it read-only): left as it is."""


def refuse_read_only(root: Path, path: Path) -> None:
    """:class:`NoteReadOnly` when the note ``path`` exists and may not be written: a note made
    read-only (``chmod 444``) is kept as it is, as ``hooks install`` keeps a frozen settings
    file (an atomic rename would replace it all the same)."""
    refused = read_only_refusal(path, _show(root, path))
    if refused is not None:
        raise NoteReadOnly(refused)


@dataclass(slots=True)
class NotePlan:
    requested: Path
    target: Path
    text: str
    previous: str | None  # the target's current text, None when it does not exist
    wrote_beside: bool
    message: str
    problems: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # blocks left as they were, and why


def _show(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def kept_suffix(kept: list[str]) -> str:
    """What to add to "updated NOTE" when generated blocks were left as they were (``kept``:
    :func:`analyzers.handoff.markdown.kept_blocks`)."""
    if not kept:
        return ""
    return (f", except {plural(len(kept), 'generated block')} left as they were (their text is "
            "not what ctxsteward wrote): " + "; ".join(kept))


def plan_note_file(root: Path, path: str | Path | None, note: HandoffNote) -> NotePlan:
    """The text to write for ``note`` at ``path`` (default ``HANDOFF.md``), keeping human text.

    Never through a symlink, nor outside the workspace unless the user typed such a path (see
    :func:`analyzers.confine.check_write`): :class:`~analyzers.confine.OutsideWorkspace`."""
    requested = note_file(Path(root), path)
    check_write(root, requested, typed=True)
    existing, problems = read_existing(requested, Path(root))
    if not problems:
        text = render_markdown(note, existing)
        verb = "created" if existing is None else "updated"
        kept = kept_blocks(existing, note)
        message = f"{verb} {_show(root, requested)}{kept_suffix(kept)}"
        return NotePlan(requested, requested, text, existing, False, message, kept=kept)
    for candidate in beside_candidates(requested):
        try:
            check_write(root, candidate, typed=True)
        except OutsideWorkspace:
            continue
        other, other_problems = read_existing(candidate, Path(root))
        if other_problems:
            continue
        text = render_markdown(note, other)
        message = (f"{_show(root, requested)} was not overwritten: {problems[0]}. The new note "
                   f"is in {_show(root, candidate)}; move your sections over and delete one.")
        return NotePlan(requested, candidate, text, other, True, message, problems)
    raise OSError(f"{_show(root, requested)} cannot be updated ({problems[0]}) and every file "
                  "beside it is taken")


def update_note_file(root: Path, path: str | Path | None, note: HandoffNote) -> WriteResult:
    """Write ``note`` to ``path`` atomically, never overwriting a note it cannot parse, nor one
    made read-only (:class:`NoteReadOnly`)."""
    plan = plan_note_file(root, path, note)
    changed = plan.previous != plan.text
    if changed:
        refuse_read_only(root, plan.target)
        write_atomic(plan.target, plan.text, follow_symlinks=True)  # checked in the plan
    return WriteResult(
        requested=_show(root, plan.requested), path=_show(root, plan.target),
        wrote_beside=plan.wrote_beside, created=plan.previous is None, changed=changed,
        message=plan.message if changed or plan.wrote_beside or plan.kept else
        f"{_show(root, plan.target)} is already up to date",
        problems=plan.problems, kept_blocks=plan.kept,
    )
