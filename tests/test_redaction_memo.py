"""Free texts' redactions (commit messages and subjects, reasons) remembered between calls in
``.ctxsteward/redactions.json``: the same masks, no secret value in the file, nothing kept past a
change of the scanner (``SCAN_VERSION``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from gitutil import commit, make_repo, run_cli

from analyzers.secrets import (
    MEMO_CHARS,
    REDACTIONS_FILE,
    SCAN_VERSION,
    redact,
    redact_git,
    remembered_redactions,
)

SECRET = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"  # a GitHub token's shape
MESSAGE = f"Rotate the deploy token\n\nThe new one is {SECRET}, set in CI.\n"
PLAIN = "Fix the off-by-one in the pager"


def _key(kind: str, text: str, filename: str = "") -> str:
    return hashlib.blake2b(f"{kind}\0{filename}\0{text}".encode(), digest_size=16).hexdigest()


def test_answers_are_kept_without_the_secret(tmp_path: Path) -> None:
    state = tmp_path / ".ctxsteward"
    state.mkdir()
    with remembered_redactions(state):
        masked = redact_git(MESSAGE)
        plain = redact_git(PLAIN)
        reason = redact(f"changed in a past commit like this task: 'token {SECRET}'")
    assert SECRET not in masked and "[redacted" in masked
    assert plain is PLAIN and SECRET not in reason
    kept = (state / REDACTIONS_FILE).read_text("utf-8")
    assert SECRET not in kept and PLAIN not in kept  # (a plain text is kept by its hash alone)
    data = json.loads(kept)
    assert data["scan_version"] == SCAN_VERSION
    assert data["texts"][_key("g", MESSAGE)] == masked
    assert data["texts"][_key("g", PLAIN)] is None
    assert len(data["texts"]) == 2  # (the reason, redact's, is not kept)
    with remembered_redactions(state):  # another call: the same answers
        assert redact_git(MESSAGE) == masked
        assert redact_git(PLAIN) is PLAIN


def test_a_kept_answer_is_used_and_a_stale_scanner_s_is_not(tmp_path: Path) -> None:
    state = tmp_path / ".ctxsteward"
    state.mkdir()
    memo = state / REDACTIONS_FILE
    marked = "Fix the off-by-one in the [redacted: kept]"
    memo.write_text(json.dumps({"scan_version": SCAN_VERSION,
                                "texts": {_key("g", PLAIN): marked}}), "utf-8")
    with remembered_redactions(state):
        assert redact_git(PLAIN) == marked  # answered from the file, not scanned again
        assert redact(PLAIN) is PLAIN  # (redact's answers are not kept: reasons vary)
    memo.write_text(json.dumps({"scan_version": SCAN_VERSION - 1,
                                "texts": {_key("g", PLAIN): marked}}), "utf-8")
    with remembered_redactions(state):
        assert redact_git(PLAIN) is PLAIN
    assert _key("g", PLAIN) in json.loads(memo.read_text("utf-8"))["texts"]
    memo.write_text("{not json", "utf-8")  # a damaged file: scanned again, written anew
    with remembered_redactions(state):
        assert SECRET not in redact_git(MESSAGE)
    assert json.loads(memo.read_text("utf-8"))["scan_version"] == SCAN_VERSION


def test_long_texts_and_calls_outside_are_not_kept(tmp_path: Path) -> None:
    state = tmp_path / ".ctxsteward"
    state.mkdir()
    long = MESSAGE + "x" * MEMO_CHARS
    assert SECRET not in redact_git(MESSAGE)  # outside: scanned, nothing written
    assert not (state / REDACTIONS_FILE).exists()
    with remembered_redactions(state):
        assert SECRET not in redact_git(long)
    assert not (state / REDACTIONS_FILE).exists()
    with remembered_redactions(tmp_path / "missing"):  # no state folder: nothing written
        assert SECRET not in redact_git(MESSAGE)
    assert not (tmp_path / "missing").exists()


def test_bundles_keep_masks_across_calls(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    code = "def load_token_cache(path):\n    return open(path).read()\n"
    commit(root, "Start the token cache", {"cache/tokens.py": code})
    commit(root, f"Store the token cache as JSON\n\nDeployed with token {SECRET}\n",
           {"cache/tokens.py": code + "\n# json\n"})
    outputs = []
    for _ in range(2):
        proc = run_cli("bundle", "--seed", "cache/tokens.py", "--task", "token cache format",
                       "--format", "json", cwd=root)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert SECRET not in outputs[0] and "Store the token cache as JSON" in outputs[0]
    kept = (root / ".ctxsteward" / REDACTIONS_FILE).read_text("utf-8")
    assert SECRET not in kept and len(json.loads(kept)["texts"]) >= 2


def test_a_commit_s_summary_is_kept_and_shown_again(tmp_path: Path) -> None:
    """Recent decisions: a commit's summary (masked) and ids are kept by its sha, and a later
    bundle shows them without reading the message from git again."""
    root = make_repo(tmp_path / "repo")
    code = "def load_token_cache(path):\n    return open(path).read()\n"
    commit(root, "Start the token cache", {"cache/tokens.py": code})
    sha = commit(root, f"Store the token cache as JSON (#42)\n\nDeployed with token {SECRET}\n",
                 {"cache/tokens.py": code + "\n# json\n"})
    args = ("bundle", "--seed", "cache/tokens.py", "--task", "token cache format",
            "--format", "json")
    first = run_cli(*args, cwd=root)
    assert first.returncode == 0, first.stderr
    memo = root / ".ctxsteward" / REDACTIONS_FILE
    data = json.loads(memo.read_text("utf-8"))
    told = json.loads(data["texts"][f"decision1:{sha}"])
    assert told[0].startswith("Store the token cache as JSON (#42)") and SECRET not in told[0]
    assert told[1] == ["#42"]
    data["texts"][f"decision1:{sha}"] = json.dumps(["Kept summary of the commit", ["#7"]])
    memo.write_text(json.dumps(data), "utf-8")
    again = run_cli(*args, cwd=root)
    assert again.returncode == 0, again.stderr
    shown = [d for d in json.loads(again.stdout)["decisions"] if d["ref"] == sha[:10]]
    assert shown and shown[0]["text"] == "Kept summary of the commit"
    assert shown[0]["mentions"] == ["#7"]
