"""Pydantic models for everything that leaves the process (CLI ``--json``, LSP, MCP).

``ctxsteward schema NAME`` prints the JSON Schema of these models. Each builds its validator when
first used (``defer_build``), not on import: a CLI call that makes one bundle does not pay for the
schemas of every other output.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel as _PydanticModel
from pydantic import ConfigDict, Field, PrivateAttr


class BaseModel(_PydanticModel):
    """pydantic's BaseModel, validators built on first use."""

    model_config = ConfigDict(defer_build=True)


class SkippedFile(BaseModel):
    path: str
    reason: str = Field(
        description="binary, too_large, undecodable, undecodable_name, excluded, symlink, "
        "symlink_outside_root, symlink_loop, broken_symlink, vanished, unreadable, not_a_file, "
        "submodule"
    )
    detail: str = ""


class LanguageCount(BaseModel):
    language: str
    files: int
    tokens: int
    definitions: int


class HistorySummary(BaseModel):
    head: str | None
    branch: str | None
    commits_read: int = Field(description="Commits read by this run (0 when nothing was new).")
    commits_total: int
    shallow: bool
    incremental: bool


class IndexReport(BaseModel):
    """The summary of one ``ctxsteward index`` run."""

    root: str
    in_git: bool
    encoding: str = Field(description="The tokenizer encoding of every token count here.")
    profile: str = Field(
        default="generic",
        description="The model profile in the settings. Counts here are the encoding's own; a "
        "profile with a correction factor scales them where bundles and budgets are measured.")
    files: int
    files_parsed: int = Field(description="Files parsed by this run (the rest were cached).")
    files_removed: int
    definitions: int
    tokens: int
    languages: list[LanguageCount]
    skipped: list[SkippedFile]
    skipped_by_reason: dict[str, int]
    history: HistorySummary | None
    large_commit_limit: int = Field(
        default=30, description="Commits touching more files are ignored for co-change.")
    large_commits: int = Field(
        default=0, description="Commits over that limit: kept as history, ignored for co-change.")
    seconds: float
    warnings: list[str]


class SnapshotResult(BaseModel):
    """What ``index --export`` wrote or ``index --import`` installed."""

    path: str = Field(description="The snapshot file.")
    head: str = Field(description="The commit the snapshot indexes.")
    files: int = Field(description="Files in the snapshot (after an import: those installed).")
    bytes: int = Field(description="Size of the snapshot file.")
    dropped: int = Field(default=0, description="Export: files left out (local changes, "
                                                "untracked files).")
    stale: int = Field(default=0, description="Import: files whose content differs here "
                                              "(read again).")
    graph: bool = Field(default=False, description="Export: the ranking graph is in the "
                                                   "snapshot. Import: it was installed (the "
                                                   "clone is at the snapshot's commit), so the "
                                                   "first bundle need not build it unless the "
                                                   "refresh changed something.")


class SnapshotMember(BaseModel):
    """A member of a snapshot besides the manifest, as the manifest names it."""

    name: str = Field(description="Its name in the tar archive.")
    sha256: str = Field(pattern="^[0-9a-f]{64}$", description="SHA-256 of its bytes.")
    size: int = Field(ge=0, description="Its size in bytes, unpacked.")


class SnapshotRepository(BaseModel):
    """Which repository and commit a snapshot indexes."""

    root_commits: list[str] = Field(min_length=1, description="The repository's root commits.")
    head: str = Field(description="The commit indexed.")


class SnapshotManifest(BaseModel):
    """``manifest.json``, the first member of an index snapshot (``ctxsteward index --export``):
    what the snapshot holds and what an import checks it against."""

    format: Literal["ctxsteward-index-snapshot"]
    format_version: int = Field(description="The snapshot format (1).")
    tool_version: str = Field(description="The Context Steward that wrote it.")
    schema_version: int = Field(description="The index schema of its index.sqlite.")
    fingerprint: str = Field(description="The settings the index depends on (encoding|max "
                                         "file size).")
    repository: SnapshotRepository
    payload: SnapshotMember = Field(description="index.sqlite, the index.")
    graph: SnapshotMember | None = Field(default=None, description="graph.bin, the ranking "
                                                                   "graph, when it is the "
                                                                   "index's.")
    files: list[tuple[str, str]] = Field(description="Every file of the index: workspace-"
                                                     "relative path and content hash ('' for "
                                                     "a skipped file).")


