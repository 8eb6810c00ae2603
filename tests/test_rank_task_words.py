"""Ranking a task's words, on real git repositories built here: a file named after the task's
words comes first (issue #14, defect 5), the source to change comes before its tests and the docs
(defect 3), and a task reaches code that never says its words through the files its past commits
touched (the vocabulary bridge)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gitutil import make_repo
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzers.bundles import fusion
from analyzers.bundles import rank as rank_mod
from analyzers.bundles.rank import RankQuery, rank
from analyzers.indexing.index import Index, build

# A small language server laid out as ours: the hover feature lives in ``hover.py``, but other
# files say "token", "count" and "buffer" far more often.
BUDGET = '''\
"""Token budgets: count the tokens of every buffer and report the counts."""


def count_tokens(buffer_text, encoding):
    tokens = encoding.encode(buffer_text)
    return len(tokens)


def token_counts(buffers, encoding):
    counts = {}
    for uri, buffer_text in buffers.items():
        counts[uri] = count_tokens(buffer_text, encoding)
    return counts


def budget_lines(counts, budget_tokens):
    return [f"{uri}: {n} tokens of {budget_tokens}" for uri, n in counts.items()]
'''

DOCUMENTS = '''\
"""Open buffers: the text the editor holds, saved or not."""


class Buffers:
    def __init__(self):
        self.buffers = {}

    def open_buffer(self, uri, text):
        self.buffers[uri] = text

    def change_buffer(self, uri, text):
        self.buffers[uri] = text

    def unsaved_buffers(self):
        return dict(self.buffers)
'''

HOVER = '''\
"""What the editor shows when the pointer rests on a symbol."""
from .budget import count_tokens


def on_hover(server, params):
    text = server.read_file(params.uri)
    n = count_tokens(text, server.encoding)
    return {"contents": f"{n} tokens"}
'''

DIAGNOSTICS = '''\
"""Diagnostics: token budgets over the limit, per buffer."""
from .budget import token_counts


def publish(server, buffers):
    counts = token_counts(buffers, server.encoding)
    for uri, count in counts.items():
        if count > server.limit:
            server.publish(uri, f"{count} tokens: over the budget of {server.limit} tokens")
'''

TEST_BUDGET = '''\
from server.features.budget import count_tokens, token_counts


class Encoding:
    def encode(self, text):
        return text.split()


def test_count_tokens_of_a_buffer():
    assert count_tokens("a b c", Encoding()) == 3


def test_token_counts_of_unsaved_buffers():
    counts = token_counts({"a": "x y", "b": "z"}, Encoding())
    assert counts == {"a": 2, "b": 1}


def test_token_counts_of_no_buffers():
    assert token_counts({}, Encoding()) == {}
'''

TEST_HOVER = '''\
from server.features.hover import on_hover


def test_hover_shows_token_counts(server, params):
    assert "tokens" in on_hover(server, params)["contents"]
'''

GUIDE = '''\
# Token budgets

The server counts the tokens of every buffer, saved or unsaved, and shows the counts:
token counts in hover, token counts in diagnostics, token budgets per buffer.
'''

FILES = {
    "server/__init__.py": "",
    "server/features/__init__.py": "",
    "server/features/budget.py": BUDGET,
    "server/features/documents.py": DOCUMENTS,
    "server/features/hover.py": HOVER,
    "server/features/diagnostics.py": DIAGNOSTICS,
    "tests/test_budget.py": TEST_BUDGET,
    "tests/test_hover.py": TEST_HOVER,
    "docs/budgets.md": GUIDE,
}


@pytest.fixture(scope="module")
def server_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("words") / "repo", FILES, commits=[
        ("diagnostics: say which budget a buffer is over",
         {"server/features/diagnostics.py": DIAGNOSTICS + "\n# per buffer\n"}),
        ("budget: count tokens once per buffer",
         {"server/features/budget.py": BUDGET + "\n# once\n",
          "tests/test_budget.py": TEST_BUDGET + "\n# once\n"}),
    ])
    build(root)
    return root


def ranked(root: Path, task: str, seeds: list[str] | None = None) -> list[str]:
    with Index(root) as index:
        return [r.path for r in rank(index, RankQuery(seeds=seeds or [], task=task))]


def test_the_file_named_after_the_task_comes_first(server_repo: Path) -> None:
    order = ranked(server_repo, "the hover shows wrong token counts for unsaved buffers")
    assert order.index("server/features/hover.py") < 3, order


def test_task_words_meet_their_stems(server_repo: Path) -> None:
    """"counts" meets ``count_tokens``/``token_counts``, "buffers" meets ``Buffers``."""
    with Index(server_repo) as index:
        result = {r.path: r for r in rank(index, RankQuery(task="unsaved buffers"))}
    documents = result["server/features/documents.py"]
    assert "buffers" in documents.task_terms and "unsaved" in documents.task_terms
    assert any("'unsaved'" in reason for reason in documents.reasons), documents.reasons


def test_source_comes_before_its_tests_and_the_docs(server_repo: Path) -> None:
    order = ranked(server_repo, "token counts of unsaved buffers are wrong")
    source = order.index("server/features/budget.py")
    assert source < order.index("tests/test_budget.py"), order
    assert source < order.index("docs/budgets.md"), order
    # The tests are still there, right behind: they belong in the bundle.
    assert order.index("tests/test_budget.py") < 6, order


def test_a_seed_keeps_its_test_close(server_repo: Path) -> None:
    """With a seed, its own test is still among the first files (tests are demoted for a task
    alone, where the source to change must come first)."""
    order = ranked(server_repo, "count tokens once", seeds=["server/features/budget.py"])
    assert order.index("tests/test_budget.py") < 3, order


def test_the_weights_demote_tests_and_docs_only_without_a_seed() -> None:
    assert rank_mod.TASK_WEIGHTS["is_test"] > 0 and rank_mod.TASK_WEIGHTS["is_doc"] > 0
    assert set(rank_mod.PENALTIES) <= set(rank_mod.WEIGHTS)


DISCOUNT = '''\
def apply_discount(total, code):
    percent = CODES.get(code, 0)
    return total - total * percent / 100


CODES = {"TEN": 10, "HALF": 50}
'''

TEST_DISCOUNT = '''\
import subprocess


def run(*args):
    return subprocess.run(["shop", *args], capture_output=True, text=True).stdout


def test_discount_rounding_to_cents():
    assert run("discount", "10.05", "TEN") == "9.05"  # rounding: cents
    assert run("discount", "19.99", "HALF") == "9.99"  # rounding: half up


def test_discount_code_rounding_of_unknown_codes():
    assert run("discount", "5", "NONE") == "5.00"  # no rounding
'''


def _learned_and_linear(root: Path, task: str, monkeypatch: pytest.MonkeyPatch
                        ) -> list[list[rank_mod.RankedFile]]:
    """The ranking of ``task`` in ``root`` (indexed here) by the learned fusion's order, then by
    the linear fusion alone."""
    build(root)
    out = []
    for learned in (True, False):
        with monkeypatch.context() as m:
            if not learned:
                m.setattr(fusion, "_MODEL", [None])
            with Index(root) as index:
                out.append(rank(index, RankQuery(task=task)))
    return out


def test_a_test_that_says_the_task_s_words_brings_its_source_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """"rounding" is said only by the test (which runs the command, importing nothing): the test
    matches the task best, and the source it tests by name comes right before it: by the learned
    fusion's order, and by the lift (with its reason) when the linear fusion ranks alone."""
    root = make_repo(tmp_path / "shop", {
        "shop/__init__.py": "", "shop/discount.py": DISCOUNT,
        "shop/cart.py": "def total(lines):\n    return sum(lines)\n",
        "tests/test_discount.py": TEST_DISCOUNT,
        "docs/discounts.md": "# Discounts\n\nA discount code takes a percent off.\n",
    })
    for results in _learned_and_linear(root, "fix discount code rounding", monkeypatch):
        order = [r.path for r in results]
        assert order.index("shop/discount.py") + 1 == order.index("tests/test_discount.py"), order
    source = results[order.index("shop/discount.py")]
    assert source.reasons[0] == "the source `tests/test_discount.py` tests (sources first)"


