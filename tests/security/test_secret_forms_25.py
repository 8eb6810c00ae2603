"""Round 25 (SCAN_VERSION 60): forms round 24 left shown (an independent verifier's). The arrow
``~>`` and ``NAME from OLD to V`` after a password's name, a chain of values (``NAME: A -> V2 ->
V3``: each after the name), a Markdown table's Old / New columns in a password's row, "the DB
pass was set to V" in documents; Selenium's ``findElement(By.id("password")).sendKeys("V")``
(Java; a chained call over lines, a field's variable given the value on the next line), Detox's
``element(by.id('password')).typeText('V')``, Playwright for Python's ``get_by_label("Password")
.fill("V")``; ``exec.Command("mysql", "-uroot", "-pV")`` and a quoted ``mysql -p"V"``; a
comment's ``# pw=V``, a connect call's password on the next line (``psycopg2.connect(host,
"admin",`` then ``"V")``); a value on the next ``#`` line after a password's name in git's
text and documents. Kept: ``# prod password: rotated monthly``. And :func:`find_secrets` reads
no ``[redacted: KIND]`` mark as a value (a saved bundle in a repository showed doubled marks).

Each case calls the real :func:`redact` (or :func:`redact_git`); the last tests bundle a real git
repository with the real CLI and put forms in commit messages (a bundle's Recent decisions and a
handoff)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo, run_cli

from analyzers.secrets import find_secrets, redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Zq7!vR2pLx9w"
OLD, V2, V3 = "OldPass1", "Mb4#tYw8Kq2z", "Hn6$pQ1rXc5v"

# -- arrows, chains and tables after a password's name: a document, a text file, git's text --

_ARROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("a tilde arrow", f"DB_PASSWORD: {OLD} ~> {V}", (OLD, V)),
    ("from to", f"DB_PASSWORD from {OLD} to {V}", (OLD, V)),
    ("a chain", f"DB_PASSWORD: {OLD} -> {V2} -> {V3}", (OLD, V2, V3)),
    ("a chain of fat arrows", f"ADMIN_PASSWORD = {OLD} => {V2} => {V3}", (OLD, V2, V3)),
    ("a chain of four", f"DB_PASSWORD: {OLD} -> {V2} -> {V3} -> {V}", (OLD, V2, V3, V)),
    ("a chain of tilde arrows", f"db password: {OLD} ~> {V2} ~> {V3}", (OLD, V2, V3)),
    ("a chain of to", f"DB_PASSWORD changed from {OLD} to {V2} to {V3}", (OLD, V2, V3)),
)
for _name, _text, _values in _ARROWS:
    case(f"md {_name}", _text + "\n", "notes.md", _values, ())
    case(f"txt {_name}", _text + "\n", "ROTATION.txt", _values, ())
    case(f"git {_name}", f"ops: {_text}", "", _values, (), redact_git)

# the same in a script's, a program's or a settings file's comment
for _file, _mark in (("rotate.sh", "#"), ("db.py", "#"), ("values.yaml", "#"), ("db.go", "//")):
    for _name, _text, _values in _ARROWS[:3]:
        case(f"{_file} comment {_name}", f"{_mark} {_text}\n", _file, _values, ())
benign("a program's comments of arrows of settings",
       "# password: md5 -> sha256\n# password hashing: bcrypt -> argon2id\n"
       "# PASSWORD_MIN_LENGTH: 8 -> 12\n# read the password from stdin to avoid the history\n"
       "x = 1  # password: plain -> hashed\n", "db.py")

_TABLES: tuple[tuple[str, str], ...] = (
    ("old new", f"| Name | Old | New |\n|---|---|---|\n| DB_PASSWORD | {OLD} | {V} |\n"),
    ("before after", f"| Setting | Before | After |\n| --- | --- | --- |\n"
                     f"| `ADMIN_PASSWORD` | `{OLD}` | `{V}` |\n"),
    ("old new value", f"| Variable | Old value | New value | Owner |\n|:--|:--|:--|:--|\n"
                      f"| DB_PASSWORD | {OLD} | {V} | ops |\n| API_URL | a | b | web |\n"),
)
for _name, _text in _TABLES:
    case(f"md table {_name}", _text, "ROTATION.md", (OLD, V), ())
    case(f"git table {_name}", "rotate the db login\n\n" + _text, "", (OLD, V), (), redact_git)

benign("tables of a password's settings",
       "| Name | Old | New |\n|---|---|---|\n| PASSWORD_MIN_LENGTH | 8 | 12 |\n"
       "| Password hashing | bcrypt | argon2id |\n| PASSWORD_POLICY | weak | strong |\n"
       "| DB_PASSWORD | unset | set |\n| API_URL | Zq7-old-host9 | Zq7-new-host9 |\n",
       "CHANGES.md")
benign("a document's arrows and 'from … to' of settings",
       "password: md5 -> sha1 -> argon2id\nPASSWORD_MIN_LENGTH: 8 ~> 12\n"
       "Read the password from stdin to avoid the shell history.\n"
       "Move DB_PASSWORD from settings.py to the vault.\n", "README.md")
for _k, _subject in enumerate((
        "password: md5 -> sha1 -> argon2id", "PASSWORD_MIN_LENGTH: 8 ~> 12",
        "read the password from stdin to avoid the history",
        "move DB_PASSWORD from settings.py to vault", "the password was set to expire")):
    benign(f"git arrow look-alike {_k}", _subject, "", redact_git)

# -- prose: "the DB pass was set to V" --

for _file in ("a.md", "a.txt", "a.rst"):
    case(f"{_file} pass was set to", f"the DB pass was set to {V}\n", _file, (V,), ())
benign("prose of a password set to words",
       "The password was set to expire after 90 days.\nthe DB pass was set to the vault's\n",
       "OPS.md")

# -- browser tests: Selenium (Java, Python), Detox, Playwright for Python --

_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("java selenium", "LoginTest.java",
     f'driver.findElement(By.id("password")).sendKeys("{V}");\n'),
    ("java selenium by name", "LoginTest.java",
     f'driver.findElement(By.name("pwd")).sendKeys("{V}");\n'),
    ("java selenium chained over lines", "LoginTest.java",
     f'driver.findElement(By.id("password"))\n        .sendKeys("{V}");\n'),
    ("java selenium variable", "LoginTest.java",
     f'WebElement pw = driver.findElement(By.name("password"));\npw.sendKeys("{V}");\n'),
    ("java selenium variable, a line between", "LoginTest.java",
     f'WebElement pw = driver.findElement(By.name("password"));\npw.clear();\n'
     f'pw.sendKeys("{V}");\n'),
    ("kotlin selenium variable", "LoginTest.kt",
     f'val pw = driver.findElement(By.id("password"))\npw.sendKeys("{V}")\n'),
    ("py selenium variable", "test_login.py",
     f'pw = driver.find_element(By.NAME, "password")\npw.send_keys("{V}")\n'),
    ("js playwright variable", "login.spec.js",
     f"const pw = page.locator('#password');\nawait pw.fill('{V}');\n"),
    ("js detox typeText", "login.e2e.js",
     f"await element(by.id('password')).typeText('{V}');\n"),
    ("js detox replaceText", "login.e2e.js",
     f"await element(by.id('passwordInput')).replaceText('{V}');\n"),
    ("py playwright get_by_label", "test_login.py",
     f'page.get_by_label("Password").fill("{V}")\n'),
    ("py playwright get_by_placeholder", "test_login.py",
     f'page.get_by_placeholder("Password").fill("{V}")\n'),
    ("py playwright press_sequentially", "test_login.py",
     f'page.get_by_label("Password").press_sequentially("{V}")\n'),
)
for _name, _file, _text in _FIELDS:
    case(_name, _text, _file, (V,), ())

benign("browser tests' fields given variables",
       'driver.findElement(By.id("password")).sendKeys(password);\n'
       'WebElement pw = driver.findElement(By.name("password"));\npw.sendKeys(creds.pw());\n'
       'driver.findElement(By.id("search")).sendKeys("Zq7!vR2pLx9w");\n'
       'WebElement q = driver.findElement(By.name("q"));\nq.sendKeys("Zq7!vR2pLx9w");\n',
       "LoginTest.java")
benign("python browser tests' fields given variables",
       'page.get_by_label("Password").fill(password)\n'
       'page.get_by_label("Search").fill("Zq7!vR2pLx9w")\n'
       'pw = driver.find_element(By.NAME, "password")\npw.send_keys(os.environ["PW"])\n',
       "test_login.py")
benign("detox fields given variables",
       "await element(by.id('password')).typeText(PASSWORD);\n"
       "await element(by.id('search')).typeText('Zq7!vR2pLx9w');\n", "login.e2e.js")

# -- mysql's -p: in a program's argument list, quoted --

_MYSQL: tuple[tuple[str, str, str], ...] = (
    ("go exec.Command", "db.go", f'cmd := exec.Command("mysql", "-uroot", "-p{V}", "app")\n'),
    ("go exec.Command mysqldump", "db.go",
     f'exec.Command("mysqldump", "-u", "root", "-p{V}", "app").Run()\n'),
    ("py subprocess list", "db.py", f'subprocess.run(["mysql", "-uroot", "-p{V}", "app"])\n'),
    ("sh double quoted", "db.sh", f'mysql -uroot -p"{V}" app < dump.sql\n'),
    ("sh single quoted", "db.sh", f"mysql -uroot -p'{V}' app < dump.sql\n"),
    ("go a dollar in the value", "db.go", f'exec.Command("mysql", "-uroot", "-p{V3}")\n'),
    ("sh a dollar in the value", "db.sh", f"mysql -uroot -p'{V3}' app\n"),
    ("sh mysqldump quoted", "db.sh", f"mysqldump -u root -p'{V}' app > dump.sql\n"),
    ("py os.system quoted", "db.py", f"os.system('mysql -uroot -p\"{V}\" app')\n"),
    ("md quoted", "DB.md", f"    mysql -uroot -p'{V}' app\n"),
)
for _name, _file, _text in _MYSQL:
    case(f"mysql {_name}", _text, _file, (V3 if V3 in _text else V,), ())
case("git mysql quoted", f"db: mysql -uroot -p'{V}' app", "", (V,), (), redact_git)
case("git mysql double quoted", f'db: mysql -uroot -p"{V}" app', "", (V,), (), redact_git)
benign("mysql's -p of variables",
       'mysql -uroot -p"$MYSQL_PASSWORD" app\nmysql -u root -p app\n'
       "mysql -uroot -p\"${DB_PW}\" app\nmysql -uroot -p'' app\n", "db.sh")
benign("a program's mysql of variables",
       'exec.Command("mysql", "-uroot", "-p"+pw, "app")\n'
       'exec.Command("mysql", "-uroot", fmt.Sprintf("-p%s", pw))\n'
       'exec.Command("mysql", "-uroot", "-p", "app")\n', "db.go")

# -- comments and connect calls --

case("py comment pw=", "# pw=hunter2hunter2\nx = 1\n", "a.py", ("hunter2hunter2",), ())
case("js comment pw=", "const a = 1; // pw=hunter2hunter2\n", "a.js", ("hunter2hunter2",), ())
case("py psycopg2 over lines", f'conn = psycopg2.connect(host, "admin",\n    "{V}")\n', "db.py",
     (V,), ())
case("py psycopg2 one line", f'conn = psycopg2.connect(host, "admin", "{V}")\n', "db.py",
     (V,), ())
benign("comments and connect calls of variables",
       "# pw=None\n# pw=os.environ['PW']\n# pw=get_password()\n"
       'conn = psycopg2.connect(host, "admin",\n    password)\n'
       'conn = psycopg2.connect(host, "admin", os.environ["PW"])\n', "db.py")

# -- a value on the next "#" line after a password's name --

_NEXT = f"# DB password:\n# {V}\n"
for _file in ("notes.md", "notes.txt", "setup.sh"):
    case(f"{_file} next comment line", _NEXT, _file, (V,), ())
case("git next comment line", f"ops: rotate\n\n# DB password:\n# {V}", "", (V,), (), redact_git)
case("git next comment line alone", _NEXT.strip(), "", (V,), (), redact_git)

# -- look-alikes the verifier found masked --

_KEPT = "# prod password: rotated monthly\n"
for _file in ("a.py", "a.md", "a.sh", "a.txt", "a.yaml"):
    benign(f"{_file} rotated monthly", _KEPT, _file)
benign("git rotated monthly", _KEPT.strip(), "", redact_git)
benign("git rotated monthly in a body", "ops: rotate\n\n" + _KEPT.strip(), "", redact_git)
benign("rotation notes", "# prod password: rotated weekly by vault\n"
       "# staging password: managed automatically\n", "a.sh")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


# -- a mark is never a value: find_secrets reads none --

_MARKED: tuple[tuple[str, str], ...] = (
    ("openssl enc -aes-256-cbc -k Os7qEncPw -in a\n", "deploy.sh"),
    ("smbclient //srv/s -U admin%'Vk4Lp9qZx'\n", "deploy.sh"),
    ("# openssl enc -aes-256-cbc -pass pass:Os7qEncPw\n", "tasks.py"),
    ('password = ("Zq7!vR2p" "Lx9wQ1")\n', "a.py"),
    ('variable "db_password" {\n  default = <<EOF\nZq7!vR2pLx9w\nEOF\n}\n', "main.tf"),
    ("apiVersion: v1\nkind: Secret\ndata:\n  conn: cG9zdGdyZXM6Ly9hOmJAaC9k\n", "secret.yaml"),
    ('{"variable": {"db_password": {"default": "Zq7!vR2pLx9w"}}}\n', "main.tf.json"),
)


@pytest.mark.parametrize(("text", "filename"), _MARKED)
def test_find_secrets_reads_no_mark_as_a_value(text: str, filename: str) -> None:
    once = redact(text, filename)
    assert "[redacted: " in once, once
    assert find_secrets(once, filename) == [], once
    assert redact(once, filename) == once


def test_find_secrets_keeps_a_value_beside_a_mark() -> None:
    text = f"password = [redacted: Secret Keyword]\nDB_PASSWORD={V}\n"
    found = find_secrets(text, "deploy.sh")
    assert [(f.line, text.splitlines()[f.line - 1][f.start:f.end]) for f in found] == [(2, V)]


HOSTILE = {
    "tilde arrows": ("DB_PASSWORD:" + "a ~> " * 20_000 + "\n", redact, "a.md"),
    "chain": ("DB_PASSWORD: " + "Ab1!xy -> " * 20_000 + "\n", redact, "a.md"),
    "git chain": ("DB_PASSWORD: " + "Ab1!xy -> " * 20_000, redact_git, ""),
    "fields": ('findElement(By.id("password"))' * 20_000 + "\n", redact, "A.java"),
    "field variables": ('WebElement pw = driver.findElement(By.id("password"));\n' * 5_000,
                        redact, "A.java"),
    "mysql": ('mysql "-p' * 20_000 + "\n", redact, "a.go"),
    "comment names": ("# password:\n" * 20_000, redact, "a.md"),
    "marks": ("password = [redacted: X] " * 20_000 + "\n", redact, "a.sh"),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)


# -- a real repository: forms of the round bundled --

_FILES = {
    "LoginTest.java": "class LoginTest {\n  void login() {\n"
                      f'    driver.findElement(By.id("password")).sendKeys("{V}");\n'
                      '    WebElement pw = driver.findElement(By.name("password"));\n'
                      f'    pw.sendKeys("{V2}");\n  }}\n}}\n',
    "db.go": "package main\n\nimport \"os/exec\"\n\nfunc dump() {\n"
             f'\texec.Command("mysql", "-uroot", "-p{V3}", "app").Run()\n}}\n',
    "ROTATION.md": "# Rotation\n\nWe rotated the database login.\n\n"
                   f"| Name | Old | New |\n|---|---|---|\n| DB_PASSWORD | {OLD} | {V} |\n",
    "saved-bundle.md": "# A saved bundle\n\nThe deploy step:\n\n"
                       "    openssl enc -aes-256-cbc -k [redacted: Secret Keyword] -in a\n"
                       "    password = [redacted: Secret Keyword]\n\nThen restart.\n",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round25") / "repo", _FILES)


def test_no_value_reaches_a_json_bundle(repo: Path) -> None:
    names = ["LoginTest.java", "db.go", "ROTATION.md"]
    out, err = sc.bundle_pinned(repo, names, "json")
    sc.assert_every_file_redacted(out, err, "json", names, (V, V2, V3, OLD), len(names))


def test_a_saved_bundle_is_no_secret(repo: Path) -> None:
    """A file holding only marks is shown as it is: not listed as redacted, its marks not
    doubled (``-k [redacted: Secret Keyword]: Secret Keyword]``)."""
    out, err = sc.bundle_pinned(repo, ["saved-bundle.md"], "json")
    data = json.loads(out)
    assert "saved-bundle.md" in {i["path"] for i in data["items"]}, data["items"]
    assert "saved-bundle.md" not in {r["path"] for r in data["redacted"]}, data["redacted"]
    md = run_cli("bundle", "--task", "set up the database login", "--pin", "saved-bundle.md",
                 "--format", "markdown", cwd=repo)
    assert md.returncode == 0, md.stderr
    assert "-k [redacted: Secret Keyword] -in a" in md.stdout, md.stdout
    assert ": Secret Keyword]: " not in md.stdout and "]]" not in md.stdout, md.stdout


# -- commit messages: a bundle's Recent decisions and a handoff --

def test_commit_texts_are_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    subjects = [f"ops: DB_PASSWORD: {OLD} -> {V2} -> {V3}", f"ops: DB_PASSWORD: {OLD} ~> {V}",
                f"rotate\n\n# DB password:\n# {V}", f"db: mysql -uroot -p'{V}' app"]
    outputs = sc.commit_text_outputs(tmp_path / "r", subjects, "set the timeout to 30s")
    for out in outputs:
        for value in (OLD, V, V2, V3):
            assert value not in out, (value, out[:4000])
    assert "set the timeout to 30s" in outputs[2], outputs[2]
