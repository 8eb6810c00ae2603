"""A table of secret forms for the security tests: cases whose values must be masked (the text
around them kept, the line count unchanged) and look-alikes that must come back unchanged, each
with the function that reads it (:func:`analyzers.secrets.redact` or ``redact_git``)."""

from __future__ import annotations

from collections.abc import Callable

Reader = Callable[..., str]


class SecretCases:
    def __init__(self, default: Reader) -> None:
        self.default = default
        # id -> (text, filename, the secret values, text that must stay, which function)
        self.cases: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...], Reader]] = {}
        # id -> (text, filename, which function): no secret, left exactly as it is
        self.benign_cases: dict[str, tuple[str, str, Reader]] = {}

    def case(self, name: str, text: str, filename: str, secrets: tuple[str, ...],
             kept: tuple[str, ...], fn: Reader | None = None) -> None:
        assert name not in self.cases, name
        self.cases[name] = (text, filename, secrets, kept, fn or self.default)

    def benign(self, name: str, text: str, filename: str = "", fn: Reader | None = None) -> None:
        assert name not in self.benign_cases, name
        self.benign_cases[name] = (text, filename, fn or self.default)

    def check_masked(self, name: str) -> None:
        text, filename, secrets, kept, fn = self.cases[name]
        out = fn(text, filename)
        for secret in secrets:
            assert secret not in out, (name, out)
        assert "[redacted: " in out
        for word in kept:
            assert word in out, (name, word, out)
        assert out.count("\n") == text.count("\n")

    def check_kept(self, name: str) -> None:
        text, filename, fn = self.benign_cases[name]
        assert fn(text, filename) == text
