"""Instruction checks that agree with each other and catch stale references: a Makefile whose
``$(warning "..., run: curl")`` line once turned the make-target check off, a file moved away
whose old bare name still matched the end of its new path, a typo that gets a "did you mean"
quick fix - through the real CLI, and through a real LSP client (hover, document links and
diagnostics resolving a path the same way). Repositories are built here with real git."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from gitutil import commit, make_repo, run_cli
from instructions_util import apply_fix, of, recheck, run, text_at
from lsp_client import indexed, open_doc, wait_for
from lsprotocol import types
from pytest_lsp import LanguageClient

from analyzers.instructions import CheckView, document_links

MAKEFILE = """.PHONY: test build lint
GOLANGCI_LINT = golangci-lint

lint:
ifeq (, $(shell which $(GOLANGCI_LINT)))
\t$(warning "no golangci-lint in $(PATH), run: curl -sfL https://example.com/i.sh | sh")
endif
$(warning "could not find a tool, run: curl -sfL https://example.com/get | sh")
\t$(GOLANGCI_LINT) run

test:
\tgo test ./...

build:
\tgo build ./...
"""

GUIDE = "".join(f"Step {i}: do the thing number {i} with care.\n" for i in range(40))


def check_json(root: Path) -> list[dict[str, Any]]:
    """``ctxsteward check --format json``'s diagnostics."""
    proc = run_cli("check", "--format", "json", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return list(json.loads(proc.stdout)["diagnostics"])


def test_a_makefile_warning_line_keeps_the_make_target_check(tmp_path: Path) -> None:
    claude = "Run `make tset` before a pull request, and `make lint`.\n"
    root = make_repo(tmp_path / "r", {"Makefile": MAKEFILE, "go.mod": "module x\n",
                                      "main.go": "package main\nfunc main() {}\n",
                                      "CLAUDE.md": claude})
    found = [d for d in check_json(root) if d["code"] == "CS003"]
    assert [(d["range"]["start"]["character"], d["fix"]["replacement"]) for d in found] == [
        (claude.index("tset"), "test")]
    assert "make target" in found[0]["message"]


def test_a_moved_files_old_name_is_stale_though_its_end_matches(tmp_path: Path) -> None:
    claude = "Read `user_guide.md` first; the settings are in `config.toml`.\n"
    root = make_repo(tmp_path / "r", {"user_guide.md": GUIDE, "site/config.toml": "x = 1\n",
                                      "CLAUDE.md": claude})
    commit(root, "move the guide under site/", {"user_guide.md": None,
                                               "site/content/user_guide.md": GUIDE})
    found = [d for d in check_json(root) if d["code"] == "CS001"]
    # config.toml matches the end of site/config.toml and never moved: what was meant.
    assert len(found) == 1, found
    d = found[0]
    assert d["message"].startswith("user_guide.md was renamed to site/content/user_guide.md in ")
    assert d["fix"]["replacement"] == "site/content/user_guide.md"
    assert d["range"]["start"]["character"] == claude.index("user_guide.md")


def test_a_typo_gets_a_close_path_quick_fix(tmp_path: Path) -> None:
    claude = "Helpers live in `src/app/helper.py`; see also [views](src/app/view.py).\n"
    root = make_repo(tmp_path / "r", {"src/app/helpers.py": "def h():\n    pass\n",
                                      "src/app/views.py": "def v():\n    pass\n",
                                      "CLAUDE.md": claude})
    found = of(run(root), "CS001")
    assert [(text_at(claude, d), d.message) for d in found] == [
        ("src/app/helper.py", "src/app/helper.py does not exist; did you mean "
                              "src/app/helpers.py?"),
        ("src/app/view.py", "src/app/view.py does not exist; did you mean src/app/views.py?")]
    fixed = claude
    for d in reversed(found):
        fixed = apply_fix(fixed, d)
    assert fixed == claude.replace("helper.py", "helpers.py").replace("view.py", "views.py")
    assert of(recheck(root, "CLAUDE.md", fixed), "CS001") == []


def test_a_name_ending_several_paths_resolves_to_the_shallowest(tmp_path: Path) -> None:
    claude = "The API is in `client.py`.\n"
    root = make_repo(tmp_path / "r", {"tests/deep/client/client.py": "x = 1\n",
                                      "pkg/client.py": "y = 2\n", "zzz/client.py": "z = 3\n",
                                      "CLAUDE.md": claude})
    # Not whichever the set of files yields first: the shallowest, then by name.
    assert [lk.target for lk in document_links(CheckView(root), "CLAUDE.md")] == [
        "pkg/client.py"]


# -- the editor: hover, links and diagnostics agree -------------------------------------------

CLAUDE_LSP = """# Notes

The app is `app/views.py`; helpers are in `src/app/helper.py`.
"""


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory
                 ) -> AsyncIterator[tuple[LanguageClient, Path]]:
    root = make_repo(tmp_path_factory.mktemp("agree") / "repo", {
        "src/app/__init__.py": "", "src/app/views.py": "def index():\n    return 'hi'\n",
        "src/app/helpers.py": "def h():\n    pass\n", "CLAUDE.md": CLAUDE_LSP})
    async with indexed(root) as c:
        yield c, root


