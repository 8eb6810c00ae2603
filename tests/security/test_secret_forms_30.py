"""Session 30's verifier: five forms it saw shown (SCAN_VERSION 65). A Windows pgpass file by
its name (``pgpass.conf``), "the staging admin login is `admin` / `V`" in an instruction file
(a finding of ``check`` quoted it too), ``requirepass V`` mid-line ("set redis requirepass V
on staging", in a commit subject too), a setter given a user and the password
(``api.set_password("admin", "V")``), and ``wpa_passphrase SSID V``. Each case calls the real
:func:`redact` (or :func:`redact_git`); the last test bundles a real git repository with the
real CLI."""

from __future__ import annotations

from pathlib import Path

import secret_cases as sc
from gitutil import make_repo, run_cli

from analyzers.secrets import redact, redact_git, secret_by_name

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Cr7TzQ2wXm5R"

for _file in ("notes.md", "deploy.sh", "ops.txt"):
    case(f"{_file} requirepass mid-line", f"set redis requirepass {V} on staging\n", _file, (V,),
         ("on staging",))
    case(f"{_file} wpa_passphrase", f"wpa_passphrase AcmeOffice {V} > /etc/wpa.conf\n", _file,
         (V,), ("AcmeOffice",))
case("git requirepass mid-line", f"set redis requirepass {V} on staging", "", (V,), (),
     redact_git)
case("git wpa_passphrase", f"wifi: wpa_passphrase AcmeOffice {V}", "", (V,), (), redact_git)
for _file in ("db.py", "admin.rb", "setup.js"):
    case(f"{_file} a setter given a user and the password",
         f'api.set_password("admin", "{V}")\n', _file, (V,), ("admin",))

for _file in ("CLAUDE.md", "AGENTS.md", "notes.txt"):
    case(f"{_file} a login's user and password", f"The staging admin login is `admin` / `{V}`.\n",
         _file, (V,), ("`admin`",))
case("md logins are", f"Logins are ops / {V} on staging\n", "README.md", (V,), ("ops",))
benign("a login's prose", "The login is admin / see the vault.\nLogin: admin / <password>\n"
       "login is admin / $ADMIN_PASSWORD\nlogins are tracked per user / per day\n", "README.md")
benign("requirepass without a value", "# requirepass is off in development\n", "redis.md")
benign("wpa_passphrase with a variable", 'wpa_passphrase "$SSID" "$PSK" > /etc/wpa.conf\n',
       "wifi.sh")
benign("a setter given a variable", "api.set_password(user, new_password)\n", "db.py")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


def test_a_windows_pgpass_file_is_left_out_by_name() -> None:
    for path in ("pgpass.conf", "config/pgpass.conf", "ops/prod.pgpass", ".pgpass"):
        assert secret_by_name(path) is not None, path
    assert secret_by_name("docs/pgpass.md") is None


def test_a_bundle_shows_none_of_them(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "deploy.sh": f"#!/bin/sh\nset -e\nredis-cli CONFIG SET requirepass {V}\n"
                     f"wpa_passphrase AcmeOffice {V} > /etc/wpa.conf\n",
        "src/db.py": f'def reset(api):\n    api.set_password("admin", "{V}")\n',
        "config/pgpass.conf": f"db.example.com:5432:*:report:{V}\n",
        "CLAUDE.md": f"# Staging\n\nThe staging admin login is `admin` / `{V}`.\n"},
        [(f"set redis requirepass {V} on staging", {"src/db.py": "def reset(api):\n    return 1\n"
                                                    f'\n\ndef seed(api):\n    api.set_password'
                                                    f'("admin", "{V}")\n'})])
    for fmt in ("json", "markdown", "xml"):
        done = run_cli("bundle", "--task", "redis staging password wpa reset seed", "--pin",
                       "deploy.sh", "--pin", "src/db.py", "--format", fmt, cwd=root)
        assert done.returncode == 0, done.stderr
        assert V not in done.stdout and V not in done.stderr, (fmt, done.stdout[:3000])
        if fmt != "json":
            assert "[redacted: " in done.stdout
    note = run_cli("handoff", "--format", "json", cwd=root)
    assert note.returncode == 0 and V not in note.stdout, note.stdout[:3000]
    check = run_cli("check", "--format", "json", cwd=root)
    assert V not in check.stdout and V not in check.stderr, check.stdout[:3000]
