"""End to end: the context bundle through the language server — ``ctxsteward.suggestBundle``,
``addToBundle``, ``removeFromBundle``, ``copyBundle``, ``currentBundle``, ``saveBundle``, the
``ctxsteward/budget`` notification and the bundle code actions — driven by a real LSP client
(pytest-lsp) against ``ctxsteward serve`` on a git repository built here. Every expected bundle is
computed with :func:`analyzers.bundles.assemble.make_bundle` on the same index, never typed in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Union

import pytest
import pytest_asyncio
from gitutil import commit, make_repo
from lsp_client import open_doc, start, stop, wait_for, wait_indexed
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import make_bundle
from analyzers.bundles.render import render
from analyzers.config import Settings
from analyzers.indexing.index import Index
from server.lsp.args import plain

pytestmark = pytest.mark.asyncio(loop_scope="module")

GREET = '''"""Greeting helpers."""

from app.style import shout

GREETING = "hello"


class Greeter:
    """Says hello."""

    def __init__(self, name):
        self.name = name

    def greet(self):
        return shout(f"{GREETING}, {self.name}")


def make_greeter(name):
    """Build a greeter for ``name``."""
    return Greeter(name)
'''

STYLE = '''def shout(text):
    """Upper-case ``text`` and add an exclamation mark."""
    return text.upper() + "!"


def whisper(text):
    return text.lower() + "..."
'''

MAIN = '''from app.greet import make_greeter


def main():
    g = make_greeter("world")
    print(g.greet())
'''

LEDGER = '''"""Bookkeeping, unrelated to greetings."""


def compute_total(items):
    total = 0
    for item in items:
        total += item.price * item.quantity
    return total


def format_invoice(items):
    lines = [f"{i.name}: {i.price * i.quantity}" for i in items]
    lines.append(f"total: {compute_total(items)}")
    return "\\n".join(lines)
'''


def build_repo(root: Path) -> Path:
    make_repo(root, {"app/__init__.py": "", "app/greet.py": GREET, "app/style.py": STYLE,
                     "app/main.py": MAIN, "billing/__init__.py": "",
                     "billing/ledger.py": LEDGER, "README.md": "# Greeter\n\nSays hello.\n"})
    commit(root, "louder", {"app/greet.py": GREET + "\n# v2\n", "app/style.py": STYLE + "\n# v2\n"})
    commit(root, "main", {"app/main.py": MAIN + "\n# v2\n", "app/greet.py": GREET + "\n# v3\n"})
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_repo(tmp_path_factory.mktemp("lspb") / "repo")


def read_code_actions_properly(client: LanguageClient) -> None:
    """lsprotocol's client side reads any code action that has a ``command`` as a bare Command
    (its union hook only looks for the key); editors tell them apart by the type of
    ``command``, and so does this hook."""
    converter = client.protocol._converter  # noqa: SLF001 - the client's own converter

    def hook(obj: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    c = await serve(repo)
    yield c
    await stop(c)


async def serve(repo: Path) -> LanguageClient:
    """A server on ``repo``, indexed, whose client records the bundle notifications."""
    c = await start(repo)
    read_code_actions_properly(c)
    c.budgets = []  # type: ignore[attr-defined]

    c.changes = []  # type: ignore[attr-defined]

    @c.feature("ctxsteward/budget")
    def on_budget(params: Any) -> None:
        c.budgets.append(plain(params))  # type: ignore[attr-defined]

    @c.feature("ctxsteward/bundle")
    def on_bundle(params: Any) -> None:
        c.changes.append(plain(params))  # type: ignore[attr-defined]

    await wait_indexed(c)
    return c


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=name, arguments=list(args)))
    return plain(result)


def expected(repo: Path, **kwargs: Any) -> Any:
    """The bundle ``make_bundle`` makes for this request on the server's index."""
    kwargs.setdefault("budget", Settings().default_budget)
    with Index(repo, Settings()) as idx:
        return make_bundle(idx, BundleRequest(**kwargs))


