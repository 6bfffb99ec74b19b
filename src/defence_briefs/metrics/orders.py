"""Orders placed: the register's deals by the year they were ordered, the leading sign of where a country buys.

Deliveries lag decisions by three to ten years; the order book by order year shows a change of supplier when it
is made. Each register row is classified by rules read from SIPRI's own words (`classify_orders`), each of which
the methodology counts:

- selection: a deal SIPRI marks "selected [YEAR] but (probably) not yet ordered by end-YEAR" or "selected but
  contract not yet signed" is not an order. Its TIV counts apart (`arms_selections_tiv`), in the year SIPRI gives
  it; when only part is selected ("incl 280 ordered 2025 and 466 more selected 2025", "incl 28 selected but not yet
  ordered"), that part is. A later release that records the contract makes it an order.
- planned: units of a planned fleet beyond those ordered ("126 planned of which 48 ordered") are not ordered.
- option: an option ("option on 20 more") is not in SIPRI's number ordered nor in its TIV for the total order; the
  rule checks that the TIV is the number ordered times the TIV per unit and changes nothing.
- uncertain: an order whose year or number SIPRI marks '?' counts, flagged as an estimate in orders.csv; a figure
  is an estimate when more than `MATERIAL_UNCERTAIN` of its TIV is an order whose year is uncertain (the year
  decides the period; SIPRI marks most recent numbers '?', in deliveries as in orders).
- aid: an order financed as aid ("financed by 'FMF' aid", "aid from Denmark", "PURL") counts for the recipient;
  `financed_by` names the payers the comment names (the supplier itself when it names none).
- second-hand (the status column) and licence production (the licensor is SIPRI's supplier) are orders, flagged.
- unvalued: SIPRI gives no TIV yet to some new systems (Leopard-2A8, CV-90 Mk-4): such an order counts as 0 TIV and
  is counted by number, by bloc, so a reader sees what the volumes leave out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .records import UNIT_FRACTION, UNIT_TIV, MetricRows, period_label

FIRST_ORDER_YEAR = 2000
BEFORE_INVASION = (2016, 2021)  # the window before Russia's full-scale invasion of Ukraine
SINCE_INVASION_FROM = 2022
LEAD_LAG_WINDOW = (2011, 2015)
MATERIAL_UNCERTAIN = 0.05  # as dependency.MATERIAL_CUT: more than 5% of a figure's TIV uncertain makes it an estimate
UNIT_COUNT = "orders"

SELECTED = re.compile(r"selected(?:\s+\d{4})?\s+but\s+(?:probably\s+)?(?:contract\s+)?not\s+yet\s+"
                      r"(?:been\s+)?(?:ordered|signed)", re.IGNORECASE)
PART_SELECTED = (
    re.compile(r"incl\s+\d+\s+ordered\s+\d{4}\s+and\s+(\d+)\s+more\s+selected", re.IGNORECASE),
    re.compile(r"incl\s+(\d+)\s+selected\s+but\s+(?:probably\s+)?not\s+yet", re.IGNORECASE),
)
PLANNED_OF_WHICH = re.compile(r"(\d+)\s+planned,?\s+of which\s+(\d+)\s+(?:were\s+)?(?:ordered|signed|contracted)",
                              re.IGNORECASE)
OPTION = re.compile(r"\boption\s+(?:on|for|of)?\s*(?:up to\s+)?[\d-]*\s*more\b|\boption on\s+\d+\b", re.IGNORECASE)
AID = re.compile(r"\baid\b|'FMF'|\bFMF\b|\bPURL\b|\bgift\b|European Peace Facility|\bdonations?\b", re.IGNORECASE)
LICENCE = re.compile(r"under licence", re.IGNORECASE)
# who pays: "financed by aid from Denmark; Lithuania and other European countries as part of ...",
# "aid from USA", "financed by Germany as aid", "'FMF' aid (from USA)"
PAYERS = re.compile(r"(?:financed|funded|paid)\s+(?:\w+\s+)?(?:by|with|through)\s+(?:aid\s+from\s+)?"
                    r"(?:EUR[\d.]+\s*m\s+aid\s+from\s+)?(?P<a>.+?)(?=\s+(?:as|after|under|for|in|to)\s|\(|$)"
                    r"|aid\s+from\s+(?P<b>.+?)(?=\s+(?:as|after|under|for|in|to)\s|\(|\)|$)"
                    r"|'FMF'\s+aid\s+\(from\s+(?P<c>[A-Za-z ]+)\)", re.IGNORECASE)
EU_NAMES = re.compile(r"\bEU\b|European Union|European Peace Facility", re.IGNORECASE)
# the adjectives SIPRI's comments use for payers ("financed by German aid", "financed with UK aid")
PAYER_ADJECTIVES = {"German": "DEU", "UK": "GBR", "British": "GBR", "US": "USA", "Danish": "DNK", "Dutch": "NLD",
                    "Norwegian": "NOR", "Swedish": "SWE", "Polish": "POL", "French": "FRA", "Canadian": "CAN"}
OTHERS_NAMED = re.compile(r"other (?:European |NATO )?(?:countries|states?)|European and other states|unidentified"
                          r"|PURL", re.IGNORECASE)
EU_FUNDS = "ORG_EU"
RULES = ("selection", "part_selection", "planned", "option", "uncertain", "aid", "second_hand", "licence", "unvalued")
ORDER_COLUMNS = (
    "recipient", "supplier", "bloc", "order_year", "order_year_uncertain", "number_ordered",
    "number_ordered_uncertain", "weapon_designation", "weapon_description", "category", "status", "tiv_per_unit",
    "tiv_order", "order_tiv", "selection_tiv", "planned_tiv", "counted_as", "estimate", "aid", "financed_by",
    "second_hand", "licence", "unvalued", "rules", "comments", "source_file", "source_ref",
)


def _units(pattern: re.Pattern, comments: pd.Series) -> pd.Series:
    return comments.str.extract(pattern).iloc[:, 0].astype(float)


def payers(comment: str, supplier: str, code_for: Callable[[str], str | None]) -> str:
    """The payers an aid-financed order's comment names, as ISO3 codes joined by ';' (ORG_EU for the EU's funds,
    'others' for states it does not name, as in PURL); the supplier when the comment names none."""
    found: list[str] = ["USA"] if re.search(r"'FMF'|\bFMF\b", comment) else []  # US Foreign Military Financing
    for match in PAYERS.finditer(comment):
        text = match.group("a") or match.group("b") or match.group("c") or ""
        if EU_NAMES.search(text):
            found.append(EU_FUNDS)
        for part in re.split(r";|,|\band\b", text):
            name = re.sub(r"\s+aid$", "", part.strip().strip("'"))
            code = PAYER_ADJECTIVES.get(name) or code_for(name)
            if code:
                found.append(code)
    if not found and EU_NAMES.search(comment):
        found.append(EU_FUNDS)
    if OTHERS_NAMED.search(comment):
        found.append("others")
    return ";".join(dict.fromkeys(found)) or supplier


def _selections(transfers: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each register row's selected TIV (the whole row's, or its selected units' part), whether SIPRI gives the
    whole row as selected, and whether only part of it (the `selection` and `part_selection` rules)."""
    comments = transfers["comments"].fillna("").astype(str)
    tiv = transfers["tiv_order"].fillna(0.0).astype(float)
    unit = transfers["tiv_per_unit"].fillna(0.0).astype(float)
    selected_whole = comments.str.contains(SELECTED)
    part_units = _units(PART_SELECTED[0], comments).fillna(_units(PART_SELECTED[1], comments))
    part = part_units.notna()
    selection = pd.Series(0.0, index=transfers.index)
    selection[part] = np.minimum(part_units[part] * unit[part], tiv[part])
    selection[selected_whole & ~part] = tiv[selected_whole & ~part]
    return selection, selected_whole, part


