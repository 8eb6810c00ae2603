"""One index build at a time per workspace: a ``ctxsteward index`` / ``bundle`` started while
another process builds the same workspace's index says once on stderr whom it waits for, then
goes on; with ``--json`` its stdout stays JSON. Real processes: a holder of the build lock and
the real CLI."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from gitutil import cli_command, git_env, make_repo, run_cli

WAITING = "waiting for another ctxsteward process indexing this workspace"
# A process of ours holding the build lock until its stdin closes.
HOLD = """
import sys
from pathlib import Path
from analyzers.indexing.buildlock import build_lock
with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""
LIMIT_S = 120  # how long a step may take before the test gives up (never an assertion on time)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "app/main.py": "from app.util import helper\n\n\ndef main():\n    return helper()\n",
        "app/util.py": "def helper():\n    return 2\n",
        "README.md": "# Demo\n"})


def hold(repo: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(repo)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=git_env())
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def stderr_until(proc: subprocess.Popen[str], needle: str) -> str:
    """What ``proc`` writes on stderr up to a line holding ``needle`` (all of it, should it end
    first)."""
    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    os.set_blocking(fd, False)
    seen = b""
    deadline = time.monotonic() + LIMIT_S
    while needle.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break  # the process ended without it
        seen += chunk
    os.set_blocking(fd, True)
    return seen.decode()


def waited(repo: Path, args: tuple[str, ...],
           while_held: Callable[[], None] = lambda: None) -> tuple[str, str]:
    """Run ``ctxsteward ARGS`` while a process of ours holds the build lock: it must say whom
    it waits for (the holder's pid) and keep waiting (``while_held`` checks more), then, the
    lock released, succeed having said it once. Its stdout, and all it said on stderr."""
    holder = hold(repo)
    cli = subprocess.Popen([*cli_command(), *args], cwd=repo, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=git_env())
    try:
        said = stderr_until(cli, WAITING)
        assert f"ctxsteward: {WAITING} (pid {holder.pid}) ...\n" in said
        assert cli.poll() is None  # still waiting: the lock is held
        while_held()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(LIMIT_S)
    out, err = cli.communicate(timeout=LIMIT_S)
    assert cli.returncode == 0, said + err
    assert (said + err).count(WAITING) == 1  # once
    return out, said + err


@pytest.mark.parametrize("args", [("index", "--json"), ("bundle", "--task", "helper",
                                                         "--format", "json")])
def test_a_second_build_says_whom_it_waits_for_then_goes_on(repo: Path,
                                                           args: tuple[str, ...]) -> None:
    out, _ = waited(repo, (*args, "--root", str(repo)))
    json.loads(out)  # stdout stays machine-readable


def test_a_build_nobody_holds_up_says_nothing_of_waiting(repo: Path) -> None:
    done = run_cli("index", "--json", "--root", str(repo), cwd=repo)
    assert done.returncode == 0, done.stderr
    assert WAITING not in done.stderr
    assert (repo / ".ctxsteward/build.lock").is_file()


def test_handoff_says_whom_it_waits_for_then_goes_on(repo: Path) -> None:
    # The note's suggested bundle brings the index up to date: held up by another process's
    # build, handoff waited without a word.
    (repo / "app/util.py").write_text("def helper():\n    return 3\n")  # a seed for the bundle
    out, _ = waited(repo, ("handoff", "--format", "json", "--no-checks", "--root", str(repo)))
    assert json.loads(out)["bundle"]["available"] is True


def _index_file(repo: Path) -> tuple[int, bytes]:
    path = repo / ".ctxsteward/index.sqlite"
    return path.stat().st_ino, path.read_bytes()


def test_an_import_waits_for_a_build_before_it_replaces_the_index(repo: Path,
                                                                  tmp_path: Path) -> None:
    # `index --import` replaced .ctxsteward/index.sqlite while another process's build held
    # the lock (only its refresh afterwards waited): an import and a build raced.
    snap = tmp_path / "index.snapshot"
    done = run_cli("index", "--export", str(snap), cwd=repo)
    assert done.returncode == 0, done.stderr
    before = _index_file(repo)

    def not_replaced() -> None:  # under the build holding the lock
        assert _index_file(repo) == before

    out, _ = waited(repo, ("index", "--import", str(snap), "--json"), not_replaced)
    assert json.loads(out)["action"] == "import"
    assert _index_file(repo)[0] != before[0]  # then installed
