"""Orders placed, on the real registers: the deals a reader knows are classified as SIPRI's words say.

Each case below is a row of the 2026 trade register (sipri_at_register_2026) read by hand: its comment, status and
flags decide what the row counts as. Skipped, with the reason, when DEFENCE_DATA_MIRROR is not set.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from defence_briefs.ingest.stage import load_table
from defence_briefs.metrics.stage import load_metrics, metrics_dir
from defence_briefs.project import Project

MIRROR = os.environ.get("DEFENCE_DATA_MIRROR")
pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not MIRROR, reason="DEFENCE_DATA_MIRROR is not set: no real raw files to test against"),
]


@pytest.fixture(scope="module")
def orders(real_project: Project) -> pd.DataFrame:
    return pd.read_csv(metrics_dir(real_project, "2026") / "orders.csv", dtype={"rules": str, "financed_by": str})


def _row(orders: pd.DataFrame, recipient: str, supplier: str, year: int, designation: str,
         number: int | None = None) -> pd.Series:
    rows = orders[(orders["recipient"] == recipient) & (orders["supplier"] == supplier)
                  & (orders["order_year"] == year) & (orders["weapon_designation"] == designation)]
    if number is not None:
        rows = rows[rows["number_ordered"] == number]
    assert len(rows) == 1, (recipient, supplier, year, designation, len(rows))
    return rows.iloc[0]


@pytest.mark.parametrize(("recipient", "supplier", "year", "designation", "number", "tiv"), [
    ("POL", "KOR", 2025, "K-2 Black Panther", 640, 3200.0),  # "selected but not yet ordered by end-2025"
    ("DNK", "USA", 2025, "F-35A Lightning-2", 16, 880.0),  # "Selected but not yet ordered by end-2025"
    ("BEL", "USA", 2025, "F-35A Lightning-2", 11, 605.0),  # "...; selected but not yet ordered by end-2025"
    ("GBR", "USA", 2025, "F-35A Lightning-2", 12, 660.0),  # "selected but not yet ordered by end-2025"
    ("NOR", "DEU", 2025, "Type-212", 2, 550.0),  # "Selected 2025 but contract not yet signed by end 2025"
    ("POL", "KOR", 2022, "K-9 Thunder 155mm", 308, 1336.72),  # "selected but contract not yet signed by end-2025"
])
def test_selections_a_reader_knows_are_not_orders(orders, recipient, supplier, year, designation, number,
                                                  tiv) -> None:
    row = _row(orders, recipient, supplier, year, designation, number)
    assert row["counted_as"] == "selection"
    assert row["order_tiv"] == 0 and row["selection_tiv"] == pytest.approx(tiv)


def test_orders_a_reader_knows_are_orders(orders) -> None:
    finland = _row(orders, "FIN", "USA", 2021, "F-35A Lightning-2")  # the 64 F-35A of the HX programme
    assert finland["counted_as"] == "order" and finland["number_ordered"] == 64 and finland["order_tiv"] > 0
    slovakia = _row(orders, "SVK", "ITA", 2014, "C-27J Spartan")  # "Selected 2008 but order delayed until 2014"
    assert slovakia["counted_as"] == "order"
    switzerland = _row(orders, "CHE", "USA", 2021, "F-35A Lightning-2")  # "incl 28 selected but not yet ordered"
    assert switzerland["counted_as"] == "order and selection"
    assert switzerland["selection_tiv"] == pytest.approx(28 * switzerland["tiv_per_unit"])
    uk = _row(orders, "GBR", "USA", 2006, "F-35B Lightning-2")  # "126 planned of which 48 ordered by end-2025"
    assert uk["order_tiv"] == pytest.approx(48 * uk["tiv_per_unit"])
    assert uk["planned_tiv"] == pytest.approx((126 - 48) * uk["tiv_per_unit"])
    greece = _row(orders, "GRC", "USA", 2024, "F-35A Lightning-2")  # "Option on 20 more": 20 ordered
    assert greece["order_tiv"] == pytest.approx(20 * greece["tiv_per_unit"]) and "option" in greece["rules"]


def test_ukraine_purl_order_names_its_european_payers(orders) -> None:
    """'Financed by aid from Denmark; Lithuania; Netherlands; Norway; Sweden and other European countries as part of
    Prioritized Ukraine Requirements List (PURL) program' (Ukraine, Patriot, 2025)."""
    patriot = _row(orders, "UKR", "USA", 2025, "Patriot")
    assert patriot["aid"] and patriot["financed_by"] == "DNK;LTU;NLD;NOR;SWE;others"


