"""A snapshot's bundles of the same seeds and task rank once (an MCP answer packed again at
smaller budgets to fit its whole answer), and one asked again in another format is fitted once:
each is what a fresh snapshot gives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gitutil import make_repo, quote_module, run_cli

from analyzers.app.requests import BundleRequest
from analyzers.app.workspace import Snapshot, Workspace


def ring_repo(root: Path, n: int, extra: str = "") -> Path:
    """A ring of ``n`` quote modules (``pkg/mod{i}.py`` with ``extra`` ``i % 4`` times), two of
    them changed together by a commit about refunds; indexed."""
    files = {f"pkg/mod{i}.py": quote_module(i, n, extra * (i % 4)) for i in range(n)}
    files["pkg/__init__.py"] = ""
    root = make_repo(root, files, [
        ("Quote refunds", {"pkg/mod3.py": files["pkg/mod3.py"] + "\n# refunds\n",
                           "pkg/mod4.py": files["pkg/mod4.py"] + "\n# refunds\n"})])
    assert run_cli("index", cwd=root).returncode == 0
    return root


def test_bundles_of_one_snapshot_share_their_ranking_and_equal_fresh_ones(tmp_path: Path
                                                                          ) -> None:
    ws = Workspace(ring_repo(tmp_path / "app", 12))
    asks = [BundleRequest(seeds=["pkg/mod3.py"], task="quote the refund", budget=b, format=f)
            for b in (3000, 1200, 600) for f in ("xml", "markdown")]
    asks.append(BundleRequest(task="quote the refund", budget=900))
    with ws.snapshot() as snap:
        shared = [snap.bundle(a).rendered for a in asks]
        kept = list(snap._rankings)  # noqa: SLF001
        rankings = [k for k in kept if k[0] not in ("fitted", "admitted", "evidence")]
        assert len(rankings) == 2  # a ranking per (seeds, task)
        assert len([k for k in kept if k[0] == "fitted"]) == 4  # fitted per budget, not format
    fresh = []
    for a in asks:
        with ws.snapshot() as snap:
            fresh.append(snap.bundle(a).rendered)
    assert shared == fresh
    assert len(set(shared)) == len(shared)  # (the budgets and formats give different documents)


SECRET = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"  # a GitHub token's shape
KEY_BLOCK = ("-----BEGIN RSA PRIVATE KEY-----\n" + "MIIEowIBAAKCAQEA7refund0quote1x\n" * 6
             + "-----END RSA PRIVATE KEY-----\n")


def refund_repo(root: Path) -> Path:
    """A ring of modules about quotes and refunds, one holding a token (shown masked), one a
    private key (never shown), a design document naming the code, a ``.env``."""
    body = "".join(f"\n\ndef refund_step_{k}(quote):\n    return quote.refund({k})\n"
                   for k in range(40))
    files = {f"pkg/mod{i}.py": quote_module(i, 10, body if i % 3 == 0 else "")
             for i in range(10)}
    files["pkg/__init__.py"] = ""
    files["pkg/settings.py"] = (f"from pkg.mod3 import helper_3\n\nTOKEN = '{SECRET}'\n\n\n"
                                "def refund_quote(q):\n    return helper_3(q, 1)\n")
    files["pkg/refund_key.pem"] = KEY_BLOCK
    files[".env"] = "REFUND_QUOTE=1\n"
    files["docs/design.md"] = ("# Refunds\n\nA refund quote goes through `pkg/mod3.py` and "
                               "`pkg/settings.py`.\n\n## Retries\n\nThe quote retries three "
                               "times.\n")
    return make_repo(root, files, [
        ("Quote refunds", {"pkg/mod3.py": files["pkg/mod3.py"] + "\n# refunds\n",
                           "pkg/settings.py": files["pkg/settings.py"] + "\n# refunds\n"})])


def test_repacks_of_one_request_reuse_what_admitting_found_and_equal_fresh_ones(
        tmp_path: Path) -> None:
    """An MCP answer packs its bundle at several budgets (to fit its whole answer) in one
    snapshot; the files offered (read, scanned, linked to the seed and task) are admitted once
    for the request and each pack is what a fresh snapshot packs at its budget: the same
    document, items, files left out, excluded and masked, whatever the budgets' order."""
    root = refund_repo(tmp_path / "app")
    assert run_cli("index", cwd=root).returncode == 0
    ws = Workspace(root)
    asks = [BundleRequest(seeds=["pkg/mod3.py"], task="quote the refund", budget=b, format=f,
                          exclude=["pkg/mod7.py"])
            for b in (16000, 4000, 1500, 700, 2500) for f in ("xml", "markdown")]
    asks += [BundleRequest(task="refund quote retries", budget=b) for b in (3000, 900)]

    def shown(snap: Snapshot, ask: BundleRequest) -> tuple[object, ...]:
        r = snap.bundle(ask)
        return (r.rendered, r.bundle.model_dump(), r.left_out, r.excluded(), r.redacted())

    with ws.snapshot() as snap:
        shared = [shown(snap, a) for a in asks]
        admitted = [k for k in snap._rankings if k[0] == "admitted"]  # noqa: SLF001
    assert len(admitted) == 2  # one per request, whatever its budget and format
    fresh = []
    for a in asks:
        with ws.snapshot() as snap:
            fresh.append(shown(snap, a))
    assert shared == fresh
    first = shared[0]  # (the bundle has each case in it: what to compare)
    assert "[redacted: GitHub Token]" in first[0] and first[4], first[4]
    assert any(p == "pkg/mod7.py" for p, _ in first[3]), first[3]
    assert any(p == "pkg/refund_key.pem" for p, _ in first[3]), first[3]
    assert "docs/design.md" in first[0]
    assert len({s[0] for s in shared}) == len(shared)


