"""``ctxsteward.generateHandoff`` and ``ctxsteward.previewHandoff``: the handoff note of
:mod:`analyzers.handoff`, written through the editor.

The note is generated on the scheduler; the server then asks the client to apply it as a
``workspace/applyEdit`` (the editor shows the change and can undo it). An open note is updated from
its buffer, unsaved human text included; only the generated blocks change, so the edit covers just
the lines that differ. A note whose human sections cannot be parsed is never overwritten: the edit
creates the new note beside it (``HANDOFF.generated.md``) and the result says so. A client that
cannot apply workspace edits (or create files through them) gets the file written atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lsprotocol import types
from pydantic import BaseModel, Field
from pygls.workspace.position_codec import PositionCodec

from analyzers.app.paths import Secrets, workspace_path
from analyzers.confine import check_write
from analyzers.fsutil import write_atomic
from analyzers.positions import Position, Range
from server.lsp.args import CommandError, first_object, opt_str
from server.lsp.indexing import say_waiting
from server.lsp.positions import line_start, split_lines, to_lsp
from server.lsp.state import Buffer, ServerState
from server.scheduler import JobContext

GENERATE = "ctxsteward.generateHandoff"
PREVIEW = "ctxsteward.previewHandoff"
TEST_TIMEOUT = 600.0


class HandoffResult(BaseModel):
    """``ctxsteward.generateHandoff``: what happened to the note file."""

    requested: str = Field(description="The note file asked for (root-relative).")
    path: str = Field(description="The file written: the requested one, or beside it when the "
                                  "requested note could not be parsed.")
    wrote_beside: bool = False
    created: bool = Field(description="The written file did not exist before.")
    changed: bool = Field(description="The content changed.")
    applied: bool = Field(description="The change is in the editor or on disk.")
    method: Literal["applyEdit", "write", "none"] = Field(
        description="applyEdit: a workspace edit the editor applied (save to keep it); write: "
                    "written to disk atomically; none: nothing to do or refused.")
    message: str
    problems: list[str] = Field(default_factory=list,
                                description="Why the note went beside the requested file, or why "
                                            "the edit was not applied.")
    notes: list[str] = Field(default_factory=list,
                             description="What the note could not derive (HandoffNote.problems).")
    tokens: int = Field(description="Tokens of the rendered note.")


@dataclass(frozen=True, slots=True)
class HandoffArgs:
    path: str | None = None
    test_command: str | None = None
    base: str | None = None


def parse_args(command: str, args: tuple[Any, ...]) -> HandoffArgs:
    obj = first_object(command, args)
    return HandoffArgs(path=opt_str(command, obj, "path", "handoffPath", "handoff_path"),
                       test_command=opt_str(command, obj, "testCommand", "test_command"),
                       base=opt_str(command, obj, "base"))


@dataclass(slots=True)
class Plan:
    requested: str  # root-relative
    target: Path
    uri: str
    text: str  # the whole new note
    previous: str | None  # the target's current text (buffer or disk); None: no such file
    open_version: int | None  # the target's buffer version when it is open
    is_open: bool
    on_disk: bool  # the target exists on disk (checked in the job, not on the loop)
    wrote_beside: bool
    message: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tokens: int = 0
    edit: tuple[types.Range, str] | None = None  # the minimal replacement, client units


def note_path(state: ServerState, requested: str | None) -> tuple[Path, str]:
    """The note file to write (as given, under the root) and its root-relative path: inside the
    workspace by the application's path-safety rule (not our cache or git's internals, not a
    secret-bearing name), and written through no symlink."""
    root = state.root
    if root is None:
        raise CommandError("no workspace folder is open")
    rel = (requested or state.options.handoff_path).strip()
    shown = workspace_path(root, rel, what="handoff note", secrets=Secrets.NAME)
    p = Path(rel)
    full = p if p.is_absolute() else root / p
    try:
        check_write(root, full)
    except OSError as e:  # OutsideWorkspace: a symlink on the way
        raise CommandError(str(e)) from e
    if full.is_dir():
        raise CommandError(f"the handoff note {shown} is a folder; give a file name")
    from analyzers.handoff.notefile import NoteReadOnly, refuse_read_only

    try:
        refuse_read_only(root, full)  # a note made read-only is kept as it is (as by the CLI)
    except NoteReadOnly as e:
        raise CommandError(str(e)) from e
    return full, shown


def _generate(state: ServerState, ctx: JobContext, args: HandoffArgs, full: Path) -> Any:
    """The note, through the application layer (its request check refuses a bad base or budget;
    a refusal is worded for the editor by the dispatch wrapper)."""
    from analyzers.app.requests import HandoffRequest

    ws = state.workspace()
    if ws is None:
        raise CommandError("no workspace folder is open")
    request = HandoffRequest(base=args.base, budget=state.options.handoff_budget,
                             test_cmd=args.test_command,
                             test_timeout=TEST_TIMEOUT if args.test_command else None)
    return ws.handoff(request, ctx.token, note_path=full,
                      waiting=lambda pid: say_waiting(ctx, pid))


def _existing(root: Path, path: Path, buffers: dict[str, Buffer]
              ) -> tuple[str | None, list[str], Buffer | None]:
    """The note's current text (its buffer when open), and why it cannot be updated."""
    from analyzers.handoff import parse_note
    from analyzers.handoff.generate import read_existing

    buf = buffers.get(path.as_uri())
    if buf is None:
        text, problems = read_existing(path, root)
        return text, problems, None
    if not buf.text.strip():
        return buf.text, [], buf
    return buf.text, parse_note(buf.text).problems, buf


