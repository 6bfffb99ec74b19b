"""Number formats and safe markdown: every figure a brief prints goes through `fmt` and `figure_span`."""

from __future__ import annotations

import datetime as dt
import math
import re

FORMATS = ("pct", "pct_abs", "change", "pct1", "pct2", "points", "usd_m", "usd", "tiv", "int", "real_change",
           "times")
# thresholds a share is read against (NATO's 2% guideline and 3.5% Hague level, the 20% equipment guideline): a
# share just under one never prints as it ('1.98%', not '2.0%' beside a shortfall)
THRESHOLDS = (0.02, 0.035, 0.20)
HALF = 0.5  # "half their arms or more from the US" (the overview): a share just under it never prints as '50%'
TIMES_FROM = 2.0  # a rise of +200% or more reads as "about N times" in a sentence (`times`), never as "+11,481%"
# One format per metric, in prose, key figures, tables and chart titles alike (see STYLE.md).
METRIC_FORMATS = {
    "us_share_of_arms_imports": "pct", "european_share_of_arms_imports": "pct", "other_share_of_arms_imports": "pct",
    "us_share_of_pending_orders": "pct",
    "european_share_of_pending_orders": "pct", "arms_imports_tiv": "tiv", "pending_orders_tiv": "tiv",
    "arms_imports_change": "change", "milex_current_usd": "usd_m", "milex_share_of_gdp": "pct1",
    "milex_per_capita_usd": "usd", "milex_real_change": "real_change", "milex_real_change_since_2014": "real_change",
    "milex_share_of_govt_spending": "pct1", "gap_to_2pct_gdp_usd": "usd_m", "gap_to_3_5pct_gdp_usd": "usd_m",
    "nato_share_of_gdp": "pct2", "nato_equipment_share": "pct1", "nato_gap_to_2pct_gdp_usd": "usd_m",
    "nato_gap_to_3_5pct_gdp_usd": "usd_m", "nato_core_share_of_gdp": "pct2", "nato_core_equipment_share": "pct1",
    "nato_core_gap_to_3_5pct_gdp_usd": "usd_m", "nato_core_defexp_current_usd": "usd_m",
    "safe_eligible_share_of_arms_imports": "pct", "built_in_recipient_share_of_arms_imports": "pct",
    "safe_eligible_share_of_pending_orders": "pct", "pending_orders_tiv_firm": "tiv",
    "pending_orders_tiv_uncertain": "tiv",
    "us_share_of_pending_orders_firm": "pct", "us_share_of_pending_orders_uncertain": "pct",
    "us_procurement_at_stake_usd": "usd_m", "projected_arms_imports_tiv": "tiv",
    "projected_us_share_of_arms_imports": "pct",
    "arms_orders_tiv": "tiv", "arms_selections_tiv": "tiv", "us_share_of_arms_selections": "pct",
    "arms_orders_unvalued_count": "int", "arms_orders_unvalued_count_from_europe": "int",
}
# families of metrics named by a prefix (supplier_share_ISR) or a pattern (us_share_of_missiles_imports)
FAMILY_FORMATS = (
    (re.compile(r"supplier_share_[A-Z_]+|category_share_\w+|(us|european)_share_of_\w+_imports"
                r"|share_of_\w+_imports_from_[A-Z_]+"), "pct"),
    (re.compile(r"pending_orders_tiv_from_[A-Z_]+|arms_imports_from_\w+|arms_imports_tiv_\w+"
                r"|arms_(orders|selections)_tiv_from_\w+"), "tiv"),
    (re.compile(r"(us|european|safe_eligible|aid)_share_of_arms_orders|us_share_of_\w+_orders"
                r"|arms_orders_supplier_share_[A-Z_]+"), "pct"),
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def metric_format(metric: str) -> str:
    """The one format of `metric` (supplier_share_ISR -> the format of supplier_share)."""
    if metric in METRIC_FORMATS:
        return METRIC_FORMATS[metric]
    for pattern, kind in FAMILY_FORMATS:
        if pattern.fullmatch(metric):
            return kind
    raise KeyError(f"no display format for metric {metric!r}: add it to METRIC_FORMATS")


def and_join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def long_date(day: dt.date | str) -> str:
    """A date as every page writes it: 18 May 2026 (from a date or an ISO string; '' stays '')."""
    if isinstance(day, str):
        if not day:
            return ""
        day = dt.date.fromisoformat(day)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~^$@:\"'])")


# an apostrophe inside a word (SIPRI's, deal's) or after a plural's s (allies'), not a closing quote ('II')
_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[a-z])|(?<=s)'(?=\s|$)")


