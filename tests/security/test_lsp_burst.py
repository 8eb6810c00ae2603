"""A hover during an edit burst answers from the last analysed version, mid-burst (item 11).

A real ``ctxsteward serve`` over stdio on a real git repository built here. Edits of
``app/burst.py`` arrive one every few milliseconds (each adds a line to ``alpha``'s body); a
hover on ``alpha`` sent mid-burst must be answered while edits are still being sent, from a
version no later than the one it was sent at (the hover shows ``alpha``'s line range, which
grows with every edit) - never held until the burst ends. Before the fix the hover followed every
superseding analysis and answered only after the last edit. No timing is asserted: the edits go
on until the hover is answered (or a generous number of edits was sent, which fails the test).

A document over ``max_file_size`` answers "too large" at once, and edits to it do not stop a
hover on another document from being answered.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from gitutil import make_repo
from lsp_client import start, stop, wait_indexed
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

BURST = "def alpha():\n    return 1\n"
LIMIT = 100_000
BEFORE_HOVER = 20
MAX_AFTER_HOVER = 600  # edits sent after the hover before giving up (12 s at 20 ms)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("burst") / "repo", {
        "app/burst.py": BURST,
        "app/other.py": "def beta():\n    return 2\n",
    })


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    c = await start(repo, options={"maxFileSize": LIMIT})
    await wait_indexed(c)
    yield c
    await stop(c)


class Editor:
    def __init__(self, client: LanguageClient, path: Path, text: str) -> None:
        self.client, self.uri, self.version = client, path.as_uri(), 1
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=self.uri, language_id="python", version=1,
                                                 text=text)))

    def insert(self, line: int, text: str) -> None:
        self.version += 1
        at = types.Position(line=line, character=0)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri,
                                                                version=self.version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=at, end=at), text=text)]))

    def hover(self, line: int, character: int) -> asyncio.Future[Any]:
        return asyncio.ensure_future(self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=self.uri),
            position=types.Position(line=line, character=character))))


def value(h: types.Hover | None) -> str:
    assert h is not None
    assert isinstance(h.contents, types.MarkupContent)
    return h.contents.value


def alpha_end_line(h: types.Hover | None) -> int:
    m = re.search(r"`app/burst\.py:1`(?:–(\d+))?", value(h))
    assert m, value(h)
    return int(m.group(1) or 1)


async def test_hover_mid_burst_answers_from_an_earlier_version(client: LanguageClient,
                                                               repo: Path) -> None:
    ed = Editor(client, repo / "app" / "burst.py", BURST)
    assert alpha_end_line(await ed.hover(0, 5)) == 2  # the facts of version 1 are known
    for _ in range(BEFORE_HOVER):
        ed.insert(1, "    x = 1\n")
        await asyncio.sleep(0.005)
    hover_version = ed.version
    answer = ed.hover(0, 5)
    after = 0
    while not answer.done() and after < MAX_AFTER_HOVER:
        ed.insert(1, "    x = 1\n")
        after += 1
        await asyncio.wait({answer}, timeout=0.02)
    final_version = ed.version
    assert answer.done(), f"the hover was not answered during {after} edits after it"
    end = alpha_end_line(answer.result())
    # The answer reflects a version no later than the hover's (each edit adds a line to alpha):
    # the last analysed one, not one the burst produced after the hover.
    assert end <= 2 + (hover_version - 1), (end, hover_version, final_version)
    assert final_version > hover_version  # answered while edits were still being sent
    # Once the burst is over, the hover reflects the newest version.
    edits = final_version - 1

    async def settled() -> bool:
        return alpha_end_line(await ed.hover(0, 5)) == 2 + edits

    for _ in range(200):
        if await settled():
            break
        await asyncio.sleep(0.1)
    assert alpha_end_line(await ed.hover(0, 5)) == 2 + edits


async def test_too_large_document_says_so_and_its_edits_leave_others_answered(
        client: LanguageClient, repo: Path) -> None:
    text = "".join(f"def f_{i}():\n    return {i}\n" for i in range(LIMIT // 20))
    assert len(text) > LIMIT
    (repo / "big.py").write_text(text)
    big = Editor(client, repo / "big.py", text)
    assert "too large" in value(await big.hover(0, 5))
    other = Editor(client, repo / "app" / "other.py", "def beta():\n    return 2\n")
    assert "`beta`" in value(await other.hover(0, 5))
    answer = other.hover(0, 5)
    sent = 0
    while not answer.done() and sent < MAX_AFTER_HOVER:
        big.insert(3, " ")
        sent += 1
        await asyncio.wait({answer}, timeout=0.005)
    assert answer.done(), f"a hover on another document waited through {sent} edits"
    assert "`beta`" in value(answer.result())
    answer = big.hover(0, 5)
    assert "too large" in value(await answer)
