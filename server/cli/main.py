"""``ctxsteward``: the command-line edge. Parses arguments, calls ``analyzers``, prints results.

Each subcommand lives in its own module under :mod:`server.cli.commands` and exposes
``register(subparsers)`` (and optionally ``schemas()``); this module finds them, parses argv and
turns errors into one clear message with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from analyzers import __version__
from analyzers.app.errors import RequestError
from analyzers.cancel import Cancelled

if TYPE_CHECKING:  # pydantic and the settings load with the command that needs them
    from pydantic import BaseModel

    from analyzers.app.paths import Secrets
    from analyzers.app.workspace import Workspace
    from analyzers.config import Settings


# The command line's words for the request fields (analyzers.app.errors.F): an error from the
# core names ``--seed PATH`` here, ``seeds`` over MCP, ``"uri"`` in the editor.
CLI_WORDS: dict[str, str] = {
    "seed": "--seed PATH", "task": "--task TEXT", "budget": "--budget", "limit": "--limit",
    "pin": "--pin PATH", "exclude": "--exclude-glob", "save": "--save NAME",
    "verify": "--verify NAME", "base": "--base", "paths": "PATH", "name": "--save NAME",
    "root": "--root", "format": "--format", "rank_only": "--budget 0 ranks only",
    "depth": "--depth", "top": "--top", "drift_threshold": "--drift-threshold",
    "import_depth": "--import-depth", "test_timeout": "--test-timeout", "out": "--out",
    "decisions_share": "--decisions-share", "max_file_size": "--max-file-size",
}


class UserError(Exception):
    """A problem with the user's input: printed as one clear message, exit status 2."""


def settings_from(args: argparse.Namespace) -> Settings:
    from analyzers.config import Settings, error_message

    values: dict[str, object] = {}
    for name in ("encoding", "profile", "context_window", "max_file_size"):
        v = getattr(args, name, None)
        if v is not None:
            values[name] = v
    if getattr(args, "exclude", None):
        values["exclude"] = args.exclude
    if not values:
        return Settings()  # the defaults: nothing to validate (pydantic is not even imported)
    from pydantic import ValidationError

    try:
        return Settings.model_validate(values)
    except ValidationError as e:
        err = e.errors()[0]  # (a validator's own message says it all)
        field = str(err["loc"][0]) if err.get("loc") else ""
        option = f"--{field.replace('_', '-')}" if field in values else None
        raise UserError(error_message(err, option)) from e


def find_root(start: Path) -> Path:
    """The workspace for ``start``: its git work tree, else the folder itself (a file's folder);
    git's own folder or a bare repository is refused (the check the servers make too)."""
    from analyzers.indexing.walk import NotAWorkspace, workspace_root

    start = start.resolve()
    if not start.exists():
        raise UserError(f"{start} does not exist")
    try:
        return workspace_root(start)
    except NotAWorkspace as e:
        raise UserError(str(e)) from e


def checked_root(given: str, option: str = "--root") -> Path:
    """A folder the user named as the workspace (``--root``, ``ROOT``), resolved; anything else
    (missing, a file, a device) is a :class:`UserError` naming the option and the path."""
    path = Path(given).expanduser()
    try:
        full = path.resolve()
        is_dir, exists = full.is_dir(), full.exists()
    except (OSError, RuntimeError) as e:  # a symlink loop, an unreadable parent
        raise UserError(f"{option} {given}: {e}") from e
    if not exists:
        raise UserError(f"{full} does not exist")
    if not is_dir:
        kind = "a file" if full.is_file() else "not a folder"
        raise UserError(f"{option} must be a folder: {given} is {kind}")
    from analyzers.indexing.walk import NotAWorkspace, refuse_git_internals

    try:
        refuse_git_internals(full)
    except NotAWorkspace as e:
        raise UserError(str(e)) from e
    return full


