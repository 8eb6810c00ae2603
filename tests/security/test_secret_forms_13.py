"""Secret forms a hostile review found (round 13), read by one rule where it could be: the
*named-value window*. A line that names a secret and leaves its value to the next lines -- a
continuation (shell's ``local NAME=\\``, Dockerfile's ``ENV NAME \\``, Makefile's ``NAME := \\``,
cmd's ``^``, C's ``#define NAME ("V1" \\``), a string builder opened at its end (Rust's
``format!(`` over lines) or a document's label (``**Password:**``, ``## Password``, "The
password is:", AsciiDoc's ``Password::``, ``<p>Password:</p>``, ``Mot de passe :``,
``Passwort:``) -- has its value masked on the next few lines (a lone token or literals; in a
document, a code block's, a ``<pre>``'s or a listing's one token). One-line forms fixed beside it:
``setx /M``, ``Set-Content``/``si env:X``, ``Env:\\X``; Rust's ``&format!(…)`` and a call whose
first argument names the field (``set("password", String::from("V"))``); SQL's ``IDENTIFIED BY #
comment`` then the value; YAML's ``? password # comment`` then ``: V``; a dotless ``ı`` standing
for another vowel (``secrıt_key``). Look-alikes kept: code that computes the value
(``token = get_token(`` then ``user)``), variables, paths, templates, prompts, and a document's
prose or commands after a label. Each case calls the real :func:`redact`; the last test reads
files of a real git repository through the bundle."""

from __future__ import annotations

from pathlib import Path

from gitutil import make_repo, run_cli
from secret_cases import SecretCases, assert_bundles_hide, hostile_test

from analyzers.secrets import redact

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"
V, W = "Zx9kQ2vLp8", "Tr4mW7bNq1"

# -- 1. continuations: shell, Dockerfile, Makefile, cmd, C --

case("shell local continued", f"f() {{\n  local DB_PASSWORD=\\\n    {PW}\n}}\n", "a.sh", (PW,),
     ("local DB_PASSWORD=\\",))
case("shell local continued over two lines", f"local DB_PASSWORD=\\\n  {V}\\\n  {W}\n", "a.sh",
     (V, W), ("local DB_PASSWORD=\\",))
case("dockerfile env with a space continued", f"ENV DB_PASSWORD \\\n    {PW}\n", "Dockerfile",
     (PW,), ("ENV DB_PASSWORD \\",))
case("makefile := continued", f"DB_PASSWORD := \\\n\t{PW}\n", "Makefile", (PW,),
     ("DB_PASSWORD := \\",))
case("makefile = continued", f"API_KEY = \\\n\t{PW}\n", "Makefile", (PW,), ("API_KEY = \\",))
case("cmd set continued with a caret", f"set DB_PASSWORD=^\n{PW}\n", "a.bat", (PW,),
     ("set DB_PASSWORD=^",))
case("cmd setx continued with a caret", f'setx DB_PASSWORD ^\n  "{PW}"\n', "a.bat", (PW,),
     ("setx DB_PASSWORD ^",))
case("c define in parentheses continued", f'#define DB_PASSWORD ("{V}" \\\n   "{W}")\n', "a.c",
     (V, W), ("#define DB_PASSWORD (",))
case("c define with an open parenthesis continued", f'#define DB_PASSWORD ( \\\n   "{PW}")\n',
     "a.c", (PW,), ("#define DB_PASSWORD ( \\",))
benign("continuations of no secret's value",
       "export PATH=\\\n  /usr/local/bin\n"
       'f() {\n  local password=\\\n    "$1"\n}\n'
       "ENV PASSWORD_FILE \\\n    /run/secrets/pw\n"
       "RUN generate_secret \\\n    --length 32\n"
       "RUN rotate-password \\\n    productiondb1\n"
       "DB_PASSWORD := \\\n\t$(shell cat pw)\n"
       f"DB_HOST := \\\n\t{PW}\n", "Makefile")
