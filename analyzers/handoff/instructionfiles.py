"""Instruction files (CLAUDE.md, AGENTS.md, ...) that apply to the touched paths.

A plain name in ``settings.instruction_files`` (``CLAUDE.md``, ``AGENTS.md``, ...) applies to its
folder and everything below, so a touched path picks up the ones in each of its ancestor folders;
a fixed path (``.github/copilot-instructions.md``, ``.claude/CLAUDE.md``) applies to the whole
repository. Glob entries (scoped rules) are left to the instruction checker.

Open staleness diagnostics come from :mod:`analyzers.instructions` (imported when checks are
asked for).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from analyzers.cancel import NEVER, Cancelled, CancelToken
from analyzers.config import Settings
from analyzers.handoff.note import InstructionDiagnostic, InstructionFile, InstructionSummary

if TYPE_CHECKING:
    from analyzers.indexing.index import Index
    from analyzers.instructions.findings import Diagnostic


def _ancestors(path: str) -> list[str]:
    parts = PurePosixPath(path).parts[:-1]
    return [""] + ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _is_glob(p: str) -> bool:
    return any(c in p for c in "*?[")


def applicable_files(
    root: Path, touched: Iterable[str], settings: Settings,
) -> list[InstructionFile]:
    """Instruction files applying to ``touched`` paths, with how many of them each applies to."""
    names = [p for p in settings.instruction_files if "/" not in p and not _is_glob(p)]
    fixed = [p for p in settings.instruction_files if "/" in p and not _is_glob(p)]
    counts: dict[str, int] = {}
    exists: dict[str, bool] = {}

    def present(rel: str) -> bool:
        if rel not in exists:
            exists[rel] = (root / rel).is_file()
        return exists[rel]

    touched = sorted(set(touched))
    for path in touched:
        found: set[str] = set()
        for folder in _ancestors(path):
            for name in names:
                rel = f"{folder}/{name}" if folder else name
                if present(rel):
                    found.add(rel)
            for fx in fixed:
                # .claude/CLAUDE.md style entries also work per folder; others are repository-wide.
                rel = f"{folder}/{fx}" if folder and fx.startswith(".claude/") else fx
                if (folder == "" or fx.startswith(".claude/")) and present(rel):
                    found.add(rel)
        for rel in found:
            counts[rel] = counts.get(rel, 0) + 1
    # A symlink to another listed file (CLAUDE.md -> AGENTS.md) is the same text: list it once.
    aliases: dict[str, list[str]] = {}
    real_root = root.resolve()
    for rel in sorted(counts):
        full = root / rel
        if not full.is_symlink():
            continue
        try:
            target = full.resolve().relative_to(real_root).as_posix()
        except (ValueError, OSError, RuntimeError):
            continue
        if target in counts and not (root / target).is_symlink():
            aliases.setdefault(target, []).append(rel)
    hidden = {a for names in aliases.values() for a in names}
    return [InstructionFile(path=p, applies_to=n, aliases=aliases.get(p, []))
            for p, n in sorted(counts.items()) if p not in hidden]


def _diagnostic(d: Diagnostic) -> InstructionDiagnostic | None:
    """One diagnostic of the instruction checker as the note shows it (1-based line)."""
    if not d.message:
        return None
    return InstructionDiagnostic(line=d.range.core().start.line, code=d.code,
                                 severity=d.severity, message=d.message)


MAX_DIAGNOSTICS = 10
_SEVERITY_ORDER = {"error": 0, "warning": 1, "information": 2, "hint": 3}


def _diagnostics_by_file(
    root: Path, paths: list[str], settings: Settings, index: Index | None, token: CancelToken,
) -> dict[str, list[Diagnostic]]:
    """Run the instruction checker on ``paths``: diagnostics per path."""
    from analyzers.instructions import check_workspace

    report = check_workspace(root, paths, settings, index=index, token=token)
    out: dict[str, list[Diagnostic]] = {p: [] for p in paths}
    for d in report.diagnostics:
        out.setdefault(d.path, []).append(d)
    return out


def with_diagnostics(
    root: Path, files: list[InstructionFile], settings: Settings, token: CancelToken = NEVER, *,
    index: Index | None = None, run_checks: bool = True,
) -> InstructionSummary:
    """``files`` with their open diagnostics (unless ``run_checks`` is off)."""
    if not files:
        return InstructionSummary(files=files)
    if not run_checks:
        return InstructionSummary(files=files, note="staleness diagnostics: not requested")
    try:
        found = _diagnostics_by_file(root, [f.path for f in files], settings, index, token)
    except Cancelled:
        raise
    except Exception as e:  # noqa: BLE001 - another module's failure must not sink the note
        return InstructionSummary(files=files, checked=False,
                                  note=f"staleness diagnostics failed: {e.__class__.__name__}: {e}")
    out: list[InstructionFile] = []
    for f in files:
        converted = [c for c in (_diagnostic(d) for d in found.get(f.path, [])) if c is not None]
        converted.sort(key=lambda d: (_SEVERITY_ORDER.get(d.severity, 9), d.line, d.code))
        out.append(f.model_copy(update={"diagnostics": converted[:MAX_DIAGNOSTICS],
                                        "diagnostics_total": len(converted)}))
    return InstructionSummary(files=out, checked=True)
