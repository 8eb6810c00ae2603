"""End to end: the hover on a path written in Markdown counts only what the application's
path-safety rule lets it read - a real LSP client on a git repository built here, whose CLAUDE.md
points outside the workspace (as written and through a symlink), into ``.git`` and at a dotenv
file; the same rule (:func:`analyzers.app.paths.workspace_path`) says why each is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from gitutil import make_repo
from lsp_client import indexed, open_doc
from lsprotocol import types
from pytest_lsp import LanguageClient

from analyzers.app.errors import PathRefused
from analyzers.app.paths import Secrets, workspace_path

pytestmark = pytest.mark.asyncio(loop_scope="module")

CLAUDE = """# Notes

Read @docs/guide.md first.
Never @../outside.md, nor [the link](docs/away.md), nor `.git/config`, nor [env](.env).
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("lsphp")
    (base / "outside.md").write_text("# Not ours\n\nPrivate notes.\n")
    root = make_repo(base / "repo", {"CLAUDE.md": CLAUDE, "docs/guide.md": "# Guide\n\nRead.\n",
                                     ".env": "API_TOKEN=not-for-agents\n"})
    (root / "docs/away.md").symlink_to(base / "outside.md")
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    async with indexed(repo) as c:
        yield c


def refusal(root: Path, raw: str, base: Path) -> str:
    """The application's refusal of ``raw`` (written in a file in ``base``)."""
    with pytest.raises(PathRefused) as e:
        workspace_path(root, raw, base=base, secrets=Secrets.NAME)
    return str(e.value)


async def test_markdown_path_hover_refuses_what_the_path_rule_refuses(client: LanguageClient,
                                                                      repo: Path) -> None:
    uri = open_doc(client, repo / "CLAUDE.md", "markdown")
    lines = CLAUDE.splitlines()

    async def at(needle: str) -> str:
        row = next(i for i, line in enumerate(lines) if needle in line)
        h = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=row, character=lines[row].index(needle) + 2)))
        assert h is not None and isinstance(h.contents, types.MarkupContent), needle
        return h.contents.value

    assert (await at("@docs/guide.md")).startswith("`docs/guide.md` · imported: adds **")
    cases = {"@../outside.md": ("../outside.md", "is outside the workspace"),
             "docs/away.md": ("docs/away.md", "is a symbolic link pointing outside the "
                              "workspace"),
             ".git/config": (".git/config", "is inside .git/"),
             ".env": (".env", "secret-bearing file name (.env)")}
    for needle, (target, why) in cases.items():
        said = refusal(repo, target, repo)
        assert why in said
        text = await at(needle)
        assert text == f"`{needle}` · **not read or counted**: {said}", text
        assert "Private" not in text and "tokens" not in text
