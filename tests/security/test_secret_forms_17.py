"""Session 25's verifier, secrets-17: three leaks of a secret through names and git texts.

1. A secret in a file's name joined to its name by a blank, "-", "_" or ":" (``DB_PASSWORD
   Zq7A01xx.txt``, ``password-Zq7A03xx.md``, ``root:Zq7A08xx.txt``) was listed by every bundle;
   only ``NAME=value`` was left out as ``secret_in_path``.
2. ``handoff --out`` and ``handoff --format json`` held such a path raw while the Markdown
   printed masked it (only the printed text went through the masking).
3. "The admin password is now: V" in a commit's body reached a bundle's Recent decisions raw.

Real git repositories, the real CLI (bundle in its three formats, index, handoff printed, written
and as JSON, the prompt hook's map)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from gitutil import cli_command, commit, git, git_env, make_repo, run_cli

from analyzers.secrets import redact_git, secret_path

# Values joined to a secret's name by a blank, "-", "_" or ":" in a file's name
NAMED = {
    "notes/DB_PASSWORD Zq7A01xx.txt": "Zq7A01xx",
    "notes/api_key Zq7A07xxAbCdEf12.txt": "Zq7A07xxAbCdEf12",
    "notes/root:Zq7A08xx.txt": "Zq7A08xx",
    "notes/password-Zq7A03xx.md": "Zq7A03xx",
    "notes/secret_Zq7A04xxQ9.md": "Zq7A04xxQ9",
}
# Names that only join words: shown as any file is
ORDINARY = ("notes/password-reset.md", "notes/api_key_test.py", "notes/test_password_hasher.py",
            "notes/root:x", "notes/token-GPT2Tokenizer.md", "notes/password-2024.md",
            "notes/secret_santa_notes.md")


def test_a_value_joined_to_a_secret_name_in_a_file_name_is_never_shown(tmp_path: Path) -> None:
    files = {path: "password notes for the deploy\n" for path in (*NAMED, *ORDINARY)}
    root = make_repo(tmp_path / "r", files)
    index = run_cli("index", "--json", cwd=root)
    assert index.returncode == 0, index.stderr
    outputs = [index.stdout, index.stderr]
    for fmt in ("json", "markdown", "xml"):
        made = run_cli("bundle", "--task", "password notes", "--budget", "0", "--format", fmt,
                       cwd=root)
        assert made.returncode == 0, made.stderr
        outputs += [made.stdout, made.stderr]
    for out in outputs:
        for value in NAMED.values():
            assert value not in out, (value, out[:3000])
    report = json.dumps(json.loads(index.stdout))
    assert report.count("secret_in_path") >= len(NAMED), report
    assert "notes/DB_PASSWORD [redacted: Secret In Path].txt" in report, report
    assert "notes/root:[redacted: Secret In Path].txt" in report, report
    ranked = json.loads(run_cli("bundle", "--task", "password notes", "--budget", "0",
                                "--format", "json", cwd=root).stdout)
    assert set(ORDINARY) <= {item["path"] for item in ranked["items"]}, ranked["items"]


def test_an_index_built_under_older_path_rules_drops_such_a_file(tmp_path: Path) -> None:
    """An index asks new and changed files only whether their path holds a secret: one built
    before these rules held ``notes/DB_PASSWORD Zq7A01xx.txt`` as any file, and kept showing
    it. Such an index is made here as the previous version left it (the file indexed under
    its name, no ``path_rules`` in the meta table); the next run asks every path again."""
    root = make_repo(tmp_path / "r", {"notes/plain.txt": "password notes for the deploy\n",
                                      "notes/deploy.md": "password notes\n"})
    assert run_cli("index", cwd=root).returncode == 0
    secret_name = "notes/DB_PASSWORD Zq7A01xx.txt"
    (root / "notes/plain.txt").rename(root / secret_name)  # (its size and mtime kept)
    db = sqlite3.connect(root / ".ctxsteward/index.sqlite")
    with db:
        db.execute("UPDATE files SET path=? WHERE path='notes/plain.txt'", (secret_name,))
        db.execute("DELETE FROM meta WHERE key='path_rules'")
    db.close()
    (root / ".ctxsteward/graph.bin").unlink()  # (keyed by the old name; rebuilt when missing)
    for fmt in ("json", "markdown"):
        made = run_cli("bundle", "--task", "password notes", "--budget", "0", "--format", fmt,
                       cwd=root)
        assert made.returncode == 0, made.stderr
        assert "Zq7A01xx" not in made.stdout and "notes/deploy.md" in made.stdout, made.stdout


def test_path_rule_reads_values_not_words() -> None:
    for path, value in NAMED.items():
        shown = secret_path(path)
        assert shown is not None and value not in shown, (path, shown)
    for path in ORDINARY + ("src/access_key_rotation.py", "docs/token-refresh-v2.md",
                            "docs/token_iOS14Support.md", "a/token-x86builder.md",
                            "src/api_key_ES256Signer.py", "src/password_SHA256.py",
                            "a/b:c.txt", "tests/test_secret_key_123.py"):
        assert secret_path(path) is None, path


PATH_VALUE = "Zq9A48vT3xW7pK"
SECRET_FILE = f"notes/DB_PASSWORD {PATH_VALUE}.txt"
SHOWN_FILE = "notes/DB_PASSWORD [redacted: Secret In Path].txt"


def test_every_handoff_output_masks_a_changed_path_alike(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"src/app.py": "def run():\n    return 1\n"})
    git("checkout", "-q", "-b", "feature", cwd=root)
    commit(root, "add deploy notes", {SECRET_FILE: "deploy notes\n"})
    (root / SECRET_FILE).write_text("deploy notes\nmore\n")  # changed, uncommitted too
    base = ("handoff", "--no-bundle", "--no-checks", "--base", "main")
    printed = run_cli(*base, cwd=root)
    as_json = run_cli(*base, "--format", "json", cwd=root)
    written = run_cli(*base, "--out", "NOTE.md", cwd=root)  # (later runs list NOTE.md)
    json_file = run_cli(*base, "--format", "json", "--out", "note.json", cwd=root)
    for done in (printed, written, as_json, json_file):
        assert done.returncode == 0, done.stderr
    texts = {"stdout": printed.stdout, "--out": (root / "NOTE.md").read_text("utf-8"),
             "json": as_json.stdout, "json --out": (root / "note.json").read_text("utf-8")}
    for where, text in texts.items():
        assert PATH_VALUE not in text, (where, text)
        assert SHOWN_FILE in text, (where, text)
    note = json.loads(as_json.stdout)
    paths = [c["path"] for c in note["committed_changes"] + note["uncommitted_changes"]]
    assert paths == [SHOWN_FILE, SHOWN_FILE], paths
    # The file and the printed note list the changes alike.
    listed = [line for line in texts["stdout"].splitlines() if SHOWN_FILE in line]
    assert listed and listed == [line for line in texts["--out"].splitlines()
                                 if SHOWN_FILE in line]


BODY_VALUE = "Zq9A49vT3xW7pK"
SUBJECT_VALUE = "Zq9A50vT3xW7pQ"
ORDINARY_SUBJECTS = ("password is now required on the admin login",
                     "change password to use argon2 for admin login")


def test_a_new_password_announced_in_a_commit_is_masked(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"admin.py": "def login_admin(user):\n    return user\n"},
                     commits=[
        (ORDINARY_SUBJECTS[0], {"admin.py": "def login_admin(user):\n    return user.name\n"}),
        ("rotate admin login credentials\n\nThe admin password is now: " + BODY_VALUE + "\n",
         {"admin.py": "def login_admin(user):\n    return user.id\n"}),
        (ORDINARY_SUBJECTS[1], {"admin.py": "def login_admin(user):\n    return user.pk\n"}),
        ("admin login: the admin password is now " + SUBJECT_VALUE,
         {"admin.py": "def login_admin(user):\n    return user.key\n"}),
    ])
    outputs = []
    for fmt in ("json", "markdown", "xml"):
        made = run_cli("bundle", "--task", "fix the admin login", "--format", fmt, cwd=root)
        assert made.returncode == 0, made.stderr
        outputs.append(made.stdout)
    hook = subprocess.run(
        [*cli_command(), "hook", "UserPromptSubmit", "--agent", "claude-code"], cwd=str(root),
        env={**git_env(), "CLAUDE_PROJECT_DIR": str(root)}, capture_output=True, text=True,
        timeout=180, check=False, input=json.dumps({
            "session_id": "s17", "cwd": str(root), "hook_event_name": "UserPromptSubmit",
            "prompt": "fix the admin login function"}))
    assert hook.returncode == 0, hook.stderr
    outputs.append(hook.stdout)
    handoff = run_cli("handoff", "--no-bundle", "--no-checks", "--base", "HEAD~4", cwd=root)
    assert handoff.returncode == 0, handoff.stderr
    outputs.append(handoff.stdout)
    assert "the admin password is now [redacted:" in handoff.stdout, handoff.stdout
    for out in outputs:
        assert BODY_VALUE not in out and SUBJECT_VALUE not in out, out[:4000]
    assert "admin password is now: [redacted:" in outputs[1], outputs[1]
    for subject in ORDINARY_SUBJECTS:
        assert subject in outputs[1], (subject, outputs[1])


def test_git_text_forms_of_a_new_password() -> None:
    value = "Zq9A49vT3xW7pK"
    for text in (f"The admin password is now: {value}", f"password is now {value}",
                 f"password changed to {value}", f"new password: {value}",
                 f"set the password to {value}", f"the API token is now set to {value}.",
                 f'password is now "{value}"', "password is now hunter2!"):
        shown = redact_git(text)
        assert value not in shown and "hunter2" not in shown, (text, shown)
    for text in ("password is now required", "change password to use argon2",
                 "password is now hashed with bcrypt", "the token is now v2",
                 "The secret is now stored in Vault", "api key is now optional",
                 "password is now validated on the server", "token is now JWT"):
        assert redact_git(text) == text, text
