"""A path in a task that runs through an installed copy of the project (Go's module cache, a
Python environment's ``site-packages``, ``node_modules``, Cargo's registry) is read from the
package's root: it names the workspace file it is a copy of, with its line, and the pieces of
the install prefix (home, go, pkg, mod, github, site-packages, node_modules, versions) are no
words of the task. Real git repositories built here, ranked by the real ranker."""

from __future__ import annotations

from pathlib import Path

from gitutil import make_repo

from analyzers import lexical
from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index, build

NAMED = "the task names it"


def _ranked(root: Path, task: str) -> list:
    build(root)
    with Index(root) as index:
        return rank(index, RankQuery(task=task))


def _words_ranked(root: Path, task: str) -> tuple[set[str], list]:
    """The task's words as the ranker read them, and its ranking (``root`` indexed)."""
    query = RankQuery(task=task)
    with Index(root) as index:
        results = rank(index, query)
    return set(query.words or ()), results


def _first_named(results: list) -> tuple[str, str, list[int]]:
    first = results[0]
    return first.path, first.reasons[0], list(first.task_lines)


GO_TREE = "package router\n\n" + "".join(
    f"// helper {i}\nfunc helper{i}() int {{ return {i} }}\n\n" for i in range(20)) + \
    "func (n *node) addRoute(path string) {\n\tpanic(\"wildcard conflict\")\n}\n"


def test_a_go_module_cache_path_names_the_workspace_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "router", {
        "go.mod": "module github.com/acme/router\n\ngo 1.21\n",
        "tree.go": GO_TREE,
        "router.go": "package router\n\nfunc New() *node { return &node{} }\n",
        "docs/install.md": "# Install\n\ngo get github.com/acme/router; see pkg/mod in your home "
                           "go folder, the module cache of github.com.\n",
        ".github/workflows/go.yml": "name: go\non: push\njobs:\n  test:\n"
                                   "    runs-on: ubuntu-latest  # github com go pkg mod home\n",
    })
    line = GO_TREE.splitlines().index("func (n *node) addRoute(path string) {") + 1
    task = f"panic in /home/me/go/pkg/mod/github.com/acme/router@v1.9.0/tree.go:{line}"
    # the words of "panic in tree.go:232": none of home, me, go (the folder), pkg, mod, github
    assert lexical.task_words(task) == lexical.task_words(f"panic in tree.go:{line}")
    path, reason, lines = _first_named(_ranked(root, task))
    assert (path, reason, lines) == ("tree.go", f"{NAMED} (`tree.go`)", [line])
    # any ``@vX.Y.Z/`` folder (``go test`` prints the module path without the cache)
    path, reason, _ = _first_named(_ranked(root, "github.com/acme/router@v1.2.3/router.go:3 fails"))
    assert (path, reason) == ("router.go", f"{NAMED} (`router.go`)")


def test_a_windows_or_dotted_module_cache_path_names_the_workspace_file(tmp_path: Path) -> None:
    """A Windows module cache path (``C:\\...\\gin@v1.9.0\\tree.go``: no e-mail address) and one
    with a ``..`` part are read from the module's root as well, the ``..`` resolved."""
    root = make_repo(tmp_path / "router", {
        "go.mod": "module github.com/acme/router\n\ngo 1.21\n",
        "tree.go": GO_TREE,
        "router.go": "package router\n\nfunc New() *node { return &node{} }\n",
        "internal/bytesconv/bytesconv.go": "package bytesconv\n\n// internal users go pkg\n",
    })
    line = GO_TREE.splitlines().index("func (n *node) addRoute(path string) {") + 1
    plain = f"panic in tree.go:{line}"
    for task in (f"panic in C:\\Users\\me\\go\\pkg\\mod\\github.com\\acme\\router@v1.9.0\\"
                 f"tree.go:{line}",
                 f"panic in /home/me/go/pkg/mod/github.com/acme/router@v1.9.0/internal/../"
                 f"tree.go:{line}"):
        assert lexical.task_words(task) == lexical.task_words(plain), task
        assert lexical.installed_packages(task) == {f"tree.go:{line}": "go:github.com/acme/router"}
        path, reason, lines = _first_named(_ranked(root, task))
        assert (path, reason, lines) == ("tree.go", f"{NAMED} (`tree.go`)", [line]), task