def test_the_packs_of_one_answer_show_each_file_as_first_read(tmp_path: Path) -> None:
    """A file edited while an answer is packed again at smaller budgets: every pack of the
    answer shows it as the first read it (the answer was sized on that), not some packs the old
    lines and the last the new."""
    root = refund_repo(tmp_path / "app")
    assert run_cli("index", cwd=root).returncode == 0
    ask = BundleRequest(seeds=["pkg/settings.py"], task="quote the refund", budget=3000)
    with Workspace(root).snapshot() as snap:
        before = snap.bundle(ask).rendered
        assert "def refund_quote(q):" in before
        edited = (root / "pkg/settings.py").read_text().replace("refund_quote", "credit_note")
        (root / "pkg/settings.py").write_text(edited)
        after = snap.bundle(replace(ask, budget=2900)).rendered
    assert "def refund_quote(q):" in after and "credit_note" not in after


def test_a_larger_pool_ranked_first_only_explains_the_smaller_one_again(tmp_path: Path) -> None:
    """A budget of 16,000 offers 64 ranked files, a smaller one 60: its own ranking (explained
    for 60 files), whose signals and order the snapshot worked out once. Each bundle and each
    ranking is what a fresh snapshot, or a fresh ranking, gives."""
    from analyzers.bundles.rank import RankQuery, rank
    from analyzers.indexing.index import Index

    root = ring_repo(tmp_path / "ring", 90, "\n# refund quote retries\n")
    ws = Workspace(root)
    asks = [BundleRequest(seeds=s, task="quote the refund retries", budget=b)
            for s in ([], ["pkg/mod3.py"]) for b in (16000, 12000)]
    with ws.snapshot() as snap:
        shared = [snap.bundle(a) for a in asks]
        evidence = [k for k in snap._rankings if k[0] == "evidence"]  # noqa: SLF001
    assert len(evidence) == 2  # one per (seeds, task), whatever the pool
    fresh = []
    for a in asks:
        with ws.snapshot() as snap:
            fresh.append(snap.bundle(a))
    assert [(r.rendered, r.bundle.model_dump()) for r in shared] == [
        (r.rendered, r.bundle.model_dump()) for r in fresh]
    assert len(shared[0].bundle.items) > len(shared[1].bundle.items)  # (the budgets differ)
    with Index(root) as index:
        for seeds in ([], ["pkg/mod3.py"]):
            kept: dict[str, object] = {}
            wide = rank(index, RankQuery(seeds=seeds, task="quote the refund retries"),
                        explain=64, evidence=kept)
            again = rank(index, RankQuery(seeds=seeds, task="quote the refund retries"),
                         explain=60, evidence=kept)
            alone = rank(index, RankQuery(seeds=seeds, task="quote the refund retries"),
                         explain=60)
            assert len(alone) > 64 and wide[60:64] != alone[60:64]  # (explained in one only)
            assert again == alone
