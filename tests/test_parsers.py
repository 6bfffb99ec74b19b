"""Each parser on the hand-written fixtures: expected values computed by hand from the fixture text."""

from __future__ import annotations

import math
from pathlib import Path

import fixture_files as ff
import pytest

from defence_briefs.countries import country_table
from defence_briefs.errors import InputError
from defence_briefs.ingest import nato, sipri_milex, sipri_register, sipri_tiv_tables, worldbank
from defence_briefs.ingest.base import column_letter


def _write(tmp_path: Path, file_id: str) -> Path:
    return ff.write_fixture_file(file_id, tmp_path / Path(ff.FIXTURE_FILES[file_id][0]).name)


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (2, "B"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"),
                                                 (702, "ZZ"), (703, "AAA"), (16384, "XFD")])
def test_column_letter_names_columns_as_spreadsheets_do(number: int, letters: str) -> None:
    # XFD: the last column of an .xlsx sheet (16,384 columns)
    assert column_letter(number) == letters


def test_register_rejoins_split_records_and_keeps_undelivered_orders(tmp_path: Path) -> None:
    tables = sipri_register.parse(_write(tmp_path, "register"), "register.csv", country_table())
    deals = tables[""]
    assert len(deals) == 7  # 8 physical record lines, one record broken over two of them
    f35 = deals[deals["weapon_designation"] == "F-35A"].iloc[0]
    assert f35["comments"] == "For nuclear sharing role; incl  weapons; replacing Tornado"
    assert f35["tiv_order"] == 3150 and math.isnan(f35["tiv_delivered"])
    assert bool(f35["order_year_uncertain"]) and list(f35["delivery_years"]) == []
    assert f35["source_ref"] == "line 16"
    k2 = deals[(deals["weapon_designation"] == "K2") & (deals["order_year"] == 2022)].iloc[0]
    assert list(k2["delivery_years"]) == [2023, 2024, 2025]
    assert bool(k2["number_ordered_uncertain"]) and bool(k2["number_delivered_uncertain"])
    assert k2["recipient"] == "POL" and k2["supplier"] == "KOR" and k2["tiv_delivered"] == 276
    pending = deals[(deals["weapon_designation"] == "K2") & (deals["order_year"] == 2025)].iloc[0]
    assert pending["number_delivered"] == 0 and list(pending["delivery_years"]) == []
    assert set(deals["weapon_designation"]) >= {"Wärtsilä 31", "Bü-181"}  # Latin-1 decoded
    aid = deals[deals["weapon_designation"] == "Bü-181"].iloc[0]
    assert aid["comments"] == "Aid; via member states" and aid["supplier"] == "ORG_NATO"
    assert set(deals[deals["recipient_name"] == "PKK (Turkiye)*"]["recipient"]) == {"NSA_PKK"}
    assert deals["tiv_delivered"].sum() == pytest.approx(600 + 276 + 1 + 2 + 0.5)
    info = dict(zip(tables["info"]["key"], tables["info"]["value"], strict=True))
    assert info["data_generated"] == "18 May 2026 2:29:20 PM"


def test_milex_long_table_with_missing_reasons_and_flags(tmp_path: Path) -> None:
    tables = sipri_milex.parse(_write(tmp_path, "milex"), "milex.xlsx", country_table())
    milex = tables[""].set_index(["code", "measure", "year"])
    assert milex.loc[("DEU", "milex_current_usd", 2024), "value"] == pytest.approx(88458.5)
    assert milex.loc[("POL", "milex_share_of_gdp", 2024), "value"] == pytest.approx(0.0415)
    constant = milex.loc[("POL", "milex_constant_usd", 2024)]
    assert constant["base_year"] == 2023 and constant["unit"] == "USD m, constant 2023 prices"
    assert constant["source_ref"] == "sheet 'Constant (2023) US$', row 11, column F"
    kosovo = milex.loc[("XKX", "milex_current_usd", 2022)]
    assert math.isnan(kosovo["value"]) and kosovo["missing_reason"] == "data unavailable"
    assert kosovo["flags"] == "§"
    assert milex.loc[("YUG", "milex_share_of_gdp", 2023), "missing_reason"].startswith("country did not exist")
    turkey = milex.loc[("TUR", "milex_current_usd", 2024)]
    assert math.isnan(turkey["value"]) and turkey["missing_reason"] == "data unavailable"  # the '…' marker
    assert turkey["flags"] == "‖" and turkey["footnotes"] == "12"
    assert len(tables[""]) == 5 * 5 * 3  # countries x sheets x years; region labels skipped
    regional = tables["regional"].set_index(["region", "year", "prices"])
    assert regional.loc[("World", 2024, "current"), "value_usd_bn"] == pytest.approx(2718.2)
    assert regional.loc[("World", 2024, "constant"), "price_year"] == 2023
    assert regional.loc[("Central Asia", 2022, "constant"), "missing_reason"].startswith("country did not")
    assert regional.loc[("Central Asia", 2022, "constant"), "omitted_countries"] == "Turkmenistan"


def test_tiv_export_table_keeps_non_empty_cells(tmp_path: Path) -> None:
    frame = sipri_tiv_tables.parse_export_table(_write(tmp_path, "tiv_usa"), "usa.csv", country_table())[""]
    assert len(frame) == 7  # non-empty cells: Germany 2, Poland 3, Turkey 2
    values = frame.set_index(["recipient", "year"])["tiv"]
    assert values[("POL", 2020)] == 79 and values[("TUR", 2019)] == 0 and ("DEU", 2020) not in values.index
    assert set(frame["supplier"]) == {"USA"}
    assert frame["tiv"].sum() == 430  # the table's own Total row


