"""The compare page (compare.html, data/compare.json): its figures on the fixture project, worked out by hand from
tests/fixture_files.py, and the page in headless Chromium on the real build (the hash as input, keyboard, widths)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from browser_check import CHROMIUM_ARGS, chromium_path
from bs4 import BeautifulSoup
from conftest import copy_project

from defence_briefs.briefs.text import fmt, metric_format
from defence_briefs.cli import main
from defence_briefs.ingest import PARSERS
from defence_briefs.manifest import load_manifest
from defence_briefs.metrics.stage import metrics_dir
from defence_briefs.project import Project
from defence_briefs.publish.stage import SiteOptions, build_briefs
from defence_briefs.render.site import COMPARE_DATA_ID, _script_json

FIXTURE_RELEASE = "test"
REAL_RELEASE = "2026"
DEFAULT = ["POL", "DEU", "FRA", "GBR"]
MALICIOUS_HASH = "#POL,<img src=x onerror=alert(1)>,<script>alert(1)</script>"


def _fixture_site(published_fixture_project: tuple[Path, Path]) -> Path:
    return published_fixture_project[0] / "reports" / FIXTURE_RELEASE


def _compare_json(site: Path) -> dict:
    return json.loads((site / "data" / "compare.json").read_text(encoding="utf-8"))


def _country(payload: dict, code: str) -> dict:
    return next(country for country in payload["countries"] if country["iso3"] == code)


def test_poland_key_figures_as_its_brief_shows_them(published_fixture_project: tuple[Path, Path]) -> None:
    """Fixture SIPRI milex 2024: $38,000.7 m, 4.15% of GDP, $981.6 a person; NATO 2024: 4.12%, estimated
    ('Poland*'); the register: Poland's Patriot order (US, 2018) is still undelivered in part, the K2 orders too."""
    poland = _country(_compare_json(_fixture_site(published_fixture_project)), "POL")
    figures = {figure["metric"]: figure for figure in poland["key_figures"]}
    assert list(figures) == ["us_share_of_arms_imports", "european_share_of_arms_imports", "pending_orders_tiv",
                             "milex_current_usd", "milex_share_of_gdp", "milex_per_capita_usd", "nato_share_of_gdp"]
    assert (figures["milex_current_usd"]["text"], figures["milex_current_usd"]["period"]) == ("$38.0 bn", "2024")
    assert figures["milex_share_of_gdp"]["text"] == "4.2%"
    assert figures["milex_per_capita_usd"]["text"] == "$982"
    nato = figures["nato_share_of_gdp"]
    assert (nato["text"], nato["period_label"], nato["estimate"]) == ("4.12%", "2024", True)
    assert figures["us_share_of_arms_imports"]["period_label"] == "2020–24"
    assert figures["milex_current_usd"]["source"].startswith("SIPRI Military Expenditure Database")
    assert figures["us_share_of_arms_imports"]["source"].startswith("SIPRI Arms Transfers Database")


def test_every_key_figure_is_the_metrics_csv_row_formatted(published_fixture_project: tuple[Path, Path]) -> None:
    site = _fixture_site(published_fixture_project)
    metrics = pd.read_csv(site / "data" / "metrics.csv", dtype={"period": str})
    values = {(r.country, r.metric, r.period): r.value for r in metrics.itertuples()}
    checked = 0
    for country in _compare_json(site)["countries"]:
        for figure in country["key_figures"]:
            if figure["value"] is None:
                assert figure["text"] in ("no data", "not a NATO ally") and figure["period"] is None
                continue
            value = values[(country["iso3"], figure["metric"], figure["period"])]
            assert figure["text"] == fmt(value, metric_format(figure["metric"]))
            checked += 1
    assert checked > 20


def test_orders_by_bloc_and_spending_series(published_fixture_project: tuple[Path, Path]) -> None:
    """Poland's orders: the Patriot (US, ordered 2018, TIV 600 for the whole order) before 2022; the first K2
    batch (South Korea, 2022, TIV 1,080) since (the second is of 2025, after the fixture's last year, 2024)."""
    poland = _country(_compare_json(_fixture_site(published_fixture_project)), "POL")
    before, since = poland["orders_by_bloc"]
    assert (before["period_label"], before["text"], before["us_share"]["text"]) == ("2016–21", "600", "100%")
    assert {bloc: part["value"] for bloc, part in before["blocs"].items()} == {"us": 600, "europe": 0, "others": 0}
    assert (since["period_label"], since["text"], since["us_share"]["text"]) == ("2022–24", "1,080", "0%")
    assert since["blocs"]["others"] == {"value": 1080, "text": "1,080"}
    spending = [(point["period"], point["text"]) for point in poland["spending_share_of_gdp"]]
    assert spending == [("2022", "2.4%"), ("2023", "3.3%"), ("2024", "4.2%")]
    windows = [point["period"] for point in poland["us_share_by_window"]]
    assert windows == sorted(windows) and windows[-1] == "2020-2024"


