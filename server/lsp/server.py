"""``ctxsteward serve``: the language server (pygls 2, LSP over stdio).

Start reading at :mod:`server.lsp.dispatch`: its table lists every request, notification and
command the server answers, with the handler (a top-level function of :mod:`server.lsp.handlers`)
and the lane, priority and deadline of its work. Every handler runs on the asyncio message loop
and only captures what the request needs (the document's text and version, the position) before
handing the work to the built-in scheduler (:mod:`server.scheduler`); the loop never parses,
counts tokens or queries the index. Two requests answer on the loop because they must answer even
when every worker is busy: ``ctxsteward/jobs`` and ``ctxsteward.showJobs`` copy the scheduler's
table.

Features: hover (definition/reference token costs, co-change partners; paths and ``@imports`` in
Markdown; what each agent loads, on an instruction file), inlay hints (tokens after each top-level
definition; per section of an instruction file), code lenses (file total; per definition for
clients without inlay hints; an instruction file's total with its imports), code actions (quick
fixes of instruction files; add to / exclude from / suggest a context bundle), document links
(paths and ``@imports`` in Markdown), diagnostics of instruction files (CLAUDE.md, AGENTS.md, ...)
from :mod:`analyzers.instructions`, pushed or pulled, commands (bundles:
:mod:`server.lsp.bundle_view`; handoff: :mod:`server.lsp.handoff`; ``checkInstructions``,
``showBudget``, ``showJobs``), the custom request ``ctxsteward/jobs`` and notifications
``ctxsteward/bundle`` and ``ctxsteward/budget``, index progress through
``window/workDoneProgress``, and an index kept current from document events, watched files and
git HEAD.

This module holds the server object (:class:`StewardLanguageServer`: the state, the indexer, the
instruction checks and the current bundle) and starts it.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from analyzers import __version__
from server.lsp.args import Answered
from server.lsp.bundle_view import BundleSession
from server.lsp.commands import JOBS_REQUEST, SHOW_BUDGET, SHOW_JOBS
from server.lsp.diagnostics import InstructionChecks
from server.lsp.dispatch import register
from server.lsp.indexing import Indexer
from server.lsp.lanes import CHECK_WORKSPACE
from server.lsp.protocol import StewardProtocol
from server.lsp.state import Buffer, ServerState
from server.scheduler import Job, JobContext, JobState, Priority

log = logging.getLogger(__name__)


class StewardLanguageServer(LanguageServer):
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
        self._indexed_once = False
        self.dynamic_watchers = False
        self.pull_configuration = False
        self.client_caps = types.ClientCapabilities()
        self.state.scheduler.add_listener(self._on_job_event)

    def _on_job_event(self, job: Job, event: str) -> None:
        if event == "cancelled" and job.deadline_exceeded:
            self.state.call_soon(self.log_message, types.MessageType.Warning,
                                 f"job {job.id} ({job.kind}) was cancelled: {job.error}")
        elif event == "failed" and job.kind != "index":
            self.state.call_soon(self.log_message, types.MessageType.Error,
                                 f"job {job.id} ({job.kind}) failed: {job.error}")

    def _after_index(self, report: Any) -> None:
        self.checks.invalidate()
        self.state.call_soon(self.recheck_open_documents)
        changed = bool(report.files_parsed or report.files_removed or (
            report.history and report.history.commits_read))
        first, self._indexed_once = not self._indexed_once, True
        if first:  # the bundle of the last session, once there is an index to check it on
            self.state.call_soon(self.bundles.restore)
        elif changed:
            self.state.call_soon(self.bundles.refresh)
        if first or changed:
            self.state.call_soon(self.check_workspace)

    def check_workspace(self) -> None:
        """Check every instruction file of the workspace in the background (on the loop) and
        publish the problems of those not open: they show in the Problems panel from the
        start, not only once opened or checked by command."""
        if self.state.root is None:
            return
        buffers = {u: d.source for u, d in self.workspace.text_documents.items()}
        codec = self.workspace.position_codec

        def run(ctx: JobContext) -> int:
            from server.lsp import instruction_editor as instr

            _, by_uri = instr.check_all(self.checks, ctx, None, buffers, codec)
            self.state.call_soon(lambda: self.checks.publish_closed(by_uri, complete=True))
            return sum(len(d) for d in by_uri.values())

        CHECK_WORKSPACE.submit(self.state.scheduler, run)

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

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls's report of a failed request: an answer of the dispatch wrapper is logged
        already (one line: :class:`~server.lsp.dispatch.OneLineAnswers`)."""
        if not isinstance(error, Answered):
            super().report_server_error(error, source)

    def log_message(self, kind: types.MessageType, message: str) -> None:
        """Write ``message`` to the client's log (``window/logMessage``)."""
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def show_message(self, kind: types.MessageType, message: str) -> None:
        """Show ``message`` to the user (``window/showMessage``)."""
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def buffer(self, uri: str) -> Buffer | None:
        """The open document ``uri`` as last sent by the client (None when not open)."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        return Buffer(uri=uri, text=doc.source, version=doc.version, language_id=doc.language_id)


def create_server() -> StewardLanguageServer:
    """The server, every handler of :data:`~server.lsp.dispatch.ROUTES` registered."""
    server = StewardLanguageServer()
    register(server)
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


__all__ = ["JOBS_REQUEST", "SHOW_BUDGET", "SHOW_JOBS", "JobState", "StewardLanguageServer",
           "create_server", "serve"]
