"""Editor features of instruction files (CLAUDE.md, AGENTS.md, rules ...) on top of
:mod:`analyzers.instructions`: quick fixes, pulled diagnostics, document links, a hover with what
each agent loads in the file's folder, a code lens with the file's total and inlay hints with each
section's tokens, and the ``ctxsteward.checkInstructions`` command.

Everything here runs inside scheduler jobs; the analyser's ranges become the client's (0-based
lines, UTF-16 unless negotiated otherwise) through :mod:`server.lsp.positions`.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from lsprotocol import types
from pydantic import Field
from pygls.workspace.position_codec import PositionCodec

from analyzers.app.errors import RequestError
from analyzers.app.paths import Secrets
from analyzers.app.requests import CheckRequest
from analyzers.instructions import (
    CheckReport,
    document_links,
    file_summary,
    loaded_for,
    loaded_markdown,
)
from analyzers.instructions.discover import is_markdown
from analyzers.instructions.links import FileSummary, path_at
from analyzers.instructions.paths import Resolved
from server.lsp.args import LSP_WORDS, CommandError
from server.lsp.commands import SHOW_BUDGET
from server.lsp.diagnostics import InstructionChecks, lsp_diagnostic, result_id
from server.lsp.hover import _pct
from server.lsp.positions import line_end, line_start, split_lines, to_lsp
from server.lsp.state import ServerState
from server.scheduler import JobContext


class CheckInstructionsResult(CheckReport):
    """``ctxsteward.checkInstructions``: the CheckReport of ``ctxsteward check --format json``,
    plus a summary for people."""

    text: str = Field(description="A summary line, then one line per diagnostic.")


def _rel(state: ServerState, uri: str) -> str | None:
    path = state.rel_path(uri)
    if path is None or state.root is None or path.startswith("/") or path.startswith("../"):
        return None
    return path


# -- quick fixes --------------------------------------------------------------------------------

def quick_fixes(uri: str, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """One quick fix per diagnostic of ours that carries a fix (``data.fix``)."""
    out = []
    for d in diagnostics:
        if d.source != "ctxsteward" or not isinstance(d.data, dict):
            continue
        fix = d.data.get("fix")
        if not isinstance(fix, dict) or not isinstance(fix.get("replacement"), str):
            continue
        try:
            r = fix["range"]
            rng = types.Range(
                start=types.Position(line=int(r["start"]["line"]),
                                     character=int(r["start"]["character"])),
                end=types.Position(line=int(r["end"]["line"]),
                                   character=int(r["end"]["character"])))
        except (KeyError, TypeError, ValueError):
            rng = d.range
        title = fix.get("title") or f"Replace with {fix['replacement']!r}"
        out.append(types.CodeAction(
            title=str(title), kind=types.CodeActionKind.QuickFix, diagnostics=[d],
            is_preferred=True,
            edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(
                range=rng, new_text=fix["replacement"])]})))
    return out


# -- pull diagnostics -----------------------------------------------------------------------------

def pull_report(checks: InstructionChecks, ctx: JobContext, uri: str, text: str | None,
                codec: PositionCodec, previous: str | None, *, buffer: bool = True
                ) -> types.RelatedFullDocumentDiagnosticReport | \
        types.RelatedUnchangedDocumentDiagnosticReport:
    diags: list[types.Diagnostic] = []
    if text is not None and checks.applies_to(uri):
        diags = checks.diagnostics(ctx, uri, text, codec, buffer=buffer)
    rid = result_id(diags)
    if previous is not None and previous == rid:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
    return types.RelatedFullDocumentDiagnosticReport(items=diags, result_id=rid)


# -- document links -----------------------------------------------------------------------------

def _overlay(path: str, text: str, buffer: bool) -> tuple[dict[str, str], str | None]:
    """What to hand the analyser: an open buffer's text (kept as unsaved text), or nothing for a
    file read from disk (the workspace reads it, and nothing stale stays behind)."""
    return ({path: text}, text) if buffer else ({}, None)


def links(checks: InstructionChecks, ctx: JobContext, uri: str, text: str,
          codec: PositionCodec, tooltips: bool = True, *, buffer: bool = True
          ) -> list[types.DocumentLink]:
    state = checks.state
    path = _rel(state, uri)
    root = state.root
    if path is None or root is None or not (is_markdown(path) or checks.applies_to(uri)):
        return []
    texts, own = _overlay(path, text, buffer)
    with checks.using(ctx.token, texts) as ws:
        found = document_links(ws, path, own)
    lines = split_lines(text)
    out = []
    for link in found:
        target = Path(link.target) if Path(link.target).is_absolute() else root / link.target
        where = target.as_uri()
        tip = f"Open {link.target}"
        if link.target_line is not None:
            where += f"#L{link.target_line}"
            tip += f" at #{link.anchor}"
        elif link.anchor:
            tip += f" (no heading #{link.anchor} found)"
        out.append(types.DocumentLink(range=to_lsp(lines, link.range.core(), codec),
                                      target=where, tooltip=tip if tooltips else None))
    return out


# -- hover: a path, and what agents load here -------------------------------------------------

def path_reference(checks: InstructionChecks, ctx: JobContext, uri: str, text: str, line: int,
                   character: int, written: str | None, *, buffer: bool = True
                   ) -> Resolved | None:
    """The path reference at (0-based ``line``, code-point ``character``) of the Markdown
    document ``uri``, resolved as its document links and diagnostics resolve it
    (:func:`analyzers.instructions.links.path_at`; ``written``: a path the hover found there
    that the file's references do not hold); None elsewhere."""
    path = _rel(checks.state, uri)
    if path is None or not (is_markdown(path) or checks.applies_to(uri)):
        return None
    texts, own = _overlay(path, text, buffer)
    with checks.using(ctx.token, texts) as ws:
        return path_at(ws, path, line, character, own, written)


def loaded_hover(checks: InstructionChecks, ctx: JobContext, uri: str, text: str, *,
                 buffer: bool = True) -> str | None:
    """What each agent loads in the folder of the instruction file ``uri`` (hover Markdown)."""
    path = _rel(checks.state, uri)
    if path is None or not checks.applies_to(uri):
        return None
    folder = posixpath.dirname(path) or "."
    if folder.endswith(".claude") or "/.cursor/" in f"/{folder}/" or \
            "/.github/" in f"/{folder}/":
        # Rules and settings folders: the folder they apply to is the one holding them.
        parts = folder.split("/")
        for marker in (".claude", ".cursor", ".github"):
            if marker in parts:
                folder = "/".join(parts[:parts.index(marker)]) or "."
                break
    with checks.using(ctx.token, _overlay(path, text, buffer)[0]) as ws:
        report = loaded_for(ws, folder)
        return loaded_markdown(report)


# -- code lens and inlay hints ------------------------------------------------------------------

def _token_summary(checks: InstructionChecks, ctx: JobContext, uri: str, text: str,
                   buffer: bool) -> FileSummary | None:
    """The instruction file's token summary (``None`` outside the workspace or for other files)."""
    path = _rel(checks.state, uri)
    if path is None:
        return None
    texts, own = _overlay(path, text, buffer)
    with checks.using(ctx.token, texts) as ws:
        return file_summary(ws, path, own)


def summary_lens(checks: InstructionChecks, ctx: JobContext, uri: str, text: str, *,
                 buffer: bool = True) -> list[types.CodeLens]:
    s = _token_summary(checks, ctx, uri, text, buffer)
    if s is None:
        return []
    n = s.tokens_with_imports
    title = f"{n:,} tokens"
    if s.imports:
        title += f" with {len(s.imports)} import{'' if len(s.imports) == 1 else 's'} " \
                 f"({s.tokens:,} in this file)"
    title += f" · {_pct(n / s.budget if s.budget else 0.0)} of the {s.budget:,}-token " \
             "instruction budget"
    if n > s.budget:
        title += " ⚠"
    return [types.CodeLens(range=line_start(1), command=types.Command(
        title=title, command=SHOW_BUDGET, arguments=[{"uri": uri, "show": True}]))]


def section_hints(checks: InstructionChecks, ctx: JobContext, uri: str, text: str, first: int,
                  last: int, codec: PositionCodec, *, buffer: bool = True
                  ) -> list[types.InlayHint]:
    """Tokens of each section (heading to next heading) at the end of its heading line, for the
    headings on core lines [first, last]."""
    s = _token_summary(checks, ctx, uri, text, buffer)
    if s is None:
        return []
    lines = split_lines(text)
    out = []
    for sec in s.sections:
        rng = sec.range.core()
        if sec.level == 0 or not first <= rng.start.line <= min(last, len(lines)):
            continue
        share = sec.tokens / s.tokens if s.tokens else 0.0
        out.append(types.InlayHint(
            position=line_end(lines, rng.start.line, codec),
            label=f"{sec.tokens:,} tokens", padding_left=True,
            tooltip=f"Section “{sec.title}” (lines {rng.start.line}–{rng.end.line}): "
                    f"{sec.tokens:,} tokens, {share:.0%} of the file, loaded into every agent "
                    "session"))
    return out


# -- ctxsteward.checkInstructions ---------------------------------------------------------------

def check_all(checks: InstructionChecks, ctx: JobContext, paths: list[str] | None,
              buffers: dict[str, str], codec: PositionCodec
              ) -> tuple[CheckInstructionsResult, dict[str, list[types.Diagnostic]]]:
    """Check the workspace's instruction files (open buffers with their unsaved text); also the
    LSP diagnostics by file URI, for the files that are not open."""
    state = checks.state
    root, ws_app = state.root, state.workspace()
    if root is None or ws_app is None:
        raise CommandError("no workspace folder is open")
    texts = {p: t for u, t in buffers.items() if (p := _rel(state, u)) is not None}
    with checks.using(ctx.token, texts) as ws:
        report = ws_app.check(CheckRequest(paths=paths), ctx.token, view=ws)
        contents = {p: ws.read(p) for p in {d.path for d in report.diagnostics}}
        checked = ws.checked_by_default() if paths is None else []
    by_uri: dict[str, list[types.Diagnostic]] = {}
    for p in sorted({*contents, *checked}):
        by_uri.setdefault((root / p).as_uri(), [])
    for d in report.diagnostics:
        lines = split_lines(contents.get(d.path) or "")
        by_uri.setdefault((root / d.path).as_uri(), []).append(lsp_diagnostic(d, lines, codec))
    return CheckInstructionsResult(**report.model_dump(), text=_summary(report)), by_uri


def _summary(report: CheckReport) -> str:
    from analyzers.instructions.findings import severity_counts

    n = report.files_checked
    head = f"{n} instruction file{'' if n == 1 else 's'} checked: "
    lines = [head + severity_counts(d.severity for d in report.diagnostics)]
    for d in report.diagnostics:
        start = d.range.core().start
        lines.append(f"{d.path}:{start.line}:{start.character + 1}: {d.code} {d.severity}: "
                     f"{d.message}")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def check_paths(command: str, obj: dict[str, Any], state: ServerState) -> list[str] | None:
    """``{"paths": [...]}`` (root-relative) or ``{"uri": ...}``, under the application's
    path-safety rule (inside the workspace, not in ``.git`` or our cache, not a secret-bearing
    name); None: every instruction file."""
    raw = obj.get("paths")
    uri = obj.get("uri")
    if raw is not None and (not isinstance(raw, list) or
                            not all(isinstance(p, str) for p in raw)):
        raise CommandError(f"{command}: 'paths' must be a list of root-relative paths")
    if raw is None and uri is not None and not isinstance(uri, str):
        raise CommandError(f"{command}: 'uri' must be a string")
    ws = state.workspace()
    if ws is None:
        raise CommandError("no workspace folder is open")
    try:
        if raw is not None:
            return [ws.path(p, secrets=Secrets.NAME) for p in raw] or None
        return None if uri is None else [state.checked_path(uri)]
    except RequestError as e:
        raise CommandError(f"{command}: {e.worded(LSP_WORDS)}") from None
