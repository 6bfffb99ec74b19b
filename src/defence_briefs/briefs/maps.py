"""A map of Europe the pages can draw offline: a choropleth of the 40 countries the briefs cover.

The shapes are Natural Earth's 1:50m boundaries, trimmed by `scripts/trim_world_atlas.py` into
reference/europe-50m.topo.json (provenance beside it). The chart embeds that TopoJSON in its spec, so it draws
from a file:// page with no fetch (the site's CSP forbids any). Each covered country is a shape with the
properties `iso3` and `name`; neighbours are drawn in a lighter grey without tooltips.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

import altair as alt
import pandas as pd

from . import text
from .charts import SIPRI_AT, SIPRI_MILEX, SIPRI_REGISTER, BriefChart, finish
from .fonts import FONT
from .theme import TEXT, WIDTH

TOPOLOGY = "europe-50m.topo.json"
NO_DATA = "#DDE1E6"  # a covered country without a figure: light grey, "no data" in the tooltip
CONTEXT = "#F3F4F6"  # neighbours and territories the briefs do not cover: lighter still, outlined, no tooltip
CONTEXT_BORDER = "#CBD2D9"
BORDER = "#FFFFFF"
# sequential, single hue, no bloc colour in it; its lightest colour is still clearly tinted, unlike the grey
SCHEME = alt.SchemeParams(name="purples", extent=[0.3, 1.0])
DOT_SIZE = 50
GDP_SCALE_TOP = 0.05  # the spending map's scale ends at 5% of GDP (NATO's Hague total); Ukraine is far beyond
# Lambert azimuthal equal-area centred on 10°E 52°N (as EPSG:3035, the EU's statistical maps), framed so that
# Iceland, Portugal, Malta, Cyprus, Türkiye and the North Cape are all in view (lon, lat)
CENTRE = (10.0, 52.0)
FRAME = ((-24.8, 66.6), (-24.8, 63.2), (-10.0, 35.6), (14.4, 34.8), (34.6, 34.3), (45.4, 36.7), (45.4, 42.0),
         (40.3, 52.0), (31.8, 70.6), (25.7, 71.7), (5.0, 71.5))
# countries too small to hover as a shape at this scale get a dot on their largest polygon
SMALL_STATES = ("MLT", "LUX", "CYP")
# the legend's labels as text.fmt writes each format (Vega expressions)
LEGEND_LABELS = {
    "pct": "format(datum.value, '.0%')",
    "pct_abs": "format(abs(datum.value), ',.0%')",
    "pct1": "format(datum.value, '.1%')",
    "pct2": "format(datum.value, '.2%')",
    "change": "replace(format(datum.value, '+,.0%'), '-', '−')",
    "real_change": "replace(format(datum.value, abs(datum.value) >= 1 ? '+,.0%' : '+,.1%'), '-', '−')",
    "points": "replace(format(datum.value * 100, '+.1f'), '-', '−') + ' points'",
    "usd_m": "abs(datum.value) >= 1000 ? '$' + format(datum.value / 1000, ',.1f') + ' bn' "
             ": '$' + format(datum.value, ',.0f') + ' m'",
    "usd": "'$' + format(datum.value, ',.0f')",
    "tiv": "format(datum.value, ',.0f')",
    "int": "format(datum.value, ',.0f')",
}


@lru_cache(maxsize=1)
def europe_topology() -> dict:
    """The packaged TopoJSON (objects `countries` and `context`)."""
    path = resources.files("defence_briefs").joinpath("reference", TOPOLOGY)
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def object_topology(name: str) -> dict:
    """A topology of one object of the packaged TopoJSON (`countries` or `context`) with only the arcs it uses.

    Each layer of the map gets its own dataset: Vega-Lite cannot read two objects of one inline dataset. The arcs and
    geometries are tuples, which Altair passes on as they are where it deep-copies lists at every chart method
    (seconds per map for these coordinates); JSON writes them as lists."""
    topology = europe_topology()
    geometries = topology["objects"][name]["geometries"]
    used = sorted({ref if ref >= 0 else ~ref for g in geometries for polygon in _polygons(g) for ring in polygon
                   for ref in ring})
    index = {old: new for new, old in enumerate(used)}

    def renumber(g: dict) -> dict:
        polygons = [[[index[r] if r >= 0 else ~index[~r] for r in ring] for ring in polygon]
                    for polygon in _polygons(g)]
        return dict(g, arcs=polygons[0] if g["type"] == "Polygon" else polygons)

    return {"type": "Topology", "transform": topology["transform"],
            "objects": {name: {"type": "GeometryCollection", "geometries": tuple(renumber(g) for g in geometries)}},
            "arcs": tuple(topology["arcs"][i] for i in used)}


def map_countries() -> list[str]:
    """ISO3 codes of the countries the map draws, in the TopoJSON's order."""
    return [g["properties"]["iso3"] for g in europe_topology()["objects"]["countries"]["geometries"]]


