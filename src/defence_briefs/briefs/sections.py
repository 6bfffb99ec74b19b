"""Markdown blocks of a brief: key figures, findings, tables of deals, spending, peers, changes and sources.

Text from the sources (names, weapon designations) is escaped with `md_escape` so it stays literal text in
both the HTML and the PDF.
"""

from __future__ import annotations

import re

import pandas as pd

from .context import Brief, ReleaseData
from .findings import key_findings
from .text import figure_span, fmt, md_escape, md_table, short_period

PEER_METRICS = (
    ("us_share_of_arms_imports", "window", "pct", "US share of arms imports"),
    ("european_share_of_arms_imports", "window", "pct", "European share of arms imports"),
    ("arms_imports_tiv", "window", "tiv", "Arms imports (TIV, millions)"),
    ("pending_orders_tiv", "year", "tiv", "Undelivered orders (TIV, millions)"),
    ("us_share_of_pending_orders", "year", "pct", "US share of undelivered orders"),
    ("milex_current_usd", "milex", "usd_m", "Military spending"),
    ("milex_share_of_gdp", "milex", "pct1", "Spending, share of GDP (SIPRI)"),
    ("milex_per_capita_usd", "milex", "usd", "Spending per person"),
    ("milex_real_change", "milex", "real_change", "Real change on the year before"),
    ("nato_share_of_gdp", "nato", "pct2", "Defence expenditure, share of GDP (NATO)"),
    ("nato_equipment_share", "nato", "pct", "Equipment share (NATO)"),
)
CHANGE_METRICS = (
    ("us_share_of_arms_imports", "pct1", "US share of arms imports"),
    ("arms_imports_tiv", "tiv", "Arms imports (TIV, millions)"),
    ("milex_current_usd", "usd_m", "Military spending, current US$"),
    ("milex_share_of_gdp", "pct2", "Military spending, share of GDP (SIPRI)"),
    ("nato_share_of_gdp", "pct2", "Defence expenditure, share of GDP (NATO)"),
)
RANKED = (("us_share_of_arms_imports", "window", "US share of arms imports"),
          ("milex_share_of_gdp", "milex", "Spending, share of GDP (SIPRI)"))


def _period(brief: Brief, kind: str, metric: str) -> str | None:
    data = brief.data
    if kind == "window":
        return data.window(0)
    if kind == "year":
        return str(data.last_year)
    reference = "milex_current_usd" if kind == "milex" else "nato_share_of_gdp"
    return data.latest_year(brief.country, reference) or data.latest_year(brief.country, metric)


def title_block(brief: Brief) -> str:
    """The subtitle line under the brief's title: release and the date of the data."""
    release = brief.data.release
    return (f"Data release **{md_escape(release.name)}** ({md_escape(release.title)}), published "
            f"{release.date.isoformat()}; figures to {release.last_data_year}.\n")


def key_figures(brief: Brief) -> str:
    """A box of up to six headline figures (a raw typst box in the PDF, a grid of cards on the site)."""
    items = []
    estimates = 0
    for metric, kind, shown, label in (
        ("us_share_of_arms_imports", "window", "pct", "of arms imports from the US"),
        ("european_share_of_arms_imports", "window", "pct", "from European suppliers"),
        ("pending_orders_tiv", "year", "tiv", "TIV m of orders undelivered"),
        ("milex_current_usd", "milex", "usd_m", "military spending"),
        ("milex_share_of_gdp", "milex", "pct1", "of GDP (SIPRI)"),
        ("nato_share_of_gdp", "nato", "pct2", "of GDP (NATO definition)"),
    ):
        period = _period(brief, kind, metric)
        figure = brief.figure(metric, period) if period else None
        spent = brief.figure("milex_current_usd", period) if kind == "milex" and period else None
        if figure is None or (spent is not None and spent.value == 0):
            continue
        span = figure_span(figure.value, shown, brief.country, metric, period)
        mark = "\\*" if figure.estimate else ""
        estimates += bool(figure.estimate)
        items.append(f"- **{span}**{mark} {label}, {short_period(period)}")
    if not items:
        return ""
    note = ("\n\\* estimate: rests on years allocated from SIPRI's trade register (after its yearly tables end) "
            "or on a figure SIPRI or NATO mark as estimated.\n" if estimates else "")
    return ("```{=typst}\n#keyfigures[\n```\n\n::: {.keyfigures}\n" + "\n".join(items)
            + "\n:::\n\n```{=typst}\n]\n```\n" + note)


