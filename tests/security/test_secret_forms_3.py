"""Secret forms a verifier found shown (third round): YAML values past comments and blank lines,
in lists, block scalars with indentation indicators and folded plain scalars; free-text forms in
commit messages (``token => …``, ``api key …``, a zero-width character inside a secret's name,
an ``@`` inside a URL's password, a percent-encoded URL); code (a value joined from literals, a
default on the next line, triple-quoted values, comments before a value); tables (HTML and
AsciiDoc spans, headers in other languages, tab-separated reStructuredText tables, AsciiDoc CSV
tables); JSON Web Keys in JavaScript, ``dict(...)`` and TOML. Each case calls the real
:func:`redact` (or :func:`redact_git`) on realistic text: the secret value is gone, the text
around it is kept. A close look-alike that is no secret is left as it is."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from secret_cases import SecretCases

from analyzers.secrets import redact, redact_git

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign


# -- the false positive: hf_ and 34 letters of one case is an identifier, not a token ----------

benign("hf lower-case identifier", 'MODEL = "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"\n'
       "# see 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\n", "models.py")
benign("hf upper-case identifier", "HF_AUTOMODELFORSEQUENCECLASSIFICATION = 1\n"
       "x = 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\n", "models.py")
case("hf token of mixed-case letters", 'see 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 for the model\n',
     "NOTES.md", ("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",), ("see ", " for the model"))


# -- YAML ---------------------------------------------------------------------------------------

case("yaml comment before the value", "db:\n  host: db.internal\n  password:\n"
     "    # rotated 2024-05, ask ops\n    Hq7LmZ2wXk9\n  user: app\n", "config.yaml",
     ("Hq7LmZ2wXk9",), ("# rotated 2024-05, ask ops", "user: app", "host: db.internal"))
case("yaml blank line before the value", "db:\n  password:\n\n    Hq7LmZ2wXk9\n  user: app\n",
     "config.yml", ("Hq7LmZ2wXk9",), ("password:", "user: app"))
case("yaml list under a secret key", "passwords:\n  - hunter2Value\n  - 'Zq8Wm3Lp5'\n"
     "  # old\n  - Rt6Yn2Bv8  # ops\nusers: [admin]\n", "accounts.yaml",
     ("hunter2Value", "Zq8Wm3Lp5", "Rt6Yn2Bv8"), ("passwords:", "# old", "# ops", "users: [admin]"))
case("yaml list at the key's indentation", "api_tokens:\n- Xk29fLq8Zr3mWp7Tn\n- Bv5Nc1Mx6Lz4Kj8Hq\n"
     "timeout: 30\n", "ci.yml", ("Xk29fLq8Zr3mWp7Tn", "Bv5Nc1Mx6Lz4Kj8Hq"), ("timeout: 30",))
case("yaml block scalar |2", "db:\n  password: |2\n      Hq7LmZ2wXk9\n  user: app\n",
     "config.yaml", ("Hq7LmZ2wXk9",), ("password: |2", "user: app"))
case("yaml block scalar >- with a comment", "db:\n  password: >-  # prod\n    Hq7LmZ2wXk9\n"
     "  user: app\n", "config.yaml", ("Hq7LmZ2wXk9",), ("# prod", "user: app"))
case("yaml block scalar |+1", "db:\n  secret_key: |1+\n   Hq7LmZ2wXk9\n  user: app\n",
     "config.yaml", ("Hq7LmZ2wXk9",), ("user: app",))
case("yaml folded plain scalar", "db:\n  password: Hq7LmZ2wXk9\n    Rt5Vn8Bc3Qw\n    Lp2Zx7\n"
     "  user: app\n", "config.yaml", ("Hq7LmZ2wXk9", "Rt5Vn8Bc3Qw", "Lp2Zx7"), ("user: app",))
benign("yaml list of secret names", "secrets:\n  - GITHUB_TOKEN\n  - name: NPM_TOKEN\n"
       "  - inherit\n", "workflow.yml")
benign("yaml value under a comment is a key", "password:\n  # hashed\n  algorithm: argon2\n"
       "  rounds: 12\n", "auth.yaml")
benign("yaml list of words under passwords", "passwords:\n  - required\n  - optional\n",
       "schema.yaml")
case("yaml plain value, a deeper key kept", "password: Hq7LmZ2wXk9x\n  nested: 1\n  # note\n",
     "c.yaml", ("Hq7LmZ2wXk9x",), ("  nested: 1\n  # note\n",))


# -- free text (commit messages) ----------------------------------------------------------------

case("git token =>", "deploy: token => Zk8vQ2wLp9Rt4Xy for the runner\n", "",
     ("Zk8vQ2wLp9Rt4Xy",), ("deploy: token => ", " for the runner"), redact_git)
case("git password ->", "ops: db password -> Hq7Lm!Z2wXk9.\n", "",
     ("Hq7Lm!Z2wXk9",), ("ops: db password -> ",), redact_git)
case("git token:=", "set token:=Zk8vQ2wLp9Rt4Xy on ci\n", "",
     ("Zk8vQ2wLp9Rt4Xy",), ("set token:=", " on ci"), redact_git)
case("git api key V", "Use api key Zk8vQ2wLp9Rt4Xy for staging\n", "",
     ("Zk8vQ2wLp9Rt4Xy",), ("Use api key ", " for staging"), redact_git)
case("git API key: V", "API key: Zk8vQ2wLp9Rt4Xy (staging)\n", "",
     ("Zk8vQ2wLp9Rt4Xy",), ("API key: ", " (staging)"), redact_git)
case("git zero-width space in the name", "staging: pass\u200bword: Zk8vQ2wLp9Rt4Xy for ops\n", "",
     ("Zk8vQ2wLp9Rt4Xy",), ("staging: pass\u200bword: ", " for ops\n"), redact_git)
case("git zero-width joiner in NAME=value", "fix DB_PASS\u200dWORD=Zk8vQ2wLp9Rt4Xy in ci\n", "",
     ("Zk8vQ2wLp9Rt4Xy",), ("fix DB_PASS\u200dWORD=", " in ci\n"), redact_git)
case("git soft hyphen and a zero-width space inside the value",
     "password: Zk8v\u00adQ2wL\u200bp9Rt4\n", "", ("Zk8v", "p9Rt4"), ("password: ",), redact_git)
case("git zero-width space in a token name", "api\u200b_key => Zk8vQ2wLp9Rt4Xy\n", "",
     ("Zk8vQ2wLp9Rt4Xy",), ("api\u200b_key => ",), redact_git)
case("git user:p@ss@host", "mirror: push to deploy:p@ss9Word@git.example.com nightly\n", "",
     ("ss9Word",), ("mirror: push to deploy:", "@git.example.com nightly"), redact_git)
case("git flattened url, @ in the password", "backup https:__deploy:Qz@8vLm@host.example.com\n",
     "", ("Qz@8vLm", "8vLm"), ("backup https:__deploy:", "@host.example.com"), redact_git)
case("git percent-encoded url", "fix redirect=https%3A%2F%2Fdeploy%3AZk8vQ2wLp9%40git.example.com"
     "%2Frepo\n", "", ("Zk8vQ2wLp9",), ("https%3A%2F%2Fdeploy%3A", "%40git.example.com%2Frepo"),
     redact_git)
benign("git arrow function", "refactor: tokens.map(token => token.value) in the lexer\n", "",
       redact_git)
benign("git api key words", "Add API key validation and rotate access tokens weekly\n", "",
       redact_git)
benign("git package at version", "bump npm:react@18 and user:name@example.com docs\n", "",
       redact_git)
benign("git zero-width space elsewhere", "docs: wrap long\u200bwords in the README\n", "",
       redact_git)


# -- code -----------------------------------------------------------------------------------------

case("python + concatenation", 'PASSWORD = "Zk8vQ2" + "wLp9Rt4"  # split for the linter\n',
     "settings.py", ("Zk8vQ2", "wLp9Rt4"), ("PASSWORD = ", " + ", "# split for the linter"))
case("js + concatenation over lines", 'const apiKey = "Zk8vQ2wL" +\n  "p9Rt4XyB";\nrun();\n',
     "client.js", ("Zk8vQ2wL", "p9Rt4XyB"), ("const apiKey = ", "run();"))
case("python join of literals", 'PASSWORD = "".join(["Zk8vQ2", "wLp9Rt4"])\nHOST = "db"\n',
     "settings.py", ("Zk8vQ2", "wLp9Rt4"), ('"".join([', 'HOST = "db"'))
case("python join over lines", "SECRET_KEY = ''.join((\n    'Zk8vQ2',\n    'wLp9Rt4',\n))\n",
     "settings.py", ("Zk8vQ2", "wLp9Rt4"), ("SECRET_KEY = ''.join((",))
case("getenv default on the next line", "import os\nPW = os.getenv('DB_PASSWORD',\n"
     "                'Zk8vQ2wLp9Rt4')\n", "settings.py", ("Zk8vQ2wLp9Rt4",),
     ("os.getenv('DB_PASSWORD',",))
case("environ.get default on the next line", 'KEY = os.environ.get(\n    "STRIPE_SECRET_KEY",\n'
     '    "Zk8vQ2wLp9Rt4",\n)\n', "settings.py", ("Zk8vQ2wLp9Rt4",), ('"STRIPE_SECRET_KEY",',))
case("python triple-quoted, single quotes", "PASSWORD = '''Zk8vQ2wLp9Rt4'''\n", "settings.py",
     ("Zk8vQ2wLp9Rt4",), ("PASSWORD = ",))
case("python triple-quoted over lines", 'DB_PASSWORD = """\nZk8vQ2wLp9Rt4\n"""\nHOST = "db"\n',
     "settings.py", ("Zk8vQ2wLp9Rt4",), ('DB_PASSWORD = """', 'HOST = "db"'))
