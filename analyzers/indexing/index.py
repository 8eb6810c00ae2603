"""The repository index: build it (incrementally) and query it.

Input state is the work tree and git history; everything in ``.ctxsteward/index.sqlite`` is derived
from them and can be rebuilt at any time. :func:`build` brings the cache up to date, re-reading only
files whose size or mtime changed (and re-parsing only those whose content hash changed) and only
commits new since the last run. :class:`Index` answers queries over the cache.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from analyzers.cancel import NEVER, Cancelled, CancelToken
from analyzers.config import Settings
from analyzers.foreign import NO_WORKSPACE, Workspace, workspace_key, workspace_of
from analyzers.indexing import history as hist
from analyzers.indexing.buildlock import Waiting, build_lock
from analyzers.indexing.store import (
    IndexReadOnly,
    RecordRows,
    Store,
    is_corruption,
    is_unwritable,
    record_rows,
    settings_fingerprint,
    state_dir,
    unpack,
    unwritable_error,
)
from analyzers.indexing.walk import WalkResult, walk
from analyzers.secrets import PATH_RULES, redact_name, secret_path
from analyzers.syntax import Definition

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

    from analyzers.results import IndexReport  # the report's models load only when a report is made

# Reading files (filefacts: tree-sitter, the tokenizer), resolving imports and the process pool
# are imported where used: a warm run with nothing to read needs none of them.

Progress = Callable[[int, int, str], None]
_T = TypeVar("_T")
_R = TypeVar("_R")
POOL_THRESHOLD = 64  # parse serially below this many files: a pool costs more than it saves
BATCH = 32
FLUSH = 512  # files written to SQLite per transaction


def _noop(done: int, total: int, message: str) -> None:
    return None


# -- building -----------------------------------------------------------------------------------

BACKGROUND_NICE = 5  # a server's parse workers yield the CPU to its request threads


def _worker_init(encoding_name: str, owner: int, nice: int = 0) -> None:
    from analyzers.indexing.filefacts import token_length_array
    from analyzers.procs import watch_owner

    watch_owner(owner)  # a worker never outlives the process that owns the pool
    if nice and hasattr(os, "nice"):
        try:
            os.nice(nice)
        except OSError:
            pass  # not allowed here: run at the owner's priority

    token_length_array(encoding_name)  # loads the encoding (and numpy) too


def _read_batch(args: tuple[str, list[str], str, int, Workspace]) -> list[RecordRows]:
    """Read and analyse a batch of files into SQLite rows (in a worker: rows pickle cheaply)."""
    from analyzers.indexing.filefacts import read_file

    root, paths, encoding_name, max_size, workspace = args
    return [record_rows(read_file(root, p, encoding_name, max_size, workspace)) for p in paths]


def _pool_context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    # fork is fastest, but unsafe once other threads run (the language server): use forkserver.
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")



class _Parser:
    """Reads files into rows, in a process pool when there are enough of them.

    Create it before starting any thread: the pool then forks its workers from a single-threaded
    process (fast, and they inherit every module already imported) instead of a forkserver.
    """

    def __init__(self, root: Path, paths: list[str], settings: Settings,
                 workspace: Workspace = NO_WORKSPACE) -> None:
        self.total = len(paths)
        self.args = [(str(root), paths[i:i + BATCH], settings.encoding, settings.max_file_size,
                      workspace) for i in range(0, self.total, BATCH)]
        workers = min(settings.workers or os.cpu_count() or 1, len(self.args))
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.results: Iterator[list[RecordRows]]
        # One worker parses in this process, unless other threads run here (a server answering
        # requests): parsing holds the GIL most of the time, so there it runs in a child process,
        # at a lower priority than the requests.
        threaded = threading.active_count() > 1
        if self.total < POOL_THRESHOLD or (workers <= 1 and not threaded):
            self.results = map(_read_batch, self.args)
            return
        from concurrent.futures import ProcessPoolExecutor

        from analyzers.indexing import filefacts  # noqa: F401 - before the fork: the workers inherit it

        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                                        initializer=_worker_init,
                                        initargs=(settings.encoding, os.getpid(),
                                                  BACKGROUND_NICE if threaded else 0))
        try:
            self.results = self.pool.map(_read_batch, self.args)  # submits (and forks) now
        except BaseException:
            self.close(cancel=True)
            raise

    def batches(self, token: CancelToken, progress: Progress) -> Iterator[list[RecordRows]]:
        done = 0
        try:
            for rows in self.results:
                token.check()
                done += len(rows)
                progress(done, self.total, rows[-1].path if rows else "")
                yield rows
        except BaseException:
            self.close(cancel=True)
            raise

    def map(self, fn: Callable[[_T], _R], args: list[_T]) -> list[_R]:
        """``fn`` over ``args``, on the pool's workers when there is a pool."""
        if self.pool is None:
            return [fn(a) for a in args]
        return list(self.pool.map(fn, args))

    def close(self, *, cancel: bool = False) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)
            self.pool = None


@dataclass
class _HistoryResult:
    commits: list[hist.Commit] = field(default_factory=list)
    state: hist.RepoState | None = None
    incremental: bool = False
    error: str | None = None
    renames: dict[str, str] = field(default_factory=dict)


