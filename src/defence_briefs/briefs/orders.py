"""The brief's section on orders placed (id="orders"): where the country's new orders go, year by year.

Deliveries lag orders by three to ten years, so the orders a country places show a change of supplier when it is
made. Everything here comes from metrics.csv (the figures, as traced spans) and orders.csv (the register's rows
behind them); the latest order year is incomplete, and order_revisions.csv says by how much such a year grew.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..metrics.orders import before_invasion, since_invasion
from .charts import SIPRI_REGISTER, BriefChart, finish
from .context import Brief, ReleaseData
from .sipri_words import MARK, footnotes, note_for
from .text import and_join, figure_span, fmt, md_escape, md_table, metric_format, short_period
from .theme import BLOC_COLOURS, WIDTH, bloc_scale

FIRST_CHART_YEAR = 2010
TABLE_YEARS = 4  # the largest orders of the last four order years
BLOC_LABELS = {"us": "United States", "europe": "European suppliers", "others": "Others"}
KINDS = ("Ordered", "Selected, not yet ordered")
# orders SIPRI has not valued yet are named platforms first: a submarine or a tank fleet before missiles or engines
PLATFORMS_FIRST = ("combat_aircraft", "ships", "armoured_vehicles", "air_defence", "helicopters", "artillery",
                   "missiles", "other")
UNVALUED_NAMED = 2
SECOND_NAMED = 0.20  # the second supplier of the orders is named when it has this share
PICTURE_CHANGE = 0.10  # orders change the picture when their US share differs from the deliveries' by 10 points


def _span(brief: Brief, metric: str, period: str, kind: str | None = None) -> str | None:
    figure = brief.figure(metric, period)
    if figure is None:
        return None
    return figure_span(figure.value, kind or metric_format(metric), brief.country, metric, period)


def _value(brief: Brief, metric: str, period: str) -> float | None:
    figure = brief.figure(metric, period)
    return None if figure is None else figure.value


def yearly_orders(data: ReleaseData, entity: str, first_year: int = FIRST_CHART_YEAR) -> pd.DataFrame:
    """Orders and selections of `entity` per year and bloc from metrics.csv: year, bloc (label), kind, value."""
    rows = []
    for year in range(first_year, data.last_year + 1):
        for key, label in BLOC_LABELS.items():
            for kind, metric in zip(KINDS, (f"arms_orders_tiv_from_{key}", f"arms_selections_tiv_from_{key}"),
                                    strict=True):
                figure = data.figure(entity, metric, year)
                if figure is not None and figure.value > 0:
                    rows.append({"year": year, "bloc": label, "kind": kind, "value": float(figure.value)})
    return pd.DataFrame(rows, columns=["year", "bloc", "kind", "value"])


def orders_chart_for(data: ReleaseData, entity: str, name: str, possessive: str) -> BriefChart | None:
    """Stacked bars of `entity`'s orders per year since 2010 by supplier bloc, selections drawn pale on top."""
    frame = yearly_orders(data, entity)
    if frame.empty or frame.loc[frame["kind"] == KINDS[0], "value"].sum() <= 0:
        return None
    frame["tiv"] = frame["value"].map(lambda v: fmt(v, "tiv"))
    frame["order"] = frame["kind"].map({KINDS[0]: 0, KINDS[1]: 3}) + frame["bloc"].map(
        {label: position for position, label in enumerate(BLOC_COLOURS)})
    last = data.last_year
    since, before = since_invasion(last), before_invasion()
    us_since = data.figure(entity, "us_share_of_arms_orders", since)
    us_before = data.figure(entity, "us_share_of_arms_orders", before)
    if us_since is not None:
        title = (f"Since 2022, {fmt(us_since.value, 'pct')} of {possessive} new arms orders by volume went to the "
                 f"United States")
        if us_before is not None:
            title += f" ({fmt(us_before.value, 'pct')} in {short_period(before)})"
    else:
        title = f"{possessive[0].upper()}{possessive[1:]} arms orders by the year they were placed"
    chart = alt.Chart(frame, width=WIDTH, height=150).mark_bar().encode(
        x=alt.X("year:O", title=None, scale=alt.Scale(domain=list(range(FIRST_CHART_YEAR, last + 1)))),
        y=alt.Y("value:Q", title="SIPRI TIV, millions", axis=alt.Axis(tickCount=5), stack="zero"),
        color=alt.Color("bloc:N", scale=bloc_scale([b for b in BLOC_COLOURS if b in set(frame["bloc"])]),
                        sort=list(BLOC_COLOURS), title=None),
        opacity=alt.Opacity("kind:N", scale=alt.Scale(domain=list(KINDS), range=[1.0, 0.35]), legend=None),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("year:O", title="Order year"), alt.Tooltip("bloc:N", title="Supplier"),
                 alt.Tooltip("kind:N", title="Status"), alt.Tooltip("tiv:N", title="TIV (millions)")],
    )
    selected = frame[frame["kind"] == KINDS[1]]
    description = (f"Stacked bars of the arms orders {name} placed each year from {FIRST_CHART_YEAR} to {last}, by "
                   f"supplier group, in SIPRI trend-indicator values. "
                   + (f"Since 2022 the United States received {fmt(us_since.value, 'pct')} of them by volume. "
                      if us_since is not None else "")
                   + (f"Pale bars are deals selected but not yet ordered ({fmt(selected['value'].sum(), 'tiv')} "
                      f"million TIV), not counted as orders. " if not selected.empty else "")
                   + f"Orders of {last} are incomplete: SIPRI learns of orders late.")
    subtitle = ("Orders placed per year by supplier (SIPRI TIV, millions; by order year)"
                + ("; pale: selected, not yet ordered" if not selected.empty else "")
                + f"; {last} incomplete")
    return finish(chart, title, subtitle, SIPRI_REGISTER, description, data)


