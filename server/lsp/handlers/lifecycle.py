"""The session's lifecycle: ``initialize`` (client capabilities, settings, the workspace root),
``initialized`` (the first index build, the HEAD watcher, file watching) and ``shutdown``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.lsp.lanes import WARM_UP
from server.lsp.settings import parse_settings
from server.lsp.state import uri_to_path
from server.scheduler import JobContext

if TYPE_CHECKING:
    from server.lsp.dispatch import LspCall
    from server.lsp.server import StewardLanguageServer

WATCHERS_ID = "ctxsteward-watched-files"


def client_caps(ls: StewardLanguageServer, caps: types.ClientCapabilities) -> None:
    """Remember what the client can do (push or pull diagnostics, progress, refreshes...)."""
    ls.client_caps = caps
    td, ws, win = caps.text_document, caps.workspace, caps.window
    ls.checks.push = not (td is not None and td.diagnostic is not None)
    ls.checks.refresh_support = bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)
    ls.state.inlay_hint_support = td is not None and td.inlay_hint is not None
    ls.indexer.progress_supported = bool(win and win.work_done_progress)
    ls.indexer.refresh_inlay = bool(ws and ws.inlay_hint and ws.inlay_hint.refresh_support)
    ls.indexer.refresh_lens = bool(ws and ws.code_lens and ws.code_lens.refresh_support)
    ls.dynamic_watchers = bool(ws and ws.did_change_watched_files
                               and ws.did_change_watched_files.dynamic_registration)
    ls.pull_configuration = bool(ws and ws.configuration)


def workspace_folder(params: types.InitializeParams) -> Path | None:
    """The folder the client opened (the first workspace folder, else the root URI or path)."""
    if params.workspace_folders:
        return uri_to_path(params.workspace_folders[0].uri)
    if params.root_uri:
        return uri_to_path(params.root_uri)
    if params.root_path:
        return Path(params.root_path)
    return None


async def initialize(ls: StewardLanguageServer, params: types.InitializeParams,
                     call: LspCall) -> None:
    """``initialize``: settings from the initialization options, and the workspace root (git's
    internals refused, as by the CLI and the MCP server); problems are shown once initialized."""
    state = ls.state
    state.loop = asyncio.get_running_loop()
    client_caps(ls, params.capabilities)
    folder = workspace_folder(params)

    def setup(ctx: JobContext) -> tuple[Any, ...]:
        from analyzers.indexing.walk import NotAWorkspace, workspace_root

        settings, options, problems = parse_settings(params.initialization_options)
        root = None
        if folder is not None:
            if folder.is_dir():
                try:  # the CLI's and the MCP server's own check (git's internals refused)
                    root = workspace_root(folder)
                except NotAWorkspace as e:
                    problems.append(f"{e}; working without an index")
            else:
                problems.append(f"the workspace folder {folder} does not exist; "
                                "working without an index")
        return settings, options, problems, root

    settings, options, problems, root = await call.run(setup)
    state.apply_settings(settings, options)
    state.root = root
    ls.problems = problems


async def initialized(ls: StewardLanguageServer,
                      params: types.InitializedParams, call: LspCall) -> None:
    """``initialized``: show the setup's problems, start indexing and watching."""
    for p in ls.problems:
        ls.show_message(types.MessageType.Warning, f"Context Steward: {p}")
    ls.problems = []
    state = ls.state
    if state.root is None:
        return
    ls.indexer.schedule("workspace opened")
    ls.indexer.start_head_watcher()

    def warm(ctx: JobContext) -> None:
        from analyzers.indexing.filefacts import token_byte_lengths

        token_byte_lengths(state.settings.encoding)

    WARM_UP.submit(state.scheduler, warm)
    if ls.dynamic_watchers:
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[
                types.Registration(
                    id=WATCHERS_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(
                        watchers=[types.FileSystemWatcher(glob_pattern="**/*")]))]))
        except Exception as e:  # noqa: BLE001 - the client declined: saves still update
            ls.log_message(types.MessageType.Warning, f"file watching not registered: {e}")


def shutdown(ls: StewardLanguageServer, params: Any, call: LspCall) -> None:
    """``shutdown``: stop watching and working."""
    ls.indexer.stop()
    ls.state.shutdown()