def _follow_renames(
    commits: Iterator[hist.Commit],
) -> tuple[list[hist.Commit], dict[str, str]]:
    """Rewrite every path to its newest name (commits arrive newest first)."""
    alias: dict[str, str] = {}
    out = []
    for c in commits:
        for ch in c.changes:
            if ch.status == "R" and ch.old_path is not None:
                alias[ch.old_path] = alias.get(ch.path, ch.path)
            ch.path = alias.get(ch.path, ch.path)
        out.append(c)
    return out, alias


def _read_history(root: Path, last_head: str | None, token: CancelToken,
                  last_shallow: str | None = None) -> _HistoryResult:
    out = _HistoryResult()
    if last_head is not None:
        quick = hist.quick_state(root)
        if quick is not None and quick.head == last_head \
                and last_shallow in (None, quick.shallow_mark):
            out.state, out.incremental = quick, True  # nothing new: no need for gitpython
            return out
    try:
        repo = hist.open_repo(root)
    except hist.NotAGitRepository:
        return out
    try:
        state = hist.repo_state(repo)
        out.state = state
        if last_shallow is not None and last_shallow != state.shallow_mark:
            last_head = None  # a shallow clone deepened (or made shallow): read it all again
        if state.head is None or state.head == last_head:
            out.incremental = state.head is not None
            return out
        rev = state.head
        if last_head and hist.is_ancestor(repo, last_head, state.head):
            rev = f"{last_head}..{state.head}"
            out.incremental = True
        commits: list[hist.Commit] = []
        try:
            for c in hist.stream_log(repo, rev, token=token):
                commits.append(c)
        except hist.HistoryError as e:
            if "unable to read" not in str(e):
                raise
            # Missing blobs (a partial or damaged clone): rename detection cannot read them.
            state.notes.append("some git objects are missing; history read without rename "
                               "detection, so moved files lose their earlier history")
            # Keep what was read (all but the last commit, which may be cut short) as if read
            # without renames, and read only the rest again.
            commits = commits[:-1]
            for c in commits:
                c.changes = hist.without_renames(c.changes)
            commits.extend(hist.stream_log(repo, rev, token=token, renames=False,
                                           skip=len(commits)))
        out.commits, out.renames = _follow_renames(iter(commits))
    except Cancelled:
        raise
    except Exception as e:  # noqa: BLE001 - a git failure is reported, never a crash
        out.error = f"git history could not be read: {e}"
    return out


def _store_history(store: Store, result: _HistoryResult) -> None:
    c = store.conn
    if not result.incremental:
        c.execute("DELETE FROM commits")
        c.execute("DELETE FROM commit_files")
    for old, new in result.renames.items():
        c.execute("UPDATE commit_files SET path=? WHERE path=?", (new, old))
    next_id = (c.execute("SELECT max(id) FROM commits").fetchone()[0] or 0) + 1
    rows: list[tuple[int, str, int, int, str]] = []
    files: list[tuple[int, str]] = []
    # Oldest first, so ids grow with time.
    for commit in reversed(result.commits):
        paths = sorted({ch.path for ch in commit.changes})
        rows.append((next_id, commit.sha, commit.time, len(paths), commit.subject[:300]))
        files.extend((next_id, p) for p in paths)
        next_id += 1
    c.executemany("INSERT OR IGNORE INTO commits VALUES (?,?,?,?,?)", rows)
    c.executemany("INSERT INTO commit_files VALUES (?,?)", files)
    if result.state is not None:
        store.set_meta("head", result.state.head)
        store.set_meta("shallow", result.state.shallow_mark)


def build(
    root: Path,
    settings: Settings | None = None,
    *,
    token: CancelToken = NEVER,
    progress: Progress = _noop,
    waiting: Waiting | None = None,
) -> IndexReport:
    """Bring the index of ``root`` up to date and summarise it.

    One build at a time per workspace: another process's is waited for, ``waiting`` told once
    when that takes a while (:mod:`analyzers.indexing.buildlock`). A cache found damaged midway
    (a page the opening checks did not reach) is deleted and the index rebuilt once, with a
    warning, as when the damage shows at opening.
    """
    out = _build_once_more(root, settings, token, progress, waiting, summary=True)
    assert not isinstance(out, list)
    return out


def refresh(
    root: Path,
    settings: Settings | None = None,
    *,
    token: CancelToken = NEVER,
    progress: Progress = _noop,
    waiting: Waiting | None = None,
) -> list[str]:
    """Bring the index of ``root`` up to date, as :func:`build` does; return only its warnings.

    For callers that go on to query the index: the summary (statistics read from every row) is
    what a warm :func:`build` spends most of its time on.
    """
    try:
        out = _build_once_more(root, settings, token, progress, waiting, summary=False)
    except IndexReadOnly as e:
        if not (state_dir(Path(root).resolve()) / "index.sqlite").is_file():
            raise
        return [f"{e}; answering from the index as it is (it may be stale)"]
    assert isinstance(out, list)
    return out


def _build_once_more(root: Path, settings: Settings | None, token: CancelToken,
                     progress: Progress, waiting: Waiting | None, *,
                     summary: bool) -> IndexReport | list[str]:
    try:
        return _build(root, settings, token=token, progress=progress, waiting=waiting,
                      summary=summary)
    except (sqlite3.DatabaseError, OSError) as e:
        if is_unwritable(e) and not isinstance(e, IndexReadOnly):
            # A read-only checkout or mount: said once, where and why.
            raise unwritable_error(Path(root).resolve(), e) from e
        if not is_corruption(e):
            raise
        path = state_dir(Path(root).resolve()) / "index.sqlite"
        Store._discard(path)  # noqa: SLF001 - the store's own way to drop a damaged file
        out = _build(root, settings, token=token, progress=progress, waiting=waiting,
                     summary=summary)
        warnings = out if isinstance(out, list) else out.warnings
        warnings.insert(0, f"the cache {path} was corrupt ({e}); rebuilding it")
        return out


