"""Design documents in bundles: their headings as definitions, their relevant sections, and why.

A long Markdown, reStructuredText or AsciiDoc file contributes only its relevant sections, as code
contributes its relevant definitions: :func:`doc_sections` makes each heading a definition whose
span runs to the next heading, and :func:`relevant_sections` names
the sections that hold the task's words or name the bundle's code files. :func:`doc_reason` says
what links a document to the bundle ("ADR 0007: Token cache format; links
``analyzers/tokens.py``"). Which files are design documents, ADRs or changelogs: here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from analyzers import lexical
from analyzers.syntax import Definition

DOC_EXTS = (".md", ".markdown", ".mdx", ".rst", ".adoc", ".asciidoc")
_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_ADOC = re.compile(r"^(={1,6})[ \t]+(\S.*?)[ \t]*$")
_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:.])\1{2,}[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
# ADRs: a decisions folder, or ADR in the name ("0007-token-cache.md" under docs/adr/).
_ADR = re.compile(r"(^|/)(adrs?|decisions|architecture[-_]decisions?)/|(^|/|[-_])adr[-_\d]",
                  re.I)
_ADR_NUMBER = re.compile(r"(\d{1,5})")
# A title's own number, said again in the reason's "ADR 0007:": "ADR 0007:", "ADR-7 -", "8."
_TITLE_NUMBER = re.compile(r"^(adr[-_ ]?)?\d{1,5}\s*[:.\-\u2013\u2014]?\s*", re.I)
# Release histories: CHANGELOG, CHANGES, HISTORY, NEWS, release notes (any prose extension).
_CHANGELOG = re.compile(
    r"(^|/)(change[-_ ]?log|changes|history|news|release[-_ ]?notes?|releases)"
    r"(\.(md|markdown|rst|txt|adoc))?$|(^|/)(changelog|changes|release[-_]?notes)/", re.I)
# Generated API reference: Sphinx autodoc/autosummary output, typedoc and the like (a folder
# named ``api/`` alone is not enough: "the API design doc" lives in one as often).
_API_DOCS = re.compile(r"(^|/)(_autosummary|autoapi|api[-_]?reference|apidocs?|typedoc)/", re.I)


def is_design_doc(path: str) -> bool:
    """A Markdown, reStructuredText or AsciiDoc file that is not a changelog or generated API
    reference."""
    return path.lower().endswith(DOC_EXTS) and not is_release_history(path)


def is_adr(path: str) -> bool:
    """An architecture decision record (``docs/adr/``, ``doc/decisions/``, ``*ADR*``)."""
    return is_design_doc(path) and bool(_ADR.search(path))


# Words one of which every path the two patterns above match holds (lower-cased): most paths hold
# none, and this test is much cheaper than the searches (the ranker asks it of every file).
_RELEASE_WORDS = re.compile("change|histor|news|release|api|autosummary|typedoc")


def is_release_history(path: str) -> bool:
    """A changelog, release notes or generated API reference: not a design document."""
    if _RELEASE_WORDS.search(path.lower()) is None:
        return False
    return bool(_CHANGELOG.search(path) or _API_DOCS.search(path))


def _headings(path: str, lines: Sequence[str]) -> list[tuple[int, int, str]]:
    """(line, level, title) of each heading: Markdown ATX and setext, AsciiDoc ``=``, and
    reStructuredText underlines (levels in the order their characters first appear)."""
    out: list[tuple[int, int, str]] = []
    rst_levels: dict[str, int] = {}
    in_fence = False
    adoc = path.lower().endswith((".adoc", ".asciidoc"))
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = (_ADOC if adoc else _ATX).match(line)
        if m:
            out.append((i + 1, len(m.group(1)), m.group(2).strip()))
            continue
        u = _UNDERLINE.match(line)
        prev = lines[i - 1].strip() if i else ""
        if u and prev and len(line.strip()) >= min(len(prev), 3) and not _UNDERLINE.match(prev):
            if out and out[-1][0] == i:
                continue
            level = rst_levels.setdefault(u.group(1), len(rst_levels) + 1)
            out.append((i, level, prev))
    return out


def heading_lines(path: str, lines: Sequence[str]) -> list[int]:
    """The lines of a Markdown, reStructuredText or AsciiDoc file's headings (their titles), in
    order; none for another file."""
    return [ln for ln, _, _ in _headings(path, lines)] if path.lower().endswith(DOC_EXTS) else []


def doc_sections(path: str, lines: Sequence[str], count: Callable[[str], int]
                 ) -> list[Definition]:
    """Each heading of the document as a definition spanning its own text (to the next heading,
    whatever its level: a title's section is its introduction, not the whole document), with
    its tokens by ``count``."""
    heads = _headings(path, lines)
    defs = []
    for k, (line, _level, title) in enumerate(heads):
        end = max(line, heads[k + 1][0] - 1 if k + 1 < len(heads) else len(lines))
        text = "".join(lines[line - 1:end])
        defs.append(Definition(name=title[:120], kind="section", start_line=line, end_line=end,
                               name_line=line, name_col=0, signature=lines[line - 1].rstrip(),
                               tokens=count(text)))
    return defs


def _mentions_path(text: str, path: str) -> bool:
    """Whether ``text`` names ``path`` (its path, or its file name as a word)."""
    if path in text:
        return True
    base = path.rpartition("/")[2]
    return len(base) > 4 and base in text and \
        re.search(rf"(?<![\w/.-]){re.escape(base)}(?![\w-])", text) is not None


def relevant_sections(sections: Sequence[Definition], lines: Sequence[str],
                      task_words: Sequence[str], code_paths: Sequence[str]) -> list[str]:
    """The titles of the sections whose text names one of ``code_paths`` or holds at least two
    of the task's words (one when the task has one), most relevant first."""
    words = set(task_words)
    need = 1 if len(words) <= 1 else 2
    scored: list[tuple[float, int, str]] = []
    for d in sections:
        text = "".join(lines[d.start_line - 1:d.end_line])
        linked = sum(1 for p in code_paths if _mentions_path(text, p))
        hits = len(words.intersection(lexical.words(text))) if words else 0
        if linked or hits >= need:
            scored.append((-(3.0 * linked + hits), d.start_line, d.name))
    return [name for *_, name in sorted(scored)]


# Design documents proper (the rest is documentation: a README, a guide, a tutorial): a design,
# architecture, RFC or proposal folder or file name.
_DESIGN = re.compile(r"(^|/)(design|architecture|rfcs?|proposals?)(/|[-_.]|s/|$)", re.I)


def doc_kind(path: str) -> str:
    """How a reason calls a document that is no ADR: "design doc" (``docs/design/``,
    ``ARCHITECTURE.md``, ``rfcs/``) or "documentation" (a README, a guide)."""
    return "design doc" if _DESIGN.search(path) else "documentation"


def best_section(sections: Sequence[Definition], lines: Sequence[str],
                 task_words: Sequence[str], relevant: Sequence[str]) -> str:
    """Of the ``relevant`` sections (:func:`relevant_sections`), the one the task's words match
    best: the most of them (stemmed) in its title, counted twice, and its text; ties (or no
    task word anywhere): the first of ``relevant``. '' when ``relevant`` is empty."""
    best = _best_section(sections, lines, task_words, relevant)
    return best.name if best is not None else (relevant[0] if relevant else "")


def _best_section(sections: Sequence[Definition], lines: Sequence[str],
                  task_words: Sequence[str], relevant: Sequence[str]) -> Definition | None:
    """The section :func:`best_section` names: of two with its title (a "Configuration" under
    "Server" and one under "Client"), the one the task's words match best, else the first."""
    task = set(lexical.stems(list(task_words)))
    if not relevant:
        return None
    rank = {name: k for k, name in reversed(list(enumerate(relevant)))}
    best: Definition | None = None
    best_key = (-1, -len(relevant))
    for d in sections:
        k = rank.get(d.name)
        if k is None:
            continue
        text = "".join(lines[d.start_line - 1:d.end_line]) if task else ""
        key = (2 * len(task.intersection(lexical.stems(lexical.words(d.name))))
               + len(task.intersection(lexical.stems(lexical.words(text)))), -k)
        if key > best_key:
            best, best_key = d, key
    return best


def doc_reason(path: str, lines: Sequence[str], sections: Sequence[Definition],
               code_paths: Sequence[str], relevant: Sequence[str] = (),
               task_words: Sequence[str] = ()) -> str:
    """What a document is and which of ``code_paths`` it names: "ADR 0007: Token cache
    format; links `analyzers/tokens.py`", "documentation, section “Cancellation”; links
    `lib/defaults/index.js`" ("" when it is neither an ADR nor links any). ``relevant``:
    :func:`relevant_sections`, most relevant first, of which the reason names the one the
    task's words (``task_words``) match best (:func:`best_section`), else the document's
    title."""
    return doc_reason_naming(path, lines, sections, code_paths, relevant, task_words)[0]


def doc_reason_naming(path: str, lines: Sequence[str], sections: Sequence[Definition],
                      code_paths: Sequence[str], relevant: Sequence[str] = (),
                      task_words: Sequence[str] = ()) -> tuple[str, str, Definition | None]:
    """:func:`doc_reason`, the words of it naming a section (its title, quoted) and that
    section (None when it names none): a bundle that does not show the section says so."""
    text = "".join(lines)
    linked = [p for p in code_paths if p != path and _mentions_path(text, p)][:3]
    title = sections[0].name if sections else ""
    what, named, section = "", "", None
    if is_adr(path):
        number = _ADR_NUMBER.search(path.rpartition("/")[2])
        what = f"ADR {number.group(1)}" if number else "ADR"
        said = _TITLE_NUMBER.match(title) if number else None  # "ADR 0007: X", "7. X"
        if said and number and int(re.sub(r"\D", "", said.group(0))) == int(number.group(1)):
            title = title[said.end():].strip()
        what += f": {title}" if title and title != what else ""
    elif linked:
        what = doc_kind(path)
        meant = _best_section(sections, lines, task_words, relevant)
        best = meant.name if meant is not None else title
        if best and best != title:
            named = f"section \u201c{best}\u201d"
            what += f", {named}"
            section = meant
        elif title:
            what += f" \u201c{title}\u201d"
    if not what:
        return "", "", None
    why = what + ("; links " + ", ".join(f"`{p}`" for p in linked) if linked else "")
    return why, named if section is not None else "", section
