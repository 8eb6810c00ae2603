"""The language server's shared state: workspace root, settings, scheduler, open-buffer facts.

Handlers run on the asyncio message loop and only capture the request (document text, version,
position) before handing the work to the scheduler; everything here that touches the index or
parses text runs on a scheduler worker. Messages to the client from workers go through
:meth:`ServerState.call_soon` (the loop is the only writer of the output stream).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import unquote, urlparse

from analyzers.app.errors import RequestError
from analyzers.app.paths import Secrets
from analyzers.app.workspace import Snapshot, Workspace
from analyzers.cancel import Cancelled
from analyzers.config import Settings
from analyzers.confine import relative_inside
from analyzers.indexing.index import Index
from analyzers.tokens import Counter
from server.lsp.args import BY_CLIENT, LSP_WORDS
from server.lsp.documents import DocFacts, facts_from_index_or_disk, facts_from_text
from server.lsp.lanes import ANALYSE_BUFFER
from server.lsp.settings import ServerOptions
from server.scheduler import Job, JobContext, Priority, Scheduler

T = TypeVar("T")

# Edits at most BURST_GAP seconds apart, the last less than BURST_QUIET seconds ago, are a burst.
BURST_GAP = 0.3
BURST_QUIET = 1.0


@dataclass(frozen=True, slots=True)
class Buffer:
    """An open document's text as the client last sent it (captured on the loop)."""

    uri: str
    text: str
    version: int | None
    language_id: str | None = None


def uri_to_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if os.name == "nt" and path.startswith("/") and len(path) > 2 and path[2] == ":":
        path = path[1:]
    return Path(path)