def dump(result: Any, pinned: tuple[str, ...] = (), added: tuple[str, ...] = ()) -> dict[str, Any]:
    """The bundle as the server shows it: the items of the files in ``pinned`` and ``added``
    (without a pin) marked, the excluded files (here only ever the user's removals) said to be
    removed by the user."""
    out = json.loads(json.dumps(result.bundle.model_dump(mode="json")))
    for item in out["items"]:
        item["pinned"] = item["path"] in pinned
        item["added"] = item["path"] in added
        item["shrunk"] = False  # every pin here fits
    for row in out["excluded"]:
        if row["reason"] == "matches an exclude glob":
            row["reason"] = "removed by you"
    return out


def totals(bundle: dict[str, Any]) -> dict[str, Any]:
    pinned = {i["path"] for i in bundle["items"] if i["pinned"]}
    added = {i["path"] for i in bundle["items"] if i["added"]}
    return {"total_tokens": bundle["total_tokens"], "budget": bundle["budget"],
            "items": len(bundle["items"]), "encoding": bundle["encoding"],
            "over": bundle["budget"] > 0 and bundle["total_tokens"] > bundle["budget"],
            "task": bundle["task"], "seeds": bundle["seeds"], "present": True,
            "pinned": len(pinned), "added": len(added), "unfit_pins": [], "shrunk_pins": []}


async def unpin_all(client: LanguageClient, repo: Path) -> None:
    """Remove every pinned item (a later suggestion then starts from nothing)."""
    current = await command(client, "ctxsteward.currentBundle", {}) or {"items": []}
    for item in current["items"]:
        if item["pinned"]:
            await command(client, "ctxsteward.removeFromBundle",
                          {"uri": (repo / item["path"]).as_uri()})


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


async def last_budget(client: LanguageClient, bundle: dict[str, Any]) -> dict[str, Any]:
    """The newest ``ctxsteward/budget`` notification, once it announces ``bundle``'s totals."""
    want = totals(bundle)
    await wait_for(lambda: client.budgets and client.budgets[-1] == want,  # type: ignore[attr-defined]
                   10, "the budget notification")
    return client.budgets[-1]  # type: ignore[attr-defined]


# -- before any bundle ----------------------------------------------------------------------------

async def test_commands_without_a_bundle_say_what_to_do_first(client: LanguageClient,
                                                              repo: Path) -> None:
    with pytest.raises(JsonRpcException, match="no current bundle to copy: suggest one first"):
        await command(client, "ctxsteward.copyBundle", {"format": "markdown"})
    with pytest.raises(JsonRpcException, match="no current bundle: suggest one first"):
        await command(client, "ctxsteward.removeFromBundle",
                      {"uri": (repo / "app/main.py").as_uri()})
    assert await command(client, "ctxsteward.currentBundle", {}) is None
    assert client.budgets == []  # type: ignore[attr-defined]


