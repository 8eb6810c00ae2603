"""The context bundle's commands (:mod:`server.lsp.bundle_view`): suggest, add, remove, copy,
current and save. Their arguments are checked on the loop; each runs as a job after the one sent
before it (the route is ``ordered``), once the running index build and the buffer's analysis
are done."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from analyzers.app.requests import MAX_BUDGET
from server.lsp.args import (
    CommandError,
    Located,
    first_object,
    located,
    opt_bool,
    opt_int,
    opt_position,
    opt_str,
    uri_arg,
)
from server.lsp.bundle_view import ADD, COPY, CURRENT, REMOVE, SAVE, SUGGEST, NotIndexedYet
from server.lsp.chain import index_deps
from server.lsp.handlers.common import analysis_deps

if TYPE_CHECKING:
    from server.lsp.dispatch import LspCall
    from server.lsp.server import StewardLanguageServer
    from server.scheduler import Job, JobContext

__all__ = ["ADD", "COPY", "CURRENT", "REMOVE", "SAVE", "SUGGEST", "add", "copy", "current",
           "remove", "save", "suggest"]


async def indexing_first(ls: StewardLanguageServer, call: LspCall,
                         fn: Callable[[JobContext, bool], Any], depends_on: list[Job]) -> Any:
    """``fn(ctx, False)`` as the command's job; when its file is on disk but not indexed yet (a
    file saved or made since the last build), ``fn(ctx, True)`` once an index build took it in."""
    try:
        return await call.run(lambda ctx: fn(ctx, False), depends_on=depends_on)
    except NotIndexedYet:
        job = ls.indexer.schedule("a file not indexed yet")
        return await call.run(lambda ctx: fn(ctx, True), depends_on=[job] if job else [])


async def suggest(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """A new current bundle for a file or the definition at a position (``uri``, ``position``)
    and/or a ``task``, packed to ``budget`` tokens."""
    obj = first_object(SUGGEST, args)
    uri = uri_arg(SUGGEST, obj, required=False)
    where = Located(uri, opt_position(SUGGEST, obj)) if uri is not None else None
    task = opt_str(SUGGEST, obj, "task")
    budget = opt_int(SUGGEST, obj, "budget", maximum=MAX_BUDGET)
    buf = ls.buffer(uri) if uri is not None else None
    codec = ls.workspace.position_codec
    return await indexing_first(
        ls, call, lambda ctx, again: ls.bundles.suggest(ctx, buf, where, task, budget, codec,
                                                        again),
        index_deps(ls.state) + analysis_deps(ls, buf))


async def add(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """Add the file, or the definition at the position, to the current bundle (``"pin": true``
    keeps it in later suggestions)."""
    where, obj = located(ADD, args)
    pin = opt_bool(ADD, obj, "pin")
    buf = ls.buffer(where.uri)
    codec = ls.workspace.position_codec
    return await indexing_first(
        ls, call, lambda ctx, again: ls.bundles.add(ctx, buf, where, pin, codec, again),
        index_deps(ls.state) + analysis_deps(ls, buf))


async def remove(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """Remove the definition at the position, or the whole file, from the current bundle."""
    where, _ = located(REMOVE, args)
    buf = ls.buffer(where.uri)
    codec = ls.workspace.position_codec
    return await call.run(lambda ctx: ls.bundles.remove(ctx, buf, where, codec),
                          depends_on=index_deps(ls.state) + analysis_deps(ls, buf))


async def copy(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """The current bundle's text, as Markdown (the default) or XML (``"format"``)."""
    obj = first_object(COPY, args)
    fmt = opt_str(COPY, obj, "format") or "markdown"
    if fmt not in ("markdown", "xml"):
        raise CommandError(f"{COPY}: 'format' is 'markdown' or 'xml', not {fmt!r}")
    return await call.run(lambda ctx: ls.bundles.copy(fmt))


async def current(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """The current bundle (null before the first suggestion)."""
    return await call.run(lambda ctx: ls.bundles.current(ctx))


async def save(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> Any:
    """Store the current bundle under ``name`` (``.ctxsteward/bundles/NAME.json``)."""
    obj = first_object(SAVE, args, required=True)
    name = opt_str(SAVE, obj, "name")
    if not name:
        raise CommandError(f'{SAVE}: give a name, {{"name": "my-task"}}')
    return await call.run(lambda ctx: ls.bundles.save(ctx, name))
