"""Security audit on a hostile repository: every CLI command, the MCP tools, resources and prompt,
and an LSP session run on a fixture that links out of the workspace and carries planted secrets.

Checks, per run:

* **reads outside** — files (and folders listed, programs executed) whose real location lies
  outside the workspace and outside what the interpreter and git legitimately read (Python's
  prefixes, the tool's own code, /usr, /lib*, /etc, /proc, /sys, /dev, the temp folder, the fake
  HOME's git configuration);
* **writes outside** — files opened for writing (O_WRONLY/O_RDWR/O_CREAT/O_TRUNC/O_APPEND),
  renamed, removed, created, linked, truncated or re-moded outside the workspace, except the
  `--out` paths the user typed (and the temporary file beside them), the temp folder and devices;
* **leaked secrets** — any planted secret value (whole, or its first or last 12 characters) in any
  output: stdout, stderr, files written with `--out`, MCP responses (errors included), LSP
  responses and notifications.

Tracing uses ``strace -f`` (children included: git, pool workers, forked helpers). Without strace
it falls back to a ``sys.addaudithook`` tracer injected through ``sitecustomize.py``, which sees
only Python processes (git's own reads are then invisible) and says so.

    python bench/audit.py [--keep] [--json] [--only cli,mcp,lsp]

Exit status: 0 when reads outside, writes outside and leaks are all zero; 1 when any is not; 2
when the audit could not run completely (a run crashed or timed out in the harness).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIMEOUT = 240.0  # seconds per CLI run (strace -f slows Python down a lot)
SESSION_TIMEOUT = 600.0
WINDOW = 12  # a leaked head or tail of this many characters counts as a (partial) leak


# --------------------------------------------------------------------------------------------
# The fixture


@dataclass
class Secret:
    kind: str
    value: str
    where: str


@dataclass
class Fixture:
    base: Path
    repo: Path
    outside: Path
    home: Path
    tmp: Path
    typed: Path  # a folder outside the workspace for typed --out paths (created by the tool)
    secrets: list[Secret] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GIT_", "CTXSTEWARD", "PYTHON", "XDG_"))
               and k not in ("COLUMNS", "LINES", "VIRTUAL_ENV", "TIKTOKEN_CACHE_DIR")}
        env.update(HOME=str(self.home), TMPDIR=str(self.tmp), GIT_TERMINAL_PROMPT="0",
                   LANG=env.get("LANG", "C.UTF-8"))
        return env


_ALNUM = string.ascii_letters + string.digits


class _Values:
    """Unique, reproducible secret values (generated, so no real-looking key sits in this file)."""

    def __init__(self, seed: int = 20261125) -> None:
        self.rng = random.Random(seed)
        self.secrets: list[Secret] = []

    def make(self, kind: str, where: str, prefix: str = "", n: int = 24,
             alphabet: str = _ALNUM) -> str:
        value = prefix + "".join(self.rng.choice(alphabet) for _ in range(n))
        self.secrets.append(Secret(kind, value, where))
        return value


def _git(repo: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def build_fixture(base: Path) -> Fixture:
    """The hostile repository (a real git repo with a branch and uncommitted work), a folder
    outside it that it links into, and a fake HOME."""
    fx = Fixture(base=base, repo=base / "repo", outside=base / "outside", home=base / "home",
                 tmp=base / "tmp", typed=base / "typed-out")
    for d in (fx.repo, fx.outside, fx.home, fx.tmp):
        d.mkdir(parents=True)
    v = _Values()
    upper = string.ascii_uppercase + "234567"

    # Outside the workspace: what the links point to.
    _write(fx.outside, {
        "netrc": f"machine api.example.com login bob password "
                 f"{v.make('outside netrc password', 'outside/netrc')}\n",
        "notes.md": f"# private notes\n\nThe vault phrase is "
                    f"{v.make('outside note text', 'outside/notes.md')}.\n",
        "passwd": "root:x:0:0:root:/root:/bin/bash\n"
                  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                  f"svc:x:1001:1001:{v.make('outside passwd gecos', 'outside/passwd')}:"
                  "/home/svc:/bin/sh\n",
        "lib.py": "def vendored_helper(x):\n"
                  f"    return x + {v.make('outside vendored code', 'outside/lib.py')!r}\n",
    })
    # The fake HOME: git's configuration (read by git itself), a netrc and stored credentials.
    _write(fx.home, {
        ".gitconfig": "[user]\n\tname = Audit Person\n\temail = audit.person@example.com\n"
                      "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
                      "[core]\n\tautocrlf = false\n",
        ".netrc": f"machine github.com login audit password "
                  f"{v.make('HOME .netrc password', '~/.netrc')}\n",
        ".git-credentials": "https://audit:"
                            f"{v.make('HOME git credential', '~/.git-credentials')}@example.com\n",
    })

    pem_body = [v.make("PEM private key", "deploy/server.pem", n=64,
                       alphabet=_ALNUM + "+/") for _ in range(1)]
    pem = ("-----BEGIN " + "RSA PRIVATE KEY-----\n" + "\n".join(pem_body)
           + "\n-----END " + "RSA PRIVATE KEY-----\n")
    files = {
        "CLAUDE.md": "# Project\n\n"
                     "Setup: see @docs/netrc.md and @.env, and the notes @../outside/notes.md.\n"
                     "Personal logins: @~/.netrc\n\n"
                     "Code lives in `app/core.py`; run `make test` before committing.\n"
                     "The router is `Router.dispatch`.\n",
        "README.md": "# demo\n\nA small service with a router, a database layer and a client.\n",
        "Makefile": "test:\n\tpython -m pytest -q\n",
        ".env": f"API_TOKEN={v.make('.env token', '.env', n=32)}\n",
        "deploy/server.pem": pem,
        "app/__init__.py": "",
        "app/core.py":
            "from app.db import connect\n\n\n"
            "class Router:\n"
            "    def __init__(self):\n        self.routes = {}\n\n"
            "    def add(self, path, handler):\n        self.routes[path] = handler\n\n"
            "    def dispatch(self, request):\n"
            "        return self.routes[request.path](request)\n\n\n"
            "def handle(request):\n    db = connect()\n    return db.query(request.upper())\n\n\n"
            "def normalize(text):\n    return ' '.join(text.split())\n",
        "app/db.py":
            "CONN = \"Server=db.internal;Database=app;User Id=sa;Password="
            f"{v.make('connection string password', 'app/db.py')};\"\n\n\n"
            "def connect():\n"
            f"    options = dict(password=\"{v.make('dict(password=) value', 'app/db.py')}\")\n"
            "    return Database(CONN, **options)\n\n\n"
            "class Database:\n"
            "    def __init__(self, conn, **options):\n        self.conn = conn\n\n"
            "    def query(self, text):\n        return text\n",
        "app/http.py":
            "import requests\n\n\n"
            "def fetch(url):\n"
            f"    return requests.get(url, auth=(\"admin\", \"{v.make('auth tuple password', 'app/http.py')}\"))\n\n\n"  # noqa: E501
            "def call_api(url):\n"
            "    headers = {\"Authorization\": \"Bearer "
            f"{v.make('Bearer token', 'app/http.py', n=40)}\"}}\n"
            "    return requests.get(url, headers=headers)\n",
        "app/settings.py":
            "import os\n\n"
            "os.environ.setdefault(\"DB_PASSWORD\", "
            f"\"{v.make('environ.setdefault password', 'app/settings.py')}\")\n"
            f"SIGNING_KEY = \"{v.make('pragma allowlist secret', 'app/settings.py')}\""
            "  # pragma: allowlist secret\n\n\n"
            "def debug():\n    return os.environ.get(\"DEBUG\") == \"1\"\n",
        "web.config":
            "<?xml version=\"1.0\"?>\n<configuration>\n  <appSettings>\n"
            f"    <add key=\"password\" value=\"{v.make('web.config password', 'web.config')}\"/>\n"
            "  </appSettings>\n</configuration>\n",
        "go.mod": "module example.com/demo\n\ngo 1.22\n",
        "cmd/server/main.go":
            "package main\n\nimport \"fmt\"\n\n"
            "type Config struct {\n\tUser     string\n\tPassword string\n}\n\n"
            "func main() {\n"
            f"\tcfg := Config{{User: \"svc\", Password: \"{v.make('Go struct Password', 'cmd/server/main.go')}\"}}\n"  # noqa: E501
            "\tfmt.Println(cfg.User)\n}\n",
        "web/index.js":
            "export function render(items) {\n  return items.map(format).join('\\n');\n}\n\n"
            "export function format(item) {\n  return `${item.name}: ${item.value}`;\n}\n",
        "notes/hosts.txt":
            "Deploy hosts\n\nmachine deploy.example.com\n  login deploy\n  password "
            f"{v.make('netrc lines in .txt', 'notes/hosts.txt')}\n",
        "tests/test_core.py":
            "from app.core import normalize\n\n\n"
            "def test_normalize():\n    assert normalize(' a  b ') == 'a b'\n",
    }
    _write(fx.repo, files)
    (fx.repo / "docs").mkdir()
    os.symlink("../../outside/netrc", fx.repo / "docs" / "netrc.md")
    os.symlink("../outside/notes.md", fx.repo / "HANDOFF.md")
    os.symlink("../outside/passwd", fx.repo / "passwd_link.txt")
    os.symlink("loop_b", fx.repo / "loop_a")
    os.symlink("loop_a", fx.repo / "loop_b")
    os.symlink("../outside", fx.repo / "vendor")

    env = fx.env()
    _git(fx.repo, "init", "-q", "-b", "main", env=env)
    _git(fx.repo, "add", "-A", env=env)
    _git(fx.repo, "commit", "-q", "-m", "initial import", env=env)
    _git(fx.repo, "checkout", "-q", "-b", "feature/rotate-credentials", env=env)
    aws = v.make("AWS key in a TODO comment", "app/client.py (branch commit)", prefix="AKIA",
                 n=16, alphabet=upper)
    _write(fx.repo, {"app/client.py":
                     "from app.http import fetch\n\n\n"
                     "def get_user(uid):\n"
                     f"    # TODO: drop the hardcoded key {aws} once the vault works\n"
                     "    return fetch(f\"https://api.example.com/users/{uid}\")\n"})
    _git(fx.repo, "add", "-A", env=env)
    _git(fx.repo, "commit", "-q", "-m", "client: fetch users", env=env)
    ghp = v.make("GitHub token in a commit subject", "commit subject", prefix="ghp_", n=36)
    fixme = v.make("FIXME password", "app/jobs.py")
    _write(fx.repo, {"app/jobs.py":
                     "def nightly():\n"
                     f"    # FIXME password is {fixme} on staging\n"
                     "    return 'ok'\n"})
    _git(fx.repo, "add", "-A", env=env)
    _git(fx.repo, "commit", "-q", "-m", f"jobs: nightly run with deploy token {ghp}", env=env)
    # Uncommitted work, so handoff has content.
    with (fx.repo / "app" / "core.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef retry(fn, times=3):\n    for _ in range(times):\n"
                "        result = fn()\n        if result:\n            return result\n"
                "    return None\n")
    (fx.repo / "task.txt").write_text("add retries to the router dispatch\n")
    fx.secrets = v.secrets
    return fx


# --------------------------------------------------------------------------------------------
# Tracing


@dataclass
class Event:
    pid: int
    ts: float
    op: str  # read | write | exec | probe
    path: str  # the real location (symlinks resolved), as best known
    call: str  # the syscall (or audit event) and its raw text, shortened


_STRACE_SET = ("%file,%process,fchdir,ftruncate")


def strace_prefix(log: Path) -> list[str]:
    return ["strace", "-f", "-qq", "-y", "-ttt", "-s", "256", "-e", f"trace={_STRACE_SET}",
            "-o", str(log), "--"]


_LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
_CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(.*)$")
_DECOR = re.compile(r"^(-?\d+|AT_FDCWD)<(.*)>$")
_RESULT = re.compile(r"^(-?\d+)(?:<(.*?)>)?")

_READLIKE = {"open", "openat", "openat2", "creat"}
_PROBES = {"stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
           "readlink", "readlinkat", "getxattr", "lgetxattr", "listxattr", "llistxattr",
           "statfs", "fstatat64"}
_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
_ESC = re.compile(r'\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)')
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", '"': '"', "\\": "\\"}


def _unescape(s: str) -> str:
    def sub(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] == "x":
            return chr(int(e[1:], 16))
        if e[0].isdigit():
            return chr(int(e, 8))
        return _SIMPLE.get(e, e)

    raw = _ESC.sub(sub, s)
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def _split_args(s: str) -> list[str]:
    """Top-level comma-separated arguments of a strace call (quotes, brackets, decorations)."""
    out, depth, cur, i, quote = [], 0, [], 0, False
    while i < len(s):
        c = s[i]
        if quote:
            cur.append(c)
            if c == "\\" and i + 1 < len(s):
                cur.append(s[i + 1])
                i += 1
            elif c == '"':
                quote = False
        elif c == '"':
            quote = True
            cur.append(c)
        elif c in "([{<":
            depth += 1
            cur.append(c)
        elif c in ")]}>":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if cur:
        out.append("".join(cur).strip())
    return out


def _string(arg: str) -> str | None:
    if arg.startswith('"'):
        end = arg.rfind('"')
        return _unescape(arg[1:end])
    return None


def _decor(arg: str) -> str | None:
    m = _DECOR.match(arg)
    return _unescape(m.group(2)) if m else None


def _resolve(base: str | None, path: str, follow: bool) -> str:
    full = path if path.startswith("/") else os.path.join(base or "/", path)
    if follow:
        return os.path.realpath(full)
    head, tail = os.path.split(full.rstrip("/") or "/")
    if tail in ("", ".", ".."):
        return os.path.realpath(full)
    return os.path.join(os.path.realpath(head), tail)


def _at(args: list[str], here: str, i: int, dirfd_index: int | None, follow: bool
        ) -> str | None:
    """The real location named by argument ``i`` (relative to the dirfd argument
    ``dirfd_index``'s decoration, else to ``here``)."""
    if i >= len(args):
        return None
    p = _string(args[i])
    if p is None:
        return _decor(args[i])
    base = here
    if dirfd_index is not None and dirfd_index < len(args):
        base = _decor(args[dirfd_index]) or here
    return _resolve(base, p, follow)


def parse_strace(log: Path, start_cwd: str) -> list[Event]:
    """Events of an ``strace -f -y -ttt`` log: unfinished calls are joined with their resumption,
    relative paths resolved against the calling process's directory (AT_FDCWD decoration,
    chdir/fchdir, inherited from the parent on clone/fork)."""
    cwd: dict[int, str] = {}
    pending: dict[int, str] = {}
    events: list[Event] = []
    first_pid: int | None = None
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return events
    for line in lines:
        m = _LINE.match(line)
        if not m:
            continue
        pid, ts, rest = int(m.group(1)), float(m.group(2)), m.group(3)
        if first_pid is None:
            first_pid = pid
            cwd[pid] = start_cwd
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[: -len("<unfinished ...>")].rstrip()
            continue
        if rest.startswith("<..."):
            m2 = re.match(r"<\.\.\. \w+ resumed>(.*)$", rest)
            if not m2 or pid not in pending:
                continue
            rest = pending.pop(pid) + m2.group(1)
        cm = _CALL.match(rest)
        if not cm:
            continue
        name, argtext, result = cm.group(1), cm.group(2), cm.group(3)
        rm = _RESULT.match(result)
        ok = bool(rm) and not result.startswith("-1")
        args = _split_args(argtext)
        here = cwd.get(pid, start_cwd)
        short = (name + "(" + argtext)[:160]

        # Keep track of each process's working directory.
        for a in args[:1]:
            d = _decor(a)
            if a.startswith("AT_FDCWD<") and d:
                cwd[pid] = here = d
        if name in ("clone", "clone3", "fork", "vfork") and ok and rm:
            child = int(rm.group(1))
            if child > 0:
                cwd[child] = here
            continue
        if not ok:
            continue
        if name == "chdir" and args:
            p = _string(args[0])
            if p is not None:
                cwd[pid] = _resolve(here, p, True)
            continue
        if name == "fchdir" and args:
            d = _decor(args[0])
            if d:
                cwd[pid] = d
            continue

        if name in _READLIKE:
            if name in ("open", "creat"):
                path, flags = _at(args, here, 0, None, True), (args[1] if len(args) > 1 else "")
            else:
                path, flags = _at(args, here, 1, 0, True), (args[2] if len(args) > 2 else "")
            if name == "creat":
                flags = "O_CREAT|O_WRONLY|O_TRUNC"
            real = rm.group(2) if rm else None
            if real:
                real = _unescape(real).removesuffix(" (deleted)")
            target = real if real and real.startswith("/") else path
            if target is None:
                continue
            if "O_PATH" in flags:
                events.append(Event(pid, ts, "probe", target, short))
            elif any(f in flags for f in _WRITE_FLAGS):
                events.append(Event(pid, ts, "write", target, short))
            else:
                events.append(Event(pid, ts, "read", target, short))
        elif name in ("execve", "execveat"):
            path = (_at(args, here, 0, None, True) if name == "execve"
                    else _at(args, here, 1, 0, True))
            if path:
                events.append(Event(pid, ts, "exec", path, short))
        elif name in _PROBES:
            idx = (1, 0) if name in ("newfstatat", "statx", "faccessat", "faccessat2",
                                     "readlinkat", "fstatat64") else (0, None)
            follow = name not in ("lstat", "readlink", "readlinkat", "lgetxattr", "llistxattr")
            if name in ("newfstatat", "statx") and "AT_SYMLINK_NOFOLLOW" in argtext:
                follow = False
            if name in ("newfstatat", "statx") and len(args) > 1 and args[1] == '""':
                continue  # fstat of an fd already opened
            path = _at(args, here, idx[0], idx[1], follow)
            if path:
                events.append(Event(pid, ts, "probe", path, short))
        elif name in ("rename", "renameat", "renameat2"):
            pairs: list[tuple[int, int | None]] = (
                [(0, None), (1, None)] if name == "rename" else [(1, 0), (3, 2)])
            for i, dfd in pairs:
                path = _at(args, here, i, dfd, False)
                if path:
                    events.append(Event(pid, ts, "write", path, short))
        elif name in ("unlink", "rmdir", "mkdir", "truncate", "chmod", "chown", "lchown",
                      "utime", "utimes", "mknod", "setxattr", "lsetxattr", "removexattr",
                      "lremovexattr"):
            follows = name in ("truncate", "chmod", "chown", "utime", "utimes", "setxattr",
                               "removexattr")
            path = _at(args, here, 0, None, follows)
            if path:
                events.append(Event(pid, ts, "write", path, short))
        elif name in ("unlinkat", "mkdirat", "fchmodat", "fchmodat2", "fchownat", "utimensat",
                      "futimesat", "mknodat"):
            follow = name in ("fchmodat", "fchmodat2", "fchownat", "utimensat", "futimesat") \
                and "AT_SYMLINK_NOFOLLOW" not in argtext
            if len(args) > 1 and args[1] in ("NULL", '""'):
                path = _decor(args[0])  # on the fd itself
            else:
                path = _at(args, here, 1, 0, follow)
            if path:
                events.append(Event(pid, ts, "write", path, short))
        elif name in ("symlink", "link"):
            path = _at(args, here, 1, None, False)
            if path:
                events.append(Event(pid, ts, "write", path, short))
        elif name in ("symlinkat",):
            path = _at(args, here, 2, 1, False)
            if path:
                events.append(Event(pid, ts, "write", path, short))
        elif name in ("linkat",):
            path = _at(args, here, 3, 2, False)
            if path:
                events.append(Event(pid, ts, "write", path, short))
        elif name == "ftruncate" and args:
            d = _decor(args[0])
            if d:
                events.append(Event(pid, ts, "write", d, short))
    return events


# The fallback: an audit hook in every Python process (sitecustomize on PYTHONPATH).
_SITECUSTOMIZE = r'''
import json as _json, os as _os, sys as _sys, time as _time

_log = _os.environ.get("CTXSTEWARD_AUDIT_LOG")
if _log:
    _fd = _os.open(_log, _os.O_WRONLY | _os.O_APPEND | _os.O_CREAT, 0o600)
    _busy = [False]
    _W = _os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_TRUNC | _os.O_APPEND

    def _real(p, follow=True):
        if isinstance(p, bytes):
            p = _os.fsdecode(p)
        if not isinstance(p, str):
            return None
        p = _os.path.join(_os.getcwd(), p)
        if follow:
            return _os.path.realpath(p)
        head, tail = _os.path.split(p.rstrip("/"))
        return _os.path.join(_os.path.realpath(head), tail)

    def _emit(op, path, call):
        if path:
            _os.write(_fd, (_json.dumps({"pid": _os.getpid(), "ts": _time.time(), "op": op,
                                          "path": path, "call": call}) + "\n").encode())

    def _hook(event, args):
        if _busy[0]:
            return
        _busy[0] = True
        try:
            if event == "open":
                path, mode, flags = args
                w = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                    (isinstance(flags, int) and flags & _W)
                _emit("write" if w else "read", _real(path), "open")
            elif event in ("os.listdir", "os.scandir") and args and args[0] is not None:
                _emit("read", _real(args[0]), event)
            elif event == "os.rename":
                _emit("write", _real(args[0], False), event)
                _emit("write", _real(args[1], False), event)
            elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link"):
                i = 1 if event in ("os.symlink", "os.link") else 0
                _emit("write", _real(args[i], False), event)
            elif event in ("os.truncate", "os.chmod", "os.utime"):
                _emit("write", _real(args[0]), event)
            elif event == "subprocess.Popen":
                _emit("exec", str(args[0]), "subprocess.Popen " + str(args[1])[:120])
        except Exception:
            pass
        finally:
            _busy[0] = False

    _sys.addaudithook(_hook)
'''


def parse_audit_log(log: Path) -> list[Event]:
    events: list[Event] = []
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return events
    for line in lines:
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        op = d["op"]
        if op == "exec" and not str(d["path"]).startswith("/"):
            found = shutil.which(str(d["path"]))
            d["path"] = os.path.realpath(found) if found else d["path"]
        events.append(Event(d["pid"], d["ts"], op, d["path"], d["call"]))
    return events


class Tracer:
    """Wraps a command so its file accesses are logged, and reads the log back."""

    def __init__(self, workdir: Path, *, force_hook: bool = False) -> None:
        self.workdir = workdir
        self.kind = "audit-hook" if force_hook or not shutil.which("strace") else "strace"
        self.why = "asked for" if force_hook else "strace not found"
        self.n = 0
        workdir.mkdir(parents=True, exist_ok=True)
        if self.kind == "audit-hook":
            self.site = workdir / "audit-site"
            self.site.mkdir(parents=True, exist_ok=True)
            (self.site / "sitecustomize.py").write_text(_SITECUSTOMIZE)

    @property
    def note(self) -> str:
        if self.kind == "strace":
            return "tracer: strace -f (every process, git and workers included)"
        return (f"tracer: sys.addaudithook via sitecustomize.py ({self.why}): only Python "
                "processes are seen (git's own reads and writes are NOT checked), and an access "
                "is logged before it happens, so a failed one counts too")

    def wrap(self, argv: Sequence[str], env: dict[str, str]) -> tuple[list[str], dict[str, str],
                                                                      Path]:
        self.n += 1
        log = self.workdir / f"trace-{self.n:03d}.log"
        if self.kind == "strace":
            return [*strace_prefix(log), *argv], env, log
        env = dict(env)
        env["PYTHONPATH"] = str(self.site)
        env["CTXSTEWARD_AUDIT_LOG"] = str(log)
        return list(argv), env, log

    def events(self, log: Path, cwd: Path) -> list[Event]:
        if self.kind == "strace":
            return parse_strace(log, str(cwd))
        return parse_audit_log(log)


# --------------------------------------------------------------------------------------------
# Classification


def _under(path: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


class Policy:
    """Where a read or a write is allowed."""

    def __init__(self, fx: Fixture, typed_outs: Iterable[Path] = ()) -> None:
        self.repo = os.path.realpath(fx.repo)
        self.base = os.path.realpath(fx.base)
        home = os.path.realpath(fx.home)
        self.tmp = os.path.realpath(fx.tmp)
        self.harness = os.path.join(self.base, "traces")  # trace logs, the fallback's site dir
        code: set[str] = set()
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                  *(sysconfig.get_paths().values())):
            code.add(p)
            code.add(os.path.realpath(p))
        for pkg in ("analyzers", "server"):
            spec = importlib.util.find_spec(pkg)
            if spec and spec.origin:
                code.add(str(Path(spec.origin).resolve().parent.parent))  # the tool's own code
        self.code = sorted(code)
        self.system = ["/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc",
                       "/proc", "/sys", "/dev", "/run", "/var/lib/locales"]
        # Files of /etc no part of the tool needs (an editor may ask about file:///etc/passwd).
        self.not_system = {"/etc/passwd", "/etc/shadow", "/etc/gshadow", "/etc/group",
                           "/etc/sudoers"}
        self.git_home = [os.path.join(home, ".gitconfig"), os.path.join(home, ".config/git"),
                         os.path.join(home, ".gitignore")]
        self.typed = [os.path.realpath(p) for p in typed_outs]
        # The tool's own per-user cache (parsed tokenizer data, analyzers/tokens.py): not
        # repository data; listed apart, not counted.
        self.home = home
        self.cache = os.path.join(home, ".cache", "ctxsteward")

    def own_cache(self, path: str) -> bool:
        return _under(path, self.cache) or (_under(self.cache, path) and _under(path, self.home)
                                            and path != self.home)

    def inside(self, path: str) -> bool:
        return _under(path, self.repo)

    def _typed_ok(self, path: str, op: str) -> bool:
        for t in self.typed:
            if path == t:
                return True
            d, name = os.path.split(t)
            if os.path.dirname(path) == d and os.path.basename(path).startswith(f".{name}."):
                return True  # the atomic write's temporary file beside it
            if op == "write" and _under(t, path) and _under(path, self.base):
                return True  # creating the typed path's missing folders
        return False

    def outside(self, ev: Event) -> bool:
        p = ev.path
        if self.inside(p) or _under(p, self.tmp) or self._typed_ok(p, ev.op):
            return False
        if p.startswith("/tmp/pymp-") or _under(p, "/dev"):
            return False
        if ev.op != "write" and _under(p, self.harness):
            return False
        if ev.op == "write":
            # Python's bytecode cache for its own code is not the tool's doing.
            pyc = "/__pycache__/" in p or p.endswith("/__pycache__")
            return not (pyc and any(_under(p, c) for c in self.code))
        if p in ("/", self.base) and ev.op == "probe":
            return False
        if any(_under(p, c) for c in self.code):
            return False
        if p not in self.not_system and any(_under(p, s) for s in self.system):
            return False
        return not any(_under(p, g) for g in self.git_home)


# --------------------------------------------------------------------------------------------
# Runs and their results


@dataclass
class RunResult:
    name: str
    group: str
    rc: int | None = None
    expect_rc: tuple[int, ...] | None = None
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    events: list[Event] = field(default_factory=list)
    reads_outside: list[Event] = field(default_factory=list)
    writes_outside: list[Event] = field(default_factory=list)
    probes_outside: list[Event] = field(default_factory=list)
    cache: list[Event] = field(default_factory=list)  # the tool's own cache in HOME
    leaks: list[tuple[Secret, str, str]] = field(default_factory=list)  # (secret, where, how)
    error: str | None = None
    seconds: float = 0.0

    @property
    def unexpected_rc(self) -> bool:
        return self.expect_rc is not None and self.rc is not None and self.rc not in self.expect_rc


def find_leaks(outputs: Iterable[tuple[str, str]], secrets: Sequence[Secret]
               ) -> list[tuple[Secret, str, str]]:
    found = []
    for label, text in outputs:
        for s in secrets:
            if s.value in text:
                found.append((s, label, "whole"))
            elif s.value[:WINDOW] in text or s.value[-WINDOW:] in text:
                found.append((s, label, "partial"))
    return found


def judge(result: RunResult, policy: Policy, secrets: Sequence[Secret]) -> RunResult:
    seen: set[tuple[str, str]] = set()
    for ev in result.events:
        if not policy.outside(ev):
            continue
        key = (ev.op, ev.path)
        if key in seen:
            continue
        seen.add(key)
        if policy.own_cache(ev.path):
            if ev.op != "probe":
                result.cache.append(ev)
        elif ev.op in ("read", "exec"):
            result.reads_outside.append(ev)
        elif ev.op == "write":
            result.writes_outside.append(ev)
        else:
            result.probes_outside.append(ev)
    result.leaks = find_leaks(result.outputs, secrets)
    return result


def run_traced(name: str, argv: Sequence[str], *, cwd: Path, env: dict[str, str],
               tracer: Tracer, group: str = "cli", expect_rc: tuple[int, ...] | None = None,
               out_files: Sequence[Path] = (), timeout: float = TIMEOUT) -> RunResult:
    """Run ``argv`` under the tracer; collect its outputs and file events."""
    res = RunResult(name=name, group=group, expect_rc=expect_rc)
    full, env2, log = tracer.wrap(argv, env)
    t0 = time.monotonic()
    try:
        done = subprocess.run(full, cwd=str(cwd), env=env2, capture_output=True, timeout=timeout,
                              check=False)
        res.rc = done.returncode
        res.outputs += [("stdout", done.stdout.decode("utf-8", "replace")),
                        ("stderr", done.stderr.decode("utf-8", "replace"))]
    except subprocess.TimeoutExpired as e:
        res.error = f"timed out after {timeout:.0f}s"
        res.outputs += [("stdout", (e.stdout or b"").decode("utf-8", "replace")),
                        ("stderr", (e.stderr or b"").decode("utf-8", "replace"))]
    res.seconds = time.monotonic() - t0
    for f in out_files:
        if f.is_file() and not f.is_symlink():
            res.outputs.append((f"--out {f.name}", f.read_text(encoding="utf-8",
                                                               errors="replace")))
    res.events = tracer.events(log, cwd)
    if not res.events and res.error is None:
        res.error = f"the trace {log.name} is empty: nothing was checked"
    return res


def cli_runs(fx: Fixture) -> list[tuple[str, list[str], tuple[int, ...] | None, list[Path]]]:
    """(name, arguments, expected exit statuses, files written with --out to scan)."""
    inside_out = fx.repo / "out" / "bundle.md"
    typed_bundle = fx.typed / "bundle.md"
    typed_note = fx.typed / "handoff.md"
    typed_sarif = fx.typed / "check.sarif"
    outside_netrc = str(fx.outside / "netrc")
    ok = (0,)
    return [
        ("index", ["index"], ok, []),
        ("index --json", ["index", "--json"], ok, []),
        ("index ROOT", ["index", str(fx.repo), "--large-commit-limit", "5"], ok, []),
        ("budget", ["budget"], ok, []),
        ("budget --json", ["budget", "--json", "--depth", "4", "--top", "50"], ok, []),
        ("budget links", ["budget", "docs", "vendor", "passwd_link.txt", "loop_a", ".env"],
         None, []),
        ("bundle seed+task md", ["bundle", "--seed", "app/core.py", "--task",
                                 "rotate the database password and the API token"], ok, []),
        ("bundle task xml", ["bundle", "--task", "deploy credentials netrc login password",
                             "--format", "xml", "--budget", "30000"], ok, []),
        ("bundle json", ["bundle", "--seed", "app/core.py", "--task",
                         "database connection and http client auth", "--format", "json"], ok,
         []),
        # Seeds holding a few secrets among their lines: shown, every value masked.
        *[(f"bundle redacted seeds {fmt}", ["bundle", "--seed", "app/db.py", "--seed",
                                            "app/http.py", "--format", fmt], ok, [])
          for fmt in ("markdown", "xml", "json")],
        ("bundle redacted seeds --out --save", ["bundle", "--seed", "app/db.py", "--seed",
                                                "app/http.py", "--out", str(inside_out),
                                                "--save", "audit-redacted"], ok,
         [inside_out, fx.repo / ".ctxsteward" / "bundles" / "audit-redacted.json"]),
        ("bundle --verify redacted", ["bundle", "--verify", "audit-redacted"], (0, 1), []),
        ("bundle secret seed (refused)", ["bundle", "--seed", "deploy/server.pem", "--format",
                                          "json"], (2,), []),
        ("bundle seed::SYMBOL", ["bundle", "--seed", "app/core.py::Router", "--pin",
                                 "app/settings.py", "--pin", "web.config", "--budget", "20000"],
         None, []),
        ("bundle budget 0", ["bundle", "--task", "password token key", "--budget", "0",
                             "--limit", "50"], ok, []),
        ("bundle task-file", ["bundle", "--task-file", "task.txt", "--format", "xml"], ok, []),
        ("bundle --save", ["bundle", "--seed", "app/core.py", "--task", "retry dispatch",
                           "--save", "audit1"], ok, []),
        ("bundle --verify", ["bundle", "--verify", "audit1"], (0, 1), []),
        ("bundle --verify json", ["bundle", "--verify", "audit1", "--format", "json"], (0, 1),
         []),
        ("bundle --out inside", ["bundle", "--seed", "app/core.py", "--task",
                                 "http client auth headers", "--out", str(inside_out)],
         ok, [inside_out]),
        ("bundle --out typed outside", ["bundle", "--seed", "web/index.js", "--task",
                                        "config password server", "--out", str(typed_bundle)],
         ok, [typed_bundle]),
        ("bundle --out link (refused)", ["bundle", "--seed", "app/core.py", "--out",
                                         "docs/netrc.md"], (2,), []),
        ("bundle seeds out (refused)", ["bundle", "--seed", "docs/netrc.md", "--seed",
                                        "vendor/lib.py"], (2,), []),
        ("bundle seed abs out (refused)", ["bundle", "--seed", outside_netrc], (2,), []),
        ("bundle seed secret files", ["bundle", "--seed", ".env", "--seed", "deploy/server.pem",
                                      "--seed", "passwd_link.txt"], None, []),
        ("check", ["check"], (0, 1), []),
        ("check --format json", ["check", "--format", "json"], (0, 1), []),
        ("check --format sarif", ["check", "--format", "sarif"], (0, 1), []),
        ("check CLAUDE.md --out typed", ["check", "CLAUDE.md", "--format", "sarif", "--out",
                                         str(typed_sarif)], (0, 1), [typed_sarif]),
        ("check links out", ["check", "docs/netrc.md", "vendor", "passwd_link.txt"], None, []),
        ("check typed path outside", ["check", outside_netrc], None, []),
        ("handoff", ["handoff"], ok, []),
        ("handoff --format json", ["handoff", "--format", "json", "--base", "main"], ok, []),
        ("handoff --out HANDOFF.md (refused)", ["handoff", "--out", "HANDOFF.md"], (2,), []),
        ("handoff --out typed outside", ["handoff", "--out", str(typed_note)], ok, [typed_note]),
        ("handoff again typed", ["handoff", "--format", "markdown", "--out", str(typed_note)],
         ok, [typed_note]),
        *[(f"schema {n}", ["schema", n], ok, [])
          for n in ("index", "budget", "bundle", "verify", "check", "handoff")],
        ("mcp --print-tool-cost", ["mcp", "--root", str(fx.repo), "--print-tool-cost"], ok, []),
    ]


def ctxsteward_argv() -> list[str]:
    exe = Path(sys.executable).with_name("ctxsteward")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "server.cli"]


