"""A bundle is the same in every process: the packer's scores of a definition sum the task's
words it holds (a set, iterated in an order that changes with ``PYTHONHASHSEED``), and two
definitions scoring the same must not swap with it. A real CLI on a real repository."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli

BODY = "".join(f"    value_{i} = compute_step({i}, data)\n" for i in range(40))


def _function(name: str) -> str:
    return f"def {name}(data):\n    \"\"\"Work on data.\"\"\"\n{BODY}    return data\n\n\n"


def test_the_same_bundle_under_every_hash_seed(tmp_path: Path) -> None:
    # alpha_bravo_charlie and bravo_charlie_echo each hold three of the task's words, held by
    # 1, 2 and 6 definitions: 4/1 + 4/2 + 4/6 either way, a sum whose last bit depends on its
    # order (6.666666666666667 or ...666); the first in the file must come first every time.
    names = ["alpha_bravo_charlie", "bravo_charlie_echo", *(f"charlie_part{i}" for i in range(4)),
             *(f"other_{i}" for i in range(6))]
    root = make_repo(tmp_path / "app", {
        "work.py": "".join(_function(n) for n in names),
        "util.py": "def compute_step(i, data):\n    return data\n"})
    assert run_cli("index", cwd=root).returncode == 0
    shown = set()
    for seed in range(1, 13):
        done = run_cli("bundle", "--task", "alpha bravo charlie echo", "--budget", "1200",
                       "--format", "json", cwd=root, env={"PYTHONHASHSEED": str(seed)})
        assert done.returncode == 0, done.stderr
        items = json.loads(done.stdout)["items"]
        shown.add(json.dumps([(i["path"], i["ranges"]) for i in items]))
    assert shown == {json.dumps([("work.py", [[1, 43]]), ("util.py", [[1, 2]])])}
