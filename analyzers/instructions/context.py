"""What every check receives (one instruction file in its workspace) and how it reports."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import cached_property

from analyzers.instructions import discover
from analyzers.instructions.checkview import CheckView
from analyzers.instructions.findings import CODES, Diagnostic, Fix, Range, Severity
from analyzers.instructions.markdown import Document, Loc
from analyzers.instructions.references import References, extract
from analyzers.secrets import find_secrets, redact


def to_range(loc: Loc) -> Range:
    return Range.of(loc.line, loc.col, loc.end_line, loc.end_col)


@dataclass
class FileContext:
    ws: CheckView
    path: str  # root-relative
    doc: Document
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path) or "."

    @property
    def kind(self) -> str:
        return discover.kind_of(self.path)

    @cached_property
    def real_path(self) -> str:
        """The root-relative file a symlinked instruction file points at (else its own path):
        its git history is the content's history."""
        return self.ws.real_path(self.path)

    @cached_property
    def refs(self) -> References:
        return extract(self.doc)

    def join(self, rel: str) -> str:
        """``rel`` (as written in this file) relative to this file's folder, root-relative."""
        from analyzers.instructions.checkview import normalise

        if self.folder == ".":
            return normalise(rel)
        return normalise(f"{self.folder}/{rel}")

    @cached_property
    def secrets(self) -> list[tuple[Loc, str, str]]:
        """The secret values of this file's text (where, the value, its kind): a check quoting
        one alone (``CS002``: "`V` appears nowhere in the code") tells nothing :func:`redact`
        of its message can see."""
        found = find_secrets(self.doc.text, self.path)
        out = []
        for f in found:
            line = self.doc.lines[f.line - 1] if f.line - 1 < len(self.doc.lines) else ""
            out.append((Loc(f.line - 1, f.start, f.line - 1, f.end), line[f.start:f.end], f.kind))
        return out

    def _masked(self, text: str) -> str:
        """``text`` with this file's secret values masked, and every other secret it holds."""
        for _, value, kind in sorted(self.secrets, key=lambda s: -len(s[1])):
            if len(value.strip()) >= 3:
                text = text.replace(value, f"[redacted: {kind}]")
        return redact(text)

    def _on_secret(self, loc: Loc) -> bool:
        """Whether ``loc`` lies in a secret value of the file (no symbol, path or command to
        check: a check of it would quote the value)."""
        return any(s.line == loc.line and s.col <= loc.col and loc.end_col <= s.end_col
                   and loc.end_line == loc.line for s, _, _ in self.secrets)

    def report(self, loc: Loc, code: str, message: str, *, severity: Severity | None = None,
               fix: str | None = None, fix_title: str = "", fix_loc: Loc | None = None) -> None:
        if self.secrets and self._on_secret(loc):
            return
        rng = to_range(loc)
        f = None
        if fix is not None:
            fix = self._masked(fix) if self.secrets else fix
            f = Fix(replacement=fix, title=fix_title or f"Replace with {fix!r}",
                    range=to_range(fix_loc) if fix_loc is not None else rng)
        self.diagnostics.append(Diagnostic(
            path=self.path, range=rng, code=code, severity=severity or CODES[code].severity,
            message=self._masked(message) if self.secrets else redact(message), fix=f))

    def first_line(self) -> Loc:
        """The first non-blank line after the frontmatter (where file-level findings go)."""
        start = self.doc.frontmatter.end if self.doc.frontmatter else 0
        for i in range(start, len(self.doc.lines)):
            if self.doc.lines[i].strip():
                return Loc(i, 0, i, len(self.doc.lines[i]))
        return Loc(0, 0, 0, len(self.doc.lines[0]) if self.doc.lines else 0)
