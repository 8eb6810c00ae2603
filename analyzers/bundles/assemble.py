"""Context bundles: what an agent should see for a task, ranked, packed to a budget, explained.

``make_bundle`` is the one entry point; ``save_bundle`` / ``verify_bundle`` answer "what did the
agent see, and is it still true?" from content hashes kept under ``.ctxsteward/bundles/``.

Secrets: a file secret-bearing by name, or secret material as a whole
(:func:`analyzers.secrets.secret_as_a_whole`), is left out and listed under ``excluded``; any
other file holding a secret is shown with each value masked as ``[redacted: KIND]`` (its lines
and line numbers unchanged) and listed under ``redacted`` with the lines masked. Everything
downstream — packing, token counts, rendering, saved hashes — sees only the redacted lines.
"""

from __future__ import annotations

import datetime as _dt
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from analyzers import lexical
from analyzers.app.errors import F, RequestError
from analyzers.app.paths import Secrets, workspace_path
from analyzers.app.requests import BundleRequest, check_bundle_name
from analyzers.app.seeds import Seed, not_indexed, resolve_seed
from analyzers.bundles.chunkmatch import lines_named
from analyzers.bundles.decisions import Decision, fit_decisions, recent_decisions
from analyzers.bundles.docsections import (
    doc_reason_naming,
    doc_sections,
    is_design_doc,
    relevant_sections,
)
from analyzers.bundles.mentions import (
    MAX_NAMED,
    mentions,
    name_tables,
    named_files,
)
from analyzers.bundles.mentions import task_words as find_task_words
from analyzers.bundles.pack import SMALL_FILE, Candidate, Packed, link_seed, pack
from analyzers.bundles.rank import RankedFile, RankQuery, rank
from analyzers.bundles.render import (
    Piece,
    decisions_note,
    footer,
    header,
    left_out_note,
    ranges_label,
    render,
    render_ranking,
    select_lines,
    short_reason,
    shown_task,
)
from analyzers.cancel import NEVER, CancelToken
from analyzers.confine import read_bytes_inside
from analyzers.fsutil import write_atomic
from analyzers.indexing.index import Index
from analyzers.indexing.store import state_dir
from analyzers.printable import plural
from analyzers.secrets import (
    NO_SECRET,
    Scan,
    ScanCache,
    content_key,
    redact_lines,
    remembered_redactions,
    secret_by_name,
)
from analyzers.tokens import Counter

if TYPE_CHECKING:
    from analyzers.results import (
        Bundle,
        SavedBundle,
        SavedItem,
        SavedRange,
        VerifiedItem,
        VerifyReport,
    )

# The pydantic models (analyzers.results) are imported where they are made: importing pydantic costs
# a warm CLI query more than its ranking, and a Markdown bundle never needs them (BundleResult
# makes its Bundle model only when asked for it).

RANK_ONLY_LIMIT = 50
CANDIDATE_POOL = 60


# Bad input to a bundle request: the one request error type (its old name, kept for callers).
BundleError = RequestError


@dataclass
class LeftOut:
    """A ranked candidate the budget had no room for (best first)."""

    path: str
    tokens: int  # the whole file
    score: float
    reasons: list[str]


class Excluded(NamedTuple):
    path: str
    reason: str


class Redacted(NamedTuple):
    """A file shown with secret values masked: the lines (1-based) masked in what was shown."""

    path: str
    lines: list[int]
    kinds: list[str]


@dataclass
class BundleDraft:
    """A Bundle's values, before they are made into the pydantic model (see BundleResult)."""

    task: str | None
    seeds: list[str]
    budget: int
    total_tokens: int
    encoding: str
    items: list[dict[str, Any]]  # BundleItem's fields
    excluded: list[Excluded]
    left_out: list[LeftOut] = field(default_factory=list)
    redacted: list[Redacted] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_out_cause: str = "size"  # or "limit": the bundle holds the --limit files asked for

    def build(self) -> Bundle:
        """The model, constructed from our own typed values (validating would first build the
        validators, which costs more than the query)."""
        from analyzers.results import (
            Bundle,
            BundleItem,
            DecisionEntry,
            ExcludedFile,
            LeftOutFile,
            RedactedFile,
        )

        return Bundle.model_construct(
            task=shown_task(self.task) if self.task else self.task, seeds=self.seeds,
            budget=self.budget, total_tokens=self.total_tokens,
            encoding=self.encoding, items=[BundleItem.model_construct(**i) for i in self.items],
            excluded=[ExcludedFile.model_construct(path=e.path, reason=e.reason)
                      for e in self.excluded],
            redacted=[RedactedFile.model_construct(path=r.path, lines=r.lines, kinds=r.kinds)
                      for r in self.redacted],
            left_out=[LeftOutFile.model_construct(path=lo.path, tokens=lo.tokens, score=lo.score,
                                                  reason=short_reason(lo.reasons),
                                                  cause=self.left_out_cause)
                      for lo in self.left_out],
            decisions=[DecisionEntry.model_construct(
                kind=d.kind, ref=d.ref, date=d.date, text=d.text, files=list(d.files),
                mentions=list(d.mentions)) for d in self.decisions], notes=list(self.notes))


class BundleResult:
    """A made bundle: its ``bundle`` model (made on first use), the rendered document the agent
    reads, its pieces, and the ranked candidates the budget had no room for."""

    def __init__(self, bundle: Bundle | BundleDraft, rendered: str, pieces: list[Piece],
                 left_out: list[LeftOut] | None = None,
                 decisions: list[Decision] | None = None) -> None:
        self._bundle = bundle
        self.rendered = rendered
        self.pieces = pieces
        self.left_out: list[LeftOut] = [] if left_out is None else left_out
        # The recent decisions section's entries, as rendered (an edge that renders the pieces
        # again passes them to render()).
        self.decisions: list[Decision] = [] if decisions is None else decisions

    @property
    def notes(self) -> list[str]:
        """The bundle's notes (see ``Bundle.notes``), to add to."""
        return self._bundle.notes

    @property
    def bundle(self) -> Bundle:
        if isinstance(self._bundle, BundleDraft):
            self._bundle = self._bundle.build()
        return self._bundle

    def counts(self) -> tuple[int, int, int]:
        """(items, total tokens, budget), without making the model."""
        b = self._bundle
        return len(b.items), b.total_tokens, b.budget

    def excluded(self) -> list[tuple[str, str]]:
        """(path, reason) of each file kept out, without making the model."""
        return [(e.path, e.reason) for e in self._bundle.excluded]

    def redacted(self) -> list[tuple[str, list[int], list[str]]]:
        """(path, lines, kinds) of each item shown with secrets masked, without making the
        model."""
        return [(r.path, list(r.lines), list(r.kinds)) for r in self._bundle.redacted]

    def __repr__(self) -> str:
        items, total, budget = self.counts()
        return f"BundleResult({items} items, {total} of {budget} tokens)"