def test_countries_links_and_defaults(published_fixture_project: tuple[Path, Path]) -> None:
    """Every European country with figures is offered, by name; only the briefs built (Poland, Germany) are
    linked; a non-member has no NATO figure, said in words."""
    payload = _compare_json(_fixture_site(published_fixture_project))
    names = [country["name"] for country in payload["countries"]]
    assert names == sorted(names) and "United Kingdom" in names and "Türkiye" in names
    assert {c["iso3"]: c["brief"] for c in payload["countries"] if c["brief"]} == {
        "POL": "countries/POL.html", "DEU": "countries/DEU.html"}
    assert payload["default_selection"] == DEFAULT and payload["max_selected"] == 4
    austria = {f["metric"]: f for f in _country(payload, "AUT")["key_figures"]}
    assert austria["nato_share_of_gdp"]["text"] == "not a NATO ally"


def test_the_page_carries_the_published_json_and_every_page_links_it(
        published_fixture_project: tuple[Path, Path]) -> None:
    site = _fixture_site(published_fixture_project)
    soup = BeautifulSoup((site / "compare.html").read_text(encoding="utf-8"), "html.parser")
    inline = soup.find("script", id=COMPARE_DATA_ID)
    assert inline["type"] == "application/json"
    assert json.loads(inline.string) == _compare_json(site)
    assert [s["src"] for s in soup.find_all("script", src=True)][-1] == "assets/compare.js"
    assert (site / "assets" / "compare.js").is_file()
    assert [label.get_text() for label in soup.select(".compare-pickers label")] == [
        "Country 1", "Country 2", "Country 3", "Country 4"]
    for page in ("index.html", "countries/POL.html", "methodology.html", "compare.html"):
        links = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser").select("nav a")
        assert any(a["href"].endswith("compare.html") and a.get_text() == "Compare" for a in links), page


def test_inline_json_cannot_end_its_script_element() -> None:
    payload = {"name": "</script><img src=x onerror=alert(1)> & <!--"}
    text = _script_json(payload)
    assert not re.search(r"[<>&]", text) and json.loads(text) == payload


def test_an_unchanged_build_keeps_the_page_and_a_new_brief_is_linked(
        published_fixture_project: tuple[Path, Path], tmp_path: Path) -> None:
    root = copy_project(published_fixture_project[0], tmp_path / "project")
    mirror = published_fixture_project[1]
    site = root / "reports" / FIXTURE_RELEASE
    before = (site / "compare.html").stat().st_ino
    # another choice of briefs, all built: the site is staged again (hard links), the compare page's key is the same
    assert main(["--mirror", str(mirror), "--country", "POL"], root=root) == 0
    assert (site / "compare.html").stat().st_ino == before
    state = json.loads((site / ".build-state.json").read_text(encoding="utf-8"))
    assert {"compare.html", "data/compare.json"} <= set(state["files"]) and state["compare"]
    assert main(["--mirror", str(mirror), "--country", "FRA", "--format", "html"], root=root) == 0
    assert _country(_compare_json(site), "FRA")["brief"] == "countries/FRA.html"

    # a revised figure (as a new data release brings): the page and its JSON are written again
    project = Project(root)
    path = metrics_dir(project, FIXTURE_RELEASE) / "metrics.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[(frame["country"] == "POL") & (frame["metric"] == "milex_share_of_gdp") & (frame["period"] == "2024"),
              "value"] = "0.0501"
    frame.to_csv(path, index=False, lineterminator="\n")
    manifest = load_manifest(project.manifest_path, set(PARSERS))
    build_briefs(project, manifest, manifest.release(FIXTURE_RELEASE), SiteOptions(["POL"]), lambda _: None)
    poland = {f["metric"]: f for f in _country(_compare_json(site), "POL")["key_figures"]}
    assert poland["milex_share_of_gdp"]["text"] == "5.0%"
    assert "5.0%" in (site / "compare.html").read_text(encoding="utf-8")
    assert (site / "compare.html").stat().st_ino != before


# the real build in headless Chromium ---------------------------------------------------------------------------

