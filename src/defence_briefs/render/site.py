"""Assemble a release's site from executed notebooks: pages, PDF briefs, per-country CSVs and shared assets."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat

from ..briefs import choices
from ..briefs import diversification as dv
from ..briefs.context import ReleaseData
from ..briefs.display import chart_html
from ..briefs.fonts import FONT_DIR, FONT_FILES
from ..briefs.text import fmt, long_date, md_escape, short_period
from ..metrics.dependency import EUROPEAN_SUPPLIERS_DEFINITION, MATERIAL_CUT
from ..metrics.diversification import CORE_DEFENCE_SHARE, EQUIPMENT_GUIDELINE, SAFE_CHECKED
from ..metrics.orders import MATERIAL_UNCERTAIN
from . import release_history, template_path
from .build_date import build_date
from .chart_data import chart_files
from .notebook_markdown import notebook_markdown
from .page_links import link_page
from .pandoc import Page, compile_pdf, convert, html_page, typst_page
from .policy import csp_meta
from .release_history import release_history_markdown
from .site_config import SiteConfig

ASSETS = "assets"
DIVERSIFICATION_TITLE = "What it would take to buy less from the US"


def pdf_timestamp(data: ReleaseData) -> int:
    """The creation date written into PDFs: the release's publication date (midnight UTC), from the data, so
    the same inputs give the same bytes whenever they are built."""
    return int(dt.datetime.combine(data.release.date, dt.time(), dt.UTC).timestamp())


def write_assets(site: Path) -> None:
    """CSS, the page scripts (every page's, the compare page's), the vega/vega-lite/vega-embed bundle (once per
    site) and the font files."""
    import vl_convert

    assets = site / ASSETS
    (assets / "fonts").mkdir(parents=True, exist_ok=True)
    for name in ("site.css", "site.js", "compare.js"):
        shutil.copyfile(template_path(name), assets / name)
    with _native_stderr_silenced():
        script = vl_convert.javascript_bundle()
    (assets / "vega-bundle.js").write_text(script, encoding="utf-8")
    for name in (*FONT_FILES, "OFL.txt"):
        if (FONT_DIR / name).is_file():
            shutil.copyfile(FONT_DIR / name, assets / "fonts" / name)


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Standard error (file descriptor 2) to /dev/null meanwhile: vl-convert 2's bundler prints a line per pass
    there from native code ('tree-shaker; pass=1'...), which would land in the middle of the build's log."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@cache
def software_version() -> str:
    """The installed version of defence-briefs (pyproject.toml's, as CITATION.cff states it); read once, not for
    every page."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("defence-briefs")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


@dataclass(frozen=True)
class Citation:
    """How to cite a page of the site: a sentence and a BibTeX entry naming the page, the data release, the build
    date and the software version."""

    text: str
    bibtex: str


def citation(config: SiteConfig, data: ReleaseData, title: str, path: str) -> Citation:
    """The citation of the page at `path` (in the release's site) titled `title`."""
    release, built, version = data.release, build_date(), software_version()
    where = (f"{config.site_url}/{release.name}/{path}" if config.site_url
             else f"{path} in the site of data release {release.name}")
    text = (f"{title}. In: {config.title}, data release {release.name} ({release.title}; data as of "
            f"{long_date(release.date)}). Built on {long_date(built)} with defence-briefs {version}. {where}.")
    key = re.sub(r"[^A-Za-z0-9]+", "-", f"defence-briefs-{release.name}-{Path(path).stem}").strip("-")
    fields = {"title": f"{{{title}}}", "author": f"{{{config.title}}}", "year": str(built.year),
              "note": f"Data release {release.name} ({release.title}), data as of {long_date(release.date)}; "
                      f"built on {long_date(built)} with defence-briefs {version}",
              ("url" if config.site_url else "howpublished"): where}
    bibtex = f"@misc{{{key},\n" + ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items()) + "\n}"
    return Citation(text, bibtex)


