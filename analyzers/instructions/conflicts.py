"""CS010 (information): files that apply to the same folder disagree.

- the same purpose (test, lint, format, build, type-check, install) with different commands;
- the same setting with different values (language versions, indentation, line length, the
  package manager to use);
- a near-duplicate section (same heading or mostly the same words) that has drifted apart;
- a ``CLAUDE.md`` beside an ``AGENTS.md`` that it does not ``@import`` (quick fix: import it).

"Files that apply to the same folder" are the files :func:`loaded.loaded_for` lists for the
file's folder, with imports, for the agents that read this file: Claude Code's ``CLAUDE.md``
and its imports are not compared with an ``AGENTS.md`` it never reads. Each is judged within
its scope (:func:`scope_of`), where it applies: a rule scoped by globs (a ``.cursor/rules``
file's ``globs``, ``applyTo``, ``paths``) in the folder of the files they match, not in
``.cursor/rules``, each of several globs where its own files are; and against the files that
apply wherever it does (an ancestor folder's, the repository's, a rule of the same scope or,
for one of its globs, one that has that glob too), never against a narrower one (a nested
folder's file, a rule scoped to some files), which is judged in its own scope instead. A
command that runs a variant (``tox r -e stress``, ``npm run test:e2e``, ``pytest -m slow``) is
not *the* command for its purpose and is compared with nothing. A nested file of a project of
its own (its folder, or one between it and the ancestor's, holds a manifest:
``api/pyproject.toml``) overrides the ancestor's commands and settings: only drifted duplicate
sections are reported there.
"""

from __future__ import annotations

import bisect
import difflib
import os
import posixpath
import re
from dataclasses import dataclass, field

from analyzers.instructions import discover
from analyzers.instructions.checkview import CheckView
from analyzers.instructions.context import FileContext
from analyzers.instructions.findings import AgentLoad
from analyzers.instructions.imports import expansion
from analyzers.instructions.loaded import loaded_for
from analyzers.instructions.markdown import Document, Loc
from analyzers.instructions.references import (
    RUNNERS,
    flat_region,
    hedged,
    hedged_at,
    paragraphs,
    region_at,
)

PURPOSES = {
    "test": re.compile(r"\btests?\b|\btesting\b", re.I),
    "lint": re.compile(r"\blint(?:s|ing|er)?\b", re.I),
    "format": re.compile(r"\bformat(?:ting|ter)?\b", re.I),
    "build": re.compile(r"\bbuild(?:ing|s)?\b", re.I),
    "type-check": re.compile(r"\btype[- ]?check(?:s|ing|er)?\b", re.I),
    "install": re.compile(r"\binstall(?:ing)?\b", re.I),
}
TOOLS = RUNNERS | {"tox", "nox", "ruff", "mypy", "black", "eslint", "prettier", "jest", "vitest",
                   "pyright", "tsc", "gradle", "./gradlew", "mvn", "bundle", "rake", "dotnet",
                   "pip", "swift", "mix", "composer"}
SETTINGS = [
    ("version of {0}", re.compile(
        r"\b(Python|Node(?:\.js)?|Go|Rust|Java|Ruby|TypeScript|PHP)\s+v?(\d+(?:\.\d+)?)\b")),
    ("indentation", re.compile(r"\bindent\w*\b\D{0,30}?\b(\d)[- ]spaces?\b|\b(\d)[- ]spaces? "
                               r"(?:for )?indent", re.I)),
    ("line length", re.compile(r"\b(?:max(?:imum)?[- ])?line[- ](?:length|width)\D{0,20}?"
                               r"\b(\d{2,3})\b", re.I)),
    ("JavaScript package manager", re.compile(
        r"\b(?:use|using|prefer|always use)\s+`?(npm|pnpm|yarn|bun)\b`?(?! run)", re.I)),
    ("Python package manager", re.compile(
        r"\b(?:use|using|prefer|always use)\s+`?(uv|poetry|pipenv|pdm|hatch|pip)\b`?", re.I)),
]