def fmt(value: float, kind: str) -> str:
    """`value` as a brief prints it: pct 0.4355 -> '44%' (but 0.998 -> '99.8%', 0.003 -> '0.3%', 0.4951 -> '49.5%'),
    pct2 -> '4.12%',
    usd_m 38012 -> '$38.0 bn';
    real_change 0.234 -> '+23.4%' but 16.561 -> '+1,656%' (a change of 100% or more in whole percents);
    times 114.81 (a change) -> 'about 116 times' (2.57 -> 'about 3.6 times'), for sentences whose change is
    TIMES_FROM or more."""
    if kind not in FORMATS:
        raise ValueError(f"unknown number format {kind!r}; known: {', '.join(FORMATS)}")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        digits = 0  # a share that is not all, or not none, or under half, never reads 100%, 0% or 50%
        while digits < 2 and 0 < value < 1 and (float(f"{value * 100:.{digits}f}") in (0, 100)
                                               or value < HALF <= float(f"{value * 100:.{digits}f}") / 100):
            digits += 1
        shown = f"{value * 100:.{digits}f}%"
        if 0 < value < 1 and (float(shown[:-1]) in (0, 100) or value < HALF <= float(shown[:-1]) / 100):
            return {0.0: "under 0.01%", 100.0: "over 99.99%"}.get(float(shown[:-1]), "just under 50%")
        return shown
    if kind == "pct_abs":
        return f"{abs(value) * 100:,.0f}%"
    if kind == "change":
        return f"{value * 100:+,.0f}%".replace("-", "−")
    if kind in ("pct1", "pct2"):
        digits = 1 if kind == "pct1" else 2
        while digits < 4 and any(value < t <= float(f"{value * 100:.{digits}f}") / 100 for t in THRESHOLDS):
            digits += 1
        return f"{value * 100:.{digits}f}%"
    if kind == "real_change":
        return f"{value * 100:+,.{0 if abs(value) >= 1 else 1}f}%".replace("-", "−")
    if kind == "times":  # 2.57 -> 'about 3.6 times': under ten times, the first decimal is no false precision
        shown = f"{1 + value:,.1f}".removesuffix(".0") if 1 + value < 9.95 else f"{1 + value:,.0f}"
        return f"about {shown} times"
    if kind == "points":
        return f"{value * 100:+.1f} points".replace("-", "−")
    if kind == "usd_m":
        return f"${value / 1000:,.1f} bn" if abs(value) >= 1000 else f"${value:,.0f} m"
    if kind == "usd":
        return f"${value:,.0f}"
    if kind == "tiv":
        return f"{value:,.0f}"
    return f"{value:,.0f}"


def parse_fmt(text: str, kind: str) -> float:
    """The number shown in a `fmt` string, in the metric's own unit (inverse of `fmt` up to rounding)."""
    cleaned = text.replace("−", "-").replace(",", "").replace("$", "").replace("%", "").replace("+", "")
    number = float(re.search(r"-?\d+(?:\.\d+)?", cleaned).group(0))
    if kind == "times":
        return number - 1
    if kind in ("pct", "pct_abs", "change", "pct1", "pct2", "real_change", "points"):
        return number / 100
    if kind == "usd_m":
        return number * (1000 if "bn" in text else 1)
    return number


def typographic(text: str) -> str:
    """An apostrophe after a letter set as the typographic one (’), as pandoc sets those of the prose."""
    return _APOSTROPHE.sub("’", text)


def md_escape(text: str) -> str:
    """Plain text from a source (names, weapon designations) made literal in pandoc markdown; an apostrophe after
    a letter is set as the typographic one (’), as pandoc sets those of the text around it."""
    return _MD_SPECIAL.sub(r"\\\1", typographic(str(text)))


def attr_escape(text: str) -> str:
    """A value for a pandoc attribute (quoted)."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def figure_span(value: float, kind: str, country: str, metric: str, period: str) -> str:
    """A formatted figure as a pandoc span that names its metrics.csv row, so tests can trace every number."""
    return (f'[{md_escape(fmt(value, kind))}]{{.fig country="{attr_escape(country)}" metric="{attr_escape(metric)}" '
            f'period="{attr_escape(period)}" format="{kind}"}}')


def dash_periods(text: str, shorten: bool = True) -> str:
    """Ranges of years in generated or hand-written text in the one period notation ('2019-23', '2019-2023'
    and '2019–2023' -> '2019–23'; '1999-2003' -> '1999–2003'); `shorten=False` (a publisher's title) only sets
    the en dash ('(2014-2024)' -> '(2014–2024)')."""
    def short(match: re.Match) -> str:
        start, end = match.group(1), match.group(2)
        if not shorten:
            return f"{start}–{end}"
        return short_period(f"{start}-{end if len(end) == 4 else start[:2] + end}")

    return re.sub(r"\b((?:19|20)\d\d)[-–]((?:19|20)?\d\d)\b", short, text)


def short_period(period: str) -> str:
    """'2021-2025' -> '2021–25'; a year stays as it is. The one period notation of every page."""
    if "-" in period:
        start, end = period.split("-")
        return f"{start}–{end[2:]}" if start[:2] == end[:2] else f"{start}–{end}"
    return period


def md_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A pandoc pipe table; cells must already be escaped markdown. `align` is one of l/r/c per column.

    The separator's dashes are proportional to each column's longest cell, which pandoc turns into relative
    column widths (in HTML and in the PDF) once a row is wider than a line.
    """
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    marks = []
    for kind, width in zip(align, widths, strict=True):
        dashes = "-" * max(3, min(width, 70))
        marks.append({"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}[kind])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