def test_a_site_packages_path_names_the_workspace_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "widget", {
        "pyproject.toml": "[project]\nname = 'widget'\n",
        "widget.py": "def main():\n    return parse()\n\n\ndef parse():\n    raise KeyError\n",
        "tox.ini": "[tox]\nenvlist = py312\n# site packages lib python home tox\n",
        "docs/setup.md": "# Setup\n\nInstall into a venv: lib/python3.12/site-packages.\n",
    })
    for prefix in ("/home/me/.tox/py312/lib/python3.12/site-packages",
                   "/home/me/proj/.venv/lib/python3.12/site-packages",
                   "/usr/lib/python3/dist-packages"):
        task = ("Traceback (most recent call last):\n"
                f'  File "{prefix}/widget.py", line 5, in parse\nKeyError')
        words = set(lexical.task_words(task))
        assert not words & {"home", "tox", "venv", "lib", "python3", "site", "dist", "packages",
                            "usr"}, (prefix, words)
        assert "widget" in words
        path, reason, lines = _first_named(_ranked(root, task))
        assert (path, reason, lines) == ("widget.py", f"{NAMED} (`widget.py`)", [5]), prefix


def test_a_node_modules_path_names_the_workspace_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "widget", {
        "package.json": '{"name": "@acme/widget", "version": "1.0.0", "main": "main.js"}\n',
        "main.js": "function start() {\n  return boot();\n}\n\nfunction boot() {\n"
                   "  throw new TypeError('x');\n}\nmodule.exports = { start };\n",
        "lib/other.js": "module.exports = function other() { return 1; };\n",
        "docs/node.md": "# Node\n\nRun with node; modules are in node_modules of your app.\n",
    })
    for prefix in ("/srv/app/node_modules/@acme/widget",
                   "/srv/app/node_modules/.pnpm/@acme+widget@1.0.0/node_modules/@acme/widget"):
        task = f"TypeError: x\n    at boot ({prefix}/main.js:6:9)\n    at start"
        words = set(lexical.task_words(task))
        assert not words & {"srv", "app", "node", "modules", "pnpm", "acme"}, (prefix, words)
        path, reason, lines = _first_named(_ranked(root, task))
        assert (path, reason, lines) == ("main.js", f"{NAMED} (`main.js`)", [6]), prefix
    # a dependency's file of the same name is not this package's: it names nothing
    dependency = "TypeError: x\n    at pad (/srv/app/node_modules/left-pad/main.js:6:9)"
    assert not [r for r in _ranked(root, dependency) if r.reasons[:1] == [f"{NAMED} (`main.js`)"]]