benign("cmd and C continuations of no secret's value",
       "set PASSWORD=^\n%DB_PASSWORD%\n"
       '#define PASSWORD_PROMPT ("Enter " \\\n   "password: ")\n'
       f'#define GREETING ("{V}" \\\n   "{W}")\n', "a.bat")

# -- 2. Windows: setx's flags, PowerShell's providers and aliases --

case("setx with /M", f'setx /M DB_PASSWORD "{PW}"\n', "a.bat", (PW,), ("setx /M DB_PASSWORD ",))
case("powershell set-item env:\\", f'Set-Item -Path Env:\\DB_PASSWORD -Value "{PW}"\n', "a.ps1",
     (PW,), ("-Value ",))
case("powershell si alias", f'si env:DB_PASSWORD "{PW}"\n', "a.ps1", (PW,),
     ("si env:DB_PASSWORD ",))
case("powershell set-content", f'Set-Content env:DB_PASSWORD "{PW}"\n', "a.ps1", (PW,),
     ("Set-Content env:DB_PASSWORD ",))
benign("windows' look-alikes", 'setx /M PASSWORD "%PW%"\nSet-Content env:PASSWORD "$pw"\n'
       f'si env:PATH "{PW}"\n', "a.ps1")

# -- 3. Rust --

case("rust format over lines", f'let password = format!(\n    "{{}}{{}}",\n    "{V}", "{W}"\n);\n',
     "a.rs", (V, W), ("let password = format!(",))
case("rust format borrowed in a call", f'set_password(&format!("{{}}", "{PW}"));\n', "a.rs",
     (PW,), ("set_password(&format!(",))
case("rust string from in a call named by its first argument",
     f'config.set("password", String::from("{PW}"));\n', "a.rs", (PW,),
     ('config.set("password", ',))
case("rust concat in a call named by its first argument",
     f'config.set("api_key", concat!("{V}", "{W}"));\n', "a.rs", (V, W), ('"api_key", concat!(',))
benign("rust builders of no secret's value",
       'let password = format!(\n    "{}{}",\n    user, suffix\n);\n'
       'let token = format!(\n    "Bearer {}",\n    tok\n);\n'
       'config.set("password", String::from("changeme"));\n'
       'prompt("password", format!("{} please", "Enter your"));\n'
       f'config.set("user", String::from("{PW}"));\n', "a.rs")

# -- 4. SQL, YAML --

case("sql identified by then a # comment",
     f"CREATE USER app IDENTIFIED BY # prod\n  '{PW}';\n", "init.sql", (PW,), ("# prod",))
case("yaml complex key with a comment", f"? password # c\n: {PW}\n", "a.yaml", (PW,),
     ("? password # c",))
benign("yaml complex key with a comment of no secret's value",
       "? password # the key\n: !secret db_password\n? user # c\n: Xk9mQ2vLp7wR\n", "a.yaml")

# -- 5. documents: a value on the lines after a label --

case("markdown bold label then a fence", f"**Password:**\n\n```\n{PW}\n```\n", "README.md", (PW,),
     ("**Password:**",))
case("markdown heading then a fence", f"## Password\n\n```\n{PW}\n```\n", "README.md", (PW,),
     ("## Password",))
case("markdown sentence then a fence", f"The password is:\n\n```\n{PW}\n```\n", "README.md",
     (PW,), ("The password is:",))
case("markdown sentence then inline code", f"The password is:\n\n`{PW}`\n", "README.md", (PW,),
     ("The password is:",))
case("asciidoc definition", f"Password::\n  {PW}\n", "a.adoc", (PW,), ("Password::",))
case("asciidoc definition then a listing", f"Password::\n+\n----\n{PW}\n----\n", "a.adoc", (PW,),
     ("Password::",))
case("html label then pre", f"<p>Password:</p>\n<pre>{PW}</pre>\n", "a.html", (PW,),
     ("<p>Password:</p>",))
case("html label then pre over lines", f"<p>Password:</p>\n<pre>\n{PW}\n</pre>\n", "a.html",
     (PW,), ("<pre>",))
case("french label", f"Mot de passe :\n\n```\n{PW}\n```\n", "README.md", (PW,),
     ("Mot de passe :",))