case("python triple-quoted, value on the first line", "api_key = r'''Zk8vQ2wLp9Rt4\n'''\n",
     "settings.py", ("Zk8vQ2wLp9Rt4",), ("api_key = r",))
case("comment before a keyword argument's value", 'connect(\n    host="db",\n'
     '    password=  # prod, rotate yearly\n        "Zk8vQ2wLp9Rt4",\n)\n', "db.py",
     ("Zk8vQ2wLp9Rt4",), ("# prod, rotate yearly", 'host="db"'))
case("comment inside the parenthesis", 'login(password=(  # prod\n    "Zk8vQ2wLp9Rt4"))\n', "db.py",
     ("Zk8vQ2wLp9Rt4",), ("# prod",))
case("comment between a pair's name and value", 'os.environ.setdefault(\n    "DB_PASSWORD",'
     '  # prod\n    "Zk8vQ2wLp9Rt4")\n', "env.py", ("Zk8vQ2wLp9Rt4",), ("# prod", '"DB_PASSWORD",'))
case("js comment before the value",
     "const cfg = {\n  password: // staging\n    'Zk8vQ2wLp9Rt4',\n};\n", "cfg.js",
     ("Zk8vQ2wLp9Rt4",), ("// staging",))
benign("list of field names", 'FIELDS = [\n    "username",\n    "password",\n    "pathname",\n'
       "    'current-password',\n    'one-time-code',\n]\n", "fields.py")
