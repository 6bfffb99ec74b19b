"""Altair charts of the briefs: each returns a finished chart (title stating the finding, units, source line,
tooltips, a description for screen readers) or None when the country has no data for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from ..metrics.dependency import US, european_suppliers
from ..metrics.weapon_categories import CATEGORY_NAMES
from .context import Brief, ReleaseData
from .targets import EQUIPMENT_GUIDELINE, GUIDELINE, HAGUE_CORE
from .text import and_join, fmt, metric_format, short_period, typographic
from .theme import BLOC_COLOURS, GUIDE_MET, HIGHLIGHT, MEASURE_COLOURS, MUTED, PERIOD_COLOURS, SERIES, WIDTH, bloc_scale

SIPRI_AT = "SIPRI Arms Transfers Database"
SIPRI_REGISTER = f"{SIPRI_AT}, trade register"  # figures from the register alone (the orders)
SIPRI_MILEX = "SIPRI Military Expenditure Database"
NATO = "NATO, Defence Expenditure of NATO Countries"
BLOC_METRICS = {"us": "United States", "european": "European suppliers", "other": "Others"}
FLOW_METRICS = {"us": "United States", "europe": "European suppliers", "others": "Others"}


# the column types chart_values converts itself; a frame with any other goes through Altair's own transformer
_PLAIN_DTYPES = frozenset({"str", "string", "bool", "int64", "float64"})


def chart_values(data, max_rows: int | None = 5000):
    """Altair's default data transformer, made fast for plain frames: a DataFrame whose columns are strings,
    booleans, 64-bit integers or floats becomes the same {"values": rows} that Altair's sanitize_pandas_dataframe
    and to_dict(orient="records") make (missing strings, NaN and infinities as None), from whole columns, without
    Altair's copy of the frame column by column; anything else is handed to Altair's default. The build's kernels
    register it as Altair's default (kernels.WARM_UP), so that `disable_max_rows()` works as with Altair's own; the
    build's own process uses it within `build_settings`."""
    plain = (isinstance(data, pd.DataFrame) and (max_rows is None or len(data) <= max_rows)
             and not isinstance(data.index, pd.MultiIndex) and len(data.columns) > 0
             and all(isinstance(name, str) for name in data.columns) and data.columns.is_unique
             and all(str(dtype) in _PLAIN_DTYPES for dtype in data.dtypes))
    if not plain:
        return alt.default_data_transformer(data, max_rows=max_rows)
    columns = []
    for name in data.columns:
        column = data[name]
        values = column.tolist()
        kind = str(column.dtype)
        if kind == "float64":
            missing = ~np.isfinite(column.to_numpy())
        elif kind in ("str", "string"):
            missing = column.isna().to_numpy()
        else:
            missing = None
        if missing is not None:
            for position in np.flatnonzero(missing):
                values[position] = None
        columns.append(values)
    names = list(data.columns)
    return {"values": [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]}


@contextmanager
def build_settings() -> Iterator[None]:
    """Altair as the build's kernels set it (execute.kernels.WARM_UP), for charts made in the build's own process:
    no schema validation of every chart object (the tests validate every published spec), `chart_values` as the
    data transformer; the settings before are restored after. The settings are Altair's, for the whole process:
    not for charts made on several threads at once (the build makes its own pages on one thread)."""
    alt.data_transformers.register("briefs", chart_values)
    with alt.utils.schemapi.debug_mode(False), alt.data_transformers.enable("briefs"):
        yield


@dataclass(frozen=True)
class BriefChart:
    """A finished chart and the sentence that describes it to a screen reader."""

    chart: alt.TopLevelMixin
    description: str


def finish(chart: alt.Chart, title: str, subtitle: str, source: str, description: str,
           data: ReleaseData) -> BriefChart:
    """Add the finding as title, a source line under the plot (each source of `source`, '; '-separated, with the
    edition of the release's file) and the description, each with the prose's typographic apostrophes."""
    title, subtitle, description = typographic(title), typographic(subtitle), typographic(description)
    line = typographic("; ".join(data.citation(part) for part in source.split("; ")))
    source_line = alt.Chart(pd.DataFrame({"text": [f"Source: {line}."]}), width=WIDTH, height=12).mark_text(
        align="left", baseline="top", fontSize=10, color="#52606D", dx=0,
    ).encode(text=alt.Text("text:N"), x=alt.XValue(0), y=alt.YValue(0))
    # built in one go: each of Altair's methods on a composite chart (.properties, .resolve_scale) deep-copies it
    combined = alt.VConcatChart(vconcat=[chart, source_line], title=alt.TitleParams(text=title, subtitle=subtitle),
                                description=description,
                                resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="independent")))
    return BriefChart(combined, description)


