"""The PDF's version of a chart: the web's spec laid out narrower, so that every text of the chart prints at
MIN_TEXT_PT or more on the page.

A chart is drawn at a width in pixels and scaled into the PDF's text column; at the web's width (520 px of plot,
wider with its title and source line) its 9-10 px labels printed at about 4 pt on A4. The PDF's spec keeps the
fonts and shrinks the plot (PLOT_SCALE), wraps the title, subtitle and source line into lines that fit, and
the page places the drawing at the width that prints its smallest text at MIN_TEXT_PT (`figure_width`).
"""

from __future__ import annotations

import copy
import re
import textwrap

MIN_TEXT_PT = 6.5  # the smallest chart text on the printed page (house style)
TEXT_WIDTH_PT = 595.28 - 2 * 1.7 / 2.54 * 72  # A4 less brief.typ's 1.7 cm margins
SMALLEST_SHARE = 0.45  # a chart never takes less of the column than this...
PLOT_SCALE = 0.55  # ...and its plot is this much of the web's width
HEIGHT_SCALE = 0.45  # a chart's height, where the y axis is a scale of numbers...
BAND_HEIGHT_SCALE = 0.65  # ...and where it lists names (a ranking of 39 countries keeps room for each)
# the title printed a little above the body text and the subtitle at the chart's text size, not larger than both
TITLE_PX, SUBTITLE_PX = 12, 10
CHAR_WIDTH = 0.55  # an average Lato character, as a share of the font size
_POSITIONED = ("x", "x2", "y", "y2")
TALL = 0.8  # a chart at least this tall for its width floats (notebook_markdown)


def _wrap(text: str, width_px: float, font_px: float) -> list[str]:
    return textwrap.wrap(text, max(20, int(width_px / (CHAR_WIDTH * font_px))), break_long_words=False) or [text]


def _lists_names(view: dict) -> bool:
    """Whether a view's (or one of its layers') y axis is a band of names or categories."""
    y = (view.get("encoding") or {}).get("y")
    if isinstance(y, dict) and y.get("type") in ("nominal", "ordinal"):
        return True
    return any(_lists_names(child) for child in view.get("layer", []))


def _scale_view(view: dict, height_scale: float | None = None, scales: tuple[float, float] | None = None) -> None:
    """Widths, heights and pixel positions of one view (and its layers) scaled in place (`scales`: the height
    scales of a scale of numbers and of a band of names, by default HEIGHT_SCALE and BAND_HEIGHT_SCALE)."""
    numbers, names = scales or (HEIGHT_SCALE, BAND_HEIGHT_SCALE)
    ky = height_scale or (names if _lists_names(view) else numbers)
    if isinstance(view.get("width"), (int, float)):
        view["width"] = round(view["width"] * PLOT_SCALE)
    if isinstance(view.get("height"), (int, float)):
        view["height"] = round(view["height"] * ky)
    for channel, value in (view.get("encoding") or {}).items():
        if channel in _POSITIONED and isinstance(value, dict) and isinstance(value.get("value"), (int, float)):
            value["value"] = round(value["value"] * (PLOT_SCALE if channel.startswith("x") else ky), 1)
    mark = view.get("mark")
    if isinstance(mark, dict):
        for key, factor in (("dx", PLOT_SCALE), ("dy", ky)):
            if isinstance(mark.get(key), (int, float)):
                mark[key] = round(mark[key] * factor, 1)
    for child in view.get("layer", []):
        _scale_view(child, ky, scales)


def pdf_layout(spec: dict, scales: tuple[float, float] | None = None) -> dict:
    """A chart's spec (charts.finish: a vconcat of the plot and its source line) laid out for the PDF (`scales`: the
    height scales of a plot's numbers and of its band of names, as _scale_view), `spec` unchanged. The layout is a
    copy, except the rows of its datasets: those of the source line are copied, the others shared with `spec`."""
    # the datasets are shared, not copied (a brief's rows are most of a spec): only the source line's rows change
    spec = {key: dict(value) if key == "datasets" else copy.deepcopy(value) for key, value in spec.items()}
    views = spec.get("vconcat") or [spec]
    for view in views:
        _scale_view(view, scales=scales)
    width = max((v.get("width", 0) for v in views if isinstance(v.get("width"), (int, float))), default=300)
    config = spec.setdefault("config", {})
    config["title"] = {**config.get("title", {}), "fontSize": TITLE_PX, "subtitleFontSize": SUBTITLE_PX}
    title = spec.get("title")
    if isinstance(title, dict):
        # the title may run past the plot by the width of its axis labels (about 80 px)
        title["text"] = _wrap(str(title.get("text", "")), width + 80, TITLE_PX)
        if title.get("subtitle"):
            title["subtitle"] = _wrap(str(title["subtitle"]), width + 80, SUBTITLE_PX)
    source = views[-1] if len(views) > 1 else None
    if source is not None and (source.get("mark") or {}).get("type") == "text":
        name = (source.get("data") or {}).get("name")
        rows = [dict(row) for row in spec.get("datasets", {}).get(name, [])]
        if rows:
            spec["datasets"][name] = rows
        font = source["mark"].get("fontSize", 10)
        for row in rows:
            row["text"] = _wrap(str(row.get("text", "")), width + 80, font)
        lines = max((len(row["text"]) for row in rows), default=1)
        source["height"] = round(font * 1.25 * lines)
        source["mark"]["lineHeight"] = round(font * 1.25, 1)
    return spec


def _svg_size(svg: str) -> tuple[float, float]:
    """(width, height) in pixels of a drawn chart, from its <svg> tag."""
    size = dict(re.findall(r'\s(width|height)="([\d.]+)"', re.search(r"<svg[^>]*>", svg).group(0)))
    return float(size.get("width", 1)), float(size.get("height", 0))


def figure_width(svg: str) -> float:
    """The share of the PDF's text column a drawn chart takes so that its smallest text prints at MIN_TEXT_PT (at
    least SMALLEST_SHARE, at most the whole column)."""
    width = _svg_size(svg)[0]
    sizes = [float(s) for s in re.findall(r'font-size(?:="|:\s*)([\d.]+)px', svg)] or [10.0]
    needed = width * MIN_TEXT_PT / min(sizes) / TEXT_WIDTH_PT
    return min(1.0, max(SMALLEST_SHARE, needed))


def is_tall(svg: str) -> bool:
    """Whether a drawn chart is nearly as tall as wide or taller (the ranking of 39 countries; the others are
    about half as tall as wide)."""
    width, height = _svg_size(svg)
    return height >= TALL * width
