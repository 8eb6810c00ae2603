"""What the hooks keep under ``.ctxsteward/``: the log, the last run of each event, the state of
each agent session (the files already shown), and the lock of the background index.

* ``hooks/hook.log``: one line per run (never the prompt: its length and a hash), kept under
  :data:`LOG_BYTES` (the older half moves to ``hook.log.1``);
* ``hooks/runs.json``: ``{"<agent> <EVENT>": {"at": ISO 8601 UTC, "ok": bool, "ms": int}}``,
  and for a run that failed or was refused (an option it cannot use) ``"reason"``: why, as the
  log says it; rewritten atomically under a lock (``ctxsteward hooks status`` reads it);
* ``sessions/<session>.json``: the files a session was shown, each with its size, modification
  time and content hash when shown (``{"updated": T, "shown": {path: {"size", "mtime_ns",
  "sha256"}}}``: one changed since is shown again), expired after :data:`SESSION_TTL` seconds,
  :data:`SESSIONS_KEPT` at most.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOG_BYTES = 256 * 1024
SESSION_TTL = 24 * 3600
SESSIONS_KEPT = 200


def hooks_dir(root: Path) -> Path:
    """``.ctxsteward/hooks`` (created; the state folder's own checks apply)."""
    from analyzers.indexing.store import ensure_state_dir

    d = ensure_state_dir(root) / "hooks"
    d.mkdir(exist_ok=True)
    return d


def now_iso() -> str:
    """The time now, ISO 8601 in UTC to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def fingerprint(text: str) -> str:
    """What the log says of a prompt: its length and a short hash, never its words."""
    data = text.encode("utf-8", "surrogatepass")  # (half an emoji a client cut is hashed too)
    return f"{len(text)} chars, sha256 {hashlib.sha256(data).hexdigest()[:12]}"


def log(root: Path, line: str) -> None:
    """Append one line to the hook log (bounded: see the module doc); never raises."""
    try:
        path = hooks_dir(root) / "hook.log"
        with contextlib.suppress(OSError):
            if path.stat().st_size > LOG_BYTES:
                os.replace(path, path.with_name("hook.log.1"))
        text = " ".join(line.split())[:2000]
        with path.open("a", encoding="utf-8") as f:
            f.write(f"{now_iso()} {text}\n")
    except Exception:  # noqa: BLE001, S110 - the log is best effort: a hook never fails on it
        pass


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a lock file) while the block runs."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object from ``path`` (empty when missing or unreadable)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


REASON_CHARS = 300  # of a failed run's reason kept in runs.json


def record_run(root: Path, agent: str, event: str, ok: bool, ms: int, reason: str = "") -> None:
    """Record this run in ``runs.json`` (atomically, under a lock); ``reason``: why a run that
    was not ok failed (kept only for those)."""
    from analyzers.fsutil import write_atomic

    d = hooks_dir(root)
    with locked(d / "runs.lock"):
        runs = _read_json(d / "runs.json")
        record: dict[str, Any] = {"at": now_iso(), "ok": ok, "ms": ms}
        if not ok and reason:
            record["reason"] = " ".join(reason.split())[:REASON_CHARS]
        runs[f"{agent} {event}"] = record
        write_atomic(d / "runs.json", json.dumps(runs, indent=1, sort_keys=True) + "\n")


_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def session_file(root: Path, session_id: str) -> Path:
    """The state file of ``session_id`` (a hash of it when it is not a plain short name)."""
    from analyzers.indexing.store import ensure_state_dir

    name = session_id if _SAFE_ID.match(session_id) else \
        hashlib.sha256(session_id.encode()).hexdigest()[:32]
    d = ensure_state_dir(root) / "sessions"
    d.mkdir(exist_ok=True)
    return d / f"{name}.json"


STAMP_BYTES = 16 << 20  # of a file read for its content hash, at most


@dataclass
class SessionFiles:
    """The files a session was shown that are still there, each with what it was when shown
    (:func:`stamp`; empty when not known: a state file written before stamps were kept), and
    those of them whose content changed since."""

    stamps: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> list[str]:
        """The files shown that are as they were: a later map leaves them out."""
        changed = set(self.changed)
        return [p for p in self.stamps if p not in changed]

    def __bool__(self) -> bool:
        return bool(self.stamps)


def stamp(root: Path, rel: str) -> dict[str, Any] | None:
    """What the workspace file ``rel`` is now: its size, modification time and content hash
    (None when it is not there: :func:`analyzers.confine.file_inside`, so a symlink out of the
    workspace is never read)."""
    from analyzers.confine import file_inside, read_bytes_inside

    real = file_inside(root, rel)
    if real is None:
        return None
    try:
        st = os.stat(real)
    except OSError:
        return None
    data = read_bytes_inside(root, rel, limit=STAMP_BYTES)  # (never through a link out)
    if data is None:
        return None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "sha256": hashlib.sha256(data).hexdigest()}


def _as_now(root: Path, rel: str, shown: dict[str, Any]) -> tuple[bool, dict[str, Any]] | None:
    """Whether ``rel`` changed since it was shown as ``shown``, and the stamp to keep for it
    (None: it is not there now). Same size and time: not changed, nothing read; else its content
    is compared (a ``touch`` or a checkout of the same text is no change, and its new time is
    kept, so it is not read again)."""
    from analyzers.confine import file_inside

    real = file_inside(root, rel)
    if real is None:
        return None
    if not shown.get("sha256"):
        return False, shown  # (shown before stamps were kept: as it was)
    try:
        st = os.stat(real)
    except OSError:
        return None
    if (st.st_size, st.st_mtime_ns) == (shown.get("size"), shown.get("mtime_ns")):
        return False, shown
    now = stamp(root, rel)
    if now is None:
        return None
    changed = now["sha256"] != shown["sha256"]
    return changed, shown if changed else now


def load_session(root: Path, session_id: str) -> SessionFiles:
    """The files session ``session_id`` was shown that are still there, and which of them changed
    since (none for an unknown or expired session; one deleted since, gone with a ``git
    checkout`` or now a symlink out of the workspace, is forgotten: the next save leaves it
    out)."""
    if not session_id:
        return SessionFiles()
    path = session_file(root, session_id)
    data = _read_json(path)
    if not data or time.time() - float(data.get("updated", 0)) > SESSION_TTL:
        return SessionFiles()
    shown = data.get("shown")
    if isinstance(shown, list):  # (a state file of before the stamps: paths only)
        shown = {p: {} for p in shown if isinstance(p, str)}
    out = SessionFiles()
    for rel, was in (shown.items() if isinstance(shown, dict) else ()):
        if not isinstance(rel, str):
            continue
        found = _as_now(root, rel, was if isinstance(was, dict) else {})
        if found is None:
            continue
        changed, out.stamps[rel] = found  # (a changed file keeps the stamp it was shown with)
        if changed:
            out.changed.append(rel)
    return out


def save_session(root: Path, session_id: str, shown: dict[str, dict[str, Any]]) -> None:
    """Keep the files session ``session_id`` was shown, each with what it was when shown
    (:func:`stamp`); expire old sessions' files."""
    if not session_id:
        return
    from analyzers.fsutil import write_atomic

    path = session_file(root, session_id)
    write_atomic(path, json.dumps({"updated": time.time(), "shown": shown}) + "\n")
    expire_sessions(path.parent)


def expire_sessions(folder: Path, now: float | None = None) -> list[str]:
    """Delete session files older than :data:`SESSION_TTL`, and the oldest past
    :data:`SESSIONS_KEPT`; the names deleted."""
    now = time.time() if now is None else now
    entries: list[tuple[float, Path]] = []
    with contextlib.suppress(OSError):
        for e in os.scandir(folder):
            if e.name.endswith(".json") and e.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    entries.append((e.stat(follow_symlinks=False).st_mtime, Path(e.path)))
    entries.sort(reverse=True)
    gone = [p for i, (mtime, p) in enumerate(entries)
            if i >= SESSIONS_KEPT or now - mtime > SESSION_TTL]
    for p in gone:
        with contextlib.suppress(OSError):
            p.unlink()
    return [p.name for p in gone]
