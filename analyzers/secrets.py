"""Files an agent must never see: dotenv files, private keys, and content a secret scanner flags.

Names are matched first (cheap); content is scanned with detect-secrets' precise detectors (cloud
keys, tokens, private keys), leaving out its high-entropy and keyword heuristics, which flag test
fixtures and hashes far more often than real secrets.
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
    "ArtifactoryDetector", "BasicAuthDetector", "JwtTokenDetector",
)


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


@cache
def _plugin_settings() -> dict[str, list[dict[str, str]]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    mapping: dict[str, Any] = dict(get_mapping_from_secret_type_to_class())
    available = {str(getattr(plugin, "__name__", "")) for plugin in mapping.values()}
    return {"plugins_used": [{"name": n} for n in DETECTORS if n in available]}


# A cheap first pass (as gitleaks does with keywords): only files containing one of these are
# handed to detect-secrets, whose per-line plugin machinery is slow. Substring tests run in C.
KEYWORDS = (
    "AKIA", "ASIA", "ABIA", "ACCA", "AccountKey", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "glpat-", "PRIVATE KEY", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-",
    "hooks.slack.com", "sk_live_", "rk_live_", "SG.", "pypi-AgE", "npm_", "sk-", "eyJ",
)
KEYWORDS_LOWER = ("twilio", "discord", "telegram", "mailchimp", "artifactory", "sendgrid")
BASIC_AUTH = re.compile(r"://[^\s/:@'\"]+:[^\s/:@'\"]+@")


def might_hold_secret(text: str) -> bool:
    if any(k in text for k in KEYWORDS):
        return True
    if "://" in text and BASIC_AUTH.search(text):
        return True
    lower = text.lower()
    return any(k in lower for k in KEYWORDS_LOWER)


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


class ScanCache:
    """Secret-scan answers by content hash, kept in ``.ctxsteward/secrets.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, str | None] = {}
        self.dirty = False
        try:
            loaded = json.loads(path.read_text("utf-8"))
            if isinstance(loaded, dict):
                self.data = {str(k): (v if isinstance(v, str) else None)
                             for k, v in loaded.items()}
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
            write_atomic(self.path, json.dumps(self.data, separators=(",", ":")))
        except OSError:
            pass
