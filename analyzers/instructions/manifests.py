"""What a repository's build files define: package.json scripts, Makefile targets, justfile
recipes, pyproject scripts and dependencies, Cargo binaries. Each read once per workspace.

Every reader is lenient: a file it cannot fully understand (``include``, pattern rules, ``mod``)
is marked ``open`` and then defines everything, so a command is never flagged on a guess.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field

from analyzers.instructions.checkview import CheckView

MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
JUSTFILES = ("justfile", "Justfile", ".justfile", "JUSTFILE")


@dataclass(slots=True)
class Names:
    path: str
    names: set[str] = field(default_factory=set)
    open: bool = False  # could define names we cannot see

    def has(self, name: str) -> bool:
        return self.open or name in self.names


def _cached(ws: CheckView, key: str, path: str, reader) -> Names | None:  # noqa: ANN001
    cache = ws.cache.setdefault(key, {})
    assert isinstance(cache, dict)
    if path in cache:
        return cache[path]
    text = ws.read(path)
    result = None if text is None else reader(path, text)
    cache[path] = result
    return result


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """Sorts ``pkg2`` before ``pkg10``, as a reader counts (not as text)."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", text) if part]


def find_all(ws: CheckView, names: tuple[str, ...]) -> list[str]:
    """Every file in the workspace whose name is one of ``names``, in natural order
    (``pkg2/`` before ``pkg10/``: a message listing the first three names those a reader
    expects)."""
    out: list[str] = []
    by_name = ws.by_name()
    for n in names:
        out.extend(p for p in by_name.get(n, []) if p in ws.files() or p in ws.overlay)
    return sorted(set(out), key=natural_key)


def in_dir(ws: CheckView, folder: str, names: tuple[str, ...]) -> str | None:
    for n in names:
        p = n if folder in ("", ".") else f"{folder}/{n}"
        if ws.exists(p) and not ws.is_dir(p):
            return p
    return None