def linked_page(config: SiteConfig, data: ReleaseData, page: str, path: str, title: str,
                chart_folder: str, headings: bool = True) -> dict[str, bytes]:
    """The page at `path` (in the release's site) with its anchor links (on headings too unless `headings` is
    False) and its charts' download menus, and its charts' data files in `chart_folder`, by path."""
    linked, figures = link_page(page, "../" * path.count("/") + chart_folder, headings)
    return {path: linked.encode("utf-8"),
            **chart_files(figures, chart_folder, title, citation(config, data, title, path).text)}


def cite_variables(config: SiteConfig, data: ReleaseData, title: str, path: str) -> dict[str, str]:
    """The page template's citation block (HTML-escaped: template variables are inserted as written)."""
    cited = citation(config, data, title, path)
    return {"cite-text": html.escape(cited.text), "cite-bibtex": html.escape(cited.bibtex)}


def _metadata(config: SiteConfig, data: ReleaseData, title: str, subtitle: str, depth: int,
              downloads: list[tuple[str, str]] | None = None) -> dict:
    up = "../" * depth
    release = data.release
    return {
        "title": title, "pagetitle": title, "subtitle": subtitle, "site-title": config.title,
        "assets": f"{up}{ASSETS}", "home": f"{up}index.html",
        "navigation": [{"text": text, "href": href if href.startswith("..") and depth == 0 else f"{up}{href}"}
                       for text, href in config.navigation],
        "downloads": [{"text": text, "href": href}
                      for text, href in [*(downloads or []), ("Source files (CSV)", f"{up}data/sources.csv")]],
        "footer": (f"Data release {release.name} ({release.title}): data as of "
                   f"{long_date(release.date)}. This site was built on {long_date(build_date())} by "
                   f"defence-briefs from SIPRI, NATO and World Bank data; every figure is in data/metrics.csv "
                   f"with its source."),
    }


def country_metadata(config: SiteConfig, data: ReleaseData, country: str) -> dict:
    """The HTML brief's page metadata (title, navigation, downloads, footer)."""
    return _metadata(config, data, data.countries.name(country), "Arms-import dependency and defence spending", 1,
                     [("PDF brief", f"../pdf/{country}.pdf"), ("Figures (CSV)", f"../data/{country}.csv"),
                      ("Executed notebook", f"../notebooks/{country}.ipynb")])


def country_page(config: SiteConfig, data: ReleaseData, notebook: nbformat.NotebookNode, country: str) -> Page:
    """The HTML brief of one country from its executed notebook, for pandoc to convert."""
    markdown = notebook_markdown(notebook, "html")
    return html_page(data.countries.name(country), markdown, country_metadata(config, data, country), config.toc,
                     config.toc_depth, cite_variables(config, data, country_title(data, country),
                                                      f"countries/{country}.html"))


def country_title(data: ReleaseData, country: str) -> str:
    """A brief's title as cited: 'Poland: arms-import dependency and defence spending' ('The Netherlands: ...')."""
    return f"{data.countries.in_sentence(country, start=True)}: arms-import dependency and defence spending"


def country_typst_metadata(config: SiteConfig, data: ReleaseData, country: str) -> dict:
    """The PDF brief's title block and footer."""
    release = data.release
    return {
        "title": data.countries.name(country),
        "subtitle": (f"Arms-import dependency and defence spending · data release {release.name}: figures to "
                     f"{release.last_data_year}, data as of {long_date(release.date)}"),
        "site-title": config.title,
        "footer": (f"Sources: {data.publishers(country)} "
                   f"(release {release.name}). Every figure with the files it used: data/{country}.csv; "
                   f"each file's edition, URL and sha256: data/sources.csv."),
    }


def country_typst(config: SiteConfig, data: ReleaseData, notebook: nbformat.NotebookNode, country: str,
                  work: Path) -> Page:
    """The typst source of one country's PDF brief, for pandoc to convert; its chart files go into `work`."""
    work.mkdir(parents=True, exist_ok=True)
    markdown = notebook_markdown(notebook, "typst", figure_dir=work, figure_prefix="")
    return typst_page(data.countries.name(country), markdown, country_typst_metadata(config, data, country),
                      config.papersize, config.mainfont)


