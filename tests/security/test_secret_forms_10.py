"""Secret forms a hostile review found (round 10). Leaks: Rust's ``concat!`` after a secret's name
on a line not starting with ``const`` (a commit subject, a TODO) and over lines; SQL's
``IDENTIFIED BY`` with the value on the next line or after a comment; adjacent literals after a
secret's name (one line, a comment's, a backslash continuation's first piece on the name's line or
a trailing comment after its last, C's pieces over lines; CRLF continuations); en and em dashes in
a name, fullwidth ``：``/``＝`` after one; ``Object.freeze([`` over lines; Lua long strings over
lines and under ``c['password']``. Look-alikes kept: ``IDENTIFIED BY VALUES`` (the hash is masked,
not the keyword), a prompt's prose pieces. Each case calls the real :func:`redact` (or
:func:`redact_git` for a commit's text)."""

from __future__ import annotations

from secret_cases import SecretCases, hostile_test

from analyzers.secrets import redact, redact_git

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"
A, B = "Rs8kP3mQ", "7vX2nZ4w"
V, W = "Zx9kQ2vLp8", "Tr4mW7bNq1"
TOKEN = "Fh7KdP2qW9xZr4Tm"
TOKEN2 = "Bq7Zr3Wn8Yt2Lm5Kd9Hs"

# -- 1. Rust concat! --

case("rust concat in a commit subject", f'rust: const TOKEN: &str = concat!("{A}", "{B}");',
     "", (A, B), ("rust: const TOKEN: &str = concat!(",), fn=redact_git)
case("rust concat in a TODO", f'// TODO: const TOKEN: &str = concat!("{A}", "{B}"); rotate\n',
     "a.rs", (A, B), ("// TODO: const TOKEN",))
case("rust concat over lines", f'const TOKEN: &str = concat!(\n    "{A}",\n    "{B}",\n);\n',
     "a.rs", (A, B), ("const TOKEN: &str = concat!(",))
benign("rust concat over lines of no secret",
       f'const NAME: &str = concat!(\n    "{A}",\n    "{B}",\n);\n'
       'const TOKEN: &str = concat!(\n    env!("HOME"),\n    "/x",\n);\n', "a.rs")

# -- 2. SQL IDENTIFIED BY --

case("sql identified by then the value on the next line",
     f"CREATE USER app IDENTIFIED BY\n  {PW};\n", "init.sql", (PW,), ("IDENTIFIED BY",))
case("sql identified then by on the next line", f"CREATE USER app IDENTIFIED\n  BY {PW};\n",
     "init.sql", (PW,), ("  BY ",))
case("sql identified by in a commit message", f"db: CREATE USER app IDENTIFIED BY\n  {PW}", "",
     (PW,), ("db: CREATE USER",), fn=redact_git)
case("sql identified by after a comment", f"CREATE USER app IDENTIFIED BY /* pw */ {PW};\n",
     "init.sql", (PW,), ("/* pw */ ",))
case("sql identified by values masks the hash",
     "CREATE USER app IDENTIFIED BY VALUES 'S:9F2A7C3B1D4E5F60718293A4B5C6D7E8F9012345';\n",
     "init.sql", ("9F2A7C3B1D4E5F60718293A4B5C6D7E8F9012345",), ("IDENTIFIED BY VALUES '",))
benign("sql identified by over lines of no secret",
       "CREATE USER app IDENTIFIED BY\n  :password;\nCREATE USER ops IDENTIFIED\n  EXTERNALLY;\n",
       "init.sql")
case("sql identified by in small letters in a sql file",
     f"create user app identified by {PW};\n", "init.sql", (PW,), ("identified by ",))
case("sql identified by in small letters quoted in a document",
     f"create user app identified by '{PW}';\n", "notes.md", (PW,), ("identified by '",))
benign("prose's identified by (a commit subject, a comment)",
       "IDENTIFIED BY only after USER/ROLE/LOGIN ('identified by glob pattern' was flagged)\n"
       "grant to user bob, identified by name\n", "")

