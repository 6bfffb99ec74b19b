"""Unit tests of the metrics with hand-computed expectations on small in-memory tables."""

from __future__ import annotations

import pandas as pd
import pytest

from defence_briefs.countries import country_table
from defence_briefs.errors import InputError
from defence_briefs.metrics import bilateral_tiv as bt
from defence_briefs.metrics import dependency as dp
from defence_briefs.metrics import diversification as dv
from defence_briefs.metrics import spending as sp
from defence_briefs.metrics.catalogue import catalogue_markdown, definition_of
from defence_briefs.metrics.weapon_categories import CATEGORIES, weapon_category

COUNTRIES = country_table()


def register(*deals: tuple) -> pd.DataFrame:
    """(recipient, supplier, tiv_delivered, delivery_years[, tiv_order, order_year, description]) -> register."""
    rows = []
    for i, deal in enumerate(deals):
        recipient, supplier, delivered, years, *rest = deal
        order, order_year, description = (rest + [delivered, 2020, "tank"][len(rest):])[:3]
        rows.append({"recipient": recipient, "supplier": supplier, "tiv_delivered": delivered, "delivery_years": years,
                     "tiv_order": order, "order_year": order_year, "weapon_description": description,
                     "weapon_designation": f"W{i}", "source_ref": f"line {13 + i}", "source_file": "reg",
                     "comments": None, "number_ordered_uncertain": False, "tiv_per_unit": order})
    columns = ["recipient", "supplier", "tiv_delivered", "delivery_years", "tiv_order", "order_year",
               "weapon_description", "weapon_designation", "source_ref", "source_file", "comments",
               "number_ordered_uncertain", "tiv_per_unit"]
    return pd.DataFrame(rows, columns=columns)


def test_equal_split_divides_each_deal_over_its_delivery_years() -> None:
    rows = bt.deal_years(register(("POL", "USA", 30.0, [2020, 2021, 2022]), ("POL", "FRA", None, [])))
    assert list(rows["year"]) == [2020, 2021, 2022]
    assert list(bt.equal_split(rows)) == [10.0, 10.0, 10.0]


def test_anchored_split_gives_uncovered_years_what_the_exact_table_leaves() -> None:
    # a 30 TIV deal delivered 2020-2022; SIPRI's exact table (to 2020) says 5 came in 2020,
    # so 25 remain for 2021-2022: 12.5 each (the equal split would give 10, 10, 10)
    transfers = register(("POL", "USA", 30.0, [2020, 2021, 2022]))
    pairs = pd.DataFrame({"supplier": ["USA"], "recipient": ["POL"], "year": [2020], "tiv": [5.0],
                          "source_file": ["us"]})
    allocation = bt.allocate(transfers, bt.exact_tiv({"us_exports_tiv": pairs}))
    assert allocation.deal_rows["tiv"].round(6).tolist() == [5.0, 12.5, 12.5]
    assert allocation.yearly[["year", "tiv", "basis"]].values.tolist() == [
        [2020, 5.0, "exact"], [2021, 12.5, "allocated"], [2022, 12.5, "allocated"]]


def test_recipient_totals_split_what_the_us_table_leaves_by_the_register() -> None:
    # POL's total for 2021 is 8, of which the US table (same vintage) says 6 came from the US: FRA gets the 2
    # left, although its 10 TIV deal (2021-2022) would give it 5 by the equal split; 2022 gets the other 8
    transfers = register(("POL", "USA", 6.0, [2021]), ("POL", "FRA", 10.0, [2021, 2022]))
    us = pd.DataFrame({"supplier": ["USA"], "recipient": ["POL"], "year": [2021], "tiv": [6.0], "source_file": ["us"]})
    totals = pd.DataFrame({"code": ["POL"], "direction": ["imports"], "year": [2021], "tiv": [8.0],
                           "source_file": ["tot"]})
    allocation = bt.allocate(transfers, bt.exact_tiv({"us_exports_tiv": us, "imports_tiv_totals": totals}))
    yearly = allocation.yearly.set_index(["supplier", "year"])
    assert yearly.loc[("FRA", 2021), "tiv"] == pytest.approx(2.0, abs=1e-6)
    assert yearly.loc[("FRA", 2021), "basis"] == "fitted"
    assert yearly.loc[("FRA", 2022), "tiv"] == pytest.approx(8.0, abs=1e-3)
    assert yearly.loc[("FRA", 2022), "basis"] == "allocated"
    assert yearly.loc[("USA", 2021), "basis"] == "exact"


