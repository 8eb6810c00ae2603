"""A table of secret forms for the security tests: cases whose values must be masked (the text
around them kept, the line count unchanged) and look-alikes that must come back unchanged, each
with the function that reads it (:func:`analyzers.secrets.redact` or ``redact_git``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

Reader = Callable[..., str]


class SecretCases:
    def __init__(self, default: Reader) -> None:
        self.default = default
        # id -> (text, filename, the secret values, text that must stay, which function)
        self.cases: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], Reader]] = {}
        # id -> (text, filename, which function): no secret, left exactly as it is
        self.benign_cases: dict[str, tuple[str, str, Reader]] = {}

    def case(self, name: str, text: str, filename: str, secrets: tuple[str, ...],
             kept: tuple[str, ...], fn: Reader | None = None) -> None:
        assert name not in self.cases, name
        self.cases[name] = (text, filename, secrets, kept, fn or self.default)

    def benign(self, name: str, text: str, filename: str = "", fn: Reader | None = None) -> None:
        assert name not in self.benign_cases, name
        self.benign_cases[name] = (text, filename, fn or self.default)

    def check_masked(self, name: str) -> None:
        text, filename, secrets, kept, fn = self.cases[name]
        out = fn(text, filename)
        for secret in secrets:
            assert secret not in out, (name, out)
        assert "[redacted: " in out
        for word in kept:
            assert word in out, (name, word, out)
        assert out.count("\n") == text.count("\n")

    def check_kept(self, name: str) -> None:
        text, filename, fn = self.benign_cases[name]
        assert fn(text, filename) == text

    def tests(self) -> tuple[Callable[[str], None], Callable[[str], None]]:
        """The two parametrized tests of this table (each case masked; each look-alike kept),
        for a test module to bind to its names."""

        @pytest.mark.parametrize("name", sorted(self.cases))
        def test_secret_form_is_masked(name: str) -> None:
            self.check_masked(name)

        @pytest.mark.parametrize("name", sorted(self.benign_cases))
        def test_look_alike_is_kept(name: str) -> None:
            self.check_kept(name)

        return test_secret_form_is_masked, test_look_alike_is_kept


def hostile_test(hostile: dict[str, tuple[str, Reader, str]]) -> Callable[[str], None]:
    """A parametrized test that each hostile input (text, reader, filename) is read to its end,
    its line count unchanged (timings measured by hand, never asserted)."""

    @pytest.mark.parametrize("name", sorted(hostile))
    def test_hostile_input_finishes(name: str) -> None:
        text, fn, filename = hostile[name]
        assert fn(text, filename).count("\n") == text.count("\n")

    return test_hostile_input_finishes


def assert_bundles_hide(root: Path, seeds: Iterable[str], values: tuple[str, ...]) -> None:
    """Each of ``seeds`` bundled from the repository at ``root`` by the real CLI: it succeeds,
    and none of ``values`` is in what it prints."""
    from gitutil import run_cli

    for seed in seeds:
        proc = run_cli("bundle", "--seed", seed, cwd=root)
        assert proc.returncode == 0, proc.stderr
        for value in values:
            assert value not in proc.stdout + proc.stderr, (seed, value)


def bundle_pinned(root: Path, names: Iterable[str], fmt: str) -> tuple[str, str]:
    """The real CLI's bundle (in ``fmt``) of the repository at ``root`` with each of ``names``
    pinned: its stdout and stderr (it must succeed)."""
    from gitutil import run_cli

    pins = [a for name in names for a in ("--pin", name)]
    proc = run_cli("bundle", "--task", "set up the database login", "--budget", "60000",
                   "--format", fmt, *pins, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def assert_every_file_redacted(out: str, err: str, fmt: str, names: Iterable[str],
                               values: tuple[str, ...], masks: int) -> None:
    """A bundle of ``names`` pinned (see :func:`bundle_pinned`): none of ``values`` in it, every
    file in it and redacted, none excluded, at least ``masks`` masks in the files' text."""
    import json

    for value in values:
        assert value not in out + err, value
    names = set(names)
    if fmt == "json":
        data = json.loads(out)
        assert not data["excluded"], data["excluded"]
        items = {i["path"] for i in data["items"]}
        redacted = {r["path"] for r in data["redacted"]}
        assert names <= items & redacted, names - items - redacted
    else:  # (the JSON is the bundle's metadata; Markdown and XML show the files' text)
        for name in names:
            assert f"redacted {name}: " in err, name
        assert "excluded" not in err
        assert out.count("[redacted: ") >= masks


