"""The MCP tools' answers, built in scheduler jobs and kept within their token budgets.

An answer is a pydantic model (the structured content) plus a text block. Clients hand a model one
of the two (Claude Code and Codex the JSON of the structured content, most others the text), so
each is measured and the larger must fit the budget: lists are cut best-first (the count of what
was cut is in the answer) until it does. suggest_bundle's budget bounds its whole answer too: its
lists are made lean, then its document packed smaller, and the answer says the document budget it
was packed at, the CLI's ``--budget`` for the same items (:func:`suggested_bundle`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import BundleError, BundleResult, LeftOut
from analyzers.bundles.render import render, shown_task
from analyzers.printable import plural, printable
from analyzers.results import Bundle
from analyzers.secrets import redact, secret_by_name
from analyzers.tokens import Counter
from server.mcp import instructions as mcp_instructions
from server.mcp.errors import AnswerTooLarge
from server.mcp.schemas import (
    BudgetAnswer,
    BundleAnswer,
    BundleEntry,
    CheckAnswer,
    ContextHit,
    DefinitionHit,
    ExcludedEntry,
    FindAnswer,
    HandoffAnswer,
    InstructionLoad,
    InstructionProblem,
    Omitted,
    PathTokens,
    VerifiedEntry,
    VerifyAnswer,
)
from server.mcp.session import McpCall

DEFAULT_ANSWER_BUDGET = 8_000
MIN_ANSWER_BUDGET = 500
MAX_LEFT_OUT = 8
LEFT_OUT_EACH = 250  # budget tokens per entry of the left-out list (a small answer lists fewer)
BUNDLE_SHARE = 0.72  # first guess of the bundle document's share of the answer
ESCAPE_FACTOR = 1.3  # a document's tokens in the JSON channel, with the metadata of its items
LEFT_OUT_REASON = 90  # characters of a left-out file's first reason
ITEM_REASONS = 3  # reasons a bundle item lists, best first (the document's heading has the first)
ITEM_REASON = 120  # characters of each
LEAN_LEFT_OUT = 3  # files left out a lean answer names (the document's own note names its best)
PACKS = 5  # packs at smaller document budgets tried to fit a suggest_bundle answer
MIN_DOCUMENT = 200  # the smallest document budget tried
TOKENS_PLACEHOLDER = 99_999  # as many digits as any real count: measuring with it is an upper bound

M = TypeVar("M", bound=BaseModel)
log = logging.getLogger("ctxsteward.mcp")


# -- measuring ----------------------------------------------------------------------------------

def structured_json(model: BaseModel) -> str:
    """The structured content as clients hand it to a model (compact JSON, UTF-8 kept)."""
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def answer_tokens(counter: Counter, model: BaseModel, text: str) -> int:
    """The larger of the answer's two channels, measured with a worst-case ``tokens`` field."""
    probe = model.model_copy(update={"tokens": TOKENS_PLACEHOLDER})
    return max(counter.count(text), counter.count(structured_json(probe)))


def fit(counter: Counter, budget: int, n: int,
        build: Callable[[int], tuple[M, str]]) -> tuple[M, str]:
    """The answer ``build(k)`` with the largest ``k <= n`` that fits ``budget``, with its
    ``tokens`` field set; :class:`AnswerTooLarge` when not even ``build(0)`` fits."""
    best = build(n)
    if answer_tokens(counter, *best) > budget:
        lo, hi = 0, n - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if answer_tokens(counter, *build(mid)) <= budget:
                lo = mid
            else:
                hi = mid - 1
        best = build(max(0, lo))
    model, text = best
    size = answer_tokens(counter, model, text)
    if size > budget:
        raise AnswerTooLarge(f"the smallest answer takes {size:,} tokens, over the budget of "
                             f"{budget:,}; raise the budget or shorten the request")
    return sized(counter, model, text, size), text


def sized(counter: Counter, model: M, text: str, bound: int = 0) -> M:
    """``model`` with its ``tokens`` field the answer's size: the larger channel, exactly
    (``bound``: an upper bound measured with a 5-digit placeholder, to start from)."""
    model = model.model_copy(update={"tokens": bound or answer_tokens(counter, model, text)})
    for _ in range(3):
        exact = max(counter.count(text), counter.count(structured_json(model)))
        if exact == getattr(model, "tokens", None):
            break
        model = model.model_copy(update={"tokens": exact})
    return model


def tool_result(model: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=model.model_dump(mode="json"))


def notes(warnings: list[str]) -> str:
    return "".join(f"\nNote: {printable(w)}" for w in warnings)


# -- suggest_bundle -----------------------------------------------------------------------------

