"""The built-in scheduler: priorities, cancellation, superseding, deadlines, retries, deps."""

from __future__ import annotations

import os
import random
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzers.cancel import Cancelled
from server.scheduler import (
    DependencyCycle,
    Job,
    JobContext,
    JobState,
    Priority,
    Scheduler,
    Transient,
    backoff_delay,
    is_transient,
)

WAIT = 10.0  # generous upper bound for anything that should happen "soon"; never a timing claim


@pytest.fixture
def sched() -> Iterator[Scheduler]:
    s = Scheduler(cpu_workers=1, io_workers=2)
    yield s
    s.shutdown(timeout=2)


def gate_job(s: Scheduler, lane: str = "cpu") -> tuple[Job, threading.Event, threading.Event]:
    """A job that holds a worker until released; returns (job, started, release)."""
    started, release = threading.Event(), threading.Event()

    def run(ctx: JobContext) -> str:
        started.set()
        release.wait(WAIT)
        return "gate"

    job = s.submit(run, kind="gate", priority=Priority.INTERACTIVE, lane=lane)  # type: ignore[arg-type]
    assert started.wait(WAIT)
    return job, started, release


def wait_until(pred, timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.005)
    return pred()


# -- priorities ---------------------------------------------------------------------------------

def test_priority_order_interactive_then_open_files_then_background(sched: Scheduler) -> None:
    _, _, release = gate_job(sched)
    order: list[str] = []

    def rec(name: str):
        def run(ctx: JobContext) -> str:
            order.append(name)
            return name
        return run

    jobs = [
        sched.submit(rec("bg1"), kind="bg", priority=Priority.BACKGROUND),
        sched.submit(rec("open1"), kind="open", priority=Priority.OPEN_FILE),
        sched.submit(rec("hover1"), kind="hover", priority=Priority.INTERACTIVE),
        sched.submit(rec("bg2"), kind="bg", priority=Priority.BACKGROUND),
        sched.submit(rec("hover2"), kind="hover", priority=Priority.INTERACTIVE),
        sched.submit(rec("open2"), kind="open", priority=Priority.OPEN_FILE),
    ]
    release.set()
    for j in jobs:
        j.result(WAIT)
    assert order == ["hover1", "hover2", "open1", "open2", "bg1", "bg2"]


def test_background_work_never_takes_the_last_worker() -> None:
    s = Scheduler(cpu_workers=2, io_workers=1)
    try:
        assert s.cpu_workers == min(2, os.cpu_count() or 1)
        if s.cpu_workers < 2:
            pytest.skip("needs two cores")
        release = threading.Event()
        running = []

        def slow(ctx: JobContext) -> None:
            running.append(ctx.id)
            release.wait(WAIT)

        bg = [s.submit(slow, kind="bg") for _ in range(3)]
        assert wait_until(lambda: len(running) == 1)
        hover = s.submit(lambda ctx: "answer", kind="hover", priority=Priority.INTERACTIVE)
        # The interactive job runs while the background one still holds its worker.
        assert hover.result(WAIT) == "answer"
        assert bg[0].state is JobState.RUNNING and len(running) == 1
        report = s.snapshot()
        cpu = next(ln for ln in report.lanes if ln.lane == "cpu")
        assert cpu.background_cap == 1 and cpu.busy == 1
        release.set()
        for j in bg:
            j.result(WAIT)
    finally:
        s.shutdown(timeout=2)


def test_cpu_lane_is_bounded_by_the_cores() -> None:
    s = Scheduler(cpu_workers=10_000, io_workers=3)
    try:
        assert s.cpu_workers == (os.cpu_count() or 1)
        lanes = {ln.lane: ln.workers for ln in s.snapshot().lanes}
        assert lanes == {"cpu": os.cpu_count() or 1, "io": 3}
    finally:
        s.shutdown(timeout=2)


# -- cancellation and superseding ---------------------------------------------------------------

def test_cancelling_a_running_job_stops_it_at_its_next_check(sched: Scheduler) -> None:
    steps: list[int] = []
    started = threading.Event()

    def long(ctx: JobContext) -> str:
        for i in range(100_000):
            ctx.check()
            steps.append(i)
            started.set()
            time.sleep(0.001)
        return "finished"

    job = sched.submit(long, kind="index")
    assert started.wait(WAIT)
    job.cancel("user asked")
    with pytest.raises(Cancelled, match="user asked"):
        job.result(WAIT)
    assert job.state is JobState.CANCELLED and job.error == "user asked"
    stopped_at = len(steps)
    time.sleep(0.05)
    assert len(steps) == stopped_at < 100_000


