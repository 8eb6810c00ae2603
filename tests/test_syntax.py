"""Definitions, references and raw imports from the real tree-sitter grammars, per language."""

from __future__ import annotations

import pytest
from tree_sitter import QueryCursor

from analyzers import languages, syntax


def defs(source: str, lang: str) -> set[tuple[str, str, str | None, int, int]]:
    facts = syntax.parse(source.encode(), lang)
    return {(d.name, d.kind, d.parent, d.start_line, d.end_line) for d in facts.definitions}


def imports(source: str, lang: str) -> list[tuple[str, str, int]]:
    return [(i.kind, i.text, i.line) for i in syntax.parse(source.encode(), lang).imports]


PYTHON = '''\
import os
import pkg.sub as ps
from . import sibling
from ..core import engine, helpers as h

class Store(Base):
    """A store."""

    def get(self, key):
        return lookup(key)

    @property
    def size(self):
        return len(self.items)

    class Inner:
        def deep(self):
            pass

def lookup(key):
    def local():
        return key
    return Store()

@dataclass
class Point:
    x: int = 0

LIMIT = 10
'''


def test_python_definitions_imports_references() -> None:
    assert defs(PYTHON, "python") == {
        ("Store", "class", None, 6, 18),
        ("get", "method", "Store", 9, 10),
        ("size", "method", "Store", 12, 14),  # a decorated def starts at its decorators
        ("Inner", "class", "Store", 16, 18),
        ("deep", "method", "Store.Inner", 17, 18),
        ("lookup", "function", None, 20, 23),
        ("local", "function", "lookup", 21, 22),
        ("Point", "class", None, 25, 27),
        ("LIMIT", "constant", None, 29, 29),
    }
    facts = syntax.parse(PYTHON.encode(), "python")
    store = next(d for d in facts.definitions if d.name == "Store")
    assert store.signature == "class Store(Base):"
    assert (store.name_line, store.name_col) == (6, 6)
    assert store.qualified == "Store"
    assert next(d for d in facts.definitions if d.name == "deep").qualified == "Store.Inner.deep"
    # A decorated class is one definition, starting at the class line.
    assert [d.name for d in facts.definitions].count("Point") == 1
    assert imports(PYTHON, "python") == [
        ("import", "os", 1), ("import", "pkg.sub", 2),
        ("from", ".", 3), ("from_name", "sibling", 3),
        ("from", "..core", 4), ("from_name", "engine", 4), ("from_name", "helpers", 4),
    ]
    refs = facts.references
    assert refs["lookup"] == [10]  # the call; the definition's own name is not a reference
    assert refs["Store"] == [23]
    assert refs["Base"] == [6]
    assert refs["dataclass"] == [25]
    # Parameters are bound in their function: their uses are not references to a definition
    # elsewhere, but they are kept apart (sorted, one entry per line), as words of the file.
    assert "self" not in refs and "key" not in refs
    assert facts.shadowed["self"] == [9, 13, 14, 17]
    assert facts.shadowed["key"] == [9, 10, 20, 22]
    assert "x" not in refs  # one-letter names are noise


JAVASCRIPT = '''\
import { a } from "./a";
import def from "../lib/b.js";
const c = require("./c");
export * from "./d";

class Animal extends Base {
  speak() {
    return noise(this.name);
  }
}

function noise(n) { return n; }
const arrow = (x) => x + 1;
module.exports = { Animal };
'''


def test_javascript() -> None:
    assert defs(JAVASCRIPT, "javascript") == {
        ("Animal", "class", None, 6, 10),
        ("speak", "method", "Animal", 7, 9),
        ("noise", "function", None, 12, 12),
        ("arrow", "function", None, 13, 13),
    }
    assert imports(JAVASCRIPT, "javascript") == [
        ("import", "./a", 1), ("import", "../lib/b.js", 2), ("import", "./c", 3),
        ("import", "./d", 4),
    ]
    refs = syntax.parse(JAVASCRIPT.encode(), "javascript").references
    assert refs["noise"] == [8]
    assert refs["Base"] == [6]
    assert refs["Animal"] == [14]


