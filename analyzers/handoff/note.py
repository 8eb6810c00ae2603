"""The handoff note: pydantic models with stable key order and sorted lists, so notes diff cleanly.

Derived fields come from git state, tree-sitter and (optionally) a test run; :class:`HumanSections`
holds what people wrote, which regeneration never changes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

FileStatus = Literal["added", "modified", "deleted", "renamed", "copied", "type_changed"]
BaseSource = Literal["explicit", "upstream", "default_branch", "root_commit", "empty"]


class CommitInfo(BaseModel):
    sha: str
    subject: str


class FileChange(BaseModel):
    path: str = Field(description="Path after the change (the old path for a deletion).")
    status: FileStatus
    old_path: str | None = Field(default=None, description="The path before a rename or copy.")
    added: int | None = Field(default=None, description="Lines added; null for binary files.")
    removed: int | None = Field(default=None, description="Lines removed; null for binary files.")
    untracked: bool = Field(default=False, description="A new file git does not track yet.")
    mode: str | None = Field(
        default=None, description="What git's file mode says, in words, when it matters: "
        "'now executable', 'no longer executable', 'symlink', 'now a symlink', 'submodule' "
        "(null: a plain file, its mode unchanged).")


class ChangeTotals(BaseModel):
    files: int = 0
    added: int = 0
    removed: int = 0


class TouchedDefinition(BaseModel):
    path: str = Field(description="The file now (for a removed definition, where it was).")
    name: str = Field(description="Qualified name: Class.method for a method.")
    kind: str
    change: Literal["added", "modified", "removed"]
    line: int = Field(description="1-based line of the definition (at the base for 'removed').")


class TodoLine(BaseModel):
    path: str
    line: int = Field(description="1-based line in the working tree.")
    tag: Literal["TODO", "FIXME", "XXX"]
    text: str


class InstructionDiagnostic(BaseModel):
    line: int = Field(description="1-based line in the instruction file.")
    code: str
    severity: str
    message: str


class InstructionFile(BaseModel):
    path: str
    applies_to: int = Field(description="How many touched paths this file applies to.")
    aliases: list[str] = Field(
        default_factory=list, description="Symlinks to this file that apply too (CLAUDE.md ...).")
    diagnostics: list[InstructionDiagnostic] = Field(
        default_factory=list, description="Open diagnostics, errors first (at most 10).")
    diagnostics_total: int = 0


class InstructionSummary(BaseModel):
    files: list[InstructionFile] = Field(default_factory=list)
    checked: bool = Field(
        default=False, description="True when staleness diagnostics were computed for them."
    )
    note: str = ""


class TestEvidence(BaseModel):
    command: str
    exit_status: int | None = Field(description="null when the command could not be run, or "
                                    "was stopped (timed_out).")
    timed_out: float | None = Field(
        default=None, description="Seconds after which the run was stopped (it ran, and did not "
        "finish in time: failed); null when it ended by itself or could not be run.")
    passed: bool
    failing: list[str] = Field(default_factory=list, description="Failing test ids, as printed.")
    summary: str = Field(default="", description="The last line of the output, trimmed.")
    commit: str | None
    dirty: bool = Field(description="Uncommitted changes were present when the tests ran.")
    ran_at: str = Field(description="UTC, ISO 8601.")
    stale: bool = Field(
        default=False, description="Files or HEAD changed after the run: it describes older code."
    )
    stale_reason: str = ""
    other_branch: bool = Field(
        default=False, description="The run's commit is not in HEAD's history (another branch's "
        "work: it says nothing about this one)."
    )


class BundleFile(BaseModel):
    path: str
    granularity: str = Field(description="file, symbols, skeleton, focused or excerpt")
    tokens: int


class BundleSuggestion(BaseModel):
    available: bool
    reason: str = Field(default="", description="Why no bundle, when unavailable.")
    task: str | None = None
    seeds: list[str] = Field(default_factory=list)
    budget: int | None = None
    total_tokens: int | None = None
    files: list[BundleFile] = Field(default_factory=list, description="Best first.")


class HumanSections(BaseModel):
    """Written by people; regeneration keeps them byte for byte. Empty means not written yet."""

    goal: str = ""
    status: str = ""
    decisions: str = ""
    open_questions: str = ""
    blockers: str = ""
    next_steps: str = ""
    how_to_verify: str = ""


class Truncation(BaseModel):
    name: str = Field(description="Which derived list was shortened.")
    shown: int
    total: int


class HandoffNote(BaseModel):
    """A structured handoff note: what changed, where the work stands, what to read next."""

    kind: Literal["ctxsteward.handoff"] = "ctxsteward.handoff"
    version: int = 1
    repository: str = Field(description="The work tree's folder name.")
    remote: str | None = Field(default=None, description="origin's URL, credentials removed.")
    branch: str | None = Field(description="null for a detached HEAD.")
    head: str | None = Field(description="null in a repository without commits.")
    base_ref: str | None = Field(description="The ref the base came from (e.g. origin/main).")
    base_source: BaseSource
    base_reason: str = ""
    merge_base: str | None
    generated_at: str = Field(description="UTC, ISO 8601, seconds.")
    commits: list[CommitInfo] = Field(
        default_factory=list, description="Commits from the merge-base to HEAD, newest first."
    )
    commits_total: int = 0
    committed_totals: ChangeTotals = Field(
        default_factory=ChangeTotals, description="Over every committed change, listed or not.")
    committed_changes: list[FileChange] = Field(default_factory=list)
    uncommitted_totals: ChangeTotals = Field(default_factory=ChangeTotals)
    uncommitted_changes: list[FileChange] = Field(default_factory=list)
    touched_definitions: list[TouchedDefinition] = Field(default_factory=list)
    todos: list[TodoLine] = Field(default_factory=list)
    instructions: InstructionSummary = Field(default_factory=InstructionSummary)
    tests: TestEvidence | None = None
    bundle: BundleSuggestion = Field(
        default_factory=lambda: BundleSuggestion(available=False, reason="not computed")
    )
    human: HumanSections = Field(default_factory=HumanSections)
    token_count: int = Field(default=0, description="Tokens of the rendered Markdown note.")
    token_budget: int = 2000
    encoding: str = "cl100k_base"
    truncated: list[Truncation] = Field(default_factory=list)
    omitted: list[str] = Field(
        default_factory=list,
        description="Generated parts the Markdown leaves out to keep within the budget, in the "
        "order they were given up (lowest priority first): intro, prompts (of empty human "
        "sections), bundle, instructions, tests, todos, touched_definitions, commits, "
        "uncommitted_changes, committed_changes, details (summary lines). Text people wrote is "
        "never left out.")
    problems: list[str] = Field(
        default_factory=list, description="What could not be derived, and why."
    )


class WriteResult(BaseModel):
    """What writing a note file did."""

    requested: str = Field(description="The note file asked for.")
    path: str = Field(description="The file written (beside the requested one when it was unsafe).")
    wrote_beside: bool = False
    created: bool = Field(description="The written file did not exist before.")
    changed: bool = Field(description="The written file's content changed.")
    message: str
    problems: list[str] = Field(default_factory=list)
    kept_blocks: list[str] = Field(
        default_factory=list, description="Generated blocks left as they were, and why: a "
        "person edited inside one, or it is not one ctxsteward wrote (an example of a block).")
