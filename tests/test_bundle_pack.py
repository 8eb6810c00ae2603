"""Bundle packing: the rendered document never exceeds the budget, granularity fits the file.

Token counts are taken independently here with :class:`analyzers.tokens.Counter` on the rendered
text the agent would read, not trusted from the bundle.
"""

from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from gitutil import make_repo, run_cli, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import BundleError, BundleResult, make_bundle
from analyzers.bundles.render import ranges_label
from analyzers.config import Settings
from analyzers.indexing.index import Index, build
from analyzers.results import Bundle, BundleItem
from analyzers.tokens import Counter

COUNTER = Counter(Settings().encoding, Settings().model_profile())


def _helpers(prefix: str, count: int, body_lines: int) -> str:
    out = []
    for i in range(count):
        body = "".join(f"    value = value + {j} * {i}  # step {j} of the {prefix} pass\n"
                       for j in range(body_lines))
        out.append(f'def {prefix}_{i}(value):\n    """Step {i} of the {prefix} pipeline."""\n'
                   f"{body}    return value\n\n\n")
    return "".join(out)


# ledger.py is big (~15k tokens); settle_invoice is the one definition the seed calls.
LEDGER = (
    "from core.util import normalise_amount\n\n\n"
    + _helpers("ledger_helper", 60, 12)
    + 'def settle_invoice(invoice):\n    """Settle an invoice."""\n'
      "    return normalise_amount(invoice)\n"
)
# archive.py is big and shares no names with the seed: it only changed together with it.
ARCHIVE = _helpers("archive_step", 40, 10)
BILLING = (
    "from core.util import normalise_amount\n"
    "from core.ledger import settle_invoice\n\n\n"
    "def bill(customer):\n"
    "    return settle_invoice(normalise_amount(customer))\n"
)
UTIL = "def normalise_amount(x):\n    return round(x, 2)\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pack") / "repo"
    make_repo(root, None, commits=[
        ("util", {"core/__init__.py": "", "core/util.py": UTIL}),
        ("ledger", {"core/ledger.py": LEDGER}),
        ("billing", {"core/billing.py": BILLING, "core/archive.py": ARCHIVE}),
        ("billing and archive", {"core/billing.py": BILLING + "# v2\n",
                                 "core/archive.py": ARCHIVE + "# v2\n"}),
        ("billing and archive again", {"core/billing.py": BILLING + "# v3\n",
                                       "core/archive.py": ARCHIVE + "# v3\n"}),
        ("docs", {"docs/notes.md": "# Notes\n\nInvoices are settled nightly.\n"}),
        ("misc", {"misc/colors.py": "def paint(x):\n    return x\n"}),
    ])
    build(root)
    return root


def _built(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Settings]:
    """A repository of ``files`` in one commit, indexed."""
    root = make_repo(tmp_path / "r", files)
    s = Settings()
    build(root, s)
    return root, s


def make(root: Path, **request: object) -> BundleResult:
    with Index(root) as index:
        return make_bundle(index, BundleRequest(**request))  # type: ignore[arg-type]


def item(b: Bundle, path: str) -> BundleItem:
    found = [i for i in b.items if i.path == path]
    assert found, f"{path} not in bundle: {[(i.path, i.granularity) for i in b.items]}"
    return found[0]


def check_document(result: BundleResult, budget: int, fmt: str) -> None:
    """The rendered text is within budget, measured here, and holds exactly the items listed."""
    counted = COUNTER.count(result.rendered)
    assert counted <= budget
    assert result.bundle.total_tokens == counted
    for it in result.bundle.items:
        marker = f'path="{it.path}"' if fmt == "xml" else f"## {it.path}"
        assert marker in result.rendered, it.path
        assert it.tokens > 0
    assert sum(i.tokens for i in result.bundle.items) <= counted


# -- the budget is never exceeded ---------------------------------------------------------------

@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.integers(min_value=200, max_value=20_000),
       fmt=st.sampled_from(["markdown", "xml"]),
       seeded=st.booleans())
def test_rendered_bundle_never_exceeds_the_budget(repo: Path, budget: int, fmt: str,
                                                  seeded: bool) -> None:
    request: dict[str, object] = {"task": "settle the invoice amount", "budget": budget,
                                  "format": fmt}
    if seeded:
        request["seeds"] = ["core/billing.py"]
    result = make(repo, **request)
    check_document(result, budget, fmt)
    assert result.bundle.items, "a 200+ token budget holds at least one small item"
    if seeded:
        assert result.bundle.items[0].path == "core/billing.py"


@pytest.mark.parametrize("budget", [1, 5, 12])
def test_a_budget_smaller_than_the_header_is_refused(repo: Path, budget: int) -> None:
    with pytest.raises(BundleError, match="too small"):
        make(repo, seeds=["core/billing.py"], task="settle the invoice amount for every customer",
             budget=budget)


def test_a_tiny_budget_still_gets_what_fits(repo: Path) -> None:
    # 60: the item must fit its XML rendering too (both renderings hold the same items)
    result = make(repo, seeds=["core/billing.py"], budget=60)
    check_document(result, 60, "markdown")
    assert result.bundle.items


