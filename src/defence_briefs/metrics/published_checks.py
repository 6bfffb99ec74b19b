"""Figures the publishers printed, and how the project computes each from a release's outputs.

Used twice: `tests/test_published_figures.py` checks each, and methodology.md renders them as a table.
A check with `known_gap` set does not reproduce within one point; the test pins the project's value to the
figure written in `known_gap`, and the methodology explains why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..countries import country_table
from ..data_stage import load_table
from ..metrics_stage import metrics_dir
from ..project import Project
from .dependency import Window, world_shares

SIPRI_AT_2025 = "SIPRI fact sheet 'Trends in international arms transfers, 2024' (March 2025)"
SIPRI_AT_2026 = "SIPRI fact sheet 'Trends in international arms transfers, 2025' (March 2026)"
SIPRI_MILEX_2025 = "SIPRI fact sheet 'Trends in world military expenditure, 2024' (April 2025)"
NATO_2024 = "NATO 'Defence Expenditure of NATO Countries (2014-2024)' (June 2024)"


@dataclass(frozen=True)
class PublishedFigure:
    """One printed figure and the project's computation of it (both fractions, or both in the unit given)."""

    publication: str
    release: str
    label: str
    published: float
    compute: Callable[[Project], float]
    unit: str = "share"
    known_gap: float | None = None  # the project's value where it does not reproduce within one point


def _bilateral(project: Project, release: str) -> pd.DataFrame:
    return pd.read_csv(metrics_dir(project, release) / "bilateral_tiv.csv")


@lru_cache(maxsize=4)
def _all_bilateral(project: Project, release: str) -> pd.DataFrame:
    """The release's full yearly matrix (all recipients), recomputed from the tidy tables once per release."""
    from ..ingest import PARSERS
    from ..manifest import load_manifest
    from . import bilateral_tiv
    from .release_metrics import EXACT_TABLES

    manifest = load_manifest(project.manifest_path, set(PARSERS))
    roles = manifest.release(release).files_by_role()
    exact = bilateral_tiv.exact_tiv({t: load_table(project, release, t) for t in EXACT_TABLES if t in roles})
    rows = bilateral_tiv.allocated_deal_years(load_table(project, release, "transfers"), exact)
    return bilateral_tiv.yearly_bilateral_tiv(rows, exact)


def _metric(project: Project, release: str, country: str, metric: str, period: str) -> float:
    frame = pd.read_csv(metrics_dir(project, release) / "metrics.csv", dtype={"period": str})
    hit = frame[(frame["country"] == country) & (frame["metric"] == metric) & (frame["period"] == period)]
    return float(hit["value"].iloc[0])


def sipri_european_nato(release: str, first: int, last: int, membership_year: int, what: str = "us_share") \
        -> Callable[[Project], float]:
    """SIPRI's 'European NATO states': NATO members in SIPRI's Europe region (without Türkiye)."""
    def compute(project: Project) -> float:
        members = [c for c in country_table().members("NATO_EUROPE", membership_year) if c != "TUR"]
        flows = _bilateral(project, release)
        window = flows[flows["year"].between(first, last) & flows["recipient"].isin(members)]
        if what == "us_share":
            return float(window.loc[window["supplier"] == "USA", "tiv"].sum() / window["tiv"].sum())
        before = flows[flows["year"].between(first - 5, last - 5) & flows["recipient"].isin(members)]
        return float(window["tiv"].sum() / before["tiv"].sum() - 1)
    return compute


def world_share(release: str, first: int, last: int, code: str, side: str) -> Callable[[Project], float]:
    def compute(project: Project) -> float:
        imports, exports = world_shares(_all_bilateral(project, release), Window(first, last))
        return float((imports if side == "imports" else exports)[code])
    return compute


def metric(release: str, country: str, name: str, period: str, scale: float = 1.0) -> Callable[[Project], float]:
    return lambda project: _metric(project, release, country, name, period) * scale


def regional(release: str, region: str, year: int, what: str) -> Callable[[Project], float]:
    def compute(project: Project) -> float:
        table = load_table(project, release, "milex_regional")
        rows = table[table["region"] == region]
        if what == "current_bn":
            return float(rows[(rows["prices"] == "current") & (rows["year"] == year)]["value_usd_bn"].iloc[0])
        constant = rows[rows["prices"] == "constant"].set_index("year")["value_usd_bn"]
        return float(constant[year] / constant[year - 1] - 1)
    return compute


