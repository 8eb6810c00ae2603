"""A file the user names for a command's output (``bundle --out``, ``check --out``, ``index
--export``, ``handoff --out``) is never replaced when its owner made it read-only, even by root,
whom the permissions do not stop (an atomic rename replaced it all the same): one message, the
file as it was, a non-zero exit. The real CLI on a real repository, as the current user."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

FROZEN = "# kept as it is\n"


@pytest.mark.parametrize("args", [
    ("bundle", "--task", "parse the text"),
    ("bundle", "--task", "parse the text", "--format", "json"),
    ("check",),
    ("check", "--format", "sarif"),
    ("index", "--export"),
    ("handoff", "--no-bundle", "--no-checks"),
], ids=lambda a: " ".join(a))
@pytest.mark.parametrize("mode", [0o444, 0o400], ids=["0444", "0400"])
def test_a_read_only_output_file_is_refused_not_replaced(tmp_path: Path, args: tuple[str, ...],
                                                        mode: int) -> None:
    repo = make_repo(tmp_path / "repo", {"app/util.py": "def parse(text):\n    return 1\n",
                                         "CLAUDE.md": "# Rules\n\nRun `pytest`.\n"})
    out = repo / "RO.md"
    out.write_text(FROZEN)
    out.chmod(mode)
    option = () if args[-1] == "--export" else ("--out",)
    proc = run_cli(*args, *option, "RO.md", cwd=repo)
    shown = "r--r--r--, mode 0444" if mode == 0o444 else "r--------, mode 0400"
    assert proc.returncode != 0, proc.stderr
    assert proc.stderr.endswith(
        f"RO.md is read-only (permissions {shown}): make it writable to update it, or write "
        "elsewhere; nothing was written\n"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text() == FROZEN and out.stat().st_mode & 0o777 == mode
