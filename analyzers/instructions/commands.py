"""CS003: a command that names what no longer exists.

Checked: ``npm run X`` / ``npm test``, ``pnpm X``, ``yarn X``, ``bun run X`` (package.json
scripts), ``make X`` (Makefile targets), ``just X`` (justfile recipes), ``uv run X`` /
``poetry run X`` (pyproject scripts and dependencies), ``python -m pkg.mod``, ``python x.py``,
a script run by its path or interpreter (``./x.sh``, ``bash x.sh``, ``node x.js``, ``ruby x.rb``,
``deno run x.ts``), ``pytest path::test``, ``cargo run --bin X`` / ``--example X``,
``go run|build|test ./path``.

A command is reported only when nothing in the workspace could satisfy it: a script missing from
the nearest package.json but defined in another one passes, and so does anything when the build
file cannot be read fully (``include``, pattern rules). A command whose build file exists nowhere
(``make lint`` with no Makefile, ``npm install``/``yarn x`` with no package.json, ``just x`` with
no justfile, ``cargo build`` with no Cargo.toml) is reported as such, never with a name guessed
from elsewhere; one the project generates (``configure``, CMake) or that needs none (``npm
install -g``, ``npm create``, ``cargo install NAME``) passes.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterable

from analyzers.instructions import manifests as mf
from analyzers.instructions.checkview import CheckView, normalise
from analyzers.instructions.context import FileContext
from analyzers.instructions.markdown import Loc
from analyzers.instructions.references import (
    SCRIPT_SUFFIXES,
    Command,
    Word,
    hedged_at,
    suffixless_script,
)

NPM_SCRIPT_ALIASES = {"test": "test", "t": "test", "tst": "test"}
PNPM_BUILTINS = frozenset("""
    add audit bin c cache cat-file cat-index config create deploy dedupe dlx doctor env exec
    fetch find-hash help i import init install install-test it licenses link list ln login
    logout ls outdated pack patch patch-commit patch-remove prune publish rb rebuild recursive
    remove rm root run server setup start store un uninstall unlink up update upgrade why
    self-update licenses approve-builds ignored-builds
""".split())
YARN_BUILTINS = frozenset("""
    add audit autoclean bin cache check config constraints create dedupe dlx exec explain
    generate-lock-entry global help import info init install licenses link list login logout node
    npm outdated owner pack plugin policies publish rebuild remove run set start tag team unlink
    unplug up upgrade upgrade-interactive version versions why workspace workspaces
""".split())
COMMON_TOOLS = frozenset("""
    python python3 pip pytest ruff mypy black isort flake8 pylint coverage tox nox pre-commit
    ipython jupyter sphinx-build mkdocs uvicorn gunicorn hypercorn alembic celery django-admin
    pyright bandit twine build hatch maturin pdoc pyinstaller
