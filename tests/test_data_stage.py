"""The data stage: tidy tables cached by input checksum and code; a changed raw file stops it before any write."""

from __future__ import annotations

from pathlib import Path

import fixture_files as ff
import pandas as pd
import pytest
from conftest import tree_digest

from defence_briefs.cli import main
from defence_briefs.ingest.stage import load_table
from defence_briefs.project import Project

TABLES = {"transfers", "transfers_info", "bilateral_tiv", "us_exports_tiv", "imports_tiv_totals",
          "exports_tiv_totals", "milex", "milex_regional", "nato", "population"}


def test_first_run_builds_every_table_and_second_reads_the_cache(fixture_project: tuple[Path, Path],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    root, mirror = fixture_project
    assert main(["data", "--mirror", str(mirror)], root=root) == 0
    first = capsys.readouterr().out
    assert "10 tidy tables ok (0 from cache, 10 rebuilt)" in first
    assert {p.stem for p in (root / "data" / "tidy" / "test").glob("*.parquet")} == TABLES
    digest = tree_digest(root / "data" / "tidy")
    assert main(["data"], root=root) == 0
    second = capsys.readouterr().out
    assert "10 tidy tables ok (10 from cache, 0 rebuilt)" in second and "parsed" not in second
    assert tree_digest(root / "data" / "tidy") == digest


def test_tidy_tables_carry_their_source_file(built_project: tuple[Path, Path]) -> None:
    root, _ = built_project
    bilateral = load_table(Project(root), "test", "bilateral_tiv")
    assert set(bilateral["source_file"]) == {"tiv_usa", "tiv_frg"}
    assert bilateral.set_index(["supplier", "recipient", "year"]).loc[("DEU", "POL", 2020), "tiv"] == 20
    milex = load_table(Project(root), "test", "milex")
    assert set(milex["source_file"]) == {"milex"} and milex["source_ref"].notna().all()


def test_changed_input_rebuilds_only_its_table(built_project: tuple[Path, Path],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root, mirror = built_project
    rel = ff.FIXTURE_FILES["us_exports"][0]
    (mirror / rel).write_text(ff.US_EXPORTS.replace("634", "640"), encoding="ascii")
    ff.write_manifest(root, mirror)
    (root / "data" / "raw" / rel).unlink()
    capsys.readouterr()
    assert main(["data", "--mirror", str(mirror)], root=root) == 0
    out = capsys.readouterr().out
    assert "parsed us_exports_tiv" in out and "(9 from cache, 1 rebuilt)" in out
    table = load_table(Project(root), "test", "us_exports_tiv")
    assert table.set_index(["recipient", "year"]).loc[("POL", 2023), "tiv"] == 640


def test_altered_raw_file_stops_before_any_write(built_project: tuple[Path, Path],
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = built_project
    monkeypatch.delenv("DEFENCE_DATA_MIRROR", raising=False)
    raw = root / "data" / "raw" / ff.FIXTURE_FILES["tiv_usa"][0]
    raw.write_bytes(raw.read_bytes().replace(b"147", b"148"))
    before = tree_digest(root / "data" / "tidy")
    assert main(["data"], root=root) == 2
    err = capsys.readouterr().err
    assert "TIV-Export-USA-1950-2021.csv" in err and "the file in data/raw was changed" in err
    assert tree_digest(root / "data" / "tidy") == before


def test_corrupted_cache_file_is_rebuilt(built_project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = built_project
    path = root / "data" / "tidy" / "test" / "nato.parquet"
    path.write_bytes(b"not parquet")
    capsys.readouterr()
    assert main(["data"], root=root) == 0
    assert "parsed nato" in capsys.readouterr().out
    assert len(pd.read_parquet(path)) > 0


def test_force_rebuilds_everything(built_project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = built_project
    capsys.readouterr()
    assert main(["data", "--force"], root=root) == 0
    assert "(0 from cache, 10 rebuilt)" in capsys.readouterr().out


def test_help_and_list(fixture_project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = fixture_project
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"], root=root)
    assert exit_info.value.code == 0
    assert "DEFENCE_DATA_MIRROR" in capsys.readouterr().out
    assert main(["list"], root=root) == 0
    assert "release test (default)" in capsys.readouterr().out
    assert main(["data", "--release", "nope"], root=root) == 2
    assert "no data release 'nope'" in capsys.readouterr().err


def test_missing_raw_file_without_mirror_names_the_fix(fixture_project: tuple[Path, Path],
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = fixture_project
    monkeypatch.delenv("DEFENCE_DATA_MIRROR", raising=False)
    assert main(["data"], root=root) == 2
    err = capsys.readouterr().err
    assert "could not fetch 'register'" in err and "DEFENCE_DATA_MIRROR" in err
    assert not (root / "data" / "tidy").exists()
