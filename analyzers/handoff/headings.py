"""Where the sections of a handoff note begin, and which of its lines are quoted text: its
headings and blocks as Markdown reads them, except where a person's slip would make one section
swallow the rest of the note.

A note's human sections are split at its level-1 and level-2 headings (see
:func:`analyzers.handoff.markdown.parse_note`). Read strictly, a code fence opened and never
closed (```` ``` ```` or ``~~~``), an HTML comment or ``<pre>`` never closed, or lists nested
deeper than the parser's limit (markdown-it's ``maxNesting``: it reads nothing after) runs to the
end of the note, and every section after it is read as part of the one it is in; a forgotten
closing fence is even closed by the opener of a later block (```` ```sh ```` under How to
verify), and the sections between are code. A person who forgot a closing fence still means
their ``## Decisions`` to be Decisions, so:

* a line that is a section heading this note format knows (``## Decisions``, ``## Next
  steps``, ...; the ``recognised`` titles) ends the fence or HTML block it is in, whether or
  not a later line closes it, and the note after that line is read on its own, line by line
  (below). A heading of another name in a fence or comment that closes is text;
* a generated-block marker line (``marks``: of each name, the first pair; a later one is a
  person's copy) ends a block that never closes, or one closed by what reads as a later
  block's opener (a ```` ```sh ```` inside a ```` ``` ```` fence, a ``<!--`` inside a comment, a
  ``<pre>`` inside one); inside a block that closes it is quoted text, a person's example. A
  block appended at the end of a note that ends in an open one comes after a line closing it
  (:func:`closing_line`);
* a note over :data:`PARSE_MAX_CHARS` (250,000 characters) or :data:`MAX_BLOCK_STEPS` lines is
  read line by line from the start, and so is one on which markdown-it's block pass tries its
  rules more than :data:`MAX_BLOCK_STEPS` times (a list nested on every line, setext headings,
  reference definitions, HTML blocks, ...): Markdown-parsing it takes seconds (about 40 µs a
  line: 6 MB of short headings took 20 s; 0.3 MB of nested list lines 6 s), more than an agent
  gives a hook.

Read line by line, a heading is an ATX heading (``#`` to ``######`` after at most three spaces)
outside fenced code and HTML blocks, with the same rules. Its HTML blocks are CommonMark's: those
that end at a marker (``<!--`` ... ``-->``, ``<pre>``, ``<script>``, ``<style>``,
``<textarea>``, ``<?``, ``<!X``, ``<![CDATA[``; ``<!-->`` is a whole comment), and those that
end at a blank line (``<div>``, ``</details>`` and the other block tags; any tag alone on a
line, ``<my-tag>``, after a blank line, a heading, a thematic break, a setext underline
(``===`` under a paragraph) or a block that ended on the line before: a closing fence, our end
marker, a block quote whose last block is not a paragraph, ``> <!-- c -->``, ``> <div>``,
``> - ```md``). A fence opened in a list item (``- step`` then ``  ```sh``, or ``    ```sh``:
up to three columns in from the item's text, else an indented code block's line; on the item's
own line, ``- ```md``; after lines of the item's paragraph that run on lazily, ``- step`` then
``more`` then ``  ```sh``) ends with the item, at the first line indented less than the item's
text (a tab reaches the next multiple of four columns, CommonMark's tab stops: a Go line,
``\tfmt.Println(1)``, is in an item at column 2), as CommonMark ends it: a later
```` ``` ```` does not close it; a recognised section heading on the fence's last line, the
line before the item ends, starts its section. A fence at the margin is closed
by its mark after at most three spaces, never by an indented one (``    ``` ``, a tab,
``> ``` ``), even on the note's last line. The two readers agree on these
(tests/test_handoff_agree.py); where they read a shape differently, the note's sections and
blocks would change with its size (a note crossing 250,000 characters between two runs would
have a block appended, or be refused, on the second). So:

* a heading in a block quote is the person's quoted text for both (``> ## Decisions``), as is
  one on a list item's first line (``- ## Decisions``);
* a heading on a line of its own in a list item, indented at most three spaces (``- item`` then
  ``  # Sub``), is a heading for both (markdown-it puts it in the list; the line reader cannot
  tell list items from the text after them): it ends the section before it;
* a setext heading (``Decisions`` underlined with ``---`` or ``===``) is text for both: it
  stays in the section before it (the line reader cannot see one, which takes the paragraph it
  underlines, list items and lazy lines into account; the note's own headings are ATX);
* a marker of ours indented four columns or more (``    <!-- ctxsteward:generated:begin work
  -->``, or after a tab) is a person's text for both, never a damaged marker: markdown-it reads
  it as an indented code block's (a person's example) or a paragraph's text, and the line
  reader cannot tell an indented code block from a list item's text; a note was refused for it.

The line reader also follows a tab after a list item's marker (``-\t```md``: the item's text at
the next tab stop), a list item indented four spaces or more in another (``- a`` then ``    -
```md``), a list item's first line inside an HTML block (``<div>`` then ``- item``: the block's
text), and a tag alone on its line after an indented code block, after a list item that holds
a heading (``- ## Next steps``), or after a second ``===`` under a setext heading (a paragraph
of its own, which the tag runs on, not an HTML block).

Shapes the line reader still does not follow (a random run of notes built of these shapes'
lines finds 0 to 0.05% of them read differently): a tag alone on its line after a setext
heading whose paragraph follows an indented code block (``    code``, ``===``, ``===``) or
after a list item whose text is more than four columns past its marker (``-\t\t```md``: an
indented code block in the item), and a fence in a list item after a nested item's lazy line
(``- item``, ``  - sub``, ``lazy line``, ``   ```): the line reader reads it at the margin.
A hostile review (session 21) found these shapes read differently in combination: an HTML
block's opening tag inside a closed fence (``~~~`` then ``<pre>`` then ``~~~``) or ``</pre>``
right after our end marker, taken as an open HTML block; a nested item 4+ columns in a block
quote (``> - a``, ``>     - ```md``); a setext ``===`` under a list item's heading; a tag after
an item holding a thematic break or a comment (``- ***``); a tab before a nested item's marker
(``-\t- ```md``). With a person's example block in such a note, a note over 250,000 characters
can have the example read as the real block; its content is not replaced for all that: a block
is replaced only when it holds what was written in it (the digest its begin marker records, see
:mod:`analyzers.handoff.markdown`), so the example is left as it is and the command says so.

Nothing here changes the note: these are offsets into it.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.html_block import HTML_SEQUENCES

# A longer note is read line by line (see the module's docstring): markdown-it's block state
# alone walks every character in Python (1.7 s for 0.95 MB at load 4 on 2 cores, whatever the
# shape), and the block pass adds more per line.
PARSE_MAX_CHARS = 250_000

Heading = tuple[int, int, int, str]  # start line, end line (0-based, exclusive), level, title
Span = tuple[int, int]  # a block's lines: first, and the one after its last (0-based)

# Block structure only: a heading's text is its inline token's content, which the block pass
# sets; parsing every paragraph's inline markup (a third of the time) would be thrown away.
_BLOCKS = MarkdownIt("commonmark").disable("inline")
# markdown-it's block pass costs 10 to 130 µs each time a rule is tried at a line (a block's
# start or a paragraph's next line), and some notes under a megabyte make it try hundreds of
# thousands (a list nested on every line: 6 s for 0.3 MB; reference definitions over several
# lines, HTML blocks, setext headings...). After MAX_BLOCK_STEPS tries (a note of a few thousand
# lines; deterministic, whatever the machine's load) the note is read line by line instead; a
# note of more lines than that is read line by line from the first (its paragraphs' lines are
# tries too: parsing it would be time lost).
MAX_BLOCK_STEPS = 10_000
_STEPS = "ctxsteward_block_steps"


class _TooManySteps(Exception):
    pass


def _step(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A rule tried before every other one (and as a paragraph's terminator): counts the tries,
    matches nothing."""
    state.env[_STEPS] += 1
    if state.env[_STEPS] > MAX_BLOCK_STEPS:
        raise _TooManySteps
    return False


