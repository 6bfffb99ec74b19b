"""Command line: `python build.py [stage] [options]`; see `python build.py --help`.

Heavy libraries (pandas, papermill, Altair) are imported only by the stages that need them, so a build with
nothing to do answers quickly.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from . import __version__
from .errors import DataError, UsageError
from .manifest import DataRelease, Manifest, load_manifest
from .progress import Progress
from .project import MIRROR_ENV, Project

STAGES = ("fetch", "data", "metrics", "briefs")
FORMATS = ("html", "pdf")
EXECUTORS = ("local", "dask")
DESCRIPTION = """\
Build the European defence dependency briefs from SIPRI, NATO and World Bank data.

Stages (each runs the ones before it as needed; with no stage, all of them run). Every stage is incremental:
it does only the work whose inputs changed (raw file checksums, code, notebooks, templates, parameters), and
says so when everything is up to date.
  fetch   copy or download the raw files of the manifest (data/sources.toml) into data/raw,
          checking each against its pinned sha256
  data    parse the raw files into validated tidy tables in data/tidy/<release>/
  metrics compute every figure of the briefs into _build/<release>/data/metrics.csv (with bilateral_tiv.csv
          and pending_us_deals.csv) and publish them in reports/<release>/data/
  briefs  run notebooks/country_brief.ipynb with papermill once per country (and the Europe overview), in
          parallel, then render reports/<release>/: index.html, countries/<ISO3>.html, pdf/<ISO3>.pdf,
          methodology.html, data/<ISO3>.csv; through `quarto render` when the Quarto CLI is on PATH, else with
          pandoc and typst. Briefs are built for the newest release unless --release says otherwise. The site
          is assembled aside and swapped in whole; a country whose notebook fails keeps its last good brief,
          is marked stale on the overview, and makes the build exit 1.
  list    show the releases, the countries, and per release what is built, stale or failed
  clean   delete the build's working files (_build/ and data/tidy/); with --all also the published reports/
          (data/raw is never deleted: it holds the fetched sources)
  methodology  rewrite the generated tables of methodology.md (metric catalogue, allocation error, published figures)
"""
EPILOG = f"""\
Examples:
  python build.py                      everything, for every release; briefs of every European country for
                                       the newest release (a second run with nothing changed does nothing)
  python build.py --country POL --country Germany    only these briefs (ISO3 codes or English names)
  python build.py briefs --release 2025 --format html --jobs 4
  python build.py --executor dask --scheduler tcp://10.0.0.5:8786
  python build.py list
  python build.py fetch --mirror ../shared/data/raw

Exit codes: 0 built (or up to date); 1 some briefs failed (the others were published); 2 a usage, data,
input or plausibility error (nothing published was changed); 3 a file could not be written, e.g. a full disk
(nothing published was changed); 130 interrupted.

Environment:
  {MIRROR_ENV}   folder laid out like data/raw to copy raw files from (same as --mirror)
  DEFENCE_QUARTO=off   use the built-in renderer even when quarto is on PATH (or a path to a quarto binary)
  SOURCE_DATE_EPOCH    the 'built on' date of the pages (seconds since 1970), for reproducible builds; PDFs
                       are dated with the release's publication date
  DEFENCE_TEMPLATES    folder of templates (page.html, brief.typ, site.css, site.js) that replace the
                       package's own; pages depending on a changed template are re-rendered

