"""Typed requests, and the one check of each request's validity (before any work starts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analyzers.app.errors import F, RequestError

DEFAULT_BUDGET = 16_000
# The largest budget a bundle is packed to (CLI, LSP and MCP alike): past the largest context
# windows (1-2M tokens), a budget only makes the candidate pool and the packing grow.
MAX_BUDGET = 2_000_000
FORMATS = ("markdown", "xml", "json")
MAX_DECISIONS_SHARE = 0.5  # of a bundle's budget, for its recent decisions section
# A surrogate code point: never text (a command line's byte that is not UTF-8, half of an emoji
# a JSON client cut); no output can encode it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def whole_text(text: str | None) -> str | None:
    """``text`` with each surrogate code point read as U+FFFD (a task is free text: read, not
    refused)."""
    if text is None or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\N{REPLACEMENT CHARACTER}", text)


@dataclass
class BundleRequest:
    """A bundle for seeds and/or a task, packed to ``budget`` tokens (0: rank only)."""

    seeds: list[str] = field(default_factory=list)  # path, path:line or path::symbol
    task: str | None = None
    budget: int = DEFAULT_BUDGET
    limit: int | None = None
    pins: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    format: str = "markdown"  # the rendering the budget is measured in (json uses markdown)
    # False: only the seeds and pins, no ranked files beside them (a bundle the user curates).
    ranked: bool = True
    # The share of the budget the recent decisions section may take (None: the settings'
    # ``decisions_share``; 0: no section).
    decisions_share: float | None = None

    def __post_init__(self) -> None:
        self.task = whole_text(self.task)

    def check(self) -> None:
        """Refuse a request no bundle can answer, naming the field at fault."""
        if self.budget < 0:
            raise RequestError(f"{F.budget} must be 0 (rank only) or a positive number of tokens",
                               field="budget")
        if self.budget > MAX_BUDGET:
            raise RequestError(f"{F.budget} {self.budget:,} is too large: at most "
                               f"{MAX_BUDGET:,} tokens", field="budget")
        if self.limit is not None and self.limit < 1:
            raise RequestError(f"{F.limit} must be at least 1", field="limit")
        if not self.seeds and not (self.task and self.task.strip()) and \
                not (self.pins and not self.ranked):
            if self.task is not None:  # given, but blank (a script's empty variable)
                raise RequestError(f"the {F.task} is empty (or only blanks): say what the agent "
                                   f"is asked to do in words, or give a {F.seed}", field="task")
            raise RequestError(f"give at least one {F.seed} or a {F.task}", field="seed")
        if self.format not in FORMATS:
            raise RequestError(f"{F.format} must be one of {', '.join(FORMATS)}",
                               field="format")
        share = self.decisions_share
        if share is not None and not 0 <= share <= MAX_DECISIONS_SHARE:
            raise RequestError(f"{F.decisions_share} must be between 0 (no decisions section) "
                               f"and {MAX_DECISIONS_SHARE} of the budget",
                               field="decisions_share")


# A saved bundle's name: a file name under .ctxsteward/bundles/, never a path.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
BUNDLE_NAME_RULE = "letters, digits, '.', '_' or '-' only, at most 100 characters"


def bundle_name_ok(name: str) -> bool:
    """Whether ``name`` may name a saved bundle (:func:`check_bundle_name` refuses the rest)."""
    return bool(name.strip()) and _NAME.match(name) is not None and ".." not in name


def check_bundle_name(name: str, field: str = "name") -> None:
    """Refuse a saved bundle's name that is not a plain file name (the one rule for ``save`` and
    ``verify``; ``field``: the request field that holds it)."""
    ref = getattr(F, field)
    if not name.strip():
        raise RequestError(f"{ref} is empty: a bundle name uses letters, digits, '.', '_' or "
                           "'-'", field=field)
    if not _NAME.match(name) or ".." in name:
        shown = repr(name) if len(name) <= 60 else f"{name[:40]!r}… ({len(name):,} characters)"
        raise RequestError(f"{ref} {shown}: a bundle name uses {BUNDLE_NAME_RULE}", field=field)


@dataclass
class VerifyRequest:
    """Which items of the bundle saved as ``name`` are unchanged, moved, changed or vanished."""

    name: str

    def check(self) -> None:
        """Refuse a name no bundle can have been saved under."""
        check_bundle_name(self.name, "verify")


@dataclass
class FindRequest:
    """Files ranked for a free-text task alone (no seed), best first."""

    task: str
    limit: int = 10

    def check(self) -> None:
        """Refuse an empty task or a limit below 1."""
        if not isinstance(self.task, str) or not self.task.strip():
            raise RequestError(f"the {F.task} is empty: say what you are looking for",
                               field="task")
        if self.limit < 1:
            raise RequestError(f"{F.limit} must be at least 1", field="limit")


@dataclass
class BudgetRequest:
    """Token counts of the indexed files and folders under ``paths`` (root-relative; none: the
    whole workspace), shown ``depth`` levels below each path asked for, ``top`` entries per
    folder."""

    paths: list[str] = field(default_factory=list)
    depth: int = 2
    top: int = 15

    def check(self) -> None:
        """Refuse a depth or a number of entries below 1."""
        if self.depth < 1:
            raise RequestError(f"{F.depth} must be at least 1 (levels shown below each path)",
                               field="depth")
        if self.top < 1:
            raise RequestError(f"{F.top} must be at least 1 (entries shown per folder)",
                               field="top")


@dataclass
class CheckRequest:
    """The instruction files under ``paths`` (root-relative; None: all), checked; each limit
    left None keeps the settings' value."""

    paths: list[str] | None = None
    budget: int | None = None  # tokens per file and per folder
    drift_threshold: int | None = None  # changed lines from which a section drifts
    import_depth: int | None = None  # @import hops followed
    use_index: bool = True  # symbol suggestions need the index

    def check(self) -> None:
        """Refuse limits no check can use."""
        if self.budget is not None and self.budget < 1:
            raise RequestError(f"{F.budget} must be a positive number of tokens", field="budget")
        if self.drift_threshold is not None and self.drift_threshold < 1:
            raise RequestError(f"{F.drift_threshold} must be a positive number of changed lines",
                               field="drift_threshold")
        if self.import_depth is not None and self.import_depth < 0:
            raise RequestError(f"{F.import_depth} must be 0 or more", field="import_depth")

    def overrides(self) -> dict[str, int]:
        """The settings this request changes (their names in :class:`Settings`)."""
        values = {"instruction_budget": self.budget, "drift_threshold": self.drift_threshold,
                  "import_depth": self.import_depth}
        return {k: v for k, v in values.items() if v is not None}


