"""What each agent reads: its hook settings files per scope, the events we install, the shape of
one hook entry, and how our entries are recognised in a file.

Pinned from each agent's published reference (the contract tests in
``tests/test_hooks_install_contract.py`` hold the documented examples):

* Claude Code — https://docs.claude.com/en/docs/claude-code/hooks: ``.claude/settings.json``
  (project), ``.claude/settings.local.json`` (local), ``~/.claude/settings.json`` (user);
  ``{"hooks": {EVENT: [{"matcher": ..., "hooks": [{"type": "command", "command": ...,
  "timeout": SECONDS}]}]}}``; strict JSON (a comment makes Claude Code reject the file).
* Cursor — https://cursor.com/docs/agent/hooks: ``.cursor/hooks.json`` (project) and
  ``~/.cursor/hooks.json`` (user); ``{"version": 1, "hooks": {EVENT: [{"command": ...,
  "timeout": SECONDS}]}}``. The reference does not say whether comments are allowed: a file
  that has them keeps them.
* GitHub Copilot CLI and cloud agent — https://docs.github.com/en/copilot/reference/hooks-reference:
  every ``.github/hooks/*.json`` (project) and ``~/.copilot/hooks/*.json`` (user,
  ``$COPILOT_HOME/hooks`` when set); ``{"version": 1, "hooks": {EVENT: [{"type": "command",
  "bash": ..., "timeoutSec": SECONDS}]}}``. We keep ours in a file of our own,
  ``ctxsteward.json``.
* Codex (OpenAI's Codex CLI) — https://developers.openai.com/codex/hooks (now at
  https://learn.chatgpt.com/docs/hooks; read 2026-12 from stored copies of the page and of its
  ``.md`` version): ``<repo>/.codex/hooks.json`` (project; loaded only when Codex trusts the
  project) and ``~/.codex/hooks.json`` (user; ``$CODEX_HOME/hooks.json`` when set: "CODEX_HOME
  ... Sets the root for Codex state, including config", and "If you set it, the directory must
  already exist", https://developers.openai.com/codex/environment-variables). Hooks may also be
  inline ``[hooks]`` tables of ``config.toml``: we write ``hooks.json`` only and never edit a
  ``config.toml``. The same nesting as Claude Code: ``{"hooks": {EVENT: [{"matcher": ...,
  "hooks": [{"type": "command", "command": ..., "timeout": SECONDS}]}]}}`` ("``timeout`` is in
  seconds"; 600 when omitted, ``SessionEnd`` 1, at most 3). The page does not say whether
  comments are allowed: Codex's hooks.json is read as strict JSON here (the safe side: a file
  with comments is refused, and we write none). The page does not say what an older Codex does
  with an event it lacks (``SessionEnd`` came with openai/codex#33895, July 2026; ``PreCompact``
  is not on the page's spring 2026 versions): its source (``HookEventsToml`` in codex-rs/config,
  no ``deny_unknown_fields``) ignores unknown keys, so those entries wait unused.
  Hooks are on by default; ``[features] hooks = false`` (or the deprecated ``codex_hooks``)
  turns them off, and releases from before they were on by default needed ``[features]
  codex_hooks = true`` (:mod:`server.hooks.codex_config` reads that, never writes it).
  "Non-managed command hooks must be reviewed and trusted before they run": Codex asks (``/hooks``)
  for each new or changed hook, so a new executable path is asked about again.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AGENTS = ("claude-code", "cursor", "copilot", "codex")
SCOPES = ("project", "local", "user")


@dataclass(frozen=True)
class EventSpec:
    """One event we install: its name as the agent spells it, the matcher it needs (Claude Code
    and Codex only) and the timeout written with it, in seconds."""

    name: str
    timeout: int
    matcher: str | None = None


@dataclass(frozen=True)
class AgentSpec:
    """How one agent's hook settings look."""

    name: str
    title: str
    files: dict[str, Callable[[Path], Path]]  # scope -> the file, given the workspace root
    events: tuple[EventSpec, ...]
    jsonc: bool  # comments and trailing commas are the agent's to accept: keep them
    skeleton: str  # a new file before our entries
    command_fields: tuple[str, ...]  # where a handler keeps its command line
    nested: bool  # Claude Code, Codex: event -> [{matcher, hooks: [handler]}]; others: [handler]
    doc: str

    def handler(self, event: EventSpec, command: str) -> dict[str, Any]:
        """The hook entry we write for ``event`` (Claude Code, Codex: inside a matcher group)."""
        if self.name == "copilot":
            field = "powershell" if os.name == "nt" else "bash"
            return {"type": "command", field: command, "timeoutSec": event.timeout}
        if self.name == "cursor":
            return {"command": command, "timeout": event.timeout}
        return {"type": "command", "command": command, "timeout": event.timeout}

    def entry(self, event: EventSpec, command: str) -> dict[str, Any]:
        """What goes into the event's list: the handler, or (nested) a group holding it."""
        if not self.nested:
            return self.handler(event, command)
        group: dict[str, Any] = {}
        if event.matcher is not None:
            group["matcher"] = event.matcher
        group["hooks"] = [self.handler(event, command)]
        return group

    def scope_file(self, scope: str, root: Path) -> Path:
        """The settings file of ``scope`` (:class:`ValueError` naming the scopes it has)."""
        if scope not in self.files:
            have = ", ".join(self.files)
            raise ValueError(f"{self.title} has no {scope} scope; its scopes are: {have}")
        return self.files[scope](root)


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def _copilot_home() -> Path:
    given = os.environ.get("COPILOT_HOME", "").strip()
    return Path(given).expanduser() if given else _home() / ".copilot"


