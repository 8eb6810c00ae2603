"""server.cli.token_service: counts made in a forked child that loads the encoding are the local
counts,
the command's own process never loads the encoding, and whatever goes wrong (unknown encoding, a
dead child, a forked grandchild) counting falls back to this process with the same answers and
errors. Each case runs in a fresh interpreter (forking needs a single-threaded process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
    reason="the service runs on Linux with two CPUs or more")

PRELUDE = """
import json, os, sys
from analyzers import tokens
from analyzers.config import PROFILES
from server.cli import token_service
TEXTS = ["def parse_header(line):\\n    return line.split(':', 1)\\n", "naïve café — 日本語 🙂",
         "<|endoftext|> stays ordinary", "", "x" * 200_000 + "\\n" * 70_000,
         "bad \\udcff surrogate", "  \\n\\t " * 1000]
"""


def run(code: str, cwd: Path | None = None) -> dict:
    proc = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_counts_come_from_a_child_and_equal_local_counts() -> None:
    out = run("""
        counter = tokens.Counter("cl100k_base", PROFILES["claude"])
        with token_service.counting_elsewhere("cl100k_base") as service:
            assert service is not None and service.pid != os.getpid()
            remote = [counter.raw(t) for t in TEXTS]
            scaled = [counter.count(t) for t in TEXTS]
            loaded_here = tokens.encoding.cache_info().currsize
            pid = service.pid
        assert "cl100k_base" not in tokens.EXTERNAL
        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        enc = tokens.encoding("cl100k_base")
        local = [len(enc.encode_ordinary(t)) for t in TEXTS]
        print(json.dumps({"remote": remote, "local": local, "loaded_here": loaded_here,
                          "scaled": scaled, "local_scaled": [counter.count(t) for t in TEXTS],
                          "child_alive": alive}))
    """)
    assert out["remote"] == out["local"] and out["remote"][0] > 0
    assert out["scaled"] == out["local_scaled"]
    assert out["loaded_here"] == 0  # the encoding never loaded in this process
    assert not out["child_alive"]  # leaving ended and reaped it


def test_an_unknown_encoding_fails_here_as_without_the_service() -> None:
    out = run("""
        counter = tokens.Counter("no_such_encoding", PROFILES["generic"])
        with token_service.counting_elsewhere("no_such_encoding"):
            try:
                counter.count("hello")
                error = None
            except tokens.EncodingUnavailable as e:
                error = str(e)
        print(json.dumps({"error": error}))
    """)
    assert out["error"] and "not available offline" in out["error"]


def test_a_dead_child_means_counting_here() -> None:
    out = run("""
        import signal
        counter = tokens.Counter("cl100k_base", PROFILES["generic"])
        with token_service.counting_elsewhere("cl100k_base") as service:
            first = counter.raw(TEXTS[0])
            os.kill(service.pid, signal.SIGKILL)
            after = [counter.raw(t) for t in TEXTS]
        enc = tokens.encoding("cl100k_base")
        print(json.dumps({"first": first, "after": after,
                          "local": [len(enc.encode_ordinary(t)) for t in TEXTS]}))
    """)
    assert out["after"] == out["local"] and out["first"] == out["local"][0]


def test_a_forked_process_counts_by_itself_and_leaves_the_pipe_alone() -> None:
    out = run("""
        from server.cli import background
        counter = tokens.Counter("cl100k_base", PROFILES["generic"])
        with token_service.counting_elsewhere("cl100k_base") as service:
            before = counter.raw(TEXTS[0])
            with background.start(lambda: (os.getpid(), [counter.raw(t) for t in TEXTS])) as p:
                child_pid, in_child = p.result()
            after = [counter.raw(t) for t in TEXTS]
            still_remote = service.ready is True and tokens.encoding.cache_info().currsize == 0
        print(json.dumps({"before": before, "in_child": in_child, "after": after,
                          "still_remote": still_remote, "forked": child_pid != os.getpid()}))
    """)
    assert out["forked"] and out["still_remote"]
    assert out["in_child"] == out["after"] and out["before"] == out["after"][0]


def test_a_bundle_is_the_same_with_and_without_the_service(tmp_path: Path) -> None:
    files = {f"pkg/mod{i}.py": f"from pkg.mod{(i + 1) % 6} import f{(i + 1) % 6}\n\n\n"
             f"def f{i}(order, retries):\n    '''Retry the order {i}.'''\n"
             f"    return f{(i + 1) % 6}(order, retries) + {i}\n" * 3 for i in range(6)}
    root = make_repo(tmp_path / "repo", files)
    assert run_cli("index", cwd=root).returncode == 0  # indexing loads the encoding: not here
    out = run("""
        from pathlib import Path
        from analyzers.app.requests import BundleRequest
        from analyzers.bundles.assemble import make_bundle
        from analyzers.indexing.index import Index
        root = Path.cwd()
        request = BundleRequest(seeds=["pkg/mod1.py"], task="retry the order", budget=900)
        with Index(root) as index, token_service.counting_elsewhere("cl100k_base"):
            remote = make_bundle(index, request)
            remote_loaded = tokens.encoding.cache_info().currsize
        with Index(root) as index:
            local = make_bundle(index, request)
        print(json.dumps({"same": remote.rendered == local.rendered,
                          "counts": [remote.counts(), local.counts()],
                          "remote_loaded": remote_loaded}))
    """, cwd=root)
    assert out["same"] and out["counts"][0] == out["counts"][1]
    assert out["counts"][0][1] <= 900
    assert out["remote_loaded"] == 0