def test_cancelling_a_queued_job_means_it_never_runs(sched: Scheduler) -> None:
    _, _, release = gate_job(sched)
    ran = []
    job = sched.submit(lambda ctx: ran.append(1), kind="bg")
    job.cancel("not needed")
    assert job.state is JobState.CANCELLED
    release.set()
    assert sched.wait_idle(WAIT)
    assert ran == []
    with pytest.raises(Cancelled):
        job.result(0)


def test_cancelling_the_future_cancels_the_job(sched: Scheduler) -> None:
    _, _, release = gate_job(sched)
    job = sched.submit(lambda ctx: 1, kind="hover", priority=Priority.INTERACTIVE)
    assert job.future.cancel()
    assert job.state is JobState.CANCELLED
    release.set()
    assert sched.wait_idle(WAIT)


def test_a_newer_version_supersedes_running_work_on_the_same_key(sched: Scheduler) -> None:
    started = threading.Event()

    def analyse(version: int):
        def run(ctx: JobContext) -> int:
            started.set()
            while version == 1:
                ctx.check()
                time.sleep(0.001)
            return version
        return run

    v1 = sched.submit(analyse(1), kind="analyse", key="doc.py", priority=Priority.OPEN_FILE)
    assert started.wait(WAIT)
    v2 = sched.submit(analyse(2), kind="analyse", key="doc.py", priority=Priority.OPEN_FILE)
    assert v2.result(WAIT) == 2
    with pytest.raises(Cancelled, match=f"superseded by job {v2.id}"):
        v1.result(WAIT)
    assert v1.state is JobState.CANCELLED
    assert sched.latest("doc.py") is v2


def test_debounced_edits_coalesce_into_one_run(sched: Scheduler) -> None:
    runs: list[int] = []

    def analyse(version: int):
        def run(ctx: JobContext) -> int:
            runs.append(version)
            return version
        return run

    jobs = [sched.submit(analyse(v), kind="analyse", key="doc.py", delay=0.2,
                         priority=Priority.OPEN_FILE) for v in range(10)]
    assert jobs[-1].result(WAIT) == 9
    assert runs == [9]
    assert all(j.state is JobState.CANCELLED for j in jobs[:-1])


def test_supersede_wait_lets_the_running_job_finish_first(sched: Scheduler) -> None:
    s = Scheduler(cpu_workers=1, io_workers=3)
    try:
        release = threading.Event()
        events: list[str] = []

        def build(name: str, block: bool):
            def run(ctx: JobContext) -> str:
                events.append(f"start {name}")
                if block:
                    release.wait(WAIT)
                ctx.check()
                events.append(f"end {name}")
                return name
            return run

        first = s.submit(build("first", True), kind="index", key="index", lane="io",
                         supersede="wait")
        assert wait_until(lambda: events == ["start first"])
        middle = s.submit(build("middle", False), kind="index", key="index", lane="io",
                          supersede="wait")
        last = s.submit(build("last", False), kind="index", key="index", lane="io",
                        supersede="wait")
        # Two free io workers, yet the follow-up waits for the running build.
        time.sleep(0.05)
        assert events == ["start first"]
        assert middle.state is JobState.CANCELLED  # a queued one is dropped
        release.set()
        assert last.result(WAIT) == "last" and first.result(WAIT) == "first"
        assert events == ["start first", "end first", "start last", "end last"]
    finally:
        s.shutdown(timeout=2)


# -- deadlines ----------------------------------------------------------------------------------

def test_a_job_past_its_deadline_is_cancelled_and_reported(sched: Scheduler) -> None:
    reported: list[tuple[int, str]] = []
    sched.add_listener(lambda job, event: reported.append((job.id, event)))

    def forever(ctx: JobContext) -> None:
        while True:
            ctx.check()
            time.sleep(0.002)

    job = sched.submit(forever, kind="rank", deadline=0.05)
    with pytest.raises(Cancelled, match="deadline exceeded"):
        job.result(WAIT)
    snap = next(s for s in sched.snapshot().jobs if s.id == job.id)
    assert snap.state is JobState.CANCELLED and snap.deadline_exceeded
    assert snap.deadline_ms == 50.0
    assert wait_until(lambda: (job.id, "cancelled") in reported)
    assert sched.wait_idle(WAIT)  # the worker came back: the job saw its token


