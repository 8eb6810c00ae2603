"""``ctxsteward handoff`` end to end: the real command on real repositories."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_folder, run_cli, snapshot, write_files
from handoff_repos import feature_repo, unsha

from analyzers.handoff import HandoffNote, parse_note


def test_markdown_to_stdout_writes_nothing_else(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    before = snapshot(repo.root)
    proc = run_cli("handoff", "--no-bundle", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert unsha(proc.stdout).startswith(
        "<!-- ctxsteward:generated:begin summary -->\n# Handoff: feature")
    assert parse_note(proc.stdout).ok
    assert "`Engine.stop` (method" in proc.stdout
    assert snapshot(repo.root) == before


def test_out_file_keeps_human_sections(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    proc = run_cli("handoff", "--no-bundle", "--out", "HANDOFF.md", cwd=repo.root)
    assert proc.returncode == 0 and "created HANDOFF.md" in proc.stderr
    note = repo.root / "HANDOFF.md"
    text = note.read_text("utf-8").replace("<!-- The next concrete actions, in order. -->",
                                           "1. Wire `stop()` into the CLI.")
    note.write_text(text, "utf-8")
    write_files(repo.root, {"app/new.py": "def brand_new():\n    pass\n"})
    proc = run_cli("handoff", "--no-bundle", "--out", "HANDOFF.md", cwd=repo.root)
    assert proc.returncode == 0 and "updated HANDOFF.md" in proc.stderr
    after = note.read_text("utf-8")
    assert "1. Wire `stop()` into the CLI." in after and "`brand_new`" in after
    assert "HANDOFF.md" not in after.split("## Files changed")[1]  # the note is not "work"


def test_json_format_and_schema(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    proc = run_cli("handoff", "--no-bundle", "--format", "json", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    note = HandoffNote.model_validate_json(proc.stdout)
    assert note.branch == "feature" and note.commits_total == 2
    schema = run_cli("schema", "handoff", cwd=repo.root)
    assert schema.returncode == 0
    assert json.loads(schema.stdout)["title"] == "HandoffNote"


def test_json_out_never_replaces_a_markdown_note(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    (repo.root / "HANDOFF.md").write_text("# mine\n", "utf-8")
    proc = run_cli("handoff", "--no-bundle", "--format", "json", "--out", "HANDOFF.md",
                   cwd=repo.root)
    assert proc.returncode == 2 and "not overwriting" in proc.stderr
    assert (repo.root / "HANDOFF.md").read_text("utf-8") == "# mine\n"
    ok = run_cli("handoff", "--no-bundle", "--format", "json", "--out", "handoff.json",
                 cwd=repo.root)
    assert ok.returncode == 0
    assert HandoffNote.model_validate_json((repo.root / "handoff.json").read_text()).branch


def test_unparseable_note_goes_beside(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    damaged = "# Notes\n<!-- ctxsteward:generated:begin work -->\nno end marker\n"
    (repo.root / "HANDOFF.md").write_text(damaged, "utf-8")
    proc = run_cli("handoff", "--no-bundle", "--out", "HANDOFF.md", cwd=repo.root)
    assert proc.returncode == 1
    assert "HANDOFF.md was not overwritten" in proc.stderr
    assert "HANDOFF.generated.md" in proc.stderr
    assert (repo.root / "HANDOFF.md").read_text("utf-8") == damaged
    assert parse_note((repo.root / "HANDOFF.generated.md").read_text("utf-8")).ok


def test_errors_exit_2(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "plain", {"a.py": "x = 1\n"})
    proc = run_cli("handoff", cwd=folder)
    assert proc.returncode == 2
    assert "is not inside a git work tree" in proc.stderr and "Traceback" not in proc.stderr
    repo = feature_repo(tmp_path / "r")
    proc = run_cli("handoff", "--base", "nope", cwd=repo.root)
    assert proc.returncode == 2 and "'nope' does not name a commit" in proc.stderr
    proc = run_cli("handoff", "--root", str(tmp_path / "missing"), cwd=tmp_path)
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_bundle_seeds_are_the_most_changed_files_and_goal_is_the_task(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    first = run_cli("handoff", "--out", "HANDOFF.md", cwd=repo.root)
    assert first.returncode == 0, first.stderr
    note = repo.root / "HANDOFF.md"
    note.write_text(note.read_text("utf-8").replace(
        "<!-- What this work is for, in a sentence or two. -->", "Let the engine stop cleanly."),
        "utf-8")
    proc = run_cli("handoff", "--format", "json", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    data = HandoffNote.model_validate_json(proc.stdout)
    b = data.bundle
    assert b.available, b.reason
    assert b.task == "Let the engine stop cleanly."
    # Most lines changed: app/core.py (committed), app/util.py and app/extra.py (uncommitted).
    assert b.seeds[0] == "app/core.py"
    assert set(b.seeds) == {"app/core.py", "app/util.py", "app/extra.py"}
    assert b.total_tokens is not None and 0 < b.total_tokens <= (b.budget or 0)
    assert b.files[0].path == "app/core.py"
    assert sum(f.tokens for f in b.files) <= b.total_tokens
    # The note being updated is never suggested to the next session as context.
    assert "HANDOFF.md" not in {f.path for f in b.files}


def test_a_bad_base_is_never_echoed_raw(tmp_path: Path) -> None:
    """The ref a person typed reaches agents (MCP, hooks) in the error: a token pasted by mistake
    is masked, control characters (a terminal escape) are taken out, a long ref is cut, and the
    message says what to do."""
    repo = feature_repo(tmp_path / "r")
    token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"
    for ref, gone, shown in (
            (token, token, "'[redacted: GitHub Token]'"),
            ("release/DB_PASSWORD=hunter2-secret-42", "hunter2-secret-42",
             "release/DB_PASSWORD=[redacted"),
            ("topic/\x1b[2J\x1b]0;pwned\x07x", "\x1b", "'topic/[2J]0;pwnedx'"),
            ("b" * 150 + token, "b" * 81, "'" + "b" * 79 + "…'"),  # cut: within 80 characters
            ("x" * 300, "x" * 81, "'" + "x" * 79 + "…'"),  # not a git ref at all (over 200)
            ("no-such-branch", "\x00", "'no-such-branch' does not name a commit")):
        proc = run_cli("handoff", "--base", ref, cwd=repo.root)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert gone not in proc.stderr and token not in proc.stderr, proc.stderr
        assert shown in proc.stderr, proc.stderr
        assert "use a branch, tag or commit that exists" in proc.stderr
        assert "`git branch -a`" in proc.stderr
        assert proc.stdout == ""


def test_a_rerun_with_nothing_new_leaves_the_note_byte_for_byte(tmp_path: Path) -> None:
    """The summary's "Generated" time was rewritten on every run, so the note (and its
    digest) changed each time with nothing else new: noise in git. Now the time moves only
    with the note's content; the digests stay those of what is written."""
    import re
    import time

    from analyzers.handoff.markdown import digest

    repo = feature_repo(tmp_path / "r")
    note = repo.root / "HANDOFF.md"
    args = ("handoff", "--no-bundle", "--out", "HANDOFF.md")
    assert run_cli(*args, cwd=repo.root).returncode == 0
    first = note.read_bytes()
    time.sleep(1.1)  # the time is written in seconds: a new run would write another
    again = run_cli(*args, cwd=repo.root)
    assert again.returncode == 0 and "HANDOFF.md is already up to date" in again.stderr
    assert note.read_bytes() == first
    write_files(repo.root, {"app/new.py": "def brand_new():\n    pass\n"})
    time.sleep(1.1)
    assert "updated HANDOFF.md" in run_cli(*args, cwd=repo.root).stderr
    changed = note.read_text("utf-8")
    stamp = re.compile(r"\*\*Generated\*\*: (\S+) ")
    assert stamp.findall(changed) != stamp.findall(first.decode("utf-8"))
    for block in parse_note(changed).blocks:  # each block's sha= is of its content as written
        begin = changed[block.marker[0]:block.marker[1]]
        assert f"sha={digest(changed[block.content_start:block.content_end])}" in begin, begin


