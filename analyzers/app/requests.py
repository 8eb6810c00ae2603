"""Typed requests, and the one check of each request's validity (before any work starts)."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzers.app.errors import F, RequestError

DEFAULT_BUDGET = 16_000
# The largest budget a bundle is packed to (CLI, LSP and MCP alike): past the largest context
# windows (1-2M tokens), a budget only makes the candidate pool and the packing grow.
MAX_BUDGET = 2_000_000
FORMATS = ("markdown", "xml", "json")


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
        if not self.seeds and not (self.task and self.task.strip()):
            raise RequestError(f"give at least one {F.seed} or a {F.task}", field="seed")
        if self.format not in FORMATS:
            raise RequestError(f"{F.format} must be one of {', '.join(FORMATS)}",
                               field="format")
