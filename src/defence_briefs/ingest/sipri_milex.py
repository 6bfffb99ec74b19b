"""SIPRI Military Expenditure Database workbooks (releases 2024, 2025, 2026).

Reads the country sheets in constant USD, current USD, share of GDP, per capita and share of
government spending into one long table, and `Regional totals` into a second. Missing markers
('...', 'xxx', '…', '. .', blank) become NaN with a reason; footnote symbols are kept; SIPRI's blue
(estimate) and red (highly uncertain) fonts become the `estimate` and `uncertain` columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..countries import CountryTable
from ..errors import InputError
from .base import Parser, cell_ref, check_years, column_letter, open_workbook, year_of
from .schema import Column, TableSchema

VERSION = "2"

# sheet title (or prefix) -> (measure, unit)
MEASURES = {
    "Constant": ("milex_constant_usd", "USD m, constant prices"),
    "Current US$": ("milex_current_usd", "USD m, current prices"),
    "Share of GDP": ("milex_share_of_gdp", "fraction of GDP"),
    "Per capita": ("milex_per_capita_usd", "USD, current prices"),
    "Share of Govt. spending": ("milex_share_of_govt_spending", "fraction of general government spending"),
}
MISSING_MARKERS = {
    "...": "data unavailable",
    ". .": "data unavailable",
    "..": "data unavailable",
    "…": "data unavailable",
    "xxx": "country did not exist or was not independent",
}
FLAG_SYMBOLS = "†‡§¶‖"
# SIPRI marks estimates in blue and highly uncertain figures in red (font colour only), as palette indices
# 12 and 10 of Excel's default palette, or as the same colours in RGB.
BLUE_FONT = (12, "FF0000FF", "000000FF")
RED_FONT = (10, "FFFF0000", "00FF0000")
HEADER_SEARCH_ROWS = 20
# Region and sub-region labels that head groups of countries in the country sheets (some rows hold '...').
SIPRI_REGIONS = frozenset({
    "Africa", "North Africa", "sub-Saharan Africa", "Americas", "Central America and the Caribbean",
    "North America", "South America", "Asia & Oceania", "Oceania", "South Asia", "East Asia",
    "South East Asia", "Central Asia", "Europe", "Central Europe", "Eastern Europe", "Western Europe",
    "Middle East",
})
# Real values outside [0, 1] for a share, kept: Kuwait's spending in 1991 (Iraq's invasion) exceeded its GDP.
SHARE_EXCEPTIONS = frozenset({("KWT", 1991, "milex_share_of_gdp")})

MILEX_SCHEMA = TableSchema(
    name="milex",
    columns=(
        Column("code", "str"),
        Column("source_name", "str"),
        Column("measure", "str", allowed=frozenset(m for m, _ in MEASURES.values())),
        Column("year", "int", min=1900, max=2100),
        Column("value", "float", nullable=True, min=0),
        Column("unit", "str"),
        Column("base_year", "int", nullable=True),
        Column("estimate", "bool"),
        Column("uncertain", "bool"),
        Column("missing_reason", "str", nullable=True),
        Column("flags", "str", nullable=True),
        Column("footnotes", "str", nullable=True),
        Column("source_ref", "str"),
    ),
    key=("code", "year", "measure"),
)
SHARE_SCHEMA = TableSchema(
    name="milex shares",
    columns=(Column("code", "str"), Column("year", "int"), Column("measure", "str"),
             Column("value", "float", nullable=True, min=0, max=1), Column("source_ref", "str")),
    key=("code", "year", "measure"),
    range_exceptions=SHARE_EXCEPTIONS,
)
REGIONAL_SCHEMA = TableSchema(
    name="milex_regional",
    columns=(
        Column("region", "str"),
        Column("year", "int", min=1900, max=2100),
        Column("prices", "str", allowed=frozenset({"constant", "current"})),
        Column("price_year", "int"),
        Column("value_usd_bn", "float", nullable=True, min=0),
        Column("missing_reason", "str", nullable=True),
        Column("omitted_countries", "str", nullable=True),
        Column("source_ref", "str"),
    ),
    key=("region", "year", "prices"),
)


def _split_notes(notes: object) -> tuple[str | None, str | None]:
    """'‡§¶16' -> ('‡§¶', '16'): footnote symbols and numbered footnote references."""
    if notes is None or (isinstance(notes, str) and not notes.strip()):
        return None, None
    text = str(notes).strip()
    flags = "".join(ch for ch in text if ch in FLAG_SYMBOLS) or None
    numbers = ",".join(re.findall(r"\d+", text)) or None
    return flags, numbers


def _value(raw: object, file: str, sheet: str, row: int, column: int) -> tuple[float, str | None]:
    if raw is None:
        return np.nan, "blank in source"
    if isinstance(raw, bool):
        raise InputError(file, f"expected a number, found {raw!r}", sheet=sheet, row=row,
                         column=column_letter(column))
    if isinstance(raw, int | float):
        return float(raw), None
    text = str(raw).strip()
    if text == "":
        return np.nan, "blank in source"
    if text in MISSING_MARKERS:
        return np.nan, MISSING_MARKERS[text]
    raise InputError(
        file,
        f"expected a number or a SIPRI missing marker ('...', 'xxx', '…'), found {raw!r}",
        sheet=sheet, row=row, column=column_letter(column),
    )


def _find_header(rows: list[tuple], label: str, file: str, sheet: str) -> int:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if row and isinstance(row[0], str) and row[0].strip() == label:
            return index
    raise InputError(
        file, f"no header row with '{label}' in column A within the first {HEADER_SEARCH_ROWS} rows",
        sheet=sheet, column="A",
    )


def _header_and_years(ws_rows: list[tuple], label: str, file: str,
                      sheet: str) -> tuple[int, tuple, list[tuple[int, int]]]:
    """(header row index, header cells, [(1-based column, year)]) of a sheet whose header starts with `label`."""
    header_index = _find_header(ws_rows, label, file, sheet)
    header = ws_rows[header_index]
    years = [(i + 1, y) for i, cell in enumerate(header) if (y := year_of(cell)) is not None]
    if not years:
        raise InputError(file, "the header row has no year columns", sheet=sheet, row=header_index + 1)
    check_years([(column_letter(c), y) for c, y in years], file, sheet, header_index + 1)
    return header_index, header, years


def _sheet_for(prefix: str, sheetnames: list[str], file: str) -> str:
    for name in sheetnames:
        if name == prefix or (prefix == "Constant" and name.startswith("Constant (")):
            return name
    wanted = "Constant (<year>) US$" if prefix == "Constant" else prefix
    raise InputError(file, f"sheet '{wanted}' is missing; the workbook has: {', '.join(sheetnames)}", sheet=wanted)


def _font_colour(cell: object) -> int | str | None:
    """The palette index or RGB of a cell's font colour (None for the default colour)."""
    colour = getattr(getattr(cell, "font", None), "color", None)
    if colour is None:
        return None
    return colour.indexed if colour.type == "indexed" else colour.rgb if colour.type == "rgb" else None


