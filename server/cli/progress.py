"""A progress bar on stderr for long CLI work (only on a terminal; silent in pipes and CI)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ProgressFn = Callable[[int, int, str], None]  # analyzers.indexing.index.Progress


@contextmanager
def progress_bar(label: str, *, enabled: bool | None = None) -> Iterator[ProgressFn]:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda done, total, message: None
        return
    # rich only when a bar is shown: its import is a good part of a warm run's start-up.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TextColumn("{task.fields[current]}", style="dim"),
        console=console, transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, current="")

        def update(done: int, total: int, message: str) -> None:
            bar.update(task, completed=done, total=total or None, current=message[-50:])

        yield update


def say_waiting(pid: int | None) -> None:
    """Say on stderr (once per build, from :mod:`analyzers.indexing.buildlock`) that another
    process's build of this workspace's index keeps this command waiting; stdout stays the
    command's own (``--json`` too)."""
    who = f" (pid {pid})" if pid is not None else ""
    sys.stderr.write(f"ctxsteward: waiting for another ctxsteward process indexing this "
                     f"workspace{who} ...\n")
    sys.stderr.flush()  # (a forked child writes it: see server.cli.background)
