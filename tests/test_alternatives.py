"""The choice set (European options and the US systems, role by role) and imports by role, from hand-written
register rows in SIPRI's format and words, with hand-computed expectations."""

from __future__ import annotations

import fixture_files as ff
import pandas as pd
import pytest

from defence_briefs.countries import country_table
from defence_briefs.metrics import alternatives as alt
from defence_briefs.metrics.dependency import european_suppliers
from defence_briefs.metrics.weapon_categories import role_of, weapon_role

# the comments are SIPRI's words, from the 2026 register
RECORDS = [
    # 0-3 NASAMS-2 from Norway: delivered after 2 years; after 2 years with the order year uncertain; waiting;
    # a possibly second-hand lease (not an option)
    "Spain,Norway,2018,,2,,NASAMS-2,SAM system,2,,2020; 2021,New,,25,50,50",
    "Lithuania,Norway,2022,?,2,,NASAMS-2,SAM system,2,,2024,New,,25,50,50",
    "Netherlands,Norway,2024,,6,,NASAMS-2,SAM system,,,,New,Delivery planned from 2027,25,150,",
    "Denmark,Norway,2025,,1,,NASAMS-2,SAM system,,,,New,Possibly second-hand; lease,25,25,",
    # 4 a US deal for NASAMS (US content); 5 the US supplies NASAMS-2 itself
    "Lithuania,United States,2022,?,36,,AIM-120C AMRAAM,BVRAAM,,,,New,For NASAMS SAM systems,0.6,21.6,",
    "Ukraine,United States,2022,,2,,NASAMS-2,SAM system,2,,2022,New,Aid after 2022 Russian invasion of Ukraine,25,50,"
    "50",
    # 6 SAMP/T delivered to Singapore after 4 years; 7 selected by Denmark (shown as selected, never as an order)
    "Singapore,France,2013,,2,,SAMP/T,SAM system,2,,2017; 2018,New,EUR651 m deal,55,110,110",
    "Denmark,France,2025,,2,,SAMP/T,SAM system,,,,New,Selected but not yet ordered by end-2025,55,110,",
    # 8 a rebuild of the buyer's own aircraft; 9 possibly second-hand Fagot
    "India,France,2011,,49,,Mirage-2000-5,FGA aircraft,49,,2015; 2016,New,Mirage-2000H rebuilt to Mirage-2000-5,"
    "31,1519,1519",
    "Saudi Arabia,Bulgaria,2015,,2200,,Fagot,anti-tank missile,2200,,2015; 2017,New,Possibly second-hand; probably "
    "for Saudi aid to Syrian rebels or Yemen,0.01,22,22",
    # 10 Patriot from Romania's stocks, 11 the US's own first Patriot: a US design, not a European option
    "Ukraine,Romania,2024,,1,,Patriot,SAM system,1,,2024,New,Aid after 2022 Russian invasion of Ukraine,47,47,47",
    "Germany,United States,1984,,12,,Patriot,SAM system,12,,1987; 1988,New,,47,564,564",
    # 12-14 Rafale: Egypt after 0 years, India after 3, Greece's second-hand ones not an option
    "Egypt,France,2015,,24,,Rafale,FGA aircraft,24,,2015; 2016,New,,50,1200,1200",
    "India,France,2016,,36,,Rafale,FGA aircraft,36,,2019; 2020,New,,50,1800,1800",
    "Greece,France,2021,,12,,Rafale,FGA aircraft,12,,2021; 2022,Second hand,Second-hand,50,600,600",
    # 15 Gripen-E to Brazil after 5 years; 16 the US engines for it
    "Brazil,Sweden,2015,,36,,Gripen-E,FGA aircraft,10,,2020; 2021,New,Incl 8 Gripen-F,31.5,1134,315",
    "Brazil,United States,2015,?,36,,F414,turbofan,10,,2020; 2021,New,For 36 Gripen-E (Gripen-NG) combat aircraft "
    "from Sweden,2.5,90,25",
    # 17 US pods Egypt bought for its Rafales: one buyer of two customers, listed but not marked
    "Egypt,United States,2016,,6,,AAQ-33 Sniper ATP,aircraft EO system,6,,2017,New,For Rafale combat aircraft,1,6,6",
    # 18 an old MILAN deal outside the ten years; 19 a small system with no European customer
    "Qatar,France,2005,,500,,MILAN,anti-tank missile,500,,2006,New,,0.01,5,5",
    "Oman,France,2016,,4,,VL-MICA,SAM system,4,,2018,New,,5,20,20",
    # 20 the US's F-35A to the Netherlands after 5 years
    "Netherlands,United States,2013,,37,,F-35A,FGA aircraft,37,,2018; 2019,New,,55,2035,2035",
    # 21 aid from Norway: an order and a customer, but no lead time (aid arrives at once, from stocks or not)
    "Ukraine,Norway,2023,,2,,NASAMS-2,SAM system,2,,2023,New,Aid after 2022 Russian invasion of Ukraine,25,50,50",
    # 22 a British design made in the US: not European-made
    "Australia,United Kingdom,2016,,12,,M-777 155mm,towed gun,12,,2018,New,Ordered via USA from US production line,"
    "2,24,24",
]
LAST_YEAR = 2025


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> pd.DataFrame:
    return ff.classified_register(tmp_path_factory.mktemp("choices"), RECORDS)


