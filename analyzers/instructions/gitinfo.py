"""The git facts the checks need, read with a few ``git`` runs per check (never one per reference).

- :meth:`GitInfo.removals`: for paths that no longer exist, the commit that deleted them and, when
  it was a rename, the new name (followed through later renames). One ``git log --diff-filter=D``
  over all missing paths, then one ``git show -M`` over the deleting commits.
- :meth:`GitInfo.drift`: for each instruction file, its last commit (the baseline) and the commits
  and changed lines of the paths it references made after it. One ``git log --numstat`` over the
  instruction files and every referenced path, read newest first until every baseline is seen;
  "after" is the log's order (a child before its parent), so commits made in the same second as
  the baseline are placed correctly.

Answers depend only on HEAD, so they are cached in memory and in ``.ctxsteward/`` keyed by HEAD.
Every failure (no git, a partial clone missing blobs) degrades to fewer facts plus a note.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from analyzers import gitrepo
from analyzers.cancel import NEVER, CancelToken
from analyzers.secrets import clip_masked, redact_git

CACHE_NAME = "instructions-git.json"
# 2: the bare file names ever added (``named``); 3: a referenced folder's drift leaves out its lock,
# generated, vendored and minified files (filekinds)
CACHE_VERSION = 3


@dataclass(slots=True)
class CommitRef:
    sha: str
    time: int
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:7]

    def describe(self) -> str:
        day = time.strftime("%Y-%m-%d", time.gmtime(self.time))
        # Masked before the cut (a cut value is no longer recognised), never cut in a mask.
        subject = clip_masked(" ".join(redact_git(self.subject).split()), 60)
        return f"{self.short} ({day}, \"{subject}\")"


@dataclass(slots=True)
class Removal:
    path: str
    commit: CommitRef
    new_path: str | None = None  # set when the path was renamed (newest name that exists)


@dataclass(slots=True)
class Touch:
    commit: CommitRef
    added: int
    deleted: int


@dataclass(slots=True)
class Drift:
    """An instruction file's baseline and what changed in its referenced paths after it."""

    baseline: CommitRef | None
    paths: set[str] = field(default_factory=set)  # the referenced paths this answer covers
    touches: dict[str, list[Touch]] = field(default_factory=dict)  # newest first


IGNORED_ENTRIES = 20_000  # entries of ignored folders looked at for a bare file name
# Not looked into: installed dependencies, environments and tools' caches (a bare name found
# there, ``utils.py`` in a virtualenv's site-packages, is a third party's file, not one the
# instructions mean), nor a folder holding a virtualenv's or conda's marker, whatever its name.
_NOT_LOOKED_INTO = frozenset({
    "node_modules", ".git", "bower_components", "jspm_packages", ".pnpm-store", ".yarn",
    ".venv", "venv", ".virtualenv", "virtualenv", ".tox", ".nox", "site-packages",
    "dist-packages", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache",
    ".gradle", ".m2", "vendor", ".bundle", ".terraform", "Pods", ".cargo", ".rustup",
    ".npm", ".pyenv", ".conda", "conda-meta"})
_ENVIRONMENT_MARKERS = ("pyvenv.cfg", "conda-meta")


