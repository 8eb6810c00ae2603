"""``ctxsteward check`` on what a verifier found (round 27): a hedge or a copy written across a
line wrap, history sentences ("was replaced by", "has been removed", ``**no longer**``), a
file the document makes mentioned again, ``./`` paths without their folder, scripts without a
suffix or read with ``source``, skills checked without PATH, and one ``git check-ignore`` a
run. Each runs the real CLI on a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import make_repo, run_cli

BASE = {"src/app.py": "x = 1\n", "scripts/lint.sh": "#!/bin/sh\n",
        "Makefile": "build:\n\ttrue\n", "package.json": '{"scripts": {"build": "tsc"}}'}


def _findings(root: Path, *paths: str) -> list[tuple[str, int, str, str]]:
    """(path, 1-based line, code, the text flagged) of each finding of ``check`` in JSON."""
    proc = run_cli("check", "--no-index", "--format", "json", *paths, cwd=root)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    out = []
    for d in json.loads(proc.stdout)["diagnostics"]:
        r = d["range"]
        line = (root / d["path"]).read_text().split("\n")[r["start"]["line"]]
        out.append((d["path"], r["start"]["line"] + 1, d["code"],
                    line[r["start"]["character"]:r["end"]["character"]]))
    return out


def test_a_hedge_or_a_copy_across_a_line_wrap_reads_as_one_sentence(tmp_path: Path) -> None:
    """The hedge ("We no longer use", "Do not run") or the copy ("Copy `a` to") sat on the line
    before the wrap, and each command or path after it was reported (the check read one
    physical line). A reference on a wrapped line that nothing hedges is still reported, at its
    own line and column."""
    agents = ("# Agents\n\n"
              "We no longer use `scripts/old_build.sh` or\n"
              "`npm run deploy` for releases.\n\n"
              "Do not run\n"
              "`./scripts/legacy.sh` anymore.\n\n"
              "Copy `src/app.py` to\n"
              "`src/app_local.py` before starting.\n\n"
              "- Lint with `./scripts/lint.sh` and read the notes in\n"
              "  `src/notes.py` before you\n"
              "  run `npm run deploy`.\n")
    root = make_repo(tmp_path / "r", {**BASE, "AGENTS.md": agents})
    assert _findings(root) == [("AGENTS.md", 13, "CS001", "src/notes.py"),
                               ("AGENTS.md", 14, "CS003", "deploy")]


def test_a_history_sentence_names_no_missing_file_or_command(tmp_path: Path) -> None:
    """"`scripts/gen.sh` was replaced by `make build`", "... has been removed", "The **no
    longer** supported ...", "We **no longer** run ...": a path or command there is history,
    not an instruction; the same names told to be used are still reported."""
    agents = "\n\n".join([
        "# History", "The script `scripts/gen.sh` was replaced by `make build`.",
        "`scripts/setup.sh` has been removed.",
        "The **no longer** supported `src/old.py` stays out.",
        "We **no longer** run `npm run deploy`.", "`make release` was dropped.", "# Now",
        "Run `scripts/setup.sh`, edit `src/old.py` and run `make release`.\n"])
    root = make_repo(tmp_path / "r", {**BASE, "AGENTS.md": agents})
    assert _findings(root) == [("AGENTS.md", 15, "CS001", "scripts/setup.sh"),
                               ("AGENTS.md", 15, "CS001", "src/old.py"),
                               ("AGENTS.md", 15, "CS003", "release")]


def test_a_file_the_document_makes_is_no_missing_file_where_mentioned_again(
        tmp_path: Path) -> None:
    """"`make build` writes `src/generated.py`" made the file for that sentence only; "import
    from `src/generated.py`" and "run `python src/gen_tool.py`" later were reported missing."""
    agents = ("# Build\n\n"
              "Run `make build`; it writes `src/generated.py`. Run `make build` to generate\n"
              "`scripts/gen_tool.py` as well.\n\n"
              "# Tests\n\n"
              "Tests import from `src/generated.py`; run `bash scripts/gen_tool.py` first.\n"
              "Read `src/other.py` too.\n")
    root = make_repo(tmp_path / "r", {**BASE, "AGENTS.md": agents})
    assert _findings(root) == [("AGENTS.md", 9, "CS001", "src/other.py")]


def test_a_path_from_here_is_reported_without_its_folder(tmp_path: Path) -> None:
    """`./docs/guide.md` with no docs/ folder was never reported (only a path whose first
    folder exists was taken as meant for this repository); `./` says it is."""
    agents = "See `./docs/guide.md` and `./src/app.py`.\n"
    root = make_repo(tmp_path / "r", {**BASE, "AGENTS.md": agents})
    assert _findings(root) == [("AGENTS.md", 1, "CS001", "./docs/guide.md")]


