"""The MCP server's session: the application layer's workspace, plus what only MCP needs.

The :class:`~analyzers.app.workspace.Workspace` owns the root, the settings, path safety, seeds
and the index-freshness policy (*how* the index is brought up to date). The session adds the
scheduler its jobs run on, *when* to refresh, waiting for a job while forwarding its progress as
MCP progress notifications, and this session's ``--exclude`` globs.

The event loop does no file or database work: every tool, resource read and prompt goes through
:meth:`McpSession.call`, whose async code only awaits jobs (path checks, the work itself) and the
tiny index-freshness check in a worker thread; each job reads the index through its own read-only
:class:`~analyzers.app.workspace.Snapshot`. A failure is turned into the endpoint's protocol error
in one place (:func:`server.mcp.errors.protocol_error`). Cancelling a call, or disconnecting,
cancels its job.

Index freshness: when no usable index exists (cold), a call waits for the build, reporting its
progress. When one exists, a call never waits for a full re-index: an incremental refresh (walk,
re-read changed files, read new commits) runs for each call (calls that arrive while one runs
share the next), and a call waits for it at most :data:`REFRESH_WAIT` seconds before answering
from the index as it is.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from analyzers.app.workspace import Workspace
from analyzers.config import Settings
from analyzers.results import IndexReport
from analyzers.tokens import Counter
from server.mcp.errors import ErrorForm, JobFailed, protocol_error, tool_error
from server.scheduler import Job, JobContext, JobState, Priority, Scheduler

if TYPE_CHECKING:
    from analyzers.app.workspace import Snapshot

log = logging.getLogger("ctxsteward.mcp")

T = TypeVar("T")
Report = Callable[[float, str], Awaitable[Any]]

REFRESH_WAIT = 1.5  # seconds a call waits for a refresh before answering from the index as is
PROGRESS_EVERY = 0.2  # seconds between progress checks while a call waits


@dataclass
class McpCall:
    """What a call's job works with: the session, its job, the index's state, what the call's
    check returned, and a read-only snapshot of the index (opened when first used)."""

    session: McpSession
    jc: JobContext
    warnings: list[str] = field(default_factory=list)
    checked: Any = None
    _snapshot: Snapshot | None = None

    @property
    def workspace(self) -> Workspace:
        """The application layer's workspace."""
        return self.session.workspace

    @property
    def snapshot(self) -> Snapshot:
        """A read-only view of the index, opened on first use and closed when the job ends."""
        if self._snapshot is None:
            self._snapshot = self.workspace.snapshot()
        return self._snapshot

    def close(self) -> None:
        """Close the snapshot, if one was opened."""
        if self._snapshot is not None:
            self._snapshot.close()
            self._snapshot = None


