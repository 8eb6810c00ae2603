"""Fitting a note of megabytes to its budget counts the person's text once, not once per try
(``ctxsteward handoff --out`` on a 1.1 MB note took 12 s, 5 MB 56 s), and the size the note
states is still its exact count."""

from __future__ import annotations

import re
import time
from pathlib import Path

from gitutil import make_repo, run_cli
from handoff_repos import unsha

from analyzers.handoff.markdown import BEGIN, END
from analyzers.tokens import encoding


def test_a_note_of_megabytes_is_fitted_in_seconds_and_counted_exactly(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    log = "".join(f"- step {i}: rebuilt the cache and ran it again\n" for i in range(50_000))
    note = (f"{BEGIN.format('summary')}\nold\n{END.format('summary')}\n\n## Goal\n\nShip it.\n\n"
            f"{log}\n## Decisions\n\nUse SQLite.\n\n{BEGIN.format('work')}\nold\n"
            f"{END.format('work')}\n")  # (no checks block: it is added at the end)
    assert len(note) > 2_000_000
    (root / "HANDOFF.md").write_text(note, "utf-8")
    started = time.monotonic()
    done = run_cli("handoff", "--no-bundle", "--no-checks", "--out", "HANDOFF.md", cwd=root)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < 10, elapsed  # (it took 20 s: the whole note counted about 75 times)
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert log in after and unsha(after).count(BEGIN.format("checks")) == 1
    stated = re.search(r"\*\*Note size\*\*: ([\d,]+) of 2,000 tokens \(cl100k_base\)", after)
    assert stated, after[:2000]
    assert int(stated.group(1).replace(",", "")) == \
        len(encoding("cl100k_base").encode_ordinary(after))
