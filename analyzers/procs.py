"""Child processes that end with the process they work for, however it ends (even SIGKILL).

Two kinds of children need it:

* a child forked directly by the process it works for (a ``bundle`` command's background
  children, a process pool's workers forked from a single-threaded process):
  :func:`end_with_parent` asks the kernel to kill it when its parent ends (Linux's
  ``PR_SET_PDEATHSIG``, which fires when the *thread* that forked it ends: fork from the main
  thread, or from a thread that lives as long as the work);
* a pool worker started by the multiprocessing forkserver: its parent is the forkserver, which
  itself waits until every worker has ended, so nothing ends it when the process that owns the
  pool dies. :func:`watch_owner` starts a thread that waits for the owner to end (a pidfd on
  Linux, else a poll) and then ends the worker. The forkserver and the resource tracker end by
  themselves once the owner and every worker are gone (they wait for their pipes to close).

Elsewhere than Linux the kernel part is skipped (a no-op) and the watching thread polls.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

_PR_SET_PDEATHSIG = 1


def _prctl_pdeathsig(sig: int) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent (thread) ends."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def end_with_parent(parent: int) -> None:
    """Called first thing in a child forked by process ``parent``: it is killed when the parent
    ends. A parent that already ended (before the request was made) ends the child now."""
    _prctl_pdeathsig(signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def watch_owner(owner: int, *, poll: float = 1.0) -> None:
    """End this process as soon as process ``owner`` ends, whoever this process's parent is.

    Also asks for the parent-death signal, so a worker forked by the owner itself ends at once.
    """
    if os.getppid() == owner:
        end_with_parent(owner)
    else:
        _prctl_pdeathsig(signal.SIGKILL)  # the forkserver ending also ends its workers
    fd: int | None = None
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None:
        try:
            fd = pidfd_open(owner)
        except ProcessLookupError:
            os._exit(1)  # the owner is gone already
        except OSError:
            fd = None  # an old kernel: poll instead
    elif not _alive(owner):
        os._exit(1)
    threading.Thread(target=_wait_for_end, args=(owner, fd, poll), name="ctxsteward-owner",
                     daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_end(owner: int, fd: int | None, poll: float) -> None:
    if fd is not None:
        import select

        while True:
            try:
                ready, _, _ = select.select([fd], [], [])
            except InterruptedError:
                continue
            if ready:
                os._exit(1)  # a pidfd is readable once its process has ended
    import time

    parent = os.getppid()
    while _alive(owner) and os.getppid() == parent:
        time.sleep(poll)
    os._exit(1)
