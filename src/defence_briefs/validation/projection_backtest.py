"""The projection's backtest: project from an earlier release's pending orders, compare with the deliveries a
later release records for the years in between.

From the 2024 release (data to 2023), the orders pending at the end of 2023 are projected over 2024-2028
(metrics/projection.py); the 2026 release records the deliveries of 2024 and 2025. The projection leaves out
orders placed after 2023, so its volume falls short by what those delivered; the US share is the figure the
briefs quote, so its error is the one that matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..briefs.text import dash_periods
from ..countries import country_table
from ..ingest.stage import load_table
from ..manifest import Manifest
from ..metrics.dependency import US, pending_orders
from ..metrics.projection import project_deliveries
from ..metrics.stage import metrics_dir
from ..project import Project

FROM_RELEASE, TO_RELEASE = "2024", "2026"
GROUP = "EUROPE"
LARGE = 100.0  # TIV: countries with at least this much recorded in the backtest years are compared one by one


@dataclass(frozen=True)
class Backtest:
    """The projection from FROM_RELEASE against what TO_RELEASE records, per country and for the group."""

    years: tuple[int, ...]
    per_country: pd.DataFrame  # recipient, projected, recorded, projected_us_share, recorded_us_share
    group_projected: float
    group_recorded: float
    group_projected_us_share: float
    group_recorded_us_share: float

    @property
    def group_share_error(self) -> float:
        return abs(self.group_projected_us_share - self.group_recorded_us_share)

    def large(self) -> pd.DataFrame:
        rows = self.per_country[self.per_country["recorded"] >= LARGE].copy()
        rows["share_error"] = (rows["projected_us_share"] - rows["recorded_us_share"]).abs()
        return rows.sort_values("recorded", ascending=False)


def backtest(project: Project, manifest: Manifest) -> Backtest:
    """Project FROM_RELEASE's pending orders over the years TO_RELEASE adds, and compare."""
    early, late = manifest.release(FROM_RELEASE), manifest.release(TO_RELEASE)
    last = early.last_data_year
    years = tuple(range(last + 1, late.last_data_year + 1))
    codes = country_table().members(GROUP, last)
    transfers = load_table(project, FROM_RELEASE, "transfers")
    pending = pending_orders(transfers, last)
    projected = project_deliveries(pending[pending["recipient"].isin(codes)], transfers, last)
    projected = projected[projected["year"].isin(years)]
    recorded = pd.read_csv(metrics_dir(project, TO_RELEASE) / "bilateral_tiv.csv")
    recorded = recorded[recorded["year"].isin(years) & recorded["recipient"].isin(codes)]

    def totals(frame: pd.DataFrame) -> pd.DataFrame:
        by = frame.groupby("recipient")["tiv"]
        us = frame[frame["supplier"] == US].groupby("recipient")["tiv"].sum()
        return pd.DataFrame({"total": by.sum(), "us": us}).fillna(0.0)

    p, r = totals(projected), totals(recorded)
    table = pd.DataFrame({"projected": p["total"], "recorded": r["total"]}).fillna(0.0)
    table["projected_us_share"] = p["us"] / p["total"]
    table["recorded_us_share"] = r["us"] / r["total"]
    table = table.rename_axis("recipient").reset_index()
    return Backtest(years, table, float(p["total"].sum()), float(r["total"].sum()),
                    float(p["us"].sum() / p["total"].sum()), float(r["us"].sum() / r["total"].sum()))


def backtest_markdown(project: Project, manifest: Manifest) -> str:
    """The backtest as the methodology's generated block."""
    result = backtest(project, manifest)
    large = result.large()
    span = f"{result.years[0]}-{str(result.years[-1])[2:]}"
    errors = large["share_error"]
    lines = [
        f"Orders pending at the end of {result.years[0] - 1} (release {FROM_RELEASE}), projected, against the "
        f"deliveries release {TO_RELEASE} records for {span}, for the European countries of the briefs:",
        "",
        "| | Projected | Recorded |", "|---|---|---|",
        f"| Deliveries, {span} (TIV m) | {result.group_projected:,.0f} | {result.group_recorded:,.0f} |",
        f"| US share | {result.group_projected_us_share:.1%} | {result.group_recorded_us_share:.1%} |",
        "",
        f"Error of Europe's US share: {result.group_share_error * 100:.1f} points. The projected volume is "
        f"{result.group_projected / result.group_recorded:.0%} of the recorded one: orders placed after "
        f"{result.years[0] - 1} (aid to Ukraine above all) delivered part of what was recorded, while some "
        "projected deliveries slipped.",
        f"Countries with at least {LARGE:,.0f} TIV recorded ({len(large)}): error of the US share, median "
        f"{errors.median() * 100:.1f} points, mean {errors.mean() * 100:.1f}, largest "
        f"{errors.max() * 100:.1f} ({large.loc[errors.idxmax(), 'recipient']}); within 10 points for "
        f"{int((errors <= 0.10).sum())} of {len(large)}.",
        "",
        "| Recipient | Projected (TIV m) | Recorded (TIV m) | US share, projected | US share, recorded |",
        "|---|---|---|---|---|",
    ]
    for row in large.head(12).itertuples():
        lines.append(f"| {row.recipient} | {row.projected:,.0f} | {row.recorded:,.0f} | "
                     f"{row.projected_us_share:.0%} | {row.recorded_us_share:.0%} |")
    return dash_periods("\n".join(lines) + "\n")
