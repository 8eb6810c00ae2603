"""The scheduler: priority lanes of workers, superseding keys, deadlines, retries, dependencies.

Two lanes of worker threads run jobs: ``cpu`` (never more threads than the machine has cores) and
``io`` (git, file system, and orchestration such as the index build, whose parse burst runs in its
own bounded process pool). Within a lane a free worker takes the most urgent runnable job:
interactive before open-file analysis before background work, first come first served within a
priority. Background jobs never occupy every worker of a lane, so a request the user waits for
always finds one free (unless the lane has a single worker).

A job is runnable when its debounce delay (or retry backoff) has passed and every job it depends on
is done. A dependency may be a job or a *key*: a key names the newest job submitted with it, so a
job waiting on ``"analyse:file.py"`` follows the analysis of the newest buffer version. A job that
would wait on itself through its dependencies is refused with :class:`DependencyCycle`; a job whose
dependency fails or is cancelled is cancelled. A queued job that a more urgent one waits on inherits
that urgency (and skips its debounce delay), so priorities are never inverted.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, InvalidStateError
from typing import Any, Literal

from analyzers.cancel import Cancelled, CancelToken
from server.scheduler.job import DependencyCycle, Job, JobContext, ProgressCallback
from server.scheduler.retry import backoff_delay, is_transient
from server.scheduler.types import JobsReport, JobState, LaneLoad, Priority

Listener = Callable[[Job, str], None]
"""Called outside the scheduler's lock with (job, event); events: queued, started, retry, done,
failed, cancelled."""

_Resolver = Callable[[], None]


class _Lane:
    __slots__ = ("background_cap", "buckets", "busy", "busy_background", "name", "threads",
                 "workers")

    def __init__(self, name: str, workers: int, reserve: int) -> None:
        self.name = name
        self.workers = max(1, workers)
        self.background_cap = max(1, self.workers - reserve)
        self.busy = 0
        self.busy_background = 0
        self.buckets: dict[Priority, deque[Job]] = {p: deque() for p in Priority}
        self.threads: list[threading.Thread] = []


class Scheduler:
    """Runs jobs on bounded worker lanes; see the module documentation for the rules."""

    def __init__(
        self,
        *,
        cpu_workers: int | None = None,
        io_workers: int = 4,
        reserve_interactive: int = 1,
        keep_finished: int = 200,
        name: str = "ctxsteward",
    ) -> None:
        cores = os.cpu_count() or 1
        cpu = min(cores, cpu_workers or cores)
        self._cond = threading.Condition()
        self._lanes = {
            "cpu": _Lane("cpu", cpu, reserve_interactive),
            "io": _Lane("io", max(1, io_workers), reserve_interactive),
        }
        self._live: dict[int, Job] = {}
        self._finished: deque[Job] = deque(maxlen=keep_finished)
        self._last_of_kind: dict[str, Job] = {}  # so a rare kind never drops out of sight
        self._by_key: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._deadlines: list[tuple[float, int, Job]] = []
        self._watch_wake = threading.Event()
        self._listeners: list[Listener] = []
        self._closed = False
        for lane in self._lanes.values():
            for i in range(lane.workers):
                t = threading.Thread(target=self._worker, args=(lane,), daemon=True,
                                     name=f"{name}-{lane.name}-{i}")
                lane.threads.append(t)
                t.start()
        self._watchdog = threading.Thread(target=self._watch, daemon=True, name=f"{name}-deadlines")
        self._watchdog.start()

    # -- public API --------------------------------------------------------------------------
    @property
    def cpu_workers(self) -> int:
        return self._lanes["cpu"].workers

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def submit(
        self,
        fn: Callable[[JobContext], Any],
        *,
        kind: str,
        priority: Priority = Priority.BACKGROUND,
        lane: Literal["cpu", "io"] = "cpu",
        key: str | None = None,
        supersede: Literal["cancel", "wait"] = "cancel",
        delay: float = 0.0,
        deadline: float | None = None,
        retries: int = 0,
        backoff: float = 0.1,
        depends_on: Iterable[Job | str] = (),
        on_progress: ProgressCallback | None = None,
    ) -> Job:
        """Queue ``fn(ctx)`` and return its :class:`Job` handle.

        ``key``: an older unfinished job with the same key is cancelled (``supersede="cancel"``),
        or, with ``supersede="wait"``, dropped when still queued and otherwise left to finish before
        this one starts. ``delay`` debounces: the job waits that long first, so a burst of
        submissions with one key runs once. ``deadline`` (seconds from now) cancels the job, queued
        or running, once it passes, and reports it. ``retries`` re-runs a job that failed with a
        transient error (:func:`~server.scheduler.retry.is_transient`), ``backoff`` seconds doubled
        each time. ``depends_on``: jobs or keys this job waits for.
        """
        if lane not in self._lanes:
            raise ValueError(f"unknown lane {lane!r}; use 'cpu' or 'io'")
        now = time.monotonic()
        resolvers: list[_Resolver] = []
        with self._cond:
            if self._closed:
                raise RuntimeError("the scheduler is shut down")
            job_id = next(self._ids)
            abs_deadline = now + deadline if deadline is not None else None
            job = Job(
                id=job_id, kind=kind, fn=fn, priority=Priority(priority), lane=lane, key=key,
                token=CancelToken(deadline=abs_deadline), future=Future(),
                deps=list(depends_on), retries=max(0, retries), backoff=max(0.0, backoff),
                deadline=abs_deadline, deadline_s=deadline, not_before=now + max(0.0, delay),
                on_progress=on_progress, submitted=now,
            )
            job._scheduler = self
            old = self._by_key.get(key) if key is not None else None
            if old is not None and old.state.finished:
                old = None
            replaced = None
            if old is not None:
                if supersede == "cancel" or old.state is JobState.QUEUED:
                    replaced = old
                    if supersede == "wait":  # still wait for what the dropped one waited for
                        job.after.extend(a for a in old.after if not a.state.finished)
                else:
                    job.after.append(old)
            self._check_cycle(job, replaced)
            self._live[job.id] = job
            if key is not None:
                self._by_key[key] = job
                if len(self._by_key) > 4096:
                    self._prune_keys()
            if replaced is not None:
                replaced.superseded_by = job
                if replaced.priority < job.priority:
                    job.priority = replaced.priority
                if replaced.not_before <= now and replaced.attempts == 0:
                    job.not_before = min(job.not_before, replaced.not_before)
                r = self._cancel_locked(replaced, f"superseded by job {job.id}")
                if r is not None:
                    resolvers.append(r)
            self._lanes[lane].buckets[job.priority].append(job)
            self._inherit(job, now)
            if abs_deadline is not None:
                heapq.heappush(self._deadlines, (abs_deadline, job.id, job))
                self._watch_wake.set()
            self._cond.notify_all()
        job.future.add_done_callback(self._on_future_done(job))
        self._emit(job, "queued")
        for r in resolvers:
            r()
        return job

    def cancel(self, job: Job, reason: str = "cancelled") -> None:
        """Cancel ``job``: a queued job ends now; a running one at its next token check."""
        with self._cond:
            r = self._cancel_locked(job, reason)
            self._cond.notify_all()
        if r is not None:
            r()

    def cancel_key(self, key: str, reason: str = "cancelled") -> None:
        with self._cond:
            job = self._by_key.get(key)
        if job is not None:
            self.cancel(job, reason)

    def resolve(self, dep: Job | str) -> Job | None:
        """The job a dependency stands for now: a key's newest job, a superseded job's successor."""
        if isinstance(dep, str):
            return self._by_key.get(dep)
        t = dep
        while t.superseded_by is not None:
            t = t.superseded_by
        return t

    def latest(self, key: str) -> Job | None:
        with self._cond:
            return self._by_key.get(key)

    def snapshot(self, finished: int = 50) -> JobsReport:
        """Live jobs (running first), then up to ``finished`` finished ones, newest first, then
        the last finished job of every kind not listed yet (the last index build stays visible
        however many hovers followed it)."""
        now = time.monotonic()
        with self._cond:
            live = sorted(self._live.values(),
                          key=lambda j: (j.state is not JobState.RUNNING, j.priority, j.id))
            done = list(self._finished)[::-1][: max(0, finished)]
            kinds = {j.kind for j in live} | {j.kind for j in done}
            done += sorted((j for k, j in self._last_of_kind.items() if k not in kinds),
                           key=lambda j: -j.id)
            snaps = [j.snapshot(now) for j in live + done]
            lanes = [LaneLoad(lane=ln.name, workers=ln.workers, busy=ln.busy,
                              background_cap=ln.background_cap) for ln in self._lanes.values()]
        counts: dict[str, int] = {}
        for s in snaps:
            counts[s.state.value] = counts.get(s.state.value, 0) + 1
        return JobsReport(jobs=snaps, counts=counts, lanes=lanes)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._live, timeout)

    def shutdown(self, *, wait: bool = True, timeout: float = 5.0) -> None:
        """Cancel every job and stop the workers (joining them for up to ``timeout`` seconds)."""
        resolvers = []
        with self._cond:
            if self._closed:
                return
            self._closed = True
            for job in list(self._live.values()):
                r = self._cancel_locked(job, "server shutting down")
                if r is not None:
                    resolvers.append(r)
            self._cond.notify_all()
        self._watch_wake.set()
        for r in resolvers:
            r()
        if wait:
            end = time.monotonic() + timeout
            for lane in self._lanes.values():
                for t in lane.threads:
                    t.join(max(0.0, end - time.monotonic()))

    # -- dependencies ------------------------------------------------------------------------
    def _targets(self, job: Job, new: Job | None = None,
                 replaced: Job | None = None) -> list[Job]:
        """Unfinished jobs ``job`` waits on, as if ``new`` replaced ``replaced``."""
        out = []
        for d in job.deps:
            if isinstance(d, str):
                t = new if new is not None and d == new.key else self._by_key.get(d)
            else:
                t = self.resolve(d)
                if replaced is not None and t is replaced:
                    t = new
            if t is not None and not t.state.finished:
                out.append(t)
        out.extend(a for a in job.after if not a.state.finished)
        return out

    def _check_cycle(self, job: Job, replaced: Job | None) -> None:
        seen: set[int] = set()
        stack: list[tuple[Job, tuple[int, ...]]] = [(job, (job.id,))]
        while stack:
            j, path = stack.pop()
            for t in self._targets(j, job, replaced):
                if t is job:
                    chain = " -> ".join(f"job {i}" for i in (*path, job.id))
                    raise DependencyCycle(
                        f"job {job.id} ({job.kind}) would wait on itself: {chain}")
                if t.id not in seen:
                    seen.add(t.id)
                    stack.append((t, (*path, t.id)))

    def _inherit(self, job: Job, now: float) -> None:
        """Queued jobs ``job`` waits on take its priority, and skip debouncing for urgent work."""
        seen: set[int] = set()
        stack = [job]
        while stack:
            j = stack.pop()
            for t in self._targets(j):
                if t.id in seen:
                    continue
                seen.add(t.id)
                if t.state is JobState.QUEUED:
                    if t.priority > job.priority:
                        t.priority = job.priority
                        self._lanes[t.lane].buckets[t.priority].append(t)
                    if job.priority is Priority.INTERACTIVE and t.attempts == 0:
                        t.not_before = min(t.not_before, now)
                stack.append(t)

    def _dep_status(self, job: Job) -> tuple[bool, str | None]:
        """(ready, why it can never run)."""
        for d in job.deps:
            t = self.resolve(d)
            if t is None or t is job or t.state is JobState.DONE:
                continue
            if t.state in (JobState.FAILED, JobState.CANCELLED):
                return False, f"job {t.id} ({t.kind}) it depends on {t.state.value}: {t.error}"
            return False, None
        if any(not a.state.finished for a in job.after):
            return False, None
        return True, None

    def _prune_keys(self) -> None:
        for k in [k for k, j in self._by_key.items() if j.state.finished]:
            del self._by_key[k]

    # -- running -----------------------------------------------------------------------------
    def _pick(self, lane: _Lane, now: float) -> tuple[Job | None, float | None, list[_Resolver]]:
        wake: float | None = None
        resolvers: list[_Resolver] = []
        for prio in Priority:
            if prio is Priority.BACKGROUND and lane.busy_background >= lane.background_cap:
                continue
            bucket = lane.buckets[prio]
            stale: list[Job] = []
            chosen = None
            for job in bucket:
                if job.state is not JobState.QUEUED or job.priority is not prio:
                    stale.append(job)
                    continue
                if job.not_before > now:
                    wake = job.not_before if wake is None else min(wake, job.not_before)
                    continue
                ready, failure = self._dep_status(job)
                if failure is not None:
                    stale.append(job)
                    job.token.cancel(failure)
                    r = self._finalize_locked(job, JobState.CANCELLED, error=failure)
                    if r is not None:
                        resolvers.append(r)
                    continue
                if ready:
                    chosen = job
                    break
            for s in stale:
                bucket.remove(s)
            if chosen is not None:
                bucket.remove(chosen)
                return chosen, wake, resolvers
        return None, wake, resolvers

    def _worker(self, lane: _Lane) -> None:
        while True:
            job = None
            with self._cond:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    job, wake, resolvers = self._pick(lane, now)
                    if job is not None or resolvers:
                        break
                    self._cond.wait(None if wake is None else max(0.0, wake - now) + 0.0005)
                if job is not None:
                    background = job.priority is Priority.BACKGROUND
                    lane.busy += 1
                    lane.busy_background += background
                    job.state = JobState.RUNNING
                    job.attempts += 1
                    if job.started is None:
                        job.started = now
            for r in resolvers:
                r()
            if job is None:
                continue
            try:
                self._emit(job, "started")
                self._execute(job)
            finally:
                with self._cond:
                    lane.busy -= 1
                    lane.busy_background -= background
                    self._cond.notify_all()

    def _execute(self, job: Job) -> None:
        try:
            job.token.check()
            value = job.fn(JobContext(job))
        except Cancelled as e:
            self._settle(job, JobState.CANCELLED, error=self._cancel_reason(job, str(e)))
        except Exception as e:  # noqa: BLE001 - a job's failure is recorded, never raised here
            if is_transient(e) and job.attempts <= job.retries and not job.token.cancelled:
                self._requeue(job, e)
            else:
                self._settle(job, JobState.FAILED, error=f"{type(e).__name__}: {e}", exc=e)
        else:
            if job.token.cancelled:
                self._settle(job, JobState.CANCELLED, error=self._cancel_reason(job, ""))
            else:
                self._settle(job, JobState.DONE, value=value)

    @staticmethod
    def _cancel_reason(job: Job, fallback: str) -> str:
        reason = job.token.reason or fallback or "cancelled"
        if reason == "deadline exceeded" and job.deadline is not None:
            job.deadline_exceeded = True  # the token noticed the deadline before the watchdog
            return f"deadline exceeded ({job.deadline_s:g} s)"
        return reason

    def _requeue(self, job: Job, exc: Exception) -> None:
        with self._cond:
            if job.state.finished:
                return
            delay = backoff_delay(job.attempts, job.backoff)
            job.state = JobState.QUEUED
            job.not_before = time.monotonic() + delay
            job.error = f"{type(exc).__name__}: {exc}"
            job.message = f"attempt {job.attempts} failed; retrying in {delay:.2f} s"
            self._lanes[job.lane].buckets[job.priority].append(job)
            self._cond.notify_all()
        self._emit(job, "retry")

    def _settle(self, job: Job, state: JobState, *, value: Any = None, error: str | None = None,
                exc: BaseException | None = None) -> None:
        with self._cond:
            r = self._finalize_locked(job, state, value=value, error=error, exc=exc)
            self._cond.notify_all()
        if r is not None:
            r()

    def _cancel_locked(self, job: Job, reason: str) -> _Resolver | None:
        if job.state.finished:
            return None
        job.token.cancel(reason)
        if job.state is JobState.QUEUED:
            return self._finalize_locked(job, JobState.CANCELLED, error=reason)
        return None  # running: it stops at its next check and settles then

    def _finalize_locked(self, job: Job, state: JobState, *, value: Any = None,
                         error: str | None = None,
                         exc: BaseException | None = None) -> _Resolver | None:
        """Record the outcome (under the lock); return what to run once the lock is released."""
        if job.state.finished:
            return None
        job.state = state
        job.finished = time.monotonic()
        job.result_value = value
        job.error = error if state is not JobState.DONE else None
        if state is JobState.DONE and job.percent is not None:
            job.percent = 100.0
        self._live.pop(job.id, None)
        self._finished.append(job)
        self._last_of_kind[job.kind] = job

        def resolve() -> None:
            fut = job.future
            try:
                if state is JobState.DONE:
                    fut.set_result(value)
                elif state is JobState.FAILED:
                    fut.set_exception(exc if exc is not None else RuntimeError(error or "failed"))
                else:
                    fut.set_exception(Cancelled(error or "cancelled"))
            except InvalidStateError:
                pass  # the caller cancelled the future itself
            self._emit(job, state.value)

        return resolve

    def _on_future_done(self, job: Job) -> Callable[[Future[Any]], None]:
        def done(fut: Future[Any]) -> None:
            if fut.cancelled() and not job.state.finished:
                self.cancel(job, "cancelled by its caller")
        return done

    def _watch(self) -> None:
        """Cancel jobs past their deadline, queued or running, and report them."""
        while True:
            resolvers: list[_Resolver] = []
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, _, job = heapq.heappop(self._deadlines)
                    if job.state.finished:
                        continue
                    job.deadline_exceeded = True
                    reason = f"deadline exceeded ({job.deadline_s:g} s)"
                    job.token.cancel(reason)
                    r = self._finalize_locked(job, JobState.CANCELLED, error=reason)
                    if r is not None:
                        resolvers.append(r)
                timeout = self._deadlines[0][0] - now if self._deadlines else None
                self._watch_wake.clear()
                if resolvers:
                    self._cond.notify_all()
            for r in resolvers:
                r()
            if not resolvers:
                self._watch_wake.wait(timeout)

    def _emit(self, job: Job, event: str) -> None:
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a listener's failure never reaches a job
                listener(job, event)
