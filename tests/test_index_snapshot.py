"""``ctxsteward index --export FILE`` / ``--import FILE`` on real repositories, run as the real CLI:
a snapshot imported into a clone spares it the full index, and every bad snapshot is refused with
nothing changed."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from gitutil import commit, git, make_repo, run_cli

FILES: dict[str, str | bytes | None] = {
    **{f"pkg/mod{i}.py": f"def func_{i}(x):\n    return helper_{i}(x) + {i}\n\n"
       f"def helper_{i}(y):\n    return y * {i}\n" for i in range(12)},
    "web/app.ts": "export function start(): number { return 1; }\n",
    "README.md": "# Demo\n\nA demo project.\n",
    ".env": "API_TOKEN=committedsecretvalue123\n",
}


def _json(proc: Any) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """A repository, indexed and exported (with an untracked file that must stay out)."""
    base = tmp_path_factory.mktemp("snap")
    repo = make_repo(base / "origin", FILES, [{"pkg/mod0.py": FILES["pkg/mod0.py"] + "# two\n"}])
    (repo / "scratch.txt").write_text("untrackedwordxyz private notes\n")
    out = base / "index.snapshot"
    exported = _json(run_cli("index", "--export", str(out), "--json", cwd=repo))
    return repo, out, exported


def _clone(origin_repo: Path, dest: Path) -> Path:
    git("clone", "-q", str(origin_repo), str(dest), cwd=dest.parent)
    return dest


def _members(snap: Path) -> dict[str, bytes]:
    with tarfile.open(snap, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]


def _write(snap: Path, members: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    snap.write_bytes(gzip.compress(buf.getvalue()))


def _state(repo: Path) -> dict[str, str]:
    """Every file of the clone's ``.ctxsteward/`` folder, by content hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((repo / ".ctxsteward").iterdir()) if p.is_file()}


def _rows(payload: bytes, tmp_path: Path, path: str) -> dict[str, Any]:
    """What a snapshot's index holds of ``path``: its words and its definitions."""
    import sqlite3
    import zlib

    db = tmp_path / "rows.sqlite"
    db.write_bytes(payload)
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT terms, tokens FROM files WHERE path=?", (path,)).fetchone()
        defs = conn.execute("SELECT count(*) FROM defs WHERE path=?", (path,)).fetchone()[0]
    finally:
        conn.close()
    return {"terms": json.loads(zlib.decompress(row[0])), "tokens": row[1], "defs": defs}


