"""The publish stage: bring a release's site up to date and publish it whole; publish computed data files.

Layout of a release's site, reports/<release>/:
  index.html (Europe overview), countries/<ISO3>.html, pdf/<ISO3>.pdf, methodology.html, compare.html (countries
  side by side), data/metrics.csv (with bilateral_tiv.csv, pending_us_deals.csv, sources.csv), data/<ISO3>.csv and
  data/compare.json, notebooks/<ISO3>.ipynb (executed), assets/ (site.css, site.js, compare.js, vega-bundle.js,
  fonts), and .build-state.json (what each page was built from).

Incremental: only the pages whose fingerprints changed are redone (see plan.py). Parallel: brief jobs (run the
notebook, then render its pages) go to an executor (warm local kernels, or Dask), while a thread aside writes the
data files and the pages that show the data alone; the compare page and the overview follow. Isolated: a failing
country keeps its last good brief, is listed as stale on the overview, and its executed notebook with the traceback is
kept in _build/<release>/failed/. Atomic: everything is written into a staging tree that replaces the published
site in one rename (staging.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..briefs.context import ReleaseData, cached_release
from ..execute.jobs import BriefJob, BriefOutcome
from ..execute.kernels import NOTEBOOKS
from ..fileio import atomic_write_bytes
from ..manifest import DataRelease, Manifest
from ..metrics.stage import DATA_FILES, metrics_dir
from ..project import Project
from ..render import site as site_render
from ..render.release_history import PAGE as RELEASE_HISTORY_PAGE
from ..render.site_config import DIVERSIFICATION_PAGE, METHODOLOGY_PAGE, OVERVIEW_PAGE, load_site_config
from ..render.stage import ROUTES, render_brief, write_quarto_documents
from .plan import (
    FORMATS,
    METHODOLOGY,
    Planner,
    build_dir,
    covered_countries,
    select_countries,
    site_is_current,
    stale_briefs,
)
from .staging import SiteStaging, published_state, published_tree, recover

Reporter = Callable[[str], None]
OVERVIEW_NOTEBOOK_PATH = "notebooks/index.ipynb"
COMPARE_FILES = ["compare.html", "data/compare.json"]  # written on both routes, with the HTML pages


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
    route: str = "built-in"
    seconds: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class SiteOptions:
    """How to build a release's site: which countries (None: every covered one), formats, renderer (`quarto`:
    the build runs as Quarto's pre-render step, and Quarto renders the pages), and the limits of each notebook
    run."""

    countries: list[str] | None = None
    formats: tuple[str, ...] = FORMATS
    route: str = "built-in"
    force: bool = False
    timeout: int = 600
    notebook_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"route must be one of {ROUTES}")


def build_briefs(project: Project, manifest: Manifest, release: DataRelease, options: SiteOptions = SiteOptions(),
                 report: Reporter = print, *, executor_factory=None) -> BriefsResult:
    """Bring the site of `release` up to date and publish it whole. `executor_factory(notebooks)` makes the
    executor (default: local kernels, one per core). `options.force` reruns the chosen countries (and the
    overview when no country is named) even when up to date. On the quarto route the site is not published here:
    the notebooks run, the Quarto documents are written into the project, and the staged site waits for Quarto's
    post-render step (`publish_quarto_site`)."""
    started = time.perf_counter()
    result = BriefsResult(release.name, route=options.route)
    for leftover in recover(project, release.name):
        report(f"briefs {release.name}: removed {project.display(leftover)}, left by an interrupted build")
    quarto = options.route == "quarto"  # Quarto renders every page again, whatever is published
    if not quarto and not options.force and site_is_current(project, manifest, release, options.countries,
                                                            options.formats, options.route):
        state = published_state(project, release.name)
        result.stale = list(state.get("stale", []))
        report(f"briefs {release.name}: up to date ({len(state.get('countries', {}))} briefs in "
               f"{project.display(project.reports_dir / release.name)})")
        write_releases_index(project, manifest)
        return result

    data = cached_release(project, release, manifest)
    result.countries = select_countries(data, options.countries)
    planner = Planner(project, data, options.formats, options.route)
    with SiteStaging(project, release.name) as staging:
        build = SiteBuild(project, data, planner, staging, options, result)
        with ThreadPoolExecutor(1, thread_name_prefix="data-files") as aside:
            # the data files, and the pages that show the data alone, are written while the briefs run (at first,
            # while their kernels warm up)
            data_files = aside.submit(build.write_data_files)
            data_pages = aside.submit(build.write_data_pages)
            try:
                build.run_jobs(executor_factory, report)
            except BaseException:  # stopped: the pages not begun are not made for a site that is discarded
                aside.shutdown(wait=True, cancel_futures=True)
                raise
            data_files.result()
            data_pages.result()
        build.write_site_pages(report)
        staging.state["quick_key"] = build.quick_key(manifest)
        if quarto:
            staging.keep()
            _save_pending(project, staging, result, started)
            report(f"briefs {release.name}: documents written for Quarto ({len(result.countries)} countries); "
                   "the site is published after Quarto renders them")
            return result
        staging.commit()
    write_releases_index(project, manifest)
    _summarise(project, release, result, started, report)
    return result


class SiteBuild:
    """One build of a release's site in a staging tree: the brief jobs, then the pages of the whole site."""

    def __init__(self, project: Project, data: ReleaseData, planner: Planner, staging: SiteStaging,
                 options: SiteOptions, result: BriefsResult):
        self.project, self.data, self.planner, self.staging = project, data, planner, staging
        self.options, self.result = options, result
        self.pages: dict[str, dict] = dict(staging.state.get("countries", {}))
        self.execute_keys = {country: planner.execute_key(country) for country in covered_countries(data)}
        self.failed_dir = build_dir(project, data.release.name) / "failed"
        self.config = load_site_config(project.root)

    # brief jobs -----------------------------------------------------------------------------------------------

    def jobs(self) -> list[BriefJob]:
        """A job for each chosen country whose notebook or pages are out of date, and the overview's if it is."""
        options, root, release = self.options, str(self.project.root), self.data.release.name
        render = render_brief if options.route == "built-in" else None  # Quarto renders the whole site later
        jobs = []
        if self._overview_out_of_date():
            jobs.append(BriefJob(root, release, None, True, (), None, options.timeout, options.notebook_timeout))
        for country in self.result.countries:
            page = self.pages.get(country, {})
            notebook = self.staging.file(f"notebooks/{country}.ipynb")
            execute = options.force or page.get("execute") != self.execute_keys[country] or not notebook.is_file()
            executed = None if execute else notebook.read_bytes()
            wanted = () if render is None or not self.config.renders_country(country) else tuple(
                fmt for fmt in options.formats if execute or self._needs_render(page, fmt, country, executed))
            if execute or wanted:
                jobs.append(BriefJob(root, release, country, execute, wanted, executed, options.timeout,
                                     options.notebook_timeout, render))
            elif page.get("status") == "failed":
                # its inputs are back to those of its last good brief, which is therefore current again
                page.update(status="ok")
                page.pop("error", None)
                (self.failed_dir / f"{country}.ipynb").unlink(missing_ok=True)
        return jobs

    def _overview_out_of_date(self) -> bool:
        forced = self.options.force and not self.options.countries
        return (forced or self.staging.state.get("overview", {}).get("execute") != self.planner.overview_execute_key()
                or not self.staging.file(OVERVIEW_NOTEBOOK_PATH).is_file())

    def _needs_render(self, page: dict, fmt: str, country: str, executed: bytes | None) -> bool:
        target = self.staging.file(f"countries/{country}.html" if fmt == "html" else f"pdf/{country}.pdf")
        return executed is None or page.get(fmt) != self.planner.render_key(fmt, executed) or not target.is_file()

    def run_jobs(self, executor_factory, report: Reporter) -> None:
        jobs = self.jobs()
        if not jobs:
            return
        for outcome in _run_jobs(self.project, jobs, executor_factory, report, self.data.release.name):
            self._take(outcome)

    def _take(self, outcome: BriefOutcome) -> None:
        job, result = outcome.job, self.result
        result.seconds[job.name] = outcome.seconds
        failed_notebook = self.failed_dir / f"{job.name}.ipynb"
        if not outcome.ok:
            kept = None
            if outcome.failed_notebook is not None:
                self.failed_dir.mkdir(parents=True, exist_ok=True)
                failed_notebook.write_bytes(outcome.failed_notebook)
                kept = failed_notebook
            result.failures.append(Failure(job.release, job.name, outcome.error, kept))
            if job.country:
                self.pages.setdefault(job.country, {}).update(status="failed", error=outcome.error.splitlines()[0])
            return
        failed_notebook.unlink(missing_ok=True)
        if job.country is None:
            self.staging.write(OVERVIEW_NOTEBOOK_PATH, outcome.executed)
            self.staging.state["overview"] = {"execute": self.planner.overview_execute_key()}
            return
        page = self.pages.setdefault(job.country, {})
        if job.execute:
            self.staging.write(f"notebooks/{job.country}.ipynb", outcome.executed)
            page["execute"] = self.execute_keys[job.country]
            result.executed.append(job.country)
            for fmt in FORMATS:  # formats not rendered now no longer match the executed notebook
                if fmt not in job.formats:
                    page.pop(fmt, None)
        if "html" in job.formats:  # the charts of the page as now rendered, and no others
            self.staging.prune_folder(f"data/charts/{job.country}", outcome.files)
        for relative, payload in outcome.files.items():
            self.staging.write(relative, payload)
        for fmt in job.formats:
            page[fmt] = self.planner.render_key(fmt, outcome.executed)
        if job.formats:
            result.rendered.append(job.country)
        page["status"] = "ok"
        page.pop("error", None)

    # the whole site ----------------------------------------------------------------------------------------------

    def write_data_files(self) -> None:
        """The release's tables (metrics.csv...) and each chosen country's rows of them (data/<ISO3>.csv)."""
        staging, data = self.staging, self.data
        for name in DATA_FILES:
            staging.copy_in(f"data/{name}", metrics_dir(self.project, data.release.name) / name)
        for country in self.result.countries:
            staging.write(f"data/{country}.csv", site_render.country_csv(data, country))

    def write_data_pages(self) -> None:
        """The pages that show the release's data alone, whatever the briefs give: assets, changes.html, and on the
        built-in route the diversification and methodology pages (made beside the brief jobs, also when the overview
        fails)."""
        staging, state = self.staging, self.staging.state
        assets_key = self.planner.assets_key()
        if state.get("assets") != assets_key or not staging.file("assets/vega-bundle.js").is_file():
            site_render.write_assets(staging.path)
            state["assets"] = assets_key
        if "html" in self.options.formats:
            self._write_release_history()
            if self.options.route == "built-in":
                self._render_diversification_and_methodology()

    def write_site_pages(self, report: Reporter) -> None:
        """The pages that depend on the briefs (compare, the overview; or Quarto's site), and the state (after
        write_data_files and write_data_pages)."""
        staging, state, data = self.staging, self.staging.state, self.data
        stale = [(country, why) for country, (_, why) in stale_briefs(staging.path, self.pages,
                                                                       self.execute_keys).items()]
        self.result.stale = [country for country, _ in stale]
        names = [(data.countries.name(country), why) for country, why in stale]
        if "html" in self.options.formats:
            self._write_compare_page()
        if self.options.route == "quarto":
            self._write_quarto_documents(names)
        elif "html" in self.options.formats and staging.file(OVERVIEW_NOTEBOOK_PATH).is_file():
            self._render_index(names)
        state["countries"] = dict(sorted(self.pages.items()))
        state["stale"] = self.result.stale
        state["files"] = sorted(self._expected_files())

    def _render_index(self, stale: list[tuple[str, str]]) -> None:
        import nbformat

        staging, state, planner, config = self.staging, self.staging.state, self.planner, self.config
        overview = staging.file(OVERVIEW_NOTEBOOK_PATH)
        index_key = planner.index_key(overview.read_bytes(), stale)
        if not config.renders(OVERVIEW_PAGE):
            staging.remove("index.html")
            staging.remove("data/charts/overview")
            state.pop("index", None)
        elif state.get("index") != index_key or not staging.file("index.html").is_file():
            notebook = nbformat.read(overview, as_version=4)
            self._write_page("index.html", "data/charts/overview",
                             site_render.overview_page(config, self.data, notebook, stale))
            state["index"] = index_key

    def _render_diversification_and_methodology(self) -> None:
        staging, state, planner, config = self.staging, self.staging.state, self.planner, self.config
        if not config.renders(DIVERSIFICATION_PAGE):
            staging.remove("diversification.html")
            staging.remove("data/charts/diversification")
            state.pop("diversification", None)
        elif state.get("diversification") != planner.diversification_key() or \
                not staging.file("diversification.html").is_file():
            self._write_page("diversification.html", "data/charts/diversification",
                             site_render.diversification_page(config, self.data))
            state["diversification"] = planner.diversification_key()
        if not config.renders(METHODOLOGY_PAGE):
            staging.remove("methodology.html")
            state.pop("methodology", None)
        elif state.get("methodology") != planner.methodology_key() or not staging.file("methodology.html").is_file():
            staging.write("methodology.html", site_render.methodology_page(
                config, self.data, self.project.root / METHODOLOGY).encode())
            state["methodology"] = planner.methodology_key()

    def _write_release_history(self) -> None:
        """changes.html (on either route: the build writes it), when what it shows changed."""
        key = self.planner.release_history_key()
        if self.staging.state.get("changes") != key or not self.staging.file(RELEASE_HISTORY_PAGE).is_file():
            self.staging.write(RELEASE_HISTORY_PAGE, site_render.release_history_page(self.config, self.data).encode())
            self.staging.state["changes"] = key

    def _write_page(self, path: str, chart_folder: str, files: dict[str, bytes]) -> None:
        """A page and its charts' data files (those of charts it no longer has removed)."""
        self.staging.prune_folder(chart_folder, files)
        for relative, payload in files.items():
            self.staging.write(relative, payload)

    def _write_compare_page(self) -> None:
        """compare.html and data/compare.json, on both routes (Quarto renders no such page; its pages join this one
        in the staged site), rewritten when the figures, the briefs linked, or the code and templates change."""
        staging, state = self.staging, self.staging.state
        quarto = self.options.route == "quarto"  # Quarto renders the chosen countries' pages after this step
        briefs = [country for country in covered_countries(self.data) if self.config.renders_country(country)
                  and (staging.file(f"countries/{country}.html").is_file()
                       or (quarto and country in self.result.countries))]
        key = self.planner.compare_key(briefs)
        if state.get("compare") == key and all(staging.file(name).is_file() for name in COMPARE_FILES):
            return
        from ..briefs.compare import compare_data  # Altair: imported only when the page is redone

        payload = compare_data(self.data, briefs)
        staging.write("data/compare.json", site_render.compare_json(payload))
        staging.write("compare.html", site_render.compare_page(self.config, self.data, payload).encode())
        state["compare"] = key

    def _write_quarto_documents(self, stale: list[tuple[str, str]]) -> None:
        """The documents Quarto renders (every page of the site, each build), written into the project."""
        staging = self.staging
        executed = {country: staging.file(f"notebooks/{country}.ipynb") for country in self.result.countries
                    if staging.file(f"notebooks/{country}.ipynb").is_file()}
        overview = staging.file(OVERVIEW_NOTEBOOK_PATH)
        write_quarto_documents(self.project.root, self.data, executed, overview if overview.is_file() else None,
                               stale, staging.file("assets"))
        for country in executed:
            page = self.pages.setdefault(country, {})
            page.setdefault("status", "ok")
            for fmt in FORMATS:  # Quarto's pages: the built-in route renders its own again
                page.pop(fmt, None)
        for key in ("index", "methodology", "diversification"):
            self.staging.state.pop(key, None)  # the built-in route's pages are no longer the ones published

    def _expected_files(self) -> list[str]:
        formats, quarto = self.options.formats, self.options.route == "quarto"
        files = [OVERVIEW_NOTEBOOK_PATH, "assets/vega-bundle.js", *(f"data/{name}" for name in DATA_FILES)]
        if "html" in formats:
            files.append(RELEASE_HISTORY_PAGE)
            files += COMPARE_FILES
            files += [f"{Path(page).stem}.html" for page in (OVERVIEW_PAGE, METHODOLOGY_PAGE, DIVERSIFICATION_PAGE)
                      if self.config.renders(page)]
        for country, page in self.pages.items():
            files += [f"notebooks/{country}.ipynb", f"data/{country}.csv"]
            if not self.config.renders_country(country):
                continue
            if "html" in formats and (page.get("html") or quarto):
                files.append(f"countries/{country}.html")
            if "pdf" in formats and (page.get("pdf") or quarto):
                files.append(f"pdf/{country}.pdf")
        return files

    def quick_key(self, manifest: Manifest) -> str | None:
        """The site's quick key when every chosen brief is current (else None: the next build looks again)."""
        from .plan import quick_key

        result, options = self.result, self.options
        if result.failures or set(result.stale) & set(result.countries):
            return None
        return quick_key(self.project, manifest, self.data.release, options.countries, options.formats,
                         options.route)


