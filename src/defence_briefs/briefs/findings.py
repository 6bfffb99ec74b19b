"""Key findings: sentences written from a country's figures, every number a traced span (prose rules: STYLE.md).

The findings name the largest supplier of the latest window and every supplier above `NAMED_SHARE`, whoever
they are; say when most of a supplier's deliveries came in one year; and explain a large move of the US share
by the supplier whose share moved most. NATO's targets are applied to allies only, worded with their source.
"""

from __future__ import annotations

import pandas as pd

from .context import Brief
from .targets import EQUIPMENT_GUIDELINE, GUIDELINE, HAGUE_CORE
from .text import TIMES_FROM, and_join, figure_span, fmt, md_escape, metric_format, short_period

US = "USA"
NAMED_SHARE = 0.20  # every supplier above this share of the latest window is named
LARGE_MOVE = 0.10  # a move of the US share this large (10 points) is explained
ONE_YEAR = 0.6  # a supplier's deliveries "mostly in one year" when one year holds this much of its window
ONE_SYSTEM = 0.6  # ...and "most of it one system" when one SIPRI designation holds this much of them
BUILT_AT_HOME = 0.2  # imports built in the buying country (SIPRI's comments) said from this share up


def one_system(data, country: str, supplier: str) -> tuple[str, float] | None:
    """(designation, its part of the supplier's deliveries) when one system holds ONE_SYSTEM or more of what
    `supplier` delivered to `country` in the latest window (SIPRI's register, imports_by_role.csv), else None."""
    rows = data.imports_by_role[(data.imports_by_role["recipient"] == country)
                                & (data.imports_by_role["supplier"] == supplier)]
    total = rows["tiv"].sum()
    if total <= 0:
        return None
    by_system = rows.groupby("weapon_designation")["tiv"].sum().sort_values(ascending=False, kind="stable")
    part = by_system.iloc[0] / total
    return (str(by_system.index[0]), float(part)) if part >= ONE_SYSTEM else None


def one_system_words(data, country: str, supplier: str) -> str:
    """', most of it one system (Arrow-3)' ('all of it' when one system is all) in plain text, or ''; in words, not
    a figure, as the part is not one of metrics.csv's."""
    found = one_system(data, country, supplier)
    if found is None:
        return ""
    return f", {'all' if found[1] > 0.995 else 'most'} of it one system ({found[0]})"


class _Spans:
    """Formats figures of one brief as spans in their metric's one format."""

    def __init__(self, brief: Brief):
        self.brief = brief

    def value(self, metric: str, period: str) -> float | None:
        figure = self.brief.figure(metric, period)
        return None if figure is None else figure.value

    def span(self, metric: str, period: str, kind: str | None = None) -> str:
        figure = self.brief.figure(metric, period)
        if figure is None:
            raise KeyError((self.brief.country, metric, period))
        return figure_span(figure.value, kind or metric_format(metric), self.brief.country, metric, period)


def _direction(now: float, before: float, kind: str = "pct") -> str:
    if fmt(now, kind) == fmt(before, kind):
        return "unchanged from"
    return "up from" if now > before else "down from"


def supplier_shares(brief: Brief, period: str) -> pd.Series:
    """Each named supplier's share of the country's imports in `period`, largest first (unknown suppliers out)."""
    metrics = brief.data.metrics
    rows = metrics[(metrics["country"] == brief.country) & (metrics["period"] == period)
                   & metrics["metric"].str.startswith("supplier_share_")]
    shares = pd.Series(rows["value"].to_numpy(), index=rows["metric"].str.removeprefix("supplier_share_").to_numpy())
    shares = shares.drop("UNK_SUPPLIER", errors="ignore")
    return shares[shares > 0].sort_values(ascending=False, kind="stable")


def _peak_year(brief: Brief, supplier: str, period: str) -> int | None:
    """The year holding most of `supplier`'s deliveries in `period`, when one year holds ONE_YEAR of them."""
    start, end = (int(y) for y in period.split("-"))
    rows = brief.data.bilateral
    rows = rows[(rows["recipient"] == brief.country) & (rows["supplier"] == supplier)
                & rows["year"].between(start, end)]
    total = rows["tiv"].sum()
    if total <= 0:
        return None
    top = rows.loc[rows["tiv"].idxmax()]
    return int(top["year"]) if top["tiv"] >= ONE_YEAR * total else None


def _supplier(brief: Brief, code: str, start: bool = False) -> str:
    return brief.data.countries.in_sentence(code, start)


