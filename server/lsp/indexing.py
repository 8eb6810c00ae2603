"""Keeping the index current from the server: background builds with ``window/workDoneProgress``,
and a watcher that notices a moved git HEAD (checkout, commit, pull) by its files' stat."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types

from analyzers import gitrepo
from analyzers.app.workspace import Workspace
from analyzers.config import Settings
from analyzers.printable import plural
from analyzers.results import IndexReport
from server.lsp.lanes import INDEX
from server.lsp.state import ServerState
from server.scheduler import Job, JobContext

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.25  # seconds between progress notifications (or a whole percent)


class LoopProgress:
    """One ``window/workDoneProgress`` stream, driven from any thread, sent in order on the loop.

    Reports that arrive before the client acknowledged the token are held (only the newest is
    kept); if the client refuses the token, nothing is sent.
    """

    def __init__(self, ls: Any, state: ServerState, token: str, title: str,
                 cancellable: bool = False) -> None:
        self.ls = ls
        self.state = state
        self.token = token
        self.title = title
        self.cancellable = cancellable
        self._ready = False
        self._failed = False
        self._pending: tuple[float | None, str] | None = None
        self._end: str | None = None
        self._last_sent = 0.0
        self._last_pct: float | None = None

    def start(self) -> None:
        self.state.call_soon(self._start)

    def _start(self) -> None:
        asyncio.get_running_loop().create_task(self._begin())

    async def _begin(self) -> None:
        try:
            await self.ls.work_done_progress.create_async(self.token)
        except Exception as e:  # noqa: BLE001 - a client without progress support
            log.info("progress token refused: %s", e)
            self._failed = True
            return
        self.ls.work_done_progress.begin(self.token, types.WorkDoneProgressBegin(
            title=self.title, percentage=0, cancellable=self.cancellable))
        self._ready = True
        if self._pending is not None:
            self._send(*self._pending)
        if self._end is not None:
            self._send_end(self._end)

    def report(self, percent: float | None, message: str) -> None:
        now = time.monotonic()
        if self._last_pct is not None and percent is not None and \
                percent - self._last_pct < 1.0 and now - self._last_sent < PROGRESS_EVERY:
            return
        self._last_sent, self._last_pct = now, percent
        self.state.call_soon(self._report, percent, message)

    def _report(self, percent: float | None, message: str) -> None:
        if self._failed:
            return
        if not self._ready:
            self._pending = (percent, message)
            return
        self._send(percent, message)

    def _send(self, percent: float | None, message: str) -> None:
        self.ls.work_done_progress.report(self.token, types.WorkDoneProgressReport(
            message=message[-80:], percentage=None if percent is None else int(percent)))

    def end(self, message: str) -> None:
        self.state.call_soon(self._finish, message)

    def _finish(self, message: str) -> None:
        if self._failed:
            return
        if not self._ready:
            self._end = message
            return
        self._send_end(message)

    def _send_end(self, message: str) -> None:
        self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self.ls.work_done_progress.tokens.pop(self.token, None)


class Indexer:
    """Schedules index builds (coalesced: one runs, at most one waits) and watches git HEAD."""

    def __init__(self, ls: Any, state: ServerState) -> None:
        self.ls = ls
        self.state = state
        self.progress_supported = False
        self.refresh_inlay = False
        self.refresh_lens = False
        self.on_indexed: list[Callable[[IndexReport], None]] = []
        self._ids = itertools.count(1)
        self._progress_jobs: dict[str, Job] = {}
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._head_sig: tuple[Any, ...] | None = None
        self._git_dir: Path | None = None

    # -- builds ------------------------------------------------------------------------------
    def schedule(self, reason: str, *, delay: float = 0.0) -> Job | None:
        if self.state.root is None:
            return None
        n = next(self._ids)
        token = f"ctxsteward-index-{n}"
        progress: LoopProgress | None = None
        if self.progress_supported:
            progress = LoopProgress(self.ls, self.state, token, "Context Steward: indexing",
                                    cancellable=True)

        def run(ctx: JobContext) -> IndexReport:
            root = self.state.root
            if root is None:
                raise RuntimeError("no workspace folder")
            if progress is not None:
                progress.start()
            ok = False
            try:
                report = Workspace(root, self.build_settings()).build(
                    token=ctx.token,
                    progress=lambda done, total, path: ctx.progress(done, total, path),
                    waiting=lambda pid: say_waiting(ctx, pid))
                ok = True
            finally:
                if progress is not None and not ok:
                    progress.end(f"stopped: {ctx.token.reason or 'failed'}")
            if progress is not None:
                progress.end(f"{plural(report.files, 'file')} · {report.tokens:,} tokens · "
                             f"{report.seconds:.1f} s")
            return report

        def on_progress(job: Job, percent: float | None, message: str) -> None:
            if progress is not None:
                progress.report(percent, message)

        job = INDEX.submit(self.state.scheduler, run, delay=delay, on_progress=on_progress)
        job.message = reason
        if progress is not None:
            self._progress_jobs[token] = job
        job.future.add_done_callback(lambda f: self._built(job, token))
        return job

    def build_settings(self) -> Settings:
        """The settings for a background build: unless the user chose ``workers``, the parse pool
        leaves one core to the editor's requests (all cores when there is only one)."""
        settings = self.state.settings
        if settings.workers is None:
            cores = os.cpu_count() or 1
            settings = settings.model_copy(update={"workers": max(1, cores - 1)})
        return settings

    def cancel_progress(self, token: str) -> None:
        job = self._progress_jobs.get(token)
        if job is not None:
            job.cancel("indexing cancelled from the editor")

    def _built(self, job: Job, token: str) -> None:
        self._progress_jobs.pop(token, None)
        fut = job.future
        if fut.cancelled() or fut.exception() is not None:
            exc = None if fut.cancelled() else fut.exception()
            if exc is not None and job.state.value == "failed":
                message = f"indexing failed: {exc}"
                if message != self.state.last_index_error:  # say it once, not on every save
                    self.state.call_soon(self._tell, types.MessageType.Error,
                                         f"Context Steward: {message}")
                self.state.last_index_error = message
            return
        report: IndexReport = fut.result()
        self.state.last_index_error = None
        self.state.drop_index_facts()
        for w in report.warnings[:5]:
            self.state.call_soon(self._log, types.MessageType.Warning, w)
        self.state.call_soon(
            self._log, types.MessageType.Info,
            f"indexed {plural(report.files, 'file')} ({report.files_parsed:,} parsed) in "
            f"{report.seconds:.2f} s")
        for cb in self.on_indexed:
            cb(report)
        if report.files_parsed or report.files_removed or (
                report.history and report.history.commits_read):
            self.state.call_soon(self.refresh_views)

    def refresh_views(self) -> None:
        """Ask the client to pull inlay hints and code lenses again (those it can refresh)."""
        if self.refresh_inlay:
            self.ls.protocol.send_request(types.WORKSPACE_INLAY_HINT_REFRESH, None)
        if self.refresh_lens:
            self.ls.protocol.send_request(types.WORKSPACE_CODE_LENS_REFRESH, None)

    def _tell(self, kind: types.MessageType, message: str) -> None:
        self.ls.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def _log(self, kind: types.MessageType, message: str) -> None:
        self.ls.window_log_message(types.LogMessageParams(type=kind, message=message))

    # -- git HEAD ----------------------------------------------------------------------------
    def start_head_watcher(self) -> None:
        if self.state.root is None or self._watcher is not None:
            return
        self._watcher = threading.Thread(target=self._watch_head, daemon=True,
                                         name="ctxsteward-head-watch")
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch_head(self) -> None:
        root = self.state.root
        if root is None:
            return
        self._git_dir = gitrepo.git_dir(root, timeout=10)
        if self._git_dir is None:
            return
        self._head_sig = self.head_signature()
        while not self._stop.wait(self.state.options.head_poll_seconds):
            sig = self.head_signature()
            if sig != self._head_sig:
                self._head_sig = sig
                self.schedule("git HEAD moved", delay=0.2)

    def head_signature(self) -> tuple[Any, ...]:
        """What changes when HEAD moves: HEAD's text, and the stat of the ref it names."""
        g = self._git_dir
        if g is None:
            return ()
        try:
            head = (g / "HEAD").read_text(errors="replace").strip()
        except OSError:
            return ()
        parts: list[Any] = [head]
        if head.startswith("ref:"):
            ref = head[4:].strip()
            for p in (g / ref, g / "packed-refs"):
                try:
                    st = p.stat()
                    parts.append((st.st_mtime_ns, st.st_size, st.st_ino))
                except OSError:
                    parts.append(None)
        return tuple(parts)


def say_waiting(ctx: JobContext, pid: int | None) -> None:
    """Another process's build of the workspace's index keeps this one waiting: said in the log
    and the build's progress (:mod:`analyzers.indexing.buildlock`)."""
    text = f"waiting for another ctxsteward process indexing this workspace (pid {pid})" \
        if pid is not None else "waiting for another ctxsteward process indexing this workspace"
    log.info("%s", text)
    ctx.progress(0, 0, text)
