"""Structured handoff notes: git state, touched definitions, TODOs, tests and instructions, with
the human sections (goal, status, decisions, ...) kept byte for byte across regenerations.

Entry points: :func:`generate` -> :class:`HandoffNote`; :func:`render_markdown`;
:func:`update_note_file` / :func:`plan_note_file`; :func:`parse_human_sections`.
"""

from __future__ import annotations

from analyzers.handoff.generate import DEFAULT_NOTE, generate
from analyzers.handoff.gitstate import HandoffError
from analyzers.handoff.markdown import (
    NoteParseError,
    parse_human_sections,
    parse_note,
    render_markdown,
)
from analyzers.handoff.note import HandoffNote, HumanSections, WriteResult
from analyzers.handoff.notefile import NotePlan, plan_note_file, update_note_file

__all__ = [
    "DEFAULT_NOTE", "HandoffError", "HandoffNote", "HumanSections", "NoteParseError", "NotePlan",
    "WriteResult", "generate", "parse_human_sections", "parse_note", "plan_note_file",
    "render_markdown", "update_note_file",
]
