"""``ctxsteward mcp``: the Model Context Protocol server (official ``mcp`` SDK, stdio transport).

Tools (stable names): ``suggest_bundle``, ``verify_bundle``, ``find_context``, ``token_budget``,
``check_instructions``, ``handoff``. Resources: ``ctxsteward://bundles/{name}`` (saved bundles,
also listed one by one) and ``ctxsteward://handoff``. Prompt: ``start-task``.

Every tool answers with a text block and structured content (validated against the tool's output
schema), both within the answer's token budget (:mod:`server.mcp.answers`). The work runs as jobs
on the scheduler (:mod:`server.mcp.session`): cancelling a call, or disconnecting, cancels it. The
tools, resources and prompt are top-level functions registered from one table
(:mod:`server.mcp.tools`).

Errors: a bad argument, a refused path (outside the workspace, secret-bearing), an unknown tool or
a failure of the analysis is a tool error (``isError: true``) whose text, in one form whichever
check refused it, is ``TOOL: what went wrong, what to do`` (:func:`_in_our_words`), so the calling
model can correct itself; a missing resource or a bad prompt argument is a JSON-RPC error
(``-32602``): resources and prompts have no error result.
Failures are worded in one place (:mod:`server.mcp.errors`). Nothing a client sends crashes the
server.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    GetPromptResult,
    InputRequiredResult,
    ListToolsResult,
)
from mcp.types import Resource as MCPResource
from mcp.types import Tool as MCPTool
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from analyzers import __version__
from analyzers.app.errors import RequestError
from analyzers.app.requests import BUNDLE_NAME_RULE, bundle_name_ok
from analyzers.config import Settings, error_message, expected_of
from analyzers.tokens import Counter
from server.mcp.compact import compact_schema, inline_refs
from server.mcp.errors import MCP_WORDS
from server.mcp.session import McpSession
from server.mcp.tools import register

log = logging.getLogger("ctxsteward.mcp")

INSTRUCTIONS = (
    "Context Steward knows this repository's structure, history and token costs. Before reading "
    "code for a task, call suggest_bundle (files at hand and/or the task) or find_context (task "
    "only); token_budget before loading large files; verify_bundle to see whether saved context "
    "is still true; check_instructions for stale CLAUDE.md/AGENTS.md; handoff at the end of a "
    "session."
)


class StewardMcpServer(MCPServer[McpSession]):
    """:class:`MCPServer` with compact tool schemas, strict arguments, clear prompt errors and
    saved bundles listed as resources."""

    def __init__(self, session: McpSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session

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
                        context: Context[McpSession, Any] | None = None
                        ) -> CallToolResult | InputRequiredResult:
        try:
            if self._tool_manager.get_tool(name) is None:
                known = ", ".join(sorted(t.name for t in self._tool_manager.list_tools()))
                raise ToolError(f"unknown tool {_shown(name)}: the tools are {known} "
                                "(tools/list describes them)")
            self._strict_arguments(name, arguments)
            return await super().call_tool(name, arguments, context)
        except ToolError as e:
            if isinstance(e, UnexpectedToolError):
                raise
            if isinstance(e.__cause__, ValidationError):
                tool = self._tool_manager.get_tool(name)
                fields = tool.fn_metadata.arg_model.model_fields if tool is not None else {}
                raise ToolError(_argument_errors(name, e.__cause__, fields)) from e.__cause__
            bad = _bad_argument(name, e, arguments)
            if bad is not None:
                raise ToolError(bad) from e
            said = _in_our_words(name, str(e))
            if said == str(e):
                raise
            raise ToolError(said) from e.__cause__ or e

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
            raise ToolError(_argument_errors(name, e, fields)) from e

    async def get_prompt(self, name: str, arguments: dict[str, Any] | None = None,
                         context: Context[McpSession, Any] | None = None
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
        """The static resources, and each saved bundle (the folder is read in a worker thread)."""
        out = await super().list_resources()
        names = await anyio.to_thread.run_sync(self.session.workspace.saved_bundles)
        out += [MCPResource(
            uri=f"ctxsteward://bundles/{name}", name=f"bundle {name}",
            description="A saved context bundle (items, line ranges, content hashes).",
            mime_type="application/json") for name in names]
        return out


def _in_our_words(tool: str, message: str) -> str:
    """A tool's refusal as every other one reads: ``TOOL: what is wrong, what to do``, without
    the SDK's ``Error executing tool TOOL: `` (which only some refusals had)."""
    said = message.removeprefix(f"Error executing tool {tool}: ")
    return said if said.startswith((f"{tool}: ", f"{tool} ", "unknown tool ")) else \
        f"{tool}: {said}"


def _shown(value: object) -> str:
    """An argument's value as the caller wrote it: JSON's ``null``, ``true`` and ``false``, not
    Python's None, True and False."""
    if value is None or isinstance(value, bool):
        text = {None: "null", True: "true", False: "false"}[value]
    else:
        text = repr(value)
    if len(text) <= 60:
        return text
    if isinstance(value, str):  # a long text's length is told
        return f"{value[:40]!r}… ({len(value):,} characters)"
    return text[:59] + "…"


