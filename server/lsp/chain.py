"""Running command jobs in order, and after the index build they need.

Commands that change shared state (the current bundle) must take effect in the order the client sent
them, even though the scheduler runs jobs on several workers: a :class:`Chain` makes each job depend
on the one submitted before it. A job whose dependency failed or was cancelled is cancelled by the
scheduler; the chain then runs it again without that dependency, so one failed command never
swallows the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any, Literal, TypeVar

from server.lsp.args import BY_CLIENT
from server.lsp.lanes import INDEX_KEY
from server.lsp.state import ServerState
from server.scheduler import Job, JobContext, JobState, Priority

T = TypeVar("T")


def index_deps(state: ServerState) -> list[Job]:
    """The running (or queued) index build, for a job that needs the whole index current."""
    latest = state.scheduler.latest(INDEX_KEY)
    return [latest] if latest is not None and not latest.state.finished else []


def _hook(job: Job, request: Future[Any] | asyncio.Future[Any] | None) -> None:
    if request is None:
        return

    def on_done(f: Any) -> None:
        if f.cancelled():
            job.cancel(BY_CLIENT)

    request.add_done_callback(on_done)


async def run_after(state: ServerState, fn: Callable[[JobContext], T], *, kind: str,
                    depends_on: Iterable[Job] = (), lane: Literal["cpu", "io"] = "cpu",
                    priority: Priority = Priority.INTERACTIVE, deadline: float | None = None,
                    request: Future[Any] | asyncio.Future[Any] | None = None,
                    chain: Chain | None = None) -> T:
    """Run ``fn`` on the scheduler once ``depends_on`` (and the chain's previous job) ended.

    A dependency that failed or was cancelled does not cancel this work: it runs again without it
    (the request's own cancellation still stops it).
    """
    deps = [d for d in depends_on if not d.state.finished]
    if chain is not None and chain.last is not None and not chain.last.state.finished:
        deps.append(chain.last)
    for attempt in (0, 1):
        job = state.scheduler.submit(
            fn, kind=kind, priority=priority, lane=lane, depends_on=deps,
            deadline=deadline)
        if chain is not None:
            chain.last = job
        _hook(job, request)
        ended = asyncio.wrap_future(job.future)
        try:
            await asyncio.wait({ended})
        except asyncio.CancelledError:
            ended.cancel()
            job.cancel(BY_CLIENT)
            raise
        cancelled_by_client = request is not None and request.cancelled()
        if attempt == 0 and deps and _dependency_ended(job) and not cancelled_by_client:
            deps = []
            continue
        return ended.result()  # the job's value, or why it stopped (converted by the caller)
    raise AssertionError("unreachable")


def _dependency_ended(job: Job) -> bool:
    """Whether ``job`` was cancelled because a job it depends on failed or was cancelled."""
    return job.state is JobState.CANCELLED and "depends on" in (job.error or "")


class Chain:
    """The last job of an ordered series (see the module documentation)."""

    def __init__(self) -> None:
        self.last: Job | None = None
