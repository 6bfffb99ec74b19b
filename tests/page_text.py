"""The text of a page of the site, route-independent: what a reader reads in its main content (headings, paragraphs,
list items, table cells) and each chart's title and data, for comparing the built-in and the Quarto route. Layout
(navigation, table of contents, footer, download links, the elements each route wraps its content in) is left out."""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

# what is page chrome, not the text: each route's navigation, table of contents, footer, download links, anchor
# links and citation block
CHROME = ["nav", "footer", "#TOC", "#quarto-margin-sidebar", ".site-footer", ".downloads", "#quarto-header",
          ".quarto-title-meta", "script", "style", ".anchor", ".anchorjs-link", ".chart-tools", ".cite"]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _chart(spec: dict) -> dict:
    """A chart's title and its whole Vega-Lite specification (the rows it draws with every encoding)."""
    title = spec.get("title")
    return {"title": title.get("text") if isinstance(title, dict) else title, "spec": spec}


def page_text(html: str) -> dict[str, list]:
    """Headings, paragraphs, list items, table cells and charts (title, data) of a page's main content."""
    soup = BeautifulSoup(html, "html.parser")
    charts = [_chart(json.loads(tag.string)) for tag in soup.select('script[type="application/json"][id^="spec-"]')]
    main = soup.find("main") or soup.body
    for selector in CHROME:
        for tag in main.select(selector):
            tag.decompose()
    title = soup.find("h1")
    return {
        "title": [_clean(title.get_text(" "))] if title else [],
        "headings": [_clean(h.get_text(" ")) for h in main.find_all(["h2", "h3", "h4"])],
        "paragraphs": [_clean(p.get_text(" ")) for p in main.find_all("p") if _clean(p.get_text(" "))],
        "items": [_clean(li.get_text(" ")) for li in main.find_all("li")],
        "cells": [_clean(cell.get_text(" ")) for cell in main.find_all(["th", "td"])],
        "charts": charts,
    }