# Where JSON's null may come from when a number was wanted: JSON has no Infinity or NaN, and a
# client's encoder writes them as null.
_NULL_NUMBER = "; JSON has no Infinity or NaN: a client sends them as null"


def _argument_errors(tool: str, error: ValidationError,
                     fields: Mapping[str, FieldInfo] | None = None) -> str:
    """pydantic's validation errors as one line per argument: what is wrong, what to do
    (``fields``: the tool's arguments, for their defaults)."""
    lines = [_argument_error(err, fields or {}) for err in error.errors()]
    return f"{tool}: bad argument{'s' if len(lines) > 1 else ''}: " + "; ".join(lines)


def _leave_out(where: str, fields: Mapping[str, FieldInfo]) -> str:
    """How to leave the argument ``where`` out: "or leave it out for the default" when it has
    one, "or leave it out" when leaving it out means none (``task``, ``save``)."""
    f = fields.get(where)
    if f is not None and f.default is None:
        return "or leave it out"
    return "or leave it out for the default"


def _argument_error(err: Mapping[str, Any], fields: Mapping[str, FieldInfo]) -> str:
    """One of pydantic's validation errors of a tool's argument, in our words."""
    where = ".".join(str(p) for p in err["loc"]) or "arguments"
    ctx = err.get("ctx") or {}
    kind, got = err["type"], _shown(err["input"])
    expected = expected_of(err)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return (f"{where} must be {expected} (got {got}): pass a number in range, "
                f"{_leave_out(where, fields)}")
    if kind == "missing":
        return f"{where} is required: pass it"
    if kind == "string_too_short" and err["input"] == "":
        return f"{where} is empty (got ''): pass a text, {_leave_out(where, fields)}" \
            if where in fields and not fields[where].is_required() else \
            f"{where} is empty (got ''): pass a text"
    if kind == "literal_error":
        return f"{where} must be {'one of ' + str(ctx.get('expected', '?'))} (got {got})"
    if expected is not None:
        why = _NULL_NUMBER if err["input"] is None and "number" in expected else ""
        one = "one" if "number" in expected or expected.startswith(("a ", "an ")) else expected
        return f"{where} must be {expected} (got {got}{why}): pass {one}, " \
            f"{_leave_out(where, fields)}"
    said = error_message(err, where, setting=False, named=True).rstrip(".")
    return f"{said} (got {got})"


# A tool's argument holding a saved bundle's name, by the request field that checks it.
_NAME_ARGUMENTS = {"save": "save", "verify": "name"}


def _bad_argument(tool: str, error: ToolError, arguments: dict[str, Any]) -> str | None:
    """A request's refusal of an argument's value the caller passed (``decisions_share: 5``,
    ``save: "../x"``), in the form of the arguments' own checks (:func:`_argument_errors`):
    ``TOOL: bad argument: ... (got 5)``; None for any other failure."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, RequestError):
        cause = cause.__cause__
    if cause is None or cause.field is None:
        return None
    name = _NAME_ARGUMENTS.get(cause.field)
    value = arguments.get(name or cause.field)
    if name is not None and isinstance(value, str) and not bundle_name_ok(value):
        return (f"{tool}: bad argument: {name} must be a bundle name of {BUNDLE_NAME_RULE} "
                f"(got {_shown(value)})")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    return (f"{tool}: bad argument: {cause.worded(MCP_WORDS)} (got {_shown(value)}): pass a "
            "number in range, or leave it out for the default")


def build_server(root: Path, settings: Settings | None = None) -> StewardMcpServer:
    """The MCP server for the workspace at ``root`` (nothing runs until it is served).

    The settings' ``exclude`` globs are this session's: they keep files out of its bundles, and
    the shared index (which every other command reads) is built, and kept, without them.
    """
    session_exclude = list(settings.exclude) if settings is not None else []
    if settings is not None and settings.exclude:
        settings = settings.model_copy(update={"exclude": []})
    session = McpSession(root, settings, session_exclude)

    @asynccontextmanager
    async def lifespan(_: MCPServer[McpSession]) -> AsyncIterator[McpSession]:
        session.start()
        log.info("serving %s (ctxsteward %s)", session.root, __version__)
        try:
            yield session
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.close)
            log.info("server stopped")

    server = StewardMcpServer(session, name="ctxsteward", version=__version__,
                           instructions=INSTRUCTIONS, lifespan=lifespan, log_level="WARNING")
    register(server, session)
    return server


async def tool_cost(server: StewardMcpServer, settings: Settings | None = None
                    ) -> tuple[int, dict[str, int]]:
    """Tokens of the whole ``tools/list`` answer, and of each tool, in the settings' encoding."""
    tools = await server.list_tools()
    return await anyio.to_thread.run_sync(_count_tools, tools, settings or Settings())


def _count_tools(tools: list[MCPTool], settings: Settings) -> tuple[int, dict[str, int]]:
    """Tokens of the ``tools/list`` answer holding ``tools``, and of each tool."""
    counter = Counter(settings.encoding, settings.model_profile())
    whole = ListToolsResult(tools=tools).model_dump_json(by_alias=True, exclude_none=True)
    per = {t.name: counter.count(t.model_dump_json(by_alias=True, exclude_none=True))
           for t in tools}
    return counter.count(whole), per
