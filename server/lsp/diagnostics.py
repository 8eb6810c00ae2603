"""Diagnostics of agent instruction files (CLAUDE.md, AGENTS.md, ...) from
:mod:`analyzers.instructions`, published for open buffers (their unsaved text included).

One long-lived :class:`~analyzers.instructions.CheckView` keeps file lists, parsed documents and
git answers between checks; it is not thread-safe, so checks and the editor features of
:mod:`.instruction_editor` take turns on it (:meth:`InstructionChecks.using`), and it is refreshed
after every index build (new files, commits, a moved HEAD).

Diagnostics are pushed (``textDocument/publishDiagnostics``) unless the client pulls them
(``textDocument/diagnostic``): then :attr:`InstructionChecks.push` is off and the server asks the
client to pull again (``workspace/diagnostic/refresh``) when files or settings change.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analyzers.cancel import CancelToken
from analyzers.indexing.index import Index
from analyzers.instructions.discover import is_instruction_file, is_markdown
from server.lsp.lanes import CHECK_BUFFER
from server.lsp.positions import split_lines, to_lsp
from server.lsp.state import Buffer, ServerState
from server.scheduler import Job, JobContext, Priority

if TYPE_CHECKING:
    # Imported where used: their import costs ~0.2 s that a code file's hover need not wait for.
    from analyzers.instructions import CheckView, Diagnostic

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


class InstructionChecks:
    def __init__(self, ls: Any, state: ServerState) -> None:
        self.ls = ls
        self.state = state
        self._lock = threading.Lock()
        self._ws: CheckView | None = None
        self._index: Index | None = None
        self._settings_generation = -1
        self.push = True  # off when the client pulls diagnostics
        self.refresh_support = False  # the client takes workspace/diagnostic/refresh
        self.pushed_closed: set[str] = set()  # URIs of files not open that got diagnostics

    def applies_to(self, uri: str) -> bool:
        path = self.state.rel_path(uri)
        if path is None or self.state.root is None or path.startswith("/"):
            return False
        return is_instruction_file(path, self.state.settings.instruction_files)

    def concerns(self, uri: str) -> bool:
        """Whether the instruction editor answers about ``uri`` at all: an instruction file or
        any Markdown file (links, paths). A cheap test: code files never import the checks."""
        return is_markdown(uri) or self.applies_to(uri)

    def schedule(self, buf: Buffer, codec: PositionCodec, *, delay: float = 0.0,
                 priority: Priority = Priority.OPEN_FILE) -> Job | None:
        """Check ``buf`` (call on the loop); the diagnostics are published when done."""
        if not self.push or not self.applies_to(buf.uri):
            return None

        def run(ctx: JobContext) -> int:
            return self._check(ctx, buf, codec)

        return CHECK_BUFFER.submit(self.state.scheduler, run, uri=buf.uri, delay=delay,
                                   priority=priority)

    def closed(self, uri: str, *, publish: bool = True) -> None:
        path = self.state.rel_path(uri)
        self.state.scheduler.cancel_key(CHECK_BUFFER.key_for(uri), "document closed")
        if path is not None:
            with self._lock:
                if self._ws is not None:
                    self._ws.set_text(path, None)
        if publish and self.push:
            self.state.call_soon(self._publish, uri, None, [])

    @contextmanager
    def using(self, token: CancelToken, texts: dict[str, str] | None = None
              ) -> Iterator[CheckView]:
        """The shared workspace, for one job at a time; ``texts``: unsaved buffers by
        root-relative path."""
        if self.state.root is None:
            raise RuntimeError("no workspace folder")
        with self._lock:
            ws = self._workspace()
            ws.token = token
            for path, text in (texts or {}).items():
                ws.set_text(path, text)
            yield ws

    def invalidate(self) -> None:
        """After an index build: new files, commits and an index to reopen."""
        with self._lock:
            if self._ws is not None and self.state.root is not None:
                old = self._index
                self._index = Index(self.state.root, self.state.settings)
                self._ws.invalidate(self._index)
                if old is not None:
                    old.close()

    def _workspace(self) -> CheckView:
        from analyzers.instructions import CheckView

        root = self.state.root
        assert root is not None
        if self._ws is None or self._settings_generation != self.state.settings_generation:
            if self._index is not None:
                self._index.close()
            self._index = Index(root, self.state.settings)
            self._ws = CheckView(root, self.state.settings, self._index)
            self._settings_generation = self.state.settings_generation
        return self._ws

    def diagnostics(self, ctx: JobContext, uri: str, text: str, codec: PositionCodec,
                    *, buffer: bool = True) -> list[types.Diagnostic]:
        """The diagnostics of ``text``, the content of the instruction file ``uri`` (an open
        buffer's, or with ``buffer=False`` the file on disk, which is then not kept as an
        unsaved buffer)."""
        root = self.state.root
        path = self.state.rel_path(uri)
        if root is None or path is None:
            return []
        from analyzers.instructions import check_file

        with self.using(ctx.token, {path: text} if buffer else {}) as ws:
            found = check_file(root, path, text if buffer else None, workspace=ws,
                               token=ctx.token)
        lines = split_lines(text)
        return [lsp_diagnostic(d, lines, codec) for d in found if d.path == path]

    def _check(self, ctx: JobContext, buf: Buffer, codec: PositionCodec) -> int:
        diags = self.diagnostics(ctx, buf.uri, buf.text, codec)
        ctx.check()
        self.state.call_soon(self._publish, buf.uri, buf.version, diags)
        return len(diags)

    def _publish(self, uri: str, version: int | None, diags: list[types.Diagnostic]) -> None:
        self.ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=diags))

    def publish_closed(self, by_uri: dict[str, list[types.Diagnostic]], *,
                       complete: bool) -> None:
        """Diagnostics of files that are not open (``ctxsteward.checkInstructions``), on the
        loop. Files that had some and now have none are cleared; with ``complete`` (every
        instruction file was checked) so are those missing from ``by_uri``."""
        open_uris = set(self.ls.workspace.text_documents)
        if complete:
            for uri in sorted(self.pushed_closed - set(by_uri)):
                if uri not in open_uris:
                    self._publish(uri, None, [])
            self.pushed_closed = set()
        for uri, diags in sorted(by_uri.items()):
            if uri in open_uris:
                continue
            if diags:
                self._publish(uri, None, diags)
                self.pushed_closed.add(uri)
            elif uri in self.pushed_closed:
                self._publish(uri, None, [])
                self.pushed_closed.discard(uri)

    def opened(self, uri: str) -> None:
        """A file whose diagnostics were pushed while closed is open now: in pull mode the
        client asks for them itself, so the pushed copy goes (no duplicates)."""
        if uri in self.pushed_closed:
            self.pushed_closed.discard(uri)
            if not self.push:
                self._publish(uri, None, [])


def lsp_diagnostic(d: Diagnostic, lines: list[str], codec: PositionCodec) -> types.Diagnostic:
    """An LSP diagnostic; a quick fix travels in ``data.fix`` with its range already in the
    client's units (``{"replacement", "title", "range"}``)."""
    rng = to_lsp(lines, d.range.core(), codec)
    data = None
    if d.fix is not None:
        fix_range = to_lsp(lines, d.fix.range.core(), codec) if d.fix.range is not None else rng
        data = {"fix": {"replacement": d.fix.replacement, "title": d.fix.title,
                        "range": {"start": {"line": fix_range.start.line,
                                            "character": fix_range.start.character},
                                  "end": {"line": fix_range.end.line,
                                          "character": fix_range.end.character}}}}
    return types.Diagnostic(
        range=rng, message=d.message,
        severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code, source="ctxsteward", data=data)


def result_id(diags: list[types.Diagnostic]) -> str:
    """A stable id of a pull report's content (an unchanged report is answered as such)."""
    parts = [(d.code, d.message, d.range.start.line, d.range.start.character, d.range.end.line,
              d.range.end.character, d.severity, json.dumps(d.data, sort_keys=True))
             for d in diags]
    return hashlib.blake2b(json.dumps(parts).encode(), digest_size=12).hexdigest()
