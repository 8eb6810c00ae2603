"""Token budgets: a disk-usage style tree of token counts, largest first.

Every figure is the encoding's exact count summed first and scaled by the model profile's factor
once (as ``ctxsteward index`` scales its total), never a sum of figures each rounded up: with a
factor (``--profile claude``, ×1.2) the total here is the index's, and a folder's figure is its
files' exact tokens scaled.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from analyzers.config import Settings
from analyzers.indexing.index import FileInfo
from analyzers.results import BudgetNode, BudgetReport
from analyzers.tokens import Counter


def _selected(files: dict[str, FileInfo], wanted: list[str]) -> tuple[list[FileInfo], list[str]]:
    if not wanted:
        return list(files.values()), []
    chosen: dict[str, FileInfo] = {}
    missing: list[str] = []
    for w in wanted:
        w = posixpath.normpath(w).strip("/")  # "./src/" -> "src"
        if w in ("", "."):
            return list(files.values()), []
        hits = [f for p, f in files.items() if p == w or p.startswith(w + "/")]
        if not hits:
            missing.append(w)
        for f in hits:
            chosen[f.path] = f
    return list(chosen.values()), missing


def _skipped_under(skipped: dict[str, str], wanted: list[str]) -> dict[str, int]:
    """How many of the files the index skipped (path: reason) lie under ``wanted``, by reason."""
    roots = [posixpath.normpath(w).strip("/") for w in wanted]
    if not roots or any(r in ("", ".") for r in roots):
        roots = []
    counts: dict[str, int] = {}
    for p, reason in skipped.items():
        if not roots or any(p == r or p.startswith(r + "/") for r in roots):
            counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def budget(root: Path, files: dict[str, FileInfo], settings: Settings,
           paths: list[str] | None = None, skipped: dict[str, str] | None = None
           ) -> BudgetReport:
    """The token tree of ``paths`` (relative to ``root``; all files when empty). ``skipped``
    (path: reason) are the files the index skips: never counted, and said so by reason."""
    profile = settings.model_profile()
    counter = Counter(settings.encoding, profile)
    window = profile.context_window
    chosen, missing = _selected(files, paths or [])
    not_counted = _skipped_under(skipped or {}, paths or [])

    nodes: dict[str, BudgetNode] = {".": BudgetNode(path=".", kind="dir", tokens=0, files=0,
                                                    share=0.0)}

    def folder(d: str) -> BudgetNode:
        key = d + "/" if d else "."
        node = nodes.get(key)
        if node is None:
            node = BudgetNode(path=key, kind="dir", tokens=0, files=0, share=0.0)
            nodes[key] = node
            folder(posixpath.dirname(d)).children.append(node)
        return node

    for f in chosen:
        leaf = BudgetNode(path=f.path, kind="file", tokens=0, files=1, share=0.0)
        leaf._raw = f.tokens  # noqa: SLF001 - set where the node is made
        d = posixpath.dirname(f.path)
        folder(d).children.append(leaf)
        while True:
            n = folder(d)
            n._raw += f.tokens  # noqa: SLF001
            n.files += 1
            if not d:
                break
            d = posixpath.dirname(d)

    def finish(n: BudgetNode) -> None:
        n.tokens = counter.scale(n._raw)  # noqa: SLF001 - scaled once, from the exact sum
        n.share = round(n.tokens / window, 6) if window else 0.0
        for c in n.children:
            finish(c)
        n.children.sort(key=lambda c: (-c.tokens, c.path))

    root_node = nodes["."]
    finish(root_node)
    return BudgetReport(
        root=str(root), encoding=counter.label, profile=profile.name, context_window=window,
        total_tokens=root_node.tokens, tree=root_node.children, missing=missing,
        skipped=not_counted,
    )


def scaled_sum(nodes: list[BudgetNode], settings: Settings) -> int:
    """The tokens of ``nodes`` together (of a report made with ``settings``): their exact counts
    summed, then scaled once, as each node's own figure is."""
    counter = Counter(settings.encoding, settings.model_profile())
    return counter.scale(sum(n._raw for n in nodes))  # noqa: SLF001


def nodes_by_path(tree: list[BudgetNode]) -> dict[str, BudgetNode]:
    """Every node of ``tree`` by its path, without a folder's trailing '/'."""
    nodes: dict[str, BudgetNode] = {}
    stack = list(tree)
    while stack:
        n = stack.pop()
        nodes[n.path.rstrip("/")] = n
        stack.extend(n.children)
    return nodes