def orders_chart(brief: Brief) -> BriefChart | None:
    """The brief's chart of orders placed per year."""
    return orders_chart_for(brief.data, brief.country, brief.name, brief.possessive())


def _supplier_name(data: ReleaseData, code: str, start: bool = False) -> str:
    if code == "USA":
        return "The United States" if start else "the United States"
    if code in data.countries.entities:
        return data.countries.in_sentence(code, start)
    return "unknown suppliers"


def orders_finding(brief: Brief) -> str | None:
    """'Since 2022 Poland has placed X% of its new arms orders, by volume, with South Korea and Y% with the US,
    against Z% with the US in 2016–21.'"""
    data, last = brief.data, brief.data.last_year
    since, before = since_invasion(last), before_invasion()
    total = _value(brief, "arms_orders_tiv", since)
    if not total:
        return f"SIPRI's register records no valued arms orders placed by {md_escape(brief.name)} since 2022."
    shares = brief.data.metrics
    prefix = "arms_orders_supplier_share_"
    rows = shares[(shares["country"] == brief.country) & (shares["period"] == since)
                  & shares["metric"].str.startswith(prefix)].sort_values("value", ascending=False, kind="stable")
    top = rows.iloc[0]["metric"].removeprefix(prefix) if not rows.empty else None
    us = _span(brief, "us_share_of_arms_orders", since)
    sentence = f"Since 2022 {brief.name} has placed "
    if top is not None and top != "USA":
        sentence += (f"{_span(brief, prefix + top, since)} of its new arms orders, by volume, with "
                     f"{_supplier_name(data, top)} and {us} with the United States")
    else:
        sentence += f"{us} of its new arms orders, by volume, with the United States"
        second = rows.iloc[1] if len(rows) > 1 else None
        if second is not None and second["value"] >= SECOND_NAMED:
            code = second["metric"].removeprefix(prefix)
            sentence += f" and {_span(brief, prefix + code, since)} with {_supplier_name(data, code)}"
    us_before = _span(brief, "us_share_of_arms_orders", before)
    if us_before is not None:
        sentence += f", against {us_before} with the United States in {short_period(before)}"
    return sentence + f" ({_span(brief, 'arms_orders_tiv', since)} million TIV ordered in {short_period(since)})."


