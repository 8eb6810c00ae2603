"""bench/audit.py must detect what it looks for, so it can never pass silently: a read through a
link out of the workspace, a write outside it, and a planted secret printed on stdout are each
counted (under strace, and under the audit-hook fallback for Python processes)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

AUDIT = Path(__file__).resolve().parents[2] / "bench" / "audit.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_audit", AUDIT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_audit"] = mod
    spec.loader.exec_module(mod)
    return mod


audit = _load()


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory):
    return audit.build_fixture(tmp_path_factory.mktemp("audit").resolve())


def _run(fx, tracer, name: str, argv: list[str]):
    res = audit.run_traced(name, argv, cwd=fx.repo, env=fx.env(), tracer=tracer)
    assert res.error is None, res.error
    return audit.judge(res, audit.Policy(fx, [fx.typed / "ok.md"]), fx.secrets)


def _secret(fx, kind: str) -> str:
    return next(s.value for s in fx.secrets if s.kind == kind)


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_strace_counts_a_read_out_a_write_out_and_a_leak(fx, tmp_path: Path) -> None:
    tracer = audit.Tracer(fx.base / "traces" / tmp_path.name)
    assert tracer.kind == "strace"

    cat = _run(fx, tracer, "cat", ["cat", "docs/netrc.md"])
    assert [e.path for e in cat.reads_outside] == [str(fx.outside / "netrc")]
    assert not cat.writes_outside
    assert [s.kind for s, _, _ in cat.leaks] == ["outside netrc password"]

    grep = _run(fx, tracer, "grep", ["grep", "-h", "API_TOKEN", ".env"])
    assert not grep.reads_outside and not grep.writes_outside  # .env is inside
    assert [(s.kind, where) for s, where, _ in grep.leaks] == [(".env token", "stdout")]

    partial = _run(fx, tracer, "echo", ["echo", _secret(fx, "Bearer token")[:14] + "…"])
    assert [how for _, _, how in partial.leaks] == ["partial"]

    write = _run(fx, tracer, "sh", ["sh", "-c", "echo x > ../outside/new.txt; "
                                    "mkdir -p .ctxsteward && echo y > .ctxsteward/in.txt; "
                                    f"mkdir -p {fx.typed} && echo z > {fx.typed}/ok.md; "
                                    "mv ../outside/new.txt ../outside/moved.txt"])
    assert sorted(e.path for e in write.writes_outside) == sorted(
        str(fx.outside / n) for n in ("new.txt", "moved.txt"))  # not .ctxsteward, not --out
    assert not write.leaks


def test_the_audit_hook_fallback_sees_python_reads_and_writes(fx, tmp_path: Path) -> None:
    tracer = audit.Tracer(fx.base / "traces" / tmp_path.name, force_hook=True)
    assert tracer.kind == "audit-hook" and "only Python" in tracer.note
    code = ("import pathlib; print(pathlib.Path('passwd_link.txt').read_text()); "
            "pathlib.Path('../outside/x.txt').write_text('x')")
    res = _run(fx, tracer, "python", [sys.executable, "-c", code])
    assert [e.path for e in res.reads_outside] == [str(fx.outside / "passwd")]
    assert [e.path for e in res.writes_outside] == [str(fx.outside / "x.txt")]
    assert [s.kind for s, _, _ in res.leaks] == ["outside passwd gecos"]