def codex_home() -> Path:
    """Codex's own folder: ``$CODEX_HOME`` when set (not blank), else ``~/.codex``."""
    given = os.environ.get("CODEX_HOME", "").strip()
    return Path(given).expanduser() if given else _home() / ".codex"


def agent_home(agent: str) -> Path | None:
    """The agent's own home when the person set it (``COPILOT_HOME``, ``CODEX_HOME``: not blank,
    not the default folder), else None."""
    name = {"copilot": "COPILOT_HOME", "codex": "CODEX_HOME"}.get(agent)
    if name is None or not os.environ.get(name, "").strip():
        return None
    home = _copilot_home() if agent == "copilot" else codex_home()
    default = _home() / (".copilot" if agent == "copilot" else ".codex")
    return None if os.path.abspath(home) == os.path.abspath(default) else home


def user_scope_problem(agent: str) -> str | None:
    """Why the agent's user file cannot be written as the agent would read it (None: it can).
    Any agent: ``HOME`` empty, unset or the root (``/``, ``//``: the file would go at the
    filesystem's root), or not an existing folder (the install would make it, and leave it).
    Codex, Copilot: a relative ``CODEX_HOME``/``COPILOT_HOME`` (it would depend on the folder).
    Codex: a ``CODEX_HOME`` that does not exist (Codex requires it to exist; we do not make it).
    Copilot: a ``COPILOT_HOME`` that does not exist (a mistyped one would be made, and left;
    ``~/.copilot`` itself is made when missing, as when it is unset)."""
    home_var = os.environ.get("HOME", "")
    if not home_var.strip() or Path(home_var).resolve() == Path("/").resolve():  # ("//" too)
        return ("HOME is empty or unset, or the root folder /: set it to your home folder; "
                "nothing was written")
    if not os.path.isdir(home_var):  # (blank, mistyped, gone: the install would make it)
        return (f"HOME ({home_var}) is not an existing folder: set it to your home folder; "
                "nothing was written")
    for name in ("CODEX_HOME", "COPILOT_HOME"):
        given = os.environ.get(name, "").strip()
        if agent == name[:-5].lower() and given and not os.path.isabs(os.path.expanduser(given)):
            return (f"{name} is {given}, a relative path: it would depend on the folder you run "
                    "in. Set it to an absolute path; nothing was written")
    if agent == "codex" and os.environ.get("CODEX_HOME", "").strip():
        home = codex_home()
        if not home.is_dir():
            return (f"CODEX_HOME is {home}, which is not a folder: Codex needs it to exist. "
                    "Create it, or unset CODEX_HOME for ~/.codex; nothing was written")
    if agent == "copilot" and os.environ.get("COPILOT_HOME", "").strip():
        home = _copilot_home()  # (set to the default folder: as if unset, made when missing)
        if not home.is_dir() and os.path.abspath(home) != os.path.abspath(_home() / ".copilot"):
            return (f"COPILOT_HOME is {home}, which is not a folder: we do not make it. "
                    "Create it, or unset COPILOT_HOME for ~/.copilot; nothing was written")
    return None


