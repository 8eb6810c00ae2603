"""Settings are plain dataclasses validated by a pydantic model generated from their fields: the
same defaults, coercions and error messages as a pydantic model, and nothing imported for the
defaults (a warm Markdown bundle from the CLI loads no pydantic at all)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from gitutil import make_repo
from pydantic import ValidationError

from analyzers import config
from analyzers.config import PROFILES, ModelProfile, Settings


def test_defaults_are_the_validators_defaults() -> None:
    validated = config._validator()()  # noqa: SLF001 - the generated pydantic model
    assert {n: getattr(validated, n) for n in Settings.model_fields} == Settings().model_dump()
    assert type(validated).__name__ == "Settings"
    assert Settings() == Settings() and Settings().exclude is not Settings().exclude


def test_given_values_are_validated_and_coerced() -> None:
    s = Settings(max_file_size="100", exclude=("a/*",), context_window=50_000)
    assert (s.max_file_size, s.exclude, s.context_window) == (100, ["a/*"], 50_000)
    assert Settings(profile="claude").model_profile() == PROFILES["claude"]
    assert Settings(profile="claude", context_window=9).model_profile() == ModelProfile(
        name="claude", context_window=9, factor=PROFILES["claude"].factor)
    with pytest.raises(ValidationError, match="unknown profile 'gpt-17': choose one of"):
        Settings(profile="gpt-17")
    with pytest.raises(ValidationError) as err:
        Settings(max_file_size=0, workers="many", import_depth=-1)
    assert {e["loc"][0] for e in err.value.errors()} == {"max_file_size", "workers",
                                                         "import_depth"}
    assert "validation errors for Settings" in str(err.value)
    assert Settings(no_such_setting=1) == Settings()  # ignored, as pydantic ignores extras


def test_pydantic_style_methods() -> None:
    s = Settings.model_validate({"profile": "gpt-4", "large_commit_limit": 12})
    assert (s.profile, s.large_commit_limit) == ("gpt-4", 12)
    dumped = s.model_dump()
    assert dumped["large_commit_limit"] == 12 and dumped["exclude"] is not s.exclude
    again = Settings.model_validate({**dumped, "large_commit_limit": 40})
    assert again.large_commit_limit == 40 and again.profile == "gpt-4"
    copy = s.model_copy(update={"encoding": "cl100k_base", "profile": "nonsense"})
    assert (copy.encoding, copy.profile, s.profile) == ("cl100k_base", "nonsense", "gpt-4")
    assert Settings.model_construct(workers=3).workers == 3
    assert "profile" in Settings.model_fields and "nonsense" not in Settings.model_fields
    assert set(Settings.model_fields) == {f.name for f in dataclasses.fields(Settings)}


def test_defaults_import_no_pydantic() -> None:
    code = ("import sys; from analyzers.config import Settings; s = Settings(); "
            "s.model_profile(); s.model_copy(update={'workers': 2}); "
            "assert 'pydantic' not in sys.modules, 'pydantic imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr


def test_a_markdown_bundle_from_the_cli_imports_no_pydantic(tmp_path) -> None:  # noqa: ANN001
    root = make_repo(tmp_path / "repo", {"a.py": "def a():\n    return 1\n",
                                         "b.py": "from a import a\n\nprint(a())\n"})
    code = ("import sys; from server.cli.main import main; rc = main(['bundle', '--seed', 'b.py', "
            "'--out', 'out.md']); assert rc == 0, rc; "
            "assert 'pydantic' not in sys.modules, 'pydantic imported'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "def a():" in (root / "out.md").read_text()
