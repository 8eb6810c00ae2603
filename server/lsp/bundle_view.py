"""The current context bundle: suggested for a file, a definition or a task, then edited.

The server keeps one *current bundle*: the last suggestion's request (seeds, task, budget) with the
user's edits on top — definitions added (extra seeds focused on that definition), files added
(pins) and files removed (exclude globs) — and recomputes it through the application layer
(:meth:`analyzers.app.workspace.Snapshot.bundle`) after every change, on the scheduler. A new
suggestion starts over (what was removed stays out), except for what was added with
``"pin": true``, which every later suggestion keeps until it is removed.

Where a command points is a seed of the one seed grammar (:mod:`analyzers.app.seeds`): a file
(``PATH``), the line of a position (``PATH:LINE``, resolved by the core to the innermost
definition there), or, for an added definition, ``PATH::QUALIFIED`` - the innermost definition
at the position in the buffer's own text, by the core's rule
(:func:`~analyzers.app.seeds.innermost_definition`).

Everything the user adds is forced into the current bundle. What is added without
``"pin": true`` belongs to that bundle only (it is restored with it after a restart, but the next
suggestion does not take it) and is marked ``"added": true`` on its item; what is added with it
is *pinned*, kept by every later suggestion until removed, and marked ``"pinned": true`` (an
item is never both: a file pinned and added is pinned). Adding to no bundle makes a
bundle of just that item (no ranked files beside it: ``Suggest`` adds those); adding a file
never shows less of it than the bundle showed (when pinning it whole would leave only its
signatures, its definitions shown are pinned instead).

Every change of the current bundle, whatever made it (a command, a code action, a re-index, the
restore at start), is announced with the custom notification ``ctxsteward/bundle``: a version
that grows with each change, the bundle itself (null when there is none; with its recent
``decisions``, which the editor shows as a Decisions group), its totals and notes.
``ctxsteward/budget`` (the totals alone, for a status line) is sent when the totals change. The
bundle is kept in ``.ctxsteward/current-bundle.json`` (:mod:`server.lsp.bundle_store`) and
restored when a server starts on the folder.
"""

from __future__ import annotations

import logging
import posixpath
import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from lsprotocol import types
from pydantic import BaseModel, Field
from pygls.workspace.position_codec import PositionCodec

from analyzers.app.errors import RequestError
from analyzers.app.requests import BundleRequest
from analyzers.app.seeds import SeedSpec, innermost_definition, resolve_seed, split_seed
from analyzers.app.workspace import Snapshot
from analyzers.bundles.render import render
from analyzers.secrets import redact
from server.lsp import bundle_store
from server.lsp.args import CommandError, Located
from server.lsp.chain import Chain
from server.lsp.handlers.common import doc_text
from server.lsp.lanes import BUNDLE_REFRESH, BUNDLE_RESTORE
from server.lsp.positions import from_lsp, split_lines
from server.lsp.state import Buffer, ServerState
from server.scheduler import Job, JobContext

if TYPE_CHECKING:
    # The ranker (numpy) is imported with the first bundle, not at the server's start.
    from analyzers.bundles.assemble import BundleResult

log = logging.getLogger(__name__)

SUGGEST = "ctxsteward.suggestBundle"
ADD = "ctxsteward.addToBundle"
REMOVE = "ctxsteward.removeFromBundle"
COPY = "ctxsteward.copyBundle"
CURRENT = "ctxsteward.currentBundle"
SAVE = "ctxsteward.saveBundle"
BUDGET_NOTIFICATION = "ctxsteward/budget"
BUNDLE_NOTIFICATION = "ctxsteward/bundle"
# The bundle's code actions come in two kinds with the same titles: a refactor kind, which VS
# Code's lightbulb and Quick Fix menu (Ctrl+.) list when they ask without ``only`` (they leave
# ``source.*`` out unless asked for), as Neovim's ``vim.lsp.buf.code_action()`` does; and a source
# kind, for VS Code's *Source Action…* menu (``only: ["source"]``). A request gets each action
# once, in the first kind its filter lets through.
ACTION_KIND = "refactor.ctxsteward.bundle"
SOURCE_ACTION_KIND = "source.ctxsteward.bundle"
ACTION_KINDS = (ACTION_KIND, SOURCE_ACTION_KIND)


