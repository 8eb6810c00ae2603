"""Fixtures shared by the security tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest


@pytest.fixture
def log(tmp_path: Path) -> Iterator[TextIO]:
    """A real file for a server's stderr (the MCP client writes it there)."""
    with (tmp_path / "server.log").open("w+") as f:
        yield f
