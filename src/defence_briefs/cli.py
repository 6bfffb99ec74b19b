"""Command line: `python build.py [stage] [options]`; see `python build.py --help`. It parses and checks the
options, then hands the work to `pipeline` (which runs the stages) and turns errors into exit codes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from . import __version__, pipeline
from .errors import DataError, UsageError
from .manifest import DataRelease, load_manifest
from .pipeline import STAGES
from .progress import Progress
from .project import MIRROR_ENV, Project
from .render.build_date import one_build_date

FORMATS = ("html", "pdf")
EXECUTORS = ("local", "dask")
RENDERERS = ("built-in", "quarto")
QUARTO_STEPS = ("pre-render", "post-render")  # _quarto.yml's project scripts
BUILD_ARGS_ENV = "DEFENCE_BUILD_ARGS"  # the options of `build.py --renderer quarto`, for the pre-render step
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
          methodology.html, data/<ISO3>.csv; with pandoc and typst, following _quarto.yml (or through
          `quarto render` with --renderer quarto). Briefs are built for the newest release unless --release
          says otherwise. The site is assembled aside and swapped in whole; a country whose notebook fails
          keeps its last good brief, is marked stale on the overview, and makes the build exit 1.
  list    show the releases, the countries, and per release what is built, stale or failed
  clean   delete the build's working files (_build/ and data/tidy/); with --all also the published reports/
          (data/raw is never deleted: it holds the fetched sources)
  methodology  rewrite the generated tables of methodology.md (metric catalogue, allocation error, published figures)
  pre-render, post-render   the steps `quarto render` runs around its render (_quarto.yml): pre-render runs the
          stages and the notebooks and writes the documents Quarto renders; post-render finishes Quarto's pages and
          publishes the site. `--renderer quarto` runs `quarto render` with this command's options
  add-release NAME --from DIR   add a data release from downloaded files (see `python build.py add-release --help`)
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
  DEFENCE_QUARTO       the quarto CLI for --renderer quarto (default: quarto on PATH)
  SOURCE_DATE_EPOCH    the 'built on' date of the pages (seconds since 1970), for reproducible builds; unset,
                       the day the command started; PDFs are dated with the release's publication date
  DEFENCE_TEMPLATES    folder of templates (page.html, brief.typ, site.css, site.js) that replace the
                       package's own; pages depending on a changed template are re-rendered

Dask: workers need this package and its dependencies installed, and must see the project folder at the same
path as this machine (a shared filesystem); the pages they render are shipped back and published here.
"""


def build_parser() -> argparse.ArgumentParser:
    from .execute.executors import default_jobs

    parser = argparse.ArgumentParser(
        prog="build.py", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stage", nargs="?", choices=(*STAGES, "list", "clean", "methodology", "all", *QUARTO_STEPS),
                        default="all", help="what to run (default: all stages)")
    parser.add_argument("--release", action="append", metavar="R",
                        help="data release to work on (repeatable; 'latest' = newest; default: every release, and "
                             "briefs for the newest)")
    parser.add_argument("--country", action="append", metavar="ISO3",
                        help="build the brief of this country only (repeatable; ISO3 code or English name; "
                             "default: every European country with data)")
    parser.add_argument("--format", metavar="LIST",
                        help="output formats of the briefs, comma-separated: html, pdf (default: the formats of "
                             "_quarto.yml: html, and typst for the PDF briefs)")
    parser.add_argument("--jobs", "-j", type=int, default=default_jobs(), metavar="N",
                        help=f"briefs to run at once, and releases' metrics to compute at once (default: this "
                             f"machine's cores, {default_jobs()}; never more kernels than the countries named)")
    parser.add_argument("--force", action="store_true",
                        help="redo the named stage's work even when its inputs are unchanged (with no stage: every "
                             "stage; with --country: only those briefs)")
    parser.add_argument("--renderer", choices=RENDERERS, default="built-in",
                        help="how pages and PDFs are made: built-in (pandoc and typst, following _quarto.yml; the "
                             "default) or quarto (`quarto render`, needs the Quarto CLI)")
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