def test_europe_orders_add_up_and_leave_selections_out(real_project: Project, orders) -> None:
    metrics = load_metrics(real_project, "2026").set_index(["country", "metric", "period"])["value"]
    for year in range(2016, 2026):
        total = metrics["EUROPE", "arms_orders_tiv", str(year)]
        blocs = sum(metrics["EUROPE", f"arms_orders_tiv_from_{b}", str(year)] for b in ("us", "europe", "others"))
        assert blocs == pytest.approx(total)
        of_year = orders[orders["order_year"] == year]
        assert total == pytest.approx(of_year["order_tiv"].sum())  # the published rows add up to the figure
        assert metrics["EUROPE", "arms_selections_tiv", str(year)] == pytest.approx(of_year["selection_tiv"].sum())
    # Europe without Ukraine leaves out Ukraine's orders, nothing else
    ukraine = orders[(orders["recipient"] == "UKR") & orders["order_year"].between(2022, 2025)]["order_tiv"].sum()
    assert (metrics["EUROPE", "arms_orders_tiv", "2022-2025"] - metrics["EUROPE_EX_UKR", "arms_orders_tiv",
                                                                         "2022-2025"]) == pytest.approx(ukraine)


def test_order_revisions_compare_the_three_registers(real_project: Project) -> None:
    revisions = pd.read_csv(metrics_dir(real_project, "2026") / "order_revisions.csv",
                            dtype={"first_release": str, "later_release": str})
    assert {(r.order_year, r.first_release, r.later_release) for r in revisions.itertuples()} == {
        (2023, "2024", "2025"), (2023, "2024", "2026"), (2024, "2025", "2026")}


def test_a_partly_selected_deal_is_named_by_its_selected_part(briefs_project: Project) -> None:
    """Germany's Patria 6x6 ("incl 280 ordered 2025 and 466 more selected 2025"): the brief's selections sentence
    names the 466 selected, not the 746 of the whole deal."""
    page = (briefs_project.root / "reports" / "2026" / "countries" / "DEU.html").read_text(encoding="utf-8")
    text = " ".join(BeautifulSoup(page, "html.parser").get_text().split())
    assert "the largest, 466 more Patria 6x6 from Finland (2025)" in text


def test_the_pending_rule_as_the_pages_write_it_gives_the_pending_totals(real_project: Project, orders) -> None:
    """The rule in the methodology and the catalogue (orders placed 2015–25, and older orders with a delivery in
    2023–25, for data to 2025), applied here to the register by hand, gives Europe's and Turkey's pending
    totals; the second read found the old wording ('the last ten years or still delivering in the last two')
    left out a 2015 Scanter-6000 and a 2008 T-129 that the totals hold."""
    from defence_briefs.countries import country_table
    from defence_briefs.metrics.dependency import PENDING_RULE

    assert "2015–25" in PENDING_RULE and "2023–25" in PENDING_RULE and "selected but not yet ordered" in PENDING_RULE
    assert "planned fleet beyond those ordered" in PENDING_RULE
    register = load_table(real_project, "2026", "transfers")
    metrics = load_metrics(real_project, "2026").set_index(["country", "metric", "period"])["value"]
    # what SIPRI gives as selected but not yet ordered, and the units of a planned fleet beyond those ordered, are
    # not orders (orders.csv's selection_tiv and planned_tiv, pinned above: Switzerland's F-35A, the UK's F-35B)
    by_ref = orders.set_index("source_ref")
    selected = register["source_ref"].map(by_ref["selection_tiv"]).fillna(0.0)
    planned = register["source_ref"].map(by_ref["planned_tiv"]).fillna(0.0)
    undelivered = register["tiv_order"] - selected - planned - register["tiv_delivered"].fillna(0.0)
    last_delivery = register["delivery_years"].map(lambda years: max(years) if len(years) else 0)
    kept = (undelivered > 0) & ((register["order_year"] >= 2015) | (last_delivery >= 2023))
    for entity in ("EUROPE", "TUR"):
        members = country_table().members(entity, 2025) if entity == "EUROPE" else [entity]
        by_hand = undelivered[kept & register["recipient"].isin(members)].sum()
        assert by_hand == pytest.approx(metrics[entity, "pending_orders_tiv", "2025"], rel=1e-9), entity
    old_words = (undelivered > 0) & ((register["order_year"] >= 2016) | (last_delivery >= 2024))
    assert (kept & ~old_words & register["recipient"].isin(country_table().members("EUROPE", 2025))).any()


