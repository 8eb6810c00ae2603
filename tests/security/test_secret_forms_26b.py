"""Round 26b (SCAN_VERSION 64): forms round 25 left shown (an independent verifier's).

A program's calls given a password as an argument: Django's ``create_user("bob", "b@x.io", "V")``
and ``create_superuser``, Go's ``db.Connect("admin", "V")`` and ``client.Login("admin", "V")``,
Ruby's ``Net::SMTP.start(host, 25, helo, 'user', 'V', :plain)``, ``add_password(None, url, "user",
"V")`` (urllib's handlers and password managers), paramiko's ``ssh.connect("h", 22, "u", "V")``,
configparser's ``cfg.set("db", "password", "V")``. A password hashed or checked
(``check_password``, ``make_password``, ``hash_password``, ``bcrypt.hashpw(b"V", …)``,
``hashlib.pbkdf2_hmac("sha256", b"V", …)``): the policy for a test's label (``_NOT_CHOSEN``,
``_plausible``) is kept per form. The calls that log in or create a user take a value of a
chosen password's shape anywhere (``_plausible`` and ``_r19_password_shaped``: letters with a
digit or a symbol; ``"password"``, ``"secret"`` and ``"wrongpassword"`` are labels), as
round 21's login calls and ``password = "testpass123"`` already did in tests. The hashing and
checking calls, in a test's file (``tests/``, ``test_*.py``, ``*.spec.js``), take only a value
chosen beyond doubt (``_r21_strong``: a digit, and a symbol or both cases: ``Zq7!vR2pLx9w``,
``hunter2Prod``): there ``check_password("testpass123")`` is what the test checks, a label.

Expect-style dialogues (telnetlib's ``read_until(b"Password: ")`` then ``write(b"V\\n")``,
pexpect's ``expect("[Pp]assword:")`` then ``sendline("V")``, Tcl's ``expect`` then ``send``).
UI tests: Robot Framework's ``Input Password    id=password    V``, Testing Library's
``userEvent.type(screen.getByLabelText(/password/i), "V")`` and ``fireEvent.change(…, { target:
{ value: 'V' } })``, Espresso's ``onView(withId(R.id.password)).perform(typeText("V"))``,
XCUITest's ``app.secureTextFields["Password"].typeText("V")``, Selenium's ``execute_script(
"document.getElementById('password').value='V'")``, a field's variable assigned more than 3
lines above its ``send_keys("V")``.

Prose (documents, text files, comments, commit messages, TODO lines): "the password went from
OLD to V" (both), "the wifi key is V", "the pw is V", "password (staging): V", "the old one V
was revoked" after a password's line, "TODO: rotate the admin password (currently V)", "the
token for CI is V", "# DB password" then the value on the next line with no colon, Coptic (and
more Cyrillic, Greek) look-alike letters in "password", and a shell script's arrows after a
password's name outside its comments. Kept: "Rotate the prod password: monthly, by the on-call
engineer", "password: rotated -> see runbook".

Each case calls the real :func:`redact` (or :func:`redact_git`); the last tests bundle a real git
repository with the real CLI (JSON, Markdown and XML), with forms in its files and in its commit
messages (a bundle's Recent decisions and a handoff note)."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo

from analyzers.secrets import SCAN_VERSION, redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Zq7!vR2pLx9w"
W = "hunter2Prod"
OLD = "OldPass1"

# -- a program's calls given a password --

_CALLS: tuple[tuple[str, str, str], ...] = (
    ("django create_user", "seed.py", 'User.objects.create_user("bob", "b@x.io", "{v}")\n'),
    ("django create_superuser", "seed.py",
     'User.objects.create_superuser("admin", "a@x.io", "{v}")\n'),
    ("django create_user in a test", "tests/test_login.py",
     'user = User.objects.create_user("bob", "b@x.io", "{v}")\n'),
    ("go db.Connect", "main.go", 'err := db.Connect("admin", "{v}")\n'),
    ("go client.Login", "main.go", 'err := client.Login("admin", "{v}")\n'),
    ("ruby smtp start", "mail.rb",
     "Net::SMTP.start('smtp.x.io', 25, 'x.io', 'user', '{v}', :plain) do |smtp|\nend\n"),
    ("py add_password", "fetch.py", 'auth_handler.add_password(None, url, "user", "{v}")\n'),
    ("py password manager", "fetch.py",
     'HTTPPasswordMgrWithDefaultRealm().add_password(None, url, "user", "{v}")\n'),
    ("py ssh.connect keyword", "deploy.py",
     'ssh.connect(host, username="u", password="{v}")\n'),
    ("py paramiko positional", "deploy.py", 'ssh.connect("h", 22, "u", "{v}")\n'),
    ("py configparser set", "setup_db.py", 'cfg.set("db", "password", "{v}")\n'),
    ("py config.set", "setup_db.py", 'config.set("password", "{v}")\n'),
    ("py check_password", "auth.py", 'ok = user.check_password("{v}")\n'),
    ("py make_password", "seed.py", 'admin.password = make_password("{v}")\n'),
    ("py hash_password", "seed.py", 'hashed = hash_password("{v}")\n'),
    ("py bcrypt hashpw", "seed.py", 'hashed = bcrypt.hashpw(b"{v}", bcrypt.gensalt())\n'),
    ("py pbkdf2_hmac", "seed.py", 'key = hashlib.pbkdf2_hmac("sha256", b"{v}", salt, 1000)\n'),
    ("py check_password in a test", "tests/test_auth.py",
     'assert user.check_password("{v}")\n'),
    ("py make_password in a test", "tests/test_auth.py", 'pw = make_password("{v}")\n'),
)
for _name, _file, _text in _CALLS:
    for _value in (V, W):
        case(f"{_name} {_value}", _text.format(v=_value), _file, (_value,), ())

benign("calls given variables and labels",
       'User.objects.create_user("bob", "b@x.io", password)\n'
       'User.objects.create_user("bob", "b@x.io", "password")\n'
       'db.Connect(host, port)\nclient.Login(user, pw)\n'
       'auth_handler.add_password(None, url, user, pw)\nssh.connect("h", 22, "u", pw)\n'
       'cfg.set("db", "host", "db.internal.example")\nuser.check_password(password)\n'
       'make_password(None)\nbcrypt.hashpw(pw.encode(), bcrypt.gensalt())\n'
       'hashlib.pbkdf2_hmac("sha256", pw, salt, 1000)\n', "seed.py")
benign("a test's labels in hashing calls",
       'assert not user.check_password("wrongpassword")\n'
       'assert user.check_password("testpass123")\nmake_password("secret")\n'
       'hash_password("password1")\n', "tests/test_auth.py")
benign("connect calls of hosts and ports",
       'sock.connect(("localhost", 8080))\nws.connect("wss://example.com/feed", "chat")\n'
       'client.connect("broker.local", 1883)\nconn = boto.connect("my-bucket", "us-east-1")\n'
       'ws.connect("ws://h:8080", "proto-v13")\ndb.connect("sqlite", "app.db")\n'
       'cfg.set("db", "password_file", "/run/secrets/db2")\n', "net.py")

# -- expect-style dialogues --

_DIALOGUES: tuple[tuple[str, str, str], ...] = (
    ("telnetlib", "router.py", 'tn.read_until(b"Password: ")\ntn.write(b"{v}\\n")\n'),
    ("telnetlib, a line between", "router.py",
     'tn.read_until(b"Password: ", timeout=5)\ntime.sleep(1)\ntn.write(b"{v}\\r\\n")\n'),
    ("pexpect", "login.py", 'child.expect("[Pp]assword:")\nchild.sendline("{v}")\n'),
    ("pexpect expect_exact", "login.py",
     "child.expect_exact('Enter passphrase:')\nchild.sendline('{v}')\n"),
    ("tcl expect", "login.exp", 'expect "password:"\nsend "{v}\\r"\n'),
)
for _name, _file, _text in _DIALOGUES:
    for _value in (V, W):
        case(f"{_name} {_value}", _text.format(v=_value), _file, (_value,), ())
benign("dialogues of variables and other prompts",
       'tn.read_until(b"Password: ")\ntn.write(password.encode("ascii") + b"\\n")\n'
       'child.expect("[Pp]assword:")\nchild.sendline(os.environ["PW"])\n'
       'tn.read_until(b"login: ")\ntn.write(b"Zq7admin9\\n")\n', "login.py")

# -- UI tests --

_UI: tuple[tuple[str, str, str], ...] = (
    ("robot input password", "login.robot",
     "*** Test Cases ***\nValid Login\n    Input Text    id=username    demo\n"
     "    Input Password    id=password    {v}\n"),
    ("robot input text of a password field", "login.robot",
     "*** Test Cases ***\nValid Login\n    Input Text    id=password    {v}\n"),
    ("testing library userEvent", "Login.test.js",
     'await userEvent.type(screen.getByLabelText(/password/i), "{v}")\n'),
    ("testing library user.type", "Login.test.tsx",
     "await user.type(screen.getByPlaceholderText('Password'), '{v}')\n"),
    ("testing library fireEvent", "Login.test.js",
     "fireEvent.change(getByLabelText('Password'), {{ target: {{ value: '{v}' }} }})\n"),
    ("espresso", "LoginTest.java",
     'onView(withId(R.id.password)).perform(typeText("{v}"));\n'),
    ("espresso with clearText", "LoginTest.kt",
     'onView(withId(R.id.password_input)).perform(clearText(), typeText("{v}"))\n'),
    ("xcuitest", "LoginTests.swift", 'app.secureTextFields["Password"].typeText("{v}")\n'),
    ("xcuitest first match", "LoginTests.swift",
     'app.secureTextFields.firstMatch.typeText("{v}")\n'),
    ("xcuitest any secure field", "LoginTests.swift",
     'app.secureTextFields["Enter it"].typeText("{v}")\n'),
    ("selenium execute_script", "test_login.py",
     "driver.execute_script(\"document.getElementById('password').value='{v}'\")\n"),
    ("xcuitest a field's variable", "LoginTests.swift",
     'let passwordField = app.secureTextFields["Password"]\npasswordField.tap()\n'
     'passwordField.typeText("{v}")\n'),
    ("a password field's variable", "login.spec.js", "await pwInput.type('{v}')\n"),
    ("selenium variable far above", "test_login.py",
     'pw = driver.find_element(By.NAME, "password")\nname = driver.find_element(By.NAME, "u")\n'
     'name.clear()\nname.send_keys("bob")\npw.clear()\nwait.until(ready)\npw.send_keys("{v}")\n'),
)
for _name, _file, _text in _UI:
    for _value in (V, W):
        case(f"{_name} {_value}", _text.format(v=_value), _file, (_value,), ())
benign("UI tests of variables and other fields",
       "*** Test Cases ***\nLogin\n    Input Password    id=password    ${PASSWORD}\n"
       "    Input Text    id=username    Zq7admin9\n", "login.robot")
benign("js UI tests of variables and other fields",
       "await userEvent.type(screen.getByLabelText(/password/i), password)\n"
       "await userEvent.type(screen.getByLabelText(/search/i), 'Zq7!vR2pLx9w')\n"
       "fireEvent.change(getByLabelText('Email'), { target: { value: 'Zq7!vR2pLx9w' } })\n"
       "document.getElementById('password').value = pw\n"
       "await bypassInput.type('Zq7!vR2pLx9w')\nawait passengerName.type('Bob2Smith')\n"
       "await passwordInput.type('password')\n", "Login.test.js")
benign("mobile UI tests of variables and other fields",
       'onView(withId(R.id.password)).perform(typeText(password));\n'
       'onView(withId(R.id.search)).perform(typeText("Zq7!vR2pLx9w"));\n', "LoginTest.java")

# -- prose: documents, text files, comments, git's text --

_PROSE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("went from", f"the password went from `{OLD}` to `{V}`", (OLD, V)),
    ("wifi key", f"the wifi key is {V}", (V,)),
    ("the pw is", f"the pw is {V}", (V,)),
    ("the pw is weak", f"the pw is {W}", (W,)),
    ("a parenthesis", f"password (staging): {V}", (V,)),
    ("a parenthesis db", f"DB password (prod): {W}", (W,)),
    ("currently", f"TODO: rotate the admin password (currently {V})", (V,)),
    ("token for", f"the token for CI is {V}", (V,)),
    ("the old one", f"we rotated the db password today\nthe old one {V} was revoked", (V,)),
    ("a name then its value", f"# DB password\n{V}", (V,)),
    ("coptic p", f"the \u2ca3assword is {V}", (V,)),
    ("coptic o", f"passw\u2c9frd: {V}", (V,)),
    ("cyrillic palochka and coptic", f"the p\u2c81ssword is {W}", (W,)),
)
for _name, _text, _values in _PROSE:
    case(f"md {_name}", _text + "\n", "notes.md", _values, ())
    case(f"txt {_name}", _text + "\n", "NOTES.txt", _values, ())
    case(f"git {_name}", f"ops: {_text}", "", _values, (), redact_git)
    case(f"git body {_name}", f"ops: rotate\n\n{_text}", "", _values, (), redact_git)
for _name, _text, _values in _PROSE[:9]:  # (one line each: a program's comment)
    case(f"py comment {_name}", f"x = 1\n# {_text}\n", "ops.py", _values, ())
    case(f"sh comment {_name}", f"echo start\n# {_text}\n", "ops.sh", _values, ())
case("py comment name then value", f"# DB password\n# {V}\nx = 1\n", "ops.py", (V,), ())
case("sh comment name then value", f"# DB password\n# {V}\necho start\n", "ops.sh", (V,), ())

# a shell script's arrows outside its comments
case("sh echo arrow", f"echo 'DB_PASSWORD: {OLD} -> {V}'\n", "rotate.sh", (OLD, V), ())
case("sh heredoc arrow", f"cat <<EOF\nDB_PASSWORD: {OLD} -> {V}\nEOF\n", "rotate.sh", (OLD, V), ())
case("sh echo chain", f'echo "db password: {OLD} ~> {V}"\n', "rotate.sh", (OLD, V), ())
case("sh echo arrow weak", f"echo 'DB_PASSWORD: {OLD} -> {W}'\n", "rotate.sh", (OLD, W), ())
case("sh echo prose", f"echo 'the db password is {W}'\n", "rotate.sh", (W,), ())
case("md heading then a blank line", f"## Staging password\n\n{W}\n", "OPS.md", (W,), ())

# -- look-alikes kept --

_KEPT = ("Rotate the prod password: monthly, by the on-call engineer",
         "password: rotated -> see runbook")
for _k, _text in enumerate(_KEPT):
    for _file in ("a.md", "a.txt", "a.sh", "a.yaml", "a.py"):
        mark = "# " if _file.endswith((".sh", ".yaml", ".py")) else ""
        benign(f"{_file} kept {_k}", f"{mark}{_text}\n", _file)
    benign(f"git kept {_k}", _text, "", redact_git)
    benign(f"git body kept {_k}", f"ops: rotate\n\n{_text}", "", redact_git)
benign("prose of passwords with no value",
       "The password went from optional to required.\nthe wifi key is printed on the router\n"
       "the pw is in the vault\npassword (staging): see the vault\n"
       "the old one was revoked yesterday\nTODO: rotate the admin password (currently weak)\n"
       "the token for CI is stored in the repository settings\n", "OPS.md")
benign("a name then words", "# DB password\nKeep it in the vault.\n\n## Password\n"
       "Use the reset page.\n\nFields:\n\n* Password\n* Email2Me!\n", "OPS.md")
benign("a shell script's arrows of settings",
       "echo 'password hashing: bcrypt -> argon2id'\necho 'PASSWORD_MIN_LENGTH: 8 -> 12'\n",
       "migrate.sh")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


def test_the_scan_version_is_this_rounds() -> None:
    """A cached scan of an earlier version is read again (its forms were missed)."""
    assert SCAN_VERSION >= 64


HOSTILE = {
    "calls": ('create_user("a", ' * 20_000 + "\n", redact, "a.py"),
    "connects": ('x.connect("h", 22, ' * 20_000 + "\n", redact, "a.py"),
    "prompts": ('tn.read_until(b"Password: ")\n' * 5_000, redact, "a.py"),
    "robot": ("    Input Password    " * 20_000 + "\n", redact, "a.robot"),
    "onview": ("onView(withId(R.id.password)).perform(" * 5_000 + "\n", redact, "A.java"),
    "fields": ('pw = driver.find_element(By.NAME, "password")\n' * 5_000, redact, "t.py"),
    "old ones": ("password\nthe old one " * 10_000 + "\n", redact, "a.md"),
    "names": ("# DB password\n" * 20_000, redact, "a.md"),
    "git names": ("# DB password\n" * 20_000, redact_git, ""),
    "parentheses": ("password (" * 20_000 + "\n", redact, "a.md"),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)


# -- a real repository: forms of the round bundled --

_FORMS = {
    "seed": ("seed.py", f'User.objects.create_superuser("admin", "a@x.io", "{V}")\n'),
    "router": ("router.py", f'tn.read_until(b"Password: ")\ntn.write(b"{W}\\n")\n'),
    "espresso": ("LoginTest.java", f'onView(withId(R.id.password)).perform(typeText("{V}"));\n'),
    "ops": ("OPS.md", f"the password went from `{OLD}` to `{W}`\n"),
    "rotate": ("rotate.sh", f"echo 'DB_PASSWORD: {OLD} -> {V}'\n"),
}
_AROUND = {**sc.AROUND, ".java": "class LoginTest {\n  int a = 1;\n  int b = 2;\n  int c = 3;\n}\n"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = sc.repo_files(_FORMS, _AROUND, tuple("# " + k for k in _KEPT))
    return make_repo(tmp_path_factory.mktemp("round26b") / "repo", files)


@pytest.mark.parametrize("fmt", ["json", "markdown", "xml"])
def test_no_value_reaches_a_bundle(repo: Path, fmt: str) -> None:
    names = [file for file, _ in _FORMS.values()]
    out, err = sc.bundle_pinned(repo, names, fmt)
    sc.assert_every_file_redacted(out, err, fmt, names, (V, W, OLD), len(names))
    if fmt != "json":
        for kept in _KEPT:  # (the look-alikes shown as they are)
            assert kept in out, kept


def test_commit_texts_are_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    subjects = [f"ops: the password went from {OLD} to {V}", f"ops: the pw is {W}",
                f"TODO: rotate the admin password (currently {V})",
                f"ops: rotate\n\n# DB password\n{W}",
                f"ops: the wifi key is {V}", f"ops: the \u2ca3assword is {W}",
                "ops: Rotate the prod password: monthly, by the on-call engineer"]
    outputs = sc.commit_text_outputs(tmp_path / "r", subjects, "set the timeout to 30s")
    for out in outputs:
        for value in (OLD, V, W):
            assert value not in out, (value, out[:4000])
    assert "set the timeout to 30s" in outputs[2], outputs[2]
    assert "[redacted: " in outputs[0], outputs[0][:4000]  # (the bundle's Recent decisions)
    assert "[redacted: " in outputs[2], outputs[2][:4000]  # (the handoff note)
    assert "monthly, by the on-call engineer" in outputs[2], outputs[2][:4000]