# Two suppliers closer than this rank in an order that the split of deals over years can change: the error of a
# supplier bloc's share of an importer's imports, held out against SIPRI's exact tables (methodology.md, "Measured
# error"), is 1.1 to 1.9 points on average and up to 16 points for one importer in the last year (2024), 3.6 to 7.3
# points on average over two held-out years (2020-21); a five-year window holds more deals whole, so five points.
RANKING_MARGIN = 0.05


def supplier_finding(brief: Brief) -> list[str]:
    """The largest supplier of the latest window and every other supplier above NAMED_SHARE (the US included); when
    the first two are within RANKING_MARGIN and their shares are estimates, the sentence says the order is one."""
    spans = _Spans(brief)
    window = brief.data.window(0)
    shares = supplier_shares(brief, window)
    if shares.empty:
        return []
    named = [code for code in shares.index if code == shares.index[0] or shares[code] > NAMED_SHARE]
    close = len(shares) > 1 and shares.iloc[0] - shares.iloc[1] < RANKING_MARGIN and any(
        brief.figure(f"supplier_share_{code}", window).estimate for code in shares.index[:2])
    if close and shares.index[1] not in named:
        named.insert(1, shares.index[1])
    parts = []
    for position, code in enumerate(named):
        share = spans.span(f"supplier_share_{code}", window)
        peak = _peak_year(brief, code, window)
        when = f", most of it delivered in {peak}" if peak is not None else ""
        if code != US:  # a supplier's share resting on one system (Germany: Arrow-3, delivered in 2025)
            when += md_escape(one_system_words(brief.data, brief.country, code))
        if position == 0 and close:
            parts.append(f"{_supplier(brief, code, start=True)} and {_supplier(brief, shares.index[1])} were "
                         f"{brief.possessive()} largest arms suppliers in {short_period(window)}, too close to rank "
                         f"(both shares depend on how deals delivered over several years are divided between those "
                         f"years): {_supplier(brief, code)} with {share} of its imports{when}")
        elif position == 0:
            parts.append(f"{_supplier(brief, code, start=True)} was {brief.possessive()} largest arms supplier in "
                         f"{short_period(window)}, with {share} of its imports{when}")
        elif position == 1 and close:
            parts[0] += f", {_supplier(brief, code)} with {share}{when}"
        else:
            parts.append(f"{_supplier(brief, code)} supplied {share}{when}")
    return ["; ".join(parts) + "." + built_at_home_words(brief)]


def built_at_home_words(brief: Brief) -> str:
    """' SIPRI counts … : 85% of Türkiye's arms imports in 2021–25 were built in Türkiye (largest: Type-214 from
    Germany and BPE from Spain).' when BUILT_AT_HOME or more of them were, else ''."""
    window = brief.data.window(0)
    spans = _Spans(brief)
    share = spans.value("built_in_recipient_share_of_arms_imports", window)
    if share is None or share < BUILT_AT_HOME:
        return ""
    imports = brief.data.imports_by_role
    built = imports[(imports["recipient"] == brief.country) & imports["built_in_recipient"].astype(bool)]
    largest = built.groupby(["supplier", "weapon_designation"])["tiv"].sum().sort_values(ascending=False,
                                                                                         kind="stable")
    # the two largest systems, each holding a tenth or more of what was built at home (no 2 TIV m footnote)
    largest = largest[largest >= 0.1 * largest.sum()].head(2)
    by_supplier: dict[str, list[str]] = {}
    for supplier, designation in largest.index:
        by_supplier.setdefault(supplier, []).append(md_escape(designation))
    named = and_join([f"{and_join(designations)} from {_supplier(brief, supplier)}"
                      for supplier, designations in by_supplier.items()]) if by_supplier else ""
    return (f" SIPRI counts arms produced under licence or assembled in the buying country as its imports: "
            f"{spans.span('built_in_recipient_share_of_arms_imports', window)} of {brief.possessive()} arms imports "
            f"in {short_period(window)} were built in {brief.name}" + (f" (largest: {named})." if named else "."))


def largest_gain(now: pd.Series, before: pd.Series) -> str | None:
    """The non-US supplier whose share (supplier_shares) grew most between `before` and `now`, or None. Only the
    five largest suppliers of a window have a share row, so a missing one counts as 0 here and is not printed."""
    union = now.index.union(before.index)
    gains = (now.reindex(union, fill_value=0.0) - before.reindex(union, fill_value=0.0)).drop(US, errors="ignore")
    gains = gains[gains > 0]
    return None if gains.empty else str(gains.idxmax())


