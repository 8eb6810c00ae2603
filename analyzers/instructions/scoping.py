"""CS007: scoping that never fires, and malformed rule frontmatter.

- ``.cursor/rules/*.mdc``: ``globs`` matching no file; ``alwaysApply`` that is not a bare
  boolean (``"true"`` is a string); no way to apply (no globs, no description, not
  alwaysApply); no frontmatter at all.
- ``.cursor/rules/*.md``: Cursor reads only ``.mdc`` there.
- ``.claude/rules/*.md``: ``paths`` matching no file.
- ``.github/instructions/*.instructions.md``: ``applyTo`` matching no file, or missing.
"""

from __future__ import annotations

import posixpath

from analyzers.instructions import discover
from analyzers.instructions.context import FileContext
from analyzers.instructions.markdown import FrontmatterEntry, Loc


def _glob_fires(ctx: FileContext, globs: list[str]) -> bool:
    files = ctx.ws.files()
    if discover.matches_any(globs, files):
        return True
    # Rules in a nested .cursor/rules may be written relative to that folder.
    base = ctx.path.split("/.cursor/")[0] if "/.cursor/" in ctx.path else ""
    if base:
        return discover.matches_any([f"{base}/{g.lstrip('/')}" for g in globs], files)
    return False


def _entry_loc(ctx: FileContext, e: FrontmatterEntry) -> Loc:
    if e.value_loc is not None:
        return e.value_loc
    return Loc(e.line, 0, e.line, len(ctx.doc.lines[e.line]))


def _check_globs(ctx: FileContext, e: FrontmatterEntry, key: str, agent: str) -> None:
    globs = discover.split_globs(e.value)
    if not globs:
        return
    dead = [g for g in globs if not _glob_fires(ctx, [g])]
    if len(dead) == len(globs):
        ctx.report(_entry_loc(ctx, e), "CS007",
                   f"{key} {', '.join(globs)} match{'es' * (len(globs) == 1)} no file in the "
                   f"workspace, so {agent} never applies this rule: fix the pattern(s).")
    elif dead:
        ctx.report(_entry_loc(ctx, e), "CS007",
                   f"{key} pattern{'s' * (len(dead) != 1)} {', '.join(dead)} match no file: "
                   "fix or remove them.", severity="information")


def check(ctx: FileContext) -> None:
    kind = ctx.kind
    fm = ctx.doc.frontmatter
    if kind == discover.CURSOR_MISPLACED:
        new = posixpath.basename(ctx.path)[:-3] + ".mdc"
        ctx.report(ctx.first_line(), "CS007",
                   f"Cursor reads only .mdc files in .cursor/rules, so it ignores this file: "
                   f"rename it to {new} (and add frontmatter with globs or alwaysApply).")
        return
    if kind not in (discover.CURSOR_RULE, discover.CLAUDE_RULE, discover.COPILOT_SCOPED):
        return
    if fm is not None:
        for loc, problem in fm.problems:
            ctx.report(loc, "CS007", f"malformed frontmatter: {problem}; use 'key: value' lines.")
    entries = fm.entries if fm is not None else {}
    _not_yaml(ctx, entries)
    if kind == discover.CURSOR_RULE:
        _cursor(ctx, entries, fm is not None)
    elif kind == discover.CLAUDE_RULE:
        e = entries.get("paths")
        if e is not None:
            _check_globs(ctx, e, "paths", "Claude Code")
    else:
        e = entries.get("applyTo")
        if e is None:
            ctx.report(ctx.first_line() if fm is None else Loc(0, 0, 0, 3), "CS007",
                       "no applyTo in the frontmatter, so Copilot applies these instructions "
                       "only when attached by hand: add applyTo: \"**/*.py\" (or the files they "
                       "are for).", severity="information")
        else:
            _check_globs(ctx, e, "applyTo", "Copilot")


# What a plain (unquoted) YAML value cannot start with: ``*`` opens an alias, ``{`` a mapping,
# ``&`` an anchor, ``!`` a tag, the others are reserved. (Cursor's own rule editor writes
# ``globs: *.ts``: for Cursor, a leading ``*`` is its format, not reported.)
_NOT_PLAIN = tuple("*{&!%@`")
# The scoping key of each kind of rule, and the agent reading it.
_SCOPE_KEYS = {discover.CURSOR_RULE: ("globs", "Cursor"),
               discover.CLAUDE_RULE: ("paths", "Claude Code"),
               discover.COPILOT_SCOPED: ("applyTo", "Copilot")}


