"""A large seed is focused: the definitions that matter to the task (and the symbol in focus) in
full, signatures of the rest, within half the room, so the files ranked for it still get in.

Issue #14, defect 4: a 15k-token seed used to fill a 16k bundle whole, leaving room for nothing
else, and more budget could give a worse bundle. Everything here runs on a real git repository
built in the test, through ``make_bundle`` and the real CLI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from gitutil import make_repo, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bundle_pack import _helpers  # the same generated functions

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import (
    BundleResult,
    make_bundle,
    save_bundle,
    verify_bundle,
)
from analyzers.bundles.pack import SEED_SHARE
from analyzers.config import Settings
from analyzers.indexing.index import Index, build
from analyzers.results import BundleItem
from analyzers.tokens import Counter

COUNTER = Counter(Settings().encoding, Settings().model_profile())
SEED = "shop/orders.py"
TASK = "apply the discount code to the order total"


APPLY_DISCOUNT = (
    "def apply_discount(order, code):\n"
    '    """The order with the discount code applied to its total."""\n'
    "    rate = discount_rate(code)\n"
    "    order.total = round(order.total * (1 - rate), 2)  # the discount, applied\n"
    "    return order\n"
)
# orders.py: ~15k tokens, mostly rules the task never names.
ORDERS = (
    "from shop.discounts import discount_rate\n"
    "from shop.tax import tax_for\n\n\n"
    + _helpers("order_rule", 54, 12)
    + APPLY_DISCOUNT + "\n\n"
    "def compute_total(order):\n"
    "    subtotal = sum(line.price for line in order.lines)\n"
    "    return subtotal + tax_for(subtotal)  # the total, taxed\n\n\n"
    "class OrderBook:\n"
    "    def __init__(self):\n        self.orders = []\n\n"
    "    def reconcile(self, ledger):\n"
    "        missing = [o for o in self.orders if o not in ledger]  # reconcile: the missing\n"
    "        return missing\n"
)
# Files ranked for the seed, each ~1,000 tokens: they go in only if the seed leaves them room.
RELATED = {
    "shop/discounts.py": "def discount_rate(code):\n    return 0.1 if code else 0.0\n\n\n"
                         + _helpers("discount_rule", 5, 11),
    "shop/tax.py": "def tax_for(amount):\n    return amount * 0.2\n\n\n"
                   + _helpers("tax_rule", 5, 11),
    "shop/checkout.py": "from shop.orders import apply_discount, compute_total\n\n\n"
                        "def checkout(order, code):\n"
                        "    return compute_total(apply_discount(order, code))\n\n\n"
                        + _helpers("checkout_rule", 5, 11),
    "shop/receipts.py": "from shop.orders import compute_total\n\n\n"
                        "def receipt(order):\n    return f'total {compute_total(order)}'\n\n\n"
                        + _helpers("receipt_rule", 5, 11),
    "shop/refunds.py": "from shop.orders import apply_discount\n\n\n"
                       "def refund(order, code):\n    return apply_discount(order, code)\n\n\n"
                       + _helpers("refund_rule", 5, 11),
    "tests/test_orders.py": "from shop.orders import apply_discount\n\n\n"
                            "def test_apply_discount():\n"
                            "    assert apply_discount\n\n\n" + _helpers("test_rule", 5, 11),
}


def _history() -> list[tuple[str, dict[str, str | None]]]:
    commits: list[tuple[str, dict[str, str | None]]] = [
        ("shop", {"shop/__init__.py": "", SEED: ORDERS, **RELATED,
                  "misc/colors.py": "def paint(x):\n    return x\n"}),
    ]
    for n in range(3):  # the seed changes with its neighbours
        commits.append((f"discounts {n}", {
            SEED: ORDERS + f"# v{n}\n",
            **{p: text + f"# v{n}\n" for p, text in RELATED.items()}}))
    return commits


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("focus") / "repo"
    make_repo(root, None, commits=_history())
    build(root)
    return root


def make(root: Path, **request: object) -> BundleResult:
    with Index(root) as index:
        return make_bundle(index, BundleRequest(**request))  # type: ignore[arg-type]


def seed_item(result: BundleResult) -> BundleItem:
    first = result.bundle.items[0]
    assert first.path == SEED, [i.path for i in result.bundle.items]
    return first


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_seed_is_whole_file_tokens_and_too_large_for_half_the_default_budget(
        repo: Path) -> None:
    """The premise: the seed alone would take almost all of a 16k bundle."""
    with Index(repo) as index:
        tokens = index.files()[SEED].tokens
    assert 14_000 < tokens < 16_000
    assert all(1_000 <= COUNTER.count(text) <= 1_500 for text in RELATED.values())


def test_a_large_seed_is_focused_and_the_related_files_get_in(repo: Path) -> None:
    result = make(repo, seeds=[SEED], task=TASK, budget=16_000)
    seed = seed_item(result)
    assert seed.granularity == "focused"
    assert seed.tokens <= SEED_SHARE * 16_000
    # The definition the task names, in full, with its real lines.
    start = line_of(ORDERS, "def apply_discount(order, code):")
    assert "apply_discount" in seed.symbols
    assert any(a <= start and start + 4 <= b for a, b in seed.full_ranges)
    assert "# the discount, applied" in result.rendered
    # The rest as signatures: every rule's signature, not every rule's body.
    rendered = result.rendered
    assert all(f"def order_rule_{i}(value):" in rendered for i in range(54))
    hidden = [i for i in range(54)
              if f"value = value + 5 * {i}  # step 5 of the order_rule pass\n" not in rendered]
    assert len(hidden) > 20
    # Every full range lies inside the item's ranges (what verify hashes).
    for a, b in seed.full_ranges:
        assert any(x <= a and b <= y for x, y in seed.ranges)
    others = {i.path for i in result.bundle.items[1:]}
    assert len(others & set(RELATED)) >= 4, others


def test_a_seed_within_its_share_goes_in_whole(repo: Path) -> None:
    """At a budget the seed takes less than half of: whole, as before."""
    result = make(repo, seeds=[SEED], task=TASK, budget=40_000)
    seed = seed_item(result)
    assert seed.granularity == "file"
    assert set(RELATED) <= {i.path for i in result.bundle.items}


@pytest.mark.parametrize("spec", [f"{SEED}::OrderBook.reconcile", "line"])
def test_the_symbol_in_focus_is_shown_in_full(repo: Path, spec: str) -> None:
    if spec == "line":  # PATH:LINE inside reconcile
        spec = f"{SEED}:{line_of(ORDERS, 'reconcile: the missing')}"
    result = make(repo, seeds=[spec], task="paint colors", budget=16_000)
    seed = seed_item(result)
    assert seed.granularity == "focused"
    assert "OrderBook.reconcile" in seed.symbols or "OrderBook" in seed.symbols
    assert "# reconcile: the missing" in result.rendered
    assert seed.tokens <= SEED_SHARE * 16_000


def test_every_format_says_how_the_seed_is_shown_and_holds_the_same_items(repo: Path) -> None:
    chosen = {}
    results = {}
    for fmt in ("markdown", "xml", "json"):
        result = make(repo, seeds=[SEED], task=TASK, budget=16_000, format=fmt)
        results[fmt] = result
        chosen[fmt] = [(i.path, i.granularity, i.ranges, i.full_ranges)
                       for i in result.bundle.items]
    assert chosen["markdown"] == chosen["xml"] == chosen["json"]
    seed = seed_item(results["markdown"])
    full = ",".join(f"{a}-{b}" if a != b else str(a) for a, b in seed.full_ranges)
    heading = next(line for line in results["markdown"].rendered.splitlines()
                   if line.startswith(f"## {SEED} "))
    assert "focused: lines " in heading and "in full, signatures of the rest" in heading
    assert heading.split("focused: lines ")[1].startswith(full.split(",")[0])
    xml = results["xml"].rendered
    assert re.search(rf'path="{SEED}" lines="[0-9-]+" granularity="focused" full="{full}"', xml)
    for fmt in ("markdown", "xml"):
        assert COUNTER.count(results[fmt].rendered) <= 16_000


def test_the_cli_json_reports_the_focused_seed(repo: Path) -> None:
    proc = run_cli("bundle", "--seed", SEED, "--task", TASK, "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["budget"] == 16_000
    seed = data["items"][0]
    assert (seed["path"], seed["granularity"]) == (SEED, "focused")
    assert seed["full_ranges"] and "apply_discount" in seed["symbols"]
    assert len(data["items"]) >= 5
    schema = run_cli("schema", "bundle", cwd=repo)
    assert schema.returncode == 0, schema.stderr
    jsonschema.validate(data, json.loads(schema.stdout))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(low=st.integers(min_value=2_000, max_value=40_000),
       more=st.integers(min_value=1, max_value=20_000))
def test_more_budget_never_gives_fewer_other_files(repo: Path, low: int, more: int) -> None:
    """Monotonicity: at a larger budget the files beside the seed are no fewer, and the seed never
    takes more than its share when it is focused."""
    counts = []
    for budget in (low, low + more):
        result = make(repo, seeds=[SEED], task=TASK, budget=budget)
        seed = seed_item(result)
        if seed.granularity == "focused":
            assert seed.tokens <= SEED_SHARE * budget
        counts.append(len(result.bundle.items) - 1)
    assert counts[1] >= counts[0], (low, low + more, counts)


def test_a_saved_focused_seed_verifies(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, None, commits=_history())
    build(root)
    result = make(root, seeds=[SEED], task=TASK, budget=16_000)
    seed = seed_item(result)
    assert seed.granularity == "focused"
    with Index(root) as index:
        save_bundle(index, "focused", result)

    def status() -> tuple[str, list[tuple[int, int]]]:
        with Index(root) as index:
            item = next(i for i in verify_bundle(index, "focused").items if i.path == SEED)
        return item.status, item.ranges_now

    assert status()[0] == "unchanged"
    text = (root / SEED).read_text()
    (root / SEED).write_text("# a header comment\n# and another\n" + text)
    moved, now = status()
    assert moved == "moved"
    assert now == [(a + 2, b + 2) for a, b in seed.ranges]
    # A line the agent saw in full changes: changed.
    edited = (root / SEED).read_text().replace("# the discount, applied", "# no discount")
    (root / SEED).write_text(edited)
    assert status()[0] == "changed"


# A file of two printers whose methods share a name: the simple one's is short, the interactive
# one's far larger than a small budget's room for the seed (bat's src/printer.rs).
PRINTERS = (
    "class SimplePrinter:\n"
    "    def print_line(self, line):\n"
    "        out = line.rstrip()  # the simple printer's body\n"
    "        return out\n\n\n"
    + _helpers("layout_rule", 20, 10) +
    "class InteractivePrinter:\n"
    "    def print_line(self, line, number):\n"
    "        \"\"\"One line, decorated: the interactive printer.\"\"\"\n"
    "        text = line  # the interactive printer's first step\n"
    + "".join(f"        text = text + str({i})  # interactive step {i}\n" for i in range(300))
    + "        return text  # the interactive printer's last line\n"
)


@pytest.fixture(scope="module")
def printers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("printers") / "repo"
    make_repo(root, None, commits=[("printers", {
        "printers.py": PRINTERS,
        "output.py": "from printers import InteractivePrinter\n\n\n"
                     "def show(lines):\n    p = InteractivePrinter()\n"
                     "    return [p.print_line(x, n) for n, x in enumerate(lines)]\n"})])
    build(root)
    return root


@pytest.mark.parametrize("budget", [2_000, 4_000])
@pytest.mark.parametrize("spec", ["printers.py::InteractivePrinter.print_line", "line"])
def test_a_focused_symbol_too_large_is_shown_in_part_not_a_namesake(printers: Path, budget: int,
                                                                    spec: str) -> None:
    """bat's ``--seed src/printer.rs::InteractivePrinter.print_line --budget 4000`` showed
    ``SimplePrinter.print_line`` in full and the one asked for by its signature alone."""
    if spec == "line":  # PATH:LINE inside the large method
        spec = f"printers.py:{line_of(PRINTERS, 'interactive step 150')}"
    result = make(printers, seeds=[spec], budget=budget)
    seed = result.bundle.items[0]
    assert seed.path == "printers.py" and seed.granularity == "focused", seed
    assert seed.symbols == ["InteractivePrinter.print_line"], seed.symbols
    rendered = result.rendered
    assert "def print_line(self, line, number):" in rendered
    assert "# the interactive printer's first step" in rendered
    assert "# interactive step 5\n" in rendered  # its body from the top
    assert "# the interactive printer's last line" in rendered
    assert "# the simple printer's body" not in rendered
    assert seed.tokens <= SEED_SHARE * budget + 50


# A seed named with a task: the function whose own lines hold the task's words is shown in full
# before those only linked to the other files by names (chi's tree.go, a new user's hour: the
# seed showed ``routes`` and ``InsertRoute`` in full and ``findRoute``, the one function holding
# ``methodsAllowed``, by its signature).
TREE = (
    "from router.mux import Mux\n\n\n"
    + _helpers("tree_rule", 24, 10)
    + "def insert_route(node, pattern, handler):\n"
    + "".join(f"    node = node.child_{j}(pattern, handler)  # the insert, step {j}\n"
              for j in range(24))
    + "    return node\n\n\n"
    "def routes(node):\n"
    + "".join(f"    node = node.walk_{j}()  # the routes, step {j}\n" for j in range(24))
    + "    return node\n\n\n"
    "def find_route(node, method, path):\n"
    "    for child in node.children:\n"
    "        if child.matches(path):\n"
    "            return child\n"
    "    for m in node.endpoints:\n"
    "        node.methods_allowed.append(m)  # every method the route allows, once\n"
    + "".join(f"    node = node.look_{j}(path)  # the lookup, step {j}\n" for j in range(12))
    + "    return None\n"
)
MUX = ("from router.tree import insert_route, routes\n\n\n"
       "def handle(mux, pattern, handler):\n"
       "    insert_route(mux.tree, pattern, handler)\n    return routes(mux.tree)\n\n\n"
       + _helpers("mux_rule", 4, 8))


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("router") / "repo"
    commits: list[tuple[str, dict[str, str | None]]] = [
        ("router", {"router/__init__.py": "", "router/tree.py": TREE, "router/mux.py": MUX})]
    for n in range(3):
        commits.append((f"routes {n}", {"router/tree.py": TREE + f"# v{n}\n",
                                        "router/mux.py": MUX + f"# v{n}\n"}))
    make_repo(root, None, commits=commits)
    build(root)
    return root


def test_a_seed_shows_the_function_holding_the_task_s_words_before_linked_ones(
        router: Path) -> None:
    result = make(router, seeds=["router/tree.py"], budget=6000,
                  task="405 Allow header has duplicate methods")
    item = next(i for i in result.bundle.items if i.path == "router/tree.py")
    assert item.granularity == "focused", item.granularity
    at = line_of(TREE, "node.methods_allowed.append(m)")
    shown = {ln for a, b in item.ranges for ln in range(a, b + 1)}
    assert at in shown, (item.ranges, item.symbols)
    assert "find_route" in item.symbols, item.symbols


def test_a_seed_s_most_relevant_function_too_large_is_shown_in_part(router: Path) -> None:
    """Too large for the room its relevant definitions get, the function holding the task's
    words is shown by its signature and those lines, not by its signature alone while smaller
    ones fill the room (chi's findRoute at 4,000 tokens: a hostile review)."""
    result = make(router, seeds=["router/tree.py"], budget=2000,
                  task="405 Allow header has duplicate methods")
    item = next(i for i in result.bundle.items if i.path == "router/tree.py")
    shown = {ln for a, b in item.ranges for ln in range(a, b + 1)}
    assert line_of(TREE, "node.methods_allowed.append(m)") in shown, item.ranges
    assert line_of(TREE, "def find_route(") in shown
    body = set(range(line_of(TREE, "def find_route("), len(TREE.splitlines())))
    assert not body <= shown  # in part: not whole
    assert "find_route" in item.symbols, item.symbols


# A function with two ``@overload`` stubs above it, each a long signature (click's ``prompt``).
_PARAMS = "".join(f"    option_{i}: int | None = None,\n" for i in range(14))
OVERLOADED = (
    "import typing as t\n\n\n"
    + _helpers("format_rule", 20, 10)
    + "@t.overload\ndef ask(\n    text: str,\n" + _PARAMS + ") -> str: ...\n\n\n"
    + "@t.overload\ndef ask(\n    text: bytes,\n" + _PARAMS + ") -> bytes: ...\n\n\n"
    + "def ask(\n    text,\n" + _PARAMS + "):\n"
    "    value = read_answer(text)  # the real ask's first step\n"
    + "".join(f"    value = check_{i}(value)  # the real ask's step {i}\n" for i in range(20))
    + "    return value  # the real ask's last line\n"
)


@pytest.mark.parametrize("spec", ["prompts.py::ask", "line"])
def test_a_focused_function_s_overload_stubs_do_not_take_its_body_s_room(
        tmp_path: Path, spec: str) -> None:
    """``--seed src/click/termui.py::prompt --budget 2500`` showed the two ``@overload`` stubs in
    full and left the real function's body out."""
    root = make_repo(tmp_path / "repo", None, commits=[("prompts", {"prompts.py": OVERLOADED})])
    build(root)
    if spec == "line":
        spec = f"prompts.py:{line_of(OVERLOADED, 'the real ask' + chr(39) + 's step 3')}"
    result = make(root, seeds=[spec], budget=2_000)
    rendered = result.rendered
    assert "# the real ask's first step" in rendered
    assert "# the real ask's step 10" in rendered
    assert rendered.count(") -> str: ...") <= 1  # (a stub at most as a signature)


DOCUMENTED = (
    "import typing as t\n\n\n"
    + _helpers("format_rule", 20, 10)
    + "def ask(text, default=None):\n"
    '    """Ask the user for a value.\n\n'
    + "".join(f"    :param option_{i}: what option {i} of the question does.\n" for i in range(40))
    + '    """\n'
    "    value = read_answer(text)  # the real ask's first step\n"
    + "".join(f"    value = check_{i}(value)  # the real ask's step {i}\n" for i in range(60))
    + "    return value  # the real ask's last line\n"
)


@pytest.mark.parametrize("spec", ["prompts.py::ask", "line"])
def test_a_focused_function_in_part_shows_its_code_before_its_long_docstring(
        tmp_path: Path, spec: str) -> None:
    """``--seed src/click/termui.py::prompt --budget 2500`` showed the signature and 40 lines of
    its docstring, and none of its code; ``termui.py:260`` not even line 260."""
    root = make_repo(tmp_path / "repo", None, commits=[("prompts", {"prompts.py": DOCUMENTED})])
    build(root)
    if spec == "line":
        spec = f"prompts.py:{line_of(DOCUMENTED, 'the real ask' + chr(39) + 's step 45')}"
    rendered = make(root, seeds=[spec], budget=2_000).rendered
    assert "Ask the user for a value." in rendered  # (its first line)
    assert "# the real ask's first step" in rendered
    if spec != "prompts.py::ask":
        assert "# the real ask's step 45" in rendered
