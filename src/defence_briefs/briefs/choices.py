"""The choice set on the pages: role by role, the US systems a country (or Europe) received beside the European-made
systems of the same role, each with its makers, customers, volumes and lead time from order to first delivery.

Everything comes from european_alternatives.csv and us_systems.csv (SIPRI's trade register, `metrics.alternatives`);
nothing here judges which system could replace which. Long lists collapse on the web; the PDF keeps the two largest
European systems of each role and points to the web table.
"""

from __future__ import annotations

import csv
import html
from functools import lru_cache
from importlib import resources

import pandas as pd

from ..metrics.alternatives import ALTERNATIVE_YEARS, SINCE_YEAR, us_roles
from ..metrics.dependency import US
from .context import Brief
from .text import and_join, fmt, md_escape, md_table, short_period

EUROPEAN_SHOWN = 3  # European systems a role shows before the rest collapse (web)
EUROPEAN_IN_PDF = 2
US_SHOWN = 3  # the US systems received in a role, largest first
ROLES_IN_PDF = 4
ROLES_OPEN = 4  # roles shown open on the web; the others collapse under their heading
ROLE_NOTES_FILE = "role_notes.csv"
US_PARTS_LEAD = ("US parts and supply (marked US content where the US supplies the system too, or where more than "
                 "half of its customers bought US parts for it)")


@lru_cache(maxsize=1)
def role_notes() -> dict[str, tuple[str, str]]:
    """role -> (note, source URL) from reference/role_notes.csv: what SIPRI's descriptions of a role may hide."""
    path = resources.files("defence_briefs").joinpath("reference", ROLE_NOTES_FILE)
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["role"]: (row["note"], row["source"]) for row in csv.DictReader(handle)}


def _span_years(data) -> str:
    return short_period(f"{data.last_year - ALTERNATIVE_YEARS + 1}-{data.last_year}")


def _names(data, codes: str) -> list[str]:
    return [data.countries.name(c) if c in data.countries.entities else c for c in str(codes).split(";") if c]


def _years(value: float) -> str:
    if value == 0:
        return "same year"
    number = f"{value:.1f}".removesuffix(".0")
    return f"{number} year" + ("" if value == 1 else "s")


def lead_time(row) -> str:
    """'3 years (2–5; 9 deals, 2 with an uncertain order year); 7 orders waiting', or 'none delivered yet; ...'."""
    deals = int(row.lead_time_deals)
    if deals:
        spread = (f"{int(row.lead_time_min)}–{int(row.lead_time_max)}; " if row.lead_time_min != row.lead_time_max
                  else "")
        count = f"{deals} deal" + ("" if deals == 1 else "s")
        if int(row.lead_time_uncertain_deals):
            count += f", {int(row.lead_time_uncertain_deals)} with an uncertain order year"
        text = f"{_years(float(row.lead_time_median))} ({spread}{count})"
    else:
        text = "none delivered yet"
    waiting = int(row.orders_waiting)
    if waiting:
        text += f"; {waiting} order{'' if waiting == 1 else 's'} waiting"
    return text


def _makers(data, row) -> str:
    makers = and_join(_names(data, row.makers))
    if row.origin not in str(row.makers).split(";"):
        origin = "US" if row.origin == US else data.countries.name(row.origin) if row.origin in \
            data.countries.entities else row.origin
        makers += f" ({origin} design)"
    return f"{makers}, first ordered {int(row.first_order_year)}"


def _customers(data, row, names: bool) -> str:
    text = f"{int(row.customer_count)}"
    if int(row.european_customer_count):
        text += f", {int(row.european_customer_count)} in Europe"
        if names:
            text += f": {md_escape(', '.join(_names(data, row.european_customers)))}"
    elif int(row.customer_count):
        text += ", none in Europe"
    return text


def _chosen(data, row) -> str:
    parts = []
    if row.ordered_in_europe_since:
        parts.append(f"ordered: {md_escape(', '.join(_names(data, row.ordered_in_europe_since)))}")
    if row.selected_in_europe:
        parts.append(f"selected, not yet ordered: {md_escape(', '.join(_names(data, row.selected_in_europe)))}")
    return "; ".join(parts) or "none"


def _system(row) -> str:
    return md_escape(row.weapon_designation) + (" (US content)" if row.us_content else "")


def _rows(data, systems: pd.DataFrame, bloc: str, names: bool) -> list[list[str]]:
    return [[_system(row), bloc, md_escape(_makers(data, row)), _customers(data, row, names),
             fmt(row.tiv_delivered, "tiv"), _on_order(row), lead_time(row), _chosen(data, row)]
            for row in systems.itertuples()]


