"""One coordinate convention in the core (1-based lines, code-point columns) and its one
conversion to and from the LSP's (0-based lines, UTF-16 code units unless negotiated)."""

from __future__ import annotations

from analyzers.syntax import parse
from server.lsp.documents import definition_at

SOURCE = "/* ü 😋 */ function build() {}\nclass Ünïcode { método() {} }\n"


def test_definition_columns_count_code_points() -> None:
    lines = SOURCE.split("\n")
    defs = parse(SOURCE.encode(), "javascript").definitions
    got = {d.name: (d.name_line, lines[d.name_line - 1][d.name_col:d.name_col + len(d.name)])
           for d in defs}
    assert got == {"build": (1, "build"), "Ünïcode": (2, "Ünïcode"), "método": (2, "método")}
    build = next(d for d in defs if d.name == "build")
    assert build.name_col == 19  # tree-sitter says 23: UTF-8 bytes
    # The editor's hover finds the name where it is (0-based line, code-point column).
    assert definition_at(defs, lines, 0, 20) is build
    assert definition_at(defs, lines, 0, 12) is None
