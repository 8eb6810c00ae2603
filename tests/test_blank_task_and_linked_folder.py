"""A blank ``--task`` and a seed or pin that is a symbolic link to a folder are refused in words
that name what was typed and what to do (a new user's hour, session 30)."""

from __future__ import annotations

import os

import pytest
from gitutil import make_repo, run_cli


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    root = make_repo(tmp_path_factory.mktemp("blank") / "repo", {
        "src/web/api.py": "def get(url):\n    return url\n",
        "src/web/auth.py": "def login(user):\n    return user\n",
    })
    os.symlink("src/web", root / "weblink")
    return root


@pytest.mark.parametrize("task", ["", "   ", "\t\n"])
def test_a_blank_task_alone_is_refused_as_blank(repo, task):
    proc = run_cli("bundle", "--task", task, cwd=repo)
    assert proc.returncode == 2
    assert ("ctxsteward: the --task TEXT is empty (or only blanks): say what the agent is asked "
            "to do in words, or give a --seed PATH") in proc.stderr, proc.stderr


def test_a_blank_task_with_a_seed_is_said_and_the_seed_is_bundled(repo):
    proc = run_cli("bundle", "--task", " ", "--seed", "src/web/api.py", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "note: --task is empty (or only blanks): the bundle is ranked from the seeds alone" \
        in proc.stderr
    assert "def get(url)" in proc.stdout


@pytest.mark.parametrize("option", ["--seed", "--pin"])
def test_a_link_to_a_folder_is_named_as_typed(repo, option):
    args = [option, "weblink"] + (["--task", "login user"] if option == "--pin" else [])
    proc = run_cli("bundle", *args, cwd=repo)
    assert proc.returncode == 2
    what = option.lstrip("-")
    assert (f"{what} 'weblink' is a symbolic link to the folder src/web/, not a file: give a "
            "file inside it, as src/web/NAME") in proc.stderr, proc.stderr
    # through the link to a file inside: read as that file
    ok = run_cli("bundle", "--seed", "weblink/api.py", cwd=repo)
    assert ok.returncode == 0 and "def get(url)" in ok.stdout, ok.stderr
