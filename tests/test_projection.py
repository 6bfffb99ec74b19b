"""The projection of deliveries from pending orders: each rule by hand, and the backtest on the real releases
within a stated bound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from defence_briefs.ingest import PARSERS
from defence_briefs.manifest import load_manifest
from defence_briefs.metrics import projection as pj
from defence_briefs.project import Project


def _order(pending: float, comments: str | None = None, delivered: float = 0.0, years: tuple = (),
           designation: str = "W") -> pd.Series:
    return pd.Series({"pending_tiv": pending, "comments": comments, "tiv_delivered": delivered,
                      "delivery_years": np.array(years, dtype=int), "weapon_designation": designation,
                      "recipient": "POL", "supplier": "USA"})


@pytest.mark.parametrize(("comments", "expected"), [
    ("EUR1 b deal; delivery planned 2026-2027", {2026: 50.0, 2027: 50.0}),
    ("delivery planned by 2028", {2026: 100 / 3, 2027: 100 / 3, 2028: 100 / 3}),
    ("delivery planned 2027", {2027: 100.0}),
    ("delivery planned 2024-2026", {2026: 100.0}),  # a schedule that has passed: what is left comes next year
    ("126 planned of which 48 ordered; delivery of 1st 75 planned by 2033", {y: 100 / 8 for y in range(2026, 2031)}),
])
def test_a_schedule_in_the_comment_spreads_the_order_over_its_years(comments: str, expected: dict) -> None:
    by_year, rule = pj.project_order(_order(100.0, comments), 2025, {})
    assert rule == "schedule"
    assert by_year == pytest.approx(expected)


def test_own_pace_then_the_designations_pace_then_evenly() -> None:
    # delivered 30 over 2023-2025: 10 a year until the 25 left are delivered
    by_year, rule = pj.project_order(_order(25.0, delivered=30.0, years=(2023, 2024, 2025)), 2025, {})
    assert rule == "own pace" and by_year == pytest.approx({2026: 10.0, 2027: 10.0, 2028: 5.0})
    by_year, rule = pj.project_order(_order(50.0, designation="K9"), 2025, {"K9": 20.0})
    assert rule == "designation pace" and by_year == pytest.approx({2026: 20.0, 2027: 20.0, 2028: 10.0})
    by_year, rule = pj.project_order(_order(50.0), 2025, {})
    assert rule == "even" and by_year == pytest.approx({y: 10.0 for y in range(2026, 2031)})
    # "from 2027" at the order's own pace, from that year
    by_year, _ = pj.project_order(_order(30.0, "delivery planned from 2027", 20.0, (2024, 2025)), 2025, {})
    assert by_year == pytest.approx({2027: 10.0, 2028: 10.0, 2029: 10.0})


def test_projection_metrics_by_hand() -> None:
    projected = pd.DataFrame({"recipient": ["POL", "POL", "DEU"], "supplier": ["USA", "KOR", "USA"],
                              "year": [2026, 2027, 2026], "tiv": [30.0, 10.0, 60.0]})
    out = pj.projection_metrics(projected, {"POL": ["POL"], "GROUP": ["POL", "DEU"]}, 2025, "reg")
    values = out.frame("t").set_index(["country", "metric", "period"])["value"]
    assert values["POL", "projected_arms_imports_tiv", "2026-2030"] == 40
    assert values["POL", "projected_us_share_of_arms_imports", "2026-2030"] == pytest.approx(0.75)
    assert values["GROUP", "projected_us_share_of_arms_imports", "2026-2030"] == pytest.approx(0.9)


@pytest.mark.realdata
def test_the_backtest_error_is_within_its_stated_bound(real_project: Project) -> None:
    """From the 2024 release's pending orders (end of 2023) against the deliveries the 2026 release records for
    2024-25. Measured on 2026-11-27: Europe's US share 52.9% projected, 46.4% recorded (6.6 points); median error
    over the 25 countries with at least 100 TIV recorded, 12.7 points. Bounds: 10 points for Europe, 15 for the
    median country."""
    from defence_briefs.validation.projection_backtest import backtest

    result = backtest(real_project, load_manifest(real_project.manifest_path, set(PARSERS)))
    assert result.years == (2024, 2025)
    assert result.group_share_error <= 0.10, result.group_share_error
    large = result.large()
    assert len(large) >= 20
    assert large["share_error"].median() <= 0.15, large
