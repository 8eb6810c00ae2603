"""One check run's view of the workspace: files, unsaved buffers, parsed documents, git, tokens.

A :class:`CheckView` is cheap to create and computes each fact once, when first asked. The
language server keeps one across requests (calling :meth:`set_text` for open buffers and
:meth:`invalidate` when files or HEAD change); the CLI makes one per run.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.cancel import NEVER, CancelToken
from analyzers.config import Settings
from analyzers.instructions import discover
from analyzers.instructions.markdown import Document, parse
from analyzers.secrets import secret_by_name
from analyzers.tokens import Counter

if TYPE_CHECKING:
    from analyzers.indexing.index import Index
    from analyzers.instructions.gitinfo import GitInfo

MAX_READ = 2_000_000  # bytes of a referenced file we read (for anchors and tokens)


def normalise(path: str) -> str:
    """A root-relative path in canonical form ('.' for the root, no trailing '/')."""
    p = posixpath.normpath(path.replace("\\", "/"))
    return "." if p in ("", ".") else p


def is_outside(rel: str) -> bool:
    return rel == ".." or rel.startswith("../") or rel.startswith("/")


class CheckView:
    def __init__(self, root: Path | str, settings: Settings | None = None,
                 index: Index | None = None, *, token: CancelToken = NEVER,
                 persist_git: bool = True) -> None:
        self.root = Path(root).resolve()
        self.settings = settings or Settings()
        self.index = index
        self._git: GitInfo | None = None
        self._token = token
        self.persist_git = persist_git
        self.overlay: dict[str, str] = {}
        self.notes: list[str] = []
        self.counter = Counter(self.settings.encoding, self.settings.model_profile())
        self._files: set[str] | None = None
        self._dirs: set[str] | None = None
        self._names: dict[str, list[str]] | None = None
        self._instr: list[str] | None = None
        self._docs: dict[str, tuple[str, Document]] = {}
        self._texts: dict[str, tuple[tuple[int, int], str | None]] = {}
        self._tokens: dict[str, int] = {}
        self._git_made = False
        self.cache: dict[str, object] = {}  # per-feature caches (manifests, ...)

    # -- invalidation ------------------------------------------------------------------------
    def set_text(self, path: str, text: str | None) -> None:
        """An unsaved editor buffer for ``path`` (None: back to the file on disk)."""
        path = normalise(path)
        if text is None:
            self.overlay.pop(path, None)
        else:
            self.overlay[path] = text
            if self._files is not None and path not in self._files and not is_outside(path):
                self._files.add(path)  # a new, unsaved file
                self._dirs = self._names = self._instr = None

    def memo(self, name: str, limit: int = 512) -> dict:
        """A named cache dict, emptied when it grows past ``limit`` entries (edits in a
        long-lived workspace keep adding keys)."""
        d = self.cache.setdefault(name, {})
        assert isinstance(d, dict)
        if len(d) > limit:
            d.clear()
        return d

    def overlay_key(self) -> int:
        """Changes whenever an unsaved buffer does (a key for caches that read buffers)."""
        return hash(tuple(sorted((p, hash(t)) for p, t in self.overlay.items())))

    def invalidate(self, index: Index | None = None) -> None:
        """Forget the file list, git facts and caches (after files were added, removed or
        committed), and use ``index`` from now on when given (an :class:`Index` caches its file
        list, so reopen it after a build). Parsed documents stay cached by content."""
        if index is not None:
            self.index = index
        self._files = self._dirs = self._names = self._instr = None
        self._texts.clear()
        self._git = None
        self._git_made = False
        self.cache.clear()

    @property
    def token(self) -> CancelToken:
        """The current run's cancellation token (a long-lived view serves one job after
        another: each sets its own)."""
        return self._token

    @token.setter
    def token(self, token: CancelToken) -> None:
        # Git's answers are kept across runs, and so is the object asking: it must check the
        # current run's token, not the first run's (once that run was cancelled, every later
        # run stopped at its first git call: the #16 verifier's storm of cancelled pulls).
        self._token = token
        if self._git is not None:
            self._git.token = token

    # -- files -------------------------------------------------------------------------------
    def files(self) -> set[str]:
        """Every file of the workspace (root-relative), from the index or a walk."""
        if self._files is None:
            if self.index is not None:
                names = set(self.index.files())
                names.update(self.index.skipped())
            else:
                from analyzers.indexing.walk import walk

                w = walk(self.root, max_file_size=1 << 62, exclude=self.settings.exclude,
                         token=self.token)
                names = {e.path for e in w.entries} | {s.path for s in w.skipped}
            names.update(p for p in self.overlay if not is_outside(p))
            self._files = names
        return self._files

    def dirs(self) -> set[str]:
        if self._dirs is None:
            out: set[str] = {"."}
            for f in self.files():
                d = posixpath.dirname(f)
                while d and d not in out:
                    out.add(d)
                    d = posixpath.dirname(d)
            self._dirs = out
        return self._dirs

    def by_name(self) -> dict[str, list[str]]:
        """File or folder name -> paths carrying it."""
        if self._names is None:
            out: dict[str, list[str]] = {}
            for p in self.files():
                out.setdefault(posixpath.basename(p), []).append(p)
            for d in self.dirs():
                if d != ".":
                    out.setdefault(posixpath.basename(d), []).append(d)
            self._names = out
        return self._names

    def exists(self, rel: str) -> bool:
        rel = normalise(rel)
        if rel in self.overlay:
            return True
        if is_outside(rel):
            return False
        if rel in self.files() or rel in self.dirs():
            return True
        return os.path.exists(self.root / rel)

    def real_path(self, rel: str) -> str:
        """``rel`` with symlinks resolved, when the target lies inside the workspace."""
        rel = normalise(rel)
        full = self.root / rel
        try:
            if not full.is_symlink():
                return rel
            target = full.resolve(strict=True).relative_to(self.root).as_posix()
        except (OSError, RuntimeError, ValueError):
            return rel
        return normalise(target)

    def outside_target(self, rel: str) -> str | None:
        """Where ``rel`` really is, when a symlink takes it outside the workspace (such a file
        is reported, never read); None when it is inside (or does not exist)."""
        rel = normalise(rel)
        if rel in self.overlay or is_outside(rel):
            return None
        from analyzers.confine import resolve_inside

        full = self.root / rel
        if resolve_inside(self.root, full) is not None:
            return None
        try:
            return os.path.realpath(full)
        except (OSError, ValueError):
            return str(full)

    def is_dir(self, rel: str) -> bool:
        rel = normalise(rel)
        return rel in self.dirs() or (not is_outside(rel) and (self.root / rel).is_dir())

    def read(self, rel: str) -> str | None:
        """The text of a root-relative file (an unsaved buffer first); None when unreadable."""
        rel = normalise(rel)
        if rel in self.overlay:
            return self.overlay[rel]
        if is_outside(rel) or self.outside_target(rel) is not None or secret_by_name(rel):
            return None  # never read: outside the workspace (a symlink), or secret-bearing
        full = self.root / rel
        try:
            st = full.stat()
        except OSError:
            return None
        key = (st.st_mtime_ns, st.st_size)
        hit = self._texts.get(rel)
        if hit is not None and hit[0] == key:
            return hit[1]
        text: str | None
        if not full.is_file() or st.st_size > MAX_READ:
            text = None
        else:
            try:
                text = full.read_bytes().decode("utf-8", "replace")
            except OSError:
                text = None
        self._texts[rel] = (key, text)
        return text

    def too_large(self, rel: str) -> int | None:
        """The size in bytes of ``rel`` when it is a file of the workspace too large to read
        (over :data:`MAX_READ`), else None."""
        rel = normalise(rel)
        if rel in self.overlay or is_outside(rel) or self.outside_target(rel) is not None:
            return None
        try:
            st = (self.root / rel).stat()
        except OSError:
            return None
        return st.st_size if st.st_size > MAX_READ else None

    def document(self, rel: str, text: str | None = None) -> Document | None:
        """The parsed Markdown of ``rel`` (from ``text`` when given), cached by content."""
        rel = normalise(rel)
        if text is None:
            text = self.read(rel)
            if text is None:
                return None
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        hit = self._docs.get(rel)
        if hit is not None and hit[0] == digest:
            return hit[1]
        doc = parse(text)
        self._docs[rel] = (digest, doc)
        return doc

    def tokens(self, text: str) -> int:
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        n = self._tokens.get(digest)
        if n is None:
            n = self.counter.count(text)
            if len(self._tokens) > 10_000:
                self._tokens.clear()
            self._tokens[digest] = n
        return n

    def instruction_files(self) -> list[str]:
        """Instruction files present in the workspace (plus open buffers, and the gitignored
        ``CLAUDE.local.md`` files beside other instruction files)."""
        if self._instr is not None:
            return self._instr
        found = set(discover.discover(self.files(), self.settings.instruction_files))
        if "CLAUDE.local.md" in self.settings.instruction_files:
            for d in {posixpath.dirname(p) for p in found} | {""}:
                local = posixpath.join(d, "CLAUDE.local.md") if d else "CLAUDE.local.md"
                if local not in found and (self.root / local).is_file():
                    found.add(local)
        self._instr = sorted(found)
        return self._instr

    def checked_by_default(self) -> list[str]:
        """What ``check`` without a path checks: the instruction files and the skills."""
        skills = [p for p in self.files() if discover.is_skill(p)]
        return sorted({*self.instruction_files(), *skills})

    def is_instruction_file(self, rel: str) -> bool:
        return discover.is_instruction_file(normalise(rel), self.settings.instruction_files)

    # -- git -------------------------------------------------------------------------------
    @property
    def git(self) -> GitInfo | None:
        if not self._git_made:
            from analyzers.instructions.gitinfo import GitInfo

            # Made only once it was asked in full: a run cancelled while asking leaves the next
            # one to ask again (not "no git here" for the rest of the view's life).
            g = GitInfo(self.root, token=self.token, persist=self.persist_git)
            self._git_made = True
            self._git = g if g.available else None
            if self._git is None:
                self.notes.append(f"{self.root} is not a git repository with commits: renames, "
                                  "deletions and drift are not checked")
        return self._git

    def finish(self) -> None:
        """Persist what git taught us and collect its notes."""
        if self._git is not None:
            self._git.save()
            for n in self._git.notes:
                if n not in self.notes:
                    self.notes.append(n)
            self._git.notes.clear()
