"""Secret forms a hostile review found (fifth round). False positives first: a secret name's
``_HOST`` (``os.getenv('DB_PASSWORD_HOST', 'localhost')``), values asking to be filled in
(``change-me``, ``REPLACE_ME``, ``CHANGEME_PLEASE``), a "Password hashing" column of algorithm
names. Then leaks: a Hugging Face token of one case under ``HF_TOKEN``; Java's ``Map.of`` pairs
and a name in pieces (``"pass" + "word"``);
YAML block scalars as list items, quoted values folded over lines, anchors and tags before a block
or a list, flow and nested lists, a bare ``tokens:``; in code, a comment's line or a ``/* */``
before a value, a "+" leading the next line; git's free-text forms in documents; tables headed
Token, PIN, PW or in Russian, in ``<td><b>``, reStructuredText's ``csv-table``, CSV and TSV files.
Each case calls the real :func:`redact` (or :func:`redact_git`): the secret value is gone, the
text around it is kept. A close look-alike that is no secret is left as it is."""

from __future__ import annotations

from secret_cases import Reader, SecretCases, hostile_test

from analyzers.secrets import redact, redact_git

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"

# -- false positives: no secret ------------------------------------------------------------------

benign("getenv host default", "HOST = os.getenv('DB_PASSWORD_HOST', 'localhost')\n", "db.py")
benign("getenv host name default",
       "HOST = os.getenv('DB_PASSWORD_HOST', 'db1.internal.example')\n", "db.py")
benign("env port", "REDIS_PASSWORD_PORT=6379abc\n", "run.sh")
benign("change-me literal", "password = 'change-me'\n", "settings.py")
benign("change-me yaml", "db:\n  password: change-me\n", "values.yaml")
benign("REPLACE_ME literal", "API_KEY = 'REPLACE_ME'\n", "settings.py")
benign("CHANGEME_PLEASE", "password: CHANGEME_PLEASE\n", "values.yaml")
benign("changeit", "keystore.password=changeit\n", "app.properties")
benign("fill-me-in", "password: fill-me-in\n", "values.yaml")
case("changeme digits", "DB_PASSWORD=CHANGEME123\n", "run.sh", ("CHANGEME123",),
     ("DB_PASSWORD=",))
case("ChangeMe year", "DB_PASSWORD='ChangeMe2024'\n", "a.py", ("ChangeMe2024",),
     ("DB_PASSWORD='",))
case("Update.Me words year", "password: Update.Me.Winter2024\n", "c.yaml",
     ("Update.Me.Winter2024",), ("password: ",))
case("ReplaceMe words year", 'mapOf("password" to "ReplaceMe_Prod2024")\n', "a.kt",
     ("ReplaceMe_Prod2024",), ('"password" to "',))
case("SetItUpNow", "password: SetItUpNow1\n", "c.yaml", ("SetItUpNow1",), ("password: ",))
benign("replace with your key", "api_key = \"REPLACE_WITH_YOUR_KEY\"\n", "settings.py")
benign("your token in angles", "token: <your-token>\n", "values.yaml")
benign("hashing column", "| Framework | Password hashing |\n|---|---|\n| a | sha512crypt |\n"
       "| b | bcrypt-sha256 |\n| c | argon2-cffi |\n| d | pbkdf2:sha256:600000 |\n", "README.md")
benign("hashing column html", "<table><tr><th>Framework</th><th>Password hashing</th></tr>\n"
       "<tr><td>a</td><td>SHA512-crypt</td></tr></table>\n", "index.html")
case("changeme with a key", "password = 'changemeXk9Q2'\n", "settings.py", ("changemeXk9Q2",),
     ("password = '",))
case("settings like value", "password = 'setitup2024Q'\n", "settings.py", ("setitup2024Q",),
     ("password = '",))

# -- a Hugging Face token of one case, Java's Map.of -------------------------------------------

