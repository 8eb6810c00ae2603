"""Markdown facts with positions, and the checker on arbitrary input (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers.config import Settings
from analyzers.instructions import CheckView, check_file, document_links, file_summary, hover
from analyzers.instructions.markdown import anchors, parse
from analyzers.instructions.references import extract


def _at(text: str, loc) -> str:  # noqa: ANN001
    lines = text.split("\n")
    assert loc.line == loc.end_line
    return lines[loc.line][loc.col:loc.end_col]


def test_positions_of_code_spans_links_and_imports() -> None:
    text = ("# Title `x`\n\n- item with ``a ` b`` and [l](docs/a%20b.md#sec) @imp/x.md.\n"
            "> quote `q` ![img](i.png)\n\n| a | `cell` |\n|---|---|\n| [t](t.md) | @t/u.md |\n\n"
            "[ref]: <docs/ref file.md>\nSee [r][ref].\n")
    doc = parse(text)
    assert [(s.content, _at(text, s.loc)) for s in doc.code_spans] == [
        ("x", "x"), ("a ` b", "a ` b"), ("q", "q"), ("cell", "cell")]
    assert [(link.dest, _at(text, link.loc)) for link in doc.links] == [
        ("docs/a%20b.md#sec", "docs/a%20b.md#sec"), ("i.png", "i.png"), ("t.md", "t.md"),
        ("docs/ref file.md", "docs/ref file.md")]
    assert [(i.path, _at(text, i.loc)) for i in doc.imports] == [
        ("imp/x.md", "imp/x.md"), ("t/u.md", "t/u.md")]
    refs = extract(doc)
    link = next(r for r in refs.paths if r.kind == "link")
    assert link.path == "docs/a b.md" and link.anchor == "sec"
    assert _at(text, link.loc) == "docs/a%20b.md" and link.anchor_loc is not None
    assert _at(text, link.anchor_loc) == "sec"


def test_imports_are_never_taken_from_code() -> None:
    text = ("`@a.md` ``@b.md``\n\n```\n@c.md\n```\n\n    @d.md\n\n<div>\n@e.md\n</div>\n\n"
            "Email x@f.md, @alice, @pytest.fixture, [x](@g.md) but @real/file.md\n")
    assert [i.path for i in parse(text).imports] == ["real/file.md"]


def test_crlf_and_frontmatter_keep_positions() -> None:
    text = ("---\r\nglobs: *.ts, src/**\r\nalwaysApply: \"true\"\r\n---\r\n"
            "# H\r\nSee `src/a.py`.\r\n")
    doc = parse(text)
    assert doc.frontmatter is not None
    e = doc.frontmatter.entries
    assert e["globs"].value == "*.ts, src/**" and e["alwaysApply"].quoted
    assert [h.text for h in doc.headings] == ["H"]  # the frontmatter is not a setext heading
    (span,) = doc.code_spans
    assert (span.loc.line, span.loc.col) == (5, 5)


def test_heading_anchors_follow_github() -> None:
    doc = parse("# Running `pytest` (fast)!\n## Setup\n## Setup\n<a name=\"custom\"></a>\n")
    assert anchors(doc) == {"running-pytest-fast": 0, "setup": 1, "setup-1": 2, "custom": 3}


markdown_pieces = st.lists(st.sampled_from([
    "# ", "## ", "\n", "\n\n", "`", "``", "```", "```bash\n", "~~~", "    ", "> ", "- ", "1. ",
    "[", "]", "(", ")", "<", ">", "!", "@", "#", "*", "_", "|", "---", "\\", "\t", "\r\n",
    "src/a.py", "docs/x.md#sec", "@a.md", "@~/x.md", "@../y.md", "npm run x", "make t",
    "pytest t.py::x", "python -m a.b", "Foo.bar()", "snake_case_name", "http://x.y/z",
    "globs: *.ts", "alwaysApply: \"true\"", "é", "😀", "\x00", "[r]: <u v>", "<!-- c -->",
]), max_size=60).map("".join)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("prop") / "r"
    return make_repo(root, {"src/a.py": "def bar():\n    pass\n", "a.md": "@CLAUDE.md\n",
                            "package.json": '{"scripts": {"x": "y"}}', "Makefile": "t:\n\ttrue\n"})


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(markdown_pieces, st.text(max_size=300)))
def test_any_markdown_is_checked_without_raising(repo: Path, text: str) -> None:
    ws = CheckView(repo, Settings(), persist_git=False)
    for path in ("CLAUDE.md", ".cursor/rules/r.mdc", ".github/instructions/x.instructions.md"):
        diags = check_file(repo, path, text, None, workspace=ws)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for d in diags:
            assert 0 <= d.range.start.line <= d.range.end.line < len(lines)
            assert d.range.start.character <= len(lines[d.range.start.line])
            assert d.range.end.character <= len(lines[d.range.end.line])
        document_links(ws, path, text)
        file_summary(ws, path, text)
        hover(ws, path, 0, 1, text)
    assert not [n for n in ws.notes if " failed on " in n], ws.notes
