"""``ctxsteward hook``: real hook processes run as each agent runs them (the repository as cwd,
``CLAUDE_PROJECT_DIR`` for Claude Code, the documented JSON on stdin, stdin then closed), with
their output checked against the shape each agent documents (tests/hooks/*.jsonc, each with the
reference it comes from).
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gitutil import cli_command, commit, git_env, make_repo, run_cli

from server.hooks.roles import EXIT_MARGIN

HERE = Path(__file__).parent / "hooks"
PROMPT = "Write a function to calculate the factorial of a number"
CLAUDE_LIMIT = 10_000  # characters Claude Code shows whole
# Codex shows "roughly 2,500 tokens" of one hook's context whole, counted as bytes / 4.
CODEX_LIMIT_BYTES = 2_500 * 4

FILES = {
    "calc/__init__.py": "",
    "calc/numbers.py": (
        "def factorial(n):\n    \"\"\"The factorial of n.\"\"\"\n    result = 1\n"
        "    for i in range(2, n + 1):\n        result *= i\n    return result\n\n\n"
        "def is_prime(n):\n    return n > 1 and all(n % d for d in range(2, n))\n"),
    "calc/combinatorics.py": (
        "from calc.numbers import factorial\n\n\n"
        "def binomial(n, k):\n    return factorial(n) // (factorial(k) * factorial(n - k))\n\n\n"
        "def permutations(n, k):\n    return factorial(n) // factorial(n - k)\n"),
    "calc/strings.py": "def shout(text):\n    return text.upper() + '!'\n",
    "web/server.py": "def serve(port):\n    return f'listening on {port}'\n",
    "web/routes.py": "from web.server import serve\n\n\ndef index():\n    return serve(80)\n",
    "tests/test_numbers.py": (
        "from calc.numbers import factorial\n\n\ndef test_factorial():\n"
        "    assert factorial(5) == 120\n"),
    "README.md": "# calc\n\nSmall number helpers: factorial, primes, binomials.\n",
}
HISTORY = [
    ("Fix factorial of zero", {"calc/numbers.py": FILES["calc/numbers.py"] + "\n# 0! == 1\n"}),
    ("Add binomial coefficients", {"calc/combinatorics.py": FILES["calc/combinatorics.py"]
                                   + "\n# binomial\n"}),
    ("Serve the web routes", {"web/routes.py": FILES["web/routes.py"] + "\n# routes\n"}),
]
HUMAN_GOAL = "Make the calc helpers handle huge numbers without overflow.\n"


def load_fixture(agent: str, event: str, root: Path, transcript: str = "") -> dict:
    """The documented example input for ``agent``'s ``event``, pointed at ``root``."""
    text = (HERE / f"{agent}.{event}.jsonc").read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    body = body.replace("__ROOT__", str(root)).replace("__TRANSCRIPT__", transcript)
    return json.loads(body)


def run_hook(root: Path, agent: str, event: str, data: dict | str | bytes, *args: str,
             cwd: Path | None = None, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """Run the hook as the agent does: in ``cwd`` (the repository), with the agent's environment,
    ``data`` on stdin and stdin closed after it."""
    full_env = git_env()
    if agent == "claude-code":
        full_env["CLAUDE_PROJECT_DIR"] = str(root)
    full_env.update(env or {})
    raw = data if isinstance(data, (str, bytes)) else json.dumps(data)
    raw = raw.encode() if isinstance(raw, str) else raw
    proc = subprocess.run([*cli_command(), "hook", event, "--agent", agent, *args],
                          cwd=str(cwd or root), env=full_env, input=raw, capture_output=True,
                          timeout=180, check=False)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(),
                                       proc.stderr.decode())


def hook_log(root: Path) -> str:
    path = root / ".ctxsteward/hooks/hook.log"
    return path.read_text("utf-8") if path.exists() else ""


def last_run(root: Path) -> str:
    """The log line of the latest hook run (the background index logs lines of its own)."""
    return [line for line in hook_log(root).splitlines() if "background index" not in line][-1]


def make_project(root: Path, *, index: bool = True, note: bool = True) -> Path:
    """The test repository: a few modules, a history, its index and a handoff note."""
    make_repo(root, FILES, HISTORY)
    if index:  # as the hooks' background index leaves it: the index and its ranking graph
        assert run_cli("index", cwd=root).returncode == 0
        background_index(root)
    if note:
        made = run_cli("handoff", "--out", "HANDOFF.md", "--no-bundle", "--no-checks", cwd=root)
        assert made.returncode == 0, made.stderr
        text = (root / "HANDOFF.md").read_text("utf-8")
        marker = "## Goal\n"
        at = text.index(marker) + len(marker)
        end = text.index("\n## ", at)
        (root / "HANDOFF.md").write_text(text[:at] + "\n" + HUMAN_GOAL + text[end:], "utf-8")
    return root


def background_index(root: Path) -> subprocess.CompletedProcess[str]:
    """Run the hooks' background index of ``root`` to its end (as ``indexer.start`` launches
    it)."""
    return subprocess.run([sys.executable, "-m", "server.hooks.indexer", str(root)], cwd=root,
                          env=git_env(), capture_output=True, text=True, timeout=300,
                          check=False)


def wait_for_background_index(root: Path) -> dict:
    """The background index's record once the run launched last has ended."""
    status = root / ".ctxsteward/hooks/index.json"
    deadline = time.monotonic() + 170  # a bound on waiting, not an assertion on speed
    record: dict = {}
    while time.monotonic() < deadline:
        record = json.loads(status.read_text()) if status.exists() else {}
        if "ended" in record:
            break
        time.sleep(0.2)
    return record


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("hooks") / "calc")


