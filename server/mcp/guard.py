"""The MCP server's workspace: its root, the index kept fresh in the background, jobs, path safety.

All blocking work runs as jobs on the shared :class:`~server.scheduler.Scheduler`; a tool call
awaits its job, forwards the job's progress as MCP progress notifications, and cancels the job when
the client cancels the call or goes away.

Index freshness: when no usable index exists (cold), a call waits for the build, reporting its
progress. When one exists, a call never waits for a full re-index: an incremental refresh (walk,
re-read changed files, read new commits) runs at most every :data:`REFRESH_AFTER` seconds, and a
call waits for it at most :data:`REFRESH_WAIT` seconds before answering from the index as it is.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio

from analyzers.cancel import Cancelled
from analyzers.config import Settings
from analyzers.indexing.store import SCHEMA_VERSION, connect_readonly, state_dir
from analyzers.results import IndexReport
from analyzers.secrets import secret_by_name, secret_file_reason, secret_in_content
from analyzers.tokens import Counter
from server.scheduler import Job, JobContext, JobState, Priority, Scheduler

log = logging.getLogger("ctxsteward.mcp")

T = TypeVar("T")

REFRESH_AFTER = 2.0  # seconds: calls closer together than this share one refresh
REFRESH_WAIT = 1.5  # seconds a call waits for a refresh before answering from the index as is
PROGRESS_EVERY = 0.2  # seconds between progress checks while a call waits


class Refused(ValueError):
    """A path argument the server will not touch (outside the workspace, or secret-bearing)."""


class JobFailed(Exception):
    """A job ended without a result: cancelled by the server, or failed unexpectedly."""


class Workspace:
    """One workspace root served over MCP: settings, scheduler, index state."""

    def __init__(self, root: Path, settings: Settings | None = None,
                 exclude: list[str] | None = None) -> None:
        self.root = Path(root).resolve()
        self.settings = settings or Settings()
        self.exclude = list(exclude or [])  # this session's --exclude globs (not the index's)
        self._exclude_spec: Any = None
        self.counter = Counter(self.settings.encoding, self.settings.model_profile())
        self.scheduler: Scheduler | None = None
        self._index_job: Job | None = None
        self._last_refresh = 0.0
        self._lock = threading.Lock()
        self.report: IndexReport | None = None
        self.indexed_at: float | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the scheduler and index in the background (incrementally when warm)."""
        if self.scheduler is None:
            self.scheduler = Scheduler(io_workers=2, name="ctxsteward-mcp")
            self.scheduler.add_listener(_log_job)
        self.index_job()

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True, timeout=5.0)
            self.scheduler = None

    # -- the index -------------------------------------------------------------------------
    def index_usable(self) -> bool:
        """True when a complete index for these settings is on disk (built at least once)."""
        path = state_dir(self.root) / "index.sqlite"
        if not path.is_file():
            return False
        try:
            conn = connect_readonly(path)  # a read-only checkout's index is usable as it is
            try:
                meta = dict(conn.execute(
                    "SELECT key, value FROM meta WHERE key IN"
                    " ('schema_version', 'generation', 'fingerprint')").fetchall())
            finally:
                conn.close()
        except sqlite3.Error:
            return False
        fingerprint = f"{self.settings.encoding}|{self.settings.max_file_size}"
        return (meta.get("schema_version") == str(SCHEMA_VERSION)
                and meta.get("generation") is not None and meta.get("fingerprint") == fingerprint)

    @property
    def refreshing(self) -> bool:
        """True while an index build runs."""
        job = self._index_job
        return job is not None and not job.done()

    def index_job(self) -> Job:
        """The running index job, or a new incremental build."""
        assert self.scheduler is not None, "start() the workspace first"
        with self._lock:
            job = self._index_job
            if job is not None and not job.done():
                return job
            root, settings = self.root, self.settings

            def build_index(ctx: JobContext) -> IndexReport:
                from analyzers.indexing.index import build

                def progress(done: int, total: int, message: str) -> None:
                    ctx.progress(done, total, message)

                report = build(root, settings, token=ctx.token, progress=progress)
                self.report = report
                self.indexed_at = time.time()
                return report

            job = self.scheduler.submit(build_index, kind="index", key="index", lane="io",
                                        priority=Priority.BACKGROUND)
            self._index_job = job
            self._last_refresh = time.monotonic()
            return job

    async def ensure_index(self, report: Callable[[float, str], Any] | None = None) -> list[str]:
        """Make sure an index is there to answer from; return warnings about its state.

        ``report(percent, message)`` is awaited with the build's progress while a call waits.
        """
        warnings: list[str] = []
        if not self.index_usable():
            job = self.index_job()
            try:
                await self.wait(job, report, label="indexing", cancel=False)
            except anyio.get_cancelled_exc_class():
                log.info("a call waiting for the first index was cancelled; indexing goes on")
                raise
            if job.state is not JobState.DONE:
                raise JobFailed(f"indexing {self.root} failed: {job.error or job.state.value}")
        else:
            current = self._index_job
            if current is None or (current.done() and
                                   time.monotonic() - self._last_refresh > REFRESH_AFTER):
                current = self.index_job()
            job = current
            if not job.done():
                with anyio.move_on_after(REFRESH_WAIT):
                    await self.wait(job, report, label="refreshing the index", cancel=False)
            if not job.done():
                when = (time.strftime("%H:%M:%S", time.localtime(self.indexed_at))
                        if self.indexed_at else "its last build")
                warnings.append(f"answered from the index as of {when}; a refresh is running")
            elif job.state is not JobState.DONE:
                warnings.append(f"the index refresh failed ({job.error}); answered from the "
                                "previous index")
        if self.report is not None:
            warnings.extend(self.report.warnings)
        return warnings

    # -- jobs ------------------------------------------------------------------------------
    async def run(self, kind: str, fn: Callable[[JobContext], T],
                  report: Callable[[float, str], Any] | None = None) -> T:
        """Run ``fn`` as an interactive job and await its result; cancel it if the call ends."""
        assert self.scheduler is not None, "start() the workspace first"
        waker = _Waker()
        job = self.scheduler.submit(fn, kind=f"mcp:{kind}", priority=Priority.INTERACTIVE,
                                    lane="cpu", on_progress=lambda *_: waker.poke())
        await self.wait(job, report, label=kind, cancel=True, waker=waker)
        try:
            return job.future.result()
        except Cancelled as e:
            raise JobFailed(f"{kind} was stopped: {e}") from e

    async def wait(self, job: Job, report: Callable[[float, str], Any] | None, *, label: str,
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

    def excluded(self, rel: str) -> bool:
        """Whether this session's ``--exclude`` globs keep ``rel`` out of its answers."""
        if not self.exclude:
            return False
        if self._exclude_spec is None:
            import pathspec

            self._exclude_spec = pathspec.GitIgnoreSpec.from_lines(self.exclude)
        return bool(self._exclude_spec.match_file(rel))

    # -- path safety -----------------------------------------------------------------------
    def relative(self, raw: str, *, what: str = "path", redactable: bool = False) -> str:
        """``raw`` (relative to the root, or absolute inside it) as a root-relative path.

        Refuses paths outside the workspace (symlinks resolved) and secret-bearing files: with
        ``redactable`` (a bundle's seed, shown with its secret values masked), only those secret
        by name or secret material as a whole; else any file holding a secret.
        """
        if not isinstance(raw, str) or not raw.strip():
            raise Refused(f"{what} is empty")
        if "\0" in raw:
            raise Refused(f"{what} {raw!r} contains a NUL byte")
        p = Path(raw.strip())
        full = p if p.is_absolute() else self.root / p
        try:
            rel = full.resolve().relative_to(self.root).as_posix()
        except ValueError:
            raise Refused(f"refused: {what} {raw!r} is outside the workspace {self.root}") from None
        except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python < 3.13)
            problem = "a symlink that never resolves" if isinstance(e, RuntimeError) else str(e)
            raise Refused(f"{what} {raw!r}: {problem}") from None
        rel = "." if rel in ("", ".") else rel
        if rel == ".ctxsteward" or rel.startswith(".ctxsteward/") or rel == ".git" \
                or rel.startswith(".git/"):
            raise Refused(f"refused: {what} {raw!r} is inside {rel.split('/')[0]}/, not the "
                          "workspace's files")
        why = secret_by_name(rel)
        if why is None and (self.root / rel).is_file():
            why = (secret_file_reason(self.root, rel) if redactable
                   else secret_in_content(self.root / rel))
        if why:
            raise Refused(f"refused: {what} {raw!r} may hold secrets ({why})")
        return rel

    def seed(self, spec: str) -> str:
        """A seed (``PATH``, ``PATH:LINE`` or ``PATH::SYMBOL``) with its path checked."""
        raw = spec.strip() if isinstance(spec, str) else ""
        path, sep, rest = raw.partition("::")
        if not sep:
            m = re.match(r"^(.*):(\d+)$", raw)
            if m:
                path, sep, rest = m.group(1), ":", m.group(2)
        rel = self.relative(path, what="seed", redactable=True)
        return f"{rel}{sep}{rest}" if sep else rel


class _Waker:
    """Wakes a waiting coroutine from any thread (a job's progress or end)."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._event = anyio.Event()

    def poke(self) -> None:
        if threading.get_ident() == self._thread:
            self._event.set()
            return
        try:
            self._loop.call_soon_threadsafe(self._event.set)
        except RuntimeError:
            pass  # the event loop is gone: nobody is waiting any more

    async def wait(self, timeout: float) -> None:
        with anyio.move_on_after(timeout):
            await self._event.wait()
        self._event = anyio.Event()


def _log_job(job: Job, event: str) -> None:
    ms = job.snapshot().run_ms or 0.0
    if event in ("failed", "cancelled"):
        log.info("job %d (%s) %s after %.0f ms: %s", job.id, job.kind, event, ms, job.error)
    elif event == "done":
        log.info("job %d (%s) done in %.0f ms", job.id, job.kind, ms)
