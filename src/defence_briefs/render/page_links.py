"""Stable links and downloads on a page pandoc wrote: a visible anchor link on every section heading, each table in a
box of its own that scrolls sideways when it is wider than the screen, and on every
chart a stable id (from its section: `fig-orders`, `fig-orders-2`), an anchor link and a download menu (its data as
CSV with a CSVW sidecar giving title, source and citation; PNG and SVG drawn by the site's script)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

# pandoc's html5 writer with section_divs: a section's id on the element, its heading right after it
_SECTION_HEADING = re.compile(r'(<section id="(?P<id>[^"]+)"[^>]*>\s*<h(?P<level>[2-4])(?P<attrs>[^>]*)>)'
                              r'(?P<text>.*?)(</h(?P=level)>)', re.S)
_SECTION_START = re.compile(r'<section id="([^"]+)"')
_CHART = re.compile(r'<figure class="chart">(?P<body>.*?)</figure>', re.S)
_SPEC = re.compile(r'<script type="application/json" id="spec-[0-9a-f]+">(.*?)</script>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_TABLE = re.compile(r"<table\b.*?</table>", re.S)


@dataclass(frozen=True)
class ChartFigure:
    """A chart of a page: its stable id and its Vega-Lite specification."""

    id: str
    spec: dict


def _heading_anchor(match: re.Match) -> str:
    label = html.escape(f"Link to this section: {html.unescape(_TAGS.sub('', match['text'])).strip()}", quote=True)
    return (f'{match.group(1)}{match["text"]} <a class="anchor" href="#{match["id"]}" aria-label="{label}">#</a>'
            f'{match.group(6)}')


def _chart_tools(figure_id: str, data_dir: str | None) -> str:
    items = []
    if data_dir is not None:
        csv = f"{data_dir}/{figure_id}.csv"
        items += [f'<li><a href="{csv}" download>Data (CSV)</a></li>',
                  f'<li><a href="{csv}-metadata.json" download>Title, source and citation (JSON)</a></li>']
    # drawn by the site's script from the chart on the page: shown once the chart is drawn
    items += [f'<li hidden><button type="button" data-download="{kind}">Image ({kind.upper()})</button></li>'
              for kind in ("png", "svg")]
    return (f'<div class="chart-tools"><a class="anchor" href="#{figure_id}" aria-label="Link to this chart">#</a>\n'
            f'<details class="chart-downloads"><summary>Download this chart</summary>\n<ul>\n'
            + "\n".join(items) + "\n</ul>\n</details></div>\n")


def link_page(page: str, data_dir: str | None, headings: bool = True) -> tuple[str, list[ChartFigure]]:
    """The page with anchor links on its section headings (unless `headings` is False: Quarto's pages have their
    own) and ids, anchors and download menus on its charts (`data_dir`: the folder of the charts' CSV files,
    relative to the page; None: images only), and its charts."""
    if headings:
        page = _SECTION_HEADING.sub(_heading_anchor, page)
    # a wide table scrolls in its own box, not the page (site.js makes a box that scrolls keyboard-reachable)
    page = _TABLE.sub(lambda m: f'<div class="table-scroll">{m.group(0)}</div>', page)
    sections = [(m.start(), m.group(1)) for m in _SECTION_START.finditer(page)]
    figures: list[ChartFigure] = []
    used: set[str] = set()

    def chart(match: re.Match) -> str:
        section = next((name for start, name in reversed(sections) if start < match.start()), "top")
        figure_id, number = f"fig-{section}", 1
        while figure_id in used:
            number += 1
            figure_id = f"fig-{section}-{number}"
        used.add(figure_id)
        spec = _SPEC.search(match["body"])
        if spec is not None:
            figures.append(ChartFigure(figure_id, json.loads(spec.group(1).replace("<\\/", "</"))))
        return (f'<figure class="chart" id="{figure_id}" data-name="{figure_id}">{match["body"]}'
                f'{_chart_tools(figure_id, data_dir if spec is not None else None)}</figure>')

    return _CHART.sub(chart, page), figures
