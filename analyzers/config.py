"""Settings shared by every surface (CLI, LSP, MCP): one typed model with defaults.

Plain dataclasses, so that reading the defaults imports nothing: a warm CLI query never loads
pydantic, which costs it more than its whole ranking. Values given from outside (``Settings(...)``,
``Settings.model_validate``: command-line options, editor settings) are validated and coerced by a
pydantic model generated from these very fields on first use, and a bad value raises pydantic's
``ValidationError`` with pydantic's message, as when Settings was a pydantic model (the edges
word it with :func:`error_message`: what the setting must be, never pydantic's words). The pydantic
methods the edges use (``model_validate``, ``model_construct``, ``model_copy``, ``model_dump``,
``model_fields``) keep their meaning.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, TypeVar

_S = TypeVar("_S", bound="Settings")


@dataclass
class ModelProfile:
    """How token counts translate for a target model.

    ``factor`` corrects counts for models whose tokenizer is unpublished (Claude's counts run
    above cl100k's); 1.0 means the encoding's own count.
    """

    name: str = "generic"
    context_window: int = 200_000
    factor: float = 1.0

    def model_copy(self, *, update: dict[str, Any] | None = None) -> ModelProfile:
        return dataclasses.replace(self, **(update or {}))


PROFILES: dict[str, ModelProfile] = {
    "generic": ModelProfile(name="generic", context_window=200_000, factor=1.0),
    "claude": ModelProfile(name="claude", context_window=200_000, factor=1.2),
    "gpt-4": ModelProfile(name="gpt-4", context_window=128_000, factor=1.0),
}


def _rule(description: str = "", **constraints: Any) -> dict[str, Any]:
    """A field's metadata: its description and pydantic constraints (``ge=1``...)."""
    return {"description": description, "constraints": constraints}


def _instruction_files() -> list[str]:
    return [
        "CLAUDE.md",
        "CLAUDE.local.md",
        ".claude/CLAUDE.md",
        "AGENTS.md",
        "GEMINI.md",
        ".github/copilot-instructions.md",
        ".github/instructions/*.instructions.md",
        ".cursorrules",
        ".cursor/rules/*.mdc",
        ".claude/rules/**/*.md",
        ".windsurfrules",
    ]


@dataclass(init=False)
class Settings:
    """Every knob of the analysis core, validated once at the edge."""

    encoding: str = "cl100k_base"
    profile: str = "generic"
    context_window: int | None = field(
        default=None, metadata=_rule("Overrides the profile's context window when set.", ge=1))
    max_file_size: int = field(default=1_048_576, metadata=_rule(ge=1))
    large_commit_limit: int = field(default=30, metadata=_rule(
        "Commits touching more files are ignored for co-change.", ge=1))
    exclude: list[str] = field(default_factory=list,
                               metadata=_rule("Extra gitignore-style globs."))
    workers: int | None = field(default=None,
                                metadata=_rule("Parse processes; default: all cores."))
    default_budget: int = 16_000
    instruction_files: list[str] = field(default_factory=_instruction_files, metadata=_rule(
        "Instruction files: a name without '/' matches at any depth; a pattern with '/' is "
        "relative to the root (start it with '**/' to match at any depth)."))
    instruction_budget: int = field(default=5_000, metadata=_rule(
        "Token budget of one instruction file with its @imports expanded, and of everything an "
        "agent loads for one folder.", ge=1))
    import_depth: int = field(default=5, metadata=_rule(
        "@import hops Claude Code follows; deeper imports are dropped.", ge=0))
    drift_threshold: int = field(default=40, metadata=_rule(
        "Changed lines in a section's referenced files, since the instruction file last changed, "
        "from which the section is reported as drifting.", ge=1))
    agents_max_bytes: int = field(default=32_768, metadata=_rule(
        "Bytes of AGENTS.md files Codex reads (its default).", ge=1))

    decisions_share: float = field(default=0.1, metadata=_rule(
        "Share of a bundle's budget its recent decisions section may take (0 turns it off).",
        ge=0.0, le=0.5))
    decisions_days: int = field(default=30, metadata=_rule(
        "Days of history before the newest commit whose commits count as recent decisions.",
        ge=1))
    decisions_commits: int = field(default=8, metadata=_rule(
        "Commits at most in a bundle's recent decisions section.", ge=0))

    # The fields by name (membership tests, as with pydantic's ``model_fields``).
    model_fields: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init__(self, **values: Any) -> None:
        """Defaults for what is not given; what is given is validated and coerced by pydantic's
        rules (unknown names are ignored, as pydantic does)."""
        given = {k: v for k, v in values.items() if k in self.model_fields}
        checked = _validator().model_validate(given) if given else None
        for name, f in self.model_fields.items():
            validated = checked is not None and name in given
            object.__setattr__(self, name, getattr(checked, name) if validated else _default(f))

    @classmethod
    def model_validate(cls: type[_S], values: dict[str, Any]) -> _S:
        return cls(**values)

    @classmethod
    def model_construct(cls: type[_S], **values: Any) -> _S:
        """Without validation: for values known to be valid."""
        out = cls.__new__(cls)
        for name, f in cls.model_fields.items():
            object.__setattr__(out, name, values[name] if name in values else _default(f))
        return out

    def model_copy(self: _S, *, update: dict[str, Any] | None = None) -> _S:
        """A shallow copy with ``update`` applied, not validated (as pydantic's)."""
        values = {name: getattr(self, name) for name in self.model_fields}
        return type(self).model_construct(**{**values, **(update or {})})

    def model_dump(self) -> dict[str, Any]:
        return {name: list(v) if isinstance(v, list) else v
                for name in self.model_fields for v in (getattr(self, name),)}

    def model_profile(self) -> ModelProfile:
        base = PROFILES.get(self.profile, PROFILES["generic"])
        if self.context_window:
            return base.model_copy(update={"context_window": self.context_window})
        return base


Settings.model_fields = {f.name: f for f in dataclasses.fields(Settings)}


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


# What a value should have been, by the kind of pydantic's error, in our words.
_KINDS = {"float_parsing": "a number", "float_type": "a number", "finite_number": "a finite number",
          "int_parsing": "a whole number", "int_type": "a whole number",
          "int_from_float": "a whole number", "bool_parsing": "true or false",
          "bool_type": "true or false", "string_type": "text (a string)", "list_type": "a list",
          "dict_type": "an object", "missing": "given"}
_BOUNDS = {"greater_than_equal": "at least", "greater_than": "more than",
           "less_than_equal": "at most", "less_than": "less than"}


def expected_of(err: Mapping[str, Any]) -> str | None:
    """What the value of one of pydantic's errors should have been, from the error's kind
    ("a number", "at least 500"); None for a kind we do not word."""
    kind = err.get("type")
    if kind in _BOUNDS:
        limit = next(iter((err.get("ctx") or {}).values()), "?")
        return f"{_BOUNDS[kind]} {limit}"
    return _KINDS.get(str(kind))


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


_SCALARS: dict[Any, str] = {bool: "true or false", int: "a whole number", float: "a number",
                            str: "text"}


def _type_words(hint: Any) -> str:
    """A type annotation in words: ``list[str]`` "a list of text (e.g. ["x"])", ``int | None``
    "a whole number", ``Literal["a", "b"]`` "one of 'a', 'b'"."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):  # Optional[X] (None: the default) is X
        kinds = [a for a in args if a is not type(None)]
        return " or ".join(_type_words(a) for a in kinds) if kinds else "a value"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (list, tuple, set, frozenset):
        item = args[0] if args else Any
        example = '["x"]' if item is str else "[1]" if item in (int, float) else "[...]"
        of = {str: "text", int: "whole numbers", float: "numbers"}.get(item)
        return f"a list{f' of {of}' if of else ''} (e.g. {example})"
    return _SCALARS.get(hint, "a value")


def setting_expects(name: str) -> str | None:
    """What the setting ``name`` takes, in words, with its default as an example: "a number
    from 0 to 0.5, such as 0.1 (the default)", "a whole number of at least 1"; None for a name
    that is no setting."""
    f = Settings.model_fields.get(name)
    if f is None:
        return None
    words = _type_words(typing.get_type_hints(Settings)[name])
    if name == "profile":
        words = f"the name of a profile ({', '.join(sorted(PROFILES))})"
    limits = (f.metadata or _rule())["constraints"]
    low, high = limits.get("ge"), limits.get("le")
    if low is not None and high is not None:
        words += f" from {_number(low)} to {_number(high)}"
    elif low is not None:
        words += f" of at least {_number(low)}"
    default = _default(f)
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        words += f", such as {_number(default)} (the default)"
    return words


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def error_message(err: Mapping[str, Any], name: str | None = None, *,
                  setting: bool = True, named: bool = False) -> str:
    """One of pydantic's validation errors (``ValidationError.errors()``) in our words, never
    pydantic's ("Input should be a valid number"): a validator's own message as it wrote it
    ("unknown profile 'gpt-5': choose one of ..."), not pydantic's "Value error, ..."; else
    "NAME must be WHAT, not VALUE": NAME as the edge calls it (``name``; else the error's
    location), WHAT what a setting of that name takes (:func:`setting_expects`, when ``setting``)
    or else what the error's kind asks for (:func:`expected_of`). ``named``: the validator's
    message after "NAME: " too."""
    loc = tuple(err.get("loc") or ())
    subject = name or ".".join(str(p) for p in loc) or "the value"
    error = (err.get("ctx") or {}).get("error")
    if err.get("type") == "value_error" and error is not None:
        return f"{subject}: {error}" if named else str(error)
    want = setting_expects(str(loc[0])) if setting and len(loc) == 1 else None
    want = want or expected_of(err)
    if want is None:
        msg = str(err.get("msg", "invalid value"))
        return f"{subject}: {msg[:1].lower()}{msg[1:]}"
    if err.get("type") == "missing":
        return f"{subject} must be given"
    return f"{subject} must be {want}, not {_shown(err.get('input'))}"


def _known_profile(cls: type, value: str) -> str:  # a pydantic field validator
    if value not in PROFILES:
        raise ValueError(
            f"unknown profile {value!r}: choose one of {', '.join(sorted(PROFILES))}"
        )
    return value


@cache
def _validator() -> Any:
    """The pydantic model of :class:`Settings` (same name, fields, defaults and constraints)."""
    from pydantic import Field, create_model, field_validator

    hints = typing.get_type_hints(Settings)
    fields: dict[str, Any] = {}
    for name, f in Settings.model_fields.items():
        rule = f.metadata or _rule()
        kwargs: dict[str, Any] = dict(rule["constraints"])
        if rule["description"]:
            kwargs["description"] = rule["description"]
        if f.default_factory is not dataclasses.MISSING:
            kwargs["default_factory"] = f.default_factory
        else:
            kwargs["default"] = f.default
        fields[name] = (hints[name], Field(**kwargs))
    validators = {"_known_profile": field_validator("profile")(_known_profile)}
    return create_model("Settings", __validators__=validators, **fields)
