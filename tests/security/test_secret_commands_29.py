"""Session 29 (a verifier's, on a fresh clone): ``ldapsearch -w V`` with ``-w`` right after the
command was shown (``ldapsearch -x … -w V`` was masked: the rule wanted a blank before the options
and another before ``-w``); and a command whose name holds a letter ``re.IGNORECASE`` reads as an
ASCII one (``myſql``, ``redıs-cli``, ``İDENTIFIED BY``) was shown in a short script, the look-alike
fold being asked for by a secret's name only (``password``, ``token``…), not a command's.

Each case calls the real :func:`redact` (or :func:`redact_git`); the last test bundles a real
repository through the CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import secret_cases as sc
from gitutil import run_cli

from analyzers.secrets import redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

_V = "Lp4kJ7hG2fDs"
_AROUND = "echo start\n{}\necho done\n"

case("ldapsearch -w first", _AROUND.format(f"ldapsearch -w {_V} -x -b dc=x"), "run.sh", (_V,),
     ("ldapsearch -w", "-x -b dc=x"))
case("ldapsearch -w at the end", _AROUND.format(f"ldapsearch -w {_V}"), "run.sh", (_V,),
     ("ldapsearch",))
case("ldapmodify -w quoted", _AROUND.format(f"ldapmodify -w '{_V}' -f x.ldif"), "run.sh",
     (_V,), ("-f x.ldif",))
case("ldapsearch in git text", f"ops: ldapsearch -w {_V} -x", "", (_V,), ("ops:",),
     fn=redact_git)
case("a long s in mysql", _AROUND.format(f"my\u017fql -uroot -p{_V}"), "run.sh", (_V,),
     ("-uroot",))
case("a dotless i in redis-cli", _AROUND.format(f"red\u0131s-cli -a {_V}"), "run.sh", (_V,),
     ("-a",))
case("a dotted capital I in IDENTIFIED BY", _AROUND.format(f"\u0130DENTIFIED BY '{_V}'"),
     "init.sql", (_V,), ("BY",))
case("a Kelvin sign in docker login", _AROUND.format(f"doc\u212aer login -u ci -p {_V}"),
     "run.sh", (_V,), ("login",))
case("credentials are user / value", "Default credentials for the admin UI are `admin` / "
     f"`{_V}`.\n", "README.md", (_V,), ("admin",))
benign("credentials are words", "The credentials are user / password.\n", "README.md")
benign("ldapsearch with no -w", _AROUND.format("ldapsearch -x -b dc=example,dc=com uid=bob"),
       "run.sh")
benign("a look-alike command word with no value", "see the myſql docs for the -p option\n",
       "notes.md")

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


def test_a_bundle_of_such_a_script_shows_no_value(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    (root / "backup.sh").write_text(
        "#!/bin/sh\n" + f"ldapsearch -w {_V} -x -b dc=x\n" + "my\u017fql -uroot -pRt5yH8jK2lZx\n"
        "echo done\n" + "".join(f"echo step {i}\n" for i in range(6)), "utf-8")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t",
                                               "commit", "-qm", "backup script"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    for fmt in ("json", "markdown"):
        proc = run_cli("bundle", "--seed", "backup.sh", "--format", fmt, cwd=root)
        assert proc.returncode == 0, proc.stderr
        for value in (_V, "Rt5yH8jK2lZx"):
            assert value not in proc.stdout + proc.stderr, (fmt, value)
    assert "ldapsearch -w [redacted: " in proc.stdout  # (Markdown shows the file's text)
