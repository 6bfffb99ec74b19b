"""NATO 'Defence Expenditure of NATO Countries' tables workbook: the June 2024 edition's layout (2014-2024e, sheets
TABLE2 ...), read here, and the layout of the August 2025 and July 2026 editions (sheets 'Table 1' ..., the 2026
one on core defence as defined at The Hague), read by `nato_layout_2025`. Both give the same long table.

Reads TABLE2 (defence expenditure, USD m), TABLE3 (share of real GDP, annual real change),
TABLE5 (GDP, USD m) and TABLE8a/8b (distribution by category) into one long table. Year headers mix
ints and strings ('2019', '2023e'); 'e' marks an estimate. Percentages become fractions. A '*' after a
country name (national 2% law) is kept as a flag. Hidden rows without a name holding cached '#REF!'
errors are skipped. Constant prices are read at whatever base year the edition uses (2015 in the 2024
edition), named in the unit.

An edition is known by its year headers (`edition_of`): 'Defence Expenditure of NATO Countries (2014-2025)'
ends with its edition year. Each sheet's title must be the published one: a changed title or block label
(as when NATO reports core defence under the definition agreed at The Hague) is an InputError saying what
differs, so a table whose meaning changed is never read as the old one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..countries import CountryTable
from ..errors import InputError
from . import nato_layout_2025
from .base import Parser, cell_ref, check_years, column_letter, open_workbook
from .schema import Column, TableSchema

VERSION = "4"
HEADER_SEARCH_ROWS = 15

CONSTANT_LABEL = "Constant {base} prices and exchange rates"  # {base}: the edition's price base year
CONSTANT_RE = re.compile(r"Constant (\d{4}) prices and exchange rates")
# The sheets' titles in the published layout (row 4, column B), compared with spaces collapsed and case ignored.
TITLES = {
    "TABLE2": "Table 2 : Defence expenditure",
    "TABLE3": "Table 3 : Defence expenditure as a share of GDP and annual real change",
    "TABLE5": "Table 5 : GDP",
    "TABLE8a": "Table 8a : Distribution of defence expenditure by main category",
    "TABLE8b": "Table 8b : Distribution of defence expenditure by main category",
}
# sheet -> block label in column B -> (measure, unit, divisor to turn the cell into the unit)
BLOCKS: dict[str, dict[str, tuple[str, str, float]]] = {
    "TABLE2": {
        "Current prices and exchange rates": ("nato_defexp_current_usd", "USD m, current prices", 1.0),
        CONSTANT_LABEL: ("nato_defexp_constant_usd", "USD m, constant {base} prices", 1.0),
    },
    "TABLE3": {
        "Share of real GDP (%)": ("nato_share_of_gdp", "fraction of real GDP", 100.0),
        "Annual real change (%)": ("nato_real_change", "fraction, year on year, in real terms", 100.0),
    },
    "TABLE5": {
        "Current prices and exchange rates": ("nato_gdp_current_usd", "USD m, current prices", 1.0),
        CONSTANT_LABEL: ("nato_gdp_constant_usd", "USD m, constant {base} prices", 1.0),
    },
    "TABLE8a": {
        "Equipment (a)": ("nato_equipment_share", "fraction of defence expenditure", 100.0),
        "Personnel (b)": ("nato_personnel_share", "fraction of defence expenditure", 100.0),
    },
    "TABLE8b": {
        "Infrastructure (c)": ("nato_infrastructure_share", "fraction of defence expenditure", 100.0),
        "Other (d)": ("nato_other_share", "fraction of defence expenditure", 100.0),
    },
}
SHARE_MEASURES = frozenset({f"{prefix}{name}" for prefix in ("nato_", "nato_core_")
                            for name in ("share_of_gdp", "equipment_share", "personnel_share", "infrastructure_share",
                                         "other_share")})
CHANGE_MEASURES = frozenset({"nato_real_change", "nato_core_real_change"})

NATO_SCHEMA = TableSchema(
    name="nato",
    columns=(
        Column("code", "str"),
        Column("source_name", "str"),
        Column("measure", "str"),
        Column("year", "int", min=1949, max=2100),
        Column("estimate", "bool"),
        Column("value", "float"),
        Column("unit", "str"),
        Column("national_2pct_law", "bool"),
        Column("footnote", "bool"),
        Column("source_ref", "str"),
    ),
    key=("code", "year", "measure"),
)
SHARES_SCHEMA = TableSchema(
    name="nato shares",
    columns=(Column("value", "float", min=0, max=1), Column("source_ref", "str")),
)
AMOUNTS_SCHEMA = TableSchema(
    name="nato amounts",
    columns=(Column("value", "float", min=0), Column("source_ref", "str")),
)
CHANGE_SCHEMA = TableSchema(
    name="nato real change",
    columns=(Column("value", "float", min=-1), Column("source_ref", "str")),
)


def _is_blank_or_error(value: object) -> bool:
    return value is None or value == 0 or (isinstance(value, str) and (not value.strip() or value.startswith("#")))


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_title(ws_rows: list[tuple], sheet: str, file: str) -> None:
    """The sheet's title (the first text starting 'Table') must be the published one."""
    expected = TITLES[sheet]
    for number, row in enumerate(ws_rows[:HEADER_SEARCH_ROWS], start=1):
        for col, cell in enumerate(row, start=1):
            if isinstance(cell, str) and cell.strip().casefold().startswith("table"):
                if _normal(cell) != _normal(expected):
                    raise InputError(
                        file, f"the table's title is {cell.strip()!r}, but in the published layout this sheet is "
                        f"{expected!r}: NATO changed what the table reports (a new definition, such as core defence "
                        "spending after the Hague summit, or a renumbered table); the parser reads only the published "
                        "layout, so it stops rather than read the new table as the old one",
                        sheet=sheet, row=number, column=column_letter(col))
                return
    raise InputError(file, f"no title row within the first {HEADER_SEARCH_ROWS} rows; the published layout has "
                     f"{expected!r} above the year headers", sheet=sheet)


