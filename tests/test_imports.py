"""Imports resolved to repository files, through a real index of a real git repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import commit, make_repo

from analyzers.indexing.index import Index, build

FILES: dict[str, str | bytes | None] = {
    # Python: absolute, relative, packages, aliases.
    "pkg/__init__.py": "",
    "pkg/core.py": "from . import util\nfrom .util import helper\nimport pkg.models as m\n",
    "pkg/util.py": "def helper():\n    return 1\n",
    "pkg/models/__init__.py": "from .user import User\n",
    "pkg/models/user.py": "from ..util import helper\nfrom .. import core\n\nclass User: ...\n",
    "pkg/models/extra.py": "from ...outside import nothing\nfrom .missing import gone\n",
    "pkg/api.py": "from .models import User\nfrom pkg.models import (\n    user,\n    User,\n)\n",
    "app.py": "import os\nimport pkg\nfrom pkg.models import user\nfrom pkg.core import *\n",
    # JavaScript / TypeScript.
    "web/main.ts": (
        'import { a } from "./a";\n'           # no extension -> a.ts
        'import b from "./b.js";\n'           # ESM spelling of b.ts
        'import { c } from "./lib";\n'        # folder -> lib/index.ts
        'import d from "./d.jsx";\n'          # exact file
        'import React from "react";\n'        # a package: nothing
        'const e = require("../shared/e");\n'  # parent folder, .js
    ),
    "web/a.ts": "export const a = 1;\n",
    "web/b.ts": "export default 2;\n",
    "web/lib/index.ts": "export const c = 3;\n",
    "web/d.jsx": "export default () => null;\n",
    "shared/e.js": "module.exports = 4;\n",
    "web/view.tsx": 'import { a } from "./a";\nexport const V = () => <div>{a}</div>;\n',
    # Go: a module declared in go.mod, packages by folder, tests excluded.
    "go.mod": "module example.com/app\n\ngo 1.22\n",
    "cmd/main.go": (
        'package main\n\nimport (\n\t"fmt"\n\t"example.com/app/internal/store"\n)\n\n'
        "func main() { fmt.Println(store.Open()) }\n"
    ),
    "internal/store/store.go": "package store\n\nfunc Open() int { return 1 }\n",
    "internal/store/cache.go": "package store\n\nvar cache = 0\n",
    "internal/store/store_test.go": "package store\n",
    # Rust: mod items (file and folder modules) and crate:: / super:: paths.
    "crate/src/main.rs": "mod net;\nmod util;\nuse crate::net::client::connect;\n\nfn main() {}\n",
    "crate/src/util.rs": "pub fn helper() {}\n",
    "crate/src/net/mod.rs": "pub mod client;\n",
    "crate/src/net/client.rs": "use super::super::util::helper;\nuse crate::util;\n"
                               "pub fn connect() { helper(); }\n",
    # C: quoted includes relative to the file, else by path suffix; system includes: nothing.
    "csrc/main.c": '#include <stdio.h>\n#include "util.h"\n#include "proto/wire.h"\n'
                   "int main(void) { return 0; }\n",
    "csrc/util.h": "int util(void);\n",
    "include/proto/wire.h": "int wire(void);\n",
    # Java, Ruby, PHP, Bash.
    "src/main/java/com/acme/App.java": "package com.acme;\nimport com.acme.util.Text;\n"
                                       "import com.acme.model.*;\nclass App {}\n",
    "src/main/java/com/acme/util/Text.java": "package com.acme.util;\npublic class Text {}\n",
    "src/main/java/com/acme/model/User.java": "package com.acme.model;\npublic class User {}\n",
    "lib/shapes.rb": 'require_relative "shapes/circle"\nrequire "json"\n',
    "lib/shapes/circle.rb": "class Circle; end\n",
    "bin/run.rb": 'require "shapes"\n',
    "php/index.php": '<?php\nrequire_once __DIR__ . "/lib/db.php";\nuse App\\Models\\User;\n',
    "php/lib/db.php": "<?php\nfunction db() {}\n",
    "php/app/Models/User.php": "<?php\nnamespace App\\Models;\nclass User {}\n",
    "scripts/deploy.sh": 'source ./common.sh\n. "$HOME/.profile"\n',
    "scripts/common.sh": "x=1\n",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("imports") / "repo", FILES)
    report = build(root)
    assert report.files == len(FILES)
    return root


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("pkg/core.py", ["pkg/models/__init__.py", "pkg/util.py"]),
        ("pkg/models/__init__.py", ["pkg/models/user.py"]),
        ("pkg/models/user.py", ["pkg/core.py", "pkg/util.py"]),
        ("pkg/models/extra.py", []),  # above the root / missing: nothing, no crash
        # A class from a package's __init__ (also in a parenthesised, multi-line import).
        ("pkg/api.py", ["pkg/models/__init__.py", "pkg/models/user.py"]),
        # ``from pkg.models import user`` is pkg/models/user.py, not the package's __init__;
        # ``from pkg.core import *`` is pkg/core.py.
        ("app.py", ["pkg/__init__.py", "pkg/core.py", "pkg/models/user.py"]),
        ("web/main.ts", ["shared/e.js", "web/a.ts", "web/b.ts", "web/d.jsx", "web/lib/index.ts"]),
        ("web/view.tsx", ["web/a.ts"]),
        ("cmd/main.go", ["internal/store/cache.go", "internal/store/store.go"]),
        ("crate/src/main.rs", ["crate/src/net/client.rs", "crate/src/net/mod.rs",
                               "crate/src/util.rs"]),
        ("crate/src/net/mod.rs", ["crate/src/net/client.rs"]),
        ("crate/src/net/client.rs", ["crate/src/util.rs"]),
        ("csrc/main.c", ["csrc/util.h", "include/proto/wire.h"]),
        ("src/main/java/com/acme/App.java", ["src/main/java/com/acme/model/User.java",
                                             "src/main/java/com/acme/util/Text.java"]),
        ("lib/shapes.rb", ["lib/shapes/circle.rb"]),
        ("bin/run.rb", ["lib/shapes.rb"]),
        ("php/index.php", ["php/app/Models/User.php", "php/lib/db.php"]),
        ("scripts/deploy.sh", ["scripts/common.sh"]),
    ],
)
def test_imports_resolve_to_repository_files(indexed: Path, src: str, expected: list[str]) -> None:
    with Index(indexed) as index:
        assert index.imports_of(src) == expected


def test_imported_by_and_edges(indexed: Path) -> None:
    with Index(indexed) as index:
        assert index.imported_by("pkg/util.py") == ["pkg/core.py", "pkg/models/user.py"]
        assert index.imported_by("web/a.ts") == ["web/main.ts", "web/view.tsx"]
        edges = set(index.import_edges())
        assert ("cmd/main.go", "internal/store/store.go") in edges
        # Test files of a Go package are not what an import of the package means.
        assert not any(dst.endswith("_test.go") for _, dst in edges)
        assert all(src != dst for src, dst in edges)


def test_resolution_follows_changes(tmp_path: Path) -> None:
    """A file added later becomes the target of an import that did not resolve before."""
    root = make_repo(tmp_path / "r", {"a.py": "from b import thing\n"})
    build(root)
    with Index(root) as index:
        assert index.imports_of("a.py") == []
    commit(root, "add b", {"b.py": "thing = 1\n"})
    build(root)
    with Index(root) as index:
        assert index.imports_of("a.py") == ["b.py"]
    commit(root, "drop b", {"b.py": None})
    build(root)
    with Index(root) as index:
        assert index.imports_of("a.py") == []
        assert index.imported_by("b.py") == []