benign("call arguments that are names", 'storage = S3FeedStorage(\n    "s3://bucket/x.csv",\n'
       '    "access_key",\n    "secret_key",\n    "custom-acl",\n)\n', "test_s3.py")
benign("a test's parameter names", '@pytest.mark.parametrize(\n    "token_delim",\n'
       "    r'\"(),/:;<=>?@[]{}',\n)\ndef test_x(token_delim): ...\n", "test_parser.py")
benign("concatenation with a variable", 'password = user.name + "-" + str(uid) + "x"\n', "a.py")
benign("join of words", 'PASSWORD_HELP = " ".join(["Enter", "your", "password"])\n', "a.py")
benign("getenv name on the next line", "PW = os.getenv(\n    'DB_PASSWORD_FILE',\n"
       "    '/run/secrets/db_password')\n", "a.py")
benign("triple-quoted help text", 'PASSWORD_HELP = """\nEnter the password of the admin\n'
       'account.\n"""\n', "a.py")
benign("comment then a call",
       'connect(\n    password=  # read at start\n        read_password(),\n)\n', "a.py")
benign("argument parser", 'parser.add_argument(\n    "--password",\n    "-p",\n'
       '    help="the password")\n', "cli.py")


# -- JSON Web Keys ------------------------------------------------------------------------------