RESPONSE_JS = """\
var res = module.exports = {};

res.location = function location(url) {
  var loc = url === 'back' ? this.req.get('Referrer') : url;
  return this.set('Location', encodeUrl(loc));
};

res.redirect = function redirect(url) {
  this.location(url);
  this.statusCode = 302;
  this.end();
};

function encodeUrl(url) {
  return String(url).replace(/ /g, '%20');
}
"""

TEST_LOCATION_JS = """\
var express = require('../');
var request = require('supertest');

describe('res', function () {
  describe('.location(url)', function () {
    it('should set the header and encode the location', function (done) {
      var app = express();
      app.use(function (req, res) {
        res.location('http://example.com/a b').redirect('/');
      });
      request(app).get('/').expect('Location', 'http://example.com/a%20b', done);
    });
    it('should encode the location header of a redirect', function (done) {
      var app = express();
      app.use(function (req, res) { res.location('/x y'); res.redirect('/z'); });
      request(app).get('/').expect('Location', '/z', done);
    });
  });
});
"""


def test_a_test_under_test_is_a_test_and_lifts_the_source_it_uses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """express's ``test/res.location.js`` ranked first for "res.redirect does not encode the
    location header", above ``lib/response.js`` (a new user's hour, item 12): ``test/`` was not a
    test folder, and no file pairs with ``res.location.js`` by name. It is a test now, and its
    source, by the names it uses, comes before it."""
    root = make_repo(tmp_path / "web", {
        "lib/response.js": RESPONSE_JS,
        "lib/request.js": "var req = module.exports = {};\n\nreq.get = function get(name) {\n"
                          "  return this.headers[name.toLowerCase()];\n};\n",
        "test/res.location.js": TEST_LOCATION_JS,
        "index.js": "module.exports = require('./lib/response');\n",
    })
    task = "res.redirect does not encode the location header"
    for results in _learned_and_linear(root, task, monkeypatch):
        order = [r.path for r in results]
        assert order.index("lib/response.js") < order.index("test/res.location.js"), order
        assert rank_mod.is_test_file("test/res.location.js")


