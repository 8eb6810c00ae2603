"""``ctxsteward hooks install|uninstall|status --agent claude-code|cursor|copilot|codex
[--scope project|local|user] [--dry-run]``: our hooks in an agent's settings file.

``install`` and ``uninstall`` print the change as a unified diff and write the new file
atomically; ``install`` backs the old file up beside it (``NAME.ctxsteward-backup``, or the next
``.2``, ``.3`` when one is there: never overwritten); ``--dry-run`` prints the diff and writes
nothing. ``uninstall`` writes no backup; it removes the latest install's backup when the file is
its text again (else keeps it and says where, and names earlier ones), removes a file only when
the install made it and nothing else is in it, and the empty folders the install made (never any
other; those that stay stay recorded). What it could not remove (the system refused: a folder,
our record, the redundant backup) is named with what to do, and the exit status is 2.
``status`` says which hooks are installed where and when each last ran.
See ``server/hooks/install.py``.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from server.cli.main import UserError, add_root_option, dump, emit, root_from
from server.hooks.install_agents import AGENTS, DEFAULT_SCOPE, SCOPES

if TYPE_CHECKING:
    from server.hooks.install import Outcome, Plan


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "hooks", help="install, remove or show our hooks in an agent's settings",
        description="Install Context Steward's hooks into an agent's settings (Claude Code, "
                    "Cursor, GitHub Copilot, Codex), remove them, or show where they are and "
                    "when they last ran.")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="install|uninstall|status")
    defaults = ", ".join(f"{a}: {s}" for a, s in DEFAULT_SCOPE.items())
    for verb, text in (("install", "merge our hooks into the agent's settings file"),
                       ("uninstall", "remove exactly our hooks from the agent's settings file")):
        v = verbs.add_parser(verb, help=text, description=text[0].upper() + text[1:] + ": "
                             "prints the diff and writes the file atomically (install: the old "
                             "file backed up beside it, never over another backup; uninstall: "
                             "the install's backup goes when the file is its text again; a "
                             "file goes only when the install made it and nothing else is in "
                             "it; the folders the install made go when empty).")
        v.add_argument("--agent", required=True, type=_agent, choices=AGENTS,
                       help="which agent (claude for claude-code)")
        v.add_argument("--scope", choices=SCOPES,
                       help=f"which settings file (default {defaults}; user: the agent's "
                            "file in your home folder)")
        v.add_argument("--dry-run", action="store_true",
                       help="print the diff and write nothing")
        add_root_option(v)
        v.set_defaults(func=run_change)
    s = verbs.add_parser("status", help="which of our hooks are installed where, and when each "
                                        "last ran")
    s.add_argument("--agent", type=_agent, choices=AGENTS,
                   help="only this agent (default: all)")
    s.add_argument("--scope", choices=SCOPES, help="only this settings file (default: all)")
    s.add_argument("--json", action="store_true", help="machine-readable (ctxsteward schema "
                                                       "hooks-status)")
    add_root_option(s)
    s.set_defaults(func=run_status)


def _agent(name: str) -> str:
    """The agent ``name`` means (``claude`` is ``claude-code``: ``events.AGENT_ALIASES``); as
    given when none, which the choices then refuse, naming the agents."""
    from server.hooks.events import agent_named

    return agent_named(name) or name


def schemas() -> dict[str, type[BaseModel]]:
    from server.hooks.install_status import HooksStatus

    return {"hooks-status": HooksStatus}


def _absolute_home() -> None:
    """A relative ``HOME`` (``HOME=.``) made absolute before anything reads it: the folders an
    install records, and what an uninstall compares, are absolute paths."""
    home = os.environ.get("HOME")
    if home and not os.path.isabs(home):
        os.environ["HOME"] = os.path.abspath(home)


def run_change(args: argparse.Namespace) -> int:
    from server.hooks import install

    _absolute_home()
    root = root_from(args.root)
    scope = args.scope or DEFAULT_SCOPE[args.agent]
    if scope != "user" and args.verb == "install":
        _refuse_outside_a_repository(root, scope)
    try:
        with _lock(args, scope, root) as held:
            plan = (install.plan_install if args.verb == "install" else install.plan_uninstall)(
                args.agent, scope, root)
            _print_diff(plan, args.dry_run)
            # temporary files an interrupted run left (killed while writing): ours, and no other
            # run of ours is writing while we hold the lock
            swept = install.sweep_temps(plan) if held and not args.dry_run else []
            outcome = None if args.dry_run else _apply(plan)
    except install.InstallRefused as e:
        raise UserError(str(e)) from e
    done = "; ".join(plan.actions)
    if not plan.changed:
        kept = _backup_words(outcome, plan) if outcome is not None else ""
        emit(f"{plan.label}: nothing to change ({done}){kept}")
    elif outcome is None:
        emit(f"{plan.label}: would change ({done}); --dry-run: nothing written")
    else:
        gone = " (the file held nothing else: removed)" if plan.after is None else ""
        emit(f"{plan.label}: {done}{gone}{_backup_words(outcome, plan)}")
        if plan.before is None and scope == "local":
            emit(f"{plan.label} is yours alone: keep it out of git (add it to .gitignore)")
    if swept:
        emit("removed what an interrupted run left (temporary files of ours): "
             + ", ".join(_shown(p, plan) for p in swept))
    undone = _undone_words(outcome, plan) if outcome is not None else []
    if outcome is not None:
        for line in _folder_words(outcome, plan) + undone:
            emit(line)
    if outcome is not None and args.verb == "install":
        for line in _install_notes(plan, root, args.agent, scope):
            emit(line)
    if args.agent == "codex" and args.verb == "install":
        from server.hooks.codex_config import install_note

        emit(install_note(root, scope))
    if undone or (outcome is not None and outcome.folders.failed):
        # what it could not undo is named above: never reported as a success (the exit status
        # of every other hooks refusal)
        print(f"ctxsteward: {plan.label}: the {args.verb} is not complete: what it could not "
              "remove is named above; fix the permissions and run it again, or remove those by "
              "hand", file=sys.stderr)
        return 2
    return 0


def _print_diff(plan: Plan, dry_run: bool) -> None:
    """Print the plan's diff; a change the file refuses (read-only: mode 444, a read-only
    mount) is refused first, its diff never printed (``--dry-run``, which writes nothing, prints
    it)."""
    from server.hooks import install

    if plan.changed and not dry_run:
        install.refuse_read_only(plan)
    diff = plan.diff()
    if diff:
        sys.stdout.write(diff)


@contextmanager
def _lock(args: argparse.Namespace, scope: str, root: Path) -> Iterator[bool]:
    """One install or uninstall at a time in a home folder or workspace (none for --dry-run,
    which writes nothing): see :func:`server.hooks.install_folders.locked`. Gives whether the