_D = "VFCWOqXr8nvZNyaaJLXdnNPXZKRaWCjkU5Q2egQQpTBMwhprMzWzpR8SxqgMx"
_N = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUz"
case("jwk in a one-line JS object", f"export const KEY = {{kty: 'RSA', n: '{_N}', e: 'AQAB', "
     f"d: '{_D}', p: 'Zk8vQ2wLp9Rt4XyBv5Nc1Mx6'}};\n", "keys.js",
     (_D, "Zk8vQ2wLp9Rt4XyBv5Nc1Mx6"), ("export const KEY = {kty: 'RSA', n: ", _N))
case("jwk in dict(...)",
     "KEY = dict(\n    kty='oct',\n    k='GawgguFyGrWKav7AX4VKUg2Lx9b3Qz',\n)\n", "keys.py",
     ("GawgguFyGrWKav7AX4VKUg2Lx9b3Qz",), ("kty='oct'",))
case("jwk in dict(...) on one line", "KEY = dict(kty='oct', k='GawgguFyGrWKav7AX4VKUg2Lx9b3Qz')\n",
     "keys.py", ("GawgguFyGrWKav7AX4VKUg2Lx9b3Qz",), ("KEY = dict(kty='oct', k=",))
case("jwk in TOML", f'[signing.jwk]\nkty = "RSA"\nn = "{_N}"\ne = "AQAB"\nd = "{_D}"\n'
     'dq = "Bv5Nc1Mx6Lz4Kj8HqZk8vQ2w"\n', "config.toml", (_D, "Bv5Nc1Mx6Lz4Kj8HqZk8vQ2w"),
     ('kty = "RSA"', _N))
benign("public jwk in TOML", f'[jwk]\nkty = "RSA"\nn = "{_N}"\ne = "AQAB"\n', "config.toml")
benign("no kty near",
       "d = 'VFCWOqXr8nvZNyaaJLXdnNPXZKRaWCjkU5Q2'\nx = {k: 'GawgguFyGrWKav7AX4VKUg'}\n", "a.py")


# -- tables -------------------------------------------------------------------------------------

case("html rowspan under a password header",
     "<table>\n<tr><th>team</th><th>user</th><th>password</th></tr>\n"
     '<tr><td rowspan="2">ops</td><td>deploy</td><td>Zk8vQ2wLp9</td></tr>\n'
     "<tr><td>backup</td><td>Rt4Xy7Wm2q</td></tr>\n</table>\n", "accounts.html",
     ("Zk8vQ2wLp9", "Rt4Xy7Wm2q"), ("<td>backup</td>", '<td rowspan="2">ops</td>'))
case("html colspan before the password column",
     "<table>\n<tr><th colspan=\"2\">account</th><th>password</th></tr>\n"
     "<tr><td>ops</td><td>deploy</td><td>Zk8vQ2wLp9</td></tr>\n"
     "<tr><td colspan='2'>backup</td><td>Rt4Xy7Wm2q</td></tr>\n</table>\n", "accounts.html",
     ("Zk8vQ2wLp9", "Rt4Xy7Wm2q"), ("<td>deploy</td>", "backup"))
