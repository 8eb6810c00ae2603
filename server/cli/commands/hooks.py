"""``ctxsteward hooks install|uninstall|status --agent claude-code|cursor|copilot|codex
[--scope project|local|user] [--dry-run]``: our hooks in an agent's settings file.

``install`` and ``uninstall`` print the change as a unified diff, back the old file up beside
it (``NAME.ctxsteward-backup``) and write the new one atomically; ``--dry-run`` prints the diff
and writes nothing. ``status`` says which hooks are installed where and when each last ran.
See ``server/hooks/install.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import BaseModel

from server.cli.main import UserError, add_root_option, dump, emit, root_from
from server.hooks.install_agents import AGENTS, DEFAULT_SCOPE, SCOPES


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
                             "prints the diff, keeps a backup beside the file and writes it "
                             "atomically.")
        v.add_argument("--agent", required=True, choices=AGENTS, help="which agent")
        v.add_argument("--scope", choices=SCOPES,
                       help=f"which settings file (default {defaults}; user: the agent's "
                            "file in your home folder)")
        v.add_argument("--dry-run", action="store_true",
                       help="print the diff and write nothing")
        add_root_option(v)
        v.set_defaults(func=run_change)
    s = verbs.add_parser("status", help="which of our hooks are installed where, and when each "
                                        "last ran")
    s.add_argument("--agent", choices=AGENTS, help="only this agent (default: all)")
    s.add_argument("--scope", choices=SCOPES, help="only this settings file (default: all)")
    s.add_argument("--json", action="store_true", help="machine-readable (ctxsteward schema "
                                                       "hooks-status)")
    add_root_option(s)
    s.set_defaults(func=run_status)


def schemas() -> dict[str, type[BaseModel]]:
    from server.hooks.install_status import HooksStatus

    return {"hooks-status": HooksStatus}


def run_change(args: argparse.Namespace) -> int:
    from server.hooks import install

    root = root_from(args.root)
    scope = args.scope or DEFAULT_SCOPE[args.agent]
    if scope != "user" and args.verb == "install":
        _refuse_outside_a_repository(root, scope, given=args.root is not None)
    try:
        plan = (install.plan_install if args.verb == "install" else install.plan_uninstall)(
            args.agent, scope, root)
        diff = plan.diff()
        if diff:
            sys.stdout.write(diff)
        backup = None if args.dry_run else install.apply(plan)
    except install.InstallRefused as e:
        raise UserError(str(e)) from e
    done = "; ".join(plan.actions)
    if not plan.changed:
        emit(f"{plan.label}: nothing to change ({done})")
    elif args.dry_run:
        emit(f"{plan.label}: would change ({done}); --dry-run: nothing written")
    else:
        kept = f"; backup {backup.name} beside it" if backup is not None else ""
        gone = " (the file held nothing else: removed)" if plan.after is None else ""
        emit(f"{plan.label}: {done}{gone}{kept}")
        if plan.before is None and scope == "local":
            emit(f"{plan.label} is yours alone: keep it out of git (add it to .gitignore)")
    if args.agent == "codex" and args.verb == "install":
        from server.hooks.codex_config import install_note

        emit(install_note(root, scope))
    return 0


def _refuse_outside_a_repository(root: Path, scope: str, *, given: bool) -> None:
    """A project or local install writes into a repository: refused in a folder outside any
    (unless ``--root`` names it), and where the project's file would be the user's own."""
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
    if not in_repo and not given:
        raise UserError(f"{root} is not in a git repository: the {scope} scope writes into a "
                        "repository's settings. cd into a repository, name the folder with "
                        "--root DIR, or use --scope user")


def run_status(args: argparse.Namespace) -> int:
    from server.hooks.install import InstallRefused
    from server.hooks.install_status import status, status_text

    root = root_from(args.root)
    try:
        report = status(root, args.agent, args.scope)
    except InstallRefused as e:
        raise UserError(str(e)) from e
    emit(dump(report) if args.json else status_text(report))
    return 0