class BudgetTotals(BaseModel):
    """``ctxsteward/budget``: the current bundle's totals."""

    total_tokens: int
    budget: int = Field(description="Token budget; 0 means rank only.")
    items: int
    encoding: str
    over: bool = Field(description="total_tokens > budget (never for a rank-only bundle)")
    task: str | None = None
    seeds: list[str] = Field(default_factory=list)
    present: bool = True
    pinned: int = Field(default=0, description="Items the user pinned (kept by later "
                                               "suggestions).")
    added: int = Field(default=0, description="Items the user added without pinning them (this "
                                              "bundle's only).")
    unfit_pins: list[str] = Field(
        default_factory=list, description="Files the user added or pinned that the bundle does "
                                          "not hold (too large for the budget, or excluded): "
                                          "something to fix.")
    shrunk_pins: list[str] = Field(
        default_factory=list, description="Files the user added or pinned that the bundle holds "
                                          "smaller than added (a whole file as signatures or "
                                          "focused, a definition not in full) to fit the "
                                          "budget: something to fix.")


class BundleChanged(BaseModel):
    """``ctxsteward/bundle``: the current bundle, sent after every change of it."""

    version: int = Field(description="Grows by one with each change (per server process).")
    cause: Literal["suggest", "add", "remove", "refresh", "restore", "clear"]
    bundle: dict[str, Any] | None = Field(description="As ctxsteward.currentBundle answers.")
    totals: BudgetTotals | None
    notes: list[str] = Field(default_factory=list,
                             description="What the user should know (e.g. a pinned file that "
                                         "no longer exists, dropped on restore).")


class SavedBundleResult(BaseModel):
    """``ctxsteward.saveBundle``: where the current bundle was stored."""

    name: str
    path: str = Field(description="Root-relative path of the saved bundle.")
    items: int
    total_tokens: int


class NotIndexedYet(CommandError):
    """The file a command points at is on disk but not in the index yet (saved or made since the
    last build): the command is run again after an index build."""


@dataclass
class Spec:
    """What the current bundle is computed from."""

    seeds: list[str]
    task: str | None
    budget: int
    added: list[str] = field(default_factory=list)  # definitions: "path::qualified"
    pins: list[str] = field(default_factory=list)  # whole files added
    excludes: list[str] = field(default_factory=list)  # files removed
    ranked: bool = True  # False: only what the user added (no suggestion asked for)

    def copy(self) -> Spec:
        """A copy whose lists can be changed."""
        return replace(self, seeds=list(self.seeds), added=list(self.added),
                       pins=list(self.pins), excludes=list(self.excludes))


@dataclass(frozen=True, slots=True)
class Target:
    """Where a command points: a workspace file or folder, and the position's line and the
    innermost definition there (when asked for)."""

    path: str  # root-relative ('.' for the root)
    is_dir: bool = False
    line: int | None = None  # 1-based line of the position, when one was given
    definition: str | None = None  # qualified name of the innermost definition there
    saved: bool = True  # the position's text is the index's (False: an edited, unsaved buffer)

    def at_line(self) -> str:
        """The seed of the position's line (``PATH:LINE``), or of the whole file."""
        return str(SeedSpec(self.path, self.line))

    def suggested(self, index_definitions: list[str]) -> str:
        """The seed a suggestion at the position takes: its line (``PATH:LINE``) when the text
        is the index's; in an edited buffer, whose lines are not the index's, the definition
        under the cursor in the buffer (``PATH::QUALIFIED``), or the whole file when the index
        does not have that definition (new, unsaved) or there is none."""
        if self.saved:
            return self.at_line()
        if self.definition is not None and self.definition in index_definitions:
            return self.at_definition()
        return self.path

    def at_definition(self) -> str:
        """The seed of the definition at the position (``PATH::QUALIFIED``), or of the whole
        file when there is none."""
        return str(SeedSpec(self.path, symbol=self.definition))


def seed_path(spec: str) -> str:
    """The file of a seed or added definition (``path``, ``path:LINE``, ``path::symbol``)."""
    return split_seed(spec).path