def _json(stdout: str) -> dict:
    data = json.loads(stdout)
    assert isinstance(data, dict)
    return data


# -- contracts, per agent and event ----------------------------------------------------------

def test_claude_code_prompt_gets_a_context_map_naming_the_right_files(project: Path) -> None:
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data["session_id"] = "contract-prompt"
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert done.returncode == 0 and done.stderr == ""
    out = _json(done.stdout)
    assert set(out) == {"hookSpecificOutput"}
    specific = out["hookSpecificOutput"]
    assert specific["hookEventName"] == "UserPromptSubmit"
    context = specific["additionalContext"]
    assert isinstance(context, str) and 0 < len(context) < CLAUDE_LIMIT
    lines = context.splitlines()
    assert lines[1].startswith("1. calc/numbers.py — factorial (L1-6)")
    assert "web/server.py" not in context.split("calc/combinatorics.py")[0]


@pytest.mark.parametrize("event", ["SessionStart"])
def test_claude_code_session_start_carries_the_handoff_note(project: Path, event: str) -> None:
    for source in ("startup", "resume", "clear", "compact"):
        data = load_fixture("claude-code", event, project)
        data["source"] = source
        done = run_hook(project, "claude-code", event, data)
        assert done.returncode == 0 and done.stderr == ""
        specific = _json(done.stdout)["hookSpecificOutput"]
        assert specific["hookEventName"] == "SessionStart"
        context = specific["additionalContext"]
        assert HUMAN_GOAL.strip() in context and "## Goal" in context
        assert "# Handoff:" in context  # the generated summary
        assert "## Status" not in context  # empty human sections are not carried


@pytest.mark.parametrize(("agent", "event"), [
    ("claude-code", "PreCompact"), ("claude-code", "SessionEnd"),
    ("copilot", "userPromptSubmitted"),
    ("copilot", "preCompact"), ("copilot", "sessionEnd"),
    ("codex", "PreCompact"), ("codex", "SessionEnd"),
])
def test_events_whose_output_is_not_read_print_nothing(project: Path, agent: str,
                                                       event: str) -> None:
    done = run_hook(project, agent, event, load_fixture(agent, event, project))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    runs = json.loads((project / ".ctxsteward/hooks/runs.json").read_text("utf-8"))
    assert isinstance(runs[f"{agent} {event}"]["ms"], int)
    # Codex's SessionEnd has 3 s, its start included: a machine too busy for the refresh stops
    # it and leaves the note as it was (recorded as not ok, the log saying why).
    assert runs[f"{agent} {event}"]["ok"] is True or (agent, event) == ("codex", "SessionEnd") \
        and "nothing written, the note left as it was" in last_run(project), last_run(project)


def test_copilot_session_start_carries_the_note_as_additional_context(project: Path) -> None:
    done = run_hook(project, "copilot", "sessionStart",
                    load_fixture("copilot", "sessionStart", project))
    assert done.returncode == 0 and done.stderr == ""
    out = _json(done.stdout)
    assert set(out) == {"additionalContext"}
    assert HUMAN_GOAL.strip() in out["additionalContext"]
    assert len(out["additionalContext"]) < CLAUDE_LIMIT


def test_cursor_contracts(project: Path) -> None:
    prompt = run_hook(project, "cursor", "beforeSubmitPrompt",
                      load_fixture("cursor", "beforeSubmitPrompt", project))
    assert prompt.returncode == 0 and _json(prompt.stdout) == {"continue": True}
    start = run_hook(project, "cursor", "sessionStart",
                     load_fixture("cursor", "sessionStart", project))
    out = _json(start.stdout)
    assert set(out) == {"additional_context"} and HUMAN_GOAL.strip() in out["additional_context"]
    for event in ("preCompact", "sessionEnd"):
        done = run_hook(project, "cursor", event, load_fixture("cursor", event, project))
        assert done.returncode == 0 and _json(done.stdout) == {}


def _codex_context(stdout: str, event: str) -> str:
    """The context a Codex hook answered: ``hookSpecificOutput.additionalContext`` of the event,
    the whole answer (Codex reads JSON on stdout, and plain text as context too: there must be
    nothing else)."""
    out = _json(stdout)
    assert set(out) == {"hookSpecificOutput"}
    specific = out["hookSpecificOutput"]
    assert set(specific) == {"hookEventName", "additionalContext"}
    assert specific["hookEventName"] == event
    context = specific["additionalContext"]
    assert isinstance(context, str) and context
    assert len(context.encode("utf-8")) <= CODEX_LIMIT_BYTES  # shown whole, not spilled
    return context


def test_codex_prompt_gets_a_context_map_naming_the_right_files(project: Path) -> None:
    data = load_fixture("codex", "UserPromptSubmit", project)
    assert data["transcript_path"] is None  # the documented "string | null"
    data["session_id"] = "codex-prompt"
    done = run_hook(project, "codex", "UserPromptSubmit", data)
    assert done.returncode == 0 and done.stderr == ""
    context = _codex_context(done.stdout, "UserPromptSubmit")
    lines = context.splitlines()
    assert lines[0].startswith("Context Steward's map")
    assert lines[1].startswith("1. calc/numbers.py — factorial (L1-6)")
    runs = json.loads((project / ".ctxsteward/hooks/runs.json").read_text("utf-8"))
    assert runs["codex UserPromptSubmit"]["ok"] is True