def test_selections_a_reader_knows_are_not_in_the_pipeline(real_project: Project) -> None:
    """Norway's 2 Type-212 from Germany ("Selected 2025 but contract not yet signed by end 2025", 550 TIV) are not
    an undelivered order: Norway's pipeline from Germany is its four German orders of 2019-23 with TIV undelivered,
    read by hand (PSB-2 10 - 8.75, Type-212 x4 1100, Wisent-2 27.5, PMMC-G5 19.8 - 14.4). The Netherlands' 5 F-35A
    of 2024 ("selected but contract not yet signed") are not among its largest undelivered US orders."""
    metrics = load_metrics(real_project, "2026").set_index(["country", "metric", "period"])["value"]
    assert metrics["NOR", "pending_orders_tiv_from_DEU", "2025"] == pytest.approx(1.25 + 1100 + 27.5 + 5.4)
    deals = pd.read_csv(metrics_dir(real_project, "2026") / "pending_us_deals.csv")
    dutch_f35 = deals[(deals["recipient"] == "NLD") & (deals["weapon_designation"] == "F-35A Lightning-2")]
    assert dutch_f35["order_year"].tolist() == [2022]  # the 6 of 2022 (220 undelivered), not the 5 selected



def _text(project: Project, country: str) -> str:
    page = (project.root / "reports" / "2026" / "countries" / f"{country}.html").read_text(encoding="utf-8")
    return " ".join(BeautifulSoup(page, "html.parser").get_text().split())


def test_orders_sipri_has_not_valued_are_counted_beside_the_shares(briefs_project: Project) -> None:
    """The order shares by volume leave out orders SIPRI gives no total TIV yet. The Netherlands' register rows of
    2022-25 with no TIV for the total order, read by hand: 18, of which the 44 CV-90 Mk-4 IFV from Sweden (2025) are
    "selected 2025 but not yet ordered by end-2025", so 17 orders; 11 from European suppliers (Germany 6: Leopard-2A8,
    Skyranger-30, ship engine, RAM Block-2B twice, RCT-30; Norway 2: JSM, NOMADS; Finland, France, Sweden 1 each);
    among them 4 Orka from France (2024) and 46 Leopard-2A8 from Germany (2025)."""
    register = load_table(briefs_project, "2026", "transfers")
    no_tiv = register[(register["recipient"] == "NLD") & (register["order_year"] >= 2022)
                      & (register["tiv_order"].fillna(0.0) <= 0)]
    assert len(no_tiv) == 18
    assert no_tiv["supplier"].isin(["DEU", "NOR", "FIN", "FRA", "SWE"]).sum() == 12  # with the CV-90 selection
    assert ("SIPRI gives no total TIV yet to 17 orders the Netherlands placed in 2022–25 (11 from European suppliers), "
            "among them 4 Orka from France (2024) and 46 Leopard-2A8 from Germany (2025): the shares by volume above "
            "leave them out.") in _text(briefs_project, "NLD")


