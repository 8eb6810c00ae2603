"""Start the real ``ctxsteward serve`` over stdio with pytest-lsp's client (tests and bench)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from server.lsp.args import plain  # pygls hands custom results over as named tuples


def server_command() -> list[str]:
    exe = Path(sys.executable).parent / "ctxsteward"
    if exe.exists():
        return [str(exe), "serve"]
    return [sys.executable, "-m", "server.cli", "serve"]


def capabilities(*, inlay_hints: bool = True, progress: bool = True,
                 watchers: bool = True, refresh: bool = False) -> types.ClientCapabilities:
    """A client's capabilities (``refresh``: it takes inlay hint and code lens refreshes)."""
    return types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(
                content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]),
            inlay_hint=types.InlayHintClientCapabilities() if inlay_hints else None,
            code_lens=types.CodeLensClientCapabilities(),
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
        ),
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=watchers),
            configuration=True,
            execute_command=types.ExecuteCommandClientCapabilities(),
            code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=refresh),
            inlay_hint=types.InlayHintWorkspaceClientCapabilities(refresh_support=refresh),
        ),
        window=types.WindowClientCapabilities(work_done_progress=progress),
    )


async def start(root: Path, *, options: dict[str, Any] | None = None,
                caps: types.ClientCapabilities | None = None,
                command: list[str] | None = None) -> LanguageClient:
    """A client connected to a fresh server (``command``, else this environment's), initialized
    on ``root``."""
    client = await ClientServerConfig(server_command=command or server_command()).start()
    client.registrations = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    client.refreshes = []  # type: ignore[attr-defined]  # the views the server asked to refresh

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_refresh(params: Any) -> None:
        client.refreshes.append("inlayHint")  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: Any) -> None:
        client.refreshes.append("codeLens")  # type: ignore[attr-defined]

    await client.initialize_session(types.InitializeParams(
        capabilities=caps or capabilities(),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=options,
    ))
    return client


@contextlib.asynccontextmanager
async def indexed(root: Path, **kwargs: Any) -> AsyncIterator[LanguageClient]:
    """A client on a fresh server on ``root`` (``start``'s options), once its index is built;
    the server is shut down after."""
    client = await start(root, **kwargs)
    try:
        await wait_indexed(client)
        yield client
    finally:
        await stop(client)


async def stop(client: LanguageClient) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), 20)
    finally:
        await client.stop()


async def jobs(client: LanguageClient, finished: int = 200) -> dict[str, Any]:
    result = await client.protocol.send_request_async("ctxsteward/jobs", {"finished": finished})
    return plain(result)


async def wait_for(predicate: Callable[[], Any], timeout: float = 60.0,
                   what: str = "condition") -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def wait_indexed(client: LanguageClient, after: int = 0, timeout: float = 90.0
                       ) -> dict[str, Any]:
    """Wait until no index job is queued or running and one with id > ``after`` is done."""

    async def check() -> dict[str, Any] | None:
        report = await jobs(client)
        idx = [j for j in report["jobs"] if j["kind"] == "index"]
        if any(j["state"] in ("queued", "running") for j in idx):
            return None
        done = [j for j in idx if j["state"] == "done" and j["id"] > after]
        return max(done, key=lambda j: j["id"]) if done else None

    return await wait_for(check, timeout, "the index build")


def open_doc(client: LanguageClient, path: Path, language: str = "python",
             version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version,
                                             text=path.read_text())))
    return uri