def _blocs_with_data(frame: pd.DataFrame) -> list[str]:
    """The blocs with a positive value in `frame` (so that no legend entry stands for nothing)."""
    return [b for b in BLOC_COLOURS if frame.loc[frame["bloc"] == b, "value"].sum() > 0]


def _bloc_of(supplier: str, european: frozenset[str]) -> str:
    """The bloc label of a supplier code, as the bloc charts name it."""
    if supplier == US:
        return "United States"
    return "European suppliers" if supplier in european else "Others"


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
        title = (f"{brief.name_start} imported no major arms in {short_period(latest)}; the last window with "
                 f"imports was {short_period(last_shown)}")
        us_text = f"{brief.name_start} imported no major arms in {short_period(latest)}"
    else:
        title = (f"The United States supplied {fmt(us.value, 'pct')} of {brief.possessive()} arms imports in "
                 f"{short_period(latest)}")
        if us_first is not None and first != latest:
            title += f" ({fmt(us_first.value, 'pct')} in {short_period(first)})"
        us_text = f"In {short_period(latest)} the US share was {fmt(us.value, 'pct')}"
    frame["share"] = frame["value"].map(lambda v: fmt(v, "pct"))
    # every window to the latest, so that windows without imports show as gaps instead of ending the axis early
    windows = [short_period(f"{start}-{start + 4}") for start in range(int(first[:4]), int(latest[:4]) + 1)]
    chart = alt.Chart(frame, width=WIDTH, height=130).mark_bar().encode(
        x=alt.X("window:O", title="Five-year window", scale=alt.Scale(domain=windows)),
        y=alt.Y("value:Q", title="Share of arms imports", axis=alt.Axis(format="%"), stack="normalize"),
        color=alt.Color("bloc:N", scale=bloc_scale(_blocs_with_data(frame)), sort=list(BLOC_COLOURS)),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("window:O", title="Window"), alt.Tooltip("bloc:N", title="Supplier"),
                 alt.Tooltip("share:N", title="Share")],
    ).transform_calculate(order=f"indexof({list(BLOC_COLOURS)!r}, datum.bloc)")
    description = (f"Stacked bars of the shares of {brief.possessive()} arms imports from the United States, European "
                   f"suppliers and others, for each five-year window from {short_period(first)} to "
                   f"{short_period(latest)}. {us_text}.")
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
    # a year is drawn pale when its total rests on how deals delivered over several years were split across them
    totals = brief.series("arms_imports_tiv").set_index("period")["estimate"]
    frame["estimate"] = frame["period"].map(totals).fillna(False).astype(bool)
    frame["basis"] = frame["estimate"].map({True: "estimate: part of deals delivered over several years",
                                            False: "as SIPRI's data give it"})
    peak = frame.groupby("year")["value"].sum().idxmax()
    span = short_period(f"{frame['year'].min()}-{frame['year'].max()}")
    title = f"Of the years {span}, {brief.possessive()} arms imports were largest in {peak}"
    chart = alt.Chart(frame, width=WIDTH, height=140).mark_bar().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("value:Q", title="SIPRI TIV, millions", axis=alt.Axis(tickCount=5), stack="zero"),
        color=alt.Color("bloc:N", scale=bloc_scale(_blocs_with_data(frame)), sort=list(BLOC_COLOURS)),
        order=alt.Order("order:Q"),
        opacity=alt.condition("datum.estimate", alt.value(0.45), alt.value(1.0)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("bloc:N", title="Supplier"),
                 alt.Tooltip("tiv:N", title="TIV (millions)"), alt.Tooltip("basis:N", title="Yearly figure")],
    ).transform_calculate(order=f"indexof({list(BLOC_COLOURS)!r}, datum.bloc)")
    description = (f"Stacked bars of {brief.possessive()} yearly arms imports in SIPRI trend-indicator values by "
                   f"supplier "
                   f"group, {frame['year'].min()} to {frame['year'].max()}; the largest year was {peak}.")
    estimated = sorted(frame.loc[frame["estimate"], "year"].unique())
    subtitle = "Deliveries of major arms per year by supplier (SIPRI TIV, millions)"
    if estimated:
        subtitle += "; pale bars: estimates (deals split over years)"
        description += (f" Pale bars ({len(estimated)} of the {frame['year'].nunique()} years) are estimates: they "
                        "hold part of a deal delivered over several years, and SIPRI's register gives only the "
                        "deal's total.")
    return finish(chart, title, subtitle, SIPRI_AT, description, brief.data)


