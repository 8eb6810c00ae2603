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
from test_hooks import (
    background_index,
    last_run,
    load_fixture,
    run_hook,
    wait_for_background_index,
)

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


def session_state(root: Path, session: str) -> dict:
    """What the session's state file says it was shown."""
    data = json.loads((root / f".ctxsteward/sessions/{session}.json").read_text("utf-8"))
    return dict.fromkeys(data["shown"]) if isinstance(data["shown"], list) else data["shown"]


# -- what is still there ---------------------------------------------------------------------

def test_a_symlink_out_of_the_workspace_is_never_present_one_into_it_may_be(
        tmp_path: Path) -> None:
    """After a map, a file it showed becomes a symlink out of the workspace and another one a
    symlink to a file inside: the session forgets the first (its target is never read: its text
    reaches no map) and keeps the second, which the map's check of the disk finds there too
    (named again as relevant, not listed)."""
    root = make_project(tmp_path / "app")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "views.py").write_text("def login(request, response):\n"
                                      "    return 'OUTSIDE_ONLY_TEXT'\n", "utf-8")
    context = prompt(root, FIRST_TASK, "links")
    assert {"web/session.py", "web/views.py"} <= set(listed(context)), context
    wait_for_background_index(root)  # (its refresh after the prompt is over: none for a minute)
    (root / "web/session_impl.py").write_bytes((root / "web/session.py").read_bytes())
    (root / "web/session.py").unlink()
    (root / "web/session.py").symlink_to("session_impl.py")
    (root / "web/views.py").unlink()
    (root / "web/views.py").symlink_to(outside / "views.py")
    context = prompt(root, "set_session_cookie in the login view", "links")
    state = session_state(root, "links")
    assert "web/views.py" not in state, state
    assert "web/session.py" in state, state
    assert "OUTSIDE_ONLY_TEXT" not in context and "web/views.py" not in context, context
    also = next(line for line in context.splitlines() if line.startswith("Also relevant"))
    assert "web/session.py" in also, context


