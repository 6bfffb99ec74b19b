"""Altair charts of the briefs: each returns a finished chart (title stating the finding, units, source line,
tooltips, a description for screen readers) or None when the country has no data for it."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from ..metrics.weapon_categories import CATEGORY_NAMES
from .context import Brief, ReleaseData
from .text import fmt, short_period
from .theme import BLOC_COLOURS, HIGHLIGHT, MUTED, WIDTH, bloc_scale

SIPRI_AT = "SIPRI Arms Transfers Database"
SIPRI_MILEX = "SIPRI Military Expenditure Database"
NATO = "NATO, Defence Expenditure of NATO Countries"
BLOC_METRICS = {"us": "United States", "european": "European suppliers", "other": "Others"}
FLOW_METRICS = {"us": "United States", "europe": "European suppliers", "others": "Others"}


@dataclass(frozen=True)
class BriefChart:
    """A finished chart and the sentence that describes it to a screen reader."""

    chart: alt.TopLevelMixin
    description: str


def finish(chart: alt.Chart, title: str, subtitle: str, source: str, description: str,
           data: ReleaseData) -> BriefChart:
    """Add the finding as title, a source line under the plot (each source of `source`, '; '-separated, with the
    edition of the release's file) and the description."""
    line = "; ".join(data.citation(part) for part in source.split("; "))
    source_line = alt.Chart(pd.DataFrame({"text": [f"Source: {line}."]})).mark_text(
        align="left", baseline="top", fontSize=10, color="#52606D", dx=0,
    ).encode(text="text:N", x=alt.value(0), y=alt.value(0)).properties(width=WIDTH, height=12)
    combined = alt.vconcat(chart, source_line).properties(
        title=alt.TitleParams(text=title, subtitle=subtitle), description=description,
    ).resolve_scale(color="independent")
    return BriefChart(combined, description)


def _windows(brief: Brief, metrics: dict[str, str]) -> pd.DataFrame:
    frames = []
    for key, label in metrics.items():
        rows = brief.series(f"{key}_share_of_arms_imports", "window")
        frames.append(rows.assign(bloc=label))
    frame = pd.concat(frames, ignore_index=True)
    frame["window"] = frame["period"].map(short_period)
    return frame


def bloc_shares_chart(brief: Brief) -> BriefChart | None:
    """US / European / other shares of arms imports over rolling five-year windows."""
    frame = _windows(brief, BLOC_METRICS)
    if frame.empty:
        return None
    latest = brief.data.window(0)
    us = brief.figure("us_share_of_arms_imports", latest)
    first = frame["period"].min()
    us_first = brief.figure("us_share_of_arms_imports", first)
    if us is None:
        last_shown = frame["period"].max()
        title = f"{brief.name} imported no major arms in {short_period(latest)}; the last window with imports was " \
                f"{short_period(last_shown)}"
        us_text = f"{brief.name} imported no major arms in {short_period(latest)}"
    else:
        title = (f"{brief.name}: the United States supplied {fmt(us.value, 'pct')} of arms imports in "
                 f"{short_period(latest)}")
        if us_first is not None and first != latest:
            title += f" ({fmt(us_first.value, 'pct')} in {short_period(first)})"
        us_text = f"In {short_period(latest)} the US share was {fmt(us.value, 'pct')}"
    frame["share"] = frame["value"].map(lambda v: fmt(v, "pct"))
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("window:O", title="Five-year window", sort=sorted(frame["window"].unique())),
        y=alt.Y("value:Q", title="Share of arms imports", axis=alt.Axis(format="%"), stack="normalize"),
        color=alt.Color("bloc:N", scale=bloc_scale(), sort=list(BLOC_COLOURS)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("window:O", title="Window"), alt.Tooltip("bloc:N", title="Supplier"),
                 alt.Tooltip("share:N", title="Share")],
    ).transform_calculate(order=f"indexof({list(BLOC_COLOURS)!r}, datum.bloc)").properties(width=WIDTH, height=160)
    description = (f"Stacked bars of the shares of {brief.name}'s arms imports from the United States, European "
                   f"suppliers and others, for each five-year window from {short_period(first)} to "
                   f"{short_period(frame['period'].max())}. {us_text}.")
    return finish(chart, title, "Share of arms imports by supplier, rolling five-year windows (SIPRI TIV)",
                  SIPRI_AT, description, brief.data)


