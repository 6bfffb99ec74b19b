"""The `briefs` stage: run the notebooks that need it, render their pages, publish the release's site whole.

Layout of a release's site, reports/<release>/:
  index.html (Europe overview), countries/<ISO3>.html, pdf/<ISO3>.pdf, methodology.html,
  data/metrics.csv (with bilateral_tiv.csv, pending_us_deals.csv) and data/<ISO3>.csv, notebooks/<ISO3>.ipynb
  (executed), assets/ (site.css, site.js, vega-bundle.js, fonts), and .build-state.json (what each page was
  built from).

Incremental: each page has fingerprints of its inputs (see `plan`): a country's notebook reruns only when
the notebook, the brief code, the parameters or the part of the data its brief shows changed; its HTML and
PDF are re-rendered when the executed notebook, the templates, the render code or _quarto.yml changed.
Parallel: jobs run on an executor (warm local kernels, or Dask). Isolated: a failing country keeps its last
good brief, is listed as stale on the overview, and its executed notebook with the traceback is kept in
_build/<release>/failed/. Atomic: everything is written into a staging tree that replaces the published site
in one rename (site_publish).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .brief_jobs import BriefJob, BriefOutcome
from .briefs.context import ReleaseData, cached_release, resolve_country
from .fingerprint import bytes_digest, code_digest, digest, file_digest
from .manifest import DataRelease, Manifest
from .metrics_stage import DATA_FILES, metrics_dir
from .project import Project
from .render.execute import COUNTRY_NOTEBOOK, NOTEBOOKS, OVERVIEW_NOTEBOOK
from .site_publish import SiteStaging, published_state, published_tree, recover

Reporter = Callable[[str], None]
FORMATS = ("html", "pdf")
METHODOLOGY = "methodology.md"
TEMPLATES = ("page.html", "brief.typ", "site.css", "site.js")
TEMPLATE_OF = {"html": "page.html", "pdf": "brief.typ"}


def template_digests() -> dict[str, str]:
    """sha256 of each template the site is rendered with (render.pandoc.template_path)."""
    from .render import template_path

    return {name: file_digest(template_path(name)) for name in TEMPLATES}


@dataclass
class Failure:
    """A page that did not build: which, and why (cell and error)."""

    release: str
    name: str
    error: str
    notebook: Path | None


@dataclass
class BriefsResult:
    """What a briefs run did."""

    release: str
    countries: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    up_to_date: bool = False
    route: str = "built-in"
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)


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


def render_route() -> tuple[str, str | None]:
    from .render.quarto import quarto_executable

    quarto = quarto_executable()
    return ("quarto", quarto) if quarto else ("built-in", None)


@dataclass(frozen=True)
class SiteSources:
    """Digests of the project files and code a release's site is built from (not the data)."""

    country_notebook: str
    overview_notebook: str
    config: str
    methodology: str
    briefs_code: str
    render_code: str
    templates: dict[str, str]

    @classmethod
    def of(cls, root: Path) -> SiteSources:
        return cls(file_digest(root / NOTEBOOKS / COUNTRY_NOTEBOOK), file_digest(root / NOTEBOOKS / OVERVIEW_NOTEBOOK),
                   file_digest(root / "_quarto.yml"), file_digest(root / METHODOLOGY), code_digest("briefs"),
                   code_digest("render"), template_digests())


def quick_key(project: Project, manifest: Manifest, release: DataRelease, requested: list[str] | None,
              formats: tuple[str, ...]) -> str:
    """Fingerprint of everything a release's site is built from, cheap to compute (file digests only): when it
    equals the one recorded by the last complete build, and every page is there, nothing needs doing."""
    names = [r.name for r in manifest.releases]
    position = names.index(release.name)
    releases = [release.name] + ([names[position - 1]] if position else [])
    data_files = {f"{name}/{file}": file_digest(metrics_dir(project, name) / file)
                  for name in releases for file in DATA_FILES}
    return digest("site", release, manifest.releases[position - 1] if position else None, data_files,
                  SiteSources.of(project.root), sorted(requested or []), formats, render_route()[0])


