"""A suggested context bundle for the next session: seeds = the most-changed files, task = the goal.

Made by :mod:`analyzers.bundles.assemble` (imported when a bundle is asked for: the ranking code
is not loaded for a note without one). The caller brings the index up to date and shares it with
the instruction checks.
"""

from __future__ import annotations

from analyzers import languages
from analyzers.cancel import NEVER, Cancelled, CancelToken
from analyzers.config import Settings
from analyzers.handoff.note import BundleFile, BundleSuggestion, FileChange
from analyzers.indexing.index import Index
from analyzers.secrets import secret_file_reason

MAX_SEEDS = 3


def most_changed(changes: list[FileChange], limit: int = MAX_SEEDS) -> list[str]:
    """Paths that still exist, source code first, by lines added plus removed (committed and
    uncommitted work together)."""
    weight: dict[str, int] = {}
    for c in changes:
        if c.status == "deleted":
            continue
        weight[c.path] = weight.get(c.path, 0) + (c.added or 0) + (c.removed or 0)

    def key(kv: tuple[str, int]) -> tuple[bool, int, str]:
        return (not languages.has_grammar(languages.detect(kv[0])), -kv[1], kv[0])

    return [p for p, _ in sorted(weight.items(), key=key)][:limit * 4]


def suggest(
    index: Index, settings: Settings, changes: list[FileChange], goal: str | None,
    token: CancelToken = NEVER, exclude: list[str] | None = None,
) -> BundleSuggestion:
    """A bundle from the (up-to-date) ``index`` seeded with the most-changed files (not one
    left out whole as secret-bearing: by name, or secret material as a whole, which a bundle
    would refuse as a seed; the others seed it).

    ``exclude`` lists paths never to suggest, such as the note itself.
    """
    from analyzers.app.requests import BundleRequest
    from analyzers.bundles.assemble import make_bundle

    task = goal.strip() if goal and goal.strip() else None
    try:
        files = index.files()
        seeds = [p for p in most_changed(changes)
                 if p in files and secret_file_reason(index.root, p) is None][:MAX_SEEDS]
        if not seeds and not task:
            return BundleSuggestion(available=False, reason="no changed file to seed it (none "
                                    "that may be shown) and no goal written")
        budget = settings.default_budget
        request = BundleRequest(seeds=seeds, task=task, budget=budget,
                                           exclude=["/" + e for e in (exclude or [])])
        result = make_bundle(index, request, token)
    except Cancelled:
        raise
    except Exception as e:  # noqa: BLE001 - a bundle failure must not sink the note
        return BundleSuggestion(available=False, reason=f"it could not be made: {e}")
    b = result.bundle
    files_out = [BundleFile(path=i.path, granularity=i.granularity, tokens=i.tokens)
                 for i in b.items]
    return BundleSuggestion(available=True, task=task, seeds=seeds, budget=b.budget,
                            total_tokens=b.total_tokens, files=files_out)
