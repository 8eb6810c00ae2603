"""Bundle ranking: every signal visible in the result, on a real git repository built here.

The repository is built commit by commit (never one all-files commit), so the co-change signal
only links files that really changed together.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import git, make_repo, write_files

from analyzers.app.requests import BundleRequest
from analyzers.app.seeds import resolve_seed as parse_seed
from analyzers.bundles.assemble import BundleError, make_bundle
from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index, build
from analyzers.results import Bundle, BundleItem

PRICING = '''\
def compute_discount(order, rate):
    """The discount granted on an order."""
    return order.total * rate


def round_cents(value):
    return round(value, 2)
'''

CHECKOUT = '''\
from shop.pricing import compute_discount, round_cents


def checkout(order):
    discount = compute_discount(order, 0.1)
    return round_cents(order.total - discount)


def refund(order):
    return round_cents(compute_discount(order, 0.0))
'''

NETWORK = '''\
def connect(host, timeout=30):
    """Open a socket to host, giving up when the timeout expires."""
    return (host, timeout)


def retry_after_timeout(attempts):
    return attempts * 2
'''

API = '''\
from shop.checkout import checkout
from shop.network import connect


def handle(request):
    connect(request.host)
    return checkout(request.order)
'''

WEATHER = "def forecast(city):\n    return 'sunny in ' + city\n"
LEDGER = "def post_entry(book, amount):\n    book.append(amount)\n"

HISTORY: list[tuple[str, dict[str, str | bytes | None]]] = [
    ("pricing and checkout", {"shop/__init__.py": "", "shop/pricing.py": PRICING,
                              "shop/checkout.py": CHECKOUT}),
    ("network", {"shop/network.py": NETWORK}),
    ("api", {"shop/api.py": API}),
    ("weather", {"shop/weather.py": WEATHER}),
    ("tests", {
        "tests/test_checkout.py": "from shop.checkout import checkout\n\n\n"
                                  "def test_checkout():\n    assert checkout\n",
        "tests/test_weather.py": "def test_sunny():\n    assert 'sunny'\n",
    }),
    ("web cart", {
        "web/cart.ts": "export function addItem(cart: string[], item: string): string[] {\n"
                       "  return [...cart, item];\n}\n",
        "web/cart.test.ts": "test('adds', () => {\n  expect([1].length).toBe(1);\n});\n",
        "web/other.ts": "export const unrelated = 1;\n",
    }),
    ("go queue", {
        "srv/queue.go": "package srv\n\nfunc Push(q []int, v int) []int {\n"
                        "\treturn append(q, v)\n}\n",
        "srv/queue_test.go": 'package srv\n\nimport "testing"\n\n'
                             "func TestSomething(t *testing.T) {\n\t_ = t\n}\n",
        "srv/stack.go": "package srv\n\nfunc Pop(s []int) []int {\n\treturn s[:len(s)-1]\n}\n",
    }),
    # Three commits change the seed together with the ledger, one changes the weather alone.
    ("ledger 1", {"shop/checkout.py": CHECKOUT + "# audit 1\n", "shop/ledger.py": LEDGER}),
    ("ledger 2", {"shop/checkout.py": CHECKOUT + "# audit 2\n",
                  "shop/ledger.py": LEDGER + "# 2\n"}),
    ("ledger 3", {"shop/checkout.py": CHECKOUT + "# audit 3\n",
                  "shop/ledger.py": LEDGER + "# 3\n"}),
    ("weather tweak", {"shop/weather.py": WEATHER + "# tweak\n"}),
]


def build_shop(root: Path) -> Path:
    make_repo(root, None, commits=HISTORY)
    build(root)
    return root


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_shop(tmp_path_factory.mktemp("shop") / "repo")


def ranked(root: Path, **query: object) -> dict[str, tuple[int, dict[str, float], list[str]]]:
    """path -> (position, signals, reasons) from the real ranker."""
    with Index(root) as index:
        result = rank(index, RankQuery(**query))  # type: ignore[arg-type]
    return {r.path: (i, r.signals, r.reasons) for i, r in enumerate(result)}


def bundle(root: Path, **request: object) -> Bundle:
    with Index(root) as index:
        return make_bundle(index, BundleRequest(**request)).bundle  # type: ignore[arg-type]


def item(b: Bundle, path: str) -> BundleItem:
    found = [i for i in b.items if i.path == path]
    assert found, f"{path} not in bundle: {[i.path for i in b.items]}"
    return found[0]


def position(b: Bundle, path: str) -> int:
    return [i.path for i in b.items].index(path)


# -- signals ------------------------------------------------------------------------------------

def test_file_defining_what_the_seed_calls_ranks_above_an_unrelated_file(shop: Path) -> None:
    b = bundle(shop, seeds=["shop/checkout.py"], budget=0)
    assert b.items[0].path == "shop/checkout.py" and b.items[0].reasons == ["seed"]
    pricing = item(b, "shop/pricing.py")
    assert any("defines" in r and "`compute_discount`" in r and "`round_cents`" in r
               and "used in `shop/checkout.py`" in r for r in pricing.reasons), pricing.reasons
    unrelated = [i.path for i in b.items if i.path == "shop/weather.py"]
    assert not unrelated or position(b, "shop/pricing.py") < position(b, "shop/weather.py")
    signals = ranked(shop, seeds=["shop/checkout.py"])
    assert signals["shop/pricing.py"][1]["defines"] > 0
    assert "defines" not in signals.get("shop/weather.py", (0, {}, []))[1]


def test_reasons_name_the_seeds_a_file_is_linked_to(shop: Path) -> None:
    """A reason names the seed file it links to, not "the seed": with two seeds, the one whose
    names are shared (pricing's names are used by checkout only), both where both link."""
    got = ranked(shop, seeds=["shop/checkout.py", "shop/weather.py"])
    pricing = got["shop/pricing.py"][2]
    assert any(r.startswith("defines `compute_discount`") and
               r.endswith(", used in `shop/checkout.py`") for r in pricing), pricing
    assert "imported by `shop/checkout.py`" in pricing
    assert not any("the seed" in r for _, _, reasons in got.values() for r in reasons), got
    cochanged = [r for r in got["shop/ledger.py"][2] if r.startswith("changed together")]
    assert cochanged and "`shop/checkout.py` and `shop/weather.py`" in cochanged[0], cochanged


def test_file_importing_the_seed_is_ranked_and_says_so(shop: Path) -> None:
    b = bundle(shop, seeds=["shop/checkout.py"], budget=0)
    api = item(b, "shop/api.py")
    assert "imports `shop/checkout.py`" in api.reasons
    assert any(r.startswith("uses `checkout`") for r in api.reasons), api.reasons
    # The other direction: the seed imports pricing.
    assert "imported by `shop/checkout.py`" in item(b, "shop/pricing.py").reasons
    assert ranked(shop, seeds=["shop/checkout.py"])["shop/api.py"][1]["imports"] > 0


def test_cochange_from_real_commits(shop: Path) -> None:
    b = bundle(shop, seeds=["shop/checkout.py"], budget=0)
    ledger = item(b, "shop/ledger.py")
    # checkout.py was committed 4 times; 3 of them with the ledger (which shares no code with it).
    assert "changed together with `shop/checkout.py` in 3 of its last 4 commits" in ledger.reasons
    assert not any(r.startswith(("defines", "uses", "imports", "imported")) for r in ledger.reasons)
    assert item(b, "shop/pricing.py").reasons.count(
        "changed together with `shop/checkout.py` in 1 of its last 4 commits") == 1
    # Co-change only: the weather file changed in commits of its own.
    signals = ranked(shop, seeds=["shop/checkout.py"])
    assert signals["shop/ledger.py"][1]["cochange"] > 0
    weather = signals.get("shop/weather.py")
    assert weather is None or ("cochange" not in weather[1]
                               and weather[0] > signals["shop/ledger.py"][0])


def test_task_words_match_identifiers_and_are_named(shop: Path) -> None:
    b = bundle(shop, seeds=["shop/checkout.py"], task="the connection timeout is too short",
               budget=0)
    net = item(b, "shop/network.py")
    assert any(r.startswith("matches ") and "'timeout'" in r and r.endswith("from the task")
               for r in net.reasons), net.reasons
    # Without a task the network module has nothing to do with the seed.
    without = ranked(shop, seeds=["shop/checkout.py"]).get("shop/network.py")
    assert without is None or "lexical" not in without[1]
    with_task = ranked(shop, seeds=["shop/checkout.py"], task="the connection timeout")
    assert with_task["shop/network.py"][1]["lexical"] == pytest.approx(1.0)
    assert "lexical" not in with_task.get("shop/weather.py", (0, {}, []))[1]
    if without is not None:
        assert with_task["shop/network.py"][0] < without[0]


@pytest.mark.parametrize(("seed", "partner", "reason"), [
    ("shop/checkout.py", "tests/test_checkout.py", "test for `shop/checkout.py`"),
    ("tests/test_checkout.py", "shop/checkout.py", "source `tests/test_checkout.py` tests"),
    ("web/cart.ts", "web/cart.test.ts", "test for `web/cart.ts`"),
    ("web/cart.test.ts", "web/cart.ts", "source `web/cart.test.ts` tests"),
    ("srv/queue.go", "srv/queue_test.go", "test for `srv/queue.go`"),
    ("srv/queue_test.go", "srv/queue.go", "source `srv/queue_test.go` tests"),
])
def test_test_and_source_pair_up(shop: Path, seed: str, partner: str, reason: str) -> None:
    b = bundle(shop, seeds=[seed], budget=0)
    assert reason in item(b, partner).reasons
    signals = ranked(shop, seeds=[seed])
    assert signals[partner][1]["test"] > 0
    # Nothing else in the repository is paired with the seed.
    others = {p for p, (_, s, _) in signals.items() if s.get("test") and p != partner}
    assert not others, others
    # The JS and Go tests share no code with their sources: the pairing alone ranks them first.
    if seed.startswith(("web/", "srv/")):
        assert b.items[1].path == partner


def test_uncommitted_changes_are_a_signal(tmp_path: Path) -> None:
    root = build_shop(tmp_path / "repo")
    before = ranked(root, seeds=["shop/checkout.py"], task="forecast")
    assert "dirty" not in before["shop/weather.py"][1]
    write_files(root, {"shop/weather.py": WEATHER + "# not committed yet\n"})
    build(root)
    after = ranked(root, seeds=["shop/checkout.py"], task="forecast")
    assert after["shop/weather.py"][1]["dirty"] == 1.0
    assert "has uncommitted changes" in after["shop/weather.py"][2]
    assert after["shop/weather.py"][0] < before["shop/weather.py"][0] or \
        after["shop/weather.py"][0] == 0
    # Committing it clears the signal.
    git("commit", "-qam", "weather", cwd=root)
    build(root)
    assert "dirty" not in ranked(root, seeds=["shop/checkout.py"],
                                 task="forecast")["shop/weather.py"][1]


# -- task-only mode -----------------------------------------------------------------------------

def test_task_only_ranks_the_lexical_match_first_then_its_neighbours(shop: Path) -> None:
    b = bundle(shop, task="retry the connection after a timeout", budget=0)
    assert b.seeds == []
    assert b.items[0].path == "shop/network.py"
    assert any("'timeout'" in r and "'retry'" in r for r in b.items[0].reasons)
    # api.py calls connect(), defined in the best match: the graph pulls it in.
    api = item(b, "shop/api.py")
    assert any(r.startswith("uses `connect`") and "best task matches" in r
               for r in api.reasons), api.reasons
    paths = [i.path for i in b.items]
    assert "shop/weather.py" not in paths or position(b, "shop/weather.py") > 2


def test_task_only_best_match_outranks_files_that_merely_changed_with_it(tmp_path: Path) -> None:
    # retry.py matches the task; it was committed once together with two unrelated files.
    root = make_repo(tmp_path / "repo", None, commits=[
        ("start", {"retry.py": "def retry_with_backoff(call, attempts):\n"
                               "    \"\"\"Retry a call with exponential backoff.\"\"\"\n"
                               "    return call()\n",
                   "colors.py": "def paint(x):\n    return x\n",
                   "shapes.py": "def square(x):\n    return x * x\n"}),
        ("more", {"fruit.py": "def peel(x):\n    return x\n"}),
    ])
    build(root)
    b = bundle(root, task="add exponential backoff to retry", budget=0)
    assert b.items[0].path == "retry.py", [(i.path, i.score, i.reasons) for i in b.items]


# -- seeds --------------------------------------------------------------------------------------

def test_path_line_seed_focuses_the_enclosing_definition(shop: Path) -> None:
    with Index(shop) as index:
        seed = parse_seed(index, "shop/checkout.py:5")
        assert (seed.path, seed.symbols) == ("shop/checkout.py", ["checkout"])
        result = make_bundle(index, BundleRequest(seeds=["shop/checkout.py:5"], budget=4000))
    first = result.bundle.items[0]
    assert (first.path, first.granularity, first.symbols) == (
        "shop/checkout.py", "symbols", ["checkout"])
    assert first.ranges == [(4, 6)]
    assert "def checkout(order):" in result.rendered
    assert "def refund(order):" not in result.rendered


def test_path_symbol_seed_packs_only_that_symbol(shop: Path) -> None:
    with Index(shop) as index:
        result = make_bundle(index, BundleRequest(seeds=["shop/checkout.py::refund"],
                                                  budget=4000))
    first = result.bundle.items[0]
    assert (first.granularity, first.symbols, first.ranges) == ("symbols", ["refund"], [(9, 10)])
    assert result.bundle.seeds == ["shop/checkout.py::refund"]
    assert "def refund(order):" in result.rendered
    assert "def checkout(order):" not in result.rendered
    # The seed's neighbours still come along.
    assert "shop/pricing.py" in [i.path for i in result.bundle.items]


def test_past_commits_like_the_task_lift_their_files(tmp_path: Path) -> None:
    """A file whose text never mentions the task's words still ranks when past commits with
    matching messages changed it, and the reason names such a commit."""
    make_repo(tmp_path, None, commits=[
        ("start", {"core/engine.py": "def run(job):\n    return job()\n",
                   "core/limits.py": "MAX = 3\n", "core/report.py": "def show(x):\n    print(x)\n",
                   "core/other.py": "def unrelated():\n    return 0\n"}),
        ("Fix flaky webhook delivery", {"core/engine.py": "def run(job):\n    return job() or 0\n",
                                        "core/limits.py": "MAX = 5\n"}),
        ("Tidy the report", {"core/report.py": "def show(x):\n    print(x, end='')\n"}),
    ])
    build(tmp_path)
    got = ranked(tmp_path, task="webhook delivery is flaky again")
    assert "core/limits.py" in got, got
    assert got["core/limits.py"][0] < got.get("core/other.py", (99,))[0]
    assert got["core/limits.py"][1].get("commits", 0) > 0
    assert any("past commit like this task: 'Fix flaky webhook delivery'" in r
               for r in got["core/limits.py"][2]), got["core/limits.py"][2]
    assert not got.get("core/report.py", (0, {}))[1].get("commits")


def test_a_mirrored_test_tree_pairs_with_its_source(tmp_path: Path) -> None:
    """``tests/test_cli/test_help.py`` tests ``pkg/cli/help.py``, not ``pkg/api/help.py``, though
    both test files are four folders away from the seed's when compared from the root."""
    make_repo(tmp_path, None, commits=[("tree", {
        "pkg/cli/help.py": "def show_help():\n    return 'usage'\n",
        "pkg/api/help.py": "def api_help():\n    return 'api'\n",
        "tests/test_cli/test_help.py": "def test_show():\n    assert True\n",
        "tests/test_api/test_help.py": "def test_api():\n    assert True\n",
    })])
    build(tmp_path)
    got = ranked(tmp_path, seeds=["pkg/cli/help.py"])
    mirrored, other = got["tests/test_cli/test_help.py"], got["tests/test_api/test_help.py"]
    assert mirrored[1]["test"] > other[1]["test"], (mirrored, other)
    assert mirrored[0] < other[0]
    assert "test for `pkg/cli/help.py`" in mirrored[2]


def test_symbol_seed_ranks_what_that_symbol_uses(tmp_path: Path) -> None:
    """A whole-file seed ranks the helper it calls most; ``path::symbol``, what that one calls."""
    make_repo(tmp_path, None, commits=[("helpers and jobs", {
        "app/alpha.py": "def alpha_helper(x):\n    return x + 1\n",
        "app/beta.py": "def beta_helper(x):\n    return x * 2\n",
        "app/jobs.py": (
            "from app.alpha import alpha_helper\nfrom app.beta import beta_helper\n\n\n"
            "def small_job(x):\n    return alpha_helper(x)\n\n\n"
            "def big_job(x):\n    y = beta_helper(x)\n    y = beta_helper(y)\n"
            "    return beta_helper(beta_helper(y))\n"),
    })])
    build(tmp_path)
    whole = ranked(tmp_path, seeds=["app/jobs.py"])
    assert whole["app/beta.py"][0] < whole["app/alpha.py"][0], [(p, v[1]) for p, v in whole.items()]
    focused = ranked(tmp_path, seeds=["app/jobs.py"], seed_symbols={"app/jobs.py": ["small_job"]})
    assert focused["app/alpha.py"][0] < focused.get("app/beta.py", (99,))[0], focused
    assert focused["app/alpha.py"][1]["defines"] > focused.get("app/beta.py", (0, {}))[1].get(
        "defines", 0.0)
    # The reasons speak of the focus too: small_job calls alpha_helper once, never beta_helper.
    assert "defines `alpha_helper`, used in `app/jobs.py`" in focused["app/alpha.py"][2]
    assert not any("beta_helper" in r for r in focused.get("app/beta.py", (0, {}, []))[2])
    assert "defines `beta_helper` (4×), used in `app/jobs.py`" in whole["app/beta.py"][2]


def test_reasons_name_the_seed_even_when_it_is_too_large_to_index(tmp_path: Path) -> None:
    big = "".join(f"VALUE_{i} = {i}\n" for i in range(70_000))  # over the 1 MiB default
    make_repo(tmp_path, None, commits=[("big and main", {"huge.py": big,
                                                         "main.py": "print(1)\n"})])
    build(tmp_path)
    with Index(tmp_path) as index:
        assert index.skipped()["huge.py"][0] == "too_large"
    got = ranked(tmp_path, seeds=["huge.py"])
    assert "changed together with `huge.py` in its last commit" in got["main.py"][2], got


def test_task_only_cochange_reason_names_the_match_it_counts_from(shop: Path) -> None:
    got = ranked(shop, task="compute_discount for the order")
    reasons = [r for _, _, rs in got.values() for r in rs if r.startswith("changed together")]
    assert reasons, got
    assert all(r.startswith("changed together with one of the best task matches in ")
               for r in reasons), reasons


def test_overloads_of_a_symbol_seed_are_named_once(tmp_path: Path) -> None:
    make_repo(tmp_path, {"calc.py": (
        "from typing import overload\n\n\nclass Calc:\n"
        "    @overload\n    def add(self, x: int) -> int: ...\n"
        "    @overload\n    def add(self, x: str) -> str: ...\n"
        "    def add(self, x):\n        return x\n\n"
        "    def other(self):\n        return 0\n")})
    build(tmp_path)
    b = bundle(tmp_path, seeds=["calc.py::Calc.add"], budget=2000)
    assert b.items[0].symbols == ["Calc.add"]
    shown = {n for a, z in b.items[0].ranges for n in range(a, z + 1)}
    assert set(range(5, 11)) <= shown  # all three definitions, each with its @overload


@pytest.mark.parametrize(("spec", "message"), [
    ("shop/checkout.py::nothing", "defines no 'nothing'"),
    ("shop/checkout.py::check", "did you mean shop/checkout.py::checkout"),
    ("shop/missing.py", "no such file"),
    ("shop", "is a folder"),
    ("../../etc/passwd", "outside the workspace"),
    ("shop/checkout.py:400", "has 11 lines"),
])
def test_bad_seeds_are_clear_errors(shop: Path, spec: str, message: str) -> None:
    with Index(shop) as index, pytest.raises(BundleError, match=message):
        parse_seed(index, spec)


def test_a_decorated_command_is_shown_with_its_decorators(tmp_path: Path) -> None:
    options = "".join(f"@click.option('--opt{i}', help='option {i}')\n" for i in range(12))
    make_repo(tmp_path, {"cli.py": (
        "import click\n\n\ndef helper():\n    return 1\n\n\n@click.command('run')\n" + options
        + "def run_command(**kwargs):\n    \"\"\"Run the server.\"\"\"\n    return helper()\n"
        + "".join(f"\n\ndef unrelated_{i}(x):\n" + "    x = x + 1\n" * 30 + "    return x\n"
                  for i in range(40)))})
    build(tmp_path)
    b = bundle(tmp_path, seeds=["cli.py::run_command"], budget=2000)
    item = next(i for i in b.items if i.path == "cli.py")
    # A seed this large is focused: the symbol in full, signatures of the rest.
    assert item.granularity == "focused" and "run_command" in item.symbols, item
    shown = {n for a, z in item.full_ranges for n in range(a, z + 1)}
    assert set(range(8, 24)) <= shown, item.full_ranges  # @click.command, 12 options, the def


def test_a_document_naming_the_best_code_files_is_ranked_for_them(tmp_path: Path) -> None:
    prose = "Orders are totalled at checkout and a rate is applied to them.\n\n"
    root = make_repo(tmp_path / "repo", None, commits=[*HISTORY, ("notes", {
        "docs/totals.md": "# Totals\n\n" + prose + "The rate goes through `compute_discount`, "
                          "then [round_cents](../shop/pricing.py) rounds the result.\n",
        "docs/other.md": "# Other\n\n" + prose + "The rate goes through the discount, then "
                         "the result is rounded.\n",
        "CHANGES.md": "# Changes\n\n## 1.2\n\n- `compute_discount` rounds with `round_cents`.\n"})])
    build(root)
    # With a seed: the document naming what the seed calls is a candidate, the other is not.
    seeded = ranked(root, seeds=["shop/checkout.py"])
    assert seeded["docs/totals.md"][1]["names_top"] > 0
    assert "names `shop/pricing.py` (their paths or definitions)" in seeded["docs/totals.md"][2]
    assert "docs/other.md" not in seeded or "names_top" not in seeded["docs/other.md"][1]
    # A changelog names every file it changed: not a design document, no signal.
    assert "CHANGES.md" not in seeded or "names_top" not in seeded["CHANGES.md"][1]
    # A task alone: both documents hold its words; the one naming the best files comes first.
    task = ranked(root, task="checkout discount rate")
    assert task["docs/totals.md"][1]["names_top"] > 0
    assert "names_top" not in task["docs/other.md"][1]
    assert task["docs/totals.md"][0] < task["docs/other.md"][0]
