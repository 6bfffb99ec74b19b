"""Plausibility checks that stop a build before a wrong number that looks right reaches a brief.

Checks of a release's tidy tables (before its metrics are computed):
- spending jump: a European country's military expenditure in constant USD (SIPRI) changing by more than a
  factor of two from one year to the next, with neither figure flagged in the source (SIPRI's estimate or
  uncertain colour; footnotes apply to a whole row and do not count);
- group totals: NATO's 'NATO Europe and Canada' and 'NATO Total' rows against the sum of the members of that
  year, and SIPRI's 'Total world' TIV rows against the sum of the rows above them (within rounding);
- release years: releases ordered by date must not have an older last data year than the one before, and a
  release's SIPRI spending and transfers must reach its last data year.
Checks of the computed metrics (before they are written):
- every share is within [0, 1];
- every additive figure of a group equals the sum of its members.

A data editor who has checked a finding against the source and found it right accepts it in
data/reviewed_findings.toml; every finding's message says which entry to add.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from ..countries import CountryTable
from ..errors import DataError
from ..manifest import DataRelease, Manifest
from ..project import Project

REVIEWED_FILE = "data/reviewed_findings.toml"
JUMP_FACTOR = 2.0
SPENDING_MEASURE = "milex_constant_usd"
NATO_AGGREGATES = {"NATO_EUROPE_CANADA": ("NATO_EUROPE", ("CAN",)), "NATO": ("NATO_EUROPE", ("CAN", "USA"))}
NATO_SUMMED = ("nato_defexp_current_usd", "nato_defexp_constant_usd", "nato_gdp_current_usd",
               "nato_gdp_constant_usd")
NATO_TOLERANCE = 0.001  # NATO rounds its country figures; its aggregates agree with their sum to 0.1 %
WINDOW_ADDITIVE = ("arms_imports_tiv", "arms_imports_from_us_tiv", "arms_imports_from_europe_tiv",
                   "arms_imports_from_others_tiv")
YEARLY_ADDITIVE = ("milex_current_usd", "milex_constant_usd")


@dataclass(frozen=True)
class Finding:
    """One implausible figure: which check, where it is, what is wrong, and the entry that would accept it."""

    check: str
    where: str
    message: str
    country: str = ""
    year: int = 0

    def accept_entry(self) -> str:
        """The TOML entry of data/reviewed_findings.toml that accepts this finding."""
        return (f'[[accept]]\ncheck = "{self.check}"\ncountry = "{self.country}"\nyear = {self.year}\n'
                'reason = "<what you checked in the source>"')


class PlausibilityError(DataError):
    """Figures that fail a plausibility check; the message lists each with its place and what to do."""

    def __init__(self, release: str, stage: str, findings: list[Finding]):
        self.release, self.stage, self.findings = release, stage, findings
        lines = [f"plausibility checks failed for data release {release} ({len(findings)} finding(s)); "
                 f"the build stopped before the {stage}, and nothing published was changed:"]
        for finding in findings[:20]:
            lines.append(f"  - {finding.check}: {finding.where}: {finding.message}")
            if finding.country:
                entry = finding.accept_entry().replace("\n", "\n      ")
                lines.append(f"    If the source is right, accept it by adding to {REVIEWED_FILE}:\n      {entry}")
        if len(findings) > 20:
            lines.append(f"  ... and {len(findings) - 20} more")
        super().__init__("\n".join(lines))

    def __reduce__(self):
        # as built, so that the error crosses from a worker process (metrics of releases side by side) whole
        return (type(self), (self.release, self.stage, self.findings))


@dataclass(frozen=True)
class Reviewed:
    """Findings a data editor accepted: (check, country, year) -> reason."""

    accepted: dict[tuple[str, str, int], str]

    def covers(self, finding: Finding) -> bool:
        return (finding.check, finding.country, finding.year) in self.accepted


def load_reviewed(project: Project) -> Reviewed:
    """data/reviewed_findings.toml (absent = nothing accepted); a malformed entry is a DataError naming it."""
    path = project.root / REVIEWED_FILE
    if not path.is_file():
        return Reviewed({})
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{REVIEWED_FILE}: not valid TOML: {exc}") from None
    accepted = {}
    for number, entry in enumerate(document.get("accept", []), start=1):
        missing = [k for k in ("check", "country", "year", "reason") if k not in entry]
        if missing or not str(entry.get("reason", "")).strip():
            raise DataError(f"{REVIEWED_FILE}: [[accept]] entry {number} lacks {', '.join(missing) or 'a reason'}")
        accepted[(str(entry["check"]), str(entry["country"]), int(entry["year"]))] = str(entry["reason"])
    return Reviewed(accepted)


def _file_of(project: Project, release: DataRelease, file_id: object) -> str:
    for source_file in release.files:
        if source_file.id == file_id:
            return project.display(project.raw_dir / source_file.path)
    return str(file_id)


def spending_jumps(milex: pd.DataFrame, countries: CountryTable, release: DataRelease,
                   project: Project) -> list[Finding]:
    """European countries whose constant-USD spending more than doubles or halves in a year, unflagged."""
    european = {code for year in range(1949, release.last_data_year + 1) for code in countries.members("EUROPE", year)}
    frame = milex[(milex["measure"] == SPENDING_MEASURE) & milex["code"].isin(european)
                  & milex["value"].notna()].sort_values(["code", "year"])
    # SIPRI flags single figures by colour (estimate: blue, highly uncertain: red); its footnote symbols and
    # numbers belong to a country's whole row, so they do not explain one year's jump.
    flagged = frame["estimate"].fillna(False) | frame["uncertain"].fillna(False)
    frame = frame.assign(flagged=flagged.astype(bool))
    findings = []
    for code, rows in frame.groupby("code"):
        previous = None
        for row in rows.itertuples(index=False):
            if previous is not None and row.year == previous.year + 1 and previous.value > 0 and row.value > 0:
                ratio = row.value / previous.value
                if (ratio > JUMP_FACTOR or ratio < 1 / JUMP_FACTOR) and not (row.flagged or previous.flagged):
                    notes = " ".join(str(n) for n in (row.flags, row.footnotes) if not pd.isna(n))
                    findings.append(Finding(
                        "spending_jump", f"{_file_of(project, release, row.source_file)}, {row.source_ref}",
                        f"{countries.name(str(code))}'s military expenditure (constant USD) went from "
                        f"{previous.value:,.1f} m in {previous.year} to {row.value:,.1f} m in {row.year} "
                        f"(x{ratio:.2f}), and the source marks neither figure as an estimate or uncertain"
                        + (f" (the row's notes '{notes}' apply to every year)" if notes else "")
                        + ". Check the figure against SIPRI's sheet.",
                        str(code), int(row.year)))
            previous = row
    return findings


def nato_aggregates(nato: pd.DataFrame, countries: CountryTable, release: DataRelease,
                    project: Project) -> list[Finding]:
    """NATO's aggregate rows against the sum of the members of each year (members by 31 December)."""
    findings = []
    for measure in NATO_SUMMED:
        table = nato[nato["measure"] == measure]
        values = dict(zip(zip(table["code"], table["year"], strict=True), table["value"], strict=True))
        for aggregate, (group, extra) in NATO_AGGREGATES.items():
            for row in table[table["code"] == aggregate].itertuples(index=False):
                year = int(row.year)
                members = [*countries.members(group, year), *extra]
                parts = [values.get((m, year)) for m in members]
                if any(p is None or pd.isna(p) for p in parts):
                    continue  # a member without a figure: NATO's total includes an estimate we cannot check
                total = float(sum(parts))
                if abs(total - row.value) > NATO_TOLERANCE * abs(row.value):
                    findings.append(Finding(
                        "group_total", f"{_file_of(project, release, row.source_file)}, {row.source_ref}",
                        f"NATO's {aggregate} {measure} for {year} is {row.value:,.1f}, but its {len(members)} "
                        f"members of that year sum to {total:,.1f} ({(total / row.value - 1):+.2%}); a member's row "
                        "is missing, duplicated or changed"))
    return findings


