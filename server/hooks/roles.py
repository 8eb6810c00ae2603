"""What the hook does for each role of an event (``events.py``): route a prompt, carry the
handoff note into a session, refresh the note before compaction and at session end.

Each function takes the :class:`Run` and returns the context to add ("" for none); the caller
shapes it for the agent (``events.output``).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analyzers.printable import plural
from server.hooks import indexer
from server.hooks.events import (
    INJECTS,
    MAX_BYTES,
    MAX_CHARS,
    PRE_COMPACT,
    PROMPT,
    SESSION_END,
    SESSION_START,
    TIME_LIMITS,
)
from server.hooks.options import Options
from server.hooks.payload import HookInput
from server.hooks.state import fingerprint, load_session, save_session, stamp

if TYPE_CHECKING:
    from analyzers.app.workspace import Snapshot, Workspace


@dataclass
class Run:
    """One run of the hook: where, for whom, with what input and options; what it logged."""

    root: Path
    agent: str
    event: str
    role: str
    hook: HookInput
    options: Options
    notes: list[str] = field(default_factory=list)  # said in the run's log line
    started: float = field(default_factory=time.monotonic)  # when the hook began (run.main)
    # the answer when the role is stopped at a deadline of its own (``run.py`` converts the
    # Cancelled), instead of nothing
    if_stopped: Callable[[], str] | None = None

    def note(self, text: str) -> None:
        """Say ``text`` in the run's log line."""
        self.notes.append(text)

    @property
    def injects(self) -> bool:
        """Whether this event's output reaches the agent's model."""
        return (self.agent, self.role) in INJECTS


# Agents whose transcript is never read for seeds (its format is no interface of theirs).
UNREAD_TRANSCRIPTS = frozenset({"codex"})

# Prompts that only acknowledge or steer ("yes", "continue", "ok, go on") route nothing.
ACK_WORDS = frozenset("""
yes y yep yeah yup no n nope ok okay k kk sure fine good great nice cool thanks thank you thx ty
continue go on proceed next again retry do it please pls lgtm done stop wait right correct
agreed agree perfect awesome sounds looks that this it and so now then keep going carry
""".split())
# Words a follow-up in the conversation is made of ("undo that change", "now the same for the
# other one", "go ahead and commit it", "looks good, run the tests"): they point back at what the
# agent was just doing, never at code. A prompt of these only (and acknowledgements) routes
# nothing: a map ranked from them names unrelated files (click: "undo that change" listed
# CHANGES.md and core.py's invoke), and the agent already has the map of the prompt that gave it
# its task. A word spelled as code (``undo_change``, ``otherOne``) is a task's word.
FOLLOW_UP_WORDS = frozenset("""
undo undone revert reverted redo rollback roll back change changes changed same other others
another one ones previous last above earlier before instead also too rest both all everything
something anything ahead go did make try run rerun commit push apply use good better works
worked working work wrong explain why how what mean show see let lets us can could would should
we me think really just way thing things step part file files version look like first second
well more less bit little test tests fix fixed exactly here there
""".split())
# Words that say how the last turn's work turned out or should change ("make it faster", "that
# broke the build, fix it", "it still fails", "the tests fail, fix them"): not a task's words in a
# prompt that points back (:data:`POINTERS`: "it", "that", "them", "again", "same", ...), where
# they are about the agent's last change. Without a pointer they may name code ("fix the build",
# "speed up the slow query"): the prompt routes. Any other word (``cookie``, ``startup``) makes
# the prompt a task ("make the session cookie expire after 1 hour").
OUTCOME_WORDS = frozenset("""
faster slower quicker fast slow simpler shorter longer smaller bigger cleaner nicer safer clearer
readable robust stable broke broken break breaks breaking build builds compile compiles
compiling fail fails failed failing failure failures error errors crash crashes crashed bug
bugs buggy issue issues problem problems warning warnings still anymore green red pass passes
passed passing output result results again happened happens happen wrong right
""".split())
POINTERS = frozenset("""
it its that this these those them they same again still previous last above instead
""".split())
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_TASK_CHARS = 8_000  # of a prompt routed as a task (a pasted log must not slow the ranking)


