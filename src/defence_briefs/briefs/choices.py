"""The choice set on the pages: role by role, the US systems a country (or Europe) received or ordered beside the
European-made systems of the same role, each with its suppliers, customers, volumes and lead time from order to first
delivery.

Everything comes from european_alternatives.csv and us_systems.csv (SIPRI's trade register, `metrics.alternatives`);
nothing here judges which system could replace which. Long lists collapse on the web; the PDF keeps the two largest
European systems of each role and points to the web table.
"""

from __future__ import annotations

import csv
import html
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import pandas as pd

from ..metrics.alternatives import ALTERNATIVE_YEARS, SINCE_YEAR
from ..metrics.dependency import US
from ..metrics.weapon_categories import weapon_role
from .context import Brief
from .sipri_words import MARK, footnotes, note_for
from .text import and_join, fmt, md_escape, md_table, short_period

EUROPEAN_SHOWN = 3  # European systems a role shows before the rest collapse (web)
EUROPEAN_IN_PDF = 2
US_SHOWN = 3  # the US systems received or ordered in a role, largest first, before the rest collapse (web)
ROLES_IN_PDF = 3
ROLES_OPEN = 4  # roles shown open on the web; the others collapse under their heading
ROLE_NOTES_FILE = "role_notes.csv"
US_PARTS_LEAD = ("US parts and supply (marked US content where the US supplies the system too, or where more than "
                 "half of its customers bought US parts for it)")


@lru_cache(maxsize=1)
def role_notes() -> dict[str, dict[str, str]]:
    """role -> {note, short, source} from reference/role_notes.csv: what SIPRI's descriptions of a role may hide
    (`short`: the PDF's words where its table shows no European system)."""
    path = resources.files("defence_briefs").joinpath("reference", ROLE_NOTES_FILE)
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["role"]: row for row in csv.DictReader(handle)}


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
    """'3 years (2–5; 9 deals, 2 with an uncertain order year)', or 'no deal made for its buyer delivered yet'."""
    deals = int(row.lead_time_deals)
    if not deals:
        if int(row.orders_waiting):
            return "no order delivered yet"
        return "selected, no order yet" if row.tiv_selected or row.selected_in_europe else \
            "n/a (aid or stock deliveries only)"
    spread = (f"{int(row.lead_time_min)}–{int(row.lead_time_max)}; " if row.lead_time_min != row.lead_time_max
              else "")
    count = f"{deals} deal" + ("" if deals == 1 else "s")
    if int(row.lead_time_uncertain_deals):
        count += f", {int(row.lead_time_uncertain_deals)} with an uncertain order year"
    return f"{_years(float(row.lead_time_median))} ({spread}{count})"


def _suppliers(data, row) -> str:
    text = and_join(_names(data, row.makers))
    if row.origin not in str(row.makers).split(";"):
        origin = "US" if row.origin == US else data.countries.name(row.origin) if row.origin in \
            data.countries.entities else row.origin
        text += f" ({origin} design)"
    return f"{text}; first export order {int(row.first_order_year)}"


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
    return (md_escape(row.weapon_designation) + (MARK if note_for(row.weapon_designation) else "")
            + (" (US content)" if row.us_content else ""))


def _on_order(row) -> str:
    if row.tiv_on_order == 0 and int(row.orders_waiting):
        return "not valued yet"  # SIPRI gives no TIV yet to some new systems (Leopard-2A8)
    return fmt(row.tiv_on_order, "tiv")


def _rows(data, systems: list, bloc: str, names: bool) -> list[list[str]]:
    return [[_system(row), bloc, md_escape(_suppliers(data, row)), _customers(data, row, names),
             fmt(row.tiv_delivered, "tiv"), _on_order(row), lead_time(row), str(int(row.orders_waiting)),
             _chosen(data, row)]
            for row in systems]


class RoleRows(NamedTuple):
    """A release's choice set per role: the European systems (rows as named tuples, in the table's order, the
    largest first), those shown, and the US systems by designation."""

    every: dict[str, list]
    shown: dict[str, list]
    us: dict[str, dict]