ADD_RELEASE_DESCRIPTION = """\
Add a data release from files downloaded from SIPRI, NATO or the World Bank, in one command.

Every file in DIR is recognised from its content (not its name): SIPRI's trade register, its TIV tables, its
military-expenditure workbook, NATO's defence-expenditure tables and the World Bank's population CSV. A file that
cannot be recognised or parsed, a duplicate, a file the manifest already pins, or one older than the file it would
replace is refused with the reason, and nothing is changed. Then the files are copied into
data/raw/<source>/<publisher's release>/, data/sources.toml gets a [releases.NAME] table and one entry per file
(sha256, size, parser, edition and publication date read from the file; the download URL is left for you to fill
in), and the files DIR does not replace are carried over from the base release. Last, the data and metrics of the
release are computed, and a report says what changed against the base: new years and windows, revised history,
the countries whose key figures moved most, and plausibility findings to review (also saved in
_build/NAME/changes_from_BASE.md). Nothing is published until you run `python build.py` (or pass --build).
"""


def build_add_release_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py add-release", description=ADD_RELEASE_DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Example: python build.py add-release 2027 --from ~/Downloads/sipri-2027")
    parser.add_argument("name", metavar="NAME", help="the new release's name, e.g. 2027")
    parser.add_argument("--from", dest="folder", required=True, type=Path, metavar="DIR",
                        help="folder holding the downloaded files (subfolders are read too; hidden files are skipped)")
    parser.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                        help="the release's date (default: the newest publication date among the files)")
    parser.add_argument("--base", metavar="RELEASE",
                        help="the release whose other files are carried over and compared with (default: the newest)")
    parser.add_argument("--build", action="store_true", help="then build and publish the new release's briefs")
    parser.add_argument("--mirror", metavar="DIR",
                        help=f"local folder to copy the base's raw files from (or ${MIRROR_ENV})")
    parser.add_argument("--root", metavar="DIR", type=Path, help="project root (default: the folder of build.py)")
    return parser


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-05-18") from None


def run_add_release(args: argparse.Namespace, root: Path, progress: Progress) -> int:
    """`build.py add-release`: returns 0 when the release was added and its metrics computed, 2 when a finding
    needs review first."""
    from .fetch.stage import mirror_from_env
    from .intake.stage import FindingsToReview, add_release_command

    project = Project(root.resolve())
    try:
        added = add_release_command(project, args.name, args.folder.expanduser(), args.date, args.base,
                                    mirror_from_env(args.mirror), progress.say)
    except FindingsToReview as stopped:
        progress.say("\n" + stopped.added.report)
        progress.say(f"(this report is saved in {project.display(stopped.added.report_path)})")
        progress.say(f"release {args.name} was not added: its metrics stopped at the findings above, and "
                     f"data/sources.toml and data/raw are as they were. Check each finding against the publisher; "
                     f"accept it with its reason in data/reviewed_findings.toml, then run add-release again")
        return 2
    progress.say("\n" + added.report)
    progress.say(f"(this report is saved in {project.display(added.report_path)})")
    if args.build:
        return run(build_parser().parse_args(["--release", args.name]), root, progress)
    progress.say(f"nothing was published: review the report, fill in the download URLs, then run `python build.py` "
                 f"to publish release {args.name}")
    return 0


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


