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

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path

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
    elif not alive(owner):
        os._exit(1)
    threading.Thread(target=_wait_for_end, args=(owner, fd, poll), name="ctxsteward-owner",
                     daemon=True).start()


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (one we may not signal exists)."""
    if pid <= 0:  # 0 and negative ids name process groups, not a process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError, OSError):
        return False
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text("ascii", "replace")
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
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
    while alive(owner) and os.getppid() == parent:
        time.sleep(poll)
    os._exit(1)


# The guard between the tool and a shell command it runs (a handoff's test command): it starts
# the shell in a process group of its own and kills that whole group (the shell and whatever it
# started) when the tool ends, however it ends (the guard's parent-death signal is SIGTERM, which
# it catches), when it is asked to end (SIGTERM, SIGHUP, SIGINT), and once the shell has exited
# (so nothing it left in the background lives on). A shell killed directly also ends the guard
# the same way (the exit status is the shell's). Only the standard library, no site: it starts
# in a few milliseconds.
_GUARD = r"""
import ctypes, os, signal, sys
ENDS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
signal.pthread_sigmask(signal.SIG_BLOCK, ENDS)
parent, command = int(sys.argv[1]), sys.argv[2]
try:
    libc = ctypes.CDLL(None, use_errno=True)
except OSError:
    libc = None
def pdeathsig(sig):
    if libc is not None:
        libc.prctl(1, int(sig), 0, 0, 0)
pdeathsig(signal.SIGTERM)
if os.getppid() != parent:
    os._exit(1)
guard = os.getpid()
child = os.fork()
if child == 0:
    try:
        os.setpgid(0, 0)
        pdeathsig(signal.SIGKILL)
        if os.getppid() != guard:
            os._exit(1)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        os.execv("/bin/sh", ["/bin/sh", "-c", command])
    finally:
        os._exit(127)
try:
    os.setpgid(child, child)
except OSError:
    pass
def end_group():
    try:
        os.killpg(child, signal.SIGKILL)
    except OSError:
        pass
def on_end(signum, frame):
    end_group()
    os._exit(128 + signum)
for s in ENDS:
    signal.signal(s, on_end)
signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDS)
while True:
    try:
        _, status = os.waitpid(child, 0)
        break
    except ChildProcessError:
        status = 0
        break
end_group()
if os.WIFSIGNALED(status):
    sig = os.WTERMSIG(status)
    try:
        signal.signal(sig, signal.SIG_DFL)
    except (OSError, ValueError):
        pass
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (sig,))
    os.kill(os.getpid(), sig)
    os._exit(128 + sig)
os._exit(os.waitstatus_to_exitcode(status))
"""


def guarded_shell(command: str) -> list[str] | None:
    """The argv that runs ``command`` through ``/bin/sh -c`` so that it, and every process it
    starts in its process group, ends with this process (see ``_GUARD``); None where that is not
    available (not Linux, or no ``/bin/sh``): run the shell plainly then."""
    if not sys.platform.startswith("linux") or not os.path.exists("/bin/sh"):
        return None
    return [sys.executable, "-I", "-S", "-c", _GUARD, str(os.getpid()), command]
