"""Touched definitions and added TODOs, checked against what each test changed."""

from __future__ import annotations

from pathlib import Path

from gitutil import commit, git, make_repo, write_files
from handoff_repos import feature_repo

from analyzers.handoff import generate
from analyzers.handoff.todos import parse_diff, unquote_path


def touched(root: Path) -> set[tuple[str, str, str]]:
    note = generate(root, bundle=False)
    return {(d.path, d.name, d.change) for d in note.touched_definitions}


def test_feature_branch_definitions(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    assert touched(repo.root) == {
        ("app/core.py", "Engine.run", "modified"),  # body changed (committed)
        ("app/core.py", "Engine.stop", "added"),
        ("app/core.py", "helper", "removed"),
        ("legacy.py", "legacy", "removed"),  # the file was deleted
        ("app/util.py", "fmt", "modified"),  # uncommitted edit
        ("app/extra.py", "Extra", "added"),  # untracked file
        ("app/extra.py", "Extra.go", "added"),
    }
    # Unchanged or merely moved definitions are absent: Engine.start moved, Engine gained and lost
    # methods, parse is untouched.


def test_lines_point_at_the_definitions(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    note = generate(repo.root, bundle=False)
    for d in note.touched_definitions:
        if d.change == "removed":
            source = git("show", f"{repo.branch_point}:{d.path}", cwd=repo.root)
        else:
            source = (repo.root / d.path).read_text()
        line = source.splitlines()[d.line - 1]
        assert d.name.rsplit(".", 1)[-1] in line, (d, line)


def test_several_languages(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "srv/main.go": "package main\n\nfunc Serve() int {\n\treturn 1\n}\n\n"
                       "func Keep() int {\n\treturn 2\n}\n",
        "web/app.ts": "export function render(): string {\n  return 'a';\n}\n\n"
                      "export class View {\n  show(): void {}\n}\n",
        "lib/x.rs": "pub fn old() -> i32 {\n    1\n}\n",
    })
    write_files(root, {
        "srv/main.go": "package main\n\nfunc Serve() int {\n\treturn 3\n}\n\n"
                       "func Keep() int {\n\treturn 2\n}\n\nfunc Added() {}\n",
        "web/app.ts": "export function render(): string {\n  return 'a';\n}\n\n"
                      "export class View {\n  show(): void { console.log(1); }\n"
                      "  hide(): void {}\n}\n",
        "lib/x.rs": "pub fn new_name() -> i32 {\n    1\n}\n",
    })
    assert touched(root) == {
        ("srv/main.go", "Serve", "modified"),
        ("srv/main.go", "Added", "added"),
        ("web/app.ts", "View.show", "modified"),
        ("web/app.ts", "View.hide", "added"),
        ("lib/x.rs", "new_name", "added"),
        ("lib/x.rs", "old", "removed"),
    }


def test_renamed_file_with_an_edit(tmp_path: Path) -> None:
    body = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(8))
    root = make_repo(tmp_path / "r", {"pkg/a.py": body})
    git("checkout", "-q", "-b", "work", cwd=root)
    git("mv", "pkg/a.py", "pkg/b.py", cwd=root)
    commit(root, "move and edit", {"pkg/b.py": body.replace("return 3", "return 33")})
    note = generate(root, base="main", bundle=False)
    [change] = note.committed_changes
    assert (change.status, change.old_path, change.path) == ("renamed", "pkg/a.py", "pkg/b.py")
    assert {(d.path, d.name, d.change) for d in note.touched_definitions} == {
        ("pkg/b.py", "f3", "modified")}


def test_binary_and_unknown_files_are_skipped(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "def a():\n    pass\n"})
    write_files(root, {"blob.py": b"\x00\x01def x(): pass\n", "notes.txt": "def nothing():\n"})
    note = generate(root, bundle=False)
    assert note.touched_definitions == []
    assert {c.path for c in note.uncommitted_changes} == {"blob.py", "notes.txt"}


def test_todos_added(tmp_path: Path) -> None:
    repo = feature_repo(tmp_path / "r")
    note = generate(repo.root, bundle=False)
    got = [(t.path, t.line, t.tag) for t in note.todos]
    # util.py: one new TODO at line 2; the "keep this note" TODO only moved. extra.py: a FIXME.
    assert got == [("app/extra.py", 3, "FIXME"), ("app/util.py", 2, "TODO")]
    util_lines = (repo.root / "app/util.py").read_text().splitlines()
    assert note.todos[1].text == util_lines[1].strip()


def test_todos_in_committed_work_and_markers(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    git("checkout", "-q", "-b", "w", cwd=root)
    commit(root, "c", {"a.py": "x = 1\n# XXX: hack\ny = 2  # TODOS are not markers\n"})
    note = generate(root, bundle=False)
    assert [(t.path, t.line, t.tag) for t in note.todos] == [("a.py", 2, "XXX")]


def test_parse_diff_handles_quoted_paths_and_hunks() -> None:
    diff = (
        'diff --git "a/we\\"ird.py" "b/we\\"ird.py"\n'
        '--- "a/we\\"ird.py"\n'
        '+++ "b/we\\"ird.py"\n'
        "@@ -1,0 +5,2 @@\n"
        "+ok\n"
        "+# FIXME now\n"
        "@@ -9 +12 @@\n"
        "-# TODO old\n"
        "+# TODO old\n"
    )
    added, removed = parse_diff(diff)
    assert [(t.path, t.line, t.tag) for t in added] == [('we"ird.py', 6, "FIXME"),
                                                         ('we"ird.py', 12, "TODO")]
    assert removed["# TODO old"] == 1
    assert unquote_path('"caf\\303\\251.py"') == "café.py"


def test_symlinks_and_nested_repositories_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("def secret():\n    pass  # TODO: outside\n")
    root = make_repo(tmp_path / "r", {"a.py": "def a():\n    pass\n"})
    (root / "link.py").symlink_to(outside)
    make_repo(root / "nested", {"n.py": "def n():\n    pass\n"})  # an untracked nested repo
    note = generate(root, bundle=False)
    assert note.touched_definitions == [] and note.todos == []
    assert note.problems == []