def _prefixed(brief: Brief, prefix: str, periods: list[str]) -> pd.DataFrame:
    metrics = brief.data.metrics
    rows = metrics[(metrics["country"] == brief.country) & metrics["metric"].str.startswith(prefix)
                   & metrics["period"].isin(periods)].copy()
    rows["key"] = rows["metric"].str.removeprefix(prefix)
    return rows


def _two_window_bars(rows: pd.DataFrame, label: str, label_title: str, latest: str, previous: str,
                     width: int, bar_height: int) -> tuple[alt.Chart, pd.DataFrame]:
    """Grouped horizontal bars of shares in the previous and latest window, ordered by the latest; returns the
    chart and the latest window's rows, largest first."""
    rows["window"] = rows["period"].map(short_period)
    rows["share"] = rows["value"].map(lambda v: fmt(v, "pct"))
    current = rows[rows["period"] == latest].sort_values("value", ascending=False)
    order = list(dict.fromkeys([*current[label], *rows.sort_values("value", ascending=False)[label]]))
    windows = [short_period(previous), short_period(latest)]
    windows = [w for w in windows if w in set(rows["window"])]
    chart = alt.Chart(rows, width=width, height=max(80, bar_height * len(order))).mark_bar().encode(
        y=alt.Y(f"{label}:N", sort=order, title=None),
        x=alt.X("value:Q", title="Share of arms imports", axis=alt.Axis(format="%", tickCount=5)),
        yOffset=alt.YOffset("window:N", sort=windows),
        color=alt.Color("window:N", scale=alt.Scale(domain=windows, range=list(PERIOD_COLOURS[-len(windows):]))),
        tooltip=[alt.Tooltip(f"{label}:N", title=label_title), alt.Tooltip("window:N", title="Window"),
                 alt.Tooltip("share:N", title="Share")],
    )
    return chart, current


def top_suppliers_chart(brief: Brief) -> BriefChart | None:
    """The largest suppliers' shares in the latest window and the one before."""
    latest, previous = brief.data.window(0), brief.data.window(1)
    rows = _prefixed(brief, "supplier_share_", [latest, previous])
    if rows.empty or rows[rows["period"] == latest].empty:
        return None
    rows["supplier"] = rows["key"].map(brief.data.countries.name)
    chart, current = _two_window_bars(rows, "supplier", "Supplier", latest, previous, WIDTH - 130, 22)
    top = current.iloc[0]
    title = (f"{brief.data.countries.in_sentence(top['key'], start=True)} was {brief.possessive()} largest arms "
             f"supplier in {short_period(latest)} ({top['share']})")
    description = (f"Horizontal bars of the shares of {brief.possessive()} arms imports from its top suppliers in "
                   f"{short_period(previous)} and {short_period(latest)}; "
                   + ", ".join(f"{brief.data.countries.in_sentence(r.key)} {r.share}" for r in current.itertuples())
                   + ".")
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
    chart, current = _two_window_bars(rows, "category", "Weapon category", latest, previous, WIDTH - 190, 20)
    top = current.iloc[0]
    title = f"{top['category']} made up {top['share']} of {brief.possessive()} arms imports in {short_period(latest)}"
    description = (f"Horizontal bars of the shares of weapon categories in {brief.possessive()} arms imports in "
                   f"{short_period(previous)} and {short_period(latest)}; the largest category in "
                   f"{short_period(latest)} was {top['category']}, with {top['share']}.")
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
    european = european_suppliers(brief.data.countries)
    rows["bloc"] = rows["key"].map(lambda c: _bloc_of(c, european))
    rows = rows.sort_values("value", ascending=False).head(8)
    top = rows.iloc[0]
    title = (f"{brief.data.countries.in_sentence(top['key'], start=True)} holds the largest share of "
             f"{brief.possessive()} undelivered arms orders")
    chart = alt.Chart(rows, width=WIDTH - 130, height=max(60, 22 * len(rows))).mark_bar().encode(
        y=alt.Y("supplier:N", sort=rows["supplier"].tolist(), title=None),
        x=alt.X("value:Q", title="Undelivered orders, SIPRI TIV (millions)", axis=alt.Axis(tickCount=4)),
        color=alt.Color("bloc:N", scale=bloc_scale(_blocs_with_data(rows)), sort=list(BLOC_COLOURS)),
        tooltip=[alt.Tooltip("supplier:N", title="Supplier"), alt.Tooltip("tiv:N", title="TIV (millions)")],
    )
    description = (f"Horizontal bars of {brief.possessive()} undelivered arms orders at the end of {year} by supplier: "
                   + ", ".join(f"{brief.data.countries.in_sentence(r.key)} {r.tiv}" for r in rows.itertuples())
                   + " million TIV.")
    return finish(chart, title, f"Orders not yet delivered at the end of {year}, largest suppliers (SIPRI TIV)",
                  SIPRI_REGISTER, description, brief.data)


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
    span = short_period(f"{rows['year'].min()}-{last['year']}")
    title = (f"{brief.possessive(start=True)} military spending in {last['year']} was the highest of {span} in "
             f"real terms" if peak_year == last["year"]
             else f"{brief.possessive(start=True)} military spending of {span} peaked in {peak_year} in real terms")
    chart = alt.Chart(rows, width=WIDTH, height=140).mark_area(
        line={"color": SERIES}, color=SERIES, opacity=0.25,
    ).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(domain=[int(rows["year"].min()), int(last["year"])], nice=False, zero=False)),
        y=alt.Y("value:Q", title=f"{unit.replace('USD m', 'US$ millions')}", axis=alt.Axis(tickCount=5)),
        tooltip=[alt.Tooltip("year:Q", title="Year", format="d"), alt.Tooltip("usd:N", title="Spending")],
    )
    description = (f"Area chart of {brief.possessive()} military spending in {unit} from {rows['year'].min()} to "
                   f"{last['year']}, when it was {last['usd']}.")
    return finish(chart, title, f"Military expenditure, {unit.replace('USD m', 'US$ millions')}", SIPRI_MILEX,
                  description, brief.data)