def _on_order(row) -> str:
    if row.tiv_on_order == 0 and int(row.orders_waiting):
        return "not valued yet"  # SIPRI gives no TIV yet to some new systems (Leopard-2A8)
    return fmt(row.tiv_on_order, "tiv")


def collapsed(summary: str, body: str, open_: bool = False) -> str:
    """`body` (markdown) inside an HTML details element whose summary is `summary` (plain text); the PDF, which
    drops HTML, shows the body."""
    tag = "<details open>" if open_ else "<details>"
    return (f"```{{=html}}\n{tag}<summary>{html.escape(summary)}</summary>\n```\n\n{body}\n"
            f"```{{=html}}\n</details>\n```\n\n")


def _header(data) -> list[str]:
    return ["System (SIPRI designation)", "From", "Made by", "Customers",
            f"Delivered {_span_years(data)} (TIV m)", "On order (TIV m)", "Lead time, order to first delivery "
            "(median; range; deals)", f"Chosen in Europe since {SINCE_YEAR}"]


def us_content_notes(data, systems: pd.DataFrame) -> str:
    """One sentence per European system with US parts SIPRI lists (and who bought them) or that the US supplies too;
    the table marks those whose US parts most of its customers bought (`us_content`)."""
    lines = []
    listed = (systems["us_parts"] != "") | systems["also_supplied_by_us"].astype(bool)
    for row in systems[listed].itertuples():
        parts = [p for p in str(row.us_parts).split(";") if p]
        bits = []
        if parts:
            buyers = _names(data, row.us_parts_buyers)
            who = (f"bought by {md_escape(and_join(buyers))}" if len(buyers) <= 3
                   else f"bought by {len(buyers)} countries")
            bits.append(f"SIPRI lists US deliveries for it ({md_escape(', '.join(parts))}), {who}")
        if row.also_supplied_by_us:
            bits.append("the United States also supplies it")
        lines.append(f"{md_escape(row.weapon_designation)}: " + "; ".join(bits) + ".")
    return " ".join(lines)


def role_note(role: str) -> str:
    """What SIPRI's descriptions of `role` may hide (reference/role_notes.csv), with its source; '' for none."""
    note = role_notes().get(role)
    if note is None:
        return ""
    return note[0] + (f" ([source]({note[1]}))" if note[1] else "")


def none_sentence(role: str, data) -> str:
    """Europe has delivered and ordered nothing of the role in the decade, and what SIPRI's words may hide."""
    things = role if role.endswith(("s", "systems")) else f"{role} systems"
    text = (f"SIPRI's register lists no European-made {md_escape(things)} delivered new, ordered or selected in "
            f"{_span_years(data)}.")
    note = role_note(role)
    return f"{text} {note}" if note else text


def role_block(data, role: str, received: pd.DataFrame, names: bool, heading: str, open_: bool = True) -> str:
    """A role's heading, its table (the US systems received, then the European systems, the largest first, those
    beyond EUROPEAN_SHOWN collapsed) and its notes; the whole role collapsed under its heading unless `open_`."""
    european = data.european_alternatives[data.european_alternatives["role"] == role]
    table_header = _header(data)
    shown = _rows(data, received.head(US_SHOWN), "US", names) + _rows(data, european.head(EUROPEAN_SHOWN),
                                                                      "Europe", names)
    text = md_table(table_header, shown, "lllrrrll") + "\n"
    rest = european.iloc[EUROPEAN_SHOWN:]
    if not rest.empty:
        text += collapsed(f"{len(rest)} more European system{'s' if len(rest) > 1 else ''} of this role",
                          md_table(table_header, _rows(data, rest, "Europe", names), "lllrrrll"))
    if european.empty:
        text += none_sentence(role, data) + "\n\n"
    notes = us_content_notes(data, european)
    if notes:
        text += f"{US_PARTS_LEAD}: {notes}\n\n"
    note = role_note(role)
    if note and not european.empty:
        text += note + "\n\n"
    return f"**{md_escape(heading)}**\n\n{text}" if open_ else collapsed(heading, text)


def _received(data, role: str, designations: list[str]) -> pd.DataFrame:
    """The US choice-set rows of the designations a country (or Europe) received in `role`, in that order."""
    us = data.us_systems[data.us_systems["role"] == role].set_index("weapon_designation")
    return us.reindex([d for d in designations if d in us.index]).reset_index()


