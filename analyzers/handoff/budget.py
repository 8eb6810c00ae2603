"""Keep a note within its token budget by shortening its longest derived lists ("…and N more").

The count is of the rendered Markdown (human sections included), in the configured encoding. Lists
shrink by a quarter at a time, the one spending the most tokens first, never below
:data:`MIN_ITEMS` (one diagnostic per instruction file); when even that is
over budget (long human sections), the note says so in ``problems``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..cancel import NEVER, CancelToken
from ..tokens import Counter
from .models import HandoffNote, Truncation

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
                render: Callable[[HandoffNote], str], counter: Counter) -> dict[str, float]:
    """Tokens each list spends per shown item (rendering the note without it, once per list)."""
    full = counter.count(render(_with_limits(base, shown, totals)))
    costs: dict[str, float] = {}
    for name, k in shown.items():
        if k == 0:
            costs[name] = 0.0
            continue
        without = counter.count(render(_with_limits(base, {**shown, name: 0}, totals)))
        costs[name] = max(1.0, (full - without) / k)
    return costs


def fit(
    note: HandoffNote, render: Callable[[HandoffNote], str], counter: Counter,
    budget: int = DEFAULT_BUDGET, *, token: CancelToken = NEVER,
) -> HandoffNote:
    """``note`` with its longest lists (in tokens) shortened until ``render(note)`` fits ``budget``.

    The returned note carries ``token_count`` (of its own rendering), ``token_budget`` and
    ``truncated``.
    """
    shown: dict[str, int] = {}
    totals: dict[str, int] = {}
    cap = max(MIN_ITEMS, budget // 8)  # no list item renders in fewer than ~8 tokens
    for name in LISTS:
        items = _get(note, name)
        if items is not None:
            shown[name] = min(len(items), cap)
            totals[name] = len(items)
    if "commits" in totals:
        totals["commits"] = max(note.commits_total, len(note.commits))
    base = note.model_copy(update={"token_budget": budget, "encoding": counter.label})
    costs: dict[str, float] | None = None
    while True:
        token.check()
        current = _with_limits(base, shown, totals)
        tokens = _settle(current, render, counter)
        if tokens <= budget:
            return current
        candidates = [n for n, k in shown.items() if k > MINIMUM.get(n, MIN_ITEMS)]
        if not candidates:
            current.problems.append(
                f"the note is over its budget of {budget:,} tokens even with every derived list "
                "shortened: the human sections are long")
            _settle(current, render, counter)
            return current
        if costs is None:
            costs = _item_costs(base, shown, totals, render, counter)
        longest = max(candidates, key=lambda n: (shown[n] * costs[n], -LISTS.index(n)))
        k = shown[longest]
        shown[longest] = max(MINIMUM.get(longest, MIN_ITEMS), k - max(1, k // 4))


def _settle(note: HandoffNote, render: Callable[[HandoffNote], str], counter: Counter) -> int:
    """Set ``note.token_count`` to the count of the note that displays it (two passes settle it)."""
    for _ in range(3):
        tokens = counter.count(render(note))
        if tokens == note.token_count:
            break
        note.token_count = tokens
    return note.token_count
