"""``ctxsteward hooks status``: which of our hooks are installed in which file, whether the
program each runs still exists, and when each last ran.

When a hook last ran comes from ``.ctxsteward/hooks/runs.json`` in the workspace, which the hook
runtime keeps: ``{"<agent> <EVENT>": {"at": ISO 8601 UTC, "ok": bool, "ms": int}}``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from pydantic import BaseModel

from analyzers.confine import read_bytes_inside, resolve_inside
from server.hooks.install import (
    LEGACY,
    InstallRefused,
    Owned,
    Split,
    commented,
    moved,
    owned,
    parse_settings,
    read_record,
    read_settings,
    spec_of,
    split_event,
)
from server.hooks.install_agents import SPECS, AgentSpec, options_problem, program_of, script_of
from server.hooks.settings_files import Node

RUNS_FILE = ".ctxsteward/hooks/runs.json"


class LastRun(BaseModel):
    """The hook's last run, as the runtime recorded it."""

    at: str
    ok: bool
    ms: int
    # why a run that was not ok failed (an option refused, an error), as the hook log says it
    reason: str | None = None


class HookState(BaseModel):
    """One event of one agent in one settings file."""

    event: str
    installed: bool
    command: str | None = None
    program: str | None = None
    # the program and, for a copy run from its source folder, the ``server/cli/__main__.py`` it
    # is given, both exist
    program_exists: bool | None = None
    # which of them is missing (the checkout moved or deleted: python exits 2, "can't open
    # file", each time the agent runs the hook)
    missing: str | None = None
    last_run: LastRun | None = None
    # why the hook refuses the options of ``command`` (``--budget 50``, ``--limit 0``, a
    # ``--skip`` that is no regular expression): every run of it does nothing but log that
    options_problem: str | None = None
    # ``command`` is the install's line changed since, beyond a simple edit (a redirection, a
    # wrapper, its timeout or matcher): it runs, and the uninstall leaves it
    changed: bool = False
    # the person wrote a comment inside our entry (Cursor reads JSONC): ours, but the uninstall
    # leaves it, with the comment, and names it
    commented: bool = False
    # a line of the person's own that runs our hook for this event (not ours: an install adds
    # none beside it, an uninstall leaves it)
    yours: str | None = None
    # why the hook refuses the options of ``yours`` (as ``options_problem`` for ours)
    yours_options_problem: str | None = None
    # the events whose lists hold our line for this event, moved or copied there by hand: it
    # runs there; an install adds no second one, the uninstall leaves it and names it
    moved_to: list[str] = []


class ScopeState(BaseModel):
    """One settings file of an agent."""

    scope: str
    file: str
    exists: bool
    problem: str | None = None  # why the file could not be read (then ``hooks`` says nothing)
    # why our install record beside it could not be read (install and uninstall refuse)
    record_problem: str | None = None
    # hook entries of the file in a shape the agent cannot run (edited by hand): where, and
    # what is wrong ("hooks.SessionStart[0].hooks: an object, not a list")
    malformed: list[str] = []
    hooks: list[HookState]


class AgentState(BaseModel):
    """Every settings file of an agent, and what else decides whether the agent runs them."""

    agent: str
    scopes: list[ScopeState]
    # Codex, where ours are installed: whether its config.toml files turn hooks off, and its
    # trust rules
    notes: list[str] = []


class HooksStatus(BaseModel):
    """``hooks status --json``."""

    root: str
    runs_file: str
    runs_problem: str | None = None
    # why the hooks do nothing in this folder (it is in no git repository: the hook finds its
    # workspace by git, so every event there does nothing and records no run)
    workspace_problem: str | None = None
    agents: list[AgentState]


def read_runs(root: Path) -> tuple[dict[str, LastRun], str | None]:
    """The runtime's record of runs by ``"<agent> <EVENT>"``, and a problem reading it."""
    data = read_bytes_inside(root, RUNS_FILE, limit=1 << 20)
    if data is None:
        return {}, None
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return {}, f"{RUNS_FILE} is not JSON ({e})"
    if not isinstance(raw, dict):
        return {}, f"{RUNS_FILE} is not an object"
    runs = {}
    for key, value in raw.items():
        try:
            runs[key] = LastRun.model_validate(value)
        except ValueError:
            continue  # one bad record hides only itself
    return runs, None


