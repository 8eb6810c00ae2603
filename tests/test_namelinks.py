"""Issue #14, defect 7: name links count only within a language family, never through built-ins.

Real git repositories built here, indexed and ranked by the real code.
"""

from __future__ import annotations

from pathlib import Path

from gitutil import make_repo

from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index, build

SEED_GO = '''\
package shop

func Describe(items []string) string {
	out := ""
	for _, s := range items {
		out += string(s) + Format(s)
	}
	return out
}

func Label(n int) string {
	return string(rune(n)) + Format("x")
}
'''

FORMAT_GO = '''\
package shop

func Format(s string) string {
	return "[" + s + "]"
}
'''

METHOD_GO = '''\
package other

type Token struct{ text string }

func (t Token) string() string {
	return t.text
}
'''

SEED_PY = '''\
from runner import Job


def run_all(jobs):
    for job in jobs:
        job.execute()
        job.start()
    return Job.execute
'''

RUNNER_PY = '''\
class Job:
    def execute(self):
        return 1

    def start(self):
        return 2
'''

TASKS_TS = '''\
export class Task {
  execute(): number {
    return 1;
  }
  start(): void {}
}
'''

CALLER_JS = '''\
import { Task } from "./tasks";

export function go(t) {
  return new Task().execute();
}
'''


def _ranked(root: Path, seed: str) -> dict[str, list[str]]:
    build(root)
    with Index(root) as index:
        return {rf.path: rf.reasons for rf in rank(index, RankQuery(seeds=[seed]))}


def test_a_method_named_like_a_builtin_is_not_credited_with_its_uses(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "go.mod": "module example.com/shop\n", "shop/describe.go": SEED_GO,
        "shop/format.go": FORMAT_GO, "other/token.go": METHOD_GO})
    ranked = _ranked(root, "shop/describe.go")
    assert any(r.startswith("defines") and "`Format`" in r for r in ranked["shop/format.go"]), \
        ranked
    token_reasons = " ".join(ranked.get("other/token.go", []))
    assert "`string`" not in token_reasons, ranked


def test_links_do_not_cross_language_families(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "app/jobs.py": SEED_PY, "app/runner.py": RUNNER_PY,
        "web/tasks.ts": TASKS_TS, "web/caller.js": CALLER_JS})
    ranked = _ranked(root, "app/jobs.py")
    assert any(r.startswith("defines") and "`execute`" in r for r in ranked["app/runner.py"]), \
        ranked
    assert not any("execute" in r or "start" in r for r in ranked.get("web/tasks.ts", [])), \
        ranked
    # JavaScript and TypeScript are one family: their links still count.
    js = _ranked(root, "web/caller.js")
    assert any("`execute`" in r for r in js["web/tasks.ts"]), js
    assert not any("execute" in r for r in js.get("app/runner.py", [])), js


STYLE_RS = """\
pub struct StyleComponents;

impl StyleComponents {
    pub fn numbers(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn numbers_on() {
        assert!(StyleComponents.numbers());
    }
}
"""
RANGE_RS = """\
use crate::style::StyleComponents;

pub fn line_range(text: &str) -> Option<(usize, usize)> {
    let (a, b) = text.split_once(':')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}
"""
INTEGRATION_RS = """\
use bat::range::line_range;

#[test]
fn range_one() {
    assert_eq!(line_range("1:2"), Some((1, 2)));
}

#[tokio::test]
async fn range_two() {
    assert_eq!(line_range("3:4"), Some((3, 4)));
}

#[test]
#[cfg(test)]
fn range_three() {
    assert!(line_range("x").is_none());
}
"""


