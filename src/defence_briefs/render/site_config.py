"""What `_quarto.yml` says about the site, read for the built-in route: title, navigation, the pages to render,
the formats, the table of contents of the HTML pages, and the paper size and font of the PDF briefs."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path

import yaml

from ..errors import UsageError

QUARTO_FILE = "_quarto.yml"
# Quarto's format names and the output each gives here (typst makes the PDF briefs)
OUTPUT_OF_FORMAT = {"html": "html", "typst": "pdf"}
OVERVIEW_PAGE, METHODOLOGY_PAGE, DIVERSIFICATION_PAGE = "index.ipynb", "methodology.md", "diversification.md"


@dataclass(frozen=True)
class SiteConfig:
    """The parts of _quarto.yml the built-in renderer uses."""

    title: str
    description: str
    navigation: tuple[tuple[str, str], ...]
    pages: tuple[str, ...]  # project.render: files or globs of the Quarto project (empty: every page)
    formats: tuple[str, ...]  # the outputs its formats give: "html", "pdf"
    toc: bool
    toc_depth: int
    papersize: str
    mainfont: str
    output_dir: str = "_site"  # project.output-dir: where `quarto render` writes the site
    site_url: str = ""  # website.site-url: where the site is published (cited when set)

    def renders(self, page: str) -> bool:
        """Whether `page` (a path in the Quarto project: index.ipynb, countries/POL.ipynb, methodology.md) is
        one of the pages to render."""
        return not self.pages or any(fnmatch(page, pattern) for pattern in self.pages)

    def renders_country(self, country: str) -> bool:
        return self.renders(f"countries/{country}.ipynb")


def load_site_config(root: Path) -> SiteConfig:
    """Read `_quarto.yml` under `root`; a missing or malformed file, or a format the built-in route cannot
    make, is a UsageError naming the file. Read again only when the file changed (every brief asks)."""
    path = root / QUARTO_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UsageError(f"{path}: not found; the site's title, pages and formats are read from it") from None
    return _site_config(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _site_config(path: Path, mtime_ns: int, size: int) -> SiteConfig:
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise UsageError(f"{path}: not found; the site's title, pages and formats are read from it") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc}") from None
    website = config.get("website") or {}
    if "title" not in website:
        raise UsageError(f"{path}: website.title is missing")
    navbar = (website.get("navbar") or {}).get("left") or []
    navigation = tuple((str(item["text"]), str(item["href"])) for item in navbar if "href" in item)
    formats = config.get("format") or {"html": {}, "typst": {}}
    unknown = [name for name in formats if name not in OUTPUT_OF_FORMAT]
    if unknown:
        raise UsageError(f"{path}: format {', '.join(unknown)}: the built-in route makes "
                         f"{' and '.join(OUTPUT_OF_FORMAT)} (the PDF briefs); use --renderer quarto for others")
    html = formats.get("html") or {}
    typst = formats.get("typst") or {}
    return SiteConfig(
        title=str(website["title"]), description=str(website.get("description", "")), navigation=navigation,
        pages=tuple(str(p) for p in (config.get("project") or {}).get("render", [])),
        formats=tuple(output for name, output in OUTPUT_OF_FORMAT.items() if name in formats),
        toc=bool(html.get("toc", False)), toc_depth=int(html.get("toc-depth", 3)),
        papersize=str(typst.get("papersize", "a4")), mainfont=str(typst.get("mainfont", "Lato")),
        output_dir=str((config.get("project") or {}).get("output-dir", "_site")),
        site_url=str(website.get("site-url", "")).rstrip("/"),
    )
