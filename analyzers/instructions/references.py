"""What an instruction file refers to: paths, symbols and commands, each with its source range.

Only unambiguous shapes count, so valid prose never becomes a false reference: URLs, globs,
flags, ``$VARS``, home paths and anything in a non-shell fenced block are left alone.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

from analyzers.instructions.markdown import CodeSpan, Document, Loc, has_file_extension

RefKind = Literal["link", "import", "code"]


@dataclass(slots=True)
class PathRef:
    kind: RefKind
    path: str  # as written (percent-decoded for links), without anchor or line suffix
    loc: Loc  # of the path as written
    anchor: str | None = None  # "sec" of "file.md#sec"
    anchor_loc: Loc | None = None
    dir_hint: bool = False  # written with a trailing '/'
    run: bool = False  # a script run by its path (``./scripts/fmt.sh``): CS003 checks it


@dataclass(slots=True)
class SymbolRef:
    text: str  # the code span's content
    parts: list[tuple[str, Loc]]  # identifier components with their ranges
    call: bool  # written as a call: name() / name(args)


@dataclass(slots=True)
class Word:
    text: str  # with quotes and escapes removed
    loc: Loc
    dynamic: bool = False  # contains $VAR, globs or command substitution


@dataclass(slots=True)
class Command:
    words: list[Word]
    cwd: str | None = None  # set by a preceding ``cd DIR`` (as written)
    in_fence: bool = False


@dataclass(slots=True)
class References:
    paths: list[PathRef] = field(default_factory=list)
    symbols: list[SymbolRef] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    node_ids: list[tuple[str, Loc]] = field(default_factory=list)  # `tests/x.py::test_y`


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SHELL_INFO = frozenset({"", "bash", "sh", "shell", "console", "zsh", "fish", "shell-session",
                         "sh-session", "terminal", "bash-session", "shellsession", "make"})
_SESSION_INFO = frozenset({"console", "shell-session", "sh-session", "terminal", "bash-session",
                           "shellsession"})
_PROMPT = re.compile(r"^\s*[$%]\s+")
RUNNERS = frozenset({"npm", "pnpm", "yarn", "bun", "make", "just", "uv", "poetry", "python",
                     "python3", "pytest", "cargo", "go", "cd"})
# Files run by their path (``./scripts/fmt.sh``) or by an interpreter (``bash x.sh``).
SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".rb",
                   ".pl", ".php", ".ps1")


def suffixless_script(p: str) -> bool:
    """``./configure``, ``./scripts/bootstrap``: a file run from ``./`` whose name has no
    suffix."""
    base = p.rsplit("/", 1)[-1]
    return p.startswith("./") and bool(base) and "." not in base


_PATH_CHARS = re.compile(r"^[\w.@+~/-]+$")
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_SYMBOL = re.compile(rf"^(?P<chain>{_IDENT}(?:(?:\.|::|#){_IDENT})*)(?P<call>\((?:[^()]*)\))?$")
_LINE_SUFFIX = re.compile(r"(?::\d+(?::\d+)?|#L\d+(?:-L?\d+)?)$")


def extract(doc: Document) -> References:
    refs = References()
    for link in doc.links:
        ref = _link_ref(link.dest, link.loc)
        if ref is not None:
            refs.paths.append(ref)
    for imp in doc.imports:
        path, _, anchor = imp.path.partition("#")
        if path:
            loc = Loc(imp.loc.line, imp.loc.col, imp.loc.line, imp.loc.col + len(path)) \
                if imp.loc.line == imp.loc.end_line else imp.loc
            refs.paths.append(PathRef("import", path, loc, anchor or None))
    cd: tuple[str, int] | None = None  # an inline `cd DIR`: DIR and where its span ends
    for span in doc.code_spans:
        first = len(refs.commands)
        _code_span(doc, span, refs)
        made = refs.commands[first:]
        start = doc.offset(span.outer.line, span.outer.col)
        end = doc.offset(span.outer.end_line, span.outer.end_col)
        if cd is not None:  # (each gap read once: the next span is read from this one's end)
            cd = (cd[0], end) if _same_sentence(doc, cd[1], start) else None
        if cd is not None:
            for cmd in made:
                cmd.cwd = cmd.cwd or cd[0]
        if len(made) == 1 and made[0].words[0].text == "cd":
            target = _cd_target(made[0], None)
            cd = (target, end) if target else None
    _fences(doc, refs)
    return refs


def _same_sentence(doc: Document, a: int, b: int) -> bool:
    """Whether offsets ``a`` < ``b`` are in one paragraph with no sentence's end between them
    ("Run `cd web` and `npm test`": the second runs in web/)."""
    i = bisect.bisect_right(doc.text_regions, (a, len(doc.text) + 1)) - 1
    if i < 0 or not doc.text_regions[i][0] <= a < b <= doc.text_regions[i][1]:
        return False
    between = re.sub(r"`[^`]*`", " ", doc.text[a:b])
    return not re.search(r"[.!?;:](?:\s|$)", between)


# -- paths --------------------------------------------------------------------------------------

def _link_ref(dest: str, loc: Loc) -> PathRef | None:
    if not dest or _SCHEME.match(dest) or dest.startswith("//"):
        return None
    written_path, hash_, anchor = dest.partition("#")
    written_path = written_path.split("?", 1)[0]
    path = unquote(written_path)
    single = loc.line == loc.end_line
    if not path:
        if not hash_ or not anchor:
            return None
        aloc = Loc(loc.line, loc.col + 1, loc.line, loc.end_col) if single else None
        return PathRef("link", "", loc, unquote(anchor), aloc)
    ploc = Loc(loc.line, loc.col, loc.line, loc.col + len(written_path)) if single else loc
    aloc = None
    if hash_ and single:
        a = loc.col + len(dest.partition("#")[0]) + 1
        aloc = Loc(loc.line, a, loc.line, loc.end_col)
    return PathRef("link", path, ploc, unquote(anchor) if anchor else None, aloc,
                   dir_hint=path.endswith("/"))


def looks_like_path(text: str) -> bool:
    """Inline code that names a file or folder: ``src/app.py``, ``docs/``, ``Makefile``."""
    if not text or len(text) > 240 or not _PATH_CHARS.match(text):
        return False
    if text.startswith(("-", "@", "~", "/", "$")) or "//" in text or text.endswith("."):
        return False
    if re.fullmatch(r"[\d.]+|v\d[\w.-]*", text):  # versions
        return False
    if "/" in text:
        segments = [s for s in text.split("/") if s]
        if not segments or any(s.startswith("-") for s in segments):
            return False
        return not all(s in (".", "..") for s in segments)
    return has_file_extension(text) and not text.startswith(".") or text in (
        ".cursorrules", ".windsurfrules", ".editorconfig", ".gitignore", ".env.example")


def _code_span(doc: Document, span: CodeSpan, refs: References) -> None:
    text = span.content
    single = span.loc.line == span.loc.end_line
    offset = span.raw.find(text) if single else -1
    if offset < 0:
        offset = 0
    base = Loc(span.loc.line, span.loc.col + offset, span.loc.line,
               span.loc.col + offset + len(text)) if single else span.loc
    if text != text.strip() or not text:
        return
    if " " not in text and "\t" not in text:
        if "::" in text and ".py" in text.split("::", 1)[0]:
            refs.node_ids.append((text, base))
            return
        candidate = _LINE_SUFFIX.sub("", text)
        if looks_like_path(candidate) and not _SCHEME.match(candidate):
            loc = Loc(base.line, base.col, base.line, base.col + len(candidate)) if single \
                else base
            run = candidate == text and text.startswith("./") and (
                text.endswith(SCRIPT_SUFFIXES) or suffixless_script(text))
            refs.paths.append(PathRef("code", candidate, loc, dir_hint=candidate.endswith("/"),
                                      run=run))
            if run:  # "Run `./scripts/fmt.sh`": a command as much as a path
                refs.commands.append(Command(words=[Word(text, loc)]))
            return
        sym = _symbol(text, base if single else None)
        if sym is not None:
            refs.symbols.append(sym)
        return
    if single:
        refs.commands.extend(split_commands(text, [(base.line, base.col + i)
                                                   for i in range(len(text) + 1)]))


_NOT_SYMBOLS = frozenset("""
    true false null none None True False nil undefined self this super async await
    stdin stdout stderr utf_8 utf8 snake_case camelCase PascalCase kebab_case