def test_a_text_seed_the_budget_cannot_hold_whole_is_excerpted(tmp_path: Path) -> None:
    """A 3k-token text seed (no definitions) with 300 tokens: it does not fit whole; its top
    goes in, within half the room, and the files ranked for it still go in (it was left out,
    "no part of it fit")."""
    root = tmp_path / "repo"
    notes = "".join(f"Line {i}: the invoice ledger is settled nightly by the batch job.\n"
                    for i in range(250))
    make_repo(root, None, commits=[
        ("util", {"core/util.py": UTIL}),
        ("notes", {"docs/ledger.txt": notes, "core/billing.py": BILLING}),
    ])
    build(root)
    result = make(root, seeds=["docs/ledger.txt"], budget=300)
    check_document(result, 300, "markdown")
    seed = item(result.bundle, "docs/ledger.txt")
    assert seed.granularity == "excerpt" and seed.ranges[0][0] == 1
    assert seed.tokens <= 150
    assert "core/billing.py" in [i.path for i in result.bundle.items]
    assert "docs/ledger.txt" not in [e.path for e in result.bundle.excluded]


def test_a_large_seed_with_definitions_is_focused_even_at_a_small_budget(repo: Path) -> None:
    """ledger.py (~15k tokens) as seed with 300 tokens: signatures and the definition the task
    names, within half the room, beside the files ranked for it."""
    result = make(repo, seeds=["core/ledger.py"], task="settle the invoice", budget=300)
    check_document(result, 300, "markdown")
    seed = item(result.bundle, "core/ledger.py")
    assert seed.granularity == "focused" and seed.symbols == ["settle_invoice"]
    assert seed.tokens <= 150
    assert len(result.bundle.items) > 1


def test_a_budget_that_holds_no_item_is_an_error_not_an_empty_bundle(repo: Path) -> None:
    with pytest.raises(BundleError, match="holds the bundle's header but not one item") as e:
        make(repo, seeds=["core/ledger.py"], budget=14)
    # What to do: a larger budget, or a seed naming one definition.
    assert "give a larger budget" in str(e.value) and "PATH::SYMBOL" in str(e.value)


# -- granularity --------------------------------------------------------------------------------

def test_granularity_small_whole_big_symbols_unrelated_big_skeleton(repo: Path) -> None:
    result = make(repo, seeds=["core/billing.py"], task="settle the invoice", budget=8000)
    b = result.bundle
    check_document(result, 8000, "markdown")
    seed = item(b, "core/billing.py")
    assert (seed.granularity, seed.tier, seed.ranges) == ("file", "core", [(1, 7)])
    util = item(b, "core/util.py")
    assert (util.granularity, util.ranges) == ("file", [(1, 2)])
    # The big ledger: only the definition the seed calls, with its real line range.
    ledger = item(b, "core/ledger.py")
    assert ledger.granularity == "symbols"
    assert ledger.symbols == ["settle_invoice"]
    start = LEDGER.splitlines().index("def settle_invoice(invoice):") + 1
    assert ledger.ranges == [(start, start + 2)]
    assert "def settle_invoice(invoice):" in result.rendered
    assert "def ledger_helper_3(" not in result.rendered
    # The big co-changed file shares nothing with the seed: signatures only.
    archive = item(b, "core/archive.py")
    assert archive.granularity == "skeleton"
    assert "def archive_step_0(value):" in result.rendered
    assert "# step 5 of the archive_step pass" not in result.rendered
    assert {i.tier for i in b.items} <= {"core", "related", "peripheral"}
    assert b.items[0].tier == "core"
    scores = [i.score for i in b.items[1:]]
    assert scores == sorted(scores, reverse=True)


def test_tiers_follow_the_score(repo: Path) -> None:
    b = make(repo, seeds=["core/billing.py"], task="paint colors", budget=0).bundle
    tiers = {i.path: i.tier for i in b.items}
    top = max(i.score for i in b.items[1:])
    for i in b.items[1:]:
        expected = ("core" if i.score >= 0.6 * top else
                    "related" if i.score >= 0.3 * top else "peripheral")
        assert i.tier == expected, (i.path, i.score, top)
    assert len(set(tiers.values())) >= 2, tiers


def test_budget_zero_ranks_only(repo: Path) -> None:
    result = make(repo, seeds=["core/billing.py"], task="settle the invoice", budget=0)
    b = result.bundle
    assert b.budget == 0
    # The rendering is the ranking itself, in the format asked for (no file's content)
    assert "## Ranked files" in result.rendered and "core/ledger.py" in result.rendered
    assert "def " not in result.rendered, result.rendered
    assert all(i.granularity == "file" for i in b.items)
    ledger = item(b, "core/ledger.py")
    with Index(repo) as index:
        info = index.files()["core/ledger.py"]
    # Whole files, however big: nothing is packed.
    assert ledger.ranges == [(1, info.lines)] and ledger.tokens == info.tokens > 10_000
    assert b.total_tokens == sum(i.tokens for i in b.items) > 16_000


@pytest.mark.parametrize("budget", [0, 16_000])
def test_limit_caps_the_items(repo: Path, budget: int) -> None:
    unlimited = make(repo, seeds=["core/billing.py"], task="settle", budget=budget).bundle
    assert len(unlimited.items) > 2
    limited = make(repo, seeds=["core/billing.py"], task="settle", budget=budget,
                   limit=2).bundle
    assert [i.path for i in limited.items] == [i.path for i in unlimited.items[:2]]