def skip_reason(prompt: str, options: Options) -> str:
    """Why ``prompt`` routes nothing ("" when it routes): empty, a slash command, matching
    ``--skip``, fewer than ``--min-words`` searchable words besides acknowledgements, or a
    follow-up in the conversation (:data:`FOLLOW_UP_WORDS` only, and :data:`OUTCOME_WORDS` in a
    prompt that points back; ``--min-words 0`` routes it)."""
    text = prompt.strip()
    if not text:
        return "empty prompt"
    if text.startswith("/"):
        return "a slash command"
    if options.skip and re.search(options.skip, text, re.IGNORECASE):
        return "matches --skip"
    from analyzers import lexical

    # (trailers, addresses and links' hosts are not words of a task: lexical.task_text)
    rest = [w for w in _WORD.findall(lexical.task_text(text)) if w.lower() not in ACK_WORDS]
    found = set(lexical.words(" ".join(rest)))
    if len(found) < max(options.min_words, 1):
        # (the ranking reads identifiers and paths: a prompt in another script has none to match)
        other = " of Latin letters; the ranking matches code names" if any(
            ch.isalpha() and not ch.isascii() for ch in text) else ""
        return (f"{len(found)} searchable word{'' if len(found) == 1 else 's'}{other} "
                f"(fewer than {max(options.min_words, 1)})")
    chat = FOLLOW_UP_WORDS | POINTERS | (OUTCOME_WORDS if any(
        w.lower() in POINTERS for w in _WORD.findall(text)) else frozenset())
    task = [w for w in rest if w.lower() not in chat or not
            (w.islower() or w.istitle())]  # (``Undo_change``, ``otherOne``: code's names)
    if options.min_words and not lexical.words(" ".join(task)):
        return f"a follow-up in the conversation ({len(found)} words, none of a task)"
    return ""


def on_prompt(run: Run) -> str:
    """A context map for the prompt, files shown earlier in the session left out (none when the
    prompt routes nothing, the agent cannot be given context, or there is no index yet)."""
    from analyzers.app.workspace import Workspace

    prompt = run.hook.prompt
    run.note(f"prompt {fingerprint(prompt)}")
    # Full-width Latin (a CJK input method's ｒｅｆｕｎｄ＿ｃａｒｄ) as the names it spells.
    prompt = unicodedata.normalize("NFKC", prompt)
    ws = Workspace(run.root)
    # No index file at all: said without loading the index code (a cold hook answers at once).
    if not (run.root / ".ctxsteward" / "index.sqlite").is_file() or not ws.index_usable():
        run.note("no index yet: " + ("indexing in the background" if indexer.start(
            run.root, "no index", needed=True) else "an index is on its way"))
        return ""
    if not run.injects:
        run.note("this event cannot add context: nothing routed")
        return ""
    why = skip_reason(prompt, run.options)
    if why:
        if why.startswith("a follow-up"):  # (the task it follows had its map, if it routed)
            why += ": " + ("the session's earlier map stands" if load_session(
                run.root, run.hook.session_id) else "no map in this session yet")
        run.note(f"not routed: {why}")
        return ""
    return _map(run, ws, prompt[:MAX_TASK_CHARS])


def _map(run: Run, ws: Workspace, prompt: str) -> str:
    """The map for ``prompt`` in workspace ``ws``, remembered as shown in the session."""
    from analyzers.app.requests import MapRequest
    from server.cli.token_service import counting_elsewhere
    from server.hooks.transcript import recent_files

    sid = run.hook.session_id
    shown = load_session(run.root, sid)  # (those changed since are listed again, and say so)
    # Codex's reference: its transcript format "isn't a stable interface for hooks": not read.
    seeds = [] if run.agent in UNREAD_TRANSCRIPTS else recent_files(run.hook.transcript_path,
                                                                     run.root)
    def request(max_chars: int) -> MapRequest:
        return MapRequest(task=prompt, seeds=seeds, budget=run.options.budget,
                          max_chars=max_chars, skip=shown.unchanged,
                          changed=shown.changed, bodies=run.options.bodies,
                          limit=run.options.limit, decisions=run.options.decisions)

    with counting_elsewhere(ws.settings.encoding), ws.snapshot() as snapshot:
        if not snapshot.graph_current() and not _graph_updated(run, snapshot):
            return _no_map(run)
        made = [snapshot.map(request(MAX_CHARS[run.agent]))]

        def again(chars: int) -> str:
            made.append(snapshot.map(request(chars)))
            return made[-1].text

        if not within_bytes(run, made[0].text, again):
            return ""
        result = made[-1]
    relisted = sum(e.changed for e in result.entries)
    run.note(f"map: {plural(len(result.entries), 'file')}, {result.tokens} tokens, "
             f"{plural(len(seeds), 'seed')}, "
             f"{len(result.repeated)} not repeated, {len(result.also)} named again"
             + (f", {relisted} changed since shown, listed again" if relisted else ""))
    # Only files shown with their line ranges count as shown, each as it is now; a file gone
    # since is forgotten.
    save_session(run.root, sid, {**shown.stamps, **{
        p: was for p in result.shown if (was := stamp(run.root, p)) is not None}})
    return result.text


