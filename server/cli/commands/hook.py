"""``ctxsteward hook EVENT --agent AGENT``: run as an agent's lifecycle hook (``server.hooks``).

The hook parses its own arguments (``server/hooks/options.py``): a bad one must not make the
command line print an error an agent would show and exit 2, so every argument after ``hook``,
options included, goes there as it is.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``hook``, whose arguments all go to the hook's own parser."""
    p = sub.add_parser(
        "hook", add_help=False,
        help="run as an agent's lifecycle hook (ctxsteward hook --help; docs/hooks.md)",
        description="Read an agent's hook JSON on stdin and answer in its documented shape.")

    def everything(args: Sequence[str] | None = None,
                   namespace: argparse.Namespace | None = None
                   ) -> tuple[argparse.Namespace, list[str]]:
        """All the arguments, unparsed, for the hook's own parser."""
        ns = namespace if namespace is not None else argparse.Namespace()
        ns.func, ns.argv = run, list(args or [])
        return ns, []

    p.parse_known_args = everything


def run(args: argparse.Namespace) -> int:
    """Run the hook (always 0)."""
    from server.hooks.run import main

    return main(list(args.argv))
