"""Outside git a bundle is made from the files (no history signals), and when nothing can be
chosen the note says why: no file, every file ignored, or every file skipped (a new user's hour,
session 30: an empty bundle said only "no file of the workspace is indexed")."""

from __future__ import annotations

from gitutil import make_folder, run_cli

CODE = {
    "shop/cart.py": "class Cart:\n    def add_item(self, item):\n        self.items.append(item)\n",
    "shop/pay.py": "from shop.cart import Cart\n\ndef checkout(cart: Cart):\n    return cart\n",
}


def test_a_folder_outside_git_is_bundled_from_its_files(tmp_path):
    root = make_folder(tmp_path / "plain", CODE)
    proc = run_cli("bundle", "--task", "add an item to the cart", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "is not a git repository: no history, co-change or renames" in proc.stderr
    assert "## shop/cart.py" in proc.stdout


def test_an_empty_folder_says_it_holds_no_file(tmp_path):
    root = make_folder(tmp_path / "empty", {})
    proc = run_cli("bundle", "--task", "add an item to the cart", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert (f"note: no file of the workspace is indexed: there is nothing to choose from "
            f"({root.resolve()} holds no file: is it the project's folder?)") in proc.stderr


def test_a_folder_whose_files_are_all_ignored_says_so(tmp_path):
    root = make_folder(tmp_path / "ignored", {**CODE, ".gitignore": "*\n"})
    proc = run_cli("bundle", "--task", "add an item to the cart", cwd=root)
    assert f"(every file in {root.resolve()} is ignored, by a .gitignore rule or an exclude " \
        "glob)" in proc.stderr, proc.stderr


def test_a_folder_whose_files_are_all_skipped_says_why(tmp_path):
    root = make_folder(tmp_path / "images", {"a.png": b"\x89PNG\0\0", "logo.svg": "<svg/>\n"})
    proc = run_cli("bundle", "--task", "draw the logo", cwd=root)
    assert "(its 2 files are skipped: binary 1, image 1; ctxsteward index lists them)" \
        in proc.stderr, proc.stderr
