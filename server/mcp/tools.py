"""The MCP tools, resources and prompt: one top-level function each, registered from one table.

Each async function only checks the shape of its arguments, then awaits
:meth:`~server.mcp.session.McpSession.call` with plain functions that run in jobs: a *check*
(path safety, seeds, bundle names: file work, before waiting for any index) and the *work* (the
answer, read from a snapshot of the index). Failures become protocol errors in one place
(:mod:`server.mcp.errors`), in the form the table gives each endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, ToolAnnotations
from pydantic import BaseModel, Field

from analyzers.app.requests import BundleRequest, HandoffRequest
from server.mcp import answers, schemas
from server.mcp.answers import DEFAULT_ANSWER_BUDGET, MIN_ANSWER_BUDGET, tool_result
from server.mcp.errors import missing_resource_error, prompt_error, resource_error
from server.mcp.session import McpCall, McpSession, Report

if TYPE_CHECKING:
    from server.mcp.server import StewardMcpServer

Ctx = Context[McpSession, Any]



def _session(ctx: Ctx) -> McpSession:
    """The session serving this request."""
    session: McpSession = ctx.request_context.lifespan_context
    return session


def _reporter(ctx: Ctx) -> Report:
    """Progress of a call's jobs, sent to the client as MCP progress notifications."""

    async def report(percent: float, message: str) -> None:
        await ctx.report_progress(percent, 100, message)

    return report


# -- checks (run in a job, before the index is waited for) ---------------------------------------

def _checked_bundle(request: BundleRequest, save: str | None, session: McpSession
                    ) -> BundleRequest:
    """``request`` checked (the application layer's one validity check), with its seeds checked
    and made root-relative, this session's exclude globs, and the save name checked."""
    from analyzers.app.requests import check_bundle_name

    request.check()
    seeds = [session.workspace.seed(s) for s in request.seeds]
    if save is not None:
        check_bundle_name(save, "save")
    return replace(request, seeds=seeds, exclude=session.exclude)


def _checked_paths(paths: list[str], session: McpSession) -> list[str]:
    """``paths`` as root-relative paths under the one path-safety rule."""
    return [session.workspace.path(p) for p in paths]


def _checked_existing_paths(paths: list[str], session: McpSession) -> list[str]:
    """``paths`` checked as :func:`_checked_paths` does, each of which must exist (as
    ``ctxsteward check PATH`` refuses a missing one)."""
    return session.workspace.existing(_checked_paths(paths, session))


# -- work (run in a job, on a snapshot of the index) ---------------------------------------------

def _bundle(budget: int, save: str | None, call: McpCall) -> CallToolResult:
    """suggest_bundle's answer (saved under ``save`` when given)."""
    request: BundleRequest = call.checked
    uri = f"ctxsteward://bundles/{save}" if save is not None else None
    model, text, result = answers.suggested_bundle(call, request, budget, call.warnings,
                                                   saved=uri)
    if save is not None:
        call.snapshot.save(save, result)
    return tool_result(model, text)


def _handoff_note(call: McpCall) -> str:
    """HANDOFF.md as written, else a fresh note (without a bundle suggestion)."""
    from analyzers.app.requests import HandoffRequest
    from analyzers.confine import read_bytes_inside, resolve_inside
    from analyzers.handoff import DEFAULT_NOTE, render_markdown
    from analyzers.handoff.generate import shown_text

    root = call.workspace.root
    written = root / DEFAULT_NOTE
    data = read_bytes_inside(root, written)
    if written.is_symlink() and data is None:
        raise ResourceError(
            f"{DEFAULT_NOTE} is a symlink to a file outside the workspace: it is not read"
            if resolve_inside(root, written) is None else
            f"{DEFAULT_NOTE} is a symlink that cannot be read (a loop, or a missing target): "
            "remove it or point it at the note")
    if data is not None:
        return shown_text(data.decode("utf-8", "replace"))
    return shown_text(render_markdown(call.workspace.handoff(HandoffRequest(bundle=False),
                                                             call.jc.token)))


