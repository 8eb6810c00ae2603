"""The plain functions the language server calls: links, hover, summaries, reuse of a workspace."""

from __future__ import annotations

from pathlib import Path

from gitutil import commit, make_repo

from analyzers.config import Settings
from analyzers.indexing.index import Index, build
from analyzers.instructions import (
    CheckView,
    check_file,
    document_links,
    hover,
    loaded_for,
    loaded_markdown,
)
from server.lsp.positions import split_lines, to_lsp

CLAUDE = """# Guide

See [setup](docs/setup.md#install) and @docs/style.md and `src/app.py` and `src/`.
Missing: [gone](docs/gone.md). Jump to [top](#guide).
"""


def _repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "r", {
        "CLAUDE.md": CLAUDE, "docs/setup.md": "# Setup\n\n## Install\n\nSteps.\n",
        "docs/style.md": "Style rules.\n@nested.md\n", "docs/nested.md": "Nested rule.\n",
        "src/app.py": "def main():\n    return 0\n", "src/util.py": "x = 1\n",
    })


def test_document_links_resolve_targets_and_anchors(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    links = document_links(CheckView(root), "CLAUDE.md")
    lines = CLAUDE.split("\n")
    spans = [lines[k.range.start.line][k.range.start.character:k.range.end.character]
             for k in links]
    assert spans == ["docs/setup.md", "docs/style.md", "src/app.py", "src/", "#guide"]
    got = [(link.kind, link.target, link.anchor, link.line, link.range.start.line,
            link.range.start.character) for link in links]
    assert got == [
        ("link", "docs/setup.md", "install", 2, 2, 12),
        ("import", "docs/style.md", None, None, 2, 40),
        ("code", "src/app.py", None, None, 2, 59),
        ("code", "src", None, None, 2, 76),
        ("link", "CLAUDE.md", "guide", 0, 3, 45),
    ]


def test_hover_shows_existence_and_tokens(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    ws = CheckView(root)
    imp = hover(ws, "CLAUDE.md", 2, 45)
    assert imp is not None and imp.exists and imp.kind == "import"
    assert imp.tokens is not None and "with its 1 import" in imp.markdown
    on_at = hover(ws, "CLAUDE.md", 2, 39)  # on the '@' itself
    assert on_at is not None and on_at.target == "docs/style.md"
    folder = hover(ws, "CLAUDE.md", 2, 77)
    assert folder is not None and folder.is_dir and "2 files" in folder.markdown
    gone = hover(ws, "CLAUDE.md", 3, 18)
    assert gone is not None and not gone.exists and "does not exist" in gone.markdown
    assert hover(ws, "CLAUDE.md", 0, 2) is None


def test_loaded_markdown_for_hover(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    md = loaded_markdown(loaded_for(CheckView(root), "src"))
    assert "**What agents load in `src/`**" in md
    assert "- `CLAUDE.md`" in md and "- `docs/nested.md`" in md and "imported by CLAUDE.md" in md


def test_a_kept_workspace_follows_edits_and_commits(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    build(root)
    with Index(root) as index:
        ws = CheckView(root, Settings(), index)
        first = check_file(root, "CLAUDE.md", CLAUDE, index, workspace=ws)
        assert [d.code for d in first] == ["CS001"]
        # An unsaved edit that renames the link target: checked from the buffer.
        edited = CLAUDE.replace("docs/gone.md", "docs/setup.md")
        assert check_file(root, root / "CLAUDE.md", edited, index, workspace=ws) == []
        # A commit deletes style.md: after invalidate(), the import is reported with the commit.
    sha = commit(root, "drop style", {"docs/style.md": None})
    build(root)
    with Index(root) as index:
        ws.invalidate(index)
        diags = check_file(root, "CLAUDE.md", edited, index, workspace=ws)
        assert [d.code for d in diags] == ["CS001"] and sha[:7] in diags[0].message


def test_which_files_are_instruction_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "CLAUDE.md": "a\n", "deep/er/CLAUDE.md": "b\n", "x/AGENTS.md": "c\n",
        ".claude/CLAUDE.md": "d\n", ".github/instructions/py.instructions.md": "e\n",
        ".cursor/rules/a.mdc": "f\n", ".cursor/rules/b.md": "g\n", ".claude/rules/x/y.md": "h\n",
        "docs/CLAUDE.md.bak": "i\n", "notes/instructions/z.instructions.md": "j\n",
        ".gitignore": "CLAUDE.local.md\n", "README.md": "k\n",
    })
    (root / "CLAUDE.local.md").write_text("personal, gitignored\n")
    assert CheckView(root).instruction_files() == [
        ".claude/CLAUDE.md", ".claude/rules/x/y.md", ".cursor/rules/a.mdc", ".cursor/rules/b.md",
        ".github/instructions/py.instructions.md", "CLAUDE.local.md", "CLAUDE.md",
        "deep/er/CLAUDE.md", "x/AGENTS.md"]
    custom = Settings(instruction_files=["**/RULES.md", "docs/*.md"])
    root2 = make_repo(tmp_path / "r2", {"a/RULES.md": "x\n", "docs/a.md": "y\n",
                                        "docs/b/c.md": "z\n", "CLAUDE.md": "w\n"})
    assert CheckView(root2, custom).instruction_files() == ["a/RULES.md", "docs/a.md"]


def test_positions_convert_to_utf16_and_outside_paths_are_ignored(tmp_path: Path) -> None:
    text = "Emoji 😀 then [x](missing.md)\n"
    root = make_repo(tmp_path / "r", {"CLAUDE.md": text})
    (d,) = check_file(root, "CLAUDE.md", text)
    assert (d.range.start.character, d.range.end.character) == (17, 27)
    wide = to_lsp(split_lines(text), d.range.core())  # the editor's UTF-16 columns
    assert (wide.start.line, wide.start.character, wide.end.character) == (0, 18, 28)
    assert check_file(root, tmp_path / "elsewhere.md", "[x](nope.md)\n") == []