def gdp_share_chart(brief: Brief) -> BriefChart | None:
    """Spending as a share of GDP by SIPRI and (for allies) NATO; for allies, NATO's 2% guideline and the 3.5%
    Hague core-defence level as dashed rules (NATO's targets are never drawn for a non-member), and the title's
    verdict read on NATO's latest figure, never on SIPRI's."""
    first = brief.data.last_year - 24
    frames = [brief.series("milex_share_of_gdp").assign(measure="SIPRI")]
    if brief.is_nato:
        frames.append(brief.series("nato_share_of_gdp").assign(measure="NATO"))
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[(rows["period"].astype(int) >= first)]
    if rows.empty or rows["value"].max() == 0:
        return None
    rows["year"] = rows["period"].astype(int)
    rows["share"] = rows["value"].map(lambda v: fmt(v, "pct2"))
    rows["status"] = rows["estimate"].map({True: "estimate", False: "reported"})
    measures = [m for m in MEASURE_COLOURS if m in set(rows["measure"])]
    lines = alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(domain=[int(rows["year"].min()), int(rows["year"].max())], nice=False, zero=False)),
        y=alt.Y("value:Q", title="Share of GDP", axis=alt.Axis(format=".1%", tickCount=5)),
        color=alt.Color("measure:N", scale=alt.Scale(domain=measures, range=[MEASURE_COLOURS[m] for m in measures]),
                        legend=alt.Legend(title=None) if len(measures) > 1 else None),
        tooltip=[alt.Tooltip("year:Q", title="Year", format="d"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("share:N", title="Share of GDP"), alt.Tooltip("status:N", title="Figure")],
    )
    layers = [lines]
    if brief.is_nato:
        targets = pd.DataFrame({"value": [GUIDELINE.share, HAGUE_CORE.share], "label": ["2%", "3.5%"]})
        rules = alt.Chart(targets).mark_rule(strokeDash=[4, 3], color="#52606D").encode(y=alt.Y("value:Q"))
        # short labels just right of the plot, where no line runs; the subtitle says what they are
        labels = alt.Chart(targets).mark_text(align="left", baseline="middle", dx=4, fontSize=10,
                                              color="#52606D").encode(
            y=alt.Y("value:Q"), x=alt.XValue(WIDTH), text=alt.Text("label:N"))
        layers = [rules, labels, lines]
    latest = rows[rows["measure"] == "SIPRI"].tail(1)
    if latest.empty:
        latest = rows.tail(1)
    value = float(latest["value"].iloc[0])
    year = int(latest["year"].iloc[0])
    title = f"{brief.name_start} spent {fmt(value, 'pct1')} of GDP on its military in {year}"
    nato = rows[rows["measure"] == "NATO"].tail(1)
    if not nato.empty and latest["measure"].iloc[0] == "SIPRI":
        # NATO's targets are read on NATO's own figure, never on SIPRI's (DESIGN: never mix the two)
        share = float(nato["value"].iloc[0])
        verdict = ("above 3.5%" if share >= HAGUE_CORE.share else "between 2% and 3.5%"
                   if share >= GUIDELINE.share else "below its 2% guideline")
        title += (f" (SIPRI); NATO's {int(nato['year'].iloc[0])} {'estimate' if nato['estimate'].iloc[0] else 'figure'}"
                  f": {fmt(share, 'pct2')}, {verdict}")
    description = (f"Lines of {brief.possessive()} military spending as a share of GDP by SIPRI"
                   + (" and NATO" if "NATO" in measures else "")
                   + f" from {rows['year'].min()} to {rows['year'].max()}"
                   + (", with dashed lines at NATO's 2% guideline and the 3.5% Hague core-defence level."
                      if brief.is_nato else "."))
    chart = alt.layer(*layers, width=WIDTH, height=140)
    sources = SIPRI_MILEX + ("; " + NATO if "NATO" in measures else "")
    subtitle = "Military expenditure as a share of GDP"
    if brief.is_nato:
        subtitle += ("; dashed: NATO's 2% guideline (2014) and 3.5%, the Hague core-defence level for 2035 "
                     "(June 2025)")
    return finish(chart, title, subtitle, sources, description, brief.data)


