"""The built-in job scheduler the servers delegate all work to (see :mod:`.core`)."""

from server.scheduler.core import Listener, Scheduler
from server.scheduler.job import DependencyCycle, DependencyFailed, Job, JobContext
from server.scheduler.retry import Transient, backoff_delay, is_transient
from server.scheduler.types import JobSnapshot, JobsReport, JobState, LaneLoad, Priority

__all__ = [
    "DependencyCycle", "DependencyFailed", "Job", "JobContext", "JobSnapshot", "JobState",
    "JobsReport", "LaneLoad", "Listener", "Priority", "Scheduler", "Transient", "backoff_delay",
    "is_transient",
]