TYPESCRIPT = '''\
import { Shape } from "./shape";
import type { Id as IdType } from "./types";
const lazy = () => import("./lazy");
export interface Named { name(): string; }
type Id = string;
enum Color { Red, Green }
export class Circle implements Shape {
  constructor(private r: number) {}
  area(): number {
    return Math.PI * this.r ** 2;
  }
}
export function make(r: number): Circle {
  return new Circle(r);
}
'''


def test_typescript() -> None:
    assert defs(TYPESCRIPT, "typescript") == {
        ("lazy", "function", None, 3, 3),
        ("Named", "interface", None, 4, 4),
        ("name", "method", "Named", 4, 4),
        ("Id", "type", None, 5, 5),
        ("Color", "enum", None, 6, 6),
        ("Circle", "class", None, 7, 12),
        ("constructor", "method", "Circle", 8, 8),
        ("area", "method", "Circle", 9, 11),
        ("make", "function", None, 13, 15),
    }
    assert imports(TYPESCRIPT, "typescript") == [
        ("import", "./shape", 1), ("import", "./types", 2), ("import", "./lazy", 3),
    ]
    refs = syntax.parse(TYPESCRIPT.encode(), "typescript").references
    assert refs["Circle"] == [13, 14]
    assert refs["Shape"] == [1, 7]


TSX = '''\
import React from "react";
import { Button } from "./button";

export function App(props: { title: string }) {
  return <div className="app"><Button label={props.title} /></div>;
}

const Footer = () => <footer>bye</footer>;
'''


def test_tsx() -> None:
    assert defs(TSX, "tsx") == {
        ("App", "function", None, 4, 6),
        ("Footer", "function", None, 8, 8),
    }
    assert imports(TSX, "tsx") == [("import", "react", 1), ("import", "./button", 2)]
    facts = syntax.parse(TSX.encode(), "tsx")
    assert not facts.has_errors  # JSX parses with the TSX grammar
    assert facts.references["Button"] == [2, 5]
    assert facts.references["div"] == [5]  # opening and closing tag: one line
    # The same JSX is a syntax error for the plain TypeScript grammar: the grammars differ.
    assert syntax.parse(TSX.encode(), "typescript").has_errors


GO = '''\
package server

import (
\t"fmt"
\tu "example.com/app/util"
)

type Server struct {
\tName string
}

type Handler interface {
\tServe()
}

func (s *Server) Start() error {
\tfmt.Println(s.Name)
\treturn nil
}

func (s *Stack[T]) Push(v T) {}

func New() *Server {
\treturn &Server{Name: u.Default()}
}
'''


def test_go() -> None:
    assert defs(GO, "go") == {
        ("Server", "type", None, 8, 10),
        ("Handler", "type", None, 12, 14),
        ("Start", "method", "Server", 16, 19),  # the receiver type is the parent
        ("Push", "method", "Stack", 21, 21),
        ("New", "function", None, 23, 25),
    }
    assert imports(GO, "go") == [("import", '"fmt"', 4), ("import", '"example.com/app/util"', 5)]
    refs = syntax.parse(GO.encode(), "go").references
    assert refs["Server"] == [16, 23, 24]
    assert refs["Default"] == [24]


RUST = '''\
mod util;
mod net {
    pub fn connect() {}
}
use crate::util::helper;

pub struct Point {
    x: i32,
}

pub trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> String { String::new() }
}

impl Point {
    pub fn new(x: i32) -> Self {
        Point { x }
    }
}

impl Shape for Point {
    fn area(&self) -> f64 { 0.0 }
}

const MAX: u32 = 3;

fn main() {
    helper();
}
'''


