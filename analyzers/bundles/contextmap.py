"""The context map: a compact list of the files a task needs, for an agent to open itself.

Where a bundle carries file bodies, a map names the ranked files with the line ranges of their
relevant definitions (the packer's own choice, :func:`analyzers.bundles.pack.relevant_definitions`;
one item per definition, nested and overloaded ones folded: :func:`fold_ranges`)
and one short reason each, within a small token budget and a character limit (an agent's hook
shows only so much whole). It lists the best few files (``MapRequest.limit``, 12 by default),
each with a reason (a file the ranking cannot explain is not listed); agents' hook settings
files and ``.ctxsteward/`` never. The seeds (files the session already has) are ranked from,
never listed; files listed earlier (``MapRequest.skip``) are not listed again: those among this
task's top :data:`ALSO_TOP` are named on one line ("Also relevant (in earlier maps): ..."), the
others counted. One listed earlier whose content changed since (``MapRequest.changed``: edited by
the user or the agent) is listed again with its line ranges as they are now, and says so
(:data:`CHANGED`). A file changed by a commit of the recent window (issue 19) says so on its line,
"recent decision: <date> `<sha>`: <subject>" (``MapRequest.decisions``). With ``bodies`` the
best file's relevant definitions follow in full, secret values masked as in a bundle.

Paths come from the index; the files a bundle leaves out whole are left out here too (a
secret-bearing name, or secret material as a whole: :meth:`OnDisk.excluded`, through the cached
scans); every reason and definition name goes through :func:`analyzers.secrets.redact`.

The index may be behind the disk (the hook answers from it as it is and refreshes it after the
prompt): a map never lists a file that is gone, and its line ranges are those of the file as it
is now (:class:`OnDisk`: a file whose size or time differs from the index's row is read and
parsed again; its definitions and references come from that reading).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analyzers.agentfiles import agent_state
from analyzers.bundles.decisions import latest_per_file
from analyzers.bundles.pack import Candidate, relevant_definitions
from analyzers.bundles.rank import RankedFile, RankQuery, rank
from analyzers.bundles.render import FENCE_LANG, select_lines, short_reason
from analyzers.cancel import NEVER, CancelToken
from analyzers.confine import file_inside
from analyzers.printable import printable
from analyzers.secrets import ScanCache, redact, remembered_redactions, secret_by_name
from analyzers.tokens import Counter

if TYPE_CHECKING:
    from analyzers.app.requests import MapRequest
    from analyzers.indexing.filefacts import FileRecord
    from analyzers.indexing.index import Index
    from analyzers.syntax import Definition

HEADER = ("Context Steward's map of the files likely relevant to this prompt, best first "
          "(line ranges are the relevant definitions; open what you need):")
DEFS_SHOWN = 3  # definitions named per file, at most
NAME_CHARS = 60  # a definition's name shown, at most
POOL = 60  # ranked files considered
ALSO_TOP = 5  # a file listed earlier that ranks among this many is named again, compactly
CHANGED = "changed since an earlier map showed it"  # said of a file listed again for that


@dataclass
class MapEntry:
    """One file of the map: where its relevant definitions are, and why it is there."""

    path: str
    ranges: list[tuple[int, int, str]]  # start, end (1-based, inclusive), definition name
    reason: str
    score: float
    recent: str = ""  # the newest recent commit that changed it, one line (issue 19)
    changed: bool = False  # listed in an earlier map, and changed since
    # name -> the definitions folded into it, with their lines ("invoke L857-910")
    folded: dict[str, list[str]] = field(default_factory=dict)

    def line(self, n: int) -> str:
        """The entry as the map's ``n``-th line (a name once, with all its ranges and the
        definitions folded into it)."""
        spans: dict[str, list[str]] = {}
        for a, b, name in self.ranges:
            spans.setdefault(name, []).append(f"L{a}-{b}" if a != b else f"L{a}")
        defs = ", ".join(f"{name} ({'; '.join([', '.join(s), *self.folded.get(name, [])])})"
                         for name, s in spans.items())
        parts = [f"{n}. {self.path}"] + [p for p in (defs, self.reason) if p]
        if self.changed:
            parts.append(CHANGED)
        if self.recent:
            parts.append(f"recent decision: {self.recent}")
        return printable(" — ".join(parts))  # (a newline in a name must not forge a line)


@dataclass
class ContextMap:
    """A map as built: its entries, its text (empty when nothing is worth listing), its tokens,
    the files left out because they were listed before, and the file whose bodies it shows."""

    entries: list[MapEntry] = field(default_factory=list)
    text: str = ""
    tokens: int = 0
    repeated: list[str] = field(default_factory=list)
    bodies_of: str | None = None
    also: list[str] = field(default_factory=list)  # listed earlier, named again on one line

    @property
    def paths(self) -> list[str]:
        """The files listed, best first."""
        return [e.path for e in self.entries]

    @property
    def shown(self) -> list[str]:
        """The files the map showed with their line ranges (what a session has been shown)."""
        return [e.path for e in self.entries if e.ranges]


class OnDisk:
    """The files of an index as they are on disk now: whether each is there, and its definitions
    and references, from the index where the file is as the index read it (same size and
    modification time, or same content), else from reading it again."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._read: dict[str, FileRecord | None] = {}
        self._scans: ScanCache | None = None

    def excluded(self, path: str) -> bool:
        """Whether a bundle leaves ``path`` out whole: secret-bearing by name, or secret material
        as a whole (its content as it is now, scanned as a bundle scans it, through the cached
        scans in ``.ctxsteward/secrets.json``: a file read again only when its content is not
        there). A bundle refuses such a file even as a seed; a map never names it."""
        if secret_by_name(path) is not None:
            return True
        rec = self.fresh(path)
        if rec is not None and rec.skip_reason:
            return False  # (not read now: never listed either, :func:`_entry`)
        row = self.index.files().get(path)
        digest = rec.hash if rec is not None else row.hash if row is not None else ""
        if self._scans is None:
            from analyzers.indexing.store import state_dir

            self._scans = ScanCache(state_dir(self.index.root) / "secrets.json")
        return self._scans.scan_file(self.index.root, path, digest).whole is not None

    def save(self) -> None:
        """Keep the scans made for the cache (:meth:`excluded`)."""
        if self._scans is not None:
            self._scans.save()

    def exists(self, path: str) -> bool:
        """Whether ``path`` is a file in the workspace now (:func:`analyzers.confine.file_inside`:
        a symlink out of it never is; one to a file inside is, though its facts are not read
        through it: :meth:`facts`)."""
        return file_inside(self.index.root, path) is not None

    def fresh(self, path: str) -> FileRecord | None:
        """``path`` read again when it changed since the index read it (None when it did not:
        the index's facts hold; a record with ``skip_reason`` when it cannot be read now)."""
        if path not in self._read:
            self._read[path] = self._reread(path)
        return self._read[path]

    def _reread(self, path: str) -> FileRecord | None:
        row = self.index.file_stat(path)
        try:
            st = os.lstat(self.index.root / path)
            if row is not None and (st.st_size, st.st_mtime_ns) == row[:2]:
                return None  # (the common case: nothing read, no parser loaded)
        except OSError:
            pass  # (read_file says it vanished)
        from analyzers.indexing.filefacts import read_file

        settings = self.index.settings
        rec = read_file(str(self.index.root), path, settings.encoding, settings.max_file_size,
                        self.index.workspace())
        return None if row is not None and rec.hash == row[2] and not rec.skip_reason else rec

    def facts(self, path: str) -> tuple[list[Definition], dict[str, list[int]]] | None:
        """``path``'s definitions and references as it is now; None when it cannot be read."""
        rec = self.fresh(path)
        if rec is None:
            return self.index.definitions(path), self.index.references(path)
        return None if rec.skip_reason else (rec.definitions, rec.references)


