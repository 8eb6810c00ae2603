"""Git names never carry a secret into a handoff note: a branch named after a GitHub token, origin's
URL with a GitLab token in its query, an upstream and base ref holding the token, and a commit
subject with an unquoted ``password=…`` are all redacted in the Markdown note (title, Branch and
Repository lines), the JSON note (branch, remote, base_ref, base_reason), MCP ``handoff``,
``ctxsteward://handoff`` and the language server's ``ctxsteward.previewHandoff``. Real git
repository, real CLI, real MCP server and language server over stdio."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import pytest
from gitutil import git, make_repo, run_cli
from lsp_client import start, stop, wait_indexed
from lsprotocol import types
from mcp.types import TextResourceContents
from mcp_client import data, session, structured_json, text

BRANCH_TOKEN = "ghp_" + "Xq7vN2mL9kW4pR8tB3cY6dF1gH5jK0sA2eUz"  # ghp_ + 36 alnum
BRANCH = f"fix-{BRANCH_TOKEN}"
GITLAB_TOKEN = "glpat-" + "QwErTyUiOpAsDfGhJkLz"
REMOTE = f"https://gitlab.com/o/r.git?private_token={GITLAB_TOKEN}"
QUERY_TOKEN = "a8F3kQ9zL2mW7xR4tY6u"  # a query token with no vendor prefix
REMOTE_PLAIN = f"https://git.example.com/o/r.git?access_token={QUERY_TOKEN}"
PASSWORD = "Sup3rS3cretPw!"
SUBJECT = f"csv: password={PASSWORD} for db"
SECRETS = (BRANCH_TOKEN, GITLAB_TOKEN, PASSWORD, QUERY_TOKEN)


def assert_clean(output: str) -> None:
    for secret in SECRETS:
        assert secret not in output
    assert BRANCH_TOKEN[4:20] not in output and GITLAB_TOKEN[6:18] not in output
    assert PASSWORD[:8] not in output


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("gitnames") / "repo", {
        "exporter.py": "def write_csv(rows):\n    return rows\n", "README.md": "# tool\n",
    })
    git("remote", "add", "origin", REMOTE, cwd=root)
    git("checkout", "-q", "-b", BRANCH, cwd=root)
    (root / "exporter.py").write_text("def write_csv(rows):\n    return list(rows)\n")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", SUBJECT, cwd=root)
    return root


def test_cli_markdown_and_json_notes_redact_git_names(repo: Path) -> None:
    md = run_cli("handoff", "--no-bundle", cwd=repo)
    assert md.returncode == 0, md.stderr
    assert_clean(md.stdout + md.stderr)
    assert "fix-[redacted: GitHub Token]" in md.stdout  # title and Branch line
    assert "private_token=[redacted: " in md.stdout  # Repository line
    assert "csv: password=[redacted: " in md.stdout

    js = run_cli("handoff", "--no-bundle", "--format", "json", cwd=repo)
    assert js.returncode == 0, js.stderr
    assert_clean(js.stdout)
    note = json.loads(js.stdout)
    assert note["branch"] == "fix-[redacted: GitHub Token]"
    assert note["remote"].startswith("https://gitlab.com/o/r.git?private_token=[redacted: ")
    assert [c["subject"] for c in note["commits"]] == [
        "csv: password=[redacted: Secret Keyword] for db"]


def test_base_and_upstream_names_are_redacted(repo: Path) -> None:
    # The token as the base ref's name (and an upstream): base_ref and base_reason carry it.
    git("branch", "-f", f"base-{BRANCH_TOKEN}", "main", cwd=repo)
    try:
        js = run_cli("handoff", "--no-bundle", "--base", f"base-{BRANCH_TOKEN}", "--format",
                     "json", cwd=repo)
        assert js.returncode == 0, js.stderr
        assert_clean(js.stdout)
        note = json.loads(js.stdout)
        assert note["base_ref"] == "base-[redacted: GitHub Token]"
        git("branch", "-q", f"--set-upstream-to=base-{BRANCH_TOKEN}", cwd=repo)
        up = run_cli("handoff", "--no-bundle", "--format", "json", cwd=repo)
        assert up.returncode == 0, up.stderr
        assert_clean(up.stdout)
        assert json.loads(up.stdout)["base_source"] == "upstream"
        md = run_cli("handoff", "--no-bundle", cwd=repo)
        assert_clean(md.stdout)
    finally:
        git("branch", "-q", "--unset-upstream", cwd=repo, check=False)
        git("branch", "-q", "-D", f"base-{BRANCH_TOKEN}", cwd=repo)


def test_a_query_token_without_vendor_prefix_is_redacted(repo: Path) -> None:
    git("remote", "set-url", "origin", REMOTE_PLAIN, cwd=repo)
    try:
        js = run_cli("handoff", "--no-bundle", "--format", "json", cwd=repo)
        assert js.returncode == 0, js.stderr
        assert_clean(js.stdout)
        assert json.loads(js.stdout)["remote"] == (
            "https://git.example.com/o/r.git?access_token=[redacted: URL Query Secret]")
    finally:
        git("remote", "set-url", "origin", REMOTE, cwd=repo)


async def test_mcp_handoff_and_resource_redact_git_names(repo: Path, log: TextIO) -> None:
    async with session(repo, log) as s:
        note = await s.call_tool("handoff", {})
        assert_clean(text(note) + structured_json(note))
        assert "fix-[redacted: GitHub Token]" in data(note)["note"]
        await s.call_tool("handoff", {"write": True})
        resource = await s.read_resource("ctxsteward://handoff")
        content = resource.contents[0]
        assert isinstance(content, TextResourceContents)
        assert_clean(content.text)
        assert "fix-[redacted: GitHub Token]" in content.text
    (repo / "HANDOFF.md").unlink()


async def test_lsp_preview_handoff_redacts_git_names(repo: Path) -> None:
    client = await start(repo)
    try:
        await wait_indexed(client)
        preview = await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="ctxsteward.previewHandoff", arguments=[{}]))
    finally:
        await stop(client)
    assert isinstance(preview, str)
    assert_clean(preview)
    assert "fix-[redacted: GitHub Token]" in preview