def test_pins_and_exclude_globs(repo: Path) -> None:
    b = make(repo, seeds=["core/billing.py"], pins=["misc/colors.py"],
             exclude=["core/archive.py"], budget=16_000).bundle
    assert item(b, "misc/colors.py").reasons == ["pinned"]
    assert "core/archive.py" not in [i.path for i in b.items]
    assert {"path": "core/archive.py", "reason": "matches an exclude glob"} in [
        e.model_dump() for e in b.excluded]


def test_a_pin_that_does_not_exist_is_an_error(repo: Path) -> None:
    with pytest.raises(BundleError, match="no-such-file.py"):
        make(repo, seeds=["core/billing.py"], pins=["core/no-such-file.py"], budget=1000)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.integers(min_value=300, max_value=12_000), seeded=st.booleans())
def test_markdown_and_xml_hold_the_same_items(repo: Path, budget: int, seeded: bool) -> None:
    request: dict[str, object] = {"task": "settle the invoice amount", "budget": budget}
    if seeded:
        request["seeds"] = ["core/billing.py"]
    chosen = {}
    for fmt in ("markdown", "xml", "json"):
        result = make(repo, **request, format=fmt)
        if fmt != "json":
            check_document(result, budget, fmt)
        chosen[fmt] = [(i.path, i.granularity, i.ranges) for i in result.bundle.items]
    assert chosen["markdown"] == chosen["xml"] == chosen["json"]


def _shell_class(name: str, lines: int) -> str:
    body = "".join(f"        out.append(item.value + '{name}-{i}')\n" for i in range(lines))
    return (f"class {name}Complete(ShellComplete):\n    name = '{name.lower()}'\n\n"
            f"    def format_completion(self, item):\n        out = []\n{body}"
            "        return ''.join(out)\n\n\n")


def test_the_definition_a_rare_task_word_names_is_chosen(tmp_path: Path) -> None:
    """Of three ``format_completion`` methods, the task "zsh completion breaks on colons" picks
    ``ZshComplete``'s: a task word held by the names of few definitions (its class's name too)
    weighs more than one every method holds (only the method's own name was read, and the first
    two by line won)."""
    module = ("class ShellComplete:\n    def format_completion(self, item):\n"
              "        raise NotImplementedError\n\n\n"
              + _shell_class("Bash", 40) + _shell_class("Fish", 40) + _shell_class("Zsh", 40)
              + _helpers("completion_helper", 30, 10))
    cli = ("from shells import ShellComplete\n\n\ndef complete(item):\n"
           "    return ShellComplete().format_completion(item)\n")
    root, s = _built(tmp_path, {"shells.py": module, "cli.py": cli})
    with Index(root, s) as ix:
        r = make_bundle(ix, BundleRequest(task="zsh completion breaks on colons", budget=1500))
    item = next(i for i in r.bundle.items if i.path == "shells.py")
    assert item.granularity == "symbols", item
    assert "ZshComplete.format_completion" in item.symbols, item.symbols


def test_a_larger_budget_never_holds_fewer_of_the_best_ranked_files(tmp_path: Path) -> None:
    """#14, defect 4 ("more budget can give a worse bundle"): the first files of the ranking
    each took a share of what was left, so at a larger budget they grew (into whole files, or
    more of their definitions) and files ranked after them fell out (click, "zsh completion
    breaks on colons": 9 files at 12k, 7 at 16k). Room is now held for the next files' least
    showing: a file in the bundle at one budget is in it at every larger one, and the first ten
    are all in once their least showings fit."""
    files = {}
    for n in range(3):  # large, and every definition named by the task
        files[f"ledger/core{n}.py"] = _helpers(f"reconcile_ledger_entries_{n}", 30, 8)
    # small enough to go in whole (under 1,200 tokens) once the room allows
    files["ledger/small.py"] = (
        "def reconcile_ledger_small(entries):\n    return entries\n\n\n"
        + _helpers("small_step", 4, 14))
    for n in range(10):  # a definition the task names, and much else
        files[f"ledger/part{n}.py"] = (
            f"def reconcile_part_{n}(entries):\n" + "    entries = [e for e in entries if e]\n" * 12
            + "    return entries\n\n\n" + _helpers(f"archive_step_{n}", 12, 10))
    root = make_repo(tmp_path / "r", files)
    s = Settings()
    build(root, s)
    held: dict[int, list[str]] = {}
    task = "reconcile the ledger entries"
    with Index(root, s) as ix:
        for budget in range(2_000, 33_000, 1_000):
            r = make_bundle(ix, BundleRequest(task=task, budget=budget))
            held[budget] = [i.path for i in r.bundle.items]
        ranked = [c.path for c in make_bundle(ix, BundleRequest(
            task=task, budget=0, limit=50)).bundle.items]
    budgets = sorted(held)
    for small, large in zip(budgets, budgets[1:], strict=False):
        lost = set(held[small]) - set(held[large])
        assert not lost, (small, large, lost, held)
    assert set(ranked[:10]) <= set(held[8_000]), (ranked[:10], held[8_000])


