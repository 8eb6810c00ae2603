"""``bundle --verify``: lines the agent saw that are still in the file at other line numbers are
"moved" (with where they are now), "changed" only when their content differs, "vanished" when
the file is gone; bundles saved before per-range hashes (format 1) still verify.

Real git repositories, real bundles (ranked and packed by the core), real edits of the files.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from gitutil import make_repo, run_cli, write_files

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import (
    SAVED_FORMAT,
    BundleError,
    BundleResult,
    make_bundle,
    save_bundle,
    verify_bundle,
)
from analyzers.indexing.index import Index, build
from analyzers.results import BundleItem, VerifiedItem

LEDGER = "".join(
    f'def ledger_step_{i}(value):\n    """Step {i} of the ledger."""\n'
    + "".join(f"    value = value * {j} + {i}  # accumulate part {j}\n" for j in range(8))
    + "    return value\n\n\n" for i in range(20)
) + "def settle(invoice):\n    return invoice\n"
CLOSE = "from core.ledger import settle\n\n\ndef close(invoice):\n    return settle(invoice)\n"
TASK = "settle the ledger steps"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {"core/__init__.py": "", "core/ledger.py": LEDGER,
                                         "core/close.py": CLOSE})
    build(root)
    return root


def bundle(root: Path) -> BundleResult:
    with Index(root) as index:
        return make_bundle(index, BundleRequest(seeds=["core/close.py"], task=TASK, budget=1500))


def saved(root: Path, name: str = "seen") -> tuple[BundleItem, BundleItem]:
    """Save a bundle; return its ledger item (several line ranges) and its whole-file seed."""
    result = bundle(root)
    items = {i.path: i for i in result.bundle.items}
    ledger, close = items["core/ledger.py"], items["core/close.py"]
    assert ledger.granularity == "symbols" and len(ledger.ranges) >= 3
    assert close.granularity == "file"
    with Index(root) as index:
        save_bundle(index, name, result)
    return ledger, close


def verify(root: Path, name: str = "seen") -> dict[str, VerifiedItem]:
    with Index(root) as index:
        return {i.path: i for i in verify_bundle(index, name).items}


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_lines_inserted_above_read_moved_with_the_new_ranges(repo: Path) -> None:
    ledger, _ = saved(repo)
    write_files(repo, {"core/ledger.py": "# a header\n# added later\n\n" + LEDGER})
    with Index(repo) as index:
        report = verify_bundle(index, "seen")
    item = {i.path: i for i in report.items}["core/ledger.py"]
    assert item.status == "moved"
    assert item.ranges == ledger.ranges
    assert item.ranges_now == [(a + 3, b + 3) for a, b in ledger.ranges]
    now = lines_of((repo / "core/ledger.py").read_text())
    for (a, b), (c, d) in zip(ledger.ranges, item.ranges_now, strict=True):
        assert now[c - 1:d] == lines_of(LEDGER)[a - 1:b]
    assert (report.unchanged, report.moved, report.changed, report.vanished) == (
        len(report.items) - 1, 1, 0, 0)


def test_each_range_is_found_on_its_own(repo: Path) -> None:
    """Lines inserted between two ranges shift only the ranges after them; a definition moved to
    the top of the file is found there."""
    ledger, _ = saved(repo)
    old = lines_of(LEDGER)
    cut = ledger.ranges[0][1]  # after the first range
    write_files(repo, {"core/ledger.py": "".join(old[:cut] + ["# note\n", "# note 2\n"]
                                                 + old[cut:])})
    item = verify(repo)["core/ledger.py"]
    assert item.status == "moved"
    assert item.ranges_now == [ledger.ranges[0]] + [(a + 2, b + 2) for a, b in ledger.ranges[1:]]

    # settle (the last range) moved from the end of the file to its top.
    settle = "def settle(invoice):\n    return invoice\n"
    assert ledger.ranges[-1] == (len(old) - 1, len(old))
    write_files(repo, {"core/ledger.py": settle + "\n\n" + LEDGER.removesuffix(settle)})
    item = verify(repo)["core/ledger.py"]
    assert item.status == "moved"
    assert item.ranges_now == [(a + 4, b + 4) for a, b in ledger.ranges[:-1]] + [(1, 2)]


def test_changed_only_when_the_content_differs(repo: Path) -> None:
    ledger, close = saved(repo)
    second = ledger.ranges[1]
    old = lines_of(LEDGER)
    edited = list(old)
    edited[second[0]] = edited[second[0]].replace("Step", "The step")  # inside the 2nd range
    write_files(repo, {"core/ledger.py": "# shifted\n" + "".join(edited)})
    item = verify(repo)["core/ledger.py"]
    assert item.status == "changed"
    assert item.ranges_now == []
    assert item.detail == f"the lines the agent saw differ now: {second[0]}-{second[1]} as saved"

    # Outside every range the agent saw, in place: still unchanged.
    outside = list(old)
    last = max(b for _, b in ledger.ranges[:-1])
    assert outside[last + 2].startswith("def ledger_step_")  # not shown to the agent
    outside[last + 2] = outside[last + 2].replace("value", "amount")
    write_files(repo, {"core/ledger.py": "".join(outside)})
    item = verify(repo)["core/ledger.py"]
    assert (item.status, item.ranges_now) == ("unchanged", ledger.ranges)
    assert item.detail == "the file changed outside the lines the agent saw"

    # A file the agent saw whole changes with any edit, even one that only shifts it.
    write_files(repo, {"core/close.py": "# shifted\n" + CLOSE})
    assert verify(repo)["core/close.py"].status == "changed"
    assert close.ranges == [(1, len(lines_of(CLOSE)))]

    (repo / "core/ledger.py").unlink()
    item = verify(repo)["core/ledger.py"]
    assert (item.status, item.ranges, item.ranges_now) == ("vanished", ledger.ranges, [])


def test_the_nearest_copy_is_taken_when_the_lines_occur_twice(repo: Path) -> None:
    ledger, _ = saved(repo)
    old = lines_of(LEDGER)
    a, b = ledger.ranges[0]
    copy = "".join(old[a - 1:b])
    write_files(repo, {"core/ledger.py": "# one line above\n" + LEDGER + "\n\n" + copy})
    item = verify(repo)["core/ledger.py"]
    assert item.status == "moved"
    assert item.ranges_now == [(x + 1, y + 1) for x, y in ledger.ranges]


def test_bundles_saved_in_format_1_still_verify(repo: Path) -> None:
    ledger, _ = saved(repo, "old")
    path = repo / ".ctxsteward" / "bundles" / "old.json"
    data = json.loads(path.read_text())
    assert data["format_version"] == SAVED_FORMAT == 2
    assert [tuple(r["lines"]) for r in data["hashes"][1]["range_hashes"]] == ledger.ranges
    # What format 1 wrote: no version, one content hash per item.
    del data["format_version"]
    for h in data["hashes"]:
        del h["range_hashes"]
    path.write_text(json.dumps(data, indent=2))

    assert {i.status for i in verify(repo, "old").values()} == {"unchanged"}
    # A shift of every range by the same amount is found from the item's one hash.
    write_files(repo, {"core/ledger.py": "# a\n# b\n" + LEDGER})
    item = verify(repo, "old")["core/ledger.py"]
    assert (item.status, item.ranges_now) == ("moved", [(a + 2, b + 2) for a, b in ledger.ranges])
    # Without per-range hashes, ranges shifted by different amounts cannot be told apart from
    # an edit.
    old = lines_of(LEDGER)
    cut = ledger.ranges[0][1]
    write_files(repo, {"core/ledger.py": "".join(old[:cut] + ["# note\n"] + old[cut:])})
    assert verify(repo, "old")["core/ledger.py"].status == "changed"


def test_a_newer_format_is_a_clear_error(repo: Path) -> None:
    saved(repo)
    path = repo / ".ctxsteward" / "bundles" / "seen.json"
    data = json.loads(path.read_text())
    data["format_version"] = SAVED_FORMAT + 1
    path.write_text(json.dumps(data))
    with Index(repo) as index, pytest.raises(BundleError, match="newer than this ctxsteward"):
        verify_bundle(index, "seen")


def test_cli_verify_text_json_and_exit_status(repo: Path) -> None:
    args = ("bundle", "--seed", "core/close.py", "--task", TASK, "--budget", "1500")
    proc = run_cli(*args, "--save", "cli", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    ledger = next(i for i in json.loads(proc.stdout)["items"] if i["path"] == "core/ledger.py")
    ranges = [tuple(r) for r in ledger["ranges"]]
    write_files(repo, {"core/ledger.py": "# moved down by one\n" + LEDGER})

    proc = run_cli("bundle", "--verify", "cli", cwd=repo)
    assert proc.returncode == 0, proc.stderr  # moved content is still true
    out = proc.stdout.splitlines()
    assert out[0].startswith("Bundle 'cli' saved ")
    assert out[0].endswith(": 1 unchanged, 1 moved, 0 changed, 0 vanished")
    label = ",".join(f"{a}-{b}" for a, b in ranges)
    shifted = ",".join(f"{a + 1}-{b + 1}" for a, b in ranges)
    assert f"  moved     core/ledger.py  lines {label} -> {shifted}" in out
    assert "  unchanged core/close.py  lines 1-5" in out

    schema = run_cli("schema", "verify", cwd=repo)
    assert schema.returncode == 0, schema.stderr
    validator = jsonschema.Draft202012Validator(json.loads(schema.stdout))
    proc = run_cli("bundle", "--verify", "cli", "--format", "json", cwd=repo)
    report = json.loads(proc.stdout)
    validator.validate(report)
    assert (report["moved"], report["changed"]) == (1, 0)
    item = next(i for i in report["items"] if i["path"] == "core/ledger.py")
    assert [tuple(r) for r in item["ranges_now"]] == [(a + 1, b + 1) for a, b in ranges]

    write_files(repo, {"core/close.py": CLOSE.replace("return", "return  ")})
    proc = run_cli("bundle", "--verify", "cli", cwd=repo)
    assert proc.returncode == 1
    assert "  changed   core/close.py  lines 1-5  (the lines the agent saw differ now)" in \
        proc.stdout.splitlines()