CLAUDE = AgentSpec(
    name="claude-code", title="Claude Code",
    files={"local": lambda r: r / ".claude" / "settings.local.json",
           "project": lambda r: r / ".claude" / "settings.json",
           "user": lambda r: _home() / ".claude" / "settings.json"},
    events=(EventSpec("UserPromptSubmit", 10),
            EventSpec("SessionStart", 15, matcher="startup|resume|clear|compact"),
            EventSpec("PreCompact", 60), EventSpec("SessionEnd", 60)),
    jsonc=False, skeleton="{\n}\n", command_fields=("command",), nested=True,
    doc="https://docs.claude.com/en/docs/claude-code/hooks")

CURSOR = AgentSpec(
    name="cursor", title="Cursor",
    files={"project": lambda r: r / ".cursor" / "hooks.json",
           "user": lambda r: _home() / ".cursor" / "hooks.json"},
    # Cursor's "timeout" is in seconds: https://cursor.com/docs/hooks, "Per-Script Configuration
    # Options": "timeout | number | platform default | Execution timeout in seconds" (read 2026-12).
    events=(EventSpec("beforeSubmitPrompt", 10), EventSpec("sessionStart", 15),
            EventSpec("preCompact", 60), EventSpec("sessionEnd", 60)),
    jsonc=True, skeleton='{\n  "version": 1\n}\n', command_fields=("command",), nested=False,
    doc="https://cursor.com/docs/agent/hooks")

COPILOT = AgentSpec(
    name="copilot", title="GitHub Copilot",
    files={"project": lambda r: r / ".github" / "hooks" / "ctxsteward.json",
           "user": lambda r: _copilot_home() / "hooks" / "ctxsteward.json"},
    events=(EventSpec("sessionStart", 15), EventSpec("userPromptSubmitted", 10),
            EventSpec("preCompact", 60), EventSpec("sessionEnd", 60)),
    jsonc=False, skeleton='{\n  "version": 1\n}\n',
    command_fields=("bash", "command", "powershell"), nested=False,
    doc="https://docs.github.com/en/copilot/reference/hooks-reference")

CODEX = AgentSpec(
    name="codex", title="Codex",
    files={"project": lambda r: r / ".codex" / "hooks.json",
           "user": lambda r: codex_home() / "hooks.json"},
    # SessionEnd: Codex gives it 1 s by default and 3 s at most, whatever is written here.
    events=(EventSpec("UserPromptSubmit", 10),
            EventSpec("SessionStart", 15, matcher="startup|resume|clear|compact"),
            EventSpec("PreCompact", 60), EventSpec("SessionEnd", 3)),
    jsonc=False, skeleton="{\n}\n", command_fields=("command",), nested=True,
    doc="https://developers.openai.com/codex/hooks")

SPECS = {s.name: s for s in (CLAUDE, CURSOR, COPILOT, CODEX)}
DEFAULT_SCOPE = {"claude-code": "local", "cursor": "project", "copilot": "project",
                 "codex": "project"}

# Rules that tell a command line that runs our hook (``server.hooks.install`` says which counts
# as ours where). :func:`recognise`: exactly what an install writes, ``<absolute path of
# ctxsteward> hook EVENT --agent AGENT`` (or ``<absolute python> -I -m server.cli hook ...``),
# whatever the path. :func:`invokes`: any simple command that runs ctxsteward's ``hook``
# subcommand with an event and ``--agent``, whatever comes before the program (``nice``, a
# variable) or after the event (``--quiet``). :func:`runs_hook`: that anywhere in the line (after
# ``&&``, before a redirection, inside ``bash -c '...'``): the hook runs, whoever wrote it.
# :func:`edit_of` and :func:`derived_from`: a line that still holds the one an install recorded.
_PUNCT = frozenset("();<>|&")
_EVENT = re.compile(r"[A-Za-z]+\Z")
_AGENT = re.compile(r"[a-z-]+\Z")
_NAMES = ("ctxsteward", "ctxsteward.exe")

