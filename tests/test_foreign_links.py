"""A name that comes from a module not the repository's own links to none of its definitions.

Names imported from Python's standard library (``from json import dumps``), Go modules other
than the repository's own (read from its go.mod), JavaScript packages it depends on (its
package.json), and struct fields where Rust and C declare them. Real git repositories built
here, indexed, ranked and bundled by the real code.
"""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import commit, make_repo, run_cli

from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index, build


def _ranked(root: Path, seed: str) -> dict[str, list[str]]:
    build(root)
    with Index(root) as index:
        return {rf.path: rf.reasons for rf in rank(index, RankQuery(seeds=[seed]))}


def _reasons(ranked: dict[str, list[str]], path: str) -> str:
    return " ".join(ranked.get(path, []))


CLIENT_PY = '''\
from json import dumps, loads as parse_text

from app.codec import encode


def save(data):
    text = dumps(data)
    back = parse_text(text)
    return encode(back)
'''
CODEC_PY = '''\
def dumps(data):
    return str(data)


def parse_text(text):
    return text


def encode(data):
    return repr(data)
'''


def test_a_name_imported_from_a_python_standard_module_links_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "app/__init__.py": "", "app/client.py": CLIENT_PY, "app/codec.py": CODEC_PY})
    ranked = _ranked(root, "app/client.py")
    codec = _reasons(ranked, "app/codec.py")
    assert "`encode`" in codec, ranked  # imported from the repository's own module: a link
    assert "`dumps`" not in codec and "`parse_text`" not in codec, ranked
    with Index(root) as index:
        refs = index.references("app/client.py")
    assert "dumps" not in refs and "parse_text" not in refs and "loads" not in refs, refs
    assert refs.get("encode") == [3, 9], refs


FETCH_PY = '''\
from requests import get
from httpx import Client
from vendored.http import post


def fetch(url):
    return get(url), Client(), post(url)
'''
HTTP_PY = '''\
def get(url):
    return url


def post(url):
    return url


class Client:
    pass
'''
PYPROJECT = '''\
[project]
name = "shop"
dependencies = ["requests>=2", "httpx[http2]; python_version >= '3.9'", "vendored"]
'''


def test_a_name_imported_from_a_python_dependency_links_nothing(tmp_path: Path) -> None:
    # requests and httpx are dependencies no folder or module here is called; vendored is
    # one too, but the repository holds a package of that name: its own.
    root = make_repo(tmp_path / "repo", {
        "pyproject.toml": PYPROJECT, "shop/__init__.py": "", "shop/fetch.py": FETCH_PY,
        "shop/http.py": HTTP_PY, "vendored/__init__.py": "", "vendored/http.py": HTTP_PY})
    build(root)
    with Index(root) as index:
        refs = index.references("shop/fetch.py")
    assert "get" not in refs and "Client" not in refs, refs
    assert refs.get("post") == [3, 7], refs


ROOT_GO = '''\
package cmd

import (
	"github.com/spf13/cobra"

	"example.com/tool/internal/run"
)

func NewRoot() *cobra.Command {
	root := &cobra.Command{Use: "tool"}
	run.Start()
	return root
}

func Main() {
	cobra.Execute(NewRoot())
}
'''
COMMAND_GO = '''\
package ui

type Command struct{ Name string }

func Execute(c *Command) {}
'''
RUN_GO = '''\
package run

func Start() {}
'''
GO_MOD = '''\
module example.com/tool

go 1.22

require github.com/spf13/cobra v1.8.0
'''


def test_a_third_party_go_package_links_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "go.mod": GO_MOD, "cmd/root.go": ROOT_GO, "internal/ui/command.go": COMMAND_GO,
        "internal/run/run.go": RUN_GO})
    ranked = _ranked(root, "cmd/root.go")
    assert "`Start`" in _reasons(ranked, "internal/run/run.go"), ranked  # the own module's
    ui = _reasons(ranked, "internal/ui/command.go")
    assert "`Command`" not in ui and "`Execute`" not in ui, ranked
    with Index(root) as index:
        refs = index.references("cmd/root.go")
    assert "Command" not in refs and "Execute" not in refs and "Start" in refs, refs


APP_JSX = '''\
import { render, useState as useLocalState } from 'react';
import { readFileSync } from 'node:fs';
import { Button } from '@acme/ui';
import { format } from './format';

export function App() {
  const [value] = useLocalState(readFileSync('x'));
  return render(Button(format(value)));
}
'''
DOM_JS = '''\
export function render(tree) {
  return String(tree);
}

export function useState(initial) {
  return [initial];
}

export function readFileSync(path) {
  return path;
}
'''
FORMAT_JS = '''\
export function format(value) {
  return `${value}`;
}
'''
BUTTON_JS = '''\
export function Button(label) {
  return label;
}
'''


