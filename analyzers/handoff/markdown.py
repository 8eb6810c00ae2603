"""The handoff note as Markdown: derived content in marked generated blocks, human sections outside.

A generated block is the text between two marker lines::

    <!-- ctxsteward:generated:begin NAME -->
    ...replaced on every regeneration...
    <!-- ctxsteward:generated:end NAME -->

Everything outside the blocks belongs to people. Regenerating against an existing note replaces
only the inside of each block and the ``sha=`` of its begin marker (the rest of the marker lines
stays as it was), so every byte outside them survives. A note whose markers do not pair up
cannot be updated safely: :func:`parse_note` reports why and :func:`render_markdown` refuses it.

The begin marker records a digest of the content written with it
(``<!-- ctxsteward:generated:begin work sha=012345678901 -->``: :func:`digest`). A block is
replaced only when its content still has that digest, or when no block of the note has one (a
note written before digests were recorded). Any other block is left exactly as it is: a person
edited inside it, or it is not ours at all (a person's example of a block, quoted in a code
fence, that a reader mistook for the real one: see :mod:`analyzers.handoff.headings`). This does
not depend on how the note is read, so no reading mistake can replace text a person wrote. A
name none of whose blocks is replaced gets a new block at the end of the note, so the note still
holds what is generated, and :func:`kept_blocks` says so (never asking the person to delete what
may be their example); from then on that block is the one replaced, and the kept one is the
person's text (a name may have several blocks when at most one holds its digest).
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from analyzers.handoff.headings import Heading, closing_line, note_structure
from analyzers.handoff.note import FileChange, HandoffNote, HumanSections, TouchedDefinition
from analyzers.printable import plural, printable
from analyzers.tokens import Counter

BEGIN = "<!-- ctxsteward:generated:begin {} -->"
END = "<!-- ctxsteward:generated:end {} -->"
_MARKER = re.compile(
    r"^<!-- ctxsteward:generated:(begin|end) ([A-Za-z0-9_-]+)(?: sha=([0-9]{12}))? -->[ \t]*$")
SHA_CHARS = 12
_LOOSE_MARKER = re.compile(r"ctxsteward:generated:(begin|end)")
BLOCKS = ("summary", "work", "checks")
BOM = "\ufeff"

# Human sections: the heading we write, the names we recognise, the prompt shown when empty.
SECTIONS: list[tuple[str, str, tuple[str, ...], str]] = [
    ("goal", "Goal", ("goal", "goals", "objective"),
     "What this work is for, in a sentence or two."),
    ("status", "Status", ("status", "status summary", "where things stand", "state"),
     "Where things stand: what is done, what is half done, what is not started."),
    ("decisions", "Decisions", ("decisions", "decisions made", "design decisions"),
     "What was decided, why, and what was rejected."),
    ("open_questions", "Open questions", ("open questions", "questions"),
     "What is still undecided or unknown."),
    ("blockers", "Blockers", ("blockers", "blocked on", "blocked by"),
     "What stops progress, and who or what can unblock it."),
    ("next_steps", "Next steps", ("next steps", "next", "todo next", "next actions"),
     "The next concrete actions, in order."),
    ("how_to_verify", "How to verify", ("how to verify", "verification", "verify", "testing"),
     "Commands that show the work is right."),
]
_ALIASES = {alias: key for key, _, aliases, _ in SECTIONS for alias in aliases}
_COMMENT = re.compile(r"<!--.*?-->", re.S)


class NoteParseError(ValueError):
    """An existing note whose generated blocks cannot be located safely."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(slots=True)
class Block:
    name: str
    content_start: int  # offset just after the begin marker's line break
    content_end: int  # offset of the start of the end marker line
    marker: tuple[int, int] = (0, 0)  # the begin marker's offsets, ``<!--`` to ``-->``
    sha: str | None = None  # the digest its begin marker records
    line: int = 0  # the begin marker's line (1-based)


@dataclass(slots=True)
class ParsedNote:
    blocks: list[Block] = field(default_factory=list)
    human: HumanSections = field(default_factory=HumanSections)
    other_sections: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    newline: str = "\n"
    kept: list[int] | None = None  # which blocks are left as they are (see _kept), once known
    twice: list[tuple[str, str]] = field(default_factory=list)  # a name's second block, and why
    # the line that closes the fenced code or HTML block the note ends in (a person's, never
    # closed), written before a block appended at the end: else that block would be in it
    open_at_end: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# -- parsing ------------------------------------------------------------------------------------

def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    """Lines split at ``\n`` only (as Markdown parsers count them), with their offsets."""
    return [(m.start(), m.group()) for m in re.finditer(r"[^\n]*\n|[^\n]+$", text)]