case("german label", f"Passwort:\n\n```\n{PW}\n```\n", "README.md", (PW,), ("Passwort:",))
case("rst label then a code block", f"Password:\n\n.. code-block::\n\n   {PW}\n", "a.rst", (PW,),
     (".. code-block::",))
benign("documents' labels then prose or commands",
       "## Password\n\nThe password must be at least 8 characters.\n\n"
       "## Password\n\n```\npip install ctxsteward\n```\n\n"
       "## Token\n\n```bash\nexport GITHUB_TOKEN=$(gh auth token)\n```\n\n"
       "**API key:**\n\n`YOUR_API_KEY`\n\n## Secrets\n\n```\nkubectl\n```\n\n"
       "## Token\n\n`v1.2.3`\n\nPassword:\n\n    /etc/secrets/db_password\n\n"
       "The password is:\n\n```\nDB_PASSWORD\n```\n\nPassword:\n\n```\n${DB_PASSWORD}\n```\n\n"
       "Passwort:\n\nBitte ein sicheres Passwort wählen.\n\nToken:\n\n- `access_token`\n\n"
       f"## Username\n\n```\n{PW}\n```\n\n## API key\n\n`configuration`\n", "README.md")
case("markdown heading then a passphrase", "## Password\n\n```\nmaplerivercopper\n```\n",
     "README.md", ("maplerivercopper",), ("## Password",))
benign("html label then prose", "<h2>Password</h2>\n<p>Use a strong one.</p>\n", "a.html")

# -- 6. a dotless ı for a vowel --

case("dotless i for an e", f'secr\u0131t_key = "{PW}"\n', "a.py", (PW,), ("secr\u0131t_key",))
case("dotless i for an e in capitals", f'SECR\u0131T_KEY = "{PW}"\n', "a.py", (PW,),
     ("SECR\u0131T_KEY",))
benign("dotless i in words of no secret", f'k\u0131y = "{PW}"\nsecr\u0131t = "Sır"\n', "a.py")

# -- 7. code near a secret's word --

benign("code computing a secret's value",
       'password = request.form["password"]\ntoken = get_token(\n    user)\n'
       'token = get_token(\n    "user_name")\n'
       'secret = os.path.join(\n    base_dir,\n    "secret.txt")\n'
       'password = input(\n    "Enter your password: ")\n', "a.py")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "labels": ("## Password\n" * 20_000, redact, "a.md"),
    "builders opened": ("let password = format!(\n" * 20_000, redact, "a.rs"),
    "continued names": ("local PASSWORD=\\\n" * 40_000, redact, "a.sh"),
    "carets": ("set PASSWORD=^\n" * 40_000, redact, "a.bat"),
    "pair calls": ('f("password", String::from("a"' * 20_000 + "\n", redact, "a.rs"),
    "dotless words": ("secr\u0131t " * 20_000 + "\n", redact, "a.py"),
    "keywords before a name": ("set " * 30_000 + "\\\n", redact, "a.sh"),
    "literals in a define": ('#define PASSWORD (' + '"a" ' * 20_000 + "\\\n", redact, "a.h"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)


def test_window_forms_are_masked_in_a_bundle(tmp_path: Path) -> None:
    """A repository's files holding the window's forms: each value masked in its bundle, a
    label's prose and a build command kept."""
    files = {
        "Dockerfile": f"FROM alpine\nENV DB_PASSWORD \\\n    {PW}\nRUN make \\\n    all\n",
        "docs/setup.md": f"# Setup\n\n**Password:**\n\n```\n{V}\n```\n\n## Token\n\n"
                         "Ask the team for one.\n",
        "src/config.rs": f'let password = format!(\n    "{{}}{{}}",\n    "{V}", "{W}"\n);\n',
    }
    root = make_repo(tmp_path / "repo", files)
    assert_bundles_hide(root, files, (PW, V, W))
    md = run_cli("bundle", "--seed", "docs/setup.md", cwd=root).stdout
    assert "Ask the team for one." in md
    assert "RUN make" in run_cli("bundle", "--seed", "Dockerfile", cwd=root).stdout