PRE_COMMIT = """\
# pre-commit hooks, updated by the pre-commit-ci bot
repos:
  - repo: https://github.com/pre-commit/pre-commit-hooks
    hooks:
      - id: check-yaml
"""
WORKFLOW = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"


def test_a_pasted_commit_message_s_trailers_and_link_hosts_match_no_file(
        server_repo: Path, tmp_path: Path) -> None:
    """A task pasted from a squash-merged pull request: its co-author trailer names the
    pre-commit bot and its addresses, its link names github.com. Those words are not the task:
    the file the task is about still comes first, and neither the pre-commit configuration nor
    the workflow outranks it, whatever the trailer key's case (git's is any) and wherever the
    bot's address stands. The same words written as the task do find those files."""
    from analyzers import lexical

    root = make_repo(tmp_path / "repo", {
        **FILES, ".pre-commit-config.yaml": PRE_COMMIT,
        ".github/workflows/ci.yml": WORKFLOW,
    }, commits=[
        ("[pre-commit.ci] pre-commit autoupdate", {".pre-commit-config.yaml": PRE_COMMIT + "#\n"}),
        ("ci: run the github workflow on pull requests",
         {".github/workflows/ci.yml": WORKFLOW + "# pr\n"}),
    ])
    build(root)
    task = ("hover shows wrong token counts (#1304)\n\n"
            "See https://github.com/example/lsp/issues/12\n\n"
            "Co-authored-by: pre-commit-ci[bot] "
            "<66853113+pre-commit-ci[bot]@users.noreply.github.com>\n"
            "Co-Authored-By: Claude <noreply@anthropic.com>\n"
            "Signed-off-by: Pat Commit <pat@github.example>\n"
            "cc 66853113+pre-commit-ci[bot]@users.noreply.github.com\n")
    order = ranked(root, task)
    assert order[0] == "server/features/hover.py", order
    noise = (".pre-commit-config.yaml", ".github/workflows/ci.yml")
    assert all(order.index(p) > order.index("server/features/hover.py") for p in noise
               if p in order), order
    assert lexical.task_words(task) == lexical.words("hover shows wrong token counts (#1304) "
                                                     "See /example/lsp/issues/12 cc")
    # The same words written as the task itself do count.
    plain = ranked(root, "pre-commit ci github workflow")
    assert plain[0] in noise, plain


