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
# a chart's figure (Quarto adds classes), with the id and menu of an earlier pass when the page was linked before
_CHART = re.compile(r'<figure class="(?P<classes>chart(?: [^"]*)?)"(?: id="(?P<id>[^"]+)"[^>]*)?>(?P<body>.*?)'
                    r'</figure>', re.S)
_SPEC = re.compile(r'<script type="application/json" id="spec-[0-9a-f]+">(.*?)</script>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_TABLE = re.compile(r'(?<!<div class="table-scroll">)<table\b.*?</table>', re.S)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


@dataclass(frozen=True)
class ChartFigure:
    """A chart of a page: its stable id and its Vega-Lite specification."""

    id: str
    spec: dict


def _heading_anchor(match: re.Match) -> str:
    if 'class="anchor"' in match["text"]:  # linked by an earlier pass
        return match.group(0)
    # a short name: a screen reader says it after the heading's own words
    return (f'{match.group(1)}{match["text"]} <a class="anchor" href="#{match["id"]}" '
            f'aria-label="Link to this section">#</a>{match.group(6)}')


def _chart_title(spec: dict) -> str:
    title = spec.get("title")
    text = title.get("text", "") if isinstance(title, dict) else (title or "")
    return " ".join(text) if isinstance(text, list) else str(text)


def _chart_tools(figure_id: str, data_dir: str | None, title: str) -> str:
    items = []
    if data_dir is not None:
        csv = f"{data_dir}/{figure_id}.csv"
        items += [f'<li><a href="{csv}" download>Data (CSV)</a></li>',
                  f'<li><a href="{csv}-metadata.json" download>Title, source and citation (JSON)</a></li>']
    # drawn by the site's script from the chart on the page: shown once the chart is drawn
    items += [f'<li hidden><button type="button" data-download="{kind}">Image ({kind.upper()})</button></li>'
              for kind in ("png", "svg")]
    label = html.escape(f"Link to this chart: {title}" if title else "Link to this chart", quote=True)
    return (f'<div class="chart-tools"><a class="anchor" href="#{figure_id}" aria-label="{label}">#</a>\n'
            f'<details class="chart-downloads"><summary>Download this chart</summary>\n<ul>\n'
            + "\n".join(items) + "\n</ul>\n</details></div>\n")


def link_page(page: str, data_dir: str | None, headings: bool = True) -> tuple[str, list[ChartFigure]]:
    """The page with anchor links on its section headings (unless `headings` is False: Quarto's pages have their
    own) and ids, anchors and download menus on its charts (`data_dir`: the folder of the charts' CSV files,
    relative to the page; None: images only), and its charts. A page linked before comes back as it was, with its
    charts."""
    if headings:
        page = _SECTION_HEADING.sub(_heading_anchor, page)
    # a wide table scrolls in its own box, not the page (site.js makes a box that scrolls keyboard-reachable); the
    # text of a script (a chart's data) is set aside meanwhile: a '<table' there is no table
    scripts: list[str] = []

    def set_aside(match: re.Match) -> str:
        scripts.append(match.group(0))
        return f"\0{len(scripts) - 1}\0"

    page = _SCRIPT.sub(set_aside, page)
    page = _TABLE.sub(lambda m: f'<div class="table-scroll">{m.group(0)}</div>', page)
    page = re.sub("\0(\\d+)\0", lambda m: scripts[int(m.group(1))], page)
    sections = [(m.start(), m.group(1)) for m in _SECTION_START.finditer(page)]
    figures: list[ChartFigure] = []
    used: set[str] = set()

    def chart(match: re.Match) -> str:
        found = _SPEC.search(match["body"])
        spec = json.loads(found.group(1).replace("<\\/", "</")) if found is not None else None
        if match["id"]:  # linked by an earlier pass
            used.add(match["id"])
            if spec is not None:
                figures.append(ChartFigure(match["id"], spec))
            return match.group(0)
        section = next((name for start, name in reversed(sections) if start < match.start()), "top")
        figure_id, number = f"fig-{section}", 1
        while figure_id in used:
            number += 1
            figure_id = f"fig-{section}-{number}"
        used.add(figure_id)
        if spec is not None:
            figures.append(ChartFigure(figure_id, spec))
        tools = _chart_tools(figure_id, data_dir if spec is not None else None, _chart_title(spec or {}))
        return (f'<figure class="{match["classes"]}" id="{figure_id}" data-name="{figure_id}">{match["body"]}'
                f'{tools}</figure>')

    return _CHART.sub(chart, page), figures
