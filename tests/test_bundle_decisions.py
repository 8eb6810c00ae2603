"""A bundle's recent decisions: the commits that changed its core files (subject, the body's
first lines, the ids they name) and the handoff note's Decisions and Open questions, in every
format and over MCP, secrets redacted, within their share of the budget."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from gitutil import commit, make_repo, run_cli
from lsp_client import start, stop, wait_for, wait_indexed
from lsprotocol import types
from mcp_client import data, session

from analyzers.app.errors import PathRefused
from analyzers.app.requests import BundleRequest
from analyzers.app.workspace import Workspace
from analyzers.bundles.assemble import make_bundle
from analyzers.bundles.decisions import mentions, recent_decisions
from analyzers.bundles.rank import RankQuery, rank
from analyzers.config import Settings
from analyzers.indexing.index import Index, build
from server.lsp.args import plain

DAY = 86_400
OLD = 1_400_000_000  # 2014: far from the wall clock, so the window follows the newest commit
CACHE = ('"""The token cache."""\n\n\ndef load_token_cache(path):\n'
         '    return [line for line in open(path)]\n')
SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"  # a GitHub token's shape
DECISION = ("Store the token cache as JSON lines (#42)\n\n"
            "We chose JSON lines over pickle: pickle is unsafe to load from a shared folder.\n"
            "Rejected: sqlite, too heavy for one file. Fixes PROJ-7.\n"
            f"Deployed with token {SECRET}\n"
            "A fourth body line that is not kept.\n\n"
            "Signed-off-by: Test Author <author@example.com>\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo")
    commit(root, "Start the cache module (GH-3)", {"cache/tokens.py": CACHE,
                                                   "cache/__init__.py": "",
                                                   "other/unrelated.py": "X = 1\n"}, when=OLD)
    commit(root, "Old change outside the window", {"cache/tokens.py": CACHE + "\n# v2\n"},
           when=OLD + 10 * DAY)
    commit(root, "Tweak unrelated", {"other/unrelated.py": "X = 2\n"}, when=OLD + 50 * DAY)
    commit(root, DECISION, {"cache/tokens.py": CACHE + "\n# json lines\n"},
           when=OLD + 60 * DAY)
    commit(root, "Newest commit, elsewhere", {"other/unrelated.py": "X = 3\n"},
           when=OLD + 70 * DAY)
    return root


def _bundle(repo: Path, *extra: str, fmt: str = "json") -> str:
    proc = run_cli("bundle", "--seed", "cache/tokens.py", "--task", "token cache format",
                   "--format", fmt, *extra, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_a_commit_body_with_a_decision_is_in_the_json_with_its_ids_and_no_secret(
        repo: Path) -> None:
    out = json.loads(_bundle(repo))
    commits = [d for d in out["decisions"]
               if d["kind"] == "commit" and "cache/tokens.py" in d["files"]]
    # The window is the 30 days before the newest commit (day 70): day 60 is in, day 10 is not.
    assert [d["text"].splitlines()[0] for d in commits] == [
        "Store the token cache as JSON lines (#42)"]
    d = commits[0]
    assert d["files"] == ["cache/tokens.py"] and d["date"] == "2014-07-12"
    assert d["mentions"] == ["#42", "PROJ-7"]
    assert "We chose JSON lines over pickle" in d["text"]
    assert "fourth body line" not in d["text"] and "Signed-off-by" not in d["text"]
    assert SECRET not in json.dumps(out) and "[redacted:" in d["text"]
    assert len(d["ref"]) == 10


def test_markdown_and_xml_carry_the_section_and_stay_within_the_budget(repo: Path) -> None:
    md = _bundle(repo, "--budget", "3000", fmt="markdown")
    section = md.split("## Recent decisions\n", 1)[1].split("\n## ", 1)[0]
    assert "Store the token cache as JSON lines (#42)" in section
    assert "(2014-07-12; cache/tokens.py)" in section and SECRET not in md
    xml = _bundle(repo, "--budget", "3000", fmt="xml")
    doc = ET.fromstring(xml)
    decision = next(d for d in doc.iterfind("decisions/decision")
                    if d.get("files") == "cache/tokens.py")
    assert decision.get("kind") == "commit"
    assert "pickle is unsafe" in (decision.text or "") and SECRET not in xml
    assert doc.find("document") is not None  # the code is still there
    for text in (md, xml):
        counted = json.loads(_bundle(repo, "--budget", "3000"))
        assert counted["total_tokens"] <= 3000 and text


def test_the_share_bounds_the_section_and_zero_turns_it_off(repo: Path) -> None:
    assert json.loads(_bundle(repo, "--decisions-share", "0"))["decisions"] == []
    assert "## Recent decisions" not in _bundle(repo, "--decisions-share", "0", fmt="markdown")
    # 1% of 3,000 tokens holds no decision at all: none is cut in half.
    tiny = json.loads(_bundle(repo, "--budget", "3000", "--decisions-share", "0.01"))
    assert tiny["decisions"] == []
    bad = run_cli("bundle", "--task", "token cache", "--decisions-share", "0.9", cwd=repo)
    assert bad.returncode != 0 and "--decisions-share" in bad.stderr


def test_the_handoff_notes_decisions_come_when_it_names_a_core_file(repo: Path) -> None:
    note = ("# Handoff\n\n<!-- ctxsteward:generated:begin summary -->\n"
            "<!-- ctxsteward:generated:end summary -->\n\n## Goal\n\nFaster loads.\n\n"
            "## Decisions\n\n- `cache/tokens.py` keeps JSON lines; rejected: msgpack.\n\n"
            "## Open questions\n\n- Compress the cache file?\n")
    (repo / "HANDOFF.md").write_text(note)
    out = json.loads(_bundle(repo))
    kinds = {d["kind"]: d for d in out["decisions"]}
    assert "rejected: msgpack" in kinds["handoff-decisions"]["text"]
    assert kinds["handoff-decisions"]["ref"] == "HANDOFF.md#decisions"
    assert kinds["handoff-open-questions"]["text"] == "- Compress the cache file?"
    assert kinds["handoff-decisions"]["files"] == ["cache/tokens.py"]
    # A note that names none of the bundle's files says nothing about them.
    (repo / "HANDOFF.md").write_text(note.replace("`cache/tokens.py` keeps", "It keeps"))
    out = json.loads(_bundle(repo))
    assert {d["kind"] for d in out["decisions"]} == {"commit"}


def test_a_secret_in_the_notes_decisions_is_never_an_id_either(repo: Path) -> None:
    """The section's ids were read from the unmasked text: ``password=QZSTAGE-884211`` came
    back masked in ``text`` and whole in ``mentions`` (helper-76). A value in a path the note
    names (``backups/DB_PASSWORD=…/``) is masked too."""
    note = ("# Handoff\n\n<!-- ctxsteward:generated:begin summary -->\n"
            "<!-- ctxsteward:generated:end summary -->\n\n## Goal\n\nFaster loads.\n\n"
            "## Decisions\n\n- `cache/tokens.py` reads password=QZSTAGE-884211 from the vault\n"
            "- dumps go to backups/DB_PASSWORD=Lm4Np8Qr2St6/ (#42)\n")
    (repo / "HANDOFF.md").write_text(note)
    try:
        out = _bundle(repo)
        decided = {d["kind"]: d for d in json.loads(out)["decisions"]}["handoff-decisions"]
        assert "QZSTAGE" not in out and "884211" not in out and "Lm4Np8Qr2St6" not in out, out
        assert decided["mentions"] == ["#42"], decided
        assert "backups/DB_PASSWORD=[redacted: " in decided["text"], decided
    finally:
        (repo / "HANDOFF.md").unlink()


def test_recent_decisions_is_one_call_for_any_edge(repo: Path) -> None:
    build(repo, Settings())
    with Index(repo, Settings()) as index:
        found = recent_decisions(index, ["cache/tokens.py", "other/unrelated.py"])
        assert [d.text.splitlines()[0] for d in found] == [
            "Newest commit, elsewhere", "Store the token cache as JSON lines (#42)",
            "Tweak unrelated"]
        # As of day 12, the window holds the first two commits only.
        early = recent_decisions(index, ["cache/tokens.py"], as_of=OLD + 12 * DAY)
        assert [d.mentions for d in early] == [[], ["GH-3"]]
        fewer = recent_decisions(index, ["cache/tokens.py", "other/unrelated.py"],
                                 Settings(decisions_commits=1))
        assert len(fewer) == 1
    # The edges' way in: the application layer's snapshot, paths checked as every request's.
    with Workspace(repo, Settings()).snapshot() as snap:
        lines = [d.line() for d in snap.decisions(["cache/tokens.py"])]
        assert lines[0].startswith("2014-07-12 `")
        assert lines[0].endswith(": Store the token cache as JSON lines (#42)")
        with pytest.raises(PathRefused):
            snap.decisions(["../outside.py"])


def test_ids_named_in_messages() -> None:
    assert mentions("Fixes #12, see GH-3 and !45; JIRA-123 (UTF-8, ISO-8859-1) a/#9") == [
        "#12", "GH-3", "!45", "JIRA-123"]


@pytest.fixture
def log(tmp_path: Path):  # noqa: ANN201 - a text file
    with (tmp_path / "server.log").open("w+") as f:
        yield f


async def test_the_mcp_bundle_tool_carries_the_decisions(repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        result = await s.call_tool("suggest_bundle", {"seeds": ["cache/tokens.py"],
                                                      "task": "token cache format"})
        answer = data(result)
        # The section is in the document every format of the answer carries ("rendered").
        section = answer["rendered"].split("## Recent decisions\n", 1)[1].split("\n## ", 1)[0]
        assert "(2014-07-12; cache/tokens.py): Store the token cache as JSON lines (#42)" \
            in section
        assert SECRET not in json.dumps(answer) and "[redacted:" in section
        xml = data(await s.call_tool("suggest_bundle", {"seeds": ["cache/tokens.py"],
                                                        "format": "xml"}))
        assert '<decision kind="commit"' in xml["rendered"]
        off = data(await s.call_tool("suggest_bundle", {"seeds": ["cache/tokens.py"],
                                                        "decisions_share": 0}))
        assert "Recent decisions" not in off["rendered"]


async def _lsp_session(root: Path) -> Any:
    """An LSP client on a new server on ``root``, recording ``ctxsteward/bundle``, once
    indexed."""
    client = await start(root)
    client.changes = []

    @client.feature("ctxsteward/bundle")
    def on_bundle(params: Any) -> None:
        client.changes.append(plain(params))

    await wait_indexed(client)
    return client


async def test_the_lsp_bundle_view_carries_the_decisions_and_keeps_them_on_restart(
        repo: Path) -> None:
    first = await _lsp_session(repo)
    try:
        made = plain(await first.workspace_execute_command_async(types.ExecuteCommandParams(
            command="ctxsteward.suggestBundle",
            arguments=[{"uri": (repo / "cache/tokens.py").as_uri(),
                        "task": "token cache format"}])))
        change = await wait_for(lambda: next(
            (c for c in first.changes if c["cause"] == "suggest"), None), 10, "the suggestion")
    finally:
        await stop(first)
    # The view the editor gets (the answer and the notification) holds the decision, as JSON
    # bundles do: subject, body lines, ids, the file it touched; no secret.
    assert change["bundle"] == made
    commit = next(d for d in made["decisions"] if "JSON lines" in d["text"])
    assert commit["kind"] == "commit" and commit["date"] == "2014-07-12"
    assert commit["text"].startswith("Store the token cache as JSON lines (#42)\nWe chose")
    assert commit["files"] == ["cache/tokens.py"] and commit["mentions"] == ["#42", "PROJ-7"]
    assert len(commit["ref"]) == 10 and "[redacted:" in commit["text"]
    assert SECRET not in json.dumps(change)
    # A new server restores the bundle with its decisions (recomputed from the index).
    second = await _lsp_session(repo)
    try:
        restored = await wait_for(lambda: next(
            (c for c in second.changes if c["cause"] == "restore"), None), 30, "the restore")
    finally:
        await stop(second)
    assert restored["bundle"]["decisions"] == made["decisions"]


# -- design documents ---------------------------------------------------------------------------

def _filler(title: str, n: int = 60) -> str:
    return f"## {title}\n\n" + "".join(
        f"Paragraph {i} about {title.lower()} and nothing of the kind asked for here.\n"
        for i in range(n)) + "\n"


def test_an_adr_linked_to_code_is_ranked_focused_on_its_section_with_its_reason(
        tmp_path: Path) -> None:
    adr = ("# Token cache format\n\nStatus: accepted.\n\n" + _filler("Context")
           + "## Decision\n\nThe token cache in `cache/tokens.py` is stored as JSON lines, "
           "one entry per line, never pickled.\n\n" + _filler("Alternatives considered"))
    repo = make_repo(tmp_path / "repo", {
        "cache/__init__.py": "", "cache/tokens.py": CACHE,
        "docs/adr/0007-token-cache.md": adr,
        "CHANGELOG.md": "# Changelog\n\n## 1.2\n\n- token cache stored as JSON lines "
                        "in `cache/tokens.py`\n",
        "other/unrelated.py": "X = 1\n"})
    out = json.loads(run_cli("bundle", "--seed", "cache/tokens.py", "--task",
                             "change the token cache format", "--budget", "4000",
                             "--format", "json", cwd=repo).stdout)
    items = {i["path"]: i for i in out["items"]}
    doc = items["docs/adr/0007-token-cache.md"]
    assert doc["reasons"][0] == "ADR 0007: Token cache format; links `cache/tokens.py`"
    # Only its relevant sections: its title and the Decision, not the long Context or
    # Alternatives.
    assert doc["granularity"] == "symbols"
    assert doc["symbols"] == ["Token cache format", "Decision"]
    lines = adr.splitlines()
    assert [lines[a - 1] for a, _ in doc["ranges"]] == ["# Token cache format", "## Decision"]
    ranked = [i["path"] for i in out["items"]]
    if "CHANGELOG.md" in ranked:  # a changelog is not a design document: it ranks below
        assert ranked.index("CHANGELOG.md") > ranked.index("docs/adr/0007-token-cache.md")


def test_a_readme_reason_names_the_section_shown_and_calls_it_documentation(
        tmp_path: Path) -> None:
    """A README linked to the code is documentation, not a design doc, and its reason names the
    section the bundle shows, not the README's first heading ("Table of Contents"). A document
    under docs/design/ is a design doc."""
    readme = ("# Table of Contents\n\n- Install\n- Cache order\n\n" + _filler("Install")
              + "## Cache order of precedence\n\nThe token cache in `cache/tokens.py` is read "
              "first, then the defaults.\n\n" + _filler("Browser support"))
    design = ("# Token cache design\n\nWhy `cache/tokens.py` keeps JSON lines: the token "
              "cache format stays readable.\n")
    repo = make_repo(tmp_path / "repo", {
        "cache/__init__.py": "", "cache/tokens.py": CACHE, "README.md": readme,
        "docs/design/token-cache.md": design, "other/unrelated.py": "X = 1\n"})
    out = json.loads(run_cli("bundle", "--seed", "cache/tokens.py", "--task",
                             "change the token cache order", "--budget", "4000",
                             "--format", "json", cwd=repo).stdout)
    items = {i["path"]: i for i in out["items"]}
    doc = items["README.md"]
    assert "Cache order of precedence" in doc["symbols"], doc
    assert doc["reasons"][0] == ("documentation, section \u201cCache order of precedence\u201d; "
                                 "links `cache/tokens.py`")
    assert items["docs/design/token-cache.md"]["reasons"][0] == \
        "design doc \u201cToken cache design\u201d; links `cache/tokens.py`"



def _readme_repo(tmp_path: Path, readme: str) -> Path:
    """A repository of the token cache, a README about it, and an unrelated file."""
    return make_repo(tmp_path / "repo", {
        "cache/__init__.py": "", "cache/tokens.py": CACHE, "README.md": readme,
        "other/unrelated.py": "X = 1\n"})

def test_a_readme_reason_names_the_section_the_task_matches_best(tmp_path: Path) -> None:
    """The section linking the code ranks first among a README's relevant ones, but the task
    is about another: the reason names the one its words match best (title and text), which
    the bundle shows."""
    readme = ("# Widget\n\n" + _filler("Install")
              + "## Configuration\n\nThe token cache in `cache/tokens.py` is read first, then "
              "the defaults.\n\n" + _filler("Browser support")
              + "## Token expiry and restart\n\nEach token expires after an hour; a restart "
              "keeps the expiry, so a token is never renewed early.\n\n" + _filler("License"))
    repo = _readme_repo(tmp_path, readme)
    out = json.loads(run_cli("bundle", "--seed", "cache/tokens.py", "--task",
                             "token expiry is wrong after a restart", "--budget", "4000",
                             "--format", "json", cwd=repo).stdout)
    doc = {i["path"]: i for i in out["items"]}["README.md"]
    assert "Token expiry and restart" in doc["symbols"], doc
    assert doc["reasons"][0] == ("documentation, section \u201cToken expiry and restart\u201d; "
                                 "links `cache/tokens.py`")


def test_a_readme_reason_names_a_section_too_large_to_show_only_marked(tmp_path: Path) -> None:
    """The section the task's words match best is too large to show (the README goes in as an
    outline of its headings): the reason naming it says it is only partly shown, in the JSON
    and in the document; a section shown whole is named unmarked."""
    expiry = "".join(f"Token expiry rule {i}: a restart keeps expiry {i} for region {i} of the "
                     "cluster fleet.\n" for i in range(400))
    readme = ("# Widget\n\n" + _filler("Install")
              + "## Configuration\n\nThe token cache in `cache/tokens.py` is read first, then "
              "the defaults.\n\n" + _filler("Browser support")
              + "## Token expiry and restart\n\n" + expiry + "\n" + _filler("License"))
    repo = _readme_repo(tmp_path, readme)
    lines = readme.splitlines()
    first = lines.index("## Token expiry and restart") + 1
    last = lines.index("## License")
    task = "token expiry is wrong after a restart"
    build(repo)
    for budget in (2000, 6000):
        with Index(repo) as index:
            made = make_bundle(index, BundleRequest(task=task, seeds=["cache/tokens.py"],
                                                    budget=budget))
        doc = next(i for i in made.bundle.items if i.path == "README.md")
        shown = sum(1 for ln in range(first, last + 1)
                    if any(a <= ln <= b for a, b in doc.ranges))
        assert shown < last - first + 1, doc.ranges  # too large to show whole
        assert doc.reasons[0] == ("documentation, section \u201cToken expiry and restart\u201d"
                                  f" ({'partly' if shown else 'not'} shown); links "
                                  "`cache/tokens.py`"), doc
    document = made.rendered
    assert "\u201cToken expiry and restart\u201d (partly shown)" in document


def test_a_reason_names_the_section_meant_of_two_with_one_title(tmp_path: Path) -> None:
    """A README has two "Configuration" sections (under "Server", a long one, and under
    "Client"): the task's words match the Client's, which the bundle shows whole, so the
    reason naming "Configuration" is not marked "not shown" (the Server's is not the one meant).
    """
    server = "".join(f"Server option {i}: the listen port {i} of the daemon process.\n"
                     for i in range(150))
    readme = ("# Widget\n\n## Server\n\n### Configuration\n\n" + server
              + "\n## Client\n\n### Configuration\n\nThe client reads its token cache from "
              "`cache/tokens.py`; the retry timeout doubles after each failure.\n\n"
              + _filler("License"))
    repo = _readme_repo(tmp_path, readme)
    lines = readme.splitlines()
    first = lines.index("## Client") + 3
    last = lines.index("## License")
    assert lines[first - 1] == "### Configuration"
    build(repo)
    with Index(repo) as index:
        made = make_bundle(index, BundleRequest(task="the client retry timeout is wrong",
                                                seeds=["cache/tokens.py"], budget=4000))
    doc = next(i for i in made.bundle.items if i.path == "README.md")
    assert all(any(a <= ln <= b for a, b in doc.ranges) for ln in range(first, last)), doc
    assert doc.reasons[0] == ("documentation, section \u201cConfiguration\u201d; links "
                              "`cache/tokens.py`"), doc


def test_the_schema_publishes_the_field_and_a_saved_bundle_keeps_it_out_of_verify(
        repo: Path) -> None:
    schema = json.loads(run_cli("schema", "bundle", cwd=repo).stdout)
    assert "decisions" in schema["properties"]
    assert set(schema["$defs"]["DecisionEntry"]["required"]) >= {"kind", "ref", "date", "text",
                                                                 "files"}
    _bundle(repo, "--save", "why")
    saved = json.loads((repo / ".ctxsteward/bundles/why.json").read_text())
    assert any(d["mentions"] == ["#42", "PROJ-7"] for d in saved["bundle"]["decisions"])
    # verify checks the content the agent saw; history is not content: a new commit is not a
    # change to the bundle.
    commit(repo, "A later decision", {"cache/README.txt": "JSON lines.\n"}, when=OLD + 71 * DAY)
    verified = run_cli("bundle", "--verify", "why", cwd=repo)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "0 changed, 0 vanished" in verified.stdout


def test_the_notes_sections_are_read_as_the_handoff_parser_reads_them(repo: Path) -> None:
    """The bundle reads the note without the handoff package (it loads pydantic): the same
    sections as its parser, on the documented example note."""
    from analyzers.bundles.decisions import note_sections
    from analyzers.handoff.markdown import parse_note

    doc = (Path(__file__).resolve().parent.parent / "docs/handoff.md").read_text("utf-8")
    start = doc.index("````markdown\n") + len("````markdown\n")
    note = doc[start:doc.index("\n````", start)]
    assert parse_note(note).ok
    human = parse_note(note).human
    ours = note_sections(note)
    assert ours == {"decisions": human.decisions, "open_questions": human.open_questions}
    assert "Rejected: prefixing" in ours["decisions"]


def test_a_block_whose_marker_records_its_digest_is_not_read_as_a_section() -> None:
    """A begin marker with its digest (``sha=``, as ``ctxsteward handoff`` writes them) was not
    taken for a marker: the block's lines after a Decisions section were read as decisions."""
    from analyzers.bundles.decisions import note_sections
    from analyzers.handoff.markdown import END, begin_marker, parse_note

    note = (f"## Decisions\n\nUse JSON lines.\n\n{begin_marker('work', 'GENERATED LINE')}\n"
            f"GENERATED LINE\n{END.format('work')}\n")
    assert note_sections(note)["decisions"] == parse_note(note).human.decisions == \
        "Use JSON lines."


def test_an_adr_reason_says_its_number_once() -> None:
    """"ADR 0007: ADR 0007: Token cache" and "ADR 0008: 8. Content keys" were the reasons of
    titles that say their own number; another number in a title stays."""
    from analyzers.bundles.docsections import doc_reason
    from analyzers.syntax import Definition

    def reason(path: str, title: str) -> str:
        heading = Definition(title, "section", 1, 3, 1, 0, title)
        return doc_reason(path, [f"# {title}\n", "text\n", "more\n"], [heading], [])

    assert reason("docs/adr/0007-token-cache.md", "ADR 0007: Token cache format") == \
        "ADR 0007: Token cache format"
    assert reason("docs/adr/0008-content-keys.md", "8. Content keys") == "ADR 0008: Content keys"
    assert reason("docs/adr/0009-plan.md", "2024 plan") == "ADR 0009: 2024 plan"


def test_a_design_doc_in_an_api_folder_is_not_generated_reference() -> None:
    """"The API design doc" lives in docs/api/ as often as generated reference does: a folder
    named api/ alone does not demote it; autodoc and typedoc output folders do."""
    from analyzers.bundles.docsections import is_design_doc, is_release_history

    for path in ("docs/api/design.md", "src/api/README.md", "docs/api/auth.rst"):
        assert is_design_doc(path) and not is_release_history(path), path
    for path in ("docs/_autosummary/pkg.mod.rst", "docs/api-reference/index.md",
                 "docs/typedoc/classes.md", "CHANGELOG.md", "docs/changes.rst"):
        assert is_release_history(path), path


def test_a_demoted_changelog_says_so_for_a_task_alone(tmp_path: Path) -> None:
    """The changelog's demotion (a task alone) shows in its reasons, as a lock file's does; with
    a seed it keeps its place and says nothing of the kind."""
    root = make_repo(tmp_path / "r", {
        "src/cache/tokens.py": "def load_cache(path):\n    return path\n",
        "CHANGELOG.md": "# Changelog\n\n- token cache format changed\n",
    }, commits=[("token cache: keep the format", {
        "src/cache/tokens.py": "def load_cache(path):\n    return str(path)\n",
        "CHANGELOG.md": "# Changelog\n\n- token cache format changed again\n"})])
    build(root)
    with Index(root) as index:
        alone = {r.path: r for r in rank(index, RankQuery(task="token cache format"))}
        seeded = {r.path: r for r in rank(index, RankQuery(seeds=["src/cache/tokens.py"],
                                                           task="token cache format"))}
    assert any("(demoted)" in r for r in alone["CHANGELOG.md"].reasons), alone["CHANGELOG.md"]
    assert not any("(demoted)" in r for r in seeded["CHANGELOG.md"].reasons)


def test_merges_bumps_bots_and_punctuation_are_no_decisions(tmp_path: Path) -> None:
    """A recent decisions section lists what people decided: not a merge's subject (a squash or
    fast-forward keeps "Merge pull request ...", GitHub's "Merge commit from fork"), a
    dependency bump (Dependabot's, Renovate's, pre-commit.ci's words), a bot's commit whatever
    its subject, a subject of punctuation alone, nor a squash-merge's ``---------`` body line.
    Those left out do not take the places of the decisions: ``decisions_commits`` of these are
    shown. The per-file "recent decision" line skips them too (by subject)."""
    from gitutil import git

    from analyzers.bundles.decisions import latest_per_file

    root = make_repo(tmp_path / "repo")
    when = iter(range(OLD, OLD + 100 * DAY, DAY))
    commit(root, "Start the cache module", {"cache/tokens.py": CACHE}, when=next(when))
    (root / "cache/tokens.py").write_text(CACHE + "\n# bot\n")
    git("commit", "-q", "-a", "--author", "github-actions[bot] <bot@example.com>",
        "-m", "chore(release): v1.2.0", cwd=root, when=next(when))
    for k in range(3):
        commit(root, f"Cache decision {k}: keep the file open\n\n* first part\n\n---------\n\n"
               "Co-authored-by: A <a@example.com>",
               {"cache/tokens.py": CACHE + f"\n# {k}\n"}, when=next(when))
    noise = ["Merge pull request #5 from someone/branch", "Merge commit from fork",
             "Bump actions/checkout from 3 to 4", "build(deps): bump requests to 2.32",
             "Bump the pip group across 1 directory with 2 updates",
             "Update dependency pytest to v8", "[pre-commit.ci] pre-commit autoupdate",
             "---------"]
    for k, subject in enumerate(noise):
        commit(root, subject, {"cache/tokens.py": CACHE + f"\n# noise {k}\n"}, when=next(when))
    build(root, Settings())
    with Index(root, Settings()) as index:
        found = recent_decisions(index, ["cache/tokens.py"], Settings(decisions_commits=3))
        assert [d.text for d in found] == [
            f"Cache decision {k}: keep the file open\n* first part" for k in (2, 1, 0)]
        assert [d.text.partition(":")[0] for d in recent_decisions(index, ["cache/tokens.py"])
                ] == ["Cache decision 2", "Cache decision 1", "Cache decision 0",
                      "Start the cache module"]
        line = latest_per_file(index, ["cache/tokens.py"])["cache/tokens.py"]
        assert line.endswith(": Cache decision 2: keep the file open"), line