def test_rust() -> None:
    assert defs(RUST, "rust") == {
        ("util", "module", None, 1, 1),
        ("net", "module", None, 2, 4),
        ("connect", "function", "net", 3, 3),  # a fn in a mod is not a method
        ("Point", "class", None, 7, 9),
        ("Shape", "interface", None, 11, 14),
        ("area", "method", "Shape", 12, 12),  # a signature without a body
        ("name", "method", "Shape", 13, 13),
        ("new", "method", "Point", 17, 19),  # the impl's type is the parent
        ("area", "method", "Point", 23, 23),
        ("MAX", "constant", None, 26, 26),
        ("main", "function", None, 28, 30),
    }
    assert imports(RUST, "rust") == [
        ("mod", "util", 1), ("use", "crate::util::helper", 5),
    ]
    refs = syntax.parse(RUST.encode(), "rust").references
    assert refs["helper"] == [5, 29]
    assert refs["Point"] == [16, 18, 22]


JAVA = '''\
package com.example.app;

import java.util.List;
import com.example.util.Strings;
import com.example.model.*;

public class Greeter extends Base {
    private final String name;

    public Greeter(String name) {
        this.name = name;
    }

    public String greet() {
        return Strings.upper(name);
    }
}

interface Speaker {
    void speak();
}

enum Mood { HAPPY, SAD }
'''


def test_java() -> None:
    assert defs(JAVA, "java") == {
        ("Greeter", "class", None, 7, 17),
        ("Greeter", "method", "Greeter", 10, 12),  # the constructor
        ("greet", "method", "Greeter", 14, 16),
        ("Speaker", "interface", None, 19, 21),
        ("speak", "method", "Speaker", 20, 20),
        ("Mood", "enum", None, 23, 23),
    }
    assert imports(JAVA, "java") == [
        ("import", "java.util.List", 3), ("import", "com.example.util.Strings", 4),
        ("package", "com.example.model", 5),
    ]
    refs = syntax.parse(JAVA.encode(), "java").references
    assert refs["Strings"] == [4, 15]
    assert refs["upper"] == [15]


C = '''\
#include <stdio.h>
#include "util.h"

struct point { int x; };

typedef int myint;

int add(int a, int b);

static int
add(int a, int b)
{
    return a + b;
}

char *name(void) { return "c"; }

int main(void) {
    printf("%d", add(1, 2));
    return 0;
}
'''


def test_c() -> None:
    facts = syntax.parse(C.encode(), "c")
    assert defs(C, "c") == {
        ("point", "class", None, 4, 4),
        ("myint", "type", None, 6, 6),
        ("add", "function", None, 8, 8),  # the prototype
        ("add", "function", None, 10, 14),  # the definition: its whole body, from the type line
        ("name", "function", None, 16, 16),  # returns a pointer
        ("main", "function", None, 18, 21),
    }
    main = next(d for d in facts.definitions if d.name == "main")
    assert main.signature == "int main(void) {"
    assert (main.name_line, main.name_col) == (18, 4)
    assert imports(C, "c") == [("system_include", "<stdio.h>", 1), ("include", "util.h", 2)]
    assert facts.references["printf"] == [19]
    assert facts.references["add"] == [19]


CPP = '''\
#include <vector>
#include "shape.hpp"

namespace geo {
class Shape {
public:
    virtual double area() const = 0;
};

class Circle : public Shape {
public:
    double area() const override { return 3.14; }
};

double total(const std::vector<Shape*>& v) {
    return 0;
}
}

double geo::Circle::perimeter() const { return 1; }
double Square::side() { return 2; }
'''


