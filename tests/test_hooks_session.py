"""``ctxsteward hook UserPromptSubmit`` over a session: which prompts get a map (a chat follow-up
gets none), which files a later map lists again (one changed since it was shown), what counts as
a file still there (a symlink out of the workspace never), and which commits a map's "recent
decision" names (never a bot's). Real hook processes on real repositories built here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from test_hooks import background_index, last_run, load_fixture, run_hook

FILES = {
    "web/__init__.py": "",
    "web/session.py": (
        "SESSION_COOKIE_AGE = 14 * 24 * 3600\n\n\n"
        "def set_session_cookie(response, session_id):\n"
        "    \"\"\"Set the session cookie on the response.\"\"\"\n"
        "    response.cookies['session'] = session_id\n"
        "    response.cookies.max_age = SESSION_COOKIE_AGE\n"
        "    return response\n\n\n"
        "def clear_session_cookie(response):\n"
        "    response.cookies.pop('session', None)\n"
        "    return response\n"),
    "web/views.py": (
        "from web.session import set_session_cookie\n\n\n"
        "def login(request, response):\n"
        "    return set_session_cookie(response, request.user_id)\n"),
    "calc/__init__.py": "",
    "calc/numbers.py": (
        "def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n"
        "        result *= i\n    return result\n"),
    "calc/primes.py": (
        "from calc.numbers import factorial\n\n\n"
        "def is_prime(n):\n    return n > 1 and (factorial(n - 1) + 1) % n == 0\n"),
    "tools/build_script.py": (
        "def build_wheel(out_dir):\n    \"\"\"Build the wheel into out_dir.\"\"\"\n"
        "    return out_dir + '/web.whl'\n"),
}
HISTORY = [
    ("Store sessions for two weeks", {"web/session.py": FILES["web/session.py"] + "\n# 2w\n"}),
    ("Compute factorials in a loop", {"calc/numbers.py": FILES["calc/numbers.py"] + "\n# l\n"}),
]


def make_project(root: Path) -> Path:
    """The repository, its index and ranking graph (as the hooks' background index leaves
    them)."""
    make_repo(root, FILES, HISTORY)
    assert run_cli("index", cwd=root).returncode == 0
    background_index(root)
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("session") / "app")


def prompt(root: Path, text: str, session: str, *args: str) -> str:
    """The context the hook adds for ``text`` in ``session`` ("" for none)."""
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data.update(prompt=text, session_id=session)
    done = run_hook(root, "claude-code", "UserPromptSubmit", data, *args)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    if not done.stdout:
        return ""
    return str(json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"])


def listed(context: str) -> list[str]:
    """The files a map lists (its numbered lines), best first."""
    return [line.split(" — ")[0].split(". ", 1)[1] for line in context.splitlines()
            if line[:1].isdigit()]


# -- follow-ups ------------------------------------------------------------------------------

FIRST_TASK = "make set_session_cookie and the login view handle a missing session id"


@pytest.mark.parametrize(("text", "follow_up"), [
    # chat follow-ups: they point back at the last turn and name no code
    ("make it faster", True),
    ("that broke the build, fix it", True),
    ("now do the same for the other one", True),
    ("try again", True),
    ("why?", True),
    ("it still fails", True),
    ("the tests fail, fix them", True),
    ("same error again", True),
    ("can you make it simpler", True),
    # tasks: a word of the code, or no pointer back at the last turn
    ("make the session cookie expire after 1 hour", False),
    ("make factorial faster", False),
    ("that broke is_prime, fix it", False),
    ("the build_wheel script is slow", False),
    ("Make the session cookie expire after 1 hour", False),
])
def test_a_follow_up_adds_no_map_and_a_task_still_gets_one(project: Path, text: str,
                                                           follow_up: bool) -> None:
    """After a task's map, a follow-up in the conversation ("make it faster", "that broke the
    build, fix it") adds nothing (the log says why); a new task in the same session gets its
    map."""
    session = "t-" + re.sub(r"\W+", "-", text)
    assert prompt(project, FIRST_TASK, session), last_run(project)
    context = prompt(project, text, session)
    if follow_up:
        assert context == "", context
        assert "not routed" in last_run(project)
    else:
        assert listed(context), last_run(project)
        assert "map:" in last_run(project)
