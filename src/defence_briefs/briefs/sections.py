"""Markdown blocks of a brief: key figures, findings, tables of deals, spending, peers, changes and sources.

Text from the sources (names, weapon designations) is escaped with `md_escape` so it stays literal text in
both the HTML and the PDF.
"""

from __future__ import annotations

import re

import pandas as pd

from ..metrics.bilateral_tiv import EXACT_TABLES, TOTALS_REGISTER
from ..metrics.dependency import EUROPEAN_SUPPLIERS_DEFINITION, MATERIAL_CUT
from ..metrics.diversification import SAFE_ELIGIBLE_DEFINITION
from .context import Brief, ReleaseData
from .findings import key_findings, one_system_words
from .sipri_words import MARK, footnotes, note_for
from .targets import GUIDELINE, HAGUE_CORE
from .text import figure_span, fmt, long_date, md_escape, md_table, metric_format, short_period

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
# source files the PDF names by id only (their sha256 are in data/sources.csv): SIPRI's yearly TIV tables and the
# register that splits the 2024 totals
BY_ID_IN_PDF = frozenset({*EXACT_TABLES, TOTALS_REGISTER})
# arms figures whose estimate flag says they rest on how deals delivered over several years were split
SPLIT_METRICS = frozenset({"us_share_of_arms_imports", "arms_imports_tiv"})
RANKED = (("us_share_of_arms_imports", "window", "US share of arms imports"),
          ("milex_share_of_gdp", "milex", "Spending, share of GDP (SIPRI)"))
RANKED_PROSE = {"us_share_of_arms_imports": "the US share of its arms imports",
                "milex_share_of_gdp": "military spending as a share of GDP (SIPRI)"}


def figure_period(brief: Brief, kind: str, metric: str) -> str | None:
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
    return (f"Data release **{md_escape(release.name)}** ({md_escape(release.title)}): figures to "
            f"{release.last_data_year}, data as of {long_date(release.date)}.\n")


def key_figures(brief: Brief) -> str:
    """A box of up to six headline figures (a raw typst box in the PDF, a grid of cards on the site)."""
    items = []
    estimates = 0
    for metric, kind, label in (
        ("us_share_of_arms_imports", "window", "of arms imports from the US"),
        ("european_share_of_arms_imports", "window", "from European suppliers"),
        ("pending_orders_tiv", "year", "TIV m of orders undelivered at the end of"),
        ("milex_current_usd", "milex", "military spending"),
        ("milex_share_of_gdp", "milex", "of GDP (SIPRI)"),
        ("nato_share_of_gdp", "nato", "of GDP (NATO definition)"),
    ):
        period = figure_period(brief, kind, metric)
        figure = brief.figure(metric, period) if period else None
        spent = brief.figure("milex_current_usd", period) if kind == "milex" and period else None
        if figure is None or (spent is not None and spent.value == 0):
            continue
        span = figure_span(figure.value, metric_format(metric), brief.country, metric, period)
        mark = "\\*" if figure.estimate else ""  # inside the bold figure, so it stays beside the number
        estimates += bool(figure.estimate)
        # the period stays on one line (CSS .nowrap; brief.typ boxes it), with no invisible character to copy
        joint = " " if label.endswith(" of") else ", "  # 'at the end of 2025', else 'military spending, 2025'
        items.append(f"- **{span}{mark}** {label}{joint}[{short_period(period)}]{{.nowrap}}")
    if not items:
        return ""
    note = (f"\n\\* estimate: over {MATERIAL_CUT:.0%} of it depends on how deliveries SIPRI gives as multi-year "
            "totals are divided between years, or SIPRI or NATO mark it as estimated.\n" if estimates else "")
    return ("```{=typst}\n#keyfigures[\n```\n\n::: {.keyfigures}\n" + "\n".join(items)
            + "\n:::\n\n```{=typst}\n]\n```\n" + note)


def findings(brief: Brief) -> str:
    """The key findings as a bullet list."""
    return "\n".join(f"- {sentence}" for sentence in key_findings(brief)) + "\n"


def _register_number(value: float, uncertain: object) -> str:
    """A number of the trade register as SIPRI prints it: '?' kept after an uncertain number."""
    if pd.isna(value):
        return ""
    return f"{int(value):,}" + ("?" if uncertain is True or uncertain == "True" else "")


