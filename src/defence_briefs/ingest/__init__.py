"""One parser per source format; `PARSERS` maps the manifest's parser names to them."""

from __future__ import annotations

from . import nato, sipri_milex, sipri_register, sipri_tiv_tables, worldbank
from .base import Parser

PARSERS: dict[str, Parser] = {
    parser.name: parser
    for parser in (
        sipri_milex.PARSER,
        sipri_register.PARSER,
        sipri_tiv_tables.EXPORT_TABLE,
        sipri_tiv_tables.US_EXPORTS,
        sipri_tiv_tables.SUPPLIER_BLOCKS,
        sipri_tiv_tables.TOTALS,
        nato.PARSER,
        worldbank.PARSER,
    )
}

__all__ = ["PARSERS", "Parser"]
