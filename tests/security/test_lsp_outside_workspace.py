"""The language server reads, counts and names nothing outside the workspace (issue item 6).

A real ``ctxsteward serve`` over stdio on a real git repository built here. Outside it lie a
``.netrc`` and a notes file; inside it, ``docs/netrc.md`` and ``docs/notes.md`` are symlinks to
them, ``.env`` is a secret-bearing file, and ``README.md`` points at the outside file by its
absolute path. Every document feature (hover, code lens, inlay hints, ``ctxsteward.showBudget``,
bundle code actions) refuses those documents, opened in the editor or not, and no answer carries
their content or a token count; a file of the workspace is still answered (the control).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from gitutil import make_repo
from lsp_client import plain, start, stop, wait_indexed
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

NETRC = "machine example.com login alice password Hunter2SecretValue\n"
NOTES = "def outside_function():\n    return 'OutsideMarkerWord'\n"
ENV = "API_TOKEN=EnvSecretValue123\n"
GREET = "def greet(name):\n    return f'hello {name}'\n"
SECRET_WORDS = ("Hunter2SecretValue", "OutsideMarkerWord", "outside_function", "EnvSecretValue",
                "alice")


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("outside")
    outside = base / "outside"
    outside.mkdir()
    (outside / ".netrc").write_text(NETRC)
    (outside / "notes.py").write_text(NOTES)
    repo = make_repo(base / "repo", {
        "app/greet.py": GREET,
        "README.md": f"# Readme\n\nSee @{outside / 'notes.py'} for more.\n",
    })
    (repo / "docs").mkdir()
    os.symlink(outside / ".netrc", repo / "docs" / "netrc.md")
    os.symlink(outside / "notes.py", repo / "docs" / "notes.py")
    (repo / ".env").write_text(ENV)
    return {"repo": repo, "outside": outside}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(layout: dict[str, Path]) -> AsyncIterator[LanguageClient]:
    c = await start(layout["repo"])
    await wait_indexed(c)
    yield c
    await stop(c)


def refused_uris(layout: dict[str, Path]) -> dict[str, tuple[str, str]]:
    """name -> (uri, text the client would send in didOpen)."""
    repo, outside = layout["repo"], layout["outside"]
    return {
        "absolute .netrc": ((outside / ".netrc").as_uri(), NETRC),
        "absolute notes.py": ((outside / "notes.py").as_uri(), NOTES),
        "symlink docs/netrc.md": ((repo / "docs" / "netrc.md").as_uri(), NETRC),
        "symlink docs/notes.py": ((repo / "docs" / "notes.py").as_uri(), NOTES),
        "secret .env": ((repo / ".env").as_uri(), ENV),
        "/etc/passwd": ("file:///etc/passwd", ""),
    }


def text_of(value: Any) -> str:
    return repr(plain(value))


def assert_clean(answer: Any) -> None:
    shown = text_of(answer)
    assert "token" not in shown.lower(), shown
    for word in SECRET_WORDS:
        assert word not in shown, shown


async def ask_everything(client: LanguageClient, uri: str) -> dict[str, Any]:
    doc = types.TextDocumentIdentifier(uri=uri)
    whole = types.Range(start=types.Position(line=0, character=0),
                        end=types.Position(line=50, character=0))
    out: dict[str, Any] = {}
    for line, col in ((0, 0), (0, 6), (1, 14)):
        out[f"hover {line}:{col}"] = await client.text_document_hover_async(types.HoverParams(
            text_document=doc, position=types.Position(line=line, character=col)))
    out["code lens"] = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=doc))
    out["inlay hints"] = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=doc, range=whole))
    out["code actions"] = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc, range=types.Range(start=types.Position(line=0, character=4),
                                              end=types.Position(line=0, character=4)),
        context=types.CodeActionContext(diagnostics=[])))
    out["showBudget"] = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ctxsteward.showBudget", arguments=[{"uri": uri}]))
    return out


def assert_refused(name: str, answers: dict[str, Any]) -> None:
    for what, answer in answers.items():
        assert_clean(answer)
        if what.startswith("hover"):
            assert answer is None, (name, what, answer)
        elif what in ("code lens", "inlay hints", "code actions"):
            assert not answer, (name, what, answer)
    budget = plain(answers["showBudget"])
    assert budget["file"] is None and budget["problem"], (name, budget)
    if name.startswith("secret"):
        assert "secret-bearing" in budget["text"], budget
    else:
        assert "outside the workspace" in budget["text"], budget


async def test_closed_documents_outside_the_workspace_are_refused(
        client: LanguageClient, layout: dict[str, Path]) -> None:
    for name, (uri, _) in refused_uris(layout).items():
        assert_refused(name, await ask_everything(client, uri))


async def test_open_documents_outside_the_workspace_are_refused(
        client: LanguageClient, layout: dict[str, Path]) -> None:
    """The client sends the text itself: still no hover, lens, hint or budget for it."""
    for name, (uri, text) in refused_uris(layout).items():
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                                 text=text)))
        assert_refused(name, await ask_everything(client, uri))
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))


async def test_markdown_path_to_an_outside_file_is_not_counted(
        client: LanguageClient, layout: dict[str, Path]) -> None:
    readme = layout["repo"] / "README.md"
    line = readme.read_text().splitlines()[2]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=readme.as_uri()),
        position=types.Position(line=2, character=line.index("notes.py"))))
    assert hover is not None
    assert "outside the workspace" in hover.contents.value
    assert_clean(hover)


async def test_a_workspace_file_is_still_answered(
        client: LanguageClient, layout: dict[str, Path]) -> None:
    uri = (layout["repo"] / "app" / "greet.py").as_uri()
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert lenses and "tokens" in lenses[0].command.title
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=0, character=5)))
    assert hover is not None and "greet" in hover.contents.value
