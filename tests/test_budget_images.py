"""An SVG image is skipped by the index as a PNG is, so ``budget`` never counts its markup as
source, and says what it left out (a user saw requests' logo SVG as 560,000 tokens)."""

from __future__ import annotations

import json

from gitutil import make_repo, run_cli

# A drawing's path data: many tokens, none of them source.
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">\n'
       + "".join(f'<path d="M{i} {i * 3}.5 C{i + 1}.25 {i * 7}.75 {i}.5 {i * 2}.125 Z"/>\n'
                 for i in range(400))
       + "</svg>\n")


def test_budget_leaves_an_svg_out_and_says_so(tmp_path):
    repo = make_repo(tmp_path / "repo", {
        "src/app.py": "def main():\n    return 42\n",
        "ext/logo.svg": SVG,
        "ext/icon.png": b"\x89PNG\r\n\x1a\n\0\0\0binary",
    })
    proc = run_cli("budget", "--json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    paths = json.dumps(report["tree"])
    assert "logo.svg" not in paths and "src/app.py" in paths
    assert report["skipped"] == {"binary": 1, "image": 1}
    # the total is the indexed source only: a few tokens, not the drawing's thousands
    assert report["total_tokens"] < 50

    text = run_cli("budget", cwd=repo)
    assert text.returncode == 0, text.stderr
    assert "not counted: 2 files the index skips (binary 1, image 1; an SVG is an image" \
        in text.stdout

    # asked for by name: why it is not counted, not "not indexed" alone
    named = run_cli("budget", "ext/logo.svg", cwd=repo)
    assert named.returncode == 1
    assert "ext/logo.svg is not counted: the index skips it (image: an SVG image" in named.stderr

    index = run_cli("index", cwd=repo)
    assert "ext/logo.svg: image (an SVG image: markup, not source an agent reads)" in index.stdout

    # a seed on it is refused with that reason, as a binary seed is
    seeded = run_cli("bundle", "--seed", "ext/logo.svg", cwd=repo)
    assert "ext/logo.svg" in seeded.stderr and "image" in seeded.stderr
