"""What the MCP tools answer: pydantic models, published as each tool's output schema.

Kept small on purpose: every field costs tokens in every client's ``tools/list``. Each answer has
``tokens`` (its own size: the larger of its text block and the JSON of its structured content, as
clients hand a model one or the other), ``warnings``, and a count or list of what it left out to
stay within its budget.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Omitted(BaseModel):
    path: str
    tokens: int
    why: str


# Task only: [first, last] 1-based lines of the file holding the task's words together (the
# ranking's reason "lines A–B hold ..."), possibly outside what a bundle item shows; left out of
# the answer when there is none (as an empty list it would cost tokens on every entry).
def _focus() -> list[int]:
    """The ``focus`` field (a new one per model)."""
    got: list[int] = Field(default_factory=list, exclude_if=lambda v: not v)  # no description:
    # tools/list stays within issue 9's 1,500 tokens; the tools' descriptions say what it is
    return got


class BundleEntry(BaseModel):
    path: str
    ranges: list[tuple[int, int]]
    symbols: list[str]
    tokens: int
    reasons: list[str]
    redacted: list[int] = Field(default_factory=list, exclude_if=lambda v: not v,
                                description="Lines with a secret masked.")  # none: left out
    focus: list[int] = _focus()


class ExcludedEntry(BaseModel):
    path: str
    reason: str


class BundleAnswer(BaseModel):
    rendered: str
    items: list[BundleEntry]
    left_out: list[Omitted]
    excluded: list[ExcludedEntry] = Field(
        default_factory=list, description="Ranked files never shown, and why.")
    more_left_out: int = 0
    saved: str | None = None
    document_budget: int = 0
    tokens: int
    warnings: list[str] = Field(default_factory=list)


class VerifiedEntry(BaseModel):
    path: str
    status: str
    detail: str = ""


class VerifyAnswer(BaseModel):
    name: str
    created_at: str
    unchanged: int
    moved: int = 0
    changed: int
    vanished: int
    items: list[VerifiedEntry]
    more_items: int = 0
    tokens: int
    warnings: list[str] = Field(default_factory=list)


class DefinitionHit(BaseModel):
    name: str
    kind: str
    lines: tuple[int, int]


class ContextHit(BaseModel):
    path: str
    score: float
    tokens: int
    reasons: list[str]
    definitions: list[DefinitionHit]
    focus: list[int] = _focus()


class FindAnswer(BaseModel):
    results: list[ContextHit]
    more_results: int = 0
    tokens: int
    warnings: list[str] = Field(default_factory=list)


class PathTokens(BaseModel):
    path: str
    tokens: int
    files: int


class InstructionLoad(BaseModel):
    path: str
    tokens: int
    agents: list[str]


class BudgetAnswer(BaseModel):
    total_tokens: int
    paths: list[PathTokens]
    more_paths: int = 0
    instructions: list[InstructionLoad]
    instruction_tokens: int
    tokens: int
    warnings: list[str] = Field(default_factory=list)


class InstructionProblem(BaseModel):
    path: str
    line: int
    code: str
    severity: str
    message: str
    fix: str | None = None


class CheckAnswer(BaseModel):
    files_checked: int
    problems: list[InstructionProblem]
    more_problems: int = 0
    tokens: int
    warnings: list[str] = Field(default_factory=list)


class HandoffAnswer(BaseModel):
    note: str
    path: str
    written: bool
    tokens: int
    warnings: list[str] = Field(default_factory=list)
