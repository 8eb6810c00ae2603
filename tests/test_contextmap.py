"""The context map (``Snapshot.map``, analyzers/bundles/contextmap.py) on a real repository: the
ranked files with their relevant definitions' line ranges, within its budget, files listed before
left out, seeds never listed, bodies shown with secret values masked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gitutil import make_repo

from analyzers.app.errors import RequestError
from analyzers.app.requests import MapRequest
from analyzers.app.workspace import Workspace
from analyzers.tokens import Counter

FILES = {
    f"shop/module_{i}.py": f"def checkout_step_{i}(cart):\n    return cart.total() + {i}\n\n\n"
                           f"def unrelated_{i}():\n    return {i}\n"
    for i in range(30)
}
FILES.update({
    "shop/voucher.py": (
        "API_TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'\n\n\n"
        "def apply_voucher(cart, code):\n    \"\"\"Apply a voucher code to the cart.\"\"\"\n"
        "    return cart.total() - 5\n\n\ndef voucher_expired(code):\n    return False\n"),
    "shop/cart.py": "class Cart:\n    def total(self):\n        return 10\n",
    # Agents' hook settings (install's own files) name the words of every task below.
    ".claude/settings.local.json": '{"checkout": "cart total voucher gift", "hooks": {}}\n',
    ".cursor/hooks.json": '{"version": 1, "hooks": {"checkout_cart_total_voucher": []}}\n',
    ".github/hooks/ctxsteward.json": '{"checkout": "cart total voucher gift card"}\n',
    ".codex/hooks.json": '{"hooks": {"checkout_cart_total_voucher_gift_card": []}}\n',
    "shop/payments/international_gateways/gift_card_redemption_and_refund_handlers.py": (
        "def redeem_gift_card_balance_against_international_order_total(card, order):\n"
        "    return order.total() - card.balance\n\n\n"
        "def refund_gift_card_redemption_for_cancelled_international_order(card, order):\n"
        "    return card.balance + order.total()\n\n\n"
        "def validate_gift_card_redemption_code_for_international_checkout(code):\n"
        "    return bool(code)\n"),
})


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = make_repo(tmp_path_factory.mktemp("map") / "shop", FILES)
    workspace = Workspace(root)
    workspace.refresh()
    return workspace


def test_the_map_names_files_with_their_definitions_line_ranges(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="apply voucher code to the cart checkout"))
    first = made.entries[0]
    assert first.path == "shop/voucher.py"
    assert ("apply_voucher" in [name for _, _, name in first.ranges])
    assert (4, 6, "apply_voucher") in first.ranges
    assert made.text.splitlines()[1].startswith("1. shop/voucher.py — ")
    assert "ghp_" not in made.text


@pytest.mark.parametrize("budget", [100, 150, 300, 1500])
def test_the_map_stays_within_its_budget(ws: Workspace, budget: int) -> None:
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="checkout step for the cart total", budget=budget))
    counter = Counter(ws.settings.encoding, ws.settings.model_profile())
    assert made.tokens == counter.count(made.text) <= budget
    numbered = [line for line in made.text.splitlines() if line[:1].isdigit()]
    assert len(numbered) == len(made.entries)


def test_limit_and_characters_bound_it_too(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        few = snap.map(MapRequest(task="checkout step for the cart total", limit=3))
        short = snap.map(MapRequest(task="checkout step for the cart total", max_chars=600))
    assert len(few.entries) == 3
    assert len(short.text) <= 600 and short.entries


def test_files_listed_before_are_named_again_compactly_only_when_they_rank_high(
        ws: Workspace) -> None:
    task = "checkout step for the cart total"
    with ws.snapshot() as snap:
        first = snap.map(MapRequest(task=task, limit=5))
        second = snap.map(MapRequest(task=task, limit=5, skip=first.paths))
        third = snap.map(MapRequest(task=task, limit=5, skip=first.paths[2:]))
    assert not set(first.paths) & set(second.paths)
    assert second.repeated[:5] == first.paths
    # The five files shown before are this task's top five: named again on one line, no ranges.
    also = f"Also relevant (in earlier maps): {', '.join(first.paths)}\n"
    assert also in second.text and second.also == first.paths
    assert not any(f". {p} —" in second.text for p in first.paths)
    # Files shown before that no longer rank in the top five are only counted.
    assert third.also == first.paths[2:5]
    assert third.paths[:2] == first.paths[:2]


def test_the_default_map_lists_the_best_few_files_each_with_a_reason(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="checkout step for the cart total"))
    assert 1 <= len(made.entries) <= 12 < 30  # 30 files match: the map is not a fill
    assert all(e.reason for e in made.entries)
    assert made.shown == [e.path for e in made.entries if e.ranges]


@pytest.mark.parametrize("task", ["checkout cart total voucher", "gift card checkout total"])
def test_agent_settings_files_are_never_listed(ws: Workspace, task: str) -> None:
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task=task, limit=60, budget=20_000))
    assert made.entries
    assert not [p for p in made.paths
                if p.startswith((".claude/", ".cursor/", ".github/", ".codex/"))]


def test_the_smallest_budget_still_lists_one_file(ws: Workspace) -> None:
    task = "redeem gift card balance against international order total"
    with ws.snapshot() as snap:
        full = snap.map(MapRequest(task=task))
        tiny = snap.map(MapRequest(task=task, budget=100))
    counter = Counter(ws.settings.encoding, ws.settings.model_profile())
    header = counter.count(full.text.splitlines()[0] + "\n")
    assert counter.count(full.text.splitlines()[1] + "\n") + header > 100  # too long whole
    assert tiny.paths[:1] == full.paths[:1] and tiny.tokens <= 100
    assert tiny.entries[0].reason in tiny.text


def test_seeds_steer_the_map_but_are_not_listed(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="apply voucher to the cart", seeds=["shop/voucher.py"]))
    assert "shop/voucher.py" not in made.paths and made.paths


def test_bodies_show_the_best_files_definitions_with_secrets_masked(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="apply voucher code to the cart", bodies=True))
    assert made.bodies_of == "shop/voucher.py"
    assert "def apply_voucher(cart, code):" in made.text
    assert "ghp_abcdefghij" not in made.text


def test_nothing_to_list_gives_an_empty_map(ws: Workspace) -> None:
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="zzqx wqpt"))
    assert (made.text, made.entries) == ("", [])


@pytest.mark.parametrize("request_", [
    MapRequest(task=" "), MapRequest(task="x", budget=10), MapRequest(task="x", limit=0),
    MapRequest(task="x", max_chars=10)])
def test_bad_map_requests_are_refused(ws: Workspace, request_: MapRequest) -> None:
    with ws.snapshot() as snap, pytest.raises(RequestError):
        snap.map(request_)


def test_the_carried_note_is_bounded(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    ws = Workspace(root)
    assert ws.carried_note() == ("", [])
    from analyzers.handoff.markdown import BEGIN, END

    long_status = "\n".join(f"- step {i}: done and verified with care" for i in range(400))
    (root / "HANDOFF.md").write_text(
        f"{BEGIN.format('summary')}\n# Handoff: main\n{END.format('summary')}\n\n## Goal\n\n"
        f"Ship it.\n\n## Status\n\n{long_status}\n\n## Decisions\n\nUse SQLite.\n\n"
        "## Next steps\n\n1. Write the migration.\n")
    text, problems = ws.carried_note(budget=300)
    counter = Counter(ws.settings.encoding, ws.settings.model_profile())
    assert problems == [] and counter.count(text) <= 300
    assert "# Handoff: main" in text and "Ship it." in text
    # The long section is cut to its share; the ones after it are all there.
    assert "- step 0: done" in text and "- step 399" not in text
    assert re.search(r"… \(\d+ more lines in HANDOFF\.md\)", text)
    assert "Use SQLite." in text and "1. Write the migration." in text
    # Too little room for every section: those left out are named.
    tiny, _ = ws.carried_note(budget=60)
    assert counter.count(tiny) <= 60 and "Left out for room:" in tiny and "Next steps" in tiny


def test_a_section_of_one_long_paragraph_is_cut_not_looped_on(tmp_path: Path) -> None:
    """A section whose text is one long line (heading, blank line, paragraph) cannot lose a
    line: cutting it said it could and changed nothing, and carrying the note looped forever
    (the agent hook's SessionStart at 100% CPU until the agent killed it). Its line is cut
    (then the next longest part is), and every section is carried: the sections after it
    were left out for it (helper-73)."""
    import multiprocessing

    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    from analyzers.handoff.markdown import BEGIN, END

    paragraph = " ".join(f"word{i} of the status paragraph" for i in range(1000))
    bullets = "\n".join(f"- decision {i}: keep it" for i in range(20))
    (root / "HANDOFF.md").write_text(
        f"{BEGIN.format('summary')}\n# Handoff: main\n{END.format('summary')}\n\n## Goal\n\n"
        f"Ship it.\n\n## Status\n\n{paragraph}\n\n## Decisions\n\n{bullets}\n\n"
        "## Next steps\n\n1. Write the migration.\n")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:  # a loop would hang the test run: bounded by a timeout
        text, problems = pool.apply_async(_carried, (str(root), 400)).get(timeout=60)
    counter = Counter(Workspace(root).settings.encoding, Workspace(root).settings.model_profile())
    assert problems == [] and counter.count(text) <= 400
    assert "Ship it." in text and "word0 of the status" in text and "word999" not in text
    assert "… (the rest of this line in HANDOFF.md)" in text
    assert "- decision 0: keep it" in text and "1. Write the migration." in text
    assert "Left out for room" not in text, text


def test_a_section_of_megabytes_is_carried_from_its_head_masked(tmp_path: Path) -> None:
    """A note with a pasted log (20,000 lines; one line of 200,000 characters) is carried from
    the head of each section: masked and counted there only (it had taken 11 s, close to Codex's
    15 s), and the lines left out are still counted right. A token across where the long line
    is cut is masked whole, never shown in part. Over 1 MB, the sections are read line by line
    (Markdown-parsing them took seconds): all are still carried."""
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    from analyzers.handoff.markdown import BEGIN, END

    token = "ghp_" + "Zr8kQ2vLm9xW4pT7nB3cY6dF1gH5jK0sA2eU"
    log = "\n".join([f"- step 0: deploy with {token}",
                     *(f"- step {i}: rebuilt the cache" for i in range(1, 20_000))])
    wide = "x" * 9_480 + f" {token} " + "y" * 200_000
    (root / "HANDOFF.md").write_text(
        f"{BEGIN.format('summary')}\n# Handoff: main\n{END.format('summary')}\n\n## Goal\n\n"
        f"{wide}\n\n## Status\n\n{log}\n\n## Next steps\n\n1. Write the migration.\n")
    text, problems = Workspace(root).carried_note(budget=1_500, max_chars=9_500)
    assert problems == [] and len(text) <= 9_500
    assert token not in text and token[4:14] not in text and token[-10:] not in text, text
    assert "- step 0: deploy with [redacted: GitHub Token]" in text, text
    shown = len(re.findall(r"^- step \d+:", text, re.M))
    more = re.search(r"… \((\d+) more lines in HANDOFF\.md\)", text)
    assert more and shown + int(more.group(1)) == 20_000, (shown, more)
    assert "1. Write the migration." in text
    # Over 1 MB: read line by line, every section still carried (it was the summary only).
    note = (root / "HANDOFF.md").read_text()
    (root / "HANDOFF.md").write_text(note.replace(log, log + "\n" + log[:400_000]))
    text, problems = Workspace(root).carried_note(budget=1_500, max_chars=9_500)
    assert problems == [] and "# Handoff: main" in text and "step 0" in text, text
    assert "1. Write the migration." in text and "were not read" not in text, text


def test_the_carried_note_masks_paths_and_keeps_sections_after_carriage_returns(
        tmp_path: Path) -> None:
    """What a person wrote about a branch or folder (``backups/DB_PASSWORD=…/work``) is masked
    as git's names are (helper-76: the carry used the file rules only); and a pasted progress
    bar's lone carriage returns no longer shift the sections after it (Goal took Status's
    heading, Status took Decisions')."""
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    from analyzers.handoff.markdown import BEGIN, END

    (root / "HANDOFF.md").write_text(
        f"{BEGIN.format('summary')}\n# Handoff: main\n- **Branch**: backups/DB_PASSWORD="
        f"BranchPw55k/work\n{END.format('summary')}\n\n## Goal\n\nShip it.\r10%\r50%\r100%\n\n"
        "## Status\n\nPushed to backups/DB_PASSWORD=StatusPw66z/work today.\n\n"
        "## Decisions\n\nUse SQLite.\n", newline="")
    text, problems = Workspace(root).carried_note(budget=1_500)
    assert problems == [] and "BranchPw55k" not in text and "StatusPw66z" not in text, text
    assert "backups/DB_PASSWORD=[redacted: " in text, text
    status = text.split("## Status", 1)[1]
    assert status.lstrip().startswith("Pushed to backups/") and "## Status" not in status, text
    assert "## Decisions\n\nUse SQLite." in text, text


def _carried(root: str, budget: int) -> tuple[str, list[str]]:
    return Workspace(Path(root)).carried_note(budget=budget)


def test_a_recent_decision_cut_for_length_never_ends_inside_a_mask(tmp_path: Path) -> None:
    """A subject cut to its 90 characters ended "password=[redacted: Secret Key…" (helper-72):
    a broken marker, read as a value. The cut ends before the mask it would split."""
    subject = ("add util; aws_secret_access_key=AKIAIOSFODNN7EXAMPLEKEY "
               "password=hunter2hunter2XYZ and more words after it")
    root = make_repo(tmp_path / "r", {"src/util.py": "def helper():\n    return 1\n"},
                     commits=[(subject, {"src/util.py": "def helper():\n    return 2\n"})])
    ws = Workspace(root)
    ws.refresh()
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="helper util"))
    line = next(ln for ln in made.text.splitlines() if "src/util.py" in ln)
    said = line.split("recent decision: ", 1)[1]
    assert "hunter2" not in said and "AKIAIOSFODNN7" not in said
    assert said.endswith("…") and said.count("[redacted:") == said.count("]"), said
    assert "[redacted: Secret Keyword] password=…" in said, said


