"""Round 18 (SCAN_VERSION 53): secret forms an independent verifier
found shown in bundles. Leaks fixed: Go's ``var adminPassword string = "V"`` (a type between
the name and ``=``) and a ``var (…)`` block's line, a backtick raw string as a pair's value
(``os.Setenv("DB_PASSWORD", `V`)``); short password names with no separator (``pw``, ``dbpw``,
``adminpw``, ``rootpw``) and ``pass`` before a literal of a value's shape (``pw = "V"``, Rust's
``let pw = "V".to_string()``, C's ``const char *pw = "V"``, ``{"pass": "V"}``,
``strlcpy(pass, "V", sizeof pass)``); a login call's second literal (``client.login("admin",
"V")``, ``.authenticate(…)``); SQL's ``INSERT INTO users (name, password) VALUES ('admin',
'V')``; HTML's ``<input type="password" value="V">`` in either attribute order; Perl's
``$ENV{DB_PASSWORD} = "V"``. Each case calls the real :func:`redact`; the last tests bundle a
real git repository holding every form of the round (those masked before too) in each output
format."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo

from analyzers.secrets import redact

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Zq9A01vT3xW7pK"

# Each form of the round: (its name, file name, its text), the value V
_ROWS: tuple[tuple[str, str, str], ...] = (
    ("go var with a type", "a.go", f'var adminPassword string = "{V}"\n'),
    ("go var block with a type", "b.go", f'var (\n\tadminPassword string = "{V}"\n)\n'),
    ("go const with a type", "c.go", f'const rootPassword string = "{V}"\n'),
    ("go setenv raw string", "d.go", f'os.Setenv("DB_PASSWORD", `{V}`)\n'),

    # Python
    ("python pw", "a.py", f'pw = "{V}"\n'),
    ("python dbpw", "b.py", f'dbpw = "{V}"\n'),
    ("python adminpw", "c.py", f'adminpw = "{V}"\n'),
    ("python rootpw", "d.py", f'ROOTPW = "{V}"\n'),
    ("python login call", "e.py", f'client.login("admin", "{V}")\n'),
    ("python authenticate call", "f.py", f'session.authenticate("admin", "{V}")\n'),
    ("python login with a variable user", "g.py", f'smtp.login(user, "{V}")\n'),
    ("python dict pass", "h.py", f'creds = {{"user": "admin", "pass": "{V}"}}\n'),
    ("python dict pw", "i.py", f'creds = {{"user": "admin", "pw": "{V}"}}\n'),

    # Rust
    ("rust to_string", "a.rs", f'let pw = "{V}".to_string();\n'),
    ("rust into", "b.rs", f'let pw: String = "{V}".into();\n'),
    ("rust to_owned", "c.rs", f'let pw = "{V}".to_owned();\n'),

    # SQL
    ("sql insert", "a.sql", f"INSERT INTO users (name, password) VALUES ('admin','{V}');\n"),
    ("sql insert rows over lines", "b.sql", "INSERT INTO accounts (id, login, passwd)\nVALUES\n"
     f"  (1, 'ops', 'Xw3kPz8qLm2v'),\n  (2, 'app', '{V}');\n"),

    # HTML
    ("html password input", "a.html", f'<input type="password" value="{V}">\n'),
    ("html password input value first", "b.html",
     f'<input name="pw" value="{V}" type="password" />\n'),

    # Perl
    ("perl env", "a.pl", f'$ENV{{DB_PASSWORD}} = "{V}";\n'),
    ("perl hash ref", "b.pl", f"$cfg->{{password}} = '{V}';\n"),

    # C
    ("c strlcpy pass", "a.c", f'strlcpy(pass, "{V}", sizeof pass);\n'),
    ("c const char pw", "b.c", f'const char *pw = "{V}";\n'),
    ("c char array pass", "c.c", f'char pass[] = "{V}";\n'),
    ("html unquoted value", "c.html", f"<input type=password value={V}>\n"),

    # shell and settings
    ("shell export dbpw", "a.sh", f"export DBPW={V}\n"),
    ("settings rootpw", "settings.txt", f"ROOTPW={V}\n"),
    ("python execute parameters", "l.py", 'cur.execute("INSERT INTO users (name, password) VALUES '
     f'(%s, %s)", ("admin", "{V}"))\n'),
    # masked before this round too
    ("go var", "e.go", f'var adminPassword = "{V}"\n'),
    ("go setenv quoted", "f.go", f'os.Setenv("DB_PASSWORD", "{V}")\n'),
    ("python connect keyword", "j.py", f'connect(user="u", password="{V}")\n'),
    ("python dict pwd", "k.py", f'creds = {{"user": "admin", "pwd": "{V}"}}\n'),
    ("php env", "a.php", f"$_ENV['DB_PASSWORD'] = '{V}';\n"),
    ("ruby env", "a.rb", f'ENV["DB_PASSWORD"] = "{V}"\n'),
)
FORMS = {name: (file, text) for name, file, text in _ROWS}
# the forms masked before this round too: bundled below, not in the table of fixed leaks
SHOWN_BEFORE = {"go var", "go setenv quoted", "python connect keyword", "python dict pwd",
                "php env", "ruby env"}

for _name, (_file, _text) in FORMS.items():
    if _name not in SHOWN_BEFORE:
        case(_name, _text, _file, (V,), ())

# the text around a value kept: the other literals of its line
case("login keeps its user", f'client.login("admin", "{V}")\n', "a.py", (V,), ('"admin"',))
case("insert keeps the other columns' values",
     f"INSERT INTO users (name, email, password, role) VALUES ('admin', 'a@x.io', '{V}', "
     "'owner');\n", "a.sql", (V,), ("'admin'", "'a@x.io'", "'owner'"))
case("insert in a Python string", f'cur.execute("INSERT INTO users (name, pwd) VALUES '
     f"('admin', '{V}')\")\n", "db.py", (V,), ("'admin'",))
case("short name with a symbol", 'rootpw = "P@ssw0rd!"\n', "a.py", ("P@ssw0rd!",), ())
case("input keeps its name", f'<input type="password" name="db_pw" value="{V}">\n', "a.html",
     (V,), ('name="db_pw"',))

benign("round 18's look-alikes in Python",
       'pw = getpass()\npw = os.environ["PW"]\nlogin(user, password)\n'
       "client.login(username, password)\n"
       'd = {"pass": True}\nd = {"pass": "<password>"}\npw = "rb"\npw = ""\n'
       'pw = "password"\npw = "changeme"\npw = "your_password"\npw = "page_width"\n'
       'self.client.login("admin", "password")\nlogin("admin", "")\n'
       "if x:\n    pass\nfor pw in pws:\n    pass\n"
       'print("Zq9A01vT3xW7pK")\n'
       'outcome = {"pass": "success", "fail": "failure"}\ncolors = {"pass": "green"}\n'
       'INSERT_SQL = "INSERT INTO runs (name, pass) VALUES (\'nightly\', \'finished\')"\n', "a.py")
benign("pass as a verb before a reStructuredText role (h11's docstring)",
       '"""our_role: If you\'re implementing a client, pass :data:`h11.CLIENT`. If\n'
       'you\'re implementing a server, pass :data:`h11.SERVER`."""\n', "a.py")