def yearly_imports_chart(brief: Brief) -> BriefChart | None:
    """Yearly arms imports in TIV, stacked by supplier bloc."""
    frames = [brief.series(f"arms_imports_from_{key}_tiv").assign(bloc=label) for key, label in FLOW_METRICS.items()]
    frame = pd.concat(frames, ignore_index=True)
    if frame.empty or frame["value"].sum() == 0:
        return None
    frame = frame[frame["period"].astype(int) >= brief.data.last_year - 19]
    frame["year"] = frame["period"].astype(int)
    frame["tiv"] = frame["value"].map(lambda v: fmt(v, "tiv"))
    # a year is drawn pale when its total rests on deliveries allocated from the register (after SIPRI's tables)
    totals = brief.series("arms_imports_tiv").set_index("period")["estimate"]
    frame["allocated"] = frame["period"].map(totals).fillna(False).astype(bool)
    frame["basis"] = frame["allocated"].map({True: "estimate: allocated from the trade register",
                                             False: "SIPRI's yearly tables"})
    peak = frame.groupby("year")["value"].sum().idxmax()
    title = f"{brief.name}'s arms imports peaked in {peak} over the last 20 years"
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("sum(value):Q", title="SIPRI TIV, millions"),
        color=alt.Color("bloc:N", scale=bloc_scale(), sort=list(BLOC_COLOURS)),
        order=alt.Order("order:Q"),
        opacity=alt.condition("datum.allocated", alt.value(0.45), alt.value(1.0)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("bloc:N", title="Supplier"),
                 alt.Tooltip("tiv:N", title="TIV (millions)"), alt.Tooltip("basis:N", title="Yearly figure")],
    ).transform_calculate(order=f"indexof({list(BLOC_COLOURS)!r}, datum.bloc)").properties(width=WIDTH, height=180)
    description = (f"Stacked bars of {brief.name}'s yearly arms imports in SIPRI trend-indicator values by supplier "
                   f"group, {frame['year'].min()} to {frame['year'].max()}; the largest year was {peak}.")
    allocated = sorted(frame.loc[frame["allocated"], "year"].unique())
    subtitle = "Deliveries of major arms per year by supplier (SIPRI TIV, millions)"
    if allocated:
        years = short_period(f"{allocated[0]}-{allocated[-1]}") if len(allocated) > 1 else str(allocated[0])
        subtitle += f"; pale bars ({years}): estimates allocated from the trade register"
        description += (f" Pale bars ({years}) are estimates: SIPRI's yearly tables end in {allocated[0] - 1}, "
                        "so these years are allocated from the trade register.")
    return finish(chart, title, subtitle, SIPRI_AT, description, brief.data)


def _prefixed(brief: Brief, prefix: str, periods: list[str]) -> pd.DataFrame:
    metrics = brief.data.metrics
    rows = metrics[(metrics["country"] == brief.country) & metrics["metric"].str.startswith(prefix)
                   & metrics["period"].isin(periods)].copy()
    rows["key"] = rows["metric"].str.removeprefix(prefix)
    return rows


def _two_window_bars(rows: pd.DataFrame, label: str, label_title: str, latest: str, previous: str, colour: str,
                     width: int, bar_height: int) -> tuple[alt.Chart, pd.DataFrame]:
    """Grouped horizontal bars of shares in the previous and latest window, ordered by the latest; returns the
    chart and the latest window's rows, largest first."""
    rows["window"] = rows["period"].map(short_period)
    rows["share"] = rows["value"].map(lambda v: fmt(v, "pct"))
    current = rows[rows["period"] == latest].sort_values("value", ascending=False)
    order = list(dict.fromkeys([*current[label], *rows.sort_values("value", ascending=False)[label]]))
    windows = [short_period(previous), short_period(latest)]
    chart = alt.Chart(rows).mark_bar().encode(
        y=alt.Y(f"{label}:N", sort=order, title=None),
        x=alt.X("value:Q", title="Share of arms imports", axis=alt.Axis(format="%")),
        yOffset=alt.YOffset("window:N", sort=windows),
        color=alt.Color("window:N", scale=alt.Scale(domain=windows, range=[MUTED, colour])),
        tooltip=[alt.Tooltip(f"{label}:N", title=label_title), alt.Tooltip("window:N", title="Window"),
                 alt.Tooltip("share:N", title="Share")],
    ).properties(width=width, height=max(80, bar_height * len(order)))
    return chart, current


