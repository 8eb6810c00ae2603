"""Rendering a bundle for an agent: Markdown (a fenced block per item) or XML (``<documents>``).

Packing measures each item in the same rendering it will be shown in, so the document's own token
count (headers and all) is what the budget bounds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzers.languages import detect
from analyzers.printable import printable
from analyzers.secrets import cut_head, redact

if TYPE_CHECKING:
    from analyzers.bundles.decisions import Decision
    from analyzers.results import VerifyReport

FENCE_LANG = {
    "python": "python", "javascript": "javascript", "typescript": "typescript", "tsx": "tsx",
    "go": "go", "rust": "rust", "java": "java", "c": "c", "cpp": "cpp", "csharp": "csharp",
    "ruby": "ruby", "php": "php", "bash": "bash", "markdown": "markdown", "json": "json",
    "yaml": "yaml", "toml": "toml", "html": "html", "css": "css", "sql": "sql",
}
GAP = "⋮"
# Characters XML 1.0 forbids even in CDATA (form feeds do occur in source files).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Piece:
    """One item's content: the file's lines for ``ranges`` (1-based, inclusive)."""

    path: str
    granularity: str
    ranges: Sequence[tuple[int, int]]
    text: str  # the selected lines, ranges separated by a gap marker
    tier: str = ""  # core, related, peripheral
    why: str = ""  # its first reason, shortened
    full: Sequence[tuple[int, int]] = ()  # focused: the ranges shown in full (else signatures)


WHY_CHARS = 90  # a reason shown beside an item, at most


# "defines `A` (6×), `B`, `C`, used in `src/app/cli.py`": the names, then the files they link to
_NAMES_THEN = re.compile(r"^(defines|uses) ((?:`[^`]*`(?: \(\d+×\))?, )*`[^`]*`(?: \(\d+×\))?)"
                         r"(, (?:used|defined) in .+)$")
_NAME_ITEM = re.compile(r"`[^`]*`(?: \(\d+×\))?")


def short_reason(reasons: Sequence[str]) -> str:
    """An item's first reason, one line and at most :data:`WHY_CHARS` characters (one naming
    shared names and the files they link to keeps the files: fewer names are shown first)."""
    if not reasons:
        return ""
    why = " ".join(reasons[0].split())
    m = _NAMES_THEN.match(why) if len(why) > WHY_CHARS else None
    if m:
        names = _NAME_ITEM.findall(m.group(2))
        while len(names) > 1 and len(why) > WHY_CHARS:
            names.pop()
            why = f"{m.group(1)} {', '.join(names)}{m.group(3)}"
    return why if len(why) <= WHY_CHARS else why[:WHY_CHARS - 1].rstrip() + "…"


def select_lines(lines: list[str], ranges: Sequence[tuple[int, int]]) -> str:
    parts: list[str] = []
    for start, end in ranges:
        chunk = "".join(lines[start - 1:end])
        parts.append(chunk if chunk.endswith("\n") or not chunk else chunk + "\n")
    return f"{GAP}\n".join(parts)


def ranges_label(ranges: Sequence[tuple[int, int]]) -> str:
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def lines_label(lines: Sequence[int]) -> str:
    """``line 5`` / ``lines 3, 9-11`` (runs of consecutive lines as ranges)."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    word = "line" if len(runs) == 1 and runs[0][0] == runs[0][1] else "lines"
    return f"{word} {ranges_label(runs).replace(',', ', ')}"


TASK_ECHO = 4_000  # characters of a task a bundle repeats (the agent has the task already)


_CUT_NOTE = re.compile(r"\n\[… the task goes on for [\d,]+ more characters, not repeated here\]$")


def shown_task(task: str, limit: int = 0) -> str:
    """``task`` as a bundle repeats it (its header, the JSON's ``task``, a saved bundle): any
    secret in it masked (a token pasted with a log is not echoed to the agent nor kept on disk),
    and a long one cut after :data:`TASK_ECHO` characters, at a line or word end, with a note
    (a pasted log of megabytes would fill the budget and cost seconds to scan). Masked before it
    is cut (``secrets.cut_head``): no secret is shown in part. A task already shown this way
    is left as it is (an answer redrawn from a bundle's ``task``). ``limit``: characters to
    keep, if fewer than :data:`TASK_ECHO`."""
    text = task.strip()
    echo = min(limit, TASK_ECHO) if limit > 0 else TASK_ECHO
    # (an already cut task is its head, up to TASK_ECHO plus the masks' markers, and the note)
    if len(text) <= echo or (len(text) <= 2 * echo and _CUT_NOTE.search(text)):
        return redact(text)
    cut = max(text.rfind("\n", 0, echo), text.rfind(" ", 0, echo))
    cut = cut if cut > echo // 2 else echo
    head, cut = cut_head(text, cut)
    return (f"{head.rstrip()}\n[… the task goes on for {len(text) - cut:,} more characters, not "
            "repeated here]")


