"""Secret forms a hostile review found (round 7b: source code and prose). Leaks: lists of secrets
under a secret's name (Go, Ruby ``%w[]``, PHP ``array()``, Java, Kotlin, shell arrays, a
multi-line list's later items on a line); maps (Scala ``->``, C# initialisers, ``=>`` with its
value on the next line); a ``/* */`` comment between a name and ``=``, Rust raw strings on the
next line, literals joined by ``+`` or side by side; prose (a colon before a code span,
``login: admin / V``, RST inline literals, HTML ``<dt>``/``<dd>``, names in fullwidth or
small-capital letters). A false positive: a translation file's phrases (``password_confirm:
Confirmer le mot de passe``). Each case calls the real :func:`redact`: the secret value is gone,
the text around it is kept. A close look-alike that is no secret is left as it is."""

from __future__ import annotations

from secret_cases import SecretCases

from analyzers.secrets import redact

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"
PW2 = "Qz8nW3rTy6uP"
TOKEN = "Xk9mQ2vLp7wRz8Tq4Nm2"

# -- lists of secrets under a secret's name -------------------------------------------------------

case("go slice", f'apiKeys := []string{{"{PW}", "{PW2}"}}\n', "a.go", (PW, PW2), ("apiKeys :=",))
case("ruby %w", f"API_KEYS = %w[{PW} {PW2}]\n", "a.rb", (PW, PW2), ("API_KEYS = %w[",))
case("php array", f"$tokens = array('{PW}', '{PW2}');\n", "a.php", (PW, PW2), ("$tokens",))
case("java list of", f'var tokens = List.of("{PW}", "{PW2}");\n', "A.java", (PW, PW2),
     ("var tokens = List.of(",))
case("java array", f'String[] tokens = {{"{PW}", "{PW2}"}};\n', "A.java", (PW, PW2),
     ("String[] tokens",))
case("kotlin list of", f'val tokens = listOf("{PW}", "{PW2}")\n', "a.kt", (PW, PW2),
     ("val tokens = listOf(",))
case("js set of a list", f'const apiKeys = new Set(["{PW}", "{PW2}"]);\n', "a.js", (PW, PW2),
     ("new Set([",))
case("shell array", f"TOKENS=({PW} {PW2})\n", "a.sh", (PW, PW2), ("TOKENS=(",))
case("list over lines, two on a line", f'tokens = [\n  "{PW}", "{PW2}",\n  "{TOKEN}"\n]\n',
     "a.py", (PW, PW2, TOKEN), ("tokens = [",))
case("list over lines with a comment line", f'API_KEYS = listOf(\n  // prod\n  "{PW}", "{PW2}",\n\n'
     f'  "{TOKEN}")\n', "a.kt", (PW, PW2, TOKEN), ("// prod",))
benign("list of words over lines", 'tokens = [\n  "required", "optional",\n  "min_length"\n]\n',
       "a.py")
benign("list of names", "api_keys = [key.value, other.key]\nTOKENS=($A $B)\n", "a.py")
benign("go slice of field names", 'passwordFields := []string{"password", "password2"}\n', "a.go")

# -- maps (C#'s index and initialiser, and the joined literals below, were masked already: kept
# as guards) --------------------------------------------------------------------------------

case("scala map", f'val m = Map("password" -> "{PW}")\n', "a.scala", (PW,), ('"password" ->',))
case("c# dictionary index", f'var d = new Dictionary<string,string> {{ ["password"] = "{PW}" }};\n',
     "A.cs", (PW,), ('["password"] =',))
case("c# dictionary pair",
     f'var d = new Dictionary<string,string> {{ {{ "api_key", "{PW}" }} }};\n', "A.cs",
     (PW,), ('"api_key",',))
case("c# object initialiser", f'var c = new Creds {{ Password = "{PW}" }};\n', "A.cs", (PW,),
     ("Password =",))
case("ruby arrow next line", f"cfg = {{\n  'password' =>\n    '{PW}'\n}}\n", "a.rb", (PW,),
     ("'password' =>",))
