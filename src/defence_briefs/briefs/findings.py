"""Key findings: three to five sentences written from a country's figures, every number a traced span."""

from __future__ import annotations

from .context import Brief
from .text import figure_span, fmt, short_period

NATO_GUIDELINE = 0.02
HAGUE_TARGET = 0.035


class _Spans:
    """Formats figures of one brief as spans, remembering which were used."""

    def __init__(self, brief: Brief):
        self.brief = brief

    def value(self, metric: str, period: str) -> float | None:
        figure = self.brief.figure(metric, period)
        return None if figure is None else figure.value

    def span(self, metric: str, period: str, kind: str) -> str:
        figure = self.brief.figure(metric, period)
        if figure is None:
            raise KeyError((self.brief.country, metric, period))
        return figure_span(figure.value, kind, self.brief.country, metric, period)


def _direction(now: float, before: float, kind: str = "pct") -> str:
    if fmt(now, kind) == fmt(before, kind):
        return "unchanged from"
    return "up from" if now > before else "down from"


def import_findings(brief: Brief) -> list[str]:
    """Sentences on where the country's arms come from (latest window against the one before)."""
    spans = _Spans(brief)
    data, name = brief.data, brief.name
    window, previous = data.window(0), data.window(1)
    shown, shown_before = short_period(window), short_period(previous)
    imports = spans.value("arms_imports_tiv", window)
    if imports is None:
        return [f"SIPRI's Arms Transfers Database has no record of arms imports by {name}."]
    if imports == 0:
        return [f"SIPRI recorded no deliveries of major arms to {name} in {shown}."]
    sentences = []
    us_now = spans.value("us_share_of_arms_imports", window)
    us_before = spans.value("us_share_of_arms_imports", previous)
    us = spans.span("us_share_of_arms_imports", window, "pct")
    eu = spans.span("european_share_of_arms_imports", window, "pct")
    if us_before is not None:
        sentence = (f"{us} of {name}'s arms imports in {shown} came from the United States, "
                    f"{_direction(us_now, us_before)} {spans.span('us_share_of_arms_imports', previous, 'pct')} "
                    f"in {shown_before}; European suppliers provided {eu}.")
    else:
        sentence = (f"{us} of {name}'s arms imports in {shown} came from the United States and {eu} "
                    f"from European suppliers.")
    sentences.append(sentence)
    if spans.value("arms_imports_change", window) is not None:
        change = spans.value("arms_imports_change", window)
        volume = f"({spans.span('arms_imports_tiv', window, 'tiv')} million SIPRI trend-indicator values)"
        if change >= 1:
            sentences.append(f"The volume of its arms imports in {shown} {volume} was "
                             f"{spans.span('arms_imports_change', window, 'times')} that of {shown_before}.")
        else:
            word = "higher" if change >= 0 else "lower"
            sentences.append(f"The volume of its arms imports in {shown} {volume} was "
                             f"{spans.span('arms_imports_change', window, 'pct_abs')} {word} than in {shown_before}.")
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
        tail = f", {spans.span('us_share_of_pending_orders', year, 'pct')} of them from the United States"
    return [f"Orders still to be delivered at the end of {year} amount to "
            f"{spans.span('pending_orders_tiv', year, 'tiv')} million trend-indicator values{tail}."]


def spending_findings(brief: Brief) -> list[str]:
    """Sentences on the level, growth and share of GDP of military spending, against NATO's targets."""
    spans = _Spans(brief)
    data, name = brief.data, brief.name
    year = data.latest_year(brief.country, "milex_current_usd")
    if year is None:
        return [f"SIPRI publishes no military expenditure figures for {name}."]
    spent = spans.value("milex_current_usd", year)
    if spent == 0:
        return [f"{name} has no armed forces of its own; SIPRI records no military expenditure for it."]
    sentence = f"In {year} {name} spent {spans.span('milex_current_usd', year, 'usd_m')} on its military"
    if spans.value("milex_share_of_gdp", year) is not None:
        sentence += f", {spans.span('milex_share_of_gdp', year, 'pct1')} of GDP"
    if spans.value("milex_real_change", year) is not None:
        sentence += f", a real change of {spans.span('milex_real_change', year, 'real_change')} on the year before"
    since_2014 = spans.value("milex_real_change_since_2014", year)
    if since_2014 is not None:
        kind = "times" if since_2014 >= 1 else "real_change"
        link = "; in real terms that is " if kind == "times" else " and of "
        tail = " the level of 2014" if kind == "times" else " since 2014"
        sentence += f"{link}{spans.span('milex_real_change_since_2014', year, kind)}{tail}"
    sentences = [sentence + " (SIPRI)."]
    nato_year = data.latest_year(brief.country, "nato_share_of_gdp")
    if nato_year is not None:
        share = spans.value("nato_share_of_gdp", nato_year)
        text = (f"By NATO's definition its defence expenditure in {nato_year} was "
                f"{spans.span('nato_share_of_gdp', nato_year, 'pct2')} of GDP")
        if share >= HAGUE_TARGET:
            text += ", above the 2% guideline and already at the Hague target of 3.5%"
        elif share >= NATO_GUIDELINE:
            gap = spans.value("nato_gap_to_3_5pct_gdp_usd", nato_year)
            text += ", above the 2% guideline"
            if gap:
                extra = spans.span("nato_gap_to_3_5pct_gdp_usd", nato_year, "usd_m")
                text += f"; reaching 3.5% would take {extra} more a year"
        else:
            text += ", below the 2% guideline"
            if spans.value("nato_gap_to_2pct_gdp_usd", nato_year):
                text += f" by {spans.span('nato_gap_to_2pct_gdp_usd', nato_year, 'usd_m')} a year"
        equipment = spans.value("nato_equipment_share", nato_year)
        if equipment is not None:
            verdict = "meeting" if equipment >= 0.2 else "short of"
            text += (f"; {spans.span('nato_equipment_share', nato_year, 'pct')} of it went on equipment, "
                     f"{verdict} NATO's 20% guideline")
        sentences.append(text + ".")
    return sentences


def key_findings(brief: Brief) -> list[str]:
    """Three to five markdown sentences for the top of a brief, built only from metrics.csv figures."""
    sentences = import_findings(brief) + pipeline_finding(brief) + spending_findings(brief)
    return sentences[:5]
