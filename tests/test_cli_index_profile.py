"""``ctxsteward index`` labels its token count with the encoding and the model profile, whatever
the profile's factor (with the scaled figure when it is not 1). A real git repository, the real
command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

from analyzers.config import PROFILES
from analyzers.tokens import Counter


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/seed.py": "def charge(amount):\n    return amount\n",
                                         "README.md": "# A small project\n\nIt charges.\n"})


def test_index_text_always_names_the_profile(repo: Path) -> None:
    proc = run_cli("index", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    tokens_line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("  tokens"))
    assert tokens_line.endswith("  (cl100k_base, profile generic)")
    raw = int(tokens_line.split()[1].replace(",", ""))

    proc = run_cli("index", "--profile", "gpt-4", cwd=repo)  # factor 1 too, another profile
    assert "  (cl100k_base, profile gpt-4)" in proc.stdout

    proc = run_cli("index", "--profile", "claude", cwd=repo)
    factor = PROFILES["claude"].factor
    scaled = Counter("cl100k_base", PROFILES["claude"]).scale(raw)
    assert scaled > raw
    assert f"  (cl100k_base, profile claude: ×{factor:g} ≈ {scaled:,})" in proc.stdout

    report = json.loads(run_cli("index", "--json", "--profile", "claude", cwd=repo).stdout)
    assert (report["encoding"], report["profile"], report["tokens"]) == ("cl100k_base", "claude",
                                                                          raw)