def test_files_the_task_names_come_first_with_the_words_that_name_them(
        server_repo: Path, tmp_path: Path) -> None:
    """A traceback's absolute paths name the repository's files through their trailing parts,
    and those files come first, in the order they ranked, each saying which words named it. A
    path whose folder differs, a file name many files share, and "a/b" words that end no path
    name nothing."""
    root = make_repo(tmp_path / "repo", {
        **FILES,
        "examples/app/cli.py": "def main():\n    pass\n",
        "server/features/__init__.py": "", "server/__init__.py": "", "tests/__init__.py": "",
        "docs/__init__.py": "",
    })
    build(root)
    task = ("hover crashes on unsaved buffers\n\n"
            "Traceback (most recent call last):\n"
            '  File "/home/me/tool/cli.py", line 3, in <module>\n'
            '  File "/home/me/.venv/lib/python3.12/site-packages/server/features/documents.py", '
            "line 13, in unsaved_buffers\n"
            '  File "C:\\work\\server\\features\\diagnostics.py", line 7, in publish\n'
            "KeyError: uri\n\n"
            "Also seen in __init__.py, with try/finally and read/write.")
    with Index(root) as index:
        results = rank(index, RankQuery(task=task))
    order = [r.path for r in results]
    named = {"server/features/documents.py", "server/features/diagnostics.py"}
    assert set(order[:2]) == named, order
    reasons = {r.path: r.reasons[0] for r in results[:2]}
    assert reasons["server/features/documents.py"] == \
        "the task names it (`server/features/documents.py`)"
    assert reasons["server/features/diagnostics.py"] == \
        "the task names it (`server/features/diagnostics.py`)"
    # /home/me/tool/cli.py is not examples/app/cli.py; __init__.py is shared by four files
    for r in results[2:]:
        assert not r.reasons or not r.reasons[0].startswith("the task names it"), r
    # A bare file name few files share names it, even with no other evidence for it.
    with Index(root) as index:
        order = [r.path for r in rank(index, RankQuery(task="clean up cli.py"))]
    assert order[0] == "examples/app/cli.py", order


def test_mentions_are_paths_and_file_names_not_prose() -> None:
    from analyzers.bundles.mentions import mentions, name_tables, named_files

    text = ("see ./src/pkg/core.py:12:5, `index.d.ts` and C:\\repo\\pkg\\util.py. "
            "Use try/finally; e.g. v4.1.0 from https://github.com/o/r/blob/main/README.md "
            "Signed-off-by: A <a@b.io>")
    assert mentions(text) == ["src/pkg/core.py", "index.d.ts", "C:/repo/pkg/util.py",
                              "try/finally", "e.g", "o/r/blob/main/README.md"]
    assert mentions("pages/[id].tsx and assets/logo@2x.png, icon@2x.svg") == [
        "pages/[id].tsx", "assets/logo@2x.png", "icon@2x.svg"]
    # a pytest node id names its file
    assert mentions("FAILED tests/test_x.py::test_y[case-1] - AssertionError") == [
        "tests/test_x.py"]
    # in the order of the text: a path in the prose before a long traceback's frames
    many = ["src/util.py", *(f"src/m{i}.py" for i in range(15))]
    task = "The bug is in src/util.py\n" + "".join(
        f'  File "/x/src/m{i}.py", line 3, in f\n' for i in range(15))
    assert [many[n.file_index] for n in named_files(task, many, *name_tables(many))][:2] == [
        "src/util.py", "src/m0.py"]
    files = ["src/pkg/core.py", "pkg/util.py", "README.md", "types/index.d.ts", "finally.py"]
    named = [files[n.file_index] for n in named_files(text, files, *name_tables(files))]
    # README.md: the link's path ends in main/README.md, whose folder the repository lacks
    assert named == ["src/pkg/core.py", "types/index.d.ts", "pkg/util.py"]


