"""Inline budgets: inlay hints after the signature of each definition (methods included) of at
least ``inlay_hint_min_tokens`` tokens, and code lenses (the file's total at the top; per top-level
definition of at least as many tokens for clients without inlay hints)."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from analyzers.secrets import redact
from analyzers.syntax import Definition
from server.lsp.commands import SHOW_BUDGET
from server.lsp.documents import DocFacts
from server.lsp.hover import _pct
from server.lsp.positions import line_end, line_start, split_lines
from server.lsp.state import Buffer, ServerState
from server.scheduler import JobContext

# Where a definition's body opens, after its signature: Python's ``:``; ``{`` (or the ``;`` of a
# declaration without a body) in the brace languages; elsewhere the line where the brackets
# opened after the name close.
_COLON_LANGS = frozenset({"python"})
_BRACE_LANGS = frozenset({"javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp",
                          "csharp", "php"})
_HASH_COMMENTS = frozenset({"python", "ruby", "bash"})
SIGNATURE_LINES = 40  # a signature longer than this gets its hint on the name's line


def _top_level(facts: DocFacts) -> list:
    return [d for d in facts.definitions if d.parent is None]


def _scan_line(text: str, start: int, lang: str | None, depth: int) -> tuple[int, bool]:
    """Brackets from column ``start`` of one line: (the depth after it, whether a body opener
    at depth 0 was met). Strings and comments are skipped."""
    comment = "#" if lang in _HASH_COMMENTS else "//"
    quotes = '"' if lang == "rust" else "\"'`"  # Rust's ' starts a lifetime (``&'a str``)
    opener = ":" if lang in _COLON_LANGS else "{;" if lang in _BRACE_LANGS else ""
    quote = ""
    i = start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in quotes:
            quote = c
        elif text.startswith(comment, i):
            break
        elif depth == 0 and c in opener:
            return depth, True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, False


def signature_end(lines: list[str], d: Definition, lang: str | None) -> int:
    """The core line where ``d``'s signature ends and its body opens (for ``def url_for(`` over
    several lines: the line with the closing ``):``); the name's line when none is found within
    the definition and :data:`SIGNATURE_LINES`."""
    last = min(d.end_line, d.name_line + SIGNATURE_LINES, len(lines))
    depth = 0
    for ln in range(d.name_line, last + 1):
        start = d.name_col + len(d.name) if ln == d.name_line else 0
        depth, opened = _scan_line(lines[ln - 1], start, lang, depth)
        if opened:
            return ln
        if depth == 0 and lang not in _COLON_LANGS and lang not in _BRACE_LANGS:
            return ln
    return d.name_line


def inlay_hints(state: ServerState, ctx: JobContext, buf: Buffer | None, uri: str, text: str,
                first: int, last: int, codec: PositionCodec) -> list[types.InlayHint]:
    """Hints after the signature of each definition (nested ones too) of at least the
    ``inlay_hint_min_tokens`` setting's tokens, whose signature ends within core lines
    [first, last]."""
    facts, _ = state.facts_for(buf, uri, ctx)
    if facts is None:
        return []
    lines = split_lines(text)
    least = state.options.inlay_hint_min_tokens
    out = []
    for d in facts.definitions:
        n = state.scaled(d.tokens)
        if n < least or d.name_line > len(lines):
            continue
        at = signature_end(lines, d, facts.lang)
        if not first <= at <= min(last, len(lines)):
            continue
        share = d.tokens / facts.tokens if facts.tokens else 0.0
        out.append(types.InlayHint(
            position=line_end(lines, at, codec),
            label=f"{n:,} tokens",
            padding_left=True,
            # A definition's name may hold a token: the name is redacted, not the sentence
            # around it, whose word "tokens" made every tooltip worth a full secret scan.
            tooltip=(f"{redact(d.qualified)} ({d.kind}, lines {d.start_line}–{d.end_line}): "
                     f"{n:,} tokens, {share:.0%} of the file, {_pct(state.share(n))} of the "
                     f"{state.window_label()} context window"),
        ))
    return out


def _unsaved(state: ServerState, path: str) -> str:
    """What the top lens says of a buffer counted from its text: a file the index holds has
    unsaved edits; one it does not is new (not saved yet), or saved and not in the index (yet:
    a save indexes it)."""
    index = state.index()
    if index is not None and index.file(path) is not None:
        return " (unsaved)"
    if state.root is not None and (state.root / path).exists():
        return " (not in the index yet)"
    return " (new file, unsaved)"


def code_lenses(state: ServerState, ctx: JobContext, buf: Buffer | None, uri: str,
                per_definition: bool) -> list[types.CodeLens]:
    """The file's total at the top ("(unsaved)" while the buffer differs from the index, "(new
    file, unsaved)" or "(not in the index yet)" for a file it does not hold), then
    one lens per top-level definition of at least the ``inlay_hint_min_tokens`` setting's tokens
    when ``per_definition`` (the lenses stand in for the inlay hints, and keep their threshold)."""
    facts, _ = state.facts_for(buf, uri, ctx)
    if facts is None:
        return []
    n = state.scaled(facts.tokens)
    title = f"{n:,} tokens · {_pct(state.share(n))} of {state.window_label()}"
    if facts.source == "buffer":
        title += _unsaved(state, facts.path)
    lenses = [types.CodeLens(range=line_start(1), command=types.Command(
        title=title, command=SHOW_BUDGET, arguments=[{"uri": uri, "show": True}]))]
    if per_definition:
        least = state.options.inlay_hint_min_tokens
        for d in _top_level(facts):
            dn = state.scaled(d.tokens)
            if dn < least:
                continue
            rng = line_start(max(1, d.start_line))
            lenses.append(types.CodeLens(
                range=rng,
                command=types.Command(
                    title=f"{dn:,} tokens", command=SHOW_BUDGET,
                    arguments=[{"uri": uri, "show": True,
                                "position": {"line": rng.start.line,
                                             "character": rng.start.character}}])))
    return lenses
