"""The briefs on real data: papermill runs (edge cases included), every key-finding number traced to
metrics.csv, the PDFs read back, the site opened offline in headless Chromium, and nbmake on both notebooks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from browser_check import chromium_path, open_pages
from bs4 import BeautifulSoup

from defence_briefs.briefs.text import fmt, long_date
from defence_briefs.execute.kernels import NotebookRunError, run_notebook
from defence_briefs.ingest.stage import load_table
from defence_briefs.metrics.stage import load_metrics, metrics_dir
from defence_briefs.project import Project
from defence_briefs.render.policy import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
RELEASE = "2026"
TARGET_WORDS = ("2%", "3.5%", "20%", "2014")  # targets and reference years written in words, not data


def _site(project: Project) -> Path:
    return project.reports_dir / RELEASE


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_site_layout(briefs_project: Project) -> None:
    site = _site(briefs_project)
    for code in ("POL", "ISL", "CHE", "DEU"):
        assert (site / "countries" / f"{code}.html").is_file()
        assert (site / "pdf" / f"{code}.pdf").is_file()
        assert (site / "data" / f"{code}.csv").is_file()
        assert (site / "notebooks" / f"{code}.ipynb").is_file()
    for name in ("index.html", "methodology.html", "data/metrics.csv", "assets/vega-bundle.js", "assets/site.css",
                 "assets/site.js", "assets/fonts/Lato-Regular.ttf"):
        assert (site / name).is_file(), name
    assert "Data release 2026" in (briefs_project.reports_dir / "index.html").read_text()
    per_country = pd.read_csv(site / "data" / "POL.csv")
    assert set(per_country["country"]) == {"POL"} and len(per_country) > 500


def test_every_figure_in_a_brief_equals_metrics_csv(briefs_project: Project) -> None:
    metrics = load_metrics(briefs_project, RELEASE).set_index(["country", "metric", "period"])["value"]
    checked = 0
    for page in sorted((_site(briefs_project) / "countries").glob("*.html")):
        code = page.stem
        soup = _soup(page)
        for span in soup.select("span.fig"):
            key = (span["data-country"], span["data-metric"], span["data-period"])
            assert key[0] == code
            assert fmt(metrics.loc[key], span["data-format"]) == span.get_text(), key
            checked += 1
        findings = soup.find(id="key-findings")
        sentences = findings.find_all("li")
        # imports (3), orders (1), SIPRI spending (1), NATO for allies (up to 4): one fact a sentence
        assert 2 <= len([s for s in sentences if s.find_parent(class_="keyfigures") is None]) <= 9
        # Every number of the findings is a traced figure, a period, or a target named in words.
        for item in sentences:
            for span in item.select("span.fig"):
                span.replace_with(" ")
            text = item.get_text()
            text = re.sub(r"\b(19|20)\d\d(–\d\d)?\b", " ", text)
            text = re.sub(r"one system \([^)]*\)", " ", text)  # a SIPRI designation (2B11 120mm), not a figure
            text = re.sub(r"\(largest: [^)]*\)", " ", text)  # designations again (Type-214 from Germany)
            for word in TARGET_WORDS:
                text = text.replace(word, " ")
            assert not re.search(r"\d", text), (code, text)
    assert checked >= 40 * 10


def test_poland_findings_say_what_the_data_say(briefs_project: Project) -> None:
    soup = _soup(_site(briefs_project) / "countries" / "POL.html")
    text = soup.find(id="key-findings").get_text().replace("\u2019", "'")
    metrics = load_metrics(briefs_project, RELEASE).set_index(["country", "metric", "period"])["value"]
    us = fmt(metrics.loc[("POL", "us_share_of_arms_imports", "2021-2025")], "pct")
    before = fmt(metrics.loc[("POL", "us_share_of_arms_imports", "2016-2020")], "pct")
    assert f"{us} of Poland's arms imports in 2021–25 came from the United States, up from {before}" in text


def test_every_executed_notebook_shows_how_its_headline_figures_are_made(briefs_project: Project) -> None:
    """The executed notebook published with each brief computes the US share by window, the supplier ranking
    and the spending gap in visible pandas cells and checks them against metrics.csv (the notebook asserts
    equality; here: the checks table names the figures the brief shows); none of it reaches the page or PDF."""
    metrics = load_metrics(briefs_project, RELEASE)
    latest = "2021-2025"
    site = _site(briefs_project)
    notebooks = sorted(p for p in (site / "notebooks").glob("*.ipynb") if p.stem != "index")  # index: overview
    assert len(notebooks) == 40
    for path in notebooks:
        code = path.stem
        notebook = nbformat.read(path, as_version=4)
        analysis = [cell for cell in notebook.cells if cell.cell_type == "code"
                    and cell.source.startswith("#| output: false")]
        sources = "\n".join(cell.source for cell in analysis)
        assert 'pd.read_csv(brief.data.folder / "bilateral_tiv.csv")' in sources and "us_share = " in sources
        checks = analysis[-1].outputs[0]["data"]["text/plain"]
        assert "computed here" in checks and "in metrics.csv" in checks, code
        rows = metrics[(metrics["country"] == code) & (metrics["period"] == latest)]
        if (rows["metric"] == "us_share_of_arms_imports").any():
            assert "us_share_of_arms_imports" in checks and latest in checks, code
        page = (site / "countries" / f"{code}.html").read_text(encoding="utf-8")
        assert "computed here" not in page and "by_supplier" not in page, code


def test_every_brief_has_the_diversification_section_and_every_page_links_the_europe_page(
        briefs_project: Project) -> None:
    """Each brief's section id="diversification" holds the chart of weapon categories by supplier bloc (HTML and
    PDF) and its sentences; every page's navigation links diversification.html, which shows Europe with and
    without Ukraine, a map drawn from inline data, the countries, the categories and the choice set."""
    site = _site(briefs_project)
    metrics = load_metrics(briefs_project, RELEASE).set_index(["country", "metric", "period"])["value"]
    for page in sorted((site / "countries").glob("*.html")):
        soup = _soup(page)
        section = soup.find(id="diversification")
        assert section is not None, page.name
        assert "What it would take to buy less from the US" in section.find(["h2", "h1"]).get_text()
        code = page.stem
        if metrics.get((code, "arms_imports_tiv", "2021-2025"), 0) > 0:
            assert section.select("figure.chart"), page.name  # the categories by supplier bloc
        nav = [a["href"] for a in soup.select("nav a")]
        assert "../diversification.html" in nav, (page.name, nav)
    europe = _soup(site / "diversification.html")
    text = " ".join(europe.get_text().split())
    assert "Europe without Ukraine" in text and "options, role by role" in text
    table = europe.find("table")
    assert [th.get_text() for th in table.find_all("th")][1:4] == ["Europe", "Europe without Ukraine", "EU27"]
    spans = europe.select("span.fig")
    assert len(spans) > 100
    for span in spans:  # every figure of the page is a row of metrics.csv
        key = (span["data-country"], span["data-metric"], span["data-period"])
        assert fmt(metrics.loc[key], span["data-format"]) == span.get_text(), key
    spec = json.loads(europe.find("script", type="application/json").get_text())
    assert "url" not in json.dumps(spec)  # the map's boundaries are inline: nothing to fetch
    assert "diversification.html" in [a["href"] for a in _soup(site / "index.html").select("nav a")]


def test_edge_cases_are_said_in_words(briefs_project: Project) -> None:
    iceland = _soup(_site(briefs_project) / "countries" / "ISL.html").get_text().replace("\u2019", "'")
    assert "SIPRI recorded no deliveries of major arms to Iceland in 2021–25" in iceland
    assert "Iceland has no armed forces of its own" in iceland
    assert "Traceback" not in iceland
    swiss = _soup(_site(briefs_project) / "countries" / "CHE.html").get_text().replace("\u2019", "'")
    assert "Switzerland is not a NATO member" in swiss
    assert "By NATO's definition" not in swiss


def test_a_country_without_spending_data(briefs_project: Project, tmp_path: Path) -> None:
    """A project whose metrics hold no spending rows for Kosovo: the notebook still runs and says so."""
    root = tmp_path / "project"
    shutil.copytree(briefs_project.root / "notebooks", root / "notebooks")
    (root / "data").mkdir()
    shutil.copy(briefs_project.manifest_path, root / "data" / "sources.toml")
    data = metrics_dir(Project(root), RELEASE)
    shutil.copytree(metrics_dir(briefs_project, RELEASE), data)
    metrics = pd.read_csv(data / "metrics.csv", dtype=str)
    spending = metrics["metric"].str.contains("milex|gdp|nato|gap_to", regex=True)
    metrics[~((metrics["country"] == "XKX") & spending)].to_csv(data / "metrics.csv", index=False)
    returned = run_notebook(root / "notebooks" / "country_brief.ipynb", tmp_path / "XKX.ipynb",
                            {"country": "XKX", "release": RELEASE, "root": str(root)})
    notebook = nbformat.read(tmp_path / "XKX.ipynb", as_version=4)
    assert returned == notebook  # the notebook returned is the one written
    text = "\n".join(str(o.get("data", {}).get("text/markdown", "")) for c in notebook.cells
                     for o in c.get("outputs", []))
    assert "SIPRI publishes no military expenditure figures for Kosovo" in text
    assert not [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]


def test_a_bad_country_parameter_fails_with_the_list_of_codes(briefs_project: Project, tmp_path: Path) -> None:
    with pytest.raises(NotebookRunError, match=r"unknown country '\.\./\.\./etc'.*POL"):
        run_notebook(briefs_project.root / "notebooks" / "country_brief.ipynb", tmp_path / "bad.ipynb",
                     {"country": "../../etc", "release": RELEASE, "root": str(briefs_project.root)})


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_a_brief_page_and_its_typst_source_are_what_the_command_line_gives(briefs_project: Project,
                                                                          tmp_path: Path) -> None:
    """Poland's web page, converted after Germany's so that the choice-set tables the two share come from the
    conversion of Germany's (the build converts each such table once), and its PDF brief's typst source are what
    `pandoc` gives for them from the command line, with the templates, their variables and options and the pages'
    metadata files."""
    from defence_briefs.briefs.context import load_release
    from defence_briefs.render import pandoc, site
    from defence_briefs.render.site_config import load_site_config

    root = briefs_project.root
    config, data = load_site_config(root), load_release(str(root), RELEASE)
    notebooks = _site(briefs_project) / "notebooks"
    pages = {country: site.country_page(config, data, nbformat.read(notebooks / f"{country}.ipynb", as_version=4),
                                        country) for country in ("DEU", "POL")}
    pandoc._forget_tables()
    pandoc.convert(pages["DEU"])
    job, pending = pandoc._job_page(pages["POL"])
    shared = sum("html" in table for table in job["tables"])
    assert shared >= 5 and pending, (shared, len(pending))  # tables from Germany's page, and tables of its own
    page = pages["POL"]
    (tmp_path / "meta.json").write_text(json.dumps(page.metadata))
    options = ["--section-divs", "--toc", f"--toc-depth={page.options['toc_depth']}"] if page.options.get(
        "table_of_contents") else ["--section-divs"]
    command = [pandoc._pandoc_binary(), f"--from={pandoc.READER}", "--to=html5", "--wrap=none", "--template",
               str(page.template), "--metadata-file", str(tmp_path / "meta.json"), *options,
               *(f"--variable={key}={value}" for key, value in page.variables.items())]
    expected = subprocess.run(command, input=page.markdown.encode(), capture_output=True, check=True).stdout.decode()
    before = pandoc.STATS.copy()
    assert pandoc.convert(page) == [expected]

    typst = site.country_typst(config, data, nbformat.read(notebooks / "POL.ipynb", as_version=4), "POL",
                               tmp_path / "figures")
    (tmp_path / "meta.json").write_text(json.dumps(typst.metadata))
    command = [pandoc._pandoc_binary(), f"--from={pandoc.READER}", "--to=typst", "--wrap=none", "--template",
               str(typst.template), "--metadata-file", str(tmp_path / "meta.json"),
               *(f"--variable={key}={value}" for key, value in typst.variables.items())]
    expected = subprocess.run(command, input=typst.markdown.encode(), capture_output=True, check=True).stdout.decode()
    assert pandoc.convert(typst) == [expected]
    # the web page's tables set in as converted, neither page read whole again
    assert pandoc.STATS - before == {"pages": 2, "tables_converted": len(pending), "tables_reused": shared}


def test_pdf_briefs_read_back(briefs_project: Project) -> None:
    metrics = load_metrics(briefs_project, RELEASE).set_index(["country", "metric", "period"])["value"]
    for code, name in (("POL", "Poland"), ("DEU", "Germany"), ("ISL", "Iceland"), ("CHE", "Switzerland")):
        pdf = _site(briefs_project) / "pdf" / f"{code}.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert 1 <= pages <= 4, (code, pages)
        assert pages >= 2 or code == "ISL", (code, pages)  # Iceland, with no imports and no forces, may fit one
        assert "595.276 x 841.89" in info  # A4
        text = _pdf_text(pdf)
        assert name in text and "Page 1 of" in text and "Sources: SIPRI" in text
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Lato-Regular" in fonts and "Lato-Bold" in fonts
        out = ARTIFACTS / "pdf" / code
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.png"):  # an earlier run's pages
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / code)], check=True,
                       capture_output=True)
        assert len(list(out.glob("*.png"))) == pages
    text = _pdf_text(_site(briefs_project) / "pdf" / "POL.pdf")
    for metric, period, kind in (("us_share_of_arms_imports", "2021-2025", "pct"),
                                 ("milex_current_usd", "2025", "usd_m"), ("nato_share_of_gdp", "2024", "pct2")):
        assert fmt(metrics.loc[("POL", metric, period)], kind) in text, metric


def test_every_published_chart_spec_is_valid_vega_lite(briefs_project: Project) -> None:
    """The build's kernels skip Altair's schema validation (a third of a brief's time), so every chart spec the
    site publishes is validated here, against the Vega-Lite schema Altair ships, and so is a broken one."""
    from altair.vegalite.v6.schema.core import Root
    from jsonschema import ValidationError

    pattern = re.compile(r'<script type="application/json" id="spec-[0-9a-f]+">(.*?)</script>', re.S)
    pages = sorted(_site(briefs_project).glob("**/*.html"))
    specs = {payload: page for page in pages for payload in pattern.findall(page.read_text(encoding="utf-8"))}
    countries = {page.stem for page in pages if page.parent.name == "countries"}
    assert len(countries) == 40 and len(specs) > 5 * len(countries), (len(countries), len(specs))
    parsed = {payload: json.loads(payload.replace("<\\/", "</")) for payload in specs}
    for payload, spec in parsed.items():
        try:
            Root.validate(spec)
        except ValidationError as exc:
            pytest.fail(f"{specs[payload].name}: chart {spec.get('description', '')!r}: {exc.message}")
    broken = next(spec for spec in parsed.values() if "vconcat" in spec)
    broken["vconcat"][0]["mark"] = {"type": "barr"}
    with pytest.raises(ValidationError):
        Root.validate(broken)


def test_html_makes_no_remote_requests_by_construction(briefs_project: Project) -> None:
    for page in _site(briefs_project).rglob("*.html"):
        soup = _soup(page)
        for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for element in soup.find_all(tag):
                value = element.get(attribute) or ""
                assert not re.match(r"(https?:)?//", value), (page, value)
        assert "cdn.jsdelivr" not in page.read_text()
        assert not soup.select("pre code.sourceCode"), page  # code cells hidden


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian's chromium is not installed")
def test_site_in_headless_chromium_offline(briefs_project: Project) -> None:
    """Every page of the site, and the releases index, opened in Chromium: zero network requests, the
    Content-Security-Policy in force (charts drawn without a violation), no console or page error."""
    site = _site(briefs_project)
    pages = [*sorted(p for p in site.rglob("*.html") if p.parent.name != "assets"),
             briefs_project.reports_dir / "index.html"]
    # full-page screenshots to look at cost about 1.3 s a page (a minute of the suite): on request only
    shots = ARTIFACTS / "screens" if os.environ.get("DEFENCE_TEST_SCREENSHOTS") else None
    reports = open_pages(pages, shots)
    assert len(reports) >= 7  # 4 briefs, the overview, the methodology, the releases index
    for report in reports:
        assert report.network_requests == [] and report.blocked_requests == [], report
        assert report.csp == CONTENT_SECURITY_POLICY, report
        assert report.console_errors == [] and report.page_errors == [] and report.dialogs == [], report
        assert report.drawn >= report.charts, report
    by_page = {Path(r.url).name: r for r in reports}
    assert all(by_page[f"{c}.html"].tables >= 1 for c in ("POL", "ISL", "CHE", "DEU"))
    assert by_page["POL.html"].charts >= 8
    assert max(r.charts for r in reports if r.url.endswith("/index.html")) >= 2  # the overview


def test_nbmake_runs_both_notebooks_with_default_parameters(briefs_project: Project) -> None:
    env = {**os.environ, "DEFENCE_PROJECT_ROOT": str(briefs_project.root)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "-p", "no:cacheprovider", "-q",
         str(ROOT / "notebooks" / "country_brief.ipynb"), str(ROOT / "notebooks" / "europe_overview.ipynb")],
        capture_output=True, text=True, env=env, cwd=briefs_project.root, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


def test_every_brief_states_its_source_files_with_edition_and_sha256(briefs_project: Project) -> None:
    """The sources list of each brief (HTML and PDF) names every file behind it with the publisher's title and
    edition, its publication date and the sha256 the manifest pins (the PDF names SIPRI's yearly TIV tables by id,
    their sha256 in data/sources.csv); only per-supplier TIV tables without a delivery to the country are left out,
    and the brief says how many."""
    from defence_briefs.briefs.context import cached_release
    from defence_briefs.briefs.sections import BY_ID_IN_PDF
    from defence_briefs.ingest import PARSERS
    from defence_briefs.manifest import load_manifest

    manifest = load_manifest(briefs_project.manifest_path, set(PARSERS))
    data = cached_release(briefs_project, manifest.release(RELEASE), manifest)
    always = [f for f in data.release.files if f.role != "bilateral_tiv"]
    for code in ("POL", "ISL", "CHE", "DEU"):
        soup = _soup(_site(briefs_project) / "countries" / f"{code}.html")
        items = [" ".join(li.get_text().split()) for li in soup.select("li")]
        files = data.source_files(code)
        # NATO publishes figures for its members alone (for Iceland, which has no armed forces, its GDP only)
        expected = [f for f in always if f.role != "nato" or code != "CHE"]
        assert set(expected) <= set(files) and (code != "CHE" or "nato" not in {f.role for f in files})
        for f in files:
            # a register's date is that of SIPRI's export ("Data generated"), not of the release's publication
            dated = "exported (SIPRI’s ‘Data generated’)" if f.role.startswith("transfers") else "published"
            assert any(item.startswith(f.citation) and f"{dated} {long_date(f.published)}" in item
                       and f"{f.id} sha256 {f.sha256}" in item for item in items), (code, f.id)
        skipped = sum(f.role == "bilateral_tiv" for f in data.release.files) - sum(
            f.role == "bilateral_tiv" for f in files)
        assert skipped == 0 or f"other {skipped} per-supplier TIV tables" in soup.get_text()
        if shutil.which("pdftotext"):  # the PDF half needs poppler-utils (test_pdf_briefs_read_back says so)
            pdf = _pdf_text(_site(briefs_project) / "pdf" / f"{code}.pdf")
            flat = "".join(pdf.split())
            assert all((f.id if f.role in BY_ID_IN_PDF else f.sha256) in flat for f in expected), code
            stems = [f.id.rsplit("_", 1)[0] + "_<supplier>" for f in files if f.role == "bilateral_tiv"]
            assert all(f.id in flat or (stem in flat and f.id.rsplit("_", 1)[1] in flat)
                       for f, stem in zip([f for f in files if f.role == "bilateral_tiv"], stems, strict=True)), code
            assert all(f.id in flat for f in files if f.role != "bilateral_tiv"), code
            footer = " ".join(pdf.split())
            assert ("Sources: SIPRI Arms Transfers and Military Expenditure Databases, NATO, World Bank" in footer) == (
                code != "CHE"), code


def test_every_brief_has_the_orders_section_and_the_europe_page_its_map(briefs_project: Project) -> None:
    """Each brief's section id="orders" charts the orders placed per year (where the country ordered since 2010),
    says where its orders since 2022 went with the figures of metrics.csv, and lists its largest orders; Poland's
    names South Korea and its 640 K-2 as a selection, not an order. The Europe page shows Europe's orders by year,
    the countries that moved, and a map of the US share of orders since 2022."""
    site = _site(briefs_project)
    metrics = load_metrics(briefs_project, RELEASE).set_index(["country", "metric", "period"])["value"]
    for page in sorted((site / "countries").glob("*.html")):
        code = page.stem
        section = _soup(page).find(id="orders")
        assert section is not None and "Orders placed" in section.find(["h2", "h1"]).get_text(), code
        ordered = sum(metrics.get((code, "arms_orders_tiv", str(y)), 0) for y in range(2010, 2026))
        assert bool(section.select("figure.chart")) == (ordered > 0), code
        text = " ".join(section.get_text().split())
        if metrics.get((code, "arms_orders_tiv", "2022-2025"), 0) > 0:
            us = fmt(metrics[(code, "us_share_of_arms_orders", "2022-2025")], "pct")
            assert f"{us} of its new arms orders, by volume, with the United States" in text \
                or f"and {us} with the United States" in text, code
            assert "Orders of 2025 are incomplete" in text, code
    poland = " ".join(_soup(site / "countries" / "POL.html").find(id="orders").get_text().split())
    assert "with South Korea" in poland and "640 K-2 Black Panther from South Korea" in poland
    assert "Selected, not yet ordered" in poland  # the table's status of the K-2 selection
    europe = _soup(site / "diversification.html").find(id="orders")
    assert europe is not None
    text = " ".join(europe.get_text().split())
    assert "Away from US suppliers" in text and "Toward US suppliers" in text and "Without Ukraine" in text
    assert len(europe.select("figure.chart")) == 2  # Europe's orders per year, and the map


def test_nato_gaps_are_shown_for_the_years_a_country_was_an_ally(briefs_project: Project) -> None:
    """NATO's guideline and targets bind allies: NATO's June 2024 tables note that Finland "became an Ally on 4 April
    2023" and Sweden "on 7 March 2024", and print both countries' shares from 2014 (TABLE3: Sweden 1.09% in 2020,
    2.14% in 2024e; Finland 1.53% in 2020, 2.09% in 2023e). The spending table keeps those shares and shows no gap
    for a year before membership, on the web and in the PDF."""
    for country, ally_from, share_2020 in (("SWE", 2024, "1.09%"), ("FIN", 2023, "1.53%")):
        table = next(t for t in _soup(_site(briefs_project) / "countries" / f"{country}.html").find_all("table")
                     if "Short of NATO’s 2% guideline (NATO figures)" in t.get_text())
        years = [th.get_text(strip=True) for th in table.find_all("th")][1:]
        rows = {cells[0]: dict(zip(years, cells[1:], strict=True))
                for tr in table.find_all("tr") if (cells := [td.get_text(strip=True) for td in tr.find_all("td")])}
        assert rows["Defence expenditure, share of GDP (NATO)"]["2020"] == share_2020
        for label in ("Short of NATO’s 2% guideline (NATO figures)", "Short of 3.5% of GDP (NATO defence expenditure)"):
            assert [y for y, cell in rows[label].items() if cell == "not an ally"] == \
                [y for y in years if int(y) < ally_from], (country, label, rows[label])
        assert rows["Short of NATO’s 2% guideline (NATO figures)"][str(ally_from)] == "met*", country
        pdf = subprocess.run(["pdftotext", "-layout", str(_site(briefs_project) / "pdf" / f"{country}.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
        line = next(line for line in pdf.splitlines() if "Short of NATO’s 2% guideline" in line)
        assert line.split().count("ally") == ally_from - 2020, line


def test_a_share_that_is_not_all_does_not_read_100_percent(briefs_project: Project) -> None:
    """Sweden's air-defence imports of 2021-25 (2026 register): the US delivered Patriot Configuration-3 (220 TIV m),
    PAC-3 MSE (300) and PAC-2 (94, delivered in 2021-25); Poland delivered 10 Piorun-NG in 2025 (1 TIV m). The US
    share is 614 / 615 = 99.8%, which the page says, not "100%"."""
    text = " ".join(_soup(_site(briefs_project) / "countries" / "SWE.html").get_text(" ").split())
    assert "The United States supplied 99.8% of Sweden’s air-defence imports in 2021–25" in text
    assert "100% of Sweden’s air-defence" not in text


def test_the_spending_chart_reads_nato_targets_on_natos_own_figure(briefs_project: Project) -> None:
    """SIPRI and NATO define defence spending differently, and NATO's guideline is set on NATO's figure: Türkiye's
    SIPRI share for 2025 is 1.908% (SIPRI Military Expenditure Database, April 2026, 'Share of GDP'), NATO's for 2024
    2.089% (June 2024 tables, TABLE3, '2024e'). The chart's title gives both, and the verdict on NATO's figure, not
    'below NATO's 2% guideline' on SIPRI's."""
    titles = []
    for script in _soup(_site(briefs_project) / "countries" / "TUR.html").select('script[id^="spec-"]'):
        text = json.loads(script.string).get("title", {}).get("text", "")
        titles.append(" ".join(text) if isinstance(text, list) else text)
    assert "Türkiye spent 1.9% of GDP on its military in 2025 (SIPRI); NATO’s 2024 estimate: 2.09%, between 2% and " \
           "3.5%" in titles, [t for t in titles if "GDP" in t]


def test_two_suppliers_too_close_to_rank_are_named_together(briefs_project: Project) -> None:
    """Where the two largest suppliers' estimated shares are closer than five points (the error of the split of deals
    over years, methodology.md), the finding names both as the largest, never one 'largest ... too close to call';
    otherwise it names one. Poland (South Korea and the US), Türkiye (Germany and Spain) and France (the UK and
    Italy) are such pairs in the 2026 release."""
    metrics = load_metrics(briefs_project, RELEASE)
    shares = metrics[metrics["metric"].str.startswith("supplier_share_") & (metrics["period"] == "2021-2025")
                     & (metrics["metric"] != "supplier_share_UNK_SUPPLIER") & (metrics["value"] > 0)]
    close = set()
    for code, rows in shares.groupby("country"):
        top = rows.sort_values("value", ascending=False).head(2)
        if len(top) == 2 and top["value"].iloc[0] - top["value"].iloc[1] < 0.05 and top["estimate"].any():
            close.add(code)
    assert {"POL", "TUR", "FRA"} <= close
    for page in sorted((_site(briefs_project) / "countries").glob("*.html")):
        text = " ".join(_soup(page).find(id="key-findings").get_text(" ").split())
        if page.stem in close:
            assert re.search(r" and .{3,40} were .{3,40} largest arms suppliers in 2021–25, too close to rank", text), \
                (page.stem, text)
        assert "too close to call" not in text
    poland = " ".join(_soup(_site(briefs_project) / "countries" / "POL.html").get_text(" ").split())
    assert "South Korea and the United States were Poland’s largest arms suppliers in 2021–25" in poland


def test_a_rank_move_names_the_revision_of_the_earlier_figure(briefs_project: Project) -> None:
    """SIPRI's 2025 release gave Türkiye's military spending as 1.92% of GDP for 2024 (SIPRI-Milex-data-1949-2024,
    'Share of GDP': 0.019226); its 2026 release revises 2024 to 1.84% (0.018403) and gives 1.91% for 2025 (0.019083).
    The rank note says so, so that a reader does not take a rise on the revised figures for a fall."""
    text = " ".join(_soup(_site(briefs_project) / "countries" / "TUR.html").get_text(" ").split())
    assert ("the figure went from 1.92% (2024, as release 2025 gave it; release 2026 revises it to 1.84%) to 1.91% "
            "(2025)") in text


def test_imports_built_in_the_buying_country_are_said(briefs_project: Project) -> None:
    """SIPRI counts production under licence in the buyer's country as an import. Its 2026 register says of
    Türkiye's largest deliveries of 2021-25: Type-214 from Germany, 550 TIV m delivered 2024-25, "produced under
    licence in Turkiye"; BPE from Spain, 479.5 in 2023, "produced under licence in Turkey"; S-70 Black Hawk from the
    US, 217.5 in 2022-25, and T-129B ATAK from Italy, "produced under licence in Turkiye"; ATR-72MP from Italy,
    "assembled in Turkiye". Splitting each deal's delivered TIV evenly over its listed delivery years, those rows are
    85% of Türkiye's 2021-25 register deliveries (within 3 points of the page's figure, whose split of deals over
    years follows SIPRI's yearly tables where it has them); the key finding says so and names the two largest."""
    transfers = load_table(briefs_project, RELEASE, "transfers")
    turkey = transfers[transfers["recipient"] == "TUR"]
    built = total = 0.0
    for row in turkey.itertuples():
        years = list(row.delivery_years)
        if not years or not row.tiv_delivered:
            continue
        part = float(row.tiv_delivered) * sum(2021 <= int(y) <= 2025 for y in years) / len(years)
        total += part
        if re.search(r"(?:^|; )(?:produced under licence|assembled(?: from kits)?) in Turk(?:iye|ey)\b",
                     str(row.comments), re.IGNORECASE):
            built += part
    metrics = load_metrics(briefs_project, RELEASE).set_index(["country", "metric", "period"])["value"]
    shown = metrics.loc[("TUR", "built_in_recipient_share_of_arms_imports", "2021-2025")]
    assert shown == pytest.approx(built / total, abs=0.03)
    text = " ".join(_soup(_site(briefs_project) / "countries" / "TUR.html").find(id="key-findings").get_text(
        " ").split()).replace(" %", "%")
    assert (f"{fmt(shown, 'pct')} of Türkiye’s arms imports in 2021–25 were built in Türkiye (largest: Type-214 from "
            "Germany and BPE from Spain)") in text, text