def test_a_windows_path_names_its_file_whatever_its_case() -> None:
    """Windows file names are not case-sensitive: a traceback's ``C:\\Work\\SRC\\app\\server.py``
    is the repository's ``src/App/Server.py``, and so is ``SRC\\app\\server.py``. Elsewhere (a
    path with ``/``) case counts."""
    from analyzers.bundles.mentions import name_tables, named_files

    files = ["src/App/Server.py", "src/app/client.py", "lib/util.py"]

    def named(text: str) -> list[tuple[str, str, tuple[int, ...]]]:
        return [(files[n.file_index], n.words, n.lines)
                for n in named_files(text, files, *name_tables(files))]

    assert named('File "C:\\Work\\Proj\\SRC\\app\\server.py", line 3, in run') == [
        ("src/App/Server.py", "SRC/app/server.py", (3,))]
    assert named("see d:\\proj\\Lib\\Util.py") == [("lib/util.py", "Lib/Util.py", ())]
    assert named("/home/x/src/app/server.py and SRC/APP/CLIENT.PY") == []
    # ... also when another file has the name as written (``lib/util.py`` is no ``LIB``'s)
    files.append("tools/Server.py")
    assert named("crash in C:\\work\\src\\app\\Server.py") == [
        ("src/App/Server.py", "src/app/Server.py", ())]
    assert named("crash in d:\\LIB\\util.py") == [("lib/util.py", "LIB/util.py", ())]
    # ... and a relative path written the Windows way (``src\\APP\\server.py``), in a frame too
    assert named("see SRC\\app\\server.py and src/app/CLIENT.py") == [
        ("src/App/Server.py", "SRC/app/server.py", ())]
    assert named("at Lib\\Util.py:12") == [("lib/util.py", "Lib/Util.py", (12,))]


# What a ``path:line`` and a word's trailing ``:12:5`` are, as single patterns: the scanner
# reads them from the ``:`` back (these, tried at every position, are quadratic on a long word).
_PATH_LINE_REFERENCE = re.compile(
    r"(?P<path>[\w.@+~\\/\[\]-]*[\w-]\.[A-Za-z]\w{0,9})(?::|#L)(?P<line>\d+)")
_TRAILING_REFERENCE = re.compile(r"(?:[:#@]\w*)+$|[.:!?\]]+$")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(
    ["a", "B", "1", ".", "/", "\\", "-", "_", "@", "+", "~", "[", "]", ":", "#", "L", " ", "é",
     ".py", ":12", "#L3", "!"]), max_size=30).map("".join))
def test_path_lines_and_trailing_parts_are_the_single_patterns_matches(line: str) -> None:
    from analyzers.bundles import mentions

    assert [(f.path, f.line) for f in mentions._path_lines(line)] == [
        (m["path"], m["line"]) for m in _PATH_LINE_REFERENCE.finditer(line)]
    assert mentions._without_trailing(line) == _TRAILING_REFERENCE.sub("", line)


def test_a_long_word_with_no_line_after_it_is_read_once() -> None:
    """A task of one long word (minified JSON, a base64 blob) gives its paths as a short one."""
    from analyzers.bundles.mentions import mentions, places

    blob = "a." * 20_000 + "b/c" * 10_000
    assert places(f"src/x.py:7 {blob} {blob}") == {"src/x.py": ([7], [])}
    deep = "/d" * 500 + "/src/x.py"  # a frame's path of over 1,000 characters keeps its line
    assert places(f'File "{deep}", line 7, in main') == {deep.strip("/"): ([7], ["main"])}
    assert mentions("see src/x.py:7:1#" + "z:" * 60_000) == ["src/x.py"]


def _big_module(n: int) -> str:
    """A module of ``n`` unrelated functions, too large to be shown whole in a small bundle."""
    return "".join(f'def handler_{i}(request, context):\n    """Handle request kind {i}."""\n'
                   f'    value = request.get("kind_{i}")\n'
                   f'    return context.reply(value, {i})\n\n\n'
                   for i in range(n))


