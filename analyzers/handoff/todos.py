"""TODO/FIXME/XXX lines added since the base: one ``git diff -U0`` plus the untracked files.

A marker line that was only moved (the same text removed elsewhere in the diff) is not "added".
Each line's text passes through :func:`analyzers.secrets.redact` (before it is shortened).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from analyzers import gitrepo
from analyzers.cancel import NEVER, CancelToken
from analyzers.gitrepo import Repo
from analyzers.handoff.gitstate import pathspecs
from analyzers.handoff.note import TodoLine
from analyzers.indexing.filefacts import decode
from analyzers.secrets import redact

TAG = re.compile(r"\b(TODO|FIXME|XXX)\b")
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
TEXT_MAX = 160

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f",
            "r": "\r", "v": "\v"}


def unquote_path(raw: str) -> str:
    """A path as git prints it in diff headers (C-quoted when it holds special characters)."""
    if not (len(raw) >= 2 and raw.startswith('"') and raw.endswith('"')):
        return raw
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567" and i + 3 < len(body) + 1:
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.extend(_ESCAPES.get(nxt, nxt).encode())
            i += 2
            continue
        out.extend(ch.encode())
        i += 1
    return out.decode("utf-8", "replace")


def _norm(text: str, path: str = "") -> str:
    t = redact(text.strip(), path)
    return t[: TEXT_MAX - 1] + "…" if len(t) > TEXT_MAX else t


def _todo(path: str, line: int, text: str) -> TodoLine | None:
    m = TAG.search(text)
    if not m:
        return None
    return TodoLine(path=path, line=line, tag=m.group(1), text=_norm(text, path))  # type: ignore[arg-type]


def parse_diff(diff: str) -> tuple[list[TodoLine], Counter[str]]:
    """Marker lines added in a ``-U0`` diff, and the texts of marker lines it removed."""
    added: list[TodoLine] = []
    removed: Counter[str] = Counter()
    path: str | None = None
    new_line = 0
    in_hunk = False
    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            path, in_hunk = None, False
            continue
        if not in_hunk and line.startswith("+++ "):
            target = unquote_path(line[4:].rstrip("\t"))
            path = None if target == "/dev/null" else target.removeprefix("b/")
            continue
        m = HUNK.match(line)
        if m:
            new_line, in_hunk = int(m.group(1)), True
            continue
        if not in_hunk:
            continue
        if line.startswith("+"):
            if path is not None:
                t = _todo(path, new_line, line[1:])
                if t:
                    added.append(t)
            new_line += 1
        elif line.startswith("-"):
            if TAG.search(line):
                removed[_norm(line[1:], path or "")] += 1
        elif line.startswith(" "):
            new_line += 1
    return added, removed


def scan_text(path: str, text: str) -> list[TodoLine]:
    out = []
    for i, line in enumerate(text.split("\n"), start=1):
        t = _todo(path, i, line)
        if t:
            out.append(t)
    return out


def added_todos(
    repo: Repo, root: Path, base: str, untracked: list[str], excludes: list[str], *,
    max_file_size: int = 1_048_576, token: CancelToken = NEVER,
) -> list[TodoLine]:
    """TODO/FIXME/XXX lines added between ``base`` and the working tree, sorted by path and line."""
    diff = repo.text("diff", "-U0", "--no-color", *gitrepo.NO_DIFF_PROGRAMS, "-M",
                     gitrepo.revision(base), *pathspecs(excludes))
    added, removed = parse_diff(diff)
    for p in untracked:
        token.check()
        full = root / p
        try:
            if full.is_symlink() or not full.is_file() or full.stat().st_size > max_file_size:
                continue
            text, _ = decode(full.read_bytes())
        except OSError:
            continue
        if text is not None:
            added.extend(scan_text(p, text))
    out = []
    for t in added:
        if removed[t.text] > 0:
            removed[t.text] -= 1  # moved, not added
            continue
        out.append(t)
    out.sort(key=lambda t: (t.path, t.line))
    return out