# Ordinary lines around a form in each file of a round's repository, by the file's suffix, so that
# it is no credentials file (a file at least half of whose lines hold a secret is left out
# whole): the file goes in, its value masked.
AROUND = {
    ".py": "import os\n\n\ndef main():\n    return os.getcwd()\n\n\n",
    ".sh": "#!/bin/sh\nset -e\necho start\ncd /srv/app\necho done\n",
    ".md": "# Setup\n\nRun the installer first.\n\nThen restart the service.\n\n",
    ".html": "<html>\n<body>\n<h1>Setup</h1>\n<p>Run the installer.</p>\n",
    ".yaml": "# a manifest\n---\n",
    ".toml": '[server]\nhost = "localhost"\nport = 8080\nworkers = 4\n\n[db]\n',
    ".json": "",
    ".rs": "fn main() {\n    let user = \"app\";\n    println!(\"{}\", user);\n}\n",
    ".c": "#include <string.h>\n\nint main(void) {\n    char buf[64];\n    return 0;\n}\n",
    ".go": "package main\n\nfunc main() {\n\tuser := \"app\"\n\t_ = user\n}\n",
    ".nix": "{ config, pkgs, ... }:\n{\n  networking.hostName = \"box\";\n"
            "  time.timeZone = \"UTC\";\n",
    ".pl": "use strict;\nuse warnings;\nmy $user = 'app';\nprint \"$user\\n\";\n",
    ".exs": "import Config\nconfig :app, host: \"localhost\"\nconfig :app, port: 4000\n",
    ".js": "const user = 'app';\nconst port = 8080;\nconsole.log(user, port);\n",
    ".ps1": "$user = 'app'\n$port = 8080\nWrite-Host $user $port\n",
    ".sql": "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nSELECT * FROM t;\n",
    ".php": "<?php\n// setup\n$user = 'app';\n$port = 8080;\necho $user;\n",
    ".rb": "require 'json'\nuser = 'app'\nport = 8080\nputs user\n",
    ".txt": "# settings\nHOST=localhost\nPORT=8080\nWORKERS=4\n",
    "": "all:\n\techo build\n\ntest:\n\techo test\n\n",
}


def commit_text_outputs(root: Path, subjects: Iterable[str], last: str) -> list[str]:
    """A real repository at ``root`` whose commits have ``subjects`` (then ``last``), through the
    real CLI: its seeded bundle in Markdown and JSON (Recent decisions), its handoff as text and
    JSON; each output (each must succeed)."""
    from gitutil import make_repo, run_cli

    code = "def connect(url):\n    return url\n"
    commits = [(subject, {"db.py": code + f"# {k}\n"}) for k, subject in enumerate(subjects)]
    commits.append((last, {"db.py": code + "# done\n"}))
    make_repo(root, {"db.py": code}, commits=commits)
    runs = [("bundle", "--seed", "db.py", "--format", fmt) for fmt in ("markdown", "json")]
    runs += [("handoff", "--no-bundle", "--no-checks", "--base", f"HEAD~{len(commits)}", *extra)
             for extra in ((), ("--format", "json"))]
    outputs = []
    for args in runs:
        made = run_cli(*args, cwd=root)
        assert made.returncode == 0, made.stderr
        outputs.append(made.stdout)
    return outputs


DOCKER_AROUND = "FROM alpine:3.19\nWORKDIR /srv\nRUN apk add curl\nCOPY . .\n"


def repo_files(forms: dict[str, tuple[str, str]], around: dict[str, str],
               kept: Iterable[str]) -> dict[str, str]:
    """A round's repository: each form's file (its text after ordinary lines for its suffix, a
    Dockerfile's after :data:`DOCKER_AROUND`) and ``ui.py`` holding the ``kept`` look-alikes."""
    files = {}
    for file, text in forms.values():
        lead = DOCKER_AROUND if "Dockerfile" in file else around[Path(file).suffix]
        files[file] = lead + text
    files["ui.py"] = AROUND[".py"] + "\n".join(kept) + "\n"
    return files
