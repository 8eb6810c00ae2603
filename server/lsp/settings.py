"""Settings from the client (``initializationOptions``, ``workspace/didChangeConfiguration``).

Keys may be camelCase (``contextWindow``) or snake_case (``context_window``), at the top level or
under a ``ctxsteward`` section. A bad value never stops the server: it is reported and the default
is kept.
"""

from __future__ import annotations

import json
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
        default="HANDOFF.md",
        description="The handoff note ctxsteward.generateHandoff writes, relative to the root.")
    handoff_budget: int = Field(default=2_000, ge=100,
                                description="Token budget of the handoff note.")

    @field_validator("handoff_path")
    @classmethod
    def _relative_note(cls, value: str) -> str:
        v = value.strip().replace("\\", "/")
        parts = [p for p in v.split("/") if p not in ("", ".")]
        if not parts or v.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", v):
            raise ValueError("give a file path relative to the workspace root, inside it, "
                             "such as HANDOFF.md or docs/HANDOFF.md")
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


# The server's settings the VS Code extension sends, by the name the user sets them under
# (vscode-client/package.json, contributes.configuration): a message names what the user typed.
VSCODE_NAMES: dict[str, str] = {
    "encoding": "ctxsteward.encoding", "profile": "ctxsteward.profile",
    "default_budget": "ctxsteward.budget", "context_window": "ctxsteward.contextWindow",
    "max_file_size": "ctxsteward.maxFileSize", "exclude": "ctxsteward.exclude",
    "instruction_files": "ctxsteward.instructionFiles",
    "inlay_hint_min_tokens": "ctxsteward.inlayHints.minTokens",
    "handoff_path": "ctxsteward.handoff.path",
}
# The keys the VS Code extension sends them as (vscode-client/src/logic/settings.ts).
VSCODE_KEYS: dict[str, str] = {
    "encoding": "encoding", "profile": "profile", "defaultBudget": "default_budget",
    "contextWindow": "context_window", "maxFileSize": "max_file_size", "exclude": "exclude",
    "instructionFiles": "instruction_files", "inlayHintMinTokens": "inlay_hint_min_tokens",
    "handoffPath": "handoff_path",
}


def parse_settings(options: Any) -> tuple[Settings, ServerOptions, list[str]]:
    """Settings and server options from the client's JSON, plus one message per problem: each
    names the setting as the user set it (the VS Code setting for a key the extension sends,
    else the key as the client sent it), the value given and what is accepted."""
    problems: list[str] = []
    if options is not None and not isinstance(options, dict):
        problems.append(f"settings must be a JSON object of setting names and values, got "
                        f"{type(options).__name__}; using the defaults")
    raw: dict[str, Any] = {}
    names: dict[str, str] = {}  # snake_case field -> the name shown
    for key, value in _section(options).items():
        k = str(key)
        snake = "default_budget" if _snake(k) == "budget" else _snake(k)
        raw[snake] = value
        names[snake] = VSCODE_NAMES[snake] if VSCODE_KEYS.get(k) == snake or \
            (k == "budget" and snake == "default_budget") else k
    analysis = {k: v for k, v in raw.items() if k in Settings.model_fields}
    server = {k: v for k, v in raw.items() if k in ServerOptions.model_fields}
    known = sorted(VSCODE_NAMES.values())
    for k in sorted(set(raw) - set(analysis) - set(server)):
        problems.append(f"unknown setting {names[k]!r} ignored (the extension's settings: "
                        f"{', '.join(known)}; the README lists the others)")
    settings = _validated(Settings, analysis, problems, names)
    opts = _validated(ServerOptions, server, problems, names)
    if settings.default_budget < 0:
        name = names.get("default_budget", "defaultBudget")
        problems.append(f"setting {name} must be a whole number of tokens, 0 or more (0 ranks "
                        f"only), such as {Settings().default_budget:,} (the default), not "
                        f"{settings.default_budget}; using the default")
        settings = settings.model_copy(update={"default_budget": Settings().default_budget})
    from analyzers.tokens import EncodingUnavailable, encoding

    try:
        encoding(settings.encoding)
    except EncodingUnavailable as e:
        name = names.get("encoding", "encoding")
        problems.append(f"setting {name}: {e}; using cl100k_base")
        settings = settings.model_copy(update={"encoding": "cl100k_base"})
    return settings, opts, problems


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:59] + "…"


def _default_of(model: type[Any], name: str) -> str:
    """The default of the field ``name``, as JSON ("" when it has none worth showing)."""
    try:
        value = getattr(model(), name)
    except Exception:  # noqa: BLE001 - a model without defaults: nothing to show
        return ""
    if value is None or isinstance(value, (list, dict)):
        return ""  # none, or too long to be worth reading in a message
    return f" ({_shown(value)})"


def _validated(model: type[M], values: dict[str, Any], problems: list[str],
               names: dict[str, str]) -> M:
    values = dict(values)
    while True:
        try:
            return model(**values)
        except ValidationError as e:
            bad = {str(err["loc"][0]) for err in e.errors() if err["loc"]}
            for err in e.errors():
                loc = [str(p) for p in err["loc"]]
                field = loc[0] if loc else ""
                name = names.get(field, field) or "settings"
                if len(loc) > 1:  # an entry of a list
                    name += f" (entry {int(loc[1]) + 1})" if loc[1].isdigit() else f".{loc[1]}"
                said = error_message(err, name, named=True)
                value = values.get(field)
                if len(loc) == 1 and _shown(value) not in said and repr(value) not in said:
                    said += f" (got {_shown(value)})"
                default = _default_of(model, field) if field and "(the default)" not in said \
                    else ""
                problems.append(f"setting {said}; using the default{default}")
            if not bad or not bad & set(values):
                return model()
            for k in bad:
                values.pop(k, None)


def index_affecting_change(old: Settings, new: Settings) -> bool:
    return any(getattr(old, f) != getattr(new, f) for f in INDEX_FIELDS)