def test_a_package_of_a_monorepo_is_read_from_its_folder(tmp_path: Path) -> None:
    """In a workspace of several packages, the path is read from the folder of the package the
    prefix names (its package.json, Cargo.toml or go.mod), not from another package's file of the
    same name."""
    from analyzers.bundles.mentions import name_tables, named_files

    root = make_repo(tmp_path / "mono", {
        "packages/core/package.json": '{"name": "@acme/core"}\n',
        "packages/core/src/index.js": "export const core = 1;\n",
        "packages/ui/package.json": '{"name": "@acme/ui"}\n',
        "packages/ui/src/index.js": "export const ui = 1;\n",
        "crates/parse/Cargo.toml": '[package]\nname = "acme-parse"\nversion = "0.1.0"\n',
        "crates/parse/src/lib.rs": "pub fn parse() {}\n",
        "crates/other/Cargo.toml": '[package]\nname = "acme-other"\nversion = "0.1.0"\n',
        "crates/other/src/lib.rs": "pub fn other() {}\n",
        "tools/go.mod": "module github.com/acme/mono/tools\n\ngo 1.21\n",
        "tools/main.go": "package main\n\nfunc main() {}\n",
        "cmd/main.go": "package main\n\nfunc main() {}\n",
    })
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                   if p.is_file() and ".git" not in p.parts)

    def named(task: str) -> list[tuple[str, tuple[int, ...]]]:
        return [(files[n.file_index], n.lines)
                for n in named_files(task, files, *name_tables(files), root)]

    assert named("at f (/app/node_modules/@acme/ui/src/index.js:1:14)") == [
        ("packages/ui/src/index.js", (1,))]
    assert named("panicked at /home/me/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/"
                 "acme-parse-0.1.0/src/lib.rs:1:5") == [("crates/parse/src/lib.rs", (1,))]
    assert named("panic: /home/me/go/pkg/mod/github.com/acme/mono/tools@v0.3.0/main.go:3") == [
        ("tools/main.go", (3,))]
    # without the root (no manifests read), both files of the name are named
    assert [files[n.file_index] for n in named_files(
        "at f (/app/node_modules/@acme/ui/src/index.js:1:14)", files, *name_tables(files))] == [
        "packages/core/src/index.js", "packages/ui/src/index.js"]


def test_a_cargo_registry_path_is_read_from_the_crate_root() -> None:
    task = ("thread 'main' panicked at /home/me/.cargo/registry/src/"
            "index.crates.io-6f17d22bba15001f/clap_builder-4.5.1/src/parser/parser.rs:12:5")
    assert "src/parser/parser.rs:12:5" in lexical.task_text(task)
    assert not set(lexical.task_words(task)) & {"home", "cargo", "registry", "index", "crates",
                                                "io", "clap_builder"}
    # a word merely holding "@v" or "-packages" is left as it is
    assert lexical.task_text("see my-packages/x.py and a@v1") == "see my-packages/x.py and a@v1"


def _router(util: str, extra: dict[str, str]) -> dict[str, str]:
    """A Go module's files: its router, its tree, ``srclib/util.go`` of ``util``, and ``extra``."""
    return {"go.mod": "module github.com/acme/router\n\ngo 1.21\n", "tree.go": GO_TREE,
            "router.go": "package router\n\nfunc New() *node { return &node{} }\n"
                         "\n// wildcard routes conflict\nfunc conflict() {}\n",
            "srclib/util.go": util, **extra}


def test_a_dependencys_path_lends_the_task_no_words(tmp_path: Path) -> None:
    """A path through an installed package that names no file of the workspace (another Go
    module's, a site-packages package that is not the project) is a dependency's: its
    in-package pieces (src, lib, util, otherpkg) are no words of the task, so no file matches
    them; the project's own path keeps its words."""
    util = "package util\n\n" + "".join(
        f"// src lib util helper {i}\nfunc SrcLibUtil{i}() int {{ return {i} }}\n\n"
        for i in range(6))
    root = make_repo(tmp_path / "router", _router(util, {
        "otherpkg_lib.py": "def otherpkg_lib_x():\n    return 'otherpkg lib x'\n"}))
    go_dep = "/home/me/go/pkg/mod/github.com/other/dep@v1.2.0/src/lib/util.go:12"
    py_dep = '  File "/usr/lib/python3/site-packages/otherpkg/lib/x.py", line 5, in call'
    for task in (f"wildcard conflict panic in {go_dep}", f"wildcard conflict\n{py_dep}"):
        results = _ranked(root, task)
        matched = {w for r in results for w in r.task_terms}
        assert matched and not matched & {"src", "lib", "util", "otherpkg", "x"}, (task, matched)
        assert all("from the task" not in why or not {"src", "lib", "util", "otherpkg"} & set(
            lexical.words(why)) for r in results for why in r.reasons), task
    own = "/home/me/go/pkg/mod/github.com/acme/router@v1.9.0/srclib/util.go:3"
    results = _ranked(root, f"wildcard conflict panic in {own}")
    assert results[0].path == "srclib/util.go"
    assert {"util"} <= {w for r in results for w in r.task_terms}


