"""Notifications that keep the server's view current: open documents (open, change, save,
close), files changed on disk, changed settings, and a cancelled index progress. Each only
captures the event on the loop and schedules the work of :mod:`server.lsp.lanes`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from analyzers.instructions.discover import is_markdown
from server.lsp.settings import index_affecting_change, parse_settings
from server.lsp.state import uri_to_path
from server.lsp.textdoc import LineDocument

if TYPE_CHECKING:
    from server.lsp.dispatch import LspCall
    from server.lsp.server import StewardLanguageServer


def did_open(ls: StewardLanguageServer,
             params: types.DidOpenTextDocumentParams, call: LspCall) -> None:
    """Analyse the opened document, and check it when it is an instruction file."""
    ls.checks.opened(params.text_document.uri)
    buf = ls.buffer(params.text_document.uri)
    if buf is not None:
        ls.state.ensure_analysis(buf)
        ls.checks.schedule(buf, ls.workspace.position_codec)


def did_change(ls: StewardLanguageServer, params: types.DidChangeTextDocumentParams,
               call: LspCall) -> None:
    """Analyse and check the edited document again, debounced."""
    doc = ls.workspace.text_documents.get(params.text_document.uri)
    if isinstance(doc, LineDocument) and doc.length > ls.state.settings.max_file_size:
        # Too large to analyse (more code points than bytes allowed): no work per change -
        # not even joining its text; features answer "too large" when asked.
        ls.state.forget_facts(params.text_document.uri)
        return
    ls.state.changed(params.text_document.uri)
    buf = ls.buffer(params.text_document.uri)
    if buf is not None:
        ls.state.ensure_analysis(buf, delay=0.15)
        ls.checks.schedule(buf, ls.workspace.position_codec, delay=0.3)


def did_save(ls: StewardLanguageServer,
             params: types.DidSaveTextDocumentParams, call: LspCall) -> None:
    """Bring the index up to date (debounced)."""
    ls.indexer.schedule("file saved", delay=0.3)


def did_close(ls: StewardLanguageServer,
              params: types.DidCloseTextDocumentParams, call: LspCall) -> None:
    """Forget the buffer: its facts, its pending work, its unsaved text in the checks."""
    uri = params.text_document.uri
    ls.state.forget(uri)
    if ls.checks.applies_to(uri):
        ls.checks.closed(uri)
    elif is_markdown(uri):
        ls.checks.closed(uri, publish=False)  # back to the file on disk for links, imports


def did_change_watched_files(ls: StewardLanguageServer, params: types.DidChangeWatchedFilesParams,
                             call: LspCall) -> None:
    """Files changed on disk: index again, unless only our cache or git's internals did."""
    root = ls.state.root
    if root is None:
        return
    prefix = str(root).rstrip("/") + "/"
    internal = (prefix + ".ctxsteward/", prefix + ".git/")
    relevant = False
    for change in params.changes:
        p = uri_to_path(change.uri)
        if p is None:
            continue
        s = str(p)
        if s.startswith(internal):
            continue  # our own cache, git internals (HEAD has its own watcher)
        relevant = True
    if relevant:
        ls.indexer.schedule("files changed on disk", delay=0.5)


async def did_change_configuration(ls: StewardLanguageServer,
                                   params: types.DidChangeConfigurationParams,
                                   call: LspCall) -> None:
    """New settings (sent, or pulled with ``workspace/configuration``): index again when they
    change what the index holds, else check the open documents again."""
    raw = params.settings
    if not (isinstance(raw, dict) and raw) and ls.pull_configuration:
        try:
            items = await ls.workspace_configuration_async(types.ConfigurationParams(
                items=[types.ConfigurationItem(section="ctxsteward")]))
            raw = items[0] if items else None
        except Exception as e:  # noqa: BLE001 - keep the current settings
            ls.log_message(types.MessageType.Warning, f"could not read the configuration: {e}")
            return
    settings, options, problems = await call.run(lambda ctx: parse_settings(raw))
    for p in problems:
        ls.show_message(types.MessageType.Warning, f"Context Steward: {p}")
    old = ls.state.settings
    ls.state.apply_settings(settings, options)
    if index_affecting_change(old, settings):
        ls.indexer.schedule("settings changed")
    else:
        ls.recheck_open_documents()
    ls.indexer.refresh_views()


def progress_cancel(ls: StewardLanguageServer, params: types.WorkDoneProgressCancelParams,
                    call: LspCall) -> None:
    """The user cancelled the index progress: stop that build."""
    ls.indexer.cancel_progress(str(params.token))