def findings(brief: Brief) -> str:
    """The key findings as a bullet list."""
    return "\n".join(f"- {sentence}" for sentence in key_findings(brief)) + "\n"


def pending_deals_table(brief: Brief, limit: int = 6) -> str:
    """The largest US orders not yet delivered, as a table; empty when there are none."""
    deals = brief.pending_us_deals.sort_values("pending_tiv", ascending=False).head(limit)
    if deals.empty:
        return f"*SIPRI lists no undelivered orders from the United States for {md_escape(brief.name)}.*\n"
    rows = []
    for deal in deals.itertuples():
        number = "" if pd.isna(deal.number_ordered) else f"{int(deal.number_ordered):,}"
        delivered = "" if pd.isna(deal.number_delivered) else f"{int(deal.number_delivered):,}"
        rows.append([md_escape(deal.weapon_designation), md_escape(deal.weapon_description),
                     str(int(deal.order_year)), number, delivered, fmt(deal.pending_tiv, "tiv")])
    return ("Largest undelivered orders from the United States (SIPRI trade register):\n\n"
            + md_table(["Weapon", "Description", "Ordered", "Number", "Delivered", "Undelivered TIV m"], rows,
                       "llrrrr"))


def spending_table(brief: Brief, years: int = 6) -> str:
    """Spending figures for the last few years: SIPRI level, change and shares, NATO share and gaps."""
    lines = (
        ("milex_current_usd", "usd_m", "Military spending, current US$ (SIPRI)"),
        ("milex_real_change", "real_change", "Real change on the year before (SIPRI)"),
        ("milex_share_of_gdp", "pct2", "Share of GDP (SIPRI)"),
        ("milex_share_of_govt_spending", "pct1", "Share of government spending (SIPRI)"),
        ("gap_to_2pct_gdp_usd", "usd_m", "Short of 2% of GDP (SIPRI)"),
        ("gap_to_3_5pct_gdp_usd", "usd_m", "Short of 3.5% of GDP (SIPRI)"),
        ("nato_share_of_gdp", "pct2", "Share of GDP (NATO)"),
        ("nato_equipment_share", "pct1", "Equipment share (NATO)"),
        ("nato_gap_to_3_5pct_gdp_usd", "usd_m", "Short of 3.5% of GDP (NATO)"),
    )
    last = brief.data.latest_year(brief.country, "milex_current_usd")
    if last is None or not brief.figure("milex_current_usd", last).value:
        return ""
    shown_years = [str(y) for y in range(int(last) - years + 1, int(last) + 1)]
    rows = []
    for metric, kind, label in lines:
        cells = []
        for year in shown_years:
            figure = brief.figure(metric, year)
            if figure is None:
                cells.append("")
                continue
            shown = "met" if metric.endswith("gdp_usd") and figure.value == 0 else fmt(figure.value, kind)
            cells.append(shown + ("\\*" if figure.estimate else ""))
        if any(cells):
            rows.append([label, *cells])
    if not rows:
        return ""
    return (md_table(["", *shown_years], rows)
            + "\n\\* estimate or highly uncertain figure, as flagged by SIPRI or NATO.\n")


def _rank_of(data: ReleaseData, country: str, metric: str, period: str) -> str:
    figure = data.figure(country, f"{metric}_rank_in_europe", period)
    if figure is None:
        return ""
    match = re.search(r"among (\d+)", figure.unit)
    return f"{int(figure.value)} of {match.group(1)}" if match else str(int(figure.value))


def peers_table(brief: Brief) -> str:
    """The country's figures against Europe's and the EU's, with its rank among European countries."""
    rows = []
    for metric, kind, shown, label in PEER_METRICS:
        period = _period(brief, kind, metric)
        figure = brief.figure(metric, period) if period else None
        if figure is None:
            continue
        europe = brief.data.figure("EUROPE", metric, period)
        eu = brief.data.figure("EU27", metric, period)
        rows.append([f"{label}, {short_period(period)}", fmt(figure.value, shown),
                     _rank_of(brief.data, brief.country, metric, period),
                     "" if europe is None else fmt(europe.value, shown),
                     "" if eu is None else fmt(eu.value, shown)])
    if not rows:
        return ""
    return (md_table(["Figure", md_escape(brief.name), "Rank in Europe (1 = highest)", "Europe", "EU27"], rows)
            + "\nEurope and EU27 are totals or ratios over their members; ranks are among the European countries "
              "with a figure.\n")


