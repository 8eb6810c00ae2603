"""The in-place JSON/JSONC editor behind ``hooks install``: it reads what ``json`` reads, an
insert followed by the matching removal gives the text back byte for byte in every layout, and
what it writes parses to the document ``json`` would build."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.hooks import settings_files as sf

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32),
                    st.text(max_size=8))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12)
objects = st.dictionaries(st.text(max_size=6), documents, max_size=5)
layouts = st.sampled_from([None, 2, 4, "\t"])  # None: all on one line


def _dump(value: object, indent: object) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False) + "\n"  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(objects, layouts, st.text(min_size=1, max_size=6), documents)
def test_insert_then_remove_gives_the_text_back(doc: dict, indent: object, key: str,
                                                value: object) -> None:
    text = _dump(doc, indent)
    node = sf.parse(text)
    assert node.value == json.loads(text)
    fmt = sf.detect_format(text)
    added = sf.insert_member(text, node, key, value, fmt)
    after = json.loads(added)
    assert after == {**doc, key: value} if key not in doc else after[key] == value
    reread = sf.parse(added)
    index = len(reread.members) - 1
    assert sf.remove_member(added, reread, index) == text


@settings(max_examples=100, deadline=None)
@given(st.lists(documents, max_size=5), layouts, documents)
def test_append_then_remove_an_item_gives_the_text_back(items: list, indent: object,
                                                        value: object) -> None:
    text = _dump({"list": items}, indent)
    node = sf.parse(text).get("list")
    assert node is not None
    added = sf.append_item(text, node, value, sf.detect_format(text))
    assert json.loads(added) == {"list": [*items, value]}
    again = sf.parse(added).get("list")
    assert again is not None
    assert sf.remove_item(added, again, len(items)) == text


JSONC = """{
  // leading comment
  "a": [1, 2,], /* inline */
  "b": {
    "c": "x", // trailing
  },
}
"""


def test_jsonc_reads_comments_and_trailing_commas_and_keeps_them() -> None:
    node = sf.parse(JSONC, jsonc=True)
    assert node.value == {"a": [1, 2], "b": {"c": "x"}}
    fmt = sf.detect_format(JSONC)
    b = node.get("b")
    assert b is not None
    added = sf.insert_member(JSONC, b, "d", [True], fmt)
    assert '"c": "x", // trailing\n    "d": [\n      true\n    ],\n  },' in added
    again = sf.parse(added, jsonc=True)
    assert again.value == {"a": [1, 2], "b": {"c": "x", "d": [True]}}
    b2 = again.get("b")
    assert b2 is not None
    assert sf.remove_member(added, b2, 1) == JSONC


@pytest.mark.parametrize("text,where", [
    ('{\n  // no\n  "a": 1\n}', "line 2, column 3"),
    ('{"a": 1,}', "column 8"),
    ('{"a": 1', "end of file"),
    ('{"a": 1} x', "after the document"),
    ('{"a": tru}', "column 7"),
    ('{"a": "\\q"}', "escape at line 1, column 8"),
    ("[" * 300 + "]" * 300, "too deep"),
])
def test_strict_json_refuses_with_the_place(text: str, where: str) -> None:
    with pytest.raises(sf.ParseError, match=where.replace("(", r"\(")):
        sf.parse(text)


def test_the_format_is_detected() -> None:
    assert sf.detect_format('{\n\t"a": 1\n}\n') == sf.Format("\t", "\n")
    assert sf.detect_format('{\r\n    "a": {\r\n        "b": 1\r\n    }\r\n}') == sf.Format(
        "    ", "\r\n")
    assert sf.detect_format('{"a": 1}') == sf.Format("  ", "\n")