def test_a_file_with_no_part_to_show_goes_in_whole_when_the_budget_has_room_else_in_part(
        tmp_path: Path) -> None:
    """A manifest of 1,536 tokens with no definitions, not central, was left out "for size" at
    every budget, 64,000 too (helper-72: click's pyproject.toml): it had no part to show, and
    only small or central files went in whole. It goes in whole when it takes at most a tenth
    of what is left; at a small budget, in part."""
    deps = "".join(f'    "lib-number-{i}>=1.{i}",  # pinned for the build\n'
                   for i in range(150))
    manifest = f'[project]\nname = "shop"\ndependencies = [\n{deps}]\n'
    root = make_repo(tmp_path / "r", {
        "pyproject.toml": manifest,
        "shop/packaging.py": "".join(
            f"def resolve_package_name_{i}(dist):\n    return dist.package_name\n\n\n"
            for i in range(8)),
        "shop/resolver.py": "from shop.packaging import resolve_package_name_0\n\n\n"
                            "def resolve(dist):\n    return resolve_package_name_0(dist)\n",
        "shop/cart.py": "def total(lines):\n    return sum(lines)\n",
    })
    s = Settings()
    build(root, s)
    task = "fix package name resolution in the resolver dependencies"
    with Index(root, s) as ix:
        assert ix.files()["pyproject.toml"].tokens > 1_200
        big = make_bundle(ix, BundleRequest(task=task, budget=32_000))
        small = make_bundle(ix, BundleRequest(task=task, budget=3_000))
        # The best file of a task, with no part to show: whole when it fits (helper-73: click's
        # pyproject.toml, ranked first, was left out at 2,000-4,000 for 19 lower files). Here
        # 2,712 tokens: more than a central file's share of 4,000.
        first = make_bundle(ix, BundleRequest(
            task="bump the lib-number pins of the pyproject build", budget=4_000))
    assert first.bundle.items[0].path == "pyproject.toml", first.bundle.items
    assert first.bundle.items[0].granularity == "file"
    whole = [i for i in big.bundle.items if i.path == "pyproject.toml"]
    assert whole and whole[0].granularity == "file", [(i.path, i.granularity)
                                                      for i in big.bundle.items]
    # At 3,000 it does not go in whole: its lines holding the task's words do, within a tenth
    # of the room (click's CHANGES.rst, ranked third, was left out at every budget up to 60,000
    # while 21 files ranked after it went in).
    part = [i for i in small.bundle.items if i.path == "pyproject.toml"]
    assert part and part[0].granularity == "excerpt", [(i.path, i.granularity)
                                                       for i in small.bundle.items]
    assert part[0].tokens <= 0.1 * 3_000, part[0]
    shown = {n for a, b in part[0].ranges for n in range(a, b + 1)}
    assert 3 in shown and len(shown) < 40, part[0].ranges  # "dependencies = [" and few more


def test_the_best_file_too_large_for_any_showing_is_outlined_not_left_out(tmp_path: Path) -> None:
    """The best file's least showing (its most relevant definition, a 300-line method; its
    skeleton, 80 signatures) fits no small budget: it was left out, and the bundle began with
    files ranked after it (click's core.py at 600 tokens). Its outline goes in instead: the
    relevant method's signature after its class's, then top-level signatures, within the room."""
    body = "".join(f"        total = total + entry.amount * {j}  # reconcile line {j}\n"
                   for j in range(300))
    ledger = ("class Ledger:\n    def settle_invoice(self, entries):\n        total = 0\n"
              + body + "        return total\n\n\n" + _helpers("ledger_helper", 80, 3))
    caller = ("from ledger import Ledger\n\n\ndef nightly(entries):\n"
              "    return Ledger().settle_invoice(entries)\n")
    root, s = _built(tmp_path, {"ledger.py": ledger, "jobs.py": caller})
    with Index(root, s) as ix:
        ranked = make_bundle(ix, BundleRequest(task="settle invoice ledger", budget=0, limit=5))
        assert ranked.bundle.items[0].path == "ledger.py"
        result = make_bundle(ix, BundleRequest(task="settle invoice ledger", budget=300))
    check_document(result, 300, "markdown")
    first = item(result.bundle, "ledger.py")
    assert first.granularity == "skeleton"
    assert first.symbols[:2] == ["Ledger", "Ledger.settle_invoice"], first.symbols
    assert "def settle_invoice(self, entries):" in result.rendered
    assert "reconcile line" not in result.rendered  # signatures, not the body
    assert "ledger_helper_0" in first.symbols  # then top-level ones, as room allows
    assert first.tokens < 300


def test_an_outline_measured_over_its_room_is_tried_again_smaller(tmp_path: Path) -> None:
    """Signatures far denser than the file's average line (long parameter lists over bodies of
    ``x = 1``) are estimated far under what they measure: a retry lowered by the excess alone
    kept every signature and failed three times, and the best file was left out at one budget
    while outlined at its neighbours (helper-80: click's ``_termui_impl.py`` at 900, not 850 or
    950). Retried in proportion, it is in at every budget of the sweep."""
    params = ", ".join(f"reconcile_parameter_{k}: Mapping[str, Sequence[int]]" for k in range(6))
    ledger = "".join(f"def reconcile_ledger_step_{i}({params}):\n" + "    x = 1\n" * 60
                     for i in range(60))
    caller = ("from ledger import reconcile_ledger_step_0\n\n\ndef nightly():\n"
              "    return reconcile_ledger_step_0()\n")
    root, s = _built(tmp_path, {"ledger.py": ledger, "jobs.py": caller})
    missing = []
    with Index(root, s) as ix:
        for budget in range(200, 1_000, 25):
            result = make_bundle(ix, BundleRequest(task="reconcile ledger step", budget=budget))
            check_document(result, budget, "markdown")
            if "ledger.py" not in [i.path for i in result.bundle.items]:
                missing.append(budget)
    assert not missing, missing


