"""Every ``git`` run of Context Steward, and the rules all of them follow.

Nothing else in the code starts git. Each run here:

- is an argument list, never a shell line, run in the work tree with ``git -C ROOT``;
- reads its standard input from ``/dev/null``: a language or MCP server's stdin is its protocol
  channel, and git must never read from it;
- passes ``-c core.quotePath=false``, so paths come back as their raw UTF-8 bytes, never C-quoted;
- runs with ``LC_ALL=C`` and ``LANGUAGE=C``: git's messages are the English ones the callers look
  for (``unable to read``) and show, whatever the user's locale;
- refuses a revision that starts with ``-`` (:func:`revision`): git would take it for an option;
- when it can print a patch (``git diff``), passes :data:`NO_DIFF_PROGRAMS`: an external diff or a
  textconv driver named in the repository's configuration is a program, and reading a repository
  must not run its programs;
- runs no other program a repository's own configuration (``.git/config``, a worktree's, what they
  include) or hooks folder names either: never its ``core.fsmonitor`` hook, no signature program
  (``log.showSignature`` off), none of git's own hooks (``core.hooksPath=/dev/null``; with
  ``--no-optional-locks`` ``status`` writes no index), no look into a submodule's work tree
  (its own drivers and hooks), all :data:`GLOBAL_OPTIONS` and ``_SUBCOMMAND_OPTIONS``; and, for
  the commands that compare work-tree files with the index (``status``, ``diff``,
  ``hash-object``: :data:`FILTERING`), none of its clean, smudge or process filter drivers
  (:func:`filter_overrides`, given as ``GIT_CONFIG_COUNT`` settings). A folder received with
  its ``.git`` (an archive, a shared disk) is read without running what it names. Drivers
  from the user's own configuration (global, system) and git-lfs's standard commands still run.

History is read by one streamed ``git log`` (:func:`stream`), never a git run per commit, and
blobs by one ``git cat-file --batch`` (:class:`BlobReader`), never a git run per file. A failure
is a :class:`GitError` (or ``None`` from the ``try_`` and ``ask`` forms), never a crash.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Command-line options every run passes before the subcommand: raw paths, and none of the
# programs a repository's configuration can name for every command (an fsmonitor hook, a
# signature verifier, a hook git itself runs: ``post-index-change`` when ``status`` refreshes
# the index, which with ``--no-optional-locks`` it does not write either). A setting given with
# ``-c`` wins over every configuration file, and reaches the git runs git starts itself.
GLOBAL_OPTIONS = ("--no-optional-locks", "-c", "core.quotePath=false",
                  "-c", "core.fsmonitor=false", "-c", "log.showSignature=false",
                  "-c", "core.hooksPath=/dev/null")
# Options of the subcommands that compare the work tree: a submodule's own work tree is not
# looked into (``git status`` in it would run its own filters and hooks); its commit is.
_SUBCOMMAND_OPTIONS = {"status": ("--ignore-submodules=dirty",),
                       "diff": ("--ignore-submodules=dirty",)}
# The subcommands that may run a filter driver on work-tree files (clean, smudge, process).
FILTERING = frozenset({"status", "diff", "diff-files", "diff-index", "hash-object", "add"})
# git-lfs's own driver commands (``git lfs install``): run, whoever configured them.
_LFS_COMMANDS = frozenset({"git-lfs clean -- %f", "git-lfs smudge -- %f", "git-lfs filter-process",
                           "git-lfs smudge --skip -- %f", "git-lfs filter-process --skip"})
_REPO_SCOPES = frozenset({"local", "worktree"})
# For every command that can print a patch: no external diff, no textconv driver.
NO_DIFF_PROGRAMS = ("--no-ext-diff", "--no-textconv")


class GitError(Exception):
    """git could not run, timed out, refused an argument, or exited with an error status.

    ``str()`` is ``git SUBCOMMAND failed: REASON`` (``REASON`` alone without a command)."""

    def __init__(self, what: str, reason: str, *, returncode: int | None = None) -> None:
        super().__init__(f"{what} failed: {reason}" if what else reason)
        self.reason = reason
        self.returncode = returncode  # None: git did not run to its end (missing, timed out)


class NotARepository(GitError):
    """The folder is not the top folder of a git work tree."""


def revision(rev: str) -> str:
    """``rev`` unchanged, or :class:`GitError` when git could take it for an option."""
    if rev.startswith("-") or "\0" in rev:
        raise GitError("", f"refused the revision {rev!r}: git could take it for an option")
    return rev


def _argv(root: Path | str, args: tuple[str, ...]) -> list[str]:
    """The command line of ``git args`` in ``root``, with the options every run passes."""
    sub = _SUBCOMMAND_OPTIONS.get(args[0], ()) if args else ()
    return ["git", "-C", str(root), *GLOBAL_OPTIONS, *args[:1], *sub, *args[1:]]


def _run_env(root: Path | str, args: tuple[str, ...]) -> dict[str, str]:
    """The environment of ``git args`` in ``root``: :func:`_env`, and for a command that may
    filter work-tree files the repository's filter drivers switched off (as environment
    settings: a driver's name may hold a "=", which ``-c`` would split at)."""
    env = _env()
    if args and args[0] in FILTERING:
        pairs = filter_overrides(root)
        if pairs:
            try:
                n = int(env.get("GIT_CONFIG_COUNT", "0"))
            except ValueError:
                n = 0
            for i, (key, value) in enumerate(pairs, start=n):
                env[f"GIT_CONFIG_KEY_{i}"] = key
                env[f"GIT_CONFIG_VALUE_{i}"] = value
            env["GIT_CONFIG_COUNT"] = str(n + len(pairs))
    return env