async def hover_at(client: LanguageClient, uri: str, needle: str) -> str:
    lines = CLAUDE_LSP.splitlines()
    row = next(i for i, line in enumerate(lines) if needle in line)
    h = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=row, character=lines[row].index(needle) + 2)))
    assert h is not None and isinstance(h.contents, types.MarkupContent)
    return h.contents.value


@pytest.mark.asyncio(loop_scope="module")
async def test_hover_links_and_diagnostics_resolve_a_path_alike(
        served: tuple[LanguageClient, Path]) -> None:
    client, root = served
    uri = open_doc(client, root / "CLAUDE.md", "markdown")
    diags = await wait_for(lambda: list(client.diagnostics.get(uri, [])) or None,
                           what="diagnostics of CLAUDE.md")
    # app/views.py is the end of src/app/views.py: no diagnostic, a link there, a hover there.
    assert [d.message for d in diags] == [
        "src/app/helper.py does not exist; did you mean src/app/helpers.py?"]
    links = await client.text_document_document_link_async(types.DocumentLinkParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [lk.target for lk in links or []] == [(root / "src/app/views.py").as_uri()]
    said = await hover_at(client, uri, "app/views.py")
    assert said.startswith("`src/app/views.py` · exists · **"), said
    typo = await hover_at(client, uri, "src/app/helper.py")
    assert typo.startswith("`src/app/helper.py` · **does not exist**"), typo
    # The typo's quick fix, as the editor asks for it.
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diags[0].range,
        context=types.CodeActionContext(diagnostics=diags,
                                        only=[types.CodeActionKind.QuickFix])))
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction)]
    assert [a.title for a in fixes] == ["Replace with src/app/helpers.py"]
    edit = fixes[0].edit
    assert edit is not None and edit.changes is not None
    assert [e.new_text for e in edit.changes[uri]] == ["src/app/helpers.py"]


def test_a_cancelled_run_leaves_the_next_runs_git_answers_alone(tmp_path: Path) -> None:
    # The #16 re-verifier: once one diagnostic pull was cancelled, the long-lived view's git
    # object kept that run's token and every later pull stopped at its first git call.
    from analyzers.cancel import Cancelled, CancelToken
    from analyzers.instructions import check_file

    root = make_repo(tmp_path / "r", {
        "CLAUDE.md": "Start in `src/gone.py`.\n", "AGENTS.md": "Read `src/old.py` first.\n",
        "src/gone.py": "x = 1\n", "src/old.py": "y = 2\n", "src/app.py": "z = 3\n"})
    commit(root, "drop two modules", {"src/gone.py": None, "src/old.py": None})
    ws = CheckView(root)
    dead = CancelToken()
    dead.cancel("request cancelled by the client")
    ws.token = dead
    with pytest.raises(Cancelled):  # cancelled before git was ever asked
        check_file(root, "CLAUDE.md", None, workspace=ws, token=dead)
    first = CancelToken()
    ws.token = first
    found = check_file(root, "CLAUDE.md", None, workspace=ws, token=first)
    assert any("src/gone.py was deleted in " in d.message for d in found), found
    first.cancel("request cancelled by the client")  # that run ends cancelled
    second = CancelToken()
    ws.token = second
    found = check_file(root, "AGENTS.md", None, workspace=ws, token=second)  # new git questions
    assert any("src/old.py was deleted in " in d.message for d in found), found