def test_a_focused_seed_too_small_for_its_definitions_shows_their_signatures_first(
        tmp_path: Path) -> None:
    """A large seed at a small budget showed the signatures of its first lines (click's
    ``core.py`` as a seed at 150 tokens, for "Command parse_args error...": ``V =
    t.TypeVar("V")``), none of what the task names. The relevant definitions' signatures come
    first, after their classes'."""
    body = "".join(f"        total = total + entry.amount * {j}  # reconcile line {j}\n"
                   for j in range(300))
    ledger = (_helpers("unrelated_helper", 40, 3)
              + "class Ledger:\n    def settle_invoice(self, entries):\n        total = 0\n"
              + body + "        return total\n")
    root, s = _built(tmp_path, {"ledger.py": ledger, "jobs.py": "def nightly():\n    pass\n"})
    with Index(root, s) as ix:
        result = make_bundle(ix, BundleRequest(seeds=["ledger.py"], task="settle invoice",
                                               budget=200))
    check_document(result, 200, "markdown")
    seed = item(result.bundle, "ledger.py")
    assert seed.granularity == "focused"
    assert "class Ledger:" in result.rendered
    assert "def settle_invoice(self, entries):" in result.rendered
    assert "reconcile line" not in result.rendered


# A changelog of ~7k tokens, newest first; one old entry holds the task's rare words (and a
# token pasted by mistake, on that very line).
GH_TOKEN = "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"
CHANGELOG = "# Changes\n\n" + "".join(
    f"## Version 3.{v}.0\n\nReleased 2024-01-{v % 28 + 1:02d}\n\n"
    + "".join(f"- Fixed the widget layout of table view {v}-{k} when the window shrinks.\n"
              for k in range(6))
    + (f"- The frobnicate flag is deprecated; use twiddle (tested with {GH_TOKEN}).\n"
       if v == 30 else "")
    + "\n" for v in range(60, 0, -1))


def _changelog_repo(tmp_path: Path) -> tuple[Path, Settings]:
    return _built(tmp_path, {
        "CHANGES.md": CHANGELOG,
        "app/widgets.py": "".join(f"def layout_widget_{i}(table, window):\n    return table\n\n\n"
                                  for i in range(6)),
        "app/options.py": "def parse_options(argv):\n    return [a for a in argv if a]\n",
    })


def test_the_best_file_with_no_part_to_show_is_excerpted_not_left_out(tmp_path: Path) -> None:
    """#14: the best file of a task with no definitions (click's 18k-token CHANGES.md, a
    manifest, a workflow) was left out when it did not fit whole, and the bundle began with
    files ranked after it. Its excerpt goes in instead: its first lines and the line holding
    the task's words, with a line around it and the heading above it (its version), the token on
    it masked as everywhere else."""
    root, s = _changelog_repo(tmp_path)
    task = "fix the frobnicate flag deprecation note in CHANGES.md"
    with Index(root, s) as ix:
        ranked = make_bundle(ix, BundleRequest(task=task, budget=0, limit=3))
        assert ranked.bundle.items[0].path == "CHANGES.md"
        assert ranked.bundle.items[0].tokens > 5_000
        result = make_bundle(ix, BundleRequest(task=task, budget=300))
    check_document(result, 300, "markdown")
    first = result.bundle.items[0]
    assert (first.path, first.granularity) == ("CHANGES.md", "excerpt"), result.bundle.items
    line = CHANGELOG[:CHANGELOG.index("frobnicate")].count("\n") + 1
    assert first.ranges[0] == (1, 3)  # its first lines, for orientation
    assert any(a < line < b for a, b in first.ranges), first.ranges  # with a line around it
    assert "\n## Version 3.30.0\n⋮\n" in result.rendered  # and the heading above it
    label = ranges_label(first.ranges)
    assert f"## CHANGES.md (excerpt: lines {label})" in result.rendered
    assert "- The frobnicate flag is deprecated; use twiddle (tested with " \
           "[redacted: GitHub Token])." in result.rendered
    assert GH_TOKEN not in result.rendered
    assert [(r.path, r.lines) for r in result.bundle.redacted] == [("CHANGES.md", [line])]
    assert "Fixed the widget layout of table view 1-" not in result.rendered  # not the rest


def test_a_changelog_no_line_of_which_holds_the_task_words_shows_its_top(tmp_path: Path) -> None:
    """No line of the best file holds the task's words (it ranked by its path): its top goes in,
    a changelog's newest entries, as far as the room allows."""
    root, s = _changelog_repo(tmp_path)
    task = "update CHANGES.md for the release"
    with Index(root, s) as ix:
        assert make_bundle(ix, BundleRequest(task=task, budget=0, limit=3)
                           ).bundle.items[0].path == "CHANGES.md"
        result = make_bundle(ix, BundleRequest(task=task, budget=300))
    check_document(result, 300, "markdown")
    first = result.bundle.items[0]
    assert (first.path, first.granularity) == ("CHANGES.md", "excerpt"), result.bundle.items
    assert len(first.ranges) == 1 and first.ranges[0][0] == 1 and first.ranges[0][1] > 8
    assert "## Version 3.60.0\n\nReleased" in result.rendered


