"""detect-secrets' keyword detector finds a plain password assigned in code or configuration: the
value is masked in a bundle (the file left out whole when it is little more than the password),
while its standard filters (and the label-value filter) leave templates and enum-like labels as
they are. Runs the real ``ctxsteward bundle`` on a real git repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gitutil import make_repo, run_cli

from analyzers.indexing.index import Index
from analyzers.secrets import SCAN_VERSION

FILES = {
    "app.py": "from db import connect_database\nfrom codes import INVALID_PASSWORD\n\n\n"
              "def start_database():\n    return connect_database('localhost')\n",
    # A real-looking credential: KeywordDetector ("Secret Keyword") flags it.
    "db.py": 'db_password = "hunter2-Sup3rS3cret!xQ9"\n\n\n'
             "def connect_database(host):\n    return host\n",
    "config/settings.yaml": "database:\n  password: Zr8!kQ2#vLm9\n",
    # Labels, templates and environment lookups: no credential.
    "codes.py": 'INVALID_PASSWORD = "invalid_password"\nSECRET = "Secret"\n'
                'PASSWORD_RESET = "account_password_reset"\n\n\n'
                "def database_error_code(e):\n    return INVALID_PASSWORD\n",
    "fixtures.py": 'password = "password"\napi_key = "${API_KEY}"\n'
                   'secret = "{{ database_secret }}"\n\n\n'
                   "def database_user():\n    return password\n",
    # Code, not credentials: an unquoted expression in source code, a short value.
    "auth.go": "package auth\n\nfunc Check(accounts map[string]string) bool {\n"
               "\tfor user, password := range accounts {\n\t\t_ = user + password\n\t}\n"
               "\treturn true\n}\n",
    "ci.yml": "jobs:\n  database:\n    secrets: inherit\n",
    "lookup.py": 'if db_key == "id":\n    db_password = "tbd"\n',
    # A shell script is configuration: an unquoted value there is a credential.
    "deploy.sh": "PASSWORD=Zr8kQ2vLm9xx\n",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("keywords") / "repo", FILES)


def bundle_json(repo: Path) -> dict[str, Any]:
    pins = [a for name in FILES for a in ("--pin", name)]
    proc = run_cli("bundle", "--task", "connect the database", "--budget", "0", "--format",
                   "json", *pins, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "hunter2" not in proc.stdout and "Zr8" not in proc.stdout
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def excluded_and_items(repo: Path) -> tuple[dict[str, str], set[str]]:
    data = bundle_json(repo)
    return {e["path"]: e["reason"] for e in data["excluded"]}, {i["path"] for i in data["items"]}


def redacted(repo: Path) -> dict[str, tuple[list[int], list[str]]]:
    return {r["path"]: (r["lines"], r["kinds"]) for r in bundle_json(repo)["redacted"]}


WHOLE = "secret material as a whole: 1 of {} non-blank line{} holds a secret (Secret Keyword)"


def test_a_plain_password_in_code_or_config_is_masked_or_the_file_excluded(repo: Path) -> None:
    excluded, items = excluded_and_items(repo)
    # Little more than the password: left out whole.
    assert excluded["config/settings.yaml"] == WHOLE.format(2, "s")
    assert excluded["deploy.sh"] == WHOLE.format(1, "")
    # A module with a password in it: kept, the value masked.
    assert "db.py" not in excluded and "db.py" in items
    assert redacted(repo)["db.py"] == ([1], ["Secret Keyword"])
    proc = run_cli("bundle", "--seed", "app.py", "--pin", "db.py", cwd=repo)
    assert proc.returncode == 0 and "hunter2" not in proc.stdout + proc.stderr
    assert 'db_password = "[redacted: Secret Keyword]"\n' in proc.stdout
    assert "redacted db.py: Secret Keyword masked on line 1" in proc.stderr


def test_labels_templates_and_obvious_placeholders_stay_in(repo: Path) -> None:
    excluded, items = excluded_and_items(repo)
    kept = {"codes.py", "fixtures.py", "auth.go", "ci.yml", "lookup.py"}
    assert not kept & set(excluded), excluded
    assert kept | {"app.py"} <= items


def test_answers_cached_by_an_older_scan_are_not_trusted(repo: Path) -> None:
    excluded_and_items(repo)  # builds the index and the scan cache
    cache = repo / ".ctxsteward" / "secrets.json"
    with Index(repo) as index:
        db_hash = index.files()["db.py"].hash
    # A cache written before the keyword detector ran: no version, "no secret" for db.py.
    cache.write_text(json.dumps({db_hash: None}))
    assert redacted(repo)["db.py"] == ([1], ["Secret Keyword"])
    assert json.loads(cache.read_text())["scan_version"] >= 7
    # An entry of this version that is not a scan (edited, truncated): scanned again.
    for entry in (["x", "not findings"], [None, []], [None, [[1, 2]]], 5, "secret"):
        cache.write_text(json.dumps({"scan_version": SCAN_VERSION, db_hash: entry}))
        assert redacted(repo)["db.py"] == ([1], ["Secret Keyword"]), entry
    cache.write_text("{not json")
    assert redacted(repo)["db.py"] == ([1], ["Secret Keyword"])
