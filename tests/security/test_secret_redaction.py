"""Issue #14, defect 1: a core file with one secret in it is kept and shown redacted, not dropped.

The flask case on a real git repository, through the real CLI and the real MCP server over stdio:
``src/flask/config.py`` (its docstring shows a ``SECRET_KEY`` value), ``docs/config.rst`` and
``tests/conftest.py`` each hold one secret value; a bundle for a task about config holds them with
the value replaced by ``[redacted: KIND]`` in every format, in ``--out`` files, in the saved
bundle and the scan cache under ``.ctxsteward``, and in the MCP answers. ``.env`` (by name), a
PEM key (a private key block, whatever its name) and a file of tokens (most lines secret) are still
left out whole, and a seed of theirs refused. Verify works on the redacted items."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

import pytest
from gitutil import commit, make_repo, run_cli, snapshot, write_files
from mcp.types import TextResourceContents
from mcp_client import data, session, structured_json, text

from analyzers.config import Settings
from analyzers.indexing.filefacts import content_hash
from analyzers.secrets import content_key, redact_lines, scan_text, secret_as_a_whole
from analyzers.tokens import Counter

# Values assembled at run time, so this file itself holds no literal secret.
CONFIG_SECRET = "dev-" + "Kx9q2Lm7Pz4w"
DOCS_SECRET = "192b9bdd22ab9ed4" + "d12e236c78afcb9a"
TEST_SECRET = "test-" + "Qv8r1Rk3Ws7n"
ENV_SECRET = "prod-" + "Hj4kL9mN2pQ7"
PEM_BODY = "MIIEpAIBAAKCAQEA7Ks3Zg" + "PlantedPemBodyLine9x8y7z"
TOKENS = ("ghp_" + "A1b2C3d4E5f6G7h8I9j0" + "K1l2M3n4O5p6Q7r8",
          "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx")
SECRETS = (CONFIG_SECRET, DOCS_SECRET, TEST_SECRET, ENV_SECRET, PEM_BODY, *TOKENS)
MARK = "[redacted: Secret Keyword]"
TASK = "config from_prefixed_env should parse nested dict keys"
COUNT = Counter("cl100k_base", Settings().model_profile()).count

CONFIG = f'''"""Configuration of the application.

Example::

    app.config['SECRET_KEY'] = '{CONFIG_SECRET}'
"""
import json
import os


class Config(dict):
    """Works like a dict, and loads the config from files and the environment."""

    def from_prefixed_env(self, prefix="FLASK", loads=json.loads):
        """Load environment variables starting with the prefix; nested dict keys with __."""
        prefix = f"{{prefix}}_"
        for key in sorted(os.environ):
            if not key.startswith(prefix):
                continue
            value = os.environ[key]
            self[key[len(prefix):]] = loads(value)
        return True

    def from_mapping(self, mapping):
        """Update the config like update, ignoring items with non-upper keys."""
        self.update(mapping)
        return True
'''
DOCS = f"""Configuration Handling
======================

Set the secret key in the config::

    SECRET_KEY = '{DOCS_SECRET}'

