"""The current bundle as a user curates it, through the real ``ctxsteward serve`` and a real LSP
client on repositories built here: adding to no bundle gives that item alone, adding a file never
shows less of it, every change is announced with ``ctxsteward/bundle``, and the bundle (pins and
removed files too) survives a killed server; the problems of an unopened instruction file are
published once the server has indexed. Expected bundles come from ``make_bundle`` on the same
index, never typed in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from gitutil import git, make_repo
from lsp_client import start, stop, wait_for, wait_indexed
from lsprotocol import types
from pytest_lsp import LanguageClient

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import make_bundle
from analyzers.config import Settings
from analyzers.indexing.index import Index
from server.lsp.args import plain

# A large module: one helper the entry point uses among many it does not.
BIG = '"""Many helpers."""\n\n' + "".join(
    f"def helper_{n}(items, scale={n}):\n"
    f'    """Scale every item by {n} and keep the positive ones (helper {n})."""\n'
    f"    out = []\n    for item in items:\n        value = item * scale - {n}\n"
    f"        if value > 0:\n            out.append(value)\n    return out\n\n\n"
    for n in range(60))
MAIN = '''from app.big import helper_7


def main(values):
    """Print the scaled values."""
    for v in helper_7(values):
        print(v)
'''
NOTES = '''def remember(text):
    """Keep a note."""
    return [text]
'''
CLAUDE = "# Agents\n\nThe entry point is `app/main.py`; scaling lives in `app/scaling.py`.\n"


def build(root: Path) -> Path:
    make_repo(root, {"app/__init__.py": "", "app/big.py": BIG, "app/main.py": MAIN,
                     "app/notes.py": NOTES, "CLAUDE.md": CLAUDE,
                     "README.md": "# Scaling\n\nScales values.\n"})
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build(tmp_path / "repo")


async def session(root: Path) -> LanguageClient:
    """A client on a new server on ``root``, recording ``ctxsteward/bundle``, once indexed."""
    client = await start(root)
    client.changes = []  # type: ignore[attr-defined]

    @client.feature("ctxsteward/bundle")
    def on_bundle(params: Any) -> None:
        client.changes.append(plain(params))  # type: ignore[attr-defined]

    await wait_indexed(client)
    return client


@pytest.fixture
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    c = await session(repo)
    yield c
    await stop(c)


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    return plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=name, arguments=list(args))))


def expected(repo: Path, pinned: tuple[str, ...] = (), added: tuple[str, ...] = (),
             **kwargs: Any) -> dict[str, Any]:
    """``make_bundle``'s bundle for this request on the server's index, as the server shows it
    (the items of the files in ``pinned``, and ``added`` without a pin, marked)."""
    kwargs.setdefault("budget", Settings().default_budget)
    with Index(repo, Settings()) as idx:
        out = json.loads(json.dumps(make_bundle(idx, BundleRequest(**kwargs)).bundle.model_dump(
            mode="json")))
    for item in out["items"]:
        item["pinned"] = item["path"] in pinned
        item["added"] = item["path"] in added
        item["shrunk"] = False  # every pin here fits
    for row in out["excluded"]:  # here only ever the user's removals
        if row["reason"] == "matches an exclude glob":
            row["reason"] = "removed by you"
    return out


def item(bundle: dict[str, Any], path: str) -> dict[str, Any] | None:
    return next((i for i in bundle["items"] if i["path"] == path), None)


def at(repo: Path, path: str, needle: str) -> dict[str, Any]:
    """A command's ``uri`` and ``position`` on the first line of ``path`` holding ``needle``."""
    lines = (repo / path).read_text().splitlines()
    line = next(n for n, text in enumerate(lines) if needle in text)
    return {"uri": (repo / path).as_uri(), "position": {"line": line, "character": 4}}


# -- adding ---------------------------------------------------------------------------------------

