"""The Europe overview: every country side by side, target counts and group aggregates."""

from __future__ import annotations

from .context import ReleaseData
from .text import fmt, md_escape, md_table, short_period

GROUP_LABELS = {"EUROPE": "Europe (40 countries)", "EU27": "EU27", "NATO_EUROPE": "European NATO members"}


def _value(data: ReleaseData, country: str, metric: str, period: str | None) -> float | None:
    figure = data.figure(country, metric, period) if period else None
    return None if figure is None else figure.value


def _cell(value: float | None, kind: str) -> str:
    return "" if value is None else fmt(value, kind)


def countries_table(data: ReleaseData, link_prefix: str = "countries/") -> str:
    """One row per country, linking to its brief; sortable on the site (class `sortable`)."""
    window, year = data.window(0), str(data.last_year)
    rows = []
    for code in sorted(data.european_countries(), key=data.countries.name):
        milex_year = data.latest_year(code, "milex_current_usd")
        nato_year = data.latest_year(code, "nato_share_of_gdp")
        spent = _value(data, code, "milex_current_usd", milex_year)
        rows.append([
            f"[{md_escape(data.countries.name(code))}]({link_prefix}{code}.html)",
            _cell(_value(data, code, "us_share_of_arms_imports", window), "pct"),
            _cell(_value(data, code, "european_share_of_arms_imports", window), "pct"),
            _cell(_value(data, code, "arms_imports_tiv", window), "tiv"),
            _cell(_value(data, code, "pending_orders_tiv", year), "tiv"),
            "" if not spent else _cell(spent, "usd_m"),
            "" if not spent else _cell(_value(data, code, "milex_share_of_gdp", milex_year), "pct1"),
            _cell(_value(data, code, "nato_share_of_gdp", nato_year), "pct2")
            + (f" ({nato_year})" if nato_year else ""),
        ])
    header = ["Country", f"US share of imports {short_period(window)}", f"European share {short_period(window)}",
              f"Imports TIV m {short_period(window)}", f"Undelivered TIV m {year}", "Military spending",
              "Share of GDP (SIPRI)", "Share of GDP (NATO)"]
    return "::: {.sortable}\n" + md_table(header, rows) + ":::\n"


def target_counts(data: ReleaseData) -> str:
    """Sentences on how many countries reach 2% and 3.5% of GDP, by SIPRI and (members) by NATO."""
    year = str(data.last_year)
    countries = data.european_countries()
    sipri = data.across_countries("milex_share_of_gdp", year, countries)
    sipri = sipri[sipri["value"] > 0]
    nato_members = data.countries.members("NATO_EUROPE", data.last_year)
    nato_years = [data.latest_year(c, "nato_share_of_gdp") for c in nato_members]
    nato_year = max((y for y in nato_years if y), default=None)
    lines = [f"- By SIPRI's figures for {year}, **{(sipri['value'] >= 0.02).sum()} of {len(sipri)}** European "
             f"countries spent 2% of GDP or more on their military, and **{(sipri['value'] >= 0.035).sum()}** "
             f"spent 3.5% or more: "
             + ", ".join(md_escape(n) for n in sipri[sipri["value"] >= 0.035].sort_values("value",
                                                                                    ascending=False)["name"])
             + "."]
    if nato_year:
        nato = data.across_countries("nato_share_of_gdp", nato_year, nato_members)
        lines.append(f"- By NATO's definition for {nato_year}, **{(nato['value'] >= 0.02).sum()} of {len(nato)}** "
                     f"European members reached the 2% guideline and **{(nato['value'] >= 0.035).sum()}** the "
                     f"3.5% Hague target for core defence.")
    return "\n".join(lines) + "\n"


def groups_table(data: ReleaseData) -> str:
    """Aggregates of the country groups: imports, US share, spending and share of GDP."""
    window, year = data.window(0), str(data.last_year)
    rows = []
    for code, label in GROUP_LABELS.items():
        rows.append([
            label,
            _cell(_value(data, code, "arms_imports_tiv", window), "tiv"),
            _cell(_value(data, code, "us_share_of_arms_imports", window), "pct"),
            _cell(_value(data, code, "european_share_of_arms_imports", window), "pct"),
            _cell(_value(data, code, "us_share_of_pending_orders", year), "pct"),
            _cell(_value(data, code, "milex_current_usd", year), "usd_m"),
            _cell(_value(data, code, "milex_real_change", year), "real_change"),
            _cell(_value(data, code, "milex_share_of_gdp", year), "pct1"),
        ])
    return md_table(["Group", f"Imports TIV m {short_period(window)}", "US share", "European share",
                     f"US share of undelivered orders {year}", f"Military spending {year}", "Real change",
                     "Share of GDP"], rows)


def intro(data: ReleaseData) -> str:
    """The overview's opening paragraph: what the release covers and the headline of Europe's dependence."""
    window = data.window(0)
    us = data.figure("EUROPE", "us_share_of_arms_imports", window)
    eu = data.figure("EUROPE", "european_share_of_arms_imports", window)
    release = data.release
    text = (f"Data release **{md_escape(release.name)}** ({md_escape(release.title)}), published "
            f"{release.date.isoformat()}: {len(data.european_countries())} European countries, figures to "
            f"{data.last_year}.")
    if us is not None and eu is not None:
        text += (f" In {short_period(window)}, {fmt(us.value, 'pct')} of European countries' arms imports came from "
                 f"the United States and {fmt(eu.value, 'pct')} from European suppliers.")
    return text + "\n"