def _preamble(data, who: str, period: str) -> str:
    return (f"Role by role, the US systems {who} received in {period} and the European-made systems of the same role "
            f"that any country ordered or took delivered new in {_span_years(data)} (SIPRI's trade register; "
            f"deals SIPRI lists as selected but not yet ordered are shown as such). Lead time is the years from "
            f"order to first delivery, the median over the system's deals that have started delivering. A system "
            f"with US parts SIPRI lists, or that the US also supplies, is marked (US content). Nothing here judges "
            f"which system could replace which, and SIPRI's descriptions do not tell long-range from short-range "
            f"air defence. Every column is in data/european_alternatives.csv and data/us_systems.csv.\n\n")


def brief_choice_set(brief: Brief) -> str:
    """Web: for every role the country took US deliveries in (sensors and engines left out), its US systems with
    their lead time beside the European options with theirs."""
    data = brief.data
    window = data.window(0)
    roles = us_roles(data.imports_by_role, brief.country)
    roles = roles[roles["category"] != "other"]
    if roles.empty:
        return f"*{md_escape(brief.name_start)} took no US deliveries of major weapons in {short_period(window)}.*\n"
    bought = data.imports_by_role[(data.imports_by_role["recipient"] == brief.country)
                                  & (data.imports_by_role["supplier"] == US)]
    text = _preamble(data, md_escape(brief.name), short_period(window))
    for position, role in enumerate(roles.itertuples()):
        designations = list(bought[bought["role"] == role.role].sort_values("tiv", ascending=False)
                            ["weapon_designation"].drop_duplicates())
        heading = (f"{role.role[0].upper() + role.role[1:]}: {fmt(role.us_share, 'pct')} from the US in "
                   f"{short_period(window)}")
        text += role_block(data, role.role, _received(data, role.role, designations), True, heading,
                           open_=position < ROLES_OPEN)
    return text


def brief_choice_summary(brief: Brief) -> str:
    """PDF: a table of the ROLES_IN_PDF roles with the most US deliveries: the largest US system received and the
    two largest European-made systems, with their lead times."""
    data = brief.data
    roles = us_roles(data.imports_by_role, brief.country)
    roles = roles[roles["category"] != "other"]
    if roles.empty:
        return ""
    bought = data.imports_by_role[(data.imports_by_role["recipient"] == brief.country)
                                  & (data.imports_by_role["supplier"] == US)]
    rows = []
    for role in roles.head(ROLES_IN_PDF).itertuples():
        designations = list(bought[bought["role"] == role.role].sort_values("tiv", ascending=False)
                            ["weapon_designation"].drop_duplicates())
        received = _received(data, role.role, designations).head(1)
        european = data.european_alternatives[data.european_alternatives["role"] == role.role].head(EUROPEAN_IN_PDF)
        us_part = "; ".join(f"{md_escape(r.weapon_designation)}, {_short_lead(r)}" for r in received.itertuples())
        options = ("; ".join(f"{_system(r)} ({md_escape(and_join(_names(data, r.makers)))}), {_short_lead(r)}"
                             for r in european.itertuples())
                   or f"none ordered or delivered new in {_span_years(data)}")
        rows.append([f"{md_escape(role.role[0].upper() + role.role[1:])} ({fmt(role.us_share, 'pct')})",
                     us_part or "n/a", options])
    more = len(roles) - ROLES_IN_PDF
    tail = f" and {more} more role{'s' if more > 1 else ''}" if more > 0 else ""
    return (md_table(["Role (US share, " + short_period(data.window(0)) + ")", "Largest US system (lead time)",
                      "Largest European-made systems (lead time)"], rows, "lll")
            + f"\nLead time: median years from order to first delivery. The web version lists every European "
              f"option of these roles{tail}, with customers and volumes.\n")


def _short_lead(row) -> str:
    if not int(row.lead_time_deals):
        return "none delivered yet"
    return _years(float(row.lead_time_median))


def europe_choice_set(data, group_members: list[str], roles_shown: int = 10) -> str:
    """The Europe page: for the roles in which European countries took the most US deliveries, the US systems
    Europe received and the European-made systems of the role."""
    imports = data.imports_by_role[data.imports_by_role["recipient"].isin(group_members)
                                   & (data.imports_by_role["category"] != "other")]
    us = imports[imports["supplier"] == US]
    by_role = us.groupby("role")["tiv"].sum().sort_values(ascending=False)
    period = short_period(data.window(0))
    text = _preamble(data, "European countries", period)
    for position, (role, tiv) in enumerate(by_role.head(roles_shown).items()):
        systems = us[us["role"] == role].groupby("weapon_designation")["tiv"].sum().sort_values(ascending=False)
        heading = (f"{role[0].upper() + role[1:]}: {fmt(tiv, 'tiv')} million TIV delivered from the US to Europe "
                   f"in {period}")
        text += role_block(data, role, _received(data, role, list(systems.index)), True, heading,
                           open_=position < ROLES_OPEN)
    return text