async def test_adding_to_no_bundle_gives_that_item_alone(client: LanguageClient,
                                                         repo: Path) -> None:
    added = await command(client, "ctxsteward.addToBundle",
                          at(repo, "app/big.py", "out = []") | {"pin": True})
    want = expected(repo, ("app/big.py",), seeds=["app/big.py::helper_0"], ranked=False)
    assert added == want
    assert [i["path"] for i in added["items"]] == ["app/big.py"]  # no suggestion beside it
    assert "helper_0" in added["items"][0]["symbols"] and added["items"][0]["pinned"]
    # A second file: both, still nothing ranked beside them.
    both = await command(client, "ctxsteward.addToBundle",
                         {"uri": (repo / "app/notes.py").as_uri()})
    assert both == expected(repo, ("app/big.py",), ("app/notes.py",),
                            seeds=["app/big.py::helper_0"], pins=["app/notes.py"], ranked=False)
    assert sorted(i["path"] for i in both["items"]) == ["app/big.py", "app/notes.py"]
    # Suggest asks for the ranked files: they come beside the pin, which stays; the file added
    # without "pin" was the last bundle's.
    suggested = await command(client, "ctxsteward.suggestBundle",
                              {"uri": (repo / "app/main.py").as_uri()})
    assert suggested == expected(repo, ("app/big.py",),
                                 seeds=["app/main.py", "app/big.py::helper_0"])
    # Removing the pins: no longer pinned, and a later suggestion keeps them out.
    await command(client, "ctxsteward.removeFromBundle", {"uri": (repo / "app/notes.py").as_uri()})
    await command(client, "ctxsteward.removeFromBundle", {"uri": (repo / "app/big.py").as_uri()})
    again = await command(client, "ctxsteward.suggestBundle",
                          {"uri": (repo / "app/main.py").as_uri()})
    assert again == expected(repo, seeds=["app/main.py"],
                             exclude=["/app/notes.py", "/app/big.py"])


async def test_adding_a_file_never_shows_less_of_it(client: LanguageClient, repo: Path) -> None:
    suggested = await command(client, "ctxsteward.suggestBundle",
                              {"uri": (repo / "app/main.py").as_uri(), "budget": 1500})
    before = item(suggested, "app/big.py")
    assert before is not None and before["granularity"] == "symbols"
    assert "helper_7" in before["symbols"] and not before["pinned"]
    added = await command(client, "ctxsteward.addToBundle", {"uri": (repo / "app/big.py").as_uri()})
    after = item(added, "app/big.py")
    assert after is not None and after["added"] and not after["pinned"]
    assert after["granularity"] != "skeleton"  # pinned whole, it would be signatures only
    assert set(before["symbols"]) <= set(after["symbols"])
    # Every line it showed is still shown (its heading may be shorter: "pinned" is its reason).
    shown = {n for a, b in after["ranges"] for n in range(a, b + 1)}
    assert all(n in shown for a, b in before["ranges"] for n in range(a, b + 1))


async def test_only_what_the_user_pinned_is_marked_pinned(client: LanguageClient,
                                                         repo: Path) -> None:
    # The new-user review: VS Code showed a pin on a file added without "pin" (the next
    # suggestion drops it, so it is no pin): such an item is "added", and only a pin "pinned".
    await command(client, "ctxsteward.suggestBundle", {"uri": (repo / "app/main.py").as_uri()})
    added = await command(client, "ctxsteward.addToBundle",
                          {"uri": (repo / "app/notes.py").as_uri()})
    notes = item(added, "app/notes.py")
    assert notes is not None and (notes["pinned"], notes["added"]) == (False, True)
    assert not any(i["pinned"] or i["added"] for i in added["items"] if i is not notes)
    pinned = await command(client, "ctxsteward.addToBundle",
                           {"uri": (repo / "app/notes.py").as_uri(), "pin": True})
    notes = item(pinned, "app/notes.py")
    assert notes is not None and (notes["pinned"], notes["added"]) == (True, False)
    changes = await wait_for(lambda: len(client.changes) >= 3  # type: ignore[attr-defined]
                             and client.changes, 10, "three changes")  # type: ignore[attr-defined]
    assert [(c["totals"]["pinned"], c["totals"]["added"]) for c in changes] == [
        (0, 0), (0, 1), (1, 0)]


# -- announced ------------------------------------------------------------------------------------

