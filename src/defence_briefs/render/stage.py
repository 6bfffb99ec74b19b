"""The render stage: a release's pages and PDF briefs from executed notebooks.

Two routes, chosen by the caller: `built-in` (the default: pandoc for HTML, pandoc and typst for PDFs, every
setting read from `_quarto.yml`) and `quarto` (`quarto render` of the same notebooks laid out as the Quarto
project; used only when asked). Both give pages with the site's assets, its Content-Security-Policy and the
overview's notice of briefs that are not up to date.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from . import site
from .pandoc import convert
from .policy import csp_meta
from .quarto import lay_out_project, quarto_commands, run_quarto
from .site_config import load_site_config

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
        files[f"countries/{country}.html"] = converted["html"].encode("utf-8")
    if "pdf" in converted:
        began = time.perf_counter()
        files[f"pdf/{country}.pdf"] = site.country_pdf(data, converted["pdf"], country, work / "typst")
        seconds["typst"] = time.perf_counter() - began
    return files, seconds


def render_with_quarto(root: Path, quarto: str, executed: dict[str, Path], overview: Path, assets: Path,
                       formats: tuple[str, ...], stale: list[tuple[str, str]], work: Path,
                       report: Reporter, pages: dict[str, str] | None = None) -> dict[str, Path]:
    """The Quarto route: lay the executed notebooks out as the Quarto project of `_quarto.yml` (with the site's
    `assets`, and `pages`: markdown pages the build wrote, by file name), run `quarto render`, and give each HTML
    page the site's Content-Security-Policy and the overview its stale notice. Returns Quarto's output files by
    their path in the site."""
    project_dir, output = work / "quarto", work / "quarto-site"
    if output.exists():
        shutil.rmtree(output)
    lay_out_project(root, project_dir, executed, overview)
    for name, markdown in (pages or {}).items():
        (project_dir / name).write_text(markdown, encoding="utf-8")
    shutil.copytree(assets, project_dir / site.ASSETS)
    run_quarto(quarto_commands(quarto, project_dir, output, list(executed), formats), report)
    notice = site.stale_notice_html(stale)
    pages = {}
    for path in sorted(output.rglob("*")):
        if not path.is_file():
            continue
        relative = str(path.relative_to(output))
        if path.suffix == ".html":
            path.write_text(finish_quarto_page(path.read_text(encoding="utf-8"),
                                               notice if relative == "index.html" else ""), encoding="utf-8")
        pages[relative] = path
    return pages


def finish_quarto_page(page: str, notice: str = "") -> str:
    """A page Quarto wrote, with the site's policy as the first element of its head and `notice` (HTML) at the
    start of its main content."""
    page, found = re.subn(r"<head[^>]*>", lambda m: f"{m.group(0)}\n{csp_meta()}", page, count=1)
    if not found:
        raise ValueError("the page Quarto wrote has no <head>")
    if notice:
        page, placed = re.subn(r"<main[^>]*>", lambda m: f"{m.group(0)}\n{notice}", page, count=1)
        if not placed:
            page = re.sub(r"<body[^>]*>", lambda m: f"{m.group(0)}\n{notice}", page, count=1)
    return page