def _saved_bundle(name: str, call: McpCall) -> str:
    """The saved bundle ``name`` as JSON."""
    from analyzers.bundles.assemble import load_saved

    return load_saved(call.workspace.root, name).model_dump_json(indent=2)


def _no_handoff_note(message: str, e: Exception) -> Exception:
    """The handoff resource's failure to make a note."""
    return resource_error(f"no handoff note: {message}", e)


async def _paths_call(ctx: Ctx, kind: str, paths: list[str],
                      answer: Callable[[McpCall, list[str]], tuple[BaseModel, str]],
                      checked: Callable[[list[str], McpSession], list[str]] = _checked_paths
                      ) -> CallToolResult:
    """A tool taking workspace paths: checked in a job (by ``checked``), then answered by
    ``answer``."""
    return await _session(ctx).call(kind, lambda call: tool_result(*answer(call, call.checked)),
                                    check=partial(checked, paths), report=_reporter(ctx))


# -- the tools -----------------------------------------------------------------------------------

async def suggest_bundle(
    ctx: Ctx,
    seeds: Annotated[list[str], Field(
        description="Files at hand: PATH, PATH:LINE or PATH::SYMBOL, relative to the "
        "workspace root.")] = [],  # noqa: B006 - pydantic copies defaults
    task: Annotated[str | None, Field(description="What you are asked to do.")] = None,
    budget: Annotated[int, Field(ge=MIN_ANSWER_BUDGET, le=200_000,
                                 description="Answer size in tokens.")
                    ] = DEFAULT_ANSWER_BUDGET,
    format: Literal["markdown", "xml", "json"] = "markdown",
    save: Annotated[str | None, Field(
        description="Save under this name for verify_bundle.")] = None,
    decisions_share: float = 0.1,  # checked by BundleRequest.check (0 to 0.5; 0: none)
) -> Annotated[CallToolResult, schemas.BundleAnswer]:
    """The suggest_bundle tool."""
    request = BundleRequest(seeds=list(seeds), task=task, format=format,
                            decisions_share=decisions_share)
    return await _session(ctx).call("suggest_bundle", partial(_bundle, budget, save),
                                    check=partial(_checked_bundle, request, save),
                                    report=_reporter(ctx))


async def verify_bundle(
    ctx: Ctx,
    name: Annotated[str, Field(description="A name given to suggest_bundle's save.")],
) -> Annotated[CallToolResult, schemas.VerifyAnswer]:
    """The verify_bundle tool."""
    return await _session(ctx).call(
        "verify_bundle", lambda call: tool_result(*answers.verify_answer(call, name)),
        report=_reporter(ctx))


async def find_context(
    ctx: Ctx,
    query: Annotated[str, Field(min_length=1, description="A free-text task.")],
    limit: Annotated[int, Field(ge=1, le=50)] = 10,
) -> Annotated[CallToolResult, schemas.FindAnswer]:
    """The find_context tool."""
    return await _session(ctx).call(
        "find_context", lambda call: tool_result(*answers.find_answer(call, query, limit)),
        report=_reporter(ctx))


async def token_budget(
    ctx: Ctx,
    paths: Annotated[list[str], Field(
        description="Files or folders (default: the whole workspace).")] = [],  # noqa: B006
) -> Annotated[CallToolResult, schemas.BudgetAnswer]:
    """The token_budget tool."""
    return await _paths_call(ctx, "token_budget", paths, answers.budget_answer)


async def check_instructions(
    ctx: Ctx,
    paths: Annotated[list[str], Field(
        description="Instruction files or folders (default: all).")] = [],  # noqa: B006
) -> Annotated[CallToolResult, schemas.CheckAnswer]:
    """The check_instructions tool."""
    return await _paths_call(ctx, "check_instructions", paths, answers.check_answer,
                             _checked_existing_paths)


async def handoff(
    ctx: Ctx,
    base: Annotated[str | None, Field(description="Git ref to compare with.")] = None,
    write: bool = False,
) -> Annotated[CallToolResult, schemas.HandoffAnswer]:
    """The handoff tool."""
    return await _session(ctx).call(
        "handoff", lambda call: tool_result(*answers.handoff_answer(call, base, write)),
        check=lambda _: HandoffRequest(base=base).check(), report=_reporter(ctx))