async def test_every_change_is_announced_with_the_bundle(client: LanguageClient,
                                                         repo: Path) -> None:
    made = await command(client, "ctxsteward.suggestBundle",
                         {"uri": (repo / "app/main.py").as_uri()})
    added = await command(client, "ctxsteward.addToBundle",
                          {"uri": (repo / "app/notes.py").as_uri()})
    removed = await command(client, "ctxsteward.removeFromBundle",
                            {"uri": (repo / "app/notes.py").as_uri()})
    changes = await wait_for(lambda: len(client.changes) >= 3  # type: ignore[attr-defined]
                             and client.changes, 10, "three changes")  # type: ignore[attr-defined]
    assert [(c["version"], c["cause"], c["bundle"]) for c in changes] == [
        (1, "suggest", made), (2, "add", added), (3, "remove", removed)]
    assert changes[1]["totals"]["added"] == 1 and changes[1]["totals"]["pinned"] == 0
    assert changes[1]["totals"]["unfit_pins"] == []
    assert changes[1]["totals"]["total_tokens"] == added["total_tokens"]


# -- restart --------------------------------------------------------------------------------------

async def kill(client: LanguageClient) -> None:
    """End the server as a crash would: no shutdown, no exit."""
    server = client._server  # noqa: SLF001 - the test's own server process
    assert server is not None
    server.kill()
    await server.wait()
    try:
        await client.stop()
    except Exception:  # noqa: BLE001, S110 - the connection is gone already
        pass


async def restored(client: LanguageClient) -> dict[str, Any]:
    """The ``ctxsteward/bundle`` change that restored the last session's bundle."""
    return await wait_for(lambda: next((c for c in client.changes  # type: ignore[attr-defined]
                                        if c["cause"] == "restore"), None), 30, "the restore")


async def killed_after(repo: Path, *steps: tuple[str, dict[str, Any]]) -> Any:
    """Run the commands ``steps`` (name, argument) on a new server on ``repo``, then end it as
    a crash would; the last one's answer."""
    first = await session(repo)
    try:
        out = None
        for name, arg in steps:
            out = await command(first, name, arg)
    finally:
        await kill(first)
    return out


def step(repo: Path, name: str, path: str, **arg: Any) -> tuple[str, dict[str, Any]]:
    """The command ``name`` on ``path`` (its ``uri``) with ``arg``, for :func:`killed_after`."""
    return f"ctxsteward.{name}", {"uri": (repo / path).as_uri(), **arg}


async def test_the_bundle_survives_a_killed_server(repo: Path) -> None:
    made = await killed_after(repo, step(repo, "suggestBundle", "app/main.py", budget=3000),
                              step(repo, "addToBundle", "app/notes.py", pin=True),
                              step(repo, "removeFromBundle", "README.md"))
    assert made == expected(repo, ("app/notes.py",), seeds=["app/main.py"], budget=3000,
                            pins=["app/notes.py"], exclude=["/README.md"])
    second = await session(repo)
    try:
        change = await restored(second)
        assert change["bundle"] == made and change["notes"] == []
        assert await command(second, "ctxsteward.currentBundle", {}) == made
        # The pin is still a pin: a new suggestion keeps it.
        again = await command(second, "ctxsteward.suggestBundle",
                              {"uri": (repo / "app/big.py").as_uri(), "budget": 3000})
        # ... and the file removed stays out, of this suggestion too.
        assert again == expected(repo, ("app/notes.py",), seeds=["app/big.py"], budget=3000,
                                 pins=["app/notes.py"], exclude=["/README.md"])
    finally:
        await kill(second)
    # A pinned file deleted while no server ran: dropped, with a note.
    (repo / "app/notes.py").unlink()
    git("commit", "-qam", "no notes", cwd=repo)
    third = await session(repo)
    try:
        change = await restored(third)
        assert change["notes"] == ["app/notes.py no longer exists: dropped from the restored "
                                   "bundle"]
        assert change["bundle"] == expected(repo, seeds=["app/big.py"], budget=3000,
                                            exclude=["/README.md"])
    finally:
        await stop(third)


