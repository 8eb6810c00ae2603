"""Killing a command mid-index leaves no process behind: pool workers, the multiprocessing
forkserver and resource tracker, the forked children of ``bundle`` all end with it, whatever the
signal (SIGTERM, SIGHUP, even SIGKILL, which runs no clean-up code at all).

Each case starts the real command on a real repository large enough that its first index is still
running, waits until the command has child processes (the pool's workers), then signals the
command alone. Every process of the command's session (it runs in a session of its own; none of
our children leave it) must then end. Survivors are killed at the end so a failure leaks nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from gitutil import cli_command, git_env, make_repo

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
    pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="a process pool needs two CPUs"),
]

FILES = 3000
APPEAR = 120.0  # seconds to wait for the command's workers to start
VANISH = 60.0  # seconds for the processes to end once the command is gone (generous)


def _module(i: int) -> str:
    funcs = "".join(
        f"def helper_{i}_{k}(value, other=None):\n"
        f"    '''Helper {k} of module {i}.'''\n"
        f"    total = value + {k}\n"
        f"    if other is not None:\n"
        f"        total += helper_{(i + 1) % FILES}_{k}(other)\n"
        f"    return total\n\n\n"
        for k in range(12))
    return (f"import os\nfrom pkg import mod_{(i + 7) % FILES}\n\n\n"
            f"class Thing{i}:\n    def run(self, x):\n        return mod_{(i + 7) % FILES}\n\n\n"
            + funcs)


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big")
    files = {f"pkg/mod_{i}.py": _module(i) for i in range(FILES)}
    return make_repo(root, files)


def _session_processes(sid: int) -> dict[int, str]:
    """pid -> command line of every live (not zombie) process in session ``sid``."""
    out: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state not in ("Z", "X"):
            out[int(entry)] = cmd
    return out


def _children(pid: int, procs: dict[int, str]) -> list[int]:
    out = []
    for p in procs:
        try:
            with open(f"/proc/{p}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            out.append(p)
    return out


def _lsp_message(body: dict[str, object]) -> bytes:
    data = json.dumps(body).encode()
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


def _read_lsp_message(stream: IO[bytes]) -> dict[str, object]:
    length = 0
    while (line := stream.readline().strip()):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    assert length, "the language server closed its output"
    answer: dict[str, object] = json.loads(stream.read(length))
    return answer


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:  # whatever happened, leave nothing running
        for pid in _session_processes(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _start(args: list[str], root: Path, started: list[subprocess.Popen[bytes]], *,
           stdout: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    shutil.rmtree(root / ".ctxsteward", ignore_errors=True)  # a first (cold) index each time
    env = git_env()
    env["CTXSTEWARD_CACHE_DIR"] = "off"
    proc = subprocess.Popen([*cli_command(), *args], cwd=root, env=env, stdin=subprocess.PIPE,
                            stdout=stdout, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    started.append(proc)
    return proc


def _wait_for_workers(proc: subprocess.Popen[bytes], at_least: int) -> dict[int, str]:
    """The command's session once it has ``at_least`` Python processes besides itself."""
    end = time.monotonic() + APPEAR
    while time.monotonic() < end:
        assert proc.poll() is None, "the command ended before its index got going"
        procs = _session_processes(proc.pid)
        pythons = [p for p, cmd in procs.items() if p != proc.pid and "python" in cmd]
        if len(pythons) >= at_least:
            return procs
        time.sleep(0.05)
    raise AssertionError(f"no {at_least} worker processes appeared: {procs}")


def _assert_all_end(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    before = _session_processes(proc.pid)
    os.kill(proc.pid, sig)  # the command alone, never its children
    proc.wait(timeout=VANISH)
    end = time.monotonic() + VANISH
    left = _session_processes(proc.pid)
    while left and time.monotonic() < end:
        time.sleep(0.1)
        left = _session_processes(proc.pid)
    assert not left, (f"after {sig.name} of the command {proc.pid}, these processes "
                      f"outlived it: {left} (its session before: {before})")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=lambda s: s.name)
def test_index_workers_end_with_the_command(big_repo: Path, sig: signal.Signals,
                                            started: list[subprocess.Popen[bytes]]) -> None:
    proc = _start(["index"], big_repo, started)
    procs = _wait_for_workers(proc, 2)
    assert len(_children(proc.pid, procs)) >= 2
    _assert_all_end(proc, sig)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=lambda s: s.name)