def equipment_chart(brief: Brief) -> BriefChart | None:
    """NATO's equipment share of defence expenditure against the 20% guideline."""
    rows = brief.series("nato_equipment_share")
    if rows.empty:
        return None
    rows = rows.tail(12).copy()
    rows["year"] = rows["period"].astype(int)
    rows["share"] = rows["value"].map(lambda v: fmt(v, metric_format("nato_equipment_share")))
    met = rows["value"] >= EQUIPMENT_GUIDELINE.share
    rows["meets"] = met.map({True: "20% or more", False: "under 20%"})
    last = rows.iloc[-1]
    title = (f"{brief.name_start} put {last['share']} of defence spending into equipment in {last['year']}, "
             + ("above" if last["value"] >= EQUIPMENT_GUIDELINE.share else "below") + " NATO's 20% guideline")
    kinds = [k for k in ("20% or more", "under 20%") if k in set(rows["meets"])]
    bars = alt.Chart(rows).mark_bar().encode(
        x=alt.X("year:O", title=None),
        y=alt.Y("value:Q", title="Share of spending", axis=alt.Axis(format="%", tickCount=4)),
        color=alt.Color("meets:N", scale=alt.Scale(domain=kinds, range=[{"20% or more": GUIDE_MET,
                                                                          "under 20%": MUTED}[k] for k in kinds])),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("share:N", title="Equipment share")],
    )
    rule = alt.Chart(pd.DataFrame({"value": [EQUIPMENT_GUIDELINE.share]})).mark_rule(
        strokeDash=[4, 3], color="#52606D").encode(y=alt.Y("value:Q"))
    description = (f"Bars of the share of {brief.possessive()} defence expenditure spent on equipment, "
                   f"{rows['year'].min()} to {last['year']}, with a dashed line at NATO's 20% guideline.")
    return finish(alt.layer(bars, rule, width=WIDTH, height=110), title,
                  "Equipment expenditure as a share of defence expenditure (NATO); dashed line at "
                  + EQUIPMENT_GUIDELINE.short, NATO, description, brief.data)