@lru_cache(maxsize=2)
def _by_role(whole) -> RoleRows:
    """The choice set of a whole release per role, once per release and kernel: every brief reads the same
    tables."""
    alternatives, us = whole.european_alternatives, whole.us_systems
    every: dict[str, list] = {}
    for row in alternatives.itertuples(index=False, name="System"):
        every.setdefault(row.role, []).append(row)
    shown = {role: [row for row in rows if bool(row.shown)] for role, rows in every.items()}
    us_by_role: dict[str, dict] = {}
    for row in us.itertuples(index=False, name="System"):
        # one row per role and designation in the metrics' table; were there two, the first (largest) is kept
        us_by_role.setdefault(row.role, {}).setdefault(row.weapon_designation, row)
    return RoleRows(every, shown, us_by_role)


def _header(data) -> list[str]:
    return ["System (SIPRI designation)", "From", "Supplied by", "Customers", f"Delivered {_span_years(data)} (TIV m)",
            "On order (TIV m)", "Lead time: years from order to first delivery (median; range; deals)",
            "Orders waiting", f"Chosen in Europe since {SINCE_YEAR}"]


ALIGN = "lllrrrlrl"


def collapsed(summary: str, body: str, open_: bool = False) -> str:
    """`body` (markdown) inside an HTML details element whose summary is `summary` (plain text); the PDF, which
    drops HTML, shows the body."""
    tag = "<details open>" if open_ else "<details>"
    return (f"```{{=html}}\n{tag}<summary>{html.escape(summary)}</summary>\n```\n\n{body}\n"
            f"```{{=html}}\n</details>\n```\n\n")


def us_content_notes(data, systems: list) -> str:
    """One sentence per European system with US parts SIPRI lists (and who bought them) or that the US supplies too;
    the table marks those whose US parts most of its customers bought (`us_content`)."""
    lines = []
    for row in (row for row in systems if row.us_parts != "" or bool(row.also_supplied_by_us)):
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
    return note["note"] + (f" ([source]({note['source']}))" if note["source"] else "")


def _small_deals(data, small: list) -> str:
    """'only small deals outside Europe, RM-70 Vampire 122mm (Czechia to Indonesia)'."""
    return "only small deals outside Europe, " + and_join(
        [f"{md_escape(r.weapon_designation)} ({md_escape(and_join(_names(data, r.makers)))} to "
         f"{md_escape(and_join(_names(data, r.customers)))})" for r in small])


def none_sentence(role: str, data, small: list) -> str:
    """No European-made system of the role shown: none at all in the decade, or only small ones outside Europe
    (`small`), and what SIPRI's words may hide."""
    things = role if role.endswith(("s", "systems")) else f"{role} systems"
    if not small:
        text = (f"SIPRI's register lists no European-made {md_escape(things)} delivered new, ordered or selected "
                f"in {_span_years(data)}.")
    else:
        text = f"European-made {md_escape(things)} in {_span_years(data)}: {_small_deals(data, small)}."
    note = role_note(role)
    return f"{text} {note}" if note else text


def role_block(data, role: str, us_systems: list, names: bool, heading: str, open_: bool = True,
               note: str = "") -> str:
    """A role's heading, its table (the US systems, then the European systems shown, the largest first, those beyond
    US_SHOWN and EUROPEAN_SHOWN collapsed, never dropped) and its notes; the whole role collapsed under its heading
    unless `open_`."""
    rows = _by_role(data.whole)
    all_european, european = rows.every.get(role, []), rows.shown.get(role, [])
    table_header = _header(data)
    shown = _rows(data, us_systems[:US_SHOWN], "US", names) + _rows(data, european[:EUROPEAN_SHOWN], "Europe", names)
    text = md_table(table_header, shown, ALIGN) + "\n"
    for rest, bloc, words in ((us_systems[US_SHOWN:], "US", "US"), (european[EUROPEAN_SHOWN:], "Europe", "European")):
        if rest:
            text += collapsed(f"{len(rest)} more {words} system{'s' if len(rest) > 1 else ''} of this role",
                              md_table(table_header, _rows(data, rest, bloc, names), ALIGN))
    text += footnotes([(row.weapon_designation, "") for row in [*us_systems, *european]])
    if note:
        text += note + "\n\n"
    if not european:
        text += none_sentence(role, data, all_european) + "\n\n"
    notes = us_content_notes(data, european)
    if notes:
        text += f"{US_PARTS_LEAD}: {notes}\n\n"
    if european and role_note(role):
        text += role_note(role) + "\n\n"
    return f"**{md_escape(heading)}**\n\n{text}" if open_ else collapsed(heading, text)


def _us_rows(data, role: str, designations: list[str]) -> list:
    """The US choice-set rows of `designations` in `role`, in that order."""
    us = _by_role(data.whole).us.get(role, {})
    return [us[d] for d in dict.fromkeys(designations) if d in us]


