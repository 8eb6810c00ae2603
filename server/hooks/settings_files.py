"""Settings files edited in place: JSON (and JSONC where an agent accepts it) changed by splicing
the text, so everything we do not touch — comments, trailing commas, key order, odd spacing,
another tool's entries — stays byte for byte.

:func:`parse` reads a document into :class:`Node` values that know their spans in the text; the
edit functions return a new text with one change made (insert a member or an item, replace a
value, remove an item or a member). New text is indented like its neighbours (the file's indent
unit and line ending are detected); a container written on one line gets its new item on that
line. Callers parse again after each edit (the files are small).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_MAX_DEPTH = 200
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # public, untyped in typeshed


class ParseError(ValueError):
    """The text is not a document we can edit; the message says where (line:column) and why."""


@dataclass
class Member:
    """One ``"key": value`` of an object: where its key starts, and its value."""

    key: str
    start: int
    value: Node


@dataclass
class Node:
    """A JSON value with its span ``[start, end)`` in the text and its Python value."""

    kind: str  # object, array, string, number, literal
    start: int
    end: int
    value: Any = None
    members: list[Member] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        """The value of ``key`` in an object (the last one when a key repeats), or None."""
        found = [m.value for m in self.members if m.key == key]
        return found[-1] if found else None

    def member_index(self, key: str) -> int | None:
        """The index of ``key``'s (last) member in an object, or None."""
        found = [i for i, m in enumerate(self.members) if m.key == key]
        return found[-1] if found else None


@dataclass
class Format:
    """How a file writes itself: indent unit and line ending."""

    indent: str = "  "
    newline: str = "\n"


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