def test_us_exports_table_with_supplier_on_first_row_only(tmp_path: Path) -> None:
    frame = sipri_tiv_tables.parse_us_exports(_write(tmp_path, "us_exports"), "us.csv", country_table())[""]
    values = frame.set_index(["recipient", "year"])["tiv"]
    assert values[("POL", 2023)] == 634 and values[("UKR", 2023)] == 1200 and values[("NLD", 2021)] == 0
    assert len(frame) == 9 and set(frame["supplier"]) == {"USA"}


def test_totals_tables_detect_direction_and_world_row(tmp_path: Path) -> None:
    imports = sipri_tiv_tables.parse_totals(_write(tmp_path, "import_totals"), "imp.csv", country_table())[""]
    assert set(imports["direction"]) == {"imports"}
    values = imports.set_index(["code", "year"])["tiv"]
    assert values[("WLD", 2023)] == 3700 and values[("UKR", 2022)] == 2000 and values[("NSA_MTA", 2022)] == 0
    assert 2024 not in set(imports["year"])  # the empty 2024 column: no data yet
    exports = sipri_tiv_tables.parse_totals(_write(tmp_path, "export_totals"), "exp.csv", country_table())[""]
    assert set(exports["direction"]) == {"exports"}
    assert exports.set_index(["code", "year"])["tiv"][("USA", 2022)] == 4000


def test_nato_tables_fractions_estimates_and_flags(tmp_path: Path) -> None:
    frame = nato.parse(_write(tmp_path, "nato"), "nato.xlsx", country_table())[""]
    indexed = frame.set_index(["code", "measure", "year"])
    poland = indexed.loc[("POL", "nato_share_of_gdp", 2024)]
    assert poland["value"] == pytest.approx(0.0412) and bool(poland["estimate"]) and bool(poland["national_2pct_law"])
    assert not bool(indexed.loc[("POL", "nato_share_of_gdp", 2022), "estimate"])
    assert indexed.loc[("SVK", "nato_equipment_share", 2024), "value"] == pytest.approx(0.27)
    assert indexed.loc[("NATO_EUROPE_CANADA", "nato_real_change", 2024), "value"] == pytest.approx(0.1795)
    assert indexed.loc[("NATO", "nato_defexp_current_usd", 2022), "value"] == 1_000_000
    assert indexed.loc[("TUR", "nato_gdp_current_usd", 2023), "value"] == 1_100_000
    assert not frame["source_name"].str.contains("#REF").any()
    assert len(frame) == 4 * 3 * 10 + 2 * 3 * 3  # countries x years x measures + aggregates x years x measures


def test_worldbank_population_by_code(tmp_path: Path) -> None:
    frame = worldbank.parse(_write(tmp_path, "population"), "wb.csv", country_table())[""]
    values = frame.set_index(["code", "year"])["value"]
    assert values[("POL", 2024)] == 36559233 and values[("WLD", 2022)] == 7989981520
    assert ("XKX", 2024) not in values.index and ("POL", 2025) not in values.index
    assert len(frame) == 3 + 3 + 2 + 3


def test_supplier_blocks_name_each_supplier_from_its_closing_row(tmp_path: Path) -> None:
    path = tmp_path / "blocks.csv"
    path.write_text(ff.SUPPLIER_BLOCKS, encoding="ascii")
    pairs = sipri_tiv_tables.parse_supplier_blocks(path, "blocks.csv", country_table())[""]
    values = {(s, r): v for s, r, v in pairs[["supplier", "recipient", "tiv"]].itertuples(index=False)}
    # the empty middle table names nobody and adds nothing; '0 ' is a delivery under 0.5, kept as 0
    assert values == {("USA", "POL"): 600, ("USA", "UKR"): 399, ("USA", "NLD"): 0, ("GBR", "FRA"): 20,
                      ("GBR", "UKR"): 72}
    assert set(pairs["year"]) == {2024}
    assert pairs.set_index(["supplier", "recipient"]).loc[("GBR", "FRA"), "source_ref"] == "line 37, column 2 (2024)"


@pytest.mark.parametrize(("change", "message"), [
    # a table with rows but no closing row: its supplier is unknown
    (lambda t: t.replace("Total exports from United States,1000,1000,100%,1000,\n", ""),
     r"row 14, column 1: the table whose header is on line 10 has 3 recipient row\(s\) but no closing"),
    # rows that add up to more than the closing total
    (lambda t: t.replace("Poland,600,600", "Poland,700,700"), "more than the closing row's total 1000"),
    # a row lost: the rows' percentages no longer account for the gap
    (lambda t: t.replace("Ukraine,72,72,72%,72,72%\n", "Ukraine,72,72,72%,72,72%\nSweden,5,5,5.0%,5,5.0%\n")
     .replace("France,20,20,20%", "France,12,12,20%"), "a row is missing or wrong"),
])
def test_supplier_blocks_refuse_a_block_that_does_not_add_up(tmp_path: Path, change, message: str) -> None:
    path = tmp_path / "blocks.csv"
    path.write_text(change(ff.SUPPLIER_BLOCKS), encoding="ascii")
    with pytest.raises(InputError, match=message) as error:
        sipri_tiv_tables.parse_supplier_blocks(path, "blocks.csv", country_table())
    assert str(error.value).startswith("blocks.csv, row ")
