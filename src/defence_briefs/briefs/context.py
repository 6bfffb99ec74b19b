"""A country's brief inputs for one release: its metrics, its peers', the previous release's, and the sources."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ..countries import CountryTable, country_table
from ..errors import DataError, UsageError
from ..ingest import PARSERS
from ..manifest import DataRelease, Manifest, load_manifest
from ..metrics.bilateral_tiv import EXACT_TABLES
from ..metrics.dependency import US
from ..metrics.stage import load_metrics, metrics_dir
from ..project import Project

GROUP_CODES = ("EU27", "NATO_EUROPE", "EUROPE")
BRIEF_GROUPS = ("EUROPE", "EU27")  # the groups a country's brief compares it with
EUROPE_COVERS = ("the EU27, the United Kingdom, Norway, Switzerland, Iceland, Türkiye, Ukraine, Moldova and the "
                 "six western Balkan states (Albania, Bosnia and Herzegovina, Kosovo, Montenegro, North Macedonia, "
                 "Serbia)")
# NATO's editions after the June 2024 one: (edition year, month published, what changed)
NATO_EDITIONS = (
    (2025, "August 2025", "The 2025 edition (2014–2025e) moved to a new workbook layout and revised eleven "
                          "allies' figures."),
    (2026, "July 2026", "The 2026 edition (2014–2026e) reports core defence expenditure, the definition agreed at "
                        "The Hague (June 2025) against which the 3.5% of GDP is measured, and has no row for "
                        "Iceland."),
)
# the choice set's text columns, empty where a system has none (customers, parts)
CHOICE_TEXT = ("customers", "european_customers", "ordered_in_europe_since", "selected_in_europe", "us_parts",
               "us_parts_buyers")
PEER_METRIC = "us_share_of_arms_imports"  # the figure a brief shows for every European country
# the computed tables a brief reads, in the order of ReleaseData._frames
TABLE_FILES = ("metrics.csv", "bilateral_tiv.csv", "pending_us_deals.csv", "european_alternatives.csv",
               "us_systems.csv", "imports_by_role.csv", "orders.csv", "order_revisions.csv")


@dataclass(frozen=True)
class Figure:
    """One row of metrics.csv."""

    country: str
    metric: str
    period: str
    value: float
    unit: str
    estimate: bool


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise UsageError(f"{path}: not found; run `python build.py metrics --release ...` first")
    return pd.read_csv(path, dtype={"period": str, "release": str})


class ReleaseData:
    """One release's computed metrics and tables, loaded once and shared by every brief of a run."""

    def __init__(self, project: Project, release: DataRelease, manifest: Manifest):
        self.project = project
        self.release = release
        self.manifest = manifest
        folder = metrics_dir(project, release.name)
        metrics, bilateral, pending, alternatives, us_systems, roles, orders, revisions = (
            load_metrics(project, release.name), *(_read_csv(folder / name) for name in TABLE_FILES[1:]))
        self._set_frames(
            metrics, bilateral, pending,
            alternatives.assign(**{c: alternatives[c].astype(object).fillna("") for c in CHOICE_TEXT}),
            us_systems.assign(**{c: us_systems[c].astype(object).fillna("") for c in CHOICE_TEXT}), roles,
            orders.assign(financed_by=orders["financed_by"].fillna(""), comments=orders["comments"].fillna("")),
            revisions)
        self._previous_of: ReleaseData | None = None

    def _set_frames(self, metrics: pd.DataFrame, bilateral: pd.DataFrame, pending: pd.DataFrame,
                    alternatives: pd.DataFrame, us_systems: pd.DataFrame, roles: pd.DataFrame, orders: pd.DataFrame,
                    revisions: pd.DataFrame) -> None:
        self.metrics = metrics
        self.bilateral = bilateral
        self.pending_us_deals = pending
        self.european_alternatives = alternatives  # every brief reads all of the choice set (European and US)
        self.us_systems = us_systems
        self.imports_by_role = roles
        self.orders = orders
        self.order_revisions = revisions  # every brief reads all of it
        self.countries: CountryTable = country_table()

    @property
    def whole(self) -> ReleaseData:
        """The whole release (itself, or the release a brief's part was taken from)."""
        return self if self._previous_of is None else self._previous_of

    def _frames(self) -> tuple[pd.DataFrame, ...]:
        return (self.metrics, self.bilateral, self.pending_us_deals, self.european_alternatives, self.us_systems,
                self.imports_by_role, self.orders, self.order_revisions)

    @cached_property
    def previous(self) -> ReleaseData | None:
        """The release before this one in the manifest, when its metrics are computed."""
        if self._previous_of is not None:  # a brief's part of a release: the same part of the previous one
            full = self._previous_of.previous
            return None if full is None else full.for_brief(self._brief_country)
        names = [r.name for r in self.manifest.releases]
        position = names.index(self.release.name)
        if position == 0:
            return None
        earlier = self.manifest.releases[position - 1]
        if not (metrics_dir(self.project, earlier.name) / "metrics.csv").is_file():
            return None
        return cached_release(self.project, earlier, self.manifest)

    @cached_property
    def _positions(self) -> dict[str, dict[str, np.ndarray]]:
        """Row positions of each country (and group) in the metrics, bilateral and pending tables."""
        return {"metrics": self.metrics.groupby("country", sort=False).indices,
                "bilateral": self.bilateral.groupby("recipient", sort=False).indices,
                "pending": self.pending_us_deals.groupby("recipient", sort=False).indices,
                "roles": self.imports_by_role.groupby("recipient", sort=False).indices,
                "orders": self.orders.groupby("recipient", sort=False).indices}

    @cached_property
    def _row_hashes(self) -> tuple[np.ndarray, ...]:
        return tuple(pd.util.hash_pandas_object(frame, index=False).to_numpy() for frame in self._frames())

    @cached_property
    def _peer_rows(self) -> np.ndarray:
        metrics = self.metrics
        return np.flatnonzero(((metrics["metric"] == PEER_METRIC) & (metrics["period"] == self.window(0))
                               & metrics["country"].isin(self.european_countries())).to_numpy())

    def _brief_rows(self, country: str) -> tuple[np.ndarray, ...]:
        """Row positions of each frame (`_frames`) that the brief of `country` reads."""
        empty = np.array([], dtype=np.intp)
        index = self._positions
        rows = np.unique(np.concatenate([index["metrics"].get(code, empty) for code in (country, *BRIEF_GROUPS)]
                                        + [self._peer_rows]))
        return (rows, index["bilateral"].get(country, empty), index["pending"].get(country, empty),
                np.arange(len(self.european_alternatives)), np.arange(len(self.us_systems)),
                index["roles"].get(country, empty),
                index["orders"].get(country, empty), np.arange(len(self.order_revisions)))

    def for_brief(self, country: str) -> ReleaseData:
        """The part of this release that the brief of `country` reads: the country's own rows, the group rows
        (BRIEF_GROUPS), every European country's PEER_METRIC in the latest window, its bilateral, pending and
        imports-by-role rows, the whole choice set (European and US systems), and the same part of the previous
        release. A brief's fingerprint is taken over exactly this, so
        it is rebuilt when, and only when, something it shows changed."""
        if self._previous_of is not None:
            raise ValueError("for_brief takes a whole release")
        part = object.__new__(ReleaseData)
        part.project, part.release, part.manifest = self.project, self.release, self.manifest
        # a table the brief reads whole (the choice set...) is shared with the release, not copied
        part._set_frames(*(frame if len(rows) == len(frame) else frame.iloc[rows].reset_index(drop=True)
                           for frame, rows in zip(self._frames(), self._brief_rows(country), strict=True)))
        part._previous_of = self
        part._brief_country = country
        return part

    def brief_fingerprint(self, country: str, with_previous: bool = True) -> str:
        """The fingerprint of `for_brief(country)`, without building it."""
        positions = self._brief_rows(country)
        hashes = [h[p] for h, p in zip(self._row_hashes, positions, strict=True)]
        previous = self.previous if with_previous else None
        earlier = None if previous is None else previous.brief_fingerprint(country, with_previous=False)
        return self._digest(hashes, earlier)

    def fingerprint(self) -> str:
        """sha256 over what this (part of a) release holds: its rows and the release's definition, and the
        same part of the previous release."""
        if self._previous_of is not None:
            return self._previous_of.brief_fingerprint(self._brief_country)
        previous = self.previous
        return self._digest(list(self._row_hashes), None if previous is None else previous._digest(
            list(previous._row_hashes), None))

    def _digest(self, hashes: list[np.ndarray], previous: str | None) -> str:
        from ..fingerprint import digest

        release = self.release
        definition = {"name": release.name, "title": release.title, "date": release.date.isoformat(),
                      "last_data_year": release.last_data_year,
                      "files": [(f.id, f.publisher, f.source_release, f.role, f.sha256) for f in release.files]}
        return digest([hashlib.sha256(h.tobytes()).hexdigest() for h in hashes], definition, previous)

    @property
    def folder(self) -> Path:
        """Where the release's computed tables are (metrics.csv, bilateral_tiv.csv, pending_us_deals.csv): the
        files the site publishes in data/."""
        return metrics_dir(self.project, self.release.name)

    @property
    def last_year(self) -> int:
        return self.release.last_data_year

    def yearly_basis(self) -> str:
        """Which SIPRI data the release's yearly arms figures come from: a sentence for the briefs, no stop."""
        roles = self.release.files_by_role()
        register = roles["transfers"][0]
        tables = [f for role in EXACT_TABLES for f in roles.get(role, [])]
        own = list(dict.fromkeys(f.edition for f in tables if f.source_release == register.source_release))
        older = sorted({f.source_release for f in tables if f.source_release != register.source_release})
        older_list = f"{', '.join(older[:-1])} and {older[-1]}" if len(older) > 1 else "".join(older)
        releases = f"{older_list} release{'s' if len(older) > 1 else ''}"
        if any(f.source_release == register.source_release for f in roles.get("imports_tiv_totals", [])):
            # the release's own totals cover every year: the register only splits them among suppliers
            return (f"Yearly arms imports are SIPRI's own yearly tables of its {register.source_release} release, as "
                    f"printed ({'; '.join(own)}); where they give a country's total without its suppliers, the total "
                    f"is split among suppliers as SIPRI's {releases} tables and its {register.edition or 'register'} "
                    "place the deliveries, and shares resting on that split are marked as estimates")
        text = f"Yearly arms imports come from SIPRI's {register.edition or register.title}"
        if own:
            text += f" and its yearly tables as printed ({'; '.join(own)})"
        if older:
            text += (", whose deals have totals and delivery years but no yearly amounts: each deal is divided "
                     f"between its years as SIPRI's {older_list} yearly tables place it")
        return text

    def window(self, offset: int = 0) -> str:
        """The latest five-year window ('2021-2025'), or the one `offset` five-year steps earlier."""
        end = self.last_year - 5 * offset
        return f"{end - 4}-{end}"

    def figure(self, country: str, metric: str, period: str | int) -> Figure | None:
        """The metrics.csv row, or None when the release has no such figure."""
        row = self._figures.get((country, metric, str(period)))
        if row is None:
            return None
        value, unit, estimate = row
        return Figure(country, metric, str(period), float(value), str(unit), bool(estimate))

    @cached_property
    def _figures(self) -> dict[tuple[str, str, str], tuple]:
        """(value, unit, estimate) by (country, metric, period): a brief looks up some two hundred figures."""
        # whole columns as lists: iterating Arrow-backed columns converts one element at a time, 8x slower
        columns = [self.metrics[name].tolist() for name in ("country", "metric", "period", "value", "unit", "estimate")]
        return dict(zip(zip(*columns[:3], strict=True), zip(*columns[3:], strict=True), strict=True))

    @cached_property
    def _series_rows(self) -> dict[tuple[str, str], np.ndarray]:
        """Row positions of each (country, metric) in the metrics, in table order."""
        return self.metrics.groupby(["country", "metric"], sort=False).indices

    @cached_property
    def _periods_and_values(self) -> tuple[np.ndarray, np.ndarray]:
        # converted once: an Arrow-backed column is converted whole at each to_numpy (47,000 rows in a release)
        return self.metrics["period"].to_numpy(), self.metrics["value"].to_numpy()

    def values(self, country: str, metric: str) -> list[tuple[str, float]]:
        """(period, value) of every row of one metric for one country, in table order."""
        rows = self._series_rows.get((country, metric))
        if rows is None:
            return []
        periods, values = self._periods_and_values
        return list(zip(periods[rows].tolist(), values[rows].tolist(), strict=True))

    def series(self, country: str, metric: str, kind: str = "year") -> pd.DataFrame:
        """Rows of one metric for one country: kind 'year' (period '2024') or 'window' ('2020-2024')."""
        rows = self.metrics.iloc[self._series_rows.get((country, metric), np.array([], dtype=np.intp))]
        is_window = rows["period"].str.contains("-", regex=False)
        rows = rows[is_window] if kind == "window" else rows[~is_window]
        return rows.sort_values("period").reset_index(drop=True)

    def latest_year(self, country: str, metric: str) -> str | None:
        """The newest year with a figure of `metric` for `country`."""
        years = [period for period, _ in self.values(country, metric) if "-" not in period]
        return max(years) if years else None

    def across_countries(self, metric: str, period: str, countries: list[str]) -> pd.DataFrame:
        """One metric for many countries in one period: country, name, value, estimate."""
        rows = self.metrics[(self.metrics["metric"] == metric) & (self.metrics["period"] == period)
                            & (self.metrics["country"].isin(countries))]
        rows = rows[["country", "value", "estimate"]].copy()
        rows["name"] = rows["country"].map(self.countries.name)
        return rows.reset_index(drop=True)

    def european_countries(self) -> list[str]:
        """The countries the briefs cover, as of the release's last data year."""
        return list(self._european)

    @cached_property
    def _european(self) -> tuple[str, ...]:
        return tuple(self.countries.members("EUROPE", self.last_year))

    def citation(self, publisher_title: str) -> str:
        """A source line's text for one publisher title ('SIPRI Arms Transfers Database', 'SIPRI Military
        Expenditure Database', 'NATO, Defence Expenditure of NATO Countries'), with the editions of this
        release's files: never the data release's name for a file of another publisher or edition."""
        roles = self.release.files_by_role()
        if publisher_title.startswith("SIPRI Arms"):
            register = roles["transfers"][0].source_release
            if publisher_title.endswith(", trade register"):  # the orders: the register only
                return f"{publisher_title.removesuffix(', trade register')} ({register} release, trade register)"
            tables = sorted({f.source_release for role in EXACT_TABLES for f in roles.get(role, [])})
            listed = ", ".join(tables[:-1]) + f" and {tables[-1]}" if len(tables) > 1 else "".join(tables)
            return (f"{publisher_title} ({register} release; yearly tables of the {listed} releases)"
                    if tables else f"{publisher_title} ({register} release)")
        if publisher_title.startswith("SIPRI Military") and roles.get("milex"):
            return f"{publisher_title}, {roles['milex'][0].edition.split(' (')[0]}"
        if publisher_title.startswith("NATO") and roles.get("nato"):
            return roles["nato"][0].citation
        return publisher_title

    def europe_covers(self, compact: bool = False) -> str:
        """What 'Europe' means on every page, checked against the group's members by a test (`compact`: the PDF's,
        without the comparison with SIPRI's own region)."""
        covers = f"the {len(self.european_countries())} countries these briefs cover: {EUROPE_COVERS}"
        if compact:
            return covers
        return (f"{covers} (SIPRI's own Europe region also counts Russia, Belarus, Armenia, Azerbaijan and Georgia, "
                f"and puts Türkiye in the Middle East)")

    def nato_edition(self) -> str:
        """The month and year of the release's NATO edition ('June 2024'), or '' without one."""
        files = self.release.files_by_role().get("nato")
        return files[0].edition.rsplit(", ", 1)[-1] if files else ""

    def newer_nato_editions(self, compact: bool = False) -> str:
        """A sentence on NATO's editions newer than the release's (known to the project, dated after it), what they
        changed and how to add them (`compact`: the PDF's pointer to it); '' when the release has the newest."""
        files = self.release.files_by_role().get("nato")
        have = int(files[0].source_release) if files and str(files[0].source_release).isdigit() else 0
        newer = [e for e in NATO_EDITIONS if e[0] > have]
        if not files or not newer:
            return ""
        listed = " and ".join(f"{year} ({month})" for year, month, _ in newer)
        if compact:
            return f"NATO has since published its {listed} editions; the web version says what they changed."
        changes = " ".join(change for _, _, change in newer)
        return (f"NATO has published newer editions than the one used here: {listed}. {changes} To use one, "
                f"download `def-exp-<YEAR>-en.xlsx` from nato.int and run `python build.py add-release <name> --from "
                f"<folder>` (README, 'When SIPRI publishes').")

    def source_files(self, country: str | None = None) -> list:
        """The manifest files behind a brief: every file, except that per-supplier TIV tables count only
        when they supplied a figure for `country`, and NATO's only when it gives a figure for `country` (NATO
        publishes its members alone: none for Ukraine or Iceland)."""
        used, nato = None, True
        if country is not None:
            named = self.bilateral.loc[self.bilateral["recipient"] == country, "source_file"].unique()
            used = {f for text in named for f in str(text).split("; ")}
            own = self.metrics.loc[self.metrics["country"] == country, "metric"]
            nato = bool(own.str.startswith("nato_").any())
        files = []
        for source_file in self.release.files:
            if used is not None and source_file.role == "bilateral_tiv" and source_file.id not in used:
                continue
            if not nato and source_file.role == "nato":
                continue
            files.append(source_file)
        return files

    def publishers(self, country: str) -> str:
        """The publishers behind a brief, for its footer: 'SIPRI Arms Transfers and Military Expenditure
        Databases, NATO, World Bank' (NATO only where it gives a figure for `country`)."""
        roles = {f.role for f in self.source_files(country)}
        names = ["SIPRI Arms Transfers and Military Expenditure Databases"]
        names += ["NATO"] if "nato" in roles else []
        names += ["World Bank"] if "population" in roles else []
        return ", ".join(names)