# A git revision as a request may name one: not an option (a leading '-'), no whitespace or
# control characters (git allows neither in a ref name), at most 200 characters.
_REF = re.compile(r"^[^\s\x00-\x1f\x7f-][^\s\x00-\x1f\x7f]{0,199}$")
MIN_HANDOFF_BUDGET = 100
# What to do about a base git cannot use (the ref is quoted masked and cut: shown_input).
BASE_HINT = ("use a branch, tag or commit that exists (`git branch -a` lists the branches, "
             "`git tag` the tags, `git log` the commits)")
DEFAULT_HANDOFF_BUDGET = 2_000  # analyzers.handoff.fitting.DEFAULT_BUDGET


@dataclass
class HandoffRequest:
    """The handoff note: work since ``base`` (None: found from the branch), within ``budget``
    tokens; ``test_cmd`` run at the root; ``bundle`` and ``checks`` add a suggested bundle and
    the instruction checks."""

    base: str | None = None
    budget: int = DEFAULT_HANDOFF_BUDGET
    test_cmd: str | None = None
    test_timeout: float | None = None
    bundle: bool = True
    checks: bool = True

    def check(self) -> None:
        """Refuse a base that is not a git ref, a budget too small for a note, a timeout that
        is not positive."""
        if self.base is not None and not _REF.match(self.base):
            from analyzers.secrets import shown_input

            raise RequestError(f"refused: {F.base} {shown_input(self.base)} is not a git ref "
                               "(no blanks or control characters, no '-' first, at most 200 "
                               f"characters); {BASE_HINT}", field="base")
        if self.budget < MIN_HANDOFF_BUDGET:
            raise RequestError(f"{F.budget} must be at least {MIN_HANDOFF_BUDGET} tokens",
                               field="budget")
        if self.test_timeout is not None and not self.test_timeout > 0:
            raise RequestError(f"{F.test_timeout} must be a positive number of seconds",
                               field="test_timeout")


DEFAULT_MAP_BUDGET = 1_500
MIN_MAP_BUDGET = 100
MAX_MAP_BUDGET = 20_000
DEFAULT_MAP_LIMIT = 12  # files in a map: the best few, not a fill of the budget
DEFAULT_MAP_CHARS = 9_500  # under Claude Code's ~10,000 characters shown whole
MIN_MAP_CHARS = 500


@dataclass
class MapRequest:
    """A compact context map for a task: the ranked files with the line ranges of their relevant
    definitions and one reason each, within ``budget`` tokens and ``max_chars`` characters.
    ``seeds``: root-relative files the session touched (ranked from, never listed); ``skip``:
    files listed before (left out); ``changed``: files listed before whose content changed since
    (listed again, saying so); ``bodies``: the top file's relevant definitions in full too;
    ``limit``: at most this many files; ``decisions``: each file's newest recent commit."""

    task: str
    seeds: list[str] = field(default_factory=list)
    budget: int = DEFAULT_MAP_BUDGET
    max_chars: int = DEFAULT_MAP_CHARS
    skip: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    bodies: bool = False
    limit: int = DEFAULT_MAP_LIMIT
    decisions: bool = True  # each file's newest recent commit, one line (issue 19)

    def __post_init__(self) -> None:
        if isinstance(self.task, str):
            self.task = whole_text(self.task) or ""

    def check(self) -> None:
        """Refuse an empty task, a budget or size no map fits in, a limit below 1."""
        if not isinstance(self.task, str) or not self.task.strip():
            raise RequestError(f"the {F.task} is empty: say what you are looking for",
                               field="task")
        if not MIN_MAP_BUDGET <= self.budget <= MAX_MAP_BUDGET:
            raise RequestError(f"{F.budget} must be between {MIN_MAP_BUDGET} and "
                               f"{MAX_MAP_BUDGET:,} tokens", field="budget")
        if self.max_chars < MIN_MAP_CHARS:
            raise RequestError(f"a map needs at least {MIN_MAP_CHARS} characters",
                               field="budget")
        if self.limit < 1:
            raise RequestError(f"{F.limit} must be at least 1", field="limit")
