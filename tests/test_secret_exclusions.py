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


# A module like axios's lib/core/mergeConfig.js: a comment, then options mapped to functions
# whose names end in a digit (``withXSRFToken: valueOfConfig2``).
MERGE_JS = ("export default function mergeOptions(first, second) {\n"
            "  function valueOfConfig2(a, b) {\n    return b === undefined ? a : b;\n  }\n\n"
            "  // the options each key merges by\n  const mergeMap = {\n"
            + "".join(f"    {k}: valueOfConfig2,\n" for k in (
                "url", "method", "data", "baseURL", "timeout", "timeoutMessage",
                "withCredentials", "withXSRFToken", "adapter", "responseType", "xsrfCookieName",
                "xsrfHeaderName", "cancelToken", "socketPath"))
            + "  };\n  return mergeMap;\n}\n")
MAP_TOKEN = "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"


def source_map(*sources: str) -> str:
    """A bundler's source map: one line of JSON, each source's lines joined by ``\\n``."""
    return json.dumps({"version": 3, "file": "app.js",
                       "sources": [f"../src/s{i}.js" for i in range(len(sources))],
                       "sourcesContent": list(sources), "names": ["mergeOptions"],
                       "mappings": "AAAA,SAASA;AACA" * 20}, separators=(",", ":"))


def test_a_source_map_is_generated_code_not_secret_material(tmp_path: Path) -> None:
    """axios's ``dist/*.map`` were excluded as "secret material as a whole: 1 of 1 non-blank
    line holds a secret (Secret Keyword)": read as one line, a comment in an embedded source ran
    on into ``withXSRFToken: valueOfConfig2``. A source map's sources are read line by line
    now: it is generated code (ranked below the code), never named as secret; a real secret in
    one is still found."""
    root = make_repo(tmp_path / "repo", {
        "src/merge.js": MERGE_JS, "dist/app.js.map": source_map(MERGE_JS) + "\n",
        "dist/leak.js.map": source_map(
            MERGE_JS, f'const token = "{MAP_TOKEN}";\nconst password = "Hunter2Secret9xq";\n')
        + "\n"})
    proc = run_cli("bundle", "--task", "merge the options of the app map", "--budget", "0",
                   "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    excluded = {e["path"]: e["reason"] for e in data["excluded"]}
    assert "dist/app.js.map" not in excluded, excluded
    ranked = [i["path"] for i in data["items"]]
    assert ranked.index("src/merge.js") < ranked.index("dist/app.js.map"), ranked
    assert excluded.get("dist/leak.js.map", "").startswith("secret material as a whole"), excluded
    seeded = run_cli("bundle", "--seed", "dist/app.js.map", "--budget", "30000", cwd=root)
    assert seeded.returncode == 0, seeded.stderr
    assert "withXSRFToken: valueOfConfig2" in seeded.stdout and "[redacted" not in seeded.stdout
    shown = run_cli("bundle", "--seed", "dist/leak.js.map", "--budget", "30000", cwd=root)
    assert shown.returncode == 2 and "secret material as a whole" in shown.stderr, shown.stderr
    assert MAP_TOKEN not in shown.stdout + shown.stderr