def test_a_stuck_job_past_its_deadline_releases_its_waiters(sched: Scheduler) -> None:
    release = threading.Event()

    def stuck(ctx: JobContext) -> str:
        release.wait(WAIT)  # never checks its token
        return "late"

    job = sched.submit(stuck, kind="git", deadline=0.05)
    with pytest.raises(Cancelled, match="deadline exceeded"):
        job.result(WAIT)  # answered although the job is still inside its function
    assert job.deadline_exceeded and not release.is_set()
    release.set()
    assert sched.wait_idle(WAIT)
    assert job.state is JobState.CANCELLED  # the late result is discarded


def test_a_queued_job_past_its_deadline_never_runs(sched: Scheduler) -> None:
    _, _, release = gate_job(sched)
    ran = []
    job = sched.submit(lambda ctx: ran.append(1), kind="hover", deadline=0.02)
    with pytest.raises(Cancelled, match="deadline"):
        job.result(WAIT)
    release.set()
    assert sched.wait_idle(WAIT)
    assert ran == [] and job.attempts == 0


# -- retries ------------------------------------------------------------------------------------

def test_transient_failures_are_retried_with_growing_backoff(sched: Scheduler) -> None:
    starts: list[float] = []

    def flaky(ctx: JobContext) -> str:
        starts.append(time.monotonic())
        if len(starts) < 3:
            raise Transient("busy")
        return "ok"

    job = sched.submit(flaky, kind="git", retries=3, backoff=0.04)
    assert job.result(WAIT) == "ok"
    assert job.attempts == 3 and job.state is JobState.DONE
    # Never a tight loop: each retry waited at least its backoff, and the backoff doubled.
    assert starts[1] - starts[0] >= 0.04
    assert starts[2] - starts[1] >= 0.08
    assert backoff_delay(1, 0.04) == 0.04 and backoff_delay(3, 0.04) == 0.16
    assert backoff_delay(50, 1.0) == 30.0


def test_permanent_failures_and_exhausted_retries_fail(sched: Scheduler) -> None:
    def broken(ctx: JobContext) -> None:
        raise ValueError("bad input")

    job = sched.submit(broken, kind="parse", retries=5, backoff=0.01)
    with pytest.raises(ValueError, match="bad input"):
        job.result(WAIT)
    assert job.attempts == 1 and job.state is JobState.FAILED
    assert job.error == "ValueError: bad input"

    def always_busy(ctx: JobContext) -> None:
        raise Transient("still busy")

    job = sched.submit(always_busy, kind="git", retries=2, backoff=0.01)
    with pytest.raises(Transient):
        job.result(WAIT)
    assert job.attempts == 3 and job.state is JobState.FAILED


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          cwd=repo, env=env, capture_output=True, text=True, check=True)


def test_a_git_index_lock_is_retried_until_it_is_released(tmp_path: Path, sched: Scheduler) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("hello\n")
    lock = tmp_path / ".git" / "index.lock"
    lock.write_text("")
    failures: list[str] = []

    def add(ctx: JobContext) -> str:
        try:
            _git(tmp_path, "add", "a.txt")
        except subprocess.CalledProcessError as e:
            failures.append(e.stderr)
            raise
        return _git(tmp_path, "diff", "--cached", "--name-only").stdout.strip()

    def on_event(job: Job, event: str) -> None:
        if event == "retry" and job.kind == "git-add":
            lock.unlink()  # the other git process finished

    sched.add_listener(on_event)
    job = sched.submit(add, kind="git-add", lane="io", retries=3, backoff=0.02)
    assert job.result(WAIT) == "a.txt"
    assert job.attempts == 2 and len(failures) == 1 and "index.lock" in failures[0]


def test_transient_classification() -> None:
    import sqlite3

    assert is_transient(Transient("x"))
    assert is_transient(sqlite3.OperationalError("database is locked"))
    assert is_transient(RuntimeError("fatal: Unable to create '/r/.git/index.lock': File exists."))
    assert not is_transient(ValueError("invalid literal"))
    assert not is_transient(FileNotFoundError("no such file: lock.py"))


# -- dependencies -------------------------------------------------------------------------------