def tiv_world_totals(totals: pd.DataFrame, release: DataRelease, project: Project, table: str) -> list[Finding]:
    """SIPRI's 'Total world' row of a TIV totals table against the sum of its rows (cells are rounded to 1)."""
    findings = []
    world = totals[totals["code"] == "WLD"]
    rows = totals[totals["code"] != "WLD"].groupby("year")["tiv"].agg(["sum", "count"])
    for row in world.itertuples(index=False):
        if row.year not in rows.index:
            continue
        total, cells = rows.loc[row.year, "sum"], rows.loc[row.year, "count"]
        if abs(total - row.tiv) > 0.5 * cells + 0.5:
            findings.append(Finding(
                "group_total", f"{_file_of(project, release, row.source_file)}, {row.source_ref}",
                f"the 'Total world' {table} for {row.year} is {row.tiv:,.0f} TIV m, but the {cells} rows above sum "
                f"to {total:,.0f} (more than rounding allows); a row is missing, duplicated or changed"))
    return findings


def release_order(manifest: Manifest) -> list[Finding]:
    """Releases ordered by publication date must not go back in their last data year."""
    findings = []
    ordered = sorted(manifest.releases, key=lambda r: r.date)
    for before, after in pairwise(ordered):
        if after.last_data_year < before.last_data_year:
            findings.append(Finding(
                "release_years", f"{manifest.path.name}, [releases.{after.name}]",
                f"release {after.name} (published {after.date}) has data to {after.last_data_year}, but the earlier "
                f"release {before.name} (published {before.date}) has data to {before.last_data_year}: the years go "
                "backwards. Check last_data_year and the release dates."))
    return findings