def _deal_rows(register: pd.DataFrame) -> pd.DataFrame:
    """Each deal's delivered TIV split evenly over its delivery years (a stand-in for the allocation)."""
    rows = []
    for deal, row in register.iterrows():
        years = list(row["delivery_years"])
        for year in years:
            rows.append((deal, year, float(row["tiv_delivered"]) / len(years), row["supplier"], row["recipient"]))
    return pd.DataFrame(rows, columns=["deal", "year", "tiv", "supplier", "recipient"]).assign(source_file="reg")


def _choices(register: pd.DataFrame, makers, keep_all: bool = False) -> pd.DataFrame:
    countries = country_table()
    europe = european_suppliers(countries)
    names = {c: countries.name(c) for c in set(register["recipient"]) | set(register["supplier"])}
    table = alt.choice_set(register, _deal_rows(register), makers, europe, {"ESP", "LTU", "NLD", "DNK", "GRC",
                                                                            "DEU", "UKR"}, names, LAST_YEAR,
                           keep_all=keep_all)
    return table.set_index("weapon_designation")


def test_lead_time_over_the_deals_that_started_delivering(register):
    nasams = _choices(register, european_suppliers(country_table())).loc["NASAMS-2"]
    # Spain 2018 -> 2020 and Lithuania 2022? -> 2024: 2 and 2 years; the Netherlands' order waits; Ukraine's aid
    # counts as an order, not in the lead time; Denmark's possibly second-hand lease is no option
    assert (nasams["lead_time_median"], nasams["lead_time_min"], nasams["lead_time_max"]) == (2, 2, 2)
    assert (nasams["lead_time_deals"], nasams["lead_time_uncertain_deals"], nasams["orders_waiting"]) == (2, 1, 1)
    assert nasams["customers"] == "LTU;NLD;ESP;UKR" and nasams["european_customer_count"] == 4
    assert nasams["ordered_in_europe_since"] == "LTU;NLD;UKR"
    assert nasams["tiv_on_order"] == pytest.approx(150)  # the Netherlands' 6 x 25; the delivered ones are not
    rafale = _choices(register, european_suppliers(country_table())).loc["Rafale"]
    # Egypt 2015 -> 2015 (0 years), India 2016 -> 2019 (3): median 1.5; Greece's are second-hand
    assert (rafale["lead_time_median"], rafale["lead_time_min"], rafale["lead_time_max"]) == (1.5, 0, 3)
    assert rafale["tiv_delivered"] == pytest.approx(600 + 1800)  # Egypt's 2016 half and India's; 2015 is outside


def test_a_selection_is_shown_as_selected_not_as_an_order(register):
    samp = _choices(register, european_suppliers(country_table())).loc["SAMP/T"]
    assert samp["selected_in_europe"] == "DNK" and samp["ordered_in_europe_since"] == ""
    assert samp["tiv_selected"] == 110 and samp["tiv_on_order"] == 0 and samp["orders_waiting"] == 0
    assert (samp["lead_time_median"], samp["lead_time_deals"]) == (4, 1)  # Singapore, 2013 -> 2017
    assert samp["customers"] == "SGP"  # a selection makes no customer


