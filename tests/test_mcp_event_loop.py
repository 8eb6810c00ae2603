"""The MCP event loop does no file or database work.

An ``async def`` in ``server/mcp/`` checks the shape of its arguments, awaits and converts: it
never calls a function that reads or writes files, opens the index, or scans for secrets itself.
Such work runs in the jobs it hands to the scheduler (or in a worker thread): functions defined
inside it, lambdas and ``partial``s, which this check leaves alone because the loop never runs
them.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import threading
from pathlib import Path

from gitutil import make_repo

import analyzers.app.workspace
import analyzers.bundles.assemble
import analyzers.confine
import analyzers.fsutil
import analyzers.indexing.index
import analyzers.indexing.store
import analyzers.secrets

MCP = Path(__file__).resolve().parent.parent / "server" / "mcp"

# pathlib, os, os.path, io and sqlite3 calls that touch the file system or a database.
IO_CALLS = {
    "open", "read_text", "read_bytes", "write_text", "write_bytes", "exists", "is_file",
    "is_dir", "is_symlink", "stat", "lstat", "glob", "rglob", "iterdir", "resolve", "mkdir",
    "unlink", "rmdir", "rename", "touch", "readlink", "samefile", "walk", "listdir", "scandir",
    "realpath", "getsize", "getmtime", "isfile", "isdir", "islink", "connect", "execute",
    "executemany", "executescript", "fetchall", "fetchone", "cursor", "commit", "expanduser",
}

# The core's file, index and secret-scanning functions, and the methods of the application
# layer's workspace and snapshot and of the index (all of which read files or the database).
CORE_MODULES = (analyzers.secrets, analyzers.confine, analyzers.fsutil, analyzers.indexing.store,
                analyzers.indexing.index, analyzers.bundles.assemble)
CORE_CLASSES = (analyzers.app.workspace.Workspace, analyzers.app.workspace.Snapshot,
                analyzers.indexing.index.Index)


def forbidden_names() -> set[str]:
    """Names an async body in server/mcp/ may not call."""
    names = set(IO_CALLS)
    for module in CORE_MODULES:
        names |= {n for n, v in vars(module).items()
                  if not n.startswith("_") and inspect.isfunction(v)
                  and v.__module__ == module.__name__}
    for cls in CORE_CLASSES:
        names.add(cls.__name__)
        names |= {n for n, v in vars(cls).items()
                  if not n.startswith("_") and (inspect.isfunction(v) or isinstance(v, property))}
    return names


def _called(call: ast.Call) -> str | None:
    """The name a call calls: ``f`` for ``f(...)`` and ``x.f(...)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _direct_calls(body: list[ast.stmt]) -> list[ast.Call]:
    """The calls an async function's body makes itself (not those of functions, lambdas or
    classes defined inside it, which the body only hands on)."""
    out: list[ast.Call] = []
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _doing_work(tree: ast.Module, forbidden: set[str]) -> set[str]:
    """``forbidden`` plus the module's own plain functions that call one of those themselves
    (or through another such function): calling them is doing the work too."""
    local = {n.name: {_called(c) for c in _direct_calls(n.body)}
             for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    names = set(forbidden)
    grew = True
    while grew:
        grew = False
        for name, calls in local.items():
            if name not in names and calls & names:
                names.add(name)
                grew = True
    return names


def loop_work(source: str, forbidden: set[str]) -> list[tuple[str, int, str]]:
    """(async function, line, name) for each call an async body makes itself that does file or
    database work (a forbidden name, or a plain function of the module that calls one)."""
    tree = ast.parse(source)
    names = _doing_work(tree, forbidden)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            for call in _direct_calls(node.body):
                name = _called(call)
                if name in names:
                    found.append((node.name, call.lineno, name))
    return sorted(found)


def test_the_check_finds_work_on_the_loop_and_leaves_jobs_alone() -> None:
    source = '''
async def tool(session, raw):
    text = (session.root / raw).read_text()
    rel = session.workspace.path(raw)
    if secret_by_name(raw):
        return None

    def job(jc):
        return session.workspace.snapshot().verify(raw)

    later = lambda: load_saved(session.root, raw)  # noqa: E731
    checked = helper(raw)
    return await session.run("x", job) or await run_sync(partial(read_bytes_inside, raw))


def helper(raw):
    return inner(raw)


def inner(raw):
    return Path(raw).is_file()
'''
    assert loop_work(source, forbidden_names()) == [
        ("tool", 3, "read_text"), ("tool", 4, "path"), ("tool", 5, "secret_by_name"),
        ("tool", 12, "helper")]


def test_the_forbidden_names_cover_the_core_s_file_and_index_work() -> None:
    names = forbidden_names()
    assert {"secret_by_name", "secret_in_content", "secret_file_reason", "read_bytes_inside",
            "index_usable", "connect_readonly", "load_saved", "save_bundle", "bundles_dir",
            "snapshot", "seed", "path", "bundle", "verify", "files", "Index"} <= names
    assert not {"run", "call", "wait", "ensure_index", "run_sync", "partial"} & names


def test_no_async_def_in_server_mcp_does_file_or_database_work() -> None:
    forbidden = forbidden_names()
    modules = sorted(MCP.glob("*.py"))
    assert {p.name for p in modules} >= {"server.py", "session.py", "tools.py", "errors.py"}
    found = {p.name: loop_work(p.read_text("utf-8"), forbidden) for p in modules}
    assert {name: calls for name, calls in found.items() if calls} == {}
    # The check looked at the functions that matter: every tool, resource and prompt, the
    # session's call path and the server's resource listing.
    asyncs = {n.name for p in modules for n in ast.walk(ast.parse(p.read_text("utf-8")))
              if isinstance(n, ast.AsyncFunctionDef)}
    assert {"suggest_bundle", "verify_bundle", "find_context", "token_budget",
            "check_instructions", "handoff", "saved_bundle", "handoff_note", "start_task",
            "call", "ensure_index", "list_resources"} <= asyncs


class _LoopWatch:
    """An audit hook that records files opened, folders listed and databases connected under
    ``root`` by the thread it was armed on (audit hooks stay for the process: it is disarmed)."""

    EVENTS = ("open", "os.scandir", "os.listdir", "glob.glob", "sqlite3.connect")

    def __init__(self, root: Path) -> None:
        self.root = os.fsdecode(root)
        self.thread: int | None = None
        self.seen: list[tuple[str, str]] = []
        sys.addaudithook(self.hook)

    def hook(self, event: str, args: tuple[object, ...]) -> None:
        """Record ``event`` when it touches ``root`` on the armed thread."""
        if self.thread != threading.get_ident() or event not in self.EVENTS or not args:
            return
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)) and \
                os.fsdecode(target).startswith(self.root):
            self.seen.append((event, os.fsdecode(target)))


