"""Where the sections of a handoff note begin: its headings, as Markdown reads them, except where
a person's slip would make one section swallow the rest of the note.

A note's human sections are split at its level-1 and level-2 headings (see
:func:`analyzers.handoff.markdown.parse_note`). Read strictly, a code fence opened and never
closed (```` ``` ```` or ``~~~``), an HTML comment never closed (``<!--``), or lists nested
deeper than the parser's limit (markdown-it's ``maxNesting``: it reads nothing after) runs to the
end of the note, and every section after it is read as part of the one it is in. A person who
forgot a closing fence still means their ``## Decisions`` to be Decisions, so:

* an unclosed block ends at the next line that is a section heading this note format knows
  (``## Decisions``, ``## Next steps``, ...; the ``recognised`` titles), and the note after that
  line is read on its own, line by line (below). A heading inside a fence or comment that closes
  is text, as Markdown reads it (a note quoted in a code block);
* a note over :data:`PARSE_MAX_CHARS` is read line by line from the start: Markdown-parsing it
  takes seconds (markdown-it's block pass, about 40 µs a line: 6 MB of short headings took 20 s),
  more than an agent gives a hook.

Read line by line, a heading is an ATX heading (``#`` to ``######`` after at most three spaces)
outside fenced code and HTML comments that close; an unclosed one hides lines up to the next
recognised section heading, as above. Setext headings (a line underlined with ``---``), and
headings inside block quotes and list items, are not seen there: their text stays in the section
before them. Nothing here changes the note: these are offsets into it.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable

from markdown_it import MarkdownIt

PARSE_MAX_CHARS = 1_000_000  # a longer note is read line by line (see the module's docstring)

Heading = tuple[int, int, int, str]  # start line, end line (0-based, exclusive), level, title

# Block structure only: a heading's text is its inline token's content, which the block pass
# sets; parsing every paragraph's inline markup (a third of the time) would be thrown away.
_BLOCKS = MarkdownIt("commonmark").disable("inline")
_LONE_CR = re.compile(r"\r(?!\n)")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_CLOSING = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*\r?$", re.M)
# an ATX heading (level, title), or a line opening a fence (its mark) or an HTML comment
_MAY_MATTER = re.compile(r"^ {0,3}(?:(#{1,6})(?:[ \t]+([^\r\n]*)|[ \t]*\r?$)|(`{3,}|~{3,})|<!--)",
                         re.M)
_SECTION = re.compile(r"^ {0,3}##[ \t]+([^\r\n]*)", re.M)
_NESTED_CLOSING = re.compile(r"[ \t>]*(`{3,}|~{3,})[ \t]*$")  # in a list item or a quote too
# HTML blocks that end at a marker, not at a blank line (CommonMark's kinds 1 to 5)
_HTML_ENDS = [
    (re.compile(r"[ \t]*<(?:script|pre|style|textarea)(?:[ \t>]|$)", re.I),
     re.compile(r"</(?:script|pre|style|textarea)>", re.I)),
    (re.compile(r"[ \t]*<!--"), re.compile(r"-->")),
    (re.compile(r"[ \t]*<\?"), re.compile(r"\?>")),
    (re.compile(r"[ \t]*<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"[ \t]*<!\[CDATA\["), re.compile(r"\]\]>")),
]


def note_headings(lines: list[str], recognised: Callable[[str], bool]) -> list[Heading]:
    """The headings of a note's ``lines`` (each with its line break; a generated block's lines
    blank), as the module's docstring says; ``recognised(title)``: a section this format
    knows."""
    if sum(len(line) for line in lines) > PARSE_MAX_CHARS:
        return _scanned(lines, 0, recognised)
    headings, closed = _parsed(lines)
    starts = {h[0] for h in headings}
    for no, line in enumerate(lines):
        if no in starts or not _is_section(line, recognised):
            continue
        at = bisect.bisect_right(closed, (no, len(lines))) - 1
        if at >= 0 and closed[at][0] <= no < closed[at][1]:
            continue  # text in a fence or comment that closes
        return [h for h in headings if h[0] < no] + _scanned(lines, no, recognised)
    return headings


def _parsed(lines: list[str]) -> tuple[list[Heading], list[tuple[int, int]]]:
    """markdown-it's headings, and the line ranges of its fenced code and HTML blocks that
    close (in order)."""
    # A lone carriage return (a progress bar's, pasted) ends a line for markdown-it, not for
    # these lines: as a blank it keeps the two counts of lines the same.
    tokens = _BLOCKS.parse(_LONE_CR.sub(" ", "".join(lines)))
    headings: list[Heading] = []
    closed: list[tuple[int, int]] = []
    for i, tok in enumerate(tokens):
        if not tok.map:
            continue
        start, end = tok.map
        if tok.type == "heading_open":
            inline = tokens[i + 1].content if i + 1 < len(tokens) else ""
            headings.append((start, end, int(tok.tag[1:]), inline))
        elif tok.type == "fence" and end - 1 > start:
            close = _NESTED_CLOSING.match(lines[end - 1].rstrip("\r\n"))
            if close and close.group(1)[0] == tok.markup[0] and \
                    len(close.group(1)) >= len(tok.markup):
                closed.append((start, end))
        elif tok.type == "html_block" and _html_closes(lines[start:end]):
            closed.append((start, end))
    return headings, closed


def _html_closes(block: list[str]) -> bool:
    """Whether an HTML block ends before the end of the note (one that runs to a marker found
    it; one that runs to a blank line always does)."""
    first = block[0]
    for opens, ends in _HTML_ENDS:
        m = opens.match(first)
        if m:
            return bool(ends.search(first, m.end())) or \
                any(ends.search(line) for line in block[1:])
    return True


def _is_section(line: str, recognised: Callable[[str], bool]) -> bool:
    """Whether ``line`` is a level-2 heading of a section this format knows."""
    m = _SECTION.match(line)
    return m is not None and recognised(_title(m.group(1)))


def _title(text: str) -> str:
    """An ATX heading's title: its text without the closing ``#`` sequence."""
    text = text.strip()
    return _ATX_CLOSE.sub("", text) if text.endswith("#") else text


