"""The Europe overview: every country side by side, target counts and group aggregates."""

from __future__ import annotations

from ..metrics.dependency import EUROPEAN_SUPPLIERS_DEFINITION
from .context import ReleaseData
from .targets import GUIDELINE, HAGUE_CORE
from .text import figure_span, fmt, long_date, md_escape, md_table, metric_format, short_period

GROUPS = ("EUROPE", "EUROPE_EX_UKR", "EU27", "NATO_EUROPE")
ESTIMATE_NOTE = ("\\* estimate: SIPRI or NATO mark the figure as estimated or highly uncertain, or over 5% of a TIV "
                 "figure depends on how deliveries SIPRI gives as multi-year totals are divided between years.")


def _value(data: ReleaseData, country: str, metric: str, period: str | None) -> float | None:
    figure = data.figure(country, metric, period) if period else None
    return None if figure is None else figure.value


def _cell(data: ReleaseData, country: str, metric: str, period: str | None, kind: str | None = None) -> str:
    """The figure as a traced span (its metrics.csv row), with the estimate mark the briefs give it; '' for none."""
    figure = data.figure(country, metric, period) if period else None
    if figure is None:
        return ""
    return (figure_span(figure.value, kind or metric_format(metric), country, metric, period)
            + ("\\*" if figure.estimate else ""))


def _column_year(data: ReleaseData, metric: str) -> str | None:
    """The year a column of the countries table shows: the newest year any European country has."""
    years = [data.latest_year(code, metric) for code in data.european_countries()]
    return max((y for y in years if y), default=None)


def _dated_cell(data: ReleaseData, code: str, metric: str, column_year: str | None) -> tuple[str, bool]:
    """The country's figure of the column's year, and whether it is of an older year (then it carries its own
    year); no figure reads 'no data'."""
    year = data.latest_year(code, metric)
    value = _value(data, code, metric, year)
    if value is None or (metric.startswith("milex_") and not _value(data, code, "milex_current_usd", year)):
        return "no data", False
    older = year != column_year
    return _cell(data, code, metric, year) + (f" ({year})" if older else ""), older


def countries_table(data: ReleaseData, link_prefix: str = "countries/") -> str:
    """One row per country, linking to its brief; sortable on the site (class `sortable`). Each column's period
    is in its heading; a missing figure reads 'no data'."""
    window, year = data.window(0), str(data.last_year)
    milex_year = _column_year(data, "milex_current_usd")
    nato_year = _column_year(data, "nato_share_of_gdp")
    rows = []
    older = False
    for code in sorted(data.european_countries(), key=data.countries.name):
        nato = data.countries.is_member("NATO", code, data.last_year)
        imports = _value(data, code, "arms_imports_tiv", window)
        dated = [_dated_cell(data, code, "milex_current_usd", milex_year),
                 _dated_cell(data, code, "milex_share_of_gdp", milex_year),
                 _dated_cell(data, code, "nato_share_of_gdp", nato_year) if nato else ("not a member", False)]
        older = older or any(is_older for _, is_older in dated)
        rows.append([
            f"[{md_escape(data.countries.name(code))}]({link_prefix}{code}.html)",
            _cell(data, code, "us_share_of_arms_imports", window) or ("no imports" if imports == 0 else "no data"),
            _cell(data, code, "european_share_of_arms_imports", window) or (
                "no imports" if imports == 0 else "no data"),
            _cell(data, code, "arms_imports_tiv", window) or "no data",
            _cell(data, code, "pending_orders_tiv", year) or "no data",
            *(cell for cell, _ in dated),
        ])
    header = ["Country", f"US share of imports {short_period(window)}", f"European share {short_period(window)}",
              f"Imports TIV m {short_period(window)}", f"Undelivered TIV m, end {year}",
              f"Military spending {milex_year}", f"Share of GDP (SIPRI) {milex_year}",
              f"Share of GDP (NATO) {nato_year}"]
    without = [data.countries.name(c) for c in data.european_countries()
               if _value(data, c, "milex_current_usd", data.latest_year(c, "milex_current_usd")) == 0]
    note = ESTIMATE_NOTE + (" A figure of an earlier year than its column's carries its year in brackets."
                            if older else "")
    if without:
        note += (f" {md_escape(', '.join(without))}: no armed forces; SIPRI gives its military spending as zero "
                 "(shown as no data, not ranked).")
    return "::: {.sortable}\n" + md_table(header, rows) + ":::\n\n" + note + "\n"