# A copy run from its source folder is started by these lines given to its interpreter (``python
# -I -c BOOT NOTE /checkout/server/cli/__main__.py hook ...``), not by the path of its
# ``__main__.py``: that checkout moved or deleted, ``python -I /checkout/server/cli/__main__.py``
# exits 2 ("can't open file"), which Claude Code and Codex read as blocking (every prompt of the
# person refused by UserPromptSubmit). These exit 0 then, with NOTE and the path on stderr
# (``hooks status`` says MISSING PROGRAM). No quote in either: the same words in a POSIX shell and
# in PowerShell's single quotes.
_BOOT = ("import os,sys,runpy;n,f=sys.argv[1:3];"
         "os.path.isfile(f) or sys.exit(print(n,f,file=sys.stderr));"
         "sys.argv=sys.argv[2:];runpy.run_path(f,run_name=__name__)")
_NOTE = "ctxsteward hook: run ctxsteward hooks install again, its program is missing:"
# What comes between the interpreter and the ``__main__.py`` in a line an install wrote: this
# form, and the one before it (``python -I /checkout/server/cli/__main__.py``), still ours.
_MAIN_HEADS = (["-I", "-c", _BOOT, _NOTE], ["-I"])


def _tokens(command: object) -> list[str] | None:
    """The words and shell operators of a command line (None: not a string, unbalanced
    quotes)."""
    if not isinstance(command, str):
        return None
    text = command[2:] if command.startswith("& ") else command  # PowerShell's call operator
    lexer = shlex.shlex(text, posix=os.name != "nt", punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        return None
    return [w.strip("'") if os.name == "nt" else w for w in words]


def _operator(word: str) -> bool:
    return bool(word) and set(word) <= _PUNCT


def _words(command: object) -> list[str] | None:
    """The words of a simple command line (None: not a string, unbalanced quotes, or a shell
    operator in it: ``&&``, ``;``, a pipe, a redirection, a subshell)."""
    words = _tokens(command)
    if words is None or any(_operator(w) for w in words):
        return None
    return words


def _hook_args(words: list[str]) -> tuple[int, list[str]] | None:
    """Where the program naming us is in ``words``, and the words after it."""
    for i, word in enumerate(words):
        if os.path.basename(word.replace("\\", "/")) in _NAMES:
            return i, words[i + 1:]
        if word == "-m" and words[i + 1:i + 2] == ["server.cli"]:
            return i, words[i + 2:]
        if i and _main_file(word):  # python -I /src/server/cli/__main__.py: a source copy
            return i, words[i + 1:]
    return None


def _main_file(word: str) -> bool:
    """Whether ``word`` is the path of our CLI's ``__main__.py`` (a copy run from its source)."""
    return word.replace("\\", "/").endswith("/server/cli/__main__.py")


def invokes(command: object) -> tuple[str, str] | None:
    """(event, agent) when ``command`` runs ctxsteward's ``hook`` subcommand, however written
    (extra words before the program or after the event); None otherwise. Its arguments are read
    by the hook's own parser (:func:`server.hooks.options.parser`), as the hook reads them: no
    ``--agent`` is claude-code, flags may come before the event, the last ``--agent`` wins; no
    other option's value is checked (:func:`server.hooks.options.event_and_agent`)."""
    words = _words(command)
    found = _hook_args(words) if words else None
    if found is None:
        return None
    rest = found[1]
    if len(rest) < 2 or rest[0] != "hook":
        return None
    from server.hooks.options import event_and_agent

    # as the hook itself reads them (flags anywhere, --agent by default, the last one wins), no
    # option's value checked: a line of ours edited to ``--budget abc`` still runs the hook (each
    # run refused, recorded failed), so it is still found: status says OPTIONS REFUSED, install
    # adds no second line, uninstall removes it
    event, agent = event_and_agent(rest[1:])
    if not _EVENT.match(event) or not _AGENT.match(agent):
        return None
    return event, agent


def options_problem(command: str) -> str | None:
    """Why the hook refuses the options ``command`` gives it (a simple line running it: the
    hook's own check, :func:`server.hooks.options.parse`), None when it takes them or the line is
    not simple."""
    words = _words(command)
    found = _hook_args(words) if words else None
    if found is None or not found[1] or found[1][0] != "hook":
        return None
    from server.hooks.options import OptionError, parse

    try:
        parse(found[1][1:])
    except OptionError as e:
        return str(e)
    return None


def runs_hook(command: object, depth: int = 0) -> tuple[str, str] | None:
    """(event, agent) when ``command`` runs ctxsteward's ``hook`` subcommand anywhere in it: as
    :func:`invokes` does, or as one of several commands (``cd /x && ctxsteward hook ...``), with
    a redirection (``... 2>>log``), or in the command a shell is given (``bash -c 'ctxsteward
    hook ...'``). Only to tell that the hook runs (an install adds no second one, status shows it):
    never enough to take the line as ours."""
    got = invokes(command)
    words = _tokens(command) if got is None and depth < 3 else None
    if words is None:
        return got
    part: list[str] = []
    for word in [*words, ";"]:
        if not _operator(word):
            part.append(word)
            continue
        got = invokes(shlex.join(part)) if part else None
        if got is not None:
            return got
        part = []
    for flag, word in zip(words, words[1:], strict=False):  # sh -c '...', bash -lc '...'
        if (re.fullmatch(r"-[a-z]*c", flag) and (got := runs_hook(word, depth + 1)) is not None):
            return got
    return None


def edit_of(recorded: str, command: object) -> bool:
    """Whether ``command`` is a simple edit of the line an install ``recorded``: a simple
    command (no shell operator) holding that line's words in order, side by side, with words
    only added before them (``nice``, a variable) or after them (``--quiet``)."""
    have, want = _words(command), _words(recorded)
    if not have or not want:
        return False
    return any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))


