"""CS002: symbols named in inline code that appear nowhere in the code."""

from __future__ import annotations

from pathlib import Path

from gitutil import commit, make_repo
from instructions_util import apply_fix, of, run, text_at

SERVICE = """from pydantic import BaseModel


class UserService:
    def create_user(self, name: str) -> str:
        return name

    def delete_user(self, uid: int) -> None:
        pass


def load_settings() -> dict:
    return {}
"""


def test_renamed_function_is_reported_with_the_close_name(tmp_path: Path) -> None:
    claude = "Create users through `UserService.create_user()`; config: `load_settings()`.\n"
    root = make_repo(tmp_path / "r", {"app/service.py": SERVICE, "CLAUDE.md": claude})
    assert of(run(root, index=True), "CS002") == []
    commit(root, "rename", {"app/service.py": SERVICE.replace("load_settings", "read_settings")})
    (d,) = of(run(root, index=True), "CS002")
    assert text_at(claude, d) == "load_settings" and d.severity == "warning"
    assert d.fix is not None and d.fix.replacement == "read_settings"
    fixed = apply_fix(claude, d)
    assert "`read_settings()`" in fixed


def test_method_of_our_class_and_a_renamed_class(tmp_path: Path) -> None:
    claude = ("Use `UserService.remove_user()` and `UserSrvice`; `AccountService.create_user` "
              "makes accounts.\n")
    root = make_repo(tmp_path / "r", {"app/service.py": SERVICE, "CLAUDE.md": claude})
    found = of(run(root, index=True), "CS002")
    assert [text_at(claude, d) for d in found] == ["remove_user", "UserSrvice", "AccountService"]
    assert found[1].fix is not None and found[1].fix.replacement == "UserService"


def test_no_false_positives_on_libraries_words_and_fences(tmp_path: Path) -> None:
    claude = """# Style

Models extend `BaseModel` (pydantic); use `BaseModel.model_dump()` and `os.path.join()`.
Plain words: `pytest`, `main`, `README`, `API_KEY`, `DATABASE_URL`, `true`, `None`, `snake_case`.
Browser APIs: `setTimeout()`, `useState`. External: `requests.get()`, `np.array`.

```python
not_a_real_function()  # `AlsoNotReal` in a fence
```
"""
    root = make_repo(tmp_path / "r", {"app/service.py": SERVICE, "CLAUDE.md": claude})
    assert of(run(root, index=True), "CS002") == []


def test_examples_and_counter_examples_are_not_references(tmp_path: Path) -> None:
    claude = """# Naming

- Do not use signals (e.g. `post_save`, `pre_delete`); call `UserService.create_user()`.
- No cryptic abbreviations (`usr_svc` → `user_service_instance`).
- Never write `test_create_user_with_x` but `test_with_x`.
- `legacy_loader()` is deprecated. Call `load_settings()` and `load_setings()`.
"""
    root = make_repo(tmp_path / "r", {"app/service.py": SERVICE, "CLAUDE.md": claude})
    (d,) = of(run(root, index=True), "CS002")
    assert text_at(claude, d) == "load_setings"


def test_works_without_the_index_through_git_grep(tmp_path: Path) -> None:
    claude = "Call `parse_config()` and `parseConfigFile()`.\n"
    root = make_repo(tmp_path / "r", {"lib/config.go": "package lib\n\nfunc parseConfigFile()"
                                                        " {}\n", "CLAUDE.md": claude})
    (d,) = of(run(root), "CS002")
    assert text_at(claude, d) == "parse_config" and d.fix is None  # no index, no suggestion


def test_a_missing_method_is_matched_against_its_class(tmp_path: Path) -> None:
    # `defs_named` is too far from every name for a suggestion from the whole index (cutoff
    # 0.75), not from the members of the class it is called on.
    code = "class Index:\n    def definitions_named(self, n):\n        return n\n"
    claude = "Look names up with `Index.defs_named()`.\n"
    root = make_repo(tmp_path / "r", {"app/index.py": code, "CLAUDE.md": claude})
    (d,) = of(run(root, index=True), "CS002")
    assert text_at(claude, d) == "defs_named"
    assert d.fix is not None and d.fix.replacement == "definitions_named"


def test_builtins_and_standard_names_of_the_languages_present(tmp_path: Path) -> None:
    claude = ("Read with `open()` or `Path.read_text`, measure with `len()`, log with "
              "`print()`, join with `os.path.join`; `Array.prototype.map` in the docs site. "
              "Build through `make_widget()` and `Path.read_txt`.\n")
    root = make_repo(tmp_path / "py", {"app/service.py": SERVICE, "CLAUDE.md": claude})
    found = of(run(root, index=True), "CS002")
    # A genuinely unknown project function is still reported; so is a chain that does not
    # resolve in the standard library (its unknown first part, as before).
    assert [text_at(claude, d) for d in found] == ["make_widget", "Path"]

    js = ("Use `JSON.parse()`, `Promise.all()`, `Object.entries`, `Array.prototype.map` and "
          "`len()`; then `renderWidget()`.\n")
    root = make_repo(tmp_path / "js", {"src/app.js": "export function render() {}\n",
                                       "CLAUDE.md": js})
    found = of(run(root, index=True), "CS002")
    # Python's builtins are not skipped where no Python code lives.
    assert [text_at(js, d) for d in found] == ["len", "renderWidget"]


def test_an_example_s_identifier_is_not_reported(tmp_path: Path) -> None:
    """chi-style AGENTS.md: "Write benchmarks as `BenchmarkXxx`" (Go's testing docs' name for
    any benchmark) was CS002 with "did you mean BenchmarkMux?"; so were `MyComponent`,
    `fooBar()` and `my_helper()`. A real name that is gone (`load_config()`), `MySQLStore` and
    `BarChart` (no example's words) still are."""
    go = "package chi\n\nimport \"testing\"\n\nfunc BenchmarkMux(b *testing.B) {}\n"
    agents = ("# Agents\n\nWrite benchmarks as `BenchmarkXxx`; components like `MyComponent`;\n"
              "helpers like `fooBar()` or `my_helper()`. Config: `load_config()`, `MySQLStore`,"
              " `BarChart`. Services: `FooService`, `MyAppConfig`, `my_config_loader()`.\n")
    root = make_repo(tmp_path / "r", {"mux_test.go": go, "AGENTS.md": agents})
    found = [text_at(agents, d) for d in of(run(root, index=True), "CS002")]
    # (real names that look like examples, gone from the code, are still reported: verifier)
    assert found == ["load_config", "MySQLStore", "BarChart", "FooService", "MyAppConfig",
                     "my_config_loader"], found
