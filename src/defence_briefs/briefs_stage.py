"""The `briefs` stage: run the notebooks with papermill, render the site and PDF briefs, publish them.

Layout of a release's site, reports/<release>/:
  index.html (Europe overview), countries/<ISO3>.html, pdf/<ISO3>.pdf, methodology.html,
  data/metrics.csv (from the metrics stage) and data/<ISO3>.csv, notebooks/<ISO3>.ipynb (executed),
  assets/ (site.css, site.js, vega-bundle.js, fonts).
Everything is rendered into _build/<release>/site first and copied in only when all of it rendered.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .briefs.context import ReleaseData, resolve_country
from .fileio import atomic_write_bytes
from .manifest import DataRelease, Manifest
from .project import Project
from .render import site as site_render
from .render.execute import COUNTRY_NOTEBOOK, NOTEBOOKS, OVERVIEW_NOTEBOOK, run_notebook
from .render.quarto import lay_out_project, quarto_commands, quarto_executable, run_quarto
from .render.site_config import load_site_config

Reporter = Callable[[str], None]
FORMATS = ("html", "pdf")


@dataclass
class BriefsResult:
    """What a briefs run made."""

    release: str
    countries: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    route: str = "built-in"


def build_dir(project: Project, release: str) -> Path:
    return project.root / "_build" / release


def covered_countries(data: ReleaseData) -> list[str]:
    """The European countries with any figure in the release (the default set of briefs)."""
    present = set(data.metrics["country"])
    return [code for code in data.european_countries() if code in present]


def select_countries(data: ReleaseData, requested: list[str] | None) -> list[str]:
    """Requested countries (codes or names, validated), or every covered country."""
    if not requested:
        return covered_countries(data)
    chosen: list[str] = []
    for item in requested:
        code = resolve_country(data, item)
        if code not in chosen:
            chosen.append(code)
    return chosen


def build_briefs(project: Project, manifest: Manifest, release: DataRelease, countries: list[str] | None = None,
                 formats: tuple[str, ...] = FORMATS, report: Reporter = print) -> BriefsResult:
    """Execute and render the briefs of `release` (all covered countries unless `countries` names some)."""
    started = time.perf_counter()
    data = ReleaseData(project, release, manifest)
    chosen = select_countries(data, countries)
    config = load_site_config(project.root)
    work = build_dir(project, release.name)
    executed_dir = work / "executed"
    staging = work / "site"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    result = BriefsResult(release.name, chosen)
    notebooks = project.root / NOTEBOOKS
    root_parameter = str(project.root)

    overview = run_notebook(notebooks / OVERVIEW_NOTEBOOK, executed_dir / "index.ipynb",
                            {"release": release.name, "root": root_parameter})
    executed: dict[str, Path] = {}
    for number, country in enumerate(chosen, 1):
        began = time.perf_counter()
        executed[country] = run_notebook(notebooks / COUNTRY_NOTEBOOK, executed_dir / f"{country}.ipynb",
                                         {"country": country, "release": release.name, "root": root_parameter})
        result.seconds[country] = time.perf_counter() - began
        report(f"briefs {release.name}: executed {country} ({number}/{len(chosen)}) "
               f"in {result.seconds[country]:.1f} s")

    quarto = quarto_executable()
    if quarto:
        result.route = "quarto"
        project_dir = work / "quarto"
        lay_out_project(project.root, project_dir, executed, overview)
        run_quarto(quarto_commands(quarto, project_dir, staging, chosen, formats), report)
    else:
        _render_builtin(project, config, data, chosen, executed, overview, staging, work, formats, report)
    _write_data_files(data, chosen, executed, staging)
    site_render.write_assets(staging)
    target = project.reports_dir / release.name
    files = site_render.publish_tree(staging, target)
    _write_releases_index(project, manifest, config.title)
    missing = [c for c in covered_countries(data) if not (target / "countries" / f"{c}.html").is_file()]
    note = f"; {len(missing)} covered countries have no brief yet ({', '.join(missing)})" if missing else ""
    report(f"briefs {release.name}: {len(chosen)} countries, {files} files published in "
           f"{project.display(target)} via the {result.route} route ({time.perf_counter() - started:.1f} s){note}")
    return result


def _render_builtin(project: Project, config, data: ReleaseData, chosen: list[str], executed: dict[str, Path],
                    overview: Path, staging: Path, work: Path, formats: tuple[str, ...], report: Reporter) -> None:
    if "html" in formats:
        (staging / "index.html").write_text(site_render.overview_page(config, data, overview), encoding="utf-8")
        (staging / "methodology.html").write_text(
            site_render.methodology_page(config, data, project.root / "methodology.md"), encoding="utf-8")
    for number, country in enumerate(chosen, 1):
        began = time.perf_counter()
        if "html" in formats:
            page = staging / "countries" / f"{country}.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(site_render.country_page(config, data, executed[country], country), encoding="utf-8")
        if "pdf" in formats:
            site_render.country_pdf(config, data, executed[country], country, staging / "pdf" / f"{country}.pdf",
                                    work / "typst" / country)
        report(f"briefs {data.release.name}: rendered {country} ({number}/{len(chosen)}) "
               f"in {time.perf_counter() - began:.1f} s")


def _write_data_files(data: ReleaseData, chosen: list[str], executed: dict[str, Path], staging: Path) -> None:
    (staging / "data").mkdir(parents=True, exist_ok=True)
    (staging / "notebooks").mkdir(parents=True, exist_ok=True)
    for country in chosen:
        (staging / "data" / f"{country}.csv").write_bytes(site_render.country_csv(data, country))
        shutil.copyfile(executed[country], staging / "notebooks" / f"{country}.ipynb")


def _write_releases_index(project: Project, manifest: Manifest, title: str) -> None:
    built = [(r.name, r.title, r.date.isoformat()) for r in reversed(manifest.releases)
             if (project.reports_dir / r.name / "index.html").is_file()]
    atomic_write_bytes(project.reports_dir / "index.html",
                       site_render.releases_index(built, title))
