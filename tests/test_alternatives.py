"""European alternatives and imports by role, from a hand-made register, with hand-computed expectations."""

from __future__ import annotations

import pandas as pd
import pytest

from defence_briefs.metrics import alternatives as alt
from defence_briefs.metrics.weapon_categories import role_of

EUROPEAN = {"FRA", "DEU", "SWE", "NOR"}


def _register() -> pd.DataFrame:
    rows = [  # supplier, recipient, designation, description, category, status
        ("FRA", "GRC", "Rafale", "fighter/ground-attack aircraft", "combat_aircraft", "New"),
        ("FRA", "IND", "Rafale", "fighter/ground-attack aircraft", "combat_aircraft", "New"),
        ("FRA", "HRV", "Rafale", "fighter/ground-attack aircraft", "combat_aircraft", "Second hand"),
        ("SWE", "HUN", "Gripen-C", "fighter/ground-attack aircraft", "combat_aircraft", "New"),
        ("DEU", "EGY", "IRIS-T SLM", "surface-to-air missile system", "air_defence", "New"),
        ("NOR", "LTU", "AIM-120C AMRAAM", "long-range air-to-air missile", "missiles", "New"),
        ("USA", "POL", "AIM-120C AMRAAM", "long-range air-to-air missile", "missiles", "New"),
        ("USA", "POL", "F-35A", "fighter/ground-attack aircraft", "combat_aircraft", "New"),
        ("KOR", "POL", "FA-50", "fighter/ground-attack aircraft", "combat_aircraft", "New"),
        ("FRA", "GRC", "Rafale", "fighter/ground-attack aircraft", "combat_aircraft", "New"),  # an older deal
    ]
    frame = pd.DataFrame(rows, columns=["supplier", "recipient", "weapon_designation", "weapon_description",
                                        "category", "status"])
    frame["role"] = [role_of(d, c) for d, c in zip(frame["weapon_description"], frame["category"], strict=True)]
    return frame


def _deal_rows() -> pd.DataFrame:
    # deal (register index), year, tiv; the supplier and recipient as the register's
    years = [(0, 2020, 100.0), (0, 2021, 50.0), (1, 2024, 200.0), (2, 2023, 30.0), (3, 2025, 40.0), (4, 2022, 25.0),
             (5, 2023, 10.0), (6, 2024, 5.0), (7, 2025, 300.0), (8, 2024, 60.0), (9, 2010, 80.0)]
    register = _register()
    rows = pd.DataFrame(years, columns=["deal", "year", "tiv"])
    return rows.assign(supplier=register.loc[rows["deal"], "supplier"].to_numpy(),
                       recipient=register.loc[rows["deal"], "recipient"].to_numpy(), source_file="reg")


def test_european_made_systems_by_role_with_recipients_and_european_buyers() -> None:
    table = alt.european_alternatives(_register(), _deal_rows(), EUROPEAN, {"GRC", "HRV", "HUN", "LTU", "POL"}, 2025)
    fighters = table[table["role"] == "fighter and ground-attack aircraft"].set_index("weapon_designation")
    # Rafale: new to Greece (150 in 2020-21) and India (200); the second-hand one to Croatia and the 2010 deal
    # fall outside; largest first
    assert list(fighters.index) == ["Rafale", "Gripen-C"]
    assert fighters.loc["Rafale", "tiv_delivered"] == pytest.approx(350)
    assert fighters.loc["Rafale", "recipients"] == 2 and fighters.loc["Rafale", "european_recipients"] == 1
    assert (fighters.loc["Rafale", "first_year"], fighters.loc["Rafale", "last_year"]) == (2020, 2024)
    assert fighters.loc["Gripen-C", "european_recipients"] == 1
    assert not fighters["also_supplied_by_us"].any()
    air_to_air = table[table["role"] == "air-to-air missiles"].set_index("weapon_designation")
    assert bool(air_to_air.loc["AIM-120C AMRAAM", "also_supplied_by_us"])  # the US delivers the same designation
    assert set(table["supplier"]) <= EUROPEAN


def test_imports_by_role_and_the_roles_the_us_supplied() -> None:
    imports = alt.imports_by_role(_register(), _deal_rows(), ["POL"], 2025)
    assert list(imports["weapon_designation"]) == ["F-35A", "FA-50", "AIM-120C AMRAAM"]
    roles = alt.us_roles(imports, "POL").set_index("role")
    # fighters: US 300 of 360; air-to-air missiles: US 5 of 5
    assert roles.loc["fighter and ground-attack aircraft", "us_share"] == pytest.approx(300 / 360)
    assert roles.loc["air-to-air missiles", "us_tiv"] == pytest.approx(5)
    assert list(roles.index) == ["fighter and ground-attack aircraft", "air-to-air missiles"]


def test_roles_follow_the_descriptions_and_fall_back_to_the_category() -> None:
    assert role_of("anti-ballistic missile system", "air_defence") == "ballistic-missile defence systems"
    assert role_of("tank turret", "armoured_vehicles") == "other armoured vehicles"  # a turret is not a tank
    assert role_of("portable SAM", "air_defence") == "portable surface-to-air missiles"
    assert role_of("transport helicopter", "helicopters") == "transport helicopters"
    assert role_of("tank", "armoured_vehicles") == "tanks"
    assert role_of("armoured recovery vehicle", "armoured_vehicles") == "other armoured vehicles"
    assert role_of("transport aircraft", "other") == "transport and tanker aircraft"
