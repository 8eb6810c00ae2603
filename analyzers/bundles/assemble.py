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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from analyzers.app.errors import F, RequestError
from analyzers.app.requests import BundleRequest
from analyzers.app.seeds import relative_to_root, resolve_seed
from analyzers.bundles.pack import SMALL_FILE, Candidate, link_seed, pack
from analyzers.bundles.rank import RankedFile, RankQuery, rank
from analyzers.bundles.render import (
    Piece,
    footer,
    header,
    left_out_note,
    ranges_label,
    render,
    select_lines,
    short_reason,
)
from analyzers.cancel import NEVER, CancelToken
from analyzers.confine import read_bytes_inside
from analyzers.fsutil import write_atomic
from analyzers.indexing.index import Index
from analyzers.indexing.store import state_dir
from analyzers.secrets import NO_SECRET, Scan, ScanCache, content_key, redact_lines, secret_by_name
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
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


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

    def build(self) -> Bundle:
        """The model, constructed from our own typed values (validating would first build the
        validators, which costs more than the query)."""
        from analyzers.results import Bundle, BundleItem, ExcludedFile, LeftOutFile, RedactedFile

        return Bundle.model_construct(
            task=self.task, seeds=self.seeds, budget=self.budget, total_tokens=self.total_tokens,
            encoding=self.encoding, items=[BundleItem.model_construct(**i) for i in self.items],
            excluded=[ExcludedFile.model_construct(path=e.path, reason=e.reason)
                      for e in self.excluded],
            redacted=[RedactedFile.model_construct(path=r.path, lines=r.lines, kinds=r.kinds)
                      for r in self.redacted],
            left_out=[LeftOutFile.model_construct(path=lo.path, tokens=lo.tokens, score=lo.score,
                                                  reason=short_reason(lo.reasons))
                      for lo in self.left_out])


class BundleResult:
    """A made bundle: its ``bundle`` model (made on first use), the rendered document the agent
    reads, its pieces, and the ranked candidates the budget had no room for."""

    def __init__(self, bundle: Bundle | BundleDraft, rendered: str, pieces: list[Piece],
                 left_out: list[LeftOut] | None = None) -> None:
        self._bundle = bundle
        self.rendered = rendered
        self.pieces = pieces
        self.left_out: list[LeftOut] = [] if left_out is None else left_out

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