class McpSession:
    """One workspace served over MCP: the app's workspace, the scheduler, the index job, and this
    session's exclude globs (not the index's)."""

    def __init__(self, root: Path, settings: Settings | None = None,
                 exclude: list[str] | None = None) -> None:
        self.workspace = Workspace(root, settings)
        self.exclude = list(exclude or [])  # this session's --exclude globs (not the index's)
        self._exclude_spec: Any = None
        settings = self.workspace.settings
        self.counter = Counter(settings.encoding, settings.model_profile())
        self.scheduler: Scheduler | None = None
        self._index_job: Job | None = None
        self._last_refresh = 0.0
        self._lock = threading.Lock()
        self.report: IndexReport | None = None
        self.indexed_at: float | None = None

    @property
    def root(self) -> Path:
        """The workspace root."""
        return self.workspace.root

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the scheduler and index in the background (incrementally when warm)."""
        if self.scheduler is None:
            self.scheduler = Scheduler(io_workers=2, name="ctxsteward-mcp")
            self.scheduler.add_listener(_log_job)
        self.index_job()

    def close(self) -> None:
        """Stop the scheduler (its running jobs are cancelled)."""
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True, timeout=5.0)
            self.scheduler = None

    # -- the one way a call runs -----------------------------------------------------------
    async def call(self, kind: str, work: Callable[[McpCall], T], *,
                   check: Callable[[McpSession], Any] | None = None, index: bool = True,
                   report: Report | None = None, form: ErrorForm = tool_error) -> T:
        """Answer a tool call, resource read or prompt: ``check`` its arguments (paths, seeds) in
        a job, make sure an index is there (when ``index``), then ``work`` in a job; any failure
        becomes the endpoint's protocol error (``form``)."""
        try:
            checked = await self.run(f"{kind}:check", _checking(self, check)) \
                if check is not None else None
            warnings = await self.ensure_index(report) if index else []
            return await self.run(kind, _working(self, work, warnings, checked), report)
        except Exception as e:
            raise protocol_error(kind, e, form) from e

    # -- the index -------------------------------------------------------------------------
    @property
    def refreshing(self) -> bool:
        """True while an index build runs."""
        job = self._index_job
        return job is not None and not job.done()

    def index_job(self) -> Job:
        """The running index job, or a new incremental build."""
        assert self.scheduler is not None, "start() the session first"
        with self._lock:
            job = self._index_job
            if job is not None and not job.done():
                return job

            def build_index(ctx: JobContext) -> IndexReport:
                report = self.workspace.build(ctx.token, ctx.progress)
                self.report = report
                self.indexed_at = time.time()
                return report

            job = self.scheduler.submit(build_index, kind="index", key="index", lane="io",
                                        priority=Priority.BACKGROUND)
            self._index_job = job
            self._last_refresh = time.monotonic()
            return job

    async def ensure_index(self, report: Report | None = None) -> list[str]:
        """Make sure an index is there to answer from; return warnings about its state.

        ``report(percent, message)`` is awaited with the build's progress while a call waits.
        """
        warnings: list[str] = []
        if not await anyio.to_thread.run_sync(self.workspace.index_usable):
            job = self.index_job()
            try:
                await self.wait(job, report, label="indexing", cancel=False)
            except anyio.get_cancelled_exc_class():
                log.info("a call waiting for the first index was cancelled; indexing goes on")
                raise
            if job.state is not JobState.DONE:
                raise JobFailed(f"indexing {self.root} failed: {job.error or job.state.value}")
        else:
            warnings += await self._refreshed(report)
        if self.report is not None:
            warnings.extend(self.report.warnings)
        return warnings

    async def _refreshed(self, report: Report | None) -> list[str]:
        """Refresh the index unless a refresh started since this call arrived (calls at once
        share one), waiting a little for it; say when the answer comes from the index as it
        was. A file an agent edited just before asking is read again: calls within 2 s of the
        last refresh used to share it, and one right after an edit showed the new text at the
        old line numbers (verifier). A warm refresh costs ~20 ms on click, ~80 ms on saleor."""
        arrived = time.monotonic()
        job = self._index_job
        if job is not None and not job.done():  # (one running: it may have read the files
            with anyio.move_on_after(REFRESH_WAIT):  # before this call's edit)
                await self.wait(job, report, label="refreshing the index", cancel=False)
        if job is None or (job.done() and self._last_refresh < arrived):
            job = self.index_job()
        if not job.done():
            with anyio.move_on_after(REFRESH_WAIT):
                await self.wait(job, report, label="refreshing the index", cancel=False)
        if not job.done():
            when = (time.strftime("%H:%M:%S", time.localtime(self.indexed_at))
                    if self.indexed_at else "its last build")
            return [f"answered from the index as of {when}; a refresh is running"]
        if job.state is not JobState.DONE:
            return [f"the index refresh failed ({job.error}); answered from the previous index"]
        return []

    # -- jobs ------------------------------------------------------------------------------
    async def run(self, kind: str, fn: Callable[[JobContext], T],
                  report: Report | None = None) -> T:
        """Run ``fn`` as an interactive job and await its result (its failure is raised: a
        stopped job as :class:`~analyzers.cancel.Cancelled`); cancel it if the call ends."""
        assert self.scheduler is not None, "start() the session first"
        waker = _Waker()
        job = self.scheduler.submit(fn, kind=f"mcp:{kind}", priority=Priority.INTERACTIVE,
                                    lane="cpu", on_progress=lambda *_: waker.poke())
        await self.wait(job, report, label=kind, cancel=True, waker=waker)
        result: T = job.future.result()
        return result

    async def wait(self, job: Job, report: Report | None, *, label: str,
                   cancel: bool, waker: _Waker | None = None) -> None:
        """Wait for ``job`` to end, forwarding its progress; on cancellation of the waiting call,
        cancel the job too when ``cancel`` (jobs shared between calls are left running).

        The job's end (and its progress, when it pokes ``waker``) wakes the wait at once; other
        progress is polled every :data:`PROGRESS_EVERY` seconds."""
        waker = waker or _Waker()
        job.future.add_done_callback(lambda _: waker.poke())
        sent = -1.0
        try:
            while not job.future.done():
                await waker.wait(PROGRESS_EVERY)
                if job.future.done():
                    break
                percent = job.percent
                if report is not None and percent is not None and percent > sent:
                    sent = percent
                    await report(percent, f"{label}: {job.message}" if job.message else label)
        except BaseException:
            if cancel and not job.done():
                job.cancel("the MCP client cancelled the call")
            raise

    # -- this session's exclude globs ------------------------------------------------------
    def excluded(self, rel: str) -> bool:
        """Whether this session's ``--exclude`` globs keep ``rel`` out of its answers."""
        if not self.exclude:
            return False
        if self._exclude_spec is None:
            import pathspec

            self._exclude_spec = pathspec.GitIgnoreSpec.from_lines(self.exclude)
        return bool(self._exclude_spec.match_file(rel))


def _checking(session: McpSession, check: Callable[[McpSession], T]
              ) -> Callable[[JobContext], T]:
    """The job that checks a call's arguments."""

    def job(jc: JobContext) -> T:
        return check(session)

    return job


def _working(session: McpSession, work: Callable[[McpCall], T], warnings: list[str],
             checked: Any) -> Callable[[JobContext], T]:
    """The job that answers a call, with its snapshot closed when it ends."""

    def job(jc: JobContext) -> T:
        jc.progress(0, None, "started")
        call = McpCall(session, jc, warnings, checked)
        try:
            return work(call)
        finally:
            call.close()

    return job


class _Waker:
    """Wakes a waiting coroutine from any thread (a job's progress or end)."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._event = anyio.Event()

    def poke(self) -> None:
        """Wake the waiting coroutine (from any thread)."""
        if threading.get_ident() == self._thread:
            self._event.set()
            return
        try:
            self._loop.call_soon_threadsafe(self._event.set)
        except RuntimeError:
            pass  # the event loop is gone: nobody is waiting any more

    async def wait(self, timeout: float) -> None:
        """Until poked, or ``timeout`` seconds."""
        with anyio.move_on_after(timeout):
            await self._event.wait()
        self._event = anyio.Event()


def _log_job(job: Job, event: str) -> None:
    """Log a job's end (how long it ran, and why it failed or stopped)."""
    ms = job.snapshot().run_ms or 0.0
    if event in ("failed", "cancelled"):
        log.info("job %d (%s) %s after %.0f ms: %s", job.id, job.kind, event, ms, job.error)
    elif event == "done":
        log.info("job %d (%s) done in %.0f ms", job.id, job.kind, ms)