class _Parser:
    """Recursive descent over one text; ``jsonc`` admits comments and trailing commas."""

    def __init__(self, text: str, jsonc: bool) -> None:
        self.text, self.jsonc, self.pos = text, jsonc, 0

    def fail(self, why: str, pos: int | None = None) -> ParseError:
        """A :class:`ParseError` at ``pos`` (default: here)."""
        return ParseError(f"{why} at {_where(self.text, self.pos if pos is None else pos)}")

    def skip(self) -> None:
        """Skip whitespace and, in JSONC, comments."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            c = text[self.pos]
            if c in " \t\r\n\ufeff":
                self.pos += 1
            elif c == "/" and text.startswith(("//", "/*"), self.pos):
                if not self.jsonc:
                    raise self.fail("a comment (this file must be strict JSON)")
                if text.startswith("//", self.pos):
                    end = text.find("\n", self.pos)
                    self.pos = n if end < 0 else end
                else:
                    end = text.find("*/", self.pos + 2)
                    if end < 0:
                        raise self.fail("an unclosed /* comment")
                    self.pos = end + 2
            else:
                return

    def document(self) -> Node:
        """The whole text: one value and nothing after it."""
        self.skip()
        node = self.value(0)
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("unexpected text after the document")
        return node

    def value(self, depth: int) -> Node:
        """The value starting here."""
        if depth > _MAX_DEPTH:
            raise self.fail("nesting too deep")
        text, start = self.text, self.pos
        if start >= len(text):
            raise self.fail("unexpected end of file")
        c = text[start]
        if c == "{":
            return self.container(depth, "object", "}")
        if c == "[":
            return self.container(depth, "array", "]")
        if c == '"':
            return Node("string", start, self.string_end(), self.last_string)
        m = _NUMBER.match(text, start)
        if m:
            self.pos = m.end()
            return Node("number", start, self.pos, json.loads(m.group()))
        for word, val in _LITERALS.items():
            if text.startswith(word, start):
                self.pos = start + len(word)
                return Node("literal", start, self.pos, val)
        raise self.fail(f"unexpected {c!r}")

    last_string = ""

    def string_end(self) -> int:
        """Read the string starting here; its value goes to ``last_string``."""
        try:
            self.last_string, self.pos = _scanstring(self.text, self.pos + 1)
        except json.JSONDecodeError as e:
            raise self.fail(e.msg, e.pos) from e
        return self.pos

    def container(self, depth: int, kind: str, close: str) -> Node:
        """An object or an array starting here."""
        node = Node(kind, self.pos, -1)
        self.pos += 1
        while True:
            self.skip()
            if self.text.startswith(close, self.pos):
                break
            if self.pos >= len(self.text):
                raise self.fail(f"unexpected end of file (a '{close}' is missing)")
            if node.members or node.items:
                if not self.text.startswith(",", self.pos):
                    raise self.fail(f"expected ',' or '{close}'")
                comma = self.pos
                self.pos += 1
                self.skip()
                if self.text.startswith(close, self.pos):
                    if not self.jsonc:
                        raise self.fail("a trailing comma (this file must be strict JSON)", comma)
                    break
            if kind == "object":
                node.members.append(self.member(depth))
            else:
                node.items.append(self.value(depth + 1))
        self.pos += 1
        node.end = self.pos
        node.value = ({m.key: m.value.value for m in node.members} if kind == "object"
                      else [i.value for i in node.items])
        return node

    def member(self, depth: int) -> Member:
        """One ``"key": value`` starting here."""
        start = self.pos
        if not self.text.startswith('"', start):
            raise self.fail("expected a quoted key")
        self.string_end()
        key = self.last_string
        self.skip()
        if not self.text.startswith(":", self.pos):
            raise self.fail("expected ':'")
        self.pos += 1
        self.skip()
        return Member(key, start, self.value(depth + 1))


def parse(text: str, *, jsonc: bool = False) -> Node:
    """The document in ``text`` (:class:`ParseError` when it is not one)."""
    return _Parser(text, jsonc).document()


def detect_format(text: str) -> Format:
    """The file's indent unit (a tab, or the smallest indent in spaces; 2 when nothing is
    indented) and line ending."""
    newline = "\r\n" if "\r\n" in text else "\n"
    indents = [m.group(1) for m in re.finditer(r"^([ \t]+)\S", text, re.M)]
    if any(i.startswith("\t") for i in indents):
        return Format("\t", newline)
    sizes = [len(i) for i in indents]
    return Format(" " * (min(sizes) if sizes else 2), newline)


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _indent_of_line(text: str, pos: int) -> str:
    start = _line_start(text, pos)
    m = re.match(r"[ \t]*", text[start:])
    return m.group() if m else ""


def _starts_line(text: str, pos: int) -> bool:
    return text[_line_start(text, pos):pos].strip(" \t") == ""


def _skip_blank(text: str, pos: int, *, comments: bool) -> int:
    """``pos`` moved past whitespace (and comments when asked)."""
    n = len(text)
    while pos < n:
        if text[pos] in " \t\r\n":
            pos += 1
        elif comments and text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = n if end < 0 else end
        elif comments and text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            pos = n if end < 0 else end + 2
        else:
            break
    return pos


def _end_of_line(text: str, pos: int) -> int:
    """Where the line of ``pos`` ends, past spaces and a comment on it (the newline kept)."""
    n = len(text)
    while pos < n and text[pos] in " \t":
        pos += 1
    if text.startswith("//", pos):
        end = text.find("\n", pos)
        return n if end < 0 else (end - 1 if text[end - 1:end] == "\r" else end)
    if text.startswith("/*", pos):
        end = text.find("*/", pos + 2)
        if end >= 0 and "\n" not in text[pos:end]:
            return _end_of_line(text, end + 2)
    return pos


def render(value: Any, fmt: Format, base: str, *, inline: bool = False) -> str:
    """``value`` as JSON text to stand at indentation ``base`` (on one line when ``inline``)."""
    if inline:
        return json.dumps(value, ensure_ascii=False)
    text = json.dumps(value, ensure_ascii=False, indent=fmt.indent)
    return text.replace("\n", fmt.newline + base)


def _splice(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _entries(node: Node) -> list[tuple[int, int]]:
    """(start, end) of each member or item of a container."""
    if node.kind == "object":
        return [(m.start, m.value.end) for m in node.members]
    return [(i.start, i.end) for i in node.items]


def _insert(text: str, node: Node, entry: str | None, value: Any, fmt: Format) -> str:
    """``text`` with a new last entry in container ``node``: ``"entry": value`` in an object
    (``entry`` is the key), ``value`` in an array."""
    head = "" if entry is None else json.dumps(entry, ensure_ascii=False) + ": "
    spans = _entries(node)
    inline = "\n" not in text[node.start:node.end]
    one_line = head + render(value, fmt, "", inline=True)
    if not spans:
        open_indent = _indent_of_line(text, node.start)
        if inline and "\n" not in text.strip():
            return _splice(text, node.end - 1, node.end - 1, one_line)
        child = open_indent + fmt.indent
        interior = text[node.start + 1:node.end - 1].rstrip(" \t\r\n")
        new = (interior + fmt.newline + child + head + render(value, fmt, child)
               + fmt.newline + open_indent)
        return _splice(text, node.start + 1, node.end - 1, new)
    last_start, last_end = spans[-1]
    after = _skip_blank(text, last_end, comments=True)
    trailing = text.startswith(",", after) and after < node.end - 1
    if inline:
        if trailing:
            return _splice(text, after + 1, after + 1, " " + one_line + ",")
        return _splice(text, last_end, last_end, ", " + one_line)
    indent = (_indent_of_line(text, last_start) if _starts_line(text, last_start)
              else _indent_of_line(text, node.start) + fmt.indent)
    where = _end_of_line(text, after + 1 if trailing else last_end)
    new = fmt.newline + indent + head + render(value, fmt, indent) + ("," if trailing else "")
    text = _splice(text, where, where, new)
    return text if trailing else _splice(text, last_end, last_end, ",")


def insert_member(text: str, obj: Node, key: str, value: Any, fmt: Format) -> str:
    """``text`` with ``"key": value`` added as the last member of object ``obj``."""
    return _insert(text, obj, key, value, fmt)


def append_item(text: str, array: Node, value: Any, fmt: Format) -> str:
    """``text`` with ``value`` added as the last item of ``array``."""
    return _insert(text, array, None, value, fmt)


def replace_value(text: str, node: Node, value: Any, fmt: Format) -> str:
    """``text`` with ``node``'s value replaced by ``value`` (indented where it stands)."""
    inline = "\n" not in text[node.start:node.end]
    new = render(value, fmt, _indent_of_line(text, node.start),
                 inline=inline and not isinstance(value, (dict, list)))
    return _splice(text, node.start, node.end, new)


