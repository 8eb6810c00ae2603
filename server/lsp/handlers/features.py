"""Features of one document: hover, inlay hints, code lenses, code actions, document links and
pulled diagnostics. Each checks on the loop whether the document is answered about at all, then
runs on the scheduler once the open buffer's analysis is done."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from analyzers.secrets import redact
from server.lsp.args import Located
from server.lsp.budget_hints import code_lenses
from server.lsp.budget_hints import inlay_hints as budget_inlay_hints
from server.lsp.bundle_view import action_kind, wanted
from server.lsp.commands import SHOW_BUDGET
from server.lsp.handlers.common import (
    analysis_deps,
    doc_text,
    fresh_or_stale,
    not_answered,
    note,
)
from server.lsp.hover import hover as hover_answer
from server.lsp.positions import from_lsp, line_span, line_start, split_lines, to_lsp
from server.scheduler import JobContext

if TYPE_CHECKING:
    from types import ModuleType

    from analyzers.instructions.paths import Resolved
    from server.lsp.dispatch import LspCall
    from server.lsp.server import StewardLanguageServer


def _instructions(ls: StewardLanguageServer, uri: str) -> ModuleType | None:
    """:mod:`server.lsp.instruction_editor` for a Markdown or instruction file, None for code:
    imported at first use, so a code file's first answers never wait for the checks' import."""
    if not ls.checks.concerns(uri):
        return None
    from server.lsp import instruction_editor
    return instruction_editor


async def hover(ls: StewardLanguageServer,
                params: types.HoverParams, call: LspCall) -> types.Hover | None:
    """``textDocument/hover``: token costs at the position (see :mod:`server.lsp.hover`), or
    what each agent loads, on an instruction file."""
    state = ls.state
    uri = params.text_document.uri
    buf = ls.buffer(uri)
    codec = ls.workspace.position_codec
    position = params.position
    why, too_large = not_answered(ls, uri, buf)
    if why is not None:
        # Outside the workspace or secret-bearing: nothing (a hover there would be noise);
        # too large: said at once.
        return note(why) if too_large else None

    def run(ctx: JobContext, stale_ok: bool) -> types.Hover | None:
        text = doc_text(state, buf, uri)
        if text is None:
            return None
        lines = split_lines(text)
        current = ls.bundles.result  # a read is atomic; the hover relates its figures
        bundled = {i.path: i for i in current.bundle.items} if current is not None else None


        instr = _instructions(ls, uri)

        def path_at(line: int, character: int, written: str | None) -> Resolved | None:
            if instr is None:
                return None
            return instr.path_reference(ls.checks, ctx, uri, text, line, character, written,
                                        buffer=buf is not None)

        ans = hover_answer(state, ctx, buf, uri, text, from_lsp(lines, position, codec),
                           stale_ok=stale_ok, bundled=bundled, path_at=path_at)
        if ans is None:
            if instr is None:
                return None
            loaded = instr.loaded_hover(ls.checks, ctx, uri, text, buffer=buf is not None)
            if loaded is None:
                return None
            return types.Hover(contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value=redact(loaded)))
        # Names and signatures come from files and git: a token in one is redacted.
        return types.Hover(contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=redact(ans.markdown)),
            range=to_lsp(lines, ans.range, codec))

    # During an edit burst the facts of an earlier version answer at once (the newest
    # version's analysis is debounced, and the next change would supersede it).
    stale_ok = state.typing(uri)
    deps = [] if buf is None or stale_ok else analysis_deps(ls, buf)
    if not deps:
        return await call.run(lambda ctx: run(ctx, stale_ok))
    return await fresh_or_stale(call, uri, run, analysis=deps[0])


async def inlay_hints(ls: StewardLanguageServer, params: types.InlayHintParams, call: LspCall
                      ) -> list[types.InlayHint] | None:
    """``textDocument/inlayHint``: tokens after each top-level definition; per section of an
    instruction file."""
    state = ls.state
    uri = params.text_document.uri
    buf = ls.buffer(uri)
    codec = ls.workspace.position_codec
    first, last = line_span(params.range)
    if not_answered(ls, uri, buf)[0] is not None:
        return []

    def run(ctx: JobContext) -> list[types.InlayHint]:
        text = doc_text(state, buf, uri)
        if text is None:
            return []
        if ls.checks.applies_to(uri):
            from server.lsp import instruction_editor as instr
            return instr.section_hints(ls.checks, ctx, uri, text, first, last, codec,
                                       buffer=buf is not None)
        return budget_inlay_hints(state, ctx, buf, uri, text, first, last, codec)

    return await call.run(run, depends_on=analysis_deps(ls, buf))


async def code_lens(ls: StewardLanguageServer, params: types.CodeLensParams, call: LspCall
                    ) -> list[types.CodeLens] | None:
    """``textDocument/codeLens``: the file's total (per definition for clients without inlay
    hints); an instruction file's total with its imports; why a document is too large."""
    state = ls.state
    uri = params.text_document.uri
    buf = ls.buffer(uri)
    per_def = state.options.code_lens_per_definition
    if per_def is None:
        per_def = not state.inlay_hint_support
    why, too_large = not_answered(ls, uri, buf)
    if why is not None:
        if not too_large:
            return []
        return [types.CodeLens(range=line_start(1), command=types.Command(
            title=f"Context Steward: {why}", command=SHOW_BUDGET,
            arguments=[{"uri": uri, "show": True}]))]

    def run(ctx: JobContext) -> list[types.CodeLens]:
        if ls.checks.applies_to(uri):
            from server.lsp import instruction_editor as instr
            text = doc_text(state, buf, uri)
            return [] if text is None else instr.summary_lens(ls.checks, ctx, uri, text,
                                                              buffer=buf is not None)
        return code_lenses(state, ctx, buf, uri, bool(per_def))

    return await call.run(run, depends_on=analysis_deps(ls, buf))