def run(args: argparse.Namespace, root: Path, progress: Progress, inside_quarto: bool = False) -> int:
    """Check the options, run what they ask, and print a summary; returns the exit code. `inside_quarto`: run as
    Quarto's pre-render step (the quarto route's site is published by the post-render step)."""
    say = progress.say
    project = Project(root.resolve())
    partial = bool(os.environ.get("QUARTO_PROJECT_DIR")) and os.environ.get("QUARTO_PROJECT_RENDER_ALL") != "1"
    if args.stage == "post-render":
        return _post_render(project, say, publish=not partial)
    if args.stage == "pre-render":
        if partial:
            say("pre-render: Quarto renders some files only; their documents are those of the last full render")
            return 0
        from .publish.stage import discard_pending

        discard_pending(project)  # what a render that failed after its pre-render step left is not published
        args = build_parser().parse_args(json.loads(os.environ.get(BUILD_ARGS_ENV, "[]")))
        args.renderer = "quarto"
        code = run(args, project.root, progress, inside_quarto=True)
        return 0 if code == 1 else code  # failed briefs keep their last good page: post-render says which
    if args.renderer == "quarto" and args.stage in ("briefs", "all") and not inside_quarto:
        return _quarto_render(args, project, say)
    if args.stage == "clean":
        pipeline.clean(project, args.clean_all, say)
        return 0
    # no more kernels than named countries: a kernel warming up for nothing slows the one that works
    jobs = min(args.jobs, len(args.country)) if args.country else args.jobs
    holder = pipeline.ExecutorHolder(args.executor, jobs, args.scheduler)
    try:
        if args.stage in ("briefs", "all") and args.force and args.executor == "local" and args.jobs >= 1:
            # forced briefs rerun whatever the checks below find: the kernels start first and warm up meanwhile
            holder(project.root / "notebooks")
        from .ingest import PARSERS

        manifest = load_manifest(project.manifest_path, set(PARSERS))
        releases = manifest.select(args.release)
        if args.stage == "list":
            pipeline.list_releases(project, manifest, releases, say)
            return 0
        from .fetch.stage import mirror_from_env
        from .metrics.plausibility import check_release_order

        check_release_order(manifest)
        mirror = mirror_from_env(args.mirror)
        if args.stage == "methodology":
            say(f"wrote {project.display(pipeline.methodology(project, manifest, mirror, say))}")
            return 0
        request = _request(args, manifest, releases, mirror)
        failures = pipeline.build(project, manifest, request, holder, say, progress)
    finally:
        holder.close()
    if failures:
        outcome = "go on to Quarto" if inside_quarto else "were published"
        say(f"\n{len(failures)} brief(s) failed; the others {outcome}, and each failed one keeps its last "
            "good brief:")
        for failure in failures:
            where = f"\n    executed notebook with the traceback: {project.display(failure.notebook)}" \
                if failure.notebook else ""
            say(f"  - {failure.release} {failure.name}: {failure.error.strip()}{where}")
        say(f"done in {progress.elapsed():.1f} s, with failures")
        return 1
    say(f"done in {progress.elapsed():.1f} s")
    return 0


