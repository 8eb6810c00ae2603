"""The trigger words' tree patterns find a text's words exactly as a test per word does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers import secrets

LISTS = {"keywords": secrets.KEYWORDS, "ds": secrets._DS_HINTS,  # noqa: SLF001
         "own": secrets._OWN_WORDS, "env": secrets._ENV_HINTS}  # noqa: SLF001
PATTERNS = {"keywords": secrets._ANY_KEYWORD, "ds": secrets._ANY_DS,  # noqa: SLF001
            "own": secrets._ANY_OWN, "env": secrets._ANY_ENV}  # noqa: SLF001


@st.composite
def texts(draw: st.DrawFn, words: tuple[str, ...]) -> str:
    """Texts of the words' own letters: whole words, words cut short, words run together."""
    letters = sorted(set("".join(words)) | {" ", "_", "X"})
    parts = draw(st.lists(st.one_of(
        st.sampled_from(words), st.sampled_from(words).map(lambda w: w[:-1]),
        st.sampled_from(words).map(lambda w: w[1:]),
        st.text(alphabet=letters, max_size=6)), max_size=8))
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_tree_patterns_match_a_test_per_word(data: st.DataObject) -> None:
    for name, words in LISTS.items():
        text = data.draw(texts(words), label=name)
        assert (PATTERNS[name].search(text) is not None) == any(w in text for w in words), name


def test_a_word_and_its_longer_forms_are_found() -> None:
    """A word that starts another ("pass", "password") ends the search where it is found."""
    pattern = secrets._any_of(("pass", "password", "pwd", "token"))  # noqa: SLF001
    for text, found in [("the passwor", True), ("pas sword", False), ("a_pwd", True),
                        ("tok en", False), ("apitoken", True), ("", False)]:
        assert (pattern.search(text) is not None) == found, text
