"""The folders ``hooks install`` made for a settings file, and their removal by ``uninstall``.

An install that writes a settings file where its folder does not exist (``~/.codex/`` on a
machine where Codex never ran, ``.github/hooks/`` in a repository) makes the missing folders
itself, one at a time, and records exactly those its own ``mkdir`` made in a file of ours beside
the settings file, ``NAME.ctxsteward-folders`` (``{"made": [absolute paths, outermost first]}``).
An install that creates the settings file writes that record too, folders made or not, with
``"created"``: the text the file comes back to once our entries are out, so the uninstall knows
the file is the install's, and removes it only when it is that text again. Every install that
writes the file records there too the lines it wrote (``"entries"``: event -> command line) and
the containers it added (``"containers"``) and the person's lines running our hook that it left
(``"theirs"``; and ``"blanks"``, the blanks inside an empty list it filled, put back when the
uninstall empties it), which tell the uninstall what is ours (:mod:`server.hooks.install`); an
uninstall that took ours out forgets them, keeping only the person's lines in the install's form
still in the file (with ``"entries": {}``), and the record goes when nothing is left in it. A
record that is there but cannot be read (not a plain file, over 64 KiB, not JSON, a key we do not
write, or a field of another type: ``made`` absolute paths, ``created`` a string, ``entries``
strings by event, ``containers`` and ``theirs`` non-empty strings, ``blanks`` blanks by
container) is never rewritten nor removed (:class:`RecordUnreadable`: install and uninstall
refuse, naming it). Nothing is recorded
for a folder that existed, one reached through a symlink, or one outside the base (the home
folder for the user scope, or the agent's own home when COPILOT_HOME / CODEX_HOME names another;
the workspace for the others). A ``mkdir`` failing halfway removes the folders it made.

The uninstall that removes the settings file takes the records in the settings file's folder
that it may honour: its own, and any other of ours whose settings file is gone (another scope's,
left by an uninstall that found the folder still in use). It removes them, then each recorded
folder, deepest first, only when all of these hold: it is on the record; it is a folder on the
way from the base to the settings file as the agent reads it; it lies inside the base; neither
it nor any folder between it and the base is a symlink (its resolved path is the base's resolved
path joined with the same names); and it is empty (``rmdir`` removes nothing else: a file that
appeared in it keeps it, and the folders above it). A folder that holds nothing but those records
is empty. The folders that stay (something is in them, or ``rmdir`` failed: permissions) are
written back to the record when the settings file's folder still stands, so a later uninstall,
of this file or of another in the same folder, removes them once it can; when that folder went,
the record is kept in the deepest folder that stays (:func:`kept_record_path`), where the next
uninstall of the same file looks for it. What the system refused (a folder, a record that could
not be removed, or the folders left that could not be recorded) is in the :class:`Removal`, for
the uninstall to name and fail with. Nothing else is ever
removed: a folder the person made, even empty, stays; so does a dotfiles folder a symlink leads to.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeGuard

from analyzers import procs
from analyzers.agentfiles import FOLDERS_SUFFIX

_MAX_RECORD_BYTES = 64 << 10


def record_path(settings: Path) -> Path:
    """Where the record of the folders made for ``settings`` is kept."""
    return settings.with_name(settings.name + FOLDERS_SUFFIX)


def _plain_inside(folder: Path, base: Path) -> bool:
    """Whether ``folder`` lies strictly inside ``base`` with no symlink on the way: not itself a
    link, and resolved it is the resolved base joined with the same names (``..`` refused)."""
    if not folder.is_absolute() or ".." in folder.parts or folder == base:
        return False
    try:
        rel = folder.relative_to(base)
    except ValueError:
        return False
    try:
        if folder.is_symlink():
            return False
        return folder.resolve(strict=True) == base.resolve(strict=True) / rel
    except (OSError, RuntimeError):  # gone, unreadable, a symlink loop
        return False


def make_folders(settings: Path, logical: Path, base: Path | None) -> list[Path]:
    """Make the missing folders of ``settings``'s path (outermost first) and return those this
    call made itself on the way to ``logical`` (the path as the agent reads it) inside ``base``
    with no symlink on the way (what :func:`write_record` keeps). A folder another process made
    meanwhile is not ours: ``mkdir`` says it exists. When a ``mkdir`` fails halfway, the folders
    this call made are removed again (when still empty) before the error goes on: nothing made is
    left unaccounted for."""
    missing = []
    folder = settings.parent
    while not folder.exists() and not folder.is_symlink() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    made: list[Path] = []
    ours: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError:
            for done in reversed(ours):
                try:
                    done.rmdir()
                except OSError:
                    pass
            raise
        ours.append(folder)
        if base is not None and folder in logical.parents and _plain_inside(folder, base):
            made.append(folder)
    return made


class RecordUnreadable(Exception):
    """A record of ours beside a settings file that cannot be read: what it says is unknown."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path.name}: {why}")
        self.path, self.why = path, why