def test_each_file_says_its_recent_decision_with_secrets_masked(tmp_path: Path) -> None:
    """Issue 19: a file changed by a commit of the recent window carries that commit's subject
    on its line (the newest one), a secret in the subject masked; a file no recent commit changed
    has none; ``decisions=False`` turns the lines off."""
    token = "ghp_" + "z" * 36
    root = make_repo(tmp_path / "shop", {
        "shop/voucher.py": "def apply_voucher(cart, code):\n    return cart.total() - 5\n",
        "shop/cart.py": "class Cart:\n    def total(self):\n        return 10\n",
    }, commits=[
        ("Vouchers: round the discount down, not up", {
            "shop/voucher.py": "def apply_voucher(cart, code):\n    return cart.total() - 4\n"}),
        (f"Vouchers: keep codes case-sensitive (token {token})", {
            "shop/voucher.py": "def apply_voucher(cart, code):\n    return cart.total() - 3\n"}),
    ])
    ws = Workspace(root)
    ws.refresh()
    with ws.snapshot() as snap:
        made = snap.map(MapRequest(task="apply voucher code to the cart total"))
        plain = snap.map(MapRequest(task="apply voucher code to the cart total",
                                    decisions=False))
    line = next(ln for ln in made.text.splitlines() if ln.startswith(("1.", "2.")) and
                "shop/voucher.py" in ln)
    assert "recent decision: " in line and "keep codes case-sensitive" in line, line
    assert "round the discount" not in line  # the newest only
    assert token not in made.text
    cart = next(ln for ln in made.text.splitlines() if "shop/cart.py —" in ln)
    assert "recent decision" in cart  # the initial commit is recent too (same window)
    assert "recent decision" not in plain.text