def _entry(index: Index, rf: RankedFile, disk: OnDisk) -> MapEntry | None:
    """``rf`` as a map entry: its relevant definitions (as the packer chooses them, from the file
    as it is now) and reason; None when the file cannot be read now."""
    facts = disk.facts(rf.path)
    if facts is None:
        return None
    definitions, refs = facts
    cand = Candidate(rf.path, rf.score, rf.reasons, 0, [], definitions, "related",
                     names=list(rf.names_used), task_words=list(rf.task_terms),
                     task_lines=list(rf.task_lines), task_symbols=list(rf.task_symbols))
    if cand.names:
        cand.ref_lines = sorted({ln for n in cand.names for ln in refs.get(n, [])})
    full, folded = fold_ranges((d.start_line, d.end_line, _name(d))
                               for d in relevant_definitions(cand))
    shown: dict[str, str] = {}  # name -> as shown: cut, unless that makes two names one
    for n in dict.fromkeys(n for _, _, n in full):
        cut = _cut(n)
        shown[n] = n if cut in shown.values() else cut
    ranges = [(a, b, shown[n]) for a, b, n in full]
    return MapEntry(rf.path, ranges, redact(short_reason(rf.reasons)), rf.score,
                    folded={shown[n]: [_cut(f) for f in fs] for n, fs in folded.items()
                            if n in shown})