async def test_an_unpinned_addition_is_the_current_bundles_only(repo: Path) -> None:
    """Added without "pin": in the current bundle (restored with it after a restart), but no
    seed of a later suggestion, a task-only one included; a pin is kept by both."""
    made = await killed_after(repo, step(repo, "suggestBundle", "app/main.py", budget=3000),
                              step(repo, "addToBundle", "app/notes.py", pin=True),
                              ("ctxsteward.addToBundle", at(repo, "app/big.py", "def helper_31(")))
    assert made["seeds"] == ["app/main.py", "app/big.py::helper_31"]
    second = await session(repo)
    try:
        assert (await restored(second))["bundle"] == made
        task = "write the notes"
        again = await command(second, "ctxsteward.suggestBundle", {"task": task, "budget": 3000})
        assert again == expected(repo, ("app/notes.py",), task=task, budget=3000,
                                 pins=["app/notes.py"])
        assert again["seeds"] == []
    finally:
        await stop(second)


async def test_removed_files_stay_out_after_a_restart(repo: Path) -> None:
    first = await session(repo)
    try:
        await command(first, "ctxsteward.suggestBundle",
                      {"uri": (repo / "app/main.py").as_uri(), "budget": 3000})
        made = await command(first, "ctxsteward.removeFromBundle",
                             {"uri": (repo / "app/big.py").as_uri()})
    finally:
        await kill(first)
    assert item(made, "app/big.py") is None
    second = await session(repo)
    try:
        assert (await restored(second))["bundle"] == made
        # Adding another file recomputes with the removal still in force.
        added = await command(second, "ctxsteward.addToBundle",
                              {"uri": (repo / "app/notes.py").as_uri()})
        assert added == expected(repo, added=("app/notes.py",), seeds=["app/main.py"],
                                 budget=3000, pins=["app/notes.py"], exclude=["/app/big.py"])
    finally:
        await stop(second)


async def test_a_broken_kept_bundle_is_set_aside(repo: Path) -> None:
    (repo / ".ctxsteward").mkdir(exist_ok=True)
    (repo / ".ctxsteward/current-bundle.json").write_text("{not json")
    client = await session(repo)
    try:
        assert await command(client, "ctxsteward.currentBundle", {}) is None
        made = await command(client, "ctxsteward.suggestBundle",
                             {"uri": (repo / "app/main.py").as_uri()})
        kept = json.loads((repo / ".ctxsteward/current-bundle.json").read_text())
        assert kept["seeds"] == ["app/main.py"]
        assert [i["path"] for i in kept["items"]] == [i["path"] for i in made["items"]]
    finally:
        await stop(client)


async def test_a_secret_in_the_task_is_not_kept_on_disk(repo: Path) -> None:
    token = "ghp_" + "R8x2Lq9ZtV4mN7pK1wY3cB6dF0hJ5sG2aE9u"
    client = await session(repo)
    try:
        made = await command(client, "ctxsteward.suggestBundle",
                             {"uri": (repo / "app/main.py").as_uri(),
                              "task": f"notes fail with GITHUB_TOKEN={token}"})
        kept = (repo / ".ctxsteward/current-bundle.json").read_text()
        assert token not in kept and token not in json.dumps(made)
        assert "notes fail with GITHUB_TOKEN=[redacted:" in json.loads(kept)["task"]
    finally:
        await stop(client)


# -- instruction files --------------------------------------------------------------------------

async def test_problems_of_unopened_instruction_files_are_published(client: LanguageClient,
                                                                    repo: Path) -> None:
    uri = (repo / "CLAUDE.md").as_uri()
    diags = await wait_for(lambda: client.diagnostics.get(uri), 30, "CLAUDE.md's diagnostics")
    assert any("app/scaling.py" in d.message for d in diags), [d.message for d in diags]
    assert not any("app/main.py" in d.message for d in diags)


def test_what_counts_as_showing_less_of_a_file() -> None:
    from types import SimpleNamespace as Item

    from server.lsp.bundle_view import shows_less

    symbols = Item(granularity="symbols", symbols=["helper_7", "helper_8"], tokens=900)
    assert shows_less(symbols, None)
    assert shows_less(symbols, Item(granularity="skeleton", symbols=["helper_7"], tokens=2000))
    assert shows_less(symbols, Item(granularity="symbols", symbols=["helper_7"], tokens=950))
    assert not shows_less(symbols, Item(granularity="symbols", symbols=["helper_8", "helper_7"],
                                        tokens=880))  # the same definitions, a shorter heading
    assert not shows_less(symbols, Item(granularity="file", symbols=[], tokens=5000))
    whole = Item(granularity="file", symbols=[], tokens=400)
    assert shows_less(whole, Item(granularity="symbols", symbols=["helper_7"], tokens=300))
    skeleton = Item(granularity="skeleton", symbols=["helper_7"], tokens=300)
    assert not shows_less(skeleton, Item(granularity="skeleton", symbols=["helper_7"], tokens=280))