def exclude_glob(path: str) -> str:
    """A gitignore pattern matching exactly the root-relative file ``path``."""
    out = "".join("\\" + ch if ch in "\\*?[]" else ch for ch in path)
    if out.endswith(" "):
        out = out[:-1] + "\\ "
    return "/" + out


REMOVED_BY_YOU = "removed by you"  # the reason of an excluded file the user removed


def totals(bundle: Any, sticky: list[str] | None = None,
           kept: list[str] | None = None) -> BudgetTotals:
    """The bundle's totals; ``sticky``: what the user added (``path`` or ``path::qualified``),
    ``kept``: those of them pinned."""
    held = {i.path for i in bundle.items}
    forced = pinned_paths(sticky or [])
    pinned = pinned_paths(kept or []) & forced
    return BudgetTotals(
        total_tokens=bundle.total_tokens, budget=bundle.budget, items=len(bundle.items),
        encoding=bundle.encoding, over=bundle.budget > 0 and bundle.total_tokens > bundle.budget,
        task=bundle.task, seeds=[redact(x) for x in bundle.seeds],
        pinned=len(held & pinned), added=len(held & (forced - pinned)),
        unfit_pins=sorted(forced - held), shrunk_pins=sorted(shrunk_pins(bundle, sticky or [])))


def shrunk_pins(bundle: Any, sticky: list[str]) -> set[str]:
    """The pinned files the bundle shows less of than pinned: a file pinned whole held as
    anything but the whole file, a pinned definition not among those it shows in full."""
    items = {i.path: i for i in bundle.items}
    out: set[str] = set()
    for s in sticky:
        seed = split_seed(s)
        item = items.get(seed.path)
        if item is None or item.granularity == "file":
            continue
        if seed.symbol is None or item.granularity == "skeleton" or seed.symbol not in item.symbols:
            out.add(seed.path)
    return out


NO_TOTALS = BudgetTotals(total_tokens=0, budget=0, items=0, encoding="", over=False,
                         present=False)


def pinned_paths(sticky: list[str]) -> frozenset[str]:
    """The files of the pinned items (``path`` or ``path::qualified``)."""
    return frozenset(seed_path(s) for s in sticky)


def _item_of(result: BundleResult | None, path: str) -> Any:
    """The item of ``path`` in ``result`` (None when it holds none)."""
    if result is None:
        return None
    return next((i for i in result.bundle.items if i.path == path), None)


def shows_less(before: Any, after: Any) -> bool:
    """Whether ``after`` (an item, or None) shows less of its file than ``before`` did: not the
    whole file it was, or not every definition it showed in full."""
    if after is None:
        return True
    if after.granularity == "file":
        return False
    if before.granularity == "file":
        return True
    if before.granularity == "skeleton":
        return False  # signatures only before: any part shows as much
    if after.granularity == "skeleton":
        return True  # signatures only: no definition's body
    return not set(before.symbols) <= set(after.symbols)


