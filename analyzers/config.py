"""Settings shared by every surface (CLI, LSP, MCP): one typed model with defaults.

The models build their validators when first validating (``defer_build``): a CLI call that only
needs the defaults takes ``Settings.model_construct()`` and never pays for pydantic's schema
machinery.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ModelProfile(BaseModel):
    """How token counts translate for a target model.

    ``factor`` corrects counts for models whose tokenizer is unpublished (Claude's counts run
    above cl100k's); 1.0 means the encoding's own count.
    """

    model_config = ConfigDict(defer_build=True)

    name: str = "generic"
    context_window: int = 200_000
    factor: float = 1.0


# Literal, valid values: constructed without validation (which would build the validator on import).
PROFILES: dict[str, ModelProfile] = {
    "generic": ModelProfile.model_construct(name="generic", context_window=200_000, factor=1.0),
    "claude": ModelProfile.model_construct(name="claude", context_window=200_000, factor=1.2),
    "gpt-4": ModelProfile.model_construct(name="gpt-4", context_window=128_000, factor=1.0),
}


class Settings(BaseModel):
    """Every knob of the analysis core, validated once at the edge."""

    model_config = ConfigDict(defer_build=True)

    encoding: str = "cl100k_base"
    profile: str = "generic"
    context_window: int | None = Field(
        default=None, description="Overrides the profile's context window when set."
    )
    max_file_size: int = Field(default=1_048_576, ge=1)
    large_commit_limit: int = Field(
        default=30, ge=1, description="Commits touching more files are ignored for co-change."
    )
    exclude: list[str] = Field(default_factory=list, description="Extra gitignore-style globs.")
    workers: int | None = Field(default=None, description="Parse processes; default: all cores.")
    default_budget: int = 16_000
    instruction_files: list[str] = Field(
        default_factory=lambda: [
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
        ],
        description="Instruction files: a name without '/' matches at any depth; a pattern with "
        "'/' is relative to the root (start it with '**/' to match at any depth).",
    )
    instruction_budget: int = Field(
        default=5_000, ge=1,
        description="Token budget of one instruction file with its @imports expanded, and of "
        "everything an agent loads for one folder.",
    )
    import_depth: int = Field(
        default=5, ge=0, description="@import hops Claude Code follows; deeper imports are dropped."
    )
    drift_threshold: int = Field(
        default=40, ge=1,
        description="Changed lines in a section's referenced files, since the instruction file "
        "last changed, from which the section is reported as drifting.",
    )
    agents_max_bytes: int = Field(
        default=32_768, ge=1, description="Bytes of AGENTS.md files Codex reads (its default)."
    )

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        if value not in PROFILES:
            raise ValueError(
                f"unknown profile {value!r}; choose one of: {', '.join(sorted(PROFILES))}"
            )
        return value

    def model_profile(self) -> ModelProfile:
        base = PROFILES.get(self.profile, PROFILES["generic"])
        if self.context_window:
            return base.model_copy(update={"context_window": self.context_window})
        return base