HF = "hf_" + "qwertyuiopasdfghjklzxcvbnmqwertyui"
case("hf token lower case", f'HF_TOKEN = "{HF}"\n', "app.py", (HF,), ('HF_TOKEN = "',))
case("hf token shell", f"export HF_TOKEN={HF}\n", "run.sh", (HF,), ("export HF_TOKEN=",))
benign("hf identifier", 'model = "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"\n', "app.py")
case("java map of", f'var m = Map.of("user", "ci", "password", "{PW}");\n', "A.java", (PW,),
     ('"password", "',))
case("kotlin map of", f'val m = mapOf("user" to "ci", "password" to "{PW}")\n', "a.kt", (PW,),
     ('"password" to "',))
case("kotlin name in pieces", f'val m = mapOf("pass" + "word" to "{PW}")\n', "a.kt", (PW,),
     ('"pass" + "word" to "',))
case("java name in pieces", f'System.setProperty("db_" + "pass" + "word", "{PW}");\n', "A.java",
     (PW,), ('"db_" + "pass" + "word", "',))
benign("pieces of no name", f'x = "a" + "b", "{PW}"\n', "a.kt")
benign("java map of names", 'var m = Map.of("user", "password", "x", "Xk9mQ2vLp7wR");\n',
       "A.java")

# -- YAML -----------------------------------------------------------------------------------------

case("yaml list item block", f"passwords:\n  - |\n    {PW}\n", "values.yaml", (PW,),
     ("passwords:", "  - |"))
case("yaml list item block comment", f"passwords:\n  - | # prod\n    {PW}\n", "values.yaml",
     (PW,), ("  - | # prod",))
case("yaml list item anchor block", f"passwords:\n  - &a |\n    {PW}\n", "values.yaml", (PW,),
     ("  - &a |",))
case("yaml list item tag", f"passwords:\n  - !!str {PW}\n", "values.yaml", (PW,), ("  - !!str ",))
benign("yaml list item alias", "passwords:\n  - *default\n  - !!str first\n", "values.yaml")
case("yaml quoted folded", f'password: "{PW[:6]}\n  {PW[6:]}"\n', "values.yaml",
     (PW[:6], PW[6:]), ("password: ",))
benign("yaml quoted folded text", 'password: "Please enter\n  your password"\n', "values.yaml")
case("yaml anchor block", f"password: &p |\n  {PW}\n", "values.yaml", (PW,), ("password: &p |",))
case("yaml tag block", f"token: !secret |\n  {PW}abc\n", "values.yaml", (PW,),
     ("token: !secret |",))
benign("yaml local tag", "password: !secret db_password\n", "configuration.yaml")
case("yaml anchor list", f"passwords: &p\n  - {PW}\n", "values.yaml", (PW,), ("passwords: &p",))
case("yaml flow list", "tokens: [a1b2c3d4e5f6g7h8, c3d4e5f6g7h8i9j0]\n", "values.yaml",
     ("a1b2c3d4e5f6g7h8", "c3d4e5f6g7h8i9j0"), ("tokens: ",))
benign("yaml flow list words", "tokens: [lexer, parser]\nsecrets: [db, api]\n", "values.yaml")
case("yaml nested list", f"passwords:\n  - - {PW}\n", "values.yaml", (PW,), ("  - - ",))
case("yaml tokens list", "tokens:\n  - a1b2c3d4e5f6g7h8i9\n  - c3d4e5f6g7h8i9j0k1\n",
     "values.yaml", ("a1b2c3d4e5f6g7h8i9", "c3d4e5f6g7h8i9j0k1"), ("tokens:",))
benign("yaml tokens count", "tokens:\n  - 4096\n  - first\n", "values.yaml")

# -- code: a comment's line or a /* */ before a value, a "+" leading the next line ---------------

case("comment line python", f'PASSWORD = \\\n    # prod\n    "{PW}"\n', "app.py", (PW,),
     ("# prod",))
case("comment line js", f'password =\n  // prod\n  "{PW}";\n', "app.js", (PW,), ("// prod",))
case("block comment js", f'const password = /* prod */ "{PW}";\n', "app.js", (PW,),
     ("/* prod */",))
case("leading plus java", f'String password = "{PW[:6]}"\n    + "{PW[6:]}";\n', "A.java",
     (PW[:6], PW[6:]), ("String password = ",))
