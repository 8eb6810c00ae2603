"""The current bundle kept across restarts: ``.ctxsteward/current-bundle.json``.

The language server's current bundle (:mod:`server.lsp.bundle_view`) is the user's work: the
suggestion's seeds, task and budget, the pins and the files removed. It is written atomically
after every change and read back when a server starts on the same folder, once its first index
is usable; what it names is checked against that index (a file deleted since is dropped with a
note, one changed since is named). The bundle itself, its recent decisions included, is not
kept: it is recomputed from the index on restore. Like everything under ``.ctxsteward/`` it is
disposable: a file that cannot be read is set aside with a note, never a failure.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from analyzers.app.seeds import split_seed
from analyzers.bundles.mentions import MAX_TEXT
from analyzers.confine import read_bytes_inside
from analyzers.fsutil import write_atomic
from analyzers.indexing.store import state_dir
from analyzers.secrets import redact_head

log = logging.getLogger(__name__)

FILE_NAME = "current-bundle.json"
FORMAT = 1


class StoredItem(BaseModel):
    """One item as it was in the bundle: what was shown of which file content."""

    path: str
    granularity: str
    tokens: int
    hash: str = Field(description="The file's content hash in the index when it was shown.")


class StoredBundle(BaseModel):
    """What the current bundle is made from, and the items it held."""

    format_version: int = FORMAT
    saved_at: str = ""
    seeds: list[str] = Field(default_factory=list)
    task: str | None = None
    budget: int
    ranked: bool = True
    added: list[str] = Field(default_factory=list)
    pins: list[str] = Field(default_factory=list)
    excludes: list[str] = Field(default_factory=list)
    sticky: list[str] = Field(default_factory=list)
    kept: list[str] | None = Field(
        default=None, description="What was added with pin (kept by later suggestions); None in "
                                  "a file of an older server, where every addition was kept.")
    items: list[StoredItem] = Field(default_factory=list)


def store_path(root: Path) -> Path:
    """Where the current bundle of the workspace ``root`` is kept."""
    return state_dir(root) / FILE_NAME


def write(root: Path, stored: StoredBundle) -> None:
    """Keep ``stored`` (atomically; an unwritable cache is logged, the bundle stays in memory)."""
    stored.saved_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    # A secret pasted in the task is not kept on disk (the task ranks as well masked, and as well
    # from its first MAX_TEXT characters, all a restored bundle's ranking reads for paths).
    kept = stored.model_copy(update={"task": redact_head(stored.task, MAX_TEXT)}) \
        if stored.task else stored
    try:
        write_atomic(store_path(root), kept.model_dump_json(indent=1))
    except OSError as e:  # OutsideWorkspace is an OSError too
        log.warning("the current bundle was not kept in %s: %s", FILE_NAME, e)


def clear(root: Path) -> None:
    """Forget the kept bundle (there is no current bundle any more)."""
    try:
        path = store_path(root)
        if path.is_file() and not path.is_symlink():
            path.unlink()
    except OSError as e:
        log.warning("%s was not removed: %s", FILE_NAME, e)


def read(root: Path) -> tuple[StoredBundle | None, list[str]]:
    """The kept bundle (None when there is none or it cannot be used) and notes on why not."""
    try:
        path = store_path(root)
    except OSError as e:
        return None, [str(e)]
    if not path.exists():
        return None, []
    data = read_bytes_inside(root, path)
    if data is None:
        return None, [f"{FILE_NAME} cannot be read (not a file inside the workspace)"]
    try:
        stored = StoredBundle.model_validate(json.loads(data))
    except (ValueError, ValidationError) as e:
        first = str(e).splitlines()[0]
        return None, [f"{FILE_NAME} is unreadable ({first}): the bundle was not restored"]
    if stored.format_version > FORMAT:
        return None, [f"{FILE_NAME} was written by a newer Context Steward: not restored"]
    return stored, []


def revalidate(stored: StoredBundle, files: dict[str, Any]) -> list[str]:
    """Drop from ``stored`` what names a file no longer in the index (``files``: path -> its
    record with a ``hash``); notes say what was dropped and which items changed since."""
    notes: list[str] = []
    gone: list[str] = []

    def keep(spec: str) -> bool:
        path = split_seed(spec).path
        if path in files:
            return True
        if path not in gone:
            gone.append(path)
        return False

    stored.seeds = [s for s in stored.seeds if keep(s)]
    stored.added = [s for s in stored.added if keep(s)]
    stored.pins = [s for s in stored.pins if keep(s)]
    stored.sticky = [s for s in stored.sticky if keep(s)]
    if stored.kept is not None:
        stored.kept = [s for s in stored.kept if keep(s)]
    for item in stored.items:
        info = files.get(item.path)
        if info is None:
            if item.path not in gone:
                gone.append(item.path)
        elif getattr(info, "hash", item.hash) != item.hash:
            notes.append(f"{item.path} changed since the bundle was made: it is shown as it "
                         "is now")
    notes[:0] = [f"{p} no longer exists: dropped from the restored bundle" for p in gone]
    return notes