def test_one_rule_says_which_workspace_files_are_present(tmp_path: Path) -> None:
    """``confine.file_inside``, which the session state and the map's disk check both use."""
    from analyzers.confine import file_inside

    root = tmp_path / "ws"
    (root / "a").mkdir(parents=True)
    (root / "a/real.py").write_text("x = 1\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    (root / "a/in.py").symlink_to("real.py")
    (root / "a/out.py").symlink_to(tmp_path / "secret.txt")
    (root / "a/up.py").symlink_to("../../secret.txt")
    (root / "a/dangling.py").symlink_to("missing.py")
    (root / "a/loop.py").symlink_to("loop.py")
    assert file_inside(root, "a/real.py") == (root / "a/real.py").resolve()
    assert file_inside(root, "a/in.py") == (root / "a/real.py").resolve()
    for rel in ("a/out.py", "a/up.py", "a/dangling.py", "a/loop.py", "a", "../secret.txt",
                str(tmp_path / "secret.txt"), "", "a/missing.py"):
        assert file_inside(root, rel) is None, rel


# -- files changed since shown ---------------------------------------------------------------

def test_a_file_changed_since_a_map_showed_it_is_listed_again_and_says_so(
        tmp_path: Path) -> None:
    """A map showed ``web/session.py`` and ``web/views.py``; the user (or the agent) then edits
    ``web/session.py``: the next map of the session lists it again, with its line ranges as they
    are now and a reason saying it changed since shown, and leaves ``web/views.py`` (unchanged)
    out. A file touched but with the same text is no change; once listed again, the edited file
    is not repeated until it changes again."""
    root = make_project(tmp_path / "app")
    first = prompt(root, FIRST_TASK, "edits")
    assert {"web/session.py", "web/views.py"} <= set(listed(first)), first
    assert "set_session_cookie (L4-8)" in first, first
    wait_for_background_index(root)  # (its refresh after the prompt is over: none for a minute)
    session_py = root / "web/session.py"
    session_py.write_text("import time\n\n" + session_py.read_text("utf-8"), "utf-8")
    views = root / "web/views.py"
    views.write_text(views.read_text("utf-8"), "utf-8")  # (a new time, the same text)

    again = prompt(root, "set_session_cookie of the login view", "edits")
    line = next((x for x in again.splitlines() if x[:1].isdigit() and "web/session.py" in x),
                "")
    assert "set_session_cookie (L6-10)" in line, again  # (as it is now: two lines down)
    assert " — changed since an earlier map showed it" in line, line
    assert "web/views.py" not in listed(again), again
    assert "1 changed since shown, listed again" in last_run(root)
    stamps = session_state(root, "edits")
    stamp = stamps["web/session.py"]  # (what it was when shown again)
    assert stamp["size"] == session_py.stat().st_size and len(stamp["sha256"]) == 64, stamp
    assert stamps["web/views.py"]["mtime_ns"] == views.stat().st_mtime_ns  # (not read again)

    third = prompt(root, "set_session_cookie of the login view", "edits")
    assert "web/session.py" not in listed(third), third


# -- recent decisions ------------------------------------------------------------------------

BOTS = {  # file -> a bot's identity, as git records it, whose commit is that file's newest
    "web/session.py": "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
    "calc/numbers.py": "Renovate Bot <bot@renovateapp.com>",
    "tools/build_script.py": "github-actions <41898282+github-actions@users.noreply.github.com>",
}


def test_a_maps_recent_decision_is_never_a_bots_commit(tmp_path: Path) -> None:
    """Each file's newest commit is a bot's, with a subject like a person's ("Refresh ..."):
    the map's "recent decision" of each file is the person's commit before it, known by the
    author's name or address, not by the subject."""
    from gitutil import commit, git

    when = iter(range(1_750_000_000, 1_760_000_000, 86_400))  # a commit a day
    root = make_repo(tmp_path / "app")
    commit(root, "initial", FILES, when=next(when))
    for path in BOTS:
        commit(root, f"Decide how {path} works", {path: FILES[path] + "\n# decided\n"},
               when=next(when))
    for i, (path, author) in enumerate(BOTS.items()):
        (root / path).write_text(FILES[path] + f"\n# refreshed {i}\n", "utf-8")
        git("commit", "-q", "-a", "--author", author, "-m", f"Refresh {path} for the release",
            cwd=root, when=next(when))
    assert run_cli("index", cwd=root).returncode == 0
    background_index(root)
    context = prompt(root, "set_session_cookie and factorial in build_wheel", "bots")
    for path in BOTS:
        line = next((x for x in context.splitlines() if x[:1].isdigit() and f" {path} " in x),
                    "")
        assert f": Decide how {path} works" in line, context
    assert "Refresh" not in context, context
    # Whether a commit is a bot's is kept by its sha: the next map asks git for no author.
    import json

    kept = json.loads((root / ".ctxsteward" / "redactions.json").read_text("utf-8"))["texts"]
    flags = {k.partition(":")[2]: v for k, v in kept.items() if k.startswith("bot1:")}
    bots = {git("log", "-1", "--format=%H", "--", path, cwd=root).strip() for path in BOTS}
    assert bots and all(flags.get(sha) == "1" for sha in bots), flags
    assert "0" in flags.values()
    assert prompt(root, "set_session_cookie and factorial in build_wheel", "bots-2") == context


@pytest.mark.parametrize(("author", "is_bot"), [
    ("dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>", True),
    ("renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>", True),
    ("Renovate Bot <bot@renovateapp.com>", True),
    ("Mend Renovate <bot@renovateapp.com>", True),
    ("github-actions <41898282+github-actions@users.noreply.github.com>", True),
    ("GitHub Action <action@github.com>", True),
    ("pre-commit-ci[bot] <66853113+pre-commit-ci[bot]@users.noreply.github.com>", True),
    ("dependabot", True),
    ("Jane Abbot <jane.abbot@example.com>", False),
    ("Robot Framework Dev <dev@robotframework.org>", False),
    ("Ann Renovation <ann@example.com>", False),
    ("Bot Smith <bsmith@example.com>", False),
    ("Abbott Botha <abbott@example.com>", False),
    ("Release Bot <release@example.com>", True),
    ("k8s-ci-robot <k8s-ci-robot@users.noreply.github.com>", True),
    ("CI <ci-bot@example.com>", True),
    ("Bot <bot@example.com>", True),
    ("", False),
])
def test_one_rule_says_which_authors_are_bots(author: str, is_bot: bool) -> None:
    """``decisions.bot``, which the bundles' decisions and the map's recent decision both use."""
    from analyzers.bundles.decisions import bot

    assert bot(author) is is_bot