def peers_chart(data: ReleaseData, metric: str, period: str, kind: str, title: str, subtitle: str,
                source: str, highlight: str | None = None, targets: dict[str, float] | None = None,
                ) -> BriefChart | None:
    """One metric across the European countries, sorted, with one country highlighted and target lines. One
    outlier that would squash the others (Ukraine's spending) is cut at the edge, with a break mark and its
    value printed on the bar."""
    rows = data.across_countries(metric, period, data.european_countries())
    if highlight is not None and highlight not in set(rows["country"]):
        title += f" ({data.countries.in_sentence(highlight)}: no figure for this period)"
    if metric.startswith("milex_"):
        rows = rows[rows["value"] > 0]  # a state without armed forces has no spending to compare
    if rows.empty:
        return None
    rows["shown"] = rows["value"].map(lambda v: fmt(v, kind))
    rows["group"] = rows["country"].map(lambda c: "highlight" if c == highlight else "other")
    order = rows.sort_values("value", ascending=False)["name"].tolist()
    ranked = rows["value"].sort_values(ascending=False).tolist()
    scale = alt.Scale()
    height = 11 * len(rows)
    layers = []
    outliers = rows.iloc[0:0]
    if len(ranked) > 2 and ranked[0] > 2.5 * ranked[1] > 0:
        edge = ranked[1] * 1.25
        scale = alt.Scale(domain=[0, edge], clamp=True, nice=False)
        outliers = rows[rows["value"] > edge].assign(edge=edge, cut=edge * 0.86)
        subtitle += "; " + ", ".join(f"{data.countries.in_sentence(r.country)} ({r.shown})"
                                     for r in outliers.itertuples()) + " cut at the edge"
    axis_format = "%" if kind.startswith("pct") else ","
    bars = alt.Chart(rows).mark_bar().encode(
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelFontSize=9, labelOverlap=False)),
        x=alt.X("value:Q", title=subtitle, scale=scale, axis=alt.Axis(format=axis_format, tickCount=6)),
        color=alt.Color("group:N", scale=alt.Scale(domain=["highlight", "other"], range=[HIGHLIGHT, "#9AA5B1"]),
                        legend=None),
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("shown:N", title="Value")],
    )
    layers.append(bars)
    if not outliers.empty:
        y = alt.Y("name:N", sort=order)
        layers.append(alt.Chart(outliers).mark_text(text="//", fontSize=12, fontWeight="bold", color="white").encode(
            x=alt.X("cut:Q", scale=scale), y=y))
        layers.append(alt.Chart(outliers).mark_text(align="right", dx=-3, fontSize=9, fontWeight="bold",
                                                    color="white").encode(x=alt.X("edge:Q", scale=scale), y=y,
                                                                          text=alt.Text("shown:N")))
    for position, (label, value) in enumerate((targets or {}).items()):
        frame = pd.DataFrame({"value": [value], "label": [label]})
        layers.append(alt.Chart(frame).mark_rule(strokeDash=[4, 3], color="#1F2933").encode(x=alt.X("value:Q")))
        # labels over the shortest bars at the bottom, one row apart, so they cross no bar and no other label
        layers.append(alt.Chart(frame).mark_text(align="left", baseline="middle", dx=3, fontSize=9,
                                                 color="#1F2933").encode(
            x=alt.X("value:Q"), y=alt.YValue(height - 6 - 13 * position), text=alt.Text("label:N")))
    chart = alt.layer(*layers, width=WIDTH - 150, height=height)
    description = f"Horizontal bars of {subtitle}, for {len(rows)} European countries, largest first"
    if highlight:
        own = rows[rows["country"] == highlight]
        if not own.empty:
            # ranked as the peers table ranks (metrics.ranking: ties share the higher rank), not by bar position
            value = own["value"].iloc[0]
            rank, ties = int((rows["value"] > value).sum()) + 1, int((rows["value"] == value).sum()) - 1
            description += (f"; {data.countries.in_sentence(highlight)} is highlighted at {own['shown'].iloc[0]}, "
                            f"rank {rank} of {len(rows)}" + (f", tied with {ties} others" if ties > 1 else
                                                              ", tied with one other" if ties == 1 else ""))
    return finish(chart, title, subtitle, source, description + ".", data)


LABEL_OFFSETS = ((7, 0, "left"), (-7, 0, "right"), (0, -10, "center"), (0, 10, "center"))


