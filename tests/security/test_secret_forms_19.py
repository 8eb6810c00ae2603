"""Round 19 (SCAN_VERSION 54): secret forms an independent verifier found shown in bundles.
Leaks fixed: short password names in more shapes (``adminPass``, ``adminPW``, ``DB_PASS``,
``pass_``) and literals (``f"V"``, ``r"V"``, Python's triple quotes, ``L"V"``, ``r#"V"#``,
``String::from("V")``, C++'s ``pass{"V"}``); a literal alone on the line after ``name =``
(``pw = (``, Go's ``var dbPassword string =``, C's ``char password[] =``); several names at once
(``var user, pass = "admin", "V"``); a setter's literal (``db.SetPassword(`V`)``); a login call's
leading argument and lines (``authenticate(request, "admin", "V")``); C's copy over lines,
``snprintf(pass, …, "%s", "V")``, ``#define PW "V"``; SQL's ``REPLACE``, ``INSERT … SELECT``,
``E'V'``, ``executemany``'s rows; JSX's ``defaultValue``; Perl's ``q{V}`` and ``$ENV{DBPW}``;
short names' unquoted values in shell and settings files (``DBPW=V cmd``, ``env``, ``declare
-x``, fish's ``set -x``, Dockerfile's ``ENV``, Makefile's ``:=``, Compose's ``- DBPW=V``,
``db.pw=V``, Kubernetes' ``- name: DBPW`` / ``value: V``); in git's text ``set DB_PASSWORD to
V``, ``creds admin/V``, ``admin:V@db``. Kept (over-masked before): ``page.login("Login",
"Cancel")``, ``{"pass": "Passed!"}``, "the test will pass: `pytest -k pass2`".

Each case calls the real :func:`redact` (or :func:`redact_git`); the last tests bundle a real git
repository holding every form of the round with the real CLI (pinned in each output format, and
seeded), and commit messages through a bundle's Recent decisions and a handoff."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo, run_cli

from analyzers.secrets import redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Tr0ub4dor&3xq"
S = "hunter2-prod-88"  # (a shell's unquoted value: no "&")

# Each form of the round: (its name, file name, its text); the value V or S
_ROWS: tuple[tuple[str, str, str], ...] = (
    # Python
    ("python f-string", "a.py", f'pw = f"{V}"\n'),
    ("python raw string", "b.py", f'pw = r"{V}"\n'),
    ("python bytes", "c.py", f'pw = b"{V}"\n'),
    ("python triple quotes", "d.py", f'pw = """{V}"""\n'),
    ("python value on the next line", "e.py", f'pw = (\n    "{V}"\n)\n'),
    ("python dict pass_", "f.py", f'creds = dict(user="admin", pass_="{V}")\n'),
    ("python authenticate with a request", "g.py",
     f'user = authenticate(request, "admin", "{V}")\n'),
    ("python login over lines", "h.py", f'client.login(\n    "admin",\n    "{V}")\n'),
    ("python login continued", "i.py", f'client.login("admin",\n             "{V}")\n'),
    ("python several names", "j.py", f'user, pw = "admin", "{V}"\n'),
    ("python executemany", "k.py", 'cur.executemany("INSERT INTO users (name, password) '
     f'VALUES (?, ?)", [("admin", "{V}"), ("ops", "{S}")])\n'),
    ("python update with parameters", "l.py", 'cur.execute("UPDATE users SET password = %s '
     f'WHERE id = %s", ("{V}", 1))\n'),
    ("python update with named parameters", "m.py", 'cur.execute("UPDATE users SET password = '
     f':p WHERE name = :n", {{"p": "{V}", "n": "admin"}})\n'),

    # Go
    ("go var value on the next line", "a.go", f'var dbPassword string =\n\t"{V}"\n'),
    ("go several names", "b.go", f'var user, pass = "admin", "{V}"\n'),
    ("go adminPass", "c.go", f'var adminPass string = "{V}"\n'),
    ("go adminPW", "d.go", f'var adminPW string = "{V}"\n'),
    ("go setenv backticks", "e.go", f"os.Setenv(`DB_PASSWORD`, `{V}`)\n"),
    ("go setter", "f.go", f"db.SetPassword(`{V}`)\n"),
    ("go const block with a type", "g.go", f'const (\n\tadminPass string = "{V}"\n)\n'),

    # C and C++
    ("c array on the next line", "a.c", f'char password[] =\n    "{V}";\n'),
    ("c spaced array", "b.c", f'char pass [] = "{V}";\n'),
    ("c strlcpy over lines", "c.c", f'strlcpy(pass,\n    "{V}", sizeof pass);\n'),
    ("c wide literal", "d.c", f'const wchar_t *password = L"{V}";\n'),
    ("c snprintf", "e.c", f'snprintf(pass, sizeof pass, "%s", "{V}");\n'),
    ("c define", "f.c", f'#define PW "{V}"\n'),
    ("cpp brace", "g.cpp", f'std::string pass{{"{V}"}};\n'),

    # Rust
    ("rust String::from mut", "a.rs", f'let mut pw = String::from("{V}");\n'),
    ("rust raw string", "b.rs", f'let pw = r#"{V}"#;\n'),

    # SQL
    ("sql replace", "a.sql", f"REPLACE INTO users (name, password) VALUES ('a','{V}');\n"),
    ("sql insert select", "b.sql", f"INSERT INTO users (name, password) SELECT 'a','{V}';\n"),
    ("sql escape string", "c.sql", f"INSERT INTO users (name, password) VALUES ('a', E'{V}');\n"),
    ("sql update escape string", "d.sql", f"UPDATE users SET password = E'{V}' WHERE id = 1;\n"),

    # JSX and Perl
    ("jsx defaultValue", "a.jsx", f'<input type="password" defaultValue="{V}"/>\n'),
    ("jsx defaultValue in braces", "b.jsx",
     f'<input type="password" defaultValue={{"{V}"}} />\n'),
    ("perl scalar q braces", "c.pl", f"my $pw = q{{{V}}};\n"),
    ("perl q braces", "a.pl", f"$ENV{{DB_PASSWORD}} = q{{{V}}};\n"),
    ("perl short name", "b.pl", f'$ENV{{DBPW}} = "{V}";\n'),

    # shell and settings
    ("shell before a command", "a.sh", f"DBPW={S} ./migrate\n"),
    ("shell env", "b.sh", f"env DBPW={S} ./migrate\n"),
    ("shell declare -x", "c.sh", f"declare -x DBPW={S}\n"),
    ("fish set -x", "config.fish", f"set -x DBPW {V}\n"),
    ("dockerfile ENV =", "Dockerfile", f"ENV DBPW={V}\n"),
    ("dockerfile ENV blank", "api.Dockerfile", f"ENV DBPW {V}\n"),
    ("makefile :=", "Makefile", f"DBPW := {V}\n"),
    ("compose list", "docker-compose.yml", f"    environment:\n      - DBPW={V}\n"),
    ("properties db.pw", "app.properties", f"db.pw={V}\n"),
    ("kubernetes env short name", "deploy.yaml", f"env:\n  - name: DBPW\n    value: {V}\n"),
    ("yaml short name folded", "a.yaml", f"db:\n  pw: >-\n    {V}\n"),
    ("yaml short name on the next line", "b.yaml", f"db:\n  dbpw:\n    {V}\n"),
    ("yaml anchored value on the next line", "c.yaml", f"db:\n  password:\n    &pw {V}\n"),
)
FORMS = {name: (file, text) for name, file, text in _ROWS}

for _name, (_file, _text) in FORMS.items():
    case(_name, _text, _file, tuple(v for v in (V, S) if v in _text), ())

# the text around a value kept
case("several names keep the user", f'var user, pass = "admin", "{V}"\n', "a.go", (V,),
     ('"admin"',))
case("authenticate keeps its user", f'authenticate(request, "admin", "{V}")\n', "a.py", (V,),
     ('"admin"', "request"))
case("select keeps the name", f"INSERT INTO users (name, password) SELECT 'ops','{V}';\n",
     "a.sql", (V,), ("'ops'",))

# git's text (a commit's subject or body)
GIT_FORMS = (f"DB_PASSWORD changed to {V}", f"rotated DB_PASSWORD to {V}",
             f"rotate DB_PASSWORD to {V}", f"set DB_PASSWORD to {V}", f"creds admin/{V}",
             f"connect as admin:{V}@db", f"password for admin changed to {V}",
             f"DB_PASSWORD now {V}", f"login with admin/{V}")
for _k, _subject in enumerate(GIT_FORMS):
    case(f"git text {_k}", _subject, "", (V,), (), redact_git)

# the verifier's over-masked look-alikes, and this round's own
benign("a login page's labels", 'page.login("Login", "Cancel")\n', "a.py")
benign("a pass outcome", 'd = {"pass": "Passed!", "fail": "Failed!"}\n', "a.py")
benign("a test command after pass", "the test will pass: `pytest -k pass2`\n", "notes.md")
benign("a test command after pass in git", "the test will pass: `pytest -k pass2`", "",
       redact_git)
benign("round 19's look-alikes in Python",
       'user, pw = get_creds()\na, b = "x", "y2"\nfirst, second = "alpha", "beta2"\n'
       'name, passwd = "admin", ""\nx = (\n    "hello2"\n)\ndict(pass_=True)\n'
       'pw = f"{base}{suffix}1"\nlogin(request, user)\nclient.login(\n    "admin",\n'
       "    password)\n", "a.py")
benign("round 19's look-alikes in C and Go",
       '#define PASS "PASS"\n#define PW_LEN "16"\nstrlcpy(pass,\n    argv[1], sizeof pass);\n'
       'snprintf(pass, sizeof pass, "%s", argv[1]);\nconst wchar_t *prompt = L"Password:";\n'
       'std::string password{""};\nvar user, pass string\n'
       'var adminPass string = os.Getenv("X")\ndb.SetPassword(pw)\n', "a.c")
benign("round 19's look-alikes in shell", "PASS=$1\nPASS=passed\nBYPASS=1 make\n"
       "PASSES=3 ./run\nenv PATH=/usr/bin cmd\n", "a.sh")
benign("round 19's look-alikes in a Dockerfile",
       "FROM alpine\nENV PATH=/usr/local/bin:$PATH\nENV PYTHONUNBUFFERED 1\n"
       "ARG PASS_THROUGH=true\n", "Dockerfile")
benign("round 19's look-alikes in a Makefile", "PASSES := 3\nBYPASS := on\nPW_LEN ?= 16\n",
       "Makefile")
benign("round 19's look-alikes in YAML",
       "steps:\n  - pass:\n      run: make\npw:\n  - a\nbypass:\n  Xy9zz88aa\n", "a.yaml")
benign("a workflow's secrets named, keys over lines (saleor's publish-containers.yml)",
       "on:\n  workflow_call:\n    secrets:\n      SLACK_WEBHOOK_URL:\n"
       "      SLACK_MENTION_GROUP_ID:\n    outputs:\n      version:\n", "a.yml")
benign("an UPDATE's parameters as variables",
       'cur.execute("UPDATE users SET password = %s WHERE id = %s", (hashed, 1))\n'
       'cur.execute("UPDATE users SET name = %s WHERE id = %s", ("Xy9zz88aa", 1))\n', "a.py")
benign("round 19's look-alikes in SQL",
       "INSERT INTO users (name, password) SELECT name, password FROM old_users;\n"
       "REPLACE INTO t (name, pass) VALUES ('nightly', 'finished');\n", "a.sql")
for _k, _subject in enumerate(("set token to expire after 2h", "rotate API keys to use ed25519",
                               "changed password to be required", "set DEBUG_PASSWORD to False",
                               "update SECRET_KEY to 50 chars", "login page/view2",
                               "set PASSWORD_HASHERS to Argon2PasswordHasher",
                               "change password to use bcrypt2", "see git:fix-bug@HEAD")):
    benign(f"git look-alike {_k}", _subject, "", redact_git)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "several names": ("a, " * 20_000 + "= " + '"x", ' * 20_000 + "\n", redact, "a.py"),
    "opened lines": ("pw =\n" * 20_000, redact, "a.py"),
    "setters": ("setPassword(" * 20_000 + "\n", redact, "a.go"),
    "unquoted": ("DBPW=" * 20_000 + "\n", redact, "a.sh"),
    "git to": ("set password to " * 20_000, redact_git, ""),
    "updates": ('x("UPDATE t SET ' + "password = %s, " * 20_000 + '", (' + '"a", ' * 20_000 + "\n",
                redact, "a.py"),
    "yaml keys": ("pw:\n " * 20_000 + "\n", redact, "a.yaml"),
    # (each UPDATE's placeholders had read their statement from its start: 340 s, now 0.2 s)
    "update statements": ("UPDATE t SET pw = ? " * 20_000 + "\n", redact, "a.py"),
    "brace literals": ('pw{"' * 20_000 + "\n", redact, "a.cpp"),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)

# -- a real repository: every form of the round bundled, in each format --

_AROUND = {**sc.AROUND, ".cpp": sc.AROUND[".c"], ".jsx": sc.AROUND[".js"],
           ".fish": "set -x EDITOR vim\nset -x LANG C.UTF-8\necho ready\n",
           ".yml": "# services\nservices:\n  db:\n    image: postgres\n",
           ".properties": "app.name=demo\napp.port=8080\napp.workers=4\n"}
_KEPT = ('page.login("Login", "Cancel")', '{"pass": "Passed!"}')


def _repo_files() -> dict[str, str]:
    return sc.repo_files(FORMS, _AROUND, _KEPT)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round19") / "repo", _repo_files())


@pytest.mark.parametrize("fmt", ["json", "markdown", "xml"])
def test_no_value_reaches_a_bundle_and_every_file_goes_in(repo: Path, fmt: str) -> None:
    names = [f for f in _repo_files() if f != "ui.py"]
    out, err = sc.bundle_pinned(repo, names, fmt)
    sc.assert_every_file_redacted(out, err, fmt, names, (V, S), len(FORMS))
    if fmt != "json":
        assert "CREATE TABLE t (id int);" in out and "set -x EDITOR vim" in out


def test_a_seeded_bundle_shows_no_value_and_keeps_the_look_alikes(repo: Path) -> None:
    sc.assert_bundles_hide(repo, ("a.py", "a.go", "a.c", "a.sh", "Makefile"), (V, S))
    proc = run_cli("bundle", "--seed", "ui.py", "--format", "markdown", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    for kept in _KEPT:
        assert kept in proc.stdout, kept


# -- commit messages: a bundle's Recent decisions and a handoff --

def test_commit_texts_are_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    outputs = sc.commit_text_outputs(tmp_path / "r", GIT_FORMS,
                                     "the test will pass: `pytest -k pass2`")
    for out in outputs:
        assert V not in out, out[:4000]
    assert "set DB_PASSWORD to [redacted:" in outputs[0], outputs[0]
    assert "`pytest -k pass2`" in outputs[0], outputs[0]