# Seconds a prompt may spend bringing a ranking graph of an earlier index up to date (only the
# changed files are read again: ~0.1 s on click, ~1 s on saleor). Building one from nothing
# takes seconds on a large repository: never in a prompt, the background index does it.
GRAPH_UPDATE_SECONDS = 1.5
NO_MAP_YET = ("(Context Steward: no map of the relevant files for this prompt: the repository "
              "changed and its ranking graph is being rebuilt in the background; the next "
              "prompt gets one.)")


def _graph_updated(run: Run, snapshot: Snapshot) -> bool:
    """Whether the ranking graph was made current for ``snapshot``'s index: only from a cached
    graph of an earlier index (an edit the index saw since, a refresh by another tool), within
    :data:`GRAPH_UPDATE_SECONDS`; past them the run is stopped (``run.py``) and answers
    :func:`_no_map`."""
    from analyzers.cancel import CancelToken
    from analyzers.indexing.store import GRAPH_FILE, state_dir

    if not (state_dir(run.root) / GRAPH_FILE).is_file():
        run.note("no ranking graph cached")
        return False
    began = time.monotonic()
    run.if_stopped = lambda: _no_map(run, f"not brought up to date within "
                                          f"{GRAPH_UPDATE_SECONDS:g} s")
    snapshot.warm_graph(CancelToken(deadline=began + GRAPH_UPDATE_SECONDS))
    run.if_stopped = None
    run.note(f"ranking graph brought up to date ({(time.monotonic() - began) * 1000:.0f} ms)")
    return True


def _no_map(run: Run, why: str = "") -> str:
    """The answer when the ranking graph is not current for the index (the background index
    builds it): one line saying so, never a silent nothing."""
    started = indexer.start(run.root, "ranking graph not current", needed=True)
    run.note(f"ranking graph not current for this index{': ' + why if why else ''}: no map, "
             + ("building it in the background" if started else "it is being built"))
    return NO_MAP_YET


def on_session_start(run: Run) -> str:
    """The handoff note's summary and human sections, bounded (none without a note). After a
    compaction or a clear the session forgets the files it was shown: they may be shown again."""
    from analyzers.app.workspace import Workspace

    if run.hook.source in ("compact", "clear") and run.hook.session_id:
        save_session(run.root, run.hook.session_id, {})
    ws = Workspace(run.root)
    if not ws.index_usable():
        indexer.start(run.root, "session start without an index", needed=True)
    if not run.injects:
        run.note("this event cannot add context: index warmed only")
        return ""
    text, problems = ws.carried_note(_note(run), run.options.handoff_budget,
                                     MAX_CHARS[run.agent])

    def again(chars: int) -> str:
        return ws.carried_note(_note(run), run.options.handoff_budget, chars)[0]

    text = within_bytes(run, text, again)
    run.note(f"handoff: {len(text)} characters" if text else
             f"no handoff note carried{': ' + problems[0] if problems else ''}")
    return text


BYTE_TRIES = 3  # answers made again with fewer characters, at most, to fit MAX_BYTES


def within_bytes(run: Run, text: str, again: Callable[[int], str]) -> str:
    """``text``, or for an agent that counts UTF-8 bytes (:data:`MAX_BYTES`: Codex) and finds it
    over, the answer made again by ``again(characters)`` with fewer characters (scaled by how far
    over it was, :data:`BYTE_TRIES` times at most); empty when it is still over."""
    limit = MAX_BYTES.get(run.agent)
    if limit is None:
        return text
    chars = MAX_CHARS[run.agent]
    for _ in range(BYTE_TRIES):
        size = len(text.encode("utf-8"))
        if size <= limit:
            return text
        chars = max(200, int(min(chars, len(text)) * limit / size * 0.95))
        run.note(f"{size:,} bytes, over {run.agent}'s {limit:,}: again within {chars:,} "
                 "characters")
        text = again(chars)
    if len(text.encode("utf-8")) > limit:
        run.note(f"still over {limit:,} bytes: nothing added")
        return ""
    return text


