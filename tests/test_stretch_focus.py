"""The stretch of a file's lines that holds the task's words (``RankedFile.focus``) as data: each
bundle item's ``focus`` in the CLI's JSON and the MCP answers, for task-only queries only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gitutil import make_repo, run_cli
from lsp_client import indexed
from lsprotocol import types
from mcp_client import data, session
from test_chunk_match import STRETCH, TASK_WORDS, _promotions, _weaker

from server.lsp.args import plain

PROMOTIONS = "shop/promotions.py"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """Files holding the task's words one at a time, and one holding them together in one
    function far down a large file."""
    return make_repo(tmp_path / "repo", None, commits=[
        ("cart", _weaker()), ("promotions", {PROMOTIONS: _promotions()})])


@pytest.fixture
def log(tmp_path: Path):  # noqa: ANN201 - a text file
    with (tmp_path / "server.log").open("w+") as f:
        yield f


def _items(root: Path, *args: str) -> list[dict[str, Any]]:
    proc = run_cli("bundle", *args, "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    items: list[dict[str, Any]] = json.loads(proc.stdout)["items"]
    assert len(items) >= 3, items
    return items


def _held(root: Path) -> list[int]:
    """The lines of the large file holding two of the task's words."""
    lines = (root / PROMOTIONS).read_text().split("\n")
    return [n for n, ln in enumerate(lines, 1) if "voucher" in ln and "discount" in ln]


def _stretch_said(reasons: list[str]) -> tuple[int, int] | None:
    said = [m for m in (STRETCH.fullmatch(r) for r in reasons) if m]
    return (int(said[0][1]), int(said[0][2])) if said else None


@pytest.mark.parametrize("budget", ["20000", "0"])
def test_a_task_only_bundle_item_has_the_stretch_its_reason_names(shop: Path,
                                                                  budget: str) -> None:
    items = _items(shop, "--task", TASK_WORDS, "--budget", budget)
    by_path = {i["path"]: i for i in items}
    first, last = by_path[PROMOTIONS]["focus"]
    held = _held(shop)
    assert held and first <= min(held) <= max(held) <= last and last - first < 30
    # the same stretch the reason names; an item whose reasons name none has no focus
    for i in items:
        said = _stretch_said(i["reasons"])
        assert (tuple(i["focus"]) if i["focus"] is not None else None) == said, i


def test_a_seeded_bundle_has_no_focus(shop: Path) -> None:
    items = _items(shop, "--seed", "shop/cart.py", "--task", TASK_WORDS, "--budget", "20000")
    assert PROMOTIONS in {i["path"] for i in items}
    assert all(i["focus"] is None for i in items), items


def test_a_skeleton_still_has_the_focus(shop: Path) -> None:
    """A budget too small for the large file whole: shown in part, its focus still given (the
    editor opens the file there)."""
    items = _items(shop, "--task", TASK_WORDS, "--budget", "2000")
    item = next(i for i in items if i["path"] == PROMOTIONS)
    assert item["granularity"] != "file", item
    first, last = item["focus"]
    held = _held(shop)
    assert first <= min(held) <= max(held) <= last


async def test_mcp_answers_carry_the_focus(shop: Path, log: object) -> None:
    held = _held(shop)
    async with session(shop, log) as s:  # type: ignore[arg-type]
        bundle = data(await s.call_tool("suggest_bundle", {"task": TASK_WORDS,
                                                           "budget": 20000}))
        found = data(await s.call_tool("find_context", {"query": TASK_WORDS}))
        seeded = data(await s.call_tool("suggest_bundle", {"seeds": ["shop/cart.py"],
                                                           "task": TASK_WORDS,
                                                           "budget": 20000}))
    for entries in (bundle["items"], found["results"]):
        by_path = {e["path"]: e for e in entries}
        first, last = by_path[PROMOTIONS]["focus"]
        assert first <= min(held) <= max(held) <= last and last - first < 30
        # left out (not null, not empty) where no stretch stood out
        assert all(("focus" in e) == (_stretch_said(e["reasons"]) is not None)
                   for e in entries), entries
    assert PROMOTIONS in {i["path"] for i in seeded["items"]}
    assert not any("focus" in i for i in seeded["items"])


async def test_the_editor_gets_the_focus(shop: Path) -> None:
    """What the VS Code extension opens an item at: the bundle the language server sends."""
    async with indexed(shop) as client:
        got = plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="ctxsteward.suggestBundle",
            arguments=[{"uri": shop.as_uri(), "task": TASK_WORDS, "budget": 20000}])))
    item = next(i for i in got["items"] if i["path"] == PROMOTIONS)
    first, last = item["focus"]
    held = _held(shop)
    assert first <= min(held) <= max(held) <= last and last - first < 30


TASK_HEADS = ("the task names it", "the source `", "matches ", "lines ",
              "changed in a past commit like this task", "defines names with ")


def _editor(root: Path) -> Path:
    """Files of a language server that use each other's names, all holding the task's words."""
    return make_repo(root, None, commits=[("editor", {
        "lsp/tokens.py": "def count_tokens(text):\n    \"\"\"Token counts of a buffer.\"\"\"\n"
                         "    return len(text.split())\n\n\ndef token_total(texts):\n"
                         "    return sum(count_tokens(t) for t in texts)\n",
        "lsp/hover.py": "from lsp.tokens import count_tokens\n\n\ndef hover(buffer):\n"
                        "    \"\"\"The hover of a buffer: its token counts.\"\"\"\n"
                        "    return f\"{count_tokens(buffer.text)} tokens\"\n",
        "lsp/server.py": "from lsp.hover import hover\nfrom lsp.tokens import count_tokens\n\n\n"
                         "def on_hover(buffer):\n    return hover(buffer)\n\n\n"
                         "def on_save(buffer):\n    return count_tokens(buffer.text)\n",
        "README.md": "# editor\n"})])


def test_a_task_only_item_s_first_reason_is_what_of_the_task_it_holds(tmp_path: Path) -> None:
    """Its first reason heads an item's part of a bundle: for a task alone, what of the task the
    file holds, before its links to the best task matches; a seed's links stay first."""
    root = _editor(tmp_path / "repo")
    task = "the hover shows wrong token counts for unsaved buffers"
    proc = run_cli("bundle", "--task", task, "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)["items"]
    task_said = [i for i in items if any(r.startswith(TASK_HEADS) for r in i["reasons"])]
    linked = [i for i in task_said if any(r.startswith(("defines ", "uses ", "imports "))
                                          and not r.startswith("defines names with ")
                                          for r in i["reasons"])]
    assert linked, items  # (the case in question: both kinds of reason)
    for i in task_said:
        assert i["reasons"][0].startswith(TASK_HEADS), i["reasons"]
    proc = run_cli("bundle", "--seed", "lsp/hover.py", "--task", task, "--format", "json",
                   cwd=root)
    assert proc.returncode == 0, proc.stderr
    firsts = [i["reasons"][0] for i in json.loads(proc.stdout)["items"]
              if i["reasons"] and i["path"] != "lsp/hover.py"]
    assert any(r.startswith(("defines ", "uses ", "imports ", "imported by ")) for r in firsts), \
        firsts
