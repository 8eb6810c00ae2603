"""The persistent cache: one SQLite database under ``.ctxsteward/`` at the repository root.

Rows are keyed by path and content hash. The folder carries its own ``.gitignore`` (``*``), so the
cache never shows up in ``git status``. A truncated or corrupt database is deleted and rebuilt.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .confine import OutsideWorkspace
from .syntax import Definition, ImportRef
from .walk import STATE_DIR

if TYPE_CHECKING:  # reading files (tree-sitter parsers, the tokenizer) is not a query's business
    from .filefacts import FileRecord

# 5: references leave out uses of names bound inside their function (parameters, locals)
# and keyword argument names.
# 6: commit subjects are stored with their secrets redacted (older indexes may hold them).
# 7: a definition's range starts at its decorators, attributes and the doc comment above it.
SCHEMA_VERSION = 7

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, lang TEXT, size INTEGER, mtime_ns INTEGER, hash TEXT,
    tokens INTEGER, lines INTEGER, has_errors INTEGER, refs BLOB, imports BLOB, terms BLOB
);
-- Covers the per-run scans (stats of every file, languages and tokens for the report) without
-- reading the wide rows.
CREATE INDEX IF NOT EXISTS files_stat ON files(path, size, mtime_ns, hash, lang, tokens, lines);
CREATE TABLE IF NOT EXISTS defs (
    path TEXT NOT NULL, name TEXT NOT NULL, kind TEXT, start_line INTEGER, end_line INTEGER,
    name_line INTEGER, name_col INTEGER, signature TEXT, parent TEXT, tokens INTEGER
);
CREATE INDEX IF NOT EXISTS defs_path ON defs(path);
CREATE INDEX IF NOT EXISTS defs_name ON defs(name);
CREATE TABLE IF NOT EXISTS skipped (
    path TEXT PRIMARY KEY, reason TEXT, detail TEXT, size INTEGER, mtime_ns INTEGER, hash TEXT
);
CREATE TABLE IF NOT EXISTS resolved_imports (src TEXT NOT NULL, dst TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS resolved_src ON resolved_imports(src);
CREATE INDEX IF NOT EXISTS resolved_dst ON resolved_imports(dst);
CREATE TABLE IF NOT EXISTS commits (
    id INTEGER PRIMARY KEY, sha TEXT UNIQUE, time INTEGER, nfiles INTEGER, subject TEXT
);
CREATE TABLE IF NOT EXISTS commit_files (commit_id INTEGER NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS commit_files_path ON commit_files(path);
CREATE INDEX IF NOT EXISTS commit_files_commit ON commit_files(commit_id);
"""


class CacheCorrupt(Exception):
    pass


class IndexReadOnly(PermissionError):
    """The index cannot be written here (a read-only checkout or mount): commands that must
    write say so; queries answer from the existing index, opened read-only."""


def is_unwritable(e: BaseException) -> bool:
    """Whether ``e`` means the cache cannot be written (as opposed to busy or damaged)."""
    if isinstance(e, IndexReadOnly):
        return True
    if isinstance(e, sqlite3.OperationalError):
        code = getattr(e, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in (8, 14):  # SQLITE_READONLY, SQLITE_CANTOPEN
            return True
        text = str(e)
        return "readonly database" in text or "unable to open database file" in text
    return isinstance(e, OSError) and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS)


def unwritable_error(root: Path, e: BaseException) -> IndexReadOnly:
    """The one message for an index that cannot be written, naming where and why."""
    path = state_dir(root) / "index.sqlite"
    why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
    there = "" if path.is_file() else " (there is no index yet)"
    err = IndexReadOnly(f"cannot write the index at {path}: {why}; the checkout (or its "
                        f"{STATE_DIR}/ folder) is read-only{there}")
    err.__cause__ = e
    return err


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that never writes, to an index in a read-only place: SQLite's read-only
    mode, else (a WAL database whose shared-memory file cannot be made) immutable mode, which
    takes no locks and reads the database file as it is."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}"
    last: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=30, check_same_thread=False,
                               isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM meta").fetchone()
            return conn
        except sqlite3.Error as e:
            conn.close()
            last = e
    assert last is not None
    raise last


# json.dumps(obj, separators=(",", ":")), minus the per-call encoder set-up and the cycle check
# (our blobs are plain trees of dicts, lists, strings and numbers).
_ENCODE = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def pack(obj: Any) -> bytes:
    return zlib.compress(_ENCODE(obj).encode(), 1)


def unpack(blob: bytes | None) -> Any:
    if not blob:
        return None
    return json.loads(zlib.decompress(blob))