_BLOCKS.block.ruler.before("table", "ctxsteward_steps", _step,
                           {"alt": ["paragraph", "reference", "blockquote", "list"]})
_LONE_CR = re.compile(r"\r(?!\n)")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_CLOSING = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*\r?$", re.M)
# a fence's opening line with an info string (```sh): it can never close a fence
_INFO_OPENER = {c: re.compile(rf"^ {{0,3}}({re.escape(c)}{{3,}})[ \t]*[^\s{re.escape(c)}]", re.M)
                for c in "`~"}
# HTML blocks that end at a marker, not at a blank line (CommonMark's kinds 1 to 5): how one
# opens (at the start of a line), what ends it (on that line or a later one), and an opener of
# the same kind, which inside one reads as a person's forgotten close (None: not looked for)
_HTML = [
    (r"<(?:script|pre|style|textarea)(?=[ \t>]|\r?$)", r"</(?:script|pre|style|textarea)>",
     r"<(?:script|pre|style|textarea)(?=[\s>])"),
    (r"<!--", r"-->", r"<!--"),
    (r"<\?", r"\?>", None),
    (r"<![A-Za-z]", r">", None),
    (r"<!\[CDATA\[", r"\]\]>", None),
]
_HTML_OPEN = [re.compile(r"[ \t]*" + o, re.I) for o, _, _ in _HTML]
_HTML_END = [re.compile(e, re.I) for _, e, _ in _HTML]
_HTML_AGAIN = [re.compile(a, re.I) if a else None for _, _, a in _HTML]
# an ATX heading (level, title), or a line opening a fence (its mark) or an HTML block (one
# that ends at a marker; else one that may end at a blank line)
_MAY_MATTER = re.compile(
    r"^ {0,3}(?:(#{1,6})(?:[ \t]+([^\r\n]*)|[ \t]*\r?$)|(`{3,}|~{3,})|(<(?:[!?]|(?i:"
    r"script|pre|style|textarea)(?=[ \t>]|\r?$)))|(<[A-Za-z/])"
    r"|(?:[-+*]|\d{1,9}[.)])[ \t]{1,4}(`{3,}|~{3,}))"  # (6: a fence on an item's line)
    r"|^[ \t]+(?:(?:[-+*]|\d{1,9}[.)])[ \t]{1,4})?(`{3,}|~{3,})", re.M)  # (7: indented four
    # columns or more: in a list item, or on the line of an item in one)