def _not_parsed(index: Index, path: str) -> str:
    """Why the indexed file ``path`` was counted but not parsed, or ""."""
    from analyzers import languages
    from analyzers.indexing.filefacts import parse_bound

    info = index.files().get(path)
    if info is None or not languages.has_grammar(info.lang):
        return ""
    data = read_bytes_inside(index.root, path)
    return parse_bound(data) if data is not None else ""


def _read_file(root: Path, path: str) -> tuple[bytes, str, list[str]] | None:
    """The file's bytes, text and lines, split at newlines only (as the index counts them:
    str.splitlines would also split at form feeds and other separators, shifting every line
    number after them)."""
    data = read_bytes_inside(root, path)  # never through a symlink out of the workspace
    if data is None:
        return None
    try:
        text = data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None
    return data, text, io.StringIO(text, newline="\n").readlines()  # ends lines at "\n" only


def _read_lines(root: Path, path: str) -> list[str] | None:
    """The file's lines as read (see :func:`_read_file`), secrets and all: never shown."""
    read = _read_file(root, path)
    return read[2] if read is not None else None


def read_shown(root: Path, path: str, scans: ScanCache) -> tuple[list[str], Scan] | None:
    """The file's lines as an agent is shown them, each secret value masked (the same number of
    lines), and its scan; None when it cannot be read as text. The scan is of exactly the bytes
    read (cached by their hash), so its spans always fit these lines."""
    read = _read_file(root, path)
    if read is None:
        return None
    data, text, lines = read
    scan = scans.scan_text(content_key(data), text, path)
    return redact_lines(lines, scan.findings), scan


# The renderings a bundle is packed for: each holds the same items within the budget.
RENDERINGS = ("markdown", "xml")
LEFT_OUT_SHOWN = 5  # ranked files the budget had no room for, named in the document
LEFT_OUT_LISTED = 20  # ... and listed in the JSON


def make_bundle(index: Index, request: BundleRequest, token: CancelToken = NEVER,
                rankings: dict[tuple[Any, ...], Any] | None = None) -> BundleResult:
    """Rank, filter, pack and render a bundle for ``request``: the steps below, in order
    (resolve, rank, filter, pack, verify-budget).

    ``rankings``: what earlier bundles of this index (a snapshot's) worked out, reused by one
    asking the same: the ranking of the same (seeds, task, focus), so that an answer packed again
    at smaller budgets ranks once (one with another pool, a larger budget's, only explains the
    ranking again); the files admitted for the same request at another budget
    (read, scanned for secrets, linked to the seeds and task: a re-pack reuses them, and what
    packing worked out of them); and the files fitted to the same request in another format
    (every rendering holds the same items: only the document differs).
    The result's Bundle model is made only when asked for (see BundleResult). Git texts'
    redactions (commit subjects and messages) are remembered in the workspace's state folder
    (:func:`~analyzers.secrets.remembered_redactions`).
    """
    request.check()
    with remembered_redactions(state_dir(index.root)):
        return _make_bundle(index, request, token, rankings)


def _make_bundle(index: Index, request: BundleRequest, token: CancelToken,
                 rankings: dict[tuple[Any, ...], Any] | None) -> BundleResult:
    settings = index.settings
    counter = Counter(settings.encoding, settings.model_profile())
    _check_header_fits(request, counter)
    key: tuple[Any, ...] = ()
    fitted = None
    if rankings is not None and request.budget:  # (a snapshot answering more than one bundle)
        key = ("fitted", repr(replace(request, format="")))
        fitted = rankings.get(key)
    if fitted is None:
        resolved = _resolve(index, request)
        ranked, ordered, excluded, words = _rank(index, request, resolved, token, rankings)
        decisions = _decisions(index, request, resolved, ordered, counter, token)
        shown = _Filter(index, request, resolved, ranked, counter, excluded, token, words)
        if rankings is not None and request.budget:  # (the same files offered at each budget)
            shown.admitted = rankings.setdefault(
                ("admitted", repr(replace(request, format="", budget=1))), {})
        if request.budget == 0:
            result = _rank_only(request, shown, ordered, counter, decisions)
            result.notes.extend(_task_notes(index, request, resolved, ranked))
            return result
        packing = _pack(index, request, resolved, ranked, shown, ordered, counter, decisions)
        fitted = _verify_budget(index, request, resolved, shown, ordered, packing, counter,
                                decisions, ranked)
        if rankings is not None:
            rankings[key] = fitted
    result = _in_format(request, fitted, counter)
    result.notes.extend(_task_notes(index, request, fitted.resolved, fitted.ranked))
    return result


# The signals that say a file holds some of the task (its words, path, definitions, the
# subjects of the commits that touched it); a task alone that none of them found ranks files by
# structure and recent activity only.
TASK_SIGNALS = ("lexical", "history", "commits", "path_match", "def_match")
UNMATCHED_TASK = ("no word of the task was found in any file's text, path, definitions or commit "
                  "history: the files are the most recently changed and the best connected, not "
                  "chosen for the task; use the code's own words, or name a file as a seed")
NOTHING_RANKED = "no file of the workspace is indexed: there is nothing to choose from"


def _why_nothing_indexed(index: Index) -> str:
    """Why the workspace has no indexed file: every file skipped (by reason), every file
    ignored, or no file at all (the wrong folder)."""
    skipped = index.skipped()
    if skipped:
        reasons: dict[str, int] = {}
        for reason, _ in skipped.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        said = ", ".join(f"{r} {n:,}" for r, n in sorted(reasons.items()))
        return (f"its {plural(len(skipped), 'file')} {'is' if len(skipped) == 1 else 'are'} "
                f"skipped: {said}; ctxsteward index lists them")
    try:
        with os.scandir(index.root) as entries:
            held = any(e.name not in (".git", ".ctxsteward", ".gitignore") for e in entries)
    except OSError:
        held = False
    if held:
        return f"every file in {index.root} is ignored, by a .gitignore rule or an exclude glob"
    return f"{index.root} holds no file: is it the project's folder?"


def _nothing_ranked(index: Index) -> str:
    """Why a task alone ranked no file, truly: no file indexed, or (outside git, or before the
    first commit) no history to rank by when no word of the task is found."""
    from analyzers.gitrepo import toplevel

    indexed = len(index.files())
    if not indexed:
        return f"{NOTHING_RANKED} ({_why_nothing_indexed(index)})"
    files = f"{indexed:,} file is" if indexed == 1 else f"{indexed:,} files are"
    if index.head() is not None:
        return ("no file ranked for the task, though "
                f"{files} indexed: none holds a word of it "
                "or was changed recently; use the code's own words, or name a file as a seed")
    top = toplevel(index.root)
    why = (f"{index.root} is not a git repository, so" if top is None
           or top.resolve() != index.root.resolve() else "the repository has no commit yet, so")
    return (f"no file ranked for the task, though {files} indexed: no word of the task was "
            f"found in any file's text, path or definitions, and {why} history signals (recent "
            "changes, co-change) are off; use the code's own words, or name a file as a seed")


