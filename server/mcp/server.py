"""``ctxsteward mcp``: the Model Context Protocol server (official ``mcp`` SDK, stdio transport).

Tools (stable names): ``suggest_bundle``, ``verify_bundle``, ``find_context``, ``token_budget``,
``check_instructions``, ``handoff``. Resources: ``ctxsteward://bundles/{name}`` (saved bundles,
also listed one by one) and ``ctxsteward://handoff``. Prompt: ``start-task``.

Every tool answers with a text block and structured content (validated against the tool's output
schema), both within the answer's token budget (:mod:`server.mcp.answers`). The work runs as jobs
on the scheduler (:mod:`server.mcp.guard`): cancelling a call, or disconnecting, cancels it.

Errors: a bad argument, a refused path (outside the workspace, secret-bearing) or a failure of the
analysis is a tool error (``isError: true``) whose text says what went wrong, so the calling model
can correct itself; a missing resource or a bad prompt argument is a JSON-RPC error (``-32602``).
Nothing a client sends crashes the server.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import (
    ResourceError,
    ResourceNotFoundError,
    ToolError,
    UnexpectedToolError,
)
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    GetPromptResult,
    InputRequiredResult,
    ListToolsResult,
    ToolAnnotations,
)
from mcp.types import Resource as MCPResource
from mcp.types import Tool as MCPTool
from pydantic import Field, ValidationError

from analyzers import __version__
from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import BundleError, bundles_dir
from analyzers.cancel import Cancelled
from analyzers.config import Settings
from analyzers.indexing.index import Index
from analyzers.tokens import Counter
from server.mcp import answers
from server.mcp.answers import DEFAULT_ANSWER_BUDGET, MIN_ANSWER_BUDGET, AnswerTooLarge, tool_result
from server.mcp.compact import compact_schema, inline_refs
from server.mcp.guard import JobFailed, Refused, Workspace
from server.mcp.schemas import (
    BudgetAnswer,
    BundleAnswer,
    CheckAnswer,
    FindAnswer,
    HandoffAnswer,
    VerifyAnswer,
)
from server.scheduler import JobContext

log = logging.getLogger("ctxsteward.mcp")

T = TypeVar("T")
Ctx = Context[Workspace, Any]

INSTRUCTIONS = (
    "Context Steward knows this repository's structure, history and token costs. Before reading "
    "code for a task, call suggest_bundle (files at hand and/or the task) or find_context (task "
    "only); token_budget before loading large files; verify_bundle to see whether saved context "
    "is still true; check_instructions for stale CLAUDE.md/AGENTS.md; handoff at the end of a "
    "session."
)

_REF = re.compile(r"^[A-Za-z0-9_./@{}~^:+-]{1,200}$")


_CLI_WORDS = (("--save NAME", "suggest_bundle's save argument"), ("--seed PATH", "seeds"),
              ("--task TEXT", "task"), ("--base", "base"), (" (0 ranks only)", ""))


def _for_mcp(message: str) -> str:
    """A core message that names command-line options, in the tools' terms."""
    for cli, mcp in _CLI_WORDS:
        message = message.replace(cli, mcp)
    return message


def _has_handoff() -> bool:
    try:
        from analyzers.handoff import generate, update_note_file  # noqa: F401
    except ImportError:
        return False
    return True


def _has_checks() -> bool:
    try:
        from analyzers.instructions import check_workspace, loaded_for  # noqa: F401
    except ImportError:
        return False
    return True