def test_a_vendored_path_of_a_dependency_the_workspace_does_not_hold_lends_no_words(
        tmp_path: Path) -> None:
    """``vendor/github.com/other/dep/...`` (a Go vendor folder, a Composer or Bundler one) is a
    dependency's copy when the workspace holds no such file: none of its pieces (vendor,
    github, other, dep, src, lib, util) is a word of the task; a vendored file the workspace
    does hold keeps its words."""
    util = "package util\n\n" + "".join(
        f"// vendor github other dep src lib util helper {i}\n"
        f"func VendorOtherDepUtil{i}() int {{ return {i} }}\n\n" for i in range(6))
    root = make_repo(tmp_path / "router", _router(util, {
        "vendor/github.com/kept/tool/flags.go": "package tool\n\n// flags parsing\n"
                                                "func Parse() {}\n"}))
    dropped = {"vendor", "github", "com", "other", "dep", "src", "lib", "util"}
    for dep in ("vendor/github.com/other/dep/src/lib/util.go:12",
                "/home/me/app/vendor/github.com/other/dep/src/lib/util.go:12",
                "/home/me/go/pkg/mod/github.com/other/dep@v1.2.0/src/lib/util.go:12"):
        results = _ranked(root, f"wildcard conflict panic in {dep}")
        matched = {w for r in results for w in r.task_terms}
        assert matched and not matched & dropped, (dep, matched)
        assert results[0].path == "router.go", dep
    results = _ranked(root, "flags panic in vendor/github.com/kept/tool/flags.go:4")
    assert results[0].path == "vendor/github.com/kept/tool/flags.go"
    assert {"flags"} <= {w for r in results for w in r.task_terms}
    query = RankQuery(task="the vendor/supplier split is wrong")  # prose, no path
    with Index(root) as index:
        rank(index, query)
    assert {"vendor", "supplier"} <= set(query.words or ())


def test_a_dependency_path_under_a_folder_with_a_space_lends_no_words(tmp_path: Path) -> None:
    """A dependency's path (a ``vendor/`` one the workspace does not hold, Go's module cache)
    under a home folder whose name holds a space lends none of its words, neither the home's
    nor the dependency's; a vendored path written with ``..`` names the file it resolves to."""
    root = make_repo(tmp_path / "router", _router("package util\n", {
        "vendor/github.com/kept/tool/flags.go": "package tool\n\n// flags parsing\n"
                                                "func Parse() {}\n"}))
    for dep in ("/Users/Jane Doe/proj/vendor/github.com/other/dep/src/lib/util.go:12",
                "C:\\Users\\Jane Doe\\proj\\vendor\\github.com\\other\\dep\\src\\lib\\util.go:12",
                "/home/jane doe/go/pkg/mod/github.com/other/dep@v1.2.0/src/lib/util.go:12",
                "/home/jane doe/go/pkg/mod/github.com/other/dep@v1.2.0/z.go:12"):
        query = RankQuery(task=f"wildcard conflict panic in {dep}")
        build(root)
        with Index(root) as index:
            results = rank(index, query)
        assert set(query.words or ()) == {"wildcard", "conflict", "panic"}, (dep, query.words)
        assert results[0].path == "router.go", dep
    results = _ranked(root, "flags panic in vendor/github.com/kept/tool/../tool/flags.go:4")
    assert results[0].path == "vendor/github.com/kept/tool/flags.go"
    terms = {w for r in results for w in r.task_terms}
    assert "flags" in terms and not {"vendor", "tool", "go"} & terms, terms  # (its name only)


HOME_FILES = {
    "src/app.py": "def run(config):\n    return config.load()\n",
    "src/users.py": "def users_home(jane, doe):\n    '''users home folders: jane doe proj'''\n"
                    "    return [jane, doe]\n",
    "docs/home.md": "# Home\n\nUsers, home folders, Jane and Doe's proj.\n",
    "src/config.py": "def load():\n    return {}\n",
}