def kept_record_path(folder: Path, settings: Path) -> Path:
    """Where the record of ``settings`` is kept in ``folder``, one of the folders above it, once
    the settings file's own folder went (``.github/hooks+ctxsteward.json.ctxsteward-folders`` for
    ``.github/hooks/ctxsteward.json``): the names between, joined by ``+``. For the settings
    file's own folder it is :func:`record_path`."""
    return folder / ("+".join(settings.relative_to(folder).parts) + FOLDERS_SUFFIX)


def write_record(settings: Path, made: list[Path], created: str | None = None,
                 entries: dict[str, str] | None = None,
                 containers: list[str] | None = None, theirs: list[str] | None = None,
                 blanks: dict[str, str] | None = None, at: Path | None = None) -> None:
    """Keep the list of folders the install made beside ``settings`` (added to those a record
    there names already), and, when the install made the settings file itself, ``created``: the
    text that file comes back to once our entries are out (what a clean uninstall removes);
    ``entries`` (event -> the command line the install wrote there) and ``containers`` (the
    ``"hooks"`` object and the event lists it added): what an uninstall may take out; ``theirs``
    (the person's lines running our hook that the install found and left: never ours);
    ``blanks`` (the blanks that were inside an empty container it filled, ``[ ]``). What is
    not given is kept from the record there; nothing is written when there is nothing to keep."""
    from analyzers.fsutil import write_atomic

    path = record_path(settings) if at is None else at
    old = _load(path) or {}
    had = _read_record(path) if old else []
    data: dict[str, object] = {"made": [str(p) for p in had + [p for p in made if p not in had]]}
    for key, value in (("created", created), ("entries", entries), ("containers", containers),
                       ("theirs", theirs), ("blanks", blanks)):
        if value is not None:
            data[key] = value
        elif key in old:
            data[key] = old[key]
    if data != {"made": []}:
        write_atomic(path, json.dumps(data, indent=2) + "\n")


def _load(path: Path) -> dict[str, object] | None:
    """A record's data (None when it is missing, not a plain file, too large or unreadable)."""
    try:
        return _strict_load(path)
    except RecordUnreadable:
        return None


def _strict_load(path: Path) -> dict[str, object] | None:
    """A record's data (None: there is none); :class:`RecordUnreadable` saying why when it is
    there but not a plain file, too large, not JSON or not in the shape we write."""
    if not os.path.lexists(path):
        return None
    if path.is_symlink() or not path.is_file():
        raise RecordUnreadable(path, "it is not a plain file")
    try:
        if path.stat().st_size > _MAX_RECORD_BYTES:
            raise RecordUnreadable(path, f"it is over {_MAX_RECORD_BYTES >> 10} KiB")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as e:
        raise RecordUnreadable(path, f"cannot read it: {e.strerror or e}") from e
    except ValueError as e:
        raise RecordUnreadable(path, f"it is not JSON ({e})") from e
    if not isinstance(data, dict) or not _our_shape(data):
        raise RecordUnreadable(path, "it is not in the shape an install writes")
    return data


_KEYS = frozenset({"made", "created", "entries", "containers", "theirs", "blanks"})