def _sheet_rows(worksheet: object) -> tuple[list[tuple], list[tuple]]:
    """A sheet's cell values and, in the same shape, their font colours."""
    values: list[tuple] = []
    colours: list[tuple] = []
    for row in worksheet.iter_rows():  # type: ignore[attr-defined]
        values.append(tuple(cell.value for cell in row))
        colours.append(tuple(_font_colour(cell) if cell.value is not None else None for cell in row))
    return values, colours


def _country_sheet(ws_rows: list[tuple], sheet: str, measure: str, unit: str, base_year: int | None,
                   file: str, colours: list[tuple] | None = None) -> tuple[list[dict], dict[str, str]]:
    header_index, header, years = _header_and_years(ws_rows, "Country", file, sheet)
    header_row = header_index + 1
    notes_col = next((i for i, cell in enumerate(header) if isinstance(cell, str) and cell.strip() == "Notes"), None)
    if notes_col is None:
        raise InputError(file, "the header row has no 'Notes' column", sheet=sheet, row=header_row)
    records: list[dict] = []
    seen_names: dict[str, str] = {}
    for offset, row in enumerate(ws_rows[header_index + 1:], start=header_row + 1):
        if not row or row[0] is None or (isinstance(row[0], str) and not row[0].strip()):
            continue
        cells = [row[col - 1] if col - 1 < len(row) else None for col, _ in years]
        name = str(row[0]).strip()
        if name in SIPRI_REGIONS or all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue  # a region or sub-region label ('Europe', 'Western Europe'), or a note below the table
        seen_names.setdefault(name, f"sheet '{sheet}', row {offset}, column A")
        flags, footnotes = _split_notes(row[notes_col] if notes_col < len(row) else None)
        row_colours = colours[offset - 1] if colours is not None and offset - 1 < len(colours) else ()
        for (col, year), raw in zip(years, cells, strict=True):
            value, reason = _value(raw, file, sheet, offset, col)
            colour = row_colours[col - 1] if col - 1 < len(row_colours) else None
            records.append({
                "source_name": name, "measure": measure, "year": year, "value": value, "unit": unit,
                "base_year": base_year, "estimate": reason is None and colour in BLUE_FONT,
                "uncertain": reason is None and colour in RED_FONT,
                "missing_reason": reason, "flags": flags, "footnotes": footnotes,
                "source_ref": cell_ref(sheet, offset, col),
            })
    if not records:
        raise InputError(file, "no country rows below the header", sheet=sheet, row=header_row)
    return records, seen_names


