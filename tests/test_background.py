"""server.cli.background: work in a forked child comes back as if run here (value, exception, or run
again here when the child gives no answer); and ``ctxsteward bundle``, which refreshes the index
that way, still sees every change. Real processes, a real git repository, the real CLI."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

from server.cli import background

needs_fork = pytest.mark.skipif(not background.can_fork(), reason="no fork here (runs inline)")


@needs_fork
def test_the_value_comes_from_a_child_process() -> None:
    with background.start(lambda: (os.getpid(), {"a": [1, 2]})) as pending:
        pid, payload = pending.result()
    assert pid != os.getpid() and payload == {"a": [1, 2]}
    assert pending.result() == (pid, payload)  # asked again: the same answer, no new run


def test_an_exception_is_raised_here_with_the_child_traceback() -> None:
    def fails() -> None:
        raise sqlite3.OperationalError("database is locked")

    with background.start(fails) as pending, pytest.raises(sqlite3.OperationalError) as err:
        pending.result()
    assert str(err.value) == "database is locked"
    if background.can_fork():
        assert any("background process" in n and "fails" in n
                   for n in getattr(err.value, "__notes__", []))


@needs_fork
def test_no_answer_from_the_child_runs_the_work_here(tmp_path: Path) -> None:
    here = os.getpid()
    runs = tmp_path / "runs"

    def dies_in_the_child() -> int:
        with runs.open("a") as f:
            f.write(f"{os.getpid()}\n")
        if os.getpid() != here:
            os._exit(3)  # killed before answering
        return 42

    with background.start(dies_in_the_child) as pending:
        assert pending.result() == 42
    pids = runs.read_text().split()
    assert len(pids) == 2 and pids[1] == str(here) and pids[0] != str(here)


@needs_fork
def test_an_unpicklable_answer_runs_the_work_here() -> None:
    here = os.getpid()

    def unpicklable() -> object:
        return (lambda: None) if os.getpid() != here else "ran here"

    with background.start(unpicklable) as pending:
        assert pending.result() == "ran here"


@needs_fork
def test_an_abandoned_child_is_waited_for(tmp_path: Path) -> None:
    marker = tmp_path / "finished"

    def slow() -> None:
        import time

        time.sleep(0.3)
        marker.write_text("done")

    with pytest.raises(KeyError), background.start(slow):
        raise KeyError("an error before the result is asked for")
    assert marker.read_text() == "done"  # the child finished; no process left behind


def test_without_fork_the_work_runs_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "can_fork", lambda: False)
    calls: list[int] = []

    def work() -> str:
        calls.append(os.getpid())
        return "v"

    pending = background.start(work)
    assert calls == []  # not yet
    assert pending.result() == "v" and calls == [os.getpid()]


API = "def fetch(url):\n    return url\n"


def test_bundle_sees_edits_made_between_calls(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"app/api.py": API, "app/use.py":
                                         "from app.api import fetch\n\n\ndef go():\n"
                                         "    return fetch('x')\n"})
    first = run_cli("bundle", "--seed", "app/api.py", "--format", "markdown", cwd=root)
    assert first.returncode == 0, first.stderr
    assert "def retry_fetch" not in first.stdout
    (root / "app/api.py").write_text(API + "\n\ndef retry_fetch(url, times):\n    return url\n")
    (root / "app/new.py").write_text("from app.api import retry_fetch\n\nretry_fetch('y', 3)\n")
    second = run_cli("bundle", "--seed", "app/api.py", "--format", "json", "--budget", "0",
                     cwd=root)
    assert second.returncode == 0, second.stderr
    paths = [i["path"] for i in json.loads(second.stdout)["items"]]
    assert "app/new.py" in paths  # indexed by this call's refresh, ranked by this call
    third = run_cli("bundle", "--seed", "app/api.py::retry_fetch", cwd=root)
    assert third.returncode == 0, third.stderr
    assert "def retry_fetch(url, times):" in third.stdout


def test_bundle_errors_from_the_refresh_are_one_clear_message(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"a.py": API})
    (root / ".ctxsteward").write_text("in the way")  # the cache folder cannot be made
    proc = run_cli("bundle", "--seed", "a.py", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("ctxsteward:") and ".ctxsteward" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_pool_left_running_by_an_interrupted_child_is_ended(tmp_path: Path) -> None:
    pids = tmp_path / "workers"
    code = textwrap.dedent(f"""
        import os, time, multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from server.cli import background

        def work(i):
            time.sleep(30)
            return os.getpid()

        def interrupted():
            pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
            futures = [pool.submit(work, i) for i in range(4)]
            time.sleep(0.5)  # the workers are busy
            with open({str(pids)!r}, "w") as f:
                f.write(" ".join(str(p.pid) for p in multiprocessing.active_children()))
            pool.shutdown(wait=False, cancel_futures=True)  # what an interrupted index build does
            raise KeyboardInterrupt

        assert background.can_fork()
        with background.start(interrupted) as pending:
            try:
                pending.result()
            except KeyboardInterrupt:
                print("interrupted")
    """)
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=30, check=False)
        assert proc.returncode == 0 and "interrupted" in proc.stdout, proc.stderr
        assert "Traceback" not in proc.stderr
        workers = [int(p) for p in pids.read_text().split()]
        assert len(workers) == 2
        for pid in workers:  # ended, not left waiting for work from a parent that is gone
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:  # a failure must not leave them behind either
        for pid in (int(p) for p in pids.read_text().split()) if pids.exists() else ():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
