"""Ranking with scope-aware references, on a real git repository built here: a seed's parameter
or local variable named like a definition in another file does not link the seed to that file,
while a real use of the definition does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from gitutil import make_repo

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import make_bundle
from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index, build
from analyzers.indexing.store import SCHEMA_VERSION, pack
from analyzers.results import Bundle

# A fixtures module defining ``order`` and ``invoice`` (as saleor's order/tests/fixtures defines
# its pytest fixtures).
FIXTURES = '''\
import pytest


@pytest.fixture
def order(customer):
    return {"customer": customer, "lines": []}


@pytest.fixture
def invoice(order):
    return {"order": order}
'''

# The seed: ``order`` is a parameter, ``invoice`` a local; neither is the fixture.
CALCULATIONS = '''\
def base_total(order, shipping):
    subtotal = sum(line.price for line in order.lines)
    invoice = subtotal + shipping
    return invoice + order.tax


def undiscounted_total(order):
    invoice = base_total(order, 0)
    return invoice - order.discount
'''

# A module that really calls ``order()``.
BUILDER = '''\
def sample():
    return order(customer=None)
'''

# Its test: pytest passes the ``order`` fixture by parameter name.
TEST_CALCULATIONS = '''\
def test_base_total(order):
    assert order is not None
'''

HISTORY: list[tuple[str, dict[str, str | bytes | None]]] = [
    ("fixtures", {"shop/__init__.py": "", "shop/tests/__init__.py": "",
                  "shop/tests/fixtures.py": FIXTURES}),
    ("calculations", {"shop/calculations.py": CALCULATIONS}),
    ("builder", {"shop/builder.py": BUILDER}),
    ("uses the fixture", {"shop/tests/test_checkout.py": TEST_CALCULATIONS}),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("scope") / "repo", None, commits=HISTORY)
    build(root)
    return root


def signals(root: Path, seed: str) -> dict[str, tuple[dict[str, float], list[str]]]:
    with Index(root) as index:
        return {r.path: (r.signals, r.reasons) for r in rank(index, RankQuery(seeds=[seed]))}


def bundle(root: Path, seed: str) -> Bundle:
    with Index(root) as index:
        return make_bundle(index, BundleRequest(seeds=[seed], budget=0)).bundle


def test_the_index_keeps_parameters_and_locals_out_of_the_references(shop: Path) -> None:
    with Index(shop) as index:
        refs = index.references("shop/calculations.py")
        assert "order" not in refs and "invoice" not in refs and "subtotal" not in refs
        assert refs["base_total"] == [8]  # a real call of the file's own function
        assert index.references("shop/builder.py")["order"] == [2]
        assert index.references("shop/tests/test_checkout.py")["order"] == [1, 2]
        # They are still words of the file, for the task's lexical match.
        terms = dict(index.all_terms())["shop/calculations.py"]
        assert terms["subtotal"] == 2 and terms["invoice"] == 4 and terms["order"] >= 6


def test_a_parameter_named_like_a_definition_does_not_link_to_it(shop: Path) -> None:
    ranked = signals(shop, "shop/calculations.py")
    fixtures = ranked.get("shop/tests/fixtures.py")
    assert fixtures is None or "defines" not in fixtures[0], fixtures
    b = bundle(shop, "shop/calculations.py")
    for item in b.items:
        assert not any("`order`" in r or "`invoice`" in r for r in item.reasons), item


def test_a_real_use_of_the_definition_still_links_to_it(shop: Path) -> None:
    ranked = signals(shop, "shop/builder.py")
    assert ranked["shop/tests/fixtures.py"][0]["defines"] > 0
    assert any(r.startswith("defines `order`") for r in ranked["shop/tests/fixtures.py"][1])
    # A test's parameter is the fixture pytest passes: it links too.
    ranked = signals(shop, "shop/tests/test_checkout.py")
    assert ranked["shop/tests/fixtures.py"][0]["defines"] > 0


def test_a_cache_of_the_previous_schema_is_reparsed_and_its_graph_dropped(tmp_path: Path) -> None:
    """A cache written before references were scope-aware holds the parameter's uses: it is
    replaced (every file parsed again), and the ranking graph built from it is not reused by the
    new database, whose generation counter starts again where the old one's did."""
    root = make_repo(tmp_path / "repo", None, commits=HISTORY)
    build(root)
    state = root / ".ctxsteward"
    # The previous schema stored every identifier: the parameter's and the local's uses too.
    with sqlite3.connect(state / "index.sqlite") as conn:
        conn.execute("UPDATE files SET refs=? WHERE path='shop/calculations.py'",
                     (pack({"order": [1, 2, 4, 7, 8, 9], "invoice": [3, 4, 8, 9]}),))
    conn.close()
    (state / "graph.bin").unlink(missing_ok=True)
    stale = signals(root, "shop/calculations.py")  # and the graph.bin built from that cache
    assert "defines" in stale["shop/tests/fixtures.py"][0]
    assert (state / "graph.bin").exists()
    with sqlite3.connect(state / "index.sqlite") as conn:
        conn.execute("UPDATE meta SET value='4' WHERE key='schema_version'")
    conn.close()
    assert SCHEMA_VERSION > 4  # 4 was released before references were scope-aware
    report = build(root)
    assert report.files_parsed == report.files
    ranked = signals(root, "shop/calculations.py")
    assert "defines" not in ranked.get("shop/tests/fixtures.py", ({}, []))[0]