class BundleSession:
    """The current bundle and the commands that make and change it (see the module doc)."""

    def __init__(self, ls: Any, state: ServerState) -> None:
        self.ls = ls
        self.state = state
        self.chain = Chain()
        self._lock = threading.Lock()
        self.spec: Spec | None = None
        self.sticky: list[str] = []  # "path" or "path::qualified": added to the current bundle
        self.kept: list[str] = []  # of those, the ones added with pin: kept by suggestions
        self.result: BundleResult | None = None
        self.version = 0  # grows with each change announced in ctxsteward/bundle
        self._generation = 0
        self._sent: dict[str, Any] | None = None
        self._sent_view: dict[str, Any] | None = None
        self._restored = False

    # -- where a command points ---------------------------------------------------------------
    def target(self, ctx: JobContext, buf: Buffer | None, loc: Located,
               codec: PositionCodec) -> Target:
        """Where ``loc`` points (the path under the application's path-safety rule), and the
        innermost definition at its position in the text the client shows (an open buffer's,
        unsaved edits included, else the file's)."""
        state = self.state
        root = state.root
        if root is None:
            raise CommandError("no workspace folder is open")
        path = state.checked_path(loc.uri)
        if (root / path).is_dir():
            return Target(path, is_dir=True)
        if loc.position is None:
            return Target(path)
        text = doc_text(state, buf, loc.uri)
        if text is None:
            return Target(path)
        line = from_lsp(split_lines(text), loc.position, codec).line
        facts, _ = state.facts_for(buf, loc.uri, ctx)
        best = innermost_definition(facts.definitions if facts is not None else [], line)
        return Target(path, line=line, definition=best.qualified if best else None,
                      saved=facts is None or facts.source == "index")

    def _require_indexed(self, t: Target, buf: Buffer | None, retried: bool) -> None:
        """Refuse a file the index does not hold in an editor's words: an open buffer never
        saved (saving indexes it), or a file on disk not indexed yet (:class:`NotIndexedYet`,
        unless ``retried`` after an index build: then the core says why it is left out, as it
        does of a file that does not exist)."""
        root = self.state.root
        index = self._snapshot().index
        if t.is_dir or root is None or t.path in index.files() or t.path in index.skipped():
            return  # indexed, or left out for a reason the core gives
        if not (root / t.path).exists():
            if buf is None:
                return
            raise CommandError(f"{t.path} is a new file, not saved yet: save it (the server "
                               "indexes it then) and try again")
        if not retried:
            raise NotIndexedYet(f"{t.path} is not indexed yet")

    def _require_known(self, t: Target) -> None:
        """Refuse to add a file the index does not hold (a bundle would leave it out without a
        word): one that does not exist, or the core's reason for leaving it out."""
        root = self.state.root
        index = self._snapshot().index
        if root is None or t.path in index.files():
            return
        if not (root / t.path).exists():
            raise CommandError(f"{t.path} does not exist: there is nothing to add")
        resolve_seed(index, t.path)  # a RequestError says why it is not indexed
        raise CommandError(f"{t.path} is not indexed, so it cannot be added")

    # -- computing -----------------------------------------------------------------------------
    def _snapshot(self) -> Snapshot:
        """The application layer's queries over the current index."""
        snapshot = self.state.snapshot()
        if snapshot is None:
            raise CommandError(self.state.last_index_error or "no index: open a workspace folder")
        return snapshot

    def _compute(self, ctx: JobContext, spec: Spec) -> BundleResult:
        """The bundle ``spec`` asks for (a :class:`RequestError` says why there is none)."""
        snapshot = self._snapshot()
        files = snapshot.index.files()
        pins = [p for p in dict.fromkeys(spec.pins) if p in files]
        added = []
        for a in dict.fromkeys(spec.added):
            try:
                resolve_seed(snapshot.index, a)
            except RequestError:
                continue  # the definition is gone (renamed, deleted): drop it
            added.append(a)
        request = BundleRequest(
            seeds=list(dict.fromkeys(spec.seeds + added)), task=spec.task, budget=spec.budget,
            pins=pins, exclude=[exclude_glob(p) for p in spec.excludes], ranked=spec.ranked)
        return snapshot.bundle(request, ctx.token)

    def _commit(self, spec: Spec | None, result: BundleResult | None, sticky: list[str], *,
                cause: str, notes: list[str] | None = None,
                kept: list[str] | None = None) -> None:
        """Make ``result`` current (call with the lock held; None: there is none), announce it
        and keep it on disk; ``kept``: the new pins kept by later suggestions (None: as they
        were)."""
        self.spec = spec
        self.result = result
        self.sticky = sticky
        if kept is not None:
            self.kept = kept
        self._generation += 1
        self._announce(cause, notes or [], always=True)
        self._keep()

    def view(self) -> dict[str, Any] | None:
        """The current bundle as the editor gets it (pinned and added items marked)."""
        result = self.result
        if result is None:
            return None
        removed = frozenset(self.spec.excludes) if self.spec is not None else frozenset()
        forced = pinned_paths(self.sticky)
        pinned = pinned_paths(self.kept) & forced
        return bundle_view(result.bundle, pinned, shrunk_pins(result.bundle, self.sticky),
                           removed, added=forced - pinned)

    def _announce(self, cause: str, notes: list[str], *, always: bool = False) -> None:
        """``ctxsteward/bundle`` (on a change of the bundle; ``always``: a command made it) and
        ``ctxsteward/budget`` (when the totals moved)."""
        result = self.result
        sums = None if result is None else totals(result.bundle, self.sticky, self.kept)
        budget = (sums or NO_TOTALS).model_dump(mode="json")
        if budget != self._sent:
            self._sent = budget
            self.state.call_soon(self._send, BUDGET_NOTIFICATION, budget)
        view = self.view()
        if not always and view == self._sent_view and not notes:
            return
        self._sent_view = view
        self.version += 1
        changed = BundleChanged(version=self.version, cause=cause,  # type: ignore[arg-type]
                                bundle=view, totals=sums, notes=notes)
        for note in notes:
            log.info("current bundle: %s", note)
        self.state.call_soon(self._send, BUNDLE_NOTIFICATION, changed.model_dump(mode="json"))

    def _send(self, method: str, payload: dict[str, Any]) -> None:
        self.ls.protocol.notify(method, payload)

    def _keep(self) -> None:
        """Write the current bundle to ``.ctxsteward/current-bundle.json`` (or remove it)."""
        root, spec, result = self.state.root, self.spec, self.result
        if root is None:
            return
        if spec is None or result is None:
            bundle_store.clear(root)
            return
        index = self.state.index()
        files = index.files() if index is not None else {}
        items = [bundle_store.StoredItem(
            path=i.path, granularity=i.granularity, tokens=i.tokens,
            hash=files[i.path].hash if i.path in files else "") for i in result.bundle.items]
        bundle_store.write(root, bundle_store.StoredBundle(
            seeds=spec.seeds, task=spec.task, budget=spec.budget, ranked=spec.ranked,
            added=spec.added, pins=spec.pins, excludes=spec.excludes, sticky=self.sticky,
            kept=self.kept, items=items))

    def _with_sticky(self, spec: Spec, sticky: list[str]) -> Spec:
        for s in sticky:
            if split_seed(s).symbol is not None:  # a definition: an extra seed focused on it
                if seed_path(s) in spec.pins:
                    continue  # its whole file is in already (a seed's may be focused elsewhere)
                if s not in spec.added:
                    spec.added.append(s)
            elif s not in spec.pins and s not in spec.seeds:
                spec.pins.append(s)
        return spec

    # -- restoring at start --------------------------------------------------------------------
    def _ensure_restored(self, ctx: JobContext) -> None:
        """Once an index is usable: the bundle kept by an earlier server, as the current one
        (call with the lock held; a command made since wins)."""
        root = self.state.root
        if self._restored or root is None:
            return
        snapshot = self.state.snapshot()
        if snapshot is None or not snapshot.index.files():
            return  # no usable index yet: the next command or build tries again
        self._restored = True
        if self.spec is not None:
            return
        stored, notes = bundle_store.read(root)
        if stored is None:
            for note in notes:
                log.warning("%s", note)
            return
        notes += bundle_store.revalidate(stored, snapshot.index.files())
        spec = Spec(seeds=stored.seeds, task=stored.task, budget=stored.budget,
                    added=stored.added, pins=stored.pins, excludes=stored.excludes,
                    ranked=stored.ranked)
        try:
            result = self._compute(ctx, spec)
        except (CommandError, RequestError) as e:
            log.warning("the current bundle of the last session was not restored: %s", e)
            bundle_store.clear(root)
            return
        kept = stored.sticky if stored.kept is None else stored.kept
        self._commit(spec, result, stored.sticky, cause="restore", notes=notes, kept=kept)

    def restore(self) -> Job:
        """Restore the kept bundle in the background (call on the loop, after an index build)."""

        def run(ctx: JobContext) -> None:
            with self._lock:
                self._ensure_restored(ctx)

        prev = self.chain.last
        job = BUNDLE_RESTORE.submit(
            self.state.scheduler, run,
            depends_on=[prev] if prev is not None and not prev.state.finished else [])
        self.chain.last = job
        return job

    # -- commands (each runs as a job of the session's chain) ----------------------------------
    def suggest(self, ctx: JobContext, buf: Buffer | None, loc: Located | None,
                task: str | None, budget: int | None, codec: PositionCodec,
                retried: bool = False) -> dict[str, Any]:
        seeds: list[str] = []
        if loc is not None:
            # The definition under the cursor as hover and add see it: in the buffer's text.
            t = self.target(ctx, buf, loc, codec)
            self._require_indexed(t, buf, retried)
            if not t.is_dir:
                index = self._snapshot().index
                seeds = [t.suggested([d.qualified for d in index.definitions(t.path)]
                                     if not t.saved else [])]
        task = task.strip() if task and task.strip() else None
        with self._lock:
            self._ensure_restored(ctx)
            # What the user removed stays out, as what they pinned stays in (unless it is
            # what this suggestion is for).
            kept_out = [p for p in (self.spec.excludes if self.spec is not None else [])
                        if p not in {seed_path(x) for x in seeds}]
            # Of what was added, only the pins are kept: the rest was the last bundle's.
            spec = self._with_sticky(Spec(
                seeds=seeds, task=task, excludes=kept_out,
                budget=self.state.settings.default_budget if budget is None else budget),
                list(self.kept))
            result = self._compute(ctx, spec)
            self._commit(spec, result, list(self.kept), cause="suggest")
            return self.view() or {}

    def _spec_for_add(self, t: Target, sticky: list[str]) -> Spec:
        """The current spec with ``t`` added (pinned in ``sticky``); a new bundle of what is
        pinned when there is none."""
        if self.spec is None:
            return self._with_sticky(Spec(seeds=[], task=None, ranked=False,
                                          budget=self.state.settings.default_budget), sticky)
        spec = self.spec.copy()
        spec.excludes = [p for p in spec.excludes if p != t.path]
        if t.definition is None:
            # The whole file: definitions added from it and a focused seed would narrow it.
            spec.added = [a for a in spec.added if seed_path(a) != t.path]
            spec.seeds = list(dict.fromkeys(
                t.path if seed_path(s) == t.path else s for s in spec.seeds))
        return self._with_sticky(spec, sticky)

    def add(self, ctx: JobContext, buf: Buffer | None, loc: Located, pin: bool,
            codec: PositionCodec, retried: bool = False) -> dict[str, Any]:
        """Add the file or the definition at the position to the current bundle; with ``pin``,
        later suggestions keep it too."""
        t = self.target(ctx, buf, loc, codec)
        if t.is_dir:
            raise CommandError(f"{t.path} is a folder: add the files inside it one by one")
        self._require_indexed(t, buf, retried)
        self._require_known(t)
        item = t.at_definition()
        with self._lock:
            self._ensure_restored(ctx)
            sticky = _with_item(self.sticky, t, item)
            before = _item_of(self.result, t.path)
            shown: list[str] | None = None  # the definitions added in the file's place
            spec = self._spec_for_add(t, sticky)
            result = self._compute(ctx, spec)
            if t.definition is None and before is not None and \
                    before.granularity in ("symbols", "focused") and before.symbols and \
                    shows_less(before, _item_of(result, t.path)):
                # Whole, it would show less than it did: pin the definitions it showed.
                defs = [f"{t.path}::{sym}" for sym in before.symbols]
                narrowed = [s for s in sticky if s != item] + defs
                spec2 = self._spec_for_add(replace(t, definition=before.symbols[0]), narrowed)
                result2 = self._compute(ctx, spec2)
                if not shows_less(before, _item_of(result2, t.path)):
                    spec, result, sticky, shown = spec2, result2, narrowed, defs
            kept = self.kept
            if pin:  # later suggestions keep it too, as it was added (whole, or its definitions)
                kept = _with_item(self.kept, t, item)
                if shown is not None:
                    kept = [s for s in kept if s != item] + shown
            self._commit(spec, result, sticky, cause="add", kept=kept)
            return self.view() or {}

    def remove(self, ctx: JobContext, buf: Buffer | None, loc: Located,
               codec: PositionCodec) -> dict[str, Any] | None:
        t = self.target(ctx, buf, loc, codec)
        with self._lock:
            self._ensure_restored(ctx)
            if self.spec is None:
                raise CommandError("there is no current bundle: suggest one first "
                                   "(ctxsteward.suggestBundle)")
            if t.is_dir:
                raise CommandError(f"{t.path} is a folder: remove the files inside it one by one")
            not_held = self._not_held(t)
            if not_held is not None:
                self.state.call_soon(self.ls.show_message, types.MessageType.Info,
                                     f"Context Steward: {not_held}")
            spec = self.spec.copy()
            item = t.at_definition() if t.definition else None
            if item is not None and item in spec.added:
                spec.added.remove(item)  # just that definition
                sticky = [s for s in self.sticky if s != item]
                kept = [s for s in self.kept if s != item]
            else:
                spec.added = [a for a in spec.added if seed_path(a) != t.path]
                spec.pins = [p for p in spec.pins if p != t.path]
                sticky = [s for s in self.sticky if seed_path(s) != t.path]
                kept = [s for s in self.kept if seed_path(s) != t.path]
                if t.path not in spec.excludes:
                    spec.excludes.append(t.path)
            if not spec.ranked and not (spec.seeds or spec.added or spec.pins):
                self._commit(None, None, sticky, cause="clear", kept=kept)  # the last item went
                return None
            result = self._compute(ctx, spec)
            self._commit(spec, result, sticky, cause="remove", kept=kept)
            return self.view()

    def _not_held(self, t: Target) -> str | None:
        """What to tell the user when the current bundle does not hold ``t``'s file (call with
        the lock held): removing it changes nothing they see, so they are told (None: it is
        held). A file that does not exist is refused."""
        spec = self.spec
        assert spec is not None
        named = spec.seeds + spec.added + spec.pins + self.sticky
        if _item_of(self.result, t.path) is not None or \
                any(seed_path(s) == t.path for s in named):
            return None
        root = self.state.root
        if t.path in spec.excludes:
            return f"{t.path} is not in the current bundle: it was removed already"
        if root is not None and not (root / t.path).exists():
            raise CommandError(f"{t.path} does not exist: there is nothing to remove")
        return (f"{t.path} is not in the current bundle: nothing was removed (it is kept out "
                "of later suggestions)")

    def copy(self, fmt: str) -> str:
        with self._lock:
            result = self.result
        if result is None:
            raise CommandError("there is no current bundle to copy: suggest one first "
                               "(ctxsteward.suggestBundle)")
        if result.bundle.budget == 0:
            raise CommandError("the current bundle ranks files only (budget 0): suggest one with "
                               "a budget to get its text")
        if fmt == "markdown":
            return result.rendered
        return render(fmt, result.bundle.task, result.pieces, decisions=result.decisions)

    def current(self, ctx: JobContext) -> dict[str, Any] | None:
        with self._lock:
            self._ensure_restored(ctx)
            return self.view()

    def save(self, ctx: JobContext, name: str) -> dict[str, Any]:
        """Store the current bundle under ``name``."""
        with self._lock:
            result = self.result
        if result is None:
            raise CommandError("there is no current bundle to save: suggest one first")
        snapshot = self._snapshot()
        if self.state.root is None:
            raise CommandError("no index: open a workspace folder")
        try:
            path = snapshot.save(name, result)
        except OSError as e:
            raise CommandError(f"the bundle could not be saved: {e}") from e
        rel = path.relative_to(self.state.root).as_posix()
        return SavedBundleResult(name=name, path=rel, items=len(result.bundle.items),
                                 total_tokens=result.bundle.total_tokens).model_dump(mode="json")

    # -- after the index changed ---------------------------------------------------------------
    def refresh(self) -> Job | None:
        """Recompute the current bundle in the background (call on the loop)."""
        if self.spec is None:
            return None

        def run(ctx: JobContext) -> None:
            with self._lock:
                spec, generation = self.spec, self._generation
                if spec is None:
                    return
                try:
                    result = self._compute(ctx, spec)
                except (CommandError, RequestError) as e:  # a seed vanished: keep it as it was
                    log.info("the current bundle was not recomputed: %s", e)
                    return
                if generation == self._generation:
                    self.result = result
                    self._announce("refresh", [])
                    self._keep()

        prev = self.chain.last
        job = BUNDLE_REFRESH.submit(
            self.state.scheduler, run, delay=0.3,
            depends_on=[prev] if prev is not None and not prev.state.finished else [])
        self.chain.last = job
        return job

    # -- code actions --------------------------------------------------------------------------
    def code_actions(self, ctx: JobContext, buf: Buffer | None, loc: Located,
                     codec: PositionCodec, kind: str = ACTION_KIND) -> list[types.CodeAction]:
        """Add, exclude and suggest at ``loc``, as code actions of ``kind``."""
        try:
            t = self.target(ctx, buf, loc, codec)
        except (CommandError, RequestError):
            return []
        if t.is_dir:
            return []
        result = self.result  # no lock: a bundle job may hold it for a while; a read is atomic
        items = {i.path: i for i in result.bundle.items} if result is not None else {}
        whole = items.get(t.path) is not None and items[t.path].granularity == "file"
        out: list[types.CodeAction] = []

        def action(title: str, command: str, arg: dict[str, Any]) -> None:
            title = redact(title)  # a definition's name may hold a token
            out.append(types.CodeAction(title=title, kind=kind, command=types.Command(
                title=title, command=command, arguments=[arg])))

        file_arg: dict[str, Any] = {"uri": loc.uri}
        if t.definition is not None and loc.position is not None and not whole:
            shown = t.definition
            if t.path in items and shown in items[t.path].symbols:
                shown = ""
            if shown:
                action(f"Add {shown} to the context bundle", ADD, {
                    "uri": loc.uri, "position": {"line": loc.position.line,
                                                 "character": loc.position.character}})
        name = posixpath.basename(t.path)
        if not whole:
            action(f"Add {name} to the context bundle", ADD, file_arg)
        if t.path in items:
            action(f"Exclude {name} from the context bundle", REMOVE, file_arg)
        action(f"Suggest a context bundle for {name}", SUGGEST, file_arg)
        return out


