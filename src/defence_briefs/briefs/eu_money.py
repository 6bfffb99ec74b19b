"""The EU's own defence money on the pages: SAFE loans (the Commission's tentative allocation, the Council's approval
of each national plan and its maximum loan) and the national escape clause of the Stability and Growth Pact.

These are dated reference tables kept by hand (reference/eu_*.csv), each row naming the Council or Commission
release it comes from and where that release's text was read; they are not in any release of SIPRI's or NATO's data,
so the pages say when they were last checked.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .context import Brief, ReleaseData
from .text import long_date, md_escape, md_table

CHECKED = dt.date(2026, 12, 5)  # when the tables were last compared with the Council's and Commission's releases
SAFE_TOTAL_EUR_BN = 150  # Council Regulation (EU) 2025/1106 (SAFE): loans of up to €150 billion
ESCAPE_CLAUSE_TERMS = ("leeway under the EU’s fiscal rules for up to 1.5% of GDP of extra defence spending a year, "
                       "for four years")


@dataclass(frozen=True)
class Source:
    """One Council or Commission release, and where its text was read."""

    id: str
    publisher: str
    date: dt.date
    title: str
    read_at: tuple[str, ...]


@dataclass(frozen=True)
class SafeLoan:
    """One member state's SAFE loan: allocated (€ bn), approved (date or None) and its maximum (€, or None)."""

    code: str
    allocation_eur_bn: float
    allocation_source: str
    approved: dt.date | None
    approval_source: str
    max_loan_eur: float | None
    max_loan_source: str


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("defence_briefs").joinpath("reference", name)
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@lru_cache(maxsize=1)
def sources() -> dict[str, Source]:
    """id -> Source, from reference/eu_money_sources.csv."""
    return {row["id"]: Source(row["id"], row["publisher"], dt.date.fromisoformat(row["date"]), row["title"],
                              tuple(row["read_at"].split())) for row in _rows("eu_money_sources.csv")}


@lru_cache(maxsize=1)
def safe_loans() -> dict[str, SafeLoan]:
    """ISO3 -> SafeLoan for the member states that requested a SAFE loan (reference/eu_safe_loans.csv)."""
    return {row["code"]: SafeLoan(row["code"], float(row["allocation_eur_bn"]), row["allocation_source"],
                                  _date(row["approved"]), row["approval_source"],
                                  float(row["max_loan_eur"]) if row["max_loan_eur"] else None,
                                  row["max_loan_source"])
            for row in _rows("eu_safe_loans.csv")}


@lru_cache(maxsize=1)
def escape_clause() -> dict[str, tuple[dt.date, str]]:
    """ISO3 -> (date the Council activated the national escape clause, source id) (reference/eu_escape_clause.csv)."""
    return {row["code"]: (dt.date.fromisoformat(row["activated"]), row["source"])
            for row in _rows("eu_escape_clause.csv")}


def latest_release() -> dt.date:
    """The date of the newest release the tables rest on."""
    return max(source.date for source in sources().values())


def as_of() -> str:
    """'as of 17 February 2026, the latest Council or Commission release found; checked 5 December 2026'."""
    return (f"as of {long_date(latest_release())}, the latest Council or Commission release found; checked "
            f"{long_date(CHECKED)}")


def eur_bn(value: float) -> str:
    """€ billions as the pages print them: 43.734 -> '€43.7 bn', 1.70 -> '€1.7 bn', 0.0468 -> '€47 m'."""
    if value < 0.1:
        return f"€{value * 1000:,.0f} m"
    digits = 1 if value >= 10 else 2
    return "€" + f"{value:,.{digits}f}".rstrip("0").rstrip(".") + " bn"


def _safe_sentence(loan: SafeLoan | None, name: str) -> str:
    if loan is None:
        return f"SAFE: {name} did not request a loan (19 member states did)."
    allocated = f"the Commission’s tentative allocation of {long_date(sources()[loan.allocation_source].date)}"
    if loan.approved is None:
        return (f"SAFE: {eur_bn(loan.allocation_eur_bn)} in {allocated}; no Council approval of the national plan "
                f"among the releases found.")
    if loan.max_loan_eur is None:
        return (f"SAFE: {eur_bn(loan.allocation_eur_bn)} in {allocated}; national plan approved by the Council on "
                f"{long_date(loan.approved)}.")
    maximum, allocation = eur_bn(loan.max_loan_eur / 1e9), eur_bn(loan.allocation_eur_bn)
    differs = "" if maximum == allocation else f" ({allocation} in {allocated})"
    return (f"SAFE: a loan of up to {maximum}{differs}, national plan approved by the Council on "
            f"{long_date(loan.approved)}.")