def _program_exists(program: str | None) -> bool | None:
    if program is None:
        return None
    if os.sep in program or (os.altsep and os.altsep in program):
        return os.path.isfile(program) and os.access(program, os.X_OK)
    return shutil.which(program) is not None


def _missing(program: str | None, script: str | None, root: Path) -> str | None:
    """What of ``program`` and the ``script`` it is given (a source copy's ``__main__.py``, read
    from the workspace's folder as the agent runs it) does not exist; None when both do."""
    if program is not None and not _program_exists(program):
        return program
    if script is not None and not (root / os.path.expanduser(script)).is_file():
        return script
    return None


def _scope_state(spec: AgentSpec, scope: str, root: Path, runs: dict[str, LastRun]) -> ScopeState:
    path = spec.scope_file(scope, root)
    home = Path(os.path.expanduser("~"))
    if scope == "user":
        label = (f"~/{path.relative_to(home).as_posix()}" if path.is_relative_to(home)
                 else str(path))
    else:
        label = os.path.relpath(path, root).replace(os.sep, "/")
    state = ScopeState(scope=scope, file=label, exists=path.exists(), hooks=[])
    if scope != "user" and path.exists() and resolve_inside(root, path) is None:
        state.problem = "it is a symlink to a place outside the workspace: not read"
        return state
    record = None
    try:
        record = read_record(Path(os.path.abspath(path)), label)
    except InstallRefused as e:
        state.record_problem = str(e).replace(" Nothing was written.", "")
    try:
        text = read_settings(path, label)
        doc = parse_settings(spec, text, label) if text is not None else None
        own = owned(record, spec=spec, path=path.resolve() if path.is_symlink() else path)
    except InstallRefused as e:
        state.problem = str(e).replace("; nothing was written", "").replace(
            " (nothing was written)", "")
        return state
    away = moved(spec, text, label, own) if text is not None else {}
    state.malformed = malformed(spec, doc)
    for ev in spec.events:
        got = _split(spec, doc, ev.name, own)
        ours = got.mine + got.changed
        command = ours[0].command.value if ours else None
        yours = got.theirs[0].command.value if got.theirs else None
        program = program_of(command) if command else None
        missing = _missing(program, script_of(command) if command else None, root)
        state.hooks.append(HookState(
            event=ev.name, installed=bool(ours), command=command, program=program,
            program_exists=None if program is None else missing is None, missing=missing,
            last_run=runs.get(f"{spec.name} {ev.name}"),
            options_problem=options_problem(command) if command else None,
            yours=yours, yours_options_problem=options_problem(yours) if yours else None,
            changed=not got.mine and bool(got.changed),
            moved_to=sorted({where for where, _ in away.get(ev.name, [])}),
            commented=text is not None and any(commented(text, h) for h in got.mine)))
    return state


_KINDS = {"object": "an object", "array": "a list", "string": "a string", "number": "a number",
          "literal": "true, false or null"}


def malformed(spec: AgentSpec, doc: Node | None) -> list[str]:
    """The hook entries of ``doc`` in a shape ``spec``'s agent cannot run: each as where it is
    and what is wrong. Only the hooks of the events we install are looked at, and a handler of
    another type than a command (Claude Code's ``"type": "prompt"``) is no problem."""
    hooks = doc.get("hooks") if doc is not None else None
    if hooks is None:
        return []
    if hooks.kind != "object":
        return [f"hooks: {_KINDS.get(hooks.kind, hooks.kind)}, not an object of events"]
    out: list[str] = []
    for ev in spec.events:
        lst = hooks.get(ev.name)
        where = f"hooks.{ev.name}"
        if lst is None:
            continue
        if lst.kind != "array":
            out.append(f"{where}: {_KINDS.get(lst.kind, lst.kind)}, not a list")
            continue
        for i, entry in enumerate(lst.items):
            at = f"{where}[{i}]"
            if entry.kind != "object":
                out.append(f"{at}: {_KINDS.get(entry.kind, entry.kind)}, not an object")
                continue
            if not spec.nested:
                out += _handler_problems(spec, entry, at)
                continue
            inner = entry.get("hooks")
            if inner is None:
                out.append(f"{at}: no \"hooks\" list")
            elif inner.kind != "array":
                out.append(f"{at}.hooks: {_KINDS.get(inner.kind, inner.kind)}, not a list")
            else:
                for j, h in enumerate(inner.items):
                    if h.kind != "object":
                        out.append(f"{at}.hooks[{j}]: {_KINDS.get(h.kind, h.kind)}, not an "
                                   "object")
                    else:
                        out += _handler_problems(spec, h, f"{at}.hooks[{j}]")
    return out