def _remove(text: str, node: Node, index: int) -> str:
    """``text`` without entry ``index`` of container ``node``, its comma and, when it had its
    lines to itself, those lines; the container's own style of trailing comma is kept."""
    spans = _entries(node)
    start, end = spans[index]
    after = _skip_blank(text, end, comments=False)
    comma = text.startswith(",", after) and after < node.end - 1
    last = index == len(spans) - 1
    if last and not comma and index > 0:
        prev_end = spans[index - 1][1]
        between = text[prev_end:start]
        if "//" not in between and "/*" not in between:
            return _splice(text, prev_end, end, "")  # ", <entry>" (and its line) goes
        prev_comma = _skip_blank(text, prev_end, comments=False)
        text = _line_cut(text, start, end)
        if text.startswith(",", prev_comma):
            text = _splice(text, prev_comma, prev_comma + 1, "")
        return text
    cut_end = after + 1 if comma else end
    text = _line_cut(text, start, cut_end)
    if len(spans) == 1:  # the container is empty now: nothing but blanks inside becomes {} / []
        reparsed_end = text.find("]" if node.kind == "array" else "}", node.start)
        if reparsed_end > 0 and text[node.start + 1:reparsed_end].strip(" \t\r\n") == "":
            text = _splice(text, node.start + 1, reparsed_end, "")
    return text


def _line_cut(text: str, start: int, end: int) -> str:
    """``text`` without ``[start, end)``, taking the whole lines when the span had them alone."""
    rest = end
    while rest < len(text) and text[rest] in " \t":
        rest += 1
    if _starts_line(text, start) and (rest >= len(text) or text[rest] in "\r\n"):
        line = _line_start(text, start)
        nl = text.find("\n", rest)
        return _splice(text, line, len(text) if nl < 0 else nl + 1, "")
    return _splice(text, start, rest if text[end - 1:end] == "," else end, "")


def remove_item(text: str, array: Node, index: int) -> str:
    """``text`` without item ``index`` of ``array``."""
    return _remove(text, array, index)


def remove_member(text: str, obj: Node, index: int) -> str:
    """``text`` without member ``index`` of object ``obj``."""
    return _remove(text, obj, index)