def _note(run: Run) -> Path | None:
    """The note file the options name (inside the workspace), or None for HANDOFF.md."""
    if not run.options.note:
        return None
    from analyzers.app.paths import Secrets, workspace_path

    return run.root / workspace_path(run.root, run.options.note, what="out",
                                     secrets=Secrets.NONE)


# The settings files ``hooks install`` may back up in a workspace (their backups, and the records
# of the folders an install made, are our state).
OUR_BACKUPS = (".claude/settings.json", ".claude/settings.local.json", ".cursor/hooks.json",
               ".github/hooks/ctxsteward.json", ".codex/hooks.json")
# Seconds kept, of an agent's limit on the hook (events.TIME_LIMITS), for the answer and exit.
EXIT_MARGIN = 0.5


def refresh_timeout(run: Run) -> float:
    """The seconds the note's refresh may take: ``--timeout``, and no more than what is left of
    the agent's own limit on this event's hook (Codex's ``SessionEnd``: 3 s at most), less
    :data:`EXIT_MARGIN`: past it the refresh stops and the note is left as it was, rather than
    the agent killing the hook mid-way."""
    limit = TIME_LIMITS.get((run.agent, run.event))
    if limit is None:
        return run.options.timeout
    left = limit - EXIT_MARGIN - (time.monotonic() - run.started)
    timeout = max(min(run.options.timeout, left), 0.001)
    if timeout < run.options.timeout:
        run.note(f"{run.agent} stops this hook after {limit:g} s: {timeout:.1f} s for the refresh")
    return timeout


def on_refresh(run: Run) -> str:
    """Refresh the handoff note's generated blocks (``ctxsteward handoff --out NOTE``), only
    when the note exists and can be updated; within ``--timeout`` (and the agent's own limit:
    :func:`refresh_timeout`), else left as it was."""
    from analyzers.agentfiles import BACKUP_SUFFIX, FOLDERS_SUFFIX
    from analyzers.app.errors import RequestError
    from analyzers.app.requests import DEFAULT_HANDOFF_BUDGET, HandoffRequest
    from analyzers.app.workspace import Workspace
    from analyzers.cancel import CancelToken
    from analyzers.handoff import DEFAULT_NOTE, update_note_file
    from analyzers.handoff.generate import read_existing
    from analyzers.handoff.markdown import recorded_base
    from analyzers.handoff.notefile import NoteReadOnly, refuse_read_only
    from server.hooks.install import backups

    note = _note(run) or run.root / DEFAULT_NOTE
    existing, problems = read_existing(note, run.root)
    if existing is None or problems:
        run.note("no note to refresh" if not problems else f"note left alone: {problems[0]}")
        return ""
    try:
        refuse_read_only(run.root, note)
    except NoteReadOnly as e:
        run.note(f"note left alone: {e}")
        return ""
    # The base the note was made with (``--base REF`` recorded in it), else the default.
    request = HandoffRequest(base=recorded_base(existing), budget=DEFAULT_HANDOFF_BUDGET)
    try:
        request.check()
    except RequestError:
        request.base = None
    run.note(f"base {request.base}" if request.base else "default base")
    # Past the deadline, Cancelled is raised before anything is written (run.py says so).
    token = CancelToken(deadline=time.monotonic() + refresh_timeout(run))
    ours = [run.root / f"{rel}{suffix}" for rel in OUR_BACKUPS  # install's backups, records
            for suffix in (BACKUP_SUFFIX, FOLDERS_SUFFIX)]
    ours += [p for rel in OUR_BACKUPS for p in backups(run.root / rel)]  # NAME...backup.2, ...
    made = Workspace(run.root).handoff(request, token, note_path=note,
                                       exclude_paths=[note, *ours])
    token.check()
    result = update_note_file(run.root, note, made)
    run.note(result.message)
    return ""


ROLES: dict[str, Callable[[Run], str]] = {
    PROMPT: on_prompt, SESSION_START: on_session_start, PRE_COMPACT: on_refresh,
    SESSION_END: on_refresh}
