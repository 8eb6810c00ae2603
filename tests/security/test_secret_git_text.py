"""Secrets in texts derived from git never reach an agent: a commit subject holding a GitHub token
and a TODO line holding an AWS key are shown redacted in the handoff note (Markdown, JSON,
HANDOFF.md, MCP ``handoff`` and ``ctxsteward://handoff``), in bundle reasons and in MCP
``find_context``. Real git repositories, the real CLI and the real MCP server over stdio."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TextIO

import pytest
from gitutil import cli_command, git, git_env, make_repo, run_cli
from mcp.types import TextResourceContents
from mcp_client import data, session, structured_json, text

GITHUB_TOKEN = "ghp_" + "Zr8kQ2vLm9xW4pT7nB3cY6dF1gH5jK0sA2eU"  # ghp_ + 36 characters
AWS_KEY_ID = "AKIA" + "Q7ZK3M5TWN2XB4LP"  # AKIA + 16 upper/digits
AWS_SECRET = "Hq3vT9xLm2Rk8Wp4Zs6Yb1Nc7Fd5Gj0Ae+Kt/Uo4"  # 40 characters, base64 alphabet
SECRETS = (GITHUB_TOKEN, AWS_KEY_ID, AWS_SECRET)
MARKER = "[redacted: "

EXPORTER = "def write_csv_rows(rows):\n    return '\\n'.join(','.join(r) for r in rows)\n"
TODO_LINES = (f"# TODO rotate the staging key {AWS_KEY_ID} before release\n"
              f"# TODO also aws_secret_access_key = {AWS_SECRET}\n")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("gittext") / "repo", {
        "exporter.py": EXPORTER,
        "reader.py": "def read_json(path):\n    return open(path).read()\n",
        "mailer.py": "def send_mail(to):\n    return to\n",
        "README.md": "# tool\n",
    }, commits=[
        ("read json input files", {"reader.py": "def read_json(path):\n    return path\n"}),
        ("send mail on failure", {"mailer.py": "def send_mail(to):\n    return [to]\n"}),
        (f"csv export: use the deploy token {GITHUB_TOKEN}",
         {"exporter.py": EXPORTER + "\n\ndef csv_header():\n    return 'a,b'\n"}),
        ("mail retries", {"mailer.py": "def send_mail(to):\n    return [to, to]\n"}),
    ])
    git("checkout", "-q", "-b", "feature", cwd=root)
    (root / "deploy.py").write_text("def deploy():\n    return 1\n")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", f"deploy with {GITHUB_TOKEN} for the csv export", cwd=root)
    # Uncommitted: a TODO carrying an AWS key pair (added since the base, so the note lists it).
    (root / "deploy.py").write_text("def deploy():\n" + TODO_LINES + "    return 1\n")
    return root


def assert_clean(output: str) -> None:
    for secret in SECRETS:
        assert secret not in output
    # No tail of a secret either: masking covers the whole value.
    assert GITHUB_TOKEN[4:20] not in output and AWS_SECRET[10:30] not in output


def test_handoff_markdown_json_and_file_show_git_text_redacted(repo: Path) -> None:
    md = run_cli("handoff", "--no-bundle", "--base", "main", cwd=repo)
    assert md.returncode == 0, md.stderr
    assert_clean(md.stdout + md.stderr)
    assert "[redacted: GitHub Token]" in md.stdout  # the commit subject
    assert "[redacted: AWS Access Key]" in md.stdout  # the TODO line
    assert "deploy with" in md.stdout and "rotate the staging key" in md.stdout

    js = run_cli("handoff", "--no-bundle", "--base", "main", "--format", "json", cwd=repo)
    assert js.returncode == 0, js.stderr
    assert_clean(js.stdout)
    note = json.loads(js.stdout)
    subjects = [c["subject"] for c in note["commits"]]
    assert subjects == ["deploy with [redacted: GitHub Token] for the csv export"]
    todos = [t["text"] for t in note["todos"]]
    assert any("[redacted: AWS Access Key]" in t for t in todos), todos
    assert any("[redacted: AWS Secret Access Key]" in t for t in todos), todos

    out = run_cli("handoff", "--base", "main", "--out", "HANDOFF.md", cwd=repo)
    assert out.returncode == 0, out.stderr
    written = (repo / "HANDOFF.md").read_text("utf-8")
    (repo / "HANDOFF.md").unlink()
    assert_clean(written + out.stdout + out.stderr)
    assert MARKER in written


def test_bundle_reasons_name_the_past_commit_redacted(repo: Path) -> None:
    proc = run_cli("bundle", "--task", "csv export token", "--budget", "0", "--format", "json",
                   cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert_clean(proc.stdout + proc.stderr)
    reasons = [r for i in json.loads(proc.stdout)["items"] for r in i["reasons"]]
    past = [r for r in reasons if r.startswith("changed in a past commit like this task")]
    assert past and all("[redacted: GitHub Token]" in r for r in past), reasons
    # The file holding the AWS key is never a bundle item.
    assert "deploy.py" not in {i["path"] for i in json.loads(proc.stdout)["items"]}
    md = run_cli("bundle", "--task", "csv export token", "--budget", "4000", cwd=repo)
    assert md.returncode == 0, md.stderr
    assert_clean(md.stdout + md.stderr)


def test_an_index_built_before_redaction_is_rebuilt(repo: Path) -> None:
    # An index whose schema predates redaction holds raw subjects: it must not be trusted.
    import sqlite3

    run_cli("index", cwd=repo)
    db = repo / ".ctxsteward" / "index.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value='5' WHERE key='schema_version'")
        conn.execute("UPDATE commits SET subject=? WHERE subject LIKE 'csv export%'",
                     (f"csv export: use the deploy token {GITHUB_TOKEN}",))
    conn.close()
    proc = run_cli("bundle", "--task", "csv export token", "--budget", "0", "--format", "json",
                   cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert_clean(proc.stdout)
    assert "[redacted: GitHub Token]" in proc.stdout


async def test_mcp_handoff_resource_and_find_context_are_redacted(repo: Path, log: TextIO
                                                                   ) -> None:
    async with session(repo, log) as s:
        note = await s.call_tool("handoff", {"base": "main"})
        assert_clean(text(note) + structured_json(note))
        assert "[redacted: GitHub Token]" in data(note)["note"]
        assert "[redacted: AWS Access Key]" in data(note)["note"]

        written = await s.call_tool("handoff", {"base": "main", "write": True})
        assert_clean(text(written) + structured_json(written))
        resource = await s.read_resource("ctxsteward://handoff")
        content = resource.contents[0]
        assert isinstance(content, TextResourceContents)
        assert_clean(content.text)
        assert MARKER in content.text

        found = await s.call_tool("find_context", {"query": "csv export token"})
        assert_clean(text(found) + structured_json(found))
        reasons = [r for hit in data(found)["results"] for r in hit["reasons"]]
        assert any("[redacted: GitHub Token]" in r for r in reasons), reasons
    (repo / "HANDOFF.md").unlink()


HUMAN_PASSWORD = "Wm4Zq8Tr2Lx7"
HUMAN_DB = "Hk3Vn8Qp2Zs5"
HUMAN_SECRETS = (HUMAN_PASSWORD, HUMAN_DB, GITHUB_TOKEN)


def _note_with_a_pasted_secret(repo: Path) -> str:
    """HANDOFF.md as ``handoff --out`` wrote it, with secrets pasted into its Goal by a person."""
    out = run_cli("handoff", "--no-bundle", "--base", "main", "--out", "HANDOFF.md", cwd=repo)
    assert out.returncode == 0, out.stderr
    path = repo / "HANDOFF.md"
    text = path.read_text("utf-8")
    goal = (f"Finish the csv export. The staging password is {HUMAN_PASSWORD} and the token "
            f"{GITHUB_TOKEN} works.\nDB_PASSWORD={HUMAN_DB}\n")
    head, sep, rest = text.partition("## Goal\n")
    assert sep, text
    path.write_text(head + sep + goal + rest, "utf-8")
    return path.read_text("utf-8")


async def test_secrets_a_person_pasted_into_the_note_are_masked_wherever_it_is_shown(
        repo: Path, log: TextIO) -> None:
    """The human sections are kept byte for byte in HANDOFF.md, but what is read out of it for an
    agent (``handoff`` Markdown and JSON, the suggested bundle's task made from the Goal, MCP
    ``handoff`` and ``ctxsteward://handoff``) shows them masked."""
    written = _note_with_a_pasted_secret(repo)
    try:
        md = run_cli("handoff", "--base", "main", cwd=repo)
        assert md.returncode == 0, md.stderr
        js = run_cli("handoff", "--base", "main", "--format", "json", cwd=repo)
        assert js.returncode == 0, js.stderr
        for shown in (md.stdout + md.stderr, js.stdout):
            for secret in HUMAN_SECRETS:
                assert secret not in shown, shown
        assert "Finish the csv export. The staging password is [redacted: " in md.stdout
        note = json.loads(js.stdout)
        assert note["human"]["goal"].startswith("Finish the csv export"), note["human"]
        assert note["bundle"]["task"] is None or MARKER in note["bundle"]["task"], note["bundle"]
        async with session(repo, log) as s:
            answer = await s.call_tool("handoff", {"base": "main"})
            resource = await s.read_resource("ctxsteward://handoff")
        content = resource.contents[0]
        assert isinstance(content, TextResourceContents)
        for shown in (text(answer), structured_json(answer), content.text):
            for secret in HUMAN_SECRETS:
                assert secret not in shown, shown
        assert MARKER in content.text
        # The person's file itself is theirs: kept as written, through a regeneration too.
        again = run_cli("handoff", "--no-bundle", "--base", "main", "--out", "HANDOFF.md",
                        cwd=repo)
        assert again.returncode == 0, again.stderr
        kept = (repo / "HANDOFF.md").read_text("utf-8")
        assert f"The staging password is {HUMAN_PASSWORD}" in kept and HUMAN_DB in kept
        assert written.count(HUMAN_PASSWORD) == kept.count(HUMAN_PASSWORD)
    finally:
        (repo / "HANDOFF.md").unlink(missing_ok=True)


# helper-74's forms in commit subjects (session 15): a URL flattened into a path
# (``https:__user:pw@host``) and ``NAME=value/…`` with a value before "/", or of words. They
# were shown by the handoff's commit list, a bundle's "Recent decisions", the reasons, the
# hooks' context map and, cut to 57 characters, `check`'s stale-reference messages.
FLAT_PW = "Sup3rS3cretPw9"
SLASH_PW = "Lm4Np8Qr2St6"
WORDS_PW = "correct horse battery"
FLAT_SECRETS = (FLAT_PW, SLASH_PW, WORDS_PW, "horse battery")


@pytest.fixture(scope="module")
def flat_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("flat") / "repo", {
        "exporter.py": EXPORTER,
        "old_tool.py": "def old():\n    return 1\n",
        "CLAUDE.md": "# Notes\n\nRun `python old_tool.py` to export.\n",
    }, commits=[
        (f"rm https:__deploy:{FLAT_PW}@git.example.com mirror; old_tool.py is gone",
         {"old_tool.py": None}),
        (f"csv export: move backups/DB_PASSWORD={SLASH_PW}/rows.csv",
         {"exporter.py": EXPORTER + "\n\ndef csv_header():\n    return 'a,b'\n"}),
    ])
    git("checkout", "-q", "-b", "feature", cwd=root)
    (root / "exporter.py").write_text(EXPORTER + "\n\ndef csv_footer():\n    return ''\n")
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", f"csv export: archive/token={WORDS_PW}/ and https:__ops:{FLAT_PW}"
        "@db.example.com", cwd=root)
    return root


