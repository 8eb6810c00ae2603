"""A snapshot's bundles of the same seeds and task rank once (an MCP answer packed again at
smaller budgets to fit its whole answer), and one asked again in another format is fitted once:
each is what a fresh snapshot gives."""

from __future__ import annotations

from pathlib import Path

from gitutil import make_repo, quote_module, run_cli

from analyzers.app.requests import BundleRequest
from analyzers.app.workspace import Workspace


def test_bundles_of_one_snapshot_share_their_ranking_and_equal_fresh_ones(tmp_path: Path
                                                                          ) -> None:
    files = {f"pkg/mod{i}.py": quote_module(i, 12) for i in range(12)}
    files["pkg/__init__.py"] = ""
    root = make_repo(tmp_path / "app", files, [
        ("Quote refunds", {"pkg/mod3.py": files["pkg/mod3.py"] + "\n# refunds\n",
                           "pkg/mod4.py": files["pkg/mod4.py"] + "\n# refunds\n"})])
    assert run_cli("index", cwd=root).returncode == 0
    ws = Workspace(root)
    asks = [BundleRequest(seeds=["pkg/mod3.py"], task="quote the refund", budget=b, format=f)
            for b in (3000, 1200, 600) for f in ("xml", "markdown")]
    asks.append(BundleRequest(task="quote the refund", budget=900))
    with ws.snapshot() as snap:
        shared = [snap.bundle(a).rendered for a in asks]
        kept = list(snap._rankings)  # noqa: SLF001
        assert len([k for k in kept if k[0] != "fitted"]) == 2  # a ranking per (seeds, task)
        assert len([k for k in kept if k[0] == "fitted"]) == 4  # fitted per budget, not format
    fresh = []
    for a in asks:
        with ws.snapshot() as snap:
            fresh.append(snap.bundle(a).rendered)
    assert shared == fresh
    assert len(set(shared)) == len(shared)  # (the budgets and formats give different documents)