_SECTION = re.compile(r"^ {0,3}##[ \t]+([^\r\n]*)", re.M)
_FENCE_OPENS = re.compile(r" {0,3}(`{3,}|~{3,})")
_ATX_LINE = re.compile(r" {0,3}#{1,6}(?:[ \t]|\r?$)")
# a line that may open an HTML block ending at a blank line (CommonMark's kinds 6 and 7; the
# rules are markdown-it's own)
_MAY_OPEN_HTML = re.compile(r"^ {0,3}<[A-Za-z/]", re.M)
_HTML_BLOCK_TAG = HTML_SEQUENCES[5][0]  # <div>, </details>, ...: may interrupt a paragraph
_HTML_ANY_TAG = HTML_SEQUENCES[6][0]  # <my-tag> alone on its line: may not
_BLANK = re.compile(r"^[ \t]*\r?$", re.M)
_ALL_BLANK = re.compile(r"\A[ \t]*\r?\n?\Z")  # (what ends an HTML block such as <div>)
_SETEXT_UNDERLINE = re.compile(r" {0,3}=+[ \t]*\r?\n?$")
_QUOTED = re.compile(r"(?: {0,3}>[ \t]?)+")  # a block quote's line, and its marks
_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*\r?\n?$")  # or a setext underline
# a line that does not run on a paragraph (lazily, in a list item): a blank one, or one that
# opens a block (a heading, a fence, a quote, a thematic break, a list item, an HTML block but
# one of a tag alone, ``<my-tag>``: group 1)
_NOT_PLAIN = re.compile(
    r"^(?:[ \t]*\r?$| {0,3}(?:#{1,6}(?:[ \t]|\r?$)|`{3,}|~{3,}|>|(?P<hr>[-*_])(?:[ \t]*(?P=hr)){2,}"
    r"[ \t]*\r?$|(?:[-+*]|\d{1,9}[.)])(?:[ \t]|\r?$)|(?P<html><[!?/A-Za-z][^\r\n]*)))", re.M)
# a list item's first line: its indent, marker and the spaces or tabs after (see :func:`_item`)
_ITEM = re.compile(r"([ \t]*)([-+*]|\d{1,9}[.)])([ \t]{1,4})(?=\S)")
_ITEM_MAX_COLUMN = 3 + 10 + 4
_MAX_NESTING = 20  # (markdown-it's maxNesting: lists nested deeper are read as nothing)


def note_structure(lines: list[str], recognised: Callable[[str], bool],
                   marks: frozenset[int] = frozenset()) -> tuple[list[Heading], list[Span]]:
    """The headings of a note's ``lines`` (each with its line break), as the module's docstring
    says, and the spans of its fenced code and HTML blocks (in order; a line strictly inside
    one is text, not a block marker). ``recognised(title)``: a section this format knows;
    ``marks``: the lines that are generated-block markers if Markdown reads them so. Both end
    a block a person left open (see :func:`_ends_early`)."""
    recognised = functools.lru_cache(maxsize=1024)(recognised)  # (a title repeated: once)
    if len(lines) > MAX_BLOCK_STEPS or sum(len(line) for line in lines) > PARSE_MAX_CHARS:
        return _scanned(lines, 0, recognised, marks)
    try:
        headings, blocks, html_starts = _parsed(lines)
    except _TooManySteps:  # a shape markdown-it is slow on: read line by line from the start
        return _scanned(lines, 0, recognised, marks)
    starts = {h[0] for h in headings} | html_starts
    seen: dict[int, bool] = {}
    for no, line in enumerate(lines):
        if no in starts:
            continue
        section = _is_section(line, recognised)
        if not section and no not in marks:
            continue
        at = bisect.bisect_left(blocks, (no, -1)) - 1
        if not section and at >= 0 and blocks[at][0] < no < blocks[at][1]:
            if at not in seen:
                seen[at] = not _ends_early(lines, blocks[at])
            if seen[at]:
                continue  # text in a fence or comment that closes
        kept = [(s, min(e, no)) for s, e in blocks if s < no]
        more_headings, more_blocks = _scanned(lines, no, recognised, marks)
        return [h for h in headings if h[0] < no] + more_headings, kept + more_blocks
    return headings, blocks


# what closes an HTML block of CommonMark's kinds 1 to 5, after what opens it (as _HTML reads it)
_HTML_CLOSERS = ((re.compile(r"[ \t]*<(script|pre|style|textarea)", re.I), "</{}>"),
                 (re.compile(r"[ \t]*<!--"), "-->"), (re.compile(r"[ \t]*<\?"), "?>"),
                 (re.compile(r"[ \t]*<!\[CDATA\["), "]]>"), (re.compile(r"[ \t]*<![A-Za-z]"), ">"))


