"""The site as readers use it, on the real build in headless Chromium: no page scrolls sideways on a phone or a
laptop, axe-core finds no WCAG 2.x A/AA violation on any page type, every control is reached by keyboard, each
chart downloads as data (the numbers it draws) and as images with its citation, headings and charts have stable
anchors, every page says how to cite it, and the release history page states the revisions metrics.csv holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
from browser_check import CHROMIUM_ARGS, chromium_path
from bs4 import BeautifulSoup

from defence_briefs.metrics.stage import load_metrics
from defence_briefs.project import Project
from defence_briefs.render.build_date import build_date

pytestmark = [pytest.mark.realdata, pytest.mark.browser,
              pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")]
RELEASE = "2026"
WIDTHS = (390, 1280)  # a phone (iPhone 12-15) and a laptop
# WCAG 2.0, 2.1 and 2.2, levels A and AA: axe-core's tags for them
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _pages(project: Project) -> dict[str, Path]:
    """One page of each type of the site, and the releases index."""
    site = project.reports_dir / RELEASE
    pages = {"overview": site / "index.html", "brief POL": site / "countries" / "POL.html",
             "brief DEU": site / "countries" / "DEU.html", "brief ISL": site / "countries" / "ISL.html",
             "diversification": site / "diversification.html", "methodology": site / "methodology.html",
             "release history": site / "changes.html", "compare": site / "compare.html",
             "all releases": project.reports_dir / "index.html"}
    return {name: path for name, path in pages.items() if name != "compare" or path.is_file()}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _open(browser, path: Path, width: int, fragment: str = ""):
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True,
                                  service_workers="block")
    page = context.new_page()
    page.route("**/*", lambda route, request: route.continue_() if request.url.startswith(("file:", "data:"))
               else route.abort())
    page.goto(path.resolve().as_uri() + fragment, wait_until="load")
    if page.locator(".vega-chart").count():
        page.wait_for_function("() => [...document.querySelectorAll('.vega-chart')].every(e => e.querySelector('svg'))",
                               timeout=20000)
    return context, page


def test_no_page_scrolls_sideways_on_a_phone_or_a_laptop(briefs_project: Project, browser, report_count) -> None:
    """At 390 and 1280 px: the page is no wider than the window, every chart fits its container, and a table
    wider than the window scrolls in its own box, which the keyboard can reach."""
    checked = 0
    for name, path in _pages(briefs_project).items():
        for width in WIDTHS:
            context, page = _open(browser, path, width)
            layout = page.evaluate("""() => ({
              scroll: document.documentElement.scrollWidth, window: innerWidth,
              charts: [...document.querySelectorAll('.vega-chart svg')].map(svg => {
                const box = svg.getBoundingClientRect(), parent = svg.closest('figure').getBoundingClientRect();
                return [Math.round(box.right), Math.round(parent.right)]; }),
              wide: [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().width > innerWidth)
                .map(t => { const box = t.closest('.table-scroll');
                            return box ? box.getAttribute('tabindex') : 'no box'; }),
            })""")
            assert layout["scroll"] <= layout["window"], (name, width, layout["scroll"])
            assert all(right <= parent + 1 for right, parent in layout["charts"]), (name, width, layout["charts"])
            assert all(tabindex == "0" for tabindex in layout["wide"]), (name, width, layout["wide"])
            context.close()
            checked += 1
    report_count(f"{checked} page views at {WIDTHS} px, none scrolls sideways")
    assert checked >= 2 * 8


def test_axe_core_finds_no_wcag_violation_on_any_page_type(briefs_project: Project, browser, report_count) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe, checked, violations, engine = Axe(), 0, [], ""
    for name, path in _pages(briefs_project).items():
        for width in WIDTHS:
            context, page = _open(browser, path, width)
            if page.locator(".chart-downloads").count():
                page.locator(".chart-downloads summary").first.click()  # an open download menu is checked too
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
            engine = f"{result.response['testEngine']['name']} {result.response['testEngine']['version']}"
            violations += [(name, width, v["id"], len(v["nodes"]), v["nodes"][0]["html"][:120])
                           for v in result.response["violations"]]
            context.close()
            checked += 1
    report_count(f"{engine}, {' '.join(WCAG_TAGS)}: {checked} page views ({len(_pages(briefs_project))} page "
          f"types at {WIDTHS} px), {len(violations)} violations")
    assert checked >= 2 * 8
    assert violations == []


HIDDEN_NAMES = """() => [...document.querySelectorAll('figure.chart')].flatMap(figure =>
  [...figure.querySelectorAll('svg g[aria-roledescription="axis"]')]
    .filter(axis => /^Y-axis .*discrete scale with \\d+ value/.test(axis.getAttribute('aria-label') || ''))
    .map(axis => [figure.id, +axis.getAttribute('aria-label').match(/with (\\d+) value/)[1],
                  [...axis.querySelectorAll('.role-axis-label text')]
                    .filter(text => text.getAttribute('opacity') !== '0').length])
    .filter(([, names, shown]) => shown < names))"""


def test_every_chart_names_every_bar_on_a_phone_and_a_laptop(briefs_project: Project, browser) -> None:
    """A bar chart of names (suppliers, weapon categories, countries) shows every name at both widths: Vega hides
    a label that would overlap its neighbour, which a layout too short for its names would make it do."""
    site = briefs_project.reports_dir / RELEASE
    for path in (site / "countries" / "POL.html", site / "countries" / "DEU.html", site / "index.html",
                 site / "diversification.html"):
        for width in WIDTHS:
            context, page = _open(browser, path, width)
            assert page.evaluate(HIDDEN_NAMES) == [], (path.name, width)
            context.close()


def _focusable(page) -> int:
    return page.evaluate("""() => [...document.querySelectorAll(
        'a[href], button, summary, select, input, textarea, [tabindex]:not([tabindex="-1"])')]
        .filter(e => !e.disabled && e.checkVisibility({visibilityProperty: true})).length""")


def test_every_control_is_reached_with_the_keyboard(briefs_project: Project, browser) -> None:
    """Tab goes through every visible link, button, menu and scrolling table of a brief and the overview, in
    order, and back to the start."""
    site = briefs_project.reports_dir / RELEASE
    for path in (site / "countries" / "POL.html", site / "index.html"):
        context, page = _open(browser, path, 1280)
        expected, seen = _focusable(page), []
        for _ in range(expected + 5):
            page.keyboard.press("Tab")
            key = page.evaluate("() => { const e = document.activeElement; if (e === document.body) return null; "
                                "if (!e.dataset.tabbed) e.dataset.tabbed = String(Math.random()); "
                                "return e.dataset.tabbed; }")
            if key is None or key in seen:
                break
            seen.append(key)
        assert len(seen) == expected, (path.name, len(seen), expected)
        context.close()


def _csv_rows(page, figure: str) -> list[dict]:
    href = page.locator(f"#{figure} .chart-downloads a", has_text="Data (CSV)").get_attribute("href")
    target = Path(page.url.split("#")[0].removeprefix("file://")).parent / href
    return list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))


def test_a_charts_csv_holds_the_numbers_it_draws(briefs_project: Project, browser) -> None:
    """Poland's orders chart: each bar drawn (its year, supplier group, status and height, as Vega labels the
    mark for screen readers) is a row of the chart's CSV with the same numbers, and no row is left out."""
    context, page = _open(browser, briefs_project.reports_dir / RELEASE / "countries" / "POL.html", 1280)
    bars = page.evaluate("""() => [...document.querySelectorAll('#fig-orders svg [aria-roledescription="bar"]')]
        .map(e => e.getAttribute('aria-label'))""")
    rows = _csv_rows(page, "fig-orders")
    assert len(bars) == len(rows) > 20
    by_key = {(row["year"], row["bloc"], row["kind"]): float(row["value"]) for row in rows}
    for label in bars:
        fields = dict(part.split(": ", 1) for part in label.split("; "))
        drawn = float(fields["SIPRI TIV, millions"].replace(",", ""))
        assert by_key[(fields["year"], fields["bloc"], fields["kind"])] == pytest.approx(drawn), label
    # every chart of the brief has its data file, whose sidecar has the chart's title and source line
    for figure in page.evaluate("() => [...document.querySelectorAll('figure.chart')].map(f => f.id)"):
        spec = json.loads(page.locator(f"#{figure} script[id^='spec-']").text_content())
        assert _csv_rows(page, figure), figure
        href = page.locator(f"#{figure} .chart-downloads a", has_text="JSON").get_attribute("href")
        sidecar = json.loads((briefs_project.reports_dir / RELEASE / "countries" / href).read_text())
        assert sidecar["dc:title"] == spec["title"]["text"], figure
        assert sidecar["dc:source"].startswith("Source: SIPRI") or "NATO" in sidecar["dc:source"], figure
        assert "Data release 2026" in sidecar["dc:bibliographicCitation"] or "data release 2026" in \
            sidecar["dc:bibliographicCitation"]
    context.close()