def _block(label: str, sheet: str) -> tuple[str, str, float] | None:
    """The (measure, unit, divisor) a block label in column B starts, or None for a label the layout lacks."""
    blocks = BLOCKS[sheet]
    if label in blocks:
        return blocks[label]
    match = CONSTANT_RE.fullmatch(label)
    if match and CONSTANT_LABEL in blocks:
        measure, unit, divisor = blocks[CONSTANT_LABEL]
        return measure, unit.format(base=match.group(1)), divisor
    return None


def _year_row(ws_rows: list[tuple], sheet: str, file: str) -> tuple[int, list[tuple[int, int, bool]]]:
    """(index of the row of year headers, [(column, year, estimate)]); an InputError when there is none."""
    for index, row in enumerate(ws_rows[:HEADER_SEARCH_ROWS]):
        found = [(col + 1, *parsed) for col, cell in enumerate(row)
                 if (parsed := nato_layout_2025.year_header(cell)) is not None]
        if len(found) >= 3:
            return index, found
    raise InputError(file, f"no row of year headers within the first {HEADER_SEARCH_ROWS} rows", sheet=sheet)


def _sheet(ws_rows: list[tuple], sheet: str, file: str) -> tuple[list[dict], dict[str, str]]:
    _check_title(ws_rows, sheet, file)
    header_index, years = _year_row(ws_rows, sheet, file)
    check_years([(column_letter(col), year) for col, year, _ in years], file, sheet, header_index + 1)
    block: tuple[str, str, float] | None = None
    records: list[dict] = []
    names: dict[str, str] = {}
    for number, row in enumerate(ws_rows[header_index + 1:], start=header_index + 2):
        cells = [row[col - 1] if col - 1 < len(row) else None for col, _, _ in years]
        label_b = row[1] if len(row) > 1 and isinstance(row[1], str) and row[1].strip() else None
        label_c = row[2] if len(row) > 2 and isinstance(row[2], str) and row[2].strip() else None
        if all(cell is None for cell in cells):
            found = _block(label_b.strip(), sheet) if label_b is not None else None
            if found is not None:
                block = found
            elif label_b is not None and not re.fullmatch(r"-\d+-", label_b.strip()):
                expected = [label.format(base="YYYY") for label in BLOCKS[sheet]]
                raise InputError(file, f"unknown block label {label_b!r}; the published layout's blocks of this "
                                 f"sheet are {expected}: NATO changed the table's layout or definition",
                                 sheet=sheet, row=number, column="B")
            continue  # notes under the table, page numbers and blank rows
        name = label_c or label_b
        if name is None:
            if all(_is_blank_or_error(cell) for cell in cells):
                continue  # hidden rows holding cached '#REF!' errors or zeros, with no name
            raise InputError(file, "a row of values has no country name in column B or C", sheet=sheet, row=number,
                             column="C")
        if block is None:
            raise InputError(file, "values appear before any block label (e.g. 'Current prices and exchange rates')",
                             sheet=sheet, row=number, column="B")
        measure, unit, divisor = block
        clean = re.sub(r"\s*\*\s*$", "", name.strip())
        law = clean != name.strip()
        names.setdefault(clean, f"sheet '{sheet}', row {number}, column {'C' if label_c else 'B'}")
        for (col, year, estimate), raw in zip(years, cells, strict=True):
            if raw is None:
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise InputError(file, f"expected a number, found {raw!r}", sheet=sheet, row=number,
                                 column=column_letter(col))
            records.append({"source_name": clean, "measure": measure, "year": year, "estimate": estimate,
                            "value": float(raw) / divisor, "unit": unit, "national_2pct_law": law,
                            "footnote": law, "source_ref": cell_ref(sheet, number, col)})
    return records, names