def place_labels(x: list[float], y: list[float], widths: list[float], plot: tuple[float, float],
                 height: float = 10.0, radius: float = 5.0) -> list[tuple[float, float, str] | None]:
    """Greedy placement of point labels in pixels: for each point the first offset of LABEL_OFFSETS whose box
    stays in the plot and clears every point and every label placed so far; None when none does."""
    placed: list[tuple[float, float, float, float]] = []
    points = [(px - radius, py - radius, px + radius, py + radius) for px, py in zip(x, y, strict=True)]

    def clear(box: tuple[float, float, float, float], own: int) -> bool:
        left, top, right, bottom = box
        if left < 0 or top < 0 or right > plot[0] or bottom > plot[1]:
            return False
        others = [p for i, p in enumerate(points) if i != own] + placed
        return all(right <= o[0] or left >= o[2] or bottom <= o[1] or top >= o[3] for o in others)

    out: list[tuple[float, float, str] | None] = []
    for i, (px, py, width) in enumerate(zip(x, y, widths, strict=True)):
        choice = None
        for dx, dy, align in LABEL_OFFSETS:
            lx, ly = px + dx, py + dy
            left = {"left": lx, "right": lx - width, "center": lx - width / 2}[align]
            box = (left, ly - height / 2, left + width, ly + height / 2)
            if clear(box, i):
                placed.append(box)
                choice = (lx, ly, align)
                break
        out.append(choice)
    return out


def us_share_vs_gdp_chart(data: ReleaseData) -> BriefChart | None:
    """Overview scatter: US share of arms imports (latest window) against military spending as a share of GDP;
    labels placed so that none overlaps a point or another label, points beyond 8% of GDP drawn at the edge."""
    window = data.window(0)
    countries = data.european_countries()
    us = data.across_countries("us_share_of_arms_imports", window, countries)
    year = str(data.last_year)
    gdp = data.across_countries("milex_share_of_gdp", year, countries)
    rows = us.merge(gdp, on=["country", "name"], suffixes=("_us", "_gdp"))
    rows = rows[rows["value_gdp"] > 0].reset_index(drop=True)
    if rows.empty:
        return None
    rows["us"] = rows["value_us"].map(lambda v: fmt(v, "pct"))
    rows["gdp"] = rows["value_gdp"].map(lambda v: fmt(v, "pct1"))
    rows["url"] = rows["country"].map(lambda c: f"countries/{c}.html")
    high_both = rows[(rows["value_us"] >= 0.5) & (rows["value_gdp"] >= GUIDELINE.share)]
    title = (f"{len(high_both)} of {len(rows)} European countries spend 2% of GDP or more and buy "
             f"half their arms or more from the US")
    subtitle = "Each point is a country (ISO3 code; XKX: Kosovo); click to open its brief"
    x_max = 0.08 if rows["value_gdp"].max() > 0.08 else (int(rows["value_gdp"].max() * 100) + 1) / 100
    far = rows[rows["value_gdp"] > x_max]
    if not far.empty:
        subtitle += "; " + ", ".join(f"{data.countries.in_sentence(r.country)} ({r.gdp} of GDP)"
                                     for r in far.itertuples()) + " drawn at the edge ▸"
    rows["x"] = rows["value_gdp"].clip(upper=x_max)
    rows["beyond"] = rows["value_gdp"] > x_max
    height = 320
    px = (rows["x"] / x_max * WIDTH).tolist()
    py = ((1 - rows["value_us"]) * height).tolist()
    spots = place_labels(px, py, [6.0 * len(c) + 2 for c in rows["country"]], (WIDTH, height))
    rows["label_x"] = [None if p is None else p[0] / WIDTH * x_max for p in spots]
    rows["label_y"] = [None if p is None else 1 - p[1] / height for p in spots]
    rows["align"] = [None if p is None else p[2] for p in spots]
    x_scale = alt.Scale(domain=[0, x_max], nice=False)
    y_scale = alt.Scale(domain=[0, 1], nice=False)
    ticks = [round(i / 100, 2) for i in range(0, round(x_max * 100) + 1)]
    points = alt.Chart(rows).mark_point(size=70, filled=True, opacity=0.85, color=SERIES).encode(
        x=alt.X("x:Q", title=f"Military spending, share of GDP ({year})",
                axis=alt.Axis(format=".0%", values=ticks), scale=x_scale),
        y=alt.Y("value_us:Q", title=f"US share of arms imports ({short_period(window)})",
                axis=alt.Axis(format="%", tickCount=5), scale=y_scale),
        shape=alt.Shape("beyond:N", scale=alt.Scale(domain=[False, True], range=["circle", "triangle-right"]),
                        legend=None),
        href=alt.Href("url:N"),
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("us:N", title="US share of imports"),
                 alt.Tooltip("gdp:N", title="Share of GDP")],
    )
    labels = [alt.Chart(rows[rows["align"] == align]).mark_text(align=align, baseline="middle", fontSize=9,
                                                                color="#1F2933").encode(
        x=alt.X("label_x:Q", scale=x_scale), y=alt.Y("label_y:Q", scale=y_scale), text=alt.Text("country:N"))
        for align in ("left", "right", "center") if (rows["align"] == align).any()]
    rule = alt.Chart(pd.DataFrame({"value": [GUIDELINE.share]})).mark_rule(strokeDash=[4, 3], color="#52606D").encode(
        x=alt.X("value:Q", scale=x_scale))
    unlabelled = [data.countries.in_sentence(c) for c in rows.loc[rows["align"].isna(), "country"]]
    description = (f"Scatter plot of {len(rows)} European countries: US share of arms imports in "
                   f"{short_period(window)} against military spending as a share of GDP in {year}, with a dashed "
                   f"line at 2% of GDP. {len(high_both)} countries are at or above both 50% and 2%."
                   + (f" Points too close to label: {', '.join(unlabelled)}." if unlabelled else ""))
    chart = alt.layer(rule, points, *labels, width=WIDTH, height=height)
    return finish(chart, title, subtitle, f"{SIPRI_AT}; {SIPRI_MILEX}", description, data)