def test_the_best_manifest_too_large_to_show_whole_is_excerpted(tmp_path: Path) -> None:
    """A manifest ranked first for "bump the <dependency> pin" (gin's go.mod at 150-500 tokens)
    was left out: its excerpt holds its first lines and the dependency's line."""
    names = ["".join("abcdefghij"[int(d)] for d in f"{i:03d}") for i in range(150)]
    deps = "".join(f'    "lib{n}-client>=1.{i}",  # pinned for the build\n'
                   for i, n in enumerate(names))
    manifest = f'[project]\nname = "shop"\nversion = "1.0"\ndependencies = [\n{deps}]\n'
    root, s = _built(tmp_path, {
        "pyproject.toml": manifest,
        "shop/cart.py": "def total(lines):\n    return sum(lines)\n",
        "shop/net.py": "def connect(url):\n    return url\n",
    })
    task = f"bump lib{names[77]} in the pyproject"
    with Index(root, s) as ix:
        assert make_bundle(ix, BundleRequest(task=task, budget=0, limit=3)
                           ).bundle.items[0].path == "pyproject.toml"
        result = make_bundle(ix, BundleRequest(task=task, budget=300))
    check_document(result, 300, "markdown")
    first = item(result.bundle, "pyproject.toml")
    assert first.granularity == "excerpt"
    assert f'"lib{names[77]}-client>=1.77",' in result.rendered
    assert "[project]\n" in result.rendered
    assert f'"lib{names[76]}-client' in result.rendered  # a line around it
    assert f"lib{names[10]}-client" not in result.rendered


def test_an_excerpt_is_the_same_in_every_format_and_verified_by_its_lines(tmp_path: Path) -> None:
    """``ctxsteward bundle`` in JSON (valid against the published schema), Markdown and XML
    holds the same excerpt; saved, it verifies unchanged, and moved once an entry is added above
    the lines it showed of the file."""
    root, _ = _changelog_repo(tmp_path)
    args = ["bundle", "--task", "fix the frobnicate flag deprecation note in CHANGES.md",
            "--budget", "300"]
    out = {}
    for fmt in ("json", "markdown", "xml"):
        proc = run_cli(*args, "--format", fmt, cwd=root)
        assert proc.returncode == 0, proc.stderr
        out[fmt] = proc.stdout
    schema = run_cli("schema", "bundle", cwd=root)
    data = json.loads(out["json"])
    jsonschema.Draft202012Validator(json.loads(schema.stdout)).validate(data)
    first = data["items"][0]
    assert (first["path"], first["granularity"]) == ("CHANGES.md", "excerpt")
    label = ranges_label(first["ranges"])
    docs = ET.fromstring(out["xml"]).findall("document")
    assert [(d.get("path"), d.get("granularity")) for d in docs] == [
        (i["path"], i["granularity"]) for i in data["items"]]
    assert docs[0].get("lines") == label
    at = [out["markdown"].find(f"\n## {i['path']} (") for i in data["items"]]
    assert -1 not in at and at == sorted(at), at
    assert f"## CHANGES.md (excerpt: lines {label})" in out["markdown"]
    saved = run_cli(*args, "--save", "changes", cwd=root)
    assert saved.returncode == 0, saved.stderr
    verified = run_cli("bundle", "--verify", "changes", "--format", "json", cwd=root)
    assert json.loads(verified.stdout)["unchanged"] == len(data["items"]), verified.stdout
    top = CHANGELOG.index("- Fixed")  # an entry added to the newest version, above the rest
    write_files(root, {"CHANGES.md": CHANGELOG[:top] + "- Fixed a new bug.\n" + CHANGELOG[top:]})
    verified = run_cli("bundle", "--verify", "changes", "--format", "json", cwd=root)
    status = {i["path"]: i["status"] for i in json.loads(verified.stdout)["items"]}
    assert status["CHANGES.md"] == "moved", verified.stdout


def test_a_long_matching_line_does_not_hide_the_other_matching_lines(tmp_path: Path) -> None:
    """A ~1,900-character line holding all the task's rare words ranks first but does not fit a
    300-token budget: it used to end the excerpt, which then showed the file's first 3 lines
    only. It is passed by, and the short line holding some of the words goes in."""
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split()
    long_lines = [" ".join(words[(i * 7 + k) % 10] for k in range(300)) for i in range(400)]
    long_lines[203] += " zorblax quux frotz"
    lines = ["# Notes", "", "Intro line.", *long_lines]
    lines.insert(150, "short: zorblax quux mentioned here.")
    root, s = _built(tmp_path, {"NOTES.txt": "\n".join(lines) + "\n",
                                "a.py": "def f():\n    return 1\n"})
    with Index(root, s) as ix:
        result = make_bundle(ix, BundleRequest(task="NOTES.txt zorblax quux frotz", budget=300))
    check_document(result, 300, "markdown")
    first = result.bundle.items[0]
    assert (first.path, first.granularity) == ("NOTES.txt", "excerpt"), result.bundle.items
    assert (151, 151) in first.ranges, first.ranges
    assert "\nshort: zorblax quux mentioned here.\n" in result.rendered


