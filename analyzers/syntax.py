"""Per-file syntax facts from tree-sitter: definitions, references and raw import statements.

Parsing never fails: a file with syntax errors still yields what the tree holds, and a file in a
language without a grammar yields empty facts. Positions follow :mod:`analyzers.positions`
(1-based lines, code-point columns): tree-sitter's 0-based rows and UTF-8 byte columns are
converted here, where the facts are made.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node, QueryCursor

from analyzers import foreign as _foreign
from analyzers import languages
from analyzers.secrets import might_hold_secret, redact


@dataclass(slots=True)
class Definition:
    name: str
    kind: str  # function, method, class, interface, module, constant, type, ...
    start_line: int  # 1-based, inclusive
    end_line: int
    name_line: int
    name_col: int  # 0-based code-point column of the name in its line
    signature: str
    parent: str | None = None
    tokens: int = 0

    @property
    def qualified(self) -> str:
        return f"{self.parent}.{self.name}" if self.parent else self.name


@dataclass(slots=True)
class ImportRef:
    kind: str  # import, from, from_name, mod, use
    text: str
    line: int


@dataclass(slots=True)
class SyntaxFacts:
    definitions: list[Definition] = field(default_factory=list)
    references: dict[str, list[int]] = field(default_factory=dict)  # name -> 1-based lines
    imports: list[ImportRef] = field(default_factory=list)
    has_errors: bool = False
    # Uses of names bound inside the function around them (parameters, locals) and keyword
    # argument names: not references to definitions elsewhere, but still words of the file.
    # Name -> 1-based lines.
    shadowed: dict[str, list[int]] = field(default_factory=dict)


_SIGNATURE_MAX = 200


def _text(node: Node) -> str:
    raw = node.text or b""
    return raw.decode("utf-8", "replace")


def _signature(node: Node, source: bytes) -> str:
    start = node.start_byte
    end = source.find(b"\n", start)
    if end == -1 or end > node.end_byte:
        end = node.end_byte
    line = source[start:end].decode("utf-8", "replace").strip()
    if might_hold_secret(line):  # the index never stores a secret (a constant's value)
        line = redact(line)
    if len(line) > _SIGNATURE_MAX:
        line = line[: _SIGNATURE_MAX - 1] + "…"
    return line


def _column(source: bytes, node: Node) -> int:
    """Where ``node`` starts in its line, in code points (tree-sitter counts UTF-8 bytes)."""
    col = node.start_point.column
    prefix = source[node.start_byte - col:node.start_byte]
    if prefix.isascii():
        return col
    try:
        return len(prefix.decode("utf-8", "surrogatepass"))
    except UnicodeDecodeError:
        return len(prefix.decode("utf-8", "replace"))


def _kind(capture: str) -> str:
    return capture.split(".", 1)[1] if "." in capture else capture


def _first_type_name(node: Node | None) -> str | None:
    """The first ``type_identifier`` in ``node`` (breadth first): ``*Stack[T]`` -> ``Stack``."""
    queue = [node] if node is not None else []
    while queue:
        n = queue.pop(0)
        if n.type == "type_identifier":
            return _text(n)
        queue.extend(n.named_children)
    return None


def _owner(lang: str, node: Node, name_node: Node) -> str | None:
    """The type a definition belongs to when that is not its enclosing definition.

    Go methods name their type in the receiver, Rust methods sit in an ``impl`` block (not a
    definition), C++ methods defined out of line are qualified (``Circle::area``).
    """
    if lang == "go" and node.type == "method_declaration":
        return _first_type_name(node.child_by_field_name("receiver"))
    if lang == "rust" and node.type == "function_item":
        body = node.parent
        impl = body.parent if body is not None and body.type == "declaration_list" else None
        if impl is not None and impl.type == "impl_item":
            return _first_type_name(impl.child_by_field_name("type"))
    if lang == "cpp" and name_node.parent is not None \
            and name_node.parent.type == "qualified_identifier":
        scope = name_node.parent.child_by_field_name("scope")
        return _text(scope) if scope is not None else None
    return None


# Nodes that wrap a definition and start before it: Python's decorators, JS/TS ``export``.
_WRAPPERS = frozenset({"decorated_definition", "export_statement"})
# Siblings above a definition that belong to it when they touch it (no blank line between):
# doc comments (Go ``//``, Rust ``///``, JSDoc, Javadoc, Ruby ``#``), Rust attributes, decorators.
_LEADING = frozenset({"comment", "line_comment", "block_comment", "attribute_item",
                      "inner_attribute_item", "decorator", "annotation", "marker_annotation"})


def _first_row(node: Node) -> int:
    """The 0-based row where ``node``'s definition really starts: its decorators, attributes,
    annotations and the doc comment right above it included (a definition's range is what a
    reader needs to see; ``@click.option`` lines define a command's options)."""
    top = node
    while top.parent is not None and top.parent.type in _WRAPPERS:
        top = top.parent
    row = top.start_point.row
    prev = top.prev_named_sibling
    while prev is not None and prev.type in _LEADING and prev.end_point.row >= row - 1:
        before = prev.prev_sibling
        if prev.type.endswith("comment") and before is not None \
                and before.end_point.row == prev.start_point.row:
            break  # a comment trailing code on its line: not this definition's
        row = prev.start_point.row
        prev = prev.prev_named_sibling
    return row


def _fix_method_kinds(defs: list[tuple[int, int, Definition]]) -> None:
    """Functions nested directly in a class (or owned by a type) are methods; methods with no
    owner at all are functions; record the parent of every definition.

    ``defs`` are ``(start_byte, end_byte, definition)`` sorted by start, outermost first.
    Nesting is by byte range: by lines, every definition of a minified one-line file would
    nest in the one before it (parents ``a.a.a...``, quadratic in the file's size). Two
    definitions of the same range (Go's ``const a, b = 1, 2``) are no one's parent.
    """
    stack: list[tuple[int, int, Definition]] = []
    for start, end, d in defs:
        while stack and not (stack[-1][0] <= start and end <= stack[-1][1]):
            stack.pop()
        if stack and stack[-1][0] == start and stack[-1][1] == end:
            stack.pop()  # a sibling of the same range
        if d.parent is not None:  # an owner found by _owner
            if d.kind == "function":
                d.kind = "method"
        elif stack:
            outer = stack[-1][2]
            d.parent = outer.qualified
            if d.kind == "function" and outer.kind in ("class", "interface"):
                d.kind = "method"
        if d.parent is None and d.kind == "method":
            d.kind = "function"  # e.g. a Ruby ``def`` at the top level
        stack.append((start, end, d))


def parse(source: bytes, lang: str | None, *, one_walk: bool = True,
          workspace: _foreign.Workspace = _foreign.NO_WORKSPACE) -> SyntaxFacts:
    """Definitions, references and imports of ``source`` in ``lang``: the tags, imports and
    references queries in one walk of the tree (``one_walk=False``: each on its own, the same
    facts at a higher cost; tests compare the two). ``workspace``: what the repository says of
    its modules, to tell a third party's names from its own (:mod:`analyzers.foreign`)."""
    facts = SyntaxFacts()
    if not languages.has_grammar(lang):
        return facts
    assert lang is not None
    tree = languages.parser(lang).parse(source)
    root = tree.root_node
    facts.has_errors = root.has_error
    tags = _Tags()
    combined = languages.facts_query(lang) if one_walk else None
    if combined is not None:
        caps = QueryCursor(combined.query).captures(root)
        for cap, kind in combined.import_kinds.items():
            facts.imports.extend(ImportRef(kind=kind, text=_text(node),
                                           line=node.start_point.row + 1)
                                 for node in caps.get(cap, ()))
        if not tags.add_captured(lang, combined, caps, source):
            tags = _Tags()  # definitions not paired with their names: matched apart
            _match_tags(lang, root, source, tags, None)
    else:
        caps = QueryCursor(languages.references_query(lang)).captures(root)
        _match_tags(lang, root, source, tags, facts.imports)
    unique = tags.unique_definitions()
    _fix_method_kinds(unique)
    facts.definitions = [d for _, _, d in unique]
    foreign = _foreign.names(lang, caps, root, combined is not None, workspace) \
        if lang in _foreign.CAPTURES else _foreign.NOTHING_FOREIGN
    facts.references, facts.shadowed = _references(lang, caps, source, tags.name_positions,
                                                   foreign)
    facts.imports.sort(key=lambda i: (i.line, i.kind, i.text))
    return facts


def _match_tags(lang: str, root: Node, source: bytes, tags: _Tags,
                imports: list[ImportRef] | None) -> None:
    """The definitions (and, given a list, the imports) of the tags and imports query, match by
    match."""
    query, first_import = languages.tags_and_imports_query(lang)
    if query is None:
        return
    for pattern, caps in QueryCursor(query).matches(root):
        if pattern < first_import:
            tags.add_definitions(lang, caps, source)
        elif imports is not None:
            imports.extend(_import_refs(caps))


def _import_refs(caps: dict[str, list[Node]]) -> list[ImportRef]:
    """The import statements one match of the imports query captures (``_``-captures are
    helpers, not imports)."""
    return [ImportRef(kind=cap, text=_text(node), line=node.start_point.row + 1)
            for cap, nodes in caps.items() if not cap.startswith("_") for node in nodes]


class _Tags:
    """The definitions the tags query matches, gathered match by match."""

    def __init__(self) -> None:
        # (node start, name start) -> (start byte, end byte, definition)
        self.defs: dict[tuple[int, int], tuple[int, int, Definition]] = {}
        self.name_positions: set[tuple[int, int]] = set()  # byte spans of definitions' names

    def add_definitions(self, lang: str, caps: dict[str, list[Node]], source: bytes) -> None:
        """One definition per ``definition.*`` capture of a match with a name (2-200
        characters), unless that node and name were matched before."""
        name_nodes = caps.get("name")
        if not name_nodes:
            return
        name_node = name_nodes[0]
        for cap, nodes in caps.items():
            if not cap.startswith("definition."):
                continue
            node = nodes[0]
            key = (node.start_byte, name_node.start_byte)
            if key in self.defs:
                continue
            name = _text(name_node)
            if not name or len(name) > 200:
                continue
            if lang == "ruby" and _ruby_stub(node):  # its name is no reference either
                self.name_positions.add((name_node.start_byte, name_node.end_byte))
                continue
            self.defs[key] = (node.start_byte, node.end_byte,
                              _definition(lang, cap, node, name_node, name, source))
            self.name_positions.add((name_node.start_byte, name_node.end_byte))

    def add_captured(self, lang: str, combined: languages.FactsQuery,
                     caps: dict[str, list[Node]], source: bytes) -> bool:
        """The definitions of the combined query's captures: each tags pattern's definition
        nodes paired, in order, with its name nodes, the way its matches hold them. False (and
        nothing kept) when a pattern's captures do not pair up one to one, each name inside its
        definition: then only the matches say which name is whose."""
        found: list[tuple[int, int, str, Node, Node]] = []
        for i in combined.tag_patterns:
            names = caps.get(f"t{i}.name")
            if not names:
                continue
            for cap in combined.definitions[i]:
                nodes = caps.get(cap)
                if not nodes:
                    continue
                if len(nodes) != len(names) or len(combined.definitions[i]) > 1:
                    return False
                # Captures come grouped, not match by match: by position, a definition's name
                # is the first one in it after the names of the definitions before it.
                nodes = sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
                names = sorted(names, key=lambda n: n.start_byte)
                for node, name in zip(nodes, names, strict=True):
                    if not (node.start_byte <= name.start_byte
                            and name.end_byte <= node.end_byte):
                        return False
                    found.append((node.start_byte, i, cap[len(f"t{i}."):], node, name))
        found.sort(key=lambda f: (f[0], f[1]))  # the matches' order: by node, then pattern
        for _, _, cap, node, name in found:
            self.add_definitions(lang, {cap: [node], "name": [name]}, source)
        return True

    def unique_definitions(self) -> list[tuple[int, int, Definition]]:
        """The definitions by start, outermost first, one per name position (e.g. a decorated
        class matched twice)."""
        ordered = sorted(self.defs.values(), key=lambda e: (e[0], -e[1]))
        seen: set[tuple[int, int]] = set()
        unique: list[tuple[int, int, Definition]] = []
        for entry in ordered:
            d = entry[2]
            pos = (d.name_line, d.name_col)
            if pos in seen:
                continue
            seen.add(pos)
            unique.append(entry)
        return unique


def _ruby_stub(node: Node) -> bool:
    """A Ruby singleton method on a value (``def obj.is_a?(thing)``, a test's stub): it defines
    the method of that one object, a name no other file calls it by (``def self.x`` and
    ``def Const.x`` define a class's own method)."""
    if node.type != "singleton_method":
        return False
    target = node.child_by_field_name("object")
    return target is not None and target.type not in ("self", "constant", "scope_resolution")


def _definition(lang: str, cap: str, node: Node, name_node: Node, name: str,
                source: bytes) -> Definition:
    """The Definition a ``definition.<kind>`` capture of ``node`` named by ``name_node`` makes."""
    kind = _kind(cap)
    if kind == "method" and lang == "rust" and node.parent is not None \
            and node.parent.parent is not None \
            and node.parent.parent.type == "mod_item":
        kind = "function"  # tags.scm calls every fn in a declaration_list a method
    return Definition(
        name=name,
        kind=kind,
        start_line=_first_row(node) + 1,
        end_line=node.end_point.row + 1,
        name_line=name_node.start_point.row + 1,
        name_col=_column(source, name_node),
        signature=_signature(node, source),
        parent=_owner(lang, node, name_node),
    )


def _references(lang: str, caps: dict[str, list[Node]], source: bytes,
                name_positions: set[tuple[int, int]],
                foreign: _foreign.Foreign = _foreign.NOTHING_FOREIGN
                ) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(references, shadowed): the identifiers used in the file, name -> 1-based lines,
    definitions' own names left out.

    Grouped by the identifier's bytes first, decoded once per distinct identifier. A use of a
    name bound inside the function around it (a parameter, a local) is not a reference to a
    definition elsewhere, nor is a keyword argument's name (the callee's parameter), nor a name
    reached through a module not the repository's own (``foreign``,
    :func:`analyzers.foreign.names`: ``http.Handler``, ``json.dumps``, ``dumps`` imported from
    ``json``, ``render`` from ``'react'`` or of ``require('react-dom').render``): those go to
    ``shadowed`` instead (still words of the file).
    """
    bound = _bound_names(lang, caps, source, foreign.bindings)
    by_bytes: dict[bytes, list[int]] = {}
    shadowed: dict[bytes, list[int]] = {}
    keywords = {n.start_byte for n in caps.get("keyword", ())}
    if lang == "go" and "field_key" in caps:
        keywords.update(_go_field_keys(caps["field_key"], _go_named_types(caps.get("go_type", ()))))
    elif lang == "rust" and "macro_colon" in caps:
        keywords.update(_rust_macro_keys(caps["macro_colon"]))
    attributes = _rust_attribute_spans(caps.get("attribute", ()), source)
    renames = _rust_renames(caps["use_as"]) if lang == "rust" and "use_as" in caps else {}
    linked: set[int] = set()  # start bytes of the uses kept as references
    for node in caps.get("ref", []):
        start, end = node.start_byte, node.end_byte
        if (start, end) in name_positions or attributes and _inside(attributes, start):
            continue
        raw = source[start:end]
        spans = bound.get(raw) if bound else None
        local = spans is not None and _inside(spans, start) \
            and not _is_member(lang, node, source, start, end)
        if not local and foreign:
            local = start in foreign.members \
                or _through_foreign(source, start, raw, foreign.names, bound)
        into = shadowed if local or (keywords and start in keywords) else by_bytes
        into.setdefault(raw, []).append(node.start_point.row + 1)
        if into is by_bytes and renames:
            linked.add(start)
    for alias, (original, original_start, alias_start) in renames.items():
        # The uses of the new name are uses of the definition imported, when the import links
        # it (the crate's own; an external crate's name links nothing, nor do its uses).
        if original_start not in linked or alias not in by_bytes:
            continue
        rows = by_bytes.pop(alias)
        own_row = next((n.start_point.row + 1 for n in caps.get("ref", ())
                        if n.start_byte == alias_start), None)
        by_bytes.setdefault(original, []).extend(r for r in rows if r != own_row)
    return _decoded(by_bytes), _decoded(shadowed)


def _rust_renames(clauses: Sequence[Node]) -> dict[bytes, tuple[bytes, int, int]]:
    """Rust's renaming imports (``use_as`` captures: ``helper as own_helper``, ``a::b::helper
    as h``): the new name -> (the name imported, its start byte, the new name's start byte)."""
    out: dict[bytes, tuple[bytes, int, int]] = {}
    for clause in clauses:
        path, alias = clause.child_by_field_name("path"), clause.child_by_field_name("alias")
        if path is not None and path.type == "scoped_identifier":
            path = path.child_by_field_name("name")
        if path is None or alias is None or path.type != "identifier" \
                or alias.type != "identifier" or not path.text or not alias.text \
                or alias.text == b"_":  # `use x::Trait as _`: its methods, no name
            continue
        out[alias.text] = (path.text, path.start_byte, alias.start_byte)
    return out


# A Go composite literal of one of these types builds a struct: its keys are the struct's fields.
_GO_STRUCT_TYPES = frozenset(("type_identifier", "qualified_type", "generic_type", "struct_type"))


def _go_named_types(specs: Sequence[Node]) -> dict[bytes, Node]:
    """The types the file declares (``go_type`` captures, ``type_spec`` nodes): name -> the type
    it names (``type Counts map[Kind]int``: ``Counts`` -> ``map[Kind]int``)."""
    out: dict[bytes, Node] = {}
    for spec in specs:
        name, kind = spec.child_by_field_name("name"), spec.child_by_field_name("type")
        if name is not None and kind is not None and name.text:
            out[name.text] = kind
    return out


def _go_declared(kind: Node | None, named: Mapping[bytes, Node]) -> Node | None:
    """``kind`` with pointers left out and a type the file declares replaced by what it names
    (``Counts``: ``map[Kind]int``), through at most a few renamings."""
    for _ in range(4):
        kind = _go_pointee(kind)
        name = kind.text if kind is not None and kind.type == "type_identifier" else None
        if name is None or name not in named:
            return kind
        kind = named[name]
    return _go_pointee(kind)


def _go_field_keys(keys: Sequence[Node], named: Mapping[bytes, Node] | None = None
                   ) -> Iterator[int]:
    """The start bytes of the composite-literal keys (``field_key`` captures, identifiers) that
    name a struct's field: the literal's type is a struct's, or a named type declared elsewhere
    (a struct's most often), not a map's, array's or slice's (``map[Kind]int{KindA: 1}`` uses
    ``KindA``), nor a named type the file declares as one (``named``: ``type Counts
    map[Kind]int``, so ``Counts{KindA: 1}`` uses ``KindA``, as an anonymous map's does)."""
    named = named or {}
    for key in keys:
        keyed = key.parent.parent if key.parent is not None else None
        body = keyed.parent if keyed is not None else None
        kind = _go_literal_type(body, named) if body is not None else None
        if kind is None or kind.type in _GO_STRUCT_TYPES:
            yield key.start_byte


def _go_literal_type(body: Node, named: Mapping[bytes, Node] | None = None) -> Node | None:
    """The type of the Go composite literal whose ``literal_value`` is ``body``: its own, or for
    an element whose type is left out (``{Handler: h}`` in ``[]Route{...}``), the element, key
    or value type of the literal holding it (pointers left out). None when not known (the
    holder's type is a named one)."""
    holders: list[bool] = []  # from the inside out: whether the element is a map's key
    node: Node | None = body
    kind: Node | None = None
    while node is not None and kind is None:
        parent = node.parent
        if parent is not None and parent.type == "composite_literal":
            kind = parent.child_by_field_name("type")
            if kind is None:
                return None
        elif parent is None or parent.type != "literal_element" or parent.parent is None:
            return None
        elif parent.parent.type == "keyed_element":
            key = parent.parent.child_by_field_name("key")
            holders.append(key is not None and key.start_byte == parent.start_byte)
            node = parent.parent.parent
        else:
            holders.append(False)
            node = parent.parent
    named = named or {}
    for is_key in reversed(holders):
        kind = _go_declared(kind, named)
        if kind is None:
            return None
        if kind.type == "map_type":
            kind = kind.child_by_field_name("key" if is_key else "value")
        elif kind.type in ("slice_type", "array_type", "implicit_length_array_type"):
            kind = kind.child_by_field_name("element")
        else:
            return None
    return _go_declared(kind, named)


def _go_pointee(kind: Node | None) -> Node | None:
    """A Go type with its pointers and parentheses left out (``*Route``: ``Route``)."""
    while kind is not None and kind.type in ("pointer_type", "parenthesized_type"):
        kind = kind.named_children[0] if kind.named_children else None
    return kind


def _rust_macro_keys(colons: Sequence[Node]) -> Iterator[int]:
    """The start bytes of the names before a ``:`` in a Rust macro's tokens (``macro_colon``
    captures) that are a struct literal's field keys: the name opens a brace's tokens or
    follows a comma in them (``vec![Item { name: a, count: b }]``), not ``let x: u32``."""
    for colon in colons:
        name = colon.prev_sibling
        if name is None or name.type != "identifier":
            continue
        before = name.prev_sibling
        tree = colon.parent
        if before is not None and before.type in ("{", ",") and tree is not None \
                and tree.child_count and tree.children[0].type == "{":
            yield name.start_byte


# Rust attributes whose arguments are configuration words, not names of the crate's definitions
# (``#[cfg(test)]``, ``#[allow(dead_code)]``); a ``derive``'s are traits, which may be the crate's.
_RUST_ATTRIBUTE_WORDS = frozenset((b"cfg", b"cfg_attr", b"allow", b"warn", b"deny", b"forbid",
                                   b"expect", b"doc"))


def _rust_attribute_spans(attributes: Sequence[Node], source: bytes
                          ) -> tuple[list[int], list[int]] | None:
    """The byte ranges of Rust attributes (``attribute`` captures) whose identifiers are no uses
    of a definition, as :func:`_inside` reads them: every attribute's own name (``#[test]``,
    ``#[tokio::test]``, ``#[derive]``), and all of one of :data:`_RUST_ATTRIBUTE_WORDS`
    (``#[cfg(test)]``); a ``derive``'s traits, which may be the crate's, are uses. bat's 35
    ``#[test]`` lines were credited to its ``mod test``, which then ranked as the source its
    integration tests use. None for a file with none."""
    spans: list[tuple[int, int]] = []
    for attr in attributes:
        head = attr.child(0)
        if head is None:
            continue
        name = source[head.start_byte:head.end_byte].rsplit(b"::", 1)[-1]
        spans.append((head.start_byte, attr.end_byte if name in _RUST_ATTRIBUTE_WORDS
                      else head.end_byte))
    if not spans:
        return None
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return [a for a, _ in merged], [b for _, b in merged]


def _inside(spans: tuple[list[int], list[int]], at: int) -> bool:
    """Whether byte ``at`` falls in one of the sorted, disjoint ``(starts, ends)`` ranges."""
    starts, ends = spans
    if len(starts) == 1:
        return starts[0] <= at < ends[0]
    k = bisect_right(starts, at) - 1
    return k >= 0 and at < ends[k]


def _decoded(by_bytes: dict[bytes, list[int]]) -> dict[str, list[int]]:
    """Identifier bytes -> sorted distinct lines, as names (2 to 100 characters)."""
    refs: dict[str, list[int]] = {}
    for raw, rows in by_bytes.items():
        name = raw.decode("utf-8", "replace")  # node.text, decoded
        if 1 < len(name) <= 100:
            if name in refs:  # two invalid byte strings that decode alike
                refs[name].extend(rows)
            else:
                refs[name] = rows
    # Captures arrive grouped by pattern, not in source order: sorted, one entry per line.
    return {name: lines if len(lines) == 1 else sorted(set(lines)) for name, lines in refs.items()}


def _bound_names(lang: str, caps: dict[str, list[Node]], source: bytes,
                 foreign: frozenset[int] = frozenset()
                 ) -> dict[bytes, tuple[list[int], list[int]]]:
    """Name -> the byte ranges (starts, ends; sorted, disjoint) of the functions (scopes) that
    bind it: a parameter or a local target, but for those (by start byte) that bind a foreign
    module (``foreign``, :attr:`analyzers.foreign.Foreign.bindings`: ``m`` of ``const m = await
    import('x')`` is the module's, not a local of ours).

    A binding belongs to the innermost scope around it. Parameters of pytest tests and fixtures
    are not bindings (pytest passes the fixture of that name), nor are names a scope declares
    ``global`` or ``nonlocal``.
    """
    scope_nodes = caps.get("scope")
    if not scope_nodes:
        return {}
    params, local_nodes = caps.get("param", []), caps.get("local", [])
    if not params and not local_nodes:
        return {}
    fixtures = _pytest_functions(caps, source) if params and lang == "python" else set()
    # (start, end, kind): 0 local, 1 parameter, 2 global declaration.
    items = [(n.start_byte, n.end_byte, 0) for n in local_nodes if n.start_byte not in foreign]
    items += [(n.start_byte, n.end_byte, 1) for n in params if n.start_byte not in foreign]
    items += [(n.start_byte, n.end_byte, 2) for n in caps.get("global", ())]
    items.sort()
    scopes = sorted({(n.start_byte, n.end_byte) for n in scope_nodes},
                    key=lambda s: (s[0], -s[1]))
    bound: dict[bytes, set[tuple[int, int]]] = {}
    declared: set[tuple[bytes, tuple[int, int]]] = set()
    for (start, end, kind), scope in zip(items, _innermost_scopes(items, scopes), strict=True):
        if scope is None:
            continue  # module level: a definition of the file, not a local
        name = source[start:end]
        if kind == 2:
            declared.add((name, scope))
        elif kind == 1 and scope in fixtures:
            continue
        elif lang == "rust" and name[:1].isupper():
            continue  # a pattern naming an enum variant or a constant (``None``, ``Some(x)``)
        else:
            bound.setdefault(name, set()).add(scope)
    for name, scope in declared:
        if name in bound:
            bound[name].discard(scope)
    out: dict[bytes, tuple[list[int], list[int]]] = {}
    for name, found in bound.items():
        starts, ends = _outermost(found)
        if starts:
            out[name] = (starts, ends)
    return out


def _innermost_scopes(items: list[tuple[int, int, int]], scopes: list[tuple[int, int]]
                      ) -> Iterator[tuple[int, int] | None]:
    """For each of ``items`` (sorted by start), the innermost of ``scopes`` (sorted by start,
    outermost first) around it, or ``None`` at module level."""
    stack: list[tuple[int, int]] = []
    i = 0
    for start, _, _ in items:
        while i < len(scopes) and scopes[i][0] <= start:
            while stack and stack[-1][1] <= scopes[i][0]:
                stack.pop()
            stack.append(scopes[i])
            i += 1
        while stack and stack[-1][1] <= start:
            stack.pop()
        yield stack[-1] if stack else None


def _outermost(found: set[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The (starts, ends) of the outermost of the ``found`` byte ranges (they nest or are apart),
    sorted."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(found, key=lambda s: (s[0], -s[1])):
        if not ends or a >= ends[-1]:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _pytest_functions(caps: dict[str, list[Node]], source: bytes) -> set[tuple[int, int]]:
    """Byte ranges of pytest tests (``test*`` functions) and fixtures (a decorator naming
    ``fixture``): their parameters are the fixtures pytest passes, references to them."""
    found: set[tuple[int, int]] = set()
    for n in caps.get("function_name", ()):
        if source.startswith(b"test", n.start_byte):
            fn = n.parent
            if fn is not None:
                found.add((fn.start_byte, fn.end_byte))
    for n in caps.get("decorator", ()):
        if source.find(b"fixture", n.start_byte, n.end_byte) != -1:
            decorated = n.parent
            fn = decorated.child_by_field_name("definition") if decorated is not None else None
            if fn is not None:
                found.add((fn.start_byte, fn.end_byte))
    return found


_SPACE = frozenset(b" \t\r\n\\")


def _is_member(lang: str, node: Node, source: bytes, start: int, end: int) -> bool:
    """Whether identifier ``node`` names a member (``obj.name``, ``Type::name``, a Java method),
    not a variable, where the grammar uses the same node kind for both. The bytes before it
    decide; the tree only when white space stands between it and a ``.`` or ``::`` (which may
    then end a comment)."""
    if lang not in ("python", "java", "rust"):
        return False
    j = start - 1
    while j >= 0 and source[j] in _SPACE:
        j -= 1
    if j < 0:
        return False
    if source.startswith(b"::", j - 1) if lang == "rust" else source[j] == 46:  # :: or .
        return j == start - 1 or _is_member_node(lang, node)
    return lang == "java" and source.startswith(b"(", end)  # a method: ``count()``


def _is_member_node(lang: str, node: Node) -> bool:
    parent = node.parent
    if parent is None:
        return False
    kind = parent.type
    if kind == "method_invocation":  # Java: methods and variables are apart, ``count()`` too
        name = parent.child_by_field_name("name")
        return name is not None and name.start_byte == node.start_byte
    if parent.start_byte == node.start_byte:
        return False  # the object or path comes first
    if lang == "python":
        return kind == "attribute"
    if lang == "rust":
        return kind == "scoped_identifier"
    return kind == "field_access"


def _through_foreign(source: bytes, start: int, raw: bytes, foreign: frozenset[bytes],
                     bound: dict[bytes, tuple[list[int], list[int]]]) -> bool:
    """Whether the identifier ``raw`` at byte ``start`` is reached through one of the
    ``foreign`` names (:func:`analyzers.foreign.names`): it is one (``dumps`` after ``from json
    import dumps``) or its chain starts with one (``http.Handler``, ``os.path.join``), not a
    local of the same name."""
    head = _foreign.chain_head(source, start, raw)
    if head is None or head[0] not in foreign:
        return False
    spans = bound.get(head[0]) if bound else None
    return spans is None or not _inside(spans, head[1])