def country_pdf(data: ReleaseData, typst: str, country: str, work: Path) -> bytes:
    """The PDF brief of one country from its typst source (`country_typst` converted), compiled in `work`, where
    its chart files are."""
    source = work / f"{country}.typ"
    source.write_text(typst, encoding="utf-8")
    return compile_pdf(source, pdf_timestamp(data))


def overview_page(config: SiteConfig, data: ReleaseData, notebook: nbformat.NotebookNode,
                  stale: list[tuple[str, str]] | None = None) -> dict[str, bytes]:
    """The overview page (index.html) from the executed overview notebook, with its charts' data files; `stale`
    lists (country name, why) for briefs that this build could not bring up to date, shown in a notice at the
    top."""
    markdown = stale_notice_markdown(stale or []) + notebook_markdown(notebook, "html")
    page = convert(html_page("the Europe overview", markdown, overview_metadata(config, data), config.toc,
                             config.toc_depth, cite_variables(config, data, "Europe overview", "index.html")))[0]
    return linked_page(config, data, page, "index.html", "Europe overview", "data/charts/overview")


def overview_metadata(config: SiteConfig, data: ReleaseData) -> dict:
    """The overview page's metadata (title, navigation, downloads, footer)."""
    return _metadata(config, data, "Europe overview", config.description, 0,
                     [("All figures (CSV)", "data/metrics.csv"), ("Methodology", "methodology.html")])


STALE_HEADLINE = "{count} brief(s) are not up to date with this data release."
STALE_LEAD = "They show the last brief that built, or none:"


def stale_notice_markdown(stale: list[tuple[str, str]]) -> str:
    """The overview's notice of briefs this build could not bring up to date (name, why), or ''."""
    if not stale:
        return ""
    items = "\n".join(f"- {md_escape(name)}: {md_escape(why)}" for name, why in stale)
    return (f"::: {{.stale-notice}}\n**{STALE_HEADLINE.format(count=len(stale))}** {STALE_LEAD}\n\n{items}\n:::\n\n")