def test_codex_started_in_a_subfolder_still_finds_the_repository(project: Path) -> None:
    """Codex runs a hook in the session's cwd, which may be a folder below the repository's
    root ("Codex may be started from a subdirectory")."""
    sub = project / "calc"
    data = load_fixture("codex", "UserPromptSubmit", sub)
    data.update(session_id="codex-subfolder", prompt="binomial coefficients of huge numbers")
    done = run_hook(project, "codex", "UserPromptSubmit", data, cwd=sub)
    assert "calc/combinatorics.py" in _codex_context(done.stdout, "UserPromptSubmit")
    assert not (sub / ".ctxsteward").exists()


@pytest.mark.parametrize("source", ["startup", "resume", "clear", "compact"])
def test_codex_session_start_carries_the_handoff_note(project: Path, source: str) -> None:
    data = load_fixture("codex", "SessionStart", project)
    data["source"] = source
    done = run_hook(project, "codex", "SessionStart", data)
    assert done.returncode == 0 and done.stderr == ""
    context = _codex_context(done.stdout, "SessionStart")
    assert HUMAN_GOAL.strip() in context and "# Handoff:" in context


def test_codex_context_stays_within_its_bytes_for_text_outside_ascii(tmp_path: Path) -> None:
    """Codex counts four bytes a token and shows about 10,000 bytes of a hook's context whole;
    a note in Chinese under the character cap (7,197 characters) was 18,605 bytes, and Codex
    gave the model a cut preview (helper-72). The answer is made again with fewer characters
    until its UTF-8 bytes fit; the note is still carried, its first sections kept."""
    root = make_project(tmp_path / "calc")
    text = (root / "HANDOFF.md").read_text("utf-8")
    marker = "## Status\n"
    at = text.index(marker) + len(marker)
    end = text.index("\n## ", at)
    line = "已完成并仔细核对了组合数计算模块的所有边界情况"
    status = "\n".join(f"- 第{i}步：{line}" for i in range(150))
    (root / "HANDOFF.md").write_text(text[:at] + "\n" + status + "\n" + text[end:], "utf-8")
    data = load_fixture("codex", "SessionStart", root)
    done = run_hook(root, "codex", "SessionStart", data, "--handoff-budget", "8000")
    assert done.returncode == 0 and done.stderr == ""
    context = _codex_context(done.stdout, "SessionStart")
    assert len(context.encode("utf-8")) <= 9_000, len(context.encode("utf-8"))
    assert HUMAN_GOAL.strip() in context and "第0步" in context
    assert len(context) > 2_000  # made smaller, not emptied
    # Claude Code counts characters: the same note is cut only to its 9,500 characters.
    claude = run_hook(root, "claude-code", "SessionStart",
                      load_fixture("claude-code", "SessionStart", root), "--handoff-budget", "8000")
    shown = _json(claude.stdout)["hookSpecificOutput"]["additionalContext"]
    assert len(shown.encode("utf-8")) > 9_000 and len(shown) <= 9_500


@pytest.mark.parametrize("prompt", ["yes", "/compact", "ok, go on"])
def test_codex_prompt_with_nothing_to_route_prints_nothing(project: Path, prompt: str) -> None:
    """Exit 0 and no output: Codex's documented "success, continue" (no empty context)."""
    data = load_fixture("codex", "UserPromptSubmit", project)
    data.update(prompt=prompt, session_id="codex-nothing")
    done = run_hook(project, "codex", "UserPromptSubmit", data)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert "codex UserPromptSubmit ok" in last_run(project) and "not routed" in last_run(project)


def test_codex_transcript_is_not_read_for_seeds(project: Path) -> None:
    """Codex says its transcript format is not a stable interface for hooks: even a transcript
    in the workspace that names a file is not read (Claude Code's is: seeded, not listed)."""
    transcript = project / ".codex-rollout.jsonl"
    transcript.write_text(json.dumps({"type": "assistant", "message": {"content": [
        {"type": "tool_use", "name": "Read",
         "input": {"file_path": str(project / "calc/numbers.py")}}]}}) + "\n")
    try:
        data = load_fixture("codex", "UserPromptSubmit", project)
        data.update(prompt="binomial coefficients with factorial", session_id="codex-seeds",
                    transcript_path=str(transcript))
        done = run_hook(project, "codex", "UserPromptSubmit", data)
        assert "calc/numbers.py" in _codex_context(done.stdout, "UserPromptSubmit")
        assert "0 seeds" in last_run(project)
    finally:
        transcript.unlink()


def test_every_run_is_recorded_for_status(project: Path) -> None:
    run_hook(project, "claude-code", "SessionEnd",
             load_fixture("claude-code", "SessionEnd", project))
    runs = json.loads((project / ".ctxsteward/hooks/runs.json").read_text("utf-8"))
    entry = runs["claude-code SessionEnd"]
    assert set(entry) == {"at", "ok", "ms"}
    assert entry["at"].endswith("Z") and entry["ok"] is True


# -- prompts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("prompt", [
    "yes", "continue", "ok, go on", "/compact", "  ", "thanks!",
    # trailers and addresses are not words of a task
    "Co-Authored-By: Claude <noreply@anthropic.com>\nSigned-off-by: A Person <a@b.example>"])
def test_prompts_with_nothing_to_route_get_nothing(project: Path, prompt: str) -> None:
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data["prompt"] = prompt
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert (done.returncode, done.stdout) == (0, "")
    assert "not routed" in last_run(project)


@pytest.mark.parametrize("follow_up", [
    "undo that change", "yes, do it", "now the same for the other one", "thanks",
    "do the same for the other file", "looks good, now run the tests", "go ahead and commit it"])
