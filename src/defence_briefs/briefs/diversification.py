"""The brief's section on buying less from the US: which kinds of arms came from the US, who else supplies the
country, how much of the order book is firm, where the country stands against the EU's goals, what a spending
increase would buy from the US at the pattern of its recent orders (the systems of each role are in `choices`).

Every figure is a traced span of metrics.csv.
"""

from __future__ import annotations

import pandas as pd

from ..metrics.dependency import EUROPEAN_SUPPLIERS_DEFINITION, US, european_suppliers
from ..metrics.diversification import EQUIPMENT_GUIDELINE, SAFE_ELIGIBLE_DEFINITION, safe_eligible_suppliers
from ..metrics.orders import since_invasion
from ..metrics.weapon_categories import CATEGORIES, CATEGORY_NAMES
from .context import Brief
from .findings import supplier_shares
from .targets import HAGUE_CORE
from .text import and_join, figure_span, fmt, md_escape, md_table, metric_format, short_period

MOSTLY = 0.5  # a category the US supplied at least this share of is named...
NAMED_CATEGORY = 0.05  # ...when it made up at least this share of the imports (a few shipborne guns are no story)
CATEGORY_NOUNS = {"air_defence": "air-defence", "combat_aircraft": "combat-aircraft", "helicopters": "helicopter",
                  "armoured_vehicles": "armoured-vehicle", "artillery": "artillery", "missiles": "missile",
                  "ships": "ship"}
NAMED_OTHER_SHARE = 0.05  # a supplier outside the US and Europe with at least this share of imports is named
SECOND_HAND_MOSTLY = 0.6  # a category's US deliveries said to be "most of it second-hand" from this part up
EDIS = ("The EU's goal (defence industrial strategy, March 2024) is about procurement budgets: member states are to "
        "spend at least 50% of them in the European defence industry by 2030 and 60% by 2035")
DIFFERENCE_SHOWN = 0.05  # European and SAFE-eligible shares this far apart say why

def _span(brief: Brief, metric: str, period: str) -> str | None:
    figure = brief.figure(metric, period)
    if figure is None:
        return None
    return figure_span(figure.value, metric_format(metric), brief.country, metric, period)


def us_categories(brief: Brief) -> str | None:
    """'The United States supplied 74% of Poland's combat aircraft ... in 2021–25.'"""
    window = brief.data.window(0)
    named, small = [], []
    for category in CATEGORIES:
        if category == "other":
            continue
        metric = f"us_share_of_{category}_imports"
        figure = brief.figure(metric, window)
        weight = brief.figure(f"category_share_{category}", window)
        if figure is not None and figure.value >= MOSTLY and weight is not None:
            (named if weight.value >= NAMED_CATEGORY else small).append(
                (figure.value, _span(brief, metric, window), CATEGORY_NOUNS[category], category))
    # the small categories are named too, so that the sentence never contradicts the chart's caption
    small_parts = and_join([f"{span} of its {noun} imports" for _, span, noun, _ in small]) if small else ""
    small_clause = (f"{small_parts}, {'a category' if len(small) == 1 else 'categories'} under "
                    f"{NAMED_CATEGORY:.0%} of them" if small else "")
    if not named:
        sentence = (f"No weapon category making up {NAMED_CATEGORY:.0%} or more of {brief.possessive()} imports in "
                    f"{short_period(window)} came mostly from the United States")
        return sentence + (f"; it supplied {small_clause}." if small else ".")
    named.sort(key=lambda item: -item[0])
    parts = [f"{span} of {brief.possessive() if i == 0 else 'its'} {noun} imports{_second_hand_words(brief, code)}"
             for i, (_, span, noun, code) in enumerate(named)]
    return (f"The United States supplied {and_join(parts)} in {short_period(window)} (by weapon category, from "
            f"SIPRI's trade register)" + (f"; also {small_clause}." if small else "."))


