"""Figures the publishers printed, in two kinds that must not be confused.

- `REPRODUCTIONS`: a figure SIPRI computed (a share, a growth rate) that the project computes by its own method;
  the project's value is read from a release's metrics.csv, as a reader would find it. Evidence for the method.
- `PARSER_CHECKS`: a publisher's own total read back from the publisher's own table (world spending, NATO's
  count of allies at 2%). Evidence that the file was parsed right, nothing more.

Each published value is quoted with its publication and the place it was read; the tests assert the project's
value against it within the stated tolerance (points for shares and growth rates, the publisher's rounding for
amounts). `tests/test_published_figures.py` runs them; `methodology.md` shows them as two tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..briefs.text import dash_periods
from ..ingest.stage import load_table
from ..metrics.stage import load_metrics
from ..project import Project

AT_2024 = ("SIPRI press release of 11 March 2024 on the fact sheet 'Trends in international arms transfers, 2023'",
           "the press release as reproduced at https://www.blaetter.de/dokumente/die-waffenimporte-in-europa-haben-"
           "sich-zwischen-2019-und-2023-verdoppelt")
AT_2025_TITLE = "SIPRI fact sheet 'Trends in international arms transfers, 2024' (10 March 2025)"
AT_2025 = (AT_2025_TITLE, "SIPRI's press release as reported by Politico "
           "(https://www.politico.eu/article/us-dominates-european-weapons-purchases-report/)")
AT_2025_AFP = (AT_2025_TITLE, "SIPRI's press release as reported by AFP and The Hindu "
               "(https://webjosh.com/article/europe-s-dependence-on-u-s-arms-rose-in-last-five-years-says-report-"
               "1741582097-6462)")
AT_2025_UNITED24 = (AT_2025_TITLE, "SIPRI's press release as reported by United24 (https://united24media.com/"
                    "latest-news/ukraine-becomes-the-worlds-largest-weapons-importer-with-half-coming-from-the-us-6560)")
AT_2025_EUROPE = (AT_2025_TITLE, "SIPRI's press release as reported by ogreszinas.news "
                  "(https://ogreszinas.news/?p=24408)")
AT_2025_US_EUROPE = (AT_2025_TITLE, "SIPRI's press release as reported by online.ua (https://news.online.ua/en/"
                     "ukraine-increased-imports-of-major-weapons-100-times-891528/)")
AT_2025_WORLD = ("SIPRI Yearbook 2025, summary of the chapter on international arms transfers",
                 "https://www.sipri.org/uk/node/7510")
AT_2026 = ("SIPRI fact sheet 'Trends in international arms transfers, 2025' (9 March 2026)",
           "SIPRI's press release as reported by AFP (https://www.koreaherald.com/article/10689988)")
AT_2026_US_EUROPE = ("SIPRI fact sheet 'Trends in international arms transfers, 2025' (9 March 2026)",
                     "SIPRI's press release as reported by Magyar Nemzet "
                     "(https://magyarnemzet.hu/kulfold/2026/03/fegyver-import-europa-ukrajna)")
MILEX_2024 = ("SIPRI fact sheet 'Trends in world military expenditure, 2023' (April 2024)", "sipri.org")
MILEX_2025 = ("SIPRI fact sheet 'Trends in world military expenditure, 2024' (April 2025)", "sipri.org")
NATO_2024 = ("NATO, 'Defence Expenditure of NATO Countries (2014-2024)' (17 June 2024)", "nato.int")

SHORT_NAMES = {AT_2024[0]: "SIPRI press release, March 2024", AT_2025_TITLE: "SIPRI fact sheet, March 2025",
               AT_2025_WORLD[0]: "SIPRI Yearbook 2025", AT_2026[0]: "SIPRI fact sheet, March 2026",
               MILEX_2024[0]: "SIPRI fact sheet, April 2024", MILEX_2025[0]: "SIPRI fact sheet, April 2025",
               NATO_2024[0]: "NATO, June 2024"}
SHARE_TOLERANCE = 0.01  # one percentage point
GROWTH_TOLERANCE = 0.10  # ten percentage points


@dataclass(frozen=True)
class Reproduction:
    """A figure SIPRI printed and the metrics.csv row in which the project computes it by its own method."""

    source: tuple[str, str]  # publication, where its wording was read
    release: str
    label: str
    quote: str
    published: float  # a fraction (0.64) or a growth rate (1.05 = +105%)
    country: str
    metric: str
    period: str

    @property
    def kind(self) -> str:
        return "growth" if self.metric.endswith("_change") else "share"

    @property
    def tolerance(self) -> float:
        return GROWTH_TOLERANCE if self.kind == "growth" else SHARE_TOLERANCE

    def value(self, project: Project) -> float:
        """The project's figure, read from the release's metrics.csv."""
        frame = _metrics(project, self.release)
        hit = frame[(frame["country"] == self.country) & (frame["metric"] == self.metric)
                    & (frame["period"] == self.period)]
        if len(hit) != 1:
            raise LookupError(f"metrics.csv of release {self.release}: no row {self.country} {self.metric} "
                              f"{self.period}")
        return float(hit["value"].iloc[0])


@dataclass(frozen=True)
class ParserCheck:
    """A publisher's total read back from the publisher's own table (checks the parser, not the method)."""

    source: tuple[str, str]
    release: str
    label: str
    published: float
    read: Callable[[Project], float]
    unit: str  # "USD bn", "share", "count"

    @property
    def tolerance(self) -> float:
        """The publisher's rounding: $0.5 bn, 0.05 points on a share printed to one decimal, none on a count."""
        return {"USD bn": 0.5, "share": 0.0005, "count": 0.0}[self.unit]