def test_us_content_is_marked_not_dropped(register):
    table = _choices(register, european_suppliers(country_table()))
    nasams, gripen, rafale = table.loc["NASAMS-2"], table.loc["Gripen-E"], table.loc["Rafale"]
    assert nasams["us_parts"] == "AIM-120C AMRAAM" and nasams["also_supplied_by_us"] and nasams["us_content"]
    assert nasams["us_parts_buyers"] == "LTU"
    assert gripen["us_parts"] == "F414" and not gripen["also_supplied_by_us"] and gripen["us_content"]
    assert rafale["us_parts"] == "AAQ-33 Sniper ATP" and rafale["us_parts_buyers"] == "EGY"
    assert not rafale["us_content"]  # one buyer's add-on, of two customers


def test_what_is_not_an_option(register):
    table = _choices(register, european_suppliers(country_table()), keep_all=True)
    # a rebuild of the buyer's own fleet, possibly second-hand, a US design from European stocks, outside the decade
    assert {"Mirage-2000-5", "Fagot", "Patriot", "MILAN", "M-777 155mm"}.isdisjoint(table.index)
    rows = alt.option_rows(register, european_suppliers(country_table()), european_suppliers(country_table()),
                           LAST_YEAR).set_index("weapon_designation")
    assert rows.loc["Mirage-2000-5", "excluded_by"] == "rebuild of own units"
    assert rows.loc["Fagot", "excluded_by"] == "possibly second-hand"
    assert rows.loc["Patriot", "excluded_by"] == "US design" and rows.loc["Patriot", "origin"] == "USA"
    assert rows.loc["MILAN", "excluded_by"] == "outside the ten years"
    assert rows.loc["M-777 155mm", "excluded_by"] == "made in the US"


def test_ranking_by_volume_and_the_minimum_for_systems_without_european_customers(register):
    table = _choices(register, european_suppliers(country_table()))
    sam = table[table["role"] == "surface-to-air missiles and systems"]
    # NASAMS-2: 100 delivered (2020-21, 2024) + 50 (Ukraine, 2023) + 150 on order = 300; SAMP/T: 110 delivered
    # (2017-18); VL-MICA: 20 (Oman, 2018)
    assert list(sam.index) == ["NASAMS-2", "SAMP/T", "VL-MICA"]
    assert sam.loc["NASAMS-2", "volume_tiv"] == pytest.approx(300)
    # VL-MICA: Oman only, 20 TIV, under MIN_VOLUME_TIV: in the table, not shown unless asked
    assert list(sam["shown"]) == [True, True, False]
    assert _choices(register, european_suppliers(country_table()), keep_all=True).loc["VL-MICA", "shown"]
    # Gripen-E: no European customer but 315 delivered + 819 on order
    assert table.loc["Gripen-E", "volume_tiv"] == pytest.approx(315 + 819) and table.loc["Gripen-E", "shown"]


def test_the_us_systems_with_the_same_figures(register):
    us = _choices(register, {"USA"}, keep_all=True)
    assert us.loc["F-35A", "lead_time_median"] == 5 and us.loc["F-35A", "lead_time_deals"] == 1
    assert us.loc["NASAMS-2", "origin"] == "NOR"  # a Norwegian design the US supplied
    assert us.loc["NASAMS-2", "us_parts"] == ""  # US parts are marked for the other makers' systems only


def test_a_comment_names_a_system_by_its_words():
    assert alt.names_system("NASAMS SAM", "NASAMS-2")
    assert alt.names_system("Typhoon", "Eurofighter Typhoon Tranche-3")
    assert alt.names_system("JAS-39", "JAS-39C Gripen") and alt.names_system("Gripen", "JAS-39C Gripen")
    assert not alt.names_system("Gripen-E", "JAS-39C Gripen")  # another version: its US engines are the E's
    assert not alt.names_system("F-4", "Rafale F-4")  # the Phantom is not the Rafale's standard
    assert not alt.names_system("VIP", "AH-1Z Viper") and not alt.names_system("F-1", "F-110")
    assert not alt.names_system("Sea", "Sea Ceptor")