def test_the_newest_totals_override_an_older_pair_table() -> None:
    # 2022-release pair table: POL got 30 from DEU and 10 from KOR in 2020. The 2024-release totals say POL
    # imported 50 in 2020, 10 of them from the US (2024-release US table): the 40 left over is split 3:1 as the
    # older table split it (30 DEU, 10 KOR: unchanged, so 'exact'); in 2021 the old table says DEU 20, KOR 20,
    # the newer total leaves 20 (total 25, US 5), split 1:1 -> 10 and 10, 'fitted'.
    old = pd.DataFrame({"supplier": ["DEU", "KOR", "DEU", "KOR"], "recipient": ["POL"] * 4,
                        "year": [2020, 2020, 2021, 2021], "tiv": [30.0, 10.0, 20.0, 20.0], "source_file": ["old"] * 4})
    us = pd.DataFrame({"supplier": ["USA", "USA"], "recipient": ["POL", "POL"], "year": [2020, 2021],
                       "tiv": [10.0, 5.0], "source_file": ["us"] * 2})
    totals = pd.DataFrame({"code": ["POL", "POL"], "direction": "imports", "year": [2020, 2021],
                           "tiv": [50.0, 25.0], "source_file": ["tot"] * 2})
    exact = bt.exact_tiv({"bilateral_tiv": old, "us_exports_tiv": us, "imports_tiv_totals": totals},
                         {"bilateral_tiv": 2022, "us_exports_tiv": 2024, "imports_tiv_totals": 2024})
    yearly = bt.allocate(register(), exact).yearly.set_index(["supplier", "year"])
    assert yearly.loc[("DEU", 2020), ["tiv", "basis"]].tolist() == [pytest.approx(30.0), "exact"]
    assert yearly.loc[("KOR", 2021), ["tiv", "basis"]].tolist() == [pytest.approx(10.0), "fitted"]
    assert yearly.loc[("DEU", 2021), "source_file"] == "old; tot"
    totals_by_year = yearly.groupby(level="year")["tiv"].sum()
    assert totals_by_year.to_dict() == {2020: pytest.approx(50.0), 2021: pytest.approx(25.0)}
    # with the pair table as the newer one, its values would stand and the total would not be met
    same = bt.exact_tiv({"bilateral_tiv": old, "us_exports_tiv": us},
                        {"bilateral_tiv": 2022, "us_exports_tiv": 2024})
    assert bt.allocate(register(), same).yearly["tiv"].sum() == pytest.approx(95.0)


def test_a_newer_total_with_nothing_to_split_it_goes_to_an_unknown_supplier() -> None:
    totals = pd.DataFrame({"code": ["MLT"], "direction": "imports", "year": [2020], "tiv": [7.0],
                           "source_file": ["tot"]})
    yearly = bt.allocate(register(), bt.exact_tiv({"imports_tiv_totals": totals})).yearly
    assert yearly[["supplier", "recipient", "year", "tiv"]].values.tolist() == [["UNK_SUPPLIER", "MLT", 2020, 7.0]]


def bilateral(rows: list[tuple[str, str, int, float]], basis: str = "exact") -> pd.DataFrame:
    return pd.DataFrame([{"supplier": s, "recipient": r, "year": y, "tiv": t, "basis": basis, "source_file": "x"}
                         for s, r, y, t in rows])


def run_dependency(flows: pd.DataFrame, transfers: pd.DataFrame | None = None,
                   entities: list[str] | None = None) -> pd.DataFrame:
    transfers = transfers if transfers is not None else register()
    if "category" not in transfers:
        transfers = transfers.assign(category="armoured_vehicles")
    deal_rows = pd.DataFrame({"supplier": flows["supplier"], "recipient": flows["recipient"], "year": flows["year"],
                              "tiv": flows["tiv"], "category": "armoured_vehicles"})
    out = dp.dependency_metrics(flows, deal_rows, transfers, entities or ["POL"], 2024, COUNTRIES, "src")
    return out.frame("test").set_index(["country", "metric", "period"])["value"]


def test_window_shares_hhi_and_change_by_hand() -> None:
    # 2020-2024: USA 60, FRA 30, KOR 10 -> shares 0.6 / 0.3 / 0.1, HHI 0.36 + 0.09 + 0.01 = 0.46
    # 2015-2019: USA 50 -> change +100%
    flows = bilateral([("USA", "POL", 2020, 20), ("USA", "POL", 2024, 40), ("FRA", "POL", 2022, 30),
                       ("KOR", "POL", 2023, 10), ("USA", "POL", 2016, 50)])
    values = run_dependency(flows)
    assert values["POL", "arms_imports_tiv", "2020-2024"] == 100
    assert values["POL", "us_share_of_arms_imports", "2020-2024"] == pytest.approx(0.6)
    assert values["POL", "european_share_of_arms_imports", "2020-2024"] == pytest.approx(0.3)
    assert values["POL", "other_share_of_arms_imports", "2020-2024"] == pytest.approx(0.1)
    assert values["POL", "supplier_hhi", "2020-2024"] == pytest.approx(0.46)
    assert values["POL", "arms_imports_change", "2020-2024"] == pytest.approx(1.0)
    assert values["POL", "supplier_share_KOR", "2020-2024"] == pytest.approx(0.1)
    assert values["POL", "arms_imports_tiv", "2022"] == 30
    assert ("POL", "us_share_of_arms_imports", "2010-2014") not in values.index  # no imports: no share, not zero