def selections_sentence(brief: Brief) -> str | None:
    """The deals selected but not yet ordered, set apart, with the largest named."""
    last = brief.data.last_year
    since = since_invasion(last)
    selected = _value(brief, "arms_selections_tiv", since)
    if not selected:
        return None
    rows = brief.orders[brief.orders["selection_tiv"] > 0].sort_values("selection_tiv", ascending=False)
    largest = rows.iloc[0]
    us_part = ("none of them from the United States" if not _value(brief, "us_share_of_arms_selections", since)
               else f"{_span(brief, 'us_share_of_arms_selections', since)} of them from the United States")
    number = "" if pd.isna(largest["number_ordered"]) else f"{int(largest['number_ordered']):,} "
    if largest["counted_as"] == "order and selection":  # the selected part only (466 of 746 Patria 6x6)
        unit = largest["tiv_per_unit"]
        number = f"{round(largest['selection_tiv'] / unit):,} more " if unit and not pd.isna(unit) else ""
    return (f"Not counted as orders: {_span(brief, 'arms_selections_tiv', since)} million TIV of deals that SIPRI "
            f"lists as selected since 2022 but not yet ordered by the end of {last}, {us_part}; the largest, "
            f"{md_escape(number + str(largest['weapon_designation']))} from "
            f"{md_escape(_supplier_name(brief.data, largest['supplier']))} ({int(largest['order_year'])}"
            f"{'?' if largest['order_year_uncertain'] else ''}).")


def unvalued_sentence(brief: Brief) -> str | None:
    """The orders placed since 2022 that SIPRI gives no total TIV yet (Leopard-2A8, Orka; or no number, as for
    many missile orders): the shares by volume leave them out, so the sentence counts them, with the European ones,
    and names up to two, larger platforms first and firm numbers before those SIPRI marks uncertain ('about'; an
    uncertain order year keeps SIPRI's '?'); a deal only partly ordered is not named."""
    since = since_invasion(brief.data.last_year)
    count = int(_value(brief, "arms_orders_unvalued_count", since) or 0)
    if not count:
        return None
    orders = brief.orders
    rows = orders[orders["unvalued"] & (orders["counted_as"] == "order") & orders["number_ordered"].notna()
                  & (orders["order_year"] >= int(since[:4]))].copy()
    rows["platform_rank"] = rows["category"].map({c: i for i, c in enumerate(PLATFORMS_FIRST)}).fillna(
        len(PLATFORMS_FIRST))
    rows["uncertain"] = rows["number_ordered_uncertain"].fillna(False).astype(bool)
    rows["order_year_uncertain"] = rows["order_year_uncertain"].fillna(False).astype(bool)
    rows = rows.sort_values(["platform_rank", "uncertain", "order_year"], ascending=[True, True, False],
                            kind="stable").drop_duplicates(["weapon_designation", "supplier"])
    named = [f"{'about ' if row.uncertain else ''}{int(row.number_ordered):,} "
             f"{md_escape(str(row.weapon_designation))} from {md_escape(_supplier_name(brief.data, row.supplier))} "
             f"({int(row.order_year)}{'?' if row.order_year_uncertain else ''})"
             for row in rows.head(UNVALUED_NAMED).itertuples()]
    european = int(_value(brief, "arms_orders_unvalued_count_from_europe", since) or 0)
    from_europe = f"{european} from European suppliers" if european else "none from European suppliers"
    if count == 1 and named:
        subject, pronoun = f"{brief.possessive()} order of {named[0]}", "it"
    elif count == 1:
        bloc = "from a European supplier" if european else "not from a European supplier"
        subject, pronoun = f"one order {brief.name} placed in {short_period(since)} ({bloc})", "it"
    else:
        subject, pronoun = (f"{count} orders {brief.name} placed in {short_period(since)} ({from_europe})"
                            + (f", among them {and_join(named)}" if named else "")), "them"
    valued = _value(brief, "arms_orders_tiv", since)
    return (f"SIPRI gives no total TIV yet to {subject}"
            + (f": the shares by volume above leave {pronoun} out." if valued else "."))


