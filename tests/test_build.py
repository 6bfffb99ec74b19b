"""build.py on the real data: incremental rebuilds, failure isolation, the site surviving SIGKILL at random
moments, reproducible output, a new release beside the old one, and the Dask executor."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import ROOT, manifest_without, tree_digest

from defence_briefs.cli import main
from defence_briefs.ingest import PARSERS
from defence_briefs.manifest import load_manifest
from defence_briefs.metrics.stage import metrics_dir
from defence_briefs.project import Project
from defence_briefs.publish.stage import SiteOptions, build_briefs
from defence_briefs.publish.staging import SITES, published_state

pytestmark = pytest.mark.realdata
RELEASE = "2026"
EPOCH = "1780000000"  # 2026-05-28


def copy_project(source: Project, target: Path) -> Project:
    """A project at `target` with `source`'s raw files, tidy tables and computed metrics (so only the briefs
    stage has work to do), and this checkout's notebooks, _quarto.yml and methodology.md."""
    shutil.copytree(source.root / "data", target / "data")
    for release in (source.root / "_build").iterdir():
        if (release / "data").is_dir():
            shutil.copytree(release / "data", target / "_build" / release.name / "data")
    for name in ("notebooks", "_quarto.yml", "methodology.md"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name)
        else:
            shutil.copy(ROOT / name, target / name)
    return Project(target)


def site_digest(project: Project, release: str = RELEASE) -> dict[str, str]:
    """sha256 of every file of the published site (through the link)."""
    return tree_digest((project.reports_dir / release).resolve())