async def test_bad_arguments_get_clear_errors(client: LanguageClient, repo: Path) -> None:
    with pytest.raises(JsonRpcException, match="no such file in the index"):
        await command(client, "ctxsteward.suggestBundle", {"uri": (repo / "nope.py").as_uri()})
    with pytest.raises(JsonRpcException, match=r'give at least one file \("uri".* or a task'):
        await command(client, "ctxsteward.suggestBundle", {})
    with pytest.raises(JsonRpcException, match="'budget' must be a whole number"):
        await command(client, "ctxsteward.suggestBundle",
                      {"uri": (repo / "app/main.py").as_uri(), "budget": "lots"})
    with pytest.raises(JsonRpcException, match="'position' must be"):
        await command(client, "ctxsteward.addToBundle",
                      {"uri": (repo / "app/main.py").as_uri(), "position": [1, 2]})
    with pytest.raises(JsonRpcException, match="'format' is 'markdown' or 'xml'"):
        await command(client, "ctxsteward.copyBundle", {"format": "pdf"})
    # A pin written as a string was silently no pin: it is refused, saying what to write.
    with pytest.raises(JsonRpcException) as as_text:
        await command(client, "ctxsteward.addToBundle",
                      {"uri": (repo / "app/main.py").as_uri(), "pin": "true"})
    assert 'ctxsteward.addToBundle: "pin" is the string "true", not a boolean: write "pin": ' \
        'true (without quotes)' in str(as_text.value), as_text.value
    with pytest.raises(JsonRpcException, match='"pin" must be true or false, got 1: write'):
        await command(client, "ctxsteward.addToBundle",
                      {"uri": (repo / "app/main.py").as_uri(), "pin": 1})
    assert await command(client, "ctxsteward.currentBundle", {}) is None  # nothing was added
    with pytest.raises(JsonRpcException, match="budget .* is too small"):
        await command(client, "ctxsteward.suggestBundle",
                      {"uri": (repo / "app/main.py").as_uri(), "budget": 3})


# -- suggest --------------------------------------------------------------------------------------

async def test_suggest_for_a_file_is_make_bundle_for_that_seed(client: LanguageClient,
                                                               repo: Path) -> None:
    uri = (repo / "app/greet.py").as_uri()
    result = await command(client, "ctxsteward.suggestBundle", {"uri": uri})
    want = dump(expected(repo, seeds=["app/greet.py"]))
    assert result == want
    paths = [i["path"] for i in result["items"]]
    assert paths[0] == "app/greet.py" and "app/style.py" in paths  # greet imports style
    assert await last_budget(client, result) == totals(want)
    assert await command(client, "ctxsteward.currentBundle", {}) == want


async def test_suggest_at_a_position_seeds_the_definition_there(client: LanguageClient,
                                                                repo: Path) -> None:
    text = (repo / "app/greet.py").read_text()
    line = line_of(text, "return Greeter(name)")  # inside make_greeter
    result = await command(client, "ctxsteward.suggestBundle", {
        "uri": (repo / "app/greet.py").as_uri(), "position": {"line": line, "character": 4}})
    assert result["seeds"] == [f"app/greet.py:{line + 1}"]
    assert result == dump(expected(repo, seeds=[f"app/greet.py:{line + 1}"]))
    seed_item = result["items"][0]
    assert seed_item["path"] == "app/greet.py" and seed_item["symbols"] == ["make_greeter"]
    assert seed_item["granularity"] == "symbols"


async def test_suggest_in_an_unsaved_buffer_seeds_the_definition_under_the_cursor(
        client: LanguageClient, repo: Path) -> None:
    """Lines typed above the cursor and not saved: the seed is the definition the cursor is on
    in the buffer (as hover and addToBundle see it), not the one at that line on disk."""
    path = repo / "app/greet.py"
    uri = open_doc(client, path)
    try:
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=0, character=0),
                                  end=types.Position(line=0, character=0)),
                text="# a note\n" * 6)]))
        # In the buffer: Greeter.__init__'s body; on disk, 6 lines down: make_greeter.
        line = line_of(path.read_text(), "self.name = name") + 6
        result = await command(client, "ctxsteward.suggestBundle", {
            "uri": uri, "position": {"line": line, "character": 8}})
        assert result["seeds"] == ["app/greet.py::Greeter.__init__"]
        assert result["items"][0]["path"] == "app/greet.py"
        assert result["items"][0]["symbols"][0] == "Greeter.__init__"
        added = await command(client, "ctxsteward.addToBundle", {
            "uri": uri, "position": {"line": line, "character": 8}})
        assert added["seeds"] == ["app/greet.py::Greeter.__init__"]
        await command(client, "ctxsteward.removeFromBundle", {
            "uri": uri, "position": {"line": line, "character": 8}})
    finally:
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))


