"""The ``ctxsteward index`` / ``budget`` / ``schema`` commands, run as real subprocesses."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from gitutil import make_folder, make_repo, run_cli, snapshot

from analyzers.config import PROFILES
from analyzers.tokens import Counter

FILES: dict[str, str | bytes | None] = {
    "src/app/core.py": "class Engine:\n    def run(self):\n        return 1\n" * 20,
    "src/app/util.py": "def helper():\n    return 2\n",
    "src/web/main.ts": "export function main(): void {}\n",
    "docs/guide.md": "# Guide\n\n" + "Some prose about the project.\n" * 30,
    "README.md": "# Demo\n",
    "assets/logo.png": b"\x89PNG\r\n\x1a\n\x00" + bytes(200),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("cli") / "my repo", FILES)


@pytest.fixture(scope="module")
def schemas(repo: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for name in ("index", "budget"):
        proc = run_cli("schema", name, cwd=repo)
        assert proc.returncode == 0, proc.stderr
        schema = json.loads(proc.stdout)
        jsonschema.Draft202012Validator.check_schema(schema)
        out[name] = schema
    return out


def tokens(text: str | bytes | None, profile: str = "generic") -> int:
    assert isinstance(text, str)
    return Counter("cl100k_base", PROFILES[profile]).count(text)


def test_index_json_validates_against_its_schema(repo: Path,
                                                 schemas: dict[str, dict[str, Any]]) -> None:
    before = snapshot(repo)
    proc = run_cli("index", "--json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)  # stdout holds the JSON and nothing else
    jsonschema.validate(report, schemas["index"])
    assert report["root"] == str(repo.resolve()) and report["in_git"]
    assert report["files"] == 5 and report["skipped_by_reason"] == {"binary": 1}
    assert report["tokens"] == sum(tokens(v) for k, v in FILES.items() if k.endswith((".py",
                                                                                       ".ts",
                                                                                       ".md")))
    assert {lang["language"] for lang in report["languages"]} == {"python", "typescript",
                                                                   "markdown"}
    assert report["history"]["commits_total"] == 1 and report["history"]["branch"] == "main"
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    assert snapshot(repo) == before
    # A second run from a subfolder uses the same work tree and cache: nothing parsed.
    proc = run_cli("index", "--json", cwd=repo / "src" / "app")
    assert proc.returncode == 0, proc.stderr
    again = json.loads(proc.stdout)
    assert again["root"] == str(repo.resolve()) and again["files_parsed"] == 0
    assert not (repo / "src" / "app" / ".ctxsteward").exists()


def test_index_text_output(repo: Path) -> None:
    proc = run_cli("index", str(repo), cwd=repo.parent)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"Indexed {repo.resolve()}\n")
    assert "  files               5" in out
    assert "(cl100k_base, profile generic)" in out
    assert "  commits             1" in out
    assert "language        files   definitions        tokens" in out
    assert "  python              2" in out
    assert "skipped 1 file: binary 1" in out
    assert "    assets/logo.png: binary" in out


def test_budget_json_tree(repo: Path, schemas: dict[str, dict[str, Any]]) -> None:
    proc = run_cli("budget", "--json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, schemas["budget"])
    assert (report["encoding"], report["profile"], report["context_window"]) == (
        "cl100k_base", "generic", 200_000)
    tree = report["tree"]
    assert [n["path"] for n in tree] == ["src/", "docs/", "README.md"]  # largest first
    assert [n["tokens"] for n in tree] == sorted((n["tokens"] for n in tree), reverse=True)
    src = tree[0]
    assert src["kind"] == "dir" and src["files"] == 3
    assert src["tokens"] == sum(c["tokens"] for c in src["children"])
    app = next(c for c in src["children"] if c["path"] == "src/app/")
    core = next(c for c in app["children"] if c["path"] == "src/app/core.py")
    assert core["kind"] == "file" and core["tokens"] == tokens(FILES["src/app/core.py"])
    assert core["share"] == round(core["tokens"] / 200_000, 6)
    assert report["total_tokens"] == sum(n["tokens"] for n in tree)
    assert report["missing"] == []


def test_budget_paths_profile_and_window(repo: Path) -> None:
    proc = run_cli("budget", "--json", "--profile", "claude", "--context-window", "1000",
                   "src/app", "README.md", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["profile"] == "claude" and report["context_window"] == 1000
    assert report["encoding"] == f"cl100k_base × {PROFILES['claude'].factor:g} (claude)"
    files = {}

    def walk(nodes: list[dict[str, Any]]) -> None:
        for n in nodes:
            if n["kind"] == "file":
                files[n["path"]] = n["tokens"]
            walk(n["children"])

    walk(report["tree"])
    assert set(files) == {"src/app/core.py", "src/app/util.py", "README.md"}
    raw = tokens(FILES["src/app/core.py"])
    assert files["src/app/core.py"] == math.ceil(raw * PROFILES["claude"].factor)
    # The total is the exact tokens scaled once, not a sum of figures each rounded up.
    exact = sum(tokens(FILES[p]) for p in files)
    assert report["total_tokens"] == Counter("cl100k_base", PROFILES["claude"]).scale(exact)


def test_budget_and_index_give_one_total_rounded_once(tmp_path: Path) -> None:
    # The new-user review: with a profile's factor (claude, x1.2) `index` said ≈506,157 for click
    # and `budget` 506,214, which summed each file's figure rounded up; folders and the rows cut
    # ("…N more") did the same.
    files: dict[str, str | bytes | None] = {
        f"pkg/mod{i}.py": f"def f{i}():\n    return {i}\n" * (i + 1) for i in range(12)}
    repo = make_repo(tmp_path / "repo", files)
    scale = Counter("cl100k_base", PROFILES["claude"]).scale  # the factor, rounded up
    exact = {p: tokens(t) for p, t in files.items()}
    scaled = scale(sum(exact.values()))
    assert sum(scale(n) for n in exact.values()) > scaled  # rounding each file apart would show

    index = run_cli("index", "--profile", "claude", cwd=repo)
    assert index.returncode == 0, index.stderr
    said = next(ln for ln in index.stdout.splitlines() if ln.startswith("  tokens"))
    assert said.endswith(f"≈ {scaled:,})")
    proc = run_cli("budget", "--json", "--profile", "claude", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["total_tokens"] == scaled
    assert report["tree"][0]["path"] == "pkg/" and report["tree"][0]["tokens"] == scaled
    order = [c["path"] for c in report["tree"][0]["children"]]
    text = run_cli("budget", "--profile", "claude", "--depth", "2", "--top", "3", cwd=repo)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[0] == f"{scaled:,}"
    rest = next(ln for ln in lines if ln.endswith("…9 more"))
    assert rest.split()[0] == f"{scale(sum(exact[p] for p in order[3:])):,}"


def test_budget_text_output(repo: Path) -> None:
    proc = run_cli("budget", "--depth", "1", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].endswith(f"of 200,000  (cl100k_base)  {repo.resolve()}")
    assert [ln.split()[-1] for ln in lines[1:-1]] == ["src/", "docs/", "README.md"]
    assert lines[-1].startswith("  not counted: 1 file the index skips (binary 1)")


def test_budget_missing_paths(repo: Path) -> None:
    proc = run_cli("budget", "--json", "nothing/here", cwd=repo)
    assert proc.returncode == 1
    assert "warning: nothing/here is not an indexed file or folder" in proc.stderr
    assert json.loads(proc.stdout)["missing"] == ["nothing/here"]
    proc = run_cli("budget", "--json", "src", "nothing/here", cwd=repo)
    assert proc.returncode == 0  # something was found: a warning, not a failure
    assert json.loads(proc.stdout)["missing"] == ["nothing/here"]


def test_plain_folder(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "plain", {"a.py": "def f():\n    pass\n"})
    proc = run_cli("index", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Indexed {root.resolve()} (not a git repository)\n")
    assert "warning: " in proc.stderr and "is not a git repository" in proc.stderr


def test_warnings_go_to_stderr_with_json(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "empty")
    proc = run_cli("index", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["history"]["head"] is None
    assert "warning: the repository has no commits yet" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["index", "/no/such/folder"], "ctxsteward: /no/such/folder does not exist\n"),
        (["index", "README.md"], "ctxsteward: ROOT must be a folder: README.md is a file\n"),
        (["index", "--encoding", "o200k_base"],
         "ctxsteward: encoding 'o200k_base' is not available offline; choose one of: "
         "cl100k_base (Context Steward never downloads tokenizer data)\n"),
        (["index", "--profile", "gpt-17"],
         "ctxsteward: unknown profile 'gpt-17': choose one of claude, generic, gpt-4\n"),
        (["budget", "--profile", "gpt-5"],
         "ctxsteward: unknown profile 'gpt-5': choose one of claude, generic, gpt-4\n"),
        (["index", "--max-file-size", "0"],
         "ctxsteward: --max-file-size must be a whole number of at least 1, such as 1048576 "
         "(the default), not 0\n"),
        (["budget", "--context-window", "-5"],
         "ctxsteward: --context-window must be a whole number of at least 1, not -5\n"),
        (["budget", "/"], "ctxsteward: refused: path '/' is outside the workspace "),
        (["budget", "--root", "/no/such/folder"], "ctxsteward: /no/such/folder does not exist\n"),
        (["schema", "nope"], "ctxsteward: unknown schema 'nope'; choose one of: "),
    ],
)
def test_errors_are_one_clear_line_with_status_2(repo: Path, args: list[str],
                                                  message: str) -> None:
    before = snapshot(repo)
    proc = run_cli(*args, cwd=repo)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert snapshot(repo) == before


def test_unknown_encoding_writes_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "fresh", {"a.py": "x = 1\n"})
    proc = run_cli("index", "--encoding", "p50k_base", cwd=root)
    assert proc.returncode == 2
    assert not (root / ".ctxsteward").exists()


def test_usage_errors(repo: Path) -> None:
    proc = run_cli(cwd=repo)
    assert proc.returncode == 2 and "usage: ctxsteward" in proc.stderr
    proc = run_cli("index", "--no-such-flag", cwd=repo)
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-flag" in proc.stderr
    proc = run_cli("--version", cwd=repo)
    assert proc.returncode == 0 and proc.stdout.startswith("ctxsteward ")


def test_corrupt_cache_warning_on_the_command_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1\n"})
    assert run_cli("index", cwd=root).returncode == 0
    db = root / ".ctxsteward" / "index.sqlite"
    db.write_bytes(b"\x00" * 10 + b"garbage" * 100)
    proc = run_cli("index", "--json", cwd=root)
    assert proc.returncode == 0
    assert f"warning: the cache {db} was corrupt" in proc.stderr
    assert json.loads(proc.stdout)["files_parsed"] == 1


def test_state_path_taken_by_a_file(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "taken", {"a.py": "x = 1\n", ".ctxsteward": "mine\n"})
    proc = run_cli("index", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr == (f"ctxsteward: {root.resolve() / '.ctxsteward'} exists and is not a "
                           "folder: Context Steward keeps its cache there; move it away\n")
    assert (root / ".ctxsteward").read_text() == "mine\n"


def test_non_ascii_paths_on_a_terminal_that_cannot_show_them(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"données/café.py": "def crème():\n    pass\n",
                                      "données/bin.py": b"\xff\xfe\x00"})
    for args in (["index"], ["budget"]):
        proc = run_cli(*args, cwd=root, env={"PYTHONIOENCODING": "ascii"})
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    assert "donn\\xe9es/caf\\xe9.py" in proc.stdout
    proc = run_cli("index", "--json", cwd=root, env={"PYTHONIOENCODING": "ascii"})
    assert json.loads(proc.stdout)["skipped"][0]["path"] == "données/bin.py"