def test_group_imports_are_the_sum_of_members_as_of_the_window_end() -> None:
    # Sweden joined NATO in 2024: in NATO_EUROPE for 2020-2024, not for 2015-2019
    flows = bilateral([("USA", "POL", 2021, 10), ("DEU", "SWE", 2022, 5), ("USA", "SWE", 2017, 7),
                       ("USA", "POL", 2017, 3)])
    values = run_dependency(flows, entities=["NATO_EUROPE", "POL", "SWE"])
    assert values["NATO_EUROPE", "arms_imports_tiv", "2020-2024"] == 15
    assert values["NATO_EUROPE", "arms_imports_tiv", "2015-2019"] == 3
    # like-for-like change: 2024 members (POL, SWE) had 10 in 2015-2019
    assert values["NATO_EUROPE", "arms_imports_change", "2020-2024"] == pytest.approx(15 / 10 - 1)


def test_pending_orders_and_their_us_share() -> None:
    transfers = register(("POL", "USA", 40.0, [2023], 100.0, 2022),  # 60 pending
                         ("POL", "DEU", 0.0, [], 20.0, 2024),  # 20 pending
                         ("POL", "USA", 10.0, [2005], 50.0, 2000))  # old and cut short: not pending
    values = run_dependency(bilateral([("USA", "POL", 2023, 40)]), transfers)
    assert values["POL", "pending_orders_tiv", "2024"] == 80
    assert values["POL", "us_share_of_pending_orders", "2024"] == pytest.approx(0.75)
    assert values["POL", "european_share_of_pending_orders", "2024"] == pytest.approx(0.25)
    assert values["POL", "pending_orders_tiv_from_USA", "2024"] == 60


def test_selected_deals_are_not_pending_orders() -> None:
    """A deal SIPRI gives as selected but not yet ordered is not an order, so not in the pipeline (as it is not in
    the orders placed); of a deal only partly selected, the selected units' TIV is left out."""
    transfers = register(("NOR", "DEU", 0.0, [], 550.0, 2025),  # 2 Type-212: "contract not yet signed"
                         ("NOR", "USA", 0.0, [], 100.0, 2024),  # an order: 100 pending
                         ("NOR", "FIN", 20.0, [2025], 746.0, 2025))  # 746 at 1 each, 466 selected, 20 delivered
    transfers.loc[0, "comments"] = "Selected 2025 but contract not yet signed by end 2025"
    transfers.loc[2, ["comments", "tiv_per_unit"]] = ["incl 280 ordered 2025 and 466 more selected 2025", 1.0]
    values = run_dependency(bilateral([("USA", "NOR", 2023, 10)]), transfers, ["NOR"])
    # 100 (USA) + 746 - 466 - 20 = 260 (FIN); Germany's selection adds nothing
    assert values["NOR", "pending_orders_tiv", "2024"] == pytest.approx(100 + 260)
    assert values["NOR", "us_share_of_pending_orders", "2024"] == pytest.approx(100 / 360)
    assert ("NOR", "pending_orders_tiv_from_DEU", "2024") not in values.index


def test_planned_units_are_not_pending_and_pending_orders_split_into_firm_and_uncertain() -> None:
    transfers = register(("POL", "USA", 2460.0, [2012, 2024], 7560.0, 2006),  # 126 at 60 each, 41 delivered
                         ("POL", "KOR", 0.0, [], 100.0, 2024),  # a number SIPRI marks '?'
                         ("POL", "DEU", 0.0, [], 20.0, 2024))  # firm
    transfers.loc[0, ["comments", "number_ordered_uncertain", "tiv_per_unit"]] = [
        "'JCA' programme; 126 planned of which 48 ordered by end-2025; delivery of 1st 75 planned by 2033", True, 60.0]
    transfers.loc[1, "number_ordered_uncertain"] = True
    values = run_dependency(bilateral([("USA", "POL", 2024, 10)]), transfers)
    # USA: 7560 - 2460 = 5100 undelivered, of which (126 - 48) x 60 = 4680 planned, not ordered, so not pending;
    # the 7 ordered and undelivered (420) are firm: the '?' is on the planned fleet, whose ordered units are given
    assert values["POL", "pending_orders_tiv", "2024"] == pytest.approx(420 + 100 + 20)
    assert values["POL", "pending_orders_tiv_firm", "2024"] == pytest.approx(420 + 20)
    assert values["POL", "pending_orders_tiv_uncertain", "2024"] == pytest.approx(100)
    assert values["POL", "us_share_of_pending_orders_firm", "2024"] == pytest.approx(420 / 440)
    assert values["POL", "us_share_of_pending_orders_uncertain", "2024"] == 0
    assert values["POL", "us_share_of_pending_orders", "2024"] == pytest.approx(420 / 540)
    assert values["POL", "safe_eligible_share_of_pending_orders", "2024"] == pytest.approx(20 / 540)


