"""Index snapshots: the index of one commit, packed once (in CI) and imported by every clone.

A snapshot is a gzip-compressed tar of ``manifest.json`` (the tool's version, the index schema,
the settings fingerprint, the repository's identity: its root commits and the commit indexed,
every file's path and content hash, the SHA-256 and size of each other member), ``index.sqlite``
(a consistent copy of the database) and, when it is the index's, ``graph.bin`` (the ranking
graph, in :mod:`analyzers.indexing.graphcache`'s data-only format). It holds only files whose
content is the commit's (no local change, no untracked file), and of a secret-bearing name only
its counts, so it carries nothing that is not in the repository. Import checks everything before
it installs anything, then the normal refresh reads what differs in the clone.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import posixpath
import shutil
import sqlite3
import stat
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any, Final

from analyzers import __version__
from analyzers.cancel import NEVER, CancelToken
from analyzers.config import Settings
from analyzers.indexing import store as st
from analyzers.indexing.buildlock import Waiting, build_lock
from analyzers.results import (
    SnapshotManifest,
    SnapshotMember,
    SnapshotRepository,
    SnapshotResult,
)
from analyzers.secrets import secret_by_name

FORMAT: Final = "ctxsteward-index-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = "index.sqlite"
GRAPH = "graph.bin"
# Unpacked sizes, in bytes. A manifest lists paths and hashes, never content (~60 bytes a file);
# an index is ~8 KiB a file (saleor: 37 MiB for 4.6k files), so 4 GiB holds half a million files.
MAX_MANIFEST = 128 << 20
MAX_UNPACKED = 4 << 30  # every member together: the manifest's declared sizes must fit in it
TAR_OVERHEAD = 64 << 10  # headers, padding and the end-of-archive blocks of three members


class SnapshotRefused(Exception):
    """A snapshot that cannot be exported or imported here: what is wrong and what to do."""


# -- paths -----------------------------------------------------------------------------------------

def bad_path(p: Any) -> str | None:
    """Why ``p`` cannot be a workspace-relative path of a snapshot, or None when it can."""
    if not isinstance(p, str) or not p:
        return "not a path at all"
    if "\0" in p or "\\" in p:
        return "a path holding a NUL or backslash"
    if p.startswith("/") or (len(p) > 1 and p[1] == ":"):
        return "an absolute path"
    parts = p.split("/")
    if ".." in parts:
        return "a path climbing out of the workspace (..)"
    if posixpath.normpath(p) != p or "." in parts:
        return "a path not normalised"
    if parts[0] in (st.STATE_DIR, ".git"):
        return f"a path inside {parts[0]}/"
    return None


# -- export ----------------------------------------------------------------------------------------

def check_export(root: Path, dest: Path) -> None:
    """Refuses, before any index is built, an export that cannot be written or named: ``dest``
    a folder or in a missing one, ``root`` outside a git work tree with commits."""
    from analyzers.fsutil import read_only_refusal
    from analyzers.gitrepo import GitError, Repo

    refused = read_only_refusal(dest, str(dest))  # a snapshot its owner froze is kept
    dest = dest.absolute()
    if dest.is_dir():
        raise SnapshotRefused(f"{dest} is a folder: give the snapshot file's name")
    if dest.exists() and not dest.is_file():  # written through a rename, never into a device
        raise SnapshotRefused(f"{dest} is not a regular file (a device, a pipe or a socket): "
                              "give the snapshot file's name")
    if refused is not None:
        raise SnapshotRefused(refused)
    if not dest.parent.is_dir():
        raise SnapshotRefused(f"{dest.parent} is not a folder: write the snapshot elsewhere"
                              if dest.parent.exists() else f"{dest.parent} does not exist: "
                              "create it, or write the snapshot elsewhere")
    try:
        repo = Repo.open(root)
        head = repo.head()
        roots = repo.root_commits() if head else []
    except GitError as e:
        raise SnapshotRefused(f"{root} is not a git work tree with commits ({e}): a snapshot "
                              "names the commit it indexes; export from a clone") from e
    if not head or not roots:
        raise SnapshotRefused(f"{root} has no commit yet: commit, then export")
    if repo.is_shallow():
        raise SnapshotRefused(f"{root} is a shallow clone: its history is cut, and a snapshot "
                              "names its repository by its first commits; run `git fetch "
                              "--unshallow` (in CI: actions/checkout with fetch-depth: 0), "
                              "then export")


def export_snapshot(root: Path, dest: Path, settings: Settings | None = None) -> SnapshotResult:
    """Packs the (up-to-date) index of ``root`` into ``dest``, written atomically (``settings``:
    the index's, for a ranking graph built from the snapshot's own rows)."""
    from analyzers.gitrepo import Repo

    check_export(root, dest)
    repo = Repo.open(root)
    head = repo.head() or ""  # check_export refused a clone without a commit
    roots = repo.root_commits()
    dirty = repo.dirty_paths()
    state = st.ensure_state_dir(root)
    fd, tmp_name = tempfile.mkstemp(prefix="export-", suffix=".sqlite", dir=state)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        st.copy_database(state / PAYLOAD, tmp)
        conn = st.open_copy(tmp)
        try:
            listed = st.copy_files(conn)
            drop = {p for p in listed if p in dirty or bad_path(p)}
            st.drop_copy_paths(conn, drop)
            stripped = st.strip_copy_content(conn, [p for p in listed if secret_by_name(p)])
            held = _secret_words(root, state, {p: h for p, h in listed.items()
                                               if p not in drop and not secret_by_name(p)})
            for path, needle in held.items():
                st.scrub_copy_file(conn, path, needle)
            st.compact_copy(conn)
            files = st.copy_files(conn)
            meta = st.copy_meta(conn)
        finally:
            conn.close()
        payload = tmp.read_bytes()
        graph = None if drop or stripped else _graph_to_ship(state / GRAPH, meta)
        if held and graph is not None:  # the local graph holds the secrets' words: not this one
            graph = _graph_of_copy(root, tmp, settings or Settings())
        repository = SnapshotRepository(root_commits=roots, head=head)
        manifest = SnapshotManifest(
            format=FORMAT, format_version=FORMAT_VERSION, tool_version=__version__,
            schema_version=int(meta.get("schema_version", "0")),
            fingerprint=meta.get("fingerprint", ""), repository=repository,
            payload=_member(PAYLOAD, payload), files=sorted(files.items()),
            graph=None if graph is None else _member(GRAPH, graph))
        members = [(MANIFEST, manifest.model_dump_json(exclude_none=True).encode()),
                   (PAYLOAD, payload)]
        if graph is not None:
            members.append((GRAPH, graph))
        size = _write_tar(dest, members)
    finally:
        tmp.unlink(missing_ok=True)
    return SnapshotResult(path=str(dest), head=head, files=len(files), bytes=size,
                          dropped=len(drop), graph=graph is not None)


class _Needles:
    """Whether a stored text holds one of a file's secret values: it contains the value, or a
    word of it of at least :data:`NEEDLE_MIN` letters (the index splits a line around what
    precedes a value too: ``%3Aghp_…`` is stored as ``aghp_…``), or it is a shorter word of it."""

    def __init__(self, values: list[str]) -> None:
        from analyzers.lexical import words

        self.exact = {w for v in values for w in words(v)} | {v.strip().lower() for v in values}
        self.long = sorted({n for n in self.exact if len(n) >= NEEDLE_MIN})

    def __call__(self, text: str) -> bool:
        low = text.lower()
        return low in self.exact or any(n in low for n in self.long)


NEEDLE_MIN = 6


def _secret_words(root: Path, state: Path, files: dict[str, str]) -> dict[str, _Needles]:
    """path -> what holds the secret values found in that file's content (scanned as a bundle
    scans it, through the scan cache), for the files that hold any: the snapshot leaves every
    stored text holding one out of that file's rows (words, referenced names, import
    specifiers, definitions)."""
    from analyzers.confine import read_bytes_inside
    from analyzers.secrets import ScanCache, file_text

    scans = ScanCache(state / "secrets.json")
    out: dict[str, _Needles] = {}
    for path, digest in sorted(files.items()):
        scan = scans.scan_file(root, path, digest) if digest else None
        data = read_bytes_inside(root, path) if scan and scan.findings else None
        if scan is None or data is None:
            continue
        lines = file_text(data).split("\n")
        out[path] = _Needles([lines[f.line - 1][f.start:f.end] for f in scan.findings
                              if 0 < f.line <= len(lines)])
    scans.save()
    return out


def _graph_of_copy(root: Path, copy: Path, settings: Settings) -> bytes:
    """The ranking graph built from the snapshot's own rows, whole (the local graph holds the
    words the snapshot left out, and its string tables every word it ever read)."""
    from analyzers.indexing import graphcache
    from analyzers.indexing.graph import GRAPH_VERSION, build_graph, graph_key
    from analyzers.indexing.index import Index

    index = Index.of_copy(root, copy, settings)
    try:
        generation = graph_key(index)
        graph = build_graph(index, generation)
    finally:
        index.close()
    fd, name = tempfile.mkstemp(prefix="export-", suffix=".bin", dir=copy.parent)
    os.close(fd)
    try:
        graphcache.dump(Path(name), GRAPH_VERSION, generation, graph)
        return Path(name).read_bytes()
    finally:
        Path(name).unlink(missing_ok=True)


def _member(name: str, data: bytes) -> SnapshotMember:
    """The manifest's entry of the member ``name`` holding ``data``."""
    return SnapshotMember(name=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _graph_to_ship(path: Path, meta: dict[str, str]) -> bytes | None:
    """The ranking graph's file when it was built from this very index (its generation, this
    version's graph), else None: the clone builds it on its first query."""
    from analyzers.indexing.graph import GRAPH_VERSION
    from analyzers.indexing.graphcache import GraphFileError, header_of

    try:
        data = path.read_bytes()
        header = header_of(data)
    except (OSError, GraphFileError):
        return None
    generation = header.get("generation")
    if header.get("version") != GRAPH_VERSION or not isinstance(generation, str) \
            or generation.split("/")[0] != meta.get("generation"):
        return None
    return data


def _write_tar(dest: Path, members: list[tuple[str, bytes]]) -> int:
    """Writes the tar.gz of ``members`` to ``dest`` through a temporary file and a rename (to
    what a symbolic link ``dest`` names: the link the user gave stays)."""
    dest = dest.resolve() if dest.is_symlink() else dest.absolute()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".snapshot-", dir=dest.parent)
    except OSError as e:
        raise SnapshotRefused(f"cannot write {dest} ({e.strerror}): write the snapshot "
                              "elsewhere") from e
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz, \
                    tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name, data in members:
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    info.mode = 0o644
                    tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, dest)
    except OSError as e:
        Path(tmp_name).unlink(missing_ok=True)
        raise SnapshotRefused(f"cannot write {dest} ({e.strerror}): write the snapshot "
                              "elsewhere") from e
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dest.stat().st_size