def test_imports_by_role_and_the_roles_the_us_supplied(register):
    imports = alt.imports_by_role(register, _deal_rows(register), ["NLD", "LTU"], LAST_YEAR)
    # the Netherlands: F-35A 2,035 in 2018-19, outside 2021-25; Lithuania: NASAMS-2 50 in 2024 from Norway
    assert list(imports["weapon_designation"]) == ["NASAMS-2"]
    roles = alt.us_roles(imports, "LTU")
    assert roles.empty  # nothing from the US delivered to Lithuania in 2021-25


def test_roles_follow_the_descriptions_and_fall_back_to_the_category() -> None:
    assert role_of("anti-ballistic missile system", "air_defence") == "ballistic-missile defence systems"
    assert role_of("tank turret", "armoured_vehicles") == "other armoured vehicles"  # a turret is not a tank
    assert role_of("portable SAM", "air_defence") == "portable surface-to-air missiles"
    assert role_of("transport helicopter", "helicopters") == "transport helicopters"
    assert role_of("tank", "armoured_vehicles") == "tanks"
    assert role_of("armoured recovery vehicle", "armoured_vehicles") == "other armoured vehicles"
    assert role_of("transport aircraft", "other") == "transport and tanker aircraft"


@pytest.mark.parametrize(("comments", "recipient", "built"), [
    # SIPRI's comments, from the 2026 register
    ("EUR1.5 b 'LPD' programme; produced under licence in Turkey; Turkish designation Anadolu", "Turkiye", True),
    ("Turkish designation Preveze; assembled from kits in Turkey", "Turkiye", True),
    ("EUR150 m deal; assembled in Turkiye T-129A version", "Turkiye", True),
    ("Guardian Extreme version; probably assembled in Bulgaria", "Bulgaria", True),
    ("Command post version; producer under licence in Latvia", "Latvia", True),  # SIPRI's spelling
    ("For coast guard; produced under licence in USA as Sentinel or 154ft cutter", "United States", True),
    ("XC-360 version produced under licence in Poland as Rosomak", "Poland", True),  # Poland's AMV
    ("For 231 Tornado IDS combat aircraft produced in United Kingdom; produced under licence in United Kingdom",
     "United Kingdom", True),
    # a part of the deal, a possibility, or the platform it is for: not said of the deal
    ("EUR387 m deal; incl production of components and assembly in Latvia; delivery planned from 2027", "Latvia",
     False),
    ("Possibly assembled in Bulgaria", "Bulgaria", False),
    ("For 1 TTH missile boat produced in Turkiye", "Turkiye", False),
    # built in a third country, or in a country whose name starts the same
    ("Produced under licence in Italy as AB-212", "Greece", False),
    ("Produced under licence in Australia", "Austria", False),
    ("Produced under licence in Turkmenistan", "Turkiye", False),
])
def test_a_deal_built_in_the_buyers_country(comments: str, recipient: str, built: bool) -> None:
    assert alt.built_in_recipient(comments, country_table().code_for(recipient)) is built


def test_a_european_design_licence_built_outside_europe_is_not_an_option(tmp_path) -> None:
    """South Korea's EC-155 "produced under licence in South Korea as LAH" is the licensee's production, not a
    European-made option; Greece's Type-214 built under licence in Greece is European-made; an assembly from kits
    abroad is the European maker's production."""
    register = ff.classified_register(tmp_path, [
        "South Korea,France,2022,,210,?,EC-155,helicopter,2,,2024,New,Armed version; produced under licence in South "
        "Korea as LAH,3.75,787.5,7.5",
        "Greece,Germany,2000,,4,,Type-214,submarine,4,,2016; 2017,New,Produced under licence in Greece,275,1100,1100",
        "Indonesia,Germany,2018,,2,,Type-214,submarine,2,,2020,New,Assembled from kits in Indonesia,275,550,550",
    ])
    countries = country_table()
    europe = european_suppliers(countries)
    rows = alt.option_rows(register, europe, europe, LAST_YEAR).set_index("recipient")
    assert rows.loc["KOR", "excluded_by"] == "licence-built outside Europe"
    assert rows.loc["GRC", "excluded_by"] == "" and rows.loc["IDN", "excluded_by"] == ""


