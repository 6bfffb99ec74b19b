"""Orders placed by order year: each counting rule on hand-written register rows, with hand-computed values."""

from __future__ import annotations

import math

import fixture_files as ff
import pandas as pd
import pytest

from defence_briefs.metrics import orders

# One row per rule, in the register's own format and words (the comments are SIPRI's, from the 2026 register).
RECORDS = [
    # 0 selection: Denmark's 16 F-35A, selected 2025, not yet ordered
    "Denmark,United States,2025,,16,,F-35A,FGA aircraft,,,,New,Selected but not yet ordered by end-2025,55,880,",
    # 1 part selection: 280 of 746 Patria ordered, 466 selected
    "Germany,Finland,2025,,746,,Patria 6x6,APC,,,,New,EUR2 b deal (incl 280 ordered 2025 and 466 more selected "
    "2025); delivery planned from 2026,0.35,261.1,",
    # 2 planned: 126 F-35B planned, 48 ordered
    "United Kingdom,United States,2006,,126,,F-35B,FGA aircraft,48,,2012; 2013,New,126 planned of which 48 ordered "
    "by end-2025,60,7560,2880",
    # 3 option: 20 F-35A ordered, an option on 20 more (not in the number ordered nor the TIV)
    "Greece,United States,2024,,20,,F-35A,FGA aircraft,,,,New,Option on 20 more,55,1100,",
    # 4 uncertain: order year and number marked '?'
    "Poland,South Korea,2022,?,180,?,K2,tank,46,?,2023; 2024; 2025,New,K2PL version,6,1080,276",
    # 5 aid: a PURL order for Ukraine, paid by named Europeans and others
    "Ukraine,United States,2025,,3,,Patriot,SAM system,,,,New,Financed by aid from Denmark; Lithuania; Netherlands; "
    "Norway; Sweden and other European countries as part of Prioritized Ukraine Requirements List (PURL) program,"
    "47,141,",
    # 6 aid paid by the supplier itself (no payer named)
    "Ukraine,United States,2022,,20,,M-777,towed gun,20,,2022,Second hand,Second-hand; aid after 2022 Russian "
    "invasion of Ukraine,2,40,40",
    # 7 second-hand, bought
    "Poland,United States,2023,,116,,M-1A1 Abrams,tank,116,,2024; 2025,Second hand but modernized,Second-hand; "
    "M-1A1FEP version,2,232,232",
    # 8 licence production: the licensor is the supplier
    "Poland,South Korea,2022,,212,,K-9 Thunder,self-propelled gun,,,,New,Incl 96 produced under licence in Poland,"
    "4,848,",
    # 9 unvalued: SIPRI gives the Leopard-2A8 no TIV yet
    "Czechia,Germany,2025,,44,,Leopard-2A8,tank,,,,New,Delivery planned 2028-2031,0,0,",
    # 10 a selection that later became an order: an order (of 2014)
    "Slovakia,Italy,2014,,2,,C-27J Spartan,transport aircraft,2,,2017; 2018,New,Selected 2008 but order delayed "
    "until 2014 after budget cuts,16,32,32",
    # 11 selected, contract not yet signed (another wording)
    "Norway,Germany,2025,,2,,Type-212,submarine,,,,New,Selected 2025 but contract not yet signed by end 2025,275,"
    "550,",
    # 12 FMF aid from the US and aid from named Europeans
    "Ukraine,United States,2025,,840,,ERAM,air-to-surface missile,,,,New,Financed by 'FMF' aid (from USA) and aid from "
    "Denmark; Netherlands; Norway,1.276,1072,",
]


@pytest.fixture(scope="module")
def classified(tmp_path_factory) -> pd.DataFrame:
    return ff.classified_register(tmp_path_factory.mktemp("orders"), RECORDS)


def test_a_selection_is_not_an_order(classified):
    denmark = classified.iloc[0]
    assert denmark["counted_as"] == "selection"
    assert (denmark["order_tiv"], denmark["selection_tiv"]) == (0.0, 880.0)
    norway = classified.iloc[11]  # "contract not yet signed"
    assert norway["counted_as"] == "selection" and norway["selection_tiv"] == 550.0
    slovakia = classified.iloc[10]  # "selected 2008 but order delayed until 2014": ordered in 2014
    assert slovakia["counted_as"] == "order" and slovakia["order_tiv"] == 32.0


