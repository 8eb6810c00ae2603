"""Values that leave the instruction checker: diagnostics, reports, and what the editor shows.

Positions here are the one exception to the core's convention (:mod:`analyzers.positions`):
0-based lines and code-point characters, LSP-shaped, as ``ctxsteward check --format json``, the
editor's ``checkInstructions`` result, MCP and this package's API have always published them.
:meth:`Range.core` gives the core range (1-based lines); the language server converts that to the
client's units in :mod:`server.lsp.positions`. A fix replaces ``fix.range`` (usually the
diagnostic's range) with ``fix.replacement``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from analyzers import positions

Severity = Literal["error", "warning", "information", "hint"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "information", "hint")


def severity_counts(severities: Iterable[str]) -> str:
    """How many problems of each severity, most severe first ("6 errors, 4 warnings, 1
    information"; "no problems" when none): the one wording of a check's counts, for every
    edge (the command line, MCP, the language server)."""
    counts = Counter(severities)
    return ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'information' else ''}"
                     for s in SEVERITIES if counts[s]) or "no problems"


class Position(BaseModel):
    line: int = Field(ge=0)
    character: int = Field(ge=0)


class Range(BaseModel):
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, col: int, end_line: int, end_col: int) -> Range:
        return cls(start=Position(line=line, character=col),
                   end=Position(line=end_line, character=end_col))

    def core(self) -> positions.Range:
        """This range in the core's convention: the same columns, lines counted from 1."""
        return positions.Range.of(self.start.line + 1, self.start.character,
                                  self.end.line + 1, self.end.character)


class Fix(BaseModel):
    replacement: str
    title: str = Field(default="", description="What the quick fix does, for its menu entry.")
    range: Range | None = Field(
        default=None, description="What to replace; null means the diagnostic's range.")


class Diagnostic(BaseModel):
    path: str = Field(description="Instruction file, relative to the root, '/'-separated.")
    range: Range
    code: str
    severity: Severity
    message: str
    fix: Fix | None = None


class CheckReport(BaseModel):
    """``ctxsteward check``: every diagnostic of the instruction files checked."""

    files_checked: int
    diagnostics: list[Diagnostic]
    notes: list[str] = Field(
        default_factory=list,
        description="Why some checks could not run (no git, no index, unreadable file).")


class CheckCode(BaseModel):
    code: str
    name: str
    severity: Severity = Field(description="Default severity (some findings use another).")
    summary: str


CODES: dict[str, CheckCode] = {c.code: c for c in [
    CheckCode(code="CS001", name="missing-path", severity="error",
              summary="A referenced path (Markdown link, @import or path-like inline code, or a "
                      "bare file name no file ever had) does not exist; renamed files get a "
                      "quick fix, deleted ones name the commit."),
    CheckCode(code="CS002", name="unknown-symbol", severity="warning",
              summary="A referenced symbol (inline code like `Class.method` or `func()`) appears "
                      "nowhere in the code; a close existing name is suggested."),
    CheckCode(code="CS003", name="stale-command", severity="error",
              summary="A command names a script, target, recipe, module, test, binary or package "
                      "that no longer exists, or needs a build file (Makefile, package.json, "
                      "justfile, Cargo.toml) the repository does not have."),
    CheckCode(code="CS004", name="drift", severity="information",
              summary="A section's referenced files changed substantially after the instruction "
                      "file was last changed."),
    CheckCode(code="CS005", name="oversized", severity="warning",
              summary="The file with its @imports expanded exceeds the token budget."),
    CheckCode(code="CS006", name="import-problem", severity="warning",
              summary="An @import cycle, an import past the depth limit, or an import outside "
                      "the workspace."),
    CheckCode(code="CS007", name="scope-never-fires", severity="warning",
              summary="Scoping globs that match no file, or malformed rule frontmatter."),
    CheckCode(code="CS008", name="missing-anchor", severity="warning",
              summary="A link to a Markdown heading (file.md#anchor) whose heading does not "
                      "exist."),
    CheckCode(code="CS009", name="loaded-over-budget", severity="warning",
              summary="What an agent loads for this folder exceeds the budget, or Codex's "
                      "32 KiB cap on AGENTS.md."),
    CheckCode(code="CS010", name="contradiction", severity="information",
              summary="Files loaded together disagree (command, setting, drifted duplicate "
                      "section), or CLAUDE.md does not import the AGENTS.md beside it."),
]}


# -- editor helpers ---------------------------------------------------------------------------

class DocumentLink(BaseModel):
    range: Range
    target: str = Field(description="Root-relative path, or an absolute path outside the root.")
    kind: Literal["link", "import", "code"]
    exists: bool
    anchor: str | None = None
    line: int | None = Field(default=None, description="0-based line of the anchor's heading.")

    @property
    def target_line(self) -> int | None:
        """The anchor's heading line in the core's convention (1-based), if any."""
        return None if self.line is None else self.line + 1


class HoverInfo(BaseModel):
    range: Range
    target: str
    kind: Literal["link", "import", "code"]
    exists: bool
    is_dir: bool = False
    tokens: int | None = Field(default=None, description="Tokens of the file (with its imports "
                                                         "for an @import).")
    markdown: str = Field(description="Ready-to-show hover text.")


class SectionTokens(BaseModel):
    title: str = Field(description="Heading text; '' for the text before the first heading.")
    level: int = Field(description="Heading level 1-6; 0 for the text before the first heading.")
    range: Range = Field(description="From the heading line to the next heading.")
    tokens: int


class FileSummary(BaseModel):
    """Code lens and inlay hints of one instruction file."""

    path: str
    tokens: int = Field(description="The file alone.")
    tokens_with_imports: int
    budget: int
    imports: list[str]
    sections: list[SectionTokens]


class LoadedFile(BaseModel):
    path: str
    tokens: int
    bytes: int
    reason: str = Field(description="Why it is loaded: ancestor, this folder, nested, imported "
                                    "by X, always-apply rule, matches globs ...")
    conditional: bool = Field(default=False,
                              description="Loaded only when the agent touches matching files.")


class AgentLoad(BaseModel):
    agent: str
    files: list[LoadedFile]
    total_tokens: int = Field(description="Tokens of the files loaded unconditionally.")
    total_bytes: int
    over_budget: bool
    truncated_at: int | None = Field(default=None,
                                     description="Byte cap the agent applies (Codex), if hit.")


class LoadedReport(BaseModel):
    """What each agent loads when it works in ``folder``."""

    folder: str
    budget: int
    agents: list[AgentLoad]
