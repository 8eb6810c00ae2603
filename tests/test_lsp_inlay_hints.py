"""Inlay hints: one after the signature of every definition of at least ``inlayHintMinTokens``
tokens (default 50), methods included; none on small definitions such as one-line assignments.
A real client drives ``ctxsteward serve`` (real tree-sitter) on a repository built here, with a
multi-line signature in Python, Go, TypeScript and Rust."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from gitutil import make_repo
from lsp_client import indexed, open_doc, wait_for
from lsprotocol import types
from pytest_lsp import LanguageClient

from analyzers.config import Settings
from analyzers.indexing.index import Index

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROUTER_PY = '''"""URL building."""

DEFAULT_SCHEME = "https"
TIMEOUT = 30


class Router:
    """Maps endpoints to URLs under a base."""

    def __init__(self, base):
        self.base = base

    def url_for(
        self,
        endpoint: str,
        *,
        scheme: str | None = None,
        anchor: dict[str, str] = {"a": "b:c"},  # a default with ':' and braces
        **values: object,
    ) -> str:
        """Build the URL of ``endpoint`` with ``values`` as its query string."""
        scheme = scheme or DEFAULT_SCHEME
        query = "&".join(f"{key}={value}" for key, value in sorted(values.items()))
        url = f"{scheme}://{self.base}/{endpoint.strip('/')}"
        if query:
            url = f"{url}?{query}"
        for name, target in anchor.items():
            url = f"{url}#{name}-{target}"
        if len(url) > 2048:
            raise ValueError(f"URL too long for {endpoint!r}: {len(url)} characters")
        return url


def build_url(router: Router,
              endpoint: str,
              **values: object) -> str:
    """Module-level helper around :meth:`Router.url_for` with logging and checks."""
    if not endpoint:
        raise ValueError("an endpoint is required to build a URL for the router")
    url = router.url_for(endpoint, **values)
    print(f"built {url} for {endpoint} with {len(values)} values on {router.base}")
    return url
'''

ROUTER_GO = '''package urls

import "fmt"

type Router struct {
	base string
}

func (r *Router) URLFor(
	endpoint string,
	values map[string]string,
	scheme string,
) (string, error) {
	if endpoint == "" {
		return "", fmt.Errorf("an endpoint is required to build a URL for %s", r.base)
	}
	url := fmt.Sprintf("%s://%s/%s", scheme, r.base, endpoint)
	sep := "?"
	for key, value := range values {
		url = fmt.Sprintf("%s%s%s=%s", url, sep, key, value)
		sep = "&"
	}
	return url, nil
}
'''

CLIENT_TS = '''export const RETRIES = 3;

export class Client {
  constructor(private base: string) {}

  async fetchJson<T>(
    path: string,
    init: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const url = `${this.base}/${path.replace(/^\\//, "")}`;
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const response = await fetch(url, { method: init.method ?? "GET", headers: init.headers });
      if (response.ok) {
        return (await response.json()) as T;
      }
      console.warn(`attempt ${attempt} on ${url} failed with ${response.status}`);
    }
    throw new Error(`giving up on ${url} after ${RETRIES} attempts`);
  }
}
'''

ROUTER_RS = '''pub struct Router<'a> {
    base: &'a str,
}

impl<'a> Router<'a> {
    pub fn url_for(
        &self,
        endpoint: &'a str,
        values: &[(&str, &str)],
    ) -> Result<String, String> {
        if endpoint.is_empty() {
            return Err(format!("an endpoint is required to build a URL for {}", self.base));
        }
        let mut url = format!("https://{}/{}", self.base, endpoint.trim_start_matches('/'));
        let mut sep = '?';
        for (key, value) in values {
            url.push_str(&format!("{}{}={}", sep, key, value));
            sep = '&';
        }
        Ok(url)
    }
}
'''

# For each definition expected to get a hint: the text of the line its signature ends on.
SIGNATURE_ENDS = {
    "app/router.py": {"Router": "class Router:", "Router.url_for": "    ) -> str:",
                      "build_url": "              **values: object) -> str:"},
    "app/router.go": {"Router.URLFor": ") (string, error) {"},
    "app/client.ts": {"Client": "export class Client {",
                      "Client.fetchJson": "  ): Promise<T> {"},
    "app/router.rs": {"Router.url_for": "    ) -> Result<String, String> {"},
}
LANGS = {".py": "python", ".go": "go", ".ts": "typescript", ".rs": "rust"}
SOURCES = {"app/router.py": ROUTER_PY, "app/router.go": ROUTER_GO, "app/client.ts": CLIENT_TS,
           "app/router.rs": ROUTER_RS}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("hints") / "repo", SOURCES)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(repo: Path) -> AsyncIterator[LanguageClient]:
    async with indexed(repo) as c:
        yield c


async def hints_of(client: LanguageClient, repo: Path, rel: str, first: int = 0,
                   last: int | None = None) -> list[tuple[int, int, str]]:
    uri = open_doc(client, repo / rel, LANGS[Path(rel).suffix])
    lines = SOURCES[rel].splitlines()
    got = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=first, character=0),
                          end=types.Position(line=len(lines) if last is None else last,
                                             character=0))))
    return [(h.position.line, h.position.character, str(h.label)) for h in got or []]


def definitions(repo: Path, rel: str) -> dict[str, int]:
    """Each definition's qualified name -> its tokens, as the index holds them."""
    with Index(repo, Settings()) as idx:
        return {d.qualified: d.tokens for d in idx.definitions(rel)}


