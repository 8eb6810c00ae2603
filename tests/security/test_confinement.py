"""Nothing outside the workspace is read or written: a hostile repository commits symlinks that
point out of it (to a netrc, to a file it wants overwritten, to a cache folder elsewhere), and
imports a dotenv file from CLAUDE.md. Every edge (CLI, MCP over stdio, the instruction hover the
LSP serves) must report those paths and never read, count or write through them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TextIO

import pytest
from gitutil import make_repo, run_cli, snapshot
from mcp.shared.exceptions import MCPError
from mcp_client import data, session, text

from analyzers.instructions import CheckView
from analyzers.instructions.links import hover

NETRC = "machine example.com login bob password OUTSIDE-NETRC-PASSWORD-4242\n"
OUTSIDE_NOTE = "# my private notes\n\nOUTSIDE-NOTE-TEXT must never be read or replaced\n"
DOTENV = "API_TOKEN=DOTENV-VALUE-9999\n"
NEVER_SEEN = ("OUTSIDE-NETRC-PASSWORD-4242", "OUTSIDE-NOTE-TEXT", "DOTENV-VALUE-9999")


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """(repo, outside): the repository and a folder outside it that it links into."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "netrc").write_text(NETRC)
    (outside / "notes.md").write_text(OUTSIDE_NOTE)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "docs").mkdir()
    os.symlink(outside / "netrc", repo / "docs" / "netrc.md")
    os.symlink(outside / "notes.md", repo / "HANDOFF.md")
    make_repo(repo, {
        "CLAUDE.md": "# Project\n\nSee @docs/netrc.md and @.env for setup.\n\n"
                     "Code lives in `app/core.py`.\n",
        ".env": DOTENV,
        "app/__init__.py": "",
        "app/core.py": "def handle(request):\n    return request.upper()\n",
    })
    return repo, outside


def assert_clean(output: str) -> None:
    for secret in NEVER_SEEN:
        assert secret not in output


def test_check_reports_imports_of_links_out_and_of_secret_files(hostile: tuple[Path, Path]
                                                                 ) -> None:
    repo, _ = hostile
    done = run_cli("check", "--format", "json", cwd=repo)
    assert done.returncode in (0, 1), done.stderr
    assert_clean(done.stdout + done.stderr)
    messages = [d["message"] for d in json.loads(done.stdout)["diagnostics"]]
    assert any("@docs/netrc.md is a symlink to a file outside the workspace" in m
               for m in messages), messages
    assert any("@.env is a secret-bearing file name" in m for m in messages), messages


def test_the_instruction_hover_names_a_link_out_and_counts_nothing(hostile: tuple[Path, Path]
                                                                   ) -> None:
    repo, _ = hostile
    ws = CheckView(repo)
    line = ws.read("CLAUDE.md").splitlines()[2]  # type: ignore[union-attr]
    info = hover(ws, "CLAUDE.md", 2, line.index("docs/netrc.md") + 2)
    assert info is not None and info.tokens is None and info.exists is False
    assert "symlink to a file outside the workspace" in info.markdown
    env = hover(ws, "CLAUDE.md", 2, line.index(".env") + 1)
    assert env is not None and env.tokens is None and "secret-bearing" in env.markdown
    assert ws.read("docs/netrc.md") is None and ws.read(".env") is None


async def test_mcp_never_reads_through_links_out(hostile: tuple[Path, Path], log: TextIO) -> None:
    repo, outside = hostile
    before = snapshot(outside)
    async with session(repo, log) as s:
        prompt = await s.get_prompt("start-task", {"task": "set up the netrc login"})
        body = prompt.messages[0].content.text  # type: ignore[union-attr]
        assert "Code lives in `app/core.py`" in body  # CLAUDE.md itself is shown
        assert_clean(body)

        budget = await s.call_tool("token_budget", {})
        assert not budget.is_error, text(budget)
        listed = [x["path"] for x in data(budget)["instructions"]]
        assert listed == ["CLAUDE.md"], listed  # neither the link out nor .env is counted
        assert ".env" not in text(budget) and "netrc" not in text(budget)

        with pytest.raises(MCPError) as err:
            await s.read_resource("ctxsteward://handoff")  # type: ignore[arg-type]
        assert "outside the workspace" in err.value.error.message
        assert_clean(err.value.error.message)

        written = await s.call_tool("handoff", {"write": True})
        assert written.is_error and "symlink" in text(written), text(written)
        assert_clean(text(written))
    assert snapshot(outside) == before
    assert (outside / "notes.md").read_text() == OUTSIDE_NOTE
    assert sorted(p.name for p in outside.iterdir()) == ["netrc", "notes.md"]


