"""Helpers for the instruction-check tests: run the checker, pick diagnostics, apply a fix."""

from __future__ import annotations

from pathlib import Path

from analyzers.config import Settings
from analyzers.indexing.index import Index, build
from analyzers.instructions import check_file, check_workspace
from analyzers.instructions.findings import CheckReport, Diagnostic


def run(root: Path, *, index: bool = False, **settings: object) -> CheckReport:
    """``check_workspace`` on ``root`` (with a freshly built index when asked)."""
    s = Settings(**settings)  # type: ignore[arg-type]
    if not index:
        return check_workspace(root, None, s)
    build(root, s)
    with Index(root, s) as ix:
        return check_workspace(root, None, s, index=ix)


def of(report: CheckReport | list[Diagnostic], code: str, path: str | None = None
       ) -> list[Diagnostic]:
    diags = report.diagnostics if isinstance(report, CheckReport) else report
    return [d for d in diags if d.code == code and (path is None or d.path == path)]


def no_internal_errors(report: CheckReport) -> None:
    assert not [n for n in report.notes if " failed on " in n], report.notes


def text_at(text: str, d: Diagnostic) -> str:
    """The source text a diagnostic's range covers."""
    lines = text.replace("\r\n", "\n").split("\n")
    r = d.range
    if r.start.line == r.end.line:
        return lines[r.start.line][r.start.character:r.end.character]
    parts = [lines[r.start.line][r.start.character:]]
    parts.extend(lines[r.start.line + 1:r.end.line])
    parts.append(lines[r.end.line][:r.end.character])
    return "\n".join(parts)


def apply_fix(text: str, d: Diagnostic) -> str:
    """``text`` with the diagnostic's quick fix applied (as an editor would)."""
    assert d.fix is not None, d
    rng = d.fix.range or d.range
    lines = text.split("\n")

    def offset(line: int, col: int) -> int:
        return sum(len(x) + 1 for x in lines[:line]) + col

    a = offset(rng.start.line, rng.start.character)
    b = offset(rng.end.line, rng.end.character)
    return text[:a] + d.fix.replacement + text[b:]


def recheck(root: Path, path: str, text: str, **settings: object) -> list[Diagnostic]:
    """``check_file`` on an unsaved buffer."""
    return check_file(root, path, text, None, Settings(**settings))  # type: ignore[arg-type]