lock is held."""
    from server.hooks import install, install_folders

    base = install_folders.base_of(scope, root, args.agent)
    if args.dry_run or not base.is_dir():  # (no such folder: the plan refuses, naming why)
        yield False
        return
    shown = (f"~/{install_folders.LOCK_NAME}" if scope == "user" and base == Path(
        os.path.expanduser("~")) else str(base / install_folders.LOCK_NAME) if scope == "user"
        else install_folders.LOCK_NAME)
    from server.hooks.install import spec_of

    try:  # (read-only there: in the agent's settings folders, or none, said on stderr)
        folder = spec_of(args.agent).scope_file(scope, root).parent
    except (ValueError, install.InstallRefused):
        folder = None
    try:
        with install_folders.locked(base, install_folders.lock_fallbacks(base, folder)
                                    if folder is not None else None) as note:
            yield note is None  # (held: True; none could be made, said on stderr: False)
    except install_folders.LockBusy as e:
        raise UserError(f"another hooks install or uninstall has held {shown} for over a "
                        "minute; wait for it, or remove that file if none is running; nothing "
                        "was written") from e
    except install_folders.LockNotOurs as e:
        where = Path(str(e))
        home = Path(os.path.expanduser("~"))
        named = (where.relative_to(base).as_posix() if scope != "user" and where.is_relative_to(
            base) else f"~/{where.relative_to(home).as_posix()}" if where.is_relative_to(home)
            else str(where))
        raise UserError(f"{named} is not a lock of ours (a symlink, or not a file): remove it "
                        "if no ctxsteward hooks run is going on; nothing was written") from e
    except OSError as e:
        if e.filename is None or Path(os.fsdecode(e.filename)).name != install_folders.LOCK_NAME:
            raise
        raise UserError(f"cannot make the lock {shown}: {e.strerror or e}; check the folder and "
                        "its permissions; nothing was written") from e


def _apply(plan: Plan) -> Outcome:
    from server.hooks import install

    try:
        return install.apply(plan)
    except OSError as e:  # the disk or a folder in the way: one clear line, never a traceback
        where = (_shown(Path(os.path.abspath(e.filename)), plan) if isinstance(e.filename, str)
                 else plan.label)
        if e.errno == errno.EBUSY:  # rename over a mount point: a file mounted on its own
            raise UserError(f"{plan.label}: {e.strerror or e} ({where}): it is mounted on its "
                            "own (a file mounted into a container?), so it cannot be replaced; "
                            "install where it is mounted from; nothing was written") from e
        raise UserError(f"{plan.label}: {e.strerror or e} ({where}); check the folder and its "
                        "permissions") from e


def _install_notes(plan: Plan, root: Path, agent: str, scope: str) -> list[str]:
    """After an install: the helper files of ours beside a settings file in the repository (not
    to be committed; .gitignore is the person's: never edited), and a warning when the agent's
    hooks are now installed in more than one scope (each runs once per scope)."""
    from server.hooks.install import InstallRefused, backups
    from server.hooks.install_folders import record_path
    from server.hooks.install_status import installed_scopes, several_scopes, status

    lines = []
    if scope != "user":
        helpers = [p for p in (*backups(plan.path), record_path(plan.path)) if p.exists()]
        if helpers:
            folder = _shown(plan.path.parent, plan)
            lines.append(
                f"helper files of ours beside it: {', '.join(_shown(p, plan) for p in helpers)} "
                f"(uninstall reads them; one may hold absolute paths of this machine): do not "
                f"commit them; add `{folder}/*.ctxsteward-*` to "
                f"{'your' if (root / '.gitignore').exists() else 'a'} .gitignore (ctxsteward "
                "never edits it)")
    if scope == "project":
        lines.extend(_machine_paths_note(plan))
    try:
        report = status(root, agent)
    except InstallRefused:
        return lines
    warning = several_scopes(agent, installed_scopes(report.agents[0])) if report.agents else ""
    return [*lines, warning] if warning else lines


def _machine_paths_note(plan: Plan) -> list[str]:
    """A project file is shared (committed), but the hook commands name this machine's program
    by its absolute path (they must work without our folder on ``PATH``): said, with what a
    teammate without it there sees, and the per-person file when the agent has one. A new
    user's review found ``/work/venv/bin/ctxsteward hook ...`` in .claude/settings.json with
    nothing said but "do not commit" the helper files."""
    from server.hooks.install import spec_of
    from server.hooks.install_agents import program_of

    programs = sorted({p for p in map(program_of, (plan.entries or {}).values()) if p})
    if not programs:
        return []
    spec = spec_of(plan.agent)
    own = [f"--scope local ({_shown(spec.scope_file('local', plan.base), plan)}, a file of "
           "your own)"] if "local" in spec.files and plan.base is not None else []
    own += ["--scope user (your own settings, for every project)"] if "user" in spec.files else []
    instead = f", else install with {' or '.join(own)} instead" if own else ""
    return [f"the hook commands name this machine's program ({', '.join(programs)}): anyone "
            f"without it at that path gets a failing hook on every event (it does not block "
            f"their agent); commit {plan.label} only if everyone has ctxsteward there{instead}"]


def _shown(path: Path, plan: Plan) -> str:
    """A path in a message: relative to the workspace for the project and local scopes (as the
    settings file is named), ``~/...`` for the user scope."""
    if plan.scope != "user" and plan.base is not None:
        for base in (plan.base, plan.base.resolve()):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
    home = Path(os.path.expanduser("~"))
    return f"~/{path.relative_to(home).as_posix()}" if path.is_relative_to(home) else str(path)


def _beside(backup: Path, plan: Plan, here: str = " beside it") -> str:
    """Where a backup is: beside the file (its name, then ``here``), or (a symlinked user file,
    as a dotfiles checkout has it) beside the file the link leads to, named in full."""
    if plan.logical is None or plan.logical == plan.path:
        return backup.name + here
    return f"{_shown(backup, plan)} (beside the file the link leads to)"


def _backup_words(outcome: Outcome, plan: Plan) -> str:
    """What became of the backup beside the file, for the line ``install``/``uninstall`` print."""
    words = ""
    if outcome.backup is not None:
        words = f"; backup {_beside(outcome.backup, plan)}"
    elif outcome.backup_removed is not None:
        gone = _beside(outcome.backup_removed, plan, here="")
        words = (f"; its backup {gone} held this same text (the file before the install): "
                 "removed")
    elif outcome.backup_kept is not None and outcome.backup_changed:
        words = (f"; its backup {_shown(outcome.backup_kept, plan)} is not a file we wrote (a "
                 "symlink, or unreadable): left as it is")
    elif outcome.backup_kept is not None:
        words = (f"; the file is not its backup's text (your edits since the install are kept, "
                 f"or the backup was changed), so the backup is kept: "
                 f"{_shown(outcome.backup_kept, plan)} (delete it when you no longer need it)")
    if outcome.backups_left:
        words += ("; earlier installs' backups are kept: "
                  + ", ".join(_shown(p, plan) for p in outcome.backups_left))
    return words


def _folder_words(outcome: Outcome, plan: Plan) -> list[str]:
    """The folders the install made that the uninstall removed, or left (not empty now, or the
    system refused)."""
    done = outcome.folders
    lines = [f"{_shown(p, plan)}: made by the install, empty: removed" for p in done.removed]
    lines += [f"{_shown(p, plan)}: made by the install, holds something now: left as it is "
              "(recorded: a later uninstall removes it once empty)" for p in done.kept]
    lines += [f"could not remove {_shown(p, plan)}: {why}; remove it by hand or fix the "
              "permissions and run uninstall again" for p, why in done.failed]
    return lines


def _undone_words(outcome: Outcome, plan: Plan) -> list[str]:
    """What the uninstall could not undo beside the file: a record of ours or the install's
    backup it could not remove, folders left that it could not record (no later uninstall
    would remove them)."""
    done = outcome.folders
    lines = [f"could not remove {_shown(r, plan)} (our record of the folders the install made): "
             f"{why}; it stays, and so does {_shown(r.parent, plan)}: fix the permissions and run "
             "uninstall again, or remove them by hand" for r, why in done.records_left]
    lines += [f"could not record the folders left ({', '.join(_shown(f, plan) for f in left)}) "
              f"in {_shown(r, plan)}: {why}; no later uninstall will remove them: remove them by "
              "hand once empty" for left, r, why in done.unrecorded]
    if outcome.backup_stuck is not None:
        backup, why = outcome.backup_stuck
        lines.append(f"could not remove {_shown(backup, plan)} (the install's backup, the same "
                     f"text as the file now): {why}; remove it by hand")
    return lines


def _refuse_outside_a_repository(root: Path, scope: str) -> None:
    """A project or local install writes into a repository: refused in a folder outside any
    (``--root`` naming it too: the hook finds its workspace by git, so outside a repository every
    event would do nothing, log nothing, and ``status`` would say "never ran" forever), and where
    the project's file would be the user's own."""
    from analyzers import gitrepo

    try:
        in_repo = gitrepo.toplevel(root) is not None
    except (OSError, RuntimeError, ValueError):
        in_repo = False
    home = Path(os.path.expanduser("~")).resolve()
    if root.resolve() == home:
        raise UserError(f"{root} is your home folder: a {scope} install here would write your "
                        "user settings file. cd into a repository, name one with --root DIR, "
                        "or use --scope user")
    if not in_repo:
        raise UserError(f"{root} is not in a git repository: the hooks find their workspace "
                        "by git, so here every event would do nothing (no map, no note, no "
                        "log); nothing was written. Run `git init` there first, cd into a "
                        "repository or name one with --root DIR, or use --scope user")


def run_status(args: argparse.Namespace) -> int:
    from server.hooks.install import InstallRefused
    from server.hooks.install_status import status, status_text

    _absolute_home()
    root = root_from(args.root)
    try:
        report = status(root, args.agent, args.scope)
    except InstallRefused as e:
        raise UserError(str(e)) from e
    emit(dump(report) if args.json else status_text(report))
    return 0
