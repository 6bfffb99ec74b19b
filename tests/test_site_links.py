"""Stable links, chart data files and citations of the site's pages, on hand-written pages and specs."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from types import SimpleNamespace

import yaml
from bs4 import BeautifulSoup

from defence_briefs.render.chart_data import chart_csv, chart_files, chart_parts
from defence_briefs.render.page_links import link_page
from defence_briefs.render.site import citation
from defence_briefs.render.site_config import SiteConfig

ROOT = Path(__file__).resolve().parents[1]


def _chart(key: str, spec: dict) -> str:
    payload = json.dumps(spec).replace("</", "<\\/")
    return (f'<figure class="chart">\n<div class="vega-chart" id="chart-{key}" data-spec="spec-{key}"></div>\n'
            f'<script type="application/json" id="spec-{key}">{payload}</script>\n'
            '</figure>')


SPEC = {
    "title": {"text": "Orders went to the US", "subtitle": "Orders per year (SIPRI TIV, millions)"},
    "description": "Bars of orders.",
    "vconcat": [
        {"layer": [{"data": {"name": "bars"}, "mark": "bar"}, {"data": {"name": "target"}, "mark": "rule"}]},
        {"data": {"name": "source"}, "mark": {"type": "text"}},
    ],
    "datasets": {
        "bars": [{"year": 2024, "bloc": "United States", "tiv": 12.5, "estimate": True},
                 {"year": 2025, "bloc": "Others", "tiv": 3, "estimate": False}],
        "target": [{"value": 2}],
        "source": [{"text": "Source: SIPRI Arms Transfers Database (2026 release)."}],
    },
}

PAGE = ("<main>\n" + _chart("aaa", {"title": "Before any section", "vconcat": [{"data": {"name": "d"}}],
                                    "datasets": {"d": [{"x": 1}]}})
        + '\n<section id="orders" class="level2">\n<h2>Where <em>orders</em> go</h2>\n'
        + _chart("bbb", SPEC) + "\n" + _chart("ccc", SPEC)
        + "\n<table><tr><td>1</td></tr></table>\n</section>\n</main>")


def test_headings_get_anchor_links_and_charts_stable_ids_from_their_section() -> None:
    linked, figures = link_page(PAGE, "../data/charts/POL")
    soup = BeautifulSoup(linked, "html.parser")
    anchor = soup.select_one("#orders h2 a.anchor")
    # a short name: a screen reader reads it after the heading's own words
    assert anchor["href"] == "#orders" and anchor["aria-label"] == "Link to this section"
    assert [f.id for f in figures] == ["fig-top", "fig-orders", "fig-orders-2"]
    assert [f["id"] for f in soup.select("figure.chart")] == ["fig-top", "fig-orders", "fig-orders-2"]
    second = soup.select_one("#fig-orders-2")
    assert second.select_one("a.anchor")["href"] == "#fig-orders-2"
    assert second.select_one("a.anchor")["aria-label"] == "Link to this chart: Orders went to the US"
    links = [a["href"] for a in second.select(".chart-downloads a")]
    assert links == ["../data/charts/POL/fig-orders-2.csv", "../data/charts/POL/fig-orders-2.csv-metadata.json"]
    # the image buttons wait for the site's script (they need the drawn chart)
    assert [li.has_attr("hidden") for li in second.select(".chart-downloads li")] == [False, False, True, True]
    assert soup.select_one("div.table-scroll > table") is not None


def test_linking_a_page_twice_changes_nothing_and_quartos_figures_are_linked_too() -> None:
    once, figures = link_page(PAGE, "../data/charts/POL")
    twice, again = link_page(once, "../data/charts/POL")
    assert twice == once and again == figures
    quarto = PAGE.replace('<figure class="chart">', '<figure class="chart figure">')
    linked, figures = link_page(quarto, "x", headings=False)
    soup = BeautifulSoup(linked, "html.parser")
    assert [f["id"] for f in soup.select("figure.chart.figure")] == ["fig-top", "fig-orders", "fig-orders-2"]
    assert not soup.select("a.anchor[href='#orders']")  # Quarto's own anchors on headings


def test_a_table_in_a_charts_data_is_left_alone() -> None:
    spec = {**SPEC, "datasets": {**SPEC["datasets"], "bars": [{"name": "<table>x</table>"}]}}
    page = "<main>" + _chart("ddd", spec).replace("<table>", "\\u003ctable\\u003e") + "</main>"
    raw = "<main>" + _chart("ddd", spec) + "</main>"
    for text in (page, raw):
        linked, figures = link_page(text, "x")
        assert "table-scroll" not in linked and figures[0].spec["datasets"]["bars"] == [{"name": "<table>x</table>"}]


def test_a_page_without_data_files_offers_images_only() -> None:
    linked, _ = link_page(PAGE, None)
    soup = BeautifulSoup(linked, "html.parser")
    assert not soup.select(".chart-downloads a") and len(soup.select(".chart-downloads button")) == 6


def test_a_charts_csv_holds_the_rows_it_draws_and_the_sidecar_its_title_source_and_citation() -> None:
    rows, title, subtitle, source, marks = chart_parts(SPEC)
    assert marks == ["bar", "rule"]
    assert (title, subtitle) == ("Orders went to the US", "Orders per year (SIPRI TIV, millions)")
    assert source == "Source: SIPRI Arms Transfers Database (2026 release)."
    # the bars and the reference line (two layers), not the source line
    assert chart_csv(rows).decode() == ("layer,year,bloc,tiv,estimate,value\n"
                                        "1,2024,United States,12.5,true,\n"
                                        "1,2025,Others,3,false,\n"
                                        "2,,,,,2\n")
    files = chart_files(link_page(PAGE, "x")[1][1:2], "data/charts/POL", "Poland: a brief", "Cite me.")
    assert sorted(files) == ["data/charts/POL/fig-orders.csv", "data/charts/POL/fig-orders.csv-metadata.json"]
    sidecar = json.loads(files["data/charts/POL/fig-orders.csv-metadata.json"])
    assert sidecar["url"] == "fig-orders.csv" and sidecar["dc:title"] == "Orders went to the US"
    assert sidecar["dc:description"] == "Orders per year (SIPRI TIV, millions). Bars of orders."
    assert sidecar["dc:source"] == source and sidecar["dc:bibliographicCitation"] == "Cite me."
    assert [c["name"] for c in sidecar["tableSchema"]["columns"]] == ["layer", "year", "bloc", "tiv", "estimate",
                                                                      "value"]
    assert sidecar["tableSchema"]["columns"][0]["dc:description"] == \
        "The layer of the chart that draws the row: 1 bar; 2 rule."


def test_a_map_gives_the_values_it_joins_to_its_shapes_not_the_shapes() -> None:
    """As the site's maps draw: shapes (TopoJSON) coloured by a lookup of the values, dots for small countries."""
    spec = {"vconcat": [{"layer": [
        {"data": {"name": "shapes"}, "mark": "geoshape"},
        {"data": {"name": "shapes"}, "mark": {"type": "geoshape"},
         "transform": [{"lookup": "properties.iso3", "from": {"data": {"name": "values"}, "key": "iso3"}}]},
        {"data": {"name": "dots"}, "mark": {"type": "circle"}}]},
        {"data": {"name": "source"}, "mark": {"type": "text"}}],
        "datasets": {"shapes": {"type": "Topology", "objects": {}},
                     "values": [{"iso3": "POL", "share": 0.4}, {"iso3": "DEU", "share": 0.37}],
                     "dots": [{"iso3": "LUX", "share": 0.5}], "source": [{"text": "Source: SIPRI."}]}}
    rows, _, _, source, marks = chart_parts(spec)
    assert rows == [{"layer": 1, "iso3": "POL", "share": 0.4}, {"layer": 1, "iso3": "DEU", "share": 0.37},
                    {"layer": 2, "iso3": "LUX", "share": 0.5}]
    assert marks == ["geoshape", "circle"] and source == "Source: SIPRI."


