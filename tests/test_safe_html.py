"""Hostile strings from a source reach the site and the PDF as text: a register whose weapon designation and
description hold a script element, quotes and ampersands is built, read back, and opened in Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import fixture_files as ff
import pytest
from browser_check import chromium_path, open_pages
from bs4 import BeautifulSoup
from conftest import copy_project

from defence_briefs.cli import main
from defence_briefs.render.policy import CONTENT_SECURITY_POLICY

DESIGNATION = 'F-35A <script>alert("pwned")</script> & "Lightning" \'II\' <img src=x onerror=alert(1)> <b>x</b>'


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def hostile_site(published_fixture_project: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project rebuilt with Germany's pending F-35A order renamed to hostile strings."""
    root = copy_project(published_fixture_project[0], tmp_path_factory.mktemp("hostile") / "project")
    records = [r.replace("F-35A,FGA aircraft", f"{_csv_field(DESIGNATION)},FGA aircraft")
               for r in ff.REGISTER_RECORDS]
    assert records != ff.REGISTER_RECORDS
    (root / "mirror" / ff.FIXTURE_FILES["register"][0]).write_bytes(ff.register_bytes(records))
    ff.write_manifest(root, root / "mirror")
    assert main(["--mirror", str(root / "mirror"), "--country", "POL", "--country", "DEU"], root=root) == 0
    return root / "reports" / "test"


def test_source_strings_are_text_in_html(hostile_site: Path) -> None:
    raw = (hostile_site / "countries" / "DEU.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(raw, "html.parser")
    assert "alert(" not in "".join(s.get_text() for s in soup.find_all("script") if s.get("type") != "application/json")
    for script in soup.find_all("script"):
        assert script.get("src") or script.get("type") == "application/json", script
        if script.get("type") == "application/json":
            json.loads(script.get_text())
    assert not soup.find_all("img") and not soup.find("b", string="x")
    cells = [cell.get_text() for cell in soup.find_all("td")]
    assert DESIGNATION in cells, cells
    assert "&lt;script&gt;" in raw and "&amp;" in raw


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_source_strings_are_text_in_the_pdf(hostile_site: Path) -> None:
    text = subprocess.run(["pdftotext", str(hostile_site / "pdf" / "DEU.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert DESIGNATION in " ".join(text.split())  # the table cell wraps the designation over lines


def test_every_page_carries_the_policy(hostile_site: Path) -> None:
    pages = [*sorted(p for p in hostile_site.rglob("*.html") if p.parent.name != "assets"),
             hostile_site.parent / "index.html"]
    assert len(pages) >= 5
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        policy = soup.head.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert policy is not None and policy["content"] == CONTENT_SECURITY_POLICY, page
        assert "http" not in policy["content"]


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
def test_hostile_site_in_chromium(hostile_site: Path) -> None:
    """Every page opened: no script from the source runs (no dialog), zero network requests, no CSP violation."""
    pages = [*sorted(p for p in hostile_site.rglob("*.html") if p.parent.name != "assets"),
             hostile_site.parent / "index.html"]
    for report in open_pages(pages):
        assert report.dialogs == [] and report.network_requests == [], report
        assert report.console_errors == [] and report.page_errors == [], report
        assert report.csp == CONTENT_SECURITY_POLICY and report.drawn >= report.charts, report
