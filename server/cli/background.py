"""One piece of CLI work run in a forked child process while the command goes on with the rest.

``ctxsteward bundle`` refreshes the index (git, thousands of ``lstat`` calls, SQLite) while it
loads the ranking code and the tokenizer: the two are independent until the query starts. The
child inherits everything already imported and the arguments (nothing is pickled on the way in);
its result, or the exception it raised, comes back pickled through a pipe and is returned, or
raised, by :meth:`Pending.result` exactly as if the function had run here.

Only on Linux, and only while this process runs no other thread (forking then is safe); elsewhere
the function simply runs when its result is asked for. If the child dies without an answer, or its
answer cannot be read back, the function runs again here: every use must be safe to repeat.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

from analyzers.procs import end_with_parent

T = TypeVar("T")


def can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") \
        and threading.active_count() == 1


class Pending(Generic[T]):
    """The outcome of ``fn``, run in a child process started by :func:`start`."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._pid: int | None = None
        self._read: int | None = None
        self._done = False
        self._value: T | None = None
        self._error: BaseException | None = None

    def _start(self) -> None:
        if not can_fork():
            return
        read, write = os.pipe()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            stream.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: run, answer, leave without running the parent's exit code
            end_with_parent(parent)  # killed with the command, even by SIGKILL
            status = 0
            inherited = _process_children()
            try:
                os.close(read)
                try:
                    answer: tuple[bool, object] = (True, self._fn())
                except BaseException as e:  # noqa: BLE001 - carried to the parent and raised there
                    import traceback

                    e.add_note("(raised in ctxsteward's background process:\n"
                               + "".join(traceback.format_exception(e)).rstrip() + ")")
                    answer = (False, e)
                _end_process_children(inherited)
                try:
                    data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # noqa: BLE001 - unpicklable: the parent runs fn itself
                    data = b""
                with os.fdopen(write, "wb") as out:
                    out.write(data)
            except BaseException:  # noqa: BLE001 - e.g. the pipe closed: the parent runs fn
                status = 1
            finally:
                os._exit(status)
        os.close(write)
        self._pid, self._read = pid, read

    def _collect(self) -> bytes:
        """The child's answer (empty when it gave none); reaps it."""
        data = b""
        if self._read is not None:
            try:
                with os.fdopen(self._read, "rb") as f:
                    self._read = None
                    data = f.read()
            finally:
                if self._pid is not None:
                    os.waitpid(self._pid, 0)
                    self._pid = None
        return data

    def result(self) -> T:
        if not self._done:
            data = self._collect()
            answer = None
            if data:
                try:
                    answer = pickle.loads(data)
                except Exception:  # noqa: BLE001 - unreadable: run it here instead
                    answer = None
            if answer is None:
                try:
                    self._value = self._fn()
                except BaseException as e:
                    self._error = e
            elif answer[0]:
                self._value = answer[1]
            else:
                self._error = answer[1]
            self._done = True
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def close(self) -> None:
        """Wait for the child if its answer was never asked for (an error elsewhere)."""
        if not self._done:
            self._collect()
            self._done = True
            self._error = RuntimeError("the background work's result was abandoned")

    def __enter__(self) -> Pending[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _process_children() -> set[Any]:
    """The multiprocessing children this process knows of (none unless it is imported)."""
    mp = sys.modules.get("multiprocessing")
    return set(mp.active_children()) if mp is not None else set()


def _end_process_children(inherited: set[Any]) -> None:
    """End the processes the child started and left running, such as a process pool abandoned
    on an error or an interrupt: ``os._exit`` skips the interpreter's exit, which would end them,
    and they would otherwise wait forever for work from a parent that is gone."""
    left = [p for p in _process_children() if p not in inherited]
    if not left:
        return
    # A pool's manager thread reports its ended workers as errors: nobody is there to read them.
    threading.excepthook = lambda args: None
    for p in left:
        p.terminate()
    for p in left:
        p.join(5)


def start(fn: Callable[[], T]) -> Pending[T]:
    """Start ``fn()`` in a forked child (see the module's notes); ask for it with ``result()``."""
    pending = Pending(fn)
    pending._start()  # noqa: SLF001 - construction and start are one step for callers
    return pending
