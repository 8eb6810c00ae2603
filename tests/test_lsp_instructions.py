"""End to end: instruction files (CLAUDE.md, AGENTS.md ...) in the language server — quick fixes
applied to the text, pushed and pulled diagnostics, document links, the hover with what agents load,
the code lens and per-section inlay hints, and ``ctxsteward.checkInstructions`` — with a real LSP
client (pytest-lsp) on git repositories built here (a real rename gives the quick fix). Expected
values come from :mod:`analyzers.instructions` on the same files."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Union

import pytest
import pytest_asyncio
from gitutil import git, make_repo
from lsp_client import capabilities, open_doc, start, stop, wait_for, wait_indexed
from lsprotocol import types
from pytest_lsp import LanguageClient

from analyzers.instructions import (
    CheckView,
    check_file,
    check_workspace,
    document_links,
    file_summary,
    loaded_for,
    loaded_markdown,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CLAUDE = """# Project 🚀 notes

Start 🚀 with `src/old_name.py`, then read @docs/guide.md and [setup](docs/guide.md#setup).

## Testing

Run `pytest -q` from the root. Helpers: `make_widget()` in `src/old_name.py`.

## Style

Keep functions short.
"""

SUB_AGENTS = "# Tools\n\nThe scripts are described in [tools](tools.md).\n"


def build_repo(root: Path) -> Path:
    make_repo(root, {"CLAUDE.md": CLAUDE, "AGENTS.md": "# Agents\n\nUse the tests.\n",
                     "docs/guide.md": "# Guide\n\n## Setup\n\nInstall it.\n",
                     "src/old_name.py": "def make_widget():\n    return 1\n",
                     "sub/AGENTS.md": SUB_AGENTS})
    git("mv", "src/old_name.py", "src/new_name.py", cwd=root)
    git("commit", "-q", "-m", "rename the widget module", cwd=root)
    return root


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def to_offset(text: str, pos: types.Position) -> int:
    """A UTF-16 LSP position in ``text`` (``\\n`` lines) as a code-point offset."""
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[:pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return offset + i
        units += utf16(ch)
    return offset + len(line)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits the way an editor does (last first, so offsets stay valid)."""
    spans = sorted(((to_offset(text, e.range.start), to_offset(text, e.range.end), e.new_text)
                    for e in edits), reverse=True)
    for a, b, new in spans:
        text = text[:a] + new + text[b:]
    return text


def caps(*, pull: bool) -> types.ClientCapabilities:
    c = capabilities()
    assert c.text_document is not None and c.workspace is not None
    c.text_document.code_action = types.CodeActionClientCapabilities(
        code_action_literal_support=types.ClientCodeActionLiteralOptions(
            code_action_kind=types.ClientCodeActionKindOptions(
                value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source])),
        data_support=True, is_preferred_support=True)
    c.text_document.document_link = types.DocumentLinkClientCapabilities(tooltip_support=True)
    c.text_document.publish_diagnostics = types.PublishDiagnosticsClientCapabilities(
        data_support=True, version_support=True)
    if pull:
        c.text_document.diagnostic = types.DiagnosticClientCapabilities()
        c.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
            refresh_support=True)
    return c


def read_code_actions_properly(client: LanguageClient) -> None:
    """lsprotocol's client reads any code action with a ``command`` as a bare Command; editors
    tell them apart by the type of ``command``, and so does this hook."""
    converter = client.protocol._converter  # noqa: SLF001 - the client's own converter

    def hook(obj: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("lspi") / "repo")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    c = await start(repo, caps=caps(pull=False))
    read_code_actions_properly(c)
    await wait_indexed(c)
    yield c
    await stop(c)


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def lsp_range(text: str, rng: Any) -> tuple[int, int, int, int]:
    """An analyser range (code points) in UTF-16 units of ``text``."""
    lines = text.split("\n")
    return (rng.start.line, utf16(lines[rng.start.line][:rng.start.character]),
            rng.end.line, utf16(lines[rng.end.line][:rng.end.character]))


def as_tuple(rng: types.Range) -> tuple[int, int, int, int]:
    return rng.start.line, rng.start.character, rng.end.line, rng.end.character


# -- push mode: diagnostics and their quick fixes -----------------------------------------------