def _task_notes(index: Index, request: BundleRequest, resolved: _Resolved,
                ranked: list[RankedFile]) -> list[str]:
    """What a reader should know of the choice: a task alone that no file matched (``zzqx
    frobnicate wibble`` filled a bundle with recently changed files, and said nothing; outside
    git it ranked nothing, and said "no file of the workspace is indexed" of 17 indexed files)."""
    if not request.task or resolved.seed_paths or resolved.pins or not request.ranked:
        return []
    if not ranked:
        return [_nothing_ranked(index)]
    for rf in ranked:
        if not rf.signals:  # (values are kept for the first files only; they rank first)
            break
        if any(rf.signals.get(k) for k in TASK_SIGNALS) or rf.task_terms or any(
                r.startswith("the task names it") for r in rf.reasons):
            return []
    return [UNMATCHED_TASK]


DOC_LINKS = 12  # the best-ranked code files a design document's links are sought for
DECISION_FILES = 6  # the core files (seeds, pins, then the best ranked) decisions are sought for


def _decisions(index: Index, request: BundleRequest, resolved: _Resolved, ordered: list[_Entry],
               counter: Counter, token: CancelToken) -> list[Decision]:
    """Step 2b: the recent decisions about the bundle's core files, as many as fit the
    request's share of the budget in every rendering (none with a share of 0)."""
    share = request.decisions_share
    if share is None:
        share = index.settings.decisions_share
    if share <= 0:
        return []
    core = [e.path for e in ordered if e.tier == "core" and resolved.kept(e.path)
            and not secret_by_name(e.path)][:DECISION_FILES]
    found = recent_decisions(index, core, index.settings, token)
    if request.budget == 0:
        return found
    room = int(share * request.budget)
    return fit_decisions(found, room, lambda ds: max(
        counter.count(decisions_note(f, ds)) for f in RENDERINGS))


def _check_header_fits(request: BundleRequest, counter: Counter) -> None:
    """Refuse a budget smaller than the bundle's header alone."""
    bare = max(counter.count(render(f, request.task, [])) for f in RENDERINGS)
    if 0 < request.budget < bare:
        raise BundleError(f"{F.budget} {request.budget} is too small: the bundle's header alone "
                          f"takes {bare} tokens ({F.rank_only})", field="budget")


@dataclass
class _Resolved:
    """Step 1: the request's seeds, pins and exclude globs, resolved against the index."""

    seeds: list[Seed]
    seed_paths: list[str]  # each seed's file once, in the order given
    focus: dict[str, list[str]]  # a seed's file -> the symbols in focus
    pins: list[str]
    exclude_spec: Any  # a pathspec.GitIgnoreSpec, or None without exclude globs

    def kept(self, path: str) -> bool:
        """Whether no exclude glob keeps ``path`` out."""
        return self.exclude_spec is None or not self.exclude_spec.match_file(path)


def _resolve(index: Index, request: BundleRequest) -> _Resolved:
    """Step 1: seeds resolved (file and symbols in focus), pins checked, exclude globs parsed."""
    seeds = [resolve_seed(index, s) for s in request.seeds]
    seed_paths = list(dict.fromkeys(s.path for s in seeds))
    focus: dict[str, list[str]] = {}
    for s in seeds:
        focus.setdefault(s.path, []).extend(s.symbols)
    pins = [workspace_path(index.root, p, what="pin", secrets=Secrets.NONE)
            for p in request.pins]
    for spec, p in zip(request.pins, pins, strict=True):
        if p not in index.files():
            raise BundleError(not_indexed(index.root, p, f"pin {spec!r}"), field="pin")
    exclude_spec = None
    if request.exclude:
        import pathspec  # only with exclude globs: not on every query's start

        exclude_spec = pathspec.GitIgnoreSpec.from_lines(request.exclude)
    return _Resolved(seeds, seed_paths, focus, pins, exclude_spec)


class _Entry(NamedTuple):
    """A file the bundle may hold, in the order it is offered: seeds, pins, then ranked files."""

    path: str
    score: float
    reasons: list[str]
    tier: str
    forced: bool  # seeds and pins
    ranked: RankedFile | None


def _ends_alike(head: list[str], link: str) -> bool:
    """Whether the path parts ``head`` end at ``link``: they end with all of it, or (a shorter
    path) are the end of it."""
    parts = link.split("/")
    n = min(len(head), len(parts))
    return head[-n:] == parts[-n:]


OUTSIDE_LINK = ("the task names it, but it is a symbolic link leading outside the workspace: "
                "never read")


def _named_outside(index: Index, task: str | None) -> list[Excluded]:
    """Files the task names that are symbolic links leading out of the workspace: never read nor
    ranked, so listed, not silently missing. Named as the ranker names files (a path by its end,
    a traceback's absolute path, a file name few files share; ``bundles.mentions``), among the
    index's files and the links the walk left out; and a path through a linked folder, whose
    files the walk never lists (``src/vendor/x.py``, or ``vendor/x.py`` or a traceback's
    ``/home/me/proj/src/vendor/x.py`` ending so, ``src/vendor`` leading outside; only whether
    that path exists is asked outside, nothing is listed or read)."""
    words = mentions(task) if task else []
    if not words:
        return []
    found: dict[str, None] = {}
    links = sorted(p for p, (reason, _) in index.skipped().items()
                   if reason == "symlink_outside_root")
    if links and task:
        files = [*index.files(), *links]
        first_link = len(files) - len(links)
        found.update((files[n.file_index], None)
                     for n in named_files(task, files, *name_tables(files), index.root)
                     if n.file_index >= first_link)
    root = index.root
    for raw in words[:MAX_NAMED]:
        parts = raw.split("/")
        if ".." in parts or ":" in raw:
            continue
        # the path as written, and through a linked folder it names by its end (a traceback's
        # /home/me/proj/src/vendor/x.py, or vendor/x.py, for the link src/vendor)
        tried = [raw] + [f"{link}/{'/'.join(parts[i + 1:])}" for link in links
                         for i in range(len(parts) - 1) if _ends_alike(parts[:i + 1], link)]
        for rel in tried:
            if rel in found:
                continue
            path = root / rel
            try:
                if os.path.lexists(path):
                    path.resolve().relative_to(root)
            except ValueError:
                found[rel] = None
            except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
                continue
    return [Excluded(p, OUTSIDE_LINK) for p in found]


