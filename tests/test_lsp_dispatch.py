"""The language server's dispatch table and its handlers: handlers are plain functions, called here
directly on a real workspace (a git repository built here, indexed by the real build); the table
lists every method the server registers and advertises, with its lane, priority and deadline;
failures are converted once, by the table's wrapper; and through a real client over stdio, a
cancelled bundle command gets the cancellation answer without stopping the commands after it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gitutil import make_repo
from lsp_client import capabilities, jobs, server_command, start, stop, wait_for, wait_indexed
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcRequestCancelled
from pygls.workspace import Workspace as EditorWorkspace
from pytest_lsp import ClientServerConfig

from analyzers.app.errors import RequestError
from analyzers.app.requests import BundleRequest
from analyzers.app.seeds import innermost_definition
from analyzers.bundles.assemble import make_bundle
from analyzers.cancel import Cancelled
from analyzers.config import Settings
from analyzers.indexing.index import Index, build
from analyzers.tokentree import budget
from server.lsp.args import BY_CLIENT, CommandError, plain
from server.lsp.dispatch import (
    PYGLS_RPC_LOG,
    ROUTES,
    LspCall,
    OnCancel,
    OneLineAnswers,
    Route,
    answer_error,
    guarded,
)
from server.lsp.handlers import bundle_commands, features, workspace_commands
from server.lsp.lanes import JOBS
from server.lsp.server import StewardLanguageServer, create_server
from server.scheduler import Priority

LEDGER = '''"""A tiny ledger."""

RATE = 0.25


def open_account(owner, *, limit=0):
    """Open an account for ``owner``."""
    return Account(owner, limit)


class Account:
    def __init__(self, owner, limit):
        self.owner, self.limit, self.entries = owner, limit, []

    def balance(self):
        total = sum(e.amount for e in self.entries)
        return total - total * RATE if total > self.limit else total
'''

REPORT = '''from app.ledger import open_account

print(open_account("ada").balance())
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {"app/__init__.py": "", "app/ledger.py": LEDGER,
                                         "app/report.py": REPORT,
                                         ".env": "TOKEN=abc123secret\n"})
    build(root, Settings())
    return root.resolve()


@pytest.fixture
def ls(repo: Path) -> Iterator[StewardLanguageServer]:
    """The server object on ``repo`` as ``initialize`` leaves it, with no client attached."""
    server = create_server()
    server.state.root = repo
    server.protocol._workspace = EditorWorkspace(repo.as_uri())  # the editor's documents
    yield server
    server.state.shutdown()


def route(method: str) -> Route:
    return next(r for r in ROUTES if r.method == method)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


def open_in(ls: StewardLanguageServer, path: Path) -> str:
    uri = path.as_uri()
    ls.workspace.put_text_document(types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=path.read_text()))
    return uri


def dump(bundle: Any) -> dict[str, Any]:
    return json.loads(json.dumps(bundle.model_dump(mode="json")))


# -- handlers are functions ---------------------------------------------------------------------

async def test_a_hover_handler_called_directly_answers_from_the_index(
        ls: StewardLanguageServer, repo: Path) -> None:
    ls.state.loop = asyncio.get_running_loop()
    uri = open_in(ls, repo / "app/ledger.py")
    line = line_of(LEDGER, "def open_account")
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri),
                               position=types.Position(line=line, character=6))
    answer = await features.hover(ls, params, LspCall(ls, route(types.TEXT_DOCUMENT_HOVER)))
    assert answer is not None
    with Index(repo, Settings()) as idx:
        d = next(d for d in idx.definitions("app/ledger.py") if d.name == "open_account")
    assert f"**`open_account`** · function · **{ls.state.scaled(d.tokens):,} tokens**" \
        in answer.contents.value


async def test_bundle_handlers_called_directly_seed_through_the_app_layer(
        ls: StewardLanguageServer, repo: Path) -> None:
    ls.state.loop = asyncio.get_running_loop()
    uri = open_in(ls, repo / "app/ledger.py")
    line = line_of(LEDGER, "return total -")  # inside Account.balance, inside Account
    at = {"uri": uri, "position": {"line": line, "character": 8}}

    suggested = await bundle_commands.suggest(
        ls, (at,), LspCall(ls, route(bundle_commands.SUGGEST)))
    # A position is a PATH:LINE seed, given to the core once (its contract with the editor).
    assert suggested["seeds"] == [f"app/ledger.py:{line + 1}"]
    with Index(repo, Settings()) as idx:
        want = make_bundle(idx, BundleRequest(seeds=[f"app/ledger.py:{line + 1}"],
                                              budget=Settings().default_budget))
        inner = innermost_definition(idx.definitions("app/ledger.py"), line + 1)
    assert suggested == {**dump(want.bundle), "items": [  # nothing pinned yet
        {**i, "pinned": False, "added": False, "shrunk": False}
        for i in dump(want.bundle)["items"]]}
    assert inner is not None and inner.qualified == "Account.balance"

    # Added at a position: the innermost definition there, by the core's one rule.
    added = await bundle_commands.add(ls, ({**at},), LspCall(ls, route(bundle_commands.ADD)))
    assert ls.bundles.spec is not None
    assert "app/ledger.py::Account.balance" in ls.bundles.spec.seeds + ls.bundles.spec.added
    item = next(i for i in added["items"] if i["path"] == "app/ledger.py")
    assert "Account.balance" in item["symbols"]


async def test_the_workspace_budget_handler_called_directly(ls: StewardLanguageServer,
                                                            repo: Path) -> None:
    ls.state.loop = asyncio.get_running_loop()
    result = await workspace_commands.show_budget(
        ls, (), LspCall(ls, route(workspace_commands.SHOW_BUDGET)))
    with Index(repo, Settings()) as idx:
        want = budget(repo, idx.files(), Settings())
    assert result["workspace"]["total_tokens"] == want.total_tokens
    assert result["text"].startswith(f"{want.total_tokens:,} tokens")


# -- failures are converted once, in the table's wrapper ------------------------------------------

async def command_error(ls: StewardLanguageServer, name: str, *args: Any) -> JsonRpcException:
    with pytest.raises(JsonRpcException) as caught:
        await guarded(route(name))(ls, *args)
    return caught.value


async def test_core_errors_reach_the_editor_in_its_own_words(ls: StewardLanguageServer,
                                                             repo: Path) -> None:
    ls.state.loop = asyncio.get_running_loop()
    main = (repo / "app/report.py").as_uri()
    small = await command_error(ls, bundle_commands.SUGGEST, {"uri": main, "budget": 3})
    assert small.code == -32803
    assert 'budget ("budget") 3 is too small' in small.message
    assert '("budget": 0 ranks only)' in small.message
    assert "--" not in small.message  # no command-line flag reaches the editor
    secret = await command_error(ls, bundle_commands.SUGGEST, {"uri": (repo / ".env").as_uri()})
    assert secret.code == -32803 and "may hold secrets" in secret.message
    gone = await command_error(ls, bundle_commands.SUGGEST, {"uri": (repo / "no.py").as_uri()})
    assert gone.code == -32803 and "no such file in the index" in gone.message


async def test_edge_errors_keep_their_codes(ls: StewardLanguageServer, repo: Path) -> None:
    ls.state.loop = asyncio.get_running_loop()
    main = (repo / "app/report.py").as_uri()
    nothing = await command_error(ls, bundle_commands.SUGGEST, {})
    assert nothing.code == -32803  # the core's one check, in the editor's words
    assert nothing.message == ('give at least one file ("uri", with a "position" for a '
                               'definition) or a task ("task")')
    shape = await command_error(ls, bundle_commands.ADD, {"uri": main, "position": [1, 2]})
    assert shape.code == -32602 and "'position' must be" in shape.message
    first = await command_error(ls, bundle_commands.REMOVE, {"uri": main})
    assert first.code == -32803 and "suggest one first" in first.message


def test_each_route_answers_a_cancellation_and_a_fault_as_its_kind_wants() -> None:
    stopped = Cancelled("past its deadline")
    for r in ROUTES:
        if r.kind == "notification":
            continue
        if r.on_cancel is OnCancel.NULL:
            assert answer_error(r, stopped) is None, r.method
        else:
            with pytest.raises(JsonRpcException) as caught:
                answer_error(r, stopped)
            retrigger = r.on_cancel is OnCancel.RETRIGGER
            assert caught.value.code == (-32802 if retrigger else -32800), r.method
            assert caught.value.message == f"{r.work.kind} stopped: past its deadline"
            assert caught.value.data == ({"retriggerRequest": True} if retrigger else None)
        with pytest.raises(JsonRpcException) as fault:
            answer_error(r, KeyError("boom"))
        assert fault.value.code == -32603, r.method
        assert fault.value.message == f"internal error in {r.method}: KeyError: 'boom'"
    commands = {r.method for r in ROUTES if r.kind == "command"}
    # The client's own cancellation is never answered "retrigger": VS Code asked again at once,
    # cancelled that one for the next, and so on, hundreds of times a second.
    by_client = Cancelled(BY_CLIENT)
    pull = next(r for r in ROUTES if r.method == types.TEXT_DOCUMENT_DIAGNOSTIC)
    with pytest.raises(JsonRpcException) as cancelled:
        answer_error(pull, by_client)
    assert cancelled.value.code == -32800 and cancelled.value.data is None
    assert {r.method for r in ROUTES if r.on_cancel is OnCancel.CANCELLED} == \
        commands | {types.INITIALIZE}
    assert [r.method for r in ROUTES if r.on_cancel is OnCancel.RETRIGGER] == \
        [types.TEXT_DOCUMENT_DIAGNOSTIC]


def test_only_an_unexpected_failure_is_logged_with_its_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    """pygls logs each error answer with its traceback; OneLineAnswers makes that one line, the
    traceback of an unexpected failure being logged once by answer_error."""
    r = route(bundle_commands.SUGGEST)
    pygls_log = logging.getLogger(PYGLS_RPC_LOG)
    pygls_log.addFilter(one_line := OneLineAnswers())
    try:
        for failure, traced, level in ((CommandError("bad input"), False, logging.WARNING),
                                       (RequestError("no such seed"), False, logging.WARNING),
                                       (Cancelled("cancelled by the client"), False,
                                        logging.INFO),
                                       (KeyError("boom"), True, logging.ERROR)):
            caplog.clear()
            with caplog.at_level(logging.INFO):
                try:
                    answer_error(r, failure)
                except JsonRpcException as answered:
                    try:
                        raise answered
                    except JsonRpcException:
                        pygls_log.exception('Exception occurred for message "%s"', 7)
            pygls = [rec for rec in caplog.records if rec.name == PYGLS_RPC_LOG]
            assert len(pygls) == 1 and pygls[0].exc_info is None, failure
            assert str(failure.args[0]) in pygls[0].getMessage()
            # A refusal is the user's to fix: a warning, never an error of the server.
            assert pygls[0].levelno == level, failure
            assert [rec.exc_info is not None for rec in caplog.records
                    if rec.name != PYGLS_RPC_LOG] == ([True] if traced else []), failure
    finally:
        pygls_log.removeFilter(one_line)


async def test_a_notification_that_fails_is_logged_not_raised(ls: StewardLanguageServer) -> None:
    # didClose without parameters: the handler fails; a notification has nobody to answer.
    assert guarded(route(types.TEXT_DOCUMENT_DID_CLOSE))(ls, None) is None


# -- one table ------------------------------------------------------------------------------------

def test_every_registered_method_is_in_the_table_with_its_lane_and_priority() -> None:
    server = create_server()
    try:
        registered = set(server.protocol.fm.features) | set(server.protocol.fm.commands)
    finally:
        server.state.shutdown()
    methods = [r.method for r in ROUTES]
    assert len(methods) == len(set(methods))
    assert registered == set(methods)
    for r in ROUTES:
        assert r.work.lane in ("inline", "cpu", "io"), r.method
        assert isinstance(r.work.priority, Priority), r.method
        assert r.work.key is None, r.method  # superseding work is the server's own (JOBS)
        if r.work.lane != "inline":
            assert r.work.deadline is not None and r.work.deadline > 0, r.method
    for w in JOBS:
        assert w.lane in ("cpu", "io") and isinstance(w.priority, Priority), w.kind
    assert {w.kind: w.key for w in JOBS if w.key} == {
        "index": "index", "analyse-buffer": "analyse:{uri}", "check-instructions": "check:{uri}",
        "bundle-refresh": "bundle-refresh", "check-workspace": "check-workspace"}
    assert len({w.kind for w in JOBS}) == len(JOBS)


async def test_what_the_server_advertises_is_what_the_table_routes(repo: Path) -> None:
    client = await ClientServerConfig(server_command=server_command()).start()
    try:
        result = await client.initialize_session(types.InitializeParams(
            capabilities=capabilities(watchers=False), root_uri=repo.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=repo.as_uri(), name="repo")]))
        caps = result.capabilities
        commands = {r.method for r in ROUTES if r.kind == "command"}
        assert caps.execute_command_provider is not None
        assert set(caps.execute_command_provider.commands) == commands
        advertised = {
            types.TEXT_DOCUMENT_HOVER: caps.hover_provider,
            types.TEXT_DOCUMENT_INLAY_HINT: caps.inlay_hint_provider,
            types.TEXT_DOCUMENT_CODE_LENS: caps.code_lens_provider,
            types.TEXT_DOCUMENT_CODE_ACTION: caps.code_action_provider,
            types.TEXT_DOCUMENT_DOCUMENT_LINK: caps.document_link_provider,
            types.TEXT_DOCUMENT_DIAGNOSTIC: caps.diagnostic_provider,
        }
        for method, provider in advertised.items():
            assert provider, method
            r = route(method)
            assert r.work.lane in ("cpu", "io") and r.work.deadline is not None
        kinds = caps.code_action_provider.code_action_kinds  # type: ignore[union-attr]
        routed = route(types.TEXT_DOCUMENT_CODE_ACTION).options.code_action_kinds
        assert [getattr(k, "value", k) for k in routed] == list(kinds)
    finally:
        await stop(client)


# -- a cancelled command, through a real client ----------------------------------------------

async def test_a_cancelled_bundle_command_answers_cancelled_and_the_next_one_runs(
        tmp_path: Path) -> None:
    root = make_repo(tmp_path / "big", {
        **{f"src/m{i:04d}.py": "".join(f"def fn_{i}_{k}(a, b):\n    return a * {k} + b\n\n"
                                       for k in range(20)) for i in range(250)},
    })
    client = await start(root)
    try:
        uri = (root / "src/m0007.py").as_uri()
        # The suggestion waits for the running (cold) index build; cancel it meanwhile.
        fut = client.protocol.send_request(
            types.WORKSPACE_EXECUTE_COMMAND,
            types.ExecuteCommandParams(command=bundle_commands.SUGGEST,
                                       arguments=[{"uri": uri}]),
            msg_id="suggest-1")

        async def waiting() -> dict[str, Any] | None:
            report = await jobs(client)
            bundle = [j for j in report["jobs"] if j["kind"] == "bundle"]
            index = [j for j in report["jobs"] if j["kind"] == "index"]
            if bundle and index and bundle[0]["state"] == "queued" and \
                    index[0]["state"] == "running":
                return bundle[0]
            return None

        queued = await wait_for(waiting, what="the bundle job waiting for the index")
        client.cancel_request(types.CancelParams(id="suggest-1"))
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wrap_future(fut)
        report = await jobs(client)
        cancelled = next(j for j in report["jobs"] if j["id"] == queued["id"])
        assert cancelled["state"] == "cancelled"
        assert cancelled["error"] == "request cancelled by the client"
        # The bundle commands run in order: the cancelled one does not hold up the next.
        result = plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=bundle_commands.SUGGEST, arguments=[{"uri": uri, "budget": 2000}])))
        assert result["seeds"] == ["src/m0007.py"]
        assert result["items"][0]["path"] == "src/m0007.py"
        await wait_indexed(client)
    finally:
        await stop(client)


def test_a_small_definitions_share_of_its_file_is_not_zero() -> None:
    from server.lsp.hover import share_of_file

    assert share_of_file(39, 31_583) == "<1%"  # was "0%"
    assert share_of_file(0, 31_583) == "0%"
    assert share_of_file(400, 31_583) == "1%"
    assert share_of_file(31_583, 31_583) == "100%"
