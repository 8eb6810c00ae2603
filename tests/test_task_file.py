"""``bundle --task-file``: a task is free text, so a log is read whatever its encoding (a new
user's hour: a UTF-16 file, PowerShell's ``>``, was refused with "'utf-8' codec can't decode
byte 0xff", one Latin-1 byte in a log gave exit 2, and ``--task-file -`` looked for a file
named ``-``). Real repository, real command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from gitutil import cli_command, git_env, make_repo

from analyzers.indexing.index import build

CLOSE = "def close_ledger(ledger):\n    return ledger.balance()\n"
OTHER = "def open_window(frame):\n    return frame.show()\n"
TASK = "close_ledger crashes in core/close.py (naïve total)"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("task") / "repo",
                     {"core/close.py": CLOSE, "core/other.py": OTHER})
    build(root)
    return root


def bundle(root: Path, task_file: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = git_env()
    env.pop("COLUMNS", None)
    return subprocess.run([*cli_command(), "bundle", "--task-file", task_file, "--format", "json",
                           "--budget", "2000"], cwd=str(root), env=env, input=stdin,
                          capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize(("encoding", "prefix"), [
    ("utf-16", b""),  # Python's utf-16 writes a byte order mark (little-endian here)
    ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf"), ("utf-32", b""), ("utf-8", b"")])
def test_a_task_file_with_a_byte_order_mark_is_read(repo: Path, tmp_path: Path, encoding: str,
                                                    prefix: bytes) -> None:
    path = tmp_path / "task.txt"
    path.write_bytes(prefix + TASK.encode(encoding))
    proc = bundle(repo, str(path))
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["task"] == TASK  # no byte order mark left in it
    assert out["items"][0]["path"] == "core/close.py"
    assert b"note:" not in proc.stderr


def test_a_stray_latin1_byte_is_replaced_with_a_note(repo: Path, tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_bytes(TASK.encode("latin-1"))  # one byte, 0xef, that is no UTF-8
    proc = bundle(repo, str(path))
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["task"] == TASK.replace("ï", "\N{REPLACEMENT CHARACTER}")
    assert out["items"][0]["path"] == "core/close.py"
    note = proc.stderr.decode()
    assert "note: --task-file" in note and "not UTF-8" in note and "byte 41" in note, note


def test_a_task_file_dash_reads_standard_input(repo: Path) -> None:
    proc = bundle(repo, "-", stdin=TASK.encode("utf-16"))
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["task"] == TASK and out["items"][0]["path"] == "core/close.py"


def test_a_binary_or_missing_task_file_is_refused_clearly(repo: Path, tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x7fELF\x02\x01\x00\x00" + bytes(range(256)))
    proc = bundle(repo, str(path))
    assert proc.returncode == 2
    assert b"NUL bytes" in proc.stderr and b"Traceback" not in proc.stderr, proc.stderr
    proc = bundle(repo, str(tmp_path / "missing.txt"))
    assert proc.returncode == 2
    assert b"cannot read --task-file" in proc.stderr and b"No such file" in proc.stderr


@pytest.mark.parametrize("body", [b"", b"  \n\t\r\n", b"\xef\xbb\xbf\n"])
def test_an_empty_task_file_is_named_as_empty(repo: Path, tmp_path: Path, body: bytes) -> None:
    """An empty (or blank) ``--task-file`` said "give at least one --seed PATH or a --task TEXT",
    which the person had done: now it names the file as empty and what to do."""
    path = tmp_path / "task.txt"
    path.write_bytes(body)
    proc = bundle(repo, str(path))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err, err
    assert f"--task-file {path} is empty" in err and "write the task in it" in err, err
    proc = bundle(repo, "-", stdin=body)
    assert "standard input was empty" in proc.stderr.decode(), proc.stderr.decode()