def test_cpp() -> None:
    assert defs(CPP, "cpp") == {
        ("geo", "module", None, 4, 18),
        ("Shape", "class", "geo", 5, 8),
        ("area", "method", "geo.Shape", 7, 7),
        ("Circle", "class", "geo", 10, 13),
        ("area", "method", "geo.Circle", 12, 12),
        ("total", "function", "geo", 15, 17),
        ("perimeter", "method", "Circle", 20, 20),
        ("side", "method", "Square", 21, 21),  # out-of-line: the scope is the parent
    }
    assert imports(CPP, "cpp") == [
        ("system_include", "<vector>", 1), ("include", "shape.hpp", 2),
    ]
    refs = syntax.parse(CPP.encode(), "cpp").references
    assert refs["Shape"] == [10, 15]
    assert "perimeter" not in refs  # a definition's name is not a reference


CSHARP = '''\
using System;
using System.Collections.Generic;
using Json = Newtonsoft.Json;

namespace App.Core {
    public class Greeter {
        public Greeter(string name) { Name = name; }
        public string Name { get; set; }
        public void Greet() { Console.WriteLine(Name); }
    }

    interface IThing { void Do(); }

    public struct Pair { public int A; }

    enum Kind { One, Two }
}
'''


def test_csharp() -> None:
    assert defs(CSHARP, "csharp") == {
        ("App.Core", "module", None, 5, 17),
        ("Greeter", "class", "App.Core", 6, 10),
        ("Greeter", "method", "App.Core.Greeter", 7, 7),
        ("Name", "property", "App.Core.Greeter", 8, 8),
        ("Greet", "method", "App.Core.Greeter", 9, 9),
        ("IThing", "interface", "App.Core", 12, 12),
        ("Do", "method", "App.Core.IThing", 12, 12),
        ("Pair", "class", "App.Core", 14, 14),
        ("Kind", "enum", "App.Core", 16, 16),
    }
    assert imports(CSHARP, "csharp") == [
        ("using", "System", 1), ("using", "System.Collections.Generic", 2),
        ("using", "Newtonsoft.Json", 3),
    ]
    refs = syntax.parse(CSHARP.encode(), "csharp").references
    assert refs["Console"] == [9]
    assert refs["WriteLine"] == [9]


RUBY = '''\
require "json"
require_relative "shapes/base"

module Shapes
  class Circle < Base
    def initialize(r)
      @r = r
    end

    def area
      3.14 * @r * @r
    end

    def self.unit
      new(1)
    end
  end
end

def top_level
  Shapes::Circle.unit
end
'''


def test_ruby() -> None:
    assert defs(RUBY, "ruby") == {
        ("Shapes", "module", None, 4, 18),
        ("Circle", "class", "Shapes", 5, 17),
        ("initialize", "method", "Shapes.Circle", 6, 8),
        ("area", "method", "Shapes.Circle", 10, 12),
        ("unit", "method", "Shapes.Circle", 14, 16),
        ("top_level", "function", None, 20, 22),  # a def outside any class is a function
    }
    assert imports(RUBY, "ruby") == [
        ("require", "json", 1), ("require_relative", "shapes/base", 2),
    ]
    refs = syntax.parse(RUBY.encode(), "ruby").references
    assert refs["Base"] == [5]
    assert refs["Circle"] == [21]


PHP = '''\
<?php
namespace App\\Http;

use App\\Models\\User;
use Psr\\Log\\LoggerInterface;
require_once __DIR__ . "/helpers.php";

class Controller {
    private $logger;

    public function show($id) {
        return User::find($id);
    }
}

function helper($value) {
    return strlen($value);
}

interface Named {
    public function getName();
}
'''


def test_php() -> None:
    assert defs(PHP, "php") == {
        ("App\\Http", "module", None, 2, 2),
        ("Controller", "class", None, 8, 14),
        ("logger", "field", "Controller", 9, 9),
        ("show", "method", "Controller", 11, 13),
        ("helper", "function", None, 16, 18),
        ("Named", "interface", None, 20, 22),
        ("getName", "method", "Named", 21, 21),
    }
    assert imports(PHP, "php") == [
        ("use", "App\\Models\\User", 4), ("use", "Psr\\Log\\LoggerInterface", 5),
        ("require", "/helpers.php", 6),  # __DIR__ . "/helpers.php"
    ]
    refs = syntax.parse(PHP.encode(), "php").references
    assert refs["User"] == [4, 12]
    assert refs["strlen"] == [17]