def plan(state: ServerState, ctx: JobContext, args: HandoffArgs, buffers: dict[str, Buffer],
         codec: PositionCodec) -> Plan:
    """Generate the note and work out the edit (inside a job)."""
    from analyzers.handoff import render_markdown
    from analyzers.handoff.generate import beside_candidates
    from analyzers.handoff.markdown import kept_blocks
    from analyzers.handoff.notefile import kept_suffix

    full, shown = note_path(state, args.path)
    assert state.root is not None
    root = state.root
    note = _generate(state, ctx, args, full)
    ctx.check()
    existing, problems, buf = _existing(root, full, buffers)
    target, wrote_beside = full, False
    message = f"{'created' if existing is None else 'updated'} {shown}"
    if problems:
        for candidate in beside_candidates(full):
            other, other_problems, other_buf = _existing(root, candidate, buffers)
            if other_problems:
                continue
            target, existing, buf, wrote_beside = candidate, other, other_buf, True
            rel = candidate.relative_to(state.root).as_posix() if state.root else str(candidate)
            message = (f"{shown} was not overwritten: {problems[0]}. The new note is in {rel}; "
                       "move your sections over and delete one.")
            break
        else:
            raise CommandError(f"{shown} cannot be updated ({problems[0]}) and every file beside "
                               "it is taken")
    text = render_markdown(note, existing)
    if not wrote_beside:
        message += kept_suffix(kept_blocks(existing, note))
    p = Plan(requested=shown, target=target, uri=target.as_uri(), text=text, previous=existing,
             open_version=buf.version if buf is not None else None, is_open=buf is not None,
             on_disk=target.exists(), wrote_beside=wrote_beside, message=message,
             problems=problems if wrote_beside else [], notes=list(note.problems),
             tokens=note.token_count)
    if existing is not None and existing != text:
        p.edit = minimal_edit(existing, text, codec)
    return p


def preview(state: ServerState, ctx: JobContext, args: HandoffArgs,
            buffers: dict[str, Buffer]) -> str:
    """The note as ``generateHandoff`` would write it (its human sections from the current
    note when that can be parsed)."""
    from analyzers.handoff import render_markdown

    full, _ = note_path(state, args.path)
    assert state.root is not None
    note = _generate(state, ctx, args, full)
    existing, problems, _ = _existing(state.root, full, buffers)
    return render_markdown(note, None if problems else existing)


# -- the edit -----------------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines_keepends(text: str) -> list[str]:
    return _LINE.findall(text)


def minimal_edit(old: str, new: str, codec: PositionCodec) -> tuple[types.Range, str]:
    """One replacement turning ``old`` into ``new``: the lines between their common first and
    last lines (positions in the client's units)."""
    a, b = _lines_keepends(old), _lines_keepends(new)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    lines = split_lines(old)
    # Without common last lines the replacement runs to the end of the text.
    end = Position(len(lines), len(lines[-1])) if tail == 0 else Position(len(a) - tail + 1)
    return to_lsp(lines, Range(Position(head + 1), end), codec), "".join(b[head:len(b) - tail])


def workspace_edit(p: Plan, caps: types.ClientCapabilities) -> types.WorkspaceEdit | None:
    """The edit for ``p`` in a form the client takes; None when it cannot take one."""
    ws = caps.workspace
    if ws is None or not ws.apply_edit:
        return None
    we = ws.workspace_edit
    document_changes = bool(we and we.document_changes)
    can_create = bool(we and we.resource_operations
                      and types.ResourceOperationKind.Create in we.resource_operations)
    zero = line_start(1)
    if p.previous is None or (not p.is_open and not p.on_disk):
        if not (document_changes and can_create):
            return None
        return types.WorkspaceEdit(document_changes=[
            types.CreateFile(uri=p.uri, options=types.CreateFileOptions(
                overwrite=False, ignore_if_exists=True)),
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=p.uri,
                                                                            version=None),
                edits=[types.TextEdit(range=zero, new_text=p.text)])])
    assert p.edit is not None
    rng, new_text = p.edit
    edit = types.TextEdit(range=rng, new_text=new_text)
    if document_changes:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(
                uri=p.uri, version=p.open_version),
            edits=[edit])])
    return types.WorkspaceEdit(changes={p.uri: [edit]})


def result_of(p: Plan, *, applied: bool, method: Literal["applyEdit", "write", "none"],
              message: str | None = None, problems: list[str] | None = None) -> HandoffResult:
    return HandoffResult(
        requested=p.requested, path=_rel_path(p), wrote_beside=p.wrote_beside,
        created=p.previous is None, changed=p.previous != p.text, applied=applied,
        method=method, message=message or p.message, problems=(problems or []) + p.problems,
        notes=p.notes, tokens=p.tokens)


def _rel_path(p: Plan) -> str:
    req = Path(p.requested)
    # The target sits beside the requested file: same folder.
    return (req.parent / p.target.name).as_posix() if req.parent != Path(".") else p.target.name


def write(p: Plan) -> None:
    """Write the note atomically (for clients without workspace edits)."""
    try:
        p.target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(p.target, p.text)
    except OSError as e:
        raise CommandError(f"{p.target} could not be written: {e}") from e
