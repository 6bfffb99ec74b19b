"""The choice set on the real 2026 register: the European options a defence reader knows are there, with the lead
times the register rows give when read by hand, and the pages show them.

The expected values below come from the rows of sipri_at_register_2026 read by hand (quoted in the comments).
Skipped, with the reason, when DEFENCE_DATA_MIRROR is not set.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

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


def _role_texts(page: Path) -> dict[str, str]:
    """A country page's choice set, role by role: heading -> the text from it to the next role's heading."""
    section = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find(id="diversification")
    headings = [" ".join(h.get_text().split()) for h in section.select("p > strong, details > summary")]
    headings = [h for h in headings if " from the US in " in h]
    text = " ".join(section.get_text(" ").split())
    starts = [text.index(h) for h in headings]
    return {h: text[a:b] for h, a, b in zip(headings, starts, [*starts[1:], len(text)], strict=True)}


def test_second_hand_us_systems_are_named_under_the_table_never_in_it(briefs_project: Project) -> None:
    """A system received or ordered second-hand is no option to buy, so it is named under the role's table, not
    put in it (register rows, 2026 release): Greece, United States, 2021, 1200 M-1117 Guardian, "Second-hand; aid",
    delivered 2021; 2022; 2024, TIV 192 (its only US armoured personnel carriers since 2016); Spain, United States,
    S-70 Black Hawk, ordered 2015, 2017, 2018 and 2019, each "Second-hand SH-60F ASW version modified to transport
    version before delivery", beside new US transport helicopters."""
    site = briefs_project.root / "reports" / "2026"
    greece = _role_texts(site / "countries" / "GRC.html")
    carriers = next(text for heading, text in greece.items() if heading.startswith("Armoured personnel carriers"))
    assert "Only second-hand from the US, not in the table: M-1117 Guardian." in carriers
    assert carriers.count("M-1117") == 1
    spain = _role_texts(site / "countries" / "ESP.html")
    transport = next(text for heading, text in spain.items() if heading.startswith("Transport helicopters"))
    assert "Also second-hand from the US, not in the table: S-70 Black Hawk." in transport
    assert transport.count("S-70 Black Hawk") == 1
    pdf = subprocess.run(["pdftotext", "-layout", str(site / "pdf" / "GRC.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout
    assert re.search(r"Armoured personnel carriers \(100%\)\s+second-hand only: M-1117", pdf)


def test_the_pdf_names_the_small_european_deals_the_web_names(briefs_project: Project) -> None:
    """Where a role's only European-made systems are small deals outside Europe, the PDF names them as the web page
    does, never "none": Italy ordered 21 HIMARS in 2024 (46.2 TIV, none delivered); the European-made rocket
    launchers of 2016-25 are Czechia's RM-70 Vampire 122mm to Indonesia (8 ordered 2014, delivered 2016, 7.6 TIV,
    New; the 28? of 2021 were "assembled or produced under licence in Indonesia", not European-made), below the
    size a table shows."""
    site = briefs_project.root / "reports" / "2026"
    italy = _role_texts(site / "countries" / "ITA.html")
    rockets = next(text for heading, text in italy.items() if heading.startswith("Rocket artillery"))
    assert "only small deals outside Europe, RM-70 Vampire 122mm (Czechia to Indonesia)" in rockets
    pdf = " ".join(subprocess.run(["pdftotext", "-layout", str(site / "pdf" / "ITA.pdf"), "-"], capture_output=True,
                                  text=True, check=True).stdout.split())
    row = pdf[pdf.index("Rocket artillery (ordered)"):][:250]  # the table's row, its cells' wrapped lines flattened
    assert "HIMARS" in row and "only small deals outside Europe, RM-70 Vampire 122mm (Czechia to" in row, row
    assert "none ordered" not in row, row


def test_a_european_design_built_under_licence_outside_europe_is_no_european_option(choices: pd.DataFrame) -> None:
    """Rows of the 2026 register: South Korea, France, 2022, 210 EC-155, "Armed version; produced under licence in
    South Korea"; Brazil, Italy, VBTP Guarani, "produced under licence in Brazil"; United States, Germany, Stan
    Patrol-4708, "produced under licence in USA as Sentinel"; India, France, Scorpene, "produced under licence in
    India". Their volumes and lead times are the licensee's, so none is a European-made option. Greece's Type-214,
    built under licence in Greece, and Türkiye's T-129B, "produced under licence in Turkiye", stay: built in
    countries of these briefs."""
    systems = set(choices["weapon_designation"])
    assert not {"EC-155", "VBTP Guarani", "Stan Patrol-4708"} & systems
    assert "T-129B ATAK" in systems
    type_214 = choices[choices["weapon_designation"] == "Type-214"].iloc[0]
    assert "GRC" in type_214["customers"].split(";") and "KOR" not in type_214["customers"].split(";")


def test_amraams_for_nasams_are_air_defence_in_the_choice_set(briefs_project: Project) -> None:
    """Lithuania's US missiles of 2016-25 that SIPRI describes as air-to-air are all "For NASAMS SAM systems"
    (AIM-120C: 150 of 2016, 36 of 2023 and the 2024 row): its page has no air-to-air role, and its surface-to-air
    role holds the AIM-120C beside NASAMS-2."""
    roles = _role_texts(briefs_project.root / "reports" / "2026" / "countries" / "LTU.html")
    assert not any(heading.startswith("Air-to-air missiles") for heading in roles)
    surface_to_air = next(text for heading, text in roles.items() if heading.startswith("Surface-to-air missiles"))
    assert "AIM-120C AMRAAM" in surface_to_air and "NASAMS-2" in surface_to_air


def test_no_us_system_of_a_role_is_dropped(briefs_project: Project) -> None:
    """A role shows three US systems and collapses the rest, never drops them: Ukraine's 3? Patriot of 2025
    (2026 register, "financed by ... PURL", 141 TIV m, none delivered) and Denmark's ESSM Block-2 of 2025 ("DKK880 m
    ($133 m) deal") are in their surface-to-air roles beside the AMRAAMs ordered for NASAMS."""
    site = briefs_project.root / "reports" / "2026" / "countries"
    for country, designation in (("UKR", "Patriot"), ("DNK", "ESSM Block-2")):
        roles = _role_texts(site / f"{country}.html")
        surface_to_air = next(text for heading, text in roles.items()
                              if heading.startswith("Surface-to-air missiles"))
        assert designation in surface_to_air, country