def state_dir(root: Path) -> Path:
    """``root/.ctxsteward``, which must be a real folder inside the workspace: a symlink there
    (a committed one, say) would send the index, the secret cache and saved bundles elsewhere."""
    d = root / STATE_DIR
    if d.is_symlink():
        try:
            target = os.readlink(d)
        except OSError:
            target = "?"
        raise OutsideWorkspace(
            f"{d} is a symlink (to {target}): Context Steward keeps its cache only in a real "
            f"folder inside the workspace; remove the link (rm {d}) and run again")
    try:
        links = [e.path for e in os.scandir(d) if e.is_symlink()]
    except OSError:  # not there yet, or not a folder (ensure_state_dir says so)
        links = []
    if links:
        raise OutsideWorkspace(
            f"{links[0]} is a symlink: {d} holds only Context Steward's own files, never links "
            f"(were they committed?); remove {d} and run again")
    return d


def ensure_state_dir(root: Path) -> Path:
    d = state_dir(root)
    if d.exists() and not d.is_dir():
        raise NotADirectoryError(
            f"{d} exists and is not a folder: Context Steward keeps its cache there; move it away"
        )
    d.mkdir(exist_ok=True)
    ignore = d / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return d


class Store:
    """A connection to the cache database, opened (and rebuilt when corrupt) by :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, warnings: list[str]) -> None:
        self.conn = conn
        self.path = path
        self.warnings = warnings

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path, *, readonly: bool = False) -> Store:
        path = state_dir(root) / "index.sqlite"
        warnings: list[str] = []
        if not readonly:
            ensure_state_dir(root)
        try:
            conn = cls._connect(path)
        except (sqlite3.DatabaseError, CacheCorrupt) as e:
            if not is_corruption(e):
                raise  # busy (locked by another process) or unwritable: not ours to delete
            if readonly:
                raise CacheCorrupt(f"the cache {path} is unreadable ({e})") from e
            warnings.append(f"the cache {path} was corrupt ({e}); rebuilding it")
            cls._discard(path)
            conn = cls._connect(path)
        return cls(conn, path, warnings)

    @classmethod
    def open_readonly(cls, root: Path) -> Store:
        """The existing index of ``root``, read-only (see :func:`connect_readonly`)."""
        path = state_dir(root) / "index.sqlite"
        conn = connect_readonly(path)
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None or int(row[0]) != SCHEMA_VERSION:
            conn.close()
            raise IndexReadOnly(f"the index at {path} was made by another version of Context "
                                "Steward and cannot be rebuilt here: the checkout is read-only")
        return cls(conn, path, [])

    @staticmethod
    def _discard(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = path.with_name(path.name + suffix)
            if p.exists():
                p.unlink()
        # Caches derived from the index are keyed by its generation counter, which a new
        # database starts again from 1: the ranking graph of the old one must not pass for it.
        path.with_name("graph.bin").unlink(missing_ok=True)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # Never open the file ourselves to check its header: closing that descriptor would drop
        # the POSIX locks SQLite holds for this process's other connections (the language server
        # keeps several), and another process could then delete the WAL under them ("disk I/O
        # error"). SQLite's own NOTADB error on the first statement says the same.
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as e:
                if getattr(e, "sqlite_errorcode", None) == 26 or "not a database" in str(e):
                    conn.close()
                    raise CacheCorrupt("not a SQLite database") from e
                raise
            conn.execute("PRAGMA synchronous=NORMAL")
            row = conn.execute(
                "SELECT value FROM meta WHERE key='schema_version'"
            ).fetchone() if _has_table(conn, "meta") else None
            if row is not None and int(row[0]) != SCHEMA_VERSION:
                conn.close()
                Store._discard(path)
                conn = sqlite3.connect(path, timeout=30, check_same_thread=False,
                                       isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            if row is None or int(row[0]) != SCHEMA_VERSION:  # no write (and WAL) when current
                conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            # Touch every table so a truncated file fails here rather than mid-query.
            for table in ("files", "defs", "skipped", "commits", "commit_files"):
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.conn.execute("DELETE FROM meta WHERE key=?", (key,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- files -------------------------------------------------------------------------------
    def file_stats(self) -> dict[str, tuple[int, int, str]]:
        """path -> (size, mtime_ns, hash) for indexed and skipped files."""
        out = {
            r[0]: (r[1], r[2], r[3])
            for r in self.conn.execute("SELECT path, size, mtime_ns, hash FROM files")
        }
        for r in self.conn.execute("SELECT path, size, mtime_ns, hash FROM skipped"):
            out[r[0]] = (r[1], r[2], r[3] or "")
        return out

    def delete_files(self, paths: Iterable[str]) -> None:
        rows = [(p,) for p in paths]
        self.conn.executemany("DELETE FROM files WHERE path=?", rows)
        self.conn.executemany("DELETE FROM defs WHERE path=?", rows)
        self.conn.executemany("DELETE FROM skipped WHERE path=?", rows)
        self.conn.executemany("DELETE FROM resolved_imports WHERE src=?", rows)

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        self.conn.execute(
            "UPDATE files SET size=?, mtime_ns=? WHERE path=?", (size, mtime_ns, path)
        )
        self.conn.execute(
            "UPDATE skipped SET size=?, mtime_ns=? WHERE path=?", (size, mtime_ns, path)
        )

    def put_records(self, records: Iterable[FileRecord]) -> None:
        self.put_rows(record_rows(r) for r in records)

    def put_rows(self, rows: Iterable[RecordRows]) -> None:
        """Store files prepared by :func:`record_rows` (replacing any earlier row of each)."""
        files: list[tuple[Any, ...]] = []
        defs: list[tuple[Any, ...]] = []
        skipped: list[tuple[Any, ...]] = []
        paths: list[tuple[str]] = []
        for r in rows:
            paths.append((r.path,))
            if r.skipped is not None:
                skipped.append(r.skipped)
            elif r.file is not None:
                files.append(r.file)
                defs.extend(r.defs)
        c = self.conn
        c.executemany("DELETE FROM files WHERE path=?", paths)
        c.executemany("DELETE FROM defs WHERE path=?", paths)
        c.executemany("DELETE FROM skipped WHERE path=?", paths)
        c.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?)", files)
        c.executemany("INSERT INTO defs VALUES (?,?,?,?,?,?,?,?,?,?)", defs)
        c.executemany("INSERT OR REPLACE INTO skipped VALUES (?,?,?,?,?,?)", skipped)

    def put_skips(self, skips: Iterable[tuple[str, str, str]]) -> None:
        """Walk-level skips (no content read): replace any row for these paths."""
        rows = list(skips)
        self.conn.executemany("DELETE FROM files WHERE path=?", [(p,) for p, _, _ in rows])
        self.conn.executemany("DELETE FROM defs WHERE path=?", [(p,) for p, _, _ in rows])
        self.conn.executemany(
            "INSERT OR REPLACE INTO skipped VALUES (?,?,?,NULL,NULL,NULL)", rows
        )

    def definitions(self, path: str) -> list[Definition]:
        return [
            Definition(*row)
            for row in self.conn.execute(
                "SELECT name, kind, start_line, end_line, name_line, name_col, signature, parent,"
                " tokens FROM defs WHERE path=? ORDER BY start_line, end_line DESC",
                (path,),
            )
        ]

    def imports(self, path: str) -> list[ImportRef]:
        row = self.conn.execute("SELECT imports FROM files WHERE path=?", (path,)).fetchone()
        return [ImportRef(k, t, ln) for k, t, ln in (unpack(row[0]) or [])] if row else []


class RecordRows(NamedTuple):
    """One file's rows, ready for SQLite: small and cheap to send from a worker process."""

    path: str
    size: int
    mtime_ns: int
    hash: str
    file: tuple[Any, ...] | None  # the ``files`` row, None when the file is skipped
    defs: list[tuple[Any, ...]]
    skipped: tuple[Any, ...] | None  # the ``skipped`` row of a file that could not be indexed
    note: str = ""  # indexed within bounds: why its syntax was not (fully) read


def record_rows(r: FileRecord) -> RecordRows:
    if r.skip_reason:
        return RecordRows(r.path, r.size, r.mtime_ns, r.hash, None, [],
                          (r.path, r.skip_reason, r.skip_detail, r.size, r.mtime_ns, r.hash))
    file = (
        r.path, r.lang, r.size, r.mtime_ns, r.hash, r.tokens, r.lines, int(r.has_errors),
        pack(r.references),
        pack([[i.kind, i.text, i.line] for i in r.imports]),
        pack(r.terms),
    )
    defs = [
        (r.path, d.name, d.kind, d.start_line, d.end_line, d.name_line, d.name_col,
         d.signature, d.parent, d.tokens)
        for d in r.definitions
    ]
    return RecordRows(r.path, r.size, r.mtime_ns, r.hash, file, defs, None, r.note)


def is_corruption(e: BaseException) -> bool:
    """Whether ``e`` means the database file is damaged, as opposed to busy or unwritable."""
    if isinstance(e, CacheCorrupt):
        return True
    if not isinstance(e, sqlite3.DatabaseError):
        return False
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
    return not isinstance(e, sqlite3.OperationalError)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
    ).fetchone() is not None
