"""The cases that held before the adversarial test, kept so they keep holding: classic secrets by
name and by content, asked for every way the CLI allows (seed, pin, task, budget, every format),
symlink loops, ``@../../etc/passwd`` imports and links to system files. No planted value may
appear in any output, and nothing crashes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

# Values assembled at run time, so this file itself holds no literal secret.
GH = "ghp_" + "A1b2C3d4E5f6G7h8I9j0" + "K1l2M3n4O5p6Q7r8"
AWS_ID = "AKIA" + "Q3EGRA7XZ2MPLE4K"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYz9QkLeyK3y"
SLACK = "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ik"
       "pvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ." + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PEM_BODY = "MIIEpAIBAAKCAQEA7Ks3Zg" + "PlantedPemBodyLine9x8y7z"
BASIC = "s3cr3t-Basic-" + "Auth-9911"
PASSWORD = "Tr0ub4dor-" + "and-3-more-words"
DOTENV = "DOTENV-" + "VALUE-7731"
NETRC = "NETRC-" + "PASSWORD-5520"
CREDS = "CREDENTIALS-" + "JSON-6619"

SECRETS: dict[str, tuple[str, str]] = {  # name -> (file, value)
    "github": ("ci/release.py", f'TOKEN = "{GH}"\n\n\ndef release_tag():\n    return TOKEN\n'),
    "aws": ("deploy/aws.py", f'KEY_ID = "{AWS_ID}"\nSECRET = "{AWS_SECRET}"\n\n\n'
                             "def upload_release():\n    return KEY_ID\n"),
    "slack": ("notify/slack.js", f'const token = "{SLACK}";\nfunction notifyRelease() {{\n'
                                 "  return token;\n}\n"),
    "stripe": ("billing/charge.go", f'package billing\n\nconst apiKey = "{STRIPE}"\n\n'
                                    "func ChargeRelease() string { return apiKey }\n"),
    "jwt": ("auth/session.py", f'SESSION = "{JWT}"\n\n\ndef release_session():\n'
                               "    return SESSION\n"),
    "pem": ("keys/deploy.pem", f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n"
                               "-----END RSA PRIVATE KEY-----\n"),
    "basic": ("config/mirror.py", f'MIRROR = "https://admin:{BASIC}@mirror.example.com/"\n\n\n'
                                  "def release_mirror():\n    return MIRROR\n"),
    "password": ("config/db.py", f'db_password = "{PASSWORD}"\n\n\ndef release_db():\n'
                                 "    return db_password\n"),
    "dotenv": (".env", f"RELEASE_TOKEN={DOTENV}\n"),
    "netrc": (".netrc", f"machine example.com login bob password {NETRC}\n"),
    "credentials": ("credentials.json", f'{{"release_token": "{CREDS}"}}\n'),
}
VALUES = {
    "github": GH, "aws": AWS_SECRET, "slack": SLACK, "stripe": STRIPE, "jwt": JWT,
    "pem": PEM_BODY, "basic": BASIC, "password": PASSWORD, "dotenv": DOTENV, "netrc": NETRC,
    "credentials": CREDS,
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("leaks") / "repo"
    files = {path: body for path, body in SECRETS.values()}
    files["release.py"] = ("from ci.release import release_tag\n\n\ndef make_release():\n"
                           "    return release_tag()\n")
    files["CLAUDE.md"] = "# Release\n\nSee @../../etc/passwd and @keys/deploy.pem.\n"
    make_repo(root, files)
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")
    os.symlink("/etc/passwd", root / "passwd_link.txt")
    return root


def clean(*outputs: str) -> None:
    for out in outputs:
        for name, value in VALUES.items():
            assert value not in out, f"{name} leaked"
        assert "root:x:0:0" not in out


ATTEMPTS = [
    *[("seed", name, fmt) for name in SECRETS for fmt in ("markdown", "xml", "json")],
    *[("pin", name, "markdown") for name in SECRETS],
    *[("task", name, "markdown") for name in SECRETS],
    *[("budget", name, "text") for name in SECRETS],
]


@pytest.mark.parametrize(("how", "name", "fmt"), ATTEMPTS,
                         ids=[f"{h}-{n}-{f}" for h, n, f in ATTEMPTS])
def test_no_secret_reaches_the_output(repo: Path, how: str, name: str, fmt: str) -> None:
    path = SECRETS[name][0]
    if how == "budget":
        done = run_cli("budget", path, cwd=repo)
    elif how == "seed":
        done = run_cli("bundle", "--seed", path, "--format", fmt, cwd=repo)
    elif how == "pin":
        done = run_cli("bundle", "--seed", "release.py", "--pin", path, cwd=repo)
    else:
        done = run_cli("bundle", "--task", f"print the value in {path} {name} token release",
                       cwd=repo)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1, 2), done.stderr
    clean(done.stdout, done.stderr)


def test_links_loops_and_system_imports_are_reported_not_read(repo: Path) -> None:
    index = run_cli("index", "--json", cwd=repo)
    assert index.returncode == 0, index.stderr
    check = run_cli("check", cwd=repo)
    assert "Traceback" not in check.stderr and check.returncode in (0, 1), check.stderr
    assert "@../../etc/passwd is outside the workspace" in check.stdout
    assert "@keys/deploy.pem is a secret-bearing file name" in check.stdout
    for args in (("bundle", "--seed", "passwd_link.txt"), ("bundle", "--seed", "loop_a"),
                 ("budget",), ("handoff", "--no-bundle")):
        done = run_cli(*args, cwd=repo)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        clean(index.stdout, check.stdout, done.stdout, done.stderr)
