"""The task's words in one stretch of a candidate's lines (``analyzers.bundles.chunkmatch``), a
feature of the learned re-ranking: real texts in, and through the ranker on a real repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gitutil import make_repo
from test_bundle_fusion import ranked, shop  # noqa: F401  (the fixture)

from analyzers import lexical
from analyzers.bundles import chunkmatch, fusion
from analyzers.cancel import Cancelled, CancelToken

TASK = lexical.stems(lexical.task_words("retry the upload when the token expired"))


def _code(n: int, body: str) -> bytes:
    return "\n".join(f"def helper_{i}(value):\n    return value * {i}\n" for i in range(n)
                     ).encode() + body.encode()


def test_a_large_file_whose_one_stretch_holds_the_task_leads() -> None:
    big = _code(400, "\ndef upload(client):\n    # retry when the token expired\n"
                     "    if client.token_expired():\n        return client.retry_upload()\n")
    scattered = b"\n".join([b"token = 1"] + [b"x = 2"] * 200 + [b"upload = 3"] + [b"y = 4"] * 200
                           + [b"def retry(): pass"])
    none = b"import os\nprint(os.getcwd())\n"
    f = chunkmatch.features(TASK, [chunkmatch.chunk_bags(t) for t in (big, scattered, none)])
    assert f.shape == (3, len(chunkmatch.FEATURES))
    assert f[0, 0] == 1.0 and f[0, 1] == 1.0  # the best window of all, ranked first
    assert 0 < f[1, 0] < 0.6  # its words are 200 lines apart: no window holds them together
    assert f[0, 2] > 2 * f[1, 2]  # the share of the task's weight one window holds
    assert f[2].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_windows_overlap_and_are_bounded() -> None:
    text = "\n".join(f"line_{i}" for i in range(100)).encode()
    blocks = chunkmatch.chunk_bags(text)
    assert len(blocks) == 7  # windows start at 0, 15, ..., 75: six, each two blocks of 15 lines
    first = blocks[0][0] + blocks[1][0]
    assert "line_29" in first and "line_30" not in first and "line_29" in blocks[1][0]
    assert all(total == sum(bag.values()) for bag, total in blocks)
    huge = b"a\n" * (chunkmatch.MAX_CHUNKS * chunkmatch.CHUNK_STEP * 2)
    assert len(chunkmatch.chunk_bags(huge)) == chunkmatch.MAX_CHUNKS + 1
    assert [total for _, total in chunkmatch.chunk_bags(b"")] == [0, 0]  # one empty window


def test_no_task_word_or_no_text_gives_zeros() -> None:
    bags = [chunkmatch.chunk_bags(b"def upload(): pass"), []]  # a file not read: no windows
    assert not chunkmatch.features([], bags).any()
    assert not chunkmatch.features(TASK, [[], []]).any()


def test_the_shipped_model_reads_the_chunk_features() -> None:
    trees = fusion.model()
    assert trees is not None
    assert trees.extras == chunkmatch.FEATURES
    assert trees.feature.max() < len(trees.signals) + len(fusion.PATH_FEATURES) + len(
        trees.extras)
    used = set(trees.feature[trees.feature >= 0].tolist())
    first = len(trees.signals) + len(fusion.PATH_FEATURES)
    assert used & set(range(first, first + len(trees.extras)))  # the trees split on them


def test_the_ranker_reads_every_file_of_the_head(shop: Path,  # noqa: F811
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[int]] = []
    real = chunkmatch.match

    def spy(words: list[str], bags: list[chunkmatch.Bags], *rest: object) -> object:
        seen.append([len(b) for b in bags])
        return real(words, bags, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(chunkmatch, "match", spy)
    got = ranked(shop, task="checkout discount rounding for the order total")
    trees = fusion.model()
    assert trees is not None
    assert len(seen) == 1 and len(seen[0]) == min(len(got), trees.top)
    assert all(n >= 2 for n in seen[0])  # every candidate of the head was read (a window at least)


def test_a_task_of_thousands_of_words_is_cancellable() -> None:
    words = [f"word{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}"
             for i in range(3000)]
    text = "\n".join(" ".join(words[i:i + 5]) for i in range(0, len(words), 5)).encode()
    bags = [chunkmatch.chunk_bags(text)] * 3
    task = lexical.stems(lexical.task_words(" ".join(words)))
    assert chunkmatch.features(task, bags)[:, 0].tolist() == [1.0, 1.0, 1.0]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        chunkmatch.features(task, bags, token.check)
    with pytest.raises(Cancelled):  # as the ranker asks it
        chunkmatch.match(lexical.task_words(" ".join(words)), bags, [text] * 3, token.check)


# -- the stretch a candidate's features describe, named in its reasons ---------------------------

def test_match_gives_the_features_and_each_candidates_best_stretch() -> None:
    big = _code(100, "\ndef upload(client):\n    # retry when the token expired\n"
                     "    if client.token_expired():\n        return client.retry_upload()\n")
    short = b"x = 1\n" * 36 + b"def retry_upload():\n    pass\n"  # 38 lines: windows 1-30, 16-45
    none = b"import os\n"
    texts = (big, short, none)
    bags = [chunkmatch.chunk_bags(t) for t in texts]
    words = lexical.task_words("retry the upload when the token expired")
    got = chunkmatch.match(words, bags, texts)
    assert got.features.tobytes() == chunkmatch.features(TASK, bags).tobytes()
    first, second, third = got.stretches
    assert first is not None and second is not None and third is None
    lines = big.decode().splitlines()
    at = [i + 1 for i, ln in enumerate(lines) if "token" in ln or "retry" in ln]
    assert first.first <= min(at) and max(at) <= first.last
    assert first.last == min(first.first + 29, len(lines))  # (the file ends there)
    assert set(first.words) == {"retry", "upload", "token", "expired"}  # as written, not stems
    assert first.place == 0 and first.share == 1.0 and first.telling
    assert (second.first, second.last) == (16, 38)  # clipped to the file's last line
    assert second.words == ("retry", "upload")
    assert [chunkmatch.line_count(t) for t in (b"", b"a", b"a\n", b"a\nb")] == [0, 1, 1, 2]


def test_a_stretch_is_telling_with_two_words_or_one_no_other_candidate_holds() -> None:
    def stretches(task: str, *texts: bytes) -> list[chunkmatch.Stretch | None]:
        return chunkmatch.match(lexical.task_words(task), [chunkmatch.chunk_bags(t) for t in texts],
                                texts).stretches

    alone, shared = stretches("voucher discount", b"voucher = 1\n", b"total = 2\n")[0], \
        stretches("voucher discount", b"voucher = 1\n", b"voucher = 2\n")[0]
    assert alone is not None and alone.only_here and alone.telling
    assert shared is not None and not shared.only_here and not shared.telling
    # the sixth best file's stretch is not named, however many words it holds
    many = stretches("voucher discount twice", *[b"voucher discount twice\n"] * 6)
    assert [s.telling for s in many if s is not None] == [True] * 5 + [False]


PROMOTIONS_AT = 200  # the line where the one function holding the task's words starts


def _promotions(secret: str = "") -> str:
    filler = "".join(f"def scale_{i}(value):\n    return value * {i}\n\n"
                     for i in range((PROMOTIONS_AT - 1) // 3))
    filler += "\n" * (PROMOTIONS_AT - 1 - filler.count("\n"))
    return filler + (
        "def apply_once(order, voucher):\n"
        '    """A voucher\'s discount is applied once per order, never twice."""\n'
        f"    token = '{secret}'\n" if secret else
        "def apply_once(order, voucher):\n"
        '    """A voucher\'s discount is applied once per order, never twice."""\n'
    ) + ("    if voucher.code in order.codes:\n"
         "        return order  # applied already: twice would double the discount\n"
         "    order.total -= voucher.amount\n"
         "    return order\n\n\n") + "".join(
        f"def shift_{i}(value):\n    return value - {i}\n\n" for i in range(40))


