"""Injected faults: a notebook that hangs, a kernel that dies, a full disk, corrupted caches, a half-written raw
file, a raw file changed by one byte. Each is recovered or reported, and no published site is ever lost or
half-overwritten (checked by hashing reports/ through its links before and after)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import fixture_files as ff
import nbformat
import pytest
from conftest import copy_project, published_digest, tree_digest

from defence_briefs.cli import main
from defence_briefs.ingest import tidy_cache
from defence_briefs.publish import staging as site_publish

RELEASE = "test"


@pytest.fixture
def project(published_fixture_project: tuple[Path, Path], tmp_path: Path) -> Path:
    return copy_project(published_fixture_project[0], tmp_path / "project")


def build(root: Path, *extra: str) -> int:
    return main(["--mirror", str(root / "mirror"), "--country", "POL", "--country", "DEU", *extra], root=root)


def inject_cell(root: Path, code: str) -> None:
    """Add a code cell right after the parameters cell of the country notebook (it sees `country`)."""
    path = root / "notebooks" / "country_brief.ipynb"
    notebook = nbformat.read(path, as_version=4)
    index = next(i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
    nbformat.write(notebook, path)


def page(root: Path, country: str) -> bytes:
    return (root / "reports" / RELEASE / "countries" / f"{country}.html").read_bytes()


def site_trees(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "reports" / ".sites").iterdir())


@pytest.mark.parametrize("fault, code, reported", [
    ("hang", "import time\nif country == 'DEU':\n    time.sleep(3600)",
     "the notebook ran longer than 20 s and was stopped"),
    ("kernel dies", "import os, signal\nif country == 'DEU':\n    os.kill(os.getpid(), signal.SIGKILL)",
     "the kernel died"),
])
def test_a_failing_kernel_costs_only_its_country(project: Path, fault: str, code: str, reported: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The notebook of Germany hangs (stopped by --notebook-timeout) or kills its kernel: Poland is rebuilt and
    published, Germany keeps its last good page, the run exits 1 naming Germany and the fault."""
    german = page(project, "DEU")
    inject_cell(project, code)
    capsys.readouterr()
    assert build(project, "--notebook-timeout", "20", "--jobs", "2") == 1
    out = capsys.readouterr().out
    assert "test DEU: " in out and reported in out, out
    assert page(project, "DEU") == german
    assert b"<html" in page(project, "POL")
    overview = (project / "reports" / RELEASE / "index.html").read_text()
    assert "Germany" in overview and "stale" in overview.lower()
    assert len(site_trees(project)) == 1


def test_disk_full_while_publishing_keeps_the_site(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The disk fills up after a few files of the new site are written: exit 3 with a clear message, the
    published site byte for byte as it was, and the next build (disk freed) cleans up and publishes."""
    before = published_digest(project / "reports")
    inject_cell(project, "from IPython.display import Markdown, display\ndisplay(Markdown('A new sentence.'))")
    writes = {"count": 0}
    real_write = site_publish.atomic_write_bytes

    def filling_disk(target: Path, data: bytes) -> None:
        writes["count"] += 1
        if writes["count"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real_write(target, data)

    monkeypatch.setattr(site_publish, "atomic_write_bytes", filling_disk)
    capsys.readouterr()
    assert build(project) == 3  # the changed notebook changes every page
    assert writes["count"] == 3
    error = capsys.readouterr().err
    assert "No space left on device" in error and "every published site is as it was" in error
    assert published_digest(project / "reports") == before
    monkeypatch.setattr(site_publish, "atomic_write_bytes", real_write)
    assert build(project) == 0
    assert published_digest(project / "reports") != before
    assert b"A new sentence." in page(project, "POL")
    assert len(site_trees(project)) == 1


def test_disk_full_while_writing_tidy_tables(project: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    tidy = tree_digest(project / "data" / "tidy")
    reports = published_digest(project / "reports")

    def full(target: Path, writer) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(tidy_cache, "atomic_write_with", full)
    assert main(["data", "--force", "--mirror", str(project / "mirror")], root=project) == 3
    assert "No space left on device" in capsys.readouterr().err
    assert tree_digest(project / "data" / "tidy") == tidy
    assert published_digest(project / "reports") == reports
    assert not list((project / "data" / "tidy").rglob("*.part"))


def test_corrupted_caches_are_rebuilt(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tidy table, the computed metrics and the published site's state file are garbage: the build notices,
    rebuilds each, and publishes a good site."""
    milex = project / "data" / "tidy" / RELEASE / "milex.parquet"
    milex.write_bytes(b"PAR1 not really parquet")
    metrics = project / "_build" / RELEASE / "data" / "metrics.csv"
    metrics.write_bytes(metrics.read_bytes()[:1000])
    state = (project / "reports" / RELEASE).resolve() / ".build-state.json"
    state.unlink()
    state.write_text("{ truncated")
    capsys.readouterr()
    assert build(project) == 0
    out = capsys.readouterr().out
    assert "parsed milex" in out and "metrics test: " in out and "figures" in out
    assert tidy_cache.stored_key(milex) is not None
    assert metrics.read_bytes().startswith(b"country,metric")
    assert json.loads((project / "reports" / RELEASE / ".build-state.json").read_text())["release"] == RELEASE
    assert b"<html" in page(project, "POL")


def test_half_written_raw_file_is_fetched_again(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An interrupted fetch left half a raw file (from a non-atomic copy) and a temporary part: fetch notices the
    checksum, copies the file again, and the build finds everything up to date."""
    raw = project / "data" / "raw" / ff.FIXTURE_FILES["register"][0]
    good = raw.read_bytes()
    reports = published_digest(project / "reports")
    raw.write_bytes(good[: len(good) // 2])
    part = raw.parent / f".{raw.name}.abc123.part"
    part.write_bytes(good[:100])
    capsys.readouterr()
    assert build(project) == 0
    out = capsys.readouterr().out
    assert "register: copied from" in out
    assert raw.read_bytes() == good and not part.exists()
    assert published_digest(project / "reports") == reports


def test_one_changed_byte_stops_the_build_before_any_brief(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One byte of a raw file changes, in data/raw and in the mirror it would be fetched from: fetch refuses it,
    and the build stops before the data stage; no brief, metric or tidy table is touched."""
    rel = ff.FIXTURE_FILES["milex"][0]
    for path in (project / "data" / "raw" / rel, project / "mirror" / rel):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    reports = published_digest(project / "reports")
    work = tree_digest(project / "_build") | tree_digest(project / "data" / "tidy")
    mtimes = {p: p.stat().st_mtime_ns for p in (project / "reports").rglob("*") if p.is_file()}
    capsys.readouterr()
    assert build(project) == 2
    error = capsys.readouterr().err
    assert "sha256 mismatch for 'milex'" in error and "the file in data/raw was changed" in error
    assert published_digest(project / "reports") == reports
    assert tree_digest(project / "_build") | tree_digest(project / "data" / "tidy") == work
    assert {p: p.stat().st_mtime_ns for p in (project / "reports").rglob("*") if p.is_file()} == mtimes