class StewardServer(MCPServer[Workspace]):
    """:class:`MCPServer` with compact tool schemas and saved bundles listed as resources."""

    def __init__(self, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.workspace = workspace

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        for t in tools:
            t.input_schema = {**compact_schema(inline_refs(t.input_schema)),
                              "additionalProperties": False}  # unknown arguments are refused
            if t.output_schema is not None:
                t.output_schema = compact_schema(inline_refs(t.output_schema), output=True)
            if t.description:
                t.description = " ".join(t.description.split())
        return tools

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context[Workspace, Any] | None = None
                        ) -> CallToolResult | InputRequiredResult:
        try:
            self._strict_arguments(name, arguments)
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            if isinstance(e, UnexpectedToolError) or not isinstance(e.__cause__, ValidationError):
                raise
            raise ToolError(_argument_errors(name, e.__cause__)) from e.__cause__

    def _strict_arguments(self, name: str, arguments: dict[str, Any]) -> None:
        """Refuse unknown arguments and values of the wrong JSON type (``write: "yes"`` is not
        true): the SDK validates in pydantic's lax mode and drops unknown keys silently."""
        tool = self._tool_manager.get_tool(name)
        if tool is None:
            return  # the SDK answers "unknown tool"
        meta = tool.fn_metadata
        fields = meta.arg_model.model_fields
        known = {f.alias or n for n, f in fields.items()}
        unknown = sorted(k for k in arguments if k not in known)
        if unknown:
            shown = ", ".join(_shown(k) for k in unknown[:5])
            raise ToolError(f"{name}: unknown argument{'s' * (len(unknown) > 1)} {shown}; "
                            f"it takes {', '.join(sorted(known)) or 'no arguments'}")
        try:
            meta.arg_model.model_validate(meta.pre_parse_json(arguments), strict=True)
        except ValidationError as e:
            raise ToolError(_argument_errors(name, e)) from e

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None,
                         context: Context[Workspace, Any] | None = None
                         ) -> GetPromptResult | InputRequiredResult:
        prompt = self._prompt_manager.get_prompt(name)
        if prompt is None:
            known = ", ".join(sorted(p.name for p in self._prompt_manager.list_prompts()))
            raise MCPError(code=INVALID_PARAMS, message=f"unknown prompt {name!r}; prompts: "
                                                        f"{known}")
        missing = sorted(a.name for a in prompt.arguments or []
                         if a.required and not (arguments or {}).get(a.name))
        if missing:
            raise MCPError(code=INVALID_PARAMS, message=(
                f"prompt {name} needs the argument {', '.join(missing)}"
                + (": say what you are about to do, e.g. 'add retries to the HTTP client'"
                   if missing == ["task"] else "")))
        return await super().get_prompt(name, arguments, context)

    async def list_resources(self) -> list[MCPResource]:
        out = await super().list_resources()
        folder = bundles_dir(self.workspace.root)
        if folder.is_dir():
            for p in sorted(folder.glob("*.json")):
                out.append(MCPResource(
                    uri=f"ctxsteward://bundles/{p.stem}", name=f"bundle {p.stem}",
                    description="A saved context bundle (items, line ranges, content hashes).",
                    mime_type="application/json"))
        return out


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _argument_errors(tool: str, error: ValidationError) -> str:
    """pydantic's validation errors as one line per argument: what is wrong, what to do."""
    lines = []
    for err in error.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        ctx = err.get("ctx") or {}
        kind = err["type"]
        if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bound = {"greater_than_equal": "at least", "greater_than": "more than",
                     "less_than_equal": "at most", "less_than": "less than"}[kind]
            limit = next(iter(ctx.values()), "?")
            lines.append(f"{where} must be {bound} {limit} (got {_shown(err['input'])}): pass "
                         "a number in range, or leave it out for the default")
        elif kind == "missing":
            lines.append(f"{where} is required: pass it")
        elif kind == "literal_error":
            lines.append(f"{where} must be one of {ctx.get('expected', '?')} "
                         f"(got {_shown(err['input'])})")
        else:
            lines.append(f"{where}: {err['msg'].rstrip('.')} (got {_shown(err['input'])})")
    return f"{tool}: bad argument{'s' if len(lines) > 1 else ''}: " + "; ".join(lines)