def test_the_orders_key_finding_counts_the_orders_sipri_has_not_valued(briefs_project: Project) -> None:
    """Türkiye's orders of 2022-25 with no TIV in the 2026 register (lines 26298, 26299, 26304, 26307, 26730,
    26867): 20 Eurofighter Typhoon Tranche-4 and Meteor missiles from the United Kingdom (2025); AIM-9X, JDAM,
    GBU-39 SDB and AIM-120D from the United States (2024?). The key finding on the US share of its orders counts
    them beside the share: 6, of which 2 from European suppliers."""
    item = next(li for li in _soup(_site(briefs_project) / "countries" / "TUR.html").find(id="key-findings")
                .find_all("li") if "ordered since 2022" in li.get_text())
    text = " ".join(item.get_text(" ").split()).replace("( ", "(")
    assert "SIPRI gives no total TIV yet to 6 of its orders since 2022 (2 from European suppliers), which the share " \
           "leaves out" in text, text


def test_a_category_the_us_supplied_second_hand_says_so(briefs_project: Project) -> None:
    """Greece's armoured vehicles from the US in 2021-25 are one deal of the 2026 register: 1200 M-1117 Guardian
    ordered 2021, delivered 2021; 2022; 2024, status "Second hand", "Second-hand; aid", 192 TIV m, against 40
    Marder-1A3 from Germany (2022-23, second-hand aid, 27.2): 192 / 219.2 = 88%. The sentence on the categories the
    US supplied says all of the US part was second-hand."""
    text = " ".join(_soup(_site(briefs_project) / "countries" / "GRC.html").get_text(" ").split()).replace(" %", "%")
    assert "The United States supplied 88% of Greece’s armoured-vehicle imports (all of it second-hand) in 2021–25" \
        in text


