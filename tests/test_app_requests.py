"""Typed requests and their one validity check (analyzers.app.requests), and the one error type
whose messages name fields, worded by each edge (analyzers.app.errors)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from analyzers.app.errors import PLAIN_WORDS, F, RequestError, word
from analyzers.app.requests import (
    DEFAULT_HANDOFF_BUDGET,
    MAX_BUDGET,
    BudgetRequest,
    BundleRequest,
    CheckRequest,
    FindRequest,
    HandoffRequest,
    VerifyRequest,
    check_bundle_name,
)
from server.cli.main import CLI_WORDS

# -- errors -------------------------------------------------------------------------------------


def test_a_message_names_fields_in_each_edges_words() -> None:
    e = RequestError(f"give at least one {F.seed} or a {F.task}", field="seed")
    assert str(e) == "give at least one seed or a task"
    assert e.worded(CLI_WORDS) == "give at least one --seed PATH or a --task TEXT"
    assert e.worded({"seed": "seeds"}) == "give at least one seeds or a task"  # others: plain
    assert e.field == "seed"


def test_every_field_has_plain_and_command_line_words() -> None:
    assert set(CLI_WORDS) == set(PLAIN_WORDS)
    for name in PLAIN_WORDS:
        assert word(getattr(F, name)) == PLAIN_WORDS[name]
        assert word(getattr(F, name), CLI_WORDS) == CLI_WORDS[name]
    with pytest.raises(AttributeError, match="no request field 'sede'"):
        _ = F.sede


def test_text_that_is_not_a_field_is_left_as_it_is() -> None:
    quoted = "seed 'a.py::seed' {seed} --seed"
    assert word(quoted, CLI_WORDS) == quoted


# -- each request's check -----------------------------------------------------------------------

def refused(request: Any) -> RequestError:
    """The error ``request.check()`` raises."""
    with pytest.raises(RequestError) as err:
        request.check()
    return err.value


@pytest.mark.parametrize(("request_", "field", "cli"), [
    (BundleRequest(), "seed", "give at least one --seed PATH or a --task TEXT"),
    (BundleRequest(task="   "), "task", "the --task TEXT is empty (or only blanks): say what"),
    (BundleRequest(pins=["a.py"]), "seed", "give at least one --seed PATH"),  # ranked for what?
    (BundleRequest(task="x", budget=-1), "budget", "--budget must be 0 (rank only)"),
    (BundleRequest(task="x", budget=MAX_BUDGET + 1), "budget",
     f"--budget {MAX_BUDGET + 1:,} is too large"),
    (BundleRequest(task="x", limit=0), "limit", "--limit must be at least 1"),
    (BundleRequest(task="x", format="html"), "format", "--format must be one of markdown"),
    (VerifyRequest(""), "verify", "--verify NAME is empty"),
    (VerifyRequest("../x"), "verify", "--verify NAME '../x': a bundle name uses letters"),
    (FindRequest(""), "task", "the --task TEXT is empty"),
    (FindRequest("retry", limit=0), "limit", "--limit must be at least 1"),
    (BudgetRequest(depth=0), "depth", "--depth must be at least 1"),
    (BudgetRequest(top=0), "top", "--top must be at least 1"),
    (CheckRequest(budget=0), "budget", "--budget must be a positive number of tokens"),
    (CheckRequest(drift_threshold=0), "drift_threshold",
     "--drift-threshold must be a positive number of changed lines"),
    (CheckRequest(import_depth=-1), "import_depth", "--import-depth must be 0 or more"),
    (HandoffRequest(base="--output=/tmp/x"), "base", "refused: --base '--output=/tmp/x' is not"),
    (HandoffRequest(base="main two"), "base", "is not a git ref"),
    (HandoffRequest(base=""), "base", "is not a git ref"),
    (HandoffRequest(budget=99), "budget", "--budget must be at least 100 tokens"),
    (HandoffRequest(test_timeout=0), "test_timeout", "--test-timeout must be a positive"),
    (HandoffRequest(test_timeout=math.nan), "test_timeout", "--test-timeout must be a positive"),
])
def test_a_bad_request_is_refused_naming_its_field(request_: Any, field: str, cli: str) -> None:
    e = refused(request_)
    assert e.field == field
    assert cli in e.worded(CLI_WORDS), e.worded(CLI_WORDS)
    assert "--" not in str(e) or "--output" in str(e)  # plain words name no option


@pytest.mark.parametrize("request_", [
    BundleRequest(seeds=["a.py"]), BundleRequest(task="x", budget=0),
    BundleRequest(pins=["a.py"], ranked=False),  # the pins alone, nothing ranked
    BundleRequest(task="x", budget=MAX_BUDGET, limit=1, format="json"),
    VerifyRequest("v1.2_final-b"), FindRequest("retry the request"), BudgetRequest(["src"], 1, 1),
    CheckRequest(), CheckRequest(budget=1, drift_threshold=1, import_depth=0),
    HandoffRequest(), HandoffRequest(base="origin/main~2", budget=100, test_timeout=0.5),
    HandoffRequest(base="feature/ünïcode#12"),
])
def test_a_good_request_passes(request_: Any) -> None:
    request_.check()


@pytest.mark.parametrize("name", ["", " ", ".hidden", "a/b", "a..b", "x" * 101, "é"])
def test_one_rule_for_bundle_names(name: str) -> None:
    with pytest.raises(RequestError, match="is empty|a bundle name uses") as err:
        check_bundle_name(name, "save")
    assert err.value.field == "save"
    assert err.value.worded(CLI_WORDS).startswith("--save NAME")


def test_a_check_request_changes_only_the_settings_it_names() -> None:
    assert CheckRequest().overrides() == {}
    assert CheckRequest(budget=10, import_depth=0).overrides() == {
        "instruction_budget": 10, "import_depth": 0}


def test_the_handoff_default_budget_is_the_notes() -> None:
    from analyzers.handoff.fitting import DEFAULT_BUDGET

    assert DEFAULT_HANDOFF_BUDGET == DEFAULT_BUDGET