def _us_fall_explained(brief: Brief, window: str, previous: str) -> str:
    """' while Israel's share rose to 55% from 16%, most of it one system (Arrow-3)': the supplier that grew most,
    set beside a fall of the US share (beside, not as its cause: 'while'; a rise is not set beside another's fall);
    '' when the US share rose or no supplier grew by half LARGE_MOVE."""
    if brief.figure("us_share_of_arms_imports", window).value >= brief.figure("us_share_of_arms_imports",
                                                                             previous).value:
        return ""
    now, before = supplier_shares(brief, window), supplier_shares(brief, previous)
    code = largest_gain(now, before)
    if code is None or now.get(code, 0.0) - before.get(code, 0.0) < LARGE_MOVE / 2:
        return ""
    spans = _Spans(brief)
    clause = f" while {brief.data.countries.possessive(code)} share rose"
    if code in now.index:
        clause += f" to {spans.span(f'supplier_share_{code}', window)}"
    if code in before.index:
        clause += f" from {spans.span(f'supplier_share_{code}', previous)}"
    return clause + md_escape(one_system_words(brief.data, brief.country, code))


def import_findings(brief: Brief) -> list[str]:
    """Sentences on where the country's arms come from (latest window against the one before)."""
    spans = _Spans(brief)
    data = brief.data
    window, previous = data.window(0), data.window(1)
    shown, shown_before = short_period(window), short_period(previous)
    imports = spans.value("arms_imports_tiv", window)
    if imports is None:
        return [f"SIPRI's Arms Transfers Database has no record of arms imports by {brief.name}."]
    if imports == 0:
        return [f"SIPRI recorded no deliveries of major arms to {brief.name} in {shown}."]
    us_now = spans.value("us_share_of_arms_imports", window)
    us_before = spans.value("us_share_of_arms_imports", previous)
    us = spans.span("us_share_of_arms_imports", window)
    eu = spans.span("european_share_of_arms_imports", window)
    if us_before is not None:
        why = _us_fall_explained(brief, window, previous) if abs(us_now - us_before) >= LARGE_MOVE else ""
        sentence = (f"{us} of {brief.possessive()} arms imports in {shown} came from the United States, "
                    f"{_direction(us_now, us_before)} {spans.span('us_share_of_arms_imports', previous)} "
                    f"in {shown_before}{why}; European suppliers provided {eu}.")
    else:
        sentence = (f"{us} of {brief.possessive()} arms imports in {shown} came from the United States and {eu} "
                    f"from European suppliers.")
    sentences = [sentence, *supplier_finding(brief)]
    change = spans.value("arms_imports_change", window)
    if change is not None and abs(change) < 0.005:
        sentences.append(f"{brief.possessive(start=True)} arms imports in {shown} "
                         f"({spans.span('arms_imports_tiv', window)} million SIPRI trend-indicator values) were about "
                         f"the same as in {shown_before}.")
    elif change is not None:
        how = (f"{spans.span('arms_imports_change', window, 'times')} those of" if change >= TIMES_FROM else
               f"{spans.span('arms_imports_change', window, 'pct_abs')} {'higher' if change >= 0 else 'lower'} than in")
        sentences.append(f"{brief.possessive(start=True)} arms imports in {shown} "
                         f"({spans.span('arms_imports_tiv', window)} million SIPRI trend-indicator values) were "
                         f"{how} {shown_before}.")
    return sentences


def pipeline_finding(brief: Brief) -> list[str]:
    """A sentence on orders placed and not yet delivered."""
    spans = _Spans(brief)
    year = str(brief.data.last_year)
    pending = spans.value("pending_orders_tiv", year)
    if not pending:
        return []
    us_share = spans.value("us_share_of_pending_orders", year)
    tail = ""
    if us_share is not None:
        tail = f", {spans.span('us_share_of_pending_orders', year)} of them from the United States"
    return [f"Orders still to be delivered at the end of {year} amount to "
            f"{spans.span('pending_orders_tiv', year)} million trend-indicator values{tail}."]