def test_a_traceback_frame_s_function_and_line_are_shown_first_in_a_large_named_file(
        tmp_path: Path) -> None:
    """A traceback names ``handlers.py`` at a function and a line: in a budget far below the
    file, the bundle shows that function (by name) and the one holding that line before it
    picks any other definition. The same task without the frames shows neither."""
    from analyzers.app.requests import BundleRequest
    from analyzers.bundles.assemble import make_bundle

    root = make_repo(tmp_path / "svc", {
        "svc/__init__.py": "", "svc/handlers.py": _big_module(400),
        "svc/app.py": "from .handlers import handler_3\n\n\ndef main(r, c):\n"
                      "    return handler_3(r, c)\n",
    })
    build(root)
    line_of_271 = _big_module(271).count("\n") + 3  # inside handler_271's body
    frames = ("KeyError in the service\n\nTraceback (most recent call last):\n"
              '  File "/opt/svc/venv/lib/python3.12/site-packages/svc/handlers.py", '
              "line 9999, in handler_137\n"
              f"  at svc/handlers.py:{line_of_271}\n")

    def shown(task: str) -> list[str]:
        with Index(root) as index:
            result = make_bundle(index, BundleRequest(task=task, budget=1500))
        item = next(i for i in result.bundle.items if i.path == "svc/handlers.py")
        assert item.granularity != "file", item
        return list(item.symbols)

    symbols = shown(frames)
    assert {"handler_137", "handler_271"} <= set(symbols), symbols
    assert len(symbols) < 100, symbols  # a part of the file, in the line order
    plain = shown("KeyError in the service handlers")
    assert "handler_137" not in plain and "handler_271" not in plain, plain


def test_frames_give_lines_and_functions_even_on_paths_with_spaces() -> None:
    """A frame's path with spaces (``C:\\Program Files``) still names its file with the frame's
    line and function; a link's ``#L40`` is a line; a Java frame's package is a folder; a log
    repeating one frame keeps 20 lines."""
    from analyzers.bundles.mentions import MAX_LINES, name_tables, named_files

    files = ["src/pkg/big.py", "src/pkg/util.py"]
    by_name, by_stem = name_tables(files)
    text = ('  File "C:\\Program Files\\app\\src\\pkg\\big.py", line 1500, in func_83\n'
            "see https://github.com/o/r/blob/main/src/pkg/util.py#L40\n")
    named = {files[n.file_index]: (n.lines, n.symbols)
             for n in named_files(text, files, by_name, by_stem)}
    assert named == {"src/pkg/big.py": ((1500,), ("func_83",)), "src/pkg/util.py": ((40,), ())}
    # A Java frame's package is its file's folder: of two Gson.java, the frame names one.
    java = ["gson/src/main/java/com/google/gson/Gson.java",
            "extras/src/main/java/com/other/Gson.java"]
    frame = "\tat com.google.gson.Gson.fromJson(Gson.java:1227)\n"
    assert [(java[n.file_index], n.lines, n.symbols)
            for n in named_files(frame, java, *name_tables(java))] == \
        [(java[0], (1227,), ("fromJson",))]
    log = "\n".join(f"src/pkg/big.py:{i}" for i in range(1, 5000))
    (only,) = named_files(log, files, by_name, by_stem)
    assert only.lines == tuple(range(1, MAX_LINES + 1))