def closing_line(line: str) -> str | None:
    """A line that closes the fenced code or HTML block opened by ``line`` at the margin (the
    fence's own mark; what ends an HTML block that ends at a marker), or None (a fence in a list
    item or a block quote: a line at the margin after a blank one ends it)."""
    fence = _FENCE_OPENS.match(line)
    if fence:
        return fence.group(1)
    for opens, closer in _HTML_CLOSERS:
        m = opens.match(line)
        if m:
            return closer.format(*(g.lower() for g in m.groups()))
    return None


def _parsed(lines: list[str]) -> tuple[list[Heading], list[Span], set[int]]:
    """markdown-it's headings, the line spans of its fenced code and HTML blocks (in order; one
    that never closes runs past the end of the note: one that ends before the end was closed,
    by its closer or by the list item or quote it is in), and where its HTML blocks start."""
    # A lone carriage return (a progress bar's, pasted) ends a line for markdown-it, not for
    # these lines: as a blank it keeps the two counts of lines the same.
    tokens = _BLOCKS.parse(_LONE_CR.sub(" ", "".join(lines)), {_STEPS: 0})
    headings: list[Heading] = []
    blocks: list[Span] = []
    html_starts: set[int] = set()
    for i, tok in enumerate(tokens):
        if not tok.map:
            continue
        start, end = tok.map
        if tok.type == "heading_open" and tok.markup.startswith("#") and (
                tok.level == 0 or _ATX_LINE.match(lines[start])):
            # (a heading in a block quote or list item is quoted text, as the line reader
            # reads it: ``> ## Decisions`` is not a section; one it sees as a heading line, an
            # indented one in a list item (``- item`` then ``  # Sub``), is one for both. A
            # setext heading, ``Decisions`` underlined, is text for both: see the docstring)
            inline = tokens[i + 1].content if i + 1 < len(tokens) else ""
            headings.append((start, end, int(tok.tag[1:]), inline))
        elif tok.type == "fence":
            # (one that runs to the note's end closed on its last line if that line is not
            # in its content: markdown-it's reading, wherever the fence is, in a list item or a
            # quote; an indented ``    ```` is no closing line of a fence at the margin)
            closes = end < len(lines) or _content_lines(tok.content) < end - start - 1
            blocks.append((start, end if closes else len(lines) + 1))
        elif tok.type == "html_block":
            html_starts.add(start)
            if any(opens.match(lines[start]) for opens in _HTML_OPEN):  # (its kinds 1 to 5)
                closes = end < len(lines) or _html_closes(lines[start:end])
                blocks.append((start, end if closes else len(lines) + 1))
    return headings, sorted(blocks), html_starts


def _content_lines(content: str) -> int:
    """The lines of a fence's content."""
    return content.count("\n") + (1 if content and not content.endswith("\n") else 0)


def _html_closes(block: list[str]) -> bool:
    """Whether an HTML block ends before the end of the note (one that runs to a marker found
    it; one that runs to a blank line always does)."""
    first = block[0]
    for opens, ends in zip(_HTML_OPEN, _HTML_END, strict=True):
        m = opens.match(first)
        if m:
            return bool(ends.search(first, m.end() - len(m.group().lstrip()) + 1)) or \
                any(ends.search(line) for line in block[1:])
    return True


def _ends_early(lines: list[str], block: Span) -> bool:
    """Whether a block ends at a section heading or block marker inside it: it never closes,
    or what closes it reads as a person's forgotten close, the fence or comment they opened
    later (```` ```sh ```` in a ```` ``` ```` fence; a ``<!--`` in a comment; a ``<pre>`` in
    one)."""
    start, end = block
    if end > len(lines):
        return True
    return _reopened("".join(lines[start:end]), 0, None)


def _reopened(text: str, pos: int, endpos: int | None) -> bool:
    """Whether the block opening at ``text[pos:]`` holds, before what closes it (``endpos``:
    after the line that does; else the end of ``text``), an opener of its own kind (see
    :func:`_ends_early`)."""
    endpos = len(text) if endpos is None else endpos
    line_end = text.find("\n", pos, endpos)
    line_end = endpos if line_end < 0 else line_end
    fence = _FENCE_OPENS.match(text, pos, line_end)
    if fence:
        mark = fence.group(1)
        return any(len(m.group(1)) >= len(mark) for m in
                   _INFO_OPENER[mark[0]].finditer(text, line_end, endpos))
    for opens, ends, again in zip(_HTML_OPEN, _HTML_END, _HTML_AGAIN, strict=True):
        m = opens.match(text, pos, line_end)
        if m:
            after = m.end() - len(m.group().lstrip()) + 1  # just after its "<"
            close = ends.search(text, after, endpos)
            limit = close.start() if close else endpos
            return again is not None and again.search(text, after, limit) is not None
    return False


