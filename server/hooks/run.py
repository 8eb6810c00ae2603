"""``ctxsteward hook EVENT --agent AGENT``: one run of an agent's lifecycle hook.

Reads the agent's JSON on stdin, finds the workspace (the git work tree around
``CLAUDE_PROJECT_DIR``, the input's ``cwd``, Cursor's ``workspace_roots`` or the current folder;
none: nothing is done), runs the event's role (``roles.py``), prints the agent's documented
answer (``events.output``) and records the run (``state.py``). Whatever happens it exits 0 (an
agent reads 2, and some any other status, as an error or a refusal of the prompt) and prints
nothing an agent would show as an error: failures go to ``.ctxsteward/hooks/hook.log``. A
command line naming an agent or event we do not know is a mistake of the person who wrote it:
that one is said on stderr too (with the valid names), still with exit status 0.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO

from server.hooks.events import DEFAULT_AGENT, EVENTS, PROMPT, agent_named, agents_help, output
from server.hooks.options import OptionError, Options, event_and_agent, parse, parser
from server.hooks.payload import read_input, start_folder
from server.hooks.roles import ROLES, Run
from server.hooks.state import log, record_run


def workspace(start: Path) -> Path | None:
    """The git work tree holding ``start`` (None outside any repository, or when it cannot be
    read)."""
    from analyzers import gitrepo

    try:
        if not start.is_dir():
            return None
        return gitrepo.toplevel(start)
    except (OSError, RuntimeError, ValueError):
        return None


def process_age() -> float:
    """Seconds since this process started (the interpreter's start and imports: an agent's limit
    on a hook, Codex's 3 s, counts them too), from ``/proc``; 0 where it cannot be read."""
    import os

    try:
        stat = Path("/proc/self/stat").read_text("ascii")
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])  # field 22, starttime
        uptime = float(Path("/proc/uptime").read_text("ascii").split()[0])
        return min(max(uptime - ticks / os.sysconf("SC_CLK_TCK"), 0.0), 60.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def main(argv: list[str], stdin: IO[bytes] | None = None, stdout: IO[str] | None = None
         ) -> int:
    """Run the hook (see the module doc); always 0."""
    stdout = sys.stdout if stdout is None else stdout
    if "-h" in argv or "--help" in argv:
        stdout.write(parser().format_help())
        return 0
    started = time.monotonic() - process_age()
    try:
        options: Options | None = parse(argv)
        problem = ""
    except OptionError as e:
        options, problem = None, f"options refused: {e}"
    unknown = _unknown(options, argv)
    if unknown:
        _say(unknown)
    hook, unread = read_input(sys.stdin.buffer if stdin is None else stdin)
    root = workspace(start_folder(_agent(options, argv), hook))
    if root is None:  # no repository: nothing to do, and nowhere of ours to log it
        return 0
    if options is None:
        log(root, f"hook {' '.join(argv)[:200]!r}: {problem}")
        _record_refused(root, argv, problem, started)
        return 0
    role = EVENTS.get(options.agent, {}).get(options.event)
    if role is None:
        log(root, f"{options.agent!r} {options.event!r}: {unknown}")
        return 0
    if unread:  # an agent always sends its JSON: without it there is nothing to act on
        log(root, f"{options.agent} {options.event}: {unread}, nothing done")
        _emit(stdout, output(options.agent, options.event, ""))  # Cursor: the prompt goes on
        return 0
    run = Run(root, options.agent, options.event, role, hook, options, started=started)
    ok, context = _run_role(run)
    text = output(run.agent, run.event, context)
    _emit(stdout, text)
    ms = int((time.monotonic() - started) * 1000)
    try:
        why = [n for n in run.notes if n.startswith(("failed", "stopped"))] or run.notes
        record_run(root, run.agent, run.event, ok, ms, reason="; ".join(why))
    except Exception as e:  # noqa: BLE001 - the answer is out: a record lost is logged
        run.note(f"run not recorded: {type(e).__name__}: {e}")
    log(root, f"{run.agent} {run.event} {'ok' if ok else 'FAILED'} {ms} ms: "
              + "; ".join(run.notes))
    if ok and role == PROMPT and context:
        _refresh_later(root)
    return 0


def _record_refused(root: Path, argv: list[str], problem: str, started: float) -> None:
    """Record a run whose options were refused as a failed run of its agent and event, with
    why (``hooks status`` shows it: else it showed an older run that went well while every run
    since did nothing). Nothing when the agent or event is none of ours (said on stderr)."""
    named = _named(None, argv)
    agent = agent_named(named) if named else DEFAULT_AGENT
    event = event_and_agent(argv)[0]
    if agent is None or event not in EVENTS.get(agent, {}):
        return
    ms = int((time.monotonic() - started) * 1000)
    try:
        record_run(root, agent, event, False, ms, reason=problem)
    except Exception as e:  # noqa: BLE001 - a record lost is logged
        log(root, f"run not recorded: {type(e).__name__}: {e}")


def _agent(options: Options | None, argv: list[str]) -> str:
    """The agent whose rules find the workspace: the one named (even among options refused),
    else the default, whose rules put ``CLAUDE_PROJECT_DIR`` first (the log of a run that went
    wrong goes to the workspace the run was for, never into another repository)."""
    return agent_named(_named(options, argv)) or DEFAULT_AGENT


def _named(options: Options | None, argv: list[str]) -> str:
    """The agent named, as named (from ``argv`` when the options were refused)."""
    return options.agent if options else next(
        (v for k, v in zip(argv, argv[1:], strict=False) if k == "--agent"),
        next((a.split("=", 1)[1] for a in argv if a.startswith("--agent=")), ""))


def _unknown(options: Options | None, argv: list[str]) -> str:
    """What is wrong with the agent or event named ("" when both are ours), with the valid
    names: said on stderr and logged."""
    named = _named(options, argv)
    if (options is not None or named) and agent_named(named) is None:
        return f"unknown agent {named!r}: --agent must be one of {agents_help()}; nothing done"
    if options is not None and options.event not in EVENTS[options.agent]:
        return (f"unknown event {options.event!r} for {options.agent}: its events are "
                f"{', '.join(EVENTS[options.agent])}; nothing done")
    return ""


def _say(text: str) -> None:
    """``text`` on stderr, for the person who wrote the command line (exit status stays 0: the
    agent goes on; a closed stderr is not an error of ours)."""
    try:
        sys.stderr.write(f"ctxsteward hook: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _run_role(run: Run) -> tuple[bool, str]:
    """The role's context to add, and whether it ran without failing."""
    from analyzers.cancel import Cancelled

    try:
        return True, ROLES[run.role](run)
    except Cancelled as e:  # the one place a hook's Cancelled is converted: logged, no answer
        if run.if_stopped is not None:  # a bound of the role's own: its answer says why
            run.note(f"stopped ({e})")
            return True, run.if_stopped()
        run.note(f"stopped ({e}): nothing written, the note left as it was")
        return False, ""
    except (Exception, KeyboardInterrupt) as e:  # noqa: BLE001 - never an agent's error
        import traceback

        where = traceback.extract_tb(e.__traceback__)[-1:] if e.__traceback__ else []
        at = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
        run.note(f"failed: {type(e).__name__}: {e}{at}")
        return False, ""


def _emit(stdout: IO[str], text: str) -> None:
    """Print the answer and flush it (a closed pipe is not an error of ours)."""
    if not text:
        return
    try:
        stdout.write(text + "\n")
        stdout.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass


def _refresh_later(root: Path) -> None:
    """After the answer: keep the index fresh for the next prompts (in the background, at most
    once a minute)."""
    from server.hooks import indexer

    try:
        indexer.start(root, "refresh after a prompt")
    except Exception as e:  # noqa: BLE001 - a refresh not started is only logged
        log(root, f"background refresh not started: {type(e).__name__}: {e}")
