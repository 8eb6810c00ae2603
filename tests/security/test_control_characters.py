"""File names carrying terminal escapes or newlines are shown escaped in every human-facing output,
and encoded exactly where the format can carry them (XML character references, JSON)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gitutil import make_repo, run_cli

from analyzers.printable import printable

OSC = "title\x1b]0;pwned\x07.py"  # an OSC sequence that retitles the terminal
NEWLINE = "two\n## forged heading.py"  # a newline forging a Markdown heading
TAB = "tab\there.py"
BODY = "from helper import helper\n\n\ndef {name}():\n    return helper()\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {
        "helper.py": "def helper():\n    return 1\n",
        OSC: BODY.format(name="osc"),
        NEWLINE: BODY.format(name="newline"),
        TAB: BODY.format(name="tab"),
    })


def no_raw_controls(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output
    assert "\n## forged heading.py" not in output


def test_printable_escapes_controls_only() -> None:
    assert printable("plain/ünïcode.py") == "plain/ünïcode.py"
    assert printable(OSC) == "title\\x1b]0;pwned\\x07.py"
    assert printable(NEWLINE) == "two\\n## forged heading.py"
    assert printable("rtl\u202eyp.exe") == "rtl\\u202eyp.exe"


def test_index_budget_and_bundles_escape_names(repo: Path) -> None:
    index = run_cli("index", cwd=repo)
    assert index.returncode == 0, index.stderr
    budget = run_cli("budget", cwd=repo)
    assert budget.returncode == 0, budget.stderr
    no_raw_controls(index.stdout + index.stderr + budget.stdout + budget.stderr)
    assert "title\\x1b]0;pwned\\x07.py" in budget.stdout and "two\\n## forged" in budget.stdout

    md = run_cli("bundle", "--seed", "helper.py", "--format", "markdown", cwd=repo)
    assert md.returncode == 0, md.stderr
    no_raw_controls(md.stdout + md.stderr)
    headings = [line for line in md.stdout.splitlines() if line.startswith("## ")]
    assert any("two\\n## forged heading.py" in h for h in headings), headings
    assert not any(h.startswith("## forged") for h in headings)

    xml = run_cli("bundle", "--seed", "helper.py", "--format", "xml", cwd=repo)
    assert xml.returncode == 0, xml.stderr
    assert "\x1b" not in xml.stdout
    paths = {d.get("path") for d in ET.fromstring(xml.stdout).iter("document")}
    assert NEWLINE in paths and TAB in paths  # character references: the exact name is read
    assert "title\\x1b]0;pwned\\x07.py" in paths  # XML 1.0 cannot carry ESC at all

    js = run_cli("bundle", "--seed", "helper.py", "--format", "json", cwd=repo)
    assert js.returncode == 0, js.stderr
    assert {OSC, NEWLINE, TAB} <= {i["path"] for i in json.loads(js.stdout)["items"]}


def test_handoff_and_check_texts_escape_controls(tmp_path: Path) -> None:
    from gitutil import commit

    root = make_repo(tmp_path / "repo", {
        "app.py": "def main():\n    return 1\n",
        "CLAUDE.md": "# Rules\n\nSee @docs/\x1b[31mmissing.md for more.\n",
    })
    commit(root, "fix \x1b]0;pwned\x07 the title", {"app.py": "def main():\n    return 2\n"})
    (root / "app.py").write_text("def main():\n    return 3\n")
    done = run_cli("handoff", "--no-bundle", "--base", "HEAD~1", cwd=root)
    assert done.returncode == 0, done.stderr
    no_raw_controls(done.stdout + done.stderr)
    assert "fix \\x1b]0;pwned\\x07 the title" in done.stdout
    assert "docs/\\x1b[31mmissing.md" in done.stdout  # the instruction check, in the note
    check = run_cli("check", cwd=root)
    no_raw_controls(check.stdout + check.stderr)
    assert "docs/\\x1b[31mmissing.md" in check.stdout


def test_file_content_reaches_a_terminal_escaped_and_a_pipe_exact(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess

    from gitutil import cli_command, git_env

    body = "def paint():\n    return '\x1b]0;pwned\x07\x1b[31mred'\n"
    root = make_repo(tmp_path / "repo", {"paint.py": body})
    piped = run_cli("bundle", "--seed", "paint.py", cwd=root)
    assert piped.returncode == 0 and "\x1b]0;pwned\x07" in piped.stdout  # agents: exact
    leader, follower = pty.openpty()
    with subprocess.Popen([*cli_command(), "bundle", "--seed", "paint.py"], cwd=root,
                          env=git_env(), stdout=follower, stderr=subprocess.DEVNULL) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=120) == 0
    os.close(leader)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "def paint():" in shown and "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b]0;pwned\\x07" in shown  # a person sees what is there, escaped


def test_the_hook_map_and_bundle_verify_escape_names(repo: Path) -> None:
    """The agent hook's context map and ``bundle --verify`` printed a name with a newline raw:
    a forged line (``## forged heading.py``) in the map the agent reads, and in the report."""
    from analyzers.app.requests import MapRequest
    from analyzers.app.workspace import Workspace

    ws = Workspace(repo)
    ws.refresh()
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="the newline helper returns", bodies=True))
        assert NEWLINE in made.paths, made.text  # (listed, and kept by its escaped line)
        again = snap.map(MapRequest(task="the newline helper returns", skip=made.paths))
    for text in (made.text, again.text):
        no_raw_controls(text)
    assert "two\\n## forged heading.py" in made.text, made.text
    assert not any(line.startswith("## forged") for line in made.text.splitlines())
    assert "two\\n## forged heading.py" in again.text  # (named again on the "Also" line)

    saved = run_cli("bundle", "--seed", "helper.py", "--save", "odd", cwd=repo)
    assert saved.returncode == 0, saved.stderr
    (repo / NEWLINE).write_text("# edited\n" + BODY.format(name="newline"))
    verify = run_cli("bundle", "--verify", "odd", cwd=repo)
    assert verify.returncode in (0, 1), verify.stderr
    no_raw_controls(verify.stdout + verify.stderr)
    assert "two\\n## forged heading.py" in verify.stdout, verify.stdout
    ranking = run_cli("bundle", "--seed", "helper.py", "--budget", "0", cwd=repo)
    assert ranking.returncode == 0, ranking.stderr
    no_raw_controls(ranking.stdout)
    assert "two\\n## forged heading.py" in ranking.stdout, ranking.stdout
