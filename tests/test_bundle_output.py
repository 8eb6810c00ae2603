"""Bundle output: secret exclusion, Markdown and XML rendering, the JSON schema, save/verify, bad
input, and the ``ctxsteward bundle`` command end to end on real git repositories.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from gitutil import make_folder, make_repo, run_cli, write_files
from markdown_it import MarkdownIt

from analyzers.app.requests import BundleRequest
from analyzers.bundles.assemble import (
    BundleError,
    BundleResult,
    make_bundle,
    save_bundle,
    verify_bundle,
)
from analyzers.bundles.render import GAP, shown_task
from analyzers.indexing.index import Index, build

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GH_TOKEN = "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"
ENV_SECRET = "hunter2-database-password"
PEM = ("-----BEGIN RSA PRIVATE KEY-----\n"
       "MIIEowIBAAKCAQEA1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN\n"
       "-----END RSA PRIVATE KEY-----\n")
SECRET_TEXTS = (AWS_KEY, GH_TOKEN, ENV_SECRET, "PRIVATE KEY")

UTIL = "def normalise_amount(x):\n    return round(x, 2)\n"
BILLING = (
    "from core.util import normalise_amount\n\n\n"
    "def bill(customer):\n"
    '    """Bill a customer: ```fenced``` text and ]]> in a docstring."""\n'
    "    return normalise_amount(customer)\n"
)
# A module with a form feed (as in many older sources): XML 1.0 forbids it, even in CDATA.
FORMFEED = "from core.billing import bill\n\x0c\n\ndef bill_all(customers):\n" \
           "    return [bill(c) for c in customers]\n"
LEDGER = "".join(
    f'def ledger_step_{i}(value):\n    """Step {i} of the ledger."""\n'
    + "".join(f"    value = value * {j} + {i}  # accumulate part {j}\n" for j in range(8))
    + "    return value\n\n\n" for i in range(20)
) + "def settle(invoice):\n    return invoice\n"
USES_LEDGER = "from core.ledger import settle\n\n\ndef close(invoice):\n" \
              "    return settle(invoice)\n"


def secrets_history() -> list[tuple[str, dict[str, str | bytes | None]]]:
    # Each secret-bearing file changes together with the seed, so it ranks high.
    return [
        ("util", {"core/__init__.py": "", "core/util.py": UTIL}),
        ("billing", {"core/billing.py": BILLING, "core/formfeed.py": FORMFEED}),
        ("secrets", {
            "core/billing.py": BILLING + "# 2\n",
            ".env": f"DATABASE_PASSWORD={ENV_SECRET}\nDEBUG=1\n",
            ".env.example": "DATABASE_PASSWORD=change-me\nDEBUG=1\n",
            "deploy/server.pem": PEM,
            "core/aws.py": "from core.util import normalise_amount\n\n"
                           f"AWS_ACCESS_KEY_ID = '{AWS_KEY}'\n\n\n"
                           "def upload_bill(x):\n    return normalise_amount(x)\n",
            "core/gh.py": "from core.billing import bill\n\n"
                          f"GITHUB_TOKEN = '{GH_TOKEN}'\n\n\n"
                          "def bill_from_github(c):\n    return bill(c)\n",
        }),
        ("more secrets", {"core/billing.py": BILLING + "# 3\n", ".env": "DEBUG=0\n"
                          f"DATABASE_PASSWORD={ENV_SECRET}\n", "core/aws.py": None}),
        ("aws back", {"core/billing.py": BILLING, "core/aws.py":
                      "from core.util import normalise_amount\n\n"
                      f"AWS_ACCESS_KEY_ID = '{AWS_KEY}'\n\n\n"
                      "def upload_bill(x):\n    return normalise_amount(x)\n"}),
        ("ledger", {"core/ledger.py": LEDGER, "core/close.py": USES_LEDGER}),
    ]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("out") / "repo", None, commits=secrets_history())
    build(root)
    return root


def file_lines(path: Path) -> list[str]:
    """Lines split at newlines only, as the index numbers them (not at form feeds)."""
    parts = path.read_text("utf-8").split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def make(root: Path, **request: object) -> BundleResult:
    with Index(root) as index:
        return make_bundle(index, BundleRequest(**request))  # type: ignore[arg-type]


# -- secrets ------------------------------------------------------------------------------------

EXPECTED_EXCLUDED = {
    ".env": "secret-bearing file name (.env)",
    ".env.example": "secret-bearing file name (.env*)",
    "deploy/server.pem": "secret-bearing file name (*.pem)",
}
# One secret among their lines: shown, the value masked (line numbers as in the file).
EXPECTED_REDACTED = {
    "core/aws.py": ([3], ["AWS Access Key"]),
    "core/gh.py": ([3], ["GitHub Token"]),
}
MASKS = {AWS_KEY: "[redacted: AWS Access Key]", GH_TOKEN: "[redacted: GitHub Token]"}


def shown_lines(path: Path) -> list[str]:
    """:func:`file_lines` as a bundle shows them: each secret value masked."""
    out = []
    for line in file_lines(path):
        for value, mark in MASKS.items():
            line = line.replace(value, mark)
        out.append(line)
    return out


@pytest.mark.parametrize("fmt", ["markdown", "xml"])
def test_secrets_are_listed_as_excluded_and_never_rendered(repo: Path, fmt: str) -> None:
    for _ in range(2):  # the second run answers from the scan cache
        result = make(repo, seeds=["core/billing.py"], task="upload the bill", budget=16_000,
                      format=fmt)
        excluded = {e.path: e.reason for e in result.bundle.excluded}
        assert excluded == EXPECTED_EXCLUDED
        paths = [i.path for i in result.bundle.items]
        assert not set(paths) & set(EXPECTED_EXCLUDED)
        for text in SECRET_TEXTS:
            assert text not in result.rendered
        # The files holding one secret are shown, the value masked, and listed as redacted.
        redacted = {r.path: (r.lines, r.kinds) for r in result.bundle.redacted}
        assert redacted == EXPECTED_REDACTED and set(redacted) <= set(paths)
        for mark in MASKS.values():
            assert mark in result.rendered
        # Not everything is withheld: the plain modules go in (every .env* file stays out).
        assert "core/util.py" in paths
    assert (repo / ".ctxsteward" / "secrets.json").exists()


def test_secrets_stay_out_when_pinned_seeded_or_ranked_only(repo: Path) -> None:
    # A secret-bearing seed is refused with the reason (the bundle is about it), no content.
    with pytest.raises(BundleError) as err:
        make(repo, seeds=["deploy/server.pem"], task="upload", budget=16_000)
    assert f"seed 'deploy/server.pem' is excluded: {EXPECTED_EXCLUDED['deploy/server.pem']}" \
        in str(err.value)
    assert all(t not in str(err.value) for t in SECRET_TEXTS)
    # A seed holding one secret is the bundle's first item, the value masked.
    seeded = make(repo, seeds=["core/gh.py"], task="upload", budget=16_000)
    assert seeded.bundle.items[0].path == "core/gh.py"
    assert "GITHUB_TOKEN = '[redacted: GitHub Token]'" in seeded.rendered
    assert all(t not in seeded.rendered for t in SECRET_TEXTS)
    # A pinned one is listed under excluded with the reason, as a ranked one is.
    pinned = make(repo, seeds=["core/billing.py"], pins=[".env"], task="upload", budget=16_000)
    assert {e.path: e.reason for e in pinned.bundle.excluded}[".env"] == EXPECTED_EXCLUDED[".env"]
    assert all(t not in pinned.rendered for t in SECRET_TEXTS)
    ranked = make(repo, seeds=["core/billing.py"], task="upload the bill", budget=0).bundle
    assert {e.path for e in ranked.excluded} == set(EXPECTED_EXCLUDED)
    assert not {i.path for i in ranked.items} & set(EXPECTED_EXCLUDED)
    assert {r.path: (r.lines, r.kinds) for r in ranked.redacted} == EXPECTED_REDACTED


@pytest.mark.parametrize("budget", [0, 16_000])
def test_every_item_explains_itself(repo: Path, budget: int) -> None:
    for request in ({"seeds": ["core/billing.py"], "task": "bill"}, {"task": "settle"}):
        b = make(repo, budget=budget, **request).bundle
        assert b.items
        unexplained = [(i.path, i.score) for i in b.items if not i.reasons]
        assert not unexplained, f"items without reasons: {unexplained}"


# -- rendering ----------------------------------------------------------------------------------

def test_markdown_has_one_fenced_block_per_item_with_its_path(repo: Path) -> None:
    result = make(repo, seeds=["core/billing.py", "core/close.py"], budget=3000)
    items = result.bundle.items
    fences = [t for t in MarkdownIt().parse(result.rendered) if t.type == "fence"]
    headings = [line[3:] for line in result.rendered.splitlines()
                if line.startswith("## ") and line != "## Recent decisions"]
    assert len(fences) == len(items) == len(headings) >= 3
    files = {p: shown_lines(repo / p) for p in {i.path for i in items}}
    for it, fence, heading in zip(items, fences, headings, strict=True):
        heading, _, note = heading.partition(" — ")  # its tier and first reason, after a dash
        assert note == f"{it.tier}: {it.reasons[0]}"[:90 + len(it.tier) + 2], note
        assert heading.split(" ")[0] == it.path
        assert fence.info == ("python" if it.path.endswith(".py") else "")
        expected = f"{GAP}\n".join("".join(files[it.path][a - 1:b]) for a, b in it.ranges)
        assert fence.content == expected
        if it.granularity == "symbols":
            assert heading == f"{it.path} (lines {','.join(f'{a}-{b}' for a, b in it.ranges)}" \
                              ", relevant definitions)"
        elif it.granularity == "file":  # every heading says which lines it shows
            assert heading == f"{it.path} (lines 1-{len(files[it.path])})"
        else:
            span = f"{it.ranges[0][0]}-{it.ranges[-1][1]}"
            assert heading == f"{it.path} (signatures of lines {span}, skeleton)"
    # The docstring's triple backticks did not close the block early.
    billing = items[0]
    assert billing.path == "core/billing.py" and "```fenced```" in fences[0].content
    ledger = next(i for i in items if i.path == "core/ledger.py")
    assert ledger.granularity == "symbols" and ledger.symbols == ["settle"]


def test_xml_is_well_formed_with_path_and_lines(repo: Path) -> None:
    result = make(repo, seeds=["core/formfeed.py", "core/close.py"], task="bill",
                  budget=16_000, format="xml")
    root = ET.fromstring(result.rendered)
    assert root.tag == "documents"
    docs = root.findall("document")
    assert len(docs) == len(result.bundle.items) >= 3
    for i, (doc, it) in enumerate(zip(docs, result.bundle.items, strict=True), 1):
        assert doc.get("path") == it.path and doc.get("index") == str(i)
        assert doc.get("granularity") == it.granularity
        if it.granularity != "skeleton":
            assert doc.get("lines") == ",".join(f"{a}-{b}" if a != b else str(a)
                                                 for a, b in it.ranges)
        else:  # the span its signatures come from
            assert doc.get("lines") == f"{it.ranges[0][0]}-{it.ranges[-1][1]}"
        content = doc.findtext("document_content")
        assert content is not None
        lines = shown_lines(repo / it.path)
        expected = f"{GAP}\n".join("".join(lines[a - 1:b]) for a, b in it.ranges)
        # CDATA keeps the text verbatim, except characters XML cannot carry at all.
        assert content == "\n" + expected.replace("\x0c", "\ufffd")
    texts = {d.get("path"): d.findtext("document_content") or "" for d in docs}
    assert "]]>" in texts["core/billing.py"]  # split across CDATA sections, read back whole
    assert "def bill_all(customers):" in texts["core/formfeed.py"]


def test_every_format_repeats_the_task_xml_escaped(repo: Path) -> None:
    """The XML bundle says the task, as Markdown ("Task: ...") and JSON ("task") do: a
    ``<task>`` element first, its text escaped (it had none)."""
    task = 'bill <customer> & "close" ]]> the ledger'
    args = ("bundle", "--seed", "core/close.py", "--task", task, "--budget", "4000")
    xml = run_cli(*args, "--format", "xml", cwd=repo)
    assert xml.returncode == 0, xml.stderr
    root = ET.fromstring(xml.stdout)
    assert root[0].tag == "task" and root.findtext("task") == task
    assert "<task>bill &lt;customer&gt; &amp;" in xml.stdout
    md = run_cli(*args, cwd=repo)
    assert md.stdout.startswith(f"# Context bundle\n\nTask: {task}\n")
    assert json.loads(run_cli(*args, "--format", "json", cwd=repo).stdout)["task"] == task
    ranked = run_cli(*args[:-1], "0", "--format", "xml", cwd=repo)  # the ranking alone too
    assert ET.fromstring(ranked.stdout).findtext("task") == task


@pytest.mark.parametrize("limit", ["3", "50"])
def test_the_cli_ranking_at_budget_0_is_in_the_format_asked_for(repo: Path, limit: str) -> None:
    """``--budget 0`` printed JSON whatever ``--format`` said: each format now lists the JSON's
    ranked files, in its order, with their lines, tokens and tier, and no content."""
    args = ("bundle", "--seed", "core/billing.py", "--task", "bill", "--budget", "0",
            "--limit", limit)
    js = run_cli(*args, "--format", "json", cwd=repo)
    assert js.returncode == 0, js.stderr
    items = json.loads(js.stdout)["items"]
    assert items and items[0]["path"] == "core/billing.py"
    md = run_cli(*args, "--format", "markdown", cwd=repo)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Context bundle\n\nTask: bill\n")
    listed = [line for line in md.stdout.splitlines() if line[:1].isdigit()]
    assert [line.split(" ")[1] for line in listed] == [i["path"] for i in items]
    for line, it in zip(listed, items, strict=True):
        last = it["ranges"][0][1]
        lines = f"1-{last}" if last > 1 else "1"
        assert f"(lines {lines}, {it['tokens']:,} tokens) — {it['tier']}: " in line, line
    assert not [t for t in MarkdownIt().parse(md.stdout) if t.type == "fence"]  # no content
    xml = run_cli(*args, "--format", "xml", cwd=repo)
    assert xml.returncode == 0, xml.stderr
    doc = ET.fromstring(xml.stdout)
    assert doc.tag == "documents" and doc.find("document") is None
    ranked = doc.findall("ranking/ranked")
    assert [(r.get("path"), r.get("tokens"), r.get("tier")) for r in ranked] == \
        [(i["path"], str(i["tokens"]), i["tier"]) for i in items]


def test_an_empty_ranking_is_in_the_format_asked_for_too(repo: Path) -> None:
    args = ("bundle", "--task", "bill", "--budget", "0", "--exclude-glob", "*")
    md = run_cli(*args, cwd=repo)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Context bundle\n") and "No file ranked." in md.stdout
    xml = run_cli(*args, "--format", "xml", cwd=repo)
    assert xml.returncode == 0, xml.stderr
    doc = ET.fromstring(xml.stdout)
    assert doc.find("ranking") is not None and not doc.findall("ranking/ranked")
    js = run_cli(*args, "--format", "json", cwd=repo)
    assert json.loads(js.stdout)["items"] == []


# -- save and verify ----------------------------------------------------------------------------

def test_save_then_verify_reports_changed_and_vanished(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", None, commits=secrets_history())
    build(root)
    result = make(root, seeds=["core/close.py"], task="bill", budget=3000)
    by_path = {i.path: i for i in result.bundle.items}
    assert by_path["core/ledger.py"].granularity == "symbols"
    assert by_path["core/close.py"].granularity == "file"
    with Index(root) as index:
        saved = save_bundle(index, "before-fix", result)
        assert saved == root / ".ctxsteward" / "bundles" / "before-fix.json"
        report = verify_bundle(index, "before-fix")
    assert (report.unchanged, report.changed, report.vanished) == (len(by_path), 0, 0)

    # Outside the lines the agent saw of the big file: still true.
    ledger = (root / "core/ledger.py").read_text()
    write_files(root, {"core/ledger.py": ledger.replace("Step 3 of", "Third step of")})
    # Appending to a file the agent saw whole changes what it saw.
    write_files(root, {"core/close.py": USES_LEDGER + "# appended\n"})
    with Index(root) as index:
        status = {i.path: (i.status, i.detail) for i in verify_bundle(index, "before-fix").items}
    assert status["core/ledger.py"] == ("unchanged",
                                        "the file changed outside the lines the agent saw")
    assert status["core/close.py"][0] == "changed"

    # Inside the definition the agent saw, and a file gone.
    write_files(root, {"core/ledger.py": ledger.replace("    return invoice\n",
                                                        "    return invoice * 2\n")})
    gone = next(p for p in by_path if p not in ("core/close.py", "core/ledger.py"))
    (root / gone).unlink()
    with Index(root) as index:
        report = verify_bundle(index, "before-fix")
    status = {i.path: i.status for i in report.items}
    assert status["core/ledger.py"] == "changed" and status[gone] == "vanished"
    assert (report.changed, report.vanished) == (2, 1)


@pytest.mark.parametrize(("request_args", "message"), [
    ({"task": "   "}, "the task is empty \\(or only blanks\\)"),
    ({"seeds": []}, "give at least one seed"),
    ({"task": "bill", "limit": 0}, "limit must be at least 1"),
    ({"task": "bill", "budget": -1}, "budget must be 0"),
    ({"task": "bill", "pins": ["../outside.py"]}, "outside the workspace"),
    ({"seeds": ["core/billing.py:0"]}, "has 6 lines"),
])
def test_bad_requests_are_clear_errors(repo: Path, request_args: dict[str, object],
                                       message: str) -> None:
    with pytest.raises(BundleError, match=message):
        make(repo, **request_args)


def test_verify_and_save_names_are_checked(repo: Path) -> None:
    with Index(repo) as index:
        with pytest.raises(BundleError, match="no saved bundle named 'nothing'"):
            verify_bundle(index, "nothing")
        result = make(repo, task="bill", budget=2000)
        for bad in ("../escape", "a/b", "", ".hidden"):
            with pytest.raises(BundleError, match="uses letters"):
                save_bundle(index, bad, result)


# -- the command, end to end --------------------------------------------------------------------

def test_cli_json_validates_against_the_published_schema(repo: Path) -> None:
    schema = run_cli("schema", "bundle", cwd=repo)
    assert schema.returncode == 0, schema.stderr
    validator = jsonschema.Draft202012Validator(json.loads(schema.stdout))
    for args in (["--seed", "core/billing.py", "--task", "bill", "--budget", "3000"],
                 ["--task", "bill the customer", "--budget", "0", "--limit", "3"]):
        proc = run_cli("bundle", *args, "--format", "json", cwd=repo)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        validator.validate(data)
        assert data["budget"] == int(args[args.index("--budget") + 1])
        assert data["items"]
    assert len(data["items"]) == 3


def test_cli_seed_relative_to_the_current_folder_and_out_file(repo: Path, tmp_path: Path
                                                             ) -> None:
    out = tmp_path / "bundle.xml"
    proc = run_cli("bundle", "--seed", "billing.py::bill", "--format", "xml", "--out", str(out),
                   "--budget", "2000", cwd=repo / "core")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "wrote" in proc.stderr
    doc = ET.fromstring(out.read_text("utf-8")).find("document")
    assert doc is not None and doc.get("path") == "core/billing.py"
    assert doc.get("granularity") == "symbols"


def test_cli_save_then_verify_exit_codes(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", None, commits=secrets_history())
    saved = run_cli("bundle", "--seed", "core/close.py", "--save", "s1", cwd=root)
    assert saved.returncode == 0, saved.stderr
    assert "## core/close.py" in saved.stdout
    clean = run_cli("bundle", "--verify", "s1", cwd=root)
    assert clean.returncode == 0 and "0 changed, 0 vanished" in clean.stdout
    write_files(root, {"core/close.py": USES_LEDGER.replace("settle(invoice)", "settle(None)")})
    (root / "core/ledger.py").unlink()
    proc = run_cli("bundle", "--verify", "s1", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    status = {i["path"]: i["status"] for i in json.loads(proc.stdout)["items"]}
    assert status["core/close.py"] == "changed" and status["core/ledger.py"] == "vanished"


def test_a_secret_pasted_in_the_task_is_masked_in_every_format_and_the_saved_bundle(
        tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", None, commits=secrets_history())
    task = f"bill fails after login with GITHUB_TOKEN={GH_TOKEN} set, see core/close.py"
    for fmt in ("markdown", "xml", "json"):
        proc = run_cli("bundle", "--task", task, "--format", fmt, "--save", f"t-{fmt}",
                       cwd=root)
        assert proc.returncode == 0, proc.stderr
        assert GH_TOKEN not in proc.stdout + proc.stderr
        # nor any piece of it: no reason quotes the token's words ("matches 'wpw5k4axcat…'",
        # core/gh.py holds the same token)
        assert not any(piece in (proc.stdout + proc.stderr).lower()
                       for piece in ("wwpw5k4", "wpw5k4a", "0ucnzw", "vfk6lo0"))
        # the task still routes: the file it names is first, and the rest of it is echoed
        if fmt == "json":
            out = json.loads(proc.stdout)
            assert out["items"][0]["path"] == "core/close.py"
            assert "[redacted:" in out["task"] and "see core/close.py" in out["task"]
        elif fmt == "markdown":
            assert "[redacted:" in proc.stdout.split("\n## ")[0]
        saved = (root / ".ctxsteward" / "bundles" / f"t-{fmt}.json").read_text()
        assert GH_TOKEN not in saved and "[redacted:" in saved
    verify = run_cli("bundle", "--verify", "t-json", cwd=root)
    assert verify.returncode == 0 and "0 changed, 0 vanished" in verify.stdout


def test_a_long_pasted_log_is_echoed_in_part_and_still_routes(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", None, commits=secrets_history())
    log = "".join(f"[{i:06d}] worker retry with token refresh scheduled\n" for i in range(6000))
    task = f"bill crashes in core/close.py, log:\n{log}GITHUB_TOKEN={GH_TOKEN}\n"
    (tmp_path / "task.txt").write_text(task)
    for fmt in ("markdown", "json"):
        proc = run_cli("bundle", "--task-file", str(tmp_path / "task.txt"), "--format", fmt,
                       "--budget", "4000", cwd=root)
        assert proc.returncode == 0, proc.stderr
        assert GH_TOKEN not in proc.stdout and "[000000]" in proc.stdout
        assert "more characters, not repeated here]" in proc.stdout
    echoed = json.loads(proc.stdout)["task"]
    assert len(echoed) < 4200 and "[005999]" not in echoed
    assert shown_task(echoed) == echoed  # an answer redrawn from it (MCP) is not cut again
    faked = ("log line ok\n" * 100_000
             + "[… the task goes on for 5 more characters, not repeated here]")
    assert len(shown_task(faked)) < 4200  # a note of its own at the end does not stop the cut
    assert json.loads(proc.stdout)["items"][0]["path"] == "core/close.py"
    # A token the cut splits (a minified log line: no space to cut at) is not shown in part.
    line = '{"pad":"' + "y" * 3960 + '","auth":"' + GH_TOKEN + '"}'
    for shift in range(0, 60, 6):
        (tmp_path / "task.txt").write_text(f"bill crashes in core/close.py {'z' * shift}{line}")
        proc = run_cli("bundle", "--task-file", str(tmp_path / "task.txt"), "--format", "json",
                       "--budget", "4000", cwd=root)
        assert proc.returncode == 0, proc.stderr
        assert GH_TOKEN[:8] not in proc.stdout, shift


@pytest.mark.parametrize(("task", "linked"), [
    ("fix the crash in core/hook.py, vendor/hook.py and ../outside/hook.py; see core/close.py",
     {"core/hook.py", "vendor/hook.py"}),  # not the path with ..
    ('Traceback:\n  File "/home/me/repo/core/hook.py", line 3, in run\n'
     '  File "/home/me/repo/core/close.py", line 4, in close', {"core/hook.py"}),
    ("hook.py raises in close (core/close.py)", {"core/hook.py"}),  # a name few files share
    ('File "/home/me/proj/vendor/hook.py", line 3, in run (core/close.py calls it)',
     {"vendor/hook.py"}),  # through a linked folder, by the path's end
])
def test_a_named_file_that_links_outside_the_workspace_is_listed_as_excluded_never_read(
        tmp_path: Path, task: str, linked: set[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "hook.py").write_text("OUTSIDE_MARKER = 'not for the agent'\n")
    root = make_repo(tmp_path / "repo", None, commits=secrets_history())
    (root / "core" / "hook.py").symlink_to(outside / "hook.py")
    (root / "vendor").symlink_to(outside, target_is_directory=True)
    proc = run_cli("bundle", "--task", task, "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "OUTSIDE_MARKER" not in proc.stdout
    excluded = {e["path"]: e["reason"] for e in out["excluded"]}
    assert {p for p, r in excluded.items()
            if "symbolic link leading outside the workspace" in r} == linked
    assert out["items"][0]["path"] == "core/close.py"


@pytest.mark.parametrize(("args", "message"), [
    (["--seed", "core/missing.py"], "seed 'core/missing.py': no such file"),
    (["--seed", "../../etc/passwd"], "outside the workspace"),
    (["--task", "bill", "--budget", "-5"], "budget must be 0"),
    ([], "give at least one --seed PATH or a --task TEXT (or --verify NAME)"),
    (["--task", "bill", "--pin", "nope.py"], "pin 'nope.py'"),
])
def test_cli_bad_input_is_one_clear_message(repo: Path, args: list[str], message: str) -> None:
    proc = run_cli("bundle", *args, cwd=repo)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("ctxsteward: ") and message in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_cli_outside_git_works_from_the_task_without_cochange(tmp_path: Path) -> None:
    folder = make_folder(tmp_path / "plain", {
        "net.py": "def connect_with_timeout(host, timeout):\n    return host\n",
        "client.py": "from net import connect_with_timeout\n\n\n"
                     "def fetch(host):\n    return connect_with_timeout(host, 5)\n",
        "colors.py": "def paint(x):\n    return x\n",
    })
    proc = run_cli("bundle", "--task", "raise the connect timeout", "--format", "json",
                   cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert "not a git repository" in proc.stderr
    data = json.loads(proc.stdout)
    assert data["items"][0]["path"] == "net.py"
    assert "matches 'connect', 'timeout' from the task" in data["items"][0]["reasons"]
    reasons = [r for i in data["items"] for r in i["reasons"]]
    assert not any("changed together" in r for r in reasons)
    client = next(i for i in data["items"] if i["path"] == "client.py")
    assert any("connect_with_timeout" in r for r in client["reasons"])
    seeded = run_cli("bundle", "--seed", "client.py", "--budget", "0", "--format", "json",
                     cwd=folder)
    assert seeded.returncode == 0, seeded.stderr
    assert [i["path"] for i in json.loads(seeded.stdout)["items"]][:2] == ["client.py", "net.py"]


def test_outside_git_a_task_that_ranks_nothing_says_why_truly(tmp_path: Path) -> None:
    """A folder that is not a git repository, a task none of its words are in: nothing ranks
    (no history to rank by). It said "no file of the workspace is indexed" of indexed files."""
    folder = make_folder(tmp_path / "plain", {
        "net.py": "def connect_with_timeout(host, timeout):\n    return host\n",
        "colors.py": "def paint(x):\n    return x\n",
    })
    proc = run_cli("bundle", "--task", "zzqx frobnicate wibble", "--format", "json", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    notes = json.loads(proc.stdout)["notes"]
    assert notes == [
        "no file ranked for the task, though 2 files are indexed: no word of the task was found "
        f"in any file's text, path or definitions, and {folder.resolve()} is not a git "
        "repository, so history signals (recent changes, co-change) are off; use the code's own "
        "words, or name a file as a seed"], notes
    assert "no file of the workspace is indexed" not in proc.stderr
    assert f"note: {notes[0]}" in proc.stderr
    empty = make_folder(tmp_path / "empty", {})  # where it is true, it is still said
    proc = run_cli("bundle", "--task", "zzqx frobnicate wibble", "--format", "json", cwd=empty)
    assert json.loads(proc.stdout)["notes"] == [
        "no file of the workspace is indexed: there is nothing to choose from "
        f"({empty.resolve()} holds no file: is it the project's folder?)"], proc.stderr


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    """"wrote 1 items", "skipped 1 file(s)", "undecodable (undecodable: ...)": a count of one
    says its noun in the singular, and a skip reason is said once."""
    repo = make_repo(tmp_path / "repo", {"app.py": "def main():\n    return 1\n",
                                         "latin.py": b"name = 'caf\xe9'\n"})
    out = run_cli("bundle", "--seed", "app.py", "--out", "b.md", cwd=repo)
    assert out.returncode == 0, out.stderr
    assert "wrote 1 item, " in out.stderr and "1 items" not in out.stderr, out.stderr
    ranked = run_cli("bundle", "--seed", "app.py", "--budget", "0", "--limit", "1", "--out",
                     "r.md", cwd=repo)
    assert "wrote 1 ranked file (--budget 0" in ranked.stderr, ranked.stderr
    index = run_cli("index", cwd=repo)
    assert "skipped 1 file: undecodable 1" in index.stdout, index.stdout
    assert "latin.py: undecodable: not UTF-8 (byte 0xe9 at offset 11)" in index.stdout


def test_every_format_says_what_was_left_out_for_size(tmp_path: Path) -> None:
    files = {f"pay/step{i}.py": f"from pay.core import settle_payment\n\n\ndef step{i}(x):\n"
             + "    x = settle_payment(x)\n" * 40 + "    return x\n" for i in range(14)}
    files["pay/core.py"] = "def settle_payment(amount):\n    return round(amount, 2)\n"
    repo = make_repo(tmp_path / "repo", files)
    # No decisions section. The budget is filled to its last tokens in the XML (its note is the
    # largest): the last file shown makes way for the note, in every rendering alike.
    args = ("bundle", "--seed", "pay/core.py", "--task", "settle the payment", "--budget", "1150",
            "--decisions-share", "0")
    js = run_cli(*args, "--format", "json", cwd=repo)
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    inside = {i["path"] for i in data["items"]}
    left = [x["path"] for x in data["left_out"]]
    assert left and not set(left) & inside and all(x["reason"] for x in data["left_out"])
    md = run_cli(*args, cwd=repo)
    assert "Left out for size (ranked next):\n- " + left[0] in md.stdout, md.stdout[-600:]
    assert "## pay/core.py (lines 1-2) — core: seed" in md.stdout
    xml = run_cli(*args, "--format", "xml", cwd=repo)
    doc = ET.fromstring(xml.stdout)
    assert doc.find("left_out").get("path") == left[0]  # type: ignore[union-attr]
    assert doc.find("document").get("tier") == "core"  # type: ignore[union-attr]


def test_files_kept_out_by_the_limit_are_not_said_to_be_left_out_for_size(tmp_path: Path) -> None:
    """``--limit 2`` with half the budget unused said "Left out for size" of the next files
    (review): they were left out by the limit."""
    files = {f"pay/step{i}.py": f"from pay.core import settle_payment\n\n\ndef step{i}(x):\n"
             "    return settle_payment(x)\n" for i in range(6)}
    files["pay/core.py"] = "def settle_payment(amount):\n    return round(amount, 2)\n"
    repo = make_repo(tmp_path / "repo", files)
    args = ("bundle", "--seed", "pay/core.py", "--task", "settle the payment", "--budget",
            "8000", "--limit", "2", "--decisions-share", "0")
    data = json.loads(run_cli(*args, "--format", "json", cwd=repo).stdout)
    assert len(data["items"]) == 2 and data["total_tokens"] < 4000
    assert data["left_out"] and {x["cause"] for x in data["left_out"]} == {"limit"}
    md = run_cli(*args, cwd=repo).stdout
    assert "Left out by --limit (ranked next):\n- " + data["left_out"][0]["path"] in md, md
    assert "Left out for size" not in md
    doc = ET.fromstring(run_cli(*args, "--format", "xml", cwd=repo).stdout)
    assert doc.find("left_out").get("cause") == "limit"  # type: ignore[union-attr]
    unlimited = json.loads(run_cli("bundle", "--seed", "pay/core.py", "--task",
                                   "settle the payment", "--budget", "260",
                                   "--decisions-share", "0", "--format", "json", cwd=repo).stdout)
    assert unlimited["left_out"] and {x["cause"] for x in unlimited["left_out"]} == {"size"}
