"""Common secret forms detect-secrets alone misses are detected: in a real bundle and in the MCP
start-task prompt a file holding one shows the value masked (or, when the file is little more than
the secret, is left out whole), while a close benign look-alike stays as it is. Real git
repository, real CLI, real MCP server over stdio."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TextIO

import pytest
from gitutil import make_repo, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp_client import session

from analyzers.secrets import (
    file_text,
    find_secrets,
    redact,
    redact_head,
    redact_lines,
    scan_text,
)

# path -> (content holding the secret, the secret value)
FORMS: dict[str, tuple[str, str]] = {
    "web.config": ('<configuration><appSettings>\n'
                   '  <add key="DbPassword" value="Tr0ub4dor-Qx7"/>\n'
                   '</appSettings></configuration>\n', "Tr0ub4dor-Qx7"),
    "store/config.go": ('package store\n\nvar Default = Config{\n\tHost:     "db",\n'
                        '\tPassword: "Vm3k9LqZ2w",\n}\n', "Vm3k9LqZ2w"),
    "store/conn.cs": ('class Conn { string cs = "Server=db1;Database=shop;User Id=sa;'
                      'Password=Pz5rT8wq;"; }\n', "Pz5rT8wq"),
    "store/fetch.py": ('import requests\n\n\ndef fetch_store(url):\n'
                       '    return requests.get(url, auth=("admin", "Wq8zX3kM"))\n', "Wq8zX3kM"),
    "store/settings.py": ('def store_settings():\n    return dict(host="db", '
                          'password="Lm4Rt7Yx2q")\n', "Lm4Rt7Yx2q"),
    "store/env.py": ('import os\n\nos.environ.setdefault("DB_PASSWORD", "Kh2Jd8Fs6w")\n',
                     "Kh2Jd8Fs6w"),
    "store/client.js": ('export function storeHeaders() {\n  return { Authorization: '
                        '"Bearer 7f3a9c1e5b2d8f4a6c0e9b7d" };\n}\n',
                        "7f3a9c1e5b2d8f4a6c0e9b7d"),
    "docs/store-hosts.txt": ("machine store.example.com login deploy password Np6Tq2Wz9x\n",
                             "Np6Tq2Wz9x"),
    "docs/store-deploy.txt": ("machine deploy.example.com\n  login deploy\n"
                              "  password Qv8Lw3Zr7t\n", "Qv8Lw3Zr7t"),  # one field per line
    "store/staging.py": ("def store_staging():\n    # FIXME password is Sup3r!Store7 on staging\n"
                         "    return 'staging'\n", "Sup3r!Store7"),
    "store/pragma.py": ('STORE_DB_PASSWORD = "Hd7Ks2Lq9Wx4"  # pragma: allowlist secret\n',
                        "Hd7Ks2Lq9Wx4"),
    # the verifier's second round
    "store/bytes.py": ('STORE_PASSWORD = b"Bq4Wz8Lm2Tx6"\n', "Bq4Wz8Lm2Tx6"),
    "store/typed.ts": ('export const apiKey: string = "Tk3Vn7Qs1Rz5Wm9Hx2Pd";\n',
                       "Tk3Vn7Qs1Rz5Wm9Hx2Pd"),
    "scripts/restore.sh": ("#!/bin/sh\nmysql -u root -pRs7Kq2Vz9Lw shop < dump.sql\n",
                           "Rs7Kq2Vz9Lw"),
    "scripts/dump.sh": ("#!/bin/sh\nmysqldump --password=Dm4Xp8Qw2Zn shop > dump.sql\n",
                        "Dm4Xp8Qw2Zn"),
    "docs/store-api.md": ("# Store API\n\n    curl -u admin:Cu5Lr9Tb3Vk https://store/api\n",
                          "Cu5Lr9Tb3Vk"),
    "store/token_auth.py": ('H = {"Authorization": "Token 9f8e7d6c5b4a39281706f5e4d3c2b1a0"}\n',
                            "9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
    "store/basic_auth.js": ('const h = {"Authorization": "Basic c3RvcmU6Qm4zS3E4THc="};\n',
                            "c3RvcmU6Qm4zS3E4THc="),
    "store/openai.py": ('OPENAI = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f"\n',
                        "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0f"),
    "store/anthropic.yaml": ("bot:\n  see sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe for it\n",
                             "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe"),
    "docs/staging.md": ("# Staging\n\nThe staging password: Qp8Zr3Wm6Kt!\n", "Qp8Zr3Wm6Kt!"),
    "docs/db.txt": ("connect with password=Jx5Tn8Rv2Hq to the staging db\n", "Jx5Tn8Rv2Hq"),
    "store/defaults.py": ('DB_PASSWORD = "mysecretpassword"\n', "mysecretpassword"),
    "docs/admin.md": ("The admin password is Hunter2Secret!\n", "Hunter2Secret!"),
    "store/github.py": ('CLIENT = make_client("github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123'
                        '456789aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNo")\n',
                        "github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNo"
                        "PqRsTuVwXyZ0123456789aBcDeFgHiJkLmNo"),
    "store/maps.js": ('const maps = load("AIzaSyD3xK9mQ2pR7tV5wY8zB1cE4fH6jL0nP3s");\n',
                      "AIzaSyD3xK9mQ2pR7tV5wY8zB1cE4fH6jL0nP3s"),
    "store/cache.py": ('REDIS_URL = "redis://:Hunt3rTw0Secret@cache:6379/0"\n', "Hunt3rTw0Secret"),
    "store/notify.py": ('HOOK = "https://discord.com/api/webhooks/123456789012345678/Ab3dEf6hIj9kLm'
                        '2nOp5qRs8tUv1wXy4zAb7cDe0fGh1iJk"\n',
                        "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh1iJk"),
    # name/value pairs: Kubernetes env, Postman headers, Terraform settings
    "deploy/store.yaml": ("spec:\n  containers:\n    - name: store\n      env:\n"
                          "        - name: LOG_LEVEL\n          value: debug\n"
                          "        - name: STORE_DB_PASSWORD\n          value: \"Wk4Rz8Qm2Tn6\"\n",
                          "Wk4Rz8Qm2Tn6"),
    "docs/store.postman.json": ('{"item": [{"request": {"header": [\n'
                                '  {"key": "x-api-key", "value": "Pm7Xq2Lr9Kt4Vz1B", '
                                '"type": "text"}\n]}}]}\n', "Pm7Xq2Lr9Kt4Vz1B"),
    "deploy/store.tf": ('resource "aws_elastic_beanstalk_environment" "store" {\n  setting {\n'
                        '    name  = "STORE_SECRET_KEY"\n    value = "Tf6Lq3Wz8Rk2"\n  }\n}\n',
                        "Tf6Lq3Wz8Rk2"),
}

# Close look-alikes: code and prose, not credentials.
BENIGN: dict[str, str] = {
    "store/login.py": "def store_login(get_password):\n    password = get_password()\n"
                      "    return password\n",
    "store/login.go": "package store\n\nfunc storeLogin(cfg Config) Config {\n"
                      "\treturn Config{Password: cfg.Password, Host: cfg.Host}\n}\n",
    "store/session.py": "import requests\n\n\ndef store_session(url, password):\n"
                        '    return requests.get(url, auth=("admin", password))\n',
    "store/headers.py": 'def store_token_header(token):\n    return {"Authorization": '
                        'f"Bearer {token}"}\n',
    "store/notes.py": "def store_check(password):\n    # the store password is required here\n"
                      "    return bool(password)\n",
    "docs/store-login.txt": "Store login\n\npassword protected\npassword required\n",
    "store/conn_env.cs": 'class StoreEnv { string cs = "Server=db1;Password=${DB_PASSWORD};"; }\n',
    "scripts/restore_env.sh": '#!/bin/sh\nmysql -u root -p"$MYSQL_PWD" shop\n'
                              'mysqldump --password="$DB_PASSWORD" shop\n'
                              'curl -u "$STORE_USER:$STORE_PASS" https://store/api\n',
    "docs/store-setup.md": "# Setup\n\nRun `mysql -u root -p` and type the password.\n"
                           "Pass `--password=<password>` or set STORE_PASSWORD=$SECRET.\n"
                           "The password: required for every login.\n",
    "store/token_header.py": 'def store_auth(token):\n    return {"Authorization": '
                             'f"Token {token}"}\n',
    "store/test_login.py": 'def test_store_login(client):\n'
                           '    assert not client.login(password="wrongpassword")\n',
    "docs/store-form.txt": "POST body: username=user&password=secure%20password\n",
    "deploy/store-ref.yaml": "env:\n  - name: STORE_DB_PASSWORD\n    valueFrom:\n"
                             "      secretKeyRef: {name: store, key: password}\n"
                             "  - name: STORE_API_TOKEN\n    value: \"{{ .Values.token }}\"\n"
                             "  - name: STORE_PASSWORD_HASH\n    value: Hs9Pd2Vb5Nc8\n",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {p: content for p, (content, _) in FORMS.items()} | BENIGN
    files["app.py"] = "def main():\n    return 0\n"
    return make_repo(tmp_path_factory.mktemp("forms") / "repo", files)


def pinned_bundle(repo: Path) -> tuple[dict[str, str], set[str], str]:
    pins = [a for name in BENIGN for a in ("--pin", name)]
    proc = run_cli("bundle", "--task", "store settings", "--budget", "0", "--format", "json",
                   *pins, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    return ({e["path"]: e["reason"] for e in out["excluded"]},
            {i["path"] for i in out["items"]}, proc.stdout)


def secret_line(name: str) -> int:
    content, secret = FORMS[name]
    return next(i for i, ln in enumerate(content.split("\n"), 1) if secret in ln)


def test_every_form_is_masked_or_its_file_excluded_from_a_bundle(repo: Path) -> None:
    # Pinned by name, each is shown with the value masked (listed under redacted, with the line)
    # or, when the file is little more than the secret, listed under excluded; never its value.
    kept = []
    for name, (_, secret) in FORMS.items():
        proc = run_cli("bundle", "--task", "store settings", "--pin", name, "--format", "json",
                       cwd=repo)
        assert proc.returncode == 0, (name, proc.returncode, proc.stderr)
        assert secret not in proc.stderr + proc.stdout
        out = json.loads(proc.stdout)
        excluded = {e["path"]: e["reason"] for e in out["excluded"]}
        redacted = {r["path"]: r["lines"] for r in out["redacted"]}
        if name in redacted:
            assert redacted[name] == [secret_line(name)], (name, redacted)
            assert name in {i["path"] for i in out["items"]} and name not in excluded
            kept.append(name)
        else:
            assert excluded.get(name, "").startswith("secret material as a whole: "), (
                name, excluded)
    assert {"store/fetch.py", "store/client.js", "store/staging.py"} <= set(kept), kept
    # All pinned at once, rendered: every value masked, the rest of its line as it was.
    pins = [a for name in FORMS for a in ("--pin", name)]
    for fmt in ("markdown", "xml"):
        proc = run_cli("bundle", "--task", "store settings", "--format", fmt, *pins, cwd=repo)
        assert proc.returncode == 0, proc.stderr
        for _, secret in FORMS.values():
            assert secret not in proc.stdout + proc.stderr
        for name in kept:
            line = FORMS[name][0].split("\n")[secret_line(name) - 1]
            masked = redact(FORMS[name][0], name).split("\n")[secret_line(name) - 1]
            assert masked != line and masked in proc.stdout, (fmt, name, masked)
    # Ranked for the task: the rendered bundle never shows a value.
    proc = run_cli("bundle", "--task", "store settings", "--budget", "8000", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    for _, secret in FORMS.values():
        assert secret not in proc.stdout


def test_a_seed_file_holding_a_form_is_refused(repo: Path) -> None:
    for path in ("store/bytes.py", "store/typed.ts", "scripts/restore.sh", "docs/staging.md",
                 "docs/db.txt", "store/openai.py"):
        proc = run_cli("bundle", "--task", "store settings", "--seed", path, "--budget", "8000",
                       "--format", "json", cwd=repo)
        assert proc.returncode == 2, proc.stderr  # a secret-bearing seed: refused, with why
        assert f"seed '{path}' is excluded" in proc.stderr and "never shown" in proc.stderr
        assert FORMS[path][1] not in proc.stdout + proc.stderr


def test_prose_value_masked_with_its_punctuation() -> None:
    assert redact("password is Hunter2Secret!", "notes.md") == (
        "password is [redacted: Secret In Prose]")
    assert redact("the password is Hunter2Secret.", "") == (
        "the password is [redacted: Secret In Prose]")
    assert redact("Run `make deploy PASSWORD=Cm9dPw7xQz2!`", "CLAUDE.md") == (
        "Run `make deploy PASSWORD=[redacted: Secret Keyword]`")


def test_benign_look_alikes_stay_in(repo: Path) -> None:
    excluded, items, _ = pinned_bundle(repo)
    wrongly = {p: excluded[p] for p in BENIGN if p in excluded}
    assert not wrongly, wrongly
    assert set(BENIGN) <= items


@pytest.mark.parametrize("path", sorted(FORMS))
def test_redact_masks_exactly_the_value(path: str) -> None:
    content, secret = FORMS[path]
    masked = redact(content, path)
    assert secret not in masked and "[redacted: " in masked
    # Spans per line: the secret's own line, and only the value (the name around it stays).
    found = find_secrets(content, path)
    line_no = next(i for i, ln in enumerate(content.splitlines(), 1) if secret in ln)
    line = content.splitlines()[line_no - 1]
    assert [(f.line, line[f.start:f.end]) for f in found] == [(line_no, secret)]


@pytest.mark.parametrize("path", sorted(BENIGN))
def test_look_alikes_have_no_findings(path: str) -> None:
    assert find_secrets(BENIGN[path], path) == []
    assert redact(BENIGN[path], path) is BENIGN[path]


async def test_start_task_embeds_instructions_with_command_passwords_masked(
        tmp_path: Path, log: TextIO) -> None:
    root = make_repo(tmp_path / "repo", {
        "CLAUDE.md": "# Rules\n\n- Run `make deploy PASSWORD=Cm9dPw7xQz2!` to ship.\n"
                     "- Run `pytest` before committing.\n",
        "app.py": "def deploy():\n    return 0\n"})
    async with session(root, log) as s:
        prompt = await s.get_prompt("start-task", {"task": "deploy the app"})
        body = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert "Cm9dPw7xQz2" not in body
    assert "PASSWORD=[redacted: Secret Keyword]" in body


async def test_start_task_prompt_leaves_every_form_out(repo: Path, log: TextIO) -> None:
    async with session(repo, log) as s:
        prompt = await s.get_prompt("start-task", {"task": "store settings password config"})
        body = prompt.messages[0].content.text  # type: ignore[union-attr]
    for _, secret in FORMS.values():
        assert secret not in body
    assert "# Suggested context" in body
    shown = [p for p in [*FORMS, *BENIGN] if f"## {p}" in body]
    assert shown and set(shown) & set(BENIGN), shown
    # A form shown is one whose file is more than its secret: the value masked.
    for name in set(shown) & set(FORMS):
        content, _ = FORMS[name]
        assert scan_text(content, name).whole is None, name
        assert "[redacted: " in body.split(f"## {name}", 1)[1].split("\n## ", 1)[0], name



@pytest.mark.parametrize("path", ["store/github.py", "store/maps.js", "store/openai.py",
                                  "store/anthropic.yaml"])
def test_a_head_cut_from_a_long_text_never_shows_a_secret_in_part(path: str) -> None:
    value = FORMS[path][1]
    for at in range(4000 - len(value) - 2, 4002):  # the cut before, inside and after the value
        text = "w" * at + f'"{value}"' + "z" * 300  # no line or word end to cut at
        head = redact_head(text, 4000)
        assert len(head) <= 4000 + 40 and value[:8] not in head, at
        if at + len(value) + 2 <= 4000:  # wholly before the cut: masked, not dropped
            assert "[redacted:" in head, at


def test_a_token_of_thousands_of_characters_across_the_cut_is_left_out_whole() -> None:
    """A JSON Web Token longer than the margin read past the cut (a session's claims) is still
    recognised: the window runs to the end of the word it ends in. The note counts from where
    the head really ends."""
    import base64

    from analyzers.bundles.render import shown_task

    def part(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    jwt = (part({"alg": "HS256", "typ": "JWT"}) + "." + part({"sub": "42", "roles": ["x"] * 900})
           + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    assert len(jwt) > 4000 and find_secrets(f'"{jwt}"')
    for at in (500, 2000, 3900):
        text = '{"a":"' + "b" * at + '","token":"' + jwt + '","c":"' + "d" * 3000 + '"}'
        head = redact_head(text, 4000)
        assert jwt[:12] not in head and head.endswith('"token":"'), at
        shown = shown_task(text)
        assert jwt[:12] not in shown
        left = int(shown.rsplit("goes on for ", 1)[1].split(" ", 1)[0].replace(",", ""))
        assert left == len(text) - len(head), at


def test_every_token_of_a_long_line_is_masked_where_it_is() -> None:
    """A line of many tokens (a JSON payload pasted in a task) has each masked, not only the
    first few detect-secrets reports; a secret far into a long line (read in pieces) is found at
    its place; a JSON Web Token of tens of thousands of characters is never shown in part, at
    the 4,000-character echo cut nor at the language server's 100,000."""
    import base64

    from analyzers.bundles.render import shown_task

    tokens = [f"ghp_{i:02d}" + "R8x2Lq9ZtV4mN7pK1wY3cB6dF0hJ5sG2aE" for i in range(12)]
    task = "fix the auth in click core: " + json.dumps(tokens)
    shown = shown_task(task)
    assert not any(t in shown for t in tokens) and shown.count("[redacted: ") == 12
    stripe = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
    line = "x" * 5000 + f' password="Sup3r!S3cret" key={stripe} ' + "y, " * 3000
    found = {(f.kind, line[f.start:f.end]) for f in find_secrets(line)}
    assert {"Sup3r!S3cret", stripe} <= {v for _, v in found}, found

    def part(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    jwt = (part({"alg": "HS256", "typ": "JWT"}) + "." + part({"sub": "42", "roles": ["x"] * 6000})
           + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    assert len(jwt) > 30_000
    for text, limit in (("q" * 3067 + jwt + " tail", 4000),
                        ("login fails:\n" + json.dumps({"id_token": jwt}), 4000),
                        ("a " * 49_500 + jwt + " z", 100_000)):
        assert jwt[:12] not in redact_head(text, limit) and jwt[-40:-28] not in redact_head(
            text, limit)
    assert jwt[:12] not in shown_task("login fails:\n" + json.dumps({"id_token": jwt}))


def test_long_names_other_openai_keys_and_a_cut_after_a_masked_value() -> None:
    """The third verifier's cases: a secret-named setting with a name of 65+ characters, an
    OpenAI key of another form than sk-proj-, a label of 65+ characters (no secret), and a cut
    moved back by a long run of token characters into a value already masked."""
    name = "THIRD_PARTY_PAYMENT_GATEWAY_INTEGRATION_SANDBOX_ENVIRONMENT_MERCHANT"
    assert "a8F3kq9ZpL2mN7xQ" not in redact(f'{name}_API_KEY = "a8F3kq9ZpL2mN7xQ"', "settings.py")
    assert "a8F3kq9ZpL2mN7xQ" not in redact(f"      {name}_SECRET: a8F3kq9ZpL2mN7xQ",
                                            "docker-compose.yml")
    key = "sk-None-iK2ZbQ7mX4pL9sV1cR8tY3wE6nU0aH5jDT3BlbkFJUZoL8g5ubbbPIa84yRnBUbHoWC8FJoQ"
    assert key not in redact(f"the key is {key} now")
    label = "user_account_primary_password_confirmation_field_name_for_registration_form"
    assert find_secrets(f'PASSWORD_FIELD = "{label}"', "a.py") == []
    for lead, limit in (("w " * 1800, 4000), ("w " * 49_700, 100_000)):
        for secret in ("password=Sup3r!", "mysql -u root -pS3cr!"):
            head = redact_head(lead + secret + "Q" * 2000 + " tail", limit)
            assert "Sup3r" not in head and "S3cr" not in head, (secret, head[-40:])


def test_every_value_detect_secrets_finds_on_a_short_line_is_masked() -> None:
    """detect-secrets reports one value a detector and line; a short line is read again until
    nothing more is found. Eleven GitLab tokens on one line of 296 characters (a kind no pattern
    of ours reads) were shown from the ninth on, when a line was read again at most eight
    times."""
    tokens = [f"glpat-{i:02d}" + "aQ3xZ9kL2mN7pR4tV8" for i in range(11)]
    line = " ".join(tokens)
    assert len(line) <= 300
    shown = redact(line)
    assert not any(t in shown for t in tokens) and shown.count("[redacted: ") == 11, shown


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="ab_.-=!:([)] \t\u00e91xyz", max_size=40))
def test_the_indirect_reference_filter_agrees_with_detect_secrets(line: str) -> None:
    """Our linear ``is_indirect_reference`` (detect-secrets' own is worse than quadratic on a
    line of blanks, and runs for each value found) drops exactly the same keyword matches, and
    no other detector's."""
    from detect_secrets.filters.heuristic import is_indirect_reference as theirs
    from detect_secrets.plugins.keyword import KeywordDetector

    from analyzers.secrets import is_indirect_reference

    assert is_indirect_reference(line, KeywordDetector()) == theirs(line)
    assert not is_indirect_reference(line, None)  # other detectors' findings are kept


def test_values_over_300_characters_tokens_in_calls_and_long_tokens_in_long_lines() -> None:
    """The fourth verifier's leaks: a secret value longer than 300 characters (our patterns read
    300; detect-secrets' keyword detector no longer reads such words), a token longer than the
    overlap of the pieces a long line is read in, and a token inside a call on a short line
    (detect-secrets' indirect-reference filter dropped every detector's findings there)."""
    v = "aB3xQ9" * 60
    session = "IQoJb3JpZ2luX2VjE" + "Xk9pQ2r7Lm4Zt8Yv3Bn6Wc1Hs5Jd0Fa" * 15
    for text, name in ((f'SECRET_KEY = "{v}"', "settings.py"), (f"secret_key: {v}", "deploy.yml"),
                       (f"https://admin:{v}@db.example.com/x", ""),
                       (f"export AWS_SESSION_TOKEN={session}", ""),
                       (f'AWS_SESSION_TOKEN = "{session}"', "settings.py"),
                       (f"<password>{v}</password>", "app.xml")):
        shown = redact(text, name)
        assert v[:12] not in shown and v[-12:] not in shown and session[-12:] not in shown, shown
    assert redact(f"<password>{v}</password>", "app.xml").endswith("</password>")
    pypi = "pypi-AgEIcHlwaS5vcmc" + "CJGQ3YzFhZjM1LTk2NjQtNGU5Ny1iYjYxLTBjMjRhY2E0MzQ5ZgACKlsz" * 3
    line = "twine upload dist/* --verbose " + "x" * 100 + " -p " + pypi + " --repository pypi"
    assert pypi[-16:] not in redact(line), redact(line)
    sendgrid = "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"
    for text in ('gl = Gitlab("https://gitlab.com", private_token="glpat-Zq3xY9kL2mN7pR4tV8wA")',
                 f'sg = SendGridAPIClient("{sendgrid}")'):
        assert "Zq3xY9kL2mN7" not in redact(text, "app.py") and "TwL2iGABf9" not in redact(
            text, "app.py"), redact(text, "app.py")
    # the filter still keeps a keyword match that is a call: no false positive
    assert find_secrets("password = get_password(request)", "app.py") == []


def test_the_findings_cache_is_safe_across_threads() -> None:
    """The servers scan on several worker threads: the findings kept by digest are read and
    trimmed under a lock (a race had raised KeyError)."""
    import threading

    errors: list[BaseException] = []

    def scan(k: int) -> None:
        try:
            for i in range(300):
                find_secrets(f'password = "Sup3r!{k}-{i}xx"\n', "a.sh")
        except BaseException as e:  # noqa: BLE001 - what a thread raised is the test's result
            errors.append(e)

    import sys

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often: the race shows within the test
    try:
        threads = [threading.Thread(target=scan, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(switch)
    assert errors == []


def test_markdown_forms_of_a_secret_in_prose_are_masked() -> None:
    """A value in a code span, after a bold name, in a table cell (commit subjects and handoff
    notes are Markdown); a table's type column is no secret."""
    for text in ("gateway: use `api_key: R6qPVd86MDxMUxszAXxo` for charge",
                 "set `password: Sup3r!pw2024` on staging",
                 "- **api_key**: Q5yKbpgoOaEKXkJVDLtR", "| api_key | Q5yKbpgoOaEKXkJVDLtR |"):
        shown = redact(text)
        assert "R6qPVd86" not in shown and "Sup3r!pw" not in shown and "Q5yKbpgo" not in shown
    for text in ("| password | string | required |", "| secret | boolean | whether to hide |",
                 "`password: str`", "the password is required"):
        assert redact(text) == text


def test_tokens_detect_secrets_knows_by_shape_alone_are_masked_without_a_vendor_name() -> None:
    """Twilio, Mailchimp, Telegram, Discord, Artifactory and npm tokens alone on a line (the
    prefilter had needed the vendor's name to hand the line to detect-secrets)."""
    tokens = ["SKf72e221829fb876e020a4fc512f52640", "b349e1d8158494e1cbfaef1f5ee9835d-us12",
              "446694816:AAJBMYgS4D_vWNaj9YM29xZ9uKVSAv68d7n",
              "MT44DGp0Zx72nG4SAl8Lntd0.wIjF6X.8QrqgvsiPvahlsBf3YPAWJM2Otl",
              "AKCBXh8Hg11Fy00QqPmwgSSZ9kL68rj21UuYYCUefznd5sZcoG1fY78Sut8DeLq2eSB8mgzm",
              "npm_9XChaf688ZLcQSfgXwpbbYbwPNENDjflTh2a"]
    for token in tokens:
        for text in (token, f"deploy with {token} then"):
            assert token[4:20] not in redact(text), redact(text)


def test_random_values_that_start_like_placeholders_are_masked() -> None:
    """A placeholder is words ("your-api-key", "YOUR_TOKEN", "myPassword1"); random characters
    after "my" or "MY", letters flipping case every few, a letters-only bearer token are keys."""
    for text, value in (("curl -u admin:MYOkJgPRd0e0 https://x.io", "MYOkJgPRd0e0"),
                        ("Authorization: Bearer MYzTef4p5mMZeP8nCR1aQhIFmCigHu5E", "MYzTef4p"),
                        ("api_key: myMLru2W69pdQXjlJ8yH", "myMLru2W69"),
                        ("curl -u admin:PWDQHlUFBEBf https://x.io", "PWDQHlUFBEBf"),
                        ("Authorization: Bearer RnroerQgAoNqglxAModXLBDEpxodHfhZ", "RnroerQg")):
        assert value not in redact(text), redact(text)
    for text in ("api_key: your-api-key", "API_KEY=YOUR_API_KEY", "password: myPassword1",
                 "Authorization: Bearer yourAccessTokenHere", "curl -u admin:example.com x"):
        assert redact(text, "run.sh") == text, redact(text, "run.sh")


def test_fifth_verifier_cases() -> None:
    """Real URL passwords that hold a secret word stay masked (only placeholder words are not);
    a long quoted value is masked to its closing quote; every kind of GitLab token; "API key"
    with a space or hyphen; Artifactory keys in any quotes; a Telegram token in a Bot API URL;
    a long value's tail stops where its pattern's values do; no table, pipe or OR is a secret."""
    for pw in ("monkey", "whiskey", "passport", "TopSecret", "SuperSecretPassword"):
        assert pw not in redact(f'DATABASE_URL = "postgres://app:{pw}@db.internal:5432/prod"',
                                "settings.py")
    for pw in ("password", "pass", "uri_secret", "secret-password"):
        assert redact(f"x = 'http://user:{pw}@example.com'", "a.py").count(pw) == 1
    long = "Zq9xT2kLmP4vR7wB" * 22
    for ch in ";<>'`":
        shown = redact(f'SECRET_KEY = "{long}{ch}TAILtail0123456789SHOWN"', "settings.py")
        assert "SHOWN" not in shown, shown
    for prefix in ("glrt-", "gldt-", "glft-", "glsoat-", "glcbt-", "GR1348941"):
        token = prefix + "t3_Zq9xY8kL2mN7pR4tV8wA"
        assert token[-12:] not in redact(f"gitlab-runner register --token {token}"), prefix
    for text in ("The API key is Zq9xY8kL2mN7pR4 for now", "X-API-Key: 3f9aZq9xY8kL2mN7pR4tV8"):
        assert "Zq9xY8kL2" not in redact(text) and "3f9aZq9x" not in redact(text), redact(text)
    akc = "AKCp8jQ7xZq9xT2kLmP4vR7wBn8cD5eF3gH1iJ0kL2mN4oP6qR8sT"
    assert akc[4:20] not in redact(f"headers = {{'X-JFrog-Art-Api': '{akc}'}}", "a.py")
    assert "AAJBMYgS4D" not in redact(
        "curl http://localhost:8081/bot446694816:AAJBMYgS4D_vWNaj9YM29xZ9uKVSAv68d7n/getMe")
    pw = "Zq9xT2kL" * 40
    assert redact(f"https://admin:{pw}@db.example.com/x").endswith("@db.example.com/x")
    for text, name in (("| password | varchar(255) | NOT NULL |", "README.md"),
                       ("| password | int64 |", "README.md"), ("echo password | md5sum", "a.sh"),
                       ("mode = AuthMethod.PASSWORD | AuthMethod.OAUTH2", "app.py"),
                       ("1700000000:refactor_the_authentication_module_x ok", "build.log"),
                       ("import AKCSomethingLongerThanTen from './x'", "a.ts")):
        assert redact(text, name) == text, redact(text, name)


def test_sixth_verifier_cases() -> None:
    """Weak real URL passwords stay masked (only secret words are placeholders there); a
    Markdown table's secret is found in any cell after its name, in a quote block, over 300
    characters; a quoted API key header."""
    for pw in ("admin", "root", "changeme", "password123", "Password1", "secret2024"):
        assert pw not in redact(f"postgres://app:{pw}@db.prod.internal:5432/prod")
    v = "R6qPVd86MDxMUxszAXxo"
    for text in (f"| DB password | {v} |", f"| postgres | password | {v} |",
                 f"| staging | api_key | {v} | owner |", f"> | password | {v} |",
                 f"| api_key | {v * 20} |", f"curl -H 'X-API-Key: {v}'",
                 f'headers = {{"X-API-Key": "{v}"}}'):
        assert v not in redact(text, "notes.md"), redact(text, "notes.md")
    assert redact(f"| api_key | {v * 20} | owner |", "notes.md").endswith("| owner |")
    for text in (f"| DB_PASSWORD | {v} |", f"| STRIPE_SECRET_KEY | {v} |",
                 f"| access token | {v} |", "postgres://app:super_secret@db.prod.internal",
                 "postgres://app:root_pass@db"):
        shown = redact(text, "README.md")
        assert v not in shown and "super_secret" not in shown and "root_pass" not in shown
    shown = redact('url = "postgres://admin:admin@db.prod.internal/app"', "s.py")
    assert shown.startswith('url = "postgres://admin:[redacted: ')  # the password's span
    for text in ("| DB_PASSWORD | Database password |", "| token | string |",
                 "x = 'http://user:password@example.com'", "x = 'x://u:uri_secret@h'"):
        assert redact(text, "README.md") == text, redact(text, "README.md")


def test_escaped_and_unclosed_quotes_credential_headers_and_userless_url_passwords() -> None:
    """A quoted value holding an escaped quote is masked to its closing quote, one whose quote
    never closes to the line's end; credential headers (X-Auth-Token, X-Vault-Token,
    PRIVATE-TOKEN) are masked; a URL password without a user (``redis://:admin@``) is masked as
    one with a user is, its placeholders (``password``, ``xxxx``, templates) are not."""
    v = "Xy7Qz9kLmP4vR7wB"
    for text in (f'password = "ab\\"{v}"', f"api_key = '{v}\\'{v}'", f'password = "{v}',
                 f'db_password: "{v}\\"q"'):
        shown = redact(text, "settings.py")
        assert v not in shown and "Xy7Qz" not in shown, shown
    for text in (f'curl -H "X-Auth-Token: {v}" https://api.example.com',
                 f"X-Auth-Token: {v}", f"headers = {{'X-Vault-Token': 's.{v}'}}",
                 f"-H 'PRIVATE-TOKEN: {v}'", f'"X-Shopify-Access-Token": "shpat_{v}"'):
        shown = redact(text, "client.py")
        assert v not in shown, shown
    for pw in ("admin", "root_pass", "hunter22"):
        shown = redact(f"REDIS_URL=redis://:{pw}@cache:6379/0", ".env.example")
        assert f":{pw}@" not in shown and shown.endswith("@cache:6379/0"), shown
    for text in ("postgres://:password@localhost/x", "postgres://u:xxxx@localhost/x",
                 "postgres://u:${PASSWORD}@localhost/x",
                 "headers = {'X-Auth-Token': os.environ['TOKEN']}", "X-Auth-Token: {token}",
                 'password = "enter your'):
        assert redact(text, "client.py") == text, redact(text, "client.py")


def test_a_markdown_table_column_named_for_a_secret_is_masked() -> None:
    """A table whose header names a secret column (``| user | password |``) masks that column's
    values in every row below (in a quote block too, code spans too); a "Password hash" or
    "Token type" column, a description or a value that is no credential stays."""
    text = ("| user | password | role |\n|------|----------|------|\n"
            "| admin | S3cret!234 | owner |\n| bob | `hunter2xyz9` | dev |\n"
            "| carol | (ask IT) | dev |\n| dan | meadowharbor | dev |\n| eve | clurVABVVbYf | |\n"
            "| fay | wjikvZ-GRRYD | |\n| gus | userName | |\n\n"
            "> | Service | API key |\n> |:--|:--|\n> | stripe | rk_Xy7Qz9kLmP4vR7wB |\n")
    shown = redact(text, "README.md")
    for v in ("S3cret!234", "hunter2xyz9", "rk_Xy7Qz9kLmP4vR7wB", "meadowharbor", "clurVABVVbYf",
              "wjikvZ-GRRYD"):
        assert v not in shown, shown
    assert "| carol | (ask IT) | dev |" in shown and "| admin | [redacted: " in shown
    assert "| gus | userName |" in shown
    kept = ("| Name | Token type | Password hash |\n| --- | --- | --- |\n"
            "| a | bearer | sha256 |\n\n| Token | Match type |\n|--|--|\n| `!fire2` | inverse |\n\n"
            "| Variable | Description |\n|---|---|\n"
            "| DB_PASSWORD | The database password |\n| user | password |\n| a | b2c3d4e5f6 |\n")
    assert redact(kept, "README.md") == kept  # (the last table has no rule under its header)


def test_seventh_verifier_cases() -> None:
    """``NAME=value`` in a source comment (a TODO line); a table row read cell by cell: any
    secret's name (``GITHUB_TOKEN``, ``DB_PASS``, ``SIGNING_KEY``, ``db.password``), decorated
    (``<code>``, links, bold, ``(prod)``, ``:``), in a comment or quote, the value in any of the
    next three cells, with a note after it, a second pair on the row, an escaped pipe inside;
    values a template filter had taken for templates; an unencoded "@" in a URL password. Not:
    durations, algorithms, handles, function shapes, ``IDBKeyRange`` in a regex alternation."""
    v = "s3cr3tQzx01"
    for text, name in ((f"# TODO rotate password={v} soon", "a.py"),
                       (f"// FIXME: api_key={v}", "a.js")):
        assert v not in redact(text, name), redact(text, name)
    rows = [f"| DB_PASSWORD | a1b2c3d4e5 | ROOT_PASSWORD | {v} |", f"| GITHUB_TOKEN | {v} |",
            f"| GitHubToken | {v} |", f"| DB_PASS | {v} |", f"| PGPASSWORD | {v} |",
            f"| SIGNING_KEY | {v} |", f"| db.password | {v} |", f"| Password (prod) | {v} |",
            f"| <code>DB_PASSWORD</code> | {v} |", f"| [DB_PASSWORD](#db) | {v} |",
            f"| __DB_PASSWORD__ | {v} |", f"| DB_PASSWORD: | {v} |",
            f"| DB_PASSWORD | {v} (rotate monthly) |", f"| DB_PASSWORD | string | required | {v} |",
            f"| DB_PASSWORD |  | {v} |", f"| DB_PASSWORD | <code>{v}</code> |",
            f"> > | DB_PASSWORD | {v} |", f"| credentials | {v} |", "| PASSWORD | 8675309123 |"]
    for text in rows:
        shown = redact(text, "README.md")
        assert v not in shown and "8675309123" not in shown, shown
    for text, name in ((f"# | DB_PASSWORD | {v} |", "a.py"), (f" * | API_TOKEN | {v} |", "a.js")):
        assert v not in redact(text, name), redact(text, name)
    shown = redact("| PASSWORD | s3cr\\|3tQzx01 |", "README.md")
    assert "3tQzx01" not in shown and "s3cr" not in shown, shown
    for value in ("$5TLI0laKml519ogn7hrL", "oG<jr-3wBfcwojag>kdp9"):
        assert value[1:8] not in redact(f"| DB_PASSWORD | {value} |", "README.md")
    for text in ("postgres://app:P@ssw0rdQzx01@db/x", "url = 'mysql://root:p@ss@w0rd9@db:3306/x'",
                 "redis://:super_secret@cache:6379"):
        shown = redact(text, "settings.yaml")
        assert "Qzx01" not in shown and "w0rd9" not in shown and "super_secret" not in shown
    kept = ["| access token | 1h30m |", "| session token | 24h-expiry |",
            "| bot token | @BotFather |", "| access token | ttl=3600s |",
            "| secret key | AES-256 |", "| client_secret | OAuth2 |",
            "| password | md5(salt+pw) |", "| ACCESS_TOKEN_EXPIRE_MINUTES | 30 |",
            "| TOKEN_URL | https://x.example/t |", "| password_hash | bcrypt |",
            "| tokenizer | WordPiece2 |", "| bypass | cache2x4y |",
            "        |IDBIndex|IDBKeyRange|IDBMutableFile|IDBObjectStore|",
            "| PasswordCredential | PaymentAddress |",
            "Any other file holding a secret is **kept and redacted**: each",
            "https://USER:PASSWORD@host.example"]
    for text in kept:
        assert redact(text, "README.md") == text, redact(text, "README.md")


def test_ninth_verifier_cases() -> None:
    """The regressions a verifier found in the table reader and URL rules, its hostile shapes
    (exponential, quadratic) finish at once, and the claimed forms it still saw leak: a comment
    after an unclosed quote, headers named only "-Key"/"-Api", ``headers["PRIVATE-TOKEN"] =``,
    Ruby's ``=>``, an e-mail address as a URL's user, ":" in a URL password, a header-form table
    in comments, ``<kbd>`` names, a trailing comment's ``NAME=value``/``NAME = value``,
    ``GITHUB_TOKEN=``."""
    v = "Xy7Qz9kLmP4vR7wB"
    for text in (f"| ADMIN_PASSWORD | {v} |", f"| MINIO_SECRET_KEY | {v} |",
                 f"| KEYSTORE_PASSWORD | {v} |", f"| ENV_SECRET | {v} |",
                 f"| MAXMIND_LICENSE_KEY | {v} |", f"| Store password | {v} |",
                 "| API_TOKEN | QzKlQY77XG1SL27rLDMF/ZqSZERQX1L== |",
                 "| DB_PASSWORD | Xy7Qz9*kLmP4vR7wB |",
                 f"| <kbd>DB_PASSWORD</kbd> | {v} |", f"| DB_PASSWORD | apple-river-stone{v[:2]} |",
                 f"| user | password |\n|---|---|\n| admin | {v} (rotate monthly) |"):
        shown = redact(text, "README.md")
        assert v not in shown and "ZqSZERQX1L" not in shown and "kLmP4vR7wB" not in shown, shown
    for text, name in ((f'password = "{v}  # rotate', "a.py"), (f"X-Master-Key: qz{v}", "a.sh"),
                       (f"X-JFrog-Art-Api: qz{v}", "a.sh"),
                       (f'headers["PRIVATE-TOKEN"] = "{v}"', "a.py"),
                       (f"{{'X-Auth-Token' => '{v}'}}", "a.rb"),
                       (f"smtp://me@example.com:{v}!@smtp.example.com:587", "a.yaml"),
                       (f"DATABASE_URL=rediss://app:{v[:8]}:{v[8:]}@db/x", ".env.example"),
                       (f"DATABASE_URL=postgres://app:badger42{v[:3]}@db/x", ".env.example"),
                       (f"# | user | password |\n# |---|---|\n# | admin | {v} |", "settings.py"),
                       (f"x = connect()  # TODO rotate password={v}", "settings.py"),
                       (f"# DB_PASSWORD = {v}", "settings.py"), (f"# GITHUB_TOKEN={v}", "a.py")):
        shown = redact(text, name)
        assert v[:8] not in shown and v[8:] not in shown, shown
    assert ":pwpwpw@" not in redact("x = 'https://aiohttp:pwpwpw@example.com:8080'", "a.py")
    for text in ("| ENCRYPTION_KEY | 32-byte-hex |", "| private key | secp256k1 |",
                 "| SIGNING_KEY | ES256K |", "| token | v4.public |",
                 "| DB_PASSWORD | not-set-yet |",
                 "| 4.7 | Field-name pass-through | None. | **User**: `request.post()` keys |",
                 "X-My-CSRF-Token: abc123def456ghi789", "x='postgres://app:your_password@db/x'",
                 "total = price * 2  # password=None"):
        assert redact(text, "README.md") == text, redact(text, "README.md")
    rows = "| Setting | Value |\n|---|---|\n| api token | see vault |\n\nName | Size\n"
    for text in (rows + "-" * 60 + ":|-----:\na | 1\n", "| DB_PASSWORD " + "](" * 20_000 + " | v |",
                 "| DB_PASSWORD " + "(" * 20_000 + " | v |"):
        redact(text, "README.md")  # at once (was exponential in the dashes, quadratic in the rest)


def test_tenth_verifier_cases() -> None:
    """Two patterns a verifier found exponential finish at once and still do their work: a
    table value of letters ending in a short capitalised word (a camel-case test re-split every
    run of small letters), and a private key block's headers (``Proc-Type: `` repeated). A port
    where a URL's password goes is no password; a value that says "token" is a token's label."""
    base = "qwertyuiopasdfghjklzxcvbnm" * 4
    shown = redact(f"| DB_PASSWORD | {base[:48]}Xab |", "README.md")
    assert base[:20] not in shown, shown
    value = "loadedfromthevaultserviceconfigurationmanagementenvironmentId"
    shown = redact(f"| SIGNING_KEY | {value} |", "README.md")
    assert "loadedfromthevault" not in shown, shown
    hostile = scan_text("-----BEGIN RSA PRIVATE KEY-----" + "Proc-Type: " * 16 + "!\n", "a.txt")
    assert [f.kind for f in hostile.findings] == ["Private Key"]  # (its line, masked)
    scan_text("-----BEGIN PRIVATE KEY-----Proc-Type:" * 4000, "a.txt")  # (was quadratic)
    code = ('KEY = (\n    "-----BEGIN RSA PRIVATE KEY-----\\n"\n                    '
            '"MIIEpAIBAAKCAQEAabcdefghijklmnop\\n"\n    "-----END RSA PRIVATE KEY-----\\n")\n'
            + "x = 1\n" * 10)
    assert scan_text(code, "k.py").whole is not None  # a key block in a string, indented
    key = ("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,ABC\n\n"
           "MIIEpAIBAAKCAQEAabcdefghijklmnop\n-----END RSA PRIVATE KEY-----\n")
    assert scan_text(key, "k.txt").whole is not None
    for text in ('"http://user:80@www.example.com:80/index.html"',
                 "GLOBAL_TOKEN_IDENTIFIER = '!real_csrf_token'"):
        assert redact(text, "a.py") == text, redact(text, "a.py")


def test_private_keys_in_many_forms_are_masked_to_their_end() -> None:
    """A private key's BEGIN header starts a block masked to its END line, whatever comes
    between: PGP armor headers, notes, a list of short string pieces, comment lines, a string
    of ``\\n`` escapes. (A body-detection heuristic tried in this session let such keys through
    and was reverted: a line that only names the header still masks what follows.)"""
    body = ["lFgEaxSmsBYJKwYBBAHaRw8BAQdAf0W4DWe9z+7M+gJz51DQxE4KLX4xG7U+rQ22",
            "AYFvqNIAAQDAkHDjSxxH+/mKrNIWH5lK901pCnHEOnY2D+bThqe6EQ/4tAlUIDx0"]
    pgp = "\n".join(["-----BEGIN PGP PRIVATE KEY BLOCK-----", "Version: GnuPG v2", "Comment: a",
                     "Comment: b", "Comment: c", "Charset: UTF-8", "", *body,
                     "-----END PGP PRIVATE KEY BLOCK-----"]) + "\n"
    pieces = 'K = ["-----BEGIN RSA PRIVATE KEY-----",\n' + "".join(
        f'  "{ln[i:i + 24]}",\n' for ln in body for i in range(0, 64, 24)) + \
        '  "-----END RSA PRIVATE KEY-----"]\n'
    gap = ("-----BEGIN EC PRIVATE KEY-----\n" + "".join(f"note {i}\n" for i in range(7))
           + "\n".join(body) + "\n-----END EC PRIVATE KEY-----\n")
    comments = "".join(f"# {ln}\n" for ln in ["-----BEGIN RSA PRIVATE KEY-----", *body,
                                               "-----END RSA PRIVATE KEY-----"])
    escaped = ('K = "-----BEGIN PRIVATE KEY-----\\n' + "\\n".join(body)
               + '\\n-----END PRIVATE KEY-----"\n')
    for text, name in ((pgp, "k.asc"), (pieces, "k.py"), (gap, "k.pem"), (comments, "k.py"),
                       (escaped, "k.py")):
        shown = redact(text, name)
        for ln in body:
            for i in range(0, len(ln) - 16, 8):
                assert ln[i:i + 16] not in shown, (name, shown)


def test_name_value_pairs_naming_a_secret_are_masked() -> None:
    """A value field after (or, in one ``{…}``, before) a field naming a secret: Kubernetes env,
    Postman and HAR headers and variables, Terraform settings, a scheme before a token, a value
    over 300 characters. A pair about a secret (its hash), a template, a reference, a name/value
    pair of something else, and a camel-case word (saleor's "NewMetaValue") stay."""
    long = "Lq" + "7Wz3" * 90
    text = ('- name: DB_PASSWORD\n  value: "Qw7Er5Ty3Ui1Op"\n'
            '- {name: STRIPE_SECRET, value: Hq2Wk4Lp6Mn8Bv}\n'
            '{"name": "Authorization", "value": "Bearer Zr5Tq8Wm3Kx6Lp"}\n'
            '{"value": "Lk8Jh6Gf4Ds2Aq0Wz", "key": "password"}\n'
            '"bearer": [{"key": "token", "value": "Pq1Wr3Ty5Ui7Op9As", "type": "string"}]\n'
            '{\n  "key": "X-Auth-Token",\n  "type": "text",\n  "value": "Hj5Kl3Nm1Bv9Cx7Zs"\n}\n'
            f'{{"key": "api_token", "value": "{long}"}}\n')
    shown = redact(text, "collection.json")
    for v in ("Qw7Er5Ty3Ui1Op", "Hq2Wk4Lp6Mn8Bv", "Zr5Tq8Wm3Kx6Lp", "Lk8Jh6Gf4Ds2Aq0Wz",
              "Pq1Wr3Ty5Ui7Op9As", "Hj5Kl3Nm1Bv9Cx7Zs", long[:20], long[-20:]):
        assert v not in shown, shown
    assert "Bearer [redacted" in shown
    kept = ('- name: LOG_LEVEL\n  value: debug9x8y7z\n- name: password_hash\n  value: Qw7Er5Ty3U\n'
            '- name: API_KEY\n  value: ${API_KEY}\n- name: SECRET\n  valueFrom: {ref: x}\n'
            '- name: DB_PASSWORD\n- name: HOST\n  value: db1.example.com\n'
            'input = [{"key": PRIVATE_KEY, "value": "NewMetaValue"}]\n'
            '- name: TOKEN\n  value: "{{ .Values.token }}"\n')
    assert redact(kept, "k8s.yaml") == kept


def masked_and_kept(cases: dict[str, tuple[str, list[str]]], kept: dict[str, str]) -> None:
    """Each case's secrets are masked in its file; each kept text comes back as it was."""
    for name, (text, secrets) in cases.items():
        shown = redact(text, name)
        for secret in secrets:
            assert secret not in shown, (name, shown)
    for name, text in kept.items():
        assert redact(text, name) == text, (name, redact(text, name))


def test_thirteenth_verifier_cases() -> None:
    """A bare ``token`` name, vendors' token prefixes, base64-encoded and SSH2 private keys, JSON
    Web Keys, a secret's default after an environment lookup, f-strings and triple quotes,
    ``#define``, setters, Dockerfile's ``ENV NAME value``, Makefile's ``?=``, ``${NAME:-value}``,
    command lines (keytool, openssl, docker login, htpasswd, redis), SQL's ``IDENTIFIED BY``, a
    token as a URL's user, and prose ("token: …", "password was changed to …"). And what is no
    secret stays: ``secrets: inherit``, a ``secretName``, a ``/run/secrets`` path, a CSRF token, a
    netrc line inside a string (its quote), a "64-char" description, a keyring's service name."""
    b64_key = base64.b64encode(b"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7Yq\n").decode()
    cases = {
        "src/client.py": ('TOKEN = "Kx8Lm2Qp9Zr4Tv6Wn3Y"\nc = Client(token="Qz7Lm2Kp9Xr4Tv6W")\n',
                          ["Kx8Lm2Qp9Zr4Tv6Wn3Y", "Qz7Lm2Kp9Xr4Tv6W"]),
        "config/bot.yml": ("bot:\n  token: Wn3YKx8Lm2Qp9Zr4Tv6\n", ["Wn3YKx8Lm2Qp9Zr4Tv6"]),
        "src/hf.py": ('c = InferenceClient("hf_' + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb" + '")\n'
                      'v = hvac.Client(url=u, token="hvs.CAESIJlWh0a9pK3vX7mQ2rT5yZ8bN1cD4f")\n',
                      ["Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb", "CAESIJlWh0a9pK3vX7mQ2rT5yZ8bN1cD4f"]),
        "k8s/tls.yaml": (f"data:\n  tls.key: {b64_key}\n", [b64_key[:30]]),
        "docs/bastion.md": ("---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"team\"\n"
                            "P2/56wAAAi4AAAA3aWYtbW9kbntzaWdu\n"
                            "---- END SSH2 ENCRYPTED PRIVATE KEY ----\n",
                            ["P2/56wAAAi4AAAA3aWYtbW9kbntzaWdu"]),
        "config/jwks.json": (
            '{"keys": [{"kty": "RSA", "n": "0vx7agoebGcQSuuPiLJXZpt", "e": "AQAB",'
            '\n  "d": "X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH+HLL+Ab=",'
            '\n  "p": "83i-7IvMGXoMXCskv73TKr8637FiO7Z27zv8oj6pbWUQyLPQBQxtPVnwD"}]}\n',
            ["X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH", "83i-7IvMGXoMXCskv73"]),
        "src/cfg.js": ("const stripeKey = process.env.STRIPE_KEY || 'Js5Fb8Kq2Lw7Zx3N';\n"
                       'const jwtSecret = process.env.JWT_SECRET ?? "Jn9Qw3Lz7Kx2Pm5T";\n',
                       ["Js5Fb8Kq2Lw7Zx3N", "Jn9Qw3Lz7Kx2Pm5T"]),
        "src/settings.py": ("SECRET = os.environ.get('SECRET_KEY') or 'Qe4Rt6Yu8Io0Pa2S'\n"
                            "SECRET_KEY = f'Pf4Kz8Lq2Wx7Nm3R'\n"
                            "API_SECRET = \"\"\"Pt6Zq2Lk8Wx3Nm7V\"\"\"\n",
                            ["Qe4Rt6Yu8Io0Pa2S", "Pf4Kz8Lq2Wx7Nm3R", "Pt6Zq2Lk8Wx3Nm7V"]),
        "src/cfg.h": ('#define API_KEY "Cd3Fg5Hj7Kl9Zx1V"\n', ["Cd3Fg5Hj7Kl9Zx1V"]),
        "src/Db.java": ('class Db { void f() { ds.setPassword("Jv8Lk3Qw9Zx2Pm7T"); } }\n',
                        ["Jv8Lk3Qw9Zx2Pm7T"]),
        "src/main.rs": ('const API_KEY: &str = "Hj2Kl4Zx6Cv8Bn0M";\n', ["Hj2Kl4Zx6Cv8Bn0M"]),
        "Dockerfile": ("FROM python:3.11\nENV DB_PASSWORD Xz7Lk2Qw9Pm4Tn8R\n",
                       ["Xz7Lk2Qw9Pm4Tn8R"]),
        "Makefile": ("DB_PASSWORD ?= Mk4Lq8Zx2Wp7Tn3R\nAPI_KEY := Mk9Lq2Zx7Wp4Tn8S\n",
                     ["Mk4Lq8Zx2Wp7Tn3R", "Mk9Lq2Zx7Wp4Tn8S"]),
        "compose.yml": ("services:\n  db:\n    environment:\n"
                        "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-Dc5Lq9Zx3Wp7Tn2R}\n",
                        ["Dc5Lq9Zx3Wp7Tn2R"]),
        "scripts/certs.sh": ("keytool -genkey -keystore k.jks -storepass Ks8Lq2Zx7Wp3Tn9R\n"
                             "openssl pkcs12 -export -passout pass:Op3Lq8Zx2Wp7Tn4R\n"
                             "docker login -u bot -p Dl2Lq7Zx3Wp8Tn5R registry.example.com\n"
                             "htpasswd -b .htpasswd admin Hp9Lq3Zx8Wp2Tn6R\n"
                             "git clone https://Gt7Lq2Zx9Wp4Tn3RKm5@github.com/o/r\n",
                             ["Ks8Lq2Zx7Wp3Tn9R", "Op3Lq8Zx2Wp7Tn4R", "Dl2Lq7Zx3Wp8Tn5R",
                              "Hp9Lq3Zx8Wp2Tn6R", "Gt7Lq2Zx9Wp4Tn3RKm5"]),
        "redis.conf": ("requirepass Rd4Lq8Zx2Wp7Tn3R\n", ["Rd4Lq8Zx2Wp7Tn3R"]),
        "db/init.sql": ("CREATE USER app IDENTIFIED BY 'Sq6Lq2Zx8Wp3Tn7R';\n",
                        ["Sq6Lq2Zx8Wp3Tn7R"]),
        "docs/ops.md": ("# Ops\n\nThe deploy token is Kq8Zx3Lm7Wp2Rt5Y.\n"
                        "API token: Tn4Vb8Qw2Zx6Lp9K\n"
                        "Secret key: Sk3Jd8Lq2Wm7Zt4X\nAccess key: Ak5Jd2Lq8Wm3Zt7X\n"
                        "The password was changed to Pw6Hn2Kd8Lq3Zx7M\n"
                        "Rotate staging DB password to Cm7Zq2Lw8Kx3Tn5R\n",
                        ["Kq8Zx3Lm7Wp2Rt5Y", "Tn4Vb8Qw2Zx6Lp9K", "Sk3Jd8Lq2Wm7Zt4X",
                         "Ak5Jd2Lq8Wm3Zt7X", "Pw6Hn2Kd8Lq3Zx7M", "Cm7Zq2Lw8Kx3Tn5R"]),
    }
    kept = {
        ".github/workflows/ci.yml": "jobs:\n  t:\n    uses: ./.github/workflows/t.yml\n"
                                    "    secrets: inherit\n",
        "k8s/ingress.yaml": "tls:\n  - hosts: [shop]\n    secretName: shop-tls-cert\n",
        "compose.yml": "environment:\n  POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password\n"
                       "  password_file: /run/secrets/db_password\n",
        "src/headers.py": 'H = {"X-My-CSRF-Token": "abc123def456ghi789"}\n'
                          'csrf_token = "a1b2c3d4e5f6g7"\n',
        "tests/test_netrc.py": 'f.write("machine example.com login aaaa password bbbb\\n")\n',
        "docs/env.md": "| Variable | Value |\n|---|---|\n| JWT_SECRET | 64-char random string |\n"
                       "| ENCRYPTION_KEY | AES256-GCM key, 32 bytes |\n",
        "tests/test_keyring.py": 'keyring.set_password("poetry-repository-foo", "bar", "baz")\n',
        "src/lexer.py": 'token = "IDENTIFIER"\ntoken_owner = "mirumee.custom.auth.plugin"\n'
                        'next_page_token = "Zm9vYmFyYmF6cXV4"\n',
        "src/cert.py": "c = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJJakFOQmdrcWhraUc5dzBC'\n",
    }
    masked_and_kept(cases, kept)


def test_fourteenth_verifier_regressions_and_false_positives() -> None:
    """What the thirteenth round's filters had let through again (a fourteenth verifier compared
    every name, value and file type with 4df8d84): a no-credential word only counts right before
    "token" (PAGE_ACCESS_TOKEN opens a page's messages), Vault's secret_id is a credential, only a
    bare ``token`` needs a token-like value, netrc passwords may hold quotes, a base64 password
    may start with "/", a password may hold a dot, "BigRedDog" is a passphrase. And the false
    positives it found stay unmasked: code naming a PuTTY or SSH2 header, an ``hf_`` class name,
    a user name with a number in a URL, a public key's neighbour, a ``key-<md5>`` cache key, a
    parser comment's arrow."""
    cases = {
        "bot.py": ('PAGE_ACCESS_TOKEN = "EAAGm0PX4ZCpsBAKx8Lm2Qp9Zr4Tv6W"\n'
                   'END_USER_ACCESS_TOKEN = "Jk7Lm2Qp9Zr4Tv6W"\n', ["EAAGm0PX4ZCpsBAKx8L",
                                                               "Jk7Lm2Qp9Zr4Tv6W"]),
        "main.tf": ('secret_id = "Vs8Lm2Qp9Zr4Tv6W"\n', ["Vs8Lm2Qp9Zr4Tv6W"]),
        "cfg.py": ('ACCESS_TOKEN = "qwhxkzvmplrtnbgyfdsaeuio"\n', ["qwhxkzvmplrtnbgyfdsaeuio"]),
        "cfg.yml": ("oauth:\n  refresh_token: Kx8Lm2Qp9Z\n", ["Kx8Lm2Qp9Z"]),
        "setup.sh": ("cat > ~/.netrc <<EOF\nmachine h login u password Kx'8Lm2Qp9Zr4\nEOF\n",
                     ["8Lm2Qp9Zr4"]),
        "run.sh": ("export DB_PASSWORD=/Kx8Lm2Qp9Zr4Tv6WbN3yH5jF7dS1aG0=\n", ["Kx8Lm2Qp9Zr4Tv6"]),
        "docs/ops.md": ("The staging password is Summer.Winter2024 for now.\n",
                        ["Summer.Winter2024"]),
        "docs/env.md": ("| Variable | Value |\n|---|---|\n| DB_PASSWORD | BigRedDog |\n",
                        ["BigRedDog"]),
    }
    kept = {
        "src/keys.py": 'def is_ppk(data):\n    return data.startswith("PuTTY-User-Key-File-3:")'
                       "\n\n\ndef f(x):\n    return x + 1\n",
        "src/ssh2.py": 'def is_ssh2(text):\n    return text.startswith("---- BEGIN SSH2")\n\n\n'
                       "def g(x):\n    return x * 2\n",
        "a.py": "from transformers import 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\n"
                "cache_key = 'key-d41d8cd98f00b204e9800998ecf8427e'\n",
        "a.md": "git clone https://ContosoEngineering2@dev.azure.com/ContosoEngineering2/P/_git/R\n",
        "a.json": '{"kty": "RSA", "n": "abc", "e": "AQAB"}\n{"q": "search-term-with-dashes"}\n',
        "a.rs": "// token -> Result<Ident2, Error>\n",
        "docs/netrc.py": 'f.write("machine example.com login aaaa password bbbb\\n")\n',
    }
    masked_and_kept(cases, kept)


def test_tables_without_outer_pipes_and_with_a_one_pipe_rule_are_read() -> None:
    """GitHub's tables need no outer pipes (``user | password`` over ``--- | ---``), and a
    two-column rule may hold one pipe (``---|---``): both leaked whole, the one-pipe rule ending
    the table it ruled. A line of prose with a pipe stays."""
    text = ("# Accounts\n\nuser | password | role\n--- | --- | ---\n"
            "ops | Nq2Xw8Lk4Zp7Rt3V | admin\n\n"
            "| user | password |\n---|---\n| admin | Xq7Lm2Pz9Wr4Tk8Nv3 |\n\n"
            "Variable | Value\n-------- | -----\nDB_PASSWORD | Zm3Lq8Wx2Kp7Tn4R\n"
            "LOG_LEVEL | debug\n")
    shown = redact(text, "docs/accounts.md")
    for v in ("Nq2Xw8Lk4Zp7Rt3V", "Xq7Lm2Pz9Wr4Tk8Nv3", "Zm3Lq8Wx2Kp7Tn4R"):
        assert v not in shown, shown
    assert "LOG_LEVEL | debug" in shown and "ops | [redacted: " in shown
    kept = "# Notes\n\nPipe the output: a | b keeps the password prompt.\n\n---\n\nx | y\n"
    assert redact(kept, "docs/notes.md") == kept


def test_a_schemeless_authorization_value_and_a_table_with_cr_line_ends() -> None:
    """An Authorization header's token without a scheme (``{"Authorization": "<token>"}``), and a
    table in a file whose lines end in CR alone (the table prefilter read only LF line ends)."""
    masked_and_kept({
        "a.py": ('H = {"Authorization": "Zr5Tq8Wm3Kx6Lp9Vb2Nc"}\n', ["Zr5Tq8Wm3Kx6Lp9Vb2Nc"]),
        "docs/n.md": ("# n\r| user | password |\r|---|---|\r| admin | Xq7Lm2Pz9Wr4Tk8Nv3 |\r",
                      ["Xq7Lm2Pz9Wr4Tk8Nv3"]),
    }, {"b.py": 'H = {"Authorization": "application/json-patch+json"}\n'})


def test_fifteenth_verifier_keys() -> None:
    """A JSON Web Key written with sorted keys ("d" before "kty", as ``jq -S`` prints it), and a
    PuTTY key inside a triple-quoted string or as comment lines: their private parts were shown
    once SSH2 and PuTTY headers had to start a line. Code that only names the header stays."""
    d, p = "nX3fQ8Lm2Qp9Zr4Tv6WbN3yH5jF7dS1aG0kP", "4Tv6WbN3yH5jF7dS1aG0kPnX3fQ8Lm2Qp9Zr"
    jwk = json.dumps({"kty": "RSA", "n": "0vx7agoebGcQSuuPiLJXZpt", "e": "AQAB", "d": d, "p": p},
                     indent=2, sort_keys=True)
    body = "AAAAB3NzaC1yc2EAAAABJQAAAQEAhBBmXjbbH3bqKh2dNyE9x7kp9kr5zQ"
    private = "AAABAQCWsfKAc6pzQcqPTN6r0Dz9oY+nGgAj7LpoOiW9Y0Xy8Lm2Qp9Zr4Tv6W"
    ppk = (f"PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: deploy\nPublic-Lines: 1\n"
           f"{body}\nPrivate-Lines: 1\n{private}\nPrivate-MAC: 5f2c6a4e1b0d9c8a7f6e5d4c3b2a1908\n")
    masked_and_kept({
        "config/jwks.json": (jwk + "\n", [d, p]),
        "src/keys.py": ('KEY = """' + ppk + '"""\n', [private]),
        "deploy.sh": ("".join(f"# {line}\n" for line in ppk.splitlines()), [private]),
    }, {"src/ppk.py": 'def is_ppk(data):\n    return data.startswith("PuTTY-User-Key-File-3:")'
                      "\n\n\ndef f(x):\n    return x + 1\n",
        "compose.yml": "environment:\n  POSTGRES_PASSWORD_FILE: /run/secrets/DB_PASSWORD\n",
        "src/pages.py": 'next_batch_token = "Ab3dEf6hIj9kLm2n"\n'})


# Session 16's forms, by shape: files holding a secret in a form the detector still showed (the
# values, each masked with no part of six characters left) and ordinary look-alikes (kept as they
# are). Each shape holds at least one form main's detector leaked.
PW16 = "Xq7Lm2Vz9Rt4Kp"
PHRASE = "correct horse battery staple"
JWK_N = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIR"
JWK_D = "VFCWOqXr8nvZNyaaJLXdnNPXZKRaWCjkU5Q2egQQpTBMwhprMzWzpR8Sxq1OPThh_J6MUD8Z35wky9b8eEO0pwNS"
JWK_K = "GawgguFyGrWKav7AX4VKUg-Qf1bPvW0bjX8w5Vz9cLmR"
SHAPES16: dict[str, tuple[dict[str, tuple[str, list[str]]], dict[str, str]]] = {
    "hf token without a digit": ({
        "hf.py": ("HF = 'hf_abcdefghijklmnopqrstuvwxyzABCDEFGH'\n",
                  ["hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"]),
        "docs/hf.md": ("token: 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\n",
                       ["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"]),
    }, {"models.py": "from transformers import 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\n"
                     "from huggingface_hub import hf_hub_download\n"}),
    "html table": ({
        "table.html": ("<table><tr><th>user</th><th>password</th></tr>"
                       f"<tr><td>admin</td><td>{PW16}</td></tr></table>\n", [PW16]),
        "table2.html": ("<table>\n<tr><th>user</th><th>password</th></tr>\n"
                        f"<tr><td>admin</td><td>{PW16}</td></tr>\n</table>\n", [PW16]),
        "cells.html": ("<table>\n  <tr>\n    <th>user</th>\n    <th>API key</th>\n  </tr>\n"
                       f"  <tr>\n    <td>stripe</td>\n    <td>\n      {PW16[::-1]}\n    </td>\n"
                       "  </tr>\n</table>\n", [PW16[::-1]]),
        "docs/db.md": (f"# DB\n\n<table><tr><th>Password</th><td><code>{PW16}</code></td></tr>"
                       "</table>\n", [PW16]),
    }, {"team.html": "<table>\n<tr><th>user</th><th>role</th></tr>\n"
                     "<tr><td>alice</td><td>Administrator2</td></tr>\n"
                     "<tr><td>bob</td><td>maintainer</td></tr>\n</table>\n",
        "options.html": "<table><thead><tr><th>Option</th><th>Description</th></tr></thead>\n"
                        "<tr><td><code>password</code></td><td>The password to use</td></tr>\n"
                        "<tr><td>token</td><td>string</td></tr></table>\n"}),
    "reStructuredText grid and simple tables": ({
        "grid.rst": ("+-------+----------------+\n| user  | password       |\n"
                     f"+=======+================+\n| admin | {PW16} |\n"
                     f"+-------+----------------+\n| bob   | {PW16[::-1]} |\n"
                     "+-------+----------------+\n", [PW16, PW16[::-1]]),
        "simple.rst": (f"=====  ==============\nuser   password\n=====  ==============\n"
                       f"admin  {PW16}\n=====  ==============\n", [PW16]),
        "phrase.rst": ("=====  ==========  =====\nuser   password    role\n"
                       f"=====  ==========  =====\nadmin  {PW16}  owner\n"
                       "=====  ==========  =====\n\n=====  ==========\nuser   password\n"
                       f"=====  ==========\nbob    {PHRASE}\n=====  ==========\n",
                       [PW16, PHRASE]),
    }, {"accounts.rst": "+-------+-----------+\n| user  | Password  |\n+=======+===========+\n"
                        "| admin | ********  |\n+-------+-----------+\n| bob   | (none)    |\n"
                        "+-------+-----------+\n| carol | see vault |\n+-------+-----------+\n",
        "simple-accounts.rst": "=====  =========\nuser   Password\n=====  =========\n"
                               "admin  ********\nbob    (none)\ncarol  see vault\n"
                               "=====  =========\n"}),
    "reStructuredText list tables": ({
        "list.rst": (f".. list-table::\n   :header-rows: 1\n\n   * - user\n     - password\n"
                     f"   * - admin\n     - {PW16}\n", [PW16]),
        "rows.rst": (f".. list-table:: Settings\n   :widths: 20 20\n\n   * - DB_PASSWORD\n"
                     f"     - {PW16}\n   * - LOG_LEVEL\n     - debug\n", [PW16]),
    }, {"settings.rst": ".. list-table::\n   :header-rows: 1\n\n   * - Setting\n"
                        "     - Description\n   * - password\n     - The database password.\n"
                        "   * - api_key\n     - stored in the vault\n"}),
    "AsciiDoc tables": ({
        "table.adoc": (f"|===\n|user |password\n\n|admin |{PW16}\n|===\n", [PW16]),
        "cells.adoc": (f'[cols="2*", options="header"]\n|===\n|user\n|password\n|admin\n|{PW16}\n'
                       "|===\n", [PW16]),
        "rows.adoc": (f'[cols="1,1"]\n|===\n|DB_PASSWORD |{PW16}\n|LOG_LEVEL |debug\n|===\n',
                      [PW16]),
    }, {"accounts.adoc": "|===\n|Name |Password\n\n|admin |********\n|bob |see vault\n|===\n"}),
    "Org-mode tables": ({
        "table.org": (f"| user  | password       |\n|-------+----------------|\n"
                      f"| admin | {PW16} |\n", [PW16]),
        "groups.org": (f"| user  | password       |\n|-------+----------------|\n"
                       f"| admin | {PW16} |\n|-------+----------------|\n"
                       f"| bob   | {PW16[::-1]} |\n", [PW16, PW16[::-1]]),
    }, {"flags.org": "| Name | Secret? |\n|------+---------|\n| api  | yes     |\n"}),
    "a passphrase in a Markdown password column": ({
        "multi.md": (f"| user | password |\n|---|---|\n| admin | {PHRASE} |\n", [PHRASE]),
        "code.md": ("| user | password |\n|---|---|\n| bob | `maple river stone quartz` |\n",
                    ["maple river stone quartz"]),
    }, {"notes.md": "| user | password |\n|---|---|\n| admin | stored in the vault |\n"
                    "| bob | long random string |\n| carol | not set |\n| dan | ******** |\n"}),
    "Python adjacent literals": ({
        "concat.py": (f'PASSWORD = ("{PW16[:7]}"\n            "{PW16[7:]}")\n',
                      [PW16[:7], PW16[7:]]),
        "concat2.py": (f'password = "{PW16[:7]}" "{PW16[7:]}"\n', [PW16[:7], PW16[7:]]),
        "call.py": (f'db = connect(\n    password=("{PW16[:7]}"\n              "{PW16[7:]}"),\n)\n',
                    [PW16[:7], PW16[7:]]),
        "conf.c": (f'const char *password = "{PW16[:7]}" "{PW16[7:]}";\n', [PW16[:7], PW16[7:]]),
    }, {"help.py": 'PASSWORD_HELP = ("Enter the password "\n                 "for the database")\n'
                   'PASSWORD_RE = (r"(?P<pw>[^@]+)"\n               r"@host")\n'
                   'secret_key = ("django-insecure-" +\n              get_random())\n'}),
    "a Python value on the next line": ({
        "nextline.py": (f'PASSWORD = \\\n    "{PW16}"\n', [PW16]),
        "paren.py": (f'SECRET_KEY = (\n    "{PW16}"\n)\n', [PW16]),
    }, {"login.py": "password = (\n    get_password()\n)\ntoken = \\\n    request.token\n"}),
    "YAML values on the next line": ({
        "nextline.yaml": (f"db:\n  password:\n    {PW16}\n", [PW16]),
        "folded.yaml": (f"db:\n  password: >-\n    {PW16}\n", [PW16]),
        "literal.yml": (f"auth:\n  api_key: |\n    {PW16}\n  other: x\n", [PW16]),
        "quoted.yaml": (f"- name: db\n  password:\n    \"{PW16}\"\n", [PW16]),
    }, {"keys.yaml": f"db:\n  password:\n    hash: sha256\n  user: admin\nweb:\n  password:\n"
                     f"  user: {PW16}\n",
        "refs.yaml": "db:\n  password: |\n    {{ vault_password }}\n  token:\n    ${API_TOKEN}\n"
                     "  secret:\n    - first\n"}),
    "JSON Web Keys as a Python dict or YAML": ({
        "jwk.py": (f"KEY = {{'kty': 'RSA', 'n': '{JWK_N}', 'e': 'AQAB', 'd': '{JWK_D}'}}\n",
                   [JWK_D]),
        "jwk.yaml": (f"jwk:\n  kty: RSA\n  n: {JWK_N}\n  e: AQAB\n  d: {JWK_D}\n", [JWK_D]),
        "oct.py": (f"K = {{\n    'kty': 'oct',\n    'k': '{JWK_K}',\n}}\n", [JWK_K]),
    }, {"public.py": f"KEY = {{'kty': 'RSA', 'n': '{JWK_N}', 'e': 'AQAB'}}\n",
        "public.yaml": f"jwk:\n  kty: RSA\n  n: {JWK_N}\n  e: AQAB\n"}),
}


def shown_parts(secret: str, shown: str) -> list[str]:
    """The parts of ``secret`` of six characters that ``shown`` still holds."""
    return [secret[k:k + 6] for k in range(len(secret) - 5) if secret[k:k + 6] in shown]


def check_shape(forms: dict[str, tuple[str, list[str]]], kept: dict[str, str],
                tmp_path: Path) -> None:
    """Each file, written and read back as a bundle reads it: as :func:`redact` and as a bundle
    shows it (its scan's findings masked line by line), no part of a value is left and a marker
    stands in its place; a look-alike has no finding."""
    for name, content in {**{n: c for n, (c, _) in forms.items()}, **kept}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, "utf-8")
    for name, (_, secrets) in forms.items():
        text = file_text((tmp_path / name).read_bytes())
        scan = scan_text(text, name)
        for shown in (redact(text, name),
                      "".join(redact_lines(text.splitlines(keepends=True), scan.findings))):
            assert "[redacted: " in shown, (name, shown)
            for secret in secrets:
                assert secret not in shown and not shown_parts(secret, shown), (name, shown)
    for name in kept:
        text = file_text((tmp_path / name).read_bytes())
        assert find_secrets(text, name) == [], (name, redact(text, name))
        assert redact(text, name) is text


@pytest.mark.parametrize("shape", sorted(SHAPES16))
def test_session16_forms_are_masked_and_look_alikes_kept(shape: str, tmp_path: Path) -> None:
    """Each file of a shape: its values masked whole, its look-alikes kept (``check_shape``)."""
    check_shape(*SHAPES16[shape], tmp_path)


def test_session16_forms_never_reach_a_bundle(tmp_path: Path) -> None:
    """Pinned in a real repository, every file of a new form is shown masked or left out, and no
    part of a value is printed; every look-alike is shown as it is."""
    forms = {n: v for fs, _ in SHAPES16.values() for n, v in fs.items()}
    kept = {n: c for _, ks in SHAPES16.values() for n, c in ks.items()}
    root = make_repo(tmp_path / "repo", {**{n: c for n, (c, _) in forms.items()}, **kept,
                                         "app.py": "def main():\n    return 0\n"})
    pins = [a for name in [*forms, *kept] for a in ("--pin", name)]
    proc = run_cli("bundle", "--task", "settings", "--budget", "0", "--format", "json", *pins,
                   cwd=root)
    assert proc.returncode == 0, proc.stderr
    for name, (_, secrets) in forms.items():
        for secret in secrets:
            assert not shown_parts(secret, proc.stdout + proc.stderr), name
    out = json.loads(proc.stdout)
    hidden = {e["path"] for e in out["excluded"]} | {r["path"] for r in out["redacted"]}
    assert set(forms) <= hidden, set(forms) - hidden
    assert not hidden & set(kept), hidden & set(kept)
    assert set(kept) <= {i["path"] for i in out["items"]}


# Session 17's forms, as session 16's: files holding a secret in a form main's detector still
# showed (whole or for all but its first word), and look-alikes, labels, prompts and messages,
# that stay as they are.
SHAPES17: dict[str, tuple[dict[str, tuple[str, list[str]]], dict[str, str]]] = {
    "a quoted value of several words": ({
        "staple.py": (f'PASSWORD = "{PHRASE}"\n', [PHRASE]),
        "mixed.py": ('PASSWORD = "Zk8vQ2 wLp9Rt"\n', ["Zk8vQ2 wLp9Rt"]),
        "deploy/prod.env": ('PASSWORD="two words here"\n', ["two words here"]),
        "run.sh": ('export DB_PASSWORD="Tr0ub4dor and Three"\n', ["Tr0ub4dor and Three"]),
        "config.yaml": ('db:\n  password: "a b c"\n  api_key: \'purple monkey dishwasher\'\n',
                        ["a b c", "purple monkey dishwasher"]),
        "login.js": ('const password = "a b";\nconst apiKey = "kx7 mq2 zt9";\n',
                     ["a b", "kx7 mq2 zt9"]),
        "settings.json": ('{"db": {"password": "maple river stone"}}\n', ["maple river stone"]),
        "Conn.java": ('class Conn { String password = "Zk8vQ2 wLp9Rt"; }\n', ["Zk8vQ2 wLp9Rt"]),
        "docs/ops.md": ("# Ops\n\nRefund card with password=\"quoted phrase leaks here\"\n"
                        "then set DB_PASSWORD = \"Tr0ub4dor and Three\"\n"
                        "and the password is 'purple monkey dishwasher'\n",
                        ["quoted phrase leaks here", "Tr0ub4dor and Three",
                         "purple monkey dishwasher"]),
    }, {"prompts.py": 'PASSWORD_PROMPT = "Password: "\npassword_help = "The password to use"\n'
                      'password = "Enter your password"\npassword = "<your password>"\n'
                      'password = "********"\nsecret = f"{user} {salt}"\n'
                      'password = "{} {}".format(a, b)\npassword = "%s %s" % (a, b)\n',
        "messages.js": 'errors.password = "is too short";\n'
                       'const m = { password: "Please enter the password" };\n'
                       'const n = { password: "Password is required." };\n'
                       'const o = { password: "must be at least 8 characters" };\n'
                       'const p = { password: "not set", secret: "see the vault" };\n'
                       'const q = { password: "Too short" };\nconst r = `${a} ${b}`;\n',
        "locale/fr.json": '{"password": "Mot de passe", "secret_key": "Clé secrète"}\n',
        "lexer.py": 'token = "unexpected end of input"\nnext_page_token = "abc def ghi"\n'
                    'PASSWORD_FILE = "/run/my secrets/pw"\n'
                    'passwordClass = "form-control input-lg"\n'
                    'password_label = "Your secret phrase"\n',
        "test_login.py": 'def test_login(client):\n'
                         '    assert not client.login(password="wrong horse battery")\n'
                         '    assert prompt_func("Password: ") == "secret"\n'
                         '    password = "" if x else "a b"\n    password = "" + user + " "\n',
        "emails.py": 'SET_STAFF_PASSWORD_DEFAULT_SUBJECT = "You\u2019re invited to join Saleor"\n',
        "docs/help.md": 'The password is "stored in the vault".\n'
                        "The password is 'the one in 1Password'\n"
                        'Set `password: "..."` in the config; password: "your password here"\n'}),
    "YAML anchors and tags before a value": ({
        "anchor.yaml": (f"db:\n  password: &pw {PW16}\n", [PW16]),
        "tag.yml": (f"db:\n  password: !!str {PW16}\n  api_key: &k !!str {PW16[::-1]}\n",
                    [PW16, PW16[::-1]]),
        "quoted.yaml": (f'db:\n  password: &pw "{PW16}"\n  secret: !!str "{PHRASE}"\n',
                        [PW16, PHRASE]),
        "docs/compose.md": (f"```yaml\nDB_PASSWORD: !!str {PW16}\n```\n", [PW16]),
    }, {"secrets-ref.yaml": "wifi:\n  password: !secret wifi_password\n"
                            "api:\n  token: !env_var API_TOKEN\n"
                            "db:\n  password: !secret db_pw2\n",
        "stack.yaml": "Properties:\n  MasterUserPassword: !Ref DbPassword\n"
                      "  DB_PASSWORD: !Sub '{{resolve:ssm:/db/pw}}'\n"}),
    "a value on the line after its name's = or :": ({
        "docs/notes.txt": (f"Rotated today, new password=\n{PW16} for the db\n", [PW16]),
        "docs/staging.md": (f"# Staging\n\nThe **DB_PASSWORD**:\n  {PW16}\n", [PW16]),
        "docs/token.txt": (f"Password:\n{PW16}\n", [PW16]),
    }, {"docs/setup.md": "Set the following secrets:\n- AWS_ACCESS_KEY_ID\n"
                         "Enter the password:\nthen press enter\n",
        "db.ini": "[db]\npassword=\nuser=admin2x\n",
        "run.sh": "export DB_PASSWORD=\necho hello2world\n",
        "app.yaml": f"db:\n  password:\n  user: {PW16}\n"}),
    "HTML table cells in inline tags": ({
        "spans.html": ("<table><tr><th>user</th><th>password</th></tr>"
                       f"<tr><td>admin</td><td><span>{PW16}</span></td></tr>"
                       f'<tr><td>bob</td><td><span class="mono">{PW16[::-1]}</span></td></tr>'
                       "</table>\n", [PW16, PW16[::-1]]),
        "inline.html": ("<table>\n<tr><th>user</th><th>API key</th></tr>\n"
                        + "".join(f"<tr><td>u{k}</td><td><{t}>{k}{PW16}</{t.split()[0]}>"
                                  "</td></tr>\n"
                                  for k, t in enumerate(["a", 'a href="#k"', "p", "div", "i",
                                                         "tt", "samp"]))
                        + "</table>\n", [f"{k}{PW16}" for k in range(7)]),
        "docs/db.md": (f"<table><tr><th><span>Password</span></th><td><p><code>{PW16}</code></p>"
                       "</td></tr></table>\n", [PW16]),
    }, {"team.html": "<table><tr><th>user</th><th>role</th></tr><tr><td><span>alice</span></td>"
                     "<td><span>Administrator2</span></td></tr></table>\n",
        "options.html": "<table><tr><th>Option</th><th>Description</th></tr>"
                        '<tr><td><a href="#pw">password</a></td><td><p>The password to use</p>'
                        "</td></tr><tr><td><i>token</i></td><td><span>string</span></td></tr>"
                        "</table>\n"}),
}


@pytest.mark.parametrize("shape", sorted(SHAPES17))
def test_session17_forms_are_masked_and_look_alikes_kept(shape: str, tmp_path: Path) -> None:
    """Each file of a shape: its values masked whole, its look-alikes kept (``check_shape``)."""
    check_shape(*SHAPES17[shape], tmp_path)


# Commit messages (free text from git) holding session 17's forms, and look-alikes.
GIT_TEXT17: dict[str, list[str]] = {
    'Refund card with password="quoted phrase leaks here"': ["quoted phrase leaks here"],
    'Deploy: set DB_PASSWORD = "Tr0ub4dor and Three"': ["Tr0ub4dor and Three"],
    "Note: the password is 'purple monkey dishwasher'": ["purple monkey dishwasher"],
    "Ship order fix password=\nWrapPw2xyz99 in body": ["WrapPw2xyz99"],
    "Ship order fix\n\nThe staging token:\n  Kx8Lm2Qp9Zr4Tv6W\n": ["Kx8Lm2Qp9Zr4Tv6W"],
}
GIT_KEPT17 = ('Ask for the password with "Please enter the password"',
              'Fix password="" handling and token="" too',
              'Show password="Please enter the password." in the login form',
              'Prompt with password: "Enter the password:" when none is set',
              "Ask for the password:\nthen retry the login",
              "Empty DB_PASSWORD=\nuser=admin2x is read next")


@pytest.mark.parametrize("message", sorted(GIT_TEXT17))
def test_session17_forms_in_commit_messages_are_masked(message: str) -> None:
    from analyzers.secrets import redact_git

    for text in (message, f"Subject line\n\n{message} in body\n"):
        shown = redact_git(text)
        assert "[redacted: " in shown, shown
        for secret in GIT_TEXT17[message]:
            assert not shown_parts(secret, shown), shown


@pytest.mark.parametrize("message", GIT_KEPT17)
def test_session17_commit_look_alikes_are_kept(message: str) -> None:
    from analyzers.secrets import redact_git

    assert redact_git(message) == message