@dataclass
class _Facts:
    commands: dict[str, list[tuple[tuple[str, ...], str, Loc]]] = field(default_factory=dict)
    settings: dict[str, list[tuple[str, Loc]]] = field(default_factory=dict)
    sections: list[tuple[str, list[str], Loc]] = field(default_factory=list)


def cached_facts(ws: CheckView, doc: Document) -> _Facts:
    cache = ws.memo("conflicts.facts")
    hit = cache.get(id(doc))
    if hit is None or hit[0] is not doc:
        hit = cache[id(doc)] = (doc, facts(doc))
    return hit[1]


def facts(doc: Document) -> _Facts:
    out = _Facts()
    _command_facts(doc, out)
    fence_lines = {i for f in doc.fences for i in range(f.start, f.end)}
    for i, line in enumerate(doc.lines):
        if i in fence_lines or i in doc.html_lines:
            continue
        for label, rx in SETTINGS:
            for m in rx.finditer(line):
                _setting(doc, out, label, m, Loc(i, m.start(), i, m.end()))
    # ... and one written across a soft wrap ("We target Python\n3.12"), as it renders
    for flat, where in paragraphs(doc):
        for label, rx in SETTINGS:
            for m in rx.finditer(flat):
                loc = doc.loc(where[m.start()], where[m.end() - 1] + 1)
                if loc.line != loc.end_line:
                    _setting(doc, out, label, m, loc)
    for values in out.settings.values():
        values.sort(key=lambda v: (v[1].line, v[1].col))
    _sections(doc, out)
    return out


def _sections(doc: Document, out: _Facts) -> None:
    for sec in doc.sections():
        if sec.heading is None:
            continue
        words = re.findall(r"\w+", doc.section_text(sec).lower())
        if len(words) >= 25:
            h = sec.heading
            out.sections.append((h.text.strip().lower(), words,
                                 Loc(h.line, 0, h.line, len(doc.lines[h.line]))))


def _setting(doc: Document, out: _Facts, label: str, m: re.Match[str], loc: Loc) -> None:
    groups = [g for g in m.groups() if g]
    width = doc.offset(loc.end_line, loc.end_col) - doc.offset(loc.line, loc.col)
    if not groups or hedged_at(doc, loc.line, loc.col, loc.col + width):
        return  # "use pnpm instead of using npm": npm is not this file's choice
    if "{0}" in label:
        key = label.format(groups[0].lower().replace(".js", ""))
        value = groups[1] if len(groups) > 1 else ""
    else:
        key, value = label, groups[0].lower()
    if value:
        out.settings.setdefault(key, []).append((value, loc))


# Where a sentence ends: the purpose of a command is said in its own sentence ("Run `pytest`
# for the tests. Lint with `ruff`."), or else in its paragraph.
_SENTENCE_END = re.compile(r"(?<![eE]\.g)(?<![iI]\.e)[.!?;](?:\s|$)")  # (not "e.g. `x`")


def _command_facts(doc: Document, out: _Facts) -> None:
    """The commands the document gives for a purpose, each read in its paragraph with its soft
    wraps joined ("To run the tests, use\n`npm test`"), as it renders: the purpose said in the
    command's sentence, else the one purpose its paragraph names. Each paragraph is joined
    once and each command read in its sentence (a long paragraph is no quadratic read)."""
    seen: dict[int, tuple[str, str, list[int], list[int]]] = {}
    said: dict[tuple[int, int], list[str]] = {}  # (paragraph, sentence or -1: all) -> purposes
    for s in doc.code_spans:
        words = s.content.split()
        if not words or words[0] not in TOOLS:
            continue
        o = s.outer
        if o.line in doc.html_lines:
            continue
        here, there = doc.offset(o.line, o.col), doc.offset(o.end_line, o.end_col)
        i = region_at(doc, here)
        if i is None:
            continue
        if i not in seen:
            flat, where = flat_region(doc, i)
            prose = re.sub(r"`[^`]*`", lambda m: " " * len(m.group()), flat)
            seen[i] = (flat, prose, where, [m.end() for m in _SENTENCE_END.finditer(prose)])
        flat, prose, where, ends = seen[i]
        col, end = bisect.bisect_left(where, here), bisect.bisect_left(where, there)
        k = bisect.bisect_right(ends, col)
        start, stop = (ends[k - 1] if k else 0), (ends[k] if k < len(ends) else len(flat))
        # a command the prose rejects ("`pytest` rather than `python -m unittest`") is not
        # this file's command for its purpose (read in its sentence, as hedged_at reads it)
        if hedged(flat[start:stop], col - start, end - start):
            continue
        if (i, k) not in said:
            said[i, k] = _purposes(prose[start:stop])
        if not said[i, k] and (i, -1) not in said:
            said[i, -1] = _purposes(prose)
        purposes = said[i, k] or said[i, -1]
        if len(purposes) == 1:
            out.commands.setdefault(purposes[0], []).append((tuple(words), s.content, s.loc))