def release_reach(tables: dict[str, pd.DataFrame], release: DataRelease, project: Project) -> list[Finding]:
    """The SIPRI spending and transfers files of a release must reach its last data year (an older file under a
    newer release makes the years go backwards)."""
    findings = []
    newest: dict[str, tuple[int, object]] = {}
    milex = tables.get("milex")
    if milex is not None:
        valued = milex[milex["value"].notna()]
        if not valued.empty:
            newest["military expenditure"] = (int(valued["year"].max()), valued["source_file"].iloc[0])
    transfers = tables.get("transfers")
    if transfers is not None and len(transfers):
        years = [max(y) for y in transfers["delivery_years"] if len(y)]
        if years:
            newest["arms transfers (deliveries)"] = (int(max(years)), transfers["source_file"].iloc[0])
    for what, (year, file_id) in newest.items():
        if year < release.last_data_year:
            findings.append(Finding(
                "release_years", _file_of(project, release, file_id),
                f"the newest year of {what} is {year}, but release {release.name} declares data to "
                f"{release.last_data_year}: the file is from an older release, and the years would go backwards. "
                "Check the file's path in data/sources.toml."))
    return findings


def check_release_order(manifest: Manifest) -> None:
    """Raise PlausibilityError when the manifest's releases go backwards in their data years."""
    findings = release_order(manifest)
    if findings:
        raise PlausibilityError(manifest.releases[-1].name, "data stage", findings)


TABLES = ("milex", "nato", "transfers", "imports_tiv_totals", "exports_tiv_totals")


def table_findings(project: Project, release: DataRelease, tables: dict[str, pd.DataFrame],
                   countries: CountryTable) -> list[Finding]:
    """Every finding of the checks of a release's tidy tables (any of TABLES), accepted or not."""
    findings = release_reach(tables, release, project)
    if "milex" in tables:
        findings += spending_jumps(tables["milex"], countries, release, project)
    if "nato" in tables:
        findings += nato_aggregates(tables["nato"], countries, release, project)
    for name in ("imports_tiv_totals", "exports_tiv_totals"):
        if name in tables:
            findings += tiv_world_totals(tables[name], release, project, name.split("_")[0])
    return findings


def check_tables(project: Project, release: DataRelease, tables: dict[str, pd.DataFrame],
                 countries: CountryTable) -> None:
    """Run every check of a release's tidy tables; raise PlausibilityError listing the findings no data editor
    has accepted."""
    _raise_unaccepted(project, release, "metrics", table_findings(project, release, tables, countries))