def _register_year(value: float, uncertain: object) -> str:
    """A year of the trade register, with SIPRI's '?' when SIPRI marks it uncertain."""
    return _register_number(value, uncertain).replace(",", "")


def _selected_units(deal) -> str:
    """' (28 selected)', ' (78 planned)' for a deal SIPRI gives as only partly ordered: its selected units, and its
    planned units beyond those ordered, are not pending."""
    if pd.isna(deal.number_ordered) or not deal.tiv_order:
        return ""
    unit = deal.tiv_order / deal.number_ordered
    parts = [f"{round(tiv / unit):,} {word}" for tiv, word in ((deal.selection_tiv, "selected"),
                                                             (deal.planned_tiv, "planned")) if tiv > 0]
    return f" ({', '.join(parts)})" if parts else ""


def pending_deals_table(brief: Brief, limit: int = 6) -> str:
    """The largest US orders not yet delivered, as a table; empty when there are none. Designations and
    descriptions are SIPRI's own words, and its '?' marks on uncertain numbers and years stay visible."""
    deals = brief.pending_us_deals.sort_values("pending_tiv", ascending=False).head(limit)
    if deals.empty:
        return f"*SIPRI lists no undelivered orders from the United States for {md_escape(brief.name)}.*\n"
    rows = []
    for deal in deals.itertuples():
        mark = MARK if note_for(deal.weapon_designation, deal.weapon_description) else ""
        rows.append([md_escape(deal.weapon_designation) + mark, md_escape(deal.weapon_description),
                     md_escape(_register_year(deal.order_year, getattr(deal, "order_year_uncertain", False))),
                     md_escape(_register_number(deal.number_ordered, getattr(deal, "number_ordered_uncertain",
                                                                               False))
                               + _selected_units(deal)),
                     md_escape(_register_number(deal.number_delivered,
                                                getattr(deal, "number_delivered_uncertain", False))),
                     fmt(deal.pending_tiv, "tiv")])
    left_out = [words for column, words in (("selection_tiv", "selected but not yet ordered"),
                                            ("planned_tiv", "planned beyond those ordered"))
                if (deals[column] > 0).any()]
    selections = (f"; units SIPRI gives as {' or '.join(left_out)} are named apart and not counted" if left_out
                  else "")
    return ("Largest undelivered orders from the United States, in the words of SIPRI's trade register "
            f"(a `?` marks a number SIPRI gives as uncertain{selections}):\n\n"
            + md_table(["Weapon (SIPRI designation)", "Description (SIPRI)", "Ordered", "Number", "Delivered",
                        "Undelivered TIV m"], rows, "llrrrr")
            + footnotes(list(zip(deals["weapon_designation"], deals["weapon_description"], strict=True))))


def spending_table(brief: Brief, years: int = 6, compact: bool = False) -> str:
    """Spending figures for the last few years: SIPRI level, change and shares; for NATO allies, NATO's share
    of GDP and the gaps to NATO's 2% guideline and the 3.5% Hague core-defence level."""
    lines = [
        ("milex_current_usd", "Military spending, current US$ (SIPRI)"),
        ("milex_real_change", "Real change on the year before (SIPRI)"),
        ("milex_share_of_gdp", "Share of GDP (SIPRI)"),
        ("milex_share_of_govt_spending", "Share of government spending (SIPRI)"),
    ]
    if brief.is_nato:  # NATO's targets apply to its members only, measured on NATO's own figures
        lines += [
            ("nato_share_of_gdp", "Defence expenditure, share of GDP (NATO)"),
            ("nato_equipment_share", "Equipment share (NATO)"),
            ("nato_gap_to_2pct_gdp_usd", "Short of NATO's 2% guideline (NATO figures)"),
            ("nato_gap_to_3_5pct_gdp_usd", "Short of 3.5% of GDP (NATO defence expenditure)"),
        ]
        if brief.data.latest_year(brief.country, "nato_core_share_of_gdp") is not None:  # NATO's 2026 edition on
            lines += [
                ("nato_core_share_of_gdp", "Core defence, share of GDP (NATO, Hague definition)"),
                ("nato_core_gap_to_3_5pct_gdp_usd", "Short of 3.5% of GDP (NATO core defence)"),
            ]
    last = brief.data.latest_year(brief.country, "milex_current_usd")
    if last is None or not brief.figure("milex_current_usd", last).value:
        return ""
    shown_years = [str(y) for y in range(int(last) - years + 1, int(last) + 1)]
    rows = []
    for metric, label in lines:
        cells = []
        for year in shown_years:
            figure = brief.figure(metric, year)
            if metric.startswith("nato_") and "_gap_to_" in metric and \
                    not brief.data.countries.is_member("NATO", brief.country, int(year)):
                cells.append("not an ally")  # NATO's guideline and targets bind allies only (Sweden before 2024)
                continue
            if figure is None:
                cells.append("no data")
                continue
            shown = "met" if metric.endswith("gdp_usd") and figure.value == 0 else fmt(figure.value,
                                                                                       metric_format(metric))
            cells.append(shown + ("\\*" if figure.estimate else ""))
        if any(cell != "no data" for cell in cells):
            rows.append([label, *cells])
    if not rows:
        return ""
    return (md_table(["", *shown_years], rows)
            + "\n\\* estimate or highly uncertain figure, as flagged by SIPRI or NATO."
            + ((" " if compact else f" The 3.5% rows measure the gap to {md_escape(HAGUE_CORE.medium)}. ")
               + (brief.data.newer_nato_editions(compact)) if brief.is_nato else "") + "\n")