def _sipri_spending(brief: Brief) -> list[str]:
    spans = _Spans(brief)
    year = brief.data.latest_year(brief.country, "milex_current_usd")
    if year is None:
        return [f"SIPRI publishes no military expenditure figures for {brief.name}."]
    if spans.value("milex_current_usd", year) == 0:
        return [f"{brief.name_start} has no armed forces of its own; SIPRI gives its military expenditure as zero."]
    sentence = f"In {year} {brief.name} spent {spans.span('milex_current_usd', year)} on its military"
    if spans.value("milex_share_of_gdp", year) is not None:
        sentence += f", {spans.span('milex_share_of_gdp', year)} of GDP"
    changes = []
    if spans.value("milex_real_change", year) is not None:
        changes.append(f"{spans.span('milex_real_change', year)} on {int(year) - 1}")
    since_2014 = spans.value("milex_real_change_since_2014", year)
    if since_2014 is not None and since_2014 >= TIMES_FROM:
        changes.append(f"{spans.span('milex_real_change_since_2014', year, 'times')} the 2014 level")
    elif since_2014 is not None:
        changes.append(f"{spans.span('milex_real_change_since_2014', year)} since 2014")
    if changes:
        sentence += "; in real terms that is " + " and ".join(changes)
    return [sentence + " (SIPRI)."]


def _nato_spending(brief: Brief) -> list[str]:
    """NATO's figures and targets, for allies only (NATO publishes figures for its members alone)."""
    if not brief.is_nato:
        return []
    spans = _Spans(brief)
    data = brief.data
    year = data.latest_year(brief.country, "nato_share_of_gdp")
    if year is None:
        core = _nato_core(brief, spans)
        return core or [f"{brief.name_start} is a NATO ally; NATO's {data.nato_edition()} edition gives no defence "
                        f"expenditure for it."]
    share = spans.value("nato_share_of_gdp", year)
    sentences = []
    text = (f"By NATO's definition {brief.possessive()} defence expenditure in {year} was "
            f"{spans.span('nato_share_of_gdp', year)} of GDP (NATO's {data.nato_edition()} edition)")
    if share >= GUIDELINE.share:
        text += f", above {GUIDELINE.short}"
    else:
        text += f", below {GUIDELINE.short}"
        if spans.value("nato_gap_to_2pct_gdp_usd", year):
            text += f" by {spans.span('nato_gap_to_2pct_gdp_usd', year)} a year"
    if share >= HAGUE_CORE.share:
        text += f", and already more than {HAGUE_CORE.medium}"
    sentences.append(text + ".")
    if share < HAGUE_CORE.share and spans.value("nato_gap_to_3_5pct_gdp_usd", year):
        sentences.append(f"Reaching {HAGUE_CORE.medium}, would take "
                         f"{spans.span('nato_gap_to_3_5pct_gdp_usd', year)} more a year at {year} GDP.")
    if spans.value("nato_equipment_share", year) is not None:
        verdict = "meeting" if spans.value("nato_equipment_share", year) >= EQUIPMENT_GUIDELINE.share else "short of"
        sentences.append(f"Equipment took {spans.span('nato_equipment_share', year)} of its defence expenditure in "
                         f"{year}, {verdict} {EQUIPMENT_GUIDELINE.medium}.")
    return sentences + _nato_core(brief, spans)


def _nato_core(brief: Brief, spans: _Spans) -> list[str]:
    """Core defence, the Hague definition, from NATO's 2026 edition on: its own figure against 3.5%."""
    year = brief.data.latest_year(brief.country, "nato_core_share_of_gdp")
    if year is None:
        return []
    text = (f"By NATO's core-defence definition (agreed at The Hague, June 2025, and published from NATO's 2026 "
            f"edition) {brief.possessive()} core defence expenditure in {year} was "
            f"{spans.span('nato_core_share_of_gdp', year)} of GDP")
    gap = spans.value("nato_core_gap_to_3_5pct_gdp_usd", year)
    if gap:
        text += f"; reaching 3.5% would take {spans.span('nato_core_gap_to_3_5pct_gdp_usd', year)} more a year"
    return [text + " (a series of its own: NATO's earlier definition of defence expenditure is not comparable)."]


def spending_findings(brief: Brief) -> list[str]:
    """Sentences on the level, growth and share of GDP of military spending; NATO's targets for allies."""
    return _sipri_spending(brief) + _nato_spending(brief)


def key_findings(brief: Brief) -> list[str]:
    """The key findings: imports and suppliers, orders (those placed since 2022 where they change the picture the
    deliveries give, else those still to be delivered), spending; built only from metrics.csv figures."""
    from .orders import orders_key_finding  # with its chart's Altair: not imported by a build with nothing to do

    orders = orders_key_finding(brief)
    return import_findings(brief) + ([orders] if orders else pipeline_finding(brief)) + spending_findings(brief)