async def test_quick_fixes_apply_cleanly(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, repo / "CLAUDE.md", "markdown")
    expected = check_file(repo, "CLAUDE.md")
    assert [d.code for d in expected] == ["CS010", "CS001", "CS001"]
    diags = await wait_for(lambda: list(client.diagnostics.get(uri, [])) or None,
                           what="diagnostics of CLAUDE.md")
    # Columns in UTF-16: the rocket before the path counts twice.
    assert [as_tuple(d.range) for d in diags] == [lsp_range(CLAUDE, e.range) for e in expected]
    assert diags[1].range.start.character == CLAUDE.split("\n")[2].index("src/old_name.py") + 1

    async def fixes_for(d: types.Diagnostic) -> list[types.CodeAction]:
        got = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=doc(uri), range=d.range,
            context=types.CodeActionContext(diagnostics=[d])))
        return [a for a in got or [] if isinstance(a, types.CodeAction)
                and a.kind == types.CodeActionKind.QuickFix]

    renames = []
    for d in diags[1:]:
        (fix,) = await fixes_for(d)
        assert fix.title == "Replace with src/new_name.py" and fix.is_preferred
        assert list(fix.diagnostics or []) == [d]
        assert fix.edit is not None and fix.edit.changes is not None
        renames.extend(fix.edit.changes[uri])
    fixed = apply_edits(CLAUDE, renames)
    assert fixed == CLAUDE.replace("src/old_name.py", "src/new_name.py")

    (imp,) = await fixes_for(diags[0])
    assert imp.title == "Import AGENTS.md"
    assert imp.edit is not None and imp.edit.changes is not None
    both = apply_edits(fixed, imp.edit.changes[uri])
    assert both == "@AGENTS.md\n\n" + fixed

    # The fixed text checks clean; putting the original back brings the diagnostics back.
    change(client, uri, 2, both)
    await wait_for(lambda: len(client.diagnostics.get(uri, [None])) == 0, what="no diagnostics")
    assert check_file(repo, "CLAUDE.md", both) == []
    change(client, uri, 3, CLAUDE)
    await wait_for(lambda: len(client.diagnostics.get(uri, [])) == 3, what="3 diagnostics")


async def test_bundle_actions_sit_beside_the_quick_fixes(client: LanguageClient,
                                                         repo: Path) -> None:
    uri = (repo / "CLAUDE.md").as_uri()
    at = types.Position(line=10, character=2)
    got = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(uri), range=types.Range(start=at, end=at),
        context=types.CodeActionContext(diagnostics=[])))
    titles = [a.title for a in got or []]
    assert titles == ["Add CLAUDE.md to the context bundle",
                      "Suggest a context bundle for CLAUDE.md"]


# -- links, hover, lens, inlay hints ------------------------------------------------------------

async def test_document_links_point_at_files_and_headings(client: LanguageClient,
                                                          repo: Path) -> None:
    uri = open_doc(client, repo / "CLAUDE.md", "markdown")
    got = await client.text_document_document_link_async(types.DocumentLinkParams(
        text_document=doc(uri)))
    want = document_links(CheckView(repo), "CLAUDE.md")
    assert [k.kind for k in want] == ["import", "link"]
    assert [(as_tuple(k.range), k.target) for k in got] == [
        (lsp_range(CLAUDE, w.range),
         (repo / w.target).as_uri() + (f"#L{w.line + 1}" if w.line is not None else ""))
        for w in want]
    assert got[1].target.endswith("docs/guide.md#L3")  # "## Setup" is line 3 of the guide
    assert got[1].tooltip == "Open docs/guide.md at #setup"
    # Every link's text is the path it opens.
    spans = [CLAUDE[to_offset(CLAUDE, k.range.start):to_offset(CLAUDE, k.range.end)]
             for k in got]
    assert spans == ["docs/guide.md", "docs/guide.md"]


async def test_hover_off_a_path_shows_what_agents_load(client: LanguageClient,
                                                       repo: Path) -> None:
    uri = open_doc(client, repo / "CLAUDE.md", "markdown")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=types.Position(line=10, character=3)))
    assert hover is not None
    report = loaded_for(CheckView(repo), ".")
    assert hover.contents.value == loaded_markdown(report)
    claude = next(a for a in report.agents if a.agent == "Claude Code")
    assert [f.path for f in claude.files] == ["CLAUDE.md", "docs/guide.md"]
    assert f"**Claude Code**: {claude.total_tokens:,} tokens" in hover.contents.value
    # In a subfolder: its own AGENTS.md on top of the root's.
    sub = open_doc(client, repo / "sub/AGENTS.md", "markdown")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(sub), position=types.Position(line=0, character=3)))
    assert hover is not None
    assert hover.contents.value == loaded_markdown(loaded_for(CheckView(repo), "sub"))
    assert "`sub/AGENTS.md`" in hover.contents.value and "`AGENTS.md`" in hover.contents.value