def assert_flat_clean(output: str) -> None:
    for secret in FLAT_SECRETS:
        assert secret not in output, output[:3000]


def test_flattened_urls_and_path_assignments_in_subjects_are_masked(flat_repo: Path) -> None:
    shown = []
    for fmt in ("markdown", "json"):
        made = run_cli("handoff", "--no-bundle", "--base", "main", "--format", fmt, cwd=flat_repo)
        assert made.returncode == 0, made.stderr
        shown.append(made.stdout + made.stderr)
    subjects = [c["subject"] for c in json.loads(shown[1])["commits"]]
    assert subjects == ["csv export: archive/token=[redacted: Secret Keyword]/ and "
                        "https:__ops:[redacted: Basic Auth Credentials]@db.example.com"], subjects
    for fmt in ("markdown", "json", "xml"):
        for args in (("--seed", "exporter.py"), ("--task", "csv export rows")):
            made = run_cli("bundle", *args, "--budget", "6000", "--format", fmt, cwd=flat_repo)
            assert made.returncode == 0, made.stderr
            shown.append(made.stdout + made.stderr)
    seeded = run_cli("bundle", "--seed", "exporter.py", "--budget", "6000", cwd=flat_repo).stdout
    assert "archive/token=[redacted: Secret Keyword]/ and https:__ops:[redacted: " in seeded, seeded
    checked = run_cli("check", cwd=flat_repo)
    shown.append(checked.stdout + checked.stderr)
    assert "CS003" in checked.stdout and "https:__deploy:[redacted: " in checked.stdout, \
        checked.stdout
    prompt = {"session_id": "flat", "transcript_path": "", "cwd": str(flat_repo),
              "permission_mode": "default", "hook_event_name": "UserPromptSubmit",
              "prompt": "Add a csv footer to the csv export rows"}
    hooked = subprocess.run([*cli_command(), "hook", "UserPromptSubmit", "--agent",
                             "claude-code"], cwd=flat_repo, input=json.dumps(prompt), text=True,
                            capture_output=True, timeout=120, check=False,
                            env={**git_env(), "CLAUDE_PROJECT_DIR": str(flat_repo)})
    assert hooked.returncode == 0, hooked.stderr
    assert "exporter.py" in hooked.stdout, hooked.stdout
    shown.append(hooked.stdout + hooked.stderr)
    for out in shown:
        assert_flat_clean(out)