def suggested_bundle(call: McpCall, request: BundleRequest, budget: int, warnings: list[str],
                     saved: str | None = None) -> tuple[BundleAnswer, str, BundleResult]:
    """suggest_bundle's answer, whole within ``budget``: each channel (the text; the structured
    content, whose JSON Claude Code and Codex hand a model instead) with the document, each item's
    reasons and what was left out. The budget goes to the document first: when the answer at the
    document budget ``budget`` (``ctxsteward bundle --budget`` of the same number) is over, its
    lists are made lean (one reason an item, the left-out files without theirs: the document's
    headings and its left-out note say them), then the bundle is packed again at a smaller
    document budget, until the answer fits; ``document_budget`` says the one used, at which the
    CLI holds the same items. (The budget bounded the document alone: click's answers were 69 to
    107% over a 1,000-token budget, 30% over 16,000.) A budget that holds no item is the bundle's
    own error, or :func:`_holds_no_file`'s when only the answer's lists leave it no room."""
    counter, snap, jc = call.session.counter, call.snapshot, call.jc
    sizes = {p: counter.scale(f.tokens) for p, f in snap.index.files().items()}
    packs: dict[tuple[int, str], BundleResult] = {}

    def answer(doc: int, lean: bool, every: bool) -> _Sized:
        """The answer in the format asked (``every``; else the XML one), sized as the largest of
        the XML answer and (``every``) the Markdown and JSON ones."""
        got: dict[str, _Sized] = {}
        for fmt in sorted({"xml", request.format, "markdown"} if every else {"xml"}):
            shape = "xml" if fmt == "xml" else "markdown"  # (a JSON answer carries Markdown)
            if (doc, shape) not in packs:
                jc.check()
                packs[doc, shape] = snap.bundle(replace(request, format=shape, budget=doc),
                                                jc.token)
            model, text = _bundle_model(counter, packs[doc, shape], budget, fmt, warnings,
                                        saved, sizes, lean=lean, document_budget=doc)
            got[fmt] = _Sized(model, text, packs[doc, shape],
                              answer_tokens(counter, model, text), lean)
        return replace(got.get(request.format, got["xml"]),
                       size=max(g.size for g in got.values()))

    # Sized on the XML answer (its document is the longest), then checked in every format at
    # the document budget found: every format holds the items of the same document budget, as
    # the CLI's formats do at one budget (a Markdown answer may still be the larger: its
    # document can name more files left out; the search then goes on in every format).
    got = _search(budget, partial(answer, every=False))
    got = answer(got.model.document_budget, got.lean, every=True)
    if got.size > budget:
        got = _search(budget, partial(answer, every=True), got)
    if answer_tokens(counter, got.model, got.text) > budget:
        cut = _cut(counter, got, budget, request, warnings, saved, sizes)
        if not cut.model.items and got.model.items:  # (not an empty answer: say what to give)
            raise _holds_no_file(budget, got.result, sizes)
        got = cut
    model = sized(counter, got.model, got.text)
    text = structured_json(model) if request.format == "json" else got.text
    log.info("suggest_bundle: %d packs (document budgets %s) for a %d-token answer",
             len({doc for doc, _ in packs}), ", ".join(str(d) for d in dict.fromkeys(
                 doc for doc, _ in packs)), budget)
    return model, text, got.result


@dataclass
class _Sized:
    """An answer, the bundle it shows, its size (the larger channel, with a 5-digit ``tokens``;
    while sizing, the largest of the formats' answers) and whether its lists are lean."""

    model: BundleAnswer
    text: str
    result: BundleResult
    size: int
    lean: bool


def _search(budget: int, answer: Callable[[int, bool], _Sized], over: _Sized | None = None
            ) -> _Sized:
    """The answer within ``budget`` with the largest document: at the document budget
    ``budget`` with full lists, else lean ones; else (or from ``over``, an answer over the
    budget) packed at smaller document budgets until it fits. The answer found last, over the
    budget, when none fits (a document budget too small for one file ends the search too)."""
    got = over
    if got is None:
        got = answer(budget, False)
        if got.size > budget:
            got = answer(budget, True)
    if got.size <= budget:
        return got
    try:
        return _repacked(got, budget, lambda doc: answer(doc, True))
    except BundleError:
        return got


