"""Index snapshots: the index of one commit, packed once (in CI) and imported by every clone.

A snapshot is a gzip-compressed tar of two members: ``manifest.json`` (the tool's version, the
index schema, the settings fingerprint, the repository's identity: its root commits and the
commit indexed, every file's path and content hash, the SHA-256 of the payload) and
``index.sqlite`` (a consistent copy of the database). It holds only files whose content is the
commit's (no local change, no untracked file, no secret-bearing name), so it carries nothing that
is not in the repository. Import checks everything before it installs anything, then the normal
refresh reads what differs in the clone.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import posixpath
import sqlite3
import stat
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any

from analyzers import __version__
from analyzers.indexing import store as st
from analyzers.results import SnapshotResult
from analyzers.secrets import secret_by_name

FORMAT = "ctxsteward-index-snapshot"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = "index.sqlite"
MAX_MANIFEST = 256 << 20  # bytes: a manifest lists paths and hashes, never content
MAX_PAYLOAD = 16 << 30


class SnapshotRefused(Exception):
    """A snapshot that cannot be exported or imported here: what is wrong and what to do."""


# -- paths -----------------------------------------------------------------------------------------

def bad_path(p: Any) -> str | None:
    """Why ``p`` cannot be a workspace-relative path of a snapshot, or None when it can."""
    if not isinstance(p, str) or not p:
        return "not a path"
    if "\0" in p or "\\" in p:
        return "holds a NUL or backslash"
    if p.startswith("/") or (len(p) > 1 and p[1] == ":"):
        return "absolute"
    parts = p.split("/")
    if ".." in parts:
        return "climbs out of the workspace (..)"
    if posixpath.normpath(p) != p or "." in parts:
        return "not normalised"
    if parts[0] in (st.STATE_DIR, ".git"):
        return f"inside {parts[0]}/"
    return None


# -- export ----------------------------------------------------------------------------------------

def export_snapshot(root: Path, dest: Path) -> SnapshotResult:
    """Packs the (up-to-date) index of ``root`` into ``dest``, written atomically."""
    from analyzers.gitrepo import GitError, Repo

    try:
        repo = Repo.open(root)
        head = repo.head()
        roots = repo.root_commits() if head else []
        dirty = repo.dirty_paths() if head else set()
    except GitError as e:
        raise SnapshotRefused(f"{root} is not a git work tree with commits ({e}): a snapshot "
                              "names the commit it indexes; export from a clone") from e
    if not head or not roots:
        raise SnapshotRefused(f"{root} has no commit yet: commit, then export")
    state = st.ensure_state_dir(root)
    fd, tmp_name = tempfile.mkstemp(prefix="export-", suffix=".sqlite", dir=state)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        st.copy_database(state / PAYLOAD, tmp)
        conn = st.open_copy(tmp)
        try:
            listed = st.copy_files(conn)
            drop = {p for p in listed if p in dirty or secret_by_name(p) or bad_path(p)}
            st.drop_copy_paths(conn, drop)
            st.compact_copy(conn)
            files = st.copy_files(conn)
            meta = st.copy_meta(conn)
        finally:
            conn.close()
        payload = tmp.read_bytes()
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "tool_version": __version__,
            "schema_version": int(meta.get("schema_version", "0")),
            "fingerprint": meta.get("fingerprint", ""),
            "repository": {"root_commits": roots, "head": head},
            "payload": {"name": PAYLOAD, "sha256": hashlib.sha256(payload).hexdigest(),
                        "size": len(payload)},
            "files": [[p, h] for p, h in sorted(files.items())],
        }
        size = _write_tar(dest, json.dumps(manifest, separators=(",", ":")).encode(), payload)
    finally:
        tmp.unlink(missing_ok=True)
    return SnapshotResult(path=str(dest), head=head, files=len(files), bytes=size,
                          dropped=len(drop))


def _write_tar(dest: Path, manifest: bytes, payload: bytes) -> int:
    """Writes the tar.gz of both members to ``dest`` through a temporary file and a rename."""
    dest = dest.absolute()
    fd, tmp_name = tempfile.mkstemp(prefix=".snapshot-", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz, \
                    tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name, data in ((MANIFEST, manifest), (PAYLOAD, payload)):
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    info.mode = 0o644
                    tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return dest.stat().st_size


# -- import ----------------------------------------------------------------------------------------

def _refuse_unreadable(src: Path, why: str) -> SnapshotRefused:
    return SnapshotRefused(f"{src} is not a Context Steward index snapshot ({why}): give a file "
                           "written by `ctxsteward index --export`")


def _read_members(src: Path, payload_out: IO[bytes]) -> dict[str, Any]:
    """The manifest of the snapshot ``src``; its payload is copied into ``payload_out``."""
    manifest: dict[str, Any] | None = None
    seen: set[str] = set()
    try:
        with tarfile.open(src, mode="r:gz") as tar:
            for member in tar:
                if member.name in seen or member.name not in (MANIFEST, PAYLOAD) \
                        or not member.isfile():
                    raise _refuse_unreadable(src, f"unexpected member {member.name!r}")
                seen.add(member.name)
                limit = MAX_MANIFEST if member.name == MANIFEST else MAX_PAYLOAD
                if member.size > limit:
                    raise _refuse_unreadable(src, f"{member.name} is too large")
                f = tar.extractfile(member)
                assert f is not None
                if member.name == MANIFEST:
                    manifest = json.loads(f.read())
                else:
                    while chunk := f.read(1 << 20):
                        payload_out.write(chunk)
    except (OSError, EOFError, tarfile.TarError, ValueError, zlib_error()) as e:
        if isinstance(e, FileNotFoundError):
            raise SnapshotRefused(f"{src} does not exist: give the path of a snapshot") from e
        raise _refuse_unreadable(src, str(e) or type(e).__name__) from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or PAYLOAD not in seen:
        raise _refuse_unreadable(src, "no manifest of one, or no index in it")
    return manifest


def zlib_error() -> type[Exception]:
    """zlib's error type (a damaged gzip stream raises it)."""
    import zlib

    return zlib.error


