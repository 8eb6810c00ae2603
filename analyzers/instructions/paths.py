"""CS001 (a referenced path does not exist) and CS008 (a heading anchor does not exist).

Links resolve against the file's folder (or the root for ``/x``), like GitHub; ``@imports``
against the importing file, like Claude Code; inline code against the file's folder, the root,
or any path ending with it. Inline code is reported only with evidence that it meant a path of
this repository: its first folder exists here, or git history knows the path. A bare file
name (``settings_local.py``, no folder) is reported when no file of the workspace has that name,
no commit ever added one, the ignore rules do not match it (a file made locally) and the prose
does not make it a file to create or an example. Inline code the sentence makes (the
destination of a copy or rename, a file created, "name the file `x.py`") is never reported,
with a folder or without; nor is a path the file's commands make (``mkdir out``, ``npx
create-vite ./my-app``) or one inside a folder so made, nor an example's name git never knew
(``./my-app``, ``path/to/x.py``). Whatever lies outside the workspace
(``../other-repo/x``, ``~/...``) is never read and never reported here.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from analyzers.instructions.checkview import CheckView, is_outside, normalise
from analyzers.instructions.context import FileContext
from analyzers.instructions.discover import (
    AGENT_FOLDERS,
    CURSOR_RULE,
    MARKDOWN_SUFFIXES,
    OTHER,
    expands_imports,
    kind_of,
    read_by_agents,
    reader_of,
)
from analyzers.instructions.findings import Severity
from analyzers.instructions.gitinfo import Removal
from analyzers.instructions.markdown import FILE_EXTENSIONS, anchors, has_file_extension
from analyzers.instructions.references import PathRef, hedged, history_at, made_by, sentence


@dataclass(slots=True)
class Resolved:
    ref: PathRef
    target: str | None  # root-relative path that exists (None when missing or outside)
    candidates: list[str] = field(default_factory=list)  # root-relative tries, in order
    outside: bool = False
    home: bool = False
    absolute: str | None = None  # the outside path, for messages
    link: str | None = None  # an inside path that is a symlink to ``absolute``, outside
    by_suffix: bool = False  # inline code found as the end of a longer path (``target``)


def resolve(ws: CheckView, folder: str, ref: PathRef, from_root: bool = False) -> Resolved:
    """Where ``ref``, written in a file of ``folder``, points (see the module's docstring);
    ``from_root``: an ``@path`` may also be written from the workspace root (a Cursor rule's
    ``@src/components/Button.tsx`` lives in ``.cursor/rules/``)."""
    p = ref.path
    if ref.kind == "import":
        if p.startswith("~/") or p == "~":
            return Resolved(ref, None, outside=True, home=True, absolute=p)
        if p.startswith("/"):
            try:
                rel = posixpath.relpath(p, ws.root.as_posix())
            except ValueError:
                rel = "../"
            if is_outside(rel):
                return Resolved(ref, None, outside=True, absolute=p)
            cands = [normalise(rel)]
        else:
            cands = [_join(folder, p), normalise(p)] if from_root else [_join(folder, p)]
    elif ref.kind == "link":
        if p.startswith("/"):
            cands = [normalise(p.lstrip("/"))]
        else:
            cands = [_join(folder, p), normalise(p)]
    else:
        cands = [_join(folder, p), normalise(p)]
    cands = list(dict.fromkeys(cands))
    inside = [c for c in cands if not is_outside(c)]
    if not inside:
        return Resolved(ref, None, cands, outside=True, absolute=cands[0])
    for c in inside:
        if ws.exists(c):
            real = ws.outside_target(c)
            if real is not None:  # a symlink out of the workspace: reported, never read
                return Resolved(ref, None, inside, outside=True, absolute=real, link=c)
            return Resolved(ref, c, inside)
    if ref.kind == "code":
        hit = _by_suffix(ws, normalise(p))
        if hit:
            return Resolved(ref, hit, inside, by_suffix=True)
    return Resolved(ref, None, inside)


def _join(folder: str, p: str) -> str:
    return normalise(p if folder in ("", ".") else f"{folder}/{p}")


def _by_suffix(ws: CheckView, p: str) -> str | None:
    if p.startswith("../") or p == ".":
        return None
    p = p.removeprefix("./")
    # The shallowest path ending with it, then the first by name: the same answer every run
    # (the workspace's files are a set).
    for q in sorted(ws.by_name().get(posixpath.basename(p), []),
                    key=lambda q: (q.count("/"), q)):
        if q == p or q.endswith("/" + p):
            return q
    return None


def _anchored(ws: CheckView, folder: str, ref: PathRef) -> bool:
    """Inline code with a '/' whose first folder exists here: it meant this repository. A path
    up from this file's folder (``../src/app.py``) meant it only when the folder it comes down
    into exists here: from the root, where an agent runs its commands, it leaves the workspace
    (``run from ../src``, a sibling checkout ``../shared-lib``), which is never read."""
    if ref.path.startswith("../"):
        parts = ref.path.split("/")
        ups = next((i for i, part in enumerate(parts) if part != ".."), len(parts))
        if ups == len(parts) or not parts[ups]:
            return False
        down = _join(folder, "/".join(parts[:ups + 1]))
        return not is_outside(down) and ws.is_dir(down)
    if ref.path.startswith("./"):
        return ref.path.removeprefix("./").strip("/") not in ("", ".")  # written from here
    first = ref.path.split("/", 1)[0]
    if "/" not in ref.path or first in ("", "."):
        return False
    return ws.is_dir(_join(folder, first)) or ws.is_dir(first)


def _mention(ws: CheckView, folder: str, ref: PathRef) -> bool:
    """``@acme/backend``: no file extension and no such folder, so a team mention rather than
    an import (Claude Code tries it and silently finds nothing, which is what was meant)."""
    return not has_file_extension(ref.path) and not ref.path.startswith(("./", "../")) and \
        not _anchored(ws, folder, ref)


def resolved_refs(ctx: FileContext) -> list[Resolved]:
    key = "paths.resolved"
    hit = ctx.__dict__.get(key)
    if hit is None:
        from_root = kind_of(ctx.path) == CURSOR_RULE
        hit = [resolve(ctx.ws, ctx.folder, r, from_root) for r in ctx.refs.paths if r.path]
        ctx.__dict__[key] = hit
    return hit


def _unsure(r: Resolved) -> bool:
    """A reference whose history decides: missing, or found only as the end of a longer path
    (``user_guide.md`` matching ``site/content/user_guide.md`` after the root's file moved)."""
    return (r.target is None or r.by_suffix) and not r.outside


def history_candidates(ctx: FileContext) -> list[str]:
    """Missing paths whose git history we want (batched across files by the caller)."""
    out: list[str] = []
    for r in resolved_refs(ctx):
        if _unsure(r):
            out.extend(r.candidates)
    return out


def removals(ws: CheckView, paths: list[str]) -> dict[str, Removal]:
    git = ws.git
    if git is None or not paths:
        return {}
    return git.removals(sorted(set(paths)), ws.exists)


# Names an instruction file uses for a kind of file, not for one of this repository.
_CONVENTIONS = frozenset({"SKILL.md", "CLAUDE.local.md", "AGENTS.override.md"})
# Prose that makes the file one to create, or one a tool writes: "copy `settings.py` to
# `settings_local.py`", "writes `coverage.xml`", "a new `conftest.py`".
_MADE_BEFORE = re.compile(
    r"\b(?:creat\w*|add\w*|copy|copie[sd]|generat\w*|writ\w*|produc\w*|output\w*|sav\w*|"
    r"emit\w*|export\w*|dump\w*|download\w*|touch|mak\w*|new|your|own|local|called|named|"
    r"like|eg|ex|such as|for example|if)\b|>", re.I)
_MADE_AFTER = re.compile(
    r"^\W{0,3}(?:(?:is|are|will be|gets?|get)\s+(?:created|generated|written|produced|"
    r"downloaded|made)|(?:file\s+)?(?:you|that you)\s+(?:create|add|make|write)|"
    r"(?:create|make|add)\s+(?:it|them|one)(?:\s+(?:when|if|once|as)\b|\W*$))\b", re.I)

# (Each word of what is copied reads one way only: "copy the the the ... x" is no exponential
# search.)
# The file a sentence makes: the destination of a copy, move or rename ("copy `a.py` to
# `app/b.py`", "save it as `out.json`"), what is created or generated ("create
# `app/local.py`", "it writes `out/x.json`"), or a name the reader gives ("name the file
# `x.py`", "call it `x.py`", "a file named `x.py`").
_MAKE_INTO = re.compile(
    r"\b(?:cop(?:y|ies|ied)|cp|mov(?:e|es|ed)|mv|renam\w*|duplicat\w*|sav\w*|writ\w*|"
    r"output\w*|export\w*|dump\w*|redirect\w*)\s+(?:[a-z]+\s+[a-z]+\s+)?"
    r"(?:(?:`[^`]*`|it|them|over|back|\S+\.\w+|"
    r"(?:this|that|the|a|an|its|your)(?:\s+(?!(?:to|as|into|this|that|the|a|an|its|your|it|them|"
    r"over|back)\b)\w+)?)\s+)*"
    r"(?:to|as|into)\s+(?:(?:a|an|the|new)\s+)*$|"
    r"\b(?:creat\w*|generat\w*|scaffold\w*|touch|mkdir|writes|produces|emits|outputs)\s+(?:(?:a|an|the|new|empty|file|"
    r"folder|directory)\s+)*$|"
    r"\b(?:name|call)\s+(?:(?:it|them|the|this|that|your|new|file|folder|directory|module|"
    r"script)\s+)*$|"
    r"\b(?:file|folder|directory|module|script)\s+(?:named|called)\s+$", re.I)
_MADE_IF = re.compile(r"^\W{0,3}\s*if (?:you|we) (?:need|want) (?:one|it|them)\b", re.I)


def made_here(line: str, start: int, end: int) -> bool:
    """Whether the inline code at ``start..end`` of ``line`` is a file the sentence makes
    (see ``_MAKE_INTO``) or one the reader adds if needed ("... `x.py` if you need one")."""
    clause = re.split(r"[.!?;:](?:\s|$)", line[:start])[-1]
    return bool(_MAKE_INTO.search(clause) or _MADE_IF.search(line[end:]))


# Names of libraries and packages that look like file names ("the `node.js` build",
# "`VCR.py` cassettes", Java's `java.sql`).
_NOT_FILES = frozenset("""
    node.js vue.js next.js nuxt.js express.js three.js d3.js chart.js react.js angular.js
    ember.js backbone.js moment.js day.js p5.js alpine.js nest.js deno.js bun.js htmx.js
    vcr.py discord.py scikit-learn.py web.py
""".split())
_PACKAGE_ROOTS = frozenset("java javax jakarta android androidx kotlin kotlinx scala sun jdk "
                           "org com net".split())
# Words that make a name a placeholder: `test_my_mutation.py`, `foo.py`, `x_test.go`.
_PLACEHOLDERS = frozenset("my your foo bar baz qux example examples sample dummy placeholder "
                          "xxx x y z name something".split())


def bare_names(ctx: FileContext) -> list[Resolved]:
    """Inline code naming a file by name alone (``settings_local.py``) that no file of the
    workspace carries: candidates for a report once git and the ignore rules are asked
    (computed once per file: the prefetch and the check both ask)."""
    hit = ctx.__dict__.get("paths.bare")
    if hit is None:
        hit = ctx.__dict__["paths.bare"] = _bare_names(ctx)
    return hit


def _bare_names(ctx: FileContext) -> list[Resolved]:
    if not _read_as_instructions(ctx):
        return []
    out = []
    for r in resolved_refs(ctx):
        name = r.ref.path
        if r.ref.kind != "code" or r.target is not None or r.outside or "/" in name \
                or name.startswith(".") or "." not in name \
                or name.rsplit(".", 1)[1].lower() not in FILE_EXTENSIONS \
                or kind_of(name) != OTHER or name in _CONVENTIONS \
                or ctx.ws.by_name().get(name) or _not_a_file(name) or _made(ctx, r.ref):
            continue
        out.append(r)
    return out


def _read_as_instructions(ctx: FileContext) -> bool:
    """Whether an agent reads the file as instructions about this repository (an instruction
    file, a rule, a skill); a README or a guide checked by name also names the files of its
    readers' projects (``config.toml``, ``init.lua``), which are none of this one's."""
    return ctx.ws.is_instruction_file(ctx.path) or ctx.kind != OTHER \
        or read_by_agents(ctx.path) or ctx.path.startswith(AGENT_FOLDERS)


def _not_a_file(name: str) -> bool:
    """A library (``node.js``), a package (``java.sql``), a placeholder (``foo.py``) or the
    end of a kind of name (``_test.go``: Go's test files)."""
    stem = name.split(".", 1)[0].lower()
    return name.lower() in _NOT_FILES or stem in _PACKAGE_ROOTS or stem in _NAME_ENDS \
        or any(part in _PLACEHOLDERS for part in re.split(r"[_.-]+", name.lower())[:-1])


# The ends of test files' names, written alone ("a `_test.go` beside each file").
_NAME_ENDS = frozenset({"_test", "_tests", "_spec"})


def _made(ctx: FileContext, ref: PathRef) -> bool:
    """Whether the prose makes ``ref`` a file to create, one a tool writes, an example or a
    counter-example, rather than one this repository has."""
    loc = ref.loc
    if loc.line >= len(ctx.doc.lines) or loc.line != loc.end_line:
        return True
    if is_made(ctx, ref.path):
        return True
    line, start, end = sentence(ctx.doc, loc.line, max(0, loc.col - 1), loc.end_col + 1)
    before = re.sub(r"\b([a-zA-Z])\.([a-zA-Z])\.", r"\1\2", line[:start])  # e.g., e.x., i.e.
    clause = re.split(r"[.!?;:](?:\s|$)", before)[-1]
    if hedged(line, start, end) or _MADE_BEFORE.search(clause) or \
            _MADE_AFTER.search(line[end:]) or made_here(line, start, end):
        return True
    tail = line[end:].rstrip()
    if tail.endswith(":") and not re.search(r"[.!?;:](?:\s|$)", tail[:-1]):
        return True  # "Contents of `hello.py`:" introduces an example of it
    name = ref.path
    return any(name in "\n".join(f.lines) for f in ctx.doc.fences)  # a shown or made file


def _destination(ctx: FileContext, ref: PathRef) -> bool:
    """A path the sentence makes ("copy `app/settings.py` to `app/settings_dev.py`", "`make`
    writes `src/gen.py`", "`out/x.json` is generated"): it need not exist, whatever its
    history."""
    loc = ref.loc
    if loc.line >= len(ctx.doc.lines) or loc.line != loc.end_line:
        return False
    line, start, end = sentence(ctx.doc, loc.line, max(0, loc.col - 1), loc.end_col + 1)
    return made_here(line, start, end) or bool(_MADE_AFTER.search(line[end:]))


def made_paths(ctx: FileContext) -> frozenset[str]:
    """The paths the document makes somewhere: in its prose (see :func:`_destination`) or by
    its commands (``mkdir -p out``, ``npx create-vite ./my-app``, ``git clone URL fork``: see
    :func:`references.made_by`). Mentioned again anywhere in it ("then import from
    `src/gen.py`", "`cd ./my-app`"), each is still that file, not a missing one."""
    hit = ctx.__dict__.get("paths.made")
    if hit is None:
        made = {normalise(r.path) for r in ctx.refs.paths
                if r.kind == "code" and _destination(ctx, r)}
        for cmd in ctx.refs.commands:
            for p in made_by(cmd):
                made.add(normalise(p if not cmd.cwd or p.startswith(("/", "~"))
                                   else f"{cmd.cwd}/{p}"))
        hit = ctx.__dict__["paths.made"] = frozenset(made)
    return hit


def is_made(ctx: FileContext, path: str) -> bool:
    """Whether the document makes ``path`` (as written), or a folder holding it that does not
    exist here (``./my-app`` made by ``npx create-vite ./my-app``, then ``./my-app/src/main.ts``;
    a made ``src/gen`` says nothing of an existing ``src``'s other files)."""
    made = made_paths(ctx)
    p = normalise(path)
    if p in made:
        return True
    parts = p.split("/")
    for k in range(1, len(parts)):
        up = "/".join(parts[:k])
        if up in made and not ctx.ws.exists(ctx.join(up)) and not ctx.ws.exists(up):
            return True
    return False


# A folder or file name given as an example, not one of this repository: ``./my-app``,
# ``your-repo/``, ``path/to/file.py``, ``src/foo/bar.ts``, ``example-project``.
_EXAMPLE_WORDS = frozenset("my your foo bar baz qux placeholder dummy xxx".split())
_EXAMPLE_JOINED = frozenset({"example", "sample"})  # in a name with other words only


def placeholder_path(path: str) -> bool:
    """Whether ``path`` names an example rather than a file: one of its names is made of
    :data:`_EXAMPLE_WORDS` (``my-app``, ``your_project``, ``foo.py``, ``MyComponent.tsx``),
    joins ``example`` or ``sample`` with other words (``example-app``), or it starts
    ``path/to/``."""
    names = [n for n in path.strip("/").split("/") if n not in (".", "..", "")]
    if names[:2] == ["path", "to"]:
        return True
    for i, name in enumerate(names):
        if re.match(r"(?:My|Your)[A-Z][a-z]", name):
            return True  # MyComponent.tsx, YourService (not MySQL)
        words = re.split(r"[-_.]+", name.lower())
        if i == len(names) - 1 and len(words) > 1 and "." in name:
            words = words[:-1]  # the file's suffix
        if any(w in _EXAMPLE_WORDS for w in words) or (
                len(words) > 1 and any(w in _EXAMPLE_JOINED for w in words)):
            return True
    return False


def history(ctx: FileContext, ref: PathRef) -> bool:
    """Inline code its sentence gives as history ("We no longer use `scripts/old.sh`",
    "`src/a.py` was replaced by `src/b.py`"): no file the agent is told to use, so no missing
    one."""
    loc = ref.loc
    if loc.line >= len(ctx.doc.lines) or loc.line != loc.end_line:
        return False
    return history_at(ctx.doc, loc.line, max(0, loc.col - 1), loc.end_col + 1)


def _never_known(ctx: FileContext, unsure: list[Resolved]) -> list[Resolved]:
    """The bare names among ``unsure`` that git never knew, the ignore rules do not match, and
    no ignored file on disk carries (``app.css`` of a build's ``dist/assets/app.css``: it
    exists, ignored or not)."""
    git = ctx.ws.git
    bare = [r for r in bare_names(ctx) if r in unsure]
    if git is None or not bare:
        return []
    known = git.ever_named([r.ref.path for r in bare])
    ignored = git.ignored([c for r in bare for c in r.candidates])
    left = [r for r in bare if r.ref.path not in known
            and not any(c in ignored for c in r.candidates)]
    on_disk = git.ignored_on_disk([r.ref.path for r in left]) if left else set()
    return [r for r in left if r.ref.path not in on_disk]


def _ignore_pairs(ctx: FileContext) -> dict[int, list[tuple[str, str]]]:
    """For each missing inline-code path (by id), each try's first part missing here and its
    folder, a folder written with its '/' (git matches a ``docs/_build/`` rule only so when
    the folder is not on disk); computed once per file (the prefetch and the check ask)."""
    hit = ctx.__dict__.get("paths.ignore_pairs")
    if hit is not None:
        return hit
    ws = ctx.ws
    first: dict[int, list[tuple[str, str]]] = {}
    for r in resolved_refs(ctx):
        if r.ref.kind != "code" or not _unsure(r):
            continue
        for c in r.candidates:
            parts = c.split("/")
            k = next((k for k in range(1, len(parts) + 1)
                      if not ws.is_dir("/".join(parts[:k]))), None)
            if k is None:
                continue
            m = "/".join(parts[:k]) + ("/" if k < len(parts) or r.ref.dir_hint else "")
            up = "/".join(parts[:k - 1])
            first.setdefault(id(r), []).append((m, up + "/" if up else ""))
    ctx.__dict__["paths.ignore_pairs"] = first
    return first


def ignore_queries(ctx: FileContext) -> list[str]:
    """What :func:`check` asks the ignore rules about (the prefetch asks for all files at
    once)."""
    return sorted({q for pairs in _ignore_pairs(ctx).values() for pair in pairs for q in pair
                   if q})


def _ignored(ctx: FileContext) -> set[int]:
    """The ids of the missing inline-code paths with a try whose first part missing here is
    one the repository's ignore rules match, in a folder they do not (``docs/_build/`` of
    ``docs/_build/html/index.html``: made by a build; not ``lib/x.py`` in a tracked ``lib/``
    that a ``lib/`` rule matches too)."""
    git = ctx.ws.git
    pairs = _ignore_pairs(ctx)
    if git is None or not pairs:
        return set()
    hit = git.ignored(ignore_queries(ctx))
    return {i for i, ps in pairs.items() if any(m in hit and up not in hit for m, up in ps)}


def check(ctx: FileContext) -> None:
    resolved = resolved_refs(ctx)
    unsure = [r for r in resolved if _unsure(r)]
    gone = removals(ctx.ws, [c for r in unsure for c in r.candidates]) if unsure else {}
    never = {id(r) for r in _never_known(ctx, unsure)}
    ignored = _ignored(ctx)
    for r in unsure:
        ref = r.ref
        removal = next((gone[c] for c in r.candidates if c in gone), None)
        if r.target is not None and removal is None:
            continue  # found as the end of a path that never moved: what was meant
        if ref.kind == "code" and removal is None and id(r) in never:
            _report_never(ctx, r)
            continue
        if ref.kind == "code" and removal is None and not _anchored(ctx.ws, ctx.folder, ref):
            continue
        if ref.kind == "code" and (ref.run or is_made(ctx, ref.path) or history(ctx, ref)
                                   or removal is None and (placeholder_path(ref.path)
                                                           or id(r) in ignored)):
            continue  # a script run by its path is CS003's; a file the document makes; one
            # its sentence gives as history; an example's name or a file the ignore rules
            # match (a build's output, docs/_build/index.html) that git never knew
        if ref.kind == "import" and removal is None and _mention(ctx.ws, ctx.folder, ref):
            continue
        _report_missing(ctx, r, removal)
    _check_anchors(ctx, resolved)


def _report_never(ctx: FileContext, r: Resolved) -> None:
    ref = r.ref
    close = close_path(ctx.ws, r.candidates, ref.path)
    if close is not None:
        new_text = posixpath.basename(close[1])
        ctx.report(ref.loc, "CS001", f"{ref.path} matches no file of this repository; did you "
                                     f"mean {close[1]}?", severity="warning", fix=new_text,
                   fix_title=f"Replace with {new_text}")
        return
    ctx.report(ref.loc, "CS001", f"{ref.path} matches no file of this repository, and no commit "
                                 "ever added a file of that name: update or remove the "
                                 "reference.", severity="warning")


def _report_missing(ctx: FileContext, r: Resolved, removal: Removal | None) -> None:
    ref = r.ref
    shown = f"@{ref.path}" if ref.kind == "import" else ref.path
    severity: Severity = "warning" if ref.kind == "code" else "error"
    if removal is not None and removal.new_path:
        new_text = _rewrite(ref, r.candidates, removal.path, removal.new_path, ctx.folder)
        ctx.report(ref.loc, "CS001",
                   f"{shown} was renamed to {removal.new_path} in {removal.commit.describe()}: "
                   f"update the reference.", severity=severity, fix=new_text,
                   fix_title=f"Replace with {new_text}")
        return
    if removal is not None:
        ctx.report(ref.loc, "CS001",
                   f"{shown} was deleted in {removal.commit.describe()}: remove the reference "
                   "or point it at what replaced it.", severity=severity)
        return
    close = close_path(ctx.ws, r.candidates, ref.path)
    if close is not None:
        new_text = _rewrite(ref, r.candidates, close[0], close[1], ctx.folder)
        ctx.report(ref.loc, "CS001", f"{shown} does not exist; did you mean {close[1]}?",
                   severity=severity, fix=new_text, fix_title=f"Replace with {new_text}")
        return
    if ref.kind == "import" and expands_imports(ctx.path):
        msg = (f"{shown} does not exist, and Claude Code skips a missing import silently: fix "
               "the path (relative to this file) or remove the import.")
    elif ref.kind == "import" and kind_of(ctx.path) == CURSOR_RULE:
        msg = (f"{shown} does not exist, so Cursor has no file to add to this rule's context: "
               "fix the path (from the workspace root) or remove it.")
    elif ref.kind == "import":
        msg = (f"{shown} does not exist: fix the path (relative to this file) or remove it. "
               f"Only Claude Code expands @imports; to {reader_of(ctx.path)} @paths in this "
               "file are plain text.")
    elif ref.kind == "link":
        msg = f"{ref.path} does not exist: fix the link or remove it."
    else:
        msg = f"{ref.path} does not exist in this repository: update or remove the reference."
    ctx.report(ref.loc, "CS001", msg, severity=severity)


CLOSE_PATH = 0.85  # how alike a written path and an existing one must be to be suggested


def close_path(ws: CheckView, candidates: list[str], written: str) -> tuple[str, str] | None:
    """A workspace path that a missing one was probably meant to be (``src/app/helper.py`` ->
    ``src/app/helpers.py``): files whose name is close to the written one's, compared as whole
    paths with each root-relative try, or with the end of the path for inline code written
    without its leading folders; (the try it replaces, the path), or None when none is close."""
    base = posixpath.basename(written.rstrip("/"))
    if not base or not candidates:
        return None
    names = ws.by_name()
    near = difflib.get_close_matches(
        base, [n for n in names if abs(len(n) - len(base)) <= 3], n=5, cutoff=CLOSE_PATH)
    best: tuple[float, str, str] | None = None
    for name in near:
        for path in names[name]:
            for tried in candidates:
                # Compared with the try, or with as much of the path's end as was written.
                end = "/".join(path.split("/")[-len(tried.split("/")):])
                score = max(difflib.SequenceMatcher(None, tried, path).ratio(),
                            difflib.SequenceMatcher(None, tried, end).ratio())
                if score >= CLOSE_PATH and (best is None or score > best[0]):
                    best = (score, tried, path)
    return None if best is None else (best[1], best[2])


def _rewrite(ref: PathRef, candidates: list[str], old: str, new: str, folder: str) -> str:
    """The new path ``new`` (root-relative, replacing the try ``old``) written the way the
    reference was written."""
    relative_to_file = candidates and old == candidates[0] and folder not in ("", ".")
    if ref.kind == "import" and (not candidates or old == candidates[0]) or relative_to_file:
        text = posixpath.relpath(new, folder if folder not in ("", ".") else ".")
        if ref.path.startswith("./") and not text.startswith("../"):
            text = "./" + text
    elif ref.path.startswith("/"):
        text = "/" + new
    else:
        text = new
    if ref.path.endswith("/") and not text.endswith("/"):
        text += "/"
    if ref.kind == "link":
        text = quote(text, safe="/._-~()+@!$&'*,;=:")
    elif ref.kind == "import":
        text = text.replace(" ", "\\ ")
    return text


def _check_anchors(ctx: FileContext, resolved: list[Resolved]) -> None:
    targets: list[tuple[PathRef, str]] = [
        (r.ref, r.target) for r in resolved
        if r.target and r.ref.anchor and r.ref.kind in ("link", "import")]
    targets.extend((ref, ctx.path) for ref in ctx.refs.paths
                   if ref.kind == "link" and not ref.path and ref.anchor)
    for ref, target in targets:
        if not target.lower().endswith(MARKDOWN_SUFFIXES) or ctx.ws.is_dir(target):
            continue
        doc = ctx.doc if target == ctx.path else ctx.ws.document(target)
        if doc is None:
            continue
        known = anchors(doc)
        anchor = ref.anchor or ""
        if anchor in known or anchor.lower() in {k.lower() for k in known}:
            continue
        if anchor.startswith("L") and anchor[1:].split("-")[0].isdigit():
            continue  # a line anchor
        close = difflib.get_close_matches(anchor.lower(), list(known), n=1, cutoff=0.6)
        where = "this file" if target == ctx.path else target
        loc = ref.anchor_loc or ref.loc
        if close:
            ctx.report(loc, "CS008", f"#{anchor} is not a heading of {where}; did you mean "
                                     f"#{close[0]}?", fix=close[0] if ref.anchor_loc else None,
                       fix_title=f"Link to #{close[0]}")
        else:
            ctx.report(loc, "CS008", f"#{anchor} is not a heading of {where}: link to an existing "
                                     "heading or drop the anchor.")
