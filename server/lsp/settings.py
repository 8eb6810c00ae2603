"""Settings from the client (``initializationOptions``, ``workspace/didChangeConfiguration``).

Keys may be camelCase (``contextWindow``) or snake_case (``context_window``), at the top level or
under a ``ctxsteward`` section. A bad value never stops the server: it is reported and the default
is kept.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, field_validator

from analyzers.config import Settings, error_message

SECTION = "ctxsteward"
M = TypeVar("M", bound="BaseModel | Settings")

# Settings whose change makes the cached index stale (a rebuild follows).
INDEX_FIELDS = ("encoding", "max_file_size", "exclude", "large_commit_limit")


class ServerOptions(BaseModel):
    """Options of the language server itself (not of the analysis)."""

    code_lens_per_definition: bool | None = Field(
        default=None, description="Code lenses per definition; default: when the client has no "
        "inlay hints.")
    inlay_hint_min_tokens: int = Field(
        default=50, ge=0, description="Definitions smaller than this many tokens get no inlay "
        "hint (0: every definition).")
    head_poll_seconds: float = Field(default=1.0, ge=0.1,
                                     description="How often to look for a moved git HEAD.")
    handoff_path: str = Field(
        default="HANDOFF.md", min_length=1,
        description="The handoff note ctxsteward.generateHandoff writes, relative to the root.")
    handoff_budget: int = Field(default=2_000, ge=100,
                                description="Token budget of the handoff note.")

    @field_validator("handoff_path")
    @classmethod
    def _relative_note(cls, value: str) -> str:
        v = value.strip().replace("\\", "/")
        parts = [p for p in v.split("/") if p not in ("", ".")]
        if not parts or v.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", v):
            raise ValueError("give a file path relative to the workspace root, inside it")
        return "/".join(parts)


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower().replace("-", "_")


def _section(options: Any) -> dict[str, Any]:
    if not isinstance(options, dict):
        return {}
    inner = options.get(SECTION)
    if isinstance(inner, dict):
        merged = {k: v for k, v in options.items() if k != SECTION}
        merged.update(inner)
        return merged
    return dict(options)


def parse_settings(options: Any) -> tuple[Settings, ServerOptions, list[str]]:
    """Settings and server options from the client's JSON, plus one message per problem."""
    problems: list[str] = []
    if options is not None and not isinstance(options, dict):
        problems.append(f"settings must be a JSON object, got {type(options).__name__}; "
                        "using the defaults")
    raw = {_snake(str(k)): v for k, v in _section(options).items()}
    if "budget" in raw and "default_budget" not in raw:
        raw["default_budget"] = raw.pop("budget")
    analysis = {k: v for k, v in raw.items() if k in Settings.model_fields}
    server = {k: v for k, v in raw.items() if k in ServerOptions.model_fields}
    for k in sorted(set(raw) - set(analysis) - set(server)):
        problems.append(f"unknown setting {k!r} ignored")
    settings = _validated(Settings, analysis, problems)
    opts = _validated(ServerOptions, server, problems)
    from analyzers.tokens import EncodingUnavailable, encoding

    try:
        encoding(settings.encoding)
    except EncodingUnavailable as e:
        problems.append(f"{e}; using cl100k_base")
        settings = settings.model_copy(update={"encoding": "cl100k_base"})
    return settings, opts, problems


def _validated(model: type[M], values: dict[str, Any], problems: list[str]) -> M:
    values = dict(values)
    while True:
        try:
            return model(**values)
        except ValidationError as e:
            bad = {str(err["loc"][0]) for err in e.errors() if err["loc"]}
            for err in e.errors():
                where = ".".join(str(p) for p in err["loc"]) or "settings"
                problems.append(f"setting {error_message(err, repr(where), named=True)}; "
                                "using the default")
            if not bad or not bad & set(values):
                return model()
            for k in bad:
                values.pop(k, None)


def index_affecting_change(old: Settings, new: Settings) -> bool:
    return any(getattr(old, f) != getattr(new, f) for f in INDEX_FIELDS)