_EMPHASIS = re.compile(r"[*_`]")
_SPACES = re.compile(r"\s+")


def _normalise_heading(s: str) -> str:
    s = _EMPHASIS.sub("", s).strip().rstrip(":").strip().lower()
    return _SPACES.sub(" ", s)


def parse_note(text: str, sections: bool = True) -> ParsedNote:
    """Locate the generated blocks and the human sections of an existing note (a copy of the
    last parse of the same text: a note is read, then parsed again by its reader, and a note of
    megabytes takes seconds). ``sections`` is no longer used: where the blocks are depends on
    how Markdown reads the note (a marker quoted in a code fence is text)."""
    note = _parse_note(text)
    return dataclasses.replace(  # (a copy: its lists and blocks are the caller's to change)
        note, blocks=[copy.copy(b) for b in note.blocks], human=note.human.model_copy(),
        other_sections=list(note.other_sections), problems=list(note.problems))


@functools.lru_cache(maxsize=4)
def _parse_note(text: str) -> ParsedNote:
    note = ParsedNote(newline="\r\n" if "\r\n" in text else "\n")
    lines = _lines_with_offsets(text)
    # A byte order mark (an editor's) stays in the file as written, but is no part of the first
    # line as Markdown and the markers read it.
    bare_lines = [line for _, line in lines]
    if bare_lines and bare_lines[0].startswith(BOM):
        bare_lines[0] = bare_lines[0][len(BOM):]
    marks = _first_marks(bare_lines)
    headings, quoted = note_structure(
        bare_lines, lambda title: _normalise_heading(title) in _ALIASES, marks)
    block_lines = _read_blocks(lines, bare_lines, _Quoted(quoted), note)
    if quoted and quoted[-1][1] > len(bare_lines):
        note.open_at_end = closing_line(bare_lines[quoted[-1][0]])
    _resolve_twice(text, note)
    if not note.blocks and not note.problems:
        note.problems.append(
            "no ctxsteward generated blocks: this file was not written by `ctxsteward handoff`")
    _read_sections(text, lines, [h for h in headings if h[0] + 1 not in block_lines],
                   block_lines, note)
    return note


def _first_marks(lines: list[str]) -> frozenset[int]:
    """The marker lines that end a fenced code or HTML block a person left open (see
    :mod:`analyzers.handoff.headings`): of each name, its first begin marker and the first end
    marker after it. A later pair of a name already begun is a copy, a person's text where a
    block they opened holds it (a block pasted in a fence never closed, at the note's end)."""
    begun: set[str] = set()
    ended: set[str] = set()
    out = []
    for no, line in enumerate(lines):
        if "ctxsteward:generated:" not in line:
            continue
        m = _MARKER.match(line.rstrip("\r\n"))
        if m is None or m.group(2) not in BLOCKS:
            continue
        kind, name = m.group(1), m.group(2)
        if kind == "begin" and name not in begun:
            begun.add(name)
            out.append(no)
        elif kind == "end" and name in begun and name not in ended:
            ended.add(name)
            out.append(no)
    return frozenset(out)


def _holds_digest(text: str, b: Block) -> bool:
    return b.sha is not None and digest(text[b.content_start:b.content_end]) == b.sha


def _resolve_twice(text: str, note: ParsedNote) -> None:
    """A name with more than one block is a problem, unless the note records digests and at
    most one of them still holds its digest: that one is ours (replaced), the others are the
    person's text (a block they edited, or an example of one: see :func:`_kept`)."""
    if not note.twice:
        return
    recorded = any(b.sha is not None for b in note.blocks)
    for name, problem in note.twice:
        if not recorded or sum(1 for b in note.blocks
                               if b.name == name and _holds_digest(text, b)) > 1:
            note.problems.append(problem)


def _may_be_marker(line: str) -> bool:
    """Whether a line naming a marker of ours reads as one a person damaged: a comment indented
    at most three columns (an HTML block to Markdown). One indented four or more (a tab) is code
    or a paragraph's text: a person's example (``    <!-- ctxsteward:generated:begin work -->``
    in an indented code block), for both readers (see :mod:`analyzers.handoff.headings`)."""
    text = line.lstrip()
    return text.startswith("<!--") and len(line[:len(line) - len(text)].expandtabs(4)) < 4


