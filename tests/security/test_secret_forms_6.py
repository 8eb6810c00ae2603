"""Secret forms a hostile review found (sixth round). Leaks: a YAML value folded inside quotes; a
JS template literal after a comment's line; a ``/* */`` over lines between a name and its value;
``Map.of(`` and ``mapOf(`` pairs over several lines; Markdown prose (``The api key is `…`.``,
``bearer token …``, ``client secret …``, ``creds: ci / …``, a definition list); YAML's
``tokens:`` over ``- value: …`` and complex keys (``? password``); a list of secrets in code and
in JSON over lines; a value found once and shown at its other places in the file; Terraform's
``variable "db_password" { default = … }``; a Kubernetes Secret's ``data:`` and ``stringData:``;
names written with look-alike letters (Cyrillic, fullwidth). A false positive: a password
validator's CSV of cases (``valid``, ``invalid2``, ``missing uppercase letter``). Each case calls
the real :func:`redact` (or :func:`redact_git`): the secret value is gone, the text around it is
kept. A close look-alike that is no secret is left as it is."""

from __future__ import annotations

import base64

from secret_cases import Reader, SecretCases, hostile_test

from analyzers.secrets import find_secrets, redact, redact_git, redact_lines, scan_text

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"
PW2 = "Qz8nW3rTy6uP"
TOKEN = "Xk9mQ2vLp7wRz8Tq4Nm2"

# -- code over several lines ----------------------------------------------------------------------

case("yaml quoted value folded", f'db:\n  password: "{PW[:6]}\n    {PW[6:]}"\n', "c.yaml",
     (PW[:6], PW[6:]), ("password: ",))
case("yaml quoted value folded on the next line",
     f'db:\n  password:\n    "{PW[:6]}\n    {PW[6:]}"\n', "c.yaml", (PW[:6], PW[6:]),
     ("password:",))
case("js template after a comment",
     f"const cfg = {{\n  token:\n    // prod\n    `{TOKEN}`,\n}};\n", "a.js",
     (TOKEN,), ("  token:", "// prod"))
case("go raw string on the next line", f"x := S{{\n  Password:\n    `{PW}`,\n}}\n", "a.go",
     (PW,), ("  Password:",))
benign("js template of a url", "const cfg = {\n  token:\n    `https://${host}/a1b2c3d4e5f6g7`,\n"
       "};\n", "a.js")
case("comment over lines", f'const password = /* the\n  prod one */ "{PW}";\n', "a.js", (PW,),
     ("const password = /* the", "prod one */"))
case("java map of over lines", f'var m = Map.of(\n    "user", "ci",\n    "password",\n'
     f'    "{PW}");\n', "A.java", (PW,), ('"password",',))
case("java map of pair on a line", f'var m = Map.of(\n    "user", "ci",\n    "password", "{PW}"\n'
     ");\n", "A.java", (PW,), ('"password", "',))
case("kotlin map of over lines", f'val m = mapOf(\n    "user" to "ci",\n    "password" to\n'
     f'        "{PW}"\n)\n', "a.kt", (PW,), ('"password" to',))
case("python list of passwords", f'PASSWORDS = ["{PW}", "{PW2}"]\n', "a.py", (PW, PW2),
     ("PASSWORDS = [",))
benign("python list of names", "PASSWORD_FIELDS = [user.password, form.password2]\n", "a.py")
case("json list over lines", f'{{\n  "api_keys": [\n    "{PW}",\n    "{PW2}"\n  ]\n}}\n', "a.json",
     (PW, PW2), ('"api_keys": [',))
case("python list over lines", f'API_KEYS = [\n    "{PW}",  # prod\n    "{PW2}",\n]\n', "a.py",
     (PW, PW2), ("API_KEYS = [", "# prod"))
benign("json list of words", '{\n  "passwords": [\n    "required",\n    "min_length"\n  ]\n}\n',
       "a.json")

# -- YAML -----------------------------------------------------------------------------------------

case("yaml tokens value items", f"tokens:\n  - value: {PW}\n  - value: {PW2}\n", "c.yaml",
     (PW, PW2), ("tokens:", "  - value: "))
case("yaml tokens mapping items", f"tokens:\n  - name: ci\n    value: {PW}\n", "c.yaml", (PW,),
     ("  - name: ci", "    value: "))
benign("yaml tokens of words", "tokens:\n  - value: true\n  - name: ci\n", "c.yaml")
case("yaml complex key", f"? password\n: {PW}\n", "c.yaml", (PW,), ("? password",))
benign("yaml complex key of no secret", f"? user\n: {PW}\n", "c.yaml")

# -- prose ----------------------------------------------------------------------------------------

case("md api key is code span", f"The api key is `{PW}`.\n", "README.md", (PW,),
     ("The api key is",))
case("md password is code span", f"The password is `{PW}`.\n", "README.md", (PW,),
     ("The password is",))
case("creds user slash password", f"creds: ci / {PW}\n", "notes.txt", (PW,), ("creds: ci / ",))
case("creds in markdown", f"- creds: ci / {PW}\n", "README.md", (PW,), ("creds: ci / ",))
benign("creds slash words", "creds: see / vault\n", "notes.txt")
case("bearer token prose", f"Use the bearer token {PW} for ci.\n", "README.md", (PW,),
     ("Use the bearer token ",))