def _is_section(line: str, recognised: Callable[[str], bool]) -> bool:
    """Whether ``line`` is a level-2 heading of a section this format knows."""
    m = _SECTION.match(line)
    return m is not None and recognised(_title(m.group(1)))


def _title(text: str) -> str:
    """An ATX heading's title: its text without the closing ``#`` sequence."""
    text = text.strip()
    return _ATX_CLOSE.sub("", text) if text.endswith("#") else text


def _scanned(lines: list[str], start: int, recognised: Callable[[str], bool],
             marks: frozenset[int]) -> tuple[list[Heading], list[Span]]:
    """The ATX headings of ``lines[start:]`` outside fences and HTML blocks, and those blocks'
    spans (line by line: one regular expression over the text finds the lines that may
    matter)."""
    note = _Lines(lines)
    out: list[Heading] = []
    blocks: list[Span] = []
    at = note.offsets[start]
    after = start  # the line after the last block (a fence, an HTML block, a heading) read
    while (m := _MAY_MATTER.search(note.text, at)) is not None:
        no = note.line_of(m.start())
        at = note.offsets[no + 1]
        if m.group(1):
            out.append((no, no + 1, len(m.group(1)), _title(m.group(2) or "")))
            after = no + 1
            continue
        if m.group(5):  # an HTML block that ends at a blank line: its lines are not looked at
            if note.opens_html(no, after) and (blank := note.next_blank(no + 1)) > no + 1:
                at = note.offsets[min(blank, note.next_section(no + 1, recognised),
                                      _next(note.marks(marks), no + 1, len(lines)))]
            continue
        section = note.next_section(no + 1, recognised)
        mark = _next(note.marks(marks), no + 1, len(lines))
        end = note.end(no, m.group(3) or m.group(6) or m.group(7),
                       m.start(4) if m.group(4) else -1)
        if end == no:
            continue
        # A section heading ends the block it is in; a block marker ends one never closed, or
        # closed by what reads as a later block's opener (the marker's own ``<!--``, when its
        # ``-->`` is what closes a comment left open: as markdown-it's reading finds it)
        if end is None or (mark < min(section, end)
                           and _reopened(note.text, m.start(), note.offsets[end])):
            end = min(section, mark)
        elif section < end:  # (also on a fence's last line: one ended by its item's end)
            end = section
        if end > no + 1:
            blocks.append((no, end))
        after = end
        at = note.offsets[end]  # (the lines inside a fence or an HTML block are not looked at)
    return out, blocks