def test_weapon_categories_by_supplier_bloc_and_safe_share_by_hand() -> None:
    # SIPRI's tables: USA 60, DEU 30, CAN 5, GBR 5 in 2020-2024 (total 100)
    flows = bilateral([("USA", "POL", 2022, 60), ("DEU", "POL", 2023, 30), ("CAN", "POL", 2024, 5),
                       ("GBR", "POL", 2024, 5)])
    # the register's deal years; each bloc's are scaled to the bloc's total in the tables: US 30 -> 60 (x2),
    # European (DEU) 15 -> 35 with GBR (x7/3), others (KOR) 5 -> 5 (Canada's 5)
    deal_rows = pd.DataFrame([("USA", 2022, 20.0, "air_defence"), ("USA", 2022, 10.0, "combat_aircraft"),
                              ("DEU", 2023, 5.0, "air_defence"), ("DEU", 2023, 10.0, "ships"),
                              ("KOR", 2024, 5.0, "artillery")], columns=["supplier", "year", "tiv", "category"])
    deal_rows["recipient"] = "POL"
    out = dp.dependency_metrics(flows, deal_rows, register(), ["POL"], 2024, COUNTRIES, "src")
    values = out.frame("test").set_index(["country", "metric", "period"])["value"]
    window = "2020-2024"
    assert values["POL", "arms_imports_tiv_air_defence_from_us", window] == pytest.approx(40)
    assert values["POL", "arms_imports_tiv_air_defence_from_europe", window] == pytest.approx(5 * 7 / 3)
    assert values["POL", "arms_imports_tiv_air_defence_from_others", window] == 0
    assert values["POL", "arms_imports_tiv_ships_from_europe", window] == pytest.approx(10 * 7 / 3)
    assert values["POL", "arms_imports_tiv_artillery_from_others", window] == pytest.approx(5)
    air_defence = 40 + 5 * 7 / 3
    assert values["POL", "us_share_of_air_defence_imports", window] == pytest.approx(40 / air_defence)
    assert values["POL", "european_share_of_air_defence_imports", window] == pytest.approx(35 / 3 / air_defence)
    assert values["POL", "us_share_of_ships_imports", window] == 0
    assert values["POL", "share_of_air_defence_imports_from_USA", window] == pytest.approx(40 / air_defence)
    assert values["POL", "share_of_air_defence_imports_from_DEU", window] == pytest.approx(35 / 3 / air_defence)
    assert values["POL", "share_of_artillery_imports_from_KOR", window] == 1
    assert ("POL", "us_share_of_helicopters_imports", window) not in values.index  # no helicopters: no share
    # each bloc's parts add up to its total in SIPRI's tables, the figures the text quotes
    assert sum(values["POL", f"arms_imports_tiv_{c}_from_europe", window] for c in CATEGORIES) == pytest.approx(35)
    parts = [values["POL", f"arms_imports_tiv_{c}_from_{b}", window] for c in CATEGORIES
             for b in ("us", "europe", "others")]
    assert sum(parts) == pytest.approx(100)
    # SAFE: the EU (DEU) and Canada (agreement of 1 December 2025), not the UK nor the US
    assert values["POL", "safe_eligible_share_of_arms_imports", window] == pytest.approx(0.35)
    assert values["POL", "european_share_of_arms_imports", window] == pytest.approx(0.35)  # DEU and GBR


def test_us_procurement_at_stake_by_hand() -> None:
    """The scenario applies the US share of the orders placed since 2022, not of past deliveries: Finland, whose
    deliveries of 2021-25 held nothing from the US, has ordered mostly American since 2022."""
    rows = pd.DataFrame([
        ("POL", "nato_gap_to_3_5pct_gdp_usd", "2023", 100.0, False),
        ("POL", "nato_gap_to_3_5pct_gdp_usd", "2024", 50.0, True),
        ("POL", "nato_equipment_share", "2024", 0.4, True),
        ("POL", "us_share_of_arms_orders", "2022-2025", 0.5, False),
        ("POL", "us_share_of_arms_imports", "2021-2025", 0.9, False),  # past deliveries: not used
        ("EST", "nato_gap_to_3_5pct_gdp_usd", "2024", 20.0, False),  # no equipment share: NATO's 20% guideline
        ("EST", "us_share_of_arms_orders", "2022-2025", 0.25, False),
        ("FIN", "nato_gap_to_3_5pct_gdp_usd", "2024", 30.0, False),
        ("FIN", "us_share_of_arms_imports", "2021-2025", 0.0, False),
        ("FIN", "us_share_of_arms_orders", "2022-2025", 0.9, False),
        ("AUT", "us_share_of_arms_orders", "2022-2025", 0.9, False),  # not an ally: no NATO gap
    ], columns=["country", "metric", "period", "value", "estimate"])
    out = dv.procurement_at_stake(rows, ["POL", "EST", "FIN"], {"GROUP": ["POL", "EST", "AUT"]}, "2022-2025")
    values = out.frame("t").set_index(["country", "metric", "period"])
    assert values.loc[("POL", "us_procurement_at_stake_usd", "2024"), "value"] == pytest.approx(50 * 0.4 * 0.5)
    assert bool(values.loc[("POL", "us_procurement_at_stake_usd", "2024"), "estimate"])  # NATO's 2024e
    assert values.loc[("EST", "us_procurement_at_stake_usd", "2024"), "value"] == pytest.approx(20 * 0.2 * 0.25)
    assert "20% guideline" in values.loc[("EST", "us_procurement_at_stake_usd", "2024"), "source"]
    assert "orders placed since 2022" in values.loc[("EST", "us_procurement_at_stake_usd", "2024"), "source"]
    assert values.loc[("FIN", "us_procurement_at_stake_usd", "2024"), "value"] == pytest.approx(30 * 0.2 * 0.9)
    assert values.loc[("GROUP", "us_procurement_at_stake_usd", "2024"), "value"] == pytest.approx(10 + 1)
    assert ("AUT", "us_procurement_at_stake_usd", "2024") not in values.index


