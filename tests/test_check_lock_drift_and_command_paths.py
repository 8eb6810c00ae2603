"""``check``: a lock file's churn is no drift (CS004 fired on a section naming ``uv.lock``, or a
folder holding ``package-lock.json``), while code's churn still is; and a command's missing path
gets the did-you-mean a missing path gets under CS001 (a new user's hour, session 30)."""

from __future__ import annotations

import json

from gitutil import commit, make_repo, run_cli

CLAUDE = """# Project

## Dependencies

Dependencies are pinned in `uv.lock`; run `uv sync` after pulling.

## Frontend

The web client lives in `web/`.

## Server

The server is `app/server.py`.
"""


def _lock(n: int) -> str:
    return "version = 1\n" + "".join(f'[[package]]\nname = "pkg{i}"\nversion = "1.{i}"\n'
                                     for i in range(n))


def _findings(repo) -> list[dict]:
    proc = run_cli("check", "--format", "json", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["diagnostics"]


def test_a_lock_file_s_churn_is_no_drift_but_code_s_is(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "CLAUDE.md": CLAUDE, "uv.lock": _lock(1), "pyproject.toml": "[project]\nname = 'x'\n",
        "web/package-lock.json": "{}\n", "web/main.js": "export const x = 1;\n",
        "app/server.py": "def serve():\n    return 1\n",
    })
    commit(repo, "bump dependencies", {
        "uv.lock": _lock(300),
        "web/package-lock.json": json.dumps({"packages": {f"p{i}": i for i in range(400)}},
                                            indent=2),
    })
    assert [d for d in _findings(repo) if d["code"] == "CS004"] == []

    commit(repo, "rewrite the server", {
        "app/server.py": "".join(f"def handler_{i}():\n    return {i}\n" for i in range(60)),
    })
    drift = [d for d in _findings(repo) if d["code"] == "CS004"]
    assert len(drift) == 1, drift
    assert "app/server.py +" in drift[0]["message"] and "uv.lock" not in drift[0]["message"]


def test_a_command_s_missing_path_gets_a_did_you_mean(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "CLAUDE.md": "# P\n\nRun `python -m pytest tests/test_sesions.py` and `bash "
                     "scripts/bild.sh`.\n",
        "tests/test_sessions.py": "def test_x():\n    assert True\n",
        "scripts/build.sh": "#!/bin/sh\necho build\n",
    })
    found = {d["message"]: d for d in _findings(repo) if d["code"] == "CS003"}
    assert set(found) == {
        "test path tests/test_sesions.py does not exist; did you mean tests/test_sessions.py?",
        "script scripts/bild.sh does not exist; did you mean scripts/build.sh?",
    }, found
    assert {d["fix"]["replacement"] for d in found.values()} == {
        "tests/test_sessions.py", "scripts/build.sh"}