async def test_suggest_for_a_task_with_a_budget(client: LanguageClient, repo: Path) -> None:
    task = "compute the invoice total"
    # The VS Code client sends the workspace folder's URI when no file is open.
    result = await command(client, "ctxsteward.suggestBundle",
                           {"uri": repo.as_uri(), "task": task, "budget": 900})
    want = dump(expected(repo, task=task, budget=900))
    assert result == want and result["budget"] == 900 and result["task"] == task
    assert result["items"][0]["path"] == "billing/ledger.py"
    assert await last_budget(client, result) == totals(want)


# -- add, remove, copy ----------------------------------------------------------------------------

async def test_add_and_remove_files_and_definitions(repo: Path) -> None:
    # A server of its own: what it removes stays out of its later suggestions.
    client = await serve(repo)
    try:
        await add_and_remove(client, repo)
    finally:
        await stop(client)


async def add_and_remove(client: LanguageClient, repo: Path) -> None:
    """Add and remove files and definitions, and suggest again: pins stay in, removals out."""
    main = repo / "app/main.py"
    await command(client, "ctxsteward.suggestBundle", {"uri": main.as_uri(), "budget": 2000})
    base = dict(seeds=["app/main.py"], budget=2000)

    added = await command(client, "ctxsteward.addToBundle",
                          {"uri": (repo / "billing/ledger.py").as_uri()})
    assert added == dump(expected(repo, **base, pins=["billing/ledger.py"]),
                         added=("billing/ledger.py",))
    ledger = next(i for i in added["items"] if i["path"] == "billing/ledger.py")
    # Forced in (its reason), but not pinned: the next suggestion does not keep it.
    assert ledger["reasons"] == ["pinned"] and ledger["pinned"] is False and ledger["added"]
    assert await last_budget(client, added) == totals(added)

    removed = await command(client, "ctxsteward.removeFromBundle",
                            {"uri": (repo / "billing/ledger.py").as_uri()})
    assert removed == dump(expected(repo, **base, exclude=["/billing/ledger.py"]))
    assert "billing/ledger.py" not in [i["path"] for i in removed["items"]]
    # A file the ranking brought in is removed too (and stays out).
    assert "app/greet.py" in [i["path"] for i in removed["items"]]
    removed = await command(client, "ctxsteward.removeFromBundle",
                            {"uri": (repo / "app/greet.py").as_uri()})
    assert removed == dump(expected(repo, **base,
                                    exclude=["/billing/ledger.py", "/app/greet.py"]))
    assert "app/greet.py" not in [i["path"] for i in removed["items"]]
    assert {"path": "app/greet.py", "reason": "removed by you"} in removed["excluded"]

    # A definition under the cursor: an extra seed focused on it (pinned: kept by later
    # suggestions).
    style = (repo / "app/style.py").read_text()
    line = line_of(style, "return text.lower()")
    with_def = await command(client, "ctxsteward.addToBundle", {
        "uri": (repo / "app/style.py").as_uri(), "position": {"line": line, "character": 4},
        "pin": True})
    assert with_def == dump(expected(repo, seeds=["app/main.py", "app/style.py::whisper"],
                                     budget=2000, exclude=["/billing/ledger.py",
                                                           "/app/greet.py"]),
                            pinned=("app/style.py",))
    item = next(i for i in with_def["items"] if i["path"] == "app/style.py")
    assert item["symbols"] == ["whisper"] and item["granularity"] == "symbols"
    assert await last_budget(client, with_def) == totals(with_def)

    # Adding a removed file back takes it out of the excludes and forces it in.
    back = await command(client, "ctxsteward.addToBundle",
                         {"uri": (repo / "app/greet.py").as_uri()})
    assert back == dump(expected(repo, seeds=["app/main.py", "app/style.py::whisper"],
                                 budget=2000, pins=["app/greet.py"],
                                 exclude=["/billing/ledger.py"]),
                        pinned=("app/style.py",), added=("app/greet.py",))
    assert await command(client, "ctxsteward.currentBundle", {}) == back
    # A new suggestion keeps what was added with pin, not what was added without (it was the
    # last bundle's); what was removed stays out.
    fresh = await command(client, "ctxsteward.suggestBundle", {"uri": main.as_uri(),
                                                               "budget": 2000})
    assert fresh == dump(expected(repo, seeds=["app/main.py", "app/style.py::whisper"],
                                  budget=2000, exclude=["/billing/ledger.py"]),
                         pinned=("app/style.py",))


