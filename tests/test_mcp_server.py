"""The MCP server end to end: the real ``ctxsteward mcp`` over stdio, driven by the SDK's own
client, on git repositories (and a plain folder) built here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gitutil import commit, make_folder, make_repo, run_cli, snapshot, write_files
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult, ListToolsResult, TextResourceContents
from mcp_client import data, session, structured_json, text

from analyzers.config import Settings
from analyzers.tokens import Counter

TOOLS = {"suggest_bundle", "verify_bundle", "find_context", "token_budget", "check_instructions",
         "handoff"}
COUNT = Counter("cl100k_base", Settings().model_profile()).count


def answer_size(result: CallToolResult) -> int:
    """An answer's tokens as a model is handed it: the text, or the JSON of the structured
    content (Claude Code and Codex hand that alone), whichever is larger."""
    return max(COUNT(text(result)), COUNT(structured_json(result)))

UTIL = '''\
def parse_header(line):
    """Split 'Name: value' into its two parts."""
    name, _, value = line.partition(":")
    return name.strip(), value.strip()


def format_header(name, value):
    return f"{name}: {value}"
'''

MAIN = '''\
from app.util import parse_header
from app.tables_a import lookup_a
from app.tables_b import lookup_b
from app.tables_c import lookup_c


def handle(lines):
    out = dict(parse_header(line) for line in lines)
    return lookup_a(out) or lookup_b(out) or lookup_c(out)
'''


def table(name: str, n: int = 120) -> str:
    """A module of ``n`` small functions plus ``lookup_<name>`` (roughly 20 tokens a function)."""
    body = "".join(f"def {name}_rule_{i}(value):\n    return value.get('k{i}', {i} * 7)\n\n\n"
                   for i in range(n))
    return body + f"def lookup_{name}(headers):\n    return {name}_rule_0(headers)\n"


CLAUDE = """\
# Project rules

Header parsing lives in `app/util.py`; the old parser was `app/legacy_parser.py`.
"""

AGENTS = """\
# Agents

Run `pytest` before committing. Keep `app/main.py` small.
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "CLAUDE.md").write_text("# Parent folder rule\n\nAlways answer in English.\n")
    root = make_repo(tmp_path / "repo", {
        "app/__init__.py": "",
        "app/util.py": UTIL,
        "app/main.py": "from app.util import parse_header\n\n\ndef handle(lines):\n"
                       "    return dict(parse_header(line) for line in lines)\n",
        "app/other.py": "def weather_report():\n    return 'sunny'\n",
        "app/tables_a.py": table("a"), "app/tables_b.py": table("b"), "app/tables_c.py": table("c"),
        "tests/test_util.py": "from app.util import parse_header\n\n\n"
                              "def test_parse_header():\n"
                              "    assert parse_header('A: b') == ('A', 'b')\n",
        "CLAUDE.md": CLAUDE,
        "AGENTS.md": AGENTS,
        ".env": "API_KEY=sk-live-0123456789abcdef\n",
    })
    commit(root, "handle several tables", {"app/main.py": MAIN, "app/util.py": UTIL + "\n"})
    return root


@pytest.fixture
def log(tmp_path: Path):  # noqa: ANN201 - a text file
    with (tmp_path / "server.log").open("w+") as f:
        yield f