def test_an_excerpt_of_lines_dense_in_tokens_keeps_the_best_file_in(tmp_path: Path) -> None:
    """Lines of CJK and emoji hold many more tokens per character than the changelog's
    average: the excerpt estimated by that average overshot, its retry shrank below its first
    lines and the best file dropped out at budgets of 110-130 while 100 and 150 showed it. The
    lines are counted: it is in at every budget."""
    rnd = random.Random(4)
    pool = "".join(chr(0x4E00 + i) for i in range(2000)) + "".join(
        chr(0x1F600 + i) for i in range(80))
    ch = ["# Changes", ""]
    for v in range(300, 0, -1):
        ch += [f"## Version 1.{v}.0", ""]
        ch += [f"- Fixed the widget layout of table view {v}-{k} when the window shrinks."
               for k in range(6)]
        if v % 25 == 0:
            ch.append("- frobnicate " + "".join(rnd.choice(pool) for _ in range(120)))
        ch.append("")
    root, s = _built(tmp_path, {"CHANGES.md": "\n".join(ch) + "\n",
                                "app/x.py": "def f():\n    return 1\n"})
    with Index(root, s) as ix:
        for budget in (100, 110, 120, 130, 150):
            result = make_bundle(ix, BundleRequest(task="CHANGES.md frobnicate", budget=budget))
            check_document(result, budget, "markdown")
            first = result.bundle.items[0] if result.bundle.items else None
            assert first is not None and (first.path, first.granularity) == (
                "CHANGES.md", "excerpt"), (budget, result.bundle.items)


def test_a_seed_with_no_part_to_show_is_excerpted_at_its_line(tmp_path: Path) -> None:
    """A seed (``CHANGES.md:LINE``) too large to go in whole was left out, "no part of it fit",
    though the same file unseeded was excerpted; it is excerpted too, its line first (with a
    line around it and the heading above it), and so is a pinned one."""
    root, s = _changelog_repo(tmp_path)
    line = CHANGELOG[:CHANGELOG.index("- Fixed the widget layout of table view 12-3")].count(
        "\n") + 1
    with Index(root, s) as ix:
        result = make_bundle(ix, BundleRequest(task="fix the note", budget=300,
                                               seeds=[f"CHANGES.md:{line}"]))
        pinned = make_bundle(ix, BundleRequest(task="fix the frobnicate flag", budget=300,
                                               pins=["CHANGES.md"]))
    check_document(result, 300, "markdown")
    first = result.bundle.items[0]
    assert (first.path, first.granularity) == ("CHANGES.md", "excerpt"), result.bundle.items
    assert any(a < line < b for a, b in first.ranges), first.ranges
    assert "## Version 3.12.0\n" in result.rendered
    assert "CHANGES.md" not in [e.path for e in result.bundle.excluded]
    shown = item(pinned.bundle, "CHANGES.md")
    assert shown.granularity == "excerpt"
    assert "- The frobnicate flag is deprecated" in pinned.rendered


def test_a_document_too_large_whole_shows_its_matching_lines_not_only_its_headings(
        tmp_path: Path) -> None:
    """A README.md of ~40k tokens under three headings (its definitions) was shown by its
    headings alone, at every budget (141 tokens of a 16k bundle), never the line the task is
    about: it shows that line, under its heading, and its first lines."""
    names = ["".join("abcdefghij"[int(d)] for d in f"{i:04d}") for i in range(2500)]
    readme = ("# Shop\n\nIntro.\n\n## Modules\n\n" + "".join(
        f"The lib{n} module does thing {i} for the shop and its many friends.\n"
        for i, n in enumerate(names)) + "\n## License\n\nMIT\n")
    root, s = _built(tmp_path, {"README.md": readme,
                                "src/app.py": "def main():\n    return 0\n"})
    task = f"README.md: document lib{names[777]}"
    with Index(root, s) as ix:
        for budget in (300, 4000, 16000):
            result = make_bundle(ix, BundleRequest(task=task, budget=budget))
            check_document(result, budget, "markdown")
            doc = item(result.bundle, "README.md")
            assert doc.granularity == "excerpt", (budget, doc)
            assert f"\nThe lib{names[777]} module does thing 777 " in result.rendered
            assert "# Shop\n" in result.rendered
            assert budget == 300 or "\n## Modules\n" in result.rendered


def test_a_changelog_task_naming_a_version_shows_its_section(tmp_path: Path) -> None:
    """"update CHANGES.md for the 3.30.0 release" matched the generic "update" and "release"
    of a few old entries, not the section of 3.30.0 (a version's digits are no word): that
    section goes in, its heading first; without a version, the newest section (its top), not
    the old entries holding "update" or "release"."""
    ch = "# Changes\n\n" + "".join(
        f"## Version 3.{v}.0\n\n"
        + "".join(f"- Fixed the widget layout of table view {v}-{k} when the window shrinks.\n"
                  for k in range(6))
        + ("- Update the release script to sign the wheels.\n" if v in (5, 9, 14) else "")
        + "\n" for v in range(60, 0, -1))
    root, s = _built(tmp_path, {"CHANGES.md": ch,
                                "app/x.py": "def f():\n    return 1\n"})
    with Index(root, s) as ix:
        named = make_bundle(ix, BundleRequest(task="update CHANGES.md for the 3.30.0 release",
                                              budget=300))
        top = make_bundle(ix, BundleRequest(task="update CHANGES.md for the release",
                                            budget=300))
    for result in (named, top):
        check_document(result, 300, "markdown")
        first = result.bundle.items[0]
        assert (first.path, first.granularity) == ("CHANGES.md", "excerpt"), result.bundle.items
        assert "Update the release script" not in result.rendered
    assert "## Version 3.30.0\n\n- Fixed the widget layout of table view 30-0 " in named.rendered
    assert "table view 30-5 when" in named.rendered
    assert "## Version 3.60.0\n\n- Fixed the widget layout of table view 60-0 " in top.rendered