# -- 3. adjacent literals --

case("adjacent literals in a TODO", f'# TODO rotate PASSWORD = "{V}" "{W}" soon\n', "a.py",
     (V, W), ("# TODO rotate PASSWORD = ", " soon"))
case("adjacent literals in a commit message",
     f'# TODO rotate PASSWORD = "{V}" "{W}" before release', "", (V, W), ("before release",),
     fn=redact_git)
case("backslash continuation with a trailing comment",
     f'PASSWORD = \\\n    "{V}"  \\\n    "{W}"  # two halves\n', "a.py", (V, W), ("# two halves",))
case("first piece on the name's line", f'PASSWORD = "{V[:6]}" \\\n    "{W[:6]}"\n', "a.py",
     (V[:6], W[:6]), ("PASSWORD = ",))
case("c adjacent literals over lines", f'static const char *password = "{V}"\n    "{W}";\n',
     "a.c", (V, W), ("static const char *password = ",))
case("backslash continuation with CRLF", f'PASSWORD = \\\r\n    "{V}" \\\r\n    "{W}"\r\n',
     "a.py", (V, W), ("PASSWORD = \\",))
benign("prompt in pieces", 'PASSWORD_PROMPT = \\\n    "Enter your " \\\n    "password: "\n',
       "a.py")
benign("adjacent literals of no secret",
       f'NAME = "{V}" "{W}"\nmsg = "a" "b"\nchar *greeting = "{V}"\n    "{W}";\n', "a.py")

# -- 4. look-alike separators in a name --

case("en dash in a name", f"api\u2013key: {TOKEN}\n", "a.yaml", (TOKEN,), ("api\u2013key: ",))
case("em dash in a name", f"api\u2014key: {TOKEN}\n", "a.yaml", (TOKEN,), ("api\u2014key: ",))
case("fullwidth colon after a name", f"password\uff1a{PW}\n", "a.yaml", (PW,),
     ("password\uff1a",))
case("fullwidth equals after a name", f"PASSWORD\uff1d{PW}\n", ".env", (PW,), ("PASSWORD\uff1d",))
benign("dashes and fullwidth colons of no secret",
       f"Jan\u2013Mar: {PW}\nhost\uff1a{PW}\n\u540d\u524d\uff1a{PW}\n", "a.yaml")

# -- 5. lists and long strings over lines --

case("js freeze array over lines",
     f'const API_KEYS = Object.freeze([\n  "{TOKEN}",\n  "{TOKEN2}",\n]);\n', "a.js",
     (TOKEN, TOKEN2), ("const API_KEYS = Object.freeze([",))
benign("js freeze array over lines of no secret",
       f'const COLORS = Object.freeze([\n  "{TOKEN}",\n]);\n'
       'const API_KEYS = Object.freeze([\n  "access",\n  "refresh",\n]);\n', "a.js")
case("lua long string closed on a later line", f"password = [[\n{PW}]]\n", "a.lua", (PW,),
     ("password = [[",))
case("lua long string of a level over lines", f"password = [==[\n{PW}\n]==]\n", "a.lua", (PW,),
     ("password = [==[",))
case("lua long string under an indexed key", f"c['password'] = [[{PW}]]\n", "a.lua", (PW,),
     ("c['password'] = [[",))
benign("lua long strings over lines of no secret",
       f"c['name'] = [[{PW}]]\nlocal s = [==[\n{PW}\n]==]\n", "a.lua")


test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "pieces": ('PASSWORD = "a" ' + '"b" ' * 40_000 + "\n", redact, "a.py"),
    "assignments": ('PASSWORD = "a" ' * 40_000 + "\n", redact, "a.py"),
    "opened lists": ("TOKEN = concat!(\n" * 40_000, redact, "a.rs"),
    "identified by over lines": ("USER IDENTIFIED BY\n" * 40_000, redact, "a.sql"),
    "long strings over lines": ("password = [==[\n" * 20_000, redact, "a.lua"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)
