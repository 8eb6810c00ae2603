"""Open documents kept as a list of lines, so an incremental change costs the lines it touches.

pygls's ``TextDocument`` applies every incremental change by splitting the whole text into lines
and writing it out again: on a 5 MB document each typed character costs tens of milliseconds on
the message loop, and a burst of them holds every other request back. Here the lines are the
state: a change replaces the lines it spans (list slice assignment), the text is joined only when
read (and cached until the next change), and ``length`` (code points) is known without joining.
Lines are split exactly as pygls splits them (``str.splitlines(keepends=True)``).
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from server.lsp.positions import KEPT_BREAKS, from_lsp_kept


class LineDocument(TextDocument):
    """A ``TextDocument`` whose state is its lines."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        text = self._source
        self._lines: list[str] = text.splitlines(True) if text else []
        self._joined: str | None = text if text is not None else None
        self._length = len(text) if text else 0

    @property
    def length(self) -> int:
        """The text's length in code points (no join)."""
        return self._length

    @property
    def source(self) -> str:
        if self._joined is None:
            self._joined = "".join(self._lines)
        return self._joined

    @property
    def lines(self) -> Sequence[str]:
        return self._lines

    def _set_text(self, text: str) -> None:
        self._lines = text.splitlines(True)
        self._joined = text
        self._length = len(text)

    def _apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        self._set_text(change.text)

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        lines = self._lines
        if not lines:
            self._set_text(change.text)
            return
        s, start_col = from_lsp_kept(lines, change.range.start, self._position_codec)
        e, end_col = max(from_lsp_kept(lines, change.range.end, self._position_codec),
                         (s, start_col))
        seg = lines[s][:start_col] + change.text + lines[e][end_col:]
        # Re-split with the neighbouring lines, so joins (a line break deleted) and "\r" + "\n"
        # pairs come out as splitlines of the whole text would make them.
        lo = s - 1 if s > 0 else s
        hi = e + 2 if e + 1 < len(lines) else e + 1
        window = (lines[s - 1] if lo < s else "") + seg + (lines[e + 1] if hi > e + 1 else "")
        old = sum(len(x) for x in lines[lo:hi])
        new_lines = window.splitlines(True)
        # A window that ends without a line break joins the line after it.
        while hi < len(lines) and (not window or window[-1] not in KEPT_BREAKS or
                                   window.endswith("\r")):
            window += lines[hi]
            old += len(lines[hi])
            hi += 1
            new_lines = window.splitlines(True)
        lines[lo:hi] = new_lines
        self._length += len(window) - old
        self._joined = None


class StewardWorkspace(Workspace):
    """pygls's workspace with :class:`LineDocument` text documents."""

    def _create_text_document(self, doc_uri: str, source: str | None = None,
                              version: int | None = None,
                              language_id: str | None = None) -> TextDocument:
        if source is None:  # not open: pygls's document (read from disk when asked)
            return super()._create_text_document(doc_uri, source, version, language_id)
        return LineDocument(doc_uri, source=source, version=version, language_id=language_id,
                            sync_kind=self._sync_kind, position_codec=self._position_codec)
