"""The `data` stage: verify each release's raw files and turn them into validated tidy tables (cached).

For each release, every role's files are parsed (or read from the cache) before anything is written, so
a bad input stops the stage with nothing in data/tidy changed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..countries import CountryTable, country_table
from ..errors import DataError, FetchError, InputError
from ..fileio import atomic_write_bytes, sha256_file_cached
from ..manifest import DataRelease, SourceFile
from ..project import Project
from . import PARSERS, tidy_cache
from .base import Parser

Reporter = Callable[[str], None]
RELEASE_INFO = "_release.json"


@dataclass(frozen=True)
class TableResult:
    """One tidy table of a release: where it is, its rows, and whether it came from the cache."""

    name: str
    path: Path
    rows: int
    cached: bool


def verified_raw_path(project: Project, source_file: SourceFile) -> Path:
    """The raw file's path after checking its sha256; a missing or altered file is a FetchError."""
    path = project.raw_dir / source_file.path
    display = project.display(path)
    if not path.is_file():
        raise FetchError(f"{display}: raw file for '{source_file.id}' is missing; run `python build.py fetch`")
    digest = sha256_file_cached(path)
    if digest != source_file.sha256:
        raise FetchError(
            f"{display}: sha256 is {digest} but the manifest pins {source_file.sha256} for '{source_file.id}'; "
            "the raw file was changed. Delete it and run `python build.py fetch`."
        )
    return path


def table_name(role: str, suffix: str) -> str:
    return role if not suffix else f"{role}_{suffix}"


YEAR_COLUMNS = ("year", "order_year")


def check_no_future_years(frame: pd.DataFrame, file: str, latest_year: int, release: str) -> None:
    """No year in a parsed table may come after the year its release was published (a typo such as 2052 for
    2025, or a file from a later release): raise InputError naming the first such cell."""
    for column in (c for c in YEAR_COLUMNS if c in frame.columns):
        late = frame[frame[column].notna() & (frame[column] > latest_year)]
        if not late.empty:
            row = late.iloc[0]
            raise InputError(file, f"{row['source_ref']}: {column} {int(row[column])} is after {latest_year}, the "
                             f"year data release {release} was published ({len(late)} such row(s))")
    if "delivery_years" in frame.columns:
        for ref, years in zip(frame["source_ref"], frame["delivery_years"], strict=True):
            if len(years) and max(years) > latest_year:
                raise InputError(file, f"{ref}: delivery year {max(years)} is after {latest_year}, the year data "
                                 f"release {release} was published")


# parsed tables by parser, its version, the file's sha256 and the country table: releases share most raw files (the
# supplier tables of every release are SIPRI's 2022 ones), so a build that ingests several releases parses each file
# once. A table does not depend on where its file lies (the path only names it in errors, and a file that fails is
# not kept). The country table is held with its tables, so that its id is not reused while the entry lives.
_PARSED: dict[tuple[str, str, str, int], tuple[CountryTable, dict[str, pd.DataFrame]]] = {}


def _parsed(parser: Parser, source_file: SourceFile, path: Path, display: str,
            countries: CountryTable) -> dict[str, pd.DataFrame]:
    """The parser's tables of one verified raw file; callers copy a table before changing it."""
    key = (parser.name, parser.version, source_file.sha256, id(countries))
    if key not in _PARSED:
        _PARSED[key] = (countries, parser.parse(path, display, countries))
    return _PARSED[key][1]


