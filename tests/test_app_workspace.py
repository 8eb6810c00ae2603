"""The workspace and its snapshot's queries (analyzers.app.workspace) on a real git repository:
each query checks its request first, then answers from the index."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo

from analyzers.app.errors import RequestError
from analyzers.app.requests import (
    BudgetRequest,
    BundleRequest,
    CheckRequest,
    FindRequest,
    HandoffRequest,
)
from analyzers.app.workspace import Workspace
from analyzers.handoff import HandoffError
from server.cli.main import CLI_WORDS


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = make_repo(tmp_path_factory.mktemp("ws") / "repo", {
        "src/retry.py": "def retry_request(session, attempts):\n"
                        "    for _ in range(attempts):\n        session.send()\n",
        "src/billing/invoice.py": "class Invoice:\n    def total(self):\n        return 0\n",
        "src/billing/tax.py": "def tax_rate(country):\n    return 0.2\n",
        "CLAUDE.md": "# Notes\n\nRetries live in `src/retry.py`; billing in `src/gone.py`.\n",
    })
    workspace = Workspace(root)
    assert not workspace.index_usable()
    workspace.refresh()
    assert workspace.index_usable()
    return workspace


def test_find_ranks_files_for_a_task_alone(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        ranked = snap.find(FindRequest("retry the request"))
        assert ranked[0].path == "src/retry.py"
        assert snap.find(FindRequest("the of and")) == []  # no searchable word: nothing ranked
        with pytest.raises(RequestError, match="is empty"):
            snap.find(FindRequest("  "))


def test_budget_counts_the_paths_asked_for(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        whole = snap.budget(BudgetRequest())
        billing = snap.budget(BudgetRequest(["src/billing", "nope"]))
    assert {n.path for n in whole.tree} == {"CLAUDE.md", "src/"}
    assert billing.missing == ["nope"]
    assert 0 < billing.total_tokens < whole.total_tokens
    with ws.snapshot() as snap, pytest.raises(RequestError, match="depth must be at least 1"):
        snap.budget(BudgetRequest(depth=0))


def test_check_finds_a_stale_path_with_and_without_the_index(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        indexed = snap.check(CheckRequest())
    bare = ws.check(CheckRequest(paths=["CLAUDE.md"], use_index=False))
    for report in (indexed, bare):
        assert report.files_checked == 1
        assert [d.code for d in report.diagnostics if "src/gone.py" in d.message] == ["CS001"]
    with pytest.raises(RequestError) as err:
        ws.check(CheckRequest(import_depth=-1))
    assert err.value.worded(CLI_WORDS) == "--import-depth must be 0 or more"


def test_bundle_save_and_verify(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        result = snap.bundle(BundleRequest(seeds=["src/retry.py"], budget=2000))
        assert result.pieces and result.counts()[0] >= 1
        snap.save("app-test", result)
        report = snap.verify("app-test")
        assert report.unchanged == len(report.items) >= 1
        with pytest.raises(RequestError, match="a bundle name uses letters, digits"):
            snap.verify("../x")


def test_handoff_names_the_base_field(ws: Workspace) -> None:
    note = ws.handoff(HandoffRequest(bundle=False, checks=False))
    assert note.token_count <= note.token_budget
    with pytest.raises(HandoffError) as err:
        ws.handoff(HandoffRequest(base="no-such-branch", bundle=False, checks=False))
    assert isinstance(err.value, RequestError) and err.value.field == "base"
    assert err.value.worded(CLI_WORDS).startswith("--base 'no-such-branch' does not name a commit")
    assert str(err.value).startswith("base ref 'no-such-branch' does not name a commit")
    with pytest.raises(RequestError, match="is not a git ref"):
        ws.handoff(HandoffRequest(base="-x"))


def test_paths_given_to_the_workspace_are_checked(ws: Workspace) -> None:
    assert ws.path("billing", base=Path(ws.root) / "src") == "src/billing"
    with pytest.raises(RequestError, match="outside the workspace"):
        ws.path("../..", base=Path(ws.root) / "src")


def test_a_snapshot_reads_the_index_as_it_was_when_taken(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"a.py": "def one():\n    return 1\n"})
    workspace = Workspace(root)
    workspace.refresh()
    with workspace.snapshot() as before:
        (root / "a.py").write_text("def one():\n    return 1\n\n\ndef two():\n    return 2\n")
        (root / "b.py").write_text("def three():\n    return 3\n")
        workspace.refresh()  # another connection writes a new generation meanwhile
        # Asked only now, the held snapshot still answers from the index it was taken on.
        assert sorted(before.index.files()) == ["a.py"]
        assert [d.name for d in before.index.definitions("a.py")] == ["one"]
        with workspace.snapshot() as after:
            assert sorted(after.index.files()) == ["a.py", "b.py"]
            assert [d.name for d in after.index.definitions("a.py")] == ["one", "two"]
    (root / "c.py").write_text("def four():\n    return 4\n")
    workspace.refresh()  # no read held any more: the next build is seen at once
    with workspace.snapshot() as later:
        assert sorted(later.index.files()) == ["a.py", "b.py", "c.py"]
