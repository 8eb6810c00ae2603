"""A traceback's frame makes the definition it points at the file's focus (a new user's hour:
gson's ``at com.google.gson.Gson.fromJson(Gson.java:1227)`` gave Gson.java the focus [17, 45],
its import block, where the task's words stood together). Real repository, real ranker."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo

from analyzers.bundles.rank import RankedFile, RankQuery, rank
from analyzers.indexing.index import Index, build

IMPORTS = "".join(f"import com.example.json.Number{i}FormatException;\n" for i in range(20))
FILLER = "".join(f"  private int helper{i}(int value) {{\n    return value + {i};\n  }}\n\n"
                 for i in range(12))
GSON = f"""package com.example.json;

{IMPORTS}
public final class Gson {{
{FILLER}  public Object fromJson(String json) {{
    return fromJson(new Reader(json));
  }}

  public Object fromJson(Reader reader) {{
    Object value = reader.read();
    check(value, reader);
    return value;
  }}

  private static void check(Object value, Reader reader) {{
    if (value == null) {{
      throw new IllegalStateException("not consumed");
    }}
  }}
}}
"""
READER = """package com.example.json;

public final class Reader {
  private final String text;

  public Reader(String text) {
    this.text = text;
  }

  public Object read() {
    return Long.parseLong(text);
  }
}
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def trace(gson_line: int) -> str:
    return ("NumberFormatException has no JSON path when reading a JSON number:\n"
            'Exception in thread "main" java.lang.NumberFormatException: For input string: "x"\n'
            "\tat java.base/java.lang.Long.parseLong(Long.java:711)\n"
            f"\tat com.example.json.Reader.read(Reader.java:{line_of(READER, 'parseLong')})\n"
            f"\tat com.example.json.Gson.fromJson(Gson.java:{gson_line})\n"
            "\tat com.example.App.main(App.java:12)\n")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("trace") / "repo", {
        "src/main/java/com/example/json/Gson.java": GSON,
        "src/main/java/com/example/json/Reader.java": READER})
    build(root)
    return root


def ranked(root: Path, task: str) -> dict[str, RankedFile]:
    with Index(root) as index:
        return {r.path: r for r in rank(index, RankQuery(task=task))}


def span(text: str, first: str, last_after: str) -> tuple[int, int]:
    start = line_of(text, first)
    end = next(i for i, ln in enumerate(text.splitlines(), 1) if i > start and ln == last_after)
    return start, end


def test_the_frame_s_definition_holding_its_line_is_the_focus(repo: Path) -> None:
    called = line_of(GSON, "Object value = reader.read()")
    files = ranked(repo, trace(called))
    gson = files["src/main/java/com/example/json/Gson.java"]
    want = span(GSON, "public Object fromJson(Reader reader)", "  }")
    assert gson.focus == want, (gson.focus, gson.reasons)
    assert any(r.startswith(f"lines {want[0]}\u2013{want[1]} hold `Gson.fromJson` (line "
                            f"{called})") for r in gson.reasons), gson.reasons
    assert not any(r.startswith("lines 3") for r in gson.reasons), gson.reasons  # the imports
    reader = files["src/main/java/com/example/json/Reader.java"]
    assert reader.focus == span(READER, "public Object read()", "  }"), reader.reasons


def test_a_frame_of_another_version_still_focuses_the_function_it_names(repo: Path) -> None:
    """The trace's line is in another method here (the code moved since): the function the
    frame names, the one nearest that line, is the focus, not the method holding the line."""
    moved = line_of(GSON, 'throw new IllegalStateException("not consumed")')
    gson = ranked(repo, trace(moved))["src/main/java/com/example/json/Gson.java"]
    assert gson.focus == span(GSON, "public Object fromJson(Reader reader)", "  }"), gson.reasons
