"""``ctxsteward check`` on a monorepo's instructions written the way people write them: a root
AGENTS.md in the agents.md example's style (pnpm, turbo, Vitest), a CLAUDE.md importing it, a
package's AGENTS.md (uv, pytest), a Claude Code skill with its own scripts, and Cursor rules
with globs and ``@file`` references. Only the stale references are reported."""

from __future__ import annotations

import json
from pathlib import Path

from gitutil import commit, make_repo
from instructions_util import run, text_at

AGENTS = """# AGENTS.md

## Dev environment tips
- Use `pnpm dlx turbo run where <project_name>` to jump to a package instead of scanning with `ls`.
- Run `pnpm install --filter <project_name>` to add the package to your workspace so Vite, ESLint,
  and TypeScript can see it.
- To try the starter outside the monorepo, run `npx create-next-app@latest ./my-app` and then
  `cd ./my-app` and `npm run dev`.
- First-time setup: `./scripts/bootstrap.sh`.

## Testing instructions
- Find the CI plan in the `.github/workflows` folder.
- Run `pnpm turbo run test --filter <project_name>` to run every check defined for that package.
- To focus on one step, add the Vitest pattern: `pnpm vitest run -t "<test name>"`.
- The HTTP helpers live in `packages/web/src/lib/api-client.ts`.
"""
CLAUDE = """@AGENTS.md

## Claude Code

- Format with `pnpm format` (Prettier). Never hand-format.
- Write scratch notes to `./tmp/notes.md` (git-ignored) and delete them when done.
"""
API = """# acme-api

## Testing

Run the unit tests with
`uv run pytest -q` from this folder.

## Conventions
- Routes go in `src/acme_api/routes/` (create it when you add the first one).
- Settings are read in `src/acme_api/settings.py`.
- Example layout for a new service: `src/acme_api/services/my_service.py`.
"""
SKILL = """---
name: release
description: Cut a release. Use when the user asks to release or tag a version.
---

1. Check the version with `python scripts/check_version.py` (this skill's script).
2. Read `references/checklist.md` and follow it.
3. Run `./scripts/release.sh <version>` from the repository root.
4. Generate the notes with `python scripts/gen_notes.py > dist/notes.md`.
"""
REACT = """---
description: React component conventions for the web app
globs: packages/web/src/**/*.tsx
alwaysApply: false
---

- Follow the pattern in @packages/web/src/components/Button.tsx.
- New components: `packages/web/src/components/MyComponent.tsx` (copy Button.tsx as a start).
- Run `pnpm --filter @acme/web typecheck` after changing props.
"""


def test_a_monorepo_s_instructions_report_only_stale_references(tmp_path: Path) -> None:
    """Each of these was reported on main and names nothing missing: `pnpm turbo` and `pnpm
    vitest` (commands the root's and web's devDependencies install, which pnpm runs when no
    script has the name: "script 'turbo' is not defined"), a Cursor rule's
    `@packages/web/src/components/Button.tsx` (Cursor reads it from the workspace root: "does
    not exist ... relative to this file"), `./tmp/notes.md` (scratch notes written there),
    `src/acme_api/routes/` ("create it when ..."), `MyComponent.tsx` and `my_service.py`
    (examples' names), `./my-app` (made by create-next-app). Still reported: a deleted
    script, a renamed module, a missing settings file, the skill's missing script."""
    root = make_repo(tmp_path / "mono", {
        "package.json": json.dumps({"name": "acme", "private": True,
                                    "scripts": {"format": "prettier --write .", "test": "t"},
                                    "devDependencies": {"turbo": "^2"}}),
        "packages/web/package.json": json.dumps({
            "name": "@acme/web", "scripts": {"typecheck": "tsc --noEmit"},
            "devDependencies": {"vitest": "^3", "typescript": "^5"}}),
        "packages/web/src/components/Button.tsx": "export const Button = () => null;\n",
        "packages/web/src/lib/api-client.ts": "export const get = 1;\n",
        "packages/api/src/acme_api/__init__.py": "", "packages/api/tests/test_x.py": "",
        "scripts/release.sh": "#!/bin/sh\n", "scripts/bootstrap.sh": "#!/bin/sh\n",
        ".github/workflows/ci.yml": "name: ci\n",
        ".claude/skills/release/scripts/check_version.py": "print(1)\n",
        ".claude/skills/release/references/checklist.md": "# Checklist\n",
    })
    commit(root, "drop bootstrap; rename the api client", {
        "scripts/bootstrap.sh": None, "packages/web/src/lib/api-client.ts": None,
        "packages/web/src/lib/http.ts": "export const get = 1;\n"})
    texts = {"AGENTS.md": AGENTS, "CLAUDE.md": CLAUDE, "packages/api/AGENTS.md": API,
             ".claude/skills/release/SKILL.md": SKILL, ".cursor/rules/react.mdc": REACT}
    commit(root, "agent instructions", texts)
    report = run(root)
    found = sorted((d.path, d.code, text_at(texts[d.path], d)) for d in report.diagnostics
                   if d.code in ("CS001", "CS003"))
    assert found == [
        (".claude/skills/release/SKILL.md", "CS003", "scripts/gen_notes.py"),
        ("AGENTS.md", "CS001", "packages/web/src/lib/api-client.ts"),
        ("AGENTS.md", "CS003", "./scripts/bootstrap.sh"),
        ("packages/api/AGENTS.md", "CS001", "src/acme_api/settings.py"),
    ], report.diagnostics
    # a Cursor rule's @file mistyped is reported, with the fix written from the root
    typo = REACT.replace("Button.tsx.", "Buton.tsx.")
    commit(root, "typo", {".cursor/rules/react.mdc": typo})
    (d,) = [d for d in run(root).diagnostics if d.path == ".cursor/rules/react.mdc"
            and d.code == "CS001"]
    assert d.fix is not None and d.fix.replacement == "packages/web/src/components/Button.tsx"
    assert "plain text" not in d.message, d.message
