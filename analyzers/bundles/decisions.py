"""Recent decisions: the why beside the code — what was decided lately about a bundle's files.

Two sources, both about the files asked for:

* the recent commits that changed them (the last ``decisions_days`` days before the *newest
  commit's* date, not the wall clock, so an old repository still has some; at most
  ``decisions_commits``), each with its subject, the first lines of its body and the ids of the
  pull requests or issues it names (``#123``, ``GH-12``, ``!45``, ``PROJ-123``); merges,
  dependency bumps and bots' commits left out (:func:`routine`);
* the "Decisions" and "Open questions" sections of the handoff note (``HANDOFF.md`` at the root)
  when the note names one of the files.

The commits are chosen from the index (its stored history); their bodies, which the index does
not keep, are read for those few commits only with one ``git show -s`` (:mod:`analyzers.gitrepo`).
Every text goes through :func:`analyzers.secrets.redact_git`, as all git-derived text does.

:func:`recent_decisions` is the one entry point (bundles, and any edge that shows decisions per
file); :func:`fit_decisions` keeps what fits a token allowance in every rendering.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from analyzers import lexical
from analyzers.cancel import NEVER, CancelToken
from analyzers.secrets import clip_masked, redact_git, remember, remembered

if TYPE_CHECKING:
    from analyzers.config import Settings
    from analyzers.indexing.index import Index

BODY_LINES = 3  # a commit body's first lines kept
LINE_CHARS = 160  # each kept line at most
NOTE_LINES = 12  # a handoff section's lines kept
NOTE = "HANDOFF.md"  # analyzers.handoff.generate.DEFAULT_NOTE (not imported: it loads the maker)
DAY = 86_400

# Ids of pull requests and issues a message names: #123, GH-12, !45 (GitLab), PROJ-123 (Jira).
_MENTION = re.compile(r"(?<![\w/&])(#\d+|GH-\d+|!\d+)\b|\b([A-Z][A-Z0-9]{1,9}-\d+)\b")
# Keys of that shape that are not trackers' (encodings, standards, hashes).
_NOT_KEYS = frozenset({"UTF", "ISO", "SHA", "RFC", "PEP", "MD", "CP", "ECMA", "ES", "HTTP",
                       "TLS", "SSL", "IPV", "X", "WIN", "LATIN", "IEEE", "ANSI", "ASCII", "UCS"})


# Commits that record no decision about the code, left out (:func:`routine`): git's and the forges'
# merge subjects ("Merge pull request #12 from ...", "Merge branch 'x'", GitHub's "Merge commit
# from fork"; the index holds no merge commit, but a squash or a fast-forward keeps such a
# subject), and dependency bumps and hook updates by bots or in their words (Dependabot's "Bump x
# from 1 to 2", "Bump the pip group ...", "build(deps): ...", Renovate's "Update dependency x to
# 2", pre-commit.ci's "[pre-commit.ci] pre-commit autoupdate").
_ROUTINE_SUBJECT = re.compile(
    r"Merge (?:pull request|branch|remote-tracking branch|tag|commit)\b"
    r"|Bump (?:\S+ from \S+ to \S|the \S+ group\b|https?://)"
    r"|\w+\((?:deps|deps-dev|dependencies)\)!?:"
    r"|Update dependency \S+ to \S"
    r"|\[pre-commit\.ci\b|pre-commit autoupdate\b", re.IGNORECASE)
# A bot as a commit's author, in its name or its address: GitHub apps ("dependabot[bot]
# <49699333+dependabot[bot]@users.noreply.github.com>", "pre-commit-ci[bot]"), "Renovate Bot
# <bot@renovateapp.com>", and the usual bots' names without the suffix ("dependabot", "renovate",
# "github-actions <github-actions@github.com>", "GitHub Action <action@github.com>").
# A bot's name or address: ``name[bot]``, a known service, a name whose last word is "bot" or
# "robot" (``Release Bot``, ``k8s-ci-robot``; ``Bot Smith`` is a person), an address whose
# local part ends with one (``bot@renovateapp.com``, ``ci-bot@``).
_BOT = re.compile(r"\[bot\]|\b(?:dependabot|renovate|github[- ]actions?|pre-commit-ci|"
                  r"greenkeeper|mergify)\b|<action@github\.com>"
                  r"|(?:^|[\s_.-])(?:ro)?bot[ \t]*(?:<|$)|<(?:[^<>@\s]*[-_.+])?(?:ro)?bot@",
                  re.IGNORECASE)
SLACK = 2  # commits read per one shown: a bot's (known by its author) is left out after reading


def bot(author: str) -> bool:
    """Whether ``author`` (``Name <email>`` as :func:`analyzers.gitrepo.authored_messages` gives
    it, or a name) is a bot's (:data:`_BOT`): the one rule, for bundles' decisions and maps'."""
    return bool(author) and _BOT.search(author) is not None