def test_dependencies_run_first_and_pass_their_results(sched: Scheduler) -> None:
    order: list[str] = []

    def parse(ctx: JobContext) -> dict[str, int]:
        order.append("parse")
        return {"defs": 3}

    def rank(ctx: JobContext) -> int:
        order.append("rank")
        (facts,) = ctx.dependency_results()
        return facts["defs"] * 10

    _, _, release = gate_job(sched)
    p = sched.submit(parse, kind="parse", priority=Priority.BACKGROUND)
    r = sched.submit(rank, kind="rank", priority=Priority.INTERACTIVE, depends_on=[p])
    release.set()
    assert r.result(WAIT) == 30
    assert order == ["parse", "rank"]
    snap = next(s for s in sched.snapshot().jobs if s.id == r.id)
    assert snap.depends_on == [p.id]


def test_a_failed_dependency_cancels_its_dependents(sched: Scheduler) -> None:
    def parse(ctx: JobContext) -> None:
        raise ValueError("syntax")

    p = sched.submit(parse, kind="parse")
    r = sched.submit(lambda ctx: "ranked", kind="rank", depends_on=[p])
    r2 = sched.submit(lambda ctx: "more", kind="render", depends_on=[r])
    with pytest.raises(Cancelled, match=f"job {p.id} \\(parse\\) it depends on failed"):
        r.result(WAIT)
    with pytest.raises(Cancelled, match=f"job {r.id}"):
        r2.result(WAIT)


def test_a_key_dependency_follows_the_newest_version(sched: Scheduler) -> None:
    _, _, release = gate_job(sched)
    sched.submit(lambda ctx: "v1", kind="analyse", key="analyse:f.py", priority=Priority.OPEN_FILE)
    user = sched.submit(lambda ctx: ctx.dependency_results()[0], kind="hover",
                        priority=Priority.INTERACTIVE, depends_on=["analyse:f.py"])
    sched.submit(lambda ctx: "v2", kind="analyse", key="analyse:f.py", priority=Priority.OPEN_FILE)
    release.set()
    assert user.result(WAIT) == "v2"


def test_waiting_interactive_work_lifts_its_dependency_out_of_debounce(sched: Scheduler) -> None:
    slow = sched.submit(lambda ctx: "facts", kind="analyse", key="k", delay=60.0,
                        priority=Priority.BACKGROUND)
    hover = sched.submit(lambda ctx: ctx.dependency_results()[0], kind="hover",
                         priority=Priority.INTERACTIVE, depends_on=[slow])
    assert hover.result(WAIT) == "facts"  # not 60 s: the dependency inherited the urgency
    assert slow.priority is Priority.INTERACTIVE


def test_dependency_cycles_are_refused(sched: Scheduler) -> None:
    with pytest.raises(DependencyCycle, match="would wait on itself"):
        sched.submit(lambda ctx: None, kind="x", key="x", depends_on=["x"])
    _, _, release = gate_job(sched)
    a = sched.submit(lambda ctx: "a", kind="a", key="a", depends_on=["b"])
    with pytest.raises(DependencyCycle):
        sched.submit(lambda ctx: "b", kind="b", key="b", depends_on=["a"])
    # Replacing a job others wait on with one that waits on them is a cycle too.
    old = sched.submit(lambda ctx: "old", kind="parse", key="p")
    waiter = sched.submit(lambda ctx: "w", kind="rank", depends_on=[old])
    with pytest.raises(DependencyCycle):
        sched.submit(lambda ctx: "new", kind="parse", key="p", depends_on=[waiter])
    assert old.state is JobState.QUEUED  # a refused submission changes nothing
    release.set()
    assert a.result(WAIT) == "a" and waiter.result(WAIT) == "w"


# -- progress, snapshots, shutdown --------------------------------------------------------------

def test_progress_is_reported_and_visible_in_snapshots(sched: Scheduler) -> None:
    seen: list[tuple[float | None, str]] = []
    halfway, release = threading.Event(), threading.Event()

    def work(ctx: JobContext) -> None:
        for i in range(1, 5):
            ctx.progress(i, 4, f"file{i}.py")
            if i == 2:
                halfway.set()
                release.wait(WAIT)

    job = sched.submit(work, kind="index", lane="io",
                       on_progress=lambda j, pct, msg: seen.append((pct, msg)))
    assert halfway.wait(WAIT)
    snap = next(s for s in sched.snapshot().jobs if s.id == job.id)
    assert snap.state is JobState.RUNNING and snap.progress == 50.0
    assert snap.message == "file2.py" and snap.lane == "io" and snap.priority == "background"
    release.set()
    job.result(WAIT)
    assert seen == [(25.0, "file1.py"), (50.0, "file2.py"), (75.0, "file3.py"),
                    (100.0, "file4.py")]
    report = sched.snapshot()
    done = next(s for s in report.jobs if s.id == job.id)
    assert done.state is JobState.DONE and done.run_ms is not None and done.queued_ms >= 0
    assert report.counts["done"] >= 1
    assert report.model_dump(mode="json")["jobs"][0]["state"] in {"done", "queued", "running"}