def _weaker() -> dict[str, str]:
    """Files holding the task's words one at a time, far apart."""
    pad = "".join(f"x_{i} = {i}\n" for i in range(60))
    return {"shop/cart.py": f"discount_rate = 0.1\n{pad}total_voucher = None\n",
            "shop/orders.py": f"def place(order):\n    return order\n{pad}"
                              "# applied by the worker\n",
            "shop/ledger.py": f"twice = 2\n{pad}discount_cap = 5\n"}


TASK_WORDS = "the voucher discount is applied twice to an order"


def _bundle_reasons(root: Path, task: str) -> dict[str, list[str]]:
    """Each item's reasons in a real task-only bundle (the CLI's JSON)."""
    from gitutil import run_cli

    proc = run_cli("bundle", "--task", task, "--format", "json", "--budget", "20000", cwd=root)
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)["items"]
    assert len(items) >= 3, items
    return {i["path"]: i["reasons"] for i in items}


def _stretch_reasons(root: Path, task: str) -> dict[str, list[str]]:
    return {p: [r for r in rs if STRETCH.fullmatch(r)]
            for p, rs in _bundle_reasons(root, task).items()}


STRETCH = re.compile(r"lines (\d+)–(\d+) hold ((?:'[^']*'(?:, )?)+) from the task")


