"""The handoff note carried into a new session: its generated summary and the human sections, as
they are in the note file, bounded by a token budget and a character limit.

Read only (the note is never written here). A note that is missing, unreadable or whose blocks
cannot be parsed gives nothing. Every part goes through :func:`analyzers.secrets.redact_git`: the
note is a file of the workspace, and a value pasted into it must not reach an agent.
"""

from __future__ import annotations

from pathlib import Path

from analyzers.handoff.generate import note_file, read_existing
from analyzers.handoff.markdown import SECTIONS, generated_block, parse_note
from analyzers.secrets import clip_masked, cut_head, redact_git
from analyzers.tokens import Counter

MORE = "… ({n} more {lines} in {note})"
CUT = "… (the rest of this line in {note})"
LEFT_OUT = "(Left out for room: {names}; see {note}.)"
KEEP_LINES = 3  # of a section cut for room: its heading, the blank line, its first line
LINE_FLOOR = 200  # characters a long last line is cut down to, at least (then the part goes)
MARGIN_LINES = 64  # read for secrets past what may be shown (a JSON Web Key's members: 60)


def note_context(root: Path, note: str | Path | None, counter: Counter, budget: int,
                 max_chars: int) -> tuple[str, list[str]]:
    """The note's summary block and non-empty human sections as one text within ``budget``
    tokens and ``max_chars`` characters ("" when there is no usable note), and why nothing
    was carried (problems reading the note). Every section appears: a long one is cut to its
    share with the number of lines left in the note; one left out for room is named."""
    path = note_file(root, note)
    text, problems = read_existing(path, root)
    if text is None or problems or not text.strip():
        return "", problems
    # (A note of megabytes, a log pasted into it, is split at its headings line by line: see
    # analyzers.handoff.headings. Each part is masked and counted from its head only.)
    parsed = parse_note(text)
    shown = path.name
    head = f"Handoff note from earlier sessions ({shown}, kept by Context Steward):"
    parts: list[tuple[str, str]] = []
    summary = generated_block(text, "summary")  # (ours, not one kept as the person's text)
    if summary is not None:
        parts.append(("Summary", text[summary.content_start:summary.content_end].strip()))
    for key, heading, _, _ in SECTIONS:
        body = (getattr(parsed.human, key, "") or "").strip()
        if body:
            parts.append((heading, f"## {heading}\n\n{body}"))
    kept = [(name, *_shown_head(p, max_chars, shown)) for name, p in parts if p]
    return _fit(redact_git(head), kept, counter, budget, max_chars, shown), []


def _shown_head(text: str, max_chars: int, note: str) -> tuple[list[str], int]:
    """The lines of ``text`` that can be shown within ``max_chars`` (at least
    :data:`KEEP_LINES`), masked, and how many lines ``text`` has: a part of megabytes (a pasted
    log) is neither masked nor counted past what could be carried."""
    lines = text.splitlines()
    keep, size = 0, 0
    while keep < len(lines) and (keep < KEEP_LINES or size + len(lines[keep]) < max_chars):
        size += len(lines[keep]) + 1
        keep += 1
    head = lines[:keep + MARGIN_LINES]
    for i, line in enumerate(head):  # a line longer than can be shown: its head, masked whole
        if len(line) > max_chars:
            head[i] = cut_head(line, max_chars)[0] + CUT.format(note=note)
    masked = redact_git("\n".join(head), note).split("\n")
    return masked[:keep], len(lines)


class _Part:
    """One part of the carried note, cut to its first ``keep`` lines when room is short, and
    then its last line to ``clip`` characters (a section of one long paragraph)."""

    def __init__(self, name: str, lines: list[str], total: int, note: str,
                 counter: Counter) -> None:
        """Start with ``lines``, the first of the part's ``total`` lines."""
        self.name, self.lines, self.note, self.counter = name, lines, note, counter
        self.total = total
        self.keep = len(self.lines)
        self.clip: int | None = None
        self.tokens = counter.count(self.text())

    def text(self) -> str:
        """The part as carried."""
        kept = self.lines[:self.keep]
        if self.clip is not None and kept:  # (masked already: never cut inside a mask)
            kept = [*kept[:-1], clip_masked(kept[-1], self.clip),
                    CUT.format(note=self.note)]
        rest = self.total - self.keep
        more = [MORE.format(n=rest, lines="line" if rest == 1 else "lines",
                            note=self.note)] if rest else []
        return "\n".join([*kept, *more])

    def cut(self) -> bool:
        """Fewer lines (never below :data:`KEEP_LINES`), else a shorter last line (never below
        :data:`LINE_FLOOR` characters); whether it could."""
        keep = self.keep - max(1, (self.keep - KEEP_LINES) // 4)  # big sections shrink fast
        keep = max(keep, min(KEEP_LINES, len(self.lines)))
        if keep < self.keep and self.clip is None:
            self.keep = keep
        else:
            last = len(self.lines[self.keep - 1]) if self.keep else 0
            now = last if self.clip is None else self.clip
            if now <= LINE_FLOOR:
                return False
            self.clip = max(LINE_FLOOR, now // 2)
        self.tokens = self.counter.count(self.text())
        return True


def _fit(head: str, named: list[tuple[str, list[str], int]], counter: Counter, budget: int,
         max_chars: int, note: str) -> str:
    """The head and every part within ``budget`` tokens and ``max_chars``: the longest part cut
    first, each down to its first lines; then, if still too long, the last parts left out and
    named. Empty when no part fits."""
    parts = [_Part(name, lines, total, note, counter) for name, lines, total in named]
    dropped: list[str] = []

    def joined() -> str:
        tail = [LEFT_OUT.format(names=", ".join(dropped), note=note)] if dropped else []
        return "\n\n".join([head, *(p.text() for p in parts), *tail])

    def fits() -> bool:
        text = joined()
        return len(text) <= max_chars and counter.count(text) <= budget

    while parts and not fits():
        # the longest part that can still be cut; when none can, the last part goes
        if not any(p.cut() for p in sorted(parts, key=lambda p: -p.tokens)):
            dropped.insert(0, parts.pop().name)
    return joined() if parts else ""