def target_counts(data: ReleaseData) -> str:
    """Sentences on how many countries reach 2% and 3.5% of GDP: all countries by SIPRI's figures (a level, not
    a target, for a country outside NATO), and NATO's allies against NATO's own guideline and Hague commitment."""
    year = str(data.last_year)
    countries = data.european_countries()
    sipri = data.across_countries("milex_share_of_gdp", year, countries)
    sipri = sipri[sipri["value"] > 0]
    nato_members = data.countries.members("NATO_EUROPE", data.last_year)
    nato_years = [data.latest_year(c, "nato_share_of_gdp") for c in nato_members]
    nato_year = max((y for y in nato_years if y), default=None)
    lines = [f"- By SIPRI's figures for {year}, **{(sipri['value'] >= 0.02).sum()} of {len(sipri)}** European "
             f"countries with armed forces spent 2% of GDP or more on their military, and "
             f"**{(sipri['value'] >= 0.035).sum()}** spent 3.5% or more: "
             + ", ".join(md_escape(data.countries.in_sentence(c)) for c in sipri[sipri["value"] >= 0.035].sort_values(
                 "value", ascending=False)["country"])
             + "." + _rounding_note(data, sipri, (0.02, 0.035), "milex_share_of_gdp")]
    if nato_year:
        nato = data.across_countries("nato_share_of_gdp", nato_year, nato_members)
        above = nato[nato["value"] >= HAGUE_CORE.share].sort_values("value", ascending=False)
        without = sorted(set(nato_members) - set(nato["country"]))
        lines.append(f"- By NATO's definition for {nato_year}, **{(nato['value'] >= 0.02).sum()} of the {len(nato)}** "
                     "European allies with a NATO figure"
                     + (f" (NATO publishes none for {', '.join(data.countries.in_sentence(c) for c in without)})"
                        if without else "")
                     + f" reached {md_escape(GUIDELINE.short)}; **{len(above)}** "
                     + ("(" + ", ".join(data.countries.in_sentence(c) for c in above["country"]) + ") "
                        if len(above) else "")
                     + f"{'was' if len(above) == 1 else 'were'} already above {md_escape(HAGUE_CORE.medium)}."
                     + _rounding_note(data, nato, (GUIDELINE.share, HAGUE_CORE.share), "nato_share_of_gdp"))
    lines.append(f"- Europe on this site is {md_escape(data.europe_covers())}.")
    return "\n".join(lines) + "\n"


def _rounding_note(data: ReleaseData, rows, thresholds: tuple[float, ...], metric: str) -> str:
    """A sentence naming the countries whose rounded figure reads as a threshold they do not reach."""
    kind = metric_format(metric)
    near = [(data.countries.in_sentence(r.country), r.value) for r in rows.itertuples()
            if any(r.value < t and fmt(r.value, kind) == fmt(t, kind) for t in thresholds)]
    if not near:
        return ""
    return (" Counted on unrounded figures: " + ", ".join(f"{md_escape(name)} ({value:.2%})" for name, value in near)
            + " rounds to a threshold it does not reach.")


def groups_table(data: ReleaseData) -> str:
    """Aggregates of the country groups: imports, US share, spending and share of GDP; each group's members
    are stated under the table."""
    window, year = data.window(0), str(data.last_year)
    rows = []
    for code in GROUPS:
        members = data.countries.members(code, data.last_year)
        rows.append([
            f"{md_escape(data.countries.name(code))} ({len(members)} countries)",
            _cell(data, code, "arms_imports_tiv", window),
            _cell(data, code, "us_share_of_arms_imports", window),
            _cell(data, code, "european_share_of_arms_imports", window),
            _cell(data, code, "us_share_of_pending_orders", year),
            _cell(data, code, "milex_current_usd", year),
            _cell(data, code, "milex_real_change", year),
            _cell(data, code, "milex_share_of_gdp", year),
        ])
    return (md_table(["Group", f"Imports TIV m {short_period(window)}", f"US share {short_period(window)}",
                      f"European share {short_period(window)}", f"US share of undelivered orders, end {year}",
                      f"Military spending {year}", f"Real change {year}", f"Share of GDP {year}"], rows)
            + f"\n{ESTIMATE_NOTE} Europe is {md_escape(data.europe_covers())}. Europe without Ukraine leaves out "
              f"Ukraine's wartime spending, which Europe's share of GDP includes. European NATO members are the NATO "
              f"allies among them in {year}. Spending totals are SIPRI's figures summed over every member (a year "
              "in which a member has no figure has no total); shares of GDP sum spending and GDP over the members "
              f"with both. European suppliers, in the shares, are {md_escape(EUROPEAN_SUPPLIERS_DEFINITION)}.\n")


def intro(data: ReleaseData) -> str:
    """The overview's opening paragraph: what the release covers and the headline of Europe's dependence."""
    window = data.window(0)
    us = data.figure("EUROPE", "us_share_of_arms_imports", window)
    eu = data.figure("EUROPE", "european_share_of_arms_imports", window)
    release = data.release
    text = (f"Data release **{md_escape(release.name)}** ({md_escape(release.title)}): "
            f"{len(data.european_countries())} European countries, figures to {data.last_year}, data as of "
            f"{long_date(release.date)}.")
    if us is not None and eu is not None:
        text += (f" In {short_period(window)}, {fmt(us.value, 'pct')} of these countries' arms imports came from "
                 f"the United States and {fmt(eu.value, 'pct')} from European suppliers.")
        sipri = data.figure("SIPRI_EUROPE", "us_share_of_arms_imports", window)
        if sipri is not None:  # the figure SIPRI's own releases quote, for a region drawn otherwise
            text += (f" For SIPRI's own Europe region, which also counts Russia, Belarus and the South Caucasus and "
                     f"leaves out Türkiye, the US share is {fmt(sipri.value, 'pct')}.")
    return text + "\n"