""".split())


def _symbol(text: str, loc: Loc | None) -> SymbolRef | None:
    m = _SYMBOL.match(text)
    if m is None or loc is None:
        return None
    chain = m.group("chain")
    call = m.group("call") is not None
    names = re.split(r"\.|::|#", chain)
    if any(n in _NOT_SYMBOLS for n in names):
        return None
    if not call:
        if len(names) == 1 and not _identifier_shaped(names[0]):
            return None
        if len(names) > 1 and not (_is_class_name(names[0]) or
                                   any(_identifier_shaped(n) for n in names[1:])):
            return None
        if len(names) > 1 and has_file_extension(chain):
            return None
    parts: list[tuple[str, Loc]] = []
    pos = 0
    for n in names:
        i = chain.index(n, pos)
        parts.append((n, Loc(loc.line, loc.col + i, loc.line, loc.col + i + len(n))))
        pos = i + len(n)
    return SymbolRef(text=text, parts=parts, call=call)


def _identifier_shaped(name: str) -> bool:
    """``UserService``, ``getUser``, ``create_user``: not ``pytest``, ``README``, ``API_KEY``."""
    if name.isupper() or name.lstrip("_").isupper():
        return False
    core = name.strip("_")
    if "_" in core:
        return any(c.islower() for c in core)
    humps = sum(1 for a, b in zip(core, core[1:], strict=False) if a.islower() and b.isupper())
    return humps >= 1 and len(core) >= 4


def _is_class_name(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+|[A-Z][a-z]{3,}", name))


# -- what the prose says about a reference ------------------------------------------------------

# A phrase that makes the inline code after it a counter-example, an example or a past name
# ("Use `pytest` rather than `python -m unittest`", "Don't run `make deploy`", "e.g. `x`"); the
# verb after a negation belongs to it ("never use"), so it is not read as a recommendation.
# "We no longer use", "stopped running", "used to run" reject it as firmly as "never run".
_HEDGE_BEFORE = re.compile(
    r"\b(?:(?:do not|don't|never|avoid|not|no longer)(?:\s+(?:run|use|call|invoke|execute|"
    r"type|running|using|calling|invoking))?|stop(?:ped)? (?:using|running|calling|invoking)|"
    r"(?<!is )(?<!are )(?<!be )(?<!was )(?<!were )used to (?:run|use|call|invoke|execute|type)|"
    r"instead of|rather than|in place of|eg|ie|for example|such as|no|deprecated|obsolete|"
    r"formerly|legacy|old|bad|wrong)\b|→|->|=>", re.I)
# The part of those phrases that makes it history, a past name (for paths: "Do not edit
# `src/x.py`" or "e.g. `src/x.py`" still names a file that should exist).
_HISTORY_BEFORE = re.compile(
    r"\b(?:no longer(?:\s+(?:run|use|call|invoke|execute|type|running|using|calling|"
    r"invoking))?|stop(?:ped)? (?:using|running|calling|invoking)|"
    r"(?<!is )(?<!are )(?<!be )(?<!was )(?<!were )used to (?:run|use|call|invoke|execute|type)|"
    r"instead of|rather than|in place of|"
    r"deprecated|obsolete|formerly|previously)\b|→|->|=>", re.I)
# A label that rejects what follows its colon: "Deprecated: `yarn build`", "Avoid: `x`".
_HEDGE_LABEL = re.compile(r"\b(deprecated|obsolete|legacy|avoid|never|don't|do not)\W{0,2}:\s",
                          re.I)
# ... and a verb after it that recommends again: "Instead of `a`, run `b`" ("never `a` but
# `b`" stays hedged: a naming rule's example).
_RECOMMEND = re.compile(r"\b(?:run|use|call|invoke|execute|type|prefer|try|instead)\b",
                        re.I)
# What the sentence says of it after: history ("`x` was replaced by `y`", "has been removed",
# "is no longer used").
_HEDGE_AFTER = re.compile(
    r"^[^.!?;]*?\b(?:is|are|was|were|has\s+been|have\s+been|had\s+been|got)\s+"
    r"(?:deprecated|removed|gone|renamed|replaced|deleted|dropped|retired|superseded)\b|"
    r"^[^.!?;]*?\bno\s+longer\b", re.I)
# Emphasis around words ("We **no longer** use", "_never_"): read as the words themselves
# (code spans before the reference are blanked first).
_EMPHASIS = re.compile(r"\*+|~~|(?<!\w)_+|_+(?!\w)")


def hedged(line: str, col: int, end: int, before: re.Pattern[str] = _HEDGE_BEFORE) -> bool:
    """Is the inline code at ``col..end`` of ``line`` an example, a counter-example or a past
    name, not something the agent is told to use?

    ``Do not use signals (e.g. `post_save`)``, ```gc_brand` → `gift_card_brand```,
    ``We no longer use `npm test```, ``Deprecated: `yarn build```, ```old_api()` is
    deprecated``, ``use `pytest` rather than `unittest``` (only `unittest`): such names need
    not exist. A recommendation after the hedge ends it: in ``Instead of `a`,
    run `b``` only `a` is hedged. ``before`` is what hedges from before the code (see
    :func:`history_at`)."""
    prefix = re.sub(r"\b([iI])\.e\.", r"\1e", re.sub(r"\b([eE])\.g\.", r"\1g", line[:col]))
    prefix = _HEDGE_LABEL.sub(r"\1 ", _EMPHASIS.sub("", re.sub(r"`[^`]*`", " ", prefix)))
    clause = re.split(r"[.!?;:](?:\s|$)", prefix)[-1]
    hedges = list(before.finditer(clause))
    if hedges:
        between = clause[hedges[-1].end():]
        if not _RECOMMEND.search(between):
            return True
    return bool(_HEDGE_AFTER.search(_EMPHASIS.sub("", line[end:])))


def sentence(doc: Document, line: int, col: int, end: int) -> tuple[str, int, int]:
    """The paragraph holding columns ``col..end`` of ``line``, its soft-wrapped lines joined
    into one (each line break with the indentation or quote marker after it read as one
    space), and where ``col`` and ``end`` fall in it: a hedge or a copy written across a line
    wrap ("We no longer use\n`npm test`") reads as one sentence, as it renders. A position
    in no paragraph (a fence, HTML) gets its own line."""
    here = doc.offset(line, col)
    i = bisect.bisect_right(doc.text_regions, (here, len(doc.text) + 1)) - 1
    if i < 0 or not doc.text_regions[i][0] <= here < doc.text_regions[i][1] \
            or line >= len(doc.lines):
        return (doc.lines[line] if line < len(doc.lines) else ""), col, end
    a, b = doc.text_regions[i]
    text = doc.text[a:b].rstrip("\n")
    if "\n" not in text:
        return text, col, end
    there = doc.offset(line, end)
    return (_flat(text), len(_flat(text[:here - a])), len(_flat(text[:there - a])))


_WRAP = re.compile(r"[ \t]*\n[ \t]*(?:>[ \t]*)*")


def _flat(text: str) -> str:
    return _WRAP.sub(" ", text)


def paragraphs(doc: Document) -> list[tuple[str, list[int]]]:
    """Each paragraph written over more than one line (a soft wrap), read as it renders: its
    lines joined as :func:`sentence` joins them, with the document offset of each character
    of the joined text (and one for its end)."""
    out: list[tuple[str, list[int]]] = []
    for a, b in sorted(set(doc.text_regions)):
        if "\n" in doc.text[a:b].rstrip("\n"):
            out.append(_flat_map(doc, a, b))
    return out


def region_at(doc: Document, offset: int) -> int | None:
    """The index of the paragraph (``doc.text_regions``) holding ``offset``, if any."""
    i = bisect.bisect_right(doc.text_regions, (offset, len(doc.text) + 1)) - 1
    if i < 0 or not doc.text_regions[i][0] <= offset < doc.text_regions[i][1]:
        return None
    return i


def _flat_map(doc: Document, a: int, b: int) -> tuple[str, list[int]]:
    """The text at offsets ``a``..``b`` joined as :func:`sentence` joins it, with each joined
    character's offset (and one for its end)."""
    text = doc.text[a:b].rstrip("\n")
    flat: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _WRAP.finditer(text):
        flat.append(text[pos:m.start()] + " ")
        where.extend(range(a + pos, a + m.start() + 1))
        pos = m.end()
    flat.append(text[pos:])
    where.extend(range(a + pos, a + len(text) + 1))
    return "".join(flat), where