case("trailing plus kotlin", f'val password = "{PW[:6]}" +\n    "{PW[6:]}"\n', "a.kt",
     (PW[:6], PW[6:]), ("val password = ",))
case("trailing plus swift", f'let password = "{PW[:6]}" +\n  "{PW[6:]}"\n', "a.swift",
     (PW[:6], PW[6:]), ("let password = ",))
case("trailing plus scala", f'val password = "{PW[:6]}" +\n  "{PW[6:]}";\n', "a.scala",
     (PW[:6], PW[6:]), ("val password = ",))
benign("trailing plus message kotlin", 'val msg = "Please enter" +\n  " the password"\n', "a.kt")
benign("leading plus message", 'msg = "Please enter"\n  + " the password";\n', "app.js")

# -- free-text forms in documents -------------------------------------------------------------

case("doc api key", f"Use api key {PW}Zz9 for staging.\n", "README.md", (PW,), ("api key ",))
case("doc arrow", f"token => {PW}\n", "notes.txt", (PW,), ("token => ",))
case("doc userinfo", "psql bob:p@ss#W0rd!@db.example.com\n", "README.rst", ("p@ss#W0rd!",),
     ("psql bob:", "@db.example.com"))
case("doc bold password", f"**Password:** {PW}\n", "README.md", (PW,), ("**Password:** ",))
case("doc bold api key", f"**API key:** {PW}\n", "notes.txt", (PW,), ("**API key:** ",))
case("doc PW colon", f"PW: {PW}\n", "README.md", (PW,), ("PW: ",))
case("doc pass colon", f"pass: {PW}\n", "notes.txt", (PW,), ("pass: ",))
case("doc login pass", f"login: ci / pass: {PW}\n", "README.md", (PW,), ("login: ci / pass: ",))
case("doc api key backticks", f"Use api key `{PW}Zz9` for staging.\n", "README.md", (PW,),
     ("Use api key `", "` for staging."))
benign("doc pass count", "Tests pass: 42 of 50\n- pass: all green\nPW: see vault\n", "README.md")
benign("doc api key name backticks", "the api key `API_KEY_NAME` is read\n", "README.md")
case("doc userinfo no at", f"psql ci:{PW}@db.example.com\n", "README.md", (PW,),
     ("psql ci:", "@db.example.com"))
case("git userinfo no at", f"login: use ci:{PW}@db.example.com for staging", "", (PW,),
     ("use ci:", "@db.example.com for staging"), redact_git)
benign("doc userinfo look-alikes", "git@github.com:org/repo.git, ssh://git@host:22/repo, "
       "user@host:path\nnpm:lodash@4.17.21 nginx:1.25@sha256:0123456789abcdef "
       "http://localhost:8000\ngopls:latest@main foo:bar@baz.io "
       "pkg:maven/org.apache:commons@1.2.3\n[A](mailto:aaossa+black@uc.cl)\n", "README.md")
benign("git userinfo look-alikes", "bump npm:react@18.2 and docker:dind@docker.io, "
       "[B](mailto:proofit404@gmail.com)", "", redact_git)
case("todo comment api key", f"# TODO: remove api key {PW}Zz9 before release\n", "app.py", (PW,),
     ("# TODO: remove api key ", " before release"))
case("js comment api key", f"x = 1  // api key {PW}Zz9\n", "app.js", (PW,), ("// api key ",))
benign("comment api key name", "# the api key API_KEY_NAME_HERE is read\n", "app.py")
benign("doc api key prose", "Set the api key environment variable first.\n", "README.md")
benign("doc arrow prose", "token => next step\n", "README.md")
benign("doc npm version", "bump npm:react@18 and npm:vue@3.4.0\n", "CHANGELOG.md")
benign("source userinfo", "# psql bob:p@ss#W0rd!@db.example.com\n", "app.py")

# -- tables -----------------------------------------------------------------------------------

case("table Token", "| user | Token |\n|---|---|\n| ci | a1B2c3D4e5F6g7H8 |\n", "README.md",
     ("a1B2c3D4e5F6g7H8",), ("| ci | ",))