def derived_from(recorded: str, command: object) -> bool:
    """Whether ``command`` still holds the line an install ``recorded`` (as text, or as words):
    an edit of ours, simple or not (a redirection added, wrapped in ``bash -c``)."""
    return isinstance(command, str) and (recorded in command or edit_of(recorded, command))


def recognise(command: object) -> tuple[str, str] | None:
    """(event, agent) of a command line in exactly the form an install writes (an absolute
    executable, then ``hook EVENT --agent AGENT`` and nothing else), or None."""
    words = _words(command)
    found = _hook_args(words) if words else None
    if words is None or found is None:
        return None
    at, rest = found
    head = words[:at + 1]
    if head[-1] == "-m":
        head = head[:1] if head[1:] == ["-I", "-m"] else []
    elif _main_file(head[-1]):
        head = head[:1] if head[1:-1] in _MAIN_HEADS and os.path.isabs(head[-1]) else []
    if len(head) != 1 or not os.path.isabs(head[0]):
        return None
    if len(rest) != 4 or rest[0] != "hook" or rest[2] != "--agent":
        return None
    got = invokes(command)
    return got if got == (rest[1], rest[3]) else None


def executable() -> list[str]:
    """The program the installed hooks run, as an absolute path that works without our venv on
    PATH, from any folder, and runs this very copy of ctxsteward: when this interpreter in
    isolated mode imports this copy (it is installed), the ``ctxsteward`` script being run (its
    ``#!`` names its own interpreter), else the one beside this interpreter, else this
    interpreter in isolated mode (``-I``: the project's own folder on ``sys.path`` could hide our
    package) with ``-m server.cli``. A copy run from its source folder (``python -m server.cli``
    there, or through ``PYTHONPATH``), which the agent's later run would not find (or would find
    another copy of): this interpreter, isolated, running this copy's ``server/cli/__main__.py``
    by its path (which puts its own folder first), through :data:`_BOOT`: exit 0, not 2, once
    that path is gone."""
    main_file = Path(__file__).resolve().parent.parent / "cli" / "__main__.py"
    if not _installed_here(main_file):
        return [sys.executable, *_MAIN_HEADS[0], str(main_file)]
    name = "ctxsteward.exe" if os.name == "nt" else "ctxsteward"
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == name and argv0.is_file():
        return [os.path.abspath(argv0)]
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return [str(beside)]
    return [sys.executable, "-I", "-m", "server.cli"]