def test_a_maps_csv_holds_every_countrys_value_as_metrics_csv_has_it(briefs_project: Project) -> None:
    """The overview's map of the US share of imports: its CSV has one row per European country shaded, each value
    the country's us_share_of_arms_imports of the latest window in metrics.csv."""
    site = briefs_project.reports_dir / RELEASE
    rows = list(csv.DictReader(io.StringIO((site / "data" / "charts" / "overview" / "fig-europe-on-the-map.csv")
                                           .read_text(encoding="utf-8"))))
    metrics = load_metrics(briefs_project, RELEASE)
    window = metrics.loc[metrics["metric"] == "us_share_of_arms_imports", "period"].max()
    shares = metrics[(metrics["metric"] == "us_share_of_arms_imports") & (metrics["period"] == window)] \
        .set_index("country")["value"]
    shaded = {row["iso3"]: row["value"] for row in rows if row["layer"] == "1"}
    assert len(shaded) >= 38
    for code, value in shaded.items():
        if value == "":
            assert pd.isna(shares.get(code)), code
        else:
            assert float(value) == pytest.approx(shares[code], abs=1e-9), code


def test_a_chart_downloads_as_png_and_svg_with_its_citation_by_keyboard(briefs_project: Project, browser) -> None:
    context, page = _open(browser, briefs_project.reports_dir / RELEASE / "countries" / "POL.html", 390)
    citation = page.locator("#cite-text").text_content().strip()
    page.locator("#fig-orders .chart-downloads summary").focus()
    page.keyboard.press("Enter")  # opens the menu
    files = {}
    for kind in ("png", "svg"):
        button = page.locator(f"#fig-orders button[data-download='{kind}']")
        button.focus()
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        files[kind] = (download.value.suggested_filename, Path(download.value.path()).read_bytes())
    assert files["png"][0] == "POL-fig-orders.png" and files["png"][1][:8] == b"\x89PNG\r\n\x1a\n"
    assert files["svg"][0] == "POL-fig-orders.svg"
    svg = files["svg"][1].decode("utf-8")
    texts = " ".join(re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>.*?</text>", svg, flags=re.S))
    assert "48% of Poland" in texts or "Poland’s new arms orders" in texts  # the title, as drawn
    assert "Source: SIPRI Arms Transfers Database" in texts
    assert " ".join(citation.split()) in " ".join(texts.replace("Cite: ", "").split())
    context.close()


def test_headings_and_charts_have_stable_anchors(briefs_project: Project, browser) -> None:
    site = briefs_project.reports_dir / RELEASE
    soup = BeautifulSoup((site / "countries" / "POL.html").read_text(encoding="utf-8"), "html.parser")
    for section in soup.select("main section[id]"):
        heading = section.find(["h2", "h3", "h4"], recursive=False)
        assert heading.select_one("a.anchor")["href"] == f"#{section['id']}", heading
    figures = [f["id"] for f in soup.select("figure.chart")]
    assert len(figures) == len(set(figures)) >= 8 and all(re.fullmatch(r"fig-[a-z0-9-]+", f) for f in figures)
    assert {"orders", "spending", "key-findings"} <= {s["id"] for s in soup.select("main section[id]")}
    # the same ids in another country's brief: a link to "#orders" works for every country
    other = BeautifulSoup((site / "countries" / "DEU.html").read_text(encoding="utf-8"), "html.parser")
    assert other.select_one("section#orders") is not None and other.select_one("figure#fig-orders") is not None
    context, page = _open(browser, site / "countries" / "POL.html", 1280, "#orders")
    assert abs(page.evaluate("() => document.getElementById('orders').getBoundingClientRect().top")) < 5
    context.close()


def test_every_page_says_how_to_cite_it(briefs_project: Project) -> None:
    site = briefs_project.reports_dir / RELEASE
    for name, path in _pages(briefs_project).items():
        if name == "all releases":
            continue
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        # the build date the page states in its footer (the test may run on a later day than the build)
        built = re.search(r"built on (\d{1,2} [A-Z][a-z]+ \d{4})", soup.select_one(".site-footer").get_text())[1]
        assert dt.datetime.strptime(built, "%d %B %Y").date() <= build_date()
        text = soup.select_one("#cite-text").get_text()
        bibtex = soup.select_one("#cite-bibtex").get_text()
        assert "data release 2026" in text and built in text and f"defence-briefs {version('defence-briefs')}" in text
        assert bibtex.startswith("@misc{defence-briefs-2026-") and bibtex.rstrip().endswith("}")
        assert str(path.relative_to(site)) in text, name


def _period(shown: str) -> str:
    """'2014–18' -> '2014-2018'; '2023' -> '2023'."""
    if "–" not in shown:
        return shown
    start, end = shown.split("–")
    return f"{start}-{start[:4 - len(end)]}{end}"


def test_the_release_history_states_the_revisions_metrics_csv_holds(briefs_project: Project) -> None:
    """Every revision the page lists for Poland and Germany is the value of each release's metrics.csv, and a
    brief's What changed links its country's part of the page."""
    site = briefs_project.reports_dir / RELEASE
    soup = BeautifulSoup((site / "changes.html").read_text(encoding="utf-8"), "html.parser")
    before, after = (load_metrics(briefs_project, name).set_index(["country", "metric", "period"])["value"]
                     for name in ("2025", RELEASE))
    metric_of = {"US share of arms imports": "us_share_of_arms_imports", "Arms imports, TIV m": "arms_imports_tiv",
                 "Military spending, current US$ m": "milex_current_usd",
                 "Military spending, share of GDP (SIPRI)": "milex_share_of_gdp",
                 "Defence expenditure, share of GDP (NATO)": "nato_share_of_gdp"}
    checked = 0
    for country in ("POL", "DEU"):
        section = soup.select_one(f"section#{country.lower()}")
        assert section is not None, country
        for item in section.select(":scope > ul > li"):
            label = item.find(string=True, recursive=False).split(":")[0].strip()
            for sub in item.select("li"):
                match = re.fullmatch(r"(\S+): ([\d,.]+)(%?) → ([\d,.]+)%? \(.*\)", sub.get_text(" ", strip=True))
                assert match, sub.get_text()
                scale = 100 if match[3] else 1
                key = (country, metric_of[label], _period(match[1]))
                old, new = (float(m.replace(",", "")) / scale for m in (match[2], match[4]))
                assert before[key] == pytest.approx(old, abs=0.051 / scale if scale == 100 else 0.51), key
                assert after[key] == pytest.approx(new, abs=0.051 / scale if scale == 100 else 0.51), key
                checked += 1
    assert checked >= 4
    brief = BeautifulSoup((site / "countries" / "POL.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in brief.select("#what-changed-since-the-previous-data-release a")]
    assert "../changes.html#pol" in links
    index = (briefs_project.reports_dir / "index.html").read_text(encoding="utf-8")
    assert f'href="{RELEASE}/changes.html"' in index
