"""The hook's command line, parsed without ever exiting: a bad option is logged, not shown.

``ctxsteward hook EVENT [--agent AGENT] [--budget TOKENS] [--bodies] [--no-decisions]
[--min-words N] [--skip REGEX] [--limit N] [--handoff-budget TOKENS] [--note FILE]
[--timeout SECONDS]``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from analyzers.app.requests import (
    DEFAULT_MAP_BUDGET,
    DEFAULT_MAP_LIMIT,
    MAX_MAP_BUDGET,
    MIN_MAP_BUDGET,
)
from server.hooks.events import DEFAULT_AGENT, agent_named, agents_help

DEFAULT_HANDOFF_BUDGET = 1_500  # tokens of the note carried into a new session
DEFAULT_TIMEOUT = 20.0  # seconds the note's refresh may take (Copilot stops hooks at 30)
DEFAULT_MIN_WORDS = 2


class OptionError(ValueError):
    """An option the hook cannot use (logged; the hook then does nothing)."""


@dataclass
class Options:
    """The hook's options (see the module doc and docs/hooks.md)."""

    event: str = ""
    agent: str = DEFAULT_AGENT
    budget: int = DEFAULT_MAP_BUDGET
    bodies: bool = False
    decisions: bool = True
    min_words: int = DEFAULT_MIN_WORDS
    skip: str | None = None
    limit: int = DEFAULT_MAP_LIMIT
    handoff_budget: int = DEFAULT_HANDOFF_BUDGET
    note: str | None = None
    timeout: float = DEFAULT_TIMEOUT


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """Raise instead of printing a usage error and exiting."""
        raise OptionError(message)


def parser() -> argparse.ArgumentParser:
    """The hook's argument parser (its errors raise :class:`OptionError`)."""
    p = _Parser(prog="ctxsteward hook", exit_on_error=False,
                description="Run as an agent's lifecycle hook: read its JSON on stdin, answer "
                            "in its documented shape (see docs/hooks.md). Exits 0 always.")
    p.add_argument("event", nargs="?", default="", metavar="EVENT",
                   help="the event as the agent names it (UserPromptSubmit, sessionStart, ...)")
    p.add_argument("--agent", default=DEFAULT_AGENT, metavar="AGENT",
                   help=f"one of {agents_help()} (default {DEFAULT_AGENT})")
    p.add_argument("--budget", type=int, default=DEFAULT_MAP_BUDGET, metavar="TOKENS",
                   help=f"the context map's tokens (default {DEFAULT_MAP_BUDGET:,}, "
                        f"{MIN_MAP_BUDGET}-{MAX_MAP_BUDGET:,})")
    p.add_argument("--bodies", action="store_true",
                   help="add the best file's relevant definitions in full to the map")
    p.add_argument("--no-decisions", dest="decisions", action="store_false",
                   help="leave out each file's recent decision (its newest recent commit)")
    p.add_argument("--min-words", type=int, default=DEFAULT_MIN_WORDS, metavar="N",
                   help="route a prompt only with at least N searchable words besides "
                        f"'yes', 'ok', 'continue'... (default {DEFAULT_MIN_WORDS}; 0 routes all)")
    p.add_argument("--skip", metavar="REGEX",
                   help="never route a prompt this regular expression finds (case-insensitive)")
    p.add_argument("--limit", type=int, default=DEFAULT_MAP_LIMIT, metavar="N",
                   help=f"files in the map, at most (default {DEFAULT_MAP_LIMIT})")
    p.add_argument("--handoff-budget", type=int, default=DEFAULT_HANDOFF_BUDGET,
                   metavar="TOKENS", help="tokens of the handoff note carried into a session "
                                          f"(default {DEFAULT_HANDOFF_BUDGET:,})")
    p.add_argument("--note", metavar="FILE",
                   help="the handoff note, relative to the workspace (default HANDOFF.md)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="refreshing the note stops after this long, leaving it as it was "
                        f"(default {DEFAULT_TIMEOUT:g})")
    return p


def event_and_agent(argv: list[str]) -> tuple[str, str]:
    """The event and agent ``argv`` names ("" when no event; the default agent when none), read
    as the hook reads them but with no option's value checked: ``hook UserPromptSubmit --budget
    abc`` still names its event (the hook refuses it, records the run as failed and ``hooks
    status`` says why, so the line is still one that runs it). When even that cannot be read
    (``--budget`` last, with no value): the first word that is no option nor an option's value,
    and the last ``--agent``."""
    p = parser()
    for action in p._actions:
        action.type = None  # every value taken as it is written
    try:
        ns, _ = p.parse_known_args(argv)
        return str(ns.event), str(ns.agent)
    except (OptionError, argparse.ArgumentError):
        pass
    takes_value = {flag for action in p._actions if action.nargs != 0
                   for flag in action.option_strings}
    event, agent = "", DEFAULT_AGENT
    words = iter(argv)
    for word in words:
        if word.startswith("--agent="):
            agent = word.split("=", 1)[1]
        elif word in takes_value:
            value = next(words, "")
            agent = value if word == "--agent" else agent
        elif not word.startswith("-") and not event:
            event = word
    return event, agent


def parse(argv: list[str]) -> Options:
    """The options in ``argv``, checked; :class:`OptionError` when one cannot be used."""
    try:
        ns = parser().parse_args(argv)
    except argparse.ArgumentError as e:
        raise OptionError(str(e)) from e
    opts = Options(**vars(ns))
    opts.agent = agent_named(opts.agent) or opts.agent  # (an unknown one: run.py says so)
    if not MIN_MAP_BUDGET <= opts.budget <= MAX_MAP_BUDGET:
        raise OptionError(f"--budget must be {MIN_MAP_BUDGET}-{MAX_MAP_BUDGET}")
    if opts.min_words < 0 or opts.limit < 1 or opts.handoff_budget < 100 or \
            not opts.timeout > 0:
        raise OptionError("--min-words >= 0, --limit >= 1, --handoff-budget >= 100 and "
                          "--timeout > 0, please")
    if opts.skip is not None:
        import re

        try:
            re.compile(opts.skip)
        except re.error as e:
            raise OptionError(f"--skip is not a regular expression: {e}") from e
    return opts
