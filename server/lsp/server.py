"""``ctxsteward serve``: the language server (pygls 2, LSP over stdio).

Every handler runs on the asyncio message loop and only captures what the request needs (the
document's text and version, the position) before handing the work to the built-in scheduler
(:mod:`server.scheduler`); the loop never parses, counts tokens or queries the index. Two requests
answer on the loop because they must answer even when every worker is busy: ``ctxsteward/jobs`` and
``ctxsteward.showJobs`` copy the scheduler's table.

Features: hover (definition/reference token costs, co-change partners; paths and ``@imports`` in
Markdown; what each agent loads, on an instruction file), inlay hints (tokens after each top-level
definition; per section of an instruction file), code lenses (file total; per definition for
clients without inlay hints; an instruction file's total with its imports), code actions (quick
fixes of instruction files; add to / exclude from / suggest a context bundle), document links
(paths and ``@imports`` in Markdown), diagnostics of instruction files (CLAUDE.md, AGENTS.md, ...)
from :mod:`analyzers.instructions`, pushed or pulled, commands (bundles:
:mod:`.lsp_features.bundles`; handoff: :mod:`.lsp_features.handoff`; ``checkInstructions``,
``showBudget``, ``showJobs``), the custom request ``ctxsteward/jobs`` and notification
``ctxsteward/budget``, index progress through ``window/workDoneProgress``, and an index kept
current from document events, watched files and git HEAD.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from analyzers import __version__
from analyzers.app.requests import MAX_BUDGET
from analyzers.cancel import Cancelled
from analyzers.confine import read_bytes_inside
from analyzers.indexing.filefacts import decode
from analyzers.secrets import redact
from server.lsp import bundle_view as bundle_cmds
from server.lsp import handoff as handoff_cmds
from server.lsp import instruction_editor as instr
from server.lsp.args import (
    REQUEST_FAILED,
    CommandError,
    Located,
    first_object,
    located,
    opt_int,
    opt_position,
    opt_str,
    to_jsonrpc,
    uri_arg,
)
from server.lsp.budget_hints import code_lenses, inlay_hints
from server.lsp.bundle_view import ACTION_KIND, BundleSession, wanted
from server.lsp.chain import index_deps, run_after
from server.lsp.commands import (
    ShowBudgetResult,
    ShowJobsResult,
    budget_args,
    format_jobs,
    show_file_budget,
    show_workspace_budget,
)
from server.lsp.diagnostics import InstructionChecks
from server.lsp.hover import hover
from server.lsp.indexing import INDEX_KEY, Indexer
from server.lsp.positions import split_lines
from server.lsp.protocol import StewardProtocol
from server.lsp.settings import index_affecting_change, parse_settings
from server.lsp.state import Buffer, ServerState, uri_to_path
from server.lsp.textdoc import LineDocument
from server.scheduler import Job, JobContext, JobState, Priority

log = logging.getLogger(__name__)
T = TypeVar("T")

JOBS_REQUEST = "ctxsteward/jobs"
SHOW_BUDGET = "ctxsteward.showBudget"
SHOW_JOBS = "ctxsteward.showJobs"
WATCHERS_ID = "ctxsteward-watched-files"


class StewardServer(LanguageServer):
    """The pygls server with Context Steward's state attached."""

    def __init__(self) -> None:
        super().__init__("ctxsteward", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=StewardProtocol)
        self.state = ServerState()
        self.indexer = Indexer(self, self.state)
        self.checks = InstructionChecks(self, self.state)
        self.bundles = BundleSession(self, self.state)
        self.indexer.on_indexed.append(self._after_index)
        self.problems: list[str] = []
        self.dynamic_watchers = False
        self.pull_configuration = False
        self.client_caps = types.ClientCapabilities()
        self.state.scheduler.add_listener(self._on_job_event)

    def _on_job_event(self, job: Job, event: str) -> None:
        if event == "cancelled" and job.deadline_exceeded:
            self.state.call_soon(self._log, types.MessageType.Warning,
                                 f"job {job.id} ({job.kind}) was cancelled: {job.error}")
        elif event == "failed" and job.kind != "index":
            self.state.call_soon(self._log, types.MessageType.Error,
                                 f"job {job.id} ({job.kind}) failed: {job.error}")

    def _after_index(self, report: Any) -> None:
        self.checks.invalidate()
        self.state.call_soon(self.recheck_open_documents)
        if report.files_parsed or report.files_removed or (
                report.history and report.history.commits_read):
            self.state.call_soon(self.bundles.refresh)

    def recheck_open_documents(self) -> None:
        """Check every open instruction file again (on the loop): files or settings changed.
        A client that pulls diagnostics is asked to pull again instead."""
        if not self.checks.push:
            if self.checks.refresh_support:
                self.protocol.send_request(types.WORKSPACE_DIAGNOSTIC_REFRESH, None)
            return
        for uri in list(self.workspace.text_documents):
            buf = self.buffer(uri)
            if buf is not None:
                self.checks.schedule(buf, self.workspace.position_codec,
                                     priority=Priority.BACKGROUND)

    def _log(self, kind: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def _show(self, kind: types.MessageType, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def buffer(self, uri: str) -> Buffer | None:
        """The open document ``uri`` as last sent by the client (None when not open)."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        return Buffer(uri=uri, text=doc.source, version=doc.version, language_id=doc.language_id)


def _disk_text(state: ServerState, uri: str) -> str | None:
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


def _not_answered(ls: StewardServer, uri: str, buf: Buffer | None) -> tuple[str | None, bool]:
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


def _note(text: str) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                    value=f"Context Steward: {text}"))


def _analysis_deps(ls: StewardServer, buf: Buffer | None) -> list[Job]:
    dep = ls.state.ensure_analysis(buf) if buf is not None else None
    return [dep] if dep is not None else []


def _doc_text(state: ServerState, buf: Buffer | None, uri: str) -> str | None:
    return buf.text if buf is not None else _disk_text(state, uri)


async def _fresh_or_stale(state: ServerState, uri: str, answer: Callable[[JobContext, bool], T],
                          *, kind: str, analysis: Job) -> T:
    """``answer(ctx, False)`` once ``analysis`` (of the buffer's newest version) is done; when
    the next edit supersedes that analysis first, ``answer(ctx, True)`` at once from the facts of
    an earlier version (when known) - rather than follow every superseding analysis to the end
    of the burst."""
    fresh = asyncio.ensure_future(state.run(lambda ctx: answer(ctx, False), kind=kind,
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
        with contextlib.suppress(asyncio.CancelledError, Cancelled):
            await fresh
        return await state.run(lambda ctx: answer(ctx, True), kind=kind)
    finally:
        waiter.cancel()
        if not fresh.done():
            fresh.cancel()


async def _command_job(ls: StewardServer, fn: Any, *, kind: str, request: Any,
                       depends_on: list[Job] | None = None, lane: str = "cpu",
                       deadline: float = 120.0, chain: bool = False) -> Any:
    """Run a command's work on the scheduler; a :class:`CommandError` becomes a JSON-RPC error
    with its message (the job itself ends as done, so chained commands go on)."""

    def guarded(ctx: JobContext) -> tuple[bool, Any]:
        try:
            return True, fn(ctx)
        except CommandError as e:
            return False, str(e)

    try:
        ok, value = await run_after(
            ls.state, guarded, kind=kind, depends_on=depends_on or [],
            lane="io" if lane == "io" else "cpu", deadline=deadline, request=request,
            chain=ls.bundles.chain if chain else None)
    except Cancelled as e:
        raise JsonRpcException(f"{kind} stopped: {e}", code=-32800) from e
    if not ok:
        raise JsonRpcException(value, code=REQUEST_FAILED)
    return value


def _command_request(ls: StewardServer) -> Any:
    """The future pygls answers an ``executeCommand`` from: the command runs in a wrapper task
    that ``$/cancelRequest`` does not reach, so cancellation is taken from this future."""
    msg_id = ls.protocol.msg_id
    futures = getattr(ls.protocol, "_request_futures", None)
    if msg_id is None or not isinstance(futures, dict):
        return None
    return futures.get(msg_id)


def _client_caps(ls: StewardServer, caps: types.ClientCapabilities) -> None:
    ls.client_caps = caps
    td, ws, win = caps.text_document, caps.workspace, caps.window
    ls.checks.push = not (td is not None and td.diagnostic is not None)
    ls.checks.refresh_support = bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)
    ls.state.inlay_hint_support = td is not None and td.inlay_hint is not None
    ls.indexer.progress_supported = bool(win and win.work_done_progress)
    ls.indexer.refresh_inlay = bool(ws and ws.inlay_hint and ws.inlay_hint.refresh_support)
    ls.indexer.refresh_lens = bool(ws and ws.code_lens and ws.code_lens.refresh_support)
    ls.dynamic_watchers = bool(ws and ws.did_change_watched_files
                               and ws.did_change_watched_files.dynamic_registration)
    ls.pull_configuration = bool(ws and ws.configuration)


def _workspace_folder(params: types.InitializeParams) -> Path | None:
    if params.workspace_folders:
        return uri_to_path(params.workspace_folders[0].uri)
    if params.root_uri:
        return uri_to_path(params.root_uri)
    if params.root_path:
        return Path(params.root_path)
    return None


def create_server() -> StewardServer:
    server = StewardServer()

    # -- lifecycle ------------------------------------------------------------------------------
    @server.feature(types.INITIALIZE)
    async def on_initialize(ls: StewardServer, params: types.InitializeParams) -> None:
        state = ls.state
        state.loop = asyncio.get_running_loop()
        _client_caps(ls, params.capabilities)
        folder = _workspace_folder(params)

        def setup(ctx: JobContext) -> tuple[Any, ...]:
            from analyzers.indexing.walk import NotAWorkspace, workspace_root

            settings, options, problems = parse_settings(params.initialization_options)
            root = None
            if folder is not None:
                if folder.is_dir():
                    try:  # the CLI's and the MCP server's own check (git's internals refused)
                        root = workspace_root(folder)
                    except NotAWorkspace as e:
                        problems.append(f"{e}; working without an index")
                else:
                    problems.append(f"the workspace folder {folder} does not exist; "
                                    "working without an index")
            return settings, options, problems, root

        settings, options, problems, root = await state.run(
            setup, kind="initialize", lane="io", deadline=30.0)
        state.apply_settings(settings, options)
        state.root = root
        ls.problems = problems

    @server.feature(types.INITIALIZED)
    async def on_initialized(ls: StewardServer, params: types.InitializedParams) -> None:
        for p in ls.problems:
            ls._show(types.MessageType.Warning, f"Context Steward: {p}")
        ls.problems = []
        state = ls.state
        if state.root is None:
            return
        ls.indexer.schedule("workspace opened")
        ls.indexer.start_head_watcher()

        def warm(ctx: JobContext) -> None:
            from analyzers.indexing.filefacts import token_byte_lengths

            token_byte_lengths(state.settings.encoding)

        state.scheduler.submit(warm, kind="warm-up", priority=Priority.BACKGROUND)
        if ls.dynamic_watchers:
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(
                        id=WATCHERS_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[types.FileSystemWatcher(glob_pattern="**/*")]))]))
            except Exception as e:  # noqa: BLE001 - the client declined: saves still update
                ls._log(types.MessageType.Warning, f"file watching not registered: {e}")

    @server.feature(types.SHUTDOWN)
    def on_shutdown(ls: StewardServer, params: Any) -> None:
        ls.indexer.stop()
        ls.state.shutdown()

    # -- documents ------------------------------------------------------------------------------
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: StewardServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.checks.opened(params.text_document.uri)
        buf = ls.buffer(params.text_document.uri)
        if buf is not None:
            ls.state.ensure_analysis(buf)
            ls.checks.schedule(buf, ls.workspace.position_codec)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: StewardServer, params: types.DidChangeTextDocumentParams) -> None:
        doc = ls.workspace.text_documents.get(params.text_document.uri)
        if isinstance(doc, LineDocument) and doc.length > ls.state.settings.max_file_size:
            # Too large to analyse (more code points than bytes allowed): no work per change -
            # not even joining its text; features answer "too large" when asked.
            ls.state.forget_facts(params.text_document.uri)
            return
        ls.state.changed(params.text_document.uri)
        buf = ls.buffer(params.text_document.uri)
        if buf is not None:
            ls.state.ensure_analysis(buf, delay=0.15)
            ls.checks.schedule(buf, ls.workspace.position_codec, delay=0.3)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: StewardServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.indexer.schedule("file saved", delay=0.3)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: StewardServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.state.forget(uri)
        if ls.checks.applies_to(uri):
            ls.checks.closed(uri)
        elif instr.is_markdown(uri):
            ls.checks.closed(uri, publish=False)  # back to the file on disk for links, imports

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: StewardServer, params: types.DidChangeWatchedFilesParams) -> None:
        root = ls.state.root
        if root is None:
            return
        prefix = str(root).rstrip("/") + "/"
        internal = (prefix + ".ctxsteward/", prefix + ".git/")
        relevant = False
        for change in params.changes:
            p = uri_to_path(change.uri)
            if p is None:
                continue
            s = str(p)
            if s.startswith(internal):
                continue  # our own cache, git internals (HEAD has its own watcher)
            relevant = True
        if relevant:
            ls.indexer.schedule("files changed on disk", delay=0.5)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: StewardServer,
                                       params: types.DidChangeConfigurationParams) -> None:
        raw = params.settings
        if not (isinstance(raw, dict) and raw) and ls.pull_configuration:
            try:
                items = await ls.workspace_configuration_async(types.ConfigurationParams(
                    items=[types.ConfigurationItem(section="ctxsteward")]))
                raw = items[0] if items else None
            except Exception as e:  # noqa: BLE001 - keep the current settings
                ls._log(types.MessageType.Warning, f"could not read the configuration: {e}")
                return
        settings, options, problems = await ls.state.run(
            lambda ctx: parse_settings(raw), kind="settings", lane="io", deadline=30.0)
        for p in problems:
            ls._show(types.MessageType.Warning, f"Context Steward: {p}")
        old = ls.state.settings
        ls.state.apply_settings(settings, options)
        if index_affecting_change(old, settings):
            ls.indexer.schedule("settings changed")
        else:
            ls.recheck_open_documents()
        ls.indexer._refresh()

    @server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def progress_cancel(ls: StewardServer, params: types.WorkDoneProgressCancelParams) -> None:
        ls.indexer.cancel_progress(str(params.token))

    # -- features -------------------------------------------------------------------------------
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: StewardServer, params: types.HoverParams) -> types.Hover | None:
        state = ls.state
        uri = params.text_document.uri
        buf = ls.buffer(uri)
        codec = ls.workspace.position_codec
        position = params.position
        why, too_large = _not_answered(ls, uri, buf)
        if why is not None:
            # Outside the workspace or secret-bearing: nothing (a hover there would be noise);
            # too large: said at once.
            return _note(why) if too_large else None
        def run(ctx: JobContext, stale_ok: bool) -> types.Hover | None:
            text = buf.text if buf is not None else _disk_text(state, uri)
            if text is None:
                return None
            lines = split_lines(text)
            pos = codec.position_from_client_units(lines, position)
            ans = hover(state, ctx, buf, uri, text, pos.line, pos.character,
                        stale_ok=stale_ok)
            if ans is None:
                loaded = instr.loaded_hover(ls.checks, ctx, uri, text, buffer=buf is not None)
                if loaded is None:
                    return None
                return types.Hover(contents=types.MarkupContent(
                    kind=types.MarkupKind.Markdown, value=redact(loaded)))
            row = lines[ans.line]
            rng = types.Range(
                start=types.Position(line=ans.line,
                                     character=codec.client_num_units(row[:ans.start])),
                end=types.Position(line=ans.line, character=codec.client_num_units(row[:ans.end])))
            # Names and signatures come from files and git: a token in one is redacted.
            return types.Hover(contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value=redact(ans.markdown)), range=rng)

        # During an edit burst the facts of an earlier version answer at once (the newest
        # version's analysis is debounced, and the next change would supersede it).
        stale_ok = state.typing(uri)
        deps = [] if buf is None or stale_ok else _analysis_deps(ls, buf)
        try:
            if not deps:
                return await state.run(lambda ctx: run(ctx, stale_ok), kind="hover")
            return await _fresh_or_stale(state, uri, run, kind="hover", analysis=deps[0])
        except Cancelled:
            return None

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT,
                    types.InlayHintOptions(resolve_provider=False))
    async def on_inlay_hints(ls: StewardServer, params: types.InlayHintParams
                             ) -> list[types.InlayHint] | None:
        state = ls.state
        uri = params.text_document.uri
        buf = ls.buffer(uri)
        codec = ls.workspace.position_codec
        first, last = params.range.start.line, params.range.end.line
        if _not_answered(ls, uri, buf)[0] is not None:
            return []

        def run(ctx: JobContext) -> list[types.InlayHint]:
            text = buf.text if buf is not None else _disk_text(state, uri)
            if text is None:
                return []
            if ls.checks.applies_to(uri):
                return instr.section_hints(ls.checks, ctx, uri, text, first, last, codec,
                                           buffer=buf is not None)
            return inlay_hints(state, ctx, buf, uri, text, first, last, codec)

        try:
            return await state.run(run, kind="inlay-hints", depends_on=_analysis_deps(ls, buf))
        except Cancelled:
            return None

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def on_code_lens(ls: StewardServer, params: types.CodeLensParams
                           ) -> list[types.CodeLens] | None:
        state = ls.state
        uri = params.text_document.uri
        buf = ls.buffer(uri)
        per_def = state.options.code_lens_per_definition
        if per_def is None:
            per_def = not state.inlay_hint_support
        why, too_large = _not_answered(ls, uri, buf)
        if why is not None:
            if not too_large:
                return []
            zero = types.Range(start=types.Position(line=0, character=0),
                               end=types.Position(line=0, character=0))
            return [types.CodeLens(range=zero, command=types.Command(
                title=f"Context Steward: {why}", command=SHOW_BUDGET,
                arguments=[{"uri": uri, "show": True}]))]

        def run(ctx: JobContext) -> list[types.CodeLens]:
            if ls.checks.applies_to(uri):
                text = _doc_text(state, buf, uri)
                return [] if text is None else instr.summary_lens(ls.checks, ctx, uri, text,
                                                                  buffer=buf is not None)
            return code_lenses(state, ctx, buf, uri, bool(per_def))

        try:
            return await state.run(run, kind="code-lens", depends_on=_analysis_deps(ls, buf))
        except Cancelled:
            return None

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, ACTION_KIND],
        resolve_provider=False))
    async def on_code_action(ls: StewardServer, params: types.CodeActionParams
                             ) -> list[types.CodeAction] | None:
        state = ls.state
        uri = params.text_document.uri
        buf = ls.buffer(uri)
        codec = ls.workspace.position_codec
        only = [str(k) for k in params.context.only] if params.context.only else None
        diags = list(params.context.diagnostics)
        where = Located(uri, params.range.start)

        def run(ctx: JobContext) -> list[types.CodeAction]:
            out: list[types.CodeAction] = []
            if wanted(only, types.CodeActionKind.QuickFix.value):
                out.extend(instr.quick_fixes(uri, diags))
            if wanted(only, ACTION_KIND) and state.root is not None:
                out.extend(ls.bundles.code_actions(ctx, buf, where, codec))
            return out

        try:
            return await state.run(run, kind="code-action", depends_on=_analysis_deps(ls, buf),
                                   deadline=5.0)
        except Cancelled:
            return None

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK,
                    types.DocumentLinkOptions(resolve_provider=False))
    async def on_document_link(ls: StewardServer, params: types.DocumentLinkParams
                               ) -> list[types.DocumentLink] | None:
        state = ls.state
        uri = params.text_document.uri
        buf = ls.buffer(uri)
        codec = ls.workspace.position_codec

        td = ls.client_caps.text_document
        tips = bool(td and td.document_link and td.document_link.tooltip_support)
        if _not_answered(ls, uri, buf)[0] is not None:
            return []

        def run(ctx: JobContext) -> list[types.DocumentLink]:
            text = _doc_text(state, buf, uri)
            return [] if text is None else instr.links(ls.checks, ctx, uri, text, codec, tips,
                                                       buffer=buf is not None)

        try:
            return await state.run(run, kind="document-link", lane="io", deadline=10.0)
        except Cancelled:
            return None

    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
        identifier="ctxsteward", inter_file_dependencies=True, workspace_diagnostics=False))
    async def on_diagnostic(ls: StewardServer, params: types.DocumentDiagnosticParams) -> Any:
        state = ls.state
        uri = params.text_document.uri
        buf = ls.buffer(uri)
        codec = ls.workspace.position_codec
        previous = params.previous_result_id

        def run(ctx: JobContext) -> Any:
            return instr.pull_report(ls.checks, ctx, uri, _doc_text(state, buf, uri), codec,
                                     previous, buffer=buf is not None)

        try:
            return await state.run(run, kind="pull-diagnostics", lane="io",
                                   priority=Priority.OPEN_FILE, deadline=60.0)
        except Cancelled as e:
            raise JsonRpcException(f"diagnostics stopped: {e}", code=-32802,
                                   data={"retriggerRequest": True}) from e

    # -- commands and custom requests -----------------------------------------------------------
    @server.command(SHOW_BUDGET)
    async def show_budget(ls: StewardServer, *args: Any) -> dict[str, Any]:
        state = ls.state
        uri, show = budget_args(args)
        request = _command_request(ls)
        why = None if uri is None else _not_answered(ls, uri, ls.buffer(uri))[0]
        if uri is not None and why is not None:
            result = ShowBudgetResult(text=why, problem=why)
        elif uri is not None:
            buf = ls.buffer(uri)
            result = await state.run(lambda ctx: show_file_budget(state, ctx, buf, uri),
                                     kind="command", depends_on=_analysis_deps(ls, buf),
                                     request=request)
        else:
            # The whole workspace's budget is computed once the running index build is done.
            latest = state.scheduler.latest(INDEX_KEY)
            deps = [latest] if latest is not None and not latest.state.finished else []
            try:
                result = await state.run(lambda ctx: show_workspace_budget(state, ctx),
                                         kind="command", depends_on=deps, request=request)
            except Cancelled as e:
                if "depends on" not in str(e):
                    raise
                result = await state.run(lambda ctx: show_workspace_budget(state, ctx),
                                         kind="command", request=request)
        if show:
            ls._show(types.MessageType.Info, result.text)
        return result.model_dump(mode="json")

    # -- bundles ------------------------------------------------------------------------------
    @server.command(bundle_cmds.SUGGEST)
    async def suggest_bundle(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        name = bundle_cmds.SUGGEST
        try:
            obj = first_object(name, args)
            uri = uri_arg(name, obj, required=False)
            where = Located(uri, opt_position(name, obj)) if uri is not None else None
            task = opt_str(name, obj, "task")
            budget = opt_int(name, obj, "budget", maximum=MAX_BUDGET)
        except CommandError as e:
            raise to_jsonrpc(e) from e
        buf = ls.buffer(uri) if uri is not None else None
        codec = ls.workspace.position_codec
        return await _command_job(
            ls, lambda ctx: ls.bundles.suggest(ctx, buf, where, task, budget, codec),
            kind="bundle", request=request, chain=True,
            depends_on=index_deps(ls.state) + _analysis_deps(ls, buf))

    @server.command(bundle_cmds.ADD)
    async def add_to_bundle(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        try:
            where, obj = located(bundle_cmds.ADD, args)
        except CommandError as e:
            raise to_jsonrpc(e) from e
        pin = obj.get("pin") is True
        buf = ls.buffer(where.uri)
        codec = ls.workspace.position_codec
        return await _command_job(
            ls, lambda ctx: ls.bundles.add(ctx, buf, where, pin, codec), kind="bundle",
            request=request, chain=True, depends_on=index_deps(ls.state) + _analysis_deps(ls, buf))

    @server.command(bundle_cmds.REMOVE)
    async def remove_from_bundle(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        try:
            where, _ = located(bundle_cmds.REMOVE, args)
        except CommandError as e:
            raise to_jsonrpc(e) from e
        buf = ls.buffer(where.uri)
        codec = ls.workspace.position_codec
        return await _command_job(
            ls, lambda ctx: ls.bundles.remove(ctx, buf, where, codec), kind="bundle",
            request=request, chain=True, depends_on=index_deps(ls.state) + _analysis_deps(ls, buf))

    @server.command(bundle_cmds.COPY)
    async def copy_bundle(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        try:
            obj = first_object(bundle_cmds.COPY, args)
            fmt = opt_str(bundle_cmds.COPY, obj, "format") or "markdown"
            if fmt not in ("markdown", "xml"):
                raise CommandError(f"{bundle_cmds.COPY}: 'format' is 'markdown' or 'xml', "
                                   f"not {fmt!r}")
        except CommandError as e:
            raise to_jsonrpc(e) from e
        return await _command_job(ls, lambda ctx: ls.bundles.copy(fmt), kind="bundle",
                                  request=request, chain=True)

    @server.command(bundle_cmds.CURRENT)
    async def current_bundle(ls: StewardServer, *args: Any) -> Any:
        return await _command_job(ls, lambda ctx: ls.bundles.current(), kind="bundle",
                                  request=_command_request(ls), chain=True)

    @server.command(bundle_cmds.SAVE)
    async def save_bundle(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        try:
            obj = first_object(bundle_cmds.SAVE, args, required=True)
            name = opt_str(bundle_cmds.SAVE, obj, "name")
            if not name:
                raise CommandError(f'{bundle_cmds.SAVE}: give a name, {{"name": "my-task"}}')
        except CommandError as e:
            raise to_jsonrpc(e) from e
        return await _command_job(ls, lambda ctx: ls.bundles.save(ctx, name), kind="bundle",
                                  request=request, chain=True, lane="io")

    # -- instruction files ----------------------------------------------------------------------
    @server.command(instr.CHECK_INSTRUCTIONS)
    async def check_instructions(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        try:
            obj = first_object(instr.CHECK_INSTRUCTIONS, args)
        except CommandError as e:
            raise to_jsonrpc(e) from e
        buffers = {u: d.source for u, d in ls.workspace.text_documents.items()}
        codec = ls.workspace.position_codec

        def run(ctx: JobContext) -> tuple[Any, dict[str, list[types.Diagnostic]], bool]:
            paths = instr.check_paths(instr.CHECK_INSTRUCTIONS, obj, ls.state)
            result, by_uri = instr.check_all(ls.checks, ctx, paths, buffers, codec)
            return result, by_uri, paths is None

        result, by_uri, complete = await _command_job(
            ls, run, kind="check-instructions", request=request, lane="io",
            depends_on=index_deps(ls.state))
        ls.checks.publish_closed(by_uri, complete=complete)
        return result.model_dump(mode="json")

    # -- handoff --------------------------------------------------------------------------------
    @server.command(handoff_cmds.GENERATE)
    async def generate_handoff(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        try:
            hargs = handoff_cmds.parse_args(handoff_cmds.GENERATE, args)
        except CommandError as e:
            raise to_jsonrpc(e) from e
        buffers = {u: b for u in list(ls.workspace.text_documents)
                   if (b := ls.buffer(u)) is not None}
        codec = ls.workspace.position_codec
        state = ls.state
        plan = await _command_job(
            ls, lambda ctx: handoff_cmds.plan(state, ctx, hargs, buffers, codec),
            kind="handoff", request=request, lane="io", depends_on=index_deps(state),
            deadline=900.0 if hargs.test_command else 180.0)
        shown = handoff_cmds.result_of(plan, applied=True, method="none").path
        if plan.previous == plan.text:
            return handoff_cmds.result_of(plan, applied=True, method="none",
                                          message=f"{shown} is already up to date"
                                          ).model_dump(mode="json")
        edit = handoff_cmds.workspace_edit(plan, ls.client_caps)
        if edit is None:
            await _command_job(ls, lambda ctx: handoff_cmds.write(plan), kind="handoff-write",
                               request=request, lane="io", deadline=30.0)
            return handoff_cmds.result_of(
                plan, applied=True, method="write",
                message=f"{plan.message} (written to disk: the editor takes no workspace edits "
                        "that create or change files)").model_dump(mode="json")
        answer = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
            edit=edit, label="Context Steward: handoff note"))
        if not answer.applied:
            why = answer.failure_reason or "no reason given"
            return handoff_cmds.result_of(
                plan, applied=False, method="none",
                message=f"the editor did not apply the handoff note to {shown}: {why}",
                problems=[f"the edit was not applied: {why}"]).model_dump(mode="json")
        return handoff_cmds.result_of(
            plan, applied=True, method="applyEdit",
            message=f"{plan.message} (in the editor: save it to keep it)").model_dump(mode="json")

    @server.command(handoff_cmds.PREVIEW)
    async def preview_handoff(ls: StewardServer, *args: Any) -> Any:
        request = _command_request(ls)
        try:
            hargs = handoff_cmds.parse_args(handoff_cmds.PREVIEW, args)
        except CommandError as e:
            raise to_jsonrpc(e) from e
        buffers = {u: b for u in list(ls.workspace.text_documents)
                   if (b := ls.buffer(u)) is not None}
        state = ls.state
        return await _command_job(
            ls, lambda ctx: handoff_cmds.preview(state, ctx, hargs, buffers), kind="handoff",
            request=request, lane="io", depends_on=index_deps(state),
            deadline=900.0 if hargs.test_command else 180.0)

    @server.command(SHOW_JOBS)
    def show_jobs(ls: StewardServer, *args: Any) -> dict[str, Any]:
        report = ls.state.scheduler.snapshot()
        text = format_jobs(report)
        if args and isinstance(args[0], dict) and args[0].get("show"):
            ls._show(types.MessageType.Info, text)
        return ShowJobsResult(text=text, report=report).model_dump(mode="json")

    @server.feature(JOBS_REQUEST)
    def jobs_request(ls: StewardServer, params: Any) -> dict[str, Any]:
        finished = 50
        value = params.get("finished") if isinstance(params, dict) else \
            getattr(params, "finished", None)
        if isinstance(value, int) and value >= 0:
            finished = value
        return ls.state.scheduler.snapshot(finished=finished).model_dump(mode="json")

    return server


def serve() -> int:
    """Run the server over stdio until the client says exit."""
    # Background work (the index build's own thread: git log parsing, SQLite writes) holds the
    # GIL in long stretches; a shorter switch interval lets a request thread in sooner.
    sys.setswitchinterval(0.001)
    # Ctrl-C ends the server as SIGTERM does. Python's KeyboardInterrupt would stop the message
    # loop but leave the stdin reader and the scheduler's threads holding the process alive;
    # worker processes end with it (PR_SET_PDEATHSIG, analyzers.procs).
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    server = create_server()
    try:
        server.start_io()
    finally:
        server.indexer.stop()
        server.state.scheduler.shutdown(wait=False)
    return 0


__all__ = ["JOBS_REQUEST", "SHOW_BUDGET", "SHOW_JOBS", "JobState", "StewardServer",
           "create_server", "serve"]
