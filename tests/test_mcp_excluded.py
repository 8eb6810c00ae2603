"""suggest_bundle's structured answer lists the ranked files it never shows, with the reason
(``excluded``, as the CLI's JSON does), without naming secret-bearing file names (those are only
counted, in a warning). The real server over stdio, with the SDK's client."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import make_repo
from mcp_client import data, session

SECRET = "AKIA" + "Q3EGUCH4ZJ7KRXW2"  # an AWS access key id form, assembled at run time


@pytest.fixture
def log(tmp_path: Path):  # noqa: ANN201 - a text file
    with (tmp_path / "server.log").open("w+") as f:
        yield f


async def test_excluded_lists_what_is_never_shown_and_why(tmp_path: Path, log: object) -> None:
    repo = make_repo(tmp_path / "repo", {
        "app/invoice.py": "def invoice_total(items):\n    return sum(items)\n",
        "app/invoice_keys.py": f"INVOICE_KEY = '{SECRET}'\n",
        "vendor/invoice_lib.py": "def invoice_total_vendor(items):\n    return sum(items)\n",
        ".env.invoice": f"INVOICE_KEY={SECRET}\n",
    })
    async with session(repo, log, "--exclude", "vendor/") as s:  # type: ignore[arg-type]
        answer = data(await s.call_tool("suggest_bundle", {"task": "invoice total key"}))
    excluded = {e["path"]: e["reason"] for e in answer["excluded"]}
    assert excluded["vendor/invoice_lib.py"] == "matches an exclude glob"
    assert "secret material as a whole" in excluded["app/invoice_keys.py"]
    assert ".env.invoice" not in excluded and ".env" not in str(answer)
    assert "app/invoice.py" in {i["path"] for i in answer["items"]}
    assert set(excluded) <= {o["path"] for o in answer["left_out"]}  # also never-shown entries