def diversification_markdown(data: ReleaseData) -> str:
    """The Europe page on buying less from the US, as pandoc markdown (figures from metrics.csv as traced spans,
    the map drawn by the site's vega)."""
    from ..briefs import orders  # Altair: not imported by a build that has nothing to render
    from ..briefs.charts import build_settings
    from ..briefs.maps import us_orders_map, us_share_map

    window, year = data.window(0), data.last_year
    period = short_period(window)
    with build_settings():
        us_map = us_share_map(data)
        map_html = chart_html(us_map, us_map.chart.to_dict()) if us_map else ""
        orders_map = us_orders_map(data)
        orders_map_html = chart_html(orders_map, orders_map.chart.to_dict()) if orders_map else ""
        orders_chart = orders.orders_chart_for(data, "EUROPE", "Europe", "Europe's")
        orders_chart_html = chart_html(orders_chart, orders_chart.chart.to_dict()) if orders_chart else ""
    ex_ukraine = dv.EUROPE_GROUPS[1][1]
    members = data.countries.members("EUROPE", year)
    return f"""Which kinds of arms Europe buys from the United States, who else supplies it, how much of the order
book is firm, and which European-made systems of the same roles countries order, with how long they take to
arrive, from SIPRI's data (figures to {year}).
"Europe" is {md_escape(data.europe_covers())}. {ex_ukraine} leaves out the deliveries to Ukraine, which weigh on
every Europe figure since 2022. "European suppliers" are the EU, the United Kingdom, Norway and Switzerland;
the suppliers eligible for the EU's SAFE loans are the EU, the EEA-EFTA states (Norway, Iceland, Liechtenstein),
Ukraine and Canada, so the two shares differ. Volumes are in SIPRI's trend-indicator value (TIV, millions), a
measure of the military capability transferred, not of money.

## Europe, with and without Ukraine

{dv.europe_headlines(data)}
\\* estimate: more than {MATERIAL_CUT:.0%} of the figure depends on how deliveries SIPRI gives only as a total over
several years are divided between them, or SIPRI or NATO mark it as estimated.

## Where Europe's new orders go {{#orders}}

Deliveries lag orders by three to ten years; the orders placed each year (SIPRI's order year, at its TIV for the
whole order) show where Europe buys now. Deals SIPRI lists as selected but not yet ordered are set apart, never
counted as orders; aid-financed orders count for the recipient (every order with its classification:
[data/orders.csv](data/orders.csv); the rules: [methodology](methodology.html#orders-placed)).

```{{=html}}
{orders_chart_html}
```

{orders.europe_orders_table(data)}
\\* estimate: more than 5% of the orders' volume is an order whose year SIPRI marks uncertain.

{orders.revision_note(data) or ""}

### Who moved toward or away from US suppliers

{orders.order_movers(data)}

```{{=html}}
{orders_map_html}
```

## Where each country stands

```{{=html}}
{map_html}
```

{dv.europe_countries(data)}

## Which kinds of arms come from the US

Europe's arms imports in {period} by weapon category and supplier (SIPRI TIV, millions; the register's shares of
each category, scaled to SIPRI's totals):

{dv.europe_categories(data)}

## Europe's options, role by role {{#choices}}

{choices.europe_choice_set(data, members)}

## How these figures are made

- **Weapon categories and roles** come from SIPRI's description of each deal; the share of a category from the
  US is the register's own ratio in the window.
- **Pending orders.** SIPRI counts a planned fleet in its TIV for the order and says so in its comments ("126
  planned of which 48 ordered by end-2025"): the units beyond those ordered are not ordered, so not pending, as
  deals only selected are not. An order whose number SIPRI marks with '?' is pending, as an order of an uncertain
  number.
- **The EU's goals.** The European Defence Industrial Strategy (5 March 2024) asks member states to spend at least
  50% of their defence procurement budgets in the European defence industry by 2030 and 60% by 2035, and to buy
  40% of equipment collaboratively. Imports are a proxy for this: what a country buys from its own industry is
  not in SIPRI's transfers.
- **SAFE.** The EU's SAFE loans (Council Regulation (EU) 2025/1106, 27 May 2025) finance procurement in which
  components from outside the EU, the EEA-EFTA states and Ukraine stay under 35% of the cost. Eligible suppliers
  here: the EU members, Norway, Iceland, Liechtenstein, Ukraine, and Canada (SAFE agreement concluded
  1 December 2025); the United Kingdom's talks ended without an agreement (28 November 2025); as checked on
  {SAFE_CHECKED}.
- **US procurement at stake** is a scenario, not a forecast: an ally's extra spending to reach
  {fmt(CORE_DEFENCE_SHARE, 'pct1')} of GDP (NATO's figures, latest year) x its equipment share (NATO's, else the
  {fmt(EQUIPMENT_GUIDELINE, 'pct')} guideline) x the US share of the arms orders it placed since 2022 (by volume).
"""


def diversification_page(config: SiteConfig, data: ReleaseData) -> dict[str, bytes]:
    """diversification.html: Europe on buying less from the US, with its charts' data files."""
    title = DIVERSIFICATION_TITLE
    page = convert(html_page("the diversification page", diversification_markdown(data),
                             diversification_metadata(config, data), config.toc, config.toc_depth,
                             cite_variables(config, data, title, "diversification.html")))[0]
    return linked_page(config, data, page, "diversification.html", title, "data/charts/diversification")


def diversification_metadata(config: SiteConfig, data: ReleaseData) -> dict:
    """The diversification page's metadata (title, navigation, downloads, footer)."""
    return _metadata(config, data, DIVERSIFICATION_TITLE, "Europe's dependence on US arms, "
                     "and the evidence for diversifying", 0, [("All figures (CSV)", "data/metrics.csv"),
                                         ("European options (CSV)", "data/european_alternatives.csv"),
                                         ("US systems (CSV)", "data/us_systems.csv"),
                                         ("Orders since 2000 (CSV)", "data/orders.csv")])