def _purposes(prose: str) -> list[str]:
    return [p for p, rx in PURPOSES.items() if rx.search(prose)]


_WRAPPERS = (("uv", "run"), ("poetry", "run"), ("pdm", "run"), ("python", "-m"),
             ("python3", "-m"), ("npx",), ("bunx",), ("pnpm", "exec"), ("yarn", "exec"))


def _core(words: tuple[str, ...]) -> tuple[str, ...]:
    changed = True
    while changed:
        changed = False
        for w in _WRAPPERS:
            if words[: len(w)] == w and len(words) > len(w):
                words = words[len(w):]
                changed = True
    return words


_SUBCOMMANDS = {"npm": 2, "pnpm": 2, "yarn": 2, "bun": 2, "make": 2, "just": 2, "cargo": 2,
                "go": 2, "uv": 2, "poetry": 2, "tox": 1, "nox": 1, "dotnet": 2, "mvn": 2,
                "gradle": 2, "./gradlew": 2, "bundle": 3, "rake": 2, "mix": 2, "swift": 2}


def _key(words: tuple[str, ...]) -> tuple[str, ...]:
    """What a command does, without its arguments: ``pytest -q tests/x.py`` -> ``(pytest,)``,
    ``npm run build -- --watch`` -> ``(npm, run, build)``."""
    core = [w for w in _core(words) if not w.startswith("-")]
    if not core:
        return ()
    size = _SUBCOMMANDS.get(core[0], 1)
    if size == 2 and len(core) > 1 and core[1] in ("run", "run-script", "exec"):
        size = 3
    return tuple(core[:size])


def _agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    ka, kb = _key(a), _key(b)
    n = min(len(ka), len(kb))
    return ka[:n] == kb[:n]


# A run of a variant of the tests (or of another purpose): a tox or nox environment, an npm
# script, a make target or an argument named so ("tox r -e stress", "npm run test:e2e",
# "pytest tests/integration"), a script of a group ("npm run test:mocha"), or pytest's
# "-m slow" / "-k name". It is not *the* command for its
# purpose, and says nothing against the plain one.
_VARIANT_WORDS = frozenset(
    "stress bench benchmark benchmarks perf performance load lint e2e integration slow smoke "
    "fuzz docs doc typecheck mypy coverage cov".split())
_SELECTORS = {"pytest": ("-m", "-k"), "py.test": ("-m", "-k")}


def _variant(words: tuple[str, ...], purpose: str) -> bool:
    """Whether the command ``words`` runs a variant (see :data:`_VARIANT_WORDS`) rather than
    the plain ``purpose`` (a purpose's own word is no variant of it: ``npm run lint`` lints)."""
    core = _core(words)
    if not core:
        return False
    selectors = _SELECTORS.get(core[0], ())
    if any(w in selectors or w.split("=", 1)[0] in selectors for w in core[1:]):
        return True
    own = PURPOSES.get(purpose)
    for arg in core[1:]:
        if re.fullmatch(r"[\w-]+:[\w:-]+", arg):
            return True  # a script of a group: `npm run test:mocha`, `pnpm lint:css`
        for part in re.split(r"[:_./,=-]+", arg.lower()):
            if part in _VARIANT_WORDS and not (own and own.search(part)):
                return True
    return False