def _polygons(geometry: dict) -> list[list[list[int]]]:
    return [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]


def _rings(geometry: dict) -> list[list[int]]:
    return [polygon[0] for polygon in _polygons(geometry)]


def _ring_lonlat(ring: list[int], topology: dict) -> list[tuple[float, float]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    points: list[tuple[float, float]] = []
    for ref in ring:
        x = y = 0
        arc = []
        for dx, dy in topology["arcs"][ref if ref >= 0 else ~ref]:
            x, y = x + dx, y + dy
            arc.append((x * sx + tx, y * sy + ty))
        points.extend(arc if ref >= 0 else arc[::-1])
    return points


def label_point(iso3: str) -> tuple[float, float]:
    """(lon, lat) of the centroid of a country's largest polygon (planar in degrees; for small countries)."""
    topology = europe_topology()
    geometry = next(g for g in topology["objects"]["countries"]["geometries"] if g["properties"]["iso3"] == iso3)
    best = (0.0, 0.0, 0.0)
    for ring in _rings(geometry):
        points = _ring_lonlat(ring, topology)
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(area) > abs(best[0]):
            best = (area, cx / (3 * area), cy / (3 * area))
    return round(best[1], 4), round(best[2], 4)


def _laea(lon: float, lat: float) -> tuple[float, float]:
    """Lambert azimuthal equal-area about CENTRE on the unit sphere (y up)."""
    lam, phi = math.radians(lon - CENTRE[0]), math.radians(lat)
    phi0 = math.radians(CENTRE[1])
    k = math.sqrt(2 / (1 + math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam)))
    return (k * math.cos(phi) * math.sin(lam),
            k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam)))


def frame_height(width: int) -> int:
    """The height that FRAME fills at `width` (so the fitted projection leaves no empty band)."""
    xs, ys = zip(*(_laea(lon, lat) for lon, lat in FRAME), strict=True)
    return round(width * (max(ys) - min(ys)) / (max(xs) - min(xs)))


def map_rows(values: pd.DataFrame, fmt: str, href_template: str | None) -> list[dict]:
    """One row per country on the map: its value (None for no data), the value as the pages print it ('no data'
    when missing, or the text of the optional column `shown` where that is given), its name and the link to its
    brief."""
    if fmt not in text.FORMATS:
        raise ValueError(f"unknown number format {fmt!r}; known: {', '.join(text.FORMATS)}")
    missing_columns = {"country", "value"} - set(values.columns)
    if missing_columns:
        raise ValueError(f"values need the columns country and value; missing {sorted(missing_columns)}")
    codes = map_countries()
    unknown = sorted(set(values["country"]) - set(codes))
    if unknown:
        raise ValueError(f"values for countries the map does not draw: {unknown}")
    repeated = sorted(values.loc[values["country"].duplicated(), "country"])
    if repeated:
        raise ValueError(f"more than one value for {repeated}")
    given = values.set_index("country")
    names = {g["properties"]["iso3"]: g["properties"]["name"]
             for g in europe_topology()["objects"]["countries"]["geometries"]}
    rows = []
    for code in codes:
        value = given["value"].get(code) if code in given.index else None
        value = None if value is None or pd.isna(value) else float(value)
        name = given["name"].get(code) if "name" in given.columns and code in given.index else None
        label = name if isinstance(name, str) and name else names[code]
        override = given["shown"].get(code) if "shown" in given.columns and code in given.index else None
        if isinstance(override, str) and override:  # a label given for this country, read instead of a figure
            shown = override
        else:
            shown = "no data" if value is None else text.fmt(value, fmt)
        # the name under a key of its own: 'label' is what the copy desk reads as a chart's prose
        row = {"iso3": code, "country_name": label, "value": value, "shown": shown, "aria": f"{label}: {shown}"}
        if href_template is not None:
            row["href"] = href_template.format(iso3=code)
        rows.append(row)
    return rows