OVERLOADED = {
    "shop/price.py": (
        "from typing import overload\n\n\n"
        "class Price:\n"
        "    \"\"\"A price in cents.\"\"\"\n\n"
        "    def __init__(self, cents: int) -> None:\n"
        "        self._cents = cents\n\n"
        "    @property\n"
        "    def cents(self) -> int:\n"
        "        return self._cents\n\n"
        "    @cents.setter\n"
        "    def cents(self, value: int) -> None:\n"
        "        if value < 0:\n"
        "            raise ValueError('negative cents')\n"
        "        self._cents = value\n\n\n"
        "@overload\n"
        "def discount(price: Price, percent: int) -> Price: ...\n"
        "@overload\n"
        "def discount(price: Price, percent: float) -> Price: ...\n"
        "def discount(price, percent):\n"
        "    return Price(int(price.cents * (100 - percent) / 100))\n"),
    "web/discount.ts": (
        "export interface Price { cents: number }\n\n"
        "export function applyDiscount(price: Price, percent: number): Price;\n"
        "export function applyDiscount(price: Price, percent: string): Price;\n"
        "export function applyDiscount(price: Price, percent: number | string): Price {\n"
        "  const p = typeof percent === 'string' ? parseFloat(percent) : percent;\n"
        "  return { cents: Math.round(price.cents * (100 - p) / 100) };\n"
        "}\n"),
    "README.md": "# shop\n",
}


