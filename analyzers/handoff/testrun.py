"""Test evidence: run ``--test-cmd``, record the outcome, and know when it describes older code.

The run is stored in ``.ctxsteward/handoff-tests.json`` with a fingerprint of the work tree (HEAD,
``git status`` and the size and mtime of every changed file). A later note built without
``--test-cmd`` reuses it and marks it stale once HEAD or any file changed after the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from analyzers.cancel import NEVER, Cancelled, CancelToken
from analyzers.fsutil import write_atomic
from analyzers.handoff.note import TestEvidence
from analyzers.indexing.store import ensure_state_dir, state_dir
from analyzers.procs import guarded_shell
from analyzers.secrets import redact

EVIDENCE_FILE = "handoff-tests.json"
MAX_FAILING = 200
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

_PYTEST = re.compile(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$")
_UNITTEST = re.compile(r"^(?:FAIL|ERROR): (\S+) \(([^)]+)\)")
_GO = re.compile(r"^\s*--- FAIL: (\S+)")
_CARGO = re.compile(r"^test (\S+) \.\.\. FAILED\s*$|^---- (\S+) stdout ----$")
_TAP = re.compile(r"^\s*not ok \d+ - (.+?)(?:\s+#\s.*)?\s*$")
_JEST = re.compile(r"^\s*● (.+?)\s*$")
_VITEST = re.compile(r"^\s*FAIL\s+(\S+ > .+?)\s*$")
_CROSS = re.compile(r"^\s*[✕×] (.+?)(?: \(?\d+(?:\.\d+)?\s*m?s\)?)?\s*$")


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def failing_tests(output: str) -> list[str]:
    """Failing test ids printed by pytest, unittest, go test, cargo test, jest, vitest or TAP."""
    found: list[str] = []
    jest: list[str] = []
    cross: list[str] = []
    for raw in _ANSI.sub("", output).splitlines():
        line = raw.rstrip()
        if m := _PYTEST.match(line):
            tid = m.group(1).strip()
            if "::" in tid or tid.endswith(".py"):
                found.append(tid)
        elif m := _UNITTEST.match(line):
            name, where = m.group(1), m.group(2)
            found.append(where if where.endswith(name) else f"{where}.{name}")
        elif (m := _GO.match(line)) or (m := _VITEST.match(line)) or (m := _TAP.match(line)):
            found.append(m.group(1))
        elif m := _CARGO.match(line):
            found.append(m.group(1) or m.group(2))
        elif m := _JEST.match(line):
            if m.group(1) not in ("Test suite failed to run",) and not m.group(1).startswith(
                    "Console"):
                jest.append(m.group(1))
        elif m := _CROSS.match(line):
            cross.append(m.group(1))
    found += jest or ([] if found else cross)
    out: list[str] = []
    seen: set[str] = set()
    for t in found:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out[:MAX_FAILING]


def summary_line(output: str) -> str:
    for raw in reversed(_ANSI.sub("", output).splitlines()):
        line = raw.strip().strip("=").strip()
        if line:
            return line[:200]
    return ""


def fingerprint(root: Path, head: str | None, status_text: str) -> str:
    """A hash of the work tree state: HEAD, ``git status -z`` and the stat of each listed path."""
    h = hashlib.sha256()
    h.update((head or "-").encode())
    h.update(b"\0")
    h.update(status_text.encode("utf-8", "replace"))
    for tok in status_text.split("\0"):
        if not tok:
            continue
        path = tok[3:] if len(tok) > 3 and tok[2] == " " else tok
        try:
            st = (root / path).stat()
            h.update(f"\0{path}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "replace"))
        except OSError:
            h.update(f"\0{path}\0missing".encode("utf-8", "replace"))
    return h.hexdigest()


def _kill(proc: subprocess.Popen[bytes], guarded: bool) -> None:
    """End the test command and every process it started."""
    if guarded:  # the guard kills the shell's process group, then ends
        try:
            proc.send_signal(signal.SIGTERM)
            return
        except OSError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        proc.kill()


def run_tests(
    root: Path, command: str, *, head: str | None, dirty: bool,
    timeout: float | None = None, token: CancelToken = NEVER,
) -> TestEvidence:
    """Run ``command`` through the shell in ``root`` and record its outcome."""
    ran_at = now_iso()
    # Through a guard (Linux): the command and whatever it starts end with this process, even
    # when it is killed outright (SIGKILL), and are killed, not left behind, on every exit path.
    argv = guarded_shell(command)
    try:
        proc = subprocess.Popen(
            argv if argv is not None else command, shell=argv is None, cwd=root,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as e:
        return TestEvidence(command=command, exit_status=None, passed=False,
                            summary=f"could not run: {e}", commit=head, dirty=dirty, ran_at=ran_at)
    try:
        return _wait(proc, argv is not None, command, head=head, dirty=dirty, ran_at=ran_at,
                     timeout=timeout, token=token)
    except BaseException:  # KeyboardInterrupt, SystemExit (a signal), a cancelled request
        if proc.poll() is None:
            _kill(proc, argv is not None)
            try:
                proc.communicate(timeout=10)
            except (subprocess.TimeoutExpired, OSError, ValueError):
                pass
        raise


def _wait(proc: subprocess.Popen[bytes], guarded: bool, command: str, *, head: str | None,
          dirty: bool, ran_at: str, timeout: float | None, token: CancelToken) -> TestEvidence:
    waited = 0.0
    out = b""
    while True:
        try:
            out, _ = proc.communicate(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            waited += 0.5
            try:
                token.check()
            except Cancelled:
                _kill(proc, guarded)
                proc.communicate()
                raise
            if timeout is not None and waited >= timeout:
                _kill(proc, guarded)
                out, _ = proc.communicate()
                text = redact(out.decode("utf-8", "replace"))
                return TestEvidence(
                    command=command, exit_status=None, passed=False,
                    failing=failing_tests(text), summary=summary_line(text), timed_out=timeout,
                    commit=head, dirty=dirty, ran_at=ran_at,
                )
    text = redact(out.decode("utf-8", "replace"))
    code = proc.returncode
    return TestEvidence(
        command=command, exit_status=code, passed=code == 0,
        failing=failing_tests(text) if code != 0 else [], summary=summary_line(text),
        commit=head, dirty=dirty, ran_at=ran_at,
    )


def save(root: Path, evidence: TestEvidence, fp: str) -> None:
    ensure_state_dir(root)
    data = {"fingerprint": fp, "evidence": evidence.model_dump(mode="json")}
    write_atomic(state_dir(root) / EVIDENCE_FILE, json.dumps(data, indent=2) + "\n")


def load(root: Path) -> tuple[TestEvidence, str] | None:
    path = state_dir(root) / EVIDENCE_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
        return TestEvidence.model_validate(data["evidence"]), str(data["fingerprint"])
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        return None


def mark_staleness(evidence: TestEvidence, stored_fp: str, current_fp: str,
                   head: str | None, *, other_branch: bool = False) -> TestEvidence:
    """The evidence, marked stale when the work tree changed after the run; ``other_branch``:
    its commit is not in HEAD's history (a run on another branch, before a switch)."""
    if stored_fp == current_fp:
        return evidence.model_copy(update={"stale": False, "stale_reason": "",
                                           "other_branch": False})
    if other_branch:
        old = (evidence.commit or "no commit")[:12]
        why = (f"ran on {old}, another branch's commit (not in HEAD's history): it says nothing "
               f"about the work on {(head or 'unborn')[:12]}")
        return evidence.model_copy(update={"stale": True, "stale_reason": why,
                                           "other_branch": True})
    if evidence.commit != head:
        old = (evidence.commit or "no commit")[:12]
        why = f"ran on {old}; HEAD is now {(head or 'unborn')[:12]}"
    else:
        why = "files changed after the run"
    if evidence.passed:
        why = "passed before later edits: " + why
    return evidence.model_copy(update={"stale": True, "stale_reason": why})