def top_suppliers_chart(brief: Brief) -> BriefChart | None:
    """The largest suppliers' shares in the latest window and the one before."""
    latest, previous = brief.data.window(0), brief.data.window(1)
    rows = _prefixed(brief, "supplier_share_", [latest, previous])
    if rows.empty or rows[rows["period"] == latest].empty:
        return None
    rows["supplier"] = rows["key"].map(brief.data.countries.name)
    chart, current = _two_window_bars(rows, "supplier", "Supplier", latest, previous, "#0072B2", WIDTH - 130, 22)
    top = current.iloc[0]
    title = f"{top['supplier']} was {brief.name}'s largest arms supplier in {short_period(latest)} ({top['share']})"
    description = (f"Horizontal bars of the shares of {brief.name}'s arms imports from its top suppliers in "
                   f"{short_period(previous)} and {short_period(latest)}; "
                   + ", ".join(f"{r.supplier} {r.share}" for r in current.itertuples()) + ".")
    return finish(chart, title, "Five largest suppliers of each window, share of arms imports (SIPRI TIV)",
                  SIPRI_AT, description, brief.data)


def categories_chart(brief: Brief) -> BriefChart | None:
    """What kinds of weapon the country imported, latest window against the one before."""
    latest, previous = brief.data.window(0), brief.data.window(1)
    rows = _prefixed(brief, "category_share_", [latest, previous])
    rows = rows[rows["value"] > 0].copy()
    if rows[rows["period"] == latest].empty:
        return None
    rows["category"] = rows["key"].map(CATEGORY_NAMES)
    chart, current = _two_window_bars(rows, "category", "Weapon category", latest, previous, "#009E73",
                                      WIDTH - 150, 20)
    top = current.iloc[0]
    title = f"{top['category']} made up {top['share']} of {brief.name}'s arms imports in {short_period(latest)}"
    description = (f"Horizontal bars of the shares of weapon categories in {brief.name}'s arms imports in "
                   f"{short_period(previous)} and {short_period(latest)}; the largest in {short_period(latest)} "
                   f"was {top['category'].lower()} with {top['share']}.")
    return finish(chart, title, "Share of arms imports by weapon category (SIPRI TIV)", SIPRI_AT, description,
                  brief.data)


def pending_chart(brief: Brief) -> BriefChart | None:
    """Orders not yet delivered, by supplier."""
    year = str(brief.data.last_year)
    rows = _prefixed(brief, "pending_orders_tiv_from_", [year])
    rows = rows[rows["value"] > 0]
    if rows.empty:
        return None
    rows["supplier"] = rows["key"].map(brief.data.countries.name)
    rows["tiv"] = rows["value"].map(lambda v: fmt(v, "tiv"))
    rows["bloc"] = rows["key"].map(lambda c: "United States" if c == "USA" else "Other suppliers")
    rows = rows.sort_values("value", ascending=False).head(8)
    top = rows.iloc[0]
    title = f"{top['supplier']} holds the largest share of {brief.name}'s undelivered arms orders"
    chart = alt.Chart(rows).mark_bar().encode(
        y=alt.Y("supplier:N", sort=rows["supplier"].tolist(), title=None),
        x=alt.X("value:Q", title="Undelivered orders, SIPRI TIV (millions)"),
        color=alt.Color("bloc:N", scale=alt.Scale(domain=["United States", "Other suppliers"],
                                                  range=[BLOC_COLOURS["United States"], MUTED]), legend=None),
        tooltip=[alt.Tooltip("supplier:N", title="Supplier"), alt.Tooltip("tiv:N", title="TIV (millions)")],
    ).properties(width=WIDTH - 130, height=max(60, 22 * len(rows)))
    description = (f"Horizontal bars of {brief.name}'s undelivered arms orders at the end of {year} by supplier: "
                   + ", ".join(f"{r.supplier} {r.tiv}" for r in rows.itertuples()) + " million TIV.")
    return finish(chart, title, f"Orders not yet delivered at the end of {year}, largest suppliers (SIPRI TIV)",
                  SIPRI_AT, description, brief.data)