async def test_code_lens_and_section_hints_count_tokens(client: LanguageClient,
                                                        repo: Path) -> None:
    uri = open_doc(client, repo / "CLAUDE.md", "markdown")
    summary = file_summary(CheckView(repo), "CLAUDE.md")
    assert summary is not None and summary.imports == ["docs/guide.md"]
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=doc(uri)))
    share = summary.tokens_with_imports / summary.budget
    assert [lz.command.title for lz in lenses if lz.command] == [
        f"{summary.tokens_with_imports:,} tokens with 1 import ({summary.tokens:,} in this file)"
        f" · {share:.1%} of the 5,000-token instruction budget"]
    lines = CLAUDE.split("\n")
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=doc(uri), range=types.Range(start=types.Position(line=0, character=0),
                                                   end=types.Position(line=len(lines),
                                                                      character=0))))
    assert [(h.position.line, h.position.character, h.label) for h in hints] == [
        (s.range.start.line, utf16(lines[s.range.start.line]), f"{s.tokens:,} tokens")
        for s in summary.sections]
    assert [h.position.line for h in hints] == [0, 4, 8]
    assert hints[0].position.character == len(lines[0]) + 1  # the rocket: two UTF-16 units


# -- ctxsteward.checkInstructions ---------------------------------------------------------------

async def test_check_instructions_reports_and_publishes_closed_files(client: LanguageClient,
                                                                     repo: Path) -> None:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ctxsteward.checkInstructions", arguments=[{}]))
    want = json.loads(check_workspace(repo).model_dump_json())
    text = result.pop("text")
    assert result == want
    assert want["files_checked"] == 3
    codes = sorted((d["path"], d["code"]) for d in want["diagnostics"])
    assert codes == [("CLAUDE.md", "CS001"), ("CLAUDE.md", "CS001"), ("CLAUDE.md", "CS010"),
                     ("sub/AGENTS.md", "CS001")]
    severities = sorted(d["severity"] for d in want["diagnostics"])
    # The renamed path in code spans is a warning, the broken link an error.
    assert severities == ["error", "information", "warning", "warning"]
    assert text.splitlines()[0] == ("3 instruction files checked: 1 error, 2 warnings, "
                                    "1 information")
    first = want["diagnostics"][0]
    assert (f"{first['path']}:{first['range']['start']['line'] + 1}:"
            f"{first['range']['start']['character'] + 1}: {first['code']}") in text
    # sub/AGENTS.md is open since the hover test: closing it clears its diagnostics; a check
    # of its folder then publishes them for the closed file.
    sub = (repo / "sub/AGENTS.md").as_uri()
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc(sub)))
    await wait_for(lambda: len(client.diagnostics.get(sub, [None])) == 0,
                   what="cleared on close")
    one = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ctxsteward.checkInstructions", arguments=[{"paths": ["sub"]}]))
    assert [d["path"] for d in one["diagnostics"]] == ["sub/AGENTS.md"]
    published = await wait_for(lambda: client.diagnostics.get(sub) or None,
                               what="diagnostics of the closed sub/AGENTS.md")
    (d,) = published
    assert d.code == "CS001" and "tools.md does not exist" in d.message


async def test_a_file_that_is_not_open_leaves_no_stale_text_behind(client: LanguageClient,
                                                                   repo: Path) -> None:
    agents = repo / "AGENTS.md"
    uri = agents.as_uri()
    original = agents.read_text()

    async def lens_title() -> str:
        lenses = await client.text_document_code_lens_async(types.CodeLensParams(
            text_document=doc(uri)))
        assert lenses and lenses[0].command is not None
        return lenses[0].command.title

    def expected_title() -> str:
        s = file_summary(CheckView(repo), "AGENTS.md")
        assert s is not None
        return (f"{s.tokens_with_imports:,} tokens · {s.tokens_with_imports / s.budget:.1%} of "
                "the 5,000-token instruction budget")

    assert await lens_title() == expected_title()  # read from disk: AGENTS.md is not open
    stale = loaded_markdown(loaded_for(CheckView(repo), "."))
    before = (await wait_indexed(client))["id"]
    agents.write_text(original + "\n## More\n\n" + "Always run the whole test suite. " * 20 + "\n")
    try:
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=uri, type=types.FileChangeType.Changed)]))
        await wait_indexed(client, after=before)
        # What agents load at the root counts the new AGENTS.md, not the text the lens read.
        claude = (repo / "CLAUDE.md").as_uri()
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=doc(claude), position=types.Position(line=10, character=3)))
        assert hover is not None
        fresh = loaded_markdown(loaded_for(CheckView(repo), "."))
        assert fresh != stale and hover.contents.value == fresh
        assert await lens_title() == expected_title()
        hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=doc(uri), range=types.Range(start=types.Position(line=0, character=0),
                                                       end=types.Position(line=9, character=0))))
        assert [h.position.line for h in hints] == [0, 4]
    finally:
        agents.write_text(original)