BASH = '''\
#!/usr/bin/env bash
source ./lib/common.sh
. "$HOME/.profile"

greet() {
  echo "hello $1"
}

function deploy {
  greet "world"
  rsync -a build/ "$TARGET"
}

deploy
'''


def test_bash() -> None:
    assert defs(BASH, "bash") == {
        ("greet", "function", None, 5, 7),
        ("deploy", "function", None, 9, 12),
    }
    assert imports(BASH, "bash") == [
        ("source", "./lib/common.sh", 2), ("source", '"$HOME/.profile"', 3),
    ]
    refs = syntax.parse(BASH.encode(), "bash").references
    assert refs["greet"] == [10]
    assert refs["deploy"] == [14]
    assert refs["rsync"] == [11]
    assert refs["TARGET"] == [11]


def test_every_grammar_loads_with_tags_and_identifier_queries() -> None:
    for lang in languages.SPECS:
        assert languages.tags_query(lang) is not None, lang
        assert languages.identifier_query(lang) is not None, lang
        assert languages.import_query(lang) is not None, lang


def test_syntax_errors_still_yield_facts() -> None:
    broken = b"def ok(a):\n    return a\n\ndef broken(:\n    pass\n\nclass Fine:\n    pass\n"
    facts = syntax.parse(broken, "python")
    assert facts.has_errors
    names = {d.name for d in facts.definitions}
    assert {"ok", "Fine"} <= names


def test_language_without_grammar_gives_empty_facts() -> None:
    facts = syntax.parse(b"# Title\n\nSome text.\n", "markdown")
    assert facts.definitions == [] and facts.references == {} and facts.imports == []
    assert syntax.parse(b"anything", None).definitions == []


def test_signature_is_first_line_and_capped() -> None:
    long_args = ", ".join(f"argument_{i}" for i in range(60))
    src = f"def wide({long_args}):\n    pass\n".encode()
    (d,) = syntax.parse(src, "python").definitions
    assert d.signature.startswith("def wide(argument_0")
    assert len(d.signature) == 200 and d.signature.endswith("…")


def test_non_ascii_names_and_columns() -> None:
    src = "# é\nclass Café:\n    def naïve(self):\n        return 'ü'\n".encode()
    facts = syntax.parse(src, "python")
    assert [(d.name, d.kind, d.parent, d.name_line) for d in facts.definitions] == [
        ("Café", "class", None, 2), ("naïve", "method", "Café", 3),
    ]


@pytest.mark.parametrize(
    ("path", "head", "expected"),
    [
        ("a/b.py", b"", "python"), ("x.pyi", b"", "python"), ("m.mjs", b"", "javascript"),
        ("c.tsx", b"", "tsx"), ("c.ts", b"", "typescript"), ("d.go", b"", "go"),
        ("e.rs", b"", "rust"), ("F.java", b"", "java"), ("g.h", b"", "c"),
        ("g.hpp", b"", "cpp"), ("h.cs", b"", "csharp"), ("i.rb", b"", "ruby"),
        ("j.php", b"", "php"), ("k.sh", b"", "bash"), ("README.md", b"", "markdown"),
        ("Makefile", b"", "make"), ("UPPER.PY", b"", "python"),
        ("bin/tool", b"#!/usr/bin/env python3\nprint()\n", "python"),
        ("bin/run", b"#!/bin/bash\necho\n", "bash"),
        ("bin/srv", b"#!/usr/bin/env -S node --harmony\n", "javascript"),
        ("bin/r", b"#!/usr/bin/ruby -w\n", "ruby"),
        ("bin/p", b"#!/usr/bin/python3.11\n", "python"),
        ("bin/unknown", b"#!/usr/bin/env perl\n", None),
        ("bin/noshebang", b"just text\n", None),
        (".bashrc", b"", None),
        # The extension wins over a shebang.
        ("script.py", b"#!/bin/sh\n", "python"),
    ],
)
def test_language_detection(path: str, head: bytes, expected: str | None) -> None:
    assert languages.detect(path, head) == expected


