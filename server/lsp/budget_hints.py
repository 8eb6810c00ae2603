"""Inline budgets: inlay hints after each top-level definition's header, and code lenses (the file's
total at the top; per definition for clients without inlay hints)."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analyzers.secrets import redact
from server.lsp.commands import SHOW_BUDGET
from server.lsp.documents import DocFacts
from server.lsp.hover import _pct
from server.lsp.positions import line_end, line_start, split_lines
from server.lsp.state import Buffer, ServerState
from server.scheduler import JobContext


def _top_level(facts: DocFacts) -> list:
    return [d for d in facts.definitions if d.parent is None]


def inlay_hints(state: ServerState, ctx: JobContext, buf: Buffer | None, uri: str, text: str,
                first: int, last: int, codec: PositionCodec) -> list[types.InlayHint]:
    """Hints for top-level definitions whose header line is within core lines [first, last]."""
    facts, _ = state.facts_for(buf, uri, ctx)
    if facts is None:
        return []
    lines = split_lines(text)
    out = []
    for d in _top_level(facts):
        if not first <= d.name_line <= min(last, len(lines)):
            continue
        n = state.scaled(d.tokens)
        share = d.tokens / facts.tokens if facts.tokens else 0.0
        out.append(types.InlayHint(
            position=line_end(lines, d.name_line, codec),
            label=f"{n:,} tokens",
            padding_left=True,
            tooltip=redact(  # a definition's name may hold a token
                f"{d.qualified} ({d.kind}, lines {d.start_line}–{d.end_line}): {n:,} tokens,"
                f" {share:.0%} of the file, {_pct(state.share(n))} of the "
                f"{state.window_label()} context window"),
        ))
    return out


def code_lenses(state: ServerState, ctx: JobContext, buf: Buffer | None, uri: str,
                per_definition: bool) -> list[types.CodeLens]:
    facts, _ = state.facts_for(buf, uri, ctx)
    if facts is None:
        return []
    n = state.scaled(facts.tokens)
    title = f"{n:,} tokens · {_pct(state.share(n))} of {state.window_label()}"
    if facts.source == "buffer":
        title += " (unsaved)"
    lenses = [types.CodeLens(range=line_start(1), command=types.Command(
        title=title, command=SHOW_BUDGET, arguments=[{"uri": uri, "show": True}]))]
    if per_definition:
        for d in _top_level(facts):
            dn = state.scaled(d.tokens)
            rng = line_start(max(1, d.start_line))
            lenses.append(types.CodeLens(
                range=rng,
                command=types.Command(
                    title=f"{dn:,} tokens", command=SHOW_BUDGET,
                    arguments=[{"uri": uri, "show": True,
                                "position": {"line": rng.start.line,
                                             "character": rng.start.character}}])))
    return lenses