def _second_hand_words(brief: Brief, category: str) -> str:
    """' (all of it second-hand)' or ' (most of it second-hand)' when SECOND_HAND_MOSTLY or more of the US deliveries
    of `category` in the latest window were second-hand (SIPRI's status column, imports_by_role.csv), else ''."""
    imports = brief.data.imports_by_role
    rows = imports[(imports["recipient"] == brief.country) & (imports["supplier"] == US)
                   & (imports["category"] == category)]
    total = rows["tiv"].sum()
    if total <= 0:
        return ""
    part = rows.loc[rows["second_hand"].astype(bool), "tiv"].sum() / total
    if part < SECOND_HAND_MOSTLY:
        return ""
    return f" ({'all' if part > 0.995 else 'most'} of it second-hand)"


def other_suppliers(brief: Brief) -> str | None:
    """The suppliers outside the US and Europe with a sizeable share, by name: no 'others' bucket in prose."""
    window = brief.data.window(0)
    european = european_suppliers(brief.data.countries)
    shares = supplier_shares(brief, window)
    shares = shares[~shares.index.isin([*european, US]) & (shares >= NAMED_OTHER_SHARE)]
    if shares.empty:
        return None
    names = [f"{brief.data.countries.in_sentence(code)} ({_span(brief, f'supplier_share_{code}', window)})"
             for code in shares.index]
    return (f"Besides the United States and {european_words(brief)}, {brief.name} bought from {and_join(names)} in "
            f"{short_period(window)}.")


def european_words(brief: Brief) -> str:
    """'European suppliers', or 'other European suppliers' for a country that is one of them (the UK, Germany)."""
    inside = brief.country in european_suppliers(brief.data.countries)
    return "other European suppliers" if inside else "European suppliers"


def _safe_difference(brief: Brief, window: str) -> str:
    """Why the European and the SAFE-eligible shares differ, by the named suppliers one counts and the other not
    ('' when they are within DIFFERENCE_SHOWN)."""
    european, safe = (brief.figure(m, window) for m in ("european_share_of_arms_imports",
                                                        "safe_eligible_share_of_arms_imports"))
    if european is None or safe is None or abs(european.value - safe.value) < DIFFERENCE_SHOWN:
        return ""
    countries = brief.data.countries
    in_europe, in_safe = european_suppliers(countries), safe_eligible_suppliers(countries)
    shares = supplier_shares(brief, window)

    def named(codes: list[str]) -> str:
        return and_join([f"{countries.in_sentence(c)} ({_span(brief, f'supplier_share_{c}', window)})"
                         for c in codes])

    only_european = [c for c in shares.index if c in in_europe and c not in in_safe]
    only_safe = [c for c in shares.index if c in in_safe and c not in in_europe]
    parts = ([f"{named(only_european)} {'counts' if len(only_european) == 1 else 'count'} as European but not "
              f"for SAFE"] if only_european else [])
    parts += ([f"{named(only_safe)} {'counts' if len(only_safe) == 1 else 'count'} for SAFE but not as European"]
              if only_safe else [])
    return f": {'; '.join(parts)}" if parts else ""


def order_book(brief: Brief) -> str | None:
    """The pending orders of a firm number and those whose number SIPRI marks uncertain, and the US share of the
    first."""
    year = str(brief.data.last_year)
    total = brief.figure("pending_orders_tiv", year)
    if total is None or total.value <= 0:
        return None
    firm = _span(brief, "pending_orders_tiv_firm", year)
    uncertain = _span(brief, "pending_orders_tiv_uncertain", year)
    sentence = (f"Of the {_span(brief, 'pending_orders_tiv', year)} TIV m (SIPRI's trend-indicator value, a "
                f"measure of volume) on order at the end of {year}, orders of a firm number make up {firm} and "
                f"orders whose number SIPRI marks uncertain ('?', but ordered) {uncertain}")
    us_firm = brief.figure("us_share_of_pending_orders_firm", year)
    if us_firm is not None and us_firm.value == 0:
        sentence += "; none of the orders of a firm number is from the United States"
    elif us_firm is not None:
        sentence += (f"; the United States holds {_span(brief, 'us_share_of_pending_orders_firm', year)} of the "
                     f"orders of a firm number")
    return sentence + "." + _locked_in(brief)


