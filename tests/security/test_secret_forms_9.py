"""Secret forms a hostile review found (round 9). Leaks: a Python backslash continuation
(``PASSWORD = \\`` then the value); Java's ``System.setProperty("db.password", "V")``; SQL's
``IDENTIFIED BY``; fish's ``set -x API_KEY V``; PHP's keyed arrays; comments before ``=``; Lua's
long strings; ``Object.freeze`` and Rust's ``concat!`` assigned to a secret's name; a YAML complex
key; a Markdown indented code block after ``password:``; look-alike letters in a secret's name.
Look-alikes kept: a class named in ``secrets: {store: VaultStore}`` and a PascalCase identifier as
a section's ``key``. Each case calls the real :func:`redact`."""

from __future__ import annotations

from secret_cases import SecretCases, hostile_test

from analyzers.secrets import redact

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"
TOKEN = "Xk9mQ2vLp7wRz8Tq4Nm2"
TOKEN2 = "Bq7Zr3Wn8Yt2Lm5Kd9Hs"

# -- 7. Python backslash continuation --

case("python backslash continuation in pieces",
     f'DB_PASSWORD = \\\n    "{PW[:6]}" \\\n    "{PW[6:]}"\n', "a.py", (PW[:6], PW[6:]),
     ("DB_PASSWORD = \\",))
case("python backslash continuation then empty piece", f'PASSWORD = \\\n    "{PW}" \\\n    ""\n',
     "a.py", (PW,), ("PASSWORD = \\",))
benign("python backslash continuation of no secret",
       'PASSWORD = \\\n    os.environ["PASSWORD"]\nname = \\\n    "Xk9mQ2vLp7wR"\n', "a.py")

# -- 8. Java system properties --

case("java setProperty api key", f'System.setProperty("stripe.api.key", "{TOKEN}");\n',
     "A.java", (TOKEN,), ("System.setProperty(",))
benign("java setProperty of no secret",
       'System.setProperty("db.password", System.getenv("DB_PASSWORD"));\n'
       'System.setProperty("user.timezone", "Xk9mQ2vLp7wR");\n', "A.java")

# -- 9. SQL IDENTIFIED BY --

case("sql alter user bare", f"ALTER USER app IDENTIFIED BY {PW};\n", "init.sql", (PW,),
     ("ALTER USER app IDENTIFIED BY ",))
case("sql create user bare over lines", f"CREATE USER app\n  IDENTIFIED BY {PW};\n", "init.sql",
     (PW,), ("CREATE USER app", "IDENTIFIED BY "))
benign("sql identified by of no secret",
       "CREATE USER app IDENTIFIED BY :password;\nALTER USER app IDENTIFIED BY '${DB_PASSWORD}';\n"
       "CREATE USER app IDENTIFIED EXTERNALLY;\n", "init.sql")
benign("identified by in a comment",
       "// LoadHTMLGlob loads HTML files identified by glob pattern\n", "gin.go")

# -- 10. fish shell --

case("fish set -x", f"set -x API_KEY {TOKEN}\n", "config.fish", (TOKEN,), ("set -x API_KEY ",))
case("fish set -gx quoted", f'set -gx PASSWORD "{PW}"\n', "config.fish", (PW,),
     ("set -gx PASSWORD",))
benign("fish set of no secret", "set -x PATH /usr/local/bin $PATH\nset -gx API_KEY $secret\n"
       "set -x EDITOR Xk9mQ2vLp7wR\n", "config.fish")

# -- 1. PHP keyed arrays --

case("php key then arrow on next line", f"$c = [\n    'password'\n        => '{PW}',\n];\n",
     "a.php", (PW,), ("'password'",))
benign("php array of no secret",
       "$c = array('password' => getenv('DB_PASSWORD'), 'user' => 'Xk9mQ2vLp7wR');\n", "a.php")

# -- 3. comments before "=" --

case("two comments before equals", f'password /*a*/ /*b*/ = "{PW}";\n', "a.js", (PW,),
     ("password /*a*/ /*b*/ = ",))

# -- 11. Lua long strings --

case("lua long string", f"local password = [[{PW}]]\n", "a.lua", (PW,), ("local password = [[",))
case("lua long string level", f"api_key = [==[{TOKEN}]==]\n", "a.lua", (TOKEN,),
     ("api_key = [==[",))
