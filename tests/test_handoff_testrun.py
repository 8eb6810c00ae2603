"""Test evidence: real test runners, failing ids, the state a run saw, and staleness."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitutil import git_env, make_repo, write_files

from analyzers.handoff import generate, render_markdown
from analyzers.handoff.testrun import failing_tests

PASSING = "def test_ok():\n    assert 1 + 1 == 2\n"
FAILING = (
    "import pytest\n\n"
    "def test_ok():\n    assert True\n\n"
    "def test_bad():\n    assert 1 == 2\n\n"
    "@pytest.mark.parametrize('n', [1, 2])\n"
    "def test_param(n):\n    assert n == 1\n"
)


def pytest_cmd(target: str) -> str:
    return (f"PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 {sys.executable} -m pytest -q "
            f"-p no:cacheprovider {target}")


def test_failing_pytest_run_is_recorded(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"tests/test_x.py": FAILING})
    write_files(root, {"scratch.txt": "uncommitted\n"})
    note = generate(root, bundle=False, test_cmd=pytest_cmd("tests/test_x.py"))
    t = note.tests
    assert t is not None
    assert t.exit_status == 1 and not t.passed
    assert t.failing == ["tests/test_x.py::test_bad", "tests/test_x.py::test_param[2]"]
    assert t.commit == note.head and t.dirty
    assert "2 failed, 2 passed" in t.summary
    assert not t.stale
    text = render_markdown(note)
    assert "**failed** (exit 1)" in text and "`tests/test_x.py::test_bad`" in text


def test_passing_run_goes_stale_after_edits(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"tests/test_x.py": PASSING})
    check = f"{sys.executable} -c 'import sys; sys.exit(0)'"
    first = generate(root, bundle=False, test_cmd=check)
    assert first.tests is not None and first.tests.passed and not first.tests.dirty

    # Without --test-cmd, the recorded run is reported, still current...
    again = generate(root, bundle=False)
    assert again.tests is not None and again.tests.ran_at == first.tests.ran_at
    assert not again.tests.stale
    # ...until a file changes after it.
    write_files(root, {"tests/test_x.py": PASSING + "\n# edited\n"})
    later = generate(root, bundle=False)
    assert later.tests is not None and later.tests.stale
    assert later.tests.stale_reason.startswith("passed before later edits")
    assert "**stale**: passed before later edits" in render_markdown(later)
    # Writing the note itself does not make the run stale.
    fresh = generate(root, bundle=False, test_cmd=check)
    (root / "HANDOFF.md").write_text(render_markdown(fresh), "utf-8")
    assert generate(root, bundle=False).tests.stale is False  # type: ignore[union-attr]


def test_a_run_on_another_branch_says_so_after_a_switch(tmp_path: Path) -> None:
    """A run recorded on a branch, then a switch to another: the note must not present that
    run as evidence about this branch's work (it said "passed (stale)", as after an edit)."""
    root = make_repo(tmp_path / "r", {"tests/test_x.py": PASSING})
    git = ["git", "-C", str(root)]
    env = git_env()  # a fixed identity, no user configuration
    subprocess.run([*git, "checkout", "-q", "-b", "zsh-fix"], check=True, env=env)
    write_files(root, {"fix.py": "FIXED = True\n"})
    subprocess.run([*git, "add", "fix.py"], check=True, env=env)
    subprocess.run([*git, "commit", "-q", "-m", "fix"], check=True, env=env)
    check = f"{sys.executable} -c 'import sys; sys.exit(0)'"
    ran = generate(root, bundle=False, test_cmd=check)
    assert ran.tests is not None and ran.tests.passed and not ran.tests.stale
    subprocess.run([*git, "checkout", "-q", "-"], check=True, env=env)
    after = generate(root, bundle=False)
    t = after.tests
    assert t is not None and t.stale and t.other_branch, t
    assert "another branch's commit" in t.stale_reason and ran.tests.commit[:12] in t.stale_reason
    text = render_markdown(after)
    assert "**Tests**: passed (stale: another branch's run)" in text, text
    # Back on the branch with the run (its commit is HEAD's again): current, not another's.
    subprocess.run([*git, "checkout", "-q", "zsh-fix"], check=True, env=env)
    back = generate(root, bundle=False)
    assert back.tests is not None and not back.tests.other_branch and not back.tests.stale
    # A later commit on top of the run's: stale, but in HEAD's history (not another branch).
    write_files(root, {"fix.py": "FIXED = 2\n"})
    subprocess.run([*git, "commit", "-q", "-am", "more"], check=True, env=env)
    later = generate(root, bundle=False)
    assert later.tests is not None and later.tests.stale and not later.tests.other_branch