case("php arrow next line", f"$cfg = [\n  'password' =>\n    '{PW}',\n];\n", "a.php", (PW,),
     ("'password' =>",))

# -- names and values apart -----------------------------------------------------------------------

case("comment between name and =", f'password /* prod */ = "{PW}"\n', "a.js", (PW,),
     ("/* prod */",))
case("rust raw string next line", f'let token =\n    r#"{TOKEN}"#;\n', "a.rs", (TOKEN,),
     ("let token =",))
case("literals joined by +", f'password = "{PW[:5]}" + "{PW[5:]}"\n', "a.py", (PW[:5], PW[5:]),
     ("password = ",))
case("python implicit concatenation", f'password = ("{PW[:5]}" "{PW[5:]}")\n', "a.py",
     (PW[:5], PW[5:]), ("password = (",))

# -- prose ----------------------------------------------------------------------------------------

case("colon before a code span", f"The staging password: `{PW}`\n", "README.md", (PW,),
     ("The staging password:",))
case("password for a place", f"The password for staging: `{PW}`\n", "README.md", (PW,),
     ("for staging:",))
benign("password for a place, a word", "The password for staging: `required`\n", "README.md")
case("login pair", f"login: admin / {PW}\n", "NOTES.md", (PW,), ("login: admin",))
case("rst inline literal", f"The token is ``{TOKEN}``.\n", "index.rst", (TOKEN,), ("The token is",))
case("html dt dd", f"<dl><dt>API key</dt><dd>{TOKEN}</dd></dl>\n", "a.html", (TOKEN,),
     ("<dt>API key</dt>",))
case("html dt dd over lines", f"<dl>\n  <dt>API key</dt>\n  <dd>{TOKEN}</dd>\n</dl>\n", "a.html",
     (TOKEN,), ("<dt>API key</dt>",))
case("fullwidth underscore", f"\uff21\uff30\uff29\uff3f\uff2b\uff25\uff39={TOKEN}\n", "a.env",
     (TOKEN,), ())
case("small capitals", f"\u1d18\u1d00ss\u1d21\u1d0f\u0280\u1d05 = {PW}\n", "notes.txt", (PW,), ())
case("small capitals alone", f"\ua731\u1d07\u1d04\u0280\u1d07\u1d1b: {PW}\n", "notes.md", (PW,), ())
case("rst password literal", f"* password: ``{PW}``\n", "setup.rst", (PW,), ("* password:",))
case("user/password pair", f"Use user/password: **ci** / {PW} on staging.\n", "README.md", (PW,),
     ("on staging.",))
benign("login to a menu", "Login: Settings / Preferences\nlogin: admin / changeme\n", "a.md")
benign("rst literal of a name", "The token is ``request.user.token``.\n", "a.rst")
benign("html dd of a word", "<dl><dt>API key</dt><dd>Required</dd></dl>\n", "a.html")
benign("i18n nested", "fr:\n  users:\n    password_confirm: Confirmer le mot de passe\n"
       "    password: Mot de passe\n    token_expired: Le jeton a expiré\n"
       "    password_hint: Choisissez un mot de passe fort.\n", "config/locales/fr.yml")
case("yaml passphrase of words", "db:\n  password: correct horse battery staple\n", "c.yml",
     ("correct",), ("password:",))

# -- look-alikes ----------------------------------------------------------------------------------

benign("getpass", "password = getpass()\n", "a.py")
benign("list comprehension", "tokens = [t.strip() for t in raw]\n", "a.py")
benign("scala map of a variable", 'val m = Map("password" -> password)\n', "a.scala")
benign("php arrow request", "$d = ['password' => $request->input('password')];\n", "a.php")
benign("docs see below", "Set the password: see below.\n", "README.md")
benign("i18n confirm", "password_confirm: Confirmer le mot de passe\n", "fr.yml")
benign("i18n password", "password: Mot de passe\n", "fr.yml")
benign("i18n token expired", "token_expired: Le jeton a expiré\n", "fr.yml")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()