def _check_manifest(src: Path, m: dict[str, Any], fingerprint: str) -> None:
    """Refuses a manifest of another format, schema or settings, or with a bad path."""
    if m.get("format_version") != FORMAT_VERSION or m.get("schema_version") != st.SCHEMA_VERSION:
        raise SnapshotRefused(
            f"{src} was made by Context Steward {m.get('tool_version', '?')} (snapshot format "
            f"{m.get('format_version', '?')}, index schema {m.get('schema_version', '?')}); this "
            f"is {__version__} (format {FORMAT_VERSION}, schema {st.SCHEMA_VERSION}): export it "
            "again with this version, or run `ctxsteward index` to build the index here")
    if m.get("fingerprint") != fingerprint:
        raise SnapshotRefused(
            f"{src} was indexed with other settings (encoding|max file size "
            f"{m.get('fingerprint')!r}, here {fingerprint!r}): import it with the same settings, "
            "or export it again with these")
    files = m.get("files")
    if not isinstance(files, list) or not all(
            isinstance(e, list) and len(e) == 2 and isinstance(e[1], str) for e in files):
        raise _refuse_unreadable(src, "its file list is malformed")
    for path, _ in files:
        why = bad_path(path)
        if why:
            raise SnapshotRefused(f"{src} names the path {path!r}, which is {why}: a snapshot "
                                  "names only paths inside the workspace; it was refused")


def _check_repository(src: Path, root: Path, m: dict[str, Any]) -> str:
    """Refuses a snapshot of another repository, or of a commit this clone does not know;
    returns the snapshot's commit."""
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
        raise SnapshotRefused(
            f"{src} indexes another repository (first commit {str(roots[0])[:12]}, which is not in "
            f"the history of {root}): import a snapshot exported from this repository")
    if not repo.is_ancestor(head, here) and not repo.has_commit(head):
        raise SnapshotRefused(
            f"{src} indexes commit {head[:12]}, which this clone does not have: fetch it "
            "(git fetch), or use a snapshot of a commit in this clone's history")
    return head


def _align(root: Path, conn: sqlite3.Connection, m: dict[str, Any]) -> int:
    """Drops secret-bearing names, checks the payload's rows against the manifest and every path,
    and gives the files whose content is here this checkout's size and mtime (the others are read
    again by the refresh). Returns how many differ."""
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
    st.drop_copy_paths(conn, [p for p in listed if secret_by_name(p)])
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
    return stale


def import_snapshot(root: Path, src: Path, fingerprint: str) -> SnapshotResult:
    """Checks the snapshot ``src`` and installs its index in ``root`` (atomically: on any refusal
    nothing changes). The caller refreshes the index afterwards."""
    state = st.ensure_state_dir(root)
    fd, tmp_name = tempfile.mkstemp(prefix="import-", suffix=".sqlite", dir=state)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            manifest = _read_members(src, out)
        _check_manifest(src, manifest, fingerprint)
        payload = manifest.get("payload")
        digest = hashlib.sha256()
        with tmp.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        if not isinstance(payload, dict) or payload.get("sha256") != digest.hexdigest():
            raise SnapshotRefused(f"{src} is damaged or was tampered with (its index does not "
                                  "match the manifest's hash): it was refused; export it again")
        head = _check_repository(src, root, manifest)
        try:
            conn = st.open_copy(tmp)
        except (sqlite3.Error, st.CacheCorrupt) as e:
            raise _refuse_unreadable(src, f"its index does not open: {e}") from e
        try:
            meta = st.copy_meta(conn)
            if meta.get("schema_version") != str(st.SCHEMA_VERSION) \
                    or meta.get("fingerprint") != fingerprint:
                raise SnapshotRefused(f"{src}: its index's schema or settings differ from its "
                                      "manifest's (tampered with?): it was refused")
            stale = _align(root, conn, manifest)
            files = len(st.copy_files(conn))
        except sqlite3.Error as e:
            raise _refuse_unreadable(src, f"its index is damaged: {e}") from e
        finally:
            conn.close()
        st.install_copy(tmp, state / PAYLOAD)
    finally:
        tmp.unlink(missing_ok=True)
    return SnapshotResult(path=str(src), head=head, files=files, bytes=src.stat().st_size,
                          stale=stale)
