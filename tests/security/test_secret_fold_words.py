"""The look-alike fold (``secrets._folded``) finds its words from their starts only: the same
matches as the plain pattern ``[word]*[folded][word]*``, whose reading from every letter of a long
word was quadratic (1.1 s of CPU on the scanner's own 270 KB source, which the Quickstart's
bundle scans)."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from analyzers import secrets

TABLE, WORDS, _ = secrets._confusables()
FOLDED = "".join(sorted(chr(c) for c in TABLE))
PLAIN = re.compile(rf"[\w{secrets._HYPHENS}]*[{re.escape(FOLDED)}][\w{secrets._HYPHENS}]*")
# Latin, blanks, marks, a few of the folded letters (Cyrillic, small capitals, fullwidth, the
# hyphens), the fullwidth low line (folded, yet no word character), letters never folded
ALPHABET = "abX_0 -=:'\"\n" + "асоКＡ\uff3f\u2010\u2014ᴘé" + "ℹ№" + FOLDED[::97]


def _fold(m: re.Match[str]) -> str:
    word = m.group()
    latin = word.translate(TABLE)
    return latin if latin.isascii() else word


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=24))
@example("ук\u2010a\uff3fXсТ\uff3f'")  # a fullwidth low line right after a folded word
@example("é\uff3fb\uff3fc")
@example("pаss\uff3fwоrd = 'x'")
def test_the_fold_finds_the_plain_pattern_s_words(text: str) -> None:
    assert WORDS.sub(_fold, text) == PLAIN.sub(_fold, text)


def test_a_long_word_with_look_alikes_is_folded_whole() -> None:
    word = "pаsswоrd" + "x" * 5000 + "ѕecret"
    assert WORDS.sub(_fold, word) == "password" + "x" * 5000 + "secret"


def test_detect_secrets_holds_the_settings_last_asked_for_only() -> None:
    """detect-secrets is configured once per change of settings (not around every pass): a
    configuration asked for after another holds its own plugins only, never both."""
    from detect_secrets.settings import get_plugins, get_settings

    fast = secrets._plugin_settings(without=secrets.SLOW_DETECTORS)
    slow = secrets._plugin_settings(only=secrets.SLOW_DETECTORS)
    with secrets._DS_LOCK:
        for asked in (fast, slow, fast):
            secrets._ds_configure(asked)
            names = {p["name"] for p in asked["plugins_used"]}
            assert set(get_settings().plugins) == names
            assert {type(p).__name__ for p in get_plugins()} == names