def test_an_absolute_path_lends_only_its_words_inside_the_workspace(tmp_path: Path) -> None:
    """A pasted absolute path (a traceback's, a log's) lends the task the words of its part in
    the workspace only: not its home folder (users, home, the user's name, a name with a space
    in it) nor the folders above the workspace (proj)."""
    root = make_repo(tmp_path / "proj", HOME_FILES)
    outside = {"users", "home", "jane", "doe", "proj"}
    for path in ("/Users/Jane Doe/proj/src/app.py:2", "/home/jane doe/proj/src/app.py:2",
                 "/home/jane/proj/src/app.py:2", "C:\\Users\\Jane Doe\\proj\\src\\app.py:2"):
        for task in (f"run crashes at {path}", f'  File "{path[:-2]}", line 2, in run'):
            results = _ranked(root, task)
            matched = {w for r in results for w in r.task_terms}
            assert not matched & outside, (task, matched)
            assert results[0].path == "src/app.py", task
            assert "src/users.py" not in [r.path for r in results[:1]]
    # naming no file of the workspace: all but the home folder
    matched = {w for r in _ranked(root, "config load fails in /home/jane/proj/src/users.py.bak")
               for w in r.task_terms}
    assert "users" in matched and not matched & {"home", "jane"}
    # a web route is no home folder: its words stay
    for route in ("/users/profile", "/home/feed/latest"):
        with Index(root) as index:
            query = RankQuery(task=f"GET {route} returns 500")
            rank(index, query)
        assert set(route.split("/")) - {""} <= set(query.words or ()), query.words


def test_an_absolute_path_with_spaces_in_its_outer_folders_lends_only_its_workspace_words(
        tmp_path: Path) -> None:
    """Folders above the workspace whose names hold spaces (a cloud drive's, a user's full
    name, the workspace's own folder) lend the task no words: only the part naming the
    workspace file does. Prose between a web route and a path keeps its words."""
    root = make_repo(tmp_path / "proj", HOME_FILES)
    for path in ("/Users/jane/Google Drive/proj/src/app.py", "/home/jane/My Projects/src/app.py",
                 "C:\\Users\\jane\\OneDrive - Acme Corp\\proj\\src\\app.py",
                 "/Users/Jane Q Doe/proj/src/app.py", "/mnt/c/Users/Jane Doe/proj/src/app.py",
                 "D:\\work\\Jane Doe\\proj\\src\\app.py", "/tmp/x/my repo \u00fc/src/app.py",
                 "/Users/jane/proj.v2 final/src/app.py",  # (a folder's name with a dot)
                 # more than one space after it (``proj``, ``v2``, ``final``, ``draft`` lent)
                 "/Users/jane/proj.v2 final draft/src/app.py", "~/proj.v2 final draft/src/app.py",
                 "C:\\Users\\jane\\proj.v2 final draft\\src\\app.py"):
        query = RankQuery(task=f"{path} crashes")
        build(root)
        with Index(root) as index:
            results = rank(index, query)
        assert set(query.words or ()) == {"app", "crashes"}, (path, query.words)
        assert results[0].path == "src/app.py", path
    for task in ("GET /users/profile and src/app.py crashes", "GET /users/profile crashes",
                 "GET /users/profile crashes src/app.py",
                 # a path after a route's words: not a folder "profile crashes foo" above it
                 "GET /users/profile crashes foo/src/app.py",
                 "POST /users/profile crashes in /Users/jane/proj.v2 final/src/app.py",
                 "POST /users/profile crashes in /Users/jane/proj.v2 final draft/src/app.py"):
        words, results = _words_ranked(root, task)
        assert {"users", "profile"} <= words, (task, words)
        assert not {"jane", "final", "v2"} & words, (task, words)
        if "src/app.py" in task:  # the pasted path still names its file
            assert any(r.startswith("the task names it") for r in results[0].reasons) \
                and results[0].path == "src/app.py", (task, results[0])