def run_cli_all(fx: Fixture, tracer: Tracer) -> list[RunResult]:
    out = []
    for name, args, expect, files in cli_runs(fx):
        res = run_traced(name, [*ctxsteward_argv(), *args], cwd=fx.repo, env=fx.env(),
                         tracer=tracer, expect_rc=expect, out_files=files)
        out.append(res)
        _progress(res)
    return out


def _progress(res: RunResult) -> None:
    print(f"  ran {res.group}: {res.name} (rc {res.rc}, {res.seconds:.1f}s)", file=sys.stderr,
          flush=True)


# --------------------------------------------------------------------------------------------
# Sessions (MCP, LSP): one traced server, events attributed to steps by time


@dataclass
class Step:
    name: str
    t0: float
    t1: float = 0.0
    outputs: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None


def split_session(group: str, steps: list[Step], events: list[Event],
                  tail_outputs: list[tuple[str, str]], error: str | None,
                  seconds: float) -> list[RunResult]:
    """One RunResult per step; an event belongs to the last step started before it (the
    server's start-up before the first step, its shutdown after the last)."""
    steps = sorted(steps, key=lambda s: s.t0)
    results = [RunResult(name=s.name, group=group, outputs=list(s.outputs), error=s.error,
                         seconds=max(s.t1 - s.t0, 0.0)) for s in steps]
    startup = RunResult(name="start-up", group=group)
    for ev in events:
        i = -1
        for j, s in enumerate(steps):
            if s.t0 <= ev.ts:
                i = j
            else:
                break
        (results[i] if i >= 0 else startup).events.append(ev)
    if not events and error is None:
        error = "the server's trace is empty: nothing was checked"
    server = RunResult(name="server stderr (whole session)", group=group, outputs=tail_outputs,
                       error=error, seconds=seconds)
    return [startup, *results, server]


