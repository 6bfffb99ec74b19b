"""The `metrics` stage: compute a release's metrics into _build/<release>/data/ (only when their inputs changed).

Files: metrics.csv (every figure, tidy), bilateral_tiv.csv (yearly supplier x European recipient TIV, exact
or allocated), pending_us_deals.csv (largest US orders not yet delivered: firm and uncertain parts, and the
units selected or planned beyond those ordered, not pending),
european_alternatives.csv (European-made systems delivered in the last ten years, by role) and
imports_by_role.csv (each European country's deliveries of the latest window by role, supplier and system),
orders.csv (every order by a European country since 2000, with the rules that classified it), order_revisions.csv
(how the latest order year of each earlier release grew in the later registers), sources.csv (every source file
with its edition and sha256). All are computed before any is
written, and each is replaced atomically. A stamp beside them records the fingerprint of their inputs (the
tidy tables' keys, the metrics code, the release's definition, the accepted plausibility findings); when it
matches and the files are intact the stage does nothing. The files reach reports/<release>/data/ when the
site is published (`publish_metrics`, or with the briefs). The plausibility checks (plausibility.py) run on
the tidy tables before and on the metrics after they are computed; a finding stops the build before anything
is written.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..fileio import atomic_write_bytes, sha256_file
from ..fingerprint import code_digest, digest
from ..ingest import tidy_cache
from ..manifest import DataRelease
from ..project import Project
from .plausibility import TABLES, check_metrics, check_tables, reviewed_text

Reporter = Callable[[str], None]
METRICS_FILE = "metrics.csv"
SOURCES_FILE = "sources.csv"
DATA_FILES = (METRICS_FILE, "bilateral_tiv.csv", "pending_us_deals.csv", "european_alternatives.csv",
              "us_systems.csv", "imports_by_role.csv", "orders.csv", "order_revisions.csv", SOURCES_FILE)
STAMP = ".stamp.json"


def metrics_dir(project: Project, release: str) -> Path:
    """Where the metrics of a release are computed: _build/<release>/data/."""
    return project.root / "_build" / release / "data"


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def sources_table(release: DataRelease) -> pd.DataFrame:
    """Every file of the release: the ids that metrics.csv's `source` names, with what a reader needs to find and
    verify each (publisher, title and edition, publication date, file name, URL, sha256)."""
    return pd.DataFrame([{
        "id": f.id, "publisher": f.publisher, "title": f.title, "edition": f.edition, "publication_date": f.published,
        "file_name": Path(f.path).name, "url": f.url or (f.copies[0] if f.copies else ""),
        "landing_page": f.landing_page, "sha256": f.sha256} for f in release.files])


def earlier_releases(project: Project, release: DataRelease) -> list[DataRelease]:
    """The releases of the manifest with an earlier last data year whose register is ingested: the metrics read
    their registers to measure how an order year grows in later releases."""
    from ..manifest import load_manifest

    manifest = load_manifest(project.manifest_path)
    return [r for r in manifest.releases if r.last_data_year < release.last_data_year
            and tidy_cache.table_path(project.tidy_dir, r.name, "transfers").is_file()]


def metrics_key(project: Project, release: DataRelease) -> str:
    """Fingerprint of what the metrics of `release` are computed from."""
    tables = {}
    folder = project.tidy_dir / release.name
    for path in sorted(folder.glob("*.parquet")):
        tables[path.stem] = tidy_cache.stored_key(path)
    for earlier in earlier_releases(project, release):
        tables[f"{earlier.name}/transfers"] = tidy_cache.stored_key(
            tidy_cache.table_path(project.tidy_dir, earlier.name, "transfers"))
    # every field sources.csv shows counts: filling in a URL in the manifest must refresh the published table
    definition = {"name": release.name, "last_data_year": release.last_data_year,
                  "files": sorted((f.id, f.role, f.sha256) for f in release.files),
                  "sources": sources_table(release).to_csv(index=False)}
    return digest(tables, definition, code_digest((__name__,)), reviewed_text(project))


def _stamp(project: Project, release: str) -> dict:
    try:
        return json.loads((metrics_dir(project, release) / STAMP).read_text())
    except (OSError, ValueError):
        return {}


def metrics_up_to_date(project: Project, release: DataRelease, key: str | None = None) -> bool:
    """True when the stamp matches the inputs and every file is there with the bytes the stamp recorded."""
    stamp = _stamp(project, release.name)
    if stamp.get("key") != (key or metrics_key(project, release)):
        return False
    folder = metrics_dir(project, release.name)
    files = stamp.get("files", {})
    return all(name in files and (folder / name).is_file() and sha256_file(folder / name) == files[name]
               for name in DATA_FILES)


def build_metrics(project: Project, release: DataRelease, report: Reporter = print, *, force: bool = False) -> Path:
    """Compute the metrics of `release` unless they are up to date; returns the path of metrics.csv."""
    from ..countries import country_table
    from ..ingest.stage import load_table
    from .release_metrics import release_metrics

    target = metrics_dir(project, release.name)
    key = metrics_key(project, release)
    if not force and metrics_up_to_date(project, release, key):
        report(_up_to_date_line(release))
        return target / METRICS_FILE
    started = time.perf_counter()
    countries = country_table()
    present = {path.stem for path in (project.tidy_dir / release.name).glob("*.parquet")}
    tables = {t: load_table(project, release.name, t) for t in TABLES if t in present}
    check_tables(project, release, tables, countries)
    earlier = {r.name: (r.last_data_year, load_table(project, r.name, "transfers"))
               for r in earlier_releases(project, release)}
    result = release_metrics(project, release, countries, tables, earlier)  # each table is read once
    check_metrics(project, release, result.metrics, countries)
    metrics = result.metrics.assign(estimate=result.metrics["estimate"].map({True: "true", False: "false"}))
    payloads = {
        METRICS_FILE: _csv_bytes(metrics),
        "bilateral_tiv.csv": _csv_bytes(result.bilateral),
        "pending_us_deals.csv": _csv_bytes(result.pending_us_deals),
        "european_alternatives.csv": _csv_bytes(result.european_alternatives),
        "us_systems.csv": _csv_bytes(result.us_systems),
        "imports_by_role.csv": _csv_bytes(result.imports_by_role),
        "orders.csv": _csv_bytes(result.orders),
        "order_revisions.csv": _csv_bytes(result.order_revisions),
        SOURCES_FILE: _csv_bytes(sources_table(release)),
    }
    (target / STAMP).unlink(missing_ok=True)  # no stamp while the files change
    for name, payload in payloads.items():
        path = target / name
        if not path.is_file() or path.read_bytes() != payload:
            atomic_write_bytes(path, payload)
    stamp = {"key": key, "files": {name: sha256_file(target / name) for name in DATA_FILES}}
    atomic_write_bytes(target / STAMP, json.dumps(stamp, indent=1, sort_keys=True).encode())
    entities = metrics["country"].nunique()
    report(f"metrics {release.name}: {len(metrics)} figures for {entities} countries and groups in "
           f"{project.display(target / METRICS_FILE)} ({time.perf_counter() - started:.1f} s)")
    return target / METRICS_FILE


def build_releases_metrics(project: Project, releases: list[DataRelease], report: Reporter = print, *,
                           force: bool = False, jobs: int = 1) -> None:
    """Compute the metrics of every release in `releases` that is out of date, up to `jobs` releases at once: a
    release's figures depend only on the tidy tables, so the older releases run in worker processes (jobs - 1 of
    them, each with pandas and its release's tables) while this one computes the newest. Reports come in release
    order. One at a time, the first release that fails stops the stage; side by side, every release runs to its end,
    keeps its files if it succeeded, and the first failure in release order is raised."""
    todo = [r for r in releases if force or not metrics_up_to_date(project, r)]
    if jobs < 2 or len(todo) < 2:
        for release in releases:
            if release in todo:
                build_metrics(project, release, report, force=True)  # out of date: no need to check again
            else:
                report(_up_to_date_line(release))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    outcomes: dict[str, tuple[list[str], BaseException | None]] = {}
    newest, older = todo[-1], todo[:-1]
    # spawned, not forked: the build's threads (kernels starting, the progress line) must not be copied mid-work
    # workers ignore Ctrl-C: the build stops them, after the release each is computing (its stamp is written last)
    with ProcessPoolExecutor(max_workers=min(jobs - 1, len(older)), mp_context=multiprocessing.get_context("spawn"),
                             initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN)) as pool:
        futures = {r.name: pool.submit(_metrics_outcome, project, r) for r in older}
        try:
            outcomes[newest.name] = _metrics_outcome(project, newest)
            for name, future in futures.items():
                try:
                    outcomes[name] = future.result()
                except BrokenProcessPool as broken:
                    raise DataError(f"the worker process computing the metrics of release {name} stopped before it "
                                    f"finished (killed, out of memory, or it could not start: a script that runs "
                                    f"the build must call it under `if __name__ == \"__main__\":`); the release "
                                    f"keeps no new figures. Run the build again, or with --jobs 1 to compute one "
                                    f"release at a time") from broken
        except BaseException:  # interrupted: the releases not started are dropped
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    for release in releases:
        if release.name not in outcomes:
            report(_up_to_date_line(release))
            continue
        messages, error = outcomes[release.name]
        for message in messages:
            report(message)
        if error is not None:
            raise error


def _up_to_date_line(release: DataRelease) -> str:
    return f"metrics {release.name}: up to date"


def _metrics_outcome(project: Project, release: DataRelease) -> tuple[list[str], BaseException | None]:
    """build_metrics' reports for a release found out of date, and its error (a data error or a failed write), kept
    to be raised in release order."""
    messages: list[str] = []
    try:
        build_metrics(project, release, messages.append, force=True)
    except (DataError, OSError) as error:
        return messages, error
    return messages, None


def load_metrics(project: Project, release: str) -> pd.DataFrame:
    """A release's computed metrics.csv, with `estimate` as bool and `period` as text."""
    frame = pd.read_csv(metrics_dir(project, release) / METRICS_FILE, dtype={"period": str, "release": str})
    frame["estimate"] = frame["estimate"].astype(str).str.lower() == "true"
    return frame
