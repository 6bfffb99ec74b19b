"""The one table of countries and groups: every source spelling maps to one code; membership by year."""

from __future__ import annotations

import pytest

from defence_briefs.countries import country_table
from defence_briefs.errors import InputError


@pytest.mark.parametrize(
    ("spellings", "code"),
    [
        (["Turkey", "Turkiye", "Türkiye", "TURKIYE "], "TUR"),
        (["Slovak Republic", "Slovakia"], "SVK"),
        (["Czech Republic", "Czechia"], "CZE"),
        (["United States", "United States of America"], "USA"),
        (["Bosnia-Herzegovina", "Bosnia and Herzegovina"], "BIH"),
        (["Soviet Union", "USSR"], "SUN"),
        (["East Germany (GDR)", "German Democratic Republic"], "DDR"),
        (["NATO**"], "ORG_NATO"),
        (["unknown supplier(s)", "Unknown supplier(s)"], "UNK_SUPPLIER"),
        (["PKK (Turkey)*", "PKK (Turkiye)*"], "NSA_PKK"),
        (["NATO Total"], "NATO"),
    ],
)
def test_spellings_map_to_one_code(spellings: list[str], code: str) -> None:
    table = country_table()
    assert {table.code_for(s) for s in spellings} == {code}


def test_kinds_mark_non_state_actors_and_organisations() -> None:
    table = country_table()
    assert table.kind("ORG_NATO") == "organisation"
    assert table.kind("NSA_PKK") == "non_state_actor"
    assert table.kind("UNK_SUPPLIER") == "unknown"
    assert table.kind("POL") == "state"
    assert table.name("TUR") == "Türkiye"


def test_group_membership_follows_accession_dates() -> None:
    table = country_table()
    assert len(table.members("NATO_EUROPE", 2024)) == 30
    assert "SWE" in table.members("NATO_EUROPE", 2024)
    assert "SWE" not in table.members("NATO_EUROPE", 2023)
    assert "FIN" in table.members("NATO_EUROPE", 2023)
    assert "MNE" not in table.members("NATO_EUROPE", 2016)
    assert "MKD" in table.members("NATO_EUROPE", 2020)
    assert len(table.members("NATO_EUROPE", 2019)) == 27  # less MKD (2020), FIN (2023), SWE (2024)
    assert len(table.members("EU27", 2024)) == 27
    assert "HRV" not in table.members("EU27", 2012)
    assert "GBR" not in table.members("EU27", 2024)
    europe = table.members("EUROPE", 2024)
    assert {"UKR", "CHE", "SRB", "BIH", "MDA", "XKX", "GBR", "NOR"} <= set(europe)
    assert "RUS" not in europe


def test_unknown_names_are_listed_in_one_error() -> None:
    with pytest.raises(InputError) as info:
        country_table().map_names({"Poland": "row 1", "Narnia": "row 7", "Atlantis": "row 9"}, "x.csv")
    message = str(info.value)
    assert message.startswith("x.csv")
    assert "'Narnia' (row 7)" in message and "'Atlantis' (row 9)" in message and "2 name(s)" in message


def test_europe_without_ukraine_is_europe_less_ukraine_in_every_year() -> None:
    table = country_table()
    for year in range(1992, 2027):
        assert set(table.members("EUROPE_EX_UKR", year)) == set(table.members("EUROPE", year)) - {"UKR"}, year
    assert table.name("EUROPE_EX_UKR") == "Europe without Ukraine"
