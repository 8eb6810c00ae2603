"""Keep a note within its token budget: shorten the longest derived lists ("…and N more"), then
give up generated parts, lowest priority first.

The count is of the rendered Markdown (human sections included), in the configured encoding.
First, lists shrink by a quarter at a time, the one spending the most tokens first, down to
:data:`MIN_ITEMS` (one diagnostic per instruction file). If that is not enough, generated parts
go in :data:`DROP_ORDER`: the introduction, the prompts of empty human sections, then whole
sections from the least to the most useful to the next session (each section's lists shrink to
nothing before its heading goes too), and last the summary's details. Once the note fits, lists
of the sections still shown grow back into the room left, most useful first. Text people wrote
is never shortened or left out: when it alone is over the budget, or the note's skeleton (block
markers, headings, the summary) is, the note says so in ``problems`` and stays over budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzers.cancel import NEVER, CancelToken
from analyzers.handoff.note import HandoffNote, Truncation
from analyzers.tokens import Counter

DEFAULT_BUDGET = 2000
MIN_ITEMS = 3
# Derived lists that may be shortened, and how few items each keeps at least.
# "instructions.diagnostics" is the number of diagnostics shown per instruction file.
LISTS = ("commits", "committed_changes", "uncommitted_changes", "touched_definitions", "todos",
         "instructions.files", "instructions.diagnostics", "tests.failing", "bundle.files")
MINIMUM = {"instructions.diagnostics": 1}


def _get(note: HandoffNote, name: str) -> list[Any] | None:
    if name == "instructions.diagnostics":
        longest = max((len(f.diagnostics) for f in note.instructions.files), default=0)
        return [None] * longest
    obj: Any = note
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj if isinstance(obj, list) else None


def _with_limits(note: HandoffNote, shown: dict[str, int], totals: dict[str, int]) -> HandoffNote:
    """A copy of ``note`` with each list cut to ``shown`` items (items are shared, not copied)."""
    top: dict[str, Any] = {"problems": list(note.problems)}
    nested: dict[str, dict[str, Any]] = {}
    truncated = []
    for name in LISTS:
        items = _get(note, name)
        if items is None or name not in shown:
            continue
        if name == "instructions.diagnostics":
            continue  # applied with instructions.files below; each file says what it left out
        kept = items[:shown[name]]
        if "." in name:
            owner, attr = name.split(".", 1)
            nested.setdefault(owner, {})[attr] = kept
        else:
            top[name] = kept
        if totals[name] > len(kept):
            truncated.append(Truncation(name=name, shown=len(kept), total=totals[name]))
    if "instructions.diagnostics" in shown:
        k = shown["instructions.diagnostics"]
        files = nested.get("instructions", {}).get("files", note.instructions.files)
        nested.setdefault("instructions", {})["files"] = [
            f.model_copy(update={"diagnostics": f.diagnostics[:k]}) for f in files]
    for owner, update in nested.items():
        top[owner] = getattr(note, owner).model_copy(update=update)
    top["truncated"] = truncated
    return note.model_copy(update=top)


def _item_costs(base: HandoffNote, shown: dict[str, int], totals: dict[str, int],
                measure: Callable[[HandoffNote], int]) -> dict[str, float]:
    """Tokens each list spends per shown item (rendering the note without it, once per list)."""
    full = measure(_with_limits(base, shown, totals))
    costs: dict[str, float] = {}
    for name, k in shown.items():
        if k == 0:
            costs[name] = 0.0
            continue
        without = measure(_with_limits(base, {**shown, name: 0}, totals))
        costs[name] = max(1.0, (full - without) / k)
    return costs


# Generated parts given up when shortening lists is not enough, lowest priority first, with the
# lists each one holds. The summary block's verdict lines (work totals, tests) always stay.
DROP_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("intro", ()),
    ("prompts", ()),
    ("bundle", ("bundle.files",)),
    ("instructions", ("instructions.diagnostics", "instructions.files")),
    ("tests", ("tests.failing",)),
    ("todos", ("todos",)),
    ("touched_definitions", ("touched_definitions",)),
    ("commits", ("commits",)),
    ("uncommitted_changes", ("uncommitted_changes",)),
    ("committed_changes", ("committed_changes",)),
    ("details", ()),
)


class _Fitter:
    """The state of one fit: how many items each list shows, which parts are left out."""

    def __init__(self, note: HandoffNote, render: Callable[[HandoffNote], str],
                 counter: Counter, budget: int, token: CancelToken,
                 measure: Callable[[HandoffNote], int]) -> None:
        self.render, self.counter, self.budget, self.token = render, counter, budget, token
        self.measure = measure
        self.shown: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.cap = max(MIN_ITEMS, budget // 8)  # no list item renders in fewer than ~8 tokens
        for name in LISTS:
            items = _get(note, name)
            if items is not None:
                self.shown[name] = min(len(items), self.cap)
                self.totals[name] = len(items)
        if "commits" in self.totals:
            self.totals["commits"] = max(note.commits_total, len(note.commits))
        self.base = note.model_copy(update={"token_budget": budget, "encoding": counter.label})
        self.omitted: list[str] = []

    def note(self) -> HandoffNote:
        current = _with_limits(self.base, self.shown, self.totals)
        current.omitted = list(self.omitted)
        return current

    def tokens(self) -> tuple[HandoffNote, int]:
        self.token.check()
        current = self.note()
        return current, _settle(current, self.measure)

    def fits(self) -> bool:
        return self.tokens()[1] <= self.budget

    def shorten_longest(self) -> bool:
        """Lists down to their minimum, the one spending the most tokens first (True: fits)."""
        costs: dict[str, float] | None = None
        while True:
            if self.fits():
                return True
            candidates = [n for n, k in self.shown.items() if k > MINIMUM.get(n, MIN_ITEMS)]
            if not candidates:
                return False
            if costs is None:
                costs = _item_costs(self.base, self.shown, self.totals, self.measure)
            longest = max(candidates,
                          key=lambda n: (self.shown[n] * costs[n], -LISTS.index(n)))
            k = self.shown[longest]
            self.shown[longest] = max(MINIMUM.get(longest, MIN_ITEMS), k - max(1, k // 4))

    def give_up_parts(self) -> bool:
        """Generated parts left out, lowest priority first, each section's lists emptied before
        its heading goes (True: fits)."""
        for part, lists in DROP_ORDER:
            for name in lists:
                while self.shown.get(name, 0) > 0:
                    k = self.shown[name]
                    self.shown[name] = k - max(1, k // 4)
                    if self.fits():
                        return True
            _, before = self.tokens()
            self.omitted.append(part)
            _, after = self.tokens()
            if after >= before:  # nothing of it was shown (e.g. no prompts in an existing note)
                self.omitted.pop()
            elif after <= self.budget:
                return True
        return False

    def grow_back(self) -> None:
        """Lists of the sections still shown take back the room left, most useful first; then the
        introduction, prompts and summary details, if they fit."""
        dropped = {name for part, lists in DROP_ORDER if part in self.omitted for name in lists}
        for _part, lists in reversed(DROP_ORDER):
            for name in lists:
                if name in dropped or name not in self.shown:
                    continue
                low, high = self.shown[name], min(self.cap, self.totals[name])
                while low < high:  # the largest count that still fits
                    mid = (low + high + 1) // 2
                    self.shown[name] = mid
                    if self.fits():
                        low = mid
                    else:
                        high = mid - 1
                self.shown[name] = low
        # Then the presentation parts, if there is room for them after all.
        for part in ("details", "prompts", "intro"):
            if part in self.omitted:
                at = self.omitted.index(part)
                del self.omitted[at]
                if not self.fits():
                    self.omitted.insert(at, part)

    def over_budget_problem(self, current: HandoffNote, tokens: int) -> str:
        human = _human_tokens(self.render(current), self.counter)
        if human > self.budget:
            return (f"over the budget of {self.budget:,} tokens: the text people wrote takes "
                    f"{human:,} tokens by itself and is kept as written; every generated part "
                    "that could go was left out")
        return (f"over the budget of {self.budget:,} tokens: the note cannot be shorter than "
                f"about {tokens:,} (block markers, headings and the summary stay); raise the "
                "budget")


def _human_tokens(text: str, counter: Counter) -> int:
    """Tokens of the note's text outside its generated blocks (block markers excluded)."""
    from analyzers.handoff.markdown import parse_note

    parsed = parse_note(text)
    if not parsed.blocks:
        return counter.count(text)
    kept, pos = [], 0
    for b in parsed.blocks:
        kept.append(text[pos:b.content_start])
        pos = b.content_end
    kept.append(text[pos:])
    outside = "".join(kept)
    outside = "".join(line for line in outside.splitlines(keepends=True)
                      if "ctxsteward:generated:" not in line)
    return counter.count(outside)