def _scanned(lines: list[str], start: int, recognised: Callable[[str], bool]) -> list[Heading]:
    """The ATX headings of ``lines[start:]``, outside fences and comments (line by line: one
    regular expression over the text finds the lines that may matter)."""
    note = _Lines(lines)
    out: list[Heading] = []
    resume = start
    for m in _MAY_MATTER.finditer(note.text, note.offsets[start]):
        no = note.line_of(m.start())
        if no < resume:
            continue  # inside a fence or comment
        if m.group(1):
            out.append((no, no + 1, len(m.group(1)), _title(m.group(2) or "")))
            continue
        end = note.end(no, m.group(3))
        # never closed: it hides lines up to the next section it would swallow
        resume = end if end is not None else note.next_section(no + 1, recognised)
    return out


class _Lines:
    """A note's lines as one text, with where each line starts, and the lines that close a
    fence or a comment (listed once: a note of many unclosed fences is not scanned again for
    each, and where one ends is found by bisection)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.text = "".join(lines)
        self.offsets = list(itertools.accumulate(map(len, lines), initial=0))
        self.fences: dict[str, tuple[list[int], list[int]]] = {"`": ([], []), "~": ([], [])}
        for m in _CLOSING.finditer(self.text):
            at, size = self.fences[m.group(1)[0]]
            at.append(self.line_of(m.start()))
            size.append(len(m.group(1)))
        self.longest = {c: _suffix_max(size) for c, (_, size) in self.fences.items()}
        self.comments = [self.line_of(m.start()) for m in re.finditer("-->", self.text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.offsets, offset) - 1

    def end(self, no: int, mark: str | None) -> int | None:
        """The line after the fence of ``mark`` (a comment's without one) opened on line
        ``no``, or None when it is never closed (``no + 1`` for a line that opens none)."""
        line = self.lines[no]
        if mark is None:
            if "-->" in line[line.index("<!--") + 4:]:
                return no + 1
            i = bisect.bisect_right(self.comments, no)
            return self.comments[i] + 1 if i < len(self.comments) else None
        if mark[0] == "`" and "`" in line[line.index(mark) + len(mark):]:
            return no + 1  # (a code span, not a fence)
        at, size = self.fences[mark[0]]
        i = bisect.bisect_right(at, no)
        if i == len(at) or self.longest[mark[0]][i] < len(mark):
            return None
        while size[i] < len(mark):
            i += 1
        return at[i] + 1

    def next_section(self, no: int, recognised: Callable[[str], bool]) -> int:
        """The first line from ``no`` on that is a section heading this format knows (else the
        end)."""
        for m in _SECTION.finditer(self.text, self.offsets[no]):
            if recognised(_title(m.group(1))):
                return self.line_of(m.start())
        return len(self.lines)


def _suffix_max(values: list[int]) -> list[int]:
    """``out[i] = max(values[i:])``."""
    out = list(values)
    for i in range(len(out) - 2, -1, -1):
        out[i] = max(out[i], out[i + 1])
    return out