def test_an_excerpt_with_room_to_spare_shows_the_sections_of_its_lines(tmp_path: Path) -> None:
    """With a budget to spare, a large document's excerpt shows the section of the line
    holding the task's words (its heading to the next), not only a line around it."""
    names = ["".join("abcdefghij"[int(d)] for d in f"{i:04d}") for i in range(2500)]
    section = "".join(f"Step {k}: run the tool once more and read its report.\n" for k in range(8))
    section = section.replace("Step 4: run", "Step 4: zorblax the cache, then run")
    readme = ("# Shop\n\nIntro.\n\n## Modules\n\n" + "".join(
        f"The lib{n} module does thing {i} for the shop and its many friends.\n"
        for i, n in enumerate(names)) + "\n## Upkeep\n\n" + section + "\n## License\n\nMIT\n")
    root, s = _built(tmp_path, {"README.md": readme,
                                "src/app.py": "def main():\n    return 0\n"})
    with Index(root, s) as ix:
        result = make_bundle(ix, BundleRequest(task="README.md: zorblax", budget=4000))
    check_document(result, 4000, "markdown")
    doc = item(result.bundle, "README.md")
    assert doc.granularity == "excerpt", doc
    assert "\n## Upkeep\n\n" + section in result.rendered


def test_an_excerpt_of_a_file_that_is_one_anonymous_function_shows_its_opening_line(
        tmp_path: Path) -> None:
    """A JavaScript file whose only content is an IIFE from line 1 (no definitions): at a small
    budget its excerpt (the line holding the task's words, a line around it) lost the line
    opening the function. A line of the function is shown only with that line."""
    steps = [f"  var step{i} = compute(step{max(0, i - 1)}, {i}); // plain step {i} of the "
             "loader\n" for i in range(60)]
    loader = ("(function (global) {\n  'use strict';\n" + "".join(steps[:30])
              + "  var throttleWindow = global.requestThrottle || 250; // the throttle window\n"
              + "".join(steps[30:]) + "})(this);\n")
    root, s = _built(tmp_path, {"src/loader.js": loader, "README.md": "# Loader\n\nLoads.\n"})
    task = "the request throttle window is ignored"
    line = loader[:loader.index("throttleWindow")].count("\n") + 1
    seen = 0
    with Index(root, s) as ix:
        for budget in range(200, 310, 10):
            result = make_bundle(ix, BundleRequest(task=task, budget=budget))
            check_document(result, budget, "markdown")
            shown = [i for i in result.bundle.items if i.path == "src/loader.js"]
            if not shown:
                continue
            ranges = shown[0].ranges
            assert shown[0].granularity == "excerpt" and any(a <= line <= b for a, b in ranges)
            assert ranges[0][0] == 1, (budget, ranges)
            assert "(function (global) {" in result.rendered
            seen += 1
    assert seen >= 8


_NAMED_LINES = re.compile(r"^lines (\d+)–(\d+)( \((?:not|partly) shown\))? hold ")


def _reason_lines_shown(it: BundleItem) -> None:
    """Each reason of ``it`` naming its lines names lines it shows, or says they are not all
    shown."""
    for why in it.reasons:
        m = _NAMED_LINES.match(why)
        if m and not m.group(3):
            a, b = int(m.group(1)), int(m.group(2))
            assert all(any(x <= ln <= y for x, y in it.ranges) for ln in range(a, b + 1)), (
                it.path, it.granularity, it.ranges, why)


def test_a_reason_names_only_lines_the_bundle_shows_or_says_they_are_not_shown(
        tmp_path: Path) -> None:
    """The task's words only in a comment of a file with no definitions (a shell script): the
    ranker's reason names that comment's line, but the excerpt showed the file's top (the index
    matches no word of it there). The excerpt shows the line the reason names; a showing that
    leaves such lines out (a Python file's skeleton of its constants) says they are not shown."""
    steps = [f"echo step {i} of the build; ./compute.sh --step {i} --out build/{i}.log\n"
             for i in range(120)]
    comment = "# the retry backoff jitter is capped here\n"
    script = "#!/bin/sh\n" + "".join(steps[:70]) + comment + "".join(steps[70:])
    consts = "".join(f"step_{i} = compute(step_{max(0, i - 1)}, {i})\n" for i in range(120))
    script_root, s = _built(tmp_path / "sh", {
        "tools/run_steps.sh": script, "src/app.py": "def main():\n    return 1\n"})
    consts_root, _ = _built(tmp_path / "py", {
        "tools/run_consts.py": "import os\n" + consts[:2000] + comment + consts[2000:],
        "src/app.py": "def main():\n    return 1\n"})
    line = script[:script.index(comment)].count("\n") + 1
    task = "retry backoff jitter is not capped"
    marked = 0
    for budget in (300, 500, 800, 2000):
        with Index(script_root, s) as ix:
            result = make_bundle(ix, BundleRequest(task=task, budget=budget))
        sh = item(result.bundle, "tools/run_steps.sh")
        assert any(why.startswith(f"lines {line}–{line} hold ") for why in sh.reasons)
        assert any(a <= line <= b for a, b in sh.ranges), (budget, sh.ranges)
        with Index(consts_root, s) as ix:
            items = [*result.bundle.items,
                     *make_bundle(ix, BundleRequest(task=task, budget=budget)).bundle.items]
        for it in items:
            _reason_lines_shown(it)
            marked += any("(not shown)" in why for why in it.reasons)
    assert marked  # the Python file's skeleton leaves its comment out, and says so