def europe_map_chart(values: pd.DataFrame, field_title: str, title: str, description: str, fmt: str = "pct",
                     href_template: str | None = "countries/{iso3}.html", subtitle: str | None = None,
                     width: int = WIDTH, top: float | None = None) -> alt.LayerChart:
    """A choropleth of `values` (columns `country` (ISO3), `value` (NaN for no data), optionally `name` and
    `shown`: a text the tooltip and the screen reader give for that country instead of its formatted value, e.g.
    'none (no armed forces)'; the colour still follows `value`, grey when NaN) over the 40 countries of the briefs;
    `fmt` is the figure's format (text.FORMATS), used in tooltips and the legend;
    `href_template` ('countries/{iso3}.html') makes each country a link to its brief (None: no links).

    The TopoJSON is inline in the spec, so the chart needs no network. A country without a value is light grey
    and reads 'no data'; small states (SMALL_STATES) also get a dot so that they can be hovered and clicked.
    The colour scale is sequential from 0: meant for figures that are not negative (shares, money, TIV).
    For a static drawing (vl_convert's SVG for the PDF) pass `href_template=None`: vl_convert resolves relative
    links against its own base URL (https://vega.github.io/vega-datasets/), not the page's.
    """
    rows = map_rows(values, fmt, href_template)
    height = frame_height(width)
    frame = {"type": "Feature", "properties": {},
             "geometry": {"type": "MultiPoint", "coordinates": [list(point) for point in FRAME]}}
    fields = ["country_name", "value", "shown", "aria"] + (["href"] if href_template is not None else [])
    valid = "isValid(datum.value) && isFinite(datum.value)"
    # `top`: the scale ends there and a larger value takes its darkest colour (an outlier would pale the rest)
    scale = alt.Scale(scheme=SCHEME, zero=True) if top is None else alt.Scale(scheme=SCHEME, domain=[0, top],
                                                                                clamp=True)
    colour = alt.Color("value:Q", title=field_title, scale=scale, legend=alt.Legend(
        labelExpr=LEGEND_LABELS[fmt], orient="top", direction="horizontal", gradientLength=180, titleOrient="left",
        titleAnchor="start", titleFontSize=11, titleFontWeight="normal", titleLimit=260,
        # three labels on a capped scale: decimals of six ticks would collide on the gradient
        **({"tickCount": 5} if top is None else {"values": [0, top / 2, top]}),
    ))
    encoding = {"tooltip": [alt.Tooltip("country_name:N", title="Country"), alt.Tooltip("shown:N", title=field_title)],
                "description": alt.Description("aria:N")}  # what a screen reader says of each country
    if href_template is not None:
        encoding["href"] = alt.Href("href:N")

    # countries without a value in grey, those with one in the scale's colour: two layers, as one layer with a
    # conditional colour would draw a missing value in the scale's colour of 0
    countries = alt.Chart(alt.InlineData(values=object_topology("countries"),
                                         format=alt.DataFormat(type="topojson", feature="countries")))
    countries = countries.transform_lookup(
        lookup="properties.iso3", from_=alt.LookupData(alt.InlineData(values=rows), key="iso3", fields=fields),
    )
    no_data = countries.transform_filter(f"!({valid})").mark_geoshape(
        fill=NO_DATA, stroke=BORDER, strokeWidth=0.6, cursor="pointer").encode(**encoding)
    with_data = countries.transform_filter(valid).mark_geoshape(
        stroke=BORDER, strokeWidth=0.6, cursor="pointer").encode(color=colour, **encoding)
    context = alt.Chart(alt.InlineData(values=object_topology("context"),
                                       format=alt.DataFormat(type="topojson", feature="context")))
    context = context.mark_geoshape(fill=CONTEXT, stroke=CONTEXT_BORDER, strokeWidth=0.5, aria=False)
    # small states: a dot over the shape, in the same colour, so that they can be hovered and clicked
    points = [dict(row, lon=lon, lat=lat) for row in rows if row["iso3"] in SMALL_STATES
              for lon, lat in [label_point(row["iso3"])]]
    dots = alt.Chart(alt.InlineData(values=points)).encode(
        longitude=alt.Longitude("lon:Q"), latitude=alt.Latitude("lat:Q"), **encoding)
    dot_mark = {"size": DOT_SIZE, "opacity": 1, "stroke": TEXT, "strokeWidth": 0.8, "cursor": "pointer",
                "aria": False}  # the shape under the dot already speaks for the country
    layers = [context, no_data, with_data,
              dots.transform_filter(f"!({valid})").mark_circle(fill=NO_DATA, **dot_mark),
              dots.transform_filter(valid).mark_circle(**dot_mark).encode(color=colour)]
    if any(row["value"] is None for row in rows):  # a key for the grey, when some country has no data
        key = alt.Chart(alt.InlineData(values=[{"label": "No data"}]))
        layers += [key.mark_square(size=110, fill=NO_DATA, opacity=1, aria=False).encode(
                       x=alt.XValue(8), y=alt.YValue(height - 10)),
                   key.mark_text(align="left", baseline="middle", fontSize=11, font=FONT, color=TEXT).encode(
                       text=alt.Text("label:N"), x=alt.XValue(18), y=alt.YValue(height - 10))]
    chart = alt.layer(*layers).project(
        type="azimuthalEqualArea", rotate=[-CENTRE[0], -CENTRE[1], 0], fit=frame, clipExtent=[[0, 0], [width, height]],
    ).properties(width=width, height=height, description=description)
    if title:  # none when the caller titles the chart (charts.finish, with its source line)
        chart = chart.properties(title=alt.TitleParams(text=title, subtitle=subtitle) if subtitle
                                 else alt.TitleParams(text=title))
    return chart