@lru_cache(maxsize=4)
def _metrics(project: Project, release: str) -> pd.DataFrame:
    return load_metrics(project, release)


REPRODUCTIONS: tuple[Reproduction, ...] = (
    Reproduction(AT_2024, "2024", "US share of European states' arms imports, 2019-23",
                  "Around 55 per cent of arms imports by European states in 2019-23 were supplied by the USA",
                  0.55, "SIPRI_EUROPE", "us_share_of_arms_imports", "2019-2023"),
    Reproduction(AT_2025, "2025", "US share of European NATO states' arms imports, 2020-24",
                  "The United States provided 64% of these weapons", 0.64, "SIPRI_EURO_NATO",
                  "us_share_of_arms_imports", "2020-2024"),
    Reproduction(AT_2025, "2025", "US share of European NATO states' arms imports, 2015-19",
                  "compared to 52% [in 2015-19]", 0.52, "SIPRI_EURO_NATO", "us_share_of_arms_imports", "2015-2019"),
    Reproduction(AT_2025_AFP, "2025", "Change in European NATO states' arms imports, 2015-19 to 2020-24",
                  "arms imports by European NATO members rose by 105%", 1.05, "SIPRI_EURO_NATO",
                  "arms_imports_change", "2020-2024"),
    Reproduction(AT_2025, "2025", "Change in European states' arms imports, 2015-19 to 2020-24",
                  "European arms imports shot up by 155 percent", 1.55, "SIPRI_EUROPE", "arms_imports_change",
                  "2020-2024"),
    Reproduction(AT_2025_EUROPE, "2025", "Europe's share of world arms imports, 2020-24",
                  "Europe as a whole accounted for 28% of global arms imports in 2020-2024", 0.28, "SIPRI_EUROPE",
                  "share_of_world_arms_imports", "2020-2024"),
    Reproduction(AT_2025_EUROPE, "2025", "Europe's share of world arms imports, 2015-19", "up from 11% in 2015-2019",
                  0.11, "SIPRI_EUROPE", "share_of_world_arms_imports", "2015-2019"),
    Reproduction(AT_2025_UNITED24, "2025", "Ukraine's share of world arms imports, 2020-24",
                  "Ukraine [received] 8.8% of global arms imports", 0.088, "UKR", "share_of_world_arms_imports",
                  "2020-2024"),
    Reproduction(AT_2025_UNITED24, "2025", "US share of world arms exports, 2020-24", "43% in 2020-2024", 0.43, "USA",
                  "share_of_world_arms_exports", "2020-2024"),
    Reproduction(AT_2025_UNITED24, "2025", "US share of world arms exports, 2015-19", "from 35% in 2015-2019", 0.35,
                  "USA", "share_of_world_arms_exports", "2015-2019"),
    Reproduction(AT_2025_US_EUROPE, "2025", "Share of US arms exports that went to Europe, 2020-24",
                  "the largest share of American arms exports went to Europe (35%)", 0.35, "USA",
                  "share_of_arms_exports_to_SIPRI_EUROPE", "2020-2024"),
    Reproduction(AT_2025_WORLD, "2025", "Change in the world's arms transfers, 2015-19 to 2020-24",
                  "The volume of transfers in the five-year period 2020-24 was 0.6 per cent lower than in 2015-19",
                  -0.006, "WLD", "arms_imports_change", "2020-2024"),
    Reproduction(AT_2026, "2026", "Europe's share of world arms imports, 2021-25",
                  "European countries accounted for 33 percent of global arms imports", 0.33, "SIPRI_EUROPE",
                  "share_of_world_arms_imports", "2021-2025"),
    Reproduction(AT_2026, "2026", "Europe's share of world arms imports, 2016-20",
                  "up from 12% in the previous five-year period", 0.12, "SIPRI_EUROPE",
                  "share_of_world_arms_imports", "2016-2020"),
    Reproduction(AT_2026, "2026", "Change in European states' arms imports, 2016-20 to 2021-25",
                  "increasing their imports by 210 percent from the previous five-year period", 2.10,
                  "SIPRI_EUROPE", "arms_imports_change", "2021-2025"),
    Reproduction(AT_2026, "2026", "US share of European states' arms imports, 2021-25",
                  "Almost half of weapons to Europe, 48 percent, came from the US", 0.48, "SIPRI_EUROPE",
                  "us_share_of_arms_imports", "2021-2025"),
    Reproduction(AT_2026, "2026", "US share of world arms exports, 2021-25",
                  "accounting for 42 percent of all international arms transfers", 0.42, "USA",
                  "share_of_world_arms_exports", "2021-2025"),
    Reproduction(AT_2026, "2026", "US share of world arms exports, 2016-20",
                  "up from 36 percent in the previous five years", 0.36, "USA", "share_of_world_arms_exports",
                  "2016-2020"),
    Reproduction(AT_2026_US_EUROPE, "2026", "Share of US arms exports that went to Europe, 2021-25",
                  "the largest share of US arms exports went to Europe in 2021-25 (38%)", 0.38, "USA",
                  "share_of_arms_exports_to_SIPRI_EUROPE", "2021-2025"),
    Reproduction(AT_2026_US_EUROPE, "2026", "Ukraine's share of world arms imports, 2021-25",
                  "Kyiv received 9.7% of global arms imports in 2021-25", 0.097, "UKR",
                  "share_of_world_arms_imports", "2021-2025"),
    Reproduction(AT_2026, "2026", "Change in the world's arms transfers, 2016-20 to 2021-25",
                  "The volume of worldwide arms flows grew by 9.2 percent", 0.092, "WLD", "arms_imports_change",
                  "2021-2025"),
)


