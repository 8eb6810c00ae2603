"""The index and the ranking graph, built or refreshed in the background for the hooks:
detached, one at a time.

:func:`start` launches ``python -m server.hooks.indexer ROOT`` in its own session (it outlives
the hook, which answers at once), and not while one runs: the indexer holds an exclusive lock on
``.ctxsteward/hooks/index.lock`` for its whole run and leaves if another holds it. A refresh
after a prompt starts at most once every :data:`MIN_GAP` seconds; when a prompt *needs* it (no
usable index, or no ranking graph for the index) it starts at once, unless the last run failed
less than :data:`MIN_GAP` seconds ago. One that was launched and died without a word (``kill
-9``) is seen at once: its process is gone, or it never took the lock. The run refreshes the
index, then builds the ranking graph's cache for it (``graph.bin``), so the next prompt finds
both current. The index's own worker processes end with it (``procs.py``); SIGTERM ends it with
its record written. ``.ctxsteward/hooks/index.json`` says when one was requested, started and
ended, and how.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from analyzers import procs
from analyzers.printable import plural
from server.hooks.state import hooks_dir, locked, log, now_iso

MIN_GAP = 60.0  # seconds between two background refreshes requested after prompts
STARTUP_GRACE = 30.0  # seconds a launched indexer may take to hold its lock


class _Stopped(BaseException):
    """SIGTERM reached the background index."""


def _status(d: Path) -> dict[str, Any]:
    """The background index's record (empty when none)."""
    try:
        data = json.loads((d / "index.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_status(d: Path, status: dict[str, Any]) -> None:
    """Replace the background index's record atomically."""
    from analyzers.fsutil import write_atomic

    write_atomic(d / "index.json", json.dumps(status, sort_keys=True) + "\n")


def running(d: Path) -> bool:
    """Whether a background index holds the lock now."""
    import fcntl

    fd = os.open(d / "index.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _launch_pending(status: dict[str, Any], now: float) -> bool:
    """Whether the last launch is on its way: not ended, its process alive, not long ago."""
    if "ended" in status or "pid" not in status:
        return False
    return now - float(status.get("requested", 0)) < STARTUP_GRACE and \
        procs.alive(int(status.get("pid", 0)))


def _why_not(d: Path, now: float, needed: bool) -> str:
    """Why no background index is launched now ("" to launch one)."""
    status = _status(d)
    if running(d):
        return "one runs"
    if _launch_pending(status, now):
        return "one is starting"
    if "ended" not in status:  # launched, then died without a word: start again at once
        return ""
    if not status.get("ok", True) and now - float(status.get("ended_at", 0)) < MIN_GAP:
        return "the last one failed less than a minute ago"
    if not needed and now - float(status.get("requested", 0)) < MIN_GAP:
        return "one ran less than a minute ago"
    return ""


def start(root: Path, why: str, *, needed: bool = False) -> bool:
    """Launch a background index of ``root`` (see the module doc: ``needed`` when a prompt
    cannot be answered without it); whether one was launched."""
    d = hooks_dir(root)
    with locked(d / "start.lock"):
        if _why_not(d, time.time(), needed):
            return False
        child = subprocess.Popen(  # noqa: S603 - our own module, by the interpreter running us
            [sys.executable, "-m", "server.hooks.indexer", str(root)], cwd=root,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
        child.returncode = 0  # never waited for: it outlives this process on purpose
        _write_status(d, {"requested": time.time(), "why": why, "pid": child.pid})
    log(root, f"background index started ({why})")
    return True


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM: stop the run, which then writes its record."""
    raise _Stopped


def run(root: Path) -> int:
    """Build or refresh the index of ``root``, then its ranking graph, holding the lock (leave at
    once if another does)."""
    import fcntl
    import signal

    d = hooks_dir(root)
    fd = os.open(d / "index.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
        with contextlib.suppress(OSError):
            os.nice(10)  # the agent's own work comes first
        started = time.monotonic()
        _update(d, {"started": now_iso(), "pid": os.getpid()})
        signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            ok, detail = _refresh(root)
        except _Stopped:
            ok, detail = False, "stopped by SIGTERM"
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        ms = int((time.monotonic() - started) * 1000)
        # The log line first: "ended" in the record is what a waiter watches for.
        log(root, f"background index {'done' if ok else 'failed'} in {ms} ms {detail}")
        _update(d, {"ended": now_iso(), "ended_at": time.time(), "ok": ok, "ms": ms})
        return 0 if ok else 1
    finally:
        os.close(fd)


def _update(d: Path, values: dict[str, Any]) -> None:
    """Merge ``values`` into the record, under the launchers' lock."""
    with locked(d / "start.lock"):
        _write_status(d, {**_status(d), **values})


def _refresh(root: Path) -> tuple[bool, str]:
    """Bring the index up to date; whether it worked, and what to log."""
    from analyzers.app.workspace import Workspace

    ws = Workspace(root)
    try:
        warnings = ws.refresh()
        began = time.monotonic()
        with ws.snapshot() as snapshot:  # the graph for this index, before the next prompt
            built = snapshot.warm_graph()
    except Exception as e:  # noqa: BLE001 - logged: nobody waits for this process
        return False, f"{type(e).__name__}: {e}"
    graph = (f"ranking graph built in {int((time.monotonic() - began) * 1000)} ms" if built
             else "ranking graph current")
    return True, f"({graph}" + (f", {plural(len(warnings), 'warning')})" if warnings else ")")


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]).resolve()))
