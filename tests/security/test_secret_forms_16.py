"""Round 16: a literal placed in a secret's slot by Python's ``%`` operator or ``str.format``
(``"password=%s" % "V"``, ``"user=%s password=%s" % ("app", "V")``, ``"password={}".format("V")``,
``"password: {pw}".format(pw="V")``) or in a URL's password slot (``"postgres://app:%s@db" %
"V"``, printf's too), and "is" in the other languages whose labels are read ("La clave es: V",
"La contraseña es V", "La password è: V", "A senha é: V", "Le mot de passe est : V", "Das
Passwort ist: V"). Each case calls the real :func:`redact`; the last tests bundle a real git
repository holding every form of the round in each output format."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo
from secret_cases import SecretCases, assert_every_file_redacted, bundle_pinned, hostile_test

from analyzers.secrets import redact

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Zq9vT3xW7pK2"

# Each form of the round: (file name, its text); its value is V.
FORMS: dict[str, tuple[str, str]] = {
    "percent url userinfo": ("db.py", f'DSN = "postgres://app:%s@db:5432/shop" % "{V}"\n'),
    "percent in a call": ("conn.py", f'conn = connect("password=%s" % "{V}")\n'),
    "percent tuple": ("dsn.py", f'dsn = "user=%s password=%s" % ("app", "{V}")\n'),
    "percent single quotes": ("q.py", f"dsn = 'password=%s' % '{V}'\n"),
    "percent mapping": ("m.py", f'dsn = "password: %(pw)s" % {{"pw": "{V}"}}\n'),
    "percent dict call": ("d.py", f'dsn = "password: %(pw)s" % dict(pw="{V}")\n'),
    "format positional": ("f.py", f'dsn = "password={{}}".format("{V}")\n'),
    "format indexed": ("i.py", f'dsn = "user={{0}} password={{1}}".format("app", "{V}")\n'),
    "format keyword": ("k.py", f'dsn = "password: {{pw}}".format(pw="{V}")\n'),
    "format url userinfo": ("u.py", f'url = "postgres://app:{{}}@db/shop".format("{V}")\n'),
    "printf url userinfo": ("a.c", f'sprintf(buf, "postgres://app:%s@db/shop", "{V}");\n'),
    "percent after prose": ("p.py", f'print("the password is %s" % "{V}")\n'),
    "printf after prose": ("b.c", f'printf("Your password is \'%s\'\\n", "{V}");\n'),
    "format after a spanish label": ("e.py", f'print("La clave es {{}}".format("{V}"))\n'),
    "spanish clave es": ("es.md", f"La clave es: {V}\n"),
    "spanish contraseña es": ("es2.md", f"La contraseña es {V}\n"),
    "italian è": ("it.md", f"La password è: {V}\n"),
    "portuguese é": ("pt.md", f"A senha é: {V}\n"),
    "french est": ("fr.md", f"Le mot de passe est : {V}\n"),
    "german ist": ("de.md", f"Das Passwort ist: {V}\n"),
}

for _name, (_file, _text) in FORMS.items():
    case(_name, _text, _file, (V,), ())

# the format, its other arguments and the sentence's words kept
case("percent tuple keeps the user", f'x = "user=%s password=%s" % ("app", "{V}")\n', "a.py",
     (V,), ('"user=%s password=%s" % ("app", ', '")'))
case("format keeps its other keyword", f'x = "{{u}}:{{p}}".format(u="app", password="{V}")\n',
     "a.py", (V,), ('u="app"',))
case("url's password of a format of several slots",
     f'url = "postgres://%s:%s@%s/%s" % ("app", "{V}", "db", "shop")\n', "a.py", (V,),
     ('("app", "', '", "db", "shop")'))
case("a passphrase in a secret's slot", 'x = "password: %s" % "correct horse battery staple"\n',
     "a.py", ("correct horse battery staple",), ('"password: %s" % ',))
case("decomposed accents", f"A senha e\u0301: {V}\nLa password e\u0300: {V}\n", "NOTES.md",
     (V,), ("A senha e\u0301: ",))
case("french space before the colon, no-break", f"Le mot de passe est\u00a0: {V}\n", "a.md",
     (V,), ("Le mot de passe est\u00a0: ",))
case("french était", f"Le mot de passe était : {V}\n", "a.md", (V,), ("était",))
case("german war", f"Das Kennwort war {V}\n", "a.md", (V,), ("Das Kennwort war ",))

benign("ordinary formats", 'msg = "%s" % name\nx = "password=%s" % password\n'
       'x = "password=%s" % (password,)\nx = "password={}".format(password)\n'
       'x = "password={pw}".format(pw=get_password())\n'
       'x = "password: %(pw)s" % {"pw": pw}\nwidth = "%d%%" % 5\n', "a.py")
benign("a literal in a slot no secret's",
       f'x = "user=%s password=%s" % ("{V}", pw)\n'
       f'x = "user={{}} password={{}}".format("{V}", pw)\n'
       f'x = "user=%(user)s" % {{"user": "{V}"}}\n'
       f'x = "postgres://%s:%s@db" % ("{V}", pw)\nx = "%s://%s@host" % ("{V}", "b")\n'
       f'x = "token: %s" % "abc"\n', "a.py")
benign("a word in a token's slot, or prose about a secret's format",
       'log("the token is %s" % "expired")\nlog("token=%s" % "expired")\n'
       'sprintf(b, "token=%s", "expired");\nlog("API key \u2014 %s" % "enabled")\n'
       'log("the password is %s" % "too short")\nlog("the password is {}".format("required"))\n'
       'log("password is %d characters" % 12)\n', "a.py")
benign("a placeholder or a message in a secret's slot",
       'x = "password=%s" % "<password>"\nx = "password={}".format("")\n'
       'x = "Invalid password: %s" % "Please try again"\n'
       'sprintf(b, "Invalid password: %s", "Please try again");\n', "a.py")
benign("prose saying what a secret is, in each language",
       "The password is required.\nLa clave es obligatoria.\nLa contraseña es secreta.\n"
       "La password è scaduta.\nA senha é obrigatória.\nLe mot de passe est requis.\n"
       "Das Passwort ist mindestens acht Zeichen lang.\nLa clave es la misma de siempre.\n",
       "README.md")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "percent tuples": ('x = "password=%s" % (' + '"a", ' * 20_000 + "\n", redact, "a.py"),
    "formats": ('x = "' + "password={} " * 50 + '".format(' + "a, " * 20_000 + "\n", redact,
                "a.py"),
    "quotes": ('password = "%s" % ' + "'\"" * 20_000 + "\n", redact, "a.py"),
    "labels": ("La clave es " * 20_000 + "\n", redact, "a.md"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)

# -- a real repository: every form of the round bundled, in each format --

# Ordinary lines around a form in each file, so that it is no credentials file (a file at least
# half of whose lines hold a secret is left out whole): the file goes in, its value masked.
_AROUND = {
    ".py": "import os\n\n\ndef main():\n    return os.getcwd()\n\n\n",
    ".md": "# Configuración\n\nEjecute el instalador primero.\n\nLuego reinicie el servicio.\n\n",
    ".c": "#include <stdio.h>\n\nint main(void) {\n    char buf[64];\n    return 0;\n}\n",
}


def _repo_files() -> dict[str, str]:
    return {file: _AROUND[Path(file).suffix] + text for file, text in FORMS.values()}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round16") / "repo", _repo_files())


def _bundle(repo: Path, fmt: str) -> tuple[str, str]:
    return bundle_pinned(repo, _repo_files(), fmt)


@pytest.mark.parametrize("fmt", ["json", "markdown", "xml"])
def test_no_value_reaches_a_bundle_and_every_file_goes_in(repo: Path, fmt: str) -> None:
    out, err = _bundle(repo, fmt)
    assert_every_file_redacted(out, err, fmt, _repo_files(), (V,), len(FORMS))
    if fmt != "json":
        assert "Ejecute el instalador primero." in out


def test_the_masks_keep_each_line_s_code_and_words(repo: Path) -> None:
    out, _ = _bundle(repo, "markdown")
    for line in ('DSN = "postgres://app:%s@db:5432/shop" % "[redacted: Secret Keyword]"\n',
                 'dsn = "user=%s password=%s" % ("app", "[redacted: Secret Keyword]")\n',
                 'dsn = "password: {pw}".format(pw="[redacted: Secret Keyword]")\n',
                 "La clave es: [redacted: Secret In Prose]\n",
                 "Le mot de passe est : [redacted: Secret In Prose]\n"):
        assert line in out, line