def test_overloads_and_nested_definitions_are_one_item_each(tmp_path: Path) -> None:
    """A property's getter and setter, ``@overload`` stubs and TypeScript overload signatures
    are one definition: named once, their lines one range; a method chosen before its class is
    folded into the class's item (and still pointed at), never listed beside it."""
    root = make_repo(tmp_path / "shop", OVERLOADED)
    workspace = Workspace(root)
    workspace.refresh()
    with workspace.snapshot() as snap:
        made = snap.map(MapRequest(task="negative cents discount percent for a price"))
    by_path = {e.path: e for e in made.entries}
    for entry in made.entries:
        names = [name for _, _, name in entry.ranges]
        assert len(names) == len(set(names)), entry.ranges
        for a, b, name in entry.ranges:
            assert not any(x <= a and b <= y for x, y, n in entry.ranges if n != name), \
                entry.ranges
    ts = by_path["web/discount.ts"]
    assert (3, 8, "applyDiscount") in ts.ranges
    py = by_path["shop/price.py"]
    line = next(t for t in made.text.splitlines() if t.startswith("1. shop/price.py") or
                t.split(". ", 1)[-1].startswith("shop/price.py"))
    assert line.count("cents") == 1 + line.count("'cents'"), line  # one item for both
    assert "discount (L21-26)" in line, line  # the stubs and the implementation, one range
    assert [r for r in py.ranges if r[2] == "Price.cents"] in ([], [(10, 18, "Price.cents")])
    if any(name == "Price" for _, _, name in py.ranges):  # the getter folded into its class
        assert "Price (L4-18; cents L10-18)" in line, line