def _handler_problems(spec: AgentSpec, h: Node, at: str) -> list[str]:
    """What is wrong with one handler object (a command handler with no command line)."""
    kind = h.get("type")
    if kind is not None and (kind.kind != "string" or kind.value != "command"):
        return []  # another kind of handler: not ours to judge
    fields = [h.get(name) for name in spec.command_fields]
    if any(f is not None and f.kind == "string" and f.value.strip() for f in fields):
        return []
    bad = [(name, f) for name, f in zip(spec.command_fields, fields, strict=True)
           if f is not None]
    if bad:
        name, f = bad[0]
        what = "empty" if f.kind == "string" else f"{_KINDS.get(f.kind, f.kind)}, not a string"
        return [f"{at}.{name}: {what}"]
    return [f"{at}: no \"{spec.command_fields[0]}\" (a command handler with no command line)"]


def _split(spec: AgentSpec, doc: Node | None, event: str, own: Owned = LEGACY) -> Split:
    """Ours, ours changed, and the person's own lines running our hook, in the event's list of
    ``doc``."""
    hooks = doc.get("hooks") if doc is not None else None
    lst = hooks.get(event) if hooks is not None and hooks.kind == "object" else None
    if lst is None or lst.kind != "array":
        return Split([], [], [])
    return split_event(spec, lst, event, own)


def status(root: Path, agent: str | None = None, scope: str | None = None) -> HooksStatus:
    """The status of every agent's hooks (or ``agent``'s), in every scope (or ``scope``)."""
    runs, problem = read_runs(root)
    agents = []
    for spec in [spec_of(agent)] if agent else list(SPECS.values()):
        if scope is not None and agent is not None:
            try:
                spec.scope_file(scope, root)
            except ValueError as e:
                raise InstallRefused(str(e)) from e
        scopes = [s for s in spec.files if scope is None or s == scope]
        if not scopes:
            continue  # --scope local without --agent: the agents that have no local scope
        states = [_scope_state(spec, s, root, runs) for s in scopes]
        notes = []
        if spec.name == "codex" and any(h.installed for st in states for h in st.hooks):
            from server.hooks import codex_config

            notes = codex_config.notes(root, scopes)
        agents.append(AgentState(agent=spec.name, scopes=states, notes=notes))
    return HooksStatus(root=str(root), runs_file=RUNS_FILE, runs_problem=problem,
                       workspace_problem=_workspace_problem(root), agents=agents)


def _workspace_problem(root: Path) -> str | None:
    """Why hooks run for ``root`` do nothing (None: it is in a git repository, as the hook's
    :func:`server.hooks.run.workspace` finds it)."""
    from server.hooks.run import workspace

    if workspace(root) is not None:
        return None
    return (f"{root} is not in a git repository: hooks run here do nothing at all (no map, no "
            "note, no log, no run recorded); run `git init` here, or use the hooks in a "
            "repository")


def installed_scopes(agent: AgentState) -> list[str]:
    """The scopes of ``agent`` whose file holds one of our hooks or more."""
    return [s.scope for s in agent.scopes if any(h.installed for h in s.hooks)]


def several_scopes(agent: str, scopes: list[str]) -> str:
    """The warning for a hook installed in several ``scopes`` of one agent ("" for one)."""
    if len(scopes) < 2:
        return ""
    return (f"warning: {agent}'s hooks are installed in {len(scopes)} scopes "
            f"({', '.join(scopes)}): the agent runs each once per scope, as many times an "
            f"event as scopes hold it; keep one (ctxsteward hooks uninstall --agent {agent} "
            "--scope SCOPE)")


