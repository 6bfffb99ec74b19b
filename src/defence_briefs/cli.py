"""Command line: `python build.py [stage] [options]`; see `python build.py --help`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__
from .briefs.context import european_code
from .briefs_stage import FORMATS, build_briefs
from .countries import country_table
from .data_stage import ingest_release
from .errors import DataError, UsageError
from .fetch import fetch_files, mirror_from_env
from .ingest import PARSERS
from .manifest import DataRelease, Manifest, load_manifest
from .methodology import update_methodology
from .metrics_stage import build_metrics
from .project import MIRROR_ENV, Project

STAGES = ("fetch", "data", "metrics", "briefs")
DESCRIPTION = """\
Build the European defence dependency briefs from SIPRI, NATO and World Bank data.

Stages (each runs the ones before it as needed; with no stage, all of them run):
  fetch   copy or download the raw files of the manifest (data/sources.toml) into data/raw,
          checking each against its pinned sha256
  data    parse the raw files into validated tidy tables in data/tidy/<release>/ (cached)
  metrics compute every figure of the briefs into reports/<release>/data/metrics.csv
          (with bilateral_tiv.csv and pending_us_deals.csv beside it)
  briefs  run notebooks/country_brief.ipynb with papermill once per country (and the Europe overview),
          then render reports/<release>/: index.html, countries/<ISO3>.html, pdf/<ISO3>.pdf,
          methodology.html, data/<ISO3>.csv; through `quarto render` when the Quarto CLI is on PATH,
          else with pandoc and typst. Briefs are built for the newest release unless --release says otherwise.
  list    show the data releases and their files
  methodology  rewrite the generated tables of methodology.md (metric catalogue, allocation error)
"""
EPILOG = f"""\
Examples:
  python build.py                      fetch, ingest, compute metrics for every release, and build the
                                       briefs of every European country for the newest release
  python build.py --country POL --country DEU    only these two briefs (codes or English names)
  python build.py briefs --release 2025 --format html
  python build.py metrics --release 2025
  python build.py data --release 2026  ingest one release
  python build.py fetch --mirror ../shared/data/raw

Environment:
  {MIRROR_ENV}   folder laid out like data/raw to copy raw files from (same as --mirror)
  DEFENCE_QUARTO=off   use the built-in renderer even when quarto is on PATH (or a path to a quarto binary)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stage", nargs="?", choices=(*STAGES, "list", "methodology", "all"), default="all",
                        help="what to run (default: all stages)")
    parser.add_argument("--release", action="append", metavar="R",
                        help="data release to work on (repeatable; 'latest' = newest; default: every release)")
    parser.add_argument("--mirror", metavar="DIR", help=f"local folder to copy raw files from (or ${MIRROR_ENV})")
    parser.add_argument("--country", action="append", metavar="ISO3",
                        help="build the brief of this country only (repeatable; ISO3 code or English name; "
                             "default: every European country with data)")
    parser.add_argument("--format", default="html,pdf", metavar="LIST",
                        help="output formats of the briefs, comma-separated: html, pdf (default: html,pdf)")
    parser.add_argument("--force", action="store_true", help="rebuild tidy tables even when the cache is current")
    parser.add_argument("--root", metavar="DIR", type=Path, help="project root (default: the folder of build.py)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _say(message: str) -> None:
    print(message, flush=True)


def _list(manifest: Manifest, releases: list[DataRelease]) -> None:
    for release in releases:
        default = " (default)" if release is manifest.default_release else ""
        _say(f"release {release.name}{default}: {release.title}; data to {release.last_data_year}; "
             f"{len(release.files)} files")
        for role, files in release.files_by_role().items():
            _say(f"  {role:28} {len(files):4} file(s), parser {files[0].parser}")


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"--format {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return formats


def _check_countries(releases: list[DataRelease], requested: list[str]) -> None:
    """Reject unknown countries before any work starts, listing the valid codes."""
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


def run(args: argparse.Namespace, root: Path) -> int:
    project = Project(root.resolve())
    manifest = load_manifest(project.manifest_path, set(PARSERS))
    releases = manifest.select(args.release)
    if args.stage == "list":
        _list(manifest, releases)
        return 0
    if args.stage == "methodology":
        fetch_files(project, [f for r in manifest.releases for f in r.files], mirror_from_env(args.mirror), _say)
        for release in manifest.releases:
            ingest_release(project, release, _say)
            build_metrics(project, release, _say)
        _say(f"wrote {project.display(update_methodology(project, manifest))}")
        return 0
    formats = _formats(args.format)
    brief_releases = releases if args.release else [manifest.default_release]
    if args.country:
        _check_countries(brief_releases, args.country)
    if args.stage == "briefs":
        releases = brief_releases
    if args.stage in ("briefs", "all"):
        releases = _with_previous(manifest, releases, brief_releases)
    started = time.perf_counter()
    files = [f for release in releases for f in release.files]
    fetch_files(project, files, mirror_from_env(args.mirror), _say)
    if args.stage in ("data", "metrics", "briefs", "all"):
        for release in releases:
            ingest_release(project, release, _say, force=args.force)
    if args.stage in ("metrics", "briefs", "all"):
        for release in releases:
            build_metrics(project, release, _say)
    if args.stage in ("briefs", "all"):
        for release in brief_releases:
            build_briefs(project, manifest, release, args.country, formats, _say)
    _say(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """Entry point; returns the exit code (2 for a data or input error, with the message on stderr)."""
    args = build_parser().parse_args(argv)
    project_root = args.root or root or Path.cwd()
    try:
        return run(args, project_root)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print("interrupted; published files were left as they were", file=sys.stderr)
        return 130