def _build(
    root: Path,
    settings: Settings | None,
    *,
    token: CancelToken,
    progress: Progress,
    waiting: Waiting | None = None,
    summary: bool = True,
) -> IndexReport | list[str]:
    """One bring-up-to-date, holding the build lock: walk the tree, parse what changed while the
    history is read, store both, resolve imports; then the summary (or only the warnings)."""
    t0 = time.perf_counter()
    settings = settings or Settings()
    root = Path(root).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder")
    from analyzers.tokens import encoding

    if not (state_dir(root) / "index.sqlite").exists():
        encoding(settings.encoding)  # fail early, before writing anything, on an unknown encoding
    with build_lock(root, token, waiting):
        return _build_held(root, settings, token, progress, summary, t0)


def _build_held(root: Path, settings: Settings, token: CancelToken, progress: Progress,
                summary: bool, t0: float) -> IndexReport | list[str]:
    """:func:`_build`'s work, the build lock held."""
    run = _Build(root, settings, token, progress, Store.open(root))
    try:
        walked = run.walk()
        changes = run.changes(walked)
        run.start_reading(changes)  # before the history thread starts
        if walked.in_git:
            run.history = _HistoryThread(root, run.store, token)
        run.apply_walk(walked, changes)
        run.parse(changes)
        run.resolve_imports(changes)
        run.finish_history(walked.in_git)
        run.next_generation(changes)
        if not summary:
            return run.warnings
        return _report(run.store, root, walked.in_git, settings, len(run.parsed),
                       len(changes.removed), run.history_summary, time.perf_counter() - t0,
                       run.warnings)
    finally:
        run.close()


@dataclass
class _Changes:
    """What the walk found changed against the cache."""

    indexed_before: set[str]  # files the cache held
    removed: list[str]  # files (or skipped ones) gone from the tree
    to_read: list[str]  # files whose (path, size, mtime) differs from the cache's row
    known: dict[str, tuple[int, int, str]]  # with content hashes: same text, new mtime
    walk_skips: list[tuple[str, str, str]]  # (path, reason, detail) of the files the walk skips
    path_rules: str | None = None  # secret_path's rules every path was asked under, to record


class _HistoryThread:
    """Reads the history new since the cache's HEAD in a thread, while the files are parsed."""

    def __init__(self, root: Path, store: Store, token: CancelToken) -> None:
        self.result = _HistoryResult()
        self.pending = True  # read, or being read, and not yet stored
        self.thread = threading.Thread(
            target=self._run, args=(root, store.get_meta("head"), token, store.get_meta("shallow")),
            name="ctxsteward-history", daemon=True)
        self.thread.start()

    def _run(self, root: Path, last_head: str | None, token: CancelToken,
             last_shallow: str | None) -> None:
        """The thread's work: ``_read_history``, a cancellation kept as its error."""
        try:
            self.result = _read_history(root, last_head, token, last_shallow)
        except Cancelled as e:
            self.result = _HistoryResult(error=f"history reading cancelled: {e}")

    def ready(self) -> bool:
        """Whether it is read and not yet stored."""
        return self.pending and not self.thread.is_alive()

    def wait(self, token: CancelToken) -> None:
        """Until the thread ends (cancellable)."""
        while self.thread.is_alive():
            self.thread.join(0.1)
            token.check()