Dask: workers need this package and its dependencies installed, and must see the project folder at the same
path as this machine (a shared filesystem); the pages they render are shipped back and published here.
"""


def build_parser() -> argparse.ArgumentParser:
    from .executors import default_jobs

    parser = argparse.ArgumentParser(
        prog="build.py", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stage", nargs="?", choices=(*STAGES, "list", "clean", "methodology", "all"),
                        default="all", help="what to run (default: all stages)")
    parser.add_argument("--release", action="append", metavar="R",
                        help="data release to work on (repeatable; 'latest' = newest; default: every release, and "
                             "briefs for the newest)")
    parser.add_argument("--country", action="append", metavar="ISO3",
                        help="build the brief of this country only (repeatable; ISO3 code or English name; "
                             "default: every European country with data)")
    parser.add_argument("--format", default="html,pdf", metavar="LIST",
                        help="output formats of the briefs, comma-separated: html, pdf (default: html,pdf)")
    parser.add_argument("--jobs", "-j", type=int, default=default_jobs(), metavar="N",
                        help=f"briefs to run at once (default: this machine's cores, {default_jobs()})")
    parser.add_argument("--force", action="store_true",
                        help="redo the named stage's work even when its inputs are unchanged (with no stage: every "
                             "stage; with --country: only those briefs)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where the briefs run: local kernels (default) or a Dask cluster")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, with --executor dask")
    parser.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
                        help="longest a notebook cell may run before its brief fails (default: 600)")
    parser.add_argument("--notebook-timeout", type=int, default=1800, metavar="SECONDS",
                        help="longest a whole notebook may run; a notebook that hangs is stopped, its brief fails "
                             "and keeps its last good version (default: 1800)")
    parser.add_argument("--mirror", metavar="DIR", help=f"local folder to copy raw files from (or ${MIRROR_ENV})")
    parser.add_argument("--all", action="store_true", dest="clean_all", help="with clean: also delete reports/")
    parser.add_argument("--verbose", "-v", action="store_true", help="print a line for every brief")
    parser.add_argument("--root", metavar="DIR", type=Path, help="project root (default: the folder of build.py)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"--format {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return formats


def _check_countries(releases: list[DataRelease], requested: list[str]) -> None:
    """Reject unknown countries before any work starts, listing the valid codes."""
    from .briefs.context import european_code
    from .countries import country_table

    table = country_table()
    for release in releases:
        for item in requested:
            european_code(table, item, release.last_data_year)


def _with_previous(manifest: Manifest, releases: list[DataRelease], briefs: list[DataRelease]) -> list[DataRelease]:
    """`releases` plus the release before each brief's release (its section on changes compares with it), in
    manifest order."""
    needed = {r.name for r in releases}
    for release in briefs:
        position = manifest.releases.index(release)
        if position > 0:
            needed.add(manifest.releases[position - 1].name)
    return [r for r in manifest.releases if r.name in needed]


class ExecutorHolder:
    """Makes the brief executor once (on first need, or early to warm kernels during other stages) and closes
    it at the end of the run."""

    def __init__(self, kind: str, jobs: int, scheduler: str | None):
        self.kind, self.jobs, self.scheduler = kind, jobs, scheduler
        self.executor = None

    def __call__(self, notebooks: Path):
        if self.executor is None:
            from .executors import make_executor

            self.executor = make_executor(self.kind, self.jobs, notebooks, self.scheduler)
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.close()
            self.executor = None


def _list(project: Project, manifest: Manifest, releases: list[DataRelease], say) -> None:
    from .briefs.context import cached_release
    from .briefs_stage import Planner, covered_countries, render_route, site_is_current, stale_briefs
    from .metrics_stage import metrics_dir, metrics_up_to_date
    from .site_publish import published_state, published_tree

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
        state = published_state(project, release.name)
        pages = state.get("countries", {})
        current = site_is_current(project, manifest, release, None, FORMATS)
        say(f"  site: {project.display(project.reports_dir / release.name)}; {len(pages)} briefs"
            + ("; up to date" if current else ""))
        failed = sorted(c for c, p in pages.items() if p.get("status") == "failed")
        if computed and not current:
            data = cached_release(project, release, manifest)
            planner = Planner(project, data, FORMATS, render_route()[0])
            keys = {country: planner.execute_key(country) for country in covered_countries(data)}
            kinds = {country: kind for country, (kind, _) in stale_briefs(tree, pages, keys).items()}
            for kind, label in (("inputs", "stale (inputs changed since built)"), ("missing", "not built")):
                listed = [country for country, k in kinds.items() if k == kind]
                if listed:
                    say(f"  {label}: {', '.join(listed)}")
        if failed:
            say(f"  failed at the last build (last good brief kept): {', '.join(failed)}")
    from .countries import country_table

    newest = manifest.default_release
    table = country_table()
    codes = table.members("EUROPE", newest.last_data_year)
    say(f"countries ({len(codes)}; --country takes the code or the name):")
    cells = [f"{code} {table.name(code)}" for code in codes]
    width = max(len(c) for c in cells) + 2
    per_line = max(1, 100 // width)
    for start in range(0, len(cells), per_line):
        say("  " + "".join(c.ljust(width) for c in cells[start:start + per_line]).rstrip())


def _clean(project: Project, everything: bool, say) -> None:
    targets = [project.root / "_build", project.tidy_dir]
    if everything:
        targets.append(project.reports_dir)
    for target in targets:
        if target.exists():
            shutil.rmtree(target)
            say(f"removed {project.display(target)}")
    from .site_publish import SITES, recover

    if not everything and (project.reports_dir / SITES).is_dir():
        for release in {p.name.split(".")[0] for p in (project.reports_dir / SITES).iterdir()}:
            for removed in recover(project, release):
                say(f"removed the unfinished build {project.display(removed)}")
    say("clean: data/raw kept" + ("" if everything else "; published reports/ kept (use --all to delete them)"))


def run(args: argparse.Namespace, root: Path, progress: Progress) -> int:
    say = progress.say
    project = Project(root.resolve())
    if args.stage == "clean":
        _clean(project, args.clean_all, say)
        return 0
    from .ingest import PARSERS

    manifest = load_manifest(project.manifest_path, set(PARSERS))
    releases = manifest.select(args.release)
    if args.stage == "list":
        _list(project, manifest, releases, say)
        return 0
    from .data_stage import ingest_release
    from .fetch import fetch_files, mirror_from_env
    from .metrics_stage import build_metrics
    from .plausibility import check_release_order

    check_release_order(manifest)
    mirror = mirror_from_env(args.mirror)
    if args.stage == "methodology":
        from .methodology import update_methodology

        fetch_files(project, [f for r in manifest.releases for f in r.files], mirror, say)
        for release in manifest.releases:
            ingest_release(project, release, say)
            build_metrics(project, release, say)
        say(f"wrote {project.display(update_methodology(project, manifest))}")
        return 0
    formats = _formats(args.format)
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give a number of briefs to run at once, 1 or more")
    if args.timeout < 1:
        raise UsageError(f"--timeout {args.timeout}: give seconds, 1 or more")
    if args.notebook_timeout < 1:
        raise UsageError(f"--notebook-timeout {args.notebook_timeout}: give seconds, 1 or more")
    brief_releases = releases if args.release else [manifest.default_release]
    if args.country:
        _check_countries(brief_releases, args.country)
    if args.stage == "briefs":
        releases = brief_releases
    if args.stage in ("briefs", "all"):
        releases = _with_previous(manifest, releases, brief_releases)
    holder = ExecutorHolder(args.executor, args.jobs, args.scheduler)
    failures = []

    def forced(stage: str) -> bool:
        return args.force and args.stage in (stage, "all")

    try:
        fetch_files(project, [f for release in releases for f in release.files], mirror, say)
        if args.stage in ("data", "metrics", "briefs", "all"):
            for release in releases:
                ingest_release(project, release, say, force=forced("data"))
        if args.stage in ("briefs", "all"):
            from .briefs_stage import site_is_current

            # Kernels start once the inputs proved valid (no kernel for a build that stops at a bad file), and
            # warm up while the metrics are computed.
            if args.force or not all(site_is_current(project, manifest, r, args.country, formats)
                                     for r in brief_releases):
                holder(project.root / "notebooks")
        if args.stage in ("metrics", "briefs", "all"):
            for release in releases:
                build_metrics(project, release, say, force=forced("metrics"))
        if args.stage == "metrics":
            from .briefs_stage import publish_metrics

            for release in releases:
                publish_metrics(project, manifest, release, say)
        if args.stage in ("briefs", "all"):
            from .briefs_stage import build_briefs

            for release in brief_releases:
                result = build_briefs(project, manifest, release, args.country, formats, progress,
                                      executor_factory=holder, force=forced("briefs"), timeout=args.timeout,
                                      notebook_timeout=args.notebook_timeout)
                failures.extend(result.failures)
    finally:
        holder.close()
    if failures:
        say(f"\n{len(failures)} brief(s) failed; the others were published, and each failed one kept its last "
            "good brief:")
        for failure in failures:
            where = f"\n    executed notebook with the traceback: {project.display(failure.notebook)}" \
                if failure.notebook else ""
            say(f"  - {failure.release} {failure.name}: {failure.error.strip()}{where}")
        say(f"done in {progress.elapsed():.1f} s, with failures")
        return 1
    say(f"done in {progress.elapsed():.1f} s")
    return 0


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """Entry point; returns the exit code (1 when briefs failed, 2 for a usage, data or input error, 3 when a file
    could not be written)."""
    args = build_parser().parse_args(argv)
    project_root = args.root or root or Path.cwd()
    progress = Progress(verbose=args.verbose)
    try:
        return run(args, project_root, progress)
    except DataError as exc:
        progress.end()
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    except OSError as exc:  # the disk is full, or a folder is not writable: what was published stays as it was
        progress.end()
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: file operation failed on{where}: {exc.strerror or exc}; the build stopped, and every published "
              "site is as it was (the next build cleans up what this one left)", file=sys.stderr, flush=True)
        return 3
    except KeyboardInterrupt:
        progress.end()
        print("interrupted; published files were left as they were", file=sys.stderr)
        return 130