# -- pull mode ----------------------------------------------------------------------------------

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def puller(tmp_path_factory: pytest.TempPathFactory
                 ) -> AsyncIterator[tuple[LanguageClient, Path]]:
    root = build_repo(tmp_path_factory.mktemp("lspi-pull") / "repo")
    c = await start(root, caps=caps(pull=True))
    await wait_indexed(c)
    yield c, root
    await stop(c)


async def test_pulled_diagnostics_and_unchanged_reports(
        puller: tuple[LanguageClient, Path]) -> None:
    client, root = puller
    uri = open_doc(client, root / "CLAUDE.md", "markdown")

    async def pull(previous: str | None = None) -> Any:
        return await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=doc(uri), identifier="ctxsteward", previous_result_id=previous))

    report = await pull()
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    expected = check_file(root, "CLAUDE.md")
    assert [(d.code, as_tuple(d.range), d.message) for d in report.items] == [
        (e.code, lsp_range(CLAUDE, e.range), e.message) for e in expected]
    again = await pull(report.result_id)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == report.result_id

    fixed = CLAUDE.replace("src/old_name.py", "src/new_name.py")
    change(client, uri, 2, fixed)
    after = await pull(report.result_id)
    assert isinstance(after, types.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in after.items] == ["CS010"]
    # A file that is not an instruction file has nothing to report.
    guide = open_doc(client, root / "docs/guide.md", "markdown")
    none = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=doc(guide)))
    assert isinstance(none, types.RelatedFullDocumentDiagnosticReport) and len(none.items) == 0
    # Nothing was pushed for the open file: the client pulls. (When the background check of the
    # whole workspace finished before the file was opened, its copy, pushed while the file was
    # closed, is cleared on opening: an empty publish, by design; see InstructionChecks.opened.)
    assert not client.diagnostics.get(uri), client.diagnostics.get(uri)


async def test_index_changes_ask_the_client_to_pull_again(
        puller: tuple[LanguageClient, Path]) -> None:
    client, root = puller
    before = (await wait_indexed(client))["id"]
    before_refreshes = client.diagnostic_refresh_count
    (root / "src/extra.py").write_text("X = 1\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(root / "src/extra.py").as_uri(),
                        type=types.FileChangeType.Created)]))
    await wait_indexed(client, after=before)
    # pytest-lsp's client counts the server's workspace/diagnostic/refresh requests.
    await wait_for(lambda: client.diagnostic_refresh_count > before_refreshes,
                   what="workspace/diagnostic/refresh")


async def test_check_instructions_refuses_paths_outside_the_workspace(client: LanguageClient,
                                                                      repo: Path) -> None:
    from pygls.exceptions import JsonRpcException

    outside = repo.parent / "elsewhere"
    outside.mkdir(exist_ok=True)
    (outside / "CLAUDE.md").write_text("# Not ours\n")

    async def check(arg: dict[str, Any]) -> Any:
        return await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="ctxsteward.checkInstructions", arguments=[arg]))

    refused = {"../elsewhere/CLAUDE.md": "is outside the workspace",
               str(outside / "CLAUDE.md"): "is outside the workspace",
               ".git/config": r"is inside \.git/",
               ".env": r"is excluded: secret-bearing file name \(\.env\)"}
    for raw, why in refused.items():
        with pytest.raises(JsonRpcException,
                           match=rf"ctxsteward\.checkInstructions: refused: path '.*' {why}"):
            await check({"paths": ["sub", raw]})
    with pytest.raises(JsonRpcException, match="is outside the workspace"):
        await check({"uri": (outside / "CLAUDE.md").as_uri()})
    # A path inside the workspace, given absolute, is the same file as its relative form.
    one = await check({"paths": [str(repo / "sub")]})
    assert [d["path"] for d in one["diagnostics"]] == ["sub/AGENTS.md"]