case("markdown table, German Passwort",
     "| Benutzer | Passwort |\n|---|---|\n| admin | Zk8vQ2wLp9 |\n", "ZUGANG.md",
     ("Zk8vQ2wLp9",), ("| Benutzer | Passwort |", "| admin | "))
case("markdown table, German Kennwort",
     "| Benutzer | Kennwort |\n|---|---|\n| admin | Zk8vQ2wLp9 |\n", "ZUGANG.md",
     ("Zk8vQ2wLp9",), ("| admin | ",))
case("markdown table, Spanish contraseña", "| usuario | contraseña |\n|---|---|\n"
     "| admin | Zk8vQ2wLp9 |\n", "ACCESO.md", ("Zk8vQ2wLp9",), ("| admin | ",))
case("markdown table, French mot de passe", "| utilisateur | mot de passe |\n|---|---|\n"
     "| admin | Zk8vQ2wLp9 |\n", "ACCES.md", ("Zk8vQ2wLp9",), ("| admin | ",))
case("markdown table, Portuguese senha", "| usuário | senha |\n|---|---|\n| admin | Zk8vQ2wLp9 |\n",
     "ACESSO.md", ("Zk8vQ2wLp9",), ("| admin | ",))
case("markdown table, Japanese", "| ユーザー | パスワード |\n|---|---|\n| admin | Zk8vQ2wLp9 |\n",
     "README.ja.md", ("Zk8vQ2wLp9",), ("| admin | ",))
case("markdown table, Chinese", "| 用户 | 密码 |\n|---|---|\n| admin | Zk8vQ2wLp9 |\n",
     "README.zh.md", ("Zk8vQ2wLp9",), ("| admin | ",))
case("rst simple table, tab-separated",
     "=====\t==========\nuser\tpassword\n=====\t==========\nadmin\tZk8vQ2wLp9\nops\tRt4Xy7Wm2q\n"
     "=====\t==========\n", "access.rst", ("Zk8vQ2wLp9", "Rt4Xy7Wm2q"), ("admin\t", "ops\t"))
case("asciidoc 2+| span", '[options="header"]\n|===\n|team |user |password\n'
     "|ops |deploy |Zk8vQ2wLp9\n2+|shared account |Rt4Xy7Wm2q\n|===\n", "access.adoc",
     ("Zk8vQ2wLp9", "Rt4Xy7Wm2q"), ("2+|shared account |",))
case("asciidoc .2+| row span", "|===\n|team |user |password\n\n.2+|ops |deploy |Zk8vQ2wLp9\n"
     "|backup |Rt4Xy7Wm2q\n|===\n", "access.adoc", ("Zk8vQ2wLp9", "Rt4Xy7Wm2q"), ("|backup |",))
case("asciidoc format=csv", '[format=csv, options="header"]\n|===\nuser,password,role\n'
     "admin,Zk8vQ2wLp9,owner\nops,Rt4Xy7Wm2q,reader\n|===\n", "access.adoc",
     ("Zk8vQ2wLp9", "Rt4Xy7Wm2q"), ("admin,", ",owner", "ops,"))
case("asciidoc ,=== table", "[%header]\n,===\nuser,password\nadmin,Zk8vQ2wLp9\n,===\n",
     "access.adoc", ("Zk8vQ2wLp9",), ("admin,",))
benign("html rowspan, password column of notes",
       "<table>\n<tr><th>user</th><th>password</th></tr>\n"
       '<tr><td rowspan="2">ops</td><td>see the vault</td></tr>\n'
       "<tr><td>rotated monthly</td></tr>\n</table>\n", "a.html")
benign("German table of settings", "| Feld | Beschreibung |\n|---|---|\n| Passwort | mindestens "
       "zwölf Zeichen |\n", "a.md")
benign("asciidoc csv without a password column", "[format=csv]\n|===\nuser,role\nadmin,owner\n"
       "ops,reader2024\n|===\n", "a.adoc")


benign("English table row of a sentence",
       "| Field | Description |\n|---|---|\n| password | configurable through settings |\n", "a.md")