def test_an_edit_to_a_person_s_section_alone_counts_the_note_anew(tmp_path: Path) -> None:
    """A rerun after an edit to a person's section only (Blockers) left the file as it was,
    its **Note size** and the JSON ``token_count`` the old number though the note grew. The
    recorded time is kept only when the whole note, its size included, is unchanged."""
    import re
    import time

    from analyzers.config import Settings
    from analyzers.tokens import Counter

    repo = feature_repo(tmp_path / "r")
    note = repo.root / "HANDOFF.md"
    args = ("handoff", "--no-bundle", "--out", "HANDOFF.md")
    assert run_cli(*args, cwd=repo.root).returncode == 0
    size = re.compile(r"\*\*Generated\*\*: (\S+) · \*\*Note size\*\*: ([\d,]+) of ")
    first = note.read_text("utf-8")
    blockers = "\n".join(f"- The staging database {i} is down until the vendor replies about "
                         f"ticket {1000 + i}." for i in range(12))
    note.write_text(first.replace("## Blockers\n", f"## Blockers\n\n{blockers}\n", 1), "utf-8")
    time.sleep(1.1)  # (the time is written in seconds)
    again = run_cli(*args, cwd=repo.root)
    assert again.returncode == 0 and "updated HANDOFF.md" in again.stderr, again.stderr
    written = note.read_text("utf-8")
    assert blockers in written
    settings = Settings()
    real = Counter(settings.encoding, settings.model_profile()).count(written)
    (then, old), (now, recorded) = size.findall(first)[0], size.findall(written)[0]
    assert int(recorded.replace(",", "")) == real > int(old.replace(",", "")), (old, recorded)
    assert now != then
    # Nothing new since: the note stays byte for byte, its size the real one (JSON too).
    time.sleep(1.1)
    third = run_cli(*args, cwd=repo.root)
    assert "HANDOFF.md is already up to date" in third.stderr, third.stderr
    assert note.read_text("utf-8") == written
    shown = json.loads(run_cli("handoff", "--no-bundle", "--format", "json", cwd=repo.root).stdout)
    assert shown["token_count"] == real and shown["generated_at"] == now
    # An edit to the person's section alone, read by the JSON: its size is the grown note's.
    note.write_text(written.replace(blockers, blockers + "\n" + blockers), "utf-8")
    shown = json.loads(run_cli("handoff", "--no-bundle", "--format", "json", cwd=repo.root).stdout)
    assert shown["token_count"] > real, (shown["token_count"], real)


