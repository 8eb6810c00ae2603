"""The workspace and its snapshots: what every edge (CLI, LSP, MCP, agent hooks) goes through.

A :class:`Workspace` owns the root, the settings and the index-freshness policy: *how* the index
is brought up to date (an incremental build) and whether one is there to answer from. Edges
choose *when* to refresh. Queries run on a :class:`Snapshot`, a read-only view of the index as it
was when the snapshot was taken, which a job may use from any thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.app.paths import Secrets, workspace_path
from analyzers.app.seeds import parse_seed_spec
from analyzers.cancel import NEVER, CancelToken
from analyzers.config import Settings

if TYPE_CHECKING:
    from analyzers.app.requests import BundleRequest
    from analyzers.bundles.assemble import BundleResult
    from analyzers.indexing.index import Index
    from analyzers.results import IndexReport, VerifyReport

Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, message: str) -> None:
    """Progress nobody watches."""


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

    def refresh(self, token: CancelToken = NEVER, progress: Progress = _no_progress
                ) -> list[str]:
        """Bring the index up to date (incrementally) and return its warnings."""
        from analyzers.indexing.index import refresh

        return refresh(self.root, self.settings, token=token, progress=progress)

    def build(self, token: CancelToken = NEVER, progress: Progress = _no_progress
              ) -> IndexReport:
        """Bring the index up to date and summarise it."""
        from analyzers.indexing.index import build

        return build(self.root, self.settings, token=token, progress=progress)

    def snapshot(self) -> Snapshot:
        """A read-only view of the index as it is now (close it, or use it in ``with``)."""
        from analyzers.indexing.index import Index

        return Snapshot(self, Index(self.root, self.settings))

    # -- requests' paths ---------------------------------------------------------------------
    def path(self, raw: str, *, what: str = "path", base: Path | None = None,
             secrets: Secrets = Secrets.ANY) -> str:
        """``raw`` as a root-relative path under the one path-safety rule."""
        return workspace_path(self.root, raw, what=what, base=base, secrets=secrets)

    def seed(self, spec: str, *, base: Path | None = None) -> str:
        """A seed with its path checked (a seed is shown with secret values masked, so only
        secret material as a whole refuses it) and made root-relative."""
        parsed = parse_seed_spec(spec)
        rel = self.path(parsed.path, what="seed", base=base, secrets=Secrets.WHOLE)
        return str(parsed.with_path(rel))

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

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.index.close()

    def bundle(self, request: BundleRequest, token: CancelToken = NEVER) -> BundleResult:
        """Rank, filter, pack and render a bundle for ``request``."""
        from analyzers.bundles.assemble import make_bundle

        return make_bundle(self.index, request, token)

    def save(self, name: str, result: BundleResult) -> Path:
        """Store ``result`` under ``name`` with its content hashes."""
        from analyzers.bundles.assemble import save_bundle

        return save_bundle(self.index, name, result)

    def verify(self, name: str, token: CancelToken = NEVER) -> VerifyReport:
        """Which items of the saved bundle ``name`` changed since."""
        from analyzers.bundles.assemble import verify_bundle

        return verify_bundle(self.index, name, token)