class _Lines:
    """A note's lines as one text, with where each line starts, and where fences and HTML
    blocks close (listed once: a note of many unclosed ones is not scanned again for each, and
    where one ends is found by bisection)."""

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
        self.html_ends: list[list[int] | None] = [None] * len(_HTML_END)
        self._sections: list[int] | None = None
        self._marks: list[int] | None = None
        self._blanks: list[int] | None = None
        self._shallow: dict[int, list[int]] = {}
        self._not_plain: list[int] | None = None
        self._html_runs: dict[int, tuple[list[int], list[int]]] = {}
        self._code_runs: dict[int, tuple[int, bool]] = {}
        self._setext_runs: dict[int, tuple[int, bool]] = {}

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.offsets, offset) - 1

    def end(self, no: int, mark: str | None, html: int) -> int | None:
        """The line after the fence of ``mark`` (else the HTML block at offset ``html``) opened
        on line ``no``, or None when it is never closed (``no`` for a line that opens none:
        a paragraph's)."""
        line = self.lines[no]
        if mark is None:
            return self._html_end(no, html)
        if mark[0] == "`" and "`" in line[line.index(mark) + len(mark):]:
            return no  # (a code span, not a fence)
        if line.lstrip(" \t")[:1] not in "`~" and self._item_at(no) is None:
            return no  # (``-\t\t```md``: an item's indented code block, no fence)
        column = _column(line)
        if column >= 4 + _ITEM_MAX_COLUMN:
            return no  # (an indented code block's line, in a list item or not)
        item = self._item_column(no)
        if column >= 4 and (item is None or column - item >= 4):
            return no
        if item is not None:
            return self._item_fence_end(no, mark, item)
        at, size = self.fences[mark[0]]
        i = bisect.bisect_right(at, no)
        if i == len(at) or self.longest[mark[0]][i] < len(mark):
            return None
        while size[i] < len(mark):
            i += 1
        return at[i] + 1

    def _less_indented(self, column: int) -> list[int]:
        """The non-blank lines indented less than ``column`` (which end a list item whose
        content is there; a fence in one cannot run on lazily)."""
        found = self._shallow.get(column)
        if found is None:  # (a tab reaches the next tab stop: ``\tx`` is at column 4)
            pattern = re.compile(rf"^([ \t]{{0,{column - 1}}})[^ \t\r\n]", re.M)
            found = self._shallow[column] = [self.line_of(m.start())
                                             for m in pattern.finditer(self.text)
                                             if _column(m.group(1)) < column]
        return found

    def _item_column(self, no: int) -> int | None:
        """The content column of the list item the fence opened on line ``no`` is in (else
        None): the item's first line is the first line above indented less than the fence, or
        than the lines it is in (``  ```` closing an item's earlier fence), or the first line
        of the paragraph such a line runs on lazily (``- item`` then ``more``)."""
        line = self.lines[no]
        item = self._item_at(no)
        if item is not None and _FENCE_OPENS.match(line, item[0]):
            return item[1]  # (``- ```md``: opened on the item's first line)
        return self._container(no)

    def _item_at(self, no: int, depth: int = 0) -> tuple[int, int] | None:
        """The list item whose first line is line ``no`` (see :func:`_item`), else None; one
        indented four columns or more is an item only in another one, at most three columns
        from that one's text (``- a`` then ``    - b``; deeper than markdown-it's nesting
        limit, none)."""
        item = _item(self.lines[no], deep=True)
        indent = _column(self.lines[no])
        if item is None or indent < 4:
            return item
        parent = self._container(no, depth + 1) if depth < _MAX_NESTING else None
        return item if parent is not None and indent - parent <= 3 else None

    def _container(self, no: int, depth: int = 0) -> int | None:
        """The content column of the list item line ``no`` is in, below its first line (else
        None; see :meth:`_item_column`)."""
        above, within = no, _column(self.lines[no])  # (the item's text is at ``within`` or
        item = None                                    # further in)
        while within >= 2 and item is None:
            shallower = self._less_indented(within)
            i = bisect.bisect_left(shallower, above) - 1
            if i < 0:
                return None
            above = shallower[i]
            item = None if self._in_html(above) else (
                self._item_at(above, depth) or self._lazy_item(above))
            within = within if item is not None else _column(self.lines[above])
        return item[1] if item is not None and item[1] <= within else None

    def _in_html(self, no: int) -> bool:
        """Whether line ``no`` is in an HTML block opened on a line above it since the last
        blank line (``<div>`` then ``- item``: the item is the block's text, no list's)."""
        blanks = self._blank_lines()
        first = blanks[i] + 1 if (i := bisect.bisect_left(blanks, no) - 1) >= 0 else 0
        spans = self._html_runs.get(first)
        if spans is None:
            spans = self._html_runs[first] = self._html_in_run(first)
        at = bisect.bisect_left(spans[0], no) - 1
        return at >= 0 and no <= spans[1][at]

    def _html_in_run(self, first: int) -> tuple[list[int], list[int]]:
        """The HTML blocks opened in the lines from ``first`` to the next blank one: where
        each opens, and its last line there (each run of lines is read once)."""
        end = self.next_blank(first)
        starts: list[int] = []
        lasts: list[int] = []
        k = first
        while k < end:
            ends = _html_opened(self.lines[k], k > first)
            if ends is not None:
                close = end if ends is _ALL_BLANK else next(
                    (j for j in range(k, end) if ends.search(self.lines[j])), end)
                starts.append(k)
                lasts.append(close)
                k = close
            k += 1
        return starts, lasts

    def _lazy_item(self, no: int) -> tuple[int, int] | None:
        """The list item whose paragraph line ``no`` runs on lazily (see :func:`_item`), else
        None."""
        first = self._lazily_from(no)
        item = _item(self.lines[first]) if first is not None else None
        if item is None or first is None or _NOT_PLAIN.match(self.lines[first][item[0]:]):
            return None  # (only an item's paragraph runs on lazily)
        return item

    def _lazily_from(self, no: int) -> int | None:
        """The line whose paragraph line ``no`` continues (the last line above it that could
        not: a blank line, a heading, a list item's first line...), else None: ``no`` can
        not be a paragraph's line."""
        not_plain = self._not_plain_lines()
        i = bisect.bisect_right(not_plain, no) - 1
        if i < 0 or not_plain[i] == no:
            return None
        return not_plain[i]

    def _not_plain_lines(self) -> list[int]:
        """The lines that are not a paragraph's, nor run one on (see ``_NOT_PLAIN``)."""
        if self._not_plain is None:
            self._not_plain = [
                self.line_of(m.start()) for m in _NOT_PLAIN.finditer(self.text)
                if m.start() < len(self.text) and (
                    m.group("html") is None or _html_interrupts(m.group("html")))]
        return self._not_plain

    def _item_fence_end(self, no: int, mark: str, column: int) -> int | None:
        """The line after the fence of ``mark`` opened on line ``no`` in a list item whose
        content is at ``column``: after its closing line, or the item's end, the first line
        indented less (CommonMark's; None: neither before the note's end)."""
        shallower = self._less_indented(column)
        i = bisect.bisect_right(shallower, no)
        limit = shallower[i] if i < len(shallower) else len(self.lines)
        closing = _item_closing(mark[0], len(mark))
        for no_ in range(no + 1, limit):
            line = self.lines[no_]
            if closing.match(line) and column <= _column(line) <= column + 3:
                return no_ + 1
        return limit if limit < len(self.lines) else None

    def opens_html(self, no: int, after: int) -> bool:
        """Whether line ``no`` opens an HTML block that ends at a blank line (``<div>``
        anywhere; a tag alone on its line, ``<my-tag>``, not in a paragraph: after a blank
        line, a heading, or a block that ended on the line before ``after``: a closing
        fence, a comment such as our block markers)."""
        text = self.lines[no].lstrip(" ").rstrip("\r\n")
        if _HTML_BLOCK_TAG.search(text):
            return True
        previous = self.lines[no - 1] if no > 0 else ""
        return bool(_HTML_ANY_TAG.search(text)) and (
            after == no or not previous.strip() or _ATX_LINE.match(previous) is not None
            or ((item := _item(previous)) is not None and _ATX_LINE.match(previous, item[0])
                is not None)  # (``- ## Next steps``: an item that holds a heading)
            or _BREAK.match(previous) is not None
            or (_QUOTED.match(previous) is not None and not self._quote_runs_on(no - 1))
            or (_SETEXT_UNDERLINE.match(previous) is not None and self._underlines(no - 1))
            or (_column(previous) >= 4 and self._ends_code(no - 1, after)))

    def _ends_code(self, last: int, after: int) -> bool:
        """Whether line ``last`` (indented four columns or more) is an indented code block's
        last line, not a paragraph's, which a tag alone on the next line runs on: the lines
        from the last blank one (a heading, a thematic break, the note's start, a block that
        ended on the line before ``after``: our end marker) to it are all four columns or more
        in from the list item they are in (if any)."""
        not_plain = self._not_plain_lines()
        i = bisect.bisect_right(not_plain, last) - 1
        start = not_plain[i] if i >= 0 else -1
        if start == last:
            return False
        if start >= 0 and start + 1 != after:
            line = self.lines[start]
            if line.strip() and not _ATX_LINE.match(line) and not _BREAK.match(line):
                return False  # (``- item`` or ``> text`` then ``    x``: its paragraph's)
        item = self._item_column(start + 1) if _column(self.lines[start + 1]) < 4 + \
            _ITEM_MAX_COLUMN else None
        least = 4 + (item or 0)
        checked, code = self._code_runs.get(start, (start, True))  # (each run read once)
        if checked > last:
            checked, code = start, True
        for line in self.lines[checked + 1:last + 1] if code else ():
            if _column(line) < least:
                code = False
                break
        self._code_runs[start] = (last, code)
        return code

    def _underlines(self, no: int) -> bool:
        """Whether line ``no``, ``===``, underlines the paragraph above it (a setext heading,
        which a tag alone on the next line does not run on), not one it runs on lazily (a
        list item's or a quote's, from a column left of the item's text)."""
        not_plain = self._not_plain_lines()
        i = bisect.bisect_right(not_plain, no - 1) - 1
        start = not_plain[i] if i >= 0 else -1  # (the line before the paragraph)
        item = _item(self.lines[start]) if start >= 0 else None
        if item is not None and _NOT_PLAIN.match(self.lines[start][item[0]:]):
            item = None  # (``- # Sub``: no paragraph in the item)
        if no == 0 or (start == no - 1 and item is None):
            return False  # (no paragraph's line above)
        # (``g`` ``===`` then ``===``: the second one a paragraph; each run read once)
        read, paragraph = self._setext_runs.get(start, (start + 1, item is not None))
        if read > no:
            read, paragraph = start + 1, item is not None
        for line in self.lines[read:no]:
            paragraph = not (paragraph and _SETEXT_UNDERLINE.match(line))
        self._setext_runs[start] = (no, paragraph)
        if not paragraph:
            return False
        if item is not None:
            return _column(self.lines[no]) >= item[1]
        if start >= 0 and _QUOTED.match(self.lines[start]):
            return False  # (``> text`` then ``===``: the quote's paragraph runs on)
        first = _column(self.lines[start + 1])  # (the paragraph's first line)
        column = self._item_column(start + 1) if first > 0 else 0
        if first >= 4 and (column is None or first - column >= 4):
            return False  # (an indented code block)
        return _column(self.lines[no]) >= (column or 0)

    def _quote_runs_on(self, last: int) -> bool:
        """Whether the block quote whose last line is ``last`` ends in a paragraph, which the
        next line may run on lazily (not in a fence or an HTML block, or after a blank or
        heading line in it; a quoted list item's first line is read from its text on)."""
        first = last
        while first > 0 and _QUOTED.match(self.lines[first - 1]):
            first -= 1  # (each quote is walked once: for the line after it)
        fence, html, paragraph = "", None, False  # (html: what ends the HTML block it is in)
        for line in self.lines[first:last + 1]:
            body = _QUOTED.sub("", line, count=1)
            if fence:
                closing = _FENCE_OPENS.match(body)
                if closing and closing.group(1).startswith(fence) and \
                        not body[closing.end():].strip():
                    fence = ""
                continue
            if html is not None:
                if html.search(body):
                    html = None
                continue
            while item := _item(body):
                body, paragraph = body[item[0]:], False
            if opening := _FENCE_OPENS.match(body):
                fence, paragraph = opening.group(1), False
            elif (html := _html_opened(body, paragraph)) is not None:
                paragraph = False
                if html.search(body, len(body) - len(body.lstrip()) + 1):
                    html = None  # (closed on its first line: ``<!-- c -->``)
            else:
                paragraph = bool(body.strip()) and not (
                    _ATX_LINE.match(body) or _BREAK.match(body)
                    or (not paragraph and _column(body) >= 4))
        return not fence and html is None and paragraph

    def next_blank(self, no: int) -> int:
        """The first blank line from ``no`` on (else the end)."""
        return _next(self._blank_lines(), no, len(self.lines))

    def _blank_lines(self) -> list[int]:
        if self._blanks is None:
            self._blanks = [self.line_of(m.start()) for m in _BLANK.finditer(self.text)
                            if m.start() < len(self.text)]
        return self._blanks

    def _html_end(self, no: int, html: int) -> int | None:
        kind = next((k for k, opens in enumerate(_HTML_OPEN) if opens.match(self.text, html)),
                    None)
        if kind is None:
            return no  # (`<!x` or `<?` alone: no HTML block this reads)
        ends = self.html_ends[kind]
        if ends is None:
            ends = self.html_ends[kind] = [m.start() for m in
                                           _HTML_END[kind].finditer(self.text)]
        # what ends it counts from just after its "<" (`<!-->` and `<!--->` are complete)
        i = bisect.bisect_right(ends, html)
        return self.line_of(ends[i]) + 1 if i < len(ends) else None

    def next_section(self, no: int, recognised: Callable[[str], bool]) -> int:
        """The first line from ``no`` on that is a section heading this format knows (else the
        end)."""
        if self._sections is None:
            self._sections = [self.line_of(m.start()) for m in _SECTION.finditer(self.text)
                              if recognised(_title(m.group(1)))]
        return _next(self._sections, no, len(self.lines))

    def marks(self, marks: frozenset[int]) -> list[int]:
        if self._marks is None:
            self._marks = sorted(marks)
        return self._marks