Use ``Config.from_prefixed_env`` to load the config from the environment; nested dict keys are
split at double underscores.
"""
CONFTEST = f'''import pytest

from flask.app import Flask


@pytest.fixture
def app():
    app = Flask("flask_test")
    app.config.update(TESTING=True, SECRET_KEY="{TEST_SECRET}")
    return app
'''
CONFIG_LINES = CONFIG.count("\n")
APP = '''from flask.config import Config


class Flask:
    def __init__(self, name):
        self.name = name
        self.config = Config()
'''
FILES = {
    "src/flask/config.py": CONFIG,
    "src/flask/app.py": APP,
    "src/flask/__init__.py": "",
    "docs/config.rst": DOCS,
    "tests/conftest.py": CONFTEST,
    ".env": f"SECRET_KEY={ENV_SECRET}\n",
    "deploy/config_key.txt": f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n"
                             "-----END RSA PRIVATE KEY-----\n",
    "deploy/config_tokens.py": f'GITHUB_TOKEN = "{TOKENS[0]}"\nSLACK_TOKEN = "{TOKENS[1]}"\n'
                               "CONFIG_NAME = 'prefixed env config'\n",
}
EXCLUDED = {
    ".env": "secret-bearing file name (.env)",
    "deploy/config_key.txt": "secret material as a whole: a private key block (line 1)",
    "deploy/config_tokens.py": "secret material as a whole: 2 of 3 non-blank lines hold a secret "
                               "(GitHub Token, Slack Token)",
}
PINS = [a for p in EXCLUDED for a in ("--pin", p)]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flask") / "repo"
    make_repo(root, FILES, commits=[
        ("config: env", {"src/flask/config.py": CONFIG + "\n", "docs/config.rst": DOCS + "\n"}),
        ("config: back", {"src/flask/config.py": CONFIG, "docs/config.rst": DOCS}),
    ])
    return root


def clean(*outputs: str) -> None:
    for out in outputs:
        for value in SECRETS:
            assert value not in out, f"{value[:6]}… leaked"


def redacted(content: str, value: str, kind: str = "Secret Keyword") -> str:
    return content.replace(value, f"[redacted: {kind}]")


def bundle(repo: Path, *args: str) -> tuple[str, str]:
    proc = run_cli("bundle", "--task", TASK, *args, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    clean(proc.stdout, proc.stderr)
    return proc.stdout, proc.stderr


def state_files(repo: Path) -> str:
    """The saved bundles and the secret-scan cache under .ctxsteward (the index, a cache of the
    files' own content beside them, is not an output)."""
    state = repo / ".ctxsteward"
    paths = [*sorted((state / "bundles").glob("*.json")), state / "secrets.json"]
    assert len(paths) > 1
    return "\n".join(p.read_text("utf-8") for p in paths)


# -- the rules ----------------------------------------------------------------------------------

def test_what_is_secret_material_as_a_whole() -> None:
    assert scan_text(CONFIG, "config.py").whole is None
    assert scan_text(DOCS, "config.rst").whole is None
    for path in ("deploy/config_key.txt", "deploy/config_tokens.py"):
        assert scan_text(FILES[path], path).whole == EXCLUDED[path]
    # A key body after the header, also in a string; code naming the header alone is no key.
    embedded = f'KEY = "-----BEGIN EC PRIVATE KEY-----\\n{PEM_BODY}\\n"\n' + "x = 1\n" * 20
    assert "private key block" in (scan_text(embedded, "k.py").whole or "")
    parser = ('def is_key(data):\n    return data.startswith("-----BEGIN RSA PRIVATE KEY-----")'
              ' and "-----END RSA PRIVATE KEY-----" in data\n' + "x = 1\n" * 20)
    scan = scan_text(parser, "p.py")
    assert [f.line for f in scan.findings] == [2] and scan.whole is None
    assert secret_as_a_whole(parser, scan.findings) is None
    # Half the non-blank lines holding a secret is whole; fewer is redacted.
    half = f'password = "{TEST_SECRET}"\n\nx = 1\n'
    assert scan_text(half, "a.py").whole is not None
    assert scan_text(half + "y = 2\n", "a.py").whole is None


SIGNING = "zQ81kd" + "keE0p1Wv"  # a value no detector flags by itself


def test_a_value_marked_by_the_allowlist_pragma_is_masked_in_a_file_shown(tmp_path: Path) -> None:
    # The pragma silences a CI scanner; it says the line holds a secret. In a file shown redacted
    # (the DB password found by the detectors), that value is masked too.
    settings = ("import os\n\n"
                f'os.environ.setdefault("DB_PASSWORD", "{TEST_SECRET}")\n'
                f'SIGNING_KEY = "{SIGNING}"  # pragma: allowlist secret\n\n\n'
                "def debug_settings():\n    return os.environ.get('DEBUG') == '1'\n\n\n"
                "def signing_settings():\n    return SIGNING_KEY\n")
    scan = scan_text(settings, "settings.py")
    assert scan.whole is None
    assert [(f.line, f.kind) for f in scan.findings] == [
        (3, "Secret Pair"), (4, "Allowlisted Secret")]
    nextline = f"# pragma: allowlist nextline secret\nsigning: {SIGNING}\nname: app\n"
    assert [(f.line, f.kind) for f in scan_text(nextline, "c.yaml").findings] == [
        (2, "Allowlisted Secret")]
    main = "from app.settings import debug_settings\n"
    root = make_repo(tmp_path / "repo", {"app/settings.py": settings, "app/main.py": main})
    md, err = bundle(root, "--seed", "app/settings.py")
    assert SIGNING not in md + err
    assert 'SIGNING_KEY = "[redacted: Allowlisted Secret]"  # pragma: allowlist secret' in md
    assert "redacted app/settings.py: Secret Pair, Allowlisted Secret masked on lines 3-4" in err


def test_every_value_on_a_line_is_masked_and_the_index_holds_none(tmp_path: Path) -> None:
    """Two tokens of one kind on a line, and a token repeated in a TODO comment: detect-secrets
    reports one value per detector and line, so the line is scanned again until none is left.
    The index stores definition signatures (a constant's first line): redacted too."""
    first, second = TOKENS[0], TOKENS[0][:-4] + "Zz99"
    keys = (f'TWO = ["{first}", "{second}"]\n'
            f'GITHUB_TOKEN = "{second}"  # TODO rotate {second}\n\n\n'
            "def token():\n    return GITHUB_TOKEN\n\n\n"
            "def tokens():\n    return list(TWO)\n\n\n"
            "def rotate(new):\n    global GITHUB_TOKEN\n    GITHUB_TOKEN = new\n")
    assert [(f.line, f.kind) for f in scan_text(keys, "keys.py").findings] == [
        (1, "GitHub Token"), (1, "GitHub Token"), (2, "GitHub Token"), (2, "GitHub Token")]
    # In configuration, a second name on the line: a flow mapping, an INI comment.
    for name, line in (
            ("db.yaml", f"db: {{password: {CONFIG_SECRET}x, admin_password: {TEST_SECRET}y}}\n"),
            ("db.yaml", f"auth: [{{password: {CONFIG_SECRET}x}}, {{password: {TEST_SECRET}y}}]\n"),
            ("db.ini", f"password = {CONFIG_SECRET}x ; old password = {TEST_SECRET}y\n")):
        shown = "".join(redact_lines([line], scan_text(line, name).findings))
        assert CONFIG_SECRET not in shown and TEST_SECRET not in shown, shown
        assert shown.count("[redacted: ") == 2, shown
    root = make_repo(tmp_path / "repo", {"app/keys.py": "def token():\n    return 1\n",
                                         "app/main.py": "from app.keys import token\n"})
    commit(root, "keys", {"app/keys.py": keys})
    for fmt in ("markdown", "xml", "json"):
        proc = run_cli("bundle", "--seed", "app/keys.py", "--format", fmt, cwd=root)
        assert proc.returncode == 0, proc.stderr
        for value in (first, second):
            assert value not in proc.stdout + proc.stderr
    md = run_cli("bundle", "--seed", "app/keys.py", cwd=root).stdout
    assert 'TWO = ["[redacted: GitHub Token]", "[redacted: GitHub Token]"]' in md
    assert "# TODO rotate [redacted: GitHub Token]" in md
    handoff = run_cli("handoff", "--base", "HEAD~1", "--format", "json", cwd=root)
    assert handoff.returncode == 0, handoff.stderr
    assert "rotate" in handoff.stdout  # the TODO line is there, masked
    for value in (first, second):
        assert value not in handoff.stdout + handoff.stderr
        for path in (root / ".ctxsteward").rglob("*"):
            if path.is_file():
                assert value.encode() not in path.read_bytes(), path


def test_the_scan_cache_key_is_the_index_content_hash() -> None:
    # Budget-0 bundles look scans up by the index's hash; packed ones by the bytes they read.
    for raw in (b"", CONFIG.encode(), "caf\u00e9\r\n".encode()):
        assert content_key(raw) == content_hash(raw)


def test_spans_land_on_the_lines_a_bundle_shows() -> None:
    # A form feed is a line break for str.splitlines, not for a bundle (nor the index): the value
    # is masked on the line the bundle shows, not one line off.
    text = f'a = 1\x0cpassword = "{TEST_SECRET}"\nb = 2\nc = 3\nd = 4\n'
    lines = [line + "\n" for line in text.split("\n")[:-1]]
    scan = scan_text(text, "f.py")
    assert [(f.line, f.kind) for f in scan.findings] == [(1, "Secret Keyword")]
    shown = redact_lines(lines, scan.findings)
    assert shown == [f'a = 1\x0cpassword = "{MARK}"\n', *lines[1:]]


# -- the CLI ------------------------------------------------------------------------------------

def test_config_is_kept_and_redacted_in_markdown_and_xml(repo: Path) -> None:
    md, err = bundle(repo, *PINS)
    assert f"## src/flask/config.py (lines 1-{CONFIG_LINES})" in md, md[:800]
    assert f"    app.config['SECRET_KEY'] = '{MARK}'\n" in md
    # Line numbers as in the file: the masked line is line 5, as in the file.
    block = md.split("## src/flask/config.py", 1)[1].split("```python\n", 1)[1]
    assert block.splitlines()[4] == f"    app.config['SECRET_KEY'] = '{MARK}'"
    for path, reason in EXCLUDED.items():
        assert f"excluded {path}: {reason}" in err
        assert f"## {path}" not in md
    assert "redacted src/flask/config.py: Secret Keyword masked on line 5" in err

    xml, _ = bundle(repo, "--format", "xml", *PINS)
    docs = {d.get("path"): d for d in ET.fromstring(xml).iter("document")}
    content = docs["src/flask/config.py"].findtext("document_content") or ""
    assert content.strip("\n") == redacted(CONFIG, CONFIG_SECRET).strip("\n")
    assert not set(EXCLUDED) & set(docs)


def test_json_lists_redacted_and_excluded_and_counts_the_redacted_text(repo: Path) -> None:
    out, _ = bundle(repo, "--format", "json", *PINS)
    b = json.loads(out)
    assert {e["path"]: e["reason"] for e in b["excluded"]} == EXCLUDED
    masked = {r["path"]: (r["lines"], r["kinds"]) for r in b["redacted"]}
    assert masked["src/flask/config.py"] == ([5], ["Secret Keyword"])
    items = {i["path"]: i for i in b["items"]}
    assert "src/flask/config.py" in items and set(masked) <= set(items)
    # The item's tokens are those of its rendered piece, marker included (not of the original).
    md, _ = bundle(repo, *PINS)
    piece = "## src/flask/config.py" + md.split("## src/flask/config.py", 1)[1]
    piece = piece[:piece.index("```\n\n") + 5]
    assert items["src/flask/config.py"]["tokens"] == COUNT(piece)
    assert COUNT(piece) != COUNT(piece.replace(MARK, CONFIG_SECRET))
    # Ranking only: a redacted file's whole-file tokens are of its redacted text.
    ranked = json.loads(bundle(repo, "--budget", "0", "--format", "json")[0])
    whole = {i["path"]: i["tokens"] for i in ranked["items"]}
    assert whole["src/flask/config.py"] == COUNT(redacted(CONFIG, CONFIG_SECRET))
    assert {r["path"] for r in ranked["redacted"]} >= {"src/flask/config.py", "docs/config.rst"}


def test_the_other_flask_files_are_kept_redacted(repo: Path) -> None:
    for path, value in (("docs/config.rst", DOCS_SECRET), ("tests/conftest.py", TEST_SECRET)):
        md, err = bundle(repo, "--pin", path, "--budget", "8000")
        assert f"## {path} (lines " in md
        assert redacted(FILES[path], value).rstrip("\n") in md
        assert f"redacted {path}: " in err


def test_a_seed_with_one_secret_is_kept_and_a_secret_file_seed_refused(repo: Path) -> None:
    md, _ = bundle(repo, "--seed", "src/flask/config.py::Config.from_prefixed_env")
    assert "## src/flask/config.py" in md
    md, _ = bundle(repo, "--seed", "src/flask/config.py")
    assert MARK in md and f"## src/flask/config.py (lines 1-{CONFIG_LINES})" in md
    for seed in EXCLUDED:
        proc = run_cli("bundle", "--seed", seed, "--format", "json", cwd=repo)
        assert proc.returncode == 2, (seed, proc.returncode, proc.stdout[:300])
        assert f"seed '{seed}' is excluded: {EXCLUDED[seed]}" in proc.stderr
        clean(proc.stdout, proc.stderr)


def test_out_files_saved_bundles_and_the_scan_cache_hold_no_secret(repo: Path) -> None:
    for fmt in ("markdown", "xml", "json"):
        _, err = bundle(repo, "--format", fmt, "--out", f"bundle.{fmt}", "--save", f"s-{fmt}",
                        *PINS)
        written = (repo / f"bundle.{fmt}").read_text("utf-8")
        clean(written, err)
        assert ("src/flask/config.py" in written) and (fmt == "json" or MARK in written)
    for name in ("s-markdown", "s-xml", "s-json"):
        saved = json.loads((repo / ".ctxsteward" / "bundles" / f"{name}.json").read_text())
        assert {r["path"] for r in saved["bundle"]["redacted"]} >= {"src/flask/config.py"}
    assert (repo / ".ctxsteward" / "secrets.json").exists()
    clean(state_files(repo))


def test_verify_a_redacted_item(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {k: v for k, v in FILES.items() if k != "docs/config.rst"})
    bundle(root, "--seed", "src/flask/config.py", "--save", "work")
    saved = (root / ".ctxsteward" / "bundles" / "work.json").read_text()
    clean(saved)
    before = snapshot(root)

    proc = run_cli("bundle", "--verify", "work", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "unchanged src/flask/config.py" in proc.stdout
    clean(proc.stdout, proc.stderr)
    proc = run_cli("bundle", "--verify", "work", "--format", "json", cwd=root)
    items = {i["path"]: i["status"] for i in json.loads(proc.stdout)["items"]}
    assert items["src/flask/config.py"] == "unchanged"
    assert snapshot(root) == before  # verify writes nothing into the workspace

    # An edit of the lines the agent saw is "changed" (and still nothing secret is printed).
    commit(root, "edit config", {"src/flask/config.py": CONFIG.replace(
        "return True\n\n    def from_mapping", "return False\n\n    def from_mapping")})
    proc = run_cli("bundle", "--verify", "work", cwd=root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"changed\s+src/flask/config\.py", proc.stdout), proc.stdout
    clean(proc.stdout, proc.stderr)

    # The file as saved again: unchanged.
    write_files(root, {"src/flask/config.py": CONFIG})
    proc = run_cli("bundle", "--verify", "work", cwd=root)
    assert proc.returncode == 0 and "unchanged src/flask/config.py" in proc.stdout


# -- the MCP server -----------------------------------------------------------------------------

async def test_mcp_answers_show_the_file_redacted_and_never_the_secret(
        repo: Path, log: TextIO) -> None:
    async with session(repo, log) as s:
        seen: list[str] = []
        for fmt in ("markdown", "xml", "json"):
            result = await s.call_tool("suggest_bundle", {"task": TASK, "format": fmt,
                                                          "budget": 8000, "save": f"m-{fmt}"})
            answer = data(result)
            seen += [text(result), structured_json(result)]
            assert MARK in answer["rendered"], fmt
            entry = next(i for i in answer["items"] if i["path"] == "src/flask/config.py")
            assert entry["redacted"] == [5]
            assert any("src/flask/config.py (line 5: Secret Keyword)" in w
                       for w in answer["warnings"]), answer["warnings"]
            assert not {i["path"] for i in answer["items"]} & set(EXCLUDED)
        seeded = await s.call_tool("suggest_bundle", {"seeds": ["src/flask/config.py"]})
        assert MARK in data(seeded)["rendered"]
        seen += [text(seeded), structured_json(seeded)]
        for seed in EXCLUDED:
            refused = await s.call_tool("suggest_bundle", {"seeds": [seed]})
            assert refused.is_error and "may hold secrets" in text(refused), seed
            seen.append(text(refused))
        found = await s.call_tool("find_context", {"query": TASK, "limit": 20})
        assert "src/flask/config.py" in {h["path"] for h in data(found)["results"]}
        seen += [text(found), structured_json(found)]
        verified = await s.call_tool("verify_bundle", {"name": "m-markdown"})
        assert data(verified)["changed"] == 0 and data(verified)["unchanged"] >= 1
        seen += [text(verified), structured_json(verified)]
        resource = await s.read_resource("ctxsteward://bundles/m-json")  # type: ignore[arg-type]
        body = resource.contents[0]
        assert isinstance(body, TextResourceContents)
        assert "src/flask/config.py" in body.text
        seen.append(body.text)
        prompt = await s.get_prompt("start-task", {"task": TASK})
        seen.append(prompt.messages[0].content.text)  # type: ignore[union-attr]
    clean(*seen)