def test_the_last_job_of_each_kind_stays_visible() -> None:
    s = Scheduler(cpu_workers=1, io_workers=1, keep_finished=5)
    try:
        index = s.submit(lambda ctx: "indexed", kind="index", lane="io")
        index.result(WAIT)
        for _ in range(20):
            s.submit(lambda ctx: None, kind="hover", priority=Priority.INTERACTIVE).result(WAIT)
        report = s.snapshot(finished=3)
        assert [j.kind for j in report.jobs] == ["hover", "hover", "hover", "index"]
        assert report.jobs[-1].id == index.id and report.jobs[-1].state is JobState.DONE
    finally:
        s.shutdown(timeout=2)


def test_shutdown_cancels_queued_work() -> None:
    s = Scheduler(cpu_workers=1, io_workers=1)
    _, _, release = gate_job(s)
    queued = s.submit(lambda ctx: 1, kind="bg")
    release.set()
    s.shutdown(timeout=2)
    assert queued.state in (JobState.CANCELLED, JobState.DONE)
    with pytest.raises(RuntimeError, match="shut down"):
        s.submit(lambda ctx: 1, kind="late")


# -- stress -------------------------------------------------------------------------------------

def test_many_concurrent_jobs_finish_without_deadlock() -> None:
    s = Scheduler(cpu_workers=2, io_workers=3)
    rng = random.Random(7)
    lock = threading.Lock()
    running = {"cpu": 0, "io": 0}
    peak = {"cpu": 0, "io": 0}
    finished_order: dict[int, int] = {}
    counter = iter(range(10**9))
    jobs: list[Job] = []
    jobs_lock = threading.Lock()

    def make(lane: str, fail: str | None, flaky: list[int]):
        def run(ctx: JobContext) -> int:
            with lock:
                running[lane] += 1
                peak[lane] = max(peak[lane], running[lane])
            try:
                for _ in range(3):
                    ctx.check()
                    time.sleep(0.0002)
                if fail == "permanent":
                    raise ValueError("boom")
                if fail == "transient" and flaky:
                    flaky.pop()
                    raise Transient("busy")
                return ctx.id
            finally:
                with lock:
                    running[lane] -= 1
                    finished_order[ctx.id] = next(counter)
        return run

    def submitter(seed: int) -> None:
        r = random.Random(seed)
        for _ in range(120):
            lane = r.choice(["cpu", "cpu", "io"])
            fail = r.choice([None] * 8 + ["permanent", "transient"])
            with jobs_lock:
                earlier = jobs[-30:]
            deps: list[Job | str] = r.sample(earlier, k=min(len(earlier), r.randint(0, 2)))
            if r.random() < 0.2:
                deps.append(f"key{r.randint(0, 9)}")
            try:
                job = s.submit(
                    make(lane, fail, [1]), kind="stress", lane=lane,  # type: ignore[arg-type]
                    priority=r.choice(list(Priority)),
                    key=f"key{r.randint(0, 9)}" if r.random() < 0.3 else None,
                    delay=r.choice([0.0, 0.0, 0.001]), retries=1, backoff=0.001,
                    depends_on=deps, deadline=r.choice([None, None, None, 5.0]),
                )
            except DependencyCycle:
                continue
            with jobs_lock:
                jobs.append(job)
            if r.random() < 0.05:
                job.cancel("random cancel")

    threads = [threading.Thread(target=submitter, args=(rng.randint(0, 10**6),))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert s.wait_idle(30.0), s.snapshot().counts
    try:
        assert len(jobs) > 500
        assert all(j.state.finished and j.future.done() for j in jobs)
        assert peak["cpu"] <= s.cpu_workers and peak["io"] <= 3
        for j in jobs:
            if j.state is not JobState.DONE:
                continue
            # Every dependency that stands for a job had finished before this one started.
            for d in j.deps:
                target = s.resolve(d)
                if isinstance(d, Job) and target is not None and target.id in finished_order:
                    assert target.state is JobState.DONE
                    assert finished_order[target.id] < finished_order[j.id]
        states = {j.state for j in jobs}
        assert JobState.DONE in states and JobState.FAILED in states
    finally:
        s.shutdown(timeout=2)