def parse(path: Path, file: str, countries: CountryTable) -> dict[str, pd.DataFrame]:
    """Parse the NATO tables workbook, in either layout, into one long table."""
    workbook = open_workbook(path, file)
    try:
        if _is_2025_layout(workbook):
            records, names, _ = nato_layout_2025.read_workbook(workbook, file)
        else:
            records, names = _read_2024_layout(workbook, file)
    finally:
        workbook.close()
    codes = countries.map_names(names, file)
    frame = pd.DataFrame.from_records(records)
    frame["code"] = frame["source_name"].map(codes)
    frame = NATO_SCHEMA.validate(frame, file)
    SHARES_SCHEMA.validate(frame[frame["measure"].isin(SHARE_MEASURES)], file)
    CHANGE_SCHEMA.validate(frame[frame["measure"].isin(CHANGE_MEASURES)], file)
    AMOUNTS_SCHEMA.validate(frame[~frame["measure"].isin(SHARE_MEASURES | CHANGE_MEASURES)], file)
    return {"": frame}


def _is_2025_layout(workbook) -> bool:
    return "TABLE2" not in workbook.sheetnames and nato_layout_2025.is_layout(workbook)


def _read_2024_layout(workbook, file: str) -> tuple[list[dict], dict[str, str]]:
    records: list[dict] = []
    names: dict[str, str] = {}
    for sheet in BLOCKS:
        if sheet not in workbook.sheetnames:
            present = ", ".join(workbook.sheetnames)
            raise InputError(file, f"sheet '{sheet}' is missing; the workbook has: {present}", sheet=sheet)
        sheet_records, sheet_names = _sheet(list(workbook[sheet].iter_rows(values_only=True)), sheet, file)
        records.extend(sheet_records)
        for name, where in sheet_names.items():
            names.setdefault(name, where)
    return records, names


@dataclass(frozen=True)
class NatoEdition:
    """What a tables workbook says of its edition: its years, which are estimates, and when it was saved."""

    first_year: int
    last_year: int
    estimate_years: tuple[int, ...]
    saved: dt.date | None  # the workbook's last-modified date (NATO saves the tables on publication)
    core: bool = False  # the tables report core defence expenditure (the Hague definition, from 2026)

    @property
    def title(self) -> str:
        return f"Defence Expenditure of NATO Countries ({self.first_year}-{self.last_year})"


def edition_of(path: Path, file: str) -> NatoEdition:
    """The edition of a tables workbook, from Table 2's year headers (either layout), its definition and the
    workbook's properties."""
    workbook = open_workbook(path, file)
    try:
        modified = workbook.properties.modified
        if _is_2025_layout(workbook):
            years = nato_layout_2025.edition_years(workbook, file)
            titles = nato_layout_2025.table_titles(workbook)
            core = bool(nato_layout_2025.CORE.search(titles["2"][1]))
        else:
            if "TABLE2" not in workbook.sheetnames:
                raise InputError(file, f"sheet 'TABLE2' (June 2024 layout) or a sheet titled 'Table 2: ...' (2025 "
                                 f"layout) is missing; the workbook has: {', '.join(workbook.sheetnames)}",
                                 sheet="TABLE2")
            rows = list(workbook["TABLE2"].iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS))
            _, years = _year_row(rows, "TABLE2", file)
            core = False
    finally:
        workbook.close()
    return NatoEdition(years[0][1], years[-1][1], tuple(year for _, year, estimate in years if estimate),
                       modified.date() if modified else None, core)


PARSER = Parser(
    name="nato_defence_expenditure_tables",
    version=VERSION,
    description="NATO Defence Expenditure of NATO Countries, tables workbook (.xlsx)",
    parse=parse,
    schemas={"": NATO_SCHEMA},
)