def _not_yaml(ctx: FileContext, entries: dict[str, FrontmatterEntry]) -> None:
    """Malformed frontmatter: a rule's globs written unquoted where YAML cannot read them
    (``globs: {app,web}/**/*.{ts,js}`` is a broken mapping, ``paths: **/*.ts`` an alias). The
    agents read the raw text as comma-separated globs, and so do these checks (its files are
    checked and compared as the globs written), but a tool reading the frontmatter as YAML
    (a linter, GitHub's rendering, another agent) rejects all of it: quoting keeps the globs
    and makes it YAML."""
    key, agent = _SCOPE_KEYS.get(ctx.kind, ("", ""))
    e = entries.get(key) if key else None
    if e is None or e.quoted or e.value_loc is None:
        return
    loc = e.value_loc
    raw = ctx.doc.lines[loc.line][loc.col:loc.end_col]
    if not raw.startswith(_NOT_PLAIN) or '"' in raw or \
            (ctx.kind == discover.CURSOR_RULE and raw.startswith("*")):
        return
    if ctx.kind == discover.CURSOR_RULE:  # quotes would turn it off: its globs one by one
        alts = [g for item in discover.split_globs(raw) for g in discover.expand_braces(item)]
        listed = ",".join(alts)
        fixable = len(alts) > 1 and not listed.startswith(_NOT_PLAIN)
        ctx.report(loc, "CS007",
                   f"malformed frontmatter: {key} {raw} is not valid YAML (a plain value cannot "
                   f"start with '{raw[0]}'), and quoting it would stop Cursor matching it (its "
                   "reader keeps the quotes): "
                   + (f"list the alternatives instead, {key}: {listed}." if fixable else
                      "list the alternatives instead, comma-separated."),
                   severity="information", fix=listed if fixable else None,
                   fix_title="List the alternatives")
        return
    ctx.report(loc, "CS007",
               f"malformed frontmatter: {key} {raw} is not valid YAML (a plain value cannot "
               f"start with '{raw[0]}'): {agent} reads it as written, but a YAML reader rejects "
               "the whole frontmatter; quote it.", severity="information", fix=f'"{raw}"',
               fix_title="Quote the globs")


def _cursor_cannot_read(ctx: FileContext, e: FrontmatterEntry) -> bool:
    """Globs Cursor's frontmatter reader does not see as written (reported; True then): it takes
    the rest of the ``globs:`` line as it is, so ``globs: "*.py"`` is the pattern ``"*.py"``,
    quotes and all, and matches no file; a YAML list on the lines below is no globs at all
    (seen in Cursor 3.17: cosai-oasis/project-codeguard#121)."""
    globs = discover.split_globs(e.value)
    if isinstance(e.value, list) and globs:
        listed = ",".join(globs)
        ctx.report(_entry_loc(ctx, e), "CS007",
                   f"globs is a YAML list, which Cursor's rule reader does not read (it sees no "
                   f"globs), so Cursor never applies this rule by its files: write them on the "
                   f"globs line, comma-separated: globs: {listed}")
        return True
    if e.quoted and globs and e.value_loc is not None:
        listed = ",".join(globs)
        ctx.report(e.value_loc, "CS007",
                   f"globs {ctx.doc.lines[e.value_loc.line][e.value_loc.col:e.value_loc.end_col]}"
                   f" is quoted: Cursor keeps the quotes as part of the pattern, so it matches "
                   f"no file and Cursor never applies this rule by its files: write globs: "
                   f"{listed} without quotes.", fix=listed, fix_title="Remove the quotes")
        return True
    return False


def _cursor(ctx: FileContext, entries: dict[str, FrontmatterEntry], has_fm: bool) -> None:
    if not has_fm:
        ctx.report(ctx.first_line(), "CS007",
                   "no frontmatter: Cursor applies this rule only when you @-mention it. Add "
                   "---/description/globs/alwaysApply/--- to have it applied.",
                   severity="information")
        return
    always = entries.get("alwaysApply")
    always_on = False
    if always is not None:
        if isinstance(always.value, bool):
            always_on = always.value
        elif isinstance(always.value, str) and always.value.lower() in ("true", "false"):
            # A string is not true to Cursor: its globs still decide, and are checked below.
            fixed = always.value.lower()
            ctx.report(_entry_loc(ctx, always), "CS007",
                       f"alwaysApply is the string \"{always.value}\", not a boolean: write "
                       f"alwaysApply: {fixed} (without quotes).", fix=fixed,
                       fix_title=f"Use the boolean {fixed}")
        else:
            ctx.report(_entry_loc(ctx, always), "CS007",
                       f"alwaysApply must be true or false, not {always.value!r}.")
    globs = entries.get("globs")
    unread = globs is not None and _cursor_cannot_read(ctx, globs)
    if globs is not None and not always_on and not unread:
        _check_globs(ctx, globs, "globs", "Cursor")
    has_globs = globs is not None and bool(discover.split_globs(globs.value))
    desc = entries.get("description")
    has_desc = desc is not None and isinstance(desc.value, str) and bool(desc.value.strip())
    if not (always_on or has_globs or has_desc):
        ctx.report(Loc(0, 0, 0, len(ctx.doc.lines[0])), "CS007",
                   "this rule has no globs, no description and alwaysApply is not true, so "
                   "Cursor never applies it by itself: add one of them.")