case("client secret prose", f"The client secret {PW} is for ci.\n", "README.md", (PW,),
     ("The client secret ", " is for ci."))
case("client secret commit", f"ci: rotate client secret {PW}\n", "", (PW,), ("ci: rotate",),
     redact_git)
benign("client secret words", "The client secret is stored in the vault.\n", "README.md")
case("md definition list", f"Password\n: {PW}\n", "README.md", (PW,), ("Password\n: ",))
case("md definition list api key", f"**API key**\n: `{PW}`\n", "README.md", (PW,),
     ("**API key**",))
benign("md definition list of words", "Password\n: The account's password, kept in the vault\n",
       "README.md")

# -- a value found once: every other place of it in the file --------------------------------------

case("repeated in a yaml list", f"password: {PW}\nothers:\n  - {PW}\n", "c.yaml", (PW,),
     ("others:",))
case("repeated in a call", f'PASSWORD = "{PW}"\nprint("{PW}")\n', "a.py", (PW,), ("print(",))
case("repeated in prose", f"The password is {PW}.\nAgain: {PW}\n", "notes.txt", (PW,),
     ("Again: ",))
case("repeated in a commit message", f"ci: token => {PW}\n\nthe old one was {PW} too\n", "",
     (PW,), ("ci: token => ", "the old one was "), redact_git)
benign("short value not repeated", 'PASSWORD = "Ab1!x"\nprint("Ab1!x")\n', "a.py")

# -- Terraform, Kubernetes ------------------------------------------------------------------------

case("terraform variable default", f'variable "db_password" {{\n  type    = string\n'
     f'  default = "{PW}"\n}}\n', "main.tf", (PW,), ("  type    = string", "  default = "))
case("terraform variable one line", f'variable "db_password" {{ default = "{PW}" }}\n', "main.tf",
     (PW,), ('variable "db_password"',))
benign("terraform variable of no secret", f'variable "region" {{\n  default = "{PW}"\n}}\n',
       "main.tf")
benign("terraform variable placeholder", 'variable "db_password" {\n  default = "change-me"\n}\n',
       "main.tf")
B64 = base64.b64encode(PW.encode()).decode()
K8S = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n"
       f"  username: Y2k=\n  conn: {B64}\n")
case("kubernetes secret data", K8S, "secret.yaml", (B64,), ("  conn: ", "  name: db"))
case("kubernetes secret string data", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
     f'stringData:\n  conn: "{PW}"\n  config.yaml: |\n    url: {PW2}\n', "secret.yaml",
     (PW, PW2), ("  conn: ", "  config.yaml: |"))
case("kubernetes secret second document", "kind: ConfigMap\ndata:\n  mode: prod\n---\n"
     f"kind: Secret\ndata:\n  conn: {B64}\n", "all.yaml", (B64,), ("  mode: prod",))
benign("kubernetes config map", f"apiVersion: v1\nkind: ConfigMap\ndata:\n  conn: {B64}\n",
       "cm.yaml")
benign("kubernetes secret template", "kind: Secret\ndata:\n"
       "  password: {{ .Values.password | b64enc }}\n", "templates/secret.yaml")

# -- look-alike letters in a name -----------------------------------------------------------------

case("cyrillic letters in a name", f'\u0440\u0430ssword = "{PW}"\n', "a.py", (PW,), ("ssword",))
case("cyrillic letters in yaml", f"db_\u0440\u0430ssword: {PW}\n", "c.yaml", (PW,), ("ssword",))
case("fullwidth name", f'\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44 = "{PW}"\n', "a.py",
     (PW,), ('= "',))
case("greek letters in a name", f"t\u03bfken: {TOKEN}\n", "c.yaml", (TOKEN,), ("ken: ",))
benign("russian table header word", "| Имя | Описание |\n|---|---|\n| раз | два |\n", "README.md")
benign("russian prose", "Пароль хранится в хранилище секретов.\n", "README.md")

# -- a password validator's cases -----------------------------------------------------------------

benign("csv validator cases", "case,password,expected\nok,valid,true\nbad,invalid,false\n"
       "none,empty,false\nnum,invalid2,false\nupper,missing uppercase letter,false\n",
       "cases.csv")
benign("csv outcomes in the password column", "password,valid\ntrue,true\nempty,false\n",
       "cases.csv")
case("csv validator real passwords", f"user,password,valid\nci,{PW},true\nbob,hunter22x,false\n",
     "cases.csv", (PW, "hunter22x"), ("ci,",))
case("csv weak passwords of outcome and password words (a verifier's users.csv)",
     "user,password,role\nalice,strongpass2024,admin\nbob,newpassword99,ops\n"
     "carol,validpassword1,dev\n", "users.csv", ("strongpass2024", "newpassword99",
                                                  "validpassword1"), ("alice,",))
case("csv password of a word and digits", "user,password\nci,password123\nbob,sunshine2024\n",
     "users.csv", ("sunshine2024",), ("ci,",))