def _period_end(period: str) -> int:
    return int(period.split("-")[-1])


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def check_metrics(project: Project, release: DataRelease, metrics: pd.DataFrame, countries: CountryTable) -> None:
    """Shares within [0, 1] and group figures equal to their members' sums; raise PlausibilityError if not."""
    findings = []
    shares = metrics[metrics["metric"].str.contains("share") & ~metrics["metric"].str.contains("rank")
                     & metrics["value"].notna()]
    for row in shares[(shares["value"] < 0) | (shares["value"] > 1)].itertuples(index=False):
        findings.append(Finding(
            "share_range", f"metrics.csv, {row.country} {row.metric} {row.period}",
            f"a share of {row.value:.4f} is outside [0, 1]; check the inputs of this figure ({row.source})"))
    additive = metrics[metrics["metric"].isin((*WINDOW_ADDITIVE, *YEARLY_ADDITIVE))]
    values = dict(zip(zip(additive["country"], additive["metric"], additive["period"], strict=True),
                      additive["value"], strict=True))
    groups = [g for g in metrics["country"].unique() if g in countries.entities and countries.kind(g) == "group"]
    for metric in (*WINDOW_ADDITIVE, *YEARLY_ADDITIVE):
        rows = additive[(additive["metric"] == metric) & additive["country"].isin(groups) & additive["value"].notna()]
        for row in rows.itertuples(index=False):
            members = countries.period_members(row.country, _period_end(row.period), release.last_data_year)
            parts = [values.get((m, metric, row.period)) for m in members]
            if metric in YEARLY_ADDITIVE and any(p is None or pd.isna(p) for p in parts):
                missing = [m for m, p in zip(members, parts, strict=True) if p is None or pd.isna(p)]
                findings.append(Finding(
                    "group_total", f"metrics.csv, {row.country} {metric} {row.period}",
                    f"a group total is given although member(s) {', '.join(missing)} have no figure"))
                continue
            total = float(sum(p for p in parts if p is not None and not pd.isna(p)))
            if not _close(total, float(row.value)):
                findings.append(Finding(
                    "group_total", f"metrics.csv, {row.country} {metric} {row.period}",
                    f"the group's figure is {row.value:,.3f} but its {len(members)} members sum to {total:,.3f}"))
    _raise_unaccepted(project, release, "metrics were written", findings)


def _raise_unaccepted(project: Project, release: DataRelease, stage: str, findings: Iterable[Finding]) -> None:
    reviewed = load_reviewed(project)
    open_findings = [f for f in findings if not reviewed.covers(f)]
    if open_findings:
        raise PlausibilityError(release.name, stage, open_findings)


def reviewed_text(project: Project) -> str:
    """The accepted findings' file text, an input of the metrics key ('' when absent): accepting a finding
    re-runs the checks."""
    path = project.root / REVIEWED_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else ""


EDITION_TOLERANCE = 0.01  # a final figure may move by 1% between NATO editions (rounding, exchange-rate updates)


def nato_edition_changes(base: pd.DataFrame, new: pd.DataFrame, new_file: str) -> list[Finding]:
    """A new NATO edition against the one it replaces, on the years both give as final (not estimates in the
    base): a figure that moved by more than EDITION_TOLERANCE is a finding, unless the new edition footnotes the
    country ('*': NATO's mark of revised figures in the 2025 edition). Figures of different definitions (NATO's
    core defence, from 2026) have other measure names and are not compared."""
    keys = ["code", "measure", "year"]
    final = base[~base["estimate"].astype(bool) & base["value"].notna()]
    merged = final.merge(new[[*keys, "value", "footnote", "source_ref"]], on=keys, suffixes=("_base", ""))
    moved = merged[(merged["value"] - merged["value_base"]).abs()
                   > EDITION_TOLERANCE * merged["value_base"].abs().clip(lower=1e-9)]
    findings = []
    for row in moved[~moved["footnote"].astype(bool)].itertuples(index=False):
        findings.append(Finding(
            "nato_revision", f"{new_file}, {row.source_ref}",
            f"{row.code} {row.measure} for {row.year} is {row.value:,.4g} in the new edition but {row.value_base:,.4g} "
            f"in the one it replaces ({row.value / row.value_base - 1:+.1%}), a final figure that NATO does not "
            "mark as revised: check both editions before accepting it", row.code, int(row.year)))
    return findings