async def test_answering_opens_no_workspace_file_on_the_event_loop(tmp_path: Path) -> None:
    from mcp import Client

    from server.mcp.server import build_server

    root = make_repo(tmp_path / "repo", {
        "app/main.py": "from app.util import helper\n\n\ndef main():\n    return helper()\n",
        "app/util.py": "def helper():\n    return 1\n",
        "app/keys.py": f"KEY = '{'AKIA' + 'Q3EGUCH4ZJ7KRXW2'}'\n",
        "CLAUDE.md": "# Rules\n\nHelpers live in `app/util.py`.\n", ".env": "A=b\n"})
    watch = _LoopWatch(root)
    server = build_server(root)
    async with Client(server) as client:
        watch.thread = threading.get_ident()  # the event loop's thread, from here on
        try:
            calls = [("suggest_bundle", {"seeds": ["app/main.py:4"], "save": "work"}),
                     ("suggest_bundle", {"seeds": ["app/keys.py"]}),
                     ("suggest_bundle", {"seeds": [".env"]}),
                     ("verify_bundle", {"name": "work"}),
                     ("find_context", {"query": "helper"}),
                     ("token_budget", {"paths": ["app", "CLAUDE.md"]}),
                     ("token_budget", {"paths": ["app/keys.py"]}),
                     ("check_instructions", {}), ("handoff", {})]
            results = [await client.call_tool(name, args) for name, args in calls]
            listed = await client.list_resources()
            saved = await client.read_resource("ctxsteward://bundles/work")
            note = await client.read_resource("ctxsteward://handoff")
            prompt = await client.get_prompt("start-task", {"task": "change the helper"})
        finally:
            watch.thread = None
    assert [r.is_error for r in results] == [False, True, True, False, False, False, True,
                                             False, False]
    assert "ctxsteward://bundles/work" in {str(r.uri) for r in listed.resources}
    assert saved.contents and note.contents and prompt.messages
    assert watch.seen == []
