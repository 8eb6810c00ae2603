"""Every ranked file says why it ranked: a file lifted by the subjects of its own past commits
alone (the ``history`` signal) names the commit, its secrets masked (a new user's hour found
typer/colors.py ranked 6th with no reason at all: its one matching commit, ':art: Fix format',
was too old and too wide to lift it by the ``commits`` vote that named such commits)."""

from __future__ import annotations

from pathlib import Path

from gitutil import commit, make_repo

from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index, build

ERRORS = '''class UsageError(Exception):
    def format_message(self) -> str:
        return "usage: " + str(self)


class NoSuchOption(UsageError):
    def format_message(self) -> str:
        return "no such option: " + str(self)
'''
COLOURS = 'BLACK = "black"\nRED = "red"\nGREEN = "green"\nYELLOW = "yellow"\n'
SECRET = "AKIA" + "QYLPMN5HHHFPZAM2"  # an AWS access key id's shape (not a real one)


def module(i: int, extra: str = "") -> str:
    return f"def helper_{i}(value):\n    return value + {i}{extra}\n"


YEAR = 365 * 86400


def build_repo(root: Path) -> Path:
    files = {"pkg/errors.py": ERRORS, "pkg/colors.py": COLOURS}
    files.update({f"pkg/mod{i}.py": module(i) for i in range(30)})
    make_repo(root, files)
    # A commit of years ago touching many files: its vote, shared among them and decayed by its
    # age, lifts none of them much; its subject still matches the task.
    wide: dict[str, str | bytes | None] = {f"pkg/mod{i}.py": module(i, "  # tidy")
                                           for i in range(5)}
    wide["pkg/colors.py"] = COLOURS + "# tidy\n"
    commit(root, f":art: Fix format, key {SECRET}", wide, when=1_700_000_000 - 4 * YEAR)
    commit(root, "Fix formatting in NoSuchOption format_message",
           {"pkg/errors.py": ERRORS + "# fixed\n"}, when=1_700_000_000 + YEAR)
    build(root)
    return root


def test_a_file_lifted_by_its_commit_subjects_names_the_commit(tmp_path: Path) -> None:
    root = build_repo(tmp_path / "repo")
    with Index(root) as index:
        result = rank(index, RankQuery(task="Fix formatting in NoSuchOption.format_message()"))
    by_path = {r.path: r for r in result}
    colours = by_path["pkg/colors.py"]
    assert colours.signals.get("history", 0) > 0.2  # what lifted it
    assert colours.signals.get("commits", 0) < 0.05  # not the vote that used to name commits
    assert any(r.startswith("changed in a past commit like this task: ':art: Fix format")
               for r in colours.reasons), colours.reasons
    assert not any(SECRET in r for r in colours.reasons), colours.reasons
    assert all(r.reasons for r in result[:100]), [r.path for r in result[:100] if not r.reasons]


def test_a_file_no_signal_found_says_so(tmp_path: Path) -> None:
    """Ranked all the same (a large budget, or 0 to rank only), a file nothing links to the seed
    says that, not nothing (a review found CONTRIBUTING.md and CHANGELOG.md with no reason)."""
    root = make_repo(tmp_path / "repo")  # (empty: each commit at its own time)
    commit(root, "docs", {"CONTRIBUTING.md": "# Contributing\n\nBe kind.\n"}, when=1_500_000_000)
    commit(root, "errors", {"pkg/errors.py": ERRORS, "pkg/cli.py":
                            "from pkg.errors import NoSuchOption\n\n\ndef main():\n"
                            "    raise NoSuchOption('x')\n"}, when=1_700_000_000)
    for i in range(12):
        commit(root, f"helper {i}", {f"pkg/mod{i}.py": module(i)},
               when=1_700_000_000 + i * YEAR // 12)
    build(root)
    with Index(root) as index:
        ranked = rank(index, RankQuery(seeds=["pkg/errors.py"]))
    by_path = {rf.path: rf for rf in ranked}
    assert "CONTRIBUTING.md" in by_path, list(by_path)
    assert all(rf.reasons for rf in ranked), [(rf.path, rf.reasons) for rf in ranked]
