"""The handoff note's commands (:mod:`server.lsp.handoff`): ``generateHandoff`` writes it
through the editor (a workspace edit, or the file itself for a client that takes none);
``previewHandoff`` returns its text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.lsp import handoff as note
from server.lsp.chain import index_deps
from server.lsp.lanes import HANDOFF_WRITE
from server.lsp.state import Buffer

if TYPE_CHECKING:
    from server.lsp.dispatch import LspCall
    from server.lsp.server import StewardLanguageServer

GENERATE = note.GENERATE
PREVIEW = note.PREVIEW
TEST_DEADLINE = 900.0  # the route's deadline, for a handoff that runs the tests


def _buffers(ls: StewardLanguageServer) -> dict[str, Buffer]:
    """Every open document as last sent."""
    return {u: b for u in list(ls.workspace.text_documents) if (b := ls.buffer(u)) is not None}


def _deadline(args: note.HandoffArgs) -> float | None:
    """A longer deadline when the note runs the tests; else the route's."""
    return TEST_DEADLINE if args.test_command else None


async def generate(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """Generate the note (``path``, ``testCommand``, ``base``) and apply it in the editor."""
    hargs = note.parse_args(GENERATE, args)
    buffers = _buffers(ls)
    codec = ls.workspace.position_codec
    state = ls.state
    plan = await call.run(lambda ctx: note.plan(state, ctx, hargs, buffers, codec),
                          depends_on=index_deps(state), deadline=_deadline(hargs))
    shown = note.result_of(plan, applied=True, method="none").path
    if plan.previous == plan.text:
        return note.result_of(plan, applied=True, method="none",
                              message=f"{shown} is already up to date").model_dump(mode="json")
    edit = note.workspace_edit(plan, ls.client_caps)
    if edit is None:
        await call.run(lambda ctx: note.write(plan), work=HANDOFF_WRITE)
        return note.result_of(
            plan, applied=True, method="write",
            message=f"{plan.message} (written to disk: the editor takes no workspace edits "
                    "that create or change files)").model_dump(mode="json")
    answer = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
        edit=edit, label="Context Steward: handoff note"))
    if not answer.applied:
        why = answer.failure_reason or "no reason given"
        return note.result_of(
            plan, applied=False, method="none",
            message=f"the editor did not apply the handoff note to {shown}: {why}",
            problems=[f"the edit was not applied: {why}"]).model_dump(mode="json")
    return note.result_of(
        plan, applied=True, method="applyEdit",
        message=f"{plan.message} (in the editor: save it to keep it)").model_dump(mode="json")


async def preview(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """The note as ``generateHandoff`` would write it."""
    hargs = note.parse_args(PREVIEW, args)
    buffers = _buffers(ls)
    state = ls.state
    return await call.run(lambda ctx: note.preview(state, ctx, hargs, buffers),
                          depends_on=index_deps(state), deadline=_deadline(hargs))
