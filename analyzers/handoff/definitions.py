"""Touched definitions: tree-sitter definitions at the merge-base compared with the working tree.

A definition is keyed by its qualified name (``Class.method``; a repeated name gets an occurrence
number). It is *modified* when its own text changed (its lines with nested definitions cut
out, blank lines and trailing spaces ignored), so editing, adding or removing one method reports
that method and not its class too, and code that only moved is not reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from analyzers import languages
from analyzers.cancel import NEVER, CancelToken
from analyzers.gitrepo import BlobReader, GitError, Repo
from analyzers.handoff.gitstate import RawChange
from analyzers.handoff.note import TouchedDefinition
from analyzers.indexing.filefacts import decode
from analyzers.secrets import redact
from analyzers.syntax import Definition, parse

Key = tuple[str, int]
MAX_FILES = 500  # source files compared per note; past it the note says how many were left out


def _own_text(d: Definition, children: list[Definition], lines: list[str]) -> str:
    """The definition's own non-blank lines: its direct children's lines are cut out."""
    keep: list[str] = []
    i = d.start_line
    for c in sorted(children, key=lambda c: c.start_line):
        if c.start_line < i:
            continue
        keep.extend(lines[i - 1:c.start_line - 1])
        i = c.end_line + 1
    keep.extend(lines[i - 1:d.end_line])
    return "\n".join(line.rstrip() for line in keep if line.strip())


def definition_texts(text: str, lang: str) -> dict[Key, tuple[Definition, str]]:
    """Definitions of ``text`` keyed by (qualified name, occurrence), with their own text."""
    facts = parse(text.encode("utf-8"), lang)
    lines = text.split("\n")
    children: dict[str, list[Definition]] = {}
    for d in facts.definitions:
        if d.parent:
            children.setdefault(d.parent, []).append(d)
    out: dict[Key, tuple[Definition, str]] = {}
    seen: dict[str, int] = {}
    for d in facts.definitions:
        q = d.qualified
        n = seen.get(q, 0)
        seen[q] = n + 1
        out[(q, n)] = (d, _own_text(d, children.get(q, []), lines))
    return out


def compare(
    path: str, old_path: str, old: str | None, new: str | None, lang: str,
) -> list[TouchedDefinition]:
    """Definitions added, modified or removed between two versions of one file."""
    before = definition_texts(old, lang) if old is not None else {}
    after = definition_texts(new, lang) if new is not None else {}
    out: list[TouchedDefinition] = []
    for key, (d, own) in after.items():
        prev = before.get(key)
        if prev is None:
            out.append(TouchedDefinition(path=path, name=redact(key[0]),
                                         kind=d.kind, change="added",
                                         line=d.start_line))
        elif prev[1] != own:
            out.append(TouchedDefinition(path=path, name=redact(key[0]),
                                         kind=d.kind, change="modified",
                                         line=d.start_line))
    for key, (d, _) in before.items():
        if key not in after:
            where = path if new is not None else old_path
            out.append(TouchedDefinition(path=where, name=redact(key[0]),
                                         kind=d.kind, change="removed",
                                         line=d.start_line))
    return out


def _blob_text(blobs: BlobReader, sha: str | None, max_size: int) -> tuple[str | None, str]:
    """The text of the blob ``sha`` (None, why when there is none or it cannot be read)."""
    if sha is None:
        return None, ""
    try:
        data = blobs.read(sha, max_size)
    except (ValueError, OSError, GitError) as e:
        return None, f"unreadable at the base ({e.__class__.__name__})"
    if data is None:
        return None, "too large"
    text, why = decode(data)
    return text, why


def _file_text(path: Path, max_size: int) -> tuple[str | None, str]:
    """A regular file's text; symlinks, folders (submodules) and vanished files read as missing."""
    try:
        if path.is_symlink() or not path.is_file():
            return None, "missing"
        if path.stat().st_size > max_size:
            return None, "too large"
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "missing"
    except OSError as e:
        return None, str(e)
    return decode(data)


def touched_definitions(
    repo: Repo, root: Path, changes: Iterable[RawChange], untracked: Iterable[str], *,
    max_file_size: int = 1_048_576, token: CancelToken = NEVER,
) -> tuple[list[TouchedDefinition], list[str]]:
    """Touched definitions for base-to-working-tree ``changes`` plus ``untracked`` files.

    Returns the definitions, sorted by path then line, and problems (files that could not be read).
    """
    out: list[TouchedDefinition] = []
    problems: list[str] = []
    work = [(c.path, c.old_path or c.path, c.old_blob, c.status != "D") for c in changes]
    work += [(p, p, None, True) for p in untracked]
    work = [w for w in work
            if languages.has_grammar(languages.detect(w[0])) or
            languages.has_grammar(languages.detect(w[1])) or "." not in w[0].rsplit("/", 1)[-1]]
    if len(work) > MAX_FILES:
        problems.append(f"definitions compared in {MAX_FILES} of {len(work)} changed source "
                        "files (by path order); a closer base ref compares them all")
        work = work[:MAX_FILES]
    with repo.blobs() as blobs:  # one git for every blob
        for path, old_path, blob, exists in work:
            token.check()
            new_text, new_why = _file_text(root / path, max_file_size) if exists else (None, "")
            head = (new_text or "")[:256].encode("utf-8", "replace")
            lang = languages.detect(path, head)
            if not languages.has_grammar(lang):
                lang = languages.detect(old_path)
            if lang is None or not languages.has_grammar(lang):
                continue
            old_text, old_why = _blob_text(blobs, blob, max_file_size)
            if exists and new_text is None and new_why not in ("", "missing"):
                problems.append(f"{path}: definitions not compared ({new_why})")
                continue
            if blob is not None and old_text is None:
                problems.append(f"{old_path}: definitions not compared ({old_why or 'unreadable'})")
                continue
            if exists and new_text is None:
                continue  # vanished while we read
            out.extend(compare(path, old_path, old_text, new_text, lang))
    out.sort(key=lambda d: (d.path, d.line, d.name, d.change))
    return out, problems
