"""Diagnostics of agent instruction files (CLAUDE.md, AGENTS.md, ...) from
:mod:`analyzers.instructions`, published for open buffers (their unsaved text included).

One long-lived :class:`~analyzers.instructions.Workspace` keeps file lists, parsed documents and
git answers between checks; it is not thread-safe, so checks take turns on it (a lock), and it is
refreshed after every index build.
"""

from __future__ import annotations

import threading
from typing import Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analyzers.index import Index
from analyzers.instructions import Diagnostic, Workspace, check_file
from analyzers.instructions.discover import is_instruction_file

from ..scheduler import Job, JobContext, Priority
from .documents import split_lines
from .state import Buffer, ServerState

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
        self._ws: Workspace | None = None
        self._index: Index | None = None
        self._settings_generation = -1

    def applies_to(self, uri: str) -> bool:
        path = self.state.rel_path(uri)
        if path is None or self.state.root is None or path.startswith("/"):
            return False
        return is_instruction_file(path, self.state.settings.instruction_files)

    def schedule(self, buf: Buffer, codec: PositionCodec, *, delay: float = 0.0,
                 priority: Priority = Priority.OPEN_FILE) -> Job | None:
        """Check ``buf`` (call on the loop); the diagnostics are published when done."""
        if not self.applies_to(buf.uri):
            return None

        def run(ctx: JobContext) -> int:
            return self._check(ctx, buf, codec)

        return self.state.scheduler.submit(
            run, kind="check-instructions", key=f"check:{buf.uri}", priority=priority,
            lane="io", delay=delay, deadline=60.0, retries=2, backoff=0.5)

    def closed(self, uri: str) -> None:
        path = self.state.rel_path(uri)
        self.state.scheduler.cancel_key(f"check:{uri}", "document closed")
        if path is not None:
            with self._lock:
                if self._ws is not None:
                    self._ws.set_text(path, None)
        self.state.call_soon(self._publish, uri, None, [])

    def invalidate(self) -> None:
        """After an index build: new files, commits and an index to reopen."""
        with self._lock:
            if self._ws is not None and self.state.root is not None:
                old = self._index
                self._index = Index(self.state.root, self.state.settings)
                self._ws.invalidate(self._index)
                if old is not None:
                    old.close()

    def _workspace(self) -> Workspace:
        root = self.state.root
        assert root is not None
        if self._ws is None or self._settings_generation != self.state.settings_generation:
            if self._index is not None:
                self._index.close()
            self._index = Index(root, self.state.settings)
            self._ws = Workspace(root, self.state.settings, self._index)
            self._settings_generation = self.state.settings_generation
        return self._ws

    def _check(self, ctx: JobContext, buf: Buffer, codec: PositionCodec) -> int:
        root = self.state.root
        path = self.state.rel_path(buf.uri)
        if root is None or path is None:
            return 0
        with self._lock:
            ws = self._workspace()
            ws.token = ctx.token
            ws.set_text(path, buf.text)
            found = check_file(root, path, buf.text, workspace=ws, token=ctx.token)
        lines = split_lines(buf.text)
        diags = [_to_lsp(d, lines, codec) for d in found if d.path == path]
        ctx.check()
        self.state.call_soon(self._publish, buf.uri, buf.version, diags)
        return len(diags)

    def _publish(self, uri: str, version: int | None, diags: list[types.Diagnostic]) -> None:
        self.ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=diags))


def _to_lsp(d: Diagnostic, lines: list[str], codec: PositionCodec) -> types.Diagnostic:
    def pos(line: int, character: int) -> types.Position:
        text = lines[line] if 0 <= line < len(lines) else ""
        return types.Position(line=line, character=codec.client_num_units(text[:character]))

    r = d.range
    return types.Diagnostic(
        range=types.Range(start=pos(r.start.line, r.start.character),
                          end=pos(r.end.line, r.end.character)),
        message=d.message, severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code, source="ctxsteward",
        data={"fix": d.fix.model_dump(mode="json")} if d.fix is not None else None)