def us_share_map(data) -> BriefChart | None:
    """The US share of each country's arms imports in the latest window, as a map linking to the briefs."""
    window = data.window(0)
    period = text.short_period(window)
    def title(shares: pd.Series) -> str:
        return (f"The US supplied half or more of the arms imports of {int((shares >= 0.5).sum())} of "
                f"{int(shares.notna().sum())} European countries in {period}")

    return _metric_map(data, "us_share_of_arms_imports", window, f"US share of arms imports, {period}", title,
                       f"the US share of each country's arms imports in {period}", SIPRI_AT)


def us_orders_map(data) -> BriefChart | None:
    """The US share of the arms orders each country placed since 2022, as a map linking to the briefs."""
    from ..metrics.orders import since_invasion

    since = since_invasion(data.last_year)
    period = text.short_period(since)

    def title(shares: pd.Series) -> str:
        return (f"{int((shares >= 0.5).sum())} of {int(shares.notna().sum())} European countries placed half or more "
                f"of their arms orders of {period} with the US")

    return _metric_map(data, "us_share_of_arms_orders", since, f"US share of arms orders, {period}", title,
                       f"the US share of the arms orders each country placed in {period} (by volume)", SIPRI_REGISTER)


def gdp_share_map(data) -> BriefChart | None:
    """Military spending as a share of GDP (SIPRI) in the release's last year, as a map linking to the briefs."""
    year = str(data.last_year)
    def title(shares: pd.Series) -> str:
        return (f"{int((shares >= 0.02).sum())} of {int(shares.notna().sum())} European countries spent 2% of GDP "
                f"or more on their military in {year}")

    return _metric_map(data, "milex_share_of_gdp", year, f"Military spending, share of GDP ({year})", title,
                       f"military spending as a share of GDP in {year} (SIPRI)", SIPRI_MILEX)


def _metric_map(data, metric: str, period: str, field_title: str, title: Callable[[pd.Series], str], what: str,
                source: str) -> BriefChart | None:
    """A map of one metric over the European countries; `title(values)` states the finding from the values."""
    codes = data.european_countries()
    values = data.across_countries(metric, period, codes).set_index("country").reindex(codes).reset_index()
    if values["value"].isna().all():
        return None
    if metric == "milex_share_of_gdp":  # SIPRI's 0 for a state without armed forces is no spending share
        no_forces = values["value"] == 0
        values.loc[no_forces, "value"] = float("nan")
        if "shown" not in values.columns:
            values["shown"] = None
        values.loc[no_forces, "shown"] = "none (no armed forces)"
    values["name"] = values["country"].map(data.countries.name)
    kind = text.metric_format(metric)
    ranked = values.dropna(subset=["value"]).sort_values("value", ascending=False)
    description = (f"Map of Europe shaded by {what}; highest: "
                   + ", ".join(f"{n} {text.fmt(v, kind)}" for n, v in zip(ranked["name"].head(5),
                                                                        ranked["value"].head(5), strict=True))
                   + "; countries without a figure in grey.")
    subtitle = "Click a country for its brief"
    top = None
    if metric == "milex_share_of_gdp":
        top = GDP_SCALE_TOP
        beyond = ranked[ranked["value"] > top]
        if not beyond.empty:
            subtitle += "; " + ", ".join(f"{n} ({text.fmt(v, kind)})" for n, v in zip(
                beyond["name"], beyond["value"], strict=True)) + f" beyond the scale's {text.fmt(top, 'pct')}"
    chart = europe_map_chart(values, field_title, "", description, fmt=kind, top=top)
    return finish(chart, title(values["value"]), subtitle, source, description, data)