benign("lua long string of no secret",
       "local password = [[changeme]]\nlocal s = [[Xk9mQ2vLp7wR]]\n", "a.lua")

# -- 2. Object.freeze --

case("js freeze array", f'const API_KEYS = Object.freeze(["{TOKEN}", "{TOKEN2}"]);\n', "a.js",
     (TOKEN, TOKEN2), ("const API_KEYS = Object.freeze([",))
case("js freeze object", f"const secrets = Object.freeze({{stripe: '{TOKEN}'}});\n", "a.js",
     (TOKEN,), ("Object.freeze({stripe: '",))
benign("js freeze of no secret", 'const COLORS = Object.freeze(["Xk9mQ2vLp7wR"]);\n'
       'const API_KEYS = Object.freeze(["access", "refresh"]);\n', "a.js")

# -- 4. Rust concat! --

case("rust concat", f'const API_KEY: &str = concat!("{TOKEN[:10]}", "{TOKEN[10:]}");\n', "a.rs",
     (TOKEN[:10], TOKEN[10:]), ("const API_KEY: &str = concat!(",))
benign("rust concat of no secret", 'const NAME: &str = concat!("Xk9mQ2vLp7", "wRz8Tq4Nm2");\n',
       "a.rs")

# -- 12. YAML complex keys --

case("yaml complex key", f"? |\n  db password\n: {PW}\nother: 1\n", "a.yaml", (PW,),
     ("db password", "other: 1"))
benign("yaml complex key of no secret", "? |\n  db host\n: Xk9mQ2vLp7wR\n", "a.yaml")

# -- 5. Markdown indented code after "password:" --

case("markdown indented code after password", f"The password:\n\n    {PW}\n\nThen log in.\n",
     "README.md", (PW,), ("The password:", "Then log in."))
benign("markdown indented code of no secret", "The password:\n\n    changeme\n\nUsage:\n\n"
       "    Xk9mQ2vLp7wR\n", "README.md")

# -- 6. look-alike characters in a secret's name --

case("fullwidth hyphen in name", f"API\uff0dKEY={TOKEN}\n", ".env.local", (TOKEN,), ("API",))
case("greek omicron in name", f'passw\u03bfrd = "{PW}"\n', "a.py", (PW,), ("passw\u03bfrd",))
case("non-breaking hyphen in name", f"api\u2011key: {TOKEN}\n", "a.yaml", (TOKEN,),
     ("api\u2011key: ",))

# -- look-alikes: a class's name, a PascalCase identifier --

benign("yaml flow map of a class name", "secrets: {store: VaultStore}\n", "values.yaml")
benign("toml key of an identifier", '[api]\nkey = "UserAgentHeader"\n', "a.toml")

# -- a token's generated value shorter than 16 characters (the verifier's) --

case("api token of 12 generated characters", 'API_TOKEN = "Zx9#kQ2!vLp8"\n', "app/tok.py",
     ("Zx9#kQ2!vLp8",), ("API_TOKEN = ",))
case("bare token of 12 generated characters", 'TOKEN = "Tp5kR8wQ3zXm"\n', "app/tok.py",
     ("Tp5kR8wQ3zXm",), ("TOKEN = ",))
benign("token of a name with a number, a version, a lexer's",
       'TOKEN = "GPT2TokenizerFast"\nTOKEN = "Version2Beta3"\ntoken = "LPAREN"\n'
       'NEXT_TOKEN = "Ab12Cd34Ef"\nTOKEN = "v1.2.3-RC4"\n', "app/tok.py")


test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "continuations": ("PASSWORD = \\\n" * 40_000, redact, "a.py"),
    "set properties": ('System.setProperty("a.password", ' * 20_000 + "\n", redact, "A.java"),
    "identified by": ("IDENTIFIED BY " * 40_000 + "\n", redact, "a.sql"),
    "php arrows": ("'password' => " * 40_000 + "\n", redact, "a.php"),
    "comments": ("password " + "/*a*/ " * 40_000 + "\n", redact, "a.js"),
    "long strings": ("password = [==[" * 20_000 + "\n", redact, "a.lua"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)
