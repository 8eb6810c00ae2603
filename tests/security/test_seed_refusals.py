"""A seed or pin the bundle cannot honour is refused (exit 2, with the reason), never swapped for a
bundle about other files: a seed counted but not parsed that the budget cannot hold whole, a
secret-bearing seed (by name, or secret material as a whole: its content never shown; a pin is
listed under excluded). A seed holding one secret among its lines is kept, the value masked.
Bundle names are checked before any indexing."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli

from analyzers.indexing.filefacts import PARSE_MAX_BYTES

SECRET = "AKIA" + "Q3EGUCH4ZJ7KRXW2"  # an AWS access key id form


def _huge_python() -> str:
    body = "".join(f"def helper_{i}(value):\n    return value + {i}\n\n\n" for i in range(60_000))
    assert len(body) > PARSE_MAX_BYTES
    return body


def test_unparsed_seed_over_the_budget_is_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"src/huge.py": _huge_python(),
                                      "src/app.py": "def main():\n    return 1\n"})
    out = run_cli("bundle", "--seed", "src/huge.py", "--max-file-size", "50000000", cwd=root,
                  timeout=600)
    assert out.returncode == 2, (out.returncode, out.stderr, out.stdout[:500])
    assert "seed 'src/huge.py' is not usable: not parsed" in out.stderr, out.stderr
    assert out.stdout == ""


def test_a_secret_bearing_seed_is_refused_and_a_pin_listed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "f/auth.py": f"AWS_ACCESS_KEY_ID = '{SECRET}'\n\ndef login():\n    return 1\n",
        "f/keys.py": f"AWS_ACCESS_KEY_ID = '{SECRET}'\n",
        "f/app.py": "def main():\n    return 1\n", ".env": f"AWS_KEY={SECRET}\n"})
    for seed in ("f/keys.py", ".env"):  # the bundle is about the seed: refused
        out = run_cli("bundle", "--seed", seed, cwd=root)
        assert out.returncode == 2, (seed, out.returncode, out.stderr, out.stdout[:300])
        assert f"seed '{seed}' is excluded" in out.stderr, out.stderr
        assert SECRET not in out.stderr + out.stdout
    for pin in ("f/keys.py", ".env"):  # a pin beside a task: listed under excluded, as ranked
        out = run_cli("bundle", "--task", "login", "--pin", pin, "--format", "json", cwd=root)
        assert out.returncode == 0, out.stderr
        assert pin in {e["path"] for e in json.loads(out.stdout)["excluded"]}
        assert SECRET not in out.stderr + out.stdout
    # One secret among its lines: the seed (or pin) is shown, the value masked.
    for args in (("--seed", "f/auth.py"), ("--task", "login", "--pin", "f/auth.py")):
        out = run_cli("bundle", *args, cwd=root)
        assert out.returncode == 0, (args, out.stderr)
        assert "AWS_ACCESS_KEY_ID = '[redacted: AWS Access Key]'" in out.stdout
        assert SECRET not in out.stderr + out.stdout


def test_bad_bundle_names_are_refused_before_indexing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "def a():\n    return 1\n"})
    for option in ("--verify", "--save"):
        out = run_cli("bundle", option, "x" * 5000, "--task", "a", cwd=root)
        assert out.returncode == 2, out.stderr
        assert "bundle name" in out.stderr and "5,000 characters" in out.stderr
        assert not (root / ".ctxsteward").exists(), "indexed before refusing the name"
