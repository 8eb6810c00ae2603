"""A real editor drives the server: Neovim's built-in LSP client (``nvim --headless``) hovers on a
definition through ``ctxsteward serve`` (the configuration the README documents, in Lua)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitutil import make_repo

from analyzers.config import Settings
from analyzers.indexing.filefacts import FileRecord, analyse
from analyzers.tokens import Counter

NVIM = shutil.which("nvim")
SCRIPT = Path(__file__).with_name("nvim_hover.lua")

SOURCE = '''"""Totals."""


def add_all(values):
    total = 0
    for v in values:
        total += v
    return total
'''


@pytest.mark.skipif(NVIM is None, reason="nvim is not installed (apt-get install neovim); this "
                    "test runs Neovim's built-in LSP client against ctxsteward serve")
def test_neovim_hovers_through_the_server(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"calc.py": SOURCE})
    exe = Path(sys.executable).parent / "ctxsteward"
    assert exe.exists(), "ctxsteward is not installed in this environment"
    out = tmp_path / "hover.json"
    line = SOURCE.splitlines().index("def add_all(values):")
    env = {**os.environ, "CTXS_FILE": str(root / "calc.py"), "CTXS_ROOT": str(root),
           "CTXS_CMD": str(exe), "CTXS_LINE": str(line), "CTXS_COL": "6", "CTXS_OUT": str(out),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.run([NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n",
                           "-c", f"luafile {SCRIPT}"], env=env, capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)
    assert out.exists(), f"nvim wrote nothing (exit {proc.returncode}): {proc.stderr[-2000:]}"
    answer = json.loads(out.read_text())
    assert answer["ok"], answer.get("error")
    rec = FileRecord("calc.py", len(SOURCE.encode()), 0)
    analyse(rec, SOURCE, SOURCE.encode(), "cl100k_base")
    d = next(x for x in rec.definitions if x.name == "add_all")
    n = Counter("cl100k_base", Settings().model_profile()).scale(d.tokens)
    value = answer["result"]["contents"]["value"]
    assert f"**`add_all`** · function · **{n:,} tokens**" in value
    assert "of 100k" in value  # init_options reached the server
    assert f"`calc.py:{d.start_line}`" in value
