"""How the language server's work runs: its lane, priority, deadline and superseding key.

A :class:`Work` is one kind of work. Its lane is ``inline`` (answered on the message loop, no job:
only what must answer even when every worker is busy, or only captures the request) or a lane of
:mod:`server.scheduler` (``cpu``: parsing, counting, ranking; ``io``: the index, files and git).
Its priority orders the queue (a request the user waits for, then open files, then background
work); past its deadline a job is cancelled and reported. A ``key`` ties work of one kind for one
thing (``analyse:{uri}``): newer work with the key cancels the older job (``supersede="cancel"``)
or waits for it (``"wait"``).

Requests, notifications and commands state theirs in :data:`server.lsp.dispatch.ROUTES`; the
work the server starts on its own is listed here (:data:`JOBS`), so that the two tables together
say how everything the server does is scheduled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from server.scheduler import Job, JobContext, Priority, Scheduler

Lane = Literal["inline", "cpu", "io"]


@dataclass(frozen=True, slots=True)
class Work:
    """One kind of work and how it is scheduled (see the module doc)."""

    kind: str
    lane: Lane
    priority: Priority = Priority.INTERACTIVE
    deadline: float | None = None  # seconds; None: none
    key: str | None = None  # a template ("analyse:{uri}"): newer work supersedes older
    supersede: Literal["cancel", "wait"] = "cancel"
    retries: int = 0  # re-runs of a job that failed with a transient error
    backoff: float = 0.5  # seconds before the first retry (doubled each time)

    def key_for(self, uri: str = "") -> str:
        """The key of this work for ``uri`` (work of a kind without a key has none)."""
        if self.key is None:
            raise ValueError(f"{self.kind} work has no key")
        return self.key.format(uri=uri)

    def job_lane(self) -> Literal["cpu", "io"]:
        """The scheduler lane of this work (inline work has none)."""
        if self.lane == "inline":
            raise ValueError(f"{self.kind} runs inline on the message loop, not as a job")
        return self.lane

    def submit(self, scheduler: Scheduler, fn: Callable[[JobContext], Any], *, uri: str = "",
               delay: float = 0.0, priority: Priority | None = None,
               depends_on: Iterable[Job | str] = (),
               on_progress: Callable[[Job, float | None, str], None] | None = None) -> Job:
        """Queue ``fn`` as this kind of work (``uri`` fills the key; ``priority`` overrides)."""
        return scheduler.submit(
            fn, kind=self.kind, priority=self.priority if priority is None else priority,
            lane=self.job_lane(), key=self.key_for(uri) if self.key else None,
            supersede=self.supersede, delay=delay, deadline=self.deadline,
            retries=self.retries, backoff=self.backoff, depends_on=depends_on,
            on_progress=on_progress)


# -- the work the server starts on its own ------------------------------------------------------
# The index: coalesced (one build runs, at most one waits), retried when the cache is busy.
INDEX_KEY = "index"
INDEX = Work("index", "io", Priority.BACKGROUND, key=INDEX_KEY, supersede="wait",
             retries=3)
# An open document's facts (definitions, tokens), after each edit (debounced by the caller).
ANALYSE_BUFFER = Work("analyse-buffer", "cpu", Priority.OPEN_FILE, 30.0, key="analyse:{uri}")
# Pushed diagnostics of an open instruction file.
CHECK_BUFFER = Work("check-instructions", "io", Priority.OPEN_FILE, 60.0, key="check:{uri}",
                    retries=2)
# The current context bundle again, after the index changed.
BUNDLE_REFRESH = Work("bundle-refresh", "cpu", Priority.BACKGROUND, 120.0, key="bundle-refresh")
# The current bundle kept by the last server on this folder, once the first index is usable.
BUNDLE_RESTORE = Work("bundle-restore", "cpu", Priority.BACKGROUND, 120.0)
# The workspace's instruction files (unopened ones too), after the first index and each change.
CHECK_WORKSPACE = Work("check-workspace", "io", Priority.BACKGROUND, 300.0,
                       key="check-workspace")
# The token encoding loaded once the workspace is open, before the first request needs it.
WARM_UP = Work("warm-up", "cpu", Priority.BACKGROUND)
# The handoff note written to disk, for a client that takes no workspace edits.
HANDOFF_WRITE = Work("handoff-write", "io", Priority.INTERACTIVE, 30.0)

JOBS: tuple[Work, ...] = (INDEX, ANALYSE_BUFFER, CHECK_BUFFER, BUNDLE_REFRESH, BUNDLE_RESTORE,
                          CHECK_WORKSPACE, WARM_UP, HANDOFF_WRITE)
