"""The built-in job scheduler the servers delegate all work to (see :mod:`.core`)."""

from .core import Listener, Scheduler
from .job import DependencyCycle, DependencyFailed, Job, JobContext
from .models import JobSnapshot, JobsReport, JobState, LaneLoad, Priority
from .retry import Transient, backoff_delay, is_transient

__all__ = [
    "DependencyCycle", "DependencyFailed", "Job", "JobContext", "JobSnapshot", "JobState",
    "JobsReport", "LaneLoad", "Listener", "Priority", "Scheduler", "Transient", "backoff_delay",
    "is_transient",
]
