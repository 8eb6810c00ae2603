"""The one table of what the language server answers, and how each answer runs.

Each :class:`Route` names a method (an LSP request or notification, or a command of
``workspace/executeCommand``), its handler (a top-level function of :mod:`server.lsp.handlers`
taking the server, the parameters and the :class:`LspCall`), and its
:class:`~server.lsp.lanes.Work`: the lane (``inline`` on the message loop, or a scheduler lane),
the priority, the deadline and the key that lets newer work supersede older. Handlers run their
work through :meth:`LspCall.run`, which takes all of that from the route.

:func:`register` walks :data:`ROUTES`. Every handler is wrapped by :func:`guarded`, the one place
where the LSP edge turns failures into answers:

* :class:`~analyzers.cancel.Cancelled` (the client cancelled, a deadline passed, an edit
  superseded the work): a feature request answers null (the editor asks again when it needs
  to), a command RequestCancelled (-32800), a pulled diagnostic ServerCancelled (-32802) asking
  the client to retrigger it, unless the client cancelled it itself (RequestCancelled);
* :class:`~analyzers.app.errors.RequestError` (bad input, found by the core): RequestFailed
  (-32803) with its message worded for the editor (:data:`~server.lsp.args.LSP_WORDS`);
* :class:`~server.lsp.args.CommandError` (bad input, found by the edge): RequestFailed, or
  InvalidParams (-32602) for an argument of the wrong shape;
* anything else: logged with its traceback and answered as InternalError (-32603).

A notification has no answer: its failures are logged (and shown in the client's log); bad input
there is one warning line, as a refused request's is in pygls's log (:class:`OneLineAnswers`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from analyzers.app.errors import RequestError
from analyzers.cancel import Cancelled
from server.lsp.args import (
    BY_CLIENT,
    INVALID_PARAMS,
    LSP_WORDS,
    REQUEST_FAILED,
    Answered,
    CommandError,
    to_jsonrpc,
)
from server.lsp.bundle_view import ACTION_KINDS
from server.lsp.chain import Chain, run_after
from server.lsp.handlers import (
    bundle_commands,
    features,
    handoff_commands,
    lifecycle,
    sync,
    workspace_commands,
)
from server.lsp.lanes import Work
from server.scheduler import Job, JobContext, Priority

if TYPE_CHECKING:
    from server.lsp.server import StewardLanguageServer

log = logging.getLogger(__name__)
T = TypeVar("T")

REQUEST_CANCELLED = -32800  # LSP ErrorCodes.RequestCancelled
SERVER_CANCELLED = -32802  # LSP ErrorCodes.ServerCancelled
INTERNAL_ERROR = -32603


class OnCancel(Enum):
    """What a request answers when its work was cancelled."""

    NULL = "null"  # no answer worth showing: the editor asks again
    CANCELLED = "RequestCancelled"  # -32800 with what stopped
    RETRIGGER = "ServerCancelled"  # -32802, {"retriggerRequest": true}


@dataclass(frozen=True, slots=True)
class Route:
    """One method the server answers, its handler, and how its work runs."""

    method: str
    handler: Callable[..., Any]
    work: Work  # without a key: requests never supersede one another
    kind: Literal["request", "notification", "command"] = "request"
    on_cancel: OnCancel = OnCancel.NULL
    ordered: bool = False  # a command that changes the current bundle: runs after the one before
    options: Any = None  # registration options (the capability pygls advertises)


def inline(name: str) -> Work:
    """Work answered on the message loop itself (no job)."""
    return Work(name, "inline")


def cpu(kind: str, deadline: float, priority: Priority = Priority.INTERACTIVE) -> Work:
    """A job on the cpu lane."""
    return Work(kind, "cpu", priority, deadline)


def io(kind: str, deadline: float, priority: Priority = Priority.INTERACTIVE) -> Work:
    """A job on the io lane."""
    return Work(kind, "io", priority, deadline)


def command(name: str, handler: Callable[..., Any], work: Work, *, ordered: bool = False
            ) -> Route:
    """A command of ``workspace/executeCommand``: cancelled, it answers RequestCancelled."""
    return Route(name, handler, work, "command", OnCancel.CANCELLED, ordered)


def notification(method: str, handler: Callable[..., Any], work: Work) -> Route:
    """A notification (nothing is answered)."""
    return Route(method, handler, work, "notification")


_LINKS = types.DocumentLinkOptions(resolve_provider=False)
_LENSES = types.CodeLensOptions(resolve_provider=False)
_HINTS = types.InlayHintOptions(resolve_provider=False)
_ACTIONS = types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, *ACTION_KINDS], resolve_provider=False)
_PULLED = types.DiagnosticOptions(identifier="ctxsteward", inter_file_dependencies=True,
                                  workspace_diagnostics=False)
OPEN_FILE = Priority.OPEN_FILE

# Every route's work: inline (on the loop), or cpu/io(job kind, deadline in seconds[, priority]);
# the priority is INTERACTIVE unless said. Commands marked ordered run one after the other. No
# request supersedes an earlier one by key: the work that does (buffer analyses, pushed checks,
# index builds, the bundle's refresh) is the server's own, in lanes.JOBS.
ROUTES: tuple[Route, ...] = (
    # -- lifecycle -------------------------------------------------------------------------------
    Route(types.INITIALIZE, lifecycle.initialize, io("initialize", 30.0),
          on_cancel=OnCancel.CANCELLED),
    notification(types.INITIALIZED, lifecycle.initialized, inline("initialized")),
    Route(types.SHUTDOWN, lifecycle.shutdown, inline("shutdown")),
    # -- events: captured on the loop; the work they start is in lanes.JOBS -----------------------
    notification(types.TEXT_DOCUMENT_DID_OPEN, sync.did_open, inline("did-open")),
    notification(types.TEXT_DOCUMENT_DID_CHANGE, sync.did_change, inline("did-change")),
    notification(types.TEXT_DOCUMENT_DID_SAVE, sync.did_save, inline("did-save")),
    notification(types.TEXT_DOCUMENT_DID_CLOSE, sync.did_close, inline("did-close")),
    notification(types.WORKSPACE_DID_CHANGE_WATCHED_FILES, sync.did_change_watched_files,
                 inline("watched-files")),
    notification(types.WORKSPACE_DID_CHANGE_CONFIGURATION, sync.did_change_configuration,
                 io("settings", 30.0)),
    notification(types.WINDOW_WORK_DONE_PROGRESS_CANCEL, sync.progress_cancel,
                 inline("progress-cancel")),
    # -- features of one document: cancelled, they answer null -------------------------------------
    Route(types.TEXT_DOCUMENT_HOVER, features.hover, cpu("hover", 5.0)),
    Route(types.TEXT_DOCUMENT_INLAY_HINT, features.inlay_hints, cpu("inlay-hints", 5.0),
          options=_HINTS),
    Route(types.TEXT_DOCUMENT_CODE_LENS, features.code_lens, cpu("code-lens", 5.0),
          options=_LENSES),
    Route(types.TEXT_DOCUMENT_CODE_ACTION, features.code_action, cpu("code-action", 5.0),
          options=_ACTIONS),
    Route(types.TEXT_DOCUMENT_DOCUMENT_LINK, features.document_link, io("document-link", 10.0),
          options=_LINKS),
    Route(types.TEXT_DOCUMENT_DIAGNOSTIC, features.diagnostic,
          io("pull-diagnostics", 60.0, OPEN_FILE), on_cancel=OnCancel.RETRIGGER, options=_PULLED),
    # -- the job table: answered on the loop even when every worker is busy ------------------------
    Route(workspace_commands.JOBS_REQUEST, workspace_commands.jobs_request, inline("jobs")),
    command(workspace_commands.SHOW_JOBS, workspace_commands.show_jobs, inline("jobs")),
    # -- commands: cancelled, they answer RequestCancelled -----------------------------------------
    command(workspace_commands.SHOW_BUDGET, workspace_commands.show_budget,
            cpu("command", 60.0)),
    command(workspace_commands.CHECK_INSTRUCTIONS, workspace_commands.check_instructions,
            io("check-instructions", 120.0)),
    command(bundle_commands.SUGGEST, bundle_commands.suggest, cpu("bundle", 120.0), ordered=True),
    command(bundle_commands.ADD, bundle_commands.add, cpu("bundle", 120.0), ordered=True),
    command(bundle_commands.REMOVE, bundle_commands.remove, cpu("bundle", 120.0), ordered=True),
    command(bundle_commands.COPY, bundle_commands.copy, cpu("bundle", 120.0), ordered=True),
    command(bundle_commands.CURRENT, bundle_commands.current, cpu("bundle", 120.0), ordered=True),
    command(bundle_commands.SAVE, bundle_commands.save, io("bundle", 120.0), ordered=True),
    # (with a test command to run: handoff_commands.TEST_DEADLINE)
    command(handoff_commands.GENERATE, handoff_commands.generate, io("handoff", 180.0)),
    command(handoff_commands.PREVIEW, handoff_commands.preview, io("handoff", 180.0)),
)


class LspCall:
    """One request, notification or command being handled: its route, and the future the client
    is answered from (a command runs inside a wrapper that ``$/cancelRequest`` does not reach,
    so its cancellation is taken from that future)."""

    def __init__(self, ls: StewardLanguageServer, route: Route, request: Any = None) -> None:
        self.ls = ls
        self.route = route
        self.request = request

    async def run(self, fn: Callable[[JobContext], T], *, depends_on: Iterable[Job] = (),
                  work: Work | None = None, deadline: float | None = None) -> T:
        """``fn`` as a job of the route's work (or ``work``), once ``depends_on`` ended; a
        cancelled request cancels it. A command's job runs even when a dependency failed (it
        does without), in the order of the bundle commands when the route is ``ordered``.
        Bad input found inside the job ends it as done (not failed) and is raised here."""
        w = work or self.route.work
        state = self.ls.state
        chain: Chain | None = self.ls.bundles.chain if self.route.ordered else None
        limit = w.deadline if deadline is None else deadline
        if self.route.kind == "command":
            out = await run_after(state, _refusals_returned(fn), kind=w.kind,
                                  depends_on=depends_on, lane=w.job_lane(), priority=w.priority,
                                  deadline=limit, request=self.request, chain=chain)
        else:
            out = await state.run(_refusals_returned(fn), kind=w.kind, priority=w.priority,
                                  lane=w.job_lane(), depends_on=depends_on, deadline=limit,
                                  request=self.request)
        if isinstance(out, _Refused):
            raise out.error
        return out


@dataclass(frozen=True, slots=True)
class _Refused:
    """Bad input a job found, carried out of it as its result."""

    error: CommandError | RequestError


def _refusals_returned(fn: Callable[[JobContext], T]) -> Callable[[JobContext], Any]:
    """``fn`` returning (not raising) bad-input errors: the job is done, not failed (a failed
    job is reported to the client's log as a server fault)."""

    def job(ctx: JobContext) -> Any:
        try:
            return fn(ctx)
        except (CommandError, RequestError) as e:
            return _Refused(e)

    return job


def _command_request(ls: StewardLanguageServer) -> Any:
    """The future pygls answers an ``executeCommand`` from (None when not found)."""
    msg_id = ls.protocol.msg_id
    futures = getattr(ls.protocol, "_request_futures", None)
    if msg_id is None or not isinstance(futures, dict):
        return None
    return futures.get(msg_id)


def answer_error(route: Route, e: Exception) -> Any:
    """What ``route`` answers for the failure ``e``: None, or the JSON-RPC error it raises."""
    if isinstance(e, JsonRpcException):
        raise e
    if isinstance(e, Cancelled):
        if route.on_cancel is OnCancel.NULL:
            return None
        # The server's own stop (a newer version, a deadline) asks a pulled diagnostic to be
        # retriggered; the client's cancellation never does: it would ask again and cancel
        # again (a loop of hundreds a second, seen in VS Code).
        retrigger = route.on_cancel is OnCancel.RETRIGGER and str(e) != BY_CLIENT
        raise Answered(
            f"{route.work.kind} stopped: {e}",
            code=SERVER_CANCELLED if retrigger else REQUEST_CANCELLED,
            data={"retriggerRequest": True} if retrigger else None) from e
    if isinstance(e, RequestError):
        raise Answered(e.worded(LSP_WORDS), code=REQUEST_FAILED) from e
    if isinstance(e, CommandError):
        raise to_jsonrpc(e) from e
    log.error("%s failed", route.method, exc_info=e)
    raise Answered(f"internal error in {route.method}: {type(e).__name__}: {e}",
                   code=INTERNAL_ERROR) from e


class OneLineAnswers(logging.Filter):
    """pygls logs every error answer with its traceback (chained to its cause): an
    :class:`~server.lsp.args.Answered` one becomes one line, its cause dealt with by
    :func:`answer_error` (bad input is no server fault; an unexpected failure's traceback is
    logged there, once)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record; strip the traceback of an :class:`Answered` error's. A refusal
        (bad input: RequestFailed, InvalidParams) is the user's to fix, no server fault: one
        line at WARNING; a cancellation at INFO; an internal error stays an ERROR."""
        err = record.exc_info[1] if record.exc_info else None
        if isinstance(err, Answered):
            args = record.args if isinstance(record.args, tuple) else ()
            request = f"request {args[0]}" if args else "a request"
            if err.code in (REQUEST_FAILED, INVALID_PARAMS):
                said = err.message if err.message.startswith("refused") else \
                    f"refused: {err.message}"
                record.msg, level = f"{request} {said}", logging.WARNING
            elif err.code in (REQUEST_CANCELLED, SERVER_CANCELLED):
                record.msg, level = f"{request} cancelled: {err.message}", logging.INFO
            else:
                record.msg = f"{record.getMessage()}: answered {err.code}: {err.message}"
                level = record.levelno
            record.levelno, record.levelname = level, logging.getLevelName(level)
            record.args = None
            record.exc_info = record.exc_text = None
        return True


PYGLS_RPC_LOG = "pygls.protocol.json_rpc"


def _notified_error(ls: StewardLanguageServer, route: Route, e: Exception) -> None:
    """A notification's failure, logged (nothing is answered); cancelled work is not one."""
    if isinstance(e, Cancelled):
        log.info("%s: %s", route.method, e)
        return
    if isinstance(e, (RequestError, CommandError)):  # bad input: the user's to fix, one line
        message = e.worded(LSP_WORDS) if isinstance(e, RequestError) else str(e)
        log.warning("%s refused: %s", route.method, message)
        ls.log_message(types.MessageType.Warning, f"{route.method} refused: {message}")
        return
    log.error("%s failed", route.method, exc_info=e)
    ls.log_message(types.MessageType.Error, f"{route.method} failed: {type(e).__name__}: {e}")


def guarded(route: Route) -> Callable[..., Any]:
    """``route``'s handler as pygls calls it (``ls`` first; a command's arguments spread), with
    every failure converted once (see the module doc)."""
    handler = route.handler
    if asyncio.iscoroutinefunction(handler):
        async def answer(ls: Any, *params: Any) -> Any:  # Any: pygls reads these hints
            call = LspCall(ls, route, _command_request(ls) if route.kind == "command" else None)
            try:
                return await handler(ls, _params(route, params), call)
            except Exception as e:  # noqa: BLE001 - converted here, once for every handler
                return _failed(ls, route, e)

        return answer

    def answer_now(ls: Any, *params: Any) -> Any:  # Any: pygls reads these hints
        try:
            return handler(ls, _params(route, params), LspCall(ls, route))
        except Exception as e:  # noqa: BLE001 - converted here, once for every handler
            return _failed(ls, route, e)

    return answer_now


def _params(route: Route, params: tuple[Any, ...]) -> Any:
    """A command's arguments (a tuple), or a request's or notification's one parameter."""
    if route.kind == "command":
        return params
    return params[0] if params else None


def _failed(ls: StewardLanguageServer, route: Route, e: Exception) -> Any:
    """The answer for a failure: an error for a request, a log line for a notification."""
    if route.kind == "notification":
        _notified_error(ls, route, e)
        return None
    return answer_error(route, e)


def register(server: StewardLanguageServer, routes: Iterable[Route] = ROUTES) -> None:
    """Register every route's guarded handler with pygls (and make its log of their error
    answers one line each: :class:`OneLineAnswers`)."""
    rpc_log = logging.getLogger(PYGLS_RPC_LOG)
    if not any(isinstance(f, OneLineAnswers) for f in rpc_log.filters):
        rpc_log.addFilter(OneLineAnswers())
    for route in routes:
        fn = guarded(route)
        if route.kind == "command":
            server.command(route.method)(fn)
        elif route.options is not None:
            server.feature(route.method, route.options)(fn)
        else:
            server.feature(route.method)(fn)
