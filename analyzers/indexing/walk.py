"""The workspace walk: which files belong to the repository, and which we skip and why.

In a git work tree: tracked files plus untracked files git does not ignore (one ``git ls-files``).
Outside git: every file minus ``.gitignore`` matches (pathspec's gitignore semantics). Either way,
settings' ``exclude`` globs apply too. Reading and classifying content (binary, undecodable) happens
where the file is read, in :mod:`analyzers.indexing.filefacts`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from analyzers import gitrepo
from analyzers.cancel import NEVER, CancelToken
from analyzers.printable import plural

if TYPE_CHECKING:
    import pathspec

STATE_DIR = ".ctxsteward"
FOREIGN_SHOWN = 5
ALWAYS_SKIPPED_DIRS = frozenset({".git", STATE_DIR, ".hg", ".svn"})


class Entry(NamedTuple):  # a tuple: thousands are made on every warm start
    path: str  # POSIX path relative to the root
    size: int
    mtime_ns: int


@dataclass(slots=True, frozen=True)
class Skip:
    path: str
    reason: str  # too_large, symlink_outside_root, symlink, broken_symlink, symlink_loop, ...
    detail: str = ""


@dataclass(slots=True)
class WalkResult:
    root: Path
    entries: list[Entry]
    skipped: list[Skip]
    in_git: bool
    notes: list[str]


class NotAWorkspace(NotADirectoryError):
    """A folder that must not be indexed: git's own folder (``.git/``) or a bare repository."""


def _is_git_dir(path: Path) -> bool:
    """Whether ``path`` is a git repository's own folder (``.git``, or a bare repository)."""
    if path.name == ".git":
        return path.is_dir()
    return (path / "HEAD").is_file() and (path / "objects").is_dir() \
        and (path / "refs").is_dir() and (path / "config").is_file()


def refuse_git_internals(path: Path) -> None:
    """Raise :class:`NotAWorkspace` when ``path`` (resolved) is, or is inside, git's own folder
    or a bare repository: their files are git's internals, not a workspace, and the cache must
    not be written among them. The one check every edge (CLI, LSP, MCP) makes on its root."""
    for p in (path, *path.parents):
        if not _is_git_dir(p):
            continue
        if p.name == ".git":
            where = "is" if p == path else f"is inside {p}, which is"
            raise NotAWorkspace(
                f"{path} {where} git's own folder, not a work tree: run Context Steward in "
                f"the work tree {p.parent}")
        where = "is" if p == path else f"is inside {p}, which is"
        if not _is_bare(p):  # ``git init --separate-git-dir``: the work tree is elsewhere
            raise NotAWorkspace(
                f"{path} {where} a separate git directory (git's own folder, kept apart from "
                "its work tree): run Context Steward in the work tree")
        raise NotAWorkspace(
            f"{path} {where} a bare git repository (git's internals, no work tree): run "
            "Context Steward in a clone or a worktree of it")


def _is_bare(git_dir: Path) -> bool:
    """Whether the git folder ``git_dir`` says it has no work tree (``core.bare = true``)."""
    try:
        config = (git_dir / "config").read_text("utf-8", "replace")
    except OSError:
        return True
    return re.search(r"(?im)^\s*bare\s*=\s*(true|yes|on|1)\s*$", config) is not None


def workspace_root(start: Path) -> Path:
    """The workspace for ``start`` (a folder, or a file's folder): its git work tree, else the
    folder itself; git's own folder or a bare repository is refused (:class:`NotAWorkspace`)."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    refuse_git_internals(start)
    return gitrepo.toplevel(start) or start


def _gitignore_spec(root: Path, rel_dir: str, specs: dict[str, pathspec.PathSpec]) -> None:
    ignore = root / rel_dir / ".gitignore"
    if ignore.is_file():
        try:
            lines = ignore.read_text("utf-8", "replace").splitlines()
        except OSError:
            return
        import pathspec  # only outside git, or with exclude globs: not on every warm start

        specs[rel_dir] = pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(rel: str, is_dir: bool, specs: dict[str, pathspec.PathSpec]) -> bool:
    """Git's rule: the deepest ``.gitignore`` with a matching pattern decides (so a nested
    ``!keep.log`` re-includes what a parent's ``*.log`` ignores); within a file the last match."""
    probe = rel + "/" if is_dir else rel
    for base in sorted(specs, key=len, reverse=True):
        if base and not probe.startswith(base + "/"):
            continue
        sub = probe[len(base) + 1:] if base else probe
        decision = specs[base].check_file(sub).include
        if decision is not None:
            return decision
    return False


