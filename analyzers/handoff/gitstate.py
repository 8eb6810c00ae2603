"""Git state for a handoff note: repository, branch, base and merge-base, commits, changed files.

One git command per kind of fact (never one per commit or per file): ``git log`` for the commits,
``git diff --raw --numstat`` for committed and for uncommitted changes, ``git ls-files --others``
for untracked files, ``git status`` for dirtiness.

Base resolution, unless ``--base`` names one: the upstream branch's merge-base with HEAD (a feature
branch's own remote copy, ``origin/<same name>``, is not a base when a default branch exists);
else the default branch (``origin/HEAD``, ``main``, ``master``, ``origin/main``, ``origin/master``)
unless HEAD is on it; else the root commit.

Every text git gives the note (commit subjects, the branch, origin's URL, the base ref and the
reason naming it) passes through :func:`analyzers.secrets.redact_git` as it is read; git commands
keep the real names.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from analyzers import gitrepo
from analyzers.agentfiles import HELPER_PATHSPECS
from analyzers.app.errors import F, RequestError
from analyzers.app.requests import BASE_HINT
from analyzers.cancel import NEVER, CancelToken
from analyzers.fsutil import is_our_temp
from analyzers.gitrepo import Repo
from analyzers.handoff.note import BaseSource, CommitInfo, FileChange, FileStatus
from analyzers.secrets import redact_git, redact_name, shown_input


class HandoffError(RequestError):
    """Input we cannot work with (not a git repository, an unknown base): one clear message."""


@dataclass(slots=True)
class BaseInfo:
    ref: str | None
    source: BaseSource
    merge_base: str | None  # None only in a repository without commits
    reason: str


@dataclass(slots=True)
class RawChange:
    """One entry of ``git diff --raw``: status letter, paths, the blob at the old side and the
    file modes on both sides (git's octal, ``000000`` for none)."""

    status: str
    path: str
    old_path: str | None
    old_blob: str | None
    old_mode: str = "000000"
    new_mode: str = "000000"


# git's file modes, as people call them (a mode git never writes is shown as it is).
_MODES = {"100644": "a file", "100755": "executable", "120000": "a symlink",
          "160000": "a submodule", "040000": "a folder"}
_ABSENT = "000000"


def mode_words(old: str, new: str) -> str | None:
    """What a change of git's file mode means, in words ("now executable", "no longer
    executable", "now a symlink", "symlink" for one whose target changed); None for a plain
    file whose mode did not change (or one added or deleted as a plain file)."""
    if old == new:
        return _MODES[new].removeprefix("a ") if new in ("120000", "160000") else None
    if old == _ABSENT:  # added
        return _MODES.get(new, f"mode {new}").removeprefix("a ") if new != "100644" else None
    if new == _ABSENT:  # deleted
        return f"was {_MODES[old]}" if old in ("120000", "160000") else None
    if {old, new} == {"100644", "100755"}:
        return "now executable" if new == "100755" else "no longer executable"
    was, now = _MODES.get(old, f"mode {old}"), _MODES.get(new, f"mode {new}")
    return f"now {now}, was {was}"


@dataclass(slots=True)
class GitState:
    root: Path
    repo: Repo
    head: str | None
    branch: str | None
    remote: str | None
    base: BaseInfo
    commits: list[CommitInfo] = field(default_factory=list)
    commits_total: int = 0
    committed: list[FileChange] = field(default_factory=list)
    uncommitted: list[FileChange] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)
    dirty: bool = False
    status_text: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def diff_base(self) -> str:
        """What to diff against for "all work since the base": the merge-base or the empty tree."""
        return self.base.merge_base or empty_tree(self.repo)


_STATUS: dict[str, FileStatus] = {
    "A": "added", "M": "modified", "D": "deleted", "R": "renamed", "C": "copied",
    "T": "type_changed", "U": "modified", "X": "modified",
}


def open_repository(root: Path) -> tuple[Repo, Path]:
    """The repository whose work tree holds ``root``, and that work tree's top folder."""
    root = Path(root).resolve()
    if not root.exists():
        raise HandoffError(f"{root} does not exist")
    top = gitrepo.toplevel(root if root.is_dir() else root.parent)
    elsewhere = gitrepo.worktree_elsewhere(root if root.is_dir() else root.parent) \
        if top is None else None
    if elsewhere is not None:
        raise HandoffError(
            f"the repository in {root} sets its work tree to {elsewhere} (core.worktree), "
            "outside this folder: a handoff note is not built from another folder's state "
            "(unset it with `git config --unset core.worktree` if it is yours)", field="root")
    if top is None:
        raise HandoffError(
            f"{root} is not inside a git work tree: a handoff note is built from git state "
            f"(run it in a repository, or pass {F.root} a folder inside one; `git init` "
            "makes one)", field="root"
        )
    return Repo(top), top.resolve()


def empty_tree(repo: Repo) -> str:
    """The empty tree's object name (what a repository without commits is diffed against)."""
    return repo.text("hash-object", "-t", "tree", os.devnull).strip()


