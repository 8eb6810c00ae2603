"""Round 24 (SCAN_VERSION 59): forms round 23 left shown (an independent verifier's). An arrow
after a password's name with no space after its colon (``DB_PASSWORD:OLD->V``), after ``NAME =
OLD``, in a table's row (``| DB_PASSWORD | OLD -> V |``), the arrows ``-->``, ``⇒``, ``⟶``,
``➜``, ``↦``, ``—>``, ``NAME: OLD to V`` and ``NAME changed from OLD to V`` (the old value too);
and a ``[redacted: KIND]`` mark never read as a value (redaction is idempotent: ``redact_git``
of its own output showed ``-k [redacted: Secret Keyword]: Secret Keyword]``).

Each case calls the real :func:`redact` (or :func:`redact_git`); the last test puts forms of
the round in commit messages and reads a bundle's Recent decisions and a handoff."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_cases as sc

from analyzers.secrets import redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

OLD, NEW = "OldPass1", "Newer#Pass9"
_BOTH = (OLD, NEW)

# (name, text) of arrows: each masked in a document, a README and git's text
_ARROWS: tuple[tuple[str, str], ...] = (
    ("no space after the colon", f"DB_PASSWORD:{OLD} -> {NEW}"),
    ("no space at all", f"DB_PASSWORD:{OLD}->{NEW}"),
    ("an equals sign", f"DB_PASSWORD = {OLD} -> {NEW}"),
    ("a long arrow", f"DB_PASSWORD: {OLD} --> {NEW}"),
    ("a double arrow", f"DB_PASSWORD: {OLD} \u21d2 {NEW}"),
    ("a long unicode arrow", f"DB_PASSWORD: {OLD} \u27f6 {NEW}"),
    ("a heavy arrow", f"DB_PASSWORD: {OLD} \u279c {NEW}"),
    ("a maps-to arrow", f"DB_PASSWORD: {OLD} \u21a6 {NEW}"),
    ("an em dash arrow", f"DB_PASSWORD: {OLD} \u2014> {NEW}"),
    ("to", f"DB_PASSWORD: {OLD} to {NEW}"),
    ("a table row", f"| DB_PASSWORD | {OLD} -> {NEW} |"),
    ("changed from to", f"DB_PASSWORD changed from {OLD} to {NEW}"),
    ("a lower-case name no space", "db_password:Winter2023->Spring#2024x"),
    ("bold name", f"**ADMIN_PASSWORD**: {OLD} \u21d2 {NEW}"),
)
for _name, _text in _ARROWS:
    _values = _BOTH if OLD in _text else ("Winter2023", "Spring#2024x")
    case(f"md {_name}", _text + "\n", "notes.md", _values, ())
    case(f"txt {_name}", _text + "\n", "ROTATION.txt", _values, ())
    case(f"git {_name}", f"ops: {_text}", "", _values, (), redact_git)

benign("a document's arrows of settings",
       "PASSWORD_MIN_LENGTH:8->12\nPassword hashing: bcrypt --> argon2id\n"
       "password: md5 \u21d2 sha256\n| PASSWORD_POLICY | weak -> strong |\n"
       "PASSWORD_RESET_TIMEOUT: 3600 to 7200\n", "README.md")
for _k, _subject in enumerate((
        "PASSWORD_MIN_LENGTH:8->12", "password hashing: bcrypt --> argon2id",
        "password reset: email \u27f6 sms", "| PASSWORD_POLICY | weak -> strong |")):
    benign(f"git arrow look-alike {_k}", _subject, "", redact_git)

# -- command lines in a program (a comment, a string run by a shell) and new shell forms --

_V = "Vk4Lp9qZx"
_COMMANDS: tuple[tuple[str, str], ...] = (
    ("printf sudo", f"printf '{_V}\\n' | sudo -S apt-get update"),
    ("sudo here-string", f"sudo -S <<< '{_V}' apt-get update"),
    ("smbclient quoted", f"smbclient //srv/s -U admin%'{_V}'"),
    ("openssl -k", f"openssl enc -aes-256-cbc -k {_V} -in a"),
    ("openssl -pass", f"openssl enc -aes-256-cbc -in a -pass pass:{_V}"),
    ("openssl -pass quoted", f"openssl enc -aes-256-cbc -pass 'pass:{_V}' -in a"),
    ("openssl -k=", f"openssl enc -aes-256-cbc -k={_V}"),
    ("printf root chpasswd", f"printf 'root:{_V}\\n' | chpasswd"),
    ("printf two formats chpasswd", f"printf '%s:%s\\n' bob '{_V}' | chpasswd"),
    ("smbclient -U=", f"smbclient //srv/s -U=admin%'{_V}'"),
)
for _name, _cmd in _COMMANDS:
    case(f"sh {_name}", _cmd + "\n", "deploy.sh", (_V,), ())
    case(f"py comment {_name}", f"# {_cmd}\n", "tasks.py", (_V,), ())
    case(f"py subprocess {_name}", f"subprocess.run({_cmd!r}, shell=True)\n", "tasks.py",
         (_V,), ())
    case(f"js execSync {_name}", f"execSync(`{_cmd}`);\n", "deploy.js", (_V,), ())
    case(f"go exec {_name}", f'exec.Command("sh", "-c", `{_cmd}`).Run()\n', "deploy.go",
         (_V,), ())
    case(f"rb system {_name}", f"system(%q({_cmd}))\n", "deploy.rb", (_V,), ())
    case(f"git {_name}", f"deploy: {_cmd}", "", (_V,), (), redact_git)
case("sh sudo here-document", f"sudo -S true <<EOF\n{_V}\nEOF\n", "a.sh", (_V,), ())
case("sh chpasswd here-document", f"chpasswd <<EOF\nbob:{_V}\nEOF\n", "a.sh", (_V,), ())
case("py sudo here-document", f'subprocess.run("""sudo -S true <<EOF\n{_V}\nEOF\n""")\n',
     "a.py", (_V,), ())

benign("a program's command lines of variables",
       'subprocess.run("openssl enc -aes-256-cbc -k " + key, shell=True)\n'
       'subprocess.run(f"openssl enc -pass pass:{key} -in a", shell=True)\n'
       'subprocess.run("sudo -S true <<EOF\\n$PW\\nEOF", shell=True)\n'
       '# sudo -S reads the password from stdin\n'
       'os.system("smbclient //srv/s -U admin%$PW")\n# openssl enc -k $KEY -in a\n', "a.py")
benign("a script's here-documents of variables",
       'sudo -S true <<EOF\n$PW\nEOF\nchpasswd <<EOF\nbob:${PW}\nEOF\n'
       "printf '%s:%s\\n' bob \"$PW\" | chpasswd\n", "a.sh")

# -- prose, comments and calls --

_PW = "Qv7#mLp2Zr"
_PROSE: tuple[tuple[str, str, str, str], ...] = (
    # documents
    ("md root pw was", "a.md", "the root pw was Tr0ub4dor&3\n", "Tr0ub4dor&3"),
    ("md db_password was", "b.md", "db_password was Tr0ub4dor&3\n", "Tr0ub4dor&3"),
    ("md will change to", "c.md", "The db password will change to Gx8#newPass8\n", "Gx8#newPass8"),
    ("md is now", "d.md", "admin password is now Gx8#newPass8\n", "Gx8#newPass8"),
    ("md u/p dash", "e.md", f"u/p - admin/{_PW}\n", _PW),
    ("md u / p", "f.md", f"u / p: admin/{_PW}\n", _PW),
    ("md u/p no space", "g.md", f"u/p:admin/{_PW}\n", _PW),
    ("md u/p colon", "h.md", f"u/p: admin:{_PW}\n", _PW),
    ("md struck old value", "i.md", "- password: ~~OldPass1~~ New#7xPass\n", "New#7xPass"),
    ("md value below", "j.md", f"new staging db password below\n{_PW}\n", _PW),
)
# a program's comments (after code, a docstring)
_COMMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("go comment =", "a.go", "// the staging password = S3cr3t!pass\n", "S3cr3t!pass"),
    ("py comment after code", "a.py", "x = 1  # the staging password = S3cr3t!pass\n",
     "S3cr3t!pass"),
    ("py comment arrow", "b.py", "# staging password -> S3cr3t!pass\n", "S3cr3t!pass"),
    ("py docstring login with", "c.py", '"""login with admin / Passw0rd!23"""\n', "Passw0rd!23"),
)
# login calls, browser tests' fields, pairs, connect calls
_CALLS: tuple[tuple[str, str, str, str], ...] = (
    ("rb log_in", "a.rb", "log_in('admin','Sunsh1ne!')\n", "Sunsh1ne!"),
    ("rb login_user", "b.rb", "login_user('admin','Sunsh1ne!')\n", "Sunsh1ne!"),
    ("rb sign_in symbol", "c.rb", "sign_in(:admin,'Sunsh1ne!')\n", "Sunsh1ne!"),
    ("rb login over lines", "d.rb", "login 'admin',\n  'Sunsh1ne!'\n", "Sunsh1ne!"),
    ("js fill name attribute", "a.js",
     f"await page.fill('input[name=\"password\"]','{_PW}');\n", _PW),
    ("js locator fill", "b.js", f"await page.locator('#password').fill('{_PW}');\n", _PW),
    ("ts getByLabel fill", "c.ts", f"await page.getByLabel('Password').fill('{_PW}');\n", _PW),
    ("js fill templates", "d.js", f"await page.fill(`#password`, `{_PW}`);\n", _PW),
    ("js cypress type", "e.js", f"cy.get('#password').type('{_PW}');\n", _PW),
    ("py selenium", "d.py", f'driver.find_element(By.ID,"password").send_keys("{_PW}")\n', _PW),
    ("py ADMIN pair", "e.py", f'ADMIN = ("admin","{_PW}")\n', _PW),
    ("py LOGIN over lines", "f.py", f'LOGIN = (\n    "admin",\n    "{_PW}",\n)\n', _PW),
    ("java getConnection variable user", "A.java",
     f'c = DriverManager.getConnection(url, user, "{_PW}");\n', _PW),
    ("rb interpolated URL", "e.rb", 'url = "postgres://#{user}:Sup3rS3cret@#{host}/db"\n',
     "Sup3rS3cret"),
)
for _name, _file, _text, _value in _PROSE + _COMMENTS + _CALLS:
    case(_name, _text, _file, (_value,), ())
    case(f"git {_name}", _text, "", (_value,), (), redact_git)

case("js comment's next line", f"// staging db password:\n// {_PW}\n", "f.js", (_PW,), ())
case("md no-break space before a weak arrow", "password:\u00a0x -> summer2024\n", "k.md",
     ("summer2024",), ())
benign("prose, comments and calls of variables",
       "the root pw was changed\nthe db password will change to a longer one\n"
       "u / p: see the vault\n", "OPS.md")
benign("a program's look-alikes of round 24",
       "# the password:\n# see settings.PASSWORD\n"
       "x = 1  # the password = see settings\nlog_in(user, password)\n"
       "sign_in(:admin, password)\nADMIN = (\"admin\", get_password())\n"
       "c = DriverManager.getConnection(url, user, password);\n"
       "await page.locator('#password').fill(password);\n"
       'url = "postgres://#{user}:#{pass}@#{host}/db"\n', "a.py")

# -- look-alikes the verifier found masked --
benign("algorithm names after a password's arrow",
       "password: SHA256 -> Argon2id\nPASSWORD_HASHERS: PBKDF2 -> Argon2\n", "SECURITY.md")
for _k, _subject in enumerate((
        "password: SHA256 -> Argon2id", "PASSWORD_HASHERS: PBKDF2 -> Argon2",
        '"postgresql://%s:%s@db/app" % (user, password)',
        '"postgresql://{}:{}@db/app".format(user, pw)',
        "export PGPASSWORD=$(vault read -field=pw secret/db)")):
    benign(f"git look-alike {_k}", _subject, "", redact_git)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


# -- a mark is never a value: redaction is idempotent --

_IDEMPOTENT = (
    "openssl enc -aes-256-cbc -k Os7qEncPw",
    "the admin password was Tr0ub4dor&3",
    f"DB_PASSWORD: {OLD} -> {NEW}",
    "export DB_PASSWORD=Xk3#pq9vLm2q",
    "u/p: admin/Qv7#mLp2Zr",
)


@pytest.mark.parametrize("text", _IDEMPOTENT)
def test_redact_git_of_its_output_is_the_same(text: str) -> None:
    once = redact_git(text)
    assert "[redacted:" in once, once
    assert redact_git(once) == once
    assert once.count("]") == once.count("[redacted:"), once


@pytest.mark.parametrize("text", _IDEMPOTENT)
def test_redact_of_its_output_is_the_same(text: str) -> None:
    once = redact(text + "\n", "notes.md")
    assert redact(once, "notes.md") == once
    assert once.count("]") == once.count("[redacted:"), once


HOSTILE = {
    "arrows": ("DB_PASSWORD:" + "a->" * 20_000 + "\n", redact, "a.md"),
    "marks": ("-k [redacted: X] " * 20_000 + "\n", redact_git, ""),
    "here-documents": ("sudo -S true <<EOF " * 20_000 + "\n", redact, "a.sh"),
    "printf": ("printf '%s:%s' a " * 20_000 + "| chpasswd\n", redact, "a.py"),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)


# -- commit messages: a bundle's Recent decisions and a handoff --

def test_commit_texts_are_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    subjects = [f"ops: DB_PASSWORD:{OLD}->{NEW}", "rotate: | DB_PASSWORD | Winter2023 -> "
                "Spring#2024x |", "openssl enc -aes-256-cbc -k Os7qEncPw"]
    outputs = sc.commit_text_outputs(tmp_path / "r", subjects, "set the timeout to 30s")
    for out in outputs:
        for value in (OLD, NEW, "Winter2023", "Spring#2024x", "Os7qEncPw"):
            assert value not in out, (value, out[:4000])
        assert ": Secret" not in out.replace("[redacted: Secret", ""), out[:4000]
    assert "set the timeout to 30s" in outputs[2], outputs[2]