def test_a_partly_selected_deal_counts_its_ordered_part(classified):
    patria = classified.iloc[1]
    assert patria["counted_as"] == "order and selection"
    assert patria["selection_tiv"] == pytest.approx(466 * 0.35)  # 163.1
    assert patria["order_tiv"] == pytest.approx(261.1 - 163.1)  # 98.0 = 280 x 0.35
    assert "part_selection" in patria["rules"]


def test_planned_units_beyond_the_order_are_not_ordered(classified):
    f35b = classified.iloc[2]
    assert f35b["planned_tiv"] == pytest.approx((126 - 48) * 60)  # 4,680
    assert f35b["order_tiv"] == pytest.approx(48 * 60)  # 2,880
    assert f35b["rules"].split(";")[0] == "planned"


def test_an_option_changes_nothing_and_is_checked(classified):
    greece = classified.iloc[3]
    assert greece["order_tiv"] == 1100.0 and "option" in greece["rules"]
    assert orders.option_mismatches(classified).empty
    wrong = classified.copy()
    wrong.loc[3, "tiv_order"] = 2200.0  # as if the option's 20 were in the TIV
    assert list(orders.option_mismatches(wrong).index) == [3]


def test_uncertain_orders_count_as_estimates(classified):
    k2 = classified.iloc[4]
    assert k2["order_tiv"] == 1080.0 and k2["estimate"] and "uncertain" in k2["rules"]


def test_aid_orders_count_for_the_recipient_and_name_who_pays(classified):
    purl, donated, eram = classified.iloc[5], classified.iloc[6], classified.iloc[12]
    assert purl["aid"] and purl["order_tiv"] == 141.0 and purl["recipient"] == "UKR"
    assert purl["financed_by"] == "DNK;LTU;NLD;NOR;SWE;others"
    assert donated["aid"] and donated["financed_by"] == "USA"  # no payer named: the supplier's own aid
    assert eram["financed_by"] == "USA;DNK;NLD;NOR"
    assert not classified.iloc[7]["aid"] and classified.iloc[7]["financed_by"] == ""


def test_second_hand_and_licence_are_orders_flagged(classified):
    abrams, k9 = classified.iloc[7], classified.iloc[8]
    assert abrams["second_hand"] and abrams["order_tiv"] == 232.0
    assert k9["licence"] and k9["supplier"] == "KOR" and k9["order_tiv"] == 848.0


def test_unvalued_orders_are_counted_by_number(classified):
    leopard = classified.iloc[9]
    assert leopard["unvalued"] and leopard["order_tiv"] == 0.0 and leopard["bloc"] == "europe"


def test_rule_counts(classified):
    counts = orders.rule_counts(classified).set_index("rule")
    assert counts.loc["selection", "rows"] == 2  # Denmark's F-35A, Norway's Type-212
    assert counts.loc["selection", "tiv_out_of_orders"] == pytest.approx(880 + 550)
    assert counts.loc["part_selection", "rows"] == 1
    assert counts.loc["planned", "tiv_out_of_orders"] == pytest.approx(4680)
    assert counts.loc["aid", "rows"] == 3
    assert counts.loc["unvalued", "rows"] == 1  # the Leopard-2A8: every other row has a TIV for the total order
    assert counts.loc["option", "rows"] == 1 and counts.loc["licence", "rows"] == 1


def _metrics(classified: pd.DataFrame) -> dict[tuple[str, str, str], tuple[float, bool]]:
    groups = {"EUROPE": ["POL", "DNK", "DEU", "GBR", "GRC", "UKR", "CZE", "SVK", "NOR"],
              "EUROPE_EX_UKR": ["POL", "DNK", "DEU", "GBR", "GRC", "CZE", "SVK", "NOR"]}
    members = lambda entity, year: groups.get(entity, [entity])  # noqa: E731
    out = orders.order_metrics(classified, ["POL", "DNK", "UKR", "EUROPE", "EUROPE_EX_UKR"], members, 2025,
                               frozenset({"DEU", "FIN", "ITA", "NOR"}), "register")
    return {(r["country"], r["metric"], r["period"]): (r["value"], r["estimate"]) for r in out.rows}


