"""write_atomic on real files, links and devices."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from analyzers.fsutil import read_only, write_atomic


def test_replaces_a_regular_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(target, "new text")
    assert target.read_text() == "new text"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.md"]  # no temporary left behind


def test_creates_missing_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "note.md"
    write_atomic(target, "x")
    assert target.read_text() == "x"


def test_a_device_is_written_to_not_replaced() -> None:
    before = os.stat("/dev/null")
    write_atomic(Path("/dev/null"), "discarded")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_symlink_survives_and_its_target_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    with pytest.raises(PermissionError, match="symlink"):  # never through a link by default
        write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "old"
    write_atomic(link, "new", follow_symlinks=True)  # a path the user typed, checked before
    assert link.is_symlink() and real.read_text() == "new"


def test_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    target = tmp_path / "new.md"
    write_atomic(target, "x")
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask  # not mkstemp's 0600


@pytest.mark.parametrize(("mode", "said"), [
    (0o444, "is read-only (permissions r--r--r--, mode 0444)"),
    # readable by its group only: this said "mode 40", a number rather than permissions
    (0o040, "is read-only (permissions ---r-----, mode 0040)"),
    (0o500, "is read-only (permissions r-x------, mode 0500)"),
])
def test_a_read_only_file_s_permissions_read_as_people_read_them(tmp_path: Path, mode: int,
                                                                 said: str) -> None:
    f = tmp_path / "note.md"
    f.write_text("mine\n")
    f.chmod(mode)
    try:
        assert read_only(f) == (said, True)
    finally:
        f.chmod(0o644)
    assert read_only(f) is None
