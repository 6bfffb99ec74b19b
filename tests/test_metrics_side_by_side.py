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


def _two_releases(root: Path, mirror: Path, earliest: bool = False) -> Project:
    """The fixture project with a second, earlier release ('early', data to 2023) pinning the same files, and with
    `earliest` a third ('earliest', data to 2022), ingested."""
    manifest = root / "data" / "sources.toml"
    names = '["earliest", "early", "test"]' if earliest else '["early", "test"]'
    text = manifest.read_text(encoding="utf-8").replace('releases = ["test"]', f"releases = {names}")
    tables = '[releases.early]\ntitle = "Earlier fixture release"\ndate = 2025-05-18\nlast_data_year = 2023\n\n'
    if earliest:
        tables = ('[releases.earliest]\ntitle = "Earliest fixture release"\ndate = 2025-04-18\n'
                  'last_data_year = 2022\n\n' + tables)
    manifest.write_text(text.replace("[releases.test]", tables + "[releases.test]"), encoding="utf-8")
    assert main(["data", "--mirror", str(mirror)], root=root) == 0
    return Project(root)


def _jump_in_spending(project: Project, release: str) -> None:
    """Poland's real spending in `release` made to jump x2.5 from 2022 to 2023 (unflagged): a plausibility finding
    of that release only."""
    path = tidy_cache.table_path(project.tidy_dir, release, "milex")
    milex = pd.read_parquet(path)
    jump = (milex["code"] == "POL") & (milex["measure"] == "milex_constant_usd") & (milex["year"] == 2023)
    milex.loc[jump, "value"] = 42500.0
    tidy_cache.write_table(path, milex, "edited by the test")


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
    _jump_in_spending(project, "early")  # computed in the worker while this process computes 'test'
    said: list[str] = []
    with pytest.raises(PlausibilityError) as raised:
        build_releases_metrics(project, load_manifest(project.manifest_path).releases, said.append, jobs=2)
    error = raised.value
    assert "plausibility checks failed for data release early" in str(error)
    assert [(f.check, f.country, f.year) for f in error.findings] == [("spending_jump", "POL", 2023)]
    assert "x2.50" in error.findings[0].message
    # side by side, the release computed beside it runs to its end and keeps its files; the failed one has none
    assert (project.root / "_build" / "test" / "data" / "metrics.csv").is_file()
    assert not (project.root / "_build" / "early" / "data" / "metrics.csv").exists()
    assert said == []  # nothing reported before the first failure in release order


def test_the_newest_release_failing_here_is_raised_after_the_older_ones_report(fixture_project) -> None:
    root, mirror = fixture_project
    project = _two_releases(root, mirror)
    _jump_in_spending(project, "test")  # the newest: computed in this process while the worker computes 'early'
    said: list[str] = []
    with pytest.raises(PlausibilityError, match="plausibility checks failed for data release test"):
        build_releases_metrics(project, load_manifest(project.manifest_path).releases, said.append, jobs=2)
    assert [line.split(":")[0] for line in said] == ["metrics early"] and "figures for" in said[0]
    assert (project.root / "_build" / "early" / "data" / "metrics.csv").is_file()


def test_a_release_up_to_date_is_said_so_in_its_place(fixture_project) -> None:
    root, mirror = fixture_project
    project = _two_releases(root, mirror, earliest=True)
    releases = load_manifest(project.manifest_path).releases
    assert [r.name for r in releases] == ["earliest", "early", "test"]
    build_releases_metrics(project, [r for r in releases if r.name == "test"], print)
    said: list[str] = []
    build_releases_metrics(project, releases, said.append, jobs=2)  # 'earliest' in the worker, 'early' here
    assert [line.split(" (")[0].split(" in ")[0].split(": ")[0] for line in said] == [
        "metrics earliest", "metrics early", "metrics test"]
    assert "figures for" in said[0] and "figures for" in said[1] and said[2] == "metrics test: up to date"


def test_a_build_started_again_in_a_worker_process_does_nothing(monkeypatch) -> None:
    """A script that runs the build without `if __name__ == "__main__":` is run again in each worker process Python
    starts; there the build must not start again."""
    monkeypatch.setattr("sys.orig_argv", ["python", "-c", "from multiprocessing.spawn import spawn_main",
                                          "--multiprocessing-fork"])
    assert main(["no-such-stage"]) == 0  # returns before reading its arguments


def test_data_errors_cross_processes_whole() -> None:
    error = InputError("milex.xlsx", "not a number", sheet="Current US$", row=12, column="D")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is InputError and str(again) == "milex.xlsx, sheet 'Current US$', row 12, column D: not a number"
    assert (again.file, again.sheet, again.row, again.column, again.detail) == (
        "milex.xlsx", "Current US$", 12, "D", "not a number")
    finding = Finding("spending_jump", "milex.xlsx, row 10, column E", "jumped", "POL", 2023)
    plausibility = pickle.loads(pickle.dumps(PlausibilityError("2026", "metrics", [finding])))
    assert plausibility.findings == [finding] and (plausibility.release, plausibility.stage) == ("2026", "metrics")
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

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
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