def given_root(given: str | None, option: str = "--root") -> Path:
    """The workspace: the folder given, as it is (a subfolder of a repository included), or the
    git work tree around the current folder."""
    return checked_root(given, option) if given else find_root(Path.cwd())


def root_from(given: str | None, option: str = "--root") -> Path:
    """The workspace: the git work tree around ``given`` (a checked folder) or the current one.
    A ``given`` folder inside a work tree is said to stand for the whole tree (review: ``--root
    click/src --seed click/core.py`` from elsewhere found no such file, and said nothing)."""
    if not given:
        return find_root(Path.cwd())
    folder = checked_root(given, option)
    root = find_root(folder)
    if root != folder.resolve():
        from analyzers.printable import printable

        sys.stderr.write(f"note: {option} {printable(given)} is inside the git work tree "
                         f"{printable(str(root))}: that is the workspace, and paths are read "
                         "from it (or from the current folder, when inside it)\n")
    return root


def workspace_from(args: argparse.Namespace, settings: Settings | None = None) -> Workspace:
    """The workspace a command works in: the git work tree around ``--root``, or around the
    current folder."""
    from analyzers.app.workspace import Workspace

    return Workspace(root_from(getattr(args, "root", None)), settings)


def path_base(root: Path) -> Path:
    """Where a relative PATH argument is read from: the current folder when it is inside the
    workspace (``src/a.py`` typed from ``src/``'s parent, ``a.py`` from ``src/``), else the
    workspace's root (``cd /tmp && ctxsteward bundle --root ~/shop --seed src/a.py``)."""
    cwd = Path.cwd().resolve()
    return cwd if cwd == root or root in cwd.parents else root


def workspace_paths(ws: Workspace, paths: Sequence[str], secrets: Secrets) -> list[str]:
    """PATH arguments (relative to :func:`path_base`) as root-relative paths, under the one
    path-safety rule (``secrets``: what a secret in the file refuses)."""
    base = path_base(ws.root)
    return [ws.path(p, what="path", base=base, secrets=secrets) for p in paths]


def out_path(root: Path, out: str) -> tuple[Path, str]:
    """Where ``--out`` writes, and a note for the message ("" inside the workspace). Refused
    (exit 2): a path in the workspace that is a symlink or goes through one, or whose real
    location is outside it; a read-only file (:func:`analyzers.fsutil.read_only_refusal`). A
    path outside the workspace as typed is the user's choice."""
    from analyzers.confine import check_write, lexically_inside
    from analyzers.fsutil import read_only_refusal

    path = check_write(root, Path(os.path.abspath(os.path.expanduser(out))), typed=True)
    inside = lexically_inside(root, path)
    if not inside and not path.parent.is_dir():  # a typo must not make a tree of folders
        raise UserError(f"--out {out}: the folder {path.parent} does not exist; create it "
                        "first, or write inside the workspace")
    refused = read_only_refusal(path, out)  # kept as its owner froze it (root too)
    if refused is not None:
        raise UserError(refused)
    return path, "" if inside else " (outside the workspace, as you asked with --out)"


def emit(text: str, out: str | None = None, root: Path | None = None) -> None:
    """Print ``text``, or write it atomically to ``out`` (checked by :func:`out_path` against
    ``root`` when given)."""
    if out:
        from analyzers.fsutil import write_atomic

        path = out_path(root, out)[0] if root is not None else Path(out)
        try:
            write_atomic(path, text if text.endswith("\n") else text + "\n",
                         follow_symlinks=True)
        except OSError as e:  # the user's path: where it cannot be written is their input
            raise UserError(f"cannot write {out}: {e.strerror or e}") from e
    else:
        if _STDOUT_CLOSED:  # (a bundle written to the null device is lost, said as done)
            raise UserError("standard output is closed (>&-): nothing was written; "
                            "give --out FILE to write it to a file")
        if sys.stdout.isatty():  # a person reads it: file content must not drive the terminal
            from analyzers.printable import printable_lines

            text = printable_lines(text)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def dump(model: BaseModel) -> str:
    text = model.model_dump_json(indent=2)
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    if encoding != "utf8" and not text.isascii():
        # \u escapes keep the JSON valid where the terminal cannot show the characters.
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=True)
    return text


