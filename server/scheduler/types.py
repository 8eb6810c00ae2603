"""What the scheduler shows the outside world: job states, priorities and snapshots (pydantic)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from pydantic import BaseModel, Field


class Priority(IntEnum):
    """Lower runs first: a request the user waits for, then open files, then background work."""

    INTERACTIVE = 0
    OPEN_FILE = 1
    BACKGROUND = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class JobSnapshot(BaseModel):
    """One job as the ``ctxsteward/jobs`` request reports it."""

    id: int
    kind: str = Field(description="What the job does, e.g. 'index', 'hover', 'analyse-buffer'.")
    key: str | None = Field(default=None, description="Superseding key: a newer job with the "
                            "same key cancels (or follows) this one.")
    state: JobState
    priority: str = Field(description="interactive, open_file or background")
    lane: str = Field(description="'cpu' (bounded by the machine's cores) or 'io'")
    attempts: int = Field(description="Times the job started (more than 1 after retries).")
    depends_on: list[int] = Field(default_factory=list)
    submitted_at: float = Field(description="Unix time the job was submitted.")
    queued_ms: float = Field(description="Time spent waiting (so far, when still queued).")
    run_ms: float | None = Field(default=None, description="Time spent running (so far).")
    deadline_ms: float | None = Field(default=None, description="The deadline, from submission.")
    progress: float | None = Field(default=None, description="Percent done, when reported.")
    message: str = ""
    error: str | None = Field(default=None, description="Why it failed or was cancelled.")
    deadline_exceeded: bool = False


class LaneLoad(BaseModel):
    lane: str
    workers: int
    busy: int
    background_cap: int = Field(description="At most this many background jobs run at once, "
                                "so interactive work always finds a free worker.")


class JobsReport(BaseModel):
    """``ctxsteward/jobs``: live jobs first (running, then queued), then recently finished ones."""

    jobs: list[JobSnapshot]
    counts: dict[str, int] = Field(description="Jobs per state among those listed.")
    lanes: list[LaneLoad]