def _regional(ws_rows: list[tuple], sheet: str, constant_year: int, file: str) -> pd.DataFrame:
    header_index, header, years = _header_and_years(ws_rows, "Region", file, sheet)
    header_row = header_index + 1
    current = [(i + 1, int(m.group(1))) for i, cell in enumerate(header)
               if isinstance(cell, str) and (m := re.match(r"(\d{4}) \(current prices\)", cell.strip()))]
    omitted_col = next(
        (i for i, c in enumerate(header) if isinstance(c, str) and c.strip() == "Omitted countries"), None)
    records = []
    for offset, row in enumerate(ws_rows[header_index + 1:], start=header_row + 1):
        if not row or not isinstance(row[0], str) or not row[0].strip():
            continue
        region = row[0].strip()
        omitted = row[omitted_col] if omitted_col is not None and omitted_col < len(row) else None
        omitted = str(omitted).strip() if omitted else None
        for col, year in years:
            raw = row[col - 1] if col - 1 < len(row) else None
            value, reason = _value(raw, file, sheet, offset, col)
            records.append({"region": region, "year": year, "prices": "constant", "price_year": constant_year,
                            "value_usd_bn": value, "missing_reason": reason, "omitted_countries": omitted,
                            "source_ref": cell_ref(sheet, offset, col)})
        for col, year in current:
            raw = row[col - 1] if col - 1 < len(row) else None
            value, reason = _value(raw, file, sheet, offset, col)
            records.append({"region": region, "year": year, "prices": "current", "price_year": year,
                            "value_usd_bn": value, "missing_reason": reason, "omitted_countries": omitted,
                            "source_ref": cell_ref(sheet, offset, col)})
    if not records:
        raise InputError(file, "no region rows below the header", sheet=sheet, row=header_row)
    return REGIONAL_SCHEMA.validate(pd.DataFrame.from_records(records), file)


def parse(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """Parse one SIPRI milex workbook into tables '' (countries, long) and 'regional'."""
    workbook = open_workbook(path, file)
    try:
        sheetnames = list(workbook.sheetnames)
        records: list[dict] = []
        names: dict[str, str] = {}
        base_year: int | None = None
        for prefix, (measure, unit) in MEASURES.items():
            sheet = _sheet_for(prefix, sheetnames, file)
            sheet_base = None
            if prefix == "Constant":
                match = re.search(r"\((\d{4})\)", sheet)
                if not match:
                    raise InputError(file, "cannot read the base year from the sheet name", sheet=sheet)
                base_year = sheet_base = int(match.group(1))
                unit = f"USD m, constant {base_year} prices"
            rows, colours = _sheet_rows(workbook[sheet])
            sheet_records, sheet_names = _country_sheet(rows, sheet, measure, unit, sheet_base, file, colours)
            records.extend(sheet_records)
            for name, where in sheet_names.items():
                names.setdefault(name, where)
        regional_sheet = _sheet_for("Regional totals", sheetnames, file)
        regional = _regional(list(workbook[regional_sheet].iter_rows(values_only=True)), regional_sheet,
                             base_year or 0, file)
    finally:
        workbook.close()
    codes = countries.map_names(names, file)
    frame = pd.DataFrame.from_records(records)
    frame["code"] = frame["source_name"].map(codes)
    frame = MILEX_SCHEMA.validate(frame, file)
    shares = frame[frame["measure"].isin(["milex_share_of_gdp", "milex_share_of_govt_spending"])]
    SHARE_SCHEMA.validate(shares, file)
    return {"": frame, "regional": regional}


PARSER = Parser(
    name="sipri_milex_workbook",
    version=VERSION,
    description="SIPRI Military Expenditure Database workbook (.xlsx)",
    parse=parse,
    schemas={"": MILEX_SCHEMA, "regional": REGIONAL_SCHEMA},
)
