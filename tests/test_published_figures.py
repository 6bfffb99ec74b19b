"""Real data: the project's metrics against figures SIPRI and NATO printed, and properties of metrics.csv.

Two kinds (see `validation/published_figures.py`): reproductions, where the project's own method must give
SIPRI's figure (read from metrics.csv, tolerance 1 point for shares and 10 for growth rates), and parser
checks, where a publisher's total is read back from the publisher's own table. Each asserts against the
published value; no test compares with a value the project produced.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from defence_briefs.countries import country_table
from defence_briefs.ingest import PARSERS
from defence_briefs.ingest.stage import load_table
from defence_briefs.manifest import load_manifest
from defence_briefs.metrics.catalogue import definition_of
from defence_briefs.metrics.stage import load_metrics
from defence_briefs.metrics.weapon_categories import unmapped_descriptions
from defence_briefs.project import Project
from defence_briefs.validation.methodology import (
    allocation_markdown,
    bloc_allocation_markdown,
    block,
    last_year_markdown,
)
from defence_briefs.validation.published_figures import (
    PARSER_CHECKS,
    REPRODUCTIONS,
    ParserCheck,
    Reproduction,
    parser_checks_markdown,
    reproductions_markdown,
)

pytestmark = pytest.mark.realdata
RELEASES = ("2024", "2025", "2026")
COLUMNS = ["country", "metric", "period", "value", "unit", "source", "release", "estimate"]


@pytest.mark.parametrize("figure", REPRODUCTIONS, ids=[f"{f.release}: {f.label}" for f in REPRODUCTIONS])
def test_reproduced_by_the_method(real_project: Project, figure: Reproduction) -> None:
    value = figure.value(real_project)
    assert abs(value - figure.published) <= figure.tolerance, (
        f"{figure.source[0]}: {figure.label}: published {figure.published}, metrics.csv {value:.4f}")


@pytest.mark.parametrize("check", PARSER_CHECKS, ids=[f"{c.release}: {c.label}" for c in PARSER_CHECKS])
def test_read_back_from_the_publishers_table(real_project: Project, check: ParserCheck) -> None:
    assert abs(check.read(real_project) - check.published) <= check.tolerance + 1e-9, check.label


def test_every_european_importers_us_share_equals_sipris_2024_tables(real_project: Project) -> None:
    """Release 2024, US share of imports 2019-2023: SIPRI's US-exports-by-recipient table over its imports
    totals table (both 2024 release) against metrics.csv, for every European country with imports."""
    us = load_table(real_project, "2024", "us_exports_tiv")
    totals = load_table(real_project, "2024", "imports_tiv_totals")
    us = us[us["year"].between(2019, 2023)].groupby("recipient")["tiv"].sum()
    totals = totals[totals["year"].between(2019, 2023)].groupby("code")["tiv"].sum()
    metrics = load_metrics(real_project, "2024")
    ours = metrics[(metrics["metric"] == "us_share_of_arms_imports") & (metrics["period"] == "2019-2023")]
    ours = ours.set_index("country")["value"]
    checked, off = [], []
    for country in country_table().members("EUROPE", 2023):
        if totals.get(country, 0) <= 0:
            continue  # no imports in 2019-2023: no share
        sipri = us.get(country, 0.0) / totals[country]
        checked.append(country)
        if abs(ours[country] - sipri) > 0.002:
            off.append(f"{country}: SIPRI {sipri:.2%}, metrics.csv {ours[country]:.2%}")
    assert off == []
    assert len(checked) >= 38


def test_methodology_tables_match_the_data(real_project: Project) -> None:
    page = (ROOT / "methodology.md").read_text(encoding="utf-8")
    assert block(page, "allocation") == allocation_markdown(real_project), "run `python build.py methodology`"
    assert block(page, "allocation_blocs") == bloc_allocation_markdown(real_project), \
        "run `python build.py methodology`"
    manifest = load_manifest(real_project.root / "data" / "sources.toml", set(PARSERS))
    assert block(page, "allocation_last_year") == last_year_markdown(real_project, manifest), \
        "run `python build.py methodology`"
    assert block(page, "reproduced") == reproductions_markdown(real_project), "run `python build.py methodology`"
    assert block(page, "parser_checks") == parser_checks_markdown(real_project), "run `python build.py methodology`"


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
        if not metric.startswith(("milex", "pending")):
            expected |= {"SIPRI_EUROPE", "SIPRI_EURO_NATO"}
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
    for release, table in [("2024", "transfers"), ("2024", "transfers_oct2024_extract"), ("2025", "transfers"),
                           ("2026", "transfers")]:
        assert unmapped_descriptions(load_table(real_project, release, table)["weapon_description"]) == []


def test_estimate_flags_follow_the_sources(real_project: Project) -> None:
    metrics = load_metrics(real_project, "2025")
    nato = metrics[(metrics["metric"] == "nato_share_of_gdp") & (metrics["country"] == "POL")].set_index("period")
    assert nato.loc["2024", "estimate"] and not nato.loc["2022", "estimate"]  # NATO's '2024e'
    imports = metrics[(metrics["metric"] == "arms_imports_tiv") & (metrics["country"] == "POL")].set_index("period")
    # 2024: SIPRI's own 2024 pairs of the 2025 release, as printed: Poland's 1,450 (A7 in PROVENANCE.md), no estimate
    assert imports.loc["2024", "value"] == 1450 and not imports.loc["2024", "estimate"]
    # 2015-19 is the 2025 register's, and deals delivered over years on both sides of 2015 or 2019 are split: estimate
    assert imports.loc["2015-2019", "estimate"]
    # in release 2024 the same window is the 2024 release's own totals, as printed
    older = load_metrics(real_project, "2024")
    older = older[(older["metric"] == "arms_imports_tiv") & (older["country"] == "POL")].set_index("period")
    assert not older.loc["2015-2019", "estimate"]
    assert pd.api.types.is_bool_dtype(metrics["estimate"])