# -- the tests ----------------------------------------------------------------------------------

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


def test_every_format_character_is_read_past() -> None:
    """Every character of Unicode's category Cf (this Python's tables) is left out when
    reading."""
    from analyzers.secrets import _FORMAT_CHARS

    missing = [hex(cp) for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"
               and _FORMAT_CHARS.fullmatch(chr(cp)) is None]
    assert not missing


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]),
                min_size=1, max_size=4),
       st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=4))
def test_format_characters_anywhere_in_a_name(chars: list[str], at: list[int]) -> None:
    """Format characters put anywhere in the name of ``DB_PASSWORD=…`` (a commit message): the
    value is masked, the rest of the text is kept as it was, format characters too."""
    name = "DB_PASSWORD"
    for c, k in zip(chars, at, strict=False):
        k = min(k, len(name))
        name = name[:k] + c + name[k:]
    text = f"deploy: set {name}=Zk8vQ2wLp9Rt4Xy on staging\n"
    out = redact_git(text)
    assert "Zk8vQ2wLp9Rt4Xy" not in out
    assert out.startswith(f"deploy: set {name}=") and out.endswith(" on staging\n")


# Hostile inputs to the scans added here (which function reads them, as which file): each must
# finish (a linear scan does at once; a backtracking one would not). Timings are measured by
# hand, never asserted. Lines that every secret's scan reads (thousands of ``password:`` lines)
# are fewer: their cost is the per-line machinery's, not the new scans'.
HOSTILE: dict[str, tuple[str, Callable[..., str], str]] = {
    "letters": ("a" * 300_000, redact_git, ""),
    "yaml keys": ("password:\n" * 5_000, redact, "config.yaml"),
    "yaml comments": (("password:\n" + "  # c\n" * 7) * 2_000, redact, "config.yaml"),
    "yaml list": ("passwords:\n" + "  - Zq8Wm3Lp5\n" * 25_000, redact, "config.yaml"),
    "yaml folded": ("password: Hq7LmZ2wXk9\n" + "    Rt5Vn8Bc3Qw\n" * 20_000, redact,
                    "config.yaml"),
    "arrows": ("token => " * 35_000, redact_git, ""),
    "api key": ("api key " * 40_000, redact_git, ""),
    "at signs": ("a:b@" * 80_000, redact_git, ""),
    "encoded": ("https%3A%2F%2Fu%3Ap" * 10_000 + "%40" * 40_000, redact_git, ""),
    "format chars": ("pass\u200bword " * 10_000, redact_git, ""),
    "concatenation": ("PASSWORD = " + '"ab" + ' * 20_000, redact, "settings.py"),
    "join": ('PASSWORD = "".join([' + '"ab", ' * 20_000, redact, "settings.py"),
    "triple quotes": ('PASSWORD = """' + '"' * 300_000, redact, "settings.py"),
    "pairs": ("os.getenv('DB_PASSWORD',\n" * 5_000, redact, "settings.py"),
    "jwk": ("{kty: 'RSA', d: '" + "A" * 300_000 + "'}", redact, "keys.js"),
    "html spans": ("<table><tr><th>password</th></tr>"
                   + '<tr><td rowspan="99999" colspan="99999">x</td></tr>' * 2_000, redact,
                   "a.html"),
    "adoc spans": ("|===\n|password |b\n\n" + "99*99.99+|x " * 10_000 + "\n|===\n", redact,
                   "a.adoc"),
    "adoc csv": ("[format=csv]\n|===\npassword,b\n\n" + "a," * 150_000 + "\n|===\n", redact,
                 "a.adoc"),
    "rst tabs": ("=====\t=====\npassword\tb\n=====\t=====\n" + "\t" * 300_000
                 + "\n=====\t=====\n", redact, "a.rst"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_finishes(name: str) -> None:
    text, fn, filename = HOSTILE[name]
    assert fn(text, filename).count("\n") == text.count("\n")
