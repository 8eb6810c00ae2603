"""The platform .vsix carries a server that runs on a fresh machine with no pip step: unpacked
from the built ``ctxsteward-linux-x64-*.vsix`` into an empty folder, ``bundled/launch.py`` answers
``--version`` on every bundled Python version found here, and serves a hover with a token figure,
isolated from this environment (``-I -S``: no site-packages, no PYTHONPATH) and, where the
machine allows it, with no network (``unshare -n``).

Needs the .vsix: ``cd vscode-client && npm run package:platform -- --target linux-x64`` (or
``CTXSTEWARD_VSIX=path``); skipped with that message otherwise. ``.ci/run`` builds it first."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import pytest
from gitutil import make_repo
from lsp_client import open_doc, start, stop, wait_indexed
from lsprotocol import types

from analyzers import __version__

CLIENT = Path(__file__).resolve().parent.parent / "vscode-client"
FLAGS = ["-I", "-S", "-u"]  # what the extension runs the bundled server with (BUNDLED_FLAGS)


def built_vsix() -> Path | None:
    """The .vsix to test: $CTXSTEWARD_VSIX, else the newest linux-x64 build in vscode-client/."""
    if os.environ.get("CTXSTEWARD_VSIX"):
        return Path(os.environ["CTXSTEWARD_VSIX"])
    found = sorted(CLIENT.glob("ctxsteward-linux-x64-*.vsix"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


VSIX = built_vsix()
pytestmark = pytest.mark.skipif(
    VSIX is None or sys.platform != "linux",
    reason="no linux-x64 .vsix built (cd vscode-client && npm run package:platform -- "
           "--target linux-x64, or set CTXSTEWARD_VSIX)")


@cache
def offline_prefix() -> tuple[str, ...]:
    """``unshare -n`` (a network namespace with no interfaces up) when it works here."""
    tool = shutil.which("unshare")
    if tool and subprocess.run([tool, "-n", "true"], capture_output=True).returncode == 0:
        return (tool, "-n")
    return ()


def python_for(version: str) -> str | None:
    """An interpreter of this minor version on this machine (PATH, or pyenv's versions)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    names = [shutil.which(f"python{version}"), sys.executable,
             *map(str, sorted(pyenv.glob(f"versions/{version}.*/bin/python{version}")))]
    for exe in filter(None, names):
        probe = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return exe
    return None


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .vsix unpacked into an empty folder, as VS Code installs it."""
    assert VSIX is not None
    dest = tmp_path_factory.mktemp("fresh-install")
    with zipfile.ZipFile(VSIX) as z:
        z.extractall(dest)
    manifest = (dest / "extension.vsixmanifest").read_text()
    assert 'TargetPlatform="linux-x64"' in manifest
    return dest / "extension" / "bundled"


def bundled_pythons(bundled: Path) -> list[str]:
    """The Python versions the bundle has libraries for."""
    return sorted("3." + d.name[3:] for d in (bundled / "libs").glob("cp3*"))


def clean_env(home: Path) -> dict[str, str]:
    """A minimal environment: no PYTHONPATH, no virtualenv, no pip configuration."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


def test_the_bundle_answers_version_on_each_python(unpacked: Path, tmp_path: Path) -> None:
    versions = bundled_pythons(unpacked)
    assert versions == ["3.11", "3.12", "3.13"]
    ran = []
    for v in versions:
        exe = python_for(v)
        if exe is None:
            continue
        # The interpreter alone, isolated like this, has none of the server's libraries...
        bare = subprocess.run([exe, *FLAGS, "-c", "import pydantic"], capture_output=True,
                              env=clean_env(tmp_path))
        assert bare.returncode != 0
        # ...and the launcher gives them all.
        proc = subprocess.run([*offline_prefix(), exe, *FLAGS, str(unpacked / "launch.py"),
                               "--version"], capture_output=True, text=True,
                              env=clean_env(tmp_path), timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip() == f"ctxsteward {__version__}"
        ran.append(v)
    assert "3.11" in ran, "the test's own Python version must be among those run"


def test_the_bundle_refuses_another_python_with_a_clear_message(unpacked: Path,
                                                               tmp_path: Path) -> None:
    exe = python_for("3.10") or python_for("3.9")
    if exe is None:
        pytest.skip("no Python older than 3.11 here")
    proc = subprocess.run([exe, *FLAGS, str(unpacked / "launch.py"), "--version"],
                          capture_output=True, text=True, env=clean_env(tmp_path))
    assert proc.returncode == 3
    assert re.match(r"ctxsteward: the bundled server requires Python 3\.11, 3\.12, 3\.13; "
                    r"this is Python 3\.(9|10)\.\d+ \(", proc.stderr), proc.stderr


SOURCE = "def add_all(values):\n    total = 0\n    for v in values:\n        total += v\n" \
         "    return total\n"


def test_the_bundled_server_hovers_with_a_token_figure(unpacked: Path, tmp_path: Path) -> None:
    exe = python_for("3.13") or python_for("3.12") or sys.executable
    root = make_repo(tmp_path / "repo", {"calc.py": SOURCE})
    command = [*offline_prefix(), exe, *FLAGS, str(unpacked / "launch.py"), "serve"]

    async def hover() -> str:
        client = await start(root, command=command)
        try:
            await wait_indexed(client)
            uri = open_doc(client, root / "calc.py")
            answer = await client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=0, character=5)))
            assert answer is not None
            assert isinstance(answer.contents, types.MarkupContent)
            return answer.contents.value
        finally:
            await stop(client)

    value = asyncio.run(hover())
    assert re.search(r"\*\*`add_all`\*\* · function · \*\*\d+ tokens\*\*", value), value
