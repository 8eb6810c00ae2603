"""Round 23 (SCAN_VERSION 58): forms round 22 left shown (an independent verifier's). In documents:
round 22's arrows (``DB_PASSWORD: OLD -> V``, the old value too), ``NAME was V``, a value on the
line after ``staging db password:`` or after a blank line, ``the password … will be V``, a weak
new value after an arrow (``password: x -> summer2024``), ``u/p: admin/V``. In a program's
comments the prose of documents (``# the db password is V``, ``// prod password: V``, ``/* login
with admin / V */``). In files: Ruby's ``login 'admin', 'V'`` and ``sign_in(…)``, Capybara's
``fill_in 'Password', with: 'V'``, a template's ``${user}:V@host``, ``LOGIN = ("admin", "V")``,
a connect call's arguments over lines, a format string's DSN (``fmt.Sprintf("postgres://%s:%s@%s
/db", "admin", "V", host)``); in scripts ``printf 'V\\n' | sudo -S``, ``sudo -S <<< 'V'``,
``smbclient -U admin%'V'``, ``openssl enc -k V``.

Each case calls the real :func:`redact` (or :func:`redact_git`); the last tests bundle a real git
repository holding forms of the round with the real CLI (Markdown, JSON and XML), and commit
messages through a bundle's Recent decisions and a handoff."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo, run_cli

from analyzers.secrets import redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Qv7#mLp2Zr"

# (name, file, text, the values)
_ROWS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # documents
    ("md arrow", "a.md", "DB_PASSWORD: OldPass1 -> Newer#Pass9\n", ("OldPass1", "Newer#Pass9")),
    ("md arrow in code spans", "b.md", f"- `DB_PASSWORD`: `Ab9old!x` -> `{V}`\n", (V,)),
    ("rst fat arrow", "a.rst", f"ADMIN_PASSWORD: hunter2old => {V}\n", ("hunter2old", V)),
    ("md unicode arrow", "c.md", f"Password: hunter4old \u2192 {V}\n", ("hunter4old", V)),
    ("txt weak arrow", "a.txt", "password: x -> summer2024\n", ("summer2024",)),
    ("md weak arrow", "d.md", "DB_PASSWORD: old -> hunter2\n", ("hunter2",)),
    ("md weak arrow from a word", "e.md", "Root password: changeme -> autumn2023!\n",
     ("autumn2023!",)),
    ("md was generated", "f.md",
     "AWS_SECRET_ACCESS_KEY was wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzKEY2\n",
     ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzKEY2",)),
    ("md admin password was", "g.md", "the admin password was Tr0ub4dor&3\n", ("Tr0ub4dor&3",)),
    ("md next line", "h.md", f"staging db password:\n{V}\n", (V,)),
    ("txt next line indented", "b.txt", f"Staging DB password:\n    {V}\n", (V,)),
    ("md blank line", "i.md", f"password:\n\n{V}\n", (V,)),
    ("md db pass blank line", "j.md", "db pass\n\nXk3#pq9vLm2q\n", ("Xk3#pq9vLm2q",)),
    ("md will be", "k.md", "The password for the staging db will be Gx8#newPass8 from Monday.\n",
     ("Gx8#newPass8",)),
    ("md password will be", "l.md", "the password will be Wq3&zz8Lk\n", ("Wq3&zz8Lk",)),
    ("txt admin password will be", "c.txt", "The new admin password will be Jm4!rt7Yq.\n",
     ("Jm4!rt7Yq",)),
    ("md will be changed to", "o.md", f"The staging password will be changed to {V} today.\n",
     (V,)),
    ("md u/p", "m.md", f"u/p: admin/{V}\n", (V,)),
    ("txt user/pass", "d.txt", "user/pass: deploy/Rt5$wq8Lz\n", ("Rt5$wq8Lz",)),
    # a program's comments
    ("py comment db password is", "a.py", "# the db password is hunter2hunter2\n",
     ("hunter2hunter2",)),
    ("js comment prod password", "a.js", "// prod password: S3cr3t!pass\n", ("S3cr3t!pass",)),
    ("js block comment login with", "b.js", "/* login with admin / Passw0rd!23 */\n",
     ("Passw0rd!23",)),
    ("go comment password for", "a.go", f"// password for the staging db is {V}\n", (V,)),
    ("js comment db pass", "c.js", "// db pass Vq8xLm2pZr9\n", ("Vq8xLm2pZr9",)),
    ("py comment u/p", "b.py", f"# u/p: admin/{V}\n", (V,)),
    # login calls
    ("ruby login no parentheses", "a.rb", "login 'admin', 'Sunsh1ne!'\n", ("Sunsh1ne!",)),
    ("ruby login call", "b.rb", "login('admin', 'Sunsh1ne!')\n", ("Sunsh1ne!",)),
    ("ruby sign_in e-mail", "c.rb", "sign_in('admin@example.com', 'Sunsh1ne!')\n",
     ("Sunsh1ne!",)),
    ("capybara fill_in Password", "d.rb",
     "visit login_path; fill_in 'Password', with: 'Hunter2#x'\n", ("Hunter2#x",)),
    ("capybara fill_in symbol", "e.rb", f'fill_in :user_password, with: "{V}"\n', (V,)),
    ("js template user", "d.js", "const u = `${user}:Sup3rS3cret@${host}`;\n", ("Sup3rS3cret",)),
    ("js template url", "e.js", "const url = `https://${user}:Sup3rS3cret@db.local/x`;\n",
     ("Sup3rS3cret",)),
    ("js page.login object", "f.js", f"await page.login({{user: 'admin', password: '{V}'}});\n",
     (V,)),
    ("python LOGIN pair", "c.py", f'LOGIN = ("admin", "{V}")\n', (V,)),
    ("python LOGIN tuple", "f.py", f"LOGIN = 'admin', '{V}'\n", (V,)),
    ("js destructured pass", "g.js", f"const [user, pass] = ['admin', '{V}'];\n", (V,)),
    ("js playwright fill", "h.js", f"await page.fill('#password', '{V}');\n", (V,)),
    ("python AUTH list", "d.py", "ADMIN_AUTH = ['admin', 'hunter2hunter2']\n",
     ("hunter2hunter2",)),
    # connect calls over lines, format strings' DSNs
    ("java getConnection over lines", "A.java",
     f'Connection c = DriverManager.getConnection(url,\n    "admin",\n    "{V}");\n', (V,)),
    ("java getConnection url on its line", "B.java",
     f'Connection c = DriverManager.getConnection(\n    url, "admin", "{V}");\n', (V,)),
    ("go Sprintf postgres", "b.go",
     f'dsn := fmt.Sprintf("postgres://%s:%s@%s/db", "admin", "{V}", host)\n', (V,)),
    ("go Sprintf mysql", "c.go",
     'dsn := fmt.Sprintf("%s:%s@tcp(%s)/app", "root", "Vk4Lp9qZx", host)\n', ("Vk4Lp9qZx",)),
    ("go Sprintf scheme first", "d.go",
     f'dsn := fmt.Sprintf("%s://%s:%s@%s/db", "postgres", user, "{V}", host)\n', (V,)),
    ("python percent DSN", "e.py",
     f'url = "postgresql://%s:%s@db/app" % ("admin", "{V}")\n', (V,)),
    # command lines
    ("shell printf sudo", "a.sh", f"printf '{V}\\n' | sudo -S apt-get update\n", (V,)),
    ("shell printf format sudo", "b.sh", f"printf '%s\\n' '{V}' | sudo -S true\n", (V,)),
    ("shell sudo here-string", "c.sh", f"sudo -S <<< '{V}' apt-get update\n", (V,)),
    ("shell sudo -kS", "d.sh", f'echo "{V}" |sudo -kS systemctl restart app\n', (V,)),
    ("shell smbclient quoted", "e.sh", "smbclient //srv/share -U admin%'Vk4%Lp9qZ'\n",
     ("Vk4%Lp9qZ",)),
    ("shell openssl enc -k", "f.sh",
     "openssl enc -aes-256-cbc -salt -in a -out a.enc -k Vk4Lp9qZx\n", ("Vk4Lp9qZx",)),
    ("shell openssl -pass", "g.sh",
     f"openssl enc -d -aes-256-cbc -in a.enc -out a -pass pass:{V}\n", (V,)),
    ("shell printf chpasswd", "j.sh", f"printf 'bob:%s\\n' '{V}' | chpasswd\n", (V,)),
    ("shell chpasswd echo", "h.sh", f"echo 'root:{V}' | chpasswd\n", (V,)),
    ("shell chpasswd here-string", "i.sh", f'chpasswd <<< "bob:{V}"\n', (V,)),
    ("md sudo here-string", "n.md", f"Run `sudo -S <<< '{V}' make install`.\n", (V,)),
)
FORMS = {name: (file, text) for name, file, text, _ in _ROWS}

for _name, _file, _text, _values in _ROWS:
    case(_name, _text, _file, _values, ())

case("a login call keeps its user", "login 'admin', 'Sunsh1ne!'\n", "k.rb", ("Sunsh1ne!",),
     ("login 'admin', '",))

# git's text (a commit's subject or body)
GIT_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DB_PASSWORD: OldPass1 -> Newer#Pass9", ("OldPass1", "Newer#Pass9")),
    ("password: x -> summer2024", ("summer2024",)),
    ("rotate creds: DB_PASSWORD: old -> hunter2", ("hunter2",)),
    ("ops: rotate creds\n\nstaging db password:\n\nMx8!vQ2pLr\n", ("Mx8!vQ2pLr",)),
    ("the password for the staging db will be Gx8#newPass8", ("Gx8#newPass8",)),
    ("the admin password will be Jm4!rt7Yq", ("Jm4!rt7Yq",)),
    (f"u/p: admin/{V}", (V,)),
    ("fix: login with admin / Passw0rd!23", ("Passw0rd!23",)),
    (f"chore: printf '{V}\\n' | sudo -S make install", (V,)),
    (f"deploy: sudo -S <<< '{V}' systemctl restart app", (V,)),
    (f"smbclient -U admin%'{V}'", (V,)),
    ("openssl enc -aes-256-cbc -k Vk4Lp9qZx", ("Vk4Lp9qZx",)),
)
for _k, (_text, _values) in enumerate(GIT_FORMS):
    case(f"git text {_k}", _text, "", _values, (), redact_git)

benign("a document's look-alikes",
       "PASSWORD_MIN_LENGTH: 8 -> 12\nPassword hashing: bcrypt -> argon2id\n"
       "password: md5 -> sha256\nThe password will be rotated on Monday.\n"
       "The password will be required from v2.0.\nu/p: see the vault\n"
       "Password policy: weak -> strong\nstaging db password:\n\nAsk the on-call engineer.\n"
       "Log in with GitHub / GitLab.\n", "README.md")
benign("a program's comments", "# the password is read from the environment\n"
       "// password: see config.PASSWORD\n/* login with OAuth / OIDC */\n"
       "# password hashing: bcrypt -> argon2id\nx = 1\n", "a.py")
benign("login calls of variables and labels",
       "login user, password\nlogin 'Login', 'Cancel'\nsign_in(user)\n"
       "fill_in 'Password', with: password\nfill_in 'Password', with: 'password'\n", "a.rb")
benign("templates and pairs", "const u = `${user}:${pass}@${host}`;\n"
       "const t = `${hours}:30@noon`;\nLOGIN = (\"admin\", password)\n"
       "LOGIN_FIELDS = (\"username\", \"password\")\nif auth == (\"a\", \"b\"): pass\n"
       "const [user, pass] = [form.user, form.pass];\nawait page.fill('#password', password);\n"
       "await page.type('#search', 'Sunsh1ne!');\n", "a.js")
benign("format strings of variables",
       'dsn := fmt.Sprintf("postgres://%s:%s@%s/db", user, pass, host)\n'
       'url = "postgresql://%s:%s@db/app" % (user, password)\n', "a.go")
benign("shell look-alikes", "sudo -S <<< \"$PW\" true\nprintf '%s\\n' \"$PW\" | sudo -S true\n"
       "openssl enc -d -aes-256-cbc -in a.enc -pass env:ENC_PASS\n"
       "openssl enc -aes-256-cbc -pass file:/run/secrets/k\nsmbclient -U admin%\"$PW\"\n",
       "a.sh")
for _k, _subject in enumerate((
        "PASSWORD_MIN_LENGTH: 8 -> 12", "password hashing: bcrypt -> argon2id",
        "password: md5 -> sha256", "the password will be rotated weekly",
        "u/p form: email/phone", "log in with GitHub / GitLab",
        "password reset: v1 -> v2", "password field: text -> password")):
    benign(f"git look-alike {_k}", _subject, "", redact_git)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "blank lines": ("password:\n\n" * 20_000, redact, "a.md"),
    "comment lines": ("# db pass\n" * 20_000, redact, "a.py"),
    "pairs": ("LOGIN = (" * 20_000 + "\n", redact, "a.py"),
    "formats": ('"%s:%s@' * 20_000 + "\n", redact, "a.go"),
    "sudo here": ("sudo -S " * 20_000 + "<<<\n", redact, "a.sh"),
    "templates": ("${a}:" * 20_000 + "\n", redact, "a.js"),
    "git u/p": ("u/p: " + "a/" * 20_000, redact_git, ""),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)

# -- a real repository: forms of the round bundled --

_AROUND = {**sc.AROUND, ".java": "class A {\n    void f() {}\n}\n",
           ".rst": "Setup\n=====\n\nRun the installer.\n\n"}
_KEPT = ("login 'Login', 'Cancel'", "PASSWORD_MIN_LENGTH: 8 -> 12")
_BUNDLED = ("a.md", "h.md", "i.md", "k.md", "a.rst", "a.py", "b.js", "a.rb", "d.rb", "d.js",
            "c.py", "A.java", "b.go", "a.sh", "c.sh", "e.sh", "f.sh")
_VALUES = (V, "Newer#Pass9", "OldPass1", "Gx8#newPass8", "hunter2hunter2", "Passw0rd!23",
           "Sunsh1ne!", "Hunter2#x", "Sup3rS3cret", "Vk4%Lp9qZ", "Vk4Lp9qZx")


def _repo_files() -> dict[str, str]:
    forms = {k: v for k, v in FORMS.items() if v[0] in _BUNDLED}
    return sc.repo_files(forms, _AROUND, _KEPT)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round23") / "repo", _repo_files())


@pytest.mark.parametrize("fmt", ["markdown", "json", "xml"])
def test_no_value_reaches_a_bundle(repo: Path, fmt: str) -> None:
    names = [f for f in _repo_files() if f != "ui.py"]
    out, err = sc.bundle_pinned(repo, names, fmt)
    sc.assert_every_file_redacted(out, err, fmt, names, _VALUES, len(names))


def test_a_seeded_bundle_shows_no_value_and_keeps_the_look_alikes(repo: Path) -> None:
    sc.assert_bundles_hide(repo, ("a.md", "a.rb", "b.go", "c.sh"), _VALUES)
    proc = run_cli("bundle", "--seed", "ui.py", "--format", "markdown", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    for kept in _KEPT:
        assert kept in proc.stdout, kept


# -- commit messages: a bundle's Recent decisions and a handoff --

def test_commit_texts_are_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    subjects = [text for text, _ in GIT_FORMS[:4]] + [GIT_FORMS[6][0], GIT_FORMS[9][0]]
    outputs = sc.commit_text_outputs(tmp_path / "r", subjects, "set the timeout to 30s")
    for out in outputs:
        for value in ("OldPass1", "Newer#Pass9", "summer2024", "hunter2", "Mx8!vQ2pLr", V):
            assert value not in out, (value, out[:4000])
    assert "set the timeout to 30s" in outputs[2], outputs[2]