def flat_region(doc: Document, i: int) -> tuple[str, list[int]]:
    """Paragraph ``i`` of ``doc.text_regions`` joined (see :func:`_flat_map`)."""
    return _flat_map(doc, *doc.text_regions[i])


def hedged_at(doc: Document, line: int, col: int, end: int) -> bool:
    """:func:`hedged` of columns ``col..end`` of ``line``, read in their whole sentence."""
    return hedged(*sentence(doc, line, col, end))


def history_at(doc: Document, line: int, col: int, end: int) -> bool:
    """Whether the sentence gives the inline code at ``col..end`` of ``line`` as history or a
    past name ("We no longer use `scripts/old.sh`", "`src/a.py` was replaced by ...", "has
    been removed", "`a` → `b`"), not as something that exists."""
    return hedged(*sentence(doc, line, col, end), before=_HISTORY_BEFORE)


# -- commands -----------------------------------------------------------------------------------

def _fences(doc: Document, refs: References) -> None:
    for fence in doc.fences:
        info = fence.info.split()[0].lower() if fence.info.split() else ""
        if info not in _SHELL_INFO:
            continue
        cwd: str | None = None
        logical: list[tuple[str, list[tuple[int, int]]]] = []
        buf = ""
        pos: list[tuple[int, int]] = []
        # A session transcript: only the lines after a prompt are commands, the rest is output.
        session = info in _SESSION_INFO or any(_PROMPT.match(x) for x in fence.lines)
        for i, content in enumerate(fence.lines):
            line_no = fence.content_start + i
            src = doc.lines[line_no] if line_no < len(doc.lines) else ""
            col0 = len(src) - len(content) if content and src.endswith(content) else None
            if col0 is None:
                continue  # tabs expanded by the parser: positions would be wrong
            text = content
            m = _PROMPT.match(text)
            if session and m is None and not buf:
                continue
            start = m.end() if m else 0
            chunk = text[start:]
            cont = chunk.endswith("\\")
            if cont:
                chunk = chunk[:-1]
            buf += chunk + (" " if cont else "")
            pos.extend((line_no, col0 + start + k) for k in range(len(chunk)))
            if cont:
                pos.append((line_no, col0 + start + len(chunk)))
                continue
            pos.append((line_no, col0 + start + len(chunk)))
            logical.append((buf, pos))
            buf, pos = "", []
        if buf:
            pos.append(pos[-1] if pos else (fence.content_start, 0))
            logical.append((buf, pos))
        for text, positions in logical:
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            for cmd in split_commands(text, positions, cwd):
                cmd.in_fence = True
                if cmd.words and cmd.words[0].text == "cd":
                    cwd = _cd_target(cmd, cwd)
                refs.commands.append(cmd)