def _js_repo(tmp_path: Path, dependencies: dict[str, str]) -> Path:
    manifest = {"name": "acme-web", "private": True, "workspaces": ["packages/*"],
                "dependencies": {"@acme/ui": "*", **dependencies}}
    return make_repo(tmp_path / "repo", {
        "package.json": json.dumps(manifest), "src/app.jsx": APP_JSX, "src/dom.js": DOM_JS,
        "src/format.js": FORMAT_JS,
        "packages/ui/package.json": json.dumps({"name": "@acme/ui"}),
        "packages/ui/button.js": BUTTON_JS})


def test_a_package_dependency_links_nothing_a_workspace_package_does(tmp_path: Path) -> None:
    root = _js_repo(tmp_path, {"react": "^18.0.0"})
    ranked = _ranked(root, "src/app.jsx")
    assert "`Button`" in _reasons(ranked, "packages/ui/button.js"), ranked  # its own package
    assert "`format`" in _reasons(ranked, "src/format.js"), ranked
    dom = _reasons(ranked, "src/dom.js")
    # React's render and useState, node:fs's readFileSync: not dom.js's.
    assert "`render`" not in dom and "`useState`" not in dom and "`readFileSync`" not in dom, \
        ranked
    with Index(root) as index:
        refs = index.references("src/app.jsx")
    assert not {"render", "useState", "useLocalState", "readFileSync"} & set(refs), refs


def test_a_dependency_added_later_is_read_again(tmp_path: Path) -> None:
    # Without react among the dependencies, its names are the repository's as far as it
    # knows; once package.json lists it, app.jsx (unchanged) is parsed again.
    root = _js_repo(tmp_path, {})
    build(root)
    with Index(root) as index:
        assert "render" in index.references("src/app.jsx")
    manifest = json.loads((root / "package.json").read_text())
    manifest["dependencies"]["react"] = "^18.0.0"
    commit(root, "depend on react", {"package.json": json.dumps(manifest)})
    build(root)
    with Index(root) as index:
        assert "render" not in index.references("src/app.jsx")


CONFIG_RS = '''\
pub struct Config {
    pub name: String,
    pub count: u32,
}

pub fn describe(config: &Config) -> u32 {
    config.count
}
'''
NAMES_RS = '''\
pub fn name() -> String {
    String::new()
}

pub fn count() -> u32 {
    0
}
'''
CONFIG_C = '''\
struct config {
    int count;
    char *name;
    void (*callback)(int);
};

int total(struct config *c) {
    return c->count;
}
'''
NAMES_C = '''\
int count(void) { return 0; }
const char *name(void) { return ""; }
void callback(int n) { (void)n; }
'''


def test_a_rust_or_c_struct_field_declaration_is_no_use(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "src/config.rs": CONFIG_RS, "src/names.rs": NAMES_RS,
        "c/config.c": CONFIG_C, "c/names.c": NAMES_C})
    build(root)
    with Index(root) as index:
        rust = index.references("src/config.rs")
        c = index.references("c/config.c")
    # Only a value's field counts (``config.count``, ``c->count``), not the declarations.
    assert "name" not in rust and rust.get("count") == [7], rust
    assert "name" not in c and "callback" not in c and c.get("count") == [8], c


def test_the_cli_bundle_names_no_link_through_a_dependency(tmp_path: Path) -> None:
    root = _js_repo(tmp_path, {"react": "^18.0.0"})
    out = run_cli("bundle", "--seed", "src/app.jsx", "--budget", "0", "--format", "json",
                  cwd=root)
    assert out.returncode == 0, out.stderr
    assert "src/format.js" in out.stdout, out.stdout
    assert "`render`" not in out.stdout and "`useState`" not in out.stdout, out.stdout


APPLICATION_JS = '''\
var resolve = require('node:path').resolve;
const join = require('path').join;
const { debounce: wait } = require('lodash').fp;
var View = require('./view');

function app() {
  require('react-dom').render(View(resolve('x'), join('a')));
  return require('lodash').debounce(wait);
}
'''
VIEW_JS = '''\
function View(x) { return x; }
function resolve(x) { return x; }
function join(x) { return x; }
function debounce(x) { return x; }
function render(x) { return x; }
function wait(x) { return x; }
module.exports = View;
'''


