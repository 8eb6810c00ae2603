"""What a warm query loads, and where (no time is asserted: bench/bundle_latency.py measures it).

A warm ``ctxsteward bundle`` refreshes the index in a forked child while the command loads the
ranking code (server/cli/background.py), and the command waits for that child. The refresh asks
first whether the ranking graph's cache is current; asked through the graph's module, that
imported numpy and the graph's code in the child too (about 0.12 s of saleor's 0.3 s refresh).
And ``np.isin`` / ``np.unique`` on the query path import ``numpy.ma`` (27 ms) for nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gitutil import git_env, make_repo, run_cli

FILES = {
    "shop/__init__.py": "",
    "shop/cart.py": "from shop.price import total\n\n\ndef add_item(cart, item):\n"
                    "    cart.append(item)\n    return total(cart)\n",
    "shop/price.py": "def total(cart):\n    return sum(i.price for i in cart)\n",
    "tests/test_cart.py": "from shop.cart import add_item\n\n\ndef test_add():\n"
                          "    assert add_item([], 1)\n",
    # Files enough, the task's far apart, that the explanations' membership tests pass numpy's
    # small-array shortcuts (a loop, a table): a sort then, and np.unique.
    **{f"shop/part{i:03}.py": (f"def part_{i}(cart):\n    return [x for x in cart if x > {i}]\n"
                               if i % 25 == 0 else f"def part_{i}(x):\n    return x + {i}\n")
       for i in range(300)},
    "shop/zebra.py": "def zebra_cart(cart):\n    return cart[::-1]\n",
}


def _python(code: str, cwd: Path) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=git_env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _warm(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", FILES,
                     commits=[("add the cart", {"shop/cart.py": FILES["shop/cart.py"] + "\n"}),
                              ("fix the total price", {"shop/price.py": FILES["shop/price.py"]
                                                       + "# rounded\n"})])
    assert run_cli("index", cwd=root).returncode == 0  # a cold index builds the graph too
    assert run_cli("bundle", "--task", "cart total", "--out", os.devnull, cwd=root).returncode == 0
    return root


def test_a_warm_refresh_with_nothing_changed_imports_neither_numpy_nor_the_graph(
        tmp_path: Path) -> None:
    root = _warm(tmp_path)
    probe = ("import sys\nfrom pathlib import Path\n"
             "from analyzers.app.workspace import Workspace\n"
             "ws = Workspace(Path('.'))\n"
             "assert ws._graph_current(), 'the graph cache should be current'\n"
             "ws.refresh()\n"
             "loaded = ('numpy', 'analyzers.indexing.graph')\n"
             "print(sorted(m for m in loaded if m in sys.modules))\n")
    assert _python(probe, root).strip() == "[]"
    # A change: the graph follows the refresh (and then it needs the graph's code).
    (root / "shop" / "price.py").write_text("def total(cart):\n    return 0\n")
    assert "analyzers.indexing.graph" in _python(probe.replace(
        "assert ws._graph_current(), 'the graph cache should be current'\n", ""), root)


def test_a_warm_bundle_does_not_import_numpy_ma(tmp_path: Path) -> None:
    root = _warm(tmp_path)
    for args in (["--task", "fix the zebra cart total price"],
                 ["--seed", "shop/cart.py", "--task", "fix the zebra cart total price"]):
        code = ("import sys\nfrom server.cli.main import main\n"
                f"assert main(['bundle', *{args!r}, '--out', '/dev/null']) == 0\n"
                "assert 'analyzers.bundles.rank' in sys.modules\n"
                "print('numpy.ma' in sys.modules)\n")
        assert _python(code, root).strip() == "False", args
