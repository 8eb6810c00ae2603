"""Hover on a reference: the definitions it may mean, resolved through the file's scope and
imports before the name alone. A real client drives ``ctxsteward serve`` on a repository built
here, in which several definitions share a name."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from gitutil import make_repo
from lsp_client import indexed, open_doc
from lsprotocol import types
from pytest_lsp import LanguageClient

from analyzers.config import Settings
from analyzers.indexing.index import Index

pytestmark = pytest.mark.asyncio(loop_scope="module")

APP = '''class App:
    """The application."""

    def make_response(self, rv):
        """Turn a view's return value into a response."""
        return ("response", rv)

    def dispatch(self, view):
        return self.render_page(view())

    def render_page(self, body):
        return f"<main>{body}</main>"
'''

ADMIN = '''class Admin:
    def render_page(self, body):
        return f"<admin>{body}</admin>"
'''

GLOBALS = '''def _find_app():
    raise RuntimeError("no application")


current_app = _find_app
'''

HELPERS = '''from web.globals import current_app


def make_response(*args):
    """Build a response in a view, to add headers to it."""
    return current_app.make_response(args)
'''

VIEWS = '''from web import helpers
from web.helpers import make_response


def index():
    return make_response("hi")


def other():
    return helpers.make_response("there")
'''

TOOLS = '''def make_response(text):
    return text.upper()
'''

FILES = {"web/__init__.py": "", "web/app.py": APP, "web/admin.py": ADMIN,
         "web/globals.py": GLOBALS, "web/helpers.py": HELPERS, "web/views.py": VIEWS,
         "aaa/make.py": TOOLS}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory
                 ) -> AsyncIterator[tuple[LanguageClient, Path]]:
    """A server on the repository of :data:`FILES`, indexed."""
    root = make_repo(tmp_path_factory.mktemp("refs") / "repo", FILES)
    async with indexed(root) as c:
        yield c, root


def where(repo: Path, path: str, qualified: str) -> str:
    """``path:line`` of a definition, as the index holds it."""
    with Index(repo, Settings()) as idx:
        d = next(d for d in idx.definitions(path) if d.qualified == qualified)
    return f"{path}:{d.start_line}"


async def defined_in(client: LanguageClient, repo: Path, path: str, needle: str,
                     name: str) -> list[str]:
    """The definitions the hover on ``name`` in the line holding ``needle`` lists, in order."""
    uri = open_doc(client, repo / path)
    lines = FILES[path].splitlines()
    row = next(i for i, line in enumerate(lines) if needle in line)
    col = lines[row].index(needle) + needle.index(name) + 1
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=row, character=col)))
    assert hover is not None
    return re.findall(r"Defined (?:in|here) `([^`]+?)`", hover.contents.value)


async def test_an_attribute_of_an_object_means_a_method_not_a_same_named_function(
        served: tuple[LanguageClient, Path]) -> None:
    client, repo = served
    # In helpers.py's own make_response, current_app.make_response is the application's method.
    got = await defined_in(client, repo, "web/helpers.py", "current_app.make_response(",
                           "make_response")
    assert got[0] == where(repo, "web/app.py", "App.make_response")
    assert got[1:] == [where(repo, "web/helpers.py", "make_response"),
                       where(repo, "aaa/make.py", "make_response")]


async def test_an_imported_name_means_the_imported_definition(
        served: tuple[LanguageClient, Path]) -> None:
    client, repo = served
    bare = await defined_in(client, repo, "web/views.py", 'make_response("hi")', "make_response")
    assert bare[0] == where(repo, "web/helpers.py", "make_response")
    # A method is not what a bare name means: gone once the import resolves it.
    assert where(repo, "web/app.py", "App.make_response") not in bare
    assert where(repo, "aaa/make.py", "make_response") in bare  # another top-level one stays
    module = await defined_in(client, repo, "web/views.py", "helpers.make_response(",
                              "make_response")
    assert module[0] == where(repo, "web/helpers.py", "make_response")


async def test_an_attribute_of_self_means_the_enclosing_class(
        served: tuple[LanguageClient, Path]) -> None:
    client, repo = served
    # By name alone web/admin.py sorts first; self in App means App's method.
    got = await defined_in(client, repo, "web/app.py", "self.render_page(", "render_page")
    assert got == [where(repo, "web/app.py", "App.render_page"),
                   where(repo, "web/admin.py", "Admin.render_page")]


PKG_INIT = '''from .utils import echo

__all__ = ["echo"]
'''

PKG_UTILS = '''def echo(message):
    """Print a message."""
    print(message)
'''

PKG_TEST_PROMPT = '''def test_prompts_eof():
    def echo(text):
        return text

    assert echo("x") == "x"
'''

PKG_TEST_BASIC = '''import pkg


def test_echo():
    pkg.echo("hi")


def test_out(out):
    out.echo("there")
'''

PKG_CLI = '''from .utils import echo


def main():
    echo("ready")
'''

FILES.update({"pkg/__init__.py": PKG_INIT, "pkg/utils.py": PKG_UTILS, "pkg/cli.py": PKG_CLI,
              "tests/test_prompt.py": PKG_TEST_PROMPT, "tests/test_basic.py": PKG_TEST_BASIC})


async def test_an_attribute_of_a_package_follows_its_init_to_the_defining_module(
        served: tuple[LanguageClient, Path]) -> None:
    client, repo = served
    # pkg.echo is pkg/utils.py's echo, re-exported by pkg/__init__.py; the echo nested in a
    # test function cannot be reached by attribute access: not listed.
    got = await defined_in(client, repo, "tests/test_basic.py", "pkg.echo(", "echo")
    assert got == [where(repo, "pkg/utils.py", "echo")]


async def test_an_imported_bare_name_lists_no_function_nested_elsewhere(
        served: tuple[LanguageClient, Path]) -> None:
    client, repo = served
    # The #16 verifier: echo( in a module that imports it from .utils also listed the echo
    # nested in a test function.
    got = await defined_in(client, repo, "pkg/cli.py", 'echo("ready")', "echo")
    assert got == [where(repo, "pkg/utils.py", "echo")]


async def test_a_nested_function_ranks_last_for_any_attribute(
        served: tuple[LanguageClient, Path]) -> None:
    client, repo = served
    # An object of unknown type: the top-level function before the one nested in a function.
    got = await defined_in(client, repo, "tests/test_basic.py", "out.echo(", "echo")
    assert got == [where(repo, "pkg/utils.py", "echo"),
                   where(repo, "tests/test_prompt.py", "test_prompts_eof.echo")]