NOT_OURS_DIRS = frozenset({"node_modules"})


def foreign_folder(full: str, name: str) -> str | None:
    """Why a folder found outside git is not the workspace's own files (a virtualenv,
    ``node_modules``, a nested repository, which has its own index), else None."""
    if name in NOT_OURS_DIRS:
        return name
    if os.path.isfile(os.path.join(full, "pyvenv.cfg")) or _old_virtualenv(full):
        return "a virtualenv"
    if os.path.isdir(os.path.join(full, "conda-meta")):
        return "a conda environment"
    if os.path.lexists(os.path.join(full, ".git")):
        return "a nested git repository"
    return None


def _old_virtualenv(full: str) -> bool:
    """A virtualenv made without ``pyvenv.cfg`` (old ``virtualenv``): an activate script and
    a site-packages folder."""
    if os.path.isfile(os.path.join(full, "bin", "activate")):
        lib = os.path.join(full, "lib")
        try:
            return any(n.startswith("python") and
                       os.path.isdir(os.path.join(lib, n, "site-packages"))
                       for n in os.listdir(lib))
        except OSError:
            return False
    return os.path.isfile(os.path.join(full, "Scripts", "activate")) and \
        os.path.isdir(os.path.join(full, "Lib", "site-packages"))


def _plain_files(root: Path, token: CancelToken,
                 foreign: list[tuple[str, str]] | None = None) -> list[str]:
    """Every file under ``root`` minus ``.gitignore`` matches; folders that are not the
    workspace's own (:func:`foreign_folder`) are not entered, and listed in ``foreign``."""
    specs: dict[str, pathspec.PathSpec] = {}
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        token.check()
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        _gitignore_spec(root, rel_dir, specs)
        keep = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d in ALWAYS_SKIPPED_DIRS or _ignored(rel, True, specs):
                continue
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                out.append(rel)  # not descended: classified (and recorded) as a symlink
                continue
            why = foreign_folder(full, d)
            if why is not None:
                if foreign is not None:
                    foreign.append((rel, why))
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            rel = f"{rel_dir}/{f}" if rel_dir else f
            if not _ignored(rel, False, specs):
                out.append(rel)
    return out


def walk(
    root: Path,
    *,
    max_file_size: int = 1_048_576,
    exclude: list[str] | None = None,
    token: CancelToken = NEVER,
) -> WalkResult:
    """List the files of the workspace at ``root`` with their size and mtime."""
    root = root.resolve()
    refuse_git_internals(root)
    names, in_git, notes = _list_names(root, token)
    exclude_spec = None
    if exclude:
        import pathspec

        exclude_spec = pathspec.GitIgnoreSpec.from_lines(exclude)
    entries, skipped = _stat_files(root, names, in_git, max_file_size, exclude_spec, token)
    return WalkResult(root=root, entries=entries, skipped=skipped, in_git=in_git, notes=notes)


def _list_names(root: Path, token: CancelToken) -> tuple[list[str], bool, list[str]]:
    """(names, in git, notes): the workspace's files as git lists them when ``root`` is in a
    git work tree (in git only when it is the top folder and ls-files worked), else as a walk
    of the folder finds them."""
    notes: list[str] = []
    top = gitrepo.toplevel(root)
    in_git = top is not None and top.resolve() == root
    if top is not None and not in_git:
        notes.append(f"{root} is inside the git work tree {top}; indexing only this folder, "
                     "without git history (index the work tree's top folder for history)")
    names: list[str]
    foreign: list[tuple[str, str]] = []
    if top is not None:
        try:
            names = gitrepo.ls_files(root)
            if not in_git:
                prefix = os.path.relpath(root, top.resolve()).replace(os.sep, "/") + "/"
                names = [n[len(prefix):] for n in names if n.startswith(prefix)]
            in_git = True
        except gitrepo.GitError as e:
            notes.append(f"git ls-files failed ({e.reason}); walking the folder instead")
            names = _plain_files(root, token, foreign)
            in_git = False
    else:
        elsewhere = gitrepo.worktree_elsewhere(root) if (root / ".git").exists() else None
        if elsewhere is not None:
            notes.append(f"the repository in {root} sets its work tree to {elsewhere} "
                         "(core.worktree), outside this folder: read as a plain folder, "
                         "without git history")
        names = _plain_files(root, token, foreign)
    if foreign:
        shown = ", ".join(f"{rel}/ ({why})" for rel, why in foreign[:FOREIGN_SHOWN])
        more = f" and {len(foreign) - FOREIGN_SHOWN} more" if len(foreign) > FOREIGN_SHOWN else ""
        notes.append(f"skipped {plural(len(foreign), 'folder')} that are not this workspace's own "
                     "files "
                     f"(index each on its own): {shown}{more}")
    return names, in_git, notes