def test_a_rust_attribute_is_no_use_of_a_definition(tmp_path: Path) -> None:
    """bat: 35 ``#[test]`` lines of an integration test were credited to ``src/style.rs``'s
    ``mod test`` ("defines `test` (35×)"), which then ranked as the source the tests use."""
    root = make_repo(tmp_path / "repo", {
        "Cargo.toml": "[package]\nname = \"bat\"\n", "src/style.rs": STYLE_RS,
        "src/range.rs": RANGE_RS, "tests/integration_tests.rs": INTEGRATION_RS})
    ranked = _ranked(root, "tests/integration_tests.rs")
    style = " ".join(ranked.get("src/style.rs", []))
    assert "`test`" not in style and "`cfg`" not in style, ranked
    assert any("`line_range`" in r for r in ranked["src/range.rs"]), ranked
    with Index(root) as index:
        refs = index.references("tests/integration_tests.rs")
    assert "line_range" in refs and not {"test", "tokio", "cfg"} & set(refs), refs


BASE_RB = """\
require_relative "pages"

class Base
  def content_type(value)
    return value.to_s unless value.is_a?(Hash)
    value.each { |k, v| render_page(k) if v.respond_to?(:call) && !v.nil? }
    value.send(:inspect) == value.to_s
  end

  def self.build
    new.tap { |b| b.is_a?(Base) }
  end
end
"""
PAGES_RB = """\
def render_page(name)
  "page " + name.to_s
end
"""
HELPERS_TEST_RB = """\
require "minitest/autorun"

class HelpersTest < Minitest::Test
  def test_content_type
    obj = Object.new
    def obj.is_a?(thing)
      60.is_a?(thing)
    end
    def obj.render_page(name)
      name
    end
    def obj.respond_to?(*) = true
    assert Base.build
  end

  def to_s
    "helpers"
  end

  def each
    yield 1
  end
end
"""


def test_ruby_builtins_and_singleton_stubs_link_nothing(tmp_path: Path) -> None:
    """sinatra: test/helpers_test.rb ranked 3rd for --seed lib/sinatra/base.rb "defines `is_a?`
    (9×), used in the seed", from a stub ``def obj.is_a?(thing)``; uses of Ruby's ``to_s``,
    ``each``, ``respond_to?`` linked every file defining one of them."""
    root = make_repo(tmp_path / "repo", {
        "lib/base.rb": BASE_RB, "lib/pages.rb": PAGES_RB,
        "test/helpers_test.rb": HELPERS_TEST_RB})
    ranked = _ranked(root, "lib/base.rb")
    assert any("`render_page`" in r for r in ranked["lib/pages.rb"]), ranked
    helpers = " ".join(ranked.get("test/helpers_test.rb", []))
    for name in ("is_a?", "to_s", "respond_to?", "render_page", "nil?", "send"):
        assert f"`{name}`" not in helpers, (name, ranked)
    with Index(root) as index:
        test_defs = {d.name for d in index.definitions("test/helpers_test.rb")}
        base_defs = {d.name for d in index.definitions("lib/base.rb")}
    assert "is_a?" not in test_defs and "render_page" not in test_defs, test_defs
    assert {"to_s", "each", "test_content_type"} <= test_defs  # a class's own methods stay
    assert "build" in base_defs  # def self.build: the class's own method


STORE_RB = """\
class Store
  def self.find(id)
    id
  end

  def self.lookup(id)
    id
  end
end
"""
CONTROLLER_RB = """\
require_relative "../lib/store"

def show(id)
  Store.find(id)
end
"""


def test_a_ruby_method_named_like_an_enumerable_one_still_links(tmp_path: Path) -> None:
    """Enumerable's names (``find``, ``each``, ``select``, ``count``) are methods a repository
    defines for itself as often as it calls Ruby's: a call links to the file defining one, as a
    JavaScript ``map`` or ``find`` does (a hostile review: ``Store.find`` linked nothing)."""
    root = make_repo(tmp_path / "repo", {"lib/store.rb": STORE_RB,
                                         "app/controller.rb": CONTROLLER_RB})
    ranked = _ranked(root, "lib/store.rb")
    assert any("`find`" in r for r in ranked["app/controller.rb"]), ranked


