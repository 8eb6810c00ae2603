"""The index, built or refreshed in the background for the hooks: detached, one at a time.

:func:`start` launches ``python -m server.hooks.indexer ROOT`` in its own session (it outlives
the hook, which answers at once), at most once every :data:`MIN_GAP` seconds, and not while one
runs: the indexer holds an exclusive lock on ``.ctxsteward/hooks/index.lock`` for its whole run
and leaves if another holds it. The index's own worker processes end with it (``procs.py``).
``.ctxsteward/hooks/index.json`` says when one was requested, started and ended, and how.
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

from server.hooks.state import hooks_dir, locked, log, now_iso

MIN_GAP = 60.0  # seconds between two background runs requested by hooks


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


def start(root: Path, why: str) -> bool:
    """Launch a background index of ``root`` unless one runs or was requested less than
    :data:`MIN_GAP` seconds ago; whether one was launched."""
    d = hooks_dir(root)
    with locked(d / "start.lock"):
        status = _status(d)
        if running(d) or time.time() - float(status.get("requested", 0)) < MIN_GAP:
            return False
        child = subprocess.Popen(  # noqa: S603 - our own module, by the interpreter running us
            [sys.executable, "-m", "server.hooks.indexer", str(root)], cwd=root,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True)
        child.returncode = 0  # never waited for: it outlives this process on purpose
        _write_status(d, {"requested": time.time(), "why": why, "pid": child.pid})
    log(root, f"background index started ({why})")
    return True


def run(root: Path) -> int:
    """Build or refresh the index of ``root`` holding the lock (leave at once if another does)."""
    import fcntl

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
        ok, detail = _refresh(root)
        ms = int((time.monotonic() - started) * 1000)
        _update(d, {"ended": now_iso(), "ok": ok, "ms": ms})
        log(root, f"background index {'done' if ok else 'failed'} in {ms} ms {detail}")
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

    try:
        warnings = Workspace(root).refresh()
    except Exception as e:  # noqa: BLE001 - logged: nobody waits for this process
        return False, f"{type(e).__name__}: {e}"
    return True, f"({len(warnings)} warnings)" if warnings else ""


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]).resolve()))