def test_safe_eligible_suppliers_are_the_eu_the_eea_efta_states_ukraine_and_canada() -> None:
    safe = dv.safe_eligible_suppliers(COUNTRIES)
    eu = set(COUNTRIES.members("EU27", 2025))
    assert safe == eu | {"NOR", "ISL", "LIE", "UKR", "CAN"}
    assert not {"GBR", "CHE", "USA", "KOR", "TUR", "JPN"} & safe


def milex(rows: list[tuple[str, str, int, float]], estimate: bool = False) -> pd.DataFrame:
    return pd.DataFrame([{"code": c, "measure": m, "year": y, "value": v, "base_year": 2023, "estimate": estimate,
                          "uncertain": False} for c, m, y, v in rows])


def test_spending_gaps_real_change_and_group_ratios_by_hand() -> None:
    table = milex([
        ("EST", "milex_current_usd", 2023, 10.0), ("EST", "milex_share_of_gdp", 2023, 0.01),  # GDP 1000
        ("EST", "milex_constant_usd", 2022, 8.0), ("EST", "milex_constant_usd", 2023, 10.0),
        ("LVA", "milex_current_usd", 2023, 30.0), ("LVA", "milex_share_of_gdp", 2023, 0.03),  # GDP 1000
        ("LVA", "milex_constant_usd", 2022, 30.0), ("LVA", "milex_constant_usd", 2023, 30.0),
    ])
    sources = {"sipri": "s", "sipri_derived": "d", "nato": "n"}
    out = sp.spending_metrics(table, None, ["EST", "LVA"], [], COUNTRIES, 2023, sources).frame("t")
    values = out.set_index(["country", "metric", "period"])["value"]
    assert values["EST", "gdp_current_usd", "2023"] == pytest.approx(1000)
    assert values["EST", "gap_to_2pct_gdp_usd", "2023"] == pytest.approx(10)  # 20 - 10
    assert values["EST", "gap_to_3_5pct_gdp_usd", "2023"] == pytest.approx(25)  # 35 - 10
    assert values["LVA", "gap_to_2pct_gdp_usd", "2023"] == 0  # met: zero, not negative
    assert values["EST", "milex_real_change", "2023"] == pytest.approx(0.25)
    # a group of the two (membership through the real table would add others, so test the helpers directly)
    lookups = sp.lookups(sp.country_series(table))
    derived = sp.lookups(sp.derived_series(sp.country_series(table)))
    share = sp._group_ratio(lookups["milex_current_usd"], derived["gdp_current_usd"], ["EST", "LVA"], 2023)
    assert share == pytest.approx(40 / 2000)


def test_nato_gaps_are_measured_on_natos_own_share() -> None:
    """NATO's June 2024 edition, the Netherlands 2024e: 21,460 US$ m spent against 1,162,883 US$ m of GDP (1.85% at
    current prices) but a share of real GDP of 2.05% (Table 3). The 2% guideline is met on NATO's share: no gap;
    the 3.5% gap is (3.5% - 2.05%) x GDP."""
    table = milex([("NLD", "milex_current_usd", 2024, 23600.0), ("NLD", "milex_share_of_gdp", 2024, 0.019)])
    nato = milex([("NLD", "nato_defexp_current_usd", 2024, 21460.0), ("NLD", "nato_share_of_gdp", 2024, 0.0205),
                  ("NLD", "nato_gdp_current_usd", 2024, 1162883.0)])
    sources = {"sipri": "s", "sipri_derived": "d", "nato": "n"}
    values = sp.spending_metrics(table, nato, ["NLD"], [], COUNTRIES, 2024, sources).frame("t").set_index(
        ["country", "metric", "period"])["value"]
    assert values["NLD", "nato_gap_to_2pct_gdp_usd", "2024"] == 0
    assert values["NLD", "nato_gap_to_3_5pct_gdp_usd", "2024"] == pytest.approx((0.035 - 0.0205) * 1162883)


def test_nato_gaps_only_for_the_years_a_country_was_an_ally() -> None:
    """NATO's June 2024 tables print Sweden from 2014, but Sweden "became an Ally on 7 March 2024": its shares of
    2023 and 2024 are figures, its gap to the 2% guideline a figure for 2024 only ((2% - 1.66%) x GDP of 2023 would
    be a gap to a guideline that did not bind it)."""
    table = milex([("SWE", "milex_current_usd", 2024, 12000.0), ("SWE", "milex_share_of_gdp", 2024, 0.02)])
    nato = milex([("SWE", "nato_share_of_gdp", 2023, 0.0166), ("SWE", "nato_gdp_current_usd", 2023, 584000.0),
                  ("SWE", "nato_share_of_gdp", 2024, 0.0214), ("SWE", "nato_gdp_current_usd", 2024, 590000.0)])
    sources = {"sipri": "s", "sipri_derived": "d", "nato": "n"}
    values = sp.spending_metrics(table, nato, ["SWE"], [], COUNTRIES, 2024, sources).frame("t").set_index(
        ["country", "metric", "period"])["value"]
    assert values["SWE", "nato_share_of_gdp", "2023"] == pytest.approx(0.0166)
    assert ("SWE", "nato_gap_to_2pct_gdp_usd", "2023") not in values.index
    assert ("SWE", "nato_gap_to_3_5pct_gdp_usd", "2023") not in values.index
    assert values["SWE", "nato_gap_to_2pct_gdp_usd", "2024"] == 0
    assert values["SWE", "nato_gap_to_3_5pct_gdp_usd", "2024"] == pytest.approx((0.035 - 0.0214) * 590000)


