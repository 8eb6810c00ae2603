"""JSON Schemas cheap to carry: every client pays for ``tools/list`` in every conversation.

The schemas pydantic generates are rewritten to accept the same values (or more) in fewer tokens:
no ``title`` keys, references inlined (each definition is used once), ``X | None`` inputs as plain
``X`` (leave the argument out instead of sending null), fixed-size tuples as arrays; output schemas
also drop descriptions and defaults (the tool description says what matters).
"""

from __future__ import annotations

from typing import Any


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each ``#/$defs/X`` reference replaced by its definition, and no ``$defs``
    (our models are not recursive; a depth limit guards against one that would be)."""
    defs = schema.get("$defs", {})

    def walk(node: Any, depth: int = 0) -> Any:
        if isinstance(node, list):
            return [walk(n, depth) for n in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and depth < 20:
            target = defs.get(ref.removeprefix("#/$defs/"))
            if isinstance(target, dict):
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return walk({**target, **rest}, depth + 1)
        return {k: walk(v, depth) for k, v in node.items() if k != "$defs"}

    out: dict[str, Any] = walk(schema)
    return out


def compact_schema(schema: Any, *, output: bool = False) -> Any:
    """``schema`` (already inlined) in fewer tokens, accepting at least the same values."""
    if isinstance(schema, list):
        return [compact_schema(s, output=output) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k == "title" and isinstance(v, str):
            continue
        if output and k in ("description", "default"):
            continue
        if k == "default" and v is None:
            continue
        if k == "properties" and isinstance(v, dict):
            out[k] = {name: compact_schema(sub, output=output) for name, sub in v.items()}
        else:
            out[k] = compact_schema(v, output=output)
    any_of = out.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
        other = next(a for a in any_of if a != {"type": "null"})
        del out["anyOf"]
        if not output and isinstance(other, dict):
            out.update(other)
        elif isinstance(other, dict) and isinstance(other.get("type"), str) and len(other) == 1:
            out["type"] = [other["type"], "null"]
        else:
            out["anyOf"] = any_of
    prefix = out.get("prefixItems")
    if isinstance(prefix, list) and prefix and all(p == prefix[0] for p in prefix):
        out.pop("prefixItems")
        out.pop("minItems", None)
        out.pop("maxItems", None)
        out["items"] = prefix[0]
    return out