def site_is_current(project: Project, manifest: Manifest, release: DataRelease, requested: list[str] | None,
                    formats: tuple[str, ...]) -> bool:
    """True when the published site of `release` was built, completely, from exactly these inputs."""
    tree = published_tree(project, release.name)
    state = published_state(project, release.name)
    if tree is None or state.get("quick_key") != quick_key(project, manifest, release, requested, formats):
        return False
    return all((tree / relative).is_file() for relative in state.get("files", []))


class Planner:
    """Fingerprints of each page of a release's site; see the module docstring for what each covers."""

    def __init__(self, project: Project, data: ReleaseData, formats: tuple[str, ...], route: str):
        self.project = project
        self.data = data
        self.formats = formats
        sources = SiteSources.of(project.root)
        self.country_notebook = sources.country_notebook
        self.overview_notebook = sources.overview_notebook
        self.config = sources.config
        self.methodology_text = sources.methodology
        self.briefs_code = sources.briefs_code
        self.render_code = sources.render_code
        self.templates = sources.templates
        self.route = route
        release = data.release
        self.release = (release.name, release.title, release.date.isoformat(), release.last_data_year)

    def execute_key(self, country: str) -> str:
        return digest("execute", country, self.release, self.country_notebook, self.briefs_code,
                      self.data.brief_fingerprint(country))

    def render_key(self, fmt: str, executed: bytes) -> str:
        """HTML pages depend on page.html, PDFs on brief.typ; both on the executed notebook and render code."""
        return digest("render", fmt, self.route, bytes_digest(executed), self.release, self.config,
                      self.render_code, self.templates[TEMPLATE_OF[fmt]])

    def overview_execute_key(self) -> str:
        return digest("overview", self.release, self.overview_notebook, self.briefs_code, self.data.fingerprint())

    def methodology_key(self) -> str:
        return digest("methodology", self.release, self.methodology_text, self.config, self.render_code,
                      self.templates["page.html"])

    def assets_key(self) -> str:
        return digest("assets", self.render_code, self.templates["site.css"], self.templates["site.js"])