def payers_sentence(brief: Brief) -> str | None:
    """Who pays for the country's US orders since 2022 where the register says so (aid-financed orders)."""
    since = since_invasion(brief.data.last_year)
    share = _value(brief, "aid_share_of_arms_orders", since)
    if not share or share < 0.25:  # a few aid-financed orders are no story
        return None
    orders = brief.orders
    us_aid = orders[(orders["supplier"] == "USA") & orders["aid"].astype(bool)
                    & (orders["order_year"] >= int(since[:4])) & (orders["counted_as"] != "selection")]
    payers = [p for value in us_aid["financed_by"] for p in str(value).split(";") if p and p != "USA"]
    named = [_supplier_name(brief.data, p) for p in dict.fromkeys(payers) if p not in ("others", "USA")]
    if "others" in payers:
        named.append("other states through NATO's Prioritized Ukraine Requirements List (PURL)")
    sentence = (f"{_span(brief, 'aid_share_of_arms_orders', since)} of {brief.possessive()} orders since 2022, by "
                f"volume, are aid")
    if named:
        sentence += (f"; besides the United States' own aid, SIPRI's register names as payers of its US orders "
                     f"{md_escape(and_join(named))}")
    return sentence + "."


def revision_note(data: ReleaseData) -> str | None:
    """How much the latest order year is likely to grow: the growth of each earlier release's latest year in the
    later registers (order_revisions.csv, Europe)."""
    revisions = data.order_revisions
    if revisions.empty:
        return None
    next_release = revisions[revisions["releases_later"] == 1].sort_values("order_year")
    two_later = revisions[revisions["releases_later"] == 2].sort_values("order_year")

    def growths(rows: pd.DataFrame) -> str:
        return and_join([f"{fmt(r.growth, 'change')} ({r.order_year})" for r in rows.itertuples()])

    text = f"Orders of {data.last_year} are incomplete: SIPRI learns of orders late."
    if not next_release.empty:
        text += (f" Europe's orders of a release's latest year changed by {growths(next_release)} when the next "
                 f"release recorded them")
        if not two_later.empty:
            text += f", and by {growths(two_later)} two releases later"
        direction = "rise" if (revisions["growth"] > 0).all() else "change"
        text += f": expect the {data.last_year} total to {direction} (data/order_revisions.csv)."
    return text


def _status(row) -> str:
    if row.counted_as == "selection":
        status = "Selected, not yet ordered"
    elif row.counted_as == "order and selection":
        status = "Ordered in part, rest selected"
    else:
        status = "Second-hand" if row.second_hand else "New"
        if row.licence:
            status += ", licence-built"
    if row.aid:
        status += "; aid" + (f" (paid by {row.payers})" if row.payers else "")
    return status


def largest_orders_table(brief: Brief, limit: int = 6) -> str:
    """The largest orders (and selections) of the last four order years, in the register's words; the heading
    names the selections when the table holds one."""
    last = brief.data.last_year
    orders = brief.orders[brief.orders["order_year"] > last - TABLE_YEARS].copy()
    orders["size"] = orders[["order_tiv", "selection_tiv"]].max(axis=1)
    orders = orders[orders["size"] > 0].sort_values(["size", "order_year"], ascending=[False, False],
                                                    kind="stable").head(limit)
    if orders.empty:
        return (f"*SIPRI's register lists no valued orders by {md_escape(brief.name)} placed in "
                f"{short_period(f'{last - TABLE_YEARS + 1}-{last}')}.*\n")
    data = brief.data

    def payer_names(value: str) -> str:
        codes = [c for c in str(value).split(";") if c]
        names = ["others" if c == "others" else data.countries.name(c) if c in data.countries.entities else c
                 for c in codes]
        return ", ".join(names)

    orders["payers"] = [payer_names(v) if a else "" for v, a in zip(orders["financed_by"], orders["aid"],
                                                                    strict=True)]
    rows = []
    for row in orders.itertuples():
        number = "" if pd.isna(row.number_ordered) else f"{int(row.number_ordered):,}"
        number += "?" if row.number_ordered_uncertain and number else ""
        year = f"{int(row.order_year)}" + ("?" if row.order_year_uncertain else "")
        supplier = data.countries.name(row.supplier) if row.supplier in data.countries.entities else row.supplier
        weapon = str(row.weapon_designation) + (f" ({number})" if number else "")
        mark = MARK if note_for(row.weapon_designation, row.weapon_description) else ""
        rows.append([md_escape(supplier), md_escape(weapon) + mark, year, md_escape(_status(row)),
                     fmt(row.size, "tiv")])
    selections = (", and deals selected but not yet ordered (not counted as orders)"
                  if (orders["counted_as"] != "order").any() else "")
    return (f"Largest orders placed in {short_period(f'{last - TABLE_YEARS + 1}-{last}')}{selections}, in the words "
            f"of SIPRI's trade register (a `?` marks a number SIPRI gives as uncertain; every order with its "
            f"classification is in data/orders.csv):\n\n"
            + md_table(["Supplier", "Weapon (SIPRI designation, number)", "Ordered", "Status", "TIV m"], rows,
                       "llrlr")
            + footnotes(list(zip(orders["weapon_designation"], orders["weapon_description"], strict=True))))


