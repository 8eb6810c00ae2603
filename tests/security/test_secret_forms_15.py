"""Round 15: secret forms a value's own name does not stand before, or stands before in a way
the earlier rounds did not read. Leaks fixed: an option's default (``add_argument("--password",
default="V")``), ``setattr(cfg, "password", "V")``, ``credentials=("admin", "V")``, ``db_pw``;
``sshpass -p 'V'``, ``docker login`` continued with ``\\`` to its ``-p V``, ``echo 'root:V' |
chpasswd``, a ``.pgpass`` line in a heredoc; a 12-character ``Bearer`` token; Markdown's
``**Password**\\: V``, HTML's ``<b>Password:</b> V``; Spanish ``Clave:`` and Italian "Parola
d'ordine:"; TOML's ``\"\"\"\\`` value; Docker's ``config.json`` ``auths``; a Makefile's ``define
DB_PASSWORD``; Rust's ``format!("V")``, C's ``strcpy(password, "V")`` and ``sprintf(buf,
"password=%s", "V")``, Perl's ``q{V}``, PowerShell's ``ConvertTo-SecureString "V"``, SQL's ``SET
PASSWORD … = 'V'``. Each case calls the real :func:`redact`; the last tests bundle a real git
repository holding every form of the round (those masked before too) in each output format."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from secret_cases import (
    AROUND,
    SecretCases,
    assert_every_file_redacted,
    bundle_pinned,
    hostile_test,
)

from analyzers.secrets import redact

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Hunter2Secret9"
TOKEN = "abcDEF123456"  # 12 characters
AUTH = "dXNlcjpIdW50ZXIyU2VjcmV0OQ=="  # "user:Hunter2Secret9"

# Each form of the round: (file name, its text); the value is V unless it holds TOKEN or AUTH.
FORMS: dict[str, tuple[str, str]] = {
    "argparse default": ("cli.py", f'parser.add_argument("--password", default="{V}")\n'),
    "argparse default over lines": (
        "cli2.py", f'parser.add_argument(\n    "-p", "--db-password",\n'
                   f'    help="the (database) password",\n    default="{V}",\n)\n'),
    "click option default": ("cli3.py", f'@click.option("--api-key", default="{V}")\n'),
    "setattr": ("cfg.py", f'setattr(cfg, "password", "{V}")\n'),
    "credentials tuple": ("conn.py", f'client = Client(credentials=("admin", "{V}"))\n'),
    "db_pw": ("db.py", f'db_pw = "{V}"\n'),
    "smtp_pwd": ("mail.py", f'smtp_pwd = "{V}"\n'),
    "sshpass quoted": ("ssh.sh", f"sshpass -p '{V}' ssh host\n"),
    "docker login continued": ("login.sh",
                               f"docker login -u me \\\n  -p {V} registry.example.com\n"),
    "chpasswd": ("users.sh", f"echo 'root:{V}' | chpasswd\n"),
    "pgpass heredoc": ("pg.sh", f"cat <<EOF > ~/.pgpass\nhost:5432:db:user:{V}\nEOF\n"),
    "pgpass echo": ("pg2.sh", f'echo "db.example.com:5432:*:app:{V}" >> ~/.pgpass\n'),
    "heredoc yaml password": ("conf.sh",
                              f"cat <<EOF > config.yml\nuser: app\npassword: {V}\nEOF\n"),
    "bearer 12 characters": ("api.sh", f"curl -H 'Authorization: Bearer {TOKEN}' https://x.io\n"),
    "markdown escaped colon": ("esc.md", f"**Password**\\: {V}\n"),
    "markdown setext heading": ("setext.md", f"Password\n--------\n\n{V}\n"),
    "html bold label": ("bold.html", f"<p><b>Password:</b> {V}</p>\n"),
    "html definition list": ("dl.html", f"<dl><dt>Password</dt><dd>{V}</dd></dl>\n"),
    "spanish label": ("es.md", f"Clave: {V}\n"),
    "italian label": ("it.md", f"Parola d'ordine: {V}\n"),
    "yaml complex key": ("complex.yaml", f"? password\n: {V}\n"),
    "toml backslash string": ("multi.toml", f'password = """\\\n  {V}"""\n'),
    "docker config json": ("docker/config.json",
                           f'{{"auths": {{"registry.example.com": {{"auth": "{AUTH}"}}}}}}\n'),
    "kubernetes secret data": ("k8s/secret.yaml",
                               "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n"
                               f"  db-conn: {AUTH}\nstringData:\n  dsn: {V}\n"),
    "makefile define": ("Makefile", f"define DB_PASSWORD\n{V}\nendef\n"),
    "rust format single literal": ("a.rs", f'let password = format!("{V}");\n'),
    "rust string from": ("b.rs", f'let password = String::from("{V}");\n'),
    "c strcpy": ("a.c", f'strcpy(password, "{V}");\n'),
    "c sprintf": ("b.c", f'sprintf(buf, "password=%s", "{V}");\n'),
    "go raw string": ("a.go", f"password := `{V}`\n"),
    "nix": ("configuration.nix", f'users.users.me.initialPassword = "{V}";\n'),
    "perl q": ("a.pl", f"my $password = q{{{V}}};\n"),
    "elixir sigil": ("config.exs", f"config :app, password: ~s({V})\n"),
    "js template literal": ("a.js", f"const password = `{V}`;\n"),
    "powershell securestring": ("a.ps1", f'$password = ConvertTo-SecureString "{V}" '
                                         "-AsPlainText -Force\n"),
    "powershell env": ("b.ps1", f'$env:DB_PASSWORD = "{V}"\n'),
    "sql set password": ("a.sql", f"SET PASSWORD FOR 'app'@'%' = '{V}';\n"),
    "sql identified by": ("b.sql", f"ALTER USER app IDENTIFIED BY '{V}';\n"),
}
# the forms masked before this round too: bundled below, not in the table of fixed leaks
SHOWN_BEFORE = {"smtp_pwd", "heredoc yaml password", "markdown setext heading",
                "html definition list", "yaml complex key", "kubernetes secret data",
                "rust string from", "go raw string", "nix", "elixir sigil",
                "js template literal", "powershell env", "sql identified by"}


def _value(text: str) -> str:
    return next(v for v in (TOKEN, AUTH, V) if v in text)


for _name, (_file, _text) in FORMS.items():
    if _name not in SHOWN_BEFORE:
        case(_name, _text, _file, (_value(_text),), ())

# a continued command's other options, a format's other arguments, a define's neighbours kept
case("docker login continued keeps its user and registry",
     f"docker login -u me \\\n  -p {V} registry.example.com\n", "a.sh", (V,),
     ("-u me \\", "registry.example.com"))
case("sprintf's second conversion", f'snprintf(b, n, "user=%s password=%s", "app", "{V}");\n',
     "a.c", (V,), ('"app"',))
case("strcpy_s into a field", f'strcpy_s(cfg->db_password, 64, "{V}");\n', "a.c", (V,),
     ("cfg->db_password",))
case("html label keeps its element's end", f"<li><strong>Password</strong>: {V}</li>\n",
     "a.html", (V,), ("</li>",))
case("markdown setext heading of equals signs", f"Password\n========\n\n{V}\n", "README.md",
     (V,), ("========",))
case("spanish clave de acceso", f"Clave de acceso: {V}\n", "NOTES.md", (V,), ("Clave de acceso:",))
case("spanish label then a fence", f"## Clave\n\n```\n{V}\n```\n", "README.md", (V,),
     ("## Clave",))

benign("ordinary code near a secret's name",
       'password = request.form["password"]\npassword: str\n'
       "def set_password(self, raw):\n    self.raw = raw\n"
       'user = User(password="<password>")\nurl = f"{base}/${PASSWORD}"\n'
       'password = os.environ["PASSWORD"]\n', "a.py")
benign("round 15's look-alikes in code",
       'parser.add_argument("--password", default=None)\n'
       'parser.add_argument("--password", default=os.environ.get("DB_PASSWORD"))\n'
       'parser.add_argument("--user", default="Hunter2Secret9")\n'
       'setattr(cfg, "password", value)\nsetattr(cfg, "username", "Hunter2Secret9")\n'
       'client = Client(credentials=("admin", password))\n'
       'db_pw = get_password()\n', "a.py")
benign("round 15's look-alikes in C, Rust, Perl, PowerShell, SQL",
       'strcpy(password, input);\nstrcpy(username, "Hunter2Secret9");\n'
       'sprintf(buf, "password=%s", pw);\nsprintf(buf, "user=%s", "Hunter2Secret9");\n'
       'let password = format!("{}", pw);\n'
       "my $password = q{};\nmy $greeting = q{Hunter2Secret9};\n"
       "$password = ConvertTo-SecureString $plain -AsPlainText -Force\n"
       "SET PASSWORD FOR 'app'@'%' = PASSWORD(@pw);\n", "a.c")
benign("round 15's look-alikes in shell",
       "docker login -u me \\\n  -p $DOCKER_PASSWORD registry.example.com\n"
       'echo "$USER:$PASS" | chpasswd\nsshpass -p "$SSHPASS" ssh host\n'
       "cat <<EOF > ~/.pgpass\nhost:5432:db:user:${PGPASSWORD}\nEOF\n"
       "define DB_PASSWORD\n$(shell cat pw)\nendef\n"
       "curl -H 'Authorization: Bearer ${TOKEN}' https://x.io\n", "a.sh")
benign("round 15's look-alikes in documents",
       "Clave: la de siempre\nParola d'ordine: quella solita\n"
       "**Password**\\: see the vault\n<b>Password:</b> ask the team</p>\n"
       "Use a Bearer authentication header.\n"
       "Password\n========\n\nUse a long one.\n\nToken\n=====\n\nSee the settings.\n", "README.md")
benign("docker config.json with a credential helper",
       '{"auths": {"registry.example.com": {}}, "credsStore": "desktop"}\n', "config.json")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "options": ('add_argument("--password", ' + 'help="x", ' * 20_000 + "\n", redact, "a.py"),
    "formats": ('sprintf(b, "' + "password=%s " * 20 + '", ' + '"a", ' * 20_000 + "\n", redact,
                "a.c"),
    "continued commands": ("docker login \\\n" * 20_000, redact, "a.sh"),
    "defines": ("define PASSWORD\n" * 20_000 + "endef\n", redact, "Makefile"),
    "heredocs": ("cat <<EOF > .pgpass\n" + "a:1:b:c:d\n" * 20_000, redact, "a.sh"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)

# -- a real repository: every form of the round bundled, in each format --

_BEFORE_ONLY = {".yaml", ".json"}  # (a document's start: the form itself comes first there)
_AFTER = {".yaml": "# end\n" * 6, ".json": "", ".nix": "}\n"}


def _repo_files() -> dict[str, str]:
    files = {}
    for file, text in FORMS.values():
        suffix = Path(file).suffix
        around = AROUND[suffix]
        files[file] = (around + text + _AFTER.get(suffix, "") if suffix not in _BEFORE_ONLY
                       else text + _AFTER[suffix])
    # the Docker config with a few more lines of its own
    files["docker/config.json"] = (
        '{\n  "auths": {\n    "registry.example.com": {\n'
        f'      "auth": "{AUTH}"\n    }}\n  }},\n  "credsStore": "desktop",\n'
        '  "experimental": "disabled",\n  "detachKeys": "ctrl-e,e"\n}\n')
    # case-folding characters that change a text's length (the dotted İ lowers to two
    # characters) before a secret, on its line and on the lines above it
    files["turkish.py"] = (AROUND[".py"] + "# İstanbul İİİ ﬁle ẞ ŉ ΐ\n"
                           f'x = "İİİİ"; password = "{V}"  # İzmir ok\n'
                           f'city = "İstanbul"; api_key = "{V}"; tail = "end"\n')
    files["turkish.md"] = (AROUND[".md"] + "İstanbul İİİ notes\n\n"
                           f"İİ The password is: {V} İ kept\n")
    return files


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round15") / "repo", _repo_files())


def _bundle(repo: Path, fmt: str) -> tuple[str, str]:
    return bundle_pinned(repo, _repo_files(), fmt)


@pytest.mark.parametrize("fmt", ["json", "markdown", "xml"])
def test_no_value_reaches_a_bundle_and_every_file_goes_in(repo: Path, fmt: str) -> None:
    out, err = _bundle(repo, fmt)
    assert_every_file_redacted(out, err, fmt, _repo_files(), (V, TOKEN, AUTH), len(FORMS))
    if fmt != "json":
        assert "Run the installer first." in out and "CREATE TABLE t (id int);" in out


def test_length_changing_case_folds_do_not_move_a_mask(repo: Path) -> None:
    out, _ = _bundle(repo, "markdown")
    assert 'x = "İİİİ"; password = "[redacted: Secret Keyword]"  # İzmir ok\n' in out
    assert ('city = "İstanbul"; api_key = "[redacted: Secret Keyword]"; tail = "end"\n'
            in out)
    assert "İİ The password is: [redacted: Secret In Prose] İ kept\n" in out
    assert "# İstanbul İİİ ﬁle ẞ ŉ ΐ\n" in out


async def test_no_value_reaches_mcp_s_bundle(repo: Path, log: object) -> None:
    """The real MCP server over stdio: suggest_bundle with every file of the round as a seed."""
    from mcp_client import session, structured_json, text

    async with session(repo, log) as s:  # type: ignore[arg-type]
        for fmt in ("markdown", "xml"):
            result = await s.call_tool("suggest_bundle", {"seeds": sorted(_repo_files()),
                                                          "budget": 60000, "format": fmt})
            assert not result.is_error, text(result)
            shown = text(result) + structured_json(result)
            for value in (V, TOKEN, AUTH):
                assert value not in shown, (fmt, value)
            assert shown.count("[redacted: ") >= len(FORMS)


def test_no_value_reaches_the_hooks_map(tmp_path: Path) -> None:
    """The context map the agents' hooks inject (``Snapshot.map`` with its best file's bodies):
    the round's forms in a function's body are masked there too."""
    from analyzers.app.requests import MapRequest
    from analyzers.app.workspace import Workspace

    body = ("import argparse\n\n\ndef configure_login(cfg):\n"
            "    parser = argparse.ArgumentParser()\n"
            '    parser.add_argument("--user", default="admin")\n'
            '    parser.add_argument("--host", default="localhost")\n'
            "    cfg.port = 5432\n    cfg.retries = 3\n    cfg.timeout = 30\n"
            f'    parser.add_argument("--password", default="{V}")\n'
            f'    setattr(cfg, "password", "{V}")\n'
            f'    cfg.client = Client(credentials=("admin", "{V}"))\n'
            f'    db_pw = "{V}"\n    return parser, db_pw\n')
    root = make_repo(tmp_path / "repo", {
        "login/setup.py": body,
        "login/other.py": "def unrelated():\n    return 1\n",
    })
    ws = Workspace(root)
    ws.refresh()
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="configure the login parser", bodies=True))
    assert made.bodies_of == "login/setup.py"
    assert "def configure_login(cfg):" in made.text
    assert V not in made.text and made.text.count("[redacted: ") == 4


# -- line breaks other than "\n": the lines Python reads (a form feed, "\r", "\u2028"...) --

_TEXT_FORMS = {  # forms found by readers of the whole text (they count "\n"s)
    "a.fish": f"set -x API_KEY {V}\n",
    "a.lua": f"password = [[{V}]]\n",
    "a.sql": f"SET PASSWORD FOR 'app'@'%' = '{V}';\nCREATE USER app IDENTIFIED BY '{V}';\n",
    "a.py": f'parser.add_argument(\n    "--password",\n    default="{V}",\n)\n',
    "a.html": f"<dl>\n<dt>Password</dt>\n<dd>{V}</dd>\n</dl>\n",
    "a.rst": f"The password is ``{V}``.\n",
}


@pytest.mark.parametrize("brk", ["\x0c\n", "\x0c", "\r", "\x0b", "\x1c", "\x85", "\u2028",
                                 "\u2029", "\r\n"])
@pytest.mark.parametrize("filename", sorted(_TEXT_FORMS))
def test_other_line_breaks_before_a_value_do_not_move_its_mask(filename: str, brk: str) -> None:
    form = _TEXT_FORMS[filename]
    head = f"-- one{brk}two\n" if brk != "\r\n" else "-- one\r\n"
    body = form.replace("\n", "\r\n") if brk == "\r\n" else form
    shown = redact(head + body, filename)
    assert V not in shown
    assert shown == head + redact(body, filename)  # (the head as it was, the form masked alike)


def test_a_page_break_before_a_value_in_a_bundle(tmp_path: Path) -> None:
    """A form feed on its own line (a page break, as Emacs and GNU sources write them) before a
    value the readers of a whole text find: masked in the bundle, every other line as it was."""
    files = {"deploy.fish": "# deploy\n\x0c\nset -x REGION eu-west-1\n\x0c\n"
                            f"set -x API_KEY {V}\necho done\nset -x DEBUG 0\n"}
    root = make_repo(tmp_path / "repo", files)
    proc = run_cli("bundle", "--seed", "deploy.fish", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert V not in proc.stdout + proc.stderr
    assert "set -x API_KEY [redacted: Secret Keyword]\necho done\n" in proc.stdout
    assert "set -x REGION eu-west-1\n" in proc.stdout