def test_follow_ups_in_a_session_add_no_map(project: Path, follow_up: str) -> None:
    """A chat follow-up names no code: a map ranked from its words ("change", "same", "other")
    lists unrelated files. After a task's map, the follow-up adds nothing (the agent has that
    map); one naming code still routes."""
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    sid = "follow-" + re.sub(r"\W+", "-", follow_up)
    data.update(prompt="factorial overflow with huge numbers", session_id=sid)
    first = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert "calc/numbers.py" in first.stdout
    data["prompt"] = follow_up
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert "not routed" in last_run(project)
    if "the same" in follow_up:
        assert "a follow-up in the conversation" in last_run(project)
        assert "the session's earlier map stands" in last_run(project)
    data.update(prompt="now the same for is_prime and binomial", session_id=sid + "-code")
    named = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert "calc/numbers.py" in named.stdout, last_run(project)


def test_a_prompt_in_another_script_says_why_it_is_not_routed(project: Path) -> None:
    """The ranking matches code names: a prompt with no word of Latin letters routes nothing,
    and the log says why (not just "0 searchable words"); one naming a function routes."""
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data["prompt"] = "修复阶乘函数在大数时的溢出问题"
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert (done.returncode, done.stdout) == (0, "")
    assert "not routed: 0 searchable words of Latin letters" in last_run(project)
    data["prompt"] = "修复 factorial 函数在大数时的 overflow 问题"
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert done.returncode == 0 and "calc/numbers.py" in done.stdout, done.stdout
    # Full-width Latin, as a CJK input method types it, spells the same names.
    data["prompt"] = "修复　ｆａｃｔｏｒｉａｌ　ｏｖｅｒｆｌｏｗ"
    data["session_id"] = "full-width"
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert done.returncode == 0 and "calc/numbers.py" in done.stdout, (done.stdout, last_run(
        project))


def test_the_routing_rule_is_configurable(project: Path) -> None:
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data.update(prompt="factorial", session_id="rule")
    assert run_hook(project, "claude-code", "UserPromptSubmit", data).stdout == ""
    routed = run_hook(project, "claude-code", "UserPromptSubmit", data, "--min-words", "1")
    assert "calc/numbers.py" in routed.stdout
    data["session_id"] = "rule-2"
    skipped = run_hook(project, "claude-code", "UserPromptSubmit", data, "--min-words", "1",
                       "--skip", "^fact")
    assert skipped.stdout == ""
    data.update(prompt="Factorial of huge numbers", session_id="rule-3")
    cased = run_hook(project, "claude-code", "UserPromptSubmit", data, "--skip", "factorial")
    assert cased.stdout == "" and "matches --skip" in last_run(project)  # case-insensitive


def test_a_fake_session_of_ten_prompts_never_repeats_a_files_ranges(project: Path) -> None:
    prompts = ["fix factorial for negative numbers", "factorial overflow with huge numbers",
               "binomial coefficient of large n", "permutations of k items",
               "is_prime is slow for big numbers", "web server port handling",
               "routes index page", "shout strings in upper case", "README numbers helpers",
               "tests for factorial"]
    seen: list[str] = []
    also: list[str] = []
    total = 0
    for p in prompts:
        data = load_fixture("claude-code", "UserPromptSubmit", project)
        data.update(prompt=p, session_id="fake-session-10")
        done = run_hook(project, "claude-code", "UserPromptSubmit", data, "--budget", "150")
        assert done.returncode == 0
        if not done.stdout:
            continue
        context = _json(done.stdout)["hookSpecificOutput"]["additionalContext"]
        total += len(context)
        # A file shown with its line ranges is never shown again; one shown without (no
        # definitions: README.md) was not really shown and may come back.
        listed = [line.split(" — ")[0].split(". ", 1)[1] for line in context.splitlines()
                  if line[:1].isdigit() and " (L" in line]
        assert not set(listed) & set(seen), f"repeated in {p!r}: {set(listed) & set(seen)}"
        for line in context.splitlines():
            if line.startswith("Also relevant (in earlier maps): "):
                assert set(line.split(": ", 1)[1].split(", ")) <= set(seen)
                also += line.split(": ", 1)[1].split(", ")
        seen += listed
    assert len(seen) == len(set(seen)) >= 5
    # The right file, shown in prompt 1, is still named when a later prompt ranks it first.
    assert "calc/numbers.py" in also
    assert total <= 10 * 150 * 4  # each map within its 150 tokens (at most ~4 characters each)
    state = json.loads((project / ".ctxsteward/sessions/fake-session-10.json").read_text())
    assert sorted(state["shown"]) == sorted(seen)
    # A compaction forgets them: the next prompt may list them again.
    start = load_fixture("claude-code", "SessionStart", project)
    start.update(source="compact", session_id="fake-session-10")
    run_hook(project, "claude-code", "SessionStart", start)
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data.update(prompt=prompts[0], session_id="fake-session-10")
    again = run_hook(project, "claude-code", "UserPromptSubmit", data, "--budget", "150")
    assert "calc/numbers.py" in again.stdout


