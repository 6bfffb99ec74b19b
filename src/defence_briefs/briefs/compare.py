"""The figures of the compare page (compare.html, data/compare.json): each covered country's key figures, US share
of arms imports by five-year window, orders by supplier bloc and military spending as a share of GDP.

Every value travels with its text as the briefs print it (`fmt` in the metric's one format), its period and its
estimate flag; every series names its source as the briefs' source lines do (`ReleaseData.citation`).
"""

from __future__ import annotations

from collections.abc import Collection

import altair as alt

from ..metrics.orders import before_invasion, since_invasion
from .charts import NATO, SIPRI_AT, SIPRI_MILEX, SIPRI_REGISTER
from .context import Brief, ReleaseData
from .orders import BLOC_LABELS
from .sections import PEER_METRICS, figure_period
from .text import fmt, metric_format, short_period
from .theme import BLOC_COLOURS, CATEGORICAL, theme_config

DEFAULT_SELECTION = ("POL", "DEU", "FRA", "GBR")
MAX_SELECTED = 4
# the key figures of the brief (sections.key_figures), with spending per person beside them
KEY_FIGURES = ("us_share_of_arms_imports", "european_share_of_arms_imports", "pending_orders_tiv",
               "milex_current_usd", "milex_share_of_gdp", "milex_per_capita_usd", "nato_share_of_gdp")
SOURCE_OF_KIND = {"window": SIPRI_AT, "year": SIPRI_REGISTER, "milex": SIPRI_MILEX, "nato": NATO}
SPENDING_YEARS = 25  # as the brief's chart of spending as a share of GDP
# one colour per selected country, none of them a bloc colour (green, pink, orange, black)
COUNTRY_COLOURS = (CATEGORICAL[0], CATEGORICAL[1], CATEGORICAL[2], CATEGORICAL[4])
BLOC_METRICS = {"us": "arms_orders_tiv_from_us", "europe": "arms_orders_tiv_from_europe",
                "others": "arms_orders_tiv_from_others"}


def _point(data: ReleaseData, country: str, metric: str, period: str) -> dict | None:
    """A figure as the page shows it: period (and its short form), value, text and estimate flag; None if absent."""
    figure = data.figure(country, metric, period)
    if figure is None:
        return None
    return {"period": period, "period_label": short_period(period), "value": figure.value,
            "text": fmt(figure.value, metric_format(metric)), "estimate": figure.estimate}


def key_figures(data: ReleaseData, country: str) -> list[dict]:
    """The KEY_FIGURES of one country, each with its label, period and source; a missing one has value None and
    the text 'no data' (or 'not a NATO ally' for NATO's figure of a non-member)."""
    brief = Brief(data, country)
    labels = {metric: (kind, label) for metric, kind, _, label in PEER_METRICS}
    figures = []
    for metric in KEY_FIGURES:
        kind, label = labels[metric]
        period = figure_period(brief, kind, metric)
        point = _point(data, country, metric, period) if period else None
        spent = data.figure(country, "milex_current_usd", period) if kind == "milex" and period else None
        if point is None or (spent is not None and spent.value == 0):  # as the brief: no spending, no shares of it
            missing = "not a NATO ally" if kind == "nato" and not brief.is_nato else "no data"
            point = {"period": None, "period_label": "", "value": None, "text": missing, "estimate": False}
        figures.append({"metric": metric, "label": label, "source": data.citation(SOURCE_OF_KIND[kind]), **point})
    return figures


def us_share_by_window(data: ReleaseData, country: str) -> list[dict]:
    """The US share of arms imports in every five-year window the release has for the country, oldest first."""
    windows = data.series(country, "us_share_of_arms_imports", "window")["period"]
    return [_point(data, country, "us_share_of_arms_imports", window) for window in windows]


def orders_by_bloc(data: ReleaseData, country: str) -> list[dict]:
    """Arms orders placed before Russia's full-scale invasion and since (order year, TIV of the whole order), by
    supplier bloc (SIPRI TIV, millions) with the US share; a window without orders is left out."""
    rows = []
    for period in (before_invasion(), since_invasion(data.last_year)):
        total = _point(data, country, "arms_orders_tiv", period)
        if total is None or total["value"] <= 0:
            continue
        blocs = {bloc: data.figure(country, metric, period) for bloc, metric in BLOC_METRICS.items()}
        rows.append({**total, "blocs": {bloc: {"value": value, "text": fmt(value, "tiv")} for bloc, figure in
                                        blocs.items() for value in [figure.value if figure else 0.0]},
                     "us_share": _point(data, country, "us_share_of_arms_orders", period)})
    return rows


def spending_share_of_gdp(data: ReleaseData, country: str) -> list[dict]:
    """SIPRI's military spending as a share of GDP, each year of the last SPENDING_YEARS (years without it left
    out)."""
    first = data.last_year - SPENDING_YEARS + 1
    return [point for year in range(first, data.last_year + 1)
            if (point := _point(data, country, "milex_share_of_gdp", str(year))) is not None]


def compare_countries(data: ReleaseData) -> list[str]:
    """The countries the page offers: the European countries with any figure in the release, by display name."""
    present = set(data.metrics["country"])
    return sorted((code for code in data.european_countries() if code in present), key=data.countries.name)


def compare_data(data: ReleaseData, briefs: Collection[str]) -> dict:
    """The page's data, also published as data/compare.json: release, defaults, sources, chart look, and per
    country its figures; a country in `briefs` links to its brief (countries/<ISO3>.html)."""
    release = data.release
    last = data.last_year
    countries = []
    for code in compare_countries(data):
        countries.append({
            "iso3": code, "name": data.countries.name(code),
            "brief": f"countries/{code}.html" if code in briefs else None,
            "key_figures": key_figures(data, code),
            "us_share_by_window": us_share_by_window(data, code),
            "orders_by_bloc": orders_by_bloc(data, code),
            "spending_share_of_gdp": spending_share_of_gdp(data, code),
        })
    offered = {country["iso3"] for country in countries}
    return {
        "release": {"name": release.name, "title": release.title, "date": release.date.isoformat(),
                    "last_data_year": last},
        "default_selection": [code for code in DEFAULT_SELECTION if code in offered],
        "max_selected": MAX_SELECTED,
        "periods": {"latest_window": short_period(data.window(0)), "orders_before": short_period(before_invasion()),
                    "orders_since": short_period(since_invasion(last)), "last_year": str(last)},
        "sources": {"arms_imports": data.citation(SIPRI_AT), "orders": data.citation(SIPRI_REGISTER),
                    "spending": data.citation(SIPRI_MILEX), "nato": data.citation(NATO)},
        "blocs": [{"key": key, "label": label, "colour": BLOC_COLOURS[label]} for key, label in BLOC_LABELS.items()],
        "country_colours": list(COUNTRY_COLOURS),
        "chart_config": theme_config()["config"],
        "vega_lite_schema": alt.SCHEMA_URL,
        "countries": countries,
    }