def _locked_in(brief: Brief) -> str:
    """' Orders already placed keep the US share of deliveries near 51% to 2030 (...)', or ''."""
    last = brief.data.last_year
    period = f"{last + 1}-{last + 5}"
    share = _span(brief, "projected_us_share_of_arms_imports", period)
    volume = _span(brief, "projected_arms_imports_tiv", period)
    if share is None or volume is None:
        return ""
    return (f" Orders already placed would deliver about {volume} TIV m in {short_period(period)}, {share} of it from "
            f"the United States (a projection from SIPRI's schedules and delivery paces, backtested in the "
            f"methodology; orders still to come are not in it).")


def eu_goals(brief: Brief) -> str | None:
    """The European and SAFE-eligible shares of imports and orders, against the EU's goals for its members."""
    window, year = brief.data.window(0), str(brief.data.last_year)
    european = _span(brief, "european_share_of_arms_imports", window)
    if european is None:
        return None
    orders = _span(brief, "european_share_of_pending_orders", year)
    words = european_words(brief)
    text = (f"{words[0].upper()}{words[1:]} delivered {european} of {brief.possessive()} arms imports in "
            f"{short_period(window)}" + (f" and hold {orders} of its pending orders" if orders else ""))
    safe = _span(brief, "safe_eligible_share_of_arms_imports", window)
    if safe is not None:
        text += f"; SAFE-eligible suppliers delivered {safe}{_safe_difference(brief, window)}"
    text += "."
    if brief.data.countries.is_member("EU27", brief.country, brief.data.last_year):
        text += (f" {EDIS}. {brief.possessive(start=True)} imports are not its budget: what it buys from its own "
                 f"industry is not in SIPRI's transfers, so {european} does not say whether {brief.name} meets it.")
    return text


def at_stake(brief: Brief, compact: bool = False) -> str | None:
    """The scenario of us_procurement_at_stake_usd, with its parameters (`compact`: in one short sentence), for
    allies."""
    year = brief.data.latest_year(brief.country, "us_procurement_at_stake_usd")
    if year is None or not brief.is_nato:
        return None
    gap = brief.figure("nato_gap_to_3_5pct_gdp_usd", year)
    if gap is None or gap.value <= 0:
        return None
    equipment = _span(brief, "nato_equipment_share", year)
    equipment_text = (f"the {equipment} of its defence spending that went on equipment in {year}" if equipment
                      else f"NATO's {fmt(EQUIPMENT_GUIDELINE, 'pct')} equipment guideline")
    since = since_invasion(brief.data.last_year)
    us_share = _span(brief, "us_share_of_arms_orders", since)
    if us_share is None:
        return None
    if compact:
        gap_span = _span(brief, "nato_gap_to_3_5pct_gdp_usd", year)
        return (f"A scenario, not a forecast: if the equipment part of the {gap_span} a year more that 3.5% of GDP "
                f"would take were ordered like its orders since 2022 ({us_share} from the US, by volume, not money), "
                f"about {_span(brief, 'us_procurement_at_stake_usd', year)} a year would buy US arms.")
    return (f"A scenario, not a forecast: reaching {HAGUE_CORE.medium}, would take "
            f"{_span(brief, 'nato_gap_to_3_5pct_gdp_usd', year)} more a year ({year} figures). If the equipment "
            f"part of that increase ({equipment_text}) were ordered the way {brief.name} has ordered arms since 2022 "
            f"({us_share} from the US; a share of SIPRI's volume of the orders, not of the money paid), about "
            f"{_span(brief, 'us_procurement_at_stake_usd', year)} a year would buy US arms; what it buys from its own "
            f"industry would lower that. The orders, not past deliveries, show where new money goes: see "
            f"[Orders placed](#orders).")