@pytest.mark.parametrize("text", [
    "Fix authors=list parsing", "Bump token handling (token=None default)",
    "Contact mailto:john@example.com for access", "Merge branch 'fix-auth' of host:repo",
    "Time 10:30@home",
    # helper-76's false positives: an address in brackets or an attribute, a package or image
    # pinned with "@", a number, a word that only starts like a secret's, a bare key
    "(mailto:x@y.org)", 'href="mailto:nick@koston.org"', "pin npm:react@18.2.0",
    "image:tag@sha256 and key:value@version", "max_tokens=4096", "token_budget=9000",
    "tokenizer=gpt2", "auth_backend=ldap", "next_page_token=abcdef", 'ENV key=value format',
])
def test_free_text_rules_leave_ordinary_subjects_alone(text: str) -> None:
    from analyzers.secrets import redact_git

    assert redact_git(text) == text


@pytest.mark.parametrize("text,secret", [
    ("db_pw=Hunter2xyz in deploy", "Hunter2xyz"), ("creds=Kq8Zr2Lm in ci", "Kq8Zr2Lm"),
    ("rotate SIGNING_KEY=Vb7Nc3Xq9", "Vb7Nc3Xq9"), ("authorization=BearerXq7Lm2", "BearerXq7Lm2"),
    ("mirror https:%2F%2Fdeploy:Pw9xyzQ@db.example.com", "Pw9xyzQ"),
    ("mirror https:deploy:Pw9xyzQ@db.example.com", "Pw9xyzQ"),
    ("ssh:deploy:Pw9xyzQ@host.example.com", "Pw9xyzQ"),
])
def test_free_text_rules_mask_the_forms_helper_76_found(text: str, secret: str) -> None:
    from analyzers.secrets import redact_git

    shown = redact_git(text)
    assert secret not in shown and "[redacted: " in shown, shown