def test_words_after_a_path_that_ends_in_a_file_name_stay_the_task_s(tmp_path: Path) -> None:
    """A path that ends in a file's name (``app.py``) ends there: the words after it, even
    before another path, are the task's own."""
    root = make_repo(tmp_path / "proj", HOME_FILES)
    build(root)
    for task in ("/home/jane/proj/src/app.py final draft fails",
                 "/Users/jane/proj/src/app.py final draft/src/app.py"):
        words, _ = _words_ranked(root, task)
        assert {"final", "draft"} <= words and not {"jane", "proj"} & words, (task, words)


def test_a_bundle_reads_the_task_words_once_the_ranker_s(tmp_path: Path, monkeypatch) -> None:
    """The task's words without a dependency's path are found once per bundle: the ranking
    leaves them on its query (``RankQuery.words``) and the packing takes them from there (a
    bundle without a ranking finds them itself)."""
    from analyzers.app.requests import BundleRequest
    from analyzers.bundles import assemble

    root = make_repo(tmp_path / "router", {
        "go.mod": "module github.com/acme/router\n\ngo 1.21\n",
        "tree.go": GO_TREE, "router.go": "package router\n\nfunc New() *node { return &node{} }\n"})
    task = ("wildcard conflict panic in tree.go at "
            "/home/me/go/pkg/mod/github.com/other/dep@v1.2.0/src/lib/util.go:12")
    build(root)
    found: list[str] = []
    real = assemble.find_task_words

    def counted(text: str, *args: object, **kwargs: object) -> list[str]:
        found.append(text)
        return real(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assemble, "find_task_words", counted)
    with Index(root) as index:
        query = RankQuery(task=task)
        rank(index, query)
        assert query.words == lexical.task_words("wildcard conflict panic in tree at")
        assemble.make_bundle(index, BundleRequest(task=task, budget=2000))
        assert found == []  # the ranking's
        assemble.make_bundle(index, BundleRequest(task=task, seeds=["tree.go"], budget=2000,
                                                  ranked=False))
        assert found == [task]


def test_a_file_s_path_after_an_http_method_is_no_web_route(tmp_path: Path) -> None:
    """A path after ``GET``/``POST`` that is a file's (a drive letter, a file name or ``:LINE``
    at its end, a workspace file named by its end) lends only its workspace part, as it would
    alone; a route after a method in any case, after several blanks or a tab, or as a link's
    path keeps its words, whatever path follows it (but not the link's host)."""
    root = make_repo(tmp_path / "proj", HOME_FILES)
    build(root)
    outside = {"users", "home", "jane", "proj", "work"}
    for task, named in (("POST C:\\Users\\jane\\proj\\src\\app.py fails", "src/app.py"),
                        ("GET D:\\work\\jane\\proj\\src\\config.py crashes", "src/config.py"),
                        ("GET /home/jane/proj/src/app.py:2 crashes", "src/app.py"),
                        ("GET /home/jane/proj/src/config.py crashes", "src/config.py"),
                        ("get  /home/jane/proj/src/app.py fails", "src/app.py"),
                        ("DELETE ~/proj/src/config.py fails", "src/config.py")):
        words, results = _words_ranked(root, task)
        assert not outside & words, (task, words)
        assert results[0].path == named, (task, results[0].path)
    for task in ("get /users/profile crashes foo/src/app.py",
                 "Get /users/profile crashes foo/src/app.py",
                 "GET  /users/profile crashes foo/src/app.py",
                 "GET\t/users/profile crashes foo/src/app.py",
                 "GET https://example.com/users/profile crashes foo/src/app.py"):
        words, results = _words_ranked(root, task)
        assert {"users", "profile", "crashes", "foo"} <= words, (task, words)
        assert not {"example", "com"} & words, (task, words)
        assert results[0].path == "src/app.py", (task, results[0].path)