def _stat_files(root: Path, names: list[str], in_git: bool, max_file_size: int,
                exclude_spec: pathspec.GitIgnoreSpec | None, token: CancelToken
                ) -> tuple[list[Entry], list[Skip]]:
    """(entries, skipped): each listed regular file within ``max_file_size`` with its size and
    mtime; the others with why they are left out."""
    root_prefix = os.path.join(root, "")  # os.lstat on strings: Path joins cost more than the stat
    entries: list[Entry] = []
    skipped: list[Skip] = []
    # The loop runs for every file on every warm start: locals, and the common case first.
    lstat = os.lstat
    regular = stat.S_IFREG
    add = entries.append
    for i, rel in enumerate(names):
        if not i & 511:
            token.check()
        if rel[0] == "." and rel.split("/", 1)[0] in ALWAYS_SKIPPED_DIRS:
            continue
        if exclude_spec is not None or not rel.isascii():  # (most names: neither)
            skip = _skip_by_name(rel, exclude_spec)
            if skip is not None:
                skipped.append(skip)
                continue
        try:
            st = lstat(root_prefix + rel)
        except FileNotFoundError:
            if not in_git:
                skipped.append(Skip(rel, "vanished", "deleted while listing the folder"))
            continue  # in git: tracked but deleted from the work tree, so not part of it
        except OSError as e:
            skipped.append(Skip(rel, "unreadable", str(e)))
            continue
        if st.st_mode & 0o170000 == regular and st.st_size <= max_file_size:
            add(Entry(rel, st.st_size, st.st_mtime_ns))
            continue
        found = _unusual_file(root, rel, st, max_file_size)
        if isinstance(found, Skip):
            skipped.append(found)
        elif found is not None:
            entries.append(found)
    return entries, skipped


def _skip_by_name(rel: str, exclude_spec: pathspec.GitIgnoreSpec | None) -> Skip | None:
    """Why ``rel`` is left out by its name alone (an exclude glob, a name that is not UTF-8),
    or ``None``."""
    if exclude_spec is not None and exclude_spec.match_file(rel):
        return Skip(rel, "excluded", "matches an exclude glob")
    if not rel.isascii():
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            return Skip(shown, "undecodable_name", "the file name is not valid UTF-8")
    return None


def _unusual_file(root: Path, rel: str, st: os.stat_result,
                  max_file_size: int) -> Entry | Skip | None:
    """What a path that is not a regular file within the size limit is: a symlink, a special
    file or one too large (a Skip), a folder (``None``: a submodule or nested repository)."""
    if stat.S_ISLNK(st.st_mode):
        return _classify_link(root, rel)
    if not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):  # a submodule (git lists it as one entry): said, as a
            # skipped file is (review: it was left out silently, and `budget` said only "not an
            # indexed file or folder")
            if os.path.lexists(os.path.join(root, rel, ".git")):
                return Skip(rel, "submodule", "a git submodule, a repository of its own: run "
                            f"ctxsteward there (--root {rel})")
            return None  # (a nested repository's folder)
        return Skip(rel, "not_a_file", "special file")
    if st.st_size > max_file_size:
        return Skip(rel, "too_large", f"{st.st_size:,} bytes > limit {max_file_size:,}")
    return Entry(rel, st.st_size, st.st_mtime_ns)


def _classify_link(root: Path, rel: str) -> Skip:
    full = root / rel
    try:
        target = full.resolve(strict=True)
    except (OSError, RuntimeError) as e:  # a loop raises RuntimeError or OSError(ELOOP)
        try:
            link = os.readlink(full)
        except OSError:
            link = "?"
        if isinstance(e, RuntimeError) or getattr(e, "errno", None) == errno.ELOOP:
            return Skip(rel, "symlink_loop", f"symlink loop: {rel} -> {link} never resolves")
        return Skip(rel, "broken_symlink", f"symlink to a missing target: {rel} -> {link}")
    try:
        inside = target.relative_to(root).as_posix()
    except ValueError:
        return Skip(rel, "symlink_outside_root", f"points to {target}")
    return Skip(rel, "symlink", f"link to {inside}, indexed there")
