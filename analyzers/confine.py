"""Confinement: nothing outside the workspace is read, nothing is written through a symlink.

A repository is untrusted input. A committed symlink (``docs/netrc.md -> ~/.netrc``,
``HANDOFF.md -> ~/.bashrc``, ``.ctxsteward -> /tmp/x``) must not make us read or write outside it.
The rules, applied by every reader and writer of workspace paths:

* **Reading**: a path is resolved (symlinks followed) and read only when its real location lies
  inside the workspace's real root; otherwise it is reported ("outside the workspace"), never read.
* **Writing**: a path is written only when no component between the root and the file is a
  symlink and it lies inside the root. The single exception is a path the user typed as ``--out``
  that lies outside the workspace as typed: that is their choice, and the message says so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class OutsideWorkspace(PermissionError):
    """A path we refuse to read or write: it lies outside the workspace or goes through a
    symlink. A :class:`PermissionError`, so edges that report those report this too."""


def real_root(root: Path | str) -> Path:
    return Path(os.path.realpath(root))


def _within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def resolve_inside(root: Path | str, path: Path | str) -> Path | None:
    """The real location of ``path`` (relative to ``root``, or absolute) with symlinks resolved,
    when it lies inside the workspace; None when it lies outside (or the link loops)."""
    rroot = os.path.realpath(root)
    full = Path(path) if Path(path).is_absolute() else Path(root) / path
    try:
        real = os.path.realpath(full, strict=False)
    except (OSError, RuntimeError, ValueError):
        return None
    return Path(real) if _within(real, rroot) else None


def relative_inside(root: Path | str, path: Path | str) -> str | None:
    """``path``'s real location as a root-relative POSIX path ('.' for the root), or None when
    it lies outside the workspace."""
    real = resolve_inside(root, path)
    if real is None:
        return None
    rel = os.path.relpath(real, os.path.realpath(root)).replace(os.sep, "/")
    return "." if rel in ("", ".") else rel


def file_inside(root: Path | str, rel: str) -> Path | None:
    """The real location of the root-relative ``rel`` when it is a regular file there now, or
    None: the one rule of "is this workspace file present" (the hooks' session state and the
    context map both ask it). A symlink counts when its real location is a file inside the
    workspace (what reading it gives is workspace text); one pointing outside never does, and
    what it points at is never opened or read. An absolute ``rel``, or one with ``..``, is none
    of the workspace's files."""
    if not rel or rel.startswith("/") or ".." in rel.split("/"):
        return None
    real = resolve_inside(root, rel)
    if real is None:
        return None
    try:
        return real if stat.S_ISREG(os.stat(real).st_mode) else None
    except (OSError, ValueError):
        return None


def read_bytes_inside(root: Path | str, path: Path | str, limit: int | None = None) -> bytes | None:
    """The bytes of a regular file whose real location is inside the workspace (at most ``limit``
    of them when given), or None: outside, missing, not a regular file, or unreadable."""
    real = resolve_inside(root, path)
    if real is None:
        return None
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(real, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read() if limit is None else f.read(limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def symlink_on_the_way(root: Path | str, path: Path | str) -> Path | None:
    """The first component of ``path`` below ``root`` (the root itself excluded) that is a
    symlink, or None. ``path`` is absolute or relative to the root, and lexically inside it."""
    root = Path(root)
    full = Path(path) if Path(path).is_absolute() else root / path
    try:
        rel = Path(os.path.normpath(full)).relative_to(os.path.normpath(root))
    except ValueError:
        return None
    probe = Path(os.path.normpath(root))
    for part in rel.parts:
        probe = probe / part
        if probe.is_symlink():
            return probe
    return None


def lexically_inside(root: Path | str, path: Path | str) -> bool:
    """Is ``path`` inside ``root`` as written (``..`` folded, symlinks not followed)?"""
    full = Path(path) if Path(path).is_absolute() else Path.cwd() / path
    base = os.path.normpath(root)
    norm = os.path.normpath(full)
    return _within(norm, base) or _within(norm, os.path.realpath(base))


def check_write(root: Path | str, path: Path | str, *, typed: bool = False) -> Path:
    """The path to write for ``path``, or :class:`OutsideWorkspace`.

    ``typed``: the user typed this path (``--out``). Outside the workspace as typed, it is
    written where it points (their choice). Inside, as for every path we choose ourselves, no
    component below the root may be a symlink and the real location must be inside the root.
    """
    root_s = os.path.normpath(root)
    full = Path(path) if Path(path).is_absolute() else (
        Path.cwd() / path if typed else Path(root_s) / path)
    norm = Path(os.path.normpath(full))
    rroot = os.path.realpath(root_s)
    inside_as_typed = _within(str(norm), root_s) or _within(str(norm), rroot)
    if typed and not inside_as_typed:
        return norm
    if not inside_as_typed:
        raise OutsideWorkspace(f"refused to write {path}: it is outside the workspace {root_s}")
    base = root_s if _within(str(norm), root_s) else rroot
    link = symlink_on_the_way(base, norm)
    if link is not None:
        try:
            target = os.readlink(link)
        except OSError:
            target = "?"
        raise OutsideWorkspace(
            f"refused to write {path}: {link} is a symlink (to {target}); Context Steward never "
            "writes through a symlink in the workspace - remove the link, or write to a real "
            "path")
    if not _within(os.path.realpath(norm), rroot):
        raise OutsideWorkspace(f"refused to write {path}: its real location is outside the "
                               f"workspace {root_s}")
    return norm


def check_read(root: Path | str, path: Path | str, *, typed: bool = False) -> Path:
    """``path`` (absolute or relative to the root) when it may be read, else
    :class:`OutsideWorkspace`: its real location must be inside the workspace, unless the user
    typed a path that is outside the workspace as typed (``--out``: their own file)."""
    root_s = os.path.normpath(root)
    full = Path(path) if Path(path).is_absolute() else Path(root_s) / path
    norm = Path(os.path.normpath(full))
    if typed and not (_within(str(norm), root_s) or _within(str(norm), os.path.realpath(root_s))):
        return norm
    if resolve_inside(root_s, norm) is None:
        raise OutsideWorkspace(f"{path} is a symlink to a file outside the workspace {root_s}: "
                               "it is not read")
    return norm
