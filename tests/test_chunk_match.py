"""The task's words in one stretch of a candidate's lines (``analyzers.bundles.chunkmatch``), a
feature of the learned re-ranking: real texts in, and through the ranker on a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest
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
    real = chunkmatch.features

    def spy(task: list[str], bags: list[chunkmatch.Bags], *rest: object) -> object:
        seen.append([len(b) for b in bags])
        return real(task, bags, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(chunkmatch, "features", spy)
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
