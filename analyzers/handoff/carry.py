"""The handoff note carried into a new session: its generated summary and the human sections, as
they are in the note file, bounded by a token budget and a character limit.

Read only (the note is never written here). A note that is missing, unreadable or whose blocks
cannot be parsed gives nothing. Every part goes through :func:`analyzers.secrets.redact`: the note
is a file of the workspace, and a value pasted into it must not reach an agent.
"""

from __future__ import annotations

from pathlib import Path

from analyzers.handoff.generate import note_file, read_existing
from analyzers.handoff.markdown import SECTIONS, parse_note
from analyzers.secrets import redact
from analyzers.tokens import Counter

MORE = "… (the rest is in {note})"


def note_context(root: Path, note: str | Path | None, counter: Counter, budget: int,
                 max_chars: int) -> tuple[str, list[str]]:
    """The note's summary block and non-empty human sections as one text within ``budget``
    tokens and ``max_chars`` characters ("" when there is no usable note), and why nothing
    was carried (problems reading the note)."""
    path = note_file(root, note)
    text, problems = read_existing(path, root)
    if text is None or problems or not text.strip():
        return "", problems
    parsed = parse_note(text)
    shown = path.name
    parts = [f"Handoff note from earlier sessions ({shown}, kept by Context Steward):"]
    summary = next((b for b in parsed.blocks if b.name == "summary"), None)
    if summary is not None:
        parts.append(text[summary.content_start:summary.content_end].strip())
    for key, heading, _, _ in SECTIONS:
        body = (getattr(parsed.human, key, "") or "").strip()
        if body:
            parts.append(f"## {heading}\n\n{body}")
    return _fit([redact(p) for p in parts if p], counter, budget, max_chars,
                MORE.format(note=shown)), []


def _fit(parts: list[str], counter: Counter, budget: int, max_chars: int, more: str) -> str:
    """``parts`` joined, as many whole as fit; the first that does not fit is cut at a line
    with ``more`` after it."""
    out: list[str] = []
    for part in parts:
        candidate = "\n\n".join([*out, part])
        if counter.count(candidate) <= budget and len(candidate) <= max_chars:
            out.append(part)
            continue
        lines = part.splitlines()
        while lines:
            lines.pop()
            cut = "\n".join([*lines, more])
            candidate = "\n\n".join([*out, cut])
            if counter.count(candidate) <= budget and len(candidate) <= max_chars:
                out.append(cut)
                break
        break
    return "\n\n".join(out) if len(out) > 1 else ""