def category_blocs_chart(brief: Brief) -> BriefChart | None:
    """Which kinds of arms came from the US, from European suppliers and from others in the latest window:
    stacked bars of each weapon category's imports by supplier bloc."""
    latest = brief.data.window(0)
    by_category = _prefixed(brief, "arms_imports_tiv_", [latest])
    frames = []
    for key, bloc in FLOW_METRICS.items():
        rows = by_category[by_category["key"].str.endswith(f"_from_{key}")]
        frames.append(rows.assign(bloc=bloc, category_key=rows["key"].str.removesuffix(f"_from_{key}")))
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["value"] > 0].copy()
    if rows.empty:
        return None
    rows["category"] = rows["category_key"].map(CATEGORY_NAMES)
    totals = rows.groupby("category")["value"].sum()
    us = rows[rows["bloc"] == "United States"].groupby("category")["value"].sum().reindex(totals.index, fill_value=0)
    rows["us_share"] = rows["category"].map((us / totals).map(lambda v: fmt(v, "pct")))
    rows["tiv"] = rows["value"].map(lambda v: fmt(v, "tiv"))
    order = list(totals.sort_values(ascending=False).index)
    rows["bloc_order"] = rows["bloc"].map({b: i for i, b in enumerate(BLOC_COLOURS)})
    chart = alt.Chart(rows, width=WIDTH - 190, height=max(60, 22 * len(order))).mark_bar().encode(
        y=alt.Y("category:N", sort=order, title=None),
        x=alt.X("sum(value):Q", title="Arms imports, SIPRI TIV (millions)", axis=alt.Axis(tickCount=4)),
        color=alt.Color("bloc:N", scale=bloc_scale(_blocs_with_data(rows)), sort=list(BLOC_COLOURS),
                        title="Supplier"),
        order=alt.Order("bloc_order:Q"),
        tooltip=[alt.Tooltip("category:N", title="Category"), alt.Tooltip("bloc:N", title="Supplier"),
                 alt.Tooltip("tiv:N", title="TIV (millions)"),
                 alt.Tooltip("us_share:N", title="US share of the category")],
    )
    us_first = (us / totals).sort_values(ascending=False, kind="stable")
    # a category counts when it is at least 5% of the imports: a few shipborne guns make no headline
    weight = totals / totals.sum()
    mostly_us = [c.lower() for c, share in us_first.items()
                 if share >= 0.5 and c != CATEGORY_NAMES["other"] and weight[c] >= 0.05]
    window = short_period(latest)
    if mostly_us:
        named = mostly_us[:3] if len(mostly_us) <= 3 else [*mostly_us[:2], f"{len(mostly_us) - 2} other categories"]
        title = f"Most of {brief.possessive()} {and_join(named)} came from the US in {window}"
    else:
        title = (f"No category making up 5% or more of {brief.possessive()} imports came mostly from the US in "
                 f"{window}")
    description = (f"Stacked horizontal bars of {brief.possessive()} arms imports in {window} by weapon category and "
                   f"supplier; the US share of each category: "
                   + ", ".join(f"{c} {fmt(share, 'pct')}" for c, share in us_first.items()) + ".")
    return finish(chart, title, f"Arms imports by weapon category and supplier, {window} (SIPRI TIV)", SIPRI_AT,
                  description, brief.data)
