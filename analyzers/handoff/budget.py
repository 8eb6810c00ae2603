"""Keep a note within its token budget by shortening its longest derived lists ("…and N more").

The count is of the rendered Markdown (human sections included), in the configured encoding. Lists
shrink by a quarter at a time, the longest first, never below :data:`MIN_ITEMS`; when even that is
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
# Derived lists that may be shortened: (name, getter path).
LISTS = ("commits", "committed_changes", "uncommitted_changes", "touched_definitions", "todos",
         "instructions.files", "tests.failing", "bundle.files")


def _get(note: HandoffNote, name: str) -> list[Any] | None:
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
        kept = items[:shown[name]]
        if "." in name:
            owner, attr = name.split(".", 1)
            nested.setdefault(owner, {})[attr] = kept
        else:
            top[name] = kept
        if totals[name] > len(kept):
            truncated.append(Truncation(name=name, shown=len(kept), total=totals[name]))
    for owner, update in nested.items():
        top[owner] = getattr(note, owner).model_copy(update=update)
    top["truncated"] = truncated
    return note.model_copy(update=top)


def fit(
    note: HandoffNote, render: Callable[[HandoffNote], str], counter: Counter,
    budget: int = DEFAULT_BUDGET, *, token: CancelToken = NEVER,
) -> HandoffNote:
    """``note`` with its longest lists shortened until ``render(note)`` fits ``budget`` tokens.

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
    while True:
        token.check()
        current = _with_limits(base, shown, totals)
        tokens = _settle(current, render, counter)
        if tokens <= budget:
            return current
        candidates = [n for n, k in shown.items() if k > MIN_ITEMS]
        if not candidates:
            current.problems.append(
                f"the note takes {tokens:,} tokens, over its budget of {budget:,}, even with "
                "every derived list shortened: the human sections are long")
            _settle(current, render, counter)
            return current
        longest = max(candidates, key=lambda n: (shown[n], -LISTS.index(n)))
        k = shown[longest]
        shown[longest] = max(MIN_ITEMS, k - max(1, k // 4))


def _settle(note: HandoffNote, render: Callable[[HandoffNote], str], counter: Counter) -> int:
    """Set ``note.token_count`` to the count of the note that displays it (two passes settle it)."""
    for _ in range(3):
        tokens = counter.count(render(note))
        if tokens == note.token_count:
            break
        note.token_count = tokens
    return note.token_count