def make_bundle(index: Index, request: BundleRequest, token: CancelToken = NEVER) -> BundleResult:
    """Rank, filter, pack and render a bundle for ``request``.

    The result's Bundle model is made only when asked for (see BundleResult).
    """
    request.check()
    fmt = "xml" if request.format == "xml" else "markdown"
    settings = index.settings
    counter = Counter(settings.encoding, settings.model_profile())
    bare = max(counter.count(render(f, request.task, [])) for f in RENDERINGS)
    if 0 < request.budget < bare:
        raise BundleError(f"{F.budget} {request.budget} is too small: the bundle's header alone "
                          f"takes {bare} tokens ({F.rank_only})", field="budget")
    seeds = [resolve_seed(index, s) for s in request.seeds]
    seed_paths = list(dict.fromkeys(s.path for s in seeds))
    focus: dict[str, list[str]] = {}
    for s in seeds:
        focus.setdefault(s.path, []).extend(s.symbols)
    pins = [relative_to_root(index.root, p, "pin") for p in request.pins]
    for spec, p in zip(request.pins, pins, strict=True):
        if p not in index.files():
            raise BundleError(f"pin {spec!r}: no such file in the index of {index.root}")
    exclude_spec = None
    if request.exclude:
        import pathspec  # only with exclude globs: not on every query's start

        exclude_spec = pathspec.GitIgnoreSpec.from_lines(request.exclude)

    # Enough candidates to fill the budget with small items (the pool grows with the budget).
    pool_size = max(CANDIDATE_POOL, request.budget // 250)
    explain = (request.limit or RANK_ONLY_LIMIT) + 10 if request.budget == 0 else pool_size
    ranked = rank(index, RankQuery(seeds=seed_paths, task=request.task, seed_symbols=focus),
                  token, explain=explain)
    files = index.files()
    excluded: list[Excluded] = []
    ordered: list[tuple[str, float, list[str], str, bool, RankedFile | None]] = []
    unindexed = {s.path: s.note for s in seeds if not s.indexed}
    for p in seed_paths:
        if p in unindexed:
            excluded.append(Excluded(
                p, f"seed not indexed: {unindexed[p]}; ranked from its history"))
            continue
        ordered.append((p, 1.0, ["seed"], "core", True, None))
    for p in pins:
        if p in files and p not in seed_paths:
            ordered.append((p, 1.0, ["pinned"], "core", True, None))
    # Tiers and "central" are relative to the best file the bundle may hold: files an exclude
    # glob keeps out do not set the scale (with '*.py' excluded, the best Python file's score
    # left every remaining file peripheral, none central, and no large one showable at all).
    def kept(path: str) -> bool:
        return exclude_spec is None or not exclude_spec.match_file(path)

    top = next((rf.score for rf in ranked if kept(rf.path)), 1.0)
    pool = ranked if request.budget == 0 else ranked[:pool_size]
    for rf in pool:
        if rf.path in seed_paths or rf.path in pins:
            continue
        tier = ("core" if rf.score >= 0.6 * top else
                "related" if rf.score >= 0.3 * top else "peripheral")
        ordered.append((rf.path, rf.score, rf.reasons, tier, False, rf))

    scans = ScanCache(state_dir(index.root) / "secrets.json")
    masked: dict[str, Scan] = {}  # files shown with secrets masked: their scans
    shown_tokens: dict[str, int] = {}  # ... and their tokens, as redacted

    def candidates() -> Iterator[Candidate]:
        for path, score, reasons, tier, forced, ranked_file in ordered:
            token.check()
            if exclude_spec is not None and exclude_spec.match_file(path):
                excluded.append(Excluded(path, "matches an exclude glob"))
                continue
            lines: list[str] = []
            scan = NO_SECRET
            why = secret_by_name(path)
            if why is None and request.budget == 0:  # no content shown: the cached scan will do
                scan = scans.scan_file(index.root, path, files[path].hash)
                why = scan.whole
            elif why is None:
                shown = read_shown(index.root, path, scans)
                if shown is None:
                    excluded.append(Excluded(path, "unreadable or changed since indexing"))
                    continue
                lines, scan = shown
                why = scan.whole
            if why:
                if path in seed_paths:  # the bundle is about it: refused, not swapped for an
                    # unrelated bundle (a pinned file is listed under excluded, as ranked ones are)
                    raise BundleError(f"seed {path!r} is excluded: {why} (its content is never "
                                      "shown)")
                excluded.append(Excluded(path, why))
                continue
            tokens = counter.scale(files[path].tokens)
            if scan.findings:  # shown redacted: counted as shown
                if not lines:
                    shown = read_shown(index.root, path, scans)
                    lines = shown[0] if shown is not None else []
                tokens = shown_tokens[path] = counter.count("".join(lines))
                masked[path] = scan
            if request.budget == 0:
                yield Candidate(path, score, reasons, tokens, [], [], tier, forced)
                continue
            cand = Candidate(path, score, reasons, tokens, lines,
                             index.definitions(path), tier, forced, focus=focus.get(path, []))
            if path in seed_paths:  # a large one is focused on what links it to the task
                link_seed(cand, request.task, (rf.names_used for rf in ranked
                                               if rf.path not in seed_paths),
                          index.references(path) if cand.tokens > SMALL_FILE else {})
            elif ranked_file is not None:
                cand.names = list(ranked_file.names_used)
                cand.task_words = list(ranked_file.task_terms)
                if cand.names:  # else no line refers to them: skip reading the references
                    refs = index.references(path)
                    cand.ref_lines = sorted({ln for n in cand.names for ln in refs.get(n, [])})
            yield cand

    if request.budget == 0:
        limit = request.limit or RANK_ONLY_LIMIT
        items: list[dict[str, Any]] = [
            dict(path=c.path, tier=c.tier, granularity="file",
                 ranges=[(1, max(1, files[c.path].lines))], symbols=[], tokens=c.tokens,
                 score=round(c.score, 4), reasons=list(c.reasons))
            for c in itertools.islice(candidates(), limit)
        ]
        scans.save()
        draft = BundleDraft(
            task=request.task, seeds=list(request.seeds), budget=0,
            total_tokens=sum(i["tokens"] for i in items), encoding=counter.label, items=items,
            excluded=excluded, redacted=_redacted(masked, [(i["path"], i["ranges"])
                                                           for i in items]))
        return BundleResult(draft, "", [])

    overhead = max(counter.count(header(f, request.task) + footer(f)) for f in RENDERINGS) + 2
    top_score = next((rf.score for rf in ranked if rf.path not in seed_paths and kept(rf.path)),
                     1.0)
    offered: list[Candidate] = []

    def offer() -> Iterator[Candidate]:
        for cand in candidates():
            offered.append(cand)
            yield cand

    packed = pack(offer(), budget=request.budget, formats=RENDERINGS, overhead=overhead,
                  count=counter.count, limit=request.limit, top_score=top_score)
    scans.save()
    if not packed and offered:
        best = offered[0]
        room = request.budget - overhead
        if best.tokens <= room:
            # It would fit whole: the packer did not offer it whole (a large file ranked well
            # below the top is shown in parts only) and it has no parts (no definitions).
            raise BundleError(
                f"no item fits the budget of {request.budget:,} tokens: the best candidate, "
                f"{best.path} ({best.tokens:,} tokens), ranks too far below the top to go in "
                "whole and has no definitions to show in part; give seeds or a more precise "
                "task, or 0 to rank only")
        raise BundleError(
            f"budget {request.budget} holds the bundle's header but not one item (the best "
            f"candidate, {best.path}, is {best.tokens:,} tokens whole; its smallest "
            f"part did not fit either): give a larger {F.budget}, or 0 to rank only",
            field="budget")
    # The whole document is measured again, in every rendering (tokens can merge across item
    # boundaries): the items kept are the same whichever format is asked for.
    while True:
        pieces = [p.piece for p in packed]
        renders = {f: render(f, request.task, pieces) for f in RENDERINGS}
        totals = {f: counter.count(text) for f, text in renders.items()}
        if max(totals.values()) <= request.budget or not packed:
            break
        packed.pop()
    rendered, total = renders[fmt], totals[fmt]
    items = [
        dict(path=p.candidate.path, tier=p.candidate.tier, granularity=p.piece.granularity,
             ranges=list(p.piece.ranges), symbols=list(dict.fromkeys(p.symbols)),
             full_ranges=list(p.piece.full), tokens=p.by_format[fmt],
             score=round(p.candidate.score, 4), reasons=list(p.candidate.reasons))
        for p in packed
    ]
    inside = {p.candidate.path for p in packed}
    for cand in offered:  # seeds and pins the budget could not hold: said, not silently dropped
        if cand.forced and cand.path not in inside:
            what = "seed" if cand.path in seed_paths else "pinned file"
            bound = _not_parsed(index, cand.path) if cand.path in seed_paths else ""
            if bound:
                # As a too-large seed: no definitions to pick a part from, and a bundle without
                # the file would look like an answer about it and not be one.
                spec = next((s.spec for s in seeds if s.path == cand.path), cand.path)
                raise BundleError(
                    f"seed {spec!r} is not usable: {bound}; it is {cand.tokens:,} tokens whole, "
                    f"more than the budget of {request.budget:,} holds, and without its syntax "
                    f"no part of it can be chosen (give a larger {F.budget}, or another seed)",
                    field="seed")
            excluded.append(Excluded(
                cand.path, f"{what} does not fit the budget of {request.budget:,} tokens "
                           f"({cand.tokens:,} tokens whole, and no part of it fit)"))
    skipped = {p.candidate.path for p in packed} | {e.path for e in excluded}
    left_out = [LeftOut(path, shown_tokens.get(path, counter.scale(files[path].tokens)),
                        round(score, 4), reasons)
                for path, score, reasons, *_ in ordered
                if path not in skipped and not secret_by_name(path)]
    left_out = [lo for lo in left_out if lo.tokens > 0]  # an empty file is not left out for size
    # The best of them are named at the end of the document, when the budget has room (the
    # note is measured alone, then the document with it once: no whole-document count per try).
    room = request.budget - total
    for n in range(min(LEFT_OUT_SHOWN, len(left_out)), 0, -1):
        note = [(lo.path, lo.tokens, short_reason(lo.reasons)) for lo in left_out[:n]]
        if counter.count(left_out_note(fmt, note)) + 2 > room:
            continue
        noted = render(fmt, request.task, pieces, note)
        noted_total = counter.count(noted)
        if noted_total <= request.budget:
            rendered, total = noted, noted_total
        break
    draft = BundleDraft(
        task=request.task, seeds=list(request.seeds), budget=request.budget, total_tokens=total,
        encoding=counter.label, items=items, excluded=excluded,
        left_out=left_out[:LEFT_OUT_LISTED],
        redacted=_redacted(masked, [(i["path"], i["ranges"]) for i in items]))
    return BundleResult(draft, rendered, pieces, left_out)


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
    if not name.strip():
        raise BundleError("the bundle name is empty: use letters, digits, '.', '_' or '-'")
    if not _NAME.match(name) or ".." in name:
        shown = repr(name) if len(name) <= 60 else f"{name[:40]!r}… ({len(name):,} characters)"
        raise BundleError(f"bundle name {shown}: use letters, digits, '.', '_' or '-' only, "
                          "at most 100 characters")


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


def verify_bundle(index: Index, name: str, token: CancelToken = NEVER) -> VerifyReport:
    """Which items of a saved bundle are unchanged, moved, changed or vanished since it was
    saved."""
    from analyzers.results import VerifyReport

    saved = load_saved(index.root, name)
    # A whole-file item changes with any edit (lines added at the end included).
    whole = {i.path for i in saved.bundle.items if i.granularity == "file"}
    items: list[VerifiedItem] = []
    scans = ScanCache(state_dir(index.root) / "secrets.json")
    for h in saved.hashes:
        token.check()
        items.append(verify_item(index.root, h, h.path in whole, scans))
    count = {s: sum(1 for i in items if i.status == s)
             for s in ("unchanged", "moved", "changed", "vanished")}
    return VerifyReport(name=name, created_at=saved.created_at, head_then=saved.head,
                        head_now=index.head(), unchanged=count["unchanged"], moved=count["moved"],
                        changed=count["changed"], vanished=count["vanished"], items=items)
