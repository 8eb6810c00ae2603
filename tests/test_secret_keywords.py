"""detect-secrets' keyword detector keeps a plain password assigned in code out of bundles, while
its standard filters (and the label-value filter) leave templates and enum-like labels in. Runs
the real ``ctxsteward bundle`` on a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

from analyzers.index import Index

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


def excluded_and_items(repo: Path) -> tuple[dict[str, str], set[str]]:
    pins = [a for name in FILES for a in ("--pin", name)]
    proc = run_cli("bundle", "--task", "connect the database", "--budget", "0", "--format",
                   "json", *pins, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    return {e["path"]: e["reason"] for e in data["excluded"]}, {i["path"] for i in data["items"]}


def test_a_plain_password_in_code_or_config_is_excluded(repo: Path) -> None:
    excluded, items = excluded_and_items(repo)
    assert excluded["db.py"] == "Secret Keyword detected on line 1"
    assert excluded["config/settings.yaml"] == "Secret Keyword detected on line 2"
    assert excluded["deploy.sh"] == "Secret Keyword detected on line 1"
    assert not items & {"db.py", "config/settings.yaml"}
    proc = run_cli("bundle", "--seed", "app.py", "--pin", "db.py", cwd=repo)
    assert proc.returncode == 0 and "hunter2" not in proc.stdout
    assert "excluded db.py: Secret Keyword detected on line 1" in proc.stderr


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
    excluded, _ = excluded_and_items(repo)
    assert excluded["db.py"] == "Secret Keyword detected on line 1"
    assert json.loads(cache.read_text())["scan_version"] >= 3