def expected(repo: Path, rel: str, least: int, ends: dict[str, str] | None = None
             ) -> list[tuple[int, int, str]]:
    """The hints the index's figures call for: after the lines of ``ends`` (default
    :data:`SIGNATURE_ENDS`), for definitions of at least ``least`` tokens."""
    ends = ends or SIGNATURE_ENDS[rel]
    lines = SOURCES[rel].splitlines()
    out = []
    for name, tokens in definitions(repo, rel).items():
        if tokens < least:
            continue
        row = lines.index(ends[name])  # KeyError: a hint nobody expected
        out.append((row, len(lines[row]), f"{tokens:,} tokens"))
    return sorted(out)


@pytest.mark.parametrize("rel", sorted(SOURCES))
async def test_hints_sit_after_the_signature_of_each_large_definition(
        client: LanguageClient, repo: Path, rel: str) -> None:
    want = expected(repo, rel, 50)
    assert len(want) == len(SIGNATURE_ENDS[rel])  # every expected hint is over the threshold
    assert sorted(await hints_of(client, repo, rel)) == want


async def test_methods_get_hints_and_small_definitions_none(client: LanguageClient,
                                                            repo: Path) -> None:
    defs = definitions(repo, "app/router.py")
    # The class and its large method each get a figure; __init__ and the one-line assignments
    # are under the threshold and get none.
    assert defs["Router.url_for"] >= 50 and defs["Router"] > defs["Router.url_for"]
    assert max(defs["DEFAULT_SCHEME"], defs["TIMEOUT"], defs["Router.__init__"]) < 50
    hints = await hints_of(client, repo, "app/router.py")
    lines = ROUTER_PY.splitlines()
    hinted = {lines[row] for row, _, _ in hints}
    assert "    def url_for(" not in hinted  # not after the opening bracket, like an argument
    assert not any(line.startswith(("TIMEOUT", "DEFAULT_SCHEME")) for line in hinted)
    # Only hints whose signature ends in the requested range.
    row = lines.index("    ) -> str:")
    assert [h[0] for h in await hints_of(client, repo, "app/router.py", row, row + 1)] == [row]


async def test_the_threshold_is_a_setting(client: LanguageClient, repo: Path) -> None:
    rel = "app/router.py"
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"ctxsteward": {"inlayHintMinTokens": 0}}))

    async def every_definition() -> bool:
        return len(await hints_of(client, repo, rel)) == len(definitions(repo, rel))

    await wait_for(every_definition, what="hints on every definition")
    ends = {**SIGNATURE_ENDS[rel], "DEFAULT_SCHEME": 'DEFAULT_SCHEME = "https"',
            "TIMEOUT": "TIMEOUT = 30", "Router.__init__": "    def __init__(self, base):"}
    assert sorted(await hints_of(client, repo, rel)) == expected(repo, rel, 0, ends)


async def test_a_definition_named_with_a_token_shows_it_redacted(client: LanguageClient,
                                                                 repo: Path) -> None:
    """The tooltip names the definition; a name holding a token shows it redacted, the rest of
    the sentence as it is."""
    token = "ghp_" + "".join(f"{c}{i}" for i, c in enumerate("aBcDeFgHiJkLmNoPqRs"))[:36]
    rel = "app/leak.py"
    body = "\n".join(f"    total = total + {i} * {i} - {i} // 2" for i in range(30))
    text = f"def load_{token}(total):\n{body}\n    return total\n"
    (repo / rel).write_text(text)
    uri = open_doc(client, repo / rel, "python")
    got = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0),
                          end=types.Position(line=40, character=0))))
    tips = [str(h.tooltip) for h in got or []]
    assert len(tips) == 1 and token not in tips[0]
    assert tips[0].startswith("load_[redacted: GitHub Token] (function, lines 1–32): ")
    assert " tokens, " in tips[0] and tips[0].endswith(" context window")