def _quarto_render(args: argparse.Namespace, project: Project, say) -> int:
    """`--renderer quarto`: one `quarto render` of the project, whose pre-render step runs this build's stages with
    the same options (in $DEFENCE_BUILD_ARGS) and whose post-render step publishes the site."""
    from .ingest import PARSERS
    from .render.quarto import find_quarto

    manifest = load_manifest(project.manifest_path, set(PARSERS))
    request = _request(args, manifest, manifest.select(args.release), None)
    if len(request.brief_releases) != 1:
        raise UsageError("--renderer quarto renders one release's site at a time: give one --release")
    quarto = find_quarto()
    formats = request.formats or ()
    to = ["--to", "html"] if formats == ("html",) else ["--to", "typst"] if formats == ("pdf",) else []
    argv = list(getattr(args, "argv", None) or [])
    forwarded = [a for a in argv if not a.startswith("--renderer=")]
    if "--renderer" in forwarded:
        position = forwarded.index("--renderer")
        del forwarded[position:position + 2]
    environment = {**os.environ, BUILD_ARGS_ENV: json.dumps(forwarded),
                   # the pre- and post-render steps run `python build.py`: this interpreter's
                   "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    say(f"quarto render {project.display(project.root) or '.'} {' '.join(to)}".rstrip())
    from .publish.stage import PENDING, discard_pending

    (project.build_dir / QUARTO_FAILED).unlink(missing_ok=True)
    done = subprocess.run([quarto, "render", str(project.root), *to], cwd=project.root, env=environment,
                          check=False)
    if done.returncode == 0:
        return 0
    if not (project.build_dir / PENDING).exists() and (project.build_dir / QUARTO_FAILED).exists():
        (project.build_dir / QUARTO_FAILED).unlink()
        return 1  # briefs failed; the post-render step listed them and published the rest
    discard_pending(project)
    raise DataError(f"quarto render failed (exit {done.returncode}); its messages are above. The published site "
                    "is as it was")


QUARTO_FAILED = "quarto-failed-briefs"  # in _build/: the post-render step published a site with failed briefs


def _post_render(project: Project, say, publish: bool = True) -> int:
    """Quarto's post-render step: publish the pages it rendered (publish_quarto_site; after a render of some files
    only, `publish` False, the pages are only finished); 1 when briefs failed."""
    from .ingest import PARSERS
    from .publish.stage import publish_quarto_site
    from .render.site_config import load_site_config

    manifest = load_manifest(project.manifest_path, set(PARSERS))
    output = Path(os.environ.get("QUARTO_PROJECT_OUTPUT_DIR") or load_site_config(project.root).output_dir)
    result = publish_quarto_site(project, manifest, output if output.is_absolute() else project.root / output, say,
                                 publish)
    if result is None or not result.failures:
        return 0
    say(f"\n{len(result.failures)} brief(s) failed; the others were published, and each failed one keeps its last "
        "good brief:")
    for failure in result.failures:
        where = f"\n    executed notebook with the traceback: {project.display(failure.notebook)}" \
            if failure.notebook else ""
        say(f"  - {failure.release} {failure.name}: {failure.error.strip()}{where}")
    (project.build_dir / QUARTO_FAILED).write_text("")
    return 1


def _request(args: argparse.Namespace, manifest, releases: list[DataRelease], mirror) -> pipeline.BuildRequest:
    formats = _formats(args.format) if args.format else None  # None: the formats of _quarto.yml
    if args.executor == "dask" and not args.scheduler:
        raise UsageError("--executor dask needs --scheduler ADDRESS (for example tcp://10.0.0.5:8786)")
    for option, value in (("--jobs", args.jobs), ("--timeout", args.timeout),
                          ("--notebook-timeout", args.notebook_timeout)):
        if value < 1:
            raise UsageError(f"{option} {value}: give a number, 1 or more")
    brief_releases = releases if args.release else [manifest.default_release]
    if args.country:
        _check_countries(brief_releases, args.country)
    if args.stage == "briefs":
        releases = brief_releases
    if args.stage in ("briefs", "all"):
        releases = pipeline.with_earlier(manifest, releases, brief_releases)
    elif args.stage == "metrics":
        releases = pipeline.with_earlier(manifest, releases, releases)
    return pipeline.BuildRequest(args.stage, releases, brief_releases, args.country, formats, args.renderer,
                                 args.force, args.timeout, args.notebook_timeout, mirror, args.jobs)


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """Entry point; returns the exit code (1 when briefs failed, 2 for a usage, data or input error, 3 when a file
    could not be written). In a worker process of the build (metrics side by side) it does nothing and returns 0."""
    if "--multiprocessing-fork" in sys.orig_argv:
        # Python starts such a worker by re-running the script that started the build: a script that calls this
        # outside `if __name__ == "__main__":` must not build again in each worker
        return 0
    argv = sys.argv[1:] if argv is None else argv
    adding = bool(argv) and argv[0] == "add-release"
    args = build_add_release_parser().parse_args(argv[1:]) if adding else build_parser().parse_args(argv)
    project_root = args.root or root or Path.cwd()
    args.argv = argv
    progress = Progress(verbose=getattr(args, "verbose", False))
    try:
        with one_build_date():
            return run_add_release(args, project_root, progress) if adding else run(args, project_root, progress)
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
