"""The Index queries the editor edges ask (a file's row, totals under a folder, the generation),
on a real repository indexed by build(): their answers agree with the whole file table."""

from __future__ import annotations

from pathlib import Path

from gitutil import commit, make_repo

from analyzers.config import Settings
from analyzers.indexing.index import Index, build

FILES = {
    "app/models.py": "class User:\n    def greet(self):\n        return 'hi'\n",
    "app/views.py": "from app.models import User\n\n\ndef show():\n    return User().greet()\n",
    "app0/other.py": "X = 1\n",  # sorts right after "app/": not under it
    "README.md": "# Demo\n\nSmall.\n",
}


def test_file_rows_and_folder_totals_match_the_file_table(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", FILES)
    build(root, Settings())
    with Index(root, Settings()) as idx:
        files = idx.files()
        assert idx.file("app/views.py") == files["app/views.py"]
        assert idx.file("nope.py") is None
        app = [f for p, f in files.items() if p.startswith("app/")]
        assert len(app) == 2
        assert idx.totals_under("app") == (2, sum(f.tokens for f in app))
        assert idx.totals_under("app/") == idx.totals_under("app")
        assert idx.totals_under(".") == (len(files), sum(f.tokens for f in files.values()))
        assert idx.totals_under("") == idx.totals_under(".")
        assert idx.totals_under("missing") == (0, 0)
        first = idx.generation()
        assert first >= 1


def test_a_row_and_the_generation_follow_a_rebuild_on_an_open_index(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", FILES)
    build(root, Settings())
    with Index(root, Settings()) as idx:
        before, gen = idx.file("app/models.py"), idx.generation()
        assert before is not None
        commit(root, "longer", {"app/models.py": FILES["app/models.py"] + "\n\ndef more():\n"
                                "    return [1, 2, 3]\n"})
        build(root, Settings())
        after = idx.file("app/models.py")
        assert after is not None and after.tokens > before.tokens
        assert idx.generation() == gen + 1
