"""changes.html: what a data release changed since the previous one, for Europe and country by country: the
comparison add-release's change report makes, from the two releases' metrics.csv."""

from __future__ import annotations

import re

from ..briefs.context import ReleaseData
from ..briefs.text import TIMES_FROM, long_date, md_escape, short_period
from ..metrics.release_changes import moved, new_years, revisions, revisions_by_country

PAGE = "changes.html"
_WINDOW = re.compile(r"\b\d{4}-\d{4}\b")
_PERCENT_CHANGE = re.compile(r"\(([+-]\d[\d,]*\.\d+)%\)")
_FULL_SHARE = re.compile(r"\b100\.0%")  # the briefs' 100%
_MINUS = re.compile(r"(?<![\w\d])-(?=\d)")
TITLE = "What changed in this data release"


def country_anchor(country: str) -> str:
    """The id of a country's part of the page: its ISO3 code in lower case (changes.html#pol)."""
    return country.lower()


def _change(match: re.Match) -> str:
    change = float(match.group(1).replace(",", "")) / 100
    if change >= TIMES_FROM:  # whole times: beside values rounded to whole TIV m, a decimal reads as a sum gone wrong
        return f"(about {1 + change:,.0f} times)"
    # whole percents, but a revision listed from 0.5% reads as itself, not as +0%
    return f"({change * 100:+.1f}%)" if abs(change) < 0.1 else f"({change * 100:+.0f}%)"


def _house_style(text: str) -> str:
    """The report's plain text as the briefs write it: windows as '2021–25', arrows, changes in whole percents
    (about N times from +200%) and minus signs."""
    text = _WINDOW.sub(lambda m: short_period(m.group(0)), text).replace("->", "→")
    text = _FULL_SHARE.sub("100%", _PERCENT_CHANGE.sub(_change, text))
    return _MINUS.sub("−", text)


def _markdown_list(lines: list[str]) -> str:
    """The report's lines (items, and indented sub-items) as a pandoc markdown list."""
    out = []
    for line in lines:
        text = md_escape(_house_style(line.strip().removeprefix("- ")))
        out.append(f"    - {text}" if line.startswith("    ") else f"- {text}")
    return "\n".join(out)


def release_history_markdown(data: ReleaseData) -> str:
    """The page as pandoc markdown."""
    previous = data.previous
    release = data.release
    if previous is None:
        return (f"Data release {md_escape(release.name)} is the first in the manifest: there is no earlier release "
                "to compare with.\n")
    base, new = previous.metrics, data.metrics
    codes = data.countries.members("EUROPE", data.last_year)
    parts = [f"Data release {md_escape(release.name)} ({md_escape(release.title)}; data as of "
             f"{long_date(release.date)}) against data release {md_escape(previous.release.name)} "
             f"({md_escape(previous.release.title)}; data as of {long_date(previous.release.date)}): the periods "
             "each series gained, the history SIPRI and NATO revised (a share counts as revised when "
             "it moved by 0.05 percentage points or more, an amount when it moved by 0.5% and at least 0.5), and "
             "the countries whose key figures moved most. Every figure of each release is in its "
             "[data/metrics.csv](data/metrics.csv).",
             "## New years and windows {#new-years}", _markdown_list(new_years(base, new, previous.release.name)),
             f"## Revised history, {len(codes)} European countries {{#revised}}",
             _markdown_list(revisions(base, new, codes, data.countries)),
             "## Countries whose key figures moved most {#moved}",
             _markdown_list(moved(base, new, codes, data.countries)),
             "## Country by country {#countries}",
             "The largest revisions of each country's figures, up to eight a measure."]
    countries = sorted(data.european_countries(), key=data.countries.name)
    by_country = revisions_by_country(base, new, countries, data.countries)
    for country in countries:
        name = data.countries.name(country)
        lines = by_country[country]
        lines = [re.sub(rf"^(\s+){re.escape(name)}, ", r"\1", line) for line in lines]
        parts += [f"### {md_escape(name)} {{#{country_anchor(country)}}}",
                  f"[The brief of {md_escape(data.countries.in_sentence(country))}](countries/{country}.html). "
                  + ("" if lines else "No figure of both releases to compare."),
                  _markdown_list(lines)]
    return "\n\n".join(part for part in parts if part) + "\n"
