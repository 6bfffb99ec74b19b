"""How notebook cells show a brief's parts: markdown (pandoc flavour) and charts with an SVG twin for the PDF."""

from __future__ import annotations

import hashlib
import html
import json
from functools import cache
from typing import TYPE_CHECKING

from .fonts import FONT_DIR
from .pdf_charts import pdf_layout

if TYPE_CHECKING:
    from .charts import BriefChart

# IPython and vl_convert are imported where they are used: the build reads BRIEF_METADATA and chart_html without
# them (a kernel has them imported by its warm-up)
BRIEF_METADATA = "defence_briefs"


@cache
def _register_fonts() -> None:
    import vl_convert

    vl_convert.register_font_directory(str(FONT_DIR))


def chart_svg(spec: dict | str) -> str:
    """A Vega-Lite spec (a dict, or its JSON) drawn as SVG with the house font (vector; text kept as text)."""
    import vl_convert

    _register_fonts()
    return vl_convert.vegalite_to_svg(spec)


def spec_json(spec: dict) -> str:
    """The spec as the site embeds it: compact JSON with sorted keys."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"))


def _script_safe(payload: str) -> str:
    """JSON that cannot end its script element ('</script>') nor read as markup to anything that scans the page
    ('<table' in a source's text): <, > and & as JSON's escapes."""
    return payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# on a phone, a band of names keeps its height (every label shown) and a scale of numbers keeps most of it
NARROW_HEIGHT_SCALES = (0.7, 1.0)


def _text_layers(view: dict) -> int:
    mark = view.get("mark")
    own = int((mark.get("type") if isinstance(mark, dict) else mark) == "text")
    return own + sum(_text_layers(child) for key in ("layer", "vconcat", "hconcat") for child in view.get(key, []))


def narrow_layout(spec: dict) -> dict | None:
    """The chart laid out for a narrow screen: the PDF's narrower plot with the same type sizes, title and source
    line wrapped, names' bands at full height; with only the source line's dataset (the others are the wide
    spec's: site.js). None for a plot whose labels are placed for its wide layout (more than one text layer: the
    ranking's target labels, the scatter's country labels): it keeps that layout, shrunk to the screen."""
    views = spec.get("vconcat") or []
    if len(views) < 2 or sum(_text_layers(view) for view in views[:-1]) > 1:
        return None
    source = (views[-1].get("data") or {}).get("name")
    datasets = spec.get("datasets", {})
    return pdf_layout({**spec, "datasets": {source: datasets[source]} if source in datasets else {}},
                      NARROW_HEIGHT_SCALES)


def chart_html(chart: BriefChart, spec: dict | str) -> str:
    """A figure that the site's script draws with vega-embed from local assets; the spec (a dict, or its
    `spec_json`) and its layout for narrow screens (`narrow_layout`) travel as JSON."""
    payload = spec if isinstance(spec, str) else spec_json(spec)
    key = hashlib.sha256(payload.encode()).hexdigest()[:12]
    narrow = narrow_layout(json.loads(payload))
    description = html.escape(chart.description, quote=True)
    narrow_attribute, narrow_script = "", ""
    if narrow is not None:
        narrow_attribute = f' data-narrow-spec="narrow-{key}"'
        narrow_script = (f'<script type="application/json" id="narrow-{key}">{_script_safe(spec_json(narrow))}'
                         '</script>\n')
    return (f'<figure class="chart">\n<div class="vega-chart" id="chart-{key}" role="img" '
            f'aria-label="{description}" data-spec="spec-{key}"{narrow_attribute}></div>\n'
            f'<script type="application/json" id="spec-{key}">{_script_safe(payload)}</script>\n{narrow_script}'
            f'<figcaption class="sr-only">{description}</figcaption>\n</figure>')


def show_chart(chart: BriefChart | None, missing: str, pdf: bool = True) -> None:
    """Display a chart (HTML for the site, SVG for the PDF), or the sentence `missing` when there is no chart
    (in the same outputs as the chart; '' for nothing, where the text around already says it)."""
    from altair.utils import schemapi
    from IPython.display import publish_display_data

    if chart is None:
        if missing:
            show_markdown(f"*{missing}*", pdf=pdf)
        return
    # the build's kernels switch Altair's schema validation off (kernels.WARM_UP; the tests validate every
    # published spec); a notebook opened elsewhere keeps it on
    spec = spec_json(chart.chart.to_dict(validate=schemapi.DEBUG_MODE))
    bundle = {"text/html": chart_html(chart, spec), "text/plain": chart.description}
    if pdf:  # only the PDF brief needs the drawing; the site draws the spec in the browser
        # laid out narrower, so that its texts print at 6.5 pt or more (pdf_charts)
        bundle["image/svg+xml"] = chart_svg(spec_json(pdf_layout(json.loads(spec))))
    publish_display_data(bundle, metadata={BRIEF_METADATA: {"kind": "chart", "pdf": pdf}})


def show_markdown(text: str, pdf: bool = True, html: bool = True) -> None:
    """Display pandoc markdown; `pdf=False` keeps it out of the PDF brief, `html=False` out of the web page."""
    from IPython.display import Markdown, display, publish_display_data

    if pdf and html:
        display(Markdown(text))
    else:
        publish_display_data({"text/markdown": text, "text/plain": text},
                             metadata={BRIEF_METADATA: {"kind": "markdown", "pdf": pdf, "html": html}})