def _with_item(added: list[str], t: Target, item: str) -> list[str]:
    """The additions ``added`` with ``item`` (``t``'s file or definition) added: a whole file
    takes the place of the definitions added from it; a definition of a file added whole adds
    nothing."""
    if t.definition is None:
        return [s for s in added if seed_path(s) != t.path] + [item]
    if t.path in added:
        return list(added)
    return [s for s in added if s != item] + [item]


def bundle_view(bundle: Any, pinned: frozenset[str] = frozenset(),
                shrunk: set[str] | frozenset[str] = frozenset(),
                removed: frozenset[str] = frozenset(),
                added: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The bundle as JSON for the editor, with the texts derived from files and git (symbol
    names, reasons, the recent decisions) passed through :func:`analyzers.secrets.redact`; each
    item says whether the user pinned it (``pinned``: those paths), added it without pinning it
    (``added``: those paths) and whether it shows less than added (``shrunk``: those paths); a
    file the user removed (``removed``) is excluded as such."""
    out: dict[str, Any] = bundle.model_dump(mode="json")
    for item in out.get("items", []):
        item["pinned"] = item["path"] in pinned
        item["added"] = item["path"] in added and item["path"] not in pinned
        item["shrunk"] = item["path"] in shrunk
        item["symbols"] = [redact(x) for x in item.get("symbols", [])]
        item["reasons"] = [redact(x) for x in item.get("reasons", [])]
    for key in ("excluded", "left_out"):
        for row in out.get(key) or []:
            if key == "excluded" and row.get("path") in removed:
                row["reason"] = REMOVED_BY_YOU
            elif isinstance(row.get("reason"), str):
                row["reason"] = redact(row["reason"])
    for row in out.get("decisions") or []:  # redacted by the core already; masked again here
        row["text"] = redact(row["text"])
    out["seeds"] = [redact(x) for x in out.get("seeds", [])]
    return out


def action_kind(only: list[str] | None) -> str | None:
    """The kind the bundle's code actions take for a request filtered by ``only`` (None: the
    filter lets neither through)."""
    return next((k for k in ACTION_KINDS if wanted(only, k)), None)


def wanted(only: list[str] | None, kind: str) -> bool:
    """Whether a code action of ``kind`` passes the client's ``context.only`` filter."""
    if not only:
        return True
    return any(kind == k or kind.startswith(k + ".") for k in only)