class SnapshotReport(BaseModel):
    """The report of ``ctxsteward index --export FILE`` or ``--import FILE``."""

    ok: Literal[True] = True
    action: Literal["export", "import"]
    snapshot: SnapshotResult
    index: IndexReport = Field(description="The index as brought up to date (after the import, "
                                           "by the refresh).")


class BudgetNode(BaseModel):
    path: str = Field(
        description="Folder (ending in '/') or file path relative to the root; '.' is the root."
    )
    kind: str = Field(description="'dir' or 'file'")
    tokens: int = Field(description="The files' tokens, scaled by the profile's factor once, from "
                                    "their exact sum (as `ctxsteward index` scales its total)")
    files: int
    share: float = Field(description="tokens / context window")
    children: list[BudgetNode] = Field(default_factory=list)
    # The encoding's own count (before the profile's factor), so that any sum of nodes is scaled
    # once (:func:`analyzers.tokentree.scaled_sum`), never a sum of figures each rounded up.
    _raw: int = PrivateAttr(default=0)


class BudgetReport(BaseModel):
    """``ctxsteward budget``: a token tree, largest first, like a disk-usage view."""

    root: str
    encoding: str
    profile: str
    context_window: int
    total_tokens: int
    tree: list[BudgetNode]
    missing: list[str] = Field(default_factory=list, description="Requested paths not indexed.")
    skipped: dict[str, int] = Field(
        default_factory=dict,
        description="Files under the paths asked for that the index skips, so not counted, by "
                    "reason (binary, image: an SVG, too_large, symlink...; `ctxsteward index` "
                    "lists them).")


class BundleItem(BaseModel):
    """A file of the bundle: what of it is shown (``granularity``, ``ranges``), why it ranked.

    ``focus`` (task-only bundles) is the stretch of the file's lines that holds the task's words
    together, as the learned re-ranking read it (the reason "lines A–B hold ..."): where to start
    reading, or open the file. It is given whenever the ranking found such a stretch, also when
    the item shows other lines of the file (a skeleton, some definitions): the file is opened
    anyway, and ``ranges`` says whether those lines are shown. ``None`` with a seed (seeded
    queries do not run the re-ranking), for seeds and pins, and when no stretch was telling."""

    path: str
    tier: Literal["core", "related", "peripheral"]
    granularity: Literal["file", "symbols", "skeleton", "focused", "excerpt"] = Field(
        description="file (whole), symbols (definitions), skeleton (signatures only), focused "
                    "(a large seed: the ranges in full_ranges whole, signatures of the rest) or "
                    "excerpt (a file with no definitions, or a definition too large to show whole, "
                    "named in symbols: the lines in ranges, those holding the task's words, "
                    "else its top)")
    ranges: list[tuple[int, int]] = Field(description="1-based inclusive line ranges included.")
    symbols: list[str] = Field(
        description="Definitions included (qualified names); empty for a whole file; focused: "
                    "those shown in full.")
    full_ranges: list[tuple[int, int]] = Field(
        default_factory=list,
        description="focused: the ranges shown in full (the rest of ranges are signatures).")
    tokens: int = Field(description="Tokens of this item as rendered (header and all).")
    score: float
    reasons: list[str]
    focus: tuple[int, int] | None = Field(
        default=None,
        description="Task only: the 1-based inclusive lines holding the task's words together "
                    "(first, last), possibly outside ranges; null when none stood out.")


class ExcludedFile(BaseModel):
    """A file left out whole: by an exclude glob, by a secret-bearing name (``.env*``, keys,
    credential files), as secret material as a whole (a private key, a file at least half of
    whose non-blank lines hold a secret), or unreadable."""

    path: str
    reason: str


class RedactedFile(BaseModel):
    """An item shown with its secret values masked as ``[redacted: KIND]`` (the rest of each line,
    and the line numbers, as in the file)."""

    path: str
    lines: list[int] = Field(description="1-based lines, among those shown, with a value masked.")
    kinds: list[str] = Field(description="The kinds of secret masked (e.g. 'Secret Keyword').")