def _cd_target(cmd: Command, cwd: str | None) -> str | None:
    args = [w for w in cmd.words[1:] if not w.text.startswith("-")]
    if not args or args[0].dynamic or args[0].text in ("-", "~") or args[0].text.startswith("~"):
        return None
    target = args[0].text
    if cwd and not target.startswith("/"):
        return f"{cwd.rstrip('/')}/{target}"
    return target


_OPERATORS = ("&&", "||", ";", "|", "&")


def split_commands(text: str, positions: list[tuple[int, int]],
                   cwd: str | None = None) -> list[Command]:
    """Split a shell line into simple commands of words (with their ranges).

    ``positions[i]`` is the (line, column) of ``text[i]`` (one extra entry for the end). A line
    with command substitution or heredocs yields nothing rather than a guess.
    """
    if "$(" in text or "`" in text or "<<" in text:
        return []
    commands: list[Command] = []
    words: list[Word] = []
    i, n = 0, len(text)

    def loc(a: int, b: int) -> Loc:
        la, ca = positions[min(a, len(positions) - 1)]
        lb, cb = positions[min(b, len(positions) - 1)]
        if lb != la:
            lb, cb = la, ca + (b - a)
        return Loc(la, ca, lb, cb)

    def flush() -> None:
        nonlocal words, cwd
        if words:
            cmd = Command(words=words, cwd=cwd)
            commands.append(cmd)
            if words[0].text == "cd":
                cwd = _cd_target(cmd, cwd)
        words = []

    while i < n:
        ch = text[i]
        if ch in " \t":
            i += 1
            continue
        if ch == "#" and (i == 0 or text[i - 1] in " \t"):
            break
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None or ch in "()":
            flush()
            i += len(op) if op else 1
            continue
        start = i
        out: list[str] = []
        dynamic = False
        while i < n and text[i] not in " \t;|&()":
            c = text[i]
            if c in "'\"":
                close = text.find(c, i + 1)
                if close == -1:
                    return []  # unbalanced quotes: not a command we can read
                inner = text[i + 1:close]
                if c == '"' and "$" in inner:
                    dynamic = True
                out.append(inner)
                i = close + 1
                continue
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c in "$*?[{<>":
                dynamic = True
            out.append(c)
            i += 1
        words.append(Word("".join(out), loc(start, i), dynamic))
    flush()
    return commands