def selected_tiv(transfers: pd.DataFrame) -> pd.Series:
    """The TIV of each register row that SIPRI gives as selected but not yet ordered: not an order (the module's
    `selection` and `part_selection` rules)."""
    return _selections(transfers)[0]


def _planned(transfers: pd.DataFrame, selection: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(the TIV of the units of a planned fleet beyond those ordered, the rows whose comment says so) of each
    register row, never more than its TIV less the `selection` part (the module's `planned` rule)."""
    comments = transfers["comments"].fillna("").astype(str)
    tiv = transfers["tiv_order"].fillna(0.0).astype(float)
    unit = transfers["tiv_per_unit"].fillna(0.0).astype(float)
    planned_units = comments.str.extract(PLANNED_OF_WHICH).astype(float)
    beyond = (planned_units[0] - planned_units[1]).clip(lower=0)
    planned_rows = beyond.notna() & (beyond > 0)
    planned = pd.Series(0.0, index=transfers.index)
    planned[planned_rows] = np.minimum(beyond[planned_rows] * unit[planned_rows],
                                       tiv[planned_rows] - selection[planned_rows])
    return planned, planned_rows


def planned_tiv(transfers: pd.DataFrame, selected: pd.Series) -> pd.Series:
    """The TIV of each register row's units of a planned fleet beyond those ordered ("126 planned of which 48
    ordered"), given its `selected_tiv`: SIPRI counts them in its TIV for the total order, but they are not
    ordered."""
    return _planned(transfers, selected)[0]


def classify_orders(transfers: pd.DataFrame, bloc: Callable[[pd.Series], pd.Series],
                    code_for: Callable[[str], str | None]) -> pd.DataFrame:
    """Every register row with what counts as ordered (`order_tiv`), selected (`selection_tiv`) and planned beyond
    the order (`planned_tiv`), in SIPRI TIV m; `counted_as`; the flags of the module's rules and `rules`, the rules
    that touched the row. `bloc` maps suppliers to 'us', 'europe' or 'others'; `code_for` maps a name to ISO3."""
    frame = transfers.copy()
    comments = frame["comments"].fillna("").astype(str)
    tiv = frame["tiv_order"].fillna(0.0).astype(float)
    selection, selected_whole, part = _selections(frame)
    planned, planned_rows = _planned(frame, selection)
    frame["order_tiv"] = tiv - selection - planned
    frame["selection_tiv"] = selection
    frame["planned_tiv"] = planned
    whole = (selected_whole & ~part) | (part & (selection >= tiv) & (tiv > 0))
    frame["counted_as"] = np.where(whole, "selection", np.where(part, "order and selection", "order"))
    frame["estimate"] = (frame["order_year_uncertain"].fillna(False).astype(bool)
                         | frame["number_ordered_uncertain"].fillna(False).astype(bool))
    frame["aid"] = comments.str.contains(AID)
    frame["financed_by"] = [payers(c, s, code_for) if a else ""
                            for c, s, a in zip(comments, frame["supplier"], frame["aid"], strict=True)]
    frame["second_hand"] = frame["status"] != "New"
    frame["licence"] = comments.str.contains(LICENCE)
    frame["unvalued"] = tiv <= 0
    option = comments.str.contains(OPTION)
    touched = {
        "selection": selected_whole & ~part, "part_selection": part, "planned": planned_rows, "option": option,
        "uncertain": frame["estimate"], "aid": frame["aid"], "second_hand": frame["second_hand"],
        "licence": frame["licence"], "unvalued": frame["unvalued"],
    }
    flags = [touched[rule].to_numpy(dtype=bool) for rule in RULES]
    frame["rules"] = [";".join(rule for rule, hit in zip(RULES, row, strict=True) if hit)
                      for row in zip(*flags, strict=True)]
    frame["bloc"] = bloc(frame["supplier"]).to_numpy()
    if "source_file" not in frame:
        frame["source_file"] = ""
    if "category" not in frame:
        frame["category"] = ""
    return frame


def option_mismatches(orders: pd.DataFrame) -> pd.DataFrame:
    """Rows naming an option whose TIV for the total order is not the number ordered times the TIV per unit (the
    option rule assumes SIPRI leaves options out of both; these rows would say otherwise)."""
    noted = orders[orders["rules"].str.contains("option") & orders["number_ordered"].notna()
                   & orders["tiv_per_unit"].notna()]
    product = noted["number_ordered"].astype(float) * noted["tiv_per_unit"].astype(float)
    return noted[(noted["tiv_order"].astype(float) - product).abs() > 0.01 + 0.01 * product]


def periods(last_year: int) -> list[tuple[int, int]]:
    """Each year from FIRST_ORDER_YEAR to `last_year`, the lead-lag window, and the windows before and since 2022."""
    years = [(year, year) for year in range(FIRST_ORDER_YEAR, last_year + 1)]
    return [*years, LEAD_LAG_WINDOW, BEFORE_INVASION, (SINCE_INVASION_FROM, last_year)]


def since_invasion(last_year: int) -> str:
    """The label of the window since Russia's full-scale invasion ('2022-2025')."""
    return period_label(SINCE_INVASION_FROM, last_year)


def before_invasion() -> str:
    return period_label(*BEFORE_INVASION)


def order_metrics(orders: pd.DataFrame, entities: Iterable[str], members: Callable[[str, int], list[str]],
                  last_year: int, safe: frozenset[str], source: str, top_suppliers: int = 5) -> MetricRows:
    """Orders placed by each entity per period of `periods(last_year)`: totals by bloc, shares (US, European,
    SAFE-eligible), per weapon category in the windows, the largest suppliers in the windows, the selections
    beside them, the aid-financed part, and the orders SIPRI gives no TIV yet. `members(entity, year)` gives an
    entity's members in a period ending in `year`."""
    out = MetricRows()
    orders = orders[orders["order_year"] >= FIRST_ORDER_YEAR]
    recipient = orders["recipient"].to_numpy()
    year = orders["order_year"].to_numpy()
    tiv = orders["order_tiv"].to_numpy(dtype=float)
    selection = orders["selection_tiv"].to_numpy(dtype=float)
    bloc = orders["bloc"].to_numpy()
    supplier = orders["supplier"].to_numpy()
    category = orders["category"].to_numpy()
    # a figure is starred for uncertain order years (which decide its period), not for uncertain numbers: SIPRI
    # marks most recent numbers '?', in deliveries as in orders; the row-level flag in orders.csv keeps both
    uncertain = orders["order_year_uncertain"].fillna(False).to_numpy(dtype=bool)
    aid = orders["aid"].to_numpy(dtype=bool)
    counted = orders["counted_as"].to_numpy() != "selection"
    unvalued = orders["unvalued"].to_numpy(dtype=bool) & counted
    eligible = np.isin(supplier, list(safe))
    for entity in entities:
        for first, last in periods(last_year):
            label = period_label(first, last)
            window = first != last
            rows = np.isin(recipient, members(entity, last)) & (year >= first) & (year <= last)
            if not rows.any():
                continue
            total = float(tiv[rows].sum())
            estimate = total > 0 and float(tiv[rows & uncertain].sum()) > MATERIAL_UNCERTAIN * total
            out.add(entity, "arms_orders_tiv", label, total, UNIT_TIV, source, estimate)
            for name in ("us", "europe", "others"):
                out.add(entity, f"arms_orders_tiv_from_{name}", label, float(tiv[rows & (bloc == name)].sum()),
                        UNIT_TIV, source, estimate)
            if total > 0:
                out.add(entity, "us_share_of_arms_orders", label,
                        min(1.0, float(tiv[rows & (bloc == "us")].sum()) / total), UNIT_FRACTION, source, estimate)
                out.add(entity, "european_share_of_arms_orders", label,
                        min(1.0, float(tiv[rows & (bloc == "europe")].sum()) / total), UNIT_FRACTION, source, estimate)
                out.add(entity, "safe_eligible_share_of_arms_orders", label,
                        min(1.0, float(tiv[rows & eligible].sum()) / total), UNIT_FRACTION, source, estimate)
                out.add(entity, "aid_share_of_arms_orders", label, min(1.0, float(tiv[rows & aid].sum()) / total),
                        UNIT_FRACTION, source, estimate)
            selected = float(selection[rows].sum())
            out.add(entity, "arms_selections_tiv", label, selected, UNIT_TIV, source)
            if selected > 0:
                out.add(entity, "us_share_of_arms_selections", label,
                        min(1.0, float(selection[rows & (bloc == "us")].sum()) / selected), UNIT_FRACTION, source)
                for name in ("us", "europe", "others"):
                    out.add(entity, f"arms_selections_tiv_from_{name}", label,
                            float(selection[rows & (bloc == name)].sum()), UNIT_TIV, source)
            out.add(entity, "arms_orders_unvalued_count", label, float((rows & unvalued).sum()), UNIT_COUNT, source)
            out.add(entity, "arms_orders_unvalued_count_from_europe", label,
                    float((rows & unvalued & (bloc == "europe")).sum()), UNIT_COUNT, source)
            if not window or total <= 0:
                continue
            by_supplier = pd.Series(tiv[rows]).groupby(supplier[rows]).sum()
            largest = by_supplier[by_supplier > 0].sort_values(ascending=False, kind="stable").head(top_suppliers)
            for name, value in largest.items():
                out.add(entity, f"arms_orders_tiv_from_{name}", label, float(value), UNIT_TIV, source, estimate)
                out.add(entity, f"arms_orders_supplier_share_{name}", label, min(1.0, float(value) / total),
                        UNIT_FRACTION, source, estimate)  # min: the same TIV summed in another order
            for name in sorted(set(category[rows]) - {""}):
                in_category = rows & (category == name)
                category_total = float(tiv[in_category].sum())
                if category_total > 0:
                    out.add(entity, f"us_share_of_{name}_orders", label,
                            min(1.0, float(tiv[in_category & (bloc == "us")].sum()) / category_total), UNIT_FRACTION,
                            source, estimate)
    return out


def rule_counts(orders: pd.DataFrame) -> pd.DataFrame:
    """How many rows each rule touched and the TIV it moved out of the orders (selection, planned), or flagged."""
    rows = []
    for rule in RULES:
        touched = orders[orders["rules"].str.split(";").map(lambda rules, rule=rule: rule in rules)]
        moved = {"selection": "selection_tiv", "part_selection": "selection_tiv", "planned": "planned_tiv"}
        rows.append({"rule": rule, "rows": len(touched),
                     "tiv_out_of_orders": float(touched[moved[rule]].sum()) if rule in moved else 0.0,
                     "order_tiv_flagged": float(touched["order_tiv"].sum())})
    return pd.DataFrame(rows)


def orders_by_register(registers: Mapping[str, pd.DataFrame], recipients: Iterable[str], years: range,
                       classify: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """Orders placed by `recipients` per order year as each register (release name -> register) records them, with
    the selections apart: one row per (release, order_year) with order_tiv and selection_tiv."""
    recipients = list(recipients)
    rows = []
    for release, register in registers.items():
        chosen = register[register["recipient"].isin(recipients) & register["order_year"].isin(list(years))]
        orders = classify(chosen)
        sums = orders.groupby("order_year")[["order_tiv", "selection_tiv"]].sum()
        for year, row in sums.iterrows():
            rows.append({"release": release, "order_year": int(year), "order_tiv": float(row["order_tiv"]),
                         "selection_tiv": float(row["selection_tiv"])})
    return pd.DataFrame(rows, columns=["release", "order_year", "order_tiv", "selection_tiv"])


def revisions(by_register: pd.DataFrame, last_years: Mapping[str, int]) -> pd.DataFrame:
    """How an order year's total changes as later releases record it: for each order year that is some release's
    last data year, its total in that release (`first`) and in each later one (`later`, `releases_later`,
    `growth` = later / first - 1). `last_years`: release name -> its last data year."""
    rows = []
    totals = by_register.set_index(["release", "order_year"])["order_tiv"]
    for release, last in last_years.items():
        if (release, last) not in totals.index or totals[release, last] <= 0:
            continue
        first = float(totals[release, last])
        for later_release, later_last in last_years.items():
            if later_last > last and (later_release, last) in totals.index:
                later = float(totals[later_release, last])
                rows.append({"order_year": last, "first_release": release, "later_release": later_release,
                             "releases_later": later_last - last, "first": first, "later": later,
                             "growth": later / first - 1})
    return pd.DataFrame(rows, columns=["order_year", "first_release", "later_release", "releases_later", "first",
                                       "later", "growth"])