async def test_copy_renders_the_current_bundle(client: LanguageClient, repo: Path) -> None:
    await unpin_all(client, repo)
    task = "make the greeting louder"
    await command(client, "ctxsteward.suggestBundle",
                  {"uri": (repo / "app/greet.py").as_uri(), "task": task, "budget": 3000})
    want = expected(repo, seeds=["app/greet.py"], task=task, budget=3000)
    markdown = await command(client, "ctxsteward.copyBundle", {"format": "markdown"})
    assert markdown == want.rendered and markdown.startswith("# Context bundle\n\nTask: " + task)
    assert await command(client, "ctxsteward.copyBundle", {}) == want.rendered
    xml = await command(client, "ctxsteward.copyBundle", {"format": "xml"})
    assert xml == render("xml", task, want.pieces, decisions=want.decisions)
    assert xml.startswith("<documents>\n") and 'path="app/greet.py"' in xml


async def test_save_stores_the_current_bundle(client: LanguageClient, repo: Path) -> None:
    bundle = await command(client, "ctxsteward.currentBundle", {})
    saved = await command(client, "ctxsteward.saveBundle", {"name": "louder"})
    assert saved == {"name": "louder", "path": ".ctxsteward/bundles/louder.json",
                     "items": len(bundle["items"]), "total_tokens": bundle["total_tokens"]}
    on_disk = json.loads((repo / saved["path"]).read_text())
    assert on_disk["bundle"] == {**bundle, "items": [
        {k: v for k, v in i.items() if k not in ("pinned", "added", "shrunk")}
        for i in bundle["items"]]}
    with pytest.raises(JsonRpcException, match="bundle name"):
        await command(client, "ctxsteward.saveBundle", {"name": "../evil"})


async def test_pinned_items_survive_a_new_suggestion(client: LanguageClient, repo: Path) -> None:
    await command(client, "ctxsteward.addToBundle",
                  {"uri": (repo / "billing/ledger.py").as_uri(), "pin": True})
    fresh = await command(client, "ctxsteward.suggestBundle",
                          {"uri": (repo / "app/style.py").as_uri()})
    assert fresh == dump(expected(repo, seeds=["app/style.py"], pins=["billing/ledger.py"]),
                         pinned=("billing/ledger.py",))
    # Removing it drops the pin, and keeps it out of later suggestions.
    await command(client, "ctxsteward.removeFromBundle",
                  {"uri": (repo / "billing/ledger.py").as_uri()})
    again = await command(client, "ctxsteward.suggestBundle",
                          {"uri": (repo / "app/style.py").as_uri()})
    assert again == dump(expected(repo, seeds=["app/style.py"], exclude=["/billing/ledger.py"]))
    assert {"path": "billing/ledger.py", "reason": "removed by you"} in again["excluded"]


# -- code actions ---------------------------------------------------------------------------------