class _Build:
    """The steps of one bring-up-to-date of the index of ``root`` and the state they share."""

    def __init__(self, root: Path, settings: Settings, token: CancelToken, progress: Progress,
                 store: Store) -> None:
        self.root, self.settings, self.token, self.progress = root, settings, token, progress
        self.store = store
        self.warnings = list(store.warnings)
        self.reader: _Parser | None = None
        self.workspace = NO_WORKSPACE  # its go.mod modules and package.json dependencies
        self.history: _HistoryThread | None = None
        self.history_summary: dict[str, Any] | None = None  # HistorySummary's fields
        self.parsed: list[str] = []  # files read and parsed
        # Files that were indexed and now are skipped (became binary, too large, excluded...).
        self.left: list[str] = []

    def walk(self) -> WalkResult:
        """The tree's files; a new encoding or size limit first empties the cache's files."""
        walked = walk(self.root, max_file_size=self.settings.max_file_size,
                      exclude=self.settings.exclude, token=self.token)
        self.warnings.extend(walked.notes)
        fingerprint = settings_fingerprint(self.settings)
        if self.store.get_meta("fingerprint") != fingerprint:
            from analyzers.tokens import encoding

            # Fail early, with a clear message, on an unknown encoding (an unchanged fingerprint
            # means it loaded before: a warm run need not load it at all).
            encoding(self.settings.encoding)
            with self.store.transaction():
                for table in ("files", "defs", "skipped", "resolved_imports"):
                    self.store.conn.execute(f"DELETE FROM {table}")
                self.store.set_meta("fingerprint", fingerprint)
        self._read_workspace(walked)
        return walked

    def _read_workspace(self, walked: WalkResult) -> None:
        """The repository's own modules and its dependencies (analyzers.foreign): when they
        changed, the files they are read for (Go, JavaScript, TypeScript, Python) are parsed
        again."""
        store = self.store
        key = workspace_key(walked.entries)
        cached = store.get_meta("workspace_read") if store.get_meta("workspace_key") == key \
            else None
        known = Workspace.from_json(cached) if cached else None
        if known is None:
            known = workspace_of(self.root, (e.path for e in walked.entries))
            with store.transaction():
                store.set_meta("workspace_key", key)
                store.set_meta("workspace_read", known.to_json())
        self.workspace = known
        stamp = known.fingerprint()
        if self.store.get_meta("workspace") == stamp:
            return
        langs = ("go", "javascript", "typescript", "tsx", "python", "rust")
        stale = [r[0] for r in self.store.conn.execute(
            f"SELECT path FROM files WHERE lang IN ({','.join('?' * len(langs))})", langs)]
        with self.store.transaction():
            self.store.delete_files(stale)
            self.store.set_meta("workspace", stamp)

    def changes(self, walked: WalkResult) -> _Changes:
        """The files to read again and those gone, against the cache's rows."""
        # Files to read again: those whose (path, size, mtime) differs from the cache's row. An
        # Entry is that very tuple, so sets compare thousands of them in C on every warm start.
        conn = self.store.conn
        file_rows = conn.execute("SELECT path, size, mtime_ns FROM files").fetchall()
        skip_rows = conn.execute("SELECT path, size, mtime_ns FROM skipped").fetchall()
        indexed_before = {r[0] for r in file_rows}
        skip_paths = {r[0] for r in skip_rows}
        stats = set(file_rows) if not skip_paths & indexed_before else {
            r for r in file_rows if r[0] not in skip_paths}  # a skipped row wins (file_stats)
        stats.update(skip_rows)
        present = {e.path for e in walked.entries} | {s.path for s in walked.skipped}
        to_read = [] if stats.issuperset(walked.entries) else [
            e.path for e in walked.entries if e not in stats]
        walk_skips = [(secret_path(s.path) or s.path, s.reason, secret_path(s.detail) or s.detail)
                      for s in walked.skipped]  # (a symlink's target may hold a secret too)
        # A path that holds a secret (notes/ghp_….txt, DB_PASSWORD=….md) is never indexed: every
        # item, list and reason would show it. Asked of new and changed files only (a warm start
        # asks nothing); recorded masked, so such a file is asked again on each refresh.
        # Under new rules (PATH_RULES), every path is asked once: one indexed before may hold a
        # secret they find.
        rules_new = self.store.get_meta("path_rules") != PATH_RULES
        asked = [e.path for e in walked.entries] if rules_new else to_read
        flagged = [(p, shown) for p in asked for shown in (secret_path(p),)
                   if shown is not None]
        if flagged:
            held = {p for p, _ in flagged}
            to_read = [p for p in to_read if p not in held]
            present -= held
            walk_skips += [(shown, "secret_in_path", "the path holds a secret value (a token in "
                            "a file or folder name): never indexed, so never shown")
                           for _, shown in flagged]
            present |= {shown for _, shown in flagged}
        return _Changes(
            indexed_before=indexed_before,
            removed=sorted((indexed_before | skip_paths) - present),
            to_read=to_read,
            known=self.store.file_stats() if to_read else {},
            walk_skips=walk_skips, path_rules=PATH_RULES if rules_new else None)

    def start_reading(self, changes: _Changes) -> None:
        """Starts reading the changed files (in a process pool when there are many)."""
        if changes.to_read:
            from analyzers.tokens import encoding

            encoding(self.settings.encoding)  # before the pool forks: its workers inherit it
        if len(changes.to_read) >= POOL_THRESHOLD:
            self.store.conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: fewer spills in bulk
        self.reader = _Parser(self.root, changes.to_read, self.settings, self.workspace)

    def apply_walk(self, walked: WalkResult, changes: _Changes) -> None:
        """Drops the files gone and records those the walk skips."""
        self.left = [s.path for s in walked.skipped if s.path in changes.indexed_before]
        with self.store.transaction():
            self.store.delete_files(changes.removed)
            self.store.put_skips(changes.walk_skips)
            if changes.path_rules is not None:
                self.store.set_meta("path_rules", changes.path_rules)

    def parse(self, changes: _Changes) -> None:
        """Stores the rows of the files read, ``FLUSH`` at a time; a file whose content is the
        cache's (a new mtime only) is touched, not re-parsed. The history is stored as soon as
        it is read."""
        assert self.reader is not None
        fresh: list[RecordRows] = []
        touched: list[RecordRows] = []
        for rows in self.reader.batches(self.token, self.progress):
            for r in rows:
                old = changes.known.get(r.path)
                if old is not None and old[2] and old[2] == r.hash and r.skipped is None:
                    touched.append(r)  # same content, new mtime: nothing to re-parse
                else:
                    fresh.append(r)
            if len(fresh) + len(touched) >= FLUSH:
                self._flush(fresh, touched, changes)
                if self.history is not None and self.history.ready():
                    self._store_history()  # while the workers go on parsing
        self._flush(fresh, touched, changes)

    def _flush(self, fresh: list[RecordRows], touched: list[RecordRows],
               changes: _Changes) -> None:
        """Writes the rows read so far in one transaction (and empties both lists)."""
        with self.store.transaction():
            for r in touched:
                self.store.touch(r.path, r.size, r.mtime_ns)
            self.store.put_rows(fresh)
        self.parsed.extend(r.path for r in fresh if r.skipped is None)
        self.warnings.extend(f"{r.path}: {r.note}" for r in fresh if r.note)
        self.left.extend(r.path for r in fresh
                         if r.skipped is not None and r.path in changes.indexed_before)
        fresh.clear()
        touched.clear()

    def _store_history(self) -> None:
        """Stores the history the thread read (it must have finished)."""
        assert self.history is not None
        self.history.pending = False
        result = self.history.result
        if result.error:
            self.warnings.append(result.error)
        elif result.state is not None:
            self.warnings.extend(result.state.notes)
            with self.store.transaction():
                _store_history(self.store, result)
            self.history_summary = {
                "head": result.state.head, "branch": redact_name(result.state.branch),
                "commits_read": len(result.commits),
                "shallow": result.state.shallow, "incremental": result.incremental,
            }

    def resolve_imports(self, changes: _Changes) -> None:
        """Resolves the imports of the files parsed, or of every file when the set of indexed
        files changed: a file joining can satisfy an import that resolved to nothing, one leaving
        breaks edges. Then the reader's pool is done."""
        assert self.reader is not None
        parsed, removed, left = self.parsed, changes.removed, self.left
        file_set_changed = (bool(removed or left)
                            or any(p not in changes.indexed_before for p in parsed))
        if parsed or removed or left or self.store.get_meta("imports_resolved") != "1":
            _resolve_imports(self.store, self.root, None if file_set_changed else parsed,
                             self.reader)
        self.reader.close()

    def finish_history(self, in_git: bool) -> None:
        """Waits for the history and stores it, if not yet done (outside git: a warning)."""
        if self.history is not None:
            self.history.wait(self.token)
            if self.history.pending:
                self._store_history()
        elif not in_git:
            self.warnings.append(
                f"{self.root} is not a git repository: no history, co-change or renames")

    def next_generation(self, changes: _Changes) -> None:
        """Counts one more generation when anything changed: derived caches (the ranking graph)
        are keyed by this counter."""
        store = self.store
        changed = bool(self.parsed or changes.removed or self.left
                       or (self.history_summary and self.history_summary["commits_read"]))
        if changed or store.get_meta("generation") is None:
            gen = int(store.get_meta("generation") or 0) + 1
            store.set_meta("generation", str(gen))

    def close(self) -> None:
        """Stops the reader's pool (cancelling what is left) and closes the store."""
        if self.reader is not None:
            self.reader.close(cancel=True)
        self.store.close()