class _Quoted:
    """Whether a line is inside a fenced code or HTML block (quoted text: a marker there is
    text), from the blocks' spans in order."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.starts = [s for s, _ in spans]

    def __contains__(self, no: int) -> bool:
        at = bisect.bisect_left(self.starts, no) - 1
        return at >= 0 and no < self.spans[at][1]


def _read_blocks(lines: list[tuple[int, str]], bare_lines: list[str], quoted: _Quoted,
                 note: ParsedNote) -> set[int]:
    """The generated blocks (markers of the names this format writes, outside fenced code and
    HTML blocks: a block quoted there, or one of another name, is a person's text) into
    ``note``, its problems too; the line numbers (1-based) of the blocks and their markers."""
    open_block: _Open | None = None
    names: set[str] = set()
    block_lines: set[int] = set()
    for no, ((offset, line), bare) in enumerate(zip(lines, bare_lines, strict=True), start=1):
        if "ctxsteward:generated:" not in bare:  # (most lines: no marker, damaged or not)
            if open_block is not None:
                block_lines.add(no)
            continue
        bare = bare.rstrip("\r\n")
        if no - 1 in quoted:
            m = None
        elif (m := _MARKER.match(bare)) is None and _LOOSE_MARKER.search(bare) and \
                _may_be_marker(bare):
            note.problems.append(f"line {no}: a damaged generated-block marker: "
                                 f"{bare.strip()!r}")
        if m is not None and (m.group(2) in BLOCKS or open_block is not None):
            start = offset + len(line) - len(bare_lines[no - 1])  # (past a byte order mark)
            at = _Open(m.group(2), no, offset + len(line),
                       (start, start + bare.index("-->") + 3), m.group(3))
            open_block = _marker(m.group(1), at, offset, open_block, names, note)
            block_lines.add(no)
        elif open_block is not None:
            block_lines.add(no)
    if open_block is not None:
        note.problems.append(f"line {open_block.line}: block {open_block.name!r} is never closed")
    return block_lines


@dataclass(slots=True)
class _Open:
    """A marker line read: its name, line (1-based), the offset after its line break, the
    marker's own offsets and the digest it records."""

    name: str
    line: int
    after: int
    marker: tuple[int, int]
    sha: str | None


def _marker(kind: str, at: _Open, line_start: int, open_block: _Open | None, names: set[str],
            note: ParsedNote) -> _Open | None:
    """The block open after marker ``kind`` ``at`` (its line starting at ``line_start``), the
    block it ends into ``note``, a misplaced marker into its problems."""
    name, no = at.name, at.line
    if kind == "begin":
        if open_block is not None:
            note.problems.append(
                f"line {no}: block {name!r} begins inside block {open_block.name!r} "
                f"(opened on line {open_block.line})")
            return open_block
        if name in names:  # (a problem unless the digests tell which is ours: _resolve_twice)
            note.twice.append((name, f"line {no}: block {name!r} appears twice"))
        return at
    if open_block is None:
        note.problems.append(f"line {no}: block {name!r} ends without a begin marker")
        return None
    if open_block.name != name:
        note.problems.append(
            f"line {no}: block {open_block.name!r} (line {open_block.line}) ends with "
            f"an end marker for {name!r}")
        return None
    names.add(name)
    note.blocks.append(Block(name, open_block.after, line_start, open_block.marker,
                             open_block.sha, open_block.line))
    return None


def _read_sections(text: str, lines: list[tuple[int, str]], headings: list[Heading],
                   block_lines: set[int], note: ParsedNote) -> None:
    """The human sections into ``note``: the text under each level-2 heading outside the
    generated blocks, up to the next level-1 or -2 heading or block marker; a section that
    appears more than once is joined."""
    stops = sorted({h[0] for h in headings if h[2] <= 2} | {no - 1 for no in block_lines})
    values: dict[str, list[str]] = {}
    for _start, end, level, title in headings:
        if level != 2:
            continue
        key = _ALIASES.get(_normalise_heading(title))
        if key is None:
            note.other_sections.append(title.strip())
            continue
        at = bisect.bisect_left(stops, end)  # (a note of many headings: no scan per heading)
        nxt = stops[at] if at < len(stops) else len(lines)
        body_start = lines[end][0] if end < len(lines) else len(text)
        body_end = lines[nxt][0] if nxt < len(lines) else len(text)
        cleaned = _uncommented(text[body_start:body_end]).strip()
        if cleaned or key not in values:
            values.setdefault(key, [])
            if cleaned:  # (joined once: a note of many repeated headings is not copied each time)
                values[key].append(cleaned)
    note.human = HumanSections(**{key: "\n\n".join(parts) for key, parts in values.items()})


_FENCE_LINE = re.compile(r" {0,3}(`{3,}|~{3,})([^\n]*)")


def _uncommented(body: str) -> str:
    """A section's text without its HTML comments (the prompts), except in fenced code: a
    comment quoted there (an example of a block marker) is the person's text."""
    if "<!--" not in body:
        return body
    if "```" not in body and "~~~" not in body:
        return _COMMENT.sub("", body)
    out: list[str] = []
    prose: list[str] = []
    fence = ""
    for line in body.splitlines(keepends=True):
        m = _FENCE_LINE.match(line)
        if not fence and m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            out.append(_COMMENT.sub("", "".join(prose)))
            prose, fence = [], m.group(1)
            out.append(line)
        elif fence:
            out.append(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and \
                    not m.group(2).strip():
                fence = ""
        else:
            prose.append(line)
    out.append(_COMMENT.sub("", "".join(prose)))
    return "".join(out)


def parse_human_sections(text: str) -> tuple[HumanSections, list[str]]:
    """The human sections of a note (prompts removed), and why it cannot be updated (if so)."""
    parsed = parse_note(text)
    return parsed.human, parsed.problems


# -- rendering ----------------------------------------------------------------------------------

_BASE_LINE = re.compile(r"^- \*\*Base\*\*: `([^`\n]+)`, merge-base `[0-9a-f]+` — .*\(as asked\)$",
                        re.MULTILINE)


def generated_block(text: str, name: str) -> Block | None:
    """Block ``name`` of ``text``: the one ours (it holds its digest), before one kept as the
    person's text (see :func:`_kept`); None when there is none."""
    parsed = parse_note(text)
    kept = _kept(text, parsed)
    named = [(i, b) for i, b in enumerate(parsed.blocks) if b.name == name]
    return next((b for i, b in named if i not in kept), named[0][1] if named else None)


def recorded_base(text: str) -> str | None:
    """The base a note's summary says it was made with when it was asked for (``ctxsteward
    handoff --base REF``); None when the note used the default or does not say."""
    summary = generated_block(text, "summary")
    if summary is None:
        return None
    found = _BASE_LINE.search(text[summary.content_start:summary.content_end])
    return found.group(1) if found else None


_GENERATED_LINE = re.compile(r"^- \*\*Generated\*\*: (\S+) · \*\*Note size\*\*: ([\d,]+) of ",
                             re.MULTILINE)


def unchanged_since(note: HandoffNote, existing_text: str | None,
                    count: Callable[[str], int] | None = None) -> HandoffNote:
    """``note`` with the time ``existing_text`` records when the whole note rendered with that
    time, its size included, is ``existing_text``: a rerun with nothing new leaves the note byte
    for byte, digests included (a new time each run made every run a change to commit). Else
    ``note`` as it is (a person's section edited alone grows the note: its size is counted
    anew, with a new time). ``count``: the tokens of a text (the note's size is of its own
    rendering)."""
    if existing_text is None or not existing_text.strip():
        return note
    summary = generated_block(existing_text, "summary")
    found = None if summary is None else _GENERATED_LINE.search(
        existing_text[summary.content_start:summary.content_end])
    if found is None or found.group(1) == note.generated_at:
        return note
    then = note.model_copy(update={"generated_at": found.group(1),
                                   "token_count": int(found.group(2).replace(",", ""))})
    try:
        text = render_markdown(then, existing_text)
        if text == existing_text and count is not None and count(text) != then.token_count:
            return note  # (the size it records is no longer the note's)
        return then if text == existing_text else note
    except NoteParseError:
        return note


def code(s: str) -> str:
    """``s`` as an inline code span, whatever backticks it holds (control characters escaped:
    a newline in a file name must not end the line)."""
    s = printable(s)
    if "`" not in s:
        return f"`{s}`"
    run = max(len(m) for m in re.findall(r"`+", s)) + 1
    return f"{'`' * run} {s} {'`' * run}"


_HTMLISH = re.compile(r"<(?=[!/?A-Za-z])")


def plain(s: str) -> str:
    """Derived free text (commit subjects, messages) on one line, with no HTML: a comment or tag
    in a commit subject cannot hide the rest of the note or forge a block marker."""
    return _HTMLISH.sub("&lt;", printable(" ".join(s.split())))


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def short(sha: str | None) -> str:
    return sha[:10] if sha else "none"


def _lines(n: int | None) -> str:
    return "binary" if n is None else str(n)


_SINGULAR = {"commits": "commit", "files": "file", "definitions": "definition", "lines": "line",
             "instruction files": "instruction file"}


def _more(note: HandoffNote, name: str, what: str) -> list[str]:
    for t in note.truncated:
        if t.name == name and t.total > t.shown:
            n = t.total - t.shown
            return [f"- …and {n} more {what if n != 1 else _SINGULAR.get(what, what)}"]
    return []


def _total(note: HandoffNote, name: str, shown: int) -> int:
    for t in note.truncated:
        if t.name == name:
            return t.total
    return shown


# What each name in ``HandoffNote.omitted`` leaves out, as the summary lists it (intro, prompts
# and details are presentation, not content, and are not listed).
OMITTED_LABELS = {
    "bundle": "suggested bundle", "instructions": "instruction files", "tests": "test details",
    "todos": "TODO lines", "touched_definitions": "touched definitions", "commits": "commits",
    "uncommitted_changes": "uncommitted files", "committed_changes": "committed files",
}


def render_summary(note: HandoffNote) -> list[str]:
    where = note.branch or f"detached HEAD at {short(note.head)}"
    out = [f"# Handoff: {plain(where)} ({plain(note.repository)})", ""]
    if "intro" not in note.omitted:
        out.append("> Generated by `ctxsteward handoff`. Text inside `ctxsteward:generated` blocks "
                   "is replaced when the note is regenerated; everything else is yours and is "
                   "kept exactly as written.")
        out.append("")
    details = "details" not in note.omitted
    if details:
        repo = plain(note.repository) + (f" ({plain(note.remote)})" if note.remote else "")
        out.append(f"- **Repository**: {repo}")
    out.append(f"- **Branch**: {plain(note.branch) if note.branch else 'detached HEAD'}"
               f" · **HEAD**: {code(short(note.head))}")
    why = f" — {plain(note.base_reason)}" if details and note.base_reason else ""
    if note.merge_base:
        ref = code(note.base_ref) if note.base_ref else "none"
        out.append(f"- **Base**: {ref}, merge-base {code(short(note.merge_base))}{why}")
    else:
        out.append(f"- **Base**: none{why}")
    c, u = note.committed_totals, note.uncommitted_totals
    out.append(f"- **Work**: {plural(note.commits_total, 'commit')}; {plural(c.files, 'file')} "
               f"changed in commits (+{c.added} −{c.removed}); {plural(u.files, 'file')} with "
               f"uncommitted changes (+{u.added} −{u.removed})")
    if note.tests is not None:
        t = note.tests
        verdict = "passed" if t.passed else "failed"
        stale = " (stale: another branch's run)" if t.other_branch else \
            " (stale)" if t.stale else ""
        out.append(f"- **Tests**: {verdict}{stale} — {code(t.command)}")
    out.append(f"- **Generated**: {note.generated_at} · **Note size**: {note.token_count:,} of "
               f"{note.token_budget:,} tokens ({note.encoding})")
    left_out = [OMITTED_LABELS[n] for n in note.omitted if n in OMITTED_LABELS]
    if left_out:
        out.append(f"- **Left out to fit the budget**: {', '.join(left_out)}")
    for p in note.problems:
        out.append(f"- **Problem**: {plain(p)}")
    return out


def _change_line(c: FileChange) -> str:
    if c.status in ("renamed", "copied") and c.old_path:
        what = f"{code(c.old_path)} → {code(c.path)} {c.status}"
    else:
        what = f"{code(c.path)} {c.status.replace('_', ' ')}"  # "type changed"
    if c.untracked:
        what += " (untracked)"
    if c.mode:
        what += f", {c.mode}"
    if c.added is None and c.removed is None:
        # (a symlink or a submodule has no lines to count, and is not binary either)
        return f"- {what}" if c.mode and "executable" not in c.mode else f"- {what}, binary"
    return f"- {what} +{_lines(c.added)} −{_lines(c.removed)}"


def _definitions(defs: list[TouchedDefinition]) -> list[str]:
    by_path: dict[str, list[TouchedDefinition]] = {}
    for d in defs:
        by_path.setdefault(d.path, []).append(d)
    out = []
    for path, items in by_path.items():
        parts = [f"{d.change} {code(d.name)} ({d.kind}, L{d.line})" for d in items]
        out.append(f"- {code(path)}: " + "; ".join(parts))
    return out


def _sections(parts: list[list[str]]) -> list[str]:
    """Sections (each a list of lines), a blank line between them."""
    out: list[str] = []
    for part in parts:
        if part:
            out += ([""] if out else []) + part
    return out


def render_work(note: HandoffNote) -> list[str]:
    gone = set(note.omitted)
    parts: list[list[str]] = []
    if "commits" not in gone:
        part = [f"## Commits since the base ({note.commits_total})", ""]
        part += [f"- {code(c.sha[:10])} {plain(c.subject)}" for c in note.commits] or ["- none"]
        parts.append(part + _more(note, "commits", "commits"))
    files: list[str] = []
    if "committed_changes" not in gone:
        n = _total(note, "committed_changes", len(note.committed_changes))
        files += [f"Committed since the base ({n}):", ""]
        files += [_change_line(c) for c in note.committed_changes] or ["- none"]
        files += _more(note, "committed_changes", "files")
    if "uncommitted_changes" not in gone:
        n = _total(note, "uncommitted_changes", len(note.uncommitted_changes))
        files += ([""] if files else []) + [f"Uncommitted ({n}):", ""]
        files += [_change_line(c) for c in note.uncommitted_changes] or ["- none"]
        files += _more(note, "uncommitted_changes", "files")
    if files:
        parts.append(["## Files changed", "", *files])
    if "touched_definitions" not in gone:
        n = _total(note, "touched_definitions", len(note.touched_definitions))
        part = [f"## Touched definitions ({n})", ""]
        part += _definitions(note.touched_definitions) or ["- none"]
        parts.append(part + _more(note, "touched_definitions", "definitions"))
    if "todos" not in gone:
        n = _total(note, "todos", len(note.todos))
        part = [f"## TODO, FIXME and XXX lines added ({n})", ""]
        part += [f"- {code(f'{t.path}:{t.line}')} {code(t.text)}" for t in note.todos] or ["- none"]
        parts.append(part + _more(note, "todos", "lines"))
    return _sections(parts)


def _tests_section(note: HandoffNote) -> list[str]:
    out = ["## Tests", ""]
    t = note.tests
    if t is None:
        out.append("- no test run recorded (`ctxsteward handoff --test-cmd CMD` records one)")
        return out
    verdict = "**passed**" if t.passed else "**failed**"
    status = (f"exit {t.exit_status}" if t.exit_status is not None else
              f"timed out after {t.timed_out:g} s" if t.timed_out is not None else "not run")
    state = "with uncommitted changes" if t.dirty else "clean"
    out.append(f"- {code(t.command)}: {verdict} ({status}) on {code(short(t.commit))} "
               f"({state}) at {t.ran_at}")
    if t.summary:
        out.append(f"- output ends: {code(t.summary)}")
    if t.stale:
        out.append(f"- **stale**: {plain(t.stale_reason)}")
    if t.failing:
        out.append("- failing:")
        out += [f"  - {code(f)}" for f in t.failing]
    for tr in note.truncated:
        if tr.name == "tests.failing" and tr.total > tr.shown:
            if not t.failing:
                out.append("- failing:")
            out.append(f"  - …and {plural(tr.total - tr.shown, 'more failing test')}")
    return out


def _instructions_section(note: HandoffNote) -> list[str]:
    out = ["## Instruction files for the touched paths", ""]
    ins = note.instructions
    if not ins.files and not _more(note, "instructions.files", ""):
        out.append("- none apply")
    for f in ins.files:
        diag = ""
        if ins.checked:
            n = max(f.diagnostics_total, len(f.diagnostics))
            diag = f"; {plural(n, 'open diagnostic')}" if n else "; no open diagnostics"
        also = "".join(f", also as {code(a)}" for a in f.aliases)
        paths = plural(f.applies_to, "touched path")
        out.append(f"- {code(f.path)}{also} (applies to {paths}{diag})")
        out += [f"  - L{d.line} {d.severity} {code(d.code)}: {_clip(plain(d.message), 200)}"
                for d in f.diagnostics]
        if f.diagnostics_total > len(f.diagnostics) and f.diagnostics:
            more = plural(f.diagnostics_total - len(f.diagnostics), "more diagnostic")
            out.append(f"  - …and {more}")
    out += _more(note, "instructions.files", "instruction files")
    if ins.note:
        out.append(f"- {plain(ins.note)}")
    return out


def _bundle_section(note: HandoffNote) -> list[str]:
    out = ["## Suggested context bundle", ""]
    b = note.bundle
    if not b.available:
        out.append(f"- bundle: unavailable ({plain(b.reason)})")
        return out
    task = plain(b.task) if b.task else "none (write a goal to steer it)"
    if len(task) > 200:
        task = task[:199] + "…"
    out.append(f"- task: {task}")
    out.append(f"- seeds: {', '.join(code(s) for s in b.seeds) or 'none'}")
    out.append(f"- {b.total_tokens:,} tokens of a {b.budget:,} budget; files:")
    out += [f"  - {code(f.path)}" + ("" if f.granularity == "file" else f" ({f.granularity})")
            + f", {f.tokens:,} tokens" for f in b.files]
    for tr in note.truncated:
        if tr.name == "bundle.files" and tr.total > tr.shown:
            out.append(f"  - …and {plural(tr.total - tr.shown, 'more file')}")
    return out


def render_checks(note: HandoffNote) -> list[str]:
    gone = set(note.omitted)
    return _sections([
        _tests_section(note) if "tests" not in gone else [],
        _instructions_section(note) if "instructions" not in gone else [],
        _bundle_section(note) if "bundle" not in gone else [],
    ])


def render_blocks(note: HandoffNote) -> dict[str, str]:
    """The content of each generated block (without its markers), ending in a newline (empty
    when everything in it was left out to fit the budget)."""
    blocks = {"summary": render_summary(note), "work": render_work(note),
              "checks": render_checks(note)}
    return {name: "\n".join(lines) + "\n" if lines else "" for name, lines in blocks.items()}


def _human_template(human: HumanSections, prompts: bool = True) -> str:
    """The human sections of a new note: what people wrote, else a prompt (or, to save tokens,
    just the heading)."""
    parts = []
    for key, title, _, prompt in SECTIONS:
        value = getattr(human, key).strip()
        if value:
            parts.append(f"## {title}\n\n{value}\n")
        else:
            parts.append(f"## {title}\n\n<!-- {prompt} -->\n" if prompts else f"## {title}\n")
    return "\n".join(parts)


def digest(content: str) -> str:
    """The digest a begin marker records for a block's ``content``: of its words, whatever the
    white space between them (an editor that turns line ends into CRLF, strips trailing spaces
    or adds blank lines is not a person's edit). Decimal digits: they take the same number of
    tokens whatever their value (hexadecimal ones do not), so the note's count of its own
    tokens, shown in the summary whose digest it changes, settles."""
    sha = hashlib.sha256(" ".join(content.split()).encode("utf-8")).digest()
    return f"{int.from_bytes(sha[:8], 'big') % 10 ** SHA_CHARS:0{SHA_CHARS}d}"


def begin_marker(name: str, content: str) -> str:
    """The begin marker of block ``name`` holding ``content``, with its digest."""
    return f"<!-- ctxsteward:generated:begin {name} sha={digest(content)} -->"


def _wrap(name: str, content: str) -> str:
    return f"{begin_marker(name, content)}\n{content}{END.format(name)}\n"


def _kept(text: str, parsed: ParsedNote) -> list[int]:
    """The blocks of ``text`` (their places in ``parsed.blocks``) that are not replaced: those
    whose content no longer has the digest their begin marker records, and those without one
    in a note whose other blocks have one (a note without digests was written before they were
    recorded: its blocks are replaced as they always were). Kept in ``parsed``: a note is
    rendered many times to fit its budget. A name none of whose blocks is replaced gets a new
    block at the end of the note (:func:`_render_parts`)."""
    if parsed.kept is None:
        recorded = any(b.sha is not None for b in parsed.blocks)
        parsed.kept = [i for i, b in enumerate(parsed.blocks)
                       if (b.sha is None and recorded) or
                       (b.sha is not None and not _holds_digest(text, b))]
    return parsed.kept


def _said_kept(parsed: ParsedNote, kept: list[int]) -> list[int]:
    """The kept blocks to tell the person about: those of a name no block of which is replaced
    (a new block of that name is written at the end of the note). One of a name whose other
    block is replaced is the person's text, told about when that block was added."""
    replaced = {b.name for i, b in enumerate(parsed.blocks) if i not in kept}
    return [i for i in kept if parsed.blocks[i].name not in replaced]


def kept_blocks(text: str | None, note: HandoffNote | None = None) -> list[str]:
    """Why generated blocks of ``text`` (a note that can be updated) are left as they are when
    the note is regenerated (see the module's docstring); empty when none is to be told. With
    ``note``, each begins with its line in the note as written with ``note``
    (``render_markdown(note, text)``), else with its line in ``text`` ("as read")."""
    if text is None or not text.strip():
        return []
    parsed = parse_note(text)
    if not parsed.ok:
        return []
    told = _said_kept(parsed, _kept(text, parsed))
    if not told:
        return []
    where = {i: f"line {parsed.blocks[i].line} as read" for i in told}
    if note is not None:
        parts = _render_parts(note, text, parsed)
        where = {i: f"line {''.join(parts[:2 * i + 1]).count(chr(10)) + 1}" for i in told}
    out = []
    for i in told:
        b = parsed.blocks[i]
        if b.sha is None:
            why = ("its begin marker has no sha=, unlike the note's other blocks, so ctxsteward "
                   "did not write it (an example of yours, perhaps in a code fence)")
        else:
            why = "its text changed since ctxsteward wrote it (you edited it, or it is your copy)"
        out.append(f"{where[i]}: block {b.name!r} was left as it is: {why}. It is kept as your "
                   f"text, and a new {b.name!r} block is written at the end of the note: that "
                   "one is updated from now on")
    return out


def render_fresh(note: HandoffNote) -> str:
    blocks = render_blocks(note)
    human = _human_template(note.human, prompts="prompts" not in note.omitted)
    return (_wrap("summary", blocks["summary"]) + "\n" + human + "\n"
            + _wrap("work", blocks["work"]) + "\n" + _wrap("checks", blocks["checks"]))


def render_markdown(note: HandoffNote, existing_text: str | None = None) -> str:
    """The note as Markdown; with ``existing_text``, only its generated blocks are replaced.

    Raises :class:`NoteParseError` when ``existing_text`` has unpaired or damaged markers.
    """
    if existing_text is None or not existing_text.strip():
        return render_fresh(note)
    parsed = parse_note(existing_text)
    if not parsed.ok:
        raise NoteParseError(parsed.problems)
    return "".join(_render_parts(note, existing_text, parsed))


def _render_parts(note: HandoffNote, existing_text: str, parsed: ParsedNote) -> list[str]:
    """The note updated in place, in parts: the existing text before, between and after its
    blocks (even places: the same for every ``note``), each block's new content and the blocks
    that were missing (odd places)."""
    blocks = render_blocks(note)
    nl = parsed.newline
    out: list[str] = []
    pos = 0
    kept = _kept(existing_text, parsed)
    for i, b in enumerate(parsed.blocks):
        out.append(existing_text[pos:b.marker[0]])
        if i in kept:  # (left as it is: see the module's docstring)
            out.append(existing_text[b.marker[0]:b.content_end])
        else:
            content = blocks.get(b.name, "")
            content = content.replace("\n", nl) if nl != "\n" else content
            out.append(begin_marker(b.name, content)
                       + existing_text[b.marker[1]:b.content_start] + content)
        pos = b.content_end
    out.append(existing_text[pos:])
    present = {b.name for i, b in enumerate(parsed.blocks) if i not in kept}
    missing = [name for name in BLOCKS if name not in present]  # (or only kept: _said_kept)
    tail = ""
    if missing:
        if not existing_text.endswith(("\n", "\r")):
            tail += nl
        if parsed.open_at_end:  # (the person's text is left as it is: only closed after it)
            tail += parsed.open_at_end + nl
        for name in missing:
            extra = "\n" + _wrap(name, blocks[name])  # (its line ends made nl below)
            tail += extra.replace("\n", nl) if nl != "\n" else extra
    out.append(tail)
    return out


_LINE_STARTS = re.compile(r"\n(?=\S)")


def rendered_tokens(existing_text: str | None, counter: Counter) -> Callable[[HandoffNote], int]:
    """A function giving the tokens of ``render_markdown(note, existing_text)``, counting the
    text outside the generated blocks once (a note of megabytes was counted whole each time the
    budget was tried: 12 s for 1.1 MB). A block's content and the text around it tokenize
    apart (its marker lines start and end the pieces); the first count is checked against the
    whole note's, and when they differ every count is of the whole note."""
    whole: Callable[[HandoffNote], int] = \
        lambda note: counter.count(render_markdown(note, existing_text))  # noqa: E731
    if existing_text is None or not existing_text.strip():
        return whole
    parsed = parse_note(existing_text)
    if not parsed.ok:
        return whole
    fixed: list[int] = []
    exact: list[bool] = []

    def pieces(note: HandoffNote) -> int:
        if exact and not exact[0]:
            return whole(note)
        parts = _render_parts(note, existing_text, parsed)
        # (the blocks added at the end start with a blank line: they are counted with the
        # note's last line that starts with a letter or mark, where tokens split)
        last = parts[-2]
        cut = 0
        for m in _LINE_STARTS.finditer(last, max(0, len(last) - 4096)):
            cut = m.end()
        if not fixed:
            fixed.append(sum(counter.raw(p) for p in parts[0:-2:2]) + counter.raw(last[:cut]))
        raw = fixed[0] + sum(counter.raw(p) for p in parts[1:-1:2]) + \
            counter.raw(last[cut:] + parts[-1])
        if not exact:
            text = "".join(parts)
            exact.append(raw == counter.raw(text))
            if not exact[0]:
                return counter.count(text)
        return counter.scale(raw)

    return pieces