def test_files_the_session_touched_seed_the_map_and_are_not_listed(project: Path,
                                                                  tmp_path: Path) -> None:
    transcript = project / ".claude-transcript.jsonl"  # inside the workspace: may be read
    entries = [
        {"type": "user", "message": {"role": "user", "content": "look at the numbers"}},
        {"type": "assistant", "message": {"role": "assistant", "content": [
            {"type": "tool_use", "name": "Read", "input": {"file_path": str(
                project / "calc/numbers.py")}},
            {"type": "tool_use", "name": "Edit", "input": {"file_path": "/etc/passwd"}}]}},
        "not json at all",
    ]
    transcript.write_text("\n".join(e if isinstance(e, str) else json.dumps(e)
                                    for e in entries) + "\n")
    data = load_fixture("claude-code", "UserPromptSubmit", project, str(transcript))
    data.update(prompt="binomial coefficients with factorial", session_id="seeded")
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    context = _json(done.stdout)["hookSpecificOutput"]["additionalContext"]
    listed = [line.split(" — ")[0].split(". ", 1)[1] for line in context.splitlines()
              if line[:1].isdigit()]
    assert "calc/numbers.py" not in listed and "calc/combinatorics.py" in listed
    assert "1 seed," in last_run(project)
    # A transcript outside the workspace and the agent's own folder is not read.
    elsewhere = tmp_path / "t.jsonl"
    elsewhere.write_text(transcript.read_text())
    data.update(transcript_path=str(elsewhere), session_id="seeded-2")
    run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert "0 seeds" in last_run(project)
    transcript.unlink()


