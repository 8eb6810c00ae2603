"""CS004: a section whose referenced files changed substantially after the instruction file last
changed. The section may describe code that is no longer there.

The baseline is the instruction file's last commit; changes are the commits and changed lines
(``git log --numstat``) of the files and folders the section references, newer than that commit.
Information from ``drift_threshold`` changed lines, a warning from five times as many. Files that
are not the repository's own code (lock files, generated, vendored and minified ones:
:mod:`analyzers.indexing.filekinds`) are no drift, named or under a folder named.
"""

from __future__ import annotations

from analyzers.indexing.filekinds import path_kind
from analyzers.instructions.context import FileContext
from analyzers.instructions.gitinfo import CommitRef, Touch
from analyzers.instructions.markdown import Loc, normalise_newlines, parse
from analyzers.instructions.paths import resolved_refs


def section_paths(ctx: FileContext) -> dict[int, set[str]]:
    """Section index -> existing referenced paths (not instruction files) in that section."""
    sections = ctx.doc.sections()
    out: dict[int, set[str]] = {}
    for r in resolved_refs(ctx):
        if r.target is None or r.target in (ctx.path, ctx.real_path, "."):
            continue
        if ctx.ws.is_instruction_file(r.target):
            continue
        if path_kind(r.target) is not None:
            # a lock file (uv.lock), a generated, vendored or minified one: it changes by
            # thousands of lines when dependencies move, and the section naming it still holds
            continue
        line = r.ref.loc.line
        for i, s in enumerate(sections):
            if s.start <= line < s.end:
                out.setdefault(i, set()).add(r.target)
                break
    return out


def check(ctx: FileContext) -> None:
    git = ctx.ws.git
    if git is None:
        return
    by_section = section_paths(ctx)
    edited = _edited_sections(ctx) if by_section else set()
    by_section = {i: ps for i, ps in by_section.items() if i not in edited}
    if not by_section:
        return
    wanted = set().union(*by_section.values())
    found = git.drift({ctx.real_path: wanted}).get(ctx.real_path)
    if found is None or found.baseline is None:
        return
    base = found.baseline
    changes = found.touches
    threshold = ctx.ws.settings.drift_threshold
    sections = ctx.doc.sections()
    for i, paths in sorted(by_section.items()):
        per_path = {p: changes.get(p, []) for p in sorted(paths)}
        total = sum(t.added + t.deleted for ts in per_path.values() for t in ts)
        commits = {t.commit.sha for ts in per_path.values() for t in ts}
        if total < threshold and not (total == 0 and len(commits) >= threshold):
            continue
        s = sections[i]
        line = s.start
        loc = Loc(line, 0, line, len(ctx.doc.lines[line]) if line < len(ctx.doc.lines) else 0)
        ctx.report(loc, "CS004", _message(ctx.path, base, per_path, total, len(commits)),
                   severity="warning" if total >= 5 * threshold else "information")


def _edited_sections(ctx: FileContext) -> set[int]:
    """Sections whose text differs from the committed file: being reviewed right now."""
    git = ctx.ws.git
    if git is None:
        return set()
    unsaved = ctx.path in ctx.ws.overlay or ctx.real_path in ctx.ws.overlay
    if not unsaved and not git.modified([ctx.real_path]):
        return set()
    committed = git.committed_text(ctx.real_path)
    if committed is None or normalise_newlines(committed) == ctx.doc.text:
        return set()
    old = parse(committed)
    before = {(s.heading.text if s.heading else ""): old.section_text(s) for s in old.sections()}
    return {i for i, s in enumerate(ctx.doc.sections())
            if before.get(s.heading.text if s.heading else "") != ctx.doc.section_text(s)}


def _message(path: str, base: CommitRef, per_path: dict[str, list[Touch]], total: int,
             ncommits: int) -> str:
    busy = sorted(((p, ts) for p, ts in per_path.items() if ts),
                  key=lambda x: -sum(t.added + t.deleted for t in x[1]))
    parts = []
    for p, ts in busy[:3]:
        added = sum(t.added for t in ts)
        deleted = sum(t.deleted for t in ts)
        parts.append(f"{p} +{added}/-{deleted} in {len(ts)} commit{'s' * (len(ts) != 1)} "
                     f"(latest {ts[0].commit.short})")
    more = f" and {len(busy) - 3} more" if len(busy) > 3 else ""
    return (f"Since {path} last changed in {base.describe()}, files this section references "
            f"changed by {total:,} lines in {ncommits} commit{'s' * (ncommits != 1)}: "
            f"{'; '.join(parts)}{more}. Review the section; committing the file marks it "
            "reviewed.")
