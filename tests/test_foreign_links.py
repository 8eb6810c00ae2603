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


def test_a_manifest_changed_later_is_read_again(tmp_path: Path) -> None:
    # A tsconfig alias makes 'react' the repository's own (src/dom.js): its names link; once
    # the alias is gone, 'react' is a package (listed or not) and app.jsx (unchanged) is
    # parsed again.
    root = _js_repo(tmp_path, {})
    tsconfig = {"compilerOptions": {"baseUrl": ".", "paths": {"react": ["src/dom.js"]}}}
    commit(root, "alias react", {"tsconfig.json": json.dumps(tsconfig)})
    build(root)
    with Index(root) as index:
        assert "render" in index.references("src/app.jsx")
    commit(root, "no alias", {"tsconfig.json": None})
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


def _links_to_view(tmp_path: Path, dependencies: list[str], path: str, text: str,
                   view_js: str) -> tuple[set[str], dict[str, list[int]]]:
    """The words of lib/view.js's reasons when ``path`` (``text``) is the seed, in a repository
    depending on ``dependencies``, and the references of ``path``."""
    manifest = {"name": "web", "dependencies": dict.fromkeys(dependencies, "*")}
    root = make_repo(tmp_path / "repo", {
        "package.json": json.dumps(manifest), path: text, "lib/view.js": view_js})
    ranked = _ranked(root, path)
    with Index(root) as index:
        return set(_reasons(ranked, "lib/view.js").split()), index.references(path)


def test_a_member_of_a_required_package_links_nothing(tmp_path: Path) -> None:
    # express lib/application.js:24 `var resolve = require('node:path').resolve;` made
    # lib/view.js, which defines its own `resolve`, look used by application.js.
    view, refs = _links_to_view(tmp_path, ["lodash", "react-dom"], "lib/application.js",
                                APPLICATION_JS, VIEW_JS)
    assert "`View`" in view, view
    assert not {"`resolve`", "`join`", "`debounce`", "`render`", "`wait`"} & view, view
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


HANDLERS_JS = '''\
const debounce = require('lodash')['debounce'];
const debug = require('debug')('app:handlers');
const { throttle } = await import('lodash');
const View = require('./view');

function handle() {
  return debounce(throttle(View(debug('x'))));
}
'''
HELPERS_JS = '''\
function View(x) { return x; }
function debounce(x) { return x; }
function debug(x) { return x; }
function throttle(x) { return x; }
module.exports = View;
'''


def test_a_member_subscripted_or_called_on_a_required_package_links_nothing(
        tmp_path: Path) -> None:
    # `const debounce = require('lodash')['debounce']` bound `debounce` to nothing foreign:
    # its uses linked lib/view.js's own `debounce`.
    view, refs = _links_to_view(tmp_path, ["lodash", "debug"], "lib/handlers.js", HANDLERS_JS,
                                HELPERS_JS)
    assert "`View`" in view, view
    assert not {"`debounce`", "`debug`", "`throttle`"} & view, view
    assert not {"debounce", "debug", "throttle"} & set(refs), refs
    assert refs.get("View") == [4, 7], refs


MAIN_TS = '''\
import leftpad from 'leftpad';
import { chunk } from 'lodash-es/chunk';
import { Button } from '@acme/ui';
import { formatDate } from '@app/dates';
import { slugify } from 'utils/strings';
import { tokens } from 'design-tokens';
import { Navbar } from '@components/Navbar';
const padStart = require('pad-start');

export function main(): string {
  return leftpad(padStart(chunk(Button(formatDate(slugify(Navbar(tokens)))))));
}
'''
LOCAL_TS = '''\
export function leftpad(x: unknown): unknown { return x; }
export function padStart(x: unknown): unknown { return x; }
export function chunk(x: unknown): unknown { return x; }
'''


def test_an_unlisted_bare_package_links_nothing_the_repositorys_own_do(tmp_path: Path) -> None:
    # leftpad, lodash-es and pad-start are listed in no package.json: packages still, not the
    # repository's. A workspace package (pnpm-workspace.yaml, no "workspaces" field, not listed
    # either), a tsconfig `paths` alias, a module under its `baseUrl`, an aliased package name
    # and `@components/...` (a bundler's alias of the src/components folder) are the
    # repository's own.
    tsconfig = '''{
  // comments and trailing commas, as tsc allows
  "compilerOptions": {
    "baseUrl": "./src",
    "paths": {"@app/*": ["app/*"], "design-tokens": ["theme/tokens.ts"],},
  },
}'''
    root = make_repo(tmp_path / "repo", {
        "package.json": json.dumps({"name": "acme", "private": True}),
        "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n",
        "tsconfig.json": tsconfig,
        "src/main.ts": MAIN_TS, "src/local.ts": LOCAL_TS,
        "src/app/dates.ts": "export function formatDate(x: unknown) { return x; }\n",
        "src/utils/strings.ts": "export function slugify(x: unknown) { return x; }\n",
        "src/theme/tokens.ts": "export const tokens = 1;\n",
        "src/components/Navbar.ts": "export function Navbar(x: unknown) { return x; }\n",
        "packages/ui/package.json": json.dumps({"name": "@acme/ui"}),
        "packages/ui/button.ts": "export function Button(x: unknown) { return x; }\n"})
    build(root)
    with Index(root) as index:
        refs = index.references("src/main.ts")
    assert not {"leftpad", "chunk", "padStart"} & set(refs), refs
    assert {"Button", "formatDate", "slugify", "tokens", "Navbar"} <= set(refs), refs


