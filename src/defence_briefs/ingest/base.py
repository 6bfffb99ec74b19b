"""What every parser provides, and helpers shared by the spreadsheet and CSV parsers."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..countries import CountryTable
from ..errors import InputError
from .schema import TableSchema

if TYPE_CHECKING:
    import openpyxl

ParseFunction = Callable[[Path, str, CountryTable], dict[str, pd.DataFrame]]


@dataclass(frozen=True)
class Parser:
    """One source format: `parse(path, display_name, countries)` returns tidy tables by suffix.

    The suffix "" names the main table; the stored table is called after the manifest's role
    (`<role>` or `<role>_<suffix>`). Bump `version` whenever the output changes, to invalidate caches.
    """

    name: str
    version: str
    description: str
    parse: ParseFunction
    schemas: dict[str, TableSchema]


def cell_ref(sheet: str, row: int, column: int) -> str:
    """Human reference to a spreadsheet cell, e.g. "sheet 'Share of GDP', row 57, column BT"."""
    return f"sheet '{sheet}', row {row}, column {column_letter(column)}"


def year_of(value: object) -> int | None:
    """A header cell as a year (1900-2100): ints and digit strings such as "'2019'"; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        year = int(value)
    elif isinstance(value, str) and value.strip().strip("'").isdigit():
        year = int(value.strip().strip("'"))
    else:
        return None
    return year if 1900 <= year <= 2100 else None


def check_years(years: list[tuple[str, int]], file: str, sheet: str | None, row: int) -> None:
    """Year columns, as (column label, year) pairs, must increase strictly: no duplicate or out-of-order year."""
    for (_, previous), (column, year) in pairwise(years):
        if year <= previous:
            raise InputError(
                file, f"year {year} follows {previous} in the header: a year column is duplicated or out of order",
                sheet=sheet, row=row, column=column,
            )


def check_no_data_above(rows: list[list[str]], header_index: int, file: str) -> None:
    """Rows above a CSV table's header are notes; one holding two or more numbers is a data row that a moved
    header would silently drop, so it is an InputError."""
    for number, fields in enumerate(rows[:header_index], start=1):
        numbers = 0
        for cell in fields[1:]:
            try:
                float(cell.strip())
            except ValueError:
                continue
            numbers += 1
        if numbers >= 2:
            raise InputError(file, f"a row of values appears above the header (line {header_index + 1}); the header "
                             "row was moved, and the rows above it would be lost", row=number, column="1")


XLSX_MAGIC = b"PK\x03\x04"


def column_letter(number: int) -> str:
    """A spreadsheet column's letters from its number, counted from 1 (1 is A, 27 is AA, 703 is AAA)."""
    from openpyxl.utils import get_column_letter  # here, as openpyxl below

    return get_column_letter(number)


def open_workbook(path: Path, file: str) -> openpyxl.Workbook:
    """Open an .xlsx read-only with cached values; an empty, damaged or non-xlsx file is an InputError."""
    with open(path, "rb") as handle:
        start = handle.read(64)
    if not start.strip():
        raise InputError(file, "the file is empty")
    if not start.startswith(XLSX_MAGIC):
        raise InputError(file, f"not an .xlsx workbook: it starts with {start[:40]!r}, an .xlsx (a zip archive) "
                         "starts with 'PK'; is this a file of another source saved under this name?")
    import openpyxl  # here: the briefs' kernels import this package and never read a workbook

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(file, f"not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})") from None
