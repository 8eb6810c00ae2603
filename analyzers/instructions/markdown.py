"""Markdown structure with source positions: what the checks look at, and where it is.

markdown-it-py gives the block structure (line ranges) and the inline tokens (without columns). We
locate every inline code span and link destination in the source ourselves, and keep only those
that agree with what markdown-it parsed, so a position is either exact or absent. Claude Code's
``@path`` imports are found in inline text only: never in code spans, fenced or indented code
blocks, HTML blocks or frontmatter. Parsing never fails: odd input yields fewer facts.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.token import Token


@dataclass(frozen=True, slots=True)
class Loc:
    """A source range: 0-based lines (indexes of ``Document.lines``), 0-based columns (code
    points), end exclusive: the instructions' LSP-shaped positions (see
    :mod:`analyzers.instructions.findings`)."""

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(slots=True)
class CodeSpan:
    content: str  # as markdown-it normalised it
    loc: Loc  # of the content (inside the backticks)
    outer: Loc  # including the backticks
    raw: str  # the source between the backticks


@dataclass(slots=True)
class Link:
    dest: str  # the destination as written (unescaped)
    loc: Loc  # of the destination
    is_image: bool = False
    is_definition: bool = False


@dataclass(slots=True)
class Import:
    path: str  # after ``@``, with escaped spaces unescaped and trailing punctuation dropped
    loc: Loc  # of the path (after ``@``)
    at_loc: Loc  # including the ``@``


@dataclass(slots=True)
class Heading:
    level: int
    text: str  # rendered text (code spans' content, link text)
    line: int
    end_line: int  # exclusive (setext headings span two lines)


@dataclass(slots=True)
class Section:
    heading: Heading | None  # None for the text before the first heading
    start: int  # first line
    end: int  # exclusive


@dataclass(slots=True)
class Fence:
    info: str
    start: int  # line of the opening fence (or first line of an indented block)
    end: int  # exclusive
    content_start: int  # first content line
    lines: list[str]  # content lines
    fenced: bool


@dataclass(slots=True)
class FrontmatterEntry:
    key: str
    value: object  # str, bool, list[str] or None
    quoted: bool  # the scalar was quoted ("true")
    line: int
    value_loc: Loc | None


@dataclass(slots=True)
class Frontmatter:
    start: int  # line of the opening ---
    end: int  # exclusive: the line after the closing ---
    entries: dict[str, FrontmatterEntry] = field(default_factory=dict)
    problems: list[tuple[Loc, str]] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    text: str  # line breaks normalised to "\n"
    lines: list[str]
    line_starts: list[int]
    frontmatter: Frontmatter | None
    code_spans: list[CodeSpan]
    links: list[Link]
    imports: list[Import]
    headings: list[Heading]
    fences: list[Fence]
    html_lines: set[int]
    text_regions: list[tuple[int, int]]  # (start, end) offsets of inline text blocks

    def loc(self, start: int, end: int) -> Loc:
        """The Loc of text offsets ``start``..``end``."""
        sl, sc = self.position(start)
        el, ec = self.position(end)
        return Loc(sl, sc, el, ec)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        line = max(0, min(line, len(self.line_starts) - 1))
        return line, offset - self.line_starts[line]

    def offset(self, line: int, col: int) -> int:
        if line >= len(self.line_starts):
            return len(self.text)
        return min(self.line_starts[line] + col, len(self.text))

    def sections(self) -> list[Section]:
        """Heading to next heading (any level); text before the first heading is a section too."""
        out: list[Section] = []
        n = len(self.lines)
        body_start = self.frontmatter.end if self.frontmatter else 0
        first = self.headings[0].line if self.headings else n
        if first > body_start and any(s.strip() for s in self.lines[body_start:first]):
            out.append(Section(None, body_start, first))
        for i, h in enumerate(self.headings):
            end = self.headings[i + 1].line if i + 1 < len(self.headings) else n
            out.append(Section(h, h.line, end))
        return out

    def section_text(self, s: Section) -> str:
        return self.text[self.offset(s.start, 0):self.offset(s.end, 0)]


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


FILE_EXTENSIONS = frozenset("""
    md mdc mdx markdown txt rst adoc json jsonc json5 toml yaml yml ini cfg conf env lock xml csv
    py pyi ipynb js mjs cjs jsx ts tsx mts cts vue svelte astro go rs java kt kts scala groovy
    gradle rb php c h cc cpp cxx hpp hh cs fs swift m mm dart lua pl r jl ex exs erl hs clj
    sh bash zsh fish ps1 bat cmd sql graphql gql proto prisma tf hcl nix html htm css scss sass
    less svg png jpg jpeg gif webp ico pdf mk dockerfile properties plist sbt cabal zig nim