@pytest.fixture
def project(real_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return copy_project(real_project, tmp_path / "project")


def _briefs(project: Project, *countries: str, extra: tuple[str, ...] = ()) -> list[str]:
    argv = ["briefs", "--jobs", "2", *extra]
    for country in countries:
        argv += ["--country", country]
    return argv


def test_rebuilds_redo_only_what_changed(project: Project, capsys: pytest.CaptureFixture,
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(_briefs(project, "POL", "ISL"), root=project.root) == 0
    first = capsys.readouterr().out
    assert "2 notebooks run, 2 briefs rendered" in first
    site = project.reports_dir / RELEASE
    link = os.readlink(site)

    # nothing changed: nothing runs, nothing is published again
    assert main(_briefs(project, "POL", "ISL"), root=project.root) == 0
    second = capsys.readouterr().out
    assert "briefs 2026: up to date" in second and "metrics 2026: up to date" in second
    assert os.readlink(site) == link

    # a template of the HTML pages changed: pages are re-rendered; no notebook runs, no PDF is touched
    templates = tmp_path / "templates"
    templates.mkdir()
    page = (ROOT / "src" / "defence_briefs" / "render" / "templates" / "page.html").read_text()
    (templates / "page.html").write_text(page.replace("</body>", "<!-- house style 2 -->\n</body>"))
    monkeypatch.setenv("DEFENCE_TEMPLATES", str(templates))
    pdf_before = {c: (site / "pdf" / f"{c}.pdf").stat().st_ino for c in ("POL", "ISL")}
    manifest = load_manifest(project.manifest_path, set(PARSERS))
    result = build_briefs(project, manifest, manifest.release(RELEASE), SiteOptions(["POL", "ISL"]), lambda _: None)
    assert result.executed == [] and sorted(result.rendered) == ["ISL", "POL"]
    # the HTML pages' pandoc conversion ran, no typst compile (and the PDFs are the same files)
    assert all(set(seconds) == {"pandoc"} for seconds in result.seconds.values())
    assert "house style 2" in (site / "countries" / "POL.html").read_text()
    assert {c: (site / "pdf" / f"{c}.pdf").stat().st_ino for c in ("POL", "ISL")} == pdf_before

    # one country's figures changed (as a revised source would change them): only its brief and the
    # overview (which shows every country) run again
    path = metrics_dir(project, RELEASE) / "metrics.csv"
    frame = pd.read_csv(path, dtype=str)
    row = frame.index[(frame["country"] == "POL") & (frame["metric"] == "milex_constant_usd")][0]
    frame.loc[row, "value"] = str(float(frame.loc[row, "value"]) * 1.01)
    frame.to_csv(path, index=False, lineterminator="\n")
    iceland = (site / "countries" / "ISL.html").stat().st_ino
    result = build_briefs(project, manifest, manifest.release(RELEASE), SiteOptions(["POL", "ISL"]), lambda _: None)
    assert result.executed == ["POL"]
    assert "overview" in result.seconds  # the overview notebook ran again
    assert (site / "countries" / "ISL.html").stat().st_ino == iceland


def _failing_notebook(project: Project, country: str) -> bytes:
    """Make the country notebook raise for `country` in its second code cell; return the original bytes."""
    path = project.root / "notebooks" / "country_brief.ipynb"
    original = path.read_bytes()
    notebook = nbformat.reads(original.decode(), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    code[1].source += f'\nif brief.country == "{country}":\n    raise RuntimeError("injected failure for {country}")'
    nbformat.write(notebook, path)
    return original


def test_a_failing_country_keeps_its_last_good_brief_and_the_others_publish(
        project: Project, capsys: pytest.CaptureFixture) -> None:
    assert main(_briefs(project, "POL", "ISL", extra=("--format", "html")), root=project.root) == 0
    site = project.reports_dir / RELEASE
    iceland = (site / "countries" / "ISL.html").read_bytes()
    capsys.readouterr()
    original = _failing_notebook(project, "ISL")

    assert main(_briefs(project, "POL", "ISL", extra=("--format", "html")), root=project.root) == 1
    out = capsys.readouterr().out
    assert re.search(r"1 brief\(s\) failed.*\n  - 2026 ISL: .*cell \d+ raised RuntimeError: injected failure for ISL",
                     out), out
    kept = project.root / "_build" / RELEASE / "failed" / "ISL.ipynb"
    assert f"executed notebook with the traceback: {project.display(kept)}" in out
    failed = nbformat.read(kept, as_version=4)
    errors = [o for c in failed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "RuntimeError" and errors[0].traceback
    # Poland (whose notebook changed too) was rebuilt; Iceland kept its last good brief, marked stale
    assert (site / "countries" / "ISL.html").read_bytes() == iceland
    state = published_state(project, RELEASE)
    assert state["countries"]["POL"]["status"] == "ok" and state["countries"]["ISL"]["status"] == "failed"
    index = (site / "index.html").read_text()
    assert "stale-notice" in index and "Iceland: the last build failed" in index
    assert main(["list", "--release", RELEASE], root=project.root) == 0
    assert "failed at the last build (last good brief kept): ISL" in capsys.readouterr().out

    (project.root / "notebooks" / "country_brief.ipynb").write_bytes(original)
    assert main(_briefs(project, "POL", "ISL", extra=("--format", "html")), root=project.root) == 0
    assert not kept.exists()
    assert published_state(project, RELEASE)["countries"]["ISL"]["status"] == "ok"
    assert "Iceland: the last build failed" not in (site / "index.html").read_text()


def _run_build(project: Project, args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--root", str(project.root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            start_new_session=True)


def test_sigkill_at_random_moments_never_breaks_the_published_site(project: Project) -> None:
    """Kill the build (and, every other time, its kernels too) at random moments, many times: after each kill
    the published site is the complete previous one, and the next build recovers by itself."""
    args = _briefs(project, "POL", "ISL", extra=("--force", "--verbose"))
    assert _run_build(project, args).wait(timeout=300) == 0  # the first also runs the overview and site pages
    began = time.perf_counter()
    assert _run_build(project, args).wait(timeout=300) == 0  # as long as each build that is killed below
    duration = time.perf_counter() - began
    reference = site_digest(project)
    assert len(reference) > 20
    rng = random.Random(20261124)
    kills = 0
    for attempt in range(14):
        process = _run_build(project, args)
        if attempt % 2:
            delay = rng.uniform(0.2, 0.9 * duration)  # anywhere in the build
            time.sleep(delay)
        else:
            # shortly after the last brief finished: while the site is being assembled and swapped in
            for line in process.stdout:
                if re.search(r"\[(\d+)/\1\]", line):  # "[2/2] POL ok": the last brief is done
                    break
            time.sleep(rng.uniform(0.0, 0.12))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL) if attempt % 4 == 3 else process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        process.stdout.close()
        assert site_digest(project) == reference, f"published site changed after kill {attempt}"
        assert (project.reports_dir / "index.html").is_file()
    assert kills >= 10
    assert _run_build(project, _briefs(project, "POL", "ISL")).wait(timeout=300) == 0
    assert site_digest(project) == reference
    assert [p.name for p in (project.reports_dir / SITES).iterdir()] == [
        os.path.basename(os.readlink(project.reports_dir / RELEASE))]


def test_two_builds_give_the_same_bytes(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same inputs, different kernels and order (--jobs 2, then 1) and another build date: metrics.csv, PDFs
    and executed notebooks are byte-identical; each HTML page differs in the lines that state the build date only
    (its footer and its citation), and each chart's sidecar in its citation only."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert main(["metrics", "--release", RELEASE, "--force"], root=project.root) == 0
    assert main(_briefs(project, "POL", "ISL", "CHE"), root=project.root) == 0
    first_tree = (project.reports_dir / RELEASE).resolve()
    first = {p: first_tree.joinpath(p).read_bytes() for p in site_digest(project)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1893456000")  # 2030-01-01
    assert main(["metrics", "--release", RELEASE, "--force"], root=project.root) == 0
    assert main(["briefs", "--jobs", "1", "--force", "--country", "CHE", "--country", "ISL", "--country", "POL"],
                root=project.root) == 0
    second_tree = (project.reports_dir / RELEASE).resolve()
    assert first_tree != second_tree
    second = {p: second_tree.joinpath(p).read_bytes() for p in site_digest(project)}
    assert sorted(first) == sorted(second)
    differing = sorted(p for p in first if first[p] != second[p])
    assert differing and all(p.endswith((".html", ".csv-metadata.json")) for p in differing), differing
    for name in differing:
        old, new = first[name].decode().splitlines(), second[name].decode().splitlines()
        changed = [b for a, b in zip(old, new, strict=True) if a != b]
        if name.endswith(".html"):
            # the footer ('built on'), the citation ('Built on') and its BibTeX (year, note)
            assert any("built on 1 January 2030" in line for line in changed), (name, changed)
            assert all(re.search(r"[Bb]uilt on 1 January 2030|year = \{2030\}", line)
                       for line in changed), (name, changed)
        else:
            assert len(changed) == 1 and '"dc:bibliographicCitation"' in changed[0] and \
                "Built on 1 January 2030" in changed[0], (name, changed)
    for name in ("data/metrics.csv", "pdf/POL.pdf", "notebooks/POL.ipynb", "notebooks/index.ipynb"):
        assert first[name] == second[name]


def test_a_new_release_is_built_beside_the_old_one_with_what_changed(project: Project) -> None:
    """Real releases one after another: a manifest up to 2025 builds the 2025 site (compared with 2024); adding
    2026 builds the 2026 site beside it (compared with 2025) and lists both."""
    full = project.manifest_path.read_text()
    project.manifest_path.write_text(manifest_without(full, "2026"))
    assert main(["--country", "POL", "--format", "html"], root=project.root) == 0
    assert (project.reports_dir / "2025" / "countries" / "POL.html").is_file()
    assert not (project.reports_dir / "2026").exists()
    link_2025 = os.readlink(project.reports_dir / "2025")
    page_2025 = (project.reports_dir / "2025" / "countries" / "POL.html").read_text()
    assert "Compared with data release 2024" in page_2025

    project.manifest_path.write_text(full)
    assert main(["--country", "POL", "--format", "html"], root=project.root) == 0
    assert os.readlink(project.reports_dir / "2025") == link_2025  # the old site is left as it was
    page = (project.reports_dir / "2026" / "countries" / "POL.html").read_text()
    assert "Compared with data release 2025 (figures to 2024), this release adds 2025" in page
    assert re.search(r"\d+ figures of the last ten years changed: \d+ revised by SIPRI or NATO, \d+ resting on "
                     r"estimates", page)  # revisions to history, the publishers' apart from the split's
    assert "Rank among European countries" in page  # rankings then and now
    index = (project.reports_dir / "index.html").read_text()
    assert index.index("2026/index.html") < index.index("2025/index.html")


def test_the_dask_executor_builds_the_same_site(project: Project) -> None:
    distributed = pytest.importorskip("distributed")
    assert main(_briefs(project, "POL", "ISL"), root=project.root) == 0
    local = site_digest(project)
    local_state = json.loads((project.reports_dir / RELEASE / ".build-state.json").read_text())
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        args = _briefs(project, "POL", "ISL", extra=("--force", "--executor", "dask", "--scheduler",
                                                      cluster.scheduler_address))
        with distributed.Client(cluster) as client:
            assert len(client.nthreads()) == 2
            with distributed.get_task_stream(client) as stream:
                assert main(args, root=project.root) == 0
    briefs = {entry["key"].split("-")[2]: entry["worker"] for entry in stream.data
              if str(entry["key"]).startswith("brief-")}
    assert sorted(briefs) == ["ISL", "POL"]  # the overview stayed current; the two briefs ran on the cluster
    assert site_digest(project) == local
    assert json.loads((project.reports_dir / RELEASE / ".build-state.json").read_text()) == local_state
