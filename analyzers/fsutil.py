"""Atomic file writes: write a temporary file beside the target, then rename it over."""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from pathlib import Path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once: os.umask can only be read by setting it, which would race with other threads.
_UMASK = _read_umask()

# The temporary file write_atomic makes beside ``name``: ``.name.ctxsteward-<8 random
# characters>.tmp`` (tempfile.mkstemp's, our word in it: a person's own ``.name.backup01.tmp`` is
# never taken for one); one a killed write left behind is removed after STALE_TEMP_SECONDS.
TEMP_PREFIX = "ctxsteward-"
_TEMP = re.compile(rf"\.(.+)\.{TEMP_PREFIX}[a-z0-9_]{{8}}\.tmp")
STALE_TEMP_SECONDS = 60


def is_our_temp(name: str) -> bool:
    """Whether a file name is one of write_atomic's temporary files (of any target)."""
    return _TEMP.fullmatch(name) is not None


def remove_stale_temps(path: Path) -> None:
    """Remove the temporary files of ``path`` (write_atomic's, beside it) that a write killed
    before it could clean up left there: regular files only (never a symlink, nor what it
    points to), last changed over STALE_TEMP_SECONDS ago (a running write's is younger)."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    now = time.time()
    for name in names:
        m = _TEMP.fullmatch(name)
        if m is None or m.group(1) != path.name:
            continue
        temp = path.parent / name
        try:
            st = temp.lstat()
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_TEMP_SECONDS:
                temp.unlink()
        except OSError:
            continue


def read_only(path: Path) -> tuple[str, bool] | None:
    """Why the existing file ``path`` may not be written, and whether its owner froze it (no write
    permission for anyone: ``chmod a-w``); None when it is absent or writable. Such a file is the
    person's to keep as it is: an atomic rename would replace it all the same (root could too)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not mode & 0o222:
        return f"is read-only ({permissions(mode)})", True
    if not os.access(path, os.W_OK):
        return (f"cannot be written by you ({permissions(mode)}; or a read-only file "
                "system)"), False
    return None


def read_only_refusal(path: Path, shown: str) -> str | None:
    """Why an output file the user named (``shown``, as they know it) is not written, as one
    message ("NOTE.md is read-only (permissions r--r--r--, mode 0444): make it writable to
    update it, or write elsewhere; nothing was written"); None when ``path`` is absent or
    writable. The one wording of every command writing a file the user named (``handoff``,
    ``bundle --out``, ``check --out``, ``index --export``): a file frozen by its owner is kept
    as it is, even by root, whom the permissions do not stop."""
    found = read_only(path)
    if found is None:
        return None
    why, frozen = found
    what_to_do = "make it writable to update it, or write elsewhere; " if frozen else ""
    return f"{shown} {why}: {what_to_do}nothing was written"


def permissions(mode: int) -> str:
    """A file's permission bits as people read them, in ``ls -l``'s letters and in octal with its
    leading zero: ``permissions r--r--r--, mode 0444``; ``---r-----, mode 0040`` (not "mode 40")."""
    return f"permissions {stat.filemode(mode)[1:]}, mode {stat.S_IMODE(mode):04o}"


def write_atomic(path: Path, text: str, *, follow_symlinks: bool = False,
                 mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` atomically (readers see the old or the new file, never half).

    A symlink is refused (:class:`~analyzers.confine.OutsideWorkspace`): we never write through
    one. Only a path the user typed, checked by :func:`analyzers.confine.check_write`, is written
    with ``follow_symlinks``: then the file it points to is replaced and the link survives, and a
    target that is not a regular file (``/dev/null``, a FIFO, ``/dev/stdout``) is written to
    directly, since renaming over it would replace the device itself. ``mode``: the new file's
    permissions (default: the existing file's, else the umask's).
    """
    path = Path(path)
    if not follow_symlinks and path.is_symlink():
        from analyzers.confine import OutsideWorkspace

        raise OutsideWorkspace(f"refused to write {path}: it is a symlink (to "
                               f"{os.readlink(path)}); Context Steward never writes through one")
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with path.open("w", encoding="utf-8", newline="") as f:
            f.write(text)
        return
    if path.is_symlink():
        path = path.resolve()
    remove_stale_temps(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{TEMP_PREFIX}", suffix=".tmp",
                                   dir=path.parent)
    except FileExistsError as e:  # mkdir met a file where a folder of the path should be
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path)) from e
    except OSError as e:  # name the file the caller asked for, not the temporary one
        raise _about(e, path) from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # Keep an existing file's owner when we may (root writing another user's file: never
        # left root's); a process that may not (not root) leaves it as the system allows.
        if st is not None and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass
        # Keep an existing file's permissions; a new file gets the umask's, as open() would.
        if mode is None:
            mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_UMASK
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _about(e, path) from e
        raise


def _about(error: OSError, path: Path) -> OSError:
    """``error`` (same class, so callers catch it as before) about ``path`` itself."""
    if error.errno is None:
        return error
    return type(error)(error.errno, error.strerror, str(path))
