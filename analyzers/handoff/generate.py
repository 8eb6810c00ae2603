"""Build a :class:`HandoffNote` from git state, tree-sitter, an optional test run and the note file.

:func:`generate` raises :class:`~analyzers.handoff.gitstate.HandoffError` for input it cannot work
with (not a git work tree, an unknown ``--base``); everything else that cannot be derived lands in
``note.problems`` and the note is still produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from analyzers.cancel import NEVER, Cancelled, CancelToken
from analyzers.config import Settings
from analyzers.handoff import fitting as budget_mod
from analyzers.handoff import nextbundle as bundle_mod
from analyzers.handoff import testrun
from analyzers.handoff.definitions import touched_definitions
from analyzers.handoff.gitstate import (
    diff_raw,
    head_and_branch,
    open_repository,
    read_state,
    status_text,
)
from analyzers.handoff.instructionfiles import applicable_files, with_diagnostics
from analyzers.handoff.markdown import (
    kept_blocks,
    parse_note,
    render_markdown,
    rendered_tokens,
    unchanged_since,
)
from analyzers.handoff.note import (
    BundleSuggestion,
    ChangeTotals,
    FileChange,
    HandoffNote,
    HumanSections,
    TodoLine,
    TouchedDefinition,
)
from analyzers.handoff.todos import added_todos
from analyzers.indexing.buildlock import Waiting
from analyzers.indexing.index import Index, refresh
from analyzers.indexing.store import STATE_DIR
from analyzers.secrets import redact, redact_git, secret_path
from analyzers.tokens import Counter

DEFAULT_NOTE = "HANDOFF.md"
_Pathed = TypeVar("_Pathed", FileChange, TouchedDefinition, TodoLine)


def shown_text(text: str) -> str:
    """A note's text as shown anywhere but in its own file (a command's output, an MCP answer
    or resource): every secret masked, the human sections' too. The file keeps what people wrote
    byte for byte; what is read out of it for an agent does not."""
    return redact_git(text, DEFAULT_NOTE)


def shown_note(note: HandoffNote) -> HandoffNote:
    """``note`` as shown (its JSON): the human sections masked as :func:`shown_text` masks
    them, and the paths of the changes, definitions and TODO lines (a secret in a file's path;
    every other field is masked as it is made; and the test command, kept as given to run it
    again: ``--test-cmd 'mysql -pV'`` showed V in the JSON)."""
    human = HumanSections(**{k: redact_git(v, DEFAULT_NOTE) if v else v
                             for k, v in note.human.model_dump().items()})
    tests = note.tests
    if tests is not None:
        tests = tests.model_copy(update={"command": redact_git(tests.command)})

    return note.model_copy(update={
        "human": human, "tests": tests, "committed_changes": masked_paths(note.committed_changes),
        "uncommitted_changes": masked_paths(note.uncommitted_changes),
        "touched_definitions": masked_paths(note.touched_definitions),
        "todos": masked_paths(note.todos)})


def shown_path(path: str) -> str:
    """A changed file's path as every rendering of a note shows it: a secret in a file or
    folder name masked (:func:`secret_path`), then what :func:`shown_text` would mask in it.
    Applied when the note is made, so the Markdown printed, the file written by ``--out`` and
    the JSON agree (the printed Markdown alone was masked, by :func:`shown_text`)."""
    return redact_git(secret_path(path) or path)


def masked_paths(items: list[_Pathed]) -> list[_Pathed]:
    """``items`` with their ``path`` and ``old_path`` as :func:`shown_path` shows them."""
    out = []
    for item in items:
        update = {}
        for field in ("path", "old_path"):
            value = getattr(item, field, None)
            if isinstance(value, str):
                update[field] = shown_path(value)
        out.append(item.model_copy(update=update) if update else item)
    return out


def note_file(root: Path, path: str | Path | None) -> Path:
    """The note file: ``path`` (relative to ``root`` when relative), else ``root/HANDOFF.md``."""
    p = Path(path) if path is not None else Path(DEFAULT_NOTE)
    return p if p.is_absolute() else root / p


def beside_candidates(path: Path) -> list[Path]:
    """Where a new note goes when ``path`` holds a note we must not overwrite."""
    stem, suffix = path.stem, path.suffix or ".md"
    return [path.with_name(f"{stem}.generated{suffix}")] + [
        path.with_name(f"{stem}.generated-{i}{suffix}") for i in range(2, 10)
    ]


def _excludes(top: Path, note: Path, extra: Sequence[str | Path] = ()) -> list[str]:
    out = [STATE_DIR]
    for p in [note, *beside_candidates(note), *(note_file(top, e) for e in extra)]:
        try:
            out.append(p.resolve().relative_to(top).as_posix())
        except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
            continue
    return out


def totals(changes: list[FileChange]) -> ChangeTotals:
    return ChangeTotals(files=len(changes), added=sum(c.added or 0 for c in changes),
                        removed=sum(c.removed or 0 for c in changes))


def read_existing(path: Path, root: Path) -> tuple[str | None, list[str]]:
    """The note file's text (None when absent) and why it cannot be updated, if so. A path
    inside the workspace whose real location is not (a symlink out) is never read; a path
    outside it as written can only be one the user typed (``--out``), and is read."""
    from analyzers.confine import OutsideWorkspace, check_read

    try:
        check_read(root, path, typed=True)
    except OutsideWorkspace as e:
        return None, [str(e)]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, []
    except IsADirectoryError:
        return None, [f"{path} is a folder"]
    except OSError as e:
        return None, [f"{path} cannot be read: {e}"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [f"{path} is not UTF-8 text"]
    if not text.strip():
        return text, []
    return text, parse_note(text, sections=False).problems  # (its problems are the markers')


def generate(
    root: Path, base: str | None = None, settings: Settings | None = None,
    test_cmd: str | None = None, token: CancelToken = NEVER, *,
    note_path: str | Path | None = None, budget: int = budget_mod.DEFAULT_BUDGET,
    bundle: bool = True, checks: bool = True, test_timeout: float | None = None,
    exclude_paths: Sequence[str | Path] = (), waiting: Waiting | None = None,
) -> HandoffNote:
    """The handoff note for the git work tree holding ``root``.

    ``note_path`` (default ``HANDOFF.md`` at the root) is the note being updated: its human
    sections are read (the goal becomes the bundle's task), its rendering counts toward the
    budget, and it is left out of the changed files (as are ``exclude_paths``). ``test_cmd``
    runs through the shell at the root; without it, the last recorded run is reported and
    marked stale if files changed since. ``bundle`` brings the index up to date (shared with the
    instruction checks) and suggests a context bundle; ``checks`` runs the instruction checker on
    the instruction files that apply; ``waiting`` is told once when another process's build of
    the index keeps it waiting (:mod:`analyzers.indexing.buildlock`).
    """
    settings = settings or Settings()
    repo, top = open_repository(Path(root))
    note_file_path = note_file(top, note_path)
    excludes = _excludes(top, note_file_path, exclude_paths)
    problems: list[str] = []

    evidence = None
    if test_cmd:
        head, _ = head_and_branch(repo)
        dirty = bool(status_text(repo, excludes).strip("\0"))
        evidence = testrun.run_tests(top, test_cmd, head=head, dirty=dirty,
                                     timeout=test_timeout, token=token)
    token.check()
    state = read_state(top, base, excludes=excludes, max_file_size=settings.max_file_size,
                       token=token)
    fp = testrun.fingerprint(top, state.head, state.status_text)
    if evidence is not None:
        try:
            testrun.save(top, evidence, fp)
        except OSError as e:
            problems.append(f"the test run could not be recorded under {STATE_DIR}/: {e}")
    else:
        stored = testrun.load(top)
        if stored is not None:
            ran_on = stored[0].commit
            other = bool(ran_on and state.head and ran_on != state.head
                         and not state.repo.is_ancestor(ran_on, state.head))
            evidence = testrun.mark_staleness(stored[0], stored[1], fp, state.head,
                                              other_branch=other)

    token.check()
    raws, _ = diff_raw(state.repo, state.diff_base, None, excludes, numstat=False)
    defs, def_problems = touched_definitions(
        state.repo, top, raws, state.untracked, max_file_size=settings.max_file_size, token=token)
    problems += def_problems
    token.check()
    todos = added_todos(state.repo, top, state.diff_base, state.untracked, excludes,
                        max_file_size=settings.max_file_size, token=token)

    existing, existing_problems = read_existing(note_file_path, top)
    human = HumanSections()
    if existing is not None and not existing_problems:
        human = parse_note(existing).human
        problems += [f"{note_file_path.name} {why}" for why in kept_blocks(existing)]
    elif existing_problems:
        problems.append(f"{note_file_path.name} cannot be updated in place "
                        f"({existing_problems[0]}); its human sections were not read")
        existing = None

    changes = state.committed + state.uncommitted
    touched = sorted({c.path for c in changes} | {c.old_path for c in changes if c.old_path})
    applicable = applicable_files(top, touched, settings)
    index = None
    suggestion = BundleSuggestion(available=False, reason="not requested")
    if bundle:
        try:
            # (a read-only checkout: the index as it is)
            refresh(top, settings, token=token, waiting=waiting)
            index = Index(top, settings)
        except Cancelled:
            raise
        except Exception as e:  # noqa: BLE001 - the index is optional here
            suggestion = BundleSuggestion(available=False,
                                          reason=f"no index could be read: {e}")
    try:
        if index is not None:
            goal = redact_git(human.goal, DEFAULT_NOTE) if human.goal else human.goal
            suggestion = bundle_mod.suggest(index, settings, changes, goal, token,
                                            exclude=[e for e in excludes if e != STATE_DIR])
        instructions = with_diagnostics(top, applicable, settings, token, index=index,
                                        run_checks=checks)
    finally:
        if index is not None:
            index.close()

    note = HandoffNote(
        repository=redact(top.name), remote=state.remote, branch=state.branch, head=state.head,
        base_ref=state.base.ref, base_source=state.base.source, base_reason=state.base.reason,
        merge_base=state.base.merge_base, generated_at=testrun.now_iso(),
        commits=state.commits, commits_total=state.commits_total,
        committed_totals=totals(state.committed),
        committed_changes=masked_paths(state.committed),
        uncommitted_totals=totals(state.uncommitted),
        uncommitted_changes=masked_paths(state.uncommitted),
        touched_definitions=masked_paths(defs), todos=masked_paths(todos),
        instructions=instructions, tests=evidence,
        bundle=suggestion, human=human, problems=state.problems + problems,
    )
    counter = Counter(settings.encoding, settings.model_profile())
    fitted = budget_mod.fit(note, lambda n: render_markdown(n, existing), counter, budget,
                            token=token, measure=rendered_tokens(existing, counter))
    return unchanged_since(fitted, existing, counter.count)