def spending_chart(brief: Brief) -> BriefChart | None:
    """Military spending in constant dollars over time."""
    rows = brief.series("milex_constant_usd")
    rows = rows[rows["value"] > 0]
    if rows.empty:
        return None
    rows = rows[rows["period"].astype(int) >= brief.data.last_year - 24].copy()
    rows["year"] = rows["period"].astype(int)
    rows["usd"] = rows["value"].map(lambda v: fmt(v, "usd_m"))
    unit = rows["unit"].iloc[0]
    last = rows.iloc[-1]
    peak_year = int(rows.loc[rows["value"].idxmax(), "year"])
    title = (f"{brief.name}'s military spending reached a {len(rows)}-year high in {last['year']}"
             if peak_year == last["year"] else f"{brief.name}'s military spending peaked in {peak_year}")
    chart = alt.Chart(rows).mark_area(line={"color": "#0072B2"}, color="#0072B2", opacity=0.25).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d")),
        y=alt.Y("value:Q", title=f"{unit.replace('USD m', 'US$ millions')}"),
        tooltip=[alt.Tooltip("year:Q", title="Year", format="d"), alt.Tooltip("usd:N", title="Spending")],
    ).properties(width=WIDTH, height=180)
    description = (f"Area chart of {brief.name}'s military spending in {unit} from {rows['year'].min()} to "
                   f"{last['year']}, when it was {last['usd']}.")
    return finish(chart, title, f"Military expenditure, {unit.replace('USD m', 'US$ millions')}", SIPRI_MILEX,
                  description, brief.data)


def gdp_share_chart(brief: Brief) -> BriefChart | None:
    """Spending as a share of GDP by SIPRI and NATO, against the 2% guideline and the 3.5% Hague target."""
    first = brief.data.last_year - 24
    frames = [brief.series("milex_share_of_gdp").assign(measure="SIPRI"),
              brief.series("nato_share_of_gdp").assign(measure="NATO")]
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[(rows["period"].astype(int) >= first)]
    if rows.empty or rows["value"].max() == 0:
        return None
    rows["year"] = rows["period"].astype(int)
    rows["share"] = rows["value"].map(lambda v: fmt(v, "pct2"))
    rows["status"] = rows["estimate"].map({True: "estimate", False: "reported"})
    targets = pd.DataFrame({"value": [0.02, 0.035], "label": ["NATO 2% guideline", "Hague target 3.5%"]})
    lines = alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d"), scale=alt.Scale(nice=False)),
        y=alt.Y("value:Q", title="Share of GDP", axis=alt.Axis(format=".1%")),
        color=alt.Color("measure:N", scale=alt.Scale(domain=["SIPRI", "NATO"], range=["#0072B2", "#E69F00"])),
        tooltip=[alt.Tooltip("year:Q", title="Year", format="d"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("share:N", title="Share of GDP"), alt.Tooltip("status:N", title="Figure")],
    )
    rules = alt.Chart(targets).mark_rule(strokeDash=[4, 3], color="#52606D").encode(y="value:Q")
    labels = alt.Chart(targets).mark_text(align="left", dx=4, dy=-6, fontSize=10, color="#52606D").encode(
        y="value:Q", x=alt.value(0), text="label:N")
    latest = rows[rows["measure"] == "SIPRI"].tail(1)
    if latest.empty:
        latest = rows.tail(1)
    value = float(latest["value"].iloc[0])
    year = int(latest["year"].iloc[0])
    verdict = "above the Hague target of 3.5%" if value >= 0.035 else (
        "between NATO's 2% guideline and the 3.5% target" if value >= 0.02 else "below NATO's 2% guideline")
    title = f"{brief.name} spent {fmt(value, 'pct1')} of GDP on its military in {year}, {verdict}"
    description = (f"Lines of {brief.name}'s military spending as a share of GDP by SIPRI"
                   + (" and NATO" if (rows["measure"] == "NATO").any() else "")
                   + f" from {rows['year'].min()} to {rows['year'].max()}, with dashed lines at 2% and 3.5%.")
    chart = alt.layer(rules, labels, lines).properties(width=WIDTH, height=160)
    sources = SIPRI_MILEX + ("; " + NATO if (rows["measure"] == "NATO").any() else "")
    return finish(chart, title, "Military expenditure as a share of GDP", sources, description,
                  brief.data)


