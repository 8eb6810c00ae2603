"""Which definitions of a file ranked for a task the packer shows in full: those holding the
task's words and those they name, not every definition linked to the best-ranked files by a name
(real tree-sitter definitions, the real packer and token counter)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers import syntax
from analyzers.bundles.pack import Candidate, _holds_name, pack
from analyzers.config import Settings
from analyzers.tokens import Counter

COUNTER = Counter(Settings().encoding, Settings().model_profile())


def _filler(i: int) -> str:
    body = "".join(f"    total = total + {j} * {i}  # step {j} of the colour table\n"
                   for j in range(14))
    return f'def palette_{i}(total):\n    """Colour table {i}."""\n{body}    return total\n\n\n'


# click's termui.py, in small: the progress bar (the task's), the pager and the editor (linked to
# the best-ranked file, _termui_impl.py, by the names they share with it), and much else.
TERMUI = (
    "import os\n\n\n"
    "def get_pager_file(color=None):\n"
    '    """The stream a pager reads."""\n'
    "    stream = os.environ.get('PAGER') or 'less'\n"
    "    return open_stream(stream, color)\n\n\n"
    "def echo_via_pager(text, color=None):\n"
    '    """Show text through a pager."""\n'
    "    with get_pager_file(color) as pager:\n"
    "        for line in text:\n"
    "            pager.write(line)\n\n\n"
    "def progressbar(iterable, length=None):\n"
    '    """Show a progress bar that lands on its final position."""\n'
    "    bar = make_progress_bar(iterable, length)\n"
    "    return render_position(bar)\n\n\n"
    "def render_position(bar):\n"
    "    return bar.pos\n\n\n"
    "def edit(text=None, editor=None):\n"
    '    """Open an editor on text."""\n'
    "    return launch_editor(editor or os.environ.get('EDITOR'), text)\n\n\n"
    + "".join(_filler(i) for i in range(30)))


def test_a_task_file_shows_in_full_what_holds_the_task_and_what_that_names() -> None:
    # The new-user review: "Land the progress bar on its final position" showed termui.py's
    # progressbar and, in full beside it, echo_via_pager, get_pager_file and edit: linked to the
    # pager code of the best match by name, nothing of the task.
    defs = syntax.parse(TERMUI.encode(), "python").definitions
    tokens = COUNTER.count(TERMUI)
    c = Candidate("src/click/termui.py", 0.3, ["uses names of the best task matches"], tokens,
                  TERMUI.splitlines(True), defs, "related",
                  names=["get_pager_file", "echo_via_pager", "edit", "render_position"],
                  task_words=["progress", "bar", "final", "position"])
    (item,) = pack([c], budget=8000, formats=("markdown",), overhead=0, count=COUNTER.count,
                   limit=None)
    assert item.piece.granularity == "symbols"
    assert item.symbols == ["progressbar", "render_position"]


def test_a_task_file_none_of_whose_definitions_holds_the_task_shows_its_linked_ones() -> None:
    # Nothing holds the task's words: the names shared with the best files are all it has.
    defs = syntax.parse(TERMUI.encode(), "python").definitions
    c = Candidate("src/click/termui.py", 0.3, [], COUNTER.count(TERMUI), TERMUI.splitlines(True),
                  defs, "related", names=["get_pager_file", "edit"], task_words=["unicode"])
    (item,) = pack([c], budget=8000, formats=("markdown",), overhead=0, count=COUNTER.count,
                   limit=None)
    assert item.symbols == ["get_pager_file", "edit"]


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="ab_$ .(é1Ⅻ٣\n", max_size=30), st.text(alphabet="ab_é1$", min_size=1,
                                                               max_size=3))
def test_a_whole_name_is_told_as_the_expression_tells_it(text: str, name: str) -> None:
    """``_holds_name`` (no expression compiled per name) agrees with ``(?<![\\w$])NAME(?![\\w$])``
    on letters, digits and numerals of any script, ``_`` and ``$``."""
    expected = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text) is not None
    assert _holds_name(text, name) == expected
