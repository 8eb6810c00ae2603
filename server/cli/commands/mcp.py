"""``ctxsteward mcp [--root DIR] [--print-tool-cost]``: the MCP server over stdio."""

from __future__ import annotations

import argparse
import logging
import sys

from pydantic import BaseModel

from server.cli.main import add_root_option, add_settings_options, root_from, settings_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "mcp", help="serve the Model Context Protocol over stdio (for coding agents)",
        description="Serve tools (suggest_bundle, verify_bundle, find_context, token_budget...), "
        "saved bundles as resources and the start-task prompt to an MCP client over stdio. "
        "See docs/mcp.md for Claude Code, Cursor and Codex.",
    )
    add_root_option(p)
    p.add_argument("--print-tool-cost", action="store_true",
                   help="print the tokens of the tools/list answer and exit")
    add_settings_options(p)
    p.set_defaults(func=run)


def schemas() -> dict[str, type[BaseModel]]:
    from server.mcp.schemas import (
        BudgetAnswer,
        BundleAnswer,
        CheckAnswer,
        FindAnswer,
        HandoffAnswer,
        VerifyAnswer,
    )

    return {"mcp-suggest_bundle": BundleAnswer, "mcp-verify_bundle": VerifyAnswer,
            "mcp-find_context": FindAnswer, "mcp-token_budget": BudgetAnswer,
            "mcp-check_instructions": CheckAnswer, "mcp-handoff": HandoffAnswer}


def run(args: argparse.Namespace) -> int:
    from server.mcp.server import build_server, tool_cost

    settings = settings_from(args)
    root = root_from(args.root)
    server = build_server(root, settings)
    if args.print_tool_cost:
        import asyncio  # here, not at the top: every CLI start imports this module

        total, per = asyncio.run(tool_cost(server, settings))
        w = sys.stdout.write
        w(f"tools/list: {total:,} tokens ({settings.encoding}) for {len(per)} tools\n")
        for name, tokens in sorted(per.items(), key=lambda kv: -kv[1]):
            w(f"  {tokens:>6,}  {name}\n")
        return 0
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("ctxsteward mcp: %(message)s"))
    logger = logging.getLogger("ctxsteward.mcp")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    # bm25s sets its own logger to DEBUG when imported: keep its chatter off the client's log.
    logging.getLogger("bm25s").addFilter(lambda record: record.levelno >= logging.WARNING)
    _exit_on_interrupt()
    try:
        server.run("stdio")
    except (BaseExceptionGroup, OSError) as e:
        if not _client_gone(e):
            raise
        # The client died (kill -9) with answers in flight: the work is already cancelled and
        # the server stopped; nobody is left to read stdout, so leave quietly.
        logger.info("the client went away; exiting")
        _silence_stdout()
    return 0


def _exit_on_interrupt() -> None:
    """SIGINT (Ctrl-C) ends the server at once, as SIGTERM does.

    Raised as KeyboardInterrupt inside the event loop it stopped the server but not the process:
    the thread blocked reading stdin kept it (and its forkserver and resource tracker) alive until
    the client closed the pipe. The pool's processes watch this one and end with it.
    """
    import os
    import signal

    def interrupted(signum: int, frame: object) -> None:
        try:
            os.write(2, b"ctxsteward mcp: interrupted; exiting\n")
        except OSError:
            pass
        os._exit(128 + signum)

    try:
        signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread (an embedding): leave the default
        pass


def _client_gone(e: BaseException) -> bool:
    """True when ``e`` (or every exception in a group) is a closed pipe to the client."""
    if isinstance(e, BaseExceptionGroup):
        return all(_client_gone(x) for x in e.exceptions)
    return isinstance(e, (BrokenPipeError, ConnectionResetError))


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of a dead pipe stays quiet."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
