"""``--large-commit-limit N``, shared by the commands that read co-change from the history.

Commits touching more than N files (reformats, vendoring, mass renames) stay in the history but
are ignored for co-change. The option is validated by argparse: a bad value exits with status 2
and says what is expected.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzers.config import Settings

DEFAULT = 30  # analyzers.config.Settings.large_commit_limit


def commit_limit(text: str) -> int:
    """A whole number of files, at least 1."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of files (at least 1), got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 1 file, got {value} (commits touching more files than this are "
            "ignored for co-change)")
    return value


def add_large_commit_limit(p: argparse.ArgumentParser) -> None:
    p.add_argument("--large-commit-limit", type=commit_limit, metavar="N",
                   help=f"ignore commits touching more than N files for co-change (default "
                        f"{DEFAULT}); they still count as history")


def with_large_commit_limit(settings: Settings, args: argparse.Namespace) -> Settings:
    """``settings`` with the limit given on the command line, if any (validated again)."""
    value = getattr(args, "large_commit_limit", None)
    if value is None:
        return settings
    return type(settings).model_validate({**settings.model_dump(), "large_commit_limit": value})