ADJACENT = 2  # lines between two ranges of one name that still make them one range
FOLDED_SHOWN = 2  # definitions folded into a chosen one that its label still points at


def fold_ranges(defs: Iterable[tuple[int, int, str]]
                ) -> tuple[list[tuple[int, int, str]], dict[str, list[str]]]:
    """The first :data:`DEFS_SHOWN` definitions of ``defs`` (most relevant first) as ranges in
    line order, one item of the map each, and what was folded into each. A definition inside one
    chosen before it is left out (the more relevant whole holds it); one chosen before its parent
    is folded into the parent, which names it with its lines (``Context (L208-956; invoke
    L857-910)``: a method more relevant than its class is still pointed at). The ranges of one
    name (overload signatures and their implementation, a property's getter and setter,
    ``@overload`` stubs) are one definition: merged where adjacent, else named once with each
    range."""
    chosen: list[tuple[int, int, str]] = []
    folded: dict[str, list[str]] = {}
    for a, b, name in defs:
        if any(x <= a and b <= y for x, y, _ in chosen):
            continue  # inside one chosen (or the same range again)
        names = {n for _, _, n in chosen}
        if name not in names and len(names) >= DEFS_SHOWN:
            continue  # (still read: a later range of a chosen name joins it)
        inner = [c for c in chosen if a <= c[0] and c[1] <= b]
        for n in dict.fromkeys(n for _, _, n in inner):  # (a name's ranges: one span)
            x = min(c[0] for c in inner if c[2] == n)
            y = max(c[1] for c in inner if c[2] == n)
            short = n.removeprefix(name + ".")
            folded.setdefault(name, []).append(f"{short} L{x}-{y}" if x != y else
                                               f"{short} L{x}")
            folded[name].extend(folded.pop(n, []))
        chosen = [c for c in chosen if c not in inner] + [(a, b, name)]
    out: list[tuple[int, int, str]] = []
    for a, b, name in sorted(chosen):
        if out and out[-1][2] == name and a <= out[-1][1] + ADJACENT + 1:
            out[-1] = (out[-1][0], max(b, out[-1][1]), name)
        else:
            out.append((a, b, name))
    return out, {n: f[:FOLDED_SHOWN] for n, f in folded.items()}


def _name(d: Definition) -> str:
    """A definition's name as the map knows it (secret values masked, one line)."""
    return " ".join(redact(d.qualified).split())


def _cut(name: str) -> str:
    """``name`` as the map shows it: long names cut to :data:`NAME_CHARS`."""
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"


class _Fitting:
    """The map's lines, added while they fit the token budget and the character limit."""

    def __init__(self, counter: Counter, budget: int, max_chars: int) -> None:
        """Start with the header line."""
        self.counter, self.budget, self.max_chars = counter, budget, max_chars
        self.lines: list[str] = [HEADER]
        self.tokens = counter.count(HEADER + "\n")
        self.chars = len(HEADER) + 1

    def add(self, line: str, reserve: int = 0) -> bool:
        """Add ``line`` if it fits with ``reserve`` tokens still free; whether it did."""
        cost = self.counter.count(line + "\n")
        if self.tokens + cost + reserve > self.budget or \
                self.chars + len(line) + 1 > self.max_chars:
            return False
        self.lines.append(line)
        self.tokens += cost
        self.chars += len(line) + 1
        return True

    def text(self) -> str:
        """The lines as one text, measured again whole and cut until it fits."""
        while True:
            text = "\n".join(self.lines) + "\n"
            self.tokens = self.counter.count(text)
            if (self.tokens <= self.budget and len(text) <= self.max_chars) or \
                    len(self.lines) <= 2:
                return text
            self.lines.pop()


def _pool(index: Index, request: MapRequest, token: CancelToken,
          disk: OnDisk) -> list[RankedFile]:
    """The ranked files a map may name, best first: on disk now, not a seed, not
    secret-bearing by name, not an agent's settings or our state."""
    files = index.files()
    seeds = [s for s in dict.fromkeys(request.seeds) if s in files and disk.exists(s)]
    ranked = rank(index, RankQuery(seeds=seeds, task=request.task), token, explain=POOL)
    return [rf for rf in ranked[:POOL] if rf.path not in seeds and rf.path in files
            and secret_by_name(rf.path) is None and not agent_state(rf.path)
            and disk.exists(rf.path)]


