"""Real git repositories for handoff tests: a feature branch with committed and uncommitted work.

``feature_repo`` builds, from a ``main`` branch with two commits:
- on ``feature``: a commit reworking ``app/core.py`` (``Engine.run`` modified, ``Engine.stop``
  added, ``helper`` removed, ``Engine.start`` moved down unchanged), then a commit renaming
  ``docs/old_name.md`` and deleting ``legacy.py``;
- on ``main`` after the branch point: a commit touching ``README.md`` (must not appear);
- uncommitted: ``app/util.py`` edited (``fmt`` modified, a TODO added, an old TODO moved), and an
  untracked ``app/extra.py`` (class ``Extra`` with method ``go``, a FIXME).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gitutil import commit, git, make_repo, write_files

_SHA = re.compile(r"(<!-- ctxsteward:generated:begin [A-Za-z0-9_-]+) sha=[0-9]{12}(?= -->)")


def unsha(text: str) -> str:
    """``text`` without the digests our begin markers record (``sha=...``: of what is inside the
    block), for tests about what is outside the blocks, or where they are."""
    return _SHA.sub(r"\1", text)


CORE_V1 = '''\
class Engine:
    def start(self):
        return "started"

    def run(self, n):
        return n * 2


def helper(x):
    return x + 1
'''

CORE_V2 = '''\
class Engine:
    def run(self, n):
        total = n * 2
        return total + 1

    def stop(self):
        return "stopped"

    def start(self):
        return "started"
'''

UTIL_V1 = '''\
# TODO: keep this note
def fmt(value):
    return str(value)


def parse(text):
    return int(text)
'''

UTIL_V2 = '''\
def fmt(value):
    # TODO: support locales
    return f"{value}"


def parse(text):
    return int(text)
# TODO: keep this note
'''

EXTRA = '''\
class Extra:
    def go(self):
        return 1  # FIXME: real value
'''


@dataclass
class FeatureRepo:
    root: Path
    branch_point: str  # the merge-base with main
    main_tip: str
    feature_commits: list[str]  # newest first


def feature_repo(root: Path) -> FeatureRepo:
    make_repo(root, {
        "app/core.py": CORE_V1,
        "app/util.py": UTIL_V1,
        "docs/old_name.md": "# Old name\n\nSome documentation.\n",
        "legacy.py": "def legacy():\n    return 0\n",
        "README.md": "# Project\n",
        "CLAUDE.md": "# Rules\n\nRun the tests.\n",
        "app/AGENTS.md": "# App rules\n",
    }, commits=[("second on main", {"README.md": "# Project\n\nMore.\n"})])
    branch_point = git("rev-parse", "HEAD", cwd=root)
    git("checkout", "-q", "-b", "feature", cwd=root)
    c1 = commit(root, "rework the engine", {"app/core.py": CORE_V2})
    git("mv", "docs/old_name.md", "docs/new_name.md", cwd=root)
    git("rm", "-q", "legacy.py", cwd=root)
    c2 = commit(root, "rename docs, drop legacy")
    git("checkout", "-q", "main", cwd=root)
    main_tip = commit(root, "main moves on", {"README.md": "# Project\n\nEven more.\n"})
    git("checkout", "-q", "feature", cwd=root)
    write_files(root, {"app/util.py": UTIL_V2, "app/extra.py": EXTRA})
    return FeatureRepo(root, branch_point, main_tip, [c2, c1])
