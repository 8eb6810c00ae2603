"""The current context bundle: suggested for a file, a definition or a task, then edited.

The server keeps one *current bundle*: the last suggestion's request (seeds, task, budget) with the
user's edits on top — definitions added (extra seeds focused on that definition), files added
(pins) and files removed (exclude globs) — and recomputes it through the application layer
(:meth:`analyzers.app.workspace.Snapshot.bundle`) after every change, on the scheduler. A new
suggestion starts over, except for what was added with ``"pin": true``, which every later
suggestion keeps.

Where a command points is a seed of the one seed grammar (:mod:`analyzers.app.seeds`): a file
(``PATH``), the line of a position (``PATH:LINE``, resolved by the core to the innermost
definition there), or, for an added definition, ``PATH::QUALIFIED`` - the innermost definition
at the position in the buffer's own text, by the core's rule
(:func:`~analyzers.app.seeds.innermost_definition`).

Every change that alters the bundle's totals is announced with the custom notification
``ctxsteward/budget`` (for a status bar); after an index build the current bundle is recomputed in
the background and announced again when its totals moved.
"""

from __future__ import annotations

import logging
import posixpath
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from lsprotocol import types
from pydantic import BaseModel, Field
from pygls.workspace.position_codec import PositionCodec

from analyzers.app.errors import RequestError
from analyzers.app.requests import BundleRequest
from analyzers.app.seeds import SeedSpec, innermost_definition, resolve_seed, split_seed
from analyzers.app.workspace import Snapshot
from analyzers.bundles.assemble import BundleResult
from analyzers.bundles.render import render
from analyzers.secrets import redact
from server.lsp.args import CommandError, Located
from server.lsp.chain import Chain
from server.lsp.handlers.common import doc_text
from server.lsp.lanes import BUNDLE_REFRESH
from server.lsp.positions import from_lsp, split_lines
from server.lsp.state import Buffer, ServerState
from server.scheduler import Job, JobContext

log = logging.getLogger(__name__)

SUGGEST = "ctxsteward.suggestBundle"
ADD = "ctxsteward.addToBundle"
REMOVE = "ctxsteward.removeFromBundle"
COPY = "ctxsteward.copyBundle"
CURRENT = "ctxsteward.currentBundle"
SAVE = "ctxsteward.saveBundle"
BUDGET_NOTIFICATION = "ctxsteward/budget"
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


class SavedBundleResult(BaseModel):
    """``ctxsteward.saveBundle``: where the current bundle was stored."""

    name: str
    path: str = Field(description="Root-relative path of the saved bundle.")
    items: int
    total_tokens: int


@dataclass
class Spec:
    """What the current bundle is computed from."""

    seeds: list[str]
    task: str | None
    budget: int
    added: list[str] = field(default_factory=list)  # definitions: "path::qualified"
    pins: list[str] = field(default_factory=list)  # whole files added
    excludes: list[str] = field(default_factory=list)  # files removed


@dataclass(frozen=True, slots=True)
class Target:
    """Where a command points: a workspace file or folder, and the position's line and the
    innermost definition there (when asked for)."""

    path: str  # root-relative ('.' for the root)
    is_dir: bool = False
    line: int | None = None  # 1-based line of the position, when one was given
    definition: str | None = None  # qualified name of the innermost definition there

    def at_line(self) -> str:
        """The seed of the position's line (``PATH:LINE``), or of the whole file."""
        return str(SeedSpec(self.path, self.line))

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


def totals(bundle: Any) -> BudgetTotals:
    return BudgetTotals(
        total_tokens=bundle.total_tokens, budget=bundle.budget, items=len(bundle.items),
        encoding=bundle.encoding, over=bundle.budget > 0 and bundle.total_tokens > bundle.budget,
        task=bundle.task, seeds=list(bundle.seeds))


