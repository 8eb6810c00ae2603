"""End to end: the handoff note through the language server — ``ctxsteward.previewHandoff`` and
``ctxsteward.generateHandoff``, which writes through a ``workspace/applyEdit`` the test client
answers the way an editor does (applying the edit to its open buffer, or to the file) — on a real
feature branch with committed and uncommitted work (``handoff_repos.feature_repo``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from gitutil import commit
from handoff_repos import feature_repo
from lsp_client import capabilities, start, stop, wait_indexed
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from analyzers.handoff import generate, parse_human_sections, parse_note, render_markdown

pytestmark = pytest.mark.asyncio(loop_scope="module")

BLOCK = re.compile(r"(<!-- ctxsteward:generated:begin (\S+)(?: sha=[0-9]{12})? -->\r?\n)(.*?)"
                   r"(<!-- ctxsteward:generated:end \2 -->)", re.S)
SHA = re.compile(r" sha=[0-9]{12}")
GOAL_PROMPT = "<!-- What this work is for, in a sentence or two. -->"


def outside_blocks(text: str) -> str:
    """The note with every generated block's inside cut out: what people own."""
    return BLOCK.sub(lambda m: SHA.sub("", m.group(1)) + m.group(4), text)  # (sha: of the inside)


def to_offset(text: str, pos: types.Position) -> int:
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[:pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return offset + i
        units += len(ch.encode("utf-16-le")) // 2
    return offset + len(line)


def apply_edits(text: str, edits: Any) -> str:
    spans = sorted(((to_offset(text, e.range.start), to_offset(text, e.range.end), e.new_text)
                    for e in edits), reverse=True)
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


class Editor:
    """What the test client does with ``workspace/applyEdit``: open buffers are edited in memory
    (a version mismatch is refused, as editors do); other files are created or edited on disk."""

    def __init__(self) -> None:
        self.buffers: dict[str, tuple[int, str]] = {}
        self.edits: list[types.WorkspaceEdit] = []
        self.refuse: str | None = None

    def apply(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        edit = params.edit
        self.edits.append(edit)
        if self.refuse is not None:
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason=self.refuse)
        for change in edit.document_changes or []:
            if isinstance(change, types.CreateFile):
                path = Path(change.uri.removeprefix("file://"))
                if not path.exists():  # editors create the missing folders too
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text("")
            elif isinstance(change, types.TextDocumentEdit):
                uri = change.text_document.uri
                if uri in self.buffers:
                    version, text = self.buffers[uri]
                    if change.text_document.version not in (None, version):
                        return types.ApplyWorkspaceEditResult(
                            applied=False, failure_reason="the document changed")
                    self.buffers[uri] = (version + 1, apply_edits(text, change.edits))
                else:
                    path = Path(uri.removeprefix("file://"))
                    path.write_text(apply_edits(path.read_text(), change.edits))
            else:
                raise AssertionError(f"unexpected change {change!r}")
        for uri, edits in (edit.changes or {}).items():
            path = Path(uri.removeprefix("file://"))
            path.write_text(apply_edits(path.read_text(), edits))
        return types.ApplyWorkspaceEditResult(applied=True)


def caps(*, apply_edit: bool = True) -> types.ClientCapabilities:
    c = capabilities()
    assert c.workspace is not None
    c.workspace.apply_edit = apply_edit
    c.workspace.workspace_edit = types.WorkspaceEditClientCapabilities(
        document_changes=True, resource_operations=[types.ResourceOperationKind.Create])
    return c


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return feature_repo(tmp_path_factory.mktemp("lsph") / "repo").root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    c = await start(repo, caps=caps())
    editor = Editor()
    c.editor = editor  # type: ignore[attr-defined]

    @c.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        return editor.apply(params)

    await wait_indexed(c)
    yield c
    await stop(c)


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=name, arguments=list(args)))


def editor_of(client: LanguageClient) -> Editor:
    return client.editor  # type: ignore[attr-defined, no-any-return]


