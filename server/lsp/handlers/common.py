"""What several handlers share: whether a document is answered about, its text, the analysis to
wait for, and answering from an earlier version's facts during an edit burst."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from lsprotocol import types

from analyzers.confine import read_bytes_inside
from analyzers.indexing.filefacts import decode
from server.lsp.state import Buffer, ServerState
from server.scheduler import Job, JobContext, JobState

if TYPE_CHECKING:
    from server.lsp.dispatch import LspCall
    from server.lsp.server import StewardLanguageServer

T = TypeVar("T")


def disk_text(state: ServerState, uri: str) -> str | None:
    """The text of ``uri`` on disk: only for a file whose real location is inside the workspace,
    not secret-bearing, and within the size limit."""
    rel = state.rel_path(uri)
    if rel is None or state.root is None or state.refusal(uri) is not None:
        return None
    limit = state.settings.max_file_size
    data = read_bytes_inside(state.root, rel, limit=limit + 1)
    if data is None or len(data) > limit:
        return None
    text, _ = decode(data)
    return text


def doc_text(state: ServerState, buf: Buffer | None, uri: str) -> str | None:
    """The open buffer's text, else the file's on disk."""
    return buf.text if buf is not None else disk_text(state, uri)


def not_answered(ls: StewardLanguageServer,
                 uri: str, buf: Buffer | None) -> tuple[str | None, bool]:
    """(why, too_large): why the document features give no answer for ``uri`` - outside the
    workspace, secret-bearing, or an open document too large to analyse - checked on the loop
    before any work is scheduled."""
    why = ls.state.refusal(uri)
    if why is not None:
        return why, False
    if buf is not None:
        big = ls.state.too_large(buf.text)
        if big is not None:
            return big, True
    return None, False


def note(text: str) -> types.Hover:
    """A hover that only says ``text``."""
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                    value=f"Context Steward: {text}"))


def analysis_deps(ls: StewardLanguageServer, buf: Buffer | None) -> list[Job]:
    """The analysis of the open buffer's newest version to wait for (none when its facts are
    known, or for a document that is not open)."""
    dep = ls.state.ensure_analysis(buf) if buf is not None else None
    return [dep] if dep is not None else []


async def fresh_or_stale(call: LspCall, uri: str, answer: Callable[[JobContext, bool], T], *,
                         analysis: Job) -> T:
    """``answer(ctx, False)`` once ``analysis`` (of the buffer's newest version) is done; when
    the next edit supersedes that analysis first, ``answer(ctx, True)`` at once from the facts of
    an earlier version (when known) - rather than follow every superseding analysis to the end
    of the burst."""
    state = call.ls.state
    fresh = asyncio.ensure_future(call.run(lambda ctx: answer(ctx, False),
                                           depends_on=[analysis]))
    loop = asyncio.get_running_loop()
    settled = asyncio.Event()
    analysis.future.add_done_callback(lambda _: loop.call_soon_threadsafe(settled.set))
    waiter = asyncio.ensure_future(settled.wait())
    try:
        await asyncio.wait({fresh, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if fresh.done() or analysis.state is not JobState.CANCELLED or \
                not state.has_facts(uri):
            return await fresh
        fresh.cancel()
        # Reap the work we just cancelled ourselves (superseded: the request is answered below
        # from the earlier facts), whatever its end: asyncio.wait never raises it, so nothing
        # here converts a cancellation (dispatch.guarded is the one place that does).
        await asyncio.wait({fresh})
        return await call.run(lambda ctx: answer(ctx, True))
    finally:
        waiter.cancel()
        if not fresh.done():
            fresh.cancel()
