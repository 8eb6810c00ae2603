"""A query's ``--exclude`` keeps files out of that answer only: the shared index is neither
shrunk nor re-parsed because of it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from gitutil import make_repo, run_cli


def _rows(root: Path) -> tuple[set[str], list[tuple[str, str]]]:
    db = sqlite3.connect(root / ".ctxsteward" / "index.sqlite")
    try:
        files = {r[0] for r in db.execute("SELECT path FROM files")}
        skipped = list(db.execute("SELECT path, reason FROM skipped"))
    finally:
        db.close()
    return files, skipped


def test_bundle_exclude_leaves_the_index_alone(tmp_path: Path) -> None:
    files = {f"pkg/mod_{i}.py": f"def parse_{i}(x):\n    return x + {i}\n" for i in range(40)}
    files["app/main.py"] = ("from pkg.mod_1 import parse_1\n\n\ndef main():\n"
                            "    return parse_1(2)\n")
    make_repo(tmp_path, files)
    first = json.loads(run_cli("index", "--json", cwd=tmp_path).stdout)
    assert first["files"] == 41
    before = _rows(tmp_path)

    out = run_cli("bundle", "--seed", "app/main.py", "--exclude", "pkg/", "--format", "json",
                  cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    bundle = json.loads(out.stdout)
    assert not [i["path"] for i in bundle["items"] if i["path"].startswith("pkg/")], bundle
    assert _rows(tmp_path) == before  # no row removed, none marked excluded

    again = json.loads(run_cli("index", "--json", cwd=tmp_path).stdout)
    assert again["files"] == 41 and again["files_parsed"] == 0, again
    # The files it kept out are still found by the next query.
    later = json.loads(run_cli("bundle", "--seed", "app/main.py", "--format", "json",
                               cwd=tmp_path).stdout)
    assert "pkg/mod_1.py" in [i["path"] for i in later["items"]]


def test_mcp_exclude_leaves_the_index_alone(tmp_path: Path) -> None:
    import subprocess

    from gitutil import cli_command, git_env

    files = {f"pkg/mod_{i}.py": f"def parse_{i}(x):\n    return x + {i}\n" for i in range(40)}
    files["app/main.py"] = ("from pkg.mod_1 import parse_1\n\n\ndef main():\n"
                            "    return parse_1(2)\n")
    make_repo(tmp_path, files)
    assert json.loads(run_cli("index", "--json", cwd=tmp_path).stdout)["files"] == 41
    before = _rows(tmp_path)

    def message(i: int, method: str, params: dict) -> bytes:
        return json.dumps({"jsonrpc": "2.0", "id": i, "method": method,
                           "params": params}).encode() + b"\n"

    requests = b"".join([
        message(1, "initialize", {"protocolVersion": "2025-03-26", "capabilities": {},
                                  "clientInfo": {"name": "test", "version": "0"}}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode() + b"\n",
        message(2, "tools/call", {"name": "suggest_bundle", "arguments": {
            "seeds": ["app/main.py"], "format": "json"}}),
    ])
    proc = subprocess.Popen([*cli_command(), "mcp", "--exclude", "pkg/"], cwd=tmp_path,
                            env=git_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(requests)
        proc.stdin.flush()
        answers = {}
        while 2 not in answers:
            line = proc.stdout.readline()
            assert line, "the server closed its output"
            got = json.loads(line)
            if "id" in got:
                answers[got["id"]] = got
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)
    answer = answers[2]["result"]["structuredContent"]
    assert [i["path"] for i in answer["items"]] == ["app/main.py"], answer
    assert all(x["why"].endswith("matches an exclude glob") for x in answer["left_out"]), answer
    assert _rows(tmp_path) == before
    again = json.loads(run_cli("index", "--json", cwd=tmp_path).stdout)
    assert again["files"] == 41 and again["files_parsed"] == 0, again
