"""How the MCP edge words failures (server/mcp/errors.py): the core's own errors, raised on real
repositories, in the tools' words; stopped jobs, failed jobs and bugs; each endpoint's form."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from gitutil import make_folder, make_repo
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS

from analyzers.app.errors import RequestError
from analyzers.bundles.assemble import load_saved
from analyzers.cancel import Cancelled
from analyzers.handoff import HandoffError, generate
from server.cli.main import CLI_WORDS
from server.mcp.errors import (
    JobFailed,
    failure_text,
    missing_resource_error,
    prompt_error,
    protocol_error,
    resource_error,
)


def test_core_errors_name_the_tools_arguments_not_cli_flags(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.py": "def a():\n    return 1\n"})
    with pytest.raises(HandoffError) as unknown:
        generate(repo, "no-such-branch", bundle=False, checks=False)
    assert failure_text("handoff", unknown.value).startswith(
        "base 'no-such-branch' does not name a commit in this repository; use a branch")
    assert unknown.value.worded(CLI_WORDS).startswith("--base 'no-such-branch' does not name")

    plain = make_folder(tmp_path / "plain", {"a.py": "def a():\n    return 1\n"})
    with pytest.raises(HandoffError) as no_git:
        generate(plain, None, bundle=False, checks=False)
    assert failure_text("handoff", no_git.value).endswith(
        "(run it in a repository, or pass the server's --root a folder inside one; `git init` "
        "makes one)")
    assert no_git.value.worded(CLI_WORDS).endswith(
        "(run it in a repository, or pass --root a folder inside one; `git init` makes one)")

    with pytest.raises(RequestError) as never:
        load_saved(repo, "never-saved")
    assert failure_text("verify_bundle", never.value) == (
        "no saved bundle named 'never-saved' (none saved yet: use suggest_bundle's save "
        "argument)")
    assert never.value.worded(CLI_WORDS).endswith("(none saved yet: use --save NAME)")


def test_a_field_worded_as_nothing_takes_its_parentheses_along() -> None:
    from analyzers.app.errors import F

    e = RequestError(f"{F.budget} 360 is too small: the header takes 500 tokens "
                     f"({F.rank_only})", field="budget")
    assert failure_text("suggest_bundle", e) == \
        "budget 360 is too small: the header takes 500 tokens"
    assert e.worded(CLI_WORDS).endswith("(--budget 0 ranks only)")
    assert str(e).endswith("(0 ranks only)")


def test_stopped_failed_and_unexpected_failures(caplog: pytest.LogCaptureFixture) -> None:
    assert failure_text("find_context", Cancelled("deadline exceeded")) == \
        "find_context was stopped: deadline exceeded"
    assert failure_text("token_budget", JobFailed("indexing /x failed: OSError: disk full")) == \
        "indexing /x failed: OSError: disk full"
    with caplog.at_level(logging.ERROR, logger="ctxsteward.mcp"):
        try:
            {}["missing"]  # noqa: B018 - a real bug's exception, with its traceback
        except KeyError as e:
            text = failure_text("find_context", e)
    assert text == "find_context failed: KeyError: 'missing'"
    assert "find_context failed" in caplog.text and "Traceback" in caplog.text


def test_each_endpoint_gets_its_protocol_form() -> None:
    bad = RequestError("seed 'x': no such file")
    bug = ZeroDivisionError("division by zero")
    assert isinstance(protocol_error("suggest_bundle", bad), ToolError)
    assert str(protocol_error("suggest_bundle", bad)) == "seed 'x': no such file"
    prompt = protocol_error("start-task", bad, prompt_error)
    assert isinstance(prompt, MCPError) and prompt.error.code == INVALID_PARAMS
    crash = protocol_error("start-task", bug, prompt_error)
    assert isinstance(crash, MCPError) and crash.error.code == INTERNAL_ERROR
    assert type(protocol_error("saved-bundle", bad, missing_resource_error)) is \
        ResourceNotFoundError
    assert type(protocol_error("saved-bundle", bug, missing_resource_error)) is ResourceError
    assert type(protocol_error("handoff-resource", bad, resource_error)) is ResourceError
    already = ToolError("refused: base '-x' is not a git ref")
    assert protocol_error("handoff", already) is already