def build_server(root: Path, settings: Settings | None = None) -> StewardServer:
    """The MCP server for the workspace at ``root`` (nothing runs until it is served).

    The settings' ``exclude`` globs are this session's: they keep files out of its bundles, and
    the shared index (which every other command reads) is built, and kept, without them.
    """
    session_exclude = list(settings.exclude) if settings is not None else []
    if settings is not None and settings.exclude:
        settings = settings.model_copy(update={"exclude": []})
    ws = Workspace(root, settings, session_exclude)

    @asynccontextmanager
    async def lifespan(_: MCPServer[Workspace]) -> AsyncIterator[Workspace]:
        ws.start()
        log.info("serving %s (ctxsteward %s)", ws.root, __version__)
        try:
            yield ws
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(ws.close)
            log.info("server stopped")

    server = StewardServer(ws, name="ctxsteward", version=__version__,
                           instructions=INSTRUCTIONS, lifespan=lifespan, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True)

    async def run_tool(ctx: Ctx, kind: str,
                       work: Callable[[Index, list[str], JobContext], T]) -> T:
        """Bring the index up (or use it as is), then ``work`` as a job; failures become clear
        tool errors."""

        async def progress(percent: float, message: str) -> None:
            await ctx.report_progress(percent, 100, message)

        try:
            warnings = await ws.ensure_index(progress)

            def job(jc: JobContext) -> T:
                jc.progress(0, None, "started")
                with Index(ws.root, ws.settings) as index:
                    return work(index, warnings, jc)

            return await ws.run(kind, job, progress)
        except (Refused, BundleError, JobFailed, Cancelled, AnswerTooLarge) as e:
            raise ToolError(_for_mcp(str(e))) from e
        except (ToolError, MCPError):
            raise
        except Exception as e:  # noqa: BLE001 - reported to the caller, logged here
            if type(e).__name__ in ("HandoffError", "NoteParseError"):
                raise ToolError(_for_mcp(str(e))) from e
            log.exception("%s failed", kind)
            raise ToolError(f"{kind} failed: {type(e).__name__}: {e}") from e

    def checked_paths(paths: list[str]) -> list[str]:
        try:
            return [ws.relative(p) for p in paths]
        except Refused as e:
            raise ToolError(str(e)) from e

    @server.tool(annotations=read_only, description=(
        "The files and definitions needed for seeds and/or a task, ranked, explained and packed "
        "into a token budget: the bundle document plus each item's tokens and reasons, and what "
        "was left out."))
    async def suggest_bundle(
        ctx: Ctx,
        seeds: Annotated[list[str], Field(
            description="Files at hand: PATH, PATH:LINE or PATH::SYMBOL, relative to the "
            "workspace root.")] = [],  # noqa: B006 - pydantic copies defaults
        task: Annotated[str | None, Field(description="What you are asked to do.")] = None,
        budget: Annotated[int, Field(ge=MIN_ANSWER_BUDGET, le=200_000,
                                     description="Answer size in tokens.")] = DEFAULT_ANSWER_BUDGET,
        format: Literal["markdown", "xml", "json"] = "markdown",
        save: Annotated[str | None, Field(
            description="Save under this name for verify_bundle.")] = None,
    ) -> Annotated[CallToolResult, BundleAnswer]:
        if not seeds and not (task and task.strip()):
            raise ToolError("give seeds (files at hand) or a task, or both")
        try:
            checked = [ws.seed(s) for s in seeds]
            if save is not None:
                from analyzers.bundles.assemble import _check_name

                _check_name(save)
        except (Refused, BundleError) as e:
            raise ToolError(str(e)) from e

        def work(index: Index, warnings: list[str], jc: JobContext) -> CallToolResult:
            from analyzers.bundles.assemble import save_bundle

            request = BundleRequest(seeds=checked, task=task, format=format,
                                    exclude=session_exclude)
            uri = f"ctxsteward://bundles/{save}" if save is not None else None
            model, text, result = answers.bundle_answer(ws, index, request, budget, format,
                                                        warnings, jc, saved=uri)
            if save is not None:
                save_bundle(index, save, result)
            return tool_result(model, text)

        return await run_tool(ctx, "suggest_bundle", work)

    @server.tool(annotations=read_only, description=(
        "Which items of a saved bundle changed or vanished since it was saved."))
    async def verify_bundle(
        ctx: Ctx,
        name: Annotated[str, Field(description="A name given to suggest_bundle's save.")],
    ) -> Annotated[CallToolResult, VerifyAnswer]:
        def work(index: Index, warnings: list[str], jc: JobContext) -> CallToolResult:
            return tool_result(*answers.verify_answer(ws, index, name, warnings))

        return await run_tool(ctx, "verify_bundle", work)

    @server.tool(annotations=read_only, description=(
        "Files and definitions ranked for a free-text task (no seed needed), with reasons."))
    async def find_context(
        ctx: Ctx,
        query: Annotated[str, Field(min_length=1, description="A free-text task.")],
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> Annotated[CallToolResult, FindAnswer]:
        def work(index: Index, warnings: list[str], jc: JobContext) -> CallToolResult:
            return tool_result(*answers.find_answer(ws, index, query, limit, warnings, jc))

        return await run_tool(ctx, "find_context", work)

    @server.tool(annotations=read_only, description=(
        "Token counts of files and folders, and of the instruction files (CLAUDE.md, "
        "AGENTS.md...) agents load for them."))
    async def token_budget(
        ctx: Ctx,
        paths: Annotated[list[str], Field(
            description="Files or folders (default: the whole workspace).")] = [],  # noqa: B006
    ) -> Annotated[CallToolResult, BudgetAnswer]:
        rels = checked_paths(paths)

        def work(index: Index, warnings: list[str], jc: JobContext) -> CallToolResult:
            return tool_result(*answers.budget_answer(ws, index, rels, warnings, jc))

        return await run_tool(ctx, "token_budget", work)

    if _has_checks():
        @server.tool(annotations=read_only, description=(
            "Problems in agent instruction files (CLAUDE.md, AGENTS.md, rules): stale paths, "
            "symbols and commands, drift, size, contradictions; codes CS001-CS010."))
        async def check_instructions(
            ctx: Ctx,
            paths: Annotated[list[str], Field(
                description="Instruction files or folders (default: all).")] = [],  # noqa: B006
        ) -> Annotated[CallToolResult, CheckAnswer]:
            rels = checked_paths(paths)

            def work(index: Index, warnings: list[str], jc: JobContext) -> CallToolResult:
                return tool_result(*answers.check_answer(ws, index, rels, warnings, jc))

            return await run_tool(ctx, "check_instructions", work)

    if _has_handoff():
        @server.tool(annotations=ToolAnnotations(destructive_hint=False, idempotent_hint=True),
                     description=(
            "The handoff note for the next session: commits and changes since the base, touched "
            "definitions, TODOs, tests, instructions, a suggested bundle. write=true updates "
            "HANDOFF.md, keeping its human sections."))
        async def handoff(
            ctx: Ctx,
            base: Annotated[str | None, Field(description="Git ref to compare with.")] = None,
            write: bool = False,
        ) -> Annotated[CallToolResult, HandoffAnswer]:
            if base is not None and (base.startswith("-") or not _REF.match(base)):
                raise ToolError(f"refused: base {base!r} is not a git ref")

            def work(index: Index, warnings: list[str], jc: JobContext) -> CallToolResult:
                return tool_result(*answers.handoff_answer(
                    ws, base, write, warnings, not ws.refreshing, jc))

            return await run_tool(ctx, "handoff", work)

        @server.resource("ctxsteward://handoff", mime_type="text/markdown",
                         description="The handoff note: HANDOFF.md as written, else a fresh one.")
        async def handoff_note() -> str:
            from analyzers.confine import read_bytes_inside, resolve_inside
            from analyzers.handoff import DEFAULT_NOTE, generate, render_markdown

            written = ws.root / DEFAULT_NOTE
            data = read_bytes_inside(ws.root, written)
            if written.is_symlink() and data is None:
                raise ResourceError(
                    f"{DEFAULT_NOTE} is a symlink to a file outside the workspace: it is not read"
                    if resolve_inside(ws.root, written) is None else
                    f"{DEFAULT_NOTE} is a symlink that cannot be read (a loop, or a missing "
                    "target): remove it or point it at the note")
            if data is not None:
                return data.decode("utf-8", "replace")
            try:
                note = await ws.run("handoff-resource", lambda jc: render_markdown(
                    generate(ws.root, None, ws.settings, None, jc.token, bundle=False)))
            except Exception as e:  # noqa: BLE001 - every failure is a clear resource error
                raise ResourceError(f"no handoff note: {e}") from e
            return note

    @server.resource("ctxsteward://bundles/{name}", mime_type="application/json",
                     description="A saved context bundle: items, line ranges, content hashes.")
    def saved_bundle(name: str) -> str:
        from analyzers.bundles.assemble import load_saved

        try:
            return load_saved(ws.root, name).model_dump_json(indent=2)
        except BundleError as e:
            raise ResourceNotFoundError(str(e)) from e

    @server.prompt(name="start-task", description=(
        "Begin a task: the instruction files that apply plus a suggested context bundle, as one "
        "message."))
    async def start_task(task: str, ctx: Ctx) -> str:
        if not task or not task.strip():
            raise MCPError(code=INVALID_PARAMS, message="task is empty: say what you are about "
                           "to do, e.g. 'add retries to the HTTP client'")
        try:
            warnings = await ws.ensure_index()

            def job(jc: JobContext) -> str:
                with Index(ws.root, ws.settings) as index:
                    return answers.start_task_text(ws, index, task.strip(), warnings, jc)

            return await ws.run("start-task", job)
        except (BundleError, JobFailed, Cancelled, AnswerTooLarge) as e:
            raise MCPError(code=INVALID_PARAMS, message=str(e)) from e

    return server


async def tool_cost(server: StewardServer, settings: Settings | None = None
                    ) -> tuple[int, dict[str, int]]:
    """Tokens of the whole ``tools/list`` answer, and of each tool, in the settings' encoding."""
    settings = settings or Settings()
    counter = Counter(settings.encoding, settings.model_profile())
    tools = await server.list_tools()
    whole = ListToolsResult(tools=tools).model_dump_json(by_alias=True, exclude_none=True)
    per = {t.name: counter.count(t.model_dump_json(by_alias=True, exclude_none=True))
           for t in tools}
    return counter.count(whole), per