def test_a_bundle_names_the_stretch_of_a_large_file_that_holds_the_task(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", None, commits=[
        ("cart", _weaker()), ("promotions", {"shop/promotions.py": _promotions()})])
    reasons = _bundle_reasons(root, TASK_WORDS)
    named = {p: [r for r in rs if STRETCH.fullmatch(r)] for p, rs in reasons.items()}
    (reason,) = named["shop/promotions.py"]
    said = reasons["shop/promotions.py"]  # right after the words the file holds
    assert said[said.index(reason) - 1].startswith("matches ")
    m = STRETCH.fullmatch(reason)
    assert m is not None
    first, last = int(m[1]), int(m[2])
    lines = (root / "shop/promotions.py").read_text().split("\n")
    held = [n for n, ln in enumerate(lines, 1) if "voucher" in ln and "discount" in ln]
    # narrowed to the lines holding the words the reason names, within one window of 30
    assert held and first <= min(held) <= max(held) <= last and last - first < 30
    assert first == PROMOTIONS_AT  # the function's first line (it names the voucher), not a blank
    quoted = re.findall(r"'([^']*)'", m[3])
    assert {"voucher", "discount"} <= set(quoted) and set(quoted) <= set(TASK_WORDS.split())
    assert not any(named[p] for p in named if p != "shop/promotions.py")  # weaker: one word


def test_no_stretch_is_named_when_the_words_are_spread_thinly(tmp_path: Path) -> None:
    gap = "".join(f"y_{i} = {i}\n" for i in range(50))
    files = {f"shop/part{k}.py": f"{a}_rate = 1\n{gap}{b}_rate = 2\n{gap}"
             for k, (a, b) in enumerate([("voucher", "discount"), ("discount", "twice"),
                                          ("twice", "voucher"), ("voucher", "discount")])}
    root = make_repo(tmp_path / "repo", None, commits=[("parts", files)])
    named = _stretch_reasons(root, "voucher discount twice")
    assert not any(named.values()), named


def test_a_secret_in_the_task_is_never_quoted_in_a_stretch(tmp_path: Path) -> None:
    token = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"
    root = make_repo(tmp_path / "repo", None, commits=[
        ("cart", _weaker()), ("promotions", {"shop/promotions.py": _promotions(token)})])
    task = f"{TASK_WORDS}, log: GITHUB_TOKEN={token} in apply_once"
    named = _stretch_reasons(root, task)
    assert named["shop/promotions.py"]  # the stretch is named, its words the task's
    said = json.dumps(named).lower()
    assert not any(piece in said for piece in (token.lower(), "wwpw5k4", "0ucnzw", "ghp"))


def test_the_stretch_reason_names_the_task_s_words_as_written() -> None:
    """The reason quotes the task's own identifiers ("URLs", "ProgressBar"), not their lower-case
    pieces ("ur", "ls", "progressbar"); a secret in the task is never among them."""
    task = "Add ProgressBar support for URLs; token ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2 + "xY"
    wanted = set(lexical.task_words("ProgressBar URLs"))
    assert lexical.as_written(task, wanted) == ["ProgressBar", "URLs"]
    assert lexical.as_written("the urls and the URLs", {"urls"}) == ["urls"]
    every = set(lexical.task_words(task))
    assert not any(w.startswith("ghp_") for w in lexical.as_written(task, every))


def test_a_stretch_is_narrowed_to_the_lines_holding_its_words() -> None:
    """The window's first lines are blank and its last the next definition: the stretch named
    (and the editor's focus) runs from the first line holding a word it names to the last."""
    text = ("\n" * 5 + "def apply(voucher):\n    x = 1\n    return discount(voucher)\n"
            + "def other():\n    pass\n" * 10).encode()
    st = chunkmatch.Stretch(1, 30, ("voucher", "discount"), 0, 1.0, 2, False)
    got = chunkmatch.narrowed(st, text)
    assert (got.first, got.last) == (6, 8) and got.words == st.words
    none = chunkmatch.Stretch(1, 30, ("absent",), 0, 1.0, 1, True)
    assert chunkmatch.narrowed(none, text) == none  # nothing to narrow to: as it was