_ImportRows = list[tuple[str, str | None, bytes | None]]  # path, lang, packed imports


def _resolve_rows(args: tuple[str, list[str], _ImportRows]) -> list[tuple[str, str]]:
    """Import edges of some files, resolved against the set of indexed ``files``."""
    from analyzers.syntax import ImportRef

    root, files, rows = args
    from analyzers.indexing.imports import Resolver

    resolver = Resolver(Path(root), files)
    out: list[tuple[str, str]] = []
    for path, lang, blob in rows:
        imports = [ImportRef(k, t, ln) for k, t, ln in (unpack(blob) or [])]
        if imports:
            out.extend((path, dst) for dst in resolver.resolve(path, lang, imports))
    return out


def _resolve_imports(
    store: Store, root: Path, only: list[str] | None, reader: _Parser | None = None
) -> None:
    c = store.conn
    files = [r[0] for r in c.execute("SELECT path FROM files")]
    if only is None:
        rows: _ImportRows = list(
            c.execute("SELECT path, lang, imports FROM files WHERE imports IS NOT NULL"))
    else:
        found = (c.execute("SELECT path, lang, imports FROM files WHERE path=?", (p,)).fetchone()
                 for p in only)
        rows = [r for r in found if r is not None]
    targets = [(r[0],) for r in rows]
    if reader is not None and reader.pool is not None and len(rows) >= POOL_THRESHOLD:
        # Split over the workers (in order, so the edges come out as from one loop).
        n = reader.workers
        size = -(-len(rows) // n)
        chunks = [(str(root), files, rows[i:i + size]) for i in range(0, len(rows), size)]
        out = [edge for part in reader.map(_resolve_rows, chunks) for edge in part]
    else:
        out = _resolve_rows((str(root), files, rows))
    with store.transaction():
        if only is None:
            c.execute("DELETE FROM resolved_imports")
        else:
            c.executemany("DELETE FROM resolved_imports WHERE src=?", targets)
        c.executemany("INSERT INTO resolved_imports VALUES (?,?)", out)
        store.set_meta("imports_resolved", "1")


def _report(store: Store, root: Path, in_git: bool, settings: Settings, parsed: int,
            removed: int, history_summary: dict[str, Any] | None, seconds: float,
            warnings: list[str]) -> IndexReport:
    from analyzers.results import HistorySummary, IndexReport, LanguageCount, SkippedFile

    c = store.conn
    langs = {
        (lang or "other"): [files, tokens, 0]
        for lang, files, tokens in c.execute(
            "SELECT lang, count(*), sum(tokens) FROM files GROUP BY lang")
    }
    # Definitions per language: per file from the defs_path index, the language from files_stat
    # (a join would read every wide files row).
    lang_of = dict(c.execute("SELECT path, lang FROM files"))
    per_lang: dict[str | None, int] = {}
    for path, n in c.execute("SELECT path, count(*) FROM defs GROUP BY path"):
        if path in lang_of:
            per_lang[lang_of[path]] = per_lang.get(lang_of[path], 0) + n
    for lang, n in per_lang.items():
        langs.setdefault(lang or "other", [0, 0, 0])[2] = n
    skipped = [SkippedFile(path=p, reason=r, detail=d or "")
               for p, r, d in c.execute("SELECT path, reason, detail FROM skipped ORDER BY path")]
    by_reason = Counter(s.reason for s in skipped)
    nfiles = sum(v[0] for v in langs.values())
    return IndexReport(
        root=str(root), in_git=in_git, encoding=settings.encoding, profile=settings.profile,
        files=nfiles,
        files_parsed=parsed, files_removed=removed,
        definitions=sum(v[2] for v in langs.values()),
        tokens=sum(v[1] or 0 for v in langs.values()),
        languages=sorted((LanguageCount(language=k, files=v[0], tokens=v[1] or 0,
                                        definitions=v[2]) for k, v in langs.items()),
                         key=lambda x: -x.tokens),
        skipped=skipped, skipped_by_reason=dict(sorted(by_reason.items())),
        large_commit_limit=settings.large_commit_limit,
        large_commits=c.execute("SELECT count(*) FROM commits WHERE nfiles > ?",
                                (settings.large_commit_limit,)).fetchone()[0],
        history=None if history_summary is None else HistorySummary(
            commits_total=c.execute("SELECT count(*) FROM commits").fetchone()[0],
            **history_summary),
        seconds=round(seconds, 3), warnings=warnings,
    )


# -- querying -----------------------------------------------------------------------------------

class FileInfo(NamedTuple):  # a tuple: Index.files() makes one per file on every query
    path: str
    lang: str | None
    tokens: int
    lines: int
    size: int
    hash: str


@dataclass(frozen=True, slots=True)
class CoChange:
    path: str
    together: int  # commits touching both
    seed_commits: int  # commits touching the seed (small commits only)
    weight: float  # age-decayed support
    last_time: int


class Index:
    """Read-only queries over an up-to-date cache. Cheap to open; load what you ask for."""

    def __init__(self, root: Path, settings: Settings | None = None) -> None:
        self.root = Path(root).resolve()
        self.settings = settings or Settings()
        self.readonly = False  # True: opened read-only (a read-only checkout)
        try:
            self.store = Store.open(self.root)
        except (sqlite3.OperationalError, OSError) as e:
            if not is_unwritable(e) or not (state_dir(self.root) / "index.sqlite").is_file():
                raise
            self.store = Store.open_readonly(self.root)
            self.readonly = True
        self._files: dict[str, FileInfo] | None = None

    @classmethod
    def of_copy(cls, root: Path, path: Path, settings: Settings) -> Index:
        """Read-only queries over ``path``, a copy of ``root``'s index (a snapshot being
        written), for what needs an :class:`Index` of it (its ranking graph)."""
        from analyzers.indexing.store import connect_readonly

        index = cls.__new__(cls)
        index.root = Path(root).resolve()
        index.settings = settings
        index.readonly = True
        index.store = Store(connect_readonly(path), path, [])
        index._files = None
        return index

    def close(self) -> None:
        if self.conn.in_transaction:  # a held read (see hold): nothing to keep
            self.conn.rollback()
        self.store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def conn(self):  # noqa: ANN201 - sqlite3.Connection
        return self.store.conn

    def files(self) -> dict[str, FileInfo]:
        if self._files is None:
            self._files = {
                r[0]: FileInfo(*r)
                for r in self.conn.execute(
                    "SELECT path, lang, tokens, lines, size, hash FROM files ORDER BY path")
            }
        return self._files

    def skipped(self) -> dict[str, tuple[str, str]]:
        return {p: (r, d or "") for p, r, d in
                self.conn.execute("SELECT path, reason, detail FROM skipped")}

    def definitions(self, path: str) -> list[Definition]:
        return self.store.definitions(path)

    def all_definitions(self) -> Iterator[tuple[str, Definition]]:
        for row in self.conn.execute(
            "SELECT path, name, kind, start_line, end_line, name_line, name_col, signature,"
            " parent, tokens FROM defs ORDER BY path, start_line"
        ):
            yield row[0], Definition(*row[1:])

    def definitions_named(self, name: str) -> list[tuple[str, Definition]]:
        return [
            (row[0], Definition(*row[1:]))
            for row in self.conn.execute(
                "SELECT path, name, kind, start_line, end_line, name_line, name_col, signature,"
                " parent, tokens FROM defs WHERE name=?", (name,))
        ]

    def defined_names(self, names: list[str]) -> set[str]:
        """Those of ``names`` that some file defines."""
        out: set[str] = set()
        for i in range(0, len(names), 500):
            chunk = names[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.update(r[0] for r in self.conn.execute(
                f"SELECT DISTINCT name FROM defs WHERE name IN ({marks})", chunk))
        return out

    def member_names(self, parent: str) -> set[str]:
        """The names defined inside ``parent`` (a qualified name: a class, a type)."""
        return {r[0] for r in self.conn.execute("SELECT name FROM defs WHERE parent=?",
                                                (parent,))}

    def all_definition_names(self) -> list[str]:
        """Every name some file defines, once each."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT name FROM defs")]

    def references(self, path: str) -> dict[str, list[int]]:
        row = self.conn.execute("SELECT refs FROM files WHERE path=?", (path,)).fetchone()
        return (unpack(row[0]) or {}) if row else {}

    def all_references(self) -> Iterator[tuple[str, dict[str, list[int]]]]:
        for path, blob in self.conn.execute("SELECT path, refs FROM files"):
            yield path, unpack(blob) or {}

    def _blobs_of(self, column: str, paths: list[str] | None) -> Iterator[tuple[str, Any]]:
        """(path, unpacked ``column``) of every file, or of ``paths`` only (the ranking graph
        reads only the files that changed since it was built)."""
        if paths is None:
            for path, blob in self.conn.execute(f"SELECT path, {column} FROM files"):
                yield path, unpack(blob) or {}
            return
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for path, blob in self.conn.execute(
                    f"SELECT path, {column} FROM files WHERE path IN ({marks})", chunk):
                yield path, unpack(blob) or {}

    def references_of(self, paths: list[str] | None) -> Iterator[tuple[str, dict[str, list[int]]]]:
        """Each file's references (name -> lines), of every file or of ``paths`` only."""
        return self._blobs_of("refs", paths)

    def terms_of(self, paths: list[str] | None) -> Iterator[tuple[str, dict[str, int]]]:
        """Each file's lexical terms (term -> count), of every file or of ``paths`` only."""
        return self._blobs_of("terms", paths)

    def definition_names(self, paths: list[str] | None) -> list[tuple[str, str, str]]:
        """(path, name, kind) of every definition, or of those in ``paths``: by path, then line
        (ties in the order they were stored), as :meth:`all_definitions` lists them."""
        sql = "SELECT path, name, kind FROM defs{} ORDER BY path, start_line, rowid"
        if paths is None:
            return self.conn.execute(sql.format("")).fetchall()
        out: list[tuple[str, str, str]] = []
        for i in range(0, len(paths), 500):
            chunk = paths[i:i + 500]
            out.extend(self.conn.execute(
                sql.format(f" WHERE path IN ({','.join('?' * len(chunk))})"), chunk))
        out.sort(key=lambda r: r[0])  # stable: each file's own order is kept
        return out

    def workspace(self) -> Workspace:
        """What the repository's manifests (go.mod, package.json, tsconfig, Cargo.toml, Python
        requirements) say of its modules, as the index's files were parsed with
        (:func:`analyzers.foreign.workspace_of`)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='workspace_read'").fetchone()
        known = Workspace.from_json(row[0]) if row else None
        if known is not None:
            return known
        return workspace_of(self.root, [r[0] for r in self.conn.execute("SELECT path FROM files")])

    def history_key(self) -> str:
        """What the history the graph reads depends on: the commits held and HEAD."""
        count, newest = self.conn.execute("SELECT count(*), max(id) FROM commits").fetchone()
        return f"{self.head()}/{count}/{newest}/{self.settings.large_commit_limit}"

    def file_kinds(self) -> dict[str, str]:
        """Files whose content shows them minified or generated: path -> kind."""
        return dict(self.conn.execute("SELECT path, kind FROM files WHERE kind IS NOT NULL"))

    def all_terms(self) -> Iterator[tuple[str, dict[str, int]]]:
        for path, blob in self.conn.execute("SELECT path, terms FROM files"):
            yield path, unpack(blob) or {}

    def imports_of(self, path: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT dst FROM resolved_imports WHERE src=? ORDER BY dst", (path,))]

    def imported_by(self, path: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT src FROM resolved_imports WHERE dst=? ORDER BY src", (path,))]

    def import_edges(self) -> list[tuple[str, str]]:
        return list(self.conn.execute("SELECT src, dst FROM resolved_imports"))

    def head(self) -> str | None:
        return self.store.get_meta("head")

    def file_history(self, path: str) -> tuple[int, int | None]:
        """(commit count, last change time) of ``path``."""
        row = self.conn.execute(
            "SELECT count(*), max(c.time) FROM commit_files f JOIN commits c ON c.id=f.commit_id"
            " WHERE f.path=?", (path,)).fetchone()
        return int(row[0] or 0), row[1]

    def recent_changes(self, commits: int) -> list[tuple[str, int]]:
        """(path, commit time) of each file changed in the last ``commits`` commits, those of at
        most ``large_commit_limit`` files only."""
        return self.conn.execute(
            "SELECT f.path, c.time FROM commits c JOIN commit_files f ON f.commit_id=c.id"
            " WHERE c.id > (SELECT coalesce(max(id), 0) FROM commits) - ? AND c.nfiles<=?",
            (commits, self.settings.large_commit_limit)).fetchall()

    def commit_subjects(self, ids: list[int]) -> dict[int, str]:
        """The subject of each commit id of ``ids`` (ids the index does not hold are left out)."""
        marks = ",".join("?" * len(ids))
        return dict(self.conn.execute(
            f"SELECT id, subject FROM commits WHERE id IN ({marks})", ids).fetchall())

    def commits_touching(self, paths: list[str], since: int, limit: int,
                         until: int | None = None, skip: Callable[[str], bool] | None = None
                         ) -> list[tuple[str, int, str, list[str]]]:
        """(sha, time, subject, the files of ``paths`` it changed) of the newest ``limit``
        commits from ``since`` to ``until`` (Unix times; no end when None) that changed any of
        ``paths``, newest first; commits of more than ``large_commit_limit`` files are left out
        (sweeping changes), and those whose subject ``skip`` is true of."""
        if not paths or limit < 1:
            return []
        marks = ",".join("?" * len(paths))
        rows = self.conn.execute(
            "SELECT c.id, c.sha, c.time, c.subject, f.path FROM commits c JOIN commit_files f"
            f" ON f.commit_id=c.id WHERE f.path IN ({marks}) AND c.time>=? AND c.time<=?"
            " AND c.nfiles<=? ORDER BY c.id DESC",
            (*paths, since, until if until is not None else 1 << 62,
             self.settings.large_commit_limit)).fetchall()
        out: dict[int, tuple[str, int, str, list[str]]] = {}
        skipped: set[int] = set()
        for cid, sha, when, subject, path in rows:
            if cid in skipped:
                continue
            if cid not in out:
                if skip is not None and skip(subject or ""):
                    skipped.add(cid)
                    continue
                if len(out) >= limit:
                    break
                out[cid] = (sha, int(when), subject or "", [])
            out[cid][3].append(path)
        return list(out.values())

    def newest_commit_time(self) -> int | None:
        """The time of the newest commit the index holds (None without history)."""
        row = self.conn.execute("SELECT max(time) FROM commits").fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def commit_file_rows(self) -> list[tuple[int, int, str, str]]:
        """(commit id, time, subject, path) of each file each commit of at most
        ``large_commit_limit`` files changed, oldest commit first."""
        return self.conn.execute(
            "SELECT c.id, c.time, c.subject, f.path FROM commits c JOIN commit_files f"
            " ON f.commit_id=c.id WHERE c.nfiles<=? ORDER BY c.id",
            (self.settings.large_commit_limit,)).fetchall()

    def co_changes(self, path: str, *, half_life_days: float = 180.0,
                   recent: int | None = None) -> list[CoChange]:
        """Files changed together with ``path`` in commits of at most ``large_commit_limit`` files.

        Support is decayed by the commit's age relative to the newest commit touching ``path``.
        """
        limit = self.settings.large_commit_limit
        commits = self.conn.execute(
            "SELECT c.id, c.time FROM commit_files f JOIN commits c ON c.id=f.commit_id"
            " WHERE f.path=? AND c.nfiles<=? ORDER BY c.id DESC", (path, limit)).fetchall()
        if recent is not None:
            commits = commits[:recent]
        if not commits:
            return []
        newest = commits[0][1]
        decay = {cid: 0.5 ** (max(0, newest - t) / (half_life_days * 86400.0))
                 for cid, t in commits}
        together: dict[str, int] = defaultdict(int)
        weight: dict[str, float] = defaultdict(float)
        last: dict[str, int] = {}
        times = dict(commits)
        ids = list(decay)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for cid, other in self.conn.execute(
                f"SELECT commit_id, path FROM commit_files WHERE commit_id IN ({marks})", chunk
            ):
                if other == path:
                    continue
                together[other] += 1
                weight[other] += decay[cid]
                last[other] = max(last.get(other, 0), times[cid])
        n = len(commits)
        out = [CoChange(p, together[p], n, weight[p], last[p]) for p in together]
        out.sort(key=lambda c: (-c.weight, c.path))
        return out

    def file(self, path: str) -> FileInfo | None:
        """The row of one indexed file as it is now (without loading every file's), or None."""
        row = self.conn.execute(
            "SELECT path, lang, tokens, lines, size, hash FROM files WHERE path=?",
            (path,)).fetchone()
        return FileInfo(*row) if row else None

    def file_stat(self, path: str) -> tuple[int, int, str] | None:
        """``(size, mtime_ns, hash)`` the index read ``path`` with, or None when not indexed."""
        row = self.conn.execute("SELECT size, mtime_ns, hash FROM files WHERE path=?",
                                (path,)).fetchone()
        return (int(row[0]), int(row[1]), str(row[2] or "")) if row else None

    def totals_under(self, folder: str) -> tuple[int, int]:
        """(indexed files, raw tokens) under the root-relative ``folder`` ('.' or '' for all)."""
        if folder in ("", "."):
            row = self.conn.execute("SELECT count(*), sum(tokens) FROM files").fetchone()
        else:
            prefix = folder.rstrip("/") + "/"
            row = self.conn.execute(
                "SELECT count(*), sum(tokens) FROM files WHERE path >= ? AND path < ?",
                (prefix, prefix[:-1] + "0")).fetchone()  # '0' sorts right after '/'
        return int(row[0] or 0), int(row[1] or 0)

    def generation(self) -> int:
        """How many builds changed the index (0 before the first)."""
        value = self.store.get_meta("generation")
        return int(value) if value and value.isdigit() else 0

    def hold(self) -> None:
        """From now on, read the index as it is at this moment: a read transaction, so a build
        writing meanwhile (another process, another thread's connection) shows only to a later
        :class:`Index`. Ended by :meth:`close`."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
            self.conn.execute("SELECT count(*) FROM meta").fetchone()  # the read starts here