LABELLED = "Qz7pLm4Rt9Kw"  # a password written on the line after its label, in a commit's body


@pytest.mark.parametrize("body", [
    f"**Password:**\n\n{LABELLED}",
    f"The password is:\n{LABELLED}",
    f"Password::\n  {LABELLED}",
    f"## Password\n```\n{LABELLED}\n```",
])
def test_a_commit_body_s_labelled_password_is_masked_in_the_decisions(
        tmp_path: Path, body: str) -> None:
    """A commit's message is read as a document too: a label's value on the next lines is
    masked in the bundle's Recent decisions and the hook's map (a hostile review found them
    shown; the same label in a Markdown file was masked)."""
    root = make_repo(tmp_path / "repo", {"deploy.py": "def deploy():\n    return 1\n"})
    (root / "deploy.py").write_text("def deploy():\n    return 2\n")
    git("add", "-A", cwd=root)
    msg = root.parent / "msg.txt"
    msg.write_text(f"deploy: staging creds\n\n{body}\n")
    git("commit", "-q", "--cleanup=verbatim", "-F", str(msg), cwd=root)
    for fmt in ("markdown", "json"):
        proc = run_cli("bundle", "--seed", "deploy.py", "--task", "deploy staging creds",
                       "--budget", "4000", "--format", fmt, cwd=root)
        assert proc.returncode == 0, proc.stderr
        assert "staging creds" in proc.stdout  # the commit is among the decisions
        assert LABELLED not in proc.stdout + proc.stderr
    prompt = json.dumps({"prompt": "deploy staging creds", "cwd": str(root),
                         "hook_event_name": "UserPromptSubmit", "session_id": "s"})
    hook = subprocess.run([*cli_command(), "hook", "UserPromptSubmit", "--agent", "claude-code"],
                          input=prompt, capture_output=True, text=True, cwd=root,
                          env={**git_env(), "CLAUDE_PROJECT_DIR": str(root)}, timeout=120)
    assert LABELLED not in hook.stdout + hook.stderr