def largest_order_sentence(brief: Brief) -> str | None:
    """The PDF's stand-in for the table: the largest order of the last four order years, in SIPRI's words."""
    last = brief.data.last_year
    orders = brief.orders[(brief.orders["order_year"] > last - TABLE_YEARS) & (brief.orders["order_tiv"] > 0)]
    if orders.empty:
        return None
    row = orders.sort_values(["order_tiv", "order_year"], ascending=[False, False], kind="stable").iloc[0]
    number = "" if pd.isna(row["number_ordered"]) else f"{int(row['number_ordered']):,} "
    year = f"{int(row['order_year'])}" + ("?" if row["order_year_uncertain"] else "")
    return (f"The largest order placed in {short_period(f'{last - TABLE_YEARS + 1}-{last}')}: "
            f"{md_escape(number + str(row['weapon_designation']))} from "
            f"{md_escape(_supplier_name(brief.data, row['supplier']))} (ordered {year}, "
            f"{fmt(row['order_tiv'], 'tiv')} million TIV).")


def orders_sentences(brief: Brief, compact: bool = False) -> str:
    """The section's sentences as a bullet list: the finding, the selections, who pays, the latest year
    (`compact`: the PDF's version, with the largest order named in place of the web page's table and a shorter
    note on the latest year)."""
    latest = (f"Orders of {brief.data.last_year} are incomplete: SIPRI learns of orders late, and later releases "
              f"add to a year's total." if compact else revision_note(brief.data))
    largest = largest_order_sentence(brief) if compact else None
    sentences = [s for s in (orders_finding(brief), unvalued_sentence(brief), largest, selections_sentence(brief),
                             payers_sentence(brief), latest) if s]
    return "\n".join(f"- {s}" for s in sentences) + "\n"


def orders_key_finding(brief: Brief) -> str | None:
    """A key finding when the orders change the picture the deliveries give: their US share since 2022 differs
    from the US share of the latest window's deliveries by PICTURE_CHANGE or more."""
    since, window = since_invasion(brief.data.last_year), brief.data.window(0)
    orders, deliveries = _value(brief, "us_share_of_arms_orders", since), _value(brief, "us_share_of_arms_imports",
                                                                                  window)
    if orders is None or deliveries is None or abs(orders - deliveries) < PICTURE_CHANGE:
        return None
    direction = "more" if orders > deliveries else "less"
    unvalued = ""
    count = _value(brief, "arms_orders_unvalued_count", since)
    if count:  # Türkiye's 20 Typhoons of 2025: not in the share
        european = _value(brief, "arms_orders_unvalued_count_from_europe", since)
        if count == 1:
            unvalued = (f"; SIPRI gives no total TIV yet to one of its orders since 2022 ("
                        f"{'from' if european else 'not from'} a European supplier), which the share leaves out")
        else:
            unvalued = (f"; SIPRI gives no total TIV yet to {_span(brief, 'arms_orders_unvalued_count', since)} of its "
                        f"orders since 2022 ("
                        + (f"{_span(brief, 'arms_orders_unvalued_count_from_europe', since)} from European "
                           f"suppliers" if european else "none from European suppliers")
                        + "), which the share leaves out")
    return (f"New orders point {direction} to the United States than deliveries do: "
            f"{_span(brief, 'us_share_of_arms_orders', since)} of the arms {brief.name} has ordered since 2022, by "
            f"volume, against {_span(brief, 'us_share_of_arms_imports', window)} of what it received in "
            f"{short_period(window)}{unvalued} (see Orders placed).")