@pytest.mark.parametrize(("country", "sentence"), [
    # Montenegro's only orders of 2022-25 have no TIV (2 OPV-60M from France, 2024; CARDOM 120mm from Israel, 2023,
    # no number): no shares to leave them out of
    ("MNE", "SIPRI's register records no valued arms orders placed by Montenegro since 2022. SIPRI gives no total "
            "TIV yet to 2 orders Montenegro placed in 2022–25 (1 from European suppliers), among them 2 OPV-60M from "
            "France (2024). "),
    # Albania's one: 20? LMV-2 from Italy (2025), a number SIPRI marks uncertain
    ("ALB", "SIPRI gives no total TIV yet to Albania's order of about 20 LMV-2 from Italy (2025): the shares by volume "
            "above leave it out."),
    # Poland's platforms first: 36 FA-50 Block-20 from South Korea (2022); 3 A-26 from Sweden, an order year SIPRI
    # marks uncertain ("2025,?"), which keeps its '?'
    ("POL", "among them 36 FA-50 Block-20 from South Korea (2022) and 3 A-26 from Sweden (2025?): the shares by "
            "volume above leave them out."),
])
def test_orders_without_tiv_in_the_words_a_reader_checks(briefs_project: Project, country: str,
                                                         sentence: str) -> None:
    assert sentence.replace("'", "\u2019") in _text(briefs_project, country)


def test_a_partly_selected_us_deal_shows_its_selected_units(briefs_project: Project) -> None:
    """Switzerland's 36 F-35A of 2021: "incl 28 selected but not yet ordered", TIV 55 each, none delivered, so 8
    are pending (440 TIV m); the table of undelivered US orders says so."""
    text = _text(briefs_project, "CHE")
    assert "F-35A Lightning-2 fighter/ground-attack aircraft 2021 36 (28 selected) 0 440" in text
    assert "units SIPRI gives as selected but not yet ordered are named apart and not counted" in text


def test_planned_units_a_reader_knows_are_not_in_the_pipeline(real_project: Project) -> None:
    """The United Kingdom's F-35B (2026 register, line 28048): "2006?, 126?, ... 41? delivered, ... 126 planned of
    which 48 ordered by end-2025", 60 TIV each, 7,560 for the 126 and 2,460 delivered. The 78 planned beyond those
    ordered are not an order: 7 ordered aircraft are undelivered, 420 TIV, all pending and firm (the '?' is on the
    planned fleet); not 5,100."""
    deals = pd.read_csv(metrics_dir(real_project, "2026") / "pending_us_deals.csv")
    f35b = deals[(deals["recipient"] == "GBR") & (deals["weapon_designation"] == "F-35B Lightning-2")].iloc[0]
    assert f35b["pending_tiv"] == pytest.approx((48 - 41) * 60)
    assert f35b["planned_tiv"] == pytest.approx((126 - 48) * 60)
    assert f35b["firm_pending_tiv"] == pytest.approx(420) and f35b["uncertain_pending_tiv"] == 0
    metrics = load_metrics(real_project, "2026").set_index(["country", "metric", "period"])["value"]
    assert metrics["GBR", "pending_orders_tiv", "2025"] == pytest.approx(
        metrics["GBR", "pending_orders_tiv_firm", "2025"] + metrics["GBR", "pending_orders_tiv_uncertain", "2025"])


def test_the_us_deals_table_names_planned_units_apart(briefs_project: Project) -> None:
    """The UK's F-35B row of the table of undelivered US orders: 126? ordered, 78 of them planned, 41? delivered,
    420 TIV m undelivered (line 28048 of the 2026 register, as above)."""
    text = _text(briefs_project, "GBR")
    assert "F-35B Lightning-2 fighter/ground-attack aircraft 2006? 126? (78 planned) 41? 420" in text
    assert "units SIPRI gives as planned beyond those ordered are named apart and not counted" in text