def header(fmt: str, task: str | None) -> str:
    """The bundle's first lines: its title and the task (:func:`shown_task`); in XML the task
    is a ``<task>`` element, its text escaped."""
    if fmt == "xml":
        if task and task.strip():
            return f"<documents>\n<task>{_xml_text(shown_task(task))}</task>\n"
        return "<documents>\n"
    head = "# Context bundle\n"
    if task and task.strip():
        head += f"\nTask: {shown_task(task)}\n"
    return head + "\n"


def footer(fmt: str) -> str:
    return "</documents>\n" if fmt == "xml" else ""


def render_piece(fmt: str, piece: Piece, index: int) -> str:
    if piece.granularity in ("skeleton", "focused") and piece.ranges:  # its span: the
        label = ranges_label([(piece.ranges[0][0], piece.ranges[-1][1])])  # signatures are many
    else:
        label = ranges_label(piece.ranges)
    if fmt == "xml":
        body = _XML_INVALID.sub("\ufffd", piece.text).replace("]]>", "]]]]><![CDATA[>")
        extra = (f' full="{ranges_label(piece.full)}"' if piece.granularity == "focused" else "")
        extra += (f' tier="{piece.tier}"' if piece.tier else "") + (
            f' why="{_attr(piece.why)}"' if piece.why else "")
        return (f'<document index="{index}" path="{_attr(piece.path)}" lines="{label}" '
                f'granularity="{piece.granularity}"{extra}>\n<document_content><![CDATA[\n'
                f"{body}]]></document_content>\n</document>\n")
    lang = FENCE_LANG.get(detect(piece.path) or "", "")
    longest = max((len(m) for m in re.findall(r"`{3,}", piece.text)), default=2) \
        if "```" in piece.text else 2
    fence = "`" * max(3, longest + 1)
    name = printable(piece.path)
    if piece.granularity == "skeleton":
        title = f"## {name} (signatures of lines {label}, skeleton)"
    elif piece.granularity == "focused":
        title = f"## {name} ({focused_label(piece.full)}; lines {label})"
    elif piece.granularity == "symbols":
        title = f"## {name} (lines {label}, relevant definitions)"
    elif piece.granularity == "excerpt":
        title = f"## {name} (excerpt: lines {label})"
    else:
        title = f"## {name} (lines {label})"
    if piece.tier or piece.why:
        title += " — " + ": ".join(x for x in (piece.tier, printable(piece.why)) if x)
    return f"{title}\n{fence}{lang}\n{piece.text}{fence}\n\n"


def focused_label(full: Sequence[tuple[int, int]]) -> str:
    """How a focused seed is shown: which lines in full, the rest as signatures."""
    if not full:
        return "focused: signatures only"
    shown = ranges_label(full[:FULL_SHOWN]) + (f",… ({len(full)} ranges)"
                                               if len(full) > FULL_SHOWN else "")
    return f"focused: lines {shown} in full, signatures of the rest"


FULL_SHOWN = 6  # a focused item's ranges in full named in its Markdown heading


def _attr(value: str) -> str:
    """An attribute value: the XML specials and whitespace as character references (a parser
    normalises a raw newline or tab in an attribute to a space); the characters XML 1.0 cannot
    carry at all, escaped as :func:`printable` shows them."""
    value = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;") \
        .replace(">", "&gt;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return printable(value)


def _xml_text(text: str) -> str:
    """``text`` as an element's character data: the XML specials escaped, the characters XML 1.0
    cannot carry replaced."""
    return _XML_INVALID.sub("\ufffd", text).replace("&", "&amp;").replace("<", "&lt;") \
        .replace(">", "&gt;")


