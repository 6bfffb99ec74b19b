"""The real SIPRI, NATO and World Bank files, fetched through the mirror and ingested: figures the publishers printed.

Skipped, with the reason, when DEFENCE_DATA_MIRROR is not set (CI sets it to ../shared/data/raw).
Published figures quoted from: SIPRI Fact Sheet 'Trends in world military expenditure, 2024' (April 2025)
and '..., 2023' (April 2024); SIPRI Fact Sheet 'Trends in international arms transfers, 2023' (March 2024);
NATO press release 'Defence Expenditure of NATO Countries (2014-2024)' (17 June 2024).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from defence_briefs.countries import country_table
from defence_briefs.ingest.stage import load_table
from defence_briefs.project import Project

ROOT = Path(__file__).resolve().parents[1]
MIRROR = os.environ.get("DEFENCE_DATA_MIRROR")
pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not MIRROR, reason="DEFENCE_DATA_MIRROR is not set: no real raw files to test against"),
]


@pytest.fixture(scope="module")
def project(real_project: Project) -> Project:
    return real_project


def test_all_three_releases_ingested(project: Project) -> None:
    for release in ("2024", "2025", "2026"):
        assert (project.tidy_dir / release / "_release.json").is_file()
        assert (project.tidy_dir / release / "milex.parquet").is_file()
        assert (project.tidy_dir / release / "transfers.parquet").is_file()


@pytest.mark.parametrize(("release", "records", "us_records"),
                         [("2026", 29_916, 9_449), ("2025", 29_515, 9_480), ("2024", 29_056, 9_340)])
def test_trade_register_record_counts(project: Project, release: str, records: int, us_records: int) -> None:
    # Counts from PROVENANCE.md (records after rejoining split lines); 2025: 29,515 records.
    transfers = load_table(project, release, "transfers")
    assert len(transfers) == records
    assert (transfers["supplier"] == "USA").sum() == us_records


def test_oct2024_extract_holds_fewer_undelivered_orders(project: Project) -> None:
    extract = load_table(project, "2024", "transfers_oct2024_extract")
    assert len(extract) == 27_951


def _milex(project: Project, release: str, code: str, measure: str, year: int) -> float:
    milex = load_table(project, release, "milex")
    row = milex[(milex["code"] == code) & (milex["measure"] == measure) & (milex["year"] == year)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_sipri_2025_germany_and_poland(project: Project) -> None:
    # SIPRI April 2025: Germany spent $88.5 bn in 2024; Poland 4.2% of GDP.
    assert _milex(project, "2025", "DEU", "milex_current_usd", 2024) / 1000 == pytest.approx(88.5, abs=0.05)
    assert round(_milex(project, "2025", "POL", "milex_share_of_gdp", 2024) * 100, 1) == 4.2


def _regional(project: Project, release: str, region: str) -> pd.DataFrame:
    regional = load_table(project, release, "milex_regional")
    return regional[regional["region"] == region].set_index(["year", "prices"])["value_usd_bn"]


@pytest.mark.parametrize(("release", "region", "year", "total_bn", "real_growth"), [
    ("2025", "World", 2024, 2718, 0.094),   # SIPRI April 2025: $2,718 bn, +9.4 % in real terms
    ("2025", "Europe", 2024, 693, 0.17),    # Europe $693 bn, +17 %
    ("2024", "World", 2023, 2443, 0.068),   # SIPRI April 2024: $2,443 bn, +6.8 %
])
def test_sipri_world_and_europe_totals(project: Project, release: str, region: str, year: int, total_bn: float,
                                       real_growth: float) -> None:
    values = _regional(project, release, region)
    assert values[(year, "current")] == pytest.approx(total_bn, abs=0.5)
    growth = values[(year, "constant")] / values[(year - 1, "constant")] - 1
    assert round(growth, 3 if real_growth < 0.1 else 2) == real_growth


def test_nato_2024_allies_at_two_percent(project: Project) -> None:
    # NATO 17 June 2024: 23 Allies expected to meet 2% in 2024; Poland 4.12%; European Allies and Canada +17.9%.
    nato = load_table(project, "2026", "nato")
    share = nato[(nato["measure"] == "nato_share_of_gdp") & (nato["year"] == 2024)]
    kinds = share["code"].map(country_table().kind)
    assert bool(share["estimate"].all())
    assert int((share[kinds == "state"]["value"] >= 0.02).sum()) == 23
    assert round(float(share.loc[share["code"] == "POL", "value"].iloc[0]) * 100, 2) == 4.12
    change = nato[(nato["measure"] == "nato_real_change") & (nato["year"] == 2024)
                  & (nato["code"] == "NATO_EUROPE_CANADA")]
    assert round(float(change["value"].iloc[0]) * 100, 1) == 17.9


def test_sipri_2024_tiv_tables_shares(project: Project) -> None:
    # SIPRI March 2024: the US had 42% of world arms exports in 2019-23; Ukraine 4.9% of world imports.
    exports = load_table(project, "2024", "exports_tiv_totals")
    imports = load_table(project, "2024", "imports_tiv_totals")
    window = range(2019, 2024)

    def total(frame: pd.DataFrame, code: str) -> float:
        return float(frame[(frame["code"] == code) & frame["year"].isin(window)]["tiv"].sum())

    assert round(total(exports, "USA") / total(exports, "WLD"), 2) == 0.42
    assert round(total(imports, "UKR") / total(imports, "WLD") * 100, 1) == 4.9


def test_us_table_matches_the_export_totals(project: Project) -> None:
    # PROVENANCE: row sums of the US-by-recipient table match the US export totals within +-5 TIV a year.
    us = load_table(project, "2024", "us_exports_tiv").groupby("year")["tiv"].sum()
    exports = load_table(project, "2024", "exports_tiv_totals")
    totals = exports[exports["code"] == "USA"].set_index("year")["tiv"]
    diff = (us - totals).dropna().loc[1990:2023].abs()
    assert diff.max() <= 5


def test_every_european_country_has_spending_data(project: Project) -> None:
    milex = load_table(project, "2026", "milex")
    with_data = set(milex[milex["value"].notna() & (milex["year"] == 2025)]["code"])
    europe = set(country_table().members("EUROPE", 2025))
    assert europe - with_data == set()


def test_population_only_in_2026(project: Project) -> None:
    population = load_table(project, "2026", "population")
    assert population[(population["code"] == "POL") & (population["year"] == 2024)]["value"].iloc[0] > 36e6
    assert not (project.tidy_dir / "2025" / "population.parquet").exists()