def _rank_of(data: ReleaseData, country: str, metric: str, period: str) -> str:
    figure = data.figure(country, f"{metric}_rank_in_europe", period)
    if figure is None:
        return ""
    match = re.search(r"among (\d+)", figure.unit)
    return f"{int(figure.value)} of {match.group(1)}" if match else str(int(figure.value))


def peers_table(brief: Brief, compact: bool = False) -> str:
    """The country's figures against Europe's and the EU's, with its rank among the European countries that
    have the figure. A missing figure reads 'no data' and is not ranked; a state without armed forces has no
    spending to rank; NATO's figures are shown for allies only."""
    rows = []
    spent = brief.figure("milex_current_usd", figure_period(brief, "milex", "milex_current_usd") or "")
    no_forces = spent is not None and spent.value == 0
    for metric, kind, _, label in PEER_METRICS:
        if kind == "nato" and not brief.is_nato:
            continue
        period = figure_period(brief, kind, metric)
        if period is None:
            continue
        figure = brief.figure(metric, period)
        europe = brief.data.figure("EUROPE", metric, period)
        eu = brief.data.figure("EU27", metric, period)
        shown = metric_format(metric)
        if no_forces and metric.startswith("milex_"):
            own, rank = "none (no armed forces)", "not ranked"
        elif figure is None:
            own, rank = "no data", "not ranked"
        else:
            own, rank = fmt(figure.value, shown), _rank_of(brief.data, brief.country, metric, period)
        rows.append([f"{label}, {short_period(period)}", own, rank,
                     "no data" if europe is None else fmt(europe.value, shown),
                     "no data" if eu is None else fmt(eu.value, shown)])
    if not rows:
        return ""
    table = md_table(["Figure", md_escape(brief.title), "Rank in Europe (1 = highest)", "Europe", "EU27"], rows)
    if compact:
        return table + ("\nEurope and EU27: totals or ratios over their members; “k of N”: the rank among the N "
                        "European countries with the figure.\n")
    return (table + f"\nEurope: the {len(brief.data.european_countries())} countries of these briefs (listed under "
                    "Data and method); Europe and EU27 are totals or ratios over their members (for NATO's figures, "
                    "over the NATO allies among them). A rank of “k of N” is among the N European countries with "
                    "the figure.\n")


