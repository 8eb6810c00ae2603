"""Inputs a verifier sent that the commands mishandled (session 26): a task argument holding bytes
that are not UTF-8, half an emoji in a hook's prompt, standard streams closed at start, and an
instruction file too large to read. Real commands on real repositories built here."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from gitutil import cli_command, git_env, make_repo, run_cli
from test_hooks import load_fixture, run_hook

FILES = {
    "shop/__init__.py": "",
    "shop/refunds.py": "def refund(order):\n    \"\"\"Refund an order.\"\"\"\n"
                       "    return order.total\n",
    "shop/orders.py": "from shop.refunds import refund\n\n\ndef cancel(order):\n"
                      "    return refund(order)\n",
}


def _repo(root: Path) -> Path:
    make_repo(root, FILES, [("Refund cancelled orders", {"shop/orders.py": FILES[
        "shop/orders.py"] + "\n# cancel\n"})])
    assert run_cli("index", cwd=root).returncode == 0
    return root


def test_a_task_argument_with_bytes_not_utf8_is_read_not_a_traceback(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    args = [os.fsencode(a) for a in [*cli_command(), "bundle", "--seed", "shop/orders.py",
                                     "--format", "json", "--task"]] + [b"fix \xff refund"]
    done = subprocess.run(args, cwd=root, env=git_env(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["task"] == "fix \N{REPLACEMENT CHARACTER} refund"
    assert b"not UTF-8" in done.stderr and b"Traceback" not in done.stderr


def test_half_an_emoji_in_a_prompt_still_gets_a_map(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    data = load_fixture("claude-code", "UserPromptSubmit", root)
    data.update(prompt="make the refund of cancelled orders faster \ud83d", session_id="s1")
    done = run_hook(root, "claude-code", "UserPromptSubmit", data)
    assert (done.returncode, done.stderr) == (0, "")
    context = json.loads(done.stdout)["hookSpecificOutput"]["additionalContext"]
    assert "shop/refunds.py" in context
    log = (root / ".ctxsteward/hooks/hook.log").read_text("utf-8")
    assert "FAILED" not in log


def _closed(fd: int, root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command run with standard output (1) or error (2) closed, as ``>&-`` leaves it."""
    script = f'exec "$@" {fd}>&-'
    return subprocess.run(["bash", "-c", script, "_", *cli_command(), *args], cwd=root,
                          env=git_env(), capture_output=True, check=False)


def test_closed_standard_streams_are_no_traceback(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    done = _closed(1, root, "bundle", "--seed", "shop/orders.py", "--task", "fix refund")
    # (its output has nowhere to go: said, not written to the null device as if done)
    assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
    assert b"standard output is closed" in done.stderr and b"--out FILE" in done.stderr
    done = _closed(1, root, "bundle", "--seed", "shop/orders.py", "--task", "fix refund",
                   "--out", "context.md")
    assert done.returncode == 0 and (root / "context.md").read_text("utf-8").startswith("#")
    done = _closed(2, root, "bundle", "--seed", "shop/orders.py", "--task", "fix refund",
                   "--format", "json")
    assert done.returncode == 0
    assert [i["path"] for i in json.loads(done.stdout)["items"]][0] == "shop/orders.py"
    done = _closed(1, root, "check")
    assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
    for command in ("index", "budget"):  # (they printed to the null device, exit 0)
        done = _closed(1, root, command)
        assert done.returncode == 2 and b"standard output is closed" in done.stderr


def test_an_instruction_file_too_large_to_read_is_reported_oversized(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    (root / "AGENTS.md").write_text("Use `shop/refunds.py` for refunds.\n" * 80_000, "utf-8")
    done = run_cli("check", "--format", "json", cwd=root)
    report = json.loads(done.stdout)
    assert report["files_checked"] == 1
    found = [(d["path"], d["code"]) for d in report["diagnostics"]]
    assert found == [("AGENTS.md", "CS005")]
    assert "MB" in report["diagnostics"][0]["message"]
    assert "could not be read" not in done.stderr


def test_version_with_its_output_closed_or_full_is_no_traceback(tmp_path: Path) -> None:
    done = _closed(1, tmp_path, "--version")
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*cli_command(), "--version"], cwd=tmp_path, env=git_env(),
                              stdout=full, stderr=subprocess.PIPE, check=False)
    assert done.returncode == 1 and b"No space left" in done.stderr, done.stderr
    assert b"Traceback" not in done.stderr


