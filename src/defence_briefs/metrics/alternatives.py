"""The choice set: role by role, the systems a government could buy, from SIPRI's register alone (no judgement of
which system replaces which), with how long they take to arrive.

`choice_set` gives, for the systems of a group of makers (European suppliers, or the United States for the
comparison), one row per weapon category, role and SIPRI designation: who makes and supplies it, the customers
(European ones named), the TIV delivered in the last ten years, on order and selected, the first order year, the
lead time from order to first delivery over the deals made for the buyer that have started delivering (aid and
deals from a supplier's stocks arrive at once and are left out of it), the orders still waiting,
the European countries that ordered it since 2022 or selected it, and its US content. What counts as an option
(each rule counted, with its rows, in the methodology):

- new production only: second-hand transfers (the register's status) and deals SIPRI says are "possibly" or
  "probably second-hand" are left out (Bulgaria's Fagot missiles to Saudi Arabia);
- a rebuild of the buyer's own units is not an option ("Mirage-2000H rebuilt to Mirage-2000-5", "Danish
  Leopard-2A5 rebuilt to Leopard-2A7V"): equipment made new for the buyer's own platforms stays;
- the type was ordered or delivered in the last ten years;
- made in the US: a European supplier's deal "from US production line" (the M-777, 'ordered via USA') is not
  European-made, nor is a deal "produced under licence in" a buyer outside Europe (South Korea's EC-155, Brazil's
  VBTP Guarani): its volumes and lead times are the licensee's (`built_in_recipient`, licence clauses only);
- a design is of the origin of the supplier of its earliest new order in the register (Czechoslovakia counts as
  European: its successors are EU members). A European supplier's deliveries of a US design (Patriot systems from
  Romania's or Germany's stocks, RIM-116 RAM) are not a European option; other foreign designs are kept and marked
  with their origin, as are the European makers' systems in the US table.
- US content is marked, never dropped (`us_content`): the US supplies the same designation (`also_supplied_by_us`),
  or SIPRI lists US deals "for" the system ("For NASAMS-2 SAM systems from Norway", "For 36 Gripen-E combat
  aircraft") bought by more than half of the system's customers;
  `us_parts` names the US designations, `us_parts_buyers` the countries that bought them (a pod one buyer added
  to its Rafales reads differently from the missiles every NASAMS user buys).
- selections not yet signed (the order-book rules of `orders.classify_orders`) are shown as such, never as orders.

`imports_by_role`: what each European country received in the latest window, per role, supplier and system, so a
brief can set its US-supplied roles against the systems of the same role, with whether each deal was built in the
buying country (`built_in_recipient`; `built_in_recipient_metrics` gives the share of the imports that was).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd

from ..countries import country_table
from .dependency import US, WINDOW_YEARS
from .records import UNIT_FRACTION, MetricRows

ALTERNATIVE_YEARS = 10
SINCE_YEAR = 2022  # "who in Europe chose it": orders since Russia's full-scale invasion of Ukraine
MIN_VOLUME_TIV = 100.0  # a system with no European customer is kept from this volume (TIV delivered + on order)
NEW = "New"  # the register's status of a newly made weapon
EUROPEAN_PREDECESSORS = frozenset({"CSK"})  # Czechoslovakia: its successors are EU members
POSSIBLY_SECOND_HAND = re.compile(r"\b(?:possibly|probably)\s+second-hand", re.IGNORECASE)
MADE_IN_US = re.compile(r"\bfrom US production line\b", re.IGNORECASE)  # the M-777 'ordered via USA'
FROM_STOCK = re.compile(r"\bfrom [\w\s-]*\bstocks?\b|\bunused\b|\bsurplus\b", re.IGNORECASE)
REBUILT = re.compile(r"\brebuil(?:t|d)\b[^;]*?\bto\b|\bmoderni[sz]ation of \d+ [^;]*?\bto\b", re.IGNORECASE)
# the systems a US deal is "for": "For NASAMS-2 SAM systems from Norway", "for use with 10 NASAMS SAM systems"
FOR_SYSTEM = re.compile(r"\b[Ff]or (?:use (?:with|on|in) )?(?:\d+ )?(?:the )?"
                        r"(?P<name>[A-Z][A-Za-z0-9\-/]*(?: [A-Z0-9][A-Za-z0-9\-/]*)*)")
GENERIC_WORDS = frozenset({"SAM", "MRL", "UAV", "ASW", "MP", "IFV", "APC", "AEW", "SSM", "VLS", "ATP", "MBT"})
EXCLUSION_RULES = ("second-hand", "possibly second-hand", "rebuild of own units", "made in the US", "US design",
                   "licence-built outside Europe", "outside the ten years")

CHOICE_COLUMNS = [
    "category", "role", "weapon_designation", "weapon_description", "makers", "origin", "customers",
    "customer_count", "european_customers", "european_customer_count", "tiv_delivered", "tiv_on_order",
    "tiv_selected", "volume_tiv", "first_order_year", "lead_time_median", "lead_time_min", "lead_time_max",
    "lead_time_deals", "lead_time_uncertain_deals", "orders_waiting", "ordered_in_europe_since", "selected_in_europe",
    "also_supplied_by_us", "us_parts", "us_parts_buyers", "us_content", "shown", "source_file", "source_refs",
]
ROLE_IMPORT_COLUMNS = ["recipient", "category", "role", "supplier", "weapon_designation", "second_hand",
                      "built_in_recipient", "tiv", "source_file"]
# a clause of SIPRI's comments saying where a deal was built: "produced under licence in Turkiye", "assembled from
# kits in Turkey", "most assembled/produced under licence in Poland", "XC-360 version produced under licence in
# Poland"; not "incl production under licence" (a part),
# "possibly assembled" or "designed for production under licence" (not said to have happened)
BUILT_IN = re.compile(r"(?:[\w/-]+ version )?(?:most |probably )?(?:assembled|produc(?:ed|er)|licence[- ]produced)\b"
                      r".*?\bin ([A-Z][\w ]*)", re.IGNORECASE)


def _in_window(frame: pd.DataFrame, first: int, last: int) -> pd.Series:
    """Rows ordered, or with a delivery, in `first`..`last`."""
    return (frame["order_year"].between(first, last)
            | frame["delivery_years"].map(lambda years: any(first <= y <= last for y in years)))


def _design_key(frame: pd.DataFrame) -> pd.Series:
    """'designation|role', casefolded: one design (the Bergepanzer 'Buffel' is not South Africa's Buffel APC)."""
    return frame["weapon_designation"].astype(str).str.casefold() + "|" + frame["role"].astype(str)


def design_origins(register: pd.DataFrame) -> pd.Series:
    """The supplier of each design's earliest new order in the register, by 'designation|role' (casefolded): the
    design's origin."""
    new = register[register["status"] == NEW]
    ordered = new.assign(key=_design_key(new)).sort_values(["order_year"], kind="stable")
    return ordered.groupby("key", sort=False)["supplier"].first()


@cache  # a few thousand names, each read against every designation
def _words(name: str) -> tuple[str, ...]:
    return tuple(w for w in name.replace("(", " ").replace(")", " ").split() if w not in GENERIC_WORDS)


def _word_matches(named: str, word: str) -> bool:
    """'NASAMS' names 'NASAMS-2', 'Gripen-E' names 'Gripen', 'JAS-39' names 'JAS-39C'; 'VIP' does not name 'Viper'
    nor 'F-1' 'F-110'."""
    a, b = named.casefold(), word.casefold()
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if short == long:
        return True
    if not long.startswith(short):
        return False
    rest = long[len(short):]
    return rest.startswith("-") or (any(c.isdigit() for c in short) and len(rest) == 1 and rest.isalpha())


def names_system(named: str, designation: str) -> bool:
    """Whether a name a comment gives ('NASAMS SAM', 'Typhoon', 'Gripen-E') names a SIPRI designation: its words
    match a run of the designation's words that starts the designation, or anywhere for a plain name of five
    letters or more ('Typhoon' in 'Eurofighter Typhoon Tranche-3'; not 'F-4' in 'Rafale F-4')."""
    words, target = _words(named), _words(designation)
    if not words or len("".join(words)) < 4:
        return False
    starts = range(len(target) - len(words) + 1) if words[0].isalpha() and len(words[0]) >= 5 else range(1)
    return any(len(target) - start >= len(words)
               and all(_word_matches(w, t) for w, t in zip(words, target[start:], strict=False))
               for start in starts)


def us_parts_for(register: pd.DataFrame, designations: Iterable[str], first: int, last: int
                 ) -> dict[str, tuple[list[str], list[str]]]:
    """For each designation, the US designations of the register's US deals ordered or delivered in `first`..`last`
    whose comments say they are for it, and the countries that bought them; a buyer counts only where it bought or
    supplied the designation itself (Kuwait's pods are for its Typhoon Tranche-3, not for Tranche-4; Lynx
    helicopters' sonars are not for the Lynx KF-41 vehicle)."""
    us = register[(register["supplier"] == US) & register["comments"].notna()]
    us = us[_in_window(us, first, last)]
    named: dict[str, set[tuple[str, str]]] = {}
    for designation_us, recipient, comment in zip(us["weapon_designation"], us["recipient"], us["comments"],
                                                  strict=True):
        for match in FOR_SYSTEM.finditer(str(comment)):
            named.setdefault(match.group("name"), set()).add((str(designation_us), str(recipient)))
    folded = register["weapon_designation"].astype(str).str.casefold()
    holders = pd.concat([register["recipient"], register["supplier"]]).groupby(pd.concat([folded, folded])).unique()
    # a name can only name a designation one of whose words begins with its first word's letter
    by_initial: dict[str, list[str]] = {}
    for name in named:
        if words := _words(name):
            by_initial.setdefault(words[0].casefold()[0], []).append(name)
    parts: dict[str, tuple[list[str], list[str]]] = {}
    for designation in designations:
        have = set(holders.get(designation.casefold(), ()))
        candidates = {name for word in _words(designation) for name in by_initial.get(word.casefold()[0], ())}
        found = {deal for name in candidates if names_system(name, designation) for deal in named[name]
                 if deal[1] in have}
        if found:
            parts[designation] = (sorted({p for p, _ in found}), sorted({b for _, b in found}))
    return parts


def built_in_recipient(comments: str, recipient: str, licence_only: bool = False) -> bool:
    """Whether SIPRI's comments say the deal was produced under licence or assembled in the country of `recipient`
    (ISO3): a clause starting with the words of BUILT_IN whose place is one of that country's names in the table of
    countries (Turkiye, Turkey, USA); with `licence_only`, a clause that says 'licence', not only 'assembled'.
    SIPRI counts such production as imports."""
    countries = country_table()
    for clause in str(comments).split(";"):
        match = BUILT_IN.match(clause.strip())
        if not match or (licence_only and "licen" not in clause.lower()):
            continue
        words = match.group(1).split()  # "Turkiye as 76mm National Naval Gun": the longest name at its start
        place = next((code for n in range(min(4, len(words)), 0, -1)
                      if (code := countries.code_for(" ".join(words[:n])))), None)
        if place == recipient:
            return True
    return False


def option_rows(register: pd.DataFrame, makers: Iterable[str], european_makers: Iterable[str], last_year: int,
                years: int = ALTERNATIVE_YEARS, europe: Iterable[str] = ()) -> pd.DataFrame:
    """The register rows of `makers` with `excluded_by` (one of EXCLUSION_RULES, '' for an option row) and
    `origin`; a US design, and a deal produced under licence by a buyer outside `europe` (the countries of the
    briefs) and the European makers, count as excluded only for makers that are all European."""
    first = last_year - years + 1
    makers = set(makers)
    rows = register[register["supplier"].isin(makers) & ~register["supplier"].str.startswith("ORG_")].copy()
    origins = design_origins(register)
    generic = ~rows["weapon_designation"].astype(str).str.contains(r"[A-Z]")  # 'aircraft engine' has no origin
    rows["origin"] = _design_key(rows).map(origins).fillna(rows["supplier"]).mask(generic, rows["supplier"])
    comments = rows["comments"].fillna("")
    in_window = _in_window(rows, first, last_year)
    european = set(european_makers) | EUROPEAN_PREDECESSORS
    only_european = makers <= european
    us_design = (rows["origin"] == US) if only_european else pd.Series(False, index=rows.index)
    # a European design produced under licence by a buyer outside Europe (Korea's EC-155, Brazil's Guarani) is
    # not European-made: its volumes and lead times are the licensee's
    at_home = european | set(europe)
    licence_abroad = pd.Series(
        [only_european and recipient not in at_home and built_in_recipient(text, recipient, licence_only=True)
         for text, recipient in zip(comments, rows["recipient"],
                                           strict=True)], index=rows.index, dtype=bool)
    excluded = np.select(
        [rows["status"] != NEW, comments.str.contains(POSSIBLY_SECOND_HAND), comments.str.contains(REBUILT),
         comments.str.contains(MADE_IN_US) & (makers != {US}), us_design, licence_abroad, ~in_window],
        list(EXCLUSION_RULES), default="")
    rows["excluded_by"] = excluded
    rows["in_window"] = in_window
    return rows


def _lead_times(options: pd.DataFrame) -> pd.DataFrame:
    """Per deal: lead (first delivery year minus order year) for orders that have started delivering and were made
    for the buyer (not aid, not from a supplier's stocks: those arrive at once and say nothing of production),
    whether the order year is uncertain, whether the order still waits."""
    counted = options["counted_as"] != "selection"
    started = options["delivery_years"].map(len) > 0
    made = ~options["aid"].astype(bool) & ~options["comments"].fillna("").str.contains(FROM_STOCK)
    first_delivery = options["delivery_years"].map(lambda ys: min(ys) if len(ys) else np.nan)
    timed = counted & started & made
    lead = (first_delivery - options["order_year"]).where(timed)
    return pd.DataFrame({"lead": lead, "lead_uncertain": timed
                         & options["order_year_uncertain"].fillna(False).astype(bool),
                         "waiting": counted & ~started}, index=options.index)


def choice_set(classified: pd.DataFrame, deal_rows: pd.DataFrame, makers: Iterable[str],
               european_makers: Iterable[str], europe: Iterable[str], names: dict[str, str], last_year: int,
               keep_all: bool = False, years: int = ALTERNATIVE_YEARS) -> pd.DataFrame:
    """One row per category, role and designation of the systems `makers` ordered or delivered new in the `years`
    up to `last_year` (see the module's rules), largest volume first within each role (then the most European
    customers, then the most orders waiting).

    `classified`: the whole register with `category`, `role` and the order-book columns of
    `orders.classify_orders`; `deal_rows`: allocated deal years (`deal` indexes `classified`); `europe`: the
    countries counted as European customers; `names`: ISO3 -> display name. `shown` is False for a system with no
    European customer and a volume under MIN_VOLUME_TIV, unless `keep_all` (the pages show the others; a role whose
    systems are all small still has them, so that no page says it has none)."""
    makers = set(makers)
    rows = option_rows(classified, makers, european_makers, last_year, years, europe)
    options = rows[rows["excluded_by"] == ""]
    if options.empty:
        return pd.DataFrame(columns=CHOICE_COLUMNS)
    first = last_year - years + 1
    europe = set(europe)
    window_rows = deal_rows[deal_rows["year"].between(first, last_year) & deal_rows["deal"].isin(options.index)]
    delivered = window_rows.groupby("deal")["tiv"].sum().reindex(options.index, fill_value=0.0)
    counted = options["counted_as"] != "selection"
    on_order = (options["order_tiv"].fillna(0) - options["tiv_delivered"].fillna(0)).clip(lower=0).where(counted, 0.0)
    leads = _lead_times(options)
    since = counted & (options["order_year"] >= SINCE_YEAR) & options["recipient"].isin(europe)
    customer = counted | (delivered > 0)  # a selection makes no customer
    in_europe = options["recipient"].isin(europe)
    recipient = options["recipient"]
    deals = options.assign(
        delivered=delivered, on_order=on_order, **leads, customer=recipient.where(customer),
        european_customer=recipient.where(customer & in_europe), ordered_since=recipient.where(since),
        selected_in=recipient.where(options["counted_as"].isin(["selection", "order and selection"]) & in_europe
                                    & (options["order_year"] >= SINCE_YEAR)))

    def joined(column: str) -> pd.Series:
        """Per system, the distinct codes of `column`, by display name, joined with ';' ('' for none)."""
        pairs = deals[[*keys, column]].dropna().drop_duplicates()
        pairs = pairs.assign(name=pairs[column].map(lambda c: names.get(c, c))).sort_values(["name", column])
        return pairs.groupby(keys, sort=False)[column].agg(";".join).reindex(index, fill_value="")

    keys = ["category", "role", "weapon_designation"]
    grouped = deals.groupby(keys, sort=False)
    index = pd.MultiIndex.from_frame(deals[keys].dropna().drop_duplicates())
    # the most frequent description (the first by name among equals)
    descriptions = (deals.groupby([*keys, "weapon_description"]).size().rename("rows").reset_index()
                    .sort_values(["rows", "weapon_description"], ascending=[False, True], kind="stable")
                    .groupby(keys, sort=False)["weapon_description"].first())
    # each system's makers, largest volume first (ties by name)
    volume = (deals.assign(volume=deals["delivered"] + deals["on_order"] + deals["selection_tiv"])
              .groupby([*keys, "supplier"])["volume"].sum().reset_index()
              .sort_values(["volume", "supplier"], ascending=[False, True], kind="stable"))
    makers_by_system = volume.groupby(keys, sort=False)["supplier"].agg(";".join)
    table = grouped.agg(
        origin=("origin", "first"), tiv_delivered=("delivered", "sum"), tiv_on_order=("on_order", "sum"),
        tiv_selected=("selection_tiv", "sum"), lead_time_median=("lead", "median"), lead_time_min=("lead", "min"),
        lead_time_max=("lead", "max"), lead_time_deals=("lead", "count"),
        lead_time_uncertain_deals=("lead_uncertain", "sum"), orders_waiting=("waiting", "sum"),
        source_file=("source_file", "first"),
    )
    table = table.assign(
        weapon_description=descriptions.reindex(table.index), customers=joined("customer"),
        european_customers=joined("european_customer"), ordered_in_europe_since=joined("ordered_since"),
        selected_in_europe=joined("selected_in"), makers=makers_by_system.reindex(table.index),
        source_refs=deals["source_ref"].map(str).groupby([deals[k] for k in keys], sort=False).agg(";".join),
    ).reset_index()
    table["customer_count"] = table["customers"].map(lambda c: len(c.split(";")) if c else 0)
    table["european_customer_count"] = table["european_customers"].map(lambda c: len(c.split(";")) if c else 0)
    table["volume_tiv"] = table["tiv_delivered"] + table["tiv_on_order"]
    new = rows[rows["status"] == NEW]  # the first export order: of any new deal, in the ten years or before
    earliest = new.groupby(_design_key(new))["order_year"].min()
    table["first_order_year"] = _design_key(table).map(earliest).astype(int)
    us_keys = set(_design_key(classified[(classified["supplier"] == US) & (classified["status"] == NEW)]))
    named = table["weapon_designation"].astype(str).str.contains(r"[A-Z]")  # not 'aircraft engine'
    table["also_supplied_by_us"] = _design_key(table).isin(us_keys) & (table["origin"] != US) & named
    parts = {} if makers == {US} else us_parts_for(classified, table["weapon_designation"].unique(), first, last_year)
    table["us_parts"] = table["weapon_designation"].map(lambda d: ";".join(parts.get(d, ([], []))[0]))
    table["us_parts_buyers"] = table["weapon_designation"].map(lambda d: ";".join(parts.get(d, ([], []))[1]))
    # marked when most customers bought US parts for it, not one buyer's add-on (Qatar's US pods on its Rafales)
    buying = [len(set(b.split(";")) & set(c.split(";"))) if b and c else 0
              for b, c in zip(table["us_parts_buyers"], table["customers"], strict=True)]
    table["us_content"] = table["also_supplied_by_us"] | (pd.Series(buying, index=table.index)
                                                          > table["customer_count"] / 2)
    table["shown"] = ((table["european_customer_count"] > 0) | (table["selected_in_europe"] != "")
                      | (table["volume_tiv"] >= MIN_VOLUME_TIV) | keep_all)
    # largest volume first; among unvalued systems (Leopard-2A8), the most European customers and orders first
    table = table.sort_values(["category", "role", "volume_tiv", "european_customer_count", "orders_waiting",
                               "weapon_designation"], ascending=[True, True, False, False, False, True], kind="stable")
    for column in ("lead_time_deals", "lead_time_uncertain_deals", "orders_waiting"):
        table[column] = table[column].astype(int)
    return table[CHOICE_COLUMNS].reset_index(drop=True)


def exclusion_counts(classified: pd.DataFrame, european_makers: Iterable[str], last_year: int,
                     europe: Iterable[str] = ()) -> pd.DataFrame:
    """For the methodology: per rule, how many register rows of European makers ordered or delivered in the ten
    years it left out, their TIV for the total order, and the three largest (designation, supplier, recipient,
    order year); `europe`: the countries of the briefs."""
    rows = option_rows(classified, european_makers, european_makers, last_year, europe=europe)
    rows = rows[rows["in_window"]]
    out = []
    for rule in EXCLUSION_RULES[:-1]:
        hit = rows[rows["excluded_by"] == rule].sort_values("tiv_order", ascending=False, kind="stable")
        examples = "; ".join(f"{r.weapon_designation} ({r.supplier} to {r.recipient}, {int(r.order_year)})"
                             for r in hit.head(3).itertuples())
        out.append({"rule": rule, "rows": len(hit), "tiv_order": float(hit["tiv_order"].fillna(0).sum()),
                    "examples": examples})
    return pd.DataFrame(out)


def imports_by_role(transfers: pd.DataFrame, deal_rows: pd.DataFrame, recipients: Iterable[str],
                    last_year: int) -> pd.DataFrame:
    """Each recipient's deliveries in the latest five-year window by category, role, supplier, designation,
    whether they were second-hand and whether they were built in the recipient's country (`built_in_recipient`)
    (register TIV, allocated to years), largest first."""
    first = last_year - WINDOW_YEARS + 1
    rows = deal_rows[deal_rows["year"].between(first, last_year) & (deal_rows["tiv"] > 0)]
    rows = rows[rows["recipient"].isin(set(recipients))]
    details = transfers.loc[rows["deal"].to_numpy(), ["category", "role", "weapon_designation", "status", "comments"]]
    built = [built_in_recipient(comments, recipient) for comments, recipient in
             zip(details["comments"].fillna(""), rows["recipient"], strict=True)]
    rows = rows.assign(**{column: details[column].to_numpy() for column in ("category", "role", "weapon_designation")},
                       second_hand=(details["status"] != NEW).to_numpy(),
                       built_in_recipient=np.array(built, dtype=bool))
    table = rows.groupby(["recipient", "category", "role", "supplier", "weapon_designation", "second_hand",
                          "built_in_recipient"], as_index=False).agg(tiv=("tiv", "sum"),
                                                                     source_file=("source_file", "first"))
    table = table.sort_values(["recipient", "tiv", "weapon_designation"], ascending=[True, False, True],
                              kind="stable")
    return table[ROLE_IMPORT_COLUMNS].reset_index(drop=True)


def built_in_recipient_metrics(imports: pd.DataFrame, window: str, source: str) -> MetricRows:
    """Each recipient's built_in_recipient_share_of_arms_imports in `window` (the window of `imports`, an
    `imports_by_role` table): the part of its register deliveries built in its own country."""
    out = MetricRows()
    totals = imports.groupby("recipient")["tiv"].sum()
    built = imports[imports["built_in_recipient"].astype(bool)].groupby("recipient")["tiv"].sum().reindex(
        totals.index, fill_value=0.0)
    for recipient, total in totals.items():
        if total > 0:
            out.add(recipient, "built_in_recipient_share_of_arms_imports", window, min(1.0, built[recipient] / total),
                    UNIT_FRACTION, source, estimate=True)
    return out


def us_roles(imports: pd.DataFrame, recipient: str) -> pd.DataFrame:
    """The roles in which a recipient took US deliveries in the window: role, category, US TIV and the US share
    of the role, largest US TIV first."""
    rows = imports[imports["recipient"] == recipient]
    by_role = rows.groupby(["category", "role"])["tiv"].sum()
    from_us = rows[rows["supplier"] == US].groupby(["category", "role"])["tiv"].sum()
    table = pd.DataFrame({"us_tiv": from_us, "all_tiv": by_role.reindex(from_us.index)}).reset_index()
    table["us_share"] = table["us_tiv"] / table["all_tiv"]
    return table.sort_values(["us_tiv", "role"], ascending=[False, True], kind="stable").reset_index(drop=True)