def test_one_line_definitions_nest_by_range_not_by_line() -> None:
    """Minified code: hundreds of sibling functions on one line are siblings, not a chain."""
    src = b"var a=function(b){return b+1};" * 500
    facts = syntax.parse(src, "javascript")
    assert len(facts.definitions) == 500
    assert {d.parent for d in facts.definitions} == {None}
    nested = b"class A{m(){return function inner(){}}}class B{n(){}}"
    assert [(d.name, d.kind, d.parent) for d in syntax.parse(nested, "javascript").definitions] \
        == [("A", "class", None), ("m", "method", "A"), ("inner", "function", "A.m"),
            ("B", "class", None), ("n", "method", "B")]


# -- scope: names bound inside a function are not references ---------------------------------
# Each source binds ``order`` (a parameter) and ``price`` (a local) inside one function and uses
# both there; elsewhere in the file ``order`` and ``price`` are real uses of definitions (a call,
# a read of a module-level name), which stay references.

SCOPED: dict[str, str] = {
    "python": '''\
def total(order, *rest, **options):
    price = order.amount
    for item in order.items:
        price += item.cost
    return price, [line for line in order.lines]

def report():
    return order(price)
''',
    "javascript": '''\
function total(order, {discount}, ...rest) {
  const price = order.price;
  for (const item of order.items) { price.add(item); }
  return price;
}
const apply = (order) => order.apply();

export function report() {
  return order(price);
}
''',
    "typescript": '''\
function total(order: Order, rate?: number): number {
  let price = order.price;
  const [first, second] = order.items;
  return price * rate;
}

export function report(): number {
  return order(price);
}
''',
    "tsx": '''\
export function Total({ order }: Props) {
  const price = order.price;
  return <span>{price}</span>;
}

export function Report() {
  return order(price);
}
''',
    "go": '''\
package shop

func Total(order Order, items ...Item) (sum int) {
	price := order.Price
	var count int
	for _, item := range items {
		price += item.Cost
	}
	return price + count
}

func Report() int {
	return order(price)
}
''',
    "rust": '''\
fn total(order: &Order) -> u32 {
    let price = order.price;
    if let Some(item) = order.items.first() {
        return price + item.cost;
    }
    price
}

fn report() -> u32 {
    order(price)
}
''',
    "java": '''\
class Shop {
  int total(Order order, Item... items) {
    int price = order.amount;
    for (Item item : items) { price += item.cost; }
    return price;
  }

  int report() {
    return order(price);
  }
}
''',
}

SCOPED_LINES: dict[str, tuple[list[int], list[int], list[int]]] = {
    # lang: (lines where order/price are real references, lines of uses of the parameter
    # order, lines of uses of the local price) - every line of the file that names them.
    "python": ([8], [1, 2, 3, 5], [2, 4, 5]),
    "javascript": ([9], [1, 2, 3, 6], [2, 3, 4]),
    "typescript": ([8], [1, 2, 3], [2, 4]),
    "tsx": ([7], [2], [2, 3]),  # line 1 destructures a property: no identifier
    "go": ([13], [3, 4], [4, 7, 9]),
    "rust": ([10], [1, 2, 3], [2, 4, 6]),
    "java": ([9], [2, 3], [3, 4, 5]),
}


@pytest.mark.parametrize("lang", sorted(SCOPED))
def test_parameters_and_locals_shadow_names_inside_their_function(lang: str) -> None:
    facts = syntax.parse(SCOPED[lang].encode(), lang)
    real, order_uses, price_uses = SCOPED_LINES[lang]
    # The call ``order(price)`` in report() still references both names...
    assert facts.references["order"] == real, facts.references
    assert facts.references["price"] == real, facts.references
    # ...while the function binding them uses its own parameter and local.
    assert facts.shadowed["order"] == order_uses
    assert facts.shadowed["price"] == price_uses


