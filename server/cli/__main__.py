import sys

if not __package__:  # run by its path (a hook installed from a source folder): this copy first
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.cli.main import run  # noqa: E402

run()