""".split())
_ENV_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = frozenset({"sudo", "time", "env", "nohup", "exec", "command"})


def check(ctx: FileContext) -> None:
    for cmd in ctx.refs.commands:
        words = _strip_prefix(cmd.words)
        if not words or _rejected(ctx, cmd):
            continue
        head = words[0].text
        try:
            handler = _HANDLERS.get(head)
            if handler is not None:
                handler(ctx, cmd, words[1:])
            elif _run_directly(words[0]):
                _built_or_script(ctx, cmd, words[0])
        except IndexError:
            continue
    for text, loc in ctx.refs.node_ids:
        _node_id(ctx, text, loc, cwd=None)


def _rejected(ctx: FileContext, cmd: Command) -> bool:
    """Inline code the prose rejects or gives as a past name (``use `pytest` rather than
    `python -m unittest```, ``don't run `make deploy```): not a command the agent is told to
    run; nor one run in a folder the document makes (``npx create-vite my-app && cd my-app &&
    npm run dev``), whose files are none of this repository's."""
    if cmd.cwd:
        from analyzers.instructions.paths import is_made

        if is_made(ctx, cmd.cwd):
            return True
    if cmd.in_fence or not cmd.words:
        return False
    first, last = cmd.words[0].loc, cmd.words[-1].loc
    if first.line >= len(ctx.doc.lines) or first.line != last.end_line:
        return False
    return hedged_at(ctx.doc, first.line, max(0, first.col - 1), last.end_col + 1)


def _strip_prefix(words: list[Word]) -> list[Word]:
    i = 0
    while i < len(words) and (_ENV_ASSIGN.match(words[i].text) or words[i].text in _WRAPPERS):
        i += 1
    out = []
    skip = False
    for w in words[i:]:
        if skip:
            skip = False
            continue
        if re.match(r"^\d*[<>]", w.text):
            skip = w.text.rstrip("0123456789&") in (">", ">>", "<", "2>", "1>", "2>>", "&>")
            continue
        out.append(w)
    return out


def _folders(ctx: FileContext, cmd: Command, explicit: str | None = None) -> list[str]:
    """Where the command runs: an explicit ``-C DIR`` or ``cd DIR`` relative to this file's
    folder or the root; else this file's folder and the root."""
    rel = explicit or cmd.cwd
    if rel:
        if cmd.cwd and explicit and not explicit.startswith("/"):
            rel = f"{cmd.cwd}/{explicit}"
        out = [d for d in (ctx.join(rel), normalise(rel)) if ctx.ws.is_dir(d)]
        return list(dict.fromkeys(out))
    return list(dict.fromkeys([ctx.folder, "."]))


def _options(args: list[Word], with_value: Iterable[str]) -> tuple[dict[str, str], list[Word]]:
    """Split ``args`` into options (``--x v``, ``--x=v``, ``-Cdir``) and positional words."""
    takes = set(with_value)
    opts: dict[str, str] = {}
    pos: list[Word] = []
    i = 0
    while i < len(args):
        t = args[i].text
        if t == "--":
            pos.extend(args[i + 1:])
            break
        if t.startswith("-") and len(t) > 1:
            name, eq, value = t.partition("=")
            if eq:
                opts[name] = value
            elif name in takes and i + 1 < len(args):
                opts[name] = args[i + 1].text
                i += 1
            elif len(name) > 2 and name[1] != "-" and name[:2] in takes:
                opts[name[:2]] = name[2:]
            else:
                opts[name] = ""
            i += 1
            continue
        pos.append(args[i])
        i += 1
    return opts, pos


def _suggest(name: str, pool: Iterable[str]) -> str | None:
    """A close name that is a plausible typo or rename of ``name`` (``biuld`` → ``build``,
    ``app-tool`` → ``app-cli``): same first letter, or a single edit, so ``lint`` never becomes
    ``init`` (a fix that runs another thing)."""
    hits = difflib.get_close_matches(name, sorted(pool), n=3, cutoff=0.6)
    return next((h for h in hits if h[:1] == name[:1] or _edits(name, h) <= 1), None)


def _edits(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) from ``a`` to ``b``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def listing(items: Iterable[str], shown: int = 3, last: str = "and") -> str:
    """``a, b and c``; past ``shown`` items, ``a, b, c and 7 more`` (a message naming ten
    package files stays one readable line in text, JSON and SARIF alike)."""
    items = list(items)
    if len(items) > shown:
        return f"{', '.join(items[:shown])} {last} {len(items) - shown} more"
    if len(items) > 1:
        return f"{', '.join(items[:-1])} {last} {items[-1]}"
    return items[0] if items else ""


def _report_name(ctx: FileContext, word: Word, what: str, where: str,
                 pool: Iterable[str]) -> None:
    pool = sorted(set(pool), key=mf.natural_key)
    close = _suggest(word.text, pool)
    listing_ = ", ".join(pool[:8]) + (f" and {len(pool) - 8} more" if len(pool) > 8 else "") \
        if pool else "none"
    if close:
        ctx.report(word.loc, "CS003",
                   f"{what} {word.text!r} is not defined in {where} (it has: {listing_}); did you "
                   f"mean {close!r}?", fix=close, fix_title=f"Replace with {close}")
    else:
        ctx.report(word.loc, "CS003",
                   f"{what} {word.text!r} is not defined in {where} (it has: {listing_}): update "
                   "the command or remove it.")


def _no_build_file(ctx: FileContext, cmd: Command, last: Word, file: str,
                   where: str = "the repository has none") -> None:
    """Report the command (from its tool to ``last``): the build file it reads is missing, so
    nothing it names can run (no name is guessed from another project)."""
    words = _strip_prefix(cmd.words)
    head = words[0]
    if words[-1].text.startswith("-") or any(
            w.text.isupper() or w.text.startswith("<") for w in words[1:]):
        return  # the shape of a command (`make X`, `cargo run --bin`), not one to run
    upto = words[: next((i for i, w in enumerate(words) if w is last), len(words) - 1) + 1]
    same_line = head.loc.line == last.loc.line == last.loc.end_line
    loc = Loc(head.loc.line, head.loc.col, last.loc.line, last.loc.end_col) if same_line \
        else last.loc
    shown = " ".join(w.text for w in upto)
    ctx.report(loc, "CS003", f"{shown!r} needs a {file} and {where}: update or remove the "
                             "command.")


# -- JavaScript package managers ----------------------------------------------------------------

# Subcommands that work on the project's package.json: with none in the repository they fail
# (``npm test``) or set up a project nobody meant (``yarn add``). A global install, ``init``,
# ``create``, ``dlx``, ``exec`` and the like need none.
_PACKAGE_SUBCOMMANDS = frozenset("""
    install i ci add remove rm uninstall un update up upgrade test t tst start run run-script
    rum urn rebuild prune dedupe audit outdated ls list why
""".split())
_GLOBAL = frozenset({"-g", "--global", "--location=global"})


def _without_package(ctx: FileContext, cmd: Command, opts: dict[str, str],
                     pos: list[Word], default_install: bool = False) -> bool:
    """Whether the command works on a package.json and the repository has none (reported)."""
    if mf.find_all(ctx.ws, ("package.json",)) or any(o in _GLOBAL for o in opts):
        return False
    if not pos:
        if default_install and not opts:  # bare ``yarn``/``pnpm``: install
            _no_build_file(ctx, cmd, _strip_prefix(cmd.words)[0], "package.json")
            return True
        return False
    sub = pos[0]
    if sub.dynamic or (sub.text not in _PACKAGE_SUBCOMMANDS and not (
            default_install and sub.text not in YARN_BUILTINS | PNPM_BUILTINS
            and _plain_name(sub.text))):
        return False
    last = pos[1] if sub.text in ("run", "run-script", "rum", "urn") and len(pos) > 1 else sub
    _no_build_file(ctx, cmd, last, "package.json")
    return True



def _script(ctx: FileContext, cmd: Command, word: Word, explicit: str | None,
            anywhere: bool) -> None:
    if word.dynamic:
        return
    ws = ctx.ws
    name = word.text
    folders = _folders(ctx, cmd, explicit)
    if (explicit or cmd.cwd) and not folders:
        return
    nearest = None
    for folder in folders:
        path = mf.in_dir(ws, folder, ("package.json",)) if (explicit or cmd.cwd) else \
            mf.nearest(ws, folder, ("package.json",))
        if path:
            nearest = nearest or path
            names = mf.package_scripts(ws, path)
            if names is None or names.has(name):
                return
    everyone = [mf.package_scripts(ws, p) for p in mf.find_all(ws, ("package.json",))]
    if not everyone:
        return
    if (anywhere or not (explicit or cmd.cwd)) and any(n is None or n.has(name)
                                                        for n in everyone):
        return
    if nearest is None:
        return
    scripts = mf.package_scripts(ws, nearest)
    _report_name(ctx, word, "script", nearest, scripts.names if scripts else [])


def _npm(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    opts, pos = _options(args, ("--prefix", "-w", "--workspace", "-C"))
    anywhere = any(o in opts for o in ("-w", "--workspace", "--workspaces", "-ws"))
    if not pos or _without_package(ctx, cmd, opts, pos):
        return
    sub = pos[0].text
    if sub in ("run", "run-script", "rum", "urn"):
        rest = [w for w in pos[1:]]
        if rest and not rest[0].text.startswith("-"):
            _script(ctx, cmd, rest[0], opts.get("--prefix"), anywhere)
    elif sub in NPM_SCRIPT_ALIASES and len(pos) == 1:
        _script(ctx, cmd, Word("test", pos[0].loc, pos[0].dynamic), opts.get("--prefix"),
                anywhere)


def _pnpm(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    opts, pos = _options(args, ("-C", "--dir", "--filter", "-F", "--workspace"))
    anywhere = any(o in opts for o in ("--filter", "-F", "-r", "--recursive", "-w",
                                       "--workspace-root"))
    if _without_package(ctx, cmd, opts, pos, default_install=True) or not pos:
        return
    _run_or_script(ctx, cmd, pos, opts.get("-C") or opts.get("--dir"), anywhere,
                   PNPM_BUILTINS)


def _run_or_script(ctx: FileContext, cmd: Command, pos: list[Word], explicit: str | None,
                   anywhere: bool, builtins: frozenset[str] | set[str]) -> None:
    """pnpm/yarn: ``run X``, a test alias, or a bare script name that is not a builtin."""
    sub = pos[0]
    if sub.text == "run" and len(pos) > 1:
        _script(ctx, cmd, pos[1], explicit, anywhere)
    elif sub.text in NPM_SCRIPT_ALIASES and len(pos) == 1:
        _script(ctx, cmd, Word("test", sub.loc, sub.dynamic), explicit, anywhere)
    elif sub.text not in builtins and _plain_name(sub.text) and not _dependency_bin(ctx, sub):
        _script(ctx, cmd, sub, explicit, anywhere)


def _dependency_bin(ctx: FileContext, word: Word) -> bool:
    """``pnpm turbo run build``, ``yarn vitest``: a command a dependency installs, which pnpm
    and yarn run when no script has the name (any package.json of the workspace may list it:
    a workspace's root holds the shared tools)."""
    return any(n is None or n.has(word.text)
               for n in (mf.package_bins(ctx.ws, p)
                         for p in mf.find_all(ctx.ws, ("package.json",))))


def _yarn(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    opts, pos = _options(args, ("--cwd",))
    if _without_package(ctx, cmd, opts, pos, default_install=True) or not pos:
        return
    if pos[0].text in ("workspace", "workspaces"):
        return
    _run_or_script(ctx, cmd, pos, opts.get("--cwd"), False, YARN_BUILTINS)


def _bun(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    opts, pos = _options(args, ("--cwd", "--filter"))
    if pos and pos[0].text != "test" and (pos[0].text != "run" or (
            len(pos) > 1 and _plain_name(pos[1].text) and "." not in pos[1].text)) \
            and _without_package(ctx, cmd, opts, pos):
        return  # (``bun test`` and ``bun run file.ts`` need no package.json)
    if len(pos) >= 2 and pos[0].text == "run" and _plain_name(pos[1].text) \
            and "." not in pos[1].text:
        _script(ctx, cmd, pos[1], opts.get("--cwd"), "--filter" in opts)


def _plain_name(text: str) -> bool:
    return bool(re.fullmatch(r"[\w:@.-]+", text)) and "/" not in text and not text.startswith(".")


# -- make and just ------------------------------------------------------------------------------

def _make(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    """``make X``: each target that the Makefiles the command reads do not define (nor, when
    it names no folder or file, any Makefile of the workspace)."""
    opts, pos = _options(args, ("-C", "--directory", "-f", "--file", "--makefile", "-I",
                                "-o", "-W", "-l"))
    targets = [w for w in pos if "=" not in w.text and not w.text.isdigit()]
    if not targets:
        return
    ws = ctx.ws
    explicit = opts.get("-C") or opts.get("--directory")
    mfile = opts.get("-f") or opts.get("--file") or opts.get("--makefile")
    paths = _makefiles(ctx, cmd, explicit, mfile)
    if not paths:
        if not mfile:
            _no_makefile(ctx, cmd, targets, explicit)
        return
    defined = [mf.make_targets(ws, p) for p in paths]
    if any(d is None or d.open for d in defined):
        return
    others = [] if (explicit or cmd.cwd or mfile) else \
        [mf.make_targets(ws, p) for p in mf.find_all(ws, mf.MAKEFILES)]
    for t in targets:
        if _undefined_target(t, defined, others):
            pool = set().union(*(d.names for d in defined if d is not None))
            _report_name(ctx, t, "make target", paths[0],
                         {n for n in pool if not n.startswith(".")})


# Files from which a project generates its Makefile (``./configure && make check``).
MAKE_GENERATORS = ("configure", "configure.ac", "configure.in", "Makefile.in", "Makefile.am",
                   "CMakeLists.txt", "Makefile.PL", "autogen.sh", "GNUmakefile.in")


def _no_makefile(ctx: FileContext, cmd: Command, targets: list[Word],
                 explicit: str | None) -> None:
    """``make X`` where no Makefile is in the folders it runs in: reported unless the project
    generates its Makefile or another Makefile of the workspace defines every target."""
    ws = ctx.ws
    folders = _folders(ctx, cmd, explicit)
    if not folders or any(t.dynamic for t in targets) or len(targets) > 3:
        return  # a folder that does not exist (not ours to guess), a computed target, prose
    if any(mf.find_all(ws, (g,)) for g in MAKE_GENERATORS):
        return
    others = [mf.make_targets(ws, p) for p in mf.find_all(ws, mf.MAKEFILES)]
    missing = [t for t in targets if not any(o is None or o.has(t.text) for o in others)]
    if not missing:
        return
    scoped = explicit or cmd.cwd
    here = " or ".join(folders) if scoped else f"{ctx.folder} or above" \
        if ctx.folder != "." else "the root"
    where = f"there is none in {here}"
    if others:
        names = listing([o.path for o in others if o is not None])
        where += f" ({names} {'does' if len(others) == 1 else 'do'} not define " \
                 f"{listing([t.text for t in missing])})"
    else:
        where = "the repository has none"
    _no_build_file(ctx, cmd, targets[-1], "Makefile", where)


def _undefined_target(t: Word, defined: list[mf.Names | None],
                      others: list[mf.Names | None]) -> bool:
    """Whether target ``t`` is spelled out and neither the Makefiles read (``defined``) nor any
    of ``others`` (one that cannot be read counts as defining it) define it."""
    if t.dynamic or any(d is not None and d.has(t.text) for d in defined):
        return False
    return not any(o is None or o.has(t.text) for o in others)


def _makefiles(ctx: FileContext, cmd: Command, explicit: str | None,
               mfile: str | None) -> list[str]:
    """The Makefiles ``make`` reads: the ``-f`` file; else the one in each folder it runs in
    (``-C`` or ``cd``), or the nearest above this file and above the root."""
    ws = ctx.ws
    if mfile:
        return [p for p in (ctx.join(mfile), normalise(mfile)) if ws.exists(p)]
    scoped = explicit or cmd.cwd
    paths: list[str] = []
    for folder in _folders(ctx, cmd, explicit):
        hit = mf.in_dir(ws, folder, mf.MAKEFILES) if scoped else \
            mf.nearest(ws, folder, mf.MAKEFILES)
        if hit:
            paths.append(hit)
    return paths


def _just(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    opts, pos = _options(args, ("-f", "--justfile", "-d", "--working-directory", "--set",
                                "--shell", "--dotenv-path", "--dotenv-filename"))
    if not pos or any(o in opts for o in ("-l", "--list", "--summary", "--evaluate", "--show",
                                          "-s", "--dump", "--init", "--edit", "--choose")):
        return
    recipe = pos[0]
    if recipe.dynamic or "::" in recipe.text or "/" in recipe.text or "=" in recipe.text:
        return
    ws = ctx.ws
    jfile = opts.get("-f") or opts.get("--justfile")
    if jfile:
        paths = [p for p in (ctx.join(jfile), normalise(jfile)) if ws.exists(p)]
    else:
        paths = [h for f in _folders(ctx, cmd) if (h := mf.nearest(ws, f, mf.JUSTFILES))]
    if not paths:
        if not jfile and not mf.find_all(ws, mf.JUSTFILES):
            _no_build_file(ctx, cmd, recipe, "justfile")
        return
    defined = [mf.just_recipes(ws, p) for p in paths]
    if any(d is None or d.has(recipe.text) for d in defined):
        return
    if not (jfile or cmd.cwd) and any(
            n is None or n.has(recipe.text)
            for n in (mf.just_recipes(ws, p) for p in mf.find_all(ws, mf.JUSTFILES))):
        return
    pool = set().union(*(d.names for d in defined if d is not None))
    _report_name(ctx, recipe, "just recipe", paths[0], pool)


# -- Python ---------------------------------------------------------------------------------------

_UV_RUN_OPTS = ("--with", "--with-editable", "--with-requirements", "--extra", "--group",
                "--only-group", "--no-group", "--package", "-p", "--python", "--env-file",
                "--index", "--directory", "--project", "--no-extra", "--index-url",
                "--extra-index-url", "-E", "--extras", "-C", "--config-setting")


def _runner(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    """``uv run X ...`` and ``poetry run X ...``."""
    if not args or args[0].text != "run":
        return
    opts, pos = _options(args[1:], _UV_RUN_OPTS)
    if not pos:
        return
    exe, rest = pos[0], pos[1:]
    folder = opts.get("--directory")
    sub = Command(words=[exe, *rest], cwd=folder or cmd.cwd, in_fence=cmd.in_fence)
    if exe.text in ("python", "python3"):
        _python(ctx, sub, rest)
        return
    if exe.text == "pytest":
        _pytest(ctx, sub, rest)
        return
    if exe.dynamic:
        return
    if exe.text.endswith(".py") or "/" in exe.text:
        _script_file(ctx, sub, exe)
        return
    projects = mf.pyprojects(ctx.ws)
    if not projects or any(p.broken for p in projects):
        return
    if not any(p.has_scripts_table for p in projects):
        return
    name = mf.normalise_dist(exe.text)
    if exe.text in COMMON_TOOLS or any(exe.text in p.scripts for p in projects):
        return
    deps = set().union(*(p.dependencies for p in projects))
    if name in deps or name.split("-")[0] in deps or any(d.split("-")[0] == name for d in deps):
        return
    if any(ctx.ws.exists(f"{v}/bin/{exe.text}") for v in (".venv", "venv")):
        return
    scripts = set().union(*(p.scripts for p in projects))
    where = listing(p.path for p in projects if p.has_scripts_table)
    _report_name(ctx, exe, "console script", f"{where} ([project.scripts])", scripts)


def _python(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    i = 0
    while i < len(args):
        t = args[i].text
        if t == "-m" and i + 1 < len(args):
            mod = args[i + 1]
            if mod.text == "pytest":
                _pytest(ctx, cmd, args[i + 2:])
            else:
                _module(ctx, mod)
            return
        if t.startswith("-m") and len(t) > 2:
            return
        if t in ("-c",):
            return
        if t.startswith("-"):
            i += 1
            continue
        if t.endswith(".py"):
            _script_file(ctx, cmd, args[i])
        return


def _module(ctx: FileContext, mod: Word) -> None:
    if mod.dynamic or not re.fullmatch(r"[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*", mod.text):
        return
    ws = ctx.ws
    parts = mod.text.split(".")
    top = parts[0]
    bases = set()
    for p in ws.by_name().get(top, []) + ws.by_name().get(f"{top}.py", []):
        if p.endswith(".py") or (ws.is_dir(p) and _holds_python(ws, p)):
            bases.add(posixpath.dirname(p))
    if not bases:
        return  # not ours: the standard library or an installed package
    rel = "/".join(parts)
    for b in bases:
        stem = f"{b}/{rel}" if b else rel
        if any(ws.exists(c) for c in (f"{stem}.py", f"{stem}/__main__.py", f"{stem}/__init__.py")):
            return
    # the package nearest the root first (typer/, not a skill's folder typer/.agents/.../typer);
    # a real one (``src/pkg/``, one with ``__init__.py``, ``pkg.py``) before a loose folder of
    # that name the same depth down (``docs/pkg/`` of examples)
    def real(base: str) -> bool:
        at = f"{base}/{top}" if base else top
        return posixpath.basename(base) == "src" or ws.exists(f"{at}/__init__.py") \
            or ws.exists(f"{at}.py")

    tried = [f"{b}/{rel}.py" if b else f"{rel}.py"
             for b in sorted(bases, key=lambda b: (b.count("/") + bool(b), not real(b), b))]
    from analyzers.instructions.paths import removals

    gone = removals(ws, tried)
    for path in tried:
        r = gone.get(path)
        if r is not None and r.new_path and r.new_path.endswith(".py"):
            base = path[: -len(rel) - 3]
            if r.new_path.startswith(base):
                new_mod = r.new_path[len(base):-3].replace("/", ".")
                ctx.report(mod.loc, "CS003",
                           f"module {mod.text} was renamed to {new_mod} ({path} → {r.new_path} in "
                           f"{r.commit.describe()}): update the command.", fix=new_mod,
                           fix_title=f"Replace with {new_mod}")
                return
        if r is not None:
            ctx.report(mod.loc, "CS003", f"module {mod.text} was deleted ({path} in "
                                         f"{r.commit.describe()}): update or remove the command.")
            return
    ctx.report(mod.loc, "CS003", f"module {mod.text} does not exist (no {tried[0]}): update or "
                                 "remove the command.")


def _holds_python(ws: CheckView, folder: str) -> bool:
    """Whether ``folder`` is a Python package: a ``.py`` file in it or below (a namespace
    package's ``__init__.py`` is optional), not a folder of the same name holding none."""
    prefix = folder + "/"
    return any(f.startswith(prefix) and f.endswith(".py") for f in ws.files())


def _script_file(ctx: FileContext, cmd: Command, word: Word) -> None:
    if word.dynamic:
        return
    ws = ctx.ws
    p = word.text
    tries = [f"{f}/{p}" if f not in ("", ".") else p for f in _folders(ctx, cmd)] or [p]
    if any(ws.exists(normalise(t)) for t in tries):
        return
    if "/" not in p and ws.by_name().get(p):
        return
    _missing_file(ctx, word, [normalise(t) for t in tries], "script")


# -- scripts run directly or by their interpreter ------------------------------------------------

# Folders a build or an install fills: a script there is made, not missing.
_BUILT = frozenset({"dist", "build", "out", "target", "node_modules", "_build", ".build",
                    "vendor", ".venv", "venv"})


def _run_directly(word: Word) -> bool:
    """``./scripts/fmt.sh``, ``tools/release.py``, ``./configure``: a script file run by its
    path (one without a suffix only when written from ``./``: ``docs/guide`` in a listing is
    no command)."""
    p = word.text
    return not word.dynamic and "/" in p and not p.startswith(("/", "~")) \
        and "://" not in p and (p.endswith(SCRIPT_SUFFIXES) or suffixless_script(p))


def script_tries(ctx: FileContext, cmd: Command, word: Word) -> list[str]:
    """Where ``word`` (a script run by ``cmd``) may be, root-relative."""
    return [normalise(f"{f}/{word.text}" if f not in ("", ".") else word.text)
            for f in _folders(ctx, cmd)]


def _built_or_script(ctx: FileContext, cmd: Command, word: Word) -> None:
    """Check a script file as ``python x.py`` does, unless a build or the ignore rules make it
    (``node dist/server.js``)."""
    if word.dynamic or "://" not in word.text and re.match(r"^[\w.+-]+:", word.text):
        return  # `deno run npm:cowsay`, `jsr:...`: a package, not a file
    first = normalise(word.text).split("/", 1)[0]
    if first in _BUILT:
        return
    git = ctx.ws.git
    tries = script_tries(ctx, cmd, word)
    if any(ctx.ws.exists(t) for t in tries):
        return
    if any(ctx.ws.exists(t + suffix) for t in tries for suffix in (".in", ".ac")):
        return  # made by the build from its template (``./configure`` from configure.ac)
    if git is not None and git.ignored(tries):
        return
    from analyzers.instructions.paths import is_made

    if is_made(ctx, word.text):
        return  # a file the document says something makes
    _script_file(ctx, cmd, word)


def script_words(ctx: FileContext) -> list[tuple[Command, Word]]:
    """Every script file the file's commands run (by path, interpreter or ``source``), with
    its command: what :func:`check` looks for (the prefetch asks git about them at once)."""
    out: list[tuple[Command, Word]] = []
    for cmd in ctx.refs.commands:
        words = _strip_prefix(cmd.words)
        if not words or _rejected(ctx, cmd):
            continue
        head = words[0].text
        if head in _INTERPRETERS:
            word = _interpreted(words[0], words[1:])
        elif head in _SOURCE:
            word = _sourced(words[1:])
        else:
            word = words[0] if head not in _HANDLERS and _run_directly(words[0]) else None
        if word is not None:
            out.append((cmd, word))
    return out


# interpreter: (options that take the next word, options after which no file is run)
_INTERPRETERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    **{sh: (frozenset({"-o", "-O", "+O", "--rcfile", "--init-file"}), frozenset({"-s"}))
       for sh in ("bash", "sh", "zsh", "dash", "ksh")},
    "node": (frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader",
                        "-C", "--conditions", "--env-file", "--title"}),
             frozenset({"-e", "--eval", "-p", "--print", "-i", "--interactive", "--test",
                        "-v", "--version", "-h", "--help", "--run"})),
    "ruby": (frozenset({"-I", "-r", "-C", "-E", "-x"}),
             frozenset({"-e", "-S", "-n", "-p", "-v", "--version", "-h", "--help"})),
    "deno": (frozenset({"-c", "--config", "--import-map", "--location", "--cert", "-L",
                        "--log-level", "--env-file", "--lock"}),
             frozenset({"-h", "--help"})),
}


def _interpreted(head_word: Word, args: list[Word]) -> Word | None:
    """``bash scripts/fmt.sh``, ``node tools/gen.js``, ``ruby script/x.rb``, ``deno run x.ts``:
    the script file the interpreter runs (checked like ``python x.py``'s), if any."""
    head = head_word.text
    if head == "deno":
        if not args or args[0].text != "run":
            return None
        args = args[1:]
    takes_value, ends = _INTERPRETERS[head]
    i = 0
    while i < len(args):
        t = args[i].text
        if t in ends or head in ("bash", "sh", "zsh", "dash", "ksh") and \
                re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", t):
            return None  # `bash -c '...'`, `node -e '...'`: code, not a file
        if t in takes_value:
            i += 2
            continue
        if t.startswith(("-", "+")):
            i += 1
            continue
        return args[i] if "/" in t or t.endswith(SCRIPT_SUFFIXES) else None
    return None


def _interpreter(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    word = _interpreted(_strip_prefix(cmd.words)[0], args)
    if word is not None:
        _built_or_script(ctx, cmd, word)


# ``source scripts/env.sh``, ``. scripts/env.sh``: a shell script read into the shell. Only a
# shell script by its suffix is checked: ``source .venv/bin/activate`` or ``source .env`` name
# files each developer makes.
_SOURCE = frozenset({"source", "."})
_SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh")


def _sourced(args: list[Word]) -> Word | None:
    if not args or args[0].dynamic:
        return None
    p = args[0].text
    if p.startswith(("/", "~", "-")) or "://" in p or not p.endswith(_SHELL_SUFFIXES):
        return None
    return args[0]


def _source(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    word = _sourced(args)
    if word is not None:
        _built_or_script(ctx, cmd, word)


def _missing_file(ctx: FileContext, word: Word, tries: list[str], what: str) -> None:
    from analyzers.instructions.paths import placeholder_path, removals

    gone = removals(ctx.ws, tries)
    r = next((gone[t] for t in tries if t in gone), None)
    if r is not None and r.new_path:
        written = normalise(word.text)
        if r.path.endswith(written):
            base = r.path[: len(r.path) - len(written)].rstrip("/") or "."
            new_text = posixpath.relpath(r.new_path, base)
        else:
            new_text = r.new_path
        if word.text.startswith("./") and not new_text.startswith("."):
            new_text = "./" + new_text
        ctx.report(word.loc, "CS003", f"{what} {word.text} was renamed to {r.new_path} in "
                                      f"{r.commit.describe()}: update the command.",
                   fix=new_text, fix_title=f"Replace with {new_text}")
    elif r is not None:
        ctx.report(word.loc, "CS003", f"{what} {word.text} was deleted in {r.commit.describe()}: "
                                      "update or remove the command.")
    elif not placeholder_path(word.text):  # `./my-app/run.sh`: an example's name
        from analyzers.instructions.paths import close_path

        # A slip in the name gets the did-you-mean CS001 gives a path (a test file, a script).
        close = close_path(ctx.ws, tries, normalise(word.text))
        if close is not None:
            new_text = _as_written(word.text, close[0], close[1])
            ctx.report(word.loc, "CS003", f"{what} {word.text} does not exist; did you mean "
                                          f"{new_text}?", fix=new_text,
                       fix_title=f"Replace with {new_text}")
            return
        ctx.report(word.loc, "CS003", f"{what} {word.text} does not exist: update or remove the "
                                      "command.")


def _as_written(text: str, tried: str, path: str) -> str:
    """``path`` (root-relative, in place of the try ``tried``) written as ``text`` was: from
    the same folder as the try when the text is the try's end (``./run.sh`` from a sub-folder),
    with its ``./`` kept."""
    written = normalise(text)
    if tried.endswith(written) and tried != written:
        base = tried[: len(tried) - len(written)].rstrip("/") or "."
        new_text = posixpath.relpath(path, base)
    else:
        new_text = path
    if text.startswith("./") and not new_text.startswith("."):
        new_text = "./" + new_text
    return new_text


_PYTEST_OPTS = ("-k", "-m", "-p", "-c", "-o", "--rootdir", "--maxfail", "--tb", "-n",
                "--durations", "--junitxml", "--cov", "--cov-report", "--confcutdir",
                "--basetemp", "-W", "--log-level", "--ignore", "--deselect", "--import-mode")


def _pytest(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    _, pos = _options(args, _PYTEST_OPTS)
    for w in pos:
        if w.dynamic:
            continue
        if "::" in w.text:
            _node_id(ctx, w.text, w.loc, cmd.cwd, cmd)
        elif "/" in w.text or w.text.endswith(".py"):
            tries = [normalise(f"{f}/{w.text}" if f not in ("", ".") else w.text)
                     for f in _folders(ctx, cmd)]
            if not any(ctx.ws.exists(t) for t in tries):
                _missing_file(ctx, w, tries, "test path")


def _node_id(ctx: FileContext, text: str, loc, cwd: str | None,  # noqa: ANN001
             cmd: Command | None = None) -> None:
    from analyzers.instructions.markdown import Loc

    file_part, *names = text.split("::")
    ws = ctx.ws
    folders = _folders(ctx, cmd) if cmd is not None else [ctx.folder, "."]
    tries = [normalise(f"{f}/{file_part}" if f not in ("", ".") else file_part) for f in folders]
    path = next((t for t in tries if ws.exists(t)), None)
    file_loc = Loc(loc.line, loc.col, loc.line, loc.col + len(file_part))
    if path is None:
        _missing_file(ctx, Word(file_part, file_loc), tries, "test file")
        return
    source = ws.read(path)
    if source is None:
        return
    col = loc.col + len(file_part)
    for raw in names:
        col += 2
        name = raw.split("[", 1)[0]
        if name and not re.search(rf"^\s*(?:async\s+def|def|class)\s+{re.escape(name)}\b",
                                  source, re.M):
            defined = re.findall(r"^\s*(?:async\s+def|def|class)\s+(\w+)", source, re.M)
            word = Word(name, Loc(loc.line, col, loc.line, col + len(name)))
            _report_name(ctx, word, "test", path, [d for d in defined
                                                  if d.startswith(("test", "Test"))])
            return
        col += len(raw)


# -- Rust and Go ----------------------------------------------------------------------------------

# Cargo subcommands that work on a package (Cargo.toml); ``new``, ``init``, ``search`` and
# ``install NAME`` (from crates.io) need none.
_CARGO_PACKAGE = frozenset("""
    build b run r test t check c clippy fmt bench doc d clean update add remove rm tree fix
    metadata publish package vendor generate-lockfile fetch nextest llvm-cov
""".split())


def _cargo(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    args = args[1:] if args and args[0].text.startswith("+") else args  # +nightly
    if args and not args[0].dynamic and not mf.find_all(ctx.ws, ("Cargo.toml",)) \
            and not any(w.text.startswith("--manifest-path") for w in args) \
            and (args[0].text in _CARGO_PACKAGE
                 or (args[0].text == "install" and any(w.text.startswith("--path")
                                                       for w in args))):
        _no_build_file(ctx, cmd, args[0], "Cargo.toml")
        return
    if not args or args[0].text not in ("run", "build", "test", "install"):
        return
    opts: dict[str, Word] = {}
    for i, w in enumerate(args[1:-1], start=1):
        if w.text in ("--bin", "--example"):
            opts[w.text] = args[i + 1]
    for w in args[1:]:
        for flag in ("--bin", "--example"):
            if w.text.startswith(flag + "="):
                name = w.text[len(flag) + 1:]
                start = w.loc.col + len(flag) + 1
                opts[flag] = Word(name, type(w.loc)(w.loc.line, start, w.loc.line,
                                                    start + len(name)))
    targets = mf.cargo_targets(ctx.ws)
    if not targets:
        return
    for flag, index in (("--bin", 0), ("--example", 1)):
        chosen = opts.get(flag)
        if chosen is None or chosen.dynamic:
            continue
        w = chosen
        names = [t[index] for t in targets]
        if any(n.has(w.text) for n in names):
            continue
        pool = set().union(*(n.names for n in names))
        where = listing((n.path for n in names), last="or")
        _report_name(ctx, w, "binary" if index == 0 else "example", where, pool)


def _go(ctx: FileContext, cmd: Command, args: list[Word]) -> None:
    if not args or args[0].text not in ("run", "build", "test", "vet", "install", "generate"):
        return
    _, pos = _options(args[1:], ("-o", "-tags", "-ldflags", "-gcflags", "-run", "-bench",
                                 "-count", "-timeout", "-p", "-C"))
    ws = ctx.ws
    for w in pos:
        t = w.text
        if w.dynamic or not (t.startswith(("./", "../")) or t.endswith(".go")):
            if args[0].text == "run":
                break  # program arguments follow
            continue
        target = t[:-4] if t.endswith("/...") else t
        if target in (".", "./", ""):
            continue
        tries = [normalise(f"{f}/{target}" if f not in ("", ".") else target)
                 for f in _folders(ctx, cmd)]
        ok = False
        for tr in tries:
            if target.endswith(".go"):
                ok = ok or ws.exists(tr)
            elif ws.is_dir(tr):
                ok = ok or any(f.startswith(tr + "/") and f.endswith(".go") for f in ws.files())
        if not ok:
            _missing_file(ctx, Word(target, type(w.loc)(w.loc.line, w.loc.col, w.loc.line,
                                                        w.loc.col + len(target))),
                          tries, "Go package" if not target.endswith(".go") else "Go file")
        if args[0].text == "run":
            break


_HANDLERS = {
    "npm": _npm, "pnpm": _pnpm, "yarn": _yarn, "bun": _bun, "make": _make, "just": _just,
    "uv": _runner, "poetry": _runner, "python": _python, "python3": _python,
    "pytest": _pytest, "cargo": _cargo, "go": _go,
    **{name: _interpreter for name in _INTERPRETERS},
    **{name: _source for name in _SOURCE},
}
