"""The EU's defence money: the reference tables against the Council's and the Commission's own numbers, and the
pages that show them.

Published figures asserted here, with their sources:
- SAFE lends up to €150 billion (Council Regulation (EU) 2025/1106); the Commission's tentative allocation of
  9 September 2025 shares it among 19 member states, reported to at most two decimals of a billion, so the 19
  figures sum to €150 bn within 19 x €0.005 bn plus Poland's €43.7 bn reported to one decimal (€0.05 bn): 0.15.
- The Council approved 16 national plans in two waves of eight (press releases of 11 and 17 February 2026) and
  activated the national escape clause for 15 member states on 8 July 2025 and for Germany on 10 October 2025.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup

from defence_briefs.briefs import eu_money
from defence_briefs.countries import country_table
from defence_briefs.project import Project

MIRROR = os.environ.get("DEFENCE_DATA_MIRROR")


def test_the_safe_allocation_adds_up_to_the_150_billion_of_the_regulation() -> None:
    loans = eu_money.safe_loans()
    assert len(loans) == 19  # "19 member states that requested support" (Commission, 9 September 2025)
    assert sum(loan.allocation_eur_bn for loan in loans.values()) == pytest.approx(150, abs=0.15)
    # the Commission's largest: Poland €43.7 bn, Romania €16.68 bn, France and Hungary €16.21 bn each
    assert [code for code, _ in sorted(loans.items(), key=lambda item: -item[1].allocation_eur_bn)][:4] == [
        "POL", "ROU", "FRA", "HUN"]


def test_sixteen_plans_approved_in_two_waves_of_eight_and_sixteen_escape_clauses() -> None:
    approved = [loan.approved for loan in eu_money.safe_loans().values() if loan.approved]
    assert sorted(set(approved)) == [dt.date(2026, 2, 11), dt.date(2026, 2, 17)]
    assert approved.count(dt.date(2026, 2, 11)) == 8 and approved.count(dt.date(2026, 2, 17)) == 8
    clauses = eu_money.escape_clause()
    assert len(clauses) == 16 and {code for code, (day, _) in clauses.items() if day.month == 10} == {"DEU"}


def test_every_row_is_an_eu_member_with_a_dated_source_read_at_an_address() -> None:
    countries = country_table()
    sources = eu_money.sources()
    members = set(countries.members("EU27", 2026))
    for loan in eu_money.safe_loans().values():
        assert loan.code in members
        assert loan.allocation_source in sources
        assert not loan.approved or (loan.approval_source in sources and loan.approved <= eu_money.CHECKED)
        assert loan.max_loan_eur is None or (loan.max_loan_source in sources and loan.approved)
    for code, (day, source) in eu_money.escape_clause().items():
        assert code in members and source in sources and sources[source].date == day
    for source in sources.values():
        assert source.publisher in ("Council of the EU", "European Commission")
        assert source.read_at and all(url.startswith("https://") for url in source.read_at)


def test_the_maximum_loan_is_printed_beside_an_allocation_only_where_they_differ() -> None:
    # Estonia: allocated €2.66 bn (Commission), maximum loan €2,343,897,000 (Council, 11 February 2026 release)
    estonia = eu_money._safe_sentence(eu_money.safe_loans()["EST"], "Estonia")
    assert "up to €2.34 bn (€2.66 bn in the Commission’s tentative allocation of 9 September 2025)" in estonia
    poland = eu_money._safe_sentence(eu_money.safe_loans()["POL"], "Poland")
    assert "up to €43.7 bn, national plan approved by the Council on 17 February 2026" in poland
    assert eu_money.eur_bn(0.046796822) == "€47 m" and eu_money.eur_bn(1.7) == "€1.7 bn"
    assert "did not request" in eu_money._safe_sentence(None, "Germany")


@pytest.mark.realdata
@pytest.mark.skipif(not MIRROR, reason="DEFENCE_DATA_MIRROR is not set: no real raw files to test against")
def test_member_briefs_and_the_overview_show_the_eu_money(briefs_project: Project) -> None:
    site = briefs_project.root / "reports" / "2026"
    poland = BeautifulSoup((site / "countries" / "POL.html").read_text(encoding="utf-8"), "html.parser")
    text = " ".join(poland.find(id="spending").get_text().split())
    assert "The EU’s defence money (as of 17 February 2026" in text
    assert "SAFE: a loan of up to €43.7 bn" in text and "activated by the Council on 8 July 2025" in text
    norway = (site / "countries" / "NOR.html").read_text(encoding="utf-8")
    assert "The EU’s defence money" not in norway  # not a member state
    overview = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    table_text = " ".join(overview.find(id="the-eus-defence-money").get_text().split())
    assert "Hungary €16.2 bn not found – 8 July 2025" in table_text
    assert "Germany not requested – – 10 October 2025" in table_text
    assert all(url in str(overview) for source in eu_money.sources().values() for url in source.read_at)
    if shutil.which("pdftotext"):
        pdf = subprocess.run(["pdftotext", str(site / "pdf" / "FRA.pdf"), "-"], capture_output=True,
                             text=True, check=True).stdout
        flat = " ".join(pdf.split())
        assert ("EU money (as of 17 February 2026; sources on the web overview): SAFE €16.2 bn allocated, no approval "
                "of the plan found; national escape clause not activated.") in flat
