"""Real data: the project's metrics against figures SIPRI and NATO printed, and properties of metrics.csv.

Each published figure (publication named in `PUBLISHED`) must be reproduced within one percentage point (or
the publisher's rounding); where it is not, `known_gap` states the project's value and methodology.md says why.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from defence_briefs.countries import country_table
from defence_briefs.methodology import allocation_markdown, block, published_markdown
from defence_briefs.metrics.catalogue import definition_of
from defence_briefs.metrics.published_checks import PUBLISHED, PublishedFigure, tolerance
from defence_briefs.metrics.weapon_categories import unmapped_descriptions
from defence_briefs.metrics_stage import load_metrics
from defence_briefs.project import Project

pytestmark = pytest.mark.realdata
RELEASES = ("2024", "2025", "2026")
COLUMNS = ["country", "metric", "period", "value", "unit", "source", "release", "estimate"]


@pytest.mark.parametrize("figure", PUBLISHED, ids=[f"{f.release}: {f.label}" for f in PUBLISHED])
def test_published_figure(real_project: Project, figure: PublishedFigure) -> None:
    value = figure.compute(real_project)
    if figure.known_gap is None:
        assert abs(value - figure.published) <= tolerance(figure), f"{figure.publication}: {figure.label}"
    else:
        # not reproduced: the gap is stated here and explained in methodology.md
        assert value == pytest.approx(figure.known_gap, abs=0.001), f"{figure.label}: published {figure.published}"


@pytest.mark.parametrize("release", RELEASES)
def test_metrics_csv_has_every_metric_for_every_country_with_data(real_project: Project, release: str) -> None:
    metrics = load_metrics(real_project, release)
    assert list(metrics.columns) == COLUMNS
    assert not metrics["value"].isna().any()
    assert [m for m in metrics["metric"].unique() if definition_of(m) is None] == []
    last = {"2024": 2023, "2025": 2024, "2026": 2025}[release]
    europe = country_table().members("EUROPE", last)
    window = f"{last - 4}-{last}"
    for metric, period in [("arms_imports_tiv", window), ("us_share_of_arms_imports", window),
                           ("european_share_of_arms_imports", window), ("supplier_hhi", window),
                           ("pending_orders_tiv", str(last)), ("milex_current_usd", str(last)),
                           ("milex_constant_usd", str(last))]:
        have = set(metrics[(metrics["metric"] == metric) & (metrics["period"] == period)]["country"])
        expected = set(europe) | {"EU27", "NATO_EUROPE", "EUROPE"}
        if "share" in metric or "hhi" in metric:  # a share of no imports is no figure (Iceland 2019-2023)
            imports = metrics[(metrics["metric"] == "arms_imports_tiv") & (metrics["period"] == period)]
            expected -= set(imports[imports["value"] == 0]["country"])
        assert expected <= have, metric
    # Iceland has no armed forces: SIPRI gives spending 0 (and a share of 0 or '...'); no gap can be derived
    iceland = metrics[(metrics["country"] == "ISL") & (metrics["period"] == str(last))].set_index("metric")["value"]
    assert iceland["milex_current_usd"] == 0 and iceland.get("milex_share_of_gdp", 0) == 0
    assert "gap_to_2pct_gdp_usd" not in iceland


@pytest.mark.parametrize("release", RELEASES)
def test_shares_are_fractions_that_add_up_and_groups_sum_their_members(real_project: Project, release: str) -> None:
    metrics = load_metrics(real_project, release)
    shares = metrics[metrics["unit"] == "fraction"]
    bounded = shares[shares["metric"].str.contains("share")]
    assert bounded["value"].between(0, 1).all()
    wide = metrics.pivot_table(index=["country", "period"], columns="metric", values="value")
    blocs = wide[["us_share_of_arms_imports", "european_share_of_arms_imports", "other_share_of_arms_imports"]]
    assert (blocs.dropna().sum(axis=1) - 1).abs().max() < 1e-9
    categories = wide[[c for c in wide.columns if c.startswith("category_share_")]].dropna()
    assert (categories.sum(axis=1) - 1).abs().max() < 1e-9
    last = int(release) - 1
    members = country_table().members("EU27", last)
    for metric, period in [("arms_imports_tiv", f"{last - 4}-{last}"), ("milex_current_usd", str(last))]:
        rows = metrics[(metrics["metric"] == metric) & (metrics["period"] == period)].set_index("country")["value"]
        assert rows["EU27"] == pytest.approx(rows[members].sum(), rel=1e-9)


def test_every_weapon_description_of_every_register_has_a_category(real_project: Project) -> None:
    from defence_briefs.data_stage import load_table
    for release, table in [("2024", "transfers"), ("2024", "transfers_oct2024_extract"), ("2025", "transfers"),
                           ("2026", "transfers")]:
        assert unmapped_descriptions(load_table(real_project, release, table)["weapon_description"]) == []


def test_methodology_tables_match_the_data(real_project: Project) -> None:
    page = (ROOT / "methodology.md").read_text(encoding="utf-8")
    assert block(page, "allocation") == allocation_markdown(real_project), "run `python build.py methodology`"
    assert block(page, "published") == published_markdown(real_project), "run `python build.py methodology`"


def test_estimate_flags_follow_the_sources(real_project: Project) -> None:
    metrics = load_metrics(real_project, "2025")
    nato = metrics[(metrics["metric"] == "nato_share_of_gdp") & (metrics["country"] == "POL")].set_index("period")
    assert nato.loc["2024", "estimate"] and not nato.loc["2022", "estimate"]  # NATO's '2024e'
    imports = metrics[(metrics["metric"] == "arms_imports_tiv") & (metrics["country"] == "POL")].set_index("period")
    assert imports.loc["2024", "estimate"] and not imports.loc["2015-2019", "estimate"]  # allocated vs exact
    assert pd.api.types.is_bool_dtype(metrics["estimate"])