# what the PDF's shorter sentences leave out (the web page keeps the definitions in full)
COMPACT = ((EDIS, "The EU's 50% goal (2030) is about procurement budgets"),
           (": what it buys from its own industry is not in SIPRI's transfers,", ","),
           (" (SIPRI's trend-indicator value, a measure of volume)", ""),
           (" ('?', but ordered)", " ('?')"),
           (" (by weapon category, from SIPRI's trade register)", ""),
           (" (a projection from SIPRI's schedules and delivery paces, backtested in the methodology; orders still "
            "to come are not in it)", " (a projection; orders still to come are not in it)"))


def diversification_findings(brief: Brief, compact: bool = False) -> str:
    """The section's sentences as a bullet list (a sentence when the country imported nothing); `compact`: the
    PDF's shorter wording, without the definitions the web page spells out."""
    imports = brief.figure("arms_imports_tiv", brief.data.window(0))
    if imports is None or imports.value <= 0:
        return f"*SIPRI records no arms imports by {md_escape(brief.name)} in {short_period(brief.data.window(0))}.*\n"
    sentences = [s for s in (us_categories(brief), other_suppliers(brief), order_book(brief), eu_goals(brief),
                             at_stake(brief, compact)) if s]
    text = "\n".join(f"- {sentence}" for sentence in sentences) + "\n"
    if compact:
        for long, short in COMPACT:
            text = text.replace(long, short)
    return text


def europe_category_table(data, group: str, window: str) -> pd.DataFrame:
    """A group's imports by weapon category and supplier bloc in `window`, for the Europe page."""
    values = data.metrics[(data.metrics["country"] == group) & (data.metrics["period"] == window)]
    values = values.set_index("metric")["value"]
    rows = []
    for category in CATEGORIES:
        parts = {bloc: values.get(f"arms_imports_tiv_{category}_from_{bloc}") for bloc in ("us", "europe", "others")}
        if all(v is None for v in parts.values()):
            continue
        rows.append({"category": category, **parts, "us_share": values.get(f"us_share_of_{category}_imports"),
                     "european_share": values.get(f"european_share_of_{category}_imports")})
    return pd.DataFrame(rows)


EUROPE_GROUPS = (("EUROPE", "Europe"), ("EUROPE_EX_UKR", "Europe without Ukraine"), ("EU27", "EU27"))
EUROPE_ROWS = (
    ("us_share_of_arms_imports", "window", "US share of arms imports"),
    ("european_share_of_arms_imports", "window", "European share of arms imports"),
    ("safe_eligible_share_of_arms_imports", "window", "Share from SAFE-eligible suppliers"),
    ("pending_orders_tiv_firm", "year", "Pending orders of a firm number (TIV m)"),
    ("pending_orders_tiv_uncertain", "year", "Pending orders of an uncertain number (TIV m)"),
    ("us_share_of_pending_orders_firm", "year", "US share of pending orders of a firm number"),
    ("us_share_of_pending_orders_uncertain", "year", "US share of pending orders of an uncertain number"),
    ("european_share_of_pending_orders", "year", "European share of pending orders"),
    ("projected_us_share_of_arms_imports", "next", "US share of what orders already placed would deliver"),
    ("us_procurement_at_stake_usd", "stake", "US procurement at stake a year (scenario, allies)"),
)


def _cell(data, code: str, metric: str, period: str | None) -> str:
    figure = None if period is None else data.figure(code, metric, period)
    if figure is None:
        return "no data"
    return figure_span(figure.value, metric_format(metric), code, metric, period) + ("\\*" if figure.estimate else "")


def _stake_period(data, code: str) -> str | None:
    return data.latest_year(code, "us_procurement_at_stake_usd")


def _stake_cell(data, code: str) -> str:
    """The scenario's figure, 'not a NATO ally', or 'none (already above 3.5% of GDP)'."""
    if not data.countries.is_member("NATO", code, data.last_year):
        return "not a NATO ally"
    period = _stake_period(data, code)
    gap = None if period is None else data.figure(code, "nato_gap_to_3_5pct_gdp_usd", period)
    if gap is not None and gap.value <= 0:
        return "none (already above 3.5% of GDP)"
    return _cell(data, code, "us_procurement_at_stake_usd", period)