# -- what a command makes -----------------------------------------------------------------------

# Commands that make the files or folders they are given: (head, subcommand or None) -> which
# positional words (after the subcommand) are made: "all", "last" (of two or more) or the index
# of one. A package runner's ``create-*`` package (``npx create-vite my-app``) makes its
# arguments too; so do a redirection's file and an output option's value.
_MAKERS: dict[tuple[str, str | None], str | int] = {
    ("mkdir", None): "all", ("touch", None): "all", ("cp", None): "last", ("mv", None): "last",
    ("ln", None): "last", ("rsync", None): "last", ("tee", None): "all",
    ("git", "clone"): 1, ("git", "worktree"): 1, ("git", "init"): 0,
    **{(pm, sub): 0 for pm in ("npm", "pnpm", "yarn", "bun") for sub in ("create", "init")},
    ("cargo", "new"): 0, ("cargo", "init"): 0, ("uv", "init"): 0, ("uv", "venv"): 0,
    ("poetry", "new"): 0, ("rails", "new"): 0, ("django-admin", "startproject"): "all",
    ("django-admin", "startapp"): "all", ("mix", "new"): 0, ("flutter", "create"): 0,
    ("dart", "create"): 0, ("ng", "new"): 0, ("vue", "create"): 0, ("hugo", "new"): "last",
    ("composer", "create-project"): 1, ("virtualenv", None): 0, ("dotnet", "new"): "none",
}
_PACKAGE_RUNNERS = {("npx", None), ("bunx", None), ("pnpx", None), ("pnpm", "dlx"),
                    ("yarn", "dlx"), ("npm", "exec")}