def test_orders_by_year_bloc_and_window(classified):
    m = _metrics(classified)
    # Poland 2022: K2 1,080 (uncertain) + K-9 848, both South Korean: 1,928, all 'others'
    assert m["POL", "arms_orders_tiv", "2022"][0] == pytest.approx(1928)
    assert m["POL", "arms_orders_tiv", "2022"][1]  # 1,080 / 1,928 = 56% uncertain > 5%: an estimate
    assert m["POL", "us_share_of_arms_orders", "2022"][0] == 0.0
    # Poland since 2022: 1,928 + 232 (US Abrams, 2023) = 2,160; US share 232 / 2,160
    assert m["POL", "arms_orders_tiv", "2022-2025"][0] == pytest.approx(2160)
    assert m["POL", "us_share_of_arms_orders", "2022-2025"][0] == pytest.approx(232 / 2160)
    assert m["POL", "arms_orders_tiv_from_KOR", "2022-2025"][0] == pytest.approx(1928)
    # Denmark 2025: nothing ordered, 880 selected, all from the US
    assert m["DNK", "arms_orders_tiv", "2025"][0] == 0.0
    assert ("DNK", "us_share_of_arms_orders", "2025") not in m  # no share of nothing
    assert m["DNK", "arms_selections_tiv", "2025"][0] == 880.0
    assert m["DNK", "us_share_of_arms_selections", "2025"][0] == 1.0
    # Europe 2025: Patria 98 (FIN) + PURL 141 + ERAM 1,072 (US) + Leopard 0 = 1,311; selections 880 + 163.1 + 550
    assert m["EUROPE", "arms_orders_tiv", "2025"][0] == pytest.approx(98 + 141 + 1072)
    assert m["EUROPE", "arms_orders_tiv_from_us", "2025"][0] == pytest.approx(141 + 1072)
    assert m["EUROPE", "arms_selections_tiv", "2025"][0] == pytest.approx(880 + 163.1 + 550)
    assert m["EUROPE", "aid_share_of_arms_orders", "2025"][0] == pytest.approx((141 + 1072) / 1311)
    assert m["EUROPE", "safe_eligible_share_of_arms_orders", "2025"][0] == pytest.approx(98 / 1311)
    assert m["EUROPE", "arms_orders_unvalued_count", "2025"][0] == 1  # the Leopard-2A8
    assert m["EUROPE", "arms_orders_unvalued_count_from_europe", "2025"][0] == 1
    # Europe without Ukraine 2025: only the Patria's 98
    assert m["EUROPE_EX_UKR", "arms_orders_tiv", "2025"][0] == pytest.approx(98)
    # the windows: 2016-2021 holds nothing here; 2011-2015 holds Slovakia's C-27J (2014)
    assert m["EUROPE", "arms_orders_tiv", "2011-2015"][0] == 32.0
    assert math.isclose(m["EUROPE", "european_share_of_arms_orders", "2011-2015"][0], 1.0)


def test_revisions_compare_a_year_across_registers():
    by_register = pd.DataFrame([
        {"release": "2024", "order_year": 2023, "order_tiv": 100.0, "selection_tiv": 0.0},
        {"release": "2025", "order_year": 2023, "order_tiv": 110.0, "selection_tiv": 0.0},
        {"release": "2025", "order_year": 2024, "order_tiv": 200.0, "selection_tiv": 0.0},
        {"release": "2026", "order_year": 2023, "order_tiv": 150.0, "selection_tiv": 0.0},
        {"release": "2026", "order_year": 2024, "order_tiv": 190.0, "selection_tiv": 0.0},
    ])
    rows = orders.revisions(by_register, {"2024": 2023, "2025": 2024, "2026": 2025})
    got = {(r.order_year, r.releases_later): round(r.growth, 6) for r in rows.itertuples()}
    assert got == {(2023, 1): 0.1, (2023, 2): 0.5, (2024, 1): -0.05}
