"""Build `vscode-client/bundled/`: the Context Steward server and every library it needs, for one
VS Code target platform and several Python minor versions, so a platform .vsix starts the server
with no pip step and no download at run time.

    python scripts/bundle_server.py --target linux-x64 [--python 3.11 3.12 3.13]

Steps (all network use is here, at build time):
1. build this repository's wheel (`analyzers`, `server` and their data files);
2. `pip download --only-binary=:all: --platform ... --python-version V` its dependencies, once per
   Python version, into `build/wheels/<target>/cpVV/`;
3. check each download's closure against the *target's* environment markers (pip evaluates
   markers for the machine it runs on: a win32 build needs pywin32 and colorama, which a Linux
   pip leaves out) and fetch what is missing;
4. install the wheels with `pip install --no-index --no-deps --target`: a wheel downloaded
   identically for every version (pure Python, abi3) into `bundled/libs/common`, the others into
   `bundled/libs/cpVV`; `bundled/launch.py` puts the right pair on sys.path.

Needs a Python with pip and `packaging` (any version pip supports).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

CLIENT = Path(__file__).resolve().parent.parent
REPO = CLIENT.parent
MANYLINUX = ["manylinux_2_28", "manylinux_2_27", "manylinux_2_17", "manylinux2014",
             "manylinux_2_5", "manylinux1"]

# VS Code target -> (pip --platform tags, marker environment of the target)
TARGETS: dict[str, tuple[list[str], dict[str, str]]] = {
    "linux-x64": ([f"{m}_x86_64" for m in MANYLINUX],
                  {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                   "platform_machine": "x86_64"}),
    "linux-arm64": ([f"{m}_aarch64" for m in MANYLINUX],
                    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                     "platform_machine": "aarch64"}),
    "darwin-x64": (["macosx_11_0_x86_64", "macosx_10_15_x86_64", "macosx_10_13_x86_64",
                    "macosx_10_9_x86_64", "macosx_11_0_universal2", "macosx_10_9_universal2"],
                   {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                    "platform_machine": "x86_64"}),
    "darwin-arm64": (["macosx_11_0_arm64", "macosx_11_0_universal2", "macosx_10_9_universal2"],
                     {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                      "platform_machine": "arm64"}),
    "win32-x64": (["win_amd64"],
                  {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                   "platform_machine": "AMD64"}),
}


def run(argv: list[str]) -> None:
    """Run a command, echoing it; stop the build when it fails."""
    shown = [a for a in argv if not a.endswith(".whl")]
    wheels = len(argv) - len(shown)
    print("+ " + " ".join(shown) + (f" ({wheels} wheels)" if wheels else ""), flush=True)
    subprocess.run(argv, check=True)


def pip_tags(target: str, version: str) -> list[str]:
    """pip's flags selecting binary wheels for one target platform and Python version."""
    cp = "cp" + version.replace(".", "")
    flags = ["--only-binary=:all:", "--implementation", "cp", "--python-version", version,
             "--abi", cp, "--abi", "abi3", "--abi", "none"]
    for tag in TARGETS[target][0] + ["any"]:
        flags += ["--platform", tag]
    return flags


def self_wheel(out: Path) -> Path:
    """Build this repository's wheel (the server code and its data files) into `out`."""
    shutil.rmtree(out, ignore_errors=True)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)])
    return next(out.glob("ctxsteward-*.whl"))


def wheel_metadata(path: Path) -> tuple[str, list[str]]:
    """A wheel's project name and its Requires-Dist lines."""
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(name).decode("utf-8"))
    return canonicalize_name(meta["Name"]), meta.get_all("Requires-Dist") or []