def fit(
    note: HandoffNote, render: Callable[[HandoffNote], str], counter: Counter,
    budget: int = DEFAULT_BUDGET, *, token: CancelToken = NEVER,
    measure: Callable[[HandoffNote], int] | None = None,
) -> HandoffNote:
    """``note`` shortened until ``render(note)`` fits ``budget``: its longest lists first, then
    generated parts by priority (see the module's docstring); human text is never touched.
    ``measure(note)``: the tokens of ``render(note)``, when it can count them faster (see
    :func:`analyzers.handoff.markdown.rendered_tokens`); the note returned is counted whole.

    The returned note carries ``token_count`` (of its own rendering), ``token_budget``,
    ``truncated`` and ``omitted``; when it cannot fit, a problem says why.
    """
    def whole(n: HandoffNote) -> int:
        return counter.count(render(n))

    f = _Fitter(note, render, counter, budget, token, measure or whole)
    fits = f.shorten_longest()
    if not fits and f.give_up_parts():
        f.grow_back()
        fits = True
    current, tokens = f.tokens()
    if not fits:
        current.problems.append(f.over_budget_problem(current, tokens))
    _settle(current, whole)
    return current


def _settle(note: HandoffNote, measure: Callable[[HandoffNote], int]) -> int:
    """Set ``note.token_count`` to the count of the note that displays it (two passes settle it)."""
    for _ in range(3):
        tokens = measure(note)
        if tokens == note.token_count:
            break
        note.token_count = tokens
    return note.token_count