def test_export_leaves_out_untracked_files_and_secret_content(
        origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    repo, snap, exported = origin
    assert exported["ok"] and exported["action"] == "export"
    # An untracked file is left out, so the graph (built with it) is not the snapshot's.
    assert exported["snapshot"]["dropped"] == 1 and exported["snapshot"]["graph"] is False
    members = _members(snap)
    assert set(members) == {"manifest.json", "index.sqlite"}
    manifest = json.loads(members["manifest.json"])
    paths = [p for p, _ in manifest["files"]]
    assert "pkg/mod3.py" in paths and "web/app.ts" in paths
    assert "scratch.txt" not in paths and "graph" not in manifest
    assert manifest["repository"]["head"] == git("rev-parse", "HEAD", cwd=repo)
    assert manifest["payload"]["sha256"] == hashlib.sha256(members["index.sqlite"]).hexdigest()
    payload = members["index.sqlite"]
    assert b"committedsecretvalue123" not in payload and b"untrackedwordxyz" not in payload
    # A secret-bearing name is there with its counts only: no word of its content.
    env = _rows(payload, tmp_path, ".env")
    assert env["terms"] == {} and env["defs"] == 0 and env["tokens"] > 0
    assert _rows(payload, tmp_path, "pkg/mod3.py")["terms"]
    # The local index keeps the untracked file: only the snapshot leaves it out.
    assert (repo / ".ctxsteward" / "index.sqlite").is_file()


def test_import_at_the_same_commit_needs_no_full_index(
        origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    repo, snap, _ = origin
    clone = _clone(repo, tmp_path / "clone")
    imported = _json(run_cli("index", "--import", str(snap), "--json", cwd=clone))
    assert imported["ok"] and imported["snapshot"]["stale"] == 0
    assert imported["index"]["files_parsed"] == 0  # .env too: its counts are in the snapshot
    full = _json(run_cli("index", "--json", cwd=repo))
    assert imported["index"]["definitions"] == full["definitions"]
    assert imported["index"]["history"]["commits_total"] == 2
    bundle = run_cli("bundle", "--seed", "pkg/mod3.py", "--budget", "2000", cwd=clone)
    assert bundle.returncode == 0, bundle.stderr
    assert "helper_3" in bundle.stdout
    again = _json(run_cli("index", "--json", cwd=clone))
    assert again["files_parsed"] == 0


def _import_later(repo: Path, snap: Path, dest: Path, files: dict[str, str | bytes | None]
                  ) -> tuple[Path, dict[str, Any]]:
    """A clone of ``repo`` one commit (of ``files``) ahead, with ``snap`` imported."""
    clone = _clone(repo, dest)
    commit(clone, "later", files)
    return clone, _json(run_cli("index", "--import", str(snap), "--json", cwd=clone))


def test_import_into_a_later_commit_rereads_what_changed(
        origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    clone, imported = _import_later(*origin[:2], tmp_path / "later",
                                    {"pkg/mod5.py": "def renamed_helper(z):\n    return z\n"})
    assert imported["snapshot"]["stale"] == 1
    assert imported["index"]["files_parsed"] == 1  # pkg/mod5.py
    assert imported["index"]["history"]["commits_total"] == 3  # the new commit was read
    found = run_cli("bundle", "--seed", "pkg/mod5.py", "--budget", "2000", cwd=clone)
    assert found.returncode == 0, found.stderr
    assert "renamed_helper" in found.stdout and "helper_5" not in found.stdout


def _refused(clone: Path, snap: Path, words: str, *alternatives: str) -> dict[str, Any]:
    """Imports ``snap``, which must be refused with ``words`` (or one of ``alternatives``) and
    change nothing."""
    before = _state(clone)
    proc = run_cli("index", "--import", str(snap), cwd=clone)
    assert proc.returncode != 0
    said = next((w for w in (words, *alternatives) if w in proc.stderr), None)
    assert said, proc.stderr
    assert "Traceback" not in proc.stderr
    assert _state(clone) == before  # nothing half-imported, no temporary file left
    as_json = run_cli("index", "--import", str(snap), "--json", cwd=clone)
    assert as_json.returncode != 0
    out = json.loads(as_json.stdout)
    assert out["ok"] is False and said in out["error"]
    return out


@pytest.fixture()
def clone(origin: tuple[Path, Path, dict], tmp_path: Path) -> Path:
    """A clone of the origin with its own index (which a refused import must leave as it is)."""
    c = _clone(origin[0], tmp_path / "clone")
    assert run_cli("index", cwd=c).returncode == 0
    return c


def test_another_repositorys_snapshot_is_refused(clone: Path, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other", {"a.py": "def a():\n    return 1\n"})
    snap = tmp_path / "other.snapshot"
    assert run_cli("index", "--export", str(snap), cwd=other).returncode == 0
    _refused(clone, snap, "another repository")


def test_a_tampered_payload_is_refused(origin: tuple[Path, Path, dict], clone: Path,
                                       tmp_path: Path) -> None:
    members = _members(origin[1])
    payload = bytearray(members["index.sqlite"])
    payload[len(payload) // 2] ^= 0x01
    bad = tmp_path / "tampered.snapshot"
    _write(bad, {**members, "index.sqlite": bytes(payload)})
    _refused(clone, bad, "tampered")
    raw = bytearray(origin[1].read_bytes())  # a flipped byte in the compressed file itself
    raw[len(raw) // 2] ^= 0x01
    bad.write_bytes(bytes(raw))
    _refused(clone, bad, "not a Context Steward index snapshot", "tampered")


def test_a_path_outside_the_workspace_is_refused(origin: tuple[Path, Path, dict], clone: Path,
                                                 tmp_path: Path) -> None:
    members = _members(origin[1])
    for path in ("../x", "/etc/passwd", "pkg/../../x"):
        manifest = json.loads(members["manifest.json"])
        manifest["files"].append([path, "0" * 32])
        bad = tmp_path / "path.snapshot"
        _write(bad, {**members, "manifest.json": json.dumps(manifest).encode()})
        _refused(clone, bad, repr(path))


def test_an_incompatible_schema_is_refused(origin: tuple[Path, Path, dict], clone: Path,
                                           tmp_path: Path) -> None:
    members = _members(origin[1])
    manifest = json.loads(members["manifest.json"])
    manifest["schema_version"] -= 1
    bad = tmp_path / "old.snapshot"
    _write(bad, {**members, "manifest.json": json.dumps(manifest).encode()})
    _refused(clone, bad, f"index schema {manifest['schema_version']}")


def test_another_build_of_the_same_release_is_named_so(
        origin: tuple[Path, Path, dict], clone: Path, tmp_path: Path) -> None:
    """The same release number with another schema said "made by 0.1.0 ...; this is 0.1.0"."""
    members = _members(origin[1])
    manifest = json.loads(members["manifest.json"])
    manifest["schema_version"] += 1
    bad = tmp_path / "newer.snapshot"
    _write(bad, {**members, "manifest.json": json.dumps(manifest).encode()})
    _refused(clone, bad, f"was made by another build of Context Steward {manifest['tool_version']}"
                         f" (snapshot format {manifest['format_version']}, index schema "
                         f"{manifest['schema_version']}); this one reads format")


def test_other_settings_are_named_by_their_options(origin: tuple[Path, Path, dict], clone: Path,
                                                   tmp_path: Path) -> None:
    snap = tmp_path / "big.snapshot"
    made = run_cli("index", "--export", str(snap), "--max-file-size", "5000000", cwd=origin[0])
    assert made.returncode == 0, made.stderr
    _refused(clone, snap, "was indexed with other settings (--max-file-size 5000000, here "
                          "1048576): import it with the same options, or export it again")
    assert run_cli("index", cwd=origin[0]).returncode == 0  # (the origin's index as it was)


def test_a_file_that_is_no_snapshot_is_refused(clone: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just some text\n")
    _refused(clone, text, "not a Context Steward index snapshot")
    _write(tmp_path / "other.tar.gz", {"../evil": b"x"})
    _refused(clone, tmp_path / "other.tar.gz", "not a Context Steward index snapshot")
    _refused(clone, tmp_path / "missing.snapshot", "does not exist")


def test_the_export_file_is_written_whole(origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    repo = origin[0]
    dest = tmp_path / "out.snapshot"
    dest.write_text("an older file\n")
    assert run_cli("index", "--export", str(dest), cwd=repo).returncode == 0
    assert set(_members(dest)) == {"manifest.json", "index.sqlite"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".snapshot-")]
    shutil.rmtree(tmp_path)


def _rewritten(origin_snap: Path, tmp_path: Path, sql: str) -> Path:
    """The snapshot with ``sql`` run on its index and every hash made to match again (as a
    forger would), so only the checks of the rows themselves can refuse it."""
    import sqlite3

    members = _members(origin_snap)
    db = tmp_path / "payload.sqlite"
    db.write_bytes(members["index.sqlite"])
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.close()
    payload = db.read_bytes()
    manifest = json.loads(members["manifest.json"])
    manifest["payload"]["sha256"] = hashlib.sha256(payload).hexdigest()
    bad = tmp_path / "forged.snapshot"
    _write(bad, {"manifest.json": json.dumps(manifest).encode(), "index.sqlite": payload})
    return bad


def test_a_forged_index_is_refused(origin: tuple[Path, Path, dict], clone: Path,
                                   tmp_path: Path) -> None:
    bad = _rewritten(origin[1], tmp_path, "INSERT INTO commit_files VALUES (1, '../../etc/x');")
    _refused(clone, bad, "'../../etc/x'")
    bad = _rewritten(origin[1], tmp_path, "CREATE TRIGGER t AFTER UPDATE ON files BEGIN "
                                          "DELETE FROM defs; END;")
    _refused(clone, bad, "not those of this version's index")
    bad = _rewritten(origin[1], tmp_path, "UPDATE files SET hash='0' WHERE path='pkg/mod1.py';")
    _refused(clone, bad, "does not match its manifest")


# -- the ranking graph in the snapshot -------------------------------------------------------------

@pytest.fixture(scope="module")
def clean_origin(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    """A clean checkout (as in CI), indexed and exported: its snapshot carries the graph."""
    base = tmp_path_factory.mktemp("snapgraph")
    repo = make_repo(base / "origin", FILES, [{"pkg/mod0.py": FILES["pkg/mod0.py"] + "# two\n"}])
    out = base / "index.snapshot"
    exported = _json(run_cli("index", "--export", str(out), "--json", cwd=repo))
    return repo, out, exported


def _stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns, info.st_size


def test_the_graph_travels_and_the_first_bundle_does_not_build_it(
        clean_origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    repo, snap, exported = clean_origin
    assert exported["snapshot"]["graph"] is True and exported["snapshot"]["dropped"] == 0
    members = _members(snap)
    assert set(members) == {"manifest.json", "index.sqlite", "graph.bin"}
    manifest = json.loads(members["manifest.json"])
    assert manifest["graph"]["sha256"] == hashlib.sha256(members["graph.bin"]).hexdigest()
    assert b"committedsecretvalue123" not in members["graph.bin"]
    clone = _clone(repo, tmp_path / "clone")
    imported = _json(run_cli("index", "--import", str(snap), "--json", cwd=clone))
    assert imported["snapshot"]["graph"] is True and imported["index"]["files_parsed"] == 0
    graph = clone / ".ctxsteward" / "graph.bin"
    before = _stamp(graph)
    assert graph.read_bytes() == members["graph.bin"]
    bundle = run_cli("bundle", "--seed", "pkg/mod3.py", "--budget", "2000", cwd=clone)
    assert bundle.returncode == 0, bundle.stderr
    assert _stamp(graph) == before  # read as it came: not built again
    # ... and it ranks as the graph a cold index builds.
    cold = _clone(repo, tmp_path / "cold")
    assert run_cli("index", cwd=cold).returncode == 0
    cold_bundle = run_cli("bundle", "--seed", "pkg/mod3.py", "--budget", "2000", cwd=cold)
    assert cold_bundle.stdout == bundle.stdout


def test_a_clone_that_moved_on_builds_its_own_graph(
        clean_origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    repo, snap, _ = clean_origin
    clone, imported = _import_later(repo, snap, tmp_path / "later",
                                    {"pkg/extra.py": "def brand_new_helper():\n    return 1\n"})
    assert imported["snapshot"]["graph"] is False
    assert not (clone / ".ctxsteward" / "graph.bin").exists()
    found = run_cli("bundle", "--task", "brand new helper", "--budget", "2000", cwd=clone)
    assert found.returncode == 0, found.stderr
    assert "pkg/extra.py" in found.stdout and (clone / ".ctxsteward" / "graph.bin").is_file()
    # At the snapshot's commit with a local change: the graph is installed and follows the
    # refresh that reads the change (that file alone read again), so the first bundle finds it
    # current, and it holds the change.
    edited = _clone(repo, tmp_path / "edited")
    (edited / "pkg" / "mod2.py").write_text("def edited_helper():\n    return 2\n")
    imported = _json(run_cli("index", "--import", str(snap), "--json", cwd=edited))
    assert imported["snapshot"]["graph"] is True and imported["index"]["files_parsed"] == 1
    graph = edited / ".ctxsteward" / "graph.bin"
    before = _stamp(graph)
    found = run_cli("bundle", "--task", "edited helper", "--budget", "2000", cwd=edited)
    assert found.returncode == 0, found.stderr
    assert "## pkg/mod2.py" in found.stdout and "def edited_helper():" in found.stdout
    assert _stamp(graph) == before


def _with_graph(snap: Path, dest: Path, graph: bytes, *, rehash: bool) -> Path:
    members = _members(snap)
    manifest = json.loads(members["manifest.json"])
    if rehash:  # as a forger would: only the graph's own checks can refuse it
        manifest["graph"]["sha256"] = hashlib.sha256(graph).hexdigest()
        manifest["graph"]["size"] = len(graph)
    _write(dest, {**members, "manifest.json": json.dumps(manifest).encode(), "graph.bin": graph})
    return dest


def test_a_tampered_graph_is_refused(clean_origin: tuple[Path, Path, dict],
                                     tmp_path: Path) -> None:
    from analyzers.indexing import graphcache

    repo, snap, _ = clean_origin
    clone = _clone(repo, tmp_path / "clone")
    assert run_cli("index", cwd=clone).returncode == 0
    graph = _members(snap)["graph.bin"]
    flipped = bytearray(graph)
    flipped[-3] ^= 0x01
    _refused(clone, _with_graph(snap, tmp_path / "a.snapshot", bytes(flipped), rehash=False),
             "ranking graph does not match the manifest's hash")
    # Hashes made to match: a header naming a class of its choosing, an index out of bounds.
    head = len(graphcache.MAGIC) + 8
    size = int.from_bytes(graph[len(graphcache.MAGIC):head], "little")
    header = graph[head:head + size]
    import re

    narrow = re.sub(rb'("t":"csr","shape":\[\d+,)(\d+)\]',  # a matrix with no columns
                    lambda m: m.group(1) + b"0".rjust(len(m.group(2))) + b"]", header, count=1)
    for forged in (header.replace(b'"cls":"RepoGraph"', b'"cls":"Popen____"'), narrow):
        assert forged != header and len(forged) == len(header)
        bad = graph[:head] + forged + graph[head + size:]
        _refused(clone, _with_graph(snap, tmp_path / "b.snapshot", bad, rehash=True),
                 "its ranking graph does not read back")
    # A sound graph of another index (another repository's) is not this one's.
    other = make_repo(tmp_path / "other", {"a.py": "def a():\n    return 1\n"})
    other_snap = tmp_path / "other.snapshot"
    assert run_cli("index", "--export", str(other_snap), cwd=other).returncode == 0
    _refused(clone, _with_graph(snap, tmp_path / "c.snapshot", _members(other_snap)["graph.bin"],
                                rehash=True), "names other files than its index",
             "is not its index's")


# -- sizes -----------------------------------------------------------------------------------------

def _tar_gz(dest: Path, members: list[tuple[str, int, Any]], kind: bytes = tarfile.REGTYPE
            ) -> Path:
    """A tar.gz of (name, size, bytes or a count of zeros) members, streamed: zeros are written
    without holding them in memory (the first member is of type ``kind``)."""
    with gzip.open(dest, "wb", compresslevel=1) as gz, \
            tarfile.open(fileobj=gz, mode="w|", format=tarfile.USTAR_FORMAT) as tar:
        for name, size, data in members:
            info = tarfile.TarInfo(name)
            info.size = size
            info.type, kind = kind, tarfile.REGTYPE
            tar.addfile(info, _Zeros(data) if isinstance(data, int) else io.BytesIO(data))
    return dest


class _Zeros(io.RawIOBase):
    """``n`` zero bytes, as a file."""

    def __init__(self, n: int) -> None:
        self.left = n

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


def test_a_snapshot_that_unpacks_past_its_declared_sizes_is_refused_before_writing(
        origin: tuple[Path, Path, dict], clone: Path, tmp_path: Path) -> None:
    members = _members(origin[1])
    manifest = members["manifest.json"]
    declared = json.loads(manifest)["payload"]["size"]
    # A compression bomb: 512 MiB of zeros (half a MiB packed) where the manifest says less.
    bomb = _tar_gz(tmp_path / "bomb.snapshot", [("manifest.json", len(manifest), manifest),
                                                 ("index.sqlite", 512 << 20, 512 << 20)])
    assert bomb.stat().st_size < 4 << 20
    _refused(clone, bomb, f"holds index.sqlite of 536,870,912 bytes where its manifest "
                          f"declares {declared}")
    # A manifest that declares more than a snapshot may hold.
    big = json.loads(manifest)
    big["payload"]["size"] = 5 << 30
    raw = json.dumps(big).encode()
    _refused(clone, _tar_gz(tmp_path / "big.snapshot", [("manifest.json", len(raw), raw)]),
             "over the 4 GiB a snapshot may hold")
    # A pax header of 256 MiB ahead of the manifest: refused once past the manifest's cap.
    pax = _tar_gz(tmp_path / "pax.snapshot", [("pax", 256 << 20, 256 << 20)], tarfile.XHDTYPE)
    _refused(clone, pax, "unpacks to more than its manifest declares")
    # The manifest must come first: its sizes bound the rest.
    late = tmp_path / "late.snapshot"
    _write(late, {"index.sqlite": members["index.sqlite"], "manifest.json": manifest})
    _refused(clone, late, "unexpected member 'index.sqlite'")


def test_the_published_schemas_validate_a_real_export(
        origin: tuple[Path, Path, dict], clean_origin: tuple[Path, Path, dict]) -> None:
    import jsonschema

    schemas = {}
    for name in ("snapshot-manifest", "index-snapshot"):
        proc = run_cli("schema", name, cwd=origin[0])
        assert proc.returncode == 0, proc.stderr
        schemas[name] = json.loads(proc.stdout)
        jsonschema.Draft202012Validator.check_schema(schemas[name])
    for _, snap, exported in (origin, clean_origin):  # without and with the ranking graph
        manifest = json.loads(_members(snap)["manifest.json"])
        jsonschema.validate(manifest, schemas["snapshot-manifest"])
        jsonschema.validate(exported, schemas["index-snapshot"])
    manifest["payload"]["sha256"] = "not a hash"  # the schema is no rubber stamp
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(manifest, schemas["snapshot-manifest"])


def test_a_secret_found_by_content_travels_in_no_word_of_the_index_or_the_graph(
        tmp_path: Path) -> None:
    """A neutral name whose content holds a secret: the snapshot's index keeps the file's other
    words, and its ranking graph is built from those rows (the local one holds the secret's)."""
    files = dict(FILES)
    files["deploy/settings.yaml"] = ('database:\n  host: db.internal\n'
                                     '  password: "Zq8vLm2Rt9wXk4Np"\n')
    # A token in an import's URL (stored as the import's specifier), and one glued to what
    # precedes it (the index's word for it starts with that letter).
    files["web/remote.ts"] = ('import { helper } from "https://raw.example.dev/acme/mod.ts?token='
                              'GHSAT0AAAAAQzxTokenValue12345678";\n'
                              'export const run = () => helper();\n')
    files["logs/access.txt"] = ("callback log\nGET /login?next=https%3A%2F%2Fbot%3Aghp_Qzx1b2C3d4E5"
                                "f6G7h8I9j0K1l2M3n4O5p6q7r8%40github.com\n"
                                "GET /s3?credential%3DAKIAMARKNNN7IOP3ASD5\n")
    values = (b"zq8vlm2rt9wxk4np", b"qzxtokenvalue12345678",
              b"qzx1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8", b"akiamarknnn7iop3asd5")
    repo = make_repo(tmp_path / "origin", files)
    snap = tmp_path / "secret.snapshot"
    exported = _json(run_cli("index", "--export", str(snap), "--json", cwd=repo))
    assert exported["snapshot"]["graph"] is True
    members = _members(snap)
    local = (repo / ".ctxsteward" / "graph.bin").read_bytes().lower()
    assert values[0] in local and values[2] in local
    unpacked = _unpacked(members["index.sqlite"], tmp_path)
    assert values[1] in _texts(repo / ".ctxsteward" / "index.sqlite").lower()
    for data in (*members.values(), unpacked):
        for value in values:
            assert value not in data.lower(), value
    terms = _rows(members["index.sqlite"], tmp_path, "deploy/settings.yaml")["terms"]
    assert "database" in terms and "host" in terms and "zq8vlm2rt9wxk4np" not in terms
    clone = _clone(repo, tmp_path / "clone")
    imported = _json(run_cli("index", "--import", str(snap), "--json", cwd=clone))
    assert imported["snapshot"]["graph"] is True and imported["index"]["files_parsed"] == 0
    bundle = run_cli("bundle", "--task", "database host settings", "--budget", "3000",
                     "--format", "json", cwd=clone)
    assert bundle.returncode == 0, bundle.stderr
    assert "Zq8vLm2Rt9wXk4Np" not in bundle.stdout
    # ... and ranks as a cold index of the same commit does.
    cold = _clone(repo, tmp_path / "cold")
    assert run_cli("index", cwd=cold).returncode == 0
    again = run_cli("bundle", "--task", "database host settings", "--budget", "3000",
                    "--format", "json", cwd=cold)
    assert [i["path"] for i in json.loads(again.stdout)["items"]] == \
        [i["path"] for i in json.loads(bundle.stdout)["items"]]


def _unpacked(payload: bytes, tmp_path: Path) -> bytes:
    """Every text of a snapshot's index database, its compressed rows decompressed."""
    db = tmp_path / "unpacked.sqlite"
    db.write_bytes(payload)
    return _texts(db)


def _texts(db: Path) -> bytes:
    """Every text of the index database ``db``, its compressed rows decompressed."""
    import sqlite3
    import zlib

    conn = sqlite3.connect(db)
    out = []
    try:
        for table in ("files", "defs", "commits"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                for v in row:
                    if isinstance(v, bytes):
                        out.append(zlib.decompress(v) if v[:1] == b"x" else v)
                    else:
                        out.append(str(v).encode())
    finally:
        conn.close()
    return b"\n".join(out)


def test_bad_snapshot_paths_are_refused_before_any_work(tmp_path: Path) -> None:
    """An empty path, a folder, a missing folder, a folder outside git, a shallow clone: each a
    clear refusal (exit 2, no traceback), and no index built or state folder made for it."""
    repo = make_repo(tmp_path / "repo", {"a.py": "def a():\n    return 1\n"},
                     [{"a.py": "def a():\n    return 2\n"}])
    cases = [(repo, ("--import", ""), "--import needs a FILE"),
             (repo, ("--export", ""), "--export needs a FILE"),
             (repo, ("--export", str(tmp_path)), "is a folder"),
             (repo, ("--export", str(tmp_path / "missing" / "x.snapshot")), "does not exist"),
             (repo, ("--import", str(tmp_path / "missing.snapshot")), "does not exist")]
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "b.py").write_text("x = 1\n")
    cases.append((plain, ("--export", str(tmp_path / "p.snapshot")), "not a git work tree"))
    shallow = tmp_path / "shallow"
    git("clone", "-q", "--depth", "1", f"file://{repo}", str(shallow), cwd=tmp_path)
    cases.append((shallow, ("--export", str(tmp_path / "s.snapshot")), "shallow clone"))
    full = tmp_path / "full.snapshot"
    assert run_cli("index", "--export", str(full), cwd=repo).returncode == 0
    cases.append((shallow, ("--import", str(full)), "git fetch --unshallow"))
    cases.append((plain, ("--import", str(full)), "not a git work tree"))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    cases.append((repo, ("--export", str(fifo)), "not a regular file"))
    cases.append((repo, ("--export", str(tmp_path / "newdir") + "/"), "names a folder"))
    cases.append((repo, ("--export", str(tmp_path / "newdir") + "/."), "names a folder"))
    (tmp_path / "note.txt").write_text("kept\n")
    cases.append((repo, ("--export", str(tmp_path / "note.txt") + "/."), "names a folder"))
    for cwd, option, words in cases:
        proc = run_cli("index", *option, cwd=cwd)
        assert proc.returncode == 2 and words in proc.stderr, (option, proc.stderr)
        assert "Traceback" not in proc.stderr
        if cwd is not repo:  # nothing built, no state folder made
            assert not (cwd / ".ctxsteward").exists(), option
    assert fifo.is_fifo() and not (tmp_path / "newdir").exists()
    assert (tmp_path / "note.txt").read_text() == "kept\n"
