"""Build real git repositories (and plain folders) for tests, and run the real CLI.

Importable from any test module (``from gitutil import make_repo, git, commit``); the same
functions are offered as fixtures by ``conftest.py``. Everything runs the real ``git`` binary with a
fixed identity, fixed increasing dates and no user or system configuration, so histories are
reproducible.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

Content = str | bytes | None  # None deletes the file in a commit
Files = Mapping[str, Content]

_BASE_TIME = 1_700_000_000  # 2023-11-14
_clock = itertools.count()


def git_env(when: int | None = None) -> dict[str, str]:
    """An environment for ``git`` with a fixed identity and no user/system configuration."""
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
    )
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    return env


def git(*args: str, cwd: Path | str, check: bool = True, when: int | None = None) -> str:
    """Run ``git ARGS`` in ``cwd``; return its stdout (stripped), fail with stderr on error."""
    proc = subprocess.run(
        ["git", "-c", "user.name=Test Author", "-c", "user.email=author@example.com",
         "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
        cwd=str(cwd), env=git_env(when), capture_output=True, text=True, check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout.strip()


def write_files(root: Path, files: Files) -> None:
    """Write (str as UTF-8, bytes as-is) or delete (None) files under ``root``."""
    for rel, content in files.items():
        path = root / rel
        if content is None:
            if path.exists() or path.is_symlink():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))


def commit(root: Path, message: str, files: Files | None = None, *,
           when: int | None = None) -> str:
    """Apply ``files`` (None deletes), stage everything and commit; return the new sha."""
    if files:
        write_files(root, files)
    git("add", "-A", cwd=root)
    stamp = when if when is not None else _BASE_TIME + 3600 * next(_clock)
    git("commit", "-q", "--allow-empty", "-m", message, cwd=root, when=stamp)
    return git("rev-parse", "HEAD", cwd=root)


def make_repo(
    root: Path,
    files: Files | None = None,
    commits: Iterable[tuple[str, Files] | Files] = (),
    *,
    branch: str = "main",
    initial_message: str = "initial",
) -> Path:
    """A git repository at ``root`` (created if needed).

    ``files`` are written and committed as the first commit (no commit at all when ``files`` is
    None and ``commits`` is empty: an empty repository). Each item of ``commits`` is either a
    mapping of changes or ``(message, changes)``; ``None`` as content deletes a file.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", branch, cwd=root)
    if files is not None:
        commit(root, initial_message, files)
    for i, item in enumerate(commits):
        if isinstance(item, tuple):
            message, changes = item
        else:
            message, changes = f"change {i + 1}", item
        commit(root, message, changes)
    return root


def make_folder(root: Path, files: Files) -> Path:
    """A plain folder (no git) holding ``files``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files)
    return root


def snapshot(root: Path, *, ignore: Sequence[str] = (".git", ".ctxsteward")) -> dict[str, str]:
    """Every file and symlink under ``root`` (outside ``ignore``d top folders) -> content digest.

    Compare two snapshots to prove a command wrote nothing outside ``.ctxsteward/``.
    """
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in ignore]
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name)).replace(os.sep, "/")
            if os.path.islink(full):
                out[rel] = "link:" + os.readlink(full)
            elif os.path.isfile(full):
                h = hashlib.blake2b(digest_size=16)
                with open(full, "rb") as f:
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
                st = os.stat(full)
                out[rel] = f"{h.hexdigest()}:{st.st_mtime_ns}"
            elif os.path.isdir(full):
                out[rel + "/"] = "dir"
    return out


def cli_command() -> list[str]:
    """The installed ``ctxsteward`` console script (beside this interpreter), else ``-m``."""
    script = Path(sys.executable).with_name("ctxsteward")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "server.cli"]


def run_cli(*args: str, cwd: Path | str, timeout: float = 120,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``ctxsteward ARGS`` in a subprocess; never raises on a non-zero exit status."""
    full_env = git_env()
    full_env.pop("COLUMNS", None)
    if env:
        full_env.update(env)
    return subprocess.run([*cli_command(), *args], cwd=str(cwd), env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def quote_module(i: int, peers: int, extra: str = "") -> str:
    """``pkg/mod{i}.py`` of a ring of ``peers`` small Python modules: it imports the next one's
    helper and defines a helper and a class using it (names, references and imports for the
    ranking graph), then ``extra``."""
    peer = (i + 1) % peers
    return (f"from pkg.mod{peer} import helper_{peer}\n\n\n"
            f"def helper_{i}(order_total, retry_count):\n"
            f'    """Compute the shipping quote {i} with a retry timeout."""\n'
            f"    return helper_{peer}(order_total, retry_count) + {i}\n\n\n"
            f"class Quote{i}:\n"
            f"    def price_{i}(self, amount):\n"
            f"        return helper_{i}(amount, 3)\n{extra}")
