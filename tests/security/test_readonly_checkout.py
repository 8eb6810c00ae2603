"""A read-only checkout (``chmod -R a-w`` after an index, or a read-only mount) still answers
read-only questions from its existing index, with a note that it may be stale; ``index``, which
must write, says it cannot and where.

Root ignores permission bits, so when the tests run as root the commands run without the
capabilities that let root write anyway (``setpriv`` drops CAP_DAC_OVERRIDE and friends from the
bounding set): the files are then as unwritable to the command as to any user. Without ``setpriv``
the tests are skipped rather than pass without proving anything.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from gitutil import cli_command, commit, git_env, make_repo, snapshot

DROP = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable",
        "--inh-caps=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]
NOTE = "answering from the index as it is (it may be stale)"

if os.geteuid() == 0 and shutil.which("setpriv") is None:
    pytest.skip("running as root without setpriv: chmod cannot make a checkout read-only",
                allow_module_level=True)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = git_env()
    env["CTXSTEWARD_CACHE_DIR"] = "off"
    prefix = DROP if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *cli_command(), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _chmod_tree(root: Path, writable: bool) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames, "."]:
            p = Path(dirpath) / name
            if p.is_symlink():
                continue
            mode = p.stat().st_mode
            p.chmod(mode | stat.S_IWUSR if writable
                    else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    root = make_repo(tmp_path / "ro", {
        "app/__init__.py": "",
        "app/parse.py": "def parse_options(argv):\n    return dict(a.split('=') for a in argv)\n",
        "app/main.py": "from app.parse import parse_options\n\n\ndef main(argv):\n"
                       "    return parse_options(argv)\n",
        "CLAUDE.md": "# Notes\n\nThe entry point is `app/main.py`.\n",
    })
    commit(root, "tweak", {"app/main.py": "from app.parse import parse_options\n\n\n"
                                          "def main(argv):\n    return parse_options(argv[1:])\n"})
    yield root
    _chmod_tree(root, writable=True)  # so the folder can be cleaned up


def _readonly(root: Path) -> None:
    _chmod_tree(root, writable=False)
    probe = run("index", "--json", cwd=root)  # the command really cannot write here
    assert probe.returncode != 0, "the checkout is still writable to the command"


def test_queries_answer_from_the_existing_index_and_index_says_why_it_cannot(
        repo: Path) -> None:
    assert run("index", cwd=repo).returncode == 0
    saved = run("bundle", "--seed", "app/main.py", "--save", "before", "--format", "json",
                cwd=repo)
    assert saved.returncode == 0, saved.stderr
    _readonly(repo)
    before = snapshot(repo, ignore=(".git",))

    out = run("bundle", "--task", "parse options", "--format", "json", cwd=repo)
    assert out.returncode == 0, out.stderr
    paths = [i["path"] for i in json.loads(out.stdout)["items"]]
    assert "app/parse.py" in paths, paths
    assert NOTE in out.stderr and "the cache could not be used" not in out.stderr

    verified = run("bundle", "--verify", "before", cwd=repo)
    assert verified.returncode == 0, verified.stderr
    assert "unchanged" in verified.stdout

    for args in (["check"], ["budget", "--json"]):
        got = run(*args, cwd=repo)
        assert got.returncode == 0, (args, got.stderr)
        assert NOTE in got.stderr, (args, got.stderr)
    budget = json.loads(run("budget", "--json", cwd=repo).stdout)
    assert budget["total_tokens"] > 0

    index = run("index", cwd=repo)
    assert index.returncode == 2, index
    state = repo / ".ctxsteward" / "index.sqlite"
    assert f"cannot write the index at {state}" in index.stderr, index.stderr
    assert "read-only" in index.stderr and "Traceback" not in index.stderr
    assert snapshot(repo, ignore=(".git",)) == before  # nothing was written anywhere


def test_a_stale_index_still_answers(repo: Path) -> None:
    assert run("index", cwd=repo).returncode == 0
    (repo / "app" / "extra.py").write_text("def parse_extra():\n    return 1\n")
    _readonly(repo)
    out = run("bundle", "--seed", "app/main.py", "--format", "json", cwd=repo)
    assert out.returncode == 0 and NOTE in out.stderr, out.stderr
    assert json.loads(out.stdout)["items"][0]["path"] == "app/main.py"


def test_without_an_index_a_read_only_checkout_says_it_cannot_make_one(repo: Path) -> None:
    _readonly(repo)
    for args in (["index"], ["bundle", "--task", "parse options"]):
        out = run(*args, cwd=repo)
        assert out.returncode == 2, (args, out)
        assert "cannot write the index" in out.stderr and "there is no index yet" in out.stderr, (
            args, out.stderr)
    assert not (repo / ".ctxsteward").exists()