ITEMS_RS = '''\
use serde::Serialize;
use serde_json::to_string;
use tokio::spawn;
use core_utils::helper;

#[derive(Serialize)]
pub struct Item {
    pub name: String,
    pub count: u32,
}

pub fn items() -> Vec<Item> {
    helper();
    let _ = to_string(&1);
    spawn();
    let _ = anyhow::anyhow!("x");
    vec![Item { name: String::new(), count: 1 }, Item { name: helper(), count: 2 }]
}
'''
OWN_RS = '''\
pub trait Serialize {}
pub fn to_string() {}
pub fn spawn() {}
pub fn anyhow() {}
pub fn name() {}
pub fn count() {}
'''
APP_CARGO = '''\
[package]
name = "app"

[dependencies]
serde = { workspace = true }
serde_json = "1"
core-utils = { path = "../utils" }
anyhow = { workspace = true }

[dev-dependencies]
tokio = "1"
'''
ROOT_CARGO = '''\
[workspace]
members = ["crates/app", "crates/utils"]

[workspace.dependencies]
serde = "1"
anyhow = "1"
'''


def test_rust_macro_struct_keys_and_external_crates_link_nothing(tmp_path: Path) -> None:
    # vec![Item { name: .. }]: the macro's tokens hold a struct literal whose keys are fields;
    # serde, serde_json, tokio and anyhow are crates Cargo.toml depends on, core-utils is a
    # crate of the workspace (its own).
    root = make_repo(tmp_path / "repo", {
        "Cargo.toml": ROOT_CARGO, "crates/app/Cargo.toml": APP_CARGO,
        "crates/app/src/items.rs": ITEMS_RS, "crates/app/src/own.rs": OWN_RS,
        "crates/utils/Cargo.toml": '[package]\nname = "core-utils"\n',
        "crates/utils/src/lib.rs": "pub fn helper() -> String { String::new() }\n"})
    build(root)
    with Index(root) as index:
        refs = index.references("crates/app/src/items.rs")
    assert not {"name", "count", "Serialize", "to_string", "spawn", "anyhow"} & set(refs), refs
    assert refs.get("helper") == [4, 13, 17] and refs.get("Item") == [12, 17], refs


KINDS_GO = '''\
package web

func Kinds() int {
	x := struct{ Label string }{Label: "a"}
	slices := []map[Kind]int{{KindB: 1}}
	nested := map[string]map[Kind]int{"x": {KindC: 1}}
	lists := map[Kind][]int{KindA: {KindD: 1}}
	routes := []*Route{{Handler: "h"}}
	return len(x.Label) + len(slices) + len(nested) + len(lists) + len(routes)
}
'''
KIND_GO = '''\
package web

type Kind int

const (
	KindA Kind = iota
	KindB
	KindC
	KindD
)

type Route struct{ Handler string }

func Label() string { return "" }

type Handler func()
'''


NAMED_GO = '''\
package web

type Counts map[Kind]int
type Lists []Counts
type Table map[string]Route
type Ref *Counts

func Named() int {
	counts := Counts{KindA: 1}
	lists := Lists{{KindB: 2}}
	table := Table{"x": {Handler: "h"}}
	ref := Ref(&Counts{KindC: 3})
	other := Elsewhere{Label: 1}
	return len(counts) + len(lists) + len(table) + len(*ref) + other.Label
}
'''


def test_go_named_map_and_slice_types_keys_are_uses_as_anonymous_ones_are(
        tmp_path: Path) -> None:
    # `type Counts map[Kind]int` then `Counts{KindA: 1}`: the key is a value, a use of KindA,
    # as in `map[Kind]int{KindA: 1}` (it was taken for a struct's field, as a named type
    # declared elsewhere is: `Elsewhere{Label: 1}`). A named map's values of a struct type
    # (`Table{"x": {Handler: "h"}}`) keep their field keys.
    root = make_repo(tmp_path / "repo", {
        "go.mod": "module example.com/web\n", "web/named.go": NAMED_GO, "web/kind.go": KIND_GO})
    build(root)
    with Index(root) as index:
        refs = index.references("web/named.go")
    assert refs.get("KindA") == [9] and refs.get("KindB") == [10], refs
    assert refs.get("KindC") == [12], refs
    assert "Handler" not in refs and refs.get("Label") == [14], refs


