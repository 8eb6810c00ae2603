"""Files an agent must never see: dotenv files, private keys, and content a secret scanner flags.

Names are matched first (cheap); content is scanned with detect-secrets' precise detectors (cloud
keys, tokens, private keys) and its keyword detector (a quoted value assigned to a name such as
``password``, ``secret`` or ``api_key``), with detect-secrets' standard heuristic filters (no
templated, sequential, UUID-like or ``$VAR`` values). Its high-entropy detectors stay off: they flag
hashes and test fixtures far more often than real secrets.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from functools import cache
from pathlib import Path
from typing import Any

SECRET_NAME_PATTERNS = (
    "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks",
    "*.keystore", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", ".netrc", ".pypirc",
    ".npmrc", "credentials", "credentials.json", "*.kdbx", "secrets.y*ml", ".htpasswd",
)
EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist")

DETECTORS = (
    "AWSKeyDetector", "AzureStorageKeyDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "PrivateKeyDetector", "SlackDetector", "StripeDetector", "TwilioKeyDetector",
    "SendGridDetector", "PypiTokenDetector", "NpmDetector", "OpenAIDetector",
    "DiscordBotTokenDetector", "TelegramBotTokenDetector", "MailchimpDetector",
    "ArtifactoryDetector", "BasicAuthDetector", "JwtTokenDetector", "KeywordDetector",
)
SCAN_VERSION = 3  # answers cached under another version (another set of detectors) are dropped


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
LABEL_VALUE = re.compile(
    r"[a-z_.-]*(?:pass(?:word|wd)?|pwd|secret|key|token|credential)s?[a-z_.-]*", re.IGNORECASE)


MIN_KEYWORD_SECRET = 8  # a shorter quoted value ("id", "hunter2", "public") is no credential


def is_label_value(secret: str, line: str = "", filename: str = "",
                   plugin: object = None) -> bool:
    """A detect-secrets filter (it injects ``secret``, ``line``, ``filename`` and ``plugin``) for
    KeywordDetector's matches only (the other detectors' findings are kept): drops a value that is
    a :data:`LABEL_VALUE` or shorter than :data:`MIN_KEYWORD_SECRET`, and, in source code (not
    shell or configuration), one that is not a quoted literal on its line:
    ``for user, password := range accounts`` is code, not a credential."""
    if type(plugin).__name__ != "KeywordDetector":
        return False
    if LABEL_VALUE.fullmatch(secret) is not None or len(secret) < MIN_KEYWORD_SECRET:
        return True
    from .languages import detect, has_grammar

    lang = detect(filename)
    if not has_grammar(lang) or lang == "bash":
        return False
    return not any(f"{q}{secret}{q}" in line for q in ("\"", "'", "`"))


@cache
def _plugin_settings() -> dict[str, list[dict[str, Any]]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import Settings as ScanSettings

    mapping: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
    available = {str(getattr(plugin, "__name__", "")) for plugin in mapping.values()}
    standard = sorted(ScanSettings().filters)  # detect-secrets' default heuristic filters
    return {"plugins_used": [{"name": n} for n in DETECTORS if n in available],
            "filters_used": [{"path": f} for f in standard] + [
                {"path": f"{__name__}.is_label_value"}]}


# A cheap first pass (as gitleaks does with keywords): only files containing one of these are
# handed to detect-secrets, whose per-line plugin machinery is slow. Substring tests run in C.
KEYWORDS = (
    "AKIA", "ASIA", "ABIA", "ACCA", "AccountKey", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "glpat-", "PRIVATE KEY", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-",
    "hooks.slack.com", "sk_live_", "rk_live_", "SG.", "pypi-AgE", "npm_", "sk-", "eyJ",
)
KEYWORDS_LOWER = ("twilio", "discord", "telegram", "mailchimp", "artifactory", "sendgrid")
BASIC_AUTH = re.compile(r"://[^\s/:@'\"]+:[^\s/:@'\"]+@")
# The names KeywordDetector looks for (its DENYLIST, lower case).
SECRET_WORDS = re.compile(r"(?:api|auth|service|account|db|database|priv|private|client)_?key"
                          r"|(?:db|database|key)_?pass|password|passwd|pwd|secret|contrase")


def might_hold_secret(text: str) -> bool:
    if any(k in text for k in KEYWORDS):
        return True
    if "://" in text and BASIC_AUTH.search(text):
        return True
    lower = text.lower()
    return any(k in lower for k in KEYWORDS_LOWER) or SECRET_WORDS.search(lower) is not None


def secret_in_content(full_path: Path) -> str | None:
    """A short description of the first secret detect-secrets finds in the file, or None."""
    try:
        text = full_path.read_text("utf-8", "replace")
    except OSError:
        return None
    if not might_hold_secret(text):
        return None
    try:
        from detect_secrets.core.secrets_collection import SecretsCollection
        from detect_secrets.settings import transient_settings
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    with transient_settings(_plugin_settings()):
        found = SecretsCollection()
        try:
            found.scan_file(str(full_path))
        except (OSError, UnicodeDecodeError):
            return None
        for _, secret in found:
            return f"{secret.type} detected on line {secret.line_number}"
    return None


def secret_reason(root: Path, path: str, content_hash: str | None = None,
                  cache: dict[str, str | None] | None = None) -> str | None:
    """Why ``path`` must not reach an agent, or None. ``cache`` maps content hashes to answers."""
    by_name = secret_by_name(path)
    if by_name:
        return by_name
    if cache is not None and content_hash and content_hash in cache:
        return cache[content_hash]
    found = secret_in_content(root / path)
    if cache is not None and content_hash:
        cache[content_hash] = found
    return found


_VERSION_KEY = "scan_version"


class ScanCache:
    """Secret-scan answers by content hash, kept in ``.ctxsteward/secrets.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, str | None] = {}
        self.dirty = False
        try:
            loaded = json.loads(path.read_text("utf-8"))
            if isinstance(loaded, dict) and loaded.get(_VERSION_KEY) == SCAN_VERSION:
                self.data = {str(k): (v if isinstance(v, str) else None)
                             for k, v in loaded.items() if k != _VERSION_KEY}
        except (OSError, ValueError):
            pass

    def reason(self, root: Path, path: str, content_hash: str) -> str | None:
        before = len(self.data)
        answer = secret_reason(root, path, content_hash, self.data)
        self.dirty = self.dirty or len(self.data) != before
        return answer

    def save(self) -> None:
        if not self.dirty:
            return
        from .fsutil import write_atomic

        try:
            write_atomic(self.path, json.dumps({_VERSION_KEY: SCAN_VERSION, **self.data},
                                               separators=(",", ":")))
        except OSError:
            pass