def sanitize_url(url: str) -> str:
    """A remote URL without credentials (``https://user:token@host/...`` -> ``https://host/...``;
    up to the authority's last "@": a password may hold one, ``user:p@ss@host``)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/]*@", r"\1", url.strip())


def head_and_branch(repo: Repo) -> tuple[str | None, str | None]:
    """HEAD's commit (None without commits) and branch (None when detached)."""
    return repo.head(), repo.branch()


def default_branch(repo: Repo) -> str | None:
    """The default branch as a ref name: origin/HEAD's target, else main, master, origin/..."""
    sym = repo.ask("symbolic-ref", "-q", "refs/remotes/origin/HEAD")
    if sym and sym.startswith("refs/remotes/"):
        return sym.removeprefix("refs/remotes/")
    for ref, name in (("refs/heads/main", "main"), ("refs/heads/master", "master"),
                      ("refs/remotes/origin/main", "origin/main"),
                      ("refs/remotes/origin/master", "origin/master")):
        if repo.ask("rev-parse", "-q", "--verify", ref) is not None:
            return name
    return None


def _merge_base(repo: Repo, a: str, b: str) -> str | None:
    return repo.ask("merge-base", a, b) or None


def resolve_base(
    repo: Repo, head: str | None, branch: str | None, explicit: str | None = None,
) -> BaseInfo:
    """Which commit the work is measured from; raises :class:`HandoffError` for a bad base."""
    if head is None:
        return BaseInfo(None, "empty", None, "the repository has no commits yet")
    if explicit:
        try:
            sha = repo.ask("rev-parse", "-q", "--verify",
                           f"{gitrepo.revision(explicit)}^{{commit}}")
        except gitrepo.GitError:  # an option in disguise
            sha = None
        if not sha:
            raise HandoffError(f"{F.base} {shown_input(explicit)} does not name a commit in this "
                               f"repository; {BASE_HINT}", field="base")
        mb = _merge_base(repo, sha, head)
        if mb is None:
            raise HandoffError(f"{F.base} {shown_input(explicit)} shares no history with HEAD; "
                               "use a branch, tag or commit of HEAD's own history (`git log` "
                               "lists its commits)", field="base")
        return BaseInfo(explicit, "explicit", mb, f"merge-base of HEAD and {explicit} (as asked)")

    default = default_branch(repo)
    on_default = branch is not None and default is not None and (
        default == branch or default.split("/", 1)[-1] == branch
    )
    upstream = (
        repo.ask("rev-parse", "--abbrev-ref", "--symbolic-full-name", f"{branch}@{{upstream}}")
        if branch else None
    )
    skipped_upstream = ""
    if upstream:
        own_copy = upstream.split("/", 1)[-1] == branch and "/" in upstream
        if own_copy and default and not on_default:
            skipped_upstream = f" ({upstream} is this branch's own remote copy)"
        else:
            mb = _merge_base(repo, upstream, head)
            if mb:
                why = f"merge-base of HEAD and its upstream {upstream}"
                return BaseInfo(upstream, "upstream", mb, why)
    if default and default != branch:
        mb = _merge_base(repo, default, head)
        if mb:
            why = f"merge-base of HEAD and the default branch {default}"
            return BaseInfo(default, "default_branch", mb, why + skipped_upstream)
    roots = (repo.ask("rev-list", "--max-parents=0", head) or "").split()
    root = roots[-1] if roots else head
    why = "no upstream and no other default branch" if not upstream else "upstream unusable"
    if on_default or default == branch:
        why = f"HEAD is on the default branch {branch} and has no upstream"
    return BaseInfo(root, "root_commit", root, f"the root commit: {why}")


def pathspecs(excludes: list[str]) -> list[str]:
    """The whole work tree but ``excludes`` (paths from the top) and the files ``hooks install``
    leaves beside agents' settings (backups, folder records: not work)."""
    return ["--", ":/", *HELPER_PATHSPECS] + [f":(top,exclude,literal){p}" for p in excludes]


def commits_between(
    repo: Repo, base: str | None, head: str | None, limit: int = 500,
) -> tuple[list[CommitInfo], int]:
    """Commits in ``base..head``, newest first (at most ``limit``), and how many there are."""
    if head is None:
        return [], 0
    rng = f"{base}..{head}" if base else head
    total = int(repo.ask("rev-list", "--count", rng) or 0)
    if total == 0:
        return [], 0
    out = repo.text("log", "--no-color", f"--max-count={limit}", "--format=%H%x00%s%x00", rng)
    parts = out.split("\0")
    commits = []
    for i in range(0, len(parts) - 1, 2):
        sha = parts[i].strip()
        if sha:
            commits.append(CommitInfo(sha=sha, subject=redact_git(parts[i + 1].strip())))
    return commits, total