# -- resources and the prompt --------------------------------------------------------------------

async def saved_bundle(name: str, ctx: Ctx) -> str:
    """The resource ctxsteward://bundles/{name}."""
    return await _session(ctx).call("saved-bundle", partial(_saved_bundle, name), index=False,
                                    form=missing_resource_error)


async def handoff_note(session: McpSession) -> str:
    """The resource ctxsteward://handoff."""
    return await session.call("handoff-resource", _handoff_note, index=False,
                              form=_no_handoff_note)


async def start_task(task: str, ctx: Ctx) -> str:
    """The start-task prompt."""
    if not task or not task.strip():
        raise MCPError(code=INVALID_PARAMS, message="task is empty: say what you are about "
                       "to do, e.g. 'add retries to the HTTP client'")
    return await _session(ctx).call(
        "start-task", lambda call: answers.start_task_text(call, task.strip()),
        form=prompt_error)


# -- the table -----------------------------------------------------------------------------------

def _has_handoff() -> bool:
    """Whether the core has the handoff note."""
    try:
        from analyzers.handoff import generate, update_note_file  # noqa: F401
    except ImportError:
        return False
    return True


def _has_checks() -> bool:
    """Whether the core has the instruction checks."""
    try:
        from analyzers.instructions import check_workspace, loaded_for  # noqa: F401
    except ImportError:
        return False
    return True


def _always() -> bool:
    """Always available."""
    return True


READ_ONLY = ToolAnnotations(read_only_hint=True)


@dataclass(frozen=True)
class ToolSpec:
    """A tool as registered: its function (named as the tool), description, annotations, and
    whether the core has what it needs."""

    fn: Callable[..., Awaitable[CallToolResult]]
    description: str
    annotations: ToolAnnotations | None = None  # read-only unless given
    available: Callable[[], bool] = _always


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(suggest_bundle, "The files and definitions needed for seeds and/or a task, ranked, "
             "explained, packed into a token budget: the bundle, why each item, what was "
             "left out."),
    ToolSpec(verify_bundle, "Which items of a saved bundle changed or vanished since it was "
             "saved."),
    ToolSpec(find_context, "Files and definitions ranked for a free-text task (no seed needed), "
             "with reasons."),
    ToolSpec(token_budget, "Token counts of files and folders, and of the instruction files "
             "agents load for them."),
    ToolSpec(check_instructions, "Problems in agent instruction files (CLAUDE.md, AGENTS.md, "
             "rules): stale paths, symbols and commands, drift, size, contradictions.",
             available=_has_checks),
    ToolSpec(handoff, "The handoff note for the next session: commits and changes since the "
             "base, touched definitions, TODOs, tests, instructions, a suggested bundle. "
             "write=true updates HANDOFF.md, keeping its human sections.",
             ToolAnnotations(destructive_hint=False, idempotent_hint=True),
             available=_has_handoff),
)


def register(server: StewardMcpServer, session: McpSession) -> None:
    """Register the tools of :data:`TOOLS`, the resources and the prompt on ``server``."""
    for spec in TOOLS:
        if spec.available():
            server.add_tool(spec.fn, description=spec.description,
                            annotations=spec.annotations or READ_ONLY)
    if _has_handoff():
        async def handoff_resource() -> str:
            """The handoff note: HANDOFF.md as written, else a fresh one."""
            return await handoff_note(session)

        server.resource("ctxsteward://handoff", name="handoff_note", mime_type="text/markdown",
                        description="The handoff note: HANDOFF.md as written, else a fresh one."
                        )(handoff_resource)
    server.resource("ctxsteward://bundles/{name}", mime_type="application/json",
                    description="A saved context bundle: items, line ranges, content hashes."
                    )(saved_bundle)
    server.prompt(name="start-task", description=(
        "Begin a task: the instruction files that apply plus a suggested context bundle, as one "
        "message."))(start_task)