@functools.lru_cache(maxsize=64)
def _item_closing(char: str, size: int) -> re.Pattern[str]:
    """A line closing a fence of ``size`` ``char`` in a list item, indented (how far: the
    item's content's column to three more)."""
    return re.compile(rf"[ \t]*{re.escape(char)}{{{size},}}[ \t]*\r?\n?$")


def _html_opened(line: str, paragraph: bool) -> re.Pattern[str] | None:
    """What ends the HTML block ``line`` opens (after a ``paragraph``'s line, or not), else
    None: its end marker (``-->``, ``</pre>``...), or a blank line."""
    text = line.lstrip(" ").rstrip("\r\n")
    if _indent(line) > 3 or not text.startswith("<"):
        return None
    for opens, ends in zip(_HTML_OPEN, _HTML_END, strict=True):
        if opens.match(text):
            return ends
    if _HTML_BLOCK_TAG.search(text) or (not paragraph and _HTML_ANY_TAG.search(text)):
        return _ALL_BLANK
    return None


def _html_interrupts(text: str) -> bool:
    """Whether an HTML block opens at ``text`` that may interrupt a paragraph (not one of a
    tag alone on its line, ``<my-tag>``)."""
    return any(opens.match(text) for opens in _HTML_OPEN) or bool(_HTML_BLOCK_TAG.search(text))