_OUTPUT_OPTIONS = frozenset({"-o", "--output", "--out", "--outdir", "--out-dir", "--outDir",
                             "--output-dir", "--target-dir"})


def made_by(cmd: Command) -> list[str]:
    """The paths ``cmd`` makes, as written from where it runs: ``mkdir -p out/logs``, ``cp
    .env.example .env``, ``git clone URL my-fork``, ``npx create-vite ./my-app``, ``npm create
    vite@latest web``, ``cargo new demo``, ``python -m venv .venv``, ``tool > out.txt``, ``tsc
    --outDir dist``."""
    texts = [w.text for w in cmd.words if not w.dynamic or w.text.startswith(">")]
    if texts[:3] in (["python", "-m", "venv"], ["python3", "-m", "venv"]):
        texts = ["mkdir", *texts[3:]]
    out: list[str] = []
    pos: list[str] = []
    i = 0
    while i < len(texts):
        t = texts[i]
        if t in (">", ">>") and i + 1 < len(texts):
            out.append(texts[i + 1])
            i += 1
        elif t.startswith(">"):
            out.append(t.lstrip(">"))
        elif t.startswith("-"):
            name, eq, value = t.partition("=")
            if name in _OUTPUT_OPTIONS and (eq or i + 1 < len(texts)):
                out.append(value if eq else texts[i + 1])
                i += 0 if eq else 1
        else:
            pos.append(t)
        i += 1
    out.extend(_made_positionals(pos))
    return [p for p in out if p and not p.startswith(("-", "&")) and "://" not in p]


def _made_positionals(pos: list[str]) -> list[str]:
    if len(pos) > 2 and pos[0] in ("python", "python3") and pos[1:3] == ["-m", "venv"]:
        return pos[3:4]
    head, sub = (pos[0] if pos else ""), (pos[1] if len(pos) > 1 else None)
    if (head, None) in _PACKAGE_RUNNERS or (head, sub) in _PACKAGE_RUNNERS:
        args = pos[1:] if (head, None) in _PACKAGE_RUNNERS else pos[2:]
        package = args[0].rsplit("/", 1)[-1] if args else ""
        return args[1:] if package.startswith("create-") else []
    which = _MAKERS.get((head, None))
    args = pos[1:]
    if which is None:
        which = _MAKERS.get((head, sub))
        args = pos[2:]
        if which is not None and head in ("npm", "pnpm", "yarn", "bun"):
            args = args[1:]  # after the template: ``npm create vite@latest my-app``
    if which is None or which == "none" or not args:
        return []
    if which == "all":
        return args
    if which == "last":
        return args[-1:] if len(args) > 1 or head in ("hugo", "tee") else []
    return args[which:which + 1] if isinstance(which, int) else []
