"""A seed naming a definition its file does not have, or a file that is not there, is refused
with the names it most likely means, taken from the index (a new user's hour, session 30)."""

from __future__ import annotations

import pytest
from gitutil import make_repo, run_cli

SESSIONS = '''class Session:
    def request(self, method, url):
        return method, url

    def get(self, url):
        return self.request("GET", url)

    def put(self, url):
        return self.request("PUT", url)


def merge_setting(a, b):
    return b or a
'''


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    return make_repo(tmp_path_factory.mktemp("seeds") / "repo", {
        "src/web/sessions.py": SESSIONS,
        "src/web/api.py": "def get(url):\n    return url\n",
        "README.md": "# web\n\nA small client.\n",
    })


@pytest.mark.parametrize(("seed", "said"), [
    # a slip of the keyboard, qualified or not: the one closest name, ready to paste
    ("src/web/sessions.py::Session.requst",
     "src/web/sessions.py defines no 'Session.requst'; did you mean "
     "src/web/sessions.py::Session.request?"),
    ("src/web/sessions.py::requst", "did you mean src/web/sessions.py::Session.request?"),
    ("src/web/api.py::gett", "did you mean src/web/api.py::get?"),
    # nothing close: what the file defines at its top level
    ("src/web/sessions.py::zzz_unknown",
     "defines no 'zzz_unknown'; give one it defines (Session, merge_setting) or "
     "src/web/sessions.py alone"),
    # no definitions at all
    ("README.md::intro", "README.md defines no 'intro'; it defines none: give README.md alone"),
    # a file that is not there: the indexed one meant
    ("src/web/apii.py", "no such file in the index of"),
    ("web/api.py", "did you mean src/web/api.py?"),
])
def test_a_seed_that_names_nothing_says_what_it_likely_means(repo, seed, said):
    proc = run_cli("bundle", "--seed", seed, cwd=repo)
    assert proc.returncode == 2
    assert said in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_misspelt_file_gets_the_closest_path(repo):
    proc = run_cli("bundle", "--seed", "src/web/apii.py", cwd=repo)
    assert proc.returncode == 2
    assert proc.stderr.rstrip().endswith("did you mean src/web/api.py?"), proc.stderr
