"""A secret in a file's path: ``notes/ghp_…k8.txt`` or ``notes/backup DB_PASSWORD=….md`` was printed
verbatim by ``bundle --format json`` and ``budget`` (session 14's verifier, item 9): a path is shown
with every item, left-out entry and reason. Such a file is never indexed; the walk records it
masked. Real git repository, real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli

TOKEN = "ghp_" + "Q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8"  # ghp_ + 36 alnum
PASSWORD = "Vx8Kq2Lm7Zt4"


# helper-74's forms: NAME=value in a code file's name (read as code, it was no secret), a token
# with no digit, user:password@host flattened into a name, a value before "/", a value of
# lower-case words
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
MORE = {
    f"src/DB_PASSWORD={PASSWORD}.py": "def backup_notes_db():\n    return 'deploy backup'\n",
    f"notes/{SLACK}.txt": "backup notes for the deploy\n",
    "mirror/https:__deploy:Sup3rS3cretPw9@git.example.com/backup.md": "# Backup notes deploy\n",
    "config/DB_PASSWORD=Lm4Np8Qr2St6/backup.py": "def backup_deploy():\n    return 1\n",
    "notes/DB_PASSWORD=correcthorsebattery.md": "# Backup notes for the deploy\n",
}
MORE_SECRETS = (SLACK, "Sup3rS3cretPw9", "Lm4Np8Qr2St6", "correcthorsebattery")


def test_a_file_whose_path_holds_a_secret_is_never_indexed_or_shown(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        f"notes/{TOKEN}.txt": "backup notes for the deploy\n",
        f"notes/backup DB_PASSWORD={PASSWORD}.md": "# Backup notes\n\nThe deploy backup.\n",
        "notes/deploy.md": "# Deploy notes\n\nHow the backup of the deploy runs.\n",
        "src/deploy.py": "def backup_notes():\n    return 'deploy'\n",
        **MORE,
    })
    (root / "links").mkdir()
    (root / "links" / "notes_link").symlink_to(f"../notes/{TOKEN}.txt")
    index = run_cli("index", "--json", cwd=root)
    assert index.returncode == 0, index.stderr
    outputs = [index.stdout, index.stderr]
    report = json.loads(index.stdout)
    for fmt in ("json", "markdown", "xml"):
        for budget in ("0", "4000"):
            made = run_cli("bundle", "--task", "backup notes for the deploy", "--budget", budget,
                           "--format", fmt, cwd=root)
            assert made.returncode == 0, made.stderr
            outputs += [made.stdout, made.stderr]
    shown = run_cli("budget", "--json", cwd=root)
    outputs += [shown.stdout, shown.stderr]
    for out in outputs:
        assert TOKEN not in out and TOKEN[4:20] not in out and PASSWORD not in out
        for secret in MORE_SECRETS:
            assert secret not in out, (secret, out[:2000])
    # The ranking still has the other notes: only the two files are left out.
    ranked = json.loads(run_cli("bundle", "--task", "backup notes for the deploy", "--budget", "0",
                                "--format", "json", cwd=root).stdout)
    assert "notes/deploy.md" in {i["path"] for i in ranked["items"]}
    # The index says so, with the path masked.
    text = json.dumps(report)
    assert "secret_in_path" in text and "notes/[redacted: GitHub Token]" in text, text


def test_a_handoff_shows_such_a_path_masked(tmp_path: Path) -> None:
    """The handoff lists changed files from git, not from the index: its JSON and Markdown show
    such a path masked (the note file keeps it: it is the person's own)."""
    root = make_repo(tmp_path / "r", {"src/deploy.py": "def backup_notes():\n    return 1\n"})
    (root / "notes").mkdir()
    (root / "notes" / f"{TOKEN}.txt").write_text("TODO: rotate this\n")
    (root / "notes" / f"backup DB_PASSWORD={PASSWORD}.md").write_text("# Backup\n")
    (root / "src" / "DB_PASSWORD=Pq7Wn3Rt9Ys2.py").write_text("# TODO: rotate\nX = 1\n")
    for fmt in ("json", "markdown"):
        made = run_cli("handoff", "--format", fmt, "--no-bundle", "--no-checks", cwd=root)
        assert made.returncode == 0, made.stderr
        assert TOKEN not in made.stdout and TOKEN[4:20] not in made.stdout, made.stdout
        assert PASSWORD not in made.stdout and "Pq7Wn3Rt9Ys2" not in made.stdout
        assert "notes/[redacted: GitHub Token]" in made.stdout, made.stdout