def build_briefs(project: Project, manifest: Manifest, release: DataRelease, countries: list[str] | None = None,
                 formats: tuple[str, ...] = FORMATS, report: Reporter = print, *, executor_factory=None,
                 force: bool = False, timeout: int = 600, notebook_timeout: float | None = None) -> BriefsResult:
    """Bring the site of `release` up to date (all covered countries unless `countries` names some) and publish
    it whole. `executor_factory(notebooks)` makes the executor (default: local threads, one per core). `force`
    reruns the chosen countries (and the overview when no country is named) even when up to date. `timeout`
    bounds each notebook cell and `notebook_timeout` each whole notebook, in seconds."""
    started = time.perf_counter()
    progress = report if hasattr(report, "begin") else None
    result = BriefsResult(release.name)
    for leftover in recover(project, release.name):
        report(f"briefs {release.name}: removed {project.display(leftover)}, left by an interrupted build")
    if not force and site_is_current(project, manifest, release, countries, formats):
        state = published_state(project, release.name)
        result.up_to_date = True
        result.stale = list(state.get("stale", []))
        report(f"briefs {release.name}: up to date ({len(state.get('countries', {}))} briefs in "
               f"{project.display(project.reports_dir / release.name)})")
        _write_releases_index(project, manifest)
        return result

    from .render import site as site_render
    from .render.site_config import load_site_config

    data = cached_release(project, release, manifest)
    chosen = select_countries(data, countries)
    result.countries = chosen
    route, quarto = render_route()
    result.route = route
    planner = Planner(project, data, formats, route)
    config = load_site_config(project.root)
    work = build_dir(project, release.name)
    failed_dir = work / "failed"

    with SiteStaging(project, release.name) as staging:
        state = staging.state
        pages: dict[str, dict] = dict(state.get("countries", {}))
        execute_keys = {country: planner.execute_key(country) for country in covered_countries(data)}
        jobs: list[BriefJob] = []
        for country in chosen:
            page = pages.get(country, {})
            notebook = staging.file(f"notebooks/{country}.ipynb")
            execute = force or page.get("execute") != execute_keys[country] or not notebook.is_file()
            executed = None if execute else notebook.read_bytes()
            wanted = tuple(fmt for fmt in formats if execute or _needs_render(staging, page, planner, fmt, country,
                                                                                executed))
            if route == "quarto":
                wanted = ()
            if execute or wanted:
                jobs.append(BriefJob(str(project.root), release.name, country, execute, wanted, executed, timeout,
                                     notebook_timeout))
            elif page.get("status") == "failed":
                # its inputs are back to those of its last good brief, which is therefore current again
                page.update(status="ok")
                page.pop("error", None)
                (failed_dir / f"{country}.ipynb").unlink(missing_ok=True)
        overview_key = planner.overview_execute_key()
        overview = state.get("overview", {})
        run_overview = (force and not countries) or overview.get("execute") != overview_key or not staging.file(
            "notebooks/index.ipynb").is_file()
        if run_overview:
            jobs.insert(0, BriefJob(str(project.root), release.name, None, True, (), None, timeout, notebook_timeout))

        outcomes: list[BriefOutcome] = []
        if jobs:
            outcomes = _run_jobs(project, jobs, executor_factory, progress, report, release.name)
        for outcome in outcomes:
            _take_outcome(outcome, staging, pages, planner, execute_keys, failed_dir, result)
        if run_overview:
            overview_outcome = next(o for o in outcomes if o.job.country is None)
            if overview_outcome.ok:
                staging.write("notebooks/index.ipynb", overview_outcome.executed)
                state["overview"] = {"execute": overview_key}

        if route == "quarto":
            _render_with_quarto(project, quarto, staging, chosen, formats, work, report)
            for country in chosen:
                pages.setdefault(country, {})["status"] = pages.get(country, {}).get("status", "ok")

        # pages of the whole site, data files, assets
        _write_data_files(staging, data, chosen, project, release.name)
        stale = [(country, why) for country, (_, why) in stale_briefs(staging.path, pages, execute_keys).items()]
        result.stale = [c for c, _ in stale]
        overview_notebook = staging.file("notebooks/index.ipynb")
        if "html" in formats and route == "built-in" and overview_notebook.is_file():
            import nbformat

            names = [(data.countries.name(c), why) for c, why in stale]
            index_key = digest("index", overview_notebook.read_bytes(), names, planner.release, planner.config,
                               planner.render_code, planner.templates["page.html"])
            if state.get("index") != index_key or not staging.file("index.html").is_file():
                notebook = nbformat.read(overview_notebook, as_version=4)
                staging.write("index.html", site_render.overview_page(config, data, notebook, names).encode())
                state["index"] = index_key
            if state.get("methodology") != planner.methodology_key() or not staging.file("methodology.html").is_file():
                staging.write("methodology.html", site_render.methodology_page(
                    config, data, project.root / METHODOLOGY).encode())
                state["methodology"] = planner.methodology_key()
        assets_key = planner.assets_key()
        if state.get("assets") != assets_key or not staging.file("assets/vega-bundle.js").is_file():
            site_render.write_assets(staging.path)
            state["assets"] = assets_key

        state["countries"] = dict(sorted(pages.items()))
        state["stale"] = result.stale
        state["files"] = sorted(_expected_files(pages, formats, route))
        clean = not result.failures and not set(result.stale) & set(chosen)
        state["quick_key"] = quick_key(project, manifest, release, countries, formats) if clean else None
        staging.commit()
    _write_releases_index(project, manifest)
    _summarise(project, release, result, started, report)
    return result


