"""The metrics of several releases computed side by side (worker processes) give what one after another gives."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import tree_digest

from defence_briefs.cli import main
from defence_briefs.errors import DataError, InputError
from defence_briefs.ingest import tidy_cache
from defence_briefs.manifest import load_manifest
from defence_briefs.metrics.plausibility import Finding, PlausibilityError
from defence_briefs.metrics.stage import build_releases_metrics
from defence_briefs.project import Project


def _two_releases(root: Path, mirror: Path) -> Project:
    """The fixture project with a second, earlier release ('early', data to 2023) pinning the same files, ingested."""
    manifest = root / "data" / "sources.toml"
    text = manifest.read_text(encoding="utf-8").replace('releases = ["test"]', 'releases = ["early", "test"]')
    text = text.replace("[releases.test]", '[releases.early]\ntitle = "Earlier fixture release"\ndate = 2025-05-18\n'
                                           'last_data_year = 2023\n\n[releases.test]')
    manifest.write_text(text, encoding="utf-8")
    assert main(["data", "--mirror", str(mirror)], root=root) == 0
    return Project(root)


def _metrics(project: Project, jobs: int) -> list[str]:
    said: list[str] = []
    build_releases_metrics(project, load_manifest(project.manifest_path).releases, said.append, jobs=jobs)
    return said


def test_side_by_side_gives_the_files_and_reports_of_one_after_another(fixture_project, tmp_path: Path) -> None:
    root, mirror = fixture_project
    one = _two_releases(root, mirror)
    other = Project(shutil.copytree(root, tmp_path / "other", symlinks=True))
    serial, parallel = _metrics(one, jobs=1), _metrics(other, jobs=2)
    assert [line.split(":")[0] for line in parallel] == ["metrics early", "metrics test"]
    assert [line.split(" (")[0] for line in parallel] == [line.split(" (")[0] for line in serial]
    built = tree_digest(one.root / "_build")
    assert {"early/data/metrics.csv", "test/data/metrics.csv", "test/data/orders.csv"} <= set(built)
    assert tree_digest(other.root / "_build") == built
    # computed once, the second call finds both up to date
    assert _metrics(other, jobs=2) == ["metrics early: up to date", "metrics test: up to date"]


def test_a_worker_release_that_fails_raises_its_own_error_whole(fixture_project) -> None:
    root, mirror = fixture_project
    project = _two_releases(root, mirror)
    # Poland's real spending in the earlier release made to jump x2.5 from 2022 to 2023 (unflagged): a plausibility
    # finding of that release only, computed in the worker while this process computes 'test'
    path = tidy_cache.table_path(project.tidy_dir, "early", "milex")
    milex = pd.read_parquet(path)
    jump = (milex["code"] == "POL") & (milex["measure"] == "milex_constant_usd") & (milex["year"] == 2023)
    milex.loc[jump, "value"] = 42500.0
    tidy_cache.write_table(path, milex, "edited by the test")
    said: list[str] = []
    with pytest.raises(PlausibilityError) as raised:
        build_releases_metrics(project, load_manifest(project.manifest_path).releases, said.append, jobs=2)
    error = raised.value
    assert "plausibility checks failed for data release early" in str(error)
    assert [(f.check, f.country, f.year) for f in error.findings] == [("spending_jump", "POL", 2023)]
    assert "x2.50" in error.findings[0].message
    # the release computed beside it keeps its files, as it would computed alone; the failed one has none
    assert (project.root / "_build" / "test" / "data" / "metrics.csv").is_file()
    assert not (project.root / "_build" / "early" / "data" / "metrics.csv").exists()
    assert said == []  # nothing reported before the first failure in release order


def test_data_errors_cross_processes_whole() -> None:
    error = InputError("milex.xlsx", "not a number", sheet="Current US$", row=12, column="D")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is InputError and str(again) == "milex.xlsx, sheet 'Current US$', row 12, column D: not a number"
    assert (again.file, again.sheet, again.row, again.column, again.detail) == (
        "milex.xlsx", "Current US$", 12, "D", "not a number")
    finding = Finding("spending_jump", "milex.xlsx, row 10, column E", "jumped", "POL", 2023)
    plausibility = pickle.loads(pickle.dumps(PlausibilityError("2026", "metrics", [finding])))
    assert plausibility.findings == [finding]
    assert str(plausibility).startswith("plausibility checks failed for data release 2026 (1 finding(s)); the build "
                                        "stopped before the metrics")


class _KilledWorkers:
    """A process pool whose every worker dies before answering (as one killed by the kernel's OOM killer)."""

    def __init__(self, **options) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def submit(self, *args):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        future = Future()
        future.set_exception(BrokenProcessPool("A child process terminated abruptly"))
        return future


def test_a_worker_that_dies_is_a_clear_error(fixture_project, monkeypatch) -> None:
    import concurrent.futures

    root, mirror = fixture_project
    project = _two_releases(root, mirror)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _KilledWorkers)
    with pytest.raises(DataError, match=r"the worker process computing the metrics of release early stopped before "
                                        r"it finished \(killed, out of memory, or it could not start: .*__main__.*\)"
                                        r".* or with --jobs 1"):
        build_releases_metrics(project, load_manifest(project.manifest_path).releases, print, jobs=2)
    assert not (project.root / "_build" / "early" / "data" / "metrics.csv").exists()