def test_scripts_without_a_suffix_or_sourced_are_checked(tmp_path: Path) -> None:
    """`./configure`, `./scripts/bootstrap`, `source scripts/env.sh`, `. scripts/more.sh` were
    never checked for existence (only `./x.sh`-like names were scripts). `./configure` beside
    the configure.ac it is generated from passes, as do a virtualenv's activate script and
    the scripts that exist."""
    agents = ("# Setup\n\n"
              "Run `./configure` then `./scripts/bootstrap` and `./scripts/check`.\n\n"
              "```sh\n"
              "./tools/configure --prefix=/usr\n"
              "source scripts/env.sh\n"
              ". scripts/more.sh\n"
              "source scripts/lint.sh\n"
              "source .venv/bin/activate\n"
              "```\n")
    files = {**BASE, "AGENTS.md": agents, "scripts/check": "#!/bin/sh\n",
             "tools/configure.ac": "AC_INIT\n"}
    root = make_repo(tmp_path / "r", files)
    assert _findings(root) == [("AGENTS.md", 3, "CS003", "./configure"),
                               ("AGENTS.md", 3, "CS003", "./scripts/bootstrap"),
                               ("AGENTS.md", 7, "CS003", "scripts/env.sh"),
                               ("AGENTS.md", 8, "CS003", "scripts/more.sh")]
    (root / "configure.ac").write_text("AC_INIT\n")  # generated from it: no longer reported
    assert ("AGENTS.md", 3, "CS003", "./configure") not in _findings(root)


def test_skills_are_checked_without_a_path(tmp_path: Path) -> None:
    """`ctxsteward check` (and `check .`) checked only the instruction files: a skill's stale
    script (Claude Code's `.claude/skills`, Codex's `.agents/skills`) went unseen unless its
    folder was named. A `SKILL.md` outside a skills folder (a template) is not one."""
    skill = "---\nname: {0}\ndescription: {0}\n---\nRun `./scripts/{0}.sh`.\n"
    root = make_repo(tmp_path / "r", {
        **BASE, "AGENTS.md": "Lint with `./scripts/lint.sh`.\n",
        ".claude/skills/release/SKILL.md": skill.format("release"),
        ".agents/skills/deploy/SKILL.md": skill.format("deploy"),
        "templates/SKILL.md": skill.format("template")})
    expected = [(".agents/skills/deploy/SKILL.md", 5, "CS003", "./scripts/deploy.sh"),
                (".claude/skills/release/SKILL.md", 5, "CS003", "./scripts/release.sh")]
    assert _findings(root) == expected
    assert _findings(root, ".") == expected
    proc = run_cli("check", "--no-index", cwd=root)
    assert "in 3 instruction files" in proc.stdout


def test_the_ignore_rules_are_asked_once_a_run(tmp_path: Path) -> None:
    """`git check-ignore` ran once for each script missing from the tree; the prefetch asks
    for all of them (and the bare file names) at once. Ignored scripts stay quiet."""
    trace = tmp_path / "trace.txt"
    root = make_repo(tmp_path / "r", {
        **BASE, ".gitignore": "scripts/local*.sh\nlocal_settings.py\n",
        "AGENTS.md": "Run `./scripts/local1.sh`, `bash scripts/local2.sh` and "
                     "`./scripts/gone.sh`; see `settings_dev.py`.\n",
        "pkg/AGENTS.md": "Run `source scripts/local3.sh` and `./scripts/local4.sh`; keep "
                         "`local_settings.py` out of git.\n"})
    proc = run_cli("check", "--no-index", cwd=root, env={"GIT_TRACE": str(trace)})
    assert "scripts/gone.sh does not exist" in proc.stdout
    assert "settings_dev.py matches no file" in proc.stdout
    assert "local" not in proc.stdout, proc.stdout
    calls = [x for x in trace.read_text().splitlines() if "built-in: git check-ignore" in x]
    assert len(calls) == 1, calls


def test_the_end_of_a_kind_of_name_is_no_missing_file(tmp_path: Path) -> None:
    """"one file each with a `_test.go` beside it" (found on chi while comparing findings):
    the end of Go's test files' names, reported as a bare file name no commit ever added."""
    agents = "Each middleware has a `_test.go` beside it; see `settings_dev.go`.\n"
    root = make_repo(tmp_path / "r", {"mux.go": "package chi\n", "AGENTS.md": agents})
    assert _findings(root) == [("AGENTS.md", 1, "CS001", "settings_dev.go")]
