"""The work one file may cost is bounded: minified or generated code (very long lines), files
past the parse limit and files with thousands of definitions are indexed with their tokens
counted but their syntax not read, or read only in part, and the index says why. A seed too large
to index is refused as a binary or undecodable seed is, instead of a bundle about other files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from gitutil import make_repo, run_cli

from analyzers.indexing.filefacts import LONG_LINE, MAX_DEFINITIONS, PARSE_MAX_BYTES


def _minified(size: int) -> str:
    parts, n, i = [], 0, 0
    while n < size:
        part = f"function f{i}(a,b){{var c{i}=a+b;return g{i}(c{i},a)}};"
        parts.append(part)
        n += len(part)
        i += 1
    return "".join(parts)


def _index(root: Path, *args: str) -> dict:
    out = run_cli("index", "--json", *args, cwd=root, timeout=600)
    assert out.returncode == 0, out.stderr
    report: dict = json.loads(out.stdout)
    return report


def _defs(root: Path, path: str) -> int:
    db = sqlite3.connect(root / ".ctxsteward" / "index.sqlite")
    try:
        return int(db.execute("SELECT count(*) FROM defs WHERE path=?", (path,)).fetchone()[0])
    finally:
        db.close()


def test_minified_code_is_counted_not_parsed(tmp_path: Path) -> None:
    text = _minified(LONG_LINE * 15)  # one line, well under the default size limit
    make_repo(tmp_path, {"dist/app.min.js": text, "src/app.js": "function app() { return 1 }\n"})
    report = _index(tmp_path)
    js = next(lang for lang in report["languages"] if lang["language"] == "javascript")
    assert js["files"] == 2 and js["definitions"] == 1, js  # src/app.js's function only
    assert _defs(tmp_path, "dist/app.min.js") == 0
    assert js["tokens"] > len(text) // 10  # its tokens are counted all the same
    assert any(w.startswith("dist/app.min.js: not parsed: a ") and "minified" in w
               for w in report["warnings"]), report["warnings"]


def test_a_file_past_the_parse_limit_is_counted_not_parsed(tmp_path: Path) -> None:
    body = "".join(f"def handler_{i}(event):\n    return event + {i}\n\n" for i in range(60_000))
    assert len(body) > PARSE_MAX_BYTES
    make_repo(tmp_path, {"gen/handlers.py": body, "main.py": "def main():\n    pass\n"})
    report = _index(tmp_path, "--max-file-size", "30000000")
    assert report["files"] == 2 and report["definitions"] == 1, report
    assert report["tokens"] > len(body) // 10
    assert any(w.startswith("gen/handlers.py: not parsed: ") and "parse limit" in w
               for w in report["warnings"]), report["warnings"]


def test_definitions_per_file_are_capped(tmp_path: Path) -> None:
    n = MAX_DEFINITIONS + 700
    body = "".join(f"def f_{i}(): pass\n" for i in range(n))
    assert len(body) < PARSE_MAX_BYTES and max(map(len, body.splitlines())) < LONG_LINE
    make_repo(tmp_path, {"many.py": body})
    report = _index(tmp_path)
    assert report["definitions"] == MAX_DEFINITIONS, report["definitions"]
    assert _defs(tmp_path, "many.py") == MAX_DEFINITIONS
    assert any(w == f"many.py: syntax capped: {n:,} definitions (kept {MAX_DEFINITIONS:,})"
               for w in report["warnings"]), report["warnings"]


def test_a_seed_too_large_to_index_is_refused_like_a_binary_one(tmp_path: Path) -> None:
    big = "".join(f"VALUE_{i} = {i}\n" for i in range(70_000))  # over the 1 MiB default
    make_repo(tmp_path, {"huge.py": big, "main.py": "print(1)\n", "logo.png": b"\x89PNG\0\0\0"})
    assert run_cli("index", cwd=tmp_path).returncode == 0
    for seed, reason in (("huge.py", "too large"), ("logo.png", "binary")):
        out = run_cli("bundle", "--seed", seed, cwd=tmp_path)
        assert out.returncode == 2, (seed, out)
        assert f"seed '{seed}' is not indexed: {reason}" in out.stderr, out.stderr
        assert out.stdout == ""