def nato_allies_at_2pct(release: str, year: int) -> Callable[[Project], float]:
    def compute(project: Project) -> float:
        table = load_table(project, release, "nato")
        rows = table[(table["measure"] == "nato_share_of_gdp") & (table["year"] == year)]
        allies = rows[~rows["code"].isin(["NATO", "NATO_EUROPE_CANADA"])]
        return float((allies["value"] >= 0.02).sum())
    return compute


PUBLISHED: tuple[PublishedFigure, ...] = (
    PublishedFigure(SIPRI_AT_2025, "2025", "US share of European NATO states' arms imports, 2020-24", 0.64,
                    sipri_european_nato("2025", 2020, 2024, 2024)),
    PublishedFigure(SIPRI_AT_2025, "2025", "US share of European NATO states' arms imports, 2015-19", 0.52,
                    sipri_european_nato("2025", 2015, 2019, 2024)),
    PublishedFigure(SIPRI_AT_2025, "2025", "US share, NATO_EUROPE group as defined here (with Türkiye), 2020-24",
                    0.64, metric("2025", "NATO_EUROPE", "us_share_of_arms_imports", "2020-2024"), known_gap=0.601),
    PublishedFigure(SIPRI_AT_2025, "2025", "Change in European NATO states' arms imports, 2015-19 to 2020-24",
                    1.05, sipri_european_nato("2025", 2020, 2024, 2024, "change"), known_gap=0.988),
    PublishedFigure(SIPRI_AT_2025, "2025", "Ukraine's share of world arms imports, 2020-24", 0.088,
                    world_share("2025", 2020, 2024, "UKR", "imports")),
    PublishedFigure(SIPRI_AT_2025, "2025", "US share of world arms exports, 2020-24", 0.43,
                    world_share("2025", 2020, 2024, "USA", "exports")),
    PublishedFigure(SIPRI_AT_2025, "2025", "US share of world arms exports, 2015-19", 0.35,
                    world_share("2025", 2015, 2019, "USA", "exports")),
    PublishedFigure(SIPRI_AT_2026, "2026", "US share of world arms exports, 2021-25", 0.42,
                    world_share("2026", 2021, 2025, "USA", "exports")),
    PublishedFigure(SIPRI_MILEX_2025, "2025", "World military expenditure 2024, USD bn", 2718.0,
                    regional("2025", "World", 2024, "current_bn"), unit="USD bn"),
    PublishedFigure(SIPRI_MILEX_2025, "2025", "World military expenditure, real change 2024", 0.094,
                    regional("2025", "World", 2024, "real_change")),
    PublishedFigure(SIPRI_MILEX_2025, "2025", "Europe military expenditure 2024, USD bn", 693.0,
                    regional("2025", "Europe", 2024, "current_bn"), unit="USD bn"),
    PublishedFigure(SIPRI_MILEX_2025, "2025", "Europe military expenditure, real change 2024", 0.17,
                    regional("2025", "Europe", 2024, "real_change")),
    PublishedFigure(SIPRI_MILEX_2025, "2025", "Germany military expenditure 2024, USD bn", 88.5,
                    metric("2025", "DEU", "milex_current_usd", "2024", 1 / 1000), unit="USD bn"),
    PublishedFigure(NATO_2024, "2025", "Poland defence expenditure, share of GDP 2024e", 0.0412,
                    metric("2025", "POL", "nato_share_of_gdp", "2024")),
    PublishedFigure(NATO_2024, "2025", "Allies at or above 2% of GDP in 2024e", 23,
                    nato_allies_at_2pct("2025", 2024), unit="count"),
)


def tolerance(figure: PublishedFigure) -> float:
    """One percentage point for shares; the published rounding for amounts and counts."""
    return {"share": 0.01, "USD bn": 0.5, "count": 0.0}[figure.unit]


def _fmt(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "share" else f"{value:,.1f}" if unit == "USD bn" else f"{value:.0f}"


def published_markdown(project: Project) -> str:
    """Rows of the methodology's comparison table (publication, published, computed, note)."""
    lines = []
    for figure in PUBLISHED:
        value = figure.compute(project)
        note = "within rounding" if abs(value - figure.published) <= tolerance(figure) else \
            f"gap {value - figure.published:+.1%}, see below" if figure.unit == "share" else "gap, see below"
        lines.append(f"| {figure.publication}, release {figure.release}: {figure.label} | "
                     f"{_fmt(figure.published, figure.unit)} | {_fmt(value, figure.unit)} | {note} |")
    return "\n".join(lines) + "\n"
