"""Secret forms a verifier found shown (fourth round): in git's free text, a URL's credentials
with no scheme before an IP address, in brackets or in backticks; a URL flattened with
``https___``; values over 300 characters (and passwords over 128 in flattened or encoded URLs),
the whole of them; ``::=``, a no-break space and ``pw ->`` before a value. And a false positive in
code: a parameter's or field's type (``secret: &[u8]``, ``password: &str``) is no secret. Each
case calls the real :func:`redact` (or :func:`redact_git`): the secret value is gone, the text
around it is kept. A close look-alike that is no secret is left as it is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from secret_cases import SecretCases

from analyzers.secrets import redact, redact_git

TABLE = SecretCases(redact_git)
case, benign = TABLE.case, TABLE.benign


# -- scheme-less credentials before an IP address, in brackets, in backticks -------------------

case("git ip host", "psql bob:p@ss#W0rd!@10.0.0.5:5432/prod", "", ("p@ss#W0rd!", "W0rd"),
     ("psql bob:", "@10.0.0.5:5432/prod"))
case("git backticks", "use `admin:p@ss#W0rd!@db.example.com`", "", ("p@ss#W0rd!", "W0rd"),
     ("use `admin:", "@db.example.com`"))
case("git ipv6 host", "bob:p@ss#1@[::1]:5432", "", ("p@ss#1",), ("bob:", "@[::1]:5432"))
case("git ip host no at", "ssh deploy:Xk9mQ2vLp7wRt4zB@10.1.2.3", "", ("Xk9mQ2vLp7wRt4zB",),
     ("ssh deploy:", "@10.1.2.3"))
benign("npm version", "bump npm:react@18 and npm:vue@3.4.0")
benign("scp address", "push to git@github.com:org/repo")
benign("user group prose", "chown user:group@host after the copy")
benign("mailto with colon", "mailto:user:group@example.com")
benign("mailto", "write to mailto:ops@example.com")


# -- a URL flattened with three underscores (a cache's path) -----------------------------------

case("git https underscores", "cache/https___bob:Xk9mQ2vLp7wRt4zB@github.com/org", "",
     ("Xk9mQ2vLp7wRt4zB",), ("cache/https___bob:", "@github.com/org"))
benign("snake case word", "rename my___var:value to my_var")

# -- values over 300 characters (passwords over 128 in flattened or encoded URLs), whole -------

LONG = "A1b2" * 100
case("git arrow long", f"token => {LONG} set", "", (LONG[-40:],), ("token => ", " set"))
LONG_KEY = "A1b2c3" * 51
case("git api key long", f"api key {LONG_KEY} rotated", "", (LONG_KEY[-40:],),
     ("api key ", " rotated"))
LONG_PW = "Zq9x" * 50
case("git flattened long password", f"x https:__bob:{LONG_PW}@github.com/o", "",
     (LONG_PW[-40:],), ("https:__bob:", "@github.com/o"))
case("git flattened long password with at", f"x https:__bob:p@{LONG_PW}@github.com/o", "",
     (LONG_PW[-40:],), ("https:__bob:", "@github.com/o"))
LONG_ENC = "Zq9%21" * 50
case("git encoded long password", f"x https%3A%2F%2Fbob%3A{LONG_ENC}%40github.com", "",
     (LONG_ENC[-40:],), ("https%3A%2F%2Fbob%3A", "%40github.com"))
benign("api key long word", "api key " + "A1b2c3" * 51 + "!x is a test")

# -- ::=, a no-break space, pw -> ------------------------------------------------------------

case("git bnf assign", "DB_PASSWORD ::= Xk9mQ2vLp7wRt4zB", "", ("Xk9mQ2vLp7wRt4zB",),
     ("DB_PASSWORD ::= ",))
case("git nbsp", "api key\xa0Xk9mQ2vLp7wRt4zB", "", ("Xk9mQ2vLp7wRt4zB",), ("api key\xa0",))
case("git pw arrow", "pw -> Xk9#2", "", ("Xk9#2",), ("pw -> ",))
benign("pw arrow word", "pw -> next step")

# -- code: a parameter's or field's type is no secret (axum's ``fn new(secret: &[u8])``) ---------

benign("rust bytes parameter", "fn new(secret: &[u8]) -> Self {\n", "lib.rs", redact)
benign("rust str parameter", "pub fn login(user: &str, password: &str) -> bool {\n", "lib.rs",
       redact)
benign("rust vec field", "pub struct Key {\n    pub secret: Vec<u8>,\n}\n", "lib.rs", redact)
benign("ts typed parameter", "function login(password: Uint8Array) {\n", "auth.ts", redact)
benign("rust generic field", "    secret: SecretString,\n", "lib.rs", redact)
case("ts quoted password", 'const c = { password: "hunter2" };\n', "a.ts", ("hunter2",),
     ("password: ",), redact)
case("yaml password", "password: Xk9mQ2vLp7wRt4zB\n", "config.yaml", ("Xk9mQ2vLp7wRt4zB",),
     ("password: ",), redact)
case("prose password", "the password: Xk9mQ2vLp7wRt4zB\n", "", ("Xk9mQ2vLp7wRt4zB",),
     ("password: ",), redact)
case("rust comment password", "// password: Summer2024\n", "lib.rs", ("Summer2024",),
     ("password: ",), redact)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


# Hostile inputs to the scans added here: each must finish (timings measured by hand, never
# asserted).
HOSTILE: dict[str, tuple[str, Callable[..., str], str]] = {
    "ip userinfo": ("a:b@1" * 60_000, redact_git, ""),
    "backtick userinfo": ("`a:b@c@" * 40_000, redact_git, ""),
    "long userinfo": ("https:__u:" + "p" * 300_000, redact_git, ""),
    "long userinfo ats": ("https:__u:" + "p@" * 150_000, redact_git, ""),
    "long encoded": ("https%3A%2F%2Fu%3A" + "%21" * 100_000, redact_git, ""),
    "long arrow": ("token => " + "A1" * 150_000, redact_git, ""),
    "long api key": ("api key " + "A1" * 150_000 + "!", redact_git, ""),
    "nbsp keys": ("api key\xa0" * 30_000, redact_git, ""),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_finishes(name: str) -> None:
    text, fn, filename = HOSTILE[name]
    assert fn(text, filename).count("\n") == text.count("\n")