def routine(subject: str, author: str = "") -> bool:
    """Whether a commit of ``subject`` (by ``author``, when known) records no decision: a
    merge's subject, a dependency bump's, a bot's commit (:func:`bot`), or a subject of
    punctuation alone (a squash-merge's ``---------``, or none)."""
    return (not any(ch.isalnum() for ch in subject) or _ROUTINE_SUBJECT.match(subject.strip())
            is not None or bot(author))


@dataclass(frozen=True)
class Decision:
    """One recent decision about some of a bundle's files.

    ``kind``: ``commit``, ``handoff-decisions`` or ``handoff-open-questions``; ``ref``: the
    commit's short sha, or the note and its section (``HANDOFF.md#decisions``); ``date``: the
    commit's day (UTC) or the note's last change; ``text``: the subject and the body's first lines
    (secrets redacted); ``files``: which of the files asked about it touches; ``mentions``: the
    pull request and issue ids it names.
    """

    kind: str
    ref: str
    date: str
    text: str
    files: list[str]
    mentions: list[str] = field(default_factory=list)
    sha: str = ""  # a commit's full sha ("" for a note)

    def line(self) -> str:
        """One line for a per-file list: "2014-07-12 `5c0679018a`: Store the cache as JSON lines
        (#42)" (a handoff section: its first line)."""
        first = self.text.splitlines()[0] if self.text else ""
        what = f"`{self.ref}`" if self.kind == "commit" else self.ref
        return " ".join(x for x in (self.date, f"{what}:", first) if x)


def mentions(text: str) -> list[str]:
    """The pull request and issue ids ``text`` names, in order, each once."""
    found: list[str] = []
    for m in _MENTION.finditer(text):
        ident = m.group(1) or m.group(2)
        if m.group(2) and ident.partition("-")[0] in _NOT_KEYS:
            continue
        found.append(ident)
    return list(dict.fromkeys(found))


def _clip(line: str) -> str:
    return clip_masked(" ".join(line.split()), LINE_CHARS)


def summary(message: str, subject: str = "") -> str:
    """A commit's subject and the first :data:`BODY_LINES` lines of its body (blank lines, lines
    of punctuation alone (a squash-merge's ``---------``) and trailers skipped), one per line."""
    lines = message.splitlines()
    head = _clip(lines[0]) if lines else _clip(subject)
    body = [_clip(ln) for ln in lines[1:]
            if any(ch.isalnum() for ch in ln) and not lexical.TRAILER.match(ln)]
    return "\n".join([head, *body[:BODY_LINES]])


def _day(timestamp: float) -> str:
    return _dt.datetime.fromtimestamp(timestamp, _dt.UTC).date().isoformat()