def test_go_anonymous_struct_keys_are_no_uses_nested_map_keys_are(tmp_path: Path) -> None:
    # A one-line anonymous struct's key is a field; the keys of a map whose type the outer
    # literal gives (`[]map[Kind]int{{KindB: 1}}`) are values: uses.
    root = make_repo(tmp_path / "repo", {
        "go.mod": "module example.com/web\n", "web/kinds.go": KINDS_GO, "web/kind.go": KIND_GO})
    build(root)
    with Index(root) as index:
        refs = index.references("web/kinds.go")
    assert refs.get("Label") == [9] and "Handler" not in refs, refs
    assert {"KindA", "KindB", "KindC", "KindD"} <= set(refs), refs


APP_PY = '''\
from requests import get
from pytest_mock import MockerFixture
from httpx import Client
from attrs import define

from app.own import post


def fetch(url):
    return get(url), MockerFixture, Client(), define, post(url)
'''
OWN_PY = '''\
def get(url):
    return url


def post(url):
    return url


def define(x):
    return x


class MockerFixture:
    pass


class Client:
    pass
'''


def test_python_dependencies_of_a_requirements_folder_link_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "requirements/base.txt": "requests>=2\n",
        "requirements/dev.txt": "-r base.txt\npytest-mock==3.14\n",
        "dev-requirements.txt": "httpx\n", "requirements-docs.txt": "attrs\n",
        "app/__init__.py": "", "app/fetch.py": APP_PY, "app/own.py": OWN_PY})
    build(root)
    with Index(root) as index:
        refs = index.references("app/fetch.py")
    assert not {"get", "MockerFixture", "Client", "define"} & set(refs), refs
    assert refs.get("post") == [6, 10], refs


LAZY_JS = '''\
export async function ga() {
  const m = await import('x');
  return m.loadX();
}

export function gb() {
  return import('x').then((m) => m.loadX());
}

export function gc() {
  return import('x').then(function ({ loadX: load, loadY }) { return load(loadY()); });
}

export function gd() {
  const lod = require('lodash');
  return lod.debounce();
}

export async function ge(m) {
  const own = await import('./own.js');
  return own.loadOwn(m.loadZ());
}
'''
OWN_JS = '''\
export function loadX() { return 1; }
export function loadY() { return 1; }
export function loadZ() { return 1; }
export function load() { return 1; }
export function debounce() { return 1; }
export function loadOwn() { return 1; }
'''
LAZY_TS = '''\
export function gt(): Promise<number> {
  return import('x').then((m: typeof import('x')) => m.loadX());
}
'''


def test_a_dynamic_import_of_a_package_binds_a_foreign_local(tmp_path: Path) -> None:
    # `const m = await import('x')` inside a function bound `m` as a local of ours: its
    # member `m.loadX()` linked the repository's own `loadX`; so did the parameter of
    # `import('x').then((m) => ...)`. A parameter `m` of another function, and a dynamic
    # import of the repository's own module, still link.
    root = make_repo(tmp_path / "repo", {
        "package.json": json.dumps({"name": "web", "dependencies": {"x": "*", "lodash": "*"}}),
        "lib/lazy.js": LAZY_JS, "lib/own.js": OWN_JS, "lib/lazy.ts": LAZY_TS})
    build(root)
    with Index(root) as index:
        refs = index.references("lib/lazy.js")
        ts = index.references("lib/lazy.ts")
    assert not {"loadX", "loadY", "load", "debounce", "then"} & set(refs), refs
    assert refs.get("loadOwn") == [21] and refs.get("loadZ") == [21], refs
    assert "loadX" not in ts, ts


TREE_RS = '''\
use serde::{Deserialize as De};
use serde::{ser::Serializer, de};
use serde::{self, Serialize as S, de::{Deserializer}};
use crate::own::{helper as own_helper, Visitor};

pub fn tree() -> u32 {
    own_helper();
    let _v: Option<Visitor> = None;
    0
}
'''
TREE_OWN_RS = '''\
pub trait Deserialize {}
pub trait Serializer {}
pub trait Serialize {}
pub trait Deserializer {}
pub trait Visitor {}
pub fn helper() {}
pub mod ser {}
'''