def status_text(report: HooksStatus) -> str:
    """The report for a person."""
    lines = []
    if report.workspace_problem:
        lines.append(f"NOTE: {report.workspace_problem}")
    if report.runs_problem:
        lines.append(f"(last runs unknown: {report.runs_problem})")
    for agent in report.agents:
        lines.append(agent.agent)
        scopes = installed_scopes(agent)
        if not scopes and not any(s.problem for s in agent.scopes):
            lines.append(f"  none installed: ctxsteward hooks install --agent {agent.agent} "
                         "adds them")
        if len(scopes) > 1:
            lines.append(f"  {several_scopes(agent.agent, scopes)}")
        for s in agent.scopes:
            n = sum(h.installed for h in s.hooks)
            problem = s.problem or ""
            if problem.startswith(f"{s.file} "):  # (the line names the file already)
                problem = problem[len(s.file) + 1:]
            what = (problem if problem else "no file" if not s.exists
                    else f"{n} of {len(s.hooks)} hooks installed")
            lines.append(f"  {s.scope:<8} {s.file}: {what}")
            if s.record_problem:
                lines.append(f"    {s.record_problem}")
            for m in s.malformed:
                lines.append(f"    MALFORMED {m}: {agent.agent} cannot run it (and may refuse "
                             f"the whole file); fix it in {s.file} by hand")
            for h in s.hooks:
                lines += _hook_lines(agent.agent, s, h, n)
            programs = sorted({h.program for h in s.hooks if h.installed and h.program})
            for p in programs:
                lines.append(f"    runs {p}")
        lines += [f"  note: {n}" for n in agent.notes]
    return "\n".join(lines)


def _hook_lines(agent: str, s: ScopeState, h: HookState, n: int) -> list[str]:
    """The lines of one event of ``s`` (``n``: the events installed in its file)."""
    lines: list[str] = []
    if h.moved_to:
        lines.append(f"    {h.event:<20} our line for it is under "
                     f"{', '.join(h.moved_to)} (moved or copied there since the "
                     "install: it runs there; uninstall leaves it)")
    refused = (f"  OPTIONS REFUSED ({h.yours_options_problem}): every run of it does nothing; "
               f"fix it in {s.file}" if h.yours_options_problem else "")
    if h.yours is not None and not h.installed:
        lines.append(f"    {h.event:<20} your own line runs our hook (not ours: "
                     f"uninstall leaves it): {h.yours}{refused}")
    if not h.installed:
        if any(m.startswith((f"hooks.{h.event}:", f"hooks.{h.event}[")) for m in s.malformed):
            lines.append(f"    {h.event:<20} NOT INSTALLED as the agent reads it: its entry "
                         "is malformed (above)")
        elif n > 0 and h.yours is None and not h.moved_to:
            lines.append(f"    {h.event:<20} NOT INSTALLED (removed since the "
                         "install? ctxsteward hooks install --agent "
                         f"{agent} --scope {s.scope} adds it again)")
        return lines
    if h.yours is not None:  # beside ours: the hook runs twice for the event
        lines.append(f"    {h.event:<20} your own line runs our hook too, beside "
                     f"ours (the hook runs twice; uninstall leaves yours): {h.yours}{refused}")
    ran = ("never ran" if h.last_run is None else
           f"last ran {h.last_run.at} ({'ok' if h.last_run.ok else 'failed'}, "
           f"{h.last_run.ms} ms)")
    if h.last_run is not None and not h.last_run.ok and h.last_run.reason and \
            h.last_run.reason != f"options refused: {h.options_problem}":  # (said below)
        ran += f": {h.last_run.reason}"

    if not h.program_exists and h.last_run is not None:
        # (runs are kept by agent and event: that run was another program's)
        ran = f"cannot run (the last run, {h.last_run.at}, was another program's)"
    exists = "" if h.program_exists else f"  MISSING PROGRAM {h.missing or h.program}"
    if h.options_problem:
        exists += (f"  OPTIONS REFUSED ({h.options_problem}): every run does nothing; fix the "
                   f"line in {s.file}")
    changed = ("  (changed since the install: uninstall leaves it)" if h.changed
               else "  (a comment of yours is inside our entry: uninstall leaves "
               "it, with the comment)" if h.commented else "")
    lines.append(f"    {h.event:<20} {ran}{exists}{changed}")
    return lines
