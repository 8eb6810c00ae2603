"""Secret forms a verifier found shown (third round): YAML values past comments and blank lines,
in lists, block scalars with indentation indicators and folded plain scalars; free-text forms in
commit messages (``token => …``, ``api key …``, a zero-width character inside a secret's name,
an ``@`` inside a URL's password, a percent-encoded URL); code (a value joined from literals, a
default on the next line, triple-quoted values, comments before a value); tables (HTML and
AsciiDoc spans, headers in other languages, tab-separated reStructuredText tables, AsciiDoc CSV
tables); JSON Web Keys in JavaScript, ``dict(...)`` and TOML. Each case calls the real
:func:`redact` (or :func:`redact_git`) on realistic text: the secret value is gone, the text
around it is kept. A close look-alike that is no secret is left as it is."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from analyzers.secrets import redact

# id -> (text, filename, the secret values, text that must stay, which function)
Case = tuple[str, str, tuple[str, ...], tuple[str, ...], Callable[..., str]]
CASES: dict[str, Case] = {}
# id -> (text, filename, which function): no secret, left exactly as it is
BENIGN: dict[str, tuple[str, str, Callable[..., str]]] = {}


def case(name: str, text: str, filename: str, secrets: tuple[str, ...], kept: tuple[str, ...],
         fn: Callable[..., str] = redact) -> None:
    CASES[name] = (text, filename, secrets, kept, fn)


def benign(name: str, text: str, filename: str, fn: Callable[..., str] = redact) -> None:
    BENIGN[name] = (text, filename, fn)


# -- the false positive: hf_ and 34 letters of one case is an identifier, not a token ----------

benign("hf lower-case identifier", 'MODEL = "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"\n'
       "# see 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\n", "models.py")
benign("hf upper-case identifier", "HF_AUTOMODELFORSEQUENCECLASSIFICATION = 1\n"
       "x = 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\n", "models.py")
case("hf token of mixed-case letters", 'see 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 for the model\n',
     "NOTES.md", ("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",), ("see ", " for the model"))


# -- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_secret_form_is_masked(name: str) -> None:
    text, filename, secrets, kept, fn = CASES[name]
    out = fn(text, filename)
    for secret in secrets:
        assert secret not in out, (name, out)
    assert "[redacted: " in out
    for word in kept:
        assert word in out, (name, word, out)


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_look_alike_is_kept(name: str) -> None:
    text, filename, fn = BENIGN[name]
    assert fn(text, filename) == text