def _dump(value: Any) -> str:
    if hasattr(value, "model_dump_json"):
        try:
            return value.model_dump_json(by_alias=True)
        except TypeError:
            return value.model_dump_json()
    try:
        return json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


async def _mcp_session(fx: Fixture, tracer: Tracer, errlog: Path) -> tuple[list[Step], Path,
                                                                           str | None]:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    argv, env, log = tracer.wrap([*ctxsteward_argv(), "mcp", "--root", str(fx.repo)], fx.env())
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=env, cwd=str(fx.repo))
    steps: list[Step] = []

    async def step(name: str, coro_fn: Any) -> Any:
        s = Step(name, time.time())
        steps.append(s)
        try:
            value = await asyncio.wait_for(coro_fn(), 180)
            s.outputs.append(("response", _dump(value)))
            return value
        except Exception as e:  # noqa: BLE001 - errors are outputs too
            err = getattr(e, "error", None)
            s.outputs.append(("error", f"{type(e).__name__}: {e} {_dump(err) if err else ''}"))
            return None
        finally:
            s.t1 = time.time()

    error = None
    with errlog.open("w") as errf:
        try:
            async with stdio_client(params, errlog=errf) as (read, write), \
                    ClientSession(read, write) as s:
                await step("initialize", s.initialize)
                tools = await step("tools/list", s.list_tools)
                names = [t.name for t in tools.tools] if tools else []
                calls: list[tuple[str, dict[str, Any]]] = [
                    ("token_budget", {}),
                    ("token_budget", {"paths": ["docs", "vendor", "passwd_link.txt"]}),
                    ("token_budget", {"paths": [str(fx.outside)]}),
                    ("suggest_bundle", {"seeds": ["app/core.py"], "task":
                                        "rotate the database password", "budget": 8000}),
                    ("suggest_bundle", {"task": "deploy credentials netrc login password token",
                                        "format": "xml", "budget": 20000, "save": "mcp1"}),
                    ("suggest_bundle", {"seeds": ["app/db.py", "app/http.py",
                                                  "cmd/server/main.go"], "format": "json"}),
                    ("suggest_bundle", {"seeds": ["docs/netrc.md"]}),
                    ("suggest_bundle", {"seeds": ["vendor/lib.py"]}),
                    ("suggest_bundle", {"seeds": ["../outside/netrc"]}),
                    ("suggest_bundle", {"seeds": [".env", "deploy/server.pem"]}),
                    ("verify_bundle", {"name": "mcp1"}),
                    ("verify_bundle", {"name": "../../outside/notes"}),
                    ("find_context", {"query": "password token api key secret", "limit": 50}),
                    ("check_instructions", {}),
                    ("check_instructions", {"paths": ["CLAUDE.md", "docs/netrc.md"]}),
                    ("handoff", {}),
                    ("handoff", {"base": "main"}),
                    ("handoff", {"write": True}),
                ]
                for t in names:
                    if not any(c[0] == t for c in calls):
                        calls.append((t, {}))  # a tool this script does not know yet
                for tool, arguments in calls:
                    if tool not in names:
                        continue
                    label = json.dumps(arguments).replace(str(fx.base), "$FIXTURE")[:60]
                    await step(f"tool {tool} {label}",
                               lambda t=tool, a=arguments: s.call_tool(t, a))
                listed = await step("resources/list", s.list_resources)
                uris = {"ctxsteward://handoff", "ctxsteward://bundles/mcp1",
                        "ctxsteward://bundles/..%2F..%2Foutside%2Fnotes"}
                if listed:
                    uris |= {str(r.uri) for r in listed.resources}
                for uri in sorted(uris):
                    await step(f"resource {uri}", lambda u=uri: s.read_resource(u))
                await step("prompts/list", s.list_prompts)
                await step("prompt start-task", lambda: s.get_prompt(
                    "start-task", {"task": "set up the netrc login and rotate the password"}))
        except Exception as e:  # noqa: BLE001 - reported, the audit is then incomplete
            error = f"MCP session failed: {type(e).__name__}: {e}"
    return steps, log, error


