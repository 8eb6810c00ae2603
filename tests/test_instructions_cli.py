"""``ctxsteward check``: formats, exit status, SARIF 2.1.0 shape, schema, pre-commit hook."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from gitutil import commit, make_repo, run_cli, snapshot

from analyzers.config import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent

# The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that code-scanning upload
# relies on: required properties, enumerations and minimums, with nested objects closed over the
# properties we emit so a typo in a property name fails too.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_REGION = {
    "type": "object", "required": ["startLine"], "additionalProperties": False,
    "properties": {k: {"type": "integer", "minimum": 1}
                   for k in ("startLine", "startColumn", "endLine", "endColumn")},
}
_ARTIFACT = {"type": "object", "required": ["uri"], "additionalProperties": False,
             "properties": {"uri": {"type": "string", "format": "uri-reference"},
                            "uriBaseId": {"type": "string"}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {
                    "driver": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "version": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"],
                            "properties": {
                                "id": {"type": "string"},
                                "shortDescription": _MESSAGE, "fullDescription": _MESSAGE,
                                "help": _MESSAGE,
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": {"enum": ["none", "note", "warning", "error"]}}},
                            }}},
                    }}}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "originalUriBaseIds": {"type": "object", "additionalProperties": {
                    "type": "object", "required": ["uri"]}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": _MESSAGE,
                        "locations": {"type": "array", "items": {
                            "type": "object", "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation"],
                                "additionalProperties": False,
                                "properties": {"artifactLocation": _ARTIFACT,
                                               "region": _REGION}}}}},
                        "fixes": {"type": "array", "items": {
                            "type": "object", "required": ["artifactChanges"], "properties": {
                                "description": _MESSAGE,
                                "artifactChanges": {"type": "array", "minItems": 1, "items": {
                                    "type": "object",
                                    "required": ["artifactLocation", "replacements"],
                                    "properties": {
                                        "artifactLocation": _ARTIFACT,
                                        "replacements": {"type": "array", "minItems": 1, "items": {
                                            "type": "object", "required": ["deletedRegion"],
                                            "properties": {
                                                "deletedRegion": _REGION,
                                                "insertedContent": _MESSAGE}}}}}}}}},
                    }}},
            }}},
    },
}


def _repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "r", {
        "src/old.py": "x = 1\n", "package.json": '{"scripts": {"build": "tsc"}}',
        "CLAUDE.md": "# Rules\n\nEdit `src/old.py`. Build: `npm run biuld`.\n",
        "docs/AGENTS.md": "Fine: [readme](../README.md).\n", "README.md": "# R\n",
    })
    commit(root, "rename", {"src/old.py": None, "src/new.py": "x = 1\n"})
    return root


def test_text_output_and_exit_status(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    before = snapshot(root)
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("CLAUDE.md:3:7: warning CS001 (missing-path) src/old.py was renamed")
    assert lines[0].endswith("[fix: src/new.py]")
    assert lines[1].startswith("CLAUDE.md:3:36: error CS003 (stale-command) script 'biuld'")
    assert lines[-1] == "1 error, 1 warning in 2 instruction files"
    assert snapshot(root) == before  # only .ctxsteward/ was written

    # Only the clean file: exit 0.
    ok = run_cli("check", "docs/AGENTS.md", cwd=root)
    assert ok.returncode == 0 and ok.stdout.strip() == "no problems in 1 instruction file"


def test_json_output_matches_the_published_schema(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    proc = run_cli("check", "--format", "json", cwd=root)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    schema = json.loads(run_cli("schema", "check", cwd=root).stdout)
    jsonschema.validate(data, schema)
    assert data["files_checked"] == 2
    first = data["diagnostics"][0]
    assert set(first) == {"path", "range", "code", "severity", "message", "fix"}
    assert first["range"] == {"start": {"line": 2, "character": 6},
                              "end": {"line": 2, "character": 16}}
    assert first["fix"]["replacement"] == "src/new.py"


def test_sarif_output_has_the_required_2_1_0_structure(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    out = tmp_path / "report.sarif"
    proc = run_cli("check", "--format", "sarif", "--out", str(out), cwd=root)
    assert proc.returncode == 1 and proc.stdout == ""
    sarif = json.loads(out.read_text())
    jsonschema.validate(sarif, SARIF_SUBSET, format_checker=jsonschema.FormatChecker())
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"CS{i:03d}" for i in range(1, 11)]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert rules[by_rule["CS003"]["ruleIndex"]]["id"] == "CS003"
    assert by_rule["CS003"]["level"] == "error" and by_rule["CS001"]["level"] == "warning"
    region = by_rule["CS001"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 7, "endLine": 3, "endColumn": 17}
    change = by_rule["CS001"]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "CLAUDE.md"
    assert change["replacements"][0]["insertedContent"]["text"] == "src/new.py"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"


def test_bad_input_is_a_clear_message(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    proc = run_cli("check", "nowhere.md", cwd=root)
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    proc = run_cli("check", "--format", "xml", cwd=root)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
    proc = run_cli("check", "--budget", "0", cwd=root)
    assert proc.returncode == 2 and "--budget" in proc.stderr
    proc = run_cli("check", "src/new.py", cwd=root)
    assert proc.returncode == 0 and "not an instruction file" in proc.stderr


def test_pre_commit_hook_runs_the_check() -> None:
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "ctxsteward-check"]
    assert hook["entry"].split()[:2] == ["ctxsteward", "check"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook.get("always_run") is True


def test_no_instruction_file_found_names_the_files_looked_for(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "plain", {"src/app.py": "def main():\n    return 1\n"})
    proc = run_cli("check", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "no problems in 0 instruction files" in proc.stdout.lower()
    looked = proc.stdout.split("(looked for: ", 1)[1]
    for name in Settings().instruction_files:  # as the code knows them, none left out
        assert name in looked, name
    named = run_cli("check", "src/app.py", cwd=root)  # files named: no list of what was looked for
    assert "looked for" not in named.stdout


def test_a_folder_argument_checks_the_skills_and_agents_in_it(tmp_path: Path) -> None:
    """``ctxsteward check .claude/skills`` said "no instruction files in this folder" though
    each ``.claude/skills/*/SKILL.md`` is checked when named by its path (saleor). A folder
    finds its instruction files and the Markdown agents read there as instructions; a file
    beside them that is not Markdown (a skill's helper script) is not one."""
    root = make_repo(tmp_path / "r", {
        "app/main.py": "def main():\n    return 1\n",
        "AGENTS.md": "See `app/main.py`.\n",
        ".claude/skills/review/SKILL.md": "---\nname: review\n---\nRead `app/gone.py`.\n",
        ".claude/skills/review/helper.py": "print(1)\n",
        ".claude/skills/bench/SKILL.md": "---\nname: bench\n---\nRun `app/main.py`.\n",
        ".claude/agents/reviewer.md": "Check `app/old.py`.\n",
        "docs/guide.md": "Plain docs.\n"})
    proc = run_cli("check", "--format", "json", ".claude/skills", cwd=root)
    data = json.loads(proc.stdout)
    assert data["files_checked"] == 2, proc.stderr
    assert [(d["path"], d["code"]) for d in data["diagnostics"]] == [
        (".claude/skills/review/SKILL.md", "CS001")]
    whole = json.loads(run_cli("check", "--format", "json", ".claude", cwd=root).stdout)
    assert whole["files_checked"] == 3
    assert {d["path"] for d in whole["diagnostics"] if d["code"] == "CS001"} == {
        ".claude/skills/review/SKILL.md", ".claude/agents/reviewer.md"}
    docs = run_cli("check", "docs", cwd=root)
    assert "docs: no instruction files in this folder" in docs.stderr
