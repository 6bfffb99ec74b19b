"""The render stage: a release's pages and PDF briefs from executed notebooks.

Two routes, chosen by the caller: `built-in` (the default: pandoc for HTML, pandoc and typst for PDFs, every
setting read from `_quarto.yml`) and `quarto` (one `quarto render` of the project, whose documents are the same
notebooks, written by `write_quarto_documents`; used only when asked). Both give pages with the site's assets, its
Content-Security-Policy and the overview's notice of briefs that are not up to date.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from ..briefs.context import ReleaseData
from . import site
from .pandoc import convert
from .quarto import write_documents
from .site_config import DIVERSIFICATION_PAGE, OVERVIEW_PAGE, load_site_config

ROUTES = ("built-in", "quarto")
Reporter = Callable[[str], None]


def render_brief(root: str, release: str, country: str, notebook: nbformat.NotebookNode, formats: tuple[str, ...],
                 work: Path) -> tuple[dict[str, bytes], dict[str, float]]:
    """A country's HTML page and PDF (as `formats` asks) from its executed notebook, on the built-in route:
    the files by their path in the site, and the seconds of each step (pandoc, typst). Runs wherever the brief job
    runs."""
    from ..briefs.context import load_release

    config = load_site_config(Path(root))
    data = load_release(root, release)
    files: dict[str, bytes] = {}
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    pages = {}
    if "html" in formats:
        pages["html"] = site.country_page(config, data, notebook, country)
    if "pdf" in formats:
        pages["pdf"] = site.country_typst(config, data, notebook, country, work / "typst")
    converted = dict(zip(pages, convert(*pages.values()), strict=True))  # by format; one pandoc process
    seconds["pandoc"] = time.perf_counter() - began
    if "html" in converted:
        files |= site.linked_page(config, data, converted["html"], f"countries/{country}.html",
                                  site.country_title(data, country), f"data/charts/{country}")
    if "pdf" in converted:
        began = time.perf_counter()
        files[f"pdf/{country}.pdf"] = site.country_pdf(data, converted["pdf"], country, work / "typst")
        seconds["typst"] = time.perf_counter() - began
    return files, seconds


def write_quarto_documents(root: Path, data: ReleaseData, executed: dict[str, Path], overview: Path | None,
                           stale: list[tuple[str, str]], assets: Path) -> list[Path]:
    """The Quarto route: the documents of a release's site written into the Quarto project at `root` for `quarto
    render` (the overview with its notice of `stale` briefs (name, why), the Europe page, each country's executed
    notebook of `executed`, with the pages' metadata and the PDF's title block and footer), and the site's
    `assets`. Returns the files written."""
    config = load_site_config(root)
    pages: dict[str, tuple[dict, nbformat.NotebookNode | str]] = {}
    typst: dict[str, dict] = {}
    def cited(title: str, path: str) -> tuple[str, str]:
        citation = site.citation(config, data, title, path)
        return citation.text, citation.bibtex

    if overview is not None and config.renders(OVERVIEW_PAGE):
        metadata = {**site.overview_metadata(config, data), "before": site.stale_notice_markdown(stale),
                    "citation": cited("Europe overview", "index.html")}
        pages[OVERVIEW_PAGE] = (metadata, nbformat.read(overview, as_version=4))
    if config.renders(DIVERSIFICATION_PAGE):
        pages[DIVERSIFICATION_PAGE] = ({**site.diversification_metadata(config, data),
                                        "citation": cited(site.DIVERSIFICATION_TITLE, "diversification.html")},
                                       site.diversification_markdown(data))
    for country, path in executed.items():
        if not config.renders_country(country):
            continue
        relative = f"countries/{country}.ipynb"
        pages[relative] = ({**site.country_metadata(config, data, country),
                            "citation": cited(site.country_title(data, country), f"countries/{country}.html")},
                           nbformat.read(path, as_version=4))
        typst[relative] = site.country_typst_metadata(config, data, country)
    return write_documents(root, pages, typst, assets)