def test_members_of_a_shadowed_name_are_still_references() -> None:
    python = '''\
class Cart:
    def add(self, order):
        self.order = order
        return Invoice.order(order)
'''
    facts = syntax.parse(python.encode(), "python")
    assert facts.references["order"] == [3, 4]  # self.order, Invoice.order: attributes
    assert facts.shadowed["order"] == [2, 3, 4]
    java = '''\
class Cart {
  Cart(Order order) { this.order = order; order(); }
  int count() { int count = 1; return count() + count; }
}
'''
    facts = syntax.parse(java.encode(), "java")
    assert facts.references["order"] == [2]  # this.order and the method order()
    assert facts.references["count"] == [3]  # a method call, not the local
    assert facts.shadowed["count"] == [3]
    rust = "fn new_cart(new: u32) -> Cart {\n    Cart::new(new)\n}\n"
    facts = syntax.parse(rust.encode(), "rust")
    assert facts.references["new"] == [2]  # Cart::new
    assert facts.shadowed["new"] == [1, 2]


def test_pytest_parameters_name_fixtures_and_globals_are_not_locals() -> None:
    source = '''\
@pytest.fixture
def customer(address):
    return address

def test_checkout(customer, order):
    total = order.total
    return customer, total

def reset():
    global total, registry
    total = 0
    registry = {}

def helper(customer):
    return customer
'''
    facts = syntax.parse(source.encode(), "python")
    refs, shadowed = facts.references, facts.shadowed
    # pytest passes fixtures by parameter name: a test's or fixture's parameters are references.
    assert refs["customer"] == [5, 7]
    assert refs["order"] == [5, 6]
    assert refs["address"] == [2, 3]
    assert shadowed["customer"] == [14, 15]  # a plain function's parameter
    # A local inside the test is still local; ``global`` names are module-level names.
    assert shadowed["total"] == [6, 7]
    assert refs["total"] == [6, 10, 11]  # line 6: the attribute order.total
    assert refs["registry"] == [10, 12]


def test_bindings_outside_functions_stay_references() -> None:
    # Module-level names are the file's own definitions (or uses of imported ones): kept.
    python = "order = make()\nfor item in order:\n    use(item)\n"
    assert syntax.parse(python.encode(), "python").references["item"] == [2, 3]
    go = "package p\n\nvar order = Make()\n\nfunc Use() { Take(order) }\n"
    facts = syntax.parse(go.encode(), "go")
    assert facts.references["order"] == [5]  # the package's variable: a definition at line 3
    assert [(d.name, d.kind) for d in facts.definitions] == [("order", "constant"),
                                                             ("Use", "function")]
    js = "const order = make();\nexport const use = () => take(order);\n"
    assert syntax.parse(js.encode(), "javascript").references["order"] == [1, 2]


def test_a_comprehension_binds_its_own_names_only() -> None:
    source = "items = [order for order in orders]\nlast = order\n"
    facts = syntax.parse(source.encode(), "python")
    assert facts.references["order"] == [2]
    assert facts.shadowed["order"] == [1]


@pytest.mark.parametrize("lang", sorted(SCOPED))
def test_locals_query_compiles_for_every_scoped_language(lang: str) -> None:
    query = languages.references_query(lang)
    assert query is not languages.identifier_query(lang)
    assert {query.capture_name(i) for i in range(query.capture_count)} >= {
        "ref", "scope", "param", "local"}