def test_a_rust_use_trees_alias_and_sub_path_of_a_crate_link_nothing(tmp_path: Path) -> None:
    # Inside a use tree's braces, an external crate's name before `as` (`Deserialize as De`)
    # and a sub-path's (`ser::Serializer`) were references of the file: they linked the
    # repository's own `Deserialize`, `Serializer`, `ser`. The crate's own `use crate::...`
    # still links.
    root = make_repo(tmp_path / "repo", {
        "Cargo.toml": '[package]\nname = "app"\n\n[dependencies]\nserde = "1"\n',
        "src/tree.rs": TREE_RS, "src/own.rs": TREE_OWN_RS})
    build(root)
    with Index(root) as index:
        refs = index.references("src/tree.rs")
    assert not {"Deserialize", "Serializer", "Serialize", "Deserializer", "ser", "de", "serde"
                } & set(refs), refs
    # `helper as own_helper`: the uses of `own_helper` are uses of the crate's `helper` (they
    # were references to `own_helper`, which nothing defines); `De` stays unlinked, as
    # `Deserialize` is the external crate's.
    assert refs.get("helper") == [4, 7] and refs.get("Visitor") == [4, 8], refs
    assert "own_helper" not in refs and "De" not in refs, refs


TREE_RENAMED_RS = '''\
use crate::own::Serialize as _;
use crate::own::helper as h;
use crate::own::{Visitor as V, helper as again};
use serde::Deserialize as De;

pub fn tree() {
    h();
    again();
    let _v: Option<V> = None;
    let _d: Option<De> = None;
}

pub fn other() -> u32 {
    let h = 3;
    h
}

pub fn name(x: &'_ str) -> &'_ str {
    x
}
'''


def test_a_rust_renaming_use_links_the_new_names_uses_to_the_definition(tmp_path: Path) -> None:
    # A renamed import's uses link the definition imported, whichever form the use takes (a
    # plain path, a list), and a local binding of the same name stays the function's own.
    root = make_repo(tmp_path / "repo", {
        "Cargo.toml": '[package]\nname = "app"\n\n[dependencies]\nserde = "1"\n',
        "src/tree.rs": TREE_RENAMED_RS, "src/own.rs": TREE_OWN_RS})
    build(root)
    with Index(root) as index:
        refs = index.references("src/tree.rs")
        linked = {p for p, _ in index.definitions_named("helper")}
    # `Trait as _` names nothing: the file's other `_` (a lifetime's) are no uses of the trait.
    assert refs.get("helper") == [2, 3, 7, 8], refs
    assert refs.get("Visitor") == [3, 9], refs
    assert refs.get("Serialize") == [1], refs
    assert not {"again", "V", "De", "Deserialize"} & set(refs), refs
    assert linked == {"src/own.rs"}


KINDS_DEF_GO = '''\
package web

type Kind int

const (
	KindA Kind = iota
	KindB
)

const KindX, KindY Kind = 7, 8

var KindZ Kind = 9

var _ Kind = KindA

func local() int {
	const inner = 1
	var scratch = 2
	return inner + scratch
}
'''
KINDS_USE_GO = '''\
package web

func Kinds() []Kind {
	return []Kind{KindA, KindB, KindY, KindZ}
}

func Sum() int {
	return inner + scratch
}
'''


def test_go_package_constants_and_variables_are_definitions(tmp_path: Path) -> None:
    # `const ( KindA Kind = iota; KindB )`, `const KindX, KindY Kind = 7, 8`, `var KindZ Kind
    # = 9` defined nothing: their uses in web/use.go resolved nowhere. A function's own `const`
    # and `var`, and `_`, define nothing.
    root = make_repo(tmp_path / "repo", {
        "go.mod": "module example.com/web\n", "web/kind.go": KINDS_DEF_GO,
        "web/use.go": KINDS_USE_GO})
    build(root)
    with Index(root) as index:
        defs = {(d.name, d.kind, d.start_line, d.end_line, d.parent)
                for d in index.definitions("web/kind.go")}
        named = {n: [p for p, _ in index.definitions_named(n)]
                 for n in ("KindY", "KindZ", "inner", "scratch")}
    assert named == {"KindY": ["web/kind.go"], "KindZ": ["web/kind.go"], "inner": [],
                     "scratch": []}, named
    assert {("KindA", "constant", 6, 6, None), ("KindB", "constant", 7, 7, None),
            ("KindX", "constant", 10, 10, None), ("KindY", "constant", 10, 10, None),
            ("KindZ", "constant", 12, 12, None)} <= defs, defs
    assert not {d[0] for d in defs} & {"inner", "scratch", "_"}, defs
    # Found by a look-up (the editor's hover), but no name link of the ranking: measured on
    # gin, chi, cli and fzf, they made it worse (graphsource.UNRANKED).
    reasons = _reasons(_ranked(root, "web/use.go"), "web/kind.go")
    assert "`Kind`" in reasons and "`KindA`" not in reasons, reasons