# -- pins that do not fit -------------------------------------------------------------------------

async def test_a_pin_shrunk_to_fit_is_named_as_not_fitting(client: LanguageClient,
                                                           repo: Path) -> None:
    added = await command(client, "ctxsteward.addToBundle", {"uri": (repo / "app/big.py").as_uri(),
                                                             "pin": True})
    whole = item(added, "app/big.py")
    assert whole is not None and whole["granularity"] == "file" and not whole["shrunk"]
    suggested = await command(client, "ctxsteward.suggestBundle",
                              {"uri": (repo / "app/main.py").as_uri(), "budget": 800})
    big = item(suggested, "app/big.py")
    assert big is not None and big["pinned"] and big["granularity"] != "file"
    assert big["shrunk"]
    assert not any(i["shrunk"] for i in suggested["items"] if i["path"] != "app/big.py")
    changes = await wait_for(lambda: len(client.changes) >= 2  # type: ignore[attr-defined]
                             and client.changes, 10, "two changes")  # type: ignore[attr-defined]
    assert changes[0]["totals"]["shrunk_pins"] == []
    assert changes[1]["totals"]["shrunk_pins"] == ["app/big.py"]
    assert changes[1]["totals"]["unfit_pins"] == []


# -- removed by the user --------------------------------------------------------------------------

async def test_removed_files_say_so_and_stay_out_of_later_suggestions(client: LanguageClient,
                                                                      repo: Path) -> None:
    made = await command(client, "ctxsteward.suggestBundle",
                         {"uri": (repo / "app/main.py").as_uri()})
    gone = next(i["path"] for i in made["items"] if i["path"] != "app/main.py")
    removed = await command(client, "ctxsteward.removeFromBundle", {"uri": (repo / gone).as_uri()})
    assert item(removed, gone) is None
    assert {"path": gone, "reason": "removed by you"} in removed["excluded"]
    again = await command(client, "ctxsteward.suggestBundle",
                          {"uri": (repo / "app/main.py").as_uri()})
    assert item(again, gone) is None
    assert {"path": gone, "reason": "removed by you"} in again["excluded"]
    # Added back, it is in again, and no longer listed as removed.
    await command(client, "ctxsteward.addToBundle", {"uri": (repo / gone).as_uri()})
    back = await command(client, "ctxsteward.suggestBundle",
                         {"uri": (repo / "app/main.py").as_uri()})
    assert item(back, gone) is not None
    assert all(e["path"] != gone for e in back["excluded"])


async def test_a_pinned_definition_stays_shown_when_its_file_is_suggested(client: LanguageClient,
                                                                         repo: Path) -> None:
    # The #16 verifier: "Add batch", then "Suggest a context bundle for core.py": the file came
    # focused on other definitions, batch's body gone, while its hover said it was in.
    added = await command(client, "ctxsteward.addToBundle",
                          at(repo, "app/big.py", "def helper_31(") | {"pin": True})
    assert "helper_31" in (item(added, "app/big.py") or {})["symbols"]
    suggested = await command(client, "ctxsteward.suggestBundle",
                              {"uri": (repo / "app/big.py").as_uri(), "budget": 1500})
    assert suggested == expected(repo, ("app/big.py",),
                                 seeds=["app/big.py", "app/big.py::helper_31"], budget=1500)
    big = item(suggested, "app/big.py")
    assert big is not None and big["pinned"] and "helper_31" in big["symbols"]
    body = next(n for n, text in enumerate(BIG.splitlines(), 1) if "def helper_31(" in text)
    assert any(a <= body + 2 <= b for a, b in big["ranges"])  # its body, not its signature alone