def test_keyword_argument_names_are_not_references() -> None:
    # ``help=`` names a parameter of the callee, not a definition; the value is a real use.
    source = '''\
def helper():
    return 1

OPTION = Option(help=helper, callback=helper())
'''
    facts = syntax.parse(source.encode(), "python")
    assert "callback" not in facts.references
    assert facts.shadowed["help"] == [4] and facts.shadowed["callback"] == [4]
    assert facts.references["helper"] == [4]
    assert facts.references["Option"] == [4]


@pytest.mark.parametrize(("lang", "source", "name", "first"), [
    ("python", "import click\n\n\n# Serve the app.\n@click.command()\n@click.option('--port')\n"
               "@click.option('--host')\ndef run_command(port, host):\n    return port\n",
     "run_command", 4),
    ("rust", "use x;\n\n/// Adds one.\n#[inline]\n#[must_use]\npub fn add_one(x: i32) -> i32 {\n"
             "    x + 1\n}\n", "add_one", 3),
    ("go", "package main\n\n// Serve starts the server.\n// It blocks.\nfunc Serve() {}\n",
     "Serve", 3),
    ("typescript", "/**\n * Greets.\n */\nexport function greet(n: string) { return n; }\n",
     "greet", 1),
    ("java", "class A {\n  /** Doc. */\n  @Override\n"
             "  public String toString() { return \"\"; }\n}\n", "toString", 2),
])
def test_a_definition_starts_at_its_decorators_and_doc_comment(
        lang: str, source: str, name: str, first: int) -> None:
    d = next(d for d in syntax.parse(source.encode(), lang).definitions if d.name == name)
    assert d.start_line == first


@pytest.mark.parametrize(("lang", "source"), [
    ("rust", "fn a() {}\nlet y = 1; // trailing\nfn other() {}\n"),
    ("go", "package main\n\nvar x = 1 // trailing\nfunc other() {}\n"),
    ("python", "X = 1  # trailing\ndef other():\n    pass\n"),
])
def test_a_comment_trailing_the_line_above_is_not_a_doc_comment(lang: str, source: str) -> None:
    d = next(d for d in syntax.parse(source.encode(), lang).definitions if d.name == "other")
    assert d.start_line == d.name_line


def _facts_of(facts: syntax.SyntaxFacts) -> tuple[object, ...]:
    """Everything the index stores of a file's syntax (the order of reference names aside)."""
    return (repr(facts.definitions), repr(facts.imports), facts.references, facts.shadowed,
            facts.has_errors)


def test_one_walk_gives_the_facts_of_the_separate_queries() -> None:
    """The combined query (definitions paired with their names from grouped captures) yields
    what the tags, imports and references queries give apart, on this repository's own Python
    and TypeScript and on every language's samples above."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    samples: list[tuple[bytes, str]] = [
        (p.read_bytes(), "python") for p in sorted((root / "analyzers" / "indexing").glob("*.py"))]
    samples += [(p.read_bytes(), "typescript")
                for p in sorted((root / "vscode-client" / "src").rglob("*.ts"))]
    samples += [(PYTHON.encode(), "python")]
    samples += [(src.encode(), lang) for lang, src in SCOPED.items()]
    for name, value in list(globals().items()):
        lang = name.lower()
        if isinstance(value, str) and lang in languages.SPECS and languages.has_grammar(lang):
            samples.append((value.encode(), lang))
    langs = {lang for _, lang in samples}
    assert {"python", "typescript", "go", "rust", "java", "c", "cpp", "ruby"} <= langs
    for lang in langs:
        assert languages.facts_query(lang) is not None, lang
    paired = 0
    for source, lang in samples:
        one, apart = syntax.parse(source, lang), syntax.parse(source, lang, one_walk=False)
        assert _facts_of(one) == _facts_of(apart), lang
        combined = languages.facts_query(lang)
        assert combined is not None
        caps = QueryCursor(combined.query).captures(languages.parser(lang).parse(source).root_node)
        paired += syntax._Tags().add_captured(lang, combined, caps, source)  # noqa: SLF001
    assert paired == len(samples)  # no sample fell back to matching the tags apart
