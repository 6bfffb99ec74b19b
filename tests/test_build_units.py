"""Build machinery without running notebooks: the atomic site swap and its recovery, fingerprints of a brief's
inputs, the progress display, normalised notebooks, and the command line's checks."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from defence_briefs import cli
from defence_briefs.briefs.context import PEER_METRIC, load_release
from defence_briefs.cli import build_parser, main
from defence_briefs.execute.kernels import normalize_executed
from defence_briefs.metrics.stage import metrics_dir
from defence_briefs.progress import Progress
from defence_briefs.project import Project
from defence_briefs.publish import staging as site_publish
from defence_briefs.publish.staging import STATE_FILE, SiteStaging, published_tree, recover
from defence_briefs.render import build_date as build_date_module
from defence_briefs.render.build_date import build_date
from defence_briefs.render.site import releases_index


def _publish(project: Project, files: dict[str, bytes], release: str = "2026") -> Path:
    with SiteStaging(project, release) as staging:
        for name, payload in files.items():
            staging.write(name, payload)
        staging.state["note"] = "test"
        return staging.commit()


def test_a_committed_site_replaces_the_old_one_whole(tmp_path: Path) -> None:
    project = Project(tmp_path)
    first = _publish(project, {"index.html": b"one", "countries/POL.html": b"pol"})
    link = project.reports_dir / "2026"
    assert link.is_symlink() and (link / "index.html").read_bytes() == b"one"
    second = _publish(project, {"index.html": b"two"})
    assert (link / "index.html").read_bytes() == b"two"
    assert (link / "countries" / "POL.html").read_bytes() == b"pol"  # carried over from the first site
    assert not first.exists() and second.exists()
    assert [p.name for p in (project.reports_dir / site_publish.SITES).iterdir()] == [second.name]
    # files are carried over as hard links, never edited in place: the old tree kept its bytes until removed
    assert os.readlink(link) == os.path.relpath(second, project.reports_dir)
    assert site_publish.published_state(project, "2026")["note"] == "test"


def test_an_error_while_staging_leaves_the_published_site_alone(tmp_path: Path) -> None:
    project = Project(tmp_path)
    _publish(project, {"index.html": b"good"})
    with pytest.raises(RuntimeError), SiteStaging(project, "2026") as staging:
        staging.write("index.html", b"half")
        raise RuntimeError("renderer crashed")
    assert (project.reports_dir / "2026" / "index.html").read_bytes() == b"good"
    assert len(list((project.reports_dir / site_publish.SITES).iterdir())) == 1


def test_recovery_removes_what_a_killed_build_left(tmp_path: Path) -> None:
    project = Project(tmp_path)
    live = _publish(project, {"index.html": b"good"})
    sites = project.reports_dir / site_publish.SITES
    (sites / "2026.deadbeef0000" / "countries").mkdir(parents=True)  # a staging tree, killed half-way
    (sites / "2026.deadbeef0000" / "countries" / "POL.html").write_text("half")
    os.symlink("nowhere", project.reports_dir / ".2026.link-1234")  # a link made but not yet renamed
    removed = recover(project, "2026")
    assert [p.name for p in removed] == ["2026.deadbeef0000"]
    assert published_tree(project, "2026") == live
    assert not (project.reports_dir / ".2026.link-1234").is_symlink()


def test_a_site_published_as_a_plain_folder_is_moved_aside_once(tmp_path: Path) -> None:
    project = Project(tmp_path)
    old = project.reports_dir / "2026"
    (old / "data").mkdir(parents=True)
    (old / "index.html").write_text("old site")
    (old / "data" / "metrics.csv").write_text("a,b\n")
    _publish(project, {"index.html": b"new"})
    assert (project.reports_dir / "2026").is_symlink()
    assert (project.reports_dir / "2026" / "data" / "metrics.csv").read_text() == "a,b\n"
    assert (project.reports_dir / "2026" / "index.html").read_bytes() == b"new"


def test_a_kill_between_moving_the_old_folder_and_linking_is_recovered(tmp_path: Path) -> None:
    """The one moment without a link: the old real folder was renamed into .sites, the link not yet made."""
    project = Project(tmp_path)
    moved = project.reports_dir / site_publish.SITES / "2026.legacy-1"
    moved.mkdir(parents=True)
    (moved / "index.html").write_text("old site")
    (moved / STATE_FILE).write_text(json.dumps({"version": 0}))
    recover(project, "2026")
    assert (project.reports_dir / "2026" / "index.html").read_text() == "old site"


def test_releases_index_escapes_and_orders(tmp_path: Path) -> None:
    page = releases_index([("2026", "Spring <2026>", "2026-05-18", True), ("2025", "S", "2025-04-30", False)],
                          "Briefs & more").decode()
    assert "Spring &lt;2026&gt;" in page and "Briefs &amp; more" in page
    assert page.index("2026/index.html") < page.index("2025/index.html")
    # the release history page is linked where the release's site has it
    assert page.count("changes.html") == 1 and "2026/changes.html" in page


@pytest.fixture(scope="module")
def fixture_metrics(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The hand-written fixture project with its metrics computed."""
    import fixture_files

    root = tmp_path_factory.mktemp("fixture-metrics")
    mirror = fixture_files.write_fixture_project(root)
    assert main(["metrics", "--mirror", str(mirror)], root=root) == 0
    return Project(root)