# -- import ----------------------------------------------------------------------------------------

def _refuse_unreadable(src: Path, why: str) -> SnapshotRefused:
    return SnapshotRefused(f"{src} is not a Context Steward index snapshot ({why}): give a file "
                           "written by `ctxsteward index --export`")


class _Bounded:
    """The decompressed stream of a snapshot, refusing to give more than ``limit`` bytes: a
    member (or a tar header) larger than the manifest declares is refused before it is written."""

    def __init__(self, src: Path, raw: Any, limit: int) -> None:  # a GzipFile
        self.src, self.raw, self.limit, self.given = src, raw, limit, 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes; SnapshotRefused past the limit."""
        want = self.limit - self.given + 1 if size < 0 else min(size, self.limit - self.given + 1)
        data = self.raw.read(want)
        self.given += len(data)
        if self.given > self.limit:
            raise SnapshotRefused(
                f"{self.src} unpacks to more than its manifest declares (a damaged or hostile "
                "file, such as a compression bomb): it was refused before anything was written")
        return data


def _declared(src: Path, manifest: dict[str, Any], state: Path) -> dict[str, int]:
    """Each member's size as the manifest declares it, refused past the caps or the free disk."""
    sizes: dict[str, int] = {}
    for name, key in ((PAYLOAD, "payload"), (GRAPH, "graph")):
        entry = manifest.get(key)
        if entry is None and name == GRAPH:
            continue
        size = entry.get("size") if isinstance(entry, dict) else None
        if type(size) is not int or size < 0:
            raise _refuse_unreadable(src, f"its manifest declares no size for {name}")
        sizes[name] = size
    total = sum(sizes.values())
    if total > MAX_UNPACKED:
        raise SnapshotRefused(
            f"{src} unpacks to {total:,} bytes, over the {MAX_UNPACKED >> 30} GiB a snapshot may "
            "hold: it was refused; build the index here with `ctxsteward index`")
    try:
        free = shutil.disk_usage(state).free
    except OSError:
        free = None
    if free is not None and free < total + (64 << 20):
        raise SnapshotRefused(f"{src} unpacks to {total:,} bytes and {state} has {free:,} free: "
                              "free some space and import it again")
    return sizes