def _preamble(data, who: str, period: str) -> str:
    return (f"Role by role, the US systems {who} received new in {period} or ordered new in {_span_years(data)}, and "
            f"the European-made systems of the same role that any country ordered or took delivered new in "
            f"{_span_years(data)} (SIPRI's trade register; deals SIPRI lists as selected but not yet ordered are "
            f"shown as such, never as orders). Lead time is the years from order to first delivery, the median over "
            f"the system's deals made for their buyer that have started delivering (aid and deliveries from a "
            f"supplier's stocks arrive at once and are left out); orders waiting have no delivery yet. \"Chosen in "
            f"Europe\" names the countries of these briefs that ordered or selected the system since {SINCE_YEAR}. "
            f"A system the US also supplies, or for which most of its customers bought US parts that SIPRI lists, is "
            f"marked (US content). Nothing here judges which system could replace which, and SIPRI's descriptions do "
            f"not tell long-range from short-range air defence. Every column is in data/european_alternatives.csv and "
            f"data/us_systems.csv.\n\n")


@lru_cache(maxsize=2)  # the web's choice set and the PDF's summary of one brief read the same roles
def country_roles(brief: Brief) -> pd.DataFrame:
    """The roles in which the country received US deliveries in the latest window or placed US orders in the
    choice set's ten years (sensors and engines left out), the largest US volume (delivered plus ordered) first:
    role, us_tiv, us_share (of the role's deliveries; NaN for a role with orders only), volume, the US designations
    received or ordered new, and those received or ordered second-hand (never in the table: not an option to buy).
    The frame is shared by a brief's callers: read only."""
    data = brief.data
    imports = data.imports_by_role[(data.imports_by_role["recipient"] == brief.country)
                                   & (data.imports_by_role["category"] != "other")]
    us = imports[imports["supplier"] == US]
    orders = brief.orders
    first = data.last_year - ALTERNATIVE_YEARS + 1
    us_orders = orders[(orders["supplier"] == US) & (orders["order_year"] >= first)
                       & (orders["counted_as"] != "selection") & (orders["category"] != "other")]
    us_orders = us_orders.assign(role=weapon_role(us_orders))
    rows = []
    ordered_roles = us_orders.groupby("role")["order_tiv"].sum().sort_values(ascending=False, kind="stable")
    # each role's rows, split once (the same rows, in the same order, as a filter per role)
    by_role = {name: dict(list(frame.groupby("role", sort=False)))
               for name, frame in (("imports", imports), ("us", us), ("orders", us_orders))}
    empty = {name: frame.iloc[:0] for name, frame in (("imports", imports), ("us", us), ("orders", us_orders))}
    for role in dict.fromkeys([*us.sort_values("tiv", ascending=False)["role"], *ordered_roles.index]):
        received, in_role, ordered = (by_role[name].get(role, empty[name]) for name in ("us", "imports", "orders"))
        total = in_role["tiv"].sum()
        ordered = ordered.sort_values("order_tiv", ascending=False)
        used, used_order = received["second_hand"].astype(bool), ordered["second_hand"].astype(bool)
        new = received[~used].sort_values("tiv", ascending=False)
        us_tiv = received["tiv"].sum()
        designations = list(dict.fromkeys([*new["weapon_designation"],
                                           *ordered.loc[~used_order, "weapon_designation"]]))
        second_hand = dict.fromkeys([*received.loc[used, "weapon_designation"],
                                     *ordered.loc[used_order, "weapon_designation"]])
        rows.append({"role": role, "us_tiv": us_tiv, "us_share": us_tiv / total if us_tiv else float("nan"),
                     "volume": us_tiv + ordered_roles.get(role, 0.0), "designations": designations,
                     "second_hand": [d for d in second_hand if d not in designations]})
    frame = pd.DataFrame(rows, columns=["role", "us_tiv", "us_share", "volume", "designations", "second_hand"])
    return frame.sort_values("volume", ascending=False, kind="stable").reset_index(drop=True)


def _heading(data, role: str, share: float, period: str) -> str:
    name = role[0].upper() + role[1:]
    if pd.isna(share):
        return f"{name}: ordered from the US in {_span_years(data)} (no US deliveries in this role in {period})"
    return f"{name}: {fmt(share, 'pct')} from the US in {period}"


