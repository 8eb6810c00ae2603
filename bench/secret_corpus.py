"""Secret detector: recall on planted secrets, false positives on real repositories.

(a) Plants known secrets (many forms, several instances each, seeded random values) into copies
    of real files from the benchmark repositories (in a temporary folder) and reports recall:
    a file counts as found when the detector flags it, a value as masked when ``redact`` leaves
    no trace of it. Hosts the detector already flags are not used.
(b) Runs the detector over every text file of the benchmark repositories (``git ls-files``,
    read only) and reports files flagged per 1,000 files, listing them for a human to judge.
(c) Does (b) and (a) for the detector as on main at ``BEFORE`` too (imported from
    ``git show BEFORE:analyzers/secrets.py``), and prints before/after in one table.

    python bench/secret_corpus.py [--repos /work/benchrepos] [--only a,b] [--list] [--seed 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzers import secrets as after  # noqa: E402

BEFORE = "272ed18"  # the detector before the security issue (--before REV for another)
MAX_BYTES = 1_000_000


def load_before(rev: str = BEFORE) -> ModuleType:
    src = subprocess.run(["git", "show", f"{rev}:analyzers/secrets.py"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    name = "analyzers.secrets_before"  # inside the package: its relative imports resolve
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "analyzers"
    sys.modules[name] = mod  # detect-secrets imports its filter by this dotted path
    exec(compile(src, f"<{rev}:analyzers/secrets.py>", "exec"), mod.__dict__)
    return mod


# -- values ---------------------------------------------------------------------------------------

def rnd(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


UP, LOW, DIG = string.ascii_uppercase, string.ascii_lowercase, string.digits
ALNUM = UP + LOW + DIG
WORDS = ("maple", "river", "stone", "copper", "violet", "harbor", "falcon", "ember", "quartz",
         "meadow", "tundra", "cobalt")


def password(r: random.Random) -> str:
    """A realistic password: mixed, with symbols, or a passphrase (no digits sometimes)."""
    style = r.randrange(4)
    if style == 0:
        return rnd(r, ALNUM, r.randint(10, 16))
    if style == 1:
        return rnd(r, ALNUM, 6) + r.choice("!#%&*-_+") + rnd(r, ALNUM, 5)
    if style == 2:
        return "-".join(r.sample(WORDS, 3)) + str(r.randint(1, 99))
    return "".join(r.sample(WORDS, 2)) + r.choice(["", "!", "2024", ""])


def jwt(r: random.Random) -> str:
    import base64
    import json

    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return (b64({"alg": "HS256", "typ": "JWT"}) + "." + b64({"sub": rnd(r, DIG, 10),
            "name": r.choice(WORDS)}) + "." + rnd(r, ALNUM + "-_", 43))


def pem(r: random.Random) -> str:
    body = "\n".join(rnd(r, ALNUM + "+/", 64) for _ in range(6))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"


# Each form: (name, host extensions, make(r) -> (text to plant, secret value), renamed host)
Form = tuple[str, tuple[str, ...], Callable[[random.Random], tuple[str, str]], str]


def _f(name: str, exts: tuple[str, ...], make: Callable[[random.Random], tuple[str, str]],
       rename: str = "") -> Form:
    return (name, exts, make, rename)


def _aws_id(r: random.Random) -> str:
    return "AKIA" + rnd(r, UP + DIG, 16)


def _aws_secret(r: random.Random) -> str:
    return rnd(r, ALNUM + "/+", 40)


FORMS: list[Form] = [
    _f("aws key id (py)", ("py",), lambda r: (lambda v: (f'AWS_ACCESS_KEY_ID = "{v}"', v))(
        _aws_id(r))),
    _f("aws key id in TODO", ("py", "go", "js"), lambda r: (lambda v: (
        f"// TODO rotate {v} before release" if r.random() < .5 else
        f"# TODO rotate {v} before release", v))(_aws_id(r))),
    _f("aws secret key (ini)", ("toml", "cnf"), lambda r: (lambda v: (
        f"aws_secret_access_key = {v}", v))(_aws_secret(r))),
    _f("aws secret key (py)", ("py",), lambda r: (lambda v: (
        f'AWS_SECRET_ACCESS_KEY = "{v}"', v))(_aws_secret(r))),
    _f("github token", ("py", "js", "yaml", "md"), lambda r: (lambda v: (
        f"token: {v}" if r.random() < .5 else f"see {v} for the deploy", v))(
        "ghp_" + rnd(r, ALNUM, 36))),
    _f("slack token", ("py", "js", "yml"), lambda r: (lambda v: (f'SLACK = "{v}"', v))(
        f"xoxb-{rnd(r, DIG, 12)}-{rnd(r, DIG, 13)}-{rnd(r, ALNUM, 24)}")),
    _f("slack webhook", ("py", "md", "yaml"), lambda r: (lambda v: (
        f"webhook: https://hooks.slack.com/services/{v}", v))(
        f"T{rnd(r, UP + DIG, 8)}/B{rnd(r, UP + DIG, 8)}/{rnd(r, ALNUM, 24)}")),
    _f("stripe key", ("py", "js"), lambda r: (lambda v: (f'stripe.api_key = "{v}"', v))(
        "sk_live_" + rnd(r, ALNUM, 24))),
    _f("pem private key", ("py", "txt", "md"), lambda r: (lambda v: (v, v.splitlines()[3]))(
        pem(r))),
    _f("jwt", ("py", "js", "json"), lambda r: (lambda v: (f'  "session": "{v}",', v))(jwt(r))),
    _f("basic-auth url", ("py", "yaml", "toml", "md"), lambda r: (lambda v: (
        f'DATABASE_URL = "postgres://app:{v}@db.internal:5432/app"', v))(password(r))),
    _f("keyword (python)", ("py",), lambda r: (lambda v: (f'db_password = "{v}"', v))(
        password(r))),
    _f("keyword (js)", ("js",), lambda r: (lambda v: (f"const apiKey = '{v}';", v))(
        rnd(r, ALNUM, 32))),
    _f("keyword (go)", ("go",), lambda r: (lambda v: (f'\tpassword := "{v}"', v))(password(r))),
    _f("keyword (yaml)", ("yaml", "yml"), lambda r: (lambda v: (f"  password: {v}", v))(
        password(r))),
    _f("keyword (json)", ("json",), lambda r: (lambda v: (f'  "client_secret": "{v}",', v))(
        rnd(r, ALNUM, 28))),
    _f("keyword (xml element)", ("html", "svg"), lambda r: (lambda v: (
        f"<password>{v}</password>", v))(password(r))),
    _f("keyword (ini)", ("toml", "cnf"), lambda r: (lambda v: (f"secret_key = {v}", v))(
        rnd(r, ALNUM, 24))),
    _f("keyword (shell)", ("sh",), lambda r: (lambda v: (f"export DB_PASSWORD={v}", v))(
        password(r))),
    _f("web.config add key", ("html", "svg"), lambda r: (lambda v: (
        f'    <add key="{r.choice(["DbPassword", "ApiSecret", "password"])}" value="{v}"/>', v))(
        password(r)), "web.config"),
    _f("go struct Password", ("go",), lambda r: (lambda v: (f'\t\tPassword: "{v}",', v))(
        password(r))),
    _f("connection string", ("py", "js", "go", "json"), lambda r: (lambda v: (
        f'CONN = "Server=db1;Database=shop;User Id=sa;Password={v};"', v))(password(r))),
    _f("auth tuple", ("py",), lambda r: (lambda v: (
        f'    resp = session.get(url, auth=("admin", "{v}"))', v))(password(r))),
    _f("dict(password=)", ("py",), lambda r: (lambda v: (
        f'    creds = dict(user="svc", password="{v}")', v))(password(r))),
    _f("environ.setdefault", ("py",), lambda r: (lambda v: (
        f'os.environ.setdefault("DB_PASSWORD", "{v}")', v))(password(r))),
    _f("bearer header", ("py", "js", "md"), lambda r: (lambda v: (
        f'headers = {{"Authorization": "Bearer {v}"}}', v))(rnd(r, ALNUM, 32))),
    _f("netrc in .txt", ("txt",), lambda r: (lambda v: (
        f"machine api.example.com login deploy password {v}", v))(password(r))),
    _f("FIXME prose", ("py", "go", "js"), lambda r: (lambda v: (
        f"# FIXME password is {v} on staging" if r.random() < .5 else
        f"// FIXME the password is {v} on staging", v))(password(r))),
    _f("pragma allowlist", ("py",), lambda r: (lambda v: (
        f'SERVICE_PASSWORD = "{v}"  # pragma: allowlist secret', v))(password(r))),
    _f("bytes literal", ("py",), lambda r: (lambda v: (f'PASSWORD = b"{v}"', v))(password(r))),
    _f("typed TS const", ("ts", "js"), lambda r: (lambda v: (
        f'const apiKey: string = "{v}";', v))(rnd(r, ALNUM, 32))),
    _f("mysql -p / --password", ("sh", "md", "txt"), lambda r: (lambda v: (
        f"mysql -u root -p{v} shop" if r.random() < .5 else
        f"mysqldump --password={v} shop > dump.sql", v))(password(r))),
    _f("curl -u", ("sh", "md", "txt"), lambda r: (lambda v: (
        f"curl -u admin:{v} https://api.example.com/v1/items", v))(password(r))),
    _f("Authorization Token/Basic", ("py", "js"), lambda r: (lambda v: (
        f'headers = {{"Authorization": "{r.choice(["Token", "Basic"])} {v}"}}', v))(
        rnd(r, ALNUM, 32))),
    _f("openai/anthropic key", ("py", "md", "yaml"), lambda r: (lambda v: (
        f"OPENAI_API_KEY={v}" if v.startswith("sk-proj") else f"see {v} for the bot", v))(
        r.choice(["sk-proj-", "sk-ant-api03-"]) + rnd(r, ALNUM + "-_", 48))),
    _f("password: in prose", ("md",), lambda r: (lambda v: (
        f"The staging password: {v}", v))(password(r))),
    _f("password= mid-line (txt)", ("txt",), lambda r: (lambda v: (
        f"connect with password={v} to the staging db", v))(password(r))),
    _f("password is …! (prose)", ("md", "txt"), lambda r: (lambda v: (
        f"the admin password is {v}!", v))(rnd(r, ALNUM, 12))),
    _f("escaped quote in a value", ("py", "js", "json"), lambda r: (lambda v: (
        f'  "db_password": "{v[:4]}\\"{v[4:]}",', v[4:]))(password(r))),
    _f("credential header", ("py", "sh", "md"), lambda r: (lambda v: (
        f"curl -H '{r.choice(['X-Auth-Token', 'PRIVATE-TOKEN', 'X-Vault-Token'])}: {v}' "
        "https://api.example.com/v1", v))(rnd(r, ALNUM, 24))),
    _f("url password, no user", ("py", "yaml", "md"), lambda r: (lambda v: (
        f"REDIS_URL=redis://:{v}@cache.internal:6379/0", v))(password(r))),
    _f("table column of passwords", ("md",), lambda r: (lambda v: (
        f"| user | password | role |\n|---|---|---|\n| deploy | {v} | admin |", v))(
        password(r))),
    _f("name/value pair (k8s env)", ("yaml", "yml"), lambda r: (lambda v: (
        f"        - name: {r.choice(['DB_PASSWORD', 'API_TOKEN', 'STRIPE_SECRET_KEY'])}\n"
        f"          value: \"{v}\"", v))(password(r))),
    _f("key/value pair (Postman)", ("json",), lambda r: (lambda v: (
        f'  {{"key": "{r.choice(["x-api-key", "password", "client_secret"])}", '
        f'"value": "{v}", "type": "text"}},', v))(rnd(r, ALNUM, 24))),
    # forms of session 16: a token of letters only, tables in other markups, a value in pieces or
    # on the next line, a JSON Web Key as a dict or YAML
    _f("hf token, no digit", ("py", "md", "yaml"), lambda r: (lambda v: (
        f"token: {v}" if r.random() < .5 else f'HF_TOKEN = "{v}"', v))(
        "hf_" + rnd(r, UP + LOW, 34))),
    _f("html table column", ("html", "md"), lambda r: (lambda v: (
        "<table>\n<tr><th>user</th><th>password</th></tr>\n"
        f"<tr><td>deploy</td><td>{v}</td></tr>\n</table>", v))(password(r))),
    _f("rst grid table", ("rst",), lambda r: (lambda v: (
        f"+--------+{'-' * 24}+\n| user   | password{' ' * 16}|\n+========+{'=' * 24}+\n"
        f"| deploy | {v:<22} |\n+--------+{'-' * 24}+", v))(password(r))),
    _f("rst simple table", ("rst",), lambda r: (lambda v: (
        f"======  {'=' * 22}\nuser    password\n======  {'=' * 22}\ndeploy  {v}\n"
        f"======  {'=' * 22}", v))(password(r))),
    _f("rst list-table", ("rst",), lambda r: (lambda v: (
        ".. list-table::\n   :header-rows: 1\n\n   * - user\n     - password\n"
        f"   * - deploy\n     - {v}", v))(password(r))),
    _f("asciidoc table", ("adoc", "asciidoc"), lambda r: (lambda v: (
        f"|===\n|user |password\n\n|deploy |{v}\n|===", v))(password(r))),
    _f("org table", ("org",), lambda r: (lambda v: (
        f"| user   | password |\n|--------+----------|\n| deploy | {v} |", v))(password(r))),
    _f("table passphrase cell", ("md",), lambda r: (lambda v: (
        f"| user | password |\n|---|---|\n| deploy | {v} |", v))(
        " ".join(r.sample(WORDS, 4)))),
    _f("python adjacent literals", ("py",), lambda r: (lambda v: (
        f'DB_PASSWORD = ("{v[:5]}"\n               "{v[5:]}")', v[5:]))(rnd(r, ALNUM, 14))),
    _f("value on the next line", ("py",), lambda r: (lambda v: (
        f'DB_PASSWORD = \\\n    "{v}"', v))(password(r))),
    _f("yaml value on the next line", ("yaml", "yml"), lambda r: (lambda v: (
        f"db:\n  password:{r.choice(['', ' >-', ' |'])}\n    {v}", v))(password(r))),
    _f("jwk as a dict or yaml", ("py", "yaml"), lambda r: (lambda v: (
        f"KEY = {{'kty': 'RSA', 'n': '{rnd(r, ALNUM, 40)}', 'e': 'AQAB', 'd': '{v}'}}"
        if r.random() < .5 else
        f"jwk:\n  kty: RSA\n  n: {rnd(r, ALNUM, 40)}\n  e: AQAB\n  d: {v}", v))(
        rnd(r, ALNUM + "-_", 43))),
    # forms of session 3 of the secret forms (helper): YAML past comments, in lists, |2 and folded;
    # values joined or triple-quoted, defaults on the next line, comments before values; tables
    # with spans, in other languages, tab-separated, as CSV; JSON Web Keys in JS and TOML
    _f("yaml value after a comment", ("yaml", "yml"), lambda r: (lambda v: (
        f"db:\n  password:\n    # rotated, ask ops\n    {v}", v))(password(r))),
    _f("yaml list of passwords", ("yaml", "yml"), lambda r: (lambda v: (
        f"passwords:\n  - {v}", v))(rnd(r, ALNUM, 14))),
    _f("yaml block scalar |2", ("yaml", "yml"), lambda r: (lambda v: (
        f"db:\n  password: |2\n      {v}", v))(password(r))),
    _f("yaml folded plain scalar", ("yaml", "yml"), lambda r: (lambda v: (
        f"db:\n  password: {rnd(r, ALNUM, 10)}\n    {v}", v))(rnd(r, ALNUM, 10))),
    _f("python + / join of literals", ("py",), lambda r: (lambda v: (
        f'DB_PASSWORD = "{v[:5]}" + "{v[5:]}"' if r.random() < .5 else
        f'DB_PASSWORD = "".join(["{v[:5]}", "{v[5:]}"])', v[5:]))(rnd(r, ALNUM, 14))),
    _f("getenv default on the next line", ("py",), lambda r: (lambda v: (
        f"PW = os.getenv('DB_PASSWORD',\n               '{v}')", v))(password(r))),
    _f("triple-quoted value over lines", ("py",), lambda r: (lambda v: (
        f'DB_PASSWORD = """\n{v}\n"""', v))(rnd(r, ALNUM, 16))),
    _f("comment before a keyword argument", ("py",), lambda r: (lambda v: (
        f'conn = connect(\n    password=  # prod\n        "{v}",\n)', v))(password(r))),
    _f("html table with a rowspan", ("html", "md"), lambda r: (lambda v: (
        "<table>\n<tr><th>team</th><th>user</th><th>password</th></tr>\n"
        '<tr><td rowspan="2">ops</td><td>deploy</td><td>Xq7Lm2Vz9K</td></tr>\n'
        f"<tr><td>backup</td><td>{v}</td></tr>\n</table>", v))(password(r))),
    _f("table header in German", ("md",), lambda r: (lambda v: (
        f"| Benutzer | {r.choice(['Passwort', 'Kennwort'])} |\n|---|---|\n| deploy | {v} |", v))(
        password(r))),
    _f("rst simple table, tabs", ("rst",), lambda r: (lambda v: (
        f"======\t{'=' * 22}\nuser\tpassword\n======\t{'=' * 22}\ndeploy\t{v}\n"
        f"======\t{'=' * 22}", v))(password(r))),
    _f("asciidoc csv table", ("adoc", "asciidoc"), lambda r: (lambda v: (
        f"[format=csv,options=header]\n|===\nuser,password\ndeploy,{v}\n|===", v))(
        password(r))),
    _f("jwk in js or toml", ("js", "toml"), lambda r: (lambda v: (
        f"const KEY = {{kty: 'RSA', n: '{rnd(r, ALNUM, 40)}', e: 'AQAB', d: '{v}'}};"
        if r.random() < .5 else f'[jwk]\nkty = "RSA"\ne = "AQAB"\nd = "{v}"', v))(
        rnd(r, ALNUM + "-_", 43))),
    # forms of session 18 (helper secrets-5): a Hugging Face token of one case under its name,
    # Java's Map.of pairs; YAML block scalars in lists, folded quoted values, anchors and tags
    # before blocks and lists, flow lists, nested lists; a comment line or a /* */ before a value,
    # a "+" leading the next line; free-text forms in documents; tables headed Token, PIN, PW,
    # Russian, in <td><b>, reStructuredText's csv-table
    _f("HF_TOKEN of lower-case letters", ("py", "sh"), lambda r: (lambda v: (
        f'HF_TOKEN = "{v}"', v))("hf_" + rnd(r, LOW, 34))),
    _f("java Map.of pair", ("java",), lambda r: (lambda v: (
        f'    Map<String, String> m = Map.of("user", "ci", "password", "{v}");', v))(
        rnd(r, ALNUM, 14))),
    _f("a name in pieces", ("java", "kt"), lambda r: (lambda v: (
        f'    System.setProperty("pass" + "word", "{v}");', v))(rnd(r, ALNUM, 14))),
    _f("yaml block scalar as a list item", ("yaml", "yml"), lambda r: (lambda v: (
        f"passwords:\n  - |\n    {v}", v))(rnd(r, ALNUM, 14))),
    _f("yaml quoted value folded", ("yaml", "yml"), lambda r: (lambda v: (
        f'db:\n  password: "{v[:7]}\n    {v[7:]}"', v[7:]))(rnd(r, ALNUM, 14))),
    _f("yaml anchor or tag before a block", ("yaml", "yml"), lambda r: (lambda v: (
        f"{r.choice(['password: &p |', 'token: !secret |', 'password: !!str |'])}\n  {v}", v))(
        rnd(r, ALNUM, 16))),
    _f("yaml flow list of tokens", ("yaml", "yml"), lambda r: (lambda v: (
        f"tokens: [{rnd(r, ALNUM, 18)}, {v}]", v))(rnd(r, ALNUM, 18))),
    _f("yaml nested or anchored list", ("yaml", "yml"), lambda r: (lambda v: (
        f"passwords: &pw\n  - {v}" if r.random() < .5 else f"passwords:\n  - - {v}", v))(
        rnd(r, ALNUM, 14))),
    _f("yaml bare tokens: list", ("yaml", "yml"), lambda r: (lambda v: (
        f"tokens:\n  - {v}", v))(rnd(r, ALNUM, 20))),
    _f("comment line before a value", ("py", "js"), lambda r: (lambda v: (
        f'PASSWORD = \\\n    # prod\n    "{v}"' if r.random() < .5 else
        f'password =\n  // prod\n  "{v}";', v))(rnd(r, ALNUM, 14))),
    _f("/* */ before a value", ("js", "java"), lambda r: (lambda v: (
        f'    const password = /* prod */ "{v}";', v))(rnd(r, ALNUM, 14))),
    _f("+ leading the next line", ("java", "js"), lambda r: (lambda v: (
        f'    String password = "{rnd(r, ALNUM, 6)}"\n        + "{v}";', v))(rnd(r, ALNUM, 8))),
    _f("free-text forms in documents", ("md", "rst", "txt"), lambda r: (lambda v: (
        r.choice([f"Use api key {v} for staging.", f"token => {v}"]), v))(rnd(r, ALNUM, 20))),
    _f("user:p@ss@host in documents", ("md", "rst", "txt"), lambda r: (lambda v: (
        f"psql ops:{v}@db.example.com", v))(rnd(r, ALNUM, 6) + "@" + rnd(r, ALNUM, 5))),
    _f("table headed Token, PIN, PW or Russian", ("md",), lambda r: (lambda h, v: (
        f"| user | {h} |\n|---|---|\n| ci | {v} |", v))(
        *r.choice([("Token", rnd(r, ALNUM, 20)), ("PIN", rnd(r, DIG, 6)),
                   ("PW", password(r)), ("\u041f\u0430\u0440\u043e\u043b\u044c", password(r))]))),
    _f("html table headed in <td><b>", ("html", "md"), lambda r: (lambda v: (
        "<table>\n<tr><td><b>user</b></td><td><b>password</b></td></tr>\n"
        f"<tr><td>ci</td><td>{v}</td></tr>\n</table>", v))(password(r))),
    _f("rst csv-table", ("rst",), lambda r: (lambda v: (
        f'.. csv-table:: Accounts\n   :header: "user", "password"\n\n   "ci", "{v}"\n', v))(
        password(r))),
]
PER_FORM = 6


# -- the real files -----------------------------------------------------------------------------

def real_files(repos: Path, only: set[str]) -> list[Path]:
    out = []
    for repo in sorted(p for p in repos.iterdir() if (p / ".git").exists()
                       and (not only or p.name in only)):
        names = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True,
                               text=True, check=True).stdout.split("\0")
        for n in names:
            p = repo / n
            if n and p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_BYTES:
                try:
                    p.read_bytes().decode("utf-8")
                except (UnicodeDecodeError, OSError):
                    continue
                out.append(p)
    return out


def flag(mod: ModuleType, path: Path, rel: str) -> str | None:
    return mod.secret_by_name(rel) or mod.secret_in_content(path)


def scan_real(mod: ModuleType, files: list[Path], repos: Path) -> tuple[list[tuple[str, str]],
                                                                        float]:
    t = time.perf_counter()
    flagged = []
    for p in files:
        rel = str(p.relative_to(repos))
        why = flag(mod, p, rel.split("/", 1)[1])
        if why:
            flagged.append((rel, why))
    return flagged, time.perf_counter() - t


def plant(files: list[Path], clean: set[Path], tmp: Path, seed: int
          ) -> list[tuple[str, Path, str]]:
    """(form, planted copy, secret value), PER_FORM per form."""
    r = random.Random(seed)
    by_ext: dict[str, list[Path]] = {}
    for p in files:
        if p in clean:
            by_ext.setdefault(p.suffix.lstrip("."), []).append(p)
    out = []
    for i, (name, exts, make, rename) in enumerate(FORMS):
        hosts = [h for e in exts for h in by_ext.get(e, [])]
        if not hosts:  # (no file of its kinds in the repositories chosen: the form is left out)
            print(f"no host for {name!r} ({', '.join(exts)}): left out")
            continue
        for k in range(PER_FORM):
            host = r.choice(hosts)
            text, value = make(r)
            lines = host.read_text("utf-8").splitlines(keepends=True)
            at = r.randint(0, len(lines))
            if lines and not lines[-1].endswith("\n"):  # (a last line without one: not joined)
                lines[-1] += "\n"
            lines.insert(at, text + "\n")
            folder = tmp / f"{i:02d}-{k}"
            folder.mkdir()
            dest = folder / (rename or host.name)
            dest.write_text("".join(lines), "utf-8")
            out.append((name, dest, value))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=Path, default=Path("/work/benchrepos"))
    ap.add_argument("--list", action="store_true", help="list every flagged real file")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--before", default=BEFORE, metavar="REV",
                    help=f"the detector to compare with (default {BEFORE})")
    ap.add_argument("--only", default="click,requests,gin,express,typer,axum,saleor",
                    help="comma-separated repositories under --repos ('' for all)")
    args = ap.parse_args()
    before = load_before(args.before)
    only = {x for x in args.only.split(",") if x}
    files = real_files(args.repos, only)
    print(f"real text files: {len(files):,} in {args.repos}")

    results = {}
    for label, mod in (("before", before), ("after", after)):
        flagged, secs = scan_real(mod, files, args.repos)
        results[label] = (flagged, secs)
    flagged_after = {rel for rel, _ in results["after"][0]}
    clean = {p for p in files if str(p.relative_to(args.repos)) not in flagged_after
             and not before.secret_in_content(p)}

    with tempfile.TemporaryDirectory() as d:
        planted = plant(files, clean, Path(d), args.seed)
        recall: dict[str, tuple[int, int, Counter[str], Counter[str]]] = {}
        for label, mod in (("before", before), ("after", after)):
            found, masked = 0, 0
            missed_file: Counter[str] = Counter()
            missed_value: Counter[str] = Counter()
            for form, path, value in planted:
                if mod.secret_in_content(path):
                    found += 1
                else:
                    missed_file[form] += 1
                if hasattr(mod, "redact"):
                    if value not in mod.redact(path.read_text("utf-8"), path.name):
                        masked += 1
                    else:
                        missed_value[form] += 1
            recall[label] = (found, masked, missed_file, missed_value)
        shutil.rmtree(d, ignore_errors=True)

    n = len(planted)
    print(f"planted: {n} secrets, {len(FORMS)} forms x {PER_FORM}, seed {args.seed}\n")
    print(f"{'':8} {'recall (file flagged)':>22} {'values masked':>14} "
          f"{'real files flagged':>19} {'per 1,000':>10} {'scan s':>7}")
    for label in ("before", "after"):
        found, masked, _, _ = recall[label]
        flagged, secs = results[label]
        mask = f"{masked / n:.1%}" if label == "after" else "n/a"
        print(f"{label:8} {found:>4}/{n} = {found / n:>6.1%}    {mask:>14} "
              f"{len(flagged):>19} {1000 * len(flagged) / len(files):>10.2f} {secs:>7.1f}")
    for label in ("before", "after"):
        _, _, mf, mv = recall[label]
        if mf:
            print(f"\n{label}: forms missed (files not flagged): "
                  + ", ".join(f"{k} ({v}/{PER_FORM})" for k, v in sorted(mf.items())))
        if mv:
            print(f"{label}: values not masked by redact: "
                  + ", ".join(f"{k} ({v}/{PER_FORM})" for k, v in sorted(mv.items())))
    b = dict(results["before"][0])
    a = dict(results["after"][0])
    print(f"\nflagged real files: {len(set(a) - set(b))} new after, {len(set(b) - set(a))} "
          f"no longer flagged, {len(set(a) & set(b))} both")
    if args.list:
        for rel in sorted(set(a) | set(b)):
            print(f"  {'B' if rel in b else '-'}{'A' if rel in a else '-'} {rel}: "
                  f"{a.get(rel) or b.get(rel)}")


if __name__ == "__main__":
    main()
