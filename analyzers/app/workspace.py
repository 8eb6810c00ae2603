"""The workspace and its snapshots: what every edge (CLI, LSP, MCP, agent hooks) goes through.

A :class:`Workspace` owns the root, the settings and the index-freshness policy: *how* the index
is brought up to date (an incremental build) and whether one is there to answer from. Edges
choose *when* to refresh. Queries run on a :class:`Snapshot`, a read-only view of the index as it
was when the snapshot was taken, which a job may use from any thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzers.app.errors import F, RequestError
from analyzers.app.paths import Secrets, workspace_path
from analyzers.app.seeds import parse_seed_spec
from analyzers.cancel import NEVER, CancelToken
from analyzers.config import Settings

if TYPE_CHECKING:
    from analyzers.app.requests import (
        BudgetRequest,
        BundleRequest,
        CheckRequest,
        FindRequest,
        HandoffRequest,
        MapRequest,
    )
    from analyzers.bundles.assemble import BundleResult
    from analyzers.bundles.contextmap import ContextMap
    from analyzers.bundles.decisions import Decision
    from analyzers.bundles.rank import RankedFile
    from analyzers.handoff.note import HandoffNote
    from analyzers.indexing.buildlock import Waiting
    from analyzers.indexing.index import Index
    from analyzers.instructions.checkview import CheckView
    from analyzers.instructions.findings import CheckReport
    from analyzers.results import BudgetReport, IndexReport, SnapshotResult, VerifyReport

Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, message: str) -> None:
    """Progress nobody watches."""


# A build that parsed at least this share of the files also builds the ranking graph (a smaller
# change leaves it to the first query, which updates only the changed files' rows).
GRAPH_WITH_INDEX_SHARE = 0.25


class Workspace:
    """One workspace root, its settings and its index (see the module doc)."""

    def __init__(self, root: Path, settings: Settings | None = None) -> None:
        self.root = Path(root).resolve()
        self.settings = settings or Settings()

    # -- freshness ---------------------------------------------------------------------------
    def index_usable(self) -> bool:
        """Whether a complete index for these settings is on disk to answer from."""
        from analyzers.indexing.store import index_usable

        return index_usable(self.root, self.settings)

    def refresh(self, token: CancelToken = NEVER, progress: Progress = _no_progress,
                waiting: Waiting | None = None) -> list[str]:
        """Bring the index up to date (incrementally) and return its warnings; ``waiting`` is told
        once when another process's build of it keeps this one waiting
        (:mod:`analyzers.indexing.buildlock`)."""
        from analyzers.indexing.index import refresh
        from analyzers.indexing.store import stored_generation

        before = stored_generation(self.root)
        current = self._graph_current()
        warnings = refresh(self.root, self.settings, token=token, progress=progress,
                           waiting=waiting)
        if current:
            self._graph_follows(before, token)
        return warnings

    def build(self, token: CancelToken = NEVER, progress: Progress = _no_progress,
              waiting: Waiting | None = None) -> IndexReport:
        """Bring the index up to date and summarise it (``waiting``: as :meth:`refresh`); after a
        build that read most files (a cold index), build the ranking graph too, so the first
        bundle does not."""
        from analyzers.indexing.index import build
        from analyzers.indexing.store import stored_generation

        before = stored_generation(self.root)
        current = self._graph_current()
        report = build(self.root, self.settings, token=token, progress=progress, waiting=waiting)
        if report.files and report.files_parsed >= GRAPH_WITH_INDEX_SHARE * report.files:
            with self.snapshot() as snap:
                snap.warm_graph(token)
        elif current:
            self._graph_follows(before, token)
        return report

    def _graph_current(self) -> bool:
        """Whether a ranking graph is cached and current for the index as it stands (read before
        a refresh: only such a graph follows the refresh; one stale already is the next query's to
        build)."""
        from analyzers.indexing.graphstamp import graph_current  # (no numpy: see its doc)
        from analyzers.indexing.store import GRAPH_FILE, state_dir, stored_generation

        if stored_generation(self.root) is None or \
                not (state_dir(self.root) / GRAPH_FILE).is_file():
            return False
        with self.snapshot() as snap:
            return graph_current(snap.index)

    def _graph_follows(self, before: str | None, token: CancelToken) -> None:
        """After a build that changed the index (its generation was ``before``), bring the
        ranking graph's cache up to date with it when there is one (only the changed files are
        read again): whichever edge refreshed the index (``budget``, ``check``, an editor's save,
        MCP), the next query and an agent's prompt hook, which never waits for a full graph
        build, find it current. None cached: the first query builds it."""
        from analyzers.indexing.store import GRAPH_FILE, state_dir, stored_generation

        if stored_generation(self.root) == before \
                or not (state_dir(self.root) / GRAPH_FILE).is_file():
            return  # nothing changed (a graph stale already is the query's to update)
        with self.snapshot() as snap:
            snap.warm_graph(token)

    def export_index(self, dest: Path, token: CancelToken = NEVER,
                     progress: Progress = _no_progress, waiting: Waiting | None = None
                     ) -> tuple[IndexReport, SnapshotResult]:
        """Bring the index and its ranking graph up to date, then pack them into the snapshot
        file ``dest`` (:class:`RequestError` when it cannot be)."""
        from analyzers.indexing.snapshot import SnapshotRefused, check_export, export_snapshot

        try:
            check_export(self.root, dest)  # before the index is built for nothing
        except SnapshotRefused as e:
            raise RequestError(str(e)) from e
        report = self.build(token=token, progress=progress, waiting=waiting)
        with self.snapshot() as snap:
            snap.warm_graph(token)
        try:
            return report, export_snapshot(self.root, dest, self.settings)
        except SnapshotRefused as e:
            raise RequestError(str(e)) from e

    def import_index(self, src: Path, token: CancelToken = NEVER,
                     progress: Progress = _no_progress, waiting: Waiting | None = None
                     ) -> tuple[SnapshotResult, IndexReport]:
        """Check and install the snapshot ``src`` (nothing changes when it is refused, with a
        :class:`RequestError`), then bring the index up to date with this checkout."""
        from analyzers.indexing.snapshot import SnapshotRefused, import_snapshot
        from analyzers.indexing.store import settings_fingerprint

        try:
            result = import_snapshot(self.root, src, settings_fingerprint(self.settings), token,
                                     waiting)
        except SnapshotRefused as e:
            raise RequestError(str(e)) from e
        # (a graph installed with the snapshot follows the refresh reading this checkout's
        # changes: only the changed files are read again, and the first query finds it current)
        return result, self.build(token=token, progress=progress, waiting=waiting)

    def snapshot(self) -> Snapshot:
        """A read-only view of the index as it is now, unchanged by builds that finish while it
        is open (close it, or use it in ``with``)."""
        from analyzers.indexing.index import Index

        index = Index(self.root, self.settings)
        try:
            index.hold()
        except BaseException:
            index.close()
            raise
        return Snapshot(self, index)

    # -- requests' paths ---------------------------------------------------------------------
    def path(self, raw: str, *, what: str = "path", base: Path | None = None,
             secrets: Secrets = Secrets.ANY, suffix: str = "") -> str:
        """``raw`` as a root-relative path under the one path-safety rule (``suffix``: see
        :func:`workspace_path`)."""
        return workspace_path(self.root, raw, what=what, base=base, secrets=secrets,
                              suffix=suffix)

    def existing(self, rels: Sequence[str]) -> list[str]:
        """``rels`` (root-relative, checked by :meth:`path`), each of which must exist: a
        :class:`RequestError` "PATH does not exist" for the first that does not (a check of
        named files must not answer "no problems in 0 files")."""
        for rel in rels:
            full = self.root / rel
            if not os.path.lexists(full):
                raise RequestError(f"no such file or folder in the workspace: {rel!r}; nothing "
                                   f"was checked (check the {F.paths}, or leave them out for "
                                   "every instruction file)", field="paths")
        return list(rels)

    def seed(self, spec: str, *, base: Path | None = None,
             secrets: Secrets = Secrets.WHOLE) -> str:
        """A seed with its path checked (a seed is shown with secret values masked, so only
        secret material as a whole refuses it) and made root-relative. ``Secrets.NONE`` leaves
        the secrets to the bundle, which refuses such a seed from its cached scan."""
        parsed = parse_seed_spec(spec)
        rel = self.path(parsed.path, what="seed", base=base, secrets=secrets,
                        suffix=parsed.suffix)
        return str(parsed.with_path(rel))

    # -- queries that need no index snapshot -------------------------------------------------
    def check(self, request: CheckRequest, token: CancelToken = NEVER,
              snapshot: Snapshot | None = None, view: CheckView | None = None) -> CheckReport:
        """The instruction files ``request`` names, checked (with the index of ``snapshot``
        for symbol suggestions; without one, none are made). ``view``: an edge's long-lived
        view of the files (its cache and unsaved buffers, its own settings and index), read
        instead of a fresh one."""
        request.check()
        from analyzers.instructions import check_workspace

        overrides = request.overrides()
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        return check_workspace(self.root, request.paths, settings,
                               index=snapshot.index if snapshot is not None else None,
                               workspace=view, token=token)

    def handoff(self, request: HandoffRequest, token: CancelToken = NEVER, *,
                note_path: Path | None = None, exclude_paths: Sequence[Path] = (),
                waiting: Waiting | None = None) -> HandoffNote:
        """The handoff note for ``request`` (``note_path``: the note being updated, default
        HANDOFF.md; ``exclude_paths``: files left out of the changes, e.g. the output;
        ``waiting``: as :meth:`refresh`, for the index its bundle reads)."""
        request.check()
        from analyzers.handoff import generate

        return generate(self.root, request.base, self.settings, request.test_cmd, token,
                        note_path=note_path, budget=request.budget, bundle=request.bundle,
                        checks=request.checks, test_timeout=request.test_timeout,
                        exclude_paths=exclude_paths, waiting=waiting)

    def carried_note(self, note_path: Path | None = None, budget: int = 1_500,
                     max_chars: int = 9_500) -> tuple[str, list[str]]:
        """The handoff note (``note_path``, default HANDOFF.md) as a new session is given it: its
        summary and human sections within ``budget`` tokens and ``max_chars`` characters ("" with
        no usable note), and the problems that kept it out."""
        from analyzers.handoff.carry import note_context
        from analyzers.tokens import Counter

        counter = Counter(self.settings.encoding, self.settings.model_profile())
        return note_context(self.root, note_path, counter, budget, max_chars)

    # -- saved bundles -----------------------------------------------------------------------
    def saved_bundles(self) -> list[str]:
        """The names of the bundles saved in this workspace, sorted."""
        from analyzers.bundles.assemble import bundles_dir

        folder = bundles_dir(self.root)
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


class Snapshot:
    """The queries, over one read-only view of the index."""

    def __init__(self, workspace: Workspace, index: Index) -> None:
        self.workspace = workspace
        self.index = index
        # The rankings of this snapshot's bundles: another bundle of the same seeds and task (an
        # answer packed again at a smaller budget) reuses its ranking, and the files it admitted
        # (see make_bundle).
        self._rankings: dict[tuple[Any, ...], Any] = {}

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.index.close()

    def bundle(self, request: BundleRequest, token: CancelToken = NEVER) -> BundleResult:
        """Rank, filter, pack and render a bundle for ``request``."""
        from analyzers.bundles.assemble import make_bundle

        return make_bundle(self.index, request, token, self._rankings)

    def graph_current(self) -> bool:
        """Whether the ranking graph's cache is current for this index (a header read: a query
        now would not have to build the graph first)."""
        from analyzers.indexing.graph import graph_current

        return graph_current(self.index)

    def warm_graph(self, token: CancelToken = NEVER) -> bool:
        """Build the ranking graph's cache for this index unless it is current; whether it had
        to be built."""
        from analyzers.indexing.graph import graph_current, load_graph

        if graph_current(self.index):
            return False
        load_graph(self.index, token)
        return True

    def map(self, request: MapRequest, token: CancelToken = NEVER) -> ContextMap:
        """A compact context map for ``request``: ranked files, the line ranges of their relevant
        definitions and a reason each, within its token budget."""
        from analyzers.bundles.contextmap import make_map

        return make_map(self.index, request, token)

    def save(self, name: str, result: BundleResult) -> Path:
        """Store ``result`` under ``name`` with its content hashes."""
        from analyzers.bundles.assemble import save_bundle

        return save_bundle(self.index, name, result)

    def verify(self, name: str, token: CancelToken = NEVER) -> VerifyReport:
        """Which items of the saved bundle ``name`` changed since."""
        from analyzers.app.requests import VerifyRequest
        from analyzers.bundles.assemble import verify_bundle

        VerifyRequest(name).check()
        return verify_bundle(self.index, name, token)

    def decisions(self, files: Sequence[str], token: CancelToken = NEVER) -> list[Decision]:
        """The recent decisions about ``files`` (root-relative, as the index names them): the
        handoff note's sections that name them, then the recent commits that changed them
        (:func:`analyzers.bundles.decisions.recent_decisions`, with the workspace's settings)."""
        from analyzers.bundles.decisions import recent_decisions

        paths = [workspace_path(self.index.root, f, what="paths", secrets=Secrets.NONE)
                 for f in files]
        return recent_decisions(self.index, paths, self.index.settings, token)

    def find(self, request: FindRequest, token: CancelToken = NEVER) -> list[RankedFile]:
        """Files ranked for the task alone, best first (none when it has no searchable
        words: see :meth:`searchable`)."""
        request.check()
        if not self.searchable(request.task):
            return []
        from analyzers.bundles.rank import RankQuery, rank

        return rank(self.index, RankQuery(task=request.task), token)

    @staticmethod
    def searchable(task: str) -> bool:
        """Whether ``task`` has a word a ranking can search for (not only stop words)."""
        from analyzers import lexical

        return bool(set(lexical.task_words(task)))

    def budget(self, request: BudgetRequest, keep: Callable[[str], bool] | None = None
               ) -> BudgetReport:
        """The token tree of the indexed files under the request's paths (only those ``keep``
        accepts, when given: an edge's own exclusions)."""
        request.check()
        from analyzers.tokentree import budget

        files = self.index.files()
        skipped = {p: r for p, (r, _) in self.index.skipped().items()}
        if keep is not None:
            files = {p: f for p, f in files.items() if keep(p)}
            skipped = {p: r for p, r in skipped.items() if keep(p)}
        return budget(self.workspace.root, files, self.workspace.settings, request.paths,
                      skipped)

    def check(self, request: CheckRequest, token: CancelToken = NEVER) -> CheckReport:
        """The instruction files ``request`` names, checked with this index's symbols."""
        return self.workspace.check(request, token, snapshot=self)
