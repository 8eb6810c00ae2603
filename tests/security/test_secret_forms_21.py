"""Round 21 (SCAN_VERSION 56): secret forms round 20 left shown, and a hostile helper's own.
Leaks fixed: in git's text (Recent decisions, a handoff, the hook's map) ``db pass V``,
``password: changed from OLD to V`` (the old value too), ``set STRIPE_API_KEY=OLD to V``,
``change DB_PASSWORD from OLD to V``, ``replaced DB_PASSWORD OLD with V``, ``NAME=OLD -> V``,
``changed db pw to V``, ``password for the staging db is V``, ``log in with admin / V``, ``V is
the new password``, ``use V as the password``, ``passcode V``; the same in documents (and
``password V``); in files a login call's lower-case word after a user's name (``login("admin",
"sunshine")``, kept: ``page.login("Login", "Cancel")``), a credential's constructor, the password's
place of a database's connect call, Go's DSN, libpq's conninfo, curl's ``CURLOPT_USERPWD``,
``btoa("admin:V")``, ``echo V | sudo -S``, ``passwd <<< V``, ``smbclient -U admin%V``,
``ldapsearch -w V``, ``xfreerdp /p:V``, ``mysqladmin password V``, ``net use /user:admin V``,
``openssl passwd V``, expect's ``send "V\\r"`` after a prompt, a short name's environment default,
and round 18's short names with a prefix before "pass" (``ADMINPASS``, ``SSHPASS``).

Each case calls the real :func:`redact` (or :func:`redact_git`); the last tests bundle a real git
repository holding file forms of the round with the real CLI, and commit messages through a
bundle's Recent decisions and a handoff."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo, run_cli

from analyzers.secrets import redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Zq9-hunter-77x"

_ROWS: tuple[tuple[str, str, str], ...] = (
    ("python login word", "a.py", 'client.login("admin", "sunshine")\n'),
    ("js login word", "b.js", 'await page.login("admin", "sunshine");\n'),
    ("python smtp login e-mail", "c.py", 'server.login("me@example.com", "sunshine")\n'),
    ("rust basic_auth Some", "a.rs", f'req.basic_auth("admin", Some("{V}"));\n'),
    ("java credentials constructor", "A.java",
     f'new UsernamePasswordCredentials("admin", "{V}");\n'),
    ("java authentication token word", "B.java",
     'new UsernamePasswordAuthenticationToken("admin", "sunshine");\n'),
    ("csharp NetworkCredential", "a.cs", f'var c = new NetworkCredential("admin", "{V}");\n'),
    ("java getConnection", "C.java", f'DriverManager.getConnection(url, "admin", "{V}");\n'),
    ("java getConnection word", "D.java",
     'DriverManager.getConnection(url, "admin", "sunshine");\n'),
    ("java DataSource getConnection", "E.java", f'ds.getConnection("admin", "{V}");\n'),
    ("c mysql_real_connect", "a.c",
     f'mysql_real_connect(conn, "localhost", "root", "{V}", "db", 0, NULL, 0);\n'),
    ("php PDO", "a.php", f'$db = new PDO($dsn, "app", "{V}");\n'),
    ("php mysqli_connect", "b.php", f'$c = mysqli_connect("localhost", "root", "{V}");\n'),
    ("go mysql DSN", "a.go", f'db, _ := sql.Open("mysql", "root:{V}@tcp(db:3306)/app")\n'),
    ("c libpq conninfo", "b.c", f'PQconnectdb("host=db user=app password={V}");\n'),
    ("c curl USERPWD", "c.c", f'curl_easy_setopt(c, CURLOPT_USERPWD, "admin:{V}");\n'),
    ("js btoa basic", "c.js", f"const h = 'Basic ' + btoa('admin:{V}');\n"),
    ("js short name env default", "d.js", f"const pw = process.env.DB_PW || '{V}';\n"),
    ("shell short name default", "a.sh", f'PASS="${{PASS:-{V}}}"\n'),
    ("shell sudo -S", "b.sh", f"echo '{V}' | sudo -S apt-get update\n"),
    ("shell passwd --stdin", "c.sh", f'echo "{V}" | passwd --stdin deploy\n'),
    ("shell passwd here-string", "d.sh", f"passwd deploy <<< '{V}'\n"),
    ("shell smbclient", "e.sh", f"smbclient //srv/share -U admin%{V}\n"),
    ("shell ldapsearch", "f.sh", f"ldapsearch -x -D cn=admin,dc=x -w {V} -b dc=x\n"),
    ("shell xfreerdp", "g.sh", f"xfreerdp /u:admin /p:{V} /v:host\n"),
    ("shell mysqladmin", "h.sh", f"mysqladmin -uroot password {V}\n"),
    ("shell openssl passwd", "i.sh", f"useradd -m -p $(openssl passwd -1 {V}) bob\n"),
    ("batch net use", "a.bat", f"net use Z: \\\\srv\\share /user:admin {V}\n"),
    ("expect send", "a.exp", f'expect "Password:"\nsend "{V}\\r"\n'),
    ("env ADMINPASS", ".env", f"export ADMINPASS={V}\n"),
    ("shell SSHPASS", "j.sh", f"SSHPASS={V} sshpass -e ssh deploy@host\n"),
    ("markdown db pass", "a.md", f"Use the db pass {V} for staging.\n"),
    ("markdown pass is", "b.md", f"The admin pass is {V}.\n"),
    ("markdown password changed", "CHANGELOG.md", f"Password: changed from hunter2old to {V}\n"),
    ("markdown log in with", "c.md", f"Log in with `admin` / `{V}`.\n"),
    ("markdown set name to", "d.md", f"Set `DB_PASSWORD` to `{V}`.\n"),
    ("markdown use as the password", "e.md", f"Use `{V}` as the password.\n"),
    ("markdown with password", "f.md", f"Connect with password `{V}`.\n"),
    ("text wifi password", "notes.txt", f"Office wifi password {V}\n"),
)
FORMS = {name: (file, text) for name, file, text in _ROWS}

for _name, (_file, _text) in FORMS.items():
    _secret = "sunshine" if "sunshine" in _text else V
    case(_name, _text, _file, (_secret,), ())

case("a login call keeps its user", 'client.login("admin", "sunshine")\n', "k.py",
     ("sunshine",), ('client.login("admin", "',))
case("a changed password's old value", "Password: changed from hunter2old to N3wS3cr3t!x\n",
     "g.md", ("hunter2old", "N3wS3cr3t!x"), ("Password: changed from",))

# git's text (a commit's subject or body)
GIT_FORMS = (
    "deploy: db pass Xk3#pq9vLm2z for staging",
    "password: changed from hunter2old to N3wS3cr3t!x",
    "set STRIPE_API_KEY=sk_test_placeholder to rk_live_51HabcDEFghiJKLmno",
    f"fix: admin pass is {V}", f"chore: passwd for deploy user {V}",
    f"changed db pw to {V}", f"replaced DB_PASSWORD hunter2 with {V}",
    f"log in with admin / {V}", f"STRIPE_SECRET_KEY=sk_old -> {V}",
    f"change DB_PASSWORD from hunter2old to {V}", f"pw for staging is {V}",
    f"password for the staging db is {V}", f"{V} is the new password",
    f"ssh pass for box is {V}", f"use {V} as the password", f"door passcode {V}",
)
_GIT_VALUES = {0: ("Xk3#pq9vLm2z",), 1: ("hunter2old", "N3wS3cr3t!x"),
               2: ("rk_live_51HabcDEFghiJKLmno",), 9: ("hunter2old", V)}
for _k, _subject in enumerate(GIT_FORMS):
    case(f"git text {_k}", _subject, "", _GIT_VALUES.get(_k, (V,)), (), redact_git)

benign("a login page's labels", 'page.login("Login", "Cancel")\n', "a.py")
benign("a login with the word password", 'client.login("admin", "password")\n', "a.py")
benign("a login of a test user", 'client.login("test", "test")\n', "a.py")
benign("a login with a variable", 'client.login(username, "submit")\n', "a.py")
benign("a login's form word", 'client.login("admin", "cancel")\n', "a.py")
benign("connect calls of variables",
       'DriverManager.getConnection(url, user, password);\n'
       'DriverManager.getConnection(url, props);\n'
       'DriverManager.getConnection(url, "sa", "");\n', "A.java")
benign("PHP's connect of variables",
       '<?php\n$db = new PDO($dsn, getenv("DB_USER"), getenv("DB_PASS"));\n'
       '$c = mysqli_connect("localhost", $user, $pass);\n', "a.php")
benign("shell look-alikes",
       'echo "$SUDO_PASSWORD" | sudo -S true\n'
       'echo "deb http://x stable main" | sudo tee /etc/apt/sources.list\n'
       'date -u +%Y-%m-%d\nps -U root -o %cpu\nPASS="${PASS:-}"\nPORT="${PORT:-8080}"\n'
       'PASS="${PASS:-changeme}"\nlocal pwdir=${PASSWORD_STORE_DIR-~/.password-store}\n', "a.sh")
benign("an environment default of a word", "const mode = process.env.MODE || 'production';\n"
       "const pw = process.env.DB_PW || '';\n", "a.js")
benign("a format string for smbclient", 'cmd = "smbclient -U %s%%%s" % (user, pw)\n', "a.py")
benign("an expect send with no prompt", 'expect "login:"\nsend "admin\\r"\n', "b.exp")
benign("round 21's look-alikes in a document",
       "The checks pass for Python3.12 and PyPy3.9.\nThe db pass-through mode uses conn_pool2.\n"
       "Set `DB_PASSWORD` to your own value.\nLog in with GitHub / GitLab.\n"
       "The password hashing changed from bcrypt to argon2id.\n"
       "- Fix a source that required an empty password ([#9850](https://x.org/pull/9850)).\n",
       "README.md")
benign("a short name's path", 'sshpass = "/usr/bin/sshpass"\nbypass = "Zq9-hunter-77x"\n',
       "a.py")
for _k, _subject in enumerate((
        "make the test pass for macos-14 and python3.12",
        "admin pass-through for the proxy3 config",
        "server pass ctx2.Request to handler", "password for user2 in test_auth3",
        "pw for windows and macos-14", "set API_KEY to the value from .env2",
        "change TOKEN_TTL from 30m to 1h", "replace SECRET_KEY usage with get_secret_key()",
        "set DB_PASSWORD to ${DB_PASSWORD}", "SECRET_KEY=... -> settings.SECRET_KEY",
        "password: changed from bcrypt to argon2id", "log in with GitHub / GitLab",
        "sign in as admin / superuser", "PASSWORD_MIN_LENGTH is the password policy",
        "password hashing: changed from v1.2.3 to v2.0.0", "Merge branch 'fix/db-pass-4' into main",
        "Pass ctx.obj2 to subcommands", "use argon2id as the password hash")):
    benign(f"git look-alike {_k}", _subject, "", redact_git)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "git set": ("set DB_PASSWORD " + "x " * 20_000 + "to", redact_git, ""),
    "git for": ("password for " + "a " * 20_000, redact_git, ""),
    "git is the": ("x" * 40_000 + " is the password", redact_git, ""),
    "document lines": ("db pass word\n" * 20_000, redact, "a.md"),
    "connect arguments": ("getConnection(" + "a," * 20_000 + "\n", redact, "A.java"),
    "smb percents": ("-U a" + "%" * 40_000 + "\n", redact, "a.sh"),
    "echo pipes": ("echo a | " * 20_000 + "sudo -S\n", redact, "a.sh"),
    "send lines": ('expect "Password:"\n' + 'send "a\\r"\n' * 20_000, redact, "a.exp"),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)

# -- a real repository: file forms of the round bundled --

_AROUND = {**sc.AROUND, ".java": "class A {\n    void f() {}\n}\n", ".cs": "class A {}\n",
           ".bat": "@echo off\nset HOST=srv\n", ".exp": "#!/usr/bin/expect\nspawn ssh host\n",
           ".env": "HOST=localhost\nPORT=8080\n"}
_KEPT = ('page.login("Login", "Cancel")', 'client.login("admin", "password")')
_BUNDLED = ("a.py", "b.js", "a.rs", "C.java", "a.c", "a.php", "a.go", "d.js", "b.sh", "e.sh",
            "a.exp", "a.md", "c.md")


def _repo_files() -> dict[str, str]:
    forms = {k: v for k, v in FORMS.items() if v[0] in _BUNDLED}
    return sc.repo_files(forms, _AROUND, _KEPT)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round21") / "repo", _repo_files())


def test_no_value_reaches_a_markdown_bundle(repo: Path) -> None:
    names = [f for f in _repo_files() if f != "ui.py"]
    out, err = sc.bundle_pinned(repo, names, "markdown")
    sc.assert_every_file_redacted(out, err, "markdown", names, (V, "sunshine"), len(names))


def test_a_seeded_bundle_shows_no_value_and_keeps_the_look_alikes(repo: Path) -> None:
    sc.assert_bundles_hide(repo, ("a.py", "C.java", "b.sh", "a.md"), (V, "sunshine"))
    proc = run_cli("bundle", "--seed", "ui.py", "--format", "markdown", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    for kept in _KEPT:
        assert kept in proc.stdout, kept


# -- commit messages: a bundle's Recent decisions and a handoff --

def test_commit_texts_are_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    outputs = sc.commit_text_outputs(tmp_path / "r", GIT_FORMS[:4], "set the timeout to 30s")
    for out in outputs:
        for value in ("Xk3#pq9vLm2z", "N3wS3cr3t!x", "hunter2old", "rk_live_51HabcDEFghiJKLmno",
                      V):
            assert value not in out, (value, out[:4000])
    assert "deploy: db pass [redacted:" in outputs[0] + outputs[2], outputs[0]
    assert "set the timeout to 30s" in outputs[2], outputs[2]