def _repacked(got: _Sized, budget: int, answer: Callable[[int], _Sized]) -> _Sized:
    """The answer, packed at smaller document budgets until it fits ``budget``: each next
    document budget in proportion to how far the last answer was from the budget (its lists and
    escaping grow with its document), bracketed by the largest document budget that fits and
    the smallest that does not; the fitting answer with the largest document kept, within 3% of
    the budget or after :data:`PACKS` packs (``got`` is over the budget)."""
    over_at, fits_at, best = got.model.document_budget, 0, got
    doc = over_at * budget // got.size - budget // 100
    for _ in range(PACKS):
        if doc <= fits_at or doc >= over_at or doc < MIN_DOCUMENT:
            break
        now = answer(doc)
        if now.size <= budget:
            fits_at, best = doc, now
            if budget - now.size <= budget * 3 // 100:
                break
        else:
            over_at = doc
        doc = doc * budget // now.size - (budget // 100 if now.size > budget else 0)
        doc = max(fits_at + 1, min(over_at - 1, doc))
        if fits_at and over_at - fits_at > 2 and doc in (fits_at + 1, over_at - 1):
            doc = (fits_at + over_at) // 2
    return best if best.size <= budget else got


def _cut(counter: Counter, got: _Sized, budget: int, request: BundleRequest, warnings: list[str],
         saved: str | None, sizes: dict[str, int]) -> _Sized:
    """``got`` with its last items cut (they join the left-out list) until it fits ``budget``:
    the last resort, when no pack fits (a seed whose smallest part nearly fills the budget)."""
    doc = got.model.document_budget
    cache: dict[int, BundleResult] = {}

    def build(k: int) -> tuple[BundleAnswer, str]:
        cache.setdefault(k, _prefix(counter, got.result, k, sizes, request.task))
        return _bundle_model(counter, cache[k], budget, request.format, warnings, saved, sizes,
                             lean=True, document_budget=doc)  # (the pack in the format asked)

    model, text = fit(counter, budget, len(got.result.pieces), build)
    result = cache.get(len(model.items), got.result)
    return _Sized(model, text, result, answer_tokens(counter, model, text), True)


def bundle_answer(call: McpCall, request: BundleRequest, budget: int, fmt: str,
                  warnings: list[str], saved: str | None = None, empty_ok: bool = False
                  ) -> tuple[BundleAnswer, str, BundleResult]:
    """A bundle whose whole answer (document, items, reasons, left-out list) fits ``budget``;
    also the bundle as answered (for saving). The items are chosen alike in every format: the
    pack and the cut are sized on the costliest answer (XML, whose document is the longest),
    then the same items are rendered in ``fmt``."""
    counter, snap, jc = call.session.counter, call.snapshot, call.jc
    sizes = {p: counter.scale(f.tokens) for p, f in snap.index.files().items()}
    sizing = replace(request, format="xml")
    inner = max(100, int(budget * BUNDLE_SHARE))
    result = snap.bundle(replace(sizing, budget=inner), jc.token)
    first, text = _bundle_model(counter, result, budget, "xml", warnings, saved, sizes,
                                document_budget=inner)
    slack = budget - answer_tokens(counter, first, text)
    # One re-pack with the measured overhead: smaller when over the budget, larger when the
    # answer has room and ranked files were left out. JSON escaping makes a document's tokens
    # count about 1.15 times in the structured channel, items and left-out entries cost more.
    if slack < 0 or (slack > budget * 0.05 and result.left_out):
        jc.check()
        inner = max(100, inner + int(slack / ESCAPE_FACTOR) - (20 if slack < 0 else 0))
        result = snap.bundle(replace(sizing, budget=inner), jc.token)

    prefixes: dict[tuple[int, int], BundleResult] = {}  # (pack, items) -> its first items

    packs: list[BundleResult] = []  # kept alive while their ids key the cache

    def builder(r: BundleResult, f: str) -> Callable[[int], tuple[BundleAnswer, str]]:
        packs.append(r)

        def build(k: int) -> tuple[BundleAnswer, str]:
            if (id(r), k) not in prefixes:
                prefixes[id(r), k] = _prefix(counter, r, k, sizes, request.task)
            return _bundle_model(counter, prefixes[id(r), k], budget, f, warnings, saved, sizes,
                                 document_budget=inner)
        return build

    k = len(fit(counter, budget, len(result.pieces), builder(result, "xml"))[0].items)
    for _ in range(2):  # a first file too large for the answer: a smaller pack picks smaller parts
        if k or not result.pieces or inner <= 100:
            break
        jc.check()
        inner = max(100, int(inner * 0.6))
        result = snap.bundle(replace(sizing, budget=inner), jc.token)
        k = len(fit(counter, budget, len(result.pieces), builder(result, "xml"))[0].items)
    jc.check()  # the same pack rendered in Markdown (a JSON answer carries that rendering)
    md = snap.bundle(replace(request, format="markdown", budget=inner), jc.token)
    for f in ("markdown", "json"):  # the items every format's answer holds (their overheads differ)
        if k:
            k = len(fit(counter, budget, min(k, len(md.pieces)), builder(md, f))[0].items)
    result = result if fmt == "xml" else md
    model, text = fit(counter, budget, min(k, len(result.pieces)), builder(result, fmt))
    if not model.items and result.left_out and not empty_ok:
        raise _holds_no_file(budget, result, sizes)
    if fmt == "json":
        text = structured_json(model)
    return model, text, prefixes.get((id(result), len(model.items)), result)


