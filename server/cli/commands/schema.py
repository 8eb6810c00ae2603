"""``ctxsteward schema NAME``: the JSON Schema of a ``--json`` output, from its pydantic model."""

from __future__ import annotations

import argparse
import json

from pydantic import BaseModel

from server.cli.main import UserError, command_modules, emit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of a --json output",
                       description="Print the JSON Schema of a command's --json output (or of an "
                       "MCP tool's structured answer); without NAME, list the names.")
    # Listing the names here would import every feature's models on every CLI start.
    p.add_argument("name", nargs="?",
                   help="which output, e.g. index or budget (none, or an unknown one: the list)")
    p.set_defaults(func=run)


def all_schemas() -> dict[str, type[BaseModel]]:
    out: dict[str, type[BaseModel]] = {}
    for module in command_modules():
        if hasattr(module, "schemas"):
            out.update(module.schemas())
    return out


def run(args: argparse.Namespace) -> int:
    schemas = all_schemas()
    if args.name is None:
        emit("\n".join(sorted(schemas)))
        return 0
    if args.name not in schemas:
        known = ", ".join(sorted(schemas))
        raise UserError(f"unknown schema {args.name!r}; choose one of: {known}")
    emit(json.dumps(schemas[args.name].model_json_schema(), indent=2))
    return 0