def equipment_chart(brief: Brief) -> BriefChart | None:
    """NATO's equipment share of defence expenditure against the 20% guideline."""
    rows = brief.series("nato_equipment_share")
    if rows.empty:
        return None
    rows = rows.tail(12).copy()
    rows["year"] = rows["period"].astype(int)
    rows["share"] = rows["value"].map(lambda v: fmt(v, "pct1"))
    rows["meets"] = rows["value"].map(lambda v: "20% or more" if v >= 0.2 else "under 20%")
    last = rows.iloc[-1]
    title = (f"{brief.name} put {last['share']} of defence spending into equipment in {last['year']}, "
             + ("above" if last["value"] >= 0.2 else "below") + " NATO's 20% guideline")
    bars = alt.Chart(rows).mark_bar().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("value:Q", title="Equipment share of defence expenditure", axis=alt.Axis(format="%")),
        color=alt.Color("meets:N", scale=alt.Scale(domain=["20% or more", "under 20%"], range=["#009E73", MUTED])),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("share:N", title="Equipment share")],
    )
    rule = alt.Chart(pd.DataFrame({"value": [0.2]})).mark_rule(strokeDash=[4, 3], color="#52606D").encode(
        y="value:Q")
    description = (f"Bars of the share of {brief.name}'s defence expenditure spent on equipment, "
                   f"{rows['year'].min()} to {last['year']}, with a dashed line at NATO's 20% guideline.")
    return finish(alt.layer(bars, rule).properties(width=WIDTH, height=120), title,
                  "Equipment expenditure as a share of defence expenditure (NATO)", NATO, description,
                  brief.data)


def peers_chart(data: ReleaseData, metric: str, period: str, kind: str, title: str, subtitle: str,
                source: str, highlight: str | None = None, targets: dict[str, float] | None = None,
                ) -> BriefChart | None:
    """One metric across the European countries, sorted, with one country highlighted and target lines."""
    rows = data.across_countries(metric, period, data.european_countries())
    if rows.empty:
        return None
    rows["shown"] = rows["value"].map(lambda v: fmt(v, kind))
    rows["group"] = rows["country"].map(lambda c: "highlight" if c == highlight else "other")
    rows["link"] = rows["country"].map(lambda c: f"{c}.html")
    order = rows.sort_values("value", ascending=False)["name"].tolist()
    ranked = rows["value"].sort_values(ascending=False).tolist()
    scale = alt.Scale()
    if len(ranked) > 2 and ranked[0] > 2.5 * ranked[1] > 0:
        # One outlier (Ukraine's spending) would squash every other bar: cut the axis, print the true value.
        scale = alt.Scale(domain=[0, ranked[1] * 1.25], clamp=True)
        outliers = rows[rows["value"] > ranked[1] * 1.25]
        subtitle += "; " + ", ".join(f"{r.name} ({r.shown})" for r in outliers.itertuples()) + " cut at the edge"
    bars = alt.Chart(rows).mark_bar().encode(
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelFontSize=9)),
        x=alt.X("value:Q", title=subtitle, scale=scale,
                axis=alt.Axis(format="%" if kind.startswith("pct") else ",")),
        color=alt.Color("group:N", scale=alt.Scale(domain=["highlight", "other"], range=[HIGHLIGHT, "#6B8BA4"]),
                        legend=None),
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("shown:N", title="Value")],
    )
    layers = [bars]
    for label, value in (targets or {}).items():
        frame = pd.DataFrame({"value": [value], "label": [label]})
        layers.append(alt.Chart(frame).mark_rule(strokeDash=[4, 3], color="#1F2933").encode(x="value:Q"))
        layers.append(alt.Chart(frame).mark_text(align="left", dx=3, dy=-4, fontSize=9, color="#1F2933").encode(
            x="value:Q", y=alt.value(0), text="label:N"))
    chart = alt.layer(*layers).properties(width=WIDTH - 150, height=11 * len(rows))
    description = f"Horizontal bars of {subtitle.lower()} for {len(rows)} European countries, largest first"
    if highlight:
        own = rows[rows["country"] == highlight]
        if not own.empty:
            rank = order.index(own["name"].iloc[0]) + 1
            description += f"; {own['name'].iloc[0]} is highlighted at {own['shown'].iloc[0]}, rank {rank}"
    return finish(chart, title, subtitle, source, description + ".", data)


