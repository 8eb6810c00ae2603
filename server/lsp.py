"""``ctxsteward serve``: the language server (pygls 2, LSP over stdio).

Every handler runs on the asyncio message loop and only captures what the request needs (the
document's text and version, the position) before handing the work to the built-in scheduler
(:mod:`server.scheduler`); the loop never parses, counts tokens or queries the index. Two requests
answer on the loop because they must answer even when every worker is busy: ``ctxsteward/jobs`` and
``ctxsteward.showJobs`` copy the scheduler's table.

Features: hover (definition/reference token costs, co-change partners; paths and ``@imports`` in
Markdown), inlay hints (tokens after each top-level definition), code lenses (file total; per
definition for clients without inlay hints), commands ``ctxsteward.showBudget`` and
``ctxsteward.showJobs``, the custom request ``ctxsteward/jobs``, index progress through
``window/workDoneProgress``, diagnostics of instruction files (CLAUDE.md, AGENTS.md, ...) from
:mod:`analyzers.instructions`, and an index kept current from document events, watched files and
git HEAD.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from analyzers import __version__
from analyzers.cancel import Cancelled
from analyzers.filefacts import decode

from .lsp_features.budget import code_lenses, inlay_hints
from .lsp_features.commands import (
    ShowJobsResult,
    budget_args,
    format_jobs,
    show_file_budget,
    show_workspace_budget,
)
from .lsp_features.diagnostics import InstructionChecks
from .lsp_features.documents import split_lines
from .lsp_features.hover import hover
from .lsp_features.indexing import INDEX_KEY, Indexer
from .lsp_features.settings import index_affecting_change, parse_settings
from .lsp_features.state import Buffer, ServerState, uri_to_path
from .scheduler import Job, JobContext, JobState, Priority

log = logging.getLogger(__name__)

JOBS_REQUEST = "ctxsteward/jobs"
SHOW_BUDGET = "ctxsteward.showBudget"
SHOW_JOBS = "ctxsteward.showJobs"
WATCHERS_ID = "ctxsteward-watched-files"


class StewardServer(LanguageServer):
    """The pygls server with Context Steward's state attached."""

    def __init__(self) -> None:
        super().__init__("ctxsteward", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.state = ServerState()
        self.indexer = Indexer(self, self.state)
        self.checks = InstructionChecks(self, self.state)
        self.indexer.on_indexed.append(self._after_index)
        self.problems: list[str] = []
        self.dynamic_watchers = False
        self.pull_configuration = False
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

    def recheck_open_documents(self) -> None:
        """Check every open instruction file again (on the loop): files or settings changed."""
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
    p = uri_to_path(uri)
    if p is None:
        return None
    try:
        if p.stat().st_size > state.settings.max_file_size:
            return None
        text, _ = decode(p.read_bytes())
    except OSError:
        return None
    return text


def _analysis_deps(ls: StewardServer, buf: Buffer | None) -> list[Job]:
    dep = ls.state.ensure_analysis(buf) if buf is not None else None
    return [dep] if dep is not None else []


def _command_request(ls: StewardServer) -> Any:
    """The future pygls answers an ``executeCommand`` from: the command runs in a wrapper task
    that ``$/cancelRequest`` does not reach, so cancellation is taken from this future."""
    msg_id = ls.protocol.msg_id
    futures = getattr(ls.protocol, "_request_futures", None)
    if msg_id is None or not isinstance(futures, dict):
        return None
    return futures.get(msg_id)


def _client_caps(ls: StewardServer, caps: types.ClientCapabilities) -> None:
    td, ws, win = caps.text_document, caps.workspace, caps.window
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
            from analyzers.walk import git_toplevel

            settings, options, problems = parse_settings(params.initialization_options)
            root = None
            if folder is not None:
                if folder.is_dir():
                    real = folder.resolve()
                    root = git_toplevel(real) or real
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
            from analyzers.filefacts import token_byte_lengths

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
        buf = ls.buffer(params.text_document.uri)
        if buf is not None:
            ls.state.ensure_analysis(buf)
            ls.checks.schedule(buf, ls.workspace.position_codec)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: StewardServer, params: types.DidChangeTextDocumentParams) -> None:
        buf = ls.buffer(params.text_document.uri)
        if buf is not None:
            ls.state.ensure_analysis(buf, delay=0.15)
            ls.checks.schedule(buf, ls.workspace.position_codec, delay=0.3)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: StewardServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.indexer.schedule("file saved", delay=0.3)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: StewardServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.state.forget(params.text_document.uri)
        if ls.checks.applies_to(params.text_document.uri):
            ls.checks.closed(params.text_document.uri)

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

        def run(ctx: JobContext) -> types.Hover | None:
            text = buf.text if buf is not None else _disk_text(state, uri)
            if text is None:
                return None
            lines = split_lines(text)
            pos = codec.position_from_client_units(lines, position)
            ans = hover(state, ctx, buf, uri, text, pos.line, pos.character)
            if ans is None:
                return None
            row = lines[ans.line]
            rng = types.Range(
                start=types.Position(line=ans.line,
                                     character=codec.client_num_units(row[:ans.start])),
                end=types.Position(line=ans.line, character=codec.client_num_units(row[:ans.end])))
            return types.Hover(contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value=ans.markdown), range=rng)

        try:
            return await state.run(run, kind="hover", depends_on=_analysis_deps(ls, buf))
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

        def run(ctx: JobContext) -> list[types.InlayHint]:
            text = buf.text if buf is not None else _disk_text(state, uri)
            if text is None:
                return []
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
        try:
            return await state.run(lambda ctx: code_lenses(state, ctx, buf, uri, bool(per_def)),
                                   kind="code-lens", depends_on=_analysis_deps(ls, buf))
        except Cancelled:
            return None

    # -- commands and custom requests -----------------------------------------------------------
    @server.command(SHOW_BUDGET)
    async def show_budget(ls: StewardServer, *args: Any) -> dict[str, Any]:
        state = ls.state
        uri, show = budget_args(args)
        request = _command_request(ls)
        if uri is not None:
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
    server = create_server()
    try:
        server.start_io()
    finally:
        server.indexer.stop()
        server.state.scheduler.shutdown(wait=False)
    return 0


__all__ = ["JOBS_REQUEST", "SHOW_BUDGET", "SHOW_JOBS", "JobState", "StewardServer",
           "create_server", "serve"]