def test_the_citation_names_the_page_the_release_the_build_date_and_the_version(monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2026, 12, 5, tzinfo=dt.UTC).timestamp())))
    monkeypatch.setattr("defence_briefs.render.site.software_version", lambda: "9.9.9")
    config = SiteConfig("Briefs", "", (), (), ("html",), True, 2, "a4", "Lato")
    release = SimpleNamespace(name="2026", title="SIPRI spring 2026", date=dt.date(2026, 5, 18))
    cited = citation(config, SimpleNamespace(release=release), "Poland: a brief", "countries/POL.html")
    assert cited.text == ("Poland: a brief. In: Briefs, data release 2026 (SIPRI spring 2026; data as of 18 May "
                          "2026). Built on 5 December 2026 with defence-briefs 9.9.9. countries/POL.html in the "
                          "site of data release 2026.")
    # double braces: BibTeX keeps the title's capitals and reads the site as one corporate author
    assert cited.bibtex == ("@misc{defence-briefs-2026-POL,\n  title = {{Poland: a brief}},\n  author = {{Briefs}},\n"
                            "  year = {2026},\n  note = {Data release 2026 (SIPRI spring 2026), data as of "
                            "18 May 2026; built on 5 December 2026 with defence-briefs 9.9.9},\n"
                            "  howpublished = {countries/POL.html in the site of data release 2026}\n}")
    published = SiteConfig("Briefs", "", (), (), ("html",), True, 2, "a4", "Lato", site_url="https://example.org/b")
    assert citation(published, SimpleNamespace(release=release), "P", "countries/POL.html").text.endswith(
        "https://example.org/b/2026/countries/POL.html.")


def test_citation_cff_states_the_packages_version_and_the_sources() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert cff["cff-version"] == "1.2.0" and cff["version"] == version
    assert {"message", "title", "authors", "type", "license"} <= set(cff)
    assert {r["title"] for r in cff["references"]} >= {"SIPRI Arms Transfers Database",
                                                       "SIPRI Military Expenditure Database",
                                                       "Defence Expenditure of NATO Countries"}