def test_a_briefs_fingerprint_changes_with_what_it_shows_and_nothing_else(fixture_metrics: Project) -> None:
    data = load_release(fixture_metrics.root, "test")
    before = {code: data.brief_fingerprint(code) for code in ("POL", "DEU", "FIN")}
    path = metrics_dir(fixture_metrics, "test") / "metrics.csv"
    original = path.read_bytes()
    frame = pd.read_csv(path, dtype=str)
    try:
        # a figure of Poland's own, not shown for other countries
        own = frame.index[(frame["country"] == "POL") & (frame["metric"] != PEER_METRIC)][0]
        frame.loc[own, "value"] = "12345"
        frame.to_csv(path, index=False)
        after = {code: load_release(fixture_metrics.root, "test").brief_fingerprint(code) for code in before}
        assert after["POL"] != before["POL"]
        assert after["DEU"] == before["DEU"] and after["FIN"] == before["FIN"]
        # a country's US share in the latest window appears in every brief's peer chart
        window = data.window(0)
        peer = frame.index[(frame["country"] == "DEU") & (frame["metric"] == PEER_METRIC)
                           & (frame["period"] == window)][0]
        frame.loc[peer, "value"] = "0.999"
        frame.to_csv(path, index=False)
        again = {code: load_release(fixture_metrics.root, "test").brief_fingerprint(code) for code in before}
        assert all(again[code] != after[code] for code in before)
    finally:
        path.write_bytes(original)
    assert load_release(fixture_metrics.root, "test").brief_fingerprint("POL") == before["POL"]


def test_a_brief_reads_only_its_part_of_the_release(fixture_metrics: Project) -> None:
    data = load_release(fixture_metrics.root, "test")
    part = data.for_brief("POL")
    assert set(part.metrics["country"]) - {"POL", "EUROPE", "EU27"} <= set(data.european_countries())
    others = part.metrics[~part.metrics["country"].isin(["POL", "EUROPE", "EU27"])]
    assert set(others["metric"]) == {PEER_METRIC} and set(others["period"]) == {data.window(0)}
    assert set(part.bilateral["recipient"]) <= {"POL"}
    assert part.fingerprint() == data.brief_fingerprint("POL")


def test_metrics_are_not_recomputed_when_their_inputs_are_unchanged(fixture_metrics: Project,
                                                                    capsys: pytest.CaptureFixture) -> None:
    assert main(["metrics", "--release", "test"], root=fixture_metrics.root) == 0
    assert "metrics test: up to date" in capsys.readouterr().out
    path = metrics_dir(fixture_metrics, "test") / "metrics.csv"
    original = path.read_bytes()
    path.write_bytes(original.replace(b"POL", b"PLX", 1))  # a damaged output is recomputed, not trusted
    assert main(["metrics", "--release", "test"], root=fixture_metrics.root) == 0
    assert "figures for" in capsys.readouterr().out
    assert path.read_bytes() == original


def test_progress_is_plain_lines_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.begin("briefs 2026", 3)
    progress.start_item("POL")
    progress.detail("briefs 2026: [1/3] POL ok")
    progress.finish_item("POL")
    progress.say("briefs 2026: published")
    progress.end()
    assert stream.getvalue() == "briefs 2026: published\n"


def test_progress_shows_stage_count_and_countries_in_flight_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(stream=stream, live=True)
    progress.begin("briefs 2026", 3)
    progress.start_item("POL")
    progress.start_item("DEU")
    progress.finish_item("POL")
    shown = stream.getvalue()
    progress.end()
    assert "briefs 2026: 1/3" in shown and "running DEU" in shown


def test_executed_notebooks_are_normalised() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["papermill"] = {"start_time": "x", "end_time": "y", "duration": 1.0,
                                      "input_path": "/home/me/project/notebooks/country_brief.ipynb",
                                      "output_path": "/tmp/run/POL.ipynb", "parameters": {"country": "POL"}}
    for count in (57, 58):
        cell = nbformat.v4.new_code_cell("1", execution_count=count)
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=count)]
        cell.metadata["papermill"] = {"start_time": "x", "duration": 0.5, "status": "completed"}
        cell.metadata["execution"] = {"iopub.execute_input": "x"}
        notebook.cells.append(cell)
    injected = nbformat.v4.new_code_cell('country = "POL"', execution_count=56)
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(0, injected)
    normalize_executed(notebook, "notebooks/POL.ipynb")
    assert notebook.cells.pop(0).id == "injected-parameters"
    assert [c.execution_count for c in notebook.cells] == [2, 3]
    assert [c.outputs[0]["execution_count"] for c in notebook.cells] == [2, 3]
    assert notebook.metadata["papermill"] == {"input_path": "notebooks/country_brief.ipynb",
                                              "output_path": "notebooks/POL.ipynb", "parameters": {"country": "POL"}}
    assert all(c.metadata["papermill"] == {"status": "completed"} and "execution" not in c.metadata
               for c in notebook.cells)


