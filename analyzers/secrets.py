"""What an agent must never see: secret-bearing file names, and secret values in any text.

Names are matched first (cheap). Text is scanned line by line: a keyword prefilter (one regex, run
in C) picks the few lines that might hold a secret; those go to detect-secrets' precise detectors
(cloud keys, tokens, private keys, basic-auth URLs, JWTs) and its keyword detector (a quoted value
assigned to a name such as ``password``, ``secret`` or ``api_key``), with detect-secrets'
standard heuristic filters (no templated, sequential, UUID-like or ``$VAR`` values) but *not* its
``# pragma: allowlist secret`` filter (that pragma silences a CI scanner; it does not make a
secret fit for an agent), and to our own patterns for the forms detect-secrets misses
(:data:`PATTERNS`: XML ``<add key= value=>``, Go/JS ``Password: "…"``, typed and bytes
literals (``apiKey: string = "…"``, ``PASSWORD = b"…"``), connection strings, ``auth=("user",
"…")``, ``("DB_PASSWORD", "…")`` pairs, ``Bearer …`` and ``Authorization: Token/Basic …``,
command lines (``mysql -p…``, ``--password=…``, ``curl -u user:…``), URL query secrets
(``?private_token=…``), OpenAI ``sk-proj-`` and Anthropic ``sk-ant-`` keys, netrc lines,
"password is …" and "password: …" in prose (the whole value, its trailing punctuation too),
unquoted AWS secret keys, PEM bodies). In text, configuration and git subjects (not source code)
``NAME=value`` counts anywhere on a line (``make deploy PASSWORD=…`` in a code span). A quoted
value of 12+ lower-case letters assigned to a password name (``password = "mysecretpassword"``,
a well-known default) is a credential unless it reads as a test's label (``"wrongpassword"``);
so is a quoted phrase of several words (``PASSWORD = "correct horse battery staple"``), the whole
of it, unless it reads as a prompt, a label or a message (``"Please enter the password."``).
Its high-entropy detectors stay off: they flag hashes and test fixtures far more often than real
secrets. Invisible format characters (Unicode category Cf: zero-width spaces, bidi controls) are
ignored while reading, so ``PASS\u200bWORD=…`` is a password's name; masks are placed on the
original text. Values are also read in tables (Markdown, HTML with spans, reStructuredText,
AsciiDoc with spans and CSV, Org; headers in several languages), YAML past comments and blank
lines, lists and block scalars, concatenated and joined literals, ``getenv`` defaults on the next
line, and JSON Web Keys' private members in JSON, YAML, Python, JS and TOML.
:func:`redact_git` adds the rules of git's free text (``NAME=value``, ``token => v``, ``api key
V``, flattened and percent-encoded URLs with credentials); documents (Markdown, reStructuredText,
plain text, AsciiDoc, Org) are read with its prose forms too (``token => v``, ``api key V``,
``user:p@ss@host``), and CSV and TSV files as tables.

:func:`find_secrets` returns each secret's span per line; :func:`secret_in_text` the first one as
a short reason; :func:`redact` masks each value as ``[redacted: KIND]``.

Files in bundles (:class:`ScanCache`, :func:`scan_text`): a file is left out whole only when its
name says it holds secrets (:func:`secret_by_name`) or when it is secret material as a whole
(:func:`secret_as_a_whole`: a private key block, or at least half of its non-blank lines holding a
secret); any other file holding a secret is shown with each value masked (:func:`redact_lines`),
its line count unchanged.

The rule for every text we derive from git or from files and show an agent (commit subjects,
branch, remote and ref names, TODO lines, rank reasons, symbol names, instruction-file
excerpts): it passes through :func:`redact` where it is produced, so no edge has to remember to.
"""

from __future__ import annotations

import bisect
import fnmatch
import functools
import hashlib
import itertools
import json
import posixpath
import re
import string
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, cast

from analyzers.lexical import split_identifier  # (lexical reads secrets only inside a function)


class _LazyPattern:
    """A regular expression compiled when first used. The module holds ~180 patterns, most of
    them for text few runs ever scan (a warm bundle reuses its cached scans); compiling them all
    on import cost ~100 ms of every command, hook and server start (bench/README, "Bundle
    latency", session 19). Only ``re.Pattern``'s methods are used on them, never ``re.sub(P,
    ...)`` and the like, which want a real pattern."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> str:
        return self._args[0]

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(*self._args)
        return getattr(compiled, name)


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, deferred to the pattern's first use."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))

SECRET_NAME_PATTERNS = (
    "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks",
    "*.keystore", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".pypirc",
    ".npmrc", "credentials", "credentials.json", "*.kdbx", "secrets.y*ml", ".htpasswd",
    "*.ppk", ".pgpass", "pgpass.conf", "*.pgpass",
)
EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist")

DETECTORS = (
    "AWSKeyDetector", "AzureStorageKeyDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "PrivateKeyDetector", "SlackDetector", "StripeDetector", "TwilioKeyDetector",
    "SendGridDetector", "PypiTokenDetector", "NpmDetector", "OpenAIDetector",
    "DiscordBotTokenDetector", "TelegramBotTokenDetector", "MailchimpDetector",
    "ArtifactoryDetector", "BasicAuthDetector", "JwtTokenDetector", "KeywordDetector",
)
# Answers cached under another version (another set of detectors) are dropped. 4: our own
# patterns, per-line prefilter, the allowlist pragma ignored. 6: command lines, inline
# NAME=value in text, Authorization schemes, OpenAI/Anthropic keys, URL query secrets.
# 7: each file's findings (line, span, kind) and whether it is secret material as a whole, not only
# a reason: files holding a few secrets are shown redacted; a value on a line carrying the
# allowlist pragma is a secret whatever the detectors say.
# 8: a line where detect-secrets found values is scanned again with them blanked out (two tokens
# of one kind on a line, a token repeated in a comment); in configuration, further names on a line
# (flow mappings, INI comments).
# 9: values over 300 characters read to their end; a token in a call on a short line is a token
# (the indirect-reference filter is for keyword matches only); a line read again until nothing
# more is found.
# 10: every kind of GitLab token, AKC keys in any quotes, placeholders by word, Markdown forms.
# 30: a quoted phrase after a secret's name ("correct horse battery staple"), the whole of it; a
# YAML value after an anchor or tag (``password: &pw …``), not a local tag's name (``!secret``);
# in text, a value on the line after its name's ``=`` or ``:``; HTML cells in inline tags.
# 31: YAML values past comments and blank lines, in lists, folded; free-text forms of commit
# messages; format characters inside a name; values joined from literals, triple-quoted, after a
# comment; table spans and headers in other languages; JSON Web Keys in code and TOML; not
# ``hf_`` and 34 letters of one case.
# 32: in code, a parameter's or field's type where prose's value would be (``secret: &[u8]``,
# ``password: &str``, ``Vec<u8>``) is no value. (redact_git's free-text forms, which no cached
# scan reads, changed too: credentials before an IP address, ``https___``, values of any length.)
# 33: a name's host, port or hashing is about a secret; values asking to be filled in
# (``change-me``, ``REPLACE_ME``) no secret; ``hf_`` tokens of one case under a secret's name;
# ``Map.of`` pairs, a name in pieces (``"pass" + "word"``); YAML block scalars as list items,
# folded quoted values, anchors and tags before blocks and lists, flow and nested lists,
# ``tokens:``; a comment's line or ``/* */`` before a value, a "+" leading a line; git's
# free-text forms in documents; tables headed Token, PIN, PW, in Russian, in ``<td><b>``,
# reStructuredText's csv-table, CSV and TSV files.
# 34: a fill-in value only in its exact forms (``ChangeMe2024`` is a password); a Token column's
# names with a number (``GPT2TokenizerFast``) no secret; a YAML list item's block or value after
# a comment, anchor or tag; documents' ``**Password:** v``, ``PW: v``, ``pass: v``,
# ``api key `v```, ``user:pw@db.example.com`` (in git's text too).
# 35: a value found once masked at its every other place in the file; Terraform variables'
# defaults, Kubernetes Secrets' data and stringData; lists over lines after a secret's name (and
# code's one-line lists), ``Map.of(``/``mapOf(`` entries over lines, ``/* */`` over lines, a
# backquoted literal on the next line; YAML's ``- value: …`` under ``tokens:``, complex keys,
# quoted values folded from the next line; prose's ``bearer token v``, ``client secret v``,
# ``is `v`.``, ``creds: u / v``, definition lists; names in look-alike letters read as Latin; a
# validator's test cases in a password column (``invalid2``) no secret.
# 36: a plain word found as a password is not masked at its other places; weak passwords
# run together from outcome and password words are passwords in a table; a random-looking
# value after a secret's word in a comment (``# TODO: remove hardcoded password Gv…``).
# 37 (7a): configuration files' forms (sections, dotted names, continuations, Terraform
# heredocs and lists, nested and JSON Kubernetes Secrets, secrets: maps).
# 38: both rounds of session 20 (37 was each round alone).
# 39: round-8 forms (properties blank separator, raw strings, TOML triple quotes, fenced INI,
# quoted value after a name in free text; locale labels kept)
# 41: a token's generated value from 10 characters (GENERATED_TOKEN)
# 42: round-10 forms (literals in pieces anywhere after a name, lists opened at a line's end,
# IDENTIFIED BY over lines, dashes and fullwidth separators in names, Lua long strings over lines)
# 43: IDENTIFIED BY in small letters only in SQL files or quoted
# 44: round-11 forms (shell continuations, setenv/setx/Set-Item env:, setProperty under a
# constant, PHP's arrow alone on a line, #define continued, Oracle's S:;T: hashes, spaced
# fullwidth separators, dotless i and long s, Lua long strings over lines, freeze( then [, Map
# entries, Rust format!/concat! under a field, call or previous line, YAML ``? password`` then
# ``: |``, documents' blocks after "password:"; kept: concat!'s prose, CamelCase class names)
# 45: round-12 forms (ideographic spaces and small ＝/： as separators, dotted İ in a name,
# Java's put(CONST, "V"), Object.fromEntries, Rust's String::from, Dockerfile's ENV continued)
# 49: round-15 forms (an option's default, setattr's and credentials=' pairs, db_pw, a quoted
# sshpass/docker login value and commands continued over lines, chpasswd, .pgpass heredocs,
# Bearer tokens from 12 characters, labels escaped or in HTML tags, Spanish and Italian labels,
# TOML's """\ values, Docker's config.json auths, Makefile defines, format!("V"), strcpy,
# printf's arguments, Perl's q{}, ConvertTo-SecureString, SET PASSWORD); a text with line breaks
# other than "\n" read as its lines joined by "\n" (spans had moved after a form feed)
# 50: a source map (``*.js.map``) read with its strings' escapes undone (a comment in an embedded
# source ran on into the next line's code: axios' maps were called secret material)
# 51: round-16 forms (Python's "%" operator and str.format: a literal in a slot its format names
# as a secret's or a URL's password, printf's URL slot too; "is" in the other languages of the
# labels read: "La clave es: V", "Le mot de passe est : V", "Das Passwort ist: V")
# 53: round-18 forms (Go's var with a type, a raw string as a pair's value, pw/dbpw/pass names,
# strlcpy into pass, a login call's second literal, SQL INSERT's password column, HTML password
# inputs' values, Perl's $ENV{NAME} = "V")
# 54: round-19 forms (short names in more shapes and literals, a literal on the line after
# "name =", several names at once, setters, C's copies over lines, snprintf and #define, SQL's
# REPLACE/SELECT/E''/executemany, JSX defaultValue, Perl q{}, short names' unquoted values in
# shell and settings files; kept: a login call's word, "Passed!", a command after "pass:")
# 55: round-20 forms (git's "set STRIPE_KEY to V", Compose's DBPW: V, os.Setenv, pw = ("V"), ...)
# 56: round-21 forms (git's and documents' "db pass V", "password for X is V", "password:
# changed from OLD to V", "set NAME=OLD to V", "log in with admin / V", "V is the new password";
# a login call's lower-case word after a user's name, a connect call's password place, echo |
# sudo -S, smbclient -U user%V, short names' environment defaults)
# 57: round-22 forms (git's "set NAME=OLD to V" after OLD masked, "… is now V", "use V as
# password", DB_PASS V, look-alike letters and no-break spaces in prose, "NAME: OLD -> V",
# "NAME was V" generated, a value on the line after "db pass")
# 58: round-23 forms (documents' arrows and "NAME was V", "will be V", a blank line before the
# value, weak values after an arrow, "u/p: admin/V"; code comments' prose; login calls without
# parentheses, Capybara's fill_in, ${user}:V@ templates, LOGIN = ("admin", "V"), connect calls
# over lines, format strings' "%s:%s@" DSNs; sudo -S <<<, printf 'V\n' |, smbclient -U u%'V',
# openssl enc -k)
# 59: round-24 forms (arrows after "NAME:" with no space, "NAME = OLD -> V", a table's
# "| NAME | OLD -> V |", "-->", "⇒", "⟶", "➜", "↦", "—>" and "NAME: OLD to V"); a
# "[redacted: KIND]" mark never read as a value (redaction idempotent)
# 60: round-25 forms ("~>", "NAME from OLD to V", chains "NAME: A -> V2 -> V3", a table's Old /
# New columns, documents' "pass was set to V", Selenium/Detox/Playwright fields, mysql -p"V" and
# "-pV" arguments, "# pw=V", psycopg2.connect, a value on the next "#" line in scripts, documents
# and git's text); find_secrets reads no mark as a value; "rotated monthly" is a note
# 61: "ldapsearch -w V" with -w first; commands with look-alike letters folded ("myſql -pV")
# 62: "credentials (for X) are `user` / `V`"
# 63: round-26a forms (command lines' password options and places: redis-server --requirepass,
# mongo -p, zip -P, 7z -p, ssh-keygen -N, net user, rabbitmqctl add_user, echo | docker login
# --password-stdin...; argument lists, YAML lists, JSON's escaped quotes, Spring/Ruby/PHP
# defaults, PowerShell -Password, .pgpass, userlist.txt, psk=, REDIS_AUTH, ADMIN_CREDENTIALS)
# 64: round-26 forms (a password as a call's argument: create_user, Connect, SMTP.start,
# add_password, paramiko, configparser's set, check/make/hash_password, hashpw, pbkdf2_hmac;
# expect-style dialogues; Robot, Testing Library, Espresso, XCUITest, getElementById().value,
# a field's variable 12 lines above; prose "went from OLD to V", "wifi key is V", "the pw is V",
# "password (staging): V", "the old one V", "(currently V)", "token for CI is V", "# DB password"
# then V; Coptic look-alikes; a shell script's arrows); kept: "password: monthly, by …",
# "password: rotated -> see runbook"
# 65: a verifier's forms: pgpass.conf by name, "redis requirepass V" mid-line,
# set_password("admin", "V"), wpa_passphrase SSID V
SCAN_VERSION = 65
# 40: round-9 forms (setProperty, IDENTIFIED BY, fish set, Lua long strings,
# backslash continuations, Object.freeze, concat!, ...; look-alike hyphens; PascalCase kept)


def secret_by_name(path: str) -> str | None:
    base = posixpath.basename(path)
    if base.startswith(".env"):  # every dotenv file, examples too: they often hold real values
        return f"secret-bearing file name ({'.env' if base == '.env' else '.env*'})"
    if base.endswith(EXAMPLE_SUFFIXES):
        return None
    for pat in SECRET_NAME_PATTERNS:
        if fnmatch.fnmatchcase(base, pat):
            return f"secret-bearing file name ({pat})"
    return None


# A keyword match whose value is one identifier-like word naming a secret ("invalid_password",
# "Secret", "private_key", "old-password"): a label, an enum value or a placeholder, not a
# credential. No digits, spaces or other symbols.
# A URL's placeholder password: secret words only, alone or joined by "_" or "-" ("password",
# "uri_secret", "secret-password"); "monkey", "admin", "password1", "TopSecret", "super_secret"
# and "root_pass" are passwords.
_URL_WORD = r"(?:pass|passwd|password|pwd|secret|key|token|uri|api|user|aws|access|client)"
_URL_PLACEHOLDER = _rx(rf"(?:(?:your|my)[_-]?)?{_URL_WORD}(?:[_-]{_URL_WORD})*",
                              re.IGNORECASE)
LABEL_VALUE = _rx(
    r"[a-z_.-]*(?:pass(?:word|wd)?|pwd|secret|key|token|credential)s?[a-z_.-]*", re.IGNORECASE)


MIN_KEYWORD_SECRET = 8  # a shorter quoted value ("id", "hunter2", "public") is no credential


def is_label_value(secret: str, line: str = "", filename: str = "",
                   plugin: object = None) -> bool:
    """A detect-secrets filter (it injects ``secret``, ``line``, ``filename`` and ``plugin``) for
    KeywordDetector's matches (of the other detectors', only BasicAuthDetector's placeholder
    passwords are dropped, ``user:password@``; the rest are kept): drops a value that is
    a :data:`LABEL_VALUE` or shorter than :data:`MIN_KEYWORD_SECRET`, and, in source code (not
    shell or configuration), one that is not a quoted literal on its line:
    ``for user, password := range accounts`` is code, not a credential."""
    if type(plugin).__name__ == "BasicAuthDetector":  # http://user:password@example.com
        return not _url_value(secret)  # (not "admin", "password1")
    if type(plugin).__name__ != "KeywordDetector":
        return False
    secret = secret.split(" #", 1)[0].strip()  # an unquoted YAML value's trailing comment
    if any(c.isspace() for c in secret):  # words, not a credential ("inherit  # needed...")
        return True
    if (LABEL_VALUE.fullmatch(secret) is not None or len(secret) < MIN_KEYWORD_SECRET
            or _FILL_IN.fullmatch(secret.strip("\"'`"))):
        return True  # (a placeholder: "change-me", "REPLACE_ME", "your_api_key")
    at = line.find(secret)
    if at > 0 and (_about_secret(line[:at]) or _no_credential_token(line[:at])):
        return True  # secretName: tls-cert, PASSWORD_FILE=/run/secrets/…, X-CSRF-Token: …
    from analyzers.languages import detect, has_grammar

    lang = detect(filename)
    if not has_grammar(lang) or lang == "bash":
        return False
    return not any(f"{q}{secret}{q}" in line for q in ("\"", "'", "`"))


ALLOWLIST_FILTER = "detect_secrets.filters.allowlist.is_line_allowlisted"
INDIRECT_FILTER = "detect_secrets.filters.heuristic.is_indirect_reference"
_INDIRECT_CALL = _rx(r"[:=!]\s*[\w.-]+[\[(]")


def is_indirect_reference(line: str, plugin: object = None) -> bool:
    r"""detect-secrets' filter of the same name (``secret = get_secret_key()``, ``secret =
    request.headers['apikey']``), in linear time. Its pattern searches ``([^\v=!:]*)\s*
    (:=?|[!=]{1,3})\s*([\w.-]+[\[(][^\v]*[\])])``: worse than quadratic on a line without an
    assignment (80 ms on 300 blanks, as a line whose values were blanked is read again), and it
    runs for each value found. With no vertical tab on the line (``splitlines`` ends a line
    there) it matches just when an assignment or comparison character is followed, past blanks,
    by a name and an opening bracket, and a closing one comes later: the first such name
    decides. Only for KeywordDetector's matches (``password = get_password()``): detect-secrets
    drops every detector's, and a token in a call (``Gitlab(url, private_token="glpat-…")``)
    is a token."""
    if type(plugin).__name__ != "KeywordDetector" or len(line) > 1000:
        return False  # (a line over 1,000 characters: not call-like, as detect-secrets says)
    if "\v" in line:
        from detect_secrets.filters.heuristic import is_indirect_reference as theirs

        return bool(theirs(line))
    m = _INDIRECT_CALL.search(line)
    return m is not None and max(line.rfind("]"), line.rfind(")")) >= m.end()


@cache
def _plugin_settings(only: frozenset[str] | None = None, without: frozenset[str] = frozenset(),
                     piece: bool = False) -> dict[str, list[dict[str, Any]]]:
    """detect-secrets' settings: our detectors (``only`` these, ``without`` those), its
    heuristic filters and ours. ``piece``: for a piece of a long line, without the filter
    detect-secrets itself skips on a line over 1,000 characters (its pattern is quadratic)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import Settings as ScanSettings

    mapping: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
    available = {str(getattr(plugin, "__name__", "")) for plugin in mapping.values()}
    # detect-secrets' default heuristic filters, without the allowlist pragma (see the docstring).
    # Its indirect-reference filter is replaced by our linear one.
    standard = sorted(f for f in ScanSettings().filters
                      if f not in (ALLOWLIST_FILTER, INDIRECT_FILTER))
    ours = ["is_label_value"] + ([] if piece else ["is_indirect_reference"])
    names = [n for n in DETECTORS if n in available and n not in without
             and (only is None or n in only)]
    return {"plugins_used": [{"name": n} for n in names],
            "filters_used": [{"path": f} for f in standard] + [
                {"path": f"{__name__}.{f}"} for f in ours]}


# -- the prefilter ------------------------------------------------------------------------------

# A cheap first pass (as gitleaks does with keywords): only lines matching it are handed to the
# detectors, whose per-line machinery is slow. Each detector's (and pattern's) trigger is here.
KEYWORDS = (
    "AKIA", "ASIA", "ABIA", "ACCA", "AccountKey", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glptt-", "glagent-",
    "gloas-", "glimt-", "GR1348941", "PRIVATE KEY", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-",
    "xoxr-",
    "hooks.slack.com", "sk_live_", "rk_live_", "SG.", "pypi-AgE", "npm_", "sk-", "eyJ", "AIza",
    "PuTTY-User-Key-File",
)
KEYWORDS_LOWER = ("twilio", "discord", "telegram", "mailchimp", "artifactory", "sendgrid",
                  "bearer", "token", "credential", "passphrase", "auth", "mysql", "mariadb",
                  "curl", "sshpass", "redis-cli", "--user", "api key", "api-key", "-key", "-api")
BASIC_AUTH = _rx(r"://[^\s/:@'\"]*(?:@[^\s/:@'\"]*)?:[^\s/@'\"]+@")  # (redis://:pw@h too)
# The names KeywordDetector looks for (its DENYLIST, lower case).
SECRET_WORDS = (r"(?:api|auth|service|account|db|database|priv|private|client)_?key"
                r"|(?:db|database|key)_?pass|password|passwd|pwd|secret|contrase")
_DS_WORDS = _rx("|".join(re.escape(k) for k in KEYWORDS_LOWER[:6]) + "|" + SECRET_WORDS)
# Lines only our own patterns read: vendors' token prefixes detect-secrets does not know, a
# base64-encoded private key ("LS0tLS1CRUdJTi" is "-----BEGIN"), command lines and settings that
# carry a password, a secret's default after an environment lookup.
_VENDOR_HINTS = ("hf_", "hvs.", "hvb.", "xapp-", "whsec_", "sk_test_", "rk_test_", "shpat_",
                 "shpss_", "shpca_", "shppa_", "dop_v1_", "doo_v1_", "dor_v1_", "lin_api_",
                 "pmak-", "dapi", "sntrys_", "sntryu_", "glsa_", "glc_", "nrak-", "dp.",
                 "age-secret-key-", "atatt3", "gocspx-", "sbp_", "dckr_pat_", "pscale_",
                 "rubygems_", "ya29.", "ls0tls1crudjti")
_OWN_WORDS = (*KEYWORDS_LOWER[6:], *_VENDOR_HINTS, "_pass", "identified", "requirepass",
              "masterauth", "storepass", "keypass", "-passout", "-passin", "docker login",
              "passcode", "access key", "access_key", "access-key", "accesskey", "creds",
              "htpasswd", "pw:", "pw*", "pass:", "pass*", "setproperty",
              "passwort", "kennwort", "mot de passe", "senha",  # (a document's labels: round 13)
              "contrase", "wachtwoord", "\u043f\u0430\u0440\u043e\u043b\u044c",  # (and 14)
              "clave", "parola d", "_pw", "chpasswd", "securestring",  # (and 15)
              "login is", "logins are", "login was", "logins were",
              "wpa_passphrase")  # (session 30)
_ENV_HINTS = ("process.env", "environ", "getenv", "env[")  # with "||", "??" or " or " only
_URL_USER = _rx(r"://[A-Za-z0-9_-]{16,}@")
# Each of _DS_WORDS holds one of these: a substring test first, the regex only on a hit.
_DS_HINTS = ("key", "pass", "pwd", "secret", "contrase", *KEYWORDS_LOWER[:6])


# Tokens detect-secrets knows by their shape alone, with no vendor's name on the line: Twilio's
# API keys and account ids, Mailchimp's keys, Telegram's bot tokens (their secret starts "AA"; in
# a Bot API URL too: ``/bot123456789:AA…``), Discord's, Artifactory's AKC keys (73 characters).
_BARE_TOKENS = _rx(
    r"\b(?:SK|AC)[0-9a-fA-F]{32}\b|\b[0-9a-f]{32}-us\d{1,2}\b|\d{8,10}:AA[0-9A-Za-z_-]{33}"
    r"|\b[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}|AKC[a-zA-Z0-9]{50,}")


class _Hints(NamedTuple):
    """The trigger words to look for (all of them, or those a text holds somewhere)."""

    keywords: tuple[str, ...]
    ds: tuple[str, ...]
    own: tuple[str, ...]
    env: tuple[str, ...]


_ALL_HINTS = _Hints(KEYWORDS, _DS_HINTS, _OWN_WORDS, _ENV_HINTS)


def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern found in a text where any of ``words`` is (as ``any(w in text for w in
    words)``), written as their letters' tree: one search in C, each position read once, about
    ten times faster than the test per word (most of a short text's scan: the reasons of a
    bundle's files, commit subjects) or a flat alternation."""
    tree: dict[str, Any] = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        if "" in node:  # a word ends here: what follows it matters no more
            return ""
        alts = [re.escape(ch) + pattern(node[ch]) for ch in sorted(node)]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return _rx(pattern(tree))


# All of each list at once, for a text tested for every word (see _any_of).
_ANY_KEYWORD = _any_of(KEYWORDS)
_ANY_DS = _any_of(_DS_HINTS)
_ANY_OWN = _any_of(_OWN_WORDS)
_ANY_ENV = _any_of(_ENV_HINTS)


def _hints_in(text: str) -> _Hints:
    """The trigger words ``text`` holds: each of its lines is then tested for these only (a few,
    not the sixty of every list)."""
    low = text.lower()
    return _Hints(tuple(k for k in KEYWORDS if k in text),
                  tuple(k for k in _DS_HINTS if k in low),
                  tuple(k for k in _OWN_WORDS if k in low),
                  tuple(k for k in _ENV_HINTS if k in low))


def _trigger(text: str, hints: _Hints = _ALL_HINTS) -> int:
    """2: detect-secrets and our patterns should look at ``text``; 1: only our patterns (a word
    only they need); 0: nothing can match. Substring tests and a case-sensitive regex on the
    lower-cased text (a case-insensitive alternation is several times slower); ``hints``: the
    words to test (:func:`_hints_in` of the whole text, for its lines)."""
    every = hints is _ALL_HINTS
    if _ANY_KEYWORD.search(text) is not None if every else any(k in text for k in hints.keywords):
        return 2
    low = text.lower()
    if (_ANY_DS.search(low) is not None if every else any(k in low for k in hints.ds)) \
            and _DS_WORDS.search(low) is not None:
        return 2
    if "://" in text and BASIC_AUTH.search(text):
        return 2
    if _BARE_TOKENS.search(text) is not None:
        return 2
    if _ANY_OWN.search(low) is not None if every else any(k in low for k in hints.own):
        return 1
    if ("||" in text or "??" in text or " or " in text or "?:" in text) and (
            _ANY_ENV.search(low) is not None if every else any(k in low for k in hints.env)):
        return 1  # a secret's default after an environment lookup
    return 1 if "://" in text and "@" in text and _URL_USER.search(text) else 0  # a token as user


def might_hold_secret(text: str) -> bool:
    return (_trigger(text) > 0 or _table_hint(text) or _pair_hint(text)  # | SIGNING_KEY | … |
            or bool(_markup_tables(text))
            or _JWK_HINT in text or _split_hint(text) or _login_hint(text)
            or ("concat!(" in text and _R12_LOGIN_MACRO.search(text) is not None)
            or _r18_hint(text))


# -- our own patterns ---------------------------------------------------------------------------

# A name that says its value is a secret (KeywordDetector's list, plus tokens that authenticate).
# (At most 160 characters either side of the word: an unbounded run was tried from every
# position of a long word such as "secretsecret…", quadratic.)
_NAME_CORE = (r"(?:pass(?:word|wd|phrase)|pwd|secret|api[_-]?key|apikey|auth_?key"
              r"|access_?key|private_?key|client_?key"
              r"|(?:access|auth|api|bearer|refresh|session|bot|oauth)_?token|[a-z0-9]_token"
              r"|(?<![a-z])tokens?(?![a-z])|[a-z0-9]_pass(?![a-z])|[a-z0-9]_pw(?![a-z]))")
_NAME = rf"[\w.-]{{0,160}}{_NAME_CORE}[\w.-]{{0,160}}"
_Q = r"[\"'`]"
# A value is read up to 300 characters (possessively: a long word is read once); a longer one
# matches as its first 300 (``_MORE``) and is then read on to its end (``_LONG_TAIL``).
_VALUE = r"[^\"'`\s]{6,300}+"
# A quoted literal's value: its escaped characters too (``"abc\"def"``: the quote is the value's)
_ESC_VALUE = r"(?:[^\"'`\s\\]|\\\S){6,300}+"
_MORE = r"(?=[^\"'`\s])"
VALUE_CAP = 300
_LONG_TAIL = _rx(r"[^\s\"'`]*")
_NO_TRAIL = r"(?![\w.$/+=-])"


# A netrc password: any characters, quotes and backslashes too, but not the end of a string
# literal holding the line (``f.write("machine h login u password bbbb\n")``)
_NETRC_VALUE = r"(?:(?!\\n[\"']|[\"'][),;\]}]*\s*$)\S){4,300}+"


# YAML's node properties before a value on its key's line: an anchor (``password: &pw …``), a
# standard tag (``password: !!str …``). A local tag is no property of a literal: Home
# Assistant's ``!secret db_password`` names a secret kept elsewhere (see ``_YAML_TAG``).
_YAML_PROPS = r"(?:(?:&[\w.-]{1,60}|!![a-z]{1,20})[ \t]+){0,2}"
# Before a value on the next lines, an anchor or a tag, a local one too: ``password: &p |``,
# ``token: !secret |`` over a block scalar, ``passwords: &p`` over a list
_YAML_NODE_PROPS = r"(?:[ \t]+(?:&[\w.-]{1,60}|!!?[\w/.:-]{0,40})){0,2}"
# What comes before an assigned literal: a secret's name, its type (``apiKey: string``), the
# operator, PHP's ``@``, a comment (``password = /* prod */ "…"``).
_ASSIGN_HEAD = (
    rf"(?i)(?<![\w/@.-]){_NAME}[\"'\]]{{0,2}}(?:\s*:\s*[a-z_&][\w.<>\[\]|&' ]{{0,40}}?)?"
    r"\s*(?::=|=>|[!=]==?|[:=])\s*@?(?:/\*(?:[^*\n]|\*(?!/)){0,120}+\*/\s*)?"
    rf"{_YAML_PROPS}")
# A quoted literal of any characters but its quote, a backslash and a line end (a phrase of
# several words: "correct horse battery staple"), to its closing quote on the line.
_PHRASE = r"(?P<q>[\"'`])(?P<v>(?:(?!(?P=q))[^\\\n]){3,300}+)(?P=q)"
# Markup closing a label: Markdown's emphasis, an HTML inline element's end tag
# (``**Password**: V``, ``<b>Password:</b> V``)
_LABEL_MARK = r"(?:[*_]{0,2}|</(?:b|strong|em|i|u|span|label|code)>)"
# "is" in the languages whose labels are read: Spanish es/era/son, Portuguese é/era/são, Italian
# è/era/sono, French est/était/sont, German ist/war/sind ("La clave es: V", "Le mot de passe est :
# V" with French's space before the colon; an accent composed or not)
_OTHER_IS = (r"es|era|son|(?:\u00e9|e\u0301)(?:tait)?|s(?:\u00e3|a\u0303)o|(?:\u00e8|e\u0300)|sono"
             r"|est|sont|ist|war|sind")
# "password is", "The staging password:", "API token —", "**Password:**", "PW:", "pass:": a
# secret named in prose, before its value
# (And the same in a few other languages, "Passwort: …", "Mot de passe : …", "Clave: …",
# "Parola d'ordine: …"; "is:" as "is", in those languages too; a colon escaped,
# ``**Password**\\: …``.)
_PROSE_LEAD = (
    r"(?i)(?<![$@])\b(?:(?:pass(?:word|wd|phrase|code)|pwd|secret(?:[ _-]?key)?"
    r"|(?:api|access)[ _-]?(?:key|token)|(?<![\w-])token|creds|credentials"
    r"|passwort|kennwort|mot\s+de\s+passe|contrase(?:\u00f1|n\u0303?)a|senha|wachtwoord"
    r"|\u043f\u0430\u0440\u043e\u043b\u044c|clave(?:\s+de\s+acceso)?|parola\s+d['\u2019]ordine)s?"
    + _LABEL_MARK
    + r"(?:\s+(?:(?:(?:is|was|are|has\s+been|been)\s+)?(?:set|changed|rotated|reset|updated)"
    r"\s+to|is|was|are|becomes|to|" + _OTHER_IS + r")(?:[ \t\u00a0\u202f]?:)?[*_]{0,2}\s+"
    r"|[ \t\u00a0\u202f]?\\?:" + _LABEL_MARK + r"\s+"
    r"|\s*(?:\u2014|\u2013)\s*)"
    r"|(?<![\w-])(?:pass|pw)[*_]{0,2}:[*_]{0,2}[ \t]+)")


class Pattern(NamedTuple):
    kind: str
    regex: re.Pattern[str]
    check: str = "keyword"  # which value test applies: keyword, token, prose, any
    tail: re.Pattern[str] | None = None  # how a value over 300 characters reads on (unquoted)
    # Literals one of which every match holds (lower case): an ASCII line holding none is not
    # read by the pattern, nor is the pattern compiled for it (see :func:`_pattern_findings`)
    needs: tuple[str, ...] = ()


_CLI_TAIL = _rx(r"[^\s\"'`;|&)]*")  # a command line's value ends as its pattern's does
PATTERNS: tuple[Pattern, ...] = (
    # <add key="DbPassword" value="…"/> (web.config, app.config)
    Pattern("XML Secret Setting", _rx(
        rf"(?i)\bkey\s*=\s*([\"']){_NAME}\1\s+value\s*=\s*([\"'])(?P<v>[^\"'\s]{{4,300}}+)"
        r"(?:\2|(?=[^\"'\s]))"), needs=("value",)),
    # <password>…</password>
    Pattern("XML Secret Element", _rx(
        rf"(?i)<(?P<n>{_NAME})>(?P<v>[^<\s]{{6,300}}+)(?:</(?P=n)>|(?=[^<\s]))"),
        tail=_rx(r"[^<\s]*"), needs=("<",)),
    # password = "…", Password: "…", "api_key": "…", dict(password="…"), $token = '…', x == "…",
    # PASSWORD = b"…", const apiKey: string = "…", password: str = r"…"
    Pattern("Secret Assignment", _rx(
        rf"{_ASSIGN_HEAD}(?:[bruf]{{1,2}}(?={_Q}))?(?P<q>{_Q})(?:(?P=q){{2}})?"
        rf"(?P<v>{_ESC_VALUE})(?:(?P=q)|{_MORE}|\s*$|\s+(?:#|//)\s)"),
        needs=(":", "=")),
    # a quoted value of several words: PASSWORD = "correct horse battery staple", password:
    # "Zk8vQ2 wLp9Rt" (the whole literal, up to its closing quote on the line; see _phrase_value)
    Pattern("Secret Keyword", _rx(rf"{_ASSIGN_HEAD}(?:[bruf]{{1,2}}(?={_Q}))?{_PHRASE}"),
            "phrase",
        needs=(":", "=")),
    # a secret's default after an environment lookup: process.env.JWT_SECRET || "…", ?? "…",
    # os.environ.get("SECRET_KEY") or "…", ENV['SECRET_KEY_BASE'] || '…' (the name is judged
    # by its words: STRIPE_KEY too)
    Pattern("Secret Keyword", _rx(
        r"(?i)(?:process\.env\.|\benv\[\s*[\"']|environ(?:\.get\(|\[)\s*[\"']|getenv\(\s*[\"'])"
        rf"\w{{1,80}}+[\"']?\s*[\])]?\s*(?:\|\||\?\?|\?:|\bor\b)\s*(?P<q>{_Q})"
        rf"(?P<v>{_ESC_VALUE})(?:(?P=q)|{_MORE})"), "envdefault",
        needs=("env[", "environ", "getenv(", "process.env.")),
    # #define API_KEY "…" (C), ds.setPassword("…") (Java setters)
    Pattern("Secret Keyword", _rx(
        rf"(?i)#\s*define\s+{_NAME}\s+(?P<q>\")(?P<v>{_ESC_VALUE})(?:\"|{_MORE})"
        r"|\.set_?(?:password|passwd|secret|api_?key|token|access_?key|private_?key"
        rf"|client_?secret|credentials?)\s*\(\s*(?P<a>[\"'])(?P<w>{_ESC_VALUE})(?:(?P=a)\s*\)|{_MORE})"),
        needs=("#", ".set")),
    # os.environ.setdefault("DB_PASSWORD", "…"), getenv("API_KEY", "…"), ("Password", "…"),
    # setattr(cfg, "password", "…") (an object's name before the pair)
    Pattern("Secret Pair", _rx(
        rf"(?i)\(\s*(?:[\w.]{{1,80}}+\s*,\s*)?(?P<a>[\"']){_NAME}(?P=a)\s*,\s*(?P<q>[\"'])(?P<v>[^\"'\s]{{6,300}}+)"
        r"(?:(?P=q)\s*[),]|(?=[^\"'\s]))"), needs=("(",)),
    # Map.of("user", "bob", "password", "…") (Java: keys and values alternate, so the pairs
    # before the name are read two by two), Kotlin's mapOf("password" to "…")
    Pattern("Secret Pair", _rx(
        r"(?i)(?:\bmap\.of\(\s*(?:\"(?:[^\"\\]|\\.){0,300}+\"\s*,\s*\"(?:[^\"\\]|\\.){0,300}+\"\s*,\s*)"
        rf"{{0,20}}?\"{_NAME}\"\s*,|\"{_NAME}\"\s+to)\s*(?P<q>\")(?P<v>[^\"\s]{{6,300}}+)"
        r"(?:\"\s*[),]|(?=[^\"\s]))"), needs=('"',)),
    # Server=db;User Id=sa;Password=…;   (connection strings)
    Pattern("Connection String Password", _rx(
        r"(?i)[\"'](?:password|pwd)\s*=\s*(?P<v>[^;\"'\s]{4,300}+)(?:;|(?=[^;\"'\s]))"
        r"|(?<=;)\s*(?:password|pwd)\s*=\s*(?P<w>[^;\"'\s]{4,300})"), "any",
        _rx(r"[^;\"'\s]*"), needs=("password", "pwd")),
    # auth=("admin", "…"), credentials=("admin", "…"), HTTPBasicAuth("admin", "…"),
    # BasicAuth('u', '…')
    Pattern("Basic Auth Credentials", _rx(
        r"(?:\b(?i:\w*(?:auth|credentials?|creds))\s*=\s*[(\[]|\b\w*Auth\s*\()\s*(?P<a>[\"'])[^\"'\s]+(?P=a)\s*,\s*(?P<q>[\"'])"
        r"(?P<v>[^\"'\s]{4,300}+)(?:(?P=q)\s*[)\]]|(?=[^\"'\s]))"), "any",
        needs=("auth", "credential", "creds")),
    # scheme://user:p#ss@host (detect-secrets' detector stops at some symbols); no user too
    # (redis://:pw@cache:6379); an "@" left unencoded in the password (app:P@ssw0rd@db: up to
    # the last "@" before the host, of at most three)
    Pattern("Basic Auth Credentials", _rx(
        r"(?i)\b[a-z][a-z0-9+.-]{0,30}://[^\s/:@'\"]{0,300}(?:@[^\s/:@'\"]{1,300})?:"
        r"(?P<v>(?=[^\s/'\"]{4})[^\s/@'\"]{1,300}+(?:@[^\s/@'\"]{1,300}+){0,2})"
        r"(?=@[\w.\[-]|[^\s/@'\"]*@[\w.\[-])"),
        "url", _rx(r"[^\s/@'\"]*"), needs=("://",)),
    # https://host/r.git?private_token=…, …&access_token=…, ?api_key=… (a URL's query)
    Pattern("URL Query Secret", _rx(
        rf"(?i)[?&](?:{_NAME}|\w*token)=(?P<v>[^&#\s\"'`<>()\[\]]{{12,300}})"), "query",
        _rx(r"[^&#\s\"'`<>()\[\]]*"),
        needs=("=",)),
    # "Bearer eyJ…" / "Authorization: Bearer 3f9a…"
    Pattern("Bearer Token", _rx(
        r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9\-._~+/]{12,}=*)" + _NO_TRAIL), "token",
        needs=("bearer",)),
    # "Authorization": "9f8e…" (a token with no scheme, quoted)
    Pattern("Authorization Header", _rx(
        r"(?i)\bauthorization[\"']?\s*[:=,]\s*(?P<q>[\"'])(?P<v>[A-Za-z0-9\-._~+/]{20,300}+=*)"
        r"(?P=q)"), "token", needs=("authorization",)),
    # "Authorization": "Token 9f8e…" / Authorization: Basic YWRt… / -H 'Authorization: Digest …'
    Pattern("Authorization Header", _rx(
        r"(?i)\bauthorization[\"']?\s*[:=,]\s*[\"']?(?:token|basic|digest|apikey|sso-key)\s+"
        r"(?P<v>[A-Za-z0-9\-._~+/:]{12,}=*)" + _NO_TRAIL), "header", needs=("authorization",)),
    # X-Auth-Token: …, "X-Vault-Token": "…", -H 'Private-Token: …' (HTTP headers that carry a
    # credential; "X-API-Key" is also a secret's name in prose)
    Pattern("Secret Header", _rx(
        r"(?i)(?<![\w-])(?:x-(?![\w-]{0,40}[xc]srf)[\w-]{0,40}?(?:token|key|secret|auth|password"
        r"|signature|api)|private-token|access-token|auth-token|api-token)[\"']?\]?\s*"
        r"(?:=>|[:=]|,\s*(?=[\"']))\s*[\"']?"
        r"(?P<v>[A-Za-z0-9\-._~+/=]{12,300}+)"), "token", _rx(r"[A-Za-z0-9\-._~+/=]*"),
        needs=("x-", "-token")),
    # mysql -pPW, mysqldump --password=PW, sshpass -p PW, redis-cli -a PW (command lines)
    Pattern("Command Line Password", _rx(
        r"(?i)\b(?:mysql\w*|mariadb\w*)\b[^\n#]{0,300}?\s-p(?P<v>[^\s\"'`;|&)]{4,300})"
        r"|\b(?:sshpass\s+-p|redis-cli\b[^\n#]{0,300}?\s-a)\s*[\"']?"
        r"(?P<w>[^\s\"'`;|&)]{4,300})"), "any",
        _CLI_TAIL, needs=("mysql", "mariadb", "sshpass", "redis-cli")),
    Pattern("Command Line Password", _rx(
        r"(?i)(?<![\w-])--(?:password|passwd|pass|passphrase|requirepass|masterauth)[= ]"
        r"(?P<v>[^\s\"'`;|&)]{4,300})"), "cli", _CLI_TAIL,
        needs=("--pass", "--requirepass", "--masterauth")),  # (round 26a: redis's options)
    # keytool -storepass PW, openssl -passout pass:PW, docker login -p PW, htpasswd -b FILE USER PW,
    # redis' requirepass PW, SQL's IDENTIFIED BY 'PW'
    Pattern("Command Line Password", _rx(
        r"(?i)(?<![\w-])-(?:src|dest)?(?:storepass|keypass)\s+(?P<v>[^\s\"'`;|&)]{4,300})"
        r"|(?<![\w-])-pass(?:in|out)\s+pass:(?P<w>[^\s\"'`;|&)]{4,300})"), "cli", _CLI_TAIL,
        needs=("pass",)),
    Pattern("Command Line Password", _rx(
        r"(?i)\bdocker\s+login\b[^\n#]{0,300}?\s(?:-p|--password)[= ]\s*[\"']?"
        r"(?P<v>[^\s\"'`;|&)]{4,300})"
        r"|\bhtpasswd(?:\s+-\w{1,10}){0,4}?\s+-\w{0,5}b\w{0,5}(?:\s+-\w{1,10}){0,3}"
        r"\s+\S{1,300}\s+\S{1,300}\s+(?P<w>[^\s\"'`;|&)]{4,300})"), "cli", _CLI_TAIL,
        needs=("docker", "htpasswd")),
    Pattern("Command Line Password", _rx(
        r"(?i)(?<![\w-])(?:requirepass|masterauth)[ \t]+[\"']?(?P<v>[^\s\"']{4,300})"), "cli",
        _CLI_TAIL,
        needs=("requirepass", "masterauth")),
    Pattern("Secret Keyword", _rx(
        r"(?i)\bidentified\s+(?:with\s+\w{1,40}\s+)?by\s+(?P<q>['\"])"
        rf"(?P<v>{_ESC_VALUE})(?:(?P=q)|{_MORE})"), "any", needs=("identified",)),
    # curl -u admin:PW, curl --user admin:PW
    Pattern("Basic Auth Credentials", _rx(
        r"\bcurl\b[^\n#]{0,300}?\s(?:-u|--user)[= ]?\s*[\"']?[^\s:\"'/]+:"
        r"(?P<v>[^\s\"'`;|&)]{4,300})"), "any", _CLI_TAIL, needs=("curl",)),
    # OpenAI project/service keys and Anthropic keys (detect-secrets knows only the old form)
    Pattern("OpenAI Token", _rx(
        r"\b(?P<v>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{40,}(?![\w-]))"),
        "whole", needs=("sk-",)),
    # any other OpenAI key: "T3BlbkFJ" is "OpenAI" in base64 (sk-None-…, sk-<name>-…)
    Pattern("OpenAI Token", _rx(
        r"(?<![\w-])(?P<v>sk-[A-Za-z0-9_-]{1,200}T3BlbkFJ[A-Za-z0-9_-]{20,200})(?![\w-])"),
        "whole", needs=("t3blbkfj",)),
    Pattern("Anthropic Token", _rx(
        r"\b(?P<v>sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{20,})"), "whole", needs=("sk-ant-",)),
    # GitHub's fine-grained tokens (detect-secrets knows the ghp_/gho_/... forms only), Google API
    # keys, Discord webhooks' tokens
    # (after a word's "_" too: ``tok_github_pat_...``)
    Pattern("GitHub Token", _rx(r"(?<![A-Za-z0-9])(?P<v>github_pat_[A-Za-z0-9_]{22,255})"),
            "whole", needs=("github_pat_",)),
    # Every one of these on a line, however long, by our own patterns (detect-secrets reads a long
    # line in pieces and each piece again until nothing more is found): GitHub's classic tokens,
    # AWS access key ids, Slack tokens, JSON Web Tokens (a header and claims, each JSON: "eyJ")
    Pattern("GitHub Token", _rx(r"(?<![A-Za-z0-9])(?P<v>gh[pousr]_[A-Za-z0-9]{36,255})"
                                       r"(?![A-Za-z0-9])"), "whole", needs=("gh",)),
    Pattern("AWS Access Key", _rx(r"(?<![A-Z0-9])(?P<v>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})"
                                         r"(?![A-Z0-9])"), "whole",
        needs=("akia", "asia", "abia", "acca")),
    Pattern("Slack Token", _rx(r"(?<![\w-])(?P<v>xox[abposr]-[A-Za-z0-9-]{10,})"), "whole",
        needs=("xox",)),
    # Artifactory's API keys in any quotes (detect-secrets' rule wants a blank, "=", ":" or '"'
    # before one: ``{'X-JFrog-Art-Api': 'AKC…'}`` escaped it)
    Pattern("Artifactory Credentials", _rx(
        r"(?<![A-Za-z0-9])(?P<v>AKC[a-zA-Z0-9]{50,})(?![A-Za-z0-9])"), "whole", needs=("akc",)),
    # every kind of GitLab token (detect-secrets misses some: glcbt-, glagent-, ...)
    Pattern("GitLab Token", _rx(
        r"(?<![\w-])(?P<v>(?:gl(?:pat|dt|ft|soat|rt|cbt|ptt|agent|oas|imt)-|GR1348941)"
        r"[A-Za-z0-9_-]{20,64})(?![\w-])"), "whole", needs=("gl", "gr1348941")),
    # npm's access tokens (detect-secrets knows them only after ``_authToken=``)
    Pattern("NPM Token", _rx(r"(?<![\w-])(?P<v>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])"),
            "whole", needs=("npm_",)),
    Pattern("JSON Web Token", _rx(
        r"(?<![\w-])(?P<v>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
        r"(?![\w-])"), "whole", needs=("eyj",)),
    Pattern("Google API Key", _rx(r"(?<![A-Za-z0-9])(?P<v>AIza[0-9A-Za-z_-]{35})(?![\w-])"),
            "whole", needs=("aiza",)),
    # vendors' tokens detect-secrets does not know, by their prefixes and shapes (Hugging Face,
    # Vault, Slack app-level, Stripe webhook and test keys, Shopify, DigitalOcean, Linear, Postman,
    # Databricks, Sentry, Grafana, New Relic, Doppler, age, Atlassian, Google OAuth client
    # secrets and access tokens, Supabase, Docker Hub, PlanetScale, RubyGems)
    Pattern("Vendor Token", _rx(
        r"(?<![\w.-])(?P<v>hf_(?=[A-Za-z]{0,39}\d)[A-Za-z0-9]{30,40}|hv[sb]\.[A-Za-z0-9_-]{24,300}"
        r"|xapp-\d-[A-Za-z0-9-]{20,300}|whsec_[A-Za-z0-9+/=]{24,100}|[sr]k_test_[A-Za-z0-9]{20,200}"
        r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|do[por]_v1_[a-f0-9]{64}|lin_api_[A-Za-z0-9]{40}"
        r"|PMAK-[a-f0-9]{24}-[a-f0-9]{34}|dapi[a-f0-9]{32}(?:-\d)?"
        r"|sntry[su]_[A-Za-z0-9+/=_-]{32,300}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"
        r"|glc_[A-Za-z0-9+/=]{32,300}|NRAK-[A-Z0-9]{27}"
        r"|dp\.(?:st|pt|ct|sa|scim|audit)\.[A-Za-z0-9_.-]{40,300}"
        r"|AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}|ATATT3[A-Za-z0-9_=-]{100,300}"
        r"|GOCSPX-[A-Za-z0-9_-]{28}|sbp_[a-f0-9]{40}|dckr_pat_[A-Za-z0-9_-]{27}"
        r"|pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.-]{32,64}|rubygems_[a-f0-9]{48}"
        r"|ya29\.[A-Za-z0-9_-]{20,300})(?![\w-])"), "whole",
        needs=("_v1_", "age-secret-key-1", "atatt3", "dapi", "dckr_pat_", "dp.", "glc_", "glsa_",
               "gocspx-", "hf_", "hv", "k_test_", "lin_api_", "nrak-", "pmak-", "pscale_",
               "rubygems_", "sbp_", "shp", "sntry", "whsec_", "xapp-", "ya29.")),
    # a Hugging Face token with no digit (about 1 in 400 of them: 34 random letters of both
    # cases), not an identifier of words that happens to start "hf_"
    # (``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``, ``hf_`` and 34 letters all of one case)
    Pattern("Vendor Token", _rx(r"(?<![\w.-])(?P<v>hf_[A-Za-z]{34})(?![\w-])"), "hfletters",
        needs=("hf_",)),
    # a private key, base64-encoded ("LS0tLS1CRUdJTi" is "-----BEGIN"): a Kubernetes secret's
    # tls.key, a kubeconfig's client-key-data (a certificate is not one)
    Pattern("Private Key", _rx(
        r"(?<![A-Za-z0-9+/])(?P<v>LS0tLS1CRUdJTi[A-Za-z0-9+/]{20,300}+={0,2})"), "b64key",
        _rx(r"[A-Za-z0-9+/=]*"), needs=("ls0tls1crudjti",)),
    # a token as a URL's user (git clone https://<token>@github.com/…)
    Pattern("Basic Auth Credentials", _rx(
        r"(?i)\b[a-z][a-z0-9+.-]{0,30}://(?P<v>[A-Za-z0-9_-]{16,300}+)@(?=[\w.\[-])"), "urluser",
        needs=("://",)),
    Pattern("Discord Webhook", _rx(
        r"(?i)\bdiscord(?:app)?\.com/api/webhooks/\d+/(?P<v>[\w-]{20,})"), "whole",
        needs=("webhooks",)),
    # netrc: machine host login user password pw
    Pattern("Netrc Password", _rx(
        rf"(?i)\blogin\s+\S+\s+password\s+(?P<v>{_NETRC_VALUE})"), "any", needs=("login",)),
    # a netrc entry over several lines: "  password pw" alone on its line
    Pattern("Netrc Password", _rx(
        rf"(?i)^\s*(?:password|passwd)\s+(?P<v>{_NETRC_VALUE})(?:\s*$|(?=\S))"), "prose",
        needs=("passw",)),
    # # FIXME password is Sup3r!pass on staging
    # The staging password: Sup3r!pass   (the whole value, trailing punctuation too)
    # Markdown: `api_key: R6q…`, **api_key**: R6q…; HTML: <b>Password:</b> R6q…</p> (up to an
    # element's end tag)
    Pattern("Secret In Prose", _rx(
        _PROSE_LEAD + r"(?P<q>[\"'`]?)"
        r"(?P<v>(?:[^\s\"'`<]|<(?!/))(?:[^\s\"'`<]|<(?!/[A-Za-z])){4,299}+)(?:(?P=q)(?:[\s`*|\"',;}.)!?:]|$)|(?=[^\s\"'`]))"),
        "prose"),
    # creds: ci / Xk9… (a user, a slash, the password); credentials (for X) are `ci` / `Xk9…`
    Pattern("Secret In Prose", _rx(
        r"(?i)(?<![\w-])(?:creds|credentials)[*_]{0,2}(?::|[ \t]+(?:for[ \t][^\n:/`]{1,60}?[ \t])?"
        r"(?:are|is|were|was))[*_]{0,2}[ \t]+[`\"']?[^\s/`\"']{1,64}+"
        r"[`\"']?[ \t]*/[ \t]*(?P<q>[\"'`]?)(?P<v>[^\s\"'`]{5,300}+)"), "prose", needs=("cred",)),
    # the admin login is `admin` / `Xk9…` (a user, a slash, the password; session 30's verifier)
    Pattern("Secret In Prose", _rx(
        r"(?i)(?<![\w-])logins?[*_]{0,2}[ \t]+(?:are|is|were|was)"  # ("login: a / V": round 7)
        r"[*_]{0,2}[ \t]+[`\"']?[^\s/`\"']{1,64}+"
        r"[`\"']?[ \t]*/[ \t]*(?P<q>[\"'`]?)(?P<v>[^\s\"'`]{5,300}+)"), "cli",
        needs=("login",)),
    # the password is 'purple monkey dishwasher' (a quoted phrase: the whole of it)
    Pattern("Secret In Prose", _rx(_PROSE_LEAD + _PHRASE), "phrase"),
    # aws_secret_access_key = wJalr…  /  "secret key wJalr…" (40 characters, unquoted too)
    Pattern("AWS Secret Access Key", _rx(
        r"(?i)(?:aws|secret)[\w -]{0,30}?(?:[=:]|\s)\s*[\"']?(?P<v>[A-Za-z0-9/+]{40})"
        r"(?![A-Za-z0-9/+=])"), "mixed", needs=("aws", "secret")),
)
_TOKEN_TAIL = _rx(r"[A-Za-z0-9_\-+/=.~]*")
# In shell scripts and configuration (not source code): PASSWORD=…, export API_KEY=…, key: …
CONFIG_PATTERN = Pattern("Secret Keyword", _rx(
    rf"(?i)^\s*(?:export\s+|set\s+|ENV\s+)?[\"']?{_NAME}[\"']?\s*(?:[?:+]?=|:)\s*{_YAML_PROPS}"
    r"(?P<v>[^\s\"'`;]{8,300}+)(?:\s*(?:\s[#;].*)?$|(?=[^\s\"'`;]))"), "config",
    needs=(":", "="))
# Any file: Dockerfile's legacy ``ENV DB_PASSWORD value`` (no "="), a shell or compose default
# ``${POSTGRES_PASSWORD:-value}``
DEFAULT_PATTERNS = (
    Pattern("Secret Keyword", _rx(
        rf"(?i)^\s*ENV\s+{_NAME}\s+(?P<v>[^\s\"'`=]{{8,300}}+)\s*$"), "config", needs=("env",)),
    Pattern("Secret Keyword", _rx(
        rf"(?i)\$\{{{_NAME}:?[-=](?P<v>[^}}\s\"'`]{{6,300}}+)\}}"), "config", needs=("${",)),
)
# In configuration, a further name on the same line: a flow mapping (``{password: a, admin_password:
# b}``), an INI comment (``password = a ; old password = b``): the value ends at , ; } ]
# (A quoted value's first word, when a quote closes it further on, is not one: a phrase is
# ``_PHRASE``'s to judge whole, "Please enter the password." no more a secret than its first word.)
FLOW_PATTERN = Pattern("Secret Keyword", _rx(
    rf"(?i)(?:[{{,;\[]\s*|\s)[\"']?{_NAME}[\"']?\s*(?::=|[:=])\s*(?P<fq>[\"'])?"
    r"(?P<v>[^\s,;}\]\"'`]{6,300}+)(?(fq)(?!\s[^\"'\n]{0,300}[\"']))"),
    "config", needs=(":", "="))
# In text, shell, commit subjects (not source code): ``… password=Sup3r!pw for db``, ``make deploy
# PASSWORD=…`` in a code span: NAME=value anywhere on the line.
INLINE_PATTERN = Pattern("Secret Keyword", _rx(
    rf"(?i)(?<![\w.$-]){_NAME}=(?P<v>(?:[^\s\"'`;,<>()\[\]{{}}|&]|&(?![\w.-]+=)){{8,300}})"),
    "inline", _rx(r"[^\s\"'`;,<>()\[\]{}|&]*"), needs=("=",))
# (a query string's next "&name=" ends the value)
# detect-secrets' allowlist pragma: whoever wrote it says the line (or, "nextline", the next one)
# holds a secret, whatever the detectors make of it ("SIGNING_KEY = '…'  # pragma: allowlist
# secret"): its value is a secret, never shown even where a file is shown redacted.
ALLOWLIST_PRAGMA = _rx(r"(?i)pragma:\s*allowlist[ _-]?(?P<next>nextline[ _-]?)?secret")
_COMMENT_TAIL = _rx(r"(?:#|//|/\*|--|<!--|;|%|\bREM)\s*$")
_QUOTED = _rx(r"(?i)[bruf]{0,2}([\"'`])(?P<v>.*)\1[,;]?")
PEM_BEGIN = _rx(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----"
                       r"|---- BEGIN[ A-Z0-9]*PRIVATE KEY ----|PuTTY-User-Key-File-\d+:")
# An SSH2 or PuTTY header starts a key only with a key's fields or body after it (on its line,
# in a string's "\n" escapes, or on the next lines): code that names the header has none.
_KEY_FOLLOWS = _rx(r"Encryption:|Public-Lines:|Private-Lines:|Comment:|[A-Za-z0-9+/]{24,}")
_KEY_LOOKAHEAD = 3  # lines
PEM_END = _rx(r"-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----"
                     r"|---- END[ A-Z0-9]*PRIVATE KEY ----|Private-MAC:[^\n]*")

# Values that are no credential: placeholders, templates, references, code.
_MASKS = r"x+|\*+|\.+|-+|_+|#+|0+"  # a value written over ("xxxx", "****")
_MASK = _rx(_MASKS, re.IGNORECASE)
_PLACEHOLDER = _rx(
    rf"(?i)(?:{_MASKS}|redacted|localhost|none|null|nil|true|false"
    r"|undefined|required|optional|empty|string|str|bytes|text|value|test|testing|foo|bar|baz"
    r"|foobar|pass|passwd|password\d*|secret\d*|user|admin|public|private|guest|root|demo"
    r"|invalid|wrong|incorrect|unknown|default|todo|tbd|fixme)")
_WORDS_AFTER = r"(?:[-_.]?(?>[A-Z]?[a-z]+|[A-Z]++(?![a-z])))*+[-_.]?\d{0,4}"
# A value asking to be filled in, in its exact forms: "change-me", "REPLACE_ME", "fill-me-in",
# "CHANGEME_PLEASE", "replace-with-your-key", "set_this"; no digits and no other words after it
# ("ChangeMe2024", "Update.Me.Winter2024", "changemeXk9" are passwords).
_FILL_IN = _rx(
    r"(?i:(?:change|replace|fill|set|update|insert|put)[-_.]?(?:me|it|this)(?:[-_.]?in)?"
    r"(?:[-_.]?please)?|replace[-_.]?with[-_.]?your(?:[-_.]?[a-z]+){1,3})")
# "your-api-key", "YOUR_TOKEN", "myPassword1", "example.com", "fake_secret_2": a placeholder word
# and words after it (each atomic: no backtracking), not random characters after "my" or "bad"
# ("myMLru2W69pdQXjlJ8yH" is a key).
_PLACEHOLDER_WORDS = _rx(
    rf"(?i:your|my|example|dummy|fake|sample|placeholder|bad){_WORDS_AFTER}")
_TEMPLATE = _rx(
    r"\{\{|\}\}|\$\{|\$\(|%\(|%(?:\[\d+\])?[sdvq]\b|<[A-Za-z][A-Za-z _-]*>|^\$(?=[A-Za-z_])"
    r"|^%\w+%$|^\{\w*\}$")
# a password hashing algorithm's name (``password: SHA256 -> Argon2id``; round 24)
_HASH_NAME = _rx(r"(?i)md5|sha-?(?:1|224|256|384|512)|sha3[_-](?:224|256|384|512)"
                 r"|pbkdf2(?:[_-]sha(?:1|256|512))?|argon2(?:id|i|d)?|bcrypt(?:[_-]sha256)?"
                 r"|s?crypt|yescrypt|blake2[bs]?|crc32")
_CODE_WORDS = frozenset(
    "required invalid incorrect missing wrong correct empty set unset none null nil true false "
    "optional needed necessary used stored sent hashed encrypted given provided not also only "
    "too the a an this that still being expected supported valid present checked ignored".split())


_ENV_NAME = _rx(r"[A-Z][A-Z0-9_]*_[A-Z0-9_]+")  # an environment variable's name
_FIELD_NAME = _rx(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")  # a field: "updated_at", "token_last_4"
_VERSION = _rx(r"[\^~<>=v]*\d+(?:\.\d+)+")  # "^4.0.17"
_STRONG_NAME = _rx(r"(?i)pass|pwd|secret|key")
# A password name (its last word says so): "password", "DB_PASSWORD", "adminPwd", "client_secret"
_PASSWORD_NAME = _rx(r"(?i)(?:pass(?:word|wd|phrase)?|pwd|secret)[\"'\]]*\s*(?::[^=]*)?[:=]")
# A quoted value of words only, assigned to a password name: no code shape (no separators, no
# capitals inside), long enough to be a chosen password ("mysecretpassword", postgres' default).
_WORDS_PASSWORD = _rx(r"[a-z]{12,64}")
_NOT_CHOSEN = _rx(  # "wrongpassword", "newpassword1": a test's label, not a credential
    r"wrong|invalid|incorrect|bad|old|new|other|another|different|fake|dummy|test|sample"
    r"|example|random|some|weak|strong|short|long|empty|bogus|mismatch|expired|correct|valid")
_SENTENCE_END = ".,;:)!?"
_TYPE_NAME = _rx(r"[A-Z][A-Za-z]*[!?]")
# A path: folders of words (not base64: "/Kx8Lm2Qp9Zr4Tv6W=" has no second "/" of words)
_PATH_VALUE = _rx(r"(?:~|\.{1,2})?(?:/[a-z0-9_.-]{1,60}){2,}/?", re.IGNORECASE)
_CODE_REF = _rx(
    r"(?:this|self|cls|user|config|conf|cfg|settings|env|process|os|ctx|context|req|request|res"
    r"|response|options|opts|args|props|state|data|params|app|window|session|auth|client"
    r"|secrets?|credentials?|vars|values|inputs|steps|github)(?:\.[A-Za-z_$][\w$]*)+"
    r"(?:\(\)?)?[,;)]*")


def _random_case(v: str, word: int = 3) -> bool:
    """Letters whose case flips every few characters ("DqFSCySTyis"): generated, not a name
    ("getPasswordHash" flips at word starts only)."""
    if len(v) < 10 or not v.isalpha():
        return False
    flips = sum(a.isupper() != b.isupper() for a, b in zip(v, v[1:], strict=False))
    longest_word = max(len(w) for w in re.split(r"[A-Z]+", v))
    return flips * 4 >= len(v) and longest_word <= word


def _plausible(value: str, check: str, name: str = "") -> bool:
    """Whether a pattern's captured value looks like a credential rather than a label, template,
    placeholder or code: the rules every kind shares, then its own (``_VALUE_RULES``)."""
    v = value.strip()
    if check in ("prose", "inline"):  # the span keeps sentence punctuation; the test does not
        v = v.rstrip(_SENTENCE_END.replace("!", ""))  # (a trailing "!" is often the password's)
    if check == "whole":  # the pattern itself is specific (a vendor's key prefix)
        return True
    if check == "phrase":  # (blanks at either end: code between two literals, a padded label)
        return v == value and _phrase_value(v, name)
    if _YAML_TAG.fullmatch(v):
        return False  # a YAML tag, not the value after it (password: !secret db_password)
    if _HASH_NAME.fullmatch(v):
        return False  # (round 24: a hashing algorithm's name, ``password: SHA256 -> Argon2id``)
    if check == "url":
        return _url_value(v)
    if check == "keyword" and _chosen_password(v, name):
        return True
    if check in _NAMED_CHECKS and _HF_SHAPE.fullmatch(v) and not _about_secret(name):
        return True  # HF_TOKEN = "hf_…": its shape under a secret's name (letters of one case too)
    if _example_value(v):
        return False
    early = _EARLY_RULES.get(check)  # judged before the label and variety tests
    if early is not None:
        return early(v)
    if (LABEL_VALUE.fullmatch(v) and not _random_case(v)) or len(set(v)) <= 3:
        return False  # (letters flipping case every few are generated: "PWDQHlUFBEBf")
    if check in _NAMED_CHECKS and (_about_secret(name) or _no_credential_token(name)):
        return False  # PASSWORD_FILE: /run/…, secretName: tls-cert, TOKEN_URL, CSRF token
    if not _VALUE_RULES.get(check, _keyword_value)(v, name):
        return False
    if check in _NAMED_CHECKS and _weak_token_name(name):
        # a name whose only secret word is "token" (TOKEN, client.token, token:): a lexer's,
        # a parser's or a form's token as often as a credential; a credential's is long and
        # has letters and digits (or letters of random case)
        return len(v) >= 12 and "token" not in v.lower() and _token_value(v, name)
    return True


# YAML tags where a value would be: the standard ones, and local tags that name a value kept
# elsewhere (Home Assistant's and ESPHome's !secret, !env_var, !include; CloudFormation's !Ref,
# !Sub, !GetAtt, !ImportValue...).
_YAML_TAG = _rx(
    r"(?i)!!(?:str|binary|int|float|bool|null|map|seq|set|omap|pairs|timestamp|python/[\w.:/-]{1,80})"
    r"|!(?:secret|env_var|env|include\w{0,20}|input|ref|sub|getatt|getazs|importvalue|join"
    r"|select|split|findinmap|base64|cidr|if|equals|not|and|or|condition|transform)")
_HF_SHAPE = _rx(r"hf_[A-Za-z0-9]{30,40}")  # a Hugging Face token's
_NAMED_CHECKS = frozenset({"keyword", "config", "inline", "prose", "envdefault"})
# (what a name is about; not "id": Vault's secret_id is the credential that logs in)
_NAME_WORDS = _rx(r"[A-Za-z0-9_.-]+")
_SECRET_STEM = _rx(r"(?i)pass|pwd|secret|token|key|credential")


def _name_parts(name: str) -> list[str]:
    """The words of the last name in ``name`` (a pattern's text before its value) that holds a
    secret's word: ``"PASSWORD_FILE"`` -> password, file."""
    for word in reversed(_NAME_WORDS.findall(name[-200:])):
        if _SECRET_STEM.search(word):
            return [p for w in re.split(r"[._-]+", word) if w for p in split_identifier(w)]
    return []


def _about_secret(name: str) -> bool:
    """Whether the name names something about a secret rather than the secret: a word after its
    secret word says what (``PASSWORD_FILE``, ``secretName``, ``TOKEN_URL``, ``password_hash``)."""
    parts = _name_parts(name)
    last = _last_secret_word(parts)
    return last >= 0 and any(p in _ABOUT_NAME for p in parts[last + 1:])


def _last_secret_word(parts: list[str]) -> int:
    """The index of a name's last secret word (``password``, ``token``, ``key``...), or -1."""
    return max((i for i, p in enumerate(parts) if p in _SECRET_PARTS or p in ("key", "keys")
                or "password" in p), default=-1)


def _weak_token_name(name: str) -> bool:
    """Whether the name is a bare "token" (``TOKEN``, ``token:``, ``client.token``): not
    ``ACCESS_TOKEN``, ``GITHUB_TOKEN``, ``api_key``, whose words say what it opens."""
    for word in reversed(_NAME_WORDS.findall(name[-200:])):
        if _SECRET_STEM.search(word):
            last = re.split(r"[.]+", word.strip("._-"))[-1]
            return [p for w in re.split(r"[_-]+", last) if w
                    for p in split_identifier(w)] in (["token"], ["tokens"])
    return False


# Tokens that open nothing: a form's, a page's, a parser's, a cancellation's.
_NO_CREDENTIAL = frozenset(
    "csrf xsrf next page pagination continuation cursor cancel cancellation sync eof lexer "
    "parser syntax start end sentinel batch".split())


def _no_credential_token(name: str) -> bool:
    """``X-CSRF-Token``, ``next_page_token``, ``CancellationToken``: a token's name whose word
    before "token" says it opens nothing."""
    parts = _name_parts(name)
    at = next((i for i, p in enumerate(parts) if p in ("token", "tokens")), -1)
    return at > 0 and parts[at - 1] in _NO_CREDENTIAL  # (PAGE_ACCESS_TOKEN opens a page)


def _b64_private_key(v: str) -> bool:
    """A base64 run that decodes to a private key's header (not a certificate's)."""
    import base64
    import binascii

    head = v[:88]
    try:
        text = base64.b64decode(head[:len(head) // 4 * 4], validate=False)
    except (binascii.Error, ValueError):
        return False
    return b"PRIVATE KEY" in text


def _env_default_value(v: str, name: str) -> bool:
    """A literal after an environment variable's lookup: a secret's default when the variable's
    name is a secret's by its words (``JWT_SECRET``, ``STRIPE_KEY``; not ``API_KEY_URL``)."""
    found = re.search(r"(?:env\.|[\[(]\s*[\"'])(\w{1,80})\W*$", name.split("||")[0]
                      .split("??")[0].split("?:")[0].rsplit(" or ", 1)[0].rstrip())
    if found is None:
        return False
    parts = split_identifier(found.group(1))
    last = _last_secret_word(parts)
    if last < 0 or any(p in _ABOUT_NAME for p in parts[last + 1:]):
        return False
    return _keyword_value(v, name)


def _chosen_password(v: str, name: str) -> bool:
    """A quoted value of words only, assigned to a password name, that is not a label."""
    return bool(_WORDS_PASSWORD.fullmatch(v) and _PASSWORD_NAME.search(name)
                and LABEL_VALUE.fullmatch(v) and not v.startswith(("password", "secret"))
                and not _NOT_CHOSEN.match(v))


def _example_value(v: str) -> bool:
    """Empty, a template, a placeholder or an elided value ("99ae8af...snip...ec0f")."""
    return bool(not v or _TEMPLATE.search(v) or _PLACEHOLDER.fullmatch(v)
                or _PLACEHOLDER_WORDS.fullmatch(v) or _FILL_IN.fullmatch(v) or "..." in v
                or "…" in v)


def _has_digit(v: str) -> bool:
    """Whether ``v`` has a digit."""
    return any(c.isdigit() for c in v)


def _has_alpha(v: str) -> bool:
    """Whether ``v`` has a letter."""
    return any(c.isalpha() for c in v)


def _cli_value(v: str) -> bool:
    """--password=…: not a variable, a placeholder word or an option name."""
    return (len(set(v)) > 3 and not v.startswith(("-", "$", "%", "@"))
            and LABEL_VALUE.fullmatch(v) is None and _ENV_NAME.fullmatch(v) is None
            and not v.isupper())


def _any_value(v: str) -> bool:
    """A value in a credential's own place (a URL's userinfo, a connection string): not a
    label or a field name."""
    return (len(set(v)) > 2 and (LABEL_VALUE.fullmatch(v) is None or _random_case(v))
            and _FIELD_NAME.fullmatch(v) is None)


def _url_value(v: str) -> bool:
    """A URL's password (``redis://:admin@``, ``postgres://u:monkey@``): as detect-secrets' own
    BasicAuthDetector is filtered (:func:`is_label_value`), only secret words alone or joined
    (``password``, ``aws_secret``), templates and masks (``xxxx``) are placeholders; "admin" and
    "root_pass" are passwords."""
    if (_URL_PLACEHOLDER.fullmatch(v) or _TEMPLATE.search(v) or _MASK.fullmatch(v)
            or "..." in v or "…" in v):
        return False
    if len(v) < 4 or v.isdigit() and len(v) <= 5:
        return False  # a port where a test writes one ("user:80@host")
    return len(set(v)) > 1  # ("pwpwpw" is a password)




def _header_value(v: str, name: str) -> bool:
    """After an explicit scheme: any token-like value, not a word."""
    return len(set(v)) > 6 and (_has_digit(v) or not v.isidentifier() or _random_case(v, 5))


def _query_value(v: str, name: str) -> bool:
    """A URL query value: one token, not percent-encoded words."""
    return _has_digit(v) and _has_alpha(v) and "%20" not in v and "+" not in v


def _token_value(v: str, name: str) -> bool:
    """Letters and digits, not a number; or letters whose case flips every few (generated)."""
    return (_has_digit(v) and _has_alpha(v) and not v.isdigit()) or _random_case(v, word=6)


def _mixed_value(v: str, name: str) -> bool:
    """Digits, capitals and small letters."""
    return _has_digit(v) and any(c.isupper() for c in v) and any(c.islower() for c in v)


def _url_user_value(v: str, name: str) -> bool:
    """A token as a URL's user: digits, capitals and small letters, not a name with a number
    (``ContosoEngineering2``, ``JohnSmith1984Dev``)."""
    return _mixed_value(v, name) and not _named_with_number(v)


def _named_with_number(v: str) -> bool:
    """A name of words with a number in it (``GPT2TokenizerFast``, ``JohnSmith1984Dev``,
    ``distilbert-base-uncased-2``): without its digits, CamelCase words joined or not by
    ``_``, ``-``, ``.``, ``/`` or digits (not ``a1b2c3d4``: letters alone between them)."""
    words = [w for w in re.split(r"[-_./\d]+", v) if w]
    return bool(words) and all(map(_camel_name, words))


def _config_value(v: str, name: str) -> bool:
    """Unquoted: no expression, no reference, no field or word list."""
    if any(c in "()[]{}<>$%,|" for c in v) or "." in v and not _has_digit(v):
        return False
    if _PATH_VALUE.fullmatch(v) or v.lower() in ("inherit", "required", "optional"):
        return False  # a path (/run/secrets/db_password), GitHub Actions' "secrets: inherit"
    return _has_alpha(v) and not _FIELD_NAME.fullmatch(v) and not _ENV_NAME.fullmatch(v)


# Types and hash or encoding names (a documentation table's column, "the secret is sha256").
_TYPE_WORDS = _rx(r"(?i)(?:var)?char\(\d+\)?|u?int\d*|float\d*|uuid\d?|sha-?\d+|md5"
                         r"|argon2\w*|bcrypt|scrypt|pbkdf2[\w-]*|hmac[\w-]*|base64|hex|bigint"
                         r"|aes[-_]?\d*(?:[-_](?:gcm|cbc|ctr|ecb|siv))?|rsa[-_]?\d*|ecdsa[\w-]*|ed25519|[hre]s\d{3}|oauth\s?\d?|jwt"
                         r"|saml\s?\d?|tls\s?[\d.]*|ssl")


_MACRO_CALL = _rx(r"[a-z_][a-z0-9_]{0,40}!\(")


def _prose_value(v: str, name: str, inline: bool = False) -> bool:
    """A password in text ("password: hunter2!"): not a code word, an identifier or a type
    (Markdown emphasis around it left out: "a secret is **kept**")."""
    v = v.strip("*_") or v
    if _TYPE_WORDS.fullmatch(v):  # a table's type column: | password | varchar(255) |
        return False
    if v.lower().rstrip("!") in _CODE_WORDS or (
            v.isidentifier() and not _has_digit(v) and not _random_case(v)):
        return False
    if _TYPE_NAME.fullmatch(v):  # GraphQL's "$password: String!"
        return False
    if _CODE_REF.fullmatch(v) or _DURATION.fullmatch(v):
        return False  # { token: user.token1 }, "token: 3600s"
    if _MACRO_CALL.match(v):
        return False  # a Rust macro's call (``password: concat!(…)``): its pieces are judged
    if inline and (_ENV_NAME.fullmatch(v) or _FIELD_NAME.fullmatch(v) or _VERSION.match(v)
                   or "/" in v or "%20" in v or "." in v and not _has_digit(v)):
        return False
    return _has_alpha(v) and (_has_digit(v) or any(c in "!@#$%^&*+=?~" for c in v)
                              or _random_case(v))


def _inline_value(v: str, name: str) -> bool:
    """An unquoted assignment inside a line: a chosen passphrase, or as in prose but not a
    variable, field, version, path or dotted name."""
    if re.fullmatch(r"[a-z]{10,64}", v) and not (LABEL_VALUE.fullmatch(v)
                                                 or _NOT_CHOSEN.match(v)):
        return True  # password=meadowcopper: a chosen passphrase in an assignment
    return _prose_value(v, name, inline=True)


# A quoted phrase assigned to a secret's name is a passphrase unless it is text a program shows or
# says: a prompt, a label, a message, a note. Its words then are mostly these (a table note's, a
# code word, or the small words of a sentence) ...
_TEXT_WORDS = _CODE_WORDS | frozenset(
    "is be at to of in on or it as by if no yes you we least most please enter type confirm "
    "forgot show hide log sign match matches must too character characters minimum maximum min "
    "max field error failed does do did don't doesn't can't cannot isn't wasn't won't".split())
# ... or one of them says what it is about (a secret, a placeholder, the reader's).
_ABOUT_WORDS = frozenset(
    "pass passwd password passwords passphrase pwd pin passcode secret secrets token tokens key "
    "keys apikey credential credentials login username your placeholder example dummy fake "
    "sample changeme".split())
# A name whose words say its value is such a text (``PASSWORD_PROMPT``, ``password_help``,
# ``lblPassword``, ``invalid_password_msg``) or a setting about a secret (``password_chars``).
_TEXT_NAME = frozenset(
    "prompt help message messages msg text txt title label lbl hint description desc error "
    "errors err placeholder tooltip question caption info usage doc docs warning notice regex re "
    "pattern field input button btn link page screen form dialog modal style css class classes "
    "icon selector locator xpath chars charset alphabet cmd command script invalid wrong "
    "incorrect missing required mismatch forgot empty weak short expired i18n subject body "
    "template tpl heading subtitle content copy email mail notification sms reminder "
    "instructions note notes comment tip".split())
_SECRET_WORD = _rx(r"pass(?:word|wd|phrase)|secret|token|credential")
_PHRASE_LABEL = frozenset(
    "wrong invalid incorrect bad fake dummy test sample example bogus".split())


def _phrase_value(v: str, name: str) -> bool:
    """A quoted value of several words assigned to a secret's name (``"correct horse battery
    staple"``, ``"Zk8vQ2 wLp9Rt"``): a passphrase, unless it is a template or placeholder, text
    a program shows (a sentence: capitalised and no digit or capital after, or ending in ":",
    ".", "?"; a message of small words; words naming a secret), a test's label ("wrong horse
    battery"), or the name says it is a text or is about a secret (``PASSWORD_PROMPT``,
    ``password_help``, ``PASSWORD_FILE``, a bare ``token``)."""
    words = v.split()
    if len(words) < 2 or not all(any(c.isalnum() for c in w) for w in words):
        return False  # one word (the other patterns'), or code ('") == "', '" + x + "')
    if _phrase_is_text(v, words):
        return False
    parts = _name_parts(name)  # (the name's last word holding a secret's, split)
    return bool(parts) and not (
        _about_secret(name) or _no_credential_token(name) or _weak_token_name(name)
        or any(p in _TEXT_NAME or p.rstrip("s") in _TEXT_NAME for p in parts))


def _phrase_is_text(v: str, words: list[str]) -> bool:
    """Whether a quoted phrase of ``words`` reads as text a program holds, not a passphrase."""
    if (_example_value(v) or any(c in v for c in "{}$%<>()[]=|;\\")
            or v.endswith((".", ":", "?", "\u2026")) or v[:1] in "-#/"):
        return True  # a template, an f-string, code, an elided or placeholder value, a sentence
    if any(w[:1] == "-" and w[1:2].isalpha() for w in words[1:]):
        return True  # a command with an option ("will pass: `pytest -k pass2`", round 19)
    if v[:1].isupper() and not any(c.isdigit() or c.isupper() for c in v[1:]):
        return True  # "Please enter the password", "Mot de passe", "Not set"
    if any(c.isalpha() and not c.isascii() for c in v) and not _has_digit(v):
        return True  # words of a translation ("Contraseña actual", "密码 错误")
    low = [w.strip(".,;:!?\"'()*").lower() for w in words]
    if (_ABOUT_WORDS.intersection(low) or low[0] in _PHRASE_LABEL
            or any(_SECRET_WORD.search(w) for w in low)):
        return True  # ("1Password", "passwords", "app-secret")
    return sum(w in _TEXT_WORDS or w in _NOTE_WORDS for w in low) * 2 > len(low)  # "not set"


# What a key is rather than a key: curves, JOSE algorithms, versions, sizes, encodings.
_KEY_KINDS = _rx(r"(?i)secp\d+\w*|p-\d{3}|[ep]s\d{3}k?|utf-?8\w*|v\d+\.\w+"
                        r"|\d+-(?:byte|bit|char|character|digit|letter)s?[\w-]*|x25519|curve25519"
                        r"|prime256v1")


def _column_value(v: str, name: str) -> bool:
    """A cell of a table's password column: as a password in prose, or a chosen passphrase, or
    letters of mixed case not written as a word or a name ("clurVABVVbYf")."""
    if (_DURATION.fullmatch(v) or re.match(r"[a-z_]+=", v) or v.startswith("@")
            or re.fullmatch(r"[\w.]+\(.*\)", v) or _TYPE_WORDS.fullmatch(v)
            or _KEY_KINDS.fullmatch(v)):
        return False  # "1h30m", "24h-expiry", "ttl=3600s", "@BotFather", "md5(salt+pw)", P-256
    if _prose_value(v, name, inline=True) or _inline_value(v, name):
        return True
    if (re.fullmatch(r"[A-Za-z0-9+/]{16,}={0,2}", v) and _has_digit(v) and not v.islower()
            and not v.startswith("/")):
        return True  # base64 ("QzKlQY77XG1SL27rLDMF/ZqSZERQX1L==")
    if (re.fullmatch(r"[a-z]{3,}(?:-[a-z]{3,}){2,}\d*", v) and not _NOT_CHOSEN.match(v)
            and not _CODE_WORDS.intersection(v.split("-"))):
        return True  # a passphrase of words ("apple-river-stone"; not "not-set-yet")
    if v.isdigit():
        return len(v) >= 8  # a numeric password or PIN in its column ("12345678901234")
    w = v.replace("-", "").replace("_", "")  # ("wjikvZ-GRRYD")
    return (len(w) >= 8 and w.isalpha() and not (w.islower() or w.isupper() or w.istitle())
            and not all(map(_camel_name, re.split(r"[-_]+", v))))


def _camel_name(w: str) -> bool:
    """``userName``, ``IDBMutableFile``, ``NewMetaValue``: words of three letters or more, each a
    capital and small letters (two or more after one capital), or capitals (two or more) alone,
    none over 20 letters (a random "clurVABVVbYf", "wjikvZ", "qwertyuiop…zxcXab" has others)."""
    if not w.isalpha():
        return False
    for i, piece in enumerate(_CAMEL_PIECE.findall(w)):  # (split left to right, once: linear)
        small = piece.lstrip(string.ascii_uppercase)
        short = 2 if i == 0 and len(piece) - len(small) == 1 else 3  # NewMetaValue, not BigRedDog
        if len(piece) > 20 or (len(small) < short if small else len(piece) < 2):
            return False
    return True


_CAMEL_PIECE = _rx(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")


def _word_pieces(w: str) -> bool:
    """Letters that split into words of 3 to 20 letters (``AutoModelForSequenceClassification``),
    as an identifier does; random letters split into pieces of one or two, or into a run too
    long for a word (``abcdefghijklmnopqrstuvwxyz``)."""
    return all(3 <= len(p) <= 20 for p in _CAMEL_PIECE.findall(w))


def _keyword_value(v: str, name: str) -> bool:
    """A quoted literal: not an identifier-like word naming a setting or an env var, a version,
    a path or a URL; long enough (a token's, longer)."""
    if (_ENV_NAME.fullmatch(v) or _FIELD_NAME.fullmatch(v) or _VERSION.match(v)
            or v.startswith(("/", "./", "http"))):
        return False
    if name and "token" in name.lower() and not _STRONG_NAME.search(name):
        # "token1", "refresh2": test labels; real tokens are long and do not say "token", or
        # (from 10 characters) look generated: digits among small and capital letters
        return "token" not in v.lower() and (len(v) >= 16 or len(v) >= GENERATED_TOKEN
                                             and _generated(v))
    return len(v) >= 6


GENERATED_TOKEN = 10  # a token's shortest generated value ("Tp5kR8wQ3zXm"), under a token's name


def _generated(v: str) -> bool:
    """Digits among small and capital letters, a digit or capital inside a run of letters, and
    not a name with a number (``GPT2TokenizerFast``, ``Version2Beta``): a generated value."""
    return _mixed_value(v, "") and not _named_with_number(v) and \
        sum(c.isdigit() for c in v) >= 2 and not _VERSION.match(v)


# Per kind of pattern (Pattern.check), the test of its value: those judged before the label and
# variety tests, then the others (any other kind: ``_keyword_value``).
_EARLY_RULES: dict[str, Callable[[str], bool]] = {
    "cli": _cli_value, "any": _any_value, "b64key": _b64_private_key,
    "hfletters": lambda v: not (v[3:].islower() or v[3:].isupper() or _word_pieces(v[3:]))}
_VALUE_RULES: dict[str, Callable[[str, str], bool]] = {
    "header": _header_value,
    "query": _query_value,
    "token": _token_value,
    "mixed": _mixed_value,
    "config": _config_value,
    "prose": _prose_value,
    "inline": _inline_value,
    "column": _column_value,
    "keyword": _keyword_value,
    "envdefault": _env_default_value,
    "urluser": _url_user_value,
}


class Finding(NamedTuple):
    """A secret value: line (1-based) and the value's character span in that line."""
    line: int
    start: int
    end: int
    kind: str


def _is_config(filename: str) -> bool:
    """Whether unquoted values are literals here: shell, configuration, text (not source code)."""
    from analyzers.languages import detect, has_grammar

    lang = detect(filename) if filename else None
    return not has_grammar(lang) or lang == "bash"


# A comment in source code (``# TODO rotate password=…``, ``x = f()  // DB_PASSWORD = …``):
# prose, where ``NAME=value`` and ``NAME = value`` are values as in text.
_COMMENT_AT = _rx(r"^\s*(?:#|//|/\*|\*|--|;|<!--)|\s(?:#|//|/\*|--|<!--)")


# The four letters other than ASCII ones that ``re.IGNORECASE`` matches to ASCII letters
# (the re module's documentation): ``İ`` and ``ı`` (i), ``ſ`` (s), ``K`` (the Kelvin sign, k)
_ASCII_ALIKE = _rx("[\u0130\u0131\u017f\u212a]")


def _own_findings(number: int, line: str, config: bool) -> list[Finding]:
    out: list[Finding] = []
    # (not when the line holds a letter ``(?i)`` reads as an ASCII one: ``ſ`` is s, ``K`` k)
    low = None if _ASCII_ALIKE.search(line) else line.lower()
    for pat in ((*PATTERNS, *DEFAULT_PATTERNS, CONFIG_PATTERN, FLOW_PATTERN, INLINE_PATTERN)
                if config else (*PATTERNS, *DEFAULT_PATTERNS)):
        if low is None or not pat.needs or any(n in low for n in pat.needs):
            _pattern_findings(out, number, line, pat, code=not config)
    if "[" in line:  # (in code, quoted items only)
        out += _flow_list_findings(number, line, quoted=not config)
    comment = None if config else _COMMENT_AT.search(line)
    if comment is not None:
        body = line[comment.end():]
        for pat in (INLINE_PATTERN, CONFIG_PATTERN):
            _pattern_findings(out, number, body, pat, comment.end())
        # (and prose's "api key V": ``# TODO: remove api key V before release``; not its arrows,
        # code's in a comment: ``// token -> Result<…>``)
        out += [Finding(number, comment.end() + a, comment.end() + b, kind)
                for a, b, kind in _free_key_spans(body, body.lower())]
    return out


# A flow sequence after a secret's name in configuration (``tokens: [a1b2…, c3d4…]``): its items
# on its line, the first ``_FLOW_ITEMS`` of the line's lists, each of 6 characters or more (a
# list longer is data, not secrets: read to its end, a list of thousands cost seconds)
_FLOW_LIST = _rx(rf"(?i)(?<![\w.-])[\"']?{_NAME}[\"']?[ \t]*[:=]{_YAML_NODE_PROPS}[ \t]*\[")
_FLOW_ITEMS = 64
_FLOW_ITEM = _rx(r"[ \t]*(?P<q>[\"']?)(?P<v>[^\s,\[\]{}\"']{1,300}+)(?P=q)[ \t]*(?=[,\]]|$)")


def _flow_list_findings(number: int, line: str, quoted: bool = False) -> list[Finding]:
    """The items of the flow sequences after secrets' names on ``line`` that read as values
    written inline (see ``_FLOW_LIST``); ``quoted``: only its quoted literals (code's)."""
    out: list[Finding] = []
    budget = _FLOW_ITEMS  # (items on the line, in all its lists)
    for m in _FLOW_LIST.finditer(line):
        name, at = m.group(0), m.end()
        while budget > 0:
            budget -= 1
            item = _FLOW_ITEM.match(line, at) if at < len(line) else None
            if item is None:
                break
            if len(item.group("v")) >= 6 and (item.group("q") or not quoted) and _plausible(
                    item.group("v"), "inline", name):
                out.append(Finding(number, item.start("v"), item.end("v"), "Secret Keyword"))
            at = item.end() + 1
            if item.end() >= len(line) or line[item.end()] == "]":
                break
        if budget <= 0:
            break
    return out


# A secret's name written in pieces (``"pass" + "word"``), then its value: a call's next argument,
# a map's (``to``, ``:``), an index's assignment (``props["pass" + "word"] = "…"``)
_SPLIT_NAME = _rx(
    r"(?P<a>[\"'])[\w.-]{1,40}+(?P=a)(?:[ \t]*\+[ \t]*(?P<b>[\"'])[\w.-]{1,40}+(?P=b)){1,3}?[ \t]*"
    r"(?:,|\bto\b|:|\][ \t]*=)[ \t]*(?P<q>[\"'])(?P<v>[^\"'\s]{6,300}+)(?P=q)")
_PIECE_WORDS = _rx(r"(?P<a>[\"'])(?P<w>[\w.-]{1,40}+)(?P=a)")


_SPLIT_HINTS = ('" + "', "' + '", '"+"', "'+'")


def _split_hint(text: str) -> bool:
    """Whether ``text`` may hold a secret's name in pieces (see ``_SPLIT_NAME``)."""
    return any(h in text for h in _SPLIT_HINTS) and _SPLIT_NAME.search(text) is not None


def _split_name_findings(number: int, line: str) -> list[Finding]:
    """The values of secrets' names written in pieces on ``line`` (see ``_SPLIT_NAME``)."""
    out: list[Finding] = []
    for m in _SPLIT_NAME.finditer(line):
        name = "".join(w.group("w") for w in _PIECE_WORDS.finditer(line, m.start(), m.start("q")))
        if _NAME_IN_WORD.search(name) and _plausible(m.group("v"), "keyword", name + " = "):
            out.append(Finding(number, m.start("v"), m.end("v"), "Secret Keyword"))
    return out


# A value that starts past its name's line, or in pieces. Python's (and C's) adjacent literals
# (``PASSWORD = ("Xq7Lm2V"`` over ``"z9Rt4Kp")``, ``password = "Xq7" "Lm2V"``) and a value after a
# line continuation (``PASSWORD = \`` over ``"…"``): the pieces read as one value. YAML's value on
# the next, deeper line (``password:`` over ``  …``), or in a block scalar (``password: >-``).
_ASSIGNED = _rx(
    rf"(?i)(?<![\w/@.-]){_NAME}(?:[\"']\s*:|\s*(?::\s*[a-z_][\w.\[\]| ]{{0,40}}?\s*)?=(?!=)"
    r"|\s*:(?=\s*(?:#|//|$)))\s*")
# Between a value's pieces: "+" (``"Zk8" + "wLp9"``); a comma inside ``"".join([…])``; the start
# of such a join; a comment (to its line's end); a triple quote opening a literal.
_PLUS = _rx(r"\s*\+\s*")
_COMMA = _rx(r"\s*,\s*")
_LEADING_PLUS = _rx(r"\s*\+(?!\+)\s*")  # a line going on with "+" (``    + "vLp7"``)
_JOIN = _rx(r"(?:\"\"|'')\.join\(\s*[\[(]?")
_COMMENT = _rx(r"(?:#|//)")
_TRIPLE = _rx(r"(?i)[bruf]{0,2}(\"\"\"|''')[ \t]*$")
# A secret's name as a call's first argument, the line ending after its comma (its value, the
# default of ``os.getenv('DB_PASSWORD',``, on the next line)
_PAIR_OPEN = _rx(rf"(?i)(?:\(|^)\s*(?P<a>[\"']){_NAME}(?P=a)\s*,\s*$")
_CALL_OPENS = _rx(r"(?<!parametrize)\(\s*$")  # a line ending in a call's "(" (no test's)
_PIECE = _rx(r"(?i)[bruf]{0,2}(?:\"(?P<d>(?:[^\"\\]|\\.){0,300}+)\""
                    r"|(?P<sq>['`])(?P<s>(?:(?!(?P=sq))[^\\]|\\.){0,300}+)(?P=sq))")
_PIECE_LINES = 8  # a value's pieces are on its name's line and at most this many more
_YAML_KEY = _rx(
    rf"(?i)[ \t]*(?:-[ \t]+)?(?P<n>[\"']?{_NAME}[\"']?)[ \t]*:{_YAML_NODE_PROPS}[ \t]*"
    r"(?P<b>[|>][1-9+-]{0,2})?[ \t]*(?:#.*)?")
_YAML_PROPS_END = _rx(rf":{_YAML_NODE_PROPS}$")  # a key's properties ending its line
_BLOCK_LINES = 50  # a block scalar's lines read for a value
_BLANK = _rx(r"\s")
_BLANKS = _rx(r"[ \t]*")
_CONTINUATION = _rx(r"\\\s*$")
_VALUE_ENDS = _rx(r"\s*(?:[)\]},;#]|//|$)")  # after a literal value: not an operator
_YAML_OPENS = (":", "|", ">", "-", "+")  # how a line ends whose key's value is on the next lines
_YAML_INDICATOR = _rx(r"[|>][1-9+-]{1,2}$")  # a block scalar's header (``|2``, ``>-``)
# A YAML key and its plain (unquoted) value on one line: the value may go on, folded, on the
# deeper lines after it (each of them one more word of the value)
_YAML_PLAIN = _rx(
    rf"(?i)[ \t]*(?:-[ \t]+)?(?P<n>[\"']?{_NAME}[\"']?)[ \t]*:[ \t]+{_YAML_PROPS}"
    r"(?P<v>[^\s\"'#&*!|>{\[%@`][^\s]{0,300}+)[ \t]*")
# A YAML key and a quoted scalar its line does not close: the scalar goes on, folded
_YAML_QUOTE_OPEN = _rx(
    rf"(?i)[ \t]*(?:-[ \t]+)?[\"']?{_NAME}[\"']?[ \t]*:[ \t]+{_YAML_PROPS}(?P<q>[\"'])"
    r"(?P<v>[^\"'\s]{1,300}+)")
_YAML_SKIP = 8  # comment and blank lines read past between a key and its value


def _yaml_continued(lines: list[str], i: int) -> list[Finding] | None:
    """In configuration: the values of line ``i``'s YAML key on the next lines (a block scalar,
    a deeper line, a list, a folded plain scalar's further lines), or of a name ending its line
    in ``:`` or ``=`` (text: the next line's first word); None when line ``i`` is none of these."""
    line = lines[i]
    head = line.rstrip()
    if " #" in head:  # (a YAML comment after the key: ``password: |2  # prod``)
        head = head[:head.index(" #")].rstrip()
    if head[-1:] not in "\"'" and ("\"" in head or "'" in head):
        quoted = _YAML_QUOTE_OPEN.fullmatch(head)
        if quoted is not None:  # (``password: "Xk9mQ2`` over ``  vLp7wR"``)
            return _triple_quoted(lines, i, quoted.group("q"), head[:quoted.start("q")],
                                  ((i, quoted.start("v"), quoted.end("v")),))
    if ("&" in head or "!" in head) and not head.endswith(_YAML_OPENS):
        head = _YAML_PROPS_END.sub(":", head)  # (``passwords: &p`` over its list)
    if head.endswith(_YAML_OPENS) or _YAML_INDICATOR.search(head[-3:]):
        key = _YAML_KEY.fullmatch(line)
        found = _yaml_next_values(lines, i, key) if key is not None else []
        if found or (key is not None and not head.endswith(":")):
            return found
        return _next_line_value(lines, i)
    if head.endswith("="):
        return _next_line_value(lines, i)
    if i + 1 < len(lines) and _indent(lines[i + 1]) > _indent(line) and ":" in line:
        plain = _YAML_PLAIN.fullmatch(line)
        if plain is not None and _plausible(plain.group("v"), "config", line[:plain.start("v")]):
            return _yaml_folded(lines, i, plain.start("n")) or None
    return None


def _yaml_folded(lines: list[str], i: int, column: int) -> list[Finding]:
    """The further lines of a plain scalar that starts on line ``i`` (its key at ``column``):
    each deeper line up to the first that is not (a comment, a key, a blank line ends it)."""
    out: list[Finding] = []
    for j in range(i + 1, min(len(lines), i + _BLOCK_LINES + 1)):
        body = lines[j]
        a = _indent(body)
        value = body.strip()
        if a <= column or not value or value.startswith("#") or ": " in value \
                or value.endswith(":"):
            break
        comment = value.find(" #")
        value = value[:comment].rstrip() if comment >= 0 else value
        out.append(Finding(j + 1, a, a + len(value), "Secret Keyword"))
    return out


def _code_head(line: str) -> str:
    """A line of code without its trailing comment (a blank, then ``#`` or ``//``), as far as a
    look without parsing can tell."""
    m = re.search(r"\s(?:#|//)", line)
    return (line[:m.start()] if m else line).rstrip()


def _continued_findings(lines: list[str], i: int, config: bool) -> list[Finding]:
    """The values of line ``i``'s name that start on a later line or come in pieces (see
    ``_ASSIGNED``, ``_YAML_KEY``); in configuration, YAML's too."""
    line = lines[i]
    head = _code_head(line)
    if config:  # (Kotlin, Scala, Swift are read as configuration: a "+" ending the line is code's)
        found = _yaml_continued(lines, i)
        if found is not None and (found or not head.endswith("+")):
            return found
    out: list[Finding] = _pair_next_value(lines, i, head) if head.endswith(",") else []
    if not ("(" in line or "/*" in line or head.endswith(("\\", "+", "=", ":", '"""', "'''"))
            or line.count("\"") + line.count("'") >= 4
            or i + 1 < len(lines) and _LEADING_PLUS.match(lines[i + 1])):
        return out  # (no parenthesis, continuation or second literal: nothing to read on)
    for m in _ASSIGNED.finditer(line):
        triple = _TRIPLE.match(line, m.end())
        if triple is not None:
            out += _triple_quoted(lines, i, triple.group(1), line[:m.end()])
            continue
        pieces, opened, ended = _pieces(lines, i, m.end())
        if not pieces or not ended or (len(pieces) == 1 and pieces[0][0] == i and not opened):
            continue  # one literal on the name's line: the patterns' own; an expression's part
        value = "".join(lines[j][a:b] for j, a, b in pieces)
        if value and not _BLANK.search(value) and _plausible(value, "keyword", line[:m.end()]):
            out += [Finding(j + 1, a, b, "Secret Keyword") for j, a, b in pieces if b > a]
    return out


def _pair_next_value(lines: list[str], i: int, head: str) -> list[Finding]:
    """The value of a pair whose name ends line ``i`` (``head``, its comment left out) after a
    comma: the first literal on the next lines (past comment lines), ending the call's
    argument."""
    pair = _PAIR_OPEN.search(head)
    if pair is None or "parametrize" in head:
        return []
    if head[pair.start()] != "(" and not (i and _CALL_OPENS.search(_code_head(lines[i - 1]))):
        return []  # a name alone on its line: a call's first argument (not a list's item)
    for j in range(i + 1, min(len(lines), i + 4)):
        nxt = lines[j]
        stripped = nxt.strip()
        if not stripped or _COMMENT.match(stripped):
            continue
        m = _PIECE.match(nxt, _indent(nxt))
        if m is None or _VALUE_ENDS.match(nxt, m.end()) is None:
            return []
        group = "d" if m.group("d") is not None else "s"
        value = m.group(group)
        if (value and not _BLANK.search(value) and any(c.isalnum() for c in value)
                and _plausible(value, "keyword", head)):
            return [Finding(j + 1, m.start(group), m.end(group), "Secret Keyword")]
        return []
    return []


def _triple_quoted(lines: list[str], i: int, quote: str, name: str,
                   first: tuple[_Cell, ...] = ()) -> list[Finding]:
    """A triple-quoted literal opened at the end of line ``i`` (``PASSWORD = \"\"\"``): its
    lines up to the closing quote (at most ``_PIECE_LINES``), when they hold one word or a few
    words one to a line (a key, a token), not text. ``first``: its part on line ``i`` (a YAML
    quoted scalar folded over lines)."""
    cells: list[_Cell] = list(first)
    for j in range(i + 1, min(len(lines), i + _PIECE_LINES + 1)):
        body = lines[j]
        close = body.find(quote)
        part = body[:close] if close >= 0 else body
        word = part.strip()
        if word:
            if _BLANK.search(word):
                return []
            a = part.index(word)
            cells.append((j, a, a + len(word)))
        if close >= 0:
            value = "".join(lines[k][a:b] for k, a, b in cells)
            if 0 < len(cells) <= 4 and _plausible(value, "keyword", name):
                return [Finding(k + 1, a, b, "Secret Keyword") for k, a, b in cells]
            return []
    return []


# In text (a commit's body, notes): a secret's name ending its line (``… password=`` or
# ``Password:``), its value the next line's first word (not a key of its own: ``user: …``).
_NAME_IN_WORD = _rx(rf"(?i){_NAME_CORE}")
_NAME_END_MAX = 120  # characters of a name read back from its line's end
_NEXT_VALUE = _rx(r"[ \t]*[\"'`]?(?P<v>[^\s\"'`;,<>()\[\]{}|&=:]{6,300}+={0,2})"
                         r"(?=[\"'`]?(?:\s|$)|[^\s\"'`;,<>()\[\]{}|&=:])")


def _next_line_value(lines: list[str], i: int) -> list[Finding]:
    """The value on the line after ``i`` when line ``i`` ends right after the ``=`` or ``:`` of
    a secret's name (Markdown's emphasis or code marks around the name left out)."""
    if i + 1 >= len(lines):
        return []
    head = lines[i].rstrip()[:-1].rstrip().rstrip("*`")
    k = len(head)  # (read back over the name's characters, at most _NAME_END_MAX: linear)
    while k > 0 and len(head) - k < _NAME_END_MAX and (head[k - 1].isalnum()
                                                        or head[k - 1] in "_.-"):
        k -= 1
    word = head[k:]
    if not word or (k and (head[k - 1] == "$" or head[k - 1].isalnum() or head[k - 1] in "_.-")) \
            or _NAME_IN_WORD.search(word) is None:
        return []  # no name, a variable's expansion ($password=), or a name too long to be one
    m = _NEXT_VALUE.match(lines[i + 1])
    if m is None or not _plausible(m.group("v"), "inline", word + "="):
        return []
    end = m.end("v")
    if end - m.start("v") >= VALUE_CAP:  # read as its first 300: the rest is the value too
        end = _value_end(lines[i + 1], end, None, INLINE_PATTERN.tail)
    elif end < len(lines[i + 1]) and lines[i + 1][end] not in "\"'`\t ":
        return []  # a key of its own (user=admin), not a value
    return [Finding(i + 2, m.start("v"), end, "Secret Keyword")]


def _pieces(lines: list[str], i: int, at: int) -> tuple[list[_Cell], bool, bool]:
    """The string literals from ``at`` of line ``i`` on, next to each other or joined by "+"
    or ``"".join([…])`` (over a line continuation, inside an opening parenthesis, or after the
    name's operator or a "+" ending a line, onto the next lines; a comment read past), whether a
    parenthesis opened them, and whether they end the value (not followed by an operator or a
    call)."""
    pieces: list[_Cell] = []
    opened = joined = plus = False
    j, line = i, lines[i]
    while True:
        blanks = _BLANKS.match(line, at)
        at = blanks.end() if blanks else at
        if at >= len(line) or _CONTINUATION.match(line, at) or _COMMENT.match(line, at):
            if j + 1 >= min(len(lines), i + _PIECE_LINES + 1) or not (
                    opened or plus or _read_on(lines, j, at, bool(pieces), j == i)):
                break
            j, at = j + 1, 0
            line = lines[j]
            lead = _LEADING_PLUS.match(line) if pieces else None
            plus, at = (True, lead.end()) if lead is not None else (plus, 0)
            continue
        if line.startswith("/*", at):  # (a comment over lines: ``= /* the\n prod */ "…"``)
            j, at = _past_comment(lines, i, j, at)
            if at < 0:
                break
            line = lines[j]
            continue
        if not pieces and not opened:
            join = _JOIN.match(line, at) if line[at] in "\"'" else None
            if line[at] == "(" or join is not None:
                opened, joined, at = True, join is not None, join.end() if join else at + 1
                continue
        m = _PIECE.match(line, at)
        if m is None:
            break
        group = "d" if m.group("d") is not None else "s"
        pieces.append((j, m.start(group), m.end(group)))
        at = m.end()
        sep = _PLUS.match(line, at) or (_COMMA.match(line, at) if joined else None)
        plus = sep is not None and sep.end() > at
        at = sep.end() if plus and sep is not None else at
    # (a "+" or a join's "," before a closing bracket ends the value: ``"a",\n]``)
    return pieces, opened, (_VALUE_ENDS.match(line, at) is not None
                            and (not plus or line[at:at + 1] in ")]"))


def _past_comment(lines: list[str], i: int, j: int, at: int) -> tuple[int, int]:
    """Where a ``/* */`` comment opening at ``at`` of line ``j`` ends (its line, and the offset
    past it), read to at most ``_PIECE_LINES`` after line ``i``; an offset of -1: not there."""
    close = lines[j].find("*/", at + 2)
    while close < 0 and j + 1 < min(len(lines), i + _PIECE_LINES + 1):
        j += 1
        close = lines[j].find("*/")
    return (j, close + 2) if close >= 0 else (j, -1)


def _read_on(lines: list[str], j: int, at: int, pieces: bool, first: bool) -> bool:
    """Whether a value's pieces go on after line ``j`` (read to ``at``) with neither a
    parenthesis nor a "+" open: before any piece, from the name's line or past a comment's line;
    after one, onto a line that a "+" leads."""
    if not pieces:
        return first or not lines[j][:at].strip()
    return _LEADING_PLUS.match(lines[j + 1]) is not None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _yaml_next_values(lines: list[str], i: int, key: re.Match[str]) -> list[Finding]:
    """YAML: the value of a secret's key on the next, deeper line (one word, not a key, list,
    alias or flow collection), or each line of one word in its block scalar."""
    name, column = lines[i], key.start("n")
    out: list[Finding] = []
    if key.group("b") is None:
        k = i + 1  # (past comment and blank lines)
        while k < min(len(lines), i + _YAML_SKIP + 1) and (
                not lines[k].strip() or lines[k].lstrip().startswith("#")):
            k += 1
        if k >= len(lines) or _indent(lines[k]) < column:
            return out
        if lines[k].lstrip().startswith(("- ", "-\t")):
            return _yaml_list_values(lines, k, name)
        if _indent(lines[k]) == column:
            return out
        nxt = lines[k]
        a, b = _indent(nxt), len(nxt.rstrip())
        comment = nxt.find(" #", a)
        b = len(nxt[:comment].rstrip()) if comment >= 0 else b
        if b - a > 1 and nxt[a] in "\"'" and nxt.count(nxt[a], a) == 1:  # (folded over lines)
            return _triple_quoted(lines, k, nxt[a], name, ((k, a + 1, b),))
        if b - a > 2 and nxt[a] in "\"'" and nxt[b - 1] == nxt[a]:
            a, b = a + 1, b - 1
        value = nxt[a:b]
        if (value and not _BLANK.search(value) and value[0] not in "-#{[&*!?|>%@`"
                and not value.endswith(":") and _plausible(value, "config", name)):
            out.append(Finding(k + 1, a, b, "Secret Keyword"))
        return out
    return _yaml_block(lines, i, column, name)


def _yaml_block(lines: list[str], i: int, column: int, name: str) -> list[Finding]:
    """The lines of a block scalar opened on line ``i`` (its key or list item at ``column``)
    that each hold one word reading as a value."""
    out: list[Finding] = []
    for j in range(i + 1, min(len(lines), i + _BLOCK_LINES + 1)):
        body = lines[j]
        if body.strip() and _indent(body) <= column:
            break
        value = body.strip()
        if value and not _BLANK.search(value) and _plausible(value, "config", name):
            out.append(Finding(j + 1, _indent(body), _indent(body) + len(value), "Secret Keyword"))
    return out


_YAML_ITEM = _rx(r"[ \t]*(?:-[ \t]+){1,8}")
# A list item's mapping under a secret's key holding the value itself (``tokens:`` over
# ``- value: …``)
_YAML_ENTRY = _rx(r"(?:value|secret|token|key|password)[ \t]*:[ \t]+(?P<v>[^\s#][^\s]{0,300}+)"
                  r"(?:[ \t]+#.*)?[ \t]*")
# An item's anchor and tag before its value or block (``- &a |``, ``- !!str …``)
_YAML_ITEM_PROPS = _rx(r"(?:(?:&[\w.-]{1,60}|!!?[\w/.:-]{0,40})(?:[ \t]+|$)){0,2}")


def _yaml_list_values(lines: list[str], k: int, name: str) -> list[Finding]:
    """The items of a YAML list under a secret's key (``passwords:`` over ``  - …``), from line
    ``k``: each item of one word (quoted or not; not a mapping, an alias or a collection) that
    reads as a value written inline (digits or symbols in it, or a passphrase: not a word)."""
    out: list[Finding] = []
    column = _indent(lines[k])
    for j in range(k, min(len(lines), k + _BLOCK_LINES)):
        body = lines[j]
        stripped = body.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _indent(body) > column:  # an item's mapping: its ``value:`` (``- name: ci`` over it)
            entry = _YAML_ENTRY.fullmatch(body, _indent(body))
            if entry is not None and _plausible(entry.group("v"), "inline", name):
                out.append(Finding(j + 1, entry.start("v"), entry.end("v"), "Secret Keyword"))
            continue
        if _indent(body) < column or not stripped.startswith(("- ", "-\t")):
            break
        item = _YAML_ITEM.match(body)  # (a nested list's item too: ``- - …``)
        a = item.end() if item else _indent(body) + 1
        props = _YAML_ITEM_PROPS.match(body, a)
        a = props.end() if props else a
        comment = body.find(" #", a - 1)
        b = len(body[:comment].rstrip()) if comment >= 0 else len(body.rstrip())
        if _YAML_INDICATOR.fullmatch(body, a, b) or body[a:b] in ("|", ">"):
            out += _yaml_block(lines, j, column, name)  # ``- |`` over its lines
            continue
        entry = _YAML_ENTRY.fullmatch(body, a, b)
        if entry is not None:  # ``- value: …``
            a, b = entry.span("v")
        if b - a > 2 and body[a] in "\"'" and body[b - 1] == body[a]:
            a, b = a + 1, b - 1
        value = body[a:b]
        if (value and not _BLANK.search(value) and value[0] not in "-#{[&*!?|>%@`"
                and ": " not in value and not value.endswith(":")
                and _plausible(value, "inline", name)):  # (a list of words: "first", "all")
            out.append(Finding(j + 1, a, b, "Secret Keyword"))
    return out


def _pattern_findings(out: list[Finding], number: int, line: str, pat: Pattern,
                      shift: int = 0, code: bool = False) -> None:
    """``pat``'s values on ``line``; in ``code``, a type where prose's value would be is none
    (``fn new(secret: &[u8])``)."""
    read_to = 0  # a long value read to its end once (later matches inside it add nothing)
    for m in pat.regex.finditer(line):
        group = "w" if "w" in m.groupdict() and m.group("w") is not None else "v"
        value = m.group(group)
        if code and pat.check == "prose" and _code_type(line, m.start(group)):
            continue
        if value and _plausible(value, pat.check, m.group(0)[:m.start(group) - m.start()]):
            start, end = m.start(group), m.end(group)
            if end - start >= VALUE_CAP:  # read as its first 300: the rest is the value too
                if start < read_to:
                    continue
                end = read_to = _value_end(line, end, m.groupdict().get("q"), pat.tail)
            out.append(Finding(number, start + shift, end + shift, pat.kind))


# A parameter's or field's type where prose's value would be, in code: a reference, a generic
# or trait type, a primitive, or a CamelCase name of several words or none with a digit
# (``&[u8]``, ``&str``, ``Vec<u8>``, ``impl AsRef<str>``, ``Uint8Array``, ``SecretString``)
_CODE_TYPE = _rx(
    r"&(?:mut\s+)?[\w\[\]<>:]+|(?:Vec|Option|Box|Arc|Rc|Result|Cow|Pin|Mutex|RefCell|HashMap"
    r"|Array|Promise|Record|Partial|Readonly|Secret)<\S*|(?:impl|dyn)\s+\S+"
    r"|\[?(?:str|String|u8|u16|u32|u64|usize|i8|i32|i64|bytes|byte|number|string|Uint8Array"
    r"|Buffer|ArrayBuffer|\[\]byte)\]?(?:\[\])?"
    r"|[A-Z][a-z]+(?:[A-Z][a-z]+\d*)+|[A-Z][a-z]+")


def _code_type(line: str, start: int) -> bool:
    """Whether ``line`` holds a type at ``start`` (then ``<``, ``,``, ``)``, ``>``, ``;``, a
    ``{`` or ``=`` past blanks, or its end)."""
    m = _CODE_TYPE.match(line, start)
    if m is None:
        return False
    rest = line[m.end():].rstrip()
    return not rest or rest[0] in "<,)>;" or rest[0].isspace() and rest.lstrip()[0] in "{="


def _value_end(line: str, end: int, quote: str | None, tail: re.Pattern[str] | None) -> int:
    """Where a value read as its first 300 characters (to ``end``) ends: at its closing quote
    (the line's end without one), else where the pattern's (or the usual) value characters stop."""
    if quote:
        close = line.find(quote, end)
        return len(line) if close < 0 else close
    m = (tail or _LONG_TAIL).match(line, end)
    return m.end() if m else end


def _allowlisted_value(number: int, line: str, end: int) -> Finding | None:
    """The value on a line an allowlist pragma marks, ``line[:end]`` being the line before the
    pragma's comment: what follows the first ``=`` or ``:`` (a quoted literal's content only),
    else the whole statement."""
    head = _COMMENT_TAIL.sub("", line[:end].rstrip()).rstrip()
    op = re.search(r"[=:]", head)
    start = op.end() if op else len(head) - len(head.lstrip())
    start += len(head[start:]) - len(head[start:].lstrip())
    stop = len(head)
    quoted = _QUOTED.fullmatch(head, start, stop)
    if quoted is not None and quoted.group("v"):
        start, stop = quoted.start("v"), quoted.end("v")
    return Finding(number, start, stop, "Allowlisted Secret") if stop > start else None


def _allowlisted(lines: list[str], found: list[Finding]) -> list[Finding]:
    """A finding for each line marked by an allowlist pragma where none was found."""
    out = []
    held = {f.line for f in found}
    for i, line in enumerate(lines):
        if "llowlist" not in line:
            continue
        m = ALLOWLIST_PRAGMA.search(line)
        if m is None:
            continue
        number, end = (i + 2, None) if m.group("next") else (i + 1, m.start())
        if number in held or number > len(lines):
            continue
        target = lines[number - 1]
        f = _allowlisted_value(number, target, len(target) if end is None else end)
        if f is not None:
            out.append(f)
    return out


# detect-secrets' detectors whose patterns run on from a keyword through a word to its end, then
# back: on a line with a long word ("secretsecret…", "sk-sk-sk-…") quadratic, seconds a few
# thousand characters. On such a line they read a copy whose words over 64 characters are blanked
# (``x``s, the offsets kept; a value found there in a blanked word is left to our own patterns,
# bounded, which read the line as it is).
SLOW_DETECTORS = frozenset({"KeywordDetector", "OpenAIDetector"})
_LONG_WORD = _rx(r"[\w-]{65,}")


DS_LINE = 300  # a longer line is read by detect-secrets in pieces of this many characters
_DS_STEP = DS_LINE // 2  # ... each overlapping the next by half: a value of up to 150 is whole


def _detect_secrets_findings(numbered: list[tuple[int, str]], filename: str
                             ) -> list[Finding]:
    """detect-secrets' findings on these lines (its own per-line loop and filters). A line
    longer than :data:`DS_LINE` is read in overlapping pieces (its detectors' patterns are
    quadratic on a long line; a longer value is our own patterns' to find)."""
    short = [(n, line) for n, line in numbered if len(line) <= DS_LINE]
    pieces: list[tuple[int, str]] = []
    where: dict[int, tuple[int, int]] = {}  # piece -> (line, offset)
    for n, line in numbered:
        if len(line) > DS_LINE:
            for at in range(0, len(line) - _DS_STEP, _DS_STEP):
                where[len(pieces) + 1] = (n, at)
                pieces.append((len(pieces) + 1, line[at:at + DS_LINE]))
    out = _detect_secrets_group(short, filename, False)
    lines = dict(numbered)
    read_to: dict[int, int] = {}  # per line: how far a run of token characters was read
    for f in sorted(_detect_secrets_group(pieces, filename, True),
                    key=lambda f: (where[f.line][0], where[f.line][1] + f.start)):
        n, at = where[f.line]  # (left to right in the line: a run is read on from its first)
        start, end = f.start + at, f.end + at
        if f.kind != "Secret Keyword":  # a token cut by the piece's end: read on in the line
            if start < read_to.get(n, -1):  # ... once for a run of back-to-back tokens
                end = max(end, read_to[n])
            else:
                tail = _TOKEN_TAIL.match(lines[n], end)
                end = read_to[n] = tail.end() if tail else end
        out.append(Finding(n, start, end, f.kind))
    return out


def _detect_secrets_group(numbered: list[tuple[int, str]], filename: str, piece: bool
                          ) -> list[Finding]:
    """:func:`_detect_secrets_findings` of lines (or pieces), each text read once: detect-secrets'
    findings on a line depend on its text and the file's name only (no filter we use reads the
    lines around it), so a line repeated has those of its first."""
    first: dict[str, int] = {}
    again: dict[int, list[int]] = {}  # the first line of a text -> the later ones
    for k, line in numbered:
        at = first.setdefault(line, k)
        if at != k:
            again.setdefault(at, []).append(k)
    if not again:
        return _detect_secrets_unique(numbered, filename, piece)
    found = _detect_secrets_unique([(k, line) for line, k in first.items()], filename, piece)
    return found + [f._replace(line=k) for f in found for k in again.get(f.line, ())]


def _detect_secrets_unique(numbered: list[tuple[int, str]], filename: str, piece: bool
                           ) -> list[Finding]:
    """:func:`_detect_secrets_group` of lines of different texts: the slow detectors read a copy
    whose long words are blanked."""
    if not numbered:
        return []
    long = {k for k, line in numbered if _LONG_WORD.search(line)}
    if not long:
        return _detect_secrets_pass(numbered, filename, _plugin_settings(piece=piece))
    blanked = [(k, _LONG_WORD.sub(lambda m: "x" * len(m.group(0)), line) if k in long
                else line) for k, line in numbered]
    words = {k: [m.span() for m in _LONG_WORD.finditer(line)] for k, line in numbered if k in long}
    slow = [f for f in _detect_secrets_pass(blanked, filename,
                                            _plugin_settings(only=SLOW_DETECTORS, piece=piece))
            if not any(a < f.end and f.start < b for a, b in words.get(f.line, ()))]
    return _detect_secrets_pass(numbered, filename,
                                _plugin_settings(without=SLOW_DETECTORS, piece=piece)) + slow


def _detect_secrets_pass(numbered: list[tuple[int, str]], filename: str,
                         settings: dict[str, list[dict[str, Any]]]) -> list[Finding]:
    """The findings of the detectors ``settings`` names on these lines."""
    try:
        from detect_secrets.core.scan import _process_line_based_plugins
    except ImportError:  # pragma: no cover - a declared dependency
        return []
    lines = dict(numbered)
    out: list[Finding] = []
    todo = numbered
    # detect-secrets' settings are global: one thread at a time (the servers scan on several).
    with _DS_LOCK:
        _ds_configure(settings)
        # detect-secrets reports one value per detector and line: a line where it found some is
        # scanned again with them blanked out, until nothing more is found (two tokens of one
        # kind on a line, a token repeated in a comment). Each pass blanks at least a character
        # of every line it scans again, and a line (or piece) here is at most DS_LINE long, so
        # this ends; a line's passes are as many as its values, a few dozen at most.
        for _ in range(DS_LINE + 1):
            again: dict[int, str] = {}
            for found in _process_line_based_plugins(todo, filename=filename or "text"):
                line = lines.get(found.line_number, "")
                value = found.secret_value or ""
                at = line.find(value) if value else -1
                if found.type == "Basic Auth Credentials" and value:  # admin:admin@: the password's
                    pw = line.find(f":{value}@")
                    at = pw + 1 if pw >= 0 else at
                if at < 0:  # not found verbatim: mask what follows the name
                    rest = len(line) - len(line.lstrip())
                    at, value = rest, line[rest:]
                end = at + len(value)
                if found.type != "Secret Keyword":  # some detectors report a prefix ("ghp")
                    m = _TOKEN_TAIL.match(line, end)
                    end = m.end() if m else end
                if end <= at:
                    continue
                out.append(Finding(found.line_number, at, end, str(found.type)))
                line = again.get(found.line_number, line)
                again[found.line_number] = line[:at] + " " * (end - at) + line[end:]
            if not again:
                break
            lines.update(again)
            todo = sorted(again.items())
    return out


_FOUND: dict[tuple[bytes, str], list[Finding]] = {}  # the last texts' findings, by digest
_FOUND_MAX = 32
_FOUND_LOCK = threading.Lock()
_DS_LOCK = threading.RLock()
_DS_ACTIVE = [""]  # the settings detect-secrets holds now (as JSON), under _DS_LOCK


def _ds_configure(settings: dict[str, list[dict[str, Any]]]) -> None:
    """detect-secrets' global settings made ``settings``, only when they are not already (call
    with :data:`_DS_LOCK` held). Its ``transient_settings``, used before, set them and restored
    the previous ones around every pass, each time clearing the caches of every function of
    every filter's module, this one's included (the look-alike fold's table and pattern, the
    plugin settings: rebuilt for each text scanned): ~10 ms a text scanned. The caches of
    detect-secrets' own filter modules hold compiled patterns, the same under any settings; only
    the settings, the plugins made from them and the filter list depend on them."""
    key = json.dumps(settings, sort_keys=True)
    if _DS_ACTIVE[0] == key:
        return
    from detect_secrets import settings as ds

    ds.get_settings.cache_clear()  # a fresh Settings: configuring plugins adds to those it holds
    ds.get_plugins.cache_clear()
    ds.get_filters.cache_clear()
    ds.configure_settings_from_baseline(settings)
    _DS_ACTIVE[0] = key


# Unicode's format characters (category Cf: zero-width spaces and joiners, bidi marks, the soft
# hyphen, a byte-order mark, tag characters): invisible, they split a secret's name for a regex
# ("pass\u200bword") and not for a reader. Text is read with them left out; each value's span is
# then moved back onto the text as it is (a mask covers a format character inside a value too).
_FORMAT_CHARS = _rx(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]")


def without_format_chars(text: str) -> tuple[str, list[int] | None]:
    """``text`` without format characters, and where each of its characters (and its end) is in
    ``text``; ``(text, None)`` when it holds none."""
    if _FORMAT_CHARS.search(text) is None:
        return text, None
    kept: list[int] = []
    at = 0
    for m in _FORMAT_CHARS.finditer(text):
        kept.extend(range(at, m.start()))
        at = m.end()
    kept.extend(range(at, len(text) + 1))
    return _FORMAT_CHARS.sub("", text), kept


def _original_span(where: list[int], start: int, end: int) -> tuple[int, int]:
    """A span of a text without format characters, in the text as it is (``where``: see
    :func:`without_format_chars`): from its first character to just past its last."""
    return where[start], (where[end - 1] + 1 if end > start else where[start])


# Letters standing for Latin ones in a secret's name (``раssword`` with a Cyrillic "р" and "а",
# fullwidth ``ｐａｓｓ``, mathematical letters): a word of them, alone or among Latin letters,
# is read as the Latin word it shows, one character for one (the masks fall on the text as it
# is). A word with any other letter (Russian's ``Пароль``) is left as it is.
_CONFUSABLE = "аАВеЕКкМНоОрРсСТуУхХіІјЈѕЅԁһԛԝαΑΒΕΖΗιΙκΚΜνΝοΟρΡΤυΥχΧ\u0131\u017f\u0130"
_CONFUSABLE_LATIN = "aABeEKkMHoOpPcCTyYxXiIjJsSdhqwaABEZHiIkKMvNoOpPTuYxXisI"  # (ı ſ: 11; İ: 12)
# (round 26: Coptic's, and more of Cyrillic's, Greek's and Latin's: ``ⲣassword``, ``passwⲟrd``)
_CONFUSABLE += ("\u2c80\u2c81\u2c82\u2c88\u2c89\u2c8c\u2c8e\u2c92\u2c93\u2c94\u2c95\u2c98"
                "\u2c9a\u2c9e\u2c9f\u2ca2\u2ca3\u2ca4\u2ca5\u2ca6\u2ca8\u2ca9\u2cac\u2cad"
                "\u2cb1\u04cf\u04c0\u0461\u051c\u03f2\u03f9\u03f3\u037f\u0251\u0261")
_CONFUSABLE_LATIN += "AaBEeZHIiKkMNOoPpCcTYyXxwlIwWcCjJag"
# hyphens standing for "-" in a name (``API－KEY`` fullwidth, ``api‑key`` non-breaking): folded
# between two Latin letters only (a word's hyphen; an en dash in prose is left as it is)
_HYPHENS = "\u2010\u2011\u2012\u2212\ufe63\uff0d\u2013\u2014"  # (en and em dashes: round 10)
# a fullwidth or small colon or equals sign right after a name's letter (``password：V``,
# ``PASSWORD＝V``, ``password ﹦ V``), ideographic spaces around it read as spaces (round 12)
_FULLWIDTH_SEP = _rx("(?:(?<=[A-Za-z0-9_])|(?<=[A-Za-z0-9_][ \t\u3000]))[\uff1a\uff1d\ufe55\ufe66]"
                     "(?:\u3000(?=\\S))?")
_SEP_LATIN = {"\uff1a": ":", "\ufe55": ":", "\uff1d": "=", "\ufe66": "="}
_WORD_AROUND = 80  # characters a hint's word is read either side of it
# (and the commands whose options carry a password: ``myſql -pV``, ``redıs-cli -a V``)
_FOLD_HINT = _rx(r"(?i)pass|pwd|secret|token|key|auth|cred|bearer|mysql|mariadb|redis|identified"
                 r"|docker|curl|ldap|login")


@cache
def _confusables() -> tuple[dict[int, str], re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """The fold of :func:`_folded` (a character's code to its Latin letter or digit: the
    letters above, and every fullwidth, letterlike or mathematical one NFKC makes a single
    ASCII letter or digit), a pattern of the words holding one, and one of a text that may
    need it (a look-alike next to a Latin letter, or a fullwidth or mathematical one)."""
    import unicodedata

    table = {ord(a): b for a, b in zip(_CONFUSABLE + _SMALL_CAPS + _HYPHENS,
                                       _CONFUSABLE_LATIN + _SMALL_CAPS_LATIN + "-" * 8,
                                       strict=True)}
    for low, high in ((0xFF10, 0xFF5A), (0x2100, 0x214F), (0x1D400, 0x1D7FF)):
        for code in range(low, high + 1):
            n = unicodedata.normalize("NFKC", chr(code))
            if len(n) == 1 and n.isascii() and (n.isalnum() or n == "_"):
                table[code] = n
    chars = re.escape("".join(sorted(chr(c) for c in table)))
    look = re.escape(_CONFUSABLE + _SMALL_CAPS)
    # A word is matched from its start only: from every letter of a long word the pattern read
    # to the word's end and back, quadratic in its length (1.1 s of CPU on the 270 KB of this
    # module, which the Quickstart's bundle scans; 0.35 s now). A folded character that is no
    # word character ("＿") starts a match wherever it stands, as before: the same matches.
    word = re.compile(rf"[\w{_HYPHENS}]")
    odd = re.escape("".join(sorted(chr(c) for c in table if not word.match(chr(c)))))
    odd_start = rf"|[{odd}][\w{_HYPHENS}]*" if odd else ""
    return (table, re.compile(rf"(?<![\w{_HYPHENS}])[\w{_HYPHENS}]*[{chars}][\w{_HYPHENS}]*"
                              + odd_start),
            (re.compile(rf"[A-Za-z][{look}]"), re.compile(rf"[{look}][A-Za-z]"),
             re.compile(f"[\uff10-\uff5a\u2100-\u214f\U0001d400-\U0001d7ff{_SMALL_CAPS}]"),
             re.compile(f"[A-Za-z][{_HYPHENS}][A-Za-z]")))


def _word_at(text: str, whole: str, start: int, end: int) -> str:
    """The word of ``text`` (letters, digits, "_" and "-" in ``whole``, its folded reading)
    around ``start:end`` (a hint in ``passwοrd``'s Greek "ο" is in Latin letters itself)."""
    low, high = max(0, start - _WORD_AROUND), min(len(whole), end + _WORD_AROUND)
    while start > low and (whole[start - 1].isalnum() or whole[start - 1] in "_-"):
        start -= 1
    while end < high and (whole[end].isalnum() or whole[end] in "_-"):
        end += 1
    return text[start:end]


def _folded(text: str) -> str:
    """``text`` with the words :data:`_CONFUSABLE` letters make Latin read as Latin, character
    for character; ``text`` itself when no secret's name comes of it."""
    if any(c in text for c in _SEP_LATIN):
        sep = _FULLWIDTH_SEP.sub(lambda m: _SEP_LATIN[m.group()[0]] + " " * (len(m.group()) - 1),
                                 text)
        sep = re.sub("\u3000(?=[=:])", " ", sep) if sep != text else sep
        if sep != text:
            return sep
    table, words, mixed = _confusables()
    if not any(rule.search(text) for rule in mixed):
        return text
    readings = [text.translate(table)]
    if "\u0131" in text:  # (a dotless "ı" for a vowel, "secrıt": read as each vowel: round 13)
        readings += [text.replace("\u0131", vowel).translate(table) for vowel in "eaou"]
    if not any(whole != text and any(not _word_at(text, whole, m.start(), m.end()).isascii()
                                     for m in _FOLD_HINT.finditer(whole)) for whole in readings):
        return text

    def fold(m: re.Match[str]) -> str:
        word = m.group()
        latin = word.translate(table)
        if "\u0131" in word and latin.isascii() and not _NAME_IN_WORD.search(latin):
            for vowel in "eaou":
                other = word.replace("\u0131", vowel).translate(table)
                if _NAME_IN_WORD.search(other):
                    return other
        return latin if latin.isascii() else word

    out = words.sub(fold, text)
    return text if out == text else out  # (an equal copy would be read again, and again)


# A line break other than "\n" (``\r\n``, a lone ``\r``, a form feed, ``\u2028``...): the
# text's lines are those ``str.splitlines`` reads (a finding's line and offsets are on them),
# but the readers of a whole text count "\n"s; such a text is read as its lines joined by "\n"
# (the same lines, each as it is: a value after a form feed had been masked on the wrong line,
# shown where it was and the text before it garbled).
_OTHER_BREAK = _rx("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def find_secrets(text: str, filename: str = "") -> list[Finding]:
    """Every secret value in ``text``, by line, left to right (overlaps merged). ``filename``
    picks detect-secrets' per-language rules. Cheap on text with no secret keyword. The last
    few texts' findings are kept by digest (a task is masked where each part of a bundle shows
    it). Format characters are left out when reading (see ``_FORMAT_CHARS``); a source map's
    embedded sources are read as their lines (see :func:`_find_in_source_map`). A
    ``[redacted: KIND]`` mark is no value (round 25: a saved bundle in a repository showed
    ``-k [redacted: Secret Keyword]`` masked again; see :func:`_outside_marks`)."""
    found = _find_all(text, filename)
    if not found or "[redacted:" not in text:
        return found
    lines = text.splitlines()
    out = []
    for f in found:
        line = lines[f.line - 1] if f.line <= len(lines) else ""
        if "[redacted:" not in line:
            out.append(f)
            continue
        out += [Finding(f.line, a, b, kind)
                for a, b, kind in _outside_marks(line, [(f.start, f.end, f.kind)])]
    return out


def _find_all(text: str, filename: str) -> list[Finding]:
    """:func:`find_secrets`, marks read as any text."""
    if filename.lower().endswith(".map") and _SOURCE_MAP.match(text):
        return _find_in_source_map(text, filename)
    if _FORMAT_CHARS.search(text) is not None:
        return _find_without_format_chars(text, filename)
    if not text.isascii():
        folded = _folded(text)
        if folded is not text and folded != text:
            return find_secrets(folded, filename)  # (as long: the spans are the text's)
    if _OTHER_BREAK.search(text) is not None:
        return find_secrets("\n".join(text.splitlines()) + "\n", filename)
    if not might_hold_secret(text) and not (filename.lower().endswith(DOC_SUFFIXES)
                                            and _free_hint(text)) and not _config_form_hint(
            text, filename) and not _r19_hint(text, filename) and not _r21_hint(text, filename):
        return []
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest(),
           filename)
    with _FOUND_LOCK:  # the servers scan on several worker threads
        got = _FOUND.get(key)
    if got is None:
        got = _find_secrets(text, filename)
        with _FOUND_LOCK:
            while len(_FOUND) >= _FOUND_MAX:
                _FOUND.pop(next(iter(_FOUND)))
            _FOUND[key] = got
    return list(got)


# A JavaScript or CSS source map (``dist/axios.js.map``): one line of JSON whose
# ``sourcesContent`` holds each source file as a string, its lines joined by ``\n`` escapes.
_SOURCE_MAP = _rx(r'\{\s*"version"\s*:\s*\d+\s*,')
# A JSON string's escapes, read left to right (``\\n`` is a backslash, then an ``n``).
_JSON_ESCAPE = _rx(r'\\(?:u[0-9a-fA-F]{4}|.)', re.S)
_JSON_CHAR = {"n": "\n", "r": "\n", "t": "\t"}


def _json_char(escape: str) -> str:
    """The one character a JSON string escape stands for: a line break as ``\\n``, a surrogate
    half or another control character as a space."""
    c = chr(int(escape[2:], 16)) if escape[1] == "u" else _JSON_CHAR.get(escape[1], escape[1])
    if c in "\n\t":
        return c
    if c == "\r":
        return "\n"
    return " " if ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or escape in ("\\b", "\\f") else c


def _find_in_source_map(text: str, filename: str) -> list[Finding]:
    """:func:`find_secrets` of a source map, read with its strings' escapes undone: its
    embedded sources are read line by line, as the files they came from are, under the rules of
    the language it maps (``.js.map``: JavaScript's). Read as one line, axios's ``dist/*.map``
    were "secret material as a whole": lines of code run together (``withXSRFToken:
    defaultToConfig2,\\n    adapter: ...``) read as a keyword and its value. Each span is moved
    back onto the text's own lines, escapes and all."""
    parts: list[str] = []
    # After each escape, read as one character: its offset in the view and in the text (between
    # two escapes, offsets move alike).
    marks_view: list[int] = []
    marks_text: list[int] = []
    at = 0
    for m in _JSON_ESCAPE.finditer(text):
        parts += (text[at:m.start()], _json_char(m.group()))
        marks_view.append(m.start() - at + (marks_view[-1] if marks_view else 0) + 1)
        marks_text.append(m.end())
        at = m.end()
    parts.append(text[at:])
    view = "".join(parts)
    found = find_secrets(view, filename[:-len(".map")] or "text")
    if not found:
        return []

    def where(v: int) -> int:  # the text's offset of the view's offset ``v``
        i = bisect_right(marks_view, v) - 1
        return v if i < 0 else marks_text[i] + v - marks_view[i]

    view_starts = _line_starts(view)
    text_starts = _line_starts(text)
    out = []
    for f in found:
        start = where(view_starts[f.line - 1] + f.start)
        end = where(view_starts[f.line - 1] + f.end)
        number = bisect_right(text_starts, start)
        base = text_starts[number - 1]
        out.append(Finding(number, start - base, end - base, f.kind))
    return out


def _line_starts(text: str) -> list[int]:
    """The offset of each of ``text``'s lines (as ``str.splitlines`` splits them)."""
    starts: list[int] = []
    at = 0
    for piece in text.splitlines(keepends=True):
        starts.append(at)
        at += len(piece)
    return starts


def _find_without_format_chars(text: str, filename: str) -> list[Finding]:
    """:func:`find_secrets` of ``text`` read without its format characters, each value's span
    moved back onto its line as it is (no line break is a format character: lines stay)."""
    lines = text.splitlines()
    plain = find_secrets(_FORMAT_CHARS.sub("", text), filename)
    maps: dict[int, list[int]] = {}
    out = []
    for f in plain:
        where = maps.get(f.line)
        if where is None:
            where = maps[f.line] = without_format_chars(lines[f.line - 1])[1] or list(
                range(len(lines[f.line - 1]) + 1))
        start, end = _original_span(where, f.start, f.end)
        out.append(Finding(f.line, start, end, f.kind))
    return out


OWN_BLANKED = 4  # our own patterns' values on a line from which detect-secrets reads it blanked


def _blanked(line: str, found: list[Finding]) -> str:
    """``line`` with our own patterns' values blanked (spaces, the offsets kept) where they found
    :data:`OWN_BLANKED` or more: detect-secrets reads a line again for each value it finds, so a
    line of thousands of URL passwords took it seconds to re-find what ours had found."""
    if len(found) < OWN_BLANKED:
        return line
    chars = list(line)
    for f in found:
        chars[f.start:f.end] = " " * (f.end - f.start)
    return "".join(chars)


# Terraform: a variable named for a secret, its ``default`` (``variable "db_password" { default =
# "…" }``, on its line or in its block's next lines)
_TF_VARIABLE = _rx(r"^[ \t]*variable[ \t]+\"(?P<n>[\w-]{1,160})\"[ \t]*\{")
_TF_DEFAULT = _rx(r"(?<![\w.-])default[ \t]*=[ \t]*\"(?P<v>[^\"\s]{6,300}+)\"")
_TF_BLOCK_LINES = 40


def _tf_findings(lines: list[str]) -> list[Finding]:
    """The ``default`` values of Terraform variables named for a secret."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _TF_VARIABLE.match(line) if "variable" in line else None
        if m is None or not _NAME_IN_WORD.search(m.group("n")):
            continue
        for j in range(i, min(len(lines), i + _TF_BLOCK_LINES)):
            at = m.end() if j == i else 0
            d = _TF_DEFAULT.search(lines[j], at)
            if d is not None:
                if _plausible(d.group("v"), "keyword", m.group("n")):
                    out.append(Finding(j + 1, d.start("v"), d.end("v"), "Secret Keyword"))
                break
            if j > i and (lines[j].startswith("}") or "variable" in lines[j]
                          and _TF_VARIABLE.match(lines[j])) or "}" in lines[j][at:] and j == i:
                break
    return out


# A Kubernetes Secret (``kind: Secret``): every value under its ``data:`` (base64) and
# ``stringData:``, but a template's (``{{ .Values.pw | b64enc }}``) and an empty one
_K8S_KIND = _rx(r"(?m)^kind:[ \t]*[\"']?Secret[\"']?[ \t]*(?:#.*)?$")
_K8S_DATA = _rx(r"(?:data|stringData):[ \t]*(?:#.*)?")
_K8S_ITEM = _rx(r"[\"']?[\w.-]{1,253}[\"']?:[ \t]+(?P<q>[\"']?)(?P<v>[^\s\"'#][^\"'#]*?)(?P=q)"
                r"[ \t]*(?:#.*)?")
_K8S_BLOCK = _rx(r"[\"']?[\w.-]{1,253}[\"']?:[ \t]+[|>][1-9+-]{0,2}[ \t]*(?:#.*)?")


def _k8s_findings(lines: list[str]) -> list[Finding]:
    """The values of the Kubernetes Secrets among ``lines`` (see ``_K8S_KIND``)."""
    out: list[Finding] = []
    docs: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if line.startswith("---"):
            docs.append([])
        else:
            docs[-1].append(i)
    for doc in docs:
        if not any(_K8S_KIND.match(lines[i]) for i in doc if lines[i].startswith("kind")):
            continue
        out += [f for i in doc if _K8S_DATA.fullmatch(lines[i])
                for f in _k8s_children(lines, i, 0, len(lines))]
    return out


# A list opening at the end of a secret's line (``"api_keys": [``, ``PASSWORDS = [``): its items
# on the next lines, a quoted literal each (unquoted too in configuration), to its "]"
_LIST_OPEN = _rx(rf"(?i)(?<![\w.-])[\"']?{_NAME}[\"']?[ \t]*(?::|=)[ \t]*\[[ \t]*$")
_LIST_LINE = _rx(r"[ \t]*(?P<q>[\"'])(?P<v>[^\s\"']{6,300}+)(?P=q)[ \t]*,?[ \t]*(?:(?://|#).*)?")
_LIST_LINES = 64


def _list_block_findings(lines: list[str], i: int) -> list[Finding]:
    """The items of a list after a secret's name opening at the end of line ``i`` (see
    ``_LIST_OPEN``)."""
    m = _LIST_OPEN.search(_code_head(lines[i]))
    if m is None:
        return []
    out: list[Finding] = []
    for j in range(i + 1, min(len(lines), i + 1 + _LIST_LINES)):
        line = lines[j]
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        if stripped.startswith("]"):
            break
        item = _LIST_LINE.fullmatch(line)
        if item is None:
            break
        if _plausible(item.group("v"), "inline", m.group(0)):
            out.append(Finding(j + 1, item.start("v"), item.end("v"), "Secret Keyword"))
    return out


# A definition of a secret's name on the line after it: YAML's complex key (``? password`` then
# ``: v``), a Markdown definition list (``Password`` then ``: v``)
_DEF_NAME = _rx(r"[ \t]*(?:\?[ \t]+)?[*_`]{0,2}(?P<n>[A-Za-z][\w .-]{0,60}?)[*_`]{0,2}[ \t]*"
                r"(?:#.{0,200})?")  # (YAML's ``? password # note``: round 13)
_DEF_VALUE = _rx(r"(?P<i>[ \t]*):[ \t]+[*_`]{0,2}(?P<q>[\"']?)(?P<v>[^\s\"'`*]{6,300}+)(?P=q)"
                 r"[*_`]{0,2}[ \t]*")
_DEF_WORDS = _rx(r"(?i)(?:pass(?:word|wd|phrase)?|pwd|pw|secret|api[ _-]?key|(?:api|access|auth"
                 r"|bearer)[ _-]?token|token|creds|credentials?)s?")


def _definition_findings(lines: list[str]) -> list[Finding]:
    """The values defined for secrets' names on their next lines (see ``_DEF_NAME``)."""
    out: list[Finding] = []
    for j in range(1, len(lines)):
        line = lines[j]
        if not line.lstrip(" \t").startswith(":"):
            continue
        v = _DEF_VALUE.fullmatch(line)
        n = _DEF_NAME.fullmatch(lines[j - 1]) if v is not None else None
        if n is None or v is None or _indent(lines[j - 1]) != len(v.group("i")):
            continue
        name = n.group("n")
        words = name.lower().replace("-", " ").replace("_", " ").split()
        if not (_DEF_WORDS.fullmatch(name) or (words and _DEF_WORDS.fullmatch(words[-1]))):
            continue
        if _plausible(v.group("v"), "prose", name):
            out.append(Finding(j + 1, v.start("v"), v.end("v"), "Secret In Prose"))
    return out


REPEAT_MIN = 8  # a value this long, once found, is masked wherever it is in the file
_REPEAT_FINDS = 32  # values looked up one by one; more: by the words of the text
_REPEAT_WORD = _rx(r"[^\s\"'`,;()\[\]{}<>|]+")


def _repeatable(value: str) -> bool:
    """Whether a value found is masked at its other places too: :data:`REPEAT_MIN` characters or
    more, and not a plain word (``DB_PASSWORD = "inventory"``, ``POSTGRES_PASSWORD: postgres``:
    a development default whose other places name a table, a service, an image; masking them
    hid the code and made the file "secret material as a whole")."""
    if len(value) < REPEAT_MIN:
        return False
    return not (value.isalpha() and (value.islower() or value.isupper() or value.istitle()))


def _repeat_findings(lines: list[str], found: list[Finding]) -> list[Finding]:
    """Every other place of a value found in the file (``PASSWORD = "…"`` then ``print("…")``, a
    list repeating it): the exact value, if :func:`_repeatable` (a random value is masked even
    inside a longer name: that still shows it)."""
    kinds: dict[str, str] = {}
    for f in found:
        if f.end - f.start >= REPEAT_MIN:
            value = lines[f.line - 1][f.start:f.end]
            if _repeatable(value):
                kinds.setdefault(value, f.kind)
            bare = value.rstrip(_SENTENCE_END).strip("`'\"*_")  # (prose's span: its "." too)
            if _repeatable(bare):
                kinds.setdefault(bare, f.kind)
    if not kinds:
        return []
    out: list[Finding] = []
    if len(kinds) <= _REPEAT_FINDS:
        joined = "\n".join(lines)
        starts = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
        for value, kind in kinds.items():
            at = joined.find(value)
            while at >= 0:
                i = bisect_right(starts, at) - 1
                out.append(Finding(i + 1, at - starts[i], at - starts[i] + len(value), kind))
                at = joined.find(value, at + len(value))
        return out
    for i, line in enumerate(lines):
        for m in _REPEAT_WORD.finditer(line):
            word = m.group()
            for value in (word, word.rpartition("=")[2], word.rpartition(":")[2]):
                found_kind = kinds.get(value)
                if found_kind is not None:
                    end = m.end()
                    out.append(Finding(i + 1, end - len(value), end, found_kind))
                    break
    return out


# A map's entries over several lines (Java's ``Map.of(`` and Kotlin's ``mapOf(`` opening on an
# earlier line): a secret's name starting a line, then ``,`` or ``to``, its value after it on
# that line or alone on the next one
_MAP_OPEN = _rx(r"(?i)\b(?:(?:immutable)?map\.(?:of|entry)|(?:mutable|hash|linkedhash|sorted)?mapof"
                r"|pairs?\.of)\(")
_MAP_NAME = _rx(rf"(?i)[ \t]*\"{_NAME}\"[ \t]*(?:,|\bto\b)[ \t]*")
_MAP_VALUE = _rx(r"[ \t]*\"(?P<v>[^\"\s]{6,300}+)\"[ \t]*(?:[,)]|$)")
_MAP_LOOKBACK = 40


def _map_openings(text: str, lines: list[str]) -> list[int]:
    """The lines (from 0) of ``lines`` (``text``'s) opening a map (see ``_MAP_OPEN``)."""
    if not ("ap.of(" in text or "apOf(" in text or ".of(" in text) or _MAP_OPEN.search(
            text) is None:
        return []
    return [i for i, line in enumerate(lines) if "f(" in line and _MAP_OPEN.search(line)]


def _map_entry_findings(lines: list[str], i: int, openings: list[int]) -> list[Finding]:
    """The value of a map's entry whose secret's name starts line ``i`` (see ``_MAP_OPEN``;
    ``openings``: the lines opening maps)."""
    name = _MAP_NAME.match(lines[i])
    k = bisect_left(openings, i)  # (the last opening before line i, at most _MAP_LOOKBACK up)
    if name is None or k == 0 or openings[k - 1] < i - _MAP_LOOKBACK:
        return []
    at, j = name.end(), i
    if not lines[i][at:].strip():
        j = next((k for k in range(i + 1, min(len(lines), i + 4))
                  if lines[k].strip() and not _COMMENT.match(lines[k].strip())), -1)
        at = 0
    m = _MAP_VALUE.match(lines[j], at) if j >= 0 else None
    if m is None or not _plausible(m.group("v"), "keyword", name.group(0)):
        return []
    return [Finding(j + 1, m.start("v"), m.end("v"), "Secret Pair")]


def _find_secrets(text: str, filename: str) -> list[Finding]:
    lines = text.splitlines()
    hints = _hints_in(text)
    found: list[Finding] = []
    own: list[Finding] = []
    candidates: list[tuple[int, str]] = []
    in_pem = False
    config = _is_config(filename)
    read: dict[str, list[Finding]] = {}
    split = _split_hint(text)
    maps = _map_openings(text, lines)
    for number, line in enumerate(lines, start=1):
        if in_pem:
            end = PEM_END.search(line)
            body = line.strip()
            if body:
                start = len(line) - len(line.lstrip())
                found.append(Finding(number, start, end.end() if end else start + len(body),
                                     "Private Key"))
            in_pem = end is None
            continue
        begin = PEM_BEGIN.search(line)
        if begin and not begin.group().startswith("-----") and not any(
                _KEY_FOLLOWS.search(text_) for text_ in
                (line[begin.end():], *lines[number:number + _KEY_LOOKAHEAD])):
            begin = None  # only named (data.startswith("PuTTY-User-Key-File-3:"))
        if begin:
            found.append(Finding(number, begin.start(), len(line.rstrip()), "Private Key"))
            in_pem = PEM_END.search(line, begin.end()) is None
            continue
        if split and "+" in line:  # (a name in pieces: no trigger word whole)
            own += _split_name_findings(number, line)
        trigger = _trigger(line, hints)
        if not trigger:
            continue
        mine = read.get(line)  # (a line repeated: its patterns' values found once)
        if mine is None:
            mine = read[line] = _without_phrases(line, _r9_own(number, line, config))
        elif mine and mine[0].line != number:
            mine = [f._replace(line=number) for f in mine]
        own.extend(mine)
        own += _continued_findings(lines, number - 1, config)
        own += _code_form_findings(lines, number - 1)
        if "[" in line or (maps and '"' in line):
            own += _opened_findings(lines, number - 1, maps)
        if trigger == 2:
            candidates.append((number, _blanked(line, mine).rstrip()))
    if candidates:  # first: where both find a value, detect-secrets names its kind
        found.extend(_detect_secrets_findings(candidates, filename))
    found += own
    if "llowlist" in text:
        found += _allowlisted(lines, found)
    found += _text_findings(text, lines, filename)
    found += _comment_token_findings(text, lines)
    if found:
        found += _repeat_findings(lines, found)
    return _merge(_round8_kept(found, lines, filename))


_COMMENT_START = _rx(r"#|//|/\*|^\s*\*|--|<!--|^\s*;")


def _comment_token_findings(text: str, lines: list[str]) -> list[Finding]:
    """A random-looking value right after a secret's word in a comment (``# TODO: remove the
    hardcoded password GvNCwf4Hi2UAbaFj8Iyb85em``), as git's free text reads it
    (``_FREE_WORD_TOKEN``). One pass of the rule over the whole text first: most files hold no
    such value, and their lines are not read again."""
    values = {text[a:b] for a, b, _ in _free_word_token_spans(text)}
    if not values:
        return []
    out: list[Finding] = []
    for number, line in enumerate(lines, 1):
        if not any(v in line for v in values):
            continue
        c = _COMMENT_START.search(line)
        if c is not None:
            out += [Finding(number, a, b, kind)
                    for a, b, kind in _free_word_token_spans(line) if a >= c.end()]
    return out


def _opened_findings(lines: list[str], i: int, maps: list[int]) -> list[Finding]:
    """The values of a list or a map's entry opened on line ``i`` and read on the next lines
    (see ``_LIST_OPEN``, ``_MAP_OPEN``; ``maps``: the lines opening maps)."""
    line = lines[i]
    out = _list_block_findings(lines, i) if line.rstrip().endswith("[") else []
    return out + _map_entry_findings(lines, i, maps) if maps and '"' in line else out


def _text_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values the readers of a whole text find (tables, pairs, JSON Web Keys, documents'
    free forms, CSV files, Terraform variables, Kubernetes Secrets, definitions)."""
    found: list[Finding] = []
    if _table_hint(text):
        found += _table_findings(lines)
    for reader in _markup_tables(text):
        found += reader(lines)
    if _pair_hint(text):
        found += _pair_findings(lines)
    if _JWK_HINT in text:
        found += _jwk_findings(lines)
    if filename.lower().endswith(DOC_SUFFIXES) and _free_hint(text):
        found += _doc_findings(lines)
    sep = CSV_SUFFIXES.get(posixpath.splitext(filename.lower())[1])
    if sep is not None:
        found += _csv_file_findings(lines, sep)
    if "variable" in text:
        found += _tf_findings(lines)
    if "kind" in text and _K8S_KIND.search(text) is not None:
        found += _k8s_findings(lines)
    if "\n:" in text or "\n :" in text or "\n  :" in text:
        found += _definition_findings(lines)
    found += _prose_form_findings(text, lines)
    found += _round9_kept(_config_form_findings(text, lines, filename)
                          + _round8_findings(text, lines, filename), lines)
    found += _round9_findings(text, lines, filename)
    found += _round18_findings(text, lines, filename)
    found += _round19_findings(text, lines, filename)
    found += _round21_findings(text, filename)
    return found


# Documents: read with the free-text forms of git's text too (``api key V``, ``token => V``,
# ``user:p@ss@host``), line by line (see :func:`redact_git`)
DOC_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".txt", ".text", ".adoc", ".asciidoc", ".org")


def _free_hint(text: str) -> bool:
    """Whether ``text`` may hold one of the free-text forms a document is read for."""
    return "@" in text or "=>" in text or ":=" in text or "->" in text or "\u2192" in text or (
        "key" in text or "token" in text or "KEY" in text or "TOKEN" in text or "ecret" in text)


def _doc_findings(lines: list[str]) -> list[Finding]:
    """The values of the free-text forms on a document's ``lines``."""
    out: list[Finding] = []
    for number, line in enumerate(lines, start=1):
        if _free_hint(line) or "Key" in line or "Token" in line or "ECRET" in line:
            spans = _free_phrase_spans(line, line.lower())
            if "@" in line:
                spans += _userinfo_spans(line, (_FREE_AT_USERINFO, _FREE_IP_USERINFO,
                                                _FREE_HOST_USERINFO))
            out += [Finding(number, a, b, kind) for a, b, kind in spans]
    return out


# A JSON Web Key's private members ("d", "p", "q", "dp", "dq", "qi"; "k" of a symmetric key) in
# a text that holds a key type ("kty"): in JSON, in a Python dict (``'d': '…'``), in YAML (``d: …``
# under ``kty: RSA``).
_JWK_HINT = "kty"
_JWK_KTY = _rx(r"""["']kty["']\s*[:=]|(?:^|[{,(])\s*(?:-\s+)?kty\s*[:=]""")
# A private member: quoted (JSON, a dict), or a name at a line's start (YAML, TOML) or after
# "{", "," or "(" (a JavaScript object, ``dict(kty='oct', k='…')``), then ":" or "=".
_JWK_PRIVATE = _rx(
    r"""(?P<o>["'])(?P<m>d|p|q|dp|dq|qi|k)(?P=o)\s*:\s*(?P<q>["'])(?P<v>[A-Za-z0-9_+/=-]{16,300}+)"""
    r"""|(?:^|(?<=[{,(]))[ \t]*(?:-[ \t]+)?(?P<y>d|p|q|dp|dq|qi|k)[ \t]*[:=][ \t]*(?P<yq>["'`]?)"""
    r"""(?P<w>[A-Za-z0-9_+/=-]{16,300}+)""")


_JWK_LINES = 60  # a key's private members are within this many lines of its "kty"


def _jwk_findings(lines: list[str]) -> list[Finding]:
    """A JSON Web Key's private members within :data:`_JWK_LINES` of a "kty" (before it too:
    ``jq -S`` sorts "d" first), when that key is a private one (a "d", or a symmetric key's "k",
    within the same lines): a public key's "n" and "e" are not, nor a "q" far from any key.
    Each line is read once (prefix sums over the lines, not a window per key)."""
    n = len(lines)
    members: dict[int, list[Finding]] = {}
    opens = [0] * (n + 1)  # prefix sums: lines holding a "d" or "k" member
    for i, line in enumerate(lines):
        has = False
        if ":" in line or "=" in line:
            for m in _JWK_PRIVATE.finditer(line):
                v, q = ("v", m.group("q")) if m.group("v") is not None else ("w", m.group("yq"))
                end = _value_end(line, m.end(v), q, _TOKEN_TAIL) if m.end(v) - m.start(v) >= \
                    VALUE_CAP else m.end(v)
                members.setdefault(i, []).append(Finding(i + 1, m.start(v), end, "Private Key"))
                has = has or (m.group("m") or m.group("y")) in ("d", "k")
        opens[i + 1] = opens[i] + has
    keys = [0] * (n + 1)  # prefix sums: lines holding the "kty" of a private key
    for i, line in enumerate(lines):
        lo, hi = max(0, i - _JWK_LINES), min(n, i + _JWK_LINES + 1)
        keys[i + 1] = keys[i] + (_JWK_HINT in line and opens[hi] > opens[lo]
                                 and _JWK_KTY.search(line) is not None)
    out: list[Finding] = []
    for i, found in members.items():
        lo, hi = max(0, i - _JWK_LINES), min(n, i + _JWK_LINES + 1)
        if keys[hi] > keys[lo]:
            out.extend(found)
    return out


# A table's rule line: Markdown's under its header row (``|---|:--:|``), Org-mode's
# (``|---+---|``), a reStructuredText grid table's borders (``+---+---+``; ``+===+===+`` under its
# header row).
_TABLE_RULE = _rx(
    r"^\s*(?:[#/*;>]\s*)*[|+]?(?:\s*:?[-=]+:?\s*[|+])+\s*(?::?[-=]+:?\s*)?$")


_CELL = _rx(r"(?:[^|\\]|\\.)*")


def _is_rule(line: str) -> bool:
    return ("|" in line or "+" in line) and _TABLE_RULE.match(line) is not None


def _cells(line: str) -> list[tuple[int, int]]:
    """The spans of a table row's cells (between its unescaped pipes, the outer ones left out)."""
    at = line.index("|") + 1
    out = []
    while at <= len(line):
        m = _CELL.match(line, at)
        end = m.end() if m else at
        if end >= len(line) or line[end] != "|":
            break  # past the last pipe: no cell
        out.append((at, end))
        at = end + 1
    return out


# A cell naming a secret in a table's row (``| DB_PASSWORD | … |``, ``| GITHUB_TOKEN | … |``,
# ``| <code>db.password</code> (prod) | … |``): its value is in the next cells. Not a name of
# something about a secret (its hash, type, length, lifetime, URL, header, ...).
_ROW_START = _rx(r"\s*(?:(?:[#/*;>+-]|<!--)\s*)*\|")  # (one marker a repetition)
# A table row with a word a secret's name holds (a first, cheap test of a text).
# (a password's name in other languages: German, Spanish, French, Portuguese, Russian, Japanese,
# Chinese; a PIN, "PW")
_LOCAL_WORDS = (r"kennwort|contrase|mot de passe|senha|\u043f\u0430\u0440\u043e\u043b"
                r"|\bpin\b|\bpw\b|\u30d1\u30b9\u30ef\u30fc\u30c9|\u5bc6\u7801|\u5bc6\u78bc")
_TABLE_HINT = _rx(
    r"(?im)^[ \t]*(?:[#>*;/-][ \t]*)*\|[^\n]*?(?:pass|pwd|secret|token|credential|key|"
    rf"{_LOCAL_WORDS})")


def _table_hint(text: str) -> bool:
    if "|" not in text:
        return False
    if "\r" in text or "\u2028" in text:  # lines as splitlines() reads them ("^" sees only \n)
        text = "\n".join(text.splitlines())
    return (_TABLE_HINT.search(text) is not None or (
        _BARE_RULE.search(text) is not None and _BARE_WORDS.search(text) is not None))


# A table without outer pipes has a rule line (``--- | ---``) and, somewhere, a secret's word.
_BARE_RULE = _rx(r"(?m)^[ \t]*:?-{3,}:?[ \t]*\|")
_BARE_WORDS = _rx(rf"(?i)pass|pwd|secret|token|credential|key|{_LOCAL_WORDS}")
# Words that, after a secret's word, name something about it (``TOKEN_URL``, ``password_hash``,
# ``ACCESS_TOKEN_EXPIRE_MINUTES``); before it they name its owner (``ADMIN_PASSWORD``,
# ``MAXMIND_LICENSE_KEY``, ``ENV_SECRET``).
_ABOUT_SECRET = frozenset(
    "hash hashed type name length len id url uri path file expire expires expiry expiration ttl "
    "lifetime format header policy min max count size endpoint field prefix suffix scope param "
    "hint label reset rotation timeout env var variable description algorithm algo mode "
    "placeholder example owner audience issuer kind source provider backend plugin class model "
    "func function handler normalize normalizer callback hashing hasher hashers hashes host "
    "hostname port server addr address domain scheme schemes storage strength".split())
_ABOUT_NAME = _ABOUT_SECRET - {"id"}  # for a value's name: secret_id is a credential
# Inline HTML tags around a cell's text (``<td><span class="x">…</span></td>``, ``<a href=…>``)
_INLINE_TAGS = r"(?:code|b|strong|em|kbd|span|a|p|div|i|tt|samp)(?:\s[^<>]{0,200}+)?"
_CELL_MARKUP = _rx(rf"(?i)</?{_INLINE_TAGS}>|[`*]|\]\([^)\s]{{0,200}}\)|\[")
_DURATION = _rx(r"(?i)\d+(?:\.\d+)?\s*(?:ms|s|secs?|m|mins?|h|hrs?|d|days?|w|weeks?|y)"
                       r"(?:\d+\s*(?:ms|s|m|h|d))*(?:[-_]\w+)?")


_CELL_VALUE = _rx(rf"(?i)[\s`*]*(?:<{_INLINE_TAGS}>[\s`*]*){{0,8}}"
                         r"(?P<v>(?:[^\s`*<>|\\]|\\.)(?:[^\s`|\\]|\\.)*)")


def _cell_text(cell: str) -> str:
    return _CELL_MARKUP.sub("", cell).strip().strip("_").strip()


_KEY_OWNERS = frozenset(
    "api auth access private client encryption signing master secret service account db license "
    "webhook app cookie".split())
_SECRET_PARTS = frozenset(
    "pass passwd password passphrase pwd secret secrets token tokens credential credentials "
    "apikey secretkey privatekey accesskey authkey".split())
# A password's name in other languages, as a cell's words are split (one word each)
_LOCAL_PASSWORD = frozenset(
    "passwort passwörter kennwort kennwörter contraseña contraseñas contrasena motdepasse "
    "senha senhas \u043f\u0430\u0440\u043e\u043b\u044c \u043f\u0430\u0440\u043e\u043b\u0438 "
    "\u30d1\u30b9\u30ef\u30fc\u30c9 \u5bc6\u7801 \u5bc6\u78bc".split())


def _is_secret_cell(cell: str) -> bool:
    """Whether a table cell names a secret: one of its words (``DB_PASS``, ``GitHubToken``,
    ``db.password``) is a secret's, or "key" after what a key belongs to (``SIGNING_KEY``; not
    ``IDBKeyRange``), and no word after it names something about it (``TOKEN_URL``,
    ``password_hash``)."""
    if len(cell) > 200 or _BARE_WORDS.search(cell) is None:
        return False  # (no secret's word: a first, cheap test)
    name = re.sub(r"\s*\([^()]{0,80}\)\s*$", "", _cell_text(cell)).rstrip(":").strip()
    if not (0 < len(name) <= 80 and re.fullmatch(r"[\w .-]+", name) is not None
            and len(name.split()) <= 4):
        return False
    name = re.sub(r"(?i)\bmots? de passe\b", "motdepasse", name)
    parts = [p for w in re.split(r"[\s.-]+", name) for p in (
        [w.lower()] if w.lower() in _LOCAL_PASSWORD else split_identifier(w))]
    for i, p in enumerate(parts):
        if p in _LOCAL_PASSWORD:
            return i == len(parts) - 1  # ("Passwort", "DB Kennwort"; not "Passwort-Hash")
        if p == "pass" and i < len(parts) - 1:
            continue  # "DB_PASS", not "Field-name pass-through"
        if p in _SECRET_PARTS or "password" in p or p in ("key", "keys") and i > 0 \
                and parts[i - 1] in _KEY_OWNERS:
            return not any(q in _ABOUT_SECRET for q in parts[i + 1:])
    return False


_WORD_AFTER = _rx(r"[ \t]+[^\W\d_]")


# A cell naming a test's case, not a password (a validator's table: ``password,valid`` over
# ``invalid2,false``): words of outcomes and of password only, in lower case and apart
# (``empty_password``), one of outcomes at least; digits after outcome words only (``invalid2``).
# Run together or with a password word and digits (``strongpass2024``, ``newpassword99``,
# ``validpassword1``) it reads as a person's weak password, and is one.
_CELL_OUTCOMES = frozenset((
    "valid invalid true false yes no none null nil empty blank missing ok fail failed error "
    "wrong incorrect bad mismatch mismatched expired unset required too short long case").split())
_CELL_PW_WORDS = frozenset("password passwd pass pwd pw".split())
_CELL_SHAPE = _rx(r"(?P<w>[a-z]+(?:[_ -]+[a-z]+)*)(?P<d>\d{0,4})")


def _case_label(raw: str) -> bool:
    """Whether a table cell names a validator's test case (see ``_CELL_OUTCOMES``)."""
    m = _CELL_SHAPE.fullmatch(raw)
    if m is None:
        return False
    words = re.split(r"[_ -]+", m.group("w"))
    if not all(w in _CELL_OUTCOMES or w in _CELL_PW_WORDS for w in words):
        return False
    has_pw = any(w in _CELL_PW_WORDS for w in words)
    return any(w in _CELL_OUTCOMES for w in words) and not (has_pw and m.group("d"))


def _cell_value(line: str, a: int, b: int) -> tuple[int, int] | None:
    """The span of a cell's value: its first word (markup and trailing punctuation left out),
    if it reads as a credential in a table (:func:`_column_value`)."""
    m = _CELL_VALUE.match(line, a, b)
    if m is None:
        return None
    raw = re.sub(r"</\w*>.*", "", m.group("v")).rstrip("*:").rstrip(",;.")  # (to a closing tag)
    if raw.isalpha() and raw.islower() and _WORD_AFTER.match(line, m.start("v") + len(raw), b):
        return None  # the first word of a sentence ("configurable through settings")
    if len(raw) < 5 or len(raw) <= VALUE_CAP and not _plausible(raw, "column"):
        return None
    if _case_label(raw):
        return None  # a test's case: ``valid``, ``invalid2``, ``empty_password``
    return m.start("v"), m.start("v") + len(raw)


def _table_findings(lines: list[str]) -> list[Finding]:
    """Markdown tables: a column whose header names a secret (``| user | password |`` over
    ``|---|---|``: that column's cell in each row below), and a row whose cell names a secret
    (see :func:`_row_secrets`). A table without outer pipes (``user | password`` over
    ``--- | ---``) is read as one from its header to the first line without a pipe. Org-mode's
    and reStructuredText's grid tables too: their rules separate rows as well, so only a table's
    first row over a rule is its header (or a grid table's row over ``+===+``)."""
    out: list[Finding] = []
    columns: list[int] = []
    bare = False  # in a table without outer pipes
    seen = False  # this table's header read: a later rule only separates its rows
    for i, line in enumerate(lines):
        if _is_rule(line):  # (a rule may hold one pipe: ---|---)
            continue
        below = lines[i + 1] if i + 1 < len(lines) else ""
        header = "|" in line and _is_rule(below) and (not seen or "=" in below)
        if "|" in line and _ROW_START.match(line) and line.count("|") >= 2:
            cells = _cells(line)
            bare = False
        elif "|" in line and (bare or header):
            cells = _bare_cells(line)
            bare = True
        else:
            columns, bare, seen = [], False, False
            continue
        if header:
            columns, seen = _secret_columns(lines, [(i, a, b) for a, b in cells]), True
            continue
        out += _row_secrets(lines, [(i, a, b) for a, b in cells], columns)
    return out


_Cell = tuple[int, int, int]  # a table cell: its line (0-based) and its span there


# A secret's column, by what its header says: a secret (any value), a bare "Token" (a search
# term's, a lexer's as often: a token's value only, long, of letters and digits), a PIN (digits)
# (round 25) or a value's, old or new (``| Name | Old | New |``): a secret's in a row naming one
_ANY_COLUMN, _TOKEN_COLUMN, _PIN_COLUMN, _VALUE_COLUMN = range(4)
_COLUMN_KINDS = 4  # (a column is its index times this, plus its kind: in the index's order)
_VALUE_HEADERS = frozenset((
    "old", "new", "before", "after", "previous", "current", "was", "now", "value", "old value",
    "new value", "previous value", "current value"))
_PIN_CELL = _rx(r"[\s`*]*(?P<v>\d{4,12})[\s`*]*")


def _column_kind(cell: str) -> int | None:
    """The kind of secret a header cell names (see ``_ANY_COLUMN``), or None."""
    text = _cell_text(cell).lower() if len(cell) <= 200 else ""
    if text in ("token", "tokens"):
        return _TOKEN_COLUMN
    if text in ("pin", "pins", "pin code", "pin-code", "pincode"):
        return _PIN_COLUMN
    if text in _VALUE_HEADERS:
        return _VALUE_COLUMN
    return _ANY_COLUMN if text in ("pw", "pws") or _is_secret_cell(cell) else None


def _secret_columns(lines: list[str], header: list[_Cell]) -> list[int]:
    """The columns of a header row that name a secret, each with its kind (see
    ``_COLUMN_KINDS``)."""
    kinds = ((k, _column_kind(lines[i][a:b])) for k, (i, a, b) in enumerate(header))
    return [k * _COLUMN_KINDS + kind for k, kind in kinds if kind is not None]


def _column_cell(line: str, a: int, b: int, kind: int) -> tuple[int, int] | None:
    """The span of a value in a cell of a secret's column of ``kind``."""
    if kind == _PIN_COLUMN:
        pin = _PIN_CELL.fullmatch(line, a, b)
        return pin.span("v") if pin is not None else None
    span = _cell_value(line, a, b)
    if kind == _TOKEN_COLUMN:
        value = line[span[0]:span[1]] if span is not None else ""
        return span if len(value) >= 16 and _token_value(value, "") and not (
            _FIELD_NAME.fullmatch(value) or _ENV_NAME.fullmatch(value)
            or _named_with_number(value)) else None
    return span or _cell_phrase(line, a, b)


def _row_secrets(lines: list[str], row: list[_Cell], columns: list[int]) -> list[Finding]:
    """The values of a table's row: its cell in each of the ``columns`` whose header names a
    secret (a value, or a passphrase of several words), and after each cell naming a secret, the
    first of the next three cells, up to the next name, that reads as a value."""
    out: list[Finding] = []
    for column in columns:  # (in order: a short row stops the loop, not a header's thousands)
        k, kind = divmod(column, _COLUMN_KINDS)
        if k >= len(row):
            break
        if kind == _VALUE_COLUMN and not any(_is_secret_cell(lines[i][a:b])
                                             for i, a, b in row[:k]):
            continue  # (a value's column: a secret's in a row naming one before it)
        i, a, b = row[k]
        span = _column_cell(lines[i], a, b, kind)
        if span is not None:
            out.append(Finding(i + 1, span[0], span[1], "Secret In Prose"))
    for k, (i, a, b) in enumerate(row):
        if not _is_secret_cell(lines[i][a:b]):
            continue
        for i2, a2, b2 in row[k + 1:k + 4]:
            if _is_secret_cell(lines[i2][a2:b2]):
                break
            span = _cell_value(lines[i2], a2, b2)
            if span is not None:
                out.append(Finding(i2 + 1, span[0], span[1], "Secret In Prose"))
                break
    return out


# A passphrase in a password column: three to eight lower-case words, the whole cell
# (``correct horse battery staple``); not a note about the value (``stored in the vault``,
# ``random per install``, ``long random string``), whose words are among these.
_CELL_PHRASE = _rx(r"[\s`*]*(?P<v>[a-z]{3,12}(?: [a-z]{3,12}){2,7})[\s`*]*")
_NOTE_WORDS = frozenset(
    "the and for from with via per see use ask set get not none same your our their its any all "
    "each other this that these those here there must should will can may are was were has have "
    "had been being into onto over under than then when where which who how what why only also "
    "just like such but yet out off about above below after before random string strings value "
    "values generated generate characters chars char letters digits stored store kept env "
    "environment variable variables vault file files config configuration default required "
    "optional empty unset user users admin password passwords passphrase secret secrets token "
    "tokens key keys credential credentials account accounts login provided given hashed "
    "encrypted plain text long short strong weak unique new old change changed "
    "missing uppercase lowercase upper lower letter digit number numbers symbol symbols special "
    "length too valid invalid blank wrong incorrect expired minimum maximum "
    # (round 25: a rotation's note, ``# prod password: rotated monthly``)
    "rotated rotate rotates rotation renewed managed automatically manually daily nightly "
    "hourly weekly monthly quarterly yearly annually ".split())


def _cell_phrase(line: str, a: int, b: int) -> tuple[int, int] | None:
    """The span of a cell that is a passphrase of words (see ``_CELL_PHRASE``)."""
    m = _CELL_PHRASE.fullmatch(line, a, b)
    if m is None or _NOTE_WORDS.intersection(m.group("v").split()):
        return None
    return m.span("v")


def _bare_cells(line: str) -> list[tuple[int, int]]:
    """The spans of a row without outer pipes (``ops | admin | s3cret``): the text before the
    first pipe, between pipes, and after the last."""
    at = len(line) - len(line.lstrip())
    out = []
    while at <= len(line):
        m = _CELL.match(line, at)
        end = m.end() if m else at
        if end > at or (end < len(line) and line[end] == "|"):
            out.append((at, end))
        if end >= len(line):
            break
        at = end + 1
    return out


# Tables in other markups, read by the same rules (:func:`_secret_columns`, :func:`_row_secrets`):
# HTML's (``<th>``/``<td>`` cells, a row of ``<th>`` or in ``<thead>`` its header; on one line or
# several), reStructuredText's simple tables (``=====  =====`` rules; the header between the first
# two) and list tables (``.. list-table::``, ``* - cell``, ``:header-rows:``), AsciiDoc's (``|===``
# blocks; the first line a header when a blank line or ``options="header"`` says so).
_HTML_TAG = _rx(r"(?i)<(/?)(table|thead|tbody|tfoot|tr|th|td)(?=[\s>/])[^<>]{0,500}+>")
_HTML_CELL = _rx(r"(?i)<t[hd][\s>]")
_SIMPLE_RULE = _rx(r"[ \t]*=+(?:[ \t]+=+)+[ \t]*")
_SIMPLE_RULE_LINE = _rx(r"(?m)^[ \t]*=+(?:[ \t]+=+)+[ \t]*$")
_RUN = _rx(r"=+")
_LIST_TABLE = _rx(r"([ \t]*)\.\.[ \t]+list-table::")
_LIST_ROW = _rx(r"([ \t]*)[*+-][ \t]+[*+-](?:[ \t]+|$)")  # "* - cell": a row's first
_LIST_CELL = _rx(r"([ \t]*)[*+-](?:[ \t]+|$)")  # "  - cell": its next
_HEADER_ROWS = _rx(r"[ \t]*:header-rows:[ \t]*(\d+)")
_ADOC_TABLE = _rx(r"[|,]={3,}[ \t]*")
_ADOC_COLS = _rx(r"""cols\s*=\s*["']?(?:(\d+)\*|([^"'\]]*))""")


def _markup_tables(text: str) -> list[Callable[[list[str]], list[Finding]]]:
    """The readers of the markup tables ``text`` may hold (each by a substring test first), when
    it holds a secret's word somewhere."""
    readers: list[Callable[[list[str]], list[Finding]]] = []
    if ("<t" in text or "<T" in text) and _HTML_CELL.search(text) is not None:
        readers.append(_html_table_findings)
    if "= =" in text or "=  =" in text or "=\t=" in text:
        if "\r" in text or "\u2028" in text:  # lines as splitlines() reads them
            text = "\n".join(text.splitlines())
        if _SIMPLE_RULE_LINE.search(text) is not None:
            readers.append(_simple_table_findings)
    if "list-table::" in text:
        readers.append(_list_table_findings)
    if "csv-table::" in text:
        readers.append(_rst_csv_table_findings)
    if "|===" in text or ",===" in text:
        readers.append(_adoc_table_findings)
    return readers if readers and _BARE_WORDS.search(text) is not None else []


def _html_table_findings(lines: list[str]) -> list[Finding]:
    """HTML tables. A cell's text runs from its tag to the next table tag on its line (or, when
    nothing follows the tag there, is the next non-blank line before one). A cell's ``colspan``
    and ``rowspan`` place the cells after and below it in their columns (see :func:`_span_row`)."""
    tags = [(i, m) for i, line in enumerate(lines) if "<" in line
            for m in _HTML_TAG.finditer(line)]
    out: list[Finding] = []
    columns: list[int] = []
    row: list[_Spanned] = []
    carried: dict[int, int] = {}  # per column, the rows a cell above still spans
    heads = bold = True  # every cell of the row a <th>; in bold (a header before any is known)
    thead = False
    for k, (i, m) in enumerate(tags):
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag in ("tr", "table") and row:
            cells = _span_row(row, carried)
            if heads or thead:
                columns = _secret_columns(lines, cells) or columns
            elif bold and not columns:  # (a row of names and values in bold too)
                columns = _secret_columns(lines, cells)
                out += _row_secrets(lines, cells, [])
            else:
                out += _row_secrets(lines, cells, columns)
            row, heads, bold = [], True, True
        if tag == "table":
            columns, thead, carried = [], False, {}
        elif tag == "thead":
            thead = not closing
        elif tag in ("th", "td") and not closing:
            heads = heads and tag == "th"
            cell = _html_cell(lines, i, m.end(), tags[k + 1] if k + 1 < len(tags) else None)
            bold = bold and _BOLD_CELL.match(lines[cell[0]], cell[1], cell[2]) is not None
            row.append((cell, _span_of(_COLSPAN, m.group(0)), _span_of(_ROWSPAN, m.group(0))))
    if row and not (heads or thead):
        out += _row_secrets(lines, _span_row(row, carried), columns)
    return out


_BOLD_CELL = _rx(r"(?i)\s*<(?:b|strong)[\s>]")  # <td><b>Password</b></td>: a header's
_COLSPAN = _rx(r"(?i)\bcolspan\s*=\s*[\"']?\s*(\d{1,6})")
_ROWSPAN = _rx(r"(?i)\browspan\s*=\s*[\"']?\s*(\d{1,6})")
_MAX_SPAN = 16  # columns (or rows) one cell is taken to span at most
_MAX_COLUMNS = 64  # a row's columns read at most (spans placed past them are left out)
_MAX_TIMES = 2  # copies of an AsciiDoc cell read at most (``3*|``: a table's layout, rarely more)
_Spanned = tuple[_Cell, int, int]  # a cell, the columns and the rows it spans
_NO_CELL: _Cell = (0, 0, 0)  # a column a cell above spans: no cell of this row


def _span_of(rule: re.Pattern[str], tag: str) -> int:
    m = rule.search(tag)
    return min(max(int(m.group(1)), 1), _MAX_SPAN) if m else 1


def _span_row(row: list[_Spanned], carried: dict[int, int],
              width: int = _MAX_COLUMNS) -> list[_Cell]:
    """A table row's cells at their columns: a cell spanning columns fills each of them, a
    column a cell of a row above still spans is no cell (:data:`_NO_CELL`). ``carried``: per
    column, the rows a cell above still spans after this one (updated). At most ``width``
    columns (and :data:`_MAX_COLUMNS`)."""
    out: list[_Cell] = []
    width = min(width, _MAX_COLUMNS)
    for cell, cols, rows in row:
        while len(out) < width and carried.get(len(out), 0) > 0:
            carried[len(out)] -= 1
            out.append(_NO_CELL)
        for _ in range(min(cols, width - len(out))):
            if rows > 1:
                carried[len(out)] = rows - 1
            out.append(cell)
        if len(out) >= width:
            break
    for col in [c for c, left in carried.items() if c >= len(out) and left > 0]:
        carried[col] -= 1  # (a spanned column past this row's last cell)
    return out


def _html_cell(lines: list[str], i: int, at: int, nxt: tuple[int, re.Match[str]] | None) -> _Cell:
    """The span of an HTML cell whose tag ends at ``at`` on line ``i`` (``nxt``: the next tag)."""
    if nxt is not None and nxt[0] == i:
        return i, at, nxt[1].start()
    if lines[i][at:].strip() or nxt is None:
        return i, at, len(lines[i])
    for j in range(i + 1, nxt[0] + 1):
        if lines[j].strip():
            return j, 0, nxt[1].start() if j == nxt[0] else len(lines[j])
    return i, at, at


def _spans(line: str, starts: tuple[int, ...]) -> list[_Cell]:
    """A simple table's line cut at its columns' starts (the last column runs to the line's end;
    none past it; the line index is filled in by the caller)."""
    n = bisect_left(starts, len(line))  # (a short line under a wide rule: its few cells only)
    ends = (*starts[1:n], len(line))
    return [(0, a, min(b, len(line))) for a, b in zip(starts[:n], ends, strict=True)]


def _untab(line: str) -> tuple[str, list[int]]:
    """``line`` with its tabs expanded (stops every 8 columns, as reStructuredText reads them),
    and for each of its columns (and its end) the index in ``line``."""
    out: list[str] = []
    back: list[int] = []
    for k, c in enumerate(line):
        n = 8 - len(out) % 8 if c == "\t" else 1
        out += [" " if c == "\t" else c] * n
        back += [k] * n
    return "".join(out), back + [len(line)]


def _simple_cells(line: str, starts: tuple[int, ...], row: int) -> list[_Cell]:
    """A simple table's row ``row`` cut at its columns' ``starts`` (of its rule, tabs expanded):
    the spans in the line as it is."""
    if "\t" not in line:
        return [(row, a, b) for _, a, b in _spans(line, starts)]
    shown, back = _untab(line)
    return [(row, back[a], back[b]) for _, a, b in _spans(shown, starts)]


def _simple_table_findings(lines: list[str]) -> list[Finding]:
    """reStructuredText's simple tables: rules of ``=`` runs with the same columns; of three
    such rules, the lines between the first two (up to three) are the header. Tabs are expanded
    as reStructuredText does (a tab-separated table)."""
    rules = [(i, tuple(m.start() for m in _RUN.finditer(line.expandtabs(8))))
             for i, line in enumerate(lines) if "=" in line and _SIMPLE_RULE.fullmatch(line)]
    out: list[Finding] = []
    k = 0
    while k + 1 < len(rules):
        (a, cols), (b, cols_b) = rules[k], rules[k + 1]
        if cols_b != cols:
            k += 1
            continue
        columns: list[int] = []
        if k + 2 < len(rules) and rules[k + 2][1] == cols and b - a <= 4:
            for h in range(a + 1, b):
                columns += _secret_columns(lines, _simple_cells(lines[h], cols, h))
            columns = sorted(set(columns))
            a, b = b, rules[k + 2][0]
            k += 3
        else:
            k += 2
        for j in range(a + 1, b):
            if lines[j].strip():
                out += _row_secrets(lines, _simple_cells(lines[j], cols, j), columns)
    return out


def _directive_bodies(lines: list[str], rule: re.Pattern[str]) -> list[range]:
    """The lines of each reStructuredText directive ``rule`` matches (its indent its group 1):
    those after it that are blank or deeper than it."""
    out: list[range] = []
    i = 0
    while i < len(lines):
        directive = rule.match(lines[i])
        i += 1
        if directive is None:
            continue
        indent, start = len(directive.group(1)), i
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
            i += 1
        out.append(range(start, i))
    return out


def _list_table_findings(lines: list[str]) -> list[Finding]:
    """reStructuredText's list tables: each ``* -`` item a row, each ``-`` item under it a cell
    (its first line), the first ``:header-rows:`` rows the header."""
    out: list[Finding] = []
    for body in _directive_bodies(lines, _LIST_TABLE):
        header_rows = 0
        rows: list[list[_Cell]] = []
        row_indent = -1
        for i in body:
            line = lines[i]
            option = _HEADER_ROWS.match(line)
            first = _LIST_ROW.match(line)
            cell = _LIST_CELL.match(line)
            if option is not None and not rows:
                header_rows = int(option.group(1))
            elif first is not None:
                rows.append([(i, first.end(), len(line))])
                row_indent = len(first.group(1))
            elif cell is not None and rows and len(cell.group(1)) > row_indent:
                rows[-1].append((i, cell.end(), len(line)))
        columns: list[int] = []
        for row in rows[:header_rows]:
            columns += _secret_columns(lines, row)
        columns = sorted(set(columns))
        for row in rows[header_rows:]:
            out += _row_secrets(lines, row, columns)
    return out


def _adoc_cells(line: str) -> list[tuple[int, int]]:
    """An AsciiDoc table line's cells: each from a pipe to the next unescaped one, or the line's
    end (what comes before its first pipe is a cell's format, ``2+|``)."""
    at = line.find("|") + 1
    out = []
    while at:
        m = _CELL.match(line, at)
        end = m.end() if m else at
        out.append((at, end))
        at = end + 1 if end < len(line) else 0
    return out


# An AsciiDoc cell's specifier, just before its pipe: ``3*`` (the cell three times), ``2+``
# (two columns), ``.2+`` (two rows), ``2.3+``; alignment and style after.
_ADOC_SPEC = _rx(r"(?:^|(?<=\s))(?:(\d{1,3})\*)?(?:(\d{1,3})?(?:\.(\d{1,3}))?\+)?"
                        r"(?:[<^>]?(?:\.[<^>])?[adehlmsv]?)$")


def _adoc_spanned(lines: list[str], cells: list[_Cell]) -> list[_Spanned]:
    """Each cell with the columns and rows its specifier says it spans (repeated when it says
    so), the specifier cut from the cell before it."""
    out: list[_Spanned] = []
    for j, a, b in cells:
        before = lines[j][max(0, a - 13):a - 1]  # (a specifier is a few characters)
        spec = _ADOC_SPEC.search(before) if before and before[-1:] not in " \t" else None
        cols = rows = times = 1
        if spec is not None and spec.group(0):
            times = min(int(spec.group(1) or 1), _MAX_TIMES)
            plus = spec.group(0).find("+") >= 0
            cols = min(int(spec.group(2) or 1), _MAX_SPAN) if plus else 1
            rows = min(int(spec.group(3) or 1), _MAX_SPAN) if plus else 1
            if out and out[-1][0][0] == j:  # (the previous cell on this line ends before it)
                (pj, pa, pb), pc, pr = out[-1]
                out[-1] = ((pj, pa, min(pb, a - 1 - len(spec.group(0)))), pc, pr)
        out += [((j, a, b), max(cols, 1), max(rows, 1))] * times
    return out


def _adoc_rows(spanned: list[_Spanned], width: int) -> list[list[_Cell]]:
    """AsciiDoc's cells, in order, cut into rows of ``width`` columns (a cell spanning columns
    takes as many; a cell above spanning rows, its column)."""
    rows: list[list[_Cell]] = []
    carried: dict[int, int] = {}
    row: list[_Spanned] = []
    used = 0
    for item in spanned:
        if not row:  # (rows whose every column a cell above spans have none of their own)
            live = [left for c, left in carried.items() if left > 0 and c < width]
            if len(live) >= width:
                skip = min(live)
                carried = {c: left - skip for c, left in carried.items() if left > skip}
                live = [left for c, left in carried.items() if c < width]
            used = len(live)
        row.append(item)
        used += item[1]
        if used >= width:
            rows.append(_span_row(row, carried, width))
            row = []
    if row:
        rows.append(_span_row(row, carried, width))
    return rows


def _csv_cells(lines: list[str], block: list[int]) -> list[list[_Cell]]:
    """The rows of an AsciiDoc CSV table (``[format=csv]``, ``,===``): a line each, its cells
    between commas (a quoted cell's quotes left out)."""
    return [_csv_row(lines[j], j) for j in block]


def _csv_row(line: str, j: int, at: int = 0, sep: str = ",") -> list[_Cell]:
    """The cells of line ``j`` from ``at``, between ``sep``s (blanks around a cell and a quoted
    cell's quotes left out)."""
    row = []
    for piece in line[at:].split(sep):
        a, b = at, at + len(piece)
        while a < b and line[a] in " \t":
            a += 1
        while b > a and line[b - 1] in " \t":
            b -= 1
        if b - a >= 2 and line[a] == '"' and line[b - 1] == '"':
            a, b = a + 1, b - 1
        row.append((j, a, b))
        at += len(piece) + 1
    return row


# A CSV or TSV file: its first line the header (``user,password``), then a row a line
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}


def _csv_file_findings(lines: list[str], sep: str) -> list[Finding]:
    """The values of a CSV (or TSV) file's secret columns (see :func:`_row_secrets`)."""
    first = next((j for j, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return []
    columns = _secret_columns(lines, _csv_row(lines[first], first, sep=sep))
    if not columns:
        return []
    return [f for j in range(first + 1, len(lines)) if lines[j].strip()
            for f in _row_secrets(lines, _csv_row(lines[j], j, sep=sep), columns)]


# reStructuredText's CSV tables: ``.. csv-table::``, its ``:header:`` (a CSV line) or
# ``:header-rows:``, ``:delim:``; its rows the indented lines after the options
_CSV_TABLE = _rx(r"([ \t]*)\.\.[ \t]+csv-table::")
_RST_OPTION = _rx(r"[ \t]*:(?P<o>[\w-]{1,40}):[ \t]*(?P<v>.*)")


def _rst_csv_table_findings(lines: list[str]) -> list[Finding]:
    """reStructuredText's CSV tables (see ``_CSV_TABLE``)."""
    out: list[Finding] = []
    for body in _directive_bodies(lines, _CSV_TABLE):
        sep, header_rows = ",", 0
        columns: list[int] = []
        rows: list[int] = []
        for i in body:
            option = None if rows else _RST_OPTION.match(lines[i])
            name, value = (option.group("o"), option.group("v").strip()) if option else ("", "")
            if name == "header" and option is not None:
                columns = _secret_columns(lines, _csv_row(lines[i], i, option.start("v"), sep))
            elif name == "delim":
                sep = {"tab": "\t", "space": " "}.get(value, value[:1] or sep)
            elif name == "header-rows":
                header_rows = int(value) if value.isdigit() and len(value) < 4 else 0
            elif option is None and lines[i].strip():
                rows.append(i)
        for j in rows[:header_rows]:
            columns = columns or _secret_columns(lines, _csv_row(lines[j], j, _indent(lines[j]),
                                                                 sep))
        for j in rows[header_rows:]:
            out += _row_secrets(lines, _csv_row(lines[j], j, _indent(lines[j]), sep), columns)
    return out


def _adoc_table_findings(lines: list[str]) -> list[Finding]:
    """AsciiDoc tables (``|===`` blocks): cells in order, as many to a row as the first line
    holds (or its ``cols`` says; a cell's ``2+``, ``.2+`` and ``3*`` spans counted); that line is
    the header when a blank line follows it or its attribute line says ``header``. A CSV table
    (``[format=csv]``, ``,===``): a row per line."""
    out: list[Finding] = []
    i = 0
    while i < len(lines):
        if not _ADOC_TABLE.fullmatch(lines[i]):
            i += 1
            continue
        attrs = lines[i - 1] if i and lines[i - 1].startswith("[") else ""
        csv = lines[i].startswith(",") or "format=csv" in attrs.replace(" ", "")
        start, i = i, i + 1
        while i < len(lines) and not _ADOC_TABLE.fullmatch(lines[i]):
            i += 1
        block = [j for j in range(start + 1, i) if ("," if csv else "|") in lines[j]]
        i += 1
        if not block:
            continue
        rows = _csv_cells(lines, block) if csv else _adoc_grid(lines, block, attrs)
        first = block[0]
        head = "noheader" not in attrs and ("header" in attrs or (
            first + 1 < len(lines) and not lines[first + 1].strip()))
        columns = _secret_columns(lines, rows[0]) if head else []
        for row in rows[1:] if head else rows:
            out += _row_secrets(lines, row, columns)
    return out


def _adoc_grid(lines: list[str], block: list[int], attrs: str) -> list[list[_Cell]]:
    """The rows of an AsciiDoc table of pipes (its lines ``block``)."""
    spanned = _adoc_spanned(lines, [(j, a, b) for j in block for a, b in _adoc_cells(lines[j])])
    first = block[0]
    width = sum(c for (j, _, _), c, _ in spanned if j == first)
    cols = _ADOC_COLS.search(attrs)
    if cols is not None:
        width = int(cols.group(1)) if cols.group(1) else len(cols.group(2).split(","))
    return _adoc_rows(spanned, max(min(width, 1000), 1))


# A name/value pair: Kubernetes' env (``- name: DB_PASSWORD`` over ``value: …``), Postman's and
# HAR's headers and variables (``{"key": "x-api-key", "value": "…"}``), Terraform's settings
# (``name = "DB_PASSWORD"`` over ``value = "…"``). The name is read as a table's row name is
# (:func:`_is_secret_cell`, or an Authorization header); the value is the first value field after
# it, on its line or the next three, before another name field.
_PAIR_NAME = _rx(r"""(?i)(?<![\w-])["']?(?:key|name)["']?\s*(?::|=>?)\s*(?P<q>["']?)"""
                        r"""(?P<n>[\w.-]{1,80}+)(?P=q)(?![\w.-])""")
_PAIR_VALUE = _rx(r"""(?i)(?<![\w-])["']?value["']?\s*(?::|=>?)\s*(?:(?P<q>["'])"""
                         r"""(?P<qv>(?:[^"'\\]|\\.){1,300}+)|(?P<v>[^\s"',}\]#]{1,300}+))""")
_PAIR_HINT = _rx(r"""(?i)(?<![\w-])["']?value["']?\s*(?::|=>?)""")
_SCHEME = _rx(r"(?i)(?:bearer|basic|token|bot|apikey|digest)\s+")
_PAIR_LINES = 3


def _pair_hint(text: str) -> bool:
    return "alue" in text and _PAIR_HINT.search(text) is not None


@functools.lru_cache(maxsize=4096)
def _secret_pair_name(name: str) -> bool:
    return (name.lower() in ("authorization", "proxy-authorization") or _is_secret_cell(name)
            or _r19_short_name(name))  # (round 19: ``- name: DBPW`` then ``value: V``)


def _pair_findings(lines: list[str]) -> list[Finding]:
    """The values of name/value pairs whose name is a secret's (see ``_PAIR_NAME``). Each line's
    name and value fields are found once (a line of thousands of names is read in linear time)."""
    fields: dict[int, _Fields] = {}

    def on(j: int) -> _Fields:
        got = fields.get(j)
        if got is None:
            text = lines[j]
            values = list(_PAIR_VALUE.finditer(text))
            got = fields[j] = (list(_PAIR_NAME.finditer(text)) if "ey" in text or "ame" in text
                               else [], values, [v.start() for v in values])
            if len(fields) > 2 * _PAIR_LINES + 2:
                fields.pop(next(iter(fields)))
        return got

    out: list[Finding] = []
    for i, line in enumerate(lines):
        if "ey" not in line and "ame" not in line:
            continue
        for k, m in enumerate(on(i)[0]):
            if not _secret_pair_name(m.group("n")):
                continue
            found = _pair_value(lines, i, k, on)
            if found is None:
                continue
            j, v = found
            group = "qv" if v.group("qv") is not None else "v"
            a, b = v.span(group)
            if b - a >= VALUE_CAP:  # read as its first 300: the rest is the value too
                b = _value_end(lines[j], b, v.group("q"), None)
            scheme = _SCHEME.match(lines[j], a, b)
            if scheme is not None:
                a = scheme.end()
            value = lines[j][a:b].strip()
            if len(value) >= 5 and (b - a >= VALUE_CAP or _plausible(value, "column")):
                out.append(Finding(j + 1, a, b, "Secret Keyword"))
    return out


_Fields = tuple[list[re.Match[str]], list[re.Match[str]], list[int]]  # names, values, starts


def _pair_value(lines: list[str], i: int, k: int, on: Callable[[int], _Fields]
                ) -> tuple[int, re.Match[str]] | None:
    """The value field of the ``k``-th name field of line ``i``: one before it in the same
    ``{…}`` with no name between (``{"value": "…", "key": "password"}``), else the first after it
    on its line or the next ``_PAIR_LINES``, unless another name field comes first."""
    names, values, starts = on(i)
    m = names[k]
    brace = lines[i].rfind("{", names[k - 1].end() if k else 0, m.start())
    at = bisect_left(starts, m.start())  # the first value at or after the name
    if brace >= 0 and at and starts[at - 1] > brace:
        return i, values[at - 1]
    at = bisect_left(starts, m.end())
    after = values[at] if at < len(values) else None
    nxt = names[k + 1] if k + 1 < len(names) else None
    if after is not None:
        return (i, after) if nxt is None or after.start() < nxt.start() else None
    if nxt is not None:
        return None
    for j in range(i + 1, min(len(lines), i + _PAIR_LINES + 1)):
        names_j, values_j, _ = on(j)
        if values_j and (not names_j or values_j[0].start() < names_j[0].start()):
            return j, values_j[0]
        if names_j:
            return None
    return None


def _merge(found: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    for f in sorted(found, key=lambda f: (f.line, f.start)):  # stable
        last = out[-1] if out else None
        if last is not None and last.line == f.line and f.start < last.end:
            if f.end > last.end:
                out[-1] = last._replace(end=f.end)
            continue
        out.append(f)
    return out


def secret_in_text(text: str, filename: str = "") -> str | None:
    """A short description of the first secret in ``text``, or None."""
    found = find_secrets(text, filename)
    if not found:
        return None
    first = found[0]
    return f"{first.kind} detected on line {first.line}"


def secret_in_content(full_path: Path) -> str | None:
    """A short description of the first secret in the file, or None."""
    try:
        text = full_path.read_text("utf-8", "replace")
    except OSError:
        return None
    return secret_in_text(text, full_path.name)


def redact(text: str, filename: str = "") -> str:
    """``text`` with every secret value replaced by ``[redacted: KIND]``; ``text`` itself (the
    same object) when it holds none."""
    found = find_secrets(text, filename)
    if not found:
        return text
    lines = text.splitlines(keepends=True)
    by_line: dict[int, list[Finding]] = {}
    for f in found:
        by_line.setdefault(f.line, []).append(f)
    for number, spans in by_line.items():
        lines[number - 1] = _masked(lines[number - 1], [(f.start, f.end, f.kind) for f in spans])
    return "".join(lines)


def _masked(text: str, spans: list[tuple[int, int, str]], blank: bool = False) -> str:
    """``text`` with each of the ``spans`` (start, end, kind; not overlapping) replaced by
    ``[redacted: KIND]`` (a space when ``blank``), in one pass (a line of thousands of secrets)."""
    out, at = [], 0
    if "[redacted:" in text:  # (round 24: a mark is never a value: redaction is idempotent)
        spans = _outside_marks(text, spans)
    for start, end, kind in sorted(spans):
        out += [text[at:start], " " if blank else f"[redacted: {kind}]"]
        at = end
    out.append(text[at:])
    return "".join(out)


_MARK = _rx(r"\[redacted: [^\]\n]{1,60}\]")


def _outside_marks(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``spans`` without what falls in a ``[redacted: KIND]`` mark of ``text`` (a value read
    from a mark, ``-k [redacted: Secret Keyword]``, masked again, showed ``…]: Secret Keyword]``):
    a span starting in a mark is dropped, one running into a mark ends before it."""
    marks = [m.span() for m in _MARK.finditer(text)]
    out = []
    for a, b, kind in spans:
        for ma, mb in marks:
            if ma <= a < mb:
                break
            if a < ma < b:
                b = ma
        else:
            if text[a:b].strip():
                out.append((a, b, kind))
    return out


HEAD_MARGIN = 1_000  # characters past a cut read for secrets it may split (a value is <= 300)
TOKEN_RUN = 24  # characters of a token's alphabet in a row from which a cut never splits them
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "_-.+/=~")
_TOKEN_RUN = _rx(r"[A-Za-z0-9_\-.+/=~]*")


def redact_head(text: str, limit: int, blank: bool = False) -> str:
    """``text``'s first ``limit`` characters, every secret masked: :func:`redact` of the cut
    text, but with no secret shown in part. Cutting first and masking after would leave the head
    of a secret the cut splits unrecognised (``ghp_R8x2Lq9Z`` of a token); so the findings come
    from the text up to :data:`HEAD_MARGIN` past the cut, and the head ends before any finding
    the cut would split, and before any run of :data:`TOKEN_RUN` or more of a token's characters
    it would split (a token longer than the margin: a JSON Web Token of thousands of characters).
    ``blank``: each secret becomes a space, not a marker (a text whose words are read: a
    task's)."""
    return cut_head(text, limit, blank)[0]


# A file or folder name that assigns a secret word (DB_PASSWORD=…, api_key=…, token=…): any
# value, as a name is no code (a value of lower-case words, or before "/", is still one), and a
# name holding user:password@host (a URL flattened into a path: https:__ops:pw@host).
_PATH_ASSIGN = _rx(
    r"(?i)(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|credentials?|auth)[A-Za-z0-9_.-]*=([^/=&]{4,})")
_PATH_USERINFO = _rx(r"[^/:@\s]+:([^/:@\s]{3,})@[A-Za-z0-9.-]+")
# A name that joins a value to a secret's word by a blank, "-", "_" or ":" (``DB_PASSWORD
# Zq7A01xx.txt``, ``password-Zq7A03xx.md``, ``api_key Zq7A07xxAbCdEf12.txt``), or a user's name to
# it by ":" (``root:Zq7A08xx.txt``): unlike ``=``, these join words too (``password-reset.md``,
# ``api_key_test.py``, ``root:x``), so the value must read as one (:func:`_path_value`).
_PATH_WORD_VALUE = _rx(
    r"(?i)(?:pass(?:word|wd|phrase)|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|private[_-]?key|credentials?)s?[ _:-]{1,3}([^/\s_:=-]{6,200}?)(?:\.[A-Za-z0-9]{1,8})?"
    r"(?=$|[\s_:=-])")
_PATH_USER_VALUE = _rx(r"(?<![^/])[A-Za-z][A-Za-z0-9._-]{0,31}:([^/\s:@=]{6,200}?)"
                       r"(?:\.[A-Za-z0-9]{1,8})?$")
PATH_HINT = _rx(
    r"[=@ :]|(?<![A-Za-z0-9])(?=[A-Za-z0-9]{16})[A-Za-z]*\d"  # (a run's start only: linear)
    r"|gh[pousr]_|github_pat_|glpat-|xox[abposr]-"
    r"|[rs]k_(?:live|test)_|sk-|AKIA|ASIA|AIza|hf_|npm_|pypi-|eyJ"
    r"|(?i:pass(?:word|wd|phrase)|pwd|secret|token|key|credential)s?[_-]")


def _path_value(v: str) -> bool:
    """Whether ``v``, joined to a secret's word in a file's name by a blank, "-", "_" or ":",
    reads as a value: letters and digits, of both cases (or 20 characters or more), not a
    name with a number (``GPT2Tokenizer``), no word in a short one (``iOS14Support``)."""
    if len(v) < 20 and re.search(r"[A-Z][a-z]{3}|[a-z]{5}", v):
        return False  # a word in it (``iOS14Support``, ``x86builder``): a short value has none
    return (_has_digit(v) and _has_alpha(v) and not _named_with_number(v)
            and (any(c.isupper() for c in v) and any(c.islower() for c in v) or len(v) >= 20))


# The version of :func:`secret_path`'s rules: an index built under others asks it again of every
# path it holds (it asks new and changed files only). 2: a value joined by a blank, "-", "_", ":".
PATH_RULES = "2"


def secret_path(path: str) -> str | None:
    """``path`` with its secrets masked when a file or folder name of it holds one (a token as
    a name, ``NAME=value``, ``user:password@host``), else None. Each name is read alone, as
    prose (a ``.py`` name is no code), once :data:`PATH_HINT`, a cheap test, lets it through."""
    if not path or not PATH_HINT.search(path):
        return None
    parts = path.split("/")
    changed = False
    for i, part in enumerate(parts):
        shown = redact(part)
        for rule in (_PATH_ASSIGN, _PATH_USERINFO, _PATH_WORD_VALUE, _PATH_USER_VALUE):
            m = rule.search(shown)
            if m and "[redacted:" not in m.group(1) and (
                    rule in (_PATH_ASSIGN, _PATH_USERINFO) or _path_value(m.group(1))):
                shown = shown[:m.start(1)] + "[redacted: Secret In Path]" + shown[m.end(1):]
        if shown != part:
            parts[i], changed = shown, True
    return "/".join(parts) if changed else None


# The two rules of :func:`secret_path` in free text (a commit subject or message, a branch name,
# a reason). ``NAME=value``: a name (at most 60 characters: every match is bounded) whose last
# word is a secret's (``DB_PASSWORD``, ``api_key``; not ``token_budget``, ``tokenizer``), the
# value up to a blank, or over up to four words to a "/" (a path's folder named so).
# ``scheme:user:password@host``: a URL flattened into a path (``https:__deploy:pw@host``, the
# slashes gone or encoded); a scheme is required, as ``npm:react@18`` and ``key:value@v2`` are
# no credentials, and an address (``mailto:x@y``) has one colon only. A cache's name may flatten
# ``https://`` whole to ``https___``.
_FREE_ASSIGN = _rx(
    r"(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{0,60}(?i:pass|pwd|pw|secret|token|key|cred|auth)"
    r"[A-Za-z0-9_.-]{0,30})="
    r"((?:[^/=&\s]{1,200} ){0,3}[^/=&\s]{1,200}(?=/)|[^/=&\s]{4,300})")
# (The password may hold up to two "@" left unencoded: ``https:__deploy:p@ss@host``.)
_FREE_PW = r"[^/:@\s()<>\[\]\"'`]"
# ``scheme:user:`` of a URL, flattened (``https:__``, ``https___``) or not
_FREE_SCHEME_USER = (r"(?i)(?<![a-z0-9+.-])(?!mailto:)[a-z][a-z0-9+.-]{1,15}"
                     rf"(?::(?://|__|%2f%2f)?|___){_FREE_PW}{{1,64}}:")
_FREE_USERINFO = _rx(
    rf"{_FREE_SCHEME_USER}(?=\S{{3}})({_FREE_PW}{{1,128}}+(?:@{_FREE_PW}{{1,128}}+){{0,2}})"
    r"@[A-Za-z0-9.\[-]")
# A password over 128 characters (the rule above reads at most 128 at a time): the head of
# ``scheme:user:`` before 129 of a password's characters, then read on to the last "@" before a
# host (:func:`_long_userinfo`)
_FREE_LONG_USERINFO = _rx(rf"{_FREE_SCHEME_USER}(?=[^/:\s()<>\[\]\"'`]{{129}})")
_FREE_PW_RUN = _rx(r"[^/:\s()<>\[\]\"'`]*")
_FREE_HOST_START = _rx(r"[A-Za-z0-9.\[-]")
# ``user:p@ss@host`` with no scheme: a password holding an "@" (``npm:react@18`` holds none),
# before a host's name
_FREE_AT_USERINFO = _rx(
    rf"(?<![^\s\"'(<\[,;`])[A-Za-z0-9._-]{{1,64}}:({_FREE_PW}{{1,128}}+@{_FREE_PW}{{1,128}}+"
    rf"(?:@{_FREE_PW}{{1,128}}+)?)@(?=[A-Za-z][A-Za-z0-9-]{{0,62}}(?:[.:/\s`]|$))")
# ``user:pw@10.0.0.5`` or ``user:pw@[::1]`` with no scheme: an address's host is no package's
# version (``npm:react@18``) nor a group's name; any password-like value (:func:`_url_value`)
_FREE_IP_USERINFO = _rx(
    rf"(?<![^\s\"'(<\[,;`])[A-Za-z0-9._-]{{1,64}}:({_FREE_PW}{{1,128}}+(?:@{_FREE_PW}{{1,128}}+)"
    r"{0,2})@(?=\d{1,3}(?:\.\d{1,3}){3}(?![\w.])|\[[0-9A-Fa-f:.]{2,45}\])")
# ``user:pw@db.example.com`` with no scheme and no "@" in the password: a host of dotted names
# ending in letters (not ``npm:react@18``, ``nginx:1.25@sha256:…``, ``gopls:latest@main``), a
# password as prose's (digits or symbols in it: not ``foo:bar@baz.io``'s word); not an
# address's scheme (``mailto:a+b@example.com``)
_FREE_HOST_USERINFO = _rx(
    rf"(?<![^\s\"'(<\[,;`])(?!(?i:mailto|xmpp|sips?|tel):)[A-Za-z0-9._-]{{1,64}}:"
    rf"({_FREE_PW}{{4,128}}+)"
    r"@(?=[A-Za-z][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){0,6}\.[A-Za-z]{2,24}(?![\w.@-]))")
# A URL percent-encoded whole (``https%3A%2F%2Fuser%3Apw%40host``, a query's parameter): its
# password between the encoded ":" and "@"
_FREE_ENCODED = _rx(
    r"(?i)(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{1,15}%3a(?:%2f){2}(?:[^%/:@\s]|%(?!3a|40)[0-9a-f]{2})"
    r"{1,64}+%3a(?P<v>(?:[^%/:@\s]|%(?!40)[0-9a-f]{2}){3,128}+)(?P<e>%40[a-z0-9.\[-])?")
# (a password over 128 characters read on to its end, then its "%40" and host)
_FREE_ENCODED_TAIL = _rx(r"(?i)(?:[^%/:@\s]|%(?!40)[0-9a-f]{2})*")
_FREE_ENCODED_END = _rx(r"(?i)%40[a-z0-9.\[-]")
# A secret's name in free text, then "=>", ":=", "->" or an arrow before its value
# (``token => Zk8…``); ``api key Zk8…``: a key's or token's name, a blank, a token
_FREE_ARROW = _rx(
    r"(?i)(?<![\w$@-])(?P<n>[\w.-]{0,60}?(?:pass(?:word|wd|phrase)|pwd|secret|token|creds"
    r"|credentials?|(?:api|access|auth)[ _-]?key|pw))s?\s{0,4}(?:=>|::?=|->|\u2192)\s{0,4}"
    r"[\"'`]?(?P<v>[^\s\"'`]{5,300}+)")
_FREE_KEY_WORDS = _rx(
    r"(?i)(?<![\w-])(?:(?:api|access|secret|auth|private|bearer)[ _\xa0-]?(?:key|token)"
    r"|client[ _\xa0-]?secret)s?[^\S\r\n]{1,4}(?:(?:is|was|=)[^\S\r\n]{1,4})?"
    r"`?(?P<v>[A-Za-z0-9_\-+/=.~]{12,300}+)")
_FREE_KEY_TAIL = _rx(r"[A-Za-z0-9_\-+/=.~]*")
_FREE_LITERAL = frozenset({"none", "null", "nil", "true", "false", "undefined", "empty", "unset"})
_FREE_NAME_ENDS = frozenset("key keys auth authorization pw creds".split())


def _free_assign_name(name: str) -> bool:
    """Whether ``NAME`` of ``NAME=value`` in free text names a secret: its last word is a
    secret's (``DB_PASSWORD``, ``api_key``, ``auth_token``; a bare ``key`` is any key), and not
    a token that opens nothing (``next_page_token``)."""
    parts = [p for w in re.split(r"[._-]+", name) if w for p in split_identifier(w)]
    last = parts[-1].lower() if parts else ""
    return (last in _SECRET_PARTS or last in _FREE_NAME_ENDS or "password" in last) \
        and len(parts) + (last not in ("key", "keys")) > 1 and not _no_credential_token(name)


def redact_git(text: str, filename: str = "") -> str:
    """:func:`redact` for free text from git (a commit's subject or message, a branch or ref
    name, a reason naming one) or a person's note, with the rules of :func:`secret_path` too:
    such text names paths (a URL flattened into a file name, ``backups/DB_PASSWORD=value/``) that
    no code would; and the forms of prose (``token => …``, ``api key …``, ``user:p@ss@host``, a
    percent-encoded URL). Read without format characters (as :func:`redact` reads)."""
    return _remembered("g", text, filename, _redact_git)


def _redact_git(text: str, filename: str) -> str:
    shown = _scoped_redact(text, filename)
    plain, where = without_format_chars(shown)
    spans = _free_spans(plain)
    if not spans:
        return shown
    if where is not None:
        spans = [(*_original_span(where, a, b), kind) for a, b, kind in spans]
    kept: list[tuple[int, int, str]] = []
    for a, b, kind in sorted(spans, key=lambda s: (s[0], -s[1])):  # (overlaps: the first to
        # start, the longest of those, is masked)
        if not kept or a >= kept[-1][1]:
            kept.append((a, b, kind))
    return _masked(shown, _with_repeats(shown, kept))


_GIT_TEXT_AS = "COMMIT_EDITMSG.md"  # a file name a commit's message is also read under
_SCOPE_WITHIN = 120  # characters of a line a subject's scope (``juliet rust: ``) is looked for in


def _scoped_redact(text: str, filename: str) -> str:
    """:func:`redact` of ``text``, each line read also without a commit subject's scope (up to
    its first, and its last, ": " in :data:`_SCOPE_WITHIN` characters, blanked): a rule reading
    a name from the line's start (``let password = format!(…)``) would read the scope's words
    as the name (round 12). One reading per form, the masks merged."""
    # A commit's message is prose, often Markdown: read as a document too, whose labels
    # (``**Password:**``, ``## Password``, "The password is:") find a value on the next lines
    # (a hostile review: such a body reached the Recent decisions, the hook's map and handoff).
    # (A subject alone, one line, reads the same either way: not read twice.)
    document = [] if filename or "\n" not in text.strip() else find_secrets(text, _GIT_TEXT_AS)
    if ": " not in text and not document:
        return redact(text, filename)
    lines = text.splitlines(keepends=True)
    variants = []
    for pick in (str.find, str.rfind):
        cut = [pick(line, ": ", 0, _SCOPE_WITHIN) + 2 for line in lines]
        variants.append("".join(" " * c + line[c:] if c >= 2 else line
                                for c, line in zip(cut, lines, strict=True)))
    found = find_secrets(text, filename) + document
    for variant in dict.fromkeys(variants):
        if variant != text:
            found += find_secrets(variant, filename)
    if not found:
        return text
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    for f in sorted(found, key=lambda f: (f.line, f.start, -f.end)):
        spans = by_line.setdefault(f.line, [])
        if spans and f.start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], f.end), spans[-1][2])
        else:
            spans.append((f.start, f.end, f.kind))
    for number, spans in by_line.items():
        lines[number - 1] = _masked(lines[number - 1], spans)
    return "".join(lines)


def _with_repeats(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``spans`` (sorted, not overlapping) and every other place in ``text`` of a value they
    cover of :data:`REPEAT_MIN` characters or more (``token => V`` then ``V`` again)."""
    values = {text[a:b]: kind for a, b, kind in spans[:_REPEAT_FINDS]
              if _repeatable(text[a:b])}
    more = [(at, at + len(v), kind) for v, kind in values.items()
            for at in _places(text, v)]
    if not more:
        return spans
    out: list[tuple[int, int, str]] = []
    for a, b, kind in sorted(spans + more, key=lambda s: (s[0], -s[1])):
        if not out or a >= out[-1][1]:
            out.append((a, b, kind))
    return out


def _places(text: str, value: str) -> list[int]:
    """Where ``value`` starts in ``text``, each place after the last one's end."""
    out, at = [], text.find(value)
    while at >= 0:
        out.append(at)
        at = text.find(value, at + len(value))
    return out


def _free_spans(text: str) -> list[tuple[int, int, str]]:
    """The values the free-text rules of :func:`redact_git` find in ``text`` (its format
    characters left out; what :func:`redact` masked is no value here)."""
    spans: list[tuple[int, int, str]] = []
    low = text.lower()
    if "=" in text:
        for m in _FREE_ASSIGN.finditer(text):
            value = m.group(2)
            if ("[redacted:" in value or value.isdigit() or not _free_assign_name(m.group(1))
                    or _TEMPLATE.match(value)  # (round 24: ``PGPASSWORD=$(vault read …)``)
                    or value.strip("()[]{}<>,.;:'\"`").lower() in _FREE_LITERAL
                    or _phrase_start(text, m.start(2), m.end(2))):
                continue
            spans.append((m.start(2), m.end(2), "Secret Keyword"))
    if "@" in text:
        spans += _userinfo_spans(text, (_FREE_USERINFO, _FREE_AT_USERINFO, _FREE_IP_USERINFO,
                                        _FREE_HOST_USERINFO))
        spans += _long_userinfo(text)
    if "%40" in low:
        for m in _FREE_ENCODED.finditer(text):
            end = m.end("v")
            if not m.group("e"):  # (read on past 128)
                end = _run_end(_FREE_ENCODED_TAIL, text, end)
            if m.group("e") or _FREE_ENCODED_END.match(text, end):
                spans.append((m.start("v"), end, "Basic Auth Credentials"))
    return (spans + _free_phrase_spans(text, low) + _free_word_token_spans(text)
            + _r19_free_spans(text, low) + _r20_free_spans(text, low)
            + _r21_free_spans(text, low) + _r22_free_spans(text, low))


# In git's free text, a random-looking value right after a secret's word, joined to it by a
# space, "-", "_", "/", ":" or "=": a branch ``fix/rotate-password-GvNCwf4Hi2UAbaFj8Iyb85em``, a
# TODO ``remove hardcoded password GvNCwf4Hi2UAbaFj8Iyb85em``, a subject ``token-Xk9mQ2vLp7wR``.
_FREE_WORD_TOKEN = _rx(r"(?i)(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey)"
                       r"s?[ \t:=/_-]{1,3}[\"'`]?(?P<v>[A-Za-z0-9+_.~-]{12,200}+)")


def _random_token(value: str) -> bool:
    """Whether ``value`` reads as generated: letters and digits, and either both cases or 20
    characters or more; not words joined by dashes (``use-the-new-login-flow-2024``)."""
    v = value.strip("._-~")
    if len(v) < 12 or not any(c.isdigit() for c in v) or not any(c.isalpha() for c in v):
        return False
    if _named_with_number(v):
        return False  # a class's name (``GPT2TokenizerFast``), no token
    if all(len(part) <= 12 and (part.isalpha() or part.isdigit())
           for part in re.split(r"[-_./~+]", v)):
        return False  # words and numbers joined
    mixed = any(c.isupper() for c in v) and any(c.islower() for c in v)
    return mixed or len(v) >= 20


_WORD_TOKEN_STARTS = ("password", "passwd", "passphrase", "pwd", "secret", "token", "api_key",
                      "api-key", "apikey")


def _free_word_token_spans(text: str) -> list[tuple[int, int, str]]:
    """See ``_FREE_WORD_TOKEN``. In ASCII text the rule is tried only where one of its words
    starts (found by ``str.find`` in the lower-cased text: a case-blind alternation tried at every
    place cost a tenth of all the scanning of source files)."""
    if text.isascii():
        low = text.lower()
        starts = sorted({at for w in _WORD_TOKEN_STARTS for at in _places(low, w)})
        found = (_FREE_WORD_TOKEN.match(text, at) for at in starts)
        matches = [m for m in found if m is not None]
    else:
        matches = list(_FREE_WORD_TOKEN.finditer(text))
    spans = {(m.start("v"), m.end("v")) for m in matches
             if "[redacted:" not in m.group("v") and _random_token(m.group("v"))}
    return [(a, b, "Secret Keyword") for a, b in sorted(spans)]


def _userinfo_spans(text: str, rules: tuple[re.Pattern[str], ...]
                    ) -> list[tuple[int, int, str]]:
    """The passwords of URLs' credentials the ``rules`` find in free text (see ``_free_spans``)."""
    return [(m.start(1), m.end(1), "Basic Auth Credentials")
            for rule in rules for m in rule.finditer(text) if "[redacted:" not in m.group(1)
            and _TEMPLATE.search(m.group(1)) is None  # (round 24: ``%s:%s@``, ``{}:{}@``)
            and (rule is not _FREE_IP_USERINFO or _url_value(m.group(1)))
            and (rule is not _FREE_HOST_USERINFO or (_url_value(m.group(1))
                                                     and _prose_value(m.group(1), "")))]


def _run_end(rule: re.Pattern[str], text: str, at: int) -> int:
    """Where a run of ``rule``'s characters from ``at`` ends (a value read on past its cap)."""
    m = rule.match(text, at)
    return m.end() if m else at


def _long_userinfo(text: str) -> list[tuple[int, int, str]]:
    """A flattened URL's password over 128 characters: up to the last "@" of its run before a
    host (``https:__deploy:<200 characters>@host``)."""
    spans: list[tuple[int, int, str]] = []
    for m in _FREE_LONG_USERINFO.finditer(text):
        end = _run_end(_FREE_PW_RUN, text, m.end())
        at = text.rfind("@", m.end(), end)
        if at > m.end() and _FREE_HOST_START.match(text, at + 1):
            spans.append((m.end(), at, "Basic Auth Credentials"))
    return spans


def _free_phrase_spans(text: str, low: str) -> list[tuple[int, int, str]]:
    """:func:`_free_spans` of prose's forms: ``token => …``, ``api key …`` (``low``: ``text``
    in lower case)."""
    spans: list[tuple[int, int, str]] = []
    if "=>" in text or ":=" in text or "->" in text or "\u2192" in text:
        for m in _FREE_ARROW.finditer(text):
            v = m.group("v")
            if len(v) >= VALUE_CAP:  # read as its first 300: the rest is the value too
                v = text[m.start("v"):_run_end(_LONG_TAIL, text, m.end("v"))]
            v = v.rstrip(_SENTENCE_END.replace("!", ""))
            if "[redacted:" not in v and _plausible(v, "prose", m.group("n")):
                spans.append((m.start("v"), m.start("v") + len(v), "Secret Keyword"))
    return spans + _free_key_spans(text, low) + _free_now_spans(text, low)


# "The admin password is now: V", "password is now V", "token is now set to V": a secret's new
# value announced in a commit's message (the content rules read "password is V", not "is now");
# judged as prose's value ("password is now required" is none).
_FREE_NOW = _rx(
    r"(?i)(?<![\w-])(?P<n>pass(?:word|wd|phrase|code)|pwd|secret|token|api[ _-]?key"
    r"|access[ _-]?key|credentials?)s?[ \t]{1,4}(?:is|was|are)[ \t]{1,4}now"
    r"(?:[ \t]{1,4}(?:set[ \t]{1,4})?to)?[*_]{0,2}:?[*_]{0,2}[ \t]{1,4}[\"'`]?"
    r"(?P<v>[^\s\"'`]{4,300}+)")


def _free_now_spans(text: str, low: str) -> list[tuple[int, int, str]]:
    """:func:`_free_spans` of ``password is now V`` (see ``_FREE_NOW``)."""
    spans: list[tuple[int, int, str]] = []
    if " now" in low:
        for m in _FREE_NOW.finditer(text):
            v = m.group("v").rstrip(_SENTENCE_END.replace("!", ""))
            if ("[redacted:" not in v and _plausible(v, "prose", m.group("n"))
                    and not _VERSION.match(v) and not _named_with_number(v)):
                # (a version, "base64-encoded": no value)
                spans.append((m.start("v"), m.start("v") + len(v), "Secret In Prose"))
    return spans


def _free_key_spans(text: str, low: str) -> list[tuple[int, int, str]]:
    """:func:`_free_spans` of ``api key V`` (``low``: ``text`` in lower case)."""
    spans: list[tuple[int, int, str]] = []
    if "key" in low or "token" in low or "secret" in low:
        for m in _FREE_KEY_WORDS.finditer(text):
            end = _run_end(_FREE_KEY_TAIL, text, m.end("v"))
            if end < len(text) and not (text[end].isspace() or text[end] in ",;)`"):
                continue  # (part of a longer word)
            v = text[m.start("v"):end].rstrip(_SENTENCE_END)
            if (len(v) >= 12 and _token_value(v, "") and not _FIELD_NAME.fullmatch(v)
                    and not _ENV_NAME.fullmatch(v) and not _example_value(v) and "/" not in v
                    and not _named_with_number(v)):  # (getAccessTokenFromEnv2)
                spans.append((m.start("v"), m.start("v") + len(v), "Secret Keyword"))
    return spans


def _phrase_start(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is the first word of a quoted phrase (its quote closes past a
    blank, on its line): :func:`redact` judged the phrase whole (``password="Please enter the
    password."`` is a message, not a secret)."""
    quote = text[start]
    if quote not in "\"'" or quote in text[start + 1:end]:
        return False
    close = text.find(quote, end, end + VALUE_CAP)
    return close > end and "\n" not in text[end:close] and text[end:end + 1].isspace()


_MASK = _rx(r"\[redacted: [^\]\n]*\]")


def clip_masked(text: str, limit: int) -> str:
    """``text`` (already masked) within ``limit`` characters, ended by "…" when cut, never
    inside a mask: a cut there ends before it ("password=[redacted: Secret Key…" read as a
    broken marker, or as a value)."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    for m in _MASK.finditer(text, 0, limit + 64):
        if m.start() < cut < m.end():
            cut = m.start()
            break
    return text[:cut].rstrip() + "…"


def cut_head(text: str, limit: int, blank: bool = False) -> tuple[str, int]:
    """:func:`redact_head`, and where in ``text`` the head ends (before ``limit`` when the cut
    would split a secret)."""
    if len(text) <= limit and not blank:
        return redact(text), len(text)
    window = text[:limit + HEAD_MARGIN]
    found = find_secrets(window)
    lines = window.splitlines(keepends=True)  # as find_secrets numbers them
    starts = list(itertools.accumulate((len(line) for line in lines), initial=0))
    spans = [(starts[f.line - 1] + f.start, starts[f.line - 1] + f.end, f.kind) for f in found]
    cut, moved = min(limit, len(text)), True
    while moved:  # until neither a finding nor a long run of token characters is split
        moved = False
        for start, end_, _ in sorted(spans, reverse=True):
            if start < cut < end_:
                cut, moved = start, True
        # A long run of a token's characters across the cut is left out whole, found or not (a
        # JSON Web Token longer than the margin is cut by the window, and then not recognised).
        if 0 < cut < len(text) and text[cut - 1] in _TOKEN_CHARS and text[cut] in _TOKEN_CHARS:
            before = _TOKEN_RUN.match(text[:cut][::-1])
            after = _TOKEN_RUN.match(text, cut, cut + TOKEN_RUN)
            back = before.end() if before else 0
            if back + (after.end() - cut if after else 0) >= TOKEN_RUN and back:
                cut, moved = cut - back, True
    head = _masked(window[:cut], [sp for sp in spans if sp[1] <= cut], blank)
    return head, cut


def redact_name(name: str | None) -> str | None:
    """:func:`redact_git` for an optional name from git (a branch, a ref, a remote URL)."""
    return redact_git(name) if name else name


SHOWN_INPUT_CHARS = 80


def shown_input(text: str, limit: int = SHOWN_INPUT_CHARS) -> str:
    """A name a person typed (a ``--base`` ref), as a message may quote it: control and format
    characters taken out (no terminal escapes, no bidirectional overrides), secrets masked
    (:func:`redact_git`: a token pasted by mistake), at most ``limit`` characters (``…`` after a
    cut), then quoted. Messages reach agents through MCP and hooks: the text is never echoed raw."""
    import unicodedata

    clean = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    shown = redact_git(clean)
    if len(shown) > limit:
        shown = shown[:limit - 1] + "…"
    return repr(shown)


# -- files in bundles: redacted, or left out whole ---------------------------------------------

WHOLE_SHARE = 0.5  # a file this share of whose non-blank lines hold a secret is left out whole
# A key body right after a PEM header (in a file, or in a string with "\n" escapes; an encrypted
# key's Proc-Type and DEK-Info headers between): code that only names the header has none.
_PEM_BODY = _rx(  # (possessive: each header, blank and quote read once, never re-split;
    # bounded: a header's text, and the steps to the body, as a key block has them)
    r"(?:\s++|\\n|[\"'+]|(?:Proc-Type|DEK-Info):[^\n\\]{0,120}+){0,40}+[A-Za-z0-9+/]{20,}")


class Scan(NamedTuple):
    """A file's secrets, on its lines as a bundle shows them (split at newlines only)."""

    findings: tuple[Finding, ...] = ()
    whole: str | None = None  # why the file is secret material as a whole (left out), or None

    def kinds(self, lines: set[int] | None = None) -> list[str]:
        """The kinds found (on ``lines`` only, when given), each once, in order of appearance."""
        return list(dict.fromkeys(f.kind for f in self.findings
                                  if lines is None or f.line in lines))


NO_SECRET = Scan()


def secret_as_a_whole(text: str, findings: list[Finding] | tuple[Finding, ...]) -> str | None:
    """Why ``text`` is secret material as a whole, or None (its secrets can be masked one by one).

    Two rules: it holds a private key block (a PEM ``BEGIN … PRIVATE KEY`` header with a key body
    after it, the key file's own form); or at least :data:`WHOLE_SHARE` of its non-blank lines
    hold a secret (a credentials file, a list of tokens: masked, nothing of it would be left)."""
    if not findings:
        return None
    for m in PEM_BEGIN.finditer(text):
        if _PEM_BODY.match(text, m.end()):
            line = text.count("\n", 0, m.start()) + 1
            return f"secret material as a whole: a private key block (line {line})"
    non_blank = max(1, sum(1 for line in text.split("\n") if line.strip()))
    holding = len({f.line for f in findings})
    if holding >= WHOLE_SHARE * non_blank:
        kinds = ", ".join(dict.fromkeys(f.kind for f in findings))
        return (f"secret material as a whole: {holding} of {non_blank} non-blank "
                f"line{'s' if non_blank != 1 else ''} {'hold' if holding != 1 else 'holds'} a "
                f"secret ({kinds})")
    return None


def scan_text(text: str, filename: str = "") -> Scan:
    """The secrets of a file's ``text`` (newlines normalised to ``\\n``), on its lines split at
    ``\\n`` only, as a bundle reads them: :func:`find_secrets` splits at every line boundary
    Python knows (form feeds, ``\\r``, ``\\u2028`` too), so its spans are moved to these lines
    by their offsets in the text, never applied to the wrong line."""
    found = find_secrets(text, filename)
    if not found:
        return NO_SECRET
    starts: list[int] = []  # of find_secrets' lines
    at = 0
    for piece in text.splitlines(keepends=True):
        starts.append(at)
        at += len(piece)
    newline_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    moved = []
    for f in found:
        start = starts[f.line - 1] + f.start
        number = bisect_right(newline_starts, start)
        base = newline_starts[number - 1]
        moved.append(Finding(number, start - base, starts[f.line - 1] + f.end - base, f.kind))
    findings = tuple(_merge(moved))
    return Scan(findings, secret_as_a_whole(text, findings))


def redact_lines(lines: list[str], findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    """``lines`` (split at ``\\n``, kept) with each finding's value replaced by
    ``[redacted: KIND]``: the same number of lines, the rest of each line as it was."""
    if not findings:
        return lines
    out = list(lines)
    for f in sorted(findings, key=lambda f: (f.line, f.start), reverse=True):
        if 0 < f.line <= len(out):
            line = out[f.line - 1]
            end = min(f.end, len(line.rstrip("\n")))
            out[f.line - 1] = line[:f.start] + f"[redacted: {f.kind}]" + line[end:]
    return out


def content_key(data: bytes) -> str:
    """The content hash the index keeps for a file
    (:func:`analyzers.indexing.filefacts.content_hash`),
    without hashlib's OpenSSL start-up on a query."""
    try:
        from _blake2 import blake2b  # hashlib's own implementation of it
    except ImportError:  # pragma: no cover - another Python
        from hashlib import blake2b
    return blake2b(data, digest_size=16).hexdigest()


def file_text(data: bytes) -> str:
    """A file's text as scanned: UTF-8 (undecodable bytes replaced), ``\\r\\n`` as ``\\n``."""
    return data.decode("utf-8", "replace").replace("\r\n", "\n")


def secret_file_reason(root: Path, path: str) -> str | None:
    """Why the file ``path`` is left out whole (by name, or secret material as a whole), or None:
    a file holding only a few secrets is shown redacted."""
    by_name = secret_by_name(path)
    if by_name:
        return by_name
    from analyzers.confine import read_bytes_inside

    data = read_bytes_inside(root, path)  # never through a symlink out of the workspace
    return scan_text(file_text(data), path).whole if data is not None else None


_VERSION_KEY = "scan_version"
# A cached scan. None: no secret; else [whole reason or None, [[line, start, end, kind], ...]].
_Cached = list[Any] | None


class ScanCache:
    """Secret scans by content hash, kept in ``.ctxsteward/secrets.json`` (no secret value in it:
    line numbers, spans and kinds only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, _Cached] = {}
        self.dirty = False
        try:
            loaded = json.loads(path.read_text("utf-8"))
            if isinstance(loaded, dict) and loaded.get(_VERSION_KEY) == SCAN_VERSION:
                self.data = {str(k): v for k, v in loaded.items()
                             if k != _VERSION_KEY and (v is None or isinstance(v, list))}
        except (OSError, ValueError):
            pass

    def _get(self, key: str) -> Scan | None:
        """The cached scan, or None when there is none (or it is malformed: scanned again)."""
        if key not in self.data:
            return None
        entry = self.data[key]
        if entry is None:
            return NO_SECRET
        try:
            whole, rows = entry
            findings = tuple(Finding(int(a), int(b), int(c), str(k)) for a, b, c, k in rows)
        except (TypeError, ValueError):
            return None
        if not findings or not (whole is None or isinstance(whole, str)):
            return None
        return Scan(findings, whole)

    def _put(self, key: str, scan: Scan) -> None:
        self.data[key] = None if not scan.findings else [
            scan.whole, [list(f) for f in scan.findings]]
        self.dirty = True

    def scan_text(self, key: str, text: str, filename: str) -> Scan:
        """The scan of ``text``, whose content hash is ``key`` (see :func:`content_key`)."""
        cached = self._get(key)
        if cached is not None:
            return cached
        scan = scan_text(text, filename)
        self._put(key, scan)
        return scan

    def scan_file(self, root: Path, path: str, content_hash: str) -> Scan:
        """The scan of the file ``path`` the index knows by ``content_hash``: answered from the
        cache when it holds that hash, else read now (and cached by what was read)."""
        cached = self._get(content_hash)
        if cached is not None:
            return cached
        from analyzers.confine import read_bytes_inside

        data = read_bytes_inside(root, path)
        if data is None:
            return NO_SECRET  # nothing to read: nothing is shown either
        return self.scan_text(content_key(data), file_text(data), path)

    def save(self) -> None:
        if not self.dirty:
            return
        from analyzers.fsutil import write_atomic

        try:
            write_atomic(self.path, json.dumps({_VERSION_KEY: SCAN_VERSION, **self.data},
                                               separators=(",", ":")))
        except OSError:
            pass


# -- free texts' redactions remembered (commit messages, subjects, reasons) --

REDACTIONS_FILE = "redactions.json"
MEMO_CHARS = 1 << 16  # a longer text is scanned each time (and not kept)
MEMO_ENTRIES = 5_000  # kept at most, the newest (a bundle meets ~30-60 commits' texts)
_memo: ContextVar[_TextMemo | None] = ContextVar("ctxsteward_redactions", default=None)


class _TextMemo:
    """What :func:`redact_git` answered for texts from git, by a hash of the text
    (and the file name it was read as), kept in ``.ctxsteward/redactions.json`` while
    :data:`SCAN_VERSION` stays: None for a text with no secret (the text itself is not kept),
    else the masked text (which holds no secret). A commit's message never changes, and a warm
    bundle shows mostly the same ones: a 16 KB squash-merge message took 26 ms to scan, and a
    process's first scan of git text compiles ~300 patterns (~0.1 s). (:func:`redact`'s texts,
    a ranking's reasons, differ from query to query: not kept.)"""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, str | None] = {}
        self.dirty = False
        try:
            loaded = json.loads(path.read_text("utf-8"))
            texts = loaded.get("texts") if isinstance(loaded, dict) else None
            if loaded.get(_VERSION_KEY) == SCAN_VERSION and isinstance(texts, dict):
                self.data = {str(k): v for k, v in texts.items()
                             if v is None or isinstance(v, str)}
        except (OSError, ValueError, AttributeError):
            pass

    def save(self) -> None:
        if not self.dirty or not self.path.parent.is_dir():
            return
        from analyzers.fsutil import write_atomic

        kept = dict(itertools.islice(reversed(self.data.items()), MEMO_ENTRIES))
        try:
            write_atomic(self.path, json.dumps(
                {_VERSION_KEY: SCAN_VERSION, "texts": dict(reversed(kept.items()))},
                separators=(",", ":")))
        except OSError:
            pass


def _remembered(kind: str, text: str, filename: str, scan: Callable[[str, str], str]) -> str:
    """``scan(text, filename)``, answered by the active memo when it holds the text."""
    memo = _memo.get()
    if memo is None or len(text) > MEMO_CHARS:
        return scan(text, filename)
    key = hashlib.blake2b(f"{kind}\0{filename}\0{text}".encode("utf-8", "surrogatepass"),
                          digest_size=16).hexdigest()
    if key in memo.data:
        shown = memo.data[key]
        return text if shown is None else shown
    shown = scan(text, filename)
    memo.data[key] = None if shown == text else shown
    memo.dirty = True
    return shown


def remembered(kind: str, key: str) -> str | None:
    """What :func:`remember` kept for (``kind``, ``key``) in the active memo, else None: a
    text made of git's text by redacting it (a commit's shown summary), kept as that was."""
    memo = _memo.get()
    return None if memo is None else memo.data.get(f"{kind}:{key}")


def remember(kind: str, key: str, shown: str) -> None:
    """Keep ``shown`` (a text already redacted: it is stored as given) for (``kind``, ``key``)
    in the active memo, if any (see :func:`remembered`)."""
    memo = _memo.get()
    if memo is not None and len(shown) <= MEMO_CHARS and memo.data.get(f"{kind}:{key}") != shown:
        memo.data[f"{kind}:{key}"] = shown
        memo.dirty = True


@contextmanager
def remembered_redactions(state: Path) -> Iterator[None]:
    """Within it, :func:`redact_git` remembers its answers (commit subjects and messages: a
    bundle's reasons and recent decisions meet the same ones again) in ``state`` (a
    workspace's ``.ctxsteward``; see :class:`_TextMemo`), saved on leaving.
    Nested uses share the outer one; each thread (context) has its own."""
    if _memo.get() is not None:
        yield
        return
    memo = _TextMemo(state / REDACTIONS_FILE)
    token = _memo.set(memo)
    try:
        yield
    finally:
        _memo.reset(token)
        memo.save()


# -- code and prose forms (round 7b) --

# A sequence of secrets under a secret's name, opened on its line: Go's ``[]string{``, Java's
# ``List.of(`` and ``{`` (``String[] tokens = {``), Kotlin's ``listOf(``, PHP's ``array(``, Ruby's
# ``%w[``, Rust's ``vec![``, a shell array (``TOKENS=(``), a bare ``[``, ``(`` or ``{``. Its
# literals, on its line and (the opening ending it) on the next lines, several on a line too.
_SEQ_CALL = (r"(?:[a-z_]\w{0,40}\.){0,3}(?:(?:mutable|immutable|array|hash|linked|sorted)?"
             r"(?:list|set|array|vec|seq|vector|tuple|frozenset|slice)(?:of)?|of|aslist)")
_SEQ_OPEN = _rx(
    rf"(?i)(?<![\w.-])[\"'$@:]?{_NAME}[\"']?(?:[ \t]*:[ \t]*[\w.<>\[\], ]{{1,40}}?)?[ \t]*"
    r"(?P<op>:=|=>|=|:)[ \t]*(?:new[ \t]+[\w.<>\[\], ]{1,60}?[ \t]*)?"
    rf"(?:(?P<w>%[wWiI][\[({{<])|\[\][\w.]{{0,40}}[ \t]*\{{|{_SEQ_CALL}(?:<[^<>\n]{{0,60}}>)?"
    r"[ \t]*!?[(\[{]|[\[({])(?:[ \t]*[\[{])?")
_SEQ_QUOTED = _rx(r"[ \t]*(?:[bru]{0,2})(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300}+)(?P=q)"
                  r"[ \t]*(?:,|(?=[\])}>])|$)")
_SEQ_BARE = _rx(r"[ \t]*(?P<q>)(?P<v>[^\s\"'`\[\](){}<>,;]{1,300}+)[ \t]*(?=[\s\])}>]|$)")
_SEQ_CLOSE = _rx(r"[ \t]*[\])}>]")
_SEQ_LINES = 64
# (a cheap look first: an opening after "=" or ":", as _SEQ_OPEN's)
_SEQ_GATE = _rx(rf"(?i)[=:][ \t]*(?:new[ \t]|%[wWiI]|\[\]|[\[({{]|{_SEQ_CALL}(?:<[^<>\n]{{0,60}}>)?"
                r"[ \t]*!?[\[({])")


def _seq_items(line: str, at: int, bare: bool) -> tuple[list[tuple[int, int]], bool]:
    """The literals (spans) of a sequence on ``line`` from ``at`` (``bare``: words apart by
    blanks, as ``%w[]`` and shell arrays write them), and whether the line ends inside it."""
    item_rx = _SEQ_BARE if bare else _SEQ_QUOTED
    out: list[tuple[int, int]] = []
    for _ in range(_FLOW_ITEMS):
        m = item_rx.match(line, at)
        if m is None or m.end() == at:
            break
        out.append((m.start("v"), m.end("v")))
        at = m.end()
    rest = line[at:].strip()
    return out, not rest or rest.startswith(("#", "//"))


def _seq_findings(lines: list[str], i: int) -> list[Finding]:
    """The literals of a sequence opened after a secret's name on line ``i`` (see
    ``_SEQ_OPEN``)."""
    line = lines[i]
    if not any(c in line for c in "[({") or _SEQ_GATE.search(line) is None:
        return []
    out: list[Finding] = []
    for m in _SEQ_OPEN.finditer(line):
        bare = m.group("w") is not None or (m.group("op") == "=" and line[m.end() - 1] == "("
                                            and line[m.end() - 2] == "=")
        name = m.group(0)
        items, open_ = _seq_items(line, m.end(), bare)
        spans = [(i, a, b) for a, b in items]
        for j in range(i + 1, min(len(lines), i + _SEQ_LINES) if open_ else i + 1):
            stripped = lines[j].strip()
            if not stripped or stripped.startswith(("#", "//")):
                continue  # (a blank or comment line inside the sequence)
            if _SEQ_CLOSE.match(lines[j]):
                break
            items, open_ = _seq_items(lines[j], 0, bare)
            spans += [(j, a, b) for a, b in items]
            if not (items and open_):
                break  # (its closing, or code: not a sequence of literals)
        out += [Finding(k + 1, a, b, "Secret Keyword") for k, a, b in spans
                if b - a >= 6 and _plausible(lines[k][a:b], "inline", name)]
    return out


# A pair in code: Scala's ``"password" -> "…"``, C#'s ``{ "api_key", "…" }``; a secret's name, a
# ``/* note */``, then ``=`` and its literal
_PAIR_ARROW = _rx(
    rf"(?i)(?:(?<![\w.-])(?P<a>[\"']){_NAME}(?P=a)[ \t]*->|\{{[ \t]*(?P<b>[\"']){_NAME}(?P=b)"
    r"[ \t]*,)[ \t]*(?P<q>[\"'])(?P<v>[^\"'\s]{6,300}+)(?P=q)")
_NOTE_ASSIGN = _rx(
    rf"(?i)(?<![\w/@.-]){_NAME}[\"'\]]{{0,2}}[ \t]*/\*(?:[^*\n]|\*(?!/)){{0,120}}+\*/[ \t]*"
    r"(?::=|=>|=|:)[ \t]*(?:[bruf]{1,2})?(?P<q>[\"'`])(?P<v>[^\"'`\s]{6,300}+)(?P=q)")
# A secret's name ending its line after ``=>``, ``->``, ``=`` or ``:``, its literal alone on the
# next one: any quote, a raw string (Rust's ``r#"…"#``, Python's ``r"…"``)
_NAME_OPENS = _rx(rf"(?i)(?<![\w/@.$-])[\"']?{_NAME}[\"'\]]{{0,2}}[ \t]*(?:=>|->|:=|=|:)[ \t]*$")
_NEXT_LITERAL = _rx(r"[ \t]*(?:r#{0,3}|[bruf]{1,2})?(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{6,300}+)"
                    r"(?P=q)#{0,3}[ \t]*[,;)\]}]*[ \t]*(?:(?:#|//).*)?$")


def _code_pair_findings(lines: list[str], i: int) -> list[Finding]:
    """The values of line ``i``'s code pairs (see ``_PAIR_ARROW``, ``_NOTE_ASSIGN``) and of a
    name ending it whose literal is alone on the next line (see ``_NAME_OPENS``)."""
    line = lines[i]
    out: list[Finding] = []
    if "->" in line or "{" in line:
        out += [Finding(i + 1, m.start("v"), m.end("v"), "Secret Pair")
                for m in _PAIR_ARROW.finditer(line) if _plausible(m.group("v"), "keyword",
                                                                  m.group(0))]
    if "*/" in line:
        out += [Finding(i + 1, m.start("v"), m.end("v"), "Secret Keyword")
                for m in _NOTE_ASSIGN.finditer(line) if _plausible(m.group("v"), "keyword",
                                                                   m.group(0))]
    head = _code_head(line)
    if i + 1 < len(lines) and head.endswith((">", "=", ":")):
        m = _NAME_OPENS.search(head[-_NAME_END_MAX:])
        v = _NEXT_LITERAL.match(lines[i + 1]) if m is not None else None
        if m is not None and v is not None and _plausible(v.group("v"), "keyword", m.group(0)):
            out.append(Finding(i + 2, v.start("v"), v.end("v"), "Secret Keyword"))
    return out


def _code_form_findings(lines: list[str], i: int) -> list[Finding]:
    """Line ``i``'s sequences of secrets and code pairs (see ``_seq_findings``,
    ``_code_pair_findings``)."""
    return _seq_findings(lines, i) + _code_pair_findings(lines, i)


# Prose: a reStructuredText literal after a secret's lead (``The token is ``…``.``); a login
# and its password (``login: admin / …``, ``user/password: admin / …``); an HTML definition
# list's term naming a secret and its definition (``<dt>API key</dt><dd>…</dd>``, over lines too)
_RST_LITERAL = _rx(_PROSE_LEAD + r"``(?P<v>[^\s`]{5,300}+)``")
_LOGIN_SRC = (
    r"(?:log-?in|sign-?in|account|user(?:name)?(?:[ \t]*/[ \t]*pass(?:word)?)?)"
    r"[*_]{0,2}:[*_]{0,2}[ \t]+[`\"']?[^\s/`\"']{1,64}+[`\"']?[ \t]*/[ \t]*[`\"']?"
    r"(?P<v>[^\s\"'`]{5,300}+)")
_LOGIN_PAIR = _rx(_LOGIN_SRC, re.IGNORECASE)  # (each starting a word: see _word_start)
_RST_SPAN = _rx(r"``[^\s`]{5,300}+``")  # (where an RST literal may be: the lead read back)
# (a secret's word, what it is for, a colon: ``The password for staging: `…```)
_FOR_SRC = (r"(?:pass(?:word|phrase)|api[ _-]?key|(?:access|auth|api)[ _-]?token"
                r"|secret)s?[ \t]+(?:for|of|on|in)[ \t]+(?:the[ \t]+)?[\w./-]{1,40}"
                r"(?:[ \t][\w./-]{1,40})?"
                r"[*_]{0,2}[ \t]*:[*_]{0,2}[ \t]+(?P<q>[`\"']?)(?P<v>[^\s`\"']{5,300}+)(?P=q)")
_FOR_WORDS = ("pass", "key", "secret")
_LOW_FORMS = (_rx(_FOR_SRC), _rx(_LOGIN_SRC))  # (on the text lower-cased; else ...)
_ANY_CASE_FORMS = (_rx(_FOR_SRC, re.IGNORECASE), _LOGIN_PAIR)
_DT_DD = _rx(r"(?i)<dt(?:\s[^<>]{0,200})?>[ \t]*(?:<[a-z]{1,8}>)?(?P<n>[^<>\n]{1,60}?)"
             r"(?:</[a-z]{1,8}>)?[ \t]*</dt>\s{0,200}<dd(?:\s[^<>]{0,200})?>[ \t\n]*"
             r"(?:<(?:code|kbd|tt|samp)>)?(?P<v>[^<>\s]{6,300}+)")


def _login_hint(text: str) -> bool:
    """Whether ``text`` may hold a login and its password (see ``_LOGIN_PAIR``)."""
    return " / " in text and _LOGIN_PAIR.search(text) is not None


def _word_start(text: str, at: int) -> bool:
    """Whether ``text`` has a word starting at ``at`` (no letter, digit, "_" or "-" before)."""
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] in "_-")


def _prose_form_findings(text: str, lines: list[str]) -> list[Finding]:
    """The values of ``text``'s RST literals, logins and HTML definitions of secrets (see
    ``_RST_LITERAL``)."""
    spans: list[tuple[int, int, str]] = []
    low = text.lower()  # (case-sensitive patterns on it: several times faster than (?i))
    same = len(low) == len(text)
    read, (for_lead, login) = (low, _LOW_FORMS) if same else (text, _ANY_CASE_FORMS)
    for c in _RST_SPAN.finditer(text) if "``" in text else ():
        m = _RST_LITERAL.search(text, max(text.rfind("\n", 0, c.start()) + 1, c.start() - 200),
                                c.end())
        if m is not None and m.start("v") == c.start() + 2 and _plausible(
                m.group("v"), "prose", m.group(0)):
            spans.append((m.start("v"), m.end("v"), "Secret In Prose"))
    if ": " in text and any(w in low for w in _FOR_WORDS):
        spans += [(m.start("v"), m.end("v"), "Secret In Prose")
                  for m in for_lead.finditer(read)
                  if _word_start(text, m.start())
                  and _plausible(text[m.start("v"):m.end("v")], "prose", m.group(0))]
    if " / " in text:
        spans += [(m.start("v"), m.end("v"), "Secret In Prose")
                  for m in login.finditer(read)
                  if _word_start(text, m.start())
                  and _plausible(text[m.start("v"):m.end("v")], "prose", "password")]
    if "<dd" in text or "<DD" in text:
        for m in _DT_DD.finditer(text):
            words = m.group("n").lower().replace("-", " ").replace("_", " ").split()
            if words and _DEF_WORDS.fullmatch(words[-1] if words[-1] != "key" or len(words) < 2
                                              else " ".join(words[-2:])) and _plausible(
                    m.group("v"), "prose", m.group("n")):
                spans.append((m.start("v"), m.end("v"), "Secret In Prose"))
    if not spans:
        return []
    starts = list(itertools.accumulate((len(line) + 1 for line in lines), initial=0))
    out = []
    for a, b, kind in spans:
        k = bisect_right(starts, a) - 1
        if 0 <= k < len(lines):
            out.append(Finding(k + 1, a - starts[k], min(b - starts[k], len(lines[k])), kind))
    return out


# Small capital letters read as their Latin letters (``ᴘᴀꜱꜱᴡᴏʀᴅ``: NFKC keeps them)
_SMALL_CAPS = "\u1d00\u0299\u1d04\u1d05\u1d07\ua730\u0262\u029c\u026a\u1d0a\u1d0b\u029f\u1d0d" \
    "\u0274\u1d0f\u1d18\ua7af\u0280\ua731\u1d1b\u1d1c\u1d20\u1d21\u028f\u1d22"
_SMALL_CAPS_LATIN = "abcdefghijklmnopqrstuvwyz"


# A word found as a value that starts a phrase running to its line's end (a translation file's
# ``  password_confirm: Confirmer le mot de passe``): text, when the phrase reads as text
_PHRASE_REST = _rx(r"(?:[ \t]+[^\W\d_][\w'\u2019-]*){1,12}[ \t]*[.!?:\u2026]?[ \t]*")


def _without_phrases(line: str, found: list[Finding]) -> list[Finding]:
    """``found`` without the values that are the first word of a phrase of text (see
    ``_PHRASE_REST``)."""
    if not found or " " not in line:
        return found
    out = []
    for f in found:
        v = line[f.start:f.end]
        word = v.rstrip(",;")  # (round 26: ``password: monthly, by the on-call engineer``)
        rest = f.end + (line[f.end:f.end + 1] in (",", ";"))
        if word.isalpha() and _PHRASE_REST.fullmatch(line, rest) is not None:
            phrase = line[f.start:].strip()
            if _phrase_is_text(phrase, phrase.split()):
                continue
        if word.isalpha() and word.lower() in _NOTE_WORDS and _NOTE_ARROW.fullmatch(
                line, f.end) is not None:
            continue  # (round 26: ``password: rotated -> see runbook``)
        out.append(f)
    return out


# a note's word then an arrow to words (``password: rotated -> see runbook``)
_NOTE_ARROW = _rx(r"[ \t]*(?:->|=>|\u2192)(?:[ \t]+[^\W\d_][\w'\u2019-]*){1,12}[ \t]*[.!?:]?[ \t]*")


# -- config-file forms (round 7a) --
# Configuration files read as their formats are (Java properties, INI, TOML, .env, Terraform,
# Kubernetes, kustomize, Helm values, YAML's quoted complex keys): the forms a line's patterns
# cannot see, a section naming the secret (``[api]`` then ``key = …``), a dotted name
# (``api.key: …``), a value continued on the next lines, a list of secrets over lines or
# separated by commas, a Secret nested in a list or written as JSON.

def _config_form_hint(text: str, filename: str) -> bool:
    """Whether a configuration file's text may hold a secret only its sections or dotted names
    name (``[api]`` then ``key = …``, ``api.key: …``): read on though no line names one."""
    return _cf_file(posixpath.basename(filename.lower())) and _CF_HINT.search(text) is not None


def _cf_file(base: str) -> bool:
    """Whether a file's name is a properties, INI, TOML or .env file's."""
    return base.endswith(_CF_SUFFIXES) or base.startswith(".env") or base in _CF_NAMES


def _config_form_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values of the configuration-file forms of round 7a found in ``text``."""
    name = filename.lower()
    base = posixpath.basename(name)
    out: list[Finding] = []
    if _cf_file(base):
        out += _cf_findings(lines, base)
    if name.endswith(".tf") and "variable" in text:
        out += _tf_more_findings(lines)
    if name.endswith(".json") and ('"Secret"' in text or '"variable"' in text
                                   or '"auths"' in text):
        out += _json_config_findings(text, lines)
    if not name.endswith((".yaml", ".yml")):
        return out
    if "Secret" in text and "kind" in text:
        out += _k8s_nested_findings(lines)
    if "literals" in text and "secretGenerator" in text:
        out += _kustomize_findings(lines)
    if _CF_CONTAINER_HINT.search(text) is not None:
        out += _secrets_map_findings(lines)
    if "? \"" in text or "? '" in text:
        out += _quoted_complex_findings(lines)
    return out


_CF_SUFFIXES = (".properties", ".ini", ".cfg", ".conf", ".cnf", ".toml", ".env", ".tfvars")
_CF_NAMES = frozenset({"credentials", "config", ".pypirc", ".npmrc", ".pgpass"})
_CF_SECTION = _rx(r"[ \t]*\[{1,2}[ \t]*(?P<s>[^\]\s]{1,160})[^\]]{0,160}\]{1,2}[ \t]*(?:[#;].*)?")
_CF_KEY = _rx(r"[ \t]*(?:export[ \t]+)?(?P<q>[\"']?)(?P<k>[\w.-]{1,160})(?P=q)[ \t]*[:=][ \t]*")
# A section or a key holding secrets whatever their names (``[credentials]``, ``secrets:``)
_CF_CONTAINER = _rx(r"(?i)(?:[\w-]{0,60}[._-])?(?:secrets|credentials|passwords|tokens"
                    r"|api[_-]?keys)")
_CF_CONTAINER_HINT = _rx(r"(?i)(?:secrets|credentials|passwords|tokens|api[_-]?keys)"
                         r"[\"']?:[ \t]*(?:#[^\n]*)?\n")
_CF_SEP = _rx(r"[_.-]+")
_CF_HINT = _rx(r"(?i)key|credential|secret|token|pass")
_CF_COMMENT = _rx(r"[ \t][#;]")
_CF_ITEM = _rx(r"[^,]+")
_CF_QUOTED = _rx(r"(?P<q>[\"'])(?P<v>[^\"'\s]{1,300}+)(?P=q)")
_CF_ARRAY_LINES = 64


def _cf_name(section: str, key: str) -> tuple[str, bool]:
    """The name a key's value goes by (its section's last word joined to it), and whether only
    that joined name says it is a secret (the line's own patterns read the key alone)."""
    own = _NAME_IN_WORD.search(key) is not None
    plain = _CF_SEP.sub("_", key)
    if own:
        return key, False
    if _NAME_IN_WORD.search(plain):
        return plain, True
    last = _CF_SEP.sub("_", section.rsplit(".", 1)[-1]) if section else ""
    if not last:
        return "", False
    if _CF_CONTAINER.fullmatch(last):
        return f"{last}_{plain}", True
    joined = f"{last}_{plain}"
    m = _NAME_IN_WORD.search(joined)
    return (joined, True) if m is not None and m.end() > len(last) + 1 else ("", False)


def _cf_findings(lines: list[str], base: str) -> list[Finding]:
    """Properties, INI, TOML and .env files: each key's value read with its section's name, its
    continuation lines, its array over lines and its comma-separated items."""
    out: list[Finding] = []
    section = ""
    props = base.endswith(".properties")
    for i, line in enumerate(lines):
        if props and i and lines[i - 1].rstrip().endswith("\\"):
            continue  # (a value's continuation line, read with its key's)
        s = _CF_SECTION.fullmatch(line) if line.lstrip().startswith("[") else None
        if s is not None:
            section = s.group("s").strip("\"'")
            continue
        k = _CF_KEY.match(line)
        if k is None or line.lstrip().startswith(("#", ";", "!")):
            continue
        name, derived = _cf_name(section, k.group("k"))
        if name:
            out += _cf_value(lines, i, k.end(), name, derived, props)
    return out


def _cf_value(lines: list[str], i: int, at: int, name: str, derived: bool,
              props: bool) -> list[Finding]:
    """The secret value after a key's operator (at ``at`` of line ``i``) in a config file."""
    line = lines[i]
    rest = line[at:]
    if not rest.strip():
        return []
    if rest[0] == "[":
        return _cf_array(lines, i, at + 1, name)
    if rest[0] in "\"'":
        q = _CF_QUOTED.match(line, at)
        if q is None or not derived or not _plausible(q.group("v"), "keyword", name):
            return []
        return [Finding(i + 1, q.start("v"), q.end("v"), "Secret Keyword")]
    if rest[0] in "{<":
        return []
    end = len(line.rstrip())
    if not props:
        c = _CF_COMMENT.search(rest)
        end = at + c.start() if c is not None else end
    value = line[at:end].rstrip()
    if props and value.endswith("\\"):
        return _cf_continued(lines, i, at, name)
    if "," in value and " " not in value:
        out = []
        for m in _CF_ITEM.finditer(value):  # (each a generated value's: no list of words)
            if _cf_list_item(m.group()) and _plausible(m.group(), "config", name):
                out.append(Finding(i + 1, at + m.start(), at + m.end(), "Secret Keyword"))
        return out
    if derived and _plausible(value, "config", name):
        return [Finding(i + 1, at, at + len(value), "Secret Keyword")]
    return []


def _cf_list_item(v: str) -> bool:
    """An item of a comma-separated list that looks generated: 8 characters or more, letters
    and digits (or letters of random case)."""
    return len(v) >= 8 and _has_alpha(v) and (_has_digit(v) or _random_case(v))


def _cf_continued(lines: list[str], i: int, at: int, name: str) -> list[Finding]:
    """A properties value continued with a trailing backslash: every piece, if the joined value
    is a secret's."""
    spans: list[tuple[int, int, int]] = []
    j, start, size = i, at, 0
    while j < len(lines) and j < i + _CF_ARRAY_LINES:
        piece = lines[j].rstrip()
        more = piece.endswith("\\") and not piece.endswith("\\\\")
        end = len(piece) - 1 if more else len(piece)
        if j > i:
            start = _indent(lines[j])
        if end > start:
            spans.append((j, start, end))
            size += end - start
        if size > VALUE_CAP:
            return []
        if not more:
            break
        j += 1
    value = "".join(lines[a][b:c] for a, b, c in spans)
    if not _plausible(value, "config", name):
        return []
    return [Finding(a + 1, b, c, "Secret Keyword") for a, b, c in spans]


def _cf_array(lines: list[str], i: int, at: int, name: str) -> list[Finding]:
    """The quoted items of an array after a secret's name, to its "]", over lines, past
    comments (``api_keys = [ # prod`` then ``"…", # staging``)."""
    out: list[Finding] = []
    j = i
    while j < len(lines) and j < i + _CF_ARRAY_LINES:
        line = lines[j]
        k = at if j == i else 0
        while k < len(line):
            c = line[k]
            if c == "#":
                break
            if c == "]":
                return out
            if c in "\"'":
                q = _CF_QUOTED.match(line, k)
                if q is None:
                    return out
                if _plausible(q.group("v"), "keyword", name):
                    out.append(Finding(j + 1, q.start("v"), q.end("v"), "Secret Keyword"))
                k = q.end()
                continue
            if c not in " \t,":
                return out
            k += 1
        j += 1
    return out


# Terraform: a secret variable's ``default`` as a heredoc (``<<EOT`` … ``EOT``) or a list
_TF_DEFAULT_OPEN = _rx(r"(?<![\w.-])default[ \t]*=[ \t]*(?:<<[-~]?(?P<h>[A-Za-z_]\w{0,40})|"
                       r"(?P<l>\[))")


def _tf_more_findings(lines: list[str]) -> list[Finding]:
    """The heredoc and list ``default`` values of Terraform variables named for a secret."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _TF_VARIABLE.match(line) if "variable" in line else None
        if m is None or not _NAME_IN_WORD.search(m.group("n")):
            continue
        for j in range(i, min(len(lines), i + _TF_BLOCK_LINES)):
            d = _TF_DEFAULT_OPEN.search(lines[j], m.end() if j == i else 0)
            if d is not None:
                out += (_cf_array(lines, j, d.end(), m.group("n")) if d.group("l") else
                        _tf_heredoc(lines, j, d.group("h"), m.group("n")))
                break
            if j > i and lines[j].startswith("}"):
                break
    return out


def _tf_heredoc(lines: list[str], i: int, tag: str, name: str) -> list[Finding]:
    """The lines of a heredoc opened on line ``i`` to its ``tag`` line, if they hold a secret."""
    spans, size = [], 0
    for j in range(i + 1, min(len(lines), i + 1 + _BLOCK_LINES)):
        body = lines[j].strip()
        if body == tag:
            break
        if body:
            spans.append((j, _indent(lines[j]), len(lines[j].rstrip())))
            size += len(body)
        if size > VALUE_CAP:
            return []  # (text, a script: no secret's value)
    value = "".join(lines[a][b:c] for a, b, c in spans)
    if not spans or not _plausible(value, "keyword", name):
        return []
    return [Finding(a + 1, b, c, "Secret Keyword") for a, b, c in spans]


_JSON_MAX = 2_000_000  # characters: a larger JSON file is data, not a manifest


def _json_config_findings(text: str, lines: list[str]) -> list[Finding]:
    """A JSON Kubernetes Secret's ``data``/``stringData`` values (in a List's items too) and a
    ``.tf.json`` secret variable's ``default``, found where they are written."""
    if len(text) > _JSON_MAX:
        return []
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # (a document nested thousands deep)
        return []
    values: set[str] = set()
    _json_secret_values(doc, values, 0)
    out: list[Finding] = []
    for value in values:
        quoted = json.dumps(value)
        for i, line in enumerate(lines):
            at = line.find(quoted)
            while at >= 0:
                out.append(Finding(i + 1, at + 1, at + len(quoted) - 1, "Secret Keyword"))
                at = line.find(quoted, at + len(quoted))
    return out


_DOCKER_AUTH_KEYS = frozenset({"auth", "password", "identitytoken", "registrytoken"})


def _json_secret_values(node: object, values: set[str], depth: int) -> None:
    """Collect into ``values`` the secrets of a parsed JSON document (see above)."""
    if depth > 40:
        return
    if isinstance(node, list):
        for item in node[:1000]:
            _json_secret_values(item, values, depth + 1)
        return
    if not isinstance(node, dict):
        return
    if node.get("kind") == "Secret":
        for part in ("data", "stringData"):
            data = node.get(part)
            if isinstance(data, dict):
                values.update(v for v in data.values() if isinstance(v, str) and v.strip()
                              and "{{" not in v and "${" not in v)
    auths = node.get("auths")  # (a Docker client's config.json: each registry's login)
    if isinstance(auths, dict):
        for login in auths.values():
            if isinstance(login, dict):
                values.update(v for k, v in login.items() if k in _DOCKER_AUTH_KEYS
                              and isinstance(v, str) and len(v) >= 4 and "{{" not in v)
    variables = _r8_variables(node.get("variable"))
    if isinstance(variables, dict):
        for name, body in variables.items():
            for spec in body if isinstance(body, list) else [body]:
                if isinstance(spec, dict) and _NAME_IN_WORD.search(name):
                    _json_strings(spec.get("default"), values, name)
    for child in node.values():
        if isinstance(child, (dict, list)):
            _json_secret_values(child, values, depth + 1)


def _json_strings(node: object, values: set[str], name: str) -> None:
    """The plausible secret strings of a JSON value (a string, a list's, a map's)."""
    if isinstance(node, str):
        if _plausible(node, "keyword", name):
            values.add(node)
    elif isinstance(node, list):
        for item in node[:100]:
            _json_strings(item, values, name)
    elif isinstance(node, dict):
        for key, item in list(node.items())[:100]:
            _json_strings(item, values, f"{name}_{key}" if _NAME_IN_WORD.search(key) else name)


# A Kubernetes Secret in YAML nested in a list (``kind: List`` items, a Helm chart's list) or
# with a flow mapping (``data: {password: …}``): its mapping's ``data``/``stringData`` values
_K8S_NESTED_KIND = _rx(r"(?P<i>[ \t]*(?:-[ \t]+)*)kind:[ \t]*[\"']?Secret[\"']?[ \t]*(?:#.*)?")
_K8S_DATA_KEY = _rx(r"(?P<i>[ \t]*(?:-[ \t]+)*)(?:data|stringData):[ \t]*(?P<f>\{.*)?")
_FLOW_PAIR = _rx(r"[{,][ \t]*[\"']?[\w.-]{1,253}[\"']?[ \t]*:[ \t]*(?P<q>[\"']?)"
                 r"(?P<v>[^\s,{}\"']{1,300}+)(?P=q)[ \t]*(?=[,}])")
_K8S_MAPPING_LINES = 400


def _k8s_nested_findings(lines: list[str]) -> list[Finding]:
    """The values of Kubernetes Secrets at any depth (see ``_K8S_NESTED_KIND``)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _K8S_NESTED_KIND.fullmatch(line) if "Secret" in line else None
        if m is None:
            continue
        column = len(m.group("i"))
        first = i if "-" in m.group("i") else _k8s_mapping_start(lines, i, column)
        out += _k8s_mapping(lines, first, column)
    return out


def _k8s_mapping_start(lines: list[str], i: int, column: int) -> int:
    """The first line of the mapping at ``column`` holding line ``i`` (its item's ``- `` line)."""
    first = i
    for j in range(i - 1, max(-1, i - _K8S_MAPPING_LINES), -1):
        body = lines[j].strip()
        if body.startswith(("---", "...")):
            break
        if not body or body.startswith("#"):
            continue
        if _indent(lines[j]) >= column:
            first = j
            continue
        item = _YAML_ITEM.match(lines[j])
        if item is not None and len(item.group()) == column:
            first = j
        break
    return first


def _k8s_mapping(lines: list[str], first: int, column: int) -> list[Finding]:
    """The data values of the mapping at ``column`` starting on line ``first``."""
    out: list[Finding] = []
    for j in range(first, min(len(lines), first + _K8S_MAPPING_LINES)):
        line = lines[j]
        body = line.strip()
        if body.startswith(("---", "...")) and j > first:
            break
        if not body or body.startswith("#"):
            continue
        if j > first and _indent(line) < column:
            break
        d = _K8S_DATA_KEY.fullmatch(line)
        if d is None or len(d.group("i")) != column:
            continue
        if d.group("f"):
            out += [Finding(j + 1, p.start("v"), p.end("v"), "Kubernetes Secret")
                    for p in _FLOW_PAIR.finditer(line, d.start("f"))
                    if "{{" not in p.group("v") and "${" not in p.group("v")]
        else:
            out += _k8s_children(lines, j, column)
    return out


def _k8s_children(lines: list[str], i: int, column: int,
                  most: int = _K8S_MAPPING_LINES) -> list[Finding]:
    """The values under a ``data:`` key at ``column`` on line ``i`` (block scalars' lines too),
    within ``most`` lines of it."""
    out: list[Finding] = []
    child, block = -1, -1
    for j in range(i + 1, min(len(lines), i + 1 + most)):
        line = lines[j]
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        indent = _indent(line)
        if indent <= column:
            break
        if block >= 0 and indent > block:
            out.append(Finding(j + 1, indent, len(line.rstrip()), "Kubernetes Secret"))
            continue
        child = indent if child < 0 else child
        block = -1
        if indent != child:
            continue
        if _K8S_BLOCK.fullmatch(line, indent):
            block = indent
            continue
        m = _K8S_ITEM.fullmatch(line, indent)
        if m is not None and "{{" not in m.group("v") and "${" not in m.group("v"):
            out.append(Finding(j + 1, m.start("v"), m.end("v"), "Kubernetes Secret"))
    return out


# kustomize's ``secretGenerator:``: its ``literals:`` items (``- conn=…``), whatever their names
_KUSTOMIZE_LITERAL = _rx(r"[ \t]*-[ \t]+(?P<q>[\"']?)(?P<k>[\w.-]{1,253})=(?P<v>[^\s\"']{1,300})"
                         r"(?P=q)[ \t]*(?:#.*)?")
_KUSTOMIZE_KEY = _rx(r"(?P<i>[ \t]*(?:-[ \t]+)?)literals:[ \t]*(?:#.*)?")


def _kustomize_findings(lines: list[str]) -> list[Finding]:
    """The values of a kustomize secret generator's literals."""
    out: list[Finding] = []
    inside = -1
    for i, line in enumerate(lines):
        if line.startswith("secretGenerator:"):
            inside = 0
            continue
        if line[:1].isalpha():
            inside = -1
        if inside < 0:
            continue
        k = _KUSTOMIZE_KEY.fullmatch(line) if "literals" in line else None
        if k is None:
            continue
        for j in range(i + 1, min(len(lines), i + 1 + _K8S_MAPPING_LINES)):
            item = _KUSTOMIZE_LITERAL.fullmatch(lines[j])
            if item is None:
                if lines[j].strip() and not lines[j].lstrip().startswith("#"):
                    break
                continue
            v = item.group("v")
            if _plausible(v, "config", f"secret_{item.group('k')}"):
                out.append(Finding(j + 1, item.start("v"), item.end("v"), "Secret Keyword"))
    return out


# A YAML mapping of secrets (Helm values' ``secrets:``, ``credentials:``): its children's values
_YAML_CONTAINER = _rx(r"(?P<i>[ \t]*)(?:-[ \t]+)?(?P<q>[\"']?)(?P<k>[\w.-]{0,100})(?P=q):"
                      r"[ \t]*(?:#.*)?")
_YAML_CHILD = _rx(r"(?P<q0>[\"']?)(?P<k>[\w.-]{1,253})(?P=q0):[ \t]+(?P<q>[\"']?)"
                  r"(?P<v>[^\s\"'#][^\s\"']{0,300})(?P=q)[ \t]*(?:#.*)?")


def _secrets_map_findings(lines: list[str]) -> list[Finding]:
    """The plain values of a mapping under a key named for secrets (``secrets:`` then
    ``apiKey: …``, ``stripe: …``, at any depth), judged as a secret's (named by the key and the
    child)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _YAML_CONTAINER.fullmatch(line) if ":" in line else None
        if m is None or not _CF_CONTAINER.fullmatch(m.group("k")):
            continue
        column = _indent(line)
        for j in range(i + 1, min(len(lines), i + 1 + _K8S_MAPPING_LINES)):
            body = lines[j].strip()
            if not body or body.startswith("#"):
                continue
            indent = _indent(lines[j])
            if indent <= column:
                break
            c = _YAML_CHILD.fullmatch(lines[j], indent)  # (a child's, a grandchild's: stripe.live)
            if c is not None and _plausible(c.group("v"), "config",
                                            f"{m.group('k')}_{c.group('k')}"):
                out.append(Finding(j + 1, c.start("v"), c.end("v"), "Secret Keyword"))
    return out


# YAML's complex key quoted (``? "password"`` then ``: …``)
_QUOTED_COMPLEX = _rx(r"(?P<i>[ \t]*)\?[ \t]+(?P<q>[\"'])(?P<n>[\w .-]{1,160})(?P=q)[ \t]*")


def _quoted_complex_findings(lines: list[str]) -> list[Finding]:
    """The values of quoted complex keys named for a secret (see ``_QUOTED_COMPLEX``)."""
    out: list[Finding] = []
    for i in range(len(lines) - 1):
        n = _QUOTED_COMPLEX.fullmatch(lines[i]) if "?" in lines[i] else None
        v = _DEF_VALUE.fullmatch(lines[i + 1]) if n is not None else None
        if n is None or v is None or len(v.group("i")) != len(n.group("i")):
            continue
        name = _CF_SEP.sub("_", n.group("n").replace(" ", "_"))
        if _NAME_IN_WORD.search(name) and _plausible(v.group("v"), "config", name):
            out.append(Finding(i + 2, v.start("v"), v.end("v"), "Secret Keyword"))
    return out


# -- round 8 forms --
# Java properties' blank separator (``db.password V``); Rust raw strings (``r#"V"#``); TOML's
# triple-quoted strings; an INI/TOML/properties block fenced in a document; and what is no
# secret: a translation's label (``password: Contraseña`` in ``locales/es.yml``), a Spring
# placeholder's default word (``${API_KEY:changeme}``).

_R8_PROP_BLANK = _rx(r"[ \t]*(?P<k>[\w.-]{1,160})[ \t]+(?P<v>[^\s=:\\]{1,300})[ \t]*")
_R8_RAW = _rx(r"(?i)(?P<n>[\w.]{0,160})(?::[^=]{0,80})?[ \t]*=[ \t]*(?:\n[ \t]*)?"
              r"r(?P<h>#+)\"(?P<v>[^\"\s]{1,300})\"(?P=h)")
_R8_TRIPLE = _rx(r"(?P<q>\"\"\"|\'\'\')\s*(?:\\[ \t]*\r?\n\s*)?(?P<v>[^\s\"']{1,300})\s*(?P=q)")
_R8_FENCE = _rx(r"[ \t]*(?P<f>```|~~~)[ \t]*(?P<i>[\w.+-]*)[^\n]*")
_R8_FENCE_KINDS = {"ini": "a.ini", "cfg": "a.cfg", "conf": "a.conf", "toml": "a.toml",
                   "properties": "a.properties", "dosini": "a.ini", "editorconfig": "a.ini"}


def _round8_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values of the round-8 forms (see above) found in ``text``."""
    name = filename.lower()
    out: list[Finding] = []
    if name.endswith(".properties"):
        out += _r8_properties_blank(lines)
    if name.endswith(".rs") and "r#" in text:
        out += _r8_spans(text, _R8_RAW, lambda m: m.group("n"))
    if name.endswith(".toml") and ('"""' in text or "'''" in text):
        out += _r8_triple(text, lines)
    if name.endswith(DOC_SUFFIXES) and ("```" in text or "~~~" in text):
        out += _r8_fenced(lines)
    if name.endswith((".yaml", ".yml")) and "{" in text:
        out += _r8_flow_maps(lines)
    if name.endswith((".yaml", ".yml")) and "literals" in text and "secretGenerator" in text:
        out += _r8_literal_lists(lines)
    if name.endswith(".go") and "string{" in text:
        out += _r8_go_literals(lines)
    return out


# A YAML flow map under a key holding secrets (``secrets: {conn: V}``); kustomize's literals as a
# flow list (``literals: ["conn=V"]``); Go's composite literal of strings under a secret's name
# (``tokens = [...]string{"V"}``, ``secrets = map[string]string{"stripe": "V"}``)
_R8_FLOW_MAP = _rx(r"[ \t]*(?:-[ \t]+)?[\"']?(?P<k>[\w.-]{1,100})[\"']?:[ \t]*"
                   r"\{(?P<b>[^{}\n]{0,4000})\}")
_R8_FLOW_PAIR = _rx(r"[\"']?(?P<k>[\w.-]{1,160})[\"']?[ \t]*:[ \t]*(?P<q>[\"']?)"
                    r"(?P<v>[^\s,\"'{}]{1,300})(?P=q)")
_R8_LITERALS = _rx(r"[ \t]*(?:-[ \t]+)?literals:[ \t]*\[(?P<b>[^\[\]\n]{0,4000})\]")
_R8_LITERAL_ITEM = _rx(r"(?P<q>[\"']?)(?P<k>[\w.-]{1,253})=(?P<v>[^\s\"',\]]{1,300})(?P=q)")
_R8_GO_LITERAL = _rx(r"(?P<n>\w{1,160})[ \t]*:?=[ \t]*(?:\[[^\]\n]{0,20}\]|map\[string\])"
                     r"string\{(?P<b>[^{}\n]{0,4000})\}")
_R8_GO_ITEM = _rx(r"(?:\"[^\"\n]{0,160}\"[ \t]*:[ \t]*)?(?P<q>[\"`])(?P<v>[^\"`\s]{1,300})"
                  r"(?P=q)")
_R8_CAMEL = _rx(r"(?<=[a-z0-9])(?=[A-Z])")


def _r8_items(number: int, m: re.Match[str], item: re.Pattern[str], name: str,
              child: bool = True) -> list[Finding]:
    """The ``v`` of each ``item`` in ``m``'s ``b`` group judged as a secret's named ``name``
    (and the item's ``k`` when ``child``)."""
    at = m.start("b")
    return [Finding(number, at + i.start("v"), at + i.end("v"), "Secret Keyword")
            for i in item.finditer(m.group("b"))
            if _plausible(i.group("v"), "config", f"{name}_{i.group('k')}" if child else name)]


def _r8_flow_maps(lines: list[str]) -> list[Finding]:
    """The values of a YAML flow map under a key holding secrets (``secrets: {conn: V}``)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _R8_FLOW_MAP.match(line) if "{" in line else None
        if m is not None and _CF_CONTAINER.fullmatch(_R8_CAMEL.sub("_", m.group("k"))):
            out += _r8_items(i + 1, m, _R8_FLOW_PAIR, m.group("k"))
    return out


def _r8_literal_lists(lines: list[str]) -> list[Finding]:
    """kustomize's ``literals: ["conn=V", …]`` (a secretGenerator's, as a flow list)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _R8_LITERALS.match(line) if "literals" in line else None
        if m is not None:
            out += _r8_items(i + 1, m, _R8_LITERAL_ITEM, "secret")
    return out


def _r8_go_literals(lines: list[str]) -> list[Finding]:
    """The strings of a Go composite literal named for secrets (``tokens = []string{"V"}``)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _R8_GO_LITERAL.search(line) if "string{" in line else None
        if m is not None and (_NAME_IN_WORD.search(m.group("n"))
                              or _CF_CONTAINER.fullmatch(m.group("n"))):
            out += _r8_items(i + 1, m, _R8_GO_ITEM, m.group("n"), child=False)
    return out


def _r8_properties_blank(lines: list[str]) -> list[Finding]:
    """A properties file's ``key value`` (a blank the separator) named for a secret."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _R8_PROP_BLANK.fullmatch(line)
        key = m.group("k").replace(".", "_") if m is not None else ""
        if m is not None and _NAME_IN_WORD.search(key) and _plausible(m.group("v"), "config", key):
            out.append(Finding(i + 1, m.start("v"), m.end("v"), "Secret Keyword"))
    return out


def _r8_spans(text: str, rule: re.Pattern[str], name_of: Callable[[re.Match[str]], str]
              ) -> list[Finding]:
    """The ``v`` groups of ``rule`` in ``text`` whose name (``name_of``) is a secret's."""
    out: list[Finding] = []
    line, at = 0, 0  # (the line and its start of the last value found: counted on from there)
    for m in rule.finditer(text):
        n = name_of(m)
        if _NAME_IN_WORD.search(n) and _plausible(m.group("v"), "config", n):
            start = text.rfind("\n", at, m.start("v")) + 1
            if start:
                line += text.count("\n", at, start)
                at = start
            out.append(Finding(line + 1, m.start("v") - at, m.end("v") - at, "Secret Keyword"))
    return out


def _r8_triple(text: str, lines: list[str]) -> list[Finding]:
    """TOML's triple-quoted values under a key or section named for a secret."""
    heads = [(m.start(), m.group(1)) for m in _R8_SECTION.finditer(text)]
    starts = [at for at, _ in heads]

    def name_of(m: re.Match[str]) -> str:
        key = text[text.rfind("\n", 0, m.start()) + 1:m.start()]
        k = bisect.bisect_left(starts, m.start())
        section = heads[k - 1][1] if k else ""
        return f"{section}_{key.split('=')[0].strip()}" if "=" in key else section
    return _r8_spans(text, _R8_TRIPLE, name_of)


_R8_SECTION = _rx(r"(?m)^[ \t]*\[+([^\]\n]{1,160})\]")


def _r8_fenced(lines: list[str]) -> list[Finding]:
    """The secrets of a document's fenced INI, TOML or properties block, read as that file's."""
    out: list[Finding] = []
    i = 0
    while i < len(lines):
        m = _R8_FENCE.fullmatch(lines[i])
        if m is None:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines))
                    if lines[j].strip().startswith(m.group("f"))), len(lines))
        body = lines[i + 1:end]
        kind = _R8_FENCE_KINDS.get(m.group("i").lower())
        if kind is None and any(_CF_SECTION.fullmatch(b) for b in body[:3]):
            kind = "a.ini"
        if kind is not None and body:
            out += [f._replace(line=f.line + i + 1)
                    for f in find_secrets("\n".join(body) + "\n", kind)]
        i = end + 1
    return out


_R8_LOCALE_PATH = _rx(r"(?i)(?:^|/)(?:locales?|i18n|l10n|lang|langs|languages|translations?)/"
                      r"|(?:^|/)messages_[a-z]{2}(?:_[a-z]{2})?\.properties$|\.po$")
_R8_LABEL = _rx(r"[\"']?[^\W\d_]+(?:[ '\u2019-][^\W\d_]+)*[\"']?[,;]?")
_R8_PLACEHOLDER_DEFAULT = _rx(r"\$\{[\w.-]{1,160}:(?P<d>[^}\s]{0,300})\}")


def _round8_kept(found: list[Finding], lines: list[str], filename: str) -> list[Finding]:
    """``found`` without a translation's label (a word of letters in a locale file) and with a
    ``${VAR:default}``'s closing brace kept (the default a placeholder word: all of it)."""
    locale = _R8_LOCALE_PATH.search(filename.replace("\\", "/")) is not None
    out: list[Finding] = []
    placeholders = {n for n in {f.line for f in found} if n <= len(lines) and "${" in lines[n - 1]}
    for f in found:  # (each line tested once: thousands of values on one line were quadratic)
        line = lines[f.line - 1] if f.line <= len(lines) else ""
        if locale and _R8_LABEL.fullmatch(line[f.start:f.end]):
            continue
        kept = _r8_placeholder_default(f, line) if f.line in placeholders else f
        if kept is not None:
            out.append(kept)
    return out


def _r8_placeholder_default(f: Finding, line: str) -> Finding | None:
    """``f`` on a ``${VAR:default}``: none when the default is a placeholder word, else the
    default alone (never the ``}``)."""
    for m in _R8_PLACEHOLDER_DEFAULT.finditer(line):
        if m.start("d") <= f.start < m.end():
            d = m.group("d")
            if not d or not _plausible(d, "config", "password"):
                return None
            return f._replace(start=m.start("d"), end=m.end("d"))
    return f


def _r8_variables(variables: object) -> object:
    """A ``.tf.json``'s ``variable`` block as a map: a list of maps (``"variable": [{"apiKey":
    {…}}]``, as Terraform allows) merged into one."""
    if not isinstance(variables, list):
        return variables
    return {k: v for item in variables[:1000] if isinstance(item, dict) for k, v in item.items()}


# -- round 9 forms --
# Java's ``System.setProperty("db.password", "V")``; SQL's ``IDENTIFIED BY V``; fish's ``set -x
# API_KEY V``; a keyed array's item over lines (PHP's ``'password'`` then ``=> 'V'``); Lua's long
# strings (``password = [[V]]``); ``Object.freeze([…])`` and Rust's ``concat!(…)`` assigned to a
# secret's name; a YAML complex key in a block (``? |`` then the name, ``: V``); a document's
# indented code block after ``password:``; comments before ``=`` (see ``_r9_own``). Kept: a
# PascalCase identifier in a configuration form where no password is named (``[api]`` then
# ``key = "UserAgentHeader"``, ``secrets: {store: VaultStore}``).

_R9_SET_PROPERTY = _rx(r"setProperty\(\s*\"(?P<n>[\w.-]{1,160})\"\s*,\s*\"(?P<v>[^\"\s]{1,300})\"")
_R9_IDENTIFIED = _rx(r"(?i)\b(?:user|role|login)\b[^;]{0,200}?\bidentified\s{1,20}"
                     r"(?:with[ \t]+\w{1,60}[ \t]+)?by\s{1,20}"
                     r"(?:(?:/\*[^*\n]{0,200}\*/|(?:--|#)[^\n]{0,200}\n"
                     r"|--[^\n\"'`]{0,200}?[ \t](?=[\"'`]))\s{0,20})?"  # (round 12: one line)
                     r"(?:(?:password|values)[ \t]+)?(?!values\s)(?P<q>[\"'`]?)"
                     r"(?P<v>[^\s\"'`;:$?@{%][^\s\"'`;]{0,300})"
                     r"(?P=q)")
_R9_FISH_SET = _rx(r"(?m)^[ \t]*set[ \t]+(?P<f>(?:-[a-zA-Z]{1,4}[ \t]+|--[a-z]{1,20}[ \t]+){0,4})"
                   r"(?P<n>\w{1,160})[ \t]+(?P<q>[\"']?)(?P<v>[^\s\"'$;()]{1,300})(?P=q)[ \t]*"
                   r"(?=;|#|$)")
_R9_ARROW = _rx(r"(?P<a>[\"'])(?P<n>[\w.-]{1,160})(?P=a)[ \t]*\n\s{0,200}=>[ \t]*(?P<q>[\"'])"
                r"(?P<v>[^\"'\s]{1,300})(?P=q)")
_R9_LONG_STRING = _rx(r"(?:(?<![\w.])(?P<n>[\w.]{1,160})|\[(?P<a>[\"'])(?P<k>[\w.-]{1,160})"
                      r"(?P=a)\])[ \t]*=[ \t]*\[(?P<e>=*)\[(?:\r?\n)?(?P<v>[^\]\s]{1,300})\s{0,20}"
                      r"\](?P=e)\]")
_R9_FREEZE = _rx(r"(?<![\w$])(?P<n>[\w$]{1,160})[ \t]*=[ \t]*Object\.freeze\(\s*[\[{]"
                 r"(?P<b>[^\[\]{}\n]{0,4000})[\]}]")
_R9_QUOTED_ITEM = _rx(r"(?P<q>[\"'`])(?P<v>[^\"'`\s]{1,300})(?P=q)")
_R9_PAIR = _rx(r"(?P<a>[\"']?)(?P<k>[\w$.-]{1,160})(?P=a)[ \t]*:[ \t]*(?P<q>[\"'`])"
               r"(?P<v>[^\"'`\s]{1,300})(?P=q)")
_R9_CONCAT = _rx(r"(?<!\w)(?P<n>\w{1,160})(?:[ \t]*:(?:[^=:\n]|::){0,80})?[ \t]*=[ \t]*concat!\("
                 r"(?P<b>[^()\n]{0,4000})\)")
_R9_CONTINUED = _rx(r"[ \t]*(?P<n>[\w.]{1,160})[ \t]*(?::[^=\n]{0,80})?=[ \t]*\\[ \t]*")
_R9_PIECES = _rx(r"[ \t]*(?:(?i:[bruf]{0,2})(?P<q>[\"'])[^\"'\\\n]{0,300}(?P=q)[ \t]*){1,20}"
                 r"(?P<c>\\?)[ \t]*(?P<e>[;,)]?)[ \t]*(?:(?:#|//).{0,300})?")
_R9_PIECE = _rx(r"(?P<q>[\"'])(?P<v>[^\"'\\\n]{0,300})(?P=q)")
_R9_CONTINUED_LINES = 20
_R9_STRING = _rx(r"\"(?P<v>[^\"\\\n]{0,300})\"")
_R9_BLOCK_KEY = _rx(r"(?P<i>[ \t]*)\?[ \t]+[|>][1-9+-]{0,2}[ \t]*")
_R9_PROSE_COLON = _rx(r"(?i).{0,200}\b(?P<n>pass(?:word|wd|phrase)|secret(?:[ _-]?key)?"
                      r"|api[ _-]?(?:key|token)|access[ _-]?token|pwd)s?[*_]{0,2}:[*_]{0,2}[ \t]*")
_R9_INDENTED = _rx(r"(?: {4,}|\t)(?P<v>\S{1,300})[ \t]*")
_R9_PASCAL = _rx(r"[A-Z][a-z]{2,20}(?:[A-Z][a-z]{2,20}){1,5}")
_R9_PASSWORD = _rx(r"(?i)pass|pwd")
_R9_BLOCK_COMMENT = _rx(r"/\*(?:[^*\n]|\*(?!/)){0,200}+\*/")


def _r9_own(number: int, line: str, config: bool) -> list[Finding]:
    """Our own patterns' values on ``line``, and on it with its ``/* */`` comments blanked
    (``password /*a*/ /*b*/ = "V"``: a comment between a name and its operator)."""
    found = _own_findings(number, line, config)
    if "*/" in line:
        blank = _R9_BLOCK_COMMENT.sub(lambda m: " " * len(m.group()), line)
        if blank != line:
            found += _own_findings(number, blank, config)
    return found


def _r9_dotted(m: re.Match[str]) -> str:
    return m.group("n").replace(".", "_")


# SQL files: there ``identified by V`` in small letters is a statement too (elsewhere, written
# so, it is prose unless its value is quoted: "user/role identified by glob pattern")
_SQL_SUFFIXES = (".sql", ".psql", ".pgsql", ".mysql", ".ddl")


def _round9_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values of the round-9 forms (see above) found in ``text``."""
    name = filename.lower()
    out: list[Finding] = []
    if "setProperty" in text:
        out += _r8_spans(text, _R9_SET_PROPERTY, _r9_dotted)
    if "dentified" in text or "DENTIFIED" in text:  # (prose's "identified by name": no value)
        sql = name.endswith(_SQL_SUFFIXES)
        out += _r8_spans(text, _R9_IDENTIFIED, lambda m: "password" if sql or m.group("q")
                         or "IDENTIFIED" in m.group(0) else "")
    if "set " in text:
        fish = name.endswith(".fish")
        out += _r8_spans(text, _R9_FISH_SET, lambda m: m.group("n") if fish or m.group("f")
                         else "")
    if "\n" in text and "=>" in text:
        out += _r8_spans(text, _R9_ARROW, _r9_dotted)
    if "[[" in text or "[=" in text:
        out += _r8_spans(text, _R9_LONG_STRING, _r10_lua_name)
    if "Object.freeze" in text or "concat!" in text:
        out += _r9_literals(lines)
    if "?" in text:
        out += _r9_block_keys(lines)
    if "\\\n" in text or "\\\r\n" in text:
        out += _r9_continued(lines)
    if name.endswith(DOC_SUFFIXES):
        out += _r9_indented(lines)
    return (out + _round10_findings(text, lines) + _round11_findings(text, lines, filename)
            + _round13_findings(text, lines, filename) + _round15_findings(text, lines)
            + _r16_formats(lines))


def _r9_literals(lines: list[str]) -> list[Finding]:
    """The strings of ``Object.freeze([…])``/``({…})`` assigned to a secret's name, and the pieces
    of Rust's ``concat!(…)`` (judged joined)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _R9_FREEZE.search(line) if "Object.freeze" in line else None
        if m is not None and (_NAME_IN_WORD.search(m.group("n"))
                              or _CF_CONTAINER.fullmatch(m.group("n"))):
            out += [f for f in _r8_items(i + 1, m, _R9_QUOTED_ITEM, m.group("n"), child=False)
                    if _token_value(line[f.start:f.end], "")  # (not "access", "refresh")
                    or _R9_PASSWORD.search(m.group("n"))]
            out += _r8_items(i + 1, m, _R9_PAIR, m.group("n"))
        c = _R9_CONCAT.search(line) if "concat!" in line else None
        if c is None or not _NAME_IN_WORD.search(c.group("n")):
            continue
        pieces = list(_R9_STRING.finditer(c.group("b")))
        if _r10_joined("".join(p.group("v") for p in pieces), c.group("n")):  # (not prose's)
            out += [Finding(i + 1, c.start("b") + p.start("v"), c.start("b") + p.end("v"),
                            "Secret Keyword") for p in pieces if p.group("v")]
    return out


def _r9_continued(lines: list[str]) -> list[Finding]:
    """The literals after a Python backslash continuation (``PASSWORD = \\`` then ``"V"``, or
    pieces ``"V1" \\`` ``"V2"`` over lines), judged joined, under a secret's name."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        m = _R9_CONTINUED.fullmatch(line) if line.endswith("\\") else None
        if m is None or not _NAME_IN_WORD.search(m.group("n")):
            continue
        out += _joined_pieces(lines, _continued_pieces(lines, i, []), m.group("n"))
    return out


def _continued_pieces(lines: list[str], i: int, spans: list[tuple[int, int, int]]
                      ) -> list[tuple[int, int, int]]:
    """``spans`` and the literals (line, start, end) of the lines continuing line ``i`` with a
    backslash (``"V1" \\`` then ``"V2"``)."""
    for j in range(i + 1, min(len(lines), i + 1 + _R9_CONTINUED_LINES)):
        p = _R9_PIECES.fullmatch(lines[j])
        if p is None:
            break
        spans += [(j, q.start("v"), q.end("v")) for q in _R9_PIECE.finditer(lines[j])]
        if not p.group("c"):
            break
    return spans


def _joined_pieces(lines: list[str], spans: list[tuple[int, int, int]], name: str
                   ) -> list[Finding]:
    """The literals ``spans`` (line, start, end) when, joined, they are a secret's value under
    ``name`` (see :func:`_r10_joined`)."""
    joined = "".join(lines[j][a:b] for j, a, b in spans)
    if not _r10_joined(joined, name):
        return []
    return [Finding(j + 1, a, b, "Secret Keyword") for j, a, b in spans if b > a]


def _r9_block_keys(lines: list[str]) -> list[Finding]:
    """The value of a YAML complex key written as a block (``? |`` then the key's lines, then
    ``: V`` at the ``?``'s indent) whose text names a secret."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        k = _R9_BLOCK_KEY.fullmatch(line) if "?" in line else None
        if k is None:
            continue
        column = len(k.group("i"))
        words: list[str] = []
        for j in range(i + 1, min(len(lines), i + 1 + _K8S_MAPPING_LINES)):
            v = _DEF_VALUE.fullmatch(lines[j])
            if v is not None and len(v.group("i")) == column:
                key = _CF_SEP.sub("_", "_".join(words))
                if _NAME_IN_WORD.search(key) and _plausible(v.group("v"), "config", key):
                    out.append(Finding(j + 1, v.start("v"), v.end("v"), "Secret Keyword"))
                break
            if lines[j].strip() and _indent(lines[j]) <= column:
                break
            words += lines[j].split()
    return out


def _r9_indented(lines: list[str]) -> list[Finding]:
    """A document's indented code block's first line right after a line ending in a secret's
    name and a colon (``The password:``, a blank line, ``    V``)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        n = _R9_PROSE_COLON.fullmatch(line) if line.endswith((":", ": ", ":*", ":**")) else None
        if n is None or line.startswith((" " * 4, "\t")):
            continue
        j = i + 1
        while j < len(lines) and j <= i + 2 and not lines[j].strip():
            j += 1
        v = _R9_INDENTED.fullmatch(lines[j]) if j < len(lines) and j > i + 1 else None
        if v is not None and _plausible(v.group("v"), "config", n.group("n")):
            out.append(Finding(j + 1, v.start("v"), v.end("v"), "Secret In Prose"))
    return out


def _round9_kept(found: list[Finding], lines: list[str]) -> list[Finding]:
    """``found`` (the configuration forms' values) without a PascalCase identifier's words
    (``VaultStore``, ``UserAgentHeader``) on a line naming no password."""
    named: dict[int, bool] = {}  # (each line tested once)
    out: list[Finding] = []
    for f in found:
        line = lines[f.line - 1] if f.line <= len(lines) else ""
        if _R9_PASCAL.fullmatch(line[f.start:f.end]):
            if f.line not in named:
                named[f.line] = _R9_PASSWORD.search(line) is not None
            if not named[f.line]:
                continue
        out.append(f)
    return out


# -- round 10 forms --
# Literals in pieces after a secret's name, anywhere on a line (a comment's, a commit subject's):
# adjacent on one line (``PASSWORD = "V1" "V2"``), the first on the name's line and the rest on the
# next (``PASSWORD = "V1" \`` then ``"V2"``; C's ``password = "V1"`` then ``"V2";``), judged
# joined; a list opened at a line's end (``Object.freeze([`` or Rust's ``concat!(`` then one
# literal a line). Kept: prose pieces (``PASSWORD_PROMPT = \`` then ``"Enter your " \`` and
# ``"password: "``).

_R10_NAME_IS = r"(?<![\w.$])(?P<n>[\w.$]{1,160})[ \t]*(?::(?:[^=:\n]|::){0,80})?=[ \t]*"
_R10_PIECES = _rx(_R10_NAME_IS + r"(?P<b>"
                  r"(?:(?i:[bruf]{0,2})(?P<q>[\"'])[^\"'\\\n]{0,300}(?P=q)[ \t]*){1,20})"
                  r"(?P<c>\\?)(?P<r>[ \t]*(?:(?:#|//).{0,300})?$)?")
_R10_OPENED = _rx(_R10_NAME_IS + r"(?P<f>Object\.freeze\([ \t]*\[|concat!\()[ \t]*$")
_R10_ITEM = _rx(r"[ \t]*(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{0,300})(?P=q)[ \t]*,?[ \t]*")
_R10_CLOSE = _rx(r"[ \t]*[\])]")


def _r10_lua_name(m: re.Match[str]) -> str:
    return (m.group("n") or m.group("k")).replace(".", "_")


def _r10_joined(joined: str, name: str) -> bool:
    """Whether literals in pieces joined to ``joined`` are a secret's value under ``name`` (a
    phrase of words judged as one: text a program shows is kept)."""
    if not joined:
        return False
    if any(c.isspace() for c in joined):
        return _plausible(joined, "phrase", name)
    return _plausible(joined, "config", name)


def _round10_findings(text: str, lines: list[str]) -> list[Finding]:
    """The values of the round-10 forms (see above) found in ``lines``."""
    out: list[Finding] = []
    if '"' in text or "'" in text:
        for i, line in enumerate(lines):
            if "=" in line:
                out += _r10_pieces(lines, i)
    return out


def _r10_pieces(lines: list[str], i: int) -> list[Finding]:
    """The literals in pieces after a secret's name on line ``i`` (and the lines continuing it),
    or the items of a list it opens at its end."""
    line = lines[i]
    o = _R10_OPENED.search(line) if "concat!(" in line or "freeze(" in line else None
    if o is not None:
        return _r10_opened(lines, i, o) if _NAME_IN_WORD.search(o.group("n")) else []
    out: list[Finding] = []
    for m in _R10_PIECES.finditer(line):
        if not _NAME_IN_WORD.search(m.group("n")):
            continue
        spans = [(i, m.start("b") + p.start("v"), m.start("b") + p.end("v"))
                 for p in _R9_PIECE.finditer(m.group("b"))]
        more = m.group("c") or m.group("r") is not None
        for j in range(i + 1, min(len(lines), i + 1 + _R9_CONTINUED_LINES) if more else i):
            p = _R9_PIECES.fullmatch(lines[j])
            if p is None:
                break
            spans += [(j, q.start("v"), q.end("v")) for q in _R9_PIECE.finditer(lines[j])]
            if not p.group("c") and p.group("e") or lines[j].rstrip().endswith(";"):
                break
        joined = "".join(lines[j][a:b] for j, a, b in spans)
        if len(spans) > 1 and _r10_joined(joined, m.group("n")):
            out += [Finding(j + 1, a, b, "Secret Keyword") for j, a, b in spans if b > a]
    return out


def _r10_opened(lines: list[str], i: int, o: re.Match[str]) -> list[Finding]:
    """The literals of ``Object.freeze([`` or ``concat!(`` opened at line ``i``'s end, one a line
    up to the closing bracket: each judged (a freeze's) or all joined (a concat's)."""
    spans: list[tuple[int, int, int]] = []
    for j in range(i + 1, min(len(lines), i + 1 + _R9_CONTINUED_LINES)):
        item = _R10_ITEM.fullmatch(lines[j])
        if item is None:
            if _R10_CLOSE.match(lines[j]) is None:
                return []
            break
        spans.append((j, item.start("v"), item.end("v")))
    name = o.group("n")
    if o.group("f") == "concat!(":
        joined = "".join(lines[j][a:b] for j, a, b in spans)
        keep = spans if _plausible(joined, "config", name) else []
    else:
        keep = [(j, a, b) for j, a, b in spans if _plausible(lines[j][a:b], "config", name)
                and (_token_value(lines[j][a:b], "") or _R9_PASSWORD.search(name))]
    return [Finding(j + 1, a, b, "Secret Keyword") for j, a, b in keep if b > a]


# -- round 11 forms --
# Shell's ``NAME=\`` with the value on the next line, csh's ``setenv NAME V``, PowerShell's
# ``Set-Item env:NAME "V"``; Java's ``setProperty(CONST, "V")`` (a constant named for a secret);
# PHP's ``'password'`` then ``=>`` then the value over lines; C's ``#define NAME "V1" \`` continued;
# Oracle's ``IDENTIFIED BY VALUES 'S:…;T:…'``; a Lua long string over lines; ``Object.freeze(`` then
# ``[`` on the next line; ``new Map([["password", "V"]])``; Rust's ``format!`` pieces and
# ``concat!`` in a field, a call named for a secret or on the line after the name; a YAML complex
# key ``? password`` then ``: |``; a document's fenced, quoted or reST literal block after a line
# ending "password:". Kept: prose pieces of a ``concat!`` (``"Enter ", "password: "``).

_R11_SHELL_NEXT = _rx(r"(?m)^[ \t]*(?:export[ \t]+|declare[ \t]+-x[ \t]+|ENV[ \t]+)?"
                      r"(?P<n>\w{1,160})="
                      r"\\\r?\n[ \t]*(?P<q>[\"']?)(?P<v>[^\s\"'\\$`;()]{1,300})(?P=q)[ \t]*"
                      r"(?=;|#|\r?$)")
_R11_SETENV = _rx(r"(?m)^[ \t]*(?i:setenv|setx)[ \t]+(?:/[A-Za-z]{1,2}[ \t]+)*"  # (setx /M: 13)
                  r"(?P<n>\w{1,160})[ \t]+(?P<q>[\"']?)"
                  r"(?P<v>[^\s\"'$;`()]{1,300})(?P=q)(?:[ \t]+/[A-Za-z]{1,2})*[ \t]*(?=;|#|\r?$)")
_R11_PS_ITEM = _rx(r"(?i)(?<![\w-])(?:(?:Set|New)-Item|Set-Content|Add-Content|si|ni|sc|ac)[ \t]+"
                   r"(?:-(?:Literal)?Path[ \t]+)?[\"']?env:\\?(?P<n>\w{1,160})[\"']?"
                   r"[ \t]+(?:-Value[ \t]+)?(?P<q>[\"'])(?P<v>[^\"'\s$`]{1,300})(?P=q)")
_R11_SET_PROPERTY = _rx(r"(?<![\w$])(?:setProperty|put)\(\s*(?P<n>[A-Za-z_][\w.]{0,160})\s*,\s*\""
                        r"(?P<v>[^\"\s]{1,300})\"")
# Rust's ``let api_key = String::from("V")`` (round 12)
_R12_STRING_FROM = _rx(_R10_NAME_IS + r"String::from\(\s{0,40}\"(?P<v>[^\"\s\\]{1,300})\""
                       r"\s{0,40}\)")
_R11_ARROW = _rx(r"(?P<a>[\"'])(?P<n>[\w.-]{1,160})(?P=a)[ \t]*\r?\n\s{0,200}=>[ \t]*\r?\n"
                 r"\s{0,200}(?P<q>[\"'])(?P<v>[^\"'\s]{1,300})(?P=q)")
_R11_VALUES = _rx(r"(?i)\bidentified\s{1,20}by\s{1,20}values\s{1,20}(?P<q>[\"'])"
                  r"(?P<v>[^\"'\s]{1,300})(?P=q)")
_R11_DEFINE = _rx(r"[ \t]*#[ \t]*define[ \t]+(?P<n>\w{1,160})[ \t]+"
                  r"(?P<b>(?:\"[^\"\\\n]{0,300}\"[ \t]*){0,20})\\[ \t]*")
_R11_LONG_OPEN = _rx(r"(?:(?<![\w.])(?P<n>[\w.]{1,160})|\[(?P<a>[\"'])(?P<k>[\w.-]{1,160})"
                     r"(?P=a)\])[ \t]*=[ \t]*\[(?P<e>=*)\[(?P<v>[^\]\s]{0,300})[ \t]*")
_R11_LONG_LINE = _rx(r"[ \t]*(?P<v>[^\]\s]{1,300})[ \t]*(?P<c>\]=*\])?[ \t]*[,;]?[ \t]*")
_R11_FREEZE_OPEN = _rx(_R10_NAME_IS + r"(?P<f>Object\.freeze\()[ \t]*$")
_R11_BRACKET = _rx(r"[ \t]*\[[ \t]*")
_R11_MAP_PAIR = _rx(r"\[\s{0,40}(?P<a>[\"'])(?P<n>[\w.-]{1,160})(?P=a)\s{0,40},\s{0,40}"
                    r"(?P<q>[\"'`])(?P<v>[^\"'`\s]{1,300})(?P=q)\s{0,40}\]")
_R11_MACRO = _rx(r"(?<!\w)(?P<n>\w{1,160})(?:[ \t]*:(?!:)|[ \t]*\()[ \t]*&?[ \t]*"
                 r"(?P<f>concat!|format!)\((?P<b>[^()\n]{0,4000})\)")
_R11_MACRO_IS = _rx(_R10_NAME_IS + r"&?(?P<f>concat!|format!)\((?P<b>[^()\n]{0,4000})\)")
# a login call's password as a macro after the user's literal (``login("admin", concat!(…))``)
_R12_LOGIN_MACRO = _rx(r"(?<![\w$])(?:login|log_in|sign_in|authenticate|connect)[ \t]*\([ \t]*"
                       r"\"[^\"\n]{1,160}\"[ \t]*,[ \t]*(?P<f>concat!)\((?P<b>[^()\n]{0,4000})\)")
_R11_NAME_ENDS = _rx(r"(?:^|.*?(?<![\w.$]))(?P<n>[\w.$]{1,160})[ \t]*(?::(?:[^=:\n]|::){0,80})?"
                     r"=[ \t]*")
_R11_NEXT_MACRO = _rx(r"[ \t]*(?P<f>concat!|format!)\((?P<b>[^()\n]{0,4000})\).{0,300}")
_R11_BRACES = _rx(r"\{[^{}]{0,40}\}")
_R11_COMPLEX = _rx(r"(?P<i>[ \t]*)\?[ \t]+(?P<q>[\"']?)(?P<n>[\w.-]{1,160})(?P=q)[ \t]*"
                   r"(?:#.{0,300})?")  # (a comment after the key: round 13)
_R11_COMPLEX_BLOCK = _rx(r"(?P<i>[ \t]*):[ \t]+[|>][1-9+-]{0,2}[ \t]*")
_R11_PROSE_NAME = _rx(r"(?i).{0,200}\b(?P<n>pass(?:word|wd|phrase)|secret(?:[ _-]?key)?"
                      r"|api[ _-]?(?:key|token)|access[ _-]?token|pwd)s?[*_]{0,2}:{1,2}"
                      r"[*_]{0,2}[ \t]*")
_R11_FENCE = _rx(r"[ \t]*(?:```|~~~)[\w.+-]*[ \t]*")
_R11_QUOTE_LINE = _rx(r"[ \t]*>[ \t]*[\"'`]?(?P<v>[^\s\"'`]{1,300})[\"'`]?[ \t]*")
_R11_BARE = _rx(r"[ \t]*(?P<v>\S{1,300})[ \t]*")


def _r11_dotted(m: re.Match[str]) -> str:
    return m.group("n").replace(".", "_").replace("-", "_")


def _round11_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values of the round-11 forms (see above) found in ``text``."""
    out: list[Finding] = []
    if "=\\\n" in text or "=\\\r\n" in text:
        out += _r8_spans(text, _R11_SHELL_NEXT, lambda m: m.group("n"))
        out += _r12_shell_pieces(lines)
    if "setenv" in text or "setx" in text.lower():  # (cmd ignores case: SETX /M)
        out += _r8_spans(text, _R11_SETENV, lambda m: m.group("n"))
    if "env:" in text or "ENV:" in text or "Env:" in text:
        out += _r8_spans(text, _R11_PS_ITEM, lambda m: m.group("n"))
    if "setProperty" in text or "put(" in text:  # (Java's Properties/Map put: round 12)
        out += _r8_spans(text, _R11_SET_PROPERTY, _r11_dotted)
    if "String::from(" in text:
        out += _r8_spans(text, _R12_STRING_FROM, lambda m: m.group("n"))
    if "=>" in text and "\n" in text:
        out += _r8_spans(text, _R11_ARROW, _r11_dotted)
    if ("dentified" in text or "DENTIFIED" in text) and ("VALUES" in text or "values" in text):
        out += _r8_spans(text, _R11_VALUES, lambda m: "password")
    if "Map(" in text or "Map<" in text or "fromEntries(" in text:
        out += _r8_spans(text, _R11_MAP_PAIR, _r11_dotted)
    if "define" in text or "[[" in text or "[=" in text or "freeze(" in text:
        out += _r11_opened(lines, "define" in text, "[[" in text or "[=" in text)
    if "concat!" in text or "format!" in text:
        out += _r11_macros(lines)
    if "?" in text:
        out += _r11_complex_keys(lines)
    if filename.lower().endswith(DOC_SUFFIXES):
        out += _r11_prose_blocks(lines)
    return out


_R12_SHELL_OPEN = _rx(r"[ \t]*(?:export[ \t]+|declare[ \t]+-x[ \t]+|ENV[ \t]+)?(?P<n>\w{1,160})=\\")
_R12_SHELL_PIECE = _rx(r"[ \t]*(?P<v>[^\s\"'\\$`;()]{1,300})(?P<c>\\?)[ \t]*")


def _r12_shell_pieces(lines: list[str]) -> list[Finding]:
    """Shell's ``NAME=\\`` with the value continued over two lines or more (``V1\\`` then
    ``V2``), its pieces judged joined (round 12; one line is round 11's)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        o = _R12_SHELL_OPEN.fullmatch(line) if line.endswith("=\\") else None
        if o is None or not _NAME_IN_WORD.search(o.group("n")):
            continue
        spans: list[tuple[int, int, int]] = []
        for j in range(i + 1, min(len(lines), i + 1 + _R9_CONTINUED_LINES)):
            p = _R12_SHELL_PIECE.fullmatch(lines[j])
            if p is None:
                spans = []
                break
            spans.append((j, p.start("v"), p.end("v")))
            if not p.group("c"):
                break
        if len(spans) > 1:
            out += _joined_pieces(lines, spans, o.group("n"))
    return out


def _r11_opened(lines: list[str], define: bool, long: bool) -> list[Finding]:
    """C's ``#define NAME "V1" \\`` continued, a Lua long string over lines and
    ``Object.freeze(`` then ``[`` on the next line, under a secret's name."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        if define and line.endswith("\\") and "define" in line:
            d = _R11_DEFINE.fullmatch(line)
            if d is not None and _NAME_IN_WORD.search(d.group("n")):
                out += _r11_define(lines, i, d)
        if long and ("[[" in line or "[=" in line) and "=" in line:
            o = _R11_LONG_OPEN.search(line)
            if o is not None and _NAME_IN_WORD.search(_r10_lua_name(o)):
                out += _r11_long_string(lines, i, o)
        if "freeze(" in line and i + 1 < len(lines) and _R11_BRACKET.fullmatch(lines[i + 1]):
            f = _R11_FREEZE_OPEN.search(line)
            if f is not None and _NAME_IN_WORD.search(f.group("n")):
                out += _r10_opened(lines, i + 1, f)
    return out


def _r11_define(lines: list[str], i: int, d: re.Match[str]) -> list[Finding]:
    """The literals of a ``#define`` continued over lines (``"V1" \\`` then ``"V2"``), joined."""
    spans = [(i, d.start("b") + p.start("v"), d.start("b") + p.end("v"))
             for p in _R9_PIECE.finditer(d.group("b"))]
    return _joined_pieces(lines, _continued_pieces(lines, i, spans), d.group("n"))


def _r11_long_string(lines: list[str], i: int, o: re.Match[str]) -> list[Finding]:
    """A Lua long string opened on line ``i`` and closed on a later line (its first piece on
    the opening line or not), its pieces judged joined."""
    close = "]" + o.group("e") + "]"
    if close in lines[i][o.end("e"):]:
        return []  # (closed on its line: round 9's)
    spans = [(i, o.start("v"), o.end("v"))] if o.group("v") else []
    for j in range(i + 1, min(len(lines), i + 1 + _R9_CONTINUED_LINES)):
        if not lines[j].strip():
            continue
        m = _R11_LONG_LINE.fullmatch(lines[j])
        if m is None:
            if lines[j].strip().startswith(close):
                break
            return []
        v = m.group("v")
        if m.group("c") is not None and m.group("c") != close:
            return []
        if v.startswith(close):
            break
        spans.append((j, m.start("v"), m.end("v")))
        if m.group("c"):
            break
    else:
        return []
    return _joined_pieces(lines, spans, _r10_lua_name(o))


def _r11_macros(lines: list[str]) -> list[Finding]:
    """Rust's ``concat!(…)``/``format!(…)`` pieces under a secret's name: a field's
    (``password: concat!(…)``), a call's named for a secret (``set_password(concat!(…))``), an
    assignment's (``let password = format!("{}", "V")``) or on the line after ``password =``."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        if "!(" not in line:
            continue
        for rule in (_R11_MACRO, _R11_MACRO_IS):
            for m in rule.finditer(line):
                if _NAME_IN_WORD.search(m.group("n")):
                    out += _r11_macro_pieces(i, m, m.group("n"))
        for m in _R12_LOGIN_MACRO.finditer(line):  # (round 12)
            out += _r11_macro_pieces(i, m, "password")
        ends = i and lines[i - 1].rstrip().endswith("=")
        n = _R11_NAME_ENDS.fullmatch(lines[i - 1]) if ends else None
        nxt = _R11_NEXT_MACRO.fullmatch(line) if n is not None else None
        if n is not None and nxt is not None and _NAME_IN_WORD.search(n.group("n")):
            out += _r11_macro_pieces(i, nxt, n.group("n"))
    return out


def _r11_macro_pieces(i: int, m: re.Match[str], name: str) -> list[Finding]:
    """The string pieces of a macro's arguments ``m`` (a ``format!``'s placeholders left out),
    judged joined under ``name``."""
    pieces = list(_R9_STRING.finditer(m.group("b")))
    if m.group("f") == "format!" and len(pieces) < 2 and (
            not pieces or _R11_BRACES.search(pieces[0].group("v"))):
        return []  # (one format string, its arguments variables: no literal value)
    joined = "".join(_R11_BRACES.sub("", p.group("v")) for p in pieces)
    if not _r10_joined(joined, name):
        return []
    at = m.start("b")
    return [Finding(i + 1, at + p.start("v"), at + p.end("v"), "Secret Keyword")
            for p in pieces if _R11_BRACES.sub("", p.group("v"))]  # (not a bare "{}{}")


def _r11_complex_keys(lines: list[str]) -> list[Finding]:
    """The block value of a YAML complex key named for a secret (``? password`` then ``: |``
    then the value's lines)."""
    out: list[Finding] = []
    for i in range(len(lines) - 1):
        k = _R11_COMPLEX.fullmatch(lines[i]) if lines[i].lstrip().startswith("?") else None
        if k is None or not _NAME_IN_WORD.search(k.group("n")):
            continue
        b = _R11_COMPLEX_BLOCK.fullmatch(lines[i + 1])
        if b is not None and b.group("i") == k.group("i"):
            out += _yaml_block(lines, i + 1, len(k.group("i")), k.group("n"))
    return out


def _r11_prose_blocks(lines: list[str]) -> list[Finding]:
    """A document's value in a fenced block, a quote or a reST literal block right after a line
    ending in a secret's name and a colon (``The password:`` then ```` ``` ```` and ``V``)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        n = _R11_PROSE_NAME.fullmatch(line) if line.rstrip().endswith(":") else None
        if n is None:
            continue
        j = i + 1
        while j < len(lines) and j <= i + 2 and not lines[j].strip():
            j += 1
        if j >= len(lines):
            continue
        v = None
        if _R11_FENCE.fullmatch(lines[j]) and j + 2 < len(lines) and _R11_FENCE.fullmatch(
                lines[j + 2]):
            j += 1
            v = _R11_BARE.fullmatch(lines[j])
        elif lines[j].lstrip().startswith(">"):
            v = _R11_QUOTE_LINE.fullmatch(lines[j])
        elif line.rstrip().endswith("::") and j > i + 1 and lines[j].startswith((" ", "\t")):
            v = _R11_BARE.fullmatch(lines[j])
        if v is not None and _plausible(v.group("v"), "config", n.group("n")):
            out.append(Finding(j + 1, v.start("v"), v.end("v"), "Secret In Prose"))
    return out


# -- round 13: the named-value window --
# A line that names a secret and leaves its value to the next lines: a continuation (shell's,
# Dockerfile's, Makefile's ``\``; cmd's ``^``; C's ``#define NAME ("V1" \``), a string builder
# opened at its end (``let password = format!(``), a document's label (``**Password:**``,
# ``## Password``, "The password is:", AsciiDoc's ``Password::``, ``<p>Password:</p>``,
# ``Mot de passe :``, ``Passwort:``). The value is what the next few lines hold before anything
# else: a lone token or literals (a continuation's, a builder's: judged joined), or in a document
# the first line of a code block, a ``<pre>``, a listing or an indented block after the label (one
# token, judged as an inline value: no version, path, field or variable name).

_W_LINES = 6  # lines read after a name for its value
# (a keyword in any case: Dockerfile's and cmd's ignore it, ``env``, ``SET``, ``SETX``)
_W_PREFIX = (r"(?:(?:(?i:export|local|declare|readonly|typeset|env|arg|set|setx|setenv|override)"
             r"|[#][ \t]*define|-[A-Za-z]{1,2}|/[A-Za-z]{1,2})[ \t]+)")
_W_LITERALS = r"(?:(?:\"[^\"\\\n]{0,300}\"|'[^'\\\n]{0,300}')[ \t]*){0,20}"
# a continued line: its name, how it is assigned (nothing but a keyword before a space-separated
# name: ``ENV NAME \``, ``setx NAME ^``, ``#define NAME \``) and any literals after it
_W_CONTINUED = _rx(rf"[ \t]*(?P<k>{_W_PREFIX}{{0,4}})(?P<n>[A-Za-z_][\w.-]{{0,160}})"
                   rf"(?:[ \t]*(?P<op>::?=|[?+]=|=)|(?=[ \t(]))[ \t]*(?P<p>\(?)[ \t]*"
                   rf"(?P<b>{_W_LITERALS})[ \t]*[\\^]")
# a continuation line: a lone token or literals, maybe closing a parenthesis, maybe continued
_W_PIECE_LINE = _rx(rf"[ \t]*(?:(?P<q>[\"']?)(?P<v>[^\s\"'\\^$`;()]{{1,300}})(?P=q)"
                    rf"|(?P<b>(?:{_W_LITERALS})))[ \t]*\)?[ \t]*;?[ \t]*(?P<c>[\\^]?)[ \t]*")
# a string builder opened at a line's end under a secret's name
_W_BUILDERS = r"format!|concat!|String::from|String\.format|fmt\.Sprintf|sprintf|format"
_W_BUILDER = _rx(r"(?:^|.*?(?<![\w.$]))(?P<n>[\w.$]{1,160})[ \t]*(?::(?:[^=:\n]|::){0,80})?="
                 rf"[ \t]*&?(?P<f>{_W_BUILDERS}|)\([ \t]*")
_W_ARGS_LINE = _rx(rf"[ \t]*(?P<b>{_W_LITERALS}(?:,[ \t]*{_W_LITERALS})*)[ \t]*,?[ \t]*"
                   r"(?P<e>\)[ \t]*[;,]?)?[ \t]*")
_W_PLACEHOLDERS = _rx(r"\{[^{}]{0,40}\}|%[-+ #0-9.]*[sdv]")
# a document's label: markup, then a secret's word (English, French, German, Spanish,
# Portuguese, Dutch, Russian), "is" and a colon at most after it
_W_LABEL_HINT = _rx(r"(?i)pass|pwd|secret|token|api[ _-]?key|kennwort|contrase|senha"
                    r"|wachtwoord|\u043f\u0430\u0440\u043e\u043b\u044c|clave|parola d")
_W_PASSWORD_LABEL = _rx(r"(?i)pass|pwd|kennwort|mot|contrase|senha|wachtwoord"
                        r"|\u043f\u0430\u0440\u043e\u043b\u044c|clave|parola")
_W_NAME_WORDS = ("pass", "pwd", "secret", "key", "token")  # one is in each _NAME_CORE's match
_W_LABEL_LOW = _rx(r"pass|pwd|secret|token|api[ _-]?key|kennwort|contrase|senha|wachtwoord"
                   r"|\u043f\u0430\u0440\u043e\u043b\u044c|clave|parola d")
_W_MARKUP = _rx(r"<[^<>]{0,200}>|[*_`#=]+|^[ \t]*(?:[-+>]|\d{1,3}\.)[ \t]+")
_W_LABEL = _rx(
    r"(?i)[ \t]*(?:(?:the|your|our|a|an|default|initial|admin|root|user|database|db|le|la|les"
    r"|das|der|die|el|o|a|[a-z]{2,20})[ \t]+){0,3}(?P<n>pass(?:word|wd|phrase)s?|passwort"
    r"|kennwort|mot[ \t]+de[ \t]+passe|contrase(?:ñ|n)a|senha|wachtwoord"
    r"|\u043f\u0430\u0440\u043e\u043b\u044c|pwd|secret(?:[ _-]?key)?|clave(?:[ \t]+de[ \t]+acceso)?"
    r"|parola[ \t]+d['’]ordine"
    r"|api[ _-]?(?:key|token)|access[ _-]?token|token)[ \t]*(?:(?:is|est|ist|es|é|è)[ \t]*)?"
    r"(?:\([^()]{0,40}\)[ \t]*)?:{0,2}[ \t]*")
# what stands between a label and its value: a fence, a ``<pre>``, a listing's or a literal
# block's delimiter (a Setext heading's underline reads as one), a reST directive, AsciiDoc's
# list continuation
_W_OPENING = _rx(r"[ \t]*(?:(?:```|~~~)[\w.+-]*|(?:<pre[^<>]{0,80}>)?(?:<code[^<>]{0,80}>)?"
                 r"|-{3,}|={3,}|\.{4,}|\+|::|\.\.[ \t]+(?:code-block|code|sourcecode)::.{0,40}"
                 r"|\[source(?:,[^\]]{0,40})?\])[ \t]*")
_W_DOC_VALUE = _rx(r"[ \t]*(?:>[ \t]*)?(?:<pre[^<>]{0,80}>)?(?:<code[^<>]{0,80}>)?`?"
                   r"(?P<v>[^\s`<>]{6,300})`?(?:</code>)?(?:</pre>)?[ \t]*")
_W_DOC_SUFFIXES = (*DOC_SUFFIXES, ".html", ".htm")
# a call's value built from literals after its first argument, a literal naming a secret's field
# (``config.set("password", String::from("V"))``, ``…("api_key", concat!("V1", "V2"))``)
_W_PAIR_CALL = _rx(r"\([ \t]*(?P<a>[\"'])(?P<n>[\w.-]{1,160})(?P=a)[ \t]*,[ \t]*&?"
                   r"(?P<f>concat!|format!|String::from|str::to_string|String::new)"
                   r"\((?P<b>[^()\n]{0,4000})\)")


def _round13_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values the named-value window finds (see above) in ``lines``: only the lines that end
    in a continuation or an open parenthesis, or a document's that hold a label's word, found by
    one pass of a rule over the whole text, are read."""
    out: list[Finding] = []
    if "String::from(" in text or "concat!(" in text or "format!(" in text:
        for i, line in enumerate(lines):
            if "!(" in line or "::from(" in line:
                out += [f for m in _W_PAIR_CALL.finditer(line) if _NAME_IN_WORD.search(m.group("n"))
                        for f in _r11_macro_pieces(i, m, m.group("n"))]
    doc = filename.lower().endswith(_W_DOC_SUFFIXES)
    hits = _w_ends(text)
    if doc:  # (on the text in small letters where each keeps its place: a faster rule)
        low = text.lower()
        rule = _W_LABEL_LOW if len(low) == len(text) else _W_LABEL_HINT
        hits += [m.start() for m in rule.finditer(low if rule is _W_LABEL_LOW else text)]
    if not hits:
        return out
    ends = list(itertools.accumulate(map(len, text.splitlines(keepends=True))))
    for i in sorted({bisect.bisect_right(ends, at) for at in hits}):
        line = lines[i] if i < len(lines) else ""
        end = line.rstrip()[-1:]
        if end in ("\\", "^", "(") and not any(w in line.lower() for w in _W_NAME_WORDS):
            continue  # (no secret's word on the line: a substring test before the rules)
        if end in ("\\", "^"):
            out += _w_continued(lines, i)
        elif end == "(":
            out += _w_builder(lines, i)
        elif doc and len(line) <= 120 and _W_LABEL_HINT.search(line):
            out += _w_label(lines, i)
    return out


_W_TAILS = ("\\\n", "^\n", "(\n", "\\\r", "^\r", "(\r")


def _w_ends(text: str) -> list[int]:
    """Where lines end in a continuation (``\\``, ``^``) or in a parenthesis opened shortly after
    an ``=`` (a string builder's, see ``_W_BUILDER``): substring searches, no rule (a file of code
    has thousands of lines ending in "(")."""
    out: list[int] = []
    for tail in _W_TAILS if "\r" in text else _W_TAILS[:3]:
        at = text.find(tail)
        while at >= 0:
            if tail[0] != "(" or "=" in text[max(0, at - 24):at]:
                out.append(at)
            at = text.find(tail, at + 1)
    if text.endswith(("\\", "^", "(")):
        out.append(len(text) - 1)
    return out


def _w_continued(lines: list[str], i: int) -> list[Finding]:
    """The value of a name continued on the next lines (``local DB_PASSWORD=\\`` then ``V``,
    ``ENV NAME \\``, ``NAME := \\``, ``set NAME=^``, ``#define NAME ("V1" \\`` then ``"V2")``):
    literals on its line and the lone tokens or literals of the lines that continue it."""
    m = _W_CONTINUED.fullmatch(lines[i].rstrip())
    if m is None or (m.group("op") is None and not m.group("k")):
        return []  # (a command's word then "\": ``rotate-password \`` is no assignment)
    name = m.group("n")
    if not _NAME_IN_WORD.search(name):
        return []
    spans = [(i, m.start("b") + p.start("v"), m.start("b") + p.end("v"))
             for p in _R9_PIECE.finditer(m.group("b"))]
    for j in range(i + 1, min(len(lines), i + 1 + _W_LINES)):
        p = _W_PIECE_LINE.fullmatch(lines[j])
        if p is None:
            return []  # (a command's further options: no value of the name's)
        if p.group("v") is not None:
            spans.append((j, p.start("v"), p.end("v")))
        else:
            at = p.start("b")
            spans += [(j, at + q.start("v"), at + q.end("v")) for q in _R9_PIECE.finditer(
                p.group("b"))]
        if not p.group("c"):
            break
    return _joined_pieces(lines, spans, name) if spans else []


def _w_builder(lines: list[str], i: int) -> list[Finding]:
    """The literals of a string builder opened at line ``i``'s end under a secret's name
    (``let password = format!(`` then ``"{}{}",`` and ``"V1", "V2"`` then ``);``), its
    placeholders left out, judged joined; nothing when an argument is not a literal."""
    m = _W_BUILDER.fullmatch(_code_head(lines[i]))
    if m is None or not _NAME_IN_WORD.search(m.group("n")):
        return []
    spans: list[tuple[int, int, int]] = []
    for j in range(i + 1, min(len(lines), i + 1 + _PIECE_LINES)):
        a = _W_ARGS_LINE.fullmatch(lines[j])
        if a is None:
            return []  # (a variable, a call: the value is not all literals)
        at = a.start("b")
        spans += [(j, at + q.start("v"), at + q.end("v"))
                  for q in _R9_PIECE.finditer(a.group("b"))]
        if a.group("e"):
            break
    else:
        return []
    if m.group("f") in ("format!", "format", "String.format", "fmt.Sprintf", "sprintf") and len(
            spans) < 2:
        return []  # (one format string: no literal value)
    pieces = [(j, a, b) for j, a, b in spans if _W_PLACEHOLDERS.sub("", lines[j][a:b])]
    joined = "".join(_W_PLACEHOLDERS.sub("", lines[j][a:b]) for j, a, b in pieces)
    if not _r10_joined(joined, m.group("n")):
        return []
    return [Finding(j + 1, a, b, "Secret Keyword") for j, a, b in pieces]


def _w_label(lines: list[str], i: int) -> list[Finding]:
    """A document's value on the lines after a label naming a secret (``**Password:**``,
    ``## Password``, "The password is:", ``Password::``, ``<p>Password:</p>``): past blank lines
    and a block's opening, the first line when it is one token."""
    label = _W_MARKUP.sub(" ", lines[i])
    n = _W_LABEL.fullmatch(label)
    if n is None:
        return []
    opened = 0  # (two at most: AsciiDoc's "+" then "----", "[source]" then "----")
    for j in range(i + 1, min(len(lines), i + 1 + _W_LINES)):
        line = lines[j]
        if not line.strip():
            continue
        if opened < 2 and _W_OPENING.fullmatch(line):
            opened += 1
            continue
        v = _W_DOC_VALUE.fullmatch(line)
        if v is None or (v.group("v").isalpha() and v.group("v").islower()
                         and not _W_PASSWORD_LABEL.match(n.group("n"))):
            return []  # (a word in small letters: a passphrase under a password's label only)
        if _plausible(v.group("v"), "inline", n.group("n") + ":"):
            return [Finding(j + 1, v.start("v"), v.end("v"), "Secret In Prose")]
        return []
    return []


# -- round 15 --
# Forms a value's own name does not stand before: a command-line option's default
# (``add_argument("--password", default="V")``, click's ``option``), C's copy into a secret's
# buffer (``strcpy(password, "V")``) or a format's argument after ``password=%s``, Perl's
# ``q{V}``, PowerShell's ``ConvertTo-SecureString "V"``, SQL's ``SET PASSWORD … = 'V'``, a
# shell's ``user:V`` piped to ``chpasswd``, a ``.pgpass`` line written by a heredoc or an echo,
# a Makefile's ``define DB_PASSWORD`` body, and a command line continued with ``\`` read whole.
_R15_OPTION = _rx(
    r"\b(?:add_argument|add_option|option|Option)\(\s{0,200}"
    r"(?:[\"']-[\w-]{1,40}[\"'][ \t]*,\s{0,200}){0,3}"
    r"[\"']-{1,2}(?P<n>[\w-]{1,160})[\"'](?:[^()\"']|[\"'][^\"'\n]{0,200}[\"']){0,400}?"
    r"\bdefault\s*=\s*(?P<q>[\"'])(?P<v>[^\"'\s\\]{1,300})(?P=q)")
_R15_COPY = _rx(
    r"\b(?:str[ln]?cpy|stpn?cpy|strn?cpy_s|wcsn?cpy|g_strlcpy|memcpy)\([ \t]*"
    r"(?P<n>[\w.>\[\]-]{1,160})[ \t]*,[ \t]*(?:[\w.()>-]{1,80}[ \t]*,[ \t]*)?(?:L|u8?|U)?"
    r"\"(?P<v>[^\"\\\s]{1,300})\"")
_R15_PRINTF = _rx(
    r"(?:\b|\.)(?:(?:s|sn|f|as|vs|vsn)?printf|Sprintf|Fprintf|format)\([ \t]*"
    r"(?:[^,()\"\n]{1,160},[ \t]*){0,2}\"(?P<f>[^\"\n]{0,300})\"[ \t]*,(?P<a>[^;\n]{0,600})")
_R15_CONVERSION = _rx(r"%%|%[-+ #0-9.*]*(?:l{0,2}|h{0,2}|[zjt])[a-zA-Z]")
_R15_FMT_NAME = _rx(r"(?P<n>[\w.-]{1,160})[ \t]*[=:][ \t]*[\"']?$")
_R15_ARG = _rx(r"[ \t]*(?:\"(?P<v>[^\"\\\n]{0,300})\"[ \t]*|[^,()\"]*(?:\([^()]*\))?[^,()\"]*)")
_R15_PERL_Q = _rx(r"(?<![\w.])(?P<n>[$%]?\w{1,160})[ \t]*=>?[ \t]*qq?[ \t]*[{(\[<]"
                  r"(?P<v>[^\s{}()\[\]<>]{1,300})[})\]>]")
_R15_SECURE = _rx(r"(?i)\bConvertTo-SecureString[ \t]+(?:-String[ \t]+)?(?P<q>[\"'])"
                  r"(?P<v>[^\"'\s]{1,300})(?P=q)")
_R15_SET_PASSWORD = _rx(r"(?i)\bSET[ \t]+PASSWORD\b(?:[ \t]+FOR[ \t]+[^=;\n]{1,200}?)?[ \t]*=[ \t]*"
                        r"(?:(?:OLD_)?PASSWORD[ \t]*\([ \t]*)?(?P<q>['\"])(?P<v>[^'\"\s]{1,300})"
                        r"(?P=q)")
_R15_CHPASSWD = _rx(
    r"(?i)\becho[ \t]+(?:-[ne][ \t]+)?(?P<q>[\"']?)[\w.@-]{1,64}:(?P<v>[^\s\"':|]{1,300})(?P=q)"
    r"[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd\b"
    r"|\bchpasswd[ \t]*<<<[ \t]*[\"']?[\w.@-]{1,64}:(?P<w>[^\s\"':]{1,300})")
_R15_HEREDOC = _rx(r"<<-?[ \t]*[\"']?(?P<t>\w{1,60})[\"']?")
_R15_PGPASS_LINE = _rx(r"[ \t]*[^:\s#\"']{1,253}:(?:\d{1,5}|\*):[^:\s\"']{1,253}:[^:\s\"']{1,253}:"
                       r"(?P<v>[^\s\"']{1,300})")
_R15_DEFINE = _rx(r"[ \t]*(?:(?:override|export)[ \t]+)?define[ \t]+(?P<n>[\w.-]{1,160})"
                  r"[ \t]*(?:[:!?+]?=|::=)?[ \t]*")
_R15_DEFINE_LINES = 6  # a secret's body: a few lines before its "endef"
_R15_TOKEN_LINE = _rx(r"[ \t]*(?P<v>\S{1,300})[ \t]*")
_CLI_PATTERNS = tuple(p for p in PATTERNS if p.tail is _CLI_TAIL)


def _round15_findings(text: str, lines: list[str]) -> list[Finding]:
    """The values of the round-15 forms (see above) found in ``text``."""
    out: list[Finding] = []
    if "add_argument" in text or "ption(" in text:
        out += _r8_spans(text, _R15_OPTION, lambda m: m.group("n"))
    if "cpy(" in text or "cpy_s(" in text:
        out += _r8_spans(text, _R15_COPY, lambda m: m.group("n"))
    if "rintf(" in text or "format(" in text:
        out += _r15_formats(lines)
    if any(q in text for q in ("q{", "q(", "q[", "q<")):
        out += _r8_spans(text, _R15_PERL_Q, lambda m: m.group("n"))
    if "ecureString" in text or "ECURESTRING" in text or "ecurestring" in text:
        out += _r8_spans(text, _R15_SECURE, lambda m: "password")
    if "assword" in text or "ASSWORD" in text:
        out += _r8_spans(text, _R15_SET_PASSWORD, lambda m: "password")
    if "chpasswd" in text:
        out += [f for number, line in enumerate(lines, 1) if "chpasswd" in line
                for f in _r15_line_spans(number, line, _R15_CHPASSWD)]
    if ".pgpass" in text:
        out += _r15_pgpass(lines)
    if "endef" in text:
        out += _r15_defines(lines)
    if "\\\n" in text or "\\\r\n" in text:
        out += _r15_continued_commands(text, lines)
    return out


def _r15_line_spans(number: int, line: str, rule: re.Pattern[str]) -> list[Finding]:
    """The ``v`` (or ``w``) groups of ``rule`` on ``line``, each a password's value."""
    out = []
    for m in rule.finditer(line):
        g = "w" if m.groupdict().get("w") is not None else "v"
        if _plausible(m.group(g), "config", "password"):
            out.append(Finding(number, m.start(g), m.end(g), "Secret Keyword"))
    return out


def _r15_formats(lines: list[str]) -> list[Finding]:
    """A format's literal argument where its format names a secret before the conversion
    (``sprintf(buf, "password=%s", "V")``, ``fmt.Sprintf("token: %s", "V")``) or the conversion
    is a URL's password (``"postgres://app:%s@db"``)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        if "(" not in line or "%" not in line:
            continue
        for m in _R15_PRINTF.finditer(line):
            fmt = m.group("f")
            convs = [c for c in _R15_CONVERSION.finditer(fmt) if c.group() != "%%"]
            prose = _r16_prose_leads(fmt)
            named = {k: slot for k, c in enumerate(convs)
                     if (slot := _r16_secret_slot(fmt, c, prose)) is not None}
            if not named:
                continue
            at, k = m.start("a"), 0
            while at <= m.end("a") and k <= max(named):
                arg = _R15_ARG.match(line, at, m.end("a"))
                if arg is None:
                    break
                v = arg.group("v")
                if k in named and v and _r16_format_value(v, named[k]):
                    out.append(Finding(i + 1, arg.start("v"), arg.end("v"), "Secret Keyword"))
                at, k = arg.end() + 1, k + 1
    return out


def _r15_pgpass(lines: list[str]) -> list[Finding]:
    """A ``.pgpass`` line's password (its fifth field) written by a heredoc (``cat <<EOF >
    ~/.pgpass``) or an ``echo "h:5432:db:user:V" >> ~/.pgpass``."""
    out: list[Finding] = []
    tag = None
    for i, line in enumerate(lines):
        if tag is not None:
            if line.strip() == tag:
                tag = None
                continue
            m = _R15_PGPASS_LINE.fullmatch(line)
        elif ".pgpass" not in line:
            continue
        else:
            h = _R15_HEREDOC.search(line)
            if h is not None:
                tag = h.group("t")
                continue
            q = line.find("echo")
            m = _R15_PGPASS_LINE.match(line, q + 4) if q >= 0 else None
            m = _R15_PGPASS_LINE.search(line[:line.find(">")]) if ">" in line else m
        if m is not None and _plausible(m.group("v"), "config", "password"):
            out.append(Finding(i + 1, m.start("v"), m.end("v"), "Secret Keyword"))
    return out


def _r15_defines(lines: list[str]) -> list[Finding]:
    """A Makefile's ``define NAME`` … ``endef`` body under a secret's name: its lines of one
    token each (a few, before the ``endef``)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        d = _R15_DEFINE.fullmatch(line) if "define" in line else None
        if d is None or not _NAME_IN_WORD.search(d.group("n")):
            continue
        body = lines[i + 1:i + 1 + _R15_DEFINE_LINES]
        end = next((k for k, b in enumerate(body) if b.strip() == "endef"), None)
        if end is None:
            continue
        for k, b in enumerate(body[:end]):
            v = _R15_TOKEN_LINE.fullmatch(b)
            if v is not None and _plausible(v.group("v"), "config", d.group("n")):
                out.append(Finding(i + 2 + k, v.start("v"), v.end("v"), "Secret Keyword"))
    return out


def _r15_continued_commands(text: str, lines: list[str]) -> list[Finding]:
    """A command line's password on a line after a ``\\`` (``docker login -u me \\`` then
    ``-p V``): each command continued over lines read as one line, ``\\`` and its line break
    read as two blanks (so every offset stays the text's)."""
    joined = text.replace("\\\r\n", "   ").replace("\\\n", "  ")
    starts = list(itertools.accumulate((len(line) + 1 for line in text.split("\n")), initial=0))
    out: list[Finding] = []
    at = 0
    for logical in joined.split("\n"):
        end = at + len(logical)
        first = bisect_right(starts, at) - 1
        if bisect_right(starts, end) - 1 > first and _trigger(logical):
            found: list[Finding] = []
            for pat in _CLI_PATTERNS:
                _pattern_findings(found, 0, logical, pat)
            for f in found:
                k = bisect_right(starts, at + f.start) - 1
                if k == bisect_right(starts, at + f.end - 1) - 1 and k < len(lines):
                    out.append(Finding(k + 1, at + f.start - starts[k], at + f.end - starts[k],
                                       f.kind))
        at = end + 1
    return out


# -- round 16 --
# Python's ``%`` operator and ``str.format``: a literal argument in a slot its format names as a
# secret's, as printf's above (``"password=%s" % "V"``, ``"user=%s password=%s" % ("app", "V")``,
# ``"password: %(pw)s" % {"pw": "V"}``, ``"password={}".format("V")``, ``"pw: {p}".format(p="V")``),
# a slot named by a secret's name itself (``"{password}".format(password="V")``), or a URL's
# password (``"postgres://app:%s@db" % "V"``; printf's too). An argument that is no literal (a
# variable, a call) is no value here.
_R16_LITERAL = _rx(r"(?P<fq>[\"'])(?P<f>(?:(?!(?P=fq))[^\\\n]|\\.){0,300}+)(?P=fq)")
_R16_AFTER = _rx(r"[ \t]*(?:%[ \t]*(?=[bBuUrR]{0,2}[\"'({]|dict\()|\.format\()")
_R16_HINT = _rx(r"[\"'][ \t]*(?:%[ \t]*[bBuUrRd\"'({]|\.format\()")
_R16_PERCENT_CONV = _rx(r"%%|%(?:\((?P<k>\w{1,60})\))?[-+ #0-9.*]*(?:l{0,2}|h{0,2}|[zjt])[a-zA-Z]")
_R16_BRACE_CONV = _rx(r"\{\{|\}\}|\{(?P<k>\w{0,60})(?:![rsa])?(?::[^{}\n]{0,40})?\}")
_R16_URL_SLOT = _rx(r"://[^\s/:@\"']{0,160}:$")
_R16_PROSE_SLOT = _rx(_PROSE_LEAD + r"[\"'`]?")  # "the password is %s", "Clave: {}"
# (a word of such a lead: prose is looked for only in a format holding one)
_R16_LEAD_WORD = _rx(r"(?i)pass|pwd|secret|key|token|cred|kennwort|mot\s+de|contrase|senha"
                     r"|wachtwoord|\u043f\u0430\u0440\u043e\u043b\u044c|clave|parola")
# an argument: an optional keyword, then a literal (to a comma or the call's end) or else anything
_R16_ARG = _rx(r"[ \t]*(?:(?P<kw>\w{1,60})[ \t]*=(?!=)[ \t]*)?"
               r"(?:[bBuUrR]{0,2}(?P<q>[\"'])(?P<v>(?:(?!(?P=q))[^\\\n]){0,300}+)(?P=q)"
               r"[ \t]*(?=[,)]|$)"
               r"|[^,()\"'\n]{0,300}+(?:\([^()\n]{0,300}+\))?[^,()\"'\n]{0,300}+)")
_R16_DICT_ITEM = _rx(r"(?P<kq>[\"'])(?P<k>\w{1,60})(?P=kq)[ \t]*:[ \t]*[bBuUrR]{0,2}(?P<q>[\"'])"
                     r"(?P<v>(?:(?!(?P=q))[^\\\n]){1,300}+)(?P=q)")


# A secret's slot: the name its value is judged under, and how (see _plausible)
_Slot = tuple[str, str]


def _r16_secret_slot(fmt: str, conv: re.Match[str], prose: dict[int, str]) -> _Slot | None:
    """Whether the conversion ``conv`` of ``fmt`` holds a secret: named before it (``password=``,
    ``token: ``, prose's "the password is ") or by its own key (``%(password)s``,
    ``{db_password}``), or a URL's password (``://user:`` before it, ``@`` after it). ``prose``:
    where prose's leads in ``fmt`` end, each lead (see :func:`_r16_prose_leads`)."""
    n = _R15_FMT_NAME.search(fmt, 0, conv.start())
    if n is not None and _NAME_IN_WORD.search(n.group("n")):
        return n.group("n"), "config"
    key = conv.groupdict().get("k")
    if key and not key.isdigit() and _NAME_IN_WORD.search(key):
        return key, "config"
    if fmt.startswith("@", conv.end()) and _R16_URL_SLOT.search(fmt, 0, conv.start()):
        return "password", "config"
    lead = prose.get(conv.start())
    return (lead, "prose") if lead is not None else None


def _r16_prose_leads(fmt: str) -> dict[int, str]:
    """Where the leads of prose naming a secret ("the password is ") end in ``fmt``: read once
    for all of its conversions."""
    if _R16_LEAD_WORD.search(fmt) is None:
        return {}
    return {m.end(): m.group() for m in _R16_PROSE_SLOT.finditer(fmt)}


def _r16_format_value(v: str, slot: _Slot) -> bool:
    """A format's literal argument in a secret's slot is its value: a word as the slot's check
    says, words as a passphrase's (not a message: ``"Invalid password: %s" % "Please try
    again"``)."""
    return _plausible(v, "phrase" if any(c.isspace() for c in v) else slot[1], slot[0])


def _r16_formats(lines: list[str]) -> list[Finding]:
    """The literal arguments of Python's ``%`` and ``str.format`` in a secret's slot (above)."""
    out: list[Finding] = []
    for i, line in enumerate(lines):
        if ("%" not in line and ".format(" not in line) or _R16_HINT.search(line) is None:
            continue
        for lit in _R16_LITERAL.finditer(line):
            after = _R16_AFTER.match(line, lit.end())
            if after is not None:
                out += [Finding(i + 1, a, b, "Secret Keyword")
                        for a, b, v, slot in _r16_slot_values(line, lit.group("f"), after)
                        if _r16_format_value(v, slot)]
    return out


_SlotValue = tuple[int, int, str, _Slot]  # a value's start, end and text, and its slot


def _r16_slot_values(line: str, fmt: str, after: re.Match[str]) -> list[_SlotValue]:
    """The literal values ``line`` gives the secret slots of the format ``fmt``, whose operator
    ``after`` matched (``%`` then its operand, or ``.format(``)."""
    brace = after.group().endswith("(")  # (a "%"'s operand is looked at, not read)
    convs = [c for c in (_R16_BRACE_CONV if brace else _R16_PERCENT_CONV).finditer(fmt)
             if c.group() not in ("%%", "{{", "}}")]
    wanted: dict[int | str, _Slot] = {}
    auto = 0
    prose = _r16_prose_leads(fmt) if convs else {}
    for c in convs:
        key = c.group("k")
        place: int | str = key if key and not key.isdigit() else int(key) if key else auto
        auto += not key
        if (slot := _r16_secret_slot(fmt, c, prose)) is not None:
            wanted[place] = slot
    if not wanted:
        return []
    at = after.end()
    if not brace and line.startswith("{", at):  # "%(pw)s" % {"pw": "V"}
        return [(d.start("v"), d.end("v"), d.group("v"), wanted[d.group("k")])
                for d in _R16_DICT_ITEM.finditer(line, at, at + 600) if d.group("k") in wanted]
    if brace:
        return _r16_args(line, at, wanted)
    if line.startswith(("(", "dict("), at):  # a tuple, or dict(pw="V")
        return _r16_args(line, line.index("(", at) + 1, wanted)
    arg = _R16_ARG.match(line, at)  # a single operand: "password=%s" % "V"
    if arg is None or arg.group("kw") is not None or not arg.group("v") or 0 not in wanted:
        return []
    return [(arg.start("v"), arg.end("v"), arg.group("v"), wanted[0])]


def _r16_args(line: str, at: int, wanted: dict[int | str, _Slot]) -> list[_SlotValue]:
    """The literal arguments from ``at`` (after a call's or tuple's ``(``) whose place or keyword
    is ``wanted``, up to the closing ``)`` or anything not read as an argument."""
    out = []
    k = 0
    end = min(len(line), at + 600)
    while at <= end:
        arg = _R16_ARG.match(line, at, end)
        if arg is None:
            break
        place: int | str = arg.group("kw") or k
        v = arg.group("v")
        if v and place in wanted:
            out.append((arg.start("v"), arg.end("v"), v, wanted[place]))
        if not line.startswith(",", arg.end()):
            break
        at, k = arg.end() + 1, k + (arg.group("kw") is None)
    return out


# -- round 18 --
# Forms the earlier rounds did not read: Go's ``var adminPassword string = "V"`` (a type between
# the name and ``=``; a ``var (…)`` block's lines in Go files), a backtick raw string as a pair's
# value (``os.Setenv("DB_PASSWORD", `V`)``), short password names with no separator (``pw``,
# ``dbpw``, ``adminpw``, ``rootpw``) and ``pass`` before a literal of a value's shape (``pw =
# "V"``, ``let pw = "V".to_string()``, ``const char *pw = "V"``, ``{"pass": "V"}``), C's copy
# into ``pass``, a login call's second literal (``client.login("admin", "V")``), SQL's ``INSERT
# … (name, password) VALUES ('admin', 'V')``, HTML's ``<input type="password" value="V">``
# (either order), and a hash element named in braces (Perl's ``$ENV{DB_PASSWORD} = "V"``).
_R18_PW = (r"(?:(?:db|database|admin|root|user|usr|my|app|sql|mysql|pg|ftp|sftp|smtp|mail|imap"
           r"|ssh|sudo|su|master|super|login|default|web|rds|redis|ldap|vnc|wifi|wlan|proxy"
           r"|bind|mqtt|rabbit|vault|svc|service)[_-]?)?(?:pw|pass)")  # (round 21: the prefixes
# for "pass" too: the group had held "pw" only)
_R18_PW_NAME = _rx(rf"(?i){_R18_PW}")
# After a short password name (read back from its "pw" or "pass": a scan from every place of a
# text for a name of any of the words above is several times slower): a literal assigned
_R18_PW_ASSIGN = _rx(
    r"(?i)(?:pw|pass)_?(?![\w-])(?:[ \t]*\[\d{0,6}\])?"  # (C's ``char pass[] = "V"``; pass_=)
    r"(?:[\"'\]}]{1,2}[ \t]*(?::=|=>|=|:)"  # a quoted key, a subscript, Perl's ``$ENV{DBPW}``
    r"|(?::[ \t]*[a-z_&][\w.<>\[\]|&' ]{0,40}?)?[ \t]*(?::=|=>|=)|:"  # typed; a key's ":" next
    r"|[ \t]*\{(?=[ \t]*[\"'`L]))"  # (C++'s ``std::string pass{"V"}``)
    # (round 19: Rust's ``String::from("V")``; a literal's prefix; Python's triple quotes)
    r"[ \t]*(?:[A-Z]\w{0,30}::(?:from|new)\([ \t]*)?(?P<p>[bruf]{1,2}|r\#{1,3}|L|u8|U)?"
    r"(?P<q>\"\"\"|'''|[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?P=q)")
# A shell's or a settings file's unquoted value (``export DBPW=V``, ``ROOTPW=V``): not in code
_R18_PW_UNQUOTED = _rx(r"(?im)^[ \t]*(?:export[ \t]+)?(?P<n>(?:\w{0,12}[_-]?)?(?:pw|pass))"
                       r"[ \t]*=[ \t]*(?P<v>[^\s\"'`;|&$()<>]{1,300})(?=[ \t]*(?:[;#]|$))")
_R18_NAME_BACK = 12  # characters of a short name read back before its "pw"
# Go's typed name before a literal (``adminPassword string = "V"``); a ``var (…)`` block's line
_R18_GO_TYPED = (r"(?P<n>[A-Za-z_]\w{0,160})[ \t]+\*?(?:\[\d{0,6}\])?[A-Za-z_][\w.]{0,60}"
                 r"[ \t]*=[ \t]*(?P<q>[\"`])(?P<v>[^\"`\s\\]{1,300})(?P=q)")
_R18_GO_BLOCK = _rx(r"(?m)^[ \t]+" + _R18_GO_TYPED)
# Each rule of a value after its name (the words, lower-cased, one of which a text holding it
# holds; the check its value passes; ``password``: no name, the value is a password's):
_R18_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    # Go's ``var name T = "V"`` (its literal first: scanned for it; no word before it)
    (_rx(r"var(?<![\w$.]var)[ \t]+" + _R18_GO_TYPED), ("var",), "config"),
    (_rx(r"const(?<![\w$.]const)[ \t]+" + _R18_GO_TYPED), ("const",), "config"),
    # ``("NAME", `V`)``: a backtick raw string as a pair's value
    (_rx(r"\([ \t]*(?P<a>[\"'`])(?P<n>[\w.-]{1,160})(?P=a)[ \t]*,[ \t]*"
         r"`(?P<v>[^`\s\\]{1,300})`[ \t]*\)"), ("`",), "config"),
    # a hash element named in braces: ``$ENV{DB_PASSWORD} = "V"``, ``$cfg->{password} = 'V'``
    (_rx(r"\{(?<=[\w>]\{)[ \t]*(?P<a>[\"']?)(?P<n>[\w.-]{1,160})(?P=a)"
         r"[ \t]*\}[ \t]*(?:=>?|\|\|=)[ \t]*(?P<q>[\"'])(?P<v>[^\"'\s\\]{1,300})(?P=q)"),
     ("}",), "config"),
    # a login call's second literal (its first a literal or a variable)
    (_rx(r"(?i)(?<![\w$])(?:log_?in|sign_?in|authenticate|basic_?auth|set_?basic_?auth"
         r"|http(?:basic|digest)auth|simple_bind_s)\([ \t\n]{0,80}"
         r"(?:[A-Za-z_][\w.]{0,80}[ \t]*,[ \t\n]{0,80})?"  # (round 19: authenticate(request, …))
         r"(?:(?P<a>[\"'])(?P<u>[^\"'\\\n]{1,160})(?P=a)|[A-Za-z_][\w.]{0,80})[ \t]*,[ \t\n]{0,80}"
         r"(?P<q>[\"'])(?P<v>[^\"'\s\\]{1,300})(?P=q)[ \t]*[,)]"),
     ("login(", "log_in(", "signin(", "sign_in(", "authenticate(", "auth(", "bind_s("),
     "password"),
    # C's copy into a buffer named ``pass`` or ``pw`` (round 15's rule, these names too)
    (_R15_COPY, ("cpy(", "cpy_s("), "config"),
)


_R18_SYMBOLS = frozenset("!@#$%^&*+=?~")


def _r18_secret(v: str, how: str, name: str) -> bool:
    """Whether the literal ``v`` after ``name`` is a secret's value: the earlier rounds' names
    take a value of a value's shape (``how``: the check that applies); a short password name
    (``pw``, ``dbpw``, ``pass``: often a word for something else, "pass": "success") only one of
    letters with a digit, a symbol or letters of random case ("Hunter2Secret9", "P@ssw0rd")."""
    if _NAME_IN_WORD.search(name) is not None:
        return _plausible(v, how, name)
    return (_r19_short_name(name) and _plausible(v, how, name) and _r19_password_shaped(v))


def _r18_short_name(name: str) -> bool:
    """Whether the last word of ``name`` is a short password name (``pw``, ``dbpw``, ``pass``)."""
    last = re.findall(r"[A-Za-z0-9_]+", name)
    return bool(last) and _R18_PW_NAME.fullmatch(last[-1]) is not None


def _r18_pw_names(text: str) -> list[tuple[str, re.Match[str]]]:
    """Each literal assigned to a short password name (``pw = "V"``, ``dbpw := "V"``, ``"pass":
    "V"``, ``let pw = "V".to_string()``) and that name."""
    out = []
    for m in _R18_PW_ASSIGN.finditer(text):
        end = m.start() + (2 if text[m.start()] in "pP" and text[m.start() + 1] in "wW" else 4)
        at = m.start()
        while at > max(m.start() - _R18_NAME_BACK, 0) and (text[at - 1].isalnum()
                                                          or text[at - 1] in "_-"):
            at -= 1
        if at and (text[at - 1].isalnum() or text[at - 1] in "_-"):
            continue  # (a longer word: "bypass", "compass")
        if m.group("p") and "f" in m.group("p").lower() and "{" in m.group("v"):
            continue  # (an f-string's template)
        if _R18_PW_NAME.fullmatch(text, at, end) is not None or _r19_short_name(text[at:end]):
            out.append((text[at:end], m))
    return out


def _r18_hint(text: str) -> bool:
    """Whether ``text`` may hold a round-18 form the prefilter's words miss (see above)."""
    low = text.lower()
    return ("pw" in low or "pass" in low) and (bool(_r18_pw_names(text))
                                               or _R18_PW_UNQUOTED.search(text) is not None
                                               or "cpy(" in text or "cpy_s(" in text
                                               or "<input" in low) \
        or "login(" in low or "authenticate(" in low or "auth(" in low \
        or ("insert" in low or "replace" in low) and ("values" in low or "select" in low) \
        and _R18_INSERT.search(text) is not None


def _round18_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values of the round-18 forms (see above) found in ``text``."""
    low = text.lower()
    spans: list[tuple[str, re.Match[str], str]] = []
    if "pw" in low or "pass" in low:
        spans += [(n, m, "keyword") for n, m in _r18_pw_names(text)]
        if "=" in text and not _r18_code(filename):
            spans += [(m.group("n"), m, "config") for m in _R18_PW_UNQUOTED.finditer(text)]
    for rule, words, how in _R18_RULES:
        if any(w in low for w in words):
            spans += [(m.groupdict().get("n") or "", m, how) for m in rule.finditer(text)]
    if filename.lower().endswith(".go") and ("var" in text or "const" in text):
        spans += [(m.group("n"), m, "config") for m in _R18_GO_BLOCK.finditer(text)]
    found = [(m.start("v"), m.end("v")) for n, m, how in spans if _r18_value(n, m, how)]
    if ("insert" in low or "replace" in low) and ("values" in low or "select" in low):
        found += _r18_inserts(text)
    if "<input" in low:
        found += _r18_inputs(text)
    if not found:
        return []
    starts = _line_starts(text)
    return [_r18_finding(starts, a, b) for a, b in found]


def _r18_code(filename: str) -> bool:
    """Whether ``filename`` is a program's source a grammar reads (not a shell script)."""
    from analyzers.languages import detect, has_grammar

    lang = detect(filename)
    return has_grammar(lang) and lang != "bash"


def _r18_value(name: str, m: re.Match[str], how: str) -> bool:
    """Whether the match ``m`` holds a secret's value: its ``name`` is a secret's (a login
    call's is the password), its value of a value's shape (``how``: the check that applies)."""
    if how == "password":  # (round 19: a word is a label, ``page.login("Login", "Cancel")``)
        v = m.group("v")
        return _plausible(v, "keyword", "password") and (
            _r19_password_shaped(v) or _WORDS_PASSWORD.fullmatch(v) is not None
            or _r21_login_word(m))  # (round 21: ``login("admin", "sunshine")``)
    return _r18_secret(m.group("v"), how, name)


def _r18_finding(starts: list[int], a: int, b: int) -> Finding:
    """The finding of the text's span ``a``..``b`` (on one line)."""
    k = max(bisect_right(starts, a) - 1, 0)
    return Finding(k + 1, a - starts[k], b - starts[k], "Secret Keyword")


# SQL's INSERT: its columns, then its rows' items (a quoted literal, or anything else)
_R18_INSERT = _rx(r"(?i)\b(?:insert|replace)[ \t\n]+(?:(?:ignore|or[ \t]+\w+)[ \t\n]+)?into"
                  r"[ \t\n]+[\w.\"`\[\]]{1,200}[ \t\n]*\((?P<c>[^()]{1,2000})\)[ \t\n]*"
                  r"(?P<k>values|select)[ \t\n]*")  # (round 19: REPLACE, INSERT … SELECT 'a', 'V')
_R18_SQL_ITEM = _rx(r"[ \t\n]*(?:[EeNn]?'(?P<v>(?:[^'\n]|'')*)'|\"(?P<d>[^\"\n]*)\"|[^,()'\"]*"
                    r"(?:\([^()]*\))?)[ \t\n]*")
_R18_SQL_ROWS = 64  # value rows of one INSERT read at most
_R18_ROW_SEP = _rx(r"[ \t\n]*,[ \t\n]*")
_R18_PLACEHOLDER = _rx(r"\?|%s|\$\d{1,3}|:\w{1,60}|@\w{1,60}")  # (their values come after)
# after a statement of placeholders: its string's end, then its parameters' tuple or list
_R18_PARAMS = _rx(r"[ \t]*;?[ \t]*(?:\"\"\"|'''|[\"'])[ \t]*,\s{0,200}[(\[]")


def _r18_inserts(text: str) -> list[tuple[int, int]]:
    """The literals in a secret column's place of SQL's ``INSERT INTO t (…, password, …)
    VALUES (…, 'V', …), (…)``, or of its parameters after placeholders (``execute("… VALUES
    (%s, %s)", ("admin", "V"))``): their spans in ``text``."""
    out: list[tuple[int, int]] = []
    for m in _R18_INSERT.finditer(text):
        columns = [c.strip().strip("\"`[]").rsplit(".", 1)[-1] for c in m.group("c").split(",")]
        secret = {k for k, c in enumerate(columns) if not _about_secret(c) and (
            _NAME_IN_WORD.search(c) is not None or _r18_short_name(c))}
        if secret:
            out += _r19_rows(text, m, columns, secret)
    return out


def _r19_rows(text: str, m: re.Match[str], columns: list[str], secret: set[int]
              ) -> list[tuple[int, int]]:
    """The secret columns' literals of the rows after the INSERT ``m`` (its VALUES' rows, its
    SELECT's items, or its parameters' rows after placeholders, ``executemany``'s list too)."""
    out: list[tuple[int, int]] = []
    at = m.end()
    params = False
    for row in range(_R18_SQL_ROWS):
        if m.group("k").lower() == "select":
            items, at = _r19_select_items(text, at), -1
        else:
            items, at = _r18_row(text, at)
        if row == 0 and items and all(_R18_PLACEHOLDER.fullmatch(i.group().strip())
                                      for i in items):
            p = _R18_PARAMS.match(text, at + 1)
            inner = _R19_INNER_ROW.match(text, p.end()) if p is not None else None
            params = inner is not None
            at = inner.end() - 1 if inner is not None else p.end() - 1 if p is not None else -1
            items, at = _r18_row(text, at) if at >= 0 else ([], -1)
        for k, item in enumerate(items):
            g = "v" if item.group("v") is not None else "d"
            v = item.group(g)
            if k in secret and v and _r18_secret(v, "keyword", columns[k]):
                out.append((item.start(g), item.end(g)))
        more = _R18_ROW_SEP.match(text, at + 1) if at >= 0 else None
        if more is None or not items or (row == 0 and not params and at < 0):
            break
        at = more.end()
    return out


_R19_INNER_ROW = _rx(r"[ \t\n]{0,200}[(\[]")  # executemany's rows: a list's first row


def _r19_select_items(text: str, at: int) -> list[re.Match[str]]:
    """The items of ``INSERT … SELECT 'a', 'V'`` from ``at`` (to a line's or a statement's end)."""
    items: list[re.Match[str]] = []
    while (item := _R18_SQL_ITEM.match(text, at)) is not None and len(items) < 64:
        items.append(item)
        at = item.end()
        if at >= len(text) or text[at] != ",":
            break
        at += 1
    return items


def _r18_row(text: str, at: int) -> tuple[list[re.Match[str]], int]:
    """The items of the parenthesized row at ``at`` and where it closes (-1: no row there)."""
    if at >= len(text) or text[at] not in "([":
        return [], -1
    items: list[re.Match[str]] = []
    at += 1
    while (item := _R18_SQL_ITEM.match(text, at)) is not None:
        items.append(item)
        at = item.end()
        if at >= len(text) or text[at] != ",":
            break
        at += 1
    return (items, at) if at < len(text) and text[at] in ")]" else ([], -1)


# an HTML input element, its type, its value attribute
_R18_INPUT = _rx(r"(?i)<input\b(?P<a>[^<>]{0,600})>")
_R18_PASSWORD_TYPE = _rx(r"(?i)(?<![\w:.-])type[ \t\n]*=[ \t\n]*[\"']?password\b")
_R18_VALUE_ATTR = _rx(r"(?i)(?<![\w:.-])(?:default)?value[ \t\n]*=[ \t\n]*"  # (JSX: defaultValue)
                      r"(?:\{?(?P<q>[\"'])(?P<v>[^\"'\s]{1,300})(?P=q)|(?P<u>[^\"'\s<>=`{]{1,300}))")


def _r18_inputs(text: str) -> list[tuple[int, int]]:
    """The ``value`` of an HTML password field (``<input type="password" value="V">``, its
    attributes in any order; an empty value or a template's is none)."""
    out: list[tuple[int, int]] = []
    for m in _R18_INPUT.finditer(text):
        attrs = m.group("a")
        if _R18_PASSWORD_TYPE.search(attrs) is None:
            continue
        for v in _R18_VALUE_ATTR.finditer(attrs):
            g = "v" if v.group("v") is not None else "u"
            if _plausible(v.group(g).removesuffix("/"), "keyword", "password"):
                out.append((m.start("a") + v.start(g), m.start("a") + v.end(g)))
    return out


# -- round 19 --
# Forms the earlier rounds did not read: short password names in more shapes (``adminPass``,
# ``DB_PASS``, ``pass_``; a literal's prefix, ``f"V"``, ``r"V"``, ``L"V"``, ``r#"V"#``, Python's
# triple quotes; ``String::from("V")``; C++'s ``pass{"V"}``), a literal alone on the line after
# ``name =`` (``pw = (``, Go's ``var dbPassword string =``, C's ``char password[] =``), several
# names assigned at once (``var user, pass = "admin", "V"``), a setter's literal
# (``db.SetPassword(`V`)``), C's copy over lines, ``snprintf(pass, n, "%s", "V")``, ``#define PW
# "V"``, Perl's ``q{V}``, a short name's unquoted value in shell and settings files (``DBPW=V
# cmd``, ``env``/``declare -x``, Dockerfile's ``ENV``, fish's ``set -x``, Makefile's ``:=``,
# Compose's ``- DBPW=V``, ``db.pw=V``); and in git's text ``set DB_PASSWORD to V``, ``creds
# admin/V``, ``admin:V@db``.
_R19_CAMEL = _rx(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_R19_WORDS = _rx(r"[A-Za-z0-9]+")


def _r19_short_name(name: str) -> bool:
    """Whether ``name``'s last word is a short password name (:func:`_r18_short_name`), or ends
    in one as its own piece: ``adminPass``, ``adminPW``, ``DB_PASS``, ``db.pw``, ``pass_`` (not
    ``bypass``, ``compass``)."""
    if _r18_short_name(name):
        return True
    words = _R19_WORDS.findall(name)
    pieces = _R19_CAMEL.findall(words[-1]) if words else []
    return bool(pieces) and pieces[-1].lower() in ("pw", "pass")


def _r19_password_shaped(v: str) -> bool:
    """Whether ``v`` reads as a chosen password, not a word: letters with a digit, a symbol or
    letters of random case; a word with a "!" ("Passed!", "Cancel") is none."""
    word = v.rstrip("!.?")
    if word.isalpha() and (word.islower() or word.isupper() or word[1:].islower()):
        return False
    return _has_alpha(v) and (_has_digit(v) or _random_case(v)
                              or any(c in _R18_SYMBOLS for c in v))


_R19_LIT = r"(?:[bruf]{1,2})?(?:\"[^\"\\\n]{0,300}\"|'[^'\\\n]{0,300}'|`[^`\n]{0,300}`)"
_R19_LIT_ONE = _rx(r"(?i)(?:[bruf]{1,2})?(?:\"(?P<d>[^\"\\\n]{0,300})\"|'(?P<s>[^'\\\n]{0,300})'"
                   r"|`(?P<b>[^`\n]{0,300})`)")
_R19_IDENT = r"[A-Za-z_$][\w$]{0,60}"
# several names, then as many literals: ``var user, pass = "admin", "V"``, ``u, pw = "a", "V"``
_R19_WORD_AT = _rx(r"pass|pw|secret|key|token")  # (on the lower-cased text)
_R19_MULTI = _rx(
    rf"(?i)[ \t]*(?:(?:var|const|let|my|local)[ \t]+)?\(?(?P<ns>{_R19_IDENT}"
    rf"(?:[ \t]*,[ \t]*{_R19_IDENT}){{1,7}})\)?(?:[ \t]+[\w.*\[\]]{{1,40}})?[ \t]*:?=[ \t]*\(?"
    rf"(?P<vs>{_R19_LIT}(?:[ \t]*,[ \t]*{_R19_LIT}){{1,7}})")
# a setter given the secret: ``db.SetPassword(`V`)``, ``cfg.set_password("V")``
_R19_SETTER = _rx(
    r"(?i)(?<![\w$])set_?(?P<n>\w{0,30}?(?:password|passwd|passphrase|pwd|pass|pw|secret"
    r"|api_?key|token))[ \t]*\([ \t]*(?:(?:L|u8|U)?[\"'`][^\"'`\n\\]{1,64}[\"'`][ \t]*,[ \t]*)?"
    r"(?:L|u8|U)?(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?P=q)[ \t]*\)")
# C's copy with its literal on the next line (round 15's rule over a line break)
_R19_COPY = _rx(
    r"\b(?:str[ln]?cpy|stpn?cpy|strn?cpy_s|wcsn?cpy|g_strlcpy|memcpy)\([ \t]*"
    r"(?P<n>[\w.>\[\]-]{1,160})[ \t]*,[ \t]*\n[ \t]*(?:[\w.()>-]{1,80}[ \t]*,[ \t\n]*)?"
    r"(?:L|u8?|U)?\"(?P<v>[^\"\\\s]{1,300})\"")
# a printf into a buffer of a secret's name: ``snprintf(pass, sizeof pass, "%s", "V")``
_R19_PRINTF = _rx(
    r"\b(?:v?s(?:n)?w?printf(?:_s)?|swprintf|StringCchPrintf[AW]?)\([ \t]*"
    r"(?P<n>[\w.>\[\]-]{1,160})[ \t]*,(?:[^,;\"\n]{1,80},)?[ \t]*(?:L|u8?|U)?\"%l?s\"[ \t]*,"
    r"[ \t\n]*(?:L|u8?|U)?\"(?P<v>[^\"\\\s]{1,300})\"")
_R19_DEFINE = _rx(r"(?m)^[ \t]*#[ \t]*define[ \t]+(?P<n>\w{1,160})[ \t]+(?:L|u8?|U)?"
                  r"\"(?P<v>[^\"\\\s]{1,300})\"")
# Perl's ``$ENV{DB_PASSWORD} = q{V}`` (round 18 read quotes only)
_R19_PERL_Q = _rx(r"\{(?<=[\w>]\{)[ \t]*(?P<a>[\"']?)(?P<n>[\w.-]{1,160})(?P=a)[ \t]*\}"
                  r"[ \t]*(?:=>?|\|\|=)[ \t]*qq?"
                  r"(?:\{(?P<v>[^{}\s\\]{1,300})\}|\((?P<w>[^()\s\\]{1,300})\))")
# a shell's or settings file's unquoted value: ``DBPW=V cmd``, ``env DBPW=V``, ``declare -x``,
# Dockerfile's ``ENV``/``ARG``, Makefile's ``:=``/``?=``, Compose's ``- DBPW=V``, ``db.pw=V``
_R19_UNQUOTED = _rx(
    r"(?im)^[ \t]*(?:-[ \t]+)?(?:(?:export|env|arg|set|readonly|local"
    r"|(?:declare|typeset)(?:[ \t]+-[a-z]{1,4}){0,3})[ \t]+)?(?P<n>[A-Za-z_][\w.-]{0,60})[ \t]*"
    r"(?:=|:=|::=|\?=)[ \t]*(?P<v>[^\s\"'`;|$()<>]{1,300})(?=[ \t]*(?:[;#]|$)|[ \t]+[\w./-])")
# a blank between the name and its value: Dockerfile's ``ENV DBPW V``, fish's ``set -x DBPW V``,
# csh's ``setenv DBPW V``
_R19_BLANK_SEP = _rx(
    r"(?im)^[ \t]*(?:env|set(?:[ \t]+-[a-z]{1,4}){0,3}|setenv)[ \t]+(?P<n>[A-Za-z_][\w.-]{0,60})"
    r"[ \t]+(?P<v>[^\s\"'`;|$()<>=]{1,300})[ \t]*(?:#.*)?$")
# C's wide or UTF literal, C++'s brace initializer: ``*password = L"V"``, ``password{"V"}``
# (found from the literal, its name read back: a scan from every name is several times slower)
_R19_C_LITERAL = _rx(r"(?:=[ \t]*(?:L|u8|u|U)|\{[ \t]*(?:L|u8|u|U)?)\"(?P<v>[^\"\\\s]{1,300})\"")
# a line ending in ``=`` (or ``= (``): its literal alone on the next line
_R19_OPENS = _rx(r"(?<![=!<>+*/%&|^-])(?::=|=)[ \t]*\(?[ \t]*$")
_R19_NEXT = _rx(r"[ \t]*(?:[bruf]{1,2}|r\#{1,3}|L|u8|U)?(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})"
                r"(?P=q)\#{0,3}[ \t]*[,;)\]}]*[ \t]*(?:(?:#|//).*)?$")
_R19_NAMES = _rx(r"[A-Za-z_$][\w$]*")
# Go's typed line (``adminPass string = "V"``): a hint that a round-18 rule may read it
_R19_GO_HINT = _rx(r"(?i)(?:pass|pw)[ \t]+\*?(?:\[\d{0,6}\])?[A-Za-z_][\w.]{0,60}[ \t]*=[ \t]*"
                   r"[\"`]")


# (a secret's name, long or short, holds one of these)
_R19_NAME_WORDS = ("pass", "pw", "secret", "key", "token")


def _r19_name_secret(name: str, v: str, how: str = "keyword") -> bool:
    """Whether ``v`` under ``name`` is a secret's value (a secret's name, a short one)."""
    if _NAME_IN_WORD.search(name) is None and not _r19_short_name(name):
        return False
    return _r18_secret(v, how, name)


def _r19_hint(text: str, filename: str = "") -> bool:
    """Whether ``text`` may hold a round-19 form the prefilters' words miss (see above)."""
    low = text.lower()
    if not ("pw" in low or "pass" in low):
        return False
    return (bool(_round19_spans(text, filename)) or _R19_GO_HINT.search(text) is not None
            or (("=\n" in text or "(\n" in text)
                and bool(_r19_next_lines(text, text.splitlines()))))


def _round19_findings(text: str, lines: list[str], filename: str) -> list[Finding]:
    """The values of the round-19 forms (see above) found in ``text``."""
    found = _round19_spans(text, filename)
    found += _r19_next_lines(text, lines)
    if not found:
        return []
    starts = _line_starts(text)
    return [_r18_finding(starts, a, b) for a, b in found]


def _round19_spans(text: str, filename: str) -> list[tuple[int, int]]:
    """The spans of the round-19 values on one line each (all but :func:`_r19_next_lines`)."""
    low = text.lower()
    found: list[tuple[int, int]] = []
    if not any(w in low for w in _R19_NAME_WORDS):
        return found
    if "," in text and "=" in text:
        found += _r19_multi(text, low)
    if "update" in low and "set" in low:
        found += _r19_updates(text, low)
    found += [(m.start("v"), m.end("v")) for rule, hint in _R19_RULES
              if hint.search(low) is not None for m in rule.finditer(text)
              if _r19_name_secret(_r19_name_of(text, m), m.group("v"))]
    if "q{" in text or "q(" in text:
        for m in _R19_PERL_Q.finditer(text):
            g = "v" if m.group("v") is not None else "w"
            if _r19_name_secret(m.group("n"), m.group(g)):
                found.append((m.start(g), m.end(g)))
    if filename.lower().endswith((".yaml", ".yml")) and ":" in text:
        found += _r19_yaml(text)
    found += _round20_spans(text, filename, low)
    if filename and not _r18_code(filename):  # (unquoted: a settings file's value)
        found += [(m.start("v"), m.end("v")) for rule in (_R19_UNQUOTED, _R19_BLANK_SEP)
                  for m in rule.finditer(text) if _r19_name_secret(m.group("n"), m.group("v"),
                                                                   "config")]
    return found


def _r19_name_of(text: str, m: re.Match[str]) -> str:
    """The name of the match ``m`` of a rule: its group ``n``, else the name read back before it
    (``*password`` before ``= L"V"``, ``pass`` before ``{"V"}``)."""
    if "n" in m.re.groupindex:
        return m.group("n") or ""
    at = m.start()
    while at and text[at - 1] in " \t":
        at -= 1
    if at and text[at - 1] == "]":  # (an array's ``[]`` or ``[64]``)
        at = text.rfind("[", max(at - 8, 0), at)
        while at > 0 and text[at - 1] in " \t":
            at -= 1
    end = at
    while at > max(end - _NAME_END_MAX, 0) and (text[at - 1].isalnum() or text[at - 1] in "_."):
        at -= 1
    return text[at:end] if at >= 0 else ""


def _r19_multi(text: str, low: str) -> list[tuple[int, int]]:
    """The literals assigned to secrets' names among several (``var user, pass = "a", "V"``):
    read on the lines holding a secret's word only."""
    out: list[tuple[int, int]] = []
    starts = dict.fromkeys(low.rfind("\n", 0, w.start()) + 1 for w in _R19_WORD_AT.finditer(low))
    for start in starts:
        m = _R19_MULTI.match(text, start)
        if m is None:
            continue
        names = [n.strip() for n in m.group("ns").split(",")]
        values = list(_R19_LIT_ONE.finditer(text, m.start("vs"), m.end("vs")))
        if len(names) != len(values):
            continue
        for name, v in zip(names, values, strict=True):
            g = "d" if v.group("d") is not None else "s" if v.group("s") is not None else "b"
            if v.group(g) and _r19_name_secret(name, v.group(g)):
                out.append((v.start(g), v.end(g)))
    return out


def _r19_next_lines(text: str, lines: list[str]) -> list[tuple[int, int]]:
    """A literal alone on the line after a secret's name and ``=`` (``pw = (``, ``var
    dbPassword string =``, ``char password[] =``): its span."""
    out: list[tuple[int, int]] = []
    starts: list[int] | None = None
    for i, line in enumerate(lines[:-1]):
        if not line.rstrip().endswith(("=", "(")):
            continue
        head = _code_head(line)
        o = _R19_OPENS.search(head)
        if o is None:
            continue
        names = _R19_NAMES.findall(head[max(o.start() - _NAME_END_MAX, 0):o.start()])
        name = next((n for n in names[-2:][::-1]
                     if _NAME_IN_WORD.search(n) or _r19_short_name(n)), None)
        v = _R19_NEXT.match(lines[i + 1]) if name is not None else None
        if v is not None and name is not None and _r18_secret(v.group("v"), "keyword", name):
            starts = starts if starts is not None else _line_starts(text)
            out.append((starts[i + 1] + v.start("v"), starts[i + 1] + v.end("v")))
    return out


# git's text: ``set DB_PASSWORD to V``, ``rotated DB_PASSWORD to V``, ``DB_PASSWORD changed to V``
_R19_FREE_NAME = (r"[\w.-]{0,60}?(?:pass(?:word|wd|phrase)?|pwd|pw|secret|token|api[_-]?key"
                  r"|apikey|credentials?)[\w.-]{0,60}")
_R19_FREE_TO = _rx(
    r"(?i)(?<![\w-])(?:(?:set|change[ds]?|rotated?|rotates|reset|update[ds]?)[ \t]+"
    rf"(?:the[ \t]+)?(?P<n>{_R19_FREE_NAME})[ \t]+to|(?P<m>{_R19_FREE_NAME})"
    r"(?:[ \t]+for[ \t]+[\w.@-]{1,40})?[ \t]+(?:(?:(?:was|is|has[ \t]+been)[ \t]+)?"
    r"(?:set|changed|rotated|reset|updated)[ \t]+to|(?:is[ \t]+)?now))[ \t]+"
    r"[\"'`]?(?P<v>[^\s\"'`]{6,300})")
# ``creds admin/V``, ``login admin/V`` (round 15's ``creds:`` needed the colon)
_R19_FREE_CREDS = _rx(r"(?i)(?<![\w-])(?:creds|credentials|login)(?:[ \t]+(?:with|as|is|are)"
                      # (round 20: ``creds for staging: admin/V``)
                      r"|[ \t]+(?:for|on|of|to)[ \t]+[\w.@-]{1,40}[ \t]*:?)?"
                      r"[ \t]+[`\"']?[\w.@+-]{1,64}"
                      r"[`\"']?[ \t]*/[ \t]*[`\"']?(?P<v>[^\s\"'`/]{6,300})")
# ``admin:V@db``: a bare host's name (round 15's rules wanted a dotted one or an address)
_R19_FREE_USERINFO = _rx(r"(?<![^\s\"'(<\[,;`])[A-Za-z][\w.-]{0,63}:(?P<v>[^/:@\s()<>\[\]\"'`]"
                         r"{8,128})@[A-Za-z][\w-]{0,62}(?=(?::\d{1,5})?(?:[/\s`'\",;)]|$))")


def _r19_free_spans(text: str, low: str) -> list[tuple[int, int, str]]:
    """:func:`_free_spans` of the round-19 forms of git's text (see above)."""
    spans: list[tuple[int, int, str]] = []
    if " to " in low or " now " in low:
        for m in _R19_FREE_TO.finditer(text):
            v = m.group("v").rstrip(_SENTENCE_END)
            if _r19_free_value(v, m.group("n") or m.group("m")):
                spans.append((m.start("v"), m.start("v") + len(v), "Secret In Prose"))
    if "/" in text:
        for m in _R19_FREE_CREDS.finditer(text):
            v = m.group("v").rstrip(_SENTENCE_END)
            if _r19_free_value(v, "password"):
                spans.append((m.start("v"), m.start("v") + len(v), "Secret In Prose"))
    if "@" in text:
        spans += [(m.start("v"), m.end("v"), "Basic Auth Credentials")
                  for m in _R19_FREE_USERINFO.finditer(text)
                  if _r19_free_value(m.group("v"), "password")]
    return spans


def _r19_free_value(v: str, name: str) -> bool:
    """Whether ``v`` in git's text after ``name`` is a password's value: chosen (see
    :func:`_r19_password_shaped`), no secret's word, version, template or masked value."""
    return ("[redacted:" not in v and len(v) >= 6 and _r19_password_shaped(v)
            and _SECRET_STEM.search(v) is None  # ("rotated secrets to k8s-secrets-v2": a store)
            and _plausible(v, "prose", name) and not _VERSION.match(v)
            and not _named_with_number(v))


# SQL's UPDATE with placeholders, then its parameters: ``execute("UPDATE users SET password = %s
# WHERE id = %s", ("V", 1))``, ``… SET password = :p …", {"p": "V"})``; a prefixed literal
# (``SET password = E'V'``)
_R19_UPDATE = _rx(r"(?i)(?<![\w$])update[ \t\n]+[\w.\"`\[\]]{1,200}[ \t\n]+set[ \t\n]+"
                  r"(?P<s>[^;\"'`]{1,2000}+)")
_R19_PH = _rx(r"\?|%s|\$(?P<d>\d{1,3})|(?<!:):(?P<c>[A-Za-z_]\w{0,60})|%\((?P<p>\w{1,60})\)s")
_R19_PARAMS = _rx(r"[ \t]*;?[ \t]*(?:\"\"\"|'''|[\"'])[ \t]*,\s{0,200}(?P<o>[(\[{])")
_R19_DICT_ITEM = _rx(r"[ \t\n]*(?P<a>[\"'])(?P<k>\w{1,60})(?P=a)[ \t]*:[ \t]*(?:(?P<q>[\"'])"
                     r"(?P<v>[^\"'\n\\]{0,300})(?P=q)|[^,{}()\n]{0,200})[ \t\n]*")
_R19_SQL_PREFIXED = _rx(r"=[ \t]*[EN]'(?P<v>[^'\s\\]{1,300})'")  # (its name read back)


def _r19_updates(text: str, low: str) -> list[tuple[int, int]]:
    """The parameters in a secret column's placeholder of an UPDATE (see above): their spans."""
    out: list[tuple[int, int]] = []
    at = low.find("update")
    while at >= 0:
        m = _R19_UPDATE.match(text, at)
        at = low.find("update", m.end() if m is not None else at + 6)  # (statements apart)
        if m is None:
            continue
        wanted: dict[int | str, str] = {}  # a placeholder's place or name -> its column
        for k, ph in enumerate(_R19_PH.finditer(m.group("s"))):
            if k == _R18_SQL_ROWS:
                break
            col = _r19_column_before(m.group("s"), ph.start())
            key: int | str = (int(ph.group("d")) - 1 if ph.group("d") else ph.group("c")
                              or ph.group("p") or k)
            if _NAME_IN_WORD.search(col) is not None or _r19_short_name(col):
                wanted[key] = col
        params = _R19_PARAMS.match(text, m.end()) if wanted else None
        if params is None:
            continue
        if params.group("o") == "{":
            out += _r19_dict_params(text, params.end(), wanted)
            continue
        for k, item in enumerate(_r18_row(text, params.end() - 1)[0]):
            g = "v" if item.group("v") is not None else "d"
            if k in wanted and item.group(g) and _r18_secret(item.group(g), "keyword",
                                                              wanted[k]):
                out.append((item.start(g), item.end(g)))
    return out


def _r19_column_before(s: str, at: int) -> str:
    """The column named before ``= `` and the placeholder at ``at`` of an UPDATE's ``s``."""
    at = len(s[:at].rstrip(" \t\n"))
    if not at or s[at - 1] != "=":
        return ""
    end = at = len(s[:at - 1].rstrip(" \t\n"))
    while at > max(end - 160, 0) and (s[at - 1].isalnum() or s[at - 1] in "_.\"`[]"):
        at -= 1
    return s[at:end]


def _r19_dict_params(text: str, at: int, wanted: dict[int | str, str]) -> list[tuple[int, int]]:
    """The values of a parameters' dict from ``at`` whose keys name a secret column's place."""
    out: list[tuple[int, int]] = []
    for _ in range(64):
        item = _R19_DICT_ITEM.match(text, at)
        if item is None:
            break
        column = wanted.get(item.group("k"))
        if column is not None and item.group("v") and _r18_secret(item.group("v"), "keyword",
                                                                 column):
            out.append((item.start("v"), item.end("v")))
        at = item.end()
        if at >= len(text) or text[at] != ",":
            break
        at += 1
    return out


# YAML: a short name's key ending its line (or a block scalar's header), its value alone on the
# next, deeper line (``pw: >-`` then ``V``; an anchor before it, ``&pw V``, for any secret's name)
_R19_YAML_OPEN = _rx(r"(?m)^(?P<i>[ \t]*)(?:-[ \t]+)?(?P<n>[\w.-]{1,60}):[ \t]*"
                     r"(?:[|>][1-9+-]{0,2})?[ \t]*(?:#.*)?\n"
                     # (the next line in a look-ahead: it may be the next match's key)
                     r"(?=(?P<j>[ \t]+)(?:&[\w.-]{1,60}[ \t]+)?(?P<q>[\"']?)"
                     r"(?P<v>[^\s\"'#&*][^\s\"']{0,299})(?P=q)[ \t]*$)")


def _r19_yaml(text: str) -> list[tuple[int, int]]:
    """The values of :data:`_R19_YAML_OPEN` under a secret's name, on a deeper line (not a key:
    ``secrets:`` over ``SLACK_WEBHOOK_URL:``)."""
    return [(m.start("v"), m.end("v")) for m in _R19_YAML_OPEN.finditer(text)
            if len(m.group("j")) > len(m.group("i")) and not m.group("v").endswith(":")
            and _r19_name_secret(m.group("n"), m.group("v"), "config")]


# Each rule of a literal after a name (its groups ``n`` and ``v``, or its name read back) and
# what a text holding its form holds (searched in the text lower-cased)
_R19_RULES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (_R19_SETTER, _rx(r"(?:pass(?:word|wd|phrase)?|pwd|pw|secret|api_?key|token)[ \t]*\(")),
    (_R19_COPY, _rx("cpy")),
    (_R19_PRINTF, _rx("printf")),
    (_R19_SQL_PREFIXED, _rx("[en]'")),
    (_R19_C_LITERAL, _rx("l\"|\\{\"|u8\"")),
    (_R19_DEFINE, _rx("define")),
    (_R15_PERL_Q, _rx(r"q[ \t]*[{(\[<]")),  # (round 15's ``$password = q{V}``, short names too)
)


# -- round 20 --
# Forms the earlier rounds did not read. In git's text: an environment name of any secret's
# kind (``set STRIPE_KEY to V``), words between the name and "to" (``set DB_PASSWORD env var
# to V``, ``password changed from old to V``), ``rotate DB_PASSWORD (now V)``, ``creds for
# staging: admin/V`` (round 19's rule, widened), ``pw V``. In files: Compose's mapping (``DBPW:
# V``) and quoted items (``- 'DBPW=V'``), Dockerfile's later pairs (``ENV APP=1 DBPW=V``), Go's
# ``os.Setenv("DBPW", "V")``, a literal in a call or parentheses after the name (``pw =
# ("V")``, Python's implicit concatenation, Go's ``[]byte("V")``, Rust's ``String::from(`` over
# lines), C's ``pass[] = {"V"}``, JSX's ``defaultValue={"V"}`` (or a template) on any password
# input, Kubernetes' ``- value: V`` before its ``name:``.
_R20_ENV_NAME = (r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*[_-]"
                 r"(?:key|token|secret|password|pass|pwd)s?")
_R20_FREE_TO = _rx(
    r"(?i)(?<![\w-])(?:(?:set|change[ds]?|rotated?|rotates|reset|update[ds]?)[ \t]+"
    rf"(?:the[ \t]+)?(?P<n>{_R20_ENV_NAME}|{_R19_FREE_NAME})"
    r"(?:[ \t]+(?:env(?:ironment)?[ \t]+var(?:iable)?|variable|secret|value))?[ \t]+to)[ \t]+"
    r"[\"'`]?(?P<v>[^\s\"'`]{6,300})")
# ``password changed from old to V`` (found from "from", the name read back)
_R20_FREE_FROM = _rx(
    r"(?i)(?<![\w-])(?:(?:was|is|has[ \t]+been)[ \t]+)?(?:set|changed|rotated|reset|updated)"
    r"[ \t]+from[ \t]+[^\s]{1,64}[ \t]+to[ \t]+[\"'`]?(?P<v>[^\s\"'`]{6,300})")
_R20_FREE_NAME_BACK = _rx(rf"(?i)(?<![\w-]){_R19_FREE_NAME}[ \t]+$")
# ``rotate DB_PASSWORD (now V)``
_R20_FREE_NOW = _rx(
    r"(?i)\([ \t]*(?:is[ \t]+)?(?:now|new|=)[ \t:]*[\"'`]?"
    r"(?P<v>[^\s\"'`)]{6,300})")
_R20_NAME_BEFORE = _rx(rf"(?i)(?<![\w-])(?:{_R20_ENV_NAME}|{_R19_FREE_NAME})[ \t]?$")
# ``pw V``: a password's short word, then a chosen password (8 characters or more)
_R20_FREE_PW = _rx(r"(?i)(?<![\w-])(?:pw|pwd|passwd|password)[ \t]*:?[ \t]+[\"'`]?"
                   r"(?P<v>[^\s\"'`]{8,300})")


def _r20_free_spans(text: str, low: str) -> list[tuple[int, int, str]]:
    """:func:`_free_spans` of the round-20 forms of git's text (see above)."""
    spans: list[tuple[int, int, str]] = []
    rules = ((_R20_FREE_TO, " to " in low), (_R20_FREE_FROM, " from " in low),
             (_R20_FREE_NOW, "(" in text), (_R20_FREE_PW, "pw" in low or "pass" in low))
    for rule, hint in rules:
        if not hint:
            continue
        for m in rule.finditer(text):
            v = m.group("v").rstrip(_SENTENCE_END)
            name = _r20_free_name(text, m, rule)
            if name and _r19_free_value(v, name):
                spans.append((m.start("v"), m.start("v") + len(v), "Secret In Prose"))
    return spans


def _r20_free_name(text: str, m: re.Match[str], rule: re.Pattern[str]) -> str:
    """The secret's name of a match ``m`` of ``rule`` in git's text: its group ``n``, else the name
    read back before it (``password`` before "changed from", ``DB_PASSWORD`` before "(now");
    none, "", when no secret's name is there."""
    if "n" in m.re.groupindex:
        return m.group("n")
    if rule is _R20_FREE_PW:
        return "password"
    back = _R20_FREE_NAME_BACK if rule is _R20_FREE_FROM else _R20_NAME_BEFORE
    head = text[max(m.start() - 130, 0):m.start()]
    found = back.search(head)
    return found.group().strip() if found is not None else ""


# Compose's mapping and quoted items: ``DBPW: V``, ``- 'DBPW=V'`` (in a YAML file)
_R20_YAML_PAIR = _rx(r"(?m)^[ \t]*(?:-[ \t]+)?(?P<n>[\w.-]{1,60}):[ \t]+(?P<q>[\"']?)"
                     r"(?P<v>[^\s\"'#&*|>{\[][^\s\"']{0,299})(?P=q)[ \t]*(?:#.*)?$")
_R20_YAML_ITEM = _rx(r"(?m)^[ \t]*-[ \t]+(?P<q>[\"'])(?P<n>[A-Za-z_][\w.-]{0,60})="
                     r"(?P<v>[^\s\"'$]{1,300})(?P=q)[ \t]*(?:#.*)?$")
# Kubernetes' ``- value: V`` before its ``name: DB_PASSWORD``
_R20_K8S_VALUE_FIRST = _rx(r"(?m)^(?P<i>[ \t]*)-[ \t]+value:[ \t]+(?P<q>[\"']?)"
                           r"(?P<v>[^\s\"'#&*|>{\[][^\s\"']{0,299})(?P=q)[ \t]*\n"
                           r"(?P=i)[ \t]+name:[ \t]+[\"']?(?P<n>[\w.-]{1,60})[\"']?[ \t]*$")
# a Dockerfile's or shell's line of several pairs: ``ENV APP=1 DBPW=V`` (each pair after the first)
_R20_ENV_LINE = _rx(r"(?im)^[ \t]*(?:env|export|arg)[ \t]+[^\n]*$")
_R20_ENV_PAIR = _rx(r"(?<=[ \t])(?P<n>[A-Za-z_][\w.-]{0,60})=(?P<v>[^\s\"'`;|$()<>]{1,300})"
                    r"(?=[ \t]|$)")
# Go's ``os.Setenv("DBPW", "V")`` (round 19 read backticks)
_R20_SETENV = _rx(r"\b(?:Setenv|putenv|setenv)\([ \t]*(?P<a>[\"`])(?P<n>[\w.-]{1,60})(?P=a)[ \t]*,"
                  r"[ \t]*(?P<q>[\"`])(?P<v>[^\"`\s\\]{1,300})(?P=q)[ \t]*(?:,[^)\n]{0,20})?\)")
# a literal in a call or parentheses after the name, maybe on the next line: ``pw = ("V")``, Go's
# ``pass = []byte("V")``, Rust's ``pw = String::from(\n "V",\n)``
# (found from its "=", the name read back: a scan from every name cost +30% of find_secrets)
_R20_CALLED = _rx(r"(?<![=!<>+*/%&|^:-])(?::=|=)[ \t]*"
                  r"(?:\[\]byte|String::from|str|bytes|[A-Z]\w{0,30}::new)?\([ \t]*\n?[ \t]*"
                  r"(?P<q>[\"`])(?P<v>[^\"`\\\s]{1,300})(?P=q)[ \t]*,?[ \t]*\n?[ \t]*\)")
# Python's implicit concatenation in parentheses: ``pw = ("Zq9-hunter" "-L13")``
_R20_CONCAT = _rx(r"(?<![=!<>+*/%&|^:-])=[ \t]*\([ \t]*(?P<l>\"[^\"\\\n]{0,300}\""
                  r"(?:[ \t]+\"[^\"\\\n]{0,300}\"){1,7})[ \t]*\)")
_R20_PIECE = _rx(r"\"(?P<v>[^\"\\\n]{0,300})\"")
# C's ``char pass[] = {"V"};`` (its name read back)
_R20_C_BRACE = _rx(r"=[ \t]*\{[ \t]*(?:L|u8|u|U)?\"(?P<v>[^\"\\\s]{1,300})\"[ \t]*,?[ \t]*\}")
# JSX's ``defaultValue={"V"}``, ``defaultValue={`V`}``, ``value="V"`` in a password input's tag
_R20_JSX_VALUE = _rx(r"(?<![\w-])(?:defaultValue|value)=(?:\{[ \t]*(?P<q>[\"'`])(?P<v>[^\"'`\s\\$]"
                     r"{1,300})(?P=q)[ \t]*\}|(?P<r>[\"'])(?P<w>[^\"'\s\\]{1,300})(?P=r))")
_R20_JSX_PASSWORD = _rx(r"(?i)type=\{?[ \t]*[\"'`]password[\"'`]")


def _round20_spans(text: str, filename: str, low: str) -> list[tuple[int, int]]:
    """The spans of the round-20 values in a file's ``text`` (see above)."""
    found: list[tuple[int, int]] = []
    rules: list[tuple[re.Pattern[str], str]] = [(_R20_SETENV, "env("), (_R20_CALLED, "(")]
    if filename.lower().endswith((".yaml", ".yml")):
        rules += [(_R20_YAML_PAIR, ":"), (_R20_YAML_ITEM, "="), (_R20_K8S_VALUE_FIRST, "value:")]
    if filename and not _r18_code(filename) and "=" in text:
        for line in _R20_ENV_LINE.finditer(text):
            found += [(line.start() + m.start("v"), line.start() + m.end("v"))
                      for m in _R20_ENV_PAIR.finditer(line.group())
                      if _r19_name_secret(m.group("n"), m.group("v"), "config")]
    for rule, hint in rules:
        if hint in low:
            how = "config" if rule in (_R20_YAML_PAIR, _R20_YAML_ITEM,
                                       _R20_K8S_VALUE_FIRST) else "keyword"
            found += [(m.start("v"), m.end("v")) for m in rule.finditer(text)
                      if (rule is not _R20_YAML_PAIR or _r20_short_pair(m))
                      and _r19_name_secret(_r19_name_of(text, m), m.group("v"), how)]
    if "(" in text and '" "' in text:
        for m in _R20_CONCAT.finditer(text):
            pieces = list(_R20_PIECE.finditer(m.group("l")))
            if _r19_name_secret(_r19_name_of(text, m), "".join(p.group("v") for p in pieces)):
                at = m.start("l")
                found += [(at + p.start("v"), at + p.end("v")) for p in pieces if p.group("v")]
    if "{" in text:
        found += [(m.start("v"), m.end("v")) for m in _R20_C_BRACE.finditer(text)
                  if _r19_name_secret(_r19_name_of(text, m), m.group("v"))]
    if "value=" in low and "password" in low:
        found += _r20_jsx(text)
    return found


def _r20_short_pair(m: re.Match[str]) -> bool:
    """Whether a YAML pair is a short password name's chosen value (``DBPW: V``; a longer name's
    pairs are the earlier rounds', ``id-token: write`` none)."""
    return _r19_short_name(m.group("n")) and _r19_password_shaped(m.group("v"))


def _r20_jsx(text: str) -> list[tuple[int, int]]:
    """The values of a password input's ``defaultValue``/``value`` (see above)."""
    out: list[tuple[int, int]] = []
    for m in _R20_JSX_VALUE.finditer(text):
        opened = text.rfind("<", max(m.start() - 600, 0), m.start())
        closed = text.find(">", m.end(), m.end() + 600)
        tag = text[opened:closed if closed >= 0 else m.end() + 600] if opened >= 0 else ""
        g = "v" if m.group("v") is not None else "w"
        if _R20_JSX_PASSWORD.search(tag) is not None and _plausible(m.group(g), "keyword",
                                                                    "password"):
            out.append((m.start(g), m.end(g)))
    return out



# -- round 21 --
# Forms the earlier rounds did not read. In git's text and in documents: ``db pass V`` (a bare
# "pass" after the name of what it opens), ``password for the staging db is V``, ``password:
# changed from OLD to V`` (the old value too), ``set STRIPE_API_KEY=OLD to V``, ``change
# DB_PASSWORD from OLD to V``, ``replaced DB_PASSWORD OLD with V``, ``NAME=OLD -> V``, ``Set
# `DB_PASSWORD` to `V```, ``log in with admin / V``, ``V is the new password``, ``use V as the
# password``, ``passcode V`` (and in documents ``password V``, a value of a chosen password's
# shape beyond doubt: see :func:`_r21_strong`). In files: a call's lower-case word after a user's
# name (``login("admin", "sunshine")``; a form's labels, ``page.login("Login", "Cancel")``, are
# capitalized), a credential's constructor (``new NetworkCredential("admin", "V")``,
# ``basic_auth("admin", Some("V"))``), the password's place of a database's connect call
# (``DriverManager.getConnection(url, "admin", "V")``, ``mysql_real_connect(c, "host", "root",
# "V", …)``, ``new PDO($dsn, "u", "V")``), Go's DSN ``"root:V@tcp(db)/app"``, libpq's ``"host=db
# password=V"``, curl's ``CURLOPT_USERPWD, "admin:V"``, ``btoa("admin:V")``, ``echo 'V' | sudo
# -S`` and ``| passwd --stdin``, ``passwd bob <<< 'V'``, ``smbclient -U admin%V``, ``ldapsearch -w
# V``, ``xfreerdp /p:V``, ``mysqladmin password V``, ``net use … /user:admin V``, ``openssl passwd
# V``, expect's ``send "V\r"`` after a password prompt, a short name's environment default
# (``process.env.DB_PW || 'V'``, ``${PASS:-V}``). Round 18's short names read as meant:
# ``(db|admin|…)?(pw|pass)`` (``ADMINPASS``, ``DBPASS``, ``SSHPASS``; the group had held only
# "pw"). Each file rule is tried where its word is (found by ``str.find`` in the lower-cased
# text): a rule tried at every place cost +5% of ``find_secrets`` on the bench clones.
_R21_OWNER = (r"(?:db|database|admin|root|user|ssh|sudo|su|wifi|wi-fi|wlan|vpn|ftp|sftp|smtp"
              r"|imap|mail|e-?mail|mysql|postgres|pg|redis|ldap|login|account|staging|prod"
              r"|production|rds|vnc|proxy|router|server|master|super)")
# (round 23: "… will be V" where "is V" was read)
_R23_WILL = r"will[ \t]+(?:now[ \t]+)?be|is[ \t]+going[ \t]+to[ \t]+be|becomes|became"
_R21_FREE_PASS = _rx(rf"(?i)(?<![\w-]){_R21_OWNER}[ \t_]+pass(?:[ \t]+(?:is|was|{_R23_WILL})"
                     r"(?:[ \t]+now)?"
                     r"[ \t]+|[ \t]*[:=][ \t]*|[ \t]+)[\"'`]?(?P<v>[^\s\"'`]{6,300})")
# ``password for the staging db is V`` (no "is": a value of a chosen password's shape only)
_R21_FREE_FOR = _rx(rf"(?i)(?<![\w-])(?:pass(?:word|wd|phrase)|pwd|pw|{_R21_OWNER}[ \t]+pass)"
                    r"[ \t]+for[ \t]+(?:(?:[\w.@/-]{1,40}[ \t]+){1,3}?"
                    rf"(?P<s>(?:is|was|{_R23_WILL})(?:[ \t]+now)?[ \t]*:?|=|:)[ \t]+"
                    r"|(?:[\w.@/-]{1,40}[ \t]+){1,3}?)[\"'`]?(?P<v>[^\s\"'`]{6,300})")
_R21_SET_VERB = (r"(?:set|setting|change[ds]?|changing|rotated?|rotates|rotating|reset|resetting"
                 r"|update[ds]?|updating|replace[ds]?|replacing)")
# ``set STRIPE_API_KEY=OLD to V``, ``change DB_PASSWORD from OLD to V``, ``replaced DB_PASSWORD
# OLD with V``, ``Set `DB_PASSWORD` to `V```, ``changed db pw to V``, ``NAME=OLD -> V``
_R21_FREE_SET = _rx(
    rf"(?i)(?<![\w-])(?:{_R21_SET_VERB}[ \t]+(?:the[ \t]+)?(?:{_R21_OWNER}[ \t]+)?[`\"']?"
    rf"(?P<n>{_R20_ENV_NAME}|{_R19_FREE_NAME})[`\"']?"
    r"(?:(?:[ \t]*=[ \t]*|[ \t]+from[ \t]+|[ \t]+)[`\"']?"
    r"(?P<o>\[redacted:[^\]\n]{1,60}\]|[^\s\"'`]{1,300}?)[`\"']?)?"
    r"[ \t]+(?:to|with|->|=>|\u2192)"
    rf"|(?P<m>{_R20_ENV_NAME}|{_R19_FREE_NAME})=[`\"']?(?P<p>[^\s\"'`]{{1,300}}?)[`\"']?"
    r"[ \t]*(?:->|=>|\u2192))"
    r"[ \t]+[`\"']?(?P<v>[^\s\"'`]{6,300})")
# ``password: changed from OLD to V`` (round 20 read no ":" after the name; the old value too)
_R21_FREE_FROM = _rx(
    rf"(?i)(?<![\w-])(?P<n>{_R19_FREE_NAME})[ \t]*:?[ \t]+(?:(?:was|is|has[ \t]+been)[ \t]+)?"
    r"(?:set|changed|rotated|reset|updated)[ \t]+from[ \t]+[\"'`]?(?P<o>[^\s\"'`]{1,64})[\"'`]?"
    r"[ \t]+to[ \t]+[\"'`]?(?P<v>[^\s\"'`]{6,300})")
# ``log in with admin / V``, ``sign in as `admin`/`V``` (round 19 read "login" and "creds")
_R21_FREE_LOGIN = _rx(r"(?i)(?<![\w-])(?:log[ \t-]?in|sign[ \t-]?in)[ \t]+(?:with|as|using)[ \t]+"
                      r"[`\"']?[\w.@+-]{1,64}[`\"']?[ \t]*/[ \t]*[`\"']?(?P<v>[^\s\"'`/]{6,300})")
# ``passcode V`` (round 20 read pw, pwd, passwd and password: in documents these too)
_R21_FREE_PW = _rx(r"(?i)(?<![\w-])(?P<n>passcode|passphrase|pass(?:word|wd)|pwd|pw)[ \t]*:?"
                   r"[ \t]+[\"'`]?(?P<v>[^\s\"'`]{8,300})")
# ``V is the new password``, ``use V as the password`` (found from "is the", the value read back)
_R21_FREE_IS_THE = _rx(r"(?i)[`\"']?[ \t]+(?:(?:is|was)[ \t]+(?:the|our|my|your|a)"
                       r"|as(?:[ \t]+(?:the|our|my|your|a))?)[ \t]+"
                       rf"(?:new[ \t]+)?(?:{_R21_OWNER}[ \t]+)?(?:password|passwd|passphrase|pw"
                       r"|pwd)(?![\w-])")
_R21_WORD_BACK = _rx(r"[^\s\"'`]{6,300}$")
_R21_LOGIN_WORDS = _rx(r"log[ \t-]in|sign[ \t-]?in")  # (on the lower-cased text)
# (round 23) ``the password will be V``, ``u/p: admin/V``
_R23_FREE_WILL = _rx(rf"(?i)(?<![\w-])(?:pass(?:word|wd|phrase)|pwd|pw)[ \t]+(?:{_R23_WILL})"
                     r"(?:[ \t]+(?:changed|set|reset|rotated|updated)[ \t]+to)?"
                     r"[ \t]*:?[ \t]+[\"'`]?(?P<v>[^\s\"'`]{6,300})")
_R23_FREE_UP = _rx(r"(?i)(?<![\w/-])(?:u[ \t]*/[ \t]*pw?|user(?:name)?/pass(?:word)?|user/pw"
                   r"|login/pass(?:word)?|creds?|credentials)(?:[ \t]*[:=-][ \t]*|[ \t]+)[`\"']?"
                   r"[\w.@+-]{1,64}[`\"']?[ \t]*[/:][ \t]*[`\"']?(?P<v>[^\s\"'`/]{6,300})")
# (round 24) ``the root pw was V``, ``db_password was V``, ``The db password will change to V``,
# ``admin password is now V``; ``the staging password = V``, ``staging password -> V``, ``pw=V``
_R24_FREE_WAS = _rx(rf"(?i)(?<![\w-])(?:{_R21_OWNER}[ \t_]+)(?:pass(?:word|wd|phrase)?|pwd|pw)"
                    r"[ \t]+(?:(?:is|was)(?:[ \t]+now)?|(?:will[ \t]+|has[ \t]+been[ \t]+)?"
                    rf"change[ds]?[ \t]+to|{_R23_WILL})[ \t]*:?[ \t]+[\"'`]?"
                    r"(?P<v>[^\s\"'`]{6,300})")
_R24_FREE_EQ = _rx(rf"(?i)(?<![\w-])(?:{_R21_OWNER}[ \t_]+)?(?:pass(?:word|wd|phrase)?|pwd|pw)"
                   r"[ \t]*(?:=|->|=>|\u2192)[ \t]*[\"'`]?(?P<v>[^\s\"'`]{6,300})")
_R21_FREE_RULES = (_R24_FREE_WAS, _R24_FREE_EQ,
                   _R21_FREE_PASS, _R21_FREE_FOR, _R21_FREE_SET, _R21_FREE_FROM, _R21_FREE_LOGIN,
                   _R21_FREE_PW, _R23_FREE_WILL, _R23_FREE_UP)


def _r21_strong(v: str) -> bool:
    """Whether ``v`` reads as a chosen password beyond doubt: a digit, and a symbol or both
    cases (``Zq9-hunter-77x``, ``Xk3#pq9vLm2z``; not ``macos-14``, ``python3``)."""
    return _has_digit(v) and (any(c in _R18_SYMBOLS for c in v)
                              or (any(c.isupper() for c in v) and any(c.islower() for c in v)))


def _r21_old_value(old: str) -> bool:
    """Whether a value replaced (``changed from OLD to V``) reads as a chosen password."""
    return (len(old) >= 6 and "[redacted:" not in old and _r19_password_shaped(old)
            and _HASH_NAME.fullmatch(old) is None
            and _SECRET_STEM.search(old) is None and not _VERSION.match(old))


def _r21_prose_spans(text: str, low: str, doc: bool = False,
                     lines: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """The values of the round-21 forms of prose (git's text; a document's, ``doc``: its
    ``password V`` only of :func:`_r21_strong` shape; see above). Only the lines holding one of
    :data:`_R21_PROSE_WORDS` are read (a whole document read by each rule cost 0.2 s over the
    bench clones' 40 largest; ``lines``: those lines only)."""
    spans: list[tuple[int, int]] = []
    for a, b in _r21_lines(text, low, _R21_PROSE_WORDS) if lines is None else lines:
        for rule in _R21_FREE_RULES:
            for m in rule.finditer(text, a, b):
                spans += _r21_prose_match(m, rule, doc)
        if " is " in low[a:b] or " was " in low[a:b] or " as " in low[a:b]:
            for m in _R21_FREE_IS_THE.finditer(text, a, b):
                back = _R21_WORD_BACK.search(text, max(m.start() - 300, a), m.start())
                if back is not None:
                    v = back.group().lstrip("`\"'(")
                    if _r21_strong(v) and _r19_free_value(v, "password"):
                        spans.append((m.start() - len(v), m.start()))
    return spans


_R21_PROSE_WORDS = ("pass", "pw", "key", "token", "secret", "cred", "log in", "log-in", "sign",
                    "login", "u/p", "u / p")  # (round 23: "login with admin / V", "u/p: admin/V")


def _r21_lines(text: str, low: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """The lines of ``text`` (start, end) that hold one of ``words`` (``low``: in lower case)."""
    starts = sorted({at for w in words for at in _places(low, w)})
    out: list[tuple[int, int]] = []
    for at in starts:
        if out and at < out[-1][1]:
            continue
        out.append((text.rfind("\n", 0, at) + 1, _line_end(text, at)))
    return out


def _r21_prose_match(m: re.Match[str], rule: re.Pattern[str], doc: bool
                     ) -> list[tuple[int, int]]:
    """The spans of a prose rule's match ``m``: its value, and an old value replaced."""
    spans: list[tuple[int, int]] = []
    v = m.group("v").rstrip(_SENTENCE_END)
    name = (m.groupdict().get("n") or m.groupdict().get("m") or "password")
    if v[:1] in "([{<" or "://" in v:
        return spans  # (a link or a note after the word: "an empty password ([#9850](…))")
    if (rule is _R21_FREE_FOR and not m.group("s")
            or rule is _R21_FREE_PW and (doc or name.lower() not in ("passcode", "passphrase"))
            ) and not _r21_strong(v):
        return spans
    arrow = rule is _R22_ARROW or rule is _R24_ARROW
    weak = arrow and _R23_PW_WORD.search(name) is not None  # (round 23)
    if _r19_free_value(v, name) or _r22_stem_value(v, name) or weak and _r23_weak(v) or (
            rule is _R24_FREE_EQ and _r25_assigned_weak(m, v)):
        spans.append((m.start("v"), m.start("v") + len(v)))
    for g in ("o", "p"):  # (an old value: a password too, when it looks chosen)
        old = (m.groupdict().get(g) or "").rstrip(_SENTENCE_END)
        if _r21_old_value(old) or weak and _r23_weak(old):
            spans.append((m.start(g), m.start(g) + len(old)))
    return spans + _r25_chain(m, name, weak) if arrow else spans


def _r21_free_spans(text: str, low: str) -> list[tuple[int, int, str]]:
    """:func:`_free_spans` of the round-21 forms of git's text (see above)."""
    return [(a, b, "Secret In Prose") for a, b in _r21_prose_spans(text, low)]


# a call's two literals: a user's name, then a password (``Some("V")`` in Rust)
_R21_LIT = r"(?P<{g}q>[\"'])(?P<{g}>[^\"'\\\n]{{1,300}})(?P={g}q)"
_R21_PAIR = (rf"\s{{0,80}}{_R21_LIT.format(g='u')}\s{{0,80}},\s{{0,80}}(?:Some\([ \t]*)?"
             rf"{_R21_LIT.format(g='v')}\s{{0,80}}[,).]")  # (round 23: over lines)
_R21_ARGS = [_rx(r"\(" + r"\s{0,80}[^,()\n]{1,300}," * n + _R21_PAIR) for n in range(3)]
# a database's connect call: how many arguments come before its user's name (from its "(")
_R21_CONNECTS = {"getconnection(": 1, "pdo(": 1, "mysqli(": 1, "mysqli_connect(": 1,
                 "mysql_connect(": 1, "pymysql.connect(": 1, "mysqldb.connect(": 1,
                 "psycopg2.connect(": 1,  # (round 25)
                 "ldap_bind(": 1, "ftp_login(": 1, "mysql_real_connect(": 2,
                 "mysqli_real_connect(": 2}
# a credential's constructor or an auth call: its user's name and its password first
_R21_CREDENTIALS = ("basic_auth(", "basicauth(", "credentials(", "credential(",
                    "authentication(", "authenticationtoken(")
# Go's DSN ``"root:V@tcp(db)/app"`` (read back from its "@tcp(")
_R21_DSN_BACK = _rx(r"[\"'`][A-Za-z_][\w.-]{0,63}:(?P<v>[^\s\"'`@:/]{1,300})$")
_R21_DSN_AT = ("@tcp(", "@unix(")
# curl's ``CURLOPT_USERPWD, "admin:V"``, ``CURLOPT_PASSWORD, "V"``
_R21_CURLOPT = _rx(r"(?i)curlopt_(?:proxy)?(?:userpwd[ \t]*,[ \t]*L?\"[^\":\s\\]{0,64}:"
                   r"|(?:password|keypasswd|sslkeypasswd|tlsauth_password)[ \t]*,[ \t]*L?\")"
                   r"(?P<v>[^\"\s\\]{1,300})\"")
# libpq's ``"host=db user=app password=V"`` (a conninfo: another of its keys on the line)
_R21_CONNINFO = _rx(r"(?i)password[ \t]*=[ \t]*(?P<v>[^\s\"'\\;]{1,300})")
_R21_CONNINFO_KEY = _rx(r"(?i)(?<![\w-])(?:host|hostaddr|user|dbname|port|sslmode)=[^\s=]")
# ``btoa("admin:V")``, ``b64encode(b"admin:V")``: a Basic credential encoded
_R21_ENCODED = _rx(r"\([ \t]*b?[\"'`][A-Za-z][\w.@+-]{0,63}:(?P<v>[^\"'`\s]{1,300})[\"'`]")
_R21_ENCODERS = ("btoa(", "b64encode(", "encodetostring(", "encodebase64(", "base64encode(")
# ``echo 'V' | sudo -S …``, ``echo "V" | passwd --stdin admin``
_R21_STDIN = _rx(r"(?:echo|printf)[ \t]+(?:-[neE]{1,3}[ \t]+)?"
                 r"(?:(?P<f>[\"'])%s(?:\\{1,2}n)?(?P=f)[ \t]+)?"  # (round 23: printf '%s\n' 'V')
                 r"(?P<q>[\"']?)(?P<v>[^\s\"'|;&$`\\]{1,300})(?:\\{1,2}n)?(?P=q)"  # (and 'V\n')
                 r"[ \t]*\|[ \t]*(?:sudo[ \t]+(?:[^\n|;&]{0,80}?"
                 r"[ \t])?(?:-[A-Za-z]*S|--stdin)(?![\w-])|passwd[ \t]+--stdin)")
# ``passwd bob <<< 'V'``, ``chpasswd <<< 'bob:V'``
_R21_HERE = _rx(r"(?:ch)?passwd(?:[ \t]+[\w.-]{1,32})?[ \t]*<<<[ \t]*(?P<q>[\"']?)"
                r"(?:[\w.-]{1,32}:)?(?P<v>[^\s\"'$`\\]{1,300})(?P=q)")
# ``smbclient -U admin%V``, ``--user=admin%V`` (read back from its "%")
_R21_SMB_BACK = _rx(r"(?<![\w-])(?:-U=?|--user(?:name)?=?)[ \t]*[\"']?[A-Za-z][\w.\\@-]{0,63}$")
_R21_SMB_VALUE = _rx(r"%(?P<v>[^\s\"'%]{4,300})")
_R23_SMB_QUOTED = _rx(r"%(?P<q>[\"'])(?P<v>[^\"'\n]{4,300})(?P=q)")  # (round 23: ``admin%'V'``)
# command lines' password options: ``ldapsearch -w V``, ``xfreerdp /p:V``, ``mysqladmin
# password V``, ``net use … /user:admin V``, ``openssl passwd -1 V``
_R21_COMMANDS = (
    ("ldap", _rx(r"ldap(?:search|modify|add|delete|passwd|whoami|compare|modrdn|exop)(?=[ \t])"
                 r"[^\n|;&]{0,200}?[ \t]-w[ \t]*(?P<q>[\"']?)(?P<v>[^\s\"'$]{1,300})(?P=q)")),
    ("freerdp", _rx(r"freerdp[^\n|;&]{0,200}?[ \t]/p:(?P<q>[\"']?)(?P<v>[^\s\"'$]{1,300})(?P=q)")),
    ("net use", _rx(r"net[ \t]+use[ \t][^\n|;&]{0,200}?/user:[^\s/]{1,100}[ \t]+(?P<q>[\"']?)"
                    r"(?P<v>[^\s\"'$/*]{1,300})(?P=q)")),
    ("mysqladmin", _rx(r"mysqladmin[ \t][^\n|;&]{0,200}?(?<![\w-])password[ \t]+(?P<q>[\"']?)"
                       r"(?P<v>[^\s\"'$]{1,300})(?P=q)")),
    ("openssl", _rx(r"openssl[ \t]+passwd(?:[ \t]+-(?:1|5|6|apr1|aixmd5|crypt))?"
                    r"(?:[ \t]+-salt[ \t]+[^\s]{1,100})?[ \t]+(?P<q>[\"']?)"
                    r"(?P<v>[^\s\"'$)(-][^\s\"')]{0,299})(?P=q)")),
)
# expect's ``send "V\r"`` after a password's prompt
_R21_SEND = _rx(r"send[ \t]+(?:--[ \t]+)?[\"{](?P<v>[^\"{}\s\\$]{1,300})(?:\\r|\\n)?[\"}]")
_R21_PROMPT = _rx(r"(?i)expect[^\n]{0,120}?(?:assword|passphrase)[^\n]{0,120}$")
# a short name's environment default: ``process.env.DB_PW || 'V'``, ``${PASS:-V}``
_R21_ENV_LOOKUP = _rx(
    r"(?i)(?:process\.env\.|env\[[ \t]*[\"']|environ(?:\.get\(|\[)[ \t]*[\"']|getenv\([ \t]*[\"'])"
    r"(?P<n>\w{1,80})[\"']?[ \t]*[\])]?[ \t]*(?:\|\||\?\?|\?:|\bor\b)[ \t]*"
    r"(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?P=q)")
_R21_ENV_LOOKUPS = ("process.env.", "env[", "environ", "getenv(")
_R21_SHELL_DEFAULT = _rx(r"\$\{(?P<n>\w{1,80}):?[-=](?P<v>[^}\s\"'`]{1,300})\}")
def _r21_hint(text: str, filename: str = "") -> bool:
    """Whether ``text`` may hold a round-21 form the prefilters' words miss (see above)."""
    low = text.lower()
    if filename.lower().endswith(DOC_SUFFIXES) and ("pass" in low or "pw" in low or (
            "/" in text and _R21_LOGIN_WORDS.search(low) is not None)):
        return bool(_round21_spans(text, filename, low))
    return bool(_round21_spans(text, filename, low))


def _round21_findings(text: str, filename: str) -> list[Finding]:
    """The values of the round-21 forms (see above) found in a file's ``text``."""
    found = _round21_spans(text, filename, text.lower())
    if not found:
        return []
    starts = _line_starts(text)
    return [_r18_finding(starts, a, b) for a, b in found]


def _r21_places(low: str, word: str) -> list[int]:
    """Where ``word`` (lower-case) starts in ``low``, a word of its own (no letter, digit or
    "_" before it)."""
    return [at for at in _places(low, word) if at == 0 or not (low[at - 1].isalnum()
                                                               or low[at - 1] == "_")]


def _round21_spans(text: str, filename: str, low: str) -> list[tuple[int, int]]:
    """The spans of the round-21 values in a file's ``text`` (see above; the last text's kept:
    :func:`_r21_hint` and :func:`_round21_findings` ask for the same text's)."""
    last = _R21_LAST[0]  # (read once: the servers scan on several threads)
    if last is not None and last[0] is text and last[1] == filename:
        return list(last[2])
    found: list[tuple[int, int]] = []
    if filename.lower().endswith(DOC_SUFFIXES):
        read = text if text.isascii() else text.translate(_R22_SPACES)  # (round 24: no-break)
        found += _r21_prose_spans(read, low, doc=True) + _r22_prose_spans(read, low)
    elif filename:  # (round 25: a comment's arrows, in scripts and settings too)
        comments = _r23_comment_lines(text, low)
        found += [s for a, b in comments for s in _r22_arrow_spans(text, a, b)]
        if _r18_code(filename):  # (round 23: a comment's prose)
            found += _r21_prose_spans(text, low, doc=True, lines=comments)
    found += _r24_comment_next(text, low)  # (round 25: in scripts, documents, git's text too)
    found += _r26_file_spans(text, low, filename)
    matches = _r21_matches(text, low, _r21_present(low, filename)) + _r23_matches(
        text, low, filename) + _r26_matches(text, low, filename)
    for m, how in matches:
        v = m.group("v")
        if how == "name" and _r19_short_name(m.group("n")) \
                and _r19_name_secret(m.group("n"), v, "keyword") \
                or how == "password" and _plausible(v.rstrip(_SENTENCE_END), "keyword",
                                                    "password") \
                or how == "call" and _plausible(v, "keyword", "password") and (
                    _r19_password_shaped(v) or _r21_login_word(m)) \
                or how == "strong" and _r21_strong(v) and _plausible(v, "keyword", "password") \
                or how == "connect" and _plausible(v, "keyword", "password") and (
                    _r21_strong(v) or _r19_password_shaped(v)
                    and m.group("u").lower() in _R26_ACCOUNTS):
            found.append((m.start("v"), m.start("v") + len(v.rstrip(_SENTENCE_END)
                                                           if how == "password" else v)))
    found += _r26a_spans(text, low, filename)  # (round 26a)
    _R21_LAST[0] = (text, filename, tuple(found))
    return found


_R21_LAST: list[tuple[str, str, tuple[tuple[int, int], ...]] | None] = [None]


def _r21_matches(text: str, low: str, present: set[str]) -> list[tuple[re.Match[str], str]]:
    """The round-21 file rules' matches in ``text``, each with the check its value passes
    (``password``: a password's place; ``name``: a secret's name's; ``call``: a login call's).
    Each rule is tried when its word is ``present`` (see :func:`_r21_present`)."""
    matches: list[tuple[re.Match[str], str]] = []
    if "pass" in present or "pw" in present:
        matches += _r21_pw_matches(text, low, "sudo" in present)
    if "(" in text:
        matches += _r21_calls(text, low, present)
    if "sudo" in present and "|" in text:
        matches += [(m, "password") for w in ("echo", "printf") for at in _r21_places(low, w)
                    if (m := _R21_STDIN.match(text, at)) is not None]
    for word, rule in _R21_COMMANDS[:3]:  # (ldap, freerdp, net use: no password's word)
        if word in present:
            matches += [(m, "password") for m in rule.finditer(text)]
    if "--user" in present or "-U" in present:
        for at in _places(text, "%"):
            if _R21_SMB_BACK.search(text, max(at - 80, 0), at) is not None:
                m = _R23_SMB_QUOTED.match(text, at) or _R21_SMB_VALUE.match(text, at)
                if m is not None:
                    matches.append((m, "password"))
    return matches


def _r21_pw_matches(text: str, low: str, commands: bool) -> list[tuple[re.Match[str], str]]:
    """:func:`_r21_matches` of the rules whose text holds "pass" or "pw" (a name, a prompt, an
    option or a command of a password's; ``commands``: command lines' too)."""
    matches: list[tuple[re.Match[str], str]] = []
    if "curlopt_" in low:
        matches += [(m, "password") for m in _R21_CURLOPT.finditer(text)]
    if "password" in low and "=" in text:
        matches += [(m, "password") for m in _r21_conninfo(text)]
    if not commands:
        return matches + _r21_env_matches(text, low)
    if "--stdin" in low and "|" in text:
        matches += [(m, "password") for w in ("echo", "printf") for at in _r21_places(low, w)
                    if (m := _R21_STDIN.match(text, at)) is not None and "sudo" not in low]
    if "<<<" in text:
        matches += [(m, "password") for at in _r21_places(low, "passwd")
                    + _r21_places(low, "chpasswd") if (m := _R21_HERE.match(text, at))]
    for word, rule in _R21_COMMANDS[3:]:  # (mysqladmin password, openssl passwd)
        if word in low:
            matches += [(m, "password") for m in rule.finditer(text)]
    if "send" in text and "expect" in low:
        for at in _r21_places(low, "send"):
            m = _R21_SEND.match(text, at)
            if m is not None and _R21_PROMPT.search(text, max(at - 240, 0), at) is not None:
                matches.append((m, "password"))
    return matches + _r21_env_matches(text, low)


def _r21_conninfo(text: str) -> list[re.Match[str]]:
    """libpq's ``password=V`` on a line holding another of a conninfo's keys (each line's keys
    looked for once: a line of thousands of ``password = %s`` had been read once each, 4 s for
    2,000; round 23)."""
    out, keyed = [], {}
    for m in _R21_CONNINFO.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if start not in keyed:
            keyed[start] = _R21_CONNINFO_KEY.search(text, start, _line_end(text, m.end()))
        if keyed[start] is not None:
            out.append(m)
    return out


def _r21_env_matches(text: str, low: str) -> list[tuple[re.Match[str], str]]:
    """:func:`_r21_matches` of a short name's environment default."""
    matches: list[tuple[re.Match[str], str]] = []
    if "||" in text or "??" in text or " or " in text or "?:" in text:  # (round 26a: PHP's ?:)
        matches += [(m, "name") for w in _R21_ENV_LOOKUPS for at in _places(low, w)
                    if (m := _R21_ENV_LOOKUP.match(text, at)) is not None]
    if "${" in text:
        matches += [(m, "name") for at in _places(text, "${")
                    if (m := _R21_SHELL_DEFAULT.match(text, at)) is not None]
    return matches


def _line_end(text: str, at: int) -> int:
    """Where the line holding ``text[at]`` ends."""
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _r21_calls(text: str, low: str, present: set[str]) -> list[tuple[re.Match[str], str]]:
    """The round-21 calls' values (a connect call's, a credential's, an encoder's, a DSN's)."""
    out: list[tuple[re.Match[str], str]] = []
    if "connect" in present or present & _R21_PHP_WORDS:
        for word, before in _R21_CONNECTS.items():
            for at in _r21_places(low, word) if word in low else ():
                start = at + len(word) - 1  # (its "(")
                m = _R21_ARGS[before].match(text, start)
                if m is None and word == "getconnection(":  # (a DataSource's: user, password)
                    m = _R21_ARGS[0].match(text, start)
                    m = m if m is not None and m.group().endswith(")") else None
                if m is not None:
                    out.append((m, "password"))
    if "auth" in present or "credential" in present:
        for word in _R21_CREDENTIALS:
            for at in _places(low, word) if word in low else ():
                m = _R21_ARGS[0].match(text, at + len(word) - 1)
                if m is not None:
                    out.append((m, "call"))
    for word in _R21_ENCODERS if "encode" in present or "btoa(" in present else ():
        for at in _places(low, word) if word in low else ():
            m = _R21_ENCODED.match(text, at + len(word) - 1)
            if m is not None:
                out.append((m, "password"))
    for word in _R21_DSN_AT if "@tcp(" in present or "@unix(" in present else ():
        for at in _places(low, word) if word in low else ():
            m = _R21_DSN_BACK.search(text, max(at - 320, 0), at)
            if m is not None:
                out.append((m, "password"))
    return out


# The words the file rules are tried after, each tested with ``in`` (a search for all at once
# costs more on long texts: its first letters are frequent). A program's source is read for
# its language's calls only: command lines (``sudo``, ``ldapsearch``, ``smbclient``, ``net
# use``…) are read in scripts, documents and settings (each word tested cost +0.1% of
# ``find_secrets`` over the bench clones).
_R21_PHP_WORDS = frozenset(("pdo(", "mysqli(", "_bind(", "ftp_login("))
_R21_CODE_WORDS = ("pass", "pw", "auth", "encode", "connect", "credential")
_R21_LANGUAGE_WORDS = {".php": tuple(_R21_PHP_WORDS), ".go": ("@tcp(", "@unix("),
                       ".js": ("btoa(",), ".ts": ("btoa(",), ".jsx": ("btoa(",),
                       ".tsx": ("btoa(",), ".mjs": ("btoa(",), ".cjs": ("btoa(",)}
_R21_OTHER_WORDS = (*_R21_CODE_WORDS, *sorted(_R21_PHP_WORDS), "btoa(", "@tcp(", "@unix(",
                    "sudo", "ldap", "freerdp", "net use", "--user")


def _r21_present(low: str, filename: str) -> set[str]:
    """The words of :data:`_R21_OTHER_WORDS` (a program's source: of its language's) in
    ``low``; a text not a program's holding "sudo" or "-U" is read for command lines."""
    if filename and _r18_code(filename):
        ext = posixpath.splitext(filename.lower())[1]
        words: tuple[str, ...] = _R21_CODE_WORDS + _R21_LANGUAGE_WORDS.get(ext, ())
        present = {w for w in words if w in low}
        if any(w in low for w in _R24_COMMAND_WORDS):  # (round 24: a program's command lines)
            present |= {w for w in ("sudo", "ldap", "freerdp", "net use", "--user") if w in low}
            if "%" in low and "-u" in low:
                present.add("-U")
        return present
    present = {w for w in _R21_OTHER_WORDS if w in low}
    if present & {"pass", "pw", "ldap", "freerdp", "net use", "--user"}:
        present.add("sudo")  # (a command line's: read for <<<, openssl, expect too)
    if "%" in low and "-u" in low:
        present.add("-U")
    return present
_R21_UI_WORDS = frozenset(
    "cancel submit login logout signin signout signup register continue close back next ok yes "
    "no done save apply reset retry skip confirm enter user username email name guest anonymous "
    "password passwd secret admin test demo default none null".split())
_R21_USER = _rx(r"[a-z0-9][a-z0-9._+-]{0,63}(?:@[a-z0-9.-]{1,100})?")


def _r21_login_word(m: re.Match[str]) -> bool:
    """Whether a login call's second literal is a lower-case word chosen as a password: its first
    a lower-case user's name or e-mail (``login("admin", "sunshine")``); a form's labels are
    capitalized (``page.login("Login", "Cancel")``), a word of a form's is no password."""
    user, v = m.groupdict().get("u"), m.group("v")
    return (user is not None and _R21_USER.fullmatch(user) is not None
            and v.isalpha() and v.islower() and len(v) >= 4 and v not in _R21_UI_WORDS
            and v != user and _plausible(v, "keyword", "password"))


# -- round 22 --
# Forms round 21 left (an independent verifier's, in git's text): ``set DB_PASSWORD=OLD to V``
# when OLD was masked first (the old value read as ``[redacted: …]``), a quoted chosen value
# holding a secret's word (``'Gx8#newPass8'``), ``password for the staging db is now V`` and
# ``… is: V``, ``use V as password``, ``DB_PASS V``, a no-break space after the name, the
# prose read with look-alike letters folded (``pаssword`` in Cyrillic), arrows after a name
# (``Password: OLD → V``, ``PASSWORD changed: OLD => V``, ``rotate STRIPE_API_KEY: OLD -> V``),
# ``AWS_SECRET_ACCESS_KEY was V`` (a generated value after a name's "was" or "is"), and a value
# alone on the line after a password's name (``staging db pass`` then ``V``).
_R22_OLD = r"(?P<o>\[redacted:[^\]\n]{1,60}\]|[^\s\"'`]{1,300}?)"
_R22_ARROW = _rx(
    rf"(?i)(?<![\w-])(?P<n>{_R20_ENV_NAME}|{_R19_FREE_NAME})[`\"']?"
    r"(?:[ \t]+(?:changed|rotated|updated|reset))?[ \t]*:?[ \t]+"
    rf"(?:from[ \t]+)?[`\"']?{_R22_OLD}[`\"']?[ \t]*(?:->|=>|\u2192)[ \t]*"
    r"[`\"']?(?P<v>[^\s\"'`]{6,300})")
_R22_WAS = _rx(rf"(?<![\w-])(?P<n>(?i:{_R20_ENV_NAME}))[`\"']?[ \t]+(?:was|is)"
               r"(?:[ \t]+now)?[ \t]*:?[ \t]+[`\"']?(?P<v>[A-Za-z0-9+/=_.~-]{16,300})")
_R22_NEXT_LINE = _rx(rf"(?i)(?<![\w-])(?:{_R21_OWNER}[ \t_]+pass|pass(?:word|wd|phrase)|pwd)"
                     r"(?:[ \t]+(?:below|follows|as[ \t]+follows))?"  # (round 24)
                     r"[ \t]*:?[ \t]*\n(?:[ \t]*\n)?"  # (round 23: a blank line between)
                     r"[ \t]*[`\"']?(?P<v>[^\s\"'`]{6,300})[`\"']?[ \t]*(?:\n|$)")
_R22_SPACES = {c: " " for c in (0xA0, 0x2007, 0x202F, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
                                0x2005, 0x2006, 0x2008, 0x2009, 0x200A, 0x205F, 0x3000)}


def _r22_stem_value(v: str, name: str) -> bool:
    """Whether ``v`` is a chosen password though it holds a secret's word (``Gx8#newPass8``):
    both cases, a digit and a symbol (``k8s-secrets-v2``, a store's name, has one case)."""
    return ("[redacted:" not in v and len(v) >= 8 and _has_digit(v)
            and any(c in _R18_SYMBOLS for c in v) and any(c.isupper() for c in v)
            and any(c.islower() for c in v) and _plausible(v, "prose", name))


def _r22_generated(v: str) -> bool:
    """Whether ``v`` reads as generated: 16 characters or more, both cases and a digit."""
    return (len(v) >= 16 and _has_digit(v) and any(c.isupper() for c in v)
            and any(c.islower() for c in v) and not _named_with_number(v))


def _r22_free_spans(text: str, low: str) -> list[tuple[int, int, str]]:
    """:func:`_free_spans` of the round-22 forms of git's text (see above)."""
    read = _folded(text).translate(_R22_SPACES)
    spans: list[tuple[int, int]] = []
    if read != text and len(read) == len(text):  # (look-alike letters, other spaces)
        spans += _r21_prose_spans(read, read.lower())
    spans += _r22_prose_spans(read, read.lower()) + _r24_comment_next(read, read.lower())
    spans += _r26_prose_spans(read, read.lower())  # (round 26)
    return [(a, b, "Secret In Prose") for a, b in spans]


def _r22_prose_spans(read: str, low: str) -> list[tuple[int, int]]:
    """The values of round 22's arrows, "NAME was V" and a value on the next line, in git's
    text (``read``: folded; ``low``: it in lower case) and, since round 23, in documents: on the
    lines holding a secret's word (a document read whole by each rule cost +0.7% of
    ``find_secrets`` over the bench clones)."""
    spans: list[tuple[int, int]] = []
    for a, b in _r21_lines(read, low, _R21_PROSE_WORDS):
        line = read[a:b]
        spans += _r22_arrow_spans(read, a, b)
        if " was " in line or " is " in line:
            for m in _R22_WAS.finditer(read, a, b):
                v = m.group("v").rstrip(_SENTENCE_END)
                if _r22_generated(v) and "[redacted:" not in v:
                    spans.append((m.start("v"), m.start("v") + len(v)))
        if b < len(read) and ("pass" in low[a:b] or "pwd" in low[a:b]):
            after = _line_end(read, _line_end(read, b + 1) + 1)  # (a blank line, then V)
            spans += _r22_next_line(read, a, b, after)
        if " to " in line or " now " in line:
            spans += _r25_set_to(read, a, b)
    return spans


def _r22_arrow_spans(read: str, a: int, b: int) -> list[tuple[int, int]]:
    """The values after an arrow (or "to") from a secret's name on the line ``a``..``b``
    (rounds 22 and 24; see ``_R22_ARROW``, ``_R24_ARROW``)."""
    line, spans = read[a:b], []
    if "->" in line or "=>" in line or "\u2192" in line:
        for m in _R22_ARROW.finditer(read, a, b):
            spans += _r21_prose_match(m, _R22_ARROW, False)
    if "~~" in line or "[redacted:" in line or any(w in line for w in _R24_ARROW_WORDS):
        for rule in (_R24_ARROW, _R24_TO, _R24_STRUCK):
            spans += [s for m in rule.finditer(read, a, b)
                      for s in _r21_prose_match(m, _R24_ARROW, False)]
    return spans


def _r22_next_line(read: str, a: int, b: int, after: int) -> list[tuple[int, int]]:
    """A value alone on the line after a password's name on the line ``a``..``b`` (or after a
    blank line: read up to ``after``)."""
    spans: list[tuple[int, int]] = []
    for m in _R22_NEXT_LINE.finditer(read, a, after):
        v = m.group("v").rstrip(_SENTENCE_END)
        if m.start() >= b or read[m.start() - 1:m.start()] in (",", ";", "|") and m.start():
            continue  # (round 23: a table's header, ``user,password`` over ``admin,V``)
        if _r21_strong(v) and (_r19_free_value(v, "password") or _r22_stem_value(v, "")):
            spans.append((m.start("v"), m.start("v") + len(v)))
    return spans


# -- round 23 --
# Forms round 22 left (an independent verifier's). In documents: round 22's arrows, "NAME was V"
# and a value on the line after a password's name (git's text had them), a blank line between
# the name and the value, "the password … will be V", "u/p: admin/V", and after an arrow from a
# password's name a weak new value (``password: x -> summer2024``; the old one too). In a
# program's comments the prose of documents (``# the db password is V``, ``// prod password: V``,
# ``/* login with admin / V */``). In files: a login call with no parentheses (Ruby's ``login
# 'admin', 'V'``), Capybara's ``fill_in 'Password', with: 'V'``, a template's ``${user}:V@``,
# ``LOGIN = ("admin", "V")``, a connect call's arguments over lines, a format string's DSN
# (``Sprintf("postgres://%s:%s@%s/db", "admin", "V", host)``); in scripts and documents ``sudo
# -S <<< 'V'``, ``printf 'V\n' | sudo -S``, ``smbclient -U admin%'V'``, ``openssl enc -k V``.
_R23_PW_WORD = _rx(r"(?i)pass|pwd|pw")
_R23_WEAK = _rx(r"[A-Za-z]{3,40}[0-9]{1,8}[!@#$%^&*?.]{0,3}")
_R23_ALGORITHMS = _rx(r"(?i)(?:md|sha|sha3_|argon|pbkdf|blake|crc|utf|ucs|base|x|rsa|ecdsa|ed"
                      r"|aes|hmac|des|tls|ssl|http|python|py|node|java|v|gzip|bzip|lz|scrypt"
                      r"|bcrypt|yescrypt)\d{1,8}\w*")


def _r23_weak(v: str) -> bool:
    """Whether ``v`` after an arrow from a password's name is a password, weak as it may be:
    letters then digits (``summer2024``, ``hunter2``, ``OldPass1``) or chosen (see
    :func:`_r19_password_shaped`); an algorithm or a version (``argon2id``, ``sha256``) is none."""
    return ("[redacted:" not in v and len(v) >= 6 and not _VERSION.match(v)
            and _R23_ALGORITHMS.fullmatch(v) is None
            and (_R23_WEAK.fullmatch(v) is not None or _r19_password_shaped(v))
            and _plausible(v, "keyword", "password"))


_R23_COMMENT = ("#", "//", "/*", "*", "--", ";", "<!--", "%", "'")
# the words a comment's line is read after (a password's: "key" and "token" are in most programs)
_R23_COMMENT_WORDS = ("pass", "pw", "login", "log in", "u/p", "cred")


def _r23_comment_lines(text: str, low: str, words: tuple[str, ...] = _R23_COMMENT_WORDS
                       ) -> list[tuple[int, int]]:
    """The lines of a program's ``text`` holding a word of prose's secrets (``words``) that are
    comments (start with a comment's mark)."""
    out = []
    for a, b in _r21_lines(text, low, words):
        if text[a:b].lstrip().startswith(_R23_COMMENT):
            out.append((a, b))
            continue
        at = max(text.rfind(" # ", a, b), text.rfind(" // ", a, b), text.find('"""', a, b),
                 text.find("'''", a, b))  # (round 24: a comment after code, a docstring)
        if at >= a:
            out.append((at + 1, b))
    return out


_R23_USER = r"(?P<a>[\"'])(?P<u>[^\"'\\\n]{1,160})(?P=a)"
_R23_VALUE = r"(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?P=q)"
# ``login 'admin', 'V'`` (Ruby), ``sign_in('admin@x', 'V')``, ``login_as "admin", "V"``
_R23_LOGIN = _rx(r"(?<![\w$])(?:log_?in|sign_?in)(?:_(?:as|user|with))?(?:[ \t]*\([ \t]*|[ \t]+)"
                 rf"(?:{_R23_USER}|:\w{{1,60}})[ \t]*,\s{{0,80}}{_R23_VALUE}")  # (round 24:
# ``log_in``, ``login_user``, ``sign_in(:admin, 'V')``, ``login 'admin',`` then 'V' below)
# Capybara's ``fill_in 'Password', with: 'V'``, ``fill_in :user_password, with: "V"``;
# Playwright's ``page.fill('#password', 'V')`` (``type``, WebdriverIO's ``setValue``)
_R23_FILL_IN = _rx(r"(?i)(?:fill_in[ \t(]+|\.(?:fill|type|set_?value)\([ \t]*)"
                   r"(?:(?P<a>[\"'`])(?:(?!(?P=a))[^\n]){0,60}?(?:pass|pwd)(?:(?!(?P=a))[^\n]){0,60}"
                   r"(?P=a)|:\w{0,40}(?:pass|pwd)\w{0,40})[ \t]*,[ \t]*(?:(?::with[ \t]*=>|with:)"
                   rf"[ \t]*)?{_R23_VALUE}")
# a template's ``${user}:V@`` (a URL's user a variable, its password written in)
_R23_TEMPLATE = _rx(r"\$\{[\w.$\[\]'\"]{1,80}\}:(?P<v>[^\s@:/`$\"'{}\\]{1,300})@")
# ``LOGIN = ("admin", "V")``, ``AUTH = ['admin', 'V']`` (found from its "=", its name read back)
_R23_PAIR = _rx(rf"=[ \t]*(?:[(\[]\s{{0,80}})?{_R23_USER}\s{{0,80}},\s{{0,80}}{_R23_VALUE}"
                r"[ \t]*(?:,?\s{0,80}[)\]]|[;#]|$)", re.MULTILINE)
# (Python's ``LOGIN = 'admin', 'V'``; round 24: over lines)
_R23_PAIR_NAME = _rx(r"(?i)(?:(?:login|creds?|credentials?|auth|account|user_?pass\w*|admin"
                     r"|root|superuser)[\w$]{0,40}"
                     r"|(?:pass(?:word|wd)?|pw)[ \t]*[)\]])"  # (``const [user, pass] = […]``)
                     r"[ \t]*(?::[^=\n]{0,40})?$")
# a format string's DSN: ``Sprintf("postgres://%s:%s@%s/db", "admin", "V", host)``,
# ``"…%s:%s@…" % ("admin", "V")``, ``"…{}:{}@…".format("admin", "V")`` (found from "%s:%s@"; the
# placeholders before it skip as many arguments)
_R23_FORMAT_WORDS = ("%s:%s@", "%v:%v@", "{}:{}@")
_R23_FORMAT_ARGS = [_rx(r"[^\"'`\n]{0,200}[\"'`][ \t]*(?:\)?\.format\(|,|%[ \t]*\(?)"
                        + r"\s{0,80}[^,()\n]{1,200}," * n
                        + r"\s{0,80}(?:" + _R23_USER + r"|[\w.$]{1,80})\s{0,80},\s{0,80}"
                        + _R23_VALUE) for n in range(4)]
_R23_PLACEHOLDER = _rx(r"%[sv]|\{\d*\}")
# ``sudo -S <<< 'V' cmd``
_R23_SUDO_HERE = _rx(r"sudo[ \t](?:[^\n|;&<]{0,80}?[ \t])?(?:-[A-Za-z]*S[A-Za-z]*|--stdin)"
                     r"(?![\w-])[^\n|;&<]{0,200}?<<<[ \t]*(?P<q>[\"']?)"
                     r"(?P<v>[^\s\"'$`\\]{1,300})(?P=q)")
# ``printf 'bob:%s\n' 'V' | chpasswd``
_R23_CHPASSWD = _rx(r"printf[ \t]+(?P<f>[\"'])[\w.-]{1,32}:%s(?:\\{1,2}n)?(?P=f)[ \t]+(?P<q>[\"']?)"
                    r"(?P<v>[^\s\"'$`\\]{1,300})(?P=q)[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd")
# ``openssl enc -aes-256-cbc -k V``, ``-pass pass:V``, ``-passin pass:V``
_R23_OPENSSL = _rx(r"openssl[ \t][^\n|;&]{0,200}?[ \t](?:-k(?:[ \t]+|=)"  # (round 24: -k=V,
                   r"|-pass(?:in|out)?[ \t]+[\"']?pass:)"  # ``-pass 'pass:V'``)
                   r"(?P<q>[\"']?)(?P<v>[^\s\"'$]{1,300})(?P=q)")


def _r23_matches(text: str, low: str, filename: str) -> list[tuple[re.Match[str], str]]:
    """The round-23 file rules' matches in ``text`` (see above), each with its value's check
    (as :func:`_r21_matches`'): a program's calls in its source, command lines elsewhere."""
    out: list[tuple[re.Match[str], str]] = []
    if "login" in low or "sign_in" in low or "log_in" in low:
        out += [(m, "call") for w in ("login", "sign_in", "log_in") for at in _r21_places(low, w)
                if (m := _R23_LOGIN.match(text, at)) is not None]
    if "fill_in" in low or "pass" in low and (".fill(" in low or ".type(" in low
                                              or "setvalue(" in low or "set_value(" in low):
        out += [(m, "call") for m in _R23_FILL_IN.finditer(text)]
    if "${" in text and "}:" in text:
        out += [(m, "call") for at in _places(text, "${")
                if (m := _R23_TEMPLATE.match(text, at)) is not None]
    if "=" in text:  # (the pairs are few: their names read back)
        out += [(m, "call") for m in _r23_pairs(text)]
    out += [(m, "call") for m in _r23_formats(text)] + _r24_calls(text, low)
    if ("mysql" in low or "mariadb" in low) and "-p" in text:  # (round 25: any file's)
        out += [(m, "password") for rule in _R25_MYSQL for m in rule.finditer(text)]
    if filename and _r18_code(filename) and not any(w in low for w in _R24_COMMAND_WORDS):
        return out  # (round 24: a program's command lines, in a comment or a string, too)
    return out + _r23_commands(text, low) + _r24_commands(text, low)


def _r23_commands(text: str, low: str) -> list[tuple[re.Match[str], str]]:
    """:func:`_r23_matches` of command lines (in scripts, documents and settings)."""
    out: list[tuple[re.Match[str], str]] = []
    if "sudo" in low and "<<<" in text:
        out += [(m, "password") for at in _r21_places(low, "sudo")
                if (m := _R23_SUDO_HERE.match(text, at)) is not None]
    if "chpasswd" in low and "printf" in low:
        out += [(m, "password") for at in _r21_places(low, "printf")
                if (m := _R23_CHPASSWD.match(text, at)) is not None]
    if "openssl" in low:
        out += [(m, "password") for at in _r21_places(low, "openssl")
                if (m := _R23_OPENSSL.match(text, at)) is not None]
    return out


def _r23_pairs(text: str) -> list[re.Match[str]]:
    """``LOGIN = ("admin", "V")``: a pair of literals assigned to a login's name."""
    out = []
    for m in _R23_PAIR.finditer(text):
        at = m.start()
        if text[at - 1:at] not in ("=", "!", "<", ">") and _R23_PAIR_NAME.search(
                text, max(text.rfind("\n", 0, at) + 1, at - 120), at) is not None:
            out.append(m)
    return out


def _r23_formats(text: str) -> list[re.Match[str]]:
    """A format string's DSN (see above): the password's argument after the user's."""
    out = []
    for word in _R23_FORMAT_WORDS:
        for at in _places(text, word) if word in text else ():
            start = max(text.rfind(q, max(at - 200, 0), at) for q in "\"'`")
            before = len(_R23_PLACEHOLDER.findall(text, start + 1, at)) if start >= 0 else 0
            m = _R23_FORMAT_ARGS[min(before, 3)].match(text, at)
            if m is not None:
                out.append(m)
    return out


# -- round 24 --
# Forms round 23 left (an independent verifier's): an arrow after ``NAME:`` with no space
# (``DB_PASSWORD:OLD->V``), after ``NAME = OLD``, in a table's row (``| DB_PASSWORD | OLD -> V
# |``), the arrows ``-->``, ``⇒``, ``⟶``, ``➜``, ``↦``, ``—>`` and ``NAME: OLD to V``,
# ``NAME changed from OLD to V`` (the old value too).
_R24_ARROWS = (r"(?:-{1,2}>|={1,2}>|~{1,2}>|[\u2192\u21d2\u27f6\u279c\u21a6\u27f9\u2794"
               r"\u21e8]|[\u2014\u2013]-?>)")  # (round 25: ``~>``)
_R24_ARROW_WORDS = ("->", "=>", " to ", "~>", "\u2192", "\u21d2", "\u27f6", "\u279c", "\u21a6",
                    "\u27f9", "\u2794", "\u21e8", "\u2014>", "\u2013>")
_R24_ARROW = _rx(
    rf"(?i)(?<![\w-])(?P<n>{_R20_ENV_NAME}|{_R19_FREE_NAME})[`\"'*]{{0,2}}"
    r"(?:[ \t]+(?:changed|rotated|updated|reset))?(?:[ \t]*[:=|][ \t]*|[ \t]+)"
    r"(?:from[ \t]+)?[`\"'*~]{0,2}"
    r"(?P<o>\[redacted:[^\]\n]{1,60}\]|[^\s\"'`|*~]{1,300}?)[`\"'*~]{0,2}"
    rf"[ \t]*{_R24_ARROWS}[ \t]*[`\"'*]{{0,2}}(?P<v>[^\s\"'`|*]{{6,300}})")
# Markdown's ``password: ~~OLD~~ V`` (the old value struck through)
_R24_STRUCK = _rx(
    rf"(?i)(?<![\w-])(?P<n>{_R20_ENV_NAME}|{_R19_FREE_NAME})[`\"'*]{{0,2}}[ \t]*[:=|][ \t]*"
    r"(?:~~[`\"']?(?P<o>[^\s\"'`~]{1,300})[`\"']?~~|\[redacted:[^\]\n]{1,60}\])[ \t]*"
    r"[`\"'*]{0,2}(?P<v>[^\s\"'`|*]{6,300})")  # (in git's text: after the mark of ~~OLD~~)
# ``NAME: OLD to V``, ``NAME changed from OLD to V`` (not ``Pass ctx.obj2 to subcommands``)
_R24_TO = _rx(
    rf"(?i)(?<![\w-])(?P<n>{_R20_ENV_NAME}|{_R19_FREE_NAME})[`\"'*]{{0,2}}"
    r"(?:[ \t]*[:=|][ \t]*(?:from[ \t]+)?"  # (round 25: ``NAME from OLD to V``)
    r"|[ \t]+(?:(?:changed|rotated|updated|reset)[ \t]+)?from[ \t]+)"
    r"[`\"'*~]{0,2}(?P<o>\[redacted:[^\]\n]{1,60}\]|[^\s\"'`|*~]{1,300}?)[`\"'*~]{0,2}"
    r"[ \t]+to[ \t]+[`\"'*]{0,2}(?P<v>[^\s\"'`|*]{6,300})")

# In a program's comment or string (``subprocess.run("… | sudo -S …")``, ``execSync(`…`)``) the
# command lines read in scripts; ``printf 'root:V\n' | chpasswd``, ``printf '%s:%s\n' bob 'V' |
# chpasswd``; a here-document's first line after ``sudo -S … <<EOF`` or ``chpasswd <<EOF``.
_R24_COMMAND_WORDS = ("sudo", "smbclient", "openssl", "chpasswd")
_R24_VALUE = r"(?P<q>[\"']?)(?P<v>[^\s\"'$`\\]{1,300})(?P=q)"
_R24_CHPASSWD = (
    _rx(r"printf[ \t]+(?P<q>[\"'])[\w.-]{1,32}:(?P<v>[^\s\"'$`\\%]{1,300})(?:\\{1,2}n)?(?P=q)"
        r"[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd"),
    _rx(r"printf[ \t]+(?P<f>[\"'])%s:%s(?:\\{1,2}n)?(?P=f)[ \t]+(?P<u>[\"']?)[\w.-]{1,32}(?P=u)"
        rf"[ \t]+{_R24_VALUE}[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd"),
)
_R24_HERE_DOC = (
    ("sudo", _rx(r"sudo[ \t](?:[^\n|;&<]{0,80}?[ \t])?(?:-[A-Za-z]*S[A-Za-z]*|--stdin)(?![\w-])"
                 r"[^\n|;&<]{0,200}?<<-?[ \t]*[\"']?\w{1,20}[\"']?[^\n]{0,200}\n[ \t]*"
                 r"(?P<v>[^\s\"'$`\\]{1,300})[ \t]*(?:\n|$)")),
    ("chpasswd", _rx(r"chpasswd[^\n<|;&]{0,80}<<-?[ \t]*[\"']?\w{1,20}[\"']?[^\n]{0,200}\n"
                     r"[ \t]*[\w.-]{1,32}:(?P<v>[^\s\"'$`\\]{1,300})[ \t]*(?:\n|$)")),
)


def _r24_commands(text: str, low: str) -> list[tuple[re.Match[str], str]]:
    """:func:`_r23_commands` of round 24's forms (see above)."""
    out: list[tuple[re.Match[str], str]] = []
    if "chpasswd" in low and "printf" in low:
        out += [(m, "password") for at in _r21_places(low, "printf") for rule in _R24_CHPASSWD
                if (m := rule.match(text, at)) is not None]
    if "<<" in text:
        out += [(m, "password") for word, rule in _R24_HERE_DOC for at in _r21_places(low, word)
                if (m := rule.match(text, at)) is not None]
    return out

# Browser tests' fields found first: ``page.locator('#password').fill('V')``,
# ``page.getByLabel('Password').fill('V')``, ``cy.get('#password').type('V')``, Selenium's
# ``find_element(By.ID, "password").send_keys("V")``; JDBC's ``getConnection(url, user, "V")``;
# Ruby's ``"postgres://#{user}:V@#{host}"``.
_R24_FIELD = _rx(r"(?i)(?:locator|getby\w{0,20}|get|find_element\w{0,20}|findelement\w{0,20}"
                 r"|\$)\([^()\n]{0,80}?(?:pass|pwd)[^()\n]{0,80}\)[ \t]*\.(?:fill|type|send_?keys"
                 rf"|set_?value|press_?sequentially)\([ \t]*{_R23_VALUE}")
_R24_FIELD_WORDS = (".fill(", ".type(", "send_keys(", "sendkeys(", "setvalue(", "set_value(",
                    "presssequentially(", "press_sequentially(", "typetext(", "replacetext(")
_R24_JDBC = _rx(r"getConnection\(\s{0,80}[^,()\n]{1,200},\s{0,80}[\w.]{1,80}\s{0,80},\s{0,80}"
                rf"{_R23_VALUE}\s{{0,80}}\)")
_R24_RUBY_URL = _rx(r"#\{[\w.@\[\]'\"]{1,80}\}:(?P<v>[^\s@:/`$\"'{}\\#]{1,300})@")


def _r24_calls(text: str, low: str) -> list[tuple[re.Match[str], str]]:
    """:func:`_r23_matches` of round 24's calls (see above)."""
    out: list[tuple[re.Match[str], str]] = []
    if ("pass" in low or "pwd" in low) and any(w in low for w in _R24_FIELD_WORDS):
        out += [(m, "call") for m in _R24_FIELD.finditer(text)] + _r25_fields(text)
    if "getConnection(" in text:
        out += [(m, "call") for at in _places(text, "getConnection(")
                if (m := _R24_JDBC.match(text, at)) is not None]
    if "#{" in text and "}:" in text:
        out += [(m, "call") for at in _places(text, "#{")
                if (m := _R24_RUBY_URL.match(text, at)) is not None]
    return out


# a comment's password on the next comment line: ``# staging db password:`` then ``# V``
_R24_COMMENT_NEXT = _rx(r"(?i)(?:#|//|--|\*)[ \t]*(?:[\w-]{1,30}[ \t]+){0,3}"
                        r"(?:pass(?:word|wd|phrase)?|pwd|pw)[ \t]*:[ \t]*\r?\n[ \t]*(?:#|//|--|\*)"
                        r"[ \t]*[`\"']?(?P<v>[^\s\"'`]{6,300})[`\"']?[ \t]*(?:\r?\n|$)")


def _r24_comment_next(text: str, low: str) -> list[tuple[int, int]]:
    """See ``_R24_COMMENT_NEXT``: read from the comment lines ending in a password's ":"."""
    spans: list[tuple[int, int]] = []
    for a, b in _r21_lines(text, low, ("pass", "pw")) if ":\n" in text else ():
        if text[b - 1:b] != ":":
            continue
        m = _R24_COMMENT_NEXT.search(text, a, _line_end(text, b + 1))
        if m is not None:
            v = m.group("v").rstrip(_SENTENCE_END)
            if _r21_strong(v) and (_r19_free_value(v, "password") or _r22_stem_value(v, "")):
                spans.append((m.start("v"), m.start("v") + len(v)))
    return spans


# -- round 25 --
# Forms round 24 left (an independent verifier's): a chain of values after a password's name
# (``DB_PASSWORD: A -> V2 -> V3``: each one after the name; the rules read the first arrow's).
_R25_LINKS = 16  # links of a chain read at most
_R25_LINK = _rx(rf"[`\"'*~]{{0,2}}(?:[ \t]*{_R24_ARROWS}|[ \t]+to(?=[ \t]))[ \t]*[`\"'*]{{0,2}}"
                r"(?P<v>\[redacted:[^\]\n]{1,60}\]|[^\s\"'`|*]{6,300})")  # (or ``… to V3``)


def _r25_chain(m: re.Match[str], name: str, weak: bool) -> list[tuple[int, int]]:
    """The values after an arrow's match ``m`` (``NAME: OLD -> V``) each after one more arrow:
    ``-> V2 -> V3`` (a mark, a value masked first, is a link too)."""
    read, spans = m.string, []
    mark = _MARK.match(read, m.start("v"))
    at = mark.end() if mark is not None else m.end("v")
    for _ in range(_R25_LINKS):
        link = _R25_LINK.match(read, at)
        if link is None:
            break
        v = link.group("v").rstrip(_SENTENCE_END)
        if not v.startswith("[redacted:") and (
                _r19_free_value(v, name) or _r22_stem_value(v, name) or weak and _r23_weak(v)):
            spans.append((link.start("v"), link.start("v") + len(v)))
        at = link.end()
    return spans


def _r25_set_to(read: str, a: int, b: int) -> list[tuple[int, int]]:
    """Round 19's ``NAME was set to V`` (git's text) in documents, a value of
    :func:`_r21_strong` shape: ``the DB pass was set to V``."""
    spans = []
    for m in _R19_FREE_TO.finditer(read, a, b):
        v = m.group("v").rstrip(_SENTENCE_END)
        if _r21_strong(v) and _r19_free_value(v, m.group("n") or m.group("m")):
            spans.append((m.start("v"), m.start("v") + len(v)))
    return spans


# Browser tests' fields (round 24 read ``locator('#password').fill('V')``): a locator's argument
# holding a call (Selenium's ``findElement(By.id("password")).sendKeys("V")``, Detox's
# ``element(by.id('password')).typeText('V')``), a chained call over lines, Playwright for
# Python's ``get_by_label("Password")``, and a field's variable given the value on one of the
# next lines (``WebElement pw = driver.findElement(By.name("password"));`` then
# ``pw.sendKeys("V");``).
_R25_FIELD_CALL = _rx(r"(?i)(?<![\w$])(?:locator|get_?by_?\w{0,20}|get|find_?element\w{0,20}"
                      r"|element|\$)\((?P<a>[^()\n]{0,80}(?:\([^()\n]{0,80}\)[^()\n]{0,40})?)\)")
_R25_METHODS = (r"(?:fill|type|type_?text|replace_?text|send_?keys|set_?value|add_?value"
                r"|press_?sequentially)")
_R25_FIELD_USE = _rx(rf"(?i)\s{{0,80}}\.{_R25_METHODS}\([ \t]*{_R23_VALUE}")
_R25_VAR_USE = _rx(rf"(?i)(?<![\w$.])(?P<n>[A-Za-z_$][\w$]{{0,40}})[ \t]*\.{_R25_METHODS}\([ \t]*"
                   rf"{_R23_VALUE}")
_R25_ASSIGNED = _rx(r"(?P<n>[A-Za-z_$][\w$]{0,40})[ \t]*(?::[^=\n]{0,40})?=[ \t]*(?:await[ \t]+)?"
                    r"(?:[\w$]{1,40}(?:\(\))?\.){0,4}$")


def _r25_fields(text: str) -> list[tuple[re.Match[str], str]]:
    """The values of browser tests' fields of a password (see above), as :func:`_r24_calls`."""
    out: list[tuple[re.Match[str], str]] = []
    for m in _R25_FIELD_CALL.finditer(text):
        args = m.group("a").lower()
        if "pass" not in args and "pwd" not in args:
            continue
        use = _R25_FIELD_USE.match(text, m.end())
        if use is not None:
            out.append((use, "call"))
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        var = _R25_ASSIGNED.search(text, max(start, m.start() - 200), m.start())
        if var is None:
            continue
        end = m.end()
        for _ in range(_R26_VAR_LINES + 1):  # (round 26: 12 lines, round 25's 3)
            end = _line_end(text, end + 1) if end < len(text) else end
        out += [(u, "call") for u in _R25_VAR_USE.finditer(text, m.end(), end)
                if u.group("n") == var.group("n")]
    return out


def _r25_assigned_weak(m: re.Match[str], v: str) -> bool:
    """Whether ``pw=V`` (``_R24_FREE_EQ``'s match ``m``) assigns a weak password of letters and
    digits (``# pw=hunter2hunter2``: words with a number read as a name's, round 19)."""
    return ("=" in m.group() and "=>" not in m.group() and v.isalnum() and len(v) >= 8
            and _r23_weak(v))


# mysql's password quoted (``mysql -uroot -p"V"``, ``-p'V'``) or a program's argument
# (``exec.Command("mysql", "-uroot", "-pV")``, ``["mysql", "-pV"]``): the pattern of command
# lines reads ``-pV`` after a blank only
_R25_MYSQL_HEAD = r"(?<![\w-])(?i:mysql\w{0,20}|mariadb\w{0,20})\b[^\n#]{0,300}?"
_R25_MYSQL = (_rx(_R25_MYSQL_HEAD + r"[ \t]-p(?P<q>[\"'])(?P<v>[^\"'\s$`\\][^\"'\s`\\]{0,299})"
                                    r"(?P=q)"),  # (a "$" first: a variable's)
              _rx(_R25_MYSQL_HEAD + r"(?P<q>[\"'`])-p(?P<v>[^\"'\s$`\\%{][^\"'\s`\\]{0,299})"
                                    r"(?P=q)"))


# -- round 26a --
# Forms an independent verifier found shown (session 30). Command lines whose password is an
# option's argument or a place's (``redis-server --requirepass V``, ``mongo -u admin -p V``,
# ``zip -P V``, ``7z a -pV``, ``ssh-keygen -N V``, ``sqlcmd -P V``, ``net user alice V /add``,
# ``rabbitmqctl add_user admin V``, ``cmdkey /pass:V``…), read as their words in a script, a
# document, a Dockerfile, a compose file's ``command:`` or git's text, and as a program's
# argument list (``["sshpass", "-p", "V"]``, ``exec.Command("mongo", "-p", "V")``) or a
# JSON string's escaped quotes (``-p\"V\"``); ``echo V | docker login --password-stdin``; a
# quoted ``"--password", "V"`` in a list, a YAML list's ``- --password`` then ``- V``;
# PowerShell's ``-Password V`` after a cmdlet; defaults in code (Spring's ``${db.password:V}``,
# Ruby's ``password ||= "V"``); JSON's ``password=\"V\"``; ``.pgpass`` lines, pgbouncer's
# ``userlist.txt``, wpa_supplicant's ``psk="V"``, ``REDIS_AUTH=V``, ``ADMIN_CREDENTIALS=admin:V``.
class _R26aCommand(NamedTuple):
    names: tuple[str, ...]  # the command's names (lower case)
    sub: tuple[str, ...] = ()  # one of these words among its first arguments (lower case)
    # option -> how its value is given: "n" the next argument (or ``--opt=V``), "a" attached
    # (``-pV``, ``-p"V"``), "na" either, "e" after "=" only
    opts: tuple[tuple[str, str], ...] = ()
    place: int = 0  # the value is this argument after the ``sub`` word (0: none)
    fold: bool = False  # options in any case (Windows)


_R26A_MONGO = ("mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport",
               "mongostat", "mongotop", "mongofiles")
_R26A_MYSQL = ("mysql", "mysqldump", "mariadb", "mariadb-dump", "mysqladmin", "mysqlimport",
               "mysqlshow", "mysqlcheck", "mysqlpump", "mysqlsh")
_R26A_COMMANDS = (
    _R26aCommand(("redis-server",), opts=(("--requirepass", "n"), ("--masterauth", "n"))),
    _R26aCommand(("redis-cli",), opts=(("-a", "na"), ("--pass", "n"))),
    _R26aCommand(("sshpass",), opts=(("-p", "na"),)),
    _R26aCommand(_R26A_MONGO, opts=(("-p", "n"), ("--password", "n"))),
    _R26aCommand(_R26A_MYSQL, opts=(("-p", "a"), ("--password", "e"))),
    _R26aCommand(("az",), ("login",), (("-p", "n"), ("--password", "n"))),
    _R26aCommand(("docker", "podman"), ("login",), (("-p", "n"), ("--password", "n"))),
    _R26aCommand(("useradd", "usermod"), opts=(("-p", "n"), ("--password", "n"))),
    _R26aCommand(("gh",), ("secret",), (("-b", "n"), ("--body", "n"))),
    _R26aCommand(("mosquitto_pub", "mosquitto_sub", "mosquitto_rr"),
                 opts=(("-P", "n"), ("--pw", "n"))),
    _R26aCommand(("sqlcmd", "bcp", "osql"), opts=(("-P", "na"),)),
    _R26aCommand(("rdesktop",), opts=(("-p", "na"),)),
    _R26aCommand(("influx",), opts=(("-password", "n"), ("--password", "n"), ("-p", "n"))),
    _R26aCommand(("zip",), opts=(("-P", "n"), ("--password", "n"))),
    _R26aCommand(("unzip",), opts=(("-P", "na"),)),
    _R26aCommand(("7z", "7za", "7zr", "7zz"), opts=(("-p", "a"),)),
    _R26aCommand(("ssh-keygen",), opts=(("-N", "na"), ("-P", "na"))),
    _R26aCommand(("cmdkey",), opts=(("/pass:", "a"),), fold=True),
    _R26aCommand(("rabbitmqctl", "rabbitmqctl.bat"),
                 ("add_user", "change_password", "authenticate_user"), place=2),
    _R26aCommand(("net",), ("user",), place=2, fold=True),
    _R26aCommand(("wpa_passphrase",), place=2),  # wpa_passphrase SSID V (session 30's verifier)
)
_R26A_WORDS = tuple(sorted({n for c in _R26A_COMMANDS for n in c.names}))
# (one search: most texts hold none; a name then what ends it, ``net`` and ``az`` with their
# subcommand: ``net``, ``zip`` are in many words)
_R26A_ANY_WORD = _any_of(tuple(sorted(
    {n + c for n in _R26A_WORDS if n not in ("net", "az", "gh") for c in " \"'\t\\"}
    | {n + ".exe" for n in _R26A_WORDS} | {"net user", "az login", "gh secret"})))
_R26A_ANY_NAME = _any_of(_R26A_WORDS)  # (before it: a shorter search, as fast as a test)
# a command line's argument: escaped quotes (a JSON string's ``\"V\"``), quotes, a bare word;
# blanks, commas and brackets between (an argument list's)
_R26A_ARG = _rx(r"(?P<sep>(?:[ \t,\[\]{}]|\)[ \t]*\.args?\()*)"  # (Rust's ``.arg("-p").arg("V")``)
                r"(?:\\{1,2}\"(?P<e>[^\"\\\n]{0,300})\\{1,2}\""
                r"|\"(?P<d>[^\"\n]{0,300})\"|'(?P<s>[^'\n]{0,300})'|`(?P<b>[^`\n]{0,300})`"
                r"|(?P<w>[^\s\"'`,;|&()\[\]{}\\]{1,300}))")
_R26A_ARGS = 40  # arguments of a command read at most
_R26A_AFTER_NAME = _rx(r"(?:\.exe)?(?=[\s\"'`,\\\]]|$)")


class _R26aArg(NamedTuple):
    text: str  # the argument's content (unquoted)
    start: int  # where its content starts in the text
    end: int
    bare: bool  # unquoted
    joined: bool  # right after the argument before it (no blank, no comma)


def _r26a_args(text: str, at: int) -> list[_R26aArg]:
    """The arguments of the command line whose name ends at ``at``: up to its line's end (a
    ``\\`` at a line's end, or a ``,`` or ``[`` of a list, reads on), a pipe, ``;`` or ``&``."""
    if at < len(text) and text[at] in "\"'`":
        at += 1  # (the name's closing quote, in a list)
    elif text.startswith('\\"', at):
        at += 2
    args: list[_R26aArg] = []
    pos, end, lines = at, len(text), 0
    while pos < end and len(args) < _R26A_ARGS:
        m = _R26A_ARG.match(text, pos)
        if m is None or m.end() == pos:
            c = text[pos]
            if c == "\n":
                before = text[max(pos - 2, at):pos].rstrip()
                if lines >= 8 or not before.endswith(("\\", ",", "[", "(")):
                    break
                lines += 1
            elif c in "|;&#\"'`":  # (an unmatched quote: a string's or a code span's end)
                break
            pos += 1
            continue
        g = next(k for k in ("e", "d", "s", "b", "w") if m.group(k) is not None)
        args.append(_R26aArg(m.group(g), m.start(g), m.end(g), g == "w",
                             not m.group("sep") and bool(args) and m.start() == args[-1].end
                             + (0 if args[-1].bare else 1)))
        pos = m.end()
    return args


def _r26a_value(v: str, option: str) -> bool:
    """Whether a command line's argument ``v`` in a password's place is one: not empty, a
    variable, a substitution, an option or a placeholder."""
    return (bool(v) and v[0] not in "$%<{(-/*@`" and "$(" not in v and _TEMPLATE.search(v) is None
            and _plausible(v, "cli", option))


def _r26a_command(cmd: _R26aCommand, args: list[_R26aArg]) -> list[tuple[int, int]]:
    """The password's spans in ``args`` of a command ``cmd`` (see ``_R26A_COMMANDS``)."""
    sub = -1
    if cmd.sub:
        sub = next((i for i, a in enumerate(args[:6]) if a.text.lower() in cmd.sub), -1)
        if sub < 0:
            return []
    if cmd.place:
        got = _r26a_place(cmd, args, sub + cmd.place)
        return [] if got is None else [(got.start, got.end)]
    spans: list[tuple[int, int]] = []
    for i, a in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else None
        for opt, how in cmd.opts:
            got = _r26a_option(a, nxt, opt, how, cmd.fold)
            if got is not None and _r26a_value(got.text, opt):
                spans.append((got.start, got.end))
                break
    return spans


def _r26a_place(cmd: _R26aCommand, args: list[_R26aArg], k: int) -> _R26aArg | None:
    """The argument ``k`` when it is a password in its place (``rabbitmqctl add_user admin
    V``): no option before it; for ``net user`` (``fold``), ``… V /add`` or a chosen password's
    shape ("the net user count grew" is prose)."""
    if k >= len(args) or any(a.text.startswith(("/", "-")) for a in args[k - cmd.place + 1:k]):
        return None
    v = args[k].text
    if not _r26a_value(v, "password"):
        return None
    if cmd.fold and not (_r19_password_shaped(v)
                         or k + 1 < len(args) and args[k + 1].text.startswith("/")):
        return None
    return args[k]


def _r26a_option(a: _R26aArg, nxt: _R26aArg | None, opt: str, how: str,
                 fold: bool) -> _R26aArg | None:
    """The value of the option ``opt`` (given ``how``: see ``_R26aCommand``) if the argument
    ``a`` is it (``nxt``: the argument after it)."""
    text = a.text.lower() if fold else a.text
    if text == opt and nxt is not None:
        if "n" in how and not nxt.joined:
            return nxt
        if ("a" in how or opt.endswith(":")) and nxt.joined and not nxt.bare:
            return nxt  # (``-p"V"``, ``-p\\"V\\"``)
        return None
    if text == opt + "=" and how != "a" and nxt is not None and nxt.joined:
        return nxt  # (``--password="V"``)
    if text.startswith(opt + "=") and how != "a" and len(text) > len(opt) + 1:
        n = len(opt) + 1
        return a._replace(text=a.text[n:], start=a.start + n)
    if "a" in how and text.startswith(opt) and len(text) > len(opt):  # (or ``"-pV"``)
        return a._replace(text=a.text[len(opt):], start=a.start + len(opt))
    return None


def _r26a_commands(text: str, low: str) -> list[tuple[int, int]]:
    """The passwords of the command lines of ``_R26A_COMMANDS`` in ``text``."""
    spans: list[tuple[int, int]] = []
    for cmd in _R26A_COMMANDS:
        for name in cmd.names:
            if name not in low:
                continue
            read_to = -1  # (a name among the arguments read of one before it: not read again)
            for at in _r21_places(low, name):
                after = _R26A_AFTER_NAME.match(low, at + len(name))
                if at < read_to or after is None or low[at - 1:at] in (".", "-"):
                    continue
                args = _r26a_args(text, after.end())
                spans += _r26a_command(cmd, args)
                read_to = args[-1].end if args else read_to
    return spans


# ``echo V | docker login -u me --password-stdin``
_R26A_STDIN_LOGIN = _rx(
    r"(?:echo|printf)[ \t]+(?:-[neE]{1,3}[ \t]+)?(?:(?P<f>[\"'])%s(?:\\{1,2}n)?(?P=f)[ \t]+)?"
    r"(?P<q>[\"']?)(?P<v>[^\s\"'|;&$`\\]{1,300})(?:\\{1,2}n)?(?P=q)[ \t]*\|[ \t]*"
    r"(?:sudo[ \t]+)?[\w./-]{0,40}?(?:docker|podman|buildah|skopeo|nerdctl|helm|oras|crane"
    r"|regctl|cosign)(?:[ \t]+(?:registry|auth))?[ \t]+login(?![\w-])[^\n|;&]{0,300}?"
    r"--password-stdin")
# a list's quoted ``"--password", "V"`` (a program's argument list, a compose file's or a
# container's ``args: ["--password", "V"]``) and a YAML list's ``- --password`` then ``- V``
_R26A_PASS_OPTION = (r"--(?:[a-z0-9]{1,20}-){0,3}(?:password|passwd|pass|passphrase|pw"
                     r"|requirepass|masterauth)")
_R26A_LIST_ARG = _rx(rf"(?i)(?P<a>[\"']){_R26A_PASS_OPTION}(?P=a)[ \t]*,\s{{0,80}}"
                     r"(?P<q>[\"'`])(?P<v>[^\"'`\s\\][^\"'`\s\\]{0,299})(?P=q)")
_R26A_YAML_ARG = _rx(rf"(?im)^(?P<i>[ \t]*)-[ \t]+(?P<a>[\"']?){_R26A_PASS_OPTION}(?P=a)[ \t]*\n"
                     r"(?P=i)-[ \t]+(?P<q>[\"']?)(?P<v>[^\s\"'#][^\s\"']{0,299})(?P=q)[ \t]*$")
# PowerShell's ``-Password V`` on a cmdlet's line (``New-LocalUser … -Password V``)
_R26A_CMDLET = _rx(r"(?<![\w-])[A-Za-z]{2,20}-[A-Za-z]{2,40}(?![\w-])")
_R26A_PS_PASSWORD = _rx(r"(?i)(?<![\w-])-(?:[a-z]{0,30}password|passwd|pwd)(?::|[ \t]+)"
                        r"(?P<q>[\"']?)(?P<v>[^\s\"'$(`@{\[\-][^\s\"'`]{0,299})(?P=q)")
# defaults in code: Spring's ``@Value("${db.password:V}")``, Ruby's ``password ||= "V"``
_R26A_SECRET_NAME = (r"[\w.-]{0,60}(?i:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key"
                     r"|credentials?)[\w.-]{0,40}")
_R26A_SPRING = _rx(rf"\$\{{(?P<n>{_R26A_SECRET_NAME}):(?![-=?+])(?P<v>[^}}\s\"'$:]{{1,300}})\}}")
_R26A_OR_ASSIGN = _rx(r"(?:\|\||&&|\?\?)=[ \t]*(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?P=q)")
# a JSON string's ``password=\"V\"``
_R26A_ESCAPED = _rx(r"[:=][ \t]*\\{1,2}\"(?P<v>[^\"\\\s]{1,300})\\{1,2}\"")
_R26A_NAME_WORD = _rx(r"(?i)pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|credential")
# settings: a ``.pgpass`` line (``host:port:db:user:V``), pgbouncer's ``userlist.txt``
# (``"user" "V"``), wpa_supplicant's and hostapd's ``psk="V"``, ``REDIS_AUTH=V``,
# ``ADMIN_CREDENTIALS=admin:V``
_R26A_PGPASS = _rx(r"(?m)^[ \t]*(?:[-\w.*]{1,253}|\[[\w:.]{1,60}\]):(?:\d{1,5}|\*):[^:\s]{1,100}"
                   r":[^:\s]{1,100}:(?P<v>\S{1,300})[ \t]*$")
_R26A_USERLIST = _rx(r"(?m)^[ \t]*\"[^\"\n]{1,100}\"[ \t]+\"(?P<v>[^\"\n]{1,300})\"[ \t]*$")
_R26A_PSK = _rx(r"(?i)(?<![\w-])(?:psk|sae_password|wpa_passphrase|wpa_psk)[ \t]*=[ \t]*"
                r"(?:\"(?P<v>[^\"\n]{1,300})\"|(?P<w>[^\s\"#]{8,300}))")
_R26A_AUTH_ENV = _rx(r"(?i:_auth|_credentials?|_creds)"
                     r"[\"']?(?:[ \t]*[=:]|[ \t]*\n[ \t]*(?:-[ \t]+)?value:)"  # (a container's env)
                     r"[ \t]*(?P<q>[\"']?)(?:(?P<u>[^\s:\"'@/=$]{1,64}):)?"
                     r"(?P<v>[^\s\"'#]{1,300})(?P=q)")
_R26A_FILE_VALUE = _rx(r"(?i).*\.(?:json|ya?ml|txt|pem|key|p12|pfx|ini|cfg|conf|env|crt|toml)")


def _r26a_spans(text: str, low: str, filename: str) -> list[tuple[int, int]]:
    """The values of round 26a's forms in ``text`` (see above; ``low``: it in lower case)."""
    spans: list[tuple[int, int]] = []
    if _R26A_ANY_NAME.search(low) is not None and _R26A_ANY_WORD.search(low) is not None:
        spans += _r26a_commands(text, low)
    if "--password-stdin" in low:
        spans += [(m.start("v"), m.end("v")) for at in _r21_places(low, "echo")
                  + _r21_places(low, "printf") if (m := _R26A_STDIN_LOGIN.match(text, at))
                  and _r26a_value(m.group("v"), "password")]
    if "--" in text and ("pass" in low or "auth" in low):
        list_arg = '"--' in text or "'--" in text
        yaml_arg = "- --" in text or '- "--' in text or "- '--" in text
        for rule in (_R26A_LIST_ARG,) * list_arg + (_R26A_YAML_ARG,) * yaml_arg:
            spans += [(m.start("v"), m.end("v")) for m in rule.finditer(text)
                      if _r26a_value(m.group("v"), "password")]
    if "-pass" in low or "-pwd" in low or "-passwd" in low:
        spans += _r26a_powershell(text, low)
    spans += _r26a_defaults(text, low)
    spans += _r26a_settings(text, low, filename)
    return spans


def _r26a_powershell(text: str, low: str) -> list[tuple[int, int]]:
    """PowerShell's ``-Password V`` after a cmdlet on its line (a value of a chosen password's
    shape when not quoted: ``the -Password parameter`` is prose)."""
    spans: list[tuple[int, int]] = []
    for a, b in _r21_lines(text, low, ("-pass", "-pwd")):
        for m in _R26A_PS_PASSWORD.finditer(text, a, b):
            v = m.group("v")
            line_start = text.rfind("\n", 0, m.start()) + 1
            if _R26A_CMDLET.search(text, line_start, m.start()) is None:
                continue
            if _r26a_value(v, "password") and (m.group("q") or _r19_password_shaped(v)):
                spans.append((m.start("v"), m.end("v")))
    return spans


def _r26a_defaults(text: str, low: str) -> list[tuple[int, int]]:
    """Spring's ``${db.password:V}``, Ruby's ``password ||= "V"`` and JSON's escaped
    ``password=\\"V\\"`` (see above)."""
    spans: list[tuple[int, int]] = []
    found: list[re.Match[str]] = []
    if "${" in text:
        found += [m for at in _places(text, "${") if (m := _R26A_SPRING.match(text, at))]
    for m in found:
        v = m.group("v")
        if _TEMPLATE.search(v) is None and _plausible(v, "keyword", m.group("n") + " ="):
            spans.append((m.start("v"), m.end("v")))
    ors = [at for op in ("||=", "&&=", "??=") for at in _places(text, op)] if "=" in text else []
    escaped = '\\"' in text and any(op + '\\' in text for op in ("=", ":", ": ", "= "))
    for m in [m for at in ors if (m := _R26A_OR_ASSIGN.match(text, at))] + (
            list(_R26A_ESCAPED.finditer(text)) if escaped else []):
        name = _r26a_name_before(text, m.start())
        v = m.group("v")
        if _R26A_NAME_WORD.search(name) is not None and _TEMPLATE.search(v) is None \
                and _plausible(v, "keyword", name + " ="):
            spans.append((m.start("v"), m.end("v")))
    return spans


def _r26a_name_before(text: str, at: int) -> str:
    """The name (letters, digits, ``_``, ``.``, ``-``; at most 100) ending at ``at`` (blanks
    before ``at`` passed over)."""
    end = at
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    k = end
    while k > max(end - 100, 0) and (text[k - 1].isalnum() or text[k - 1] in "_.-"):
        k -= 1
    return text[k:end]


def _r26a_settings(text: str, low: str, filename: str) -> list[tuple[int, int]]:
    """The settings files' forms of round 26a (see above)."""
    spans: list[tuple[int, int]] = []
    base = posixpath.basename(filename.lower())
    if "pgpass" in low or base.endswith("pgpass"):
        spans += [(m.start("v"), m.end("v")) for m in _R26A_PGPASS.finditer(text)
                  if _url_value(m.group("v")) and m.group("v") != "*"]
    if base == "userlist.txt" or "userlist" in low and "pgbouncer" in low:
        spans += [(m.start("v"), m.end("v")) for m in _R26A_USERLIST.finditer(text)
                  if not _example_value(m.group("v")) and len(m.group("v")) >= 4]
    if "psk" in low or "wpa_passphrase" in low or "sae_password" in low:
        for m in _R26A_PSK.finditer(text):
            g = "v" if m.group("v") is not None else "w"
            if _url_value(m.group(g)) and _r26a_value(m.group(g), "password"):
                spans.append((m.start(g), m.end(g)))
    places = _places(low, "_auth") + _places(low, "_cred") if "_a" in low or "_c" in low else []
    for at in places:
        a = _R26A_AUTH_ENV.match(text, at)
        name = _r26a_name_before(text, at) + text[at:at + 5]  # (``REDIS_AUTH``)
        if a is None or not name[:1].isalpha():
            continue
        v = a.group("v").rstrip(_SENTENCE_END)
        if not _r26a_value(v, name) or _R26A_FILE_VALUE.fullmatch(v) or "/" in v:
            continue
        if a.group("u") is not None and _url_value(v) or _r21_strong(v):
            spans.append((a.start("v"), a.start("v") + len(v)))
    return spans

# -- round 26 --
# Forms round 25 left (an independent verifier's). A program's calls given a password as an
# argument: Django's ``create_user("bob", "b@x.io", "V")``, Go's ``db.Connect("admin", "V")``,
# Ruby's ``Net::SMTP.start(host, 25, helo, 'user', 'V', :plain)``, ``add_password(None, url,
# "user", "V")``, paramiko's ``connect("h", 22, "u", "V")``, configparser's ``set("db",
# "password", "V")``; a password hashed or checked (``check_password("V")``, ``make_password``,
# ``hash_password``, ``bcrypt.hashpw(b"V", …)``, ``pbkdf2_hmac("sha256", b"V", …)``: in a test's
# file a test's label as often, there a value of :func:`_r21_strong` shape only). Expect-style
# dialogues (telnetlib's ``read_until(b"Password: ")`` then ``write(b"V\n")``, pexpect's
# ``expect("[Pp]assword:")`` then ``sendline("V")``). UI tests: Robot Framework's ``Input
# Password    id=password    V``, Testing Library's ``userEvent.type(getByLabelText(/password/i),
# "V")`` and ``fireEvent.change(…, { target: { value: 'V' } })``, Espresso's
# ``onView(withId(R.id.password)).perform(typeText("V"))``, XCUITest's
# ``app.secureTextFields["Password"].typeText("V")``, a script's ``getElementById('password')
# .value='V'``, a field's variable used up to :data:`_R26_VAR_LINES` lines below. Prose: "the
# password went from OLD to V", "the wifi key is V", "the pw is V", "password (staging): V",
# "the old one V was revoked" after a password's line, "rotate the admin password (currently
# V)", "the token for CI is V", "# DB password" then the value on the next line with no colon;
# Coptic and more Cyrillic, Greek look-alike letters; a shell script's arrows outside comments.
_R26_LIT = r"(?:[bru]{1,2})?(?P<{g}q>[\"'`])(?P<{g}>[^\"'`\\\n]{{0,300}})(?P={g}q)"
_R26_ARG = r"\s{0,80}(?:[^,()\n\"']{1,200}|[bru]{0,2}\"[^\"\n]{0,200}\"|[bru]{0,2}'[^'\n]{0,200}')"
_R26_VALUE = (r"\s{0,80}(?:[bru]{1,2})?(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?:\\[rn]){0,2}"
              r"(?P=q)\s{0,80}[,)]")


def _r26_args(before: int) -> re.Pattern[str]:
    """A call's ``before`` arguments (from its "("), then its literal value (group ``v``)."""
    return _rx(r"\(" + (_R26_ARG + r"\s{0,80},") * before + _R26_VALUE)


# a call's name (lower case, with its "(") and how many arguments come before its password
_R26_CALLS = {"create_user(": 2, "create_superuser(": 2, "add_password(": 3,
              "smtp.start(": 4, ".connect(": 1, "connect(": 1}
_R26_CALL_ARGS = {n: _r26_args(n) for n in {1, 2, 3, 4}}
# paramiko's ``connect("h", 22, "u", "V")`` (host, port, user, then the password)
_R26_PARAMIKO = _rx(r"\(\s{0,80}[^,()\n]{1,200},\s{0,80}\d{1,5}\s{0,80},\s{0,80}"
                    r"(?P<uq>[\"'])[^\"'\n]{1,160}(?P=uq)\s{0,80}," + _R26_VALUE)
# a user's name first: ``Connect("admin", "V")`` (a literal both)
_R26_USER_FIRST = _rx(r"\(\s{0,80}(?P<uq>[\"'])(?P<u>[^\"'\n\s]{1,160})(?P=uq)\s{0,80},"
                      + _R26_VALUE)
# the accounts a connect call's first literal names (else its second is read as a password
# only when chosen beyond doubt: ``boto.connect("my-bucket", "us-east-1")`` is no login)
_R26_ACCOUNTS = frozenset("admin administrator root user postgres mysql sa dbo guest operator "
                          "ftp pi ubuntu oracle system sysdba master app service deploy".split())
# configparser's ``cfg.set("db", "password", "V")``, ``set_value("db", "pwd", "V")``
_R26_CF_SET = _rx(r"(?i)\.set(?:_value)?\(\s{0,80}(?P<sq>[\"'])[\w .-]{1,80}(?P=sq)\s{0,80},"
                  r"\s{0,80}(?P<nq>[\"'])(?P<n>[\w.-]{0,40}(?:pass(?:word|wd|phrase)?|pwd|pw"
                  r"|secret|api_?key|token)[\w.-]{0,40})(?P=nq)\s{0,80}," + _R26_VALUE)
# a password hashed or checked: its argument's place (lower case, with "(")
_R26_HASHERS = {"check_password(": 0, "make_password(": 0, "hash_password(": 0,
                "generate_password_hash(": 0, "hashpw(": 0, "pbkdf2_hmac(": 1}
_R26_HASH_ARGS = {0: _rx(r"\(" + _R26_VALUE), 1: _r26_args(1)}
_R26_TEST_FILE = _rx(r"(?i)(?:^|[/_.-])(?:tests?|specs?|testing|fixtures?)(?:[/_.-]|$)"
                     r"|(?:test|spec)s?\.[a-z]+$")
# an expect-style prompt of a password, then what is written to it on one of the next lines
_R26_PROMPT = _rx(r"(?i)(?:read_?until|expect(?:_exact)?|wait_?for|readuntil|waitfor)"
                  r"[ \t]*\(?[^\n]{0,120}?(?:assword|passphrase|passcode)[^\n]{0,120}$")
_R26_ANSWER = _rx(r"(?i)\.(?:write|sendline|send|send_?line|writeline|puts|print)\([ \t]*"
                  r"(?:[bru]{1,2})?(?P<q>[\"'])(?P<v>[^\"'\s\\$]{1,300})(?:\\[rn]){0,2}(?P=q)")
_R26_ANSWER_CALL = _rx(r"(?i)\.(?:write|sendline|send|send_?line|writeline|puts|print)\(")
_R26_ANSWER_LINES = 3
# Robot Framework: ``Input Password    locator    V``, ``Input Text    id=password    V``
_R26_ROBOT = _rx(r"(?im)^[ \t]*(?:input[ \t]password|input[ \t]text(?=(?:[ \t]{2,}|\t)[^\s]*"
                 r"(?:pass|pwd)))(?:[ \t]{2,}|\t)[ \t]*\S{1,200}(?:[ \t]{2,}|\t)[ \t]*"
                 r"(?P<v>[^\s$@&%][^\s]{0,299})[ \t]*$")
# a field's argument (a call or a regular expression inside): Testing Library, Espresso
_R26_FIELD_ARG = r"(?P<a>[^()\n]{0,80}(?:\([^()\n]{0,80}\)[^(),\n]{0,40})?)"
_R26_UI = (
    # ``userEvent.type(screen.getByLabelText(/password/i), "V")``
    _rx(r"(?i)(?<![\w$])(?:userevent|user)\.(?:type|paste)\(\s{0,80}" + _R26_FIELD_ARG
        + r",\s{0,80}(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?P=q)"),
    # ``fireEvent.change(getByLabelText('Password'), { target: { value: 'V' } })``
    _rx(r"(?i)(?<![\w$])fireevent\.(?:change|input)\(\s{0,80}" + _R26_FIELD_ARG
        + r",\s{0,80}\{\s{0,80}target\s{0,80}:\s{0,80}\{\s{0,80}value\s{0,80}:\s{0,80}"
          r"(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})(?P=q)"),
    # ``onView(withId(R.id.password)).perform(clearText(), typeText("V"))``
    _rx(r"(?i)(?<![\w$])onview\(" + _R26_FIELD_ARG + r"\)\s{0,80}\.perform\([^\n;]{0,160}?"
        r"(?:typetext|replacetext)\(\s{0,80}(?P<q>[\"'])(?P<v>[^\"'\s\\]{1,300})(?P=q)"),
    # ``app.secureTextFields["Password"].typeText("V")``, ``textFields["password"]``
    _rx(r"(?i)(?:(?P<s>securetextfields)|textfields)(?:\[(?P<a>[^\[\]\n]{0,80})\])?"
        r"(?:\.firstmatch|\.element(?:\([^()\n]{0,40}\))?)?\s{0,80}\.typetext\(\s{0,80}"
        r"(?P<q>\")(?P<v>[^\"\s\\]{1,300})\""),
    # ``document.getElementById('password').value='V'`` (a script in a string too)
    _rx(r"(?i)(?:getelementbyid|queryselector|getelementsbyname)\((?P<a>[^()\n]{0,80})\)"
        r"(?:\[\d\])?\.value[ \t]*=[ \t]*\\?(?P<q>[\"'`])(?P<v>[^\"'`\s\\]{1,300})\\?(?P=q)"),
)
# a field's variable named for a password given a literal (``passwordField.typeText("V")``,
# ``pwInput.sendKeys("V")``, ``password_input.send_keys("V")``)
_R26_PW_VAR = _rx(r"(?<![\w$.])(?P<a>[A-Za-z_$][\w$]{0,40})[ \t]*\.(?:typeText|sendKeys|send_keys"
                  r"|fill|type|setValue|set_value|replaceText|pressSequentially)\([ \t]*"
                  + _R23_VALUE)
_R26_VAR_NAME = _rx(r"(?i)(?<!by)(?<!com)(?<!sur)pass(?!ed|es\b|enger|age|ive|port|through|thru)"
                    r"|pwd|^pw|[a-z_]pw(?![a-z])")
_R26_UI_WORDS = ("userevent", "user.type", "user.paste", "fireevent", "onview(", "textfields",
                 ".value")
_R26_VAR_LINES = 12  # lines after a field's variable read for its value (round 25: 3)


def _r26_matches(text: str, low: str, filename: str) -> list[tuple[re.Match[str], str]]:
    """The round-26 file rules' matches in ``text`` (see above), each with its value's check
    (as :func:`_r21_matches`'; ``strong``: a value of :func:`_r21_strong` shape only)."""
    out: list[tuple[re.Match[str], str]] = []
    if "(" in text:
        out += _r26_calls(text, low, filename)
    if ("assword" in low or "passphrase" in low or "passcode" in low) and (
            "expect" in low or "read" in low or "wait" in low):
        out += _r26_answers(text, low)
    if "input" in low and ("input password" in low or "input text" in low):
        out += [(m, "call") for m in _R26_ROBOT.finditer(text)]
    if ("pass" in low or "pw" in low) and any(w in low for w in _R24_FIELD_WORDS):
        out += [(m, "call") for m in _R26_PW_VAR.finditer(text)
                if _R26_VAR_NAME.search(m.group("a")) is not None]
    if any(w in low for w in _R26_UI_WORDS):
        for rule in _R26_UI:
            for m in rule.finditer(text):
                a = (m.group("a") or "").lower()
                if "pass" in a or "pwd" in a or m.groupdict().get("s"):
                    out.append((m, "call"))
    return out


def _r26_calls(text: str, low: str, filename: str) -> list[tuple[re.Match[str], str]]:
    """:func:`_r26_matches` of a program's calls given a password (see above)."""
    out: list[tuple[re.Match[str], str]] = []
    for word, before in _R26_CALLS.items():
        places = _places if word[0] == "." else _r21_places
        for at in places(low, word) if word in low else ():
            start = at + len(word) - 1
            how = "call"
            if word == "connect(":
                if low[at - 1:at] == ".":
                    continue  # (".connect(": read below)
                m, how = _R26_USER_FIRST.match(text, start), "connect"
            elif word == ".connect(":
                m = _R26_PARAMIKO.match(text, start)
                if m is None:
                    m, how = _R26_USER_FIRST.match(text, start), "connect"
            else:
                m = _R26_CALL_ARGS[before].match(text, start)
            if m is not None:
                out.append((m, how))
    if "login(" in low:  # (Go's ``client.Login("admin", "V")``)
        out += [(m, "call") for at in _places(low, ".login(")
                if (m := _R26_USER_FIRST.match(text, at + 6)) is not None]
    if ".set" in low:  # (not a setting about a password: ``"password_url"``)
        out += [(m, "call") for m in _R26_CF_SET.finditer(text) if not _about_secret(m["n"])]
    test = bool(filename) and _R26_TEST_FILE.search(filename.lower()) is not None
    for word, place in _R26_HASHERS.items():
        for at in _places(low, word) if word in low else ():
            if at and (low[at - 1].isalnum() or low[at - 1] == "_"):
                continue  # (``user_check_password(``: another function)
            m = _R26_HASH_ARGS[place].match(text, at + len(word) - 1)
            if m is not None:
                out.append((m, "strong" if test else "call"))
    return out


def _r26_answers(text: str, low: str) -> list[tuple[re.Match[str], str]]:
    """What is written after an expect-style password prompt (see ``_R26_PROMPT``)."""
    out: list[tuple[re.Match[str], str]] = []
    for a, b in _r21_lines(text, low, ("assword", "passphrase", "passcode")):
        if _R26_PROMPT.search(text, a, b) is None:
            continue
        end = b
        for _ in range(_R26_ANSWER_LINES):
            end = _line_end(text, end + 1) if end < len(text) else end
        call = _R26_ANSWER_CALL.search(text, b, end)  # (the first answer only)
        m = None if call is None else _R26_ANSWER.match(text, call.start(), end)
        if m is not None:
            out.append((m, "call"))
    return out


# prose: ``the password went from OLD to V`` (the old value too), ``the wifi key is V``, ``the pw
# is V``, ``password (staging): V``, ``the token for CI is V``
_R26_PW = r"(?:pass(?:word|wd|phrase)?|pwd|pw)"
_R26_FREE_WENT = _rx(
    rf"(?i)(?<![\w-])(?P<n>{_R20_ENV_NAME}|{_R19_FREE_NAME})[`\"'*]{{0,2}}[ \t]+"
    r"(?:went|has[ \t]+gone|was[ \t]+(?:moved|switched)|moved|switched)[ \t]+from[ \t]+"
    r"[`\"'*]{0,2}(?P<o>[^\s\"'`|*~]{1,300}?)[`\"'*]{0,2}[ \t]+to[ \t]+[`\"'*]{0,2}"
    r"(?P<v>[^\s\"'`|*]{6,300})")
_R26_FREE_WIFI = _rx(r"(?i)(?<![\w-])(?:wifi|wi-fi|wlan|wpa2?|wireless|router|hotspot|network)"
                     r"[ \t]+(?:key|passphrase|psk|code|pass)[ \t]+(?:is|was)(?:[ \t]+now)?"
                     r"[ \t]*:?[ \t]+[\"'`]?(?P<v>[^\s\"'`]{6,300})")
_R26_FREE_IS = _rx(rf"(?i)(?<![\w-])(?:the|my|our|your|his|her|their|its)[ \t]+{_R26_PW}"
                   r"[ \t]+(?:is|was)(?:[ \t]+now)?[ \t]*:?[ \t]+[\"'`]?(?P<v>[^\s\"'`]{6,300})")
_R26_FREE_PAREN = _rx(rf"(?i)(?<![\w-])(?P<n>[\w.-]{{0,40}}{_R26_PW})[ \t]*\([^()\n]{{1,40}}\)"
                      r"[ \t]*[:=][ \t]*[\"'`]?(?P<v>[^\s\"'`]{6,300})")
_R26_FREE_FOR = _rx(r"(?i)(?<![\w-])(?P<n>token|secret|api[ _-]?key|access[ _-]?key"
                    r"|(?:access|auth|api|bot|deploy)[ _-]?token)[ \t]+for[ \t]+"
                    r"(?:[\w.@/-]{1,40}[ \t]+){1,3}?(?:is|was)(?:[ \t]+now)?[ \t]*:?[ \t]+"
                    r"[\"'`]?(?P<v>[^\s\"'`]{6,300})")
# ``rotate the admin password (currently V)``
_R26_FREE_NOW = _rx(rf"(?i)(?<![\w-])(?P<n>[\w.-]{{0,40}}(?:{_R26_PW}|secret|token|key))[ \t]*"
                    r"\([ \t]*(?:currently|current(?:ly)?[ \t]+set[ \t]+to|still|was|is|old"
                    r"|set[ \t]+to)[ \t]*:?[ \t]*[\"'`]?(?P<v>[^\s\"'`)]{6,300})")
_R26_FREE_RULES = (_R26_FREE_WENT, _R26_FREE_WIFI, _R26_FREE_IS, _R26_FREE_PAREN,
                   _R26_FREE_FOR, _R26_FREE_NOW)
_R26_PROSE_WORDS = ("pass", "pw", "key", "token", "secret")
# ``the old one V was revoked`` (a password named on the line before, or on its own)
_R26_OLD_ONE = _rx(r"(?i)(?<![\w-])(?:old|previous|former|last|current)[ \t]+one[ \t]*[,:(]?"
                   r"[ \t]*[\"'`]?(?P<v>[^\s\"'`()]{6,300})")
_R26_SECRET_WORD = _rx(rf"(?i)(?<![a-z]){_R26_PW}(?![a-z])|password|passphrase|credential")
# a password's name alone on its line (a comment's mark, a heading's, no colon), its value
# alone on the next line: ``# DB password`` then ``V`` (or ``# V``)
_R26_NAME_NEXT = _rx(r"(?im)^[ \t]*(?:(?:#{1,6}|//|--|;)[ \t]*)?(?:[\w-]{1,30}[ \t]+){0,3}"
                     rf"{_R26_PW}[ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*(?:(?:#|//|--|;)[ \t]*)?"
                     r"[`\"']?"
                     r"(?P<v>[^\s\"'`]{6,300})[`\"']?[ \t]*(?:\r?\n|$)")


def _r26_value(v: str, name: str) -> bool:
    """Whether prose's ``v`` after ``name`` is a password: of :func:`_r21_strong` shape
    (``hunter2Prod`` too: its words and a digit), no secret's word, version or masked value."""
    return ("[redacted:" not in v and _r21_strong(v) and not _VERSION.match(v)
            and (_SECRET_STEM.search(v) is None or _r22_stem_value(v, name))
            and _plausible(v, "keyword", "password") and _plausible(v, "prose", name))


def _r26_prose_spans(read: str, low: str, lines: list[tuple[int, int]] | None = None
                     ) -> list[tuple[int, int]]:
    """The values of round 26's prose (see above) in a document, a script, git's text or a
    program's comments (``lines``: those lines only, for the rules of one line)."""
    spans: list[tuple[int, int]] = []
    for a, b in _r21_lines(read, low, _R26_PROSE_WORDS) if lines is None else lines:
        for rule in _R26_FREE_RULES:
            for m in rule.finditer(read, a, b):
                v = m.group("v").rstrip(_SENTENCE_END)
                name = m.groupdict().get("n") or "password"
                if _r26_value(v, name):
                    spans.append((m.start("v"), m.start("v") + len(v)))
                old = (m.groupdict().get("o") or "").rstrip(_SENTENCE_END)
                if old and (_r21_old_value(old) or _r23_weak(old)):
                    spans.append((m.start("o"), m.start("o") + len(old)))
    if " one" in low:
        for at in _r21_places(low, "one"):
            one = _R26_OLD_ONE.search(read, max(at - 12, 0), _line_end(read, at))
            if one is None or not one.start() <= at < one.end():
                continue
            v = one.group("v").rstrip(_SENTENCE_END)
            line = read.rfind("\n", 0, one.start())  # (this line and the one before it)
            before = read[read.rfind("\n", 0, max(line, 0)) + 1:one.start()]
            if _R26_SECRET_WORD.search(before) is not None and _r26_value(v, "password"):
                spans.append((one.start("v"), one.start("v") + len(v)))
    if "\n" in read:
        for m in _R26_NAME_NEXT.finditer(read):
            v = m.group("v").rstrip(_SENTENCE_END)
            if _r26_value(v, "password"):
                spans.append((m.start("v"), m.start("v") + len(v)))
    return spans


_R26_SHELL = (".sh", ".bash", ".zsh", ".ksh", ".fish", ".ps1", ".bat", ".cmd", ".psm1")


def _r26_shell_arrows(text: str, low: str, filename: str) -> list[tuple[int, int]]:
    """A shell script's arrows after a password's name on any line (``echo "DB_PASSWORD: OLD
    -> V"``; round 25 read its comments)."""
    if not filename.lower().endswith(_R26_SHELL):
        return []
    lines = _r21_lines(text, low, _R23_COMMENT_WORDS)
    return [s for a, b in lines for s in _r22_arrow_spans(text, a, b)] + _r21_prose_spans(
        text, low, doc=True, lines=lines)  # (and the prose it echoes: ``echo "pw => V"``)


def _r26_file_spans(text: str, low: str, filename: str) -> list[tuple[int, int]]:
    """Round 26's prose in a file: a document's or a script's every line, a program's comments
    (its rules over two lines: anywhere), a shell script's arrows."""
    if not filename:
        return _r26_prose_spans(text, low)
    if filename.lower().endswith(DOC_SUFFIXES):
        read = text if text.isascii() else text.translate(_R22_SPACES)
        return _r26_prose_spans(read, low)
    if _r18_code(filename):
        return _r26_prose_spans(text, low, _r23_comment_lines(text, low, _R26_PROSE_WORDS))
    return _r26_prose_spans(text, low) + _r26_shell_arrows(text, low, filename)
