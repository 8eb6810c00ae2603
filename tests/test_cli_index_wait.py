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


@pytest.mark.parametrize("args", [("index", "--json"), ("bundle", "--task", "helper",
                                                         "--format", "json")])
def test_a_second_build_says_whom_it_waits_for_then_goes_on(repo: Path,
                                                           args: tuple[str, ...]) -> None:
    holder = hold(repo)
    cli = subprocess.Popen([*cli_command(), *args, "--root", str(repo)], cwd=repo,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=git_env())
    try:
        said = stderr_until(cli, WAITING)
        assert f"ctxsteward: {WAITING} (pid {holder.pid}) ...\n" in said
        assert cli.poll() is None  # still waiting: the lock is held
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(LIMIT_S)
    out, err = cli.communicate(timeout=LIMIT_S)
    assert cli.returncode == 0, said + err
    json.loads(out)  # stdout stays machine-readable
    assert (said + err).count(WAITING) == 1  # once


def test_a_build_nobody_holds_up_says_nothing_of_waiting(repo: Path) -> None:
    done = run_cli("index", "--json", "--root", str(repo), cwd=repo)
    assert done.returncode == 0, done.stderr
    assert WAITING not in done.stderr
    assert (repo / ".ctxsteward/build.lock").is_file()