def run_mcp(fx: Fixture, tracer: Tracer) -> list[RunResult]:
    errlog = fx.base / "mcp-stderr.log"
    t0 = time.monotonic()
    steps, log, error = asyncio.run(asyncio.wait_for(_mcp_session(fx, tracer, errlog),
                                                     SESSION_TIMEOUT))
    time.sleep(0.5)  # let strace flush the exiting server
    results = split_session("mcp", steps, tracer.events(log, fx.repo),
                            [("stderr", errlog.read_text(errors="replace"))], error,
                            time.monotonic() - t0)
    for r in results:
        _progress(r)
    return results


class LspClient:
    """A small JSON-RPC client over the server's stdio that keeps every message it receives."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.next_id = 0
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self.received: list[tuple[float, str]] = []
        self.reader = asyncio.create_task(self._read())

    async def _send(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await self.proc.stdin.drain()

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = await out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length is None:
                continue
            raw = (await out.readexactly(length)).decode("utf-8", "replace")
            self.received.append((time.time(), raw))
            msg = json.loads(raw)
            if "method" in msg and "id" in msg:  # a request from the server
                await self._send({"jsonrpc": "2.0", "id": msg["id"],
                                  "result": self._answer(msg["method"], msg.get("params"))})
            elif "id" in msg and msg["id"] in self.waiting:
                fut = self.waiting.pop(msg["id"])
                if not fut.done():
                    fut.set_result(msg)

    @staticmethod
    def _answer(method: str, params: Any) -> Any:
        if method == "workspace/configuration":
            return [None for _ in (params or {}).get("items", [])]
        if method == "workspace/applyEdit":
            return {"applied": False, "failureReason": "the audit client applies no edits"}
        return None

    async def request(self, method: str, params: Any, timeout: float = 120) -> dict[str, Any]:
        self.next_id += 1
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = fut
        await self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                          "params": params})
        return await asyncio.wait_for(fut, timeout)

    async def notify(self, method: str, params: Any) -> None:
        await self._send({"jsonrpc": "2.0", "method": method, "params": params})


def _lsp_caps() -> dict[str, Any]:
    return {
        "textDocument": {
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "inlayHint": {}, "codeLens": {}, "documentLink": {}, "diagnostic": {},
            "publishDiagnostics": {}, "synchronization": {"didSave": True},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                "quickfix", "source"]}}},
        },
        "workspace": {"configuration": True, "applyEdit": True, "workspaceEdit": {},
                      "didChangeWatchedFiles": {"dynamicRegistration": True},
                      "executeCommand": {}, "workspaceFolders": True},
        "window": {"workDoneProgress": True},
    }


async def _lsp_session(fx: Fixture, tracer: Tracer, errlog: Path
                       ) -> tuple[list[Step], list[tuple[float, str]], Path, str | None]:
    argv, env, log = tracer.wrap([*ctxsteward_argv(), "serve"], fx.env())
    steps: list[Step] = []
    error = None
    with errlog.open("w") as errf:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=str(fx.repo), env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=errf)
        client = LspClient(proc)
        root = fx.repo.as_uri()

        async def req(name: str, method: str, params: Any, timeout: float = 120) -> Any:
            s = Step(name, time.time())
            steps.append(s)
            try:
                msg = await client.request(method, params, timeout)
                return msg.get("result")
            except Exception as e:  # noqa: BLE001 - a hung request is reported
                s.error = f"{method}: {type(e).__name__}: {e}"
                return None
            finally:
                s.t1 = time.time()

        async def note(name: str, method: str, params: Any) -> None:
            steps.append(Step(name, time.time(), time.time()))
            await client.notify(method, params)

        def short(path: Path) -> str:
            return str(path).replace(str(fx.repo) + "/", "").replace(str(fx.base), "$FIXTURE")

        def doc(uri: str) -> dict[str, Any]:
            return {"textDocument": {"uri": uri}}

        def rng(l0: int = 0, l1: int = 200) -> dict[str, Any]:
            return {"start": {"line": l0, "character": 0}, "end": {"line": l1, "character": 0}}

        try:
            await req("initialize", "initialize", {
                "processId": os.getpid(), "rootUri": root, "capabilities": _lsp_caps(),
                "workspaceFolders": [{"uri": root, "name": "repo"}],
                "initializationOptions": {"profile": "claude"}})
            await note("initialized", "initialized", {})
            s = Step("wait for the index", time.time())
            steps.append(s)
            end = time.monotonic() + 300
            while time.monotonic() < end:
                jobs = await client.request("ctxsteward/jobs", {"finished": 200})
                idx = [j for j in (jobs.get("result") or {}).get("jobs", [])
                       if j.get("kind") == "index"]
                if idx and all(j.get("state") not in ("queued", "running") for j in idx):
                    break
                await asyncio.sleep(0.3)
            else:
                s.error = "the index build did not finish in 300 s"
            s.t1 = time.time()

            claude = fx.repo / "CLAUDE.md"
            core = fx.repo / "app" / "core.py"
            netrc_out = fx.outside / "netrc"
            opened = [(claude, "markdown"), (core, "python"), (netrc_out, "plaintext"),
                      (Path("/etc/passwd"), "plaintext"), (fx.repo / "vendor" / "lib.py",
                                                            "python"),
                      (fx.repo / "docs" / "netrc.md", "markdown")]
            for path, lang in opened:
                # An editor sends the buffer's text; for files outside the workspace the server
                # must still not read the disk, nor echo the text into answers.
                await note(f"didOpen {short(path)}", "textDocument/didOpen", {"textDocument": {
                    "uri": path.as_uri(), "languageId": lang, "version": 1,
                    "text": path.read_text(errors="replace")}})
            await asyncio.sleep(2)
            lines = claude.read_text().splitlines()
            for i, line in enumerate(lines):
                for target in ("docs/netrc.md", ".env", "../outside/notes.md", "~/.netrc",
                               "app/core.py", "Router.dispatch"):
                    col = line.find(target)
                    if col >= 0 and (target != ".env" or line[col - 1] == "@"):
                        await req(f"hover CLAUDE.md {target}", "textDocument/hover", {
                            **doc(claude.as_uri()),
                            "position": {"line": i, "character": col + 1}})
            await req("hover app/core.py Router", "textDocument/hover", {
                **doc(core.as_uri()), "position": {"line": 3, "character": 7}})
            await req("hover app/core.py connect", "textDocument/hover", {
                **doc(core.as_uri()), "position": {"line": 0, "character": 18}})
            for path, _ in opened:
                uri = path.as_uri()
                name = short(path)
                await req(f"hover {name}", "textDocument/hover", {
                    **doc(uri), "position": {"line": 0, "character": 10}})
                await req(f"codeLens {name}", "textDocument/codeLens", doc(uri))
                await req(f"inlayHint {name}", "textDocument/inlayHint",
                          {**doc(uri), "range": rng()})
                await req(f"documentLink {name}", "textDocument/documentLink", doc(uri))
                await req(f"diagnostic {name}", "textDocument/diagnostic", doc(uri))
                await req(f"codeAction {name}", "textDocument/codeAction", {
                    **doc(uri), "range": rng(0, 1), "context": {"diagnostics": []}})
            commands: list[tuple[str, list[Any]]] = [
                ("ctxsteward.showBudget", []),
                ("ctxsteward.showBudget", [{"uri": core.as_uri()}]),
                ("ctxsteward.showBudget", [{"uri": claude.as_uri()}]),
                ("ctxsteward.showBudget", [{"uri": netrc_out.as_uri()}]),
                ("ctxsteward.showBudget", [{"uri": "file:///etc/passwd"}]),
                ("ctxsteward.showBudget", [{"uri": (fx.repo / "docs" / "netrc.md").as_uri()}]),
                ("ctxsteward.showBudget", [{"uri": (fx.repo / ".env").as_uri()}]),
                # Links out that no editor has open: only the disk could answer.
                ("ctxsteward.showBudget", [{"uri": (fx.repo / "passwd_link.txt").as_uri()}]),
                ("ctxsteward.showBudget", [{"uri": (fx.repo / "vendor" / "notes.md").as_uri()}]),
                ("ctxsteward.showBudget", [{"uri": (fx.repo / "loop_a").as_uri()}]),
                ("ctxsteward.suggestBundle", [{"uri": core.as_uri(),
                                               "task": "rotate the password", "budget": 20000}]),
                ("ctxsteward.suggestBundle", [{"task": "deploy credentials netrc password",
                                               "budget": 30000}]),
                ("ctxsteward.addToBundle", [{"uri": (fx.repo / "app" / "db.py").as_uri()}]),
                ("ctxsteward.addToBundle", [{"uri": netrc_out.as_uri()}]),
                ("ctxsteward.copyBundle", [{"format": "markdown"}]),
                ("ctxsteward.copyBundle", [{"format": "xml"}]),
                ("ctxsteward.currentBundle", [{}]),
                ("ctxsteward.saveBundle", [{"name": "lsp1"}]),
                ("ctxsteward.checkInstructions", [{}]),
                ("ctxsteward.previewHandoff", [{}]),
                ("ctxsteward.previewHandoff", [{"path": "notes/HANDOFF.md", "base": "main"}]),
                ("ctxsteward.generateHandoff", [{}]),
                ("ctxsteward.generateHandoff", [{"path": "notes/HANDOFF.md"}]),
                ("ctxsteward.showJobs", []),
            ]
            for command, arguments in commands:
                label = json.dumps(arguments).replace(fx.repo.as_uri() + "/", "").replace(
                    fx.base.as_uri(), "$FIXTURE")[:60]
                await req(f"command {command} {label}", "workspace/executeCommand",
                          {"command": command, "arguments": arguments})
            await req("shutdown", "shutdown", None, timeout=30)
            await note("exit", "exit", None)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                error = "the server did not exit within 30 s of exit"
        except Exception as e:  # noqa: BLE001 - reported, the audit is then incomplete
            error = f"LSP session failed: {type(e).__name__}: {e}"
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            client.reader.cancel()
            with contextlib.suppress(BaseException):
                await client.reader
    return steps, client.received, log, error


def run_lsp(fx: Fixture, tracer: Tracer) -> list[RunResult]:
    errlog = fx.base / "lsp-stderr.log"
    t0 = time.monotonic()
    steps, received, log, error = asyncio.run(_lsp_session(fx, tracer, errlog))
    steps.sort(key=lambda s: s.t0)
    for ts, raw in received:  # responses and notifications belong to the step they came in
        owner = None
        for s in steps:
            if s.t0 <= ts:
                owner = s
        if owner is not None:
            owner.outputs.append(("message", raw))
    early = [("message", raw) for ts, raw in received if not steps or ts < steps[0].t0]
    time.sleep(0.5)
    results = split_session("lsp", steps, tracer.events(log, fx.repo),
                            [("stderr", errlog.read_text(errors="replace")), *early], error,
                            time.monotonic() - t0)
    for r in results:
        _progress(r)
    return results


# --------------------------------------------------------------------------------------------
# Report


def _rel(path: str, fx: Fixture) -> str:
    base = os.path.realpath(fx.base)
    return "$FIXTURE" + path[len(base):] if _under(path, base) else path


def report(results: list[RunResult], fx: Fixture, tracer: Tracer, as_json: bool) -> int:
    totals = {"reads_outside": sum(len(r.reads_outside) for r in results),
              "writes_outside": sum(len(r.writes_outside) for r in results),
              "leaked_secrets": sum(len(r.leaks) for r in results),
              "probes_outside": sum(len(r.probes_outside) for r in results),
              "own_cache_accesses": sum(len(r.cache) for r in results)}
    errors = [f"{r.group} {r.name}: {r.error}" for r in results if r.error]
    unexpected = [f"{r.group} {r.name}: exit status {r.rc}, expected {r.expect_rc}"
                  for r in results if r.unexpected_rc]
    bad = totals["reads_outside"] or totals["writes_outside"] or totals["leaked_secrets"]
    # A step that did not do what it was for (a bundle that was refused, a refusal that did not
    # happen) leaves part of the surface unexercised: the audit is then incomplete, not clean.
    status = 1 if bad else (2 if errors or unexpected else 0)
    if as_json:
        print(json.dumps({
            "tracer": tracer.kind, "note": tracer.note, "fixture": str(fx.base),
            "totals": totals, "harness_errors": errors, "unexpected_exit_status": unexpected,
            "secrets": [{"kind": s.kind, "where": s.where} for s in fx.secrets],
            "runs": [{
                "group": r.group, "name": r.name, "rc": r.rc, "seconds": round(r.seconds, 2),
                "error": r.error,
                "reads_outside": [{"path": _rel(e.path, fx), "op": e.op, "call": e.call}
                                  for e in r.reads_outside],
                "writes_outside": [{"path": _rel(e.path, fx), "call": e.call}
                                   for e in r.writes_outside],
                "probes_outside": [_rel(e.path, fx) for e in r.probes_outside],
                "own_cache": [{"path": _rel(e.path, fx), "op": e.op} for e in r.cache],
                "leaks": [{"kind": s.kind, "planted_in": s.where, "output": where, "match": how}
                          for s, where, how in r.leaks],
            } for r in results],
            "exit_status": status}, indent=2))
        return status
    print(f"Context Steward security audit — {tracer.note}")
    print(f"fixture: {fx.base}  ({len(fx.secrets)} planted secrets; $FIXTURE below)")
    print()
    w = max(len(f"{r.group}: {r.name}") for r in results)
    w = min(w, 70)
    print(f"{'run':<{w}}  {'rc':>4}  {'reads out':>9}  {'writes out':>10}  {'leaks':>5}")
    for r in results:
        label = f"{r.group}: {r.name}"[:w]
        rc = "" if r.rc is None else str(r.rc)
        flag = "  !" if (r.reads_outside or r.writes_outside or r.leaks) else ""
        print(f"{label:<{w}}  {rc:>4}  {len(r.reads_outside):>9}  {len(r.writes_outside):>10}"
              f"  {len(r.leaks):>5}{flag}")
        for e in r.reads_outside[:4]:
            print(f"    read  {_rel(e.path, fx)}   [{e.call.split('(')[0]}]")
        for e in r.writes_outside[:4]:
            print(f"    write {_rel(e.path, fx)}   [{e.call.split('(')[0]}]")
        for s, where, how in r.leaks[:6]:
            print(f"    leak  {s.kind} (planted in {s.where}) in {where}"
                  + (" (partial)" if how == "partial" else ""))
        more = len(r.reads_outside) - 4, len(r.writes_outside) - 4, len(r.leaks) - 6
        if any(m > 0 for m in more):
            print(f"    … and {max(more[0], 0)} reads, {max(more[1], 0)} writes, "
                  f"{max(more[2], 0)} leaks more (--json lists all)")
    print()
    print(f"TOTAL  reads outside: {totals['reads_outside']}   writes outside: "
          f"{totals['writes_outside']}   leaked secrets: {totals['leaked_secrets']}")
    print(f"(not counted: {totals['probes_outside']} stat/access/readlink probes of paths "
          "outside; --json lists them)")
    cached = sorted({(e.op, _rel(e.path, fx)) for r in results for e in r.cache})
    if cached:
        print(f"(not counted: the tool's own cache in HOME, {totals['own_cache_accesses']} "
              f"accesses: {', '.join(f'{op} {p}' for op, p in cached[:4])})")
    kinds = sorted({s.kind for r in results for s, _, _ in r.leaks})
    if kinds:
        print(f"secret kinds leaked ({len(kinds)} of {len(fx.secrets)}): {', '.join(kinds)}")
    for u in unexpected:
        print(f"UNEXPECTED EXIT STATUS (audit incomplete): {u}")
    for err in errors:
        print(f"HARNESS ERROR (audit incomplete): {err}")
    return status


def audit(fx: Fixture, tracer: Tracer, only: set[str]) -> list[RunResult]:
    results: list[RunResult] = []
    if "cli" in only:
        results += run_cli_all(fx, tracer)
    if "mcp" in only:
        try:
            results += run_mcp(fx, tracer)
        except Exception as e:  # noqa: BLE001
            results.append(RunResult("session", "mcp", error=f"{type(e).__name__}: {e}"))
    if "lsp" in only:
        try:
            results += run_lsp(fx, tracer)
        except Exception as e:  # noqa: BLE001
            results.append(RunResult("session", "lsp", error=f"{type(e).__name__}: {e}"))
    typed = [f for _, _, _, files in cli_runs(fx) for f in files if not _under(
        os.path.realpath(f), os.path.realpath(fx.repo))]
    policy = Policy(fx, typed)
    for r in results:
        judge(r, policy, fx.secrets)
    return results


def dump_outputs(results: list[RunResult], folder: Path) -> None:
    """Every run's outputs, one file per run (kept with --keep, for reading the leaks)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, r in enumerate(results):
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{r.group}-{r.name}")[:80]
        with (folder / f"{i:03d}-{slug}.txt").open("w", encoding="utf-8") as f:
            for label, text in r.outputs:
                f.write(f"===== {label}\n{text}\n")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", action="store_true", help="keep the fixture and the trace logs")
    ap.add_argument("--json", action="store_true", help="print the findings as JSON")
    ap.add_argument("--only", default="cli,mcp,lsp", help="comma-separated: cli, mcp, lsp")
    ap.add_argument("--audit-hook", action="store_true",
                    help="use the sys.addaudithook tracer even when strace is available")
    args = ap.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="ctxsteward-audit-")).resolve()
    try:
        fx = build_fixture(base)
        tracer = Tracer(base / "traces", force_hook=args.audit_hook)
        if tracer.kind != "strace":
            print("strace not found: " + tracer.note, file=sys.stderr)
        results = audit(fx, tracer, {x.strip() for x in args.only.split(",")})
        if args.keep:
            dump_outputs(results, base / "outputs")
        return report(results, fx, tracer, args.json)
    finally:
        if args.keep:
            print(f"fixture kept in {base}", file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