def test_handoff_out_never_writes_through_a_link(hostile: tuple[Path, Path]) -> None:
    repo, outside = hostile
    before = snapshot(outside)
    for fmt in ("markdown", "json"):
        done = run_cli("handoff", "--no-bundle", "--format", fmt, "--out", "HANDOFF.md", cwd=repo)
        assert done.returncode == 2, (done.stdout, done.stderr)
        assert "symlink" in done.stderr and "never writes through a symlink" in done.stderr
    assert snapshot(outside) == before  # no overwrite, no notes.generated.md beside it
    # Printed rather than written: the link's target is not read as the existing note either.
    shown = run_cli("handoff", "--no-bundle", cwd=repo)
    assert shown.returncode == 0, shown.stderr
    assert_clean(shown.stdout + shown.stderr)


def test_a_typed_out_outside_the_workspace_is_written_and_said(hostile: tuple[Path, Path],
                                                               tmp_path: Path) -> None:
    repo, _ = hostile
    target = tmp_path / "elsewhere" / "note.md"
    # A folder that does not exist is not made (a typo would make a tree of folders anywhere).
    typo = run_cli("handoff", "--no-bundle", "--out", str(target), cwd=repo)
    assert typo.returncode == 2 and "does not exist" in typo.stderr, typo.stderr
    assert not target.parent.exists()
    target.parent.mkdir()
    done = run_cli("handoff", "--no-bundle", "--out", str(target), cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "outside the workspace, as you asked with --out" in done.stderr
    assert "# Handoff: main (repo)" in target.read_text()
    bundle = run_cli("bundle", "--seed", "app/core.py", "--out", "docs/netrc.md", cwd=repo)
    assert bundle.returncode == 2 and "symlink" in bundle.stderr
    assert (tmp_path / "outside" / "netrc").read_text() == NETRC


def test_a_committed_state_dir_link_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink(elsewhere, repo / ".ctxsteward")
    make_repo(repo, {"app.py": "def main():\n    return 1\n"})
    for args in (["index"], ["bundle", "--seed", "app.py"], ["budget"]):
        done = run_cli(*args, cwd=repo)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert ".ctxsteward is a symlink" in done.stderr and "remove the link" in done.stderr
    assert list(elsewhere.iterdir()) == []  # no index, graph, secret cache or bundle there


def test_a_link_inside_the_state_dir_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": "def main():\n    return 1\n"})
    assert run_cli("index", cwd=repo).returncode == 0
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    (repo / ".ctxsteward" / "bundles").mkdir(exist_ok=True)
    os.symlink(victim, repo / ".ctxsteward" / "secrets.json.link")
    done = run_cli("bundle", "--seed", "app.py", "--save", "x", cwd=repo)
    assert done.returncode == 2 and "is a symlink" in done.stderr, done.stderr
    assert victim.read_text() == "{}"


def test_check_never_takes_a_link_out_as_another_workspace(hostile: tuple[Path, Path]) -> None:
    repo, outside = hostile
    (outside / "CLAUDE.md").write_text("# Outside\n\nRun `make`.\n")
    os.symlink(outside, repo / "vendor")
    before = snapshot(outside, ignore=())
    for path in ("vendor", "vendor/CLAUDE.md", "docs/netrc.md", str(outside / "netrc")):
        done = run_cli("check", path, cwd=repo)
        assert done.returncode == 2, (path, done.stdout, done.stderr)
        assert "outside the workspace" in done.stderr
        assert_clean(done.stdout + done.stderr)
    assert snapshot(outside, ignore=()) == before  # no .ctxsteward/ index made out there


def test_an_instruction_file_or_a_nested_import_linking_out_is_reported(
        hostile: tuple[Path, Path]) -> None:
    repo, outside = hostile
    (outside / "rules.md").write_text("OUTSIDE-NOTE-TEXT rules\n")
    os.symlink(outside / "rules.md", repo / "AGENTS.md")
    (repo / "docs" / "inner.md").write_text("# Inner\n\nSee @netrc.md.\n")
    (repo / "CLAUDE.md").write_text("# Project\n\nSee @docs/inner.md.\n")
    done = run_cli("check", "--format", "json", cwd=repo)
    assert_clean(done.stdout + done.stderr)
    diags = json.loads(done.stdout)["diagnostics"]
    by_path = {(d["path"], d["code"]): d["message"] for d in diags}
    assert "AGENTS.md is a symlink to a file outside the workspace" in by_path[
        ("AGENTS.md", "CS006")]
    assert "docs/inner.md imports @netrc.md, a symlink to a file outside the workspace" in \
        by_path[("CLAUDE.md", "CS006")]


async def test_symlink_loops_are_clear_refusals(tmp_path: Path, log: TextIO) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": "def main():\n    return 1\n"})
    os.symlink("loop2", repo / "loop1")
    os.symlink("loop1", repo / "loop2")
    os.symlink("HANDOFF.md", repo / "HANDOFF.md")
    done = run_cli("handoff", "--no-bundle", cwd=repo)
    assert done.returncode == 0 and "# Handoff" in done.stdout, done.stderr
    async with session(repo, log) as s:
        for tool, args in (("token_budget", {"paths": ["loop1"]}),
                           ("suggest_bundle", {"seeds": ["loop1"]})):
            result = await s.call_tool(tool, args)
            assert result.is_error and "symlink that never resolves" in text(result), text(result)
        with pytest.raises(MCPError) as err:
            await s.read_resource("ctxsteward://handoff")  # type: ignore[arg-type]
        assert "cannot be read (a loop" in err.value.error.message
    log.seek(0)
    assert "Traceback" not in log.read()


def test_a_rules_folder_linking_out_is_reported(hostile: tuple[Path, Path]) -> None:
    repo, outside = hostile
    (outside / "rules").mkdir()
    (outside / "rules" / "all.mdc").write_text("---\nalwaysApply: true\n---\nOUTSIDE-NOTE-TEXT\n")
    (repo / ".cursor").mkdir()
    os.symlink(outside / "rules", repo / ".cursor" / "rules")
    done = run_cli("check", "--format", "json", cwd=repo)
    assert_clean(done.stdout + done.stderr)
    messages = {d["path"]: d["message"] for d in json.loads(done.stdout)["diagnostics"]}
    assert "a symlink to a folder outside the workspace" in messages[".cursor/rules"], messages


def test_a_skills_folder_linking_out_is_reported(hostile: tuple[Path, Path]) -> None:
    """As a rules folder: a skills folder that is a link out is said (CS006), never read."""
    repo, outside = hostile
    (outside / "skills" / "s1").mkdir(parents=True)
    (outside / "skills" / "s1" / "SKILL.md").write_text(
        "---\nname: s1\ndescription: x\n---\nRun `scripts/OUTSIDE-NOTE-TEXT.sh`.\n")
    (repo / ".claude").mkdir()
    os.symlink(outside / "skills", repo / ".claude" / "skills")
    done = run_cli("check", "--format", "json", cwd=repo)
    assert_clean(done.stdout + done.stderr)
    assert "OUTSIDE-NOTE-TEXT" not in done.stdout + done.stderr
    messages = {d["path"]: d["message"] for d in json.loads(done.stdout)["diagnostics"]}
    assert "its skills are not read" in messages[".claude/skills"], messages
