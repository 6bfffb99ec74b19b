"""The data file of a chart of the site: the rows it draws as CSV, with a CSV on the Web (CSVW) sidecar
(`<name>.csv-metadata.json`) holding the chart's title, subtitle, description, source line and citation."""

from __future__ import annotations

import csv
import io
import json

from .page_links import ChartFigure

CSVW_CONTEXT = ["http://www.w3.org/ns/csvw", {"@language": "en"}]


def _mark(view: dict) -> str:
    mark = view.get("mark")
    return str(mark.get("type", "")) if isinstance(mark, dict) else str(mark or "")


def _datasets_of(view: dict) -> dict[str, str]:
    """The named datasets a view (its layers, concatenations) draws, in order, each with the mark that draws it:
    a view's own data, and the data a lookup joins in (a map's values, joined to its shapes)."""
    names: dict[str, str] = {}
    data = view.get("data")
    if isinstance(data, dict) and data.get("name"):
        names[data["name"]] = _mark(view)
    for transform in view.get("transform", []):
        joined = ((transform.get("from") or {}).get("data") or {}).get("name") if "lookup" in transform else None
        if joined:
            names.setdefault(joined, _mark(view))
    for key in ("layer", "vconcat", "hconcat", "concat"):
        for child in view.get(key, []):
            for name, mark in _datasets_of(child).items():
                names.setdefault(name, mark)
    return names


def chart_parts(spec: dict) -> tuple[list[dict], str, str, str, list[str]]:
    """(rows it draws, title, subtitle, source line, the mark drawing each layer) of a brief chart's spec: the plot
    above, the source line below (charts.finish). Rows of several datasets (a plot and its reference lines, a map's
    values and its small countries' dots) are stacked, each row naming its layer (from 1) when there are several; a
    map's shapes are left out."""
    views = spec.get("vconcat") or [spec]
    plot, source_view = (views[:-1], views[-1]) if len(views) > 1 else (views, None)
    datasets = spec.get("datasets", {})
    drawn: dict[str, str] = {}
    for view in plot:
        for name, mark in _datasets_of(view).items():
            drawn.setdefault(name, mark)
    # rows only: a map's shapes (a TopoJSON object) are not data of the chart
    names = [name for name in drawn if isinstance(datasets.get(name), list)]
    rows: list[dict] = []
    for position, name in enumerate(names):
        for row in datasets[name]:
            rows.append({"layer": position + 1, **row} if len(names) > 1 else dict(row))
    source = ""
    if source_view is not None:
        source_rows = datasets.get((source_view.get("data") or {}).get("name", ""), [])
        source = str(source_rows[0].get("text", "")) if source_rows else ""
    title = spec.get("title")
    text = title.get("text", "") if isinstance(title, dict) else (title or "")
    subtitle = title.get("subtitle", "") if isinstance(title, dict) else ""
    return rows, _joined(text), _joined(subtitle), source, [drawn[name] for name in names]


def _joined(text: str | list) -> str:
    return " ".join(text) if isinstance(text, list) else str(text)


def chart_csv(rows: list[dict]) -> bytes:
    """The rows as CSV (columns in order of first appearance; booleans as true/false; missing values empty)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: ("true" if value is True else "false" if value is False else value)
                         for key, value in row.items()})
    return out.getvalue().encode("utf-8")


def chart_files(figures: list[ChartFigure], folder: str, page_title: str, citation: str) -> dict[str, bytes]:
    """Each chart's CSV and CSVW sidecar, by their path in the site (`folder`/<id>.csv...)."""
    files = {}
    for figure in figures:
        rows, title, subtitle, source, marks = chart_parts(figure.spec)
        name = f"{figure.id}.csv"
        columns = [{"name": column, "titles": column} for column in dict.fromkeys(key for row in rows for key in row)]
        if len(marks) > 1:
            columns[0]["dc:description"] = "The layer of the chart that draws the row: " + "; ".join(
                f"{number} {mark}" for number, mark in enumerate(marks, start=1)) + "."
        sidecar = {
            "@context": CSVW_CONTEXT,
            "url": name,
            "dc:title": title,
            "dc:description": " ".join(part if part.endswith((".", "?", "!")) else f"{part}."
                                       for part in (subtitle, figure.spec.get("description", "")) if part),
            "dc:source": source,
            "dc:isPartOf": page_title,
            "dc:bibliographicCitation": citation,
            "tableSchema": {"columns": columns},
        }
        files[f"{folder}/{name}"] = chart_csv(rows)
        files[f"{folder}/{name}-metadata.json"] = (json.dumps(sidecar, indent=2, ensure_ascii=False) + "\n").encode()
    return files