benign("table Token lexer", "| Token | Meaning |\n|---|---|\n| IDENT | a name |\n"
       "| 0x1F600 | a code point |\n", "README.md")
benign("table Token class names", "| Model | Token |\n|---|---|\n| gpt2 | GPT2TokenizerFast |\n"
       "| bert | BertTokenizerFast2 |\n| m | distilbert-base-uncased-2 |\n", "README.md")
case("table Token random", "| Model | Token |\n|---|---|\n| ci | Xk9mQ2vLp7wRa1B2 |\n",
     "README.md", ("Xk9mQ2vLp7wRa1B2",), ("| ci | ",))
case("table PIN", "| user | PIN |\n|---|---|\n| ci | 482139 |\n", "README.md", ("482139",),
     ("| ci | ",))
case("table PW", f"| user | PW |\n|---|---|\n| ci | {PW}! |\n", "README.md", (PW,), ("| ci | ",))
case("table russian", f"| \u041b\u043e\u0433\u0438\u043d | \u041f\u0430\u0440\u043e\u043b\u044c |"
     f"\n|---|---|\n| ci | {PW}! |\n", "README.md", (PW,), ("| ci | ",))
case("html bold header", "<table><tr><td><b>user</b></td><td><b>password</b></td></tr>\n"
     f"<tr><td>ci</td><td>{PW}!</td></tr></table>\n", "index.html", (PW,), ("<td>ci</td>",))
case("rst csv-table", '.. csv-table:: Accounts\n   :header: "user", "password"\n\n'
     f'   "ci", "{PW}!"\n', "accounts.rst", (PW,), ('"ci", "',))
case("rst csv-table header rows", ".. csv-table:: Accounts\n   :header-rows: 1\n   :delim: tab\n"
     f"\n   user\tToken\n   ci\t{PW}a1B2\n", "accounts.rst", (PW,), ("   ci\t",))
case("csv file", f"user,password\nci,{PW}!\n", "users.csv", (PW,), ("ci,",))
case("tsv file", f"user\tpassword\nci\t{PW}!\n", "users.tsv", (PW,), ("ci\t",))
benign("csv file of fields", "field,type\npassword,varchar(255)\ntoken,text\n", "schema.csv")


# -- a line repeated (read once, by detect-secrets and by our patterns): each copy masked ---------

case("repeated lines", "db_password = 'Xk9mQ2vLp7wR'\n" * 3 + "x = 1\n"
     + "AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEYa'\n" * 2, "app.py",
     ("Xk9mQ2vLp7wR", "wJalrXUtnFEMIK7MDENG"), ("db_password = '", "x = 1"))


test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

# Hostile inputs to the readings added here: each must finish.
HOSTILE: dict[str, tuple[str, Reader, str]] = {
    "leading plus": ('password = "ab"\n + "cd"\n' * 20_000, redact, "a.js"),
    "comment lines": ("password =\n// x\n" * 20_000, redact, "a.js"),
    "yaml list blocks": ("passwords:\n  - |\n" * 20_000, redact, "c.yaml"),
    "yaml open quotes": ('password: "abc\n' * 20_000, redact, "c.yaml"),
    "flow list": ("tokens: [" + "a1b2c3d4e5f6, " * 30_000 + "]", redact, "c.yaml"),
    "map of": ("Map.of(" + '"a", "b", ' * 40_000, redact, "A.java"),
    "name pieces": ('"pass" + "word", "x"; ' * 20_000, redact, "a.kt"),
    "plus chain": ("'a'+'b'+'c'+'d', " * 20_000, redact, "a.kt"),
    "doc free forms": ("api key token => bob:p@ss@host " * 10_000, redact, "README.md"),
    "csv columns": ("password," * 1000 + "\n" + "a," * 1000 + "\n" + "a,\n" * 50_000, redact,
                    "u.csv"),
    "rst csv rows": (".. csv-table:: x\n   :header: password\n\n" + "   Xk9m2!ab\n" * 40_000,
                     redact, "a.rst"),
    "bold html rows": ("<table>" + "<tr><td><b>password</b></td></tr>" * 20_000, redact,
                       "a.html"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)