def missing_requirements(wheels: dict[str, Path], env: dict[str, str]) -> list[str]:
    """Requirements the target needs (markers evaluated for it) that no wheel here provides."""
    meta = {name: wheel_metadata(p)[1] for name, p in wheels.items()}
    todo: list[tuple[str, frozenset[str]]] = [("ctxsteward", frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    missing: list[str] = []
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for line in meta.get(name, []):
            req = Requirement(line)
            if req.marker and not any(
                    req.marker.evaluate({**env, "extra": e}) for e in (extras or {""})):
                continue
            dep = canonicalize_name(req.name)
            if dep not in wheels:
                missing.append(str(Requirement(f"{req.name}{req.specifier}")))
            todo.append((dep, frozenset(req.extras)))
    return sorted(set(missing))


def download(target: str, version: str, root_wheel: Path, dest: Path) -> dict[str, Path]:
    """The target's wheels for one Python version, its marker closure complete."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.whl"):
        old.unlink()
    base = [sys.executable, "-m", "pip", "download", "-q", "-d", str(dest),
            *pip_tags(target, version)]
    run([*base, str(root_wheel)])
    env = {**TARGETS[target][1], "python_version": version, "python_full_version": version + ".0",
           "implementation_name": "cpython", "platform_python_implementation": "CPython"}
    wheels: dict[str, Path] = {}
    for _ in range(5):
        wheels = {parse_wheel_filename(p.name)[0]: p for p in dest.glob("*.whl")}
        missing = missing_requirements(wheels, env)
        if not missing:
            return wheels
        print(f"  {target} Python {version}: the target also needs {', '.join(missing)}")
        run([*base, *missing])
    raise SystemExit(f"{target} {version}: the dependency closure did not settle")


def install(target: str, version: str, wheels: list[Path], into: Path) -> None:
    """Unpack wheels into a --target folder (no index, no byte-compiling, no scripts kept)."""
    if not wheels:
        return
    run([sys.executable, "-m", "pip", "install", "--isolated", "--no-index", "--no-deps",
         "--no-compile", "--ignore-requires-python", "-q", "--target", str(into),
         *pip_tags(target, version),
         *map(str, wheels)])
    shutil.rmtree(into / "bin", ignore_errors=True)


def folder_size(path: Path) -> int:
    """Bytes in the files under a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> int:
    """Build bundled/ for one target; print what went where and how big it is."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", required=True, choices=sorted(TARGETS))
    ap.add_argument("--python", nargs="+", default=["3.11", "3.12", "3.13"],
                    help="Python minor versions to bundle libraries for")
    ap.add_argument("--out", type=Path, default=CLIENT / "bundled")
    args = ap.parse_args()
    work = CLIENT / "build" / "wheels" / args.target
    root_wheel = self_wheel(CLIENT / "build" / "self")
    per_version = {v: download(args.target, v, root_wheel, work / f"cp{v.replace('.', '')}")
                   for v in args.python}
    names = [{p.name for p in w.values()} for w in per_version.values()]
    # Shared between versions; with one version everything goes to its own folder.
    common = set.intersection(*names) if len(names) > 1 else set()
    shutil.rmtree(args.out, ignore_errors=True)
    libs = args.out / "libs"
    first = args.python[0]
    install(args.target, first, [p for p in per_version[first].values() if p.name in common],
            libs / "common")
    for v, wheels in per_version.items():
        own = [p for p in wheels.values() if p.name not in common]
        install(args.target, v, own, libs / f"cp{v.replace('.', '')}")
    shutil.copy2(CLIENT / "bundled-src" / "launch.py", args.out / "launch.py")
    manifest = {"target": args.target, "pythons": args.python, "server": root_wheel.name,
                "common": sorted(common),
                "versionSpecific": {v: sorted({p.name for p in w.values()} - common)
                                    for v, w in per_version.items()}}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    sizes = {d.name: folder_size(d) for d in sorted(libs.iterdir())}
    print(f"bundled/ for {args.target}: " + ", ".join(
        f"{k} {v / 2**20:.1f} MiB" for k, v in sizes.items()) + f" ({len(common)} shared wheels)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
