"""The Quarto route on the real data, against the built-in route: `python build.py briefs --renderer quarto` (one
`quarto render` of the project) for Poland, Germany and Iceland in a copy of the project whose briefs the built-in
route built. Every page's text (headings, key figures, findings, table cells, chart titles and specifications) is
the same on both routes; the Quarto pages pass the same browser checks (offline, no request, the site's policy, no
error) and copy-desk checks; its PDFs come from the project's typst template, within four pages, with the same
key figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser_check import chromium_path, open_pages
from bs4 import BeautifulSoup
from conftest import NO_QUARTO, quarto_version
from copy_desk import markup_leaks, style_problems, visible_text
from page_text import page_text

from defence_briefs.cli import main
from defence_briefs.project import Project
from defence_briefs.render.policy import CONTENT_SECURITY_POLICY

RELEASE = "2026"
COUNTRIES = ("POL", "DEU", "ISL")
EUROPE_PAGES = ("index.html", "diversification.html", "methodology.html")
ROOT = Path(__file__).resolve().parents[1]


pytestmark = [pytest.mark.realdata, pytest.mark.skipif(quarto_version() is None, reason=NO_QUARTO)]


@pytest.fixture(scope="module")
def sites(briefs_project: Project, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(built-in site, Quarto site) of the newest release: the Quarto route run in a copy of the built project."""
    root = tmp_path_factory.mktemp("quarto") / "project"
    shutil.copytree(briefs_project.root, root, symlinks=True)
    shutil.copy(ROOT / "build.py", root / "build.py")
    arguments = ["briefs", "--renderer", "quarto"] + [part for c in COUNTRIES for part in ("--country", c)]
    assert main(arguments, root=root) == 0
    return (briefs_project.reports_dir / RELEASE).resolve(), (root / "reports" / RELEASE).resolve()


def _pages() -> list[str]:
    return [*EUROPE_PAGES, *(f"countries/{country}.html" for country in COUNTRIES)]


def test_every_page_reads_the_same_on_both_routes(sites: tuple[Path, Path]) -> None:
    built_in, quarto = sites
    for page in _pages():
        theirs = page_text((quarto / page).read_text(encoding="utf-8"))
        ours = page_text((built_in / page).read_text(encoding="utf-8"))
        assert (theirs["headings"] and theirs["cells"]) or page == "methodology.html", page
        for part in ours:
            assert theirs[part] == ours[part], (page, part)
    pol = page_text((quarto / "countries" / "POL.html").read_text(encoding="utf-8"))
    assert pol["title"] == ["Poland"] and "Key findings" in pol["headings"] and len(pol["charts"]) >= 8


def test_the_quarto_pages_have_the_charts_downloads_and_the_citation(sites: tuple[Path, Path]) -> None:
    """The chart ids, download menus and data files, and the citation block, as on the built-in route."""
    built_in, quarto = sites
    for page in ("index.html", "diversification.html", *(f"countries/{country}.html" for country in COUNTRIES)):
        theirs = BeautifulSoup((quarto / page).read_text(encoding="utf-8"), "html.parser")
        ours = BeautifulSoup((built_in / page).read_text(encoding="utf-8"), "html.parser")
        figures = [figure["id"] for figure in theirs.select("figure.chart")]
        assert figures == [figure["id"] for figure in ours.select("figure.chart")] and figures, page
        for link in theirs.select(".chart-downloads a"):
            target = (quarto / page).parent / link["href"]
            assert target.read_bytes() == ((built_in / page).parent / link["href"]).read_bytes(), (page, link)
        assert theirs.select_one("#cite-text").get_text(" ", strip=True) == \
            ours.select_one("#cite-text").get_text(" ", strip=True), page
        assert theirs.select_one("#cite-bibtex").get_text().strip() == \
            ours.select_one("#cite-bibtex").get_text().strip(), page


def test_the_quarto_pages_pass_the_browser_checks(sites: tuple[Path, Path]) -> None:
    if chromium_path() is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    _, quarto = sites
    # the text column ends before Quarto's margin (table of contents, links) begins: the site's stylesheet styles
    # its own page frame only
    overlap = ("() => { const m = document.querySelector('#quarto-margin-sidebar'); if (!m) return 0;"
               " const right = Math.max(...[...document.querySelectorAll('main p, main .keyfigures')]"
               ".map(e => e.getBoundingClientRect().right)); return right - m.getBoundingClientRect().left; }")
    reports = open_pages([quarto / page for page in _pages()], inspect=lambda page: page.evaluate(overlap))
    assert len(reports) == 6
    assert all(report.inspected <= 0 for report in reports), [(r.url, r.inspected) for r in reports]
    for report in reports:
        assert report.network_requests == [] and report.blocked_requests == [], report
        assert report.csp == CONTENT_SECURITY_POLICY, report
        assert report.console_errors == [] and report.page_errors == [] and report.dialogs == [], report
        assert report.drawn >= report.charts, report
    assert max(r.charts for r in reports if r.url.endswith("POL.html")) >= 8


def test_the_quarto_pages_pass_the_copy_desk(sites: tuple[Path, Path]) -> None:
    _, quarto = sites
    problems = []
    for page in _pages():
        text = visible_text(BeautifulSoup((quarto / page).read_text(encoding="utf-8"), "html.parser"))
        problems += [f"{page}: {p}" for p in markup_leaks(text) + style_problems(text)]
    assert problems == [], "\n".join(problems)


def _pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(text.split())


def _pages_of(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_the_quarto_pdfs_have_the_briefs_template_and_key_figures_within_four_pages(sites: tuple[Path, Path]) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    built_in, quarto = sites
    for country in COUNTRIES:
        ours, theirs = built_in / "pdf" / f"{country}.pdf", quarto / "pdf" / f"{country}.pdf"
        assert _pages_of(theirs) <= 4, country
        text, expected = _pdf_text(theirs), _pdf_text(ours)
        # the template's title block and footer, then the key figures (up to the findings' first bullet)
        assert text.startswith("European defence dependency briefs"), text[:80]
        assert "Page 1 of" in text
        key = expected[expected.index("Key findings"):expected.index("•")]
        assert key in text, (country, key)
        fonts = subprocess.run(["pdffonts", str(theirs)], capture_output=True, text=True, check=True).stdout
        assert "Lato" in fonts and "Libertinus" not in fonts, fonts