def _rank(index: Index, request: BundleRequest, resolved: _Resolved, token: CancelToken,
          rankings: dict[tuple[Any, ...], Any] | None = None
          ) -> tuple[list[RankedFile], list[_Entry], list[Excluded], list[str] | None]:
    """Step 2: the ranking, the files offered in order with their tiers, the seeds left out
    (not indexed), and the task's words as the ranking read them (None when it did not)."""
    # Enough candidates to fill the budget with small items (the pool grows with the budget).
    pool_size = max(CANDIDATE_POOL, request.budget // 250)
    explain = (request.limit or RANK_ONLY_LIMIT) + 10 if request.budget == 0 else pool_size
    seed_paths, pins = resolved.seed_paths, resolved.pins
    query = RankQuery(seeds=seed_paths, task=request.task, seed_symbols=resolved.focus)
    key = (tuple(seed_paths), request.task, tuple((p, tuple(s)) for p, s in
                                                  sorted(resolved.focus.items())), explain)
    if not (request.ranked and (seed_paths or request.task)):
        ranked = []
    elif rankings is not None and key in rankings:  # (read only from here on: never changed)
        ranked, query.words = rankings[key]
    else:
        evidence = None if rankings is None else rankings.setdefault(("evidence", *key[:3]), {})
        ranked = rank(index, query, token, explain=explain, evidence=evidence)
        if rankings is not None:
            rankings[key] = (ranked, query.words)
    files = index.files()
    excluded: list[Excluded] = []
    ordered: list[_Entry] = []
    unindexed = {s.path: s.note for s in resolved.seeds if not s.indexed}
    for p in seed_paths:
        if p in unindexed:
            excluded.append(Excluded(
                p, f"seed not indexed: {unindexed[p]}; ranked from its history"))
            continue
        ordered.append(_Entry(p, 1.0, ["seed"], "core", True, None))
    excluded.extend(_named_outside(index, request.task))
    # A pin the ranking found too keeps what links it to the seeds and task: shown in part, the
    # same definitions it would have shown as ranked (pinning never shows less of a file).
    by_path = {rf.path: rf for rf in ranked}
    for p in pins:
        if p in files and p not in seed_paths:
            ordered.append(_Entry(p, 1.0, ["pinned"], "core", True, by_path.get(p)))
    # Tiers and "central" are relative to the best file the bundle may hold: files an exclude
    # glob keeps out do not set the scale (with '*.py' excluded, the best Python file's score
    # left every remaining file peripheral, none central, and no large one showable at all).
    top = next((rf.score for rf in ranked if resolved.kept(rf.path)), 1.0)
    pool = ranked if request.budget == 0 else ranked[:pool_size]
    if not request.ranked:
        pool = []
    for rf in pool:
        if rf.path in seed_paths or rf.path in pins:
            continue
        tier = ("core" if rf.score >= 0.6 * top else
                "related" if rf.score >= 0.3 * top else "peripheral")
        ordered.append(_Entry(rf.path, rf.score, rf.reasons, tier, False, rf))
    return ranked, ordered, excluded, query.words


@dataclass
class _Admitted:
    """What admitting a file found: its candidate, or why it is left out; and, for a file shown
    with secret values masked, its scan and its tokens as shown."""

    candidate: Candidate | None
    excluded: Excluded | None = None
    scan: Scan | None = None
    tokens: int = 0


class _Filter:
    """Step 3: the files offered, as candidates an agent may be shown. Files secret-bearing as a
    whole, matching an exclude glob or unreadable are left out (listed under ``excluded``); the
    rest carry their lines as shown (secret values masked) and their tokens as shown."""

    def __init__(self, index: Index, request: BundleRequest, resolved: _Resolved,
                 ranked: list[RankedFile], counter: Counter, excluded: list[Excluded],
                 token: CancelToken, words: list[str] | None = None) -> None:
        self.index, self.request, self.resolved = index, request, resolved
        self.ranked_words = words  # the task's words as the ranking read them
        self.ranked, self.counter, self.excluded, self.token = ranked, counter, excluded, token
        self.files = index.files()
        self.scans = ScanCache(state_dir(index.root) / "secrets.json")
        self.masked: dict[str, Scan] = {}  # files shown with secrets masked: their scans
        self.shown_tokens: dict[str, int] = {}  # ... and their tokens, as redacted
        self.code_paths: list[str] = []  # the code a design document may name (see _document)
        # What admitting each file found, kept by a snapshot for its bundles of the same request
        # at other budgets: each re-pack then reuses the candidates, their lines and what packing
        # worked out of them (their caches). Kept with what it was worked out from (the file's
        # entry, the code a design document may name, the task's words), reused only when they
        # are the same: a larger budget's larger pool is ranked again, its entries may differ.
        self.admitted: dict[str, tuple[tuple[Any, ...], _Admitted]] = {}

    @cached_property
    def task_words(self) -> list[str]:
        """The task's words, each once, without the pieces of a dependency's path (one through
        an installed package naming no file of the workspace: ``mentions.foreign_paths``): the
        ranking's, read again only when no ranking ran."""
        words = self.ranked_words
        if words is None:
            files = list(self.files)
            words = find_task_words(self.request.task or "", files, lambda: name_tables(files),
                                    self.index.root)
        return list(dict.fromkeys(words))

    def candidates(self, ordered: list[_Entry]) -> Iterator[Candidate]:
        """The entries that may be shown, in order (lazily: packing stops when full)."""
        self.code_paths = [e.path for e in ordered if not is_design_doc(e.path)][:DOC_LINKS]
        for entry in ordered:
            self.token.check()
            cand = self._admit(entry)
            if cand is not None:
                yield cand

    def _admit(self, entry: _Entry) -> Candidate | None:
        """``entry`` as a candidate, or None when it is left out (and listed why); what was
        found the first time, when this file was admitted for the same request before."""
        basis = (entry, self.code_paths, self.ranked_words)
        kept = self.admitted.get(entry.path)
        if kept is not None and kept[0] == basis:
            got = kept[1]
        else:
            got = self._admitted(entry)
            self.admitted[entry.path] = (basis, got)
        if got.excluded is not None:
            self.excluded.append(got.excluded)
        if got.scan is not None:
            self.masked[entry.path] = got.scan
            self.shown_tokens[entry.path] = got.tokens
        return got.candidate

    def _admitted(self, entry: _Entry) -> _Admitted:
        """``entry`` as a candidate, or why it is left out."""
        path = entry.path
        if not self.resolved.kept(path):
            return _Admitted(None, Excluded(path, "matches an exclude glob"))
        content = self._content(path)
        if content is None:
            return _Admitted(None, Excluded(path, "unreadable or changed since indexing"))
        lines, scan, why = content
        if why:
            if path in self.resolved.seed_paths:  # the bundle is about it: refused, not swapped
                # for an unrelated bundle (a pinned file is listed under excluded, as ranked
                # ones are)
                raise BundleError(f"seed {path!r} is excluded: {why} (its content is never "
                                  "shown)")
            return _Admitted(None, Excluded(path, why))
        tokens = self.counter.scale(self.files[path].tokens)
        if scan.findings:  # shown redacted: counted as shown
            if not lines:
                shown = read_shown(self.index.root, path, self.scans)
                lines = shown[0] if shown is not None else []
            tokens = self.counter.count("".join(lines))
            return _Admitted(self._candidate(entry, tokens, lines), scan=scan, tokens=tokens)
        return _Admitted(self._candidate(entry, tokens, lines))

    def _content(self, path: str) -> tuple[list[str], Scan, str | None] | None:
        """The file's lines as shown (none when no content is shown), its scan, and why it is
        never shown, if it is not; None when it cannot be read."""
        why = secret_by_name(path)
        if why is not None:
            return [], NO_SECRET, why
        if self.request.budget == 0:  # no content shown: the cached scan will do
            scan = self.scans.scan_file(self.index.root, path, self.files[path].hash)
            return [], scan, scan.whole
        shown = read_shown(self.index.root, path, self.scans)
        if shown is None:
            return None
        lines, scan = shown
        return lines, scan, scan.whole

    def _candidate(self, entry: _Entry, tokens: int, lines: list[str]) -> Candidate:
        """The candidate for ``entry``: its content and what links it to the seeds and task."""
        path, index = entry.path, self.index
        stretch = entry.ranked.focus if entry.ranked is not None else None
        if self.request.budget == 0:
            return Candidate(path, entry.score, entry.reasons, tokens, [], [], entry.tier,
                             entry.forced, stretch=stretch)
        seed_paths = self.resolved.seed_paths
        cand = Candidate(path, entry.score, entry.reasons, tokens, lines,
                         index.definitions(path), entry.tier, entry.forced,
                         focus=self.resolved.focus.get(path, []), stretch=stretch)
        if path in seed_paths:  # a large one is focused on what links it to the task
            link_seed(cand, self.task_words, (rf.names_used for rf in self.ranked
                                                if rf.path not in seed_paths),
                      index.references(path) if cand.tokens > SMALL_FILE else {})
            # a PATH:LINE seed's line: in no definition (a file with none, a top-level
            # anonymous function's body), first in its excerpt; in a definition too large to
            # show whole, shown with the lines around it (pack._InFull.take_part)
            cand.task_lines = [s.line for s in self.resolved.seeds
                               if s.path == path and s.line]
        elif entry.ranked is not None:
            cand.names = list(entry.ranked.names_used)
            cand.task_words = list(entry.ranked.task_terms)
            cand.task_lines = list(entry.ranked.task_lines)
            cand.task_symbols = list(entry.ranked.task_symbols)
            _name_stretch(cand, entry.ranked)
            if cand.names:  # else no line refers to them: skip reading the references
                refs = index.references(path)
                cand.ref_lines = sorted({ln for n in cand.names for ln in refs.get(n, [])})
        cand.task_versions = lexical.versions(self.request.task or "")
        if not cand.definitions and cand.lines and is_design_doc(path):
            self._document(cand)
        return cand

    def _document(self, cand: Candidate) -> None:
        """A design document as a candidate: its headings as definitions (a long one shows its
        relevant sections only: those naming the bundle's code or holding the task's words),
        and what links it to the bundle first among its reasons."""
        cand.definitions = doc_sections(cand.path, cand.lines, self.counter.count)
        words = self.task_words
        cand.task_words = cand.task_words or words
        cand.names = relevant_sections(cand.definitions, cand.lines, words, self.code_paths)
        cand.ref_lines = []
        why, named, section = doc_reason_naming(cand.path, cand.lines, cand.definitions,
                                                self.code_paths, cand.names, words)
        if why:
            cand.reasons = [why, *cand.reasons]
        if section is not None:
            cand.named_parts.append((why, named, (section.start_line, section.end_line)))

    def redacted(self, items: list[dict[str, Any]]) -> list[Redacted]:
        """The items shown with secret values masked (see :func:`_redacted`)."""
        return _redacted(self.masked, [(i["path"], i["ranges"]) for i in items])


def _name_stretch(cand: Candidate, ranked: RankedFile) -> None:
    """The reason naming the ranker's stretch of ``cand``'s lines, among its named parts."""
    if ranked.focus is None:
        return
    first, last = ranked.focus
    name = lines_named(first, last)
    for why in cand.reasons:
        if why.startswith(name + " "):
            cand.named_parts.append((why, name, (first, last)))


def _rank_only(request: BundleRequest, shown: _Filter, ordered: list[_Entry], counter: Counter,
               decisions: list[Decision]) -> BundleResult:
    """A budget of 0: the first ``limit`` candidates as whole-file items, nothing packed."""
    limit = request.limit or RANK_ONLY_LIMIT
    files = shown.files
    items: list[dict[str, Any]] = [
        dict(path=c.path, tier=c.tier, granularity="file",
             ranges=[(1, max(1, files[c.path].lines))], symbols=[], tokens=c.tokens,
             score=round(c.score, 4), reasons=list(c.reasons), focus=c.stretch)
        for c in itertools.islice(shown.candidates(ordered), limit)
    ]
    shown.scans.save()
    draft = BundleDraft(
        task=request.task, seeds=list(request.seeds), budget=0,
        total_tokens=sum(i["tokens"] for i in items), encoding=counter.label, items=items,
        excluded=shown.excluded, redacted=shown.redacted(items), decisions=decisions)
    fmt = request.format if request.format in RENDERINGS else "markdown"
    rendered = render_ranking(fmt, request.task, [
        (i["path"], i["ranges"][0][1], i["tokens"], i["tier"], short_reason(i["reasons"]))
        for i in items], decisions)
    return BundleResult(draft, rendered, [], decisions=decisions)


@dataclass
class _Packing:
    """Step 4's outcome: the items packed, and every candidate offered to the packer."""

    packed: list[Packed]
    offered: list[Candidate]


def _pack(index: Index, request: BundleRequest, resolved: _Resolved, ranked: list[RankedFile],
          shown: _Filter, ordered: list[_Entry], counter: Counter,
          decisions: list[Decision]) -> _Packing:
    """Step 4: the candidates packed into the budget, each at its granularity; refused when not
    one item fits."""
    overhead = max(counter.count(header(f, request.task) + decisions_note(f, decisions)
                                 + footer(f)) for f in RENDERINGS) + 2
    top_score = next((rf.score for rf in ranked
                      if rf.path not in resolved.seed_paths and resolved.kept(rf.path)), 1.0)
    offered: list[Candidate] = []

    def offer() -> Iterator[Candidate]:
        for cand in shown.candidates(ordered):
            offered.append(cand)
            yield cand

    packed = pack(offer(), budget=request.budget, formats=RENDERINGS, overhead=overhead,
                  count=counter.count, limit=request.limit, top_score=top_score)
    shown.scans.save()
    if not packed and offered:
        _refuse_empty(request, offered[0], request.budget - overhead, _too_large_note(index))
    return _Packing(packed, offered)


def _too_large_note(index: Index) -> str:
    """" (N files are not indexed, larger than the size limit ...)" when some are,
    so a refusal made under a small limit says so; else ""."""
    too_large = sum(1 for reason, _ in index.skipped().values() if reason == "too_large")
    if not too_large:
        return ""
    limit = index.settings.max_file_size
    return (f" ({plural(too_large, 'file')} {'is' if too_large == 1 else 'are'} not indexed, "
            f"larger than the size limit of {limit:,} bytes: a larger {F.max_file_size} indexes "
            f"{'it' if too_large == 1 else 'them'})")


def _refuse_empty(request: BundleRequest, best: Candidate, room: int, note: str = "") -> None:
    """Why not one item fits the budget, as a :class:`BundleError` (``best``: the first
    candidate offered; ``room``: the budget less the document's overhead; ``note``: said
    last, such as the files the size limit kept out)."""
    if best.tokens <= room:
        # It would fit whole: the packer did not offer it whole (a large file ranked well
        # below the top is shown in parts only) and it has no parts (no definitions).
        raise BundleError(
            f"no item fits the budget of {request.budget:,} tokens: the best candidate, "
            f"{best.path} ({best.tokens:,} tokens), ranks too far below the top to go in "
            "whole and has no definitions to show in part; give seeds or a more precise "
            f"task, or 0 to rank only{note}")
    raise BundleError(
        f"budget {request.budget} holds the bundle's header but not one item (the best "
        f"candidate, {best.path}, is {best.tokens:,} tokens whole; its smallest "
        f"part did not fit either): give a larger {F.budget} (or 0 to rank only), or a "
        f"{F.seed} naming what to show (PATH::SYMBOL for one definition){note}",
        field="budget")


@dataclass
class _Fitted:
    """A bundle's files fitted to its budget in every rendering (step 5), before one is chosen:
    what :func:`_in_format` makes the result of, in any format."""

    resolved: _Resolved
    ranked: list[RankedFile]
    ordered: list[_Entry]
    shown: _Filter
    packed: list[Packed]
    renders: dict[str, str]
    totals: dict[str, int]
    left_out: list[LeftOut]
    decisions: list[Decision]


def _verify_budget(index: Index, request: BundleRequest, resolved: _Resolved, shown: _Filter,
                   ordered: list[_Entry], packing: _Packing, counter: Counter,
                   decisions: list[Decision], ranked: list[RankedFile]) -> _Fitted:
    """Step 5: the whole document measured again (items dropped from the end until it fits),
    the seeds and pins that did not fit said; in every rendering alike."""
    packed = packing.packed
    # The whole document is measured again, in every rendering (tokens can merge across item
    # boundaries): the items kept are the same whichever format is asked for.
    while True:
        pieces = [p.piece for p in packed]
        renders = {f: render(f, request.task, pieces, decisions=decisions) for f in RENDERINGS}
        totals = {f: counter.count(text) for f, text in renders.items()}
        if max(totals.values()) <= request.budget or not packed:
            if not _room_for_a_note(request, ordered, packed, shown, counter, totals):
                packed.pop()  # (the last file shown makes way for the note naming those that
                continue  # did not fit: in every rendering, so all choose the same items)
            break
        packed.pop()
    _note_forced_unfit(index, request, resolved, shown.excluded, packing)
    return _Fitted(resolved, ranked, ordered, shown, packed, renders, totals,
                   _left_out(ordered, packed, shown, counter), decisions)


def _in_format(request: BundleRequest, fitted: _Fitted, counter: Counter) -> BundleResult:
    """The bundle of ``fitted`` in the request's format: its document, and the best files left
    out named at its end when the budget has room."""
    fmt = "xml" if request.format == "xml" else "markdown"
    packed, left_out, decisions = fitted.packed, fitted.left_out, fitted.decisions
    pieces = [p.piece for p in packed]
    rendered, total = fitted.renders[fmt], fitted.totals[fmt]
    items = [
        dict(path=p.candidate.path, tier=p.candidate.tier, granularity=p.piece.granularity,
             ranges=list(p.piece.ranges), symbols=list(dict.fromkeys(p.symbols)),
             full_ranges=list(p.piece.full), tokens=p.by_format[fmt],
             score=round(p.candidate.score, 4), reasons=list(p.reasons),
             focus=p.candidate.stretch)
        for p in packed
    ]
    # The best of them are named at the end of the document, when the budget has room (the
    # note is measured alone, then the document with it once: no whole-document count per try).
    room = request.budget - total
    # (left out by the limit when the bundle holds the files asked for: not for their size)
    cause = "limit" if request.limit is not None and len(packed) >= request.limit else "size"
    for n in range(min(LEFT_OUT_SHOWN, len(left_out)), 0, -1):
        note = [(lo.path, lo.tokens, short_reason(lo.reasons)) for lo in left_out[:n]]
        if counter.count(left_out_note(fmt, note, cause)) + 2 > room:
            continue
        noted = render(fmt, request.task, pieces, note, decisions, cause)
        noted_total = counter.count(noted)
        if noted_total <= request.budget:  # (else fewer files named: the note measured alone
            rendered, total = noted, noted_total  # is short of it in the document by a few
            break  # tokens, the XML's most: 1,150 tokens gave XML no note where 4 files fit)
    draft = BundleDraft(
        task=request.task, seeds=list(request.seeds), budget=request.budget, total_tokens=total,
        encoding=counter.label, items=items, excluded=list(fitted.shown.excluded),
        left_out=left_out[:LEFT_OUT_LISTED], redacted=fitted.shown.redacted(items),
        decisions=list(decisions), left_out_cause=cause)
    return BundleResult(draft, rendered, pieces, list(left_out), list(decisions))


def _room_for_a_note(request: BundleRequest, ordered: list[_Entry], packed: list[Packed],
                     shown: _Filter, counter: Counter, totals: dict[str, int]) -> bool:
    """Whether every rendering has room for the note naming the best file left out (or nothing
    is left out, or only seeds and pins are shown: never dropped for it). A bundle that fills
    its budget to the last token said nothing of what it left out (#14, defect 8): the XML,
    whose note is the largest, at 1,150 tokens with 8 files left out."""
    if not packed or packed[-1].candidate.forced or len(packed) < 2:
        return True
    first = next(iter(_left_out(ordered, packed, shown, counter, first_only=True)), None)
    if first is None:
        return True
    best = [(first.path, first.tokens, short_reason(first.reasons))]
    return all(counter.count(left_out_note(f, best)) + 2 <= request.budget - totals[f]
               for f in RENDERINGS)


def _note_forced_unfit(index: Index, request: BundleRequest, resolved: _Resolved,
                       excluded: list[Excluded], packing: _Packing) -> None:
    """Seeds and pins the budget could not hold: listed under ``excluded``, not silently
    dropped; a seed too large to show and without syntax to choose a part is refused."""
    inside = {p.candidate.path: p.piece.granularity for p in packing.packed}
    for cand in packing.offered:
        # A seed excerpted is shown only if it has no syntax to choose a part by: code too
        # large to parse is refused as before (its first lines are no answer about it).
        if not cand.forced or inside.get(cand.path, "excerpt") != "excerpt":
            continue
        is_seed = cand.path in resolved.seed_paths
        what = "seed" if is_seed else "pinned file"
        if cand.path in inside and not is_seed:
            continue
        if not any(line.strip() for line in cand.lines):  # (not a matter of the budget)
            excluded.append(Excluded(cand.path, f"{what} is empty: nothing to show"))
            continue
        bound = _not_parsed(index, cand.path) if is_seed else ""
        if cand.path in inside and not bound:
            continue
        if bound:
            # As a too-large seed: no definitions to pick a part from, and a bundle without
            # the file would look like an answer about it and not be one.
            spec = next((s.spec for s in resolved.seeds if s.path == cand.path), cand.path)
            raise BundleError(
                f"seed {spec!r} is not usable: {bound}; it is {cand.tokens:,} tokens whole, "
                f"more than the budget of {request.budget:,} holds, and without its syntax "
                f"no part of it can be chosen (give a larger {F.budget}, or another seed)",
                field="seed")
        excluded.append(Excluded(
            cand.path, f"{what} does not fit the budget of {request.budget:,} tokens "
                       f"({cand.tokens:,} tokens whole, and no part of it fit)"))


def _left_out(ordered: list[_Entry], packed: list[Packed], shown: _Filter, counter: Counter,
              first_only: bool = False) -> list[LeftOut]:
    """The files offered that are neither in the bundle nor excluded, best first (an empty
    file is not left out for size); ``first_only``: the first of them alone."""
    skipped = {p.candidate.path for p in packed} | {e.path for e in shown.excluded}
    out = []
    for e in ordered:
        if e.path in skipped or secret_by_name(e.path):
            continue
        tokens = shown.shown_tokens.get(e.path, counter.scale(shown.files[e.path].tokens))
        if tokens > 0:
            out.append(LeftOut(e.path, tokens, round(e.score, 4), e.reasons))
            if first_only:
                break
    return out


def _redacted(masked: dict[str, Scan], shown: list[tuple[str, list[tuple[int, int]]]]
              ) -> list[Redacted]:
    """For each item shown (path, line ranges) holding masked values: the lines masked in what
    was shown, and the kinds of secret."""
    out = []
    for path, ranges in shown:
        scan = masked.get(path)
        if scan is None:
            continue
        lines = sorted({f.line for f in scan.findings
                        if any(a <= f.line <= b for a, b in ranges)})
        if lines:
            out.append(Redacted(path, lines, scan.kinds(set(lines))))
    return out


# -- saving and verifying -----------------------------------------------------------------------

def _hash(text: str) -> str:
    import hashlib  # saving and verifying only: its OpenSSL start-up costs every query

    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def bundles_dir(root: Path) -> Path:
    return state_dir(root) / "bundles"


def _check_name(name: str) -> None:
    """Refuse a name no bundle is saved under (the one rule: ``check_bundle_name``)."""
    check_bundle_name(name, "name")


check_name = _check_name  # for callers that refuse a name before any work


SAVED_FORMAT = 2  # 2: a hash per line range too, so verify can tell "moved" from "changed"
Status = Literal["unchanged", "moved", "changed", "vanished"]


def _range_hash(lines: list[str], lines_range: tuple[int, int]) -> str:
    return _hash(select_lines(lines, [lines_range]))


def _line_hash(line: str) -> str:
    return _hash(line.rstrip("\n"))


def _shown_lines(root: Path, path: str, scans: ScanCache) -> list[str] | None:
    shown = read_shown(root, path, scans)
    return shown[0] if shown is not None else None


def save_bundle(index: Index, name: str, result: BundleResult) -> Path:
    """Store ``result`` with each item's content hashes under ``.ctxsteward/bundles/NAME.json``.

    Each item keeps a hash of the whole file, of all the lines the agent saw, and of each line
    range on its own (with its first line's), so :func:`verify_bundle` can find a range again
    after lines were added or removed above it.

    Every hash is of the text as the agent was shown it: secret values masked (for a file holding
    none, that is the file as it is). No hash of a secret is ever stored (a short one could be
    guessed from it), and verify compares what the agent would be shown now with what it saw: an
    edit anywhere else in the lines shown is "changed"; a new value for a masked secret alone is
    not (the agent never saw either value).
    """
    from analyzers.results import SavedBundle, SavedItem, SavedRange

    _check_name(name)
    hashes = []
    scans = ScanCache(state_dir(index.root) / "secrets.json")
    for item in result.bundle.items:
        lines = _shown_lines(index.root, item.path, scans) or []
        text = "".join(lines)
        ranges = [SavedRange(lines=r, hash=_range_hash(lines, r),
                             first_line_hash=_line_hash(lines[r[0] - 1])
                             if 0 < r[0] <= len(lines) else "")
                  for r in item.ranges]
        hashes.append(SavedItem(path=item.path, ranges=item.ranges, file_hash=_hash(text),
                                content_hash=_hash(select_lines(lines, item.ranges)),
                                range_hashes=ranges))
    scans.save()
    saved = SavedBundle(format_version=SAVED_FORMAT, name=name,
                        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                        head=index.head(), bundle=result.bundle, hashes=hashes)
    path = bundles_dir(index.root) / f"{name}.json"
    write_atomic(path, saved.model_dump_json(indent=2))
    return path


def load_saved(root: Path, name: str) -> SavedBundle:
    from analyzers.results import SavedBundle

    _check_name(name)
    path = bundles_dir(root) / f"{name}.json"
    if not path.exists():
        have = sorted(p.stem for p in bundles_dir(root).glob("*.json")) \
            if bundles_dir(root).exists() else []
        hint = f" (saved: {', '.join(have)})" if have else f" (none saved yet: use {F.save})"
        raise BundleError(f"no saved bundle named {name!r}{hint}", field="verify")
    data = read_bytes_inside(root, path)
    if data is None:
        raise BundleError(f"saved bundle {path} cannot be read (a symlink out of the workspace, "
                          "or not a file); save it again")
    try:
        saved = SavedBundle.model_validate_json(data)
    except ValueError as e:
        raise BundleError(f"saved bundle {path} is unreadable ({e}); save it again") from e
    if saved.format_version > SAVED_FORMAT:
        raise BundleError(f"saved bundle {path} has format {saved.format_version}, newer than "
                          f"this ctxsteward reads ({SAVED_FORMAT}): upgrade, or save it again")
    return saved


def _find_range(lines: list[str], saved: SavedRange, near: int,
                taken: list[tuple[int, int]], line_hashes: list[str]) -> tuple[int, int] | None:
    """Where the saved range's lines are now: the match nearest line ``near`` that does not
    overlap a range already placed (``taken``), or None."""
    a, b = saved.lines
    span = b - a
    starts = [i + 1 for i, h in enumerate(line_hashes) if h == saved.first_line_hash]
    for s in sorted(starts, key=lambda s: (abs(s - near), s)):
        if s + span > len(lines) or any(s <= y and x <= s + span for x, y in taken):
            continue
        if _range_hash(lines, (s, s + span)) == saved.hash:
            return (s, s + span)
    return None


def _locate_per_range(lines: list[str], h: SavedItem) -> tuple[list[tuple[int, int] | None], bool]:
    """Each saved range's lines now (None where not found), and whether all are in place."""
    found: list[tuple[int, int] | None] = []
    line_hashes: list[str] | None = None
    shift = 0
    for r in h.range_hashes:
        if _range_hash(lines, r.lines) == r.hash:
            found.append(r.lines)
            shift = 0
            continue
        if line_hashes is None:
            line_hashes = [_line_hash(line) for line in lines]
        taken = [f for f in found if f is not None]
        where = _find_range(lines, r, r.lines[0] + shift, taken, line_hashes)
        found.append(where)
        if where is not None:
            shift = where[0] - r.lines[0]
    return found, all(f == r.lines for f, r in zip(found, h.range_hashes, strict=True))


def _locate_uniform(lines: list[str], h: SavedItem) -> list[tuple[int, int]] | None:
    """For bundles saved before per-range hashes (format 1): the item's ranges shifted by one
    common offset, the smallest that gives back its content hash (None if none does)."""
    if not h.ranges:
        return None
    first, last = h.ranges[0][0], max(b for _, b in h.ranges)
    offsets = range(1 - first, len(lines) - last + 1)
    for d in sorted(offsets, key=lambda d: (abs(d), d)):
        moved = [(a + d, b + d) for a, b in h.ranges]
        if _hash(select_lines(lines, moved)) == h.content_hash:
            return moved
    return None


def verify_item(root: Path, h: SavedItem, whole: bool,
                scans: ScanCache | None = None) -> VerifiedItem:
    """Whether the lines an item showed are still there: unchanged, moved, changed or vanished.

    ``whole``: the item showed the whole file, so any edit changes what the agent saw. The file is
    compared as it would be shown now, secret values masked (see :func:`save_bundle`).
    """
    from analyzers.results import VerifiedItem

    def result(status: Status, detail: str = "",
               now: list[tuple[int, int]] | None = None) -> VerifiedItem:
        return VerifiedItem(path=h.path, status=status, detail=detail, ranges=h.ranges,
                            ranges_now=now or [])

    if scans is None:
        scans = ScanCache(state_dir(root) / "secrets.json")
    lines = _shown_lines(root, h.path, scans)
    if lines is None:
        return result("vanished", "the file no longer exists or is unreadable")
    if _hash("".join(lines)) == h.file_hash:
        return result("unchanged", now=h.ranges)
    if whole:
        return result("changed", "the lines the agent saw differ now")
    if h.range_hashes:
        found, in_place = _locate_per_range(lines, h)
        missing = [r.lines for r, f in zip(h.range_hashes, found, strict=True) if f is None]
        now = [f for f in found if f is not None]
    else:
        in_place = _hash(select_lines(lines, h.ranges)) == h.content_hash
        located = h.ranges if in_place else _locate_uniform(lines, h)
        missing = [] if located is not None else list(h.ranges)
        now = located or []
    if in_place:
        return result("unchanged", "the file changed outside the lines the agent saw", h.ranges)
    if missing:
        return result("changed",
                      f"the lines the agent saw differ now: {ranges_label(missing)} as saved")
    return result("moved", f"the same lines are now at {ranges_label(now)} "
                           f"(were {ranges_label(h.ranges)})", now)


def _renames(root: Path, since: str | None) -> dict[str, str]:
    """Files renamed since the commit ``since`` (old path: new path), by git's rename detection
    between that commit and the work tree: committed, staged (``git mv``) or not yet; empty
    outside git or when that commit is gone."""
    from analyzers import gitrepo

    out = None
    for base in ([since] if since else []) + ["HEAD"]:
        out = gitrepo.try_run(root, "diff", "-M", "--name-status", "-z", "--no-color", base, "--",
                              timeout=60)
        if out is not None:
            break
    if not out:
        return {}
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    found: dict[str, str] = {}
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status.startswith(("R", "C")) and i + 2 < len(fields):
            if status.startswith("R"):
                found[fields[i + 1]] = fields[i + 2]
            i += 3
        else:
            i += 2
    return found


def _moved_file(index: Index, item: VerifiedItem, h: SavedItem, whole: bool, scans: ScanCache,
                renames: dict[str, str]) -> None:
    """A vanished item whose file was renamed or moved (``renames``; else a file of the same
    name with the same text, moved outside git): ``path_now``, and a detail that says so and
    whether the lines the agent saw are there. It stays vanished: the path the agent knows is
    gone."""
    new = renames.get(h.path)
    if new is None or _shown_lines(index.root, new, scans) is None:
        new = None
        base = h.path.rpartition("/")[2]
        for p in sorted(index.files()):
            if p != h.path and p.rpartition("/")[2] == base:
                lines = _shown_lines(index.root, p, scans)
                if lines is not None and _hash("".join(lines)) == h.file_hash:
                    new = p
                    break
    if new is None:
        return
    there = verify_item(index.root, h.model_copy(update={"path": new}), whole, scans)
    if there.status == "unchanged":
        said = "the lines the agent saw are there unchanged"
    elif there.status == "moved":
        said = (f"the lines the agent saw are there at {ranges_label(there.ranges_now)} "
                 f"(were {ranges_label(h.ranges)})")
    else:
        said = "the lines the agent saw differ there"
    item.path_now = new
    item.detail = f"the file moved to {new}: {said}"


def verify_bundle(index: Index, name: str, token: CancelToken = NEVER) -> VerifyReport:
    """Which items of a saved bundle are unchanged, moved, changed or vanished since it was
    saved."""
    from analyzers.results import VerifyReport

    saved = load_saved(index.root, name)
    # A whole-file item changes with any edit (lines added at the end included).
    whole = {i.path for i in saved.bundle.items if i.granularity == "file"}
    items: list[VerifiedItem] = []
    scans = ScanCache(state_dir(index.root) / "secrets.json")
    renames: dict[str, str] | None = None
    for h in saved.hashes:
        token.check()
        item = verify_item(index.root, h, h.path in whole, scans)
        if item.status == "vanished":
            if renames is None:
                renames = _renames(index.root, saved.head)
            _moved_file(index, item, h, h.path in whole, scans, renames)
        items.append(item)
    count = {s: sum(1 for i in items if i.status == s)
             for s in ("unchanged", "moved", "changed", "vanished")}
    return VerifyReport(name=name, created_at=saved.created_at, head_then=saved.head,
                        head_now=index.head(), unchanged=count["unchanged"], moved=count["moved"],
                        changed=count["changed"], vanished=count["vanished"], items=items)