def test_the_definitions_a_task_points_at_come_before_every_other_linked_one() -> None:
    """The packer's order of a large file's definitions (real tree-sitter definitions): with the
    task's words alone every handler ties and the first in the file comes first; a frame's
    function and the definition holding a frame's line come before all of them."""
    from analyzers import syntax
    from analyzers.bundles.pack import Candidate, relevant_definitions

    text = _big_module(300)
    defs = syntax.parse(text.encode(), "python").definitions
    line_of_271 = _big_module(271).count("\n") + 3

    def order(**pointed: list) -> list[str]:
        c = Candidate("svc/handlers.py", 1.0, [], 20_000, text.splitlines(True), defs, "core",
                      task_words=["handler"], **pointed)
        return [d.name for d in relevant_definitions(c)]

    assert order()[:2] == ["handler_0", "handler_1"]
    assert order(task_symbols=["handler_137"], task_lines=[line_of_271])[:2] == \
        ["handler_137", "handler_271"]
    assert order(task_symbols=["handler_137"])[0] == "handler_137"
    assert order(task_lines=[line_of_271])[0] == "handler_271"
    # ... and before a name the file shares with the seed
    assert order(names=["handler_5"])[0] == "handler_5"
    assert order(names=["handler_5"], task_lines=[line_of_271])[:2] == ["handler_271", "handler_5"]


def test_a_secret_in_the_task_is_no_word_of_it() -> None:
    # A token pasted with a log is neither matched against the code nor quoted in a reason
    # ("matches '123456789012'"): its words are not the task's; the words around it are.
    from analyzers.lexical import task_words

    slack = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
    github = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"
    words = task_words(f'retry fails, log: "slack":"{slack}" and GITHUB_TOKEN={github} in core')
    assert {"retry", "fails", "log", "slack", "core"} <= set(words)
    assert not [w for w in words if w.isdigit() or len(w) > 12 or w in ("xoxb", "ghp")]


def test_a_path_in_the_task_names_its_file_and_lends_only_its_name(server_repo: Path) -> None:
    """"fix the crash in server/features/hover.py ...": the path names the file (first, "the
    task names it"), and its folders and extension are no words of the task: ``server``,
    ``features`` and ``py`` matched every file under ``server/features/``. The file's name stays
    a word unless more than three files share it; a path naming no file of the repository keeps
    its words."""
    task = ("fix the crash in server/features/hover.py when the buffer is unsaved; "
            "see server/features/__init__.py:1 and tests/test_hover.py::test_hover_shows")
    with Index(server_repo) as index:
        query = RankQuery(task=task)
        results = rank(index, query)
    assert results[0].path == "server/features/hover.py", [r.path for r in results]
    assert results[0].reasons[0] == "the task names it (`server/features/hover.py`)"
    assert query.words == ["fix", "crash", "hover", "buffer", "unsaved", "see", "__init__", "test",
                           "hover", "test_hover", "test", "hover", "shows", "test_hover_shows"]
    for r in results:
        assert not any("'server'" in why or "'features'" in why for why in r.reasons), r
    with Index(server_repo) as index:
        gone = RankQuery(task="fix server/features/gone.py")
        rank(index, gone)
    assert gone.words == ["fix", "server", "features", "gone", "py"]
    # A module's path, written without the file's extension (a require's), keeps its words.
    with Index(server_repo) as index:
        module = RankQuery(task="fix: refer to server/features/hover directly")
        rank(index, module)
    assert module.words == ["fix", "refer", "server", "features", "hover", "directly"]


LAZY = '''\
"""A module whose old names still import, with a warning."""
import warnings


def __getattr__(name):
    if name == "OldParser":
        warnings.warn("OldParser is deprecated", DeprecationWarning, stacklevel=2)
        return object
    raise AttributeError(name)
'''

REFLECT = '''\
"""Options read off an object by name."""


def option_value(obj, name):
    return getattr(obj, name, None)


def option_values(obj, names):
    return {n: getattr(obj, n) for n in names if getattr(obj, n, None) is not None}


def copy_options(src, dst, names):
    for n in names:
        setattr(dst, n, getattr(src, n))
'''

COOKIES = '''\
"""Cookie parsing."""


def parse_cookie(header):
    return dict(part.split("=", 1) for part in header.split("; "))
'''


def _cookie_tests() -> str:
    out = ['"""Cookie tests."""\nfrom app.cookies import parse_cookie\n']
    for k in range(12):
        out.append(f"\n\ndef test_fixes_{600 + k}():\n    '''Issue {600 + k}.'''\n"
                   + "".join(f"    value_{j} = {j} * {k}\n" for j in range(25))
                   + "    assert value_0 == 0\n")
    out.append("\n\ndef test_parse_cookie_pairs():\n"
               "    assert parse_cookie('a=1; b=2') == {'a': '1', 'b': '2'}\n")
    return "".join(out)


