"""The command-line edge: `ctxsteward` and its subcommands."""

from server.cli.main import main

__all__ = ["main"]
