"""A setting or argument of the wrong type or out of range is refused in our words (what is
wrong, what to write), never in pydantic's ("Input should be a valid number..."): from the
command line (the real CLI on a real repository), the editor's settings (the language server's
parser of its client's JSON) and the MCP tools (the real server over stdio)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo, run_cli
from lsp_client import start, stop, wait_for
from mcp_client import session, text

from server.lsp.settings import parse_settings


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"app/util.py": "def parse(text):\n    return 1\n"})


@pytest.mark.parametrize(("args", "said"), [
    (["budget", "--context-window", "-5"],
     "ctxsteward: --context-window must be a whole number of at least 1, not -5\n"),
    (["bundle", "--task", "parse", "--context-window", "0"],
     "ctxsteward: --context-window must be a whole number of at least 1, not 0\n"),
    (["budget", "--max-file-size", "-1"],
     "ctxsteward: --max-file-size must be a whole number of at least 1, such as 1048576 (the "
     "default), not -1\n"),
    (["bundle", "--task", "parse", "--decisions-share", "lots"],
     "ctxsteward bundle: error: argument --decisions-share: expected a number such as 0.25, "
     "got 'lots'\n"),
    (["budget", "--context-window", "many"],
     "ctxsteward budget: error: argument --context-window: expected a whole number of tokens, "
     "such as 200000, got 'many'\n"),
])
def test_the_command_line_says_what_to_write(repo: Path, args: list[str], said: str) -> None:
    proc = run_cli(*args, cwd=repo)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.endswith(said), proc.stderr
    assert "input should" not in proc.stderr.lower()


def test_the_editor_s_settings_are_refused_in_our_words() -> None:
    """Each problem names the setting as the user set it: the VS Code setting for a key the
    extension sends (``contextWindow`` is ``ctxsteward.contextWindow``), else the key as sent
    (never our snake_case field), what was given and what is accepted."""
    _, _, problems = parse_settings({"ctxsteward": {
        "decisionsShare": "lots", "contextWindow": -5, "exclude": [3], "importDepth": 2.5,
        "handoffBudget": 5, "codeLensPerDefinition": "maybe", "profile": "gpt-17"}})
    assert sorted(problems) == sorted([
        "setting decisionsShare must be a number from 0 to 0.5, such as 0.1 (the default), "
        "not 'lots'; using the default",
        "setting ctxsteward.contextWindow must be a whole number of at least 1, not -5; using "
        "the default",
        "setting ctxsteward.exclude (entry 1) must be text (a string), not 3; using the default",
        "setting importDepth must be a whole number of at least 0, such as 5 (the default), "
        "not 2.5; using the default",
        "setting handoffBudget must be at least 100, not 5; using the default (2000)",
        "setting codeLensPerDefinition must be true or false, not 'maybe'; using the default",
        "setting ctxsteward.profile: unknown profile 'gpt-17': choose one of claude, generic, "
        'gpt-4; using the default ("generic")',
    ])


def test_the_editor_s_setting_names_are_the_ones_the_user_set() -> None:
    """The names of vscode-client/package.json for what the extension sends (``handoffPath``
    is ``ctxsteward.handoff.path``, ``inlayHintMinTokens`` ``ctxsteward.inlayHints.minTokens``),
    the key as written for what another client sends in snake_case; with the value given, what
    is accepted and the default kept. A negative budget, taken silently before, is refused."""
    _, opts, problems = parse_settings({"handoffPath": "../notes.md", "inlayHintMinTokens": -1,
                                        "maxFileSize": 0, "defaultBudget": -5})
    assert opts.handoff_path == "HANDOFF.md"
    assert sorted(problems) == sorted([
        "setting ctxsteward.handoff.path: give a file path relative to the workspace root, "
        'inside it, such as HANDOFF.md or docs/HANDOFF.md (got "../notes.md"); using the '
        'default ("HANDOFF.md")',
        "setting ctxsteward.inlayHints.minTokens must be at least 0, not -1; using the default "
        "(50)",
        "setting ctxsteward.maxFileSize must be a whole number of at least 1, such as 1048576 "
        "(the default), not 0; using the default",
        "setting ctxsteward.budget must be a whole number of tokens, 0 or more (0 ranks only), "
        "such as 16,000 (the default), not -5; using the default",
    ])
    settings, opts, problems = parse_settings({"handoff_path": "", "budget": -1,
                                               "max_file_size": "big", "colour": "red"})
    assert settings.default_budget == 16_000 and opts.handoff_path == "HANDOFF.md"
    assert sorted(problems) == sorted([
        "setting handoff_path: give a file path relative to the workspace root, inside it, "
        'such as HANDOFF.md or docs/HANDOFF.md (got ""); using the default ("HANDOFF.md")',
        "setting ctxsteward.budget must be a whole number of tokens, 0 or more (0 ranks only), "
        "such as 16,000 (the default), not -1; using the default",
        "setting max_file_size must be a whole number of at least 1, such as 1048576 (the "
        "default), not 'big'; using the default",
        "unknown setting 'colour' ignored (the extension's settings: ctxsteward.budget, "
        "ctxsteward.contextWindow, ctxsteward.encoding, ctxsteward.exclude, "
        "ctxsteward.handoff.path, ctxsteward.inlayHints.minTokens, ctxsteward.instructionFiles, "
        "ctxsteward.maxFileSize, ctxsteward.profile; the README lists the others)",
    ])


def test_a_list_setting_given_as_text_is_told_to_be_a_list() -> None:
    """A list setting given one string is text all the same: the message asks for a list (it
    said "must be text, not 'x'", reading list[str] as str)."""
    _, _, problems = parse_settings({"exclude": "x", "instructionFiles": "CLAUDE.md",
                                     "profile": 3, "encoding": [1]})
    assert sorted(problems) == sorted([
        """setting ctxsteward.exclude must be a list of text (e.g. ["x"]), not 'x'; using the """
        "default",
        """setting ctxsteward.instructionFiles must be a list of text (e.g. ["x"]), not """
        "'CLAUDE.md'; using the default",
        "setting ctxsteward.profile must be the name of a profile (claude, generic, gpt-4), "
        'not 3; using the default ("generic")',
        'setting ctxsteward.encoding must be text, not [1]; using the default ("cl100k_base")',
    ])


async def test_the_language_server_asks_for_a_list_where_a_setting_is_one(repo: Path) -> None:
    """The real server, given ``initializationOptions`` of a list setting as one string, shows
    the editor that it wants a list (it said "must be text, not 'x'")."""
    client = await start(repo, options={"exclude": "x", "instructionFiles": "CLAUDE.md"})
    try:
        await wait_for(lambda: len(client.messages) >= 2, what="settings warnings")
        texts = [m.message for m in client.messages]
    finally:
        await stop(client)
    assert any("""setting ctxsteward.exclude must be a list of text (e.g. ["x"]), not 'x'; """
               "using the default" in t for t in texts), texts
    assert any("""setting ctxsteward.instructionFiles must be a list of text (e.g. ["x"]), """
               "not 'CLAUDE.md'; using the default" in t for t in texts), texts


async def test_an_mcp_argument_of_the_wrong_type_is_refused_in_our_words(
        repo: Path, tmp_path: Path) -> None:
    with (tmp_path / "server.log").open("w+") as log:
        async with session(repo, log) as s:
            share = await s.call_tool("suggest_bundle", {"task": "parse",
                                                         "decisions_share": "lots"})
            budget = await s.call_tool("suggest_bundle", {"task": "parse", "budget": "many"})
    assert share.is_error and budget.is_error
    assert text(share) == ("suggest_bundle: bad argument: decisions_share must be a number "
                           "(got 'lots'): pass one, or leave it out for the default")
    assert text(budget) == ("suggest_bundle: bad argument: budget must be a whole number "
                            "(got 'many'): pass one, or leave it out for the default")


async def test_an_mcp_argument_s_message_says_what_to_pass(repo: Path, tmp_path: Path) -> None:
    """Infinity (sent as null: JSON has none) is told as null, why; an argument without a default
    (task, save) is not told to be left out "for the default"; a bad bundle name is a bad
    argument, not the SDK's "Error executing tool"."""
    calls = [
        ("suggest_bundle", {"task": "parse", "decisions_share": float("inf")},
         "decisions_share must be a number (got null; JSON has no Infinity or NaN: a client "
         "sends them as null): pass one, or leave it out for the default"),
        ("suggest_bundle", {"task": 5},
         "task must be text (a string) (got 5): pass text (a string), or leave it out"),
        ("suggest_bundle", {"task": "parse", "save": 5},
         "save must be text (a string) (got 5): pass text (a string), or leave it out"),
        ("suggest_bundle", {"task": "parse", "save": {}},
         "save must be text (a string) (got {}): pass text (a string), or leave it out"),
        ("suggest_bundle", {"task": "parse", "save": "../x"},
         "save must be a bundle name of letters, digits, '.', '_' or '-' only, at most 100 "
         "characters (got '../x')"),
        ("suggest_bundle", {"task": "parse", "save": ""},
         "save must be a bundle name of letters, digits, '.', '_' or '-' only, at most 100 "
         "characters (got '')"),
        ("verify_bundle", {"name": "../x"},
         "name must be a bundle name of letters, digits, '.', '_' or '-' only, at most 100 "
         "characters (got '../x')"),
    ]
    with (tmp_path / "server.log").open("w+") as log:
        async with session(repo, log) as s:
            said = [(await s.call_tool(tool, args), tool) for tool, args, _ in calls]
    for (result, tool), (_, args, expected) in zip(said, calls, strict=True):
        assert result.is_error, args
        assert text(result) == f"{tool}: bad argument: {expected}", args
    assert not (repo / ".ctxsteward" / "bundles").exists() or \
        not any((repo / ".ctxsteward" / "bundles").iterdir())
