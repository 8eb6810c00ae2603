"""One index build at a time per workspace, across processes.

Two processes bringing one workspace's index up to date at once (two ``ctxsteward index`` or
``bundle``, an editor's server and a hook's background index) would each read every changed file
and take turns at SQLite's write lock, the second with nothing to say for itself. A build holds
``.ctxsteward/build.lock`` instead (``flock``: released when its process ends, however it ends,
so never stale), with its process id written in it; another build waits for it, says once after
:data:`NOTICE_AFTER_S` who it waits for (the ``waiting`` callback: the edge decides where that
goes), and then finds the index up to date but for what changed meanwhile. An import of a
snapshot (:func:`analyzers.indexing.snapshot.import_snapshot`) holds it too while it puts the
snapshot's index in place, so it never replaces the index under a build.

Where the lock cannot be made (a read-only checkout) a build goes without it: SQLite's own locks
still keep the cache whole.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from analyzers.cancel import NEVER, CancelToken
from analyzers.indexing.store import ensure_state_dir

LOCK_FILE = "build.lock"
NOTICE_AFTER_S = 1.0  # a build waiting longer than this says so (once)
POLL_S = 0.05  # how often a waiting build tries the lock again (and checks cancellation)

Waiting = Callable[[int | None], None]  # told the holder's process id (None: not known yet)


@contextmanager
def build_lock(root: Path, token: CancelToken = NEVER,
               waiting: Waiting | None = None) -> Iterator[None]:
    """Hold the build lock of ``root`` for the block, waiting for another process's build
    (cancellable by ``token``); ``waiting`` is called once when that wait passes
    :data:`NOTICE_AFTER_S`."""
    try:
        path = ensure_state_dir(root) / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError:
        yield  # read-only (or no folder to write): opening the cache says why, if it must
        return
    try:
        if not _try(fd):
            _wait(fd, token, waiting)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _try(fd: int) -> bool:
    """Take the lock if it is free."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait(fd: int, token: CancelToken, waiting: Waiting | None) -> None:
    """Until the lock is ours; ``waiting`` told the holder once the wait is long enough."""
    start = time.monotonic()
    said = waiting is None
    while True:
        token.check()
        time.sleep(POLL_S)
        if _try(fd):
            return
        if not said and time.monotonic() - start >= NOTICE_AFTER_S:
            said = True
            assert waiting is not None
            waiting(holder(fd))


def holder(fd: int) -> int | None:
    """The process id the holder wrote in the lock file (None: none written yet)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