def regional(release: str, region: str, year: int, what: str) -> Callable[[Project], float]:
    """SIPRI's regional total (current USD bn) or its real change, from the workbook's 'Regional totals'."""
    def read(project: Project) -> float:
        table = load_table(project, release, "milex_regional")
        rows = table[table["region"] == region]
        if what == "current_bn":
            return float(rows[(rows["prices"] == "current") & (rows["year"] == year)]["value_usd_bn"].iloc[0])
        constant = rows[rows["prices"] == "constant"].set_index("year")["value_usd_bn"]
        return float(constant[year] / constant[year - 1] - 1)
    return read


def milex(release: str, code: str, measure: str, year: int, scale: float = 1.0) -> Callable[[Project], float]:
    """A country's figure as SIPRI's workbook gives it."""
    def read(project: Project) -> float:
        table = load_table(project, release, "milex")
        row = table[(table["code"] == code) & (table["measure"] == measure) & (table["year"] == year)]
        return float(row["value"].iloc[0]) * scale
    return read


def nato(release: str, code: str, measure: str, year: int) -> Callable[[Project], float]:
    def read(project: Project) -> float:
        table = load_table(project, release, "nato")
        row = table[(table["code"] == code) & (table["measure"] == measure) & (table["year"] == year)]
        return float(row["value"].iloc[0])
    return read