async def test_lists_tools_resources_and_prompts_within_the_tool_budget(
        repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        listed = await s.list_tools()
        assert {t.name for t in listed.tools} == TOOLS
        for t in listed.tools:
            assert t.description and t.input_schema["type"] == "object"
            assert t.output_schema is not None and t.output_schema["type"] == "object"
            assert "tokens" in t.output_schema["properties"]
        wire = ListToolsResult(tools=listed.tools).model_dump_json(by_alias=True,
                                                                   exclude_none=True)
        assert COUNT(wire) <= 1500
        by_name = {t.name: t for t in listed.tools}
        assert by_name["suggest_bundle"].input_schema["properties"]["budget"]["minimum"] == 500
        assert by_name["find_context"].input_schema["required"] == ["query"]

        templates = await s.list_resource_templates()
        assert [t.uri_template for t in templates.resource_templates] == [
            "ctxsteward://bundles/{name}"]
        resources = await s.list_resources()
        assert "ctxsteward://handoff" in {r.uri for r in resources.resources}

        prompts = await s.list_prompts()
        assert [p.name for p in prompts.prompts] == ["start-task"]
        assert [(a.name, a.required) for a in prompts.prompts[0].arguments or []] == [
            ("task", True)]

    proc = run_cli("mcp", "--root", str(repo), "--print-tool-cost", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    figure = int(proc.stdout.split()[1].replace(",", ""))
    assert proc.stdout.startswith("tools/list: ") and 0 < figure <= 1500
    assert all(name in proc.stdout for name in TOOLS)


async def test_suggest_bundle_holds_what_the_seed_imports_and_verify_sees_an_edit(
        repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        result = await s.call_tool("suggest_bundle", {"seeds": ["app/main.py"], "save": "work"})
        answer = data(result)
        paths = [i["path"] for i in answer["items"]]
        assert paths[0] == "app/main.py"
        assert "app/util.py" in paths
        util = next(i for i in answer["items"] if i["path"] == "app/util.py")
        assert any("parse_header" in r for r in util["reasons"])
        assert "def parse_header(line):" in answer["rendered"]
        assert "def parse_header(line):" in text(result)
        assert answer["tokens"] <= 8000 and answer["saved"] == "ctxsteward://bundles/work"
        assert ".env" not in paths

        listed = await s.list_resources()
        assert "ctxsteward://bundles/work" in {r.uri for r in listed.resources}
        saved = await s.read_resource("ctxsteward://bundles/work")
        content = saved.contents[0]
        assert isinstance(content, TextResourceContents)
        assert json.loads(content.text)["bundle"]["items"][0]["path"] == "app/main.py"

        clean = data(await s.call_tool("verify_bundle", {"name": "work"}))
        assert clean["changed"] == 0 and clean["vanished"] == 0
        assert clean["unchanged"] == len(answer["items"])

        edited = UTIL.replace("return name.strip(), value.strip()",
                              "return name.strip().lower(), value.strip()")
        write_files(repo, {"app/util.py": edited + "\n"})
        report = data(await s.call_tool("verify_bundle", {"name": "work"}))
        assert report["changed"] == 1
        assert report["items"][0] == {"path": "app/util.py", "status": "changed",
                                      "detail": "the lines the agent saw differ now"}
        assert "changed: app/util.py" in text(await s.call_tool("verify_bundle",
                                                                {"name": "work"}))


async def test_answers_stay_within_the_budget_and_say_what_they_left_out(
        repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        for fmt in ("markdown", "xml", "json"):
            result = await s.call_tool("suggest_bundle", {
                "seeds": ["app/main.py"], "budget": 600, "format": fmt})
            answer = data(result)
            assert answer_size(result) <= 600  # the whole answer, each channel a client reads
            assert answer["tokens"] == answer_size(result)
            assert COUNT(answer["rendered"]) <= answer["document_budget"] < 600
            shown = {i["path"] for i in answer["items"]}
            dropped = {o["path"] for o in answer["left_out"] if o["why"].startswith("did not fit")}
            tables = {"app/tables_a.py", "app/tables_b.py", "app/tables_c.py"}
            assert dropped and len(tables - shown - dropped) <= answer["more_left_out"], answer
            if fmt == "markdown":
                assert "Left out (did not fit):" in text(result)
            if fmt == "xml":
                assert answer["rendered"].startswith("<documents>")
            if fmt == "json":
                assert json.loads(text(result)) == answer

        big = await s.call_tool("suggest_bundle", {"seeds": ["app/main.py"], "budget": 20000})
        assert {"app/tables_a.py", "app/tables_b.py", "app/tables_c.py"} <= {
            i["path"] for i in data(big)["items"]}


def header_table(name: str, n: int) -> str:
    """A module of ``n`` functions each matching the task "parse header tables" (about 33 tokens
    a function), plus ``lookup_<name>``."""
    body = "".join(f"def parse_{name}_header_{i}(value):\n"
                   f'    """Parse header table entry {i} of {name}."""\n'
                   f"    return value.get('k{i}', {i} * 7)\n\n\n" for i in range(n))
    return body + f"def lookup_{name}(headers):\n    return parse_{name}_header_0(headers)\n"


@pytest.fixture
def large_repo(tmp_path: Path) -> Path:
    """A repository larger than the largest budget asked below: ``app/main.py`` calls eight
    table modules of about 5,000 tokens each, whose every function matches the task, and two
    commits change them together."""
    names = "abcdefgh"
    main = "from app.util import parse_header\n" + "".join(
        f"from app.tables_{n} import lookup_{n}\n" for n in names) + (
        "\n\ndef handle(lines):\n    out = dict(parse_header(line) for line in lines)\n"
        "    return " + " or ".join(f"lookup_{n}(out)" for n in names) + "\n")
    root = make_repo(tmp_path / "large", {
        "app/__init__.py": "", "app/util.py": UTIL, "app/main.py": main,
        **{f"app/tables_{n}.py": header_table(n, 150) for n in names},
        "README.md": "# Tables\n\nHeader parsing and the lookup tables it feeds.\n"})
    commit(root, "parse header tables in order", {
        "app/main.py": main + "\n", **{f"app/tables_{n}.py": header_table(n, 151) for n in names}})
    return root


async def test_the_whole_answer_fits_its_budget_in_every_format(
        large_repo: Path, log: object) -> None:
    """The budget bounds the whole answer, as a model is handed it (the text, or the JSON of
    the structured content with each item's reasons and the left-out list), not only the
    document: on click, answers were 69-107% over a 1,000-token budget and 30% over 16,000.
    The document comes first: it takes most of the answer, the lists what is left."""
    args = {"seeds": ["app/main.py"], "task": "parse header tables"}
    async with session(large_repo, log) as s:  # type: ignore[arg-type]
        for budget in (1000, 4000, 16000):
            for fmt in ("markdown", "xml", "json"):
                result = await s.call_tool("suggest_bundle",
                                           {**args, "budget": budget, "format": fmt})
                answer = data(result)
                assert answer_size(result) <= budget, (budget, fmt, answer_size(result))
                assert answer["tokens"] == answer_size(result)
                assert COUNT(answer["rendered"]) >= budget // 2, (budget, fmt, "document")
                assert answer["left_out"], (budget, fmt, "the repository fits")
                assert all(len(i["reasons"]) <= 3 for i in answer["items"]), answer["items"]
            cli = run_cli("bundle", "--seed", "app/main.py", "--task", "parse header tables",
                          "--budget", str(answer["document_budget"]), "--format", "json",
                          cwd=large_repo)
            assert cli.returncode == 0, cli.stderr
            assert [(i["path"], i["ranges"]) for i in json.loads(cli.stdout)["items"]] == [
                (i["path"], i["ranges"]) for i in answer["items"]], budget


async def test_the_answer_shows_the_document_the_cli_packs_at_its_document_budget(
        large_repo: Path, log: object) -> None:
    """An answer packs its bundle at several budgets in one snapshot (reusing its ranking and
    the files it admitted) until the whole answer fits; its document is byte for byte the one a
    fresh ``ctxsteward bundle --budget <document_budget>`` packs, in every format."""
    args = {"seeds": ["app/main.py"], "task": "parse header tables"}
    async with session(large_repo, log) as s:  # type: ignore[arg-type]
        for budget in (1000, 4000, 16000):
            for fmt in ("markdown", "xml", "json"):
                answer = data(await s.call_tool("suggest_bundle",
                                                {**args, "budget": budget, "format": fmt}))
                cli = run_cli("bundle", "--seed", "app/main.py", "--task", "parse header tables",
                              "--budget", str(answer["document_budget"]), "--format",
                              "xml" if fmt == "xml" else "markdown", cwd=large_repo)
                assert cli.returncode == 0, cli.stderr
                assert answer["rendered"] == cli.stdout, (budget, fmt)


async def test_find_context_and_token_budget_match_the_repository(
        repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        found = data(await s.call_tool("find_context", {"query": "parse a header line",
                                                        "limit": 3}))
        assert len(found["results"]) <= 3
        # The file defining parse_header and its one caller both hold every word of the task in
        # a few lines; which comes first in this toy repository is the learned model's call.
        assert "app/util.py" in [r["path"] for r in found["results"][:2]]
        first = next(r for r in found["results"] if r["path"] == "app/util.py")
        assert first["reasons"]
        assert {"name": "parse_header", "kind": "function", "lines": [1, 4]} in \
            first["definitions"]
        assert first["tokens"] == COUNT((repo / "app/util.py").read_text())

        budget = data(await s.call_tool("token_budget", {"paths": ["app", "AGENTS.md"]}))
        app_files = [p for p in (repo / "app").iterdir() if p.is_file()]
        assert budget["paths"][0] == {"path": "app/", "files": len(app_files),
                                      "tokens": sum(COUNT(p.read_text()) for p in app_files)}
        assert budget["paths"][1]["path"] == "AGENTS.md"
        loads = {x["path"]: x for x in budget["instructions"]}
        assert loads["CLAUDE.md"]["tokens"] == COUNT(CLAUDE)
        assert "Claude Code" in loads["CLAUDE.md"]["agents"]
        assert "Codex" in loads["AGENTS.md"]["agents"]
        parent = str(repo.parent / "CLAUDE.md")
        assert loads[parent]["agents"] == ["Claude Code"]
        assert budget["instruction_tokens"] == sum(x["tokens"] for x in loads.values())

        whole = data(await s.call_tool("token_budget", {}))
        assert whole["total_tokens"] == sum(x["tokens"] for x in whole["paths"])
        assert {"path": "app/", "files": len(app_files),
                "tokens": budget["paths"][0]["tokens"]} in whole["paths"]


async def test_secret_bearing_files_are_never_listed(repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        answers = [await s.call_tool("token_budget", {}),
                   await s.call_tool("token_budget", {"paths": ["."]}),
                   await s.call_tool("find_context", {"query": "api key live", "limit": 50}),
                   await s.call_tool("suggest_bundle", {"task": "api key live", "budget": 2000})]
        for result in answers:
            assert ".env" not in text(result) and ".env" not in structured_json(result)
            assert not result.is_error
        whole = data(answers[0])
        assert whole["total_tokens"] == sum(x["tokens"] for x in whole["paths"])
        assert whole["total_tokens"] == data(answers[1])["total_tokens"]
        assert "1 secret-bearing file (by name) not counted" in whole["warnings"]
        # The refusal of the file itself stands.
        refused = await s.call_tool("token_budget", {"paths": [".env"]})
        assert refused.is_error and "may hold secrets" in text(refused)


async def test_check_instructions_and_handoff(repo: Path, log: object) -> None:
    write_files(repo, {"app/other.py": "def weather_report():\n    # TODO: add rain\n"
                                       "    return 'rainy'\n"})
    async with session(repo, log) as s:  # type: ignore[arg-type]
        checked = data(await s.call_tool("check_instructions", {}))
        assert checked["files_checked"] == 2
        stale = [p for p in checked["problems"] if p["code"] == "CS001"]
        assert stale and stale[0]["path"] == "CLAUDE.md" and "legacy_parser" in stale[0]["message"]
        assert stale[0]["line"] == 3
        only = data(await s.call_tool("check_instructions", {"paths": ["AGENTS.md"]}))
        assert only["files_checked"] == 1
        # A missing file is an error, as for `ctxsteward check nosuch.md` (exit 2), never "no
        # problems in 0 instruction files"; named as the tool was given it (relative to the
        # root, as token_budget names one), with what to do.
        missing = await s.call_tool("check_instructions", {"paths": ["nosuch.md"]})
        cli = run_cli("check", "nosuch.md", cwd=repo)
        assert cli.returncode == 2 and missing.is_error, text(missing)
        assert cli.stderr.strip() == f"ctxsteward: {repo.resolve() / 'nosuch.md'} does not exist"
        assert text(missing) == (
            "check_instructions: no such file or folder in the workspace: 'nosuch.md'; nothing "
            "was checked (check the paths, or leave them out for every instruction file)")
        both = await s.call_tool("check_instructions", {"paths": ["AGENTS.md", "nosuch.md"]})
        assert both.is_error and "'nosuch.md'; nothing was checked" in text(both)

        before = snapshot(repo)
        note = data(await s.call_tool("handoff", {}))
        assert note["written"] is False and note["path"] == "HANDOFF.md"
        assert "app/other.py" in note["note"] and "add rain" in note["note"]
        assert snapshot(repo) == before  # nothing written without write=true

        written = data(await s.call_tool("handoff", {"write": True}))
        assert written["written"] is True
        on_disk = (repo / "HANDOFF.md").read_text()
        assert written["note"] == on_disk
        resource = await s.read_resource("ctxsteward://handoff")
        content = resource.contents[0]
        assert isinstance(content, TextResourceContents) and content.text == on_disk

        # A block the person edited is kept and said once, at its line in the note as written.
        cut = on_disk.index("<!-- ctxsteward:generated:end work -->")
        mine = "- Ana: keep this line.\n"
        (repo / "HANDOFF.md").write_text(on_disk[:cut] + mine + on_disk[cut:])
        write_files(repo, {"app/more.py": "x = 1\n"})
        again = data(await s.call_tool("handoff", {"write": True}))
        said = [w for w in again["warnings"] if "was left as it is" in w]
        assert len(said) == 1, again["warnings"]
        after = (repo / "HANDOFF.md").read_text()
        edited = after.index("<!-- ctxsteward:generated:begin work")
        assert mine in after[edited:] and after.count("<!-- ctxsteward:generated:begin work") == 2
        assert f"line {after[:edited].count(chr(10)) + 1}: block 'work'" in said[0], said

        refused = await s.call_tool("handoff", {"base": "--output=/tmp/x"})
        assert refused.is_error and "not a git ref" in text(refused)
        unknown = await s.call_tool("handoff", {"base": "no-such-branch"})
        assert unknown.is_error and "no-such-branch" in text(unknown)


async def test_a_secret_in_a_task_or_query_is_never_echoed(repo: Path, log: object) -> None:
    token = "ghp_" + "R8x2Lq9ZtV4mN7pK1wY3cB6dF0hJ5sG2aE9u"
    task = f"parse header lines case-insensitively; the CI log shows GITHUB_TOKEN={token}"
    async with session(repo, log) as s:  # type: ignore[arg-type]
        prompt = await s.get_prompt("start-task", {"task": task})
        body = prompt.messages[0].content.text  # type: ignore[union-attr]
        found = await s.call_tool("find_context", {"query": task})
        bundle = await s.call_tool("suggest_bundle", {"task": task, "format": "json"})
        for answer in (body, text(found), structured_json(found), text(bundle),
                       structured_json(bundle)):
            assert token not in answer
        assert "parse header lines case-insensitively" in body and "[redacted:" in body
        assert text(found).startswith("Context for 'parse header") and "[redacted:" in text(found)
        assert "app/util.py" in [r["path"] for r in data(found)["results"][:2]]
        # A pasted log of megabytes: the prompt and a redrawn answer repeat its head once.
        log = "".join(f"[{i:06d}] header parse retry scheduled\n" for i in range(60_000))
        huge = f"parse header lines case-insensitively\n{log}{token}\n"
        prompt = await s.get_prompt("start-task", {"task": huge})
        body = prompt.messages[0].content.text  # type: ignore[union-attr]
        bundle = await s.call_tool("suggest_bundle", {"task": huge})  # redrawn to fit 8k
        for answer in (body, text(bundle)):  # (the prompt holds a bundle, with its header)
            assert token not in answer and "[059999]" not in answer
            notes = re.findall(r"\[… the task goes on for [\d,]+ more characters, not "
                               r"repeated here\]", answer)
            assert notes and len(notes) == answer.count("[… the task goes on for")
        assert COUNT(body) <= 8000
        assert body.count("[000000] header parse") == 1  # the prompt says the task once


async def test_start_task_prompt_with_no_room_for_a_file_says_so(repo: Path, log: object) -> None:
    """Long instruction files and a long task leave the prompt's bundle room for no file. The
    prompt said "nothing in the workspace matched the task" above "Also relevant, left out for
    size: app/util.py, …" (session 14's verifier, defect 8), and a longer task made the whole
    prompt fail ("budget 2716 holds the bundle's header but not one item"). It says there was
    no room, and what to call."""
    words = ("parse the header tables and keep every rule in mind while you work on the code "
             "of this repository ").split()
    (repo / "CLAUDE.md").write_text(  # more than half the message: cut to half
        "# Rules\n\n" + " ".join(words[i % len(words)] for i in range(6_000)) + "\n")
    without_files = 0
    async with session(repo, log) as s:  # type: ignore[arg-type]
        for n in range(600, 3_001, 200):  # a longer task: less room for the bundle
            task = "parse header lines case-insensitively " + "".join(
                chr(0x4E00 + (i * 7919) % 20000) + ("\n" if i % 60 == 59 else "")
                for i in range(n))
            prompt = await s.get_prompt("start-task", {"task": task})
            body = prompt.messages[0].content.text  # type: ignore[union-attr]
            assert COUNT(body) <= 8000
            assert "nothing in the workspace matched" not in body, body[-800:]
            if "## app/" in body:
                continue
            without_files += 1
            assert ("no file fits the room this message has left" in body
                    or "No room left for a context bundle after the task and the instruction "
                       "files: call suggest_bundle" in body), body[-800:]
    assert without_files, "every task length left the prompt room for a file"


async def test_start_task_prompt_gives_instructions_and_a_bundle(repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        prompt = await s.get_prompt("start-task", {"task": "parse header lines case-insensitively"})
        assert len(prompt.messages) == 1 and prompt.messages[0].role == "user"
        body = prompt.messages[0].content.text  # type: ignore[union-attr]
        assert "parse header lines case-insensitively" in body
        # CLAUDE.md above the workspace: named and counted (the agent loads it itself), never
        # embedded - nothing outside the workspace reaches the agent through us.
        assert "Always answer in English." not in body
        assert "above the workspace" in body and "/CLAUDE.md (Claude Code)" in body
        assert "Header parsing lives in `app/util.py`" in body  # CLAUDE.md at the root
        assert "Run `pytest` before committing." in body  # AGENTS.md
        assert "## app/util.py" in body and "def parse_header(line):" in body
        assert body.index("# Instruction files that apply") < body.index("# Suggested context")
        assert COUNT(body) <= 8000

        with pytest.raises(MCPError) as err:
            await s.get_prompt("start-task", {"task": "  "})
        assert err.value.error.code == INVALID_PARAMS and "task is empty" in err.value.error.message
        for args in (None, {}, {"task": ""}):
            with pytest.raises(MCPError) as err:
                await s.get_prompt("start-task", args)
            assert err.value.error.code == INVALID_PARAMS
            assert "needs the argument task" in err.value.error.message
        with pytest.raises(MCPError) as err:
            await s.get_prompt("no-such-prompt", {})
        assert err.value.error.code == INVALID_PARAMS and "start-task" in err.value.error.message
    log.seek(0)  # type: ignore[attr-defined]
    assert "Traceback" not in log.read()  # type: ignore[attr-defined]


async def test_bad_input_is_answered_with_errors_and_the_server_keeps_serving(
        repo: Path, log: object, tmp_path: Path) -> None:
    outside = make_folder(tmp_path / "elsewhere", {"notes.txt": "not yours\n"})
    async with session(repo, log) as s:  # type: ignore[arg-type]
        await s.call_tool("suggest_bundle", {"seeds": ["app/main.py"]})  # index is warm now
        before = snapshot(repo)
        cases = [
            ("suggest_bundle", {"seeds": ["app/missing.py"]}, "no such file"),
            ("suggest_bundle", {"seeds": ["../../etc/passwd"]}, "outside the workspace"),
            ("suggest_bundle", {"seeds": ["/etc/passwd:3"]}, "outside the workspace"),
            ("suggest_bundle", {"seeds": [".env"]}, "may hold secrets"),
            ("suggest_bundle", {"seeds": ["app/main.py"], "budget": -1},
             "budget must be at least 500 (got -1): pass a number in range"),
            ("suggest_bundle", {"seeds": ["app/main.py"], "format": "pdf"},
             "format must be one of 'markdown', 'xml' or 'json' (got 'pdf')"),
            ("suggest_bundle", {"seeds": ["app/main.py::nope"]}, "defines no"),
            ("suggest_bundle", {"seeds": 5}, "seeds"),
            ("suggest_bundle", {}, "give at least one seed (in seeds) or a task"),
            ("suggest_bundle", {"task": "x", "save": "../escape"}, "bundle name"),
            ("verify_bundle", {"name": "never-saved"}, "no saved bundle"),
            ("verify_bundle", {}, "name"),
            ("find_context", {"query": ""}, "query"),
            ("find_context", {"query": "x", "limit": 0}, "limit"),
            ("token_budget", {"paths": [str(outside)]}, "outside the workspace"),
            ("token_budget", {"paths": ["../elsewhere/notes.txt"]}, "outside the workspace"),
            ("token_budget", {"paths": [".git/config"]}, "refused"),
            ("check_instructions", {"paths": ["/etc"]}, "outside the workspace"),
            ("no_such_tool", {}, "unknown tool 'no_such_tool': the tools are"),
        ]
        for name, args, expected in cases:
            result = await s.call_tool(name, args)
            assert result.is_error, (name, args, text(result))
            assert expected in text(result), (name, args, text(result))
            assert "validation error" not in text(result), (name, args, text(result))

        with pytest.raises(MCPError) as err:
            await s.read_resource("ctxsteward://bundles/never-saved")
        assert err.value.error.code == INVALID_PARAMS
        assert "no saved bundle" in err.value.error.message

        still = data(await s.call_tool("suggest_bundle", {"seeds": ["app/main.py"]}))
        assert still["items"][0]["path"] == "app/main.py"
        assert snapshot(repo) == before  # read-only outside .ctxsteward/


async def test_a_plain_folder_is_served_without_history(tmp_path: Path, log: object) -> None:
    notes = {f"note_{i:03d}_about_something_long.txt": f"note {i}\n" for i in range(600)}
    folder = make_folder(tmp_path / "plain", {
        "lib/util.py": UTIL,
        "lib/main.py": "from lib.util import parse_header\n\n\ndef handle(line):\n"
                       "    return parse_header(line)\n",
        **notes,
    })
    async with session(folder, log) as s:  # type: ignore[arg-type]
        answer = data(await s.call_tool("suggest_bundle", {"seeds": ["lib/main.py"]}))
        assert [i["path"] for i in answer["items"]][:2] == ["lib/main.py", "lib/util.py"]
        assert any("not a git repository" in w for w in answer["warnings"])
        handoff = await s.call_tool("handoff", {})
        assert handoff.is_error and "not inside a git work tree" in text(handoff)
        refused = await s.call_tool("token_budget", {"paths": [str(tmp_path)]})
        assert refused.is_error and "outside the workspace" in text(refused)
        whole = await s.call_tool("token_budget", {})
        listing = data(whole)
        assert listing["more_paths"] > 0  # 602 entries do not fit 8,000 tokens
        assert len(listing["paths"]) + listing["more_paths"] == len(notes) + 1
        assert listing["tokens"] <= 8000 and COUNT(structured_json(whole)) <= 8000
        assert f"(+{listing['more_paths']} more paths left out)" in text(whole)


def test_a_missing_root_is_refused_before_serving(tmp_path: Path) -> None:
    proc = run_cli("mcp", "--root", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"ctxsteward: {tmp_path / 'nowhere'} does not exist"


async def test_every_format_holds_the_same_items_and_a_budget_that_holds_none_is_an_error(
        repo: Path, log: object) -> None:
    """The answer's items are chosen on the costliest rendering, then rendered in the format
    asked for: Markdown, XML and JSON hold the same files and line ranges at every budget (#14,
    defect 9; XML used to drop the last file). A budget whose answer holds no file once its
    left-out list is counted is an error that says what to give, not an empty bundle (the last
    is now hard to reach: a small answer names fewer left-out files)."""
    async with session(repo, log) as s:  # type: ignore[arg-type]
        for budget in (700, 900, 1200, 1600, 2400, 4000):
            chosen = []
            for fmt in ("markdown", "xml", "json"):
                answer = data(await s.call_tool("suggest_bundle", {
                    "seeds": ["app/main.py"], "budget": budget, "format": fmt}))
                chosen.append([(i["path"], i["ranges"]) for i in answer["items"]])
            assert chosen[0] == chosen[1] == chosen[2], (budget, chosen)
        # The smallest answer lists two left-out files, not eight: it holds a file (it was an
        # error, "holds no file once its left-out list is counted"), and names the best-ranked
        # file if that did not fit.
        tiny = await s.call_tool("suggest_bundle", {"task": "parse header tables", "budget": 500})
        assert not tiny.is_error, text(tiny)
        answer = data(tiny)
        ranked = run_cli("bundle", "--task", "parse header tables", "--budget", "0",
                         "--format", "json", cwd=repo)
        best = json.loads(ranked.stdout)["items"][0]["path"]
        assert answer["items"] and len(answer["left_out"]) <= 2, answer
        assert best in [i["path"] for i in answer["items"]] + [answer["left_out"][0]["path"]]


async def test_suggest_bundle_holds_the_items_the_cli_bundle_holds_at_its_document_budget(
        repo: Path, log: object) -> None:
    """The budget bounds the whole answer; its document is the one ``ctxsteward bundle
    --budget D`` makes, D the answer's ``document_budget`` (the budget, less what the answer's
    lists and the JSON channel's escaping take), so both hold the same items in every format.
    Each channel holds each file's lines once; ``tokens`` is the answer's size."""
    requests = [({"seeds": ["app/main.py"]}, ["--seed", "app/main.py"]),
                ({"task": "parse header tables"}, ["--task", "parse header tables"])]
    async with session(repo, log) as s:  # type: ignore[arg-type]
        for budget in (600, 1000, 2500):
            for asked, args in requests:
                answers = {fmt: await s.call_tool("suggest_bundle",
                                                  {**asked, "budget": budget, "format": fmt})
                           for fmt in ("markdown", "xml", "json")}
                sizes = {fmt: answer_size(r) for fmt, r in answers.items()}
                assert max(sizes.values()) <= budget, (budget, asked, sizes)
                documents = {data(r)["document_budget"] for r in answers.values()}
                assert len(documents) == 1, (budget, asked, documents)
                cli = run_cli("bundle", *args, "--budget", str(documents.pop()), "--format",
                              "json", cwd=repo)
                assert cli.returncode == 0, cli.stderr
                want = [(i["path"], i["ranges"]) for i in json.loads(cli.stdout)["items"]]
                for fmt, result in answers.items():
                    answer = data(result)
                    got = [(i["path"], i["ranges"]) for i in answer["items"]]
                    assert got == want, (budget, asked, fmt, got, want)
                    assert answer["tokens"] == answer_size(result) <= budget
                    line = "Split 'Name: value' into its two parts."  # app/util.py's alone
                    if "app/util.py" in {p for p, _ in got}:  # its lines once in each channel
                        assert structured_json(result).count(line) == 1
                        assert text(result).count(line) == 1


def test_the_best_ranked_file_named_when_nothing_fits_is_the_seed(repo: Path) -> None:
    """With a seed, the file an error names as the best-ranked is the seed, as the CLI lists it
    first, though files ranked after it score higher (helper-131: click's docs/api.md named
    for the seed src/click/core.py)."""
    from analyzers.app.requests import BundleRequest
    from analyzers.bundles.assemble import make_bundle
    from analyzers.indexing.index import Index, build
    from server.mcp.answers import _best_ranked

    build(repo)
    with Index(repo) as ix:
        result = make_bundle(ix, BundleRequest(seeds=["app/other.py"],
                                               task="parse header tables", budget=4000))
    items = result.bundle.items
    assert items[0].path == "app/other.py"
    assert any(i.score > items[0].score for i in items[1:]), [(i.path, i.score) for i in items]
    assert _best_ranked(result, {})[0] == "app/other.py"


async def test_a_small_answer_keeps_room_for_its_seed(repo: Path, log: object) -> None:
    """A 600-token answer listed eight left-out files with their reasons, which left 100 tokens
    for the bundle: too few for any part of a large seed, which was then never shown while a file
    ranked for it was. Now a small answer names fewer left-out files (the rest are counted)."""
    async with session(repo, log) as s:  # type: ignore[arg-type]
        for seed in ("app/tables_a.py", "app/main.py"):
            result = await s.call_tool("suggest_bundle", {"seeds": [seed], "budget": 600})
            answer = data(result)
            assert seed in {i["path"] for i in answer["items"]}, answer
            assert len(answer["left_out"]) <= 3 and answer_size(result) <= 600, answer


async def test_a_long_task_in_a_small_budget_is_answered_within_it_or_refused(
        repo: Path, log: object) -> None:
    """The task is in the document's header, and the document is part of the answer: a long
    task at the smallest budget leaves less room for files. The answer holds a file within the
    budget, or is an error saying what to give, never an answer over the budget (866 tokens for
    a 500-token budget) or one holding no file."""
    async with session(repo, log) as s:  # type: ignore[arg-type]
        for n in (20, 40, 60):
            task = " ".join(f"parse header tables step {i}" for i in range(n))
            result = await s.call_tool("suggest_bundle", {"task": task, "budget": 500})
            if result.is_error:
                assert "give a larger budget" in text(result) or \
                    "holds the bundle's header but not one item" in text(result), text(result)
                continue
            assert answer_size(result) <= 500 and data(result)["items"], (n, answer_size(result))


async def test_a_task_no_file_matches_is_said_in_the_answer(repo: Path, log: object) -> None:
    async with session(repo, log) as s:  # type: ignore[arg-type]
        result = await s.call_tool("suggest_bundle", {"task": "zzqx frobnicate wibble",
                                                      "budget": 3000})
        answer = data(result)
        assert any("no word of the task" in w for w in answer["warnings"]), answer
        assert "Note: no word of the task" in text(result)
        answer = data(await s.call_tool("suggest_bundle", {"task": "parse the header line",
                                                           "budget": 3000}))
        assert not any("no word of the task" in w for w in answer["warnings"]), answer


async def test_a_file_edited_just_before_a_call_is_read_as_it_is_now(
        repo: Path, log: object) -> None:
    """An agent edits a file and asks at once: calls within 2 s of the last refresh shared it,
    and the seed was shown at its old line numbers, or a new definition refused (verifier)."""
    async with session(repo, log) as s:  # type: ignore[arg-type]
        first = data(await s.call_tool("suggest_bundle", {
            "seeds": ["app/util.py::parse_header"], "budget": 4000, "format": "json"}))
        assert "def parse_header(line):" in first["rendered"]
        moved = "".join(f"# a comment line {i}\n" for i in range(30)) + UTIL + \
            "\n\ndef brand_new_helper(x):\n    return parse_header(x)\n"
        write_files(repo, {"app/util.py": moved})
        again = data(await s.call_tool("suggest_bundle", {
            "seeds": ["app/util.py::parse_header"], "budget": 4000, "format": "json"}))
        assert "def parse_header(line):" in again["rendered"], again["rendered"]
        assert "return name.strip(), value.strip()" in again["rendered"]
        new = data(await s.call_tool("suggest_bundle", {
            "seeds": ["app/util.py::brand_new_helper"], "budget": 4000, "format": "json"}))
        assert "def brand_new_helper(x):" in new["rendered"]