async def code_action(ls: StewardLanguageServer, params: types.CodeActionParams, call: LspCall
                      ) -> list[types.CodeAction] | None:
    """``textDocument/codeAction``: quick fixes of instruction files; add to, exclude from or
    suggest the context bundle."""
    state = ls.state
    uri = params.text_document.uri
    buf = ls.buffer(uri)
    codec = ls.workspace.position_codec
    only = [str(k) for k in params.context.only] if params.context.only else None
    diags = list(params.context.diagnostics)
    where = Located(uri, params.range.start)

    def run(ctx: JobContext) -> list[types.CodeAction]:
        out: list[types.CodeAction] = []
        if diags and wanted(only, types.CodeActionKind.QuickFix.value):
            from server.lsp import instruction_editor as instr
            out.extend(instr.quick_fixes(uri, diags))
        kind = action_kind(only)
        if kind is not None and state.root is not None:
            out.extend(ls.bundles.code_actions(ctx, buf, where, codec, kind))
        return out

    return await call.run(run, depends_on=analysis_deps(ls, buf))


async def document_link(ls: StewardLanguageServer, params: types.DocumentLinkParams, call: LspCall
                        ) -> list[types.DocumentLink] | None:
    """``textDocument/documentLink``: paths and ``@imports`` in Markdown."""
    state = ls.state
    uri = params.text_document.uri
    buf = ls.buffer(uri)
    codec = ls.workspace.position_codec
    td = ls.client_caps.text_document
    tips = bool(td and td.document_link and td.document_link.tooltip_support)
    if not_answered(ls, uri, buf)[0] is not None:
        return []

    def run(ctx: JobContext) -> list[types.DocumentLink]:
        instr = _instructions(ls, uri)
        text = doc_text(state, buf, uri) if instr is not None else None
        if instr is None or text is None:
            return []
        return instr.links(ls.checks, ctx, uri, text, codec, tips, buffer=buf is not None)

    return await call.run(run)


async def diagnostic(ls: StewardLanguageServer, params: types.DocumentDiagnosticParams,
                     call: LspCall) -> Any:
    """``textDocument/diagnostic``: an instruction file's diagnostics, pulled."""
    state = ls.state
    uri = params.text_document.uri
    buf = ls.buffer(uri)
    codec = ls.workspace.position_codec
    previous = params.previous_result_id

    def run(ctx: JobContext) -> Any:
        from server.lsp import instruction_editor as instr
        return instr.pull_report(ls.checks, ctx, uri, doc_text(state, buf, uri), codec,
                                 previous, buffer=buf is not None)

    return await call.run(run)