COMPARE_DATA_ID = "compare-data"
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def compare_json(payload: dict) -> bytes:
    """data/compare.json: the compare page's data (briefs.compare.compare_data), as published."""
    return (json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _script_json(payload: dict) -> str:
    """The data as JSON fit for a script element: no '<', '>' or '&' that could end it or start markup."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def compare_markdown(payload: dict) -> str:
    """The compare page's body: what it shows and where from, the four country pickers, the empty sections
    compare.js fills, and the page's data inline (a page opened from disk may fetch nothing)."""
    periods, sources = payload["periods"], payload["sources"]
    pickers = "\n".join(
        f'<div class="picker"><label for="compare-country-{slot}">Country {slot}</label>'
        f'<select id="compare-country-{slot}"></select></div>'
        for slot in range(1, payload["max_selected"] + 1))
    return f"""Pick up to {NUMBER_WORDS[payload["max_selected"]]} European countries to set their figures side
by side: the key figures of their briefs, the US share of their arms imports by five-year window, the arms
orders they placed by supplier, and their military spending as a share of GDP. The address of the page keeps
the choice, so a link to it shows the same countries. Arms transfers are in SIPRI's trend-indicator value (TIV,
millions), a measure of the military capability transferred, not of money; spending is in current US dollars.

```{{=html}}
<form class="compare-pickers" id="compare-pickers" aria-describedby="compare-pickers-hint">
<p id="compare-pickers-hint" class="hint">Choose a country in each box, or "none" to leave it empty.</p>
{pickers}
</form>
<p class="compare-noscript" id="compare-status">The comparison needs JavaScript; every figure is also in
<a href="data/compare.json">data/compare.json</a> and <a href="data/metrics.csv">data/metrics.csv</a>.</p>
<section id="compare-names" aria-label="Countries compared"></section>
```

## Key figures {{#key-figures}}

Latest figures, as each brief shows them: arms imports in {periods["latest_window"]}, undelivered orders at the end
of {periods["last_year"]}, spending in the latest year each source has.

```{{=html}}
<div id="compare-key-figures"></div>
```

\\* estimate: SIPRI or NATO mark the figure as estimated; for arms imports, more than {MATERIAL_CUT:.0%} of it
depends on how deliveries SIPRI gives only as a total over several years are divided between them; for orders,
more than {MATERIAL_UNCERTAIN:.0%} of their volume is in orders whose year SIPRI marks uncertain.

## US share of arms imports, by five-year window {{#us-share}}

The share of each country's imports of major arms (by volume, SIPRI TIV) that came from the United States, in
each five-year window up to {periods["latest_window"]}; SIPRI compares windows because yearly deliveries jump.
Source: {md_escape(sources["arms_imports"])}.

```{{=html}}
<div class="compare-chart" id="compare-us-share-chart"></div>
<div id="compare-us-share-table"></div>
```

## Arms orders by supplier {{#orders}}

The arms orders each country placed in {periods["orders_before"]}, before Russia's full-scale invasion of
Ukraine, and in {periods["orders_since"]} (SIPRI's order year, at its TIV for the whole order), split between the
United States, European suppliers and others; European suppliers are
{md_escape(EUROPEAN_SUPPLIERS_DEFINITION)}. Deliveries lag orders by three to ten years, so orders show a change
of supplier first. Deals selected but not yet ordered are not counted; orders of {periods["last_year"]} are
incomplete, as SIPRI learns of orders late.
Source: {md_escape(sources["orders"])}.

```{{=html}}
<div class="compare-chart" id="compare-orders-chart"></div>
<div id="compare-orders-table"></div>
```

## Military spending, share of GDP {{#spending}}

Military expenditure as a share of GDP by SIPRI's definition, which differs from NATO's (NATO's latest figure is
among the key figures above, for allies). Source: {md_escape(sources["spending"])}.

```{{=html}}
<div class="compare-chart" id="compare-spending-chart"></div>
<div id="compare-spending-table"></div>
<script type="application/json" id="{COMPARE_DATA_ID}">{_script_json(payload)}</script>
```
"""


def compare_page(config: SiteConfig, data: ReleaseData, payload: dict) -> str:
    """compare.html: up to four countries side by side, drawn by assets/compare.js from `payload`."""
    meta = _metadata(config, data, "Compare countries", "Arms-import dependency and defence spending, side by side",
                     0, [("Figures compared (JSON)", "data/compare.json"), ("All figures (CSV)", "data/metrics.csv")])
    meta["scripts"] = [f"{ASSETS}/compare.js"]
    page = convert(html_page("the compare page", compare_markdown(payload), meta, False, 0,
                             cite_variables(config, data, "Compare countries", "compare.html")))[0]
    return link_page(page, None)[0]


def methodology_page(config: SiteConfig, data: ReleaseData, methodology: Path) -> str:
    """methodology.md as a page of the site (its front matter is dropped; the title comes from the site)."""
    text = methodology.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    # the generated-block markers are for `python build.py methodology`; on the page they would break the tables
    text = re.sub(r"^<!-- /?generated:[a-z_]+ -->\n", "", text, flags=re.M)
    meta = _metadata(config, data, "Methodology", "Definitions, allocation method and checks", 0)
    page = convert(html_page("the methodology page", text, meta, config.toc, config.toc_depth,
                             cite_variables(config, data, "Methodology", "methodology.html")))[0]
    return link_page(page, None)[0]


def release_history_page(config: SiteConfig, data: ReleaseData) -> str:
    """changes.html: what this data release changed since the previous one."""
    page = convert(html_page("the release history page", release_history_markdown(data),
                             _metadata(config, data, release_history.TITLE, f"Data release {data.release.name} "
                                       "against the previous one, for Europe and country by country", 0),
                             config.toc, config.toc_depth,
                             cite_variables(config, data, release_history.TITLE, release_history.PAGE)))[0]
    return link_page(page, None)[0]


def _quarto_chart_folder(path: str) -> str | None:
    """The chart data folder of a page Quarto wrote that gets chart links, or None for a page that gets none."""
    if path.startswith("countries/") and path.endswith(".html"):
        return f"data/charts/{Path(path).stem}"
    return {"index.html": "data/charts/overview", "diversification.html": "data/charts/diversification"}.get(path)


def quarto_chart_folders(pages: list[str] | dict) -> list[str]:
    """The chart data folders of the pages Quarto wrote (by path) that `quarto_linked_pages` links."""
    return [folder for path in pages if (folder := _quarto_chart_folder(path)) is not None]


def quarto_linked_pages(config: SiteConfig, data: ReleaseData, pages: dict[str, str]) -> dict[str, bytes]:
    """The pages Quarto wrote (by path: index.html, diversification.html, countries/<ISO3>.html; others are left
    out) with their charts' ids and download menus, and the charts' data files, as the built-in route gives them
    (Quarto gives the headings their anchors)."""
    titles = {"index.html": "Europe overview", "diversification.html": DIVERSIFICATION_TITLE}
    files: dict[str, bytes] = {}
    for path, page in pages.items():
        folder = _quarto_chart_folder(path)
        if folder is None:
            continue
        title = country_title(data, Path(path).stem) if path.startswith("countries/") else titles[path]
        files |= linked_page(config, data, page, path, title, folder, headings=False)
    return files


def country_csv(data: ReleaseData, country: str) -> bytes:
    """The rows of metrics.csv for one country."""
    rows = data.metrics[data.metrics["country"] == country].copy()
    rows["estimate"] = rows["estimate"].map({True: "true", False: "false"})
    return rows.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def releases_index(releases: list[tuple[str, str, str, bool]], title: str) -> bytes:
    """reports/index.html: the releases with a published site, newest first (name, title, date, whether its site
    has the release history page)."""
    items = "\n".join(
        f'<li><a href="{html.escape(name)}/index.html">Data release {html.escape(name)}</a>: {html.escape(t)} '
        f'(published {html.escape(date)})'
        + (f'; <a href="{html.escape(name)}/{release_history.PAGE}">what changed since the previous release</a>'
           if history else "") + '</li>' for name, t, date, history in releases)
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n{csp_meta()}\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{html.escape(title)}</title>\n'
            f'<style>body{{font-family:sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;}}'
            f'li{{margin:.4rem 0;}}</style>\n'
            f'</head>\n<body>\n<main>\n<h1>{html.escape(title)}</h1>\n<ul class="release-list">\n{items}\n</ul>\n'
            f'</main>\n</body>\n</html>\n')
    return page.encode("utf-8")