MOVER_MINIMUM = 100.0  # TIV m ordered in each window before a country's move counts (a few orders are no trend)
MOVERS_SHOWN = 5


def _cell(data: ReleaseData, code: str, metric: str, period: str) -> str:
    figure = data.figure(code, metric, period)
    if figure is None:
        return "no data"
    return figure_span(figure.value, metric_format(metric), code, metric, period) + ("\\*" if figure.estimate else "")


def europe_orders_table(data: ReleaseData, first_year: int = 2016) -> str:
    """Europe's and Europe without Ukraine's orders per year and bloc, with the selections apart."""
    rows = []
    periods = [str(y) for y in range(first_year, data.last_year + 1)] + [before_invasion(),
                                                                          since_invasion(data.last_year)]
    for period in periods:
        label = short_period(period)
        rows.append([label, *(_cell(data, group, metric, period) for group in ("EUROPE", "EUROPE_EX_UKR")
                              for metric in ("arms_orders_tiv", "us_share_of_arms_orders",
                                             "european_share_of_arms_orders")),
                     _cell(data, "EUROPE", "arms_selections_tiv", period)])
    return md_table(["Order year", "Europe: orders (TIV m)", "US share", "European share",
                     "Without Ukraine: orders", "US share", "European share",
                     "Selected, not yet ordered (TIV m)"], rows, "lrrrrrrr")


def order_movers(data: ReleaseData) -> str:
    """The countries whose US share of orders moved most between 2016-21 and since 2022, toward and away from US
    suppliers, among those that ordered at least MOVER_MINIMUM TIV m in each window."""
    before, since = before_invasion(), since_invasion(data.last_year)
    moves = []
    for code in data.european_countries():
        volumes = [data.figure(code, "arms_orders_tiv", p) for p in (before, since)]
        shares = [data.figure(code, "us_share_of_arms_orders", p) for p in (before, since)]
        if any(v is None or v.value < MOVER_MINIMUM for v in volumes) or any(s is None for s in shares):
            continue
        moves.append((shares[1].value - shares[0].value, code))
    if not moves:
        return "*No European country ordered enough in both windows to compare.*\n"
    moves.sort()

    def rows(chosen: list[tuple[float, str]]) -> list[list[str]]:
        return [[f"[{md_escape(data.countries.name(code))}](countries/{code}.html)",
                 _cell(data, code, "us_share_of_arms_orders", before), _cell(data, code, "us_share_of_arms_orders",
                                                                          since),
                 fmt(move, "points"), _cell(data, code, "arms_orders_tiv", since)] for move, code in chosen]

    header = ["Country", f"US share of orders, {short_period(before)}", f"US share, {short_period(since)}",
              "Move", f"Orders {short_period(since)} (TIV m)"]
    away = [m for m in moves if m[0] < 0][:MOVERS_SHOWN]
    toward = [m for m in reversed(moves) if m[0] > 0][:MOVERS_SHOWN]
    text = (f"Countries that ordered at least {MOVER_MINIMUM:,.0f} million TIV in each window; the move is in "
            f"percentage points.\n\n")
    if away:
        text += "**Away from US suppliers**\n\n" + md_table(header, rows(away), "lrrrr") + "\n"
    if toward:
        text += "**Toward US suppliers**\n\n" + md_table(header, rows(toward), "lrrrr") + "\n"
    return text