class BundleSession:
    """The current bundle and the commands that make and change it (see the module doc)."""

    def __init__(self, ls: Any, state: ServerState) -> None:
        self.ls = ls
        self.state = state
        self.chain = Chain()
        self._lock = threading.Lock()
        self.spec: Spec | None = None
        self.sticky: list[str] = []  # "path" or "path::qualified", kept across suggestions
        self.result: BundleResult | None = None
        self._generation = 0
        self._sent: dict[str, Any] | None = None

    # -- where a command points ---------------------------------------------------------------
    def target(self, ctx: JobContext, buf: Buffer | None, loc: Located,
               codec: PositionCodec, *, definition: bool = True) -> Target:
        """Where ``loc`` points (the path under the application's path-safety rule); with
        ``definition``, also the innermost definition at its position."""
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
        if not definition:
            return Target(path, line=line)
        facts, _ = state.facts_for(buf, loc.uri, ctx)
        best = innermost_definition(facts.definitions if facts is not None else [], line)
        return Target(path, line=line, definition=best.qualified if best else None)

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
            pins=pins, exclude=[exclude_glob(p) for p in spec.excludes])
        return snapshot.bundle(request, ctx.token)

    def _commit(self, spec: Spec, result: BundleResult, sticky: list[str] | None = None) -> None:
        """Make ``result`` current (call with the lock held) and announce its totals."""
        self.spec = spec
        self.result = result
        if sticky is not None:
            self.sticky = sticky
        self._generation += 1
        self._announce(result)

    def _announce(self, result: BundleResult) -> None:
        payload = totals(result.bundle).model_dump(mode="json")
        if payload != self._sent:
            self._sent = payload
            self.state.call_soon(self._send, payload)

    def _send(self, payload: dict[str, Any]) -> None:
        self.ls.protocol.notify(BUDGET_NOTIFICATION, payload)

    def _with_sticky(self, spec: Spec, sticky: list[str]) -> Spec:
        for s in sticky:
            if split_seed(s).symbol is not None:  # a definition: added, not pinned
                if s not in spec.added:
                    spec.added.append(s)
            elif s not in spec.pins and s not in spec.seeds:
                spec.pins.append(s)
        return spec

    # -- commands (each runs as a job of the session's chain) ----------------------------------
    def suggest(self, ctx: JobContext, buf: Buffer | None, loc: Located | None,
                task: str | None, budget: int | None, codec: PositionCodec) -> dict[str, Any]:
        seeds: list[str] = []
        if loc is not None:
            t = self.target(ctx, buf, loc, codec, definition=False)
            if not t.is_dir:
                seeds = [t.at_line()]
        task = task.strip() if task and task.strip() else None
        with self._lock:
            spec = self._with_sticky(Spec(
                seeds=seeds, task=task,
                budget=self.state.settings.default_budget if budget is None else budget),
                list(self.sticky))
            result = self._compute(ctx, spec)
            self._commit(spec, result)
            return bundle_view(result.bundle)

    def add(self, ctx: JobContext, buf: Buffer | None, loc: Located, pin: bool,
            codec: PositionCodec) -> dict[str, Any]:
        t = self.target(ctx, buf, loc, codec)
        if t.is_dir:
            raise CommandError(f"{t.path} is a folder: add the files inside it one by one")
        item = t.at_definition()
        with self._lock:
            sticky = list(self.sticky)
            if pin and item not in sticky:
                if t.definition is None:
                    sticky = [s for s in sticky if seed_path(s) != t.path]
                sticky.append(item)
            if self.spec is None:
                spec = self._with_sticky(Spec(
                    seeds=[item], task=None, budget=self.state.settings.default_budget), sticky)
            else:
                spec = replace(self.spec, seeds=list(self.spec.seeds),
                               added=list(self.spec.added), pins=list(self.spec.pins),
                               excludes=[p for p in self.spec.excludes if p != t.path])
                if t.definition is not None:
                    whole = t.path in spec.pins or t.path in spec.seeds
                    if not whole and item not in spec.added:
                        spec.added.append(item)
                else:
                    # The whole file: definitions added from it and a focused seed would narrow
                    # it to those definitions.
                    spec.added = [a for a in spec.added if seed_path(a) != t.path]
                    spec.seeds = [t.path if seed_path(s) == t.path else s for s in spec.seeds]
                    spec.seeds = list(dict.fromkeys(spec.seeds))
                    if t.path not in spec.pins and t.path not in spec.seeds:
                        spec.pins.append(t.path)
            result = self._compute(ctx, spec)
            self._commit(spec, result, sticky)
            return bundle_view(result.bundle)

    def remove(self, ctx: JobContext, buf: Buffer | None, loc: Located,
               codec: PositionCodec) -> dict[str, Any]:
        t = self.target(ctx, buf, loc, codec)
        with self._lock:
            if self.spec is None:
                raise CommandError("there is no current bundle: suggest one first "
                                   "(ctxsteward.suggestBundle)")
            if t.is_dir:
                raise CommandError(f"{t.path} is a folder: remove the files inside it one by one")
            spec = replace(self.spec, seeds=list(self.spec.seeds), added=list(self.spec.added),
                           pins=list(self.spec.pins), excludes=list(self.spec.excludes))
            sticky = list(self.sticky)
            item = t.at_definition() if t.definition else None
            if item is not None and item in spec.added:
                spec.added.remove(item)  # just that definition
                sticky = [s for s in sticky if s != item]
            else:
                spec.added = [a for a in spec.added if seed_path(a) != t.path]
                spec.pins = [p for p in spec.pins if p != t.path]
                sticky = [s for s in sticky if seed_path(s) != t.path]
                if t.path not in spec.excludes:
                    spec.excludes.append(t.path)
            result = self._compute(ctx, spec)
            self._commit(spec, result, sticky)
            return bundle_view(result.bundle)

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
        return render(fmt, result.bundle.task, result.pieces)

    def current(self) -> dict[str, Any] | None:
        with self._lock:
            return None if self.result is None else bundle_view(self.result.bundle)

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
                    self._announce(result)

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


def bundle_view(bundle: Any) -> dict[str, Any]:
    """The bundle as JSON for the editor, with the texts derived from files and git (symbol
    names, reasons) passed through :func:`analyzers.secrets.redact`."""
    out: dict[str, Any] = bundle.model_dump(mode="json")
    for item in out.get("items", []):
        item["symbols"] = [redact(x) for x in item.get("symbols", [])]
        item["reasons"] = [redact(x) for x in item.get("reasons", [])]
    for key in ("excluded", "left_out"):
        for row in out.get(key) or []:
            if isinstance(row.get("reason"), str):
                row["reason"] = redact(row["reason"])
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
