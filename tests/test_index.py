"""The repository index end to end: build() on real repositories, then the Index queries."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from gitutil import commit, make_folder, make_repo

from analyzers.cancel import Cancelled, CancelToken
from analyzers.config import PROFILES, Settings
from analyzers.indexing.index import Index, build
from analyzers.tokens import Counter

SOURCES: dict[str, str | bytes | None] = {
    "app/models.py": (
        "class User:\n"
        "    def __init__(self, name):\n"
        "        self.name = name\n"
        "\n"
        "    def greet(self):\n"
        "        return f'hi {self.name}'\n"
    ),
    "app/views.py": (
        "from app.models import User\n\n\ndef show(name):\n    return User(name).greet()\n"
    ),
    "web/index.ts": 'import { util } from "./util";\nexport function main(): number {\n'
                    "  return util();\n}\n",
    "web/util.ts": "export function util(): number {\n  return 1;\n}\n",
    "cmd/main.go": "package main\n\nfunc main() {}\n",
    "README.md": "# Demo\n\nA small repository for the index tests.\n",
    "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", SOURCES)


def test_report_summarises_the_repository(repo: Path) -> None:
    report = build(repo)
    assert report.root == str(repo.resolve()) and report.in_git
    assert report.encoding == "cl100k_base"
    assert report.files == 6 and report.files_parsed == 6 and report.files_removed == 0
    langs = {lang.language: (lang.files, lang.definitions) for lang in report.languages}
    assert langs == {"python": (2, 4), "typescript": (2, 2), "go": (1, 1), "markdown": (1, 0)}
    assert report.definitions == 7
    counter = Counter("cl100k_base", PROFILES["generic"])
    expected_tokens = sum(counter.count(v) for v in SOURCES.values() if isinstance(v, str))
    assert report.tokens == expected_tokens
    assert [(s.path, s.reason) for s in report.skipped] == [("logo.png", "binary")]
    assert report.skipped_by_reason == {"binary": 1}
    assert report.history is not None and report.history.commits_total == 1
    assert report.warnings == []
    assert report.seconds >= 0


def test_index_queries(repo: Path) -> None:
    build(repo)
    counter = Counter("cl100k_base", PROFILES["generic"])
    with Index(repo) as index:
        files = index.files()
        assert sorted(files) == sorted(p for p in SOURCES if p != "logo.png")
        info = files["app/models.py"]
        assert info.lang == "python" and info.lines == 6
        assert info.size == len(str(SOURCES["app/models.py"]))
        assert info.tokens == counter.count(str(SOURCES["app/models.py"]))
        assert len(info.hash) == 32
        assert index.skipped() == {"logo.png": ("binary", "binary")}

        defs = index.definitions("app/models.py")
        assert [(d.name, d.kind, d.parent, d.start_line, d.end_line) for d in defs] == [
            ("User", "class", None, 1, 6),
            ("__init__", "method", "User", 2, 3),
            ("greet", "method", "User", 5, 6),
        ]
        # Tokens per definition: the class spans the whole file; methods less.
        assert defs[0].tokens == info.tokens
        assert 0 < defs[2].tokens < defs[0].tokens
        assert defs[1].tokens + defs[2].tokens < defs[0].tokens
        assert defs[2].signature == "def greet(self):"

        assert [p for p, _ in index.definitions_named("main")] == ["cmd/main.go", "web/index.ts"]
        assert {(p, d.name) for p, d in index.all_definitions()} >= {
            ("app/views.py", "show"), ("web/util.ts", "util"),
        }
        assert index.references("app/views.py")["User"] == [1, 5]
        assert index.references("missing.py") == {}
        refs = dict(index.all_references())
        assert refs["web/index.ts"]["util"] == [1, 3]
        terms = dict(index.all_terms())
        assert terms["app/models.py"]["greet"] >= 2  # definitions weigh in
        assert terms["README.md"]["repository"] == 1  # prose: a bag of words

        assert index.imports_of("app/views.py") == ["app/models.py"]
        assert index.imports_of("web/index.ts") == ["web/util.ts"]
        assert index.imported_by("app/models.py") == ["app/views.py"]
        assert sorted(index.import_edges()) == [("app/views.py", "app/models.py"),
                                                ("web/index.ts", "web/util.ts")]


def test_plain_folder_is_indexed_without_history(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "plain", {"a.py": "def f():\n    pass\n", "b.txt": "words\n"})
    report = build(root)
    assert not report.in_git and report.history is None and report.files == 2
    assert report.warnings == [f"{root.resolve()} is not a git repository: no history, "
                               "co-change or renames"]
    with Index(root) as index:
        assert index.file_history("a.py") == (0, None)
        assert index.co_changes("a.py") == []
        assert index.head() is None


def test_process_pool_gives_the_same_index_as_one_process(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        f"pkg/m{i:03}.py": f"def f{i}(x):\n    return helper_{i % 7}(x) + {i}\n" for i in range(90)
    }
    files["pkg/bad.py"] = b"\x00\x01binary"
    one = make_repo(tmp_path / "one", files)
    two = make_repo(tmp_path / "two", files)
    r1 = build(one, Settings(workers=1))
    r2 = build(two, Settings(workers=2))  # >= 64 files: a process pool
    assert (r1.files, r1.definitions, r1.tokens) == (r2.files, r2.definitions, r2.tokens)
    assert r2.files == 90 and r2.definitions == 90 and r2.skipped_by_reason == {"binary": 1}
    with Index(one) as a, Index(two) as b:
        assert {p: (f.tokens, f.hash) for p, f in a.files().items()} == \
               {p: (f.tokens, f.hash) for p, f in b.files().items()}
        assert list(a.all_definitions()) == list(b.all_definitions())


def test_progress_reports_every_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {f"f{i}.py": f"x{i} = {i}\n" for i in range(40)})
    seen: list[tuple[int, int]] = []
    build(root, progress=lambda done, total, msg: seen.append((done, total)))
    assert seen[-1] == (40, 40)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_cancellation_stops_the_build(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {f"f{i}.py": "x = 1\n" for i in range(100)})
    token = CancelToken()
    token.cancel("user asked")
    with pytest.raises(Cancelled, match="user asked"):
        build(root, token=token)
    expired = CancelToken(deadline=time.monotonic() - 1)
    with pytest.raises(Cancelled, match="deadline"):
        build(root, token=expired)
    # A later, uncancelled run completes.
    assert build(root).files == 100


def test_files_leaving_and_joining_the_index_update_import_edges(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "main.py": "import helper\nimport other\n",
        "helper.py": "def h():\n    pass\n",
        "other.py": b"\x00binary for now",
    })
    build(root)
    with Index(root) as index:
        assert index.imports_of("main.py") == ["helper.py"]
    # helper.py becomes binary (leaves the index); other.py becomes text (joins it).
    commit(root, "swap", {"helper.py": b"\x00now binary", "other.py": "def o():\n    pass\n"})
    report = build(root)
    assert report.skipped_by_reason == {"binary": 1}
    with Index(root) as index:
        assert sorted(index.files()) == ["main.py", "other.py"]
        assert index.imports_of("main.py") == ["other.py"]
        assert index.imported_by("helper.py") == []
        assert index.definitions("helper.py") == []
    # helper.py grows past the size limit (a walk-level skip) while other.py is deleted.
    commit(root, "grow", {"helper.py": "x = 1\n" * 50, "other.py": None})
    report = build(root, Settings(max_file_size=100))
    assert report.skipped_by_reason == {"too_large": 1}
    with Index(root, Settings(max_file_size=100)) as index:
        assert sorted(index.files()) == ["main.py"]
        assert index.import_edges() == []


def test_settings_change_reindexes(repo: Path) -> None:
    build(repo)
    assert build(repo).files_parsed == 0
    smaller = Settings(max_file_size=100)
    report = build(repo, smaller)
    assert report.files_parsed == 5  # a new fingerprint: every file read again
    assert {s.path for s in report.skipped if s.reason == "too_large"} == {
        "app/models.py", "logo.png"}
    with Index(repo, smaller) as index:
        assert "app/models.py" not in index.files()
        assert index.imports_of("app/views.py") == []


def test_budget_tree_from_the_index(repo: Path) -> None:
    from analyzers.tokentree import budget

    build(repo)
    with Index(repo) as index:
        files = index.files()
        report = budget(repo, files, Settings(), ["./app/", "web", "nowhere"])
        assert [n.path for n in report.tree] == ["app/", "web/"]
        assert report.missing == ["nowhere"]
        assert report.total_tokens == sum(f.tokens for p, f in files.items()
                                          if p.startswith(("app/", "web/")))
        everything = budget(repo, files, Settings(), ["."])
        assert everything.total_tokens == sum(f.tokens for f in files.values())
        assert everything.tree[0].tokens >= everything.tree[-1].tokens


def test_dot_h_headers_are_c_or_cpp_by_content(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "include/shape.h": "#pragma once\nnamespace geo {\nclass Shape {\npublic:\n"
                           "    virtual double area() const = 0;\n};\n}\n",
        "include/util.h": "#ifndef UTIL_H\n#define UTIL_H\nint add(int a, int b);\n#endif\n",
        "bin/tool": "#!/usr/bin/env python3\ndef main():\n    pass\n",
    })
    build(root)
    with Index(root) as index:
        files = index.files()
        assert {p: f.lang for p, f in files.items()} == {
            "include/shape.h": "cpp", "include/util.h": "c", "bin/tool": "python",
        }
        assert [(d.name, d.kind, d.parent) for d in index.definitions("include/shape.h")] == [
            ("geo", "module", None), ("Shape", "class", "geo"), ("area", "method", "geo.Shape"),
        ]
        assert [d.name for d in index.definitions("include/util.h")] == ["add"]
        assert [d.name for d in index.definitions("bin/tool")] == ["main"]  # by its shebang