def recent_decisions(index: Index, files: Sequence[str], settings: Settings | None = None,
                     token: CancelToken = NEVER, *, as_of: int | None = None) -> list[Decision]:
    """The recent decisions about ``files`` (root-relative paths): the handoff note's sections
    first, then the recent commits that changed them, newest first.

    ``settings`` (default: the index's) gives the window (``decisions_days``) and the number of
    commits (``decisions_commits``). ``as_of`` (a Unix time) looks back from that moment instead
    of the newest commit, and ignores later commits (for replaying history).
    """
    settings = settings if settings is not None else index.settings
    files = list(dict.fromkeys(files))
    if not files:
        return []
    out = _note_decisions(index, files)
    token.check()
    anchor = as_of if as_of is not None else index.newest_commit_time()
    if anchor is None or settings.decisions_commits < 1:
        return out
    rows = index.commits_touching(files, anchor - settings.decisions_days * DAY,
                                  SLACK * settings.decisions_commits, until=anchor, skip=routine)
    if not rows:
        return out
    from analyzers import gitrepo  # only with commits to tell about

    token.check()
    known = {sha: _known(sha) for sha, *_ in rows}
    messages = gitrepo.authored_messages(index.root, [sha for sha, got in known.items()
                                                      if got is None])
    shown = 0
    for sha, time, subject, touched in rows:
        if shown == settings.decisions_commits:
            break
        got = known[sha]
        told = _told(sha, subject, messages.get(sha)) if got is None else got or None
        if told is None:  # a routine commit (a bot's, a merge's)
            continue
        text, ids = told
        out.append(Decision(kind="commit", ref=sha[:10], date=_day(time), text=text,
                            files=sorted(touched), mentions=ids, sha=sha))
        shown += 1
    return out


_TOLD = "decision1"  # the memo's kind for a commit's shown summary (its form's version)


def _known(sha: str) -> tuple[str, list[str]] | None | Literal[False]:
    """A commit's summary and ids as an earlier bundle showed them (secrets masked; kept in
    the workspace's redactions memo: a commit never changes), False for a routine commit, or
    None when not known (its message is read from git)."""
    kept = remembered(_TOLD, sha)
    if kept is None:
        return None
    try:
        got = json.loads(kept)
    except ValueError:
        return None
    if got is False:
        return False
    if isinstance(got, list) and len(got) == 2 and isinstance(got[0], str) \
            and isinstance(got[1], list) and all(isinstance(x, str) for x in got[1]):
        return got[0], got[1]
    return None


def _told(sha: str, subject: str, authored: tuple[str, str] | None
          ) -> tuple[str, list[str]] | None:
    """The summary (secrets masked) and ids of commit ``sha`` from its ``authored`` message
    (git's; None when git could not tell: its subject from the index, not kept), or None for
    a routine commit."""
    author, message = authored or ("", subject)
    if routine(message.partition("\n")[0], author):
        told = None
    else:
        message = redact_git(message or subject)
        told = (summary(message, subject), mentions(message))
    if authored is not None:
        remember(_TOLD, sha, json.dumps(list(told) if told else False))
    return told


RECENT_CHARS = 90  # a map's "recent decision" line at most
_BOT_KIND = "bot1"  # the memo's kind for whether a commit's author is a bot ("1") or not ("0")


AUTHORS_SECONDS = 2.0  # for the one ``git show`` of a map's commits' authors (past it: none)


def latest_per_file(index: Index, files: Sequence[str], settings: Settings | None = None
                    ) -> dict[str, str]:
    """For each of ``files`` changed by a commit of the recent window (``decisions_days`` before
    the newest commit), that newest commit (not a :func:`routine` one: by its subject from the
    index, by its author from one ``git show -s`` of the few commits found) as one short line
    ("2026-11-30 `5c0679018a`: subject", secrets masked): the agent hooks' context map gives it
    per file. Where git cannot answer, commits are judged by their subject alone."""
    settings = settings if settings is not None else index.settings
    files = list(dict.fromkeys(files))
    anchor = index.newest_commit_time()
    if not files or anchor is None or settings.decisions_commits < 1:
        return {}
    rows = index.commits_touching(files, anchor - settings.decisions_days * DAY,
                                  4 * len(files), skip=routine)
    if not rows:
        return {}
    from analyzers import gitrepo

    # (whether a commit is a bot's, kept by sha in the workspace's memo: a warm map runs no git)
    known = {sha: remembered(_BOT_KIND, sha) for sha, *_ in rows}
    authors = gitrepo.authored_messages(index.root, [sha for sha, b in known.items() if b is None],
                                        body=False, timeout=AUTHORS_SECONDS)
    out: dict[str, str] = {}
    for sha, time, subject, touched in rows:  # newest first
        if known[sha] is None and sha in authors:
            flag = known[sha] = "1" if bot(authors[sha][0]) else "0"
            remember(_BOT_KIND, sha, flag)
        if known[sha] == "1":
            continue
        line = clip_masked(" ".join(redact_git(subject).split()), RECENT_CHARS)
        for path in touched:
            out.setdefault(path, f"{_day(time)} `{sha[:10]}`: {line}")
    return out


