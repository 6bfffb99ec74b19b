"""An executed notebook as pandoc markdown for one target (html or typst): markdown cells as written, code
hidden, and of each output the richest form that target can show (charts as vega HTML or as SVG files). The
outputs of analysis cells marked `#| output: false` stay in the notebook, as Quarto leaves them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..briefs.display import BRIEF_METADATA
from ..briefs.pdf_charts import figure_width, is_tall
from ..errors import DataError

TARGETS = ("html", "typst")


class NotebookError(DataError):
    """An executed notebook holds an error output."""


def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def cell_options(source: str) -> dict:
    """Quarto's cell options: the `#| key: value` lines at the top of a code cell."""
    options = {}
    for line in source.splitlines():
        if not line.startswith("#|"):
            break
        key, _, value = line[2:].partition(":")
        options[key.strip()] = value.strip()
    return options


def shows_output(cell: nbformat.NotebookNode) -> bool:
    """False for a cell whose outputs are for the notebook's reader only (`#| output: false` or
    `#| include: false`, as Quarto reads them): the analysis behind a brief, not the brief."""
    options = cell_options(_text(cell.source))
    return options.get("output", "true") != "false" and options.get("include", "true") != "false"


def _raw(fmt_name: str, text: str) -> str:
    fence = "`" * max(3, max((len(run) for run in text.split("\n") if set(run) == {"`"}), default=0) + 1)
    return f"{fence}{{={fmt_name}}}\n{text}\n{fence}\n"


def notebook_markdown(notebook: nbformat.NotebookNode, target: str, figure_dir: Path | None = None,
                      figure_prefix: str = "") -> str:
    """Pandoc markdown of `notebook` for `target`; for typst, chart SVGs are written into `figure_dir` and
    referenced as `figure_prefix + name`. An error output raises NotebookError naming the cell."""
    return "\n".join(block for _, block in cell_blocks(notebook, target, figure_dir, figure_prefix))


def cell_blocks(notebook: nbformat.NotebookNode, target: str, figure_dir: Path | None = None,
                figure_prefix: str = "") -> list[tuple[int, str]]:
    """The blocks of `notebook` for `target` with the index of the cell each comes from, in order: a markdown
    cell as written, a code cell's shown outputs (two narrow charts of consecutive cells share the first one's
    block). An error output raises NotebookError naming the cell."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}")
    blocks: list[tuple[int, str | list[PdfChart]]] = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            source = _text(cell.source).strip()
            if source and not (source.startswith("<!--") and source.endswith("-->")):
                blocks.append((index, source + "\n"))
            continue
        if cell.cell_type != "code":
            continue
        shown = shows_output(cell)
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                raise NotebookError(f"cell {index + 1} raised {output.ename}: {output.evalue}")
            if not shown or output.output_type not in ("display_data", "execute_result"):
                continue  # streams (warnings, logs) are not part of a brief
            block = _output_block(output, target, figure_dir, figure_prefix)
            previous = blocks[-1][1] if blocks else None
            if isinstance(block, PdfChart) and isinstance(previous, list) and len(previous) == 1 and not (
                    block.tall or previous[0].tall) and previous[0].width + block.width <= PAIR_WIDTH:
                previous.append(block)  # two narrow charts side by side
            elif isinstance(block, PdfChart):
                blocks.append((index, [block]))
            elif block:
                blocks.append((index, block))
    return [(index, _chart_typst(b) if isinstance(b, list) else b) for index, b in blocks]


PAIR_WIDTH = 0.98  # two charts share a row of the PDF's column when their widths add up to no more than this


@dataclass(frozen=True)
class PdfChart:
    """A chart of the PDF: its SVG file, its share of the text column and its description (alternative text)."""

    path: str
    width: float
    alt: str
    tall: bool = False  # nearly as tall as wide (the ranking of 39 countries)


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _chart_typst(charts: list[PdfChart]) -> str:
    """One chart, or two side by side, in the flow of the text where the notebook shows it, each image with its
    chart's description as alternative text (a screen reader reads it; pandoc's images carry none)."""
    images = " #h(1fr) ".join(f"#box(image({_typst_string(c.path)}, width: {c.width:.0%}, "
                              f"alt: {_typst_string(c.alt)}))" for c in charts)
    if len(charts) == 1 and charts[0].tall:
        # a tall chart floats to the top or bottom of a page: where it does not fit under the text
        # before it, the text flows on into the space instead of leaving a third of a page empty
        return _raw("typst", f"#place(auto, float: true, clearance: 1.2em, block(width: 100%)[{images}])")
    return _raw("typst", f"#block(width: 100%)[{images}]")


def _output_block(output: nbformat.NotebookNode, target: str, figure_dir: Path | None,
                  prefix: str) -> str | PdfChart:
    data = output.get("data", {})
    meta = output.get("metadata", {}).get(BRIEF_METADATA, {})
    if (target == "typst" and meta.get("pdf") is False) or (target == "html" and meta.get("html") is False):
        return ""
    if "text/markdown" in data:
        return _text(data["text/markdown"]).strip() + "\n"
    if target == "html":
        if "text/html" in data:
            return _raw("html", _text(data["text/html"]))
        if "image/svg+xml" in data:
            return _raw("html", _text(data["image/svg+xml"]))
        return ""
    if "image/svg+xml" in data:
        if figure_dir is None:
            raise ValueError("figure_dir is needed to place charts in a typst document")
        svg = _text(data["image/svg+xml"])
        name = f"chart-{hashlib.sha256(svg.encode()).hexdigest()[:12]}.svg"
        figure_dir.mkdir(parents=True, exist_ok=True)
        (figure_dir / name).write_text(svg, encoding="utf-8")
        return PdfChart(f"{prefix}{name}", round(figure_width(svg), 2), _text(data.get("text/plain", "")),
                        is_tall(svg))
    return ""

