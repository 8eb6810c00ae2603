"""Files kept out of a Markdown or XML bundle, and items shown with secret values masked, are
reported on stderr (the document has no place for them; the JSON lists them under ``excluded`` and
``redacted``). Real ``ctxsteward`` on a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
BILLING = "def charge_invoice(invoice):\n    return invoice.total\n"
UPLOAD = ("from billing import charge_invoice\n\n"
          f"AWS_ACCESS_KEY_ID = \"{AWS_KEY}\"\n\n\n"
          "def upload_invoice(invoice):\n    return charge_invoice(invoice)\n")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"billing.py": BILLING, "upload.py": UPLOAD, ".env": "INVOICE_TOKEN=abc\n"}
    files.update({f"extra/invoice_{i}.py": f"def invoice_step_{i}(invoice):\n    return "
                  f"charge_invoice(invoice)\n" for i in range(8)})
    return make_repo(tmp_path_factory.mktemp("excl") / "repo", files, commits=[
        {"billing.py": BILLING + "\n# invoice\n", "upload.py": UPLOAD + "\n# invoice\n",
         ".env": "INVOICE_TOKEN=abcd\n"},
    ])


@pytest.mark.parametrize("fmt", ["markdown", "xml"])
def test_each_excluded_file_is_one_stderr_line(repo: Path, fmt: str) -> None:
    # Ranked (it imports the seed and changes with it), not pinned: a secret-bearing pin is
    # refused outright (tests/security/test_seed_refusals.py).
    proc = run_cli("bundle", "--seed", "billing.py", "--task", "charge invoice upload",
                   "--format", fmt, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("excluded ")]
    assert lines == ["excluded .env: secret-bearing file name (.env)"], proc.stderr
    # upload.py holds one secret among its lines: shown, the value masked, and said so.
    masked = [line for line in proc.stderr.splitlines() if line.startswith("redacted ")]
    assert masked == ["redacted upload.py: AWS Access Key masked on line 3"], proc.stderr
    assert "[redacted: AWS Access Key]" in proc.stdout
    # Never in the document itself.
    assert "excluded " not in proc.stdout and AWS_KEY not in proc.stdout + proc.stderr
    assert "billing.py" in proc.stdout


def test_many_exclusions_are_a_count_and_the_first_few(repo: Path) -> None:
    proc = run_cli("bundle", "--seed", "billing.py", "--task", "invoice step charge",
                   "--exclude-glob", "extra/", "--budget", "0", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    excluded = json.loads(proc.stdout)["excluded"]
    assert len(excluded) > 5  # JSON output unchanged: every exclusion, nothing on stderr
    assert "excluded" not in proc.stderr
    proc = run_cli("bundle", "--seed", "billing.py", "--task", "invoice step charge",
                   "--exclude-glob", "extra/", "--format", "xml", "--out", "b.xml", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    head = next(line for line in proc.stderr.splitlines() if line.startswith("excluded "))
    assert head.startswith("excluded ") and "files (--format json lists them all), first 4:" \
        in head, proc.stderr
    listed = [line for line in proc.stderr.splitlines() if line.startswith("  ")]
    assert len(listed) == 4 and all(": " in line for line in listed)
    assert "excluded" not in (repo / "b.xml").read_text()
    (repo / "b.xml").unlink()
