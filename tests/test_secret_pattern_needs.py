"""The secret detector's patterns skip a line holding none of their literals (``Pattern.needs``):
each pattern's ``needs`` must be implied by its regular expression, read with Python's own parser,
or a secret would go unread. And a line holding none of them compiles none of those patterns (the
~50 ms a warm bundle paid to mask reasons naming ``update_order_authorize_data``)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from re import _constants as C  # noqa: N812
from re import _parser

import pytest

from analyzers import secrets


def _all_patterns() -> list[tuple[str, secrets.Pattern]]:
    out = [(f"PATTERNS[{i}]", p) for i, p in enumerate(secrets.PATTERNS)]
    out += [(f"DEFAULT_PATTERNS[{i}]", p) for i, p in enumerate(secrets.DEFAULT_PATTERNS)]
    out += [(n, getattr(secrets, n)) for n in ("CONFIG_PATTERN", "FLOW_PATTERN", "INLINE_PATTERN")]
    return out


def _holds(needs: tuple[str, ...], seq: list, ic: bool) -> bool:
    """Whether every match of the parsed ``seq`` holds one of ``needs``: a run of literals holds
    one, or an item every match of which does (each alternative of a branch; a group; what is
    repeated at least once). The parser factors alternatives' common start out of a branch
    (``mysql|mariadb`` is ``m`` then ``ysql|ariadb``): the run before a branch is read as the
    start of each alternative."""
    run: list[str] = []
    for op, av in seq:
        if op is C.LITERAL:
            run.append(chr(av).lower() if ic else chr(av))
            continue
        if op is C.AT:  # (zero-width: the run goes on)
            continue
        if op is C.BRANCH:
            before = [(C.LITERAL, ord(c)) for c in run]
            if all(_holds(needs, before + list(alt), ic) for alt in av[1]):
                return True
        text = "".join(run).lower()
        if any(n in text for n in needs):
            return True
        run.clear()
        if op is C.IN and av and all(o is C.LITERAL for o, _ in av):
            if all(chr(c).lower() in needs for _, c in av):
                return True
        elif op is C.SUBPATTERN:
            _, add, delete, sub = av
            if _holds(needs, list(sub), (ic or bool(add & C.SRE_FLAG_IGNORECASE))
                      and not delete & C.SRE_FLAG_IGNORECASE):
                return True
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            if _holds(needs, list(av[2]), ic):
                return True
        elif op is C.ATOMIC_GROUP and _holds(needs, list(av), ic):
            return True
    return any(n in "".join(run).lower() for n in needs)


def _implied(needs: tuple[str, ...], regex: re.Pattern[str]) -> bool:
    """Whether every match of ``regex`` holds one of ``needs`` (in lower case)."""
    parsed = _parser.parse(regex.pattern, regex.flags)
    return _holds(needs, list(parsed), bool(parsed.state.flags & re.IGNORECASE))


@pytest.mark.parametrize(("name", "pattern"), _all_patterns(), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_each_patterns_needs_are_implied_by_its_expression(name: str,
                                                          pattern: secrets.Pattern) -> None:
    if not pattern.needs:
        return
    assert all(n == n.lower() and n for n in pattern.needs), name
    assert _implied(pattern.needs, pattern.regex), \
        f"{name}: a match need not hold any of {pattern.needs}: {pattern.regex.pattern[:120]}"


def test_the_check_itself_tells_a_wrong_need() -> None:
    assert _implied(("bearer",), re.compile(r"(?i)\bbearer\s+(?P<v>\w{12,})"))
    assert not _implied(("token",), re.compile(r"(?i)\bbearer\s+(?P<v>\w{12,})"))
    assert _implied((":", "="), re.compile(r"pw\s*(?::=|=>|[:=])\s*\w+"))
    assert not _implied(("=",), re.compile(r"pw\s*(?::=|=>|[:=])\s*\w+"))


def test_most_patterns_are_gated() -> None:
    gated = [n for n, p in _all_patterns() if p.needs]
    assert len(gated) >= 45, gated


def test_a_line_without_their_literals_compiles_none_of_them() -> None:
    """In a fresh interpreter: masking a reason whose identifier holds "auth" reads it, but
    compiles no vendor token's pattern, nor a command line's."""
    code = textwrap.dedent("""
        from analyzers import secrets as s
        line = ("defines `add_gift_cards_to_order` (4\u00d7), "
                "`update_order_authorize_data` (3\u00d7), used in `saleor/checkout/complete.py`")
        assert s.might_hold_secret(line)
        assert s.redact(line) == line
        compiled = [p for p in s.PATTERNS if p.regex._compiled is not None]
        print(len(compiled), len(s.PATTERNS))
        skipped = [p.kind for p in s.PATTERNS if p.kind in (
            "OpenAI Token", "GitHub Token", "Command Line Password", "JSON Web Token")]
        assert skipped and not [p for p in s.PATTERNS if p.kind in skipped
                                and p.regex._compiled is not None]
        assert "Zq7vR2pLx9wQ" not in s.redact("password = 'Zq7vR2pLx9wQ'")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    compiled, total = map(int, done.stdout.split())
    assert compiled <= total // 4, (compiled, total)


@pytest.mark.parametrize("line", [
    "token = sk-proj-" + "Ab3" * 10,
    "curl -u admin:Zq7vR2pLx9wQ https://example.com",
    "mysql -uroot -pZq7vR2pLx9wQ db",
    "Authorization: Bearer Zq7vR2pLx9wQAbCdEf",
    "login ci password Zq7vR2pLx9wQ",
    "ghp_" + "a1B2" * 9,
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
])
def test_gated_patterns_still_find_their_secrets(line: str) -> None:
    assert secrets.find_secrets(line + "\n"), line
    upper = line.upper() if line.startswith("mysql") else line  # (curl's is lower case only)
    assert secrets.find_secrets(upper + "\n"), upper


@pytest.mark.parametrize("line", [
    "sshpa\u017fs -p Zq7vR2pLx9wQ ssh host",  # a long s: (?i) reads it as "s"
    "mysqldump --pa\u017f\u017fword=Zq7vR2pLx9wQ db",
    "doc\u212aer login -u ci -p Zq7vR2pLx9wQ",  # the Kelvin sign: "k"
    "mysql -uroot -pZq7vR2pLx9wQ db  # \u00d7 (another letter: read as ever)",
])
def test_letters_ignorecase_reads_as_ascii_ones_are_not_gated(line: str) -> None:
    """``re.IGNORECASE`` matches four letters to ASCII ones (``İ ı ſ K``): a line holding one is
    still read (folded to ASCII first, and never gated by its lower case)."""
    assert secrets.find_secrets(line + "\n"), line