def test_mcp_forkserver_tracker_and_workers_end_with_the_server(
        big_repo: Path, sig: signal.Signals, started: list[subprocess.Popen[bytes]]) -> None:
    proc = _start(["mcp"], big_repo, started)  # indexes at start; stdin stays open
    # The resource tracker, the forkserver and its workers (grandchildren of the server).
    _wait_for_workers(proc, 4)
    _assert_all_end(proc, sig)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_language_server_workers_end_with_the_server(
        big_repo: Path, sig: signal.Signals, started: list[subprocess.Popen[bytes]]) -> None:
    proc = _start(["serve"], big_repo, started, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(_lsp_message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": big_repo.as_uri(), "capabilities": {},
        "initializationOptions": {"workers": 2}}}))  # by default it leaves a core to the editor
    proc.stdin.flush()
    _read_lsp_message(proc.stdout)  # as a client does: "initialized" after the answer
    proc.stdin.write(_lsp_message({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    proc.stdin.flush()
    _wait_for_workers(proc, 4)
    _assert_all_end(proc, sig)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_bundle_background_children_end_with_the_command(
        big_repo: Path, sig: signal.Signals, started: list[subprocess.Popen[bytes]]) -> None:
    # A cold bundle: a forked child indexes (with its own pool), another loads the tokenizer.
    proc = _start(["bundle", "--task", "helper of module", "--format", "json"], big_repo,
                  started)
    procs = _wait_for_workers(proc, 3)
    assert len(_children(proc.pid, procs)) >= 2  # the indexing child and the token counter
    _assert_all_end(proc, sig)
    # Ended, not merely done: an indexing child left running would have finished the index
    # (its last step sets the generation), long after the command was gone.
    db = sqlite3.connect(big_repo / ".ctxsteward" / "index.sqlite")
    try:
        generation = db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        indexed = db.execute("SELECT count(*) FROM files").fetchone()[0]
    finally:
        db.close()
    assert generation is None and indexed < FILES, (generation, indexed)


# A handoff's test command runs in a session of its own (so that it can be killed as a group):
# find its processes by a marker in their command lines instead of by session.


def _marked_processes(marker: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmd and stat[stat.rindex(")") + 2:].split()[0] not in ("Z", "X"):
            out[int(entry)] = cmd
    return out


@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "r", {"app.py": "def main():\n    return 1\n"},
                     commits=[{"app.py": "def main():\n    return 2\n"}])


def _test_command(tmp_path: Path) -> tuple[str, str]:
    """A test command whose processes are easy to find: a shell that starts a background sleep
    and a foreground one (grandchildren of the shell), each with a duration unique to the test."""
    # Of one length (pid: 7 digits), so no test's marker is the start of another's: two test
    # runs at once (pids 9999 and 99990) must not see, or kill, each other's processes.
    marker = f"313.{os.getpid():07d}{abs(hash(tmp_path)) % 10_000:04d}"
    return f"sleep {marker}1 & sleep {marker}2; echo done", marker


def _wait_for_marked(marker: str, proc: subprocess.Popen[bytes], at_least: int) -> None:
    end = time.monotonic() + APPEAR
    while time.monotonic() < end:
        assert proc.poll() is None, "the command ended before its test command started"
        if len([c for c in _marked_processes(marker).values() if c.startswith("sleep")]) >= \
                at_least:
            return
        time.sleep(0.05)
    raise AssertionError(f"the test command did not start: {_marked_processes(marker)}")


def _assert_marked_end(proc: subprocess.Popen[bytes], sig: signal.Signals, marker: str) -> None:
    before = _marked_processes(marker)
    os.kill(proc.pid, sig)
    proc.wait(timeout=VANISH)
    end = time.monotonic() + VANISH
    left = _marked_processes(marker)
    while left and time.monotonic() < end:
        time.sleep(0.1)
        left = _marked_processes(marker)
    for pid in left:  # leave nothing behind, whatever the outcome
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert not left, (f"after {sig.name} of the command {proc.pid}, its test command's "
                      f"processes outlived it: {left} (before: {before})")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=lambda s: s.name)
def test_handoff_test_command_ends_with_the_command(
        small_repo: Path, tmp_path: Path, sig: signal.Signals,
        started: list[subprocess.Popen[bytes]]) -> None:
    command, marker = _test_command(tmp_path)
    proc = _start(["handoff", "--no-bundle", "--test-cmd", command], small_repo, started)
    _wait_for_marked(marker, proc, 2)
    _assert_marked_end(proc, sig, marker)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_language_server_test_command_ends_with_the_server(
        small_repo: Path, tmp_path: Path, sig: signal.Signals,
        started: list[subprocess.Popen[bytes]]) -> None:
    command, marker = _test_command(tmp_path)
    proc = _start(["serve"], small_repo, started, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(_lsp_message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": small_repo.as_uri(), "capabilities": {}}}))
    proc.stdin.flush()
    _read_lsp_message(proc.stdout)
    proc.stdin.write(_lsp_message({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    proc.stdin.write(_lsp_message({
        "jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
        "params": {"command": "ctxsteward.generateHandoff",
                   "arguments": [{"testCommand": command}]}}))
    proc.stdin.flush()
    _wait_for_marked(marker, proc, 2)
    _assert_marked_end(proc, sig, marker)


def test_mcp_ends_on_sigint_when_idle(small_repo: Path,
                                      started: list[subprocess.Popen[bytes]]) -> None:
    """Ctrl-C ends an idle MCP server at once, though its client keeps stdin open."""
    proc = _start(["mcp"], small_repo, started, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-03-26", "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"}}}).encode() + b"\n")
    proc.stdin.flush()
    answer = json.loads(proc.stdout.readline())
    assert answer.get("id") == 1 and "result" in answer, answer
    _assert_all_end(proc, signal.SIGINT)