def left_out_note(fmt: str, left_out: Sequence[tuple[str, int, str]], cause: str = "size"
                  ) -> str:
    """A compact list of ranked files the budget had no room for (``cause`` "size"), or that
    the ``--limit`` kept out ("limit"): (path, tokens, reason)."""
    if not left_out:
        return ""
    if fmt == "xml":
        by = ' cause="limit"' if cause == "limit" else ""
        return "".join(f'<left_out path="{_attr(p)}" tokens="{n}" why="{_attr(w)}"{by}/>\n'
                       for p, n, w in left_out)
    lines = [f"- {printable(p)} ({n:,} tokens){': ' + printable(w) if w else ''}\n"
             for p, n, w in left_out]
    head = "Left out by --limit" if cause == "limit" else "Left out for size"
    return f"{head} (ranked next):\n" + "".join(lines) + "\n"


_KIND_LABEL = {"commit": "commit", "handoff-decisions": "handoff note, Decisions",
               "handoff-open-questions": "handoff note, Open questions"}


def decisions_note(fmt: str, decisions: Sequence[Decision]) -> str:
    """The bundle's recent decisions section (empty without decisions): each commit or handoff
    section with its date, the files it touches and its text."""
    if not decisions:
        return ""
    if fmt == "xml":
        out = ["<decisions>\n"]
        for d in decisions:
            text = _xml_text(d.text)
            out.append(f'<decision kind="{d.kind}" ref="{_attr(d.ref)}" date="{d.date}" '
                       f'files="{_attr(" ".join(d.files))}">\n{text}\n</decision>\n')
        return "".join(out) + "</decisions>\n"
    out = ["## Recent decisions\n\n"]
    for d in decisions:
        first, *rest = printable_lines(d.text)
        label = _KIND_LABEL.get(d.kind, d.kind)
        ref = f" `{d.ref}`" if d.kind == "commit" else f" ({printable(d.ref)})"
        where = f"{d.date}; " if d.date else ""
        files = ", ".join(printable(f) for f in d.files)
        out.append(f"- {label}{ref} ({where}{files}): {first}\n")
        out += [f"  {line}\n" for line in rest]
    return "".join(out) + "\n"


def printable_lines(text: str) -> list[str]:
    """``text``'s lines, each as people see it (control characters escaped); at least one."""
    return [printable(line) for line in text.splitlines()] or [""]


def render(fmt: str, task: str | None, pieces: Sequence[Piece],
           left_out: Sequence[tuple[str, int, str]] = (),
           decisions: Sequence[Decision] = (), cause: str = "size") -> str:
    return header(fmt, task) + decisions_note(fmt, decisions) + "".join(
        render_piece(fmt, p, i) for i, p in enumerate(pieces, 1)) + \
        left_out_note(fmt, left_out, cause) + footer(fmt)


RANKING_TITLE = "Ranked files (budget 0: the ranking only, no content shown)"


def render_ranking(fmt: str, task: str | None, ranked: Sequence[tuple[str, int, int, str, str]],
                   decisions: Sequence[Decision] = ()) -> str:
    """A budget of 0 in ``fmt``: the bundle's header and decisions, then each ranked file (path,
    lines, tokens, tier, first reason) in order, no content; the JSON holds the same."""
    if fmt == "xml":
        rows = "".join(f'<ranked index="{i}" path="{_attr(p)}" lines="{ranges_label([(1, n)])}" '
                       f'tokens="{t}" tier="{tier}"' + (f' why="{_attr(why)}"' if why else "")
                       + "/>\n" for i, (p, n, t, tier, why) in enumerate(ranked, 1))
        body = f"<ranking>\n{rows}</ranking>\n"
    else:
        rows = "".join(f"{i}. {printable(p)} (lines {ranges_label([(1, n)])}, {t:,} tokens)"
                       + (" — " + ": ".join(x for x in (tier, printable(why)) if x)
                          if tier or why else "") + "\n"
                       for i, (p, n, t, tier, why) in enumerate(ranked, 1))
        body = f"## {RANKING_TITLE}\n\n" + (rows or "No file ranked.\n") + "\n"
    return header(fmt, task) + decisions_note(fmt, decisions) + body + footer(fmt)


def verify_heading(report: VerifyReport) -> str:
    """The verify report's first line, for every edge: the bundle, when it was saved (and the
    HEAD it was saved at, when that moved since), and its items counted by status."""
    heads = ""
    if report.head_then and report.head_now and report.head_then != report.head_now:
        heads = f" (HEAD then {report.head_then[:10]}, now {report.head_now[:10]})"
    return (f"Bundle {report.name!r} saved {report.created_at}{heads}: {report.unchanged} "
            f"unchanged, {report.moved} moved, {report.changed} changed, {report.vanished} "
            "vanished")