def _escape_clause_sentence(code: str, name: str) -> str:
    activated = escape_clause().get(code)
    terms = f"National escape clause for defence ({ESCAPE_CLAUSE_TERMS})"
    if activated is None:
        return f"{terms}: not activated for {name} ({len(escape_clause())} member states have it)."
    return f"{terms}: activated by the Council on {long_date(activated[0])}."


def _compact(code: str) -> str:
    loan = safe_loans().get(code)
    if loan is None:
        safe = "no SAFE loan requested"
    elif loan.approved is None:
        safe = f"SAFE {eur_bn(loan.allocation_eur_bn)} allocated, no approval of the plan found"
    else:
        amount = eur_bn(loan.max_loan_eur / 1e9 if loan.max_loan_eur is not None else loan.allocation_eur_bn)
        safe = f"SAFE loan of up to {amount} approved {long_date(loan.approved)}"
    activated = escape_clause().get(code)
    clause = f"escape clause activated {long_date(activated[0])}" if activated else "escape clause not activated"
    return f"{safe}; national {clause}"


def brief_line(brief: Brief, compact: bool = False) -> str:
    """One paragraph for an EU member state's spending section: its SAFE loan and escape-clause status, dated
    (`compact`: the PDF's one line); '' for a country outside the EU."""
    if not brief.data.countries.is_member("EU27", brief.country, brief.data.last_year):
        return ""
    if compact:
        return (f"**EU money** (as of {long_date(latest_release())}; sources on the web overview): "
                f"{md_escape(_compact(brief.country))}.\n")
    text = (f"{_safe_sentence(safe_loans().get(brief.country), brief.name)} "
            f"{_escape_clause_sentence(brief.country, brief.name)} Sources on the overview page.")
    return f"**The EU’s defence money** ({md_escape(as_of())}). {md_escape(text)}\n"


def europe_table(data: ReleaseData) -> str:
    """The Europe page's table: every EU member state's SAFE allocation, approval and maximum loan and its escape
    clause, with the releases they come from and the date they were checked."""
    members = data.countries.members("EU27", data.last_year)
    loans = safe_loans()
    order = sorted(members, key=lambda c: (-(loans[c].allocation_eur_bn if c in loans else -1),
                                           data.countries.name(c)))
    rows = []
    for code in order:
        loan = loans.get(code)
        activated = escape_clause().get(code)
        rows.append([
            md_escape(data.countries.name(code)),
            eur_bn(loan.allocation_eur_bn) if loan else "not requested",
            long_date(loan.approved) if loan and loan.approved else ("not found" if loan else "–"),
            eur_bn(loan.max_loan_eur / 1e9) if loan and loan.max_loan_eur is not None
            else ("not read" if loan and loan.approved else "–"),
            long_date(activated[0]) if activated else "not activated",
        ])
    table = md_table(["Country", "SAFE allocation (Commission)", "Plan approved (Council)",
                      "Maximum loan (Council)", "Escape clause activated (Council)"], rows, "lrrrr")
    total = sum(loan.allocation_eur_bn for loan in loans.values())
    return (f"The EU’s own defence money, {md_escape(as_of())}. **SAFE** lends up to €{SAFE_TOTAL_EUR_BN} bn for "
            f"defence procurement, in principle bought jointly by at least two countries. The Commission’s "
            f"tentative allocation (€{total:,.1f} bn among the {len(loans)} member states that asked, as reported "
            f"to two decimals) is the figure ministers quote; the Council’s implementing decision approves the "
            f"national plan and fixes the maximum loan. “Not found”: no Council approval among the releases "
            f"found; “not read”: approved, but the amount was not in the text read. The **national escape "
            f"clause** allows {md_escape(ESCAPE_CLAUSE_TERMS)}; “not activated”: not among the Council’s "
            f"activations found.\n\n" + table + "\n" + sources_list() + "\n")


def sources_list() -> str:
    """The releases behind the EU tables, dated, with where each was read."""
    items = []
    for source in sorted(sources().values(), key=lambda s: s.date):
        links = ", ".join(f"<{url}>" for url in source.read_at)
        items.append(f"- {md_escape(source.publisher)}, {long_date(source.date)}: {md_escape(source.title)}. "
                     f"Text read at {links}.")
    return "Sources (the releases' text as reproduced at the addresses given):\n\n" + "\n".join(items) + "\n"