def test_the_map_follows_the_disk_when_the_index_is_behind(tmp_path: Path) -> None:
    """The hook answers from the index as it is and refreshes it after: a file deleted since
    (a ``git checkout``, an ``rm``) is never listed, and a file edited since is read again, its
    line ranges those of the file now."""
    root = make_repo(tmp_path / "shop", FILES)
    workspace = Workspace(root)
    workspace.refresh()
    task = "apply voucher code to the cart checkout"
    with workspace.snapshot() as snap:
        before = snap.map(MapRequest(task=task))
    assert "shop/cart.py" in before.paths and before.entries[0].path == "shop/voucher.py"
    (root / "shop/cart.py").unlink()  # the index still has it
    voucher = root / "shop/voucher.py"
    voucher.write_text("# moved down\n" * 10 + voucher.read_text("utf-8"), "utf-8")
    with workspace.snapshot() as snap:
        assert snap.index.file("shop/cart.py") is not None  # (the index is behind the disk)
        made = snap.map(MapRequest(task=task))
    assert "shop/cart.py" not in made.paths and "shop/cart.py" not in made.text
    first = made.entries[0]
    assert first.path == "shop/voucher.py"
    assert (14, 16, "apply_voucher") in first.ranges, first.ranges  # 4-6, ten lines down
    lines = voucher.read_text("utf-8").splitlines()
    assert lines[13].startswith("def apply_voucher(")


def test_fold_ranges_folds_nested_and_merges_one_name_s_ranges() -> None:
    """One map item a definition (the pure rule under the map test above, on fixed ranges): a
    method chosen before its class is folded into the class and still pointed at; one chosen
    after it is inside it, left out; the adjacent ranges of one name (overloads, a getter and
    its setter) are one range."""
    from analyzers.bundles.contextmap import fold_ranges

    assert fold_ranges([(10, 18, "Price.cents"), (4, 18, "Price")]) == (
        [(4, 18, "Price")], {"Price": ["cents L10-18"]})
    assert fold_ranges([(4, 18, "Price"), (10, 18, "Price.cents")]) == ([(4, 18, "Price")], {})
    assert fold_ranges([(21, 22, "discount"), (23, 24, "discount"), (25, 26, "discount")]) == (
        [(21, 26, "discount")], {})
    assert fold_ranges([(3, 3, "applyDiscount"), (4, 8, "applyDiscount"), (40, 50, "other")]) \
        == ([(3, 8, "applyDiscount"), (40, 50, "other")], {})