def test_a_member_of_a_required_package_links_nothing(tmp_path: Path) -> None:
    # express lib/application.js:24 `var resolve = require('node:path').resolve;` made
    # lib/view.js, which defines its own `resolve`, look used by application.js.
    manifest = {"name": "web", "dependencies": {"lodash": "*", "react-dom": "*"}}
    root = make_repo(tmp_path / "repo", {
        "package.json": json.dumps(manifest), "lib/application.js": APPLICATION_JS,
        "lib/view.js": VIEW_JS})
    ranked = _ranked(root, "lib/application.js")
    view = _reasons(ranked, "lib/view.js")
    assert "`View`" in view, ranked
    assert not {"`resolve`", "`join`", "`debounce`", "`render`", "`wait`"} & set(view.split()), \
        ranked
    with Index(root) as index:
        refs = index.references("lib/application.js")
    assert not {"resolve", "join", "debounce", "render", "wait"} & set(refs), refs
    assert refs.get("View") == [4, 7], refs


READ_TS = '''\
import fs = require('fs');
import { helperFromTest } from 'test/helpers';
import { run } from 'node:test';

export function read(): string {
  run();
  return helperFromTest(fs.readFileSync('x'));
}
'''
HELPERS_TS = '''\
export function helperFromTest(x: unknown): string {
  return String(x);
}
'''
FILES_TS = '''\
export function readFileSync(path: string): string {
  return path;
}

export function run(): void {}
'''


def test_typescript_import_require_and_a_bare_test_specifier(tmp_path: Path) -> None:
    # `import fs = require('fs')` binds a built-in; 'test/helpers' (tsconfig baseUrl ".") is
    # the repository's own folder: only `node:test` is Node's.
    root = make_repo(tmp_path / "repo", {
        "package.json": json.dumps({"name": "tool"}),
        "tsconfig.json": json.dumps({"compilerOptions": {"baseUrl": "."}}),
        "src/read.ts": READ_TS, "test/helpers.ts": HELPERS_TS, "src/files.ts": FILES_TS})
    build(root)
    with Index(root) as index:
        refs = index.references("src/read.ts")
    assert "readFileSync" not in refs and "fs" not in refs and "run" not in refs, refs
    assert refs.get("helperFromTest") == [2, 7], refs


ITEM_RS = '''\
pub struct Item {
    pub name: String,
    pub count: u32,
}

pub enum Shape {
    Rect { width: u32, height: u32 },
}

pub fn make(count: u32) -> Item {
    let _shape = Shape::Rect { width: 1, height: 2 };
    Item { name: String::new(), count }
}
'''
SHAPES_RS = '''\
pub fn width() -> u32 { 1 }
pub fn height() -> u32 { 2 }
'''
INIT_C = '''\
#include "config.h"

struct config defaults = { .count = 1, .name = "x" };
'''
ROUTE_GO = '''\
package web

type Route struct {
	Handler string
	Path    string
}

const KindA = 0

var names = [...]string{KindA: "a"}
var weights = map[int]int{KindA: 1}

func Routes() []Route {
	r := Route{Handler: nameOf("h"), Path: "/"}
	return []Route{r, {Handler: "x"}}
}

func nameOf(s string) string { return s }
'''
HANDLER_GO = '''\
package web

type Handler func()

func Path() string { return "" }
'''


def test_a_struct_initializer_key_is_no_use(tmp_path: Path) -> None:
    # A field key names a field of the struct being built (gin.go:404 `Handler:
    # nameOfFunction(...)` counted as a use of gin's `Handler` type); the struct's own type
    # name, and an array's or a map's key, are uses.
    root = make_repo(tmp_path / "repo", {
        "src/item.rs": ITEM_RS, "src/shapes.rs": SHAPES_RS, "src/names.rs": NAMES_RS,
        "c/config.h": CONFIG_C, "c/init.c": INIT_C, "c/names.c": NAMES_C,
        "web/route.go": ROUTE_GO, "web/handler.go": HANDLER_GO})
    build(root)
    with Index(root) as index:
        rust = index.references("src/item.rs")
        c = index.references("c/init.c")
        go = index.references("web/route.go")
    assert not {"name", "width", "height"} & set(rust), rust
    assert rust.get("Item") == [10, 12] and rust.get("Shape") == [11], rust
    assert "count" not in c and "name" not in c and c.get("config") == [3], c
    assert "Handler" not in go and "Path" not in go, go
    assert go.get("Route") == [13, 14, 15] and {10, 11} <= set(go.get("KindA", [])), go
