"""Where the cold index parses: in a server (a process with other threads) always in a child
process, even with one worker, and at a lower priority than the server's requests."""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import pytest

from analyzers.cancel import NEVER
from analyzers.config import Settings
from analyzers.indexing import index as ix


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX priorities")
def test_one_worker_parses_in_a_niced_child_when_other_threads_run(tmp_path: Path) -> None:
    for i in range(ix.POOL_THRESHOLD + 6):
        (tmp_path / f"mod{i}.py").write_text(f"def handler_{i}(request):\n    return {i}\n")
    paths = sorted(p.name for p in tmp_path.glob("*.py"))
    stop = threading.Event()
    requests = threading.Thread(target=stop.wait, name="requests", daemon=True)  # a server's
    requests.start()
    try:
        reader = ix._Parser(tmp_path, paths, Settings(workers=1))  # noqa: SLF001
        try:
            assert reader.pool is not None  # not parsed on this process's GIL
            rows = [r for batch in reader.batches(NEVER, ix._noop) for r in batch]  # noqa: SLF001
            worker_nice = reader.map(functools.partial(os.getpriority, os.PRIO_PROCESS), [0])
        finally:
            reader.close()
    finally:
        stop.set()
        requests.join()
    assert sorted(r.path for r in rows) == paths
    assert all(r.defs and r.defs[0][1] == f"handler_{r.path[3:-3]}" for r in rows)
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert worker_nice == [min(19, own + ix.BACKGROUND_NICE)]