def _strings(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _our_shape(data: dict[str, object]) -> bool:
    """Whether a record has only the fields an install writes, each of its type: ``made`` a
    list of absolute paths, ``created`` a string, ``entries`` event -> command line,
    ``containers`` and ``theirs`` lists of non-empty strings, ``blanks`` blanks by container."""
    entries, blanks = data.get("entries", {}), data.get("blanks", {})
    made = data.get("made", [])
    return (set(data) <= _KEYS and _strings(made) and all(os.path.isabs(p) for p in made)
            and isinstance(data.get("created", ""), str) and isinstance(entries, dict)
            and all(isinstance(v, str) and v for v in entries.values())
            and _strings(data.get("containers", [])) and _strings(data.get("theirs", []))
            and isinstance(blanks, dict) and all(isinstance(v, str) and v and not v.strip(
                " \t\r\n") for v in blanks.values()))


def read_record(settings: Path) -> dict[str, object] | None:
    """The record beside ``settings`` (None: there is none); :class:`RecordUnreadable` when it is
    there and cannot be read."""
    return _strict_load(record_path(settings))


def entries_of(record: dict[str, object] | None) -> dict[str, str] | None:
    """The entries an install recorded writing (event -> command line); None for no record, or
    one written before installs kept them."""
    entries = record.get("entries") if record is not None else None
    return {str(k): str(v) for k, v in entries.items()} if isinstance(entries, dict) else None


def theirs_of(record: dict[str, object] | None) -> frozenset[str]:
    """The person's lines running our hook that an install found and left."""
    found = record.get("theirs") if record is not None else None
    return frozenset(str(c) for c in found) if isinstance(found, list) else frozenset()


def containers_of(record: dict[str, object] | None) -> frozenset[str]:
    """The containers an install recorded adding (``"hooks"``, event names)."""
    found = record.get("containers") if record is not None else None
    return frozenset(str(c) for c in found) if isinstance(found, list) else frozenset()


def _read_record(path: Path) -> list[Path]:
    """The folders a record names (none when it is missing, not a plain file, or unreadable)."""
    data = _load(path)
    made = data.get("made") if data is not None else None
    if not isinstance(made, list):
        return []
    return [Path(p) for p in made if isinstance(p, str) and p]


def forget_created(settings: Path, theirs: list[str] | None = None,
                   kept: dict[str, str] | None = None) -> None:
    """What the record says the install added is gone (an uninstall took it out), or the file the
    install made is the person's now (they added to it): the record keeps only the folders and
    ``theirs`` (the person's lines running our hook still in the file; None: those it names),
    with no entries of ours, so a later uninstall takes none of them; it goes when there are
    none. ``kept``: the lines of ours an uninstall left (changed since: event -> the line as
    the install wrote it), still ours."""
    path = record_path(settings)
    made = _read_record(path)
    theirs = sorted(theirs_of(_load(path)) if theirs is None else set(theirs))
    data: dict[str, object] = {"made": [str(p) for p in made]}
    if theirs or kept:
        data.update(entries=kept or {}, theirs=theirs)
    if made or theirs or kept:
        from analyzers.fsutil import write_atomic

        write_atomic(path, json.dumps(data, indent=2) + "\n")
    elif _load(path) is not None:
        path.unlink()


@dataclass
class Removal:
    """What an uninstall did with the folders the install made."""

    removed: list[Path] = field(default_factory=list)  # empty: removed
    kept: list[Path] = field(default_factory=list)  # something is in them now: left, recorded
    failed: list[tuple[Path, str]] = field(default_factory=list)  # rmdir failed: the OS's reason
    # what could not be undone beside them: a record of ours that could not be removed, or the
    # folders that stay that could not be recorded (path, the OS's reason)
    records_left: list[tuple[Path, str]] = field(default_factory=list)
    unrecorded: list[tuple[list[Path], Path, str]] = field(default_factory=list)


def _records_here(logical: Path, base: Path) -> list[Path]:
    """The records an uninstall of ``logical`` honours: its own, the one an earlier uninstall
    kept in a folder above it (its own folder went, one above stayed: :func:`kept_record_path`),
    and every other one of ours in the same folder whose settings file is gone (plain files we
    can read, never a symlink: one that cannot be read stays, untouched)."""
    own = record_path(logical)
    found = [own] if _load(own) is not None else []
    for folder in logical.parent.parents:
        kept = kept_record_path(folder, logical) if _plain_inside(folder, base) else None
        if kept is not None and _load(kept) is not None:
            found.append(kept)
    try:
        names = sorted(os.listdir(logical.parent))
    except OSError:
        return found
    for name in names:
        other = logical.parent / name
        settings = logical.parent / name[:-len(FOLDERS_SUFFIX)]
        if (name.endswith(FOLDERS_SUFFIX) and name != FOLDERS_SUFFIX and other != own
                and not os.path.lexists(settings) and _load(other) is not None):
            found.append(other)
    return found


def remove_folders(settings: Path, logical: Path, base: Path | None) -> Removal:
    """After the uninstall removed ``settings`` (``logical``: its path as the agent reads it,
    where the install kept the record): remove the records it honours and the folders they name
    that are empty now, and record again those that stay (see the module doc)."""
    if base is None:
        return Removal()
    records = _records_here(logical, base)
    made = [folder for record in records for folder in _read_record(record)]
    out = Removal()
    if not records:
        return out
    for record in records:
        try:
            record.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:  # it stays, and so does its folder: named, never success
            out.records_left.append((record, _reason(e)))
    on_the_way = set(logical.parents)
    standing: list[Path] = []
    for folder in sorted(set(made), key=lambda p: len(p.parts), reverse=True):
        if folder not in on_the_way or not _plain_inside(folder, base):
            continue
        if any(folder in s.parents for s in standing):  # a folder below it stays: so does it
            standing.append(folder)
            continue
        try:
            folder.rmdir()  # removes an empty folder only (a file that appeared keeps it)
        except FileNotFoundError:
            continue
        except OSError as e:
            if not folder.is_dir():
                continue
            standing.append(folder)
            if any(r.parent == folder for r, _ in out.records_left):
                pass  # it holds our record that could not go: named with that record
            elif e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                out.kept.append(folder)
            else:
                out.failed.append((folder, _reason(e)))
            continue
        out.removed.append(folder)
    if standing:
        _record_standing(logical, standing, out)
    return out


def _reason(e: OSError) -> str:
    return (e.strerror or str(e)).lower()


def _record_standing(logical: Path, standing: list[Path], out: Removal) -> None:
    """Record the folders an uninstall left (``standing``, deepest first): beside the settings
    file when its folder still stands, else in the deepest of them (its folder went, one above
    stayed: ``.github/`` holding a CODEOWNERS), where the next uninstall of that file finds it.
    A record that cannot be written goes into ``out.unrecorded`` (no later uninstall would
    remove those folders: the person is told)."""
    here = logical.parent
    at = None
    if not (here.is_dir() and not here.is_symlink()):
        here = standing[0]
        at = kept_record_path(here, logical)
        if not here.is_dir() or here.is_symlink():
            return
    path = at or record_path(logical)
    try:
        write_record(logical, sorted(standing, key=lambda p: len(p.parts)), at=at)
    except OSError as e:
        if all(r != path for r, _ in out.records_left):  # (one left names them still)
            out.unrecorded.append((standing, path, _reason(e)))


def base_of(scope: str, root: Path, agent: str | None = None) -> Path:
    """The folder nothing may be removed outside of: for the user scope the agent's own home
    when the person set one (``COPILOT_HOME``, ``CODEX_HOME``: they chose that root) else the
    home folder; the workspace for the others (absolute, not resolved: symlinks below it are
    detected)."""
    if scope == "user":
        from server.hooks.install_agents import agent_home

        chosen = agent_home(agent) if agent else None
        return Path(os.path.abspath(chosen or os.path.expanduser("~")))
    return Path(os.path.abspath(root))


LOCK_NAME = ".ctxsteward-hooks.lock"
_LOCK_STALE_S = 60.0
_LOCK_WAIT_S = 90.0


class LockBusy(Exception):
    """Another install or uninstall held the lock for too long."""


class LockNotOurs(Exception):
    """Where the lock goes there is something no run of ours makes (a symlink, a folder): it is
    not taken over nor removed, and nothing is written."""


def lock_fallbacks(base: Path, folder: Path) -> list[Path]:
    """Where the lock may go when ``base`` may not be written (read-only): the folders on the way
    from ``base`` to the settings file's ``folder`` (included), outermost first, that exist
    inside ``base`` with no symlink on the way (a lock is never written through a link, outside
    the base). Outermost first, so every run takes the same one (``.github/`` whether or not
    the install made ``.github/hooks/`` yet), and a folder the person had before the install
    goes before one it made."""
    base = Path(os.path.abspath(base))
    folder = Path(os.path.abspath(folder))
    way = [folder, *folder.parents]
    return [f for f in reversed(way) if f != base and f.is_relative_to(base)
            and _plain_inside(f, base) and f.is_dir()]


@contextmanager
def locked(base: Path, fallbacks: list[Path] | None = None) -> Iterator[str | None]:
    """Hold the lock of ``base`` (the home folder or workspace: it exists before any folder an
    install makes, so every run of any scope takes the same one) while an install or uninstall
    reads the settings file and its record and writes them: two at once would each read the
    record before the other wrote it, and one would lose what the other made. The lock is a file
    of ours made with ``O_EXCL`` holding our process id and a token, removed when done (only
    while it still holds them). A lock whose process is gone (a run killed) is taken over at
    once; one whose process lives is never stale; one with no process id (a run between making
    and writing it) after a minute. :class:`LockBusy` after waiting 90 seconds, saying once on
    stderr that it waits. When ``base`` may not be written (read-only), the lock goes in the
    first of ``fallbacks`` that can be (:func:`lock_fallbacks`), else there is none: the value
    given is a note saying so (None: locked)."""
    import secrets
    import sys

    mine = f"{os.getpid()} {secrets.token_hex(8)}\n"
    note = None
    for where in (base, *(fallbacks or [])):  # a fallback only when the base may not be written
        path = where / LOCK_NAME
        try:
            _take(path, mine)
            note = None
            break
        except FileNotFoundError as e:  # a fallback folder went meanwhile (an uninstall's)
            if where == base:
                raise
            note = f"no lock: {e.strerror} ({path})"
        except OSError as e:
            if not _unwritable(e):
                raise
            note = f"no lock: {e.strerror} ({path})"
    if note is not None:
        print(f"ctxsteward: {note}; run one hooks install or uninstall at a time here",
              file=sys.stderr)
    try:
        yield note
    finally:
        if note is None:
            try:
                if path.read_text() == mine:  # never another run's (one took ours over)
                    path.unlink()
            except OSError:
                pass


def _unwritable(e: OSError) -> bool:
    return e.errno in (errno.EACCES, errno.EPERM, errno.EROFS)


def _take(path: Path, mine: str) -> None:
    """Make the lock file ``path`` holding ``mine``, waiting for (or taking over) another's."""
    import sys

    deadline = time.monotonic() + _LOCK_WAIT_S
    said = False
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            if path.is_symlink() or (os.path.lexists(path) and not path.is_file()):
                # never ours (a dangling link read as "gone" spun here for ever): left as it is
                raise LockNotOurs(str(path)) from None
            if _stale(path):
                continue
            if time.monotonic() > deadline:
                raise LockBusy(str(path)) from None
            if not said:
                print(f"ctxsteward: waiting for another ctxsteward hooks run (lock {path})",
                      file=sys.stderr)
                said = True
            time.sleep(0.05)
            continue
        try:
            os.write(fd, mine.encode())
        finally:
            os.close(fd)
        return


def _stale(path: Path) -> bool:
    """Whether the lock at ``path`` was a run's that is gone: then it is removed (only while it
    holds what was judged stale), and True; also True when it went meanwhile."""
    try:
        held = path.read_text()
        age = time.time() - path.lstat().st_mtime
    except FileNotFoundError:
        return True
    except OSError:
        return False
    words = held.split()
    if words and words[0].isdigit() and int(words[0]) > 0:
        if procs.alive(int(words[0])):
            return False
    elif age <= _LOCK_STALE_S:
        return False
    try:
        if path.read_text() == held:
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


