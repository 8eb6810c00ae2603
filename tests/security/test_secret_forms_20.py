"""Round 20 (SCAN_VERSION 55): secret forms an independent verifier found shown in bundles.
Leaks fixed: in git's text (Recent decisions, a handoff, the hook's map) an environment name of
any secret's kind (``set STRIPE_KEY to V``), words between the name and "to" (``Set DB_PASSWORD
env var to V``, ``password changed from old to V``), ``rotate DB_PASSWORD (now V)``, ``creds for
staging: admin/V``, ``pw V``; in files Compose's mapping (``DBPW: V``) and quoted items (``-
'DBPW=V'``), Dockerfile's later pairs (``ENV APP=1 DBPW=V``), Go's ``os.Setenv("DBPW", "V")``,
``pw = ("V")`` and Python's implicit concatenation, JSX's ``defaultValue={"V"}`` and
``defaultValue={`V`}`` on any password input, Go's ``[]byte("V")``, C's ``pass[] = {"V"}``,
Rust's ``String::from(`` over lines, Kubernetes' ``- value: V`` before its ``name:``.

Each case calls the real :func:`redact` (or :func:`redact_git`); the last tests bundle a real git
repository holding every file form of the round with the real CLI (pinned, and seeded), and
commit messages through a bundle's Recent decisions and a handoff."""

from __future__ import annotations

from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo, run_cli

from analyzers.secrets import redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Zq9-hunter-77x"

_ROWS: tuple[tuple[str, str, str], ...] = (
    ("compose mapping", "docker-compose.yml",
     f"services:\n  db:\n    environment:\n      DBPW: {V}\n"),
    ("compose single-quoted item", "compose.yaml",
     f"services:\n  db:\n    environment:\n      - 'DBPW={V}'\n"),
    ("dockerfile second pair", "Dockerfile", f"ENV APP=1 DBPW={V}\n"),
    ("go setenv short name", "a.go", f'os.Setenv("DBPW", "{V}")\n'),
    ("go byte slice", "b.go", f'var pass = []byte("{V}")\n'),
    ("python parenthesized", "a.py", f'pw = ("{V}")\n'),
    ("jsx defaultValue braces on a TextField", "a.jsx",
     f'<TextField type="password" defaultValue={{"{V}"}} />\n'),
    ("jsx defaultValue template", "b.jsx",
     f'<TextField type="password" defaultValue={{`{V}`}} />\n'),
    ("c brace array", "a.c", f'char pass[] = {{"{V}"}};\n'),
    ("rust String::from over lines", "a.rs", f'let pw = String::from(\n    "{V}",\n);\n'),
    ("kubernetes value before name", "deploy.yaml",
     f"env:\n  - value: {V}\n    name: DB_PASSWORD\n"),
)
FORMS = {name: (file, text) for name, file, text in _ROWS}

for _name, (_file, _text) in FORMS.items():
    case(_name, _text, _file, (V,), ())

case("python implicit concatenation", 'pw = ("Zq9-hunter" "-L13")\n', "c.py",
     ("Zq9-hunter", "-L13"), ("pw = (",))
case("dockerfile keeps the first pair", f"ENV APP=1 DBPW={V}\n", "Dockerfile", (V,),
     ("ENV APP=1 DBPW=",))

# git's text (a commit's subject or body)
GIT_FORMS = (f"set STRIPE_KEY to {V}", f"set GITHUB_TOKEN to {V}",
             f"Set DB_PASSWORD env var to {V}", f"rotate DB_PASSWORD (now {V})",
             f"password changed from old to {V}", f"creds for staging: admin/{V}", f"pw {V}")
for _k, _subject in enumerate(GIT_FORMS):
    case(f"git text {_k}", _subject, "", (V,), (), redact_git)

benign("a login page's labels", 'page.login("Login", "Cancel")\n', "a.py")
benign("a pass outcome", '{"pass": "Passed!"}\n', "a.py")
benign("a test command after pass", "the test will pass: `pytest -k pass2`\n", "notes.md")
benign("a login with the word password", 'client.login("admin", "password")\n', "a.py")
benign("a Dockerfile's variable", "ENV DBPW=${DBPW}\nENV APP=1 DBPW=${DBPW}\n", "Dockerfile")
benign("a password input's value from props",
       '<TextField type="password" defaultValue={props.password} />\n', "a.jsx")
benign("round 20's look-alikes in code",
       'x = ("hello2")\nmsg = ("Hello" "World")\nos.Setenv("PATH", "/usr/bin:/bin")\n'
       'var buf = []byte("abc123")\n', "a.py")
benign("round 20's look-alikes in YAML",
       "services:\n  db:\n    environment:\n      DBPW: ${DBPW}\n      pass: Passed!\n"
       "      - 'PATH=/usr/bin'\nenv:\n  - value: v1.2.3x\n    name: VERSION\n", "a.yml")
benign("a non-password input's value",
       '<TextField type="text" defaultValue={"Hunter2x9"} />\n', "a.jsx")
for _k, _subject in enumerate(("set the timeout to 30s", "rotate logs to /var/log/app",
                               "set DEBUG to true", "the test will pass: `pytest -k pass2`",
                               "set SSH_KEY to the deploy key", "rotate API_TOKEN (now hourly)",
                               "pw reset flow", "creds for staging: see the vault/docs")):
    benign(f"git look-alike {_k}", _subject, "", redact_git)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "git to": ("set A_KEY env var " * 20_000, redact_git, ""),
    "git now": ("DB_PASSWORD (" * 20_000, redact_git, ""),
    "yaml pairs": ("pw: a\n" * 20_000, redact, "a.yaml"),
    "env pairs": ("ENV " + "A=1 " * 20_000 + "\n", redact, "Dockerfile"),
    "concatenation": ('pw = ("' + '" "' * 20_000 + "\n", redact, "a.py"),
    "jsx values": ('<x type="password" ' + 'value="a" ' * 20_000 + "\n", redact, "a.jsx"),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)

# -- a real repository: every file form of the round bundled --

_AROUND = {**sc.AROUND, ".jsx": sc.AROUND[".js"],
           ".yml": "# services\nversion: '3'\n"}
_KEPT = ('page.login("Login", "Cancel")', '{"pass": "Passed!"}',
         'client.login("admin", "password")')


def _repo_files() -> dict[str, str]:
    return sc.repo_files(FORMS, _AROUND, _KEPT)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round20") / "repo", _repo_files())


def test_no_value_reaches_a_markdown_bundle(repo: Path) -> None:
    names = [f for f in _repo_files() if f != "ui.py"]
    out, err = sc.bundle_pinned(repo, names, "markdown")
    sc.assert_every_file_redacted(out, err, "markdown", names, (V,), len(FORMS))


def test_a_seeded_bundle_shows_no_value_and_keeps_the_look_alikes(repo: Path) -> None:
    sc.assert_bundles_hide(repo, ("docker-compose.yml", "Dockerfile", "a.go", "a.jsx", "a.rs",
                                  "deploy.yaml"), (V,))
    proc = run_cli("bundle", "--seed", "ui.py", "--format", "markdown", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    for kept in _KEPT:
        assert kept in proc.stdout, kept


# -- commit messages: a bundle's Recent decisions and a handoff --

def test_commit_texts_are_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    outputs = sc.commit_text_outputs(tmp_path / "r", GIT_FORMS, "set the timeout to 30s")
    for out in outputs:
        assert V not in out, out[:4000]
    assert "set STRIPE_KEY to [redacted:" in outputs[0] + outputs[2], outputs[0]
    assert "set the timeout to 30s" in outputs[2], outputs[2]