def _versions_agree(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


# A file's scope: the folder it applies from and the globs that narrow it (none: all of it).
Scope = tuple[str, tuple[str, ...]]


def scope_of(ws: CheckView, path: str) -> Scope | None:
    """Where the instruction file ``path`` applies: a folder's ``AGENTS.md``, ``CLAUDE.md``,
    ``GEMINI.md`` to that folder; repository-wide files (``.github/copilot-instructions.md``,
    ``.cursorrules``, an ``alwaysApply`` rule) to their root; a rule with ``globs``,
    ``applyTo`` or ``paths`` to the files those match (a rule Cursor picks by its
    description, to what it describes). None for a file of no such kind (an imported one:
    the scope of the file that imports it)."""
    kind = discover.kind_of(path)
    folder = posixpath.dirname(path) or "."
    if kind in (discover.CLAUDE, discover.AGENTS, discover.GEMINI):
        if folder == ".claude" or folder.endswith("/.claude"):
            folder = posixpath.dirname(folder) or "."
        return folder, ()
    if kind in (discover.COPILOT, discover.CURSOR_LEGACY, discover.WINDSURF):
        return ".", ()
    key = {discover.CURSOR_RULE: "globs", discover.COPILOT_SCOPED: "applyTo",
           discover.CLAUDE_RULE: "paths"}.get(kind)
    if key is None:
        return None
    base = path.split(".cursor/rules/")[0].rstrip("/") or "." \
        if kind == discover.CURSOR_RULE else "."
    doc = ws.document(path)
    entries = doc.frontmatter.entries if doc is not None and doc.frontmatter else {}
    always = entries.get("alwaysApply")
    if kind == discover.CURSOR_RULE and always is not None and always.value is True:
        return base, ()
    e = entries.get(key)
    globs = tuple(sorted(discover.split_globs(e.value))) if e is not None else ()
    if not globs and kind == discover.CURSOR_RULE and "description" in entries:
        return base, ("description: " + path,)  # what it describes: its own scope
    return base, globs


def _scopes(ws: CheckView, agents: list[AgentLoad]) -> dict[str, Scope | None]:
    """The scope of each file the ``agents`` load: its own, else (an imported file) that of
    the file importing it."""
    out: dict[str, Scope | None] = {}
    for a in agents:
        for f in a.files:
            if f.path in out:
                continue
            own = scope_of(ws, f.path)
            if own is None and f.reason.startswith("imported by "):
                own = out.get(f.reason.removeprefix("imported by "))
            out[f.path] = own
    return out


def _covers(other: Scope | None, mine: Scope | None, folder: str, glob: str | None) -> bool:
    """Whether a file of scope ``other`` applies wherever one of scope ``mine``, judged in
    ``folder`` for its ``glob`` (None: for all of it), does (an unknown scope: as if it did).
    A narrower one (a nested folder's file, a rule scoped by globs) is no contradiction of a
    broader one: it overrides it for its own files, and is judged there, against the broader
    one, when its own turn comes. A rule scoped by globs covers its own scope, and each of its
    globs where a rule of several globs is judged for that one (``src/**/*.ts`` of
    ``src/**/*.ts, lib/**/*.js``)."""
    if other is None or mine is None:
        return True
    if other[1]:
        return other == mine or (glob is not None and glob in other[1])
    base = other[0]
    return base == "." or folder == base or folder.startswith(base + "/")


def _judged_at(ws: CheckView, folder: str, scope: Scope | None) -> list[tuple[str, str | None]]:
    """Where a file is judged, each folder with the glob judged there: for each of its globs,
    the folder of the first file that glob matches (a rule in ``.cursor/rules`` applies there,
    not in ``.cursor/rules``; a rule of several globs, ``src/**/*.ts, lib/**/*.js``, in
    ``src`` and in ``lib``, and so a glob of several brace alternatives, ``{src,lib}/**``);
    else its own ``folder``, for all of it."""
    if scope is None or not scope[1] or scope[1][0].startswith("description: "):
        return [(folder, None)]
    files = ws.files()
    out: list[tuple[str, str | None]] = []
    for glob in scope[1]:
        # Each of a glob's brace alternatives where its own files are: {app,web}/**/*.ts in
        # app and in web, as if written as two globs.
        for alternative in discover.expand_braces(glob):
            rx = discover.compile_globs((alternative,))
            hit = min((f for f in files if rx is not None and rx.match(f)), default=None)
            at = (posixpath.dirname(hit) or ".", glob) if hit is not None else None
            if at is not None and at not in out:
                out.append(at)
    return out or [(folder, None)]


@dataclass(slots=True)
class _Other:
    """A file this one is compared with: why it counts (who reads both, or that it applies
    there too), and whether it is only another project's (its commands overridden)."""

    why: str
    overridden: bool


def _others_at(ctx: FileContext, folder: str, glob: str | None, own: set[str],
               out: dict[str, _Other]) -> None:
    """Add to ``out`` the files this one is compared with where it is judged in ``folder``
    (for its ``glob``): those one agent reads with it there that cover its scope. A file met
    in several of its folders is compared once, in full if in any of them it is not another
    project's."""
    report = loaded_for(ctx.ws, folder)
    # Only files one agent reads together with this one (Claude Code reads CLAUDE.md and its
    # imports, Codex AGENTS.md): a file no agent here reads is compared with all of them.
    readers = [a for a in report.agents if any(f.path == ctx.path for f in a.files)]
    scopes = _scopes(ctx.ws, report.agents)
    mine_scope = scope_of(ctx.ws, ctx.path) or scopes.get(ctx.path)
    by_file: dict[str, list[str]] = {}
    for a in readers or report.agents:
        for f in a.files:
            if f.path not in own and _covers(scopes.get(f.path), mine_scope, folder, glob):
                by_file.setdefault(f.path, []).append(a.agent)
    for other, agents in by_file.items():
        why = f"which {_joined(agents)} also read{'s' if len(agents) == 1 else ''}" \
            if readers else "which applies here too"
        overridden = _own_project_below(ctx.ws, scopes.get(other), folder)
        seen = out.get(other)
        if seen is None or (seen.overridden and not overridden):
            out[other] = _Other(why, overridden)


def check(ctx: FileContext) -> None:
    _claude_beside_agents(ctx)
    own = set(expansion(ctx).files)
    others: dict[str, _Other] = {}
    for folder, glob in _judged_at(ctx.ws, ctx.folder, scope_of(ctx.ws, ctx.path)):
        _others_at(ctx, folder, glob, own, others)
    if not others:
        return
    mine = cached_facts(ctx.ws, ctx.doc)
    for other in sorted(others):
        doc = ctx.ws.document(other)
        if doc is None:
            continue
        theirs = cached_facts(ctx.ws, doc)
        if others[other].overridden:
            _duplicates(ctx, mine, theirs, other)  # another project's commands: an override
            continue
        why = others[other].why
        _commands(ctx, mine, theirs, other, why)
        for key, values in mine.settings.items():
            other_values = theirs.settings.get(key)
            if not other_values:
                continue
            value, loc = values[0]
            if not any(_versions_agree(value, v) for v, _ in other_values):
                ctx.report(loc, "CS010",
                           f"{key}: this file says {value} but {other} ({why}) says "
                           f"{other_values[0][0]}: make them agree.")
        _duplicates(ctx, mine, theirs, other)


# A folder holding one of these is a project of its own (a monorepo's package, a service in
# another language): its instruction file's commands and settings override an ancestor's.
PROJECT_MANIFESTS = ("package.json", "pyproject.toml", "setup.py", "setup.cfg", "go.mod",
                     "Cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts", "Gemfile",
                     "composer.json", "mix.exs", "Package.swift", "deno.json", "pubspec.yaml")


def _own_project_below(ws: CheckView, other: Scope | None, folder: str) -> bool:
    """Whether ``folder`` lies in a project of its own below the folder ``other`` applies
    from: a manifest in ``folder`` or a folder between them (``api/`` with its pyproject.toml
    under a root whose AGENTS.md says ``npm test``). Agents read the nearer file as the one
    that wins (Codex: "closer files override"), so its different test command or Node version
    is that project's, not a contradiction; a nested file in a plain folder of the same project
    that says otherwise than the root is still reported."""
    if other is None or other[1] or folder == other[0]:
        return False
    base = "" if other[0] == "." else other[0] + "/"
    if folder != "." and not (folder + "/").startswith(base):
        return False
    files = ws.files()
    at = folder
    while at not in (".", "") and (at + "/") != base:
        if any(f"{at}/{name}" in files for name in PROJECT_MANIFESTS):
            return True
        at = posixpath.dirname(at)
    return False


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _commands(ctx: FileContext, mine: _Facts, theirs: _Facts, other: str, why: str) -> None:
    """CS010 for each purpose this file and ``other`` give different plain commands for
    (a variant's command, :func:`_variant`, is compared with nothing)."""
    for purpose, all_cmds in mine.commands.items():
        cmds = [c for c in all_cmds if not _variant(c[0], purpose)]
        other_cmds = [c for c in theirs.commands.get(purpose, ()) if not _variant(c[0], purpose)]
        if not cmds or not other_cmds \
                or any(_agree(a, b) for a, _, _ in cmds for b, _, _ in other_cmds):
            continue
        _, text, loc = cmds[0]
        ctx.report(loc, "CS010",
                   f"for {purpose}, this file says `{text}` but {other} ({why}) says "
                   f"`{other_cmds[0][1]}`: make them agree.")


def _duplicates(ctx: FileContext, mine: _Facts, theirs: _Facts, other: str) -> None:
    for title, words, loc in mine.sections:
        for otitle, owords, _ in theirs.sections:
            if title != otitle and len(set(words) & set(owords)) < 0.6 * min(
                    len(set(words)), len(set(owords))):
                continue
            sm = difflib.SequenceMatcher(None, words, owords, autojunk=False)
            if sm.real_quick_ratio() < 0.6 or sm.quick_ratio() < 0.6:
                continue
            ratio = sm.ratio()
            if 0.6 <= ratio < 0.98:
                ctx.report(loc, "CS010",
                           f"this section nearly duplicates \"{otitle}\" in {other} "
                           f"({ratio:.0%} alike) but has drifted from it: keep one copy and "
                           "@import or link it, or make them agree.")
                return


def _claude_beside_agents(ctx: FileContext) -> None:
    if posixpath.basename(ctx.path) != "CLAUDE.md":
        return
    folder = posixpath.dirname(ctx.path)
    agents = f"{folder}/AGENTS.md" if folder else "AGENTS.md"
    if folder.endswith(".claude"):
        agents = posixpath.join(posixpath.dirname(folder), "AGENTS.md") if \
            posixpath.dirname(folder) else "AGENTS.md"
    ws = ctx.ws
    exp = expansion(ctx)
    if not ws.exists(agents) or agents in exp.files:
        return
    # imported, yet not read (a symlink out of the workspace: CS006 says so), is imported
    if any(agents in (e.target, e.link) for e in exp.edges if e.source == ctx.path):
        return
    try:
        if os.path.realpath(ws.root / ctx.path) == os.path.realpath(ws.root / agents):
            return
    except OSError:
        pass
    rel = posixpath.relpath(agents, folder or ".")
    at = ctx.doc.frontmatter.end if ctx.doc.frontmatter else 0
    ctx.report(ctx.first_line(), "CS010",
               f"{agents} sits beside this CLAUDE.md, which does not import it, so Claude Code "
               f"never reads it: add @{rel} to share one set of instructions.",
               fix=f"@{rel}\n\n", fix_title=f"Import {rel}", fix_loc=Loc(at, 0, at, 0))