class GitInfo:
    """Git facts for one work tree at one HEAD. Cheap to create; runs git only when asked."""

    def __init__(self, root: Path, *, token: CancelToken = NEVER, persist: bool = True) -> None:
        self.root = Path(root)
        self.token = token
        self.persist = persist
        self.notes: list[str] = []
        self.head = self._rev_parse()
        self._removals: dict[str, Removal | None] = {}
        self._drift: dict[str, Drift] = {}
        self._committed: dict[str, str | None] = {}
        self._modified: dict[str, bool] = {}
        self._named: dict[str, bool] = {}
        self._ignored: dict[str, bool] = {}
        self._dirty = False
        if self.head:
            self._load_cache()

    @property
    def available(self) -> bool:
        return self.head is not None

    # -- running git -------------------------------------------------------------------------
    def _git(self, *args: str) -> bytes | None:
        """``git args``'s output; None when it fails (with a note when git could not run)."""
        self.token.check()
        try:
            return gitrepo.run(self.root, *args, timeout=120)
        except gitrepo.GitError as e:
            if e.returncode is None:
                self.notes.append(str(e))
            return None

    def _rev_parse(self) -> str | None:
        out = self._git("rev-parse", "--verify", "-q", "HEAD")
        if out is None:
            return None
        return out.decode().strip() or None

    # -- cache -------------------------------------------------------------------------------
    def _cache_path(self) -> Path:
        from analyzers.indexing.walk import STATE_DIR

        return self.root / STATE_DIR / CACHE_NAME

    def _load_cache(self) -> None:
        path = self._cache_path()
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION \
                or data.get("head") != self.head:
            return
        try:
            for p, r in data.get("removals", {}).items():
                self._removals[p] = None if r is None else Removal(
                    path=r["path"], commit=CommitRef(**r["commit"]), new_path=r["new_path"])
            for p, d in data.get("drift", {}).items():
                self._drift[p] = Drift(
                    baseline=None if d["baseline"] is None else CommitRef(**d["baseline"]),
                    paths=set(d["paths"]),
                    touches={q: [Touch(CommitRef(*t[:3]), t[3], t[4]) for t in ts]
                             for q, ts in d["touches"].items()})
            self._named.update({str(n): bool(v) for n, v in data.get("named", {}).items()})
        except (KeyError, TypeError, ValueError, AttributeError):
            self._removals.clear()
            self._drift.clear()
            self._named.clear()

    def save(self) -> None:
        """Write what was learnt to ``.ctxsteward/`` (only when something new was asked)."""
        if not (self.persist and self._dirty and self.head):
            return
        from analyzers.fsutil import write_atomic
        from analyzers.indexing.store import ensure_state_dir

        try:
            ensure_state_dir(self.root)
            data = {
                "version": CACHE_VERSION, "head": self.head,
                "removals": {p: None if r is None else asdict(r)
                             for p, r in self._removals.items()},
                "drift": {p: {
                    "baseline": None if d.baseline is None else asdict(d.baseline),
                    "paths": sorted(d.paths),
                    "touches": {q: [[t.commit.sha, t.commit.time, t.commit.subject, t.added,
                                     t.deleted] for t in ts] for q, ts in d.touches.items()},
                } for p, d in self._drift.items()},
                "named": self._named,
            }
            write_atomic(self._cache_path(), json.dumps(data, separators=(",", ":")))
            self._dirty = False
        except OSError as e:
            self.notes.append(f"could not save the git cache: {e}")

    # -- log parsing -------------------------------------------------------------------------
    @staticmethod
    def _records(out: bytes) -> list[tuple[CommitRef, list[str]]]:
        """``--format=%x01%H %ct %s`` with ``-z`` file lists -> (commit, fields) records."""
        records: list[tuple[CommitRef, list[str]]] = []
        for chunk in out.decode("utf-8", "surrogateescape").split("\x01")[1:]:
            header, _, rest = chunk.partition("\n")
            if "\x00" in header:  # with --name-only -z the header may end in NUL
                header, _, more = header.partition("\x00")
                rest = more + "\x00" + rest
            sha, _, tail = header.partition(" ")
            ctime, _, subject = tail.partition(" ")
            fields = [f.lstrip("\n") for f in rest.split("\x00")]
            records.append((CommitRef(sha=sha, time=int(ctime or 0), subject=subject),
                            [f for f in fields if f]))
        return records

    # -- removals (renames and deletions) ----------------------------------------------------
    def removals(self, paths: list[str], exists: Callable[[str], bool]) -> dict[str, Removal]:
        """For each missing path (file or folder) that git once knew: how it went away."""
        if not self.available:
            return {}
        todo = sorted({p for p in paths if p not in self._removals})
        if todo:
            for p in todo:
                self._removals[p] = None  # a placeholder that stops rename loops
            found = self._deletions(todo)
            renames = self._renames({r.commit.sha for r in found.values()}, todo)
            for p in todo:
                r = found.get(p)
                if r is not None:
                    r.new_path = self._follow(p, renames.get(r.commit.sha, {}), exists)
                self._removals[p] = r
            self._dirty = True
        return {p: r for p in paths if (r := self._removals.get(p)) is not None}

    def _deletions(self, paths: list[str]) -> dict[str, Removal]:
        out: dict[str, Removal] = {}
        for i in range(0, len(paths), 200):
            chunk = paths[i:i + 200]
            listed = self._git("log", "-z", "--relative", "--no-merges", "--diff-filter=D",
                               "--name-only", "--format=%x01%H %ct %s", "--", *chunk)
            if listed is None:
                continue
            for commit, files in self._records(listed):
                for f in files:
                    for p in chunk:
                        if p not in out and (f == p or f.startswith(p.rstrip("/") + "/")):
                            out[p] = Removal(path=p, commit=commit)
        return out

    def _renames(self, shas: set[str], paths: list[str]) -> dict[str, dict[str, str]]:
        """sha -> {old path: new path} for the renames those commits made."""
        if not shas:
            return {}
        out = self._git("show", "-z", "--relative", "-M", "--name-status", "--diff-filter=R",
                        "--format=%x01%H %ct %s", *sorted(shas))
        if out is None:
            self.notes.append("rename detection failed (a partial clone?); deleted paths are "
                              "reported without their new names")
            return {}
        pairs_by_sha: dict[str, dict[str, str]] = {}
        for commit, fields in self._records(out):
            pairs = pairs_by_sha.setdefault(commit.sha, {})
            i = 0
            while i < len(fields):
                status = fields[i]
                if status.startswith(("R", "C")):
                    if i + 2 < len(fields):
                        pairs[fields[i + 1]] = fields[i + 2]
                    i += 3
                else:
                    i += 2
        return pairs_by_sha

    def _follow(self, path: str, pairs: dict[str, str], exists: Callable[[str], bool],
                depth: int = 0) -> str | None:
        new: str | None = pairs.get(path)
        if new is None:
            # A folder: its files moved together to one new folder.
            prefix = path.rstrip("/") + "/"
            moved = {old[len(prefix):]: n for old, n in pairs.items() if old.startswith(prefix)}
            bases = {n[: len(n) - len(rest)].rstrip("/") for rest, n in moved.items()
                     if n.endswith("/" + rest)}
            if len(bases) == 1:
                new = bases.pop()
        if new is None:
            return None
        if exists(new) or depth >= 5:
            return new if exists(new) else None
        later = self.removals([new], exists).get(new)
        if later is not None and later.new_path:
            return later.new_path
        return None

    # -- bare file names -----------------------------------------------------------------------
    def ever_named(self, names: list[str]) -> set[str]:
        """Which of the file ``names`` (no folder) a commit of HEAD's history ever added, in any
        folder: one ``git log`` per 100 names, none for a name asked before."""
        if not self.available:
            return set()
        todo = sorted({n for n in names if n not in self._named})
        for i in range(0, len(todo), 100):
            chunk = todo[i:i + 100]
            out = self._git("log", "-z", "--relative", "--no-renames", "--diff-filter=A",
                            "--name-only", "--format=", "--",
                            *(f":(glob)**/{n}" for n in chunk))
            seen = set() if out is None else {
                f.strip("\n").rsplit("/", 1)[-1]
                for f in out.decode("utf-8", "surrogateescape").split("\x00")}
            for n in chunk:
                self._named[n] = out is None or n in seen  # git failed: as if it knew it
            self._dirty = self._dirty or out is not None  # (kept with HEAD: a full-history
            # log a name, 0.8 s on saleor, ran on every check and every MCP check call)
        return {n for n in names if self._named.get(n)}

    def ignored(self, paths: list[str]) -> set[str]:
        """Which of ``paths`` (root-relative) the repository's ignore rules match: files a
        developer makes locally (``settings_local.py``, ``.env.local``)."""
        if not self.available:
            return set()
        todo = sorted({p for p in paths if p not in self._ignored})
        if todo:
            self.token.check()
            try:  # one call for all, the paths on stdin (no argument list too long)
                out = gitrepo.run(self.root, "check-ignore", "--no-index", "--stdin", "-z",
                                  stdin="\0".join(todo).encode("utf-8", "surrogateescape"),
                                  timeout=60)
                hit = set(out.decode("utf-8", "surrogateescape").split("\0"))
            except gitrepo.GitError as e:  # status 1: none is ignored; else as if all were
                hit = set() if e.returncode == 1 else set(todo)
            for p in todo:
                self._ignored[p] = p in hit
        return {p for p in paths if self._ignored.get(p)}

    def ignored_on_disk(self, names: list[str]) -> set[str]:
        """Which of the file ``names`` (no folder) a file or folder the ignore rules match
        carries on disk: a build's output (``dist/assets/app.css``), a coverage report, a local
        file. Asked afresh each time (the work tree changes); the ignored folders are looked
        into breadth first, at most :data:`IGNORED_ENTRIES` entries, dependencies, environments
        and caches left out (:data:`_NOT_LOOKED_INTO`, a folder holding ``pyvenv.cfg``)."""
        if not self.available or not names:
            return set()
        out = self._git("ls-files", "-z", "--others", "--ignored", "--exclude-standard",
                        "--directory", "--no-empty-directory")
        if out is None:
            return set()
        wanted = set(names)
        found: set[str] = set()
        folders: list[Path] = []
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            name = entry.rstrip("/").rsplit("/", 1)[-1]
            if name in wanted:
                found.add(name)
            if entry.endswith("/") and name not in _NOT_LOOKED_INTO:
                folders.append(self.root / entry)
        seen = 0
        while folders and seen < IGNORED_ENTRIES and found != wanted:
            self.token.check()
            folder = folders.pop(0)
            if any(os.path.lexists(folder / m) for m in _ENVIRONMENT_MARKERS):
                continue  # a virtualenv or conda environment (``env/``, ``py311/``)
            try:
                with os.scandir(folder) as it:
                    for e in it:
                        seen += 1
                        if e.name in wanted:
                            found.add(e.name)
                        if e.name not in _NOT_LOOKED_INTO and e.is_dir(follow_symlinks=False):
                            folders.append(Path(e.path))
            except OSError:
                continue
        return found

    def modified(self, paths: list[str]) -> set[str]:
        """Which of ``paths`` differ from HEAD in the work tree (one ``git diff`` per new set)."""
        if not self.available or not paths:
            return set()
        todo = [p for p in paths if p not in self._modified]
        if todo:
            out = self._git("diff", "--name-only", "-z", "--relative", "HEAD", "--", *todo)
            changed = set() if out is None else set(
                out.decode("utf-8", "surrogateescape").split("\x00"))
            for p in todo:
                self._modified[p] = p in changed
        return {p for p in paths if self._modified.get(p)}

    def committed_text(self, path: str) -> str | None:
        """The content of ``path`` at HEAD (None when untracked), cached."""
        if not self.available:
            return None
        if path not in self._committed:
            out = self._git("show", f"HEAD:./{path}")
            self._committed[path] = None if out is None else out.decode("utf-8", "replace")
        return self._committed[path]

    # -- baselines and changes ---------------------------------------------------------------
    def tracked(self, paths: list[str]) -> set[str]:
        if not self.available or not paths:
            return set()
        out = self._git("ls-files", "-z", "--", *paths)
        if out is None:
            return set()
        return {p for p in out.decode("utf-8", "surrogateescape").split("\x00") if p}

    def drift(self, wanted: dict[str, set[str]]) -> dict[str, Drift]:
        """For each instruction file (key): its baseline and the touches of its paths after it."""
        if not self.available or not wanted:
            return {}
        todo = {i: ps for i, ps in wanted.items()
                if i not in self._drift or not ps <= self._drift[i].paths}
        if todo:
            tracked = self.tracked(sorted(todo))
            for i in todo:
                if i not in tracked:
                    self._drift[i] = Drift(None, set(todo[i]))
            if tracked:
                self._read_drift({i: todo[i] for i in tracked})
            self._dirty = True
        return {i: self._drift[i] for i in wanted if i in self._drift}

    def _read_drift(self, todo: dict[str, set[str]]) -> None:
        from analyzers.indexing.filekinds import path_kind

        referenced = set().union(*todo.values())
        spec = sorted(set(todo) | referenced)
        position: dict[str, int] = {}  # baseline sha -> position in the log
        baseline: dict[str, CommitRef] = {}
        seen: dict[str, dict[str, tuple[int, Touch]]] = {p: {} for p in referenced}
        for n, (commit, fields) in enumerate(self._stream_log(spec, numstat=True)):
            for f in fields:
                added, deleted, name = _numstat(f)
                if name in todo and name not in baseline:
                    baseline[name] = commit
                    position[commit.sha] = n
                for p in _covering(name, referenced):
                    if p != name and path_kind(name) is not None:
                        continue  # a lock file's churn under a folder is no drift of its code
                    hit = seen[p].get(commit.sha)
                    if hit is None:
                        seen[p][commit.sha] = (n, Touch(commit, added, deleted))
                    else:
                        hit[1].added += added
                        hit[1].deleted += deleted
            if len(baseline) == len(todo):
                break
        for i, paths in todo.items():
            base = baseline.get(i)
            limit = position[base.sha] if base is not None else -1
            self._drift[i] = Drift(base, set(paths), {
                p: [t for n, t in sorted(seen[p].values(), key=lambda x: x[0]) if n < limit]
                for p in paths})

    def _stream_log(self, spec: list[str], *, numstat: bool
                    ) -> Iterator[tuple[CommitRef, list[str]]]:
        """``git log`` records over ``spec``, newest first, read as they come (the caller may
        stop early). Falls back to names only when line counts cannot be computed."""
        kinds = ("--numstat", "--name-only") if numstat else ("--name-only",)
        for i, kind in enumerate(kinds):
            self.token.check()
            try:
                proc = gitrepo.stream(self.root, "log", "-z", "--relative", "--no-merges",
                                      "--no-renames", kind, "--format=%x01%H %ct %s", "--",
                                      *spec)
            except gitrepo.GitError as e:
                self.notes.append(str(e))
                return
            buf = b""
            emitted = 0
            with proc:  # stopped early (the caller has what it needs): git is killed
                for chunk in proc.chunks():
                    buf += chunk
                    parts = buf.split(b"\x01")
                    buf = parts.pop()
                    for part in parts:
                        if part:
                            for record in self._records(b"\x01" + part):
                                emitted += 1
                                yield record
                    self.token.check()
                if buf:
                    for record in self._records(b"\x01" + buf):
                        emitted += 1
                        yield record
                code, err = proc.finish()
            if code == 0 or emitted:
                return
            if i + 1 < len(kinds):
                self.notes.append("line counts unavailable (a partial clone?); drift counts "
                                  "commits only")
            else:
                msg = err.strip().splitlines()
                self.notes.append(f"git log failed: {msg[-1] if msg else code}")


def _covering(name: str, paths: set[str]) -> list[str]:
    """The requested paths that ``name`` is or lies under."""
    out = [name] if name in paths else []
    d = name
    while "/" in d:
        d = d.rsplit("/", 1)[0]
        if d in paths:
            out.append(d)
    return out


def _numstat(field_: str) -> tuple[int, int, str]:
    """``12\\t3\\tpath`` -> (12, 3, path); a bare path (``--name-only``) -> (0, 0, path)."""
    parts = field_.split("\t")
    if len(parts) >= 3:
        a, d = parts[0], parts[1]
        return (int(a) if a.isdigit() else 0, int(d) if d.isdigit() else 0, "\t".join(parts[2:]))
    return 0, 0, field_