def us_share_vs_gdp_chart(data: ReleaseData) -> BriefChart | None:
    """Overview scatter: US share of arms imports (latest window) against military spending as a share of GDP."""
    window = data.window(0)
    countries = data.european_countries()
    us = data.across_countries("us_share_of_arms_imports", window, countries)
    year = str(data.last_year)
    gdp = data.across_countries("milex_share_of_gdp", year, countries)
    rows = us.merge(gdp, on=["country", "name"], suffixes=("_us", "_gdp"))
    rows = rows[rows["value_gdp"] > 0]
    if rows.empty:
        return None
    rows["us"] = rows["value_us"].map(lambda v: fmt(v, "pct"))
    rows["gdp"] = rows["value_gdp"].map(lambda v: fmt(v, "pct1"))
    rows["url"] = rows["country"].map(lambda c: f"countries/{c}.html")
    high_both = rows[(rows["value_us"] >= 0.5) & (rows["value_gdp"] >= 0.02)]
    title = (f"{len(high_both)} of {len(rows)} European countries spend 2% of GDP or more and buy "
             f"half their arms or more from the US")
    x_scale = alt.Scale()
    subtitle = "Each point is a country; click to open its brief"
    far = rows[rows["value_gdp"] > 0.08]
    if not far.empty:
        x_scale = alt.Scale(domain=[0, 0.08], clamp=True)
        subtitle += "; " + ", ".join(f"{r.name} ({r.gdp} of GDP)" for r in far.itertuples()) + " drawn at the edge"
    points = alt.Chart(rows).mark_circle(size=70, color="#0072B2", opacity=0.85).encode(
        x=alt.X("value_gdp:Q", title=f"Military spending, share of GDP ({year})", axis=alt.Axis(format=".0%"),
                scale=x_scale),
        y=alt.Y("value_us:Q", title=f"US share of arms imports ({short_period(window)})", axis=alt.Axis(format="%")),
        href="url:N",
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("us:N", title="US share of imports"),
                 alt.Tooltip("gdp:N", title="Share of GDP")],
    )
    labels = points.mark_text(align="left", dx=6, fontSize=9, color="#1F2933").encode(text="country:N")
    rule = alt.Chart(pd.DataFrame({"value": [0.02]})).mark_rule(strokeDash=[4, 3], color="#52606D").encode(
        x="value:Q")
    description = (f"Scatter plot of {len(rows)} European countries: US share of arms imports in "
                   f"{short_period(window)} against military spending as a share of GDP in {year}, with a dashed "
                   f"line at 2% of GDP. {len(high_both)} countries are at or above both 50% and 2%.")
    chart = alt.layer(rule, points, labels).properties(width=WIDTH, height=320)
    return finish(chart, title, subtitle, f"{SIPRI_AT}; {SIPRI_MILEX}", description,
                  data)