def changes_since_previous(brief: Brief, limit: int = 4, compact: bool = False) -> str:
    """What the previous data release said of the same figures: revisions to history, the new year, ranks
    (`compact`: the PDF's, with the two largest revisions and the rank moves in words, no rank table)."""
    limit = 2 if compact else limit
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
        before = dict(previous.values(brief.country, metric))
        for period, value in current.values(brief.country, metric):
            # the years the brief shows: revisions to the 1990s would be news nobody can see on the page
            if period not in before or int(period[-4:]) < current.last_year - 10:
                continue
            value_before = before[period]
            if fmt(value, kind) != fmt(value_before, kind):
                scale = max(abs(value_before), 1e-9)
                # a figure that rests on how deals were split over years may move with the split, not with SIPRI
                split = metric in SPLIT_METRICS and any(
                    f is not None and f.estimate for f in (previous.figure(brief.country, metric, period),
                                                           current.figure(brief.country, metric, period)))
                by = "NATO" if metric.startswith("nato") else "SIPRI"
                revisions.append((split, -abs(value - value_before) / scale, label, period, fmt(value_before, kind),
                                  fmt(value, kind), f"{by} and the split\\*" if split else by))
    if revisions:
        revisions.sort()  # the publishers' own revisions, then those resting on estimates, each largest first
        published, estimated = [r for r in revisions if not r[0]], [r for r in revisions if r[0]]
        # up to half the rows for each kind, the rest from whichever has more
        shown = published[:limit // 2] + estimated[:limit // 2]
        shown += (published[limit // 2:] + estimated[limit // 2:])[:limit - len(shown)]
        split_count = sum(r[0] for r in revisions)
        parts.append(f"{len(revisions)} figures of the last ten years changed: {len(revisions) - split_count} "
                     f"revised by SIPRI or NATO, {split_count} resting on estimates\\*; the largest:\n\n"
                     + md_table(["Figure", "Period", f"Release {md_escape(previous.release.name)}",
                                 f"Release {md_escape(current.release.name)}", "Changed by"],
                                [[label, short_period(period), old, new, by]
                                 for _, _, label, period, old, new, by in shown]))
    else:
        parts.append("No figure of the last ten years shown in this brief changed at the precision shown.")
    ranks = []
    for metric, kind, label in RANKED:
        now_period = figure_period(brief, kind, metric)
        prev_brief = Brief(previous, brief.country)
        before_period = figure_period(prev_brief, kind, metric)
        now_rank = _rank_of(current, brief.country, metric, now_period) if now_period else ""
        before_rank = _rank_of(previous, brief.country, metric, before_period) if before_period else ""
        if now_rank or before_rank:
            ranks.append([label, f"{before_rank} ({short_period(before_period or '')})",
                          f"{now_rank} ({short_period(now_period or '')})"])
    if not compact:
        parts.append(f"Every revision of this release, for Europe and country by country: [what changed in data "
                     f"release {md_escape(current.release.name)}](../changes.html#{brief.country.lower()}).")
    if ranks and compact:
        parts += _rank_moves(brief, previous)
    elif ranks:
        parts.append("Rank among European countries (1 = highest):\n\n"
                     + md_table(["Figure", f"Release {md_escape(previous.release.name)}",
                                 f"Release {md_escape(current.release.name)}"], ranks))
        parts += _rank_moves(brief, previous)
    return "\n\n".join(parts) + "\n"


def _rank_moves(brief: Brief, previous: ReleaseData, places: int = 5) -> list[str]:
    """A sentence for each ranked figure whose rank moved `places` or more: what the figure did, and for the US
    share of imports, the supplier whose share moved most."""
    from .findings import largest_gain, supplier_shares

    current = brief.data
    before_brief = Brief(previous, brief.country)
    notes = []
    for metric, kind, _ in RANKED:
        now_period, before_period = figure_period(brief, kind, metric), figure_period(before_brief, kind, metric)
        if not now_period or not before_period:
            continue
        now_rank = current.figure(brief.country, f"{metric}_rank_in_europe", now_period)
        before_rank = previous.figure(brief.country, f"{metric}_rank_in_europe", before_period)
        if now_rank is None or before_rank is None or abs(now_rank.value - before_rank.value) < places:
            continue
        now, before = brief.figure(metric, now_period), before_brief.figure(metric, before_period)
        shown = metric_format(metric)
        if fmt(before.value, shown) == fmt(now.value, shown):
            shown = "pct2"
        revised = brief.figure(metric, before_period)  # the same period as this release gives it
        revision = (f"; release {current.release.name} revises it to {fmt(revised.value, shown)}"
                    if revised is not None and fmt(revised.value, shown) != fmt(before.value, shown) else "")
        text = (f"{brief.possessive(start=True)} rank on {RANKED_PROSE[metric]} moved from "
                f"{int(before_rank.value)} to {int(now_rank.value)}: the figure went from {fmt(before.value, shown)} "
                f"({short_period(before_period)}, as release {previous.release.name} gave it{revision}) to "
                f"{fmt(now.value, shown)} ({short_period(now_period)})")
        if metric == "us_share_of_arms_imports" and now.value < before.value:
            shares_now, shares_before = supplier_shares(brief, now_period), supplier_shares(before_brief,
                                                                                           before_period)
            code = largest_gain(shares_now, shares_before)
            if code is not None:  # set beside the fall, not given as its cause
                text += (f", while {current.countries.possessive(code)} share rose"
                         + (f" to {fmt(shares_now[code], 'pct')}" if code in shares_now.index else "")
                         + (f" from {fmt(shares_before[code], 'pct')}" if code in shares_before.index else "")
                         + one_system_words(current, brief.country, code))
        notes.append(md_escape(text) + ".")
    return notes


def pdf_id_list(ids: list[str]) -> str:
    """Ids as the PDF lists them: one by one, or a run of per-supplier tables by their shared stem
    ('`sipri_at_tiv_export_2022_<supplier>` for BEL, CAN, ...') so that they take one line, not five."""
    stem = ids[0].rsplit("_", 1)[0] + "_"
    if len(ids) < 4 or not all(i.startswith(stem) for i in ids):
        return ", ".join(f"`{i}`" for i in ids)
    return f"`{stem}<supplier>` for " + ", ".join(i.removeprefix(stem) for i in ids)


def sources_table(brief: Brief, full: bool = True) -> str:
    """Every source file behind the brief with its publisher's title and edition, publication date and sha256
    (a list, one item per edition). `full=False` (the PDF) names SIPRI's yearly TIV tables and the older register
    that splits them by id only: their sha256 are in data/sources.csv, which keeps the brief to four pages."""
    files = brief.data.source_files(brief.country)
    editions: dict[tuple[str, str], list] = {}
    for f in files:
        editions.setdefault((f.citation, f.published), []).append(f)
    items = []
    for (citation, published), group in editions.items():
        if full or group[0].role not in BY_ID_IN_PDF:
            listed = "; ".join(f"`{f.id}` sha256 `{f.sha256}`" for f in group)
        else:  # sha256 in data/sources.csv, as the closing line says
            listed = pdf_id_list([f.id for f in group])
        # the register's date is that of SIPRI's export ('Data generated'), not of the release's publication
        dated = ("exported (SIPRI's 'Data generated')" if group[0].role.startswith("transfers") else "published")
        items.append(f"- {md_escape(citation)}, {dated} {long_date(published)}: {listed}")
    skipped = sum(f.role == "bilateral_tiv" for f in brief.data.release.files) - sum(
        f.role == "bilateral_tiv" for f in files)
    note = (f"\nThe release's other {skipped} per-supplier TIV tables recorded no deliveries to "
            f"{md_escape(brief.name)}. " if skipped else "\n")
    if not any(f.role == "nato" for f in files) and any(f.role == "nato" for f in brief.data.release.files):
        note += f"NATO publishes no figure for {md_escape(brief.name)}, so its tables are not a source here. "
    # smaller type in the PDF, so that a brief keeps to four pages
    return ("```{=typst}\n#[\n#set text(size: 6.5pt)\n```\n\n" + "\n".join(items) + "\n" + note
            + f"Every file of the release with its URL{'' if full else ' and sha256'}: `data/sources.csv`.\n\n"
            "```{=typst}\n]\n```\n")


def method_notes(brief: Brief, compact: bool = False) -> str:
    """Short notes on how to read the figures, pointing to the methodology page (`compact`: the PDF's, with the
    Hague level in its shorter words)."""
    hague = HAGUE_CORE.medium if compact else HAGUE_CORE.long
    return (
        "- **TIV** is SIPRI's trend-indicator value: the volume of deliveries of major arms, not their price; shares "
        "of TIV compare suppliers, not money spent.\n"
        + ("- **Windows** are five calendar years, as SIPRI reports them; the web version says how SIPRI's deals are "
           "divided between years.\n" if compact else
           f"- **Windows** are five calendar years, as SIPRI reports them. {md_escape(brief.data.yearly_basis())}.\n")
        + f"- **European suppliers** are {md_escape(EUROPEAN_SUPPLIERS_DEFINITION)}. **SAFE-eligible suppliers** "
        f"are {md_escape(SAFE_ELIGIBLE_DEFINITION)}.\n"
        f"- **Europe** is {md_escape(brief.data.europe_covers(compact))}.\n"
        "- **Spending** is SIPRI's military expenditure; NATO's defence expenditure uses NATO's definition and "
        "NATO publishes it for its members only. "
        + (f"Gaps are the extra spending a year that would reach {md_escape(GUIDELINE.medium)}, or "
           f"{md_escape(hague)}.\n" if brief.is_nato
           else f"{md_escape(brief.name_start)} is not a NATO member, so NATO's spending targets do not apply to it.\n")
    )
