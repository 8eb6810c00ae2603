"""Cooperative cancellation: long computations take a token and check it between units of work."""

from __future__ import annotations

import threading
import time


class Cancelled(Exception):
    """Raised by :meth:`CancelToken.check` once the token is cancelled or past its deadline."""


class CancelToken:
    """A thread-safe flag, optionally with a deadline (``time.monotonic()`` seconds)."""

    __slots__ = ("_event", "deadline", "reason")

    def __init__(self, deadline: float | None = None) -> None:
        self._event = threading.Event()
        self.deadline = deadline
        self.reason = ""

    def cancel(self, reason: str = "cancelled") -> None:
        self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        if self._event.is_set():
            return True
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.reason = "deadline exceeded"
            self._event.set()
            return True
        return False

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled(self.reason or "cancelled")


NEVER = CancelToken()
"""A token nobody cancels, for callers that do not need cancellation."""