def _note_decisions(index: Index, files: list[str]) -> list[Decision]:
    """The handoff note's "Decisions" and "Open questions", when the note names one of
    ``files`` (by its path)."""
    from analyzers.confine import read_bytes_inside

    data = read_bytes_inside(index.root, NOTE, limit=1 << 20)
    if not data:
        return []
    text = data.decode("utf-8", "replace")
    named = [p for p in files if p in text]
    if not named:
        return []
    sections = note_sections(text)
    try:
        date = _day((index.root / NOTE).stat().st_mtime)
    except OSError:
        date = ""
    out = []
    for kind, anchor, section in (("handoff-decisions", "decisions", sections["decisions"]),
                                  ("handoff-open-questions", "open-questions",
                                   sections["open_questions"])):
        shown = redact_git(section, NOTE)
        lines = [ln.rstrip() for ln in shown.splitlines() if ln.strip()]
        if lines:  # (its ids read from the masked text: a value can look like one, QZ-884211)
            out.append(Decision(kind=kind, ref=f"{NOTE}#{anchor}", date=date,
                                text="\n".join(lines[:NOTE_LINES]), files=named,
                                mentions=mentions(shown)))
    return out


# The note's headings for the two sections (analyzers.handoff.markdown.SECTIONS' names for them:
# that module is not imported, as it loads pydantic, which a warm Markdown bundle never needs).
_NOTE_SECTIONS = {"decisions": "decisions", "decisions made": "decisions",
                  "design decisions": "decisions", "open questions": "open_questions",
                  "questions": "open_questions"}
_H2 = re.compile(r"^##[ \t]+(.+?)[ \t#]*$")
_HEADING = re.compile(r"^#{1,2}[ \t]")
_MARKER = re.compile(r"^<!-- ctxsteward:generated:(begin|end) [A-Za-z0-9_-]+(?: sha=[0-9]+)? -->")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def note_sections(text: str) -> dict[str, str]:
    """The handoff note's "Decisions" and "Open questions" sections (people's text: outside the
    generated blocks, comments dropped), by key; "" for a section the note lacks."""
    found: dict[str, list[str]] = {"decisions": [], "open_questions": []}
    current: str | None = None
    in_block = in_fence = False
    for line in text.splitlines():
        marker = _MARKER.match(line)
        if marker:
            in_block, current = marker.group(1) == "begin", None
            continue
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_block:
            continue
        if not in_fence and _HEADING.match(line):
            m = _H2.match(line)
            title = re.sub(r"[*_`]", "", m.group(1)).strip().rstrip(":").lower() if m else ""
            current = _NOTE_SECTIONS.get(" ".join(title.split()))
            continue
        if current is not None:
            found[current].append(line)
    return {k: _COMMENT.sub("", "\n".join(v)).strip() for k, v in found.items()}


def fit_decisions(decisions: list[Decision], room: int, measure: Callable[[list[Decision]], int]
                  ) -> list[Decision]:
    """The first of ``decisions`` whose section ``measure`` counts at most ``room`` tokens
    (dropped from the end: the oldest commits first)."""
    kept = list(decisions)
    while kept and measure(kept) > room:
        kept.pop()
    return kept