def stale_briefs(tree: Path, pages: dict, execute_keys: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The covered countries (keys of `execute_keys`) whose brief in `tree` is not current, with a kind
    ('missing', 'failed' or 'inputs') and the reason shown to readers."""
    stale = {}
    for country, key in execute_keys.items():
        page = pages.get(country)
        if page is None or not (tree / "notebooks" / f"{country}.ipynb").is_file():
            stale[country] = ("missing", "no brief built yet")
        elif page.get("status") == "failed":
            stale[country] = ("failed", f"the last build failed ({page.get('error', '').splitlines()[0]}); "
                                        "the brief shown is the last one that built")
        elif page.get("execute") != key:
            stale[country] = ("inputs", "built from older inputs; run the build for it")
    return stale


def _needs_render(staging: SiteStaging, page: dict, planner: Planner, fmt: str, country: str,
                  executed: bytes | None) -> bool:
    target = staging.file(f"countries/{country}.html" if fmt == "html" else f"pdf/{country}.pdf")
    return executed is None or page.get(fmt) != planner.render_key(fmt, executed) or not target.is_file()


def _run_jobs(project: Project, jobs: list[BriefJob], executor_factory, progress, report: Reporter,
              release: str) -> list[BriefOutcome]:
    from .executors import LocalExecutor, default_jobs

    notebooks = project.root / NOTEBOOKS
    own = executor_factory is None  # an executor handed in belongs to the caller, who closes it
    executor = LocalExecutor(default_jobs(), notebooks) if own else executor_factory(notebooks)
    outcomes = []
    if progress is not None:
        progress.begin(f"briefs {release}", len(jobs))
    try:
        def started(job: BriefJob) -> None:
            if progress is not None:
                progress.start_item(job.name)

        for outcome in executor.run(jobs, started):
            outcomes.append(outcome)
            if progress is not None:
                progress.finish_item(outcome.job.name)
                progress.detail(_outcome_line(release, outcome, len(outcomes), len(jobs)))
            if not outcome.ok:
                report(f"briefs {release}: {outcome.job.name} FAILED: {outcome.error.splitlines()[0]}")
    finally:
        if progress is not None:
            progress.end()
        if own:
            executor.close()
    return outcomes


def _outcome_line(release: str, outcome: BriefOutcome, done: int, total: int) -> str:
    parts = [f"{step} {seconds:.1f} s" for step, seconds in outcome.seconds.items()]
    status = "ok" if outcome.ok else "failed"
    return f"briefs {release}: [{done}/{total}] {outcome.job.name} {status} ({', '.join(parts) or 'nothing to do'})"


def _take_outcome(outcome: BriefOutcome, staging: SiteStaging, pages: dict, planner: Planner,
                  execute_keys: dict[str, str], failed_dir: Path, result: BriefsResult) -> None:
    job = outcome.job
    result.seconds[job.name] = outcome.seconds
    failed_notebook = failed_dir / f"{job.name}.ipynb"
    if not outcome.ok:
        kept = None
        if outcome.failed_notebook is not None:
            failed_dir.mkdir(parents=True, exist_ok=True)
            failed_notebook.write_bytes(outcome.failed_notebook)
            kept = failed_notebook
        result.failures.append(Failure(job.release, job.name, outcome.error, kept))
        if job.country:
            page = pages.setdefault(job.country, {})
            page.update(status="failed", error=outcome.error.splitlines()[0])
        return
    failed_notebook.unlink(missing_ok=True)
    if job.country is None:
        return
    page = pages.setdefault(job.country, {})
    if job.execute:
        staging.write(f"notebooks/{job.country}.ipynb", outcome.executed)
        page["execute"] = execute_keys[job.country]
        result.executed.append(job.country)
        # formats not rendered now no longer match the executed notebook
        for fmt in FORMATS:
            if fmt not in job.formats:
                page.pop(fmt, None)
    for relative, payload in outcome.files.items():
        staging.write(relative, payload)
    for fmt in job.formats:
        page[fmt] = planner.render_key(fmt, outcome.executed)
    if job.formats:
        result.rendered.append(job.country)
    page["status"] = "ok"
    page.pop("error", None)


def _expected_files(pages: dict, formats: tuple[str, ...], route: str) -> list[str]:
    files = ["notebooks/index.ipynb", "assets/vega-bundle.js", *(f"data/{name}" for name in DATA_FILES)]
    if "html" in formats:
        files += ["index.html", "methodology.html"]
    for country, page in pages.items():
        files.append(f"notebooks/{country}.ipynb")
        files.append(f"data/{country}.csv")
        if "html" in formats and (page.get("html") or route == "quarto"):
            files.append(f"countries/{country}.html")
        if "pdf" in formats and (page.get("pdf") or route == "quarto"):
            files.append(f"pdf/{country}.pdf")
    return files


def _write_data_files(staging: SiteStaging, data: ReleaseData, chosen: list[str], project: Project,
                      release: str) -> None:
    from .render import site as site_render

    for name in DATA_FILES:
        staging.copy_in(f"data/{name}", metrics_dir(project, release) / name)
    for country in chosen:
        staging.write(f"data/{country}.csv", site_render.country_csv(data, country))


def _render_with_quarto(project: Project, quarto: str, staging: SiteStaging, chosen: list[str],
                        formats: tuple[str, ...], work: Path, report: Reporter) -> None:
    """The Quarto route: lay out the executed notebooks as the Quarto project and let `quarto render` make
    the pages, then take its output into the staging site."""
    from .render.quarto import lay_out_project, quarto_commands, run_quarto

    executed = {country: staging.file(f"notebooks/{country}.ipynb") for country in chosen
                if staging.file(f"notebooks/{country}.ipynb").is_file()}
    project_dir = work / "quarto"
    output = work / "quarto-site"
    if output.exists():
        shutil.rmtree(output)
    lay_out_project(project.root, project_dir, executed, staging.file("notebooks/index.ipynb"))
    run_quarto(quarto_commands(quarto, project_dir, output, list(executed), formats), report)
    for path in sorted(output.rglob("*")):
        if path.is_file():
            staging.copy_in(str(path.relative_to(output)), path)


def publish_metrics(project: Project, manifest: Manifest, release: DataRelease, report: Reporter = print) -> None:
    """Publish a release's computed data files in reports/<release>/data/ (through the staging swap, so the
    site is never seen half-updated); pages already there are kept, and show as stale until rebuilt."""
    with SiteStaging(project, release.name) as staging:
        changed = [name for name in DATA_FILES
                   if staging.copy_in(f"data/{name}", metrics_dir(project, release.name) / name)]
        if not changed:
            report(f"metrics {release.name}: published files up to date")
            return
        staging.state["quick_key"] = None
        staging.commit()
    report(f"metrics {release.name}: published {', '.join(changed)} in "
           f"{project.display(project.reports_dir / release.name / 'data')}")


def _write_releases_index(project: Project, manifest: Manifest) -> None:
    from .fileio import atomic_write_bytes
    from .render.site_config import load_site_config
    from .site_publish import releases_index

    built = [(r.name, r.title, r.date.isoformat()) for r in reversed(manifest.releases)
             if published_tree(project, r.name) is not None
             and (published_tree(project, r.name) / "index.html").is_file()]
    payload = releases_index(built, load_site_config(project.root).title)
    target = project.reports_dir / "index.html"
    if not target.is_file() or target.read_bytes() != payload:
        atomic_write_bytes(target, payload)


def _summarise(project: Project, release: DataRelease, result: BriefsResult, started: float,
               report: Reporter) -> None:
    counts = (f"{len(result.executed)} notebooks run, {len(result.rendered)} briefs rendered, "
              f"{len(result.countries) - len(set(result.executed) | set(result.rendered))} unchanged")
    note = f"; {len(result.stale)} not up to date: {', '.join(result.stale)}" if result.stale else ""
    report(f"briefs {release.name}: {counts}; published {project.display(project.reports_dir / release.name)} "
           f"via the {result.route} route ({time.perf_counter() - started:.1f} s){note}")