_RELEASES: dict[tuple[str, str], tuple[tuple, ReleaseData]] = {}


def cached_release(project: Project, release: DataRelease, manifest: Manifest) -> ReleaseData:
    """ReleaseData of `release`, reused while its files and the manifest are unchanged (a warm kernel runs many
    briefs of one release; the tables are only read)."""
    folder = metrics_dir(project, release.name)
    stamp = (release, tuple(manifest.releases),
             *[(p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None
               for p in (folder / name for name in TABLE_FILES)])
    key = (str(project.root), release.name)
    hit = _RELEASES.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    data = ReleaseData(project, release, manifest)
    _RELEASES[key] = (stamp, data)
    return data


def load_release(root: Path | str, release: str | None = None) -> ReleaseData:
    """The computed data of `release` (default: the newest) under project `root`."""
    project = Project(Path(root).resolve())
    manifest = load_manifest(project.manifest_path, set(PARSERS))  # parsed once per content
    return cached_release(project, manifest.release(release or "latest"), manifest)


def preload_release(root: Path | str) -> None:
    """Read the newest release's tables, and those of the release before it, into this process's cache when they
    are computed: a warm kernel does this while it waits for its first brief (else that brief reads them)."""
    try:
        load_release(root).previous  # noqa: B018 (a cached property: reading it loads the release)
    except (OSError, DataError):
        return  # not computed yet (a cold build starts its kernels before the metrics)


@dataclass(frozen=True, eq=False)
class Brief:
    """What one country's brief is about: the release data and the country (hashed as itself: what is derived from a
    brief can be cached per brief)."""

    data: ReleaseData
    country: str

    @property
    def name(self) -> str:
        """The country as a sentence names it ('the Netherlands'); `title` for headings and table labels."""
        return self.data.countries.in_sentence(self.country)

    @property
    def name_start(self) -> str:
        """The name at the start of a sentence ('The Netherlands')."""
        return self.data.countries.in_sentence(self.country, start=True)

    def possessive(self, start: bool = False) -> str:
        """'Poland's', 'the Netherlands''."""
        return self.data.countries.possessive(self.country, start)

    @property
    def title(self) -> str:
        """The display name of headings and table labels ('Netherlands')."""
        return self.data.countries.name(self.country)

    def figure(self, metric: str, period: str | int) -> Figure | None:
        return self.data.figure(self.country, metric, period)

    def series(self, metric: str, kind: str = "year") -> pd.DataFrame:
        return self.data.series(self.country, metric, kind)

    @property
    def is_nato(self) -> bool:
        return self.data.countries.is_member("NATO", self.country, self.data.last_year)

    @property
    def orders(self) -> pd.DataFrame:
        """The country's orders since 2000 as orders.csv lists them (selections included, `counted_as` says)."""
        return self.data.orders[self.data.orders["recipient"] == self.country].reset_index(drop=True)

    @property
    def pending_us_deals(self) -> pd.DataFrame:
        deals = self.data.pending_us_deals
        return deals[(deals["recipient"] == self.country) & (deals["supplier"] == US)].reset_index(drop=True)


def open_brief(root: Path | str, country: str, release: str | None = None) -> Brief:
    """The brief of `country` (ISO3 code or name) for `release`; a UsageError lists the valid codes."""
    data = load_release(root, release)
    code = resolve_country(data, country)
    return Brief(data.for_brief(code), code)


def resolve_country(data: ReleaseData, country: str) -> str:
    """An ISO3 code of a covered country from a code or display name; anything else is a UsageError."""
    return european_code(data.countries, country, data.last_year)


def european_code(countries: CountryTable, country: str, year: int) -> str:
    """The ISO3 code of a European country (member of EUROPE in `year`) given as code or English name; anything
    else, paths included, is a UsageError listing the valid codes."""
    covered = countries.members("EUROPE", year)
    text = str(country).strip()
    if text.upper() in covered:
        return text.upper()
    code = countries.code_for(text)
    if code in covered:
        return code
    valid = ", ".join(covered)
    raise UsageError(f"unknown country {country!r}: briefs cover these ISO3 codes (or their names): {valid}")


def find_root(start: Path | str | None = None) -> Path:
    """The project root: DEFENCE_PROJECT_ROOT, else the nearest folder at or above `start` (default: the working
    directory) holding data/sources.toml."""
    if os.environ.get("DEFENCE_PROJECT_ROOT"):
        return Path(os.environ["DEFENCE_PROJECT_ROOT"]).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / "sources.toml").is_file():
            return folder
    raise UsageError(f"no project root (a folder with data/sources.toml) at or above {here}")