def test_help_documents_every_stage_and_option() -> None:
    text = build_parser().format_help()
    for word in ("fetch", "data", "metrics", "briefs", "list", "clean", "--release", "--country", "--format",
                 "--jobs", "--force", "--executor", "--scheduler", "--timeout", "SOURCE_DATE_EPOCH"):
        assert word in text, word


def test_one_command_states_one_build_date_when_it_runs_past_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build started at 23:59:59 UTC on 6 December that renders pages after midnight states 6 December on each;
    the environment is as it was after the command; a SOURCE_DATE_EPOCH the user set is the date stated."""
    ticks = iter([dt.datetime(2026, 12, 6, 23, 59, 59, tzinfo=dt.UTC), dt.datetime(2026, 12, 7, 0, 0, 1, tzinfo=dt.UTC),
                  dt.datetime(2026, 12, 7, 0, 0, 2, tzinfo=dt.UTC)])

    class Clock:
        @staticmethod
        def now(tz: dt.tzinfo) -> dt.datetime:
            return next(ticks)

        fromtimestamp = dt.datetime.fromtimestamp

    monkeypatch.setattr(build_date_module, "dt", SimpleNamespace(datetime=Clock, UTC=dt.UTC, date=dt.date))
    stated: list[dt.date] = []
    monkeypatch.setattr(cli, "run", lambda *args, **kwargs: stated.extend([build_date(), build_date()]) or 0)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert main(["briefs"]) == 0
    assert stated == [dt.date(2026, 12, 6), dt.date(2026, 12, 6)]
    assert "SOURCE_DATE_EPOCH" not in os.environ
    # without a build around it, the date is the day of the call (the clock's next tick)
    assert build_date() == dt.date(2026, 12, 7)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1893456000")  # 2030-01-01
    stated.clear()
    assert main(["briefs"]) == 0
    assert stated == [dt.date(2030, 1, 1)] * 2 and os.environ["SOURCE_DATE_EPOCH"] == "1893456000"


@pytest.mark.parametrize(("argv", "message"), [
    (["briefs", "--jobs", "0"], "--jobs 0"),
    (["briefs", "--format", "docx"], "--format 'docx'"),
    (["briefs", "--executor", "dask"], "--executor dask needs --scheduler"),
    (["briefs", "--country", "../../etc"], "unknown country '../../etc'"),
    (["briefs", "--country", "Atlantis"], "POL"),
])
def test_bad_options_exit_2_with_a_message(fixture_metrics: Project, argv: list[str], message: str,
                                           capsys: pytest.CaptureFixture) -> None:
    assert main(argv, root=fixture_metrics.root) == 2
    assert message in capsys.readouterr().err


def test_clean_removes_working_files_and_keeps_raw_and_reports(tmp_path: Path) -> None:
    project = Project(tmp_path)
    for folder in ("_build/2026/data", "data/tidy/2026", "data/raw/sipri", "reports/2026"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "file").write_text("x")
    assert main(["clean"], root=tmp_path) == 0
    assert not (tmp_path / "_build").exists() and not project.tidy_dir.exists()
    assert (project.raw_dir / "sipri" / "file").is_file() and (project.reports_dir / "2026" / "file").is_file()
    assert main(["clean", "--all"], root=tmp_path) == 0
    assert not project.reports_dir.exists() and (project.raw_dir / "sipri" / "file").is_file()


def test_brief_kernels_run_the_builds_own_python(tmp_path: Path) -> None:
    """Whatever kernel specs are installed, a brief's kernel is this interpreter with this package's source."""
    import sys

    from jupyter_core.utils import run_sync

    from defence_briefs.execute.kernels import WarmKernel

    kernel = WarmKernel(tmp_path)
    outputs = []
    try:
        client = kernel.client()
        run_sync(client.execute_interactive)(
            "import sys, defence_briefs; print(sys.executable); print(defence_briefs.__file__)",
            timeout=60, output_hook=lambda msg: outputs.append(msg["content"].get("text", "")))
    finally:
        kernel.shutdown()
    executable, package = "".join(outputs).split()
    assert executable == sys.executable
    assert Path(package).resolve() == (Path(__file__).resolve().parents[1] / "src" / "defence_briefs" /
                                       "__init__.py")