def test_reasons_name_the_file_the_session_touched(project: Path) -> None:
    """A reason linking a file to the seeds (the files the transcript shows touched) names the
    seed file, relative to the root: "defined in `calc/numbers.py`", never "the seed"."""
    transcript = project / ".claude-named-seed.jsonl"
    transcript.write_text(json.dumps({"type": "assistant", "message": {"content": [
        {"type": "tool_use", "name": "Read",
         "input": {"file_path": str(project / "calc/numbers.py")}}]}}) + "\n")
    data = load_fixture("claude-code", "UserPromptSubmit", project, str(transcript))
    data.update(prompt="binomial coefficients and permutations", session_id="named-seed")
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    transcript.unlink()
    context = _json(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "1 seed," in last_run(project)
    line = next(x for x in context.splitlines() if x.startswith("1. calc/combinatorics.py"))
    assert line.split(" — ")[2] == "uses `factorial`, defined in `calc/numbers.py`", line
    assert "the seed" not in context and str(project) not in context


def test_the_prompt_never_reaches_the_log(project: Path) -> None:
    secret_prompt = "factorial helper for the numbers module zebra-unicorn-42"
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data.update(prompt=secret_prompt, session_id="private")
    run_hook(project, "claude-code", "UserPromptSubmit", data)
    log = hook_log(project)
    assert "zebra" not in log and f"prompt {len(secret_prompt)} chars, sha256" in log


def test_a_huge_prompt_is_routed_from_its_beginning(project: Path) -> None:
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data.update(prompt=PROMPT + " " + "lorem ipsum dolor " * 50_000, session_id="huge")
    done = run_hook(project, "claude-code", "UserPromptSubmit", data)
    assert done.returncode == 0
    assert "calc/numbers.py" in _json(done.stdout)["hookSpecificOutput"]["additionalContext"]


def test_bodies_add_the_best_files_definitions(project: Path) -> None:
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data["session_id"] = "bodies"
    done = run_hook(project, "claude-code", "UserPromptSubmit", data, "--bodies")
    context = _json(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "```python\ndef factorial(n):" in context


# -- errors and no workspace -----------------------------------------------------------------

@pytest.mark.parametrize(("args", "stdin", "logged"), [
    ([], b"{not json", "input is not JSON"),
    (["--budget", "5"], None, "options refused"),
    (["--no-such-option"], None, "options refused"),
    (["--note", "../outside.md"], None, "failed: PathRefused"),
])
def test_errors_exit_0_print_nothing_and_are_logged(project: Path, args: list[str],
                                                    stdin: bytes | None, logged: str) -> None:
    data = load_fixture("claude-code", "SessionStart", project)
    done = run_hook(project, "claude-code", "SessionStart", stdin or data, *args)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert logged in last_run(project)


@pytest.mark.parametrize(("agent", "event", "said"), [
    ("claude-code", "Stop", "unknown event 'Stop' for claude-code: its events are "
                            "UserPromptSubmit, SessionStart, PreCompact, SessionEnd"),
    ("emacs", "SessionStart", "unknown agent 'emacs': --agent must be one of claude-code (or "
                              "claude"),
    ("copilot", "UserPromptSubmit", "unknown event 'UserPromptSubmit' for copilot")])
def test_unknown_agents_and_events_say_so_on_stderr_and_do_nothing(
        project: Path, agent: str, event: str, said: str) -> None:
    """A command line naming no agent or event of ours is a mistake of whoever wrote it: said on
    stderr with the valid names (and logged), exit status 0 (an agent reads 2 as refusing the
    prompt), nothing on stdout."""
    done = run_hook(project, agent, event, load_fixture("claude-code", "SessionStart", project))
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr.startswith("ctxsteward hook: " + said), done.stderr
    if agent == "emacs":  # every valid agent named
        assert all(a in done.stderr for a in ("cursor", "copilot", "codex")), done.stderr
    assert said in last_run(project)


@pytest.mark.parametrize("alias", ["claude", "Claude", "claude_code"])
def test_claude_is_claude_code(project: Path, alias: str) -> None:
    data = load_fixture("claude-code", "UserPromptSubmit", project)
    data["session_id"] = f"alias-{alias}"
    done = run_hook(project, "claude-code", "UserPromptSubmit", data, "--agent", alias)
    assert (done.returncode, done.stderr) == (0, "")
    assert "calc/numbers.py" in _json(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "claude-code UserPromptSubmit ok" in last_run(project)


def test_copilot_s_other_names_are_copilot(project: Path) -> None:
    data = load_fixture("copilot", "sessionStart", project)
    done = run_hook(project, "copilot", "sessionStart", data, "--agent", "github-copilot")
    assert (done.returncode, done.stderr) == (0, "")
    assert "copilot sessionStart ok" in last_run(project)
    status = run_cli("hooks", "status", "--agent", "claude", cwd=project)
    assert status.returncode == 0 and status.stdout.startswith("claude-code"), status.stdout


def test_a_failing_cursor_prompt_still_lets_the_prompt_through(project: Path) -> None:
    data = load_fixture("cursor", "beforeSubmitPrompt", project)
    done = run_hook(project, "cursor", "beforeSubmitPrompt", b"[1, 2", "--budget", "150")
    assert done.returncode == 0 and _json(done.stdout) == {"continue": True}
    assert data  # the documented input parses; a broken one is only logged


def test_outside_any_repository_nothing_happens(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    data = {"session_id": "x", "cwd": str(folder), "hook_event_name": "UserPromptSubmit",
            "prompt": PROMPT}
    done = run_hook(folder, "claude-code", "UserPromptSubmit", data)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert list(folder.iterdir()) == []


def test_the_help_lists_the_options(project: Path) -> None:
    done = run_cli("hook", "--help", cwd=project)
    assert done.returncode == 0 and "--budget" in done.stdout and "--min-words" in done.stdout


# -- the handoff note ------------------------------------------------------------------------

def test_pre_compact_refreshes_the_note_and_keeps_human_text(tmp_path: Path) -> None:
    root = make_project(tmp_path / "calc", index=False)
    before = (root / "HANDOFF.md").read_text("utf-8")
    commit(root, "Speed up is_prime", {"calc/numbers.py": FILES["calc/numbers.py"] + "# fast\n"})
    head = git_head(root)
    done = run_hook(root, "claude-code", "PreCompact",
                    load_fixture("claude-code", "PreCompact", root), "--timeout", "120")
    assert (done.returncode, done.stdout) == (0, "")
    after = (root / "HANDOFF.md").read_text("utf-8")
    assert after != before and head[:10] in after
    assert HUMAN_GOAL in after
    # Stopped at its deadline: the note is left exactly as it was.
    commit(root, "Another change", {"calc/strings.py": FILES["calc/strings.py"] + "# x\n"})
    run_hook(root, "claude-code", "SessionEnd", load_fixture("claude-code", "SessionEnd", root),
             "--timeout", "0.0001")
    assert (root / "HANDOFF.md").read_text("utf-8") == after
    assert "note left as it was" in last_run(root)


def test_a_note_made_read_only_is_left_as_it_is(tmp_path: Path) -> None:
    """A note its owner froze (chmod 444) is theirs, as ``hooks install`` keeps a frozen
    settings file: the refresh logs why and leaves it (an atomic rename would replace it)."""
    root = make_project(tmp_path / "calc", index=False)
    note = root / "HANDOFF.md"
    note.chmod(0o444)
    before = note.read_text("utf-8")
    commit(root, "Speed up is_prime", {"calc/numbers.py": FILES["calc/numbers.py"] + "# fast\n"})
    for event in ("PreCompact", "SessionEnd"):
        done = run_hook(root, "claude-code", event, load_fixture("claude-code", event, root),
                        "--timeout", "120")
        assert (done.returncode, done.stdout) == (0, "")
        assert note.read_text("utf-8") == before and stat.S_IMODE(note.stat().st_mode) == 0o444
        assert "note left alone: HANDOFF.md is read-only (permissions r--r--r--, mode 0444)" \
            in last_run(root)


def test_codex_session_end_refreshes_the_note_within_codex_s_three_seconds(
        tmp_path: Path) -> None:
    """Codex gives a SessionEnd hook 3 seconds at most, whatever its settings say: the refresh
    gets what is left of them (past it the note would be left as it was), not ``--timeout``."""
    root = make_project(tmp_path / "calc", index=False)
    commit(root, "Speed up is_prime", {"calc/numbers.py": FILES["calc/numbers.py"] + "# fast\n"})
    done = run_hook(root, "codex", "SessionEnd", load_fixture("codex", "SessionEnd", root),
                    "--timeout", "120")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    line = last_run(root)
    assert "codex stops this hook after 3 s" in line, line
    # Refreshed in time (this small repository takes well under a second), or, on a machine too
    # busy for that, stopped and left as it was: never still running when Codex kills it.
    assert "codex SessionEnd ok" in line and git_head(root)[:10] in (
        root / "HANDOFF.md").read_text("utf-8") or "codex SessionEnd FAILED" in line and \
        "nothing written, the note left as it was" in line, line
    # The refresh was given what is left of the 3 s less the margin for the answer and exit (not
    # the 120 s asked for); how long the run took is the machine's, not asserted here.
    given = re.search(r"after 3 s: ([0-9.]+) s for the refresh", line)
    assert given is not None and 0 < float(given.group(1)) <= 3 - EXIT_MARGIN, line
    # The same run for Claude Code, whose SessionEnd has no such limit, keeps --timeout.
    run_hook(root, "claude-code", "SessionEnd", load_fixture("claude-code", "SessionEnd", root),
             "--timeout", "120")
    assert "stops this hook" not in last_run(root)


def test_without_a_note_nothing_is_carried_or_written(tmp_path: Path) -> None:
    root = make_project(tmp_path / "calc", index=False, note=False)
    start = run_hook(root, "claude-code", "SessionStart",
                     load_fixture("claude-code", "SessionStart", root))
    assert (start.returncode, start.stdout) == (0, "")
    end = run_hook(root, "claude-code", "SessionEnd",
                   load_fixture("claude-code", "SessionEnd", root))
    assert end.returncode == 0 and not (root / "HANDOFF.md").exists()


def git_head(root: Path) -> str:
    from gitutil import git

    return git("rev-parse", "HEAD", cwd=root)


# -- no index yet ----------------------------------------------------------------------------

def test_with_no_index_nothing_is_printed_one_background_index_starts_then_maps(
        tmp_path: Path) -> None:
    root = make_project(tmp_path / "calc", index=False, note=False)
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data["session_id"] = "cold"
    first = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert (first.returncode, first.stdout) == (0, "")
    status = root / ".ctxsteward/hooks/index.json"
    second = run_hook(root, "claude-code", "UserPromptSubmit", data)
    # A small repository may be indexed already: then the second prompt has its map.
    assert second.returncode == 0
    assert second.stdout == "" or "ended" in json.loads(status.read_text())
    assert hook_log(root).count("background index started") == 1
    record = wait_for_background_index(root)
    assert record.get("ok") is True, hook_log(root)
    third = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert "calc/numbers.py" in _json(third.stdout)["hookSpecificOutput"]["additionalContext"]
    assert not _lock_held(root)


def _lock_held(root: Path) -> bool:
    from server.hooks.indexer import running

    return running(root / ".ctxsteward/hooks")


@pytest.mark.parametrize("args", [["--budget", "5"], ["--agent", "emacs"],
                                  ["--agent=emacs", "--budget", "5"]])
def test_a_refused_run_logs_in_its_own_workspace_only(tmp_path: Path, args: list[str]) -> None:
    a = make_repo(tmp_path / "a", {"README.md": "# a\n"})
    b = make_repo(tmp_path / "b", {"README.md": "# b\n"})
    data = {"session_id": "s", "cwd": str(b), "hook_event_name": "SessionStart",
            "source": "startup"}
    env = {**git_env(), "CLAUDE_PROJECT_DIR": str(a)}
    proc = subprocess.run([*cli_command(), "hook", "SessionStart", *args], cwd=str(b), env=env,
                          input=json.dumps(data).encode(), capture_output=True, timeout=180,
                          check=False)
    assert (proc.returncode, proc.stdout) == (0, b"")
    # (an unknown agent is said on stderr too: the person who wrote the command line reads it)
    if "emacs" in " ".join(args):
        assert proc.stderr.startswith(b"ctxsteward hook: unknown agent 'emacs'"), proc.stderr
    else:
        assert proc.stderr == b""
    assert hook_log(a).strip(), "the log goes to CLAUDE_PROJECT_DIR's workspace"
    assert not (b / ".ctxsteward").exists()


# -- the ranking graph is built in the background, never in a prompt --------------------------

def _graph_stamp(root: Path) -> tuple[int, int]:
    st = (root / ".ctxsteward/graph.bin").stat()
    return st.st_ino, st.st_mtime_ns


def test_a_prompt_never_builds_the_ranking_graph_the_background_index_does(
        tmp_path: Path) -> None:
    root = make_repo(tmp_path / "calc", FILES, HISTORY)
    assert run_cli("index", cwd=root).returncode == 0
    # A cold index builds the ranking graph with it: without one (as after an index that read
    # few files, which leaves it to the first query), a prompt still never builds it.
    (root / ".ctxsteward/graph.bin").unlink()
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data["session_id"] = "graph"
    first = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert first.returncode == 0
    # Never silent: the agent is told why there is no map this time (and the log says it).
    said = _json(first.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "no map" in said and "next prompt" in said and "calc/" not in said
    assert "ranking graph not current" in last_run(root)
    assert "no ranking graph cached" in last_run(root)
    assert "background index started (ranking graph not current)" in hook_log(root)
    assert wait_for_background_index(root).get("ok") is True, hook_log(root)
    assert "ranking graph built" in hook_log(root)
    stamp = _graph_stamp(root)
    second = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert "calc/numbers.py" in second.stdout
    assert _graph_stamp(root) == stamp  # the prompt read the graph, never wrote it
    # An edit: the background refresh brings the index and its graph up to date together.
    with (root / "calc/numbers.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef double_factorial(n):\n    return n\n")
    assert background_index(root).returncode == 0
    assert _graph_stamp(root) != stamp
    stamp = _graph_stamp(root)
    data.update(prompt="double factorial of odd numbers", session_id="graph-2")
    third = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert "double_factorial" in third.stdout
    assert _graph_stamp(root) == stamp


@pytest.mark.parametrize("command", [["budget"], ["check"], ["index"]])
def test_a_command_that_refreshes_the_index_keeps_the_graph_the_prompt_needs(
        tmp_path: Path, command: list[str]) -> None:
    # budget and check refresh the index: before, they left the ranking graph a generation
    # behind, and the next prompt answered nothing at all.
    root = make_project(tmp_path / "calc", note=False)
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data.update(session_id="first")
    assert "calc/numbers.py" in run_hook(root, "claude-code", "UserPromptSubmit", data).stdout
    with (root / "calc/numbers.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef double_factorial(n):\n    return n\n")
    done = run_cli(*command, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    stamp = _graph_stamp(root)
    data.update(prompt="double factorial of odd numbers", session_id="after")
    answer = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert "double_factorial" in answer.stdout, last_run(root)
    assert "ranking graph not current" not in last_run(root)
    assert _graph_stamp(root) == stamp  # current already: the prompt only read it


def test_a_prompt_brings_a_graph_of_an_earlier_index_up_to_date_itself(
        tmp_path: Path) -> None:
    root = make_project(tmp_path / "calc", note=False)
    graph = root / ".ctxsteward/graph.bin"
    earlier = graph.read_bytes()
    with (root / "calc/numbers.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef double_factorial(n):\n    return n\n")
    assert run_cli("budget", cwd=root).returncode == 0
    graph.write_bytes(earlier)  # as another tool or version leaves it: one index behind
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data.update(prompt="double factorial of odd numbers", session_id="stale")
    answer = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert "double_factorial" in answer.stdout, last_run(root)
    assert "ranking graph brought up to date" in last_run(root)
    assert graph.read_bytes() != earlier


def test_a_dead_or_useless_background_index_is_replaced_at_once(tmp_path: Path) -> None:
    root = make_project(tmp_path / "calc", note=False)
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data["session_id"] = "dead"
    status = root / ".ctxsteward/hooks/index.json"
    # A launch whose process died without a word (kill -9) a moment ago.
    gone = subprocess.Popen(["true"])
    gone.wait()
    status.write_text(json.dumps({"requested": time.time(), "why": "test", "pid": gone.pid}))
    (root / ".ctxsteward/graph.bin").unlink()
    done = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert "no map" in done.stdout and "building it in the background" in last_run(root)
    assert wait_for_background_index(root).get("ok") is True, hook_log(root)
    # A run ended well a moment ago, then the index was damaged: no minute's wait either.
    (root / ".ctxsteward/index.sqlite").write_bytes(b"not a database" * 100)
    done = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert done.stdout == "" and "no index yet: indexing in the background" in last_run(root)
    assert wait_for_background_index(root).get("ok") is True, hook_log(root)


def test_sigterm_ends_the_background_index_with_its_record(tmp_path: Path) -> None:
    many = {f"pkg/mod_{i}.py": f"def f_{i}(x):\n    return x + {i}\n" for i in range(1500)}
    root = make_repo(tmp_path / "big", {**FILES, **many})
    proc = subprocess.Popen([sys.executable, "-m", "server.hooks.indexer", str(root)], cwd=root,
                            env=git_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    status = root / ".ctxsteward/hooks/index.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
            status.exists() and "started" in json.loads(status.read_text())):
        time.sleep(0.02)
    proc.terminate()
    assert proc.wait(timeout=120) in (0, 1)
    record = json.loads(status.read_text())
    assert "ended" in record, record
    assert record["ok"] is False and "stopped by SIGTERM" in hook_log(root)
    assert not _lock_held(root)


def test_the_refresh_keeps_the_base_the_note_was_made_with(tmp_path: Path) -> None:
    from gitutil import git

    root = make_project(tmp_path / "calc", index=False, note=False)
    git("checkout", "-q", "-b", "feature", cwd=root)
    commit(root, "Faster factorial", {"calc/numbers.py": FILES["calc/numbers.py"] + "# fast\n"})
    commit(root, "Shout louder", {"calc/strings.py": FILES["calc/strings.py"] + "# loud\n"})
    made = run_cli("handoff", "--base", "HEAD~1", "--out", "HANDOFF.md", "--no-bundle",
                   "--no-checks", cwd=root)
    assert made.returncode == 0, made.stderr
    assert "**Base**: `HEAD~1`" in (root / "HANDOFF.md").read_text("utf-8")
    commit(root, "Another step", {"web/server.py": FILES["web/server.py"] + "# step\n"})
    (root / ".claude").mkdir()
    (root / ".claude/settings.local.json.ctxsteward-backup").write_text("{}\n")  # ours
    done = run_hook(root, "claude-code", "PreCompact",
                    load_fixture("claude-code", "PreCompact", root))
    assert done.returncode == 0 and "base HEAD~1" in last_run(root), last_run(root)
    text = (root / "HANDOFF.md").read_text("utf-8")
    assert "**Base**: `HEAD~1`" in text and "`main`" not in text
    assert "ctxsteward-backup" not in text  # install's backup is our state, not the work


def test_a_stale_index_never_lists_a_deleted_file_or_old_line_ranges(tmp_path: Path) -> None:
    """After a session's map, files are deleted and edited (a ``git checkout``) before the index
    is refreshed: the next map lists no deleted file, gives the edited file's ranges as it is
    now, and the session forgets the deleted files it was shown."""
    root = make_project(tmp_path / "calc", note=False)
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data.update(prompt="binomial coefficients and permutations", session_id="before")
    first = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert "calc/combinatorics.py" in first.stdout, last_run(root)
    wait_for_background_index(root)  # (its refresh after the prompt is over: none for a minute)
    subprocess.run(["git", "rm", "-q", "calc/combinatorics.py"], cwd=root, env=git_env(),
                   check=True)
    numbers = root / "calc/numbers.py"
    numbers.write_text("# moved down\n" * 9 + "\n" + numbers.read_text("utf-8"), "utf-8")
    assert json.loads((root / ".ctxsteward/sessions/before.json").read_text())["shown"]
    data.update(prompt="binomial coefficients and factorial of huge numbers", session_id="after")
    done = run_hook(root, "claude-code", "UserPromptSubmit", data)
    context = _json(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "calc/combinatorics.py" not in context
    assert "factorial (L11-16)" in context, context  # def factorial(n): was line 1
    assert numbers.read_text("utf-8").splitlines()[10] == "def factorial(n):"
    data.update(prompt="web server port and routes index page", session_id="before")
    run_hook(root, "claude-code", "UserPromptSubmit", data)
    shown = json.loads((root / ".ctxsteward/sessions/before.json").read_text())["shown"]
    assert "calc/combinatorics.py" not in shown and "web/server.py" in shown, shown
