"""Codex's switch for hooks, read from its ``config.toml`` files (never written: they are the
person's), for ``ctxsteward hooks status`` and the note ``hooks install`` prints.

From https://developers.openai.com/codex/hooks (now https://learn.chatgpt.com/docs/hooks; read
2026-12 from stored copies): "Hooks are enabled by default. To turn them off in
``config.toml``, set ``[features] hooks = false``. Use ``hooks`` as the canonical feature key.
``codex_hooks`` still works as a deprecated alias." Until spring 2026 the same page said "Hooks
are behind a feature flag in config.toml: ``[features] codex_hooks = true``": a Codex of then
runs no hook without it. Admins can force hooks off in a managed ``requirements.toml``, which is
not read here. The layers (https://developers.openai.com/codex/config-basic): the user's
``~/.codex/config.toml`` (``$CODEX_HOME/config.toml``), then the project's ``.codex/config.toml``,
which wins but is loaded only when Codex trusts the project. Where a file sets both keys the page
does not say which wins: the canonical ``hooks`` is taken.

"Non-managed command hooks must be reviewed and trusted before they run ... Codex records trust
against the hook's current hash, so new or changed hooks are marked for review and skipped until
trusted" (``/hooks`` in the CLI). Whether ours are trusted is Codex's record, in a form the page
does not document: not read here, only said.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from server.hooks.install_agents import codex_home

KEYS = ("hooks", "codex_hooks")  # the canonical key first, then the deprecated alias
_MAX_BYTES = 1 << 20

TRUST_NOTE = ("Codex runs a new or changed hook only once you trust it: review ours with /hooks "
              "in Codex (asked again whenever the command line changes)")
PROJECT_NOTE = "project hooks load only when Codex trusts the project"


@dataclass
class Setting:
    """One ``config.toml``'s word on hooks."""

    label: str  # the file as the person knows it (~/... or root-relative)
    key: str | None = None  # the key that set it (None: not set there)
    value: bool | None = None
    problem: str | None = None  # why the file could not be read


def _label(path: Path, root: Path) -> str:
    home = Path(os.path.expanduser("~"))
    if path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return f"~/{path.relative_to(home).as_posix()}" if path.is_relative_to(home) else str(path)


def read_setting(path: Path, root: Path) -> Setting | None:
    """What ``path`` says of hooks (None: no such file)."""
    label = _label(path, root)
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > _MAX_BYTES:
            return Setting(label, problem="over 1 MiB: not read")
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return Setting(label, problem=f"cannot be read as TOML ({e})")
    features = data.get("features")
    if not isinstance(features, dict):
        return Setting(label)
    for key in KEYS:
        if key in features:
            value = features[key]
            if not isinstance(value, bool):
                return Setting(label, key, problem=f"[features] {key} is not true or false")
            return Setting(label, key, value)
    return Setting(label)


def settings(root: Path) -> list[Setting]:
    """The user's then the project's word on hooks, lowest precedence first (files that exist).
    A project file that is a symlink out of the workspace is not read."""
    from analyzers.confine import resolve_inside

    found = []
    user = read_setting(codex_home() / "config.toml", root)
    if user is not None:
        found.append(user)
    project = root / ".codex" / "config.toml"
    if project.exists() and resolve_inside(root, project) is None:
        found.append(Setting(".codex/config.toml",
                             problem="a symlink to a place outside the workspace: not read"))
    else:
        setting = read_setting(project, root)
        if setting is not None:
            found.append(setting)
    return found


def switch(root: Path) -> tuple[bool, str]:
    """Whether Codex runs hooks here as far as its config files say, and the line saying so."""
    found = settings(root)
    problems = [f"{s.label}: {s.problem}" for s in found if s.problem]
    said = [s for s in found if s.key is not None and s.value is not None]
    unknown = f" ({'; '.join(problems)})" if problems else ""
    if not said:
        where = " or ".join(s.label for s in found) or _label(codex_home() / "config.toml", root)
        return True, (f"hooks are on: Codex's default (no [features] hooks in {where}); a Codex "
                      "from before that default needs [features] codex_hooks = true" + unknown)
    last = said[-1]  # the project's file wins (in a project Codex trusts)
    setting = f"[features] {last.key} = {'true' if last.value else 'false'} in {last.label}"
    if last.key == "codex_hooks":
        setting += " (codex_hooks: a deprecated name of hooks)"
    if last is not said[0]:
        setting += " (over the user's: in a project Codex trusts)"
    if last.value:
        return True, f"hooks are on: {setting}{unknown}"
    return False, (f"hooks are OFF: {setting}: Codex runs none of these hooks until it is "
                   f"true or removed{unknown}")


def notes(root: Path, scopes: list[str]) -> list[str]:
    """What ``hooks status`` says of Codex beside its files (``scopes``: the files shown): the
    switch and the trust rules."""
    return [switch(root)[1], TRUST_NOTE] + ([PROJECT_NOTE] if "project" in scopes else [])


def install_note(root: Path, scope: str) -> str:
    """The one line ``hooks install --agent codex`` prints after the change: hooks turned off
    first when they are, then the trust rules."""
    on, line = switch(root)
    trust = TRUST_NOTE + (f"; {PROJECT_NOTE}" if scope == "project" else "")
    return f"{trust}; {line}" if on else f"Codex {line}. {trust}"
