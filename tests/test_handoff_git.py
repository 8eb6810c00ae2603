"""Handoff notes from real git repositories: base resolution, commits and changed files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from gitutil import commit, git, make_folder, make_repo, run_cli, write_files
from handoff_repos import feature_repo

from analyzers.handoff import HandoffError, generate
from analyzers.handoff.note import FileChange, HandoffNote


def by_path(changes: list[FileChange]) -> dict[str, FileChange]:
    return {c.path: c for c in changes}


def note_for(root: Path, **kw: object) -> HandoffNote:
    return generate(root, bundle=False, **kw)  # type: ignore[arg-type]


def numstat(root: Path, *args: str) -> dict[str, tuple[int, int]]:
    """Added/removed lines per path, straight from git, for cross-checking."""
    toks = git("diff", "--numstat", "-z", "-M", *args, cwd=root).split("\0")
    res = {}
    i = 0
    while i < len(toks):
        if not toks[i].strip():
            i += 1
            continue
        a, r, path = toks[i].lstrip("\n").split("\t")
        if path == "":  # a rename: old and new path follow; keep the new one
            path, i = toks[i + 2], i + 3
        else:
            i += 1
        res[path] = (int(a), int(r))
    return res


def test_feature_branch_commits_and_committed_changes(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    note = note_for(repo.root)
    assert note.branch == "feature"
    assert note.head == git("rev-parse", "HEAD", cwd=repo.root)
    assert note.base_source == "default_branch" and note.base_ref == "main"
    # The merge-base, not main's tip: main moved on after the branch point.
    assert note.merge_base == repo.branch_point != repo.main_tip
    assert [c.sha for c in note.commits] == repo.feature_commits
    assert [c.subject for c in note.commits] == ["rename docs, drop legacy", "rework the engine"]
    assert note.commits_total == 2

    committed = by_path(note.committed_changes)
    assert set(committed) == {"app/core.py", "docs/new_name.md", "legacy.py"}
    assert "README.md" not in committed  # changed on main only
    assert committed["app/core.py"].status == "modified"
    renamed = committed["docs/new_name.md"]
    assert (renamed.status, renamed.old_path) == ("renamed", "docs/old_name.md")
    assert (renamed.added, renamed.removed) == (0, 0)
    assert committed["legacy.py"].status == "deleted"
    assert committed["legacy.py"].removed == 2 and committed["legacy.py"].added == 0
    expected = numstat(repo.root, repo.branch_point, "HEAD")
    for path, change in committed.items():
        assert (change.added, change.removed) == expected[path], path


def test_uncommitted_changes_are_separate(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    note = note_for(repo.root)
    uncommitted = by_path(note.uncommitted_changes)
    assert set(uncommitted) == {"app/util.py", "app/extra.py"}
    util = uncommitted["app/util.py"]
    assert util.status == "modified" and not util.untracked
    assert (util.added, util.removed) == numstat(repo.root, "HEAD")["app/util.py"]
    extra = uncommitted["app/extra.py"]
    assert extra.status == "added" and extra.untracked
    assert extra.added == 3 and extra.removed == 0
    # Uncommitted work does not leak into the committed list and vice versa.
    assert "app/util.py" not in by_path(note.committed_changes)
    assert "app/core.py" not in uncommitted


def test_staged_rename_and_deletion_are_uncommitted(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "def a():\n    return 1\n", "b.txt": "bee\n"})
    git("mv", "a.py", "renamed.py", cwd=root)
    git("rm", "-q", "b.txt", cwd=root)
    note = note_for(root)
    uncommitted = by_path(note.uncommitted_changes)
    assert uncommitted["renamed.py"].status == "renamed"
    assert uncommitted["renamed.py"].old_path == "a.py"
    assert uncommitted["b.txt"].status == "deleted"
    assert note.committed_changes == []
    # A pure rename touches no definition.
    assert note.touched_definitions == []


def test_detached_head(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    git("checkout", "-q", "--detach", "feature", cwd=repo.root)
    note = note_for(repo.root)
    assert note.branch is None
    assert note.head == repo.feature_commits[0]
    assert note.base_source == "default_branch" and note.merge_base == repo.branch_point
    assert [c.sha for c in note.commits] == repo.feature_commits


def test_no_upstream_on_default_branch_uses_root_commit(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "1\n"}, commits=[{"a.txt": "2\n"}, {"a.txt": "3\n"}])
    first = git("rev-list", "--max-parents=0", "HEAD", cwd=root)
    note = note_for(root)
    assert note.branch == "main"
    assert note.base_source == "root_commit"
    assert note.merge_base == first
    assert note.commits_total == 2
    assert by_path(note.committed_changes)["a.txt"].status == "modified"


def test_upstream_merge_base_and_own_remote_copy(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin", {"a.py": "x = 1\n"}, commits=[{"b.py": "y = 2\n"}])
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True,
                   capture_output=True)
    # A branch started from origin/main, tracking it: the upstream is the base.
    git("checkout", "-q", "-b", "topic", "--track", "origin/main", cwd=clone)
    c1 = commit(clone, "topic work", {"a.py": "x = 10\n"})
    note = note_for(clone)
    assert note.base_source == "upstream" and note.base_ref == "origin/main"
    assert [c.sha for c in note.commits] == [c1]
    # Pushed with -u, its upstream is its own remote copy: the default branch is the base instead.
    git("push", "-q", "-u", "origin", "topic", cwd=clone)
    c2 = commit(clone, "more topic work", {"a.py": "x = 11\n"})
    note = note_for(clone)
    assert note.base_source == "default_branch" and note.base_ref == "origin/main"
    assert [c.sha for c in note.commits] == [c2, c1]
    assert note.remote == str(origin)


def test_remote_url_credentials_are_removed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    git("remote", "add", "origin", "https://user:s3cret@example.com/org/repo.git", cwd=root)
    note = note_for(root)
    assert note.remote == "https://example.com/org/repo.git"
    assert "s3cret" not in note.model_dump_json()
    # A password holding "@": the authority's last one ends it (helper-76 saw "Secret77x@h…").
    git("remote", "set-url", "origin", "https://deploy:Pw9@Secret77x@h.example.com/r.git",
        cwd=root)
    note = note_for(root)
    assert note.remote == "https://h.example.com/r.git", note.remote
    assert "Secret77x" not in note.model_dump_json()


def test_single_commit_repository(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"main.py": "def main():\n    return 0\n"})
    write_files(root, {"main.py": "def main():\n    return 1\n"})
    note = note_for(root)
    assert note.merge_base == note.head and note.base_source == "root_commit"
    assert note.commits == [] and note.committed_changes == []
    assert [(c.path, c.status) for c in note.uncommitted_changes] == [("main.py", "modified")]
    assert [(d.name, d.change) for d in note.touched_definitions] == [("main", "modified")]


def test_repository_without_commits(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r")
    write_files(root, {"new.py": "def fresh():\n    pass\n"})
    note = note_for(root)
    assert note.head is None and note.base_source == "empty" and note.merge_base is None
    assert [(c.path, c.status, c.untracked) for c in note.uncommitted_changes] == [
        ("new.py", "added", True)]
    assert [(d.name, d.change) for d in note.touched_definitions] == [("fresh", "added")]


def test_explicit_base(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    older = repo.feature_commits[1]
    note = note_for(repo.root, base=older)
    assert note.base_source == "explicit" and note.base_ref == older
    assert [c.sha for c in note.commits] == repo.feature_commits[:1]
    assert set(by_path(note.committed_changes)) == {"docs/new_name.md", "legacy.py"}


def test_bad_base_and_non_git_folder_are_clear_errors(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    with pytest.raises(HandoffError, match="does not name a commit"):
        note_for(repo.root, base="no-such-branch")
    folder = make_folder(tmp_path / "plain", {"a.py": "x = 1\n"})
    with pytest.raises(HandoffError, match="not inside a git work tree"):
        note_for(folder)


def test_note_file_and_state_dir_are_not_work(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    write_files(repo.root, {"HANDOFF.md": "notes\n", ".ctxsteward/x.json": "{}\n"})
    note = note_for(repo.root)
    paths = {c.path for c in note.uncommitted_changes}
    assert "HANDOFF.md" not in paths and not any(p.startswith(".ctxsteward") for p in paths)


def test_json_is_stable_between_runs(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    a = note_for(repo.root).model_dump(exclude={"generated_at"})
    b = note_for(repo.root).model_dump(exclude={"generated_at"})
    assert a == b
    # Keys come in the model's declared order.
    assert list(a) == [k for k in HandoffNote.model_fields if k != "generated_at"]
    paths = [c["path"] for c in a["committed_changes"]]
    assert paths == sorted(paths)


def test_file_modes_are_said_in_words(tmp_path: Path) -> None:
    # A mode-only change showed as "`run.sh` modified +0 −0" and a symlink as "binary": the
    # note says what git's mode means (the JSON note's `mode`), never its octal.
    root = make_repo(tmp_path / "r", {"run.sh": "echo hi\n", "tool.sh": "echo t\n",
                                      "a.py": "x = 1\n", "old.py": "y = 2\n"})
    (root / "tool.sh").chmod(0o755)
    (root / "link.py").symlink_to("a.py")
    commit(root, "tools")
    (root / "run.sh").chmod(0o755)
    (root / "tool.sh").chmod(0o644)
    (root / "old.py").unlink()
    (root / "old.py").symlink_to("a.py")  # a file become a symlink
    (root / "new.py").symlink_to("a.py")  # untracked
    (root / "new.sh").write_text("echo new\n")
    (root / "new.sh").chmod(0o755)  # untracked and executable
    note = note_for(root, base="HEAD~1")
    assert {c.path: c.mode for c in note.committed_changes} == {
        "link.py": "symlink", "tool.sh": "now executable"}
    assert {c.path: c.mode for c in note.uncommitted_changes} == {
        "run.sh": "now executable", "tool.sh": "no longer executable",
        "old.py": "now a symlink, was a file", "new.py": "symlink", "new.sh": "executable"}
    proc = run_cli("handoff", "--no-bundle", "--no-checks", "--base", "HEAD~1", cwd=root)
    assert proc.returncode == 0, proc.stderr
    lines = set(proc.stdout.splitlines())
    for line in ("- `run.sh` modified, now executable +0 −0",
                 "- `tool.sh` modified, no longer executable +0 −0",
                 "- `old.py` type changed, now a symlink, was a file +1 −1",
                 "- `new.py` added (untracked), symlink",
                 "- `new.sh` added (untracked), executable +1 −0",
                 "- `link.py` added, symlink +1 −0"):
        assert line in lines, proc.stdout
    assert "mode 10" not in proc.stdout and "binary" not in proc.stdout