# -- preview --------------------------------------------------------------------------------------

async def test_preview_returns_the_note_and_writes_nothing(client: LanguageClient,
                                                           repo: Path) -> None:
    text = await command(client, "ctxsteward.previewHandoff", {})
    assert isinstance(text, str) and parse_note(text).ok
    for subject in ("rework the engine", "rename docs, drop legacy"):
        assert subject in text
    assert "main moves on" not in text  # on main after the branch point
    assert "`Engine.stop`" in text and "app/extra.py" in text
    # Same human template and derived content as the analyser's own note.
    want = render_markdown(generate(repo))
    assert outside_blocks(text) == outside_blocks(want)
    assert [m.group(3) for m in BLOCK.finditer(text)][1:] == \
        [m.group(3) for m in BLOCK.finditer(want)][1:]  # the summary block holds the time
    assert not (repo / "HANDOFF.md").exists()
    assert editor_of(client).edits == []


# -- generate -------------------------------------------------------------------------------------

async def test_generate_creates_the_note_through_an_edit(client: LanguageClient,
                                                         repo: Path) -> None:
    result = await command(client, "ctxsteward.generateHandoff", {})
    assert result["path"] == "HANDOFF.md" and result["requested"] == "HANDOFF.md"
    assert result["created"] and result["changed"] and result["applied"]
    assert result["method"] == "applyEdit" and not result["wrote_beside"]
    assert result["problems"] == [] and result["message"].startswith("created HANDOFF.md")
    (edit,) = editor_of(client).edits
    create, text_edit = edit.document_changes  # type: ignore[misc]
    assert isinstance(create, types.CreateFile) and create.uri == (repo / "HANDOFF.md").as_uri()
    assert isinstance(text_edit, types.TextDocumentEdit)
    written = (repo / "HANDOFF.md").read_text()
    assert parse_note(written).ok and "rework the engine" in written
    assert outside_blocks(written) == outside_blocks(render_markdown(generate(repo)))
    assert result["tokens"] > 0


async def test_regenerating_keeps_the_human_sections(client: LanguageClient, repo: Path) -> None:
    note = repo / "HANDOFF.md"
    edited = note.read_text().replace(GOAL_PROMPT, "Make the engine stoppable.  \n✓ é")
    edited = edited.replace("## Blockers", "## Notes from Ana\n\nFree text.\n\n## Blockers")
    note.write_text(edited)
    commit(repo, "more engine work", {"app/core.py": (repo / "app/core.py").read_text()
                                      + "\nLIMIT = 3\n"})
    editor_of(client).edits.clear()
    result = await command(client, "ctxsteward.generateHandoff", {})
    assert result["applied"] and not result["created"] and result["method"] == "applyEdit"
    assert result["message"].startswith("updated HANDOFF.md")
    (edit,) = editor_of(client).edits
    (text_edit,) = edit.document_changes  # type: ignore[misc]
    assert isinstance(text_edit, types.TextDocumentEdit)
    (change,) = text_edit.edits
    regenerated = note.read_text()
    # Only the changed lines: the edit ends before the note's unchanged last lines (it starts at
    # the first: the summary's begin marker holds its digest).
    assert change.range.end.line < len(edited.splitlines()) - 1
    assert change.new_text.splitlines()[-1] != regenerated.splitlines()[-1]
    assert outside_blocks(regenerated) == outside_blocks(edited)
    assert "more engine work" in regenerated and regenerated != edited
    human, problems = parse_human_sections(regenerated)
    assert problems == [] and human.goal == "Make the engine stoppable.  \n✓ é"


def open_unsaved(client: LanguageClient, uri: str, version: int, text: str) -> Editor:
    """The note open in the editor at ``version`` with ``text`` (not saved); the editor, its
    edits cleared."""
    editor = editor_of(client)
    editor.buffers[uri] = (version, text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="markdown", version=version,
                                             text=text)))
    editor.edits.clear()
    return editor


