"""Files an exclude glob keeps out do not set the ranking's scale: with every Python file
excluded, the best remaining file (a large Markdown file without definitions) is still the core
of the bundle, not refused with a budget error it would fit."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli


def test_best_remaining_file_goes_in_when_better_ones_are_excluded(tmp_path: Path) -> None:
    files = {
        f"shop/checkout_payment_{i}.py": "".join(
            f"def checkout_payment_step_{k}(checkout, payment):\n"
            f"    '''Checkout payment step {k}.'''\n"
            f"    return process_checkout_payment(checkout, payment, {k})\n\n\n"
            for k in range(30))
        for i in range(6)}
    files["HISTORY.md"] = "# History\n\n" + "".join(
        f"- release {i}: fixed the rendering of invoices number {i} and some other things, "
        f"like the ordering of lines in the admin view, translations, and the checkout page\n"
        for i in range(90))
    root = make_repo(tmp_path / "r", files)
    out = run_cli("bundle", "--task", "checkout payment", "--exclude-glob", "*.py",
                  "--format", "json", cwd=root)
    assert out.returncode == 0, out.stderr
    bundle = json.loads(out.stdout)
    assert [i["path"] for i in bundle["items"]] == ["HISTORY.md"], bundle["items"]
    assert bundle["items"][0]["tokens"] > 1_200  # larger than a "small file": central, whole