def test_a_dunder_in_the_task_meets_that_name_only_and_a_task_verb_no_name(
        tmp_path: Path) -> None:
    """"__getattr__" in a task is the special method's name: it meets the module defining it,
    not every ``getattr(...)`` call (its word ``getattr`` is in those too). "fix" says what kind
    of change, not where: the definitions a bundle shows of a large test file are not its
    ``test_fixes_*`` ones (the stems of "fix" and "fixes" are one), but the test of the task's
    words. A task verb written as the name writes it still meets it: "add" and ``add_...``."""
    from analyzers import lexical
    from analyzers.app.requests import BundleRequest
    from analyzers.bundles.assemble import make_bundle

    root = make_repo(tmp_path / "repo", {
        "app/__init__.py": "", "app/lazy.py": LAZY, "app/reflect.py": REFLECT,
        "app/cookies.py": COOKIES, "tests/test_cookies.py": _cookie_tests()})
    build(root)
    with Index(root) as index:
        query = RankQuery(task="the module __getattr__ warns twice for OldParser")
        results = {r.path: r for r in rank(index, query)}
        assert "__getattr__" in (query.words or []) and "getattr" not in (query.words or [])
        assert "__getattr__" in results["app/lazy.py"].task_terms
        assert not results["app/reflect.py"].task_terms, results["app/reflect.py"]
        made = make_bundle(index, BundleRequest(task="fix cookie parsing of pairs",
                                                budget=1500))
    bundle = getattr(made, "bundle", made)
    shown = {it.path: it.symbols for it in bundle.items}
    assert "test_parse_cookie_pairs" in shown.get("tests/test_cookies.py", []), shown
    assert not [s for s in shown.get("tests/test_cookies.py", []) if "fixes" in s], shown
    assert lexical.name_meets({"add", "cookie"}, {"add", "cooki"}, ["add", "cookie", "add_cookie"]
                              ) == {"add", "cooki"}
    assert lexical.name_meets({"fix", "cookie"}, {"fix", "cooki"}, ["test", "fixes", "cookie"]
                              ) == {"cooki"}


# A module whose names say "call", "last", "file" and "line" (a call log), and the one a pasted
# traceback is about.
CALL_LOG = '''\
def last_call(calls):
    """The last call of a file's line log."""
    return calls[-1]


def call_file_line(call):
    return f"{call.file}:{call.line}"
'''
PARSER = '''\
def parse_header(raw):
    name, sep, value = raw.partition(":")
    if not sep:
        raise ValueError("malformed header")
    return name.strip(), value.strip()
'''
TRACEBACK = '''\
Traceback (most recent call last):
  File "/home/me/site/run.py", line 3, in <module>
    handle(raw)
  File "/home/me/site/run.py", line 9, in handle
    check(raw)
During handling of the above exception, another exception occurred:
ValueError: malformed header
'''


def test_a_traceback_s_own_words_are_no_words_of_the_task(tmp_path: Path) -> None:
    """A pasted traceback made ``tests/test_requests.py`` "match 'call', 'last', 'file',
    'line'" (review): those are the traceback's words, not the task's."""
    from analyzers import lexical

    words = set(lexical.task_words(TRACEBACK))
    assert not words & {"traceback", "most", "recent", "call", "last", "file", "line", "module",
                        "during", "handling", "above", "occurred", "another"}, words
    assert {"malformed", "header", "handle", "check"} <= words
    assert "file" in lexical.task_words("the call log loses the last file line")
    root = make_repo(tmp_path / "repo", {"app/calllog.py": CALL_LOG, "app/parser.py": PARSER})
    build(root)
    with Index(root) as index:
        order = rank(index, RankQuery(task=TRACEBACK))
    assert order[0].path == "app/parser.py", [(r.path, r.reasons) for r in order]
    log = [r for r in order if r.path == "app/calllog.py"]
    assert not log or not any("'call'" in x or "'file'" in x for x in log[0].reasons), log