def test_group_totals_need_every_member() -> None:
    table = milex([("EST", "milex_current_usd", 2023, 10.0)])
    lookup = sp.lookups(sp.country_series(table))["milex_current_usd"]
    assert sp._group_sum(lookup, ["EST"], 2023) == 10
    assert sp._group_sum(lookup, ["EST", "LVA"], 2023) is None


def test_every_register_wording_maps_and_an_unknown_one_is_named() -> None:
    transfers = register(("POL", "USA", 1.0, [2020], 1.0, 2020, "APC"),
                         ("POL", "USA", 1.0, [2020], 1.0, 2020, "armoured personnel carrier"),
                         ("POL", "USA", 1.0, [2020], 1.0, 2020, "SAM system"))
    assert list(weapon_category(transfers)) == ["armoured_vehicles", "armoured_vehicles", "air_defence"]
    bad = register(("POL", "USA", 1.0, [2020], 1.0, 2020, "laser cannon"))
    with pytest.raises(InputError, match=r"laser cannon.*line 13.*Weapon description"):
        weapon_category(bad, "data/raw/register.csv")


def test_catalogue_covers_the_required_metrics_and_the_methodology_page_renders_it() -> None:
    required = ["arms_imports_tiv", "us_share_of_arms_imports", "european_share_of_arms_imports", "supplier_hhi",
                "pending_orders_tiv", "us_share_of_pending_orders", "milex_current_usd", "milex_constant_usd",
                "milex_real_change", "milex_share_of_gdp", "milex_per_capita_usd", "milex_share_of_govt_spending",
                "nato_share_of_gdp", "nato_equipment_share", "gap_to_2pct_gdp_usd", "gap_to_3_5pct_gdp_usd",
                "supplier_share_USA", "category_share_air_defence", "milex_share_of_gdp_rank_in_europe"]
    assert [m for m in required if definition_of(m) is None] == []
    from conftest import ROOT

    from defence_briefs.validation.methodology import block
    page = (ROOT / "methodology.md").read_text(encoding="utf-8")
    assert block(page, "catalogue") == catalogue_markdown(), "run `python build.py methodology`"


def test_sipri_groups_count_todays_members_in_every_window() -> None:
    # SIPRI_EURO_NATO ('latest' convention): Sweden (NATO 2024) counts in 2015-2019 too; Türkiye never
    # (SIPRI puts it in the Middle East); NATO_EUROPE ('by_year') counts Sweden only from 2024
    flows = bilateral([("USA", "SWE", 2017, 8), ("USA", "POL", 2017, 2), ("USA", "TUR", 2017, 50),
                       ("DEU", "SWE", 2022, 4)])
    values = run_dependency(flows, entities=["SIPRI_EURO_NATO", "NATO_EUROPE", "POL", "SWE", "TUR"])
    assert values["SIPRI_EURO_NATO", "arms_imports_tiv", "2015-2019"] == 10
    assert values["NATO_EUROPE", "arms_imports_tiv", "2015-2019"] == 52
    assert values["SIPRI_EURO_NATO", "arms_imports_tiv", "2017"] == 10
    assert values["SIPRI_EURO_NATO", "arms_imports_change", "2020-2024"] == pytest.approx(4 / 10 - 1)
    assert "TUR" not in COUNTRIES.members("SIPRI_EUROPE", 2024)
    assert {"RUS", "UKR", "BLR", "CYP"} <= set(COUNTRIES.members("SIPRI_EUROPE", 2024))


def test_world_and_exporter_rows_by_hand() -> None:
    # 2020-2024: world imports 100 (USA 60: 40 to POL, 20 to JPN; FRA 30 to POL; KOR 10 to POL); 2015-2019: 80
    flows = bilateral([("USA", "POL", 2021, 40), ("USA", "JPN", 2022, 20), ("FRA", "POL", 2023, 30),
                       ("KOR", "POL", 2024, 10), ("USA", "JPN", 2016, 80)])
    values = run_dependency(flows, entities=["POL", "SIPRI_EUROPE"])
    assert values["WLD", "arms_imports_tiv", "2020-2024"] == 100
    assert values["WLD", "arms_imports_change", "2020-2024"] == pytest.approx(100 / 80 - 1)
    assert values["POL", "share_of_world_arms_imports", "2020-2024"] == pytest.approx(0.8)
    assert values["USA", "arms_exports_tiv", "2020-2024"] == 60
    assert values["USA", "share_of_world_arms_exports", "2020-2024"] == pytest.approx(0.6)
    assert values["USA", "share_of_arms_exports_to_SIPRI_EUROPE", "2020-2024"] == pytest.approx(40 / 60)
    assert values["USA", "share_of_arms_exports_to_SIPRI_EUROPE", "2015-2019"] == 0
    assert values["FRA", "share_of_world_arms_exports", "2020-2024"] == pytest.approx(0.3)