def parse_raw_numstat(out: str) -> tuple[list[RawChange], dict[str, tuple[int | None, int | None]]]:
    """Parse ``git diff --raw --numstat -z`` output into raw entries and line counts by path."""
    toks = out.split("\0")
    raws: list[RawChange] = []
    counts: dict[str, tuple[int | None, int | None]] = {}
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i].lstrip("\n")
        if not tok:
            i += 1
            continue
        if tok.startswith(":"):
            fields = tok[1:].split()
            if len(fields) < 5:
                i += 1
                continue
            old_blob, letter = fields[2], fields[4][0]
            blob = None if set(old_blob) == {"0"} else old_blob
            modes = fields[0], fields[1]
            if letter in "RC" and i + 2 < n:
                raws.append(RawChange(letter, toks[i + 2], toks[i + 1], blob, *modes))
                i += 3
            elif i + 1 < n:
                raws.append(RawChange(letter, toks[i + 1], None, blob, *modes))
                i += 2
            else:
                i += 1
            continue
        cols = tok.split("\t")
        if len(cols) < 3:
            i += 1
            continue
        added = int(cols[0]) if cols[0].isdigit() else None
        removed = int(cols[1]) if cols[1].isdigit() else None
        if cols[2] == "" and i + 2 < n:  # a rename: old and new paths follow
            counts[toks[i + 2]] = (added, removed)
            i += 3
        else:
            counts[cols[2]] = (added, removed)
            i += 1
    return raws, counts


def diff_raw(
    repo: Repo, a: str, b: str | None, excludes: list[str], *, numstat: bool = True,
) -> tuple[list[RawChange], dict[str, tuple[int | None, int | None]]]:
    """Changes from tree-ish ``a`` to ``b`` (or to the working tree when ``b`` is None)."""
    args = ["diff", "--no-color", *gitrepo.NO_DIFF_PROGRAMS, "-M", "--raw", "-z", "--abbrev=40"]
    if numstat:
        args.append("--numstat")
    args.append(a)
    if b:
        args.append(b)
    return parse_raw_numstat(repo.text(*args, *pathspecs(excludes)))


def to_changes(
    raws: list[RawChange], counts: dict[str, tuple[int | None, int | None]],
) -> list[FileChange]:
    out = []
    for r in raws:
        added, removed = counts.get(r.path, (None, None))
        out.append(FileChange(
            path=r.path, status=_STATUS.get(r.status, "modified"),
            old_path=r.old_path, added=added, removed=removed,
            mode=mode_words(r.old_mode, r.new_mode),
        ))
    out.sort(key=lambda c: (c.path, c.old_path or ""))
    return out


def untracked_files(repo: Repo, excludes: list[str]) -> list[str]:
    out = repo.text("ls-files", "--others", "--exclude-standard", "-z", *pathspecs(excludes))
    # (a temporary file of our own atomic writes, one a killed write left, is not work)
    return sorted({p for p in out.split("\0") if p and not is_our_temp(p.rsplit("/", 1)[-1])})


def untracked_mode(path: Path) -> str | None:
    """An untracked file's mode as git will record it, in words (:func:`mode_words`)."""
    try:
        st = path.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return mode_words(_ABSENT, "120000")
    return mode_words(_ABSENT, "100755") if st.st_mode & stat.S_IXUSR else None


def count_lines(path: Path, max_size: int) -> int | None:
    """Lines in a text file; None for binary, unreadable or oversized files."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > max_size:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def status_text(repo: Repo, excludes: list[str]) -> str:
    """``git status --porcelain -z``; it refreshes git's stat cache, so later diffs are exact."""
    return repo.text("status", "--porcelain=v1", "-z", "--untracked-files=all",
                   "--ignore-submodules=dirty", *pathspecs(excludes))


def read_state(
    root: Path, base: str | None = None, *, excludes: list[str] | None = None,
    max_file_size: int = 1_048_576, token: CancelToken = NEVER,
) -> GitState:
    """Everything the note needs from git, for the work tree holding ``root``."""
    repo, top = open_repository(root)
    excludes = list(excludes or [])
    head, branch = head_and_branch(repo)
    url = repo.config("remote.origin.url")
    remote = redact_git(sanitize_url(url)) if url else None
    info = resolve_base(repo, head, branch, base)
    # Redacted copies for the note; resolve_base above asked git with the real names.
    info = BaseInfo(redact_name(info.ref), info.source, info.merge_base,
                    redact_git(info.reason))
    state = GitState(root=top, repo=repo, head=head, branch=redact_name(branch),
                     remote=remote, base=info)
    token.check()
    state.status_text = status_text(repo, excludes)
    state.dirty = bool(state.status_text.strip("\0"))
    token.check()
    state.commits, state.commits_total = commits_between(repo, info.merge_base, head)
    token.check()
    if head is not None and info.merge_base is not None and info.merge_base != head:
        raws, counts = diff_raw(repo, info.merge_base, head, excludes)
        state.committed = to_changes(raws, counts)
    token.check()
    raws, counts = diff_raw(repo, head or empty_tree(repo), None, excludes)
    uncommitted = to_changes(raws, counts)
    state.untracked = untracked_files(repo, excludes)
    for p in state.untracked:
        n = count_lines(top / p, max_file_size)
        uncommitted.append(FileChange(path=p, status="added", added=n, removed=0 if n is not None
                                      else None, untracked=True, mode=untracked_mode(top / p)))
    uncommitted.sort(key=lambda c: (c.path, c.old_path or ""))
    state.uncommitted = uncommitted
    return state