def _parse_role(project: Project, files: list[tuple[SourceFile, Path]], countries: CountryTable,
                release: DataRelease) -> dict[str, pd.DataFrame]:
    """Parse the (already verified) raw files of one role and combine their tables by suffix."""
    parser = PARSERS[files[0][0].parser]
    role = files[0][0].role
    parts: dict[str, list[pd.DataFrame]] = {}
    for source_file, path in files:
        display = project.display(path)
        tables = _parsed(parser, source_file, path, display, countries)
        for suffix, frame in tables.items():
            check_no_future_years(frame, display, release.date.year, release.name)
            frame = frame.copy()
            frame["source_file"] = source_file.id
            parts.setdefault(suffix, []).append(frame)
    out = {}
    for suffix, frames in parts.items():
        combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        schema = parser.schemas[suffix]
        if len(frames) > 1 and schema.key:
            # the same key from two files of one role (e.g. two supplier tables naming one pair) is an error
            schema.validate(combined.drop(columns="source_file"), f"{len(frames)} files of role '{role}'")
        out[suffix] = combined
    return out


def ingest_release(
    project: Project,
    release: DataRelease,
    report: Reporter = print,
    *,
    force: bool = False,
) -> list[TableResult]:
    """Build (or reuse) every tidy table of `release`; write only after all of them parsed."""
    countries = country_table()
    code = tidy_cache.code_digest()
    pending: list[tuple[str, Path, pd.DataFrame, str]] = []
    results: list[TableResult] = []
    for role, files in release.files_by_role().items():
        parser = PARSERS[files[0].parser]
        # the release's publication year bounds the years a table may hold, so it is part of the key
        inputs = {**{f.id: f.sha256 for f in files}, "_latest_year": str(release.date.year)}
        key = tidy_cache.cache_key(parser.name, parser.version, inputs, code)
        paths = {s: tidy_cache.table_path(project.tidy_dir, release.name, table_name(role, s)) for s in parser.schemas}
        raw = [(source_file, verified_raw_path(project, source_file)) for source_file in files]
        if not force and all(tidy_cache.stored_key(p) == key for p in paths.values()):
            for suffix, path in paths.items():
                rows = tidy_cache.pq_rows(path)
                results.append(TableResult(table_name(role, suffix), path, rows, cached=True))
            continue
        started = time.perf_counter()
        tables = _parse_role(project, raw, countries, release)
        for suffix, frame in tables.items():
            pending.append((table_name(role, suffix), paths[suffix], frame, key))
        report(f"data {release.name}: parsed {role} from {len(files)} file(s) in {time.perf_counter() - started:.1f} s")
    for name, path, frame, key in pending:
        tidy_cache.write_table(path, frame, key)
        results.append(TableResult(name, path, len(frame), cached=False))
    _write_release_info(project, release, results)
    cached = sum(r.cached for r in results)
    report(f"data {release.name}: {len(results)} tidy tables ok ({cached} from cache, {len(results) - cached} rebuilt) "
           f"in {project.display(project.tidy_dir / release.name)}")
    return sorted(results, key=lambda r: r.name)


def _write_release_info(project: Project, release: DataRelease, results: list[TableResult]) -> None:
    info = {
        "release": release.name,
        "title": release.title,
        "date": release.date.isoformat(),
        "last_data_year": release.last_data_year,
        "files": [
            {"id": f.id, "title": f.title, "publisher": f.publisher, "source_release": f.source_release,
             "path": f.path, "sha256": f.sha256, "size": f.size, "url": f.url, "landing_page": f.landing_page,
             "role": f.role}
            for f in release.files
        ],
        "tables": {r.name: {"rows": r.rows} for r in sorted(results, key=lambda r: r.name)},
    }
    target = project.tidy_dir / release.name / RELEASE_INFO
    payload = (json.dumps(info, indent=1, sort_keys=True) + "\n").encode()
    if not target.is_file() or target.read_bytes() != payload:
        atomic_write_bytes(target, payload)


def load_table(project: Project, release: str, table: str) -> pd.DataFrame:
    """A tidy table of a release, as written by `ingest_release`."""
    path = tidy_cache.table_path(project.tidy_dir, release, table)
    if not path.is_file():
        raise DataError(f"{project.display(path)}: no tidy table '{table}' for release {release}; "
                        "run `python build.py data`")
    return tidy_cache.read_table(path)
