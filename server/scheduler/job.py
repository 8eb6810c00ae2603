"""One unit of scheduled work: its function, token, state, timings and the handle callers keep."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analyzers.cancel import CancelToken
from server.scheduler.types import JobSnapshot, JobState, Priority

if TYPE_CHECKING:
    from server.scheduler.core import Scheduler

ProgressCallback = Callable[["Job", float | None, str], None]
"""Called from the job's thread with (job, percent or None, message)."""


class DependencyCycle(ValueError):
    """Submitting the job would make jobs wait on each other in a circle."""


class DependencyFailed(Exception):
    """A job this one waits on failed or was cancelled."""


@dataclass(eq=False)
class Job:
    """A scheduled job; also the handle :meth:`Scheduler.submit` returns.

    Callers read ``id``, ``kind``, ``state``, ``future``, and call :meth:`cancel` or
    :meth:`result`. Everything else belongs to the scheduler.
    """

    id: int
    kind: str
    fn: Callable[[JobContext], Any]
    priority: Priority
    lane: str
    key: str | None
    token: CancelToken
    future: Future[Any]
    deps: list[Job | str] = field(default_factory=list)
    after: list[Job] = field(default_factory=list)  # wait for these to end, whatever the outcome
    retries: int = 0
    backoff: float = 0.1
    deadline: float | None = None  # absolute, time.monotonic()
    deadline_s: float | None = None
    not_before: float = 0.0
    on_progress: ProgressCallback | None = None
    state: JobState = JobState.QUEUED
    attempts: int = 0
    submitted: float = field(default_factory=time.monotonic)
    submitted_wall: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    percent: float | None = None
    message: str = ""
    error: str | None = None
    deadline_exceeded: bool = False
    superseded_by: Job | None = None
    result_value: Any = None
    _scheduler: Scheduler | None = None

    # -- handle API ------------------------------------------------------------------------
    def cancel(self, reason: str = "cancelled") -> None:
        if self._scheduler is not None:
            self._scheduler.cancel(self, reason)
        else:
            self.token.cancel(reason)

    def result(self, timeout: float | None = None) -> Any:
        """The job's result; raises :class:`~analyzers.cancel.Cancelled` or the job's error."""
        return self.future.result(timeout)

    def done(self) -> bool:
        return self.state.finished

    # -- reporting -------------------------------------------------------------------------
    def snapshot(self, now: float | None = None) -> JobSnapshot:
        now = time.monotonic() if now is None else now
        began = self.started if self.started is not None else (self.finished or now)
        run_ms = None
        if self.started is not None:
            run_ms = ((self.finished or now) - self.started) * 1000.0
        deps = []
        for d in self.deps:
            if isinstance(d, Job):
                deps.append(d.id)
        deps.extend(a.id for a in self.after)
        return JobSnapshot(
            id=self.id, kind=self.kind, key=self.key, state=self.state,
            priority=self.priority.label, lane=self.lane, attempts=self.attempts,
            depends_on=deps, submitted_at=self.submitted_wall,
            queued_ms=round(max(0.0, began - self.submitted) * 1000.0, 3),
            run_ms=None if run_ms is None else round(run_ms, 3),
            deadline_ms=None if self.deadline_s is None else self.deadline_s * 1000.0,
            progress=self.percent, message=self.message, error=self.error,
            deadline_exceeded=self.deadline_exceeded,
        )


class JobContext:
    """What a running job receives: its cancellation token, progress reporting, dependency results.

    Long jobs call :meth:`check` (or ``ctx.token.check()``) between units of work.
    """

    __slots__ = ("job",)

    def __init__(self, job: Job) -> None:
        self.job = job

    @property
    def token(self) -> CancelToken:
        return self.job.token

    @property
    def id(self) -> int:
        return self.job.id

    def check(self) -> None:
        self.job.token.check()

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        """Report ``done`` of ``total`` units (or a percentage when ``total`` is None)."""
        if total is None:
            percent: float | None = max(0.0, min(100.0, float(done)))
        elif total > 0:
            percent = max(0.0, min(100.0, 100.0 * done / total))
        else:
            percent = None
        self.job.percent = None if percent is None else round(percent, 1)
        self.job.message = message
        cb = self.job.on_progress
        if cb is not None:
            with contextlib.suppress(Exception):  # a reporting failure never fails the job
                cb(self.job, self.job.percent, message)

    def dependency_results(self) -> list[Any]:
        """Results of the jobs given as ``depends_on`` (keys resolved to their newest job)."""
        out = []
        for d in self.job.deps:
            target = self.job._scheduler.resolve(d) if self.job._scheduler else None
            out.append(None if target is None else target.result_value)
        return out