def test_a_multiple_under_ten_keeps_its_decimal(briefs_project: Project) -> None:
    """SIPRI's constant (2024) US$ for Denmark: 3,944.2 in 2014 and 14,083.0 in 2025 (SIPRI Military Expenditure
    Database, April 2026, v1.2): 3.57 times, which the page says as 'about 3.6 times', not 'about 4 times'."""
    text = " ".join(_soup(_site(briefs_project) / "countries" / "DNK.html").get_text(" ").split())
    assert "about 3.6 times the 2014 level (SIPRI)" in text


def test_the_overview_gives_sipris_own_europe_figure_beside_its_own(briefs_project: Project) -> None:
    """The overview's Europe (40 countries, Türkiye in) is not SIPRI's Europe region (Russia, Belarus and the South
    Caucasus in, Türkiye out): SIPRI's fact sheet of March 2026 gives 48% as the US share of European states' arms
    imports in 2021-25; the page gives that region's figure beside its own, so that neither is quoted as the other
    (tolerance: the whole percent SIPRI prints)."""
    text = " ".join(_soup(_site(briefs_project) / "index.html").get_text(" ").split())
    assert ("For SIPRI’s own Europe region, which also counts Russia, Belarus and the South Caucasus and leaves out "
            "Türkiye, the US share is 48%.") in text