def filter_overrides(root: Path | str) -> tuple[tuple[str, str], ...]:
    """Settings (key, value) that switch off every filter driver (``filter.NAME.clean``,
    ``.smudge``, ``.process``) the repository's own configuration defines, git-lfs's standard
    commands excepted: a repository's configuration is not the user's, and its drivers are
    programs.

    One ``git config`` run (it reads files and runs nothing). Where git cannot tell a setting's
    scope (before 2.26) every driver found is switched off. A driver switched off is not
    required either: git then compares the file as it is (``git status`` may list a file such a
    filter would have shown unchanged)."""
    argv = ["git", "-C", str(root), *GLOBAL_OPTIONS, "config", "-z", "--show-scope",
            "--get-regexp", r"^filter\."]
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                              check=False, env=_env())
    except (OSError, subprocess.SubprocessError):
        return ()
    scoped = proc.returncode == 0
    found = proc.stdout
    if proc.returncode not in (0, 1):  # 1: no such setting; else an old git without scopes
        try:
            proc = subprocess.run(argv[:-4] + ["-z", "--get-regexp", r"^filter\."],
                                  stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                                  check=False, env=_env())
        except (OSError, subprocess.SubprocessError):
            return ()
        found = proc.stdout if proc.returncode == 0 else b""
    drivers: dict[str, bool] = {}  # name -> whether it is switched off
    fields = found.decode("utf-8", "surrogateescape").split("\0")
    if fields and not fields[-1]:
        fields.pop()
    # -z: "KEY\nVALUE\0" each, after "SCOPE\0" with --show-scope
    pairs = zip(fields[::2], fields[1::2], strict=False) if scoped else \
        (("local", f) for f in fields)
    for scope, entry in pairs:
        key, _, value = entry.partition("\n")
        name, _, setting = key[len("filter."):].rpartition(".")
        if not name or setting not in ("clean", "smudge", "process"):
            continue
        repo_owned = scope in _REPO_SCOPES and value.strip() not in _LFS_COMMANDS
        drivers[name] = drivers.get(name, False) or repo_owned
    out: list[tuple[str, str]] = []
    for name, off in sorted(drivers.items()):
        if off:
            out += [(f"filter.{name}.{setting}", value) for setting, value in
                    (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false"))]
    return tuple(out)


def _env() -> dict[str, str]:
    """The environment of every git run: the caller's, with git's messages in English."""
    return {**os.environ, "LC_ALL": "C", "LANGUAGE": "C"}


def _what(args: tuple[str, ...]) -> str:
    """``git SUBCOMMAND``, for messages."""
    return f"git {args[0]}" if args else "git"


def run(root: Path | str, *args: str, timeout: float | None = None,
        stdin: bytes | None = None) -> bytes:
    """The standard output of ``git args`` run in ``root`` (``stdin`` written to its input);
    :class:`GitError` when git cannot run, times out or ends with an error status."""
    try:
        proc = subprocess.run(_argv(root, args), input=stdin,
                              stdin=subprocess.DEVNULL if stdin is None else None,
                              capture_output=True, timeout=timeout, check=False,
                              env=_run_env(root, args))
    except (OSError, subprocess.SubprocessError) as e:
        raise GitError(_what(args), str(e)) from e
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(_what(args), err[-1] if err else f"exit status {proc.returncode}",
                       returncode=proc.returncode)
    return proc.stdout


def try_run(root: Path | str, *args: str, timeout: float | None = None) -> bytes | None:
    """:func:`run`, or None when git fails."""
    try:
        return run(root, *args, timeout=timeout)
    except GitError:
        return None


class GitProcess:
    """A git command whose output is read while it runs (see :func:`stream`)."""

    def __init__(self, root: Path | str, args: tuple[str, ...], *, writable: bool = False
                 ) -> None:
        self.what = _what(args)
        try:
            self._proc = subprocess.Popen(
                _argv(root, args), stdin=subprocess.PIPE if writable else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_run_env(root, args))
        except OSError as e:
            raise GitError(self.what, str(e)) from e
        self._ended: tuple[int, str] | None = None

    @property
    def stdout(self) -> IO[bytes]:
        """git's standard output, to read as it comes."""
        assert self._proc.stdout is not None
        return self._proc.stdout

    @property
    def stdin(self) -> IO[bytes]:
        """git's standard input (a process started ``writable``)."""
        assert self._proc.stdin is not None
        return self._proc.stdin

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The output in pieces of at most ``size`` bytes, until git closes it."""
        read = self.stdout.read
        while chunk := read(size):
            yield chunk

    def finish(self) -> tuple[int, str]:
        """Wait for git to end by itself (its output was read to the end): (exit status,
        stderr)."""
        if self._ended is None:
            _, err = self._proc.communicate()
            self._ended = (self._proc.returncode, (err or b"").decode("utf-8", "replace"))
        return self._ended

    def close(self) -> tuple[int, str]:
        """End git (killed when it still runs: the caller stopped reading) and reap it."""
        if self._ended is None and self._proc.poll() is None:
            try:
                self._proc.kill()
            except OSError:
                pass
        return self.finish()

    def __enter__(self) -> GitProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def stream(root: Path | str, *args: str) -> GitProcess:
    """``git args`` in ``root``, started with its output to read as it comes; use it in a
    ``with`` block (git is killed and reaped at its end). :class:`GitError` when git cannot
    start."""
    return GitProcess(root, args)


def _named_toplevel(path: Path | str) -> Path | None:
    out = try_run(path, "rev-parse", "--show-toplevel", timeout=30)
    text = out.decode("utf-8", "surrogateescape").strip() if out is not None else ""
    return Path(text) if text else None


def _holds(top: Path, path: Path | str) -> bool:
    try:
        return Path(path).resolve().is_relative_to(top.resolve())
    except (OSError, RuntimeError):
        return False


def toplevel(path: Path | str) -> Path | None:
    """The top folder of the git work tree holding ``path``; None outside git (or without
    git), and None when git names a work tree that does not hold ``path`` (a repository's
    ``core.worktree`` pointing elsewhere: see :func:`worktree_elsewhere`)."""
    top = _named_toplevel(path)
    return top if top is not None and _holds(top, path) else None


def worktree_elsewhere(path: Path | str) -> Path | None:
    """The work tree git names for ``path`` when it neither is nor holds ``path``: a
    repository's ``core.worktree`` set to another folder (``/home/you``). Such a folder is
    read as a plain folder: the workspace is never taken to be somewhere else."""
    top = _named_toplevel(path)
    return top if top is not None and not _holds(top, path) else None


def git_dir(root: Path | str, *, timeout: float | None = 10) -> Path | None:
    """The absolute path of the repository folder (``.git``, or a worktree's) of ``root``."""
    out = try_run(root, "rev-parse", "--absolute-git-dir", timeout=timeout)
    text = out.decode("utf-8", "surrogateescape").strip() if out is not None else ""
    return Path(text) if text else None


def ls_files(root: Path | str) -> list[str]:
    """Tracked files plus untracked files git does not ignore, under ``root``, sorted, as
    POSIX paths from the work tree's top (non-UTF-8 bytes kept as surrogate escapes);
    :class:`GitError` when git fails."""
    out = run(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
              "--full-name", ".", timeout=300)
    return sorted({n for n in out.decode("utf-8", "surrogateescape").split("\0") if n})


def head_summary(root: Path | str, *, timeout: float | None = 60) -> tuple[str, str, str] | None:
    """(repository folder as git printed it, HEAD's sha, HEAD's full ref name or ``HEAD`` when
    detached) from one ``git rev-parse``; None when HEAD has no commit or git fails."""
    out = try_run(root, "rev-parse", "--git-dir", "HEAD", "--symbolic-full-name", "HEAD",
                  timeout=timeout)
    if out is None:
        return None
    lines = out.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) != 3:
        return None
    return lines[0], lines[1], lines[2]


def short_ref_name(ref: str) -> str:
    """A ref's name without its first two parts (``refs/heads/a/b`` -> ``a/b``)."""
    parts = ref.split("/", 2)
    return parts[2] if len(parts) == 3 else ref


@dataclass
class Repo:
    """A git work tree, by its top folder: git run in it and the facts asked of it."""

    root: Path
    _git_dir: Path | None = field(default=None, repr=False)

    @classmethod
    def open(cls, root: Path | str) -> Repo:
        """The work tree whose top folder is ``root``; :class:`NotARepository` for any other
        folder (a subfolder of a work tree included)."""
        path = Path(root)
        top = toplevel(path)
        try:
            same = top is not None and top.resolve() == path.resolve()
        except (OSError, RuntimeError):
            same = False
        if not same:
            raise NotARepository("", f"{path} is not the top folder of a git work tree")
        return cls(path)

    # -- running git ---------------------------------------------------------------------------
    def run(self, *args: str, timeout: float | None = None) -> bytes:
        """:func:`run` in this work tree."""
        return run(self.root, *args, timeout=timeout)

    def text(self, *args: str) -> str:
        """``git args``'s output as text (UTF-8, undecodable bytes replaced), never stripped."""
        return self.run(*args).decode("utf-8", "replace")

    def ask(self, *args: str) -> str | None:
        """``git args``'s output as text, stripped; None when git fails."""
        try:
            return self.text(*args).strip()
        except GitError:
            return None

    def stream(self, *args: str) -> GitProcess:
        """:func:`stream` in this work tree."""
        return stream(self.root, *args)

    def blobs(self) -> BlobReader:
        """A reader of this repository's blobs (close it, or use it in a ``with`` block)."""
        return BlobReader(self.root)

    # -- facts ---------------------------------------------------------------------------------
    @property
    def git_dir(self) -> Path:
        """The repository folder (``.git``, or a worktree's folder inside it)."""
        if self._git_dir is None:
            found = git_dir(self.root, timeout=None)
            self._git_dir = found if found is not None else self.root / ".git"
        return self._git_dir

    def head(self) -> str | None:
        """HEAD's commit sha; None in a repository without commits."""
        return self.ask("rev-parse", "-q", "--verify", "HEAD") or None

    def head_ref(self) -> str | None:
        """The ref HEAD points at (``refs/heads/main``, also before the first commit); None
        when HEAD is detached."""
        return self.ask("symbolic-ref", "-q", "HEAD") or None

    def branch(self) -> str | None:
        """HEAD's branch name (``main``, ``feature/x``); None when HEAD is detached."""
        ref = self.head_ref()
        return None if ref is None else short_ref_name(ref)

    def config(self, key: str) -> str | None:
        """A configuration value (the last one set), or None."""
        return self.ask("config", "--get", key)

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether commit ``older`` is an ancestor of ``newer`` (False when git cannot say)."""
        try:
            self.run("merge-base", "--is-ancestor", revision(older), revision(newer))
        except GitError:
            return False
        return True

    def root_commits(self, rev: str = "HEAD") -> list[str]:
        """The commits without parents in ``rev``'s history (its first commits), sorted."""
        out = self.ask("rev-list", "--max-parents=0", revision(rev))
        return sorted(out.split()) if out else []

    def is_shallow(self) -> bool:
        """Whether this clone's history is cut (``git clone --depth``)."""
        return (self.ask("rev-parse", "--is-shallow-repository") or "").strip() == "true"

    def has_commit(self, sha: str) -> bool:
        """Whether commit ``sha`` is in this repository's object store."""
        return self.ask("cat-file", "-e", f"{revision(sha)}^{{commit}}") is not None

    def dirty_paths(self) -> set[str]:
        """Paths whose work-tree content differs from HEAD's: modified, staged, untracked (not
        ignored), renamed (both names)."""
        out = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all",
                       "--no-renames").decode("utf-8", "surrogateescape")
        return {entry[3:] for entry in out.split("\0") if len(entry) > 3}


class BlobReader:
    """Blobs by sha, all from one ``git cat-file --batch`` started on the first read."""

    def __init__(self, root: Path | str) -> None:
        self.root = root
        self._proc: GitProcess | None = None

    def read(self, sha: str, max_size: int) -> bytes | None:
        """The blob's content; None when it is larger than ``max_size`` bytes. ValueError for a
        sha the repository does not hold, :class:`GitError` when git fails."""
        if not sha or len(sha) > 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ValueError(f"not an object name: {sha!r}")
        if self._proc is None:
            self._proc = GitProcess(self.root, ("cat-file", "--batch"), writable=True)
        try:
            self._proc.stdin.write(sha.encode("ascii") + b"\n")
            self._proc.stdin.flush()
            header = self._proc.stdout.readline()
        except OSError as e:
            raise GitError("git cat-file", str(e)) from e
        parts = header.split()
        if len(parts) == 2 and parts[1] == b"missing":
            raise ValueError(f"{sha} is not in the repository")
        if len(parts) != 3 or not parts[2].isdigit():
            self.close()
            raise GitError("git cat-file", f"it answered {header[:80]!r}")
        size = int(parts[2])
        if size > max_size:
            self._skip(size + 1)  # the content and its newline
            return None
        data = self._exactly(size)
        self._exactly(1)
        return data

    def _exactly(self, n: int) -> bytes:
        """``n`` bytes of git's output; :class:`GitError` when it ends before."""
        chunks: list[bytes] = []
        left = n
        while left > 0:
            chunk = self._stdout().read(left)
            if not chunk:
                self.close()
                raise GitError("git cat-file", "it ended in the middle of an object")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _skip(self, n: int) -> None:
        """Read and drop ``n`` bytes of git's output."""
        while n > 0:
            n -= len(self._exactly(min(n, 1 << 16)))

    def _stdout(self) -> IO[bytes]:
        """The running cat-file's output."""
        assert self._proc is not None
        return self._proc.stdout

    def close(self) -> None:
        """End git's cat-file (no more reads)."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        try:
            proc.finish()  # closes git's input: cat-file ends there
        except OSError:
            proc.close()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def commit_messages(root: Path | str, shas: list[str], *, timeout: float | None = 30
                    ) -> dict[str, str]:
    """The full message (subject and body) of each commit of ``shas``, by sha; the commits git
    cannot show are left out. One ``git show -s`` for all of them (no diff is computed)."""
    return {sha: message for sha, (_, message)
            in authored_messages(root, shas, timeout=timeout).items()}


def authored_messages(root: Path | str, shas: list[str], *, timeout: float | None = 30,
                      body: bool = True) -> dict[str, tuple[str, str]]:
    """:func:`commit_messages` with each commit's author: sha -> ("Name <email>", message);
    ``body=False``: the subject only (the author is what is wanted)."""
    if not shas:
        return {}
    revs = [revision(s) for s in shas]
    what = "%B" if body else "%s"
    out = try_run(root, "show", "-s", "--no-color", f"--format=%x01%H%x02%an <%ae>%x02{what}",
                  *revs, timeout=timeout)
    if out is None:
        return {}
    messages: dict[str, tuple[str, str]] = {}
    for record in out.decode("utf-8", "replace").split("\x01")[1:]:
        sha, _, rest = record.partition("\x02")
        author, _, message = rest.partition("\x02")
        messages[sha.strip()] = (author, message.rstrip("\n"))
    return messages