def nearest(ws: CheckView, folder: str, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` in ``folder`` or its ancestors up to the root."""
    d = folder
    while True:
        hit = in_dir(ws, d, names)
        if hit:
            return hit
        if d in ("", "."):
            return None
        d = posixpath.dirname(d) or "."


# -- package.json -------------------------------------------------------------------------------

def _read_package(path: str, text: str) -> Names:
    try:
        data = json.loads(text)
    except ValueError:
        return Names(path, open=True)
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return Names(path, set(scripts) if isinstance(scripts, dict) else set())


def package_scripts(ws: CheckView, path: str) -> Names | None:
    return _cached(ws, "package.json", path, _read_package)


# The commands of JavaScript tools whose name is not their package's (``typescript``'s ``tsc``).
_TOOL_BINS = {"typescript": {"tsc", "tsserver"}, "@changesets/cli": {"changeset"},
              "@playwright/test": {"playwright"}, "@biomejs/biome": {"biome"},
              "@angular/cli": {"ng"}, "@nestjs/cli": {"nest"}, "@vue/cli": {"vue"},
              "@storybook/cli": {"storybook", "sb"}, "@nx/workspace": {"nx"}}


def _read_package_bins(path: str, text: str) -> Names:
    """The commands a package.json's dependencies install (``node_modules/.bin``): each
    package's name (``vitest``, ``turbo``; the last part of a scoped one) and a known tool's
    commands (:data:`_TOOL_BINS`); its own ``bin`` names too."""
    try:
        data = json.loads(text)
    except ValueError:
        return Names(path, open=True)
    out = Names(path)
    if not isinstance(data, dict):
        return out
    for key in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        deps = data.get(key)
        for name in deps if isinstance(deps, dict) else ():
            out.names.update({name, name.rsplit("/", 1)[-1], *_TOOL_BINS.get(name, ())})
    own = data.get("bin")
    if isinstance(own, dict):
        out.names.update(own)
    elif isinstance(own, str) and isinstance(data.get("name"), str):
        out.names.add(data["name"].rsplit("/", 1)[-1])
    return out


def package_bins(ws: CheckView, path: str) -> Names | None:
    """The commands installed by the dependencies of the package.json at ``path``."""
    return _cached(ws, "package.json bins", path, _read_package_bins)


# -- Makefile -----------------------------------------------------------------------------------

_MAKE_HEAD = re.compile(r"^[^\s:#=]")
# Lines that may define rules we cannot read: a function expanded as make text.
_MAKE_EXPANDED = re.compile(r"^\$[({](?:eval|call)\s")


def _rule_colon(line: str) -> int | None:
    """Where the ``:`` of a rule line is: the first one outside ``$(...)``/``${...}`` (a
    ``$(warning "..., run: curl")`` holds no rule), not of ``:=``; None for a line that is no
    rule (no such colon, or an ``=`` or a comment before it)."""
    depth = 0
    for i, c in enumerate(line):
        if depth:
            if c in "({":
                depth += 1
            elif c in ")}":
                depth -= 1
        elif c in "({" and i and line[i - 1] == "$":
            depth = 1
        elif c in "#=":
            return None
        elif c == ":":
            return None if line[i + 1:i + 2] == "=" else i
    return None


def _read_make(path: str, text: str) -> Names:
    out = Names(path)
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.split("\n"):
        if line.startswith("\t") or not line.strip() or line.lstrip().startswith("#"):
            continue
        stripped = line.strip()
        if re.match(r"^-?s?include\s", stripped):
            out.open = True
            continue
        if _MAKE_EXPANDED.match(stripped):
            out.open = True
            continue
        colon = _rule_colon(line) if _MAKE_HEAD.match(line) else None
        if colon is None:
            continue
        head = line[:colon].rstrip()
        if re.match(r"^\s*(?:export\s+|override\s+)?[\w.-]+\s*[?:+!]?=", line):
            continue  # a variable assignment
        for target in head.split():
            if "%" in target or "$" in target:
                out.open = True
                continue
            if target == ".PHONY":
                continue
            out.names.add(target)
        if head.strip() == ".PHONY":
            rest = line[colon + 1:].lstrip(":")
            out.names.update(rest.split())
    return out


def make_targets(ws: CheckView, path: str) -> Names | None:
    return _cached(ws, "make", path, _read_make)


# -- justfile -----------------------------------------------------------------------------------

_RECIPE = re.compile(r"^@?([A-Za-z_][\w-]*)(?:\s+[^:]*?)?\s*:(?!=)")
_ALIAS = re.compile(r"^alias\s+([A-Za-z_][\w-]*)\s*:=")


def _read_just(path: str, text: str) -> Names:
    out = Names(path)
    for line in text.split("\n"):
        if not line or line[0] in " \t#[":
            continue
        if re.match(r"^(?:import|mod)\b", line) or re.match(r"^set\s+fallback", line):
            out.open = True
            continue
        unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "''", line)
        m = _ALIAS.match(unquoted) or _RECIPE.match(unquoted)
        if m is not None and not line.startswith(("set ", "export ")):
            out.names.add(m.group(1))
    return out


def just_recipes(ws: CheckView, path: str) -> Names | None:
    return _cached(ws, "just", path, _read_just)


# -- pyproject.toml -----------------------------------------------------------------------------

@dataclass(slots=True)
class PyProject:
    path: str
    scripts: set[str] = field(default_factory=set)
    dependencies: set[str] = field(default_factory=set)  # normalised names
    has_scripts_table: bool = False
    broken: bool = False


def _dep_name(spec: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return normalise_dist(m.group(1)) if m else ""


def normalise_dist(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_pyproject(path: str, text: str) -> PyProject:
    out = PyProject(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        out.broken = True
        return out
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    for table in (project.get("scripts"), project.get("gui-scripts"), poetry.get("scripts")):
        if isinstance(table, dict):
            out.has_scripts_table = True
            out.scripts.update(table)
    specs: list[str] = []
    if isinstance(project.get("dependencies"), list):
        specs.extend(s for s in project["dependencies"] if isinstance(s, str))
    for group in (project.get("optional-dependencies"), data.get("dependency-groups")):
        if isinstance(group, dict):
            for items in group.values():
                if isinstance(items, list):
                    specs.extend(s for s in items if isinstance(s, str))
    uv = tool.get("uv", {}) if isinstance(tool.get("uv"), dict) else {}
    if isinstance(uv.get("dev-dependencies"), list):
        specs.extend(s for s in uv["dev-dependencies"] if isinstance(s, str))
    out.dependencies.update(n for n in map(_dep_name, specs) if n)
    for key in ("dependencies", "dev-dependencies"):
        if isinstance(poetry.get(key), dict):
            out.dependencies.update(normalise_dist(k) for k in poetry[key])
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for g in groups.values():
            if isinstance(g, dict) and isinstance(g.get("dependencies"), dict):
                out.dependencies.update(normalise_dist(k) for k in g["dependencies"])
    return out


def pyprojects(ws: CheckView) -> list[PyProject]:
    cache = ws.cache.setdefault("pyproject", {})
    assert isinstance(cache, dict)
    out = []
    for path in find_all(ws, ("pyproject.toml",)):
        if path not in cache:
            text = ws.read(path)
            cache[path] = None if text is None else _read_pyproject(path, text)
        if cache[path] is not None:
            out.append(cache[path])
    return out


# -- Cargo --------------------------------------------------------------------------------------

def _read_cargo(ws: CheckView, path: str, text: str) -> tuple[Names, Names]:
    bins, examples = Names(path), Names(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        bins.open = examples.open = True
        return bins, examples
    base = posixpath.dirname(path)

    def rel(p: str) -> str:
        return f"{base}/{p}" if base else p

    package = data.get("package") if isinstance(data.get("package"), dict) else None
    autobins = not (package and package.get("autobins") is False)
    if package and isinstance(package.get("name"), str) and ws.exists(rel("src/main.rs")):
        bins.names.add(package["name"])
    for key, names in (("bin", bins), ("example", examples)):
        items = data.get(key)
        if isinstance(items, list):
            for b in items:
                if isinstance(b, dict) and isinstance(b.get("name"), str):
                    names.names.add(b["name"])
    folders = (("src/bin", bins),) if autobins else ()
    for folder, names in (*folders, ("examples", examples)):
        prefix = rel(folder) + "/"
        for f in ws.files():
            if f.startswith(prefix):
                rest = f[len(prefix):]
                if rest.endswith(".rs") and "/" not in rest:
                    names.names.add(rest[:-3])
                elif rest.endswith("/main.rs") and rest.count("/") == 1:
                    names.names.add(rest.split("/")[0])
    return bins, examples


def cargo_targets(ws: CheckView) -> list[tuple[Names, Names]]:
    cache = ws.cache.setdefault("cargo", {})
    assert isinstance(cache, dict)
    out = []
    for path in find_all(ws, ("Cargo.toml",)):
        if path not in cache:
            text = ws.read(path)
            cache[path] = None if text is None else _read_cargo(ws, path, text)
        if cache[path] is not None:
            out.append(cache[path])
    return out