def test_a_bundle_that_cannot_be_saved_is_still_written(tmp_path: Path) -> None:
    """``--save`` where ``.ctxsteward/bundles`` cannot be written gave a raw "[Errno 30]
    Read-only file system", exit 1 and no bundle (review): the bundle is written, and the
    failure said with what to do."""
    root = _repo(tmp_path / "app")
    args = ("bundle", "--seed", "shop/orders.py", "--task", "fix refund", "--budget", "2000")
    first = run_cli(*args, "--save", "t1", cwd=root)
    assert first.returncode == 0 and "replacing" not in first.stderr, first.stderr
    again = run_cli(*args, "--save", "t1", cwd=root)
    assert again.returncode == 0 and "replacing the bundle saved under that name" in again.stderr
    bundles = root / ".ctxsteward" / "bundles"
    for saved in bundles.iterdir():
        saved.unlink()
    bundles.rmdir()
    bundles.write_text("not a folder\n", "utf-8")  # (root may write anywhere: no chmod here)
    done = run_cli(*args, "--save", "t2", cwd=root)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("# Context bundle") and "shop/orders.py" in done.stdout
    assert "could not save the bundle as 't2'" in done.stderr and "Traceback" not in done.stderr
    assert "drop --save" in done.stderr


def test_verify_refuses_the_options_of_a_new_bundle(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    assert run_cli("bundle", "--seed", "shop/orders.py", "--save", "t1", cwd=root).returncode == 0
    done = run_cli("bundle", "--verify", "t1", "--budget", "100", "--seed", "shop/orders.py",
                   cwd=root)
    assert done.returncode == 2, done.stderr
    assert "takes no --seed, --budget: drop them" in done.stderr
    assert run_cli("bundle", "--verify", "t1", "--format", "json", cwd=root).returncode == 0


def test_a_bundle_written_where_the_index_reads_it_says_so(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    args = ("bundle", "--seed", "shop/orders.py", "--task", "fix refund", "--budget", "2000")
    done = run_cli(*args, "--out", "context.md", cwd=root)
    assert done.returncode == 0 and "later bundles will index and rank it" in done.stderr
    (root / ".gitignore").write_text("context.md\n", "utf-8")
    done = run_cli(*args, "--out", "context.md", cwd=root)
    assert done.returncode == 0 and "later bundles" not in done.stderr, done.stderr


def test_a_root_inside_a_work_tree_is_said_to_stand_for_it(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    done = run_cli("bundle", "--root", str(root / "shop"), "--seed", "shop/orders.py",
                   "--budget", "800", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"--root {root / 'shop'} is inside the git work tree {root}" in done.stderr
    done = run_cli("bundle", "--root", str(root), "--seed", "shop/orders.py", "--budget", "800",
                   cwd=tmp_path)
    assert done.returncode == 0 and "inside the git work tree" not in done.stderr


def test_a_symbol_of_a_file_too_large_to_parse_is_said_so(tmp_path: Path) -> None:
    root = _repo(tmp_path / "app")
    (root / "huge.py").write_text("".join(f"def f{i}():\n    return {i}\n\n"
                                          for i in range(80_000)), "utf-8")
    done = run_cli("bundle", "--seed", "huge.py::f59999", "--max-file-size", "3000000",
                   cwd=root)
    assert done.returncode == 2, done.stderr
    assert "huge.py was not parsed" in done.stderr and "holds it whole" in done.stderr
    assert "defines no" not in done.stderr
    done = run_cli("bundle", "--seed", "huge.py", cwd=root)
    assert done.returncode == 2 and "a larger --max-file-size indexes it" in done.stderr


def test_a_submodule_is_said_to_be_left_out(tmp_path: Path) -> None:
    from gitutil import git

    inner = _repo(tmp_path / "lib")
    root = _repo(tmp_path / "app")
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "vendor/lib",
        cwd=root)
    git("commit", "-q", "-m", "add the lib", cwd=root)
    index = run_cli("index", cwd=root)
    assert index.returncode == 0 and "vendor/lib: submodule" in index.stdout, index.stdout
    budget = run_cli("budget", "vendor/lib", cwd=root)
    assert "vendor/lib is a git submodule" in budget.stderr and "--root vendor/lib" in budget.stderr
