"""fetch: copy from a mirror or download over HTTP, verify sha256, rename into place.

A failed fetch leaves data/raw as it was.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import fixture_files
import pytest
from conftest import tree_digest

from defence_briefs.cli import main
from defence_briefs.errors import FetchError
from defence_briefs.fetch.stage import fetch_file
from defence_briefs.ingest import PARSERS
from defence_briefs.manifest import load_manifest
from defence_briefs.project import Project


@pytest.fixture
def http_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a folder; yields (base URL, folder). No local mirror is set."""
    monkeypatch.delenv("DEFENCE_DATA_MIRROR", raising=False)
    served = tmp_path / "served"
    served.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", served
    finally:
        server.shutdown()
        server.server_close()


def _project(root: Path) -> tuple[Project, list]:
    project = Project(root)
    return project, list(load_manifest(project.manifest_path, set(PARSERS)).files)


def test_copy_from_mirror_then_skip_verified(fixture_project: tuple[Path, Path]) -> None:
    root, mirror = fixture_project
    project, files = _project(root)
    first = fetch_file(project, files[0], mirror)
    assert first.action == "copied"
    assert first.path.read_bytes() == (mirror / files[0].path).read_bytes()
    mtime = first.path.stat().st_mtime_ns
    again = fetch_file(project, files[0], mirror)
    assert again.action == "present"
    assert again.path.stat().st_mtime_ns == mtime


def test_download_from_local_http_server(tmp_path: Path, http_mirror: tuple[str, Path]) -> None:
    base, served = http_mirror
    for file_id, (rel, _, _) in fixture_files.FIXTURE_FILES.items():
        fixture_files.write_fixture_file(file_id, served / rel)
    root = tmp_path / "project"
    fixture_files.write_manifest(root, served, url_base=base)
    assert main(["fetch"], root=root) == 0
    for rel, _, _ in fixture_files.FIXTURE_FILES.values():
        assert (root / "data" / "raw" / rel).read_bytes() == (served / rel).read_bytes()


def test_download_with_wrong_bytes_is_refused_and_keeps_the_old_file(tmp_path: Path,
                                                                     http_mirror: tuple[str, Path]) -> None:
    base, served = http_mirror
    rel = fixture_files.FIXTURE_FILES["us_exports"][0]
    fixture_files.write_fixture_file("us_exports", served / rel)
    root = tmp_path / "project"
    fixture_files.write_manifest(root, served, ids=["us_exports"], url_base=base)
    project, files = _project(root)
    dest = root / "data" / "raw" / rel
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"previous content")
    (served / rel).write_bytes((served / rel).read_bytes().replace(b"634", b"635"))  # one byte changed upstream
    with pytest.raises(FetchError, match="sha256 mismatch") as info:
        fetch_file(project, files[0], None)
    assert rel in str(info.value) and "left untouched" in str(info.value)
    assert dest.read_bytes() == b"previous content"
    assert not list(dest.parent.glob("*.part"))


def test_http_404_and_no_mirror_is_a_clear_error(tmp_path: Path, http_mirror: tuple[str, Path]) -> None:
    base, served = http_mirror
    rel = fixture_files.FIXTURE_FILES["us_exports"][0]
    fixture_files.write_fixture_file("us_exports", served / rel)
    root = tmp_path / "project"
    fixture_files.write_manifest(root, served, ids=["us_exports"], url_base=base)
    (served / rel).unlink()
    project, files = _project(root)
    with pytest.raises(FetchError) as info:
        fetch_file(project, files[0], None)
    message = str(info.value)
    assert "could not fetch 'us_exports'" in message and "HTTP 404" in message
    assert "DEFENCE_DATA_MIRROR" in message
    assert not (root / "data" / "raw" / rel).exists()


def test_mirror_with_altered_file_exits_non_zero_and_writes_nothing(fixture_project: tuple[Path, Path],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root, mirror = fixture_project
    target = mirror / fixture_files.FIXTURE_FILES["tiv_usa"][0]
    target.write_bytes(target.read_bytes().replace(b"147", b"148"))
    assert main(["fetch", "--mirror", str(mirror)], root=root) == 2
    err = capsys.readouterr().err
    assert "sha256 mismatch for 'tiv_usa'" in err
    assert not (root / "data" / "raw" / fixture_files.FIXTURE_FILES["tiv_usa"][0]).exists()


def test_stale_partial_file_from_a_killed_fetch_is_removed(fixture_project: tuple[Path, Path]) -> None:
    root, mirror = fixture_project
    project, files = _project(root)
    dest = root / "data" / "raw" / files[0].path
    dest.parent.mkdir(parents=True)
    stale = dest.parent / f".{dest.name}.abc123.part"
    stale.write_bytes(b"half a file")
    fetch_file(project, files[0], mirror)
    assert not stale.exists()
    assert dest.is_file()


def test_missing_mirror_folder_is_named(fixture_project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = fixture_project
    before = tree_digest(root / "data")
    assert main(["fetch", "--mirror", str(root / "nowhere")], root=root) == 2
    assert "nowhere" in capsys.readouterr().err
    assert tree_digest(root / "data") == before
