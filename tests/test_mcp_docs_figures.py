"""The MCP figures in the docs are the code's: the ``tools/list`` cost README.md and docs/mcp.md
give is what ``ctxsteward mcp --print-tool-cost`` prints, whole and per tool."""

from __future__ import annotations

import re
from pathlib import Path

from gitutil import make_folder, run_cli

DOCS = Path(__file__).resolve().parent.parent


def _printed(tmp_path: Path) -> str:
    """What ``ctxsteward mcp --print-tool-cost`` prints (the tools do not depend on the root)."""
    folder = make_folder(tmp_path / "plain", {"a.py": "def a():\n    return 1\n"})
    done = run_cli("mcp", "--root", str(folder), "--print-tool-cost", cwd=folder)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_readme_and_docs_mcp_give_the_printed_tool_cost(tmp_path: Path) -> None:
    printed = _printed(tmp_path)
    total = re.match(r"tools/list: ([\d,]+) tokens \(cl100k_base\) for 6 tools\n", printed)
    assert total, printed
    readme = (DOCS / "README.md").read_text("utf-8")
    said = re.findall(r"The whole `tools/list` costs ([\d,]+) cl100k tokens", readme)
    assert said == [total.group(1)], (said, printed)

    mcp_doc = (DOCS / "docs" / "mcp.md").read_text("utf-8")
    block = re.search(r"```\n\$ ctxsteward mcp --print-tool-cost\n(.*?)```", mcp_doc, re.S)
    assert block, "docs/mcp.md has no --print-tool-cost block"
    assert block.group(1) == printed  # the whole, and each tool's line, in the printed order
    per_tool = dict(re.findall(r"^ +([\d,]+)  (\w+)$", printed, re.M))
    assert len(per_tool) == 6 and sum(int(n.replace(",", "")) for n in per_tool) > 0