def test_a_figure_names_only_the_files_its_rows_used() -> None:
    flows = pd.DataFrame([
        {"supplier": "USA", "recipient": "POL", "year": 2021, "tiv": 4.0, "basis": "exact", "source_file": "us"},
        {"supplier": "KOR", "recipient": "POL", "year": 2024, "tiv": 6.0, "basis": "allocated",
         "source_file": "reg", "split_first": 2019, "split_last": 2024},
        {"supplier": "FRA", "recipient": "DEU", "year": 2024, "tiv": 6.0, "basis": "allocated",
         "source_file": "other; tot", "split_first": 2024, "split_last": 2024}])
    flows = flows.assign(split_first=flows["split_first"].fillna(flows["year"]).astype(int),
                         split_last=flows["split_last"].fillna(flows["year"]).astype(int))
    transfers = register().assign(category="armoured_vehicles")
    deal_rows = flows.assign(category="armoured_vehicles")
    frame = dp.dependency_metrics(flows, deal_rows, transfers, ["POL"], 2024, COUNTRIES, "src").frame("t")
    row = frame[(frame["country"] == "POL") & (frame["metric"] == "us_share_of_arms_imports")
                & (frame["period"] == "2020-2024")].iloc[0]
    assert row["source"] == "SIPRI Arms Transfers Database: reg, us"
    assert bool(row["estimate"])  # the 2024 value is part of a deal delivered 2019-24, which the window cuts
    year = frame[(frame["country"] == "POL") & (frame["metric"] == "arms_imports_from_us_tiv")
                 & (frame["period"] == "2021")].iloc[0]
    assert year["source"] == "SIPRI Arms Transfers Database: us" and not bool(year["estimate"])


def test_a_window_that_holds_a_split_deal_whole_is_no_estimate() -> None:
    # a 30 TIV deal delivered 2021-2023, split 10/15/5 by some table: 2021-2025 holds it whole (30, as registered,
    # no estimate); the single years and 2018-2022 (which holds 2021-22 only) rest on the split
    flows = pd.DataFrame([{"supplier": "KOR", "recipient": "POL", "year": y, "tiv": t, "basis": "shaped",
                           "source_file": "reg", "split_first": 2021, "split_last": 2023}
                          for y, t in ((2021, 10.0), (2022, 15.0), (2023, 5.0))])
    transfers = register().assign(category="armoured_vehicles")
    frame = dp.dependency_metrics(flows, flows.assign(category="armoured_vehicles"), transfers, ["POL"], 2025,
                                  COUNTRIES, "src").frame("t")
    total = frame[(frame["country"] == "POL") & (frame["metric"] == "arms_imports_tiv")].set_index("period")
    assert total.loc["2021-2025", "value"] == 30.0 and not bool(total.loc["2021-2025", "estimate"])
    assert total.loc["2018-2022", "value"] == 25.0 and bool(total.loc["2018-2022", "estimate"])
    assert total.loc["2022", "value"] == 15.0 and bool(total.loc["2022", "estimate"])


def _pairs(*rows: tuple[str, str, int, float], source: str = "old") -> pd.DataFrame:
    return pd.DataFrame([{"supplier": s, "recipient": r, "year": y, "tiv": t, "source_file": source}
                         for s, r, y, t in rows], columns=["supplier", "recipient", "year", "tiv", "source_file"])


def test_an_older_table_shapes_a_newer_registers_deals_but_decides_nothing() -> None:
    # release 2026's register: one US deal to Poland, 30 TIV delivered 2020-2022. An older US table (2024 release)
    # has 5 in 2020 and 20 in 2021, and 50 in 2019, a year no deal of the newer register lists; it also has 10 to
    # Switzerland in 2021, a deal SIPRI has since deleted. The deal keeps its 30: 5 and 20 as the table places them
    # ('shaped'), the 5 left in 2022 ('allocated', no table reaches it); the 2019 and Swiss values count nowhere.
    transfers = register(("POL", "USA", 30.0, [2020, 2021, 2022]))
    us = _pairs(("USA", "POL", 2019, 50.0), ("USA", "POL", 2020, 5.0), ("USA", "POL", 2021, 20.0),
                ("USA", "CHE", 2021, 10.0))
    exact = bt.exact_tiv({"us_exports_tiv": us}, {"us_exports_tiv": 2024})
    yearly = bt.allocate(transfers, exact, 2026).yearly
    assert yearly[["recipient", "year", "basis"]].values.tolist() == [
        ["POL", 2020, "shaped"], ["POL", 2021, "shaped"], ["POL", 2022, "allocated"]]
    assert yearly["tiv"].tolist() == pytest.approx([5.0, 20.0, 5.0], abs=1e-3)  # 50 rounds of raking converge
    assert yearly["source_file"].tolist() == ["reg; old", "reg; old", "reg"]
    assert yearly[["split_first", "split_last"]].drop_duplicates().values.tolist() == [[2020, 2022]]
    # the same table as the release's own (release 2024) is printed as it stands, 2019 and Switzerland included
    own = bt.allocate(transfers, exact, 2024).yearly
    assert own[own["basis"] == "exact"][["recipient", "year", "tiv"]].values.tolist() == [
        ["CHE", 2021, 10.0], ["POL", 2019, 50.0], ["POL", 2020, 5.0], ["POL", 2021, 20.0]]


