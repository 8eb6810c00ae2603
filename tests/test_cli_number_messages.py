"""Number options refused in words that say what to give, and a bundle refused under a small
``--max-file-size`` saying that the limit kept files out (a new user's hour, session 30)."""

from __future__ import annotations

import pytest
from gitutil import make_repo, run_cli

FILES = {
    "src/shop/cart.py": "def total(items):\n    return sum(i.price for i in items)\n" * 20,
    "src/shop/pay.py": "def pay(cart, card):\n    return card.charge(cart.total())\n" * 20,
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    return make_repo(tmp_path_factory.mktemp("num") / "repo", FILES)


@pytest.mark.parametrize(("args", "said"), [
    (["bundle", "--task", "cart total", "--budget", "8k"],
     "argument --budget: expected a whole number of tokens, such as 8000 (0 ranks only), "
     "got '8k'"),
    (["bundle", "--task", "cart total", "--limit", "ten"],
     "argument --limit: expected a whole number of items, such as 20, got 'ten'"),
    (["bundle", "--task", "cart total", "--max-file-size", "1MiB"],
     "argument --max-file-size: expected a whole number of bytes, such as 1048576 (the "
     "default), got '1MiB'"),
    (["budget", "--depth", "all"],
     "argument --depth: expected a whole number of levels, such as 2, got 'all'"),
    (["check", "--budget", "5k"],
     "argument --budget: expected a whole number of tokens, such as 5000, got '5k'"),
])
def test_a_number_option_refused_says_what_to_give(repo, args, said):
    proc = run_cli(*args, cwd=repo)
    assert proc.returncode == 2
    assert said in proc.stderr
    assert "Traceback" not in proc.stderr


def test_budget_zero_ranks_only(repo):
    proc = run_cli("bundle", "--task", "cart total", "--budget", "0", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "budget 0: the ranking only, no content shown" in proc.stdout
    assert "src/shop/cart.py" in proc.stdout and "def total" not in proc.stdout


def test_a_refusal_under_a_small_size_limit_names_it(tmp_path):
    repo = make_repo(tmp_path / "repo", {**FILES, "src/shop/__init__.py": ""})
    proc = run_cli("bundle", "--task", "cart total", "--max-file-size", "10", cwd=repo)
    assert proc.returncode == 2
    assert ("2 files are not indexed, larger than the size limit of 10 bytes: a larger "
            "--max-file-size indexes them") in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
