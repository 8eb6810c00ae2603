"""The "(unsaved)" label of the code lens and hover shows only while the buffer differs from what
the index holds: not on a clean file opened before the first index build finished, not on a file
edited and then saved. A real client drives ``ctxsteward serve`` on git repositories built here."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo
from lsp_client import capabilities, jobs, open_doc, start, stop, wait_for, wait_indexed
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio

UNSAVED = "(unsaved)"
HOVER_NOTE = "editor's text (unsaved"

GREET = '''"""Greeting helpers."""


def make_greeter(name):
    """Build a greeter for ``name``."""
    return f"hello, {name}"
'''


def build(root: Path, modules: int) -> Path:
    """A repository with ``app/greet.py`` and ``modules`` more modules for the index to parse."""
    files = {"app/__init__.py": "", "app/greet.py": GREET}
    files.update({f"pkg/mod_{i:03d}.py": f"def f_{i}(x):\n    return x * {i} + {i % 7}\n"
                  for i in range(modules)})
    return make_repo(root, files)


async def lens_title(client: LanguageClient, uri: str) -> str:
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert lenses and lenses[0].command is not None
    return lenses[0].command.title


async def hover_text(client: LanguageClient, uri: str, text: str) -> str:
    line = next(i for i, s in enumerate(text.splitlines()) if "def make_greeter" in s)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=6)))
    assert hover is not None
    return hover.contents.value


async def index_done_after(client: LanguageClient, after: int) -> int:
    """Wait for an index build newer than job ``after``; its id."""
    job = await wait_indexed(client, after=after)
    return int(job["id"])


async def newest_index_job(client: LanguageClient) -> int:
    report = await jobs(client)
    return max((j["id"] for j in report["jobs"] if j["kind"] == "index"), default=0)


async def test_a_clean_file_opened_before_the_first_index_is_not_unsaved(tmp_path: Path) -> None:
    root = build(tmp_path / "repo", 400)
    client = await start(root, caps=capabilities(refresh=True))
    try:
        uri = open_doc(client, root / "app/greet.py")
        # Before the first build the index has no row for it: counted from the buffer, and
        # said to be not in the index yet (it is saved: not "(unsaved)").
        assert (await lens_title(client, uri)).endswith(" (not in the index yet)")
        await wait_indexed(client)
        # The build finished: the server asks the editor to pull its lenses again ...
        await wait_for(lambda: "codeLens" in client.refreshes, what="a code lens refresh")
        # ... and the clean file is the index's, in the lens and in the hover.
        assert UNSAVED not in await lens_title(client, uri)
        assert HOVER_NOTE not in await hover_text(client, uri, GREET)
    finally:
        await stop(client)


async def test_a_file_edited_then_saved_is_not_unsaved(tmp_path: Path) -> None:
    root = build(tmp_path / "repo", 3)
    client = await start(root, caps=capabilities(refresh=True))
    try:
        await wait_indexed(client)
        path = root / "app/greet.py"
        uri = open_doc(client, path)
        assert UNSAVED not in await lens_title(client, uri)
        edited = GREET + "\n\ndef wave(name):\n    return f'bye, {name}'\n"
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
        # While the buffer differs from the index, both say so.
        assert (await lens_title(client, uri)).endswith(UNSAVED)
        assert HOVER_NOTE in await hover_text(client, uri, edited)
        before = await newest_index_job(client)
        seen = len(client.refreshes)
        path.write_text(edited)  # the editor saves: same buffer version, text now on disk
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        await index_done_after(client, before)
        await wait_for(lambda: "codeLens" in client.refreshes[seen:],
                       what="a code lens refresh after the save")
        assert UNSAVED not in await lens_title(client, uri)
        assert HOVER_NOTE not in await hover_text(client, uri, edited)
        # Editing again brings the label back: it follows the buffer, not a sticky flag.
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=GREET)]))
        assert (await lens_title(client, uri)).endswith(UNSAVED)
    finally:
        await stop(client)
