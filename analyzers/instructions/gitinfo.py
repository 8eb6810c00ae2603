"""The git facts the checks need, read with a few ``git`` runs per check (never one per reference).

- :meth:`GitInfo.removals`: for paths that no longer exist, the commit that deleted them and, when
  it was a rename, the new name (followed through later renames). One ``git log --diff-filter=D``
  over all missing paths, then one ``git show -M`` over the deleting commits.
- :meth:`GitInfo.last_changes`: the last commit of each instruction file (one ``git log``).
- :meth:`GitInfo.changes_since`: the commits and changed lines of referenced paths since a time
  (one ``git log --numstat``).

Answers depend only on HEAD, so they are cached in memory and in ``.ctxsteward/`` keyed by HEAD.
Every failure (no git, a partial clone missing blobs) degrades to fewer facts plus a note.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..cancel import NEVER, CancelToken

CACHE_NAME = "instructions-git.json"
CACHE_VERSION = 1


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
        subject = self.subject if len(self.subject) <= 60 else self.subject[:57] + "..."
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
class _PathLog:
    since: int  # commits newer than this time are all present
    touches: list[Touch] = field(default_factory=list)


class GitInfo:
    """Git facts for one work tree at one HEAD. Cheap to create; runs git only when asked."""

    def __init__(self, root: Path, *, token: CancelToken = NEVER, persist: bool = True) -> None:
        self.root = Path(root)
        self.token = token
        self.persist = persist
        self.notes: list[str] = []
        self.head = self._rev_parse()
        self._removals: dict[str, Removal | None] = {}
        self._last: dict[str, CommitRef | None] = {}
        self._logs: dict[str, _PathLog] = {}
        self._dirty = False
        if self.head:
            self._load_cache()

    @property
    def available(self) -> bool:
        return self.head is not None

    # -- running git -------------------------------------------------------------------------
    def _git(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[bytes] | None:
        self.token.check()
        try:
            proc = subprocess.run(
                ["git", "-C", str(self.root), "-c", "core.quotePath=false", *args],
                capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            self.notes.append(f"git {args[0]} failed: {e}")
            return None
        if proc.returncode != 0:
            if check:
                err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
                self.notes.append(f"git {args[0]} failed: {err[-1] if err else proc.returncode}")
            return None
        return proc

    def _rev_parse(self) -> str | None:
        proc = self._git("rev-parse", "--verify", "-q", "HEAD")
        if proc is None:
            return None
        return proc.stdout.decode().strip() or None

    # -- cache -------------------------------------------------------------------------------
    def _cache_path(self) -> Path:
        from ..walk import STATE_DIR

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
            for p, c in data.get("last", {}).items():
                self._last[p] = None if c is None else CommitRef(**c)
            for p, log in data.get("logs", {}).items():
                self._logs[p] = _PathLog(since=log["since"], touches=[
                    Touch(CommitRef(*t[:3]), t[3], t[4]) for t in log["touches"]])
        except (KeyError, TypeError, ValueError):
            self._removals.clear()
            self._last.clear()
            self._logs.clear()

    def save(self) -> None:
        """Write what was learnt to ``.ctxsteward/`` (only when something new was asked)."""
        if not (self.persist and self._dirty and self.head):
            return
        from ..fsutil import write_atomic
        from ..store import ensure_state_dir

        try:
            ensure_state_dir(self.root)
            data = {
                "version": CACHE_VERSION, "head": self.head,
                "removals": {p: None if r is None else asdict(r)
                             for p, r in self._removals.items()},
                "last": {p: None if c is None else asdict(c) for p, c in self._last.items()},
                "logs": {p: {"since": log.since, "touches": [
                    [t.commit.sha, t.commit.time, t.commit.subject, t.added, t.deleted]
                    for t in log.touches]} for p, log in self._logs.items()},
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
            proc = self._git("log", "-z", "--relative", "--no-merges", "--diff-filter=D",
                             "--name-only", "--format=%x01%H %ct %s", "--", *chunk)
            if proc is None:
                continue
            for commit, files in self._records(proc.stdout):
                for f in files:
                    for p in chunk:
                        if p not in out and (f == p or f.startswith(p.rstrip("/") + "/")):
                            out[p] = Removal(path=p, commit=commit)
        return out

    def _renames(self, shas: set[str], paths: list[str]) -> dict[str, dict[str, str]]:
        """sha -> {old path: new path} for the renames those commits made."""
        if not shas:
            return {}
        proc = self._git("show", "-z", "--relative", "-M", "--name-status", "--diff-filter=R",
                         "--format=%x01%H %ct %s", *sorted(shas))
        if proc is None:
            self.notes.append("rename detection failed (a partial clone?); deleted paths are "
                              "reported without their new names")
            return {}
        out: dict[str, dict[str, str]] = {}
        for commit, fields in self._records(proc.stdout):
            pairs = out.setdefault(commit.sha, {})
            i = 0
            while i < len(fields):
                status = fields[i]
                if status.startswith(("R", "C")):
                    if i + 2 < len(fields):
                        pairs[fields[i + 1]] = fields[i + 2]
                    i += 3
                else:
                    i += 2
        return out

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

    # -- baselines and changes ---------------------------------------------------------------
    def tracked(self, paths: list[str]) -> set[str]:
        if not self.available or not paths:
            return set()
        proc = self._git("ls-files", "-z", "--", *paths)
        if proc is None:
            return set()
        return {p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\x00") if p}

    def last_changes(self, paths: list[str]) -> dict[str, CommitRef]:
        """The newest commit touching each path (paths git does not track are left out)."""
        if not self.available:
            return {}
        todo = [p for p in paths if p not in self._last]
        if todo:
            tracked = self.tracked(todo)
            for p in todo:
                if p not in tracked:
                    self._last[p] = None
            want = sorted(tracked)
            if want:
                proc = self._git("log", "-z", "--relative", "--no-merges", "--name-only",
                                 "--format=%x01%H %ct %s", "--", *want)
                if proc is not None:
                    for commit, files in self._records(proc.stdout):
                        for f in files:
                            if f in tracked and f not in self._last:
                                self._last[f] = commit
                for p in want:
                    self._last.setdefault(p, None)
            self._dirty = True
        return {p: c for p in paths if (c := self._last.get(p)) is not None}

    def changes_since(self, since: dict[str, int]) -> dict[str, list[Touch]]:
        """Commits touching each path (file or folder) newer than its time, with line counts."""
        if not self.available or not since:
            return {}
        todo = {p: t for p, t in since.items()
                if p not in self._logs or self._logs[p].since > t}
        if todo:
            oldest = min(todo.values())
            paths = sorted(todo)
            found: dict[str, dict[str, Touch]] = {p: {} for p in paths}
            proc = self._git("log", "-z", "--relative", "--no-merges", "--no-renames",
                             "--numstat", f"--since={oldest}", "--format=%x01%H %ct %s",
                             "--", *paths)
            if proc is None:
                proc = self._git("log", "-z", "--relative", "--no-merges", "--no-renames",
                                 "--name-only", f"--since={oldest}", "--format=%x01%H %ct %s",
                                 "--", *paths)
                if proc is not None:
                    self.notes.append("line counts unavailable (a partial clone?); drift counts "
                                      "commits only")
            if proc is not None:
                for commit, fields in self._records(proc.stdout):
                    if commit.time <= oldest:
                        continue
                    for f in fields:
                        added, deleted, name = _numstat(f)
                        for p in paths:
                            if name == p or name.startswith(p.rstrip("/") + "/"):
                                t = found[p].setdefault(commit.sha, Touch(commit, 0, 0))
                                t.added += added
                                t.deleted += deleted
            for p in paths:
                self._logs[p] = _PathLog(since=oldest, touches=sorted(
                    found[p].values(), key=lambda t: -t.commit.time))
            self._dirty = True
        return {p: [x for x in self._logs[p].touches if x.commit.time > t]
                for p, t in since.items()}


def _numstat(field_: str) -> tuple[int, int, str]:
    """``12\\t3\\tpath`` -> (12, 3, path); a bare path (``--name-only``) -> (0, 0, path)."""
    parts = field_.split("\t")
    if len(parts) >= 3:
        a, d = parts[0], parts[1]
        return (int(a) if a.isdigit() else 0, int(d) if d.isdigit() else 0, "\t".join(parts[2:]))
    return 0, 0, field_