def test_a_table_silent_in_every_year_of_a_deal_cannot_delete_it() -> None:
    # the older table covers the US in 2020-2021 (it lists a delivery to Germany) and shows nothing to Poland, where
    # the newer register has a 12 TIV deal delivered 2020-2021: the deal keeps its equal split, 6 and 6
    transfers = register(("POL", "USA", 12.0, [2020, 2021]))
    exact = bt.exact_tiv({"us_exports_tiv": _pairs(("USA", "DEU", 2020, 3.0), ("USA", "DEU", 2021, 4.0))},
                         {"us_exports_tiv": 2024})
    yearly = bt.allocate(transfers, exact, 2026).yearly
    assert yearly[["recipient", "year", "tiv"]].values.tolist() == [["POL", 2020, 6.0], ["POL", 2021, 6.0]]


def test_older_totals_shape_a_deal_only_once_split_by_their_own_register() -> None:
    # The 2024 release's totals: Poland imported 8 in 2021, 6 of them from the US (its US table); its own register
    # had France's 2 TIV delivered in 2021. The 2026 register revised France's deal to 10 TIV over 2021-2022.
    # Split by the 2024 register, the total gives France 2 in 2021, which shapes the revised deal: 2 and 8.
    # Without that register the totals cannot be split deal by deal and shape nothing: France's deal is split
    # equally, 5 and 5.
    newer = register(("POL", "USA", 6.0, [2021]), ("POL", "FRA", 10.0, [2021, 2022]))
    older = register(("POL", "USA", 6.0, [2021]), ("POL", "FRA", 2.0, [2021]))
    tables = {"us_exports_tiv": _pairs(("USA", "POL", 2021, 6.0), source="us"),
              "imports_tiv_totals": pd.DataFrame({"code": ["POL"], "direction": ["imports"], "year": [2021],
                                                  "tiv": [8.0], "source_file": ["tot"]})}
    exact = bt.exact_tiv(tables, {"us_exports_tiv": 2024, "imports_tiv_totals": 2024})
    shaped = bt.allocate(newer, exact, 2026, older).yearly.set_index(["supplier", "year"])
    assert shaped.loc[("FRA", 2021), "tiv"] == pytest.approx(2.0, abs=1e-6)
    assert shaped.loc[("FRA", 2022), "tiv"] == pytest.approx(8.0, abs=1e-6)
    assert shaped.loc[("USA", 2021), ["tiv", "basis"]].tolist() == [pytest.approx(6.0), "shaped"]
    equal = bt.allocate(newer, exact, 2026).yearly.set_index(["supplier", "year"])
    assert equal.loc[("FRA", 2021), ["tiv", "basis"]].tolist() == [pytest.approx(5.0), "allocated"]


def test_a_pair_table_that_lists_some_recipients_speaks_only_for_them() -> None:
    # SIPRI's 2024 pairs (2025 release) were exported for a selection of countries: they list the US to Poland
    # (4 in 2024), not a non-state recipient. Release 2026: the US deal to Poland, 10 TIV over 2023-2024, gets 4 in
    # 2024 as the table places it and 6 in 2023; the deal with the unlisted recipient keeps its 3 in 2024, untouched.
    transfers = register(("POL", "USA", 10.0, [2023, 2024]), ("NSA_PKK", "USA", 3.0, [2024]))
    exact = bt.exact_tiv({"supplier_pairs_tiv": _pairs(("USA", "POL", 2024, 4.0), source="a7")},
                         {"supplier_pairs_tiv": 2025})
    yearly = bt.allocate(transfers, exact, 2026).yearly.set_index(["recipient", "year"])
    assert yearly.loc[("POL", 2024), ["tiv", "basis"]].tolist() == [pytest.approx(4.0), "shaped"]
    assert yearly.loc[("POL", 2023), ["tiv", "basis"]].tolist() == [pytest.approx(6.0), "allocated"]
    assert yearly.loc[("NSA_PKK", 2024), ["tiv", "basis"]].tolist() == [3.0, "allocated"]
    # in release 2025 the table is its own: printed, and the deal's 2023 row counts as cut in every period
    own = bt.allocate(transfers, exact, 2025).yearly.set_index(["recipient", "year"])
    assert own.loc[("POL", 2024), ["tiv", "basis"]].tolist() == [4.0, "exact"]
    assert own.loc[("POL", 2023), ["split_first", "split_last"]].tolist() == [0, 9999]