def test_unrunnable_command(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    note = generate(root, bundle=False, test_cmd="definitely-not-a-command-xyz")
    assert note.tests is not None and not note.tests.passed
    assert note.tests.exit_status == 127 and note.tests.failing == []


def test_timeout_stops_the_command(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.txt": "a\n"})
    note = generate(root, bundle=False, test_cmd=f"{sys.executable} -c 'import time; "
                    "time.sleep(60)'", test_timeout=1)
    assert note.tests is not None and note.tests.exit_status is None
    assert note.tests.timed_out == 1 and not note.tests.passed


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_test_runner_failures(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.test.js": (
        "const test = require('node:test');\nconst assert = require('node:assert');\n"
        "test('adds', () => assert.strictEqual(1 + 1, 2));\n"
        "test('breaks', () => assert.strictEqual(1 + 1, 3));\n")})
    note = generate(root, bundle=False, test_cmd="node --test")
    assert note.tests is not None and note.tests.exit_status != 0
    assert note.tests.failing == ["breaks"]


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")
def test_cargo_test_failures(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {
        "Cargo.toml": '[package]\nname = "ct"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/lib.rs": (
            "pub fn add(a: i32, b: i32) -> i32 { a + b }\n"
            "#[cfg(test)]\nmod tests {\n    use super::*;\n"
            "    #[test]\n    fn good() { assert_eq!(add(1, 1), 2); }\n"
            "    #[test]\n    fn bad() { assert_eq!(add(1, 1), 3); }\n}\n"),
        ".gitignore": "target/\n",
    })
    probe = subprocess.run(["cargo", "--version"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("cargo does not run here")
    note = generate(root, bundle=False, test_cmd="cargo test --offline -q")
    assert note.tests is not None and note.tests.exit_status not in (0, None)
    assert note.tests.failing == ["tests::bad"]


def test_parsers_on_go_jest_vitest_and_unittest_output() -> None:
    go = ("=== RUN   TestAdd\n--- PASS: TestAdd (0.00s)\n=== RUN   TestSub\n"
          "    sub_test.go:9: got 1\n--- FAIL: TestSub (0.00s)\n"
          "    --- FAIL: TestSub/negative (0.00s)\nFAIL\nFAIL\texample.com/m\t0.002s\n")
    assert failing_tests(go) == ["TestSub", "TestSub/negative"]
    jest = ("FAIL src/sum.test.js\n  sum\n    ✓ adds (2 ms)\n    ✕ subtracts (3 ms)\n\n"
            "  ● sum › subtracts\n\n    expect(received).toBe(expected)\n\n"
            "Tests:       1 failed, 1 passed, 2 total\n")
    assert failing_tests(jest) == ["sum › subtracts"]
    vitest = (" \x1b[31mFAIL\x1b[39m  src/a.test.ts > math > divides\nAssertionError: x\n"
              " ❯ src/a.test.ts:5:3\n")
    assert failing_tests(vitest) == ["src/a.test.ts > math > divides"]
    unittest = ("F.\n======\nFAIL: test_b (test_m.T.test_b)\n------\nTraceback...\n"
                "ERROR: test_c (test_m.T)\n")
    assert failing_tests(unittest) == ["test_m.T.test_b", "test_m.T.test_c"]
    assert failing_tests("all good\n1 passed\n") == []
