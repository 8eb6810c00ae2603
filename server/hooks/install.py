"""``ctxsteward hooks install|uninstall``: our hook entries merged into (or taken out of) an
agent's settings file, and nothing else touched.

A change is planned first (:func:`plan_install`, :func:`plan_uninstall`: the file's text before
and after, and what changed), shown as a unified diff, then written by :func:`apply`: for an
install, a backup of the old text beside the file (``NAME.ctxsteward-backup``; when one is there
already, the next free number, ``NAME.ctxsteward-backup.2``, ...: a backup an uninstall said it
kept is never overwritten; none when the latest already holds that text, ours aside), then the
new text atomically. The uninstall writes no backup; it keeps the latest install's backup while
it holds something the file lacks (the person's edits since changed the file) and removes it once
the file is its text again, never touching earlier ones. A file removes itself only when the
install made it (its record's ``"created"``) and nothing else is in it; a file that was there
before is restored to its backup's text, or, with no readable backup, only our entries leave it.
The folders an install made go with the file that needed them
(:mod:`server.hooks.install_folders`).
The text is edited in place (:mod:`server.hooks.settings_files`), so another tool's hooks, the
other settings, comments and formatting stay as they were.

Which entries are ours. The install records beside the file, in ``NAME.ctxsteward-folders``
(:mod:`server.hooks.install_folders`), the line it wrote for each event (``"entries"``), the
containers it added (``"containers"``: the ``hooks`` object and event lists absent from the text it
read; an earlier install's stay recorded only while they still hold its line) and the lines
running our hook it found and left (``"theirs"``). Every event is judged alone
(:func:`split_event`), among the lines that run our hook for it however written
(:func:`~server.hooks.install_agents.runs_hook`: also ``cd /x && ctxsteward hook ...``, ``bash -c
'...'``, ``... 2>>log``), ``"theirs"`` aside:

* ours (an uninstall removes it): at an event the record names, the recorded line itself, else
  the one line there that is a simple edit of it (:func:`~server.hooks.install_agents.edit_of`: a
  simple command holding its words side by side, words only added before, ``nice``, a variable,
  or after, ``--quiet``), in an entry otherwise as an install writes it (the same ``type`` and
  ``timeout``; Claude Code, Codex: the group's matcher). So all four lines edited are all four
  still ours, while a file replaced by hand with a bare ``ctxsteward hook ...`` of the person's
  holds nothing of ours (the recorded line is not in it).
* ours, changed (kept, and named): that one line when it still holds the recorded line but is
  not a simple edit in an entry as written (a redirection added, wrapped in ``bash -c``, its
  timeout or matcher changed). Whose the change is, is not known: it stays, and the uninstall
  says "kept EVENT (changed since the install: remove it by hand if you want)"; the record keeps
  it as ours (as the install wrote it), so changed back it is removed by the next uninstall.
  The record always names the line as the install wrote it, never as edited since: a line we
  wrote is never moved into ``"theirs"``.
* the person's (kept): every other line running our hook: at an event the record does not name,
  beside ours, when several hold the recorded line, or one without it.
* ours, moved (kept, and named: :func:`moved`): the recorded line of an event (as written or
  changed) found in another event's list, moved or copied there by hand. It runs there: an
  install adds no other for its event, an uninstall keeps it and names it, and the record keeps
  it as ours, so moved back it is removed by the next uninstall.

An install adds ours only at an event where no line runs our hook yet (else the hook would run
twice), and says what it left. With no record at all, an install takes nothing in the file as
ours, not even a line in exactly the form an install writes (the person's, or an install's that
left no record: it says so), and records such lines as theirs, even when it changes nothing
else in the file (the record is then all it writes); an uninstall that leaves a line in
that form keeps it so recorded (the record then stays, holding only that), because with no record
at all an uninstall and status take lines in exactly the install's form (an absolute path to
ctxsteward, then ``hook EVENT --agent AGENT`` and nothing else:
:func:`~server.hooks.install_agents.recognise`), in an entry as written, as an older install's,
unless the oldest backup beside the file holds them (the file had them before the first install
that left one: :func:`owned`).
A recorded line with another executable path (an install from another virtualenv) is updated
where it stands; a second install changes nothing. With no readable backup, the uninstall removes
the containers the record says the install added once they are empty, and no other; an empty
list (or ``hooks`` object) of the person's that the install filled gets back the blanks it had
inside (``[ ]``: the record's ``"blanks"``), with or without a backup. A record that
cannot be read (cut short, oversized, not JSON, a field we do not write or of another type) is
refused by install and uninstall: nothing is written, and the message names it and says what to
do; guessing could take a line of the person's or leave ours, refusing loses nothing.

Project and local scopes write only inside the workspace, through no symlink
(:func:`analyzers.confine.check_write`); the user scope writes only the agent's own user file
(through its symlink when it is one, as a dotfiles checkout has it).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analyzers.agentfiles import BACKUP_SUFFIX
from analyzers.confine import OutsideWorkspace, check_write
from analyzers.fsutil import TEMP_PREFIX, read_only
from server.hooks import install_folders as folders
from server.hooks import settings_files as sf
from server.hooks.install_agents import (
    SPECS,
    AgentSpec,
    EventSpec,
    command_line,
    derived_from,
    edit_of,
    executable,
    recognise,
    runs_hook,
    user_scope_problem,
)

_MAX_BYTES = 4 << 20


class InstallRefused(Exception):
    """Why nothing was written: the message names the file and what to do."""


@dataclass(frozen=True)
class Owned:
    """What the install record says of the lines running our hook: ``entries`` (event -> the
    line an install wrote there; None: no record of them, an older install's, so lines in exactly
    the install's form are ours) and ``theirs`` (lines an install found and left: never ours)."""

    entries: dict[str, str] | None
    theirs: frozenset[str] = frozenset()

    def without(self, event: str) -> Owned:
        """The same, the line at ``event`` taken out (an uninstall removed it)."""
        if self.entries is None:
            return self
        return Owned({k: v for k, v in self.entries.items() if k != event}, self.theirs)


LEGACY = Owned(None)


@dataclass
class Plan:
    """One settings file before and after a change (``None``: no file)."""

    agent: str
    scope: str
    path: Path  # the file written (a user file's symlink followed)
    label: str  # the file as the user knows it (root-relative, or ~/...)
    before: str | None
    after: str | None
    actions: list[str] = field(default_factory=list)
    # uninstall: the install made the file (its folder record says so): removed when what is
    # left is what that install would leave
    ours_alone: bool = False
    verb: str = "install"
    logical: Path | None = None  # the file as the agent reads it (a symlink not followed)
    base: Path | None = None  # home (user scope) or workspace: no folder goes outside it
    backup_found: bool = False  # uninstall: a backup lies beside the file
    backup_text: str | None = None  # uninstall: its text (None: missing or unreadable)
    restores: bool = False  # uninstall: ``after`` is the very text the backup keeps (ours out)
    backup_to: Path | None = None  # install: where the old text goes (None: a backup has it)
    # install: the entries it leaves (event -> command line) and the containers it (or an
    # earlier install) added, for the record; uninstall: the record's (None: no such record)
    entries: dict[str, str] | None = None
    containers: list[str] = field(default_factory=list)
    # the person's lines running our hook, for the record (install: those it left; uninstall:
    # those in the install's form it leaves)
    theirs: list[str] = field(default_factory=list)
    own: Owned = LEGACY  # uninstall: what the record says
    blanks: dict[str, str] = field(default_factory=dict)  # the record's: see _blank_insides

    @property
    def changed(self) -> bool:
        """Does the plan change the file?"""
        return self.before != self.after

    def diff(self) -> str:
        """The change as a unified diff ('' when nothing changes)."""
        def lines(text: str | None) -> list[str]:
            out = (text or "").splitlines(keepends=True)
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n\\ No newline at end of file\n"
            return out

        return "".join(difflib.unified_diff(
            lines(self.before), lines(self.after),
            fromfile="/dev/null" if self.before is None else f"a/{self.label}",
            tofile="/dev/null" if self.after is None else f"b/{self.label}"))


@dataclass
class Outcome:
    """What :func:`apply` did beside the settings file."""

    backup: Path | None = None  # the old text, written beside the file
    backup_kept: Path | None = None  # the install's backup, left: the file changed since
    backup_changed: bool = False  # ... or the backup did (a symlink, unreadable, not our text)
    backup_removed: Path | None = None  # the install's backup, gone: the file is its text again
    backups_left: list[Path] = field(default_factory=list)  # earlier installs' backups: kept
    # the install's backup, redundant, that could not be removed (the OS's reason)
    backup_stuck: tuple[Path, str] | None = None
    folders: folders.Removal = field(default_factory=folders.Removal)  # the folders it made


@dataclass
class Handler:
    """One hook handler found in an event's list: where it is and its command line."""

    event: str
    list_node: sf.Node  # the event's list
    index: int  # its entry (Claude Code: its group) in that list
    inner: sf.Node | None  # Claude Code: the group's "hooks" list
    inner_index: int
    command: sf.Node  # the string node of its command line


@dataclass
class Split:
    """The lines in an event's list that run our hook for it."""

    mine: list[Handler]  # certainly ours: an uninstall removes them
    changed: list[Handler]  # the install's line, changed since (not a simple edit): kept
    theirs: list[Handler]  # the person's own: kept


def spec_of(agent: str) -> AgentSpec:
    """The agent's spec (:class:`InstallRefused` naming the agents we know)."""
    if agent not in SPECS:
        raise InstallRefused(f"unknown agent {agent!r}; choose one of: {', '.join(SPECS)}")
    return SPECS[agent]


def settings_path(spec: AgentSpec, scope: str, root: Path) -> tuple[Path, str]:
    """The file to edit for ``scope`` and its label; refused when a project or local file would
    lie outside the workspace or go through a symlink, or the agent has no such scope."""
    try:
        path = spec.scope_file(scope, root)
    except ValueError as e:
        raise InstallRefused(str(e)) from e
    if scope == "user":
        problem = user_scope_problem(spec.name)
        if problem:
            raise InstallRefused(problem)
        home = Path(os.path.expanduser("~"))
        label = (f"~/{path.relative_to(home).as_posix()}" if path.is_relative_to(home)
                 else str(path))
        return (path.resolve() if path.is_symlink() else path), label
    try:
        checked = check_write(root, path)
    except OutsideWorkspace as e:
        why = str(e)
        for top in {os.path.normpath(root), os.path.realpath(root)}:
            why = why.replace(top.rstrip(os.sep) + os.sep, "")  # paths as the workspace names them
        raise InstallRefused(f"{why} (the {scope} scope writes only inside the workspace)") from e
    return checked, checked.relative_to(os.path.normpath(root)).as_posix()


def read_settings(path: Path, label: str) -> str | None:
    """The file's text, None when there is none; refused when it is not a readable text file."""
    try:
        if not path.exists():
            return None
        if not path.is_file():
            raise InstallRefused(f"{label} is not a regular file; nothing was written")
        if path.stat().st_size > _MAX_BYTES:
            raise InstallRefused(f"{label} is over {_MAX_BYTES >> 20} MiB: not a settings file we "
                                 "edit; nothing was written")
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise InstallRefused(f"{label} is not UTF-8 text ({e.reason}); nothing was written") from e
    except OSError as e:
        raise InstallRefused(f"cannot read {label}: {e.strerror or e}") from e


def parse_settings(spec: AgentSpec, text: str, label: str) -> sf.Node:
    """The document of a settings file: an object (:class:`InstallRefused` otherwise)."""
    try:
        doc = sf.parse(text, jsonc=spec.jsonc)
    except sf.ParseError as e:
        # (the parser says where and what: the agent's strictness only where that is it)
        strict = "" if spec.jsonc or not any(
            w in str(e) for w in ("comment", "trailing comma")) else \
            f" ({spec.title} reads strict JSON: no comments or trailing commas)"
        raise InstallRefused(f"{label} cannot be read as JSON: {e}{strict}. Fix it by hand; "
                             "nothing was written") from e
    if doc.kind != "object":
        raise InstallRefused(f"{label} is not a JSON object; nothing was written")
    return doc


def handlers(spec: AgentSpec, list_node: sf.Node, event: str) -> Iterator[Handler]:
    """Every handler with a command line in an event's list."""
    for i, entry in enumerate(list_node.items):
        if spec.nested:
            inner = entry.get("hooks") if entry.kind == "object" else None
            if inner is None or inner.kind != "array":
                continue
            for j, h in enumerate(inner.items):
                if h.kind == "object":
                    yield from _commands(spec, h, Handler(event, list_node, i, inner, j, h))
        elif entry.kind == "object":
            yield from _commands(spec, entry, Handler(event, list_node, i, None, -1, entry))


def _commands(spec: AgentSpec, obj: sf.Node, base: Handler) -> Iterator[Handler]:
    for name in spec.command_fields:
        node = obj.get(name)
        if node is not None and node.kind == "string":
            yield Handler(base.event, base.list_node, base.index, base.inner, base.inner_index,
                          node)


def ours(spec: AgentSpec, doc: sf.Node, own: Owned = LEGACY) -> list[Handler]:
    """Our handlers for this agent in the document, as ``own`` (the install's record) says: see
    :func:`split_event` and the module doc."""
    hooks = doc.get("hooks")
    if hooks is None or hooks.kind != "object":
        return []
    found = []
    for member in hooks.members:
        if member.value.kind == "array":
            found += split_event(spec, member.value, member.key, own).mine
    return found


def split_event(spec: AgentSpec, lst: sf.Node, event: str, own: Owned = LEGACY) -> Split:
    """The lines in an event's list that run our hook for that event (:func:`runs_hook`, however
    written), as ours, ours changed, and the person's (see the module doc)."""
    runners = [h for h in handlers(spec, lst, event)
               if runs_hook(h.command.value) == (event, spec.name)]
    free = [h for h in runners if h.command.value not in own.theirs]
    picked = _picked(spec, free, event, own.entries)
    mine = [h for h in picked if _certain(spec, h, event, own.entries)]
    return Split(mine, [h for h in picked if all(h is not m for m in mine)],
                 [h for h in runners if all(h is not p for p in picked)])


def _picked(spec: AgentSpec, free: list[Handler], event: str, entries: dict[str, str] | None
            ) -> list[Handler]:
    """The install's lines among ``free``: with no record of entries, those in exactly its form;
    at an event the record names, the line it wrote, else (edited since) the one line there that
    still holds it; none when there are several, or at an event the record does not name."""
    if entries is None:
        return [h for h in free if recognise(h.command.value) == (event, spec.name)]
    if event not in entries:
        return []
    exact = [h for h in free if h.command.value == entries[event]]
    derived = [h for h in free if derived_from(entries[event], h.command.value)]
    return exact[:1] or (derived if len(derived) == 1 else [])


def _certain(spec: AgentSpec, h: Handler, event: str, entries: dict[str, str] | None) -> bool:
    """Whether a line of the install's is still certainly ours: the recorded line, or a simple
    edit of it (:func:`edit_of`), in an entry that is otherwise as the install wrote it."""
    line = h.command.value
    if entries is not None and line != entries[event] and not edit_of(entries[event], line):
        return False
    return _as_written(spec, h, event)


def _as_written(spec: AgentSpec, h: Handler, event: str) -> bool:
    """Whether the handler holding a line is as an install writes it but for that line (the same
    other keys and values: ``type``, ``timeout``; Claude Code and Codex: the group's matcher);
    at an event we do not install (an older version's), the same keys."""
    ev = next((e for e in spec.events if e.name == event), None)
    node = h.inner.items[h.inner_index] if h.inner is not None else h.list_node.items[h.index]

    def rest(obj: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in obj.items() if k not in spec.command_fields}

    want = rest(spec.handler(ev or EventSpec(event, 0), ""))
    if ev is None:
        return set(rest(node.value)) == set(want)
    group = h.list_node.items[h.index].value if h.inner is not None else {}
    return rest(node.value) == want and group.get("matcher") == ev.matcher


def _event_list(spec: AgentSpec, text: str, label: str, event: str,
                fmt: sf.Format) -> tuple[str, sf.Node | None]:
    """``text`` with a ``hooks`` object ensured, and the event's list (None: no such key)."""
    doc = parse_settings(spec, text, label)
    hooks = doc.get("hooks")
    if hooks is None:
        text = sf.insert_member(text, doc, "hooks", {}, fmt)
        hooks = parse_settings(spec, text, label).get("hooks")
    assert hooks is not None
    if hooks.kind != "object":
        raise InstallRefused(f'"hooks" in {label} is not an object; fix it by hand (nothing was '
                             "written)")
    lst = hooks.get(event)
    if lst is not None and lst.kind != "array":
        raise InstallRefused(f'"hooks.{event}" in {label} is not a list; fix it by hand '
                             "(nothing was written)")
    return text, lst


@dataclass
class Installed:
    """What :func:`install_text` did: a line per event, the entries ours are now (event ->
    command line), the containers it added, and the person's lines running our hook it left."""

    actions: list[str] = field(default_factory=list)
    wrote: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    theirs: set[str] = field(default_factory=set)
    blanks: dict[str, str] = field(default_factory=dict)  # see :func:`_blank_insides`


def install_text(spec: AgentSpec, text: str, label: str, command_for: Callable[[str], str],
                 own: Owned = Owned({})) -> tuple[str, Installed]:
    """``text`` with our entry for every event the agent gets where nothing runs our hook yet,
    and what was done (``own``: what the record of an earlier install says; with none, nothing
    in the file is ours)."""
    fmt = sf.detect_format(text)
    done = Installed(added=[] if parse_settings(spec, text, label).get("hooks") is not None
                     else ["hooks"], blanks=_blank_insides(spec, text, label))
    away = moved(spec, text, label, own)
    for ev in spec.events:
        cmd = command_for(ev.name)
        text, lst = _event_list(spec, text, label, ev.name, fmt)
        split = split_event(spec, lst, ev.name, own) if lst is not None else Split([], [], [])
        if ev.name in away and not (split.mine or split.changed or split.theirs):
            done.actions.append(f"{ev.name}: {moved_words(ev.name, away[ev.name])}: left as it "
                                "is (ours not added again: move it back, or remove it and "
                                "install again)")
            done.wrote[ev.name] = (own.entries or {}).get(ev.name, away[ev.name][0][1])
            continue
        if lst is None:
            hooks = parse_settings(spec, text, label).get("hooks")
            assert hooks is not None
            text = sf.insert_member(text, hooks, ev.name, [spec.entry(ev, cmd)], fmt)
            done.actions.append(f"added {ev.name}")
            done.wrote[ev.name] = cmd
            done.added.append(ev.name)
            continue
        done.theirs |= {h.command.value for h in split.theirs}
        if split.mine:
            text = _keep_ours(spec, text, label, ev, cmd, own, done)
        elif split.changed:
            done.actions.append(f"{ev.name}: our entry was changed since the install: left as "
                                "it is (ours not added again)")
            # (the line as recorded: the changed one is never taken as written by us)
            done.wrote[ev.name] = (own.entries or {}).get(ev.name, split.changed[0].command.value)
        elif split.theirs:
            done.actions.append(f"{ev.name}: {_yours(split.theirs)}: left as it is (ours not "
                                "added; uninstall leaves it)")
        else:
            text = sf.append_item(text, lst, spec.entry(ev, cmd), fmt)
            done.actions.append(f"added {ev.name}")
            done.wrote[ev.name] = cmd
    done.theirs -= set(done.wrote.values())
    return text, done


def _blank_insides(spec: AgentSpec, text: str, label: str) -> dict[str, str]:
    """The blanks inside an empty ``hooks`` object or event list of ours in ``text`` (``[ ]``),
    which the install fills: an uninstall that empties it again puts them back (no backup may be
    left to compare with)."""
    hooks = parse_settings(spec, text, label).get("hooks")
    if hooks is None or hooks.kind != "object":
        return {}
    events = {ev.name for ev in spec.events}
    empty = [("hooks", hooks)] if not hooks.members else []
    empty += [(str(m.key), m.value) for m in hooks.members if m.key in events
              and m.value.kind == "array" and not m.value.items]
    return {key: inside for key, node in empty
            if (inside := text[node.start + 1:node.end - 1]) and not inside.strip(" \t\r\n")}


def _yours(theirs: list[Handler]) -> str:
    """What an install says of the person's own lines running our hook at an event."""
    if any(recognise(h.command.value) for h in theirs):
        return ("a line in the form an install writes was there before (yours, or an older "
                "install's that left no record: remove it by hand if you want us to manage it)")
    return "your own entry runs ctxsteward's hook"


def _keep_ours(spec: AgentSpec, text: str, label: str, ev: EventSpec, cmd: str, own: Owned,
               done: Installed) -> str:
    """Our line for ``ev`` is there: its executable path updated when the install wrote it with
    another, else left as it is (as the person edited it)."""
    fmt = sf.detect_format(text)
    text, updated = _update_paths(spec, text, label, ev.name, cmd, own, fmt)
    _, lst = _event_list(spec, text, label, ev.name, fmt)
    assert lst is not None
    now = split_event(spec, lst, ev.name, Owned({ev.name: cmd}) if updated else own).mine
    # the line as an install wrote it, never as edited since: the edit is still ours by it, and
    # so is the line once the edit is taken out again
    done.wrote[ev.name] = cmd if updated else (own.entries or {}).get(ev.name, cmd)
    edited = bool(now) and recognise(now[0].command.value) is None
    done.actions.append(f"updated {ev.name} (executable path)" if updated
                        else f"{ev.name} already installed" + (" (as you edited it)" if edited
                                                                else ""))
    return text


def _update_paths(spec: AgentSpec, text: str, label: str, event: str, cmd: str,
                  own: Owned, fmt: sf.Format) -> tuple[str, int]:
    """``text`` with each of our lines for ``event`` that an install wrote with another
    executable path given ``cmd``, where it stands (a line the person edited stays as it is)."""
    updated = 0
    while True:  # positions move: re-find
        _, lst = _event_list(spec, text, label, event, fmt)
        assert lst is not None
        stale = [h for h in split_event(spec, lst, event, own).mine
                 if recognise(h.command.value) is not None and h.command.value != cmd]
        if not stale:
            return text, updated
        text = sf.replace_value(text, stale[0].command, cmd, fmt)
        if own.entries is not None and event in own.entries:
            own = Owned({**own.entries, event: cmd}, own.theirs)  # the line it was is this now
        updated += 1


def uninstall_text(spec: AgentSpec, text: str, label: str,
                   kept: frozenset[str] = frozenset(), own: Owned = LEGACY,
                   blanks: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """``text`` without our entries (``own``: what the install recorded, one line per event; by
    default, every line in exactly the form an install writes). An event list, or a ``hooks``
    object, that held only ours goes too: no one else's content was in it, unless ``kept`` names
    it (``"hooks"``, or an event): it was there, empty, before our install, as its person wrote
    it (with the blanks inside it then, ``blanks``, put back)."""
    actions: list[str] = []
    # Events whose entry of ours holds a comment: kept, with it, and named. Only Cursor reads
    # JSONC, and its entries are flat (one handler each): a comment inside one is about that
    # line, so the entry stays. Claude Code and Codex read strict JSON (Claude Code rejects a
    # file with a comment: "Invalid or malformed JSON"): parse_settings refuses such a file
    # (exit 2, naming the place) before anything is removed, so a group (matcher + hooks list)
    # is never edited around a comment. Were one JSONC, a comment in a group beside the
    # person's own handlers could not be told apart as about ours or theirs: the group would
    # stay whole here, named, rather than leave a comment orphaned.
    noted: set[str] = set()
    for _ in range(10_000):
        doc = parse_settings(spec, text, label)
        found = ours(spec, doc, own)
        noted |= {h.event for h in found if commented(text, h)}
        found = [h for h in found if h.event not in noted]
        if not found:
            break
        h = found[0]
        own = own.without(h.event)  # the one line the install wrote there is out
        group = h.list_node.items[h.index]
        alone = h.inner is None or (len(h.inner.items) == 1
                                    and set(group.value) <= {"matcher", "hooks"})
        if alone:
            text = sf.remove_item(text, h.list_node, h.index)
            emptied = len(h.list_node.items) == 1
        else:
            assert h.inner is not None
            text = sf.remove_item(text, h.inner, h.inner_index)
            emptied = False
        if emptied and h.event not in kept:  # the list held only ours: it goes, and so does
            doc = parse_settings(spec, text, label)  # a hooks object left empty
            hooks = doc.get("hooks")
            assert hooks is not None
            index = hooks.member_index(h.event)
            if index is not None and _bare(text, hooks.members[index].value):
                text = sf.remove_member(text, hooks, index)
                if len(hooks.members) == 1 and "hooks" not in kept:
                    doc = parse_settings(spec, text, label)
                    at = doc.member_index("hooks")
                    if at is not None and _bare(text, doc.members[at].value):
                        text = sf.remove_member(text, doc, at)
        actions.append(f"removed {h.event}")
    actions += [f"kept {event} (a comment is inside our entry: remove it by hand if you want)"
                for event in sorted(noted)]
    if actions and blanks:
        text = _put_blanks_back(spec, text, label, blanks, {a.split()[-1] for a in actions
                                                              if a.startswith("removed ")})
    return text, actions


def _bare(text: str, node: sf.Node) -> bool:
    """Whether a container holds nothing at all: no entry, and no comment (a JSONC comment the
    person wrote inside a list keeps it)."""
    return (node.kind in ("object", "array") and not node.items and not node.members
            and not text[node.start + 1:node.end - 1].strip(" \t\r\n"))


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _commented(text: str, node: sf.Node) -> bool:
    """Whether a JSONC comment is inside ``node``'s text (outside its strings)."""
    return "/" in _STRING.sub("", text[node.start:node.end])


def commented(text: str, h: Handler) -> bool:
    """Whether the person wrote a comment inside the entry holding a line of ours (Cursor reads
    JSONC): the uninstall keeps that entry, with the comment, and names it; status says so."""
    return _commented(text, _entry_node(h))


def _entry_node(h: Handler) -> sf.Node:
    """The entry in the event's list that holds a handler (Claude Code: its group)."""
    return h.list_node.items[h.index]


def _put_blanks_back(spec: AgentSpec, text: str, label: str, blanks: dict[str, str],
                     emptied: set[str]) -> str:
    """``text`` with the blanks that were inside the ``hooks`` object and the event lists the
    uninstall emptied (of ``emptied``) put back: ``[ ]`` again, not ``[]``."""
    for key, inside in blanks.items():
        hooks = parse_settings(spec, text, label).get("hooks")
        node = hooks if key == "hooks" else hooks.get(key) if hooks is not None else None
        if (node is None or node.kind not in ("object", "array") or node.end - node.start != 2
                or (key != "hooks" and key not in emptied)):
            continue
        text = text[:node.start + 1] + inside + text[node.end - 1:]
    return text


def plan_install(agent: str, scope: str, root: Path, prefix: list[str] | None = None) -> Plan:
    """The change ``hooks install`` makes (``prefix``: the executable, default
    :func:`executable`)."""
    spec = spec_of(agent)
    path, label = settings_path(spec, scope, root)
    logical = _logical(spec, scope, root)
    if logical.is_symlink() and not path.parent.is_dir():  # its mkdir would go where it leads
        raise InstallRefused(f"{label} is a symlink to {path}, whose folder does not exist: "
                             "create it, or remove the link; nothing was written")
    before = read_settings(path, label)
    record = read_record(logical, label)
    exe = prefix or executable()
    empty = before is None or not before.strip()  # an empty file holds nothing: start afresh
    own = Owned({}) if empty else owned(record, installing=True, spec=spec, path=path)
    after, done = install_text(spec, spec.skeleton if empty else before or "", label,
                               lambda event: command_line(exe, event, spec.name), own)
    old = (set() if empty else _still_ours(spec, before or "", label, own,
                                           folders.containers_of(record) | set(blanks_of(record))))
    containers = set(done.added) | (old & folders.containers_of(record))
    return Plan(agent, scope, path, label, before, after, done.actions, logical=logical,
                base=folders.base_of(scope, root, spec.name),
                backup_to=None if before is None else _backup_target(spec, path, before, label),
                entries=done.wrote, containers=sorted(containers),
                theirs=sorted(done.theirs),
                blanks={**{k: v for k, v in blanks_of(record).items() if k in old}, **done.blanks})


def _still_ours(spec: AgentSpec, text: str, label: str, own: Owned, containers: frozenset[str]
                ) -> set[str]:
    """The containers an earlier install recorded adding that are still its: an event list
    holding its line (as written, or changed since), and the ``hooks`` object around one. Once
    the person took our lines out, what is left (their own lists, even empty) is theirs."""
    live = {event for event, got in splits(spec, text, label, own) if got.mine or got.changed}
    return {c for c in containers if c in live or (c == "hooks" and live)}


def read_record(logical: Path, label: str) -> dict[str, object] | None:
    """The install record beside the settings file (None: none); refused when it is there but
    cannot be read: what the install added is then unknown, and guessing could take a line of
    the person's or leave ours (nothing is written: the record and the file stay as they are)."""
    try:
        return folders.read_record(logical)
    except folders.RecordUnreadable as e:
        raise InstallRefused(record_problem(label, e.why)) from e


def record_problem(label: str, why: str) -> str:
    """What to do about an install record that cannot be read."""
    return (f"{label}{folders.FOLDERS_SUFFIX}, our record of what the install added to {label},"
            f" cannot be read ({why}): without it we cannot tell our entries from yours. "
            "Nothing was written. Restore it, or move it aside: then only entries in exactly "
            "the form an install writes count as ours, and the file and its folders stay")


def blanks_of(record: dict[str, object] | None) -> dict[str, str]:
    """The blanks the record says were inside containers the install filled."""
    found = record.get("blanks") if record is not None else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def owned(record: dict[str, object] | None, installing: bool = False,
          spec: AgentSpec | None = None, path: Path | None = None) -> Owned:
    """What the record says is ours and the person's. No record at all: for an install, nothing
    in the file is ours (a line running our hook is the person's, and the record it writes says
    so); for an uninstall or status, lines in exactly the install's form (an install from before
    records kept entries), but for those the oldest backup beside ``path`` holds: the file had
    them before the first install that left one."""
    entries = folders.entries_of(record)
    if record is None and installing:
        entries = {}
    theirs = folders.theirs_of(record)
    if entries is None and spec is not None and path is not None:
        theirs |= _first_backup_lines(spec, path)
    return Owned(entries, theirs)


def _first_backup_lines(spec: AgentSpec, path: Path) -> frozenset[str]:
    """The lines running our hook in the oldest backup beside ``path`` (none when it is a
    symlink, or cannot be read as a settings file)."""
    found = backups(path)
    if not found or found[0].is_symlink():
        return frozenset()
    try:
        text = read_settings(found[0], found[0].name)
        lines = {h.command.value for _, got in splits(spec, text or "", found[0].name, LEGACY)
                 for h in got.mine + got.changed + got.theirs} if text and text.strip() else set()
    except InstallRefused:
        return frozenset()
    return frozenset(lines)


def _made_by_record(spec: AgentSpec, record: dict[str, object] | None, before: str,
                    label: str) -> bool:
    """False when the record says an install made the file but this one is not that install's
    (the person removed it and wrote their own): what the record names is not in it."""
    created = record.get("created") if record is not None else None
    if not isinstance(created, str):
        return True
    own = owned(record)
    return (_holds_ours(spec, before, label, own)
            and uninstall_text(spec, before, label, own=own)[0] == created)


def _logical(spec: AgentSpec, scope: str, root: Path) -> Path:
    """The settings file as the agent reads it: absolute, its symlinks not followed."""
    return Path(os.path.abspath(spec.scope_file(scope, root)))


def plan_uninstall(agent: str, scope: str, root: Path) -> Plan:
    """The change ``hooks uninstall`` makes: our entries out. A file the install made (its
    folder record says so) goes when what is left is exactly what that install would leave;
    a file that was there before the install never goes: it comes back to its backup's text
    when that is what is left, else only our entries leave it (everything else stays: with no
    readable backup to compare, empty lists too)."""
    spec = spec_of(agent)
    path, label = settings_path(spec, scope, root)
    before = read_settings(path, label)
    logical, base = _logical(spec, scope, root), folders.base_of(scope, root, spec.name)
    record = read_record(logical, label)
    if before is None or not before.strip():
        why = "nothing installed: " + ("no file" if before is None else "an empty file")
        if before is not None and record is not None:
            # (the record stayed behind: an emptied file is nothing of ours, and the record of
            # what the install added goes; a file the install made goes with it, blank)
            why += (" the install made (it goes, with our record beside it)"
                    if isinstance(record.get("created"), str)
                    else " (our record of the install beside it goes)")
        return Plan(agent, scope, path, label, before, before, [why], verb="uninstall",
                    logical=logical, base=base)
    found = os.path.lexists(_backup_path(path))
    kept_text = _prior_text(spec, path, label) if found else None
    created = record.get("created") if record is not None else None
    plan = Plan(agent, scope, path, label, before, before, [], verb="uninstall", logical=logical,
                base=base, backup_found=found, backup_text=kept_text,
                own=owned(record, spec=spec, path=path),
                containers=sorted(folders.containers_of(record)),
                blanks=blanks_of(record))
    if isinstance(created, str):
        _uninstall_made(spec, plan, created)
    else:
        _uninstall_persons(spec, plan)
    if not plan.actions:
        plan.actions = ["nothing of ours to remove"]
    plan.actions += kept_lines(spec, before, label, plan.own)
    # what stays in the install's form is remembered as the person's: with no record left, a
    # later uninstall would take a line in that form as an older install's
    by_event = splits(spec, before, label, plan.own)
    plan.theirs = sorted({h.command.value for _, got in by_event for h in got.theirs
                          if recognise(h.command.value)})
    # a line of ours changed since (kept): still ours, recorded as the install wrote it, so it
    # is removed once it is changed back
    plan.entries = {event: (plan.own.entries or {}).get(event, got.changed[0].command.value)
                    for event, got in by_event if got.changed}
    # an entry of ours with a comment of the person's inside (kept): still ours, so with the
    # comment gone it is removed
    for event, got in by_event:
        if any(commented(before, h) for h in got.mine):
            plan.entries.setdefault(event, (plan.own.entries or {}).get(
                event, got.mine[0].command.value))
    # a line of ours moved to another event (kept): still ours, so moved back it is removed
    for event, where in moved(spec, before, label, plan.own).items():
        plan.entries.setdefault(event, (plan.own.entries or {}).get(event, where[0][1]))
    return plan


def kept_lines(spec: AgentSpec, text: str, label: str, own: Owned) -> list[str]:
    """What an uninstall says of the lines running our hook that it leaves: the install's line
    changed since (not a simple edit of it), and the person's own."""
    said = []
    for event, got in splits(spec, text, label, own):
        if got.changed:
            said.append(f"kept {event} (changed since the install: remove it by hand if you "
                        "want)")
        if got.theirs:
            said.append(f"kept {event}: your own line runs our hook (not ours)")
    for event, where in sorted(moved(spec, text, label, own).items()):
        said.append(f"kept {moved_words(event, where)}: remove it by hand if you want")
    return said


def splits(spec: AgentSpec, text: str, label: str, own: Owned) -> list[tuple[str, Split]]:
    """:func:`split_event` for every event list in ``text``."""
    hooks = parse_settings(spec, text, label).get("hooks")
    members = hooks.members if hooks is not None and hooks.kind == "object" else []
    return [(str(m.key), split_event(spec, m.value, m.key, own)) for m in members
            if m.value.kind == "array"]


def moved(spec: AgentSpec, text: str, label: str, own: Owned) -> dict[str, list[tuple[str, str]]]:
    """Lines of ours found in another event's list (moved or copied there by hand), by the event
    they run the hook for: ``{event: [(where, line), ...]}``. Ours: the line the record names for
    that event, as written or changed (:func:`~server.hooks.install_agents.derived_from`); with
    no record of entries, a line in exactly the install's form. They run (at the other event),
    so an install adds no second one for their event; an uninstall keeps them (moved, whose the
    change is, is not known) and says so, and status names them."""
    if not text.strip():
        return {}
    hooks = parse_settings(spec, text, label).get("hooks")
    members = hooks.members if hooks is not None and hooks.kind == "object" else []
    found: dict[str, list[tuple[str, str]]] = {}
    for m in members:
        if m.value.kind != "array":
            continue
        for h in handlers(spec, m.value, str(m.key)):
            line = h.command.value
            got = runs_hook(line)
            if got is None or got[1] != spec.name or got[0] == m.key or line in own.theirs:
                continue
            event = got[0]
            if (recognise(line) == got if own.entries is None
                    else event in own.entries and derived_from(own.entries[event], line)):
                found.setdefault(event, []).append((str(m.key), line))
    return found


def moved_words(event: str, where: list[tuple[str, str]]) -> str:
    """How a line of ours moved to another event is named."""
    places = ", ".join(sorted({w for w, _ in where}))
    return f"our line for {event} is under {places} (moved or copied there since the install)"


def _prior_text(spec: AgentSpec, path: Path, label: str) -> str | None:
    """The latest backup's text when it is a plain file of ours that reads as a settings file
    (or is blank); None when it is a symlink, binary, unreadable or not JSON: never taken as the
    person's text."""
    if not _readable_backup(path):
        return None
    text = _backup_text(path, label)
    if text is None or not text.strip():
        return text
    try:
        parse_settings(spec, text, label)
    except InstallRefused:
        return None
    return text


def _uninstall_made(spec: AgentSpec, plan: Plan, created: str) -> None:
    """The install made the file: it goes when, our entries out, it is byte for byte what the
    install leaves (``created``); else the person added to it and it stays, ours out."""
    assert plan.before is not None
    after, actions = uninstall_text(spec, plan.before, plan.label, own=plan.own)
    plan.ours_alone = True
    plan.actions = actions
    if actions and after == created:
        plan.after = None
        # a later install's backup of this same file (an executable path updated): redundant
        kept = plan.backup_text
        plan.restores = (kept is not None and _holds_ours(spec, kept, plan.label)
                         and uninstall_text(spec, kept, plan.label)[0] == created)
        return
    plan.after = after
    if after != created:
        plan.actions.append("the install made this file, and it holds more now (your edits): "
                            "kept")


def _uninstall_persons(spec: AgentSpec, plan: Plan) -> None:
    """The file was there before the install: never removed. Our entries out, the containers the
    backup held kept (with no readable backup, all but those the install's record says it added:
    all of them for an older install's record); a blank file comes back blank."""
    assert plan.before is not None
    prior = plan.backup_text
    if prior is None:
        added = frozenset(plan.containers)
        plan.after, plan.actions = uninstall_text(
            spec, plan.before, plan.label,
            _containers(spec, plan.before, plan.label) - added, plan.own, plan.blanks)
        if plan.actions:
            plan.actions.append(
                "no readable backup to compare with: " + ("the lists the install added went "
                                                          "with ours, the rest is left as it is"
                                                          if added else
                                                          "the rest is left as it is, empty "
                                                          "lists included"))
        return
    raw = prior  # the backup's own text: removed only when the file is this again, byte for byte
    if prior.strip() and _holds_ours(spec, prior, plan.label):
        # lines calling ctxsteward were in the file before this install (the person's own, or
        # an older install's): the containers compared without them, but the backup stays
        prior = uninstall_text(spec, prior, plan.label)[0]
    plan.after, plan.actions = uninstall_text(spec, plan.before, plan.label,
                                              _containers(spec, prior, plan.label), plan.own,
                                              plan.blanks)
    if plan.actions and not prior.strip() and _only_containers(spec, plan.after, plan.label):
        plan.after = prior  # a blank file the person had is blank again (not our skeleton)
    plan.restores = plan.after == raw


def _holds_ours(spec: AgentSpec, text: str, label: str,
                own: Owned = LEGACY) -> bool:
    try:
        return bool(ours(spec, parse_settings(spec, text, label), own))
    except InstallRefused:
        return False


def _only_containers(spec: AgentSpec, text: str, label: str) -> bool:
    """Whether ``text`` holds nothing but a version and an empty hooks object."""
    try:
        left = parse_settings(spec, text, label).value
    except InstallRefused:
        return False
    return {k: v for k, v in left.items() if k != "version"} in ({}, {"hooks": {}})


def backups(path: Path) -> list[Path]:
    """The backups installs left beside ``path``, oldest first: ``NAME.ctxsteward-backup``, then
    ``NAME.ctxsteward-backup.2``, ``.3``, ... (an install never overwrites one: see
    :func:`_backup_target`)."""
    first = path.name + BACKUP_SUFFIX
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    numbered = []
    for name in names:
        m = re.fullmatch(re.escape(first) + r"(?:\.([1-9][0-9]*))?", name)
        if m and m.group(1) != "1":
            numbered.append((int(m.group(1) or 1), path.with_name(name)))
    return [p for _, p in sorted(numbered)]


def _backup_path(path: Path) -> Path:
    """The backup of the latest install (the highest number), or where the first one goes."""
    found = backups(path)
    return found[-1] if found else path.with_name(path.name + BACKUP_SUFFIX)


def _backup_target(spec: AgentSpec, path: Path, before: str, label: str) -> Path | None:
    """Where an install backs ``before`` up: nowhere when the latest backup already keeps that
    text (ours aside: a second install, an executable path updated), else the next free name,
    so a backup an uninstall said it kept (the person's text before an earlier install) is never
    overwritten."""
    found = backups(path)
    if not found:
        return path.with_name(path.name + BACKUP_SUFFIX)
    latest = found[-1]
    kept = _backup_text(path, label) if not latest.is_symlink() else None
    if kept is not None and _readable_backup(path) and (kept == before or _same_but_ours(
            spec, kept, before, label)):
        return None
    number = int(latest.name.rsplit(".", 1)[1]) if latest.name[-1].isdigit() else 1
    return path.with_name(f"{path.name}{BACKUP_SUFFIX}.{number + 1}")


def _same_but_ours(spec: AgentSpec, kept: str, before: str, label: str) -> bool:
    """Whether the backup's text and the file's are the same but for our entries (the
    containers the backup holds kept in both)."""
    if not kept.strip() or not before.strip():
        return False
    keep = _containers(spec, kept, label)
    try:
        return uninstall_text(spec, kept, label, keep)[0] == uninstall_text(spec, before, label,
                                                                              keep)[0]
    except InstallRefused:
        return False


def _backup_text(path: Path, label: str) -> str | None:
    """The backup an install left beside the file (its text before that install), or None."""
    try:
        return read_settings(_backup_path(path), label + BACKUP_SUFFIX)
    except InstallRefused:
        return ""  # unreadable: taken as a file the person had, whose containers are unknown


def _readable_backup(path: Path) -> bool:
    """Whether the backup is a plain file of ours we could read (not a symlink)."""
    backup = _backup_path(path)
    if backup.is_symlink():
        return False
    try:
        read_settings(backup, backup.name)
    except InstallRefused:
        return False
    return True


def _drop_backup(plan: Plan, out: Outcome) -> Path | None:
    """Remove the backup beside the file when it still holds the text the plan read (our
    install's, made redundant by this uninstall): never a symlink, never a changed file. One
    that could not be removed (the folder may not be written) is ``out.backup_stuck``."""
    backup = _backup_path(plan.path)
    if plan.backup_text is None or backup.is_symlink():
        return None
    try:
        if read_settings(backup, backup.name) != plan.backup_text:
            return None
    except InstallRefused:
        return None
    try:
        backup.unlink()
    except FileNotFoundError:
        return None
    except OSError as e:
        out.backup_stuck = (backup, (e.strerror or str(e)).lower())
        return None
    return backup


def _containers(spec: AgentSpec, text: str | None, label: str) -> frozenset[str]:
    """The ``hooks`` object and event lists ``text`` held ("hooks", event names)."""
    try:
        doc = parse_settings(spec, text or "", label) if text and text.strip() else None
    except InstallRefused:
        return frozenset()
    hooks = doc.get("hooks") if doc is not None else None
    if hooks is None:
        return frozenset()
    names = {str(m.key) for m in getattr(hooks, "members", [])}
    return frozenset({"hooks", *names})


def apply(plan: Plan) -> Outcome:
    """Write a plan: the old text backed up beside the file, then the new text atomically (or
    the file removed). An uninstall that gives the file back as the install's backup keeps it
    removes that backup; one that does not (the person's edits since) leaves it and writes no
    other. The folders an install makes are recorded (:mod:`server.hooks.install_folders`) and
    removed by the uninstall that removes the file, when still empty. Refused when the file
    changed since it was read."""
    from analyzers.fsutil import write_atomic

    out = Outcome()
    if not plan.changed:
        return _apply_unchanged(plan, out)
    spec = spec_of(plan.agent)
    now = read_settings(plan.path, plan.label)
    if now != plan.before:
        raise InstallRefused(f"{plan.label} changed while we worked; run the command again")
    if plan.ours_alone:  # the install made the file: it goes, or (added to) it is theirs now
        return _apply_made(plan, out)
    if plan.after is not None and plan.after.strip():  # (blank: the person's own blank file)
        parse_settings(spec, plan.after, plan.label)  # never write what we could not read back
    if plan.verb == "uninstall":
        # Only our entries leave the file (the diff shows them): no backup is written. The
        # install's backup is the person's text before it: redundant when the file is that
        # text again, else theirs to keep.
        refuse_read_only(plan)
        _write(plan, write_atomic)
        if plan.logical is not None:  # what the record said the install added is out
            folders.forget_created(plan.logical, plan.theirs, plan.entries)
        if plan.backup_found and plan.restores:
            out.backup_removed = _drop_backup(plan, out)
        if plan.backup_found and out.backup_removed is None and out.backup_stuck is None:
            out.backup_kept = _backup_path(plan.path)
            out.backup_changed = plan.backup_text is None or not _readable_backup(plan.path)
        out.backups_left = [b for b in backups(plan.path) if b not in (
            out.backup_removed, out.backup_kept, out.backup_stuck and out.backup_stuck[0])]
        return out
    if plan.before is not None:
        return _apply_over(plan, spec, out)
    if plan.after is not None and plan.logical is not None:
        # recorded before the file is written: a failed write leaves nothing unaccounted for
        # with the text the file comes back to once our entries are out: the uninstall removes
        # the file only when nothing else is in it
        folders.write_record(plan.logical,
                             folders.make_folders(plan.path, plan.logical, plan.base),
                             created=uninstall_text(spec, plan.after, plan.label)[0],
                             entries=plan.entries, containers=plan.containers,
                             theirs=plan.theirs)
    _write(plan, write_atomic)
    return out


def _apply_unchanged(plan: Plan, out: Outcome) -> Outcome:
    """A plan that leaves the file as it is: what goes with it (the folders of a file gone, a
    redundant backup and the record), or the record of the person's lines an install found."""
    if plan.verb == "uninstall" and plan.before is None and plan.logical is not None:
        # the file is gone already (removed by hand): the folders made for it may go too
        out.folders = folders.remove_folders(plan.path, plan.logical, plan.base)
        out.backups_left = backups(plan.path)  # an earlier install's: kept, and named
    elif (plan.verb == "uninstall" and plan.before is not None and not plan.before.strip()
          and plan.logical is not None):
        # emptied by hand: nothing of ours is in it, so the record of what we added goes (it
        # stayed behind); a file the install made is nobody's now, and goes with its folders
        record = read_record(plan.logical, plan.label)
        if record is not None and isinstance(record.get("created"), str):
            refuse_read_only(plan)
            plan.path.unlink()
            out.folders = folders.remove_folders(plan.path, plan.logical, plan.base)
        elif record is not None:
            folders.forget_created(plan.logical, [], {})
        out.backups_left = backups(plan.path)
    elif (plan.verb == "uninstall" and plan.backup_found and plan.restores
          and plan.logical is not None):
        # ours are out already and the file is its backup's text again, byte for byte (the
        # person took ours out by hand, or an install was killed between writing the backup
        # and the file): the backup is redundant and the record names nothing in the file
        folders.forget_created(plan.logical, plan.theirs, plan.entries)
        out.backup_removed = _drop_backup(plan, out)
        out.backups_left = [b for b in backups(plan.path) if b not in (
            out.backup_removed, out.backup_stuck and out.backup_stuck[0])]
    elif plan.verb == "install" and plan.logical is not None and (
            plan.theirs or folders.record_path(plan.logical).exists()):
        # nothing to add, but the lines it left are the person's: recorded so, or an
        # uninstall with no record would take one in the install's form as an older one's
        folders.write_record(plan.logical, [], entries=plan.entries,
                             containers=plan.containers, theirs=plan.theirs,
                             blanks=plan.blanks)
    return out


def _apply_over(plan: Plan, spec: AgentSpec, out: Outcome) -> Outcome:
    """Install over a file that is there: its backup and the record first, then the new text;
    when the file cannot be written, the backup and record are taken back."""
    from analyzers.fsutil import write_atomic

    assert plan.before is not None
    refuse_read_only(plan)
    # The backup is as private as the file: a settings file at 600 is not copied at 644.
    # Never over another backup (an earlier install's, kept): plan.backup_to is a free name.
    mode = stat.S_IMODE(plan.path.stat().st_mode)
    out.backup = plan.backup_to or _backup_path(plan.path)
    record = folders.record_path(plan.logical) if plan.logical is not None else None
    was = _bytes_of(record)
    try:
        if plan.backup_to is not None:
            write_atomic(plan.backup_to, plan.before, mode=mode)
            _same_owner(plan.backup_to, plan.path)
        if plan.logical is not None:
            _forget_stale_created(spec, plan)
            folders.write_record(plan.logical, [], entries=plan.entries,
                                 containers=plan.containers, theirs=plan.theirs,
                                 blanks=plan.blanks)
        _write(plan, write_atomic)
    except OSError:
        # the file could not be written (a file mounted on its own, the disk full): the
        # backup and the record of an install that did not happen are taken back
        _undo(plan.backup_to, record, was)
        raise
    return out


def refuse_read_only(plan: Plan) -> None:
    """A file that may not be written (no write permission for anyone, or not for us) is the
    person's to keep as it is: refused, nothing written (root could replace it anyway). Checked
    by ``hooks install|uninstall`` before it prints the diff too (a change refused is shown as no
    diff), and again when writing."""
    found = read_only(plan.path)
    if found is None:
        return
    why, frozen = found
    what_to_do = f"make it writable to {plan.verb} our hooks; " if frozen else ""
    raise InstallRefused(f"{plan.label} {why}: {what_to_do}nothing was written")


def _bytes_of(path: Path | None) -> bytes | None:
    """A record's bytes before an install rewrites it (None: none, or unreadable)."""
    try:
        return path.read_bytes() if path is not None and path.is_file() else None
    except OSError:
        return None


def _undo(backup: Path | None, record: Path | None, was: bytes | None) -> None:
    """Take back what an install wrote beside a file it then failed to write: the backup it
    made, and the record (as it was, or gone when there was none)."""
    from analyzers.fsutil import write_atomic

    for path, old in ((backup, None), (record, was)):
        if path is None:
            continue
        try:
            if old is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, old.decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            pass


def _forget_stale_created(spec: AgentSpec, plan: Plan) -> None:
    """An install over a file that is there: when the record says an earlier install made it
    but the file is not that install's (no entry of ours, or more than it left: the person
    removed it and wrote their own), the file is the person's: the record keeps only the
    folders, so no uninstall removes it."""
    assert plan.logical is not None and plan.before is not None
    record = read_record(plan.logical, plan.label)
    if record is None or not isinstance(record.get("created"), str):
        return
    if plan.before.strip() and _made_by_record(spec, record, plan.before, plan.label):
        return  # the file that install made (an executable path updated): still made by us
    folders.forget_created(plan.logical)


def _apply_made(plan: Plan, out: Outcome) -> Outcome:
    """Uninstall a file the install made: removed when nothing of the person's is in it (with a
    later install's backup of that same file), else written without our entries and no longer
    counted as the install's. Every other backup beside it stays, named."""
    from analyzers.fsutil import write_atomic

    refuse_read_only(plan)
    if plan.after is None:
        plan.path.unlink()
        out.backup_removed = _drop_backup(plan, out) if plan.restores else None
        if plan.logical is not None:
            out.folders = folders.remove_folders(plan.path, plan.logical, plan.base)
    else:
        parse_settings(spec_of(plan.agent), plan.after, plan.label)
        _write(plan, write_atomic)
        if plan.logical is not None and plan.entries:
            # lines of ours stay (a comment inside, changed, moved): the record keeps them and
            # that the install made the file, so once they can go the file and its folders go
            folders.write_record(plan.logical, [], entries=plan.entries, theirs=plan.theirs)
        elif plan.logical is not None:
            folders.forget_created(plan.logical, plan.theirs, plan.entries)
    out.backups_left = [b for b in backups(plan.path) if b not in (
        out.backup_removed, out.backup_stuck and out.backup_stuck[0])]
    return out


def _temp_names(name: str) -> re.Pattern[str]:
    """The temporary files :func:`analyzers.fsutil.write_atomic` makes writing the settings file
    ``name``, its backups and its record (``.NAME.ctxsteward-XXXXXXXX.tmp``, the suffixes of ours
    between), before it renames them into place."""
    ours = rf"(?:{re.escape(BACKUP_SUFFIX)}(?:\.[1-9][0-9]*)?|{re.escape(folders.FOLDERS_SUFFIX)})?"
    return re.compile(rf"\.{re.escape(name)}{ours}\.{TEMP_PREFIX}[a-z0-9_]{{8}}\.tmp")


def sweep_temps(plan: Plan) -> list[Path]:
    """Remove the temporary files a run of ours killed while writing left beside the settings
    file (and beside the file a symlinked one leads to): named as :func:`_temp_names` says,
    plain files (never a symlink or folder) owned by us. Called only while the lock is held, so
    no run of ours is writing one; what could not be removed stays. The paths removed."""
    removed: list[Path] = []
    for path in dict.fromkeys(p for p in (plan.logical, plan.path) if p is not None):
        pattern = _temp_names(path.name)
        try:
            names = sorted(os.listdir(path.parent))
        except OSError:
            continue
        for name in names:
            temp = path.parent / name
            if not pattern.fullmatch(name):
                continue
            try:
                st = temp.lstat()
                if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
                    continue
                temp.unlink()
            except OSError:
                continue
            removed.append(temp)
    return removed


def _same_owner(backup: Path, path: Path) -> None:
    """The backup belongs to whoever owns the file (root installing into another user's file
    leaves them a backup they own); left as it is when the process may not change it."""
    st = path.stat()
    if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.chown(backup, st.st_uid, st.st_gid)
        except OSError:
            pass


def _write(plan: Plan, write_atomic: Callable[..., None]) -> None:
    if plan.after is None:
        plan.path.unlink()
    else:
        write_atomic(plan.path, plan.after)