def nato_allies_at_2pct(release: str, year: int) -> Callable[[Project], float]:
    def read(project: Project) -> float:
        table = load_table(project, release, "nato")
        rows = table[(table["measure"] == "nato_share_of_gdp") & (table["year"] == year)]
        allies = rows[~rows["code"].isin(["NATO", "NATO_EUROPE_CANADA"])]
        return float((allies["value"] >= 0.02).sum())
    return read


PARSER_CHECKS: tuple[ParserCheck, ...] = (
    ParserCheck(MILEX_2025, "2025", "World military expenditure 2024, USD bn", 2718.0,
                regional("2025", "World", 2024, "current_bn"), "USD bn"),
    ParserCheck(MILEX_2025, "2025", "Europe military expenditure 2024 (SIPRI's Europe, with Russia), USD bn", 693.0,
                regional("2025", "Europe", 2024, "current_bn"), "USD bn"),
    ParserCheck(MILEX_2025, "2025", "Germany military expenditure 2024, USD bn", 88.5,
                milex("2025", "DEU", "milex_current_usd", 2024, 1 / 1000), "USD bn"),
    ParserCheck(MILEX_2024, "2024", "World military expenditure 2023, USD bn", 2443.0,
                regional("2024", "World", 2023, "current_bn"), "USD bn"),
    ParserCheck(NATO_2024, "2025", "Poland defence expenditure, share of GDP 2024e", 0.0412,
                nato("2025", "POL", "nato_share_of_gdp", 2024), "share"),
    ParserCheck(NATO_2024, "2025", "Allies at or above 2% of GDP in 2024e", 23, nato_allies_at_2pct("2025", 2024),
                "count"),
)


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _growth(value: float) -> str:
    return f"{value:+.0%}" if abs(value) >= 0.1 else f"{value:+.1%}"


def _points(gap: float) -> str:
    return f"{gap * 100:+.1f} points".replace("-", "\u2212")


def reproductions_markdown(project: Project) -> str:
    """The table of figures reproduced by the project's method (methodology.md)."""
    lines = ["| Publication | Release | Figure | Published | This project | metrics.csv row | Gap | Tolerance |",
             "|---|---|---|---|---|---|---|---|"]
    for figure in REPRODUCTIONS:
        value = figure.value(project)
        fmt = _growth if figure.kind == "growth" else _percent
        tolerance = round(figure.tolerance * 100)
        lines.append(f"| {SHORT_NAMES[figure.source[0]]} | {figure.release} | {dash_periods(figure.label)} | "
                     f"{fmt(figure.published)} | {fmt(value)} | `{figure.country} {figure.metric} {figure.period}` | "
                     f"{_points(value - figure.published)} | {tolerance} point{'s' if tolerance != 1 else ''} |")
    return "\n".join(lines) + "\n"


def _amount(value: float, unit: str) -> str:
    return {"USD bn": f"${value:,.1f} bn", "share": f"{value:.2%}", "count": f"{value:.0f}"}[unit]


def parser_checks_markdown(project: Project) -> str:
    """The table of publishers' totals read back from their own tables (methodology.md)."""
    lines = ["| Publication | Release | Figure | Published | Read from the file | Tolerance |",
             "|---|---|---|---|---|---|"]
    for check in PARSER_CHECKS:
        lines.append(f"| {SHORT_NAMES[check.source[0]]} | {check.release} | {dash_periods(check.label)} | "
                     f"{_amount(check.published, check.unit)} "
                     f"| {_amount(check.read(project), check.unit)} | {_amount(check.tolerance, check.unit)} |")
    return "\n".join(lines) + "\n"


def sources_markdown() -> str:
    """Where each publication's wording was read (methodology.md)."""
    seen = dict.fromkeys(f.source for f in (*REPRODUCTIONS, *PARSER_CHECKS))
    return "\n".join(f"- {SHORT_NAMES[publication]}: {dash_periods(publication, shorten=False)}; read in {where}"
                     for publication, where in seen) + "\n"
