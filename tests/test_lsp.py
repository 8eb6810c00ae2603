"""End to end: a real LSP client (pytest-lsp) drives ``ctxsteward serve`` over stdio on real git
repositories built here. Expected numbers come from the index and analysers, never typed in."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from gitutil import commit, git, make_repo
from lsp_client import capabilities, jobs, open_doc, start, stop, wait_for, wait_indexed
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from analyzers.config import Settings
from analyzers.indexing.filefacts import FileRecord, analyse
from analyzers.indexing.index import Index
from analyzers.instructions import CheckView, check_file, loaded_for, loaded_markdown
from analyzers.tokens import Counter

pytestmark = pytest.mark.asyncio(loop_scope="module")

GREET = '''"""Greeting helpers."""

GREETING = "hello"


class Greeter:
    """Says hello."""

    def __init__(self, name):
        self.name = name

    def greet(self):
        return f"{GREETING}, {self.name}"


def make_greeter(name):
    """Build a greeter for ``name``."""
    return Greeter(name)
'''

MAIN = '''from app.greet import make_greeter


def main():
    g = make_greeter("world")
    print(g.greet())
'''

CLAUDE = """# Project notes

Read @docs/setup.md before you start; the old @docs/gone.md was removed.
The entry point is [main](app/main.py) and helpers live in `app/greet.py`.
"""

SETUP = "# Setup\n\nRun `pip install -e .` and then the tests.\n"


def build_repo(root: Path) -> Path:
    make_repo(root, {"app/__init__.py": "", "app/greet.py": GREET, "app/main.py": MAIN,
                     "CLAUDE.md": CLAUDE, "docs/setup.md": SETUP})
    commit(root, "greet in main", {"app/greet.py": GREET + "\n# tweak 1\n",
                                   "app/main.py": MAIN + "\n# tweak 1\n"})
    commit(root, "greet again", {"app/greet.py": GREET + "\n# tweak 2\n",
                                 "app/main.py": MAIN + "\n# tweak 2\n"})
    commit(root, "docs", {"docs/setup.md": SETUP + "\nMore.\n"})
    # A partner that changed with greet.py most of all, since deleted: no hover names it.
    for i in range(4):
        commit(root, f"greet notes {i}", {"app/greet.py": GREET + f"\n# note {i}\n",
                                         "app/old_notes.py": f"NOTES = {i}\n"})
    commit(root, "drop the notes", {"app/old_notes.py": None})
    # Enough modules for the index to parse in a process pool and report several percentages.
    commit(root, "many modules", {f"pkg/mod_{i:03d}.py": f"def f_{i}(x):\n    return x + {i}\n"
                                  for i in range(150)})
    return root


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def lenses_of(client: LanguageClient, uri: str) -> list[types.CodeLens]:
    return await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc(uri)))


def pct(share: float) -> str:
    """Shares as the server prints them: two decimals below 0.1%, else one."""
    return f"{share:.2%}" if 0 < share < 0.001 else f"{share:.1%}"


def line_of(text: str, needle: str) -> tuple[int, int]:
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            return i, line.index(needle)
    raise AssertionError(needle)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("lsp") / "repo")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    c = await start(repo)
    await wait_indexed(c)
    yield c
    await stop(c)


def index_of(repo: Path) -> Index:
    return Index(repo, Settings())


def expected_def(repo: Path, path: str, name: str) -> Any:
    with index_of(repo) as idx:
        return next(d for d in idx.definitions(path) if d.name == name)


def file_tokens(repo: Path, path: str) -> int:
    with index_of(repo) as idx:
        return idx.files()[path].tokens


# -- initialize, progress, jobs -----------------------------------------------------------------

async def test_initial_index_reports_progress_with_percentages(client: LanguageClient) -> None:
    streams = [r for r in client.progress_reports.values()
               if r and isinstance(r[0], types.WorkDoneProgressBegin)
               and r[0].title == "Context Steward: indexing"]
    assert streams, client.progress_reports
    reports = streams[0]
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert "files" in (reports[-1].message or "")
    pcts = [r.percentage for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert len(pcts) >= 2 and pcts == sorted(pcts) and pcts[-1] == 100
    assert all(p is not None and 0 <= p <= 100 for p in pcts)


async def test_jobs_request_lists_the_index_job_with_timings(client: LanguageClient) -> None:
    report = await jobs(client)
    index_jobs = [j for j in report["jobs"] if j["kind"] == "index"]
    assert index_jobs and index_jobs[-1]["state"] == "done"
    job = index_jobs[-1]
    assert job["priority"] == "background" and job["lane"] == "io"
    assert job["run_ms"] > 0 and job["queued_ms"] >= 0 and job["progress"] == 100.0
    assert {ln["lane"] for ln in report["lanes"]} == {"cpu", "io"}
    assert report["counts"]["done"] >= 1


async def test_show_jobs_formats_the_table_for_people(client: LanguageClient) -> None:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ctxsteward.showJobs", arguments=[]))
    text = result["text"]
    assert text.splitlines()[0].split()[:4] == ["ID", "STATE", "PRIORITY", "KIND"]
    assert any(" index " in line and " done " in line for line in text.splitlines())
    assert "workers: cpu" in text
    assert result["report"]["jobs"]


async def test_watched_files_are_registered_dynamically(client: LanguageClient) -> None:
    regs = client.registrations  # type: ignore[attr-defined]
    assert any(r.method == "workspace/didChangeWatchedFiles" for r in regs)


# -- hover --------------------------------------------------------------------------------------

async def test_hover_on_a_definition(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, repo / "app/greet.py")
    text = (repo / "app/greet.py").read_text()
    line, col = line_of(text, "def make_greeter")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=pos(line, col + len("def ") + 2)))
    assert hover is not None
    md = hover.contents.value
    d = expected_def(repo, "app/greet.py", "make_greeter")
    assert f"**`make_greeter`** · function · **{d.tokens:,} tokens**" in md
    assert f"Defined here `app/greet.py:{d.start_line}`–{d.end_line}" in md
    assert f"file {file_tokens(repo, 'app/greet.py'):,} tokens" in md
    # main.py changed together with greet.py in every commit touching it.
    with index_of(repo) as idx:
        partners = {c.path: c for c in idx.co_changes("app/greet.py")}
    main = partners["app/main.py"]
    assert main.together == max(c.together for p, c in partners.items()
                                if p != "app/old_notes.py")
    assert partners["app/old_notes.py"].together > main.together  # (deleted since)
    changes = next(p for p in md.split("\n\n") if p.startswith("Changes with: "))
    assert changes.startswith(f"Changes with: `app/main.py` ({main.together}), ")
    assert "old_notes" not in changes
    assert changes.endswith(f" — commits that changed both, of {main.seed_commits} that changed "
                            "`app/greet.py`")
    counts = [int(n) for n in re.findall(r"` \((\d+)\)", changes)]
    assert counts == sorted(counts, reverse=True) and len(counts) == 3  # most first
    assert hover.range.start == pos(line, col + 4)
    assert hover.range.end == pos(line, col + 4 + len("make_greeter"))


async def test_hover_on_a_reference_finds_the_definition(client: LanguageClient,
                                                         repo: Path) -> None:
    uri = open_doc(client, repo / "app/main.py")
    text = (repo / "app/main.py").read_text()
    line, col = line_of(text, "make_greeter(")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=pos(line, col + 3)))
    assert hover is not None
    d = expected_def(repo, "app/greet.py", "make_greeter")
    assert f"Defined in `app/greet.py:{d.start_line}`" in hover.contents.value
    blank = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=pos(line, 0)))  # on "g": a local, defined nowhere
    assert blank is None


async def test_hover_on_markdown_paths_and_imports(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, repo / "CLAUDE.md", "markdown")
    text = (repo / "CLAUDE.md").read_text()

    async def at(needle: str, offset: int = 2) -> str | None:
        line, col = line_of(text, needle)
        h = await client.text_document_hover_async(types.HoverParams(
            text_document=doc(uri), position=pos(line, col + offset)))
        return None if h is None else h.contents.value

    counter = Counter("cl100k_base", Settings().model_profile())
    setup_tokens = file_tokens(repo, "docs/setup.md")
    assert setup_tokens == counter.count((repo / "docs/setup.md").read_text())
    assert await at("@docs/setup.md") == (f"`docs/setup.md` · imported: adds "
                                          f"**{setup_tokens:,} tokens** "
                                          f"({pct(setup_tokens / 200_000)} of 200k)")
    gone = await at("@docs/gone.md")
    assert gone is not None and "`@docs/gone.md` · **does not exist**" in gone
    link = await at("(app/main.py)", 3)
    assert link is not None and \
        f"`app/main.py` · exists · **{file_tokens(repo, 'app/main.py'):,} tokens**" in link
    code = await at("`app/greet.py`", 3)
    assert code is not None and "`app/greet.py` · exists" in code
    # Off any path, an instruction file's hover says what each agent loads in its folder.
    loaded = loaded_markdown(loaded_for(CheckView(repo), "."))
    assert loaded.startswith("**What agents load in the root**")
    assert await at("Project notes") == loaded


# -- inline budgets -----------------------------------------------------------------------------

# Inlay hints: tests/test_lsp_inlay_hints.py.


async def test_code_lens_shows_the_file_total(client: LanguageClient, repo: Path) -> None:
    uri = open_doc(client, repo / "app/greet.py")
    lenses = await lenses_of(client, uri)
    n = file_tokens(repo, "app/greet.py")
    assert len(lenses) == 1  # the client shows inlay hints, so no per-definition lenses
    lens = lenses[0]
    assert lens.range.start == pos(0, 0)
    assert lens.command.title == f"{n:,} tokens · {pct(n / 200_000)} of 200k"
    assert lens.command.command == "ctxsteward.showBudget"
    assert lens.command.arguments[0]["uri"] == uri


async def test_show_budget_for_a_file_and_the_workspace(client: LanguageClient,
                                                        repo: Path) -> None:
    uri = (repo / "app/greet.py").as_uri()
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ctxsteward.showBudget", arguments=[{"uri": uri}]))
    with index_of(repo) as idx:
        files = idx.files()
        top = sorted((d for d in idx.definitions("app/greet.py") if d.parent is None),
                     key=lambda d: -d.tokens)
    assert result["file"]["tokens"] == files["app/greet.py"].tokens
    assert [d["name"] for d in result["file"]["definitions"]] == [d.name for d in top]
    assert result["text"].startswith(f"app/greet.py: {files['app/greet.py'].tokens:,} tokens")
    whole = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ctxsteward.showBudget", arguments=[]))
    assert whole["workspace"]["total_tokens"] == sum(f.tokens for f in files.values())
    assert whole["text"].startswith(f"{sum(f.tokens for f in files.values()):,} tokens")
    missing = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="ctxsteward.showBudget", arguments=[{"uri": (repo / "nope.py").as_uri()}]))
    assert missing["file"] is None and "cannot be read" in missing["problem"]


async def test_instruction_files_get_diagnostics_from_their_buffer(client: LanguageClient,
                                                                   repo: Path) -> None:
    uri = open_doc(client, repo / "CLAUDE.md", "markdown")
    expected = check_file(repo, "CLAUDE.md")
    assert [d.code for d in expected] == ["CS001"]  # @docs/gone.md

    def published() -> list[types.Diagnostic] | None:
        return list(client.diagnostics.get(uri, [])) or None

    diags = await wait_for(published, what="diagnostics of CLAUDE.md")
    assert [(d.code, d.source, d.range.start.line, d.range.start.character,
             d.range.end.character, d.message) for d in diags] == [
        (e.code, "ctxsteward", e.range.start.line, e.range.start.character,
         e.range.end.character, e.message) for e in expected]
    assert diags[0].severity == types.DiagnosticSeverity.Error
    # An unsaved fix clears the diagnostic; putting the text back brings it back.
    text = (repo / "CLAUDE.md").read_text()
    for version, new_text, count in ((20, text.replace(" the old @docs/gone.md was removed", ""),
                                      0), (21, text, 1)):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)]))
        await wait_for(lambda c=count: len(client.diagnostics.get(uri, [])) == c,
                       what=f"{count} diagnostics")


# -- a server of its own: unsaved buffers, watched files, git HEAD, settings --------------------

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fresh(tmp_path_factory: pytest.TempPathFactory
                ) -> AsyncIterator[tuple[LanguageClient, Path]]:
    root = make_repo(tmp_path_factory.mktemp("fresh") / "repo", {
        "app/__init__.py": "", "app/greet.py": GREET, "app/main.py": MAIN})
    c = await start(root, options={"contextWindow": 100_000, "profile": "claude",
                                   "maxFileSize": -5, "colour": "blue"},
                    caps=capabilities(inlay_hints=False))
    await wait_indexed(c)
    yield c, root
    await stop(c)


async def test_without_inlay_hints_code_lenses_come_per_definition(
        fresh: tuple[LanguageClient, Path]) -> None:
    client, root = fresh
    uri = open_doc(client, root / "app/greet.py")
    lenses = await lenses_of(client, uri)
    with index_of(root) as idx:
        top = [d for d in idx.definitions("app/greet.py") if d.parent is None]
    claude = Counter("cl100k_base", Settings(profile="claude").model_profile())
    assert [(lz.range.start.line, lz.command.title) for lz in lenses[1:]] == [
        (d.start_line - 1, f"{claude.scale(d.tokens):,} tokens") for d in top
        if claude.scale(d.tokens) >= 50]  # inlayHintMinTokens' default


async def test_code_lenses_per_definition_keep_the_inlay_hint_threshold(
        fresh: tuple[LanguageClient, Path]) -> None:
    """The lenses that stand in for inlay hints leave out what the hints would
    (``inlayHintMinTokens``, default 50): a two-line function gets none."""
    client, root = fresh
    text = ("def big(rows):\n" + "".join(f"    rows.append('item number {i} of the list')\n"
                                         for i in range(12))
            + "    return rows\n\n\ndef small():\n    return 1\n")
    uri = (root / "app/__init__.py").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1,
                                             text=text)))
    try:
        rec = FileRecord("app/__init__.py", len(text.encode()), 0)
        analyse(rec, text, text.encode(), "cl100k_base")
        claude = Counter("cl100k_base", Settings(profile="claude").model_profile())
        sizes = {d.name: claude.scale(d.tokens) for d in rec.definitions}
        assert sizes["big"] >= 50 > sizes["small"]
        lenses = await lenses_of(client, uri)
        assert [(lz.range.start.line, lz.command.title) for lz in lenses[1:]] == [
            (0, f"{sizes['big']:,} tokens")]
    finally:
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))


async def test_unsaved_buffers_are_analysed_from_their_text(
        fresh: tuple[LanguageClient, Path]) -> None:
    client, root = fresh
    uri = open_doc(client, root / "app/main.py")
    new_text = MAIN + "\n\ndef brand_new(a, b):\n    return [a, b] * 3\n"
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)]))
    rec = FileRecord("app/main.py", len(new_text.encode()), 0)
    analyse(rec, new_text, new_text.encode(), "cl100k_base")
    d = next(x for x in rec.definitions if x.name == "brand_new")
    claude = Counter("cl100k_base", Settings(profile="claude").model_profile())
    line, col = line_of(new_text, "def brand_new")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=pos(line, col + 5)))
    assert hover is not None
    md = hover.contents.value
    assert f"**`brand_new`** · function · **{claude.scale(d.tokens):,} tokens**" in md
    assert f"Defined here `app/main.py:{d.start_line}`" in md
    assert f"file {claude.scale(rec.tokens):,} tokens" in md and "editor's text (unsaved" in md
    lenses = await lenses_of(client, uri)
    assert lenses[0].command.title.endswith("(unsaved)")
    # The index still holds the saved file, without brand_new.
    with index_of(root) as idx:
        assert not idx.definitions_named("brand_new")


async def test_watched_file_changes_and_git_head_moves_update_the_index(
        fresh: tuple[LanguageClient, Path]) -> None:
    client, root = fresh
    before = (await wait_indexed(client))["id"]
    (root / "app/extra.py").write_text("def extra_helper():\n    return 42\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(root / "app/extra.py").as_uri(), type=types.FileChangeType.Created),
        types.FileEvent(uri=(root / ".ctxsteward/index.sqlite").as_uri(),
                        type=types.FileChangeType.Changed)]))
    job = await wait_indexed(client, after=before)
    with index_of(root) as idx:
        assert [p for p, _ in idx.definitions_named("extra_helper")] == ["app/extra.py"]

    # A commit made outside the editor moves HEAD: the server notices and reads the history.
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "extra helper", cwd=root)
    head = git("rev-parse", "HEAD", cwd=root)

    def head_indexed() -> bool:
        with index_of(root) as idx:
            return idx.head() == head

    await wait_for(head_indexed, what="the new HEAD in the index")
    report = await jobs(client)
    moved = [j for j in report["jobs"] if j["kind"] == "index" and j["id"] > job["id"]]
    assert moved and all(j["state"] in ("done", "queued", "running") for j in moved)


async def test_settings_problems_are_reported_and_valid_ones_applied(
        fresh: tuple[LanguageClient, Path]) -> None:
    client, root = fresh
    await wait_for(lambda: len(client.messages) >= 2, what="settings warnings")
    texts = [m.message for m in client.messages]
    # Named as the user set it in VS Code, with the value given (not our field max_file_size).
    assert any("setting ctxsteward.maxFileSize must be a whole number of at least 1" in t
               and "not -5" in t for t in texts), texts
    assert not any("max_file_size" in t for t in texts), texts
    assert any("unknown setting 'colour'" in t for t in texts)
    uri = open_doc(client, root / "app/greet.py")
    lenses = await lenses_of(client, uri)
    claude = Counter("cl100k_base", Settings(profile="claude").model_profile())
    n = claude.scale(file_tokens(root, "app/greet.py"))
    assert lenses[0].command.title == f"{n:,} tokens · {pct(n / 100_000)} of 100k"
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"ctxsteward": {"contextWindow": 50_000}}))

    async def title() -> str:
        ls = await lenses_of(client, uri)
        return ls[0].command.title

    await wait_for(lambda: title(), what="a code lens")
    generic = file_tokens(root, "app/greet.py")  # the new settings reset the profile to generic
    expected = f"{generic:,} tokens · {pct(generic / 50_000)} of 50k"
    assert await wait_for(lambda: _eq(title(), expected), what="the new context window")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"ctxsteward": {"contextWindow": 100_000, "profile": "claude"}}))
    assert await wait_for(lambda: _eq(title(), lenses[0].command.title),
                          what="the settings restored")


async def _eq(value: Any, expected: Any) -> bool:
    return (await value) == expected


# -- cancellation -------------------------------------------------------------------------------

async def test_a_cancelled_request_stops_its_job_but_not_shared_work(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "big", {
        **{f"src/m{i:04d}.py": "".join(f"def fn_{i}_{k}(a, b):\n    return a * {k} + b\n\n"
                                       for k in range(20)) for i in range(250)},
    })
    client = await start(root)
    try:
        # The workspace budget waits for the running (cold) index build; cancel it meanwhile.
        fut = client.protocol.send_request(
            types.WORKSPACE_EXECUTE_COMMAND,
            types.ExecuteCommandParams(command="ctxsteward.showBudget", arguments=[]),
            msg_id="budget-1")

        async def waiting_job() -> dict[str, Any] | None:
            report = await jobs(client)
            cmd = [j for j in report["jobs"] if j["kind"] == "command"]
            idx = [j for j in report["jobs"] if j["kind"] == "index"]
            if cmd and idx and cmd[0]["state"] == "queued" and idx[0]["state"] == "running":
                return cmd[0]
            return None

        cmd = await wait_for(waiting_job, what="the budget job waiting for the index")
        assert cmd["depends_on"]
        client.cancel_request(types.CancelParams(id="budget-1"))
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wrap_future(fut)
        report = await jobs(client)
        cancelled = next(j for j in report["jobs"] if j["id"] == cmd["id"])
        assert cancelled["state"] == "cancelled"
        assert cancelled["error"] == "request cancelled by the client"
        done = await wait_indexed(client)
        assert done["state"] == "done"  # the shared index build went on
        hover_text = (root / "src/m0001.py").read_text()
        uri = open_doc(client, root / "src/m0001.py")
        line, col = line_of(hover_text, "def fn_1_3")
        h = await client.text_document_hover_async(types.HoverParams(
            text_document=doc(uri), position=pos(line, col + 5)))
        assert h is not None and "**`fn_1_3`** · function" in h.contents.value
    finally:
        await stop(client)