async def test_an_open_note_is_updated_from_its_buffer(client: LanguageClient,
                                                       repo: Path) -> None:
    note = repo / "HANDOFF.md"
    uri = note.as_uri()
    on_disk = note.read_text()
    # (the goal only: the checks block quotes it as the bundle's task, and an edit there is a
    # person's edit inside a block: kept, and a new block written at the end of the note)
    unsaved = on_disk.replace("Make the engine stoppable.  \n",
                              "Make the engine stoppable, soon.  \n")
    assert unsaved != on_disk
    editor = open_unsaved(client, uri, 7, unsaved)
    commit(repo, "engine limit", {"app/core.py": (repo / "app/core.py").read_text()
                                  + "\nLIMIT_2 = 4\n"})
    result = await command(client, "ctxsteward.generateHandoff", {})
    assert result["applied"] and result["method"] == "applyEdit"
    (edit,) = editor.edits
    (text_edit,) = edit.document_changes  # type: ignore[misc]
    assert text_edit.text_document.version == 7  # refused if the buffer moved on meanwhile
    version, buffer = editor.buffers[uri]
    assert version == 8 and "engine limit" in buffer
    assert outside_blocks(buffer) == outside_blocks(unsaved)  # the unsaved human text too
    assert note.read_text() == on_disk  # the editor has not saved it
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    del editor.buffers[uri]


async def test_an_edit_inside_a_block_of_the_open_note_is_kept(client: LanguageClient,
                                                               repo: Path) -> None:
    """A line a person typed inside the work block (unsaved) stays; the message says so."""
    note = repo / "HANDOFF.md"
    uri = note.as_uri()
    on_disk = note.read_text()
    mine = "- Ana: LIMIT is temporary.\n"
    end = "<!-- ctxsteward:generated:end work -->"
    unsaved = on_disk.replace(end, mine + end, 1)
    editor = open_unsaved(client, uri, 3, unsaved)
    commit(repo, "engine limit 3", {"app/core.py": (repo / "app/core.py").read_text()
                                    + "\nLIMIT_3 = 5\n"})
    try:
        result = await command(client, "ctxsteward.generateHandoff", {})
        assert result["applied"] and result["method"] == "applyEdit"
        assert "block 'work' was left as it is" in result["message"], result["message"]
        _, buffer = editor.buffers[uri]
        work = buffer[buffer.index("<!-- ctxsteward:generated:begin work"):buffer.index(end)]
        assert mine in work and "engine limit 3" not in work  # kept as the person left it
        assert note.read_text() == on_disk
    finally:
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        del editor.buffers[uri]


async def test_a_refused_edit_is_reported(client: LanguageClient, repo: Path) -> None:
    before = (repo / "HANDOFF.md").read_text()
    editor = editor_of(client)
    editor.refuse = "read-only file"
    try:
        result = await command(client, "ctxsteward.generateHandoff", {})
    finally:
        editor.refuse = None
    assert not result["applied"] and result["method"] == "none"
    assert "did not apply" in result["message"] and "read-only file" in result["message"]
    assert result["problems"] == ["the edit was not applied: read-only file"]
    assert (repo / "HANDOFF.md").read_text() == before


async def test_an_unparseable_note_is_never_overwritten(client: LanguageClient,
                                                        repo: Path) -> None:
    note = repo / "HANDOFF.md"
    damaged = note.read_text().replace("<!-- ctxsteward:generated:end work -->", "", 1)
    note.write_text(damaged)
    assert parse_note(damaged).problems
    editor_of(client).edits.clear()
    result = await command(client, "ctxsteward.generateHandoff", {})
    assert result["wrote_beside"] and result["path"] == "HANDOFF.generated.md"
    assert result["requested"] == "HANDOFF.md" and result["applied"] and result["created"]
    assert "HANDOFF.md was not overwritten" in result["message"]
    assert "HANDOFF.generated.md" in result["message"]
    assert result["problems"] == parse_note(damaged).problems
    assert note.read_text() == damaged
    beside = (repo / "HANDOFF.generated.md").read_text()
    assert parse_note(beside).ok and "engine limit" in beside
    # The preview also leaves the damaged note alone (a fresh note, no human text read).
    preview = await command(client, "ctxsteward.previewHandoff", {})
    assert parse_note(preview).ok and note.read_text() == damaged
    note.unlink()
    (repo / "HANDOFF.generated.md").unlink()