def _read_members(src: Path, outs: dict[str, IO[bytes]], state: Path
                  ) -> tuple[dict[str, Any], set[str]]:
    """The manifest of the snapshot ``src`` (its first member) and the names of its members; each
    other member is copied into its file of ``outs`` (the index is required, the graph optional)
    once its size is the one the manifest declares."""
    manifest: dict[str, Any] | None = None
    sizes: dict[str, int] = {}
    seen: set[str] = set()
    try:
        with gzip.open(src, "rb") as raw:
            stream = _Bounded(src, raw, MAX_MANIFEST + TAR_OVERHEAD)
            with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
                for member in tar:
                    if member.name in seen or not member.isfile() or \
                            (member.name != MANIFEST and member.name not in outs) or \
                            (manifest is None) != (member.name == MANIFEST):
                        raise _refuse_unreadable(src, f"unexpected member {member.name!r}")
                    seen.add(member.name)
                    if member.name == MANIFEST:
                        manifest = _manifest(src, tar, member)
                        sizes = _declared(src, manifest, state)
                        stream.limit = stream.given + sum(sizes.values()) + TAR_OVERHEAD
                        continue
                    if member.size != sizes.get(member.name):
                        raise SnapshotRefused(
                            f"{src} holds {member.name} of {member.size:,} bytes where its "
                            f"manifest declares {sizes.get(member.name)}: it was refused "
                            "(damaged or tampered with); export it again")
                    f = tar.extractfile(member)
                    assert f is not None
                    while chunk := f.read(1 << 20):
                        outs[member.name].write(chunk)
    except (OSError, EOFError, tarfile.TarError, ValueError, zlib_error()) as e:
        if isinstance(e, FileNotFoundError):
            raise SnapshotRefused(f"{src} does not exist: give the path of a snapshot") from e
        raise _refuse_unreadable(src, str(e) or type(e).__name__) from e
    if manifest is None or PAYLOAD not in seen:
        raise _refuse_unreadable(src, "no manifest of one, or no index in it")
    return manifest, seen


