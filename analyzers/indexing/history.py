"""Git history from one streamed ``git log`` (gitpython), with renames followed.

We read ``git log --name-status -M -z`` once, newest first, and map every path to its newest name,
so a file's history survives a move. Incremental runs read only ``last..HEAD``.

Commit subjects pass through :func:`analyzers.secrets.redact` as they are read: the index (and
every reason or note built from it) never holds a secret a subject carried.
"""

from __future__ import annotations

import subprocess
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.cancel import NEVER, CancelToken
from analyzers.secrets import redact

if TYPE_CHECKING:
    import git  # imported where used: a warm run with nothing new never needs gitpython


@dataclass(slots=True)
class Change:
    status: str  # A, M, D, R, C, T
    path: str
    old_path: str | None = None


@dataclass(slots=True)
class Commit:
    sha: str
    time: int
    subject: str
    changes: list[Change] = field(default_factory=list)


def _shallow(path: Path) -> tuple[bool, str]:
    """Whether the clone is shallow, and a mark of its boundary (the ``shallow`` file's hash)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False, ""
    except OSError:
        return True, "unreadable"
    import hashlib  # only for shallow clones: its OpenSSL start-up costs every warm query

    return True, hashlib.blake2b(data, digest_size=8).hexdigest()


@dataclass(slots=True)
class RepoState:
    head: str | None  # None for an empty repository (no commits)
    branch: str | None  # None for a detached HEAD
    shallow: bool
    notes: list[str]
    shallow_mark: str = ""  # identifies the shallow boundary: changes when a clone is deepened


class NotAGitRepository(Exception):
    pass


class HistoryError(Exception):
    pass


def open_repo(root: Path) -> git.Repo:
    import git

    try:
        return git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as e:
        raise NotAGitRepository(f"{root} is not a git repository") from e


def repo_state(repo: git.Repo) -> RepoState:
    notes: list[str] = []
    try:
        head: str | None = repo.head.commit.hexsha
    except ValueError:
        head = None
        notes.append("the repository has no commits yet: no history to read")
    branch = None if repo.head.is_detached else repo.head.ref.name
    if head is not None and repo.head.is_detached:
        notes.append(f"detached HEAD at {head[:12]}")
    shallow, mark = _shallow(Path(repo.git_dir) / "shallow")
    if shallow:
        notes.append("shallow clone: history is truncated, co-change figures cover fewer commits")
    return RepoState(head=head, branch=branch, shallow=shallow, notes=notes, shallow_mark=mark)


def quick_state(root: Path) -> RepoState | None:
    """:func:`repo_state` of the repository whose top folder is ``root``, from one ``git
    rev-parse`` and without gitpython: for the common case of a branch or a detached HEAD with
    commits. None when anything is unusual (no commits, not a repository, a HEAD on another kind
    of ref, git missing): ask :func:`repo_state` then."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--git-dir", "HEAD",
             "--symbolic-full-name", "HEAD"],
            capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if proc.returncode != 0 or len(lines) != 3:
        return None
    git_dir, head, ref = lines
    if len(head) not in (40, 64) or not all(c in "0123456789abcdef" for c in head):
        return None
    notes: list[str] = []
    if ref == "HEAD":
        branch = None
        notes.append(f"detached HEAD at {head[:12]}")
    elif ref.startswith("refs/heads/"):
        branch = ref[len("refs/heads/"):]
    else:
        return None
    shallow, mark = _shallow(root / git_dir / "shallow")
    if shallow:
        notes.append("shallow clone: history is truncated, co-change figures cover fewer commits")
    return RepoState(head=head, branch=branch, shallow=shallow, notes=notes, shallow_mark=mark)


def is_ancestor(repo: git.Repo, older: str, newer: str) -> bool:
    import git

    try:
        repo.git.merge_base("--is-ancestor", older, newer)
        return True
    except git.GitCommandError:
        return False


def stream_log(
    repo: git.Repo, rev_range: str, *, token: CancelToken = NEVER, renames: bool = True,
    skip: int = 0,
) -> Iterator[Commit]:
    """Commits of ``rev_range``, newest first, with their name-status changes.

    Rename detection reads blobs; in a partial or damaged clone that lacks some, call again with
    ``renames=False`` (and ``skip`` the commits already read: the order is the same).
    """
    proc = repo.git.log(
        rev_range, "-z", "--name-status", "-M" if renames else "--no-renames", "--no-merges",
        "--format=%x01%H %ct %s", "--no-color", *([f"--skip={skip}"] if skip else []),
        as_process=True,
    )
    stdout = proc.proc.stdout
    assert stdout is not None
    pending: list[str] = []
    buf = b""
    current: Commit | None = None
    try:
        while True:
            token.check()
            chunk = stdout.read(1 << 16)
            if not chunk:
                break
            buf += chunk
            *parts, buf = buf.split(b"\0")
            # "replace": a Latin-1 commit message or a non-UTF-8 file name must not break the
            # SQLite cache (which rejects lone surrogates) or the JSON output.
            for raw in parts:
                pending.append(raw.decode("utf-8", "replace"))
            current = yield from _consume(pending, current, final=False)
        if buf:
            pending.append(buf.decode("utf-8", "replace"))
        current = yield from _consume(pending, current, final=True)
        if current is not None:
            yield current
        code = proc.proc.wait()
        if code != 0:
            stderr = proc.proc.stderr
            err = stderr.read().decode("utf-8", "replace").strip() if stderr else ""
            raise HistoryError(f"git log {rev_range} failed: {err or f'exit status {code}'}")
    finally:
        try:
            proc.proc.kill()
        except OSError:
            pass
        proc.proc.wait()


def without_renames(changes: list[Change]) -> list[Change]:
    """The changes as ``--no-renames`` reports them: a rename is a deletion and an addition."""
    out: list[Change] = []
    for ch in changes:
        if ch.status == "R" and ch.old_path is not None:
            out.append(Change("D", ch.old_path))
            out.append(Change("A", ch.path))
        elif ch.status == "C":
            out.append(Change("A", ch.path))
        else:
            out.append(ch)
    return out


def _consume(
    pending: list[str], current: Commit | None, *, final: bool
) -> Generator[Commit, None, Commit | None]:
    i = 0
    n = len(pending)
    while i < n:
        tok = pending[i].lstrip("\n")
        if tok.startswith("\x01"):
            if current is not None:
                yield current
            sha, _, rest = tok[1:].partition(" ")
            ctime, _, subject = rest.partition(" ")
            current = Commit(sha=sha, time=int(ctime or 0), subject=redact(subject))
            i += 1
            continue
        if not tok:
            i += 1
            continue
        status = tok[0]
        need = 2 if status in "RC" else 1
        if i + need >= n and not final:
            break  # wait for the rest of this record
        if current is None:
            i += 1 + need
            continue
        if status in "RC" and i + 2 < n + 1:
            old = pending[i + 1] if i + 1 < n else ""
            new = pending[i + 2] if i + 2 < n else ""
            current.changes.append(Change(status, new, old))
        elif i + 1 < n:
            current.changes.append(Change(status, pending[i + 1]))
        i += 1 + need
    del pending[:i]
    return current