def changes_since_previous(brief: Brief, limit: int = 8) -> str:
    """What the previous data release said of the same figures: revisions to history, the new year, ranks."""
    previous = brief.data.previous
    if previous is None:
        return ("*This is the first data release in the manifest, so there is no earlier release to compare "
                "with.*\n")
    current = brief.data
    parts = [f"Compared with data release {md_escape(previous.release.name)} "
             f"(figures to {previous.last_year}), this release adds {current.last_year}"
             + (f" and the window {short_period(current.window(0))}" if current.window(0) != previous.window(0)
                else "") + "."]
    revisions = []
    for metric, kind, label in CHANGE_METRICS:
        now = current.metrics[(current.metrics["country"] == brief.country) & (current.metrics["metric"] == metric)]
        before = previous.metrics[(previous.metrics["country"] == brief.country)
                                  & (previous.metrics["metric"] == metric)]
        merged = now.merge(before, on="period", suffixes=("", "_before"))
        for row in merged.itertuples():
            if fmt(row.value, kind) != fmt(row.value_before, kind):
                scale = max(abs(row.value_before), 1e-9)
                revisions.append((abs(row.value - row.value_before) / scale, label, row.period,
                                  fmt(row.value_before, kind), fmt(row.value, kind)))
    if revisions:
        revisions.sort(key=lambda r: (-r[0], r[1], r[2]))
        shown = revisions[:limit]
        parts.append(f"{len(revisions)} figures of earlier years were revised; the largest revisions:\n\n"
                     + md_table(["Figure", "Period", f"Release {md_escape(previous.release.name)}",
                                 f"Release {md_escape(current.release.name)}"],
                                [[label, short_period(period), old, new] for _, label, period, old, new in shown]))
    else:
        parts.append("No figure of earlier years shown in this brief changed at the precision shown.")
    ranks = []
    for metric, kind, label in RANKED:
        now_period = _period(brief, kind, metric)
        prev_brief = Brief(previous, brief.country)
        before_period = _period(prev_brief, kind, metric)
        now_rank = _rank_of(current, brief.country, metric, now_period) if now_period else ""
        before_rank = _rank_of(previous, brief.country, metric, before_period) if before_period else ""
        if now_rank or before_rank:
            ranks.append([label, f"{before_rank} ({short_period(before_period or '')})",
                          f"{now_rank} ({short_period(now_period or '')})"])
    if ranks:
        parts.append("Rank among European countries (1 = highest):\n\n"
                     + md_table(["Figure", f"Release {md_escape(previous.release.name)}",
                                 f"Release {md_escape(current.release.name)}"], ranks))
    return "\n\n".join(parts) + "\n"


def sources_table(brief: Brief) -> str:
    """Every source file behind the brief with its publisher's title and edition, publication date and sha256
    (a list, one item per edition: the sha256 needs the whole line in the PDF)."""
    files = brief.data.source_files(brief.country)
    editions: dict[tuple[str, str], list] = {}
    for f in files:
        editions.setdefault((f.citation, f.published), []).append(f)
    items = [f"- {md_escape(citation)}, published {md_escape(published)}: "
             + "; ".join(f"`{f.id}` sha256 `{f.sha256}`" for f in group)
             for (citation, published), group in editions.items()]
    skipped = len(brief.data.release.files) - len(files)
    note = (f"\nThe release's other {skipped} per-supplier TIV tables recorded no deliveries to "
            f"{md_escape(brief.name)}. " if skipped else "\n")
    # smaller type in the PDF, so that a brief keeps to four pages
    return ("```{=typst}\n#[\n#set text(size: 7.5pt)\n```\n\n" + "\n".join(items) + "\n" + note
            + "Every file of the release with its URL: `data/sources.csv`.\n\n```{=typst}\n]\n```\n")


def method_notes() -> str:
    """Short notes on how to read the figures, pointing to the methodology page."""
    return (
        "- **TIV** is SIPRI's trend-indicator value: a measure of the volume of deliveries of major arms, not their "
        "price. Shares of TIV compare suppliers; they are not shares of money spent.\n"
        "- **Windows** are five calendar years, as SIPRI reports them; yearly TIV after SIPRI's exact tables end is "
        "allocated from the trade register and marked as an estimate (see the methodology).\n"
        "- **European suppliers** are the EU27, the United Kingdom, Norway, Switzerland and joint EU or NATO "
        "programmes.\n"
        "- **Spending** is SIPRI's military expenditure; NATO's defence expenditure uses NATO's definition and is "
        "shown for members only. Gaps are the extra spending a year that would reach 2% or 3.5% of GDP.\n"
    )