benign("round 18's look-alikes in SQL",
       "INSERT INTO users (name, password) VALUES (?, ?);\n"
       "INSERT INTO users (name, password) VALUES ($1, $2);\n"
       "INSERT INTO users (name, password) VALUES (:name, :password);\n"
       f"INSERT INTO users (name, email) VALUES ('admin', '{V}');\n"
       "INSERT INTO users (name, password_policy) VALUES ('a', 'Strict12Rules');\n", "a.sql")
benign("round 18's look-alikes in HTML",
       '<input type="password" value="">\n<input type="password" value="{{ password }}">\n'
       '<input type="password" value="{{password}}">\n'
       f'<input type="text" value="{V}">\n<input type="password" :value="pw">\n'
       '<input type="password" value="${pw}">\n', "a.html")
benign("round 18's look-alikes in Go, Perl, C and Rust",
       f'var name string = "{V}"\nos.Setenv("HOME", `{V}`)\n'
       f'$ENV{{HOME}} = "{V}";\n$ENV{{DB_PASSWORD}} = $ENV{{OTHER}};\n'
       'strlcpy(pass, argv[1], sizeof pass);\nconst char *pw = getenv("PW");\n'
       'let pw = String::new();\nlet pw = args[1].to_string();\n', "a.go")
benign("round 18's look-alikes in shell",
       "PASS=$1\nexport PW=changeme\nPW=${PW:-x}\nPASS=passed\nPASS=0\n"
       f"bypass={V}\n", "a.sh")
benign("an unquoted short name in code", "pw=args.pw1\n", "a.py")
benign("an INSERT's parameters as variables",
       'cur.execute("INSERT INTO users (name, password) VALUES (?, ?)", (name, pw))\n'
       'SQL = "INSERT INTO users (name, password) VALUES (%s, %s)"\n', "a.py")
benign("a block line without var outside Go", f'\tadminPassword string = "{V}"\n', "notes.txt")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "inserts": ("INSERT INTO t (" + "password, " * 500 + "x) VALUES " + "('a', " * 20_000 + "\n",
                redact, "a.sql"),
    "insert rows": ("INSERT INTO t (password) VALUES " + "('Zq9A01vT3xW7pK'), " * 20_000 + "\n",
                    redact, "a.sql"),
    "inputs": ('<input type="password" ' + 'value="x" ' * 20_000 + "\n", redact, "a.html"),
    "logins": ("login(" * 20_000 + "\n", redact, "a.py"),
    "pw names": ('pw = "' * 20_000 + "\n", redact, "a.py"),
    "hashes": ("$ENV{" * 20_000 + "\n", redact, "a.pl"),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)

# -- a real repository: every form of the round bundled, in each format --

def _repo_files() -> dict[str, str]:
    return {file: sc.AROUND[Path(file).suffix] + text for file, text in FORMS.values()}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round18") / "repo", _repo_files())


@pytest.mark.parametrize("fmt", ["json", "markdown", "xml"])
def test_no_value_reaches_a_bundle_and_every_file_goes_in(repo: Path, fmt: str) -> None:
    out, err = sc.bundle_pinned(repo, _repo_files(), fmt)
    sc.assert_every_file_redacted(out, err, fmt, _repo_files(), (V,), len(FORMS))
    if fmt != "json":
        assert "CREATE TABLE t (id int);" in out and "Run the installer." in out