def _indent(line: str) -> int:
    """The spaces a line begins with."""
    return len(line) - len(line.lstrip(" "))


def _item(line: str, deep: bool = False) -> tuple[int, int] | None:
    """Where the text on a list item's first line ``line`` starts, and its column (the
    item's content's: a tab after the marker reaches the next tab stop, ``-\t```md`` is at
    column 4), else None: no item (indented four columns or more, unless ``deep``: see
    :meth:`_Lines._item_at`), or one whose text is more than four columns after its marker (an
    indented code block's, not read here)."""
    m = _ITEM.match(line)
    if m is None:
        return None
    indent = _column(m.group(1))
    if indent > 3 and not deep:
        return None
    marker = indent + len(m.group(2))
    column = _column(m.group(3), marker)
    return (m.end(), column) if column - marker <= 4 else None


def _column(line: str, column: int = 0) -> int:
    """The column a line's text begins at (its spaces and tabs from ``column``; a tab reaches
    the next multiple of four, CommonMark's tab stops)."""
    for char in line:
        if char == " ":
            column += 1
        elif char == "\t":
            column += 4 - column % 4
        else:
            break
    return column


def _next(lines: list[int], no: int, default: int) -> int:
    """The first of the sorted ``lines`` from ``no`` on (else ``default``)."""
    i = bisect.bisect_left(lines, no)
    return lines[i] if i < len(lines) else default


def _suffix_max(values: list[int]) -> list[int]:
    """``out[i] = max(values[i:])``."""
    out = list(values)
    for i in range(len(out) - 2, -1, -1):
        out[i] = max(out[i], out[i + 1])
    return out