# -- a random value after a secret's word in a comment (helper-114's TODO line) -------------------

case("a todo naming a hardcoded password", "def f():\n    # TODO: remove hardcoded password "
     "GvNCwf4Hi2UAbaFj8Iyb85em before release\n    return 1\n", "a.py",
     ("GvNCwf4Hi2UAbaFj8Iyb85em",), ("# TODO: remove hardcoded password", "before release"))
case("a js comment with a token", f"// token {TOKEN} for staging\nconst a = 1;\n", "a.js",
     (TOKEN,), ("// token", "const a = 1;"))
benign("a comment on tokens and passwords", "# token_counts_2024_12 and password-reset-flow-2024"
       "\n# the secret_key_base rotation\nx = 1\n", "a.py")


test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


def test_repeated_value_masked_in_the_shown_file() -> None:
    """A bundle shows a file through scan_text and redact_lines: the value's other places go."""
    text = f'DB_PASSWORD = "{PW}"\nDEFAULTS = {{"db": "{PW}"}}\n# reset to {PW} after tests\n'
    scan = scan_text(text, "settings.py")
    shown = "\n".join(redact_lines(text.splitlines(), scan.findings))
    assert PW not in shown
    assert shown.count("[redacted: ") == 3
    assert shown.count("\n") == text.count("\n") - 1


def test_look_alike_spans_fall_on_the_text() -> None:
    """The masks of a name in look-alike letters cover the value as it is written."""
    text = f'\u0440\u0430ssword = "{PW}"\n'
    (f,) = find_secrets(text, "a.py")
    assert text.splitlines()[0][f.start:f.end] == PW


# Hostile inputs to the readings added here: each must finish.
HOSTILE: dict[str, tuple[str, Reader, str]] = {
    "many repeated secrets": ("".join(f'key{i}_password = "Xk9mQ2vLp{i:06d}"\n'
                                      for i in range(5_000)) + "x Xk9mQ2vLp000001 " * 20_000,
                              redact, "a.py"),
    "map entries": ("Map.of(\n" + '"password",\n' * 40_000, redact, "A.java"),
    "list openings": ('"api_keys": [\n' * 40_000, redact, "a.json"),
    "comment openings": ("password = /*\n" * 40_000, redact, "a.js"),
    "terraform variables": ('variable "db_password" {\n' * 40_000, redact, "main.tf"),
    "kubernetes secret": ("kind: Secret\ndata:\n" + "  k: a1b2c3\n" * 40_000, redact, "s.yaml"),
    "definitions": ("password\n: x\n" * 40_000, redact, "README.md"),
    "look-alike words": ("р\u0430ssword " * 50_000, redact, "notes.txt"),
    "russian text": ("Пароль хранится в хранилище, раз два три. " * 20_000 + "password\n",
                     redact, "README.md"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)


def test_a_plain_word_found_as_a_password_is_not_masked_at_its_other_places() -> None:
    """``DB_PASSWORD = "inventory"`` masks that value, not the table, function and docstring that
    say "inventory" (a verifier's finding: the file became "secret material as a whole" and the
    seed was dropped); a random value is masked everywhere, inside a longer name too."""
    from analyzers.secrets import find_secrets, secret_as_a_whole

    text = ('DB_PASSWORD = "inventory"\n\ndef get_inventory():\n    """Read the inventory '
            'table."""\n    return db.query("SELECT * FROM inventory")\n')
    found = find_secrets(text, "inv/settings.py")
    assert [(f.line, f.start, f.end) for f in found] == [(1, 15, 24)]
    assert secret_as_a_whole(text, found) is None
    compose = ("services:\n  postgres:\n    image: postgres:16\n    environment:\n"
               "      POSTGRES_PASSWORD: postgres\n")
    assert {f.line for f in find_secrets(compose, "docker-compose.yml")} == {5}
    random = 'DB_PASSWORD = "Xk9mQ2vLp7wR"\nprint("Xk9mQ2vLp7wR")\nkey_Xk9mQ2vLp7wR = 1\n'
    assert {f.line for f in find_secrets(random, "a.py")} == {1, 2, 3}


def test_git_text_with_a_random_value_after_a_secret_s_word() -> None:
    """A branch or subject naming a generated value after a secret's word (helper-114: the
    handoff's title showed ``fix/rotate-password-GvNCwf4Hi2UAbaFj8Iyb85em``); words and numbers
    joined by dashes are no value."""
    for text in ("fix/rotate-password-GvNCwf4Hi2UAbaFj8Iyb85em", f"token-{PW}",
                 "# TODO: remove hardcoded password GvNCwf4Hi2UAbaFj8Iyb85em before release"):
        shown = redact_git(text)
        assert "GvNCwf4Hi2UAbaFj8Iyb85em" not in shown and PW not in shown, shown
        assert "[redacted:" in shown
    for text in ("feature/password-reset-flow-2024", "fix token refresh for api_key rotation",
                 "tokenizer v2 token_counts_2024_12", "Bump password-strength to 1.2.3"):
        assert redact_git(text) == text