class ServerState:
    """Everything the features share. One per server process."""

    def __init__(self, scheduler: Scheduler | None = None) -> None:
        self.scheduler = scheduler or Scheduler()
        self.root: Path | None = None
        self.settings = Settings()
        self.options = ServerOptions()
        self.counter = Counter(self.settings.encoding, self.settings.model_profile())
        self.settings_generation = 0  # bumps when settings change
        self.loop: asyncio.AbstractEventLoop | None = None
        self.inlay_hint_support = True
        self.last_index_error: str | None = None
        self._local = threading.local()
        self._facts: dict[str, DocFacts] = {}  # uri -> facts of the open buffer's newest version
        self._pending: dict[str, tuple[int | None, Job]] = {}
        self._facts_lock = threading.Lock()
        self._changes: dict[str, tuple[float, float]] = {}  # uri -> times of the last 2 edits
        self._index_epoch = 0  # bumps after every build: each thread reopens its index
        self._workspace: tuple[Path, Settings, Workspace] | None = None  # for root, settings

    # -- settings ----------------------------------------------------------------------------
    def apply_settings(self, settings: Settings, options: ServerOptions) -> None:
        self.settings = settings
        self.options = options
        self.counter = Counter(settings.encoding, settings.model_profile())
        self.settings_generation += 1
        with self._facts_lock:
            self._facts.clear()

    @property
    def context_window(self) -> int:
        return self.settings.model_profile().context_window

    def scaled(self, raw_tokens: int) -> int:
        return self.counter.scale(raw_tokens)

    def share(self, scaled_tokens: int) -> float:
        window = self.context_window
        return scaled_tokens / window if window else 0.0

    def window_label(self) -> str:
        w = self.context_window
        if w >= 1_000_000 and w % 100_000 == 0:
            return f"{w / 1_000_000:g}M"
        if w >= 1000 and w % 1000 == 0:
            return f"{w // 1000}k"
        return f"{w:,}"

    # -- paths -------------------------------------------------------------------------------
    def rel_path(self, uri: str) -> str | None:
        """The workspace-relative POSIX path of ``uri``'s real location (symlinks followed; '.'
        for the root); None for a non-file URI, without a workspace folder, or when it lies
        outside the workspace (:func:`analyzers.confine.relative_inside`)."""
        p = uri_to_path(uri)
        if p is None or self.root is None:
            return None
        return relative_inside(self.root, p)

    def checked_path(self, uri: str) -> str:
        """``uri``'s workspace-relative path under the application's path-safety rule
        (:func:`analyzers.app.paths.workspace_path`, secret-bearing names refused: a document is
        never read for this), or the :class:`~analyzers.app.errors.RequestError` saying why
        not."""
        p = uri_to_path(uri)
        if p is None:
            raise RequestError(f"{uri} is not a file")
        ws = self.workspace()
        if ws is None:
            raise RequestError("no workspace folder is open: the file is outside the workspace")
        return ws.path(str(p), what="file", secrets=Secrets.NAME)

    def refusal(self, uri: str) -> str | None:
        """Why the features refuse to answer about ``uri`` (None: they may). Outside the
        workspace - a symlink whose real location is outside included - nothing is read, counted
        or named; nor is a secret-bearing file (``.env*``, ``.netrc``, keys) inside it, nor our
        cache or git's internals (:meth:`checked_path`). Not an error: the features answer with
        this note (a hover, a budget's problem), worded for the editor as errors are."""
        try:
            self.checked_path(uri)
        except RequestError as e:
            return e.worded(LSP_WORDS)
        return None

    # -- the application layer -----------------------------------------------------------------
    def workspace(self) -> Workspace | None:
        """The workspace (root and settings) of the application layer; None without a folder."""
        root, settings = self.root, self.settings
        if root is None:
            return None
        made = self._workspace
        if made is None or made[0] != root or made[1] is not settings:
            made = self._workspace = (root, settings, Workspace(root, settings))
        return made[2]

    def snapshot(self) -> Snapshot | None:
        """The application layer's queries over this worker's index (not to be closed: the
        worker keeps it open); None without a workspace or an index."""
        ws, index = self.workspace(), self.index()
        if ws is None or index is None:
            return None
        return Snapshot(ws, index)

    def too_large(self, text: str) -> str | None:
        """Why an open document is too large to analyse (its text beyond ``max_file_size``)."""
        limit = self.settings.max_file_size
        if len(text) <= limit // 4:  # at most 4 UTF-8 bytes a character: surely small enough
            return None
        # More characters than the limit are more bytes too; in between, count the bytes.
        size = len(text) if len(text) > limit else len(text.encode("utf-8", "surrogatepass"))
        if size <= limit:
            return None
        return (f"this document is too large to analyse (over {limit:,} bytes, the limit of "
                "the ctxsteward.maxFileSize setting)")

    # -- the index, one connection per worker thread ----------------------------------------
    def index(self) -> Index | None:
        if self.root is None:
            return None
        db = self.root / ".ctxsteward" / "index.sqlite"
        try:
            ino = db.stat().st_ino
        except OSError:
            ino = -1
        key = (self.settings_generation, ino, self._index_epoch)
        cur: Index | None = getattr(self._local, "index", None)
        if cur is not None and self._local.key == key:
            return cur
        if cur is not None:
            cur.close()
        self._local.index = None
        try:
            idx = Index(self.root, self.settings)
        except (OSError, sqlite3.Error) as e:
            # An unwritable or locked cache: features fall back to the open buffers' own text.
            self.last_index_error = f"the index cannot be opened: {e}"
            return None
        try:
            key = (self.settings_generation, db.stat().st_ino, self._index_epoch)
        except OSError:
            pass
        self._local.index, self._local.key = idx, key
        return idx

    def index_generation(self, index: Index | None) -> int:
        return 0 if index is None else index.generation()

    # -- document facts ----------------------------------------------------------------------
    def ensure_analysis(self, buf: Buffer, *, delay: float = 0.0) -> Job | None:
        """Schedule analysis of ``buf`` unless its facts are known (call on the loop).

        Returns the job to depend on, or None when the facts for this version are cached or
        the document is not analysed (outside the workspace, secret-bearing, too large).
        """
        if self.refusal(buf.uri) is not None or self.too_large(buf.text) is not None:
            return None
        with self._facts_lock:
            cached = self._facts.get(buf.uri)
        if cached is not None and cached.version == buf.version and buf.version is not None:
            return None
        pending = self._pending.get(buf.uri)
        if pending is not None and pending[0] == buf.version and pending[1].state.value in (
                "queued", "running", "done"):
            return pending[1]

        def run(ctx: JobContext) -> DocFacts:
            return self._analyse(ctx, buf)

        job = ANALYSE_BUFFER.submit(self.scheduler, run, uri=buf.uri, delay=delay)
        self._pending[buf.uri] = (buf.version, job)
        return job

    def has_facts(self, uri: str) -> bool:
        """Whether facts of some version of the open document ``uri`` are known."""
        with self._facts_lock:
            return uri in self._facts

    def changed(self, uri: str) -> None:
        """``uri`` was edited (call on the loop): :meth:`typing` tells edit bursts."""
        now = time.monotonic()
        last = self._changes.get(uri)
        self._changes[uri] = (last[1] if last else float("-inf"), now)

    def typing(self, uri: str) -> bool:
        """Whether ``uri`` is being edited in a burst (its last two changes came close together,
        the last one just now) and facts of an earlier version are known: a hover then answers
        from those at once rather than wait for an analysis the next change would supersede."""
        last = self._changes.get(uri)
        if last is None or time.monotonic() - last[1] > BURST_QUIET or \
                last[1] - last[0] > BURST_GAP:
            return False
        return self.has_facts(uri)

    def _analyse(self, ctx: JobContext, buf: Buffer) -> DocFacts:
        path = self.rel_path(buf.uri)
        if path is None:
            raise Cancelled(self.refusal(buf.uri) or "outside the workspace")
        index = self.index()
        facts = facts_from_text(index, path, buf.text, self.settings.encoding, buf.version,
                                self.index_generation(index), ctx.token)
        with self._facts_lock:
            old = self._facts.get(buf.uri)
            if old is None or old.version is None or buf.version is None or \
                    buf.version >= old.version:
                self._facts[buf.uri] = facts
        return facts

    def facts_for(self, buf: Buffer | None, uri: str, ctx: JobContext, *,
                  stale_ok: bool = False) -> tuple[DocFacts | None, str | None]:
        """Facts for ``uri`` inside a job: the open buffer's (cached or computed now), else the
        index's or the file on disk's; (None, why) for a document the features refuse.

        ``stale_ok``: an open buffer's facts of an earlier version will do (a hover while the
        user types is answered at once; the newest version's analysis is debounced)."""
        why = self.refusal(uri)
        if why is not None:
            return None, why
        if buf is not None:
            big = self.too_large(buf.text)
            if big is not None:
                return None, big
            with self._facts_lock:
                cached = self._facts.get(uri)
            if cached is not None and stale_ok:
                return cached, None
            # Facts hold for one version of the buffer against one generation of the index:
            # whether the buffer differs from what the index holds ("(unsaved)") is decided
            # again once the index changed (a save, the first build finishing).
            if cached is not None and cached.version == buf.version and buf.version is not None \
                    and cached.generation == self.index_generation(self.index()):
                return cached, None
            return self._analyse(ctx, buf), None
        path = self.rel_path(uri)
        if path is None:
            return None, f"{uri} is outside the workspace"
        index = self.index()
        return facts_from_index_or_disk(index, self.root, path, self.settings.encoding,
                                        self.settings.max_file_size,
                                        self.index_generation(index), ctx.token)

    def forget(self, uri: str) -> None:
        self._changes.pop(uri, None)
        with self._facts_lock:
            self._facts.pop(uri, None)
        self._pending.pop(uri, None)
        self.scheduler.cancel_key(ANALYSE_BUFFER.key_for(uri), "document closed")

    def forget_facts(self, uri: str) -> None:
        """``uri`` became too large to analyse: drop what was known of it (cheap when nothing
        was - called on every change of such a document)."""
        if uri in self._pending or uri in self._facts or uri in self._changes:
            self.forget(uri)

    def drop_index_facts(self) -> None:
        """After the index changed: every open buffer's facts are stale - those read from the
        index, and those analysed from a buffer that may now match the index (a saved file, a
        file opened before the first build) - and each worker's open index (with the file table
        it loaded) is reopened."""
        self._index_epoch += 1
        with self._facts_lock:
            self._facts.clear()

    # -- running work ------------------------------------------------------------------------
    async def run(
        self,
        fn: Callable[[JobContext], T],
        *,
        kind: str,
        priority: Priority = Priority.INTERACTIVE,
        lane: Literal["cpu", "io"] = "cpu",
        depends_on: Iterable[Job | str] = (),
        deadline: float | None = None,
        request: Future[Any] | asyncio.Future[Any] | None = None,
    ) -> T:
        """Run ``fn`` on the scheduler and await it; a cancelled request cancels the job.

        ``request``: the future pygls answers the client from, when it is not the awaiting task
        itself (``workspace/executeCommand`` runs the command inside a wrapper).
        """
        job = self.scheduler.submit(
            fn, kind=kind, priority=priority, lane=lane, depends_on=[d for d in depends_on if d],
            deadline=deadline)
        if request is not None:
            def on_done(f: Any) -> None:
                if f.cancelled():
                    job.cancel(BY_CLIENT)
            request.add_done_callback(on_done)
        try:
            return await asyncio.wrap_future(job.future)
        except asyncio.CancelledError:
            job.cancel(BY_CLIENT)
            raise

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the message loop (from any thread)."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(fn, *args)

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=False)