def left_out_listed(budget: int) -> int:
    """How many files left out an answer of ``budget`` tokens lists by name (the rest are
    counted): :data:`MAX_LEFT_OUT`, fewer in a small answer, where eight entries with their
    reasons took most of the room (a 600-token answer had 100 left for the bundle, too few for
    its seed, which was then never shown)."""
    return max(2, min(MAX_LEFT_OUT, budget // LEFT_OUT_EACH))


def _holds_no_file(budget: int, result: BundleResult, sizes: dict[str, int]) -> AnswerTooLarge:
    """The error of an answer within ``budget`` that holds no file of ``result``."""
    path, tokens = _best_ranked(result, sizes)
    return AnswerTooLarge(
        f"a budget of {budget:,} tokens holds no file of this bundle once its list of what "
        f"was left out is counted (the best-ranked file, {printable(path)}, takes "
        f"{tokens:,} tokens whole); give a larger budget, e.g. "
        f"{max(2 * budget, 2_000):,}, or seeds naming what to show (PATH::SYMBOL for one "
        "definition)")


def _best_ranked(result: BundleResult, sizes: dict[str, int]) -> tuple[str, int]:
    """The best-ranked file of ``result``, packed or left out, and its whole file's tokens (the
    packed items come first, best first; one left out for its size may rank above them)."""
    ranked = [(i.score, -n, i.path, sizes.get(i.path, i.tokens))
              for n, i in enumerate(result.bundle.items)]
    ranked += [(lo.score, -n - len(ranked), lo.path, lo.tokens)
               for n, lo in enumerate(result.left_out)]
    seeds = result.bundle.seeds  # a seed comes first, whatever its score (PATH::SYMBOL too)
    first_seed = [r for r in ranked if any(s == r[2] or s.startswith(r[2] + ":") for s in seeds)]
    _, _, path, tokens = first_seed[0] if first_seed else max(ranked)
    return path, tokens


def _prefix(counter: Counter, result: BundleResult, k: int, sizes: dict[str, int],
            task: str | None) -> BundleResult:
    """``result`` with only its first ``k`` items (the others join the left-out list, with their
    whole file's tokens), its header drawn from the request's ``task`` as the bundle's was."""
    if k >= len(result.pieces):
        return result
    fmt = "xml" if result.rendered.startswith("<documents>") else "markdown"
    pieces = result.pieces[:k]
    rendered = render(fmt, task, pieces, decisions=result.decisions)
    dropped = [LeftOut(i.path, sizes.get(i.path, i.tokens), i.score, i.reasons)
               for i in result.bundle.items[k:]]
    kept = {i.path for i in result.bundle.items[:k]}
    bundle = result.bundle.model_copy(update={
        "items": result.bundle.items[:k], "total_tokens": counter.count(rendered),
        "redacted": [r for r in result.bundle.redacted if r.path in kept]})
    return BundleResult(bundle, rendered, pieces, dropped + result.left_out, result.decisions)


def _bundle_model(counter: Counter, r: BundleResult, budget: int, fmt: str, warnings: list[str],
                  saved: str | None, sizes: dict[str, int], lean: bool = False,
                  document_budget: int = 0) -> tuple[BundleAnswer, str]:
    """The answer showing ``r``: its document, items and what was left out. Each item lists its
    best :data:`ITEM_REASONS` reasons, ``lean`` its first only, and ``lean`` names at most
    :data:`LEAN_LEFT_OUT` files left out, each ``did not fit`` without its reason (the document's
    headings and its left-out note say them)."""
    b = r.bundle
    secret = [e for e in b.excluded if secret_by_name(e.path)]
    if secret:
        warnings = [*warnings, _secrets_note(len(secret), "never shown")]
    omitted = [Omitted(path=e.path, tokens=sizes.get(e.path, 0), why=f"never shown: {e.reason}")
               for e in b.excluded if not secret_by_name(e.path)]
    listed = min(left_out_listed(budget), LEAN_LEFT_OUT if lean else MAX_LEFT_OUT)
    omitted += [Omitted(path=lo.path, tokens=lo.tokens, why="did not fit" + (
                    f"; {_short(lo.reasons[0])}" if lo.reasons and not lean else ""))
                for lo in r.left_out[:listed]]
    warnings = [*warnings, *(n for n in b.notes if n not in warnings)]
    masked = {x.path: x.lines for x in b.redacted}
    if masked:
        warnings = [*warnings, _redacted_note(b)]
    reasons = 1 if lean else ITEM_REASONS
    model = BundleAnswer(
        rendered=r.rendered,
        items=[BundleEntry(path=i.path, ranges=i.ranges, symbols=i.symbols, tokens=i.tokens,
                           reasons=[_short(x, ITEM_REASON) for x in i.reasons[:reasons]],
                           redacted=masked.get(i.path, []), focus=list(i.focus or ()))
               for i in b.items],
        left_out=omitted, more_left_out=max(0, len(r.left_out) - listed),
        excluded=[ExcludedEntry(path=e.path, reason=e.reason) for e in b.excluded
                  if not secret_by_name(e.path)], saved=saved,
        document_budget=document_budget, tokens=0, warnings=warnings)
    if fmt == "json":
        return model, structured_json(model)
    return model, r.rendered + _bundle_footer(model, b.total_tokens, b.encoding)


def _redacted_note(b: Bundle) -> str:
    """Which items are shown with secret values masked, where, and what kind."""
    from analyzers.bundles.render import lines_label

    return "secret values masked as [redacted: KIND] in " + "; ".join(
        f"{x.path} ({lines_label(x.lines)}: {', '.join(x.kinds)})" for x in b.redacted)


def _short(reason: str, limit: int = LEFT_OUT_REASON) -> str:
    return reason if len(reason) <= limit else reason[:limit - 1] + "…"


def _bundle_footer(m: BundleAnswer, total: int, encoding: str) -> str:
    lines = [f"\n---\n{plural(len(m.items), 'item')}, {plural(total, 'token')} ({encoding})."]
    fit_out = [x for x in m.left_out if not x.why.startswith("never shown")]
    never = [x for x in m.left_out if x.why.startswith("never shown")]
    if fit_out:
        more = f" (+{m.more_left_out} more)" if m.more_left_out else ""
        lines.append("Left out (did not fit): "
                     + ", ".join(f"{printable(x.path)} ({x.tokens:,})" for x in fit_out) + more)
    if never:
        lines.append("Never shown: " + ", ".join(
            f"{printable(x.path)} ({x.why.removeprefix('never shown: ')})" for x in never))
    if m.saved:
        lines.append(f"Saved as {m.saved}")
    return "\n".join(lines) + notes(m.warnings) + "\n"


# -- verify_bundle ------------------------------------------------------------------------------

def verify_answer(call: McpCall, name: str) -> tuple[VerifyAnswer, str]:
    """Which items of the saved bundle ``name`` changed since it was saved."""
    report = call.snapshot.verify(name, call.jc.token)
    warnings = call.warnings
    order = {"changed": 0, "vanished": 1, "moved": 2, "unchanged": 3}
    items = [VerifiedEntry(path=i.path, status=i.status, detail=i.detail)
             for i in sorted(report.items, key=lambda i: order.get(i.status, 9))]
    heads = ""
    if report.head_then and report.head_now and report.head_then != report.head_now:
        heads = f" (HEAD then {report.head_then[:10]}, now {report.head_now[:10]})"

    def build(k: int) -> tuple[VerifyAnswer, str]:
        m = VerifyAnswer(name=report.name, created_at=report.created_at,
                         unchanged=report.unchanged, moved=report.moved, changed=report.changed,
                         vanished=report.vanished, items=items[:k], more_items=len(items) - k,
                         tokens=0, warnings=warnings)
        lines = [f"Bundle {m.name!r} saved {m.created_at}{heads}: {m.unchanged} unchanged, "
                 f"{m.moved} moved, {m.changed} changed, {m.vanished} vanished."]
        lines += [f"- {i.status}: {printable(i.path)}" + (f" ({i.detail})" if i.detail else "")
                  for i in m.items]
        if m.more_items:
            lines.append(f"(+{plural(m.more_items, 'more item', 'more items')} left out)")
        return m, "\n".join(lines) + notes(warnings)

    return fit(call.session.counter, DEFAULT_ANSWER_BUDGET, len(items), build)


# -- find_context -------------------------------------------------------------------------------

def find_answer(call: McpCall, query: str, limit: int) -> tuple[FindAnswer, str]:
    """Files ranked for a free-text task, with the definitions matching it."""
    from analyzers import lexical
    from analyzers.app.requests import FindRequest

    ws, index, jc, warnings = call.session, call.snapshot.index, call.jc, call.warnings
    words = set(lexical.words(query))
    if not call.snapshot.searchable(query):
        warnings = [*warnings, "the query has no searchable words (only stop words?)"]
    ranked = call.snapshot.find(FindRequest(task=query, limit=limit), jc.token)
    files = index.files()
    hits: list[ContextHit] = []
    never = 0
    for rf in ranked:
        if len(hits) >= limit:
            break
        jc.check()
        if secret_by_name(rf.path):
            never += 1
            continue
        if ws.excluded(rf.path):
            continue
        defs = [DefinitionHit(name=redact(d.qualified), kind=d.kind or "",
                              lines=(d.start_line, d.end_line))
                for d in index.definitions(rf.path) if words & set(lexical.words(d.name))]
        info = files.get(rf.path)
        hits.append(ContextHit(path=rf.path, score=rf.score,
                               tokens=ws.counter.scale(info.tokens) if info else 0,
                               reasons=rf.reasons, definitions=defs[:8],
                               focus=list(rf.focus or ())))
    if never:
        warnings = [*warnings, _secrets_note(never, "never shown")]

    def build(k: int) -> tuple[FindAnswer, str]:
        m = FindAnswer(results=hits[:k], more_results=len(hits) - k, tokens=0, warnings=warnings)
        lines = [f"Context for {shown_task(query)!r} ({plural(len(m.results), 'file')}, best "
                 "first):"]
        for h in m.results:
            lines.append(f"- {printable(h.path)} ({h.tokens:,} tokens, score {h.score:g}): "
                         + "; ".join(h.reasons))
            lines += [f"    {d.kind} {d.name} (lines {d.lines[0]}-{d.lines[1]})"
                      for d in h.definitions]
        if m.more_results:
            lines.append(f"(+{plural(m.more_results, 'more result', 'more results')} left out)")
        return m, "\n".join(lines) + notes(warnings)

    return fit(ws.counter, DEFAULT_ANSWER_BUDGET, len(hits), build)


# -- token_budget -------------------------------------------------------------------------------

def _secrets_note(n: int, what: str) -> str:
    """Secret-bearing files are never named in an answer: only how many were left out."""
    return f"{n} secret-bearing file{'s' if n != 1 else ''} (by name) {what}"


def _within(path: str, rels: list[str]) -> bool:
    return not rels or any(r == "." or path == r or path.startswith(r.rstrip("/") + "/")
                           for r in rels)


def _refuse_all_missing(call: McpCall, rels: list[str], missing: list[str], counted: bool
                        ) -> None:
    """A :class:`RequestError` when nothing was counted because no path asked for exists (as
    ``ctxsteward budget PATH`` then exits 1): an error answer, not "0 tokens"."""
    from analyzers.app.errors import F, RequestError

    root = call.workspace.root
    if counted or not rels or any((root / m).exists() or (root / m).is_symlink()
                                  for m in missing):
        return
    shown = ", ".join(repr(m) for m in missing[:5]) + (", …" if len(missing) > 5 else "")
    raise RequestError(f"no such file or folder in the workspace: {shown}; nothing was counted "
                       f"(check the {F.paths}, or leave them out for the whole workspace)",
                       field="paths")


def budget_answer(call: McpCall, rels: list[str]) -> tuple[BudgetAnswer, str]:
    """Token counts of ``rels`` (the whole workspace when empty) and the instruction files
    loaded for them."""
    from analyzers.app.requests import BudgetRequest
    from analyzers.tokentree import nodes_by_path

    ws, index, jc, warnings = call.session, call.snapshot.index, call.jc, call.warnings
    settings = call.workspace.settings
    hidden = [p for p in index.files() if not ws.excluded(p) and secret_by_name(p)
              and _within(p, rels)]
    # Secret-bearing files are only counted as left out: never named, never measured.
    report = call.snapshot.budget(
        BudgetRequest(paths=rels),
        keep=lambda p: not ws.excluded(p) and not secret_by_name(p))
    if hidden:
        warnings = [*warnings, _secrets_note(len(hidden), "not counted")]
    if not rels or rels == ["."]:
        entries = [PathTokens(path=n.path, tokens=n.tokens, files=n.files) for n in report.tree]
    else:
        nodes = nodes_by_path(report.tree)
        entries = []
        for rel in rels:
            node = nodes.get(rel.strip("/"))
            if rel == ".":
                entries.append(PathTokens(path=".", tokens=report.total_tokens,
                                          files=sum(x.files for x in report.tree)))
            elif node is not None:
                entries.append(PathTokens(path=node.path, tokens=node.tokens, files=node.files))
    if report.missing:
        _refuse_all_missing(call, rels, report.missing, counted=bool(report.tree))
        warnings = [*warnings, "not indexed (no such file or folder, or skipped): "
                    + ", ".join(report.missing)]
    loads = [InstructionLoad(path=x.path, tokens=x.tokens, agents=x.agents)
             for x in mcp_instructions.loads(ws.root, settings, rels or ["."], index, jc.token)]
    instr_total = sum(x.tokens for x in loads)
    window = report.context_window

    def build(k: int) -> tuple[BudgetAnswer, str]:
        m = BudgetAnswer(total_tokens=report.total_tokens, paths=entries[:k],
                         more_paths=len(entries) - k, instructions=loads,
                         instruction_tokens=instr_total, tokens=0, warnings=warnings)
        lines = [f"{m.total_tokens:,} tokens ({m.total_tokens / window:.1%} of a {window:,}-token"
                 f" window, {report.encoding})"]
        lines += [f"- {printable(e.path)}: {e.tokens:,} tokens"
                  + (f" in {plural(e.files, 'file')}" if e.path.endswith("/") or e.path == "."
                     else "")
                  for e in m.paths]
        if m.more_paths:
            lines.append(f"(+{plural(m.more_paths, 'more path', 'more paths')} left out)")
        if loads:
            lines.append(f"Instruction files loaded for them: {instr_total:,} tokens")
            lines += [f"- {printable(x.path)}: {x.tokens:,} tokens ({', '.join(x.agents)})"
                      for x in loads]
        else:
            lines.append("No instruction files (CLAUDE.md, AGENTS.md...) are loaded for them.")
        return m, "\n".join(lines) + notes(warnings)

    return fit(ws.counter, DEFAULT_ANSWER_BUDGET, len(entries), build)


# -- check_instructions -------------------------------------------------------------------------

def check_answer(call: McpCall, rels: list[str]) -> tuple[CheckAnswer, str]:
    """The problems in the instruction files under ``rels`` (all when empty)."""
    from analyzers.app.requests import CheckRequest
    from analyzers.instructions.findings import SEVERITIES, severity_counts

    wanted = None if not rels or rels == ["."] else rels
    report = call.snapshot.check(CheckRequest(paths=wanted), call.jc.token)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    problems = [
        InstructionProblem(path=d.path, line=d.range.start.line + 1, code=d.code,
                           severity=d.severity, message=d.message,
                           fix=redact(d.fix.replacement.strip()) if d.fix else None)
        for d in sorted(report.diagnostics,
                        key=lambda d: (order.get(d.severity, 9), d.path, d.range.start.line))]
    warnings = [*call.warnings, *report.notes]
    summary = severity_counts(p.severity for p in problems)

    def build(k: int) -> tuple[CheckAnswer, str]:
        m = CheckAnswer(files_checked=report.files_checked, problems=problems[:k],
                        more_problems=len(problems) - k, tokens=0, warnings=warnings)
        lines = [f"{summary} in {plural(m.files_checked, 'instruction file')}."]
        lines += [f"- {printable(p.path)}:{p.line}: {p.severity} {p.code} {printable(p.message)}"
                  + (f" [fix: {p.fix}]" if p.fix else "") for p in m.problems]
        if m.more_problems:
            lines.append(f"(+{plural(m.more_problems, 'more problem', 'more problems')} left "
                         "out)")
        return m, "\n".join(lines) + notes(warnings)

    return fit(call.session.counter, DEFAULT_ANSWER_BUDGET, len(problems), build)


# -- handoff ------------------------------------------------------------------------------------

def handoff_answer(call: McpCall, base: str | None, write: bool) -> tuple[HandoffAnswer, str]:
    """The handoff note (generated; written to HANDOFF.md only when ``write``); with a bundle
    suggestion unless the index is being refreshed."""
    from analyzers.app.requests import HandoffRequest
    from analyzers.handoff import DEFAULT_NOTE, render_markdown, update_note_file
    from analyzers.handoff.generate import read_existing, shown_text
    from analyzers.handoff.markdown import kept_blocks

    ws, jc, with_bundle = call.workspace, call.jc, not call.session.refreshing
    note = ws.handoff(HandoffRequest(base=base, bundle=with_bundle), jc.token)
    warnings = [*call.warnings, *note.problems]
    if write:  # (the kept blocks are told by the write's message, with their lines as written)
        before, unread = read_existing(ws.root / DEFAULT_NOTE, ws.root)
        told = {f"{DEFAULT_NOTE} {why}" for why in ([] if unread else kept_blocks(before))}
        warnings = [w for w in warnings if w not in told]
    if not with_bundle:
        warnings.append("no bundle suggestion: the index is being refreshed")
    if write:
        jc.check()
        result = update_note_file(ws.root, None, note)
        path, written = result.path, result.changed
        text = (ws.root / path).read_text("utf-8")
        warnings += [result.message, *result.problems]
    else:
        existing, problems = read_existing(ws.root / DEFAULT_NOTE, ws.root)
        text = render_markdown(note, None if problems else existing)
        path, written = DEFAULT_NOTE, False
    lines = shown_text(text).splitlines(keepends=True)  # (the human sections' secrets too)

    def build(k: int) -> tuple[HandoffAnswer, str]:
        shown = "".join(lines[:k])
        if k < len(lines):
            shown += (f"\n[… {plural(len(lines) - k, 'more line', 'more lines')} left out; "
                      f"read {path}]\n")
        m = HandoffAnswer(note=shown, path=path, written=written, tokens=0, warnings=warnings)
        return m, shown + notes(warnings)

    return fit(call.session.counter, DEFAULT_ANSWER_BUDGET, len(lines), build)


# -- the start-task prompt ----------------------------------------------------------------------

def _suggested(model: BundleAnswer, result: BundleResult, said: str) -> list[str]:
    """The start-task prompt's bundle section: the bundle (its header's task taken out), and why
    there is no file when there is none."""
    rendered = model.rendered.replace(said, "", 1)
    parts = [rendered.replace("# Context bundle", "# Suggested context (ranked for the task)",
                              1).rstrip() + "\n"]
    more = [x.path for x in model.left_out if x.why.startswith("did not fit")]
    if not model.items:
        hidden = sum(1 for _, why in result.excluded() if "secret" in why)
        parts.append("(No file to suggest: " + (
            (f"the {hidden} best matching files may hold secrets and are never shown"
             if hidden > 1 else "the best matching file may hold secrets and is never shown")
            if hidden else "no file fits the room this message has left, after the "
            "instruction files; call suggest_bundle with a budget for the files below"
            if more else "nothing in the workspace matched the task") + ".)\n")
    if more:
        parts.append("Also relevant, left out for size: "
                     + ", ".join(printable(x) for x in more) + "\n")
    return parts


def start_task_text(call: McpCall, task: str, budget: int = DEFAULT_ANSWER_BUDGET) -> str:
    """One message: the task, the instruction files that apply at the root, a bundle for it."""
    from analyzers.confine import read_bytes_inside

    ws, counter, warnings = call.workspace, call.session.counter, call.warnings
    # the task as a bundle shows it: no secret in it, a pasted log cut (the message has a budget)
    opening = f"I am starting this task in {ws.root}:\n\n"
    said_task = shown_task(task)
    over = counter.count(said_task) - budget // 2
    if over > 0:  # at most half the message (text outside ASCII: many tokens a character)
        keep = int(len(said_task) * (budget // 2) / (budget // 2 + over)) - 100
        said_task = shown_task(task, limit=max(200, keep))
    parts = [f"{opening}{said_task}\n"]
    loads = mcp_instructions.loads(ws.root, ws.settings, ["."], call.snapshot.index, call.jc.token)
    shown: list[str] = []
    # instruction files take at most half the message, and what the task leaves
    room = min(budget // 2, budget - counter.count(parts[0]) - 200)
    for load in loads:
        if load.path.startswith("/"):  # above the workspace: the agent loads it itself
            shown.append(f"## {printable(load.path)} ({', '.join(load.agents)})\n\n(above the "
                         f"workspace: {load.tokens:,} tokens your agent loads itself; not "
                         "repeated here)\n")
            continue
        data = read_bytes_inside(ws.root, load.path)
        if data is None:  # outside the workspace (a symlink) or unreadable: never embedded
            continue
        text = redact(data.decode("utf-8", "replace"), load.path)  # its secrets masked
        if load.tokens > room:
            keep = int(len(text) * max(0, room) / max(1, load.tokens))
            text = (text[:keep] + f"\n[… {load.tokens - counter.count(text[:keep]):,} more "
                    f"tokens left out; read {printable(load.path)} for the rest]\n")
        room -= counter.count(text)
        loaded_by = ", ".join(load.agents)
        shown.append(f"## {printable(load.path)} ({loaded_by})\n\n{text.rstrip()}\n")
    parts.append("# Instruction files that apply\n\n" + ("\n".join(shown) if shown else
                 "None: no CLAUDE.md, AGENTS.md... in the workspace root or above it.\n"))
    left = budget - counter.count("\n".join(parts)) - 100
    no_room = ("(No room left for a context bundle after the task and the instruction files: "
               "call suggest_bundle with the task.)\n")
    if left >= MIN_ANSWER_BUDGET:
        already = ["/" + x.path for x in loads if not x.path.startswith("/")]
        request = BundleRequest(task=task, exclude=[*already, *call.session.exclude])
        said = f"\nTask: {shown_task(task)}\n"  # the bundle's header repeats it: taken out below
        try:
            model, _, result = bundle_answer(call, request, left + counter.count(said),
                                             "markdown", [], empty_ok=True)
        except BundleError:  # the room holds the bundle's header and not one file
            parts.append(no_room)
        else:
            parts += _suggested(model, result, said)
    else:
        parts.append(no_room)
    if warnings:
        parts.append(notes(warnings).strip() + "\n")
    return "\n".join(parts)