def _installed_here(main_file: Path) -> bool:
    """Whether this interpreter, isolated (no ``PYTHONPATH``, no current folder: as an agent runs
    the hook), imports the copy of ctxsteward whose CLI is ``main_file``. Asked of a child
    process, which finds the package as the hook will (no module of ours is run: only found)."""
    import subprocess

    probe = ("import importlib.util as u; s = u.find_spec('server'); "
             "print(s.origin if s and s.origin else '')")
    try:
        done = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True,
                              text=True, timeout=60, check=False, cwd=main_file.anchor)
    except (OSError, subprocess.SubprocessError):
        return True  # cannot tell: the installed forms, as before
    found = done.stdout.strip()
    return bool(found) and Path(found).resolve().parent == main_file.parent.parent


def command_line(prefix: list[str], event: str, agent: str) -> str:
    """The shell command an agent runs for ``event``: ``<executable> hook EVENT --agent A``,
    quoted for a POSIX shell (PowerShell's call operator on Windows)."""
    if os.name == "nt":
        exe = " ".join("'" + p.replace("'", "''") + "'" for p in prefix)
        return f"& {exe} hook {event} --agent {agent}"
    return shlex.join([*prefix, "hook", event, "--agent", agent])


def program_of(command: str) -> str | None:
    """The program that runs our hook in a command line, read as :func:`runs_hook` reads it (the
    uninstall's reading): the word naming ctxsteward after whatever comes before it (``FOO=1``,
    ``nice``, ``env``), the interpreter of ``python -I -m server.cli``, in the part of a
    compound line (``cd /x && ...``) or the command given a shell (``bash -c '...'``) that runs
    the hook; else the line's first word. None when it cannot be split."""
    found = _hook_program(command)
    return found if found is not None else _first_word(command)


def script_of(command: str) -> str | None:
    """The ``server/cli/__main__.py`` a command line runs our hook by (a copy run from its
    source folder: ``python -I /checkout/server/cli/__main__.py hook ...``), or None."""
    return next((w for w in _tokens(command) or [] if _main_file(w)), None)


def _hook_program(command: str, depth: int = 0) -> str | None:
    """The program running our hook in ``command`` (see :func:`program_of`), or None."""
    if invokes(command) is not None:
        simple = _words(command) or []
        at = (_hook_args(simple) or (-1, []))[0]
        if at >= 0 and (simple[at] == "-m" or _main_file(simple[at])):
            # python [-I ...] -m server.cli, or python -I [-c BOOT NOTE]
            # .../server/cli/__main__.py: the interpreter
            if simple[max(at - 3, 0):at] == _MAIN_HEADS[0][1:]:
                at -= 3
            while at > 0 and simple[at - 1].startswith("-"):
                at -= 1
            at -= 1
        return simple[at] if at >= 0 else None
    words = _tokens(command) if depth < 3 else None
    if words is None:
        return None
    part: list[str] = []
    for word in [*words, ";"]:
        if not _operator(word):
            part.append(word)
            continue
        found = _hook_program(shlex.join(part), depth + 1) if part else None
        if found is not None:
            return found
        part = []
    for flag, word in zip(words, words[1:], strict=False):  # sh -c '...'
        if re.fullmatch(r"-[a-z]*c", flag) and (found := _hook_program(word, depth + 1)):
            return found
    return None


def _first_word(command: str) -> str | None:
    """The first word of a command line, or None when it cannot be split."""
    text = command[2:] if command.startswith("& ") else command
    try:
        words = shlex.split(text, posix=os.name != "nt")
    except ValueError:
        return None
    return words[0].strip("'") if words else None