# Issue #14, item 7 (chi): every ``Handler`` in tree.go is net/http's, and a method ``Handler``
# of the repository's own was credited with them.
ROUTER_GO = '''\
package chi

import (
	"net/http"

	"example.com/chi/middleware"
)

type Route struct {
	Pattern string
	Handlers map[string]http.Handler
}

func Mount(route Route, h http.Handler) http.Handler {
	_ = route.Pattern
	_ = middleware.Logger
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
}
'''
COMPRESS_GO = '''\
package middleware

import "net/http"

type Compressor struct{}

func (c *Compressor) Handler(next http.Handler) http.Handler { return next }

func Pattern(next http.Handler) http.Handler { return next }

func HandlerFunc() {}
'''
LOGGER_GO = '''\
package middleware

import "net/http"

func Logger(next http.Handler) http.Handler { return next }
'''


def test_a_go_standard_package_name_links_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "go.mod": "module example.com/chi\n", "tree.go": ROUTER_GO,
        "middleware/compress.go": COMPRESS_GO, "middleware/logger.go": LOGGER_GO})
    ranked = _ranked(root, "tree.go")
    # The same module's package: its link counts.
    assert any(r.startswith("defines") and "`Logger`" in r
               for r in ranked["middleware/logger.go"]), ranked
    # ``http.Handler``, ``http.HandlerFunc``: net/http's, not compress.go's.
    compress = " ".join(ranked.get("middleware/compress.go", []))
    assert "`Handler`" not in compress and "`HandlerFunc`" not in compress, ranked
    with Index(root) as index:
        refs = index.references("tree.go")
    assert "Handler" not in refs and "HandlerFunc" not in refs, refs
    assert "Logger" in refs, refs
    # A value's field (``route.Pattern``, line 15) counts as before; the field's own name where
    # Route declares it (line 10) is no use.
    assert refs.get("Pattern") == [15], refs


CLIENT_PY = '''\
import json
import os.path as osp
from collections import abc

from app import codec


def save(data, loads):
    text = json.dumps(data)
    packed = codec.dumps(data)
    where = osp.join(text, "x")
    return where, packed, abc.Mapping, loads.join


def load(json):
    return json.dumps(1)
'''
CODEC_PY = '''\
def dumps(data):
    return str(data)


def join(parts):
    return "".join(parts)


class Mapping:
    pass
'''


def test_a_python_standard_module_name_links_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "app/client.py": CLIENT_PY, "app/codec.py": CODEC_PY, "app/__init__.py": ""})
    build(root)
    with Index(root) as index:
        refs = index.references("app/client.py")
    # ``codec.dumps`` (line 10) and ``json.dumps`` on a parameter named json (line 16) count;
    # ``json.dumps`` of the module (line 9), ``osp.join`` (11) and ``abc.Mapping`` do not;
    # ``loads.join`` is a value's member (line 12), as before.
    assert refs.get("dumps") == [10, 16], refs
    assert refs.get("join") == [12], refs
    assert "Mapping" not in refs, refs


ERROR_RS = '''\
pub enum Error {
    Parse,
}

pub fn take(n: usize) -> usize {
    n
}
'''
READ_RS = '''\
use std::io;
use std::{fmt, mem as m};

pub fn read(buf: &mut Vec<u8>) -> Result<usize, io::Error> {
    let _ = std::mem::take(buf);
    let _ = m::take(buf);
    let _: fmt::Result = Ok(());
    Err(io::Error::other("x"))
}

pub fn parse() -> crate::error::Error {
    crate::error::Error::Parse
}
'''


def test_a_rust_standard_path_links_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {
        "Cargo.toml": '[package]\nname = "tool"\nversion = "0.1.0"\n',
        "src/lib.rs": "pub mod error;\npub mod read;\n", "src/error.rs": ERROR_RS,
        "src/read.rs": READ_RS})
    build(root)
    with Index(root) as index:
        refs = index.references("src/read.rs")
    # ``io::Error`` (lines 4, 8) and ``std::mem::take``, ``m::take`` are the standard
    # library's; ``crate::error::Error`` (lines 11, 12) is the crate's own.
    assert refs.get("Error") == [11, 12], refs
    assert "take" not in refs, refs
    ranked = _ranked(root, "src/read.rs")
    assert not any("`take`" in r for r in ranked.get("src/error.rs", [])), ranked
