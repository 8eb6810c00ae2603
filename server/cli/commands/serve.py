"""``ctxsteward serve``: run the language server over stdio (for editors)."""

from __future__ import annotations

import argparse
import logging


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the language server (LSP over stdio)")
    p.add_argument("--stdio", action="store_true",
                   help="talk LSP over stdin/stdout (the default; editors may pass it)")
    p.add_argument("--log-file", metavar="PATH", help="write the server's log to PATH")
    p.add_argument("--log-level", default="WARNING",
                   choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   help="log level (with --log-file)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=getattr(logging, args.log_level),
                            format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
    else:
        # stdout carries the protocol; keep library chatter off stderr too unless it matters.
        logging.basicConfig(level=logging.ERROR)
    from server.lsp.server import serve

    return serve()
