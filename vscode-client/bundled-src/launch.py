"""Start the Context Steward server bundled in a platform build of the extension.

The extension runs `PYTHON -I -S -u launch.py serve` (or `--version`). This file puts the
libraries built for the running Python's minor version (`libs/cp3XX`) and the version-independent
ones (`libs/common`) at the front of sys.path, then runs the `ctxsteward` command line. With `-I -S`
nothing from the user's environment (PYTHONPATH, site-packages) is seen: the bundle is the whole
environment. Written for any Python, so an old one is told which versions work instead of failing
with a syntax error.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = os.path.join(HERE, "libs")


def _available():
    """The Python versions this bundle has libraries for, as "3.11" strings."""
    tags = sorted(n for n in os.listdir(LIBS) if n.startswith("cp3") and n[3:].isdigit())
    return ["3." + t[3:] for t in tags]


def main():
    """Set up sys.path for this interpreter and run the ctxsteward CLI with our arguments."""
    tag = "cp" + "".join(str(n) for n in sys.version_info[:2])
    own = os.path.join(LIBS, tag)
    if sys.version_info < (3, 11) or not os.path.isdir(own):
        versions = ", ".join(_available()) or "(none bundled)"
        this = ".".join(str(n) for n in sys.version_info[:3])
        sys.stderr.write("ctxsteward: the bundled server requires Python " + versions
                         + "; this is Python " + this + " (" + sys.executable + ")\n")
        sys.exit(3)
    common = os.path.join(LIBS, "common")
    sys.path[0:0] = [own, common]
    # The .pth files a wheel relies on (pywin32's on Windows) are read as in a site-packages
    # folder; the folders are already first on sys.path, so they keep their place.
    import site

    for folder in (own, common):
        if os.path.isdir(folder):
            site.addsitedir(folder)
    sys.argv[0] = "ctxsteward"
    from server.cli.main import run

    run()


if __name__ == "__main__":
    main()
