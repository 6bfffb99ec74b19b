"""What Europe's own industry has delivered, role by role, from the register alone (no judgement of which
system replaces which): the evidence a brief needs to say what buying less from the US could draw on.

`european_alternatives`: every European-made system that a European supplier delivered new to anyone in the last
ten years, per weapon category and role, with the number of recipient countries, the TIV delivered and how many
of the recipients are European. Second-hand transfers are left out: a Dutch F-16 sold on is not European-made.
New production by a European supplier can still be a US design made under licence (Germany's AIM-9L
Sidewinders) or US-made stock that SIPRI lists as new (Romania's Patriot systems to Ukraine): the column
`also_supplied_by_us` says where the US itself delivered the same designation, anywhere, as the register shows.
`imports_by_role`: what each European country received in the latest window, per role, supplier and system, so a
brief can set its US-supplied roles against the European systems of the same role.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .dependency import US, WINDOW_YEARS

ALTERNATIVE_YEARS = 10
NEW = "New"  # the register's status of a newly made weapon
ALTERNATIVE_COLUMNS = ["category", "role", "supplier", "weapon_designation", "weapon_description", "recipients",
                       "european_recipients", "tiv_delivered", "first_year", "last_year", "also_supplied_by_us",
                       "source_file"]
ROLE_IMPORT_COLUMNS = ["recipient", "category", "role", "supplier", "weapon_designation", "tiv", "source_file"]


def _deal_years(transfers: pd.DataFrame, deal_rows: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Deal years in [first, last] with the deal's category, role, designation, description and status."""
    rows = deal_rows[deal_rows["year"].between(first, last) & (deal_rows["tiv"] > 0)]
    details = transfers.loc[rows["deal"].to_numpy(), ["category", "role", "weapon_designation", "weapon_description",
                                                       "status"]]
    return rows.assign(**{column: details[column].to_numpy() for column in details.columns})


def european_alternatives(transfers: pd.DataFrame, deal_rows: pd.DataFrame, european_suppliers: Iterable[str],
                          europe: Iterable[str], last_year: int, years: int = ALTERNATIVE_YEARS) -> pd.DataFrame:
    """European-made systems delivered new by European suppliers to any recipient in the `years` up to
    `last_year`, one row per category, role, supplier and designation, largest TIV first within each role.

    `transfers`: the register with `category` and `role`; `deal_rows`: allocated deal years (`deal` indexes
    `transfers`); `europe`: the countries counted as European buyers."""
    first = last_year - years + 1
    rows = _deal_years(transfers, deal_rows, first, last_year)
    rows = rows[rows["supplier"].isin(set(european_suppliers)) & (rows["status"] == NEW)
                & ~rows["supplier"].str.startswith("ORG_")]
    if rows.empty:
        return pd.DataFrame(columns=ALTERNATIVE_COLUMNS)
    europe = set(europe)
    rows = rows.assign(european_recipient=rows["recipient"].where(rows["recipient"].isin(europe)))
    keys = ["category", "role", "supplier", "weapon_designation"]
    table = rows.groupby(keys, as_index=False).agg(
        weapon_description=("weapon_description", lambda d: d.mode().iloc[0]),
        recipients=("recipient", "nunique"), european_recipients=("european_recipient", "nunique"),
        tiv_delivered=("tiv", "sum"), first_year=("year", "min"), last_year=("year", "max"),
        source_file=("source_file", "first"))
    us_designations = set(transfers.loc[transfers["supplier"] == US, "weapon_designation"].dropna().str.casefold())
    table["also_supplied_by_us"] = table["weapon_designation"].str.casefold().isin(us_designations)
    table = table.sort_values(["category", "role", "tiv_delivered", "weapon_designation"],
                              ascending=[True, True, False, True], kind="stable")
    return table[ALTERNATIVE_COLUMNS].reset_index(drop=True)


def imports_by_role(transfers: pd.DataFrame, deal_rows: pd.DataFrame, recipients: Iterable[str],
                    last_year: int) -> pd.DataFrame:
    """Each recipient's deliveries in the latest five-year window by category, role, supplier and designation
    (register TIV, allocated to years), largest first."""
    rows = _deal_years(transfers, deal_rows, last_year - WINDOW_YEARS + 1, last_year)
    rows = rows[rows["recipient"].isin(set(recipients))]
    table = rows.groupby(["recipient", "category", "role", "supplier", "weapon_designation"], as_index=False).agg(
        tiv=("tiv", "sum"), source_file=("source_file", "first"))
    table = table.sort_values(["recipient", "tiv", "weapon_designation"], ascending=[True, False, True],
                              kind="stable")
    return table[ROLE_IMPORT_COLUMNS].reset_index(drop=True)


def us_roles(imports: pd.DataFrame, recipient: str) -> pd.DataFrame:
    """The roles in which a recipient took US deliveries in the window: role, category, US TIV and the US share
    of the role, largest US TIV first."""
    rows = imports[imports["recipient"] == recipient]
    by_role = rows.groupby(["category", "role"])["tiv"].sum()
    from_us = rows[rows["supplier"] == US].groupby(["category", "role"])["tiv"].sum()
    table = pd.DataFrame({"us_tiv": from_us, "all_tiv": by_role.reindex(from_us.index)}).reset_index()
    table["us_share"] = table["us_tiv"] / table["all_tiv"]
    return table.sort_values(["us_tiv", "role"], ascending=[False, True], kind="stable").reset_index(drop=True)