def whole_number_of(unit: str, example: str) -> Callable[[str], int]:
    """A converter for an option's whole number of ``unit`` whose refusal says what to give:
    "expected a whole number of tokens, such as 8000 (0 ranks only), got '8k'"."""
    def convert(text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of {unit}, such as {example}, got {text!r}") from None
    convert.__name__ = f"whole number of {unit}"
    return convert


def number(text: str) -> float:
    """An option's number, ``0.25`` or ``1`` (its range is the request's to check)."""
    try:
        return float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.25, got {text!r}") \
            from None


def add_settings_options(p: argparse.ArgumentParser, exclude_help: str | None = None) -> None:
    """The settings every command shares (``exclude_help``: what ``--exclude`` does there, when
    it is not keeping files out of the index)."""
    from analyzers.config import PROFILES

    p.add_argument("--encoding", help="tokenizer encoding (default cl100k_base, offline)")
    p.add_argument("--profile", metavar="PROFILE",
                   help=f"model profile, one of: {', '.join(sorted(PROFILES))} (default generic)")
    p.add_argument("--context-window", type=whole_number_of("tokens", "200000"),
                   metavar="TOKENS",
                   help="context window size in tokens (default: the profile's)")
    p.add_argument("--max-file-size", type=whole_number_of("bytes", "1048576 (the default)"),
                   metavar="BYTES",
                   help="skip files larger than this (bytes)")
    p.add_argument("--exclude", action="append", metavar="GLOB",
                   help=exclude_help or "leave files matching this gitignore-style glob out of "
                                        "the index (repeatable)")


def add_root_option(p: argparse.ArgumentParser) -> None:
    """``--root DIR``, which every command working on a workspace takes."""
    p.add_argument("--root", metavar="DIR",
                   help="repository folder (default: the git work tree around the current "
                        "folder)")


def command_modules() -> list[ModuleType]:
    import pkgutil

    from server.cli import commands

    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    return [importlib.import_module(f"{commands.__name__}.{n}") for n in names
            if not n.startswith("_")]


def _command_module(argv: Sequence[str]) -> ModuleType | None:
    """The module of the subcommand ``argv`` names (each lives in the module of its own name), or
    None when there is none or it is unknown: then every module registers (help, error lists)."""
    name = next((a for a in argv if not a.startswith("-") or a in ("-h", "--help")), None)
    if not name or not name.isidentifier() or name.startswith("_"):
        return None
    qualified = f"{__package__}.commands.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as e:
        if e.name != qualified:
            raise
        return None


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser. Given the arguments, it registers only the subcommand they name (a
    warm ``bundle`` call need not import every other command), else all of them."""
    ap = argparse.ArgumentParser(
        prog="ctxsteward",
        description="Context Steward: the right context for AI coding agents.",
    )
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    only = _command_module(argv) if argv is not None else None
    for module in [only] if only is not None else command_modules():
        module.register(sub)
    if only is not None and set(sub.choices) != {only.__name__.rpartition(".")[2]}:
        return parser()  # the module registers other names: fall back to every command
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    _standard_streams()
    if list(argv) == ["--version"]:
        # The editor's probe of a server command: answered without registering every command
        # (~0.15 s of the extension's start), but after importing the compiled libraries, so a
        # broken install still fails here ("No module named ...") and not later in the server.
        import pydantic_core  # noqa: F401
        import tiktoken  # noqa: F401
        import tree_sitter  # noqa: F401

        try:
            sys.stdout.write(f"ctxsteward {__version__}\n")
            sys.stdout.flush()
        except OSError as e:  # (a full disk, a closed pipe: said, never a traceback)
            sys.stderr.write(f"ctxsteward: {e}\n")
            return 1
        return 0
    from analyzers.tokens import EncodingUnavailable

    for stream in (sys.stdout, sys.stderr):
        # A path a terminal's encoding cannot show is escaped, not a UnicodeEncodeError.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass
    args = parser(argv).parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        if _STDOUT_CLOSED and args.command in _PRINTS and not getattr(args, "out", None):
            # (before any work: its result would go nowhere, and the command say it was done)
            out = " give --out FILE, or" if args.command in ("bundle", "check", "handoff") else ""
            raise UserError(f"standard output is closed (>&-): {args.command} prints its "
                            f"result there;{out} leave it open")
        return func(args)
    except RequestError as e:  # the one place a request's error is worded for the command line
        sys.stderr.write(f"ctxsteward: {e.worded(CLI_WORDS)}\n")
        return 2
    except (UserError, EncodingUnavailable, NotADirectoryError, FileNotFoundError,
            PermissionError) as e:
        sys.stderr.write(f"ctxsteward: {e}\n")
        return 2
    except Cancelled as e:
        sys.stderr.write(f"ctxsteward: stopped ({e})\n")
        return 130
    except RuntimeError as e:  # pathlib's resolve() on a symlink loop (Python < 3.13)
        if not str(e).startswith("Symlink loop"):
            raise
        sys.stderr.write(f"ctxsteward: {e}: the path is a symlink that never resolves\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("ctxsteward: interrupted\n")
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:  # the disk, not the input: still one clear line, never a traceback
        sys.stderr.write(f"ctxsteward: {e}\n")
        return 1
    except sqlite3.Error as e:  # e.g. the cache stayed locked by another process
        sys.stderr.write(f"ctxsteward: the cache could not be used ({e})\n")
        return 1


_STDOUT_CLOSED = False  # started with standard output closed: :func:`emit` refuses to print
# The commands whose result is printed (refused at once when standard output is closed).
_PRINTS = frozenset({"bundle", "check", "handoff", "index", "budget", "schema"})


def _standard_streams() -> None:
    """Started with standard input, output or error closed (``>&-``): each is opened on the null
    device, so what the command says there goes nowhere, and no file it opens later takes the
    stream's number (a child's output would be written into it)."""
    global _STDOUT_CLOSED
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            if os.open(os.devnull, os.O_RDWR) != fd:  # (the lowest free number: this one)
                continue
            _STDOUT_CLOSED = _STDOUT_CLOSED or fd == 1
            if getattr(sys, name) is None:
                setattr(sys, name, open(fd, mode, closefd=False))  # noqa: SIM115 - for the process


def run() -> None:
    """The ``ctxsteward`` command: :func:`main`, then the process ends at once.

    A one-shot command's work is done and said when :func:`main` returns (files written
    atomically, child processes ended, the index's transactions committed), so the interpreter's
    teardown (freeing every object of the ranking graph and the index one by one: 40-80 ms of a
    warm ``bundle`` on saleor) is skipped: the streams are flushed and the process exits. Not
    while another thread or a multiprocessing child still runs (a server's worker finishing a
    write): then Python exits as usual, waiting for them. An exception ends the process as
    Python does (its traceback printed)."""
    code = main()
    if not _alone():
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said there
            pass
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.shutdown()  # (the exit handler importing logging registers: its handlers flushed)
    os._exit(code)


def _alone() -> bool:
    """Whether nothing but this thread runs in the process: no other live thread (a daemon
    one's work is abandoned at exit anyway) and no multiprocessing child."""
    threading = sys.modules.get("threading")
    if threading is not None and any(t is not threading.current_thread() and t.is_alive()
                                     and not t.daemon for t in threading.enumerate()):
        return False
    mp = sys.modules.get("multiprocessing")
    return mp is None or not mp.active_children()


if __name__ == "__main__":
    run()