PENDING = "quarto-pending.json"  # in _build/: the staged site the pre-render step left for the post-render step


def _save_pending(project: Project, staging: SiteStaging, result: BriefsResult, started: float) -> None:
    import json
    from dataclasses import asdict

    payload = {"release": staging.release, "staging": str(staging.path), "state": staging.state,
               "result": {**asdict(result), "failures": [[f.release, f.name, f.error, str(f.notebook or "")]
                                                         for f in result.failures]},
               "started": time.time() - (time.perf_counter() - started)}
    project.build_dir.mkdir(exist_ok=True)
    atomic_write_bytes(project.build_dir / PENDING, json.dumps(payload, indent=1).encode())


def discard_pending(project: Project) -> None:
    """Forget a site the pre-render step staged and no post-render step published (a render that failed between
    them): its staging tree and its note."""
    import json
    import shutil

    pending = project.build_dir / PENDING
    if pending.is_file():
        try:
            tree = Path(json.loads(pending.read_text(encoding="utf-8"))["staging"])
            if tree.parent == project.reports_dir / ".sites":
                shutil.rmtree(tree, ignore_errors=True)
        except (ValueError, KeyError, TypeError):
            pass
        pending.unlink()


def publish_quarto_site(project: Project, manifest: Manifest, output: Path, report: Reporter = print,
                        publish: bool = True) -> BriefsResult | None:
    """Quarto's post-render step: finish the pages Quarto wrote into `output` (render.quarto.finish_site), add them
    to the site the pre-render step staged, and publish it whole; then copy the site's data files, notebooks and
    assets into `output` as well, so that `quarto preview` serves the whole site. None when no site was staged
    (a preview re-rendering one file), or `publish` is False: the pages are only finished."""
    import json
    import shutil

    from ..render.quarto import finish_site

    files = finish_site(output)
    pending_file = project.build_dir / PENDING
    if not publish or not pending_file.is_file():
        return None
    pending = json.loads(pending_file.read_text(encoding="utf-8"))
    pending_file.unlink()
    release = manifest.release(pending["release"])
    staging = SiteStaging.resume(project, release.name, Path(pending["staging"]), pending["state"])
    data = cached_release(project, release, manifest)
    # the charts' ids, download menus and data files, as on the built-in route
    linked = site_render.quarto_linked_pages(load_site_config(project.root), data, {
        relative: path.read_text(encoding="utf-8") for relative, path in files.items() if relative.endswith(".html")})
    with staging:
        if staging.file("site_libs").is_dir():  # this render's Quarto files only, none of an earlier one's
            shutil.rmtree(staging.file("site_libs"))
        for folder in site_render.quarto_chart_folders(files):  # a page's charts as now rendered, no others
            staging.prune_folder(folder, linked)
        for relative, path in files.items():
            if relative not in linked:
                staging.copy_in(relative, path)
        for relative, payload in linked.items():
            staging.write(relative, payload)
            if relative.endswith(".html"):  # `quarto preview` serves the page as published
                (output / relative).write_bytes(payload)
        published = staging.commit()
    write_releases_index(project, manifest)
    own_files = [published / "compare.html", published / RELEASE_HISTORY_PAGE,
                 *(path for folder in ("data", "notebooks", "assets")
                   for path in sorted((published / folder).rglob("*")))]
    for path in own_files:  # the build's compare and release history pages too: Quarto makes neither
        target = output / path.relative_to(published)
        if path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    saved = pending["result"]
    result = BriefsResult(**{**saved, "failures": [Failure(r, n, e, Path(k) if k else None)
                                                   for r, n, e, k in saved["failures"]]})
    _summarise(project, release, result, time.perf_counter() - (time.time() - pending["started"]), report)
    return result