def _open(page, url: str) -> None:
    """Open `url` afresh (from a blank page: a goto that changes only the hash would not load the page)."""
    page.goto("about:blank")
    page.goto(url, wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('.compare-chart svg').length === 3", timeout=20000)


def _shown(page) -> dict:
    return page.evaluate("""() => ({
        names: [...document.querySelectorAll('#compare-names li')].map(li => li.textContent.trim()),
        links: [...document.querySelectorAll('#compare-names a')].map(a => a.getAttribute('href')),
        hash: location.hash,
        selects: [...document.querySelectorAll('#compare-pickers select')].map(s => s.value),
        charts: document.querySelectorAll('.compare-chart svg').length,
        images: document.querySelectorAll('main img').length,
        scripts: document.querySelectorAll('script').length,
        keyFigures: [...document.querySelectorAll('#compare-key-figures tbody tr')].map(
            tr => [...tr.children].map(c => c.textContent)),
    })""")


@pytest.mark.realdata
@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
def test_compare_page_in_headless_chromium(briefs_project: Project) -> None:
    from playwright.sync_api import sync_playwright

    site = briefs_project.reports_dir / REAL_RELEASE
    url = (site / "compare.html").resolve().as_uri()
    metrics = pd.read_csv(site / "data" / "metrics.csv", dtype={"period": str})
    log: dict[str, list[str]] = {"errors": [], "requests": [], "dialogs": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

        def route(route, request):
            if request.url.startswith("file://"):
                route.continue_()
            else:
                log["requests"].append(request.url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda message: log["errors"].append(message.text) if message.type in (
            "error", "warning") else None)
        page.on("pageerror", lambda error: log["errors"].append(str(error)))
        page.on("dialog", lambda dialog: (log["dialogs"].append(dialog.message), dialog.dismiss()))

        _open(page, url + "#POL,DEU,FRA,GBR")
        shown = _shown(page)
        assert shown["names"] == ["Poland", "Germany", "France", "United Kingdom"]
        assert shown["links"] == [f"countries/{code}.html" for code in DEFAULT]
        assert shown["charts"] == 3 and shown["selects"] == DEFAULT
        spending = metrics[(metrics["country"] == "POL") & (metrics["metric"] == "milex_share_of_gdp")]
        latest = spending.loc[spending["period"].astype(int).idxmax()]
        share_row = next(row for row in shown["keyFigures"] if row[0] == "Spending, share of GDP (SIPRI)")
        assert share_row[1] == fmt(latest["value"], "pct1") + latest["period"], share_row
        us = metrics[(metrics["country"] == "GBR") & (metrics["metric"] == "us_share_of_arms_imports")
                     & (metrics["period"] == "2021-2025")].iloc[0]
        us_row = next(row for row in shown["keyFigures"] if row[0] == "US share of arms imports")
        assert us_row[4].startswith(fmt(us["value"], "pct")), us_row

        _open(page, url + MALICIOUS_HASH)
        shown = _shown(page)
        assert shown["names"] == ["Poland"] and shown["selects"] == ["POL", "", "", ""], shown
        assert shown["hash"] == "#POL" and shown["images"] == 0
        assert page.locator("main script").count() == 1  # the page's data, and nothing the hash brought

        _open(page, url)
        assert _shown(page)["names"] == ["Poland", "Germany", "France", "United Kingdom"]

        _open(page, url + "#pol,POL,xxx,deu")
        assert _shown(page)["hash"] == "#POL,DEU"
        page.focus("#compare-country-2")
        page.keyboard.press("ArrowDown")  # the next country after Germany, by name
        page.wait_for_function("() => location.hash !== '#POL,DEU'")
        shown = _shown(page)
        assert shown["hash"] == f"#POL,{shown['selects'][1]}" and shown["selects"][1] not in ("", "DEU")
        assert len(shown["names"]) == 2

        # a link to a place of the page (the skip link, a heading's anchor) keeps the countries chosen
        _open(page, url + "#POL,ISL")
        page.keyboard.press("Tab")  # the skip link comes first
        page.keyboard.press("Enter")
        page.wait_for_function("() => location.hash === '#content'")
        page.click("#orders a.anchor")
        page.wait_for_function("() => location.hash === '#orders'")
        page.wait_for_timeout(200)
        assert _shown(page)["selects"] == ["POL", "ISL", "", ""] and len(_shown(page)["names"]) == 2

        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            _open(page, url + "#POL,DEU,FRA,GBR")
            page.wait_for_timeout(300)  # vega's resize listener redraws at the new width
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
        browser.close()
    assert log == {"errors": [], "requests": [], "dialogs": []}