def _manifest(src: Path, tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    """The manifest member, read whole (within its cap) and parsed."""
    if member.size > MAX_MANIFEST:
        raise _refuse_unreadable(src, f"its manifest is over {MAX_MANIFEST >> 20} MiB")
    f = tar.extractfile(member)
    assert f is not None
    manifest = json.loads(f.read())
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse_unreadable(src, "its manifest is not one")
    return manifest


def _check_member(src: Path, path: Path, entry: Any, what: str) -> None:
    """Refuses a member whose bytes are not the ones the manifest's ``entry`` names."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    if not isinstance(entry, dict) or entry.get("sha256") != digest.hexdigest():
        raise SnapshotRefused(f"{src} is damaged or was tampered with (its {what} does not "
                              "match the manifest's hash): it was refused; export it again")


def zlib_error() -> type[Exception]:
    """zlib's error type (a damaged gzip stream raises it)."""
    import zlib

    return zlib.error


def _settings_words(theirs: object, ours: str) -> str:
    """How the snapshot's settings (a fingerprint, ``encoding|max file size``) differ from these,
    as the options that set them: "--max-file-size 5000000, here 1048576"."""
    names = ("--encoding", "--max-file-size")
    if not isinstance(theirs, str) or theirs.count("|") != ours.count("|"):
        return f"{theirs!r}, here {ours!r}"
    said = [f"{name} {a}, here {b}" for name, a, b in zip(names, theirs.split("|"),
                                                           ours.split("|"), strict=False)
            if a != b]
    return "; ".join(said) or f"{theirs!r}, here {ours!r}"


def _check_manifest(src: Path, m: dict[str, Any], fingerprint: str) -> None:
    """Refuses a manifest of another format, schema or settings, or with a bad path."""
    if m.get("format_version") != FORMAT_VERSION or m.get("schema_version") != st.SCHEMA_VERSION:
        tool = m.get("tool_version", "?")
        # (the same release number with another schema: a build between releases)
        made = (f"another build of Context Steward {tool}" if tool == __version__
                else f"Context Steward {tool}")
        raise SnapshotRefused(
            f"{src} was made by {made} (snapshot format {m.get('format_version', '?')}, index "
            f"schema {m.get('schema_version', '?')}); this one reads format {FORMAT_VERSION}, "
            f"schema {st.SCHEMA_VERSION}: export it again with this version (the CI job that "
            "makes it runs an older or newer ctxsteward), or run `ctxsteward index` to build "
            "the index here")
    if m.get("fingerprint") != fingerprint:
        differ = _settings_words(m.get("fingerprint"), fingerprint)
        raise SnapshotRefused(
            f"{src} was indexed with other settings ({differ}): import it with the same "
            "options, or export it again with these")
    files = m.get("files")
    if not isinstance(files, list) or not all(
            isinstance(e, list) and len(e) == 2 and isinstance(e[1], str) for e in files):
        raise _refuse_unreadable(src, "its file list is malformed")
    for path, _ in files:
        why = bad_path(path)
        if why:
            raise SnapshotRefused(f"{src} names the path {path!r}, which is {why}: a snapshot "
                                  "names only paths inside the workspace; it was refused")


def _check_repository(src: Path, root: Path, m: dict[str, Any]) -> tuple[str, str]:
    """Refuses a snapshot of another repository, or of a commit this clone does not know;
    returns the snapshot's commit and this clone's HEAD."""
    from analyzers.gitrepo import GitError, Repo

    repo_info = m.get("repository")
    head = repo_info.get("head") if isinstance(repo_info, dict) else None
    roots = repo_info.get("root_commits") if isinstance(repo_info, dict) else None
    if not isinstance(head, str) or not isinstance(roots, list) or not roots:
        raise _refuse_unreadable(src, "its manifest names no repository")
    try:
        repo = Repo.open(root)
        here = repo.head()
        local_roots = set(repo.root_commits()) if here else set()
    except GitError as e:
        raise SnapshotRefused(f"{root} is not a git work tree ({e}): import a snapshot into a "
                              "clone of its repository") from e
    if not here or not local_roots.intersection(r for r in roots if isinstance(r, str)):
        if here and repo.is_shallow():
            raise SnapshotRefused(
                f"{root} is a shallow clone, so its first commits cannot be matched with the "
                f"snapshot's: run `git fetch --unshallow`, then import {src}")
        raise SnapshotRefused(
            f"{src} indexes another repository (first commit {str(roots[0])[:12]}, which is not in "
            f"the history of {root}): import a snapshot exported from this repository")
    if not repo.is_ancestor(head, here) and not repo.has_commit(head):
        raise SnapshotRefused(
            f"{src} indexes commit {head[:12]}, which this clone does not have: fetch it "
            "(git fetch), or use a snapshot of a commit in this clone's history")
    return head, here


def _align(root: Path, conn: sqlite3.Connection, m: dict[str, Any]) -> tuple[int, int]:
    """Checks the payload's rows against the manifest and every path, clears what was read from
    secret-bearing names (the index keeps only their counts), and gives the files whose content
    is here this checkout's size and mtime (the others are read again by the refresh). Returns
    how many differ, and how many secret-bearing names held more than counts."""
    from analyzers.confine import read_bytes_inside
    from analyzers.indexing.filefacts import content_hash

    for p in st.copy_paths(conn):
        why = bad_path(p)
        if why:
            raise SnapshotRefused(f"the snapshot's index names the path {p!r}, which is {why}: "
                                  "it was refused")
    listed = {p: h for p, h in m["files"]}
    if st.copy_files(conn) != listed:
        raise SnapshotRefused("the snapshot's index does not match its manifest (tampered "
                              "with?): it was refused; export it again")
    stripped = st.strip_copy_content(conn, [p for p in listed if secret_by_name(p)])
    stats: list[tuple[int, int, str]] = []
    stale = 0
    for path, digest in st.copy_files(conn).items():
        full = root / path
        try:
            info = os.lstat(full)
        except OSError:
            info = None
        data = read_bytes_inside(root, path) if info and stat.S_ISREG(info.st_mode) else None
        if data is not None and digest and content_hash(data) == digest:
            stats.append((info.st_size if info else 0, info.st_mtime_ns if info else -1, path))
        else:
            stats.append((-1, -1, path))
            stale += 1
    st.set_copy_stats(conn, stats)
    return stale, stripped


def _checked_graph(src: Path, path: Path, conn: sqlite3.Connection) -> bool:
    """Whether the snapshot's ranking graph at ``path`` is this version's and its index's; a
    graph that does not read back whole, or belongs to another index, refuses the snapshot."""
    from analyzers.indexing import graphcache
    from analyzers.indexing.graph import GRAPH_VERSION, RepoGraph

    def refused(why: str) -> SnapshotRefused:
        return SnapshotRefused(f"{src}: its ranking graph {why} (tampered with?): it was "
                               "refused; export it again")

    try:
        header, graph = graphcache.read(path)
    except graphcache.GraphStale:
        return False  # another version's graph: the clone builds its own
    except (OSError, graphcache.GraphFileError) as e:
        raise refused(f"does not read back ({e})") from e
    if header.get("version") != GRAPH_VERSION:
        return False
    generation = header.get("generation")
    if not isinstance(graph, RepoGraph) or not isinstance(generation, str) or \
            generation.split("/")[0] != st.copy_meta(conn).get("generation"):
        raise refused("is not its index's (another generation)")
    if set(graph.files) != st.copy_indexed(conn):
        raise refused("names other files than its index")
    return True


def import_snapshot(root: Path, src: Path, fingerprint: str, token: CancelToken = NEVER,
                    waiting: Waiting | None = None) -> SnapshotResult:
    """Checks the snapshot ``src`` and installs its index (and its ranking graph, when the clone
    is at the snapshot's commit and matches it) in ``root``, atomically: on any refusal nothing
    changes. The install holds the build lock (:mod:`analyzers.indexing.buildlock`: waiting
    for another process's build, ``waiting`` told once whom for), so it never replaces the
    index under a build writing it. The caller refreshes the index afterwards."""
    if src.is_dir() or not src.exists():  # before the state folder is made for nothing
        raise _refuse_unreadable(src, "a folder" if src.is_dir() else "it does not exist")
    made = not st.state_dir(root).exists()  # removed again when the snapshot is refused
    state = st.ensure_state_dir(root)
    temps: dict[str, Path] = {}
    try:
        outs: dict[str, IO[bytes]] = {}
        for name, suffix in ((PAYLOAD, ".sqlite"), (GRAPH, ".bin")):
            fd, tmp_name = tempfile.mkstemp(prefix="import-", suffix=suffix, dir=state)
            temps[name] = Path(tmp_name)
            outs[name] = os.fdopen(fd, "wb")
        try:
            manifest, seen = _read_members(src, outs, state)
        finally:
            for out in outs.values():
                out.close()
        _check_manifest(src, manifest, fingerprint)
        _check_member(src, temps[PAYLOAD], manifest.get("payload"), "index")
        has_graph = GRAPH in seen or manifest.get("graph") is not None
        if has_graph:
            _check_member(src, temps[GRAPH], manifest.get("graph"), "ranking graph")
        head, here = _check_repository(src, root, manifest)
        files, stale, graph = _check_payload(src, temps, fingerprint, manifest, root, has_graph)
        with build_lock(root, token, waiting):
            st.install_copy(temps[PAYLOAD], state / PAYLOAD)
            # Keyed by the index's generation, the graph is current until the refresh that
            # follows changes anything (a file that differs here, a commit since): then it is
            # built again.
            graph = graph and head == here
            if graph:
                os.replace(temps[GRAPH], state / GRAPH)
    except SnapshotRefused:
        if made:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
            shutil.rmtree(state, ignore_errors=True)
        raise
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return SnapshotResult(path=str(src), head=head, files=files, bytes=src.stat().st_size,
                          stale=stale, graph=graph)


def _check_payload(src: Path, temps: dict[str, Path], fingerprint: str, manifest: dict[str, Any],
                   root: Path, has_graph: bool) -> tuple[int, int, bool]:
    """Opens and checks the snapshot's index (and graph) and aligns it with this checkout:
    (files, how many differ here, whether the graph may be installed)."""
    try:
        conn = st.open_copy(temps[PAYLOAD])
    except (sqlite3.Error, st.CacheCorrupt) as e:
        raise _refuse_unreadable(src, f"its index does not open: {e}") from e
    try:
        meta = st.copy_meta(conn)
        if meta.get("schema_version") != str(st.SCHEMA_VERSION) \
                or meta.get("fingerprint") != fingerprint:
            raise SnapshotRefused(f"{src}: its index's schema or settings differ from its "
                                  "manifest's (tampered with?): it was refused")
        stale, stripped = _align(root, conn, manifest)
        graph = has_graph and _checked_graph(src, temps[GRAPH], conn) and not stripped
        return len(st.copy_files(conn)), stale, graph
    except sqlite3.Error as e:
        raise _refuse_unreadable(src, f"its index is damaged: {e}") from e
    finally:
        conn.close()
