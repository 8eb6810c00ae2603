"""Shared fixtures: real git repositories and plain folders built in ``tmp_path``.

The helpers live in :mod:`gitutil` (importable as ``from gitutil import ...``); the fixtures below
hand out the same functions so tests can take them as arguments.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import gitutil  # noqa: E402


@pytest.fixture
def git() -> Callable[..., str]:
    """``git(*args, cwd=path)`` -> stdout; fails the test on a non-zero exit status."""
    return gitutil.git


@pytest.fixture
def make_repo() -> Callable[..., Path]:
    """``make_repo(root, files, commits=[...])`` -> root of a real git repository."""
    return gitutil.make_repo


@pytest.fixture
def commit() -> Callable[..., str]:
    """``commit(root, message, changes)`` -> sha of a new commit (``None`` content deletes)."""
    return gitutil.commit


@pytest.fixture
def make_folder() -> Callable[..., Path]:
    """``make_folder(root, files)`` -> a plain folder without git."""
    return gitutil.make_folder


@pytest.fixture
def snapshot() -> Callable[..., dict[str, str]]:
    """``snapshot(root)`` -> digest of every file outside ``.git/`` and ``.ctxsteward/``."""
    return gitutil.snapshot


@pytest.fixture
def run_cli() -> Callable[..., object]:
    """``run_cli(*args, cwd=path)`` -> CompletedProcess of the real ``ctxsteward`` command."""
    return gitutil.run_cli
