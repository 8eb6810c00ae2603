"""Git history from one streamed ``git log`` (:mod:`analyzers.gitrepo`), with renames followed.

We read ``git log --name-status -M -z`` once, newest first, and map every path to its newest name,
so a file's history survives a move. Incremental runs read only ``last..HEAD``.

Commit subjects pass through :func:`analyzers.secrets.redact_git` as they are read: the index (and
every reason or note built from it) never holds a secret a subject carried.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analyzers import gitrepo
from analyzers.cancel import NEVER, CancelToken
from analyzers.gitrepo import Repo
from analyzers.secrets import redact_git


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


def open_repo(root: Path) -> Repo:
    """The repository whose work tree's top folder is ``root`` (:class:`NotAGitRepository`
    for any other folder)."""
    try:
        return Repo.open(root)
    except gitrepo.GitError as e:
        raise NotAGitRepository(f"{root} is not a git repository") from e


def repo_state(repo: Repo) -> RepoState:
    """HEAD, its branch, and whether the clone is shallow. A detached HEAD is no note: the history
    is read from HEAD either way, and it is how CI and ``git bisect`` check out (a warning on
    every command told nothing)."""
    notes: list[str] = []
    head = repo.head()
    if head is None:
        notes.append("the repository has no commits yet: no history to read")
    ref = repo.head_ref()
    branch = None if ref is None else gitrepo.short_ref_name(ref)
    shallow, mark = _shallow(repo.git_dir / "shallow")
    if shallow:
        notes.append("shallow clone: history is truncated, co-change figures cover fewer commits")
    return RepoState(head=head, branch=branch, shallow=shallow, notes=notes, shallow_mark=mark)


def quick_state(root: Path) -> RepoState | None:
    """:func:`repo_state` of the repository whose top folder is ``root``, from one ``git
    rev-parse``: for the common case of a branch or a detached HEAD with commits. None when
    anything is unusual (no commits, not a repository, a HEAD on another kind of ref, git
    missing): ask :func:`repo_state` then."""
    summary = gitrepo.head_summary(root)
    if summary is None:
        return None
    git_dir, head, ref = summary
    if len(head) not in (40, 64) or not all(c in "0123456789abcdef" for c in head):
        return None
    notes: list[str] = []
    if ref == "HEAD":  # detached: no note, as it changes nothing read (CI, a bisect)
        branch = None
    elif ref.startswith("refs/heads/"):
        branch = ref[len("refs/heads/"):]
    else:
        return None
    shallow, mark = _shallow(root / git_dir / "shallow")
    if shallow:
        notes.append("shallow clone: history is truncated, co-change figures cover fewer commits")
    return RepoState(head=head, branch=branch, shallow=shallow, notes=notes, shallow_mark=mark)


def is_ancestor(repo: Repo, older: str, newer: str) -> bool:
    """Whether commit ``older`` is an ancestor of ``newer``."""
    return repo.is_ancestor(older, newer)


def stream_log(
    repo: Repo, rev_range: str, *, token: CancelToken = NEVER, renames: bool = True,
    skip: int = 0,
) -> Iterator[Commit]:
    """Commits of ``rev_range``, newest first, with their name-status changes.

    Rename detection reads blobs; in a partial or damaged clone that lacks some, call again with
    ``renames=False`` (and ``skip`` the commits already read: the order is the same).
    """
    try:
        rev = gitrepo.revision(rev_range)
    except gitrepo.GitError as e:
        raise HistoryError(f"git log {rev_range} failed: {e}") from e
    pending: list[str] = []
    buf = b""
    current: Commit | None = None
    with repo.stream(
        "log", rev, "-z", "--name-status", "-M" if renames else "--no-renames", "--no-merges",
        "--format=%x01%H %ct %s", "--no-color", *([f"--skip={skip}"] if skip else []),
    ) as proc:  # git is killed and reaped when the caller stops early
        read = proc.stdout.read
        while True:
            token.check()
            chunk = read(1 << 16)
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
        code, err = proc.finish()
        if code != 0:
            why = err.strip() or f"exit status {code}"
            raise HistoryError(f"git log {rev_range} failed: {why}")


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
            current = Commit(sha=sha, time=int(ctime or 0), subject=redact_git(subject))
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