def brief_choice_set(brief: Brief) -> str:
    """Web: for every role the country took US deliveries in or ordered from the US, its US systems with their lead
    time beside the European options with theirs."""
    data = brief.data
    period = short_period(data.window(0))
    roles = country_roles(brief)
    if roles.empty:
        return (f"*{md_escape(brief.name_start)} took no US deliveries of major weapons in {period} and placed no "
                f"US orders in {_span_years(data)}.*\n")
    text = _preamble(data, md_escape(brief.name), period)
    for position, role in enumerate(roles.itertuples()):
        note = ""
        if role.second_hand:
            lead = "Also second-hand" if role.designations else "Only second-hand"
            note = f"{lead} from the US, not in the table: {md_escape(', '.join(role.second_hand))}."
        text += role_block(data, role.role, _us_rows(data, role.role, role.designations), True,
                           _heading(data, role.role, role.us_share, period), open_=position < ROLES_OPEN,
                           note=note)
    return text


def _short_lead(row) -> str:
    if not int(row.lead_time_deals):
        if int(row.orders_waiting):
            return "none delivered yet"
        return "selected, no order yet" if row.tiv_selected or row.selected_in_europe else "no lead time"
    return _years(float(row.lead_time_median))


def brief_choice_summary(brief: Brief) -> str:
    """PDF: a table of the ROLES_IN_PDF first roles: the largest US system and the two largest European-made
    systems, with their lead times."""
    data = brief.data
    period = short_period(data.window(0))
    roles = country_roles(brief)
    if roles.empty:
        return ""
    rows = []
    for role in roles.head(ROLES_IN_PDF).itertuples():
        us = _us_rows(data, role.role, role.designations)[:1]
        rows_of_role = _by_role(data.whole)
        european, small = rows_of_role.shown.get(role.role, []), rows_of_role.every.get(role.role, [])
        if european:
            options = "; ".join(f"{md_escape(r.weapon_designation)} ({md_escape(and_join(_names(data, r.makers)))}"
                                f"{'; US content' if r.us_content else ''}), {_short_lead(r)}"
                                for r in european[:EUROPEAN_IN_PDF])
        else:  # as the web's none_sentence: the small deals outside Europe by name, else what SIPRI's words hide
            options = _small_deals(data, small) if small else md_escape(
                role_notes().get(role.role, {}).get("short") or f"none ordered or delivered new in {_span_years(data)}")
        share = "ordered" if pd.isna(role.us_share) else fmt(role.us_share, "pct")
        used = f"second-hand only: {md_escape(', '.join(role.second_hand))}" if role.second_hand else "n/a"
        rows.append([f"{md_escape(role.role[0].upper() + role.role[1:])} ({share})",
                     "; ".join(f"{md_escape(r.weapon_designation)}, {_short_lead(r)}" for r in us) or used,
                     options])
    more = len(roles) - ROLES_IN_PDF
    tail = f" and {more} more role{'s' if more > 1 else ''}" if more > 0 else ""
    return (md_table([f"Role (US share, {period})", "Largest US system (lead time)",
                      "Largest European-made systems (lead time)"], rows, "lll")
            + f"\nLead time: median years from order to first delivery. The web version lists every European "
              f"option of these roles{tail}, with customers and volumes.\n")


def europe_choice_set(data, group_members: list[str]) -> str:
    """The Europe page: for every role in which European countries took US deliveries (the largest first, the first
    ROLES_OPEN open), the US systems Europe received and the European-made systems of the role."""
    imports = data.imports_by_role[data.imports_by_role["recipient"].isin(group_members)
                                   & (data.imports_by_role["category"] != "other")]
    us = imports[(imports["supplier"] == US) & ~imports["second_hand"].astype(bool)]
    by_role = imports[imports["supplier"] == US].groupby("role")["tiv"].sum().sort_values(ascending=False)
    period = short_period(data.window(0))
    text = _preamble(data, "European countries", period)
    text += (f"All {len(by_role)} roles in which the US delivered to Europe in {period}, the largest first (sensors "
             f"and engines left out); the first {ROLES_OPEN} are open.\n\n")
    for position, (role, tiv) in enumerate(by_role.items()):
        systems = us[us["role"] == role].groupby("weapon_designation")["tiv"].sum().sort_values(ascending=False)
        heading = (f"{role[0].upper() + role[1:]}: {fmt(tiv, 'tiv')} million TIV delivered from the US to Europe "
                   f"in {period}")
        text += role_block(data, role, _us_rows(data, role, list(systems.index)), True, heading,
                           open_=position < ROLES_OPEN)
    return text
