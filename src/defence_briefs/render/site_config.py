"""What `_quarto.yml` says about the site: title, navigation, pages and formats; the built-in route follows it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import UsageError

QUARTO_FILE = "_quarto.yml"


@dataclass(frozen=True)
class SiteConfig:
    """The parts of _quarto.yml the built-in renderer uses."""

    title: str
    description: str
    navigation: tuple[tuple[str, str], ...]
    pages: tuple[str, ...]
    formats: tuple[str, ...]
    toc: bool
    papersize: str


def load_site_config(root: Path) -> SiteConfig:
    """Read `_quarto.yml` under `root`; a missing or malformed file is a UsageError naming it."""
    path = root / QUARTO_FILE
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
    formats = config.get("format") or {}
    html = formats.get("html") or {}
    typst = formats.get("typst") or {}
    return SiteConfig(
        title=str(website["title"]), description=str(website.get("description", "")), navigation=navigation,
        pages=tuple(str(p) for p in (config.get("project") or {}).get("render", [])),
        formats=tuple(formats), toc=bool(html.get("toc", True)), papersize=str(typst.get("papersize", "a4")),
    )
