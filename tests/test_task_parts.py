"""A file ranked for a task shows the parts of it that hold the task's words (#14: the right
files, and the right parts of them).

A file of parameter types is asked about ``Choice`` being case insensitive. Its ``Path.convert``
refers to many names the best-ranked files use, which made it the file's "most relevant"
definition: the bundle showed ``Path.convert`` and left out the code the task is about. Now the
task's words in a definition's name and own lines come first; a class too large for the room is
shown by its head and the members that hold them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gitutil import make_repo, run_cli

TYPES = "params/types.py"
TASK = "make Choice case insensitive"


def _filler(name: str, n: int) -> str:
    body = "".join(f"        step_{k} = self.choices[{k} % len(self.choices)]\n"
                   for k in range(n))
    return f"    def {name}(self, value):\n{body}        return value\n\n"


def _types() -> str:
    path_convert = "".join(
        f"        if isinstance(value, File) and ParamType.name and Directory.name:  # {k}\n"
        f"            value = File(Directory(value).name)\n" for k in range(14))
    members = "".join(_filler(f"render_variant_{k}", 14) for k in range(8))
    return (
        "import os\n\n\n"
        "class ParamType:\n    name = 'param'\n\n"
        "    def convert(self, value, param, ctx):\n        return value\n\n\n"
        "class File(ParamType):\n    name = 'file'\n\n\n"
        "class Directory(ParamType):\n    name = 'directory'\n\n\n"
        "class Choice(ParamType):\n"
        '    """A value checked against a fixed set of choices."""\n\n'
        "    name = 'choice'\n\n"
        "    def __init__(self, choices, case_sensitive=True):\n"
        "        self.choices = choices\n"
        "        self.case_sensitive = case_sensitive\n\n"
        f"{members}"
        "    def normalize_choice(self, choice, ctx):\n"
        "        normed = choice\n"
        "        if not self.case_sensitive:\n"
        "            normed = normed.casefold()  # case insensitive matching\n"
        "        return normed\n\n\n"
        "class Path(ParamType):\n    name = 'path'\n\n"
        "    def convert(self, value, param, ctx):\n"
        f"{path_convert}"
        "        return os.fspath(value)\n")


def _core() -> str:
    return ("from params.types import Choice, Directory, File, ParamType, Path\n\n\n"
            "def make_option(kind, choices=None):\n"
            "    \"\"\"An option of ``kind``: a Choice of ``choices`` (case sensitive or not), a\n"
            "    File, a Directory or a Path.\"\"\"\n"
            "    if kind == 'choice':\n        return Choice(choices, case_sensitive=True)\n"
            "    if kind == 'file':\n        return File()\n"
            "    if kind == 'dir':\n        return Directory()\n"
            "    if kind == 'path':\n        return Path()\n"
            "    return ParamType()\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", None, commits=[
        ("types", {TYPES: _types(), "params/__init__.py": ""}),
        ("core", {"params/core.py": _core()})])


def _item(root: Path, budget: str) -> dict[str, Any]:
    proc = run_cli("bundle", "--task", TASK, "--budget", budget, "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    items = {i["path"]: i for i in json.loads(proc.stdout)["items"]}
    assert TYPES in items, list(items)
    return items[TYPES]


def _lines(root: Path, needle: str) -> list[int]:
    return [n for n, ln in enumerate((root / TYPES).read_text().split("\n"), 1) if needle in ln]


def _shown(item: dict[str, Any]) -> set[int]:
    return {ln for a, b in item["ranges"] for ln in range(a, b + 1)}


@pytest.mark.parametrize("budget", ["1500", "3000"])
def test_the_task_s_definition_is_shown_not_one_linked_by_names(repo: Path, budget: str) -> None:
    item = _item(repo, budget)
    shown = _shown(item)
    casefold = _lines(repo, "normed.casefold()")
    assert set(casefold) <= shown, item  # the member holding the task's words
    assert not set(_lines(repo, "value = File(Directory(value).name)")) & shown, item
    assert "Path.convert" not in item["symbols"], item


def test_a_class_too_large_is_shown_by_its_head_and_members(repo: Path) -> None:
    item = _item(repo, "1500")
    shown = _shown(item)
    assert item["granularity"] == "symbols", item
    # the members holding the task's words, under their class's head line
    assert {"Choice.__init__", "Choice.normalize_choice"} <= set(item["symbols"]), item
    assert set(_lines(repo, "class Choice(ParamType):")) <= shown, item
    # not the whole class: some of its members are left out
    members = [n for k in range(8) for n in _lines(repo, f"def render_variant_{k}(")]
    assert not set(members) <= shown, item


def test_a_seed_keeps_its_focus_on_the_task_and_links(repo: Path) -> None:
    """A large seed is focused as before (the task's definitions and the links): its item still
    holds the task's member."""
    proc = run_cli("bundle", "--seed", TYPES, "--task", TASK, "--budget", "3000",
                   "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    items = {i["path"]: i for i in json.loads(proc.stdout)["items"]}
    assert set(_lines(repo, "normed.casefold()")) <= _shown(items[TYPES]), items[TYPES]


def _termui(params: int = 0) -> str:
    extra = "".join(f"    option_{k}=None,\n" for k in range(params))
    doc = "".join(f"    :param option_{k}: what option {k} of the bar does, in words.\n"
                  for k in range(60))
    body = "".join(f"    width_{k} = compute_width({k}) + len(label) * {k}\n" for k in range(40))
    return (
        "import time\n\n\n"
        "def echo(message):\n    print(message)\n\n\n"
        f"def progressbar(iterable, length=None, label=None, show_eta=True,\n{extra}):\n"
        f'    """A progress bar over ``iterable``.\n\n{doc}    """\n'
        f"{body}"
        "    elapsed = time.monotonic()\n"
        "    eta_seconds = (length - 1) * elapsed  # the ETA the bar shows\n"
        "    return eta_seconds\n\n\n"
        "def compute_width(n):\n    return n * 2\n")


def test_a_long_function_is_excerpted_at_the_task_s_lines(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", None, commits=[
        ("ui", {"ui/termui.py": _termui(), "ui/__init__.py": ""})])
    proc = run_cli("bundle", "--task", "progress bar shows wrong ETA", "--budget", "1500",
                   "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    items = {i["path"]: i for i in json.loads(proc.stdout)["items"]}
    item = items["ui/termui.py"]
    lines = (root / "ui/termui.py").read_text().split("\n")
    sig = next(n for n, ln in enumerate(lines, 1) if ln.startswith("def progressbar"))
    eta = next(n for n, ln in enumerate(lines, 1) if "eta_seconds = " in ln)
    shown = _shown(item)
    assert {sig, eta} <= shown, item
    assert item["granularity"] == "excerpt" and item["symbols"] == ["progressbar"], item
    assert len(shown) < len(lines) / 2, item  # not the whole function


def test_an_excerpted_function_always_shows_its_signature(tmp_path: Path) -> None:
    """Whatever the room, a function's excerpt starts at its signature: a line of its body
    alone (``SameSite: c.sameSite,``) tells an agent too little (helper-129)."""
    root = make_repo(tmp_path / "repo", None, commits=[
        ("ui", {"ui/termui.py": _termui(params=60), "ui/__init__.py": ""})])
    lines = (root / "ui/termui.py").read_text().split("\n")
    sig = next(n for n, ln in enumerate(lines, 1) if ln.startswith("def progressbar"))
    seen = 0
    for budget in range(400, 2000, 100):
        proc = run_cli("bundle", "--task", "progress bar shows wrong ETA", "--budget",
                       str(budget), "--format", "json", cwd=root)
        assert proc.returncode == 0, proc.stderr
        for item in json.loads(proc.stdout)["items"]:
            if item["granularity"] == "excerpt" and item["symbols"] == ["progressbar"]:
                seen += 1
                assert sig in _shown(item), (budget, item)
    assert seen, "no budget excerpted the function"


def _adapter() -> str:
    def filler(tag: str) -> str:
        return "".join(f"  const {tag}_{k} = await settle(url, method, headers, {k});\n"
                       for k in range(60))
    return (
        "import settle from './settle.js';\n\n"
        "const isFetchSupported = typeof fetch === 'function';\n\n"
        "const test = (fn, ...args) => {\n  try {\n    return !!fn(...args);\n"
        "  } catch (e) {\n    return false;\n  }\n}\n\n"
        "const getBodyLength = async (body) => {\n  if (body == null) {\n    return 0;\n  }\n"
        "  return body.size;\n}\n\n"
        "export default isFetchSupported && (async (config) => {\n"
        "  let {url, method, headers, signal} = config;\n"
        f"{filler('before')}"
        "  const unsubscribe = composedSignal && composedSignal.unsubscribe;\n"
        f"{filler('after')}"
        "  return settle(url, method, headers, -1);\n"
        "});\n")


def test_a_long_anonymous_default_export_is_excerpted_at_the_task_s_lines(
        tmp_path: Path) -> None:
    """axios's fetch adapter is ``export default isFetchSupported && (async (config) => {...})``:
    no definition holds its lines, which the task's words are in. Too large for its room, it is
    excerpted as a long named function is: its first line and the lines holding the words."""
    root = make_repo(tmp_path / "repo", None, commits=[
        ("adapter", {"lib/adapters/fetch.js": _adapter(), "lib/settle.js":
                     "export default function settle(url) {\n  return url;\n}\n"})])
    proc = run_cli("bundle", "--task", "composedSignal unsubscribe is never called",
                   "--budget", "1500", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    item = {i["path"]: i for i in json.loads(proc.stdout)["items"]}["lib/adapters/fetch.js"]
    lines = (root / "lib/adapters/fetch.js").read_text().split("\n")
    head = next(n for n, ln in enumerate(lines, 1) if ln.startswith("export default"))
    said = next(n for n, ln in enumerate(lines, 1) if "composedSignal.unsubscribe" in ln)
    shown = _shown(item)
    assert {head, said} <= shown, item
    assert item["granularity"] == "excerpt" and item["symbols"] == [], item
    assert len(shown) < len(lines) / 4, item  # not the whole function


def test_a_seed_s_line_in_an_anonymous_function_is_shown(tmp_path: Path) -> None:
    """``--seed lib/adapters/fetch.js:LINE`` at a line of the anonymous default export (in no
    definition): the seed, too large for its room, is focused on that line (with lines around
    it) and the function's first line, not only on its named helpers."""
    root = make_repo(tmp_path / "repo", None, commits=[
        ("adapter", {"lib/adapters/fetch.js": _adapter(), "lib/settle.js":
                     "export default function settle(url) {\n  return url;\n}\n"})])
    lines = (root / "lib/adapters/fetch.js").read_text().split("\n")
    head = next(n for n, ln in enumerate(lines, 1) if ln.startswith("export default"))
    pointed = next(n for n, ln in enumerate(lines, 1) if "after_30 " in ln)
    proc = run_cli("bundle", "--seed", f"lib/adapters/fetch.js:{pointed}", "--budget", "1500",
                   "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    item = {i["path"]: i for i in json.loads(proc.stdout)["items"]}["lib/adapters/fetch.js"]
    shown = _shown(item)
    assert {head, pointed - 1, pointed, pointed + 1} <= shown, item
    assert len(shown) < len(lines) / 2, item


def _numbered(line: str, n: int) -> str:
    """``n`` lines of ``line`` with ``{k}`` numbered 0 to n - 1 (a long function's body)."""
    return "".join(line.replace("{k}", str(k)) for k in range(n))


def _add_command() -> str:
    steps = _numbered("        step_{k} = self.option('flag_{k}') or self.default({k})\n", 120)
    return (
        "class AddCommand:\n"
        "    def _add_dependency_to_extras(self, name, extras):\n"
        "        self.extras = {**self.extras, name: extras}\n\n"
        "    def _extras_marker_for(self, extras):\n"
        "        return ' or '.join(f'extra == {e!r}' for e in extras)\n\n"
        "    def handle(self):\n"
        f"{steps[:len(steps) // 2]}"
        "        requirement = parse_socks_requirement(self.argument('name'))  # socks extra\n"
        f"{steps[len(steps) // 2:]}"
        "        return 0\n")


def test_a_definition_too_large_beside_smaller_ones_shows_its_task_lines(tmp_path: Path) -> None:
    """poetry, "poetry add with an extras marker like 'requests[socks]' drops the extras": the
    small extras helpers were shown and ``AddCommand.handle``, too large for what they left,
    not at all. Now its signature and its lines holding the task's words come with them."""
    root = make_repo(tmp_path / "repo", None, commits=[
        ("add", {"cmd/add.py": _add_command(), "cmd/__init__.py": "",
                 "cmd/other.py": "def unrelated():\n    return 1\n"})])
    proc = run_cli("bundle", "--task", "add drops the socks extras marker", "--budget", "2500",
                   "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    item = {i["path"]: i for i in json.loads(proc.stdout)["items"]}["cmd/add.py"]
    lines = (root / "cmd/add.py").read_text().split("\n")
    sig = next(n for n, ln in enumerate(lines, 1) if "def handle(self):" in ln)
    socks = next(n for n, ln in enumerate(lines, 1) if "parse_socks_requirement" in ln)
    helper = next(n for n, ln in enumerate(lines, 1) if "self.extras = {" in ln)
    shown = _shown(item)
    assert {sig, socks, helper} <= shown, item
    assert not {n for n, ln in enumerate(lines, 1) if "step_5 =" in ln} & shown, item


def _to_request() -> str:
    body = _numbered("  const header{k} = req.headers['x-{k}'] ?? defaults[{k}];\n", 90)
    return (
        "import type { NodeRequest, NodeResponse } from './types';\n\n"
        "export function incomingMessageToRequest(\n"
        "  req: NodeRequest,\n"
        "  res: NodeResponse,\n"
        "  opts: {\n"
        "    /**\n"
        "     * Max body size in bytes.\n"
        "     */\n"
        "    maxBodySize: number | null;\n"
        "  },\n"
        "): Request {\n"
        "  const ac = new AbortController();\n"
        "  const onAbort = () => {\n    res.off('close', onAbort);\n    ac.abort();\n  };\n"
        f"{body}"
        "  return new Request(req.url, { signal: ac.signal });\n"
        "}\n")


def test_a_signature_ends_where_its_parameters_close(tmp_path: Path) -> None:
    """trpc: a parameter typed by an object literal (``opts: {``) ended the signature shown for
    ``incomingMessageToRequest`` at that line, and the item named no symbol."""
    root = make_repo(tmp_path / "repo", None, commits=[
        ("adapter", {"adapters/toRequest.ts": _to_request(),
                     "adapters/types.ts": "export type NodeRequest = { url: string };\n"
                                          "export type NodeResponse = { off(): void };\n"})])
    proc = run_cli("bundle", "--task", "incoming message to request aborts", "--budget", "600",
                   "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    item = {i["path"]: i for i in json.loads(proc.stdout)["items"]}["adapters/toRequest.ts"]
    lines = (root / "adapters/toRequest.ts").read_text().split("\n")
    closing = next(n for n, ln in enumerate(lines, 1) if ln.startswith("): Request {"))
    assert closing in _shown(item), item
    assert item["symbols"], item
