"""An instruction file's secret values never reach ``ctxsteward check``'s output (a verifier saw
``CS002 Zq7vR2pLj10 appears nowhere in the code`` quote a password a bundle masked: the message
holds the value alone, which no redaction of the message can tell) nor a handoff's list of
instruction findings. A check of a secret value is no finding: it is not reported at all."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gitutil import run_cli

_VALUES = ("Zq7vR2pLj10", "Zq7vR2pLj12", "Zq7vR2pLj13abcdef", "Zq7vR2pLj04")
_CLAUDE = """# Project

Run `pytest` to test.

- The DB password is `Zq7vR2pLj10`.
- Login: `admin` / password `Zq7vR2pLj12`
- The API key is `Zq7vR2pLj13abcdef`.
- Default credentials for the admin UI are `admin` / `Zq7vR2pLj04`.
- See `src/missing.py` and `frobnicate_widget`.
"""


def _repo(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def serve():\n    return 1\n", "utf-8")
    (root / "CLAUDE.md").write_text(_CLAUDE, "utf-8")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t",
                                               "commit", "-qm", "start"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def test_check_never_quotes_an_instruction_file_s_secret(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r")
    for fmt in ("text", "json", "sarif"):
        proc = run_cli("check", "--format", fmt, cwd=root)
        out = proc.stdout + proc.stderr
        for value in _VALUES:
            assert value not in out, (fmt, value, out)
        assert "frobnicate_widget" in out and "src/missing.py" in out, out  # the rest found
    data = json.loads(run_cli("check", "--format", "json", cwd=root).stdout)
    lines = {d["range"]["start"]["line"] + 1 for d in data["diagnostics"]}
    assert not lines & {5, 6, 7, 8}, data["diagnostics"]  # no finding on a secret's line


def test_a_handoff_lists_no_instruction_secret(tmp_path: Path) -> None:
    root = _repo(tmp_path / "r")
    (root / "src" / "app.py").write_text("def serve():\n    return 2\n", "utf-8")
    for fmt in ("markdown", "json"):
        proc = run_cli("handoff", "--no-bundle", "--format", fmt, cwd=root)
        assert proc.returncode == 0, proc.stderr
        for value in _VALUES:
            assert value not in proc.stdout + proc.stderr, (fmt, value)