async def test_a_path_argument_and_bad_input(client: LanguageClient, repo: Path) -> None:
    result = await command(client, "ctxsteward.generateHandoff", {"path": "notes/NEXT.md"})
    assert result["path"] == "notes/NEXT.md" and result["created"]
    assert parse_note((repo / "notes/NEXT.md").read_text()).ok
    with pytest.raises(JsonRpcException, match="outside the workspace"):
        await command(client, "ctxsteward.generateHandoff", {"path": "../elsewhere.md"})
    with pytest.raises(JsonRpcException, match="is a folder"):
        await command(client, "ctxsteward.generateHandoff", {"path": "app"})
    with pytest.raises(JsonRpcException, match="'no-such-branch' does not name a commit"):
        await command(client, "ctxsteward.previewHandoff", {"base": "no-such-branch"})
    # An option-like base is refused by the application's request check, as by the CLI and the
    # MCP server, before git sees it; worded with the command's argument.
    for name in ("ctxsteward.previewHandoff", "ctxsteward.generateHandoff"):
        with pytest.raises(JsonRpcException) as err:
            await command(client, name, {"base": "-evil"})
        assert str(err.value.args[0]) == (
            """refused: base ref ("base") '-evil' is not a git ref (no blanks or control """
            "characters, no '-' first, at most 200 characters); use a branch, tag or commit that "
            "exists (`git branch -a` lists the branches, `git tag` the tags, `git log` the "
            "commits)")


async def test_a_note_made_read_only_is_refused(client: LanguageClient, repo: Path) -> None:
    note = repo / "notes" / "FROZEN.md"
    note.parent.mkdir(exist_ok=True)
    note.write_text("# mine\n", "utf-8")
    note.chmod(0o444)
    try:
        with pytest.raises(JsonRpcException, match=r"notes/FROZEN.md is read-only "
                                                   r"\(permissions r--r--r--, mode 0444\)"):
            await command(client, "ctxsteward.generateHandoff", {"path": "notes/FROZEN.md"})
        assert note.read_text("utf-8") == "# mine\n"
    finally:
        note.chmod(0o644)
        note.unlink()


async def test_a_test_command_is_run_and_recorded(client: LanguageClient, repo: Path) -> None:
    result = await command(client, "ctxsteward.generateHandoff",
                           {"path": "notes/TESTED.md", "testCommand": "echo checking; exit 3"})
    assert result["applied"] and result["path"] == "notes/TESTED.md"
    text = (repo / "notes/TESTED.md").read_text()
    assert "echo checking; exit 3" in text and "**failed** (exit 3)" in text


# -- a client without workspace edits -----------------------------------------------------------

async def test_without_apply_edit_the_note_is_written_atomically(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    root = feature_repo(tmp_path_factory.mktemp("lsph-write") / "repo").root
    client = await start(root, caps=caps(apply_edit=False),
                         options={"handoffPath": "notes/HANDOFF.md", "handoffBudget": 1500})
    try:
        await wait_indexed(client)
        result = await command(client, "ctxsteward.generateHandoff", {})
        assert result["path"] == "notes/HANDOFF.md"  # the setting
        assert result["method"] == "write" and result["applied"] and result["created"]
        assert "written to disk" in result["message"]
        text = (root / "notes/HANDOFF.md").read_text()
        assert parse_note(text).ok and "rework the engine" in text
        assert result["tokens"] <= 1500
    finally:
        await stop(client)