def _run_jobs(project: Project, jobs: list[BriefJob], executor_factory, report: Reporter,
              release: str) -> Iterator[BriefOutcome]:
    """The outcome of each job as it finishes (the caller writes its files and lets it go, so that a build holds
    the pages of the briefs in flight, not of all of them)."""
    from ..execute.executors import LocalExecutor, default_jobs

    progress = report if hasattr(report, "begin") else None
    notebooks = project.root / NOTEBOOKS
    own = executor_factory is None  # an executor handed in belongs to the caller, who closes it
    executor = LocalExecutor(default_jobs(), notebooks) if own else executor_factory(notebooks)
    if progress is not None:
        progress.begin(f"briefs {release}", len(jobs))
    try:
        def started(job: BriefJob) -> None:
            if progress is not None:
                progress.start_item(job.name)

        for done, outcome in enumerate(executor.run(jobs, started), 1):
            if progress is not None:
                progress.finish_item(outcome.job.name)
                progress.detail(_outcome_line(release, outcome, done, len(jobs)))
            if not outcome.ok:
                report(f"briefs {release}: {outcome.job.name} FAILED: {outcome.error.splitlines()[0]}")
            yield outcome
    finally:
        if progress is not None:
            progress.end()
        if own:
            executor.close()


def _outcome_line(release: str, outcome: BriefOutcome, done: int, total: int) -> str:
    parts = [f"{step} {seconds:.1f} s" for step, seconds in outcome.seconds.items()]
    status = "ok" if outcome.ok else "failed"
    return f"briefs {release}: [{done}/{total}] {outcome.job.name} {status} ({', '.join(parts) or 'nothing to do'})"


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


def write_releases_index(project: Project, manifest: Manifest) -> None:
    """reports/index.html: every release with a published site, newest first."""
    trees = {r.name: published_tree(project, r.name) for r in manifest.releases}
    # the release history page of a release that has a previous one (the first's says there is none)
    built = [(r.name, r.title, r.date.isoformat(), (trees[r.name] / RELEASE_HISTORY_PAGE).is_file()
              and r is not manifest.releases[0])
             for r in reversed(manifest.releases)
             if trees[r.name] is not None and (trees[r.name] / "index.html").is_file()]
    payload = site_render.releases_index(built, load_site_config(project.root).title)
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
