"""The one path-safety rule for paths a request names: inside the workspace (symlinks resolved),
not inside ``.git`` or ``.ctxsteward``, and not secret-bearing.

Every edge turns the paths it is given into root-relative ones with :func:`workspace_path`: the
CLI from the current folder, the servers from the workspace root.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path

from analyzers.app.errors import PathRefused


class Secrets(Enum):
    """What a path's secrets refuse: ``ANY`` secret in the file (its content would be shown
    whole, e.g. token counts per file), only secret material ``WHOLE`` (a seed, shown with each
    value masked), only a secret-bearing ``NAME`` (an editor's document, checked on its message
    loop without reading it), or ``NONE`` (the path is only counted, never shown). Every mode but
    ``NONE`` refuses a secret-bearing name, as given (a symlink's) or as resolved."""

    ANY = "any"
    WHOLE = "whole"
    NAME = "name"
    NONE = "none"


_INTERNAL = (".ctxsteward", ".git")


# What names one file, read from the current folder: a missing one that the root holds is
# refused with the root-relative reading offered, never taken silently.
_FILES_NAMED = ("seed", "pin")


def _from_root_hint(root: Path, base: Path, p: Path, rel: str, what: str, raw: str,
                    suffix: str = "") -> None:
    """Refuse ``raw`` (read from the current folder ``base``: root-relative ``rel``) when no such
    file is there but one is from the root: the person most likely meant that one, but which
    was meant is theirs to say. ``suffix``: what followed the path as typed (a seed's ``:LINE``
    or ``::SYMBOL``), kept in the readings offered."""
    if os.path.lexists(root / rel) or not os.path.lexists(root / p):
        return
    try:
        meant = (root / p).resolve().relative_to(root).as_posix()
        here = Path(os.path.relpath(root / meant, base.resolve())).as_posix()
    except (ValueError, OSError, RuntimeError):
        return  # outside the workspace from the root too: refused as such below
    raise PathRefused(
        f"{what} {raw + suffix!r}: no such file {rel} (a relative path is read from the current "
        f"folder); did you mean {meant}{suffix} (relative to the repository root)? Give it as "
        f"{here}{suffix} "
        "from here, or run from the root", field=what)


def workspace_path(root: Path, raw: str, *, what: str = "path", base: Path | None = None,
                   secrets: Secrets = Secrets.ANY, suffix: str = "") -> str:
    """``raw`` (relative to ``base``, the root by default, or absolute) as a root-relative POSIX
    path (``"."`` for the root itself), or :class:`PathRefused` saying why not. ``suffix``: what
    followed the path as typed (a seed's ``:12``), kept in a "did you mean" reading."""
    if not isinstance(raw, str) or not raw.strip():
        raise PathRefused(f"{what} is empty", field=what)
    if "\0" in raw:
        raise PathRefused(f"{what} {raw!r} contains a NUL byte", field=what)
    root = root.resolve()
    p = Path(raw.strip()).expanduser()
    full = p if p.is_absolute() else (base or root) / p
    try:
        rel = full.resolve().relative_to(root).as_posix()
    except ValueError:
        raise PathRefused(_outside(root, full, what, raw), field=what) from None
    except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python < 3.13)
        problem = "a symlink that never resolves" if isinstance(e, RuntimeError) else str(e)
        raise PathRefused(f"{what} {raw!r}: {problem}", field=what) from None
    rel = "." if rel in ("", ".") else rel
    if what in _FILES_NAMED and full.is_symlink() and full.is_dir():
        # (it said "seed 'src/requests' is a folder" of the link 'reqlink' typed)
        raise PathRefused(f"{what} {raw!r} is a symbolic link to the folder {rel}/, not a "
                          f"file: give a file inside it, as {rel}/NAME"
                          + ("" if (base or root).resolve() == root else
                             " (relative to the repository root)"), field=what)
    if what in _FILES_NAMED and base is not None and not p.is_absolute():
        _from_root_hint(root, base, p, rel, what, raw, suffix)
    top = rel.split("/", 1)[0]
    if top in _INTERNAL:
        raise PathRefused(f"refused: {what} {raw!r} is inside {top}/, not the workspace's files",
                          field=what)
    why = _secret_reason(root, rel, secrets, p.name)
    if why:
        raise PathRefused(f"refused: {what} {raw!r} is excluded: {why} (it may hold secrets: its "
                          "content is never shown)", field=what)
    return rel


def _outside(root: Path, full: Path, what: str, raw: str) -> str:
    """Why ``raw`` (at ``full``) is refused as outside the (resolved) ``root``: it is, as
    written; or it is written inside and a symbolic link on its way points outside (it said "is
    outside the workspace" of a link in the workspace, and not that the link is not followed)."""
    link = _link_out(root, Path(os.path.normpath(full)))
    if link is None:
        return f"refused: {what} {raw!r} is outside the workspace {root}"
    where = "is a symbolic link" if link == Path(os.path.normpath(full)) else \
        f"leads through {link.relative_to(root).as_posix()}, a symbolic link"
    return (f"refused: {what} {raw!r} {where} pointing outside the workspace {root}: it is not "
            "read; give a file inside the workspace")


def _link_out(root: Path, path: Path) -> Path | None:
    """The first symbolic link on the way from ``root`` to ``path`` (written under it) that
    points outside it, or None (``path`` is not written under ``root``)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None
    at = root
    for part in parts:
        at = at / part
        if at.is_symlink():
            try:
                at.resolve().relative_to(root)
            except ValueError:
                return at
            except (OSError, RuntimeError):
                return None
    return None


def _secret_reason(root: Path, rel: str, secrets: Secrets, name: str = "") -> str | None:
    """Why ``rel`` (given under the file name ``name``) is refused under the ``secrets`` rule,
    or None."""
    if secrets is Secrets.NONE:
        return None
    from analyzers.secrets import secret_by_name, secret_file_reason, secret_in_content

    why = secret_by_name(rel) or (secret_by_name(name) if name else None)
    if why is None and secrets is not Secrets.NAME and (root / rel).is_file():
        why = (secret_file_reason(root, rel) if secrets is Secrets.WHOLE
               else secret_in_content(root / rel))
    return why
