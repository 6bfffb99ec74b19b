"""The stages in order, for the releases asked: fetch -> ingest -> metrics -> briefs (notebooks, render,
publish); and the commands that look at or clean what the stages made (list, clean, methodology).

Each stage's own work and incremental checks live in its package (fetch/, ingest/, metrics/, briefs/, render/,
publish/); this module only decides which stages run for which releases, and in what order. Heavy libraries are
imported by the stages that need them, so a build with nothing to do answers quickly.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .manifest import DataRelease, Manifest
from .project import Project

Say = Callable[[str], None]
STAGES = ("fetch", "data", "metrics", "briefs")


@dataclass(frozen=True)
class BuildRequest:
    """What `build.py` was asked to do (validated by the command line)."""

    stage: str  # one of STAGES or "all"
    releases: list[DataRelease]  # releases whose data to build
    brief_releases: list[DataRelease]  # releases whose site to build
    countries: list[str] | None
    formats: tuple[str, ...] | None  # None: the formats _quarto.yml lists
    renderer: str
    force: bool
    timeout: int
    notebook_timeout: int
    mirror: Path | None
    jobs: int = 1  # the machine's share for the build: releases' metrics computed at once, as --jobs briefs


class ExecutorHolder:
    """Makes the brief executor once (on first need, or early to warm kernels during other stages) and closes
    it at the end of the run."""

    def __init__(self, kind: str, jobs: int, scheduler: str | None):
        self.kind, self.jobs, self.scheduler = kind, jobs, scheduler
        self.executor = None

    def __call__(self, notebooks: Path):
        if self.executor is None:
            from .execute.executors import make_executor

            self.executor = make_executor(self.kind, self.jobs, notebooks, self.scheduler)
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.close()
            self.executor = None


def with_earlier(manifest: Manifest, releases: list[DataRelease], briefs: list[DataRelease]) -> list[DataRelease]:
    """`releases` plus every release before each brief's release, in manifest order: its section on changes compares
    with the one before, and its orders measure how an order year grew in the later registers."""
    needed = {r.name for r in releases}
    for release in briefs:
        needed.update(r.name for r in manifest.releases[:manifest.releases.index(release)])
    return [r for r in manifest.releases if r.name in needed]


def build(project: Project, manifest: Manifest, request: BuildRequest, holder: ExecutorHolder, say: Say,
          progress) -> list:
    """Run the stages `request` asks for; returns the briefs that failed (the others are published)."""
    from .fetch.stage import fetch_files
    from .ingest.stage import ingest_release
    from .metrics.stage import build_releases_metrics
    from .publish.plan import site_is_current

    stage, releases = request.stage, request.releases

    def forced(name: str) -> bool:
        return request.force and stage in (name, "all")

    route = request.renderer
    formats = request.formats
    if formats is None and stage in ("briefs", "all"):
        from .render.site_config import load_site_config

        formats = load_site_config(project.root).formats
    fetch_files(project, [f for release in releases for f in release.files], request.mirror, say)
    if stage == "fetch":
        return []
    if stage in ("briefs", "all") and not request.force and not all(
            site_is_current(project, manifest, r, request.countries, formats, route) for r in request.brief_releases):
        # kernels start once the raw files proved to be the pinned ones, and warm up while they are parsed: started
        # later, during the metrics, their warm-up slowed that stage by half (a file that fails to parse stops the
        # build, and its kernels with it). Forced builds start them earlier still, in cli.run.
        holder(project.root / "notebooks")
    for release in releases:
        ingest_release(project, release, say, force=forced("data"))
    if stage == "data":
        return []
    build_releases_metrics(project, releases, say, force=forced("metrics"), jobs=request.jobs)
    if stage == "metrics":
        from .publish.stage import publish_metrics

        for release in releases:
            publish_metrics(project, manifest, release, say)
        return []
    from .publish.stage import SiteOptions, build_briefs

    options = SiteOptions(request.countries, formats, route, forced("briefs"), request.timeout,
                          request.notebook_timeout)
    failures = []
    for release in request.brief_releases:
        failures.extend(build_briefs(project, manifest, release, options, progress, executor_factory=holder).failures)
    return failures


def methodology(project: Project, manifest: Manifest, mirror: Path | None, say: Say) -> Path:
    """Build every release's metrics, then rewrite the generated tables of methodology.md."""
    from .fetch.stage import fetch_files
    from .ingest.stage import ingest_release
    from .metrics.stage import build_metrics
    from .validation.methodology import update_methodology

    fetch_files(project, [f for r in manifest.releases for f in r.files], mirror, say)
    for release in manifest.releases:
        ingest_release(project, release, say)
        build_metrics(project, release, say)
    return update_methodology(project, manifest)