def europe_headlines(data) -> str:
    """The headline figures for Europe, Europe without Ukraine and the EU27."""
    window, year = data.window(0), str(data.last_year)
    rows = []
    for metric, kind, label in EUROPE_ROWS:
        cells = []
        following = f"{data.last_year + 1}-{data.last_year + 5}"
        for code, _ in EUROPE_GROUPS:
            period = {"window": window, "year": year, "next": following}.get(kind) or _stake_period(data, code)
            cells.append(_cell(data, code, metric, period))
        period_label = {"window": short_period(window), "year": f"end of {year}",
                        "next": short_period(following)}.get(kind, f"{_stake_period(data, 'EUROPE')} figures")
        rows.append([f"{label}, {period_label}", *cells])
    return md_table(["Figure", *(name for _, name in EUROPE_GROUPS)], rows, "lrrr")


def europe_categories(data, group: str = "EUROPE") -> str:
    """The group's imports by weapon category and supplier bloc, with each category's largest suppliers."""
    window = data.window(0)
    table = europe_category_table(data, group, window)
    metrics = data.metrics[(data.metrics["country"] == group) & (data.metrics["period"] == window)]
    rows = []
    for row in table.itertuples():
        top = metrics[metrics["metric"].str.startswith(f"share_of_{row.category}_imports_from_")]
        top = top.sort_values("value", ascending=False)
        named = ", ".join(f"{md_escape(data.countries.name(m.removeprefix(f'share_of_{row.category}_imports_from_')))}"
                          f" {fmt(v, 'pct')}" for m, v in zip(top["metric"], top["value"], strict=True))
        rows.append([md_escape(CATEGORY_NAMES[row.category]), *(fmt(getattr(row, b) or 0.0, "tiv")
                                                                for b in ("us", "europe", "others")),
                     fmt(row.us_share, "pct") if pd.notna(row.us_share) else "no data", named])
    return md_table(["Weapon category", "From the US (TIV m)", "From European suppliers", "From others",
                     "US share", "Largest suppliers"], rows, "lrrrrl")


def europe_countries(data) -> str:
    """Each country's shares and order book, one row each."""
    window, year = data.window(0), str(data.last_year)
    rows = []
    for code in sorted(data.european_countries(), key=data.countries.name):
        link = f"[{md_escape(data.countries.name(code))}](countries/{code}.html)"
        imports = data.figure(code, "arms_imports_tiv", window)
        if imports is None or imports.value <= 0:
            rows.append([link, "no imports", "no imports", "no imports", _cell(data, code,
                         "us_share_of_pending_orders_firm", year), _stake_cell(data, code)])
            continue
        rows.append([link,
                     _cell(data, code, "us_share_of_arms_imports", window),
                     _cell(data, code, "european_share_of_arms_imports", window),
                     _cell(data, code, "safe_eligible_share_of_arms_imports", window),
                     _cell(data, code, "us_share_of_pending_orders_firm", year), _stake_cell(data, code)])
    period = short_period(window)
    stake_year = _stake_period(data, "EUROPE") or "latest NATO year"
    return (md_table(["Country", f"US share, {period}", f"European share, {period}", f"SAFE-eligible, {period}",
                      f"US share of firm orders, end of {year}",
                      f"US procurement at stake a year, scenario ({stake_year} figures)"], rows, "lrrrrr")
            + f"\nEuropean suppliers are {md_escape(EUROPEAN_SUPPLIERS_DEFINITION)}; SAFE-eligible suppliers are "
              f"{md_escape(SAFE_ELIGIBLE_DEFINITION)}. The two shares differ where a country buys from the United "
              f"Kingdom, Switzerland, NATO or the EU (European, not SAFE-eligible) or from Canada or Ukraine "
              f"(SAFE-eligible, not European).\n")