def _tail(repeated: list[str], also: list[str]) -> list[str]:
    """The lines after the entries: the files shown earlier that rank high again, named
    compactly, and how many others are not repeated."""
    lines = [printable(f"Also relevant (in earlier maps): {', '.join(also)}")] if also else []
    rest = len(repeated) - len(also)
    if rest:
        lines.append(f"({rest} {'more ' if also else ''}file{'s' if rest > 1 else ''} listed "
                     "earlier in this session not repeated.)")
    return lines


def make_map(index: Index, request: MapRequest, token: CancelToken = NEVER) -> ContextMap:
    """The context map for ``request`` (see the module doc): rank, choose, fit. (Git texts'
    redactions and commits' authors are remembered in the workspace's state folder:
    :func:`~analyzers.secrets.remembered_redactions`.)"""
    from analyzers.indexing.store import state_dir

    request.check()
    with remembered_redactions(state_dir(index.root)):
        return _make_map(index, request, token)


def _make_map(index: Index, request: MapRequest, token: CancelToken) -> ContextMap:
    disk = OnDisk(index)
    try:
        return _fill_map(index, request, token, disk)
    finally:
        disk.save()


def _fill_map(index: Index, request: MapRequest, token: CancelToken, disk: OnDisk) -> ContextMap:
    pool = _pool(index, request, token, disk)
    settings = index.settings
    fit = _Fitting(Counter(settings.encoding, settings.model_profile()), request.budget,
                   request.max_chars)
    skip = set(request.skip) - set(request.changed)
    out = ContextMap(repeated=[rf.path for rf in pool if rf.path in skip])
    out.also = [rf.path for rf in pool[:ALSO_TOP] if rf.path in skip
                and not disk.excluded(rf.path)]
    tail = _tail(out.repeated, out.also)
    reserve = sum(fit.counter.count(line + "\n") for line in tail)
    recent = latest_per_file(index, [rf.path for rf in pool if rf.path not in skip]
                             [:2 * request.limit]) if request.decisions else {}
    for rf in pool:
        token.check()
        if rf.path in skip:
            continue
        if len(out.entries) >= request.limit:
            break
        if disk.excluded(rf.path):  # secret material as a whole: a bundle leaves it out too
            continue
        entry = _entry(index, rf, disk)
        if entry is None or not entry.reason:  # every file listed says why it is there
            continue
        entry.recent = recent.get(rf.path, "")
        entry.changed = rf.path in request.changed
        n = len(out.entries) + 1
        if not fit.add(entry.line(n), reserve=reserve):
            entry.ranges, entry.recent = [], ""  # a tight budget: the path and its reason only
            if out.entries or not fit.add(entry.line(n), reserve=reserve):
                break
        out.entries.append(entry)
    if not out.entries and not out.also:
        return ContextMap()
    for line in tail:
        fit.add(line)
    if request.bodies and out.entries:
        out.bodies_of = _add_bodies(index, out.entries[0], fit)
    out.text = fit.text()
    out.tokens = fit.tokens
    kept = "\n".join(fit.lines)
    out.entries = [e for i, e in enumerate(out.entries, 1) if e.line(i) in fit.lines]
    if not kept.count("Also relevant"):
        out.also = []
    return out


def _add_bodies(index: Index, entry: MapEntry, fit: _Fitting) -> str | None:
    """The relevant definitions of ``entry`` in full (secret values masked), each added while it
    fits; the path when any was."""
    if not entry.ranges:
        return None
    from analyzers.bundles.assemble import read_shown
    from analyzers.indexing.store import state_dir
    from analyzers.secrets import ScanCache

    scans = ScanCache(state_dir(index.root) / "secrets.json")
    shown = read_shown(index.root, entry.path, scans)
    scans.save()
    if shown is None or shown[1].whole:
        return None
    lines, _ = shown
    fence = FENCE_LANG.get(index.files()[entry.path].lang or "", "")
    added = False
    for a, b, name in entry.ranges:
        body = select_lines(lines, [(a, min(b, len(lines)))]).rstrip("\n")
        block = f"{printable(entry.path)} L{a}-{b} ({printable(name)}):\n```{fence}\n{body}\n```"
        added = fit.add(block) or added
    return entry.path if added else None
