#!/usr/bin/env python3
"""How long the server bundled in a platform .vsix takes to start on a fresh machine.

    python bench/bundled_first_start.py VSIX [--repo PATH] [--python EXE]

From nothing: the .vsix is unpacked into an empty folder (what VS Code's install does), then,
with the interpreter the extension would pick (``--python``, default: python3.13, python3.12,
python3.11 from PATH or pyenv), run as the extension runs it (``-I -S -u bundled/launch.py``):

1. ``--version`` the first time (no byte-code yet: Python compiles what it imports and writes it
   beside the libraries) and a second time;
2. ``serve`` on a git worktree of ``--repo`` at HEAD with no ``.ctxsteward`` cache (default: this
   repository): process start -> first hover on a definition whose text has a token figure, the
   first time (fresh unpack, no byte-code) and again (byte-code written, index built).

Prints the figures; the .vsix's size too. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import cast

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

FLAGS = ["-I", "-S", "-u"]
REPO = Path(__file__).resolve().parent.parent


def find_python() -> str:
    """The newest bundled-version interpreter on PATH or under pyenv."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for v in ("3.13", "3.12", "3.11"):
        for exe in [shutil.which(f"python{v}"),
                    *map(str, sorted(pyenv.glob(f"versions/{v}.*/bin/python{v}")))]:
            if exe and subprocess.run([exe, "-c", "pass"], capture_output=True).returncode == 0:
                return exe
    return sys.executable


def timed_version(exe: str, launcher: Path) -> float:
    """Seconds for `launch.py --version`."""
    t0 = time.perf_counter()
    subprocess.run([exe, *FLAGS, str(launcher), "--version"], check=True, capture_output=True)
    return time.perf_counter() - t0


async def first_hover(command: list[str], root: Path, rel: str, line: int, col: int) -> float:
    """Seconds from starting the server to a hover answer with a token figure."""
    t0 = time.perf_counter()
    client = cast(LanguageClient, await ClientServerConfig(server_command=command).start())
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
    path = root / rel
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=1,
                                             text=path.read_text())))
    try:
        while time.perf_counter() - t0 < 120:
            answer = await client.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
                position=types.Position(line=line, character=col)))
            if answer and "tokens" in getattr(answer.contents, "value", ""):
                return time.perf_counter() - t0
            await asyncio.sleep(0.05)
        raise SystemExit("no hover with a token figure within 120 s")
    finally:
        await client.shutdown_session()
        await client.stop()


def main() -> int:
    """Unpack, time --version and the first hover, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vsix", type=Path)
    ap.add_argument("--repo", type=Path, default=REPO)
    ap.add_argument("--file", default="analyzers/tokens.py")
    ap.add_argument("--python", default=None)
    args = ap.parse_args()
    exe = args.python or find_python()
    version = subprocess.run([exe, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="ctxs-first-start-") as tmp:
        t0 = time.perf_counter()
        with zipfile.ZipFile(args.vsix) as z:
            z.extractall(tmp)
        unpack = time.perf_counter() - t0
        launcher = Path(tmp) / "extension" / "bundled" / "launch.py"
        v_cold, v_warm = timed_version(exe, launcher), timed_version(exe, launcher)
        # A fresh unpack again, so the serve measurement starts with no byte-code either.
        shutil.rmtree(Path(tmp) / "extension")
        with zipfile.ZipFile(args.vsix) as z:
            z.extractall(tmp)
        work = Path(tmp) / "repo"
        subprocess.run(["git", "-C", str(args.repo), "worktree", "add", "--detach", "-q",
                        str(work), "HEAD"], check=True)
        try:
            text = (work / args.file).read_text().splitlines()
            line = next(i for i, t in enumerate(text) if t.startswith("def "))
            command = [exe, *FLAGS, str(launcher), "serve"]
            h_cold = asyncio.run(first_hover(command, work, args.file, line, 5))
            h_warm = asyncio.run(first_hover(command, work, args.file, line, 5))
        finally:
            subprocess.run(["git", "-C", str(args.repo), "worktree", "remove", "--force",
                            str(work)], check=False)
    print(f".vsix: {args.vsix.stat().st_size / 2**20:.1f} MiB; unpacked in {unpack:.1f} s")
    print(f"Python {version} ({exe})")
    print(f"--version: first {v_cold:.2f} s (no byte-code), then {v_warm:.2f} s")
    print(f"serve -> first hover with a token figure ({args.repo.name}/{args.file}): "
          f"first {h_cold:.2f} s (no byte-code, no index), then {h_warm:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
