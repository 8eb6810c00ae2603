"""Commands about the whole workspace: ``ctxsteward.showBudget`` (a file's or the workspace's
tokens), ``ctxsteward.checkInstructions``, and the job table (``ctxsteward.showJobs`` and the
custom request ``ctxsteward/jobs``, answered on the loop even when every worker is busy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.lsp.args import first_object
from server.lsp.chain import index_deps
from server.lsp.commands import (
    CHECK_INSTRUCTIONS,
    JOBS_REQUEST,
    SHOW_BUDGET,
    SHOW_JOBS,
    ShowBudgetResult,
    ShowJobsResult,
    budget_args,
    format_jobs,
    show_file_budget,
    show_workspace_budget,
)
from server.lsp.handlers.common import analysis_deps, not_answered
from server.scheduler import JobContext

if TYPE_CHECKING:
    from server.lsp.dispatch import LspCall
    from server.lsp.server import StewardLanguageServer


__all__ = ["CHECK_INSTRUCTIONS", "JOBS_REQUEST", "SHOW_BUDGET", "SHOW_JOBS", "check_instructions",
           "jobs_request", "show_budget", "show_jobs"]


async def show_budget(ls: StewardLanguageServer,
                      args: tuple[Any, ...], call: LspCall) -> dict[str, Any]:
    """A file's budget (``{"uri"}``), or the workspace's once the running index build is done;
    ``"show": true`` also shows it as a message."""
    state = ls.state
    uri, show = budget_args(args)
    why = None if uri is None else not_answered(ls, uri, ls.buffer(uri))[0]
    if uri is not None and why is not None:
        result = ShowBudgetResult(text=why, problem=why)
    elif uri is not None:
        buf = ls.buffer(uri)
        result = await call.run(lambda ctx: show_file_budget(state, ctx, buf, uri),
                                depends_on=analysis_deps(ls, buf))
    else:
        result = await call.run(lambda ctx: show_workspace_budget(state, ctx),
                                depends_on=index_deps(state))
    if show:
        ls.show_message(types.MessageType.Info, result.text)
    return result.model_dump(mode="json")


async def check_instructions(ls: StewardLanguageServer, args: tuple[Any, ...],
                             call: LspCall) -> Any:
    """Check the workspace's instruction files (or ``{"paths"}``, ``{"uri"}``); diagnostics of
    files that are not open are published too."""
    obj = first_object(CHECK_INSTRUCTIONS, args)
    buffers = {u: d.source for u, d in ls.workspace.text_documents.items()}
    codec = ls.workspace.position_codec

    def run(ctx: JobContext) -> tuple[Any, dict[str, list[types.Diagnostic]], bool]:
        from server.lsp import instruction_editor as instr

        paths = instr.check_paths(CHECK_INSTRUCTIONS, obj, ls.state)
        result, by_uri = instr.check_all(ls.checks, ctx, paths, buffers, codec)
        return result, by_uri, paths is None

    result, by_uri, complete = await call.run(run, depends_on=index_deps(ls.state))
    ls.checks.publish_closed(by_uri, complete=complete)
    return result.model_dump(mode="json")


def show_jobs(ls: StewardLanguageServer, args: tuple[Any, ...], call: LspCall) -> dict[str, Any]:
    """The scheduler's job table as text (shown with ``{"show": true}``) and as data."""
    report = ls.state.scheduler.snapshot()
    text = format_jobs(report)
    if args and isinstance(args[0], dict) and args[0].get("show"):
        ls.show_message(types.MessageType.Info, text)
    return ShowJobsResult(text=text, report=report).model_dump(mode="json")


def jobs_request(ls: StewardLanguageServer, params: Any, call: LspCall) -> dict[str, Any]:
    """``ctxsteward/jobs``: the job table (``{"finished": N}`` finished jobs, 50 by default)."""
    finished = 50
    value = params.get("finished") if isinstance(params, dict) else \
        getattr(params, "finished", None)
    if isinstance(value, int) and value >= 0:
        finished = value
    return ls.state.scheduler.snapshot(finished=finished).model_dump(mode="json")