def test_out_to_a_pipe_or_a_device_writes_the_note_and_never_reads_it(tmp_path: Path) -> None:
    """``--out /dev/stdout`` (stdout a pipe), a named pipe with a reader and ``/dev/null``: the
    note is written to it and the command ends (it read the target first, to keep a person's
    sections, and waited forever on a pipe)."""
    import os
    import threading

    repo = feature_repo(tmp_path / "r")
    proc = run_cli("handoff", "--no-bundle", "--out", "/dev/stdout", cwd=repo.root, timeout=90)
    assert proc.returncode == 0, proc.stderr
    assert parse_note(proc.stdout).ok and "# Handoff: feature" in proc.stdout
    fifo = tmp_path / "note.fifo"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text("utf-8")), daemon=True)
    reader.start()
    proc = run_cli("handoff", "--no-bundle", "--format", "json", "--out", str(fifo),
                   cwd=repo.root, timeout=90)
    reader.join(30)
    assert proc.returncode == 0, proc.stderr
    assert got and json.loads(got[0])["kind"] == "ctxsteward.handoff"
    proc = run_cli("handoff", "--no-bundle", "--out", "/dev/null", cwd=repo.root, timeout=90)
    assert proc.returncode == 0 and "wrote /dev/null" in proc.stderr, proc.stderr