async def test_code_actions_run_the_bundle_commands(client: LanguageClient, repo: Path) -> None:
    await command(client, "ctxsteward.suggestBundle", {"uri": (repo / "app/main.py").as_uri(),
                                                       "budget": 2000})
    start = await command(client, "ctxsteward.removeFromBundle",
                          {"uri": (repo / "billing/ledger.py").as_uri()})
    assert "billing/ledger.py" not in [i["path"] for i in start["items"]]
    uri = open_doc(client, repo / "billing/ledger.py")
    text = (repo / "billing/ledger.py").read_text()
    line = line_of(text, "total += item.price")

    async def actions_at(line: int, only: list[str] | None = None) -> list[types.CodeAction]:
        at = types.Position(line=line, character=8)
        got = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=at, end=at),
            context=types.CodeActionContext(diagnostics=[], only=only)))
        return [a for a in got or [] if isinstance(a, types.CodeAction)]

    actions = await actions_at(line)
    assert [a.title for a in actions] == [
        "Add compute_total to the context bundle", "Add ledger.py to the context bundle",
        "Suggest a context bundle for ledger.py"]
    # Asked without ``only`` (VS Code's lightbulb and Ctrl+., Neovim): a refactor kind, which VS
    # Code lists there (it hides source.* unless asked for them); each action once.
    assert {a.kind for a in actions} == {"refactor.ctxsteward.bundle"}
    assert await actions_at(line, only=[types.CodeActionKind.QuickFix]) == []
    at_def = await actions_at(line_of(text, "def compute_total"))  # on the definition itself
    assert [(a.title, a.kind) for a in at_def] == [
        (a.title, "refactor.ctxsteward.bundle") for a in actions]
    refactor = await actions_at(line, only=[types.CodeActionKind.Refactor])
    assert [a.title for a in refactor] == [a.title for a in actions]
    source = await actions_at(line, only=[types.CodeActionKind.Source])  # Source Action…
    assert [(a.title, a.kind) for a in source] == [
        (a.title, "source.ctxsteward.bundle") for a in actions]

    async def run(action: types.CodeAction) -> Any:
        assert action.command is not None
        return await command(client, action.command.command, *(action.command.arguments or []))

    version = client.changes[-1]["version"]  # type: ignore[attr-defined]
    bundle = await run(actions[0])  # add the definition under the cursor
    assert bundle == dump(expected(repo, seeds=["app/main.py", "billing/ledger.py::compute_total"],
                                   budget=2000), added=("billing/ledger.py",))
    item = next(i for i in bundle["items"] if i["path"] == "billing/ledger.py")
    assert item["symbols"] == ["compute_total"]
    # The editor's view follows: ctxsteward/bundle carries the new bundle, whatever made it.
    change = await wait_for(lambda: next((c for c in client.changes  # type: ignore[attr-defined]
                                          if c["version"] > version), None), 10, "the change")
    assert change == {"version": version + 1, "cause": "add", "bundle": bundle,
                      "totals": totals(bundle), "notes": []}
    bundle = await run(actions[1])  # the whole file
    assert bundle == dump(expected(repo, seeds=["app/main.py"], pins=["billing/ledger.py"],
                                   budget=2000), added=("billing/ledger.py",))
    await wait_for(lambda: client.changes[-1]["bundle"] == bundle,  # type: ignore[attr-defined]
                   10, "the change")
    assert client.changes[-1]["version"] == version + 2  # type: ignore[attr-defined]
    actions = await actions_at(line)
    assert [a.title for a in actions] == ["Exclude ledger.py from the context bundle",
                                          "Suggest a context bundle for ledger.py"]
    bundle = await run(actions[0])
    assert "billing/ledger.py" not in [i["path"] for i in bundle["items"]]
    bundle = await run(actions[-1])
    assert bundle == dump(expected(repo, seeds=["billing/ledger.py"]))
    assert await last_budget(client, bundle) == totals(bundle)


# -- staying current ------------------------------------------------------------------------------