""".split())
WELL_KNOWN_FILES = frozenset("""
    Makefile makefile GNUmakefile Dockerfile Containerfile Justfile justfile Procfile Gemfile
    Rakefile Vagrantfile Brewfile Pipfile LICENSE LICENCE CODEOWNERS Jenkinsfile Tiltfile
    CLAUDE.md AGENTS.md GEMINI.md .cursorrules .windsurfrules .gitignore .dockerignore
    .editorconfig .env .envrc .nvmrc .python-version .tool-versions
""".split())


def has_file_extension(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    if base in WELL_KNOWN_FILES:
        return True
    if "." not in base.strip("."):
        return False
    return base.rsplit(".", 1)[1].lower() in FILE_EXTENSIONS


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str) -> Document:
    """Parse ``text`` (any string) into a :class:`Document`."""
    text = normalise_newlines(text).replace("\x00", "\ufffd")
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    fm = _frontmatter(lines)
    masked = text
    if fm is not None:
        a, b = starts[fm.start], (starts[fm.end] if fm.end < len(starts) else len(text))
        masked = text[:a] + re.sub(r"[^\n]", " ", text[a:b]) + text[b:]
    doc = Document(text=text, lines=lines, line_starts=starts, frontmatter=fm, code_spans=[],
                   links=[], imports=[], headings=[], fences=[], html_lines=set(),
                   text_regions=[])
    env: dict[str, object] = {}
    tokens = parser().parse(masked, env)
    _walk(doc, tokens)
    _definitions(doc, env)
    return doc


# -- blocks -------------------------------------------------------------------------------------

def _walk(doc: Document, tokens: list[Token]) -> None:
    regions: list[tuple[tuple[int, int], list[Token]]] = []
    pending_heading: tuple[int, Token] | None = None
    for tok in tokens:
        if tok.type in ("fence", "code_block") and tok.map:
            a, b = tok.map
            fenced = tok.type == "fence"
            content_start = a + 1 if fenced else a
            content_lines = tok.content.split("\n")
            if content_lines and content_lines[-1] == "":
                content_lines.pop()
            doc.fences.append(Fence(info=tok.info.strip(), start=a, end=b,
                                    content_start=content_start, lines=content_lines,
                                    fenced=fenced))
        elif tok.type == "html_block" and tok.map:
            doc.html_lines.update(range(tok.map[0], tok.map[1]))
        elif tok.type == "heading_open" and tok.map:
            level = int(tok.tag[1]) if tok.tag[1:].isdigit() else 1
            pending_heading = (level, tok)
        elif tok.type == "inline" and tok.map:
            span = (tok.map[0], tok.map[1])
            if regions and regions[-1][0] == span:
                regions[-1][1].append(tok)
            else:
                regions.append((span, [tok]))
            if pending_heading is not None:
                level, open_tok = pending_heading
                assert open_tok.map is not None
                doc.headings.append(Heading(level=level, text=_plain_text(tok).strip(),
                                            line=open_tok.map[0], end_line=open_tok.map[1]))
                pending_heading = None
    for (a, b), toks in regions:
        children: list[Token] = []
        for t in toks:
            children.extend(t.children or [])
        _inline_region(doc, a, b, children)


def _plain_text(tok: Token) -> str:
    out = []
    for c in tok.children or []:
        if c.type in ("text", "code_inline"):
            out.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif c.type == "image":
            out.append(c.content)
    return "".join(out)


# -- inline -------------------------------------------------------------------------------------

_LINK_DEST = re.compile(
    r"\]\([ \t]*\n?[ \t]*(?:<((?:[^<>\n\\]|\\.)*)>|((?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))")
# Claude Code: ``@`` at the start or after whitespace, then a path; ``\ `` escapes a space.
_IMPORT = re.compile(r"(?:(?<=\s)|^)@((?:[^\s\\]|\\ )+)", re.M)
_TRAILING = ".,;:!?)]}\"'>*_"


def _inline_region(doc: Document, first: int, last: int, children: list[Token]) -> None:
    start = doc.line_starts[first] if first < len(doc.line_starts) else len(doc.text)
    end = doc.line_starts[last] if last < len(doc.line_starts) else len(doc.text)
    src = doc.text[start:end]
    doc.text_regions.append((start, end))

    spans = _scan_code_spans(src)
    k = 0
    taken: list[tuple[int, int]] = []
    for c in children:
        if c.type != "code_inline":
            continue
        while k < len(spans):
            a, b, ia, ib = spans[k]
            k += 1
            if _normalise_code(src[ia:ib]) == c.content:
                doc.code_spans.append(CodeSpan(
                    content=c.content, loc=doc.loc(start + ia, start + ib),
                    outer=doc.loc(start + a, start + b), raw=src[ia:ib]))
                taken.append((a, b))
                break
    code_ranges = [(a, b) for a, b, _, _ in spans]

    dests = [m for m in _LINK_DEST.finditer(src) if not _inside(m.start(), code_ranges)]
    j = 0
    md = parser()
    for c in children:
        if c.type not in ("link_open", "image") or c.markup == "autolink":
            continue
        href = str(c.attrs.get("href" if c.type == "link_open" else "src", ""))
        for i in range(j, len(dests)):
            m = dests[i]
            gi = 1 if m.group(1) is not None else 2
            raw = m.group(gi) or ""
            if md.normalizeLink(unescapeAll(raw)) == href:
                doc.links.append(Link(dest=unescapeAll(raw),
                                      loc=doc.loc(start + m.start(gi), start + m.end(gi)),
                                      is_image=c.type == "image"))
                j = i + 1
                break

    link_ranges = [(m.start(), m.end()) for m in dests]
    for m in _IMPORT.finditer(src):
        if _inside(m.start(), code_ranges) or _inside(m.start(), link_ranges):
            continue
        raw = m.group(1)
        path = raw.rstrip(_TRAILING)
        if not path or not _looks_like_import(path):
            continue
        pa = start + m.start(1)
        doc.imports.append(Import(path=path.replace("\\ ", " "),
                                  loc=doc.loc(pa, pa + len(path)),
                                  at_loc=doc.loc(pa - 1, pa + len(path))))


def _looks_like_import(path: str) -> bool:
    """Skip mentions (@alice) and decorators (@pytest.fixture); keep what looks like a file."""
    if path.startswith(("~/", "./", "../", "/")):
        return len(path) > 2
    if not re.match(r"[\w.~-]", path) or "://" in path:
        return False
    if "/" in path:
        return True
    return has_file_extension(path)


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def _normalise_code(raw: str) -> str:
    s = raw.replace("\n", " ")
    if len(s) >= 2 and s[0] == " " and s[-1] == " " and s.strip(" "):
        s = s[1:-1]
    return s


def _scan_code_spans(src: str) -> list[tuple[int, int, int, int]]:
    """CommonMark code spans: (start, end, inner start, inner end) offsets in ``src``."""
    out = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch != "`":
            i += 1
            continue
        j = i
        while j < n and src[j] == "`":
            j += 1
        run = j - i
        k = j
        found = -1
        while k < n:
            k = src.find("`", k)
            if k == -1:
                break
            e = k
            while e < n and src[e] == "`":
                e += 1
            if e - k == run:
                found = k
                break
            k = e
        if found == -1:
            i = j
            continue
        out.append((i, found + run, j, found))
        i = found + run
    return out


def _definitions(doc: Document, env: dict[str, object]) -> None:
    refs = env.get("references")
    if not isinstance(refs, dict):
        return
    rx = re.compile(r"^[ \t]{0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*\n?[ \t]*(?:<([^<>\n]*)>|(\S+))",
                    re.M)
    for ref in refs.values():
        m_ = ref.get("map") if isinstance(ref, dict) else None
        if not m_:
            continue
        a, b = m_
        start = doc.line_starts[a] if a < len(doc.line_starts) else len(doc.text)
        end = doc.line_starts[b] if b < len(doc.line_starts) else len(doc.text)
        m = rx.search(doc.text, start, end)
        if m is None:
            continue
        gi = 1 if m.group(1) is not None else 2
        doc.links.append(Link(dest=unescapeAll(m.group(gi)), loc=doc.loc(m.start(gi), m.end(gi)),
                              is_definition=True))
    doc.links.sort(key=lambda x: (x.loc.line, x.loc.col))


# -- frontmatter --------------------------------------------------------------------------------

_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_ITEM = re.compile(r"^[ \t]+-[ \t]*(.*?)[ \t]*$|^-[ \t]+(.*?)[ \t]*$")


def _frontmatter(lines: list[str]) -> Frontmatter | None:
    """A leading ``---`` ... ``---`` block, read leniently the way rule loaders read it.

    Cursor accepts ``globs: *.ts`` (invalid YAML), so this is not a YAML parser: top-level
    ``key: value`` lines, ``- item`` lists and ``[a, b]`` flow lists.
    """
    if not lines or lines[0].strip() != "---":
        return None
    close = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if close is None:
        return None
    fm = Frontmatter(start=0, end=close + 1)
    current: FrontmatterEntry | None = None
    for i in range(1, close):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM.match(line)
        if item and current is not None and (current.value is None or
                                             isinstance(current.value, list)):
            item_text = (item.group(1) if item.group(1) is not None else item.group(2)) or ""
            if current.value is None:
                current.value = []
            assert isinstance(current.value, list)
            current.value.append(_unquote(item_text)[0])
            continue
        m = _KEY.match(line)
        if m is None:
            if line[:1] in (" ", "\t") and current is not None:
                continue  # a continuation of a block scalar: not something we interpret
            fm.problems.append((Loc(i, 0, i, len(line)),
                                f"frontmatter line {i + 1} is not 'key: value'"))
            current = None
            continue
        key, raw = m.group(1), m.group(2)
        loc = None
        value: object = None
        quoted = False
        if raw is not None and raw != "":
            col = m.start(2)
            loc = Loc(i, col, i, col + len(raw))
            value, quoted = _scalar(raw)
        current = FrontmatterEntry(key=key, value=value, quoted=quoted, line=i, value_loc=loc)
        fm.entries[key] = current
    return fm


def _unquote(raw: str) -> tuple[str, bool]:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1], True
    return raw, False


def _scalar(raw: str) -> tuple[object, bool]:
    s = raw.strip()
    if s.startswith("[") and s.endswith("]"):
        inner = s[1:-1].strip()
        return ([_unquote(x)[0] for x in inner.split(",") if x.strip()] if inner else []), False
    text, quoted = _unquote(s)
    if not quoted:
        low = text.lower()
        if low in ("true", "yes", "on"):
            return True, False
        if low in ("false", "no", "off"):
            return False, False
        if low in ("null", "~"):
            return None, False
    return text, quoted


def slug(text: str) -> str:
    """GitHub's heading anchor: lower-case, punctuation dropped, spaces to hyphens."""
    s = text.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(doc: Document) -> dict[str, int]:
    """Every heading anchor of ``doc`` (GitHub style, duplicates numbered) -> its line; plus
    explicit HTML ``id``/``name`` anchors."""
    out: dict[str, int] = {}
    seen: dict[str, int] = {}
    for h in doc.headings:
        base = slug(h.text)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.setdefault(base if n == 0 else f"{base}-{n}", h.line)
    for m in re.finditer(r"<a\s[^>]*?(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", doc.text, re.I):
        out.setdefault(m.group(1), doc.position(m.start())[0])
    return out
