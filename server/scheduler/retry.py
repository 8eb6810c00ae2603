"""Which failures are worth retrying, and how long to wait before the next attempt."""

from __future__ import annotations

import sqlite3

MAX_BACKOFF = 30.0


class Transient(Exception):
    """Raise (or wrap) a failure that may go away by itself; the scheduler retries it."""


_TRANSIENT_MARKERS = (
    "index.lock",  # another git process holds the index
    "unable to create",  # "... .lock': File exists"
    "database is locked",
    "database table is locked",
    "resource temporarily unavailable",
)


def is_transient(exc: BaseException) -> bool:
    """True for failures a later attempt may not meet: a git lock, a busy SQLite database."""
    if isinstance(exc, Transient):
        return True
    if isinstance(exc, (BlockingIOError, TimeoutError)):
        return True
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
        return True
    text = str(exc).lower()
    stderr = getattr(exc, "stderr", None)
    if isinstance(stderr, (str, bytes)):
        text += " " + (stderr.decode("utf-8", "replace") if isinstance(stderr, bytes)
                       else stderr).lower()
    return any(m in text for m in _TRANSIENT_MARKERS) and (
        "lock" in text or "unavailable" in text)


def backoff_delay(attempt: int, base: float, cap: float = MAX_BACKOFF) -> float:
    """Seconds before attempt ``attempt + 1`` (``attempt`` counts from 1): exponential, capped."""
    return min(cap, base * (2 ** max(0, attempt - 1)))