def test_the_share_of_imports_built_in_the_buyers_country(tmp_path) -> None:
    """Türkiye's 2021-25 deliveries in this register: BPE 479.5 (2023) and Type-214 550 (2024; 2025), both produced
    under licence in Türkiye, and 100 of F-110 engines (2022) that were not: (479.5 + 550) / 1,129.5 = 91.1%."""
    register = ff.classified_register(tmp_path, [
        "Turkiye,Spain,2015,,1,,BPE,amphibious assault ship,1,,2023,New,EUR1.5 b 'LPD' programme; produced under "
        "licence in Turkey; Turkish designation Anadolu,479.5,479.5,479.5",
        "Turkiye,Germany,2011,,6,,Type-214,submarine,2,,2024; 2025,New,EUR2.2-2.5 b deal; Type-214TN version; "
        "produced under licence in Turkiye; Turkish designation Reis,275,1650,550",
        "Turkiye,United States,2021,,100,,F-110,turbofan,100,,2022,New,,1,100,100",
    ])
    imports = alt.imports_by_role(register, _deal_rows(register), ["TUR"], LAST_YEAR)
    assert imports.groupby("weapon_designation")["built_in_recipient"].all().to_dict() == {
        "BPE": True, "Type-214": True, "F-110": False}
    rows = alt.built_in_recipient_metrics(imports, "2021-2025", "register").frame("test")
    assert rows[["country", "metric", "period"]].values.tolist() == [
        ["TUR", "built_in_recipient_share_of_arms_imports", "2021-2025"]]
    assert rows["value"].iloc[0] == pytest.approx(1029.5 / 1129.5)


@pytest.mark.parametrize(("comments", "surface_to_air"), [
    # SIPRI's comments on missiles it describes as air-to-air, 2026 register
    ("For NASAMS SAM systems", True),  # Lithuania's AIM-120C
    ("Part of $100m deal; for NASAMS SAM systems from Norway", True),  # Chile
    ("For use with NASAMS/NOMADS SAM systems", True),  # the Netherlands' AIM-9X, 2024
    ("AIM-9X Block-2 version; for NASAMS and NOMADS (MGBADS) surface-to-air missile systems a produced in Norway",
     True),  # Norway's AIM-9X, 2025
    ("$120m deal; for Spyder SAM; delivery planned by 2027", True),  # Czechia's I-Derby-ER
    ("Second-hand; aid after 2022 Russian invasion of Ukraine; probably for NASAMS SAM systems", True),
    ("AIM-120C-7 version for NASAMS SAM system from Norway", True),  # Oman
    ("For VL-MICA air-defence systems", True),  # Denmark's MICA
    ("For Kortenaer (Elli) frigates; RIM-7M Sea Sparrow (SAM) version", True),  # a ship's SAM
    ("For 2 OPV-90 corvette from Germany", True),  # Bulgaria's MICA, beside its VL-MICA-M "For 2 OPV-90 corvettes"
    ("$25-38 m deal; AIM-120C-5 version; for JAS-39 combat aircraft", False),  # Hungary's, for Gripens
    # mixed uses stay air-to-air: Norway's 2024 AMRAAMs, Ukraine's 2024 AIM-120D, Australia's 2025 deal
    ("AIM-120C-8 version; for NASAMS SAM systems produced in Norway and F-35 combat aircraft", False),
    ("Aid after 2022 Russian invasion of Ukraine; for NASAMS-2 SAM systems and F-16 combat aircraft", False),
    ("Incl AIM-120C-8 version for NASAMS-2 SAM systems and AIM-120D-3 version for F/A-18E and F-35A combat "
     "aircraft", False),
    ("Chinese designation PL-8; possibly also for use as SAM; no. could be much lower or higher", False),
])
def test_an_air_to_air_missile_for_an_air_defence_system_takes_the_surface_to_air_role(comments: str,
                                                                                     surface_to_air: bool) -> None:
    rows = pd.DataFrame({"weapon_description": ["long-range air-to-air missile"], "category": ["missiles"],
                         "comments": [comments]})
    expected = "surface-to-air missiles and systems" if surface_to_air else "air-to-air missiles"
    assert weapon_role(rows).tolist() == [expected]