def list_releases(project: Project, manifest: Manifest, releases: list[DataRelease], say: Say) -> None:
    """Per release: what is computed, built, stale or failed; then the countries with their codes."""
    from .briefs.context import cached_release
    from .countries import country_table
    from .metrics.stage import metrics_dir, metrics_up_to_date
    from .publish.plan import FORMATS, Planner, covered_countries, site_is_current, stale_briefs
    from .publish.staging import published_state, published_tree

    for release in releases:
        default = " (default)" if release is manifest.default_release else ""
        say(f"release {release.name}{default}: {release.title}; published {release.date.isoformat()}; "
            f"data to {release.last_data_year}; {len(release.files)} raw files")
        computed = (metrics_dir(project, release.name) / "metrics.csv").is_file()
        metrics_state = ("up to date" if metrics_up_to_date(project, release) else "stale (inputs changed)") \
            if computed else "not computed"
        say(f"  metrics: {metrics_state}")
        tree = published_tree(project, release.name)
        if tree is None:
            say("  site: not built")
            continue
        pages = published_state(project, release.name).get("countries", {})
        current = site_is_current(project, manifest, release, None, FORMATS, "built-in")
        say(f"  site: {project.display(project.reports_dir / release.name)}; {len(pages)} briefs"
            + ("; up to date" if current else ""))
        if computed and not current:
            data = cached_release(project, release, manifest)
            planner = Planner(project, data, FORMATS, "built-in")
            keys = {country: planner.execute_key(country) for country in covered_countries(data)}
            kinds = {country: kind for country, (kind, _) in stale_briefs(tree, pages, keys).items()}
            for kind, label in (("inputs", "stale (inputs changed since built)"), ("missing", "not built")):
                listed = [country for country, k in kinds.items() if k == kind]
                if listed:
                    say(f"  {label}: {', '.join(listed)}")
        failed = sorted(c for c, p in pages.items() if p.get("status") == "failed")
        if failed:
            say(f"  failed at the last build (last good brief kept): {', '.join(failed)}")
    table = country_table()
    codes = table.members("EUROPE", manifest.default_release.last_data_year)
    say(f"countries ({len(codes)}; --country takes the code or the name):")
    cells = [f"{code} {table.name(code)}" for code in codes]
    width = max(len(c) for c in cells) + 2
    per_line = max(1, 100 // width)
    for start in range(0, len(cells), per_line):
        say("  " + "".join(c.ljust(width) for c in cells[start:start + per_line]).rstrip())


def clean(project: Project, everything: bool, say: Say) -> None:
    """Delete _build/ and data/tidy/ (with `everything`, reports/ too); data/raw is kept."""
    from .publish.staging import SITES, recover

    targets = [project.root / "_build", project.tidy_dir]
    if everything:
        targets.append(project.reports_dir)
    for target in targets:
        if target.exists():
            shutil.rmtree(target)
            say(f"removed {project.display(target)}")
    if not everything and (project.reports_dir / SITES).is_dir():
        for release in {p.name.split(".")[0] for p in (project.reports_dir / SITES).iterdir()}:
            for removed in recover(project, release):
                say(f"removed the unfinished build {project.display(removed)}")
    say("clean: data/raw kept" + ("" if everything else "; published reports/ kept (use --all to delete them)"))