async def test_the_current_bundle_follows_the_index(client: LanguageClient, repo: Path) -> None:
    bundle = await command(client, "ctxsteward.suggestBundle",
                           {"uri": (repo / "app/style.py").as_uri()})
    await last_budget(client, bundle)
    before = (await wait_indexed(client))["id"]
    more = "".join(f"\n\ndef echo_{i}(text):\n    return text * {i}\n" for i in range(30))
    (repo / "app/style.py").write_text(STYLE + more)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(repo / "app/style.py").as_uri(),
                        type=types.FileChangeType.Changed)]))
    await wait_indexed(client, after=before)
    want = dump(expected(repo, seeds=["app/style.py"]))
    assert want["total_tokens"] > bundle["total_tokens"]
    await last_budget(client, want)
    assert await wait_for(lambda: _current_is(client, want), 10, "the recomputed bundle")


async def _current_is(client: LanguageClient, want: dict[str, Any]) -> bool:
    return await command(client, "ctxsteward.currentBundle", {}) == want


# -- figures --------------------------------------------------------------------------------------

async def test_the_hover_names_the_difference_with_the_bundle_row(client: LanguageClient,
                                                                  repo: Path) -> None:
    """The hover shows the file's own tokens; the bundle row counts the item as rendered, with
    its heading and code fence: the hover names both figures and the difference."""
    bundle = await command(client, "ctxsteward.suggestBundle",
                           {"uri": (repo / "app/greet.py").as_uri()})
    item = next(i for i in bundle["items"] if i["path"] == "app/greet.py")
    assert item["granularity"] == "file"
    with Index(repo, Settings()) as idx:
        whole = idx.files()["app/greet.py"].tokens
    assert item["tokens"] > whole  # the heading costs something
    uri = open_doc(client, repo / "app/greet.py")
    line = line_of(GREET, "def make_greeter")
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=6)))
    assert hover is not None
    md = hover.contents.value
    assert f"file {whole:,} tokens" in md
    assert (f"In the context bundle: **{item['tokens']:,} tokens**, the whole file's {whole:,}"
            f" + {item['tokens'] - whole:,} for its heading and code fence") in md
    # A file the bundle does not hold gets no such line.
    await command(client, "ctxsteward.removeFromBundle", {"uri": uri})
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=6)))
    assert hover is not None and "In the context bundle" not in hover.contents.value


# -- a file the index does not hold yet -----------------------------------------------------------

async def test_a_new_file_is_indexed_for_a_suggestion_or_said_to_need_a_save(
        tmp_path: Path) -> None:
    """A buffer never saved: its lens and suggestBundle say so in an editor's words. A file on
    disk the index does not hold yet (saved or made since the last build): the suggestion
    indexes it first."""
    repo = build_repo(tmp_path / "repo")
    client = await serve(repo)
    try:
        text = "from app.style import shout\n\n\ndef cheer():\n    return shout('hooray')\n"
        unsaved = (repo / "app/cheer.py").as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=unsaved, language_id="python", version=1,
                                                 text=text)))
        assert (await top_lens(client, unsaved)).endswith(" (new file, unsaved)")
        with pytest.raises(JsonRpcException,
                           match=r"app/cheer.py is a new file, not saved yet: save it"):
            await command(client, "ctxsteward.suggestBundle", {"uri": unsaved})
        (repo / "app/cheer.py").write_text(text)  # written, no save notification, no watcher
        assert (await top_lens(client, unsaved)).endswith(" (not in the index yet)")
        result = await command(client, "ctxsteward.suggestBundle", {
            "uri": unsaved, "position": {"line": 4, "character": 8}})
        assert result["seeds"] == ["app/cheer.py:5"]
        assert result["items"][0]["path"] == "app/cheer.py"
        assert result["items"][0]["symbols"] == ["cheer"]
        assert "app/style.py" in [i["path"] for i in result["items"]]
        assert "(" not in await top_lens(client, unsaved)  # indexed, as the buffer is
    finally:
        await stop(client)


async def top_lens(client: LanguageClient, uri: str) -> str:
    """The title of the file's top code lens (its total)."""
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert lenses and lenses[0].command is not None
    return lenses[0].command.title
