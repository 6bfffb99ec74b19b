"""The choice set on the real 2026 register: the European options a defence reader knows are there, with the lead
times the register rows give when read by hand, and the pages show them.

The expected values below come from the rows of sipri_at_register_2026 read by hand (quoted in the comments).
Skipped, with the reason, when DEFENCE_DATA_MIRROR is not set.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from defence_briefs.countries import country_table
from defence_briefs.ingest.stage import load_table
from defence_briefs.metrics.dependency import european_suppliers
from defence_briefs.metrics.stage import metrics_dir
from defence_briefs.project import Project

MIRROR = os.environ.get("DEFENCE_DATA_MIRROR")
pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not MIRROR, reason="DEFENCE_DATA_MIRROR is not set: no real raw files to test against"),
]
SAM = "surface-to-air missiles and systems"
FIGHTERS = "fighter and ground-attack aircraft"


@pytest.fixture(scope="module")
def choices(real_project: Project) -> pd.DataFrame:
    table = pd.read_csv(metrics_dir(real_project, "2026") / "european_alternatives.csv")
    text = ["customers", "european_customers", "ordered_in_europe_since", "selected_in_europe", "us_parts",
            "us_parts_buyers"]
    return table.fillna({column: "" for column in text})


def _system(choices: pd.DataFrame, role: str, designation: str) -> pd.Series:
    rows = choices[(choices["role"] == role) & (choices["weapon_designation"] == designation)]
    assert len(rows) == 1, (role, designation, list(choices.loc[choices["role"] == role, "weapon_designation"]))
    return rows.iloc[0]


def test_the_surface_to_air_row_has_nasams_iris_t_and_samp_t_with_lead_times(choices: pd.DataFrame) -> None:
    nasams = _system(choices, SAM, "NASAMS-2")
    # the US delivered NASAMS-2 to Ukraine (2022) and sells AMRAAMs and Sentinel radars "for NASAMS-2 SAM systems"
    assert nasams["us_content"] and nasams["also_supplied_by_us"]
    assert {"AIM-120C AMRAAM", "MPQ-64 Sentinel"} <= set(nasams["us_parts"].split(";"))
    assert nasams["lead_time_deals"] > 0
    iris = _system(choices, SAM, "IRIS-T SL")
    # started deliveries: Egypt 2018? -> 2021 (3 years); Ukraine's two of 2022 ("Aid after 2022 Russian invasion")
    # are aid, left out of the lead time; waiting: Bulgaria, Denmark, Estonia, Egypt 2021, Latvia, Slovenia x2,
    # Sweden, Switzerland, Ukraine 2025; Austria's is "selected 2023 but not yet ordered by end-2025"
    assert (iris["lead_time_median"], iris["lead_time_min"], iris["lead_time_max"]) == (3, 3, 3)
    assert (iris["lead_time_deals"], iris["lead_time_uncertain_deals"], iris["orders_waiting"]) == (1, 1, 10)
    assert iris["selected_in_europe"] == "AUT" and "AUT" not in iris["customers"].split(";")
    assert _system(choices, SAM, "IRIS-T SLM")["lead_time_deals"] > 0
    assert {"CAMM", "CAMM-ER"} <= set(choices.loc[choices["role"] == SAM, "weapon_designation"])
    samp = _system(choices, SAM, "SAMP/T")
    # Singapore 2013 -> 2017; Ukraine's 8 of 2025 wait; Denmark's 2 are "selected but not yet ordered by end-2025";
    # the two to Ukraine in 2022 and 2024 are "probably second-hand"
    assert (samp["lead_time_median"], samp["lead_time_deals"], samp["orders_waiting"]) == (4, 1, 1)
    assert samp["selected_in_europe"] == "DNK" and samp["customers"] == "SGP;UKR"


def test_the_fighter_row_has_rafale_eurofighter_and_gripen(choices: pd.DataFrame) -> None:
    fighters = set(choices.loc[choices["role"] == FIGHTERS, "weapon_designation"])
    assert {"Rafale", "Eurofighter Typhoon Tranche-3", "Gripen-E"} <= fighters
    gripen = _system(choices, FIGHTERS, "Gripen-E")
    # Brazil ordered 36 in 2015, first delivered 2020; its F414 engines are US ("For 36 Gripen-E ... from Sweden")
    assert gripen["lead_time_median"] == 5 and "F414" in gripen["us_parts"].split(";")
    assert gripen["us_content"]
    # India's Mirage-2000H "rebuilt to Mirage-2000-5" is no option
    assert "Mirage-2000-5" not in fighters


def test_what_a_reader_knows_is_not_an_option_and_what_is(choices: pd.DataFrame) -> None:
    assert "Fagot" not in set(choices["weapon_designation"])  # "Possibly second-hand", to Saudi Arabia
    milan = choices[choices["weapon_designation"] == "MILAN"].iloc[0]
    assert "PRT" in milan["european_customers"].split(";")  # 44 MILAN new to Portugal, ordered 2019, in 2020
    air_defence = choices[choices["role"] == SAM]
    assert not air_defence["weapon_designation"].str.startswith("Patriot").any()  # Romania's stock: a US design


def test_no_european_anti_ballistic_system_as_the_register_describes_it(real_project: Project,
                                                                         choices: pd.DataFrame) -> None:
    """The page's 'none' sentence for ballistic-missile defence, checked against the register itself."""
    assert choices[choices["role"] == "ballistic-missile defence systems"].empty
    register = load_table(real_project, "2026", "transfers")
    european = european_suppliers(country_table())
    in_decade = (register["order_year"].between(2016, 2025)
                 | register["delivery_years"].map(lambda ys: any(2016 <= y <= 2025 for y in ys)))
    rows = register[register["supplier"].isin(european) & in_decade
                    & register["weapon_description"].str.contains("anti-ballistic|ABM", case=False, na=False)]
    assert set(rows["weapon_designation"]) <= {"MIM-104 PAC-3", "MIM-104 PAC-2"}, rows  # US designs from stocks


def test_the_pages_show_the_choice_set(briefs_project: Project) -> None:
    site = briefs_project.root / "reports" / "2026"
    poland = BeautifulSoup((site / "countries" / "POL.html").read_text(encoding="utf-8"), "html.parser")
    section = poland.find(id="diversification")
    cells = [" ".join(td.get_text().split()) for td in section.find_all("td")]
    assert "NASAMS-2 (US content)" in cells and "IRIS-T SL" in cells and "SAMP/T" in cells
    assert "3 years (1 deal, 1 with an uncertain order year)" in cells
    assert {"Rafale", "Eurofighter Typhoon Tranche-3", "Gripen-E"} <= {c.removesuffix(" (US content)") for c in cells}
    assert section.find("details") is not None  # the longer lists collapse
    europe = BeautifulSoup((site / "diversification.html").read_text(encoding="utf-8"), "html.parser")
    choices_section = europe.find(id="choices")
    assert choices_section is not None
    text = " ".join(choices_section.get_text().split())
    assert "NASAMS-2 (US content)" in text and "SAMP/T" in text and "lead time" in text.lower()
