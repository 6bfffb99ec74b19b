"""Figures on buying less from the US: which suppliers the EU's SAFE loans accept, and the US share of the
procurement a spending increase would pay for (a scenario, labelled as one).

SAFE (Council Regulation (EU) 2025/1106 of 27 May 2025) lends for procurement in which components from outside
the EU, the EEA-EFTA states and Ukraine stay under 35% of the cost; third countries join through an agreement
(Article 17). `reference/safe_eligible_suppliers.csv` lists the eligible suppliers with the act or agreement
and its date, as checked on SAFE_CHECKED: Canada is the only third country with an agreement (concluded
1 December 2025); the United Kingdom's talks ended without one (28 November 2025); South Korea, Japan and
Türkiye had only asked to open talks.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import pandas as pd

from ..countries import CountryTable
from .records import UNIT_USD_M, MetricRows

SAFE_FILE = "safe_eligible_suppliers.csv"
SAFE_CHECKED = "27 November 2026"
SAFE_SOURCE = "Council Regulation (EU) 2025/1106 (SAFE) and the agreements in reference/safe_eligible_suppliers.csv"
# the scenario of us_procurement_at_stake_usd
CORE_DEFENCE_SHARE = 0.035  # NATO's Hague commitment: core defence, 3.5% of GDP by 2035
EQUIPMENT_GUIDELINE = 0.20  # NATO's guideline for the equipment share, used where NATO publishes none
US_SHARE_METRIC = "us_share_of_arms_orders"  # of the orders placed since 2022 (metrics.orders.since_invasion)


@lru_cache(maxsize=1)
def safe_table() -> tuple[dict[str, str], ...]:
    """The rows of reference/safe_eligible_suppliers.csv (code, basis, since, source)."""
    path = resources.files("defence_briefs").joinpath("reference", SAFE_FILE)
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))

# the one definition of SAFE-eligible suppliers (reference/safe_eligible_suppliers.csv), as every page words it
SAFE_ELIGIBLE_DEFINITION = ("the EU27, the EEA-EFTA states (Norway, Iceland, Liechtenstein), Ukraine, and Canada "
                            "by its agreement of 1 December 2025; not the United Kingdom, Switzerland, or the EU and "
                            "NATO as suppliers")


def safe_eligible_suppliers(countries: CountryTable) -> frozenset[str]:
    """The suppliers whose deliveries count as made in the EU, the EEA-EFTA states, Ukraine or a country with a
    SAFE agreement: `EU27` in the table stands for today's EU members."""
    codes: set[str] = set()
    for row in safe_table():
        if row["code"] == "EU27":
            codes |= {m.member for m in countries.memberships if m.group == "EU27" and m.left is None}
        else:
            codes.add(row["code"])
    return frozenset(codes)


def procurement_at_stake(rows: pd.DataFrame, allies: list[str], groups: dict[str, list[str]],
                         orders_window: str) -> MetricRows:
    """`us_procurement_at_stake_usd` for each ally, and each group as the sum of its allies: the extra spending
    to reach 3.5% of GDP (NATO's figures, latest year), times the share of spending on equipment (NATO's, else
    its 20% guideline), times the US share of the arms orders it placed in `orders_window` (orders since 2022: where
    new money goes now, which deliveries show only years later). A scenario: the pattern of today's orders applied
    to the increase. `rows` holds the release's other metrics."""
    read = rows[rows["metric"].isin([US_SHARE_METRIC, "nato_equipment_share"])]
    values = dict(zip(zip(read["country"], read["metric"], read["period"], strict=True), read["value"], strict=True))
    all_gaps = rows[rows["metric"] == "nato_gap_to_3_5pct_gdp_usd"]
    out = MetricRows()
    at_stake: dict[str, tuple[str, float, bool]] = {}
    for ally in allies:
        gaps = all_gaps[all_gaps["country"] == ally]
        us_share = values.get((ally, US_SHARE_METRIC, orders_window))
        if gaps.empty or us_share is None:
            continue
        latest = gaps.sort_values("period").iloc[-1]
        year = str(latest["period"])
        equipment = values.get((ally, "nato_equipment_share", year))
        share = EQUIPMENT_GUIDELINE if equipment is None else float(equipment)
        value = float(latest["value"]) * share * float(us_share)
        at_stake[ally] = (year, value, bool(latest["estimate"]))
        out.add(ally, "us_procurement_at_stake_usd", year, value, UNIT_USD_M, scenario_source(equipment is None),
                bool(latest["estimate"]))
    for group, members in groups.items():
        parts = [at_stake[m] for m in members if m in at_stake]
        if parts:
            year = max(part[0] for part in parts)
            out.add(group, "us_procurement_at_stake_usd", year, sum(part[1] for part in parts), UNIT_USD_M,
                    scenario_source(False), any(part[2] for part in parts))
    return out


def scenario_source(guideline: bool) -> str:
    equipment = "NATO's 20% guideline for equipment" if guideline else "NATO's equipment share"
    return (f"Scenario from NATO, Defence Expenditure of NATO Countries (gap to 3.5% of GDP; {equipment}) and "
            f"the SIPRI Arms Transfers Database (US share of the arms orders placed since 2022, in TIV)")