class LeftOutFile(BaseModel):
    """A ranked file the budget had no room for (best first)."""

    path: str
    tokens: int = Field(description="Tokens of the whole file.")
    score: float
    reason: str = Field(description="Why it ranked: its first reason.")
    cause: Literal["size", "limit"] = Field(
        "size", description="Why it is not in the bundle: 'size' (the budget had no room for it) "
        "or 'limit' (the bundle holds the --limit files asked for).")


class DecisionEntry(BaseModel):
    """A recent decision about the bundle's core files: a commit that changed them, or a section
    of the handoff note that names them (secrets redacted)."""

    kind: Literal["commit", "handoff-decisions", "handoff-open-questions"]
    ref: str = Field(description="The commit's short sha, or the note and its section.")
    date: str = Field(description="The commit's day (UTC, YYYY-MM-DD), or the note's last change.")
    text: str = Field(description="The subject and the first lines of the body, or the section.")
    files: list[str] = Field(description="The bundle's core files it touches or names.")
    mentions: list[str] = Field(
        default_factory=list,
        description="Ids of the pull requests and issues it names (#123, GH-12, !45, PROJ-123).")


class Bundle(BaseModel):
    """A ranked, explained context bundle packed to a token budget (items best first)."""

    task: str | None
    seeds: list[str]
    budget: int = Field(description="Token budget; 0 means rank only (no packing limit).")
    total_tokens: int = Field(description="Tokens of the rendered bundle, headers and all.")
    encoding: str
    items: list[BundleItem]
    excluded: list[ExcludedFile]
    redacted: list[RedactedFile] = Field(
        default_factory=list,
        description="Items shown with secret values masked, and where (the token counts are of "
        "the masked text).")
    left_out: list[LeftOutFile] = Field(
        default_factory=list,
        description="The best-ranked files the budget had no room for (at most 20).")
    decisions: list[DecisionEntry] = Field(
        default_factory=list,
        description="Recent decisions about the core files (commits, handoff note sections), "
        "within the decisions share of the budget; not checked by verify (history, not "
        "content).")
    notes: list[str] = Field(
        default_factory=list,
        description="What the reader should know of how the files were chosen (a task none of "
        "whose words any file holds: the files are the most recently changed).")


class SavedRange(BaseModel):
    """One line range of a saved item, hashed on its own so it can be found again if it moves."""

    lines: tuple[int, int] = Field(description="1-based inclusive lines when saved.")
    hash: str = Field(description="Hash of exactly these lines.")
    first_line_hash: str = Field(description="Hash of the range's first line (a quick filter).")


class SavedItem(BaseModel):
    """An item's hashes: each of the text as the agent was shown it (secret values masked)."""

    path: str
    ranges: list[tuple[int, int]]
    file_hash: str
    content_hash: str = Field(description="Hash of exactly the lines the agent saw.")
    range_hashes: list[SavedRange] = Field(
        default_factory=list,
        description="Per-range hashes (format 2 on); empty in bundles saved by format 1.")


class SavedBundle(BaseModel):
    format_version: int = Field(
        default=1, description="1: one hash per item; 2: also one hash per line range.")
    name: str
    created_at: str
    head: str | None
    bundle: Bundle
    hashes: list[SavedItem]


class VerifiedItem(BaseModel):
    path: str
    status: Literal["unchanged", "changed", "vanished", "moved"] = Field(
        description="unchanged: the lines the agent saw are where they were; moved: the same "
        "lines are in the file at other line numbers (see ranges_now); changed: they differ now "
        "(or, for an item shown whole, the file changed at all); vanished: the file is gone.")
    detail: str = ""
    ranges: list[tuple[int, int]] = Field(
        default_factory=list, description="The lines the agent saw (1-based, inclusive).")
    ranges_now: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Where those lines are now, pairwise with ranges (unchanged and moved items; "
        "empty when changed or vanished).")
    path_now: str | None = Field(
        default=None,
        description="Vanished items only: the file it was renamed or moved to since (git's rename "
        "detection against the commit the bundle was saved at, committed, staged or not; else a "
        "file of the same name with the same text), when one is found; detail says whether the "
        "lines the agent saw are there.")


class VerifyReport(BaseModel):
    """``ctxsteward bundle --verify NAME``: is what the agent saw still true?"""

    name: str
    created_at: str
    head_then: str | None
    head_now: str | None
    unchanged: int
    moved: int = 0
    changed: int
    vanished: int
    items: list[VerifiedItem]
