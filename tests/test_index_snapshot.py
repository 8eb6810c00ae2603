"""``ctxsteward index --export FILE`` / ``--import FILE`` on real repositories, run as the real CLI:
a snapshot imported into a clone spares it the full index, and every bad snapshot is refused with
nothing changed."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
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


def test_export_leaves_out_untracked_and_secret_files(origin: tuple[Path, Path, dict]) -> None:
    repo, snap, exported = origin
    assert exported["ok"] and exported["action"] == "export"
    members = _members(snap)
    assert set(members) == {"manifest.json", "index.sqlite"}
    manifest = json.loads(members["manifest.json"])
    paths = [p for p, _ in manifest["files"]]
    assert "pkg/mod3.py" in paths and "web/app.ts" in paths
    assert ".env" not in paths and "scratch.txt" not in paths
    assert manifest["repository"]["head"] == git("rev-parse", "HEAD", cwd=repo)
    assert manifest["payload"]["sha256"] == hashlib.sha256(members["index.sqlite"]).hexdigest()
    payload = members["index.sqlite"]
    assert b"committedsecretvalue123" not in payload and b"untrackedwordxyz" not in payload
    # The local index keeps both: only the snapshot leaves them out.
    assert (repo / ".ctxsteward" / "index.sqlite").is_file()


def test_import_at_the_same_commit_needs_no_full_index(
        origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    repo, snap, _ = origin
    clone = _clone(repo, tmp_path / "clone")
    imported = _json(run_cli("index", "--import", str(snap), "--json", cwd=clone))
    assert imported["ok"] and imported["snapshot"]["stale"] == 0
    assert imported["index"]["files_parsed"] == 1  # .env only: never in a snapshot
    full = _json(run_cli("index", "--json", cwd=repo))
    assert imported["index"]["definitions"] == full["definitions"]
    assert imported["index"]["history"]["commits_total"] == 2
    bundle = run_cli("bundle", "--seed", "pkg/mod3.py", "--budget", "2000", cwd=clone)
    assert bundle.returncode == 0, bundle.stderr
    assert "helper_3" in bundle.stdout
    again = _json(run_cli("index", "--json", cwd=clone))
    assert again["files_parsed"] == 0


def test_import_into_a_later_commit_rereads_what_changed(
        origin: tuple[Path, Path, dict], tmp_path: Path) -> None:
    repo, snap, _ = origin
    clone = _clone(repo, tmp_path / "later")
    commit(clone, "rename helper", {"pkg/mod5.py": "def renamed_helper(z):\n    return z\n"})
    imported = _json(run_cli("index", "--import", str(snap), "--json", cwd=clone))
    assert imported["snapshot"]["stale"] == 1
    assert imported["index"]["files_parsed"] == 2  # pkg/mod5.py and .env
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
