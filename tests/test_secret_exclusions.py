"""Secret exclusion through the real ``ctxsteward bundle`` on a real git repository: every ``.env*``
file by name, and a plain password assigned in code by detect-secrets' keyword detector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

DOTENVS = (".env", ".env.example", ".env.local", ".env.production.sample", ".envrc",
           "deploy/.env.template")
PASSWORD = "hunter2-Sup3rS3cret!xQ9"
DB = f'db_password = "{PASSWORD}"\n\n\ndef connect_database(host):\n    return host\n'
FILES = {
    "app.py": "from db import connect_database\n\n\ndef start_database():\n"
              "    return connect_database('localhost')\n",
    **{name: "DATABASE_URL=postgres://localhost/app\n" for name in DOTENVS},
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("secrets") / "repo", FILES, commits=[
        {"app.py": FILES["app.py"] + "# database\n", "db.py": DB,
         **{name: "DATABASE_URL=postgres://localhost/app2\n" for name in DOTENVS}},
    ])


def bundle_json(repo: Path, *args: str) -> dict[str, object]:
    proc = run_cli("bundle", "--seed", "app.py", "--task", "connect the database", "--budget",
                   "0", "--format", "json", *args, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def test_every_dotenv_file_is_excluded_by_name(repo: Path) -> None:
    pins = [a for name in DOTENVS for a in ("--pin", name)]
    data = bundle_json(repo, *pins)
    excluded = {e["path"]: e["reason"] for e in data["excluded"]}  # type: ignore[attr-defined]
    for name in DOTENVS:
        expected = ".env" if name == ".env" else ".env*"
        assert excluded.get(name) == f"secret-bearing file name ({expected})", (name, excluded)
    items = {i["path"] for i in data["items"]}  # type: ignore[attr-defined]
    assert not items & set(DOTENVS) and "app.py" in items
